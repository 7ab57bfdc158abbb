package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/schollz/progressbar/v3"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
)

// runRun is the main job: a stream of history events through the real
// handler, with event-source-mapping semantics, into the embedded store (or
// MONGODB_URI).
func runRun(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		users     = fs.Int("users", 100, "generated users")
		items     = fs.Int("items", 100, "generated items per user")
		seed      = fs.Int64("seed", 1, "generator seed")
		piiRate   = fs.Float64("pii", 0.15, "fraction of generated items carrying PII")
		badRate   = fs.Float64("malformed", 0.005, "fraction of generated records that are malformed")
		dupRate   = fs.Float64("duplicates", 0.005, "fraction of generated items the producer sends twice")
		eventsGlb = fs.String("events", "", "read Kinesis events from these files (glob) instead of generating")
		shards    = fs.Int("shards", 2, "shards of the local stream")
		batch     = fs.Int("batch", 100, "BatchSize of the event source mapping")
		parallel  = fs.Int("parallel", 1, "ParallelizationFactor")
		dir       = fs.String("dir", ".kleo/data", "embedded store directory (emptied first)")
		replay    = fs.Bool("replay", true, "deliver the whole stream a second time and check the user documents do not change")
		archiveOn = fs.Bool("archive", true, "then archive full 50-item batches to a local target (arlocal if node is there) and verify a chain")
		quiet     = fs.Bool("quiet", false, "no progress bar")
		logFile   = fs.String("log", ".kleo/run.log", "where the handler's JSON logs go")
	)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}

	uri := os.Getenv("MONGODB_URI")
	if uri == "" {
		if err := os.RemoveAll(*dir); err != nil {
			return err
		}
	}
	st, err := dial.Open(ctx, dial.Config{URI: uri, Database: envOr("MONGODB_DATABASE", "kleo"), Dir: *dir, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer st.Close(context.Background())

	if err := os.MkdirAll(filepath.Dir(*logFile), 0o755); err != nil {
		return err
	}
	lf, err := os.Create(*logFile)
	if err != nil {
		return err
	}
	defer lf.Close()

	model, err := classify.Load()
	if err != nil {
		return err
	}
	proc := processor.New(st, pii.New(), model, processor.Options{
		Logger: slog.New(slog.NewJSONHandler(lf, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})

	stream, err := esm.NewStream(esm.StreamConfig{Shards: *shards})
	if err != nil {
		return err
	}
	truth := map[string]string{} // document id -> generator's activity
	rejected := 0
	if *eventsGlb != "" {
		if err := putEvents(stream, *eventsGlb); err != nil {
			return err
		}
	} else {
		cfg := gen.Config{Users: *users, ItemsPerUser: *items, Seed: *seed, PIIRate: *piiRate, MalformedRate: *badRate, DuplicateRate: *dupRate}
		err := gen.Each(cfg, func(r gen.Record) error {
			if !r.Malformed && r.ID != "" {
				truth[r.ID] = string(r.Activity)
			}
			if _, err := stream.Put(r.PartitionKey, r.Data); err != nil {
				if errors.Is(err, esm.ErrInvalidRecord) {
					rejected++ // PutRecord would refuse it: it never reaches the processor
					return nil
				}
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
	}

	mcfg := esm.DefaultConfig()
	mcfg.BatchSize = *batch
	mcfg.ParallelizationFactor = *parallel
	mcfg.MaximumBatchingWindow = 0
	var failures []esm.OnFailureRecord
	deliver := func(label string) (esm.Stats, time.Duration, error) {
		var bar *progressbar.ProgressBar
		if !*quiet {
			bar = progressbar.NewOptions(stream.Len(), progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription(label), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("rec"), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
		}
		m := esm.Mapping{
			Source: stream, Handler: proc.Handle, Config: mcfg,
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

	stats, took, err := deliver("processing")
	if err != nil {
		return err
	}
	first, err := st.Dump(ctx)
	if err != nil {
		return err
	}
	replayNote := "not run (-replay=false)"
	if *replay {
		if _, _, err := deliver("replaying "); err != nil {
			return err
		}
		again, err := st.Dump(ctx)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(first.Users, again.Users) || len(first.History) != len(again.History) || len(first.DeadLetters) != len(again.DeadLetters) {
			return fmt.Errorf("replaying the stream changed the books: exactly-once is broken")
		}
		replayNote = fmt.Sprintf("whole stream delivered again: %d user documents, %d history items, %d dead letters unchanged",
			len(again.Users), len(again.History), len(again.DeadLetters))
	}
	if rejected > 0 {
		replayNote += fmt.Sprintf("\nrejected by PutRecord\t%d oversized records never entered the stream", rejected)
	}
	summarize(stdout, stream.Len(), stats, took, first, truth, failures, replayNote, *logFile)
	if *archiveOn {
		return runArchiveStep(ctx, st, *dir, stdout, stderr)
	}
	return nil
}

// putEvents loads Kinesis event files (as `sam local generate-event kinesis
// get-records` writes them) into the stream.
func putEvents(stream *esm.Stream, glob string) error {
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		return fmt.Errorf("%w: -events %q matches no file", errUsage, glob)
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var ev events.KinesisEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for _, r := range ev.Records {
			if _, err := stream.Put(r.Kinesis.PartitionKey, r.Kinesis.Data); err != nil {
				return err
			}
		}
	}
	return nil
}

func summarize(w io.Writer, records int, stats esm.Stats, took time.Duration, d store.Dump, truth map[string]string, failures []esm.OnFailureRecord, replayNote, logFile string) {
	var processed, points, bytes, piiRemoved int64
	acts := map[string]int64{}
	for _, u := range d.Users {
		processed += u.ItemsProcessed
		points += u.KleoPoints
		bytes += u.TotalDataQuantity
		piiRemoved += u.PIIRemovedCount
		for a, n := range u.ActivityJSON {
			acts[a] += n
		}
	}
	piiByType := map[string]int64{}
	agree, labelled, low := 0, 0, 0
	for _, h := range d.History {
		for t, n := range h.PII {
			piiByType[t] += n
		}
		if h.LowConfidence {
			low++
		}
		if want, ok := truth[h.ID]; ok {
			labelled++
			if want == h.Activity {
				agree++
			}
		}
	}
	reasons := map[string]int{}
	for _, dl := range d.DeadLetters {
		reasons[dl.Reason]++
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nKleo stream processor — run summary\t")
	fmt.Fprintf(tw, "records in stream\t%d\n", records)
	fmt.Fprintf(tw, "users\t%d\n", len(d.Users))
	fmt.Fprintf(tw, "items counted\t%d\n", processed)
	fmt.Fprintf(tw, "history documents\t%d\n", len(d.History))
	fmt.Fprintf(tw, "dead letters\t%d\n", len(d.DeadLetters))
	fmt.Fprintf(tw, "records/s\t%.0f  (%d records in %v)\n", float64(records)/took.Seconds(), records, took.Round(time.Millisecond))
	fmt.Fprintf(tw, "invocations\t%d  (failed %d, bisections %d, discarded batches %d)\n", stats.Invocations, stats.BatchesFailed, stats.Bisections, len(failures))
	fmt.Fprintf(tw, "kleo points awarded\t%d\n", points)
	fmt.Fprintf(tw, "data owned (bytes)\t%d\n", bytes)
	fmt.Fprintf(tw, "PII findings removed\t%d  %s\n", piiRemoved, top(piiByType, 5))
	if labelled > 0 {
		fmt.Fprintf(tw, "classifier vs generator labels\t%.1f%% agree (%d items, %d low-confidence)\n", 100*float64(agree)/float64(labelled), labelled, low)
	}
	fmt.Fprintf(tw, "replay\t%s\n", replayNote)
	fmt.Fprintf(tw, "handler log\t%s\n", logFile)
	tw.Flush()

	fmt.Fprintln(w, "\ntop activities")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, kv := range sorted(acts)[:min(10, len(acts))] {
		fmt.Fprintf(tw, "  %s\t%d\t\n", kv.k, kv.v)
	}
	tw.Flush()
	if len(reasons) > 0 {
		fmt.Fprintln(w, "\ndead-letter reasons")
		rs := map[string]int64{}
		for r, n := range reasons {
			rs[r] = int64(n)
		}
		for _, kv := range sorted(rs)[:min(8, len(rs))] {
			fmt.Fprintf(w, "  %4d  %s\n", kv.v, kv.k)
		}
	}
}

type kv struct {
	k string
	v int64
}

func sorted(m map[string]int64) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].v != out[j].v {
			return out[i].v > out[j].v
		}
		return out[i].k < out[j].k
	})
	return out
}

func top(m map[string]int64, n int) string {
	s := ""
	for i, kv := range sorted(m) {
		if i == n {
			break
		}
		s += fmt.Sprintf("%s=%d ", kv.k, kv.v)
	}
	if s == "" {
		return ""
	}
	return "(" + s[:len(s)-1] + ")"
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
