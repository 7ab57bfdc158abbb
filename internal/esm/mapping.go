package esm

import (
	"context"
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Handler is a Lambda Kinesis handler with partial batch responses.
type Handler func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error)

// Invocation describes one call of the handler, for the BeforeInvoke and
// Redeliver hooks.
type Invocation struct {
	RequestID string
	ShardID   string
	// Lane is the concurrent batch of the shard (0..ParallelizationFactor-1)
	// that the records' partition keys hash to.
	Lane int
	// Attempt counts the retries these records have had (0 on first
	// delivery). Bisection does not count; see Mapping.
	Attempt int
	// Redelivery marks a duplicate of a batch that already succeeded,
	// injected by the Redeliver hook.
	Redelivery bool
	Deadline   time.Time
	Event      events.KinesisEvent
}

// Mapping is a Kinesis event source mapping: it reads Source's shards and
// invokes Handler with batches as Lambda does.
//
// Batches hold up to Config.BatchSize records of one shard, no more than
// MaxPayloadBytes of event JSON, gathered for up to MaximumBatchingWindow when
// not full. With ParallelizationFactor P, records are spread over P lanes by a
// hash of the partition key; each lane invokes one batch at a time, so a
// shard has at most P batches in flight, a key's records are never in two of
// them at once, and each key's records arrive in sequence order.
//
// An invocation fails as a whole when the handler returns an error, panics,
// returns after its deadline, or (with ReportBatchItemFailures) names an
// empty or unknown itemIdentifier. With ReportBatchItemFailures, an empty
// or nil list is success, and otherwise the records before the lowest named
// sequence number succeed and the rest are retried. On a whole failure of a
// batch of two or more records with BisectBatchOnFunctionError, the batch is
// split in half and the halves are run in order; as AWS documents, a split
// does not consume a retry, so the halves inherit the batch's retry count.
// Any other failure is a retry, including a partial failure (AWS describes
// that, with bisection on, as bisecting at the returned sequence number: the
// records before it succeed and the rest are retried, as without bisection).
// Once a batch has been retried MaximumRetryAttempts times its remaining
// records are discarded with condition RetryAttemptsExhausted. Before every invocation, leading records
// older than MaximumRecordAge are discarded with condition RecordAgeExceeded.
// Each discard produces one OnFailureRecord. Discarded records count as
// finished: the shard moves past them.
//
// Each invocation's context carries a lambdacontext.LambdaContext and a
// deadline FunctionTimeout away. Lambda kills a function at its deadline; the
// emulator cannot kill a goroutine, so it waits for the handler to return and
// then treats the invocation as timed out (its answer ignored). A handler that
// never returns therefore stalls its lane.
//
// Handler, BeforeInvoke and Redeliver run concurrently across shards and
// lanes; OnFailure, Progress and Checkpoint are called one at a time.
//
// A Mapping is configuration; Run may be called again (for example with
// StartingPositions set to a previous run's checkpoints, as a restarted
// mapping would).
type Mapping struct {
	Source  Source
	Handler Handler
	Config  Config

	// FunctionARN is requestContext.functionArn and the LambdaContext's
	// InvokedFunctionArn; InvokeIdentityARN is each record's
	// invokeIdentityArn. Defaults derive from the stream's region and account.
	FunctionARN       string
	InvokeIdentityARN string

	// StartingPositions maps a shard id to the sequence number after which
	// to start (a checkpoint from Stats.Checkpoints). Other shards start at
	// TRIM_HORIZON.
	StartingPositions map[string]string

	// Follow keeps Run polling for new records until ctx is done. Without it
	// Run returns once every shard is drained: read to its end, and every
	// record read has finished.
	Follow bool
	// PollInterval is how long a caught-up shard waits before reading again
	// (default 1s, Lambda's rate for standard iterators).
	PollInterval time.Duration
	// Clock drives arrival times, record age, batching windows, polling and
	// deadlines; nil means the system clock.
	Clock Clock

	// OnFailure receives each discarded batch's record (the on-failure
	// destination).
	OnFailure func(OnFailureRecord)
	// Progress receives the number of records newly finished (succeeded or
	// discarded), for a progress bar.
	Progress func(records int)
	// Checkpoint receives a shard's checkpoint each time it advances, for
	// example to Stream.Trim what a long run no longer needs.
	Checkpoint func(shardID, sequenceNumber string)
	// BeforeInvoke runs before each invocation. The handler gets inv.Event as
	// the hook leaves it. A non-nil error fails the invocation as a function
	// error without calling Handler, as a crashed runtime would. Cancelling
	// Run's context from here stops the run as a killed mapping: nothing in
	// flight is checkpointed.
	BeforeInvoke func(ctx context.Context, inv *Invocation) error
	// Redeliver runs after each invocation that succeeded completely,
	// including redeliveries. If it reports true the same records are
	// delivered again before they are checkpointed: an at-least-once
	// duplicate.
	Redeliver func(inv *Invocation) bool
}

