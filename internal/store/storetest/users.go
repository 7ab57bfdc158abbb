package storetest

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
)

var userCases = []testCase{
	{name: "UsersBothSpellings", fn: testUsersBothSpellings},
	{name: "UsersPreviousHashForms", fn: testUsersPreviousHash},
	{name: "UsersDuplicates", fn: testUsersDuplicates},
	{name: "UsersProblems", fn: testUsersProblems},
	{name: "UsersReadsOnly", fn: testUsersReadsOnly},
	{name: "UserCreatedLater", fn: testUserCreatedLater},
	{name: "UserRepaired", fn: testUserRepaired},
}

func testUsersBothSpellings(t *testing.T, s Store) {
	seedKleo(t, s)
	got := users(t, s, addrEIP55, addrLower, addrUnknown, addrLegacy)
	if len(got) != 3 {
		t.Fatalf("Users returned %d users (%v), want 3", len(got), sortedKeys(got))
	}
	if _, ok := got[addrUnknown]; ok {
		t.Errorf("Users found %s, which has no user document", addrUnknown)
	}
	for addr, want := range map[string]string{
		addrEIP55:  eip55.Checksum(addrEIP55), // stored as the wallet prints it
		addrLegacy: eip55.Checksum(addrLegacy),
		addrLower:  addrLower, // stored lower-case
	} {
		u, ok := got[addr]
		if !ok {
			t.Errorf("Users: %s not found", addr)
			continue
		}
		if u.Address != want {
			t.Errorf("%s: Address = %q, want %q as stored", addr, u.Address, want)
		}
		if u.ID == "" || u.Version != 0 || len(u.Applied) != 0 || u.LastArchive != "" || u.Problem != "" {
			t.Errorf("%s: fresh user read as %+v", addr, u)
		}
	}
	if got[addrEIP55].ID == got[addrLegacy].ID {
		t.Errorf("two users share ID %q", got[addrEIP55].ID)
	}
	if again := user(t, s, addrEIP55); again.ID != got[addrEIP55].ID {
		t.Errorf("ID not stable: %q then %q", got[addrEIP55].ID, again.ID)
	}
	if got := users(t, s, addrEIP55, addrEIP55); len(got) != 1 {
		t.Errorf("Users with an address twice = %v, want one user", sortedKeys(got))
	}
	if got := users(t, s); len(got) != 0 {
		t.Errorf("Users() with no addresses = %v", got)
	}
}

func testUsersPreviousHash(t *testing.T, s Store) {
	seedKleo(t, s)
	for _, tc := range []struct {
		addr, want, form string
	}{
		{addrEIP55, "default_hash", `"default_hash"`},
		{addrNoActivity, "", "absent"},
		{addrLegacy, "https://gateway.irys.xyz/8Zr1xYq0aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX", "an Irys URL"},
		{addrFalseHash, "", "false"},
		{addrDouble, "", `""`},
	} {
		if got := user(t, s, tc.addr).PreviousHash; got != tc.want {
			t.Errorf("previous_hash %s: PreviousHash = %q, want %q", tc.form, got, tc.want)
		}
	}
}

func testUsersDuplicates(t *testing.T, s Store) {
	seed(t, s, fixtureDuplicates)
	got := users(t, s, addrDupCase, addrUnknown)
	// The lower-case document has the lower _id; the EIP-55 one still wins.
	if u := got[addrDupCase]; u.Address != eip55.Checksum(addrDupCase) {
		t.Errorf("lower-case and EIP-55 documents: got Address %q, want the EIP-55 document", u.Address)
	}
	// Which document an ID designates shows in which one Apply changes.
	winner := func(addr string) string {
		t.Helper()
		u := got[addr]
		before := userDocs(t, s)
		mustApply(t, s, store.Apply{UserID: u.ID, Version: u.Version, Bytes: 7})
		var changed []string
		for id, doc := range userDocs(t, s) {
			if !sameDoc(t, before[id], doc) {
				changed = append(changed, id)
			}
		}
		if len(changed) != 1 {
			t.Fatalf("Apply on %s changed %d documents (%v), want 1", addr, len(changed), changed)
		}
		return changed[0]
	}
	if id := winner(addrDupCase); id != "64c000000000000000000002" {
		t.Errorf("lower-case and EIP-55 documents: Apply changed %s, want the EIP-55 document 64c000000000000000000002", id)
	}
	if id := winner(addrUnknown); id != "64c000000000000000000003" {
		t.Errorf("two EIP-55 documents: Apply changed %s, want the lowest _id 64c000000000000000000003", id)
	}
}

