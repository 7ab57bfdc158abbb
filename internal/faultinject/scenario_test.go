package faultinject

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

var scenarios = flag.Int("scenarios", 1000, "seeded fault scenarios to run against the embedded store")

// redeployed is the classifier of another deploy: it answers differently
// from the model for every item.
type redeployed struct{}

func (redeployed) Classify(context.Context, classify.Input) classify.Result {
	return classify.Result{Activity: activity.Gaming, Confidence: 0.5}
}

func embeddedDeps(t *testing.T, model classify.Classifier) Deps {
	dir := t.TempDir()
	return Deps{
		Open: func(ctx context.Context) (store.Store, error) {
			return embedded.Open(ctx, dir, embedded.NoSync())
		},
		Scrubber:   pii.New(),
		Classifier: model,
		Redeployed: redeployed{},
	}
}

// check compares a faulty run with the fault-free run of the same scenario.
// A redeploy changes what the first computation of an item may be, so there
// the books must only agree with their own ledger and the bytes with the
// reference.
func check(t *testing.T, sc Scenario, ref, got Result) {
	t.Helper()
	if d := Consistent(got); d != "" {
		t.Errorf("scenario %+v: books disagree with the ledger: %s", sc, d)
	}
	if d := Consistent(ref); d != "" {
		t.Errorf("scenario %+v: reference books disagree with the ledger: %s", sc, d)
	}
	if got.Discarded > 0 && sc.Discards == 0 {
		t.Errorf("%d batches discarded although every fault was transient", got.Discarded)
	}
	want, have := BooksOf(ref.Dump), BooksOf(got.Dump)
	if sc.Redeploy {
		if len(want.Effects) != len(have.Effects) {
			t.Errorf("scenario %+v: %d ledger entries, want %d", sc, len(have.Effects), len(want.Effects))
		}
		return
	}
	if d := Diff(want, have); d != "" {
		t.Errorf("scenario %+v:\n%s", sc, d)
	}
}

func model(t *testing.T) classify.Classifier {
	t.Helper()
	m, err := classify.Load()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestScenariosKeepExactBooks runs seeded scenarios — store calls failing
// before, during and after they apply, timeouts, runtime crashes before the
// handler, deadlines arriving mid-batch, processes killed mid-write and
// restarted from the checkpoints, duplicate deliveries, bisection,
// parallelization factors up to 4, partition keys of every kind, discarded
// batches re-driven late, redeploys, resharding, late and malformed users —
// and compares the final state of each with a fault-free run of the same
// stream.
func TestScenariosKeepExactBooks(t *testing.T) {
	m := model(t)
	var (
		mu       sync.Mutex
		injected = map[Fault]int{}
		total    Result
		redrive  int
	)
	t.Run("group", func(t *testing.T) {
		for seed := int64(1); seed <= int64(*scenarios); seed++ {
			sc := RandomScenario(seed)
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				ref, err := Run(ctx, sc, embeddedDeps(t, m), false)
				if err != nil {
					t.Fatalf("fault-free run: %v", err)
				}
				got, err := Run(ctx, sc, embeddedDeps(t, m), true)
				if err != nil {
					t.Fatalf("faulty run: %v", err)
				}
				check(t, sc, ref, got)
				mu.Lock()
				for k, n := range got.Injected {
					injected[k] += n
				}
				total.Kills += got.Kills
				total.Discarded += got.Discarded
				total.OutOfOrder += got.OutOfOrder
				total.Reports.Duplicates += got.Reports.Duplicates
				total.Reports.Replayed += got.Reports.Replayed
				total.Reports.Conflicts += got.Reports.Conflicts
				total.Reports.Redeployed += got.Reports.Redeployed
				redrive += got.Redriven
				mu.Unlock()
			})
		}
	})
	t.Logf("%d scenarios; injected %v; %d kills, %d batches discarded, %d records re-driven, %d out of order, %d duplicates, %d replays, %d conflicts, %d redeployed invocations",
		*scenarios, injected, total.Kills, total.Discarded, redrive, total.OutOfOrder, total.Reports.Duplicates, total.Reports.Replayed, total.Reports.Conflicts, total.Reports.Redeployed)
	// The suite only proves something if the faults really fired.
	if *scenarios >= 100 {
		for _, f := range []Fault{Before, During, After, Timeout, Kill} {
			if injected[f] == 0 {
				t.Errorf("no %s fault fired in %d scenarios", f, *scenarios)
			}
		}
		for name, n := range map[string]int{
			"process kill": total.Kills, "discarded batch": int(total.Discarded), "re-drive": redrive,
			"out-of-order record": total.OutOfOrder, "producer duplicate": total.Reports.Duplicates,
			"replay": total.Reports.Replayed, "guard conflict": total.Reports.Conflicts, "redeploy": total.Reports.Redeployed,
		} {
			if n == 0 {
				t.Errorf("no %s in %d scenarios", name, *scenarios)
			}
		}
	}
}

