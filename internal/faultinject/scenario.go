package faultinject

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Scenario is one seeded run of a Kleo-shaped stream through the event
// source mapping emulator and the real handler, with faults, followed by
// what an operator does afterwards: re-drive the batches the mapping
// discarded, create the users who signed up late, repair a malformed user
// document, and re-drive the dead letters.
type Scenario struct {
	Seed          int64
	Users, Items  int
	Shards        int
	BatchSize     int
	Parallel      int
	Bisect        bool
	StoreRate     float64 // share of store calls that fail
	StoreKinds    []Fault
	Redeliver     float64 // share of successful batches delivered again
	InvokeErrors  float64 // share of invocations whose runtime crashes before the handler
	DeadlineCuts  float64 // share of invocations whose deadline arrives mid-batch
	Kills         int     // process kills (mapping and handler restarted on the reopened store)
	MalformedRate float64
	DuplicateRate float64 // producer duplicates, under a key drawn again (so maybe on another shard)

	Keys int // KeyAddress, KeyBothSpellings or KeyRandom
	// Discards makes the mapping give up on batches: invocations fail at
	// this rate with only one retry allowed, and the discarded batches are
	// re-driven after the whole stream, later batches of the same users
	// long finished.
	Discards float64
	// Redeploy switches the classifier between invocations (a deploy while
	// batches are retried): what is counted must be what the ledger holds.
	Redeploy bool
	// Reshard streams the second half of the records on new shards (the
	// children of a split), after the first half is drained.
	Reshard bool
	// LateUser streams one user's records before the user exists; the user
	// is created afterwards and the dead letters re-driven.
	LateUser bool
	// PoisonUser seeds one user with activity_json stored as a string;
	// it is repaired afterwards and the dead letters re-driven.
	PoisonUser bool

	functionTimeout time.Duration // default 30s
}

// RandomScenario draws a scenario from seed: small streams, every mapping
// setting that changes delivery, every partition key, and a mix of faults.
func RandomScenario(seed int64) Scenario {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6b6c656f))
	kinds := []Fault{Before, During, After, Timeout}
	r.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	sc := Scenario{
		Seed:          seed,
		Users:         1 + r.IntN(5),
		Items:         2 + r.IntN(12),
		Shards:        1 + r.IntN(3),
		BatchSize:     1 + r.IntN(12),
		Parallel:      1 + r.IntN(4),
		Bisect:        r.IntN(2) == 0,
		StoreRate:     0.05 + 0.25*r.Float64(),
		StoreKinds:    kinds[:1+r.IntN(len(kinds))],
		Redeliver:     0.2 * r.Float64(),
		InvokeErrors:  0.1 * r.Float64(),
		DeadlineCuts:  0.15 * r.Float64(),
		MalformedRate: 0.1 * r.Float64(),
		DuplicateRate: 0.15 * r.Float64(),
		Keys:          r.IntN(3),
		Redeploy:      r.IntN(4) == 0,
		Reshard:       r.IntN(4) == 0,
		LateUser:      r.IntN(4) == 0,
		PoisonUser:    r.IntN(4) == 0,
	}
	if r.IntN(4) == 0 {
		sc.Discards = 0.1 + 0.2*r.Float64()
	}
	if r.IntN(3) == 0 {
		sc.Kills = 1 + r.IntN(2)
		sc.StoreKinds = append(sc.StoreKinds, Kill)
	}
	return sc
}

// Deps are what a run needs besides the scenario.
type Deps struct {
	// Open opens the store; it is called again after each kill, as a
	// restarted process would reopen it. The store must also be a
	// store.Seeder: the run plays Kleo's backend with it.
	Open       func(ctx context.Context) (store.Store, error)
	Scrubber   processor.Scrubber
	Classifier classify.Classifier
	// Redeployed is the classifier of the other deploy (Scenario.Redeploy).
	Redeployed classify.Classifier
	// Wrap, if set, wraps the store after each open (for example to route
	// it through a Proxy); the fault Store is applied on top.
	Wrap func(store.Store) store.Store
}

