package esm

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// KinesisAPI is the part of *kinesis.Client that KinesisSource uses.
type KinesisAPI interface {
	DescribeStreamSummary(ctx context.Context, in *kinesis.DescribeStreamSummaryInput, opts ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, opts ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
	GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, opts ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// KinesisSource is a Source that reads a stream through the Kinesis API
// (AWS, kinesalite or LocalStack) with GetShardIterator and GetRecords, as a
// standard-iterator event source mapping does. It does not follow
// resharding: every listed shard is read independently.
type KinesisSource struct {
	client KinesisAPI
	name   string
	arn    string
}

// maxEmptyPages bounds how many empty GetRecords pages one Read follows while
// the shard reports it is behind (Kinesis may return empty pages over gaps).
const maxEmptyPages = 5

// NewKinesisSource describes the named stream to learn its ARN.
func NewKinesisSource(ctx context.Context, client KinesisAPI, streamName string) (*KinesisSource, error) {
	out, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &streamName})
	if err != nil {
		return nil, fmt.Errorf("esm: describing stream %s: %w", streamName, err)
	}
	if out.StreamDescriptionSummary == nil || out.StreamDescriptionSummary.StreamARN == nil {
		return nil, fmt.Errorf("esm: describing stream %s: no ARN in the answer", streamName)
	}
	return &KinesisSource{client: client, name: streamName, arn: *out.StreamDescriptionSummary.StreamARN}, nil
}

// StreamARN implements Source.
func (k *KinesisSource) StreamARN() string { return k.arn }

// Shards implements Source with ListShards.
func (k *KinesisSource) Shards(ctx context.Context) ([]string, error) {
	var ids []string
	in := &kinesis.ListShardsInput{StreamName: &k.name}
	for {
		out, err := k.client.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("esm: listing shards of %s: %w", k.name, err)
		}
		for _, s := range out.Shards {
			if s.ShardId != nil {
				ids = append(ids, *s.ShardId)
			}
		}
		if out.NextToken == nil || *out.NextToken == "" {
			return ids, nil
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

// Read implements Source: an AFTER_SEQUENCE_NUMBER (or TRIM_HORIZON)
// iterator, then GetRecords. more is MillisBehindLatest > 0.
func (k *KinesisSource) Read(ctx context.Context, shardID, after string, limit int) ([]Record, bool, error) {
	in := &kinesis.GetShardIteratorInput{
		StreamName:        &k.name,
		ShardId:           &shardID,
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	}
	if after != "" {
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = &after
	}
	it, err := k.client.GetShardIterator(ctx, in)
	if err != nil {
		return nil, false, fmt.Errorf("esm: GetShardIterator %s: %w", shardID, err)
	}
	iter := it.ShardIterator
	lim := int32(limit)
	for range maxEmptyPages {
		if iter == nil {
			return nil, false, nil // a closed shard read to its end
		}
		out, err := k.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: &lim})
		if err != nil {
			return nil, false, fmt.Errorf("esm: GetRecords %s: %w", shardID, err)
		}
		behind := out.MillisBehindLatest != nil && *out.MillisBehindLatest > 0
		if len(out.Records) > 0 || !behind {
			recs := make([]Record, 0, len(out.Records))
			for _, r := range out.Records {
				if r.SequenceNumber == nil || r.PartitionKey == nil {
					return nil, false, fmt.Errorf("esm: GetRecords %s: %w", shardID, errIncompleteRecord)
				}
				rec := Record{PartitionKey: *r.PartitionKey, SequenceNumber: *r.SequenceNumber, Data: r.Data}
				if r.ApproximateArrivalTimestamp != nil {
					rec.ApproximateArrival = *r.ApproximateArrivalTimestamp
				}
				recs = append(recs, rec)
			}
			return recs, behind, nil
		}
		iter = out.NextShardIterator
	}
	return nil, true, nil
}

var errIncompleteRecord = errors.New("record without sequence number or partition key")
