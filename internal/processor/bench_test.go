package processor

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

// benchWorld is a realistic Kleo data set (default summaries of
// 200..4000 bytes, 15% with PII): its users, and n of its records as one
// shard delivers them.
func benchWorld(b *testing.B, n int) (*gen.Production, []events.KinesisEventRecord) {
	b.Helper()
	prod, err := gen.Kleo(gen.KleoConfig{Config: gen.Config{Users: 10, ItemsPerUser: (n + 9) / 10, Seed: 3, PIIRate: 0.15}})
	if err != nil {
		b.Fatal(err)
	}
	out := make([]events.KinesisEventRecord, 0, n)
	for _, r := range prod.Records {
		if len(out) == n {
			break
		}
		if !r.Malformed {
			out = append(out, rec(len(out), string(r.Data)))
		}
	}
	return prod, out
}

func benchProcessor(b *testing.B, st kleoStore) *Processor {
	b.Helper()
	model, err := classify.Load()
	if err != nil {
		b.Fatal(err)
	}
	return New(st, pii.New(), model, Options{})
}

// BenchmarkPipelinePerRecord is the per-record CPU cost without the database:
// decode, scrub, classify and build the ledger entry. ns/op is per record.
func BenchmarkPipelinePerRecord(b *testing.B) {
	_, recs := benchWorld(b, 1000)
	p := benchProcessor(b, nil)
	var bytes int64
	for _, r := range recs {
		bytes += int64(len(r.Kinesis.Data))
	}
	b.SetBytes(bytes / int64(len(recs)))
	b.ReportAllocs()
	ctx := context.Background()
	rep := &Report{PII: map[string]int{}, Activities: map[string]int{}, Shard: shard}
	bt := &batch{p: p, rep: rep, log: slog.New(slog.DiscardHandler)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(recs) == 0 {
			bt.items, bt.extra, bt.dead = bt.items[:0], bt.extra[:0], bt.dead[:0]
			bt.seenSeq = make(map[string]bool, len(recs))
			bt.seenID = make(map[string]int, len(recs))
		}
		bt.prepare(ctx, &recs[i%len(recs)])
	}
	if len(bt.dead) != 0 {
		b.Fatalf("dead letters in a clean stream: %v", bt.dead[0].Reason)
	}
}

// BenchmarkHandleBatch is one whole invocation against the embedded store
// (fsync on, as deployed locally): decode, scrub, classify and the three
// store calls. Each iteration is a new batch of fresh records.
func BenchmarkHandleBatch(b *testing.B) {
	for _, size := range []int{100} {
		b.Run(fmt.Sprintf("records=%d", size), func(b *testing.B) {
			prod, all := benchWorld(b, size*20)
			open := func() (*embedded.Store, *Processor) {
				st, err := embedded.Open(context.Background(), b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				if err := st.InsertUsers(context.Background(), prod.Users); err != nil {
					b.Fatal(err)
				}
				return st, benchProcessor(b, st)
			}
			st, p := open()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// A fresh stretch of the stream each time: replays would skip the work.
				if i > 0 && i%20 == 0 {
					b.StopTimer()
					st.Close(context.Background())
					st, p = open()
					b.StartTimer()
				}
				j := i % 20
				if _, err := p.Handle(context.Background(), events.KinesisEvent{Records: all[j*size : (j+1)*size]}); err != nil {
					b.Fatalf("batch failed: %v", err)
				}
			}
			st.Close(context.Background())
		})
	}
}
