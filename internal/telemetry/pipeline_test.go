package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-xray-sdk-go/xray"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/config"
	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

// poison is page content that must never reach logs, metrics or traces.
var poison = []string{"jane.roe@example.com", "jane.roe", "Jane Roe", "HIV test", "clinic.example.org", "Diagnosis", "patient="}

type readingClassifier struct{}

func (readingClassifier) Classify(context.Context, classify.Input) classify.Result {
	return classify.Result{Activity: activity.Reading, Confidence: 0.9}
}

// failingLedger is a store whose ledger writes fail.
type failingLedger struct{ store.Store }

func (failingLedger) Ledger(context.Context, []store.Entry, []string) (map[string]store.Entry, error) {
	return nil, errors.New("connection reset")
}

func poisonedBatch(offset int) []events.KinesisEventRecord {
	const shard = "shardId-000000000007"
	docs := []string{
		// Valid: the page text is the product; it is read, scrubbed and counted, never logged.
		`{"_id":"%024x","address":"0x00000000000000000000000000000000000000a1","title":"Jane Roe HIV test results","url":"https://clinic.example.org/results?patient=jane.roe@example.com","summary":"Diagnosis: write to jane.roe@example.com","visitTime":1730000000000}`,
		`{"_id":"%024x","address":"0x00000000000000000000000000000000000000a2","title":"Jane Roe","url":"https://clinic.example.org/","summary":"Diagnosis","visitTime":1730000000001}`,
		// Dead letters whose payload holds the same content.
		`{"_id":"%024x","address":"jane.roe@example.com","title":"Jane Roe HIV test","visitTime":1730000000002}`,
		`{"_id":"%024x","title":"Jane Roe HIV test results","url":"https://clinic.example.org/`,
	}
	var recs []events.KinesisEventRecord
	for i, d := range docs {
		seq := fmt.Sprintf("495903382714902566085596925383615710959215759891%08d", offset+i)
		recs = append(recs, events.KinesisEventRecord{
			EventID: shard + ":" + seq, EventSource: "aws:kinesis",
			Kinesis: events.KinesisRecord{
				SequenceNumber: seq, PartitionKey: "pk", Data: fmt.Appendf(nil, d, offset+i+1),
				ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: time.Now().Add(-3 * time.Second)},
			},
		})
	}
	return recs
}

// TestProcessorTelemetry runs the real handler with all three outputs wired
// as the function wires them, on records full of personal data, once with a
// healthy store and once with failing history writes.
func TestProcessorTelemetry(t *testing.T) {
	st, err := embedded.Open(context.Background(), t.TempDir(), embedded.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	var users []bson.M
	for _, a := range []string{"0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000a2"} {
		users = append(users, bson.M{"address": eip55.Checksum(a), "kleo_points": int32(0), "total_data_quantity": int32(0)})
	}
	if err := st.InsertUsers(context.Background(), users); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		st      store.Store
		offset  int
		spans   []string
		faulted string // the span that must be marked
	}{
		{"healthy", st, 0, []string{"prepare", "store.users", "store.ledger", "store.apply", "store.dead_letters"}, ""},
		{"ledger fails", failingLedger{st}, 100, []string{"prepare", "store.users", "store.ledger", "store.dead_letters"}, "store.ledger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs, metrics bytes.Buffer
			emf, err := NewEMF(&metrics, config.Metrics{Namespace: "Kleo", Dimensions: map[string]string{"Stage": "test"}})
			if err != nil {
				t.Fatal(err)
			}
			p := processor.New(tc.st, pii.New(), readingClassifier{}, processor.Options{
				Logger: Logger(&logs, slog.LevelDebug), Tracer: XRay{}, Observer: emf,
			})
			d := startDaemon(t)
			ctx, missing := d.recorderContext(t, context.Background())
			ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-" + tc.name})
			ctx, seg := xray.BeginSegment(ctx, "processor")
			recs := poisonedBatch(tc.offset)
			resp, err := p.Handle(ctx, events.KinesisEvent{Records: recs})
			seg.Close(err)
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}

			// Metrics: one valid document with the batch's counts.
			doc := checkEMF(t, metrics.Bytes(), time.Now())
			if num(t, doc, "RecordsIn") != 4 || num(t, doc, "DeadLettered") != 2 ||
				num(t, doc, "BatchItemFailures") != float64(len(resp.BatchItemFailures)) {
				t.Errorf("metrics %s, response %v", metrics.Bytes(), resp)
			}
			if num(t, doc, "PIIFound_EMAIL_ADDRESS") < 1 || num(t, doc, "IteratorAge") < 3000 {
				t.Errorf("PIIFound_EMAIL_ADDRESS %v, IteratorAge %v", doc["PIIFound_EMAIL_ADDRESS"], doc["IteratorAge"])
			}
			if doc["request_id"] != "req-"+tc.name || doc["shard"] != "shardId-000000000007" || doc["first_seq"] != recs[0].Kinesis.SequenceNumber {
				t.Errorf("invocation members %v %v %v", doc["request_id"], doc["shard"], doc["first_seq"])
			}

			// Logs: JSON lines that identify the invocation.
			var batch map[string]any
			for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("log line %q: %v", l, err)
				}
				if m["request_id"] != "req-"+tc.name || m["shard"] != "shardId-000000000007" || m["last_seq"] != recs[3].Kinesis.SequenceNumber {
					t.Errorf("log line without the invocation's ids: %s", l)
				}
				if m["msg"] == "batch" {
					batch = m
				}
			}
			if batch == nil || batch["dead_lettered"] != 2.0 {
				t.Errorf("no batch summary with 2 dead letters in %s", logs.String())
			}

			// Traces: a span for the batch's CPU stages and one per store call, the failure marked.
			spans := flatten(d.receive(t, func(s span) bool { return s.Name == "processor" }))
			for _, name := range tc.spans {
				if _, ok := find(spans, name); !ok {
					t.Errorf("no %s span", name)
				}
			}
			if tc.faulted != "" {
				if s, _ := find(flattenFaults(spans), tc.faulted); !s.Fault {
					t.Errorf("%s span not marked as a fault", tc.faulted)
				}
			}
			if missing.n != 0 {
				t.Errorf("%d context-missing reports", missing.n)
			}

			for what, out := range map[string][]byte{"logs": logs.Bytes(), "metrics": metrics.Bytes(), "traces": bytes.Join(d.raw, nil)} {
				for _, p := range poison {
					if bytes.Contains(bytes.ToLower(out), bytes.ToLower([]byte(p))) {
						t.Errorf("%s contain %q", what, p)
					}
				}
			}
		})
	}
}

// flattenFaults lists the spans that are faults.
func flattenFaults(spans []span) []span {
	var out []span
	for _, s := range spans {
		if s.Fault {
			out = append(out, s)
		}
	}
	return out
}