// Stats summarises a run.
type Stats struct {
	Invocations      int64 // handler calls, including retries and redeliveries
	RecordsDelivered int64 // records in those calls
	RecordsSucceeded int64 // records finished by a successful invocation
	RecordsDiscarded int64 // records finished by a discard
	BatchesFailed    int64 // invocations that failed wholly or partly
	PartialFailures  int64 // of those, valid partial batch responses
	FunctionErrors   int64 // errors, panics, timeouts and BeforeInvoke errors
	Panics           int64
	Timeouts         int64
	Bisections       int64
	DiscardedBatches int64
	OnFailureRecords int64 // records handed to Mapping.OnFailure
	Redeliveries     int64 // duplicates injected by Mapping.Redeliver
	// MaxIteratorAge is, per shard, the largest age of the last record of a
	// batch when its invocation ended (Lambda's IteratorAge metric).
	MaxIteratorAge map[string]time.Duration
	// Checkpoints maps each shard to the sequence number up to which every
	// record has finished ("" if none): where a restarted mapping resumes.
	Checkpoints map[string]string
}

// Run processes the stream until it is drained (or, with Follow, until ctx is
// done). It returns ctx's error if ctx ended the run, or a Source error.
func (m *Mapping) Run(ctx context.Context) (Stats, error) {
	if m.Source == nil || m.Handler == nil {
		return Stats{}, fmt.Errorf("%w: Mapping needs a Source and a Handler", ErrInvalidConfig)
	}
	if err := m.Config.Validate(); err != nil {
		return Stats{}, err
	}
	ids, err := m.Source.Shards(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("esm: listing shards: %w", err)
	}
	r := newRunner(m)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
		shards   []*shard
	)
	for _, id := range ids {
		s := r.newShard(id)
		shards = append(shards, s)
		for _, l := range s.lanes {
			wg.Go(func() { s.runLane(runCtx, l) })
		}
		wg.Go(func() {
			if err := s.read(runCtx); err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
				cancel()
			}
		})
	}
	wg.Wait()

	st := r.snapshot(shards)
	if firstErr != nil {
		return st, firstErr
	}
	return st, ctx.Err()
}

type runner struct {
	m         *Mapping
	cfg       Config
	clock     Clock
	poll      time.Duration
	streamARN string
	fnARN     string
	tmpl      events.KinesisEventRecord // the fields every record shares
	sizer     recordSizer

	mu    sync.Mutex // guards stats and serialises OnFailure and Progress
	stats Stats
}