// Result is what a run left behind, and evidence that its faults fired.
type Result struct {
	Dump      store.Dump
	Injected  map[Fault]int
	Kills     int
	Stats     []esm.Stats
	Discarded int64 // batches the mapping gave up on
	Redriven  int   // records re-driven after the stream (discarded batches and dead letters)
	// OutOfOrder counts records handled after a later record of the same
	// user had been counted.
	OutOfOrder int
	Reports    Totals
	// Start is every user document as it was before its first record was
	// counted (the late users and the repaired documents included).
	Start []bson.M
}

// Totals adds up the handler's reports.
type Totals struct {
	processor.Report
	Redeployed int // invocations run with the other classifier
}

// Run plays sc. With faulty false it is the fault-free reference run of the
// same stream (the operator's steps afterwards included).
func Run(ctx context.Context, sc Scenario, deps Deps, faulty bool) (Result, error) {
	w := newWorld(sc)
	first, second := w.records, []sent(nil)
	if sc.Reshard {
		first, second = w.records[:len(w.records)/2], w.records[len(w.records)/2:]
	}
	var res Result
	obs := &observer{}
	obs.index(w)
	dec := NewDecider(sc.Seed)
	st, err := open(ctx, deps)
	if err != nil {
		return res, err
	}
	if err := seedWorld(ctx, st, w); err != nil {
		st.Close(context.Background())
		return res, err
	}
	st.Close(context.Background())

	var failed []failure
	var streams []*esm.Stream
	for phase, recs := range [][]sent{first, second} {
		if len(recs) == 0 {
			continue
		}
		shards := sc.Shards
		if phase == 1 {
			shards = sc.Shards + 1 // a split: more, new shards
		}
		stream, err := esm.NewStream(esm.StreamConfig{Shards: shards})
		if err != nil {
			return res, err
		}
		for _, r := range recs {
			if _, err := stream.Put(r.key, r.data); err != nil && !errors.Is(err, esm.ErrInvalidRecord) {
				return res, err
			}
		}
		streams = append(streams, stream)
		f, err := deliver(ctx, sc, deps, dec, faulty, phase, stream, obs, &res)
		if err != nil {
			return res, err
		}
		failed = append(failed, f...)
	}
	res.Discarded = int64(len(failed))

	// The operator's turn: re-drive discarded batches, let late users sign
	// up, repair the malformed user, re-drive dead letters.
	st, err = open(ctx, deps)
	if err != nil {
		return res, err
	}
	defer st.Close(context.Background())
	h := obs.wrap(processor.New(st, deps.Scrubber, deps.Classifier, processor.Options{Observer: obs}).Handle)
	for _, f := range failed {
		recs := rereadBatch(streams[f.phase], f.KinesisBatchInfo, f.phase)
		n, err := drive(ctx, h, recs)
		if err != nil {
			return res, fmt.Errorf("re-driving %s: %w", f.KinesisBatchInfo.ShardID, err)
		}
		res.Redriven += n
	}
	seeder := st.(store.Seeder)
	if len(w.late) > 0 {
		if err := seeder.InsertUsers(ctx, w.late); err != nil {
			return res, err
		}
	}
	if len(w.repairs) > 0 {
		if err := seeder.ReplaceUsers(ctx, w.repairs); err != nil {
			return res, err
		}
	}
	n, err := redriveLetters(ctx, st, h)
	if err != nil {
		return res, err
	}
	res.Redriven += n
	res.Start = append(append(append([]bson.M(nil), w.users...), w.late...), w.repairs...)
	res.Reports = obs.totals()
	res.OutOfOrder = obs.outOfOrder
	res.Dump, err = st.Dump(ctx)
	return res, err
}

// failure is an on-failure record and the phase whose stream it names.
type failure struct {
	esm.OnFailureRecord
	phase int
}

