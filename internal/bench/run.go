package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/kinesisevent"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Bucket is a range of summary sizes in bytes.
type Bucket struct{ Min, Max int }

// Config says what Run measures. Zero fields take the defaults.
type Config struct {
	Reps       int      // repetitions of each measurement (default 5), after one warm-up
	Records    int      // records per repetition of a stage bucket (default 400)
	Buckets    []Bucket // default DefaultBuckets
	BatchSizes []int    // default DefaultBatchSizes
	// OpenStore opens an empty store for the database measurements; Run
	// closes it. Nil skips them.
	OpenStore func(ctx context.Context) (store.Store, error)
	// DBFill is how many history items the store gets before the
	// measurements (default 10,000): a store's cost per write grows with
	// its size, and an empty one flatters it.
	DBFill    int
	StoreKind string    // recorded in the profile ("embedded", "mongodb")
	Log       io.Writer // progress lines; nil for none
}

// Defaults: summaries from 200 bytes to 20 KB, batches from 10 to 1,000.
var (
	DefaultBuckets    = []Bucket{{200, 500}, {500, 2000}, {2000, 8000}, {8000, 20000}}
	DefaultBatchSizes = []int{10, 50, 100, 500, 1000}
)

// Realistic stream mix, as `kleo run` generates it.
const (
	piiRate       = 0.15
	malformedRate = 0.005
	duplicateRate = 0.005
	cpuBatch      = 100 // records per invocation in the stage measurements
)

