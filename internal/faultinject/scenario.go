package faultinject

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Scenario is one seeded run of a generated stream through the event source
// mapping emulator and the real handler, with faults.
type Scenario struct {
	Seed          int64
	Users, Items  int
	Shards        int
	BatchSize     int
	Parallel      int
	Bisect        bool
	StoreRate     float64 // share of store writes that fail
	StoreKinds    []Fault
	Redeliver     float64 // share of successful batches delivered again
	InvokeErrors  float64 // share of invocations whose runtime crashes before the handler
	DeadlineCuts  float64 // share of invocations whose deadline arrives mid-batch
	Kills         int     // process kills (mapping and handler restarted on the reopened store)
	MalformedRate float64
	DuplicateRate float64

	functionTimeout time.Duration // default 30s
}

// RandomScenario draws a scenario from seed: small streams, every mapping
// setting that changes delivery, and a mix of faults.
func RandomScenario(seed int64) Scenario {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6b6c656f))
	kinds := []Fault{Before, During, After, Timeout}
	r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	sc := Scenario{
		Seed:          seed,
		Users:         1 + r.IntN(5),
		Items:         2 + r.IntN(12),
		Shards:        1 + r.IntN(3),
		BatchSize:     1 + r.IntN(12),
		Parallel:      1 + r.IntN(4),
		Bisect:        r.IntN(2) == 0,
		StoreRate:     0.05 + 0.25*r.Float64(),
		StoreKinds:    kinds[:1+r.IntN(len(kinds))],
		Redeliver:     0.2 * r.Float64(),
		InvokeErrors:  0.1 * r.Float64(),
		DeadlineCuts:  0.15 * r.Float64(),
		MalformedRate: 0.1 * r.Float64(),
		DuplicateRate: 0.15 * r.Float64(),
	}
	if r.IntN(3) == 0 {
		sc.Kills = 1 + r.IntN(2)
		sc.StoreKinds = append(sc.StoreKinds, Kill)
	}
	return sc
}

// Deps are what a run needs besides the scenario.
type Deps struct {
	// Open opens the store; it is called again after each kill, as a
	// restarted process would reopen it.
	Open       func(ctx context.Context) (store.Store, error)
	Scrubber   processor.Scrubber
	Classifier classify.Classifier
	// Wrap, if set, wraps the store after each open (for example to route
	// it through a Proxy); the fault Store is applied on top.
	Wrap func(store.Store) store.Store
}

// Result is what a run left behind.
type Result struct {
	Dump      store.Dump
	Injected  map[Fault]int
	Kills     int
	Stats     []esm.Stats
	Discarded int64
}

// Run plays sc. With faulty false it is the fault-free reference run of the
// same stream.
func Run(ctx context.Context, sc Scenario, deps Deps, faulty bool) (Result, error) {
	stream, err := esm.NewStream(esm.StreamConfig{Shards: sc.Shards})
	if err != nil {
		return Result{}, err
	}
	err = gen.Each(gen.Config{
		Users: sc.Users, ItemsPerUser: sc.Items, Seed: sc.Seed,
		PIIRate: 0.2, MalformedRate: sc.MalformedRate, DuplicateRate: sc.DuplicateRate,
		SummaryMin: 100, SummaryMax: 800,
	}, func(r gen.Record) error {
		_, err := stream.Put(r.PartitionKey, r.Data)
		if errors.Is(err, esm.ErrInvalidRecord) {
			return nil // PutRecord refuses it; it never reaches the processor
		}
		return err
	})
	if err != nil {
		return Result{}, err
	}

	cfg := esm.DefaultConfig()
	cfg.BatchSize = sc.BatchSize
	cfg.ParallelizationFactor = sc.Parallel
	cfg.BisectBatchOnFunctionError = sc.Bisect
	cfg.MaximumBatchingWindow = 0
	// Nothing may be discarded: every fault here is transient, so the books
	// must come out exact once the mapping has retried enough.
	cfg.MaximumRetryAttempts = -1
	cfg.MaximumRecordAge = -1
	cfg.FunctionTimeout = 30 * time.Second
	if sc.functionTimeout > 0 {
		cfg.FunctionTimeout = sc.functionTimeout
	}

	dec := NewDecider(sc.Seed)
	var res Result
	positions := map[string]string{}
	killsLeft := sc.Kills
	if !faulty {
		killsLeft = 0
	}
	for {
		st, err := open(ctx, deps)
		if err != nil {
			return res, err
		}
		if deps.Wrap != nil {
			st = deps.Wrap(st)
		}
		runCtx, kill := context.WithCancel(ctx)
		killed := false
		fs := &Store{Store: st, Decider: dec}
		if faulty {
			fs.Rate = sc.StoreRate
			fs.Kinds = sc.StoreKinds
			if killsLeft == 0 {
				fs.Kinds = without(fs.Kinds, Kill)
			}
			fs.OnKill = func() { killed = true; kill() }
		}
		m := esm.Mapping{
			Source:            stream,
			Config:            cfg,
			StartingPositions: positions,
			Handler:           handler(fs, deps, dec, faulty, sc),
			OnFailure:         func(esm.OnFailureRecord) { res.Discarded++ },
		}
		if faulty {
			m.BeforeInvoke = func(_ context.Context, inv *esm.Invocation) error {
				if dec.Uniform("invoke|"+firstSeq(inv.Event)) < sc.InvokeErrors {
					return fmt.Errorf("%w: runtime crashed before the handler", ErrInjected)
				}
				return nil
			}
			m.Redeliver = func(inv *esm.Invocation) bool {
				return dec.Uniform("redeliver|"+firstSeq(inv.Event)) < sc.Redeliver
			}
		}
		stats, err := m.Run(runCtx)
		kill()
		res.Stats = append(res.Stats, stats)
		for k, n := range fs.Injected() {
			if res.Injected == nil {
				res.Injected = map[Fault]int{}
			}
			res.Injected[k] += n
		}
		if killed {
			// The process died: restart from the checkpoints, as a new
			// mapping lease would, on a reopened store.
			res.Kills++
			killsLeft--
			positions = stats.Checkpoints
			if cerr := st.Close(context.Background()); cerr != nil {
				return res, cerr
			}
			continue
		}
		if err != nil {
			st.Close(context.Background())
			return res, err
		}
		res.Dump, err = st.Dump(ctx)
		st.Close(context.Background())
		return res, err
	}
}

