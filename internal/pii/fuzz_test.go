package pii

import (
	"testing"
	"unsafe"
)

func unsafeStringData(s string) *byte { return unsafe.StringData(s) }

// FuzzScrub checks that Scrub never panics, keeps valid UTF-8 valid, replaces
// exactly the spans it reports, and is idempotent (no detected entity
// survives: scrubbing the output finds nothing).
func FuzzScrub(f *testing.F) {
	for _, c := range loadCorpus(f) {
		f.Add(c.text)
	}
	e := New()
	f.Fuzz(func(t *testing.T, text string) {
		checkScrub(t, e, text)
	})
}