func (c Config) withDefaults() Config {
	if c.Reps <= 0 {
		c.Reps = 5
	}
	if c.Records <= 0 {
		c.Records = 400
	}
	if len(c.Buckets) == 0 {
		c.Buckets = DefaultBuckets
	}
	if len(c.BatchSizes) == 0 {
		c.BatchSizes = DefaultBatchSizes
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.DBFill == 0 {
		c.DBFill = 10000
	}
	return c
}

// Run measures the stages and the database writes and fits the model's
// parameters.
func Run(ctx context.Context, cfg Config) (Profile, error) {
	cfg = cfg.withDefaults()
	p := Profile{
		Machine: Machine{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(),
			GoVersion: runtime.Version(), Store: cfg.StoreKind, At: time.Now().UTC()},
		Reps: cfg.Reps,
	}
	model, err := classify.Load()
	if err != nil {
		return p, fmt.Errorf("bench: %w", err)
	}
	scrubber := pii.New()
	pr, err := newProbe(scrubber, model)
	if err != nil {
		return p, err
	}
	p.Machine.Probe = pr.single()
	for _, b := range cfg.Buckets {
		if err := ctx.Err(); err != nil {
			return p, err
		}
		sc, err := stages(ctx, cfg, b, scrubber, model)
		if err != nil {
			return p, err
		}
		fmt.Fprintf(cfg.Log, "stages  summaries %5d..%-5d B  pipeline %v/record\n", b.Min, b.Max, sc.Pipeline)
		p.Stages = append(p.Stages, sc)
	}
	if cfg.OpenStore != nil {
		st, err := cfg.OpenStore(ctx)
		if err != nil {
			return p, fmt.Errorf("bench: opening the store: %w", err)
		}
		defer st.Close(context.Background())
		if err := fill(ctx, st, cfg.DBFill, scrubber, model); err != nil {
			return p, err
		}
		for _, n := range cfg.BatchSizes {
			if err := ctx.Err(); err != nil {
				return p, err
			}
			dc, err := writes(ctx, cfg, st, n, scrubber, model)
			if err != nil {
				return p, err
			}
			fmt.Fprintf(cfg.Log, "db      batch %4d  %d round trips  %v/batch\n", n, dc.RoundTrips, dc.DBTime)
			p.DB = append(p.DB, dc)
		}
	}
	p.Fit = fit(p)
	return p, nil
}

// reports collects the handler's per-invocation reports.
type reports []processor.Report

func (r *reports) Observe(_ context.Context, rep processor.Report) { *r = append(*r, rep) }

// stages runs the real handler over one bucket's records with a store that
// costs nothing, and returns the median per-record time of each stage.
func stages(ctx context.Context, cfg Config, b Bucket, s processor.Scrubber, c classify.Classifier) (StageCost, error) {
	recs, _, err := generate(gen.Config{
		Users: 40, ItemsPerUser: (cfg.Records*(cfg.Reps+1))/40 + 1, Seed: int64(b.Max),
		PIIRate: piiRate, MalformedRate: malformedRate, DuplicateRate: duplicateRate,
		SummaryMin: b.Min, SummaryMax: b.Max,
	})
	if err != nil {
		return StageCost{}, err
	}
	var obs reports
	proc := processor.New(nullStore{}, s, c, processor.Options{Observer: &obs})
	// The handler is entered as Lambda enters it, with the raw invocation
	// payload: the envelope decode is part of what a record costs.
	var entered time.Time
	h := kinesisevent.Handler(func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		entered = time.Now()
		return proc.Handle(ctx, ev)
	})
	// The payloads are built before the clock starts.
	var payloads [][][]byte
	next := uint64(0)
	for rep := range cfg.Reps + 1 {
		chunk := recs[rep*cfg.Records : (rep+1)*cfg.Records]
		var ps [][]byte
		for i := 0; i < len(chunk); i += cpuBatch {
			ev := gen.KinesisEvent(gen.Source{Shard: gen.ShardID(0)}, next, time.Now(), chunk[i:min(i+cpuBatch, len(chunk))])
			next += uint64(len(ev.Records))
			b, err := json.Marshal(ev)
			if err != nil {
				return StageCost{}, err
			}
			ps = append(ps, b)
		}
		payloads = append(payloads, ps)
	}
	// The envelope as aws-lambda-go decodes it by reflection, on the same
	// payloads in the same run: the path the processor had before.
	reflectDecode := lambda.NewHandler(func(events.KinesisEvent) (events.KinesisEventResponse, error) {
		entered = time.Now()
		return events.KinesisEventResponse{}, nil
	})
	var env, envOld, dec, pi, cl, pipe, cpu []time.Duration
	var allocs []float64
	var bytes, count float64
	var ms runtime.MemStats
	for rep := range cfg.Reps + 1 {
		chunk := recs[rep*cfg.Records : (rep+1)*cfg.Records]
		obs = obs[:0]
		var e, whole time.Duration
		runtime.GC() // start each repetition with the same heap
		runtime.ReadMemStats(&ms)
		mallocs := ms.Mallocs
		cpu0 := processCPU()
		for _, payload := range payloads[rep] {
			t0 := time.Now()
			if _, err := h.Invoke(ctx, payload); err != nil {
				return StageCost{}, fmt.Errorf("bench: handler: %w", err)
			}
			whole += time.Since(t0)
			e += entered.Sub(t0)
		}
		used := processCPU() - cpu0
		runtime.ReadMemStats(&ms)
		mallocs = ms.Mallocs - mallocs
		var eo time.Duration
		for _, payload := range payloads[rep] {
			t0 := time.Now()
			if _, err := reflectDecode.Invoke(ctx, payload); err != nil {
				return StageCost{}, fmt.Errorf("bench: aws-lambda-go decode: %w", err)
			}
			eo += entered.Sub(t0)
		}
		if rep == 0 {
			continue // warm-up
		}
		var d, p, k time.Duration
		for _, r := range obs {
			d, p, k = d+r.Decode, p+r.PIITime, k+r.Classify
		}
		n := time.Duration(len(chunk))
		env, dec, pi, cl, pipe = append(env, e/n), append(dec, d/n), append(pi, p/n), append(cl, k/n), append(pipe, whole/n)
		cpu, envOld = append(cpu, used/n), append(envOld, eo/n)
		allocs = append(allocs, float64(mallocs)/float64(n))
		for _, r := range chunk {
			bytes += float64(len(r.Data))
		}
		count += float64(len(chunk))
	}
	return StageCost{
		SummaryMin: b.Min, SummaryMax: b.Max, Records: cfg.Records, RecordBytes: bytes / count,
		Envelope: median(env), EnvelopeOld: median(envOld), Decode: median(dec), PII: median(pi), Classify: median(cl),
		Pipeline: median(pipe), CPU: median(cpu), Allocs: median(allocs),
	}, nil
}

