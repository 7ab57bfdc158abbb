package esm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestEventHasLambdaShape(t *testing.T) {
	clk := newManualClock()
	s := newStream(t, 1, clk)
	res, err := s.Put("0xuser", []byte(`{"x":1}`))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	run(t, &Mapping{Source: s, Handler: rec.handle, Config: testConfig(), Clock: clk})
	if len(rec.events) != 1 || len(rec.events[0].Records) != 1 {
		t.Fatalf("got %d events", len(rec.events))
	}
	got := rec.events[0].Records[0]
	want := events.KinesisEventRecord{
		AwsRegion:         "us-east-1",
		EventID:           "shardId-000000000000:" + res.SequenceNumber,
		EventName:         "aws:kinesis:record",
		EventSource:       "aws:kinesis",
		EventSourceArn:    "arn:aws:kinesis:us-east-1:123456789012:stream/kleo-history",
		EventVersion:      "1.0",
		InvokeIdentityArn: "arn:aws:iam::123456789012:role/kleo-processor-role",
		Kinesis: events.KinesisRecord{
			ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: t0},
			Data:                        []byte(`{"x":1}`),
			PartitionKey:                "0xuser",
			SequenceNumber:              res.SequenceNumber,
			KinesisSchemaVersion:        "1.0",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("record\n got %+v\nwant %+v", got, want)
	}
	b, err := json.Marshal(rec.events[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"Records":[`, `"data":"eyJ4IjoxfQ=="`, `"approximateArrivalTimestamp":1795680000`, `"eventSourceARN":"arn:aws:kinesis:`} {
		if !strings.Contains(string(b), frag) {
			t.Errorf("event JSON %s lacks %s", b, frag)
		}
	}
}

func TestBatchSize(t *testing.T) {
	for _, tt := range []struct {
		records, batch int
		want           []int
	}{
		{250, 100, []int{100, 100, 50}},
		{10, 1, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{10000, 10000, []int{10000}},
	} {
		s := newStream(t, 1, nil)
		put(t, s, tt.records, oneKey)
		rec := &recorder{}
		cfg := testConfig()
		cfg.BatchSize = tt.batch
		st := run(t, &Mapping{Source: s, Handler: rec.handle, Config: cfg})
		if got := sizes(rec.Calls()); !slices.Equal(got, tt.want) {
			t.Errorf("%d records, BatchSize %d: batches %v, want %v", tt.records, tt.batch, got, tt.want)
		}
		if st.RecordsSucceeded != int64(tt.records) || st.Invocations != int64(len(tt.want)) {
			t.Errorf("stats %+v", st)
		}
	}
}

func TestBatchPayloadLimit(t *testing.T) {
	s := newStream(t, 1, nil)
	data := make([]byte, MaxRecordBytes-10) // base64 makes each ~1.4 MB of event
	for range 10 {
		if _, err := s.Put("k", data); err != nil {
			t.Fatal(err)
		}
	}
	var got []int
	h := func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		b, err := json.Marshal(ev)
		if err != nil {
			return events.KinesisEventResponse{}, err
		}
		if len(b) > MaxPayloadBytes {
			t.Errorf("event of %d bytes exceeds %d", len(b), MaxPayloadBytes)
		}
		got = append(got, len(ev.Records))
		return events.KinesisEventResponse{}, nil
	}
	run(t, &Mapping{Source: s, Handler: h, Config: testConfig()})
	if want := []int{4, 4, 2}; !slices.Equal(got, want) {
		t.Errorf("batches %v, want %v (4 records of 1 MiB fit in 6 MB, 5 do not)", got, want)
	}
}

// Every record is delivered once, each shard in sequence order, batches never
// mixing shards.
func TestOrderPerShard(t *testing.T) {
	s := newStream(t, 4, nil)
	put(t, s, 3000, func(i int) string { return fmt.Sprint("user-", i%53) })
	var mu sync.Mutex
	got := map[string][]string{}
	h := func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		shard, _, _ := strings.Cut(ev.Records[0].EventID, ":")
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records {
			if !strings.HasPrefix(r.EventID, shard+":") {
				t.Errorf("batch mixes %s and %s", shard, r.EventID)
			}
			got[shard] = append(got[shard], r.Kinesis.SequenceNumber)
		}
		return events.KinesisEventResponse{}, nil
	}
	cfg := testConfig()
	cfg.BatchSize = 37
	st := run(t, &Mapping{Source: s, Handler: h, Config: cfg})
	for i := range 4 {
		recs, _, _ := s.Read(t.Context(), ShardID(i), "", 10000)
		var want []string
		for _, r := range recs {
			want = append(want, r.SequenceNumber)
		}
		if !slices.Equal(got[ShardID(i)], want) {
			t.Errorf("%s: delivered %d records out of order or not once each (stream has %d)", ShardID(i), len(got[ShardID(i)]), len(want))
		}
		if st.Checkpoints[ShardID(i)] != want[len(want)-1] {
			t.Errorf("%s checkpoint %s, want last record %s", ShardID(i), st.Checkpoints[ShardID(i)], want[len(want)-1])
		}
	}
}

// With ParallelizationFactor P a shard runs up to P batches at once, never two
// holding the same partition key, and each key's records arrive in order.
func TestParallelizationKeepsKeyOrder(t *testing.T) {
	for _, p := range []int{1, 4, 10} {
		t.Run(fmt.Sprint("P=", p), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newStream(t, 2, nil)
				put(t, s, 2000, func(i int) string { return fmt.Sprint("0x", i%97) })
				var (
					mu         sync.Mutex
					inflight   = map[string]int{} // key -> batches holding it
					perShard   = map[string]int{} // shard -> batches in flight
					maxInShard int
					last       = map[string]string{}
					delivered  int
				)
				h := func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
					shard, _, _ := strings.Cut(ev.Records[0].EventID, ":")
					keys := map[string]bool{}
					mu.Lock()
					perShard[shard]++
					maxInShard = max(maxInShard, perShard[shard])
					for _, r := range ev.Records {
						k := r.Kinesis.PartitionKey
						if !keys[k] {
							keys[k] = true
							inflight[k]++
							if inflight[k] > 1 {
								t.Errorf("key %s in two in-flight batches", k)
							}
						}
						if prev := last[k]; prev != "" && CompareSequenceNumbers(prev, r.Kinesis.SequenceNumber) >= 0 {
							t.Errorf("key %s: %s delivered after %s", k, r.Kinesis.SequenceNumber, prev)
						}
						last[k] = r.Kinesis.SequenceNumber
						delivered++
					}
					mu.Unlock()
					time.Sleep(10 * time.Millisecond) // virtual: lets every lane get here
					mu.Lock()
					perShard[shard]--
					for k := range keys {
						inflight[k]--
					}
					mu.Unlock()
					return events.KinesisEventResponse{}, nil
				}
				cfg := testConfig()
				cfg.BatchSize = 25
				cfg.ParallelizationFactor = p
				st := run(t, &Mapping{Source: s, Handler: h, Config: cfg})
				if delivered != 2000 || st.RecordsSucceeded != 2000 {
					t.Errorf("delivered %d, succeeded %d, want 2000", delivered, st.RecordsSucceeded)
				}
				if maxInShard != p {
					t.Errorf("at most %d batches of a shard in flight, want %d", maxInShard, p)
				}
			})
		})
	}
}

