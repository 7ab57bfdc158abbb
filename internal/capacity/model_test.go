package capacity

import (
	"errors"
	"math"
	"testing"
	"time"
)

// base is a deployment whose function is the bottleneck: slow records, a
// slow database and small batches.
func base() Params {
	return Params{
		Shards: 1, MemoryMB: 1769, Parallelization: 1, BatchSize: 100,
		CPUPerRecord: 200 * time.Microsecond, DBLatency: 20 * time.Millisecond, RoundTrips: 4,
		DBPerRecord: 50 * time.Microsecond, InvokeOverhead: 10 * time.Millisecond, RecordBytes: 500,
	}
}

func model(t *testing.T, p Params) Result {
	t.Helper()
	r, err := Model(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestModelArithmetic(t *testing.T) {
	r := model(t, base())
	// 10 ms + 100×200 µs + 4×20 ms + 100×50 µs = 115 ms for 100 records.
	if r.BatchTime != 115*time.Millisecond {
		t.Fatalf("batch time %v, want 115ms", r.BatchTime)
	}
	if want := 100 / 0.115; math.Abs(r.Capacity-want) > 1e-6 || r.CapacityBound != BoundFunction {
		t.Errorf("capacity %v (%s), want %v (function)", r.Capacity, r.CapacityBound, want)
	}
	// Billed: 105 ms at 1769 MB, 10,000 invocations per million records.
	gbs := 10000 * 1769.0 / 1024 * 0.105
	want := gbs*0.0000133334 + 10000*0.20/1e6
	if math.Abs(r.CostPerMillion-want) > 1e-9 || math.Abs(r.GBSecondsPerMillion-gbs) > 1e-9 {
		t.Errorf("cost %v (%v GB-s), want %v (%v GB-s)", r.CostPerMillion, r.GBSecondsPerMillion, want, gbs)
	}
	if r.Concurrency != 1 {
		t.Errorf("concurrency %d", r.Concurrency)
	}
}

func TestModelMonotonic(t *testing.T) {
	for _, tc := range []struct {
		name string
		grow func(*Params, int)
		// capacity must not fall; rise says it must rise strictly.
		rise bool
	}{
		{"shards", func(p *Params, i int) { p.Shards = 1 << i }, true},
		{"parallelization", func(p *Params, i int) { p.Parallelization = 1 + i }, true},
		{"memory up to 1 vCPU", func(p *Params, i int) { p.MemoryMB = 256 + 500*i }, true},
		{"memory beyond 1 vCPU", func(p *Params, i int) { p.MemoryMB = 1769 + 2000*i }, false},
		{"batch size", func(p *Params, i int) { p.BatchSize = 10 << i }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev := -1.0
			for i := range 4 {
				p := base()
				tc.grow(&p, i)
				r := model(t, p)
				if r.Capacity < prev || (tc.rise && r.Capacity == prev) {
					t.Fatalf("step %d: capacity %v after %v", i, r.Capacity, prev)
				}
				prev = r.Capacity
			}
		})
	}
	// Slower records or database: less capacity.
	p := base()
	slow := p
	slow.DBLatency *= 2
	if model(t, slow).Capacity >= model(t, p).Capacity {
		t.Error("doubling database latency did not lower capacity")
	}
}

func TestModelBeyondOneVCPUDoesNotSpeedUp(t *testing.T) {
	p := base()
	a := model(t, p)
	p.MemoryMB = 10240
	b := model(t, p)
	if b.VCPU != 10240.0/1769 || b.Speed != 1 || b.BatchTime != a.BatchTime {
		t.Fatalf("10,240 MB: vCPU %v speed %v batch %v; 1,769 MB batch %v", b.VCPU, b.Speed, b.BatchTime, a.BatchTime)
	}
	if b.CostPerMillion <= a.CostPerMillion {
		t.Error("more memory for the same time must cost more")
	}
}

func TestModelLimitsBind(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(*Params)
		bound   Bound // of Sustainable
		capBy   Bound // of Capacity ("" = any)
		sustain float64
	}{
		// A fast function on one shard: producers cannot put more than 1,000/s.
		{"write records", func(p *Params) { p.DBLatency, p.CPUPerRecord = time.Millisecond, 10*time.Microsecond }, BoundWrite, "", 1000},
		// 4 KiB records: 1 MiB/s is 256 records/s per shard.
		{"write bytes", func(p *Params) {
			p.DBLatency, p.CPUPerRecord, p.RecordBytes = time.Millisecond, 10*time.Microsecond, 4096
		}, BoundWrite, "", 256},
		// A free function: 2 MiB/s of reads of 2 KiB records is 1,024 records/s per shard.
		{"read bytes", func(p *Params) {
			p.CPUPerRecord, p.DBLatency, p.DBPerRecord, p.InvokeOverhead, p.BatchSize, p.RecordBytes = 0, 0, 0, time.Nanosecond, 10000, 2048
			p.Limits = AWSLimits
			p.Limits.ShardWriteRecords, p.Limits.ShardWriteBytes = 1e9, 1e12
		}, BoundReadBytes, BoundReadBytes, 1024},
		// Tiny records, free function: 5 calls × 10,000 records.
		{"read calls", func(p *Params) {
			p.CPUPerRecord, p.DBLatency, p.DBPerRecord, p.InvokeOverhead, p.BatchSize, p.RecordBytes = 0, 0, 0, time.Nanosecond, 10000, 10
			p.Limits = AWSLimits
			p.Limits.ShardWriteRecords, p.Limits.ShardWriteBytes = 1e9, 1e12
		}, BoundReadCalls, BoundReadCalls, 50000},
		{"incoming", func(p *Params) { p.Incoming = 300 }, BoundIncoming, BoundFunction, 300},
		{"host cores", func(p *Params) {
			p.Shards, p.Parallelization = 4, 4
			p.Host = &Host{Cores: 2, CPUs: 2, HandlerCPUPerRecord: 240 * time.Microsecond, HandlerCPUPerBatch: 2 * time.Millisecond,
				ReadCPU: 10 * time.Microsecond, SourceCPU: 20 * time.Microsecond}
		}, BoundHostCPU, BoundHostCPU, 2 / ((240 + 10 + 20 + (2000+10000)/100.0) * 1e-6)},
		// One reader for every shard: kinesalite's one thread.
		{"host reads", func(p *Params) {
			p.Shards, p.Parallelization = 4, 4
			p.Host = &Host{Cores: 32, CPUs: 64, SourceCPU: time.Millisecond}
		}, BoundHostReads, BoundHostReads, 500},
		// One writer: 4×20 ms + 100×50 µs per batch of 100.
		{"host writer", func(p *Params) {
			p.Shards, p.Parallelization = 4, 4
			p.Host = &Host{Cores: 64, CPUs: 64, SerialWrites: true}
		}, BoundHostWrites, BoundHostWrites, 100 / 0.085},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := base()
			tc.edit(&p)
			r := model(t, p)
			if r.Bound != tc.bound || (tc.capBy != "" && r.CapacityBound != tc.capBy) {
				t.Errorf("bound %s (capacity %s), want %s (%s)", r.Bound, r.CapacityBound, tc.bound, tc.capBy)
			}
			if math.Abs(r.Sustainable-tc.sustain) > 1e-6*tc.sustain {
				t.Errorf("sustainable %v, want %v", r.Sustainable, tc.sustain)
			}
		})
	}
}

