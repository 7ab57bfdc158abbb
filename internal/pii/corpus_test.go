package pii

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// labelled is one corpus line with the markup removed.
type labelled struct {
	line int
	text string
	want []Finding
}

// loadCorpus reads testdata/corpus.txt: one text per line, entities marked
// as [[TYPE|value]], a literal \n standing for a newline.
func loadCorpus(t testing.TB) []labelled {
	t.Helper()
	f, err := os.Open("testdata/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		raw = strings.ReplaceAll(raw, `\n`, "\n")
		var b strings.Builder
		var want []Finding
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
				t.Fatalf("corpus line %d: bad markup", n)
			}
			start := b.Len()
			b.WriteString(rest[bar+1 : end])
			want = append(want, Finding{Type: Type(rest[:bar]), Start: start, End: b.Len()})
			raw = rest[end+2:]
		}
		out = append(out, labelled{line: n, text: b.String(), want: want})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func describe(text string, fs []Finding) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s %q", f.Type, text[f.Start:f.End]))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TestCorpus checks the labelled browsing-like corpus exactly: every marked
// entity with its exact span, and nothing else (the look-alikes).
func TestCorpus(t *testing.T) {
	e := New()
	cases := loadCorpus(t)
	if len(cases) < 50 {
		t.Fatalf("corpus has %d cases", len(cases))
	}
	for _, c := range cases {
		got := e.Find(c.text, "")
		if describe(c.text, got) != describe(c.text, c.want) || len(got) != len(c.want) {
			t.Errorf("corpus line %d:\n got %s\nwant %s", c.line, describe(c.text, got), describe(c.text, c.want))
			continue
		}
		for k := range got {
			if got[k] != c.want[k] {
				t.Errorf("corpus line %d: finding %d = %+v, want %+v", c.line, k, got[k], c.want[k])
			}
		}
	}
}
