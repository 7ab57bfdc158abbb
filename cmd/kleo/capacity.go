package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kleo-network/kleo-stream/internal/bench"
	"github.com/kleo-network/kleo-stream/internal/capacity"
)

// runCapacity evaluates the capacity model for one deployment and prints the
// shards × memory × parallelization table; with -docs it also writes the
// chart and docs/capacity.md.
func runCapacity(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("capacity", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var (
		profile   = fl.String("profile", ".kleo/bench.json", "kleo bench profile giving the default costs (measured now if missing)")
		shards    = fl.Int("shards", 2, "shards of the stream")
		memory    = fl.Int("memory", 1769, "Lambda memory in MB (1,769 MB = 1 vCPU)")
		parallel  = fl.Int("parallel", 1, "ParallelizationFactor (1..10)")
		batch     = fl.Int("batch", 100, "BatchSize")
		window    = fl.Duration("window", time.Second, "MaximumBatchingWindow")
		dbLatency = fl.Duration("db-latency", 0, "database round-trip time (default: the profile's, per round trip)")
		trips     = fl.Int("round-trips", 4, "database round trips per batch (dead letters, watermarks, history, users)")
		dbPer     = fl.Duration("db-per-record", -1, "database write time each record adds to a batch (default: the profile's)")
		cpu       = fl.Duration("cpu-per-record", 0, "handler CPU per record at 1 vCPU (default: the profile's fit at -record-bytes)")
		overhead  = fl.Duration("invoke-overhead", 10*time.Millisecond, "time per batch outside the handler (polling, invoke; not billed)")
		recBytes  = fl.Float64("record-bytes", 2048, "mean record size in bytes")
		incoming  = fl.Float64("incoming", 0, "producers' records/s (0: as many as the shards accept)")
		gbs       = fl.Float64("price-gb-s", capacity.ARM64Prices.GBSecond, "Lambda $ per GB-second (arm64)")
		perM      = fl.Float64("price-requests", capacity.ARM64Prices.PerRequest*1e6, "Lambda $ per million requests")
		gShards   = fl.String("grid-shards", "1,2,4,8", "table: shard counts")
		gMemory   = fl.String("grid-memory", "512,1024,1769,3008", "table: memory sizes in MB")
		gParallel = fl.String("grid-parallel", "1,2,5,10", "table: parallelization factors")
		docs      = fl.String("docs", "", "write capacity.md and capacity.svg into this directory")
		e2e       = fl.String("e2e", ".kleo/e2e.json", "end-to-end results (make bench-e2e) to include in -docs")
	)
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	prof, err := bench.Load(*profile)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "no profile at %s: measuring one now (kleo bench -reps 3)\n", *profile)
		if err := runBench(ctx, []string{"-reps", "3", "-out", *profile}, stdin, io.Discard, io.Discard); err != nil {
			return err
		}
		prof, err = bench.Load(*profile)
	}
	if err != nil {
		return err
	}
	p := capacity.Params{
		Shards: *shards, MemoryMB: *memory, Parallelization: *parallel, BatchSize: *batch, Window: *window,
		CPUPerRecord: *cpu, DBLatency: *dbLatency, RoundTrips: *trips, DBPerRecord: *dbPer,
		InvokeOverhead: *overhead, RecordBytes: *recBytes, Incoming: *incoming,
		Prices: capacity.Prices{GBSecond: *gbs, PerRequest: *perM / 1e6},
	}
	if p.CPUPerRecord == 0 {
		p.CPUPerRecord = prof.Fit.CPUPerRecord(*recBytes)
	}
	if p.DBLatency == 0 && prof.Fit.RoundTrips > 0 {
		p.DBLatency = (prof.Fit.DBFixed / time.Duration(prof.Fit.RoundTrips)).Round(time.Microsecond)
	}
	if p.DBPerRecord < 0 {
		p.DBPerRecord = prof.Fit.DBPerRecord.Round(100 * time.Nanosecond)
	}
	p.CPUPerRecord = p.CPUPerRecord.Round(100 * time.Nanosecond)
	r, err := capacity.Model(p)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	fmt.Fprintf(stdout, "costs: handler %v CPU per %.0f B record at 1 vCPU; database %v per round trip × %d + %v per record; invoke overhead %v\n",
		p.CPUPerRecord, p.RecordBytes, p.DBLatency, p.RoundTrips, p.DBPerRecord, p.InvokeOverhead)
	fmt.Fprintf(stdout, "       (profile %s, measured %s on %d CPUs, %s store)\n\n", *profile, prof.Machine.At.Format(time.RFC3339), prof.Machine.CPUs, prof.Machine.Store)
	writeResult(stdout, p, r)

	sh, err1 := ints(*gShards)
	mem, err2 := ints(*gMemory)
	par, err3 := ints(*gParallel)
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	cells, err := capacity.Grid(p, sh, mem, par)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	fmt.Fprintf(stdout, "\nsustainable records/s by shards × memory × parallelization (batch %d, %v per round trip, %.0f B records)\n", p.BatchSize, p.DBLatency, p.RecordBytes)
	fmt.Fprintln(stdout, "bound: F function, W shard write limit, R shard read limit; (what the functions alone could consume)")
	if err := capacity.WriteTable(stdout, cells, false); err != nil {
		return err
	}
	if *docs == "" {
		return nil
	}
	var runs []capacity.Measured
	if b, err := os.ReadFile(*e2e); err == nil {
		if err := json.Unmarshal(b, &runs); err != nil {
			return fmt.Errorf("%s: %w", *e2e, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var table strings.Builder
	if err := prof.WriteTable(&table); err != nil {
		return err
	}
	if err := writeDocs(*docs, capacity.Doc{Params: p, Cells: cells, Profile: table.String(), E2E: runs}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s and %s\n", filepath.Join(*docs, "capacity.md"), filepath.Join(*docs, "capacity.svg"))
	return nil
}

// writeDocs writes capacity.svg and capacity.md into dir.
func writeDocs(dir string, d capacity.Doc) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var svg, md bytes.Buffer
	if err := capacity.WriteSVG(&svg, d.Cells, fmt.Sprintf("Records/s the functions can consume (batch %d, %v per DB trip)", d.Params.BatchSize, d.Params.DBLatency)); err != nil {
		return err
	}
	if err := capacity.WriteDoc(&md, d); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "capacity.svg"), svg.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "capacity.md"), md.Bytes(), 0o644)
}

