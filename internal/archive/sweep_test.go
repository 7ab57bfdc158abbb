package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
	"go.mongodb.org/mongo-driver/v2/bson"
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
	checkBooks(t, st, g, seeded, nil)

	// The first archive has previous_hash "" and no Previous-Tx tag; the
	// second names the first: by URL in previous_hash, by raw id in the tag.
	arcs, err := st.Archives(context.Background(), address(1))
	if err != nil || len(arcs) != 3 {
		t.Fatalf("archives: %d, %v", len(arcs), err)
	}
	for i, x := range arcs {
		if x.Status != store.ArchiveAccepted || x.Points != 12 || x.URL != archive.DefaultURLBase+"/"+x.ID {
			t.Errorf("archive %d: status %q, points %d, url %q", i, x.Status, x.Points, x.URL)
		}
		tx, err := arweave.ParseTransaction(x.Tx)
		if err != nil {
			t.Fatal(err)
		}
		prev, ok := tx.Tag(archive.TagPreviousTx)
		wantTx, wantHash := "", ""
		if i > 0 {
			wantTx, wantHash = arcs[i-1].ID, arcs[i-1].URL
		}
		if prev != wantTx || ok != (i > 0) || x.PrevTx != wantTx || x.PreviousHash != wantHash {
			t.Errorf("archive %d: Previous-Tx %q (present %v), prev_tx %q, previous_hash %q; want %q and %q", i, prev, ok, x.PrevTx, x.PreviousHash, wantTx, wantHash)
		}
		doc, _ := archive.ParseDocument(tx.Data)
		if doc.PreviousHash != wantHash {
			t.Errorf("archive %d: the signed document's previous_hash %q, want %q", i, doc.PreviousHash, wantHash)
		}
		if v, _ := tx.Tag(archive.TagAddress); v != address(1) {
			t.Errorf("archive %d: Kleo-Address %q", i, v)
		}
		if v, _ := tx.Tag(archive.TagAppVersion); v != "test" {
			t.Errorf("archive %d: App-Version %q", i, v)
		}
	}
	if u := user(t, st, address(1)); u.LastArchive != arcs[2].ID || u.PreviousHash != arcs[2].URL || len(u.Applied) != 0 {
		t.Errorf("user after the sweep: %+v", u)
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
	checkBooks(t, st, g, map[string]int{addr: 60}, nil)
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
		checkBooks(t, st, g, seeded, nil)
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

// TestSweepScrubsOnTheWayOut: Kleo's history documents hold raw page text
// with PII. The archive carries it scrubbed; Kleo's documents are unchanged;
// nothing of the text reaches the logs.
func TestSweepScrubsOnTheWayOut(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	addr := address(21)
	addUser(t, st, addr, absent{})
	leak := "jane.doe@example.org"
	raw := "Order confirmed. Mail " + leak + " or call +1 415 555 0132."
	docs := make([]bson.M, 50)
	entries := make([]store.Entry, 50)
	ids := make([]string, 50)
	for i := range docs {
		docs[i] = historyDoc(addr, i, raw)
		ids[i] = itemID(addr, i)
		entries[i] = store.Entry{ID: ids[i], Address: addr, Shard: "s", Seq: fmt.Sprint(i + 1), Bytes: 10, Activity: "Shopping", VisitTime: visitTime(i)}
	}
	if err := seeder(t, st).InsertHistory(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	u := user(t, st, addr)
	if _, err := st.Ledger(context.Background(), entries, nil); err != nil {
		t.Fatal(err)
	}
	if errs, err := st.Apply(context.Background(), []store.Apply{{UserID: u.ID, Version: u.Version, Applied: ids, Bytes: 500, Activities: map[string]int64{"Shopping": 50}}}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	logs, log := logBuffer()
	rep, err := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}, archive.Options{Logger: log}).Sweep(context.Background())
	if err != nil || rep.Uploads != 1 || rep.Failures != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	data, _ := g.Data(g.Accepted()[0])
	if bytes.Contains(data, []byte(leak)) || bytes.Contains(data, []byte("555 0132")) {
		t.Errorf("the archive holds the raw PII")
	}
	if !bytes.Contains(data, []byte("Mail <EMAIL_ADDRESS> or call <PHONE_NUMBER>.")) {
		t.Errorf("the archive does not hold the scrubbed text: %.300s", data)
	}
	hist, err := st.HistoryJSON(context.Background(), ids[:1])
	if err != nil || !bytes.Contains(hist[ids[0]], []byte(leak)) {
		t.Errorf("Kleo's history document changed (or unreadable: %v)", err)
	}
	mustNotContain(t, logs.String(), leak, "jane", "Order confirmed", "example.com")
}

// A document that still finds PII after scrubbing is refused and names only
// the finding types: a Scrubber that scrubs nothing stands for a bug.
func TestSweepRefusesDocumentWithPII(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	addr := address(22)
	addUser(t, st, addr, absent{})
	leak := "jane.doe@example.org"
	docs := make([]bson.M, 50)
	entries := make([]store.Entry, 50)
	for i := range docs {
		docs[i] = historyDoc(addr, i, "mail "+leak)
		entries[i] = store.Entry{ID: itemID(addr, i), Address: addr, Shard: "s", Seq: fmt.Sprint(i + 1), Activity: "Shopping", VisitTime: visitTime(i)}
	}
	if err := seeder(t, st).InsertHistory(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = entries[i].ID
	}
	if _, err := st.Ledger(context.Background(), entries, nil); err != nil {
		t.Fatal(err)
	}
	u := user(t, st, addr)
	if errs, err := st.Apply(context.Background(), []store.Apply{{UserID: u.ID, Version: u.Version, Applied: ids}}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	logs, log := logBuffer()
	rep, err := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}, archive.Options{Logger: log, PII: noScrub{pii.New()}}).Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failures != 1 || rep.PIIRefused != 1 || rep.Uploads != 0 || g.Posts() != 0 {
		t.Errorf("report %+v, %d posts: want the batch refused", rep, g.Posts())
	}
	if u := user(t, st, addr); u.LastArchive != "" || u.PreviousHash != "" {
		t.Errorf("user changed: %+v", u)
	}
	mustNotContain(t, logs.String(), leak, "jane", "example.com", "gardening")
	if !strings.Contains(logs.String(), "EMAIL_ADDRESS") {
		t.Errorf("logs do not name the finding type: %s", logs)
	}
}

