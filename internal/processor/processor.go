// Package processor is the Kinesis handler: it turns a batch of history
// records into per-item ledger entries and per-user counter updates on
// Kleo's users, each item's effect applied exactly once however the stream is
// partitioned and however often, in whatever order, or however late the
// event source mapping (or an operator's re-drive) delivers it.
//
// # Exactly once
//
// Per batch the handler makes three store calls in the steady state, whatever
// the batch size (see package store for why each crash point is safe):
//
//  1. store.Users: the batch's users, by address in both spellings, with the
//     version and applied list of their kleo_stream subdocument;
//  2. store.Ledger: one entry per new history item holding the effect
//     computed now (bytes, activity, PII count, points), inserted only if
//     absent, and the ids in the users' applied lists marked Counted;
//  3. store.Apply: per user one update guarded by the version read in 1,
//     adding the effect of the items that are neither Counted nor applied —
//     with the effect stored in the ledger, so a redeploy with a new
//     classifier between two deliveries changes nothing already seen.
//
// A fourth call stores dead letters when there are any: records that cannot
// decode (kept as a scrubbed, size-capped copy that expires), records whose
// user does not exist yet or whose user document cannot take the update
// (kept by history _id only; their ledger entries wait, so a re-drive applies
// the effect computed the first time). Dead letters never block the shard.
// A user whose guard fails (a concurrent invocation updated it) has its
// records reported in batchItemFailures; so does everything when a store
// call fails. Nothing here depends on records arriving in order: the
// partition key changes only how often guards conflict.
package processor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/points"
	"github.com/kleo-network/kleo-stream/internal/record"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Scrubber finds PII in text; keep is the record owner's own address, which
// is their pseudonymous key and stays. *pii.Engine implements it.
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
	// MaxDeadLetterPayload caps the payload copy kept with a dead letter of
	// a record that did not decode. Default 4 KiB.
	MaxDeadLetterPayload int
	// DeadLetterRetention is how long such a payload copy is kept before a
	// TTL index deletes it. Default 14 days: two on-call rotations to look
	// at it, and no longer, since even scrubbed it is a user's input.
	DeadLetterRetention time.Duration
	// MaxItemsPerUser bounds the ids one user update lists in its
	// kleo_stream.applied (and so that subdocument's size); a user's records
	// beyond it are left for the retry. Default 500.
	MaxItemsPerUser int
	Logger          *slog.Logger // default: discard
	Tracer          Tracer
	Observer        Observer
	Now             func() time.Time
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
	if opt.Points.PerItem == 0 && opt.Points.Bonus == nil && opt.Points.PerArchive == 0 {
		opt.Points = points.Default()
	}
	if opt.DeadlineMargin == 0 {
		opt.DeadlineMargin = 2 * time.Second
	}
	if opt.MaxDeadLetterPayload == 0 {
		opt.MaxDeadLetterPayload = 4 << 10
	}
	if opt.DeadLetterRetention == 0 {
		opt.DeadLetterRetention = 14 * 24 * time.Hour
	}
	if opt.MaxItemsPerUser == 0 {
		opt.MaxItemsPerUser = 500
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

// Reasons of dead letters that a re-drive can cure.
const (
	ReasonUnknownUser = "no user with this address in users"
	reasonBadSeq      = "sequence number is empty or not all digits"
)

// pending is one decoded record of the batch.
type pending struct {
	seq   string
	entry store.Entry
}

// Handle processes one Kinesis event. It reports records that must be retried
// in BatchItemFailures; records that can never succeed, or must wait for a
// re-drive, go to the dead-letter store and are reported as done.
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
		if at := r.Kinesis.ApproximateArrivalTimestamp.Time; !at.IsZero() && start.Sub(at) > rep.IteratorAge {
			rep.IteratorAge = start.Sub(at)
		}
	}
	log := p.opt.Logger.With("request_id", rep.RequestID, "shard", rep.Shard, "first_seq", rep.FirstSeq, "last_seq", rep.LastSeq)

	// Work stops early enough to write what is done before the deadline.
	stopAt, hasDeadline := ctx.Deadline()
	if hasDeadline {
		stopAt = stopAt.Add(-p.opt.DeadlineMargin)
	}

	b := batch{
		p: p, rep: &rep, log: log,
		seenSeq: make(map[string]bool, len(ev.Records)),
		seenID:  make(map[string]int, len(ev.Records)),
	}
	_, endPrepare := p.opt.Tracer.Start(ctx, "prepare")
	for i := range ev.Records {
		if hasDeadline && p.opt.Now().After(stopAt) {
			for _, r := range ev.Records[i:] {
				b.retry(r.Kinesis.SequenceNumber)
			}
			log.Warn("deadline near: leaving records for the retry", "unstarted", len(ev.Records)-i)
			break
		}
		b.prepare(ctx, &ev.Records[i])
	}
	endPrepare(nil)

	wctx := ctx
	if hasDeadline {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(ctx, stopAt.Add(p.opt.DeadlineMargin/2))
		defer cancel()
	}
	persistStart := p.opt.Now()
	b.persist(wctx)
	rep.Persist = p.opt.Now().Sub(persistStart)

	rep.Failed = len(b.failed)
	rep.DeadLettered = len(b.dead)
	for _, d := range b.dead {
		rep.Letters = append(rep.Letters, Letter{ID: d.ID, Seq: d.Seq, Reason: d.Reason})
	}
	rep.Duration = p.opt.Now().Sub(start)
	p.opt.Observer.Observe(ctx, rep)
	log.Info("batch", "records", rep.RecordsIn, "processed", rep.Processed, "replayed", rep.Replayed,
		"duplicates", rep.Duplicates, "dead_lettered", rep.DeadLettered, "failed", rep.Failed,
		"conflicts", rep.Conflicts, "duration_ms", rep.Duration.Milliseconds())

	if allFailed(ev.Records, b.failed) {
		return events.KinesisEventResponse{}, fmt.Errorf("%w (%d records)", ErrBatchFailed, len(b.failed))
	}
	// An empty list, not null: both mean success, but the empty list says so plainly.
	resp := events.KinesisEventResponse{BatchItemFailures: make([]events.KinesisBatchItemFailure, 0, len(b.failed))}
	for _, seq := range b.failed {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: seq})
	}
	return resp, nil
}