// TestAdversarialDeliveries names the deliveries the per-shard watermark
// design got wrong, each with the evidence that it happened.
func TestAdversarialDeliveries(t *testing.T) {
	m := model(t)
	base := Scenario{Users: 4, Items: 12, Shards: 2, BatchSize: 5, Parallel: 1, Bisect: true, DuplicateRate: 0.05, MalformedRate: 0.05}
	tests := []struct {
		name   string
		edit   func(*Scenario)
		fired  func(ref, got Result) bool
		faulty bool
	}{
		{"lanes out of order, keys in two spellings, parallelization factor 3",
			func(s *Scenario) { s.Keys = KeyBothSpellings; s.Parallel = 3; s.Shards = 1; s.Redeliver = 0.3 },
			func(_, got Result) bool { return got.OutOfOrder > 0 }, true},
		{"random partition keys",
			func(s *Scenario) { s.Keys = KeyRandom; s.Shards = 3; s.Parallel = 2 },
			func(_, got Result) bool { return got.OutOfOrder > 0 }, true},
		{"a discarded batch re-driven after later batches",
			func(s *Scenario) { s.Discards = 0.4; s.Keys = KeyAddress },
			func(_, got Result) bool { return got.Discarded > 0 && got.Redriven > 0 }, true},
		{"a redeploy between retries",
			func(s *Scenario) { s.Redeploy = true; s.StoreRate = 0.3; s.StoreKinds = []Fault{After, During} },
			func(_, got Result) bool {
				return got.Reports.Redeployed > 0 && got.Injected[After]+got.Injected[During] > 0
			}, true},
		{"a poison user document, repaired and re-driven",
			func(s *Scenario) { s.PoisonUser = true },
			func(_, got Result) bool { return got.Reports.DeadLettered > 0 && got.Redriven > 0 }, false},
		{"an unknown user created later and re-driven",
			func(s *Scenario) { s.LateUser = true },
			func(_, got Result) bool { return got.Reports.DeadLettered > 0 && got.Redriven > 0 }, false},
		{"a producer duplicate on another shard",
			func(s *Scenario) { s.DuplicateRate = 0.5; s.Keys = KeyRandom; s.Shards = 4 },
			func(_, got Result) bool { return got.Reports.Duplicates > 0 }, false},
		{"resharding",
			func(s *Scenario) { s.Reshard = true; s.Keys = KeyBothSpellings },
			func(_, got Result) bool { return len(got.Stats) >= 2 }, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := base
			sc.Seed = int64(9000 + i)
			tt.edit(&sc)
			ctx := context.Background()
			ref, err := Run(ctx, sc, embeddedDeps(t, m), false)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Run(ctx, sc, embeddedDeps(t, m), tt.faulty)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.fired(ref, got) {
				t.Fatalf("the case did not happen (result %+v): the test proves nothing", got.Reports)
			}
			check(t, sc, ref, got)
		})
	}
}