// writes runs the real handler with batches of n records from n/10 users
// into a fresh store and returns the median cost of the batch's writes.
func writes(ctx context.Context, cfg Config, st store.Store, n int, s processor.Scrubber, c classify.Classifier) (DBCost, error) {
	users := max(1, n/10)
	// A new seed each run, so a MongoDB that outlives the run never sees
	// the same documents twice.
	recs, us, err := generate(gen.Config{
		Users: users, ItemsPerUser: n*(cfg.Reps+1)/users + 2, Seed: time.Now().UnixNano(),
		PIIRate: piiRate, MalformedRate: malformedRate, DuplicateRate: duplicateRate,
		SummaryMin: 200, SummaryMax: 20000,
	})
	if err != nil {
		return DBCost{}, err
	}
	if err := seed(ctx, st, us); err != nil {
		return DBCost{}, err
	}
	var obs reports
	tr := &cpuTracer{}
	proc := processor.New(st, s, c, processor.Options{Observer: &obs, Tracer: tr})
	shard := fmt.Sprintf("shardId-bench%d", time.Now().UnixNano())
	var dbt, per, dbcpu, stg, hcpu []time.Duration
	var calls, distinct []int
	var bytes, count float64
	for rep := range cfg.Reps + 1 {
		chunk := recs[rep*n : (rep+1)*n]
		obs, tr.used = obs[:0], 0
		ev := gen.KinesisEvent(gen.Source{Shard: shard}, uint64(rep*n), time.Now(), chunk)
		cpu0 := processCPU()
		resp, err := proc.Handle(ctx, ev)
		used := processCPU() - cpu0
		if err != nil || len(resp.BatchItemFailures) > 0 {
			return DBCost{}, fmt.Errorf("bench: batch of %d failed: %v (%d records to retry)", n, err, len(resp.BatchItemFailures))
		}
		if rep == 0 || len(obs) != 1 {
			continue
		}
		dbt, per, dbcpu = append(dbt, obs[0].DBTime), append(per, obs[0].Persist), append(dbcpu, tr.used)
		stg = append(stg, (obs[0].Decode+obs[0].PIITime+obs[0].Classify)/time.Duration(n))
		hcpu = append(hcpu, used)
		calls = append(calls, obs[0].DBCalls)
		distinct = append(distinct, distinctUsers(ev))
		for _, r := range chunk {
			bytes += float64(len(r.Data))
		}
		count += float64(len(chunk))
	}
	return DBCost{Batch: n, Users: median(distinct), RecordBytes: bytes / count, RoundTrips: median(calls),
		DBTime: median(dbt), DBCPU: median(dbcpu), Persist: median(per), Stages: median(stg), HandlerCPU: median(hcpu)}, nil
}

// fill writes n generated records into st through the handler, in batches
// of 1,000.
func fill(ctx context.Context, st store.Store, n int, s processor.Scrubber, c classify.Classifier) error {
	if n <= 0 {
		return nil
	}
	recs, us, err := generate(gen.Config{Users: max(1, n/100), ItemsPerUser: 100, Seed: time.Now().UnixNano(),
		PIIRate: piiRate, SummaryMin: 200, SummaryMax: 20000})
	if err != nil {
		return err
	}
	if err := seed(ctx, st, us); err != nil {
		return err
	}
	proc := processor.New(st, s, c, processor.Options{})
	shard := fmt.Sprintf("shardId-fill%d", time.Now().UnixNano())
	for i := 0; i < len(recs); i += 1000 {
		ev := gen.KinesisEvent(gen.Source{Shard: shard}, uint64(i), time.Now(), recs[i:min(i+1000, len(recs))])
		if _, err := proc.Handle(ctx, ev); err != nil {
			return fmt.Errorf("bench: filling the store: %w", err)
		}
	}
	return nil
}

