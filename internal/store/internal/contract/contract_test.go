package contract

import (
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestFieldName(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"Coding", true},
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

func TestAddress(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", true},
		{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", false}, // EIP-55: callers pass lower case
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1bead", false},  // 39 digits
		{"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00", false},
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beagd", false},
	}
	for _, tt := range tests {
		if err := Address(tt.in); (err == nil) != tt.ok {
			t.Errorf("Address(%q) = %v, want ok=%v", tt.in, err, tt.ok)
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

func TestInt(t *testing.T) {
	for _, tt := range []struct {
		in   int64
		want any
	}{
		{0, int32(0)}, {300, int32(300)}, {1<<31 - 1, int32(1<<31 - 1)}, {1 << 31, int64(1 << 31)},
		{-1 << 31, int32(-1 << 31)}, {-1<<31 - 1, int64(-1<<31 - 1)}, {5_000_000_000, int64(5_000_000_000)},
	} {
		if got := Int(tt.in); got != tt.want {
			t.Errorf("Int(%d) = %T %v, want %T %v", tt.in, got, got, tt.want, tt.want)
		}
	}
}

func raw(t *testing.T, d bson.D) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProblem(t *testing.T) {
	for _, tt := range []struct {
		name  string
		doc   bson.D
		field string // "" for no problem
		leak  string
	}{
		{"Kleo's new user", bson.D{{Key: "kleo_points", Value: int32(0)}, {Key: "milestones", Value: bson.D{{Key: "data_owned", Value: int32(0)}}}, {Key: "activity_json", Value: bson.D{}}}, "", ""},
		{"no owned fields at all", bson.D{{Key: "address", Value: "0x1"}}, "", ""},
		{"doubles and decimals are numbers", bson.D{{Key: "kleo_points", Value: 1.5}, {Key: "total_data_quantity", Value: bson.NewDecimal128(0, 1)}}, "", ""},
		{"our own subdocument", bson.D{{Key: "kleo_stream", Value: bson.D{{Key: "v", Value: int64(3)}, {Key: "applied", Value: bson.A{"a"}}, {Key: "archive", Value: "tx"}}}}, "", ""},
		{"activity_json a string", bson.D{{Key: "activity_json", Value: "oops"}}, "activity_json", "oops"},
		{"an activity count a string", bson.D{{Key: "activity_json", Value: bson.D{{Key: "Secret Key", Value: "s3cr3t"}}}}, "activity_json", "s3cr3t"},
		{"kleo_points a string", bson.D{{Key: "kleo_points", Value: "12"}}, "kleo_points", "12"},
		{"total_data_quantity null", bson.D{{Key: "total_data_quantity", Value: nil}}, "total_data_quantity", ""},
		{"pii_removed_count a boolean", bson.D{{Key: "pii_removed_count", Value: true}}, "pii_removed_count", "true"},
		{"milestones an array", bson.D{{Key: "milestones", Value: bson.A{int32(1)}}}, "milestones", ""},
		{"data_owned a string", bson.D{{Key: "milestones", Value: bson.D{{Key: "data_owned", Value: "9"}}}}, "milestones.data_owned", "9"},
		{"kleo_stream a string", bson.D{{Key: "kleo_stream", Value: "v1"}}, "kleo_stream", "v1"},
		{"kleo_stream.v a double", bson.D{{Key: "kleo_stream", Value: bson.D{{Key: "v", Value: 1.5}}}}, "kleo_stream.v", "1.5"},
		{"kleo_stream.applied of numbers", bson.D{{Key: "kleo_stream", Value: bson.D{{Key: "applied", Value: bson.A{int32(7)}}}}}, "kleo_stream.applied", "7"},
		{"kleo_stream.v null", bson.D{{Key: "kleo_stream", Value: bson.D{{Key: "v", Value: nil}}}}, "kleo_stream.v", ""},
		{"kleo_stream.archive a number", bson.D{{Key: "kleo_stream", Value: bson.D{{Key: "archive", Value: int32(7)}}}}, "kleo_stream.archive", "7"},
	} {
		got := Problem(raw(t, tt.doc))
		switch {
		case tt.field == "" && got != "":
			t.Errorf("%s: Problem %q, want none", tt.name, got)
		case tt.field != "" && !strings.Contains(got, "users."+tt.field):
			t.Errorf("%s: Problem %q, want one naming users.%s", tt.name, got, tt.field)
		case tt.leak != "" && strings.Contains(got, tt.leak):
			t.Errorf("%s: Problem %q quotes the value %q", tt.name, got, tt.leak)
		}
	}
}

func TestUserState(t *testing.T) {
	for _, tt := range []struct {
		prev any
		want string
	}{
		{nil, ""}, {false, ""}, {"", ""}, {"default_hash", "default_hash"},
		{"https://gateway.irys.xyz/x", "https://gateway.irys.xyz/x"}, {int32(3), ""},
	} {
		u := UserState(raw(t, bson.D{{Key: "address", Value: "0xA"}, {Key: "previous_hash", Value: tt.prev}}))
		if u.PreviousHash != tt.want || u.Address != "0xA" || u.Problem != "" {
			t.Errorf("previous_hash %v: %+v, want PreviousHash %q", tt.prev, u, tt.want)
		}
	}
	u := UserState(raw(t, bson.D{{Key: "kleo_stream", Value: bson.D{
		{Key: "v", Value: int32(4)}, {Key: "applied", Value: bson.A{"a", "b"}}, {Key: "archive", Value: "tx-1"},
	}}}))
	if u.Version != 4 || strings.Join(u.Applied, ",") != "a,b" || u.LastArchive != "tx-1" {
		t.Errorf("kleo_stream read as %+v", u)
	}
	if u := UserState(raw(t, bson.D{{Key: "previous_hash", Value: "x"}})); u.Version != 0 || u.Applied != nil || u.LastArchive != "" {
		t.Errorf("no kleo_stream read as %+v", u)
	}
}