func TestModelParallelizationKeepsWriteLimit(t *testing.T) {
	p := base()
	p.Shards = 2
	for _, par := range []int{1, 10} {
		p.Parallelization = par
		if r := model(t, p); r.WriteLimit != 2000 {
			t.Errorf("P=%d: write limit %v, want 2000: P adds consumers, not write capacity", par, r.WriteLimit)
		}
	}
}

func TestModelIteratorAge(t *testing.T) {
	p := base() // capacity ≈ 870 records/s
	p.Window = 500 * time.Millisecond
	var prev time.Duration
	for _, in := range []float64{100, 400, 800} {
		p.Incoming = in
		r := model(t, p)
		if r.Growing || r.IteratorAge <= p.Window || r.IteratorAge <= prev {
			t.Fatalf("incoming %v: age %v growing %v (previous %v)", in, r.IteratorAge, r.Growing, prev)
		}
		prev = r.IteratorAge
	}
	p.Incoming = 100
	if r := model(t, p); r.Batch != 50 {
		t.Errorf("100 records/s over a 0.5 s window: batch %v, want 50", r.Batch)
	}
	// Twice the capacity offered, but the shard accepts only 1,000/s: the
	// backlog grows by 1,000 − 870 records/s, 0.13 s of age per second.
	p.Incoming = 1740
	r := model(t, p)
	if want := 1 - r.Capacity/1000; !r.Growing || math.Abs(r.AgeGrowth-want) > 1e-9 || r.Utilization < 1.9 {
		t.Errorf("overload: growing %v at %v s/s, utilization %v", r.Growing, r.AgeGrowth, r.Utilization)
	}
	if r.WriteHeadroomRecords >= 0 {
		t.Errorf("1,740 records/s into one shard: headroom %v, want negative", r.WriteHeadroomRecords)
	}
}

func TestValidate(t *testing.T) {
	for _, edit := range []func(*Params){
		func(p *Params) { p.Shards = 0 },
		func(p *Params) { p.MemoryMB = 64 },
		func(p *Params) { p.MemoryMB = 10241 },
		func(p *Params) { p.Parallelization = 11 },
		func(p *Params) { p.BatchSize = 10001 },
		func(p *Params) { p.RecordBytes = 0 },
		func(p *Params) { p.DBLatency = -1 },
	} {
		p := base()
		edit(&p)
		if _, err := Model(p); !errors.Is(err, ErrParams) {
			t.Errorf("%+v: err %v, want ErrParams", p, err)
		}
	}
}

func TestLatencyWhereFunctionBinds(t *testing.T) {
	p := base()
	p.DBLatency = 0
	d, ok := LatencyWhereFunctionBinds(p)
	if !ok {
		t.Fatal("a fast function must have a binding latency")
	}
	// At that latency one lane consumes exactly the shard's write limit.
	p.DBLatency = d
	r := model(t, p)
	if math.Abs(r.Function-r.WriteLimit) > 0.01*r.WriteLimit {
		t.Errorf("at %v: function %v, write limit %v", d, r.Function, r.WriteLimit)
	}
	// Above it P matters; below it it does not.
	p.DBLatency = 2 * d
	if r := model(t, p); r.Bound != BoundFunction {
		t.Errorf("at twice the latency: bound %s", r.Bound)
	}
	slow := base()
	slow.CPUPerRecord = 5 * time.Millisecond // slower than the write limit even with a free database
	if _, ok := LatencyWhereFunctionBinds(slow); ok {
		t.Error("a function slower than the write limit has no binding latency")
	}
}
