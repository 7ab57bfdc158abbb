package embedded_test

import (
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

// BenchmarkSteadyBatch measures the processor's three calls (Users, Ledger,
// Apply) for a batch of 100 new records of 10 users, with and without fsync.
func BenchmarkSteadyBatch(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts []embedded.Option
	}{{"fsync", nil}, {"nosync", []embedded.Option{embedded.NoSync()}}} {
		b.Run(mode.name, func(b *testing.B) {
			s := open(b, mode.opts...)
			ctx := b.Context()
			var addrs []string
			var docs []bson.M
			for u := range 10 {
				a := fmt.Sprintf("0x%040x", 0xabcdef00+u)
				addrs = append(addrs, a)
				docs = append(docs, bson.M{"address": eip55.Checksum(a), "kleo_points": int32(0), "total_data_quantity": int32(0),
					"milestones": bson.D{{Key: "data_owned", Value: int32(0)}}, "activity_json": bson.D{}, "previous_hash": "default_hash"})
			}
			if err := s.InsertUsers(ctx, docs); err != nil {
				b.Fatal(err)
			}
			n := 0
			b.ResetTimer()
			for range b.N {
				us, err := s.Users(ctx, addrs)
				if err != nil {
					b.Fatal(err)
				}
				var es []store.Entry
				var counted []string
				updates := make([]store.Apply, 0, len(addrs))
				for _, a := range addrs {
					u := us[a]
					counted = append(counted, u.Applied...)
					upd := store.Apply{UserID: u.ID, Version: u.Version, Activities: map[string]int64{}}
					for range 10 {
						n++
						id := fmt.Sprintf("%024x", n)
						es = append(es, store.Entry{ID: id, Address: a, Bytes: 700, Activity: "Coding", VisitTime: int64(n), Seen: time.Now()})
						upd.Applied = append(upd.Applied, id)
						upd.Bytes += 700
						upd.Activities["Coding"]++
					}
					updates = append(updates, upd)
				}
				if _, err := s.Ledger(ctx, es, counted); err != nil {
					b.Fatal(err)
				}
				errs, err := s.Apply(ctx, updates)
				if err != nil {
					b.Fatal(err)
				}
				for _, err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/100, "µs/record")
		})
	}
}
