package mongostore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
)

// ferretURI is the FerretDB shared by the package's tests (it takes seconds
// to start); each test uses a database of its own.
var ferretURI string

func server() string { return ferretURI }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mongostore-ferret")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	uri, stop, err := ferrettest.Serve(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ferretURI = uri
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// dbName returns a database name unique to the test.
func dbName(t *testing.T) string {
	r := strings.NewReplacer("/", "_", " ", "_", "-", "_", "(", "", ")", "", ",", "")
	name := r.Replace(t.Name())
	if len(name) > 60 {
		name = name[len(name)-60:]
	}
	return name
}

// open opens a store on a fresh database. kind, when set, overrides the
// detection of the server.
func open(t *testing.T, kind serverKind, opts ...Option) *Store {
	t.Helper()
	opts = append(opts, func(c *config) { c.kind = kind })
	s, err := Open(t.Context(), server(), dbName(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.users.Database().Drop(context.Background())
		_ = s.Close(context.Background())
	})
	return s
}

// commands records the commands a client sends, by name.
type commands struct {
	mu   sync.Mutex
	seen []event.CommandStartedEvent
}

func (c *commands) monitor() Option {
	return WithClientOptions(options.Client().SetMonitor(&event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			c.mu.Lock()
			c.seen = append(c.seen, *e)
			c.mu.Unlock()
		},
	}))
}

func (c *commands) reset() {
	c.mu.Lock()
	c.seen = nil
	c.mu.Unlock()
}

// names returns the command names sent since the last reset.
func (c *commands) names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.seen {
		out = append(out, e.CommandName)
	}
	return out
}

// statements returns the number of statements of each update command sent.
func (c *commands) statements() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, e := range c.seen {
		if e.CommandName != "update" {
			continue
		}
		// OP_MSG carries the statements in a document sequence, which the
		// monitor folds into the command document.
		arr, _ := e.Command.Lookup("updates").ArrayOK()
		vals, _ := arr.Values()
		out = append(out, len(vals))
	}
	return out
}

// hexAddr returns a distinct lower-case address for n.
func hexAddr(n int) string { return fmt.Sprintf("0x%040x", 0xabcdef0000+n) }

// kleoUser is a users document as Kleo's backend creates it at sign-up.
func kleoUser(id bson.ObjectID, address string) bson.D {
	return bson.D{
		{Key: "_id", Value: id},
		{Key: "address", Value: address},
		{Key: "slug", Value: strings.ToLower(address[2:8])},
		{Key: "stage", Value: int32(1)},
		{Key: "name", Value: ""},
		{Key: "pfp", Value: ""},
		{Key: "about", Value: ""},
		{Key: "content_tags", Value: bson.A{}},
		{Key: "last_attested", Value: int32(0)},
		{Key: "identity_json", Value: bson.D{}},
		{Key: "badges", Value: bson.A{}},
		{Key: "kleo_points", Value: int32(0)},
		{Key: "total_data_quantity", Value: int32(0)},
		{Key: "milestones", Value: bson.D{
			{Key: "tweet_activity_graph", Value: false},
			{Key: "data_owned", Value: int32(0)},
			{Key: "referred_count", Value: int32(0)},
			{Key: "followed_on_twitter", Value: false},
		}},
		{Key: "activity_json", Value: bson.D{}},
		{Key: "previous_hash", Value: "default_hash"},
		{Key: "referrals", Value: bson.A{}},
		{Key: "referee", Value: nil},
		{Key: "settings", Value: bson.D{{Key: "theme", Value: "dark"}}},
		{Key: "first_time_user", Value: true},
		{Key: "verified", Value: false},
	}
}

// with returns doc with field key set to v (appended when absent, removed
// when v is the string "<absent>").
func with(doc bson.D, key string, v any) bson.D {
	out := slices.Clone(doc)
	for i, e := range out {
		if e.Key == key {
			if v == "<absent>" {
				return slices.Delete(out, i, i+1)
			}
			out[i].Value = v
			return out
		}
	}
	if v == "<absent>" {
		return out
	}
	return append(out, bson.E{Key: key, Value: v})
}

