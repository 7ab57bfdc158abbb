package kinesisapi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/kleo-network/kleo-stream/internal/esm"
)

// API is the part of *kinesis.Client that Source uses.
type API interface {
	DescribeStreamSummary(ctx context.Context, in *kinesis.DescribeStreamSummaryInput, opts ...func(*kinesis.Options)) (*kinesis.DescribeStreamSummaryOutput, error)
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, opts ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
	GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, opts ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, opts ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// MaxGetRecords is the most records one GetRecords call returns.
const MaxGetRecords = 10000

// maxEmptyPages bounds how many empty pages one Read follows while the shard
// reports it is behind: Kinesis may return empty pages over gaps in a shard.
const maxEmptyPages = 5

// ErrIncompleteRecord is returned when GetRecords answers with a record that
// lacks its sequence number or partition key.
var ErrIncompleteRecord = errors.New("kinesisapi: record without sequence number or partition key")

// Source is an esm.Source over the Kinesis API. It is safe for concurrent
// use; the emulator reads each shard from one goroutine.
type Source struct {
	client API
	name   string
	arn    string

	mu      sync.Mutex
	cursors map[string]cursor // shard id -> where its next iterator points

	calls, iterators, nanos atomic.Int64
}

// cursor is a shard iterator that continues after sequence number after.
type cursor struct {
	after string
	iter  *string
}

var _ esm.Source = (*Source)(nil)

// NewSource describes the named stream to learn its ARN.
func NewSource(ctx context.Context, client API, streamName string) (*Source, error) {
	out, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &streamName})
	if err != nil {
		return nil, fmt.Errorf("kinesisapi: describing stream %s: %w", streamName, err)
	}
	if out.StreamDescriptionSummary == nil || out.StreamDescriptionSummary.StreamARN == nil {
		return nil, fmt.Errorf("kinesisapi: describing stream %s: no ARN in the answer", streamName)
	}
	return &Source{client: client, name: streamName, arn: *out.StreamDescriptionSummary.StreamARN, cursors: map[string]cursor{}}, nil
}

// StreamARN implements esm.Source.
func (s *Source) StreamARN() string { return s.arn }

// Shards implements esm.Source with ListShards.
func (s *Source) Shards(ctx context.Context) ([]string, error) {
	var ids []string
	in := &kinesis.ListShardsInput{StreamName: &s.name}
	for {
		out, err := s.client.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("kinesisapi: listing shards of %s: %w", s.name, err)
		}
		for _, sh := range out.Shards {
			if sh.ShardId != nil {
				ids = append(ids, *sh.ShardId)
			}
		}
		if out.NextToken == nil || *out.NextToken == "" {
			return ids, nil
		}
		// A paged ListShards names the token only, never the stream.
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

// Read implements esm.Source. It continues with the iterator the previous
// GetRecords of the shard returned when the caller asks for the records after
// the last one it got, and otherwise (first read, a restart, or an expired
// iterator) opens one with AFTER_SEQUENCE_NUMBER, or TRIM_HORIZON for "".
// more is MillisBehindLatest > 0.
func (s *Source) Read(ctx context.Context, shardID, after string, limit int) ([]esm.Record, bool, error) {
	lim := int32(min(max(limit, 1), MaxGetRecords))
	s.mu.Lock()
	c, ok := s.cursors[shardID]
	s.mu.Unlock()
	var iter *string
	if ok && c.after == after && c.iter != nil {
		iter = c.iter
	} else {
		var err error
		if iter, err = s.iterator(ctx, shardID, after); err != nil {
			return nil, false, err
		}
	}
	fresh := !ok || c.iter != iter
	for range maxEmptyPages {
		if iter == nil {
			return nil, false, nil // a closed shard read to its end
		}
		out, err := s.getRecords(ctx, iter, lim)
		var expired *types.ExpiredIteratorException
		if errors.As(err, &expired) && !fresh {
			// Iterators live five minutes: an idle shard's cached one may
			// have lapsed. Open a new one where it pointed.
			if iter, err = s.iterator(ctx, shardID, after); err != nil {
				return nil, false, err
			}
			fresh = true
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("kinesisapi: GetRecords %s: %w", shardID, err)
		}
		behind := out.MillisBehindLatest != nil && *out.MillisBehindLatest > 0
		if len(out.Records) == 0 && behind {
			iter = out.NextShardIterator
			continue
		}
		recs := make([]esm.Record, 0, len(out.Records))
		for _, r := range out.Records {
			if r.SequenceNumber == nil || r.PartitionKey == nil {
				return nil, false, fmt.Errorf("kinesisapi: GetRecords %s: %w", shardID, ErrIncompleteRecord)
			}
			rec := esm.Record{PartitionKey: *r.PartitionKey, SequenceNumber: *r.SequenceNumber, Data: r.Data}
			if r.ApproximateArrivalTimestamp != nil {
				rec.ApproximateArrival = *r.ApproximateArrivalTimestamp
			}
			recs = append(recs, rec)
		}
		next := after
		if len(recs) > 0 {
			next = recs[len(recs)-1].SequenceNumber
		}
		s.mu.Lock()
		s.cursors[shardID] = cursor{after: next, iter: out.NextShardIterator}
		s.mu.Unlock()
		return recs, behind, nil
	}
	// Still empty pages while behind: remember where they got to.
	s.mu.Lock()
	s.cursors[shardID] = cursor{after: after, iter: iter}
	s.mu.Unlock()
	return nil, true, nil
}

func (s *Source) iterator(ctx context.Context, shardID, after string) (*string, error) {
	in := &kinesis.GetShardIteratorInput{
		StreamName:        &s.name,
		ShardId:           &shardID,
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	}
	if after != "" {
		in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = &after
	}
	t := time.Now()
	out, err := s.client.GetShardIterator(ctx, in)
	s.nanos.Add(int64(time.Since(t)))
	s.iterators.Add(1)
	if err != nil {
		return nil, fmt.Errorf("kinesisapi: GetShardIterator %s: %w", shardID, err)
	}
	return out.ShardIterator, nil
}

func (s *Source) getRecords(ctx context.Context, iter *string, limit int32) (*kinesis.GetRecordsOutput, error) {
	t := time.Now()
	out, err := s.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: &limit})
	s.nanos.Add(int64(time.Since(t)))
	s.calls.Add(1)
	return out, err
}

// Calls counts the API calls a Source made, and the time spent in them.
type Calls struct {
	GetRecords       int64
	GetShardIterator int64
	Time             time.Duration
}

// Calls returns the counts so far.
func (s *Source) Calls() Calls {
	return Calls{GetRecords: s.calls.Load(), GetShardIterator: s.iterators.Load(), Time: time.Duration(s.nanos.Load())}
}
