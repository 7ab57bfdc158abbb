package processor

// This file is self-contained (it uses only New, Options and the store
// interface) so that make bench-invocation can compile it into the tree of
// an earlier commit and run both in turns; entry_test.go, which that target
// replaces, says how the payload enters the handler.

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
)

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
			model, err := classify.Load()
			if err != nil {
				b.Fatal(err)
			}
			h := enter(New(freeStore{}, pii.New(), model, Options{}).Handle)
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
