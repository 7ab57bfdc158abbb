package piieval

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/pii"
)

var showMisses = flag.Bool("misses", false, "log the spans the engine misses or adds (synthetic data only)")

const dataset = "../testdata/presidio/synth_dataset_v2.json"

func load(t *testing.T) []Sample {
	t.Helper()
	f, err := os.Open(dataset)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := LoadPresidio(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPresidioTargets fails when any targeted type falls below F2 0.95.
func TestPresidioTargets(t *testing.T) {
	samples := load(t)
	if len(samples) != 1500 {
		t.Fatalf("loaded %d samples, want 1500", len(samples))
	}
	scores := Evaluate(pii.New(), samples)
	t.Log("\n" + Markdown(scores, len(samples)))
	for _, f := range Failures(scores) {
		t.Error(f)
	}
	if *showMisses {
		logMisses(t, samples)
	}
}

func logMisses(t *testing.T, samples []Sample) {
	e := pii.New()
	want := map[string]bool{"CREDIT_CARD": true, "PHONE_NUMBER": true, "EMAIL_ADDRESS": true,
		"IBAN_CODE": true, "US_SSN": true, "IP_ADDRESS": true, "PERSON": true, "STREET_ADDRESS": true}
	ctx := func(s string, a, b int) string {
		return strings.ReplaceAll(s[max(0, a-40):a]+"⟦"+s[a:b]+"⟧"+s[b:min(len(s), b+20)], "\n", "⏎")
	}
	for _, smp := range samples {
		fs := e.Find(smp.Text, "")
		for _, g := range smp.Spans {
			if !want[g.Type] {
				continue
			}
			hit := false
			for _, f := range fs {
				if string(f.Type) == g.Type && f.Start < g.End && g.Start < f.End {
					hit = true
				}
			}
			if !hit {
				t.Logf("MISS %s: %s", g.Type, ctx(smp.Text, g.Start, g.End))
			}
		}
		for _, f := range fs {
			hit := false
			for _, g := range smp.Spans {
				if string(f.Type) == g.Type && f.Start < g.End && g.Start < f.End {
					hit = true
				}
			}
			if !hit {
				t.Logf("EXTRA %s: %s", f.Type, ctx(smp.Text, f.Start, f.End))
			}
		}
	}
}

// TestRuneOffsets checks the character-to-byte conversion on non-ASCII text.
func TestRuneOffsets(t *testing.T) {
	const js = `[{"full_text":"Åsa Ström: 555-867-5309","spans":[{"entity_type":"PHONE_NUMBER","start_position":11,"end_position":23}]}]`
	s, err := LoadPresidio(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	sp := s[0].Spans[0]
	if got := s[0].Text[sp.Start:sp.End]; got != "555-867-5309" {
		t.Fatalf("span = %q, want the phone number", got)
	}
	if _, err := LoadPresidio(strings.NewReader(`[{"full_text":"ab","spans":[{"entity_type":"X","start_position":1,"end_position":9}]}]`)); err == nil {
		t.Fatal("span past the end was accepted")
	}
}
