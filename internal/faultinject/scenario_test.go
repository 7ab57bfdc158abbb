package faultinject

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

var scenarios = flag.Int("scenarios", 1000, "seeded fault scenarios to run against the embedded store")

func embeddedDeps(t *testing.T, model classify.Classifier) Deps {
	dir := t.TempDir()
	return Deps{
		Open: func(ctx context.Context) (store.Store, error) {
			return embedded.Open(ctx, dir, embedded.NoSync())
		},
		Scrubber:   pii.New(),
		Classifier: model,
	}
}

// TestScenariosKeepExactBooks runs seeded scenarios — store writes failing
// before, during and after they apply, timeouts, runtime crashes before the
// handler, deadlines arriving mid-batch, processes killed mid-write and
// restarted from the checkpoints, duplicate deliveries, bisection and
// parallelization factors up to 4 — and compares the final state of each with
// a fault-free run of the same stream.
func TestScenariosKeepExactBooks(t *testing.T) {
	model, err := classify.Load()
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		injected = map[Fault]int{}
		kills    int
		records  int
	)
	t.Run("group", func(t *testing.T) {
		for seed := int64(1); seed <= int64(*scenarios); seed++ {
			sc := RandomScenario(seed)
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				ref, err := Run(ctx, sc, embeddedDeps(t, model), false)
				if err != nil {
					t.Fatalf("fault-free run: %v", err)
				}
				got, err := Run(ctx, sc, embeddedDeps(t, model), true)
				if err != nil {
					t.Fatalf("faulty run: %v", err)
				}
				if got.Discarded != 0 {
					t.Errorf("%d batches discarded although every fault was transient", got.Discarded)
				}
				if d := Diff(ref.Dump, got.Dump); d != "" {
					t.Errorf("scenario %+v:\n%s", sc, d)
				}
				mu.Lock()
				for k, n := range got.Injected {
					injected[k] += n
				}
				kills += got.Kills
				records += len(ref.Dump.History) + len(ref.Dump.DeadLetters)
				mu.Unlock()
			})
		}
	})
	t.Logf("%d scenarios, %d stored records; injected %v; %d process kills", *scenarios, records, injected, kills)
	// The suite only proves something if the faults really fired.
	if *scenarios >= 100 {
		for _, f := range []Fault{Before, During, After, Timeout, Kill} {
			if injected[f] == 0 {
				t.Errorf("no %s fault fired in %d scenarios", f, *scenarios)
			}
		}
		if kills == 0 {
			t.Error("no process was killed")
		}
	}
}
