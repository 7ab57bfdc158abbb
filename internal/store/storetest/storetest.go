// Package storetest is the conformance suite for store.Store. Every
// implementation runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openEmpty(t) })
//	}
//
// open must return an empty store that stays usable until the test ends (the
// implementation's test closes it in t.Cleanup). The suite writes only tens
// of documents per subtest so that slow backends (FerretDB) finish quickly.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
)

// Run runs the conformance suite, one subtest per behaviour, each on a
// fresh store from open.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"PutHistory", testPutHistory},
		{"PutHistoryStoresEveryField", testPutHistoryFields},
		{"ApplyUsersCreatesAndIncrements", testApplyUsersIncrements},
		{"ApplyUsersGuard", testApplyUsersGuard},
		{"ApplyUsersMixedBatch", testApplyUsersMixed},
		{"ApplyUsersInvalidDelta", testApplyUsersInvalid},
		{"WatermarksPerShard", testWatermarks},
		{"DeadLettersIdempotent", testDeadLetters},
		{"Leases", testLeases},
		{"UsersToArchive", testUsersToArchive},
		{"OldestUnarchived", testOldestUnarchived},
		{"PutArchiveIdempotent", testPutArchive},
		{"PendingArchive", testPendingArchive},
		{"CompleteArchive", testCompleteArchive},
		{"CompleteArchiveConflict", testCompleteArchiveConflict},
		{"ArchivesOrderAndStatus", testArchives},
		{"DumpSortedAndComplete", testDump},
		{"CanceledContext", testCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

const (
	shardA = "shardId-000000000000"
	shardB = "shardId-000000000001"
)

// Addresses sort as alice < bob < carol < dave.
var (
	alice = "0x1000000000000000000000000000000000000a11"
	bob   = "0x2000000000000000000000000000000000000b0b"
	carol = "0x3000000000000000000000000000000000000ca1"
	dave  = "0x4000000000000000000000000000000000000da7"
)

// t0 has a sub-millisecond part on purpose: stores keep milliseconds.
var t0 = time.Date(2026, 11, 26, 8, 0, 0, 123_456_789, time.UTC)

func ms(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

// item returns a history item with every field set.
func item(id, address, shard, seq string, visit int64) store.HistoryItem {
	return store.HistoryItem{
		ID: id, Address: address, Shard: shard, Seq: seq,
		URL: "https://example.com/" + id, Title: "title " + id, Summary: "summary " + id,
		Domain: "example.com", Category: "Technology", Subcategory: "Programming",
		Activity: "Coding", Confidence: 0.75, LowConfidence: false,
		PII:    map[string]int64{"EMAIL": 1},
		Points: 1, Size: 321, VisitTime: visit, CreateTimestamp: visit + 5,
		ProcessedAt: t0,
	}
}

// oid builds a 24-hex-digit id from n.
func oid(n int) string { return fmt.Sprintf("65f0000000000000%08x", n) }

func delta(address, shard, expect, next string) store.UserDelta {
	return store.UserDelta{
		Address: address, Shard: shard, ExpectSeq: expect, NewSeq: next,
		Bytes: 1000, Points: 2, PII: 3, Items: 2,
		Activities: map[string]int64{"Coding": 1, "Job Hunting": 1},
	}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func putHistory(t *testing.T, s store.Store, items ...store.HistoryItem) []store.Outcome {
	t.Helper()
	out, err := s.PutHistory(ctx(t), items)
	if err != nil {
		t.Fatalf("PutHistory: %v", err)
	}
	if len(out) != len(items) {
		t.Fatalf("PutHistory returned %d outcomes for %d items", len(out), len(items))
	}
	return out
}

func apply(t *testing.T, s store.Store, deltas ...store.UserDelta) []error {
	t.Helper()
	errs, err := s.ApplyUsers(ctx(t), deltas)
	if err != nil {
		t.Fatalf("ApplyUsers: %v", err)
	}
	if len(errs) != len(deltas) {
		t.Fatalf("ApplyUsers returned %d results for %d deltas", len(errs), len(deltas))
	}
	return errs
}

// mustApply applies deltas that must all succeed.
func mustApply(t *testing.T, s store.Store, deltas ...store.UserDelta) {
	t.Helper()
	for i, err := range apply(t, s, deltas...) {
		if err != nil {
			t.Fatalf("ApplyUsers delta %d (%s): %v", i, deltas[i].Address, err)
		}
	}
}

func user(t *testing.T, s store.Store, address string) store.User {
	t.Helper()
	u, err := s.User(ctx(t), address)
	if err != nil {
		t.Fatalf("User(%s): %v", address, err)
	}
	return u
}

func dump(t *testing.T, s store.Store) store.Dump {
	t.Helper()
	d, err := s.Dump(ctx(t))
	if err != nil {
		t.Fatalf("Dump: %v", err)
	}
	return d
}

func putArchive(t *testing.T, s store.Store, a store.Archive) {
	t.Helper()
	if err := s.PutArchive(ctx(t), a); err != nil {
		t.Fatalf("PutArchive(%s): %v", a.ID, err)
	}
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testPutHistory(t *testing.T, s store.Store) {
	a := item(oid(1), alice, shardA, "100", 10)
	if got := putHistory(t, s, a); got[0] != store.Inserted {
		t.Fatalf("first put = %v, want inserted", got[0])
	}
	changed := a
	changed.Title = "overwritten?"
	changed.Points = 99
	tests := []struct {
		name  string
		items []store.HistoryItem
		want  []store.Outcome
	}{
		{"redelivery", []store.HistoryItem{changed}, []store.Outcome{store.Existing}},
		{"same shard other seq", []store.HistoryItem{with(changed, shardA, "101")}, []store.Outcome{store.Duplicate}},
		{"other shard same seq", []store.HistoryItem{with(changed, shardB, "100")}, []store.Outcome{store.Duplicate}},
		{"mixed batch keeps order", []store.HistoryItem{
			item(oid(2), alice, shardA, "102", 20), changed, item(oid(3), bob, shardA, "103", 30), with(changed, shardB, "7"),
		}, []store.Outcome{store.Inserted, store.Existing, store.Inserted, store.Duplicate}},
		{"same id twice in one call", []store.HistoryItem{
			item(oid(4), bob, shardA, "104", 40), item(oid(4), bob, shardA, "104", 40),
			item(oid(5), bob, shardA, "105", 50), item(oid(5), bob, shardB, "105", 50),
		}, []store.Outcome{store.Inserted, store.Existing, store.Inserted, store.Duplicate}},
		{"empty", nil, []store.Outcome{}},
	}
	for _, tt := range tests {
		got := putHistory(t, s, tt.items...)
		if len(got) == 0 {
			got = []store.Outcome{}
		}
		equal(t, tt.name, got, tt.want)
	}
	d := dump(t, s)
	if len(d.History) != 5 {
		t.Fatalf("stored %d items, want 5", len(d.History))
	}
	want := a
	want.ProcessedAt = ms(a.ProcessedAt)
	equal(t, "first item after redeliveries and duplicates", d.History[0], want)
}

func with(it store.HistoryItem, shard, seq string) store.HistoryItem {
	it.Shard, it.Seq = shard, seq
	return it
}

func testPutHistoryFields(t *testing.T, s store.Store) {
	full := item(oid(1), alice, shardA, "1", -5)
	full.LowConfidence = true
	full.PII = map[string]int64{"EMAIL": 2, "PHONE": 1}
	full.ArchiveTx = "already-archived-tx"
	bare := store.HistoryItem{ID: oid(2), Address: alice, Shard: shardA, Seq: "2"}
	putHistory(t, s, bare, full)
	full.ProcessedAt = ms(full.ProcessedAt)
	equal(t, "stored items", dump(t, s).History, []store.HistoryItem{full, bare})
}

func testApplyUsersIncrements(t *testing.T, s store.Store) {
	mustApply(t, s, delta(alice, shardA, "", "100"))
	want := store.User{
		Address: alice, TotalDataQuantity: 1000, DataOwned: 1000,
		ActivityJSON: map[string]int64{"Coding": 1, "Job Hunting": 1},
		KleoPoints:   2, PIIRemovedCount: 3, Unarchived: 2, ItemsProcessed: 2,
		Watermarks: map[string]string{shardA: "100"},
	}
	equal(t, "created user", user(t, s, alice), want)

	d := delta(alice, shardA, "100", "250")
	d.Bytes, d.Points, d.PII, d.Items = 24, 5, 0, 3
	d.Activities = map[string]int64{"Job Hunting": 2, "TV Series": 1}
	mustApply(t, s, d)
	want = store.User{
		Address: alice, TotalDataQuantity: 1024, DataOwned: 1024,
		ActivityJSON: map[string]int64{"Coding": 1, "Job Hunting": 3, "TV Series": 1},
		KleoPoints:   7, PIIRemovedCount: 3, Unarchived: 5, ItemsProcessed: 5,
		Watermarks: map[string]string{shardA: "250"},
	}
	equal(t, "after second batch", user(t, s, alice), want)

	if _, err := s.User(ctx(t), bob); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("User(missing) error = %v, want ErrNotFound", err)
	}
}

func testApplyUsersGuard(t *testing.T, s store.Store) {
	// A 128-digit sequence number: the guard is string equality.
	long := "4963" + fmt.Sprintf("%0124d", 7)
	mustApply(t, s, delta(alice, shardA, "", long))
	before := dump(t, s)
	tests := []struct {
		name string
		d    store.UserDelta
	}{
		{"replay of the applied delta", delta(alice, shardA, "", long)},
		{"stale watermark", delta(alice, shardA, "99", "300")},
		{"numerically equal but different string", delta(alice, shardA, "0"+long, "300")},
		{"expected watermark for a missing user", delta(bob, shardA, "100", "300")},
	}
	for _, tt := range tests {
		errs := apply(t, s, tt.d)
		if !errors.Is(errs[0], store.ErrConflict) {
			t.Errorf("%s: error = %v, want ErrConflict", tt.name, errs[0])
		}
		equal(t, tt.name+": state", dump(t, s), before)
	}
	// The guard holds after a successful follow-up too.
	mustApply(t, s, delta(alice, shardA, long, "500"))
	after := dump(t, s)
	if errs := apply(t, s, delta(alice, shardA, long, "500")); !errors.Is(errs[0], store.ErrConflict) {
		t.Errorf("replay of second delta: error = %v, want ErrConflict", errs[0])
	}
	equal(t, "state after replay of second delta", dump(t, s), after)
}

func testApplyUsersMixed(t *testing.T, s store.Store) {
	mustApply(t, s, delta(alice, shardA, "", "10"), delta(bob, shardA, "", "10"))
	errs := apply(t, s,
		delta(alice, shardA, "10", "20"), // applies
		delta(bob, shardA, "9", "20"),    // stale
		delta(carol, shardA, "", "20"),   // new user
	)
	if errs[0] != nil || !errors.Is(errs[1], store.ErrConflict) || errs[2] != nil {
		t.Fatalf("results = %v, want [nil ErrConflict nil]", errs)
	}
	for _, tt := range []struct {
		address string
		items   int64
		seq     string
	}{{alice, 4, "20"}, {bob, 2, "10"}, {carol, 2, "20"}} {
		u := user(t, s, tt.address)
		if u.ItemsProcessed != tt.items || u.Watermarks[shardA] != tt.seq {
			t.Errorf("%s: items %d watermark %q, want %d %q", tt.address, u.ItemsProcessed, u.Watermarks[shardA], tt.items, tt.seq)
		}
	}
}

func testApplyUsersInvalid(t *testing.T, s store.Store) {
	bad := delta(alice, "shard.with.dots", "", "1")
	badActivity := delta(bob, shardA, "", "1")
	badActivity.Activities = map[string]int64{"$inc": 1}
	noSeq := delta(carol, shardA, "", "")
	// A second delta for the same user and shard in one call.
	twice := delta(dave, shardA, "1", "2")
	errs, err := s.ApplyUsers(ctx(t), []store.UserDelta{bad, badActivity, noSeq, delta(dave, shardA, "", "1"), twice})
	if err != nil {
		t.Fatalf("ApplyUsers: %v", err)
	}
	for _, i := range []int{0, 1, 2, 4} {
		if errs[i] == nil || errors.Is(errs[i], store.ErrConflict) {
			t.Errorf("invalid delta %d: error = %v, want a validation error", i, errs[i])
		}
	}
	if errs[3] != nil {
		t.Errorf("valid delta beside invalid ones: %v", errs[3])
	}
	if u := user(t, s, dave); u.Watermarks[shardA] != "1" || u.ItemsProcessed != 2 {
		t.Errorf("dave after one valid delta: %+v", u)
	}
	d := dump(t, s)
	if len(d.Users) != 1 || d.Users[0].Address != dave {
		t.Errorf("users after invalid deltas = %+v, want only %s", d.Users, dave)
	}
}

func testWatermarks(t *testing.T, s store.Store) {
	// One call may carry deltas of several shards for a new user.
	mustApply(t, s, delta(alice, shardA, "", "100"), delta(bob, shardB, "", "7"), delta(carol, shardA, "", "1"), delta(carol, shardB, "", "2"))
	// Shard B's guard is independent of shard A's.
	mustApply(t, s, delta(alice, shardB, "", "8"))
	mustApply(t, s, delta(alice, shardA, "100", "101"))
	if u := user(t, s, carol); u.ItemsProcessed != 4 || len(u.Watermarks) != 2 {
		t.Errorf("carol after deltas on two shards in one call: %+v", u)
	}
	tests := []struct {
		shard string
		want  map[string]string
	}{
		{shardA, map[string]string{alice: "101", carol: "1"}},
		{shardB, map[string]string{alice: "8", bob: "7", carol: "2"}},
		{"shardId-000000000009", map[string]string{}},
	}
	for _, tt := range tests {
		got, err := s.Watermarks(ctx(t), tt.shard, []string{alice, bob, carol})
		if err != nil {
			t.Fatalf("Watermarks(%s): %v", tt.shard, err)
		}
		equal(t, "Watermarks "+tt.shard, got, tt.want)
	}
	got, err := s.Watermarks(ctx(t), shardA, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("Watermarks(no addresses) = %v, %v; want empty", got, err)
	}
	if _, err := s.Watermarks(ctx(t), "bad.shard", []string{alice}); err == nil {
		t.Error("Watermarks accepted a shard id with a dot")
	}
	if u := user(t, s, alice); u.ItemsProcessed != 6 {
		t.Errorf("alice items = %d, want 6 (three deltas)", u.ItemsProcessed)
	}
}

func testDeadLetters(t *testing.T, s store.Store) {
	dl := func(shard, seq, reason string) store.DeadLetter {
		return store.DeadLetter{ID: shard + "/" + seq, Shard: shard, Seq: seq, Reason: reason,
			Payload: []byte(`{"x":1}`), PayloadSize: 7, At: t0}
	}
	d2, d1, d3 := dl(shardA, "2", "bad json"), dl(shardA, "1", "no address"), dl(shardB, "1", "too big")
	if err := s.PutDeadLetters(ctx(t), []store.DeadLetter{d2, d1}); err != nil {
		t.Fatal(err)
	}
	again := dl(shardA, "1", "a different reason")
	if err := s.PutDeadLetters(ctx(t), []store.DeadLetter{again, d3, d3}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDeadLetters(ctx(t), nil); err != nil {
		t.Fatalf("PutDeadLetters(nil): %v", err)
	}
	for _, d := range []*store.DeadLetter{&d1, &d2, &d3} {
		d.At = ms(d.At)
	}
	equal(t, "dead letters", dump(t, s).DeadLetters, []store.DeadLetter{d1, d2, d3})
}

func testLeases(t *testing.T, s store.Store) {
	mustApply(t, s, delta(alice, shardA, "", "1"))
	now := t0
	steps := []struct {
		name  string
		owner string
		at    time.Duration
		until time.Duration
		want  bool
	}{
		{"free lease", "sweep-1", 0, time.Minute, true},
		{"held by another owner", "sweep-2", 30 * time.Second, 2 * time.Minute, false},
		{"same owner extends", "sweep-1", 30 * time.Second, 2 * time.Minute, true},
		{"still held after the first expiry", "sweep-2", 90 * time.Second, 3 * time.Minute, false},
		{"held until the last millisecond", "sweep-2", 2*time.Minute - time.Millisecond, 3 * time.Minute, false},
		{"expired at until", "sweep-2", 2 * time.Minute, 3 * time.Minute, true},
		{"old owner refused", "sweep-1", 2*time.Minute + time.Second, 4 * time.Minute, false},
	}
	for _, st := range steps {
		got, err := s.AcquireLease(ctx(t), alice, st.owner, now.Add(st.at), now.Add(st.until))
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s: AcquireLease = %v, want %v", st.name, got, st.want)
		}
	}
	// A release by a non-owner is ignored.
	if err := s.ReleaseLease(ctx(t), alice, "sweep-1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AcquireLease(ctx(t), alice, "sweep-3", now.Add(150*time.Second), now.Add(5*time.Minute)); got {
		t.Error("lease taken after a release by a non-owner")
	}
	if err := s.ReleaseLease(ctx(t), alice, "sweep-2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AcquireLease(ctx(t), alice, "sweep-3", now.Add(150*time.Second), now.Add(5*time.Minute)); !got {
		t.Error("lease not free after its owner released it")
	}
	if err := s.ReleaseLease(ctx(t), bob, "sweep-3"); err != nil {
		t.Errorf("ReleaseLease(missing user) = %v, want nil", err)
	}
	if _, err := s.AcquireLease(ctx(t), bob, "sweep-3", now, now.Add(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AcquireLease(missing user) error = %v, want ErrNotFound", err)
	}
	// Leases are not part of the user's public state.
	u := user(t, s, alice)
	if u.ItemsProcessed != 2 || u.Watermarks[shardA] != "1" {
		t.Errorf("lease changed the user: %+v", u)
	}
}

func testUsersToArchive(t *testing.T, s store.Store) {
	withItems := func(address string, n int64) store.UserDelta {
		d := delta(address, shardA, "", "1")
		d.Items = n
		return d
	}
	mustApply(t, s, withItems(dave, 7), withItems(bob, 1), withItems(alice, 5), withItems(carol, 12))
	tests := []struct {
		min   int64
		limit int
		want  []string
	}{
		{5, 10, []string{alice, carol, dave}},
		{5, 2, []string{alice, carol}},
		{8, 10, []string{carol}},
		{13, 10, []string{}},
		{1, 0, []string{}},
	}
	for _, tt := range tests {
		got, err := s.UsersToArchive(ctx(t), tt.min, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil {
			got = []string{}
		}
		equal(t, fmt.Sprintf("UsersToArchive(%d, %d)", tt.min, tt.limit), got, tt.want)
	}
}

func testOldestUnarchived(t *testing.T, s store.Store) {
	archived := item(oid(9), alice, shardA, "9", 1)
	archived.ArchiveTx = "tx-earlier"
	putHistory(t, s,
		item(oid(5), alice, shardA, "5", 30),
		item(oid(4), alice, shardA, "4", 10),
		item(oid(3), alice, shardA, "3", 20),
		item(oid(2), alice, shardA, "2", 10),
		item(oid(1), bob, shardA, "1", 5),
		archived,
	)
	ids := func(n int) []string {
		t.Helper()
		items, err := s.OldestUnarchived(ctx(t), alice, n)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, it := range items {
			if it.Address != alice || it.ArchiveTx != "" {
				t.Errorf("OldestUnarchived returned %+v", it)
			}
			out = append(out, it.ID)
		}
		return out
	}
	equal(t, "all", ids(10), []string{oid(2), oid(4), oid(3), oid(5)})
	equal(t, "first two", ids(2), []string{oid(2), oid(4)})
	equal(t, "none", ids(0), []string{})

	mustApply(t, s, delta(alice, shardA, "", "5"))
	a := store.Archive{ID: "tx-1", Address: alice, ItemIDs: []string{oid(2), oid(4)}, CreatedAt: t0}
	putArchive(t, s, a)
	if err := s.CompleteArchive(ctx(t), a, t0); err != nil {
		t.Fatal(err)
	}
	equal(t, "after archiving two", ids(10), []string{oid(3), oid(5)})
}

func testPutArchive(t *testing.T, s store.Store) {
	a := store.Archive{ID: "tx-1", Address: alice, PreviousHash: "", ItemIDs: []string{oid(1), oid(2)},
		Bytes: 640, Reward: "123456", Tx: []byte{1, 2, 3}, CreatedAt: t0, UpdatedAt: t0}
	putArchive(t, s, a)
	b := a
	b.Bytes, b.Reward, b.ItemIDs = 1, "9", []string{oid(3)}
	putArchive(t, s, b)
	want := a
	want.Status = store.ArchiveSigned
	want.CreatedAt, want.UpdatedAt = ms(t0), ms(t0)
	equal(t, "archives", dump(t, s).Archives, []store.Archive{want})

	c := a
	c.ID, c.Status = "tx-2", store.ArchiveAccepted
	if err := s.PutArchive(ctx(t), c); err == nil {
		t.Error("PutArchive accepted a new archive with status accepted")
	}
}

func testPendingArchive(t *testing.T, s store.Store) {
	if _, err := s.PendingArchive(ctx(t), alice); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PendingArchive(none) error = %v, want ErrNotFound", err)
	}
	mustApply(t, s, delta(alice, shardA, "", "1"))
	putHistory(t, s, item(oid(1), alice, shardA, "1", 1))
	a := store.Archive{ID: "tx-1", Address: alice, ItemIDs: []string{oid(1)}, CreatedAt: t0}
	putArchive(t, s, a)
	putArchive(t, s, store.Archive{ID: "tx-other", Address: bob, CreatedAt: t0})
	got, err := s.PendingArchive(ctx(t), alice)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != a.ID || got.Status != store.ArchiveSigned || !reflect.DeepEqual(got.ItemIDs, a.ItemIDs) {
		t.Errorf("PendingArchive = %+v, want %s signed", got, a.ID)
	}
	if err := s.CompleteArchive(ctx(t), got, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PendingArchive(ctx(t), alice); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PendingArchive after completion error = %v, want ErrNotFound", err)
	}
}

func testCompleteArchive(t *testing.T, s store.Store) {
	d := delta(alice, shardA, "", "1")
	d.Items = 5
	mustApply(t, s, d)
	// Item 1 was already marked by an earlier, interrupted completion of tx-1.
	partial := item(oid(1), alice, shardA, "1", 1)
	partial.ArchiveTx = "tx-1"
	putHistory(t, s, partial,
		item(oid(2), alice, shardA, "2", 2), item(oid(3), alice, shardA, "3", 3),
		item(oid(4), alice, shardA, "4", 4), item(oid(5), alice, shardA, "5", 5))
	a1 := store.Archive{ID: "tx-1", Address: alice, ItemIDs: []string{oid(1), oid(2)}, CreatedAt: t0}
	putArchive(t, s, a1)

	later := t0.Add(time.Minute)
	check := func(step, prev string, unarchived int64, marks map[string]string) {
		t.Helper()
		d := dump(t, s)
		u := d.Users[0]
		if u.PreviousHash != prev || u.Unarchived != unarchived {
			t.Errorf("%s: previous_hash %q unarchived %d, want %q %d", step, u.PreviousHash, u.Unarchived, prev, unarchived)
		}
		got := map[string]string{}
		for _, it := range d.History {
			got[it.ID] = it.ArchiveTx
		}
		equal(t, step+": archive_tx per item", got, marks)
	}
	for i := range 2 { // the second call must change nothing
		if err := s.CompleteArchive(ctx(t), a1, later); err != nil {
			t.Fatalf("CompleteArchive #%d: %v", i+1, err)
		}
		check(fmt.Sprintf("tx-1 call %d", i+1), "tx-1", 3,
			map[string]string{oid(1): "tx-1", oid(2): "tx-1", oid(3): "", oid(4): "", oid(5): ""})
	}
	archives, err := s.Archives(ctx(t), alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(archives) != 1 || archives[0].Status != store.ArchiveAccepted || !archives[0].UpdatedAt.Equal(ms(later)) {
		t.Errorf("archive after completion = %+v, want accepted at %v", archives, ms(later))
	}

	// The chain continues from tx-1. Simulate a crash after the user was
	// advanced but before the status was written: completing again must not
	// subtract twice.
	a2 := store.Archive{ID: "tx-2", Address: alice, PreviousHash: "tx-1", ItemIDs: []string{oid(3), oid(4)}, CreatedAt: later}
	putArchive(t, s, a2)
	if err := s.CompleteArchive(ctx(t), a2, later); err != nil {
		t.Fatal(err)
	}
	if err := s.SetArchiveStatus(ctx(t), "tx-2", store.ArchiveSigned, later); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteArchive(ctx(t), a2, later); err != nil {
		t.Fatalf("CompleteArchive after a partial call: %v", err)
	}
	check("tx-2", "tx-2", 1, map[string]string{oid(1): "tx-1", oid(2): "tx-1", oid(3): "tx-2", oid(4): "tx-2", oid(5): ""})
	if _, err := s.PendingArchive(ctx(t), alice); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PendingArchive after completion error = %v, want ErrNotFound", err)
	}
	// Completing an old archive again is a no-op.
	if err := s.CompleteArchive(ctx(t), a1, later); err != nil {
		t.Errorf("CompleteArchive(tx-1) after tx-2: %v", err)
	}
	check("tx-1 after tx-2", "tx-2", 1, map[string]string{oid(1): "tx-1", oid(2): "tx-1", oid(3): "tx-2", oid(4): "tx-2", oid(5): ""})
}

func testCompleteArchiveConflict(t *testing.T, s store.Store) {
	mustApply(t, s, delta(alice, shardA, "", "1"))
	putHistory(t, s, item(oid(1), alice, shardA, "1", 1))
	wrong := store.Archive{ID: "tx-9", Address: alice, PreviousHash: "tx-unknown", ItemIDs: []string{oid(1)}, CreatedAt: t0}
	putArchive(t, s, wrong)
	before := dump(t, s)
	if err := s.CompleteArchive(ctx(t), wrong, t0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompleteArchive with a wrong previous hash: %v, want ErrConflict", err)
	}
	equal(t, "state after conflict", dump(t, s), before)
	missing := store.Archive{ID: "tx-never-stored", Address: alice, ItemIDs: []string{oid(1)}}
	if err := s.CompleteArchive(ctx(t), missing, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CompleteArchive(unknown id): %v, want ErrNotFound", err)
	}
	equal(t, "state after unknown archive", dump(t, s), before)
}

func testArchives(t *testing.T, s store.Store) {
	t1, t2 := t0, t0.Add(time.Second)
	for _, a := range []store.Archive{
		{ID: "tx-b", Address: alice, CreatedAt: t2},
		{ID: "tx-c", Address: alice, CreatedAt: t1},
		{ID: "tx-a", Address: alice, CreatedAt: t1},
		{ID: "tx-0", Address: bob, CreatedAt: t1},
	} {
		putArchive(t, s, a)
	}
	got, err := s.Archives(ctx(t), alice)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	equal(t, "archive order", ids, []string{"tx-a", "tx-c", "tx-b"})
	if got, err := s.Archives(ctx(t), carol); err != nil || len(got) != 0 {
		t.Errorf("Archives(no archives) = %v, %v; want empty", got, err)
	}

	if err := s.SetArchiveStatus(ctx(t), "tx-c", store.ArchiveConfirmed, t2); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Archives(ctx(t), alice)
	if c := got[1]; c.Status != store.ArchiveConfirmed || !c.UpdatedAt.Equal(ms(t2)) {
		t.Errorf("after SetArchiveStatus: %+v", c)
	}
	if err := s.SetArchiveStatus(ctx(t), "tx-missing", store.ArchiveConfirmed, t2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetArchiveStatus(missing) = %v, want ErrNotFound", err)
	}
	if err := s.SetArchiveStatus(ctx(t), "tx-c", "lost", t2); err == nil {
		t.Error("SetArchiveStatus accepted an unknown status")
	}
}

func testDump(t *testing.T, s store.Store) {
	empty := dump(t, s)
	equal(t, "empty dump", empty, store.Dump{Users: []store.User{}, History: []store.HistoryItem{}, DeadLetters: []store.DeadLetter{}, Archives: []store.Archive{}})

	mustApply(t, s, delta(carol, shardA, "", "3"), delta(alice, shardB, "", "1"))
	mustApply(t, s, delta(bob, shardA, "", "2"))
	putHistory(t, s, item(oid(3), carol, shardA, "3", 3), item(oid(1), alice, shardB, "1", 1), item(oid(2), bob, shardA, "2", 2))
	if err := s.PutDeadLetters(ctx(t), []store.DeadLetter{{ID: shardB + "/9", Shard: shardB, Seq: "9", Reason: "r"}, {ID: shardA + "/9", Shard: shardA, Seq: "9", Reason: "r"}}); err != nil {
		t.Fatal(err)
	}
	putArchive(t, s, store.Archive{ID: "tx-z", Address: alice, CreatedAt: t0})
	putArchive(t, s, store.Archive{ID: "tx-y", Address: bob, CreatedAt: t0.Add(time.Hour)})

	d := dump(t, s)
	var got []string
	for _, u := range d.Users {
		got = append(got, u.Address)
	}
	for _, it := range d.History {
		got = append(got, it.ID)
	}
	for _, dl := range d.DeadLetters {
		got = append(got, dl.ID)
	}
	for _, a := range d.Archives {
		got = append(got, a.ID)
	}
	equal(t, "dump keys", got, []string{alice, bob, carol, oid(1), oid(2), oid(3), shardA + "/9", shardB + "/9", "tx-y", "tx-z"})
	equal(t, "dumped user", d.Users[1], user(t, s, bob))
}

func testCanceled(t *testing.T, s store.Store) {
	mustApply(t, s, delta(alice, shardA, "", "1"))
	c, cancel := context.WithCancel(ctx(t))
	cancel()
	a := store.Archive{ID: "tx-1", Address: alice, CreatedAt: t0}
	calls := []struct {
		name string
		call func() error
	}{
		{"Watermarks", func() error { _, err := s.Watermarks(c, shardA, []string{alice}); return err }},
		{"PutHistory", func() error {
			_, err := s.PutHistory(c, []store.HistoryItem{item(oid(1), alice, shardA, "1", 1)})
			return err
		}},
		{"ApplyUsers", func() error { _, err := s.ApplyUsers(c, []store.UserDelta{delta(alice, shardA, "1", "2")}); return err }},
		{"PutDeadLetters", func() error { return s.PutDeadLetters(c, []store.DeadLetter{{ID: "x/1"}}) }},
		{"User", func() error { _, err := s.User(c, alice); return err }},
		{"UsersToArchive", func() error { _, err := s.UsersToArchive(c, 1, 10); return err }},
		{"AcquireLease", func() error { _, err := s.AcquireLease(c, alice, "o", t0, t0.Add(time.Minute)); return err }},
		{"ReleaseLease", func() error { return s.ReleaseLease(c, alice, "o") }},
		{"OldestUnarchived", func() error { _, err := s.OldestUnarchived(c, alice, 10); return err }},
		{"PutArchive", func() error { return s.PutArchive(c, a) }},
		{"PendingArchive", func() error { _, err := s.PendingArchive(c, alice); return err }},
		{"CompleteArchive", func() error { return s.CompleteArchive(c, a, t0) }},
		{"SetArchiveStatus", func() error { return s.SetArchiveStatus(c, a.ID, store.ArchiveConfirmed, t0) }},
		{"Archives", func() error { _, err := s.Archives(c, alice); return err }},
		{"Dump", func() error { _, err := s.Dump(c); return err }},
	}
	before := dump(t, s)
	for _, tt := range calls {
		if err := tt.call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: error = %v, want context.Canceled", tt.name, err)
		}
	}
	equal(t, "state after canceled calls", dump(t, s), before)
}
