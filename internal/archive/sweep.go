package archive

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/points"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// DefaultURLBase is the gateway whose URLs become the users' previous_hash.
const DefaultURLBase = "https://arweave.net"

// Options tune an Archiver. The zero value of each field means its default.
type Options struct {
	// Points is the rule: an archive holds Points.ArchiveItems items and
	// adds Points.Archive() to kleo_points when accepted; points.Default().
	Points     points.Rule
	MaxUsers   int    // users looked at per sweep; 100
	AppName    string // App-Name tag; "Kleo"
	AppVersion string // App-Version tag; "dev"
	// URLBase is the gateway URL an archive's id is appended to for the
	// user's previous_hash (Kleo's backend mints it as the NFT's token
	// URI); DefaultURLBase.
	URLBase string
	// DeadlineMargin is the time left before the context's deadline at which
	// a sweep starts no new batch; 10s. It must cover one batch's calls.
	DeadlineMargin time.Duration
	// LeaseTTL is how long a user's lease lasts at least; 2m. The lease is
	// renewed before each batch and before each post, and, when the context
	// has a deadline, lasts until 30s past it: an invocation killed at its
	// deadline cannot still be working when the lease expires.
	LeaseTTL time.Duration
	// MaxBundleBytes bounds one bundle's data items in gateway mode; a sweep
	// with more posts several bundles. DefaultMaxBundleBytes.
	MaxBundleBytes int
	PII            Scrubber         // pii.New()
	Now            func() time.Time // time.Now; the clock of leases and intents
	Logger         *slog.Logger     // discards by default
}

// leaseSlack is how long a lease outlives the deadline of the sweep that took it.
const leaseSlack = 30 * time.Second

// Report counts what one sweep did, for metrics.
type Report struct {
	Owner      string // the lease owner id of this sweep
	UsersSwept int    // users whose lease this sweep took
	UsersBusy  int    // users skipped because another sweep held their lease
	Uploads    int    // archives accepted by the gateway and recorded
	Bytes      int64  // document bytes of those archives
	Sizes      []int  // the document bytes of each
	Winston    int64  // the sum of their rewards (1 AR = 1e12 winston)
	Items      int    // items in those archives
	Gone       int    // of Items: archived without text, their history document gone
	Cut        int    // text fields cut to their cap (summary 1 KiB, URL 400 B, title 200 B)
	Reconciled int    // of Uploads: intents of earlier sweeps that the gateway already knew
	Reposted   int    // of Uploads: intents of earlier sweeps posted again
	Resigned   int    // intents signed anew because their anchor expired
	Settled    int    // users whose last processed batch was settled (kleo_stream.applied cleared)
	Bundles    int    // bundle transactions posted (gateway mode), each carrying many archives
	Failures   int    // users whose turn ended on an error (the next sweep retries)
	Skipped    int    // users whose document cannot be updated (ErrUnfit, ErrNoUser): skipped until repaired
	PIIRefused int    // of Failures: batches refused because the PII check found something
	Stopped    bool   // the deadline came first; the next sweep continues
	Duration   time.Duration
}

// Archiver sweeps users' unarchived items into Arweave uploads.
type Archiver struct {
	st  store.Store
	up  arweave.Uploader
	opt Options
	log *slog.Logger
}

