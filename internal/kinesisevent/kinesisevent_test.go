package kinesisevent

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/kleo-network/kleo-stream/internal/gen"
)

// lambdaDecode is the reference: what aws-lambda-go's own handler hands a
// func(context.Context, events.KinesisEvent) for this payload.
func lambdaDecode(payload []byte) (events.KinesisEvent, error) {
	var got events.KinesisEvent
	h := lambda.NewHandler(func(_ context.Context, ev events.KinesisEvent) error {
		got = ev
		return nil
	})
	_, err := h.Invoke(context.Background(), payload)
	return got, err
}

// agree fails unless Decode gives what aws-lambda-go gives: the same event,
// or an error with the same message.
func agree(t *testing.T, payload []byte) {
	t.Helper()
	want, wantErr := lambdaDecode(payload)
	got, err := Decode(payload)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("Decode(%.200q) error %v, aws-lambda-go %v", payload, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode(%.200q) =\n%+v\naws-lambda-go:\n%+v", payload, got, want)
	}
}

// batch is a generated 100-record event as the mapping sends it.
func batch(tb testing.TB, users, items, summary int) []byte {
	tb.Helper()
	recs := gen.Generate(gen.Config{Users: users, ItemsPerUser: items, Seed: 3,
		SummaryMin: summary, SummaryMax: summary, PlainShape: true})
	ev := gen.KinesisEvent(gen.Source{}, 0, time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), recs)
	b, err := json.Marshal(ev)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

const sample = `{"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"1","sequenceNumber":"49590338271490256608559692538361571095921575989136588898","data":"SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==","approximateArrivalTimestamp":1545084650.987},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"shardId-000000000006:49590338271490256608559692538361571095921575989136588898","eventName":"aws:kinesis:record","invokeIdentityArn":"arn:aws:iam::123456789012:role/lambda-role","awsRegion":"us-east-2","eventSourceARN":"arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"}]}`

// TestFastPath checks that the shapes Lambda sends are decoded by the
// fast path itself, not handed to encoding/json, and agree with it.
func TestFastPath(t *testing.T) {
	files := []string{"../../events/single.json", "../../events/batch-100.json", "../../events/mixed-malformed.json", "../../events/change-event.json"}
	payloads := map[string][]byte{
		"sample":         []byte(sample),
		"generated":      batch(t, 10, 10, 2048),
		"empty":          []byte(`{"Records":[]}`),
		"no records":     []byte(`{}`),
		"unknown fields": []byte(`{"x":[1,{"a":null}],"Records":[{"kinesis":{"data":"","y":true},"z":-1.5e3}]}`),
		"utf-8 key":      []byte(`{"Records":[{"kinesis":{"partitionKey":"Ünïcødé ✓"}}]}`),
		"trailing data":  []byte(sample + `{"Records":5} garbage`),
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		payloads[f] = b
	}
	for name, p := range payloads {
		t.Run(name, func(t *testing.T) {
			d := new(decoder)
			if _, ok := d.decode(p); !ok {
				t.Fatalf("fast path declined")
			}
			agree(t, p)
		})
	}
	ev, err := Decode(payloads["generated"])
	if err != nil || len(ev.Records) != 100 || len(ev.Records[99].Kinesis.Data) < 2048 {
		t.Fatalf("generated batch: %d records, %v", len(ev.Records), err)
	}
}

