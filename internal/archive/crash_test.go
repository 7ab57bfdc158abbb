package archive_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Crash points, named after the step that just succeeded when the process dies.
const (
	afterMark    = "marked"    // settle: between marking the applied ids Counted and clearing them
	afterSign    = "signed"    // between sign and persist
	afterPersist = "persisted" // between persist and post
	afterPost    = "posted"    // between post and record
	afterRecord  = "recorded"  // between record and the lease's release
)

var errKilled = errors.New("process killed")

// killer models a process that dies at the n-th time a step succeeds:
// from then on nothing it does reaches the store or the gateway (its
// deferred lease release included), exactly as after a kill -9.
type killer struct {
	point  string
	n      int
	seen   int
	dead   bool
	killed string // the id of the upload in hand when it died
}

func (k *killer) step(point, id string) error {
	if k.dead {
		return errKilled
	}
	if point == k.point {
		if k.seen++; k.seen == k.n {
			k.dead, k.killed = true, id
			return errKilled
		}
	}
	return nil
}

type killStore struct {
	store.Store
	k *killer
}

func (s killStore) alive() error {
	if s.k.dead {
		return errKilled
	}
	return nil
}

func (s killStore) Users(ctx context.Context, a []string) (map[string]store.UserState, error) {
	if err := s.alive(); err != nil {
		return nil, err
	}
	return s.Store.Users(ctx, a)
}

func (s killStore) Ledger(ctx context.Context, e []store.Entry, counted []string) (map[string]store.Entry, error) {
	if err := s.alive(); err != nil {
		return nil, err
	}
	m, err := s.Store.Ledger(ctx, e, counted)
	if err != nil {
		return nil, err
	}
	return m, s.k.step(afterMark, "")
}

func (s killStore) Apply(ctx context.Context, u []store.Apply) ([]error, error) {
	if err := s.alive(); err != nil {
		return nil, err
	}
	return s.Store.Apply(ctx, u)
}

func (s killStore) HistoryJSON(ctx context.Context, ids []string) (map[string][]byte, error) {
	if err := s.alive(); err != nil {
		return nil, err
	}
	return s.Store.HistoryJSON(ctx, ids)
}

func (s killStore) UsersToArchive(ctx context.Context, m, l int) ([]string, error) {
	if err := s.alive(); err != nil {
		return nil, err
	}
	return s.Store.UsersToArchive(ctx, m, l)
}

func (s killStore) AcquireLease(ctx context.Context, a, o string, now, until time.Time) (bool, error) {
	if err := s.alive(); err != nil {
		return false, err
	}
	return s.Store.AcquireLease(ctx, a, o, now, until)
}

func (s killStore) ReleaseLease(ctx context.Context, a, o string) error {
	if err := s.alive(); err != nil {
		return err
	}
	return s.Store.ReleaseLease(ctx, a, o)
}

func (s killStore) OldestUnarchived(ctx context.Context, a string, n int) ([]store.Entry, error) {
	if err := s.alive(); err != nil {
		return nil, err
	}
	return s.Store.OldestUnarchived(ctx, a, n)
}

func (s killStore) PutArchive(ctx context.Context, x store.Archive) error {
	if err := s.alive(); err != nil {
		return err
	}
	if err := s.Store.PutArchive(ctx, x); err != nil {
		return err
	}
	return s.k.step(afterPersist, x.ID)
}

func (s killStore) CompleteArchive(ctx context.Context, userID string, x store.Archive, now time.Time) error {
	if err := s.alive(); err != nil {
		return err
	}
	if err := s.Store.CompleteArchive(ctx, userID, x, now); err != nil {
		return err
	}
	return s.k.step(afterRecord, x.ID)
}

func (s killStore) SetArchiveStatus(ctx context.Context, id, status string, now time.Time) error {
	if err := s.alive(); err != nil {
		return err
	}
	return s.Store.SetArchiveStatus(ctx, id, status, now)
}

func (s killStore) Archives(ctx context.Context, a string) ([]store.Archive, error) {
	if err := s.alive(); err != nil {
		return nil, err
	}
	return s.Store.Archives(ctx, a)
}

type killUploader struct {
	arweave.Uploader
	k *killer
}

