package points

import (
	"testing"

	"github.com/kleo-network/kleo-stream/internal/activity"
)

func TestRule(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
		a    activity.Activity
		want int64
	}{
		{"default is one per item", Default(), activity.Coding, 1},
		{"default ignores activity", Default(), activity.Streaming, 1},
		{"bonus applies to its activity", Rule{Base: 1, Bonus: map[activity.Activity]int64{activity.Volunteering: 4}}, activity.Volunteering, 5},
		{"bonus does not leak", Rule{Base: 1, Bonus: map[activity.Activity]int64{activity.Volunteering: 4}}, activity.Gaming, 1},
	}
	for _, tt := range tests {
		if got := tt.rule.For(tt.a); got != tt.want {
			t.Errorf("%s: For(%s) = %d, want %d", tt.name, tt.a, got, tt.want)
		}
	}
}
