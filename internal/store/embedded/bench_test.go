package embedded_test

import (
	"testing"

	"github.com/kleo-network/kleo-stream/internal/store/embedded"
	"github.com/kleo-network/kleo-stream/internal/store/storetest"
)

// BenchmarkSteadyBatch measures the processor's three calls (Users, Ledger,
// Apply) for a batch of 100 new records of 10 users, with and without fsync.
func BenchmarkSteadyBatch(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts []embedded.Option
	}{{"fsync", nil}, {"nosync", []embedded.Option{embedded.NoSync()}}} {
		b.Run(mode.name, func(b *testing.B) { storetest.SteadyBatch(b, open(b, mode.opts...), 10, 10) })
	}
}
