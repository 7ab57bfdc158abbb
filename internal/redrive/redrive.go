// Package redrive brings back what the processor could not finish: batches
// the event source mapping discarded after its retries, and dead letters
// whose cause has gone away (a user who signed up later, a user document
// that was repaired).
//
// A discarded batch is named by its on-failure record (KinesisBatchInfo:
// shard, first and last sequence number, size), read from the SQS on-failure
// queue, a saved file, or an S3 destination's object (which carries the
// records too). Reread fetches the records back from Kinesis
// (GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords following
// NextShardIterator until past the last sequence number) and reports records
// the stream has already trimmed instead of skipping them. A dead letter of a
// decoded record is re-driven from Kleo's history document, read by its _id,
// so no copy of page text has to be kept; one of a record that did not decode
// is re-driven from its kept, scrubbed payload.
//
// Either way the records go through the same handler as the Lambda
// (processor.Handle) on the same store, so a re-drive is exactly-once by the
// per-item ledger (see package store): records counted before are counted
// again zero times, whatever happened since. Events are handed over as the
// mapping would: one shard per event, in sequence order, at most 100
// records, and records reported in batchItemFailures are sent again from the
// lowest one. An SQS message is deleted only after its whole batch is
// finished; a dead letter is marked done only when its record was counted or
// found counted, and otherwise stays open with its new reason and one more
// attempt.
//
// A Runner is a dry run unless Apply is set: it then reads the on-failure
// records, the stream, the ledger and the users, and says what a re-drive
// would do, writing nothing anywhere. Nothing here logs or prints record
// content: reports carry ids, sequence numbers, counts and the processor's
// value-free reasons.
package redrive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/schollz/progressbar/v3"

	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/record"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Handler handles one Kinesis event: processor.(*Processor).Handle.
type Handler func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error)

// ErrNotObserved is returned when the handler ran but the Runner received no
// report: the Runner must be the processor's Options.Observer.
var ErrNotObserved = errors.New("redrive: the processor's Observer is not this Runner")

// ErrStillFailing is wrapped when records were still reported for retry
// after MaxAttempts invocations.
var ErrStillFailing = errors.New("redrive: records still failing")

// maxEvent is the largest event handed to the handler, the mapping's
// default batch size.
const maxEvent = 100

// Runner re-drives batches and dead letters through a handler. Set it as
// the processor's Options.Observer so it can tell what each invocation did.
type Runner struct {
	Handle  Handler
	Store   store.Store
	Kinesis KinesisAPI // for batches without records
	// Apply makes the Runner act; without it a run only reports.
	Apply bool
	// Out receives one line per batch or dead letter (ids, sequence
	// numbers, counts, reasons; never content). nil discards them.
	Out io.Writer
	// Progress, when set, shows a progress bar of the records there.
	Progress io.Writer
	// AcceptTrimmed deletes the SQS message of a batch whose records were
	// partly trimmed from the stream once the records still there are
	// re-driven: the rest is lost either way, and the report says how many.
	AcceptTrimmed bool
	// MaxAttempts bounds the invocations per event (default 10).
	MaxAttempts int

	mu      sync.Mutex
	reports []processor.Report
	bar     *progressbar.ProgressBar
}

// Observe implements processor.Observer.
func (r *Runner) Observe(_ context.Context, rep processor.Report) {
	r.mu.Lock()
	r.reports = append(r.reports, rep)
	r.mu.Unlock()
}

func (r *Runner) takeReports() []processor.Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reports
	r.reports = nil
	return out
}

// Summary counts what a run did (or, in a dry run, would do).
type Summary struct {
	Apply          bool
	Letters        bool // a dead-letter re-drive (its records were dead-lettered before)
	Batches        int  // on-failure records, or dead letters, taken up
	Records        int  // records handed (or to be handed) to the handler
	Counted        int  // records whose effect this run added
	AlreadyCounted int  // records found counted before (or duplicates of one in the same event)
	DeadLettered   int  // records dead-lettered again (their letters stay open)
	Done           int  // dead letters marked done
	Trimmed        int  // records of a batch no longer in the stream
	Unreadable     int  // on-failure records or letters that could not be used
	Deleted        int  // SQS messages deleted
	Invocations    int
}

func (s *Summary) add(o Summary) {
	s.Batches += o.Batches
	s.Records += o.Records
	s.Counted += o.Counted
	s.AlreadyCounted += o.AlreadyCounted
	s.DeadLettered += o.DeadLettered
	s.Done += o.Done
	s.Trimmed += o.Trimmed
	s.Unreadable += o.Unreadable
	s.Deleted += o.Deleted
	s.Invocations += o.Invocations
}

// WriteTable writes the summary as a two-column table.
func (s Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	mode := "applied"
	counted, already, dead := "counted", "already counted", "dead-lettered"
	if !s.Apply {
		mode = "dry run (nothing written; --apply to act)"
		counted, dead = "would count", "would dead-letter"
	}
	if s.Letters {
		dead += " again"
	}
	rows := [][2]any{
		{"mode", mode}, {"batches", s.Batches}, {"records", s.Records},
		{counted, s.Counted}, {already, s.AlreadyCounted}, {dead, s.DeadLettered},
	}
	if s.Letters {
		rows = append(rows, [2]any{"letters done", s.Done})
	}
	rows = append(rows, [2]any{"trimmed from the stream", s.Trimmed}, [2]any{"unreadable", s.Unreadable})
	if s.Deleted > 0 {
		rows = append(rows, [2]any{"queue messages deleted", s.Deleted})
	}
	if s.Apply {
		rows = append(rows, [2]any{"invocations", s.Invocations})
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%v\t%v\n", row[0], row[1])
	}
	return tw.Flush()
}

