package archive

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Bundles in gateway mode.
//
// With a *arweave.BundleUploader a sweep makes each user's archive its own
// signed ANS-104 data item (own tags, own chain) and carries all of them in
// one bundle transaction. The order is the per-archive protocol's, once
// more for the bundle:
//
//  1. sign every user's data items (their leases are held to the end);
//  2. sign the bundle transaction;
//  3. persist every item's intent, naming the bundle (Archive.Bundle), then
//     the bundle's own record (Address BundleAddress, the header without
//     data, the items it carries in order);
//  4. post the bundle;
//  5. record every item in chain order, then mark the bundle accepted.
//
// A later sweep meets an unrecorded item through the user's reconcile: it
// asks the gateway about the item's bundle. Known: record. Unknown: rebuild
// the bundle's body from the stored items and post the very transaction
// again (never a new one), or, if its anchor expired, sign one new bundle
// transaction for the same items. An item whose bundle record was never
// persisted was never posted: it is dead, and the items are signed anew.

// BundleAddress is the Address of bundle records in the store: the bundle
// transactions of gateway mode, each carrying users' data items.
const BundleAddress = "bundles"

// bundler is what the bundled sweep needs of its uploader.
type bundler interface {
	arweave.Uploader
	Bundle(ctx context.Context, items [][]byte) (*arweave.Signed, error)
}

// DefaultMaxBundleBytes bounds the data items of one bundle (and the
// sweep's memory) unless Options.MaxBundleBytes says otherwise.
const DefaultMaxBundleBytes = 32 << 20

// carried is one data item going into this sweep's bundle.
type carried struct {
	t *turn
	x store.Archive
}

// sweepBundled is Sweep with a bundler: the sweep's new archives travel in
// one bundle transaction, or in several when they exceed MaxBundleBytes.
func (a *Archiver) sweepBundled(ctx context.Context, bu bundler, users []string, rep *Report) {
	for len(users) > 0 && !rep.Stopped {
		users = a.bundleOnce(ctx, bu, users, rep)
	}
}

// bundleOnce takes users until their archives fill a bundle, posts it and
// records it, and returns the users it did not reach.
func (a *Archiver) bundleOnce(ctx context.Context, bu bundler, users []string, rep *Report) []string {
	log := a.log.With("sweep", rep.Owner)
	var items []carried
	var turns []*turn
	size := 0
	defer func() {
		for _, t := range turns {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := a.st.ReleaseLease(rctx, t.addr, t.owner); err != nil {
				t.log.Warn("releasing the lease failed; it expires on its own", "err", err)
			}
			cancel()
		}
	}()
	fail := func(t *turn, err error) {
		if ctx.Err() != nil {
			rep.Stopped = true
			return
		}
		if errors.Is(err, ErrUnfit) || errors.Is(err, ErrNoUser) {
			rep.Skipped++
			t.log.Warn("user skipped until its document is repaired", "err", err)
			return
		}
		rep.Failures++
		if errors.Is(err, ErrPII) {
			rep.PIIRefused++
		}
		t.log.Error("archiving a user failed; the next sweep retries", "err", err)
	}
	for len(users) > 0 && size < a.opt.MaxBundleBytes {
		if a.stopping(ctx) {
			rep.Stopped = true
			break
		}
		addr := users[0]
		users = users[1:]
		t := &turn{addr: addr, owner: rep.Owner, rep: rep, log: log.With("address", addr)}
		held, err := a.lease(ctx, addr, t.owner)
		if err != nil {
			fail(t, fmt.Errorf("acquire lease: %w", err))
			continue
		}
		if !held {
			rep.UsersBusy++
			continue
		}
		rep.UsersSwept++
		turns = append(turns, t)
		if t.u, err = a.settle(ctx, addr, rep); err == nil {
			t.intents, err = a.st.Archives(ctx, addr)
		}
		for done := err == nil; done && err == nil; {
			done, err = a.reconcile(ctx, t)
		}
		if err == nil {
			var mine []carried
			mine, err = a.signItems(ctx, t, a.opt.MaxBundleBytes-size)
			for _, c := range mine {
				size += len(c.x.Tx)
			}
			items = append(items, mine...)
		}
		if err != nil {
			fail(t, err)
		}
	}
	if len(items) == 0 {
		return users
	}
	if err := a.postBundle(ctx, bu, items, rep); err != nil {
		if ctx.Err() != nil {
			rep.Stopped = true
		}
		rep.Failures++
		log.Error("the sweep's bundle failed; the next sweep finishes it", "err", err, "items", len(items))
	}
	return users
}

// signItems signs the user's next full batches as data items chained after
// its head, as many as fit room bytes. Nothing is persisted yet.
func (a *Archiver) signItems(ctx context.Context, t *turn, room int) ([]carried, error) {
	n := a.opt.Points.ArchiveItems
	entries, err := a.st.OldestUnarchived(ctx, t.addr, n*max(1, room/(MaxDocumentBytes+4096)))
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	var out []carried
	prev, prevHash := t.u.LastArchive, a.previousHash(t)
	for len(entries) >= n {
		batch := entries[:n]
		entries = entries[n:]
		x, err := a.build(ctx, t, batch, prev, prevHash)
		if err != nil {
			return out, err
		}
		out = append(out, carried{t, x})
		prev, prevHash = x.ID, x.URL
	}
	return out, nil
}

