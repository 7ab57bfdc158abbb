// Package mongostore is the production implementation of store.Store on
// MongoDB, through mongo-driver v2. It needs no transactions: every guarded
// change is a single-document update, and every insert is an upsert keyed by
// a stable id (see package store).
//
// Collections and the fields this package reads and writes:
//
//	users         address (unique), total_data_quantity, milestones.data_owned,
//	              activity_json.<activity>, kleo_points, pii_removed_count,
//	              previous_hash, unarchived_count, items_processed,
//	              seq_watermarks.<shard>, lease_owner, lease_until
//	history       _id = item id, address, shard, seq, ..., archive_tx
//	dead_letters  _id = shard/seq
//	archives      _id = Arweave transaction id, address, status, created_at, ...
//
// Other fields of existing users documents are left alone.
//
// PutHistory, ApplyUsers and PutDeadLetters each read the documents they are
// about to write (one find by _id or address), then send one unordered bulk
// of what is still needed: the read settles redeliveries and stale guards, so
// the bulk normally has no write errors and its counts prove that every
// statement took effect. Bulks are split into chunks of at most 50
// statements (WithBulkSize): FerretDB v1, which the tests run against,
// deadlocks on update commands of 100 or more statements that match existing
// documents.
//
// Open once per process (a Lambda's init) and share the Store: it is safe for
// concurrent use and holds the driver's connection pool.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// Defaults for Open. They are far below a Lambda timeout, so an unreachable
// cluster fails the invocation with store.ErrUnavailable instead of timing it
// out.
const (
	DefaultConnectTimeout         = 3 * time.Second
	DefaultServerSelectionTimeout = 3 * time.Second
	DefaultBulkSize               = 50
)

// Option configures Open.
type Option func(*config)

type config struct {
	connectTimeout time.Duration // 0: the URI's, else the default
	selectTimeout  time.Duration // 0: the URI's, else the default
	bulkSize       int
	clientOptions  []*options.ClientOptions
}

// WithConnectTimeout bounds establishing one TCP/TLS connection. Without it
// the URI's connectTimeoutMS applies, else DefaultConnectTimeout.
func WithConnectTimeout(d time.Duration) Option { return func(c *config) { c.connectTimeout = d } }

// WithServerSelectionTimeout bounds finding a usable server for an
// operation. Without it the URI's serverSelectionTimeoutMS applies, else
// DefaultServerSelectionTimeout.
func WithServerSelectionTimeout(d time.Duration) Option {
	return func(c *config) { c.selectTimeout = d }
}

// WithBulkSize sets the most statements sent in one bulk write
// (default DefaultBulkSize). Values below 1 are ignored.
func WithBulkSize(n int) Option {
	return func(c *config) {
		if n >= 1 {
			c.bulkSize = n
		}
	}
}

// WithClientOptions adds driver options applied after the URI and the
// timeouts above (for example an app name or a pool size).
func WithClientOptions(o *options.ClientOptions) Option {
	return func(c *config) { c.clientOptions = append(c.clientOptions, o) }
}

// Store is a store.Store on one MongoDB database.
type Store struct {
	client   *mongo.Client
	users    *mongo.Collection
	history  *mongo.Collection
	dead     *mongo.Collection
	archives *mongo.Collection
	bulkSize int

	// afterRead, if set, runs between the read and the bulk write of each
	// round of PutHistory, ApplyUsers and PutDeadLetters. Tests use it to
	// play a concurrent writer.
	afterRead func(op string, round int)
}

var _ store.Store = (*Store)(nil)

// Open connects to uri, pings the primary and creates the indexes the
// queries need if they are missing, all within ctx. Failures to reach the
// server are wrapped with store.ErrUnavailable. Errors never quote the URI.
func Open(ctx context.Context, uri, dbName string, opts ...Option) (*Store, error) {
	cfg := config{bulkSize: DefaultBulkSize}
	for _, o := range opts {
		o(&cfg)
	}
	if dbName == "" {
		return nil, errors.New("mongostore: open: empty database name")
	}
	co := options.Client().
		SetConnectTimeout(DefaultConnectTimeout).
		SetServerSelectionTimeout(DefaultServerSelectionTimeout).
		ApplyURI(uri) // sets only what the URI names
	if cfg.connectTimeout > 0 {
		co.SetConnectTimeout(cfg.connectTimeout)
	}
	if cfg.selectTimeout > 0 {
		co.SetServerSelectionTimeout(cfg.selectTimeout)
	}
	client, err := mongo.Connect(append([]*options.ClientOptions{co}, cfg.clientOptions...)...)
	if err != nil {
		// Connect only parses and validates options; it does no I/O. Its
		// parse errors can quote the URI, credentials included.
		return nil, errors.New("mongostore: open: invalid MongoDB URI or client options")
	}
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongostore: open: ping: %w", classify(ctx, err))
	}
	db := client.Database(dbName)
	s := &Store{
		client:   client,
		users:    db.Collection("users"),
		history:  db.Collection("history"),
		dead:     db.Collection("dead_letters"),
		archives: db.Collection("archives"),
		bulkSize: cfg.bulkSize,
	}
	if err := s.ensureIndexes(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongostore: open: %w", err)
	}
	return s, nil
}

