package archive_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/store"
)

func TestSweepArchivesFullBatchesInChain(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	w := testWallet(t)
	seeded := map[string]int{address(1): 170, address(2): 49, address(3): 100}
	for a, n := range seeded {
		seed(t, st, a, 0, n)
	}
	clk := newClock()
	a := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: w}, archive.Options{Now: clk.Now, AppVersion: "test"})
	rep, err := a.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.UsersSwept != 2 || rep.Uploads != 5 || rep.Failures != 0 || rep.Stopped {
		t.Errorf("report %+v: want 2 users swept, 5 uploads, no failures", rep)
	}
	var bytes, winston int64
	for _, id := range g.Accepted() {
		d, _ := g.Data(id)
		bytes += int64(len(d))
		winston += 1000000 + int64(len(d))*1000 // fakegw's price
	}
	if rep.Bytes != bytes || rep.Winston != winston {
		t.Errorf("report bytes %d winston %d, want %d and %d", rep.Bytes, rep.Winston, bytes, winston)
	}
	checkBooks(t, st, g, seeded, 50)

	// The first archive has previous_hash "" and no Previous-Tx tag; the
	// second names the first in both.
	arcs, err := st.Archives(context.Background(), address(1))
	if err != nil || len(arcs) != 3 {
		t.Fatalf("archives: %d, %v", len(arcs), err)
	}
	for i, x := range arcs {
		if x.Status != store.ArchiveAccepted {
			t.Errorf("archive %d status %q", i, x.Status)
		}
		tx, err := arweave.ParseTransaction(x.Tx)
		if err != nil {
			t.Fatal(err)
		}
		prev, ok := tx.Tag(archive.TagPreviousTx)
		want := ""
		if i > 0 {
			want = arcs[i-1].ID
		}
		if prev != want || ok != (i > 0) || x.PreviousHash != want {
			t.Errorf("archive %d: Previous-Tx %q (present %v), previous_hash %q; want %q", i, prev, ok, x.PreviousHash, want)
		}
		if v, _ := tx.Tag(archive.TagAddress); v != address(1) {
			t.Errorf("archive %d: Kleo-Address %q", i, v)
		}
		if v, _ := tx.Tag(archive.TagAppVersion); v != "test" {
			t.Errorf("archive %d: App-Version %q", i, v)
		}
	}

	// Nothing is left to do: a second sweep uploads nothing.
	rep, err = a.Sweep(context.Background())
	if err != nil || rep.Uploads != 0 || rep.Failures != 0 {
		t.Errorf("second sweep: %+v, %v", rep, err)
	}
	if got := g.Posts(); got != 5 {
		t.Errorf("%d posts, want 5", got)
	}
}

func TestSweepSkipsUserLeasedByAnother(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	addr := address(7)
	seed(t, st, addr, 0, 60)
	clk := newClock()
	now := clk.Now()
	if ok, err := st.AcquireLease(context.Background(), addr, "other-sweep", now, now.Add(time.Hour)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	a := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}, archive.Options{Now: clk.Now})
	rep, err := a.Sweep(context.Background())
	if err != nil || rep.UsersBusy != 1 || rep.UsersSwept != 0 || g.Posts() != 0 {
		t.Fatalf("leased user: report %+v, %d posts, %v", rep, g.Posts(), err)
	}
	// The other sweep died: once its lease expires the user is swept.
	clk.Advance(2 * time.Hour)
	rep, err = a.Sweep(context.Background())
	if err != nil || rep.UsersSwept != 1 || rep.Uploads != 1 {
		t.Fatalf("after expiry: report %+v, %v", rep, err)
	}
	checkBooks(t, st, g, map[string]int{addr: 60}, 50)
}

// countingUploader counts the posts per id that reach the gateway.
type countingUploader struct {
	arweave.Uploader
	mu    sync.Mutex
	posts map[string]int
}

func (c *countingUploader) Post(ctx context.Context, s *arweave.Signed) error {
	c.mu.Lock()
	c.posts[s.ID]++
	c.mu.Unlock()
	return c.Uploader.Post(ctx, s)
}

