package processor

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// want is the books after every record of recs counted once on top of the
// seeded users' starting values, as stubClassifier classifies them.
func want(t *testing.T, seeded map[int]bson.M, recs []events.KinesisEventRecord) map[string]books {
	return wantAs(t, seeded, recs, stubClassifier{})
}

func wantAs(t *testing.T, seeded map[int]bson.M, recs []events.KinesisEventRecord, cls classify.Classifier) map[string]books {
	t.Helper()
	out := map[string]books{}
	for _, d := range seeded {
		b := books{Data: 1000, Owned: 1000, Points: 40, Activities: map[string]int64{}}
		for k, v := range sub(d["activity_json"]) {
			b.Activities[k] = num(t, v)
		}
		out[d["address"].(string)] = b
	}
	seen := map[string]bool{}
	for _, r := range recs {
		data := string(r.Kinesis.Data)
		id := data[8:32]
		if seen[id] {
			continue
		}
		seen[id] = true
		var u int
		for u = 0; u < 100 && !strings.Contains(data, addr(u)); u++ {
		}
		a := eip55.Checksum(addr(u))
		b, ok := out[a]
		if !ok {
			continue // unknown user: dead-lettered
		}
		b.Data += int64(len(data))
		b.Owned += int64(len(data))
		b.PII += int64(strings.Count(data, "jane@example.com"))
		b.Activities[string(cls.Classify(context.Background(), classify.Input{URL: data}).Activity)]++
		out[a] = b
	}
	return out
}

func TestCountsEachItemOnceOnKleoUsers(t *testing.T) {
	st := openStore(t)
	seeded := seed(t, st, 0, 1, 2, 3)
	before := dump(t, st)
	p := New(st, stubScrubber{}, stubClassifier{}, Options{})
	recs := stream(4, 5)
	if resp := handle(t, p, recs); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	equalBooks(t, booksOf(t, st), want(t, seeded, recs))

	after := dump(t, st)
	if len(after.Users) != len(before.Users) || len(after.History) != len(before.History) {
		t.Fatalf("documents created: users %d -> %d, history %d -> %d", len(before.Users), len(after.Users), len(before.History), len(after.History))
	}
	for i := range before.Users {
		if b, a := kleoFields(before.Users[i]), kleoFields(after.Users[i]); !reflect.DeepEqual(b, a) {
			t.Errorf("a field the processor does not own changed:\nbefore %v\nafter  %v", b, a)
		}
	}
	// Kleo's points rule awards nothing per item; points come with archives.
	for a, b := range booksOf(t, st) {
		if b.Points != 40 {
			t.Errorf("%s: kleo_points %d, want 40 untouched", a, b.Points)
		}
	}
	if len(after.Ledger) != len(recs) {
		t.Errorf("%d ledger entries, want %d", len(after.Ledger), len(recs))
	}
}