func newRunner(m *Mapping) *runner {
	arn := m.Source.StreamARN()
	region, account := "us-east-1", "123456789012"
	if f := strings.Split(arn, ":"); len(f) >= 6 {
		region, account = f[3], f[4]
	}
	r := &runner{
		m:         m,
		cfg:       m.Config,
		clock:     clockOrSystem(m.Clock),
		poll:      m.PollInterval,
		streamARN: arn,
		fnARN:     m.FunctionARN,
		stats: Stats{
			MaxIteratorAge: map[string]time.Duration{},
			Checkpoints:    map[string]string{},
		},
	}
	if r.poll <= 0 {
		r.poll = time.Second
	}
	if r.fnARN == "" {
		r.fnARN = fmt.Sprintf("arn:aws:lambda:%s:%s:function:kleo-processor", region, account)
	}
	identity := m.InvokeIdentityARN
	if identity == "" {
		identity = fmt.Sprintf("arn:aws:iam::%s:role/kleo-processor-role", account)
	}
	r.tmpl = events.KinesisEventRecord{
		AwsRegion:         region,
		EventName:         "aws:kinesis:record",
		EventSource:       "aws:kinesis",
		EventSourceArn:    arn,
		EventVersion:      "1.0",
		InvokeIdentityArn: identity,
	}
	r.sizer = newRecordSizer(r.tmpl)
	return r
}

func (r *runner) count(f func(*Stats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}

func (r *runner) snapshot(shards []*shard) Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stats
	st.MaxIteratorAge = make(map[string]time.Duration, len(r.stats.MaxIteratorAge))
	for k, v := range r.stats.MaxIteratorAge {
		st.MaxIteratorAge[k] = v
	}
	st.Checkpoints = make(map[string]string, len(shards))
	for _, s := range shards {
		s.mu.Lock()
		st.Checkpoints[s.id] = s.checkpoint
		s.mu.Unlock()
	}
	return st
}

// rec is a record read from a shard, with its place in read order and the
// bound on its size in an event.
type rec struct {
	Record
	idx  int64
	size int
}

type lane struct {
	n     int
	queue []rec
	wake  chan struct{} // a record was queued
}

type pending struct {
	seq  string
	done bool
}

type shard struct {
	r     *runner
	id    string
	start string

	mu         sync.Mutex
	lanes      []*lane
	buffered   int   // records queued in lanes
	inflight   int   // lanes holding a batch
	next       int64 // index of the next record read
	head       int64 // index of pend[0]
	pend       []pending
	checkpoint string

	wake    chan struct{} // a lane took records or finished a batch
	drained chan struct{} // closed when the shard is drained
}

func (r *runner) newShard(id string) *shard {
	s := &shard{
		r:          r,
		id:         id,
		start:      r.m.StartingPositions[id],
		checkpoint: r.m.StartingPositions[id],
		wake:       make(chan struct{}, 1),
		drained:    make(chan struct{}),
	}
	for i := range r.cfg.ParallelizationFactor {
		s.lanes = append(s.lanes, &lane{n: i, wake: make(chan struct{}, 1)})
	}
	return s
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (s *shard) laneOf(partitionKey string) *lane {
	if len(s.lanes) == 1 {
		return s.lanes[0]
	}
	h := fnv.New32a()
	h.Write([]byte(partitionKey))
	return s.lanes[h.Sum32()%uint32(len(s.lanes))]
}

// read feeds the lanes, keeping at most a batch per lane plus one queued, and
// closes drained once the shard is read to its end and idle.
func (s *shard) read(ctx context.Context) error {
	r := s.r
	capacity := r.cfg.BatchSize * (r.cfg.ParallelizationFactor + 1)
	after := s.start
	for {
		s.mu.Lock()
		room := capacity - s.buffered
		s.mu.Unlock()
		if room > 0 {
			recs, more, err := r.m.Source.Read(ctx, s.id, after, min(room, maxReadLimit))
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("esm: reading %s: %w", s.id, err)
			}
			if len(recs) > 0 {
				s.dispatch(recs)
				after = recs[len(recs)-1].SequenceNumber
				continue
			}
			// An empty page while behind (Kinesis can return those) waits
			// like an empty shard rather than spinning on the API.
			if !more && !r.m.Follow && s.idle() {
				close(s.drained)
				return nil
			}
		}
		select {
		case <-s.wake:
		case <-r.clock.After(r.poll):
		case <-ctx.Done():
			return nil
		}
	}
}

func (s *shard) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buffered == 0 && s.inflight == 0
}

