package esm

import (
	"context"
	"time"
)

// Clock is the emulator's source of time: record arrival and age, batching
// windows, polling and function deadlines all read it, so a test can drive
// them without sleeping. github.com/jonboulle/clockwork's FakeClock satisfies
// it; nil means the system clock.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

func clockOrSystem(c Clock) Clock {
	if c == nil {
		return systemClock{}
	}
	return c
}

// withDeadline returns a context that expires at deadline as measured by clk.
// On the system clock it is context.WithDeadline. On another clock it reports
// the same Deadline and, once clk passes it, Err context.DeadlineExceeded;
// contexts derived from it then report context.Canceled with that cause
// (context.Cause), as the standard library cannot time them on a fake clock.
func withDeadline(parent context.Context, clk Clock, deadline time.Time) (context.Context, context.CancelFunc) {
	if _, ok := clk.(systemClock); ok {
		return context.WithDeadline(parent, deadline)
	}
	if pd, ok := parent.Deadline(); ok && pd.Before(deadline) {
		deadline = pd
	}
	inner, cancel := context.WithCancelCause(parent)
	fired := clk.After(deadline.Sub(clk.Now()))
	go func() {
		select {
		case <-fired:
			cancel(context.DeadlineExceeded)
		case <-inner.Done():
		}
	}()
	return &clockDeadlineCtx{Context: inner, deadline: deadline}, func() { cancel(context.Canceled) }
}

type clockDeadlineCtx struct {
	context.Context
	deadline time.Time
}

func (c *clockDeadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *clockDeadlineCtx) Err() error {
	err := c.Context.Err()
	if err != nil && context.Cause(c.Context) == context.DeadlineExceeded {
		return context.DeadlineExceeded
	}
	return err
}