func TestConcurrentSweepsNeverUploadTwice(t *testing.T) {
	for round := range 3 {
		st := openStore(t)
		g, gw := fakeGateway(t)
		w := testWallet(t)
		seeded := map[string]int{}
		for i := range 6 {
			seeded[address(100+i)] = 160 + i
			seed(t, st, address(100+i), 0, 160+i)
		}
		up := &countingUploader{Uploader: &arweave.GatewayUploader{Gateway: gw, Wallet: w}, posts: map[string]int{}}
		var wg sync.WaitGroup
		reps := make([]archive.Report, 2)
		for k := range reps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := archive.New(st, up, archive.Options{})
				var err error
				if reps[k], err = a.Sweep(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		// Whatever one sweep left for being busy, a later one finishes.
		if _, err := archive.New(st, up, archive.Options{}).Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkBooks(t, st, g, seeded, 50)
		if n := len(g.Accepted()); n != 18 {
			t.Errorf("round %d: %d uploads, want 18", round, n)
		}
		for id, n := range up.posts {
			if n != 1 {
				t.Errorf("round %d: %s posted %d times", round, id, n)
			}
		}
		if reps[0].Failures+reps[1].Failures != 0 {
			t.Errorf("round %d: failures in %+v", round, reps)
		}
		t.Logf("round %d: uploads %d+%d, busy %d+%d", round, reps[0].Uploads, reps[1].Uploads, reps[0].UsersBusy, reps[1].UsersBusy)
	}
}

func TestSweepRefusesDocumentWithPII(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	clean, dirty := address(20), address(21)
	seed(t, st, clean, 0, 50)
	seed(t, st, dirty, 0, 49)
	// An item that escaped scrubbing upstream.
	leak := "jane.doe@example.org"
	if _, err := st.PutHistory(context.Background(), []store.HistoryItem{{
		ID: "ffffffffffffffffffffffff", Address: dirty, Shard: "shard-1", Seq: "999",
		URL: "https://example.com/x", Title: "Mail " + leak, Activity: "Shopping", VisitTime: 1_770_000_000_000,
	}}); err != nil {
		t.Fatal(err)
	}
	if errs, err := st.ApplyUsers(context.Background(), []store.UserDelta{{Address: dirty, Shard: "shard-1", ExpectSeq: "49", NewSeq: "50", Items: 1}}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	logs, log := logBuffer()
	up := &countingUploader{Uploader: &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}, posts: map[string]int{}}
	rep, err := archive.New(st, up, archive.Options{Logger: log}).Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failures != 1 || rep.PIIRefused != 1 || rep.Uploads != 1 {
		t.Errorf("report %+v: want the clean user uploaded and the dirty one refused", rep)
	}
	for _, id := range g.Accepted() {
		d, _ := g.Data(id)
		doc, _ := archive.ParseDocument(d)
		if doc.Address == dirty {
			t.Errorf("document with PII uploaded")
		}
	}
	if u, _ := st.User(context.Background(), dirty); u.Unarchived != 50 || u.PreviousHash != "" {
		t.Errorf("dirty user changed: %+v", u)
	}
	mustNotContain(t, logs.String(), leak, "jane", "Mail", "example.com", "gardening")
	if !strings.Contains(logs.String(), "EMAIL_ADDRESS") {
		t.Errorf("logs do not name the finding type: %s", logs)
	}
}

func TestSweepStopsBeforeDeadline(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	seed(t, st, address(30), 0, 100)
	a := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}, archive.Options{DeadlineMargin: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := a.Sweep(ctx)
	if err != nil || !rep.Stopped || rep.Uploads != 0 || g.Posts() != 0 {
		t.Fatalf("inside the margin: report %+v, %d posts, %v", rep, g.Posts(), err)
	}
	// With time to spare the next sweep does the work.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel2()
	rep, err = a.Sweep(ctx2)
	if err != nil || rep.Stopped || rep.Uploads != 2 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	checkBooks(t, st, g, map[string]int{address(30): 100}, 50)
}

func TestSweepWithBundler(t *testing.T) {
	st := openStore(t)
	seed(t, st, address(40), 0, 100)
	b := newFakeBundler(t)
	up, err := arweave.NewUploader(arweave.Config{Target: "bundler", URL: b.url, Retry: fastRetry}, testWallet(t))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := archive.New(st, up, archive.Options{}).Sweep(context.Background())
	if err != nil || rep.Uploads != 2 || rep.Winston != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	u, _ := st.User(context.Background(), address(40))
	item, ok := b.item(u.PreviousHash)
	if !ok {
		t.Fatal("chain head not at the bundler")
	}
	doc, err := archive.ParseDocument(item.Data)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.item(doc.PreviousHash); !ok || doc.PreviousHash == "" {
		t.Errorf("second data item's previous_hash %q is not the first item", doc.PreviousHash)
	}
	if v, _ := item.Tag(archive.TagPreviousTx); v != doc.PreviousHash {
		t.Errorf("Previous-Tx %q", v)
	}
}

// slowUploader makes every post take a minute of the clock's time.
type slowUploader struct {
	arweave.Uploader
	clk *clock
}

func (u slowUploader) Post(ctx context.Context, s *arweave.Signed) error {
	u.clk.Advance(time.Minute)
	return u.Uploader.Post(ctx, s)
}

// TestSweepStopsBetweenBatchesAtDeadline: with 2m30s to the deadline, a
// margin of 1m and posts that take a minute, the sweep does two batches,
// then stops with the rest left for the next sweep.
func TestSweepStopsBetweenBatchesAtDeadline(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	seed(t, st, address(31), 0, 200)
	clk := &clock{t: time.Now()}
	up := slowUploader{&arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}, clk}
	a := archive.New(st, up, archive.Options{Now: clk.Now, DeadlineMargin: time.Minute})
	ctx, cancel := context.WithDeadline(context.Background(), clk.Now().Add(150*time.Second))
	defer cancel()
	rep, err := a.Sweep(ctx)
	if err != nil || !rep.Stopped || rep.Uploads != 2 || rep.Failures != 0 {
		t.Fatalf("report %+v, %v; want 2 uploads, then stopped", rep, err)
	}
	// The stopped sweep released its lease; another invocation takes it,
	// and while it holds it the user is skipped.
	if ok, err := st.AcquireLease(context.Background(), address(31), "other", clk.Now(), clk.Now().Add(time.Hour)); !ok || err != nil {
		t.Fatalf("lease not released by the stopped sweep: %v, %v", ok, err)
	}
	rep, err = archive.New(st, up, archive.Options{Now: clk.Now}).Sweep(context.Background())
	if err != nil || rep.Uploads != 0 || rep.UsersBusy != 1 {
		t.Fatalf("the other owner's lease was ignored: %+v, %v", rep, err)
	}
	clk.Advance(2 * time.Hour)
	rep, err = archive.New(st, up, archive.Options{Now: clk.Now}).Sweep(context.Background())
	if err != nil || rep.Uploads != 2 {
		t.Fatalf("next sweep: %+v, %v", rep, err)
	}
	checkBooks(t, st, g, map[string]int{address(31): 200}, 50)
}
