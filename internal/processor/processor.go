// Package processor is the Kinesis handler: it turns a batch of history
// records into scrubbed, classified history items and per-user stats, with
// effects applied exactly once however often the event source mapping
// redelivers.
//
// Per batch it makes a fixed number of store round trips whatever the batch
// size: dead letters, watermarks, history, users. A user's counters change
// only through one guarded update per batch (see package store), which is why
// the stream's partition key must be the user's address: the mapping then
// delivers each user's records in order, even with a parallelization factor
// above one.
package processor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/points"
	"github.com/kleo-network/kleo-stream/internal/record"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Scrubber removes PII from text; keep is the record owner's own address,
// which is their pseudonymous key and stays. *pii.Engine implements it.
type Scrubber interface {
	Scrub(text, keep string) (string, []pii.Finding)
}

// Tracer opens a span around a stage. The X-Ray implementation lives in
// package telemetry; tracing stays behind this interface so moving to
// OpenTelemetry touches one package.
type Tracer interface {
	Start(ctx context.Context, name string) (context.Context, func(error))
}

// Observer receives one Report per invocation (metrics).
type Observer interface {
	Observe(ctx context.Context, r Report)
}

// Options configure a Processor. The zero value of each field has a sensible
// default.
type Options struct {
	Points points.Rule // default points.Default()
	// DeadlineMargin is the time kept free before the invocation's deadline
	// for the database writes and the response. Default 2s.
	DeadlineMargin time.Duration
	// MaxDeadLetterPayload caps the payload copy kept with a dead letter.
	// Default 4 KiB.
	MaxDeadLetterPayload int
	Logger               *slog.Logger // default: discard
	Tracer               Tracer
	Observer             Observer
	Now                  func() time.Time
}

// Processor handles Kinesis batches. It is safe for concurrent use.
type Processor struct {
	store    store.Store
	scrubber Scrubber
	classify classify.Classifier
	opt      Options
}

