package points

import (
	"testing"

	"github.com/kleo-network/kleo-stream/internal/activity"
)

func TestRule(t *testing.T) {
	bonus := Rule{PerItem: 1, Bonus: map[activity.Activity]int64{activity.Volunteering: 4}}
	tests := []struct {
		name         string
		rule         Rule
		a            activity.Activity
		item, batch  int64
		archiveItems int
	}{
		{"Kleo's rule: nothing per item", Default(), activity.Coding, 0, 12, 50},
		{"Kleo's rule ignores activity", Default(), activity.Streaming, 0, 12, 50},
		{"bonus applies to its activity", bonus, activity.Volunteering, 5, 0, 0},
		{"bonus does not leak", bonus, activity.Gaming, 1, 0, 0},
	}
	for _, tt := range tests {
		if got := tt.rule.For(tt.a); got != tt.item {
			t.Errorf("%s: For(%s) = %d, want %d", tt.name, tt.a, got, tt.item)
		}
		if got := tt.rule.Archive(); got != tt.batch {
			t.Errorf("%s: Archive() = %d, want %d", tt.name, got, tt.batch)
		}
		if tt.rule.ArchiveItems != tt.archiveItems {
			t.Errorf("%s: ArchiveItems = %d, want %d", tt.name, tt.rule.ArchiveItems, tt.archiveItems)
		}
	}
}
