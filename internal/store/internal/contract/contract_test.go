package contract

import (
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
)

func TestFieldName(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"shardId-000000000000", true},
		{"Job Hunting", true},
		{"", false},
		{"a.b", false},
		{"$inc", false},
		{"mid$dle", true},
		{"nul\x00", false},
	}
	for _, tt := range tests {
		if err := FieldName("field", tt.in); (err == nil) != tt.ok {
			t.Errorf("FieldName(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestTime(t *testing.T) {
	local := time.FixedZone("X", 3600)
	in := time.Date(2026, 1, 2, 3, 4, 5, 6_789_999, local)
	got := Time(in)
	want := time.Date(2026, 1, 2, 2, 4, 5, 6_000_000, time.UTC)
	if got != want {
		t.Errorf("Time(%v) = %v, want %v", in, got, want)
	}
	if z := Time(time.Time{}); z != (time.Time{}) {
		t.Errorf("Time(zero) = %v", z)
	}
}

func TestDeltas(t *testing.T) {
	ok := store.UserDelta{Address: "0xa", Shard: "s1", NewSeq: "1"}
	otherShard := ok
	otherShard.Shard = "s2"
	noSeq := ok
	noSeq.Address, noSeq.NewSeq = "0xb", ""
	badAct := ok
	badAct.Address, badAct.Activities = "0xc", map[string]int64{"a.b": 1}
	errs := Deltas([]store.UserDelta{ok, otherShard, ok, noSeq, badAct})
	for i, wantErr := range []bool{false, false, true, true, true} {
		if (errs[i] != nil) != wantErr {
			t.Errorf("delta %d: %v, want error=%v", i, errs[i], wantErr)
		}
	}
}
