package eval

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/classify/internal/feat"
	"github.com/kleo-network/kleo-stream/internal/classify/internal/train"
)

// Suite is the whole evaluation behind `make eval-classify`: the own
// evaluation set, the set written after the model was frozen, each also
// restricted to the sites the model's sources never name, and an ablation.
type Suite struct {
	Own, OwnUnseen   Report
	Post, PostUnseen Report
	// Unseen is OwnUnseen and PostUnseen together: the domain-split figure.
	Unseen   Report
	Ablation []AblationRow
}

// AblationRow is one variant of the model scored on the three sets.
type AblationRow struct {
	Name              string
	Own, Unseen, Post Report
}

// Config says what RunSuite evaluates.
type Config struct {
	Data      fs.FS  // the model sources, for the domain split and the ablation builds
	Own, Post []Item // the own evaluation set and the post-freeze set
	// Ablate rebuilds the model without each source in turn (about a
	// second and a half each).
	Ablate bool
}

// Unseen returns the items whose registrable domain is not in sources.
func Unseen(items []Item, sources map[string]bool) []Item {
	var out []Item
	for _, it := range items {
		host, _ := feat.SplitURL(it.URL)
		if host == "" {
			host = it.Domain
		}
		if d, ok := train.Registrable(host); ok && sources[d] {
			continue
		}
		out = append(out, it)
	}
	return out
}

// fields strips parts of the input, for the ablation.
type fields struct {
	m         classify.Classifier
	url, text bool
}

func (f fields) Classify(ctx context.Context, in classify.Input) classify.Result {
	if !f.url {
		in.URL, in.Domain = "", ""
	}
	if !f.text {
		in.Title, in.Summary = "", ""
	}
	return f.m.Classify(ctx, in)
}

