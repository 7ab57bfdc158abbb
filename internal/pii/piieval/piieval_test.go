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

// Floors under the targets for the two gazetteer types on
// Presidio's set: the F2 this engine reached when they were written, so
// that a change that loses names or addresses fails here. The targets
// themselves (0.90) are in the table and in make eval-pii.
var presidioFloor = map[string]float64{"PERSON": 0.82, "STREET_ADDRESS": 0.90}

// TestPresidioTargets fails when a structured type falls below its target
// or a gazetteer type below its floor.
func TestPresidioTargets(t *testing.T) {
	samples := load(t)
	if len(samples) != 1500 {
		t.Fatalf("loaded %d samples, want 1500", len(samples))
	}
	scores := Evaluate(pii.New(), samples)
	t.Log("\n" + Markdown("Presidio", scores, len(samples)))
	for _, s := range scores {
		if fl, ok := presidioFloor[s.Type]; ok {
			if s.F2() < fl {
				t.Errorf("%s: F2 %.3f < floor %.2f", s.Type, s.F2(), fl)
			}
			continue
		}
		if s.Target > 0 && s.F2() < s.Target {
			t.Errorf("%s: F2 %.3f < %.2f", s.Type, s.F2(), s.Target)
		}
	}
	if *showMisses {
		logMisses(t, samples)
	}
}

// TestBrowsingCorpus holds the labelled browsing corpus to the issue's
// targets: F2 ≥ 0.90 for PERSON and STREET_ADDRESS, fewer than 5% of the
// look-alike negatives changed, and no labelled full name or street line
// left in the scrubbed text.
func TestBrowsingCorpus(t *testing.T) {
	f, err := os.Open("../testdata/browsing/browsing.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	samples, err := LoadMarked(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) < 400 {
		t.Fatalf("corpus has %d texts, want ≥ 400", len(samples))
	}
	e := pii.New()
	scores := Evaluate(e, samples)
	t.Log("\n" + Markdown("browsing corpus", scores, len(samples)))
	for _, s := range scores {
		if (s.Type == "PERSON" || s.Type == "STREET_ADDRESS") && s.F2() < 0.90 {
			t.Errorf("%s: F2 %.3f < 0.90", s.Type, s.F2())
		}
	}
	changed, total := FalseAlarms(e, samples)
	if total < 100 || changed*20 >= total {
		t.Errorf("look-alike negatives changed: %d of %d (want < 5%% of ≥ 100)", changed, total)
	}
	labelled, survived := 0, 0
	for _, smp := range samples {
		out, _ := e.Scrub(smp.Text, "")
		for _, sp := range smp.Spans {
			v := smp.Text[sp.Start:sp.End]
			if sp.Type == "STREET_ADDRESS" {
				v, _, _ = strings.Cut(v, ",") // the street line
			}
			labelled++
			if strings.Contains(v, " ") && strings.Contains(out, v) {
				survived++
				t.Logf("%s %q survives in %q", sp.Type, v, out)
			}
		}
		if *showMisses {
			for _, fd := range e.Find(smp.Text, "") {
				hit := false
				for _, sp := range smp.Spans {
					hit = hit || sp.Type == string(fd.Type) && fd.Start < sp.End && sp.Start < fd.End
				}
				if !hit {
					t.Logf("EXTRA %s %q in %q", fd.Type, smp.Text[fd.Start:fd.End], smp.Text)
				}
			}
			for _, sp := range smp.Spans {
				hit := false
				for _, fd := range e.Find(smp.Text, "") {
					hit = hit || sp.Type == string(fd.Type) && fd.Start < sp.End && sp.Start < fd.End
				}
				if !hit {
					t.Logf("MISS %s %q in %q", sp.Type, smp.Text[sp.Start:sp.End], smp.Text)
				}
			}
		}
	}
	// Known misses: a Dutch street without a street type right after a
	// name, a name the lists do not know after "from". At most 1%.
	if survived*100 > labelled {
		t.Errorf("%d of %d labelled full names and street lines survive scrubbing", survived, labelled)
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
