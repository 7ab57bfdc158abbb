//go:build unix

package pii

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time. The benchmarks report
// throughput per CPU second beside wall-clock throughput, because this
// machine is shared and wall time includes the time other processes ran.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
