// Package contract holds the input rules and value normalisations that every
// store implementation applies, so that they accept the same inputs and return
// values that compare equal.
package contract

import (
	"fmt"
	"strings"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
)

// FieldName checks a value that becomes part of a MongoDB field path
// (a shard id under seq_watermarks, an activity under activity_json): a dot
// would split the path and a leading $ would make it an operator.
func FieldName(kind, s string) error {
	if s == "" || strings.ContainsAny(s, ".\x00") || strings.HasPrefix(s, "$") {
		return fmt.Errorf("invalid %s %q: must be non-empty without '.', NUL or a leading '$'", kind, s)
	}
	return nil
}

// Key checks a value that identifies a document (an id or an address). The
// embedded store uses NUL as a separator in its index keys.
func Key(kind, s string) error {
	if s == "" || strings.ContainsRune(s, 0) {
		return fmt.Errorf("invalid %s %q: must be non-empty without NUL", kind, s)
	}
	return nil
}

// Time returns t as MongoDB stores it: UTC, millisecond precision, without a
// monotonic reading. The zero time stays zero.
func Time(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

// Deltas checks each delta of one ApplyUsers call and returns one error (or
// nil) per delta. A second delta for the same address and shard in one call
// is refused: its guard would depend on the order the backend applies them.
func Deltas(deltas []store.UserDelta) []error {
	type pair struct{ address, shard string }
	errs := make([]error, len(deltas))
	seen := make(map[pair]bool, len(deltas))
	for i, d := range deltas {
		if err := delta(d); err != nil {
			errs[i] = err
			continue
		}
		p := pair{d.Address, d.Shard}
		if seen[p] {
			errs[i] = fmt.Errorf("second delta for %s on %s in one call", d.Address, d.Shard)
		}
		seen[p] = true
	}
	return errs
}

func delta(d store.UserDelta) error {
	if err := Key("address", d.Address); err != nil {
		return err
	}
	if err := FieldName("shard", d.Shard); err != nil {
		return err
	}
	if d.NewSeq == "" {
		return fmt.Errorf("empty NewSeq for %s", d.Shard)
	}
	for a := range d.Activities {
		if err := FieldName("activity", a); err != nil {
			return err
		}
	}
	return nil
}

// Archive checks an archive intent and returns it normalised for storage:
// status ArchiveSigned and millisecond times.
func Archive(a store.Archive) (store.Archive, error) {
	if err := Key("archive id", a.ID); err != nil {
		return a, err
	}
	if err := Key("address", a.Address); err != nil {
		return a, err
	}
	if a.Status != "" && a.Status != store.ArchiveSigned {
		return a, fmt.Errorf("new archive %s has status %q, want %q", a.ID, a.Status, store.ArchiveSigned)
	}
	a.Status = store.ArchiveSigned
	a.CreatedAt = Time(a.CreatedAt)
	a.UpdatedAt = Time(a.UpdatedAt)
	return a, nil
}

// Status checks an archive status value.
func Status(s string) error {
	switch s {
	case store.ArchiveSigned, store.ArchiveAccepted, store.ArchiveConfirmed:
		return nil
	}
	return fmt.Errorf("unknown archive status %q", s)
}

// User fills the maps of u so that users read from any backend compare equal.
func User(u store.User) store.User {
	if u.ActivityJSON == nil {
		u.ActivityJSON = map[string]int64{}
	}
	if u.Watermarks == nil {
		u.Watermarks = map[string]string{}
	}
	return u
}
