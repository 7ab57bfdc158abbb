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
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Options tune an Archiver. The zero value of each field means its default.
type Options struct {
	BatchSize  int    // items per archive; 50
	MaxUsers   int    // users looked at per sweep; 100
	AppName    string // App-Name tag; "Kleo"
	AppVersion string // App-Version tag; "dev"
	// DeadlineMargin is the time left before the context's deadline at which
	// a sweep starts no new batch; 10s. It must cover one batch's calls.
	DeadlineMargin time.Duration
	// LeaseTTL is how long a user's lease lasts at least; 2m. The lease is
	// renewed before each batch and before each post, and, when the context
	// has a deadline, lasts until 30s past it: an invocation killed at its
	// deadline cannot still be working when the lease expires.
	LeaseTTL time.Duration
	PII      Finder           // pii.New()
	Now      func() time.Time // time.Now; the clock of leases and intents
	Logger   *slog.Logger     // discards by default
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
	Winston    int64  // the sum of their rewards (1 AR = 1e12 winston)
	Reconciled int    // of Uploads: intents of earlier sweeps that the gateway already knew
	Reposted   int    // of Uploads: intents of earlier sweeps posted again
	Resigned   int    // intents signed anew because their anchor expired
	Failures   int    // users whose turn ended on an error (the next sweep retries)
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
	if opt.BatchSize <= 0 {
		opt.BatchSize = 50
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
	if opt.DeadlineMargin <= 0 {
		opt.DeadlineMargin = 10 * time.Second
	}
	if opt.LeaseTTL <= 0 {
		opt.LeaseTTL = 2 * time.Minute
	}
	if opt.PII == nil {
		opt.PII = pii.New()
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

// Sweep archives the users that have at least a batch of unarchived items,
// one batch after another, until they have less than a batch, the user limit
// is reached or the context's deadline is near. A failure with one user is
// logged and counted and the sweep goes on; Sweep returns an error only when
// it cannot list the users.
func (a *Archiver) Sweep(ctx context.Context) (Report, error) {
	start := time.Now()
	rep := Report{Owner: newOwner()}
	log := a.log.With("sweep", rep.Owner)
	users, err := a.st.UsersToArchive(ctx, int64(a.opt.BatchSize), a.opt.MaxUsers)
	if err != nil {
		rep.Duration = time.Since(start)
		return rep, fmt.Errorf("archive: users to archive: %w", err)
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
	for {
		if a.stopping(ctx) {
			rep.Stopped = true
			return nil
		}
		if err := a.fence(ctx, addr, owner); err != nil {
			return err
		}
		u, err := a.st.User(ctx, addr)
		if err != nil {
			return fmt.Errorf("read user: %w", err)
		}
		done, err := a.reconcile(ctx, u, owner, rep, log)
		if err != nil {
			return err
		}
		if done {
			continue // the user changed: read it again
		}
		if u.Unarchived < int64(a.opt.BatchSize) {
			return nil
		}
		done, err = a.archiveNext(ctx, u, owner, rep, log)
		if err != nil || !done {
			return err
		}
	}
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

// archiveNext signs, persists, posts and records the user's next batch. It
// reports false when there is no full batch after all.
func (a *Archiver) archiveNext(ctx context.Context, u store.User, owner string, rep *Report, log *slog.Logger) (bool, error) {
	items, err := a.st.OldestUnarchived(ctx, u.Address, a.opt.BatchSize)
	if err != nil {
		return false, fmt.Errorf("read items: %w", err)
	}
	if len(items) < a.opt.BatchSize {
		log.Warn("unarchived_count promises a batch the history does not hold",
			"unarchived_count", u.Unarchived, "unarchived_items", len(items))
		return false, nil
	}
	doc := NewDocument(u.Address, u.PreviousHash, items)
	if err := doc.CheckPII(a.opt.PII); err != nil {
		return false, fmt.Errorf("batch from item %s refused: %w", items[0].ID, err)
	}
	data, err := doc.Encode()
	if err != nil {
		return false, err
	}
	s, err := a.up.Prepare(ctx, data, doc.Tags(a.opt.AppName, a.opt.AppVersion))
	if err != nil {
		return false, fmt.Errorf("sign: %w", err)
	}
	now := a.opt.Now()
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	intent := store.Archive{
		ID: s.ID, Address: u.Address, PreviousHash: u.PreviousHash, ItemIDs: ids,
		Bytes: int64(len(data)), Reward: s.Reward, Status: store.ArchiveSigned, Tx: s.Body,
		CreatedAt: now, UpdatedAt: now,
	}
	// The intent is durable before anything is posted: from here on, a
	// crash is finished by reconcile with this very signature.
	if err := a.st.PutArchive(ctx, intent); err != nil {
		return false, fmt.Errorf("persist intent %s: %w", s.ID, err)
	}
	if err := a.fence(ctx, u.Address, owner); err != nil {
		return false, err
	}
	if err := a.up.Post(ctx, s); err != nil {
		return false, fmt.Errorf("post %s: %w", s.ID, err)
	}
	log.Info("archive posted", "tx", s.ID, "items", len(ids), "bytes", len(data), "reward", s.Reward)
	return true, a.record(ctx, intent, false, rep)
}

// reconcile finishes what earlier sweeps left: a signed intent of the user's
// current chain head. It reports whether it recorded an archive.
func (a *Archiver) reconcile(ctx context.Context, u store.User, owner string, rep *Report, log *slog.Logger) (bool, error) {
	if _, err := a.st.PendingArchive(ctx, u.Address); errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("pending archive: %w", err)
	}
	// Rare path: list all, as there may be stale intents (signed against an
	// older previous_hash, never accepted) or several live ones after a
	// re-sign.
	all, err := a.st.Archives(ctx, u.Address)
	if err != nil {
		return false, fmt.Errorf("list archives: %w", err)
	}
	var live []store.Archive // oldest first
	for _, x := range all {
		if x.Status != store.ArchiveSigned {
			continue
		}
		if x.ID == u.PreviousHash {
			// Accepted and partly recorded (a backend whose completion is
			// several writes): finish it.
			return true, a.record(ctx, x, false, rep)
		}
		if x.PreviousHash == u.PreviousHash {
			live = append(live, x)
		}
	}
	if len(live) == 0 {
		return false, nil
	}
	for i := len(live) - 1; i >= 0; i-- {
		st, err := a.up.Status(ctx, live[i].ID)
		if err != nil {
			return false, fmt.Errorf("status of %s: %w", live[i].ID, err)
		}
		if st.State != arweave.StateUnknown {
			rep.Reconciled++
			log.Info("intent of an earlier sweep found "+st.State.String(), "tx", live[i].ID)
			return true, a.record(ctx, live[i], st.State == arweave.StateConfirmed, rep)
		}
	}
	newest := live[len(live)-1]
	if err := a.fence(ctx, u.Address, owner); err != nil {
		return false, err
	}
	err = a.up.Post(ctx, signedOf(newest))
	if err == nil {
		rep.Reposted++
		log.Info("intent of an earlier sweep posted again", "tx", newest.ID)
		return true, a.record(ctx, newest, false, rep)
	}
	if !anchorRefused(err) {
		return false, fmt.Errorf("post %s again: %w", newest.ID, err)
	}
	if st, serr := a.up.Status(ctx, newest.ID); serr != nil {
		return false, fmt.Errorf("status of %s: %w", newest.ID, serr)
	} else if st.State != arweave.StateUnknown {
		rep.Reconciled++
		return true, a.record(ctx, newest, st.State == arweave.StateConfirmed, rep)
	}
	return true, a.resign(ctx, newest, owner, rep, log)
}

// resign signs the document and tags of an intent whose anchor expired with
// a fresh anchor, persists the new intent for the same items and
// previous_hash, posts and records it.
func (a *Archiver) resign(ctx context.Context, old store.Archive, owner string, rep *Report, log *slog.Logger) error {
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
	n.ID, n.Reward, n.Tx, n.Status, n.CreatedAt, n.UpdatedAt = s.ID, s.Reward, s.Body, store.ArchiveSigned, now, now
	if err := a.st.PutArchive(ctx, n); err != nil {
		return fmt.Errorf("persist intent %s: %w", s.ID, err)
	}
	rep.Resigned++
	log.Warn("anchor of an unposted intent expired; signed the same document anew", "old_tx", old.ID, "tx", s.ID)
	if err := a.fence(ctx, n.Address, owner); err != nil {
		return err
	}
	if err := a.up.Post(ctx, s); err != nil {
		return fmt.Errorf("post %s: %w", s.ID, err)
	}
	return a.record(ctx, n, false, rep)
}

// record applies an accepted archive and counts it.
func (a *Archiver) record(ctx context.Context, x store.Archive, confirmed bool, rep *Report) error {
	now := a.opt.Now()
	if err := a.st.CompleteArchive(ctx, x, now); err != nil {
		return fmt.Errorf("record %s: %w", x.ID, err)
	}
	if confirmed {
		if err := a.st.SetArchiveStatus(ctx, x.ID, store.ArchiveConfirmed, now); err != nil {
			return fmt.Errorf("mark %s confirmed: %w", x.ID, err)
		}
	}
	rep.Uploads++
	rep.Bytes += x.Bytes
	if w, err := strconv.ParseInt(x.Reward, 10, 64); err == nil {
		rep.Winston += w
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
