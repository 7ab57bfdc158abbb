package esm

import (
	"context"
	"strings"
	"time"
)

// Record is one Kinesis data record as a shard returns it.
type Record struct {
	PartitionKey   string
	SequenceNumber string
	Data           []byte
	// ApproximateArrival is when the stream accepted the record
	// (millisecond precision, as Kinesis reports it).
	ApproximateArrival time.Time
}

// Source is a Kinesis stream as the event source mapping sees it. Stream is
// the in-memory implementation; a GetShardIterator/GetRecords-backed one can
// sit behind the same interface.
type Source interface {
	// StreamARN is the stream's ARN (eventSourceARN; its region is awsRegion).
	StreamARN() string
	// Shards lists the open shard ids in order.
	Shards(ctx context.Context) ([]string, error)
	// Read returns up to limit records of the shard with sequence numbers
	// after the given one ("" reads from TRIM_HORIZON), in order. more reports
	// that further records were already available beyond those returned, so
	// the caller need not wait before reading again.
	Read(ctx context.Context, shardID, after string, limit int) (records []Record, more bool, err error)
}

// CompareSequenceNumbers orders two Kinesis sequence numbers (decimal strings
// without leading zeros) numerically, returning -1, 0 or +1.
func CompareSequenceNumbers(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
