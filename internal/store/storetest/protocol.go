package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/store"
)

var protocolCases = []testCase{
	{name: "ProtocolExactlyOnce", fn: testProtocolExactlyOnce},
}

// stopAfter says where a simulated invocation crashes.
type stopAfter int

const (
	runAll        stopAfter = iota
	stopAfterRead           // after Users
	stopAfterLedger
)

// deliverBatch runs the processor's three writes from package store's doc
// for one batch of entries (any users), retrying the users whose guard
// failed. Entries of users without a document are left out (the processor
// dead-letters them). It returns the ids it left out.
func deliverBatch(ctx context.Context, s Store, es []store.Entry, stop stopAfter) ([]string, error) {
	var skipped []string
	for range 1000 {
		if len(es) == 0 {
			return skipped, nil
		}
		var addrs []string
		byUser := map[string][]store.Entry{}
		for _, e := range es {
			if _, ok := byUser[e.Address]; !ok {
				addrs = append(addrs, e.Address)
			}
			byUser[e.Address] = append(byUser[e.Address], e)
		}
		us, err := s.Users(ctx, addrs)
		if err != nil {
			return nil, err
		}
		if stop == stopAfterRead {
			return skipped, nil
		}
		var known []store.Entry
		var counted []string
		for _, a := range addrs {
			u, ok := us[a]
			if !ok {
				for _, e := range byUser[a] {
					skipped = append(skipped, e.ID)
				}
				continue
			}
			known = append(known, byUser[a]...)
			counted = append(counted, u.Applied...)
		}
		existing, err := s.Ledger(ctx, known, counted)
		if err != nil {
			return nil, err
		}
		if stop == stopAfterLedger {
			return skipped, nil
		}
		var updates []store.Apply
		var owners []string
		for _, a := range addrs {
			u, ok := us[a]
			if !ok {
				continue
			}
			upd := store.Apply{UserID: u.ID, Version: u.Version, Activities: map[string]int64{}}
			seen := map[string]bool{}
			for _, id := range u.Applied {
				seen[id] = true
			}
			for _, e := range byUser[a] {
				if x, ok := existing[e.ID]; ok {
					if x.State == store.Counted {
						continue
					}
					e = x // the effect computed the first time
				}
				if seen[e.ID] {
					continue
				}
				seen[e.ID] = true
				upd.Applied = append(upd.Applied, e.ID)
				upd.Bytes += e.Bytes
				upd.PII += e.PII
				upd.Points += e.Points
				upd.Activities[e.Activity]++
			}
			updates = append(updates, upd)
			owners = append(owners, a)
		}
		errs, err := s.Apply(ctx, updates)
		if err != nil {
			return nil, err
		}
		var retry []store.Entry
		for i, err := range errs {
			switch {
			case err == nil:
			case errors.Is(err, store.ErrConflict):
				retry = append(retry, byUser[owners[i]]...)
			default:
				return nil, fmt.Errorf("user %s: %w", owners[i], err)
			}
		}
		es = retry
	}
	return nil, errors.New("no progress after 1000 conflicts")
}

// deliver is deliverBatch for one user's entries, run to the end.
func deliver(ctx context.Context, s Store, addr string, es []store.Entry) error {
	skipped, err := deliverBatch(ctx, s, es, runAll)
	if err == nil && len(skipped) > 0 {
		err = fmt.Errorf("no user %s", addr)
	}
	return err
}

// checkInvariant checks package store's invariant for each user: the
// counters grew (from the seeded document base) by exactly the effects of
// the entries that are Counted or listed in kleo_stream.applied.
func checkInvariant(t *testing.T, s Store, step string, base map[string]map[string]int64, ids []string) {
	t.Helper()
	es := entries(t, s, ids...)
	docs := userDocs(t, s)
	for addr, b := range base {
		u := user(t, s, addr)
		applied := map[string]bool{}
		for _, id := range u.Applied {
			applied[id] = true
		}
		want := map[string]int64{}
		for k, v := range b {
			want[k] = v
		}
		for _, e := range es {
			if e.Address != addr || e.State != store.Counted && !applied[e.ID] {
				continue
			}
			want["total_data_quantity"] += e.Bytes
			want["pii_removed_count"] += e.PII
			want["activity_json."+e.Activity]++
		}
		doc := docs[userIDs[addr]]
		for k, w := range want {
			if k == "milestones.data_owned" {
				continue // checked below
			}
			path := []string{k}
			if len(k) > 14 && k[:14] == "activity_json." {
				path = []string{"activity_json", k[14:]}
			}
			v, _ := get(doc, path...)
			if got := toInt(v); got != w && !(w == 0 && v == nil) {
				t.Errorf("%s: %s %v = %d, want %d", step, addr, path, got, w)
			}
		}
		owned, _ := get(doc, "milestones", "data_owned")
		if toInt(owned) != want["total_data_quantity"]-b["total_data_quantity"]+b["milestones.data_owned"] {
			t.Errorf("%s: %s milestones.data_owned = %v, want it to grow like total_data_quantity", step, addr, owned)
		}
	}
}

