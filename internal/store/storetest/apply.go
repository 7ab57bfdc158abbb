package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
)

var applyCases = []testCase{
	{name: "ApplyCountsKleoFields", fn: testApplyCounts},
	{name: "ApplyKeepsTypes", fn: testApplyTypes},
	{name: "ApplyGuard", fn: testApplyGuard},
	{name: "ApplyRejected", fn: testApplyRejected},
	{name: "ApplyInvalidActivity", fn: testApplyInvalidActivity},
	{name: "ApplyClearsApplied", fn: testApplyClearsApplied},
	{name: "ApplyAndArchiveShareKleoStream", fn: testKleoStreamShared},
}

func testApplyCounts(t *testing.T, s Store) {
	seedKleo(t, s)
	u := user(t, s, addrEIP55)
	before := userDoc(t, s, addrEIP55)
	mustApply(t, s, store.Apply{
		UserID: u.ID, Version: u.Version, Applied: histEIP55[:2],
		Bytes: 300, PII: 2, Activities: map[string]int64{"Coding": 2, "Job Hunting": 1},
	})
	after := userDoc(t, s, addrEIP55)
	wantValue(t, after, int32(300), "total_data_quantity")
	wantValue(t, after, int32(300), "milestones", "data_owned")
	wantValue(t, after, int32(2), "activity_json", "Coding")
	wantValue(t, after, int32(1), "activity_json", "Job Hunting")
	wantValue(t, after, int32(2), "pii_removed_count")
	wantValue(t, after, int32(0), "kleo_points")
	wantValue(t, after, "default_hash", "previous_hash")
	untouched(t, before, after, "Coding", "Job Hunting")

	got := user(t, s, addrEIP55)
	if got.Version != 1 || !slices.Equal(got.Applied, histEIP55[:2]) || got.ID != u.ID || got.Problem != "" {
		t.Errorf("after Apply: %+v, want Version 1, Applied %v", got, histEIP55[:2])
	}
}

func testApplyTypes(t *testing.T, s Store) {
	seedKleo(t, s)
	type want struct {
		path []string
		v    any
	}
	for _, tc := range []struct {
		name string
		addr string
		a    store.Apply
		want []want
	}{
		{
			name: "int64 counters stay int64, an int32 activity stays int32, legacy keys stay",
			addr: addrLegacy,
			a:    store.Apply{Bytes: 300, Activities: map[string]int64{"Coding": 1}},
			want: []want{
				{[]string{"total_data_quantity"}, int64(5_000_000_300)},
				{[]string{"milestones", "data_owned"}, int64(5_000_000_300)},
				{[]string{"activity_json", "Coding"}, int32(6)},
				{[]string{"activity_json", "JobHunting"}, int32(3)},
				{[]string{"activity_json", "TVSeries"}, int32(1)},
				{[]string{"kleo_points"}, int64(144)},
			},
		},
		{
			name: "doubles stay doubles",
			addr: addrDouble,
			a:    store.Apply{Bytes: 300, Points: 1},
			want: []want{
				{[]string{"total_data_quantity"}, 1324.5},
				{[]string{"milestones", "data_owned"}, 1324.5},
				{[]string{"kleo_points"}, 25.0},
			},
		},
		{
			name: "int32 that overflows becomes int64",
			addr: addrNearMax,
			a:    store.Apply{Bytes: 1000, Points: 12, Activities: map[string]int64{"Coding": 1}},
			want: []want{
				{[]string{"total_data_quantity"}, int64(2_147_484_000)},
				{[]string{"milestones", "data_owned"}, int64(2_147_484_000)},
				{[]string{"kleo_points"}, int64(2_147_483_652)},
				{[]string{"activity_json", "Coding"}, int64(2_147_483_648)},
			},
		},
		{
			name: "missing fields are created, int32 plus an int64 increment is int64",
			addr: addrNoActivity,
			a:    store.Apply{Bytes: 3_000_000_000, PII: 1, Activities: map[string]int64{"News": 1}},
			want: []want{
				{[]string{"total_data_quantity"}, int64(3_000_000_000)},
				{[]string{"milestones", "data_owned"}, int64(3_000_000_000)},
				{[]string{"activity_json", "News"}, int32(1)},
				{[]string{"pii_removed_count"}, int32(1)},
			},
		},
		{
			name: "int64 plus int32 stays int64",
			addr: addrFalseHash,
			a:    store.Apply{Points: 5, Bytes: 1, Activities: map[string]int64{"News": 3}},
			want: []want{
				{[]string{"kleo_points"}, int64(17)},
				{[]string{"total_data_quantity"}, int32(2049)},
				{[]string{"activity_json", "News"}, int32(5)},
				{[]string{"previous_hash"}, false},
			},
		},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			u := user(t, s, tc.addr)
			before := userDoc(t, s, tc.addr)
			tc.a.UserID, tc.a.Version = u.ID, u.Version
			mustApply(t, s, tc.a)
			after := userDoc(t, s, tc.addr)
			for _, w := range tc.want {
				wantValue(t, after, w.v, w.path...)
			}
			var acts []string
			for a := range tc.a.Activities {
				acts = append(acts, a)
			}
			untouched(t, before, after, acts...)
			if t.Failed() {
				t.Logf("case: %s", tc.name)
			}
		})
	}
	wantAbsent(t, userDoc(t, s, addrLegacy), "pii_removed_count")
}