func TestReportBatchItemFailures(t *testing.T) {
	resp := func(ids ...string) events.KinesisEventResponse {
		r := events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
		for _, id := range ids {
			r.BatchItemFailures = append(r.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: id})
		}
		return r
	}
	var nullID events.KinesisEventResponse
	if err := json.Unmarshal([]byte(`{"batchItemFailures":[{"itemIdentifier":null}]}`), &nullID); err != nil {
		t.Fatal(err)
	}
	const n = 10
	tests := []struct {
		name     string
		rbif     bool
		first    func(seqs []string) events.KinesisEventResponse
		retry    []int // indexes of the records delivered again; nil = no retry
		partials int64
	}{
		{"empty list is success", true, func([]string) events.KinesisEventResponse { return resp() }, nil, 0},
		{"nil list is success", true, func([]string) events.KinesisEventResponse { return events.KinesisEventResponse{} }, nil, 0},
		{"empty identifier fails the batch", true, func([]string) events.KinesisEventResponse { return resp("") }, span(0, n), 0},
		{"null identifier fails the batch", true, func([]string) events.KinesisEventResponse { return nullID }, span(0, n), 0},
		{"unknown identifier fails the batch", true, func([]string) events.KinesisEventResponse { return resp("12345") }, span(0, n), 0},
		{"one bad identifier among good ones", true, func(s []string) events.KinesisEventResponse { return resp(s[6], "") }, span(0, n), 0},
		{"resume from the lowest", true, func(s []string) events.KinesisEventResponse { return resp(s[7], s[3], s[8]) }, span(3, n), 1},
		{"first record failed", true, func(s []string) events.KinesisEventResponse { return resp(s[0]) }, span(0, n), 1},
		{"last record failed", true, func(s []string) events.KinesisEventResponse { return resp(s[n-1]) }, span(n-1, n), 1},
		{"ignored without ReportBatchItemFailures", false, func(s []string) events.KinesisEventResponse { return resp(s[3]) }, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStream(t, 1, nil)
			seqs := put(t, s, n, oneKey)
			rec := &recorder{respond: func(call int, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
				if call == 0 {
					return tt.first(seqsOf(ev)), nil
				}
				return events.KinesisEventResponse{}, nil
			}}
			cfg := testConfig()
			cfg.ReportBatchItemFailures = tt.rbif
			st := run(t, &Mapping{Source: s, Handler: rec.handle, Config: cfg})
			calls := rec.Calls()
			want := [][]string{seqs}
			if tt.retry != nil {
				want = append(want, pick(seqs, tt.retry))
			}
			if !reflect.DeepEqual(calls, want) {
				t.Errorf("deliveries %v, want %v", sizes(calls), sizes(want))
			}
			if st.PartialFailures != tt.partials || st.RecordsSucceeded != n {
				t.Errorf("partial failures %d (want %d), succeeded %d", st.PartialFailures, tt.partials, st.RecordsSucceeded)
			}
			if st.FunctionErrors != 0 {
				t.Errorf("function errors %d: a batch item response is not a function error", st.FunctionErrors)
			}
		})
	}
}

