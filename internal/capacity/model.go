// Package capacity is the capacity model of the Kinesis → Lambda processor:
// from the costs `kleo bench` measures and the deployment's settings (shards,
// memory, parallelization factor, batch size and window, database latency)
// it predicts the sustainable records per second, which limit binds, the
// headroom against the shards' write limits, the iterator age, the
// concurrency and the cost per million records. It also renders the
// shards × memory × parallelization table as a chart and a document.
//
// The model is a bound analysis: each shard runs P lanes, each lane one batch
// at a time, so a shard's function throughput is P × batch / batch time; the
// stream's read limits, its write limits and the incoming rate bound it
// further. On a single machine (Host set) the lanes also share its cores,
// the source's reads and the embedded store's single writer.
package capacity

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrParams is wrapped by the errors Params.Validate returns.
var ErrParams = errors.New("capacity: invalid parameters")

// Limits of Kinesis Data Streams (provisioned) and Lambda, as AWS documents them.
type Limits struct {
	ShardWriteRecords float64 // records/s a shard accepts (1,000)
	ShardWriteBytes   float64 // bytes/s a shard accepts (1 MiB)
	ShardReadBytes    float64 // bytes/s GetRecords returns per shard (2 MiB)
	ShardReads        float64 // GetRecords calls per second per shard (5)
	RecordsPerRead    float64 // records per GetRecords call (10,000)
	PayloadBytes      float64 // synchronous invocation payload (6 MB)
}

// AWSLimits are the documented limits.
var AWSLimits = Limits{
	ShardWriteRecords: 1000, ShardWriteBytes: 1 << 20,
	ShardReadBytes: 2 << 20, ShardReads: 5, RecordsPerRead: 10000,
	PayloadBytes: 6 << 20,
}

// Prices of Lambda on arm64 (us-east-1).
type Prices struct {
	GBSecond   float64 // $ per GB-second
	PerRequest float64 // $ per request
}

// ARM64Prices: $0.0000133334 per GB-s and $0.20 per million requests.
var ARM64Prices = Prices{GBSecond: 0.0000133334, PerRequest: 0.20 / 1e6}

// Lambda memory and CPU: 1,769 MB is one vCPU; 10,240 MB (six vCPUs) is the most.
const (
	MBPerVCPU   = 1769
	MinMemoryMB = 128
	MaxMemoryMB = 10240
	MaxVCPU     = 6
)

// Host describes a single machine running every lane (the end-to-end
// benchmark): the lanes share its CPUs with the source (a local Kinesis
// API, one thread), and the store, in the same process, has one writer.
type Host struct {
	// Cores is the CPU the machine offers the run, in CPUs as fast as the
	// costs were measured on; CPUs is how many there are. Each busy CPU
	// then runs at Cores/CPUs of the measured speed.
	Cores float64
	CPUs  int
	// HandlerCPUPerBatch + HandlerCPUPerRecord × batch is the process CPU
	// a batch costs with the store in process: the stages, the store's
	// work and the garbage collector's.
	HandlerCPUPerBatch, HandlerCPUPerRecord time.Duration
	// The CPU time per record of reading it: in this process (the SDK's
	// decoding) and in the source's one thread.
	ReadCPU, SourceCPU time.Duration
	// SerialWrites marks a store with a single writer (the embedded bbolt
	// store): batches' writes cannot overlap.
	SerialWrites bool
	// DBCPUPerBatch and DBCPUPerRecord are the CPU part of the database
	// time, which slows down with the CPUs.
	DBCPUPerBatch, DBCPUPerRecord time.Duration
}

// Params are the model's inputs.
type Params struct {
	Shards          int
	MemoryMB        int
	Parallelization int
	BatchSize       int
	Window          time.Duration // MaximumBatchingWindow
	// PollInterval is how often an idle shard is read (Lambda: once a second).
	PollInterval time.Duration

	// CPUPerRecord is the handler's CPU per record on one full vCPU.
	CPUPerRecord time.Duration
	// DBLatency is the time of one database round trip; RoundTrips how many
	// a batch makes (4: dead letters, watermarks, history, users).
	DBLatency  time.Duration
	RoundTrips int
	// DBPerRecord is the write cost each record adds to a batch's round trips.
	DBPerRecord time.Duration
	// InvokeOverhead is the time per batch outside the handler (the
	// mapping's polling and invoke), not billed.
	InvokeOverhead time.Duration

	RecordBytes float64 // mean payload size
	// Incoming is the producers' rate in records/s; 0 means "as much as the
	// stream accepts" (the capacity table).
	Incoming float64

	Limits Limits
	Prices Prices
	Host   *Host // nil: Lambda
}