// index is one index the queries need, ascending on keys.
type index struct {
	keys   []string
	unique bool
}

// ensureIndexes creates the indexes that are missing. Listing first keeps
// the usual start-up to one listIndexes per collection, and it is also the
// only safe way on FerretDB v1, whose createIndexes panics when two or more
// of the requested indexes exist already. An existing index on the same keys
// counts whatever its name; one that should be unique but is not is an error,
// because the guard on users relies on it.
func (s *Store) ensureIndexes(ctx context.Context) error {
	for _, c := range []struct {
		coll    *mongo.Collection
		indexes []index
	}{
		{s.users, []index{
			{keys: []string{"address"}, unique: true},
			{keys: []string{"unarchived_count"}}, // UsersToArchive
		}},
		{s.history, []index{
			{keys: []string{"address", "archive_tx", "visit_time", "_id"}}, // OldestUnarchived
		}},
		{s.archives, []index{
			{keys: []string{"address", "status", "created_at"}}, // PendingArchive
			{keys: []string{"address", "created_at", "_id"}},    // Archives
		}},
	} {
		existing, err := c.coll.Indexes().ListSpecifications(ctx)
		var ce mongo.CommandError
		if errors.As(err, &ce) && ce.Code == 26 { // NamespaceNotFound: no collection yet
			existing, err = nil, nil
		}
		if err != nil {
			return fmt.Errorf("list indexes of %s: %w", c.coll.Name(), classify(ctx, err))
		}
		for _, want := range c.indexes {
			have, found := findIndex(existing, want.keys)
			if found && want.unique && (have.Unique == nil || !*have.Unique) {
				return fmt.Errorf("index %s on %s exists but is not unique", have.Name, c.coll.Name())
			}
			if found {
				continue
			}
			keys := make(bson.D, len(want.keys))
			for i, k := range want.keys {
				keys[i] = bson.E{Key: k, Value: int32(1)}
			}
			m := mongo.IndexModel{Keys: keys}
			if want.unique {
				m.Options = options.Index().SetUnique(true)
			}
			if _, err := c.coll.Indexes().CreateOne(ctx, m); err != nil {
				return fmt.Errorf("create index on %s %v: %w", c.coll.Name(), want.keys, classify(ctx, err))
			}
		}
	}
	return nil
}

// findIndex returns the index whose key fields are keys, in order.
func findIndex(specs []mongo.IndexSpecification, keys []string) (mongo.IndexSpecification, bool) {
	for _, sp := range specs {
		elems, err := sp.KeysDocument.Elements()
		if err != nil || len(elems) != len(keys) {
			continue
		}
		match := true
		for i, e := range elems {
			if e.Key() != keys[i] {
				match = false
				break
			}
		}
		if match {
			return sp, true
		}
	}
	return mongo.IndexSpecification{}, false
}

// Close disconnects the client.
func (s *Store) Close(ctx context.Context) error {
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("mongostore: close: %w", err)
	}
	return nil
}

