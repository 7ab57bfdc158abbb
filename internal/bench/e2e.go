package bench

import (
	"context"
	"errors"
	"fmt"
	"go.mongodb.org/mongo-driver/v2/bson"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/capacity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/kinesisapi"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

// E2EConfig says what RunE2E measures. Zero fields take the defaults.
type E2EConfig struct {
	NodeModules string // holding kinesalite (see kinesisapi.FindNodeModules)
	Dir         string // for the embedded stores, one per cell
	Shards      []int  // default 1, 2, 4
	Parallel    []int  // default 1, 2, 4
	Records     int    // per cell, default 20,000
	Reps        int    // drains of each cell's stream, default 3 (the median is reported)
	Users       int    // default 500
	BatchSize   int    // default 100
	// Profile supplies the handler and database costs of the prediction.
	Profile Profile
	NoSync  bool // embedded store without fsync
	Log     io.Writer
}

func (c E2EConfig) withDefaults() E2EConfig {
	if len(c.Shards) == 0 {
		c.Shards = []int{1, 2, 4}
	}
	if len(c.Parallel) == 0 {
		c.Parallel = []int{1, 2, 4}
	}
	if c.Records <= 0 {
		c.Records = 20000
	}
	if c.Reps <= 0 {
		c.Reps = 3
	}
	if c.Users <= 0 {
		c.Users = 500
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return c
}

// RunE2E runs the grid: for each N shards × P, a fresh kinesalite and
// store, a generated load put with PutRecords (partition key = user
// address), then the emulator draining it through the real handler. Each
// cell is then calibrated (free cores, kinesalite's read cost per record) and
// predicted with the capacity model.
func RunE2E(ctx context.Context, cfg E2EConfig) ([]capacity.Measured, error) {
	cfg = cfg.withDefaults()
	model, err := classify.Load()
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	scrubber := pii.New()
	load := gen.Config{
		Users: cfg.Users, ItemsPerUser: cfg.Records / cfg.Users, Seed: 7,
		PIIRate: piiRate, MalformedRate: malformedRate, DuplicateRate: duplicateRate,
		SummaryMin: 200, SummaryMax: 20000,
	}
	pr, err := newProbe(scrubber, model)
	if err != nil {
		return nil, err
	}
	if cfg.Profile.Machine.Probe == 0 {
		return nil, fmt.Errorf("bench: the profile has no probe time: measure it again with kleo bench")
	}
	emu, err := emulatorCost(ctx, load, cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Log, "e2e: emulator %v per record\n", emu)

	var out []capacity.Measured
	for _, n := range cfg.Shards {
		for _, p := range cfg.Parallel {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			m, err := cell(ctx, cfg, n, p, load, scrubber, model, pr)
			if err != nil {
				return out, fmt.Errorf("bench: cell N=%d P=%d: %w", n, p, err)
			}
			predict(&m, cfg, emu)
			fmt.Fprintf(cfg.Log, "e2e: N=%d P=%d  %6.0f records/s (predicted %6.0f, %+.0f%%, %s)  max iterator age %v\n",
				n, p, m.RecordsPerSec, m.Predicted, 100*m.Error, m.Bound, m.MaxIteratorAge.Round(time.Millisecond))
			out = append(out, m)
		}
	}
	return out, nil
}

func cell(ctx context.Context, cfg E2EConfig, n, p int, load gen.Config, s processor.Scrubber, c classify.Classifier, pr *probe) (capacity.Measured, error) {
	m := capacity.Measured{Shards: n, Parallelization: p, Drains: cfg.Reps}
	k, err := kinesisapi.Start(ctx, cfg.NodeModules, 0)
	if err != nil {
		return m, err
	}
	defer k.Close()
	client := kinesisapi.NewClient(k.Endpoint)
	const name = "kleo-history"
	if err := kinesisapi.CreateStream(ctx, client, name, n); err != nil {
		return m, err
	}
	// Kleo's users must exist for the records to count; each drain seeds
	// them into its fresh store. The generated data set is dropped once it
	// is in the stream, so its heap does not slow the drains' collector.
	recs, users, err := generate(load)
	if err != nil {
		return m, err
	}
	var chunk []kinesisapi.Entry
	var bytes float64
	put := func() error {
		err := kinesisapi.Put(ctx, client, name, chunk)
		chunk = chunk[:0]
		return err
	}
	for _, r := range recs {
		if len(r.Data) > 1<<20 {
			continue // PutRecords refuses records over 1 MiB
		}
		chunk = append(chunk, kinesisapi.Entry{PartitionKey: r.PartitionKey, Data: r.Data})
		bytes += float64(len(r.Data))
		m.Records++
		if len(chunk) == kinesisapi.MaxPutRecords {
			if err := put(); err != nil {
				return m, err
			}
		}
	}
	if err := put(); err != nil {
		return m, err
	}
	recs = nil
	m.RecordBytes = bytes / float64(m.Records)

	var rates, cores []float64
	var procCPU, nodeCPU, gcCPU, stages, db []time.Duration
	for rep := range cfg.Reps {
		p0, n0, g0 := processCPU(), nodeTime(k), gcTime()
		obs := &totals{}
		rate, age, inv, free, err := drain(ctx, cfg, client, name, filepath.Join(cfg.Dir, fmt.Sprintf("n%d-p%d-%d", n, p, rep)), users, p, m.Records, s, c, pr, obs)
		if err != nil {
			return m, err
		}
		if rep == 0 {
			// Later drains re-read records that arrived long before.
			m.MaxIteratorAge, m.Invocations = age, inv
		}
		rates, cores = append(rates, rate), append(cores, free)
		procCPU = append(procCPU, (processCPU()-p0)/time.Duration(m.Records))
		nodeCPU = append(nodeCPU, (nodeTime(k)-n0)/time.Duration(m.Records))
		gcCPU = append(gcCPU, (gcTime()-g0)/time.Duration(m.Records))
		stages = append(stages, obs.stages/time.Duration(max(obs.records, 1)))
		db = append(db, obs.db/time.Duration(max(obs.batches, 1)))
	}
	m.StagesPerRecord, m.DBPerBatch = median(stages), median(db)
	m.ProcessCPU, m.KinesaliteCPU, m.GCCPU = median(procCPU), median(nodeCPU), median(gcCPU)
	m.RecordsPerSec, m.Cores = median(rates), median(cores)
	m.Seconds = float64(m.Records) / m.RecordsPerSec
	m.ReadPerRecord, m.ReadCPU, m.SourceCPU, err = readCost(ctx, k, client, name, cfg.BatchSize*(p+1))
	return m, err
}

// totals adds up the handler's reports; invocations run concurrently.
type totals struct {
	mu               sync.Mutex
	stages, db       time.Duration
	records, batches int
}

func (t *totals) Observe(_ context.Context, r processor.Report) {
	t.mu.Lock()
	t.stages += r.Decode + r.PIITime + r.Classify
	t.db += r.DBTime
	t.records += r.RecordsIn
	t.batches++
	t.mu.Unlock()
}

// gcTime is the runtime's estimate of the CPU time its garbage collector
// has used.
func gcTime() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return time.Duration(s[0].Value.Float64() * 1e9)
}

// nodeTime is kinesalite's CPU time so far, or 0 where /proc is missing.
func nodeTime(k *kinesisapi.Kinesalite) time.Duration {
	d, _ := k.CPU()
	return d
}

// drain reads the whole stream from TRIM_HORIZON with the emulator through
// the real handler into a fresh store, and returns the records/s, the
// largest iterator age, the invocations and the free cores around it.
func drain(ctx context.Context, cfg E2EConfig, client kinesisapi.API, name, dir string, users []bson.M, p, records int, s processor.Scrubber, c classify.Classifier, pr *probe, obs *totals) (float64, time.Duration, int64, float64, error) {
	var opts []embedded.Option
	if cfg.NoSync {
		opts = append(opts, embedded.NoSync())
	}
	st, err := embedded.Open(ctx, dir, opts...)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer st.Close(context.Background())
	if err := seed(ctx, st, users); err != nil {
		return 0, 0, 0, 0, err
	}
	proc := processor.New(st, s, c, processor.Options{Logger: slog.New(slog.DiscardHandler), Observer: obs})
	src, err := kinesisapi.NewSource(ctx, client, name)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	mc := esm.DefaultConfig()
	mc.BatchSize, mc.ParallelizationFactor, mc.MaximumBatchingWindow = cfg.BatchSize, p, 0
	mp := esm.Mapping{Source: src, Handler: proc.Handle, Config: mc, PollInterval: 100 * time.Millisecond}

	before := pr.freeCores(cfg.Profile.Machine.Probe)
	start := time.Now()
	stats, err := mp.Run(ctx)
	took := time.Since(start)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	free := (before + pr.freeCores(cfg.Profile.Machine.Probe)) / 2
	if done := stats.RecordsSucceeded + stats.RecordsDiscarded; done != int64(records) {
		return 0, 0, 0, 0, fmt.Errorf("%d of %d records finished", done, records)
	}
	var age time.Duration
	for _, a := range stats.MaxIteratorAge {
		age = max(age, a)
	}
	return float64(records) / took.Seconds(), age, stats.Invocations, free, nil
}

// predict fills in the model's prediction for a measured cell.
func predict(m *capacity.Measured, cfg E2EConfig, emuPerRecord time.Duration) {
	f := cfg.Profile.Fit
	trips := max(f.RoundTrips, 1)
	r, err := capacity.Model(capacity.Params{
		Shards: m.Shards, Parallelization: m.Parallelization, BatchSize: cfg.BatchSize,
		CPUPerRecord: f.CPUPerRecord(m.RecordBytes),
		DBLatency:    f.DBFixed / time.Duration(trips), RoundTrips: trips, DBPerRecord: f.DBPerRecord,
		InvokeOverhead: emuPerRecord * time.Duration(cfg.BatchSize),
		RecordBytes:    m.RecordBytes,
		Host: &capacity.Host{Cores: m.Cores, CPUs: runtime.NumCPU(),
			HandlerCPUPerBatch: f.HandlerCPUFixed, HandlerCPUPerRecord: f.HandlerCPUPerRecord,
			ReadCPU: m.ReadCPU, SourceCPU: m.SourceCPU, SerialWrites: true,
			DBCPUPerBatch: f.DBCPUFixed, DBCPUPerRecord: f.DBCPUPerRecord},
	})
	if err != nil {
		m.Bound = capacity.Bound(err.Error())
		return
	}
	m.Predicted, m.Bound = r.Sustainable, r.Bound
	m.PredictedAge = time.Duration(float64(m.Records) / m.Predicted * float64(time.Second))
	m.Error = (m.Predicted - m.RecordsPerSec) / m.RecordsPerSec
}

// readCost reads the stream again, one shard after the other, in pages of
// limit records, up to about 5,000 records, three times, and returns the
// medians per record of the wall time, this process's CPU time (the SDK's
// decoding) and kinesalite's.
func readCost(ctx context.Context, k *kinesisapi.Kinesalite, c kinesisapi.API, name string, limit int) (wall, goCPU, nodeCPU time.Duration, err error) {
	var walls, gos, nodes []time.Duration
	for range 3 {
		src, err := kinesisapi.NewSource(ctx, c, name)
		if err != nil {
			return 0, 0, 0, err
		}
		ids, err := src.Shards(ctx)
		if err != nil {
			return 0, 0, 0, err
		}
		n := 0
		start, p0, n0 := time.Now(), processCPU(), nodeTime(k)
		for _, id := range ids {
			after := ""
			for n < 5000 {
				recs, _, err := src.Read(ctx, id, after, limit)
				if err != nil {
					return 0, 0, 0, err
				}
				if len(recs) == 0 {
					break
				}
				n += len(recs)
				after = recs[len(recs)-1].SequenceNumber
			}
		}
		if n == 0 {
			return 0, 0, 0, nil
		}
		d := time.Duration(n)
		walls = append(walls, time.Since(start)/d)
		gos = append(gos, (processCPU()-p0)/d)
		nodes = append(nodes, (nodeTime(k)-n0)/d)
	}
	return median(walls), median(gos), median(nodes), nil
}

// emulatorCost is the mapping's own time per record (reading an in-memory
// stream, batching, building events) with a handler that does nothing.
func emulatorCost(ctx context.Context, load gen.Config, batch int) (time.Duration, error) {
	s, err := esm.NewStream(esm.StreamConfig{Shards: 1})
	if err != nil {
		return 0, err
	}
	recs, _, err := generate(load)
	if err != nil {
		return 0, err
	}
	for _, r := range recs {
		if _, err := s.Put(r.PartitionKey, r.Data); err != nil && !errors.Is(err, esm.ErrInvalidRecord) {
			return 0, fmt.Errorf("bench: %w", err)
		}
	}
	cfg := esm.DefaultConfig()
	cfg.BatchSize, cfg.MaximumBatchingWindow = batch, 0
	m := esm.Mapping{Source: s, Config: cfg, Handler: func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
		return events.KinesisEventResponse{}, nil
	}}
	start := time.Now()
	if _, err := m.Run(ctx); err != nil {
		return 0, err
	}
	return time.Since(start) / time.Duration(s.Len()), nil
}

// WriteE2ETable prints the grid.
func WriteE2ETable(w io.Writer, cells []capacity.Measured) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "N\tP\trecords\tseconds\trecords/s\tpredicted\terror\tbound\tmax iterator age\tpredicted\tcores free\tread CPU go+node\tCPU/record go+node (gc)\tstages/record\tDB/batch\t")
	worst := 0.0
	for _, m := range cells {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.1f\t%.0f\t%.0f\t%+.0f%%\t%s\t%v\t%v\t%.2f\t%s + %s\t%s + %s (%s)\t%s\t%s\t\n", m.Shards, m.Parallelization, m.Records,
			m.Seconds, m.RecordsPerSec, m.Predicted, 100*m.Error, m.Bound, m.MaxIteratorAge.Round(time.Millisecond), m.PredictedAge.Round(time.Millisecond), m.Cores, us(m.ReadCPU), us(m.SourceCPU),
			us(m.ProcessCPU), us(m.KinesaliteCPU), us(m.GCCPU), us(m.StagesPerRecord), ms(m.DBPerBatch))
		worst = math.Max(worst, math.Abs(m.Error))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "largest prediction error: %.0f%%\n", 100*worst)
	return err
}
