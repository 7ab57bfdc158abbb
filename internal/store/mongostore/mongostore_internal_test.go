package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
)

const shard = "shardId-000000000000"

func openDB(t *testing.T, uri, db string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.Context(), uri, db, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func addr(n int) string { return fmt.Sprintf("0x%040x", n) }

func delta(a, expect, next string) store.UserDelta {
	return store.UserDelta{Address: a, Shard: shard, ExpectSeq: expect, NewSeq: next, Bytes: 10, Points: 1, Items: 1,
		Activities: map[string]int64{"Job Hunting": 1}}
}

func mustApply(t *testing.T, s *Store, ds ...store.UserDelta) {
	t.Helper()
	errs, err := s.ApplyUsers(t.Context(), ds)
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("delta %d: %v", i, err)
		}
	}
}

func items(t *testing.T, s *Store, a string) int64 {
	t.Helper()
	u, err := s.User(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	return u.ItemsProcessed
}

// TestApplyUsersRace plays a concurrent invocation between ApplyUsers' read
// and its bulk write, the window in which the guard is decided by the server.
func TestApplyUsersRace(t *testing.T) {
	uri := ferrettest.Start(t)
	u1, u2, u3 := addr(1), addr(2), addr(3)
	tests := []struct {
		name  string
		other store.UserDelta // applied by the interloper
		ours  []store.UserDelta
		want  []error
		items map[string]int64 // items_processed afterwards
	}{
		{
			name:  "another delta won",
			other: delta(u1, "10", "15"),
			ours:  []store.UserDelta{delta(u1, "10", "20"), delta(u2, "10", "20")},
			want:  []error{store.ErrConflict, nil},
			items: map[string]int64{u1: 2, u2: 2},
		},
		{
			name:  "identical delta won",
			other: delta(u1, "10", "20"),
			ours:  []store.UserDelta{delta(u1, "10", "20"), delta(u2, "10", "20")},
			want:  []error{nil, nil},
			items: map[string]int64{u1: 2, u2: 2},
		},
		{
			// The upsert for u3 fails on the unique address first; the
			// statements after it must still be applied exactly once.
			name:  "user created meanwhile",
			other: delta(u3, "", "15"),
			ours:  []store.UserDelta{delta(u3, "", "20"), delta(u1, "10", "20"), delta(u2, "10", "20")},
			want:  []error{store.ErrConflict, nil, nil},
			items: map[string]int64{u1: 2, u2: 2, u3: 1},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := fmt.Sprintf("race%d", i)
			s, other := openDB(t, uri, db), openDB(t, uri, db)
			mustApply(t, s, delta(u1, "", "10"), delta(u2, "", "10"))
			s.afterRead = func(op string, round int) {
				if round == 0 {
					mustApply(t, other, tt.other)
				}
			}
			errs, err := s.ApplyUsers(t.Context(), tt.ours)
			if err != nil {
				t.Fatal(err)
			}
			for k := range tt.want {
				if !errors.Is(errs[k], tt.want[k]) || (tt.want[k] == nil && errs[k] != nil) {
					t.Errorf("delta %d: %v, want %v", k, errs[k], tt.want[k])
				}
			}
			for a, n := range tt.items {
				if got := items(t, s, a); got != n {
					t.Errorf("%s items_processed = %d, want %d", a, got, n)
				}
			}
		})
	}
}

func TestPutHistoryRace(t *testing.T) {
	uri := ferrettest.Start(t)
	s, other := openDB(t, uri, "h"), openDB(t, uri, "h")
	it := func(id, seq string) store.HistoryItem {
		return store.HistoryItem{ID: id, Address: addr(1), Shard: shard, Seq: seq, Title: "ours " + seq}
	}
	s.afterRead = func(op string, round int) {
		if round > 0 {
			return
		}
		// Another record carrying item a, and a redelivery of our record for b.
		if _, err := other.PutHistory(t.Context(), []store.HistoryItem{it("a", "99"), it("b", "2")}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.PutHistory(t.Context(), []store.HistoryItem{it("a", "1"), it("b", "2"), it("c", "3"), it("d", "4")})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Outcome{store.Duplicate, store.Existing, store.Inserted, store.Inserted}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("outcomes = %v, want %v", got, want)
			break
		}
	}
	d, err := s.Dump(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.History) != 4 || d.History[0].Seq != "99" {
		t.Errorf("stored %+v, want 4 items with a from seq 99", d.History)
	}
}

