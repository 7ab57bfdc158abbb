package esm

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Errors returned by Stream.
var (
	// ErrInvalidRecord means Put was given a record Kinesis would reject.
	ErrInvalidRecord = errors.New("esm: invalid record")
	// ErrUnknownShard means a shard id that the stream does not have.
	ErrUnknownShard = errors.New("esm: unknown shard")
)

// Kinesis record limits.
const (
	MaxPartitionKeyLen = 256     // Unicode characters
	MaxRecordBytes     = 1 << 20 // data plus partition key
	maxReadLimit       = 10000   // GetRecords' Limit
	maxShards          = 999     // the sequence number format holds three digits
)

// StreamConfig describes an in-memory stream. Zero fields take the defaults
// shown.
type StreamConfig struct {
	Name      string // "kleo-history"
	Shards    int    // 1
	Region    string // "us-east-1"
	AccountID string // "123456789012"
	// Clock stamps ApproximateArrival; use the mapping's clock so record age is
	// measured on one time line. nil means the system clock.
	Clock Clock
}

// Stream is an in-memory Kinesis data stream. Like Kinesis it routes each
// record to the shard whose hash-key range holds the MD5 of its partition key,
// and gives it a 56-digit sequence number that increases within the shard.
// Sequence numbers depend only on the shard and the order of puts, so two
// streams fed the same puts number them identically. It keeps every record
// (no retention period). Stream implements Source and is safe for concurrent
// use.
type Stream struct {
	arn    string
	clock  Clock
	starts []*big.Int // starting hash key of each shard, ascending
	ids    []string

	mu      sync.RWMutex
	shards  [][]Record
	trimmed []int // records dropped from the front of each shard
	total   int
}

