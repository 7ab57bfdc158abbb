package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/config"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
)

// cloudWatchUnits are the units CloudWatch accepts (StandardUnit).
var cloudWatchUnits = map[string]bool{
	"Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true,
	"Megabytes": true, "Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true,
	"Megabits": true, "Gigabits": true, "Terabits": true, "Percent": true, "Count": true,
	"Bytes/Second": true, "Kilobytes/Second": true, "Megabytes/Second": true, "Gigabytes/Second": true,
	"Terabytes/Second": true, "Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true,
	"Gigabits/Second": true, "Terabits/Second": true, "Count/Second": true, "None": true,
}

var namespaceRE = regexp.MustCompile(`^[a-zA-Z0-9._#:/-]{1,255}$`)

// highCardinalityMembers identify one invocation, shard or user: never a
// dimension.
var highCardinalityMembers = []string{"request_id", "shard", "first_seq", "last_seq", "address", "RequestId", "ShardId"}

// checkEMF fails t unless line is a valid EMF document, and returns it.
func checkEMF(t *testing.T, line []byte, now time.Time) map[string]any {
	t.Helper()
	doc, problems := validateEMF(line, now)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.FailNow()
	}
	return doc
}

// validateEMF parses one line against the Embedded Metric Format
// specification and lists what is wrong with it. now bounds the timestamp as
// CloudWatch does (no older than two weeks, no newer than two hours).
func validateEMF(line []byte, now time.Time) (doc map[string]any, problems []string) {
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
		bad("not one line: %q", line)
	}
	if len(line) > 256<<10 {
		bad("document of %d bytes exceeds the 256 KiB log event limit", len(line))
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		bad("not a JSON object: %v", err)
		return nil, problems
	}
	if dec.More() {
		bad("data after the JSON object")
	}
	aws, ok := doc["_aws"].(map[string]any)
	if !ok {
		bad("_aws missing or not an object")
		return doc, problems
	}
	for k := range aws {
		if k != "Timestamp" && k != "CloudWatchMetrics" {
			bad("_aws has unknown member %q", k)
		}
	}
	if ts, ok := aws["Timestamp"].(json.Number); !ok {
		bad("_aws.Timestamp = %#v, want a number", aws["Timestamp"])
	} else if ms, err := ts.Int64(); err != nil {
		bad("_aws.Timestamp %s is not an integer of milliseconds", ts)
	} else if at := time.UnixMilli(ms); at.Before(now.Add(-14*24*time.Hour)) || at.After(now.Add(2*time.Hour)) {
		bad("_aws.Timestamp %v is outside what CloudWatch accepts around %v", at, now)
	}
	directives, ok := aws["CloudWatchMetrics"].([]any)
	if !ok || len(directives) == 0 {
		bad("_aws.CloudWatchMetrics = %#v, want a non-empty array", aws["CloudWatchMetrics"])
	}
	for i, d := range directives {
		dir, ok := d.(map[string]any)
		if !ok {
			bad("directive %d is not an object", i)
			continue
		}
		for k := range dir {
			if k != "Namespace" && k != "Dimensions" && k != "Metrics" {
				bad("directive %d has unknown member %q", i, k)
			}
		}
		if ns, _ := dir["Namespace"].(string); !namespaceRE.MatchString(ns) {
			bad("directive %d: Namespace %q", i, ns)
		}
		sets, ok := dir["Dimensions"].([]any)
		if !ok {
			bad("directive %d: Dimensions = %#v, want an array of dimension sets", i, dir["Dimensions"])
		}
		for _, s := range sets {
			set, ok := s.([]any)
			if !ok {
				bad("directive %d: dimension set %#v is not an array", i, s)
				continue
			}
			if len(set) > 30 {
				bad("directive %d: %d dimensions in a set, at most 30", i, len(set))
			}
			for _, k := range set {
				name, _ := k.(string)
				if v, ok := doc[name].(string); !ok || v == "" || len(v) > 1024 {
					bad("dimension %q: top-level member %#v, want a string of 1 to 1024 characters", name, doc[name])
				}
				for _, hc := range highCardinalityMembers {
					if strings.EqualFold(name, hc) {
						bad("high-cardinality dimension %q", name)
					}
				}
			}
		}
		metrics, ok := dir["Metrics"].([]any)
		if !ok || len(metrics) == 0 || len(metrics) > 100 {
			bad("directive %d: %d metric definitions, want 1 to 100", i, len(metrics))
		}
		seen := map[string]bool{}
		for _, m := range metrics {
			def, ok := m.(map[string]any)
			if !ok {
				bad("directive %d: metric definition %#v is not an object", i, m)
				continue
			}
			name, _ := def["Name"].(string)
			if name == "" || len(name) > 1024 || seen[name] {
				bad("directive %d: metric name %q empty, too long or repeated", i, name)
			}
			seen[name] = true
			if u, ok := def["Unit"]; ok && !cloudWatchUnits[fmt.Sprint(u)] {
				bad("metric %s: unit %v is not a CloudWatch unit", name, u)
			}
			if r, ok := def["StorageResolution"]; ok && fmt.Sprint(r) != "1" && fmt.Sprint(r) != "60" {
				bad("metric %s: StorageResolution %v, want 1 or 60", name, r)
			}
			for k := range def {
				if k != "Name" && k != "Unit" && k != "StorageResolution" {
					bad("metric %s: unknown member %q", name, k)
				}
			}
			if v, ok := doc[name].(json.Number); !ok {
				bad("metric %s: top-level member %#v, want a number", name, doc[name])
			} else if f, err := v.Float64(); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				bad("metric %s: value %s is not a finite number", name, v)
			}
		}
	}
	return doc, problems
}

