package esm

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig is wrapped by every error Config.Validate returns.
var ErrInvalidConfig = errors.New("esm: invalid configuration")

// Limits of a Kinesis event source mapping and of a synchronous invocation, as
// AWS documents them.
const (
	MaxBatchSize             = 10000
	MaxBatchingWindow        = 300 * time.Second
	MaxParallelizationFactor = 10
	MaxRetryAttempts         = 10000
	MinRecordAge             = 60 * time.Second
	MaxRecordAge             = 604800 * time.Second
	MaxFunctionTimeout       = 900 * time.Second
	// MaxPayloadBytes is the synchronous invocation request limit (6 MB).
	// A batch is closed before its JSON event would exceed it.
	MaxPayloadBytes = 6 << 20
)

// Config holds the settings of one event source mapping and the function
// timeout, named as in template.yaml. Negative MaximumRetryAttempts or
// MaximumRecordAge mean infinite, as -1 does in AWS.
type Config struct {
	BatchSize                  int           // 1..10000
	MaximumBatchingWindow      time.Duration // 0..300s
	ParallelizationFactor      int           // 1..10
	BisectBatchOnFunctionError bool
	MaximumRetryAttempts       int           // -1 (infinite) .. 10000
	MaximumRecordAge           time.Duration // -1 (infinite), or 60s..604800s
	// FunctionTimeout is the deadline of each invocation's context. AWS allows
	// 1s..900s; values below a second are accepted so tests can expire
	// deadlines quickly.
	FunctionTimeout time.Duration
	// ReportBatchItemFailures is FunctionResponseTypes: [ReportBatchItemFailures].
	ReportBatchItemFailures bool
}

// DefaultConfig returns the settings template.yaml deploys by default. (AWS's
// own defaults differ: no batching window, no bisection, infinite retries and
// record age, a 3s timeout and no partial batch responses.)
func DefaultConfig() Config {
	return Config{
		BatchSize:                  100,
		MaximumBatchingWindow:      time.Second,
		ParallelizationFactor:      1,
		BisectBatchOnFunctionError: true,
		MaximumRetryAttempts:       50,
		MaximumRecordAge:           86400 * time.Second,
		FunctionTimeout:            60 * time.Second,
		ReportBatchItemFailures:    true,
	}
}

// Validate reports every setting outside the range AWS accepts. The error
// wraps ErrInvalidConfig.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if c.BatchSize < 1 || c.BatchSize > MaxBatchSize {
		bad("BatchSize %d not in 1..%d", c.BatchSize, MaxBatchSize)
	}
	if c.MaximumBatchingWindow < 0 || c.MaximumBatchingWindow > MaxBatchingWindow {
		bad("MaximumBatchingWindow %v not in 0..%v", c.MaximumBatchingWindow, MaxBatchingWindow)
	}
	if c.ParallelizationFactor < 1 || c.ParallelizationFactor > MaxParallelizationFactor {
		bad("ParallelizationFactor %d not in 1..%d", c.ParallelizationFactor, MaxParallelizationFactor)
	}
	if c.MaximumRetryAttempts < -1 || c.MaximumRetryAttempts > MaxRetryAttempts {
		bad("MaximumRetryAttempts %d not in -1..%d", c.MaximumRetryAttempts, MaxRetryAttempts)
	}
	if c.MaximumRecordAge >= 0 && (c.MaximumRecordAge < MinRecordAge || c.MaximumRecordAge > MaxRecordAge) {
		bad("MaximumRecordAge %v is neither -1 nor in %v..%v", c.MaximumRecordAge, MinRecordAge, MaxRecordAge)
	}
	if c.FunctionTimeout <= 0 || c.FunctionTimeout > MaxFunctionTimeout {
		bad("FunctionTimeout %v not in (0, %v]", c.FunctionTimeout, MaxFunctionTimeout)
	}
	return errors.Join(errs...)
}

// retriesExhausted reports whether a batch that has already been retried
// attempts times may not be retried again.
func (c Config) retriesExhausted(attempts int) bool {
	return c.MaximumRetryAttempts >= 0 && attempts >= c.MaximumRetryAttempts
}
