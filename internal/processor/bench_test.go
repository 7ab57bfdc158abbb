package processor

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/kinesisevent"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
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

func benchProcessor(b *testing.B, st store.Store) *Processor {
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

// freeStore answers the handler's per-batch calls at no cost, as if every
// user existed and every record were new, so BenchmarkInvocation times the
// handler alone. The handler calls no other method (one would panic on the
// nil interface).
type freeStore struct{ store.Store }

func (freeStore) Users(_ context.Context, addrs []string) (map[string]store.UserState, error) {
	out := make(map[string]store.UserState, len(addrs))
	for _, a := range addrs {
		out[a] = store.UserState{ID: a, Address: a}
	}
	return out, nil
}

func (freeStore) Ledger(context.Context, []store.Entry, []string) (map[string]store.Entry, error) {
	return nil, nil
}

func (freeStore) Apply(_ context.Context, ups []store.Apply) ([]error, error) {
	return make([]error, len(ups)), nil
}

func (freeStore) PutDeadLetters(context.Context, []store.DeadLetter) error { return nil }

// BenchmarkInvocation is the record path as issue 13 counts it: from the raw
// invocation payload the Lambda runtime hands the function (100 new records
// of one shard) through the envelope and record decode, scrubbing,
// classification and points to the per-user batch effects handed to the
// store, whose calls cost nothing here. Summaries of 200 B to 20 KB are
// reported separately; ns/record and allocs/record are per record.
func BenchmarkInvocation(b *testing.B) {
	ctx := context.Background()
	for _, size := range []int{200, 1400, 20000} {
		prod, err := gen.Kleo(gen.KleoConfig{Config: gen.Config{Users: 10, ItemsPerUser: 20, Seed: 5,
			PIIRate: 0.15, SummaryMin: size, SummaryMax: size}})
		if err != nil {
			b.Fatal(err)
		}
		var recs []gen.Record
		for _, r := range prod.Records {
			if !r.Malformed && !r.Duplicate && len(recs) < 100 {
				recs = append(recs, r)
			}
		}
		payload, err := json.Marshal(gen.KinesisEvent(gen.Source{}, 0, time.Now().UTC(), recs))
		if err != nil {
			b.Fatal(err)
		}
		var data int
		for _, r := range recs {
			data += len(r.Data)
		}
		b.Run(fmt.Sprintf("record=%dB", data/len(recs)), func(b *testing.B) {
			h := kinesisevent.Handler(benchProcessor(b, freeStore{}).Handle)
			if out, err := h.Invoke(ctx, payload); err != nil || string(out) != `{"batchItemFailures":[]}` {
				b.Fatalf("a clean batch answered %s, %v", out, err)
			}
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			cpu0 := rusageCPU()
			for b.Loop() {
				if _, err := h.Invoke(ctx, payload); err != nil {
					b.Fatal(err)
				}
			}
			per := float64(b.N * len(recs))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/record")
			b.ReportMetric(float64((rusageCPU()-cpu0).Nanoseconds())/per, "cpu-ns/record")
			b.ReportMetric(testing.AllocsPerRun(10, func() { h.Invoke(ctx, payload) })/float64(len(recs)), "allocs/record")
		})
	}
}

// rusageCPU is the process's user + system time. On a machine shared with
// other work the wall clock counts the others' turns too; CPU time counts
// what the work costs, the collector's threads included.
func rusageCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
