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
}

// StageCost is the median CPU time per record of each handler stage for
// records whose summaries fall in one size bucket.
type StageCost struct {
	SummaryMin  int           `json:"summary_min"`
	SummaryMax  int           `json:"summary_max"`
	Records     int           `json:"records"`      // per repetition
	RecordBytes float64       `json:"record_bytes"` // mean payload size
	Decode      time.Duration `json:"decode_ns"`
	PII         time.Duration `json:"pii_ns"`
	Classify    time.Duration `json:"classify_ns"`
	// Pipeline is the whole handler per record with a store that costs
	// nothing: the three stages plus batch bookkeeping.
	Pipeline time.Duration `json:"pipeline_ns"`
}

// DBCost is the median cost of one batch's database writes.
type DBCost struct {
	Batch       int           `json:"batch"`
	Users       int           `json:"users"` // distinct users per batch (median)
	RecordBytes float64       `json:"record_bytes"`
	RoundTrips  int           `json:"round_trips"`
	DBTime      time.Duration `json:"db_ns"`      // inside the store calls
	Persist     time.Duration `json:"persist_ns"` // the whole write phase
}

// Fit condenses a profile into the capacity model's parameters, by least
// squares over the buckets and batch sizes.
type Fit struct {
	// CPU per record of the whole pipeline (no database):
	// CPUFixed + CPUPerKB × record KB.
	CPUFixed time.Duration `json:"cpu_fixed_ns"`
	CPUPerKB time.Duration `json:"cpu_per_kb_ns"`
	// Database time per batch: DBFixed + DBPerRecord × batch size.
	DBFixed     time.Duration `json:"db_fixed_ns"`
	DBPerRecord time.Duration `json:"db_per_record_ns"`
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