// deliver runs the mapping over one stream until it is drained, restarting
// it after kills, and returns the batches it discarded.
func deliver(ctx context.Context, sc Scenario, deps Deps, dec *Decider, faulty bool, phase int, stream *esm.Stream, obs *observer, res *Result) ([]failure, error) {
	cfg := esm.DefaultConfig()
	cfg.BatchSize = sc.BatchSize
	cfg.ParallelizationFactor = sc.Parallel
	cfg.BisectBatchOnFunctionError = sc.Bisect
	cfg.MaximumBatchingWindow = 0
	// Transient faults must never lose a batch: the books come out exact
	// once the mapping has retried enough. Discards are asked for.
	cfg.MaximumRetryAttempts = -1
	if faulty && sc.Discards > 0 {
		cfg.MaximumRetryAttempts = 1
	}
	cfg.MaximumRecordAge = -1
	cfg.FunctionTimeout = 30 * time.Second
	if sc.functionTimeout > 0 {
		cfg.FunctionTimeout = sc.functionTimeout
	}
	var failed []failure
	positions := map[string]string{}
	killsLeft := 0
	if faulty {
		killsLeft = sc.Kills
	}
	for {
		st, err := open(ctx, deps)
		if err != nil {
			return failed, err
		}
		if deps.Wrap != nil {
			st = deps.Wrap(st)
		}
		runCtx, kill := context.WithCancel(ctx)
		killed := false
		fs := &Store{Store: st, Decider: dec}
		if faulty {
			fs.Rate = sc.StoreRate
			fs.Kinds = sc.StoreKinds
			if killsLeft == 0 {
				fs.Kinds = without(fs.Kinds, Kill)
			}
			fs.OnKill = func() { killed = true; kill() }
		}
		m := esm.Mapping{
			Source:            stream,
			Config:            cfg,
			StartingPositions: positions,
			Handler:           handler(fs, deps, dec, faulty, sc, phase, obs),
			OnFailure:         func(r esm.OnFailureRecord) { failed = append(failed, failure{r, phase}) },
		}
		if faulty {
			m.BeforeInvoke = func(_ context.Context, inv *esm.Invocation) error {
				if dec.Uniform("invoke|"+firstSeq(inv.Event)) < sc.InvokeErrors+sc.Discards {
					return fmt.Errorf("%w: runtime crashed before the handler", ErrInjected)
				}
				return nil
			}
			m.Redeliver = func(inv *esm.Invocation) bool {
				return dec.Uniform("redeliver|"+firstSeq(inv.Event)) < sc.Redeliver
			}
		}
		stats, err := m.Run(runCtx)
		kill()
		res.Stats = append(res.Stats, stats)
		for k, n := range fs.Injected() {
			if res.Injected == nil {
				res.Injected = map[Fault]int{}
			}
			res.Injected[k] += n
		}
		st.Close(context.Background())
		if killed {
			// The process died: restart from the checkpoints, as a new
			// mapping lease would, on a reopened store.
			res.Kills++
			killsLeft--
			positions = stats.Checkpoints
			continue
		}
		return failed, err
	}
}

func seedWorld(ctx context.Context, st store.Store, w world) error {
	s, ok := st.(store.Seeder)
	if !ok {
		return fmt.Errorf("faultinject: %T cannot seed Kleo's documents", st)
	}
	if err := s.InsertUsers(ctx, w.users); err != nil {
		return err
	}
	return s.InsertHistory(ctx, w.history)
}

// shardName gives the shards of the second phase the new ids a split gives
// its children, so no two shards of a run share an id.
func shardName(id string, phase int) string {
	if phase == 0 {
		return id
	}
	return fmt.Sprintf("%s-child%d", id, phase)
}

// rereadBatch reads a discarded batch's records back from the stream, as
// `kleo redrive` does from Kinesis.
func rereadBatch(stream *esm.Stream, info esm.KinesisBatchInfo, phase int) []events.KinesisEventRecord {
	var out []events.KinesisEventRecord
	after := ""
	for {
		recs, _, err := stream.Read(context.Background(), info.ShardID, after, 1000)
		if err != nil || len(recs) == 0 {
			return out
		}
		for _, r := range recs {
			after = r.SequenceNumber
			if esm.CompareSequenceNumbers(r.SequenceNumber, info.StartSequenceNumber) < 0 {
				continue
			}
			if esm.CompareSequenceNumbers(r.SequenceNumber, info.EndSequenceNumber) > 0 {
				return out
			}
			out = append(out, kinesisRecord(shardName(info.ShardID, phase), r.SequenceNumber, r.PartitionKey, r.Data))
		}
	}
}

