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

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/archive/fakegw"
	"github.com/kleo-network/kleo-stream/internal/arweave"
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

// itemURL is unique per item, so a test can tell items apart in the
// uploaded documents, which carry no ids.
func itemURL(addr string, i int) string {
	return fmt.Sprintf("https://example.com/%s/page/%d", addr[len(addr)-8:], i)
}

// seed stores n processed items for addr (numbered from first, one minute
// apart in visit time) and counts them into the user, as the processor does.
func seed(t testing.TB, st store.Store, addr string, first, n int) []string {
	t.Helper()
	ctx := context.Background()
	items := make([]store.HistoryItem, n)
	ids := make([]string, n)
	for k := range items {
		i := first + k
		ids[k] = fmt.Sprintf("%s%08x", addr[len(addr)-16:], i)
		items[k] = store.HistoryItem{
			ID: ids[k], Address: addr, Shard: "shard-1", Seq: fmt.Sprint(i + 1),
			URL: itemURL(addr, i), Title: fmt.Sprintf("Page %d", i), Summary: "A page about gardening and tomatoes.",
			Activity: activities[i%len(activities)], Points: 2, Size: 300,
			VisitTime: 1_760_000_000_000 + int64(i)*60_000,
		}
	}
	if _, err := st.PutHistory(ctx, items); err != nil {
		t.Fatal(err)
	}
	prev := ""
	if wm, err := st.Watermarks(ctx, "shard-1", []string{addr}); err != nil {
		t.Fatal(err)
	} else {
		prev = wm[addr]
	}
	errs, err := st.ApplyUsers(ctx, []store.UserDelta{{
		Address: addr, Shard: "shard-1", ExpectSeq: prev, NewSeq: fmt.Sprint(first + n), Items: int64(n), Points: int64(2 * n),
	}})
	if err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	return ids
}

func address(i int) string { return fmt.Sprintf("0x%040x", 0xabc0000+i) }

// checkBooks proves, for each user, from what the gateway accepted and what
// the store recorded: every accepted upload is in the user's chain, each
// previous_hash names the prior accepted upload, no item was uploaded twice,
// every uploaded item is marked with its upload's id, the oldest items were
// archived in order and nothing else, and unarchived_count is right.
// seeded maps address to the number of items seeded (numbered from 0).
func checkBooks(t *testing.T, st store.Store, g *fakegw.Gateway, seeded map[string]int, batch int) {
	t.Helper()
	ctx := context.Background()
	byAddr := map[string][]*archive.Document{}
	txOf := map[*archive.Document]string{}
	for _, id := range g.Accepted() {
		data, ok := g.Data(id)
		if !ok {
			t.Fatalf("accepted %s has no data", id)
		}
		d, err := archive.ParseDocument(data)
		if err != nil {
			t.Fatal(err)
		}
		byAddr[d.Address] = append(byAddr[d.Address], d)
		txOf[d] = id
	}
	dump, err := st.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	archivedTx := map[string]string{} // url -> archive_tx in the store
	for _, h := range dump.History {
		archivedTx[h.URL] = h.ArchiveTx
	}
	for addr, n := range seeded {
		docs := byAddr[addr]
		// The chain from the user's head back to "" must hold every accepted upload.
		u, err := st.User(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]*archive.Document{}
		for _, d := range docs {
			byID[txOf[d]] = d
		}
		var chain []string
		for id := u.PreviousHash; id != ""; {
			d := byID[id]
			if d == nil {
				t.Fatalf("%s: chain link %s is not an accepted upload", addr, id)
			}
			chain = append(chain, id)
			if len(chain) > len(docs) {
				t.Fatalf("%s: chain loops", addr)
			}
			id = d.PreviousHash
		}
		if len(chain) != len(docs) {
			t.Errorf("%s: %d uploads accepted, %d in the chain: an upload is outside the chain", addr, len(docs), len(chain))
		}
		seen := map[string]int{}
		for _, d := range docs {
			if len(d.Items) != batch {
				t.Errorf("%s: upload %s holds %d items", addr, txOf[d], len(d.Items))
			}
			for _, it := range d.Items {
				seen[it.URL]++
				if archivedTx[it.URL] != txOf[d] {
					t.Errorf("%s: item %s uploaded in %s but marked %q", addr, it.URL, txOf[d], archivedTx[it.URL])
				}
			}
		}
		archived := len(docs) * batch
		if want := n / batch * batch; archived != want {
			t.Errorf("%s: %d items archived, want %d (items lost or left behind)", addr, archived, want)
		}
		for i := 0; i < n && !t.Failed(); i++ { // the first wrong item says enough
			url := itemURL(addr, i)
			switch c := seen[url]; {
			case c > 1:
				t.Errorf("%s: item %d uploaded %d times", addr, i, c)
			case i < archived && c != 1:
				t.Errorf("%s: item %d, among the oldest, never uploaded", addr, i)
			case i >= archived && c != 0:
				t.Errorf("%s: item %d, among the newest, uploaded", addr, i)
			case i >= archived && archivedTx[url] != "":
				t.Errorf("%s: item %d marked archived without an upload", addr, i)
			}
		}
		if want := int64(n - archived); u.Unarchived != want {
			t.Errorf("%s: unarchived_count %d, want %d", addr, u.Unarchived, want)
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
