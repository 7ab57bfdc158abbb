package fold

import "testing"

func TestRune(t *testing.T) {
	for _, tc := range []struct {
		r    rune
		want string
		ok   bool
	}{
		{'A', "a", true}, {'í', "i", true}, {'Ø', "o", true}, {'ß', "ss", true}, {'Ł', "l", true},
		{'Ω', "", false}, {'ж', "", false},
	} {
		a, b, ok := Rune(tc.r)
		got := ""
		if a != 0 {
			got += string(rune(a))
		}
		if b != 0 {
			got += string(rune(b))
		}
		if ok != tc.ok || got != tc.want {
			t.Errorf("Rune(%q) = %q, %v; want %q, %v", tc.r, got, ok, tc.want, tc.ok)
		}
	}
}