func (s *shard) dispatch(recs []Record) {
	touched := make([]bool, len(s.lanes))
	s.mu.Lock()
	for _, r := range recs {
		l := s.laneOf(r.PartitionKey)
		l.queue = append(l.queue, rec{Record: r, idx: s.next, size: s.r.sizer.size(s.id, &r)})
		s.pend = append(s.pend, pending{seq: r.SequenceNumber})
		s.next++
		s.buffered++
		touched[l.n] = true
	}
	s.mu.Unlock()
	for i, t := range touched {
		if t {
			poke(s.lanes[i].wake)
		}
	}
}

func (s *shard) runLane(ctx context.Context, l *lane) {
	for {
		batch, ok := s.gather(ctx, l)
		if !ok {
			return
		}
		s.process(ctx, l, batch)
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		s.inflight--
		s.mu.Unlock()
		poke(s.wake)
	}
}

// take moves queued records into batch while it has room, and reports whether
// the batch is full (by count or payload).
func (s *shard) take(l *lane, batch []rec, size int) ([]rec, int, bool) {
	bs := s.r.cfg.BatchSize
	if batch == nil && len(l.queue) > 0 {
		batch = make([]rec, 0, min(bs, len(l.queue)))
	}
	n := 0
	full := false
	for n < len(l.queue) {
		if len(batch) == bs {
			break
		}
		rc := l.queue[n]
		add := rc.size
		if len(batch) > 0 {
			add++ // comma
		}
		if len(batch) > 0 && size+add > MaxPayloadBytes {
			full = true
			break
		}
		batch = append(batch, rc)
		size += add
		n++
	}
	if n > 0 && len(batch) == n {
		s.inflight++
	}
	l.queue = l.queue[n:]
	s.buffered -= n
	return batch, size, full || len(batch) == bs
}

// gather waits for a lane's next batch: as many queued records as fit, then,
// if the batch is not full, more as they arrive until the batching window
// closes.
func (s *shard) gather(ctx context.Context, l *lane) ([]rec, bool) {
	var (
		batch []rec
		size  = eventOverhead
		full  bool
	)
	for len(batch) == 0 {
		s.mu.Lock()
		batch, size, full = s.take(l, batch, size)
		s.mu.Unlock()
		if len(batch) > 0 {
			break
		}
		select {
		case <-l.wake:
		case <-s.drained:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
	poke(s.wake)
	clk := s.r.clock
	end := clk.Now().Add(s.r.cfg.MaximumBatchingWindow)
	for !full {
		left := end.Sub(clk.Now())
		if left <= 0 {
			break
		}
		select {
		case <-l.wake:
			s.mu.Lock()
			batch, size, full = s.take(l, batch, size)
			s.mu.Unlock()
			poke(s.wake)
		case <-clk.After(left):
		case <-ctx.Done():
			return nil, false
		}
	}
	return batch, true
}

// unit is a run of records retried together: a batch, the rest of one after a
// partial failure, or half of one after a bisection.
type unit struct {
	recs       []rec
	attempt    int // retries so far
	invokes    int // invocations that delivered these records
	redelivery bool
	lastID     string
	lastFnErr  bool
}

type result int

const (
	succeeded result = iota
	partial
	failed
	killed
)

func (s *shard) process(ctx context.Context, l *lane, batch []rec) {
	r := s.r
	stack := []unit{{recs: batch}}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]

		if r.cfg.MaximumRecordAge >= 0 {
			now := r.clock.Now()
			k := 0
			for k < len(u.recs) && now.Sub(u.recs[k].ApproximateArrival) > r.cfg.MaximumRecordAge {
				k++
			}
			if k > 0 {
				s.discard(&u, u.recs[:k], RecordAgeExceeded)
				u.recs = u.recs[k:]
				if len(u.recs) == 0 {
					continue
				}
			}
		}

		res, k, inv := s.invoke(ctx, l, &u)
		u.redelivery = false
		switch res {
		case killed:
			return
		case succeeded:
			if r.m.Redeliver != nil && r.m.Redeliver(inv) {
				u.redelivery = true
				stack = append(stack, u)
				continue
			}
			s.finish(u.recs, true)
		case partial:
			s.finish(u.recs[:k], true)
			rest := u
			rest.recs = u.recs[k:]
			if r.cfg.retriesExhausted(u.attempt) {
				s.discard(&rest, rest.recs, RetryAttemptsExhausted)
				continue
			}
			rest.attempt++
			stack = append(stack, rest)
		case failed:
			if r.cfg.BisectBatchOnFunctionError && len(u.recs) > 1 {
				h := len(u.recs) / 2
				first, second := u, u
				first.recs, second.recs = u.recs[:h], u.recs[h:]
				stack = append(stack, second, first)
				r.count(func(st *Stats) { st.Bisections++ })
				continue
			}
			if r.cfg.retriesExhausted(u.attempt) {
				s.discard(&u, u.recs, RetryAttemptsExhausted)
				continue
			}
			u.attempt++
			stack = append(stack, u)
		}
	}
}

