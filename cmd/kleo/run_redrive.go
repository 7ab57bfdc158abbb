package main

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/esm"
)

// redriveResult says what re-driving the discarded batches did.
type redriveResult struct {
	Batches     int // on-failure records
	Records     int // records they named, re-read from the stream
	Invocations int
}

// redriveAttempts bounds the invocations per re-driven event: records a
// handler reports for retry (a guard conflict) are sent again.
const redriveAttempts = 10

// redriveDiscarded does what an operator does with the on-failure queue:
// for each discarded batch it re-reads the records from the stream by the
// sequence range KinesisBatchInfo names and hands them, in order and in
// events of at most 100 records, to the same handler, sending again the
// records it reports for retry.
func redriveDiscarded(ctx context.Context, src *esm.Stream, handle esm.Handler, failures []esm.OnFailureRecord) (redriveResult, error) {
	var res redriveResult
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
		res.Records += len(recs)
		for len(recs) > 0 {
			n := min(100, len(recs))
			ev := kinesisEvent(src.StreamARN(), b.ShardID, recs[:n])
			recs = recs[n:]
			for attempt := 1; len(ev.Records) > 0; attempt++ {
				if attempt > redriveAttempts {
					return res, fmt.Errorf("re-drive: %d records of %s still failing after %d attempts", len(ev.Records), b.ShardID, redriveAttempts)
				}
				res.Invocations++
				ictx, cancel := context.WithTimeout(ctx, time.Minute) // the function timeout
				resp, err := handle(ictx, ev)
				cancel()
				if err != nil {
					continue // the whole event again
				}
				var retry []string
				for _, f := range resp.BatchItemFailures {
					retry = append(retry, f.ItemIdentifier)
				}
				ev.Records = slices.DeleteFunc(ev.Records, func(r events.KinesisEventRecord) bool {
					return !slices.Contains(retry, r.Kinesis.SequenceNumber)
				})
			}
		}
	}
	return res, nil
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