// TestAnyDeliveryOrder replays batches as the event source mapping and an
// operator can: the whole batch again, overlapping halves, bisected halves,
// resumed from a failure, out of order, on other shards, one batch re-driven
// after later ones. The books equal one clean pass.
func TestAnyDeliveryOrder(t *testing.T) {
	recs := stream(5, 20)
	clean := openStore(t)
	seeded := seed(t, clean, 0, 1, 2, 3, 4)
	handle(t, New(clean, stubScrubber{}, stubClassifier{}, Options{}), recs)
	wantBooks := want(t, seeded, recs)
	equalBooks(t, booksOf(t, clean), wantBooks)

	shuffled := slices.Clone(recs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	otherShard := make([]events.KinesisEventRecord, len(recs))
	for i, r := range recs {
		otherShard[i] = recOn("shardId-000000000009", i+500, string(r.Kinesis.Data))
	}
	tests := []struct {
		name    string
		batches [][]events.KinesisEventRecord
	}{
		{"three times", [][]events.KinesisEventRecord{recs, recs, recs}},
		{"overlapping halves", [][]events.KinesisEventRecord{recs[:60], recs[40:], recs}},
		{"bisected", [][]events.KinesisEventRecord{recs[:50], recs[:25], recs[25:50], recs[50:], recs[50:75], recs[75:]}},
		{"resumed from a failure", [][]events.KinesisEventRecord{recs[:30], recs[17:], recs[17:]}},
		{"later batches first, then the discarded one re-driven", [][]events.KinesisEventRecord{recs[50:], recs[:50]}},
		{"shuffled, in small batches", chunks(shuffled, 7)},
		{"reversed, one at a time", chunks(reversed(recs), 1)},
		{"the same documents again on another shard", [][]events.KinesisEventRecord{recs[:50], otherShard, recs[50:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			seedLike(t, st, clean)
			p := New(st, stubScrubber{}, stubClassifier{}, Options{})
			for _, b := range tt.batches {
				if resp := handle(t, p, b); len(resp.BatchItemFailures) != 0 {
					t.Fatalf("failures %v", resp.BatchItemFailures)
				}
			}
			equalBooks(t, booksOf(t, st), wantBooks)
		})
	}
}

// seedLike seeds st with the users clean was seeded with (same documents,
// same ids) before anything was counted.
func seedLike(t *testing.T, st kleoStore, clean store.Store) {
	t.Helper()
	var docs []bson.M
	for _, u := range dump(t, clean).Users {
		d := kleoFields(u)
		for u := 0; u < 100; u++ {
			if d["address"] == eip55.Checksum(addr(u)) {
				k := kleoUser(u)
				for _, f := range []string{"total_data_quantity", "kleo_points", "activity_json", "milestones"} {
					if v, ok := k[f]; ok {
						d[f] = v
					}
				}
				break
			}
		}
		docs = append(docs, d)
	}
	if err := st.InsertUsers(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

func chunks(recs []events.KinesisEventRecord, n int) [][]events.KinesisEventRecord {
	var out [][]events.KinesisEventRecord
	for len(recs) > 0 {
		k := min(n, len(recs))
		out = append(out, recs[:k])
		recs = recs[k:]
	}
	return out
}

func reversed(recs []events.KinesisEventRecord) []events.KinesisEventRecord {
	out := slices.Clone(recs)
	slices.Reverse(out)
	return out
}

func TestProducerDuplicateCountedOnce(t *testing.T) {
	st := openStore(t)
	seeded := seed(t, st, 0)
	p := New(st, stubScrubber{}, stubClassifier{}, Options{})
	d := doc(0, 0)
	// The same document sent twice by the producer, in one batch, again in a
	// later one and on another shard.
	handle(t, p, []events.KinesisEventRecord{rec(0, d), rec(1, d)})
	handle(t, p, []events.KinesisEventRecord{rec(2, d)})
	handle(t, p, []events.KinesisEventRecord{recOn("shardId-000000000001", 7, d)})
	equalBooks(t, booksOf(t, st), want(t, seeded, []events.KinesisEventRecord{rec(0, d)}))
}

func TestUnknownUserWaitsForTheUser(t *testing.T) {
	st := openStore(t)
	seed(t, st, 0)
	p := New(st, stubScrubber{}, stubClassifier{}, Options{})
	recs := stream(2, 3) // user 1 does not exist yet
	if resp := handle(t, p, recs); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("an unknown user blocked the shard: %v", resp.BatchItemFailures)
	}
	d := dump(t, st)
	if len(d.Users) != 1 {
		t.Fatalf("%d users, want 1: the processor must never create a user", len(d.Users))
	}
	var letters int
	for _, dl := range d.DeadLetters {
		if dl.Reason != ReasonUnknownUser || dl.Address != addr(1) || dl.ItemID == "" || dl.Payload != nil || dl.State != store.LetterOpen {
			t.Errorf("dead letter %+v, want an open, payload-free letter for user 1's item", dl)
		}
		letters++
	}
	if letters != 3 {
		t.Fatalf("%d dead letters, want 3", letters)
	}

	// The user signs up; the records are re-driven by a later, redeployed
	// processor whose classifier disagrees: the effect computed the first
	// time is the one applied.
	seeded := seed(t, st, 1)
	p2 := New(st, stubScrubber{}, otherClassifier{}, Options{})
	handle(t, p2, recs)
	handle(t, p2, recs)
	got := booksOf(t, st)[eip55.Checksum(addr(1))]
	w := want(t, seeded, recs)[eip55.Checksum(addr(1))]
	if !reflect.DeepEqual(got, w) {
		t.Errorf("re-driven user: got %+v, want %+v", got, w)
	}
}

func TestPoisonUserDocumentIsDeadLettered(t *testing.T) {
	st := openStore(t)
	docs := []bson.M{kleoUser(0), kleoUser(1), kleoUser(2)}
	docs[1]["activity_json"] = "Coding"     // not an object
	docs[2]["kleo_points"] = "forty"        // not a number
	docs[2]["total_data_quantity"] = "1000" // not a number
	if err := st.InsertUsers(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	before := dump(t, st)
	p := New(st, stubScrubber{}, stubClassifier{}, Options{})
	recs := stream(3, 4)
	if resp := handle(t, p, recs); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("a poison user document blocked the shard: %v", resp.BatchItemFailures)
	}
	d := dump(t, st)
	reasons := map[string]int{}
	for _, dl := range d.DeadLetters {
		if dl.Address == addr(0) {
			t.Errorf("the healthy user's record was dead-lettered: %+v", dl)
		}
		reasons[dl.Reason]++
		if strings.Contains(dl.Reason, "forty") || strings.Contains(dl.Reason, "Coding") {
			t.Errorf("reason quotes the document's value: %q", dl.Reason)
		}
	}
	if len(d.DeadLetters) != 8 || len(reasons) < 2 {
		t.Errorf("dead letters by reason %v, want 8 letters with a reason per user", reasons)
	}
	for i := 1; i < 3; i++ {
		if !reflect.DeepEqual(before.Users[i], d.Users[i]) {
			t.Errorf("poison user %d was changed", i)
		}
	}
	if got := num(t, d.Users[0]["total_data_quantity"]); got == 1000 {
		t.Errorf("the healthy user was not counted: total_data_quantity %d", got)
	}
}

func TestUndecodableRecordsAreDeadLettered(t *testing.T) {
	st := openStore(t)
	seed(t, st, 0)
	// The store deletes expired letters on its own clock: keep ours near it.
	now := time.Now().UTC().Truncate(time.Second)
	p := New(st, stubScrubber{}, stubClassifier{}, Options{MaxDeadLetterPayload: 64, DeadLetterRetention: time.Hour, Now: func() time.Time { return now }})
	bad := rec(5, doc(0, 2))
	bad.Kinesis.SequenceNumber = "49590338x"
	empty := rec(6, `not json either jane@example.com`)
	empty.Kinesis.SequenceNumber = ""
	recs := []events.KinesisEventRecord{
		rec(0, doc(0, 0)),
		rec(1, `not json jane@example.com`),
		rec(2, `{"_id":"672e257c75477a14bfebfac3","address":{"$ne":null},"visitTime":1}`),
		rec(3, doc(0, 1)),
		rec(4, `{"operationType":"delete"}`+strings.Repeat(" ", 200)),
		bad, empty,
	}
	resp := handle(t, p, recs)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("malformed records reported as failures (they would block the shard): %v", resp.BatchItemFailures)
	}
	d := dump(t, st)
	wantReasons := map[string]string{
		recs[1].Kinesis.SequenceNumber: "document is not JSON",
		recs[2].Kinesis.SequenceNumber: "address: want a string, got object",
		recs[4].Kinesis.SequenceNumber: `unsupported operationType "delete"`,
		bad.Kinesis.SequenceNumber:     reasonBadSeq,
		"":                             reasonBadSeq,
	}
	if len(d.DeadLetters) != len(wantReasons) {
		t.Fatalf("%d dead letters, want %d: %+v", len(d.DeadLetters), len(wantReasons), d.DeadLetters)
	}
	for _, dl := range d.DeadLetters {
		if dl.Reason != wantReasons[dl.Seq] || dl.Shard != shard || !strings.HasPrefix(dl.ID, shard+"/") {
			t.Errorf("dead letter %+v, want reason %q", dl, wantReasons[dl.Seq])
		}
		if len(dl.Payload) > 64 || strings.Contains(string(dl.Payload), "jane@") || len(dl.Payload) == 0 {
			t.Errorf("dead-letter payload not kept, not capped or not scrubbed: %q", dl.Payload)
		}
		if !dl.ExpireAt.Equal(now.Add(time.Hour)) {
			t.Errorf("payload expires at %v, want %v", dl.ExpireAt, now.Add(time.Hour))
		}
	}
	if b := booksOf(t, st)[eip55.Checksum(addr(0))]; b.Activities["Coding"] != 4 || b.Activities["Streaming"] != 1 {
		t.Errorf("valid records around the bad ones not counted: %+v", b)
	}
	// Redelivery of the same batch adds no second dead letter.
	handle(t, p, recs)
	if d2 := dump(t, st); len(d2.DeadLetters) != len(wantReasons) {
		t.Errorf("redelivery duplicated dead letters: %d", len(d2.DeadLetters))
	}
}

// flakyStore fails chosen calls with a transient error, or makes one user's
// guard conflict.
type flakyStore struct {
	kleoStore
	failUsers, failLedger, failApply bool
	conflict                         string // user id whose update reports ErrConflict
}

func (f *flakyStore) Users(ctx context.Context, addrs []string) (map[string]store.UserState, error) {
	if f.failUsers {
		return nil, fmt.Errorf("users: %w", store.ErrUnavailable)
	}
	return f.kleoStore.Users(ctx, addrs)
}

func (f *flakyStore) Ledger(ctx context.Context, es []store.Entry, counted []string) (map[string]store.Entry, error) {
	if f.failLedger {
		// The worst case: the write took effect, the answer was lost.
		f.kleoStore.Ledger(ctx, es, counted)
		return nil, fmt.Errorf("ledger: %w", store.ErrUnavailable)
	}
	return f.kleoStore.Ledger(ctx, es, counted)
}

func (f *flakyStore) Apply(ctx context.Context, ups []store.Apply) ([]error, error) {
	if f.failApply {
		return nil, fmt.Errorf("apply: %w", store.ErrUnavailable)
	}
	var keep []store.Apply
	for _, u := range ups {
		if u.UserID != f.conflict {
			keep = append(keep, u)
		}
	}
	errs, err := f.kleoStore.Apply(ctx, keep)
	if err != nil {
		return nil, err
	}
	out := make([]error, len(ups))
	j := 0
	for i, u := range ups {
		if u.UserID == f.conflict {
			out[i] = store.ErrConflict
			continue
		}
		out[i] = errs[j]
		j++
	}
	return out, nil
}

func TestTransientFailuresAreRetriedWithoutDoubleCounting(t *testing.T) {
	recs := stream(4, 5)
	for _, fail := range []string{"users", "ledger", "apply"} {
		t.Run(fail+" fails: the whole batch is an error, then the retry counts once", func(t *testing.T) {
			st := openStore(t)
			seeded := seed(t, st, 0, 1, 2, 3)
			f := &flakyStore{kleoStore: st, failUsers: fail == "users", failLedger: fail == "ledger", failApply: fail == "apply"}
			// A redeploy between the failure and the retry must not change
			// what is counted.
			_, err := New(f, stubScrubber{}, otherClassifier{}, Options{}).Handle(context.Background(), events.KinesisEvent{Records: recs})
			if !errors.Is(err, ErrBatchFailed) {
				t.Fatalf("err = %v, want ErrBatchFailed", err)
			}
			f.failUsers, f.failLedger, f.failApply = false, false, false
			handle(t, New(f, stubScrubber{}, stubClassifier{}, Options{}), recs)
			handle(t, New(f, stubScrubber{}, stubClassifier{}, Options{}), recs)
			w := want(t, seeded, recs)
			if fail != "users" {
				// The failed invocation wrote the ledger: its classifier's
				// answer is the one counted.
				w = wantAs(t, seeded, recs, otherClassifier{})
			}
			equalBooks(t, booksOf(t, st), w)
		})
	}
	t.Run("one user's guard conflicts", func(t *testing.T) {
		st := openStore(t)
		seeded := seed(t, st, 0, 1, 2, 3)
		us, err := st.Users(context.Background(), []string{addr(2)})
		if err != nil {
			t.Fatal(err)
		}
		f := &flakyStore{kleoStore: st, conflict: us[addr(2)].ID}
		p := New(f, stubScrubber{}, stubClassifier{}, Options{})
		resp := handle(t, p, recs)
		var got []string
		for _, bf := range resp.BatchItemFailures {
			got = append(got, bf.ItemIdentifier)
		}
		var wantSeqs []string
		for i := 2; i < len(recs); i += 4 {
			wantSeqs = append(wantSeqs, recs[i].Kinesis.SequenceNumber)
		}
		if !reflect.DeepEqual(got, wantSeqs) {
			t.Fatalf("failures = %v, want user 2's records %v", got, wantSeqs)
		}
		// The mapping resumes from the lowest failed record.
		f.conflict = ""
		handle(t, p, recs[2:])
		equalBooks(t, booksOf(t, st), want(t, seeded, recs))
	})
}

func TestStopsBeforeTheDeadline(t *testing.T) {
	st := openStore(t)
	seed(t, st, 0, 1)
	recs := stream(2, 10)
	now := time.Now()
	clock := func() time.Time { now = now.Add(100 * time.Millisecond); return now }
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer cancel()
	// The processor reads the context's deadline and compares it with Now,
	// so give it a margin relative to the fake clock.
	dl, _ := ctx.Deadline()
	p := New(st, stubScrubber{}, stubClassifier{}, Options{Now: clock, DeadlineMargin: dl.Sub(now) - time.Second})
	resp, err := p.Handle(ctx, events.KinesisEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) == 0 || len(resp.BatchItemFailures) == len(recs) {
		t.Fatalf("want some records finished and the rest reported, got %d failures of %d", len(resp.BatchItemFailures), len(recs))
	}
	first := resp.BatchItemFailures[0].ItemIdentifier
	done := 0
	for done < len(recs) && recs[done].Kinesis.SequenceNumber != first {
		done++
	}
	for i, bf := range resp.BatchItemFailures {
		if bf.ItemIdentifier != recs[done+i].Kinesis.SequenceNumber {
			t.Fatalf("failures are not the unfinished tail of the batch")
		}
	}
	if n := len(dump(t, st).Ledger); n != done {
		t.Errorf("%d items in the ledger, want the %d finished before the deadline", n, done)
	}
}

func TestManyItemsOfOneUserAreBounded(t *testing.T) {
	st := openStore(t)
	seeded := seed(t, st, 0)
	p := New(st, stubScrubber{}, stubClassifier{}, Options{MaxItemsPerUser: 4})
	recs := stream(1, 10)
	resp := handle(t, p, recs)
	if len(resp.BatchItemFailures) != 6 || resp.BatchItemFailures[0].ItemIdentifier != recs[4].Kinesis.SequenceNumber {
		t.Fatalf("failures %v, want the 6 records past the first 4", resp.BatchItemFailures)
	}
	us, err := st.Users(context.Background(), []string{addr(0)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(us[addr(0)].Applied); n != 4 {
		t.Errorf("kleo_stream.applied holds %d ids, want at most 4", n)
	}
	handle(t, p, recs[4:])
	handle(t, p, recs[8:])
	equalBooks(t, booksOf(t, st), want(t, seeded, recs))
}
