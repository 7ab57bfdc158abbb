package embedded_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
	"github.com/kleo-network/kleo-stream/internal/store/storetest"
)

func open(tb testing.TB, opts ...embedded.Option) *embedded.Store {
	tb.Helper()
	s, err := embedded.Open(context.Background(), tb.TempDir(), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			tb.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

func TestReopenKeepsData(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := embedded.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	d := store.UserDelta{Address: "0xabc", Shard: "s", NewSeq: "1", Items: 1}
	if errs, err := s.ApplyUsers(ctx, []store.UserDelta{d}); err != nil || errs[0] != nil {
		t.Fatalf("ApplyUsers: %v %v", errs, err)
	}
	if _, err := s.PutHistory(ctx, []store.HistoryItem{{ID: "i1", Address: "0xabc", Shard: "s", Seq: "1", VisitTime: 5}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s, err = embedded.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	u, err := s.User(ctx, "0xabc")
	if err != nil || u.Watermarks["s"] != "1" {
		t.Fatalf("user after reopen = %+v, %v", u, err)
	}
	items, err := s.OldestUnarchived(ctx, "0xabc", 10)
	if err != nil || len(items) != 1 {
		t.Fatalf("unarchived after reopen = %+v, %v", items, err)
	}
}

func TestOpenLockedFails(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	if _, err := embedded.Open(t.Context(), filepath.Join(dir), embedded.LockTimeout(50*time.Millisecond)); err == nil {
		t.Fatal("second Open of a locked database succeeded")
	}
}

// batch is a processor batch: 100 records spread over users, with the
// watermark each user's delta expects.
type batch struct {
	addrs  []string
	items  []store.HistoryItem
	deltas []store.UserDelta
}

const benchShard = "shardId-000000000000"

func makeBatch(users int, seq *int64, marks map[string]string) batch {
	var b batch
	perUser := map[string]*store.UserDelta{}
	for i := range 100 {
		*seq++
		s := fmt.Sprintf("4963%052d", *seq)
		addr := fmt.Sprintf("0x%040x", i%users)
		b.items = append(b.items, store.HistoryItem{
			ID: fmt.Sprintf("%024x", *seq), Address: addr, Shard: benchShard, Seq: s,
			URL: "https://example.com/some/path?q=[REDACTED]", Title: "A page title of typical length",
			Summary: "A summary of a page, a few sentences long, already scrubbed of personal data.",
			Domain:  "example.com", Category: "Technology", Subcategory: "Programming", Activity: "Coding",
			Confidence: 0.8, PII: map[string]int64{"EMAIL": 1}, Points: 1, Size: 900,
			VisitTime: *seq * 1000, CreateTimestamp: *seq * 1000, ProcessedAt: time.Unix(*seq, 0),
		})
		d := perUser[addr]
		if d == nil {
			d = &store.UserDelta{Address: addr, Shard: benchShard, ExpectSeq: marks[addr], Activities: map[string]int64{}}
			perUser[addr] = d
			b.addrs = append(b.addrs, addr)
		}
		d.NewSeq = s
		d.Bytes += 900
		d.Points++
		d.PII++
		d.Items++
		d.Activities[string(activity.All()[i%activity.Count])]++
	}
	for _, a := range b.addrs {
		d := perUser[a]
		b.deltas = append(b.deltas, *d)
		marks[a] = d.NewSeq
	}
	return b
}

// BenchmarkBatch measures what the processor asks of the store for one
// 100-record batch: Watermarks, PutHistory and ApplyUsers, on a database
// that grows as the benchmark runs. users=10 is the figure the README
// quotes; users=100 is the shape of `make run`.
func BenchmarkBatch(b *testing.B) {
	for _, sync := range []bool{true, false} {
		for _, users := range []int{10, 100} {
			name := fmt.Sprintf("sync=%v/users=%d", sync, users)
			b.Run(name, func(b *testing.B) {
				var opts []embedded.Option
				if !sync {
					opts = append(opts, embedded.NoSync())
				}
				s := open(b, opts...)
				ctx := context.Background()
				var seq int64
				marks := map[string]string{}
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					bt := makeBatch(users, &seq, marks)
					b.StartTimer()
					if _, err := s.Watermarks(ctx, benchShard, bt.addrs); err != nil {
						b.Fatal(err)
					}
					if _, err := s.PutHistory(ctx, bt.items); err != nil {
						b.Fatal(err)
					}
					errs, err := s.ApplyUsers(ctx, bt.deltas)
					if err != nil {
						b.Fatal(err)
					}
					for _, err := range errs {
						if err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}
