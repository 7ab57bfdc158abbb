package activity

import "testing"

func TestAllIsTheCanonicalList(t *testing.T) {
	all := All()
	if len(all) != Count {
		t.Fatalf("len(All()) = %d, want %d", len(all), Count)
	}
	seen := map[Activity]bool{}
	for _, a := range all {
		if seen[a] {
			t.Errorf("duplicate activity %q", a)
		}
		seen[a] = true
		if !Valid(a) {
			t.Errorf("Valid(%q) = false", a)
		}
	}
	all[0] = "Mutated"
	if All()[0] != Cryptocurrency {
		t.Error("All() shares its backing array with callers")
	}
}

func TestValidRejects(t *testing.T) {
	for _, s := range []Activity{"", "coding", "Job hunting", "TV series", "Unknown"} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true, want false", s)
		}
	}
}