// New returns a Processor writing to st.
func New(st store.Store, s Scrubber, c classify.Classifier, opt Options) *Processor {
	if opt.Points.Base == 0 && opt.Points.Bonus == nil {
		opt.Points = points.Default()
	}
	if opt.DeadlineMargin == 0 {
		opt.DeadlineMargin = 2 * time.Second
	}
	if opt.MaxDeadLetterPayload == 0 {
		opt.MaxDeadLetterPayload = 4 << 10
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Tracer == nil {
		opt.Tracer = noTracer{}
	}
	if opt.Observer == nil {
		opt.Observer = noObserver{}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Processor{store: st, scrubber: s, classify: c, opt: opt}
}

// ErrBatchFailed is returned when no record of a batch could be finished, so
// the event source mapping retries (and may bisect) the whole batch.
var ErrBatchFailed = errors.New("processor: no record of the batch could be finished")

// pending is one record of the batch on its way through the stages.
type pending struct {
	seq     string
	size    int64
	addr    string
	item    store.HistoryItem
	act     activity.Activity
	pii     int64
	dupe    bool // same _id as an earlier record of this batch
	outcome store.Outcome
}

// Handle processes one Kinesis event. It reports records that must be retried
// in BatchItemFailures; records that can never succeed go to the dead-letter
// store and are reported as done, so they never block the shard.
func (p *Processor) Handle(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	start := p.opt.Now()
	rep := Report{RecordsIn: len(ev.Records), PII: map[string]int{}, Activities: map[string]int{}}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		rep.RequestID = lc.AwsRequestID
	}
	if len(ev.Records) == 0 {
		return events.KinesisEventResponse{}, nil
	}
	rep.Shard = shardOf(ev.Records[0].EventID)
	rep.FirstSeq = ev.Records[0].Kinesis.SequenceNumber
	rep.LastSeq = ev.Records[len(ev.Records)-1].Kinesis.SequenceNumber
	for _, r := range ev.Records {
		if age := start.Sub(r.Kinesis.ApproximateArrivalTimestamp.Time); !r.Kinesis.ApproximateArrivalTimestamp.IsZero() && age > rep.IteratorAge {
			rep.IteratorAge = age
		}
	}
	log := p.opt.Logger.With("request_id", rep.RequestID, "shard", rep.Shard, "first_seq", rep.FirstSeq, "last_seq", rep.LastSeq)

	// Work stops early enough to write what is done before the deadline.
	stopAt, hasDeadline := ctx.Deadline()
	if hasDeadline {
		stopAt = stopAt.Add(-p.opt.DeadlineMargin)
	}

	var (
		done      []*pending
		dead      []store.DeadLetter
		failed    []string // sequence numbers to retry
		seenSeq   = make(map[string]bool, len(ev.Records))
		seenID    = make(map[string]bool, len(ev.Records))
		unstarted = -1
	)
	// One span for the CPU stages of the whole batch: a span per record would
	// cost more than the work (the per-stage times are in the metrics).
	_, endPrepare := p.opt.Tracer.Start(ctx, "prepare")
	for i := range ev.Records {
		r := &ev.Records[i]
		if hasDeadline && p.opt.Now().After(stopAt) {
			unstarted = i
			break
		}
		seq := r.Kinesis.SequenceNumber
		if seenSeq[seq] {
			continue // the same record twice in one event: once is enough
		}
		seenSeq[seq] = true
		rep.BytesIn += int64(len(r.Kinesis.Data))
		pd, dl := p.prepare(ctx, r, &rep)
		if dl != nil {
			dead = append(dead, *dl)
			log.Warn("dead-letter", "seq", seq, "reason", dl.Reason)
			continue
		}
		if seenID[pd.item.ID] {
			pd.dupe = true
		}
		seenID[pd.item.ID] = true
		done = append(done, pd)
	}
	endPrepare(nil)
	if unstarted >= 0 {
		for _, r := range ev.Records[unstarted:] {
			failed = append(failed, r.Kinesis.SequenceNumber)
		}
		log.Warn("deadline near: leaving records for the retry", "unstarted", len(ev.Records)-unstarted)
	}

	wctx := ctx
	if hasDeadline {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(ctx, stopAt.Add(p.opt.DeadlineMargin/2))
		defer cancel()
	}
	persistStart := p.opt.Now()
	failed = append(failed, p.persist(wctx, rep.Shard, done, dead, &rep, log)...)
	rep.Persist = p.opt.Now().Sub(persistStart)

	rep.Failed = len(failed)
	rep.DeadLettered = len(dead)
	rep.Duration = p.opt.Now().Sub(start)
	p.opt.Observer.Observe(ctx, rep)
	log.Info("batch", "records", rep.RecordsIn, "processed", rep.Processed, "replayed", rep.Replayed,
		"duplicates", rep.Duplicates, "dead_lettered", rep.DeadLettered, "failed", rep.Failed,
		"duration_ms", rep.Duration.Milliseconds())

	if len(failed) == len(ev.Records) {
		return events.KinesisEventResponse{}, fmt.Errorf("%w (%d records)", ErrBatchFailed, len(failed))
	}
	// An empty list, not null: both mean success, but the empty list says so plainly.
	resp := events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
	for _, seq := range failed {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: seq})
	}
	return resp, nil
}

