package mongostore

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// seedUsers inserts n Kleo-shaped users (EIP-55 addresses) and returns their
// lower-case addresses.
func seedUsers(t *testing.T, s *Store, n int) []string {
	t.Helper()
	var addrs []string
	var docs []bson.D
	for i := range n {
		a := hexAddr(1000 + i)
		addrs = append(addrs, a)
		docs = append(docs, kleoUser(oid(1000+i), eip55.Checksum(a)))
	}
	insertRaw(t, s.users, docs...)
	return addrs
}

// entries returns per new entries for each address, with ids from base.
func entries(addrs []string, per, base int) []store.Entry {
	var out []store.Entry
	for i, a := range addrs {
		for k := range per {
			out = append(out, entry(fmt.Sprintf("65a0%020x", base+i*per+k), a, 100, "Coding"))
		}
	}
	return out
}

// TestRoundTripsPerSteadyBatch counts the commands of a steady batch (new
// records for users who already have applied ids to mark counted) with the
// driver's command monitor: Users, Ledger and Apply send one command each on
// MongoDB. On FerretDB the same batch is split into commands of at most 50
// statements.
func TestRoundTripsPerSteadyBatch(t *testing.T) {
	for _, tt := range []struct {
		name  string
		kind  serverKind
		users int
		want  []string // command names of the steady batch
		most  int      // statements per update command
	}{
		// 40 users: Ledger sends 80 upserts + 80 counted updates, Apply 40
		// guarded updates (fewer than FerretDB's deadlock of 100 statements
		// matching existing documents, so MongoDB's batching runs on it).
		{"MongoDB", mongoDB, 40, []string{"find", "update", "update"}, 160},
		// FerretDB: Ledger 20+20 statements, Apply 2 per user (the int32
		// overflow guard).
		{"FerretDB small batch", unknownKind, 10, []string{"find", "update", "update"}, 40},
		// Ledger 104 statements in 3 commands, Apply 52 in 2.
		{"FerretDB chunked", unknownKind, 26, []string{"find", "update", "update", "update", "update", "update"}, 50},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var cmds commands
			s := open(t, tt.kind, cmds.monitor())
			addrs := seedUsers(t, s, tt.users)
			for i, err := range batch(t, s, entries(addrs, 2, 0)) {
				if err != nil {
					t.Fatalf("first batch, update %d: %v", i, err)
				}
			}
			cmds.reset()
			errs := batch(t, s, entries(addrs, 2, 1000))
			got, stmts := cmds.names(), cmds.statements()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("steady batch, update %d: %v", i, err)
				}
			}
			t.Logf("%d users, 2 new records each: commands %v, statements per update command %v", tt.users, got, stmts)
			if !slices.Equal(got, tt.want) {
				t.Errorf("commands = %v, want %v", got, tt.want)
			}
			if m := slices.Max(stmts); m > tt.most {
				t.Errorf("an update command carried %d statements, want at most %d", m, tt.most)
			}
			// The batch counted: each user got its four records.
			us, err := s.Users(t.Context(), addrs)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range addrs {
				if u := us[a]; u.Version != 2 || len(u.Applied) != 2 {
					t.Fatalf("user %s after two batches: %+v", a, u)
				}
			}
		})
	}
}

// TestUsersOneRoundTrip: more matching users than a find's default first
// batch (101) still come in one round trip, without a getMore.
func TestUsersOneRoundTrip(t *testing.T) {
	var cmds commands
	s := open(t, unknownKind, cmds.monitor())
	addrs := seedUsers(t, s, 150)
	cmds.reset()
	us, err := s.Users(t.Context(), addrs)
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != len(addrs) {
		t.Errorf("Users found %d of %d", len(us), len(addrs))
	}
	if got := cmds.names(); !slices.Equal(got, []string{"find"}) {
		t.Errorf("commands = %v, want one find", got)
	}
}

// TestBulkLimits checks the chunking decision for both kinds of server from
// their buildInfo answers: MongoDB 7.0's fields as its documentation lists
// them (testdata; no MongoDB runs here), FerretDB's as it answers (testdata
// and the live server).
func TestBulkLimits(t *testing.T) {
	var live bson.Raw
	s := open(t, unknownKind)
	if err := s.users.Database().RunCommand(t.Context(), bson.D{{Key: "buildInfo", Value: 1}}).Decode(&live); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		info  bson.Raw
		bulk  int
		exact bool
	}{
		{"MongoDB 7.0 (documented fields)", fixtureDoc(t, "testdata/buildinfo_mongodb.json"), 0, true},
		{"FerretDB v1 (recorded)", fixtureDoc(t, "testdata/buildinfo_ferretdb.json"), ferretBulk, false},
		{"FerretDB v1 (live)", live, ferretBulk, false},
	} {
		bulk, exact := bulkLimits(kindOf(tt.info))
		if bulk != tt.bulk || exact != tt.exact {
			t.Errorf("%s: bulk %d, exact indexes %v; want %d, %v", tt.name, bulk, exact, tt.bulk, tt.exact)
		}
	}
	if s.bulk != ferretBulk || s.exactIndexes {
		t.Errorf("Open on FerretDB: bulk %d, exact indexes %v", s.bulk, s.exactIndexes)
	}
}

func fixtureDoc(t *testing.T, path string) bson.Raw {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc bson.Raw
	if err := bson.UnmarshalExtJSON(data, false, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestLedgerReadsOnlyWhenSomeExisted: a Ledger call of new entries is one
// command; one with entries stored before reads them back with one find.
func TestLedgerReadsOnlyWhenSomeExisted(t *testing.T) {
	var cmds commands
	s := open(t, mongoDB, cmds.monitor())
	old := entries([]string{hexAddr(1)}, 3, 0)
	for _, tt := range []struct {
		name    string
		entries []store.Entry
		want    []string
		existed int
	}{
		{"new", old, []string{"update"}, 0},
		{"redelivered with one new", append(slices.Clone(old), entries([]string{hexAddr(1)}, 1, 500)...), []string{"update", "find"}, 3},
	} {
		cmds.reset()
		got, err := s.Ledger(t.Context(), tt.entries, nil)
		if err != nil {
			t.Fatal(err)
		}
		if names := cmds.names(); !slices.Equal(names, tt.want) || len(got) != tt.existed {
			t.Errorf("%s: commands %v, %d stored entries returned; want %v, %d", tt.name, names, len(got), tt.want, tt.existed)
		}
	}
}
