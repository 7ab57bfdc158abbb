// Package points holds the rule that awards Kleo points. It is one small
// table so product can change the rule in one place.
//
// Kleo's rule, which the original consumer applied, awards nothing per
// history item and 12 points each time an archive of 50 of a user's items is
// accepted. The processor applies For once per item through the ledger; the
// archiver cuts archives of ArchiveItems items and applies Archive exactly
// once, with the archive's completion.
package points

import "github.com/kleo-network/kleo-stream/internal/activity"

// Rule awards points per counted history item (PerItem plus an optional
// bonus per activity) and per accepted archive of ArchiveItems items.
type Rule struct {
	PerItem      int64
	Bonus        map[activity.Activity]int64
	ArchiveItems int   // items in one archive
	PerArchive   int64 // points when an archive of ArchiveItems items is accepted
}

// Default is Kleo's rule.
//
//	per counted history item           0
//	items per archive                 50
//	per accepted archive              12
func Default() Rule { return Rule{PerItem: 0, ArchiveItems: 50, PerArchive: 12} }

// For returns the points for one counted item of activity a.
func (r Rule) For(a activity.Activity) int64 { return r.PerItem + r.Bonus[a] }

// Archive returns the points for one accepted archive.
func (r Rule) Archive() int64 { return r.PerArchive }
