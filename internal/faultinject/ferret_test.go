package faultinject

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
)

func mongoDeps(uri, db string, model classify.Classifier) Deps {
	return Deps{
		Open: func(ctx context.Context) (store.Store, error) {
			return mongostore.Open(ctx, uri, db,
				mongostore.WithConnectTimeout(2*time.Second), mongostore.WithServerSelectionTimeout(2*time.Second))
		},
		Scrubber:   pii.New(),
		Classifier: model,
	}
}

// TestNetworkFaultsAgainstMongoDB runs scenarios through the real driver and
// wire protocol (FerretDB embedded in the test) behind a TCP proxy that cuts
// every connection mid-request at seeded byte marks or delays traffic past
// the invocation deadline; the books must equal a run without the proxy.
func TestNetworkFaultsAgainstMongoDB(t *testing.T) {
	model, err := classify.Load()
	if err != nil {
		t.Fatal(err)
	}
	server := ferrettest.Start(t)
	target := strings.TrimSuffix(strings.TrimPrefix(server, "mongodb://"), "/")

	tests := []struct {
		name  string
		seed  int64
		cuts  int
		delay time.Duration
	}{
		{"cuts-1", 101, 3, 0},
		{"cuts-2", 102, 4, 0},
		{"cuts-3", 103, 2, 0},
		{"slow network past the deadline", 104, 0, 400 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			sc := Scenario{Seed: tt.seed, Users: 3, Items: 6, Shards: 2, BatchSize: 5, Parallel: 2, Bisect: tt.seed%2 == 0,
				MalformedRate: 0.1, DuplicateRate: 0.1, Redeliver: 0.2}
			ref, err := Run(ctx, sc, mongoDeps(server, fmt.Sprintf("ref_%d", tt.seed), model), false)
			if err != nil {
				t.Fatalf("run without faults: %v", err)
			}

			proxy, err := NewProxy(target)
			if err != nil {
				t.Fatal(err)
			}
			defer proxy.Close()
			r := rand.New(rand.NewPCG(uint64(tt.seed), 7))
			var marks []int64
			for i := 0; i < tt.cuts; i++ {
				marks = append(marks, int64(500+r.IntN(12_000)))
			}
			slices.Sort(marks)
			deps := mongoDeps("mongodb://"+proxy.Addr()+"/?directConnection=true&retryWrites=false", fmt.Sprintf("faulty_%d", tt.seed), model)
			var once sync.Once
			deps.Wrap = func(st store.Store) store.Store {
				// Cut while the handler works, not while the store opens:
				// marks count from the traffic of the first open.
				once.Do(func() {
					base := proxy.upBytes.Load()
					for i := range marks {
						marks[i] += base
					}
					proxy.CutAt(marks...)
				})
				return st
			}
			if tt.delay > 0 {
				// Slow the network once the store is open, for long enough
				// that the first invocations miss their deadline.
				deps.Wrap = func(st store.Store) store.Store {
					proxy.SetDelay(tt.delay)
					time.AfterFunc(4*time.Second, func() { proxy.SetDelay(0) })
					return st
				}
			}
			got, err := runWithTimeout(ctx, sc, deps)
			if err != nil {
				t.Fatalf("run through the proxy: %v", err)
			}
			if d := Diff(BooksOf(ref.Dump), BooksOf(got.Dump)); d != "" {
				t.Error(d)
			}
			if d := Consistent(got); d != "" {
				t.Error(d)
			}
			var failed int64
			for _, s := range got.Stats {
				failed += s.BatchesFailed
			}
			t.Logf("cuts %d, failed invocations %d, ledger %d, dead letters %d", proxy.Cuts(), failed, len(got.Dump.Ledger), len(got.Dump.DeadLetters))
			if tt.cuts > 0 && proxy.Cuts() == 0 {
				t.Error("the proxy never cut a connection: the scenario tested nothing")
			}
			if failed == 0 {
				t.Error("no invocation failed: the faults did not reach the handler")
			}
		})
	}
}

// TestSequentialFaultsOnMongoDB runs store faults, kills, discards, a late
// user and a malformed user document through the real driver and wire
// protocol. One shard and one lane: FerretDB v1's single-document updates
// are not atomic under concurrency (concurrent $inc on one document lose
// updates), so concurrency is tested on the embedded store only.
func TestSequentialFaultsOnMongoDB(t *testing.T) {
	m, err := classify.Load()
	if err != nil {
		t.Fatal(err)
	}
	server := ferrettest.Start(t)
	for i, sc := range []Scenario{
		{Users: 3, Items: 6, StoreRate: 0.3, StoreKinds: []Fault{Before, During, After, Timeout}, PoisonUser: true, Keys: KeyBothSpellings},
		{Users: 3, Items: 6, StoreRate: 0.2, StoreKinds: []Fault{During, Kill}, Kills: 1, LateUser: true, DuplicateRate: 0.3},
		{Users: 2, Items: 8, Discards: 0.3, MalformedRate: 0.2, Reshard: true},
	} {
		sc.Seed, sc.Shards, sc.Parallel, sc.BatchSize, sc.Bisect = int64(200+i), 1, 1, 4, true
		t.Run(fmt.Sprint(sc.Seed), func(t *testing.T) {
			ctx := context.Background()
			ref, err := Run(ctx, sc, mongoDeps(server, fmt.Sprintf("seqref_%d", sc.Seed), m), false)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Run(ctx, sc, mongoDeps(server, fmt.Sprintf("seq_%d", sc.Seed), m), true)
			if err != nil {
				t.Fatal(err)
			}
			fired := got.Kills + got.Reports.DeadLettered + int(got.Discarded)
			for _, n := range got.Injected {
				fired += n
			}
			if fired == 0 {
				t.Fatal("no fault fired: the scenario tested nothing")
			}
			check(t, sc, ref, got)
		})
	}
}

// runWithTimeout runs the scenario with a short function timeout so a slow
// network makes the handler's writes miss their deadline.
func runWithTimeout(ctx context.Context, sc Scenario, deps Deps) (Result, error) {
	sc.functionTimeout = 3 * time.Second
	// Faulty, but with no injected store faults: only the proxy and the
	// redeliveries break things.
	return Run(ctx, sc, deps, true)
}
