package pii

import (
	"os"
	"testing"
)

func TestDbg(t *testing.T) {
	for _, w := range []string{"street", "Street", "rue", "calle", "straße", "via", "apt", "suite", "john", "will", "smith"} {
		t.Logf("%s %016b", w, lookup(w))
	}
	e := New()
	for _, s := range []string{os.Getenv("DBG"), "Meet me at 12 Baker Street, London NW1 6XE today", "Lindenstraße 12, 10115 Berlin", "12 rue des Lilas, 69002 Lyon", "Calle Mayor 5, 2º, 28013 Madrid"} {
		out, fs := e.Scrub(s, "")
		t.Logf("%q -> %q %v", s, out, fs)
	}
}