func span(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func pick(seqs []string, idx []int) []string {
	var out []string
	for _, i := range idx {
		out = append(out, seqs[i])
	}
	return out
}

func TestFunctionErrorRetriesSameBatch(t *testing.T) {
	s := newStream(t, 1, nil)
	seqs := put(t, s, 10, oneKey)
	rec := &recorder{respond: func(call int, _ events.KinesisEvent) (events.KinesisEventResponse, error) {
		if call < 2 {
			return events.KinesisEventResponse{}, errors.New("db down")
		}
		return events.KinesisEventResponse{}, nil
	}}
	var attempts []int
	st := run(t, &Mapping{Source: s, Handler: rec.handle, Config: testConfig(),
		BeforeInvoke: func(_ context.Context, inv *Invocation) error {
			attempts = append(attempts, inv.Attempt)
			return nil
		}})
	if want := [][]string{seqs, seqs, seqs}; !reflect.DeepEqual(rec.Calls(), want) {
		t.Errorf("deliveries %v, want the whole batch three times", sizes(rec.Calls()))
	}
	if !slices.Equal(attempts, []int{0, 1, 2}) {
		t.Errorf("attempts %v, want [0 1 2]", attempts)
	}
	if st.FunctionErrors != 2 || st.BatchesFailed != 2 || st.RecordsDelivered != 30 || st.RecordsSucceeded != 10 {
		t.Errorf("stats %+v", st)
	}
}

func TestRetryExhaustionEmitsOnFailureRecord(t *testing.T) {
	clk := newManualClock()
	s := newStream(t, 1, clk)
	var seqs []string
	for i := range 15 {
		key := "good"
		if i < 10 {
			key = "bad"
		}
		res, err := s.Put(key, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, res.SequenceNumber)
		clk.Advance(time.Second)
	}
	rec := &recorder{respond: func(_ int, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		if ev.Records[0].Kinesis.PartitionKey == "bad" {
			return events.KinesisEventResponse{}, errors.New("poison")
		}
		return events.KinesisEventResponse{}, nil
	}}
	var (
		failures []OnFailureRecord
		lastID   string
		progress int
	)
	cfg := testConfig()
	cfg.BatchSize = 10
	cfg.MaximumRetryAttempts = 2
	st := run(t, &Mapping{Source: s, Handler: rec.handle, Config: cfg, Clock: clk,
		FunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:proc",
		OnFailure:   func(f OnFailureRecord) { failures = append(failures, f) },
		Progress:    func(n int) { progress += n },
		BeforeInvoke: func(_ context.Context, inv *Invocation) error {
			if inv.Event.Records[0].Kinesis.PartitionKey == "bad" {
				lastID = inv.RequestID
			}
			return nil
		}})
	if got := sizes(rec.Calls()); !slices.Equal(got, []int{10, 10, 10, 5}) {
		t.Errorf("batches %v, want the bad batch 3 times (1 + 2 retries) then the rest", got)
	}
	want := OnFailureRecord{
		RequestContext: RequestContext{
			RequestID:              lastID,
			FunctionARN:            "arn:aws:lambda:us-east-1:123456789012:function:proc",
			Condition:              RetryAttemptsExhausted,
			ApproximateInvokeCount: 3,
		},
		ResponseContext: ResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST", FunctionError: "Unhandled"},
		Version:         "1.0",
		Timestamp:       clk.Now(),
		KinesisBatchInfo: KinesisBatchInfo{
			ShardID:                         ShardID(0),
			StartSequenceNumber:             seqs[0],
			EndSequenceNumber:               seqs[9],
			ApproximateArrivalOfFirstRecord: t0,
			ApproximateArrivalOfLastRecord:  t0.Add(9 * time.Second),
			BatchSize:                       10,
			StreamARN:                       s.StreamARN(),
		},
	}
	if len(failures) != 1 || !reflect.DeepEqual(failures[0], want) {
		t.Fatalf("on-failure records\n got %+v\nwant %+v", failures, want)
	}
	if st.DiscardedBatches != 1 || st.OnFailureRecords != 1 || st.RecordsDiscarded != 10 || st.RecordsSucceeded != 5 {
		t.Errorf("stats %+v", st)
	}
	if progress != 15 || st.Checkpoints[ShardID(0)] != seqs[14] {
		t.Errorf("progress %d, checkpoint %s: discarded records must count as finished", progress, st.Checkpoints[ShardID(0)])
	}
}

// A poison record among 8, with bisection and no retries: the batch is halved
// down to the record, which alone is discarded.
func TestBisectIsolatesPoisonRecord(t *testing.T) {
	for _, tt := range []struct {
		retries     int
		wantBatches [][]int
		invokeCount int
	}{
		{0, [][]int{span(0, 8), span(0, 4), span(4, 8), {4, 5}, {4}, {5}, {6, 7}}, 4},
		{2, [][]int{span(0, 8), span(0, 4), span(4, 8), {4, 5}, {4}, {5}, {5}, {5}, {6, 7}}, 6},
	} {
		t.Run(fmt.Sprint("retries=", tt.retries), func(t *testing.T) {
			s := newStream(t, 1, nil)
			seqs := put(t, s, 8, oneKey)
			rec := &recorder{respond: func(_ int, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
				if slices.Contains(seqsOf(ev), seqs[5]) {
					return events.KinesisEventResponse{}, errors.New("poison")
				}
				return events.KinesisEventResponse{}, nil
			}}
			var failures []OnFailureRecord
			cfg := testConfig()
			cfg.BisectBatchOnFunctionError = true
			cfg.MaximumRetryAttempts = tt.retries
			st := run(t, &Mapping{Source: s, Handler: rec.handle, Config: cfg,
				OnFailure: func(f OnFailureRecord) { failures = append(failures, f) }})
			var want [][]string
			for _, b := range tt.wantBatches {
				want = append(want, pick(seqs, b))
			}
			if !reflect.DeepEqual(rec.Calls(), want) {
				t.Errorf("deliveries %v, want %v", rec.Calls(), want)
			}
			if st.Bisections != 3 {
				t.Errorf("bisections %d, want 3", st.Bisections)
			}
			if len(failures) != 1 {
				t.Fatalf("%d on-failure records, want 1", len(failures))
			}
			info := failures[0].KinesisBatchInfo
			if info.BatchSize != 1 || info.StartSequenceNumber != seqs[5] || info.EndSequenceNumber != seqs[5] {
				t.Errorf("discarded %+v, want only the poison record", info)
			}
			if got := failures[0].RequestContext.ApproximateInvokeCount; got != tt.invokeCount {
				t.Errorf("approximateInvokeCount %d, want %d", got, tt.invokeCount)
			}
			if st.RecordsSucceeded != 7 || st.RecordsDiscarded != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// Records older than MaximumRecordAge are dropped before an invocation: only
// the expired prefix, with RecordAgeExceeded.
func TestRecordAgeExpiry(t *testing.T) {
	clk := newManualClock()
	s := newStream(t, 1, clk)
	seqs := put(t, s, 1, oneKey)
	clk.Advance(30 * time.Second)
	seqs = append(seqs, put(t, s, 2, oneKey)...)

	var starts []time.Duration
	rec := &recorder{respond: func(int, events.KinesisEvent) (events.KinesisEventResponse, error) {
		starts = append(starts, clk.Now().Sub(t0))
		clk.Advance(20 * time.Second) // a slow failing function
		return events.KinesisEventResponse{}, errors.New("fail")
	}}
	var failures []OnFailureRecord
	cfg := testConfig()
	cfg.MaximumRecordAge = time.Minute
	st := run(t, &Mapping{Source: s, Handler: rec.handle, Config: cfg, Clock: clk,
		OnFailure: func(f OnFailureRecord) { failures = append(failures, f) }})

	// At 30s and 50s all three go; at 70s the first is 70s old and dropped;
	// at 70s and 90s the others are 40s and 60s old (not over); at 110s, 80s.
	want := [][]string{seqs, seqs, seqs[1:], seqs[1:]}
	if !reflect.DeepEqual(rec.Calls(), want) {
		t.Errorf("deliveries %v at %v, want sizes %v", sizes(rec.Calls()), starts, sizes(want))
	}
	if len(failures) != 2 {
		t.Fatalf("%d on-failure records, want 2", len(failures))
	}
	for i, w := range []struct {
		start, end string
		size       int
		invokes    int
	}{{seqs[0], seqs[0], 1, 2}, {seqs[1], seqs[2], 2, 4}} {
		f := failures[i]
		if f.RequestContext.Condition != RecordAgeExceeded || f.KinesisBatchInfo.StartSequenceNumber != w.start ||
			f.KinesisBatchInfo.EndSequenceNumber != w.end || f.KinesisBatchInfo.BatchSize != w.size ||
			f.RequestContext.ApproximateInvokeCount != w.invokes {
			t.Errorf("on-failure record %d: %+v", i, f)
		}
	}
	if st.RecordsDiscarded != 3 || st.MaxIteratorAge[ShardID(0)] != 110*time.Second-30*time.Second {
		t.Errorf("discarded %d, max iterator age %v", st.RecordsDiscarded, st.MaxIteratorAge)
	}
}

func TestRecordsExpiredBeforeFirstInvocation(t *testing.T) {
	clk := newManualClock()
	s := newStream(t, 1, clk)
	put(t, s, 3, oneKey)
	clk.Advance(2 * time.Minute)
	rec := &recorder{}
	var failures []OnFailureRecord
	cfg := testConfig()
	cfg.MaximumRecordAge = time.Minute
	run(t, &Mapping{Source: s, Handler: rec.handle, Config: cfg, Clock: clk,
		OnFailure: func(f OnFailureRecord) { failures = append(failures, f) }})
	if len(rec.Calls()) != 0 || len(failures) != 1 {
		t.Fatalf("%d invocations, %d on-failure records; want 0 and 1", len(rec.Calls()), len(failures))
	}
	if f := failures[0]; f.RequestContext.ApproximateInvokeCount != 0 || f.ResponseContext.StatusCode != 0 || f.RequestContext.RequestID == "" {
		t.Errorf("never-invoked batch: %+v", f)
	}
}

func TestInvocationContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStream(t, 1, nil)
		put(t, s, 3, oneKey)
		var (
			invs []Invocation
			errs []error
		)
		h := func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			inv := invs[len(invs)-1]
			lc, ok := lambdacontext.FromContext(ctx)
			if !ok || lc.AwsRequestID != inv.RequestID || lc.InvokedFunctionArn == "" {
				t.Errorf("LambdaContext %+v, want request id %s", lc, inv.RequestID)
			}
			dl, ok := ctx.Deadline()
			if !ok || !dl.Equal(inv.Deadline) || !dl.Equal(time.Now().Add(5*time.Second)) {
				t.Errorf("deadline %v (set %v), want now + 5s = %v", dl, ok, time.Now().Add(5*time.Second))
			}
			if len(invs) == 1 { // a function that runs out its time
				<-ctx.Done()
				errs = append(errs, ctx.Err())
				return events.KinesisEventResponse{}, nil
			}
			if len(invs) == 2 { // one that ignores its deadline and returns late
				time.Sleep(6 * time.Second)
				return events.KinesisEventResponse{}, nil
			}
			return events.KinesisEventResponse{}, nil
		}
		cfg := testConfig()
		cfg.FunctionTimeout = 5 * time.Second
		st := run(t, &Mapping{Source: s, Handler: h, Config: cfg,
			BeforeInvoke: func(_ context.Context, inv *Invocation) error {
				invs = append(invs, *inv)
				return nil
			}})
		if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
			t.Errorf("ctx.Err at the deadline: %v", errs)
		}
		if st.Timeouts != 2 || st.FunctionErrors != 2 || st.Invocations != 3 || st.RecordsSucceeded != 3 {
			t.Errorf("stats %+v: both late invocations must fail as timeouts and be retried", st)
		}
		if invs[0].RequestID == invs[1].RequestID {
			t.Error("retry reused the request id")
		}
	})
}

