package gen

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Where a Lambda Kinesis event says its records come from, by default: the
// values `sam local generate-event kinesis get-records` prints.
const (
	DefaultShard             = "shardId-000000000006"
	DefaultRegion            = "us-east-1"
	DefaultStreamARN         = "arn:aws:kinesis:us-east-1:123456789012:stream/lambda-stream"
	DefaultInvokeIdentityARN = "arn:aws:iam::123456789012:role/lambda-role"
)

// Source is the shard and stream a Lambda Kinesis event reports. Zero
// fields take the defaults above.
type Source struct {
	Shard, Region, StreamARN, InvokeIdentityARN string
}

// ShardID names shard i as Kinesis does.
func ShardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// ShardFor returns which of n shards, splitting the hash key range evenly,
// Kinesis routes partitionKey to: the key's MD5 as a 128-bit integer,
// scaled to [0, n).
func ShardFor(partitionKey string, n int) int {
	if n <= 1 {
		return 0
	}
	sum := md5.Sum([]byte(partitionKey))
	hi, lo := binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])
	// floor(h * n / 2^128) with h = hi*2^64 + lo.
	p1hi, p1lo := bits.Mul64(hi, uint64(n))
	p2hi, _ := bits.Mul64(lo, uint64(n))
	_, carry := bits.Add64(p1lo, p2hi, 0)
	return int(p1hi + carry)
}

// Sequence numbers look like Kinesis': 56 decimal digits, increasing. The
// first is the one sam's sample event uses, the step the gap between its
// two records.
var (
	seqBase, _ = new(big.Int).SetString("49590338271490256608559692538361571095921575989136588898", 10)
	seqStep, _ = new(big.Int).SetString("2564131663402632534000926720", 10)
)

// SequenceNumber returns the n-th sequence number of a shard. It increases
// with n, and keeps 56 digits for every n below 2^64.
func SequenceNumber(n uint64) string {
	v := new(big.Int).SetUint64(n)
	v.Mul(v, seqStep)
	return v.Add(v, seqBase).String()
}

// KinesisEvent wraps recs as the Lambda event of one batch from src, with
// sequence numbers SequenceNumber(first), SequenceNumber(first+1), ...
// and arrival times from arrival, 10 ms apart.
func KinesisEvent(src Source, first uint64, arrival time.Time, recs []Record) events.KinesisEvent {
	if src.Shard == "" {
		src.Shard = DefaultShard
	}
	if src.Region == "" {
		src.Region = DefaultRegion
	}
	if src.StreamARN == "" {
		src.StreamARN = DefaultStreamARN
		if src.Region != DefaultRegion {
			src.StreamARN = "arn:aws:kinesis:" + src.Region + ":123456789012:stream/lambda-stream"
		}
	}
	if src.InvokeIdentityARN == "" {
		src.InvokeIdentityARN = DefaultInvokeIdentityARN
	}
	ev := events.KinesisEvent{Records: make([]events.KinesisEventRecord, len(recs))}
	for i, r := range recs {
		seq := SequenceNumber(first + uint64(i))
		ev.Records[i] = events.KinesisEventRecord{
			AwsRegion:         src.Region,
			EventID:           src.Shard + ":" + seq,
			EventName:         "aws:kinesis:record",
			EventSource:       "aws:kinesis",
			EventSourceArn:    src.StreamARN,
			EventVersion:      "1.0",
			InvokeIdentityArn: src.InvokeIdentityARN,
			Kinesis: events.KinesisRecord{
				ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: arrival.Add(time.Duration(i) * 10 * time.Millisecond)},
				Data:                        r.Data,
				PartitionKey:                r.PartitionKey,
				SequenceNumber:              seq,
				KinesisSchemaVersion:        "1.0",
			},
		}
	}
	return ev
}