// TestValidateEMF checks the checker: the specification's own example
// passes and each kind of mistake is caught.
func TestValidateEMF(t *testing.T) {
	now := time.UnixMilli(1574109732004)
	const good = `{"_aws":{"Timestamp":1574109732004,"CloudWatchMetrics":[{"Namespace":"lambda-function-metrics","Dimensions":[["functionVersion"]],"Metrics":[{"Name":"time","Unit":"Milliseconds","StorageResolution":60}]}]},"functionVersion":"$LATEST","time":100,"requestId":"989ffbf8-9ace-4817-a57c-e4dd734019ee"}`
	if _, problems := validateEMF([]byte(good+"\n"), now); len(problems) > 0 {
		t.Fatalf("the specification's example fails: %v", problems)
	}
	for _, tc := range []struct{ name, old, new, want string }{
		{"no newline", "}\n", "}", "not one line"},
		{"not JSON", `"time":100`, `"time":`, "not a JSON object"},
		{"no _aws", `"_aws"`, `"aws"`, "_aws missing"},
		{"seconds timestamp", "1574109732004,", "1574109732.5,", "Timestamp"},
		{"old timestamp", "1574109732004,", "1500000000000,", "outside"},
		{"no directives", `"CloudWatchMetrics":[{`, `"CloudWatchMetrics":[],"X":[{`, "non-empty array"},
		{"bad namespace", `"lambda-function-metrics"`, `"lambda metrics"`, "Namespace"},
		{"flat dimensions", `[["functionVersion"]]`, `["functionVersion"]`, "is not an array"},
		{"missing dimension member", `"functionVersion":"$LATEST",`, ``, "dimension \"functionVersion\""},
		{"high-cardinality dimension", `[["functionVersion"]]`, `[["functionVersion","requestId"]]`, "high-cardinality"},
		{"missing metric member", `"time":100,`, ``, "metric time: top-level member"},
		{"string metric value", `"time":100`, `"time":"100"`, "want a number"},
		{"bad unit", `"Unit":"Milliseconds"`, `"Unit":"ms"`, "not a CloudWatch unit"},
		{"bad resolution", `"StorageResolution":60`, `"StorageResolution":5`, "StorageResolution"},
		{"unknown member", `"Namespace":`, `"Extra":1,"Namespace":`, "unknown member"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			line := strings.Replace(good+"\n", tc.old, tc.new, 1)
			if line == good+"\n" {
				t.Fatalf("%q not in the example", tc.old)
			}
			_, problems := validateEMF([]byte(line), now)
			if !strings.Contains(strings.Join(problems, "; "), tc.want) {
				t.Errorf("problems %q, want one about %q", problems, tc.want)
			}
		})
	}
	var defs []string
	for i := range 101 {
		defs = append(defs, fmt.Sprintf(`{"Name":"m%d"}`, i))
	}
	tooMany := strings.Replace(good+"\n", `{"Name":"time","Unit":"Milliseconds","StorageResolution":60}`, strings.Join(defs, ","), 1)
	if _, problems := validateEMF([]byte(tooMany), now); !strings.Contains(strings.Join(problems, "; "), "101 metric definitions") {
		t.Errorf("101 metrics in a directive: problems %q", problems)
	}
	dims := strings.Repeat(`"functionVersion",`, 30) + `"functionVersion"`
	tooWide := strings.Replace(good+"\n", `[["functionVersion"]]`, "[["+dims+"]]", 1)
	if _, problems := validateEMF([]byte(tooWide), now); !strings.Contains(strings.Join(problems, "; "), "31 dimensions") {
		t.Errorf("31 dimensions in a set: problems %q", problems)
	}
}