// On a Clock other than the system's the deadline follows that clock.
func TestDeadlineFollowsInjectedClock(t *testing.T) {
	clk := newManualClock()
	s := newStream(t, 1, clk)
	put(t, s, 1, oneKey)
	var calls int
	h := func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		calls++
		if dl, _ := ctx.Deadline(); !dl.Equal(clk.Now().Add(time.Minute)) {
			t.Errorf("deadline %v, want %v", dl, clk.Now().Add(time.Minute))
		}
		if calls > 1 {
			return events.KinesisEventResponse{}, nil
		}
		if ctx.Err() != nil {
			t.Fatal("expired early")
		}
		clk.Advance(time.Minute)
		<-ctx.Done()
		return events.KinesisEventResponse{}, ctx.Err()
	}
	st := run(t, &Mapping{Source: s, Handler: h, Config: testConfig(), Clock: clk})
	if st.Timeouts != 1 || st.Invocations != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestPanicIsAFunctionError(t *testing.T) {
	s := newStream(t, 1, nil)
	seqs := put(t, s, 5, oneKey)
	rec := &recorder{respond: func(call int, _ events.KinesisEvent) (events.KinesisEventResponse, error) {
		if call == 0 {
			var m map[string]int
			m["boom"]++ // nil map write
		}
		return events.KinesisEventResponse{}, nil
	}}
	st := run(t, &Mapping{Source: s, Handler: rec.handle, Config: testConfig()})
	if !reflect.DeepEqual(rec.Calls(), [][]string{seqs, seqs}) {
		t.Errorf("deliveries %v", sizes(rec.Calls()))
	}
	if st.Panics != 1 || st.FunctionErrors != 1 || st.RecordsSucceeded != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestBatchingWindow(t *testing.T) {
	for _, tt := range []struct {
		window time.Duration
		want   []int
	}{
		{0, []int{3, 2}},
		{10 * time.Second, []int{5}},
	} {
		t.Run(fmt.Sprint(tt.window), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clk := newManualClock()
				s := newStream(t, 1, clk)
				put(t, s, 3, oneKey)
				rec := &recorder{}
				cfg := testConfig()
				cfg.MaximumBatchingWindow = tt.window
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error)
				go func() {
					_, err := (&Mapping{Source: s, Handler: rec.handle, Config: cfg, Clock: clk, Follow: true}).Run(ctx)
					done <- err
				}()
				synctest.Wait()
				if tt.window > 0 && len(rec.Calls()) != 0 {
					t.Fatalf("invoked %v before the window closed", sizes(rec.Calls()))
				}
				put(t, s, 2, oneKey)
				clk.Advance(time.Second) // the shard's next poll
				synctest.Wait()
				if tt.window > 0 && len(rec.Calls()) != 0 {
					t.Fatalf("invoked %v before the window closed", sizes(rec.Calls()))
				}
				clk.Advance(tt.window)
				synctest.Wait()
				cancel()
				if err := <-done; !errors.Is(err, context.Canceled) {
					t.Errorf("Run = %v", err)
				}
				if got := sizes(rec.Calls()); !slices.Equal(got, tt.want) {
					t.Errorf("batches %v, want %v", got, tt.want)
				}
			})
		})
	}
}

