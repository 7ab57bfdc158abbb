package record

import (
	"context"
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/kinesisevent"
)

// invocation returns the raw payload of one 100-record invocation with
// summaries of size bytes, as the event source mapping sends it.
func invocation(tb testing.TB, size int) []byte {
	tb.Helper()
	recs := gen.Generate(gen.Config{Users: 10, ItemsPerUser: 10, Seed: 13, PIIRate: 0.15,
		SummaryMin: size, SummaryMax: size, PlainShape: true})
	ev := gen.KinesisEvent(gen.Source{}, 0, time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), recs)
	b, err := json.Marshal(ev)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkInvocation measures the record path from the raw invocation
// bytes to decoded items, per record, in the same run: the old path
// (aws-lambda-go's reflection decode of the event, the old decoder) and the
// new one (kinesisevent's handler, a record.Decoder per batch), and the
// envelope alone with each library.
func BenchmarkInvocation(b *testing.B) {
	ctx := context.Background()
	decodeAll := func(dec func([]byte) (Item, error)) func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
		return func(_ context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			var resp events.KinesisEventResponse
			for _, r := range ev.Records {
				if _, err := dec(r.Kinesis.Data); err != nil {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: r.Kinesis.SequenceNumber})
				}
			}
			return resp, nil
		}
	}
	paths := []struct {
		name string
		h    func() lambda.Handler
	}{
		{"old", func() lambda.Handler { return lambda.NewHandler(decodeAll(oldDecode)) }},
		{"new", func() lambda.Handler {
			return kinesisevent.Handler(func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
				var d Decoder // one per batch, as the processor holds it
				return decodeAll(d.Decode)(ctx, ev)
			})
		}},
		{"envelope-old", func() lambda.Handler {
			return lambda.NewHandler(func(events.KinesisEvent) (events.KinesisEventResponse, error) {
				return events.KinesisEventResponse{}, nil
			})
		}},
		{"envelope-new", func() lambda.Handler {
			return kinesisevent.Handler(func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
				return events.KinesisEventResponse{}, nil
			})
		}},
		{"envelope-jsonv2", func() lambda.Handler {
			return unmarshalHandler(func(b []byte, v any) error { return jsonv2.Unmarshal(b, v) })
		}},
		{"envelope-jsonv2-v1opts", func() lambda.Handler {
			return unmarshalHandler(func(b []byte, v any) error { return jsonv2.Unmarshal(b, v, jsonv1.DefaultOptionsV1()) })
		}},
	}
	for _, sz := range benchSizes {
		payload := invocation(b, sz.size)
		for _, p := range paths {
			b.Run(sz.name+"/"+p.name, func(b *testing.B) {
				h := p.h()
				out, err := h.Invoke(ctx, payload)
				if err != nil || string(out) != `{"batchItemFailures":null}` {
					b.Fatalf("%s: %s, %v", p.name, out, err)
				}
				b.SetBytes(int64(len(payload)))
				b.ReportAllocs()
				cpu := processCPU()
				for b.Loop() {
					if _, err := h.Invoke(ctx, payload); err != nil {
						b.Fatal(err)
					}
				}
				cpu = processCPU() - cpu
				// Per record: divide the per-invocation figures by 100.
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/record")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/100, "cpu-ns/record")
				b.ReportMetric(float64(testing.AllocsPerRun(20, func() { h.Invoke(ctx, payload) }))/100, "allocs/record")
			})
		}
	}
}

// processCPU is the process's user + system time: on a machine shared with
// other work, wall-clock ns/op counts the time others run too; CPU time
// counts what this work costs (the collector's threads included).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type unmarshalHandler func([]byte, any) error

func (u unmarshalHandler) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	var ev events.KinesisEvent
	if err := u(payload, &ev); err != nil {
		return nil, err
	}
	return kinesisevent.AppendResponse(nil, events.KinesisEventResponse{}), nil
}