// build makes, checks and signs the archive of batch, chained after prev.
func (a *Archiver) build(ctx context.Context, t *turn, batch []store.Entry, prev, prevHash string) (store.Archive, error) {
	ids := make([]string, len(batch))
	for i, e := range batch {
		ids[i] = e.ID
	}
	hist, err := a.st.HistoryJSON(ctx, ids)
	if err != nil {
		return store.Archive{}, fmt.Errorf("read history: %w", err)
	}
	doc, bs, err := Build(t.addr, prevHash, a.opt.Points.Archive(), batch, hist, a.opt.PII)
	clear(hist)
	if err != nil {
		return store.Archive{}, err
	}
	t.rep.Gone += bs.Gone
	t.rep.Cut += bs.Cut
	if bs.Gone > 0 {
		t.log.Warn("history documents gone: those items are archived without text", "gone", bs.Gone, "first_item", ids[0])
	}
	if err := doc.CheckPII(a.opt.PII); err != nil {
		return store.Archive{}, fmt.Errorf("batch from item %s refused: %w", ids[0], err)
	}
	data, err := doc.Encode()
	if err != nil {
		return store.Archive{}, err
	}
	if len(data) > MaxDocumentBytes {
		return store.Archive{}, fmt.Errorf("archive: document of %d bytes exceeds %d", len(data), MaxDocumentBytes)
	}
	s, err := a.up.Prepare(ctx, data, doc.Tags(a.opt.AppName, a.opt.AppVersion, prev))
	if err != nil {
		return store.Archive{}, fmt.Errorf("sign: %w", err)
	}
	now := a.opt.Now()
	return store.Archive{
		ID: s.ID, Address: t.addr, PrevTx: prev, PreviousHash: doc.PreviousHash,
		URL: a.opt.URLBase + "/" + s.ID, Points: doc.Points, ItemIDs: ids,
		Bytes: int64(len(data)), Reward: s.Reward, Status: store.ArchiveSigned, Tx: s.Body,
		CreatedAt: now, UpdatedAt: now,
	}, nil
}

// postBundle signs, persists, posts and records one bundle of items.
func (a *Archiver) postBundle(ctx context.Context, bu bundler, items []carried, rep *Report) error {
	bodies := make([][]byte, len(items))
	for i, c := range items {
		bodies[i] = c.x.Tx
	}
	bs, err := bu.Bundle(ctx, bodies)
	if err != nil {
		return fmt.Errorf("sign bundle: %w", err)
	}
	for i := range items {
		items[i].x.Bundle = bs.ID
		if err := a.st.PutArchive(ctx, items[i].x); err != nil {
			return fmt.Errorf("persist intent %s: %w", items[i].x.ID, err)
		}
		items[i].t.intents = append(items[i].t.intents, items[i].x)
	}
	rec, err := newBundleRecord(bs, items)
	if err != nil {
		return err
	}
	rec.CreatedAt, rec.UpdatedAt = a.opt.Now(), a.opt.Now()
	// From here the bundle is durable: a crash is finished by reconcile
	// with this very transaction.
	if err := a.st.PutArchive(ctx, rec); err != nil {
		return fmt.Errorf("persist bundle %s: %w", bs.ID, err)
	}
	for _, t := range uniqueTurns(items) {
		if err := a.fence(ctx, t.addr, t.owner); err != nil {
			return err
		}
	}
	if err := bu.Post(ctx, bs); err != nil {
		return fmt.Errorf("post bundle %s: %w", bs.ID, err)
	}
	rep.Bundles++
	a.log.Info("bundle posted", "sweep", rep.Owner, "tx", bs.ID, "items", len(items), "bytes", rec.Bytes, "reward", bs.Reward)
	if w, err := strconv.ParseInt(bs.Reward, 10, 64); err == nil {
		rep.Winston += w
	}
	for _, c := range items {
		if err := a.record(ctx, c.t, c.x.ID, false); err != nil {
			return err
		}
	}
	return a.st.SetArchiveStatus(ctx, bs.ID, store.ArchiveAccepted, a.opt.Now())
}

// newBundleRecord is the store record of bundle transaction bs: its header
// without data, and "<address>/<item id>" for each item in order.
func newBundleRecord(bs *arweave.Signed, items []carried) (store.Archive, error) {
	tx, err := arweave.ParseTransaction(bs.Body)
	if err != nil {
		return store.Archive{}, err
	}
	size := len(tx.Data)
	tx.Data = nil
	h, err := tx.MarshalJSON()
	if err != nil {
		return store.Archive{}, err
	}
	ids := make([]string, len(items))
	for i, c := range items {
		ids[i] = c.x.Address + "/" + c.x.ID
	}
	return store.Archive{ID: bs.ID, Address: BundleAddress, ItemIDs: ids, Bytes: int64(size), Reward: bs.Reward,
		Status: store.ArchiveSigned, Tx: h}, nil
}

