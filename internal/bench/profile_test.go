package bench

import (
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5}, 5},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{4, 1, 3, 2}, 2}, // lower middle
		{[]time.Duration{1, 100, 2, 3, 1000}, 3},
	} {
		in := append([]time.Duration(nil), tc.in...)
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if !reflect.DeepEqual(in, tc.in) {
			t.Errorf("median reordered its input")
		}
	}
}

func TestLinear(t *testing.T) {
	for _, tc := range []struct {
		xs, ys []float64
		a, b   float64
	}{
		{[]float64{1, 2, 3}, []float64{5, 7, 9}, 3, 2},
		{[]float64{10, 50, 100, 500, 1000}, []float64{1010, 1050, 1100, 1500, 2000}, 1000, 1},
		{[]float64{2, 2}, []float64{4, 6}, 5, 0}, // no spread in x: the mean
	} {
		a, b := linear(tc.xs, tc.ys)
		if math.Abs(a-tc.a) > 1e-9 || math.Abs(b-tc.b) > 1e-9 {
			t.Errorf("linear(%v, %v) = %v + %v x, want %v + %v x", tc.xs, tc.ys, a, b, tc.a, tc.b)
		}
	}
}

func TestFit(t *testing.T) {
	p := Profile{
		Stages: []StageCost{{RecordBytes: 1024, CPU: 30 * time.Microsecond}, {RecordBytes: 4096, CPU: 60 * time.Microsecond}},
		DB: []DBCost{
			{Batch: 10, DBTime: 2*time.Millisecond + 10*20*time.Microsecond, RoundTrips: 3},
			{Batch: 100, DBTime: 2*time.Millisecond + 100*20*time.Microsecond, RoundTrips: 4},
			{Batch: 1000, DBTime: 2*time.Millisecond + 1000*20*time.Microsecond, RoundTrips: 4},
		},
	}
	f := fit(p)
	if f.CPUFixed != 20*time.Microsecond || f.CPUPerKB != 10*time.Microsecond {
		t.Errorf("CPU fit %v + %v/KB, want 20µs + 10µs/KB", f.CPUFixed, f.CPUPerKB)
	}
	if got := f.CPUPerRecord(2048); got != 40*time.Microsecond {
		t.Errorf("CPUPerRecord(2 KB) = %v", got)
	}
	if f.DBFixed != 2*time.Millisecond || f.DBPerRecord != 20*time.Microsecond || f.RoundTrips != 4 {
		t.Errorf("DB fit %v + %v/record, %d trips", f.DBFixed, f.DBPerRecord, f.RoundTrips)
	}
}

func TestProfileSaveLoad(t *testing.T) {
	p := Profile{Reps: 3, Stages: []StageCost{{SummaryMin: 200, SummaryMax: 500, Decode: 7}}, Fit: Fit{CPUFixed: 9}}
	path := filepath.Join(t.TempDir(), "sub", "bench.json")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("Load = %+v, %v; want %+v", got, err, p)
	}
}
