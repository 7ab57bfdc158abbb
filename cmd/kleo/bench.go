package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kleo-network/kleo-stream/internal/bench"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
)

// runBench measures per-stage and per-batch costs on this machine and writes
// the profile `kleo capacity` reads; with -e2e it runs the kinesalite grid.
func runBench(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		out     = fs.String("out", ".kleo/bench.json", "where the JSON profile goes")
		reps    = fs.Int("reps", 7, "repetitions of each measurement (medians are reported)")
		records = fs.Int("records", 1000, "records per repetition of each size bucket")
		batches = fs.String("batches", "10,50,100,500,1000", "batch sizes of the database measurements")
		fill    = fs.Int("db-fill", 10000, "history items written to the store before the database measurements")
		nosync  = fs.Bool("nosync", false, "embedded store without fsync (the default syncs, as kleo run does)")
		e2e     = fs.Bool("e2e", false, "run the end-to-end grid against kinesalite instead (see -shards, -parallel)")
		e2eOpts e2eFlags
	)
	e2eOpts.register(fs)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *e2e {
		return runE2E(ctx, e2eOpts, *nosync, stdout, stderr)
	}
	sizes, err := ints(*batches)
	if err != nil {
		return err
	}
	uri := os.Getenv("MONGODB_URI")
	kind := "embedded"
	if uri != "" {
		kind = "mongodb"
	}
	tmp, err := os.MkdirTemp("", "kleo-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	open := func(ctx context.Context) (store.Store, error) {
		return dial.Open(ctx, dial.Config{URI: uri, Database: envOr("MONGODB_DATABASE", "kleo_bench"),
			Dir: tmp, Timeout: 5 * time.Second, NoSync: *nosync})
	}
	start := time.Now()
	p, err := bench.Run(ctx, bench.Config{Reps: *reps, Records: *records, BatchSizes: sizes, DBFill: *fill,
		OpenStore: open, StoreKind: kind, Log: stderr})
	if err != nil {
		return err
	}
	if err := p.Save(*out); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := p.WriteTable(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "profile written to %s (%v)\n", *out, time.Since(start).Round(time.Second))
	return nil
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%w: %q is not a list of positive integers", errUsage, s)
		}
		out = append(out, n)
	}
	return out, nil
}
