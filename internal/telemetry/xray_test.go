package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/xray"
)

// daemon is a fake X-Ray daemon on loopback: it receives what the SDK's own
// UDP emitter sends, so the tests see the documents X-Ray would get.
type daemon struct {
	conn *net.UDPConn
	raw  [][]byte
}

func startDaemon(t *testing.T) *daemon {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &daemon{conn: conn}
}

type alwaysSample struct{}

func (alwaysSample) ShouldTrace(*sampling.Request) *sampling.Decision {
	return &sampling.Decision{Sample: true}
}

// countMissing records every "context missing" report instead of logging it.
type countMissing struct{ n int }

func (c *countMissing) ContextMissing(any) { c.n++ }

// recorderContext returns ctx carrying an X-Ray configuration that sends to
// d, samples everything and counts missing contexts, without touching the
// SDK's global configuration.
func (d *daemon) recorderContext(t *testing.T, ctx context.Context) (context.Context, *countMissing) {
	t.Helper()
	em, err := xray.NewDefaultEmitter(d.conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	missing := &countMissing{}
	ctx, err = xray.ContextWithConfig(ctx, xray.Config{Emitter: em, SamplingStrategy: alwaysSample{}, ContextMissingStrategy: missing})
	if err != nil {
		t.Fatal(err)
	}
	return ctx, missing
}

// span is one (sub)segment document as X-Ray receives it.
type span struct {
	Name        string          `json:"name"`
	ID          string          `json:"id"`
	TraceID     string          `json:"trace_id"`
	ParentID    string          `json:"parent_id"`
	Type        string          `json:"type"`
	Fault       bool            `json:"fault"`
	Error       bool            `json:"error"`
	Annotations map[string]any  `json:"annotations"`
	Metadata    map[string]any  `json:"metadata"`
	Subsegments []span          `json:"subsegments"`
	Cause       json.RawMessage `json:"cause"`
}

func (s span) messages() []string {
	var c struct {
		Exceptions []struct {
			Message string `json:"message"`
		} `json:"exceptions"`
	}
	_ = json.Unmarshal(s.Cause, &c)
	var out []string
	for _, e := range c.Exceptions {
		out = append(out, e.Message)
	}
	return out
}

// receive reads documents until until(doc) is true for one of them.
func (d *daemon) receive(t *testing.T, until func(span) bool) []span {
	t.Helper()
	var docs []span
	buf := make([]byte, 64<<10)
	for {
		d.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := d.conn.Read(buf)
		if err != nil {
			t.Fatalf("after %d documents: %v", len(docs), err)
		}
		pkt := append([]byte(nil), buf[:n]...)
		d.raw = append(d.raw, pkt)
		hdr, body, ok := bytes.Cut(pkt, []byte("\n"))
		if !ok || string(hdr) != `{"format": "json", "version": 1}` {
			t.Fatalf("packet without the daemon header: %q", pkt)
		}
		var s span
		if err := json.Unmarshal(body, &s); err != nil {
			t.Fatalf("segment document: %v: %s", err, body)
		}
		docs = append(docs, s)
		if until(s) {
			return docs
		}
	}
}

// flatten lists every span of docs, nested subsegments included.
func flatten(docs []span) []span {
	var out []span
	var walk func(s span)
	walk = func(s span) {
		out = append(out, s)
		for _, c := range s.Subsegments {
			walk(c)
		}
	}
	for _, d := range docs {
		walk(d)
	}
	return out
}

func find(spans []span, name string) (span, bool) {
	i := slices.IndexFunc(spans, func(s span) bool { return s.Name == name })
	if i < 0 {
		return span{}, false
	}
	return spans[i], true
}

const (
	traceRoot   = "1-5759e988-bd862e3fe1be46a994272793"
	traceParent = "53995c3f42cd8ad8"
)

// In Lambda the runtime puts the trace header in the context; each span
// becomes a subsegment of the function's facade segment, sent on close.
func TestXRayLambdaFacade(t *testing.T) {
	d := startDaemon(t)
	ctx := context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, "Root="+traceRoot+";Parent="+traceParent+";Sampled=1")
	ctx, missing := d.recorderContext(t, ctx)
	var tr XRay

	_, end := tr.Start(ctx, "decode")
	end(nil)
	sctx, end := tr.Start(ctx, "store.history")
	_, endInner := tr.Start(sctx, "mongo.bulkWrite")
	endInner(nil)
	end(errors.New("store history: connection reset"))

	docs := d.receive(t, func(s span) bool { return s.Name == "store.history" })
	if len(docs) != 2 {
		t.Fatalf("%d documents, want decode and store.history", len(docs))
	}
	for _, s := range docs {
		if s.Type != "subsegment" || s.TraceID != traceRoot || s.ParentID != traceParent {
			t.Errorf("%s: type %q trace %q parent %q, want a subsegment of the facade %s/%s", s.Name, s.Type, s.TraceID, s.ParentID, traceRoot, traceParent)
		}
		if len(s.Annotations) > 0 || len(s.Metadata) > 0 {
			t.Errorf("%s: annotations %v metadata %v, want none", s.Name, s.Annotations, s.Metadata)
		}
	}
	if docs[0].Name != "decode" || docs[0].Fault {
		t.Errorf("first document %+v, want a healthy decode", docs[0])
	}
	st := docs[1]
	if !st.Fault || !slices.Contains(st.messages(), "store history: connection reset") {
		t.Errorf("store.history: fault %v, exceptions %q, want the error recorded", st.Fault, st.messages())
	}
	if len(st.Subsegments) != 1 || st.Subsegments[0].Name != "mongo.bulkWrite" {
		t.Errorf("store.history subsegments %+v, want the nested mongo.bulkWrite", st.Subsegments)
	}
	if missing.n != 0 {
		t.Errorf("%d context-missing reports", missing.n)
	}
}

