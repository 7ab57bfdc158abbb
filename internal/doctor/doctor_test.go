package doctor

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
)

func finding(r Report, prefix string) (Finding, bool) {
	for _, f := range r.Findings {
		if strings.HasPrefix(f.What, prefix) {
			return f, true
		}
	}
	return Finding{}, false
}

func TestCheckKleoShapedDatabase(t *testing.T) {
	ctx := context.Background()
	uri := ferrettest.Start(t)
	db := ferrettest.Load(t, uri, "Kleo", "testdata/kleo.json")

	r, err := Check(ctx, db, Options{Full: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.UsersRead != 7 || r.HistoryRead != 5 || r.Users != 7 {
		t.Fatalf("read %d users (of %d), %d history; want 7, 7, 5", r.UsersRead, r.Users, r.HistoryRead)
	}
	blockers := []struct {
		what  string
		count int64
	}{
		{"users with one address in more than one spelling", 2},
		{"users.kleo_points is a string, not a number", 1},
		{"users.activity_json is a string, not an object", 1},
		{"users.milestones is a string, not an object", 1},
		{"no index on users {address}", 1},
	}
	for _, b := range blockers {
		f, ok := finding(r, b.what)
		if !ok || f.Severity != Blocker || f.Count != b.count {
			t.Errorf("finding %q = %+v, %v; want a blocker counting %d", b.what, f, ok, b.count)
		}
	}
	if got := len(r.Blockers()); got != len(blockers) {
		t.Errorf("%d blockers; want %d: %+v", got, len(blockers), r.Blockers())
	}
	if f, _ := finding(r, "users with one address"); !slices.Equal(f.IDs, []string{"64d000000000000000000005", "64d000000000000000000006"}) {
		t.Errorf("duplicate examples = %v", f.IDs)
	}
	for reason, n := range map[string]int64{"missing visitTime": 1, "missing address": 1, "title: want a string": 1} {
		f, ok := finding(r, "history document the processor would dead-letter: "+reason)
		if !ok || f.Count != n || f.Severity != Warning {
			t.Errorf("history finding %q = %+v, %v", reason, f, ok)
		}
	}
	if f, ok := finding(r, "users.total_data_quantity is a double"); !ok || f.Severity != Info {
		t.Errorf("double counter = %+v, %v; want info", f, ok)
	}
	wantHash := map[string]int64{"absent": 1, `"default_hash"`: 1, "false": 1, `""`: 1, "null": 1,
		"URL at gateway.irys.xyz": 1, "URL at arweave.net": 1}
	if !mapsEqual(r.PreviousHash, wantHash) {
		t.Errorf("previous_hash forms = %v; want %v", r.PreviousHash, wantHash)
	}
	if !mapsEqual(r.LegacyKeys, map[string]int64{"JobHunting": 1, "TVSeries": 1}) {
		t.Errorf("legacy keys = %v", r.LegacyKeys)
	}
	if r.LedgerPending != 2 || r.LedgerCounted != 1 || r.ArchivesSigned != 1 {
		t.Errorf("ledger pending %d counted %d, archives signed %d; want 2, 1, 1", r.LedgerPending, r.LedgerCounted, r.ArchivesSigned)
	}
	if !mapsEqual(r.LettersOpen, map[string]int64{"no user with this address in users": 2, "users.activity_json is a string, not an object": 1}) {
		t.Errorf("open letters = %v", r.LettersOpen)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"page text", "Go by Example", "0x5aaeb6", "0x4e8336", "oops", "3kTq0mJ5"} {
		if strings.Contains(strings.ToLower(text.String()), strings.ToLower(leak)) {
			t.Errorf("the report shows a value (%q):\n%s", leak, text.String())
		}
	}
	if !strings.Contains(text.String(), "5 blocker(s)") {
		t.Errorf("report:\n%s", text.String())
	}
}

// TestCheckIsBounded reads at most Sample documents; with the users.address
// index, a sampled address's other spelling outside the sample is still
// found (through the index), and without it nothing is scanned for it.
func TestCheckIsBounded(t *testing.T) {
	ctx := context.Background()
	uri := ferrettest.Start(t)
	db := ferrettest.Load(t, uri, "Kleo", "testdata/kleo.json")
	r, err := Check(ctx, db, Options{Sample: 5})
	if err != nil {
		t.Fatal(err)
	}
	if r.UsersRead != 5 || r.HistoryRead != 5 || r.Users != 7 {
		t.Fatalf("read %d users of %d, %d history; want 5 of 7 and 5", r.UsersRead, r.Users, r.HistoryRead)
	}
	if _, ok := finding(r, "users with one address"); ok {
		t.Fatal("found the duplicate outside the sample without an index to look it up by")
	}
	if _, err := db.Collection("users").Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "address", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	r, err = Check(ctx, db, Options{Sample: 5})
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := finding(r, "users with one address in more than one spelling"); !ok || f.Count != 2 {
		t.Fatalf("duplicate through the index = %+v, %v; want 2 documents", f, ok)
	}
	if _, ok := finding(r, "no index on users"); ok {
		t.Fatal("the users.address index is reported missing after it was created")
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