// invoke calls the handler once and classifies its answer. For a partial
// failure it also returns the index of the lowest failed record.
func (s *shard) invoke(ctx context.Context, l *lane, u *unit) (result, int, *Invocation) {
	r := s.r
	start := r.clock.Now()
	inv := &Invocation{
		RequestID:  newRequestID(),
		ShardID:    s.id,
		Lane:       l.n,
		Attempt:    u.attempt,
		Redelivery: u.redelivery,
		Deadline:   start.Add(r.cfg.FunctionTimeout),
		Event:      s.event(u.recs),
	}
	u.invokes++
	u.lastID = inv.RequestID
	r.count(func(st *Stats) {
		st.Invocations++
		st.RecordsDelivered += int64(len(u.recs))
		if u.redelivery {
			st.Redeliveries++
		}
	})

	var (
		resp     events.KinesisEventResponse
		err      error
		panicked bool
	)
	if r.m.BeforeInvoke != nil {
		err = r.m.BeforeInvoke(ctx, inv)
	}
	if err == nil && ctx.Err() == nil {
		hctx, cancel := withDeadline(ctx, r.clock, inv.Deadline)
		hctx = lambdacontext.NewContext(hctx, &lambdacontext.LambdaContext{
			AwsRequestID:       inv.RequestID,
			InvokedFunctionArn: r.fnARN,
		})
		resp, err, panicked = call(hctx, r.m.Handler, inv.Event)
		cancel()
	}
	if ctx.Err() != nil {
		return killed, 0, inv
	}
	end := r.clock.Now()
	timedOut := !end.Before(inv.Deadline)
	age := end.Sub(u.recs[len(u.recs)-1].ApproximateArrival)

	res, k := succeeded, 0
	switch {
	case panicked || timedOut || err != nil:
		res = failed
	case r.cfg.ReportBatchItemFailures && len(resp.BatchItemFailures) > 0:
		res, k = partial, len(u.recs)
		for _, f := range resp.BatchItemFailures {
			i := indexOf(u.recs, f.ItemIdentifier)
			if i < 0 {
				res = failed
				break
			}
			k = min(k, i)
		}
	}
	u.lastFnErr = panicked || timedOut || err != nil

	r.count(func(st *Stats) {
		if age > st.MaxIteratorAge[s.id] {
			st.MaxIteratorAge[s.id] = age
		}
		if res == failed || res == partial {
			st.BatchesFailed++
		}
		if res == partial {
			st.PartialFailures++
		}
		if u.lastFnErr {
			st.FunctionErrors++
		}
		if panicked {
			st.Panics++
		}
		if timedOut {
			st.Timeouts++
		}
	})
	return res, k, inv
}

// call runs the handler, turning a panic into a failure.
func call(ctx context.Context, h Handler, ev events.KinesisEvent) (resp events.KinesisEventResponse, err error, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			resp, err, panicked = events.KinesisEventResponse{}, fmt.Errorf("esm: handler panicked: %v", p), true
		}
	}()
	resp, err = h(ctx, ev)
	return resp, err, false
}