func kinesisRecord(shard, seq, key string, data []byte) events.KinesisEventRecord {
	return events.KinesisEventRecord{
		EventID: shard + ":" + seq, EventSource: "aws:kinesis", EventName: "aws:kinesis:record",
		Kinesis: events.KinesisRecord{SequenceNumber: seq, PartitionKey: key, Data: data},
	}
}

// drive hands recs to h until none fails, resuming from the lowest failed
// record as the mapping does.
func drive(ctx context.Context, h esm.Handler, recs []events.KinesisEventRecord) (int, error) {
	n := len(recs)
	for attempt := 0; len(recs) > 0; attempt++ {
		if attempt == 20 {
			return n, errors.New("faultinject: a re-driven batch kept failing")
		}
		resp, err := h(ctx, events.KinesisEvent{Records: recs})
		if err != nil {
			continue
		}
		if len(resp.BatchItemFailures) == 0 {
			return n, nil
		}
		lowest := resp.BatchItemFailures[0].ItemIdentifier
		for _, f := range resp.BatchItemFailures {
			if esm.CompareSequenceNumbers(f.ItemIdentifier, lowest) < 0 {
				lowest = f.ItemIdentifier
			}
		}
		for i, r := range recs {
			if r.Kinesis.SequenceNumber == lowest {
				recs = recs[i:]
				break
			}
		}
	}
	return n, nil
}

// redriveLetters re-processes the open dead letters of decodable records
// from Kleo's history documents, as `kleo redrive --dead-letters` does.
func redriveLetters(ctx context.Context, st store.Store, h esm.Handler) (int, error) {
	letters, err := st.DeadLetters(ctx, store.LetterQuery{State: store.LetterOpen})
	if err != nil {
		return 0, err
	}
	var ids []string
	for _, l := range letters {
		if l.ItemID != "" {
			ids = append(ids, l.ItemID)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	docs, err := st.HistoryJSON(ctx, ids)
	if err != nil {
		return 0, err
	}
	n := 0
	var updates []store.LetterUpdate
	for _, l := range letters {
		data, ok := docs[l.ItemID]
		if l.ItemID == "" || !ok {
			continue
		}
		if _, err := drive(ctx, h, []events.KinesisEventRecord{kinesisRecord(l.Shard, l.Seq, l.Address, data)}); err != nil {
			return n, err
		}
		n++
		updates = append(updates, store.LetterUpdate{ID: l.ID, State: store.LetterDone})
	}
	return n, st.UpdateDeadLetters(ctx, updates)
}

// open opens the store, retrying transient failures as Lambda retries a
// failed init on the next invocation.
func open(ctx context.Context, deps Deps) (store.Store, error) {
	var err error
	for range 5 {
		var st store.Store
		if st, err = deps.Open(ctx); err == nil || !errors.Is(err, store.ErrUnavailable) {
			return st, err
		}
	}
	return nil, err
}

// handler builds a fresh processor per invocation (as cheap as it is in
// Lambda) so that a deadline cut can be given its own clock and a redeploy
// its own classifier.
func handler(st store.Store, deps Deps, dec *Decider, faulty bool, sc Scenario, phase int, obs *observer) esm.Handler {
	return obs.wrap(func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		for i := range ev.Records {
			r := &ev.Records[i]
			if id, seq, ok := strings.Cut(r.EventID, ":"); ok {
				r.EventID = shardName(id, phase) + ":" + seq
			}
		}
		opt := processor.Options{Observer: obs}
		cls := deps.Classifier
		if sc.Redeploy && deps.Redeployed != nil && dec.Uniform("deploy|"+firstSeq(ev)) < 0.5 {
			cls = deps.Redeployed
			obs.redeployed()
		}
		if faulty {
			if u := dec.Uniform("deadline|" + firstSeq(ev)); u < sc.DeadlineCuts {
				// The clock jumps past the deadline after a few records.
				calls, after := 0, 1+int(u/sc.DeadlineCuts*float64(4*len(ev.Records)))
				opt.Now = func() time.Time {
					calls++
					if calls > after {
						return time.Now().Add(time.Hour)
					}
					return time.Now()
				}
			}
		}
		return processor.New(st, deps.Scrubber, cls, opt).Handle(ctx, ev)
	})
}

// observer adds up the handler's reports and watches the order in which
// each user's records finish.
type observer struct {
	mu         sync.Mutex
	t          Totals
	byData     map[string]sent
	latest     map[int]int64 // user -> latest visit time finished
	outOfOrder int
}

func (o *observer) Observe(_ context.Context, r processor.Report) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.t.Add(r)
}

