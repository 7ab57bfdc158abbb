// Package faultinject breaks the processor's surroundings on purpose — the
// database, the network to it, the invocation deadline, the process itself —
// in seeded, reproducible ways, so tests can prove the books stay exact.
//
// Decisions are a hash of the seed, the operation and what it is applied to
// (the first record of a write, and how often that write was seen), never a
// shared random stream, so a scenario injects the same faults whatever order
// concurrent shards and lanes run in.
package faultinject

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/kleo-network/kleo-stream/internal/store"
)

// Fault is what happens to one store call.
type Fault int

const (
	None    Fault = iota
	Before        // fails before anything is written
	During        // writes a prefix of the call's documents, then fails
	After         // writes everything, then fails (the reply was lost)
	Timeout       // fails with context.DeadlineExceeded before writing
	Kill          // writes a prefix, then the process dies (see Store.OnKill)
)

func (f Fault) String() string {
	return [...]string{"none", "before", "during", "after", "timeout", "kill"}[f]
}

// ErrInjected is wrapped by every injected failure.
var ErrInjected = errors.New("faultinject: injected failure")

// Decider makes seeded decisions keyed by what they apply to.
type Decider struct {
	seed uint64
	mu   sync.Mutex
	seen map[string]int
}

// NewDecider returns a Decider for seed.
func NewDecider(seed int64) *Decider {
	return &Decider{seed: uint64(seed), seen: map[string]int{}}
}

// Uniform returns a number in [0,1) determined by the seed, key and how many
// times key was asked before.
func (d *Decider) Uniform(key string) float64 {
	d.mu.Lock()
	n := d.seen[key]
	d.seen[key] = n + 1
	d.mu.Unlock()
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], d.seed)
	binary.LittleEndian.PutUint64(b[8:], uint64(n))
	h.Write(b[:])
	h.Write([]byte(key))
	// Mix the FNV state so nearby keys do not give nearby numbers.
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return float64(x>>11) / (1 << 53)
}

// Store wraps a store.Store and injects faults into the processor's path
// (Users, Ledger, Apply, PutDeadLetters) at Rate, spread over the kinds in
// Kinds. Reads used by reports (Dump, Entries, DeadLetters) are never broken.
type Store struct {
	store.Store
	Decider *Decider
	Rate    float64
	Kinds   []Fault
	// OnKill is called when a Kill fault fires, after the partial write:
	// it should end the "process" (cancel the mapping's context).
	OnKill func()

	mu       sync.Mutex
	injected map[Fault]int
}

// Injected returns how many faults of each kind fired.
func (s *Store) Injected() map[Fault]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[Fault]int, len(s.injected))
	for k, v := range s.injected {
		out[k] = v
	}
	return out
}

func (s *Store) decide(op, key string) Fault {
	if s.Rate <= 0 || len(s.Kinds) == 0 {
		return None
	}
	u := s.Decider.Uniform(op + "|" + key)
	if u >= s.Rate {
		return None
	}
	f := s.Kinds[int(u/s.Rate*float64(len(s.Kinds)))%len(s.Kinds)]
	s.mu.Lock()
	if s.injected == nil {
		s.injected = map[Fault]int{}
	}
	s.injected[f]++
	s.mu.Unlock()
	return f
}

func (s *Store) fail(f Fault, op string) error {
	if f == Timeout {
		return fmt.Errorf("%w: %s: %w", ErrInjected, op, context.DeadlineExceeded)
	}
	if f == Kill && s.OnKill != nil {
		s.OnKill()
	}
	return fmt.Errorf("%w: %s (%s): %w", ErrInjected, op, f, store.ErrUnavailable)
}

// Users implements store.Store. A read has no partial effect: During and
// Kill read, then fail.
func (s *Store) Users(ctx context.Context, addresses []string) (map[string]store.UserState, error) {
	key := ""
	if len(addresses) > 0 {
		key = addresses[0]
	}
	switch f := s.decide("users", key); f {
	case None:
		return s.Store.Users(ctx, addresses)
	case After, During, Kill:
		if _, err := s.Store.Users(ctx, addresses); err != nil {
			return nil, err
		}
		return nil, s.fail(f, "users")
	default:
		return nil, s.fail(f, "users")
	}
}

// Ledger implements store.Store. During writes the first half of the
// entries and marks the first half of the counted ids.
func (s *Store) Ledger(ctx context.Context, entries []store.Entry, counted []string) (map[string]store.Entry, error) {
	if len(entries) == 0 {
		return s.Store.Ledger(ctx, entries, counted)
	}
	f := s.decide("ledger", entries[0].Shard+entries[0].Seq)
	type call struct {
		entries []store.Entry
		counted []string
	}
	var docs []call
	if f == During || f == Kill {
		docs = []call{{entries[:len(entries)/2], counted[:len(counted)/2]}, {entries[len(entries)/2:], counted[len(counted)/2:]}}
	} else {
		docs = []call{{entries, counted}}
	}
	return writeWith(ctx, s, f, "ledger", docs, func(ctx context.Context, cs []call) (map[string]store.Entry, error) {
		out := map[string]store.Entry{}
		for _, c := range cs {
			m, err := s.Store.Ledger(ctx, c.entries, c.counted)
			if err != nil {
				return nil, err
			}
			for k, v := range m {
				out[k] = v
			}
		}
		return out, nil
	})
}

// Apply implements store.Store.
func (s *Store) Apply(ctx context.Context, ups []store.Apply) ([]error, error) {
	if len(ups) == 0 {
		return s.Store.Apply(ctx, ups)
	}
	key := ups[0].UserID
	if len(ups[0].Applied) > 0 {
		key += ups[0].Applied[0]
	}
	f := s.decide("apply", key)
	return writeWith(ctx, s, f, "apply", ups, s.Store.Apply)
}

// PutDeadLetters implements store.Store.
func (s *Store) PutDeadLetters(ctx context.Context, dls []store.DeadLetter) error {
	if len(dls) == 0 {
		return s.Store.PutDeadLetters(ctx, dls)
	}
	f := s.decide("dead_letters", dls[0].ID)
	_, err := writeWith(ctx, s, f, "dead_letters", dls, func(ctx context.Context, d []store.DeadLetter) (struct{}, error) {
		return struct{}{}, s.Store.PutDeadLetters(ctx, d)
	})
	return err
}

// writeWith runs one write under fault f: nothing, a prefix, or all of it
// is written before the failure.
func writeWith[T, R any](ctx context.Context, s *Store, f Fault, op string, docs []T, write func(context.Context, []T) (R, error)) (R, error) {
	var zero R
	switch f {
	case None:
		return write(ctx, docs)
	case Before, Timeout:
		return zero, s.fail(f, op)
	case During, Kill:
		if n := len(docs) / 2; n > 0 {
			if _, err := write(ctx, docs[:n]); err != nil {
				return zero, err
			}
		}
		return zero, s.fail(f, op)
	case After:
		if _, err := write(ctx, docs); err != nil {
			return zero, err
		}
		return zero, s.fail(f, op)
	}
	return zero, fmt.Errorf("faultinject: unknown fault %d", f)
}