// noScrub finds but does not scrub.
type noScrub struct{ *pii.Engine }

func (noScrub) Scrub(text, _ string) (string, []pii.Finding) { return text, nil }

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
	checkBooks(t, st, g, map[string]int{address(30): 100}, nil)
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
	item, ok := b.item(user(t, st, address(40)).LastArchive)
	if !ok {
		t.Fatal("chain head not at the bundler")
	}
	doc, err := archive.ParseDocument(item.Data)
	if err != nil {
		t.Fatal(err)
	}
	prev, _ := item.Tag(archive.TagPreviousTx)
	if _, ok := b.item(prev); !ok || doc.PreviousHash != archive.DefaultURLBase+"/"+prev {
		t.Errorf("second data item: Previous-Tx %q, previous_hash %q: not the first item", prev, doc.PreviousHash)
	}
	if body, _ := item.MarshalBinary(); len(body) > 100*1024 {
		t.Errorf("data item of %d bytes, over Turbo's free 100 KiB", len(body))
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
	checkBooks(t, st, g, map[string]int{address(31): 200}, nil)
}

// The first archive carries the user's previous_hash as found, whatever
// form Kleo's documents hold it in; the second links to the first by URL.
func TestFirstArchiveContinuesTheOldChain(t *testing.T) {
	irys := "https://gateway.irys.xyz/Jq2Hbd0Y3qvV1mJX8H4fJvF5KtXxJ1P9Q2w3e4r5t6y"
	tests := []struct {
		name   string
		stored any
		want   string
	}{
		{"absent", absent{}, ""},
		{"false", false, ""},
		{"null", nil, ""},
		{"empty", "", ""},
		{"default_hash", "default_hash", "default_hash"},
		{"irys URL", irys, irys},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			g, gw := fakeGateway(t)
			addr := address(60 + i)
			addUser(t, st, addr, tt.stored)
			seed(t, st, addr, 0, 100)
			rep, err := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}, archive.Options{}).Sweep(context.Background())
			if err != nil || rep.Uploads != 2 || rep.Failures != 0 {
				t.Fatalf("report %+v, %v", rep, err)
			}
			checkBooks(t, st, g, map[string]int{addr: 100}, map[string]string{addr: tt.want})
			if ph, _ := userDoc(t, st, addr)["previous_hash"].(string); !strings.HasPrefix(ph, "https://arweave.net/") {
				t.Errorf("previous_hash %q is not an arweave.net URL", ph)
			}
		})
	}
}

