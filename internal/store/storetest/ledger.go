package storetest

import (
	"testing"

	"github.com/kleo-network/kleo-stream/internal/store"
)

var ledgerCases = []testCase{
	{name: "LedgerInsertIfAbsent", fn: testLedgerInsert},
	{name: "LedgerFirstEffectWins", fn: testLedgerFirstWins},
	{name: "LedgerMarksCounted", fn: testLedgerCounted},
	{name: "LedgerDuplicateInOneCall", fn: testLedgerDuplicate},
}

func testLedgerInsert(t *testing.T, s Store) {
	e1 := entry(histEIP55[0], addrEIP55, 120, "Coding", 1000)
	e2 := entry(histEIP55[1], addrEIP55, 80, "Job Hunting", 2000)
	e2.Findings = nil
	e2.State = store.Counted // ignored: a new entry is stored Pending
	if got := ledger(t, s, []store.Entry{e1, e2}, nil); len(got) != 0 {
		t.Errorf("Ledger of new entries returned %v, want none", sortedKeys(got))
	}
	got := entries(t, s, e1.ID, e2.ID, histEIP55[2])
	if len(got) != 2 {
		t.Fatalf("Entries returned %v, want the 2 stored", sortedKeys(got))
	}
	for _, e := range []store.Entry{e1, e2} {
		if want := stored(e, store.Pending); !sameEntry(got[e.ID], want) {
			t.Errorf("stored %+v\nwant    %+v", got[e.ID], want)
		}
	}
	if got := ledger(t, s, nil, nil); len(got) != 0 {
		t.Errorf("empty Ledger call returned %v", got)
	}
}

func testLedgerFirstWins(t *testing.T, s Store) {
	first := entry(histEIP55[0], addrEIP55, 120, "Coding", 1000)
	ledger(t, s, []store.Entry{first}, nil)
	// A redelivery after a redeploy computes another effect: the stored one
	// is returned and kept.
	again := first
	again.Bytes, again.Activity, again.PII, again.Points = 999, "News", 5, 3
	again.Shard, again.Seq = "shardId-000000000007", "4960"
	fresh := entry(histEIP55[1], addrEIP55, 80, "Job Hunting", 2000)
	got := ledger(t, s, []store.Entry{again, fresh}, nil)
	if len(got) != 1 {
		t.Fatalf("Ledger returned %v, want only the existing %s", sortedKeys(got), first.ID)
	}
	want := stored(first, store.Pending)
	if !sameEntry(got[first.ID], want) {
		t.Errorf("returned %+v\nwant     %+v (the first effect)", got[first.ID], want)
	}
	if e := entries(t, s, first.ID)[first.ID]; !sameEntry(e, want) {
		t.Errorf("stored %+v\nwant   %+v (the first effect)", e, want)
	}
}

func testLedgerCounted(t *testing.T, s Store) {
	e1 := entry(histEIP55[0], addrEIP55, 120, "Coding", 1000)
	e2 := entry(histEIP55[1], addrEIP55, 80, "Job Hunting", 2000)
	ledger(t, s, []store.Entry{e1, e2}, nil)
	// Marking counted ids that are not in the ledger creates nothing.
	if got := ledger(t, s, nil, []string{e1.ID, histEIP55[3]}); len(got) != 0 {
		t.Errorf("Ledger(nil, counted) returned %v", sortedKeys(got))
	}
	got := entries(t, s, e1.ID, e2.ID, histEIP55[3])
	if got[e1.ID].State != store.Counted || got[e2.ID].State != store.Pending {
		t.Errorf("states %q %q, want counted pending", got[e1.ID].State, got[e2.ID].State)
	}
	if _, ok := got[histEIP55[3]]; ok {
		t.Errorf("marking an absent id counted created an entry")
	}
	// The stored entries come back as they are after the call's writes.
	back := ledger(t, s, []store.Entry{e1, e2}, []string{e2.ID})
	if back[e1.ID].State != store.Counted || back[e2.ID].State != store.Counted {
		t.Errorf("returned states %q %q, want counted counted", back[e1.ID].State, back[e2.ID].State)
	}
	if !sameEntry(back[e2.ID], stored(e2, store.Counted)) {
		t.Errorf("returned %+v, want %+v", back[e2.ID], stored(e2, store.Counted))
	}
}

func testLedgerDuplicate(t *testing.T, s Store) {
	a := entry(histEIP55[0], addrEIP55, 120, "Coding", 1000)
	b := a
	b.Bytes, b.Activity = 7, "News"
	if got := ledger(t, s, []store.Entry{a, b}, nil); len(got) != 0 {
		t.Errorf("an id twice in one call: returned %v, want it inserted (absent from the map)", sortedKeys(got))
	}
	if e := entries(t, s, a.ID)[a.ID]; !sameEntry(e, stored(a, store.Pending)) {
		t.Errorf("stored %+v, want the first of the call %+v", e, stored(a, store.Pending))
	}
}
