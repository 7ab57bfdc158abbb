package archive_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// killBundler is a killUploader that also signs bundles.
type killBundler struct {
	killUploader
	bu *arweave.BundleUploader
}

func (u killBundler) Bundle(ctx context.Context, items [][]byte) (*arweave.Signed, error) {
	if u.k.dead {
		return nil, errKilled
	}
	return u.bu.Bundle(ctx, items)
}

// checkCarriedOnce: every data item the gateway unpacked was carried by
// exactly one bundle, and every accepted bundle is one the store recorded.
func checkCarriedOnce(t *testing.T, st store.Store, g interface {
	Items() []string
	Carriers(string) []string
}) {
	t.Helper()
	recs, err := st.Archives(context.Background(), archive.BundleAddress)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range g.Items() {
		cs := g.Carriers(id)
		if len(cs) != 1 {
			t.Errorf("data item %s carried by %d bundles: uploaded twice", id, len(cs))
			continue
		}
		if !slices.ContainsFunc(recs, func(r store.Archive) bool { return r.ID == cs[0] }) {
			t.Errorf("bundle %s carrying %s is not in the store", cs[0], id)
		}
	}
}

// TestBundledSweep: in gateway mode one sweep posts one bundle transaction
// carrying every archive as its own signed data item, with its own tags and
// chain (two users, three and one archives).
func TestBundledSweep(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	seeded := map[string]int{address(1): 170, address(2): 60}
	addUser(t, st, address(2), "https://gateway.irys.xyz/"+irys[len(irys)-43:])
	for a, n := range seeded {
		seed(t, st, a, 0, n)
	}
	up := &arweave.BundleUploader{Gateway: gw, Wallet: testWallet(t)}
	rep, err := archive.New(st, up, archive.Options{}).Sweep(context.Background())
	if err != nil || rep.Uploads != 4 || rep.Bundles != 1 || rep.Failures != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if n := len(g.Accepted()); n != 1 || g.Posts() != 1 {
		t.Errorf("%d transactions accepted, %d posts: want one bundle", n, g.Posts())
	}
	if n := len(g.Items()); n != 4 {
		t.Errorf("%d data items in the bundle, want 4", n)
	}
	checkBooks(t, st, g, seeded, map[string]string{address(2): "https://gateway.irys.xyz/" + irys[len(irys)-43:]})
	checkCarriedOnce(t, st, g)
	recs, _ := st.Archives(context.Background(), archive.BundleAddress)
	if len(recs) != 1 || recs[0].Status != store.ArchiveAccepted || recs[0].ID != g.Accepted()[0] || len(recs[0].ItemIDs) != 4 {
		t.Errorf("bundle record %+v", recs)
	}
	for _, x := range mustArchives(t, st, address(1)) {
		if x.Bundle != recs[0].ID || x.Reward != "0" {
			t.Errorf("archive %s: bundle %q, reward %q", x.ID, x.Bundle, x.Reward)
		}
		item, ok := g.Item(x.ID)
		if !ok {
			t.Fatalf("archive %s not in the bundle", x.ID)
		}
		if v, _ := item.Tag(archive.TagPreviousTx); v != x.PrevTx {
			t.Errorf("data item %s: Previous-Tx %q, want %q", x.ID, v, x.PrevTx)
		}
		if v, _ := item.Tag(archive.TagAddress); v != address(1) {
			t.Errorf("data item %s: Kleo-Address %q", x.ID, v)
		}
	}
	// Nothing left: the next sweep posts nothing.
	if rep, err := archive.New(st, up, archive.Options{}).Sweep(context.Background()); err != nil || rep.Uploads != 0 || g.Posts() != 1 {
		t.Errorf("second sweep %+v, %v, %d posts", rep, err, g.Posts())
	}
}

