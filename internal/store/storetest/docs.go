package storetest

import (
	"bytes"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ownedTop are the top-level fields of a user document the processor and
// the archiver may change (milestones and activity_json only below them).
var ownedTop = []string{"total_data_quantity", "kleo_points", "pii_removed_count", "previous_hash", "kleo_stream", "milestones", "activity_json"}

// get returns the value at path in doc and whether it exists. Nested
// documents decode as bson.D.
func get(doc bson.M, path ...string) (any, bool) {
	v, ok := doc[path[0]]
	for _, k := range path[1:] {
		if !ok {
			return nil, false
		}
		d, isDoc := v.(bson.D)
		if !isDoc {
			return nil, false
		}
		v, ok = nil, false
		for _, e := range d {
			if e.Key == k {
				v, ok = e.Value, true
				break
			}
		}
	}
	return v, ok
}

// rawValue is v as BSON bytes (type included), for byte-for-byte comparison.
func rawValue(t *testing.T, v any) []byte {
	t.Helper()
	b, err := bson.Marshal(bson.D{{Key: "v", Value: v}})
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return b
}

// wantValue checks the value and BSON type at path: an int32 must stay an
// int32, an int64 an int64, a double a double.
func wantValue(t *testing.T, doc bson.M, want any, path ...string) {
	t.Helper()
	got, ok := get(doc, path...)
	if !ok {
		t.Errorf("%v: absent, want %T %v", path, want, want)
		return
	}
	if !bytes.Equal(rawValue(t, got), rawValue(t, want)) {
		t.Errorf("%v = %T %v, want %T %v", path, got, got, want, want)
	}
}

// wantAbsent checks that path does not exist in doc.
func wantAbsent(t *testing.T, doc bson.M, path ...string) {
	t.Helper()
	if v, ok := get(doc, path...); ok {
		t.Errorf("%v = %T %v, want absent", path, v, v)
	}
}

// untouched checks that every field of after that the processor does not own
// is byte-for-byte the field of before: top-level fields other than the
// owned ones, milestones other than data_owned, and activity_json keys other
// than the activities given.
func untouched(t *testing.T, before, after bson.M, activities ...string) {
	t.Helper()
	for _, k := range unionKeys(before, after) {
		if slices.Contains(ownedTop, k) {
			continue
		}
		if !sameField(t, before, after, k) {
			t.Errorf("field %s changed: %v -> %v", k, before[k], after[k])
		}
	}
	sub := func(field string, owned []string) {
		b, bok := before[field].(bson.D)
		a, aok := after[field].(bson.D)
		if !bok || !aok {
			// Not an object before or after: then it must not have changed at all
			// unless it was absent (the update may create it).
			if _, existed := before[field]; existed && !sameField(t, before, after, field) {
				t.Errorf("field %s changed: %v -> %v", field, before[field], after[field])
			}
			return
		}
		bm, am := toM(b), toM(a)
		for _, k := range unionKeys(bm, am) {
			if slices.Contains(owned, k) {
				continue
			}
			if !sameField(t, bm, am, k) {
				t.Errorf("field %s.%s changed: %v -> %v", field, k, bm[k], am[k])
			}
		}
	}
	sub("milestones", []string{"data_owned"})
	sub("activity_json", activities)
}

func sameField(t *testing.T, a, b bson.M, k string) bool {
	av, aok := a[k]
	bv, bok := b[k]
	if aok != bok {
		return false
	}
	return !aok || bytes.Equal(rawValue(t, av), rawValue(t, bv))
}

func unionKeys(a, b bson.M) []string {
	var ks []string
	for k := range a {
		ks = append(ks, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// sameDoc reports whether two stored documents are equal field by field
// (bson.M loses the top-level order; nested order is compared).
func sameDoc(t *testing.T, a, b bson.M) bool {
	t.Helper()
	for _, k := range unionKeys(a, b) {
		if !sameField(t, a, b, k) {
			return false
		}
	}
	return true
}

func toM(d bson.D) bson.M {
	m := make(bson.M, len(d))
	for _, e := range d {
		m[e.Key] = e.Value
	}
	return m
}
