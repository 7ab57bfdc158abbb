package telemetry

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kleo-network/kleo-stream/internal/config"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
)

// Limits of the EMF specification and of CloudWatch names.
const (
	maxMetricsPerDirective = 100
	maxDimensions          = 30
	maxNamespaceLen        = 255
	maxDimensionNameLen    = 250
	maxDimensionValueLen   = 1024
)

// CloudWatch units used by the metrics.
const (
	unitCount = "Count"
	unitBytes = "Bytes"
	unitMs    = "Milliseconds"
	unitNone  = "None"
)

// Members of every line that are not metrics: they identify the invocation
// for Logs Insights and are the same keys the processor's logs use.
const (
	propRequestID = "request_id"
	propShard     = "shard"
	propFirstSeq  = "first_seq"
	propLastSeq   = "last_seq"
)

// Findings are counted per type as metrics named PIIFound_<TYPE> in the one
// directive, rather than as PIIFound with a Type dimension: a dimension value
// is a single top-level member, so a Type dimension would need one document
// per type and invocation. CloudWatch bills and stores both the same way (one
// metric per name and dimension values), and the names are bounded by
// pii.Types(). piiOther collects types that list does not know, so a scrubber
// with its own types cannot create metrics without bound.
const piiOther = "OTHER"

// highCardinality are dimension names, compared without case, '_' or '-',
// that identify a request, a shard, a record or a user: each value would be
// a metric of its own.
var highCardinality = []string{"requestid", "awsrequestid", "traceid", "shard", "shardid",
	"seq", "sequencenumber", "firstseq", "lastseq", "address", "user", "userid", "eventid"}

type metric struct {
	name  string
	unit  string
	value float64
}

type prop struct{ key, value string }

// ArchiverMetrics is what one archiver invocation reports.
type ArchiverMetrics struct {
	RequestID    string
	UsersSwept   int           // users whose unarchived items were looked at
	Uploads      int           // archives posted (transactions or data items)
	UploadBytes  int64         // bytes of the posted archives
	WinstonSpent int64         // sum of the posted transactions' rewards (1 AR = 1e12 winston)
	Failures     int           // archives that could not be posted
	Duration     time.Duration // of the whole invocation
}

// EMF writes one CloudWatch Embedded Metric Format document per call, as a
// single JSON line. It implements processor.Observer and is safe for
// concurrent use.
//
// Write errors are dropped: metrics must never fail an invocation.
type EMF struct {
	now       func() time.Time
	directive []byte   // `{"Namespace":...,"Dimensions":[[...]],"Metrics":[`
	dimValues []byte   // `,"Stage":"prod"` for every dimension
	piiNames  []string // PIIFound_<TYPE>, in the order of pii.Types()
	piiTypes  []string

	mu  sync.Mutex
	w   io.Writer
	buf []byte
	ms  []metric
}

// NewEMF returns an EMF writer to w (os.Stdout in Lambda) with the
// namespace and dimensions of m. It refuses names CloudWatch would reject
// and dimension names that collide with a metric or an invocation member.
func NewEMF(w io.Writer, m config.Metrics) (*EMF, error) {
	e := &EMF{w: w, now: time.Now}
	for _, t := range pii.Types() {
		e.piiTypes = append(e.piiTypes, string(t))
		e.piiNames = append(e.piiNames, "PIIFound_"+string(t))
	}
	if err := e.check(m); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m.Dimensions))
	for k := range m.Dimensions {
		names = append(names, k)
	}
	slices.Sort(names)

	d := append([]byte(nil), `{"Namespace":`...)
	d = appendString(d, m.Namespace)
	d = append(d, `,"Dimensions":[[`...)
	for i, k := range names {
		if i > 0 {
			d = append(d, ',')
		}
		d = appendString(d, k)
		e.dimValues = append(e.dimValues, ',')
		e.dimValues = appendString(e.dimValues, k)
		e.dimValues = append(e.dimValues, ':')
		e.dimValues = appendString(e.dimValues, m.Dimensions[k])
	}
	e.directive = append(d, `]],"Metrics":[`...)
	return e, nil
}

func (e *EMF) check(m config.Metrics) error {
	bad := func(variable, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", config.ErrConfig, variable, fmt.Sprintf(format, args...))
	}
	ns := m.Namespace
	if ns == "" || len(ns) > maxNamespaceLen || strings.Trim(ns, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._#:/-") != "" {
		return bad("METRICS_NAMESPACE", "%q: want 1 to %d of [A-Za-z0-9._#:/-]", ns, maxNamespaceLen)
	}
	if strings.HasPrefix(ns, "AWS/") {
		return bad("METRICS_NAMESPACE", "%q: AWS/ is reserved for AWS services", ns)
	}
	if len(m.Dimensions) > maxDimensions {
		return bad("METRICS_DIMENSIONS", "%d dimensions, at most %d", len(m.Dimensions), maxDimensions)
	}
	reserved := map[string]bool{"_aws": true, propRequestID: true, propShard: true, propFirstSeq: true, propLastSeq: true}
	for _, n := range e.metricNames() {
		reserved[n] = true
	}
	plain := strings.NewReplacer("_", "", "-", "")
	for k, v := range m.Dimensions {
		switch {
		case !dimText(k, maxDimensionNameLen) || strings.HasPrefix(k, ":"):
			return bad("METRICS_DIMENSIONS", "name %q: want 1 to %d ASCII characters, not starting with ':'", k, maxDimensionNameLen)
		case reserved[k]:
			return bad("METRICS_DIMENSIONS", "%q is a metric or a member of each line already", k)
		case slices.Contains(highCardinality, plain.Replace(strings.ToLower(k))):
			return bad("METRICS_DIMENSIONS", "%q would make a metric per request, shard or user; the line carries it as a member", k)
		case !dimText(v, maxDimensionValueLen):
			return bad("METRICS_DIMENSIONS", "%s: value must be 1 to %d ASCII characters", k, maxDimensionValueLen)
		}
	}
	return nil
}

