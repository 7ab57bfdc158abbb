package esm

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestRandomFaultsKeepBooks runs seeded random configurations against a
// handler that fails at random in every way the mapping distinguishes, and
// checks the mapping's own books: every record is finished exactly once
// (acknowledged by the handler or named in an on-failure record), a key's
// records are acknowledged in order and never sit in two concurrent batches,
// and the checkpoint reaches the end of every shard.
func TestRandomFaultsKeepBooks(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) { randomRun(t, seed) })
	}
}

func randomRun(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	cfg := testConfig()
	cfg.BatchSize = 1 + rng.IntN(40)
	cfg.ParallelizationFactor = 1 + rng.IntN(10)
	cfg.BisectBatchOnFunctionError = rng.IntN(2) == 0
	cfg.ReportBatchItemFailures = rng.IntN(3) > 0
	cfg.MaximumRetryAttempts = rng.IntN(4) - 1 // -1..2
	shards := 1 + rng.IntN(4)
	keys := 1 + rng.IntN(30)
	n := 50 + rng.IntN(400)
	failRate := rng.Float64() * 0.4
	redeliver := rng.IntN(2) == 0

	s := newStream(t, shards, nil)
	seqs := put(t, s, n, func(i int) string { return fmt.Sprint("0x", rng.IntN(keys)) })
	type recInfo struct {
		shard int
		key   string
		i     int // order within the shard
	}
	info := map[string]recInfo{} // seq -> where it sits
	var byShard [][]Record
	for sh := range shards {
		recs, _, _ := s.Read(t.Context(), ShardID(sh), "", 10000)
		byShard = append(byShard, recs)
		for i, r := range recs {
			info[r.SequenceNumber] = recInfo{sh, r.PartitionKey, i}
		}
	}
	laneOf := func(key string) uint32 {
		h := fnv.New32a()
		h.Write([]byte(key))
		return h.Sum32() % uint32(cfg.ParallelizationFactor)
	}

	var (
		mu        sync.Mutex
		hrng      = rand.New(rand.NewPCG(seed, 7)) // the handler's dice, under mu
		acked     = map[string]bool{}
		discarded = map[string]bool{}
		inflight  = map[string]bool{} // keys in a running batch
	)
	finished := func(seq string) bool { return acked[seq] || discarded[seq] }
	// earlierOpen reports a record of the same key before seq that is not
	// finished yet.
	earlierOpen := func(seq string) string {
		in := info[seq]
		sh := byShard[in.shard]
		for j := in.i - 1; j >= 0; j-- {
			if sh[j].PartitionKey == in.key && !finished(sh[j].SequenceNumber) {
				return sh[j].SequenceNumber
			}
		}
		return ""
	}

	h := func(_ context.Context, ev events.KinesisEvent) (resp events.KinesisEventResponse, err error) {
		mu.Lock()
		keysHere := map[string]bool{}
		for _, r := range ev.Records {
			k := r.Kinesis.PartitionKey
			if !keysHere[k] && inflight[k] {
				t.Errorf("key %s in two concurrent batches", k)
			}
			keysHere[k] = true
		}
		for k := range keysHere {
			inflight[k] = true
		}
		roll := hrng.Float64()
		cut := hrng.IntN(len(ev.Records))
		mu.Unlock()
		defer func() {
			mu.Lock()
			for k := range keysHere {
				inflight[k] = false
			}
			mu.Unlock()
		}()

		ok := len(ev.Records) // records the mapping will take as succeeded
		switch {
		case roll < failRate/4:
			panic("random panic")
		case roll < failRate/2:
			return resp, errors.New("random error")
		case roll < 3*failRate/4 && cfg.ReportBatchItemFailures:
			resp.BatchItemFailures = []events.KinesisBatchItemFailure{{ItemIdentifier: "not-a-sequence-number"}}
			return resp, nil
		case roll < failRate && cfg.ReportBatchItemFailures:
			ok = cut
			resp.BatchItemFailures = []events.KinesisBatchItemFailure{
				{ItemIdentifier: ev.Records[cut].Kinesis.SequenceNumber},
			}
			if cut+1 < len(ev.Records) {
				resp.BatchItemFailures = append(resp.BatchItemFailures,
					events.KinesisBatchItemFailure{ItemIdentifier: ev.Records[len(ev.Records)-1].Kinesis.SequenceNumber})
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records[:ok] {
			seq := r.Kinesis.SequenceNumber
			if !finished(seq) {
				if open := earlierOpen(seq); open != "" {
					t.Errorf("key %s: %s acknowledged before %s finished", r.Kinesis.PartitionKey, seq, open)
				}
			}
			acked[seq] = true
		}
		return resp, nil
	}

	var redeliveries int
	m := &Mapping{Source: s, Handler: h, Config: cfg,
		OnFailure: func(f OnFailureRecord) {
			mu.Lock()
			defer mu.Unlock()
			b := f.KinesisBatchInfo
			// The batch is a run of consecutive records of one lane.
			start := info[b.StartSequenceNumber]
			lane := laneOf(start.key)
			count := 0
			for _, r := range byShard[start.shard][start.i:] {
				if laneOf(r.PartitionKey) != lane {
					continue
				}
				if discarded[r.SequenceNumber] {
					t.Errorf("record %s discarded twice", r.SequenceNumber)
				}
				discarded[r.SequenceNumber] = true
				count++
				if r.SequenceNumber == b.EndSequenceNumber {
					break
				}
			}
			if count != b.BatchSize {
				t.Errorf("on-failure record for %d records matched %d", b.BatchSize, count)
			}
		},
		Redeliver: func(*Invocation) bool {
			mu.Lock()
			defer mu.Unlock()
			if redeliver && hrng.IntN(5) == 0 {
				redeliveries++
				return true
			}
			return false
		},
	}
	st := run(t, m)

	for _, seq := range seqs {
		if !finished(seq) {
			t.Fatalf("record %s neither acknowledged nor discarded", seq)
		}
		if acked[seq] && discarded[seq] && !redeliver {
			t.Fatalf("record %s both acknowledged and discarded", seq)
		}
	}
	if st.RecordsSucceeded+st.RecordsDiscarded != int64(n) || st.RecordsDiscarded != int64(len(discarded)) {
		t.Errorf("succeeded %d + discarded %d != %d records (%d discarded by on-failure records)",
			st.RecordsSucceeded, st.RecordsDiscarded, n, len(discarded))
	}
	if st.Redeliveries != int64(redeliveries) {
		t.Errorf("Redeliveries %d, hook said yes %d times", st.Redeliveries, redeliveries)
	}
	for sh, recs := range byShard {
		if len(recs) > 0 && st.Checkpoints[ShardID(sh)] != recs[len(recs)-1].SequenceNumber {
			t.Errorf("%s checkpoint %s, want the last record", ShardID(sh), st.Checkpoints[ShardID(sh)])
		}
	}
}