// Watermarks implements store.Store.
func (s *Store) Watermarks(ctx context.Context, shard string, addresses []string) (map[string]string, error) {
	if err := contract.FieldName("shard", shard); err != nil {
		return nil, fmt.Errorf("mongostore: watermarks: %w", err)
	}
	out := make(map[string]string)
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, "watermarks", err)
	}
	if len(addresses) == 0 {
		return out, nil
	}
	path := "seq_watermarks." + shard
	cur, err := s.users.Find(ctx,
		bson.D{{Key: "address", Value: bson.D{{Key: "$in", Value: addresses}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "address", Value: 1}, {Key: path, Value: 1}}))
	if err != nil {
		return nil, wrap(ctx, "watermarks", err)
	}
	var docs []struct {
		Address    string            `bson:"address"`
		Watermarks map[string]string `bson:"seq_watermarks"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(ctx, "watermarks", err)
	}
	for _, d := range docs {
		if seq := d.Watermarks[shard]; seq != "" {
			out[d.Address] = seq
		}
	}
	return out, nil
}

// User implements store.Store.
func (s *Store) User(ctx context.Context, address string) (store.User, error) {
	if err := ctx.Err(); err != nil {
		return store.User{}, wrap(ctx, "user", err)
	}
	var d userDoc
	err := s.users.FindOne(ctx, bson.D{{Key: "address", Value: address}}).Decode(&d)
	if err != nil {
		return store.User{}, wrap(ctx, "user "+address, err)
	}
	return d.user(), nil
}

// UsersToArchive implements store.Store, in address order.
func (s *Store) UsersToArchive(ctx context.Context, minItems int64, limit int) ([]string, error) {
	out := []string{}
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, "users to archive", err)
	}
	if limit <= 0 {
		return out, nil
	}
	cur, err := s.users.Find(ctx,
		bson.D{{Key: "unarchived_count", Value: bson.D{{Key: "$gte", Value: minItems}}}},
		options.Find().
			SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "address", Value: 1}}).
			SetSort(bson.D{{Key: "address", Value: 1}}).
			SetLimit(int64(limit)))
	if err != nil {
		return nil, wrap(ctx, "users to archive", err)
	}
	var docs []struct {
		Address string `bson:"address"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(ctx, "users to archive", err)
	}
	for _, d := range docs {
		out = append(out, d.Address)
	}
	return out, nil
}

// AcquireLease implements store.Store. It reports store.ErrNotFound for an
// unknown user.
func (s *Store) AcquireLease(ctx context.Context, address, owner string, now, until time.Time) (bool, error) {
	if err := contract.Key("lease owner", owner); err != nil {
		return false, fmt.Errorf("mongostore: acquire lease: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return false, wrap(ctx, "acquire lease", err)
	}
	res, err := s.users.UpdateOne(ctx,
		bson.D{
			{Key: "address", Value: address},
			{Key: "$or", Value: bson.A{
				bson.D{{Key: "lease_owner", Value: bson.D{{Key: "$exists", Value: false}}}},
				bson.D{{Key: "lease_owner", Value: ""}},
				bson.D{{Key: "lease_owner", Value: owner}},
				bson.D{{Key: "lease_until", Value: bson.D{{Key: "$lte", Value: contract.Time(now)}}}},
			}},
		},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "lease_owner", Value: owner},
			{Key: "lease_until", Value: contract.Time(until)},
		}}})
	if err != nil {
		return false, wrap(ctx, "acquire lease", err)
	}
	if res.MatchedCount == 1 {
		return true, nil
	}
	n, err := s.users.CountDocuments(ctx, bson.D{{Key: "address", Value: address}})
	if err != nil {
		return false, wrap(ctx, "acquire lease", err)
	}
	if n == 0 {
		return false, fmt.Errorf("mongostore: acquire lease: user %s: %w", address, store.ErrNotFound)
	}
	return false, nil
}

// ReleaseLease implements store.Store.
func (s *Store) ReleaseLease(ctx context.Context, address, owner string) error {
	if err := ctx.Err(); err != nil || owner == "" {
		return wrap(ctx, "release lease", err)
	}
	_, err := s.users.UpdateOne(ctx,
		bson.D{{Key: "address", Value: address}, {Key: "lease_owner", Value: owner}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "lease_owner", Value: ""}, {Key: "lease_until", Value: ""}}}})
	return wrap(ctx, "release lease", err)
}

// OldestUnarchived implements store.Store.
func (s *Store) OldestUnarchived(ctx context.Context, address string, n int) ([]store.HistoryItem, error) {
	out := []store.HistoryItem{}
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, "oldest unarchived", err)
	}
	if n <= 0 {
		return out, nil
	}
	cur, err := s.history.Find(ctx,
		bson.D{{Key: "address", Value: address}, {Key: "archive_tx", Value: ""}},
		options.Find().
			SetSort(bson.D{{Key: "visit_time", Value: 1}, {Key: "_id", Value: 1}}).
			SetLimit(int64(n)))
	if err != nil {
		return nil, wrap(ctx, "oldest unarchived", err)
	}
	var docs []historyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(ctx, "oldest unarchived", err)
	}
	for _, d := range docs {
		out = append(out, d.item())
	}
	return out, nil
}

