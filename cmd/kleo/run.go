package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/redrive"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
)

// runRun plays Kleo's production on a fresh store: it seeds users as Kleo's
// backend creates them and history as its save-history endpoint writes it,
// streams the documents as the trigger would through the event source
// mapping emulator into the real handler (partition keys in both spellings,
// parallel lanes, a batch discarded after its retries and re-driven at the
// end, records of a user who signs up later, producer duplicates, malformed
// records), then checks the books against the generator's ground truth and
// that a second delivery of the whole stream changes nothing.
func runRun(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o runOptions
	fs.IntVar(&o.users, "users", 100, "Kleo users that exist when the stream starts")
	fs.IntVar(&o.late, "late", 1, "users whose history streams before they sign up")
	fs.IntVar(&o.items, "items", 100, "history items per user")
	fs.Int64Var(&o.seed, "seed", 1, "generator seed")
	fs.Float64Var(&o.pii, "pii", 0.15, "fraction of items carrying PII")
	fs.Float64Var(&o.malformed, "malformed", 0.005, "fraction of records that are malformed")
	fs.Float64Var(&o.duplicates, "duplicates", 0.005, "fraction of items the producer sends twice")
	fs.IntVar(&o.shards, "shards", 2, "shards of the local stream")
	fs.IntVar(&o.batch, "batch", 100, "BatchSize of the event source mapping")
	fs.IntVar(&o.parallel, "parallel", 3, "ParallelizationFactor (lanes per shard)")
	fs.BoolVar(&o.discard, "discard", true, "fail one batch on every attempt so the mapping discards it, and re-drive it at the end")
	fs.StringVar(&o.dir, "dir", ".kleo/data", "embedded store directory (emptied first)")
	fs.BoolVar(&o.replay, "replay", true, "deliver the whole stream a second time and check that nothing Kleo sees changes")
	archiveOn := fs.Bool("archive", true, "then archive full 50-item batches to a local target (arlocal if node is there) and verify a chain")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress bar")
	fs.StringVar(&o.logFile, "log", ".kleo/run.log", "where the handler's JSON logs go")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	st, rep, err := play(ctx, o, stderr)
	if st != nil {
		defer st.Close(context.Background())
	}
	if err != nil {
		return err
	}
	if err := rep.write(stdout); err != nil {
		return err
	}
	if *archiveOn {
		return runArchiveStep(ctx, st, o.dir, stdout, stderr)
	}
	return nil
}

// runOptions are the flags of `kleo run`.
type runOptions struct {
	users, late, items         int
	seed                       int64
	pii, malformed, duplicates float64
	shards, batch, parallel    int
	discard, replay, quiet     bool
	dir, logFile               string
}

// play runs everything but the archiver and returns the open store and the
// report; the progress bars go to stderr.
func play(ctx context.Context, o runOptions, stderr io.Writer) (store.Store, *report, error) {
	// The run plays Kleo's backend and inserts users and history: never into
	// Kleo's production database by default.
	uri, database := os.Getenv("MONGODB_URI"), os.Getenv("MONGODB_DATABASE")
	if uri != "" && (database == "" || database == "Kleo") {
		return nil, nil, fmt.Errorf("%w: kleo run seeds users and history; with MONGODB_URI set MONGODB_DATABASE to a scratch database (not Kleo)", errUsage)
	}
	if uri == "" {
		if err := os.RemoveAll(o.dir); err != nil {
			return nil, nil, err
		}
	}
	st, err := dial.Open(ctx, dial.Config{URI: uri, Database: database, Dir: o.dir, Timeout: 5 * time.Second, NoSync: uri == ""})
	if err != nil {
		return nil, nil, err
	}
	rep, err := playOn(ctx, st, o, stderr)
	return st, rep, err
}

