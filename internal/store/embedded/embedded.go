// Package embedded is the local implementation of store.Store and
// store.Seeder: a pure-Go bbolt file under a directory, used by `make run`,
// local tools and the tests when no MongoDB URI is configured, and the store
// the concurrency tests run on.
//
// It has MongoDB's semantics for everything the contract exposes. Kleo's
// users and history are kept as the BSON documents Kleo's backend inserted,
// so field types survive and a malformed document is really malformed; the
// processor's updates are MongoDB update documents ($inc and $set on dotted
// paths) applied with mongod's arithmetic and errors (see update.go), and
// users are found by the exact stored address in its lower-case and its
// EIP-55 spelling through an index, as on MongoDB. The project's own
// collections (ledger, dead letters, archives, leases) are JSON.
//
// Each method is one bbolt transaction, which makes it atomic: bbolt runs
// one write transaction at a time and reads see a consistent snapshot, so
// the guarded updates need no further locking and the store is safe for
// concurrent use.
//
// Dead letters expire as MongoDB's TTL index would let them: a letter whose
// ExpireAt has passed (by the wall clock) is never returned, and expired
// letters are deleted at Open and in every transaction that writes dead
// letters.
//
// UsersToArchive walks an index of unarchived ledger entries by address,
// which is fine for the thousands of users a local run or a soak test
// creates but is not meant for millions.
//
// Writes are fsynced by default (two fdatasyncs per write transaction);
// NoSync drops them for benchmarks, soak runs and other throwaway data.
package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// FileName is the bbolt file Open creates inside its directory.
const FileName = "kleo.db"

// Buckets. Keys of the idx_ buckets map to nil; their order is the query's.
var (
	bucketUsers       = []byte("users")              // ObjectId (12 bytes) -> BSON
	bucketUserAddress = []byte("idx_users_address")  // address NUL ObjectId
	bucketHistory     = []byte("history")            // ObjectId -> BSON
	bucketLedger      = []byte("stream_ledger")      // id -> JSON Entry
	bucketUnarchived  = []byte("idx_ledger_address") // address NUL visit_time id, for entries with no ArchiveTx
	bucketLetters     = []byte("stream_dead_letters")
	bucketLetterTTL   = []byte("idx_letters_expire_at") // expire_at id
	bucketArchives    = []byte("stream_archives")
	bucketUserArchive = []byte("idx_archives_address") // address NUL created_at id
	bucketLeases      = []byte("stream_leases")        // address -> JSON lease
)

var allBuckets = [][]byte{bucketUsers, bucketUserAddress, bucketHistory, bucketLedger, bucketUnarchived,
	bucketLetters, bucketLetterTTL, bucketArchives, bucketUserArchive, bucketLeases}

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

// Store is a store.Store and store.Seeder backed by one bbolt file.
type Store struct {
	db *bolt.DB
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Seeder = (*Store)(nil)
)

// Open opens or creates the database in dir (created if missing) and deletes
// the dead letters that have expired.
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
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return sweepLetters(tx, time.Now())
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
	}
	return &Store{db: db}, nil
}

// --- Kleo's documents ---

// InsertUsers implements store.Seeder as an insertMany of Kleo's backend
// would: a missing _id gets a new ObjectId, _id becomes the first field, and
// a duplicate _id fails the call (which then inserts nothing). Only
// ObjectId _ids are accepted.
func (s *Store) InsertUsers(ctx context.Context, docs []bson.M) error {
	return s.insert(ctx, "insert users", bucketUsers, docs)
}

// InsertHistory implements store.Seeder like InsertUsers.
func (s *Store) InsertHistory(ctx context.Context, docs []bson.M) error {
	return s.insert(ctx, "insert history", bucketHistory, docs)
}

