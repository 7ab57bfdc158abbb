package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Profile is what Run measured. Durations are nanoseconds in JSON.
type Profile struct {
	Machine Machine     `json:"machine"`
	Reps    int         `json:"reps"`
	Stages  []StageCost `json:"stages"`
	DB      []DBCost    `json:"db"`
	Fit     Fit         `json:"fit"`
}

// Machine describes where a profile was measured.
type Machine struct {
	GOOS      string    `json:"goos"`
	GOARCH    string    `json:"goarch"`
	CPUs      int       `json:"cpus"`
	GoVersion string    `json:"go_version"`
	Store     string    `json:"store"` // "embedded" or "mongodb"
	At        time.Time `json:"at"`
	// Probe is the time of a fixed piece of the handler's work on one
	// thread when the profile was measured; a later run times the same work
	// on every CPU to learn how much of this speed the machine offers then.
	Probe time.Duration `json:"probe_ns"`
}

// StageCost is the median CPU time per record of each handler stage for
// records whose summaries fall in one size bucket.
type StageCost struct {
	SummaryMin  int     `json:"summary_min"`
	SummaryMax  int     `json:"summary_max"`
	Records     int     `json:"records"`      // per repetition
	RecordBytes float64 `json:"record_bytes"` // mean payload size
	// Envelope is the invocation payload's decode (JSON, base64) into
	// records, before the handler runs; Decode is the record's own.
	Envelope time.Duration `json:"envelope_ns"`
	// EnvelopeOld is the same payloads' decode by aws-lambda-go's
	// reflection (encoding/json), as the processor had it before, measured
	// in the same run.
	EnvelopeOld time.Duration `json:"envelope_old_ns"`
	Decode      time.Duration `json:"decode_ns"`
	PII         time.Duration `json:"pii_ns"`
	Classify    time.Duration `json:"classify_ns"`
	// Pipeline is the whole invocation per record, from the raw payload,
	// with a store that costs nothing: the stages plus batch bookkeeping.
	Pipeline time.Duration `json:"pipeline_ns"`
	// CPU is the process's CPU time (user + system) per record over the
	// same runs: the pipeline plus the garbage collector's work on other
	// threads, which a one-vCPU Lambda pays in its own time.
	CPU time.Duration `json:"cpu_ns"`
	// Allocs is the heap allocations per record of the whole invocation.
	Allocs float64 `json:"allocs"`
}

// DBCost is the median cost of one batch's database writes.
type DBCost struct {
	Batch       int           `json:"batch"`
	Users       int           `json:"users"` // distinct users per batch (median)
	RecordBytes float64       `json:"record_bytes"`
	RoundTrips  int           `json:"round_trips"`
	DBTime      time.Duration `json:"db_ns"`     // inside the store calls
	DBCPU       time.Duration `json:"db_cpu_ns"` // process CPU time inside them
	// Stages is the handler's decode, PII and classify time per record in
	// the same runs, next to a real store (compare StageCost.Pipeline).
	Stages  time.Duration `json:"stages_per_record_ns"`
	Persist time.Duration `json:"persist_ns"` // the whole write phase
	// HandlerCPU is the process CPU time of the whole invocation: the
	// stages, the store's work and the garbage collector's.
	HandlerCPU time.Duration `json:"handler_cpu_ns"`
}

// Fit condenses a profile into the capacity model's parameters, by least
// squares over the buckets and batch sizes.
type Fit struct {
	// CPU time per record of the whole pipeline (no database), garbage
	// collection included: CPUFixed + CPUPerKB × record KB.
	CPUFixed time.Duration `json:"cpu_fixed_ns"`
	CPUPerKB time.Duration `json:"cpu_per_kb_ns"`
	// Database time per batch: DBFixed + DBPerRecord × batch size.
	DBFixed     time.Duration `json:"db_fixed_ns"`
	DBPerRecord time.Duration `json:"db_per_record_ns"`
	// The CPU part of that time (the rest waits for the disk or network):
	// DBCPUFixed + DBCPUPerRecord × batch size.
	DBCPUFixed     time.Duration `json:"db_cpu_fixed_ns"`
	DBCPUPerRecord time.Duration `json:"db_cpu_per_record_ns"`
	// Process CPU of a whole invocation with the store in process
	// (stages, store, garbage collection): HandlerCPUFixed +
	// HandlerCPUPerRecord × batch size, at the DB measurements' record size.
	HandlerCPUFixed     time.Duration `json:"handler_cpu_fixed_ns"`
	HandlerCPUPerRecord time.Duration `json:"handler_cpu_per_record_ns"`
	// RoundTrips is the median number of store calls per batch.
	RoundTrips int `json:"round_trips"`
}

// CPUPerRecord is the fitted pipeline CPU for a record of the given size.
func (f Fit) CPUPerRecord(recordBytes float64) time.Duration {
	return f.CPUFixed + time.Duration(float64(f.CPUPerKB)*recordBytes/1024)
}

// Load reads a profile written by Save.
func Load(path string) (Profile, error) {
	var p Profile
	b, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("bench: %s: %w", path, err)
	}
	return p, nil
}

// Save writes p as indented JSON, creating the directory.
func (p Profile) Save(path string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// median returns the median of ds (the lower middle for an even count).
func median[T int | int64 | float64 | time.Duration](ds []T) T {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// linear fits y = a + b·x by least squares.
func linear(xs, ys []float64) (a, b float64) {
	n := float64(len(xs))
	if n == 0 {
		return 0, 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return sy / n, 0
	}
	b = (n*sxy - sx*sy) / d
	return (sy - b*sx) / n, b
}
