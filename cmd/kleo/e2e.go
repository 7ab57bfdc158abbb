package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kleo-network/kleo-stream/internal/bench"
	"github.com/kleo-network/kleo-stream/internal/kinesisapi"
)

// e2eFlags are `kleo bench -e2e`'s settings.
type e2eFlags struct {
	shards, parallel *string
	records, batch   *int
	reps             *int
	profile, out     *string
}

func (e *e2eFlags) register(fs *flag.FlagSet) {
	e.shards = fs.String("shards", "1,2,4", "-e2e: shard counts N of the grid")
	e.parallel = fs.String("parallel", "1,2,4", "-e2e: parallelization factors P of the grid")
	e.records = fs.Int("e2e-records", 20000, "-e2e: records per cell")
	e.batch = fs.Int("batch", 100, "-e2e: BatchSize")
	e.reps = fs.Int("e2e-reps", 3, "-e2e: drains of each cell (the median is reported)")
	e.profile = fs.String("profile", ".kleo/bench.json", "-e2e: bench profile for the predictions (measured first if missing)")
	e.out = fs.String("e2e-out", ".kleo/e2e.json", "-e2e: where the results go")
}

// runE2E runs the kinesalite grid and writes its results for
// `kleo capacity -docs`.
func runE2E(ctx context.Context, f e2eFlags, nosync bool, stdout, stderr io.Writer) error {
	sh, err1 := ints(*f.shards)
	par, err2 := ints(*f.parallel)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	nm, err := kinesisapi.FindNodeModules(".")
	if err != nil {
		return err
	}
	prof, err := bench.Load(*f.profile)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "no profile at %s: measuring one now (kleo bench)\n", *f.profile)
		if err := runBench(ctx, []string{"-out", *f.profile}, nil, io.Discard, io.Discard); err != nil {
			return err
		}
		prof, err = bench.Load(*f.profile)
	}
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "kleo-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ms, err := bench.RunE2E(ctx, bench.E2EConfig{NodeModules: nm, Dir: dir, Shards: sh, Parallel: par,
		Records: *f.records, Reps: *f.reps, BatchSize: *f.batch, Profile: prof, NoSync: nosync, Log: stderr})
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(ms, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*f.out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(*f.out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := bench.WriteE2ETable(stdout, ms); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "results written to %s (kleo capacity -docs docs puts them in docs/capacity.md)\n", *f.out)
	return nil
}
