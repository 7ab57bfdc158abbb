package esm

import (
	"bufio"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func mustInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return v
}

func TestHashKeyRangesMatchCreateStream(t *testing.T) {
	max := "340282366920938463463374607431768211455" // 2^128-1
	tests := []struct {
		shards int
		ends   []string
	}{
		{1, []string{max}},
		{2, []string{"170141183460469231731687303715884105727", max}},
		{3, []string{"113427455640312821154458202477256070484", "226854911280625642308916404954512140969", max}},
		{4, []string{"85070591730234615865843651857942052863", "170141183460469231731687303715884105727", "255211775190703847597530955573826158591", max}},
	}
	for _, tt := range tests {
		s := newStream(t, tt.shards, nil)
		prevEnd := big.NewInt(-1)
		for i, want := range tt.ends {
			start, end := s.HashKeyRange(i)
			if end.Cmp(mustInt(want)) != 0 {
				t.Errorf("%d shards: shard %d ends at %v, want %s", tt.shards, i, end, want)
			}
			if next := new(big.Int).Add(prevEnd, big.NewInt(1)); start.Cmp(next) != 0 {
				t.Errorf("%d shards: shard %d starts at %v, want %v", tt.shards, i, start, next)
			}
			prevEnd = end
		}
	}
}

func TestPartitionKeyMD5SelectsShard(t *testing.T) {
	// md5("a") = 0cc175b9..., below 2^127; md5("b") = 92eb5ffe..., above.
	s2 := newStream(t, 2, nil)
	for key, want := range map[string]string{"a": ShardID(0), "b": ShardID(1)} {
		res, err := s2.Put(key, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if res.ShardID != want {
			t.Errorf("Put(%q) went to %s, want %s", key, res.ShardID, want)
		}
	}

	s5 := newStream(t, 5, nil)
	counts := make([]int, 5)
	for i := range 2000 {
		key := fmt.Sprintf("0x%040x", i)
		sum := md5.Sum([]byte(key))
		h := new(big.Int).SetBytes(sum[:])
		res, err := s5.Put(key, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		var got int
		fmt.Sscanf(strings.TrimPrefix(res.ShardID, "shardId-"), "%d", &got)
		start, end := s5.HashKeyRange(got)
		if h.Cmp(start) < 0 || h.Cmp(end) > 0 {
			t.Fatalf("key %q hash %v put in %s [%v, %v]", key, h, res.ShardID, start, end)
		}
		counts[got]++
	}
	for i, c := range counts {
		if c < 300 || c > 500 {
			t.Errorf("shard %d got %d of 2000 keys; MD5 should spread them evenly", i, c)
		}
	}
}

func TestSequenceNumbersAndArrival(t *testing.T) {
	clk := newManualClock()
	s := newStream(t, 3, clk)
	digits := regexp.MustCompile(`^[1-9][0-9]{55}$`)
	last := map[string]string{}
	seen := map[string]bool{}
	for i := range 300 {
		clk.Advance(1500) // 1.5µs: arrival keeps millisecond precision
		res, err := s.Put(fmt.Sprint("k", i%17), []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		if !digits.MatchString(res.SequenceNumber) {
			t.Fatalf("sequence number %q is not 56 digits", res.SequenceNumber)
		}
		if prev, ok := last[res.ShardID]; ok && CompareSequenceNumbers(prev, res.SequenceNumber) >= 0 {
			t.Fatalf("%s: %s after %s does not increase", res.ShardID, res.SequenceNumber, prev)
		}
		if seen[res.SequenceNumber] {
			t.Fatalf("sequence number %s reused", res.SequenceNumber)
		}
		seen[res.SequenceNumber] = true
		last[res.ShardID] = res.SequenceNumber
	}
	recs, more, err := s.Read(context.Background(), ShardID(0), "", 10000)
	if err != nil || more {
		t.Fatalf("Read = %d records, more %v, %v", len(recs), more, err)
	}
	for _, r := range recs {
		if r.ApproximateArrival.Nanosecond()%1e6 != 0 || r.ApproximateArrival.Before(t0) || r.ApproximateArrival.After(clk.Now()) {
			t.Fatalf("arrival %v not a millisecond between %v and %v", r.ApproximateArrival, t0, clk.Now())
		}
	}
}

func TestStreamReadAfterAndLimit(t *testing.T) {
	s := newStream(t, 1, nil)
	seqs := put(t, s, 25, oneKey)
	ctx := context.Background()
	recs, more, err := s.Read(ctx, ShardID(0), "", 10)
	if err != nil || !more || len(recs) != 10 || recs[0].SequenceNumber != seqs[0] {
		t.Fatalf("first read: %d records, more %v, %v", len(recs), more, err)
	}
	recs, more, err = s.Read(ctx, ShardID(0), seqs[19], 10)
	if err != nil || more || len(recs) != 5 || recs[0].SequenceNumber != seqs[20] {
		t.Fatalf("read after %s: %d records, more %v, %v", seqs[19], len(recs), more, err)
	}
	recs, more, err = s.Read(ctx, ShardID(0), seqs[24], 10)
	if err != nil || more || len(recs) != 0 {
		t.Fatalf("read at tip: %d records, more %v, %v", len(recs), more, err)
	}
	if _, _, err := s.Read(ctx, "shardId-000000000009", "", 10); !errors.Is(err, ErrUnknownShard) {
		t.Errorf("unknown shard: %v", err)
	}
}

func TestPutRejectsWhatKinesisRejects(t *testing.T) {
	s := newStream(t, 1, nil)
	tests := []struct {
		name string
		key  string
		data []byte
		ok   bool
	}{
		{"empty key", "", []byte("x"), false},
		{"256-character key", strings.Repeat("é", 256), nil, true},
		{"257-character key", strings.Repeat("k", 257), nil, false},
		{"1 MiB with key", "k", make([]byte, MaxRecordBytes-1), true},
		{"over 1 MiB", "k", make([]byte, MaxRecordBytes), false},
	}
	for _, tt := range tests {
		_, err := s.Put(tt.key, tt.data)
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidRecord)) {
			t.Errorf("%s: Put error %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if s.Len() != 2 {
		t.Errorf("Len = %d, want the 2 accepted records", s.Len())
	}
}

func TestNewStreamValidates(t *testing.T) {
	if _, err := NewStream(StreamConfig{Shards: -1}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("-1 shards: %v", err)
	}
	s, err := NewStream(StreamConfig{Name: "h", Region: "eu-west-1", AccountID: "111122223333"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.StreamARN(), "arn:aws:kinesis:eu-west-1:111122223333:stream/h"; got != want {
		t.Errorf("ARN %s, want %s", got, want)
	}
}

func TestCompareSequenceNumbers(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"9", "10", -1},
		{"10", "9", 1},
		{"49590338271490256608559692538361571095921575989136588898", "49590338271490256608559692538361571095921575989136588898", 0},
		{"49590338271490256608559692538361571095921575989136588898", "49590338271490256608559692538361571095921575989136588899", -1},
	}
	for _, tt := range tests {
		if got := CompareSequenceNumbers(tt.a, tt.b); got != tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestTrimDropsCheckpointedRecords(t *testing.T) {
	s := newStream(t, 1, nil)
	seqs := put(t, s, 10, oneKey)
	ctx := context.Background()
	if n, err := s.Trim(ShardID(0), seqs[3]); n != 4 || err != nil {
		t.Fatalf("Trim = %d, %v; want 4 records dropped", n, err)
	}
	recs, _, err := s.Read(ctx, ShardID(0), "", 100)
	if err != nil || len(recs) != 6 || recs[0].SequenceNumber != seqs[4] {
		t.Fatalf("after Trim, TRIM_HORIZON reads %d records from %v", len(recs), recs)
	}
	more := put(t, s, 1, oneKey)
	if CompareSequenceNumbers(more[0], seqs[9]) <= 0 || more[0] == seqs[4] {
		t.Errorf("sequence number %s after a trim does not follow %s", more[0], seqs[9])
	}
	recs, _, _ = s.Read(ctx, ShardID(0), seqs[8], 100)
	if len(recs) != 2 || recs[1].SequenceNumber != more[0] {
		t.Errorf("read after %s: %d records", seqs[8], len(recs))
	}
	if s.Len() != 11 {
		t.Errorf("Len %d, want 11 put", s.Len())
	}
	if _, err := s.Trim("nope", seqs[0]); !errors.Is(err, ErrUnknownShard) {
		t.Errorf("Trim of an unknown shard: %v", err)
	}
}

// testdata/kinesalite_shards.tsv records where kinesalite's PutRecord put
// keys in streams of 3, 5 and 7 shards; the emulator must agree.
func TestShardForKeyMatchesKinesalite(t *testing.T) {
	f, err := os.Open("testdata/kinesalite_shards.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	streams := map[int]*Stream{}
	sc := bufio.NewScanner(f)
	checked := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			t.Fatalf("bad line %q", line)
		}
		n, err := strconv.Atoi(fields[0])
		if err != nil {
			t.Fatal(err)
		}
		if streams[n] == nil {
			streams[n] = newStream(t, n, nil)
		}
		if got := ShardID(streams[n].ShardForKey(fields[1])); got != fields[2] {
			t.Errorf("%d shards, key %q: emulator %s, kinesalite %s", n, fields[1], got, fields[2])
		}
		checked++
	}
	if err := sc.Err(); err != nil || checked < 100 {
		t.Fatalf("checked %d vectors, %v", checked, err)
	}
}
