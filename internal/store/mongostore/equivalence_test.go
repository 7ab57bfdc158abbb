package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
	"github.com/kleo-network/kleo-stream/internal/store/storetest"
)

// TestSameAsEmbedded drives mongostore (on FerretDB) and the embedded store
// through one seeded sequence of batches (redeliveries, producer duplicates,
// stale versions, a poison user, an unknown user, archive completions, dead
// letters) and requires every answer and the final state, Kleo's documents
// included with their BSON types, to be identical.
func TestSameAsEmbedded(t *testing.T) {
	ctx := t.Context()
	ms, err := mongostore.Open(ctx, ferrettest.Start(t), "same")
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close(context.Background())
	emb, err := embedded.Open(ctx, t.TempDir(), embedded.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close(context.Background())
	stores := []storetest.Store{ms, emb}

	same := func(what string, fn func(s storetest.Store) any) any {
		t.Helper()
		a, b := fn(stores[0]), fn(stores[1])
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s differs:\n mongostore %+v\n   embedded %+v", what, a, b)
		}
		return a
	}

	// Nested documents are bson.D: their field order is part of what the
	// stores must keep.
	var addrs []string
	var users []bson.M
	for i := range 4 {
		a := fmt.Sprintf("0x%040x", 0x5eed00+i)
		addrs = append(addrs, a)
		id, _ := bson.ObjectIDFromHex(fmt.Sprintf("64c0000000000000000000%02x", i))
		u := bson.M{"_id": id, "address": eip55.Checksum(a), "kleo_points": int32(0), "total_data_quantity": int32(0),
			"milestones":    bson.D{{Key: "data_owned", Value: int32(0)}, {Key: "referred_count", Value: int32(0)}},
			"activity_json": bson.D{{Key: "JobHunting", Value: int32(3)}},
			"previous_hash": "default_hash", "name": "n"}
		if i == 3 {
			u["activity_json"] = "oops" // poison
		}
		users = append(users, u)
	}
	addrs = append(addrs, "0x00000000000000000000000000000000000000ff") // no user
	same("InsertUsers", func(s storetest.Store) any { return errString(s.InsertUsers(ctx, cloneDocs(users))) })

	rng := rand.New(rand.NewPCG(10, 17))
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	acts := []string{"Coding", "News", "JobHunting"}
	var sent []store.Entry
	seen := map[string]int{}
	for round := range 8 {
		var batch []store.Entry
		for range 5 {
			if len(sent) > 0 && rng.IntN(4) == 0 {
				batch = append(batch, sent[rng.IntN(len(sent))]) // redelivery
				continue
			}
			e := store.Entry{ID: fmt.Sprintf("65c0000000000000000000%02x", rng.IntN(40)), // small pool: producer duplicates
				Address: addrs[rng.IntN(len(addrs))], Shard: "shardId-0", Seq: fmt.Sprint(1000 + len(sent)),
				Bytes: int64(100 + rng.IntN(900)), Activity: acts[rng.IntN(len(acts))], VisitTime: int64(rng.IntN(100)), Seen: at}
			batch = append(batch, e)
			sent = append(sent, e)
		}
		var want []string
		for _, e := range batch {
			if !slices.Contains(want, e.Address) {
				want = append(want, e.Address)
			}
		}
		us := same(fmt.Sprintf("round %d Users", round), func(s storetest.Store) any {
			m, err := s.Users(ctx, want)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}).(map[string]store.UserState)
		var counted []string
		for _, u := range us {
			counted = append(counted, u.Applied...)
		}
		slices.Sort(counted)
		existed := same("Ledger", func(s storetest.Store) any {
			m, err := s.Ledger(ctx, batch, counted)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}).(map[string]store.Entry)
		byUser := map[string]*store.Apply{}
		for _, e := range batch {
			u, ok := us[e.Address]
			if !ok || u.Problem != "" {
				seen["skipped"]++
				continue
			}
			if old, ok := existed[e.ID]; ok && (old.State == store.Counted || slices.Contains(u.Applied, e.ID) || old.Address != e.Address) {
				seen["already"]++
				continue
			}
			ap := byUser[e.Address]
			if ap == nil {
				ap = &store.Apply{UserID: u.ID, Version: u.Version, Activities: map[string]int64{}}
				if rng.IntN(5) == 0 {
					ap.Version += 3 // a stale reader
				}
				byUser[e.Address] = ap
			}
			if slices.Contains(ap.Applied, e.ID) {
				continue
			}
			ap.Applied = append(ap.Applied, e.ID)
			ap.Bytes += e.Bytes
			ap.Activities[e.Activity]++
		}
		var updates []store.Apply
		for _, a := range want {
			if ap := byUser[a]; ap != nil {
				updates = append(updates, *ap)
			}
		}
		if len(updates) > 0 {
			results := same("Apply", func(s storetest.Store) any {
				errs, err := s.Apply(ctx, updates)
				if err != nil {
					t.Fatal(err)
				}
				return classes(errs)
			}).([]string)
			for _, r := range results {
				seen[r]++
			}
		}
		dl := store.DeadLetter{ID: fmt.Sprintf("shardId-0/%d", rng.IntN(3)), Shard: "shardId-0", Reason: fmt.Sprint("round ", round), At: at}
		same("PutDeadLetters", func(s storetest.Store) any { return errString(s.PutDeadLetters(ctx, []store.DeadLetter{dl})) })

		// Archive up to 3 of one user's oldest counted entries, sometimes twice.
		addr := addrs[rng.IntN(3)]
		oldest := same("OldestUnarchived", func(s storetest.Store) any {
			es, err := s.OldestUnarchived(ctx, addr, 3)
			if err != nil {
				t.Fatal(err)
			}
			return es
		}).([]store.Entry)
		u := us[addr]
		if len(oldest) == 0 || u.ID == "" {
			continue
		}
		a := store.Archive{ID: fmt.Sprint("tx-", round), Address: addr, PrevTx: u.LastArchive, PreviousHash: u.PreviousHash,
			URL: fmt.Sprint("https://arweave.net/tx-", round), Points: 12, CreatedAt: at}
		for _, e := range oldest {
			a.ItemIDs = append(a.ItemIDs, e.ID)
		}
		for range 1 + rng.IntN(2) {
			r := same("CompleteArchive", func(s storetest.Store) any {
				if err := s.PutArchive(ctx, a); err != nil {
					t.Fatal(err)
				}
				return errString(s.CompleteArchive(ctx, u.ID, a, at))
			})
			seen["archive "+r.(string)]++
		}
	}
	for _, k := range []string{"ok", "conflict", "skipped", "already", "archive ok"} {
		if seen[k] == 0 {
			t.Errorf("the sequence never exercised %q (saw %v); change the seed", k, seen)
		}
	}
	same("Dump", func(s storetest.Store) any {
		d, err := s.Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// reflect.DeepEqual tells int32 from int64 inside bson.M.
		return d
	})
}

// classes reduces Apply's per-update errors to what the contract promises.
func classes(errs []error) []string {
	out := make([]string, len(errs))
	for i, err := range errs {
		out[i] = errString(err)
	}
	return out
}

func errString(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, store.ErrConflict):
		return "conflict"
	case errors.Is(err, store.ErrRejected):
		return "rejected"
	case errors.Is(err, store.ErrNotFound):
		return "not found"
	}
	return "error"
}

func cloneDocs(docs []bson.M) []bson.M {
	out := make([]bson.M, len(docs))
	for i, d := range docs {
		raw, _ := bson.Marshal(d)
		var m bson.M
		_ = bson.Unmarshal(raw, &m)
		out[i] = m
	}
	return out
}