// TestFallback checks payloads that the fast path hands to encoding/json:
// they must still agree, errors included.
func TestFallback(t *testing.T) {
	payloads := []string{
		``, `   `, `null`, `nul`, `[]`, `"x"`, `5`, `{`, `{"Records":`, `{"Records":null}`, `{"Records":[null]}`,
		`{"records":[{"eventID":"a"}]}`, `{"RECORDS":[]}`, `{"Records":[{"EVENTid":"a"}]}`,
		`{"Records":[{"eventID":"a","awsRegion":"x"}],"Records":[{"eventID":"b"}]}`,
		`{"Records":[{"eventID":"a","eventID":"b"}]}`,
		`{"Records":[{"eventID":"a\u0041\n"}]}`, `{"Records":[{"eventID":5}]}`,
		`{"Records":[{"kinesis":{"data":"!!!"}}]}`, `{"Records":[{"kinesis":{"data":[104,105]}}]}`,
		`{"Records":[{"kinesis":{"data":null}}]}`, `{"Records":[{"kinesis":null}]}`,
		`{"Records":[{"kinesis":{"approximateArrivalTimestamp":"1"}}]}`,
		`{"Records":[{"kinesis":{"approximateArrivalTimestamp":1e400}}]}`,
		`{"Records":[{"kinesis":{"approximateArrivalTimestamp":null}}]}`,
		`{"Records":[{"kinesis":{"approximateArrivalTimestamp":1e300}}]}`,
		"{\"Records\":[{\"kinesis\":{\"partitionKey\":\"\xff\"}}]}",
		"{\"Records\":[{\"\u212aINESIS\":{\"partitionKey\":\"k\"}}]}", // Kelvin sign folds to k
		`{"Records":[{"kinesis":{"data":"SGk="}}],}`, `{"Records":[01]}`,
		`{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"Records":[]}`,
		"\xef\xbb\xbf" + sample,
	}
	for _, p := range payloads {
		agree(t, []byte(p))
	}
}

func TestHandler(t *testing.T) {
	failures := [][]events.KinesisBatchItemFailure{
		nil, {}, {{ItemIdentifier: "49590338271490256608559692538361571095921575989136588898"}},
		{{ItemIdentifier: "1"}, {ItemIdentifier: "<&>\"\\\n\x00\u2028é\xff"}},
	}
	for _, f := range failures {
		fn := func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			if len(ev.Records) != 1 || string(ev.Records[0].Kinesis.Data) != "Hello, this is a test." {
				return events.KinesisEventResponse{}, errors.New("wrong event")
			}
			return events.KinesisEventResponse{BatchItemFailures: f}, nil
		}
		got, err := Handler(fn).Invoke(context.Background(), []byte(sample))
		want, wantErr := lambda.NewHandler(fn).Invoke(context.Background(), []byte(sample))
		if err != nil || wantErr != nil || string(got) != string(want) {
			t.Errorf("response %s, %v; aws-lambda-go %s, %v", got, err, want, wantErr)
		}
	}

	boom := errors.New("store down")
	fn := func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
		return events.KinesisEventResponse{}, boom
	}
	if _, err := Handler(fn).Invoke(context.Background(), []byte(sample)); !errors.Is(err, boom) {
		t.Errorf("handler error = %v, want %v", err, boom)
	}
	called := false
	fn2 := func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
		called = true
		return events.KinesisEventResponse{}, nil
	}
	_, err := Handler(fn2).Invoke(context.Background(), []byte(`{"Records":[{"kinesis":{"data":"!"}}]}`))
	_, wantErr := lambda.NewHandler(fn2).Invoke(context.Background(), []byte(`{"Records":[{"kinesis":{"data":"!"}}]}`))
	if err == nil || called || wantErr == nil || err.Error() != wantErr.Error() {
		t.Errorf("malformed event: %v (handler called %v), aws-lambda-go %v", err, called, wantErr)
	}
}

// TestDataIsOwned checks that the event does not share memory with the
// payload or with a later Decode.
func TestDataIsOwned(t *testing.T) {
	p := []byte(sample)
	ev, err := Decode(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p {
		p[i] = 'x'
	}
	if _, err := Decode([]byte(strings.Replace(sample, "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1))); err != nil {
		t.Fatal(err)
	}
	r := ev.Records[0]
	if string(r.Kinesis.Data) != "Hello, this is a test." || r.EventID != "shardId-000000000006:49590338271490256608559692538361571095921575989136588898" || r.Kinesis.PartitionKey != "1" {
		t.Errorf("event changed with the payload or a later Decode: %+v", r)
	}
	if cap(r.Kinesis.Data) != len(r.Kinesis.Data) {
		t.Errorf("Data has spare capacity %d: an append would write into the next record", cap(r.Kinesis.Data))
	}
}
