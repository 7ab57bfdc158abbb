package jsonscan

import (
	"encoding/json"
	"testing"
)

func TestNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"0", 1}, {"-0", 2}, {"12", 2}, {"1.5", 3}, {"1e9", 3}, {"1E+9,", 4}, {"-12.5e-3]", 8},
		{"01", 1}, {"-", -1}, {"1.", -1}, {".5", -1}, {"1e", -1}, {"1e+", -1}, {"+1", -1}, {"x", -1}, {"", -1},
	} {
		if got := Number([]byte(c.in), 0); got != c.want {
			t.Errorf("Number(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

// FuzzNumber checks that a whole input is one number exactly when
// encoding/json reads it as one.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"0", "-1.5e+3", "01", "1.", "1e", "-", "12345678901234567890"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n json.Number
		err := json.Unmarshal([]byte(s), &n)
		whole := len(s) > 0 && Number([]byte(s), 0) == len(s)
		isNum := err == nil && string(n) == s
		if whole != isNum {
			t.Errorf("%q: Number says %v, encoding/json %v (%v)", s, whole, isNum, err)
		}
	})
}

func TestSkipSpace(t *testing.T) {
	if got := SkipSpace([]byte(" \t\r\n x"), 0); got != 5 {
		t.Errorf("SkipSpace = %d, want 5", got)
	}
	if got := SkipSpace([]byte("\v"), 0); got != 0 {
		t.Errorf("vertical tab is not JSON white space, SkipSpace = %d", got)
	}
}
