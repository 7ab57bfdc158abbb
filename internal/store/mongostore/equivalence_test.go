package mongostore_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

// TestSameAsEmbedded drives the MongoDB store and the embedded store through
// the same seeded sequence of batches, redeliveries, stale guards, dead
// letters and archive completions, and requires every answer and the final
// state to be identical.
func TestSameAsEmbedded(t *testing.T) {
	ctx := t.Context()
	mongo := opener(t)(t)
	emb, err := embedded.Open(ctx, t.TempDir(), embedded.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close(ctx)
	stores := []store.Store{mongo, emb}

	// same calls fn on both stores and fails unless the answers agree.
	same := func(what string, fn func(s store.Store) any) any {
		t.Helper()
		a, b := fn(stores[0]), fn(stores[1])
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s differs:\n mongostore %+v\n   embedded %+v", what, a, b)
		}
		return a
	}
	conflictsOnly := func(errs []error) []string {
		out := make([]string, len(errs))
		for i, err := range errs {
			switch {
			case err == nil:
				out[i] = "ok"
			case errors.Is(err, store.ErrConflict):
				out[i] = "conflict"
			default:
				out[i] = "error"
			}
		}
		return out
	}

	rng := rand.New(rand.NewPCG(7, 11))
	users := []string{"0xaaa", "0xbbb", "0xccc"}
	shards := []string{"shardId-0", "shardId-1"}
	seq := map[string]int{}
	var sent []store.HistoryItem // for redeliveries
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	seen := map[string]int{} // what the sequence exercised
	var prev []store.UserDelta
	for round := range 6 {
		shard := shards[rng.IntN(len(shards))]
		var items []store.HistoryItem
		for range 6 {
			if len(sent) > 0 && rng.IntN(5) == 0 { // a redelivered record
				items = append(items, sent[rng.IntN(len(sent))])
				continue
			}
			seq[shard]++
			it := store.HistoryItem{
				// A small id pool makes producer duplicates likely.
				ID:      fmt.Sprintf("65f0000000000000000000%02d", rng.IntN(24)),
				Address: users[rng.IntN(len(users))], Shard: shard, Seq: fmt.Sprint(1000 + seq[shard]),
				Activity: "Coding", Points: 1, Size: 100, VisitTime: int64(rng.IntN(50)), ProcessedAt: at,
			}
			items = append(items, it)
			sent = append(sent, it)
		}
		outcomes := same(fmt.Sprintf("round %d PutHistory", round), func(s store.Store) any {
			out, err := s.PutHistory(ctx, items)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}).([]store.Outcome)
		for _, o := range outcomes {
			seen[o.String()]++
		}

		marks := same("Watermarks", func(s store.Store) any {
			m, err := s.Watermarks(ctx, shard, users)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}).(map[string]string)
		byUser := map[string]*store.UserDelta{}
		var order []string
		for i, it := range items {
			if it.Shard != shard || outcomes[i] == store.Duplicate {
				continue
			}
			d := byUser[it.Address]
			if d == nil {
				d = &store.UserDelta{Address: it.Address, Shard: shard, ExpectSeq: marks[it.Address], Activities: map[string]int64{}}
				if rng.IntN(3) == 0 { // a stale reader
					d.ExpectSeq = "999"
				}
				byUser[it.Address] = d
				order = append(order, it.Address)
			}
			d.NewSeq = it.Seq
			d.Items++
			d.Bytes += it.Size
			d.Activities[it.Activity]++
		}
		var deltas []store.UserDelta
		for _, a := range order {
			deltas = append(deltas, *byUser[a])
		}
		apply := func(what string, deltas []store.UserDelta) {
			results := same(what, func(s store.Store) any {
				errs, err := s.ApplyUsers(ctx, deltas)
				if err != nil {
					t.Fatal(err)
				}
				return conflictsOnly(errs)
			}).([]string)
			for _, r := range results {
				seen[r]++
			}
		}
		if round%2 == 1 {
			apply("ApplyUsers replaying the previous batch", prev)
		}
		apply("ApplyUsers", deltas)
		prev = deltas

		dl := store.DeadLetter{ID: fmt.Sprintf("%s/%d", shard, rng.IntN(3)), Shard: shard, Reason: fmt.Sprint("round ", round), At: at}
		same("PutDeadLetters", func(s store.Store) any { return s.PutDeadLetters(ctx, []store.DeadLetter{dl}) })

		// Archive the oldest items of one user, sometimes completing twice.
		addr := users[rng.IntN(len(users))]
		oldest := same("OldestUnarchived", func(s store.Store) any {
			items, err := s.OldestUnarchived(ctx, addr, 3)
			if err != nil {
				t.Fatal(err)
			}
			return items
		}).([]store.HistoryItem)
		u, err := stores[1].User(ctx, addr)
		if len(oldest) == 0 || err != nil {
			continue
		}
		a := store.Archive{ID: fmt.Sprint("tx-", round), Address: addr, PreviousHash: u.PreviousHash, CreatedAt: at}
		for _, it := range oldest {
			a.ItemIDs = append(a.ItemIDs, it.ID)
		}
		for range 1 + rng.IntN(2) {
			same("archive", func(s store.Store) any {
				if err := s.PutArchive(ctx, a); err != nil {
					t.Fatal(err)
				}
				return s.CompleteArchive(ctx, a, at)
			})
			seen["archive"]++
		}
	}
	for _, k := range []string{"inserted", "existing", "duplicate", "ok", "conflict", "archive"} {
		if seen[k] == 0 {
			t.Errorf("the sequence never exercised %q (saw %v); change the seed", k, seen)
		}
	}
	same("Dump", func(s store.Store) any {
		d, err := s.Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}