func TestRedeliverInjectsDuplicate(t *testing.T) {
	s := newStream(t, 1, nil)
	seqs := put(t, s, 6, oneKey)
	rec := &recorder{}
	var flags []bool
	cfg := testConfig()
	cfg.BatchSize = 3
	st := run(t, &Mapping{Source: s, Handler: rec.handle, Config: cfg,
		BeforeInvoke: func(_ context.Context, inv *Invocation) error {
			flags = append(flags, inv.Redelivery)
			return nil
		},
		Redeliver: func(inv *Invocation) bool {
			return !inv.Redelivery && inv.Event.Records[0].Kinesis.SequenceNumber == seqs[0]
		},
	})
	want := [][]string{seqs[:3], seqs[:3], seqs[3:]}
	if !reflect.DeepEqual(rec.Calls(), want) || !slices.Equal(flags, []bool{false, true, false}) {
		t.Errorf("deliveries %v flags %v", rec.Calls(), flags)
	}
	if st.Redeliveries != 1 || st.RecordsSucceeded != 6 || st.RecordsDelivered != 9 {
		t.Errorf("stats %+v", st)
	}
}

func TestBeforeInvokeErrorIsACrash(t *testing.T) {
	s := newStream(t, 1, nil)
	seqs := put(t, s, 4, oneKey)
	rec := &recorder{}
	n := 0
	st := run(t, &Mapping{Source: s, Handler: rec.handle, Config: testConfig(),
		BeforeInvoke: func(context.Context, *Invocation) error {
			n++
			if n == 1 {
				return errors.New("Runtime.ExitError")
			}
			return nil
		}})
	if !reflect.DeepEqual(rec.Calls(), [][]string{seqs}) || st.FunctionErrors != 1 || st.Invocations != 2 {
		t.Errorf("handler saw %v; stats %+v", sizes(rec.Calls()), st)
	}
}

