package kinesisapi

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/esm"
)

// startStream starts kinesalite with one stream of the given shards holding
// n records over keys partition keys; record i's data is "i". It fails, never
// skips, when kinesalite is missing.
func startStream(t *testing.T, shards, n, keys int) (*Source, []Entry) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nm, err := FindNodeModules(".")
	if err != nil {
		t.Fatalf("%v (tools/node/node_modules/kinesalite is missing)", err)
	}
	k, err := Start(ctx, nm, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	c := NewClient(k.Endpoint)
	if err := CreateStream(ctx, c, "test", shards); err != nil {
		t.Fatal(err)
	}
	entries := make([]Entry, n)
	for i := range entries {
		entries[i] = Entry{PartitionKey: fmt.Sprintf("0xuser%02d", i%keys), Data: []byte(fmt.Sprint(i))}
	}
	if err := Put(ctx, c, "test", entries); err != nil {
		t.Fatal(err)
	}
	src, err := NewSource(ctx, c, "test")
	if err != nil {
		t.Fatal(err)
	}
	return src, entries
}

func TestSourceReadsEveryRecordOnceInOrder(t *testing.T) {
	src, entries := startStream(t, 1, 200, 7)
	ctx := context.Background()
	ids, err := src.Shards(ctx)
	if err != nil || len(ids) != 1 {
		t.Fatalf("Shards = %v, %v; want one shard", ids, err)
	}
	// Small pages, and one restart from a sequence number in the middle, as
	// the emulator does after a retry.
	var got []esm.Record
	after, restarted := "", false
	for {
		recs, _, err := src.Read(ctx, ids[0], after, 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		got = append(got, recs...)
		after = recs[len(recs)-1].SequenceNumber
		if len(got) == 90 && !restarted {
			restarted = true
			after = got[59].SequenceNumber
			got = got[:60]
		}
	}
	if len(got) != len(entries) {
		t.Fatalf("read %d records, want %d", len(got), len(entries))
	}
	for i, r := range got {
		if string(r.Data) != string(entries[i].Data) || r.PartitionKey != entries[i].PartitionKey {
			t.Fatalf("record %d = %q/%q, want %q/%q", i, r.PartitionKey, r.Data, entries[i].PartitionKey, entries[i].Data)
		}
		if i > 0 && esm.CompareSequenceNumbers(got[i-1].SequenceNumber, r.SequenceNumber) >= 0 {
			t.Fatalf("sequence numbers out of order at %d", i)
		}
		if r.ApproximateArrival.IsZero() {
			t.Fatalf("record %d has no arrival time", i)
		}
	}
	c := src.Calls()
	// One iterator to start and one for the restart: every other read
	// continues with the previous page's NextShardIterator.
	if c.GetShardIterator != 2 {
		t.Errorf("GetShardIterator calls = %d, want 2", c.GetShardIterator)
	}
}

func TestMappingOverKinesalite(t *testing.T) {
	src, entries := startStream(t, 1, 200, 7)
	var mu sync.Mutex
	got := map[string][]string{} // partition key -> data in delivery order
	seen := map[string]int{}
	m := esm.Mapping{
		Source: src,
		Config: func() esm.Config {
			c := esm.DefaultConfig()
			c.BatchSize, c.ParallelizationFactor, c.MaximumBatchingWindow = 25, 3, 0
			return c
		}(),
		PollInterval: 10 * time.Millisecond,
		Handler: func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range ev.Records {
				k := r.Kinesis.PartitionKey
				got[k] = append(got[k], string(r.Kinesis.Data))
				seen[r.Kinesis.SequenceNumber]++
			}
			return events.KinesisEventResponse{}, nil
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := m.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.RecordsSucceeded != int64(len(entries)) || len(seen) != len(entries) {
		t.Fatalf("succeeded %d, distinct %d; want %d", st.RecordsSucceeded, len(seen), len(entries))
	}
	for seq, n := range seen {
		if n != 1 {
			t.Errorf("record %s delivered %d times", seq, n)
		}
	}
	want := map[string][]string{}
	for _, e := range entries {
		want[e.PartitionKey] = append(want[e.PartitionKey], string(e.Data))
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("key %s: delivered %v, want %v", k, got[k], w)
		}
	}
}
