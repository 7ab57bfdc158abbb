package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

// runSoak pushes a large generated stream through the emulator and the real
// handler into the embedded store, in chunks so the stream never holds more
// than one chunk, then checks the books against the generator's ground truth
// and reports throughput, peak RSS and goroutines.
func runSoak(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		users    = fs.Int("users", 1000, "users")
		items    = fs.Int("items", 1000, "items per user (records = users × items)")
		chunk    = fs.Int("chunk", 100_000, "records put into the stream between drains")
		shards   = fs.Int("shards", 4, "shards")
		parallel = fs.Int("parallel", 2, "ParallelizationFactor")
		batch    = fs.Int("batch", 100, "BatchSize")
		dir      = fs.String("dir", ".kleo/soak", "embedded store directory (emptied first)")
		fsyncOn  = fs.Bool("fsync", false, "fsync every write transaction (slower; the default skips it for a throwaway store)")
	)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	goroutinesBefore := runtime.NumGoroutine()
	if err := os.RemoveAll(*dir); err != nil {
		return err
	}
	var opts []embedded.Option
	if !*fsyncOn {
		opts = append(opts, embedded.NoSync())
	}
	st, err := embedded.Open(ctx, *dir, opts...)
	if err != nil {
		return err
	}
	model, err := classify.Load()
	if err != nil {
		st.Close(ctx)
		return err
	}
	obs := &soakTally{}
	proc := processor.New(st, pii.New(), model, processor.Options{Observer: obs})

	// Ground truth from the generator.
	type truth struct{ items, bytes int64 }
	want := map[string]*truth{}
	seen := map[string]bool{}
	var malformed, rejected, total int64

	cfg := esm.DefaultConfig()
	cfg.BatchSize, cfg.ParallelizationFactor, cfg.MaximumBatchingWindow = *batch, *parallel, 0
	positions := map[string]string{}
	var stats esm.Stats
	var stream *esm.Stream
	// Kleo's backend creates a user at sign-up, before the history streams:
	// each chunk's new wallets sign up before the chunk is drained.
	var signUps []bson.M
	drain := func() error {
		if len(signUps) > 0 {
			if err := st.InsertUsers(ctx, signUps); err != nil {
				return err
			}
			signUps = signUps[:0]
		}
		m := esm.Mapping{Source: stream, Handler: proc.Handle, Config: cfg, StartingPositions: positions,
			Checkpoint: func(shard, seq string) { stream.Trim(shard, seq) }, PollInterval: 10 * time.Millisecond}
		s, err := m.Run(ctx)
		if err != nil {
			return err
		}
		positions = s.Checkpoints
		stats.Invocations += s.Invocations
		stats.BatchesFailed += s.BatchesFailed
		stats.DiscardedBatches += s.DiscardedBatches
		return nil
	}
	if stream, err = esm.NewStream(esm.StreamConfig{Shards: *shards}); err != nil {
		return err
	}
	start := time.Now()
	inChunk := 0
	err = gen.Each(gen.Config{Users: *users, ItemsPerUser: *items, Seed: 7, PIIRate: 0.1, MalformedRate: 0.002, DuplicateRate: 0.002},
		func(r gen.Record) error {
			if _, err := stream.Put(r.PartitionKey, r.Data); err != nil {
				if errors.Is(err, esm.ErrInvalidRecord) {
					rejected++
					return nil
				}
				return err
			}
			total++
			switch {
			case r.Malformed:
				malformed++
			case !seen[r.ID]:
				seen[r.ID] = true
				t := want[r.Address]
				if t == nil {
					t = &truth{}
					want[r.Address] = t
					signUps = append(signUps, bson.M{"address": eip55.Checksum(r.Address), "kleo_points": int32(0),
						"total_data_quantity": int32(0), "milestones": bson.M{"data_owned": int32(0)}, "activity_json": bson.M{}})
				}
				t.items++
				t.bytes += int64(len(r.Data))
			}
			if inChunk++; inChunk == *chunk {
				inChunk = 0
				fmt.Fprintf(stderr, "\rsoak: %d records", total)
				return drain()
			}
			return nil
		})
	if err == nil {
		err = drain()
	}
	took := time.Since(start)
	fmt.Fprintln(stderr)
	if err != nil {
		st.Close(ctx)
		return err
	}
	peak := peakRSS()

	// The books: every user's counters equal the ground truth.
	var bad []string
	var counted int64
	d, err := st.Dump(ctx)
	if err != nil {
		st.Close(ctx)
		return err
	}
	for _, u := range d.Users {
		addr := strings.ToLower(fmt.Sprint(u["address"]))
		t := want[addr]
		if t == nil {
			bad = append(bad, addr+": a user the stream does not name")
			continue
		}
		var items int64
		switch acts := u["activity_json"].(type) {
		case bson.D:
			for _, e := range acts {
				items += asInt(e.Value)
			}
		case bson.M:
			for _, v := range acts {
				items += asInt(v)
			}
		}
		counted += items
		if got := asInt(u["total_data_quantity"]); items != t.items || got != t.bytes {
			bad = append(bad, fmt.Sprintf("%s: items %d bytes %d, want %d %d", addr, items, got, t.items, t.bytes))
		}
	}
	if len(d.Users) != len(want) {
		bad = append(bad, fmt.Sprintf("%d users, want %d", len(d.Users), len(want)))
	}
	if int64(len(d.Ledger)) != int64(len(seen)) {
		bad = append(bad, fmt.Sprintf("%d ledger entries, want %d", len(d.Ledger), len(seen)))
	}
	obs.mu.Lock()
	deadLettered := obs.dead
	obs.mu.Unlock()
	if deadLettered != malformed {
		bad = append(bad, fmt.Sprintf("dead letters %d, want %d", deadLettered, malformed))
	}
	if err := st.Close(ctx); err != nil {
		return err
	}
	runtime.GC()
	time.Sleep(100 * time.Millisecond) // let finished lanes' goroutines exit
	goroutinesAfter := runtime.NumGoroutine()

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "records\t%d (%d users × %d items; %d rejected by PutRecord)\n", total, *users, *items, rejected)
	fmt.Fprintf(tw, "records/s\t%.0f (%v)\n", float64(total)/took.Seconds(), took.Round(time.Second))
	fmt.Fprintf(tw, "invocations\t%d (failed %d, discarded batches %d)\n", stats.Invocations, stats.BatchesFailed, stats.DiscardedBatches)
	fmt.Fprintf(tw, "peak RSS\t%s\n", peak)
	fmt.Fprintf(tw, "goroutines\t%d before, %d after\n", goroutinesBefore, goroutinesAfter)
	fmt.Fprintf(tw, "books\t%d users, %d items counted, %d dead letters\n", len(want), counted, deadLettered)
	tw.Flush()
	if len(bad) > 0 {
		return fmt.Errorf("the books are wrong (%d problems), first: %s", len(bad), bad[0])
	}
	if goroutinesAfter > goroutinesBefore+2 {
		return fmt.Errorf("goroutine leak: %d before, %d after", goroutinesBefore, goroutinesAfter)
	}
	fmt.Fprintln(stdout, "books exact, no goroutine leak")
	return nil
}

// soakTally counts dead letters across invocations; with no failures
// injected each record is delivered once, so the sum is exact.
type soakTally struct {
	mu   sync.Mutex
	dead int64
}

func (t *soakTally) Observe(_ context.Context, r processor.Report) {
	t.mu.Lock()
	t.dead += int64(r.DeadLettered)
	t.mu.Unlock()
}

func asInt(v any) int64 {
	switch n := v.(type) {
	case int32:
		return int64(n)
	case int64:
		return n
	}
	return -1
}

// peakRSS reads the process's resident-set high-water mark (Linux).
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
