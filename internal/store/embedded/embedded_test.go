package embedded_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
	"github.com/kleo-network/kleo-stream/internal/store/storetest"
)

func open(tb testing.TB, opts ...embedded.Option) *embedded.Store {
	tb.Helper()
	s, err := embedded.Open(context.Background(), tb.TempDir(), opts...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t, embedded.NoSync()) })
}

const addr = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"

var uid = bson.ObjectID{0x64, 0xb0, 1}

func kleoUser() bson.M {
	return bson.M{"_id": uid, "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "kleo_points": int32(0),
		"total_data_quantity": int32(0), "milestones": bson.D{{Key: "data_owned", Value: int32(0)}}, "activity_json": bson.D{}}
}

// TestReopen checks that everything written is on disk after Close.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := embedded.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InsertUsers(ctx, []bson.M{kleoUser()}); err != nil {
		t.Fatal(err)
	}
	u := mustUser(t, s)
	if _, err := s.Ledger(ctx, []store.Entry{{ID: "65a000000000000000000001", Address: addr, Bytes: 10, Activity: "Coding", Seen: time.Now()}}, nil); err != nil {
		t.Fatal(err)
	}
	if errs, err := s.Apply(ctx, []store.Apply{{UserID: u.ID, Applied: []string{"65a000000000000000000001"}, Bytes: 10}}); err != nil || errs[0] != nil {
		t.Fatalf("Apply: %v %v", err, errs)
	}
	want, err := s.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s, err = embedded.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	got, err := s.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Users) != 1 || len(got.Ledger) != 1 || !reflect.DeepEqual(got, want) {
		t.Errorf("after reopen: %+v, want %+v", got, want)
	}
	if u := mustUser(t, s); u.Version != 1 || len(u.Applied) != 1 {
		t.Errorf("after reopen: %+v", u)
	}
}

func mustUser(t *testing.T, s *embedded.Store) store.UserState {
	t.Helper()
	us, err := s.Users(t.Context(), []string{addr})
	if err != nil {
		t.Fatal(err)
	}
	u, ok := us[addr]
	if !ok {
		t.Fatalf("no user %s", addr)
	}
	return u
}

func TestLockTimeout(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	if _, err := embedded.Open(t.Context(), dir, embedded.LockTimeout(50*time.Millisecond)); err == nil {
		t.Fatal("a second Open of a locked directory succeeded")
	}
}

// TestDeadLetterExpiry checks the TTL: an expired letter is never returned,
// and is deleted (so the same ID can be stored anew) by the next write.
func TestDeadLetterExpiry(t *testing.T) {
	ctx := t.Context()
	s := open(t, embedded.NoSync())
	now := time.Now()
	gone := store.DeadLetter{ID: "s/1", Shard: "s", Seq: "1", Reason: "old", At: now.Add(-time.Hour), ExpireAt: now.Add(-time.Minute), State: store.LetterOpen}
	kept := store.DeadLetter{ID: "s/2", Shard: "s", Seq: "2", Reason: "new", At: now, ExpireAt: now.Add(time.Hour), State: store.LetterOpen}
	forever := store.DeadLetter{ID: "s/3", Shard: "s", Seq: "3", Reason: "no expiry", At: now, State: store.LetterOpen}
	if err := s.PutDeadLetters(ctx, []store.DeadLetter{gone, kept, forever}); err != nil {
		t.Fatal(err)
	}
	ids := func() []string {
		dls, err := s.DeadLetters(ctx, store.LetterQuery{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.DeadLetters) != len(dls) {
			t.Errorf("Dump has %d letters, DeadLetters %d", len(d.DeadLetters), len(dls))
		}
		var out []string
		for _, dl := range dls {
			out = append(out, dl.ID+":"+dl.Reason)
		}
		return out
	}
	if got := ids(); len(got) != 2 || got[0] != "s/2:new" && got[0] != "s/3:no expiry" {
		t.Errorf("letters %v, want s/2 and s/3 only", got)
	}
	// Had the expired letter stayed, this put would be a no-op.
	again := gone
	again.Reason, again.ExpireAt = "redelivered", time.Time{}
	if err := s.PutDeadLetters(ctx, []store.DeadLetter{again}); err != nil {
		t.Fatal(err)
	}
	got := ids()
	found := false
	for _, id := range got {
		found = found || id == "s/1:redelivered"
	}
	if !found {
		t.Errorf("letters %v: the expired letter was not deleted", got)
	}
}

func TestSeeder(t *testing.T) {
	ctx := t.Context()
	s := open(t, embedded.NoSync())
	if err := s.InsertUsers(ctx, []bson.M{kleoUser()}); err != nil {
		t.Fatal(err)
	}
	// A duplicate _id fails the whole call.
	other := bson.M{"address": "0x1111111111111111111111111111111111111111"}
	if err := s.InsertUsers(ctx, []bson.M{other, kleoUser()}); err == nil {
		t.Error("a duplicate _id was inserted")
	}
	if err := s.InsertHistory(ctx, []bson.M{{"_id": "not an ObjectId"}}); err == nil {
		t.Error("a string _id was accepted")
	}
	// A missing _id is generated and stored first, as mongod does.
	if err := s.InsertHistory(ctx, []bson.M{{"address": addr, "title": "t", "visitTime": 1.5}}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Users) != 1 || len(d.History) != 1 {
		t.Fatalf("Dump: %d users, %d history, want 1 and 1", len(d.Users), len(d.History))
	}
	if _, ok := d.History[0]["_id"].(bson.ObjectID); !ok {
		t.Errorf("generated _id is %T", d.History[0]["_id"])
	}
	// ReplaceUsers moves the address index with the document.
	repaired := kleoUser()
	repaired["address"] = "0x1111111111111111111111111111111111111111"
	if err := s.ReplaceUsers(ctx, []bson.M{repaired}); err != nil {
		t.Fatal(err)
	}
	us, err := s.Users(ctx, []string{addr, "0x1111111111111111111111111111111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	if _, old := us[addr]; old || len(us) != 1 {
		t.Errorf("after replacing the address: %v", us)
	}
	missing := kleoUser()
	missing["_id"] = bson.NewObjectID()
	if err := s.ReplaceUsers(ctx, []bson.M{missing}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("replacing a missing document: %v, want ErrNotFound", err)
	}
	if d, _ := s.Dump(ctx); len(d.Users) != 1 {
		t.Errorf("ReplaceUsers created a document: %d users", len(d.Users))
	}
}

func TestUsersRejectsMixedCase(t *testing.T) {
	s := open(t, embedded.NoSync())
	if _, err := s.Users(t.Context(), []string{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}); err == nil {
		t.Error("Users accepted an address that is not lower-case")
	}
}
