package processor

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

const shard = "shardId-000000000003"

// stubScrubber redacts one known e-mail address, so tests can count findings
// without depending on the real engine's rules.
type stubScrubber struct{}

func (stubScrubber) Scrub(text, _ string) (string, []pii.Finding) {
	const email = "jane@example.com"
	var found []pii.Finding
	for i := strings.Index(text, email); i >= 0; i = strings.Index(text, email) {
		found = append(found, pii.Finding{Type: pii.Email, Start: i, End: i + len(email)})
		text = text[:i] + "<EMAIL_ADDRESS>" + text[i+len(email):]
	}
	return text, found
}

// stubClassifier maps a URL's host to an activity.
type stubClassifier struct{}

func (stubClassifier) Classify(_ context.Context, in classify.Input) classify.Result {
	switch {
	case strings.Contains(in.URL, "github.com"):
		return classify.Result{Activity: activity.Coding, Confidence: 0.9}
	case strings.Contains(in.URL, "netflix.com"):
		return classify.Result{Activity: activity.Streaming, Confidence: 0.9}
	}
	return classify.Result{Activity: activity.Reading, Confidence: 0.2, Low: true}
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := embedded.Open(context.Background(), t.TempDir(), embedded.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	return st
}

func addr(u int) string { return fmt.Sprintf("0x%040x", u+1) }

// doc is a history document of user u, item i.
func doc(u, i int) string {
	host := []string{"github.com/kleo/app/pull/", "www.netflix.com/title/", "example.org/post/"}[i%3]
	return fmt.Sprintf(`{"_id":"%024x","address":"%s","title":"Item %d mail jane@example.com","url":"https://%s%d","summary":"text","visitTime":%d}`,
		u*1000+i+1, strings.ToUpper(addr(u)[:10])+addr(u)[10:], i, host, i, 1730000000000+int64(i))
}

// stream builds n records across users, as one shard delivers them.
func stream(users, perUser int) []events.KinesisEventRecord {
	var recs []events.KinesisEventRecord
	for i := 0; i < perUser; i++ {
		for u := 0; u < users; u++ {
			recs = append(recs, rec(len(recs), doc(u, i)))
		}
	}
	return recs
}

func rec(n int, data string) events.KinesisEventRecord {
	seq := fmt.Sprintf("4959033827149025660855969253836157109592157598913%07d", n*10)
	return events.KinesisEventRecord{
		EventID:     shard + ":" + seq,
		EventSource: "aws:kinesis",
		Kinesis: events.KinesisRecord{
			SequenceNumber: seq, PartitionKey: "pk", Data: []byte(data),
			ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: time.Now()},
		},
	}
}

func handle(t *testing.T, p *Processor, recs []events.KinesisEventRecord) events.KinesisEventResponse {
	t.Helper()
	resp, err := p.Handle(context.Background(), events.KinesisEvent{Records: recs})
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	return resp
}

func users(t *testing.T, st store.Store) []store.User {
	t.Helper()
	d, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d.Users
}

func TestHandleCountsEveryRecordOnce(t *testing.T) {
	st := openStore(t)
	p := New(st, stubScrubber{}, stubClassifier{}, Options{})
	recs := stream(3, 4)
	if resp := handle(t, p, recs); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	us := users(t, st)
	if len(us) != 3 {
		t.Fatalf("%d users, want 3", len(us))
	}
	for u := 0; u < 3; u++ {
		var bytes int64
		for i := 0; i < 4; i++ {
			bytes += int64(len(doc(u, i)))
		}
		got, err := st.User(context.Background(), addr(u))
		if err != nil {
			t.Fatal(err)
		}
		want := store.User{
			Address: addr(u), TotalDataQuantity: bytes, DataOwned: bytes,
			ActivityJSON: map[string]int64{"Coding": 2, "Streaming": 1, "Reading": 1},
			KleoPoints:   4, PIIRemovedCount: 4, Unarchived: 4, ItemsProcessed: 4,
			Watermarks: map[string]string{shard: recs[9+u].Kinesis.SequenceNumber},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("user %d =\n%+v\nwant\n%+v", u, got, want)
		}
	}
	d, _ := st.Dump(context.Background())
	if len(d.History) != 12 {
		t.Fatalf("%d history items, want 12", len(d.History))
	}
	for _, h := range d.History {
		if strings.Contains(h.Title, "jane@") || h.PII["EMAIL_ADDRESS"] != 1 || h.Points != 1 || h.Seq == "" || h.Shard != shard {
			t.Errorf("history item not scrubbed or accounted: %+v", h)
		}
	}
}