// Outside Lambda there is no segment: Start must not ask the SDK for one,
// which would report (by default: log) a missing context per span.
func TestXRayNoSegmentIsNoop(t *testing.T) {
	d := startDaemon(t)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		// what the SDK itself reports for this context: the header the
		// runtime sets (empty when tracing is off) makes it open a facade
		// segment instead of reporting
		sdkReports int
	}{
		{"no trace header", context.Background(), 1},
		{"empty trace header", context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, ""), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, missing := d.recorderContext(t, tc.ctx)
			var tr XRay
			got, end := tr.Start(ctx, "decode")
			end(errors.New("boom"))
			if got != ctx {
				t.Error("Start changed the context without a segment")
			}
			if missing.n != 0 {
				t.Errorf("%d context-missing reports, want none", missing.n)
			}
			// The control: the counter sees what the SDK reports.
			xray.BeginSubsegment(ctx, "control")
			if missing.n != tc.sdkReports {
				t.Errorf("control: %d reports, want %d", missing.n, tc.sdkReports)
			}
		})
	}
}

// With a segment in the context (an instrumented caller, or a test) the
// spans nest under it and are sent with it.
func TestXRaySegment(t *testing.T) {
	d := startDaemon(t)
	ctx, _ := d.recorderContext(t, context.Background())
	ctx, seg := xray.BeginSegment(ctx, "kleo-test")
	var tr XRay
	for _, name := range []string{"decode", "pii", "classify"} {
		_, end := tr.Start(ctx, name)
		end(nil)
	}
	_, end := tr.Start(ctx, "gateway.post_tx")
	end(errors.New("gateway: 503"))
	seg.Close(nil)

	spans := flatten(d.receive(t, func(s span) bool { return s.Name == "kleo-test" }))
	for _, name := range []string{"decode", "pii", "classify"} {
		if s, ok := find(spans, name); !ok || s.Fault {
			t.Errorf("%s: found %v, fault %v", name, ok, s.Fault)
		}
	}
	if s, ok := find(spans, "gateway.post_tx"); !ok || !s.Fault || !slices.Contains(s.messages(), "gateway: 503") {
		t.Errorf("gateway.post_tx %+v, want a fault with the error", s)
	}
	if root, _ := find(spans, "kleo-test"); root.Fault || strings.Contains(string(root.Cause), "503") {
		t.Error("a span's error leaked into its parent")
	}
}

// BenchmarkXRaySpan is the cost of one span: in Lambda (a subsegment of the
// facade, sent to the daemon over loopback UDP on close) and where tracing
// is off.
func BenchmarkXRaySpan(b *testing.B) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	go func() { // drain, as the daemon would
		buf := make([]byte, 64<<10)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	em, err := xray.NewDefaultEmitter(conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		b.Fatal(err)
	}
	lambda := context.WithValue(context.Background(), xray.LambdaTraceHeaderKey, "Root="+traceRoot+";Parent="+traceParent+";Sampled=1")
	lambda, err = xray.ContextWithConfig(lambda, xray.Config{Emitter: em})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		ctx  context.Context
	}{{"lambda", lambda}, {"off", context.Background()}} {
		b.Run(bc.name, func(b *testing.B) {
			var tr XRay
			b.ReportAllocs()
			for b.Loop() {
				_, end := tr.Start(bc.ctx, "decode")
				end(nil)
			}
		})
	}
}