// lines splits w's output into lines, newline kept.
func lines(t *testing.T, out []byte) [][]byte {
	t.Helper()
	var ls [][]byte
	r := bufio.NewReader(bytes.NewReader(out))
	for {
		l, err := r.ReadBytes('\n')
		if len(l) > 0 {
			ls = append(ls, l)
		}
		if err == io.EOF {
			return ls
		}
	}
}

func num(t *testing.T, doc map[string]any, name string) float64 {
	t.Helper()
	n, ok := doc[name].(json.Number)
	if !ok {
		t.Fatalf("member %s = %#v, want a number", name, doc[name])
	}
	f, _ := n.Float64()
	return f
}

// definedMetrics maps each metric name of every directive to its unit.
func definedMetrics(doc map[string]any) map[string]string {
	out := map[string]string{}
	for _, d := range doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any) {
		for _, m := range d.(map[string]any)["Metrics"].([]any) {
			def := m.(map[string]any)
			out[def["Name"].(string)] = fmt.Sprint(def["Unit"])
		}
	}
	return out
}

func dimensionSets(doc map[string]any) [][]string {
	var out [][]string
	for _, d := range doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any) {
		for _, s := range d.(map[string]any)["Dimensions"].([]any) {
			set := []string{}
			for _, k := range s.([]any) {
				set = append(set, k.(string))
			}
			out = append(out, set)
		}
	}
	return out
}

func report() processor.Report {
	return processor.Report{
		RequestID: "c6af9ac6-7b61-11e6-9a41-93e812345678", Shard: "shardId-000000000003",
		FirstSeq:  "49590338271490256608559692538361571095921575989136588898",
		LastSeq:   "49590338271490256608559692538361571095921575989136589999",
		RecordsIn: 100, BytesIn: 123456, Processed: 90, Replayed: 3, Duplicates: 2, DeadLettered: 4,
		Failed: 1, Conflicts: 1,
		PII:        map[string]int{string(pii.Email): 3, string(pii.Phone): 1, "CUSTOM": 2},
		Activities: map[string]int{"Coding": 90},
		Decode:     1500 * time.Microsecond, PIITime: 12 * time.Millisecond, Classify: 7 * time.Millisecond,
		Persist: 30 * time.Millisecond, DBCalls: 4, DBTime: 26 * time.Millisecond,
		Duration: 55 * time.Millisecond, IteratorAge: 2500 * time.Millisecond,
	}
}