// PutArchive implements store.Store.
func (s *Store) PutArchive(ctx context.Context, a store.Archive) error {
	a, err := contract.Archive(a)
	if err != nil {
		return fmt.Errorf("mongostore: put archive: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return wrap(ctx, "put archive", err)
	}
	doc := archiveDocOf(a)
	_, err = s.archives.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: a.ID}},
		bson.D{{Key: "$setOnInsert", Value: doc.Body}},
		options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		err = nil // a concurrent PutArchive of the same id stored it
	}
	return wrap(ctx, "put archive "+a.ID, err)
}

// PendingArchive implements store.Store. If several archives are signed it
// returns the oldest.
func (s *Store) PendingArchive(ctx context.Context, address string) (store.Archive, error) {
	if err := ctx.Err(); err != nil {
		return store.Archive{}, wrap(ctx, "pending archive", err)
	}
	var d archiveDoc
	err := s.archives.FindOne(ctx,
		bson.D{{Key: "address", Value: address}, {Key: "status", Value: store.ArchiveSigned}},
		options.FindOne().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}),
	).Decode(&d)
	if err != nil {
		return store.Archive{}, wrap(ctx, "pending archive", err)
	}
	return d.archive(), nil
}

// CompleteArchive implements store.Store. It applies the archive as stored
// under a.ID (the signed intent is authoritative), in the order the contract
// gives, so that a call interrupted after any step is finished by the next.
// It reports store.ErrNotFound if the intent or its user is missing and
// store.ErrConflict if the user's previous_hash is neither the intent's
// PreviousHash nor its ID; nothing is changed then.
func (s *Store) CompleteArchive(ctx context.Context, a store.Archive, now time.Time) error {
	const op = "complete archive"
	if err := ctx.Err(); err != nil {
		return wrap(ctx, op, err)
	}
	var doc archiveDoc
	if err := s.archives.FindOne(ctx, bson.D{{Key: "_id", Value: a.ID}}).Decode(&doc); err != nil {
		return wrap(ctx, op+" "+a.ID, err)
	}
	stored := doc.archive()
	if stored.Status != store.ArchiveSigned {
		return nil // completed earlier
	}
	var u struct {
		PreviousHash string `bson:"previous_hash"`
	}
	err := s.users.FindOne(ctx, bson.D{{Key: "address", Value: stored.Address}},
		options.FindOne().SetProjection(bson.D{{Key: "previous_hash", Value: 1}})).Decode(&u)
	if err != nil {
		return wrap(ctx, op+": user "+stored.Address, err)
	}
	if u.PreviousHash != stored.PreviousHash && u.PreviousHash != stored.ID {
		return fmt.Errorf("mongostore: %s %s: %w", op, a.ID, store.ErrConflict)
	}
	if len(stored.ItemIDs) > 0 {
		_, err = s.history.UpdateMany(ctx,
			bson.D{
				{Key: "_id", Value: bson.D{{Key: "$in", Value: stored.ItemIDs}}},
				{Key: "address", Value: stored.Address},
				{Key: "archive_tx", Value: ""},
			},
			bson.D{{Key: "$set", Value: bson.D{{Key: "archive_tx", Value: stored.ID}}}})
		if err != nil {
			return wrap(ctx, op+": mark items", err)
		}
	}
	if u.PreviousHash == stored.PreviousHash {
		res, err := s.users.UpdateOne(ctx,
			bson.D{{Key: "address", Value: stored.Address}, {Key: "previous_hash", Value: stored.PreviousHash}},
			bson.D{
				{Key: "$set", Value: bson.D{{Key: "previous_hash", Value: stored.ID}}},
				{Key: "$inc", Value: bson.D{{Key: "unarchived_count", Value: -int64(len(stored.ItemIDs))}}},
			})
		if err != nil {
			return wrap(ctx, op+": advance user", err)
		}
		if res.MatchedCount == 0 {
			// Changed since we read it: fine only if a concurrent call
			// completed this same archive.
			err := s.users.FindOne(ctx, bson.D{{Key: "address", Value: stored.Address}, {Key: "previous_hash", Value: stored.ID}}).Err()
			if errors.Is(err, mongo.ErrNoDocuments) {
				return fmt.Errorf("mongostore: %s %s: %w", op, a.ID, store.ErrConflict)
			}
			if err != nil {
				return wrap(ctx, op, err)
			}
		}
	}
	_, err = s.archives.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: stored.ID}, {Key: "status", Value: store.ArchiveSigned}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: store.ArchiveAccepted},
			{Key: "updated_at", Value: contract.Time(now)},
		}}})
	return wrap(ctx, op+": set status", err)
}