func (o *observer) redeployed() {
	o.mu.Lock()
	o.t.Redeployed++
	o.mu.Unlock()
}

func (o *observer) totals() Totals {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.t
}

func (o *observer) index(w world) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.byData = make(map[string]sent, len(w.records))
	for _, r := range w.records {
		o.byData[string(r.data)] = r
	}
}

// wrap notes, for the records an invocation finished, whether a later
// record of the same user had finished before.
func (o *observer) wrap(h esm.Handler) esm.Handler {
	return func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		resp, err := h(ctx, ev)
		if err != nil {
			return resp, err
		}
		failed := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.latest == nil {
			o.latest = map[int]int64{}
		}
		for _, r := range ev.Records {
			s, ok := o.byData[string(r.Kinesis.Data)]
			if !ok || s.user < 0 || failed[r.Kinesis.SequenceNumber] {
				continue
			}
			if s.when < o.latest[s.user] {
				o.outOfOrder++
			} else {
				o.latest[s.user] = s.when
			}
		}
		return resp, nil
	}
}

func firstSeq(ev events.KinesisEvent) string {
	if len(ev.Records) == 0 {
		return ""
	}
	return ev.Records[0].EventID
}

func without(kinds []Fault, f Fault) []Fault {
	var out []Fault
	for _, k := range kinds {
		if k != f {
			out = append(out, k)
		}
	}
	return out
}

// Books is what a run must get right: what Kleo's dashboard shows of each
// user, the effect recorded for each item, and the dead letters.
type Books struct {
	Users   map[string]string // address -> owned fields, canonically printed
	Effects map[string]string // item id -> address, bytes, activity, PII, points
	// Letters are "id state reason", sorted. A letter of a decodable
	// record names its item rather than its record: which of an item's
	// duplicate records meets the unknown user first depends on how the
	// batches were cut.
	Letters []string
	Kleo    map[string]string // user _id -> every field the processor does not own
	History int               // history documents
}

// BooksOf extracts the books from a dump.
func BooksOf(d store.Dump) Books {
	b := Books{Users: map[string]string{}, Effects: map[string]string{}, Kleo: map[string]string{}, History: len(d.History)}
	for _, u := range d.Users {
		addr, _ := u["address"].(string)
		b.Users[addr] = fmt.Sprintf("data=%v owned=%v points=%v pii=%v activities=%v",
			u["total_data_quantity"], field(u, "milestones", "data_owned"), u["kleo_points"], u["pii_removed_count"], canonical(u["activity_json"]))
		rest := bson.M{}
		for k, v := range u {
			switch k {
			case "total_data_quantity", "kleo_points", "pii_removed_count", "activity_json", "kleo_stream":
				continue
			case "milestones":
				m := bson.M{}
				for mk, mv := range asMap(v) {
					if mk != "data_owned" {
						m[mk] = mv
					}
				}
				v = m
			}
			rest[k] = v
		}
		b.Kleo[fmt.Sprint(u["_id"])] = canonical(rest)
	}
	for _, e := range d.Ledger {
		b.Effects[e.ID] = fmt.Sprintf("%s %d %s %d %d", e.Address, e.Bytes, e.Activity, e.PII, e.Points)
	}
	seen := map[string]bool{}
	for _, l := range d.DeadLetters {
		k := l.ID + " " + l.State + " " + l.Reason
		if l.ItemID != "" {
			k = "item " + l.ItemID + " " + l.State + " " + l.Reason
		}
		if !seen[k] {
			seen[k] = true
			b.Letters = append(b.Letters, k)
		}
	}
	sort.Strings(b.Letters)
	return b
}