func testUsersProblems(t *testing.T, s Store) {
	seedKleo(t, s)
	got := users(t, s, addrBadActivity, addrBadPoints, addrBadShape, addrEIP55, addrNoActivity, addrLegacy, addrDouble)
	for _, tc := range []struct {
		addr   string
		fields []string // the reason names one of them
		values []string // and quotes none of these stored values
	}{
		{addrBadActivity, []string{"activity_json"}, []string{"oops"}},
		{addrBadPoints, []string{"kleo_points"}, []string{"12"}},
		{addrBadShape, []string{"milestones", "kleo_stream"}, []string{"none", "v1"}},
	} {
		u, ok := got[tc.addr]
		if !ok {
			t.Errorf("%s: not found; a user with a malformed document is still found", tc.addr)
			continue
		}
		if u.Problem == "" {
			t.Errorf("%s: no Problem for a document the update cannot apply to", tc.addr)
			continue
		}
		named := false
		for _, f := range tc.fields {
			named = named || strings.Contains(u.Problem, f)
		}
		if !named {
			t.Errorf("%s: Problem %q names none of %v", tc.addr, u.Problem, tc.fields)
		}
		for _, v := range tc.values {
			if strings.Contains(u.Problem, v) {
				t.Errorf("%s: Problem %q quotes the stored value %q", tc.addr, u.Problem, v)
			}
		}
	}
	for _, addr := range []string{addrEIP55, addrNoActivity, addrLegacy, addrDouble} {
		if p := got[addr].Problem; p != "" {
			t.Errorf("%s: Problem %q for a document the update can apply to", addr, p)
		}
	}
}

func testUsersReadsOnly(t *testing.T, s Store) {
	seedKleo(t, s)
	before := userDocs(t, s)
	users(t, s, addrEIP55, addrNoActivity, addrBadActivity, addrUnknown)
	after := userDocs(t, s)
	if len(after) != len(before) {
		t.Fatalf("Users changed the number of user documents: %d -> %d", len(before), len(after))
	}
	for id, doc := range after {
		if !sameDoc(t, before[id], doc) {
			t.Errorf("Users changed document %s", id)
		}
	}
}

// kleoUser is a user document as Kleo's backend creates it at sign-up.
func kleoUser(id bson.ObjectID, addr string) bson.M {
	return bson.M{
		"_id": id, "address": eip55.Checksum(addr), "slug": addr[2:8], "stage": int32(1), "name": "", "pfp": "",
		"about": "", "content_tags": bson.A{}, "last_attested": int32(0), "identity_json": bson.D{}, "badges": bson.A{},
		"kleo_points": int32(0), "total_data_quantity": int32(0),
		"milestones": bson.D{
			{Key: "tweet_activity_graph", Value: false}, {Key: "data_owned", Value: int32(0)},
			{Key: "referred_count", Value: int32(0)}, {Key: "followed_on_twitter", Value: false},
		},
		"previous_hash": "default_hash", "referrals": bson.A{}, "referee": nil, "settings": bson.D{},
		"first_time_user": true, "verified": false,
	}
}

func testUserCreatedLater(t *testing.T, s Store) {
	seedKleo(t, s)
	if _, ok := users(t, s, addrUnknown)[addrUnknown]; ok {
		t.Fatalf("%s found before Kleo's backend created it", addrUnknown)
	}
	id, _ := bson.ObjectIDFromHex("64d000000000000000000001")
	if err := s.InsertUsers(t.Context(), []bson.M{kleoUser(id, addrUnknown)}); err != nil {
		t.Fatalf("InsertUsers: %v", err)
	}
	u, ok := users(t, s, addrUnknown)[addrUnknown]
	if !ok || u.Address != eip55.Checksum(addrUnknown) || u.Problem != "" || u.Version != 0 {
		t.Fatalf("after sign-up: %+v (found %v)", u, ok)
	}
	mustApply(t, s, store.Apply{UserID: u.ID, Applied: []string{histUnknown}, Bytes: 50, Activities: map[string]int64{"News": 1}})
	doc := userDocs(t, s)[id.Hex()]
	wantValue(t, doc, int32(50), "total_data_quantity")
	wantValue(t, doc, int32(1), "activity_json", "News")
}

func testUserRepaired(t *testing.T, s Store) {
	seedKleo(t, s)
	bad := user(t, s, addrBadActivity)
	if bad.Problem == "" {
		t.Fatalf("no Problem for activity_json \"oops\"")
	}
	doc := userDoc(t, s, addrBadActivity)
	doc["activity_json"] = bson.D{}
	if err := s.ReplaceUsers(t.Context(), []bson.M{doc}); err != nil {
		t.Fatalf("ReplaceUsers: %v", err)
	}
	u := user(t, s, addrBadActivity)
	if u.Problem != "" || u.ID != bad.ID {
		t.Fatalf("after the repair: %+v, want no Problem and ID %q", u, bad.ID)
	}
	mustApply(t, s, store.Apply{UserID: u.ID, Bytes: 5, Activities: map[string]int64{"Shopping": 1}})
	wantValue(t, userDoc(t, s, addrBadActivity), int32(1), "activity_json", "Shopping")
}
