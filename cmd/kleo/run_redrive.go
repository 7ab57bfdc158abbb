package main

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/redrive"
)

// redriveDiscarded does what an operator does with the on-failure queue:
// it re-reads each discarded batch's records from the stream by the
// sequence range its KinesisBatchInfo names and hands them to the
// re-drive runner (package redrive), which sends them through the same
// handler.
func redriveDiscarded(ctx context.Context, src *esm.Stream, run *redrive.Runner, failures []esm.OnFailureRecord) (redrive.Summary, error) {
	batches := make([]redrive.Batch, 0, len(failures))
	for _, f := range failures {
		b := f.KinesisBatchInfo
		recs, err := readRange(ctx, src, b.ShardID, b.StartSequenceNumber, b.EndSequenceNumber)
		if err != nil {
			return redrive.Summary{}, err
		}
		if len(recs) != b.BatchSize {
			return redrive.Summary{}, fmt.Errorf("re-drive: %s %s..%s holds %d records, the on-failure record says %d",
				b.ShardID, b.StartSequenceNumber, b.EndSequenceNumber, len(recs), b.BatchSize)
		}
		batches = append(batches, redrive.Batch{Info: b, Records: kinesisEvent(src.StreamARN(), b.ShardID, recs).Records})
	}
	return run.Batches(ctx, batches)
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
