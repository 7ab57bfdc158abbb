package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
)

var archiveCases = []testCase{
	{name: "UsersToArchive", fn: testUsersToArchive},
	{name: "OldestUnarchived", fn: testOldestUnarchived},
	{name: "Leases", fn: testLeases},
	{name: "PutArchiveIdempotent", fn: testPutArchive},
	{name: "CompleteArchive", fn: testCompleteArchive},
	{name: "CompleteArchivePreviousHashForms", fn: testCompleteArchiveForms},
	{name: "ArchiveStatus", fn: testArchiveStatus},
}

// seedLedger stores ledger entries for the archive cases: for addrEIP55
// three Counted (two with the same visit time) and one Pending, for
// addrLegacy two Counted, for addrNoActivity one Pending.
func seedLedger(t *testing.T, s Store) {
	t.Helper()
	es := []store.Entry{
		entry(histEIP55[0], addrEIP55, 100, "Coding", 3000),
		entry(histEIP55[1], addrEIP55, 200, "Job Hunting", 1000),
		entry(histEIP55[2], addrEIP55, 300, "News", 3000),
		entry(histEIP55[3], addrEIP55, 400, "Coding", 500),
		entry(histLegacy[0], addrLegacy, 10, "TV Series", 10),
		entry(histLegacy[1], addrLegacy, 20, "Job Hunting", 20),
		entry(histNoActivity[0], addrNoActivity, 30, "Cooking", 30),
	}
	ledger(t, s, es, nil)
	ledger(t, s, nil, []string{histEIP55[0], histEIP55[1], histEIP55[2], histLegacy[0], histLegacy[1]})
}

func toArchive(t *testing.T, s Store, minItems, limit int) []string {
	t.Helper()
	got, err := s.UsersToArchive(t.Context(), minItems, limit)
	if err != nil {
		t.Fatalf("UsersToArchive: %v", err)
	}
	return got
}

