package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
)

var dumpCases = []testCase{
	{name: "DumpSortedAndComplete", fn: testDump},
	{name: "CanceledContext", fn: testCanceled},
}

func testDump(t *testing.T, s Store) {
	seedKleo(t, s)
	seedLedger(t, s)
	putLetters(t, s, letter(2, "user not found", t0), letter(1, "user not found", t0))
	putArchive(t, s, archive("tx-b", addrEIP55, "", "", 0, nil, t0))
	putArchive(t, s, archive("tx-a", addrLegacy, "", "", 0, nil, t0.Add(time.Hour)))
	d := dump(t, s)

	want := fixture(t, fixtureUsers)
	if len(d.Users) != len(want) {
		t.Fatalf("Dump has %d users, want %d", len(d.Users), len(want))
	}
	var ids []string
	for _, doc := range d.Users {
		ids = append(ids, idOf(t, doc))
	}
	if !slices.IsSorted(ids) {
		t.Errorf("users not sorted by _id: %v", ids)
	}
	// Seeded documents read back field for field, types included.
	byID := map[string]int{}
	for i, doc := range want {
		byID[idOf(t, doc)] = i
	}
	for _, doc := range d.Users {
		if w := want[byID[idOf(t, doc)]]; !sameDoc(t, w, doc) {
			t.Errorf("user %s reads back as %v, want %v", idOf(t, doc), doc, w)
		}
	}
	hist := fixture(t, fixtureHistory)
	if len(d.History) != len(hist) {
		t.Fatalf("Dump has %d history documents, want %d", len(d.History), len(hist))
	}
	for i, doc := range d.History {
		if !sameDoc(t, hist[i], doc) { // the fixture is in _id order
			t.Errorf("history %d reads back as %v, want %v", i, doc, hist[i])
		}
	}
	var lids []string
	for _, e := range d.Ledger {
		lids = append(lids, e.ID)
	}
	if len(lids) != 7 || !slices.IsSorted(lids) {
		t.Errorf("ledger ids %v, want 7 sorted", lids)
	}
	if got := letterIDs(d.DeadLetters); len(got) != 2 || !slices.IsSorted(got) {
		t.Errorf("dead letters %v, want 2 sorted by ID", got)
	}
	if got := archiveIDs(d.Archives); !slices.Equal(got, []string{"tx-a", "tx-b"}) {
		t.Errorf("archives %v, want [tx-a tx-b] (by ID)", got)
	}
}

func testCanceled(t *testing.T, s Store) {
	seedKleo(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	now := t0
	calls := map[string]func() error{
		"Users": func() error { _, err := s.Users(ctx, []string{addrEIP55}); return err },
		"Ledger": func() error {
			_, err := s.Ledger(ctx, []store.Entry{entry(histEIP55[0], addrEIP55, 1, "Coding", 1)}, nil)
			return err
		},
		"Apply": func() error {
			_, err := s.Apply(ctx, []store.Apply{{UserID: user(t, s, addrEIP55).ID, Bytes: 1}})
			return err
		},
		"PutDeadLetters":  func() error { return s.PutDeadLetters(ctx, []store.DeadLetter{letter(1, "x", now)}) },
		"HistoryJSON":     func() error { _, err := s.HistoryJSON(ctx, histEIP55); return err },
		"UsersToArchive":  func() error { _, err := s.UsersToArchive(ctx, 1, 10); return err },
		"AcquireLease":    func() error { _, err := s.AcquireLease(ctx, addrEIP55, "w", now, now.Add(time.Minute)); return err },
		"PutArchive":      func() error { return s.PutArchive(ctx, archive("tx-1", addrEIP55, "", "", 0, nil, now)) },
		"Dump":            func() error { _, err := s.Dump(ctx); return err },
		"DeadLetters":     func() error { _, err := s.DeadLetters(ctx, store.LetterQuery{}); return err },
		"Entries":         func() error { _, err := s.Entries(ctx, histEIP55); return err },
		"OldestUnarchive": func() error { _, err := s.OldestUnarchived(ctx, addrEIP55, 10); return err },
	}
	for _, name := range sortedKeys(calls) {
		if err := calls[name](); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: %v, want context.Canceled", name, err)
		}
	}
	before := dump(t, s)
	if len(before.Ledger) != 0 || len(before.DeadLetters) != 0 || len(before.Archives) != 0 {
		t.Errorf("a canceled call wrote: %d ledger, %d letters, %d archives", len(before.Ledger), len(before.DeadLetters), len(before.Archives))
	}
	wantValue(t, userDoc(t, s, addrEIP55), int32(0), "total_data_quantity")
}