// SetArchiveStatus implements store.Store.
func (s *Store) SetArchiveStatus(ctx context.Context, id, status string, now time.Time) error {
	if err := contract.Status(status); err != nil {
		return fmt.Errorf("mongostore: set archive status: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return wrap(ctx, "set archive status", err)
	}
	res, err := s.archives.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: status}, {Key: "updated_at", Value: contract.Time(now)}}}})
	if err == nil && res.MatchedCount == 0 {
		err = store.ErrNotFound
	}
	return wrap(ctx, "set archive status "+id, err)
}

// Archives implements store.Store.
func (s *Store) Archives(ctx context.Context, address string) ([]store.Archive, error) {
	out := []store.Archive{}
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, "archives", err)
	}
	cur, err := s.archives.Find(ctx, bson.D{{Key: "address", Value: address}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wrap(ctx, "archives", err)
	}
	var docs []archiveDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(ctx, "archives", err)
	}
	for _, d := range docs {
		out = append(out, d.archive())
	}
	return out, nil
}

// Dump implements store.Store. It reads whole collections: for tests and
// small local databases only.
func (s *Store) Dump(ctx context.Context) (store.Dump, error) {
	if err := ctx.Err(); err != nil {
		return store.Dump{}, wrap(ctx, "dump", err)
	}
	var (
		users []userDoc
		hist  []historyDoc
		dead  []deadLetterDoc
		arch  []archiveDoc
	)
	for _, c := range []struct {
		coll *mongo.Collection
		into any
	}{{s.users, &users}, {s.history, &hist}, {s.dead, &dead}, {s.archives, &arch}} {
		cur, err := c.coll.Find(ctx, bson.D{})
		if err != nil {
			return store.Dump{}, wrap(ctx, "dump "+c.coll.Name(), err)
		}
		if err := cur.All(ctx, c.into); err != nil {
			return store.Dump{}, wrap(ctx, "dump "+c.coll.Name(), err)
		}
	}
	d := store.Dump{
		Users:       make([]store.User, 0, len(users)),
		History:     make([]store.HistoryItem, 0, len(hist)),
		DeadLetters: make([]store.DeadLetter, 0, len(dead)),
		Archives:    make([]store.Archive, 0, len(arch)),
	}
	for _, u := range users {
		d.Users = append(d.Users, u.user())
	}
	for _, h := range hist {
		d.History = append(d.History, h.item())
	}
	for _, dl := range dead {
		d.DeadLetters = append(d.DeadLetters, dl.deadLetter())
	}
	for _, a := range arch {
		d.Archives = append(d.Archives, a.archive())
	}
	// Sorted here rather than by the server so the order is bytewise,
	// whatever the collection's collation.
	slices.SortFunc(d.Users, func(a, b store.User) int { return strings.Compare(a.Address, b.Address) })
	slices.SortFunc(d.History, func(a, b store.HistoryItem) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.DeadLetters, func(a, b store.DeadLetter) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Archives, func(a, b store.Archive) int { return strings.Compare(a.ID, b.ID) })
	return d, nil
}

// wrap prefixes err with the operation and classifies it: a missing document
// becomes store.ErrNotFound, an expired context and network or timeout
// failures store.ErrUnavailable; a canceled context stays context.Canceled.
func wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("mongostore: %s: %w", op, store.ErrNotFound)
	}
	return fmt.Errorf("mongostore: %s: %w", op, classify(ctx, err))
}

func classify(ctx context.Context, err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return err
	}
	if cerr := ctx.Err(); cerr != nil {
		switch {
		case errors.Is(cerr, context.DeadlineExceeded) && errors.Is(err, cerr):
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		case errors.Is(cerr, context.DeadlineExceeded):
			return fmt.Errorf("%w: %w (%w)", store.ErrUnavailable, err, cerr)
		case errors.Is(err, cerr):
			return err
		}
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	if retryable(err) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// retryable reports failures that another attempt may not meet.
func retryable(err error) bool {
	if mongo.IsTimeout(err) || mongo.IsNetworkError(err) || errors.Is(err, mongo.ErrClientDisconnected) {
		return true
	}
	var le mongo.LabeledError
	if errors.As(err, &le) && (le.HasErrorLabel("RetryableWriteError") || le.HasErrorLabel("TransientTransactionError")) {
		return true
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		for _, code := range []int{
			91,    // ShutdownInProgress
			189,   // PrimarySteppedDown
			10107, // NotWritablePrimary
			11600, // InterruptedAtShutdown
			11602, // InterruptedDueToReplStateChange
			13435, // NotPrimaryNoSecondaryOk
			13436, // NotPrimaryOrSecondary
		} {
			if se.HasErrorCode(code) {
				return true
			}
		}
	}
	return false
}