// batch is the state of one invocation on its way through the stages.
type batch struct {
	p       *Processor
	rep     *Report
	log     *slog.Logger
	items   []pending // decoded, one per distinct history _id, in stream order
	extra   []pending // further records of an _id already in items
	seenSeq map[string]bool
	seenID  map[string]int // history _id -> index in items
	dead    []store.DeadLetter
	failed  []string       // sequence numbers to retry
	dec     record.Decoder // its buffers serve every record of the batch
}

func (b *batch) retry(seq string) { b.failed = append(b.failed, seq) }

// prepare decodes, scrubs and classifies one record into a ledger entry or a
// dead letter.
func (b *batch) prepare(ctx context.Context, r *events.KinesisEventRecord) {
	p, rep := b.p, b.rep
	data := r.Kinesis.Data
	seq := r.Kinesis.SequenceNumber
	if b.seenSeq[seq] {
		return // the same record twice in one event: once is enough
	}
	b.seenSeq[seq] = true
	rep.BytesIn += int64(len(data))
	if !validSeq(seq) {
		// The mapping never sends these, but a record must not vanish: its
		// letter is keyed by its content, since the sequence number cannot
		// identify it.
		sum := sha256.Sum256(data)
		b.deadLetter(p.undecodable(rep.Shard, "sha256:"+hex.EncodeToString(sum[:12]), seq, data, reasonBadSeq))
		return
	}

	t0 := p.opt.Now()
	it, err := b.dec.Decode(data)
	t1 := p.opt.Now()
	rep.Decode += t1.Sub(t0)
	if err != nil {
		reason := err.Error()
		var ie *record.InvalidError
		if errors.As(err, &ie) {
			reason = ie.Reason
		}
		b.deadLetter(p.undecodable(rep.Shard, seq, seq, data, reason))
		return
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

	pd := pending{seq: seq, entry: store.Entry{
		ID: it.ID, Address: it.Address, Shard: rep.Shard, Seq: seq,
		Bytes: int64(len(data)), Activity: string(res.Activity), PII: n,
		Points: p.opt.Points.For(res.Activity), VisitTime: it.VisitTime,
		Seen: t0.UTC(), Findings: found,
	}}
	if _, dup := b.seenID[it.ID]; dup {
		b.extra = append(b.extra, pd)
		return
	}
	b.seenID[it.ID] = len(b.items)
	b.items = append(b.items, pd)
}

// undecodable is the dead letter of a record that cannot be processed as
// sent: a scrubbed, size-capped copy that expires.
func (p *Processor) undecodable(shard, id, seq string, data []byte, reason string) store.DeadLetter {
	keep := data
	if len(keep) > p.opt.MaxDeadLetterPayload {
		keep = keep[:p.opt.MaxDeadLetterPayload]
	}
	scrubbed, _ := p.scrubber.Scrub(strings.ToValidUTF8(string(keep), "\uFFFD"), "")
	now := p.opt.Now().UTC()
	return store.DeadLetter{
		ID: shard + "/" + id, Shard: shard, Seq: seq, Reason: p.safeReason(reason),
		Payload: []byte(scrubbed), PayloadSize: int64(len(data)), At: now,
		ExpireAt: now.Add(p.opt.DeadLetterRetention), State: store.LetterOpen,
	}
}

// waiting is the dead letter of a decoded record whose user cannot take it
// yet. It keeps no payload: a re-drive reads Kleo's history document by its
// _id, and the ledger entry already holds the effect.
func (p *Processor) waiting(shard string, pd pending, reason string) store.DeadLetter {
	return store.DeadLetter{
		ID: shard + "/" + pd.seq, Shard: shard, Seq: pd.seq, ItemID: pd.entry.ID, Address: pd.entry.Address,
		Reason: p.safeReason(reason), PayloadSize: pd.entry.Bytes, At: p.opt.Now().UTC(), State: store.LetterOpen,
	}
}

// safeReason runs a reason through the scrubber before it is logged or
// stored: reasons are written to be value-free, and this makes sure.
func (p *Processor) safeReason(reason string) string {
	out, _ := p.scrubber.Scrub(reason, "")
	return out
}

func (b *batch) deadLetter(dl store.DeadLetter) {
	b.dead = append(b.dead, dl)
	b.log.Warn("dead-letter", "seq", dl.Seq, "reason", dl.Reason)
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

// persist writes the batch: users read, ledger, user updates, dead letters.
func (b *batch) persist(ctx context.Context) {
	defer b.putDeadLetters(ctx)
	if len(b.items) == 0 {
		return
	}
	retryAll := func(what string, err error) {
		b.log.Error(what+" failed; the batch's records will be retried", "err", err)
		for _, pd := range b.items {
			b.retry(pd.seq)
		}
		for _, pd := range b.extra {
			b.retry(pd.seq)
		}
	}

	addrs := make([]string, 0, len(b.items))
	seenAddr := make(map[string]bool, len(b.items))
	for _, pd := range b.items {
		if !seenAddr[pd.entry.Address] {
			seenAddr[pd.entry.Address] = true
			addrs = append(addrs, pd.entry.Address)
		}
	}
	var users map[string]store.UserState
	if err := b.call(ctx, "users", func(ctx context.Context) (err error) {
		users, err = b.p.store.Users(ctx, addrs)
		return err
	}); err != nil {
		retryAll("reading users", err)
		return
	}

	// The entries go to the ledger whatever the user's state, so the effect
	// computed now is the one applied, whenever that happens.
	entries := make([]store.Entry, len(b.items))
	for i, pd := range b.items {
		entries[i] = pd.entry
	}
	var counted []string
	for _, a := range addrs {
		if u, ok := users[a]; ok && u.Problem == "" {
			counted = append(counted, u.Applied...)
		}
	}
	var stored map[string]store.Entry
	if err := b.call(ctx, "ledger", func(ctx context.Context) (err error) {
		stored, err = b.p.store.Ledger(ctx, entries, counted)
		return err
	}); err != nil {
		retryAll("writing the ledger", err)
		return
	}

	updates, recs := b.updates(users, stored)
	b.apply(ctx, updates, recs)
}

// userRecords are the records behind one user update.
type userRecords struct {
	addr  string
	items []pending // whose effect the update adds; records counted before are done
}

// updates decides, per user, which of the batch's items the update adds.
func (b *batch) updates(users map[string]store.UserState, stored map[string]store.Entry) ([]store.Apply, []*userRecords) {
	byAddr := make(map[string]*userRecords)
	var order []*userRecords
	get := func(a string) *userRecords {
		r := byAddr[a]
		if r == nil {
			r = &userRecords{addr: a}
			byAddr[a] = r
			order = append(order, r)
		}
		return r
	}
	appliedSet := make(map[string]map[string]bool)
	for a, u := range users {
		if len(u.Applied) > 0 {
			s := make(map[string]bool, len(u.Applied))
			for _, id := range u.Applied {
				s[id] = true
			}
			appliedSet[a] = s
		}
	}
	for _, pd := range b.items {
		a := pd.entry.Address
		u, ok := users[a]
		switch {
		case !ok:
			b.deadLetter(b.p.waiting(b.rep.Shard, pd, ReasonUnknownUser))
			continue
		case u.Problem != "":
			b.deadLetter(b.p.waiting(b.rep.Shard, pd, u.Problem))
			continue
		}
		r := get(a)
		if old, was := stored[pd.entry.ID]; was {
			if old.Shard != pd.entry.Shard || old.Seq != pd.entry.Seq {
				b.rep.Duplicates++ // the producer sent the document again
			}
			if old.State == store.Counted || appliedSet[a][old.ID] {
				b.rep.Replayed++
				continue
			}
			// Stored before but never applied (a crash between the writes,
			// or the user did not exist then): the first effect counts.
			pd.entry = old
		}
		if len(r.items) >= b.p.opt.MaxItemsPerUser {
			b.retry(pd.seq)
			continue
		}
		r.items = append(r.items, pd)
	}
	// A second record of an _id in this batch is done with the first: applied
	// with it, dead-lettered with it, or redelivered with it, since a retry
	// resumes from the lowest failed sequence number and the first comes
	// earlier in the shard.
	b.rep.Duplicates += len(b.extra)

	var ups []store.Apply
	var recs []*userRecords
	for _, r := range order {
		if len(r.items) == 0 {
			continue
		}
		u := users[r.addr]
		up := store.Apply{UserID: u.ID, Version: u.Version, Activities: make(map[string]int64, 4)}
		for _, pd := range r.items {
			e := pd.entry
			up.Applied = append(up.Applied, e.ID)
			up.Bytes += e.Bytes
			up.Points += e.Points
			up.PII += e.PII
			up.Activities[e.Activity]++
		}
		ups = append(ups, up)
		recs = append(recs, r)
	}
	return ups, recs
}

// apply runs the user updates and sorts their records into done, retried and
// dead-lettered.
func (b *batch) apply(ctx context.Context, ups []store.Apply, recs []*userRecords) {
	if len(ups) == 0 {
		return
	}
	var errs []error
	if err := b.call(ctx, "apply", func(ctx context.Context) (err error) {
		errs, err = b.p.store.Apply(ctx, ups)
		return err
	}); err != nil {
		b.log.Error("updating users failed; their records will be retried", "err", err, "users", len(ups))
		for _, r := range recs {
			b.retryUser(r)
		}
		return
	}
	for i, err := range errs {
		r := recs[i]
		switch {
		case err == nil:
			for _, pd := range r.items {
				b.rep.Processed++
				b.rep.Activities[pd.entry.Activity]++
			}
		case errors.Is(err, store.ErrRejected):
			// The document cannot take the update: the records wait for a
			// repair and a re-drive, without blocking the shard.
			b.log.Warn("user document rejected the update; records dead-lettered", "err", err)
			for _, pd := range r.items {
				b.deadLetter(b.p.waiting(b.rep.Shard, pd, err.Error()))
			}
		default:
			b.rep.Conflicts++
			b.log.Warn("user update not applied; records will be retried", "err", err)
			b.retryUser(r)
		}
	}
}

// retryUser reports for retry the records whose effect a user's failed
// update would have added; the user's records counted before are done.
func (b *batch) retryUser(r *userRecords) {
	for _, pd := range r.items {
		b.retry(pd.seq)
	}
}

func (b *batch) putDeadLetters(ctx context.Context) {
	if len(b.dead) == 0 {
		return
	}
	if err := b.call(ctx, "dead_letters", func(ctx context.Context) error { return b.p.store.PutDeadLetters(ctx, b.dead) }); err != nil {
		b.log.Error("writing dead letters failed; they will be retried", "err", err)
		for _, d := range b.dead {
			b.retry(d.Seq)
		}
	}
}

// call runs one store round trip inside a span and accounts for it.
func (b *batch) call(ctx context.Context, name string, fn func(context.Context) error) error {
	ctx, end := b.p.opt.Tracer.Start(ctx, "store."+name)
	t := b.p.opt.Now()
	err := fn(ctx)
	b.rep.DBCalls++
	b.rep.DBTime += b.p.opt.Now().Sub(t)
	end(err)
	if err != nil {
		return fmt.Errorf("store %s: %w", name, err)
	}
	return nil
}

// allFailed reports whether every record of the event is to be retried.
func allFailed(recs []events.KinesisEventRecord, failed []string) bool {
	if len(failed) == 0 {
		return false
	}
	set := make(map[string]bool, len(failed))
	for _, s := range failed {
		set[s] = true
	}
	for _, r := range recs {
		if !set[r.Kinesis.SequenceNumber] {
			return false
		}
	}
	return true
}

// validSeq reports whether seq looks like a Kinesis sequence number: a
// non-empty run of decimal digits.
func validSeq(seq string) bool {
	if seq == "" || len(seq) > 128 {
		return false
	}
	for i := 0; i < len(seq); i++ {
		if seq[i] < '0' || seq[i] > '9' {
			return false
		}
	}
	return true
}

// shardOf extracts the shard id from an eventID "shardId-000000000000:seq".
func shardOf(eventID string) string {
	if i := strings.LastIndexByte(eventID, ':'); i > 0 {
		return eventID[:i]
	}
	return eventID
}

type noTracer struct{}

func (noTracer) Start(ctx context.Context, _ string) (context.Context, func(error)) {
	return ctx, func(error) {}
}

type noObserver struct{}

func (noObserver) Observe(context.Context, Report) {}
