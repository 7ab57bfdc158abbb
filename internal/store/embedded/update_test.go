package embedded

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/store"
)

func marshal(t *testing.T, d bson.D) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dec(t *testing.T, s string) bson.Decimal128 {
	t.Helper()
	d, err := bson.ParseDecimal128(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type e = bson.E

func inc(path string, v any) bson.D {
	return bson.D{{Key: "$inc", Value: bson.D{{Key: path, Value: v}}}}
}

// TestApplyUpdate compares whole documents byte for byte with what mongod
// stores for the same update: order of fields included.
func TestApplyUpdate(t *testing.T) {
	tests := []struct {
		name   string
		doc    bson.D
		update bson.D
		want   bson.D
	}{
		{"int32 stays int32", bson.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: "x"}}, inc("a", int32(2)),
			bson.D{{Key: "a", Value: int32(3)}, {Key: "b", Value: "x"}}},
		{"int32 overflow becomes int64", bson.D{{Key: "a", Value: int32(2147483647)}}, inc("a", int32(1)),
			bson.D{{Key: "a", Value: int64(2147483648)}}},
		{"int32 plus int64 is int64", bson.D{{Key: "a", Value: int32(1)}}, inc("a", int64(5_000_000_000)),
			bson.D{{Key: "a", Value: int64(5_000_000_001)}}},
		{"int64 plus int32 is int64", bson.D{{Key: "a", Value: int64(1)}}, inc("a", int32(1)),
			bson.D{{Key: "a", Value: int64(2)}}},
		{"double stays double", bson.D{{Key: "a", Value: 1.5}}, inc("a", int32(2)),
			bson.D{{Key: "a", Value: 3.5}}},
		{"decimal stays decimal", bson.D{{Key: "a", Value: dec(t, "1.50")}}, inc("a", int32(2)),
			bson.D{{Key: "a", Value: dec(t, "3.50")}}},
		{"decimal with a positive exponent", bson.D{{Key: "a", Value: dec(t, "1E+2")}}, inc("a", int32(5)),
			bson.D{{Key: "a", Value: dec(t, "105")}}},
		{"a missing field takes the increment's type", bson.D{{Key: "z", Value: true}}, inc("a", int64(7)),
			bson.D{{Key: "z", Value: true}, {Key: "a", Value: int64(7)}}},
		{"a missing parent is created as an object", bson.D{{Key: "z", Value: true}}, inc("m.a.b", int32(7)),
			bson.D{{Key: "z", Value: true}, {Key: "m", Value: bson.D{{Key: "a", Value: bson.D{{Key: "b", Value: int32(7)}}}}}}},
		{"fields in place, new fields appended in name order",
			bson.D{{Key: "k", Value: int32(1)}, {Key: "act", Value: bson.D{{Key: "TVSeries", Value: int32(1)}, {Key: "News", Value: int32(1)}}}, {Key: "tail", Value: bson.A{"x"}}},
			bson.D{
				{Key: "$inc", Value: bson.D{{Key: "act.News", Value: int32(1)}, {Key: "act.Coding", Value: int32(2)}, {Key: "act.Blogging", Value: int32(1)}, {Key: "k", Value: int32(1)}, {Key: "pii", Value: int32(1)}}},
				{Key: "$set", Value: bson.D{{Key: "ks.v", Value: int64(1)}, {Key: "ks.applied", Value: bson.A{"i"}}}},
			},
			bson.D{
				{Key: "k", Value: int32(2)},
				{Key: "act", Value: bson.D{{Key: "TVSeries", Value: int32(1)}, {Key: "News", Value: int32(2)}, {Key: "Blogging", Value: int32(1)}, {Key: "Coding", Value: int32(2)}}},
				{Key: "tail", Value: bson.A{"x"}},
				{Key: "ks", Value: bson.D{{Key: "applied", Value: bson.A{"i"}}, {Key: "v", Value: int64(1)}}},
				{Key: "pii", Value: int32(1)},
			}},
		{"$set replaces any type", bson.D{{Key: "p", Value: false}}, bson.D{{Key: "$set", Value: bson.D{{Key: "p", Value: "https://arweave.net/x"}}}},
			bson.D{{Key: "p", Value: "https://arweave.net/x"}}},
	}
	for _, tt := range tests {
		got, err := applyUpdate(marshal(t, tt.doc), tt.update)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if want := marshal(t, tt.want); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, want)
		}
	}
}

