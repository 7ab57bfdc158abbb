// Package piieval scores the PII engine against labelled texts such as
// Presidio's synthetic evaluation set.
//
// Matching rule: a prediction and a gold span match when they have the same
// type and their byte spans overlap. Recall counts gold spans matched by at
// least one prediction; precision counts predictions that match at least one
// gold span. Overlap rather than exact boundaries is used because the labels
// and the engine legitimately disagree on edges (a "+" or "(0)" in a phone
// number, a trailing "x123" extension) that do not change what was redacted.
package piieval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kleo-network/kleo-stream/internal/pii"
)

// Span is a labelled entity with a byte span in its sample's text.
type Span struct {
	Type       string
	Start, End int
}

// Sample is one labelled text.
type Sample struct {
	Text  string
	Spans []Span
	// Negative marks a look-alike: a text that names nobody and holds no
	// address although it looks as if it did (Abbey Road, Wall Street
	// Journal).
	Negative bool
}

// presidioRecord is one element of synth_dataset_v2.json.
type presidioRecord struct {
	FullText string `json:"full_text"`
	Spans    []struct {
		EntityType    string `json:"entity_type"`
		StartPosition int    `json:"start_position"`
		EndPosition   int    `json:"end_position"`
	} `json:"spans"`
}

// LoadPresidio reads a Presidio-format dataset (a JSON array). Its offsets
// count Unicode code points; they are converted to byte offsets.
func LoadPresidio(r io.Reader) ([]Sample, error) {
	var recs []presidioRecord
	if err := json.NewDecoder(r).Decode(&recs); err != nil {
		return nil, fmt.Errorf("piieval: decode dataset: %w", err)
	}
	out := make([]Sample, 0, len(recs))
	for n, rec := range recs {
		off := runeOffsets(rec.FullText)
		s := Sample{Text: rec.FullText}
		for _, sp := range rec.Spans {
			if sp.StartPosition < 0 || sp.EndPosition < sp.StartPosition || sp.EndPosition >= len(off) {
				return nil, fmt.Errorf("piieval: record %d: span [%d,%d) outside text of %d characters",
					n, sp.StartPosition, sp.EndPosition, len(off)-1)
			}
			s.Spans = append(s.Spans, Span{Type: sp.EntityType, Start: off[sp.StartPosition], End: off[sp.EndPosition]})
		}
		out = append(out, s)
	}
	return out, nil
}

// runeOffsets maps code-point index k to its byte offset; the last element
// is len(text).
func runeOffsets(text string) []int {
	off := make([]int, 0, utf8.RuneCountInString(text)+1)
	for i := range text {
		off = append(off, i)
	}
	return append(off, len(text))
}

// Score is the result for one entity type.
type Score struct {
	Type     string
	Gold     int // labelled spans
	Pred     int // predicted spans
	GoldHit  int // labelled spans matched by a prediction
	PredHit  int // predictions matching a labelled span
	Target   float64
	Presidio float64 // Presidio's published vanilla F2, 0 if none
}

// Precision is PredHit/Pred (1 when nothing was predicted).
func (s Score) Precision() float64 {
	if s.Pred == 0 {
		return 1
	}
	return float64(s.PredHit) / float64(s.Pred)
}

// Recall is GoldHit/Gold (1 when nothing is labelled).
func (s Score) Recall() float64 {
	if s.Gold == 0 {
		return 1
	}
	return float64(s.GoldHit) / float64(s.Gold)
}

// F2 weighs recall four times as much as precision.
func (s Score) F2() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 5 * p * r / (4*p + r)
}

// Targets are the F2 goals, with Presidio's published vanilla F2 beside them.
var targets = []struct {
	typ              string
	target, presidio float64
}{
	{"CREDIT_CARD", 0.95, 0.81},
	{"PHONE_NUMBER", 0.95, 0.63},
	{"EMAIL_ADDRESS", 0.95, 1.0},
	{"IBAN_CODE", 0.95, 1.0},
	{"US_SSN", 0.95, 1.0},
	{"IP_ADDRESS", 0.95, 0.92},
	{"PERSON", 0.90, 0.63},
	{"STREET_ADDRESS", 0.90, 0.23},
}

