package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/archive/fakegw"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

var fastRetry = arweave.Retry{Attempts: 2, Base: time.Millisecond, Max: 5 * time.Millisecond}

func testWallet(t testing.TB) *arweave.Wallet {
	t.Helper()
	w, err := arweave.LoadWallet("testdata/wallet-TEST-ONLY-1.json")
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := embedded.Open(context.Background(), t.TempDir(), embedded.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	return st
}

// fakeGateway serves a fakegw.Gateway on 127.0.0.1 for the test.
func fakeGateway(t testing.TB) (*fakegw.Gateway, *arweave.Gateway) {
	t.Helper()
	g := fakegw.New()
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, &arweave.Gateway{URL: srv.URL, Retry: fastRetry}
}

// clock is a fake time that moves one second per reading, so intents
// signed one after the other have increasing creation times.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), step: time.Second}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var activities = []string{"Reading News", "Shopping", "Learning", "Job Hunting"}

func address(i int) string { return fmt.Sprintf("0x%040x", 0xabc0000+i) }

// itemID is the history _id of item i of addr: the item's number is in its
// last 8 hex digits, so a test can tell items apart in uploaded documents.
func itemID(addr string, i int) string { return fmt.Sprintf("%s%08x", addr[len(addr)-16:], i) }

func itemNumber(id string) int {
	var n int
	fmt.Sscanf(id[16:], "%08x", &n)
	return n
}

// absent as a previous_hash makes newUser leave the field out.
type absent struct{}

// newUser is a user document as Kleo's backend creates it at sign-up (EIP-55
// address); previousHash is stored as given (absent{} leaves it out).
func newUser(i int, addr string, previousHash any) bson.M {
	var oid bson.ObjectID
	copy(oid[:], fmt.Sprintf("%012d", i))
	u := bson.M{
		"_id": oid, "address": eip55.Checksum(addr), "slug": addr[2:8], "stage": int32(1),
		"name": "", "pfp": "", "about": "", "content_tags": bson.A{}, "last_attested": int32(0),
		"identity_json": bson.M{}, "badges": bson.A{}, "kleo_points": int32(0), "total_data_quantity": int32(0),
		"milestones":    bson.M{"tweet_activity_graph": false, "data_owned": int32(0), "referred_count": int32(0), "followed_on_twitter": false},
		"activity_json": bson.M{}, "referrals": bson.A{}, "referee": nil, "settings": bson.M{},
		"first_time_user": true, "verified": false,
	}
	if _, ok := previousHash.(absent); !ok {
		u["previous_hash"] = previousHash
	}
	return u
}

func seeder(t testing.TB, st store.Store) store.Seeder {
	t.Helper()
	s, ok := st.(store.Seeder)
	if !ok {
		t.Fatalf("%T is not a store.Seeder", st)
	}
	return s
}

// addUser inserts the user document of addr.
func addUser(t testing.TB, st store.Store, addr string, previousHash any) {
	t.Helper()
	var n int
	fmt.Sscanf(addr[len(addr)-8:], "%x", &n)
	if err := seeder(t, st).InsertUsers(context.Background(), []bson.M{newUser(n, addr, previousHash)}); err != nil {
		t.Fatal(err)
	}
}

// summary is each item's page text: the archive keeps it scrubbed.
const summary = "A page about gardening and tomatoes."

// historyDoc is item i of addr as Kleo's save-history endpoint writes it.
func historyDoc(addr string, i int, summaryText string) bson.M {
	oid, err := bson.ObjectIDFromHex(itemID(addr, i))
	if err != nil {
		panic(err)
	}
	return bson.M{
		"_id": oid, "address": addr, "title": fmt.Sprintf("Page %d", i), "category": "Home", "subcategory": "Garden",
		"url": fmt.Sprintf("https://example.com/%s/page/%d", addr[len(addr)-8:], i), "domain": "",
		"summary": summaryText, "visitTime": float64(visitTime(i)) + 0.25, "create_timestamp": int32(1_760_000_000 + i),
	}
}

func visitTime(i int) int64 { return 1_760_000_000_000 + int64(i)*60_000 }

// seed inserts n history documents of addr (numbered from first, one minute
// apart in visit time), creating the user first when it has none, and
// counts them as the processor does: Users, Ledger (marking the last
// batch's applied ids Counted), Apply. The last batch's items stay Pending
// and in kleo_stream.applied, as after a real processor run.
func seed(t testing.TB, st store.Store, addr string, first, n int) []string {
	t.Helper()
	ctx := context.Background()
	us, err := st.Users(ctx, []string{addr})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := us[addr]; !ok {
		addUser(t, st, addr, absent{})
		if us, err = st.Users(ctx, []string{addr}); err != nil || us[addr].ID == "" {
			t.Fatalf("user %s not found after insert: %v", addr, err)
		}
	}
	u := us[addr]
	docs := make([]bson.M, n)
	entries := make([]store.Entry, n)
	ids := make([]string, n)
	acts := map[string]int64{}
	for k := range n {
		i := first + k
		docs[k] = historyDoc(addr, i, summary)
		ids[k] = itemID(addr, i)
		entries[k] = store.Entry{
			ID: ids[k], Address: addr, Shard: "shard-1", Seq: fmt.Sprint(i + 1), Bytes: 300,
			Activity: activities[i%len(activities)], VisitTime: visitTime(i), Seen: time.Unix(1_760_000_000, 0),
		}
		acts[entries[k].Activity]++
	}
	if err := seeder(t, st).InsertHistory(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Ledger(ctx, entries, u.Applied); err != nil {
		t.Fatal(err)
	}
	errs, err := st.Apply(ctx, []store.Apply{{UserID: u.ID, Version: u.Version, Applied: ids, Bytes: int64(300 * n), Activities: acts}})
	if err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	return ids
}

func user(t testing.TB, st store.Store, addr string) store.UserState {
	t.Helper()
	us, err := st.Users(context.Background(), []string{addr})
	if err != nil {
		t.Fatal(err)
	}
	u, ok := us[addr]
	if !ok {
		t.Fatalf("no user %s", addr)
	}
	return u
}

// userDoc returns Kleo's user document of addr as stored.
func userDoc(t testing.TB, st store.Store, addr string) bson.M {
	t.Helper()
	d, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range d.Users {
		if a, _ := u["address"].(string); strings.EqualFold(a, addr) {
			return u
		}
	}
	t.Fatalf("no user document %s", addr)
	return nil
}

func intValue(v any) (int64, bool) {
	switch n := v.(type) {
	case int32:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

// checkBooks proves, for each user, from what the gateway accepted and what
// the store recorded: every accepted upload is in the user's chain, each
// links to the prior accepted upload by URL (and the first to origin[addr],
// "" when not given), no item was uploaded twice, every uploaded item is
// marked with its upload's id, the oldest items were archived in order and
// nothing else, previous_hash is the head's URL, kleo_points grew by 12 per
// archive and stayed an integer, and Kleo's history documents are unchanged.
// seeded maps address to the number of items seeded (numbered from 0).
func checkBooks(t *testing.T, st store.Store, g *fakegw.Gateway, seeded map[string]int, origin map[string]string) {
	t.Helper()
	const batch = 50
	byAddr := map[string][]*archive.Document{}
	txOf := map[*archive.Document]string{}
	for _, id := range append(g.Accepted(), g.Items()...) {
		data, ok := g.Data(id)
		if !ok {
			t.Fatalf("accepted %s has no data", id)
		}
		if len(data) > 0 && data[0] != '{' {
			continue // a bundle: its items are listed by g.Items
		}
		d, err := archive.ParseDocument(data)
		if err != nil {
			t.Fatal(err)
		}
		byAddr[d.Address] = append(byAddr[d.Address], d)
		txOf[d] = id
	}
	dump, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	archivedTx := map[string]string{} // item id -> archive_tx in the ledger
	for _, e := range dump.Ledger {
		archivedTx[e.ID] = e.ArchiveTx
	}
	for _, h := range dump.History {
		if s, _ := h["summary"].(string); s != summary {
			t.Errorf("history document %v changed: summary %q", h["_id"], s)
		}
	}
	for addr, n := range seeded {
		docs := byAddr[addr]
		u := user(t, st, addr)
		byID := map[string]*archive.Document{}
		for _, d := range docs {
			byID[txOf[d]] = d
		}
		var chain []string
		for id := u.LastArchive; id != ""; {
			d := byID[id]
			if d == nil {
				t.Fatalf("%s: chain link %s is not an accepted upload", addr, id)
			}
			chain = append(chain, id)
			if len(chain) > len(docs) {
				t.Fatalf("%s: chain loops", addr)
			}
			prev, ok := strings.CutPrefix(d.PreviousHash, archive.DefaultURLBase+"/")
			if !ok {
				if d.PreviousHash != origin[addr] {
					t.Errorf("%s: first archive's previous_hash %q, want %q", addr, d.PreviousHash, origin[addr])
				}
				break
			}
			id = prev
		}
		if len(chain) != len(docs) {
			t.Errorf("%s: %d uploads accepted, %d in the chain: an upload is outside the chain", addr, len(docs), len(chain))
		}
		if len(docs) > 0 && u.PreviousHash != archive.DefaultURLBase+"/"+u.LastArchive {
			t.Errorf("%s: previous_hash %q is not the head %s's URL", addr, u.PreviousHash, u.LastArchive)
		}
		seen := map[int]int{}
		for _, d := range docs {
			if len(d.Items) != batch || d.Points != 12 {
				t.Errorf("%s: upload %s holds %d items, %d points", addr, txOf[d], len(d.Items), d.Points)
			}
			for _, it := range d.Items {
				seen[itemNumber(it.ID)]++
				if archivedTx[it.ID] != txOf[d] {
					t.Errorf("%s: item %s uploaded in %s but marked %q", addr, it.ID, txOf[d], archivedTx[it.ID])
				}
				if it.Summary != summary || it.Gone {
					t.Errorf("%s: item %s archived with summary %q, gone %v", addr, it.ID, it.Summary, it.Gone)
				}
			}
		}
		archived := len(docs) * batch
		if want := n / batch * batch; archived != want {
			t.Errorf("%s: %d items archived, want %d (items lost or left behind)", addr, archived, want)
		}
		for i := 0; i < n && !t.Failed(); i++ { // the first wrong item says enough
			switch c := seen[i]; {
			case c > 1:
				t.Errorf("%s: item %d uploaded %d times", addr, i, c)
			case i < archived && c != 1:
				t.Errorf("%s: item %d, among the oldest, never uploaded", addr, i)
			case i >= archived && c != 0:
				t.Errorf("%s: item %d, among the newest, uploaded", addr, i)
			case i >= archived && archivedTx[itemID(addr, i)] != "":
				t.Errorf("%s: item %d marked archived without an upload", addr, i)
			}
		}
		pts, ok := intValue(userDoc(t, st, addr)["kleo_points"])
		if !ok || pts != int64(12*len(docs)) {
			t.Errorf("%s: kleo_points %T %v, want the integer %d", addr, userDoc(t, st, addr)["kleo_points"], pts, 12*len(docs))
		}
	}
}

// logBuffer captures an archiver's logs.
func logBuffer() (*bytes.Buffer, *slog.Logger) {
	var b bytes.Buffer
	return &b, slog.New(slog.NewJSONHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func mustNotContain(t *testing.T, logs string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q", s)
		}
	}
}

// fakeBundler accepts ANS-104 data items on POST /tx and confirms them.
type fakeBundlerServer struct {
	url   string
	mu    sync.Mutex
	items map[string]*arweave.DataItem
	posts int
}

func newFakeBundler(t testing.TB) *fakeBundlerServer {
	t.Helper()
	b := &fakeBundlerServer{items: map[string]*arweave.DataItem{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if r.Method == http.MethodPost && r.URL.Path == "/tx" {
			body, _ := io.ReadAll(r.Body)
			d, err := arweave.ParseDataItem(body)
			if err == nil {
				err = d.Verify()
			}
			if err != nil {
				http.Error(w, "invalid data item", http.StatusBadRequest)
				return
			}
			b.items[d.ID()] = d
			b.posts++
			fmt.Fprintf(w, `{"id":%q}`, d.ID())
			return
		}
		if id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/tx/"), "/status"); ok && b.items[id] != nil {
			io.WriteString(w, `{"status":"CONFIRMED","block_height":1}`)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	b.url = srv.URL
	return b
}

func (b *fakeBundlerServer) item(id string) (*arweave.DataItem, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.items[id]
	return d, ok
}