// Validate reports parameters outside what AWS or the model accepts.
func (p Params) Validate() error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf("%w: "+f, append([]any{ErrParams}, a...)...)) }
	if p.Shards < 1 {
		bad("shards %d < 1", p.Shards)
	}
	if p.Host == nil && (p.MemoryMB < MinMemoryMB || p.MemoryMB > MaxMemoryMB) {
		bad("memory %d MB not in %d..%d", p.MemoryMB, MinMemoryMB, MaxMemoryMB)
	}
	if p.Parallelization < 1 || p.Parallelization > 10 {
		bad("parallelization factor %d not in 1..10", p.Parallelization)
	}
	if p.BatchSize < 1 || p.BatchSize > 10000 {
		bad("batch size %d not in 1..10000", p.BatchSize)
	}
	if p.Window < 0 || p.Window > 300*time.Second {
		bad("batching window %v not in 0..300s", p.Window)
	}
	if p.RecordBytes <= 0 || p.RecordBytes > 1<<20 {
		bad("record size %.0f not in (0, 1 MiB]", p.RecordBytes)
	}
	if p.CPUPerRecord < 0 || p.DBLatency < 0 || p.DBPerRecord < 0 || p.InvokeOverhead < 0 || p.RoundTrips < 0 || p.Incoming < 0 {
		bad("negative cost, round trips or rate")
	}
	if p.Host != nil && p.Host.Cores <= 0 {
		bad("host with %v cores", p.Host.Cores)
	}
	return errors.Join(errs...)
}

func (p Params) withDefaults() Params {
	if p.Limits == (Limits{}) {
		p.Limits = AWSLimits
	}
	if p.Prices == (Prices{}) {
		p.Prices = ARM64Prices
	}
	if p.PollInterval == 0 {
		p.PollInterval = time.Second
	}
	return p
}

// Bound names the limit that sets the sustainable rate.
type Bound string

// The bounds.
const (
	BoundFunction   Bound = "function"       // lanes × batch / batch time
	BoundReadBytes  Bound = "read 2 MB/s"    // GetRecords bytes per shard
	BoundReadCalls  Bound = "read 5 calls/s" // GetRecords calls × 10,000 records
	BoundWrite      Bound = "write limit"    // producers capped by the shards
	BoundIncoming   Bound = "incoming"       // the consumer keeps up
	BoundHostCPU    Bound = "host CPU"       // single machine: cores
	BoundHostReads  Bound = "host reads"     // single machine: the source
	BoundHostWrites Bound = "host DB writer" // single machine: one writer
)

// Result is the model's answer.
type Result struct {
	VCPU  float64 // the memory's vCPU share
	Speed float64 // how fast one invocation runs relative to one vCPU (≤ 1: single goroutine)
	// Batch is the mean batch the lanes get: full when the function is
	// behind, what arrives within the window (or poll) otherwise.
	Batch float64
	// BatchTime is one batch's service time; Billed the part Lambda bills.
	BatchTime, Billed time.Duration

	// Function is what the functions alone can consume (records/s, all
	// shards): lanes × batch / batch time, before any stream or host limit.
	Function float64
	// ReadLimit is what GetRecords can return (records/s, all shards).
	ReadLimit float64
	// Capacity is what the consumer side can sustain (records/s, all shards),
	// and CapacityBound the limit that sets it.
	Capacity      float64
	CapacityBound Bound
	// WriteLimit is what producers can put into the shards (records/s).
	WriteLimit float64
	// Sustainable = min(Capacity, WriteLimit, Incoming if set); Bound names
	// which.
	Sustainable float64
	Bound       Bound

	// Headroom against the write limits at the incoming rate (1 − used
	// share; negative means producers are throttled). Both are 1 without
	// an incoming rate.
	WriteHeadroomRecords, WriteHeadroomBytes float64

	// Utilization is incoming / capacity (0 without an incoming rate).
	Utilization float64
	// IteratorAge is the expected age of the newest record when its batch
	// finishes, when the consumer keeps up. When it cannot (Utilization ≥ 1)
	// Growing is set and AgeGrowth is the seconds of age added per second.
	IteratorAge time.Duration
	Growing     bool
	AgeGrowth   float64

	Concurrency int // concurrent invocations: shards × P

	// Cost per million records at Batch records per invocation.
	CostPerMillion        float64
	GBSecondsPerMillion   float64
	InvocationsPerMillion float64
}