func TestApplyUpdateRejects(t *testing.T) {
	tests := []struct {
		name   string
		doc    bson.D
		update bson.D
		field  string // named in the error
		leak   string // never in the error
	}{
		{"$inc on a string", bson.D{{Key: "kleo_points", Value: "12"}}, inc("kleo_points", int32(1)), "users.kleo_points", "12"},
		{"$inc on null", bson.D{{Key: "kleo_points", Value: nil}}, inc("kleo_points", int32(1)), "users.kleo_points", ""},
		{"$inc on a boolean", bson.D{{Key: "kleo_points", Value: false}}, inc("kleo_points", int32(1)), "users.kleo_points", "false"},
		{"a path through a string", bson.D{{Key: "activity_json", Value: "oops"}}, inc("activity_json.Coding", int32(1)), "users.activity_json", "oops"},
		{"a path through an array", bson.D{{Key: "milestones", Value: bson.A{"secret"}}}, inc("milestones.data_owned", int32(1)), "users.milestones", "secret"},
		{"a deep path through a number", bson.D{{Key: "m", Value: bson.D{{Key: "a", Value: int32(41)}}}}, inc("m.a.b", int32(1)), "users.m.a", "41"},
		{"int64 overflow", bson.D{{Key: "a", Value: int64(9223372036854775807)}}, inc("a", int32(1)), "users.a", "9223372036854775807"},
		{"$set through a string", bson.D{{Key: "kleo_stream", Value: "v1"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "kleo_stream.v", Value: int64(1)}}}}, "users.kleo_stream", "v1"},
	}
	for _, tt := range tests {
		doc := marshal(t, tt.doc)
		_, err := applyUpdate(doc, tt.update)
		if !errors.Is(err, store.ErrRejected) {
			t.Errorf("%s: %v, want ErrRejected", tt.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: %q does not name %s", tt.name, err, tt.field)
		}
		if tt.leak != "" && strings.Contains(err.Error(), tt.leak) {
			t.Errorf("%s: %q quotes the stored value", tt.name, err)
		}
	}
}

func TestApplyDocument(t *testing.T) {
	got, err := applyDocument(store.Apply{Version: 3, Bytes: 5_000_000_000, Points: 0, PII: 2,
		Activities: map[string]int64{"News": 1, "Coding": 0, "Job Hunting": 2}})
	if err != nil {
		t.Fatal(err)
	}
	want := bson.D{
		{Key: "$inc", Value: bson.D{
			{Key: "total_data_quantity", Value: int64(5_000_000_000)},
			{Key: "milestones.data_owned", Value: int64(5_000_000_000)},
			{Key: "pii_removed_count", Value: int32(2)},
			{Key: "activity_json.Job Hunting", Value: int32(2)},
			{Key: "activity_json.News", Value: int32(1)},
		}},
		{Key: "$set", Value: bson.D{{Key: "kleo_stream.v", Value: int64(4)}, {Key: "kleo_stream.applied", Value: []string{}}}},
	}
	if !bytes.Equal(marshal(t, got), marshal(t, want)) {
		t.Errorf("applyDocument = %v\nwant %v", got, want)
	}
	if _, err := applyDocument(store.Apply{Activities: map[string]int64{"a.b": 1}}); !errors.Is(err, store.ErrRejected) {
		t.Errorf("an activity with a dot: %v, want ErrRejected", err)
	}
}

func TestVersionIs(t *testing.T) {
	tests := []struct {
		ks   any // kleo_stream value; nil: absent
		v    int64
		want bool
	}{
		{nil, 0, true},
		{nil, 1, false},
		{bson.D{}, 0, true},
		{bson.D{{Key: "v", Value: nil}}, 0, true},
		{bson.D{{Key: "v", Value: int64(3)}}, 3, true},
		{bson.D{{Key: "v", Value: int32(3)}}, 3, true},
		{bson.D{{Key: "v", Value: 3.0}}, 3, true},
		{bson.D{{Key: "v", Value: int64(3)}}, 2, false},
		{bson.D{{Key: "v", Value: int64(0)}}, 0, true},
		{bson.D{{Key: "v", Value: "3"}}, 3, false},
		{"v1", 0, true}, // the filter matches (the path is missing); the $set then fails
	}
	for _, tt := range tests {
		d := bson.D{{Key: "address", Value: "0x"}}
		if tt.ks != nil {
			d = append(d, e{Key: "kleo_stream", Value: tt.ks})
		}
		if got := versionIs(marshal(t, d), tt.v); got != tt.want {
			t.Errorf("kleo_stream %v, version %d: %v, want %v", tt.ks, tt.v, got, tt.want)
		}
	}
}
