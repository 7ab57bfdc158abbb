// Package points holds the rule that awards Kleo points. It is one small
// table so product can change the rule in one place.
//
// Kleo's rule, which the original consumer applied, awards nothing per
// history item and 12 points each time an archive of a user's 50 items is
// accepted; the archiver applies PerArchive exactly once with the archive's
// completion, the processor PerItem (and any bonus) once per item through
// the ledger.
package points

import "github.com/kleo-network/kleo-stream/internal/activity"

// Rule awards points per counted history item (PerItem plus an optional
// bonus per activity) and per accepted archive.
type Rule struct {
	PerItem    int64
	Bonus      map[activity.Activity]int64
	PerArchive int64
}

// Default is Kleo's rule: 0 per item, 12 per accepted 50-item archive.
func Default() Rule { return Rule{PerArchive: 12} }

// For returns the points for one counted item of activity a.
func (r Rule) For(a activity.Activity) int64 { return r.PerItem + r.Bonus[a] }

// Archive returns the points for one accepted archive.
func (r Rule) Archive() int64 { return r.PerArchive }
