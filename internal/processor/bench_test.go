package processor

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

// benchRecords is a realistic generated stream (default summaries of
// 200..4000 bytes, 15% with PII), as Kinesis records of one shard.
func benchRecords(b *testing.B, n int) []events.KinesisEventRecord {
	b.Helper()
	recs := gen.Generate(gen.Config{Users: 10, ItemsPerUser: (n + 9) / 10, Seed: 3, PIIRate: 0.15})
	out := make([]events.KinesisEventRecord, 0, n)
	for _, r := range recs[:n] {
		out = append(out, rec(len(out), string(r.Data)))
	}
	return out
}

func benchProcessor(b *testing.B, st store.Store) *Processor {
	b.Helper()
	model, err := classify.Load()
	if err != nil {
		b.Fatal(err)
	}
	return New(st, pii.New(), model, Options{})
}

// BenchmarkPipelinePerRecord is the per-record CPU cost without the database:
// decode, scrub, classify and build the history item. ns/op is per record.
func BenchmarkPipelinePerRecord(b *testing.B) {
	recs := benchRecords(b, 1000)
	p := benchProcessor(b, nil)
	var bytes int64
	for _, r := range recs {
		bytes += int64(len(r.Kinesis.Data))
	}
	b.SetBytes(bytes / int64(len(recs)))
	b.ReportAllocs()
	ctx := context.Background()
	rep := &Report{PII: map[string]int{}, Activities: map[string]int{}, Shard: shard}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, dl := p.prepare(ctx, &recs[i%len(recs)], rep); dl != nil && dl.Reason == "" {
			b.Fatal("dead letter without a reason")
		}
	}
}

// BenchmarkHandleBatch is one whole invocation against the embedded store
// (fsync on, as deployed locally): decode, scrub, classify and the four
// store round trips. Each iteration is a new batch of fresh records.
func BenchmarkHandleBatch(b *testing.B) {
	for _, size := range []int{100} {
		b.Run(fmt.Sprintf("records=%d", size), func(b *testing.B) {
			st, err := embedded.Open(context.Background(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close(context.Background())
			p := benchProcessor(b, st)
			all := benchRecords(b, size*20)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// A fresh stretch of the stream each time: replays would skip the work.
				if i > 0 && i%20 == 0 {
					b.StopTimer()
					st.Close(context.Background())
					if st, err = embedded.Open(context.Background(), b.TempDir()); err != nil {
						b.Fatal(err)
					}
					p = benchProcessor(b, st)
					b.StartTimer()
				}
				j := i % 20
				resp, err := p.Handle(context.Background(), events.KinesisEvent{Records: all[j*size : (j+1)*size]})
				if err != nil || len(resp.BatchItemFailures) != 0 {
					b.Fatalf("batch failed: %v %v", err, resp.BatchItemFailures)
				}
			}
		})
	}
}
