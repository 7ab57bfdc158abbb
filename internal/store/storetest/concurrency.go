package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/store"
)

var concurrencyCases = []testCase{
	{name: "ConcurrentDeliveriesCountOnce", concurrent: true, fn: testConcurrentDeliveries},
	{name: "ConcurrentLedgerInsertsOnce", concurrent: true, fn: testConcurrentLedger},
	{name: "ConcurrentLeaseHasOneHolder", concurrent: true, fn: testConcurrentLease},
	{name: "ConcurrentCompleteArchiveOnce", concurrent: true, fn: testConcurrentComplete},
}

const goroutines = 6

func testConcurrentDeliveries(t *testing.T, s Store) {
	seedKleo(t, s)
	// Item i carries 1<<i bytes, so the total shows exactly which items were
	// counted twice or never.
	const n = 20
	var items []store.Entry
	var wantBytes int64
	wantActs := map[string]int64{}
	for i := range n {
		act := []string{"Coding", "News", "Job Hunting"}[i%3]
		items = append(items, entry(fmt.Sprintf("66a0000000000000000000%02x", i), addrEIP55, 1<<i, act, int64(1000+i)))
		wantBytes += 1 << i
		wantActs[act]++
	}
	var wg sync.WaitGroup
	errc := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every goroutine delivers every item (redeliveries, producer
			// duplicates on other shards), in its own order and batches, and
			// with effects recomputed differently (a redeploy): the first
			// stored effect must win.
			r := rand.New(rand.NewPCG(uint64(g), 1))
			mine := slices.Clone(items)
			r.Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
			for i := range mine {
				if g%2 == 1 {
					mine[i].Bytes *= 1 << 30
				}
			}
			for len(mine) > 0 {
				k := min(len(mine), 1+r.IntN(5))
				if err := deliver(t.Context(), s, addrEIP55, mine[:k]); err != nil {
					errc <- err
					return
				}
				mine = mine[k:]
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("deliver: %v", err)
	}
	stored := entries(t, s, func() []string {
		var ids []string
		for _, e := range items {
			ids = append(ids, e.ID)
		}
		return ids
	}()...)
	var storedBytes int64
	for _, e := range stored {
		storedBytes += e.Bytes
	}
	doc := userDoc(t, s, addrEIP55)
	total, _ := get(doc, "total_data_quantity")
	if got := toInt(total); got != storedBytes {
		t.Errorf("total_data_quantity = %d, want %d, the sum of the stored effects (%d would be the first goroutine's): "+
			"items counted twice or not at all", got, storedBytes, wantBytes)
	}
	for act, want := range wantActs {
		v, _ := get(doc, "activity_json", act)
		if got := toInt(v); got != want {
			t.Errorf("activity_json.%s = %d, want %d", act, got, want)
		}
	}
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int32:
		return int64(n)
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return -1
}

func testConcurrentLedger(t *testing.T, s Store) {
	const n = 30
	inserted := make([][]string, goroutines)
	var wg sync.WaitGroup
	errc := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var es []store.Entry
			for i := range n {
				es = append(es, entry(fmt.Sprintf("66b0000000000000000000%02x", i), addrEIP55, int64(g+1), "Coding", int64(i)))
			}
			got, err := s.Ledger(t.Context(), es, nil)
			if err != nil {
				errc <- err
				return
			}
			for _, e := range es {
				if _, existed := got[e.ID]; !existed {
					inserted[g] = append(inserted[g], e.ID)
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("Ledger: %v", err)
	}
	by := map[string]int{}
	for g, ids := range inserted {
		for _, id := range ids {
			if prev, dup := by[id]; dup {
				t.Errorf("%s reported inserted by goroutines %d and %d", id, prev, g)
			}
			by[id] = g
		}
	}
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("66b0000000000000000000%02x", i))
	}
	for id, e := range entries(t, s, ids...) {
		g, ok := by[id]
		if !ok {
			t.Errorf("%s stored but reported inserted by nobody", id)
			continue
		}
		if e.Bytes != int64(g+1) {
			t.Errorf("%s holds goroutine %d's effect, but goroutine %d was told it inserted it", id, e.Bytes-1, g)
		}
	}
}

func testConcurrentLease(t *testing.T, s Store) {
	for round := range 5 {
		addr := fmt.Sprintf("0x%040x", round)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var holders []int
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.AcquireLease(t.Context(), addr, fmt.Sprint("w", g), t0, t0.Add(60e9))
				if err != nil {
					t.Errorf("AcquireLease: %v", err)
					return
				}
				if ok {
					mu.Lock()
					holders = append(holders, g)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(holders) != 1 {
			t.Errorf("round %d: lease held by %v, want exactly one", round, holders)
		}
	}
}

func testConcurrentComplete(t *testing.T, s Store) {
	seedKleo(t, s)
	u := user(t, s, addrEIP55)
	a := archive("tx-1", addrEIP55, "", "default_hash", 12, nil, t0)
	putArchive(t, s, a)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.CompleteArchive(t.Context(), u.ID, a, t0); err != nil {
				t.Errorf("CompleteArchive: %v", err)
			}
		}()
	}
	wg.Wait()
	wantValue(t, userDoc(t, s, addrEIP55), int32(12), "kleo_points")
}