func mustArchives(t *testing.T, st store.Store, addr string) []store.Archive {
	t.Helper()
	xs, err := st.Archives(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	return xs
}

// TestBundledCrashAtEveryStep kills a gateway-mode sweep after each step
// (each item signed, each intent persisted, the bundle record persisted,
// the bundle posted, each item recorded), then sweeps again: no item lost,
// none carried twice, the chains unbroken, and a persisted bundle is posted
// again as the very same transaction.
func TestBundledCrashAtEveryStep(t *testing.T) {
	w := testWallet(t)
	steps := map[string]int{afterSign: 4, afterPersist: 5, afterPost: 1, afterRecord: 4}
	for _, point := range []string{afterSign, afterPersist, afterPost, afterRecord} {
		for n := 1; n <= steps[point]; n++ {
			t.Run(fmt.Sprintf("%s/%d", point, n), func(t *testing.T) {
				st := openStore(t)
				g, gw := fakeGateway(t)
				seeded := map[string]int{address(1): 170, address(2): 60}
				for a, c := range seeded {
					seed(t, st, a, 0, c)
				}
				clk := newClock()
				bu := &arweave.BundleUploader{Gateway: gw, Wallet: w}
				k := &killer{point: point, n: n}
				dying := archive.New(killStore{st, k}, killBundler{killUploader{bu, k}, bu}, archive.Options{Now: clk.Now})
				if _, err := dying.Sweep(context.Background()); err != nil {
					t.Fatal(err)
				}
				if !k.dead {
					t.Fatalf("never reached %s #%d", point, n)
				}
				postsAtDeath := g.Posts()
				var persisted []store.Archive
				if point == afterPersist && n == 5 {
					persisted = mustArchives(t, st, archive.BundleAddress)
				}
				clk.Advance(time.Hour)
				rep, err := archive.New(st, bu, archive.Options{Now: clk.Now}).Sweep(context.Background())
				if err != nil || rep.Failures != 0 {
					t.Fatalf("recovery sweep: %+v, %v", rep, err)
				}
				if r, err := archive.New(st, bu, archive.Options{Now: clk.Now}).Sweep(context.Background()); err != nil || r.Uploads != 0 {
					t.Fatalf("a third sweep found work: %+v, %v", r, err)
				}
				checkBooks(t, st, g, seeded, nil)
				checkCarriedOnce(t, st, g)
				switch {
				case point == afterPersist && n == 5:
					// The bundle record was durable: the same transaction is posted.
					if len(g.Accepted()) != 1 || g.Accepted()[0] != persisted[0].ID || rep.Reposted != 1 {
						t.Errorf("accepted %v, report %+v; want the persisted bundle %s re-posted", g.Accepted(), rep, persisted[0].ID)
					}
				case point == afterPost || point == afterRecord:
					// The gateway has it: recorded by status, nothing posted again.
					if g.Posts() != postsAtDeath || len(g.Accepted()) != 1 {
						t.Errorf("%d posts after %d at death, %d bundles", g.Posts(), postsAtDeath, len(g.Accepted()))
					}
				default:
					// Nothing was posted before the crash.
					if postsAtDeath != 0 || len(g.Accepted()) != 1 {
						t.Errorf("%d posts at death, %d bundles after", postsAtDeath, len(g.Accepted()))
					}
				}
			})
		}
	}
}

// TestBundledExpiredAnchor: a bundle persisted but never posted outlives its
// anchor; the recovery signs one new bundle transaction for the same data
// items (same ids) and every user's chain records them.
func TestBundledExpiredAnchor(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	seeded := map[string]int{address(1): 120, address(2): 50}
	for a, c := range seeded {
		seed(t, st, a, 0, c)
	}
	clk := newClock()
	bu := &arweave.BundleUploader{Gateway: gw, Wallet: testWallet(t)}
	k := &killer{point: afterPersist, n: 4} // 3 items, then the bundle record
	archive.New(killStore{st, k}, killBundler{killUploader{bu, k}, bu}, archive.Options{Now: clk.Now}).Sweep(context.Background())
	if !k.dead {
		t.Fatal("never persisted the bundle")
	}
	signed := map[string]bool{}
	for _, a := range []string{address(1), address(2)} {
		for _, x := range mustArchives(t, st, a) {
			signed[x.ID] = true
		}
	}
	g.ExpireAnchors()
	clk.Advance(time.Hour)
	rep, err := archive.New(st, bu, archive.Options{Now: clk.Now}).Sweep(context.Background())
	if err != nil || rep.Failures != 0 || rep.Resigned != 1 {
		t.Fatalf("recovery: %+v, %v", rep, err)
	}
	checkBooks(t, st, g, seeded, nil)
	checkCarriedOnce(t, st, g)
	for _, id := range g.Items() {
		if !signed[id] {
			t.Errorf("data item %s was signed anew; only the bundle transaction should be", id)
		}
	}
}

// TestConcurrentBundledSweeps: two gateway-mode sweeps over the same six
// users at once (embedded store: single-document updates are atomic there,
// as on MongoDB), then one more: every archive carried by exactly one
// bundle, the chains unbroken.
func TestConcurrentBundledSweeps(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	seeded := map[string]int{}
	for i := range 6 {
		seeded[address(300+i)] = 110 + i
		seed(t, st, address(300+i), 0, 110+i)
	}
	bu := &arweave.BundleUploader{Gateway: gw, Wallet: testWallet(t)}
	var wg sync.WaitGroup
	reps := make([]archive.Report, 2)
	for k := range reps {
		wg.Go(func() {
			var err error
			if reps[k], err = archive.New(st, bu, archive.Options{}).Sweep(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, err := archive.New(st, bu, archive.Options{}).Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkBooks(t, st, g, seeded, nil)
	checkCarriedOnce(t, st, g)
	if n := len(g.Items()); n != 12 || reps[0].Failures+reps[1].Failures != 0 {
		t.Errorf("%d archives, reports %+v", n, reps)
	}
	t.Logf("uploads %d+%d, busy %d+%d", reps[0].Uploads, reps[1].Uploads, reps[0].UsersBusy, reps[1].UsersBusy)
}