// open opens the store, retrying transient failures as Lambda retries a
// failed init on the next invocation.
func open(ctx context.Context, deps Deps) (store.Store, error) {
	var err error
	for range 5 {
		var st store.Store
		if st, err = deps.Open(ctx); err == nil || !errors.Is(err, store.ErrUnavailable) {
			return st, err
		}
	}
	return nil, err
}

// handler builds a fresh processor per invocation (as cheap as it is in
// Lambda) so that a deadline cut can be given its own clock.
func handler(st store.Store, deps Deps, dec *Decider, faulty bool, sc Scenario) esm.Handler {
	return func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		opt := processor.Options{}
		if faulty {
			if u := dec.Uniform("deadline|" + firstSeq(ev)); u < sc.DeadlineCuts {
				// The clock jumps past the deadline after a few records.
				calls, after := 0, 1+int(u/sc.DeadlineCuts*float64(4*len(ev.Records)))
				opt.Now = func() time.Time {
					calls++
					if calls > after {
						return time.Now().Add(time.Hour)
					}
					return time.Now()
				}
			}
		}
		return processor.New(st, deps.Scrubber, deps.Classifier, opt).Handle(ctx, ev)
	}
}

func firstSeq(ev events.KinesisEvent) string {
	if len(ev.Records) == 0 {
		return ""
	}
	return ev.Records[0].EventID
}

func without(kinds []Fault, f Fault) []Fault {
	var out []Fault
	for _, k := range kinds {
		if k != f {
			out = append(out, k)
		}
	}
	return out
}

// Diff compares the books of two runs: users (every counter, activity and
// watermark), history (every stored field but the processing time) and dead
// letters (ids and reasons). It returns "" when they are equal.
func Diff(want, got store.Dump) string {
	if !reflect.DeepEqual(want.Users, got.Users) {
		return fmt.Sprintf("users differ:\nwant %+v\n got %+v", want.Users, got.Users)
	}
	norm := func(h []store.HistoryItem) []store.HistoryItem {
		out := make([]store.HistoryItem, len(h))
		for i, x := range h {
			x.ProcessedAt = time.Time{}
			out[i] = x
		}
		return out
	}
	if w, g := norm(want.History), norm(got.History); !reflect.DeepEqual(w, g) {
		if len(w) != len(g) {
			return fmt.Sprintf("history: %d items, want %d", len(g), len(w))
		}
		for i := range w {
			if !reflect.DeepEqual(w[i], g[i]) {
				return fmt.Sprintf("history item %d differs:\nwant %+v\n got %+v", i, w[i], g[i])
			}
		}
	}
	reasons := func(d []store.DeadLetter) []string {
		out := make([]string, len(d))
		for i, x := range d {
			out[i] = x.ID + " " + x.Reason
		}
		sort.Strings(out)
		return out
	}
	if w, g := reasons(want.DeadLetters), reasons(got.DeadLetters); !reflect.DeepEqual(w, g) {
		return fmt.Sprintf("dead letters differ:\nwant %v\n got %v", w, g)
	}
	for _, d := range got.DeadLetters {
		if d.Reason == "" {
			return "a dead letter has no reason: " + d.ID
		}
	}
	return ""
}