// Model evaluates the capacity model.
func Model(p Params) (Result, error) {
	p = p.withDefaults()
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	var r Result
	shards, lanes := float64(p.Shards), float64(p.Parallelization)
	r.Concurrency = p.Shards * p.Parallelization
	r.VCPU = math.Min(float64(p.MemoryMB)/MBPerVCPU, MaxVCPU)
	// The handler runs one goroutine per invocation: beyond one vCPU only
	// the garbage collector gains, so an invocation is no faster.
	r.Speed = math.Min(r.VCPU, 1)
	if h := p.Host; h != nil {
		r.Speed = math.Min(1, h.Cores/float64(max(h.CPUs, 1)))
	}

	// A batch closes at BatchSize records or the 6 MB payload (base64 grows
	// records by 4/3), whichever comes first.
	full := math.Min(float64(p.BatchSize), math.Floor(p.Limits.PayloadBytes/(p.RecordBytes*4/3+200)))
	full = math.Max(full, 1)
	service := func(b float64) time.Duration {
		cpu := time.Duration(b * float64(p.CPUPerRecord) / r.Speed)
		db := time.Duration(p.RoundTrips)*p.DBLatency + time.Duration(b*float64(p.DBPerRecord))
		if h := p.Host; h != nil {
			// The store runs in the process: its CPU part slows down too.
			dbCPU := float64(h.DBCPUPerBatch) + b*float64(h.DBCPUPerRecord)
			db += time.Duration(dbCPU * (1/r.Speed - 1))
		}
		return p.InvokeOverhead + cpu + db
	}

	// Consumer capacity with full batches.
	sFull := service(full)
	r.Function = shards * lanes * full / sFull.Seconds()
	r.Capacity, r.CapacityBound = r.Function, BoundFunction
	lower := func(v float64, b Bound) {
		if v < r.Capacity {
			r.Capacity, r.CapacityBound = v, b
		}
	}
	if p.Host == nil {
		r.ReadLimit = shards * math.Min(p.Limits.ShardReadBytes/p.RecordBytes, p.Limits.ShardReads*p.Limits.RecordsPerRead)
		lower(shards*p.Limits.ShardReadBytes/p.RecordBytes, BoundReadBytes)
		lower(shards*p.Limits.ShardReads*p.Limits.RecordsPerRead, BoundReadCalls)
	}
	// A local Kinesis (kinesalite) enforces no limits, but the machine's
	// cores, its single reader and the store's single writer bind instead.
	if h := p.Host; h != nil {
		// Everything the machine does per record, on Cores CPUs; the
		// emulator's own work (InvokeOverhead) is CPU here too.
		perRecordCPU := h.HandlerCPUPerRecord.Seconds() + (h.HandlerCPUPerBatch+p.InvokeOverhead).Seconds()/full +
			h.ReadCPU.Seconds() + h.SourceCPU.Seconds()
		if perRecordCPU > 0 {
			lower(h.Cores/perRecordCPU, BoundHostCPU)
		}
		if h.SourceCPU > 0 {
			// The source's one thread, at the speed of a busy CPU.
			lower(r.Speed/h.SourceCPU.Seconds(), BoundHostReads)
		}
		if h.SerialWrites {
			perBatch := time.Duration(p.RoundTrips)*p.DBLatency + time.Duration(full*float64(p.DBPerRecord))
			lower(full/perBatch.Seconds(), BoundHostWrites)
		}
	}

	r.WriteLimit = shards * math.Min(p.Limits.ShardWriteRecords, p.Limits.ShardWriteBytes/p.RecordBytes)
	r.Sustainable, r.Bound = r.Capacity, r.CapacityBound
	if p.Host == nil && r.WriteLimit < r.Sustainable {
		r.Sustainable, r.Bound = r.WriteLimit, BoundWrite
	}
	r.WriteHeadroomRecords, r.WriteHeadroomBytes = 1, 1
	r.Batch, r.BatchTime = full, sFull
	if p.Incoming > 0 {
		if p.Incoming < r.Sustainable {
			r.Sustainable, r.Bound = p.Incoming, BoundIncoming
		}
		r.WriteHeadroomRecords = 1 - p.Incoming/(shards*p.Limits.ShardWriteRecords)
		r.WriteHeadroomBytes = 1 - p.Incoming*p.RecordBytes/(shards*p.Limits.ShardWriteBytes)
		r.Utilization = p.Incoming / r.Capacity
		arrive := math.Min(p.Incoming, r.WriteLimit)
		if p.Host != nil {
			arrive = p.Incoming
		}
		if arrive >= r.Capacity {
			r.Growing = true
			r.AgeGrowth = 1 - r.Capacity/arrive
		} else {
			// A lane's batch holds what reaches it while it gathers: for the
			// window, or until the next poll when there is none.
			perLane := arrive / (shards * lanes)
			gather := p.Window
			if gather == 0 {
				gather = p.PollInterval
			}
			b := math.Max(1, math.Min(full, perLane*gather.Seconds()))
			r.Batch, r.BatchTime = b, service(b)
			rho := arrive / r.Capacity
			// Roughly: the gathering time, the batch's own service, and a
			// queueing wait that grows as the lanes saturate (M/D/1).
			wait := time.Duration(float64(r.BatchTime) * rho / (2 * (1 - rho)))
			r.IteratorAge = gather + r.BatchTime + wait
		}
	} else {
		r.IteratorAge = p.Window + sFull
	}

	r.Billed = r.BatchTime - p.InvokeOverhead
	billedMS := math.Ceil(float64(r.Billed) / float64(time.Millisecond))
	r.InvocationsPerMillion = 1e6 / r.Batch
	r.GBSecondsPerMillion = r.InvocationsPerMillion * float64(p.MemoryMB) / 1024 * billedMS / 1000
	r.CostPerMillion = r.GBSecondsPerMillion*p.Prices.GBSecond + r.InvocationsPerMillion*p.Prices.PerRequest
	return r, nil
}
