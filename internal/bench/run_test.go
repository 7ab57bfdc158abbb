package bench

import (
	"context"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

func TestRunSmall(t *testing.T) {
	dir := t.TempDir()
	p, err := Run(context.Background(), Config{
		Reps: 2, Records: 100, Buckets: []Bucket{{200, 500}, {8000, 20000}}, BatchSizes: []int{10, 100}, DBFill: 200,
		OpenStore: func(ctx context.Context) (store.Store, error) { return embedded.Open(ctx, dir, embedded.NoSync()) },
		StoreKind: "embedded",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Stages) != 2 || len(p.DB) != 2 || p.Machine.Probe <= 0 {
		t.Fatalf("profile %+v", p)
	}
	small, big := p.Stages[0], p.Stages[1]
	if !(small.RecordBytes > 200 && big.RecordBytes > 8000 && big.RecordBytes > 4*small.RecordBytes) {
		t.Errorf("record sizes %v and %v do not follow the buckets", small.RecordBytes, big.RecordBytes)
	}
	for _, s := range p.Stages {
		if s.Decode <= 0 || s.PII <= 0 || s.Classify <= 0 || s.Pipeline < s.Decode+s.PII+s.Classify {
			t.Errorf("stage costs %+v: each stage must cost something and the pipeline at least their sum", s)
		}
		// Each record's strings are at least one allocation; the envelope
		// by reflection is a decode too.
		if s.Allocs < 1 || s.EnvelopeOld <= 0 {
			t.Errorf("stage costs %+v: no allocations or no aws-lambda-go decode measured", s)
		}
	}
	for _, d := range p.DB {
		// Watermarks, history and users at least; dead letters when a
		// malformed record is in the batch.
		if d.RoundTrips < 3 || d.RoundTrips > 4 || d.DBTime <= 0 || d.Users < 1 || d.Users > d.Batch {
			t.Errorf("batch %d: %+v", d.Batch, d)
		}
	}
}
