// Package embedded is the local implementation of store.Store: a pure-Go
// bbolt file under a directory, used by `make run` and the tests when no
// MongoDB URI is configured.
//
// Each method is one bbolt transaction, which is what makes it atomic. Write
// transactions are serialised by bbolt, so the guarded updates of
// store.Store need no further locking. Documents are JSON; two index buckets
// keep the queries the processor and the archiver make per batch cheap:
// a user's unarchived items ordered by visit time, and a user's archives
// ordered by creation time.
//
// UsersToArchive scans every user, which is fine for the thousands of users a
// local run or a soak test creates (a few milliseconds per thousand users)
// but is not meant for millions.
//
// Writes are fsynced by default (two fdatasyncs per write transaction, so
// about four per processor batch); NoSync drops them for benchmarks, soak
// runs and other throwaway data.
package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// FileName is the bbolt file Open creates inside its directory.
const FileName = "kleo.db"

var (
	bucketUsers       = []byte("users")
	bucketHistory     = []byte("history")
	bucketDeadLetters = []byte("dead_letters")
	bucketArchives    = []byte("archives")
	// address NUL visit_time id -> nil, for items with archive_tx == "".
	bucketUnarchived = []byte("idx_unarchived")
	// address NUL created_at id -> nil.
	bucketUserArchives = []byte("idx_user_archives")
)

// Option configures Open.
type Option func(*config)

type config struct {
	noSync      bool
	lockTimeout time.Duration
}

// NoSync skips the fsync at the end of each write transaction. A crash of the
// machine (not just the process) can then lose or corrupt recent writes, so use
// it only for tests, benchmarks and throwaway local runs.
func NoSync() Option { return func(c *config) { c.noSync = true } }

// LockTimeout bounds how long Open waits for another process to release the
// database file (default 2s).
func LockTimeout(d time.Duration) Option { return func(c *config) { c.lockTimeout = d } }

// Store is a store.Store backed by one bbolt file.
type Store struct {
	db *bolt.DB
}

var _ store.Store = (*Store)(nil)

// Open opens or creates the database in dir (created if missing).
func Open(ctx context.Context, dir string, opts ...Option) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embedded: open: %w", err)
	}
	cfg := config{lockTimeout: 2 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded: open: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{
		Timeout:        cfg.lockTimeout,
		NoSync:         cfg.noSync,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketUsers, bucketHistory, bucketDeadLetters, bucketArchives, bucketUnarchived, bucketUserArchives} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
	}
	return &Store{db: db}, nil
}

// userDoc is a user as stored: the public fields plus the archiving lease.
type userDoc struct {
	store.User
	LeaseOwner string    `json:"lease_owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until"`
}