// Evaluate runs the engine over the samples and scores every type that is
// labelled or predicted. The targeted types come first.
func Evaluate(e *pii.Engine, samples []Sample) []Score {
	by := map[string]*Score{}
	get := func(t string) *Score {
		if by[t] == nil {
			by[t] = &Score{Type: t}
		}
		return by[t]
	}
	for _, tg := range targets {
		sc := get(tg.typ)
		sc.Target, sc.Presidio = tg.target, tg.presidio
	}
	for _, smp := range samples {
		found := e.Find(smp.Text, "")
		for _, g := range smp.Spans {
			sc := get(g.Type)
			sc.Gold++
			for _, f := range found {
				if string(f.Type) == g.Type && f.Start < g.End && g.Start < f.End {
					sc.GoldHit++
					break
				}
			}
		}
		for _, f := range found {
			sc := get(string(f.Type))
			sc.Pred++
			for _, g := range smp.Spans {
				if string(f.Type) == g.Type && f.Start < g.End && g.Start < f.End {
					sc.PredHit++
					break
				}
			}
		}
	}
	out := make([]Score, 0, len(by))
	for _, tg := range targets {
		out = append(out, *by[tg.typ])
		delete(by, tg.typ)
	}
	rest := make([]string, 0, len(by))
	for t := range by {
		rest = append(rest, t)
	}
	sort.Strings(rest)
	for _, t := range rest {
		out = append(out, *by[t])
	}
	return out
}

// Failures lists the targeted types whose F2 is below target.
func Failures(scores []Score) []string {
	var bad []string
	for _, s := range scores {
		if s.Target > 0 && s.F2() < s.Target {
			bad = append(bad, fmt.Sprintf("%s: F2 %.3f < %.2f", s.Type, s.F2(), s.Target))
		}
	}
	return bad
}

// Markdown renders the scores as a table. Types that the engine does not
// detect and that nobody predicted are summarised in one line.
func Markdown(title string, scores []Score, samples int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %d texts; overlap matching, same type.\n\n", title, samples)
	b.WriteString("| entity | labelled | predicted | precision | recall | F2 | target | Presidio F2 |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	var skipped []string
	for _, s := range scores {
		if s.Target == 0 && s.Presidio == 0 && s.Pred == 0 && s.Type != "PERSON" && s.Type != "STREET_ADDRESS" {
			skipped = append(skipped, fmt.Sprintf("%s (%d)", s.Type, s.Gold))
			continue
		}
		prec := fmt.Sprintf("%.3f", s.Precision())
		if s.Pred == 0 {
			prec = "–"
		}
		rec, f2 := fmt.Sprintf("%.3f", s.Recall()), fmt.Sprintf("%.3f", s.F2())
		if s.Gold == 0 {
			rec, f2 = "–", "–"
		}
		tgt, pres := "–", "–"
		if s.Target > 0 {
			tgt = fmt.Sprintf("≥ %.2f", s.Target)
		}
		if s.Presidio > 0 {
			pres = fmt.Sprintf("%.2f", s.Presidio)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s | %s |\n", s.Type, s.Gold, s.Pred, prec, rec, f2, tgt, pres)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "\nLabelled but not detected by design (labelled count): %s.\n", strings.Join(skipped, ", "))
	}
	return b.String()
}

// LoadMarked reads labelled texts in the corpus format: one text per line,
// entities marked [[TYPE|value]], a literal \n standing for a newline, "#"
// starting a comment line and "!" starting a look-alike negative (a text in
// which nothing may be found).
func LoadMarked(r io.Reader) ([]Sample, error) {
	var out []Sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		var smp Sample
		if strings.HasPrefix(raw, "!") {
			smp.Negative, raw = true, raw[1:]
		}
		raw = strings.ReplaceAll(raw, `\n`, "\n")
		var b strings.Builder
		for {
			i := strings.Index(raw, "[[")
			if i < 0 {
				b.WriteString(raw)
				break
			}
			b.WriteString(raw[:i])
			rest := raw[i+2:]
			bar, end := strings.Index(rest, "|"), strings.Index(rest, "]]")
			if bar < 0 || end < bar {
				return nil, fmt.Errorf("piieval: line %d: bad markup", n)
			}
			start := b.Len()
			b.WriteString(rest[bar+1 : end])
			smp.Spans = append(smp.Spans, Span{Type: rest[:bar], Start: start, End: b.Len()})
			raw = rest[end+2:]
		}
		if smp.Negative && smp.Spans != nil {
			return nil, fmt.Errorf("piieval: line %d: a negative has labels", n)
		}
		smp.Text = b.String()
		out = append(out, smp)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("piieval: read: %w", err)
	}
	return out, nil
}

// FalseAlarms counts the look-alike negatives in which the engine finds a
// person or a street address: changed of total.
func FalseAlarms(e *pii.Engine, samples []Sample) (changed, total int) {
	for _, s := range samples {
		if !s.Negative {
			continue
		}
		total++
		for _, f := range e.Find(s.Text, "") {
			if f.Type == pii.Person || f.Type == pii.StreetAddress {
				changed++
				break
			}
		}
	}
	return changed, total
}
