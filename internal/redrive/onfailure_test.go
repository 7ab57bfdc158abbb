package redrive

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/store"
)

func onFailure(t *testing.T, shard, first, last string, size int) string {
	t.Helper()
	b, err := json.Marshal(esm.OnFailureRecord{
		Version: "1.0", Timestamp: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		RequestContext: esm.RequestContext{RequestID: "r", Condition: "RetryAttemptsExhausted", ApproximateInvokeCount: 2},
		KinesisBatchInfo: esm.KinesisBatchInfo{ShardID: shard, StartSequenceNumber: first, EndSequenceNumber: last, BatchSize: size,
			StreamARN:                       "arn:aws:kinesis:us-east-1:123456789012:stream/kleo-history",
			ApproximateArrivalOfFirstRecord: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), ApproximateArrivalOfLastRecord: time.Date(2026, 12, 1, 9, 0, 1, 0, time.UTC)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadFile(t *testing.T) {
	a := onFailure(t, "shardId-000000000000", "100", "200", 3)
	b := onFailure(t, "shardId-000000000001", "300", "300", 1)
	event := `{"Records":[{"eventID":"shardId-000000000000:100","kinesis":{"sequenceNumber":"100","partitionKey":"k","data":"e30="}}]}`
	s3obj := strings.TrimSuffix(a, "}") + `,"payload":` + mustJSON(t, event) + "}"
	s3objInline := strings.TrimSuffix(a, "}") + `,"payload":` + event + "}"
	tests := []struct {
		name    string
		in      string
		shards  []string
		records int // records carried by the first batch
		err     error
	}{
		{"one SQS body", a, []string{"shardId-000000000000"}, 0, nil},
		{"JSON lines", a + "\n\n" + b + "\n", []string{"shardId-000000000000", "shardId-000000000001"}, 0, nil},
		{"JSON array", "[" + a + "," + b + "]", []string{"shardId-000000000000", "shardId-000000000001"}, 0, nil},
		{"S3 object, payload as a string", s3obj, []string{"shardId-000000000000"}, 1, nil},
		{"S3 object, payload inline", s3objInline, []string{"shardId-000000000000"}, 1, nil},
		{"empty", "  \n", nil, 0, nil},
		{"not JSON", "hello", nil, 0, ErrNotOnFailure},
		{"no shard", onFailure(t, "", "1", "2", 2), nil, 0, ErrNotOnFailure},
		{"start after end", onFailure(t, "shardId-000000000000", "20", "3", 2), nil, 0, ErrNotOnFailure},
		{"sequence not digits", onFailure(t, "shardId-000000000000", "1e5", "200000", 2), nil, 0, ErrNotOnFailure},
		{"second line bad", a + "\n{}\n", nil, 0, ErrNotOnFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bs, err := ReadFile(strings.NewReader(tc.in), "f")
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v; want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if len(bs) != len(tc.shards) {
				t.Fatalf("%d batches; want %d", len(bs), len(tc.shards))
			}
			for i, b := range bs {
				if b.Info.ShardID != tc.shards[i] || b.Origin == "" {
					t.Fatalf("batch %d = %+v", i, b)
				}
			}
			if len(bs) > 0 && len(bs[0].Records) != tc.records {
				t.Fatalf("%d records carried; want %d", len(bs[0].Records), tc.records)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseS3URL(t *testing.T) {
	for _, tc := range []struct{ in, bucket, key string }{
		{"s3://b/k/2026/12/01/x.json", "b", "k/2026/12/01/x.json"},
		{"s3://b/", "", ""}, {"b/k", "", ""}, {"s3:///k", "", ""},
	} {
		b, k, err := ParseS3URL(tc.in)
		if b != tc.bucket || k != tc.key || (err != nil) != (tc.bucket == "") {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v", tc.in, b, k, err)
		}
	}
}

// TestLettersWithoutSource keeps open, with a reason and one more attempt,
// a letter whose history document is gone, and re-drives an undecodable
// record's kept payload, which fails again with its reason.
func TestLettersWithoutSource(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	r, proc := newRunner(st)
	if _, err := proc.Handle(ctx, event("shardId-000000000000", 1, [][]byte{[]byte(`{"_id": "65d000000000000000000001", "address": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "visitTime": true}`)})); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := st.PutDeadLetters(ctx, []store.DeadLetter{{ID: "shardId-000000000000/" + strings.Repeat("0", 55) + "9", Shard: "shardId-000000000000",
		Seq: strings.Repeat("0", 55) + "9", ItemID: strings.Repeat("ab", 12), Address: lower(9), Reason: "no user with this address in users",
		At: now, State: store.LetterOpen}}); err != nil {
		t.Fatal(err)
	}
	before := letters(t, st)
	if len(before) != 2 {
		t.Fatalf("%d letters; want 2", len(before))
	}
	r.Apply = true
	s, err := r.Letters(ctx, store.LetterQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Unreadable != 1 || s.Records != 1 || s.DeadLettered != 1 || s.Done != 0 {
		t.Fatalf("summary = %+v; want 1 unreadable (gone), 1 payload re-driven and failing again", s)
	}
	for id, l := range letters(t, st) {
		if l.State != store.LetterOpen || l.Attempts != 1 {
			t.Errorf("letter %s: %s, %d attempts; want open, 1", id, l.State, l.Attempts)
		}
		if l.ItemID != "" && l.Reason != ReasonGone {
			t.Errorf("letter %s: reason %q; want %q", id, l.Reason, ReasonGone)
		}
		if l.ItemID == "" && l.Reason != before[id].Reason {
			t.Errorf("payload letter: reason %q; want the decoder's %q again", l.Reason, before[id].Reason)
		}
	}
}