// NewStream returns an empty stream with cfg.Shards shards whose hash-key
// ranges split 0..2^128-1 evenly, as CreateStream does.
func NewStream(cfg StreamConfig) (*Stream, error) {
	if cfg.Name == "" {
		cfg.Name = "kleo-history"
	}
	if cfg.Shards == 0 {
		cfg.Shards = 1
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	if cfg.Shards < 1 || cfg.Shards > maxShards {
		return nil, fmt.Errorf("%w: %d shards not in 1..%d", ErrInvalidConfig, cfg.Shards, maxShards)
	}
	s := &Stream{
		arn:     fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", cfg.Region, cfg.AccountID, cfg.Name),
		clock:   clockOrSystem(cfg.Clock),
		shards:  make([][]Record, cfg.Shards),
		trimmed: make([]int, cfg.Shards),
	}
	width := new(big.Int).Div(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(int64(cfg.Shards)))
	for i := range cfg.Shards {
		s.starts = append(s.starts, new(big.Int).Mul(width, big.NewInt(int64(i))))
		s.ids = append(s.ids, ShardID(i))
	}
	return s, nil
}

// ShardID is the id Kinesis gives the i-th shard of a new stream.
func ShardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// StreamARN implements Source.
func (s *Stream) StreamARN() string { return s.arn }

// Shards implements Source.
func (s *Stream) Shards(context.Context) ([]string, error) {
	return append([]string(nil), s.ids...), nil
}

// HashKeyRange returns the inclusive hash-key range of shard i.
func (s *Stream) HashKeyRange(i int) (start, end *big.Int) {
	start = new(big.Int).Set(s.starts[i])
	if i+1 < len(s.starts) {
		end = new(big.Int).Sub(s.starts[i+1], big.NewInt(1))
	} else {
		end = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
	}
	return start, end
}

// ShardForKey returns the index of the shard a partition key maps to.
func (s *Stream) ShardForKey(partitionKey string) int {
	sum := md5.Sum([]byte(partitionKey))
	h := new(big.Int).SetBytes(sum[:])
	// The last shard whose starting key is <= h.
	return sort.Search(len(s.starts), func(i int) bool { return s.starts[i].Cmp(h) > 0 }) - 1
}

// PutResult is what PutRecord returns.
type PutResult struct {
	ShardID        string
	SequenceNumber string
}

// Put appends a record, as PutRecord does. The stream keeps its own copy of
// data.
func (s *Stream) Put(partitionKey string, data []byte) (PutResult, error) {
	n := utf8.RuneCountInString(partitionKey)
	if n < 1 || n > MaxPartitionKeyLen {
		return PutResult{}, fmt.Errorf("%w: partition key of %d characters not in 1..%d", ErrInvalidRecord, n, MaxPartitionKeyLen)
	}
	if size := len(data) + len(partitionKey); size > MaxRecordBytes {
		return PutResult{}, fmt.Errorf("%w: %d bytes exceed %d", ErrInvalidRecord, size, MaxRecordBytes)
	}
	i := s.ShardForKey(partitionKey)
	rec := Record{
		PartitionKey:       partitionKey,
		Data:               append([]byte(nil), data...),
		ApproximateArrival: s.clock.Now().Truncate(time.Millisecond),
	}
	s.mu.Lock()
	rec.SequenceNumber = sequenceNumber(i, s.trimmed[i]+len(s.shards[i])+1)
	s.shards[i] = append(s.shards[i], rec)
	s.total++
	s.mu.Unlock()
	return PutResult{ShardID: s.ids[i], SequenceNumber: rec.SequenceNumber}, nil
}

// sequenceNumber formats the n-th sequence number of shard i: 56 digits like
// Kinesis's, "49" and a fixed epoch, the shard, then the counter.
func sequenceNumber(shard, n int) string {
	b := make([]byte, 0, 56)
	b = append(b, "49590338271490256"...) // 17 digits
	b = appendPadded(b, uint64(shard), 3)
	return string(appendPadded(b, uint64(n), 36))
}

func appendPadded(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	d := strconv.AppendUint(tmp[:0], v, 10)
	for range width - len(d) {
		b = append(b, '0')
	}
	return append(b, d...)
}

// Trim drops the shard's records up to and including the given sequence
// number, as retention expiry would, so a long run can release what its
// mapping has checkpointed. Reads after an earlier position start at the
// first record kept. It returns the number of records dropped.
func (s *Stream) Trim(shardID, through string) (int, error) {
	i := sort.SearchStrings(s.ids, shardID)
	if i == len(s.ids) || s.ids[i] != shardID {
		return 0, fmt.Errorf("%w: %q", ErrUnknownShard, shardID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := s.shards[i]
	n := sort.Search(len(recs), func(j int) bool {
		return CompareSequenceNumbers(recs[j].SequenceNumber, through) > 0
	})
	clear(recs[:n]) // let the dropped data go
	s.shards[i] = recs[n:]
	if n > len(recs)-n {
		// Compact when most of the array is dropped slots: each record is
		// copied at most once per halving, so trimming after every batch
		// stays linear.
		s.shards[i] = append([]Record(nil), recs[n:]...)
	}
	s.trimmed[i] += n
	return n, nil
}

// Len returns the number of records put so far, trimmed or not.
func (s *Stream) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.total
}

// Read implements Source. The records share Data with the stream: callers
// must not modify it.
func (s *Stream) Read(_ context.Context, shardID, after string, limit int) ([]Record, bool, error) {
	i := sort.SearchStrings(s.ids, shardID)
	if i == len(s.ids) || s.ids[i] != shardID {
		return nil, false, fmt.Errorf("%w: %q", ErrUnknownShard, shardID)
	}
	if limit < 1 || limit > maxReadLimit {
		return nil, false, fmt.Errorf("esm: read limit %d not in 1..%d", limit, maxReadLimit)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	recs := s.shards[i]
	from := 0
	if after != "" {
		from = sort.Search(len(recs), func(j int) bool {
			return CompareSequenceNumbers(recs[j].SequenceNumber, after) > 0
		})
	}
	to := min(from+limit, len(recs))
	return append([]Record(nil), recs[from:to]...), to < len(recs), nil
}
