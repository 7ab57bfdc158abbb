package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"runtime"
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
	var entries []kinesisapi.Entry
	var bytes float64
	err = gen.Each(gen.Config{
		Users: cfg.Users, ItemsPerUser: cfg.Records / cfg.Users, Seed: 7,
		PIIRate: piiRate, MalformedRate: malformedRate, DuplicateRate: duplicateRate,
		SummaryMin: 200, SummaryMax: 20000,
	}, func(r gen.Record) error {
		if len(r.Data) > 1<<20 {
			return nil // PutRecords refuses records over 1 MiB
		}
		entries = append(entries, kinesisapi.Entry{PartitionKey: r.PartitionKey, Data: r.Data})
		bytes += float64(len(r.Data))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench: generating records: %w", err)
	}
	meanBytes := bytes / float64(len(entries))
	emu, err := emulatorCost(ctx, entries, cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Log, "e2e: %d records of %.0f B on average; emulator %v per record\n", len(entries), meanBytes, emu)

	var out []capacity.Measured
	for _, n := range cfg.Shards {
		for _, p := range cfg.Parallel {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			m, err := cell(ctx, cfg, n, p, entries, scrubber, model)
			if err != nil {
				return out, fmt.Errorf("bench: cell N=%d P=%d: %w", n, p, err)
			}
			m.RecordBytes = meanBytes
			predict(&m, cfg, emu)
			fmt.Fprintf(cfg.Log, "e2e: N=%d P=%d  %6.0f records/s (predicted %6.0f, %+.0f%%, %s)  max iterator age %v\n",
				n, p, m.RecordsPerSec, m.Predicted, 100*m.Error, m.Bound, m.MaxIteratorAge.Round(time.Millisecond))
			out = append(out, m)
		}
	}
	return out, nil
}

func cell(ctx context.Context, cfg E2EConfig, n, p int, entries []kinesisapi.Entry, s processor.Scrubber, c classify.Classifier) (capacity.Measured, error) {
	m := capacity.Measured{Shards: n, Parallelization: p, Records: len(entries)}
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
	if err := kinesisapi.Put(ctx, client, name, entries); err != nil {
		return m, err
	}
	var opts []embedded.Option
	if cfg.NoSync {
		opts = append(opts, embedded.NoSync())
	}
	st, err := embedded.Open(ctx, filepath.Join(cfg.Dir, fmt.Sprintf("n%d-p%d", n, p)), opts...)
	if err != nil {
		return m, err
	}
	defer st.Close(context.Background())
	proc := processor.New(st, s, c, processor.Options{Logger: slog.New(slog.DiscardHandler)})
	src, err := kinesisapi.NewSource(ctx, client, name)
	if err != nil {
		return m, err
	}
	mc := esm.DefaultConfig()
	mc.BatchSize, mc.ParallelizationFactor, mc.MaximumBatchingWindow = cfg.BatchSize, p, 0
	mp := esm.Mapping{Source: src, Handler: proc.Handle, Config: mc, PollInterval: 100 * time.Millisecond}

	cores := freeCores()
	start := time.Now()
	stats, err := mp.Run(ctx)
	took := time.Since(start)
	if err != nil {
		return m, err
	}
	cores = (cores + freeCores()) / 2
	if done := stats.RecordsSucceeded + stats.RecordsDiscarded; done != int64(len(entries)) {
		return m, fmt.Errorf("%d of %d records finished", done, len(entries))
	}
	m.Seconds = took.Seconds()
	m.RecordsPerSec = float64(len(entries)) / took.Seconds()
	m.Invocations = stats.Invocations
	for _, a := range stats.MaxIteratorAge {
		m.MaxIteratorAge = max(m.MaxIteratorAge, a)
	}
	m.Cores = cores
	m.ReadPerRecord, err = readCost(ctx, client, name, cfg.BatchSize*(p+1))
	return m, err
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
		Host:           &capacity.Host{Cores: m.Cores, ReadPerRecord: m.ReadPerRecord, SerialWrites: true},
	})
	if err != nil {
		m.Bound = capacity.Bound(err.Error())
		return
	}
	m.Predicted, m.Bound = r.Sustainable, r.Bound
	m.Error = (m.Predicted - m.RecordsPerSec) / m.RecordsPerSec
}

// readCost reads the whole stream again, one shard after the other, in
// pages of limit records, and returns the time per record: kinesalite's
// work and the SDK's decoding, on one reader.
func readCost(ctx context.Context, c kinesisapi.API, name string, limit int) (time.Duration, error) {
	src, err := kinesisapi.NewSource(ctx, c, name)
	if err != nil {
		return 0, err
	}
	ids, err := src.Shards(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	start := time.Now()
	for _, id := range ids {
		after := ""
		for {
			recs, _, err := src.Read(ctx, id, after, limit)
			if err != nil {
				return 0, err
			}
			if len(recs) == 0 {
				break
			}
			n += len(recs)
			after = recs[len(recs)-1].SequenceNumber
		}
	}
	if n == 0 {
		return 0, nil
	}
	return time.Since(start) / time.Duration(n), nil
}

// emulatorCost is the mapping's own time per record (reading an in-memory
// stream, batching, building events) with a handler that does nothing.
func emulatorCost(ctx context.Context, entries []kinesisapi.Entry, batch int) (time.Duration, error) {
	s, err := esm.NewStream(esm.StreamConfig{Shards: 1})
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		if _, err := s.Put(e.PartitionKey, e.Data); err != nil {
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
	return time.Since(start) / time.Duration(len(entries)), nil
}

// freeCores estimates how many of the machine's CPUs are free right now
// (other processes share them): the speed-up of running the same work on
// every CPU at once over running it on one, median of three.
func freeCores() float64 {
	work := func() {
		buf := make([]byte, 4096)
		for range 3000 {
			sum := sha256.Sum256(buf)
			buf[0] = sum[0]
		}
	}
	n := runtime.NumCPU()
	var est []float64
	for range 3 {
		t := time.Now()
		work()
		one := time.Since(t)
		t = time.Now()
		var wg sync.WaitGroup
		for range n {
			wg.Go(work)
		}
		wg.Wait()
		all := time.Since(t)
		est = append(est, math.Min(float64(n), float64(n)*one.Seconds()/all.Seconds()))
	}
	return median(est)
}

// WriteE2ETable prints the grid.
func WriteE2ETable(w io.Writer, ms []capacity.Measured) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "N\tP\trecords\tseconds\trecords/s\tpredicted\terror\tbound\tmax iterator age\tcores free\tread/record\t")
	worst := 0.0
	for _, m := range ms {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.1f\t%.0f\t%.0f\t%+.0f%%\t%s\t%v\t%.2f\t%s\t\n", m.Shards, m.Parallelization, m.Records,
			m.Seconds, m.RecordsPerSec, m.Predicted, 100*m.Error, m.Bound, m.MaxIteratorAge.Round(time.Millisecond), m.Cores, us(m.ReadPerRecord))
		worst = math.Max(worst, math.Abs(m.Error))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "largest prediction error: %.0f%%\n", 100*worst)
	return err
}