// TestReplayIsIdempotent replays a batch as the event source mapping does
// (whole batch again, overlapping halves after a partial failure, bisected
// halves) and compares the user documents with one clean pass.
func TestReplayIsIdempotent(t *testing.T) {
	recs := stream(5, 20)
	clean := openStore(t)
	handle(t, New(clean, stubScrubber{}, stubClassifier{}, Options{}), recs)
	want := users(t, clean)

	tests := []struct {
		name    string
		batches [][2]int
	}{
		{"three times", [][2]int{{0, 100}, {0, 100}, {0, 100}}},
		{"overlapping halves", [][2]int{{0, 60}, {40, 100}, {0, 100}}},
		{"bisected", [][2]int{{0, 50}, {0, 25}, {25, 50}, {50, 100}, {50, 75}, {75, 100}}},
		{"resume from a failure", [][2]int{{0, 30}, {17, 100}, {17, 100}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			p := New(st, stubScrubber{}, stubClassifier{}, Options{})
			for _, b := range tt.batches {
				handle(t, p, recs[b[0]:b[1]])
			}
			if got := users(t, st); !reflect.DeepEqual(got, want) {
				t.Errorf("users differ from a clean pass:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestProducerDuplicateCountedOnce(t *testing.T) {
	st := openStore(t)
	p := New(st, stubScrubber{}, stubClassifier{}, Options{})
	d := doc(0, 0)
	// The same document sent twice by the producer, in one batch and again in a later one.
	handle(t, p, []events.KinesisEventRecord{rec(0, d), rec(1, d)})
	handle(t, p, []events.KinesisEventRecord{rec(2, d)})
	u, err := st.User(context.Background(), addr(0))
	if err != nil {
		t.Fatal(err)
	}
	if u.ItemsProcessed != 1 || u.KleoPoints != 1 || u.TotalDataQuantity != int64(len(d)) {
		t.Errorf("duplicate counted: %+v", u)
	}
	if u.Watermarks[shard] != rec(2, "").Kinesis.SequenceNumber {
		t.Errorf("watermark %q did not advance past the duplicate", u.Watermarks[shard])
	}
}

func TestMalformedRecordsAreDeadLettered(t *testing.T) {
	st := openStore(t)
	p := New(st, stubScrubber{}, stubClassifier{}, Options{MaxDeadLetterPayload: 64})
	recs := []events.KinesisEventRecord{
		rec(0, doc(0, 0)),
		rec(1, `not json jane@example.com`),
		rec(2, `{"_id":"672e257c75477a14bfebfac3","address":{"$ne":null},"visitTime":1}`),
		rec(3, doc(0, 1)),
		rec(4, `{"operationType":"delete"}`+strings.Repeat(" ", 200)),
	}
	resp := handle(t, p, recs)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("malformed records reported as failures (they would block the shard): %v", resp.BatchItemFailures)
	}
	d, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantReasons := map[string]string{
		recs[1].Kinesis.SequenceNumber: "document is not JSON",
		recs[2].Kinesis.SequenceNumber: "address: want a string, got object",
		recs[4].Kinesis.SequenceNumber: `unsupported operationType "delete"`,
	}
	if len(d.DeadLetters) != len(wantReasons) {
		t.Fatalf("%d dead letters, want %d: %+v", len(d.DeadLetters), len(wantReasons), d.DeadLetters)
	}
	for _, dl := range d.DeadLetters {
		if dl.Reason != wantReasons[dl.Seq] || dl.Shard != shard || dl.ID != shard+"/"+dl.Seq {
			t.Errorf("dead letter %+v, want reason %q", dl, wantReasons[dl.Seq])
		}
		if len(dl.Payload) > 64 || strings.Contains(string(dl.Payload), "jane@") {
			t.Errorf("dead-letter payload not capped or not scrubbed: %q", dl.Payload)
		}
	}
	if u, _ := st.User(context.Background(), addr(0)); u.ItemsProcessed != 2 {
		t.Errorf("valid records around the bad ones: %d processed, want 2", u.ItemsProcessed)
	}
	// Redelivery of the same batch adds no second dead letter.
	handle(t, p, recs)
	if d2, _ := st.Dump(context.Background()); len(d2.DeadLetters) != len(wantReasons) {
		t.Errorf("redelivery duplicated dead letters: %d", len(d2.DeadLetters))
	}
}

// flakyStore fails chosen calls with a transient error.
type flakyStore struct {
	store.Store
	failHistory, failUsers bool
	conflict               string // address whose update reports ErrConflict
}

func (f *flakyStore) PutHistory(ctx context.Context, items []store.HistoryItem) ([]store.Outcome, error) {
	if f.failHistory {
		return nil, fmt.Errorf("put history: %w", store.ErrUnavailable)
	}
	return f.Store.PutHistory(ctx, items)
}

func (f *flakyStore) ApplyUsers(ctx context.Context, deltas []store.UserDelta) ([]error, error) {
	if f.failUsers {
		return nil, fmt.Errorf("apply users: %w", store.ErrUnavailable)
	}
	if f.conflict == "" {
		return f.Store.ApplyUsers(ctx, deltas)
	}
	var keep []store.UserDelta
	for _, d := range deltas {
		if d.Address != f.conflict {
			keep = append(keep, d)
		}
	}
	errs, err := f.Store.ApplyUsers(ctx, keep)
	if err != nil {
		return nil, err
	}
	out := make([]error, len(deltas))
	j := 0
	for i, d := range deltas {
		if d.Address == f.conflict {
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
	clean := openStore(t)
	handle(t, New(clean, stubScrubber{}, stubClassifier{}, Options{}), recs)
	want := users(t, clean)

	t.Run("history write fails: whole batch is an error", func(t *testing.T) {
		st := openStore(t)
		f := &flakyStore{Store: st, failHistory: true}
		_, err := New(f, stubScrubber{}, stubClassifier{}, Options{}).Handle(context.Background(), events.KinesisEvent{Records: recs})
		if !errors.Is(err, ErrBatchFailed) {
			t.Fatalf("err = %v, want ErrBatchFailed", err)
		}
		f.failHistory = false
		handle(t, New(f, stubScrubber{}, stubClassifier{}, Options{}), recs)
		if got := users(t, st); !reflect.DeepEqual(got, want) {
			t.Errorf("after retry users differ from a clean pass")
		}
	})
	t.Run("user update fails after history was written", func(t *testing.T) {
		st := openStore(t)
		f := &flakyStore{Store: st, failUsers: true}
		p := New(f, stubScrubber{}, stubClassifier{}, Options{})
		if _, err := p.Handle(context.Background(), events.KinesisEvent{Records: recs}); !errors.Is(err, ErrBatchFailed) {
			t.Fatalf("err = %v, want ErrBatchFailed", err)
		}
		f.failUsers = false
		handle(t, p, recs)
		if got := users(t, st); !reflect.DeepEqual(got, want) {
			t.Errorf("after retry users differ from a clean pass")
		}
	})
	t.Run("one user's guard conflicts", func(t *testing.T) {
		st := openStore(t)
		f := &flakyStore{Store: st, conflict: addr(2)}
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
		if got := users(t, st); !reflect.DeepEqual(got, want) {
			t.Errorf("after resume users differ from a clean pass")
		}
	})
}

func TestStopsBeforeTheDeadline(t *testing.T) {
	st := openStore(t)
	recs := stream(2, 10)
	now := time.Now()
	clock := func() time.Time { now = now.Add(100 * time.Millisecond); return now }
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer cancel()
	// Deadline via a fake clock: the processor reads the context's deadline and
	// compares it with Now, so give it a deadline relative to the fake clock.
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
	var processed int64
	for _, u := range users(t, st) {
		processed += u.ItemsProcessed
	}
	if processed != int64(done) {
		t.Errorf("processed %d records, want the %d finished before the deadline", processed, done)
	}
}
