package esm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// fakeKinesis answers the four Kinesis JSON 1.1 operations KinesisSource uses
// from a Stream, paging ListShards one shard at a time and returning an empty
// page before each non-empty one, to exercise the paths real servers take.
type fakeKinesis struct {
	t     *testing.T
	s     *Stream
	name  string
	mu    sync.Mutex
	empty map[string]bool // iterators already answered with an empty page
}

type fakeIterator struct{ Shard, After string }

func (f *fakeKinesis) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Kinesis_20131202.")
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	str := func(k string) string { s, _ := in[k].(string); return s }
	var out any
	switch op {
	case "DescribeStreamSummary":
		out = map[string]any{"StreamDescriptionSummary": map[string]any{
			"StreamName": str("StreamName"), "StreamARN": f.s.StreamARN(), "StreamStatus": "ACTIVE",
		}}
	case "ListShards":
		ids, _ := f.s.Shards(r.Context())
		i := 0
		if tok := str("NextToken"); tok != "" {
			fmt.Sscan(tok, &i)
		} else if str("StreamName") != f.name {
			f.t.Errorf("ListShards for stream %q", str("StreamName"))
		}
		o := map[string]any{"Shards": []any{map[string]any{"ShardId": ids[i]}}}
		if i+1 < len(ids) {
			o["NextToken"] = fmt.Sprint(i + 1)
		}
		out = o
	case "GetShardIterator":
		it := fakeIterator{Shard: str("ShardId")}
		switch str("ShardIteratorType") {
		case "TRIM_HORIZON":
		case "AFTER_SEQUENCE_NUMBER":
			it.After = str("StartingSequenceNumber")
		default:
			f.t.Errorf("iterator type %q", str("ShardIteratorType"))
		}
		b, _ := json.Marshal(it)
		out = map[string]any{"ShardIterator": base64.StdEncoding.EncodeToString(b)}
	case "GetRecords":
		tok := str("ShardIterator")
		b, _ := base64.StdEncoding.DecodeString(tok)
		var it fakeIterator
		json.Unmarshal(b, &it)
		limit, _ := in["Limit"].(float64)
		recs, more, err := f.s.Read(r.Context(), it.Shard, it.After, int(limit))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		if len(recs) > 0 && !f.empty[tok] {
			f.empty[tok] = true
			recs, more = nil, true
		}
		f.mu.Unlock()
		var rs []any
		next := it
		for _, rec := range recs {
			rs = append(rs, map[string]any{
				"SequenceNumber":              rec.SequenceNumber,
				"PartitionKey":                rec.PartitionKey,
				"Data":                        base64.StdEncoding.EncodeToString(rec.Data),
				"ApproximateArrivalTimestamp": float64(rec.ApproximateArrival.UnixMilli()) / 1000,
			})
			next.After = rec.SequenceNumber
		}
		nb, _ := json.Marshal(next)
		behind := 0
		if more {
			behind = 1000
		}
		out = map[string]any{"Records": rs, "NextShardIterator": base64.StdEncoding.EncodeToString(nb), "MillisBehindLatest": behind}
	default:
		f.t.Errorf("unexpected operation %q", op)
		http.Error(w, "unknown operation", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func TestKinesisSourceDrivesMapping(t *testing.T) {
	s := newStream(t, 3, nil)
	seqs := map[string]bool{}
	for _, seq := range put(t, s, 120, func(i int) string { return fmt.Sprint("0x", i) }) {
		seqs[seq] = true
	}
	srv := httptest.NewServer(&fakeKinesis{t: t, s: s, name: "kleo-history", empty: map[string]bool{}})
	defer srv.Close()
	client := kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
	})
	src, err := NewKinesisSource(t.Context(), client, "kleo-history")
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := src.Shards(t.Context()); err != nil || !reflect.DeepEqual(ids, []string{ShardID(0), ShardID(1), ShardID(2)}) {
		t.Fatalf("Shards = %v, %v", ids, err)
	}

	var (
		mu             sync.Mutex
		viaAPI, direct []events.KinesisEventRecord
	)
	collect := func(into *[]events.KinesisEventRecord) Handler {
		return func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			mu.Lock()
			defer mu.Unlock()
			*into = append(*into, ev.Records...)
			return events.KinesisEventResponse{}, nil
		}
	}
	cfg := testConfig()
	cfg.BatchSize = 7
	if _, err := (&Mapping{Source: src, Handler: collect(&viaAPI), Config: cfg}).Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	run(t, &Mapping{Source: s, Handler: collect(&direct), Config: cfg})
	byID := func(recs []events.KinesisEventRecord) map[string]events.KinesisEventRecord {
		m := map[string]events.KinesisEventRecord{}
		for _, r := range recs {
			// Arrival crosses the wire as float seconds: compare milliseconds.
			at := r.Kinesis.ApproximateArrivalTimestamp.UnixNano()
			r.Kinesis.ApproximateArrivalTimestamp.Time = time.UnixMilli((at + 5e5) / 1e6)
			m[r.EventID] = r
		}
		return m
	}
	if len(viaAPI) != 120 || !reflect.DeepEqual(byID(viaAPI), byID(direct)) {
		t.Errorf("through the Kinesis API: %d records, differing from the direct read", len(viaAPI))
	}
	for _, r := range viaAPI {
		if !seqs[r.Kinesis.SequenceNumber] {
			t.Errorf("unknown record %s", r.EventID)
		}
	}
}