func oldest(t *testing.T, s Store, addr string, n int) []string {
	t.Helper()
	es, err := s.OldestUnarchived(t.Context(), addr, n)
	if err != nil {
		t.Fatalf("OldestUnarchived: %v", err)
	}
	var ids []string
	for _, e := range es {
		if e.Address != addr || e.State != store.Counted || e.ArchiveTx != "" {
			t.Errorf("OldestUnarchived(%s) returned %+v", addr, e)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func testUsersToArchive(t *testing.T, s Store) {
	seedKleo(t, s)
	seedLedger(t, s)
	for _, tc := range []struct {
		min, limit int
		want       []string
	}{
		{4, 10, []string{addrEIP55}}, // Pending entries count: they are unarchived
		{5, 10, nil},
		{2, 10, []string{addrEIP55, addrLegacy}},
		{1, 10, []string{addrEIP55, addrLegacy, addrNoActivity}},
	} {
		got := toArchive(t, s, tc.min, tc.limit)
		if !slices.Equal(sortedCopy(got), sortedCopy(tc.want)) {
			t.Errorf("UsersToArchive(%d, %d) = %v, want %v in any order", tc.min, tc.limit, got, tc.want)
		}
		if again := toArchive(t, s, tc.min, tc.limit); !slices.Equal(again, got) {
			t.Errorf("UsersToArchive(%d, %d): order not stable: %v then %v", tc.min, tc.limit, got, again)
		}
	}
	if got := toArchive(t, s, 1, 2); len(got) != 2 {
		t.Errorf("UsersToArchive(1, 2) = %v, want 2 users", got)
	}
	// Archived entries no longer count.
	u := user(t, s, addrEIP55)
	a := store.Archive{ID: "tx-a", Address: addrEIP55, PreviousHash: "default_hash", URL: "https://arweave.net/tx-a",
		ItemIDs: histEIP55[:3], CreatedAt: t0}
	putArchive(t, s, a)
	if err := s.CompleteArchive(t.Context(), u.ID, a, t0); err != nil {
		t.Fatalf("CompleteArchive: %v", err)
	}
	if got := toArchive(t, s, 2, 10); !slices.Equal(got, []string{addrLegacy}) {
		t.Errorf("after archiving: UsersToArchive(2, 10) = %v, want [%s]", got, addrLegacy)
	}
}

func testOldestUnarchived(t *testing.T, s Store) {
	seedKleo(t, s)
	seedLedger(t, s)
	// By visit time, then id; the Pending entry is not archivable yet.
	want := []string{histEIP55[1], histEIP55[0], histEIP55[2]}
	if got := oldest(t, s, addrEIP55, 10); !slices.Equal(got, want) {
		t.Errorf("OldestUnarchived = %v, want %v", got, want)
	}
	if got := oldest(t, s, addrEIP55, 2); !slices.Equal(got, want[:2]) {
		t.Errorf("OldestUnarchived(2) = %v, want %v", got, want[:2])
	}
	if got := oldest(t, s, addrNoActivity, 10); len(got) != 0 {
		t.Errorf("OldestUnarchived of a user with only Pending entries = %v", got)
	}
	if got := oldest(t, s, addrUnknown, 10); len(got) != 0 {
		t.Errorf("OldestUnarchived of a user without entries = %v", got)
	}
}

func lease(t *testing.T, s Store, addr, owner string, now, until time.Time) bool {
	t.Helper()
	ok, err := s.AcquireLease(t.Context(), addr, owner, now, until)
	if err != nil {
		t.Fatalf("AcquireLease(%s, %s): %v", addr, owner, err)
	}
	return ok
}

func release(t *testing.T, s Store, addr, owner string) {
	t.Helper()
	if err := s.ReleaseLease(t.Context(), addr, owner); err != nil {
		t.Fatalf("ReleaseLease(%s, %s): %v", addr, owner, err)
	}
}

func testLeases(t *testing.T, s Store) {
	seedKleo(t, s)
	m := time.Minute
	steps := []struct {
		name       string
		addr       string
		owner      string
		now, until time.Duration
		release    bool
		want       bool
	}{
		{name: "free lease", addr: addrEIP55, owner: "w1", now: 0, until: 2 * m, want: true},
		{name: "held by another", addr: addrEIP55, owner: "w2", now: 1 * m, until: 3 * m, want: false},
		{name: "another user is free", addr: addrLegacy, owner: "w2", now: 1 * m, until: 3 * m, want: true},
		{name: "owner renews", addr: addrEIP55, owner: "w1", now: 1 * m, until: 4 * m, want: true},
		{name: "still held after the first expiry", addr: addrEIP55, owner: "w2", now: 3 * m, until: 5 * m, want: false},
		{name: "expired lease is taken over", addr: addrEIP55, owner: "w2", now: 5 * m, until: 7 * m, want: true},
		{name: "release by a non-owner", addr: addrEIP55, owner: "w1", release: true},
		{name: "non-owner's release did nothing", addr: addrEIP55, owner: "w1", now: 6 * m, until: 8 * m, want: false},
		{name: "release by the owner", addr: addrEIP55, owner: "w2", release: true},
		{name: "released lease is free", addr: addrEIP55, owner: "w3", now: 6 * m, until: 8 * m, want: true},
		{name: "a lease for a user without a document", addr: addrUnknown, owner: "w3", now: 6 * m, until: 8 * m, want: true},
	}
	for _, st := range steps {
		if st.release {
			release(t, s, st.addr, st.owner)
			continue
		}
		if got := lease(t, s, st.addr, st.owner, t0.Add(st.now), t0.Add(st.until)); got != st.want {
			t.Errorf("%s: AcquireLease = %v, want %v", st.name, got, st.want)
		}
	}
}

func putArchive(t *testing.T, s Store, a store.Archive) {
	t.Helper()
	if err := s.PutArchive(t.Context(), a); err != nil {
		t.Fatalf("PutArchive(%s): %v", a.ID, err)
	}
}

func archives(t *testing.T, s Store, addr string) []store.Archive {
	t.Helper()
	as, err := s.Archives(t.Context(), addr)
	if err != nil {
		t.Fatalf("Archives(%s): %v", addr, err)
	}
	return as
}

func archiveIDs(as []store.Archive) []string {
	var ids []string
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func sameArchive(a, b store.Archive) bool {
	return a.ID == b.ID && a.Address == b.Address && a.PrevTx == b.PrevTx && a.PreviousHash == b.PreviousHash &&
		a.URL == b.URL && a.Points == b.Points && slices.Equal(a.ItemIDs, b.ItemIDs) && a.Bytes == b.Bytes &&
		a.Reward == b.Reward && a.Status == b.Status && string(a.Tx) == string(b.Tx) && a.Bundle == b.Bundle &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func archive(id, addr, prevTx, previousHash string, points int64, items []string, created time.Time) store.Archive {
	return store.Archive{
		ID: id, Address: addr, PrevTx: prevTx, PreviousHash: previousHash,
		URL: "https://arweave.net/" + id, Points: points, ItemIDs: items, Bytes: 600,
		Reward: "123456", Tx: []byte("signed " + id), CreatedAt: created, UpdatedAt: created,
	}
}

func testPutArchive(t *testing.T, s Store) {
	a1 := archive("tx-b", addrEIP55, "", "default_hash", 12, histEIP55[:2], t0.Add(time.Minute))
	a0 := archive("tx-z", addrEIP55, "", "default_hash", 12, histEIP55[2:3], t0)
	same := archive("tx-a", addrEIP55, "", "default_hash", 12, histEIP55[3:], t0.Add(time.Minute)) // same time as a1: ID orders
	other := archive("tx-c", addrLegacy, "", "", 0, histLegacy, t0)
	other.Bundle = "bundle-1"
	for _, a := range []store.Archive{a1, a0, same, other} {
		putArchive(t, s, a)
	}
	changed := a1
	changed.URL, changed.Points, changed.Status = "https://arweave.net/other", 99, store.ArchiveSigned
	putArchive(t, s, changed) // the same ID again: a no-op

	got := archives(t, s, addrEIP55)
	if want := []string{"tx-z", "tx-a", "tx-b"}; !slices.Equal(archiveIDs(got), want) {
		t.Fatalf("Archives = %v, want %v (CreatedAt, then ID)", archiveIDs(got), want)
	}
	for i, a := range []store.Archive{a0, same, a1} {
		a.Status, a.CreatedAt, a.UpdatedAt = store.ArchiveSigned, ms(a.CreatedAt), ms(a.UpdatedAt)
		if !sameArchive(got[i], a) {
			t.Errorf("archive %s = %+v\nwant %+v", a.ID, got[i], a)
		}
	}
	if got := archives(t, s, addrLegacy); len(got) != 1 || got[0].Bundle != "bundle-1" {
		t.Errorf("Archives(legacy) = %+v", got)
	}
	if got := archives(t, s, addrUnknown); len(got) != 0 {
		t.Errorf("Archives of a user without archives = %v", got)
	}
}

func complete(t *testing.T, s Store, userID string, a store.Archive, now time.Time) error {
	t.Helper()
	return s.CompleteArchive(t.Context(), userID, a, now)
}

func testCompleteArchive(t *testing.T, s Store) {
	seedKleo(t, s)
	seedLedger(t, s)
	u := user(t, s, addrEIP55)
	before := userDoc(t, s, addrEIP55)
	a1 := archive("tx-1", addrEIP55, "", "default_hash", 12, []string{histEIP55[1], histEIP55[0], histEIP55[2]}, t0)
	putArchive(t, s, a1)
	if err := complete(t, s, u.ID, a1, t0.Add(5*time.Minute)); err != nil {
		t.Fatalf("CompleteArchive: %v", err)
	}
	after := userDoc(t, s, addrEIP55)
	wantValue(t, after, a1.URL, "previous_hash")
	wantValue(t, after, int32(12), "kleo_points")
	wantValue(t, after, int32(0), "total_data_quantity")
	untouched(t, before, after)
	if got := user(t, s, addrEIP55); got.LastArchive != "tx-1" || got.PreviousHash != a1.URL {
		t.Errorf("after completion: LastArchive %q PreviousHash %q", got.LastArchive, got.PreviousHash)
	}
	es := entries(t, s, histEIP55...)
	for _, id := range a1.ItemIDs {
		if es[id].ArchiveTx != "tx-1" {
			t.Errorf("entry %s: ArchiveTx %q, want tx-1", id, es[id].ArchiveTx)
		}
	}
	if es[histEIP55[3]].ArchiveTx != "" {
		t.Errorf("an entry outside the archive was marked %q", es[histEIP55[3]].ArchiveTx)
	}
	if got := archives(t, s, addrEIP55); len(got) != 1 || got[0].Status != store.ArchiveAccepted || !got[0].UpdatedAt.Equal(ms(t0.Add(5*time.Minute))) {
		t.Errorf("archive after completion: %+v", got)
	}

	// Replays (a crashed sweep, a second archiver) change nothing: points once.
	for range 2 {
		if err := complete(t, s, u.ID, a1, t0.Add(6*time.Minute)); err != nil {
			t.Fatalf("CompleteArchive replay: %v", err)
		}
	}
	if !sameDoc(t, after, userDoc(t, s, addrEIP55)) {
		t.Errorf("a replayed completion changed the user: %v", userDoc(t, s, addrEIP55))
	}

	// The next archive continues the chain.
	ledger(t, s, nil, histEIP55[3:])
	a2 := archive("tx-2", addrEIP55, "tx-1", a1.URL, 12, histEIP55[3:], t0.Add(time.Hour))
	putArchive(t, s, a2)
	if err := complete(t, s, u.ID, a2, t0.Add(time.Hour)); err != nil {
		t.Fatalf("CompleteArchive tx-2: %v", err)
	}
	chained := userDoc(t, s, addrEIP55)
	wantValue(t, chained, a2.URL, "previous_hash")
	wantValue(t, chained, int32(24), "kleo_points")

	// An archive signed from a stale chain position must not apply.
	a3 := archive("tx-3", addrEIP55, "tx-1", a1.URL, 12, histEIP55[3:], t0.Add(2*time.Hour))
	putArchive(t, s, a3)
	if err := complete(t, s, u.ID, a3, t0.Add(2*time.Hour)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompleteArchive from a stale chain position: %v, want ErrConflict", err)
	}
	final := userDoc(t, s, addrEIP55)
	wantValue(t, final, a2.URL, "previous_hash")
	wantValue(t, final, int32(24), "kleo_points")
	if got := user(t, s, addrEIP55).LastArchive; got != "tx-2" {
		t.Errorf("LastArchive = %q, want tx-2", got)
	}
}

func testCompleteArchiveForms(t *testing.T, s Store) {
	seedKleo(t, s)
	seedLedger(t, s)
	got := users(t, s, addrFalseHash, addrNoActivity, addrLegacy)
	for _, tc := range []struct {
		addr   string
		prev   string
		points int64
		want   any // kleo_points after
	}{
		{addrFalseHash, "", 12, int64(24)},  // previous_hash false
		{addrNoActivity, "", 12, int32(12)}, // previous_hash absent
		{addrLegacy, "https://gateway.irys.xyz/8Zr1xYq0aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX", 0, int64(144)},
	} {
		before := userDoc(t, s, tc.addr)
		a := archive("tx-"+tc.addr[2:8], tc.addr, "", tc.prev, tc.points, nil, t0)
		putArchive(t, s, a)
		if err := complete(t, s, got[tc.addr].ID, a, t0); err != nil {
			t.Errorf("%s: CompleteArchive: %v", tc.addr, err)
			continue
		}
		after := userDoc(t, s, tc.addr)
		wantValue(t, after, a.URL, "previous_hash")
		wantValue(t, after, tc.want, "kleo_points")
		untouched(t, before, after)
	}
}

func testArchiveStatus(t *testing.T, s Store) {
	seedKleo(t, s)
	u := user(t, s, addrEIP55)
	a := archive("tx-1", addrEIP55, "", "default_hash", 12, nil, t0)
	putArchive(t, s, a)
	if err := complete(t, s, u.ID, a, t0.Add(time.Minute)); err != nil {
		t.Fatalf("CompleteArchive: %v", err)
	}
	if err := s.SetArchiveStatus(t.Context(), a.ID, store.ArchiveConfirmed, t0.Add(time.Hour)); err != nil {
		t.Fatalf("SetArchiveStatus: %v", err)
	}
	// A late replay of the completion does not move the status back.
	if err := complete(t, s, u.ID, a, t0.Add(2*time.Hour)); err != nil {
		t.Fatalf("CompleteArchive replay: %v", err)
	}
	got := archives(t, s, addrEIP55)
	if len(got) != 1 || got[0].Status != store.ArchiveConfirmed || !got[0].UpdatedAt.Equal(ms(t0.Add(time.Hour))) {
		t.Errorf("archive = %+v, want confirmed at %v", got, ms(t0.Add(time.Hour)))
	}
	wantValue(t, userDoc(t, s, addrEIP55), int32(12), "kleo_points")
	if err := s.SetArchiveStatus(t.Context(), "tx-none", store.ArchiveConfirmed, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetArchiveStatus of an unknown archive: %v, want ErrNotFound", err)
	}
}