func (u killUploader) Prepare(ctx context.Context, data []byte, tags []arweave.Tag) (*arweave.Signed, error) {
	if u.k.dead {
		return nil, errKilled
	}
	s, err := u.Uploader.Prepare(ctx, data, tags)
	if err != nil {
		return nil, err
	}
	if err := u.k.step(afterSign, s.ID); err != nil {
		return nil, err
	}
	return s, nil
}

func (u killUploader) Post(ctx context.Context, s *arweave.Signed) error {
	if u.k.dead {
		return errKilled
	}
	if err := u.Uploader.Post(ctx, s); err != nil {
		return err
	}
	return u.k.step(afterPost, s.ID)
}

func (u killUploader) Status(ctx context.Context, id string) (arweave.Status, error) {
	if u.k.dead {
		return arweave.Status{}, errKilled
	}
	return u.Uploader.Status(ctx, id)
}

// TestCrashAtEveryStep kills the archiver between sign and persist, persist
// and post, post and record, and record and release, at the first, second
// and third batch of a user, then runs fresh sweeps (after the dead
// sweep's lease expired) until the work is done. For every case: no item
// lost, none uploaded twice, the chain unbroken (checkBooks), and the
// recovery took the path the protocol promises.
func TestCrashAtEveryStep(t *testing.T) {
	w := testWallet(t)
	for _, point := range []string{afterMark, afterSign, afterPersist, afterPost, afterRecord} {
		for n := 1; n <= 3; n++ {
			if point == afterMark && n > 1 {
				continue // a user is settled once per sweep
			}
			t.Run(fmt.Sprintf("%s/batch%d", point, n), func(t *testing.T) {
				st := openStore(t)
				g, gw := fakeGateway(t)
				seeded := map[string]int{address(1): 170, address(2): 60}
				for a, c := range seeded {
					seed(t, st, a, 0, c)
				}
				clk := newClock()
				up := &arweave.GatewayUploader{Gateway: gw, Wallet: w}
				k := &killer{point: point, n: n}
				// MaxUsers 1 keeps the crash on address(1), which sorts first.
				dying := archive.New(killStore{st, k}, killUploader{up, k}, archive.Options{Now: clk.Now, MaxUsers: 1})
				if _, err := dying.Sweep(context.Background()); err != nil {
					t.Fatal(err)
				}
				if !k.dead {
					t.Fatalf("never reached %s #%d", point, n)
				}
				postsAtDeath := g.Posts()
				clk.Advance(time.Hour) // the dead sweep's lease expires

				var rep archive.Report
				for i := 0; i < 3; i++ {
					r, err := archive.New(st, up, archive.Options{Now: clk.Now}).Sweep(context.Background())
					if err != nil || r.Failures != 0 {
						t.Fatalf("recovery sweep %d: %+v, %v", i, r, err)
					}
					if i == 0 {
						rep = r
					}
				}
				checkBooks(t, st, g, seeded, nil)

				accepted := g.Accepted()
				switch point {
				case afterMark:
					// Settling is not uploading; the next sweep settles again.
					if postsAtDeath != 0 || rep.Settled != 2 { // both users: the dead sweep cleared nothing
						t.Errorf("died settling: %d posts before, recovery report %+v", postsAtDeath, rep)
					}
				case afterSign:
					// The signed upload was never persisted, so never posted.
					if slices.Contains(accepted, k.killed) {
						t.Errorf("an upload signed but never persisted reached the gateway")
					}
				case afterPersist:
					// The next sweep posts the very intent persisted, not a new signature.
					if !slices.Contains(accepted, k.killed) || rep.Reposted != 1 || rep.Reconciled != 0 {
						t.Errorf("persisted intent: accepted %v, report %+v; want it re-posted", slices.Contains(accepted, k.killed), rep)
					}
				case afterPost:
					// The gateway knows it: recorded by status, not posted again.
					if rep.Reconciled != 1 || rep.Reposted != 0 || g.Posts() != len(accepted) {
						t.Errorf("posted intent: report %+v, %d posts for %d uploads", rep, g.Posts(), len(accepted))
					}
				case afterRecord:
					if rep.Reconciled+rep.Reposted != 0 {
						t.Errorf("recorded archive reconciled again: %+v", rep)
					}
				}
				if rep.Resigned != 0 {
					t.Errorf("re-signed without an expired anchor: %+v", rep)
				}
				if point != afterSign && g.Posts() < postsAtDeath {
					t.Errorf("posts went backwards")
				}
			})
		}
	}
}

