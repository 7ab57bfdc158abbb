package pii

import (
	"math/rand/v2"
	"testing"
)

// TestAlnumRun checks the eight-byte run search against the byte table:
// every byte value at every position of a word, and random strings.
func TestAlnumRun(t *testing.T) {
	slow := func(s string, j, n int) int {
		for j < n && class[s[j]]&cAlnum != 0 {
			j++
		}
		return j
	}
	for c := 0; c < 256; c++ {
		for p := 0; p < 12; p++ {
			b := []byte("abcdefghijklmnopq")
			b[p] = byte(c)
			s := string(b)
			for j := 0; j <= len(s); j++ {
				if got, want := alnumRun(s, j, len(s)), slow(s, j, len(s)); got != want {
					t.Fatalf("byte %#x at %d, from %d: got %d, want %d", c, p, j, got, want)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "aZ09 .-_'\x80\xc3\xa9\xff/:@`{[~"
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = byte(r.IntN(256))
			}
		}
		s := string(b)
		n := r.IntN(len(s) + 1)
		j := r.IntN(n + 1)
		if got, want := alnumRun(s, j, n), slow(s, j, n); got != want {
			t.Fatalf("%q from %d to %d: got %d, want %d", s, j, n, got, want)
		}
	}
}