func writeResult(w io.Writer, p capacity.Params, r capacity.Result) {
	fmt.Fprintf(w, "deployment: %d shards, %d MB (%.2f vCPU, an invocation runs at %.2f of one), P=%d, batch %d, window %v\n",
		p.Shards, p.MemoryMB, r.VCPU, r.Speed, p.Parallelization, p.BatchSize, p.Window)
	fmt.Fprintf(w, "  batch time          %v for %.0f records (billed %v)\n", r.BatchTime.Round(10*time.Microsecond), r.Batch, r.Billed.Round(10*time.Microsecond))
	fmt.Fprintf(w, "  consumer capacity   %.0f records/s (bound: %s)\n", r.Capacity, r.CapacityBound)
	fmt.Fprintf(w, "  shard write limit   %.0f records/s\n", r.WriteLimit)
	fmt.Fprintf(w, "  sustainable         %.0f records/s (bound: %s)\n", r.Sustainable, r.Bound)
	if p.Incoming > 0 {
		fmt.Fprintf(w, "  write headroom      %.0f%% of records/s, %.0f%% of bytes/s\n", 100*r.WriteHeadroomRecords, 100*r.WriteHeadroomBytes)
		if min(r.WriteHeadroomRecords, r.WriteHeadroomBytes) < 0 {
			fmt.Fprintf(w, "                      producers are THROTTLED above %.0f records/s: add shards\n", r.WriteLimit)
		}
		fmt.Fprintf(w, "  utilization         %.0f%%\n", 100*r.Utilization)
	}
	if r.Growing {
		fmt.Fprintf(w, "  iterator age        GROWING by %.2f s per second: the consumer cannot keep up\n", r.AgeGrowth)
	} else {
		fmt.Fprintf(w, "  iterator age        ≈ %v\n", r.IteratorAge.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "  concurrency         %d executions\n", r.Concurrency)
	fmt.Fprintf(w, "  cost                $%.4f per million records (%.0f invocations, %.1f GB-s)\n", r.CostPerMillion, r.InvocationsPerMillion, r.GBSecondsPerMillion)
}
