package redrive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/kinesisapi"
	"github.com/kleo-network/kleo-stream/internal/record"
	"github.com/kleo-network/kleo-stream/internal/redrive/sqstest"
)

func startKinesalite(t *testing.T) *kinesisapi.Kinesalite {
	t.Helper()
	nm, err := kinesisapi.FindNodeModules(".")
	if err != nil {
		t.Fatalf("%v (tools/node/node_modules/kinesalite is missing: make node)", err)
	}
	k, err := kinesisapi.Start(context.Background(), nm, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// TestDiscardedBatchFromQueue discards a batch (its function fails until
// the mapping gives up), lets later batches of the same users succeed, then
// re-drives the batch from the SQS on-failure queue (goaws) by re-reading it
// from Kinesis (kinesalite): the books come out equal to one clean pass, the
// queue ends empty, and a second re-drive of a saved copy counts nothing.
func TestDiscardedBatchFromQueue(t *testing.T) {
	ctx := context.Background()
	kin := startKinesalite(t)
	kc := kinesisapi.NewClient(kin.Endpoint)
	const stream = "kleo-history"
	if err := kinesisapi.CreateStream(ctx, kc, stream, 1); err != nil {
		t.Fatal(err)
	}
	users := []int{1, 2, 3}
	all := func(int) bool { return true }
	st, recs := world(t, users, 20, all) // 60 records, the users' items interleaved
	clean, _ := world(t, users, 20, all)
	var entries []kinesisapi.Entry
	for _, r := range recs {
		it, err := record.Decode(r)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, kinesisapi.Entry{PartitionKey: it.Address, Data: r})
	}
	if err := kinesisapi.Put(ctx, kc, stream, entries); err != nil {
		t.Fatal(err)
	}
	doomed := map[string]bool{} // the third batch's items
	for _, r := range recs[20:30] {
		it, _ := record.Decode(r)
		doomed[it.ID] = true
	}

	sc := sqstest.NewClient(sqstest.Start(t))
	q, err := sc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("kleo-on-failure-" + t.Name())})
	if err != nil {
		t.Fatal(err)
	}
	queue := aws.ToString(q.QueueUrl)

	// One clean pass, and one pass that discards the doomed batch.
	cfg := esm.DefaultConfig()
	cfg.BatchSize, cfg.MaximumBatchingWindow, cfg.BisectBatchOnFunctionError = 10, 0, false
	cfg.MaximumRetryAttempts = 1
	run := func(handle esm.Handler, onFailure func(esm.OnFailureRecord)) esm.Stats {
		src, err := kinesisapi.NewSource(ctx, kc, stream)
		if err != nil {
			t.Fatal(err)
		}
		m := esm.Mapping{Source: src, Handler: handle, Config: cfg, OnFailure: onFailure}
		stats, err := m.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return stats
	}
	_, cleanProc := newRunner(clean)
	run(cleanProc.Handle, nil)

	r, proc := newRunner(st)
	var saved bytes.Buffer
	var mu sync.Mutex
	var failing atomic.Bool
	failing.Store(true)
	stats := run(func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		for _, rec := range ev.Records {
			if it, err := record.Decode(rec.Kinesis.Data); err == nil && doomed[it.ID] && failing.Load() {
				return events.KinesisEventResponse{}, errors.New("injected: the database is down for this batch")
			}
		}
		return proc.Handle(ctx, ev)
	}, func(f esm.OnFailureRecord) {
		body, err := json.Marshal(f)
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		saved.Write(append(body, '\n'))
		mu.Unlock()
		if _, err := sc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &queue, MessageBody: aws.String(string(body))}); err != nil {
			t.Error(err)
		}
	})
	failing.Store(false)
	if stats.DiscardedBatches == 0 || stats.RecordsDiscarded < 10 {
		t.Fatalf("the fault did not fire: %d batches, %d records discarded", stats.DiscardedBatches, stats.RecordsDiscarded)
	}
	want := booksOf(t, clean)
	if reflect.DeepEqual(booksOf(t, st), want) {
		t.Fatal("books already equal to the clean pass before the re-drive: nothing was discarded")
	}
	r.Kinesis = kc

	// A dry run changes nothing and keeps the messages.
	before := booksOf(t, st)
	dry, err := r.Queue(ctx, sc, queue, 30)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Batches != int(stats.DiscardedBatches) || dry.Counted != int(stats.RecordsDiscarded) || dry.Deleted != 0 {
		t.Fatalf("dry run = %+v; want %d batches, %d records to count, none deleted", dry, stats.DiscardedBatches, stats.RecordsDiscarded)
	}
	if got := booksOf(t, st); !reflect.DeepEqual(got, before) {
		t.Fatalf("the dry run changed the books:\n%v\n%v", got, before)
	}

	var out strings.Builder
	r.Apply, r.Out = true, &out
	s, err := r.Queue(ctx, sc, queue, 30)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if s.Counted != int(stats.RecordsDiscarded) || s.AlreadyCounted != 0 || s.DeadLettered != 0 || s.Trimmed != 0 || s.Deleted != int(stats.DiscardedBatches) {
		t.Fatalf("re-drive = %+v; want %d counted, %d messages deleted", s, stats.RecordsDiscarded, stats.DiscardedBatches)
	}
	if got := booksOf(t, st); !reflect.DeepEqual(got, want) {
		t.Fatalf("books after the re-drive:\n%v\nwant (one clean pass):\n%v", got, want)
	}
	if got := ledgerStates(t, st); got["pending"]+got["counted"] != len(recs) {
		t.Fatalf("ledger = %v; want %d entries", got, len(recs))
	}
	left, err := sc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &queue, MaxNumberOfMessages: 10})
	if err != nil || len(left.Messages) != 0 {
		t.Fatalf("queue after the re-drive: %d messages, %v; want none", len(left.Messages), err)
	}

	// The saved copy, re-driven again: exactly once.
	bs, err := ReadFile(&saved, "saved.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.Batches(ctx, bs)
	if err != nil {
		t.Fatal(err)
	}
	if again.Counted != 0 || again.AlreadyCounted != int(stats.RecordsDiscarded) {
		t.Fatalf("second re-drive = %+v; want 0 counted, %d already counted", again, stats.RecordsDiscarded)
	}
	if got := booksOf(t, st); !reflect.DeepEqual(got, want) {
		t.Fatalf("books after a second re-drive:\n%v\nwant:\n%v", got, want)
	}
}

