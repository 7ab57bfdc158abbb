package bench

import (
	"context"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/processor"
)

// probe is a fixed piece of the handler's own work — two batches of 100
// mid-sized records with a store that costs nothing — used to gauge how
// much CPU the machine offers at a given moment, in units of what it
// offered when a profile was measured. Using the handler rather than a
// synthetic loop makes the gauge see what the handler sees: other
// processes, and the caches and memory bandwidth the cores share.
type probe struct {
	proc   *processor.Processor
	events []events.KinesisEvent
}

func newProbe(s processor.Scrubber, c classify.Classifier) (*probe, error) {
	recs, _, err := generate(gen.Config{Users: 20, ItemsPerUser: 10, Seed: 99, PIIRate: piiRate, SummaryMin: 2000, SummaryMax: 8000})
	if err != nil {
		return nil, err
	}
	p := &probe{proc: processor.New(nullStore{}, s, c, processor.Options{})}
	for i := 0; i < len(recs); i += cpuBatch {
		p.events = append(p.events, gen.KinesisEvent(gen.Source{Shard: gen.ShardID(0)}, uint64(i), time.Now(), recs[i:min(i+cpuBatch, len(recs))]))
	}
	return p, nil
}

func (p *probe) work() {
	for _, ev := range p.events {
		p.proc.Handle(context.Background(), ev)
	}
}

// single times the work on one thread, median of seven.
func (p *probe) single() time.Duration {
	p.work() // warm up
	var ts []time.Duration
	for range 7 {
		t := time.Now()
		p.work()
		ts = append(ts, time.Since(t))
	}
	return median(ts)
}

// freeCores is how many CPUs as fast as one was when single() returned ref
// the machine offers now: every CPU runs the work at once, and each counts
// for ref over the time it took. Median of five.
func (p *probe) freeCores(ref time.Duration) float64 {
	n := runtime.NumCPU()
	var est []float64
	for range 5 {
		t := time.Now()
		var wg sync.WaitGroup
		for range n {
			wg.Go(p.work)
		}
		wg.Wait()
		est = append(est, float64(n)*ref.Seconds()/time.Since(t).Seconds())
	}
	return median(est)
}

// processCPU is the CPU time (user + system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