func uniqueTurns(items []carried) []*turn {
	var out []*turn
	seen := map[*turn]bool{}
	for _, c := range items {
		if !seen[c.t] {
			seen[c.t] = true
			out = append(out, c.t)
		}
	}
	return out
}

// errDeadItem means an item's bundle was never persisted, so never posted.
var errDeadItem = errors.New("archive: the item's bundle was never posted")

// repostBundle posts x's bundle again, the very transaction, its body
// rebuilt from the stored items; if the gateway refuses its expired anchor,
// it signs one new bundle transaction for the same items (unless another
// record already carries x and the gateway knows it). It returns the id of
// the bundle the gateway now holds, or errDeadItem.
func (a *Archiver) repostBundle(ctx context.Context, t *turn, x store.Archive) (string, error) {
	bu, ok := a.up.(bundler)
	if !ok {
		return "", fmt.Errorf("archive: intent %s travels in bundle %s; sweep in gateway mode to finish it", x.ID, x.Bundle)
	}
	recs, err := a.st.Archives(ctx, BundleAddress)
	if err != nil {
		return "", fmt.Errorf("list bundles: %w", err)
	}
	var rec *store.Archive
	key := x.Address + "/" + x.ID
	for i := range recs {
		if recs[i].ID == x.Bundle {
			rec = &recs[i]
		}
	}
	if rec == nil {
		return "", errDeadItem
	}
	bodies, err := a.bundleBodies(ctx, t, rec.ItemIDs)
	if err != nil {
		return "", err
	}
	data, err := arweave.NewBundle(bodies)
	if err != nil {
		return "", err
	}
	tx, err := arweave.ParseTransaction(rec.Tx)
	if err != nil {
		return "", err
	}
	tx.Data = data
	if err := tx.VerifyData(data); err != nil {
		return "", fmt.Errorf("bundle %s rebuilt from its items: %w", rec.ID, err)
	}
	body, err := tx.MarshalJSON()
	if err != nil {
		return "", err
	}
	err = bu.Post(ctx, &arweave.Signed{Kind: arweave.KindTransaction, ID: tx.ID, Body: body, Reward: tx.Reward})
	if err == nil {
		t.rep.Reposted++
		t.log.Info("bundle of an earlier sweep posted again", "tx", rec.ID)
		return rec.ID, nil
	}
	if !anchorRefused(err) {
		return "", fmt.Errorf("post bundle %s again: %w", rec.ID, err)
	}
	// The anchor expired: is x in a newer bundle the gateway knows?
	for _, r := range recs {
		if r.ID != rec.ID && containsString(r.ItemIDs, key) {
			if st, err := bu.Status(ctx, r.ID); err == nil && st.State != arweave.StateUnknown {
				return r.ID, nil
			}
		}
	}
	bs, err := bu.Bundle(ctx, bodies)
	if err != nil {
		return "", fmt.Errorf("re-sign bundle %s: %w", rec.ID, err)
	}
	n := *rec
	tx2, err := arweave.ParseTransaction(bs.Body)
	if err != nil {
		return "", err
	}
	tx2.Data = nil
	if n.Tx, err = tx2.MarshalJSON(); err != nil {
		return "", err
	}
	n.ID, n.Reward, n.Status, n.CreatedAt, n.UpdatedAt = bs.ID, bs.Reward, store.ArchiveSigned, a.opt.Now(), a.opt.Now()
	if err := a.st.PutArchive(ctx, n); err != nil {
		return "", fmt.Errorf("persist bundle %s: %w", bs.ID, err)
	}
	t.rep.Resigned++
	t.log.Warn("anchor of an unposted bundle expired; signed a new bundle transaction for the same items", "old_tx", rec.ID, "tx", bs.ID)
	if err := bu.Post(ctx, bs); err != nil {
		return "", fmt.Errorf("post bundle %s: %w", bs.ID, err)
	}
	return bs.ID, nil
}

// bundleBodies returns the stored bytes of the items "<address>/<id>".
func (a *Archiver) bundleBodies(ctx context.Context, t *turn, keys []string) ([][]byte, error) {
	byAddr := map[string]map[string][]byte{}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		addr, id, ok := strings.Cut(k, "/")
		if !ok {
			return nil, fmt.Errorf("archive: bundle record item %q", k)
		}
		m, ok := byAddr[addr]
		if !ok {
			xs := t.intents
			if addr != t.addr {
				var err error
				if xs, err = a.st.Archives(ctx, addr); err != nil {
					return nil, fmt.Errorf("list archives: %w", err)
				}
			}
			m = map[string][]byte{}
			for _, x := range xs {
				m[x.ID] = x.Tx
			}
			byAddr[addr] = m
		}
		if out[i] = m[id]; out[i] == nil {
			return nil, fmt.Errorf("archive: bundle item %s is not stored", id)
		}
	}
	return out, nil
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