func insertRaw(t *testing.T, coll *mongo.Collection, docs ...bson.D) {
	t.Helper()
	anys := make([]any, len(docs))
	for i, d := range docs {
		anys[i] = d
	}
	if _, err := coll.InsertMany(t.Context(), anys); err != nil {
		t.Fatal(err)
	}
}

func rawDocs(t *testing.T, coll *mongo.Collection) map[string]bson.Raw {
	t.Helper()
	cur, err := coll.Find(t.Context(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.Raw
	if err := cur.All(t.Context(), &docs); err != nil {
		t.Fatal(err)
	}
	out := map[string]bson.Raw{}
	for _, d := range docs {
		out[idString(d.Lookup("_id"))] = d
	}
	return out
}

func oid(n int) bson.ObjectID {
	id, err := bson.ObjectIDFromHex(fmt.Sprintf("64b0000000000000%08x", n))
	if err != nil {
		panic(err)
	}
	return id
}

func entry(id, address string, bytes int64, activity string) store.Entry {
	return store.Entry{ID: id, Address: address, Shard: "shardId-000000000000", Seq: "49" + id, Bytes: bytes,
		Activity: activity, VisitTime: 1_700_000_000_000, Seen: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
}

// batch plays the processor's three steps for entries (grouped by user) and
// fails the test on any error. It returns the per-update errors of Apply.
func batch(t *testing.T, s *Store, entries []store.Entry) []error {
	t.Helper()
	var addrs []string
	for _, e := range entries {
		if !slices.Contains(addrs, e.Address) {
			addrs = append(addrs, e.Address)
		}
	}
	us, err := s.Users(t.Context(), addrs)
	if err != nil {
		t.Fatal(err)
	}
	var counted []string
	for _, u := range us {
		counted = append(counted, u.Applied...)
	}
	existed, err := s.Ledger(t.Context(), entries, counted)
	if err != nil {
		t.Fatal(err)
	}
	byUser := map[string]*store.Apply{}
	for _, a := range addrs {
		u, ok := us[a]
		if !ok || u.Problem != "" {
			continue
		}
		byUser[a] = &store.Apply{UserID: u.ID, Version: u.Version, Activities: map[string]int64{}}
	}
	for _, e := range entries {
		ap := byUser[e.Address]
		if ap == nil {
			continue
		}
		if old, ok := existed[e.ID]; ok && (old.State == store.Counted || slices.Contains(us[e.Address].Applied, e.ID)) {
			continue
		}
		ap.Applied = append(ap.Applied, e.ID)
		ap.Bytes += e.Bytes
		ap.Activities[e.Activity]++
	}
	var updates []store.Apply
	for _, a := range addrs {
		if ap := byUser[a]; ap != nil {
			updates = append(updates, *ap)
		}
	}
	errs, err := s.Apply(t.Context(), updates)
	if err != nil {
		t.Fatal(err)
	}
	return errs
}

// TestKleoDocuments runs two batches over users as Kleo's backend creates
// them, written and read back with the raw driver: no document is created,
// only the owned fields change, and integers keep their width.
func TestKleoDocuments(t *testing.T) {
	s := open(t, unknownKind)
	eip := hexAddr(1)
	noAct := hexAddr(2)
	legacy := hexAddr(3)
	lower := hexAddr(4)
	insertRaw(t, s.users,
		kleoUser(oid(1), eip55.Checksum(eip)),
		with(with(kleoUser(oid(2), eip55.Checksum(noAct)), "activity_json", "<absent>"), "previous_hash", "<absent>"),
		with(with(with(kleoUser(oid(3), eip55.Checksum(legacy)),
			"activity_json", bson.D{{Key: "JobHunting", Value: int32(4)}, {Key: "TVSeries", Value: int32(2)}}),
			"total_data_quantity", int64(5000)),
			"previous_hash", false),
		kleoUser(oid(4), lower),
	)
	insertRaw(t, s.history, bson.D{{Key: "_id", Value: oid(100)}, {Key: "address", Value: eip}, {Key: "summary", Value: "x"}})
	beforeUsers, beforeHistory := rawDocs(t, s.users), rawDocs(t, s.history)

	first := []store.Entry{
		entry("65a000000000000000000001", eip, 100, "Coding"),
		entry("65a000000000000000000002", eip, 50, "Coding"),
		entry("65a000000000000000000003", noAct, 7, "Shopping"),
		entry("65a000000000000000000004", legacy, 10, "JobHunting"),
		entry("65a000000000000000000005", lower, 1, "News"),
		entry("65a000000000000000000006", hexAddr(99), 1, "News"), // no such user
	}
	for i, err := range batch(t, s, first) {
		if err != nil {
			t.Fatalf("first batch, update %d: %v", i, err)
		}
	}
	// The same records again (a redelivery) and new ones: nothing is added
	// twice.
	second := append(slices.Clone(first), entry("65a000000000000000000007", eip, 1000, "Travel"))
	for i, err := range batch(t, s, second) {
		if err != nil {
			t.Fatalf("second batch, update %d: %v", i, err)
		}
	}

	after, afterHistory := rawDocs(t, s.users), rawDocs(t, s.history)
	if len(after) != len(beforeUsers) || len(afterHistory) != len(beforeHistory) {
		t.Fatalf("users %d -> %d, history %d -> %d documents: the store created some",
			len(beforeUsers), len(after), len(beforeHistory), len(afterHistory))
	}
	for id, h := range beforeHistory {
		if !slices.Equal(h, afterHistory[id]) {
			t.Errorf("history %s changed", id)
		}
	}
	owned := map[string]bool{"total_data_quantity": true, "milestones": true, "activity_json": true,
		"kleo_points": true, "pii_removed_count": true, "previous_hash": true, "kleo_stream": true}
	for id, b := range beforeUsers {
		a := after[id]
		be, _ := b.Elements()
		for _, e := range be {
			if owned[e.Key()] {
				continue
			}
			if got := a.Lookup(e.Key()); !got.Equal(e.Value()) {
				t.Errorf("user %s: %s changed from %v to %v", id, e.Key(), e.Value(), got)
			}
		}
		// Fields other than data_owned under milestones stay as they were.
		for _, k := range []string{"tweet_activity_graph", "referred_count", "followed_on_twitter"} {
			if got, want := a.Lookup("milestones", k), b.Lookup("milestones", k); !got.Equal(want) {
				t.Errorf("user %s: milestones.%s changed from %v to %v", id, k, want, got)
			}
		}
		if got, want := a.Lookup("previous_hash"), b.Lookup("previous_hash"); !got.Equal(want) {
			t.Errorf("user %s: previous_hash changed from %v to %v", id, want, got)
		}
	}

	type want struct {
		path  []string
		typ   bson.Type
		value int64
	}
	for _, tt := range []struct {
		id   string
		want []want
	}{
		{oid(1).Hex(), []want{
			{[]string{"total_data_quantity"}, bson.TypeInt32, 1150},
			{[]string{"milestones", "data_owned"}, bson.TypeInt32, 1150},
			{[]string{"activity_json", "Coding"}, bson.TypeInt32, 2},
			{[]string{"activity_json", "Travel"}, bson.TypeInt32, 1},
			{[]string{"kleo_points"}, bson.TypeInt32, 0},
			{[]string{"kleo_stream", "v"}, bson.TypeInt64, 2},
		}},
		{oid(2).Hex(), []want{
			{[]string{"total_data_quantity"}, bson.TypeInt32, 7},
			{[]string{"activity_json", "Shopping"}, bson.TypeInt32, 1},
		}},
		{oid(3).Hex(), []want{
			{[]string{"total_data_quantity"}, bson.TypeInt64, 5010},
			{[]string{"milestones", "data_owned"}, bson.TypeInt32, 10},
			{[]string{"activity_json", "JobHunting"}, bson.TypeInt32, 5},
			{[]string{"activity_json", "TVSeries"}, bson.TypeInt32, 2},
		}},
		{oid(4).Hex(), []want{
			{[]string{"total_data_quantity"}, bson.TypeInt32, 1},
			{[]string{"activity_json", "News"}, bson.TypeInt32, 1},
		}},
	} {
		for _, w := range tt.want {
			v := after[tt.id].Lookup(w.path...)
			n, _ := v.AsInt64OK()
			if v.Type != w.typ || n != w.value {
				t.Errorf("user %s: %s = %v (%s), want %d (%s)", tt.id, strings.Join(w.path, "."), v, v.Type, w.value, w.typ)
			}
		}
	}
	if _, err := after[oid(2).Hex()].LookupErr("pii_removed_count"); err == nil {
		t.Errorf("pii_removed_count created although no PII was removed")
	}
	// The first batch's ids were marked Counted by the second batch's Ledger.
	got, err := s.Entries(t.Context(), []string{"65a000000000000000000001", "65a000000000000000000007"})
	if err != nil {
		t.Fatal(err)
	}
	if got["65a000000000000000000001"].State != store.Counted || got["65a000000000000000000007"].State != store.Pending {
		t.Errorf("ledger states = %+v", got)
	}
}

// TestSettle pins how one update command's result is read on each kind of
// server.
func TestSettle(t *testing.T) {
	we := func(index, code int) mongo.BulkWriteError {
		return mongo.BulkWriteError{WriteError: mongo.WriteError{Index: index, Code: code, Message: "Cannot create field in element {activity_json: \"v\"}"}}
	}
	for _, tt := range []struct {
		name     string
		n        int
		matched  int64
		wes      []mongo.BulkWriteError
		exact    bool
		rejected []int
		unavail  []int
		unknown  []int
		resend   bool
	}{
		{name: "MongoDB: all matched", n: 4, matched: 4, exact: true},
		{name: "MongoDB: one rejected, the others matched", n: 4, matched: 3, wes: []mongo.BulkWriteError{we(2, 28)}, exact: true, rejected: []int{2}},
		{name: "MongoDB: one rejected, one guard failed", n: 4, matched: 2, wes: []mongo.BulkWriteError{we(1, 14)}, exact: true, rejected: []int{1}, unknown: []int{0, 2, 3}},
		{name: "MongoDB: a write conflict is unavailable", n: 2, matched: 1, wes: []mongo.BulkWriteError{we(0, 112)}, exact: true, unavail: []int{0}},
		{name: "MongoDB: a guard failed", n: 3, matched: 2, exact: true, unknown: []int{0, 1, 2}},
		{name: "FerretDB: all matched", n: 3, matched: 3},
		{name: "FerretDB: a guard failed", n: 3, matched: 2, unknown: []int{0, 1, 2}},
		{name: "FerretDB: stopped at a write error reported at 0", n: 3, matched: 0, wes: []mongo.BulkWriteError{we(0, 28)}, unknown: []int{0, 1, 2}, resend: true},
	} {
		failed, unknown, resend := settle(tt.n, tt.matched, tt.wes, tt.exact)
		var rejected, unavail []int
		for k, err := range failed {
			switch {
			case errors.Is(err, store.ErrRejected):
				rejected = append(rejected, k)
			case errors.Is(err, store.ErrUnavailable):
				unavail = append(unavail, k)
			default:
				t.Errorf("%s: statement %d: %v is neither rejected nor unavailable", tt.name, k, err)
			}
			if strings.Contains(err.Error(), "activity_json") {
				t.Errorf("%s: %v quotes the server's message", tt.name, err)
			}
		}
		slices.Sort(rejected)
		slices.Sort(unavail)
		if !slices.Equal(rejected, tt.rejected) || !slices.Equal(unavail, tt.unavail) || !slices.Equal(unknown, tt.unknown) || resend != tt.resend {
			t.Errorf("%s: rejected %v, unavailable %v, unknown %v, resend %v; want %v, %v, %v, %v",
				tt.name, rejected, unavail, unknown, resend, tt.rejected, tt.unavail, tt.unknown, tt.resend)
		}
	}
}