func TestObserveWritesValidEMF(t *testing.T) {
	many := map[string]string{}
	for i := range 29 {
		many[fmt.Sprintf("D%02d", i)] = fmt.Sprintf("v%d", i)
	}
	for _, tc := range []struct {
		name string
		dims map[string]string
		want []string // the one dimension set
	}{
		{"stage", map[string]string{"Stage": "prod"}, []string{"Stage"}},
		{"none", nil, []string{}},
		{"two sorted", map[string]string{"Stage": "dev", "Service": "kleo"}, []string{"Service", "Stage"}},
		{"29", many, slices.Sorted(maps.Keys(many))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			e, err := NewEMF(&out, config.Metrics{Namespace: "Kleo", Dimensions: tc.dims})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			e.Observe(context.Background(), report())
			ls := lines(t, out.Bytes())
			if len(ls) != 1 {
				t.Fatalf("%d lines, want 1", len(ls))
			}
			doc := checkEMF(t, ls[0], now)
			if got := dimensionSets(doc); len(got) != 1 || strings.Join(got[0], ",") != strings.Join(tc.want, ",") {
				t.Errorf("dimension sets %q, want [%q]", got, tc.want)
			}
			for k, v := range tc.dims {
				if doc[k] != v {
					t.Errorf("dimension %s = %v, want %q", k, doc[k], v)
				}
			}
		})
	}
}