// Killing a run mid-batch and restarting from its checkpoints redelivers
// everything after the checkpoint and nothing before it.
func TestRestartFromCheckpoints(t *testing.T) {
	synctest.Test(t, testRestartFromCheckpoints)
}

func testRestartFromCheckpoints(t *testing.T) {
	s := newStream(t, 1, nil)
	seqs := put(t, s, 200, func(i int) string { return fmt.Sprint("k", i%13) })
	cfg := testConfig()
	cfg.BatchSize = 10
	cfg.ParallelizationFactor = 3

	var mu sync.Mutex
	first := map[string]int{}
	ctx, cancel := context.WithCancel(t.Context())
	invocations := 0
	m := &Mapping{Source: s, Config: cfg,
		Handler: func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			time.Sleep(time.Millisecond) // virtual: keeps the lanes in step
			mu.Lock()
			defer mu.Unlock()
			for _, seq := range seqsOf(ev) {
				first[seq]++
			}
			return events.KinesisEventResponse{}, nil
		},
		BeforeInvoke: func(context.Context, *Invocation) error {
			mu.Lock()
			defer mu.Unlock()
			if invocations++; invocations == 8 {
				cancel()
			}
			return nil
		}}
	st1, err := m.Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("killed run returned %v", err)
	}
	cp := st1.Checkpoints[ShardID(0)]
	if cp == "" || cp == seqs[199] {
		t.Fatalf("checkpoint %q: want a point inside the stream", cp)
	}

	second := map[string]int{}
	m.StartingPositions = st1.Checkpoints
	m.BeforeInvoke = nil
	m.Handler = func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, seq := range seqsOf(ev) {
			second[seq]++
		}
		return events.KinesisEventResponse{}, nil
	}
	st2 := run(t, m)
	for _, seq := range seqs {
		after := CompareSequenceNumbers(seq, cp) > 0
		if after && second[seq] != 1 || !after && second[seq] != 0 {
			t.Fatalf("record %s (after checkpoint: %v) delivered %d times after restart", seq, after, second[seq])
		}
		if !after && first[seq] != 1 {
			t.Fatalf("record %s is before the checkpoint but was delivered %d times", seq, first[seq])
		}
	}
	if st2.Checkpoints[ShardID(0)] != seqs[199] {
		t.Errorf("final checkpoint %s", st2.Checkpoints[ShardID(0)])
	}
}

func TestFollowRunsUntilCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStream(t, 2, nil)
		rec := &recorder{}
		ctx, cancel := context.WithCancel(t.Context())
		type result struct {
			st  Stats
			err error
		}
		done := make(chan result)
		go func() {
			st, err := (&Mapping{Source: s, Handler: rec.handle, Config: testConfig(), Follow: true}).Run(ctx)
			done <- result{st, err}
		}()
		synctest.Wait()
		put(t, s, 50, func(i int) string { return fmt.Sprint(i) })
		time.Sleep(2 * time.Second)
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Follow run returned while its context was live")
		default:
		}
		cancel()
		res := <-done
		if !errors.Is(res.err, context.Canceled) || res.st.RecordsSucceeded != 50 {
			t.Errorf("Run = %+v, %v; want 50 records then context.Canceled", res.st, res.err)
		}
	})
}

type failingSource struct{ *Stream }

var errSource = errors.New("GetRecords: throttled")

func (failingSource) Read(context.Context, string, string, int) ([]Record, bool, error) {
	return nil, false, errSource
}

func TestSourceErrorEndsRun(t *testing.T) {
	_, err := (&Mapping{Source: failingSource{newStream(t, 2, nil)}, Handler: (&recorder{}).handle, Config: testConfig()}).Run(t.Context())
	if !errors.Is(err, errSource) {
		t.Fatalf("Run = %v, want the source's error", err)
	}
}