// New returns an Archiver that reads and records through st and signs and
// uploads through up.
func New(st store.Store, up arweave.Uploader, opt Options) *Archiver {
	if opt.Points.ArchiveItems <= 0 {
		opt.Points = points.Default()
	}
	if opt.MaxUsers <= 0 {
		opt.MaxUsers = 100
	}
	if opt.AppName == "" {
		opt.AppName = "Kleo"
	}
	if opt.AppVersion == "" {
		opt.AppVersion = "dev"
	}
	if opt.URLBase == "" {
		opt.URLBase = DefaultURLBase
	}
	opt.URLBase = strings.TrimRight(opt.URLBase, "/")
	if opt.DeadlineMargin <= 0 {
		opt.DeadlineMargin = 10 * time.Second
	}
	if opt.LeaseTTL <= 0 {
		opt.LeaseTTL = 2 * time.Minute
	}
	if opt.PII == nil {
		opt.PII = pii.New()
	}
	if opt.MaxBundleBytes <= 0 {
		opt.MaxBundleBytes = DefaultMaxBundleBytes
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Archiver{st: st, up: up, opt: opt, log: log}
}

// errLeaseLost means another sweep took the user's lease (ours expired).
var errLeaseLost = errors.New("archive: lease lost to another sweep")

// ErrNoUser means the ledger holds items of an address that has no user
// document (Kleo deleted it): nothing can be recorded for it.
var ErrNoUser = errors.New("archive: no user document for the address")

// ErrUnfit means the user's document cannot take the completion's update
// (a counter stored as a string, ...): the user is skipped, with the
// store's value-free reason, until the document is repaired. The processor
// dead-letters the same user's records for the same reason.
var ErrUnfit = errors.New("archive: the user document cannot be updated")

// Sweep archives the users that have at least a batch of unarchived items,
// one batch after another, until they have less than a batch, the user limit
// is reached or the context's deadline is near. A failure with one user is
// logged and counted and the sweep goes on; Sweep returns an error only when
// it cannot list the users.
func (a *Archiver) Sweep(ctx context.Context) (Report, error) {
	start := time.Now()
	rep := Report{Owner: newOwner()}
	log := a.log.With("sweep", rep.Owner)
	users, err := a.st.UsersToArchive(ctx, a.opt.Points.ArchiveItems, a.opt.MaxUsers)
	if err != nil {
		rep.Duration = time.Since(start)
		return rep, fmt.Errorf("archive: users to archive: %w", err)
	}
	if bu, ok := a.up.(bundler); ok {
		a.sweepBundled(ctx, bu, users, &rep)
		rep.Duration = time.Since(start)
		return rep, nil
	}
	for _, addr := range users {
		if a.stopping(ctx) {
			rep.Stopped = true
			break
		}
		if err := a.sweepUser(ctx, addr, rep.Owner, &rep, log.With("address", addr)); err != nil {
			if ctx.Err() != nil {
				rep.Stopped = true
				log.Warn("stopped by the context; the next sweep finishes the batch", "err", err)
				break
			}
			if errors.Is(err, ErrUnfit) || errors.Is(err, ErrNoUser) {
				rep.Skipped++
				log.Warn("user skipped until its document is repaired", "err", err)
				continue
			}
			rep.Failures++
			if errors.Is(err, ErrPII) {
				rep.PIIRefused++
			}
			log.Error("archiving a user failed; the next sweep retries", "err", err)
		}
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func (a *Archiver) stopping(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && dl.Sub(a.opt.Now()) < a.opt.DeadlineMargin
}

// turn is one user's state during its turn in a sweep.
type turn struct {
	addr    string // lower-case
	owner   string
	u       store.UserState
	intents []store.Archive // the user's archives, read once per turn; kept current
	dead    map[string]bool // signed data items whose bundle was never posted
	rep     *Report
	log     *slog.Logger
}

// sweepUser archives one user's batches under the user's lease.
func (a *Archiver) sweepUser(ctx context.Context, addr, owner string, rep *Report, log *slog.Logger) error {
	held, err := a.lease(ctx, addr, owner)
	if err != nil {
		return fmt.Errorf("acquire lease: %w", err)
	}
	if !held {
		rep.UsersBusy++
		log.Info("another sweep holds the user's lease; skipped")
		return nil
	}
	rep.UsersSwept++
	defer func() {
		// Release even when ctx is done: the lease would otherwise block the
		// user until it expires.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := a.st.ReleaseLease(rctx, addr, owner); err != nil {
			log.Warn("releasing the lease failed; it expires on its own", "err", err)
		}
	}()
	t := &turn{addr: addr, owner: owner, rep: rep, log: log}
	if t.u, err = a.settle(ctx, addr, rep); err != nil {
		return err
	}
	// The archives are read once: while this sweep holds the lease no one
	// else adds to them, and what this sweep adds it tracks itself.
	if t.intents, err = a.st.Archives(ctx, addr); err != nil {
		return fmt.Errorf("list archives: %w", err)
	}
	for {
		if a.stopping(ctx) {
			rep.Stopped = true
			return nil
		}
		if err := a.fence(ctx, addr, owner); err != nil {
			return err
		}
		done, err := a.reconcile(ctx, t)
		if err != nil {
			return err
		}
		if done {
			continue
		}
		done, err = a.archiveNext(ctx, t)
		if err != nil || !done {
			return err
		}
	}
}

// settle reads the user and makes the items of its last processed batch
// archivable: the ids in kleo_stream.applied are marked Counted in the
// ledger (their effect is in the counters, so this changes nothing the
// store's invariant counts), then the list is cleared by a guarded update
// that adds nothing. If the processor updated the user in between, the
// guard fails, which is fine: the processor marked and replaced the list
// itself.
func (a *Archiver) settle(ctx context.Context, addr string, rep *Report) (store.UserState, error) {
	us, err := a.st.Users(ctx, []string{addr})
	if err != nil {
		return store.UserState{}, fmt.Errorf("read user: %w", err)
	}
	u, ok := us[addr]
	if !ok {
		return u, ErrNoUser
	}
	if u.Problem != "" {
		// Completion adds to kleo_points: a document the processor cannot
		// update cannot record an archive either.
		return u, fmt.Errorf("%w: %s", ErrUnfit, u.Problem)
	}
	if len(u.Applied) == 0 {
		return u, nil
	}
	if _, err := a.st.Ledger(ctx, nil, u.Applied); err != nil {
		return u, fmt.Errorf("settle: mark counted: %w", err)
	}
	errs, err := a.st.Apply(ctx, []store.Apply{{UserID: u.ID, Version: u.Version}})
	if err == nil && len(errs) == 1 && errs[0] != nil && !errors.Is(errs[0], store.ErrConflict) {
		err = errs[0]
	}
	if err != nil {
		return u, fmt.Errorf("settle: clear applied: %w", err)
	}
	if errs[0] == nil {
		rep.Settled++
	}
	return u, nil
}

// lease takes or renews the user's lease for this sweep.
func (a *Archiver) lease(ctx context.Context, addr, owner string) (bool, error) {
	now := a.opt.Now()
	ttl := a.opt.LeaseTTL
	if dl, ok := ctx.Deadline(); ok {
		ttl = max(ttl, dl.Sub(now)+leaseSlack)
	}
	return a.st.AcquireLease(ctx, addr, owner, now, now.Add(ttl))
}

// fence renews the lease and fails if another sweep holds it: called before
// every post, it keeps a sweep whose lease expired from uploading.
func (a *Archiver) fence(ctx context.Context, addr, owner string) error {
	held, err := a.lease(ctx, addr, owner)
	if err != nil {
		return fmt.Errorf("renew lease: %w", err)
	}
	if !held {
		return errLeaseLost
	}
	return nil
}

// previousHash is what the next archive's document links to: the previous
// archive's URL, or before the first the user's previous_hash as found.
func (a *Archiver) previousHash(t *turn) string {
	if t.u.LastArchive == "" {
		return t.u.PreviousHash
	}
	for _, x := range t.intents {
		if x.ID == t.u.LastArchive && x.URL != "" {
			return x.URL
		}
	}
	return a.opt.URLBase + "/" + t.u.LastArchive
}

// archiveNext builds, signs, persists, posts and records the user's next
// batch. It reports false when there is no full batch.
func (a *Archiver) archiveNext(ctx context.Context, t *turn) (bool, error) {
	n, addr := a.opt.Points.ArchiveItems, t.addr
	entries, err := a.st.OldestUnarchived(ctx, addr, n)
	if err != nil {
		return false, fmt.Errorf("read ledger: %w", err)
	}
	if len(entries) < n {
		return false, nil
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	hist, err := a.st.HistoryJSON(ctx, ids)
	if err != nil {
		return false, fmt.Errorf("read history: %w", err)
	}
	doc, bs, err := Build(addr, a.previousHash(t), a.opt.Points.Archive(), entries, hist, a.opt.PII)
	clear(hist)
	if err != nil {
		return false, err
	}
	t.rep.Gone += bs.Gone
	t.rep.Cut += bs.Cut
	if bs.Gone > 0 {
		t.log.Warn("history documents gone: those items are archived without text", "gone", bs.Gone, "first_item", ids[0])
	}
	if err := doc.CheckPII(a.opt.PII); err != nil {
		return false, fmt.Errorf("batch from item %s refused: %w", ids[0], err)
	}
	data, err := doc.Encode()
	if err != nil {
		return false, err
	}
	if len(data) > MaxDocumentBytes {
		return false, fmt.Errorf("archive: document of %d bytes exceeds %d", len(data), MaxDocumentBytes)
	}
	s, err := a.up.Prepare(ctx, data, doc.Tags(a.opt.AppName, a.opt.AppVersion, t.u.LastArchive))
	if err != nil {
		return false, fmt.Errorf("sign: %w", err)
	}
	now := a.opt.Now()
	intent := store.Archive{
		ID: s.ID, Address: addr, PrevTx: t.u.LastArchive, PreviousHash: doc.PreviousHash,
		URL: a.opt.URLBase + "/" + s.ID, Points: doc.Points, ItemIDs: ids,
		Bytes: int64(len(data)), Reward: s.Reward, Status: store.ArchiveSigned, Tx: s.Body,
		CreatedAt: now, UpdatedAt: now,
	}
	// The intent is durable before anything is posted: from here on, a
	// crash is finished by reconcile with this very signature.
	if err := a.st.PutArchive(ctx, intent); err != nil {
		return false, fmt.Errorf("persist intent %s: %w", s.ID, err)
	}
	t.intents = append(t.intents, intent)
	if err := a.fence(ctx, addr, t.owner); err != nil {
		return false, err
	}
	if err := a.up.Post(ctx, s); err != nil {
		return false, fmt.Errorf("post %s: %w", s.ID, err)
	}
	t.log.Info("archive posted", "tx", s.ID, "items", len(ids), "bytes", len(data), "reward", s.Reward)
	return true, a.record(ctx, t, intent.ID, false)
}

// reconcile finishes what earlier sweeps left: a signed intent of the user's
// current chain head. It reports whether it recorded an archive.
func (a *Archiver) reconcile(ctx context.Context, t *turn) (bool, error) {
	var live []store.Archive // oldest first
	for _, x := range t.intents {
		if x.Status != store.ArchiveSigned || t.dead[x.ID] {
			continue
		}
		if x.ID == t.u.LastArchive {
			// Accepted and recorded on the user, but the completion did not
			// reach its last step: finish it (each step is idempotent).
			return true, a.record(ctx, t, x.ID, false)
		}
		// Intents signed against an older head are stale: their items were
		// archived by another intent (or a re-signed copy).
		if x.PrevTx == t.u.LastArchive {
			live = append(live, x)
		}
	}
	if len(live) == 0 {
		return false, nil
	}
	for i := len(live) - 1; i >= 0; i-- {
		// A data item in a bundle is as far as its bundle is.
		id := live[i].ID
		if live[i].Bundle != "" {
			id = live[i].Bundle
		}
		st, err := a.up.Status(ctx, id)
		if err != nil {
			return false, fmt.Errorf("status of %s: %w", id, err)
		}
		if st.State != arweave.StateUnknown {
			t.rep.Reconciled++
			t.log.Info("intent of an earlier sweep found "+st.State.String(), "tx", live[i].ID)
			return true, a.record(ctx, t, live[i].ID, st.State == arweave.StateConfirmed)
		}
	}
	newest := live[len(live)-1]
	if err := a.fence(ctx, t.addr, t.owner); err != nil {
		return false, err
	}
	if newest.Bundle != "" {
		switch _, err := a.repostBundle(ctx, t, newest); {
		case errors.Is(err, errDeadItem):
			if t.dead == nil {
				t.dead = map[string]bool{}
			}
			t.dead[newest.ID] = true
			return true, nil // look again without it
		case err != nil:
			return false, err
		}
		return true, a.record(ctx, t, newest.ID, false)
	}
	err := a.up.Post(ctx, signedOf(newest))
	if err == nil {
		t.rep.Reposted++
		t.log.Info("intent of an earlier sweep posted again", "tx", newest.ID)
		return true, a.record(ctx, t, newest.ID, false)
	}
	if !anchorRefused(err) {
		return false, fmt.Errorf("post %s again: %w", newest.ID, err)
	}
	if st, serr := a.up.Status(ctx, newest.ID); serr != nil {
		return false, fmt.Errorf("status of %s: %w", newest.ID, serr)
	} else if st.State != arweave.StateUnknown {
		t.rep.Reconciled++
		return true, a.record(ctx, t, newest.ID, st.State == arweave.StateConfirmed)
	}
	return true, a.resign(ctx, t, newest)
}

// resign signs the document and tags of an intent whose anchor expired with
// a fresh anchor, persists the new intent for the same items and chain
// position, posts and records it.
func (a *Archiver) resign(ctx context.Context, t *turn, old store.Archive) error {
	if _, ok := a.up.(bundler); ok {
		return fmt.Errorf("archive: transaction %s needs a new anchor; finish it with ARWEAVE_MODE=transaction", old.ID)
	}
	tx, err := arweave.ParseTransaction(old.Tx)
	if err != nil {
		return fmt.Errorf("re-sign %s: %w", old.ID, err)
	}
	s, err := a.up.Prepare(ctx, tx.Data, tx.Tags)
	if err != nil {
		return fmt.Errorf("re-sign %s: %w", old.ID, err)
	}
	now := a.opt.Now()
	n := old
	n.ID, n.URL, n.Reward, n.Tx, n.Status, n.CreatedAt, n.UpdatedAt = s.ID, a.opt.URLBase+"/"+s.ID, s.Reward, s.Body, store.ArchiveSigned, now, now
	if err := a.st.PutArchive(ctx, n); err != nil {
		return fmt.Errorf("persist intent %s: %w", s.ID, err)
	}
	t.intents = append(t.intents, n)
	t.rep.Resigned++
	t.log.Warn("anchor of an unposted intent expired; signed the same document anew", "old_tx", old.ID, "tx", s.ID)
	if err := a.fence(ctx, n.Address, t.owner); err != nil {
		return err
	}
	if err := a.up.Post(ctx, s); err != nil {
		return fmt.Errorf("post %s: %w", s.ID, err)
	}
	return a.record(ctx, t, n.ID, false)
}

// record applies the accepted archive id (one of t.intents), counts it and
// moves the turn's view of the user to it.
func (a *Archiver) record(ctx context.Context, t *turn, id string, confirmed bool) error {
	i := 0
	for i < len(t.intents) && t.intents[i].ID != id {
		i++
	}
	x := t.intents[i]
	now := a.opt.Now()
	if err := a.st.CompleteArchive(ctx, t.u.ID, x, now); err != nil {
		return fmt.Errorf("record %s: %w", x.ID, err)
	}
	if confirmed {
		if err := a.st.SetArchiveStatus(ctx, x.ID, store.ArchiveConfirmed, now); err != nil {
			return fmt.Errorf("mark %s confirmed: %w", x.ID, err)
		}
	}
	t.intents[i].Status = store.ArchiveAccepted
	t.u.LastArchive, t.u.PreviousHash = x.ID, x.URL
	t.rep.Uploads++
	t.rep.Items += len(x.ItemIDs)
	t.rep.Bytes += x.Bytes
	t.rep.Sizes = append(t.rep.Sizes, int(x.Bytes))
	if w, err := strconv.ParseInt(x.Reward, 10, 64); err == nil {
		t.rep.Winston += w
	}
	return nil
}

// signedOf rebuilds the upload an intent holds. A transaction's body is its
// JSON; a data item's is binary and never starts with '{' (its first bytes
// are the signature type, 1, little-endian).
func signedOf(x store.Archive) *arweave.Signed {
	kind := arweave.KindDataItem
	if bytes.HasPrefix(x.Tx, []byte("{")) {
		kind = arweave.KindTransaction
	}
	return &arweave.Signed{Kind: kind, ID: x.ID, Body: x.Tx, Reward: x.Reward}
}

// anchorRefused reports whether a gateway refused a transaction for its
// anchor (last_tx): arweave nodes answer 400 "Invalid anchor (last_tx)."
// once the anchor is more than 50 blocks old.
func anchorRefused(err error) bool {
	var he *arweave.HTTPError
	if !errors.Is(err, arweave.ErrRejected) || !errors.As(err, &he) {
		return false
	}
	b := strings.ToLower(he.Body)
	return strings.Contains(b, "anchor") || strings.Contains(b, "last_tx")
}

func newOwner() string {
	var b [8]byte
	rand.Read(b[:])
	return "sweep-" + hex.EncodeToString(b[:])
}