func testProtocolExactlyOnce(t *testing.T, s Store) {
	seedKleo(t, s)
	ctx := t.Context()
	e := func(id, addr string, bytes int64, act string) store.Entry { return entry(id, addr, bytes, act, bytes) }
	all := []store.Entry{
		e(histEIP55[0], addrEIP55, 101, "Coding"),
		e(histEIP55[1], addrEIP55, 102, "Job Hunting"),
		e(histEIP55[2], addrEIP55, 103, "News"),
		e(histEIP55[3], addrEIP55, 104, "Coding"),
		e(histNoActivity[0], addrNoActivity, 201, "Cooking"),
		e(histNoActivity[1], addrNoActivity, 202, "Travel"),
		e(histLegacy[0], addrLegacy, 301, "TV Series"),
		e(histLegacy[1], addrLegacy, 302, "Job Hunting"),
		e(histLower, addrLower, 401, "Coding"),
		e(histUnknown, addrUnknown, 501, "News"),
	}
	var ids []string
	for _, x := range all {
		ids = append(ids, x.ID)
	}
	base := map[string]map[string]int64{
		addrEIP55:      {"total_data_quantity": 0, "milestones.data_owned": 0},
		addrNoActivity: {"total_data_quantity": 0, "milestones.data_owned": 0},
		addrLegacy: {"total_data_quantity": 5_000_000_000, "milestones.data_owned": 5_000_000_000,
			"activity_json.JobHunting": 3, "activity_json.TVSeries": 1, "activity_json.Coding": 5},
		addrLower: {"total_data_quantity": 0, "milestones.data_owned": 0},
	}
	before := userDocs(t, s)
	// A redeploy computes other effects for the same items.
	redeployed := func(es []store.Entry) []store.Entry {
		out := make([]store.Entry, len(es))
		for i, x := range es {
			x.Bytes, x.Activity, x.PII = x.Bytes*1000, "Gaming", 9
			out[i] = x
		}
		return out
	}
	pick := func(idx ...int) []store.Entry {
		var out []store.Entry
		for _, i := range idx {
			out = append(out, all[i])
		}
		return out
	}
	steps := []struct {
		name string
		es   []store.Entry
		stop stopAfter
	}{
		{"first batch", pick(0, 1, 4, 6, 9), runAll},
		{"the same batch redelivered", pick(0, 1, 4, 6, 9), runAll},
		{"crash after reading users", pick(2, 5, 8), stopAfterRead},
		{"crash after the ledger write", pick(2, 5, 8), stopAfterLedger},
		{"the batch retried after a redeploy", redeployed(pick(2, 5, 8)), runAll},
		{"out of order, overlapping", append(pick(7, 3), redeployed(pick(0, 2))...), runAll},
		{"a discarded batch re-driven days later", redeployed(pick(1, 4, 6, 9)), runAll},
		{"everything again in reverse", pick(9, 8, 7, 6, 5, 4, 3, 2, 1, 0), runAll},
	}
	for _, st := range steps {
		skipped, err := deliverBatch(ctx, s, st.es, st.stop)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for _, id := range skipped {
			if id != histUnknown {
				t.Fatalf("%s: %s skipped: its user was not found", st.name, id)
			}
		}
		checkInvariant(t, s, st.name, base, ids)
	}
	// Every item was delivered: each is counted once with its first effect.
	got := entries(t, s, ids...)
	if _, ok := got[histUnknown]; ok {
		t.Errorf("an entry was stored for the user without a document")
	}
	for _, x := range all[:9] {
		if g := got[x.ID]; g.Bytes != x.Bytes || g.Activity != x.Activity {
			t.Errorf("%s: stored effect %d %s, want the first computed %d %s", x.ID, g.Bytes, g.Activity, x.Bytes, x.Activity)
		}
	}
	after := userDocs(t, s)
	for addr, b := range base {
		var bytes int64
		acts := map[string]int64{}
		for _, x := range all[:9] {
			if x.Address == addr {
				bytes += x.Bytes
				acts[x.Activity]++
			}
		}
		doc := after[userIDs[addr]]
		v, _ := get(doc, "total_data_quantity")
		if toInt(v) != b["total_data_quantity"]+bytes {
			t.Errorf("%s: total_data_quantity %v, want %d + %d", addr, v, b["total_data_quantity"], bytes)
		}
		var names []string
		for a, n := range acts {
			names = append(names, a)
			v, _ := get(doc, "activity_json", a)
			if toInt(v) != b["activity_json."+a]+n {
				t.Errorf("%s: activity_json.%s = %v, want %d", addr, a, v, b["activity_json."+a]+n)
			}
		}
		if v, ok := get(doc, "activity_json", "Gaming"); ok {
			t.Errorf("%s: activity_json.Gaming = %v: a recomputed effect was counted", addr, v)
		}
		untouched(t, before[userIDs[addr]], doc, names...)
	}
}