// indexOf finds a sequence number in recs, which are in sequence order.
func indexOf(recs []rec, seq string) int {
	lo, hi := 0, len(recs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if CompareSequenceNumbers(recs[m].SequenceNumber, seq) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(recs) && recs[lo].SequenceNumber == seq {
		return lo
	}
	return -1
}

// event builds the handler's event. Each invocation gets its own copy of the
// data, as a real one would, so a handler that changes it cannot change a
// redelivery.
func (s *shard) event(recs []rec) events.KinesisEvent {
	total := 0
	for i := range recs {
		total += len(recs[i].Data)
	}
	buf := make([]byte, 0, total)
	out := make([]events.KinesisEventRecord, len(recs))
	for i := range recs {
		rc := &recs[i]
		e := s.r.tmpl
		e.EventID = s.id + ":" + rc.SequenceNumber
		from := len(buf)
		buf = append(buf, rc.Data...)
		e.Kinesis = events.KinesisRecord{
			ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: rc.ApproximateArrival},
			Data:                        buf[from:len(buf):len(buf)],
			PartitionKey:                rc.PartitionKey,
			SequenceNumber:              rc.SequenceNumber,
			KinesisSchemaVersion:        "1.0",
		}
		out[i] = e
	}
	return events.KinesisEvent{Records: out}
}

// finish marks records done and moves the checkpoint over every finished
// prefix of the shard.
func (s *shard) finish(recs []rec, ok bool) {
	if len(recs) == 0 {
		return
	}
	// r.mu first, as everywhere: it also keeps Checkpoint calls in order.
	r := s.r
	r.mu.Lock()
	defer r.mu.Unlock()

	s.mu.Lock()
	for i := range recs {
		s.pend[recs[i].idx-s.head].done = true
	}
	n := 0
	for n < len(s.pend) && s.pend[n].done {
		n++
	}
	if n > 0 {
		s.checkpoint = s.pend[n-1].seq
		s.pend = s.pend[n:]
		s.head += int64(n)
	}
	checkpoint := s.checkpoint
	s.mu.Unlock()

	if ok {
		r.stats.RecordsSucceeded += int64(len(recs))
	} else {
		r.stats.RecordsDiscarded += int64(len(recs))
	}
	if r.m.Progress != nil {
		r.m.Progress(len(recs))
	}
	if n > 0 && r.m.Checkpoint != nil {
		r.m.Checkpoint(s.id, checkpoint)
	}
}

// discard gives up on recs (a prefix or all of u) and emits their
// on-failure record.
func (s *shard) discard(u *unit, recs []rec, condition string) {
	r := s.r
	f := OnFailureRecord{
		RequestContext: RequestContext{
			RequestID:              u.lastID,
			FunctionARN:            r.fnARN,
			Condition:              condition,
			ApproximateInvokeCount: u.invokes,
		},
		Version:   "1.0",
		Timestamp: r.clock.Now().UTC().Truncate(time.Millisecond),
		KinesisBatchInfo: KinesisBatchInfo{
			ShardID:                         s.id,
			StartSequenceNumber:             recs[0].SequenceNumber,
			EndSequenceNumber:               recs[len(recs)-1].SequenceNumber,
			ApproximateArrivalOfFirstRecord: recs[0].ApproximateArrival.UTC(),
			ApproximateArrivalOfLastRecord:  recs[len(recs)-1].ApproximateArrival.UTC(),
			BatchSize:                       len(recs),
			StreamARN:                       r.streamARN,
		},
	}
	if u.invokes > 0 {
		f.ResponseContext = ResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST"}
		if u.lastFnErr {
			f.ResponseContext.FunctionError = "Unhandled"
		}
	} else {
		f.RequestContext.RequestID = newRequestID()
	}
	r.mu.Lock()
	r.stats.DiscardedBatches++
	if r.m.OnFailure != nil {
		r.stats.OnFailureRecords++
		r.m.OnFailure(f)
	}
	r.mu.Unlock()
	s.finish(recs, false)
}

// newRequestID returns a random version 4 UUID, like Lambda's request ids.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