// TestRereadReportsTrimmed asks for more records than the stream holds in a
// range and for a shard that does not exist: both are reported as trimmed.
func TestRereadReportsTrimmed(t *testing.T) {
	ctx := context.Background()
	kin := startKinesalite(t)
	kc := kinesisapi.NewClient(kin.Endpoint)
	const stream = "kleo-trim"
	if err := kinesisapi.CreateStream(ctx, kc, stream, 1); err != nil {
		t.Fatal(err)
	}
	var entries []kinesisapi.Entry
	for i := range 5 {
		entries = append(entries, kinesisapi.Entry{PartitionKey: "k", Data: []byte{byte('a' + i)}})
	}
	if err := kinesisapi.Put(ctx, kc, stream, entries); err != nil {
		t.Fatal(err)
	}
	src, err := kinesisapi.NewSource(ctx, kc, stream)
	if err != nil {
		t.Fatal(err)
	}
	shards, _ := src.Shards(ctx)
	got, _, err := src.Read(ctx, shards[0], "", 10)
	if err != nil || len(got) != 5 {
		t.Fatalf("read %d records, %v", len(got), err)
	}
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/" + stream
	info := func(first, last int, size int) Batch {
		return Batch{Info: esm.KinesisBatchInfo{ShardID: shards[0], StreamARN: arn, BatchSize: size,
			StartSequenceNumber: got[first].SequenceNumber, EndSequenceNumber: got[last].SequenceNumber}}
	}
	recs, err := Reread(ctx, kc, info(1, 3, 3))
	if err != nil || len(recs) != 3 || string(recs[0].Kinesis.Data) != "b" || string(recs[2].Kinesis.Data) != "d" {
		t.Fatalf("Reread(1..3) = %d records, %v; want b..d", len(recs), err)
	}
	if recs[0].EventID != shards[0]+":"+got[1].SequenceNumber {
		t.Fatalf("EventID = %q", recs[0].EventID)
	}
	if recs, err := Reread(ctx, kc, info(1, 3, 5)); !errors.Is(err, ErrTrimmed) || len(recs) != 3 {
		t.Fatalf("Reread of a batch of 5 holding 3 = %d, %v; want 3 records and ErrTrimmed", len(recs), err)
	}
	gone := info(0, 4, 5)
	gone.Info.ShardID = "shardId-000000000009"
	if _, err := Reread(ctx, kc, gone); !errors.Is(err, ErrTrimmed) {
		t.Fatalf("Reread of a missing shard: %v; want ErrTrimmed", err)
	}
}

// TestQueueKeepsWhatItCannotFinish leaves in the queue a message that is
// not an on-failure record and one whose shard is gone, makes both visible
// again, and deletes the trimmed one only with AcceptTrimmed.
func TestQueueKeepsWhatItCannotFinish(t *testing.T) {
	ctx := context.Background()
	kin := startKinesalite(t)
	kc := kinesisapi.NewClient(kin.Endpoint)
	if err := kinesisapi.CreateStream(ctx, kc, "kleo-history", 1); err != nil {
		t.Fatal(err)
	}
	sc := sqstest.NewClient(sqstest.Start(t))
	q, err := sc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("kleo-keep-" + t.Name())})
	if err != nil {
		t.Fatal(err)
	}
	gone := onFailure(t, "shardId-000000000007", "49000000000000000000000000000000000000000000000000000001", "49000000000000000000000000000000000000000000000000000009", 3)
	for _, body := range []string{"not an on-failure record", gone} {
		if _, err := sc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := newRunner(openStore(t))
	r.Kinesis, r.Apply = kc, true
	s, err := r.Queue(ctx, sc, aws.ToString(q.QueueUrl), 30)
	if !errors.Is(err, ErrTrimmed) || s.Unreadable != 1 || s.Trimmed != 3 || s.Deleted != 0 {
		t.Fatalf("Queue = %+v, %v; want 1 unreadable, 3 trimmed, nothing deleted, ErrTrimmed", s, err)
	}
	// Both are visible again at once (released), though the timeout is 30s.
	left, err := sc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})
	if err != nil || len(left.Messages) != 2 {
		t.Fatalf("after the run %d messages visible, %v; want 2", len(left.Messages), err)
	}
	for _, m := range left.Messages { // give them back for the next run
		sc.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle})
	}
	r.AcceptTrimmed = true
	s, err = r.Queue(ctx, sc, aws.ToString(q.QueueUrl), 30)
	if !errors.Is(err, ErrTrimmed) || s.Deleted != 1 {
		t.Fatalf("Queue with AcceptTrimmed = %+v, %v; want the trimmed batch's message deleted", s, err)
	}
	left, err = sc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})
	if err != nil || len(left.Messages) != 1 || aws.ToString(left.Messages[0].Body) != "not an on-failure record" {
		t.Fatalf("after AcceptTrimmed %d messages, %v; want only the unreadable one", len(left.Messages), err)
	}
}