// Diff compares the books of two runs. It returns "" when they are equal.
func Diff(want, got Books) string {
	if !reflect.DeepEqual(want.Users, got.Users) {
		for a, w := range want.Users {
			if got.Users[a] != w {
				return fmt.Sprintf("user %s:\nwant %s\n got %s", a, w, got.Users[a])
			}
		}
		return fmt.Sprintf("users differ: %d users, want %d", len(got.Users), len(want.Users))
	}
	if !reflect.DeepEqual(want.Effects, got.Effects) {
		for id, w := range want.Effects {
			if got.Effects[id] != w {
				return fmt.Sprintf("ledger entry %s:\nwant %s\n got %s", id, w, got.Effects[id])
			}
		}
		return fmt.Sprintf("ledger: %d entries, want %d", len(got.Effects), len(want.Effects))
	}
	if !reflect.DeepEqual(want.Letters, got.Letters) {
		return fmt.Sprintf("dead letters differ:\nwant %v\n got %v", want.Letters, got.Letters)
	}
	if !reflect.DeepEqual(want.Kleo, got.Kleo) || want.History != got.History {
		return "a field or document the processor does not own differs"
	}
	return ""
}

// Consistent checks a run's books on their own: every user's counters are
// the seeded values plus the effects of exactly its ledger entries, whatever
// classifier computed them. It returns "" when they are.
func Consistent(res Result) string {
	start := map[string]bson.M{}
	for _, u := range res.Start {
		start[fmt.Sprint(u["_id"])] = u // a repaired document replaces its malformed one
	}
	final := res.Dump
	type sum struct {
		bytes, pii, points int64
		acts               map[string]int64
	}
	per := map[string]*sum{}
	for _, e := range final.Ledger {
		s := per[e.Address]
		if s == nil {
			s = &sum{acts: map[string]int64{}}
			per[e.Address] = s
		}
		s.bytes += e.Bytes
		s.pii += e.PII
		s.points += e.Points
		s.acts[e.Activity]++
	}
	for _, u := range final.Users {
		addr := strings.ToLower(fmt.Sprint(u["address"]))
		s := per[addr]
		if s == nil {
			s = &sum{acts: map[string]int64{}}
		}
		b := start[fmt.Sprint(u["_id"])]
		if got, want := toInt(u["total_data_quantity"]), toInt(b["total_data_quantity"])+s.bytes; got != want {
			return fmt.Sprintf("%s: total_data_quantity %d, want %d from the ledger", addr, got, want)
		}
		if got, want := toInt(field(u, "milestones", "data_owned")), toInt(field(b, "milestones", "data_owned"))+s.bytes; got != want {
			return fmt.Sprintf("%s: milestones.data_owned %d, want %d from the ledger", addr, got, want)
		}
		if got, want := toInt(u["pii_removed_count"]), toInt(b["pii_removed_count"])+s.pii; got != want {
			return fmt.Sprintf("%s: pii_removed_count %d, want %d from the ledger", addr, got, want)
		}
		acts := asMap(u["activity_json"])
		old := asMap(b["activity_json"])
		for a, n := range s.acts {
			if got, want := toInt(acts[a]), toInt(old[a])+n; got != want {
				return fmt.Sprintf("%s: activity_json.%s %d, want %d from the ledger", addr, a, got, want)
			}
		}
	}
	return ""
}

func field(d bson.M, sub, name string) any { return asMap(d[sub])[name] }

func asMap(v any) bson.M {
	switch d := v.(type) {
	case bson.M:
		return d
	case bson.D:
		m := bson.M{}
		for _, e := range d {
			m[e.Key] = e.Value
		}
		return m
	}
	return nil
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int32:
		return int64(n)
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}

// canonical prints a value with sorted keys and its BSON types, so that an
// int32 turned int64 or a float shows.
func canonical(v any) string {
	switch d := v.(type) {
	case bson.M, bson.D:
		m := asMap(d)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var sb strings.Builder
		sb.WriteString("{")
		for _, k := range keys {
			fmt.Fprintf(&sb, "%s:%s,", k, canonical(m[k]))
		}
		sb.WriteString("}")
		return sb.String()
	case bson.A:
		parts := make([]string, len(d))
		for i, x := range d {
			parts[i] = canonical(x)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprintf("%T(%v)", v, v)
}
