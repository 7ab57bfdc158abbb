// Package eval measures a classifier against a labeled set of browsing
// items: accuracy, macro-averaged F1 and the most frequent confusions.
package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
)

// Item is one labeled browsing item, as a JSON line.
type Item struct {
	URL      string            `json:"url"`
	Title    string            `json:"title"`
	Summary  string            `json:"summary"`
	Domain   string            `json:"domain,omitempty"`
	Activity activity.Activity `json:"activity"`
}

// ErrLabel reports an item whose label is not one of the activities.
var ErrLabel = errors.New("eval: unknown activity label")

// Read decodes JSON lines of items.
func Read(r io.Reader) ([]Item, error) {
	var items []Item
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var it Item
		if err := json.Unmarshal([]byte(line), &it); err != nil {
			return nil, fmt.Errorf("eval: line %d: %w", n, err)
		}
		if !activity.Valid(it.Activity) {
			return nil, fmt.Errorf("line %d: %w: %q", n, ErrLabel, it.Activity)
		}
		items = append(items, it)
	}
	return items, sc.Err()
}

// Confusion counts items of activity Want classified as Got.
type Confusion struct {
	Want, Got activity.Activity
	N         int
}

// ClassScore is precision, recall and F1 of one activity.
type ClassScore struct {
	Activity          activity.Activity
	Support           int
	Precision, Recall float64
	F1                float64
}

// Report is the outcome of an evaluation.
type Report struct {
	N          int
	Correct    int
	Accuracy   float64
	MacroF1    float64
	Low        int // results flagged low-confidence
	LowCorrect int // of which correct
	Classes    []ClassScore
	Confusions []Confusion // most frequent first
	Calibration
}

// Run classifies every item with c and scores the results.
func Run(ctx context.Context, c classify.Classifier, items []Item) Report {
	r := Report{N: len(items)}
	tp := map[activity.Activity]int{}
	predicted := map[activity.Activity]int{}
	support := map[activity.Activity]int{}
	confused := map[[2]activity.Activity]int{}
	var scored []Scored
	for _, it := range items {
		res := c.Classify(ctx, classify.Input{URL: it.URL, Title: it.Title, Summary: it.Summary, Domain: it.Domain})
		scored = append(scored, Scored{res.Confidence, res.Activity == it.Activity})
		support[it.Activity]++
		predicted[res.Activity]++
		if res.Low {
			r.Low++
		}
		if res.Activity == it.Activity {
			r.Correct++
			tp[it.Activity]++
			if res.Low {
				r.LowCorrect++
			}
		} else {
			confused[[2]activity.Activity{it.Activity, res.Activity}]++
		}
	}
	if r.N > 0 {
		r.Accuracy = float64(r.Correct) / float64(r.N)
	}
	r.Calibration = Calibrate(scored)
	// Macro-F1 averages over the activities present in the set, so a set
	// that lacks an activity is not penalised for it.
	var sumF1 float64
	var classes int
	for _, a := range activity.All() {
		if support[a] == 0 {
			continue
		}
		cs := ClassScore{Activity: a, Support: support[a]}
		if predicted[a] > 0 {
			cs.Precision = float64(tp[a]) / float64(predicted[a])
		}
		cs.Recall = float64(tp[a]) / float64(support[a])
		if cs.Precision+cs.Recall > 0 {
			cs.F1 = 2 * cs.Precision * cs.Recall / (cs.Precision + cs.Recall)
		}
		r.Classes = append(r.Classes, cs)
		sumF1 += cs.F1
		classes++
	}
	if classes > 0 {
		r.MacroF1 = sumF1 / float64(classes)
	}
	for k, n := range confused {
		r.Confusions = append(r.Confusions, Confusion{k[0], k[1], n})
	}
	slices.SortFunc(r.Confusions, func(a, b Confusion) int {
		if a.N != b.N {
			return b.N - a.N
		}
		if c := strings.Compare(string(a.Want), string(b.Want)); c != 0 {
			return c
		}
		return strings.Compare(string(a.Got), string(b.Got))
	})
	return r
}

// WriteText writes the summary for a terminal: accuracy, macro-F1 and the top
// confusion pairs.
func (r Report) WriteText(w io.Writer, top int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "items:      %d\n", r.N)
	fmt.Fprintf(&b, "accuracy:   %.1f%% (%d/%d)\n", 100*r.Accuracy, r.Correct, r.N)
	fmt.Fprintf(&b, "macro-F1:   %.3f\n", r.MacroF1)
	fmt.Fprintf(&b, "low conf.:  %d items, %d of them correct\n", r.Low, r.LowCorrect)
	fmt.Fprintf(&b, "top confusions (want -> got):\n")
	for _, c := range r.Confusions[:min(top, len(r.Confusions))] {
		fmt.Fprintf(&b, "  %3d  %s -> %s\n", c.N, c.Want, c.Got)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report as a Markdown section.
func (r Report) WriteMarkdown(w io.Writer, top int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| metric | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| items | %d |\n", r.N)
	fmt.Fprintf(&b, "| top-1 accuracy | %.1f%% (%d/%d) |\n", 100*r.Accuracy, r.Correct, r.N)
	fmt.Fprintf(&b, "| macro-F1 | %.3f |\n", r.MacroF1)
	fmt.Fprintf(&b, "| flagged low-confidence | %d (%d of them correct) |\n\n", r.Low, r.LowCorrect)
	fmt.Fprintf(&b, "Top confusion pairs:\n\n| count | labeled | classified as |\n|---|---|---|\n")
	for _, c := range r.Confusions[:min(top, len(r.Confusions))] {
		fmt.Fprintf(&b, "| %d | %s | %s |\n", c.N, c.Want, c.Got)
	}
	fmt.Fprintf(&b, "\nPer activity:\n\n| activity | items | precision | recall | F1 |\n|---|---|---|---|---|\n")
	for _, c := range r.Classes {
		fmt.Fprintf(&b, "| %s | %d | %.2f | %.2f | %.2f |\n", c.Activity, c.Support, c.Precision, c.Recall, c.F1)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Section markers delimit the generated part of a Markdown document.
const (
	BeginMarker = "<!-- eval-classify:begin -->"
	EndMarker   = "<!-- eval-classify:end -->"
)

// ErrNoMarkers reports a document without the section markers.
var ErrNoMarkers = errors.New("eval: document lacks the eval-classify markers")

// Splice replaces the text between the markers in doc with section.
func Splice(doc, section string) (string, error) {
	i := strings.Index(doc, BeginMarker)
	j := strings.Index(doc, EndMarker)
	if i < 0 || j < i {
		return "", ErrNoMarkers
	}
	return doc[:i+len(BeginMarker)] + "\n" + section + doc[j:], nil
}
