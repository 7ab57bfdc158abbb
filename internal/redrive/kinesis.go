package redrive

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/kleo-network/kleo-stream/internal/esm"
)

// KinesisAPI is the part of the Kinesis client a re-read needs.
type KinesisAPI interface {
	GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, opts ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// ErrTrimmed is wrapped when a batch's records are no longer in the
// stream, or only some of them are (the stream's retention has passed, or
// the shard is gone).
var ErrTrimmed = errors.New("redrive: records trimmed from the stream")

// maxEmptyReads bounds the GetRecords calls that return nothing while the
// shard is still behind its tip (Kinesis may return empty pages there).
const maxEmptyReads = 50

// Reread reads a discarded batch's records back from the stream: an
// iterator AT_SEQUENCE_NUMBER of its first record, then GetRecords
// following NextShardIterator until past its last. The records come as the
// event source mapping would have delivered them. When fewer records than
// the batch held are found (or the first is missing) the records found are
// returned with an error wrapping ErrTrimmed: a partial re-drive is the
// operator's call, never a silent one.
func Reread(ctx context.Context, c KinesisAPI, b Batch) ([]events.KinesisEventRecord, error) {
	info := b.Info
	stream := streamName(info.StreamARN)
	if stream == "" {
		return nil, fmt.Errorf("redrive: %s: streamArn %q names no stream", info.ShardID, info.StreamARN)
	}
	// By name: kinesalite knows streams by name only, and AWS accepts both.
	in := &kinesis.GetShardIteratorInput{
		StreamName:             aws.String(stream),
		ShardId:                aws.String(info.ShardID),
		ShardIteratorType:      types.ShardIteratorTypeAtSequenceNumber,
		StartingSequenceNumber: aws.String(info.StartSequenceNumber),
	}
	it, err := c.GetShardIterator(ctx, in)
	if err != nil {
		var nf *types.ResourceNotFoundException
		var ia *types.InvalidArgumentException
		if errors.As(err, &nf) || errors.As(err, &ia) {
			return nil, fmt.Errorf("%w: %s from %s: %v", ErrTrimmed, info.ShardID, info.StartSequenceNumber, err)
		}
		return nil, fmt.Errorf("redrive: GetShardIterator %s: %w", info.ShardID, err)
	}
	iter := it.ShardIterator
	var out []events.KinesisEventRecord
	empty := 0
	for iter != nil {
		page, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1000)})
		if err != nil {
			var ex *types.ExpiredIteratorException
			if errors.As(err, &ex) {
				return out, fmt.Errorf("redrive: iterator of %s expired mid-read: %w", info.ShardID, err)
			}
			return out, fmt.Errorf("redrive: GetRecords %s: %w", info.ShardID, err)
		}
		past := false
		for _, r := range page.Records {
			seq := aws.ToString(r.SequenceNumber)
			if esm.CompareSequenceNumbers(seq, info.EndSequenceNumber) > 0 {
				past = true
				break
			}
			out = append(out, eventRecord(info, r))
		}
		if past {
			break
		}
		if len(page.Records) == 0 {
			if aws.ToInt64(page.MillisBehindLatest) == 0 {
				break // at the tip: nothing more to come for this range
			}
			if empty++; empty == maxEmptyReads {
				return out, fmt.Errorf("redrive: %s: %d empty reads before reaching %s", info.ShardID, empty, info.EndSequenceNumber)
			}
		}
		iter = page.NextShardIterator // nil once a closed shard is read to its end
	}
	missing := info.BatchSize - len(out)
	firstMissing := len(out) == 0 || out[0].Kinesis.SequenceNumber != info.StartSequenceNumber
	if missing > 0 || firstMissing {
		return out, fmt.Errorf("%w: %s %s..%s: %d of %d records found", ErrTrimmed, info.ShardID,
			info.StartSequenceNumber, info.EndSequenceNumber, len(out), info.BatchSize)
	}
	return out, nil
}

func eventRecord(info esm.KinesisBatchInfo, r types.Record) events.KinesisEventRecord {
	seq := aws.ToString(r.SequenceNumber)
	var at events.SecondsEpochTime
	if r.ApproximateArrivalTimestamp != nil {
		at.Time = *r.ApproximateArrivalTimestamp
	}
	return events.KinesisEventRecord{
		EventID: info.ShardID + ":" + seq, EventName: "aws:kinesis:record", EventSource: "aws:kinesis",
		EventSourceArn: info.StreamARN, EventVersion: "1.0",
		Kinesis: events.KinesisRecord{
			Data: r.Data, PartitionKey: aws.ToString(r.PartitionKey), SequenceNumber: seq,
			ApproximateArrivalTimestamp: at, KinesisSchemaVersion: "1.0",
		},
	}
}

// streamName is the name in arn:aws:kinesis:region:account:stream/NAME.
func streamName(arn string) string {
	if _, name, ok := strings.Cut(arn, ":stream/"); ok {
		return name
	}
	return ""
}
