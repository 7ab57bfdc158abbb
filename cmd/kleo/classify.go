package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/classify/eval"
)

// classifyLine is one input line of `kleo classify`.
type classifyLine struct {
	URL     string `json:"url"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Domain  string `json:"domain"`
}

// classifyOut is one output line of `kleo classify`.
type classifyOut struct {
	Activity   string  `json:"activity"`
	Confidence float64 `json:"confidence"`
	Low        bool    `json:"low,omitempty"`
}

// runClassify classifies JSON lines from stdin, one result line per input
// line; with -eval it scores a labeled set instead and can write the report
// into a Markdown document.
func runClassify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	evalPath := fs.String("eval", "", "score the labeled JSON lines in `file` (url, title, summary, domain, activity)")
	docPath := fs.String("doc", "", "with -eval, write the report between the eval-classify markers of this Markdown `file`")
	top := fs.Int("top", 10, "with -eval, how many confusion pairs to show")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 || *docPath != "" && *evalPath == "" {
		fs.Usage()
		return errUsage
	}
	m, err := classify.Load()
	if err != nil {
		return err
	}
	if *evalPath != "" {
		return evaluate(ctx, m, *evalPath, *docPath, *top, stdout)
	}

	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	for n := 1; sc.Scan(); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var in classifyLine
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			// The line is not echoed: it may hold a URL or page text.
			return fmt.Errorf("line %d: invalid JSON: %w", n, err)
		}
		res := m.Classify(ctx, classify.Input{URL: in.URL, Title: in.Title, Summary: in.Summary, Domain: in.Domain})
		out := classifyOut{Activity: string(res.Activity), Confidence: math.Round(res.Confidence*1e4) / 1e4, Low: res.Low}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return w.Flush()
}

func evaluate(ctx context.Context, m *classify.Model, path, doc string, top int, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	items, err := eval.Read(f)
	f.Close()
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return errors.New("evaluation set is empty")
	}
	r := eval.RunAblation(ctx, m, items)
	if err := r.WriteText(stdout, top); err != nil {
		return err
	}
	if doc == "" {
		return nil
	}
	old, err := os.ReadFile(doc)
	if err != nil {
		return err
	}
	var section strings.Builder
	if err := r.WriteMarkdown(&section, top); err != nil {
		return err
	}
	updated, err := eval.Splice(string(old), section.String())
	if err != nil {
		return fmt.Errorf("%s: %w", doc, err)
	}
	if err := os.WriteFile(doc, []byte(updated), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the report to %s\n", doc)
	return nil
}