// outcome is what driving some records did.
type outcome struct {
	counted     int
	letters     map[string]string // dead letter id -> reason, of records dead-lettered
	invocations int
}

// drive hands recs (one shard, any order) to the handler in sequence order,
// in events of at most maxEvent records, each until none is left to retry.
func (r *Runner) drive(ctx context.Context, recs []events.KinesisEventRecord) (outcome, error) {
	out := outcome{letters: map[string]string{}}
	recs = slices.Clone(recs)
	slices.SortStableFunc(recs, func(a, b events.KinesisEventRecord) int {
		return esm.CompareSequenceNumbers(a.Kinesis.SequenceNumber, b.Kinesis.SequenceNumber)
	})
	r.takeReports()
	for len(recs) > 0 {
		n := min(maxEvent, len(recs))
		err := r.invoke(ctx, recs[:n], &out)
		if err != nil {
			return out, err
		}
		if r.bar != nil {
			r.bar.Add(n)
		}
		recs = recs[n:]
	}
	return out, nil
}

// invoke calls the handler with ev until no record is left to retry,
// resuming from the lowest failed sequence number as the mapping does.
func (r *Runner) invoke(ctx context.Context, recs []events.KinesisEventRecord, out *outcome) error {
	attempts := r.MaxAttempts
	if attempts <= 0 {
		attempts = 10
	}
	var lastErr error
	for i := 0; len(recs) > 0; i++ {
		if i == attempts {
			return fmt.Errorf("%w: %d records after %d invocations (last: %v)", ErrStillFailing, len(recs), i, lastErr)
		}
		if i > 0 {
			select { // a conflicting invocation or a blip: give it a moment
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(i) * 100 * time.Millisecond):
			}
		}
		out.invocations++
		resp, err := r.Handle(ctx, events.KinesisEvent{Records: recs})
		reps := r.takeReports()
		if len(reps) == 0 {
			return ErrNotObserved
		}
		for _, rep := range reps {
			out.counted += rep.Processed
			for _, l := range rep.Letters {
				out.letters[l.ID] = l.Reason
			}
		}
		if err != nil {
			lastErr = err
			continue // the whole event again
		}
		if len(resp.BatchItemFailures) == 0 {
			return nil
		}
		lowest := resp.BatchItemFailures[0].ItemIdentifier
		for _, f := range resp.BatchItemFailures[1:] {
			if esm.CompareSequenceNumbers(f.ItemIdentifier, lowest) < 0 {
				lowest = f.ItemIdentifier
			}
		}
		lastErr = fmt.Errorf("%d records reported for retry", len(resp.BatchItemFailures))
		i0 := slices.IndexFunc(recs, func(e events.KinesisEventRecord) bool { return e.Kinesis.SequenceNumber == lowest })
		if i0 < 0 {
			return fmt.Errorf("redrive: the handler reported sequence number %s, not in the event", lowest)
		}
		recs = recs[i0:]
	}
	return nil
}

// plan is what a dry run finds about some records.
type plan struct {
	counted, fresh, unknownUser, undecodable int
}

// plan reads, without writing, which of recs the ledger holds as counted and
// which belong to users that do not exist.
func (r *Runner) plan(ctx context.Context, recs []events.KinesisEventRecord) (plan, error) {
	var p plan
	var ids, addrs []string
	owner := map[string]string{}
	seen := map[string]bool{}
	for _, rec := range recs {
		it, err := record.Decode(rec.Kinesis.Data)
		if err != nil {
			p.undecodable++
			continue
		}
		ids = append(ids, it.ID)
		owner[it.ID] = it.Address
		if !seen[it.Address] {
			seen[it.Address] = true
			addrs = append(addrs, it.Address)
		}
	}
	if len(ids) == 0 {
		return p, nil
	}
	entries, err := r.Store.Entries(ctx, ids)
	if err != nil {
		return p, fmt.Errorf("redrive: reading the ledger: %w", err)
	}
	users, err := r.Store.Users(ctx, addrs)
	if err != nil {
		return p, fmt.Errorf("redrive: reading users: %w", err)
	}
	applied := map[string]bool{}
	for _, u := range users {
		for _, id := range u.Applied {
			applied[id] = true
		}
	}
	for _, id := range ids {
		e, ok := entries[id]
		switch {
		case ok && (e.State == store.Counted || applied[id]):
			p.counted++
		case users[owner[id]].ID == "" || users[owner[id]].Problem != "":
			p.unknownUser++ // or a document that cannot take the update
		default:
			p.fresh++
		}
	}
	return p, nil
}

func (r *Runner) printf(format string, args ...any) {
	if r.Out != nil {
		fmt.Fprintf(r.Out, format, args...)
	}
}

func (r *Runner) startBar(total int, what string) func() {
	if r.Progress == nil || !r.Apply {
		return func() {}
	}
	r.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(r.Progress),
		progressbar.OptionSetDescription(what), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rec"), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(r.Progress) }))
	return func() {
		r.bar.Finish()
		r.bar = nil
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
