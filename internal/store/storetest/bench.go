package storetest

import (
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// SteadyBatch benchmarks the processor's three calls of a steady batch
// (Users, Ledger with the previous batch's ids to mark counted, Apply) on s:
// each iteration is a batch of users × perUser new records of 1,756 bytes,
// and the µs/record metric is per record. s gets users Kleo's backend would
// have created.
func SteadyBatch(b *testing.B, s Store, users, perUser int) {
	ctx := b.Context()
	var addrs []string
	var docs []bson.M
	for u := range users {
		a := fmt.Sprintf("0x%040x", 0xabcdef00+u)
		addrs = append(addrs, a)
		docs = append(docs, bson.M{"address": eip55.Checksum(a), "kleo_points": int32(0), "total_data_quantity": int32(0),
			"milestones": bson.D{{Key: "data_owned", Value: int32(0)}}, "activity_json": bson.D{}, "previous_hash": "default_hash"})
	}
	if err := s.InsertUsers(ctx, docs); err != nil {
		b.Fatal(err)
	}
	n := 0
	b.ReportAllocs()
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
			for range perUser {
				n++
				id := fmt.Sprintf("%024x", n)
				es = append(es, store.Entry{ID: id, Address: a, Shard: "shardId-000000000000", Seq: fmt.Sprintf("4959%052d", n),
					Bytes: 1756, Activity: "Coding", VisitTime: int64(n), Seen: time.Now(), Findings: map[string]int64{"PERSON": 1}})
				upd.Applied = append(upd.Applied, id)
				upd.Bytes += 1756
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
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(users*perUser), "µs/record")
}