func playOn(ctx context.Context, st store.Store, o runOptions, stderr io.Writer) (*report, error) {
	seeder, ok := st.(store.Seeder)
	if !ok {
		return nil, fmt.Errorf("store %T cannot seed Kleo's documents", st)
	}

	genStart := time.Now()
	prod, err := gen.Kleo(gen.KleoConfig{Late: o.late, Config: gen.Config{
		Users: o.users, ItemsPerUser: o.items, Seed: o.seed,
		PIIRate: o.pii, MalformedRate: o.malformed, DuplicateRate: o.duplicates,
	}})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	// Kleo's backend and save-history wrote these before the trigger fired.
	if err := insertAll(ctx, seeder.InsertUsers, prod.Users); err != nil {
		return nil, fmt.Errorf("seeding users: %w", err)
	}
	if err := insertAll(ctx, seeder.InsertHistory, prod.History); err != nil {
		return nil, fmt.Errorf("seeding history: %w", err)
	}
	seeded, err := st.Dump(ctx)
	if err != nil {
		return nil, err
	}

	stream, err := esm.NewStream(esm.StreamConfig{Shards: o.shards})
	if err != nil {
		return nil, err
	}
	rejected := 0
	for _, r := range prod.Records {
		if _, err := stream.Put(r.PartitionKey, r.Data); err != nil {
			if errors.Is(err, esm.ErrInvalidRecord) {
				rejected++ // PutRecord refuses it: it never reaches the processor
				continue
			}
			return nil, err
		}
	}
	genTook := time.Since(genStart)

	if err := os.MkdirAll(filepath.Dir(o.logFile), 0o755); err != nil {
		return nil, err
	}
	lf, err := os.Create(o.logFile)
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	model, err := classify.Load()
	if err != nil {
		return nil, err
	}
	var tally tally
	proc := processor.New(st, pii.New(), model, processor.Options{
		Logger:   slog.New(slog.NewJSONHandler(lf, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Observer: &tally,
	})

	mcfg := esm.DefaultConfig()
	mcfg.BatchSize = o.batch
	mcfg.ParallelizationFactor = o.parallel
	mcfg.MaximumBatchingWindow = 0
	var failures []esm.OnFailureRecord
	deliver := func(label string, before func(context.Context, *esm.Invocation) error) (esm.Stats, time.Duration, error) {
		var bar *progressbar.ProgressBar
		if !o.quiet {
			bar = progressbar.NewOptions(stream.Len(), progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription(label), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("rec"), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
		}
		m := esm.Mapping{
			Source: stream, Handler: proc.Handle, Config: mcfg, BeforeInvoke: before,
			OnFailure: func(r esm.OnFailureRecord) { failures = append(failures, r) },
			Progress: func(n int) {
				if bar != nil {
					bar.Add(n)
				}
			},
		}
		start := time.Now()
		stats, err := m.Run(ctx)
		return stats, time.Since(start), err
	}

	// 1. The stream, with one batch whose every attempt fails.
	var doomed *doom
	var before func(context.Context, *esm.Invocation) error
	if o.discard {
		doomed = &doom{shard: esm.ShardID(o.shards - 1), lane: min(1, o.parallel-1), nth: 1}
		before = doomed.before
	}
	var tallies [4]processor.Report
	stats, took, err := deliver("processing", before)
	if err != nil {
		return nil, err
	}
	tallies[0] = tally.snapshot()

	// 2. The discarded records, re-read from the stream by sequence range,
	// through the operator's re-drive.
	run := &redrive.Runner{Handle: proc.Handle, Store: st, Apply: true}
	if !o.quiet {
		run.Progress = stderr
	}
	tally.forward(run)
	redriveStart := time.Now()
	rd, err := redriveDiscarded(ctx, stream, run, failures)
	if err != nil {
		return nil, err
	}
	redriveTook := time.Since(redriveStart)
	tallies[1] = tally.snapshot()

	// 3. The late users sign up, and the operator re-drives the dead
	// letters of records whose user did not exist: counted now. (The poison
	// user's letters stay open: its document still cannot take the update.)
	if err := insertAll(ctx, seeder.InsertUsers, prod.Late); err != nil {
		return nil, fmt.Errorf("signing up the late users: %w", err)
	}
	lettersStart := time.Now()
	rl, err := run.Letters(ctx, store.LetterQuery{Reason: processor.ReasonUnknownUser})
	if err != nil {
		return nil, err
	}
	lettersTook := time.Since(lettersStart)
	tally.forward(nil)
	tallies[2] = tally.snapshot()

	// 4. The whole stream again: nothing Kleo sees may change.
	replayNote := "not run (-replay=false)"
	if o.replay {
		before, err := st.Dump(ctx)
		if err != nil {
			return nil, err
		}
		nFail := len(failures)
		_, replayTook, err := deliver("replaying ", nil)
		if err != nil {
			return nil, err
		}
		after, err := st.Dump(ctx)
		if err != nil {
			return nil, err
		}
		if diff := unchanged(before, after); diff != "" {
			return nil, fmt.Errorf("delivering the stream again changed the books (%s): exactly-once is broken", diff)
		}
		if len(failures) != nFail {
			return nil, fmt.Errorf("the replay discarded %d batches", len(failures)-nFail)
		}
		replayNote = fmt.Sprintf("whole stream delivered again in %v: %d users' Kleo fields, %d ledger entries, dead letters unchanged",
			replayTook.Round(time.Millisecond), len(after.Users), len(after.Ledger))
	}
	tallies[3] = tally.snapshot()

	final, err := st.Dump(ctx)
	if err != nil {
		return nil, err
	}
	return &report{
		prod: prod, seeded: seeded, final: final,
		records: stream.Len(), rejected: rejected, shards: o.shards, lanes: o.parallel, batch: o.batch,
		stats: stats, took: took, genTook: genTook, tallies: tallies,
		failures: failures, doomed: doomed, redrive: rd, redriveTook: redriveTook,
		letters: rl, lettersTook: lettersTook, replayNote: replayNote, logFile: o.logFile,
	}, nil
}

// insertAll writes docs in chunks, as Kleo's backend would over time.
func insertAll[T any](ctx context.Context, insert func(context.Context, []T) error, docs []T) error {
	const chunk = 1000
	for len(docs) > 0 {
		n := min(chunk, len(docs))
		if err := insert(ctx, docs[:n]); err != nil {
			return err
		}
		docs = docs[n:]
	}
	return nil
}

// tally adds up the processor's per-invocation reports.
type tally struct {
	mu  sync.Mutex
	sum processor.Report
	fwd processor.Observer // also gets the reports, when set
}

// forward hands the reports to o too (nil: stop).
func (t *tally) forward(o processor.Observer) {
	t.mu.Lock()
	t.fwd = o
	t.mu.Unlock()
}

func (t *tally) Observe(ctx context.Context, r processor.Report) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fwd != nil {
		t.fwd.Observe(ctx, r)
	}
	t.sum.Add(r)
}

func (t *tally) snapshot() processor.Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.sum
	s.PII, s.Activities = maps.Clone(s.PII), maps.Clone(s.Activities)
	return s
}

// doom fails every delivery of one batch, as a database outage lasting all
// of its retries would: the nth first delivery on the given shard and lane,
// and every retry and bisected half of it. The mapping then discards its
// records.
type doom struct {
	shard string
	lane  int
	nth   int

	mu   sync.Mutex
	seen int
	seqs map[string]bool
	n    int // deliveries failed
}

var errInjected = errors.New("injected: the database was unreachable for every attempt of this batch")

func (d *doom) before(_ context.Context, inv *esm.Invocation) error {
	if len(inv.Event.Records) == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seqs == nil && inv.ShardID == d.shard && inv.Lane == d.lane && inv.Attempt == 0 && !inv.Redelivery {
		if d.seen++; d.seen == d.nth {
			d.seqs = map[string]bool{}
			for _, r := range inv.Event.Records {
				d.seqs[r.Kinesis.SequenceNumber] = true
			}
		}
	}
	if d.seqs[inv.Event.Records[0].Kinesis.SequenceNumber] {
		d.n++
		return errInjected
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
