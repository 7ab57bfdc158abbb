package redrive

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/store"
)

func letters(t *testing.T, st store.Store) map[string]store.DeadLetter {
	t.Helper()
	ls, err := st.DeadLetters(context.Background(), store.LetterQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.DeadLetter{}
	for _, l := range ls {
		out[l.ID] = l
	}
	return out
}

// TestLettersOfLateUsers dead-letters the records of two users who have not
// signed up; then one signs up and the other's document is malformed. The
// re-drive counts the first user's records once and marks them done; the
// second's stay open with the new reason and one more attempt, and are done
// once the document is repaired. The books end equal to a pass in which
// both users existed from the start.
func TestLettersOfLateUsers(t *testing.T) {
	ctx := context.Background()
	const early, late, poison = 1, 2, 3
	users := []int{early, late, poison}
	st, recs := world(t, users, 6, func(u int) bool { return u == early })
	clean, _ := world(t, users, 6, func(int) bool { return true })
	_, cleanProc := newRunner(clean)
	if _, err := cleanProc.Handle(ctx, event("shardId-000000000000", 1, recs)); err != nil {
		t.Fatal(err)
	}
	want := booksOf(t, clean)

	r, proc := newRunner(st)
	if _, err := proc.Handle(ctx, event("shardId-000000000000", 1, recs)); err != nil {
		t.Fatal(err)
	}
	open := letters(t, st)
	if len(open) != 12 {
		t.Fatalf("%d dead letters; want the 12 records of the two unknown users", len(open))
	}
	for _, l := range open {
		if l.Reason != processor.ReasonUnknownUser || l.ItemID == "" || l.Payload != nil {
			t.Fatalf("letter %s = %+v; want reason %q, an item id and no payload", l.ID, l, processor.ReasonUnknownUser)
		}
	}

	lateDoc, poisonDoc := user(late), user(poison)
	poisonDoc["activity_json"] = "oops"
	if err := st.InsertUsers(ctx, []bson.M{lateDoc, poisonDoc}); err != nil {
		t.Fatal(err)
	}

	dry, err := r.Letters(ctx, store.LetterQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Records != 12 || dry.Counted != 6 || dry.DeadLettered != 6 || dry.Done != 0 {
		t.Fatalf("dry run = %+v; want 12 records, 6 to count, 6 to fail again", dry)
	}
	if got := letters(t, st); !reflect.DeepEqual(got, open) {
		t.Fatal("the dry run changed the dead letters")
	}

	r.Apply = true
	s, err := r.Letters(ctx, store.LetterQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != 12 || s.Counted != 6 || s.Done != 6 || s.DeadLettered != 6 || s.AlreadyCounted != 0 {
		t.Fatalf("re-drive = %+v; want 6 counted and done, 6 dead-lettered again", s)
	}
	lateAddr := lower(late)
	for id, l := range letters(t, st) {
		switch l.Address {
		case lateAddr:
			if l.State != store.LetterDone || l.Attempts != 1 {
				t.Errorf("letter %s of the user who signed up: state %s, attempts %d; want done, 1", id, l.State, l.Attempts)
			}
		default:
			if l.State != store.LetterOpen || l.Attempts != 1 || !strings.Contains(l.Reason, "activity_json") {
				t.Errorf("letter %s of the malformed user: state %s, attempts %d, reason %q; want open, 1, the activity_json reason", id, l.State, l.Attempts, l.Reason)
			}
		}
	}

	// Re-opening a done letter and re-driving it counts nothing.
	var someDone string
	for id, l := range letters(t, st) {
		if l.State == store.LetterDone {
			someDone = id
			break
		}
	}
	if err := st.UpdateDeadLetters(ctx, []store.LetterUpdate{{ID: someDone, State: store.LetterOpen}}); err != nil {
		t.Fatal(err)
	}
	s, err = r.Letters(ctx, store.LetterQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != 7 || s.Counted != 0 || s.Done != 1 || s.AlreadyCounted != 1 || s.DeadLettered != 6 {
		t.Fatalf("second re-drive = %+v; want the re-opened letter already counted, 6 failing again", s)
	}
	if got := letters(t, st)[someDone]; got.State != store.LetterDone {
		t.Fatalf("re-opened letter: %s; want done", got.State)
	}
	for _, l := range letters(t, st) {
		if l.Address != lateAddr && l.Attempts != 2 {
			t.Fatalf("letter %s: %d attempts; want 2", l.ID, l.Attempts)
		}
	}

	// The operator repairs the document; the last re-drive clears the rest.
	poisonDoc["activity_json"] = bson.M{}
	if err := st.ReplaceUsers(ctx, []bson.M{poisonDoc}); err != nil {
		t.Fatal(err)
	}
	s, err = r.Letters(ctx, store.LetterQuery{Reason: "activity_json"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Records != 6 || s.Counted != 6 || s.Done != 6 || s.DeadLettered != 0 {
		t.Fatalf("re-drive after the repair = %+v; want 6 counted and done", s)
	}
	for _, l := range letters(t, st) {
		if l.State != store.LetterDone {
			t.Fatalf("letter %s still %s", l.ID, l.State)
		}
	}
	got := booksOf(t, st)
	// The repair replaced the legacy key the fixture starts with.
	want[eipOf(poison)] = strings.Replace(want[eipOf(poison)], "JobHunting=1,", "", 1)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("books:\n%v\nwant:\n%v", got, want)
	}
}

func eipOf(u int) string { return fmt.Sprint(user(u)["address"]) }