func testApplyGuard(t *testing.T, s Store) {
	seedKleo(t, s)
	u := user(t, s, addrEIP55)
	a := store.Apply{UserID: u.ID, Version: u.Version, Applied: histEIP55[:1], Bytes: 100, Activities: map[string]int64{"Coding": 1}}
	mustApply(t, s, a)
	afterFirst := userDoc(t, s, addrEIP55)

	// The same update again (a retry that read version 0), and one with a
	// version never stored: both must fail the guard and change nothing.
	stale := a
	stale.Applied = histEIP55[1:2]
	future := a
	future.Version = 7
	for i, err := range apply(t, s, stale, future) {
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("update %d with a stale version: %v, want ErrConflict", i, err)
		}
	}
	if !sameDoc(t, afterFirst, userDoc(t, s, addrEIP55)) {
		t.Errorf("a failed guard changed the document")
	}
	wantValue(t, userDoc(t, s, addrEIP55), int32(100), "total_data_quantity")
	if got := user(t, s, addrEIP55); got.Version != 1 || !slices.Equal(got.Applied, histEIP55[:1]) {
		t.Errorf("after conflicts: Version %d Applied %v, want 1 %v", got.Version, got.Applied, histEIP55[:1])
	}

	// Two updates of one user in one call read the same version: the first
	// wins, the second conflicts.
	l := user(t, s, addrLegacy)
	errs := apply(t, s,
		store.Apply{UserID: l.ID, Version: l.Version, Applied: histLegacy[:1], Bytes: 10},
		store.Apply{UserID: l.ID, Version: l.Version, Applied: histLegacy[1:], Bytes: 20},
	)
	if errs[0] != nil || !errors.Is(errs[1], store.ErrConflict) {
		t.Errorf("two updates from one version: %v, want [nil ErrConflict]", errs)
	}
	wantValue(t, userDoc(t, s, addrLegacy), int64(5_000_000_010), "total_data_quantity")

	// With the new version, the next update applies.
	next := a
	next.Version, next.Applied = 1, histEIP55[1:2]
	mustApply(t, s, next)
	wantValue(t, userDoc(t, s, addrEIP55), int32(200), "total_data_quantity")
	if got := user(t, s, addrEIP55).Version; got != 2 {
		t.Errorf("Version = %d, want 2", got)
	}
}

func testApplyRejected(t *testing.T, s Store) {
	seedKleo(t, s)
	got := users(t, s, addrBadActivity, addrBadPoints, addrBadShape, addrEIP55)
	before := userDocs(t, s)
	errs := apply(t, s,
		store.Apply{UserID: got[addrBadActivity].ID, Bytes: 10, Activities: map[string]int64{"Coding": 1}},
		store.Apply{UserID: got[addrBadPoints].ID, Bytes: 10, Points: 12},
		store.Apply{UserID: got[addrBadShape].ID, Bytes: 10},
		store.Apply{UserID: got[addrEIP55].ID, Bytes: 10, Applied: histEIP55[:1]},
	)
	for i, leak := range []string{"oops", `"12"`, "none"} {
		if !errors.Is(errs[i], store.ErrRejected) {
			t.Errorf("update %d on a malformed document: %v, want ErrRejected", i, errs[i])
			continue
		}
		if errors.Is(errs[i], store.ErrConflict) || errors.Is(errs[i], store.ErrUnavailable) {
			t.Errorf("update %d: %v is also a conflict or unavailable", i, errs[i])
		}
		if strings.Contains(errs[i].Error(), leak) {
			t.Errorf("update %d: error %q quotes the stored value", i, errs[i])
		}
	}
	if errs[3] != nil {
		t.Errorf("a good update beside rejected ones: %v", errs[3])
	}
	after := userDocs(t, s)
	for _, addr := range []string{addrBadActivity, addrBadPoints, addrBadShape} {
		if id := userIDs[addr]; !sameDoc(t, before[id], after[id]) {
			t.Errorf("rejected update changed %s: %v -> %v", addr, before[id], after[id])
		}
	}
	wantValue(t, after[userIDs[addrEIP55]], int32(10), "total_data_quantity")
}