// Watermarks implements store.Store.
func (s *Store) Watermarks(ctx context.Context, shard string, addresses []string) (map[string]string, error) {
	if err := contract.FieldName("shard", shard); err != nil {
		return nil, fmt.Errorf("embedded: watermarks: %w", err)
	}
	out := make(map[string]string)
	err := s.view(ctx, "watermarks", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		for _, a := range addresses {
			v := b.Get([]byte(a))
			if v == nil {
				continue
			}
			// Decoding only the watermarks skips the larger counters.
			var u struct {
				Watermarks map[string]string `json:"seq_watermarks"`
			}
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("user %s: %w", a, err)
			}
			if seq := u.Watermarks[shard]; seq != "" {
				out[a] = seq
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutHistory implements store.Store.
func (s *Store) PutHistory(ctx context.Context, items []store.HistoryItem) ([]store.Outcome, error) {
	for _, it := range items {
		if err := contract.Key("history id", it.ID); err != nil {
			return nil, fmt.Errorf("embedded: put history: %w", err)
		}
		if err := contract.Key("address", it.Address); err != nil {
			return nil, fmt.Errorf("embedded: put history %s: %w", it.ID, err)
		}
	}
	out := make([]store.Outcome, len(items))
	err := s.update(ctx, "put history", func(tx *bolt.Tx) error {
		hist, idx := tx.Bucket(bucketHistory), tx.Bucket(bucketUnarchived)
		for i, it := range items {
			if v := hist.Get([]byte(it.ID)); v != nil {
				var old struct {
					Shard string `json:"shard"`
					Seq   string `json:"seq"`
				}
				if err := json.Unmarshal(v, &old); err != nil {
					return fmt.Errorf("history %s: %w", it.ID, err)
				}
				if old.Shard == it.Shard && old.Seq == it.Seq {
					out[i] = store.Existing
				} else {
					out[i] = store.Duplicate
				}
				continue
			}
			it.ProcessedAt = contract.Time(it.ProcessedAt)
			if err := putJSON(hist, it.ID, it); err != nil {
				return err
			}
			if it.ArchiveTx == "" {
				if err := idx.Put(unarchivedKey(it.Address, it.VisitTime, it.ID), nil); err != nil {
					return err
				}
			}
			out[i] = store.Inserted
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ApplyUsers implements store.Store. A delta with a non-empty ExpectSeq for a
// user that does not exist is a conflict: the stored watermark is "".
func (s *Store) ApplyUsers(ctx context.Context, deltas []store.UserDelta) ([]error, error) {
	errs := contract.Deltas(deltas)
	for i, err := range errs {
		if err != nil {
			errs[i] = fmt.Errorf("embedded: apply users: %w", err)
		}
	}
	err := s.update(ctx, "apply users", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		for i, d := range deltas {
			if errs[i] != nil {
				continue
			}
			u, found, err := getUser(b, d.Address)
			if err != nil {
				return err
			}
			if !found {
				u.Address = d.Address
			}
			if u.Watermarks[d.Shard] != d.ExpectSeq {
				errs[i] = store.ErrConflict
				continue
			}
			u.Watermarks[d.Shard] = d.NewSeq
			u.TotalDataQuantity += d.Bytes
			u.DataOwned += d.Bytes
			u.KleoPoints += d.Points
			u.PIIRemovedCount += d.PII
			u.Unarchived += d.Items
			u.ItemsProcessed += d.Items
			for a, n := range d.Activities {
				u.ActivityJSON[a] += n
			}
			if err := putJSON(b, d.Address, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// PutDeadLetters implements store.Store.
func (s *Store) PutDeadLetters(ctx context.Context, dls []store.DeadLetter) error {
	for _, dl := range dls {
		if err := contract.Key("dead letter id", dl.ID); err != nil {
			return fmt.Errorf("embedded: put dead letters: %w", err)
		}
	}
	return s.update(ctx, "put dead letters", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDeadLetters)
		for _, dl := range dls {
			if b.Get([]byte(dl.ID)) != nil {
				continue
			}
			dl.At = contract.Time(dl.At)
			if err := putJSON(b, dl.ID, dl); err != nil {
				return err
			}
		}
		return nil
	})
}

// User implements store.Store.
func (s *Store) User(ctx context.Context, address string) (store.User, error) {
	var u userDoc
	err := s.view(ctx, "user", func(tx *bolt.Tx) error {
		var found bool
		var err error
		u, found, err = getUser(tx.Bucket(bucketUsers), address)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return store.User{}, err
	}
	return u.User, nil
}

// UsersToArchive implements store.Store. It scans all users in address order.
func (s *Store) UsersToArchive(ctx context.Context, minItems int64, limit int) ([]string, error) {
	out := []string{}
	if limit <= 0 {
		return out, nil
	}
	err := s.view(ctx, "users to archive", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketUsers).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			var u struct {
				Unarchived int64 `json:"unarchived_count"`
			}
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("user %s: %w", k, err)
			}
			if u.Unarchived >= minItems {
				out = append(out, string(k))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AcquireLease implements store.Store. It reports store.ErrNotFound for an
// unknown user.
func (s *Store) AcquireLease(ctx context.Context, address, owner string, now, until time.Time) (bool, error) {
	if err := contract.Key("lease owner", owner); err != nil {
		return false, fmt.Errorf("embedded: acquire lease: %w", err)
	}
	now, until = contract.Time(now), contract.Time(until)
	var held bool
	err := s.update(ctx, "acquire lease", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		u, found, err := getUser(b, address)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		if u.LeaseOwner != "" && u.LeaseOwner != owner && u.LeaseUntil.After(now) {
			return nil
		}
		u.LeaseOwner, u.LeaseUntil = owner, until
		held = true
		return putJSON(b, address, u)
	})
	return held, err
}

// ReleaseLease implements store.Store.
func (s *Store) ReleaseLease(ctx context.Context, address, owner string) error {
	return s.update(ctx, "release lease", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		u, found, err := getUser(b, address)
		if err != nil || !found || owner == "" || u.LeaseOwner != owner {
			return err
		}
		u.LeaseOwner, u.LeaseUntil = "", time.Time{}
		return putJSON(b, address, u)
	})
}

// OldestUnarchived implements store.Store.
func (s *Store) OldestUnarchived(ctx context.Context, address string, n int) ([]store.HistoryItem, error) {
	out := []store.HistoryItem{}
	if n <= 0 {
		return out, nil
	}
	err := s.view(ctx, "oldest unarchived", func(tx *bolt.Tx) error {
		hist := tx.Bucket(bucketHistory)
		prefix := userPrefix(address)
		c := tx.Bucket(bucketUnarchived).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < n; k, _ = c.Next() {
			id := k[len(prefix)+8:]
			var it store.HistoryItem
			if err := getJSON(hist, id, &it); err != nil {
				return err
			}
			out = append(out, it)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutArchive implements store.Store.
func (s *Store) PutArchive(ctx context.Context, a store.Archive) error {
	a, err := contract.Archive(a)
	if err != nil {
		return fmt.Errorf("embedded: put archive: %w", err)
	}
	return s.update(ctx, "put archive", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketArchives)
		if b.Get([]byte(a.ID)) != nil {
			return nil
		}
		if err := putJSON(b, a.ID, a); err != nil {
			return err
		}
		return tx.Bucket(bucketUserArchives).Put(userArchiveKey(a.Address, a.CreatedAt, a.ID), nil)
	})
}

// PendingArchive implements store.Store. If several archives are signed it
// returns the oldest.
func (s *Store) PendingArchive(ctx context.Context, address string) (store.Archive, error) {
	var found store.Archive
	err := s.view(ctx, "pending archive", func(tx *bolt.Tx) error {
		return eachUserArchive(tx, address, func(a store.Archive) bool {
			if a.Status == store.ArchiveSigned {
				found = a
				return false
			}
			return true
		})
	})
	if err != nil {
		return store.Archive{}, err
	}
	if found.ID == "" {
		return store.Archive{}, fmt.Errorf("embedded: pending archive: %w", store.ErrNotFound)
	}
	return found, nil
}

// CompleteArchive implements store.Store. It applies the archive as stored
// under a.ID (the signed intent is authoritative). It reports
// store.ErrNotFound if the intent or its user is missing and store.ErrConflict
// if the user's previous_hash is neither a.PreviousHash nor a.ID.
func (s *Store) CompleteArchive(ctx context.Context, a store.Archive, now time.Time) error {
	return s.update(ctx, "complete archive", func(tx *bolt.Tx) error {
		arch := tx.Bucket(bucketArchives)
		var stored store.Archive
		if err := getJSON(arch, []byte(a.ID), &stored); err != nil {
			return err
		}
		if stored.Status != store.ArchiveSigned {
			return nil // completed earlier
		}
		users := tx.Bucket(bucketUsers)
		u, found, err := getUser(users, stored.Address)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("user %s: %w", stored.Address, store.ErrNotFound)
		}
		if u.PreviousHash != stored.PreviousHash && u.PreviousHash != stored.ID {
			return store.ErrConflict
		}
		hist, idx := tx.Bucket(bucketHistory), tx.Bucket(bucketUnarchived)
		for _, id := range stored.ItemIDs {
			var it store.HistoryItem
			err := getJSON(hist, []byte(id), &it)
			if errors.Is(err, store.ErrNotFound) || (err == nil && (it.ArchiveTx != "" || it.Address != stored.Address)) {
				continue
			}
			if err != nil {
				return err
			}
			it.ArchiveTx = stored.ID
			if err := putJSON(hist, id, it); err != nil {
				return err
			}
			if err := idx.Delete(unarchivedKey(it.Address, it.VisitTime, it.ID)); err != nil {
				return err
			}
		}
		if u.PreviousHash == stored.PreviousHash {
			u.PreviousHash = stored.ID
			u.Unarchived -= int64(len(stored.ItemIDs))
			if err := putJSON(users, stored.Address, u); err != nil {
				return err
			}
		}
		stored.Status = store.ArchiveAccepted
		stored.UpdatedAt = contract.Time(now)
		return putJSON(arch, stored.ID, stored)
	})
}

// SetArchiveStatus implements store.Store.
func (s *Store) SetArchiveStatus(ctx context.Context, id, status string, now time.Time) error {
	if err := contract.Status(status); err != nil {
		return fmt.Errorf("embedded: set archive status: %w", err)
	}
	return s.update(ctx, "set archive status", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketArchives)
		var a store.Archive
		if err := getJSON(b, []byte(id), &a); err != nil {
			return err
		}
		a.Status, a.UpdatedAt = status, contract.Time(now)
		return putJSON(b, id, a)
	})
}

// Archives implements store.Store.
func (s *Store) Archives(ctx context.Context, address string) ([]store.Archive, error) {
	out := []store.Archive{}
	err := s.view(ctx, "archives", func(tx *bolt.Tx) error {
		return eachUserArchive(tx, address, func(a store.Archive) bool {
			out = append(out, a)
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Dump implements store.Store. bbolt keys are sorted bytewise, which is the
// order Dump promises.
func (s *Store) Dump(ctx context.Context) (store.Dump, error) {
	d := store.Dump{Users: []store.User{}, History: []store.HistoryItem{}, DeadLetters: []store.DeadLetter{}, Archives: []store.Archive{}}
	err := s.view(ctx, "dump", func(tx *bolt.Tx) error {
		if err := eachJSON(ctx, tx.Bucket(bucketUsers), func(u userDoc) { d.Users = append(d.Users, contract.User(u.User)) }); err != nil {
			return err
		}
		if err := eachJSON(ctx, tx.Bucket(bucketHistory), func(it store.HistoryItem) { d.History = append(d.History, it) }); err != nil {
			return err
		}
		if err := eachJSON(ctx, tx.Bucket(bucketDeadLetters), func(dl store.DeadLetter) { d.DeadLetters = append(d.DeadLetters, dl) }); err != nil {
			return err
		}
		return eachJSON(ctx, tx.Bucket(bucketArchives), func(a store.Archive) { d.Archives = append(d.Archives, a) })
	})
	if err != nil {
		return store.Dump{}, err
	}
	return d, nil
}

// Close implements store.Store.
func (s *Store) Close(ctx context.Context) error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("embedded: close: %w", err)
	}
	return nil
}

func (s *Store) view(ctx context.Context, op string, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("embedded: %s: %w", op, err)
	}
	if err := s.db.View(fn); err != nil {
		return fmt.Errorf("embedded: %s: %w", op, err)
	}
	return nil
}

func (s *Store) update(ctx context.Context, op string, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("embedded: %s: %w", op, err)
	}
	if err := s.db.Update(fn); err != nil {
		return fmt.Errorf("embedded: %s: %w", op, err)
	}
	return nil
}

// getUser returns the stored user (maps non-nil) and whether it exists.
func getUser(b *bolt.Bucket, address string) (userDoc, bool, error) {
	var u userDoc
	v := b.Get([]byte(address))
	if v != nil {
		if err := json.Unmarshal(v, &u); err != nil {
			return u, false, fmt.Errorf("user %s: %w", address, err)
		}
	}
	u.User = contract.User(u.User)
	return u, v != nil, nil
}

func getJSON(b *bolt.Bucket, key []byte, v any) error {
	data := b.Get(key)
	if data == nil {
		return fmt.Errorf("%s: %w", key, store.ErrNotFound)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return b.Put([]byte(key), data)
}

// eachJSON decodes every value of b in key order.
func eachJSON[T any](ctx context.Context, b *bolt.Bucket, fn func(T)) error {
	n := 0
	return b.ForEach(func(k, v []byte) error {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var t T
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		fn(t)
		return nil
	})
}

// eachUserArchive calls fn for the user's archives, oldest first, until fn
// returns false.
func eachUserArchive(tx *bolt.Tx, address string, fn func(store.Archive) bool) error {
	arch := tx.Bucket(bucketArchives)
	prefix := userPrefix(address)
	c := tx.Bucket(bucketUserArchives).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var a store.Archive
		if err := getJSON(arch, k[len(prefix)+8:], &a); err != nil {
			return err
		}
		if !fn(a) {
			return nil
		}
	}
	return nil
}

func userPrefix(address string) []byte {
	return append([]byte(address), 0)
}

// unarchivedKey orders a user's items by visit time, then id.
func unarchivedKey(address string, visitTime int64, id string) []byte {
	return indexKey(address, visitTime, id)
}

// userArchiveKey orders a user's archives by creation time, then id.
func userArchiveKey(address string, created time.Time, id string) []byte {
	return indexKey(address, created.UnixMilli(), id)
}

// indexKey is address NUL n id, with n big-endian and its sign bit flipped
// so that negative numbers sort first.
func indexKey(address string, n int64, id string) []byte {
	k := make([]byte, 0, len(address)+1+8+len(id))
	k = append(k, address...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(n)^(1<<63))
	return append(k, id...)
}
