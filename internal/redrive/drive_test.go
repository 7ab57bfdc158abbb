package redrive

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/esm"
)

// TestBatchResumesFromLowestFailure has the handler report a record for
// retry once (as a lost guard race does) and an error once: the batch is
// sent again from that record, then whole, and counted exactly once.
func TestBatchResumesFromLowestFailure(t *testing.T) {
	ctx := context.Background()
	all := func(int) bool { return true }
	st, recs := world(t, []int{1, 2}, 10, all)
	clean, _ := world(t, []int{1, 2}, 10, all)
	_, cp := newRunner(clean)
	if _, err := cp.Handle(ctx, event("shardId-000000000000", 1, recs)); err != nil {
		t.Fatal(err)
	}
	r, p := newRunner(st)
	r.Apply = true
	ev := event("shardId-000000000000", 1, recs)
	var sent [][]string
	calls := 0
	r.Handle = func(ctx context.Context, e events.KinesisEvent) (events.KinesisEventResponse, error) {
		calls++
		var seqs []string
		for _, rec := range e.Records {
			seqs = append(seqs, rec.Kinesis.SequenceNumber)
		}
		sent = append(sent, seqs)
		resp, err := p.Handle(ctx, e)
		switch calls {
		case 1: // two records claimed failed: the lower one is where the retry starts
			resp.BatchItemFailures = []events.KinesisBatchItemFailure{{ItemIdentifier: seqs[12]}, {ItemIdentifier: seqs[7]}}
		case 2:
			return events.KinesisEventResponse{}, errors.New("injected function error")
		}
		return resp, err
	}
	b := Batch{Info: esm.KinesisBatchInfo{ShardID: "shardId-000000000000", BatchSize: len(recs),
		StartSequenceNumber: ev.Records[0].Kinesis.SequenceNumber, EndSequenceNumber: ev.Records[len(recs)-1].Kinesis.SequenceNumber},
		Records: ev.Records}
	s, err := r.Batch(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 || len(sent[1]) != len(recs)-7 || sent[1][0] != ev.Records[7].Kinesis.SequenceNumber || len(sent[2]) != len(sent[1]) {
		t.Fatalf("sent %d events of %d, %d, ...; want all, then from the 8th record twice", calls, len(sent[0]), len(sent[1]))
	}
	if s.Counted != len(recs) || s.AlreadyCounted != 0 || s.Invocations != 3 {
		t.Fatalf("summary = %+v; want %d counted in 3 invocations", s, len(recs))
	}
	if got, want := booksOf(t, st), booksOf(t, clean); !reflect.DeepEqual(got, want) {
		t.Fatalf("books:\n%v\nwant:\n%v", got, want)
	}
}

// TestRunnerMustObserve fails loudly when the Runner is not the
// processor's Observer, instead of reporting zero counts.
func TestRunnerMustObserve(t *testing.T) {
	st, recs := world(t, []int{1}, 2, func(int) bool { return true })
	r, _ := newRunner(st)
	_, other := newRunner(st)
	r.Handle, r.Apply = other.Handle, true
	ev := event("shardId-000000000000", 1, recs)
	_, err := r.Batch(context.Background(), Batch{Info: esm.KinesisBatchInfo{ShardID: "shardId-000000000000", BatchSize: 2,
		StartSequenceNumber: ev.Records[0].Kinesis.SequenceNumber, EndSequenceNumber: ev.Records[1].Kinesis.SequenceNumber}, Records: ev.Records})
	if !errors.Is(err, ErrNotObserved) {
		t.Fatalf("err = %v; want ErrNotObserved", err)
	}
}
