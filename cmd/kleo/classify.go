package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
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
	postPath := fs.String("post", "", "with -eval, also score this `file` of items written after the model was frozen")
	dataDir := fs.String("data", "internal/classify/data", "with -eval, the model sources `dir`, for the domain split and the ablation")
	ablate := fs.Bool("ablate", true, "with -eval, rebuild the model without each source in turn")
	docPath := fs.String("doc", "", "with -eval, write the report between the eval-classify markers of this Markdown `file`")
	svgPath := fs.String("svg", "", "with -eval, write the reliability diagram to this SVG `file`")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 || (*docPath != "" || *svgPath != "" || *postPath != "") && *evalPath == "" {
		fs.Usage()
		return errUsage
	}
	m, err := classify.Load()
	if err != nil {
		return err
	}
	if *evalPath != "" {
		return evaluate(ctx, m, evalOptions{*evalPath, *postPath, *dataDir, *docPath, *svgPath, *ablate}, stdout)
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

type evalOptions struct {
	own, post, data, doc, svg string
	ablate                    bool
}

func readItems(path string) ([]eval.Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, err := eval.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: evaluation set is empty", path)
	}
	return items, nil
}

func evaluate(ctx context.Context, m *classify.Model, o evalOptions, stdout io.Writer) error {
	own, err := readItems(o.own)
	if err != nil {
		return err
	}
	var post []eval.Item
	if o.post != "" {
		if post, err = readItems(o.post); err != nil {
			return err
		}
	}
	if _, err := os.Stat(o.data); err != nil {
		return fmt.Errorf("model sources: %w", err)
	}
	s, err := eval.RunSuite(ctx, m, eval.Config{Data: os.DirFS(o.data), Own: own, Post: post, Ablate: o.ablate})
	if err != nil {
		return err
	}
	if err := s.WriteText(stdout); err != nil {
		return err
	}
	if o.svg != "" {
		var b strings.Builder
		if err := eval.WriteSVG(&b, "Reliability of the classifier's confidence", s.Diagram()); err != nil {
			return err
		}
		if err := os.WriteFile(o.svg, []byte(b.String()), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote the reliability diagram to %s\n", o.svg)
	}
	if o.doc == "" {
		return nil
	}
	old, err := os.ReadFile(o.doc)
	if err != nil {
		return err
	}
	var section strings.Builder
	svgRef := ""
	if o.svg != "" {
		svgRef = relTo(o.doc, o.svg)
	}
	if err := s.WriteMarkdown(&section, svgRef); err != nil {
		return err
	}
	updated, err := eval.Splice(string(old), section.String())
	if err != nil {
		return fmt.Errorf("%s: %w", o.doc, err)
	}
	if err := os.WriteFile(o.doc, []byte(updated), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the report to %s\n", o.doc)
	return nil
}

// relTo returns target as a path relative to the directory of doc, for a
// Markdown link.
func relTo(doc, target string) string {
	if r, err := filepath.Rel(filepath.Dir(doc), target); err == nil {
		return filepath.ToSlash(r)
	}
	return target
}
