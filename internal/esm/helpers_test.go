package esm

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// manualClock is a Clock that moves only when told to.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []manualWaiter
}

type manualWaiter struct {
	at time.Time
	c  chan time.Time
}

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func newManualClock() *manualClock { return &manualClock{now: t0} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, manualWaiter{at: c.now.Add(d), c: ch})
	return ch
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
		} else {
			w.c <- c.now
		}
	}
	c.waiters = kept
}

func newStream(t testing.TB, shards int, clk Clock) *Stream {
	t.Helper()
	s, err := NewStream(StreamConfig{Shards: shards, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// put adds n records with keys key(i) and data "r<i>", returning their
// sequence numbers.
func put(t testing.TB, s *Stream, n int, key func(i int) string) []string {
	t.Helper()
	var seqs []string
	for i := range n {
		res, err := s.Put(key(i), fmt.Appendf(nil, "r%d", i))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, res.SequenceNumber)
	}
	return seqs
}

func oneKey(int) string { return "0xabc" }

// recorder is a handler that logs the sequence numbers of every event and
// answers with respond (success when nil).
type recorder struct {
	mu      sync.Mutex
	calls   [][]string
	events  []events.KinesisEvent
	respond func(call int, ev events.KinesisEvent) (events.KinesisEventResponse, error)
}

func (r *recorder) handle(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	r.mu.Lock()
	n := len(r.calls)
	r.calls = append(r.calls, seqsOf(ev))
	r.events = append(r.events, ev)
	r.mu.Unlock()
	if r.respond == nil {
		return events.KinesisEventResponse{}, nil
	}
	return r.respond(n, ev)
}

func (r *recorder) Calls() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func seqsOf(ev events.KinesisEvent) []string {
	out := make([]string, len(ev.Records))
	for i, rec := range ev.Records {
		out[i] = rec.Kinesis.SequenceNumber
	}
	return out
}

func sizes(calls [][]string) []int {
	out := make([]int, len(calls))
	for i, c := range calls {
		out[i] = len(c)
	}
	return out
}

// testConfig is an AWS-default configuration with a zero batching window.
func testConfig() Config {
	return Config{
		BatchSize:             100,
		ParallelizationFactor: 1,
		MaximumRetryAttempts:  -1,
		MaximumRecordAge:      -1,
		FunctionTimeout:       time.Minute,
	}
}

func run(t *testing.T, m *Mapping) Stats {
	t.Helper()
	st, err := m.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return st
}