// prepare decodes, scrubs and classifies one record. It returns either the
// prepared item or a dead letter.
func (p *Processor) prepare(ctx context.Context, r *events.KinesisEventRecord, rep *Report) (*pending, *store.DeadLetter) {
	data := r.Kinesis.Data
	seq := r.Kinesis.SequenceNumber

	t0 := p.opt.Now()
	it, err := record.Decode(data)
	t1 := p.opt.Now()
	rep.Decode += t1.Sub(t0)
	if err != nil {
		return nil, p.deadLetter(rep.Shard, seq, data, err)
	}

	var found map[string]int64
	title := p.scrub(it.Title, it.Address, &found)
	u := p.scrub(it.URL, it.Address, &found)
	summary := p.scrub(it.Summary, it.Address, &found)
	domain := p.scrub(it.Domain, it.Address, &found)
	var n int64
	for typ, c := range found {
		rep.PII[typ] += int(c)
		n += c
	}
	t2 := p.opt.Now()
	rep.PIITime += t2.Sub(t1)

	res := p.classify.Classify(ctx, classify.Input{URL: u, Title: title, Summary: summary, Domain: domain})
	rep.Classify += p.opt.Now().Sub(t2)

	if domain == "" {
		domain = hostOf(u)
	}
	pts := p.opt.Points.For(res.Activity)
	pd := &pending{
		seq:  seq,
		size: int64(len(data)),
		addr: it.Address,
		act:  res.Activity,
		pii:  n,
		item: store.HistoryItem{
			ID: it.ID, Address: it.Address, Shard: rep.Shard, Seq: seq,
			URL: u, Title: title, Summary: summary, Domain: domain,
			Category: it.Category, Subcategory: it.Subcategory,
			Activity: string(res.Activity), Confidence: res.Confidence, LowConfidence: res.Low,
			Points: pts, Size: int64(len(data)),
			VisitTime: it.VisitTime, CreateTimestamp: it.CreateTimestamp,
			ProcessedAt: p.opt.Now().UTC(),
		},
	}
	pd.item.PII = found
	return pd, nil
}

// scrub counts findings per type into *counts, allocated on the first one so
// that clean records cost no allocation.
func (p *Processor) scrub(text, keep string, counts *map[string]int64) string {
	if text == "" {
		return text
	}
	out, found := p.scrubber.Scrub(text, keep)
	for _, f := range found {
		if *counts == nil {
			*counts = make(map[string]int64, 2)
		}
		(*counts)[string(f.Type)]++
	}
	return out
}

// deadLetter keeps a size-capped, scrubbed copy of a payload that can never
// succeed, with its reason.
func (p *Processor) deadLetter(shard, seq string, data []byte, err error) *store.DeadLetter {
	reason := err.Error()
	var ie *record.InvalidError
	if errors.As(err, &ie) {
		reason = ie.Reason
	}
	keep := data
	if len(keep) > p.opt.MaxDeadLetterPayload {
		keep = keep[:p.opt.MaxDeadLetterPayload]
	}
	scrubbed, _ := p.scrubber.Scrub(strings.ToValidUTF8(string(keep), "\uFFFD"), "")
	return &store.DeadLetter{
		ID: shard + "/" + seq, Shard: shard, Seq: seq, Reason: reason,
		Payload: []byte(scrubbed), PayloadSize: int64(len(data)), At: p.opt.Now().UTC(),
	}
}

// persist writes the batch with a fixed number of round trips and returns the
// sequence numbers that must be retried.
func (p *Processor) persist(ctx context.Context, shard string, done []*pending, dead []store.DeadLetter, rep *Report, log *slog.Logger) []string {
	var failed []string
	if len(dead) > 0 {
		if err := p.call(ctx, rep, "dead_letters", func(ctx context.Context) error { return p.store.PutDeadLetters(ctx, dead) }); err != nil {
			log.Error("writing dead letters failed; they will be retried", "err", err)
			for _, d := range dead {
				failed = append(failed, d.Seq)
			}
		}
	}
	if len(done) == 0 {
		return failed
	}
	retryAll := func(what string, err error) []string {
		log.Error(what+" failed; the batch's records will be retried", "err", err)
		for _, pd := range done {
			failed = append(failed, pd.seq)
		}
		return failed
	}

	addrs := make([]string, 0, len(done))
	seenAddr := make(map[string]bool, len(done))
	for _, pd := range done {
		if !seenAddr[pd.addr] {
			seenAddr[pd.addr] = true
			addrs = append(addrs, pd.addr)
		}
	}
	var marks map[string]string
	if err := p.call(ctx, rep, "watermarks", func(ctx context.Context) (err error) {
		marks, err = p.store.Watermarks(ctx, shard, addrs)
		return err
	}); err != nil {
		return retryAll("reading watermarks", err)
	}

	// Records at or below a user's watermark were counted by an earlier
	// delivery; their history rows are written again (a no-op) in case that
	// delivery stopped between the two writes.
	items := make([]store.HistoryItem, 0, len(done))
	sent := make([]*pending, 0, len(done))
	for _, pd := range done {
		if pd.dupe {
			pd.outcome = store.Duplicate
			continue
		}
		items = append(items, pd.item)
		sent = append(sent, pd)
	}
	var outcomes []store.Outcome
	if err := p.call(ctx, rep, "history", func(ctx context.Context) (err error) {
		outcomes, err = p.store.PutHistory(ctx, items)
		return err
	}); err != nil {
		return retryAll("writing history", err)
	}
	for i, pd := range sent {
		pd.outcome = outcomes[i]
	}

	deltas, byUser := p.deltas(shard, done, marks, rep)
	if len(deltas) == 0 {
		return failed
	}
	var errs []error
	if err := p.call(ctx, rep, "users", func(ctx context.Context) (err error) {
		errs, err = p.store.ApplyUsers(ctx, deltas)
		return err
	}); err != nil {
		// Nothing is known to be applied: retry every user's records.
		for _, d := range deltas {
			failed = append(failed, byUser[d.Address]...)
		}
		log.Error("updating users failed; their records will be retried", "err", err, "users", len(deltas))
		return failed
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		failed = append(failed, byUser[deltas[i].Address]...)
		rep.Conflicts++
		log.Warn("user update not applied; records will be retried", "err", err)
	}
	return failed
}