func TestObserveValues(t *testing.T) {
	var out bytes.Buffer
	e, err := NewEMF(&out, config.Metrics{Namespace: "Kleo", Dimensions: map[string]string{"Stage": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	e.now = func() time.Time { return time.UnixMilli(1764150000123) }
	r := report()
	e.Observe(context.Background(), r)
	doc := checkEMF(t, out.Bytes(), time.UnixMilli(1764150000123))
	if ts := doc["_aws"].(map[string]any)["Timestamp"].(json.Number).String(); ts != "1764150000123" {
		t.Errorf("Timestamp %s, want 1764150000123", ts)
	}
	units := definedMetrics(doc)
	want := map[string]struct {
		v    float64
		unit string
	}{
		"RecordsIn": {100, "Count"}, "RecordsProcessed": {90, "Count"}, "Replayed": {3, "Count"},
		"Duplicates": {2, "Count"}, "DeadLettered": {4, "Count"}, "BatchItemFailures": {1, "Count"},
		"Conflicts": {1, "Count"}, "BytesIn": {123456, "Bytes"},
		"PIIFound": {6, "Count"}, "PIIFound_EMAIL_ADDRESS": {3, "Count"}, "PIIFound_PHONE_NUMBER": {1, "Count"},
		"PIIFound_CREDIT_CARD": {0, "Count"}, "PIIFound_OTHER": {2, "Count"},
		"DecodeTime": {1.5, "Milliseconds"}, "PIITime": {12, "Milliseconds"}, "ClassifyTime": {7, "Milliseconds"},
		"PersistTime": {30, "Milliseconds"}, "DBRoundTrips": {4, "Count"}, "DBLatency": {6.5, "Milliseconds"},
		"BatchDuration": {55, "Milliseconds"}, "IteratorAge": {2500, "Milliseconds"},
	}
	for name, w := range want {
		if units[name] != w.unit {
			t.Errorf("%s: unit %q, want %q", name, units[name], w.unit)
		}
		if got := num(t, doc, name); got != w.v {
			t.Errorf("%s = %v, want %v", name, got, w.v)
		}
	}
	for _, typ := range pii.Types() {
		if _, ok := units["PIIFound_"+string(typ)]; !ok {
			t.Errorf("PIIFound_%s missing: every known type is written", typ)
		}
	}
	if len(units) != 18+len(pii.Types()) {
		t.Errorf("%d metrics: %v", len(units), units)
	}
	for k, v := range map[string]string{"request_id": r.RequestID, "shard": r.Shard, "first_seq": r.FirstSeq, "last_seq": r.LastSeq} {
		if doc[k] != v {
			t.Errorf("member %s = %v, want %q", k, doc[k], v)
		}
		if _, isMetric := units[k]; isMetric {
			t.Errorf("%s is a metric", k)
		}
	}
}

func TestObserveOmitsDBLatencyWithoutRoundTrips(t *testing.T) {
	var out bytes.Buffer
	e, _ := NewEMF(&out, config.Metrics{Namespace: "Kleo"})
	r := report()
	r.DBCalls, r.DBTime, r.PII, r.RequestID = 0, 0, nil, ""
	e.Observe(context.Background(), r)
	doc := checkEMF(t, out.Bytes(), time.Now())
	units := definedMetrics(doc)
	if _, ok := units["DBLatency"]; ok {
		t.Error("DBLatency written for an invocation without round trips")
	}
	if _, ok := units["PIIFound_OTHER"]; ok {
		t.Error("PIIFound_OTHER written without such findings")
	}
	if num(t, doc, "PIIFound") != 0 || num(t, doc, "DBRoundTrips") != 0 {
		t.Error("want zero PIIFound and DBRoundTrips")
	}
	if _, ok := doc["request_id"]; ok {
		t.Error("empty request_id written")
	}
}

func TestArchiverMetrics(t *testing.T) {
	var out bytes.Buffer
	e, _ := NewEMF(&out, config.Metrics{Namespace: "Kleo", Dimensions: map[string]string{"Stage": "prod"}})
	e.Archiver(context.Background(), ArchiverMetrics{
		RequestID: "req-1", UsersSwept: 12, Uploads: 3, UploadBytes: 150000,
		WinstonSpent: 4_000_000_000_000, Failures: 1, Duration: 2 * time.Second,
	})
	doc := checkEMF(t, out.Bytes(), time.Now())
	units := definedMetrics(doc)
	for name, w := range map[string]struct {
		v    float64
		unit string
	}{
		"UsersSwept": {12, "Count"}, "Uploads": {3, "Count"}, "UploadBytes": {150000, "Bytes"},
		"WinstonSpent": {4e12, "None"}, "ArchiveFailures": {1, "Count"}, "ArchiveDuration": {2000, "Milliseconds"},
	} {
		if units[name] != w.unit || num(t, doc, name) != w.v {
			t.Errorf("%s = %v %q, want %v %q", name, doc[name], units[name], w.v, w.unit)
		}
	}
	if len(units) != 6 || doc["request_id"] != "req-1" || doc["Stage"] != "prod" {
		t.Errorf("unexpected document %v", doc)
	}
}

func TestEncodeSplitsDirectivesAt100(t *testing.T) {
	e, err := NewEMF(io.Discard, config.Metrics{Namespace: "Kleo", Dimensions: map[string]string{"Stage": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 100, 101, 250} {
		var ms []metric
		for i := range n {
			ms = append(ms, metric{fmt.Sprintf("M%03d", i), unitCount, float64(i)})
		}
		now := time.Now()
		doc := checkEMF(t, e.encode(nil, now.UnixMilli(), nil, ms), now)
		dirs := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)
		if want := (n + 99) / 100; len(dirs) != want {
			t.Errorf("%d metrics: %d directives, want %d", n, len(dirs), want)
		}
		if got := len(definedMetrics(doc)); got != n {
			t.Errorf("%d metrics: %d defined", n, got)
		}
	}
}

func TestEncodeEscapes(t *testing.T) {
	e, err := NewEMF(io.Discard, config.Metrics{Namespace: "Kleo", Dimensions: map[string]string{"Stage": `pr"o\d`}})
	if err != nil {
		t.Fatal(err)
	}
	hostile := "a\"b\\c\n\x00\x1f\u2028é\xff"
	now := time.Now()
	doc := checkEMF(t, e.encode(nil, now.UnixMilli(), []prop{{"request_id", hostile}}, []metric{{"M", unitCount, 1}}), now)
	if doc["Stage"] != `pr"o\d` {
		t.Errorf("Stage = %q", doc["Stage"])
	}
	if want := strings.ToValidUTF8(hostile, "\uFFFD"); doc["request_id"] != want {
		t.Errorf("request_id = %q, want %q", doc["request_id"], want)
	}
}

func TestNewEMFRejects(t *testing.T) {
	long := strings.Repeat("a", 256)
	for _, tc := range []struct {
		name string
		m    config.Metrics
	}{
		{"empty namespace", config.Metrics{}},
		{"namespace with space", config.Metrics{Namespace: "Kleo prod"}},
		{"long namespace", config.Metrics{Namespace: long}},
		{"AWS namespace", config.Metrics{Namespace: "AWS/Lambda"}},
		{"request id as dimension", config.Metrics{Namespace: "K", Dimensions: map[string]string{"request_id": "x"}}},
		{"shard as dimension", config.Metrics{Namespace: "K", Dimensions: map[string]string{"shard": "x"}}},
		{"ShardId as dimension", config.Metrics{Namespace: "K", Dimensions: map[string]string{"ShardId": "x"}}},
		{"Request-ID as dimension", config.Metrics{Namespace: "K", Dimensions: map[string]string{"Request-ID": "x"}}},
		{"address as dimension", config.Metrics{Namespace: "K", Dimensions: map[string]string{"Address": "0xabc"}}},
		{"metric name as dimension", config.Metrics{Namespace: "K", Dimensions: map[string]string{"RecordsIn": "x"}}},
		{"_aws", config.Metrics{Namespace: "K", Dimensions: map[string]string{"_aws": "x"}}},
		{"colon", config.Metrics{Namespace: "K", Dimensions: map[string]string{":Stage": "x"}}},
		{"blank value", config.Metrics{Namespace: "K", Dimensions: map[string]string{"Stage": " "}}},
		{"non-ASCII value", config.Metrics{Namespace: "K", Dimensions: map[string]string{"Stage": "prød"}}},
		{"long value", config.Metrics{Namespace: "K", Dimensions: map[string]string{"Stage": strings.Repeat("v", 1025)}}},
		{"31 dimensions", config.Metrics{Namespace: "K", Dimensions: func() map[string]string {
			m := map[string]string{}
			for i := range 31 {
				m[fmt.Sprint("D", i)] = "v"
			}
			return m
		}()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewEMF(io.Discard, tc.m)
			if !errors.Is(err, config.ErrConfig) {
				t.Errorf("err = %v, want a config.ErrConfig", err)
			}
		})
	}
}

// writeCounter has no lock of its own, so the race detector sees whether
// EMF serialises its writes; calls counts one Write per line.
type writeCounter struct {
	buf   bytes.Buffer
	calls int
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.calls++
	return w.buf.Write(p)
}

func TestObserveConcurrentLinesStayWhole(t *testing.T) {
	w := &writeCounter{}
	e, _ := NewEMF(w, config.Metrics{Namespace: "Kleo", Dimensions: map[string]string{"Stage": "prod"}})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				e.Observe(context.Background(), report())
				e.Archiver(context.Background(), ArchiverMetrics{Uploads: 1})
			}
		})
	}
	wg.Wait()
	ls := lines(t, w.buf.Bytes())
	if len(ls) != 400 || w.calls != 400 {
		t.Fatalf("%d lines in %d writes, want 400 in 400", len(ls), w.calls)
	}
	for _, l := range ls {
		checkEMF(t, l, time.Now())
	}
}

// BenchmarkObserve is the cost per invocation of the processor's metrics.
func BenchmarkObserve(b *testing.B) {
	e, err := NewEMF(io.Discard, config.Metrics{Namespace: "Kleo", Dimensions: map[string]string{"Stage": "prod"}})
	if err != nil {
		b.Fatal(err)
	}
	r := report()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		e.Observe(ctx, r)
	}
}

// FuzzAppendString checks the hand-written JSON string encoder against
// encoding/json: any input decodes back to itself, invalid bytes replaced.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "shardId-000000000003", `a"b\c`, "\x00\x1f\x7f", "é\u2028\U0001F600", "\xff\xfe", "<script>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendString(nil, s)
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %q: %v", s, enc, err)
		}
		// Each invalid byte becomes U+FFFD, as in a conversion to []rune.
		if want := string([]rune(s)); got != want {
			t.Fatalf("%q decodes to %q, want %q", s, got, want)
		}
	})
}
