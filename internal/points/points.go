// Package points holds the rule that awards Kleo points for processed history
// items. It is one small table so product can change the rule in one place.
package points

import "github.com/kleo-network/kleo-stream/internal/activity"

// Rule awards points per accepted history item: Base for every item, plus an
// optional bonus per activity.
type Rule struct {
	Base  int64
	Bonus map[activity.Activity]int64
}

// Default is today's rule: one point for every accepted item.
func Default() Rule { return Rule{Base: 1} }

// For returns the points for one accepted item of activity a.
func (r Rule) For(a activity.Activity) int64 { return r.Base + r.Bonus[a] }
