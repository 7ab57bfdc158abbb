// Package storetest is the one conformance suite for store.Store. Both
// implementations run it from their own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store { return openEmpty(t) })
//	}
//
// open must return an empty store (no users, no history, nothing of ours)
// that stays usable until the test ends; the implementation's test closes it
// in t.Cleanup. Every case seeds Kleo-shaped documents from testdata/ through
// store.Seeder, as Kleo's backend and API write them, and after every case
// the suite checks that no document was created in users or history.
//
// The concurrency cases need single-document updates that are atomic under
// concurrency. A backend without them (FerretDB v1) passes
// WithoutConcurrency: those cases are then skipped with the reason, and a
// skip is reported as such, never as a pass.
package storetest

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/store"
)

// Store is what the suite drives: the contract and the seeder that plays
// Kleo's backend.
type Store interface {
	store.Store
	store.Seeder
}

// Option configures Run.
type Option func(*config)

type config struct {
	noConcurrency string
}

// WithoutConcurrency skips the cases that race goroutines on one document,
// for a backend whose single-document updates are not atomic. reason is
// printed in every skip.
func WithoutConcurrency(reason string) Option {
	return func(c *config) { c.noConcurrency = reason }
}

type testCase struct {
	name       string
	concurrent bool
	fn         func(t *testing.T, s Store)
}

// Run runs the conformance suite, one subtest per behaviour, each on a fresh
// store from open.
func Run(t *testing.T, open func(t *testing.T) Store, opts ...Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	var cases []testCase
	cases = append(cases, userCases...)
	cases = append(cases, applyCases...)
	cases = append(cases, ledgerCases...)
	cases = append(cases, letterCases...)
	cases = append(cases, historyCases...)
	cases = append(cases, archiveCases...)
	cases = append(cases, dumpCases...)
	cases = append(cases, protocolCases...)
	cases = append(cases, concurrencyCases...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.concurrent && cfg.noConcurrency != "" {
				t.Skipf("NOT RUN (concurrency case skipped, not passed): %s", cfg.noConcurrency)
			}
			s := &tracked{Store: open(t)}
			tc.fn(t, s)
			if !t.Failed() {
				checkKleoDocs(t, s)
			}
		})
	}
}

// tracked counts the documents the case inserts into Kleo's collections, so
// that checkKleoDocs can tell that the store itself created none.
type tracked struct {
	Store
	mu             sync.Mutex
	users, history int
}

func (s *tracked) InsertUsers(ctx context.Context, docs []bson.M) error {
	err := s.Store.InsertUsers(ctx, docs)
	if err == nil {
		s.mu.Lock()
		s.users += len(docs)
		s.mu.Unlock()
	}
	return err
}

func (s *tracked) InsertHistory(ctx context.Context, docs []bson.M) error {
	err := s.Store.InsertHistory(ctx, docs)
	if err == nil {
		s.mu.Lock()
		s.history += len(docs)
		s.mu.Unlock()
	}
	return err
}

// checkKleoDocs fails if users or history hold more or fewer documents than
// the case inserted: the store must never create or delete one.
func checkKleoDocs(t *testing.T, s *tracked) {
	t.Helper()
	d, err := s.Dump(context.Background())
	if err != nil {
		t.Fatalf("Dump after the case: %v", err)
	}
	if len(d.Users) != s.users || len(d.History) != s.history {
		t.Errorf("users holds %d documents and history %d, but Kleo's backend inserted %d and %d",
			len(d.Users), len(d.History), s.users, s.history)
	}
}

// Fixture file names under testdata/.
const (
	fixtureUsers      = "users.json"
	fixtureDuplicates = "users_duplicates.json"
	fixtureHistory    = "history.json"
)

//go:embed testdata/*.json
var testdata embed.FS

// Fixture addresses, lower-case. The comments say what each user document in
// testdata/users.json is like.
const (
	addrEIP55       = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed" // EIP-55 address, int32 counters, activity_json {}, previous_hash "default_hash"
	addrNoActivity  = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359" // no activity_json, no previous_hash
	addrLegacy      = "0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb" // JobHunting/TVSeries keys, int64 counters, Irys previous_hash
	addrFalseHash   = "0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb" // previous_hash false, kleo_points int64
	addrDouble      = "0x52908400098527886e0f7030069857d2e4169ee7" // double counters, previous_hash ""
	addrNearMax     = "0xab5801a7d398351b8be11c439e05c5b3259aec9b" // int32 counters a few units below 2^31
	addrLower       = "0x9a8f92a830a5cb89a3816e3d267cb7791c16b04d" // address stored lower-case
	addrBadActivity = "0x8617e340b3d01fa5f11f306f4090fd50e238070d" // activity_json "oops"
	addrBadPoints   = "0xe64b1e15230250bc7a95f120a83df7d7d480f3d1" // kleo_points "12"
	addrBadShape    = "0x27b1fdb04752bbc536007a920d24acb045561c26" // milestones "none", kleo_stream "v1"
	addrUnknown     = "0x3e5e9111ae8eb78fe1cc3bb8915d5d461f3ef9a9" // no user in users.json; two same-spelling documents in users_duplicates.json
	addrDupCase     = "0x4e83362442b8d1bec281594cea3050c8eb01311c" // users_duplicates.json: one lower-case, one EIP-55 document
)

// userIDs maps fixture addresses to their documents' _id.
var userIDs = map[string]string{
	addrEIP55:       "64b000000000000000000001",
	addrNoActivity:  "64b000000000000000000002",
	addrLegacy:      "64b000000000000000000003",
	addrFalseHash:   "64b000000000000000000004",
	addrDouble:      "64b000000000000000000005",
	addrNearMax:     "64b000000000000000000006",
	addrLower:       "64b000000000000000000007",
	addrBadActivity: "64b000000000000000000008",
	addrBadPoints:   "64b000000000000000000009",
	addrBadShape:    "64b00000000000000000000a",
}