func distinctUsers(ev events.KinesisEvent) int {
	seen := map[string]bool{}
	for _, r := range ev.Records {
		seen[strings.ToLower(r.Kinesis.PartitionKey)] = true
	}
	return len(seen)
}

// generate makes a Kleo-shaped data set: the records, and the users a
// store must hold for them to count. The data set's deliberately malformed
// user document is repaired: the benchmarks measure the steady state.
func generate(c gen.Config) ([]gen.Record, []bson.M, error) {
	prod, err := gen.Kleo(gen.KleoConfig{Config: c})
	if err != nil {
		return nil, nil, fmt.Errorf("bench: generating records: %w", err)
	}
	for _, u := range prod.Users {
		if _, ok := u["activity_json"].(string); ok {
			u["activity_json"] = bson.M{}
		}
	}
	return prod.Records, prod.Users, nil
}

// seed inserts the users a benchmark's records belong to.
func seed(ctx context.Context, st store.Store, users []bson.M) error {
	s, ok := st.(store.Seeder)
	if !ok {
		return fmt.Errorf("bench: %T cannot seed Kleo's users", st)
	}
	if err := s.InsertUsers(ctx, users); err != nil {
		return fmt.Errorf("bench: seeding users: %w", err)
	}
	return nil
}

func fit(p Profile) Fit {
	var f Fit
	var xs, ys []float64
	for _, s := range p.Stages {
		xs, ys = append(xs, s.RecordBytes/1024), append(ys, float64(s.CPU))
	}
	a, b := linear(xs, ys)
	f.CPUFixed, f.CPUPerKB = time.Duration(max(a, 0)), time.Duration(max(b, 0))
	xs, ys = nil, nil
	var calls []int
	for _, d := range p.DB {
		xs, ys = append(xs, float64(d.Batch)), append(ys, float64(d.DBTime))
		calls = append(calls, d.RoundTrips)
	}
	a, b = linear(xs, ys)
	f.DBFixed, f.DBPerRecord = time.Duration(max(a, 0)), time.Duration(max(b, 0))
	ys = ys[:0]
	for _, d := range p.DB {
		ys = append(ys, float64(d.DBCPU))
	}
	a, b = linear(xs, ys)
	f.DBCPUFixed, f.DBCPUPerRecord = time.Duration(max(a, 0)), time.Duration(max(b, 0))
	ys = ys[:0]
	for _, d := range p.DB {
		ys = append(ys, float64(d.HandlerCPU))
	}
	a, b = linear(xs, ys)
	f.HandlerCPUFixed, f.HandlerCPUPerRecord = time.Duration(max(a, 0)), time.Duration(max(b, 0))
	f.RoundTrips = median(calls)
	return f
}

// cpuTracer adds up the process CPU time spent inside the handler's store
// calls (its spans named "store.*"). The handler runs one call at a time.
type cpuTracer struct{ used time.Duration }

func (t *cpuTracer) Start(ctx context.Context, name string) (context.Context, func(error)) {
	if !strings.HasPrefix(name, "store.") {
		return ctx, func(error) {}
	}
	start := processCPU()
	return ctx, func(error) { t.used += processCPU() - start }
}

// nullStore answers the handler's three per-batch calls at no cost, as if
// every user existed and every record were new, so the stage measurements
// time the handler alone. Other methods are not used by the handler
// (calling one panics on the nil embedded interface).
type nullStore struct{ store.Store }

func (nullStore) Users(_ context.Context, addrs []string) (map[string]store.UserState, error) {
	out := make(map[string]store.UserState, len(addrs))
	for _, a := range addrs {
		out[a] = store.UserState{ID: a, Address: a}
	}
	return out, nil
}

func (nullStore) Ledger(context.Context, []store.Entry, []string) (map[string]store.Entry, error) {
	return nil, nil
}

func (nullStore) Apply(_ context.Context, ups []store.Apply) ([]error, error) {
	return make([]error, len(ups)), nil
}

func (nullStore) PutDeadLetters(context.Context, []store.DeadLetter) error { return nil }