func (s *Store) insert(ctx context.Context, op string, bucket []byte, docs []bson.M) error {
	type kv struct {
		id  bson.ObjectID
		doc bson.Raw
	}
	rows := make([]kv, 0, len(docs))
	for i, d := range docs {
		id, doc, err := idFirst(d)
		if err != nil {
			return fmt.Errorf("embedded: %s: document %d: %w", op, i, err)
		}
		rows = append(rows, kv{id, doc})
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for _, r := range rows {
			if b.Get(r.id[:]) != nil {
				return fmt.Errorf("duplicate key _id %s", r.id.Hex())
			}
			if err := b.Put(r.id[:], r.doc); err != nil {
				return err
			}
			if addr, ok := r.doc.Lookup("address").StringValueOK(); ok && bytes.Equal(bucket, bucketUsers) {
				if err := tx.Bucket(bucketUserAddress).Put(addressKey(addr, r.id), nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ReplaceUsers implements store.Seeder as replaceOne calls matched by _id
// would, in one transaction: a document whose _id is not stored fails the
// call with store.ErrNotFound and nothing is replaced.
func (s *Store) ReplaceUsers(ctx context.Context, docs []bson.M) error {
	type kv struct {
		id  bson.ObjectID
		doc bson.Raw
	}
	rows := make([]kv, 0, len(docs))
	for i, d := range docs {
		if _, ok := d["_id"].(bson.ObjectID); !ok {
			return fmt.Errorf("embedded: replace users: document %d: want an ObjectId _id", i)
		}
		id, doc, err := idFirst(d)
		if err != nil {
			return fmt.Errorf("embedded: replace users: document %d: %w", i, err)
		}
		rows = append(rows, kv{id, doc})
	}
	return s.update(ctx, "replace users", func(tx *bolt.Tx) error {
		b, idx := tx.Bucket(bucketUsers), tx.Bucket(bucketUserAddress)
		for _, r := range rows {
			old := bson.Raw(b.Get(r.id[:]))
			if old == nil {
				return fmt.Errorf("user %s: %w", r.id.Hex(), store.ErrNotFound)
			}
			if addr, ok := old.Lookup("address").StringValueOK(); ok {
				if err := idx.Delete(addressKey(addr, r.id)); err != nil {
					return err
				}
			}
			if err := b.Put(r.id[:], r.doc); err != nil {
				return err
			}
			if addr, ok := r.doc.Lookup("address").StringValueOK(); ok {
				if err := idx.Put(addressKey(addr, r.id), nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// idFirst encodes d with its _id (a new ObjectId when absent) first, as
// mongod stores documents.
func idFirst(d bson.M) (bson.ObjectID, bson.Raw, error) {
	var id bson.ObjectID
	switch v := d["_id"].(type) {
	case nil:
		if _, present := d["_id"]; present {
			return id, nil, errors.New("_id is null")
		}
		id = bson.NewObjectID()
	case bson.ObjectID:
		id = v
	default:
		return id, nil, fmt.Errorf("_id is a %T, want an ObjectId", v)
	}
	rest, err := bson.Marshal(d)
	if err != nil {
		return id, nil, err
	}
	elems, err := bson.Raw(rest).Elements()
	if err != nil {
		return id, nil, err
	}
	idx, out := bsoncore.AppendDocumentStart(nil)
	out = bsoncore.AppendObjectIDElement(out, "_id", id)
	for _, e := range elems {
		if e.Key() != "_id" {
			out = append(out, e...)
		}
	}
	out, err = bsoncore.AppendDocumentEnd(out, idx)
	return id, bson.Raw(out), err
}

// Users implements store.Store.
func (s *Store) Users(ctx context.Context, addresses []string) (map[string]store.UserState, error) {
	for _, a := range addresses {
		if err := contract.Address(a); err != nil {
			return nil, fmt.Errorf("embedded: users: %w", err)
		}
	}
	out := make(map[string]store.UserState, len(addresses))
	err := s.view(ctx, "users", func(tx *bolt.Tx) error {
		users, idx := tx.Bucket(bucketUsers), tx.Bucket(bucketUserAddress)
		for _, lower := range addresses {
			if _, done := out[lower]; done {
				continue
			}
			checksum := eip55.Checksum(lower)
			var best bson.Raw
			var bestID []byte
			bestEIP55 := false
			for _, spelling := range uniq(checksum, lower) {
				prefix := append([]byte(spelling), 0)
				c := idx.Cursor()
				for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
					id := k[len(prefix):]
					doc := bson.Raw(users.Get(id))
					if doc == nil {
						return fmt.Errorf("address index names a missing user %x", id)
					}
					if stored, _ := doc.Lookup("address").StringValueOK(); stored != spelling {
						continue // a stale entry, or an address with a NUL in it sharing the prefix
					}
					isEIP55 := spelling == checksum
					// The EIP-55 spelling wins, then the lowest _id.
					if best == nil || isEIP55 && !bestEIP55 || isEIP55 == bestEIP55 && bytes.Compare(id, bestID) < 0 {
						best, bestID, bestEIP55 = doc, id, isEIP55
					}
				}
			}
			if best == nil {
				continue
			}
			u := contract.UserState(best)
			u.ID = hex.EncodeToString(bestID)
			out[lower] = u
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// Apply implements store.Store: every update is the $inc/$set update
// document MongoDB would receive, applied only if the guard holds.
func (s *Store) Apply(ctx context.Context, updates []store.Apply) ([]error, error) {
	errs := make([]error, len(updates))
	err := s.update(ctx, "apply", func(tx *bolt.Tx) error {
		users := tx.Bucket(bucketUsers)
		for i, a := range updates {
			id, err := bson.ObjectIDFromHex(a.UserID)
			if err != nil {
				errs[i] = fmt.Errorf("embedded: apply: user id %q is not one this store returned", a.UserID)
				continue
			}
			doc := bson.Raw(users.Get(id[:]))
			if doc == nil || !versionIs(doc, a.Version) {
				errs[i] = fmt.Errorf("embedded: apply: user %s: %w", a.UserID, store.ErrConflict)
				continue
			}
			upd, err := applyDocument(a)
			if err == nil {
				doc, err = applyUpdate(doc, upd)
			}
			if err != nil {
				errs[i] = fmt.Errorf("embedded: apply: user %s: %w", a.UserID, err)
				continue
			}
			if err := users.Put(id[:], doc); err != nil {
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

// applyDocument is the update MongoDB receives for a: zero increments are
// left out (an $inc of 0 would still create the field and still fail on a
// string), integers are int32 when they fit.
func applyDocument(a store.Apply) (bson.D, error) {
	var inc bson.D
	add := func(path string, n int64) {
		if n != 0 {
			inc = append(inc, bson.E{Key: path, Value: contract.Int(n)})
		}
	}
	add("total_data_quantity", a.Bytes)
	add("milestones.data_owned", a.Bytes)
	add("kleo_points", a.Points)
	add("pii_removed_count", a.PII)
	for _, name := range sortedKeys(a.Activities) {
		if err := contract.FieldName("activity name", name); err != nil {
			return nil, fmt.Errorf("%w: %v", store.ErrRejected, err)
		}
		add("activity_json."+name, a.Activities[name])
	}
	applied := a.Applied
	if applied == nil {
		applied = []string{}
	}
	set := bson.D{{Key: "kleo_stream.v", Value: a.Version + 1}, {Key: "kleo_stream.applied", Value: applied}}
	if inc == nil {
		return bson.D{{Key: "$set", Value: set}}, nil
	}
	return bson.D{{Key: "$inc", Value: inc}, {Key: "$set", Value: set}}, nil
}

// versionIs is the filter {"kleo_stream.v": v}, or for v == 0
// {"kleo_stream.v": {$in: [null, 0]}} (absent matches null), with MongoDB's
// numeric equality across integer and double types.
func versionIs(doc bson.Raw, v int64) bool {
	got := doc.Lookup("kleo_stream", "v")
	switch got.Type {
	case 0, bson.TypeNull:
		return v == 0
	case bson.TypeInt32, bson.TypeInt64:
		n, _ := got.AsInt64OK()
		return n == v
	case bson.TypeDouble:
		return got.Double() == float64(v)
	}
	return false
}

// HistoryJSON implements store.Store with the driver's relaxed Extended JSON
// encoder. Ids that are not ObjectIds cannot be stored, so they are absent.
func (s *Store) HistoryJSON(ctx context.Context, ids []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(ids))
	err := s.view(ctx, "history json", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHistory)
		for _, idHex := range ids {
			id, err := bson.ObjectIDFromHex(idHex)
			if err != nil {
				continue
			}
			doc := b.Get(id[:])
			if doc == nil {
				continue
			}
			j, err := bson.MarshalExtJSON(bson.Raw(doc), false, false)
			if err != nil {
				return fmt.Errorf("history %s: %w", idHex, err)
			}
			out[idHex] = j
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// --- the ledger ---

// Ledger implements store.Store. An id given twice in one call is inserted
// with the first entry's effect and reported as inserted.
func (s *Store) Ledger(ctx context.Context, entries []store.Entry, counted []string) (map[string]store.Entry, error) {
	news := make([]store.Entry, len(entries))
	for i, e := range entries {
		var err error
		if news[i], err = contract.Entry(e); err != nil {
			return nil, fmt.Errorf("embedded: ledger: %w", err)
		}
	}
	var out map[string]store.Entry
	err := s.update(ctx, "ledger", func(tx *bolt.Tx) error {
		out = map[string]store.Entry{}
		b, idx := tx.Bucket(bucketLedger), tx.Bucket(bucketUnarchived)
		inserted := map[string]bool{}
		var existing []string
		for _, e := range news {
			if b.Get([]byte(e.ID)) != nil {
				if !inserted[e.ID] {
					existing = append(existing, e.ID)
				}
				continue
			}
			if err := putJSON(b, e.ID, e); err != nil {
				return err
			}
			if err := idx.Put(unarchivedKey(e), nil); err != nil {
				return err
			}
			inserted[e.ID] = true
		}
		for _, id := range counted {
			var e store.Entry
			err := getJSON(b, []byte(id), &e)
			if errors.Is(err, store.ErrNotFound) || err == nil && e.State == store.Counted {
				continue
			}
			if err != nil {
				return err
			}
			e.State = store.Counted
			if err := putJSON(b, id, e); err != nil {
				return err
			}
		}
		for _, id := range existing {
			var e store.Entry
			if err := getJSON(b, []byte(id), &e); err != nil {
				return err
			}
			out[id] = e
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Entries implements store.Store.
func (s *Store) Entries(ctx context.Context, ids []string) (map[string]store.Entry, error) {
	out := make(map[string]store.Entry, len(ids))
	err := s.view(ctx, "entries", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLedger)
		for _, id := range ids {
			var e store.Entry
			err := getJSON(b, []byte(id), &e)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[id] = e
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// --- dead letters ---

// PutDeadLetters implements store.Store.
func (s *Store) PutDeadLetters(ctx context.Context, dls []store.DeadLetter) error {
	norm := make([]store.DeadLetter, len(dls))
	for i, dl := range dls {
		var err error
		if norm[i], err = contract.DeadLetter(dl); err != nil {
			return fmt.Errorf("embedded: put dead letters: %w", err)
		}
	}
	return s.update(ctx, "put dead letters", func(tx *bolt.Tx) error {
		if err := sweepLetters(tx, time.Now()); err != nil {
			return err
		}
		b, ttl := tx.Bucket(bucketLetters), tx.Bucket(bucketLetterTTL)
		for _, dl := range norm {
			if b.Get([]byte(dl.ID)) != nil {
				continue
			}
			if err := putJSON(b, dl.ID, dl); err != nil {
				return err
			}
			if !dl.ExpireAt.IsZero() {
				if err := ttl.Put(timeKey(nil, dl.ExpireAt, dl.ID), nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// DeadLetters implements store.Store. Expired letters are not returned.
func (s *Store) DeadLetters(ctx context.Context, q store.LetterQuery) ([]store.DeadLetter, error) {
	out := []store.DeadLetter{}
	now := time.Now()
	err := s.view(ctx, "dead letters", func(tx *bolt.Tx) error {
		return eachJSON(ctx, tx.Bucket(bucketLetters), func(dl store.DeadLetter) {
			if expired(dl, now) || q.State != "" && dl.State != q.State ||
				!strings.Contains(dl.Reason, q.Reason) || dl.At.Before(q.Since) {
				return
			}
			out = append(out, dl)
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b store.DeadLetter) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// UpdateDeadLetters implements store.Store. Unknown (or expired) ids are
// ignored: the letter may have expired between the read and the update.
func (s *Store) UpdateDeadLetters(ctx context.Context, us []store.LetterUpdate) error {
	return s.update(ctx, "update dead letters", func(tx *bolt.Tx) error {
		if err := sweepLetters(tx, time.Now()); err != nil {
			return err
		}
		b := tx.Bucket(bucketLetters)
		for _, u := range us {
			var dl store.DeadLetter
			err := getJSON(b, []byte(u.ID), &dl)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			dl.State = u.State
			if u.Reason != "" {
				dl.Reason = u.Reason
			}
			dl.Attempts++
			if err := putJSON(b, u.ID, dl); err != nil {
				return err
			}
		}
		return nil
	})
}

func expired(dl store.DeadLetter, now time.Time) bool {
	return !dl.ExpireAt.IsZero() && !dl.ExpireAt.After(now)
}

// sweepLetters deletes the letters whose ExpireAt is not after now.
func sweepLetters(tx *bolt.Tx, now time.Time) error {
	ttl, b := tx.Bucket(bucketLetterTTL), tx.Bucket(bucketLetters)
	limit := timeKey(nil, now, "\xff")
	var done [][]byte
	c := ttl.Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, limit) <= 0; k, _ = c.Next() {
		done = append(done, k)
	}
	for _, k := range done {
		if err := b.Delete(k[8:]); err != nil {
			return err
		}
		if err := ttl.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// --- archiving ---

// UsersToArchive implements store.Store, in address order.
func (s *Store) UsersToArchive(ctx context.Context, minItems, limit int) ([]string, error) {
	out := []string{}
	if limit <= 0 {
		return out, nil
	}
	err := s.view(ctx, "users to archive", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketUnarchived).Cursor()
		k, _ := c.First()
		for k != nil && len(out) < limit {
			if err := ctx.Err(); err != nil {
				return err
			}
			addr := k[:bytes.IndexByte(k, 0)]
			prefix := append(slices.Clone(addr), 0)
			n := 0
			for ; k != nil && bytes.HasPrefix(k, prefix) && n < minItems; k, _ = c.Next() {
				n++
			}
			if n >= minItems {
				out = append(out, string(addr))
			}
			// Skip the rest of this address's entries.
			k, _ = c.Seek(append(slices.Clone(addr), 1))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lease is a stream_leases document.
type lease struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

// AcquireLease implements store.Store. A lease whose Until is not after now
// has expired.
func (s *Store) AcquireLease(ctx context.Context, address, owner string, now, until time.Time) (bool, error) {
	if err := contract.Key("lease owner", owner); err != nil {
		return false, fmt.Errorf("embedded: acquire lease: %w", err)
	}
	if err := contract.Key("address", address); err != nil {
		return false, fmt.Errorf("embedded: acquire lease: %w", err)
	}
	now, until = contract.Time(now), contract.Time(until)
	var held bool
	err := s.update(ctx, "acquire lease", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLeases)
		var l lease
		err := getJSON(b, []byte(address), &l)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		held = false
		if err == nil && l.Owner != owner && l.Until.After(now) {
			return nil
		}
		held = true
		return putJSON(b, address, lease{Owner: owner, Until: until})
	})
	return held, err
}

// ReleaseLease implements store.Store.
func (s *Store) ReleaseLease(ctx context.Context, address, owner string) error {
	return s.update(ctx, "release lease", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLeases)
		var l lease
		err := getJSON(b, []byte(address), &l)
		if errors.Is(err, store.ErrNotFound) || err == nil && (owner == "" || l.Owner != owner) {
			return nil
		}
		if err != nil {
			return err
		}
		return b.Delete([]byte(address))
	})
}

// OldestUnarchived implements store.Store.
func (s *Store) OldestUnarchived(ctx context.Context, address string, n int) ([]store.Entry, error) {
	out := []store.Entry{}
	if n <= 0 {
		return out, nil
	}
	err := s.view(ctx, "oldest unarchived", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLedger)
		prefix := append([]byte(address), 0)
		c := tx.Bucket(bucketUnarchived).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < n; k, _ = c.Next() {
			var e store.Entry
			if err := getJSON(b, k[len(prefix)+8:], &e); err != nil {
				return err
			}
			if e.State == store.Counted {
				out = append(out, e)
			}
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
		return tx.Bucket(bucketUserArchive).Put(timeKey([]byte(a.Address+"\x00"), a.CreatedAt, a.ID), nil)
	})
}

// Archives implements store.Store.
func (s *Store) Archives(ctx context.Context, address string) ([]store.Archive, error) {
	out := []store.Archive{}
	err := s.view(ctx, "archives", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketArchives)
		prefix := append([]byte(address), 0)
		c := tx.Bucket(bucketUserArchive).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			var a store.Archive
			if err := getJSON(b, k[len(prefix)+8:], &a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CompleteArchive implements store.Store in one transaction: all three
// steps apply or none. It reports store.ErrNotFound when the archive was
// never stored or the user document is gone, store.ErrConflict when the
// user's last archive is neither a.PrevTx nor a.ID, and an error wrapping
// store.ErrRejected when the document cannot take the update.
func (s *Store) CompleteArchive(ctx context.Context, userID string, a store.Archive, now time.Time) error {
	uid, err := bson.ObjectIDFromHex(userID)
	if err != nil {
		return fmt.Errorf("embedded: complete archive: user id %q is not one this store returned", userID)
	}
	now = contract.Time(now)
	return s.update(ctx, "complete archive", func(tx *bolt.Tx) error {
		arch := tx.Bucket(bucketArchives)
		var stored store.Archive
		if err := getJSON(arch, []byte(a.ID), &stored); err != nil {
			return fmt.Errorf("archive %s: %w", a.ID, err)
		}
		ledger, idx := tx.Bucket(bucketLedger), tx.Bucket(bucketUnarchived)
		for _, id := range a.ItemIDs {
			var e store.Entry
			err := getJSON(ledger, []byte(id), &e)
			if errors.Is(err, store.ErrNotFound) || err == nil && (e.ArchiveTx != "" || e.Address != a.Address) {
				continue
			}
			if err != nil {
				return err
			}
			if err := idx.Delete(unarchivedKey(e)); err != nil {
				return err
			}
			e.ArchiveTx = a.ID
			if err := putJSON(ledger, id, e); err != nil {
				return err
			}
		}
		users := tx.Bucket(bucketUsers)
		doc := bson.Raw(users.Get(uid[:]))
		if doc == nil {
			return fmt.Errorf("user %s: %w", userID, store.ErrNotFound)
		}
		switch last, ok := lastArchive(doc); {
		case ok && last == a.PrevTx:
			upd := bson.D{{Key: "$set", Value: bson.D{{Key: "previous_hash", Value: a.URL}, {Key: "kleo_stream.archive", Value: a.ID}}}}
			if a.Points != 0 {
				upd = append(bson.D{{Key: "$inc", Value: bson.D{{Key: "kleo_points", Value: contract.Int(a.Points)}}}}, upd...)
			}
			doc, err := applyUpdate(doc, upd)
			if err != nil {
				return fmt.Errorf("user %s: %w", userID, err)
			}
			if err := users.Put(uid[:], doc); err != nil {
				return err
			}
		case ok && last == a.ID:
			// Recorded by an earlier attempt.
		default:
			return fmt.Errorf("user %s: last archive is not %q: %w", userID, a.PrevTx, store.ErrConflict)
		}
		if stored.Status == store.ArchiveSigned {
			stored.Status, stored.UpdatedAt = store.ArchiveAccepted, now
			return putJSON(arch, stored.ID, stored)
		}
		return nil
	})
}

// lastArchive reads kleo_stream.archive: "" when absent or null; ok is false
// when it is something other than a string.
func lastArchive(doc bson.Raw) (string, bool) {
	v := doc.Lookup("kleo_stream", "archive")
	switch v.Type {
	case 0, bson.TypeNull:
		return "", true
	case bson.TypeString:
		return v.StringValue(), true
	}
	return "", false
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

// Dump implements store.Store. bbolt keys are sorted bytewise, which is _id
// order for ObjectIds and ID order for the project's collections.
func (s *Store) Dump(ctx context.Context) (store.Dump, error) {
	d := store.Dump{Users: []bson.M{}, History: []bson.M{}, Ledger: []store.Entry{}, DeadLetters: []store.DeadLetter{}, Archives: []store.Archive{}}
	now := time.Now()
	err := s.view(ctx, "dump", func(tx *bolt.Tx) error {
		for _, kleo := range []struct {
			b   []byte
			dst *[]bson.M
		}{{bucketUsers, &d.Users}, {bucketHistory, &d.History}} {
			err := tx.Bucket(kleo.b).ForEach(func(k, v []byte) error {
				var m bson.M
				if err := bson.Unmarshal(v, &m); err != nil {
					return fmt.Errorf("%s %x: %w", kleo.b, k, err)
				}
				*kleo.dst = append(*kleo.dst, m)
				return nil
			})
			if err != nil {
				return err
			}
		}
		if err := eachJSON(ctx, tx.Bucket(bucketLedger), func(e store.Entry) { d.Ledger = append(d.Ledger, e) }); err != nil {
			return err
		}
		if err := eachJSON(ctx, tx.Bucket(bucketLetters), func(dl store.DeadLetter) {
			if !expired(dl, now) {
				d.DeadLetters = append(d.DeadLetters, dl)
			}
		}); err != nil {
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

func addressKey(address string, id bson.ObjectID) []byte {
	k := make([]byte, 0, len(address)+1+len(id))
	k = append(k, address...)
	k = append(k, 0)
	return append(k, id[:]...)
}

// unarchivedKey orders a user's unarchived entries by visit time, then id.
func unarchivedKey(e store.Entry) []byte {
	k := append([]byte(e.Address), 0)
	k = binary.BigEndian.AppendUint64(k, uint64(e.VisitTime)^(1<<63))
	return append(k, e.ID...)
}

// timeKey appends t in milliseconds (sign bit flipped so that order is
// numeric) and id to prefix.
func timeKey(prefix []byte, t time.Time, id string) []byte {
	k := slices.Clone(prefix)
	k = binary.BigEndian.AppendUint64(k, uint64(t.UnixMilli())^(1<<63))
	return append(k, id...)
}