// History ids in testdata/history.json, by user.
var (
	histEIP55      = []string{"65a000000000000000000001", "65a000000000000000000002", "65a000000000000000000003", "65a000000000000000000004"}
	histNoActivity = []string{"65a000000000000000000005", "65a000000000000000000006"}
	histLegacy     = []string{"65a000000000000000000007", "65a000000000000000000008"}
	histLower      = "65a000000000000000000009"
	histUnknown    = "65a00000000000000000000b"
)

// t0 has a sub-millisecond part on purpose: stores keep milliseconds.
var t0 = time.Date(2026, 11, 26, 8, 0, 0, 123_456_789, time.UTC)

func ms(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

// fixture decodes one testdata file. Each call returns fresh documents.
func fixture(t *testing.T, name string) []bson.M {
	t.Helper()
	data, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	var f struct {
		Users   []bson.M `bson:"users"`
		History []bson.M `bson:"history"`
	}
	if err := bson.UnmarshalExtJSON(data, false, &f); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return append(f.Users, f.History...)
}

// seed inserts Kleo's documents from the named fixture files (users files
// into users, the history file into history) and remembers how many.
func seed(t *testing.T, s Store, names ...string) {
	t.Helper()
	for _, name := range names {
		docs := fixture(t, name)
		var err error
		if name == fixtureHistory {
			err = s.InsertHistory(t.Context(), docs)
		} else {
			err = s.InsertUsers(t.Context(), docs)
		}
		if err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
	}
}

// seedKleo seeds the usual fixtures: Kleo's users and history.
func seedKleo(t *testing.T, s Store) { seed(t, s, fixtureUsers, fixtureHistory) }

// idOf returns a document's _id as hex (ObjectId) or its Extended JSON.
func idOf(t *testing.T, doc bson.M) string {
	t.Helper()
	switch id := doc["_id"].(type) {
	case bson.ObjectID:
		return id.Hex()
	default:
		j, _ := bson.MarshalExtJSON(bson.M{"_id": id}, true, false)
		return string(j)
	}
}

// --- store calls that must succeed ---

func users(t *testing.T, s Store, addrs ...string) map[string]store.UserState {
	t.Helper()
	m, err := s.Users(t.Context(), addrs)
	if err != nil {
		t.Fatalf("Users: %v", err)
	}
	return m
}

func user(t *testing.T, s Store, addr string) store.UserState {
	t.Helper()
	u, ok := users(t, s, addr)[addr]
	if !ok {
		t.Fatalf("Users: no user for %s", addr)
	}
	return u
}

func apply(t *testing.T, s Store, us ...store.Apply) []error {
	t.Helper()
	errs, err := s.Apply(t.Context(), us)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(errs) != len(us) {
		t.Fatalf("Apply returned %d results for %d updates", len(errs), len(us))
	}
	return errs
}

func mustApply(t *testing.T, s Store, us ...store.Apply) {
	t.Helper()
	for i, err := range apply(t, s, us...) {
		if err != nil {
			t.Fatalf("Apply update %d: %v", i, err)
		}
	}
}

func ledger(t *testing.T, s Store, entries []store.Entry, counted []string) map[string]store.Entry {
	t.Helper()
	m, err := s.Ledger(t.Context(), entries, counted)
	if err != nil {
		t.Fatalf("Ledger: %v", err)
	}
	return m
}

func entries(t *testing.T, s Store, ids ...string) map[string]store.Entry {
	t.Helper()
	m, err := s.Entries(t.Context(), ids)
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	return m
}

func dump(t *testing.T, s Store) store.Dump {
	t.Helper()
	d, err := s.Dump(t.Context())
	if err != nil {
		t.Fatalf("Dump: %v", err)
	}
	return d
}

// userDocs returns the stored user documents by _id hex.
func userDocs(t *testing.T, s Store) map[string]bson.M {
	t.Helper()
	out := map[string]bson.M{}
	for _, doc := range dump(t, s).Users {
		out[idOf(t, doc)] = doc
	}
	return out
}

// userDoc returns the stored document of a fixture user.
func userDoc(t *testing.T, s Store, addr string) bson.M {
	t.Helper()
	doc, ok := userDocs(t, s)[userIDs[addr]]
	if !ok {
		t.Fatalf("no stored document %s for %s", userIDs[addr], addr)
	}
	return doc
}

// entry returns a ledger entry with every field set.
func entry(id, addr string, bytes int64, activity string, visit int64) store.Entry {
	return store.Entry{
		ID: id, Address: addr, Shard: "shardId-000000000000", Seq: "4959" + id,
		Bytes: bytes, Activity: activity, PII: 1, Points: 0, VisitTime: visit,
		Seen: t0, Findings: map[string]int64{"EMAIL": 1},
	}
}

// stored is e as a store returns it after inserting it.
func stored(e store.Entry, state string) store.Entry {
	e.State = state
	e.Seen = ms(e.Seen)
	return e
}

func sameEntry(a, b store.Entry) bool {
	if len(a.Findings) == 0 && len(b.Findings) == 0 {
		a.Findings, b.Findings = nil, nil
	}
	return a.ID == b.ID && a.Address == b.Address && a.Shard == b.Shard && a.Seq == b.Seq &&
		a.Bytes == b.Bytes && a.Activity == b.Activity && a.PII == b.PII && a.Points == b.Points &&
		a.VisitTime == b.VisitTime && a.State == b.State && a.ArchiveTx == b.ArchiveTx &&
		a.Seen.Equal(b.Seen) && fmt.Sprint(a.Findings) == fmt.Sprint(b.Findings)
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