func TestPutDeadLettersRace(t *testing.T) {
	uri := ferrettest.Start(t)
	s, other := openDB(t, uri, "d"), openDB(t, uri, "d")
	s.afterRead = func(op string, round int) {
		if round == 0 {
			if err := other.PutDeadLetters(t.Context(), []store.DeadLetter{{ID: "s/1", Reason: "theirs"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.PutDeadLetters(t.Context(), []store.DeadLetter{{ID: "s/1", Reason: "ours"}, {ID: "s/2", Reason: "ours"}}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Dump(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.DeadLetters) != 2 || d.DeadLetters[0].Reason != "theirs" || d.DeadLetters[1].Reason != "ours" {
		t.Errorf("dead letters = %+v", d.DeadLetters)
	}
}

// TestChunks splits writes into several bulks and checks every statement's
// outcome survives the split.
func TestChunks(t *testing.T) {
	s := openDB(t, ferrettest.Start(t), "chunks", WithBulkSize(4))
	var hist []store.HistoryItem
	var deltas []store.UserDelta
	for i := range 11 {
		hist = append(hist, store.HistoryItem{ID: fmt.Sprint("i", i), Address: addr(i), Shard: shard, Seq: fmt.Sprint(i)})
		deltas = append(deltas, delta(addr(i), "", "1"))
	}
	for _, want := range []store.Outcome{store.Inserted, store.Existing} {
		out, err := s.PutHistory(t.Context(), hist)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range out {
			if o != want {
				t.Fatalf("item %d: %v, want %v", i, o, want)
			}
		}
	}
	mustApply(t, s, deltas...)
	errs, err := s.ApplyUsers(t.Context(), deltas)
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("replayed delta %d: %v, want ErrConflict", i, err)
		}
	}
	if got := items(t, s, addr(10)); got != 1 {
		t.Errorf("last user items_processed = %d, want 1", got)
	}
}

// TestFieldNames pins the documents the rest of the Kleo backend reads.
func TestFieldNames(t *testing.T) {
	s := openDB(t, ferrettest.Start(t), "fields")
	d := delta(addr(1), "", "7")
	d.PII = 3
	mustApply(t, s, d)
	var u bson.Raw
	if err := s.users.FindOne(t.Context(), bson.D{{Key: "address", Value: addr(1)}}).Decode(&u); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path []string
		want int64
	}{
		{[]string{"total_data_quantity"}, 10},
		{[]string{"milestones", "data_owned"}, 10},
		{[]string{"kleo_points"}, 1},
		{[]string{"pii_removed_count"}, 3},
		{[]string{"unarchived_count"}, 1},
		{[]string{"items_processed"}, 1},
		{[]string{"activity_json", "Job Hunting"}, 1},
	} {
		if got, ok := u.Lookup(tt.path...).AsInt64OK(); !ok || got != tt.want {
			t.Errorf("users.%s = %v, want %d", strings.Join(tt.path, "."), u.Lookup(tt.path...), tt.want)
		}
	}
	for _, tt := range []struct {
		path []string
		want string
	}{
		{[]string{"address"}, addr(1)},
		{[]string{"previous_hash"}, ""},
		{[]string{"seq_watermarks", shard}, "7"},
	} {
		if got, ok := u.Lookup(tt.path...).StringValueOK(); !ok || got != tt.want {
			t.Errorf("users.%s = %v, want %q", strings.Join(tt.path, "."), u.Lookup(tt.path...), tt.want)
		}
	}

	if _, err := s.PutHistory(t.Context(), []store.HistoryItem{{ID: "65f000000000000000000001", Address: addr(1), Shard: shard, Seq: "7", VisitTime: 5}}); err != nil {
		t.Fatal(err)
	}
	var h bson.M
	if err := s.history.FindOne(t.Context(), bson.D{{Key: "_id", Value: "65f000000000000000000001"}}).Decode(&h); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"address", "shard", "seq", "visit_time", "archive_tx", "processed_at", "low_confidence", "create_timestamp"} {
		if _, ok := h[k]; !ok {
			t.Errorf("history document lacks %q: %v", k, h)
		}
	}
}

// TestExistingUser applies a delta to a user document the Kleo backend
// created: other fields survive and 32-bit or double counters still add up.
func TestExistingUser(t *testing.T) {
	s := openDB(t, ferrettest.Start(t), "legacy")
	_, err := s.users.InsertOne(t.Context(), bson.D{
		{Key: "_id", Value: bson.NewObjectID()},
		{Key: "address", Value: addr(1)},
		{Key: "name", Value: "kept"},
		{Key: "kleo_points", Value: 5.0},
		{Key: "total_data_quantity", Value: int32(100)},
		{Key: "milestones", Value: bson.D{{Key: "data_owned", Value: int32(100)}, {Key: "tweet_activity", Value: true}}},
		{Key: "activity_json", Value: bson.D{{Key: "Job Hunting", Value: int32(2)}}},
		{Key: "previous_hash", Value: "tx-old"},
	})
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, delta(addr(1), "", "1"))
	u, err := s.User(t.Context(), addr(1))
	if err != nil {
		t.Fatal(err)
	}
	if u.KleoPoints != 6 || u.TotalDataQuantity != 110 || u.DataOwned != 110 || u.ActivityJSON["Job Hunting"] != 3 || u.PreviousHash != "tx-old" {
		t.Errorf("user = %+v", u)
	}
	var raw bson.Raw
	if err := s.users.FindOne(t.Context(), bson.D{{Key: "address", Value: addr(1)}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	name, _ := raw.Lookup("name").StringValueOK()
	tweet, _ := raw.Lookup("milestones", "tweet_activity").BooleanOK()
	if name != "kept" || !tweet {
		t.Errorf("other fields lost: %v", raw)
	}
}

func TestOpenIsIdempotent(t *testing.T) {
	uri := ferrettest.Start(t)
	openDB(t, uri, "twice")
	s := openDB(t, uri, "twice")
	specs, err := s.users.Indexes().ListSpecifications(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	unique := false
	for _, sp := range specs {
		if sp.Unique != nil && *sp.Unique && strings.Contains(string(sp.KeysDocument), "address") {
			unique = true
		}
	}
	if !unique {
		t.Errorf("no unique index on users.address: %+v", specs)
	}
}

func TestOpenUnreachable(t *testing.T) {
	tests := []struct {
		name string
		uri  string
		opts []Option
	}{
		{"options", "mongodb://127.0.0.1:1/?directConnection=true",
			[]Option{WithConnectTimeout(200 * time.Millisecond), WithServerSelectionTimeout(200 * time.Millisecond)}},
		{"uri", "mongodb://127.0.0.1:1/?directConnection=true&serverSelectionTimeoutMS=200", nil},
	}
	for _, tt := range tests {
		if _, err := Open(t.Context(), tt.uri, "kleo", tt.opts...); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s: Open(unreachable) = %v, want ErrUnavailable", tt.name, err)
		}
	}
}

func TestOpenInvalidURIHidesIt(t *testing.T) {
	_, err := Open(t.Context(), "mongodb://kleo:s3cret@host:notaport/", "kleo")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open(invalid URI) = %v; want an error that does not quote the URI", err)
	}
}

func TestErrorsAfterDeadlineAndClose(t *testing.T) {
	s, err := Open(t.Context(), ferrettest.Start(t), "errs")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := s.User(ctx, addr(1)); !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("User after deadline = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.User(t.Context(), addr(1)); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("User after Close = %v, want ErrUnavailable", err)
	}
}

// TestApplyUsersWriteError: a user document the update cannot apply to is
// that delta's error, not a conflict, and the other deltas still apply.
func TestApplyUsersWriteError(t *testing.T) {
	s := openDB(t, ferrettest.Start(t), "badfield")
	_, err := s.users.InsertOne(t.Context(), bson.D{{Key: "address", Value: addr(1)}, {Key: "activity_json", Value: "{}"}})
	if err != nil {
		t.Fatal(err)
	}
	// The broken user comes first: FerretDB reports any write error at the
	// first statement of the bulk.
	errs, err := s.ApplyUsers(t.Context(), []store.UserDelta{delta(addr(1), "", "1"), delta(addr(2), "", "1"), delta(addr(3), "", "1")})
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] == nil || errors.Is(errs[0], store.ErrConflict) {
		t.Errorf("delta for the broken user: %v, want a write error", errs[0])
	}
	if errs[1] != nil || errs[2] != nil {
		t.Errorf("other deltas: %v", errs[1:])
	}
	for _, a := range []string{addr(2), addr(3)} {
		if got := items(t, s, a); got != 1 {
			t.Errorf("%s items_processed = %d, want 1", a, got)
		}
	}
}