// TestCrashTwice dies between persist and post, then the recovering sweep
// dies right after re-posting; a third finds the upload by status.
func TestCrashTwice(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	seeded := map[string]int{address(1): 120}
	seed(t, st, address(1), 0, 120)
	clk := newClock()
	up := &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}
	k1 := &killer{point: afterPersist, n: 2}
	archive.New(killStore{st, k1}, killUploader{up, k1}, archive.Options{Now: clk.Now}).Sweep(context.Background())
	clk.Advance(time.Hour)
	k2 := &killer{point: afterPost, n: 1}
	archive.New(killStore{st, k2}, killUploader{up, k2}, archive.Options{Now: clk.Now}).Sweep(context.Background())
	if k2.killed != k1.killed {
		t.Fatalf("second sweep posted %s, not the persisted intent %s", k2.killed, k1.killed)
	}
	clk.Advance(time.Hour)
	rep, err := archive.New(st, up, archive.Options{Now: clk.Now}).Sweep(context.Background())
	if err != nil || rep.Reconciled != 1 || rep.Uploads != 1 {
		t.Fatalf("third sweep: %+v, %v", rep, err)
	}
	checkBooks(t, st, g, seeded, nil)
}

// TestExpiredAnchorResigns: an intent persisted but never posted outlives its
// anchor. The re-post is refused for the anchor and the gateway does not know
// the id, so, and only so, the same document is signed anew; the dead intent
// is never posted again and later batches chain after the new one.
func TestExpiredAnchorResigns(t *testing.T) {
	st := openStore(t)
	g, gw := fakeGateway(t)
	seeded := map[string]int{address(1): 170}
	seed(t, st, address(1), 0, 120)
	clk := newClock()
	up := &countingUploader{Uploader: &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(t)}, posts: map[string]int{}}
	k := &killer{point: afterPersist, n: 2}
	archive.New(killStore{st, k}, killUploader{up, k}, archive.Options{Now: clk.Now}).Sweep(context.Background())
	dead := k.killed
	deadArchive := findArchive(t, st, address(1), dead)
	g.ExpireAnchors()
	clk.Advance(time.Hour)

	rep, err := archive.New(st, up, archive.Options{Now: clk.Now}).Sweep(context.Background())
	if err != nil || rep.Resigned != 1 || rep.Uploads != 1 || rep.Failures != 0 {
		t.Fatalf("sweep after expiry: %+v, %v", rep, err)
	}
	fresh := findArchive(t, st, address(1), user(t, st, address(1)).LastArchive)
	if fresh.ID == dead || !slices.Equal(fresh.ItemIDs, deadArchive.ItemIDs) || fresh.PreviousHash != deadArchive.PreviousHash ||
		fresh.PrevTx != deadArchive.PrevTx || fresh.URL != archive.DefaultURLBase+"/"+fresh.ID {
		t.Errorf("re-signed intent %s: items equal %v, previous_hash %q vs %q, prev_tx %q vs %q, url %q", fresh.ID,
			slices.Equal(fresh.ItemIDs, deadArchive.ItemIDs), fresh.PreviousHash, deadArchive.PreviousHash, fresh.PrevTx, deadArchive.PrevTx, fresh.URL)
	}
	freshData, _ := g.Data(fresh.ID)
	deadTx, _ := arweave.ParseTransaction(deadArchive.Tx)
	if string(freshData) != string(deadTx.Data) {
		t.Errorf("re-signed upload carries a different document")
	}

	// More items arrive; later sweeps pass over the dead intent.
	seed(t, st, address(1), 120, 50)
	for range 2 {
		r, err := archive.New(st, up, archive.Options{Now: clk.Now}).Sweep(context.Background())
		if err != nil || r.Resigned != 0 || r.Failures != 0 {
			t.Fatalf("later sweep: %+v, %v", r, err)
		}
	}
	if up.posts[dead] != 1 {
		t.Errorf("dead intent posted %d times after its anchor expired, want only the one refused re-post", up.posts[dead])
	}
	if x := findArchive(t, st, address(1), dead); x.Status != store.ArchiveSigned {
		t.Errorf("dead intent status %q", x.Status)
	}
	checkBooks(t, st, g, seeded, nil)
}

func findArchive(t *testing.T, st store.Store, addr, id string) store.Archive {
	t.Helper()
	all, err := st.Archives(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range all {
		if x.ID == id {
			return x
		}
	}
	t.Fatalf("archive %s not stored", id)
	return store.Archive{}
}