func testApplyInvalidActivity(t *testing.T, s Store) {
	seedKleo(t, s)
	u := user(t, s, addrEIP55)
	before := userDoc(t, s, addrEIP55)
	for _, name := range []string{"a.b", "$inc", ""} {
		errs := apply(t, s, store.Apply{UserID: u.ID, Version: u.Version, Bytes: 1, Activities: map[string]int64{name: 1}})
		if !errors.Is(errs[0], store.ErrRejected) {
			t.Errorf("activity %q: %v, want ErrRejected", name, errs[0])
		}
	}
	if !sameDoc(t, before, userDoc(t, s, addrEIP55)) {
		t.Errorf("a refused update changed the document")
	}
}

func testApplyClearsApplied(t *testing.T, s Store) {
	seedKleo(t, s)
	u := user(t, s, addrEIP55)
	mustApply(t, s, store.Apply{UserID: u.ID, Version: 0, Applied: histEIP55[:2], Bytes: 10, Activities: map[string]int64{"Coding": 2}})
	before := userDoc(t, s, addrEIP55)
	// Nothing to add, only the applied list to clear: a valid update.
	mustApply(t, s, store.Apply{UserID: u.ID, Version: 1})
	got := user(t, s, addrEIP55)
	if got.Version != 2 || len(got.Applied) != 0 {
		t.Errorf("after clearing: Version %d Applied %v, want 2 []", got.Version, got.Applied)
	}
	after := userDoc(t, s, addrEIP55)
	for _, f := range []string{"total_data_quantity", "kleo_points", "previous_hash", "activity_json", "milestones"} {
		if !sameField(t, before, after, f) {
			t.Errorf("clearing applied changed %s: %v -> %v", f, before[f], after[f])
		}
	}
	untouched(t, before, after)
}

// testKleoStreamShared checks that Apply and CompleteArchive each change only
// their own fields of kleo_stream: a store that $set the whole subdocument
// would lose the other's.
func testKleoStreamShared(t *testing.T, s Store) {
	seedKleo(t, s)
	u := user(t, s, addrEIP55)
	a1 := archive("tx-1", addrEIP55, "", "default_hash", 12, nil, t0)
	putArchive(t, s, a1)
	if err := complete(t, s, u.ID, a1, t0); err != nil {
		t.Fatalf("CompleteArchive: %v", err)
	}
	if got := user(t, s, addrEIP55); got.Version != 0 || got.LastArchive != "tx-1" {
		t.Fatalf("after the first archive: %+v, want Version 0, LastArchive tx-1", got)
	}
	mustApply(t, s, store.Apply{UserID: u.ID, Version: 0, Applied: histEIP55[:2], Bytes: 9})
	if got := user(t, s, addrEIP55); got.Version != 1 || got.LastArchive != "tx-1" || !slices.Equal(got.Applied, histEIP55[:2]) {
		t.Fatalf("after Apply: %+v, want Version 1, LastArchive tx-1", got)
	}
	a2 := archive("tx-2", addrEIP55, "tx-1", a1.URL, 12, nil, t0.Add(time.Hour))
	putArchive(t, s, a2)
	if err := complete(t, s, u.ID, a2, t0.Add(time.Hour)); err != nil {
		t.Fatalf("CompleteArchive: %v", err)
	}
	if got := user(t, s, addrEIP55); got.Version != 1 || got.LastArchive != "tx-2" || !slices.Equal(got.Applied, histEIP55[:2]) {
		t.Errorf("after the second archive: %+v, want Version 1, Applied kept, LastArchive tx-2", got)
	}
	doc := userDoc(t, s, addrEIP55)
	wantValue(t, doc, int32(24), "kleo_points")
	wantValue(t, doc, int32(9), "total_data_quantity")
}