// deltas aggregates the batch per user: only records after the user's
// watermark and not already stored from another record count. It also
// returns each user's sequence numbers, for retrying a user whose update
// failed.
func (p *Processor) deltas(shard string, done []*pending, marks map[string]string, rep *Report) ([]store.UserDelta, map[string][]string) {
	byAddr := make(map[string]*store.UserDelta)
	var order []string
	seqs := make(map[string][]string)
	for _, pd := range done {
		seqs[pd.addr] = append(seqs[pd.addr], pd.seq)
		mark := marks[pd.addr]
		if mark != "" && record.CompareSeq(pd.seq, mark) <= 0 {
			rep.Replayed++
			continue
		}
		d := byAddr[pd.addr]
		if d == nil {
			d = &store.UserDelta{Address: pd.addr, Shard: shard, ExpectSeq: mark, Activities: map[string]int64{}}
			byAddr[pd.addr] = d
			order = append(order, pd.addr)
		}
		if record.CompareSeq(pd.seq, d.NewSeq) > 0 {
			d.NewSeq = pd.seq
		}
		if pd.outcome == store.Duplicate {
			rep.Duplicates++
			continue
		}
		d.Bytes += pd.size
		d.Points += pd.item.Points
		d.PII += pd.pii
		d.Items++
		d.Activities[string(pd.act)]++
		rep.Processed++
		rep.Activities[string(pd.act)]++
	}
	out := make([]store.UserDelta, 0, len(order))
	for _, a := range order {
		out = append(out, *byAddr[a])
	}
	return out, seqs
}

// call runs one store round trip inside a span and accounts for it.
func (p *Processor) call(ctx context.Context, rep *Report, name string, fn func(context.Context) error) error {
	ctx, end := p.opt.Tracer.Start(ctx, "store."+name)
	t := p.opt.Now()
	err := fn(ctx)
	rep.DBCalls++
	rep.DBTime += p.opt.Now().Sub(t)
	end(err)
	if err != nil {
		return fmt.Errorf("store %s: %w", name, err)
	}
	return nil
}

// shardOf extracts the shard id from an eventID "shardId-000000000000:seq".
func shardOf(eventID string) string {
	if i := strings.LastIndexByte(eventID, ':'); i > 0 {
		return eventID[:i]
	}
	return eventID
}

func hostOf(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(pu.Hostname()), "www.")
}

type noTracer struct{}

func (noTracer) Start(ctx context.Context, _ string) (context.Context, func(error)) {
	return ctx, func(error) {}
}

type noObserver struct{}

func (noObserver) Observe(context.Context, Report) {}