// A long run can trim the stream behind its checkpoints; checkpoints only
// move forward.
func TestCheckpointCallbackTrimsStream(t *testing.T) {
	s := newStream(t, 3, nil)
	put(t, s, 3000, func(i int) string { return fmt.Sprint("k", i%41) })
	last := map[string]string{}
	trimmed := 0
	cfg := testConfig()
	cfg.BatchSize = 50
	cfg.ParallelizationFactor = 4
	st := run(t, &Mapping{Source: s, Handler: noop, Config: cfg,
		Checkpoint: func(shard, seq string) {
			if prev := last[shard]; prev != "" && CompareSequenceNumbers(seq, prev) <= 0 {
				t.Errorf("%s checkpoint went from %s to %s", shard, prev, seq)
			}
			last[shard] = seq
			n, err := s.Trim(shard, seq)
			if err != nil {
				t.Error(err)
			}
			trimmed += n
		}})
	if trimmed != 3000 || st.RecordsSucceeded != 3000 {
		t.Errorf("trimmed %d, succeeded %d; want all 3000", trimmed, st.RecordsSucceeded)
	}
	for shard, seq := range last {
		if st.Checkpoints[shard] != seq {
			t.Errorf("%s: last callback %s, final checkpoint %s", shard, seq, st.Checkpoints[shard])
		}
	}
}

// Each invocation gets its own copy of the data: neither a handler that
// scribbles on it nor a hook that rewrites the event changes a retry.
func TestEventDataIsPerInvocation(t *testing.T) {
	s := newStream(t, 1, nil)
	put(t, s, 2, oneKey)
	var seen []string
	h := func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		seen = append(seen, string(ev.Records[0].Kinesis.Data))
		ev.Records[0].Kinesis.Data[0] = 'X'
		if len(seen) < 3 {
			return events.KinesisEventResponse{}, errors.New("again")
		}
		return events.KinesisEventResponse{}, nil
	}
	hooks := 0
	run(t, &Mapping{Source: s, Handler: h, Config: testConfig(),
		BeforeInvoke: func(_ context.Context, inv *Invocation) error {
			if hooks++; hooks == 2 {
				inv.Event.Records[0].Kinesis.Data = []byte("injected")
			}
			return nil
		}})
	if want := []string{"r0", "injected", "r0"}; !slices.Equal(seen, want) {
		t.Errorf("handler saw %q, want %q", seen, want)
	}
}

// TestLanesDoNotFoldCase: Lambda hashes the partition key's bytes, so the
// same wallet spelled in lower case and in EIP-55 is two keys that can run
// in two lanes at once (the processor must not depend on it).
func TestLanesDoNotFoldCase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStream(t, 1, nil)
		const wallets = 20
		put(t, s, 2*wallets, func(i int) string {
			k := fmt.Sprintf("0xabcdef%034d", i/2)
			if i%2 == 1 {
				k = strings.ToUpper(k[:8]) + k[8:]
			}
			return k
		})
		var mu sync.Mutex
		lanes := map[string]int{}
		cfg := testConfig()
		cfg.ParallelizationFactor = 3
		m := &Mapping{Source: s, Config: cfg,
			Handler: func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
				return events.KinesisEventResponse{}, nil
			},
			BeforeInvoke: func(_ context.Context, inv *Invocation) error {
				mu.Lock()
				defer mu.Unlock()
				for _, r := range inv.Event.Records {
					lanes[r.Kinesis.PartitionKey] = inv.Lane
				}
				return nil
			},
		}
		run(t, m)
		split := 0
		for k, l := range lanes {
			if k[2] == 'a' && lanes[strings.ToUpper(k[:8])+k[8:]] != l {
				split++
			}
		}
		if split == 0 {
			t.Errorf("no wallet's two spellings ran in different lanes (%d keys): the lane hash folds case", len(lanes))
		}
	})
}
