package esm

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func noop(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
	return events.KinesisEventResponse{}, nil
}

// BenchmarkRun measures the emulator's own cost per record (ns/op is per
// record) with a handler that does nothing: reading, batching, building
// events, invoking and checkpointing.
func BenchmarkRun(b *testing.B) {
	data := []byte(`{"_id":"65a1f0c2e4b0a1b2c3d4e5f6","address":"0x1234567890abcdef1234567890abcdef12345678","url":"https://example.com/a","title":"t","visitTime":1700000000000}`)
	for _, bc := range []struct{ shards, batch, p int }{
		{1, 100, 1},
		{4, 100, 1},
		{4, 100, 10},
		{4, 1000, 1},
	} {
		b.Run(fmt.Sprintf("shards=%d/batch=%d/P=%d", bc.shards, bc.batch, bc.p), func(b *testing.B) {
			s := newStream(b, bc.shards, nil)
			for i := range b.N {
				if _, err := s.Put(fmt.Sprint("0x", i%1000), data); err != nil {
					b.Fatal(err)
				}
			}
			cfg := testConfig()
			cfg.BatchSize = bc.batch
			cfg.ParallelizationFactor = bc.p
			m := &Mapping{Source: s, Handler: noop, Config: cfg}
			b.ReportAllocs()
			b.ResetTimer()
			st, err := m.Run(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if st.RecordsSucceeded != int64(b.N) {
				b.Fatalf("%d of %d records succeeded", st.RecordsSucceeded, b.N)
			}
		})
	}
}