// A history document Kleo deleted before its item was archived: the item is
// archived in its place, without text, marked gone; the others are intact.
func TestGoneHistoryDocument(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	addr := address(70)
	addUser(t, st, addr, "default_hash")
	var docs []bson.M
	entries := make([]store.Entry, 50)
	ids := make([]string, 50)
	for i := range entries {
		ids[i] = itemID(addr, i)
		entries[i] = store.Entry{ID: ids[i], Address: addr, Shard: "s", Seq: fmt.Sprint(i + 1), Activity: "Learning", VisitTime: visitTime(i)}
		if i != 7 {
			docs = append(docs, historyDoc(addr, i, summary))
		}
	}
	if err := seeder(t, st).InsertHistory(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Ledger(context.Background(), entries, nil); err != nil {
		t.Fatal(err)
	}
	u := user(t, st, addr)
	if errs, err := st.Apply(context.Background(), []store.Apply{{UserID: u.ID, Version: u.Version, Applied: ids}}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	rep, err := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}, archive.Options{}).Sweep(context.Background())
	if err != nil || rep.Uploads != 1 || rep.Gone != 1 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	data, _ := g.Data(g.Accepted()[0])
	doc, _ := archive.ParseDocument(data)
	for i, it := range doc.Items {
		if gone := i == 7; it.Gone != gone || (it.Summary == "") != gone || (it.URL == "") != gone || it.ID != ids[i] || it.Activity != "Learning" {
			t.Errorf("item %d: %+v", i, it)
		}
	}
}

// A user document the processor cannot update (kleo_points stored as a
// string) cannot record an archive either: nothing is posted for it, and it
// is counted as skipped (not a failure of the sweep) until repaired.
func TestPoisonUserIsNotArchived(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	addr := address(71)
	seed(t, st, addr, 0, 60)
	poison := address(72)
	doc := newUser(72, poison, "default_hash")
	doc["kleo_points"] = "12"
	if err := seeder(t, st).InsertUsers(context.Background(), []bson.M{doc}); err != nil {
		t.Fatal(err)
	}
	if u := user(t, st, poison); u.Problem == "" {
		t.Fatalf("the store sees no problem in a string kleo_points")
	}
	// Its items reached the ledger before the document went bad.
	entries := make([]store.Entry, 50)
	for i := range entries {
		entries[i] = store.Entry{ID: itemID(poison, i), Address: poison, Shard: "s", Seq: fmt.Sprint(i), Activity: "Learning", VisitTime: visitTime(i)}
	}
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = entries[i].ID
	}
	if _, err := st.Ledger(context.Background(), entries, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Ledger(context.Background(), nil, ids); err != nil {
		t.Fatal(err)
	}
	rep, err := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}, archive.Options{}).Sweep(context.Background())
	if err != nil || rep.Uploads != 1 || rep.Failures != 0 || rep.Skipped != 1 || g.Posts() != 1 {
		t.Fatalf("report %+v, %d posts, %v: want the good user archived and the poison one refused", rep, g.Posts(), err)
	}
	checkBooks(t, st, g, map[string]int{addr: 60}, nil)
}
