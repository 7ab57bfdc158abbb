package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/pii/piieval"
)

// piiInput is one input line of `kleo pii`.
type piiInput struct {
	Text *string `json:"text"`
	Keep string  `json:"keep,omitempty"` // the record owner's 0x address, kept
}

type piiEntity struct {
	Type  pii.Type `json:"type"`
	Start int      `json:"start"`
	End   int      `json:"end"`
}

type piiOutput struct {
	Text     string      `json:"text"`
	Entities []piiEntity `json:"entities"`
}

// Markers around the generated table in the evaluation document.
const (
	evalBegin = "<!-- eval-pii:begin -->"
	evalEnd   = "<!-- eval-pii:end -->"
)

// runPII scrubs JSON lines {"text": ...} from stdin, or, with -eval, scores
// the engine on a Presidio-format dataset.
func runPII(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pii", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keep := fs.String("keep", "", "owner's 0x address to keep in every line (a line's \"keep\" overrides it)")
	eval := fs.String("eval", "", "score the engine on this Presidio-format dataset instead of scrubbing stdin")
	corpus := fs.String("corpus", "", "with -eval: also score this labelled browsing corpus (testdata/browsing/browsing.txt format)")
	doc := fs.String("doc", "", "with -eval: replace the table between the eval-pii markers in this Markdown file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: kleo pii [-keep 0x...] < lines.jsonl
       kleo pii -eval synth_dataset_v2.json [-corpus browsing.txt] [-doc docs/pii.md]

Reads {"text": "...", "keep": "0x..."} lines and writes
{"text": "<scrubbed>", "entities": [{"type": ..., "start": ..., "end": ...}]}
with byte offsets into the input text.`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	e := pii.New()
	if *eval != "" {
		return evalPII(e, *eval, *corpus, *doc, stdout)
	}
	if *doc != "" || *corpus != "" {
		return fmt.Errorf("%w: -doc and -corpus need -eval", errUsage)
	}
	return scrubLines(ctx, e, *keep, stdin, stdout)
}

func scrubLines(ctx context.Context, e *pii.Engine, keep string, stdin io.Reader, stdout io.Writer) error {
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 0, 64<<10), 64<<20)
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep "<EMAIL_ADDRESS>" readable
	for line := 1; in.Scan(); line++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := in.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var rec piiInput
		if err := json.Unmarshal(b, &rec); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if rec.Text == nil {
			return fmt.Errorf("line %d: no \"text\" field", line)
		}
		k := keep
		if rec.Keep != "" {
			k = rec.Keep
		}
		text, found := e.Scrub(*rec.Text, k)
		out := piiOutput{Text: text, Entities: make([]piiEntity, len(found))}
		for i, f := range found {
			out.Entities[i] = piiEntity{Type: f.Type, Start: f.Start, End: f.End}
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if err := in.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	return w.Flush()
}

func evalPII(e *pii.Engine, dataset, corpus, doc string, stdout io.Writer) error {
	samples, err := loadSamples(dataset, piieval.LoadPresidio)
	if err != nil {
		return err
	}
	scores := piieval.Evaluate(e, samples)
	table := piieval.Markdown("Presidio `synth_dataset_v2.json`", scores, len(samples))
	bad := piieval.Failures(scores)
	if corpus != "" {
		cs, err := loadSamples(corpus, piieval.LoadMarked)
		if err != nil {
			return err
		}
		cscores := piieval.Evaluate(e, cs)
		changed, total := piieval.FalseAlarms(e, cs)
		table += "\n" + piieval.Markdown("Browsing corpus `internal/pii/testdata/browsing/browsing.txt`", cscores, len(cs))
		share := 0.0
		if total > 0 {
			share = float64(changed) / float64(total)
		}
		table += fmt.Sprintf("\nLook-alike negatives changed: %d of %d (%.1f%%; target < 5%%).\n", changed, total, 100*share)
		for _, f := range piieval.Failures(cscores) {
			bad = append(bad, "corpus "+f)
		}
		if share >= 0.05 {
			bad = append(bad, fmt.Sprintf("corpus false alarms %.1f%% ≥ 5%%", 100*share))
		}
	}
	fmt.Fprint(stdout, table)
	if doc != "" {
		if err := replaceBetween(doc, table); err != nil {
			return err
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("below target: %s", strings.Join(bad, "; "))
	}
	return nil
}

func loadSamples(path string, load func(io.Reader) ([]piieval.Sample, error)) ([]piieval.Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return load(f)
}

// replaceBetween rewrites the part of a Markdown file between the eval-pii
// markers.
func replaceBetween(path, table string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, evalBegin), strings.Index(s, evalEnd)
	if i < 0 || j < i {
		return fmt.Errorf("%s: markers %s ... %s not found", path, evalBegin, evalEnd)
	}
	s = s[:i+len(evalBegin)] + "\n" + table + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