func dimText(s string, max int) bool {
	if strings.TrimSpace(s) == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// metricNames lists every metric name either function can emit.
func (e *EMF) metricNames() []string {
	names := []string{"RecordsIn", "RecordsProcessed", "Replayed", "Duplicates", "DeadLettered",
		"BatchItemFailures", "Conflicts", "BytesIn", "PIIFound", "PIIFound_" + piiOther,
		"DecodeTime", "PIITime", "ClassifyTime", "PersistTime", "DBRoundTrips", "DBLatency",
		"BatchDuration", "IteratorAge",
		"UsersSwept", "Uploads", "UploadBytes", "WinstonSpent", "ArchiveFailures", "ArchiveDuration"}
	return append(names, e.piiNames...)
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Observe writes the metrics of one processor invocation.
func (e *EMF) Observe(_ context.Context, r processor.Report) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ms = append(e.ms[:0],
		metric{"RecordsIn", unitCount, float64(r.RecordsIn)},
		metric{"RecordsProcessed", unitCount, float64(r.Processed)},
		metric{"Replayed", unitCount, float64(r.Replayed)},
		metric{"Duplicates", unitCount, float64(r.Duplicates)},
		metric{"DeadLettered", unitCount, float64(r.DeadLettered)},
		metric{"BatchItemFailures", unitCount, float64(r.Failed)},
		metric{"Conflicts", unitCount, float64(r.Conflicts)},
		metric{"BytesIn", unitBytes, float64(r.BytesIn)},
		metric{"DecodeTime", unitMs, millis(r.Decode)},
		metric{"PIITime", unitMs, millis(r.PIITime)},
		metric{"ClassifyTime", unitMs, millis(r.Classify)},
		metric{"PersistTime", unitMs, millis(r.Persist)},
		metric{"DBRoundTrips", unitCount, float64(r.DBCalls)},
		metric{"BatchDuration", unitMs, millis(r.Duration)},
		metric{"IteratorAge", unitMs, millis(r.IteratorAge)},
	)
	// The mean per round trip: a batch without any would pull the average
	// latency towards zero.
	if r.DBCalls > 0 {
		e.ms = append(e.ms, metric{"DBLatency", unitMs, millis(r.DBTime) / float64(r.DBCalls)})
	}
	// Every known type is written, zeros included, so that each series is
	// continuous and sums over time need no fill.
	var total, other int
	for typ, n := range r.PII {
		total += n
		if !slices.Contains(e.piiTypes, typ) {
			other += n
		}
	}
	e.ms = append(e.ms, metric{"PIIFound", unitCount, float64(total)})
	for i, typ := range e.piiTypes {
		e.ms = append(e.ms, metric{e.piiNames[i], unitCount, float64(r.PII[typ])})
	}
	if other > 0 {
		e.ms = append(e.ms, metric{"PIIFound_" + piiOther, unitCount, float64(other)})
	}
	props := [...]prop{{propRequestID, r.RequestID}, {propShard, r.Shard}, {propFirstSeq, r.FirstSeq}, {propLastSeq, r.LastSeq}}
	e.write(props[:])
}

// Archiver writes the metrics of one archiver invocation.
func (e *EMF) Archiver(_ context.Context, m ArchiverMetrics) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ms = append(e.ms[:0],
		metric{"UsersSwept", unitCount, float64(m.UsersSwept)},
		metric{"Uploads", unitCount, float64(m.Uploads)},
		metric{"UploadBytes", unitBytes, float64(m.UploadBytes)},
		metric{"WinstonSpent", unitNone, float64(m.WinstonSpent)},
		metric{"ArchiveFailures", unitCount, float64(m.Failures)},
		metric{"ArchiveDuration", unitMs, millis(m.Duration)},
	)
	props := [...]prop{{propRequestID, m.RequestID}}
	e.write(props[:])
}

// write encodes e.ms and props as one line; e.mu must be held.
func (e *EMF) write(props []prop) {
	e.buf = e.encode(e.buf[:0], e.now().UnixMilli(), props, e.ms)
	_, _ = e.w.Write(e.buf)
}

// encode appends the EMF document. More than 100 metrics are split over
// several directives of the same document, as the specification allows.
func (e *EMF) encode(b []byte, ts int64, props []prop, ms []metric) []byte {
	b = append(b, `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"CloudWatchMetrics":[`...)
	for i := 0; i < len(ms); i += maxMetricsPerDirective {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.directive...)
		for j, m := range ms[i:min(i+maxMetricsPerDirective, len(ms))] {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"Name":`...)
			b = appendString(b, m.name)
			b = append(b, `,"Unit":"`...)
			b = append(b, m.unit...)
			b = append(b, `"}`...)
		}
		b = append(b, "]}"...)
	}
	b = append(b, "]}"...)
	b = append(b, e.dimValues...)
	for _, p := range props {
		if p.value == "" {
			continue
		}
		b = append(b, ',')
		b = appendString(b, p.key)
		b = append(b, ':')
		b = appendString(b, p.value)
	}
	for _, m := range ms {
		b = append(b, ',')
		b = appendString(b, m.name)
		b = append(b, ':')
		b = strconv.AppendFloat(b, m.value, 'f', -1, 64)
	}
	return append(b, "}\n"...)
}

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}
