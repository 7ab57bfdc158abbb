package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
)

var letterCases = []testCase{
	{name: "DeadLettersIdempotent", fn: testLettersPut},
	{name: "DeadLettersQuery", fn: testLettersQuery},
	{name: "DeadLettersUpdate", fn: testLettersUpdate},
}

func letter(n int, reason string, at time.Time) store.DeadLetter {
	seq := "4959000000000000000000000000000000000000000000000000000" + string(rune('0'+n))
	return store.DeadLetter{
		ID: "shardId-000000000000/" + seq, Shard: "shardId-000000000000", Seq: seq,
		ItemID: histUnknown, Address: addrUnknown, Reason: reason,
		PayloadSize: 321, At: at, State: store.LetterOpen,
	}
}

func putLetters(t *testing.T, s Store, dls ...store.DeadLetter) {
	t.Helper()
	if err := s.PutDeadLetters(t.Context(), dls); err != nil {
		t.Fatalf("PutDeadLetters: %v", err)
	}
}

func letters(t *testing.T, s Store, q store.LetterQuery) []store.DeadLetter {
	t.Helper()
	dls, err := s.DeadLetters(t.Context(), q)
	if err != nil {
		t.Fatalf("DeadLetters: %v", err)
	}
	return dls
}

func letterIDs(dls []store.DeadLetter) []string {
	var ids []string
	for _, dl := range dls {
		ids = append(ids, dl.ID)
	}
	return ids
}

func sameLetter(a, b store.DeadLetter) bool {
	return a.ID == b.ID && a.Shard == b.Shard && a.Seq == b.Seq && a.ItemID == b.ItemID &&
		a.Address == b.Address && a.Reason == b.Reason && string(a.Payload) == string(b.Payload) &&
		a.PayloadSize == b.PayloadSize && a.At.Equal(b.At) && a.ExpireAt.Equal(b.ExpireAt) &&
		a.State == b.State && a.Attempts == b.Attempts
}

func testLettersPut(t *testing.T, s Store) {
	expire := time.Now().Add(30 * 24 * time.Hour).UTC()
	a := letter(1, "user not found", t0)
	b := letter(2, "invalid record: missing _id", t0.Add(time.Second))
	b.ItemID, b.Address, b.Payload, b.ExpireAt = "", "", []byte(`{"address":"0x[redacted]"}`), expire
	putLetters(t, s, a, b)
	// A redelivery of the same records with other reasons keeps the first.
	a2, b2 := a, b
	a2.Reason, b2.Reason = "changed", "changed"
	putLetters(t, s, a2, b2)
	got := letters(t, s, store.LetterQuery{})
	if len(got) != 2 {
		t.Fatalf("DeadLetters = %v, want 2 letters", letterIDs(got))
	}
	a.At, b.At, b.ExpireAt = ms(a.At), ms(b.At), ms(b.ExpireAt)
	for i, want := range []store.DeadLetter{a, b} {
		if !sameLetter(got[i], want) {
			t.Errorf("letter %d = %+v\nwant       %+v", i, got[i], want)
		}
	}
	if d := dump(t, s); !slices.Equal(letterIDs(d.DeadLetters), []string{a.ID, b.ID}) {
		t.Errorf("Dump letters %v, want %v", letterIDs(d.DeadLetters), []string{a.ID, b.ID})
	}
}

func testLettersQuery(t *testing.T, s Store) {
	// Inserted out of order: the query returns the oldest first.
	l3 := letter(3, "user not found", t0.Add(3*time.Minute))
	l1 := letter(1, "user not found", t0.Add(1*time.Minute))
	l2 := letter(2, "invalid record: missing visitTime", t0.Add(2*time.Minute))
	l4 := letter(4, "user not found", t0.Add(4*time.Minute))
	l4.State = store.LetterDone
	putLetters(t, s, l3, l1, l2, l4)
	for _, tc := range []struct {
		name string
		q    store.LetterQuery
		want []store.DeadLetter
	}{
		{"all", store.LetterQuery{}, []store.DeadLetter{l1, l2, l3, l4}},
		{"open", store.LetterQuery{State: store.LetterOpen}, []store.DeadLetter{l1, l2, l3}},
		{"done", store.LetterQuery{State: store.LetterDone}, []store.DeadLetter{l4}},
		{"reason substring", store.LetterQuery{Reason: "not found"}, []store.DeadLetter{l1, l3, l4}},
		{"since is inclusive", store.LetterQuery{Since: ms(l2.At)}, []store.DeadLetter{l2, l3, l4}},
		{"limit", store.LetterQuery{State: store.LetterOpen, Limit: 2}, []store.DeadLetter{l1, l2}},
		{"no match", store.LetterQuery{Reason: "nothing like this"}, nil},
	} {
		if got := letters(t, s, tc.q); !slices.Equal(letterIDs(got), letterIDs(tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, letterIDs(got), letterIDs(tc.want))
		}
	}
}

func testLettersUpdate(t *testing.T, s Store) {
	l1 := letter(1, "user not found", t0)
	l2 := letter(2, "user not found", t0.Add(time.Second))
	putLetters(t, s, l1, l2)
	us := []store.LetterUpdate{
		{ID: l1.ID, State: store.LetterDone},
		{ID: l2.ID, State: store.LetterOpen, Reason: "user document malformed"},
		{ID: "shardId-000000000009/1", State: store.LetterDone}, // expired or never stored: ignored
	}
	if err := s.UpdateDeadLetters(t.Context(), us); err != nil {
		t.Fatalf("UpdateDeadLetters: %v", err)
	}
	if err := s.UpdateDeadLetters(t.Context(), us[1:2]); err != nil {
		t.Fatalf("UpdateDeadLetters: %v", err)
	}
	got := letters(t, s, store.LetterQuery{})
	if len(got) != 2 {
		t.Fatalf("DeadLetters = %v, want 2 (an update creates no letter)", letterIDs(got))
	}
	if got[0].State != store.LetterDone || got[0].Reason != l1.Reason || got[0].Attempts != 1 {
		t.Errorf("letter 1: state %q reason %q attempts %d, want done, the old reason, 1", got[0].State, got[0].Reason, got[0].Attempts)
	}
	if got[1].State != store.LetterOpen || got[1].Reason != "user document malformed" || got[1].Attempts != 2 {
		t.Errorf("letter 2: state %q reason %q attempts %d, want open, the new reason, 2", got[1].State, got[1].Reason, got[1].Attempts)
	}
	if !got[0].At.Equal(ms(l1.At)) || got[0].ItemID != l1.ItemID {
		t.Errorf("update changed other fields: %+v", got[0])
	}
}