// RunSuite evaluates m as cfg says.
func RunSuite(ctx context.Context, m *classify.Model, cfg Config) (Suite, error) {
	sources, err := train.SourceDomains(cfg.Data)
	if err != nil {
		return Suite{}, err
	}
	ownU, postU := Unseen(cfg.Own, sources), Unseen(cfg.Post, sources)
	unseen := append(append([]Item(nil), ownU...), postU...)
	s := Suite{
		Own: Run(ctx, m, cfg.Own), OwnUnseen: Run(ctx, m, ownU),
		Post: Run(ctx, m, cfg.Post), PostUnseen: Run(ctx, m, postU),
		Unseen: Run(ctx, m, unseen),
	}
	row := func(name string, c classify.Classifier) AblationRow {
		return AblationRow{name, Run(ctx, c, cfg.Own), Run(ctx, c, unseen), Run(ctx, c, cfg.Post)}
	}
	s.Ablation = []AblationRow{
		row("full model (domain, path, title, summary)", m),
		row("domain and path only", fields{m, true, false}),
		row("title and summary only", fields{m, false, true}),
		row("text model alone (no site table, no lists)", m.TextOnly()),
	}
	if !cfg.Ablate {
		return s, nil
	}
	for _, src := range train.Sources() {
		b, err := train.BuildWith(cfg.Data, train.Options{Without: []string{src}})
		if err != nil {
			return Suite{}, fmt.Errorf("eval: build without %s: %w", src, err)
		}
		v, err := classify.New(b)
		if err != nil {
			return Suite{}, err
		}
		name := "without " + src
		if src == "calib" {
			name = "uncalibrated (temperature 1)"
		}
		s.Ablation = append(s.Ablation, row(name, v))
	}
	return s, nil
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// WriteText writes the figures for a terminal.
func (s Suite) WriteText(w io.Writer) error {
	var b strings.Builder
	line := func(name string, r Report) {
		fmt.Fprintf(&b, "%-34s %4d items  top-1 %6s  macro-F1 %.3f  ECE %.3f  wrong at >=0.9: %d of %d (%s)\n",
			name, r.N, pct(r.Accuracy), r.MacroF1, r.ECE, r.HighWrong, r.HighN, pct(r.HighWrongShare()))
	}
	line("own evaluation set", s.Own)
	line("  of it on unseen domains", s.OwnUnseen)
	line("post-freeze set", s.Post)
	line("  of it on unseen domains", s.PostUnseen)
	line("domain split (all unseen domains)", s.Unseen)
	for _, x := range []struct {
		name string
		r    Report
	}{{"own", s.Own}, {"post-freeze", s.Post}, {"domain split", s.Unseen}} {
		fmt.Fprintf(&b, "low_confidence (< %.2f) on %s: precision %s above (%d), %s below (%d)\n", classify.LowConfidence,
			x.name, pct(x.r.PrecisionAbove()), x.r.AboveN, pct(x.r.PrecisionBelow()), x.r.BelowN)
	}
	fmt.Fprintf(&b, "\nper-activity recall       own  post-freeze  unseen\n")
	for _, a := range activity.All() {
		fmt.Fprintf(&b, "  %-20s %6s %9s %9s\n", a, recall(s.Own, a), recall(s.Post, a), recall(s.Unseen, a))
	}
	fmt.Fprintf(&b, "\nablation (top-1: own / domain split / post-freeze; ECE on the domain split)\n")
	for _, r := range s.Ablation {
		fmt.Fprintf(&b, "  %-44s %6s %6s %6s  ECE %.3f\n", r.Name, pct(r.Own.Accuracy), pct(r.Unseen.Accuracy), pct(r.Post.Accuracy), r.Unseen.ECE)
	}
	fmt.Fprintf(&b, "\ntop confusions on the domain split (want -> got):\n")
	for _, c := range s.Unseen.Confusions[:min(12, len(s.Unseen.Confusions))] {
		fmt.Fprintf(&b, "  %3d  %s -> %s\n", c.N, c.Want, c.Got)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func recall(r Report, a activity.Activity) string {
	for _, c := range r.Classes {
		if c.Activity == a {
			return fmt.Sprintf("%.2f", c.Recall)
		}
	}
	return "-"
}

// WriteMarkdown writes the figures as the generated section of docs/classify.md.
func (s Suite) WriteMarkdown(w io.Writer, svg string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| set | items | top-1 | macro-F1 | ECE | wrong at confidence >= 0.9 | precision not Low / Low |\n|---|---|---|---|---|---|---|\n")
	row := func(name string, r Report) {
		fmt.Fprintf(&b, "| %s | %d | %s | %.3f | %.3f | %d of %d (%s) | %s (%d) / %s (%d) |\n", name, r.N, pct(r.Accuracy), r.MacroF1, r.ECE,
			r.HighWrong, r.HighN, pct(r.HighWrongShare()), pct(r.PrecisionAbove()), r.AboveN, pct(r.PrecisionBelow()), r.BelowN)
	}
	row("own evaluation set", s.Own)
	row("… on domains in no source", s.OwnUnseen)
	row("post-freeze set", s.Post)
	row("… on domains in no source", s.PostUnseen)
	row("**domain split** (both sets, domains in no source)", s.Unseen)
	if svg != "" {
		fmt.Fprintf(&b, "\n![reliability diagram](%s)\n", svg)
	}
	fmt.Fprintf(&b, "\nAblation (top-1 / macro-F1; calibration on the domain split):\n\n| variant | own set | domain split | post-freeze | ECE, domain split | wrong at >= 0.9, domain split |\n|---|---|---|---|---|---|\n")
	for _, r := range s.Ablation {
		fmt.Fprintf(&b, "| %s | %s / %.3f | %s / %.3f | %s / %.3f | %.3f | %s |\n", r.Name, pct(r.Own.Accuracy), r.Own.MacroF1,
			pct(r.Unseen.Accuracy), r.Unseen.MacroF1, pct(r.Post.Accuracy), r.Post.MacroF1, r.Unseen.ECE, pct(r.Unseen.HighWrongShare()))
	}
	fmt.Fprintf(&b, "\nTop confusions on the domain split:\n\n| count | labeled | classified as |\n|---|---|---|\n")
	for _, c := range s.Unseen.Confusions[:min(12, len(s.Unseen.Confusions))] {
		fmt.Fprintf(&b, "| %d | %s | %s |\n", c.N, c.Want, c.Got)
	}
	fmt.Fprintf(&b, "\nPer activity (recall; precision and F1 on the domain split):\n\n| activity | own recall | post-freeze recall | domain split: items | precision | recall | F1 |\n|---|---|---|---|---|---|---|\n")
	for _, a := range activity.All() {
		var c ClassScore
		for _, x := range s.Unseen.Classes {
			if x.Activity == a {
				c = x
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %.2f | %.2f | %.2f |\n", a, recall(s.Own, a), recall(s.Post, a), c.Support, c.Precision, c.Recall, c.F1)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Diagram returns the series of the reliability diagram.
func (s Suite) Diagram() []Series {
	return []Series{
		{"own evaluation set", "#1f77b4", s.Own.Calibration},
		{"domain split", "#d62728", s.Unseen.Calibration},
		{"post-freeze set", "#2ca02c", s.Post.Calibration},
	}
}
