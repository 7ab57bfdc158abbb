package capacity

import (
	_ "embed"
	"fmt"
	"io"
	"math"
	"strings"
	"text/template"
	"time"
)

// Measured is one cell of the end-to-end benchmark: what the emulator
// reading a local Kinesis (kinesalite) through the real handler achieved,
// and what the model predicted for it.
type Measured struct {
	Shards          int           `json:"shards"`
	Parallelization int           `json:"parallelization"`
	Records         int           `json:"records"`
	Drains          int           `json:"drains"` // the median of which is reported
	RecordBytes     float64       `json:"record_bytes"`
	Seconds         float64       `json:"seconds"`
	RecordsPerSec   float64       `json:"records_per_sec"`
	MaxIteratorAge  time.Duration `json:"max_iterator_age_ns"`
	Invocations     int64         `json:"invocations"`
	// The machine as calibrated around the cell.
	Cores         float64       `json:"cores"`
	ReadPerRecord time.Duration `json:"read_per_record_ns"`
	// The CPU time per record of a read-only pass: this process's (the
	// SDK) and kinesalite's.
	ReadCPU   time.Duration `json:"read_cpu_per_record_ns"`
	SourceCPU time.Duration `json:"source_cpu_per_record_ns"`
	// Where the CPU went during the drains, per record: this process (the
	// emulator, the SDK, the handler, the store) and kinesalite.
	ProcessCPU    time.Duration `json:"process_cpu_per_record_ns"`
	KinesaliteCPU time.Duration `json:"kinesalite_cpu_per_record_ns"`
	// GCCPU is the part of ProcessCPU the Go garbage collector used.
	GCCPU time.Duration `json:"gc_cpu_per_record_ns"`
	// What the handler reported during the drains: its stages' time per
	// record and its database time per batch.
	StagesPerRecord time.Duration `json:"stages_per_record_ns"`
	DBPerBatch      time.Duration `json:"db_per_batch_ns"`
	// The model's prediction and its relative error (predicted − measured)
	// / measured.
	Predicted float64 `json:"predicted"`
	// PredictedAge is the model's largest iterator age for the drain: the
	// whole backlog arrived at once, so the last record waits for all the
	// others, records / Predicted.
	PredictedAge time.Duration `json:"predicted_age_ns"`
	Bound        Bound         `json:"bound"`
	Error        float64       `json:"error"`
}

// Doc is what WriteDoc renders.
type Doc struct {
	Params  Params
	Cells   []Cell
	Profile string // the bench table, preformatted
	E2E     []Measured
}

//go:embed capacity.md.tmpl
var docTemplate string

// WriteDoc writes docs/capacity.md: the table, the chart, the end-to-end
// check and the scaling advice.
func WriteDoc(w io.Writer, d Doc) error {
	t, err := template.New("capacity.md").Funcs(template.FuncMap{
		"table": func(cells []Cell) (string, error) {
			var b strings.Builder
			err := WriteTable(&b, cells, true)
			return b.String(), err
		},
		"n":      thousands,
		"float":  func(i int) float64 { return float64(i) },
		"mul1e6": func(f float64) float64 { return f * 1e6 },
		"us":     func(d time.Duration) float64 { return float64(d) / 1e3 },
		"pct":    func(f float64) string { return fmt.Sprintf("%+.0f%%", 100*f) },
		"abspct": func(f float64) string {
			return fmt.Sprintf("%.0f%%", 100*math.Abs(f))
		},
		"dur": func(d time.Duration) string {
			switch {
			case d >= time.Second:
				return fmt.Sprintf("%.1f s", d.Seconds())
			case d >= time.Millisecond:
				return fmt.Sprintf("%.1f ms", float64(d)/1e6)
			}
			return fmt.Sprintf("%.1f µs", float64(d)/1e3)
		},
		"worst": func(ms []Measured) float64 {
			w := 0.0
			for _, m := range ms {
				w = math.Max(w, math.Abs(m.Error))
			}
			return w
		},
		"first": func(cells []Cell) Cell { return cells[0] },
		"allWrite": func(cells []Cell) bool {
			for _, c := range cells {
				if c.Result.Bound != BoundWrite {
					return false
				}
			}
			return true
		},
		"times": func(a, b float64) string { return fmt.Sprintf("%.1f", a/b) },
		"bindsAt": func(p Params, mem int) string {
			p.MemoryMB, p.Shards, p.Parallelization = mem, 1, 1
			if d, ok := LatencyWhereFunctionBinds(p); ok {
				return fmt.Sprintf("%.0f ms", float64(d)/1e6)
			}
			return "never"
		},
		"cell": func(cells []Cell, shards, mem, par int) Result {
			for _, c := range cells {
				if c.Shards == shards && c.MemoryMB == mem && c.Parallelization == par {
					return c.Result
				}
			}
			return Result{}
		},
	}).Parse(docTemplate)
	if err != nil {
		return err
	}
	return t.Execute(w, d)
}

// LatencyWhereFunctionBinds returns the database round-trip time above which
// one lane (P = 1) at p's memory, batch and record size consumes less than a
// shard accepts from producers — where raising the parallelization factor
// starts to matter. ok is false when no latency is low enough.
func LatencyWhereFunctionBinds(p Params) (time.Duration, bool) {
	p = p.withDefaults()
	p.Shards, p.Parallelization, p.Incoming = 1, 1, 0
	p.DBLatency = 0
	r, err := Model(p)
	if err != nil || r.Function <= r.WriteLimit || p.RoundTrips == 0 {
		return 0, false
	}
	// Batch time at which batch / time equals the write limit.
	target := time.Duration(r.Batch / r.WriteLimit * float64(time.Second))
	return (target - r.BatchTime) / time.Duration(p.RoundTrips), true
}
