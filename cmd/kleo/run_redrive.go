package main

import (
	"context"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// redriveResult says what a re-drive did.
type redriveResult struct {
	Batches     int // on-failure records, or dead letters
	Records     int // records handed to the handler
	Invocations int
	Done        int // dead letters re-driven successfully
	Again       int // dead letters whose record failed again (kept open)
}

// redriveAttempts bounds the invocations per re-driven event: records a
// handler reports for retry (a guard conflict) are sent again.
const redriveAttempts = 10

// redriveDiscarded does what an operator does with the on-failure queue:
// it re-reads each discarded batch's records from the stream by the
// sequence range its KinesisBatchInfo names and hands them, in stream
// order and in events of at most 100 records of one shard, to the same
// handler.
func redriveDiscarded(ctx context.Context, src *esm.Stream, handle esm.Handler, failures []esm.OnFailureRecord) (redriveResult, error) {
	var res redriveResult
	byShard := map[string][]esm.Record{}
	for _, f := range failures {
		b := f.KinesisBatchInfo
		recs, err := readRange(ctx, src, b.ShardID, b.StartSequenceNumber, b.EndSequenceNumber)
		if err != nil {
			return res, err
		}
		if len(recs) != b.BatchSize {
			return res, fmt.Errorf("re-drive: %s %s..%s holds %d records, the on-failure record says %d",
				b.ShardID, b.StartSequenceNumber, b.EndSequenceNumber, len(recs), b.BatchSize)
		}
		res.Batches++
		byShard[b.ShardID] = append(byShard[b.ShardID], recs...)
	}
	for _, shard := range slices.Sorted(maps.Keys(byShard)) {
		recs := byShard[shard]
		slices.SortFunc(recs, func(a, b esm.Record) int { return esm.CompareSequenceNumbers(a.SequenceNumber, b.SequenceNumber) })
		res.Records += len(recs)
		for len(recs) > 0 {
			n := min(100, len(recs))
			ev := kinesisEvent(src.StreamARN(), shard, recs[:n])
			recs = recs[n:]
			k, err := invokeUntilDone(ctx, handle, ev)
			res.Invocations += k
			if err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// redriveLetters re-drives the open dead letters of decoded records (a
// user that did not exist yet, a user document that could not take the
// update), as an operator does once the cause is gone: it reads each item's
// history document from Kleo's collection, hands it to the same handler
// under the letter's shard and sequence number, and marks the letter done
// unless the handler dead-letters it again (told by the invocation's
// report, through seen).
func redriveLetters(ctx context.Context, st store.Store, handle esm.Handler, arn string, seen func() map[string]bool) (redriveResult, error) {
	var res redriveResult
	letters, err := st.DeadLetters(ctx, store.LetterQuery{State: store.LetterOpen})
	if err != nil {
		return res, err
	}
	letters = slices.DeleteFunc(letters, func(l store.DeadLetter) bool { return l.ItemID == "" })
	if len(letters) == 0 {
		return res, nil
	}
	ids := make([]string, len(letters))
	for i, l := range letters {
		ids[i] = l.ItemID
	}
	docs, err := st.HistoryJSON(ctx, ids)
	if err != nil {
		return res, err
	}
	byShard := map[string][]esm.Record{}
	var sent []store.DeadLetter
	for _, l := range letters {
		data, ok := docs[l.ItemID]
		if !ok {
			continue // Kleo's document is gone: nothing to re-drive
		}
		byShard[l.Shard] = append(byShard[l.Shard], esm.Record{PartitionKey: l.Address, SequenceNumber: l.Seq, Data: data, ApproximateArrival: l.At})
		sent = append(sent, l)
	}
	res.Batches = len(sent)
	seen() // from here on
	for _, shard := range slices.Sorted(maps.Keys(byShard)) {
		recs := byShard[shard]
		slices.SortFunc(recs, func(a, b esm.Record) int { return esm.CompareSequenceNumbers(a.SequenceNumber, b.SequenceNumber) })
		res.Records += len(recs)
		for len(recs) > 0 {
			n := min(100, len(recs))
			k, err := invokeUntilDone(ctx, handle, kinesisEvent(arn, shard, recs[:n]))
			res.Invocations += k
			if err != nil {
				return res, err
			}
			recs = recs[n:]
		}
	}
	again := seen()
	updates := make([]store.LetterUpdate, len(sent))
	for i, l := range sent {
		updates[i] = store.LetterUpdate{ID: l.ID, State: store.LetterDone}
		if again[l.ID] {
			updates[i].State = store.LetterOpen
			res.Again++
		} else {
			res.Done++
		}
	}
	return res, st.UpdateDeadLetters(ctx, updates)
}

// invokeUntilDone calls the handler with ev until no record is left to
// retry, and returns the number of invocations.
func invokeUntilDone(ctx context.Context, handle esm.Handler, ev events.KinesisEvent) (int, error) {
	n := 0
	for len(ev.Records) > 0 {
		if n == redriveAttempts {
			return n, fmt.Errorf("re-drive: %d records still failing after %d attempts", len(ev.Records), n)
		}
		n++
		ictx, cancel := context.WithTimeout(ctx, time.Minute) // the function timeout
		resp, err := handle(ictx, ev)
		cancel()
		if err != nil {
			continue // the whole event again
		}
		retry := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			retry[f.ItemIdentifier] = true
		}
		ev.Records = slices.DeleteFunc(ev.Records, func(r events.KinesisEventRecord) bool { return !retry[r.Kinesis.SequenceNumber] })
	}
	return n, nil
}

// readRange returns the shard's records from start to end inclusive, read
// as a GetShardIterator(AFTER_SEQUENCE_NUMBER, start-1) would.
func readRange(ctx context.Context, src esm.Source, shard, start, end string) ([]esm.Record, error) {
	n, ok := new(big.Int).SetString(start, 10)
	if !ok || n.Sign() <= 0 {
		return nil, fmt.Errorf("re-drive: start sequence number %q", start)
	}
	after := n.Sub(n, big.NewInt(1)).String()
	var out []esm.Record
	for {
		recs, more, err := src.Read(ctx, shard, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if esm.CompareSequenceNumbers(r.SequenceNumber, end) > 0 {
				return out, nil
			}
			out = append(out, r)
			after = r.SequenceNumber
		}
		if !more || len(recs) == 0 {
			return out, nil
		}
	}
}

// kinesisEvent wraps records of one shard as the Lambda event the mapping
// would deliver.
func kinesisEvent(arn, shard string, recs []esm.Record) events.KinesisEvent {
	region := "us-east-1"
	if parts := strings.Split(arn, ":"); len(parts) > 3 {
		region = parts[3]
	}
	ev := events.KinesisEvent{Records: make([]events.KinesisEventRecord, len(recs))}
	for i, r := range recs {
		ev.Records[i] = events.KinesisEventRecord{
			AwsRegion: region, EventID: shard + ":" + r.SequenceNumber, EventName: "aws:kinesis:record",
			EventSource: "aws:kinesis", EventSourceArn: arn, EventVersion: "1.0",
			Kinesis: events.KinesisRecord{
				ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: r.ApproximateArrival},
				Data:                        r.Data, PartitionKey: r.PartitionKey,
				SequenceNumber: r.SequenceNumber, KinesisSchemaVersion: "1.0",
			},
		}
	}
	return ev
}
