// Package mongostore implements store.Store (and store.Seeder) on Kleo's
// MongoDB database through mongo-driver v2. It needs no transactions: every
// write is a single-document update (see package store for why that is
// enough).
//
// What lives where:
//
//	users                Kleo's. Read by address ($in over the lower-case and
//	                     the EIP-55 spelling); updated only in
//	                     total_data_quantity, milestones.data_owned,
//	                     activity_json.<Activity>, kleo_points,
//	                     pii_removed_count, previous_hash and the bounded
//	                     subdocument kleo_stream {v, applied, archive}.
//	                     Never inserted into, never upserted.
//	history              Kleo's. Only read, by _id (HistoryJSON).
//	stream_ledger        _id = history _id (hex); the effect computed when
//	                     the item was first seen, state, archive_tx.
//	stream_dead_letters  _id = shard/seq; TTL on expire_at.
//	stream_archives      _id = Arweave transaction id.
//	stream_leases        _id = lower-case address; owner, until.
//
// Round trips on MongoDB per batch in the steady state: Users 1 (one find),
// Ledger 1 (one update command: an upsert per entry plus one update per
// counted id; the driver would send an updateMany as a second command),
// Apply 1 (one update command of guarded updateOne statements). Ledger reads
// stored entries (a second round trip) only when the server reports fewer
// upserts than entries, and Apply reads users back only when fewer statements
// matched than were sent.
//
// Open asks the server's buildInfo whether it is FerretDB. FerretDB v1
// deadlocks on update commands of 100 or more statements that match existing
// documents, stops an update command at its first write error whatever
// "ordered" says and reports that error at index 0; so on FerretDB bulks are
// split into commands of at most 50 statements and a statement's write error
// is located by reading back and resending one statement at a time. Its $inc
// also wraps an int32 around on overflow where MongoDB widens it to int64, so
// there each Apply is sent as two statements: int32 increments guarded by
// "no int32 field would overflow", then int64 increments, which the first's
// version bump turns into a no-op. On MongoDB a bulk is one command (the
// driver splits only at the server's limits) and write error indexes are
// exact.
//
// Write errors are classified by code: those a document causes (TypeMismatch,
// PathNotViable and the like) wrap store.ErrRejected; network failures,
// timeouts and primaries stepping down wrap store.ErrUnavailable. Errors never
// quote the URI or a document's values (server messages of write errors are
// dropped; their code names are kept).
//
// Open once per process (a Lambda's init) and share the Store: it is safe for
// concurrent use and holds the driver's connection pool.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/kleo-network/kleo-stream/internal/store"
)

// Defaults for Open. They are far below a Lambda timeout, so an unreachable
// cluster fails the invocation with store.ErrUnavailable instead of timing it
// out.
const (
	DefaultConnectTimeout         = 3 * time.Second
	DefaultServerSelectionTimeout = 3 * time.Second
)

// ferretBulk is the most statements sent in one write command to FerretDB.
const ferretBulk = 50

// Collection names.
const (
	usersColl    = "users"
	historyColl  = "history"
	ledgerColl   = "stream_ledger"
	lettersColl  = "stream_dead_letters"
	archivesColl = "stream_archives"
	leasesColl   = "stream_leases"
)

// Option configures Open.
type Option func(*config)

type config struct {
	connectTimeout time.Duration // 0: the URI's, else the default
	selectTimeout  time.Duration // 0: the URI's, else the default
	clientOptions  []*options.ClientOptions
	logger         *slog.Logger
	kind           serverKind // tests only: send writes as to this kind of server
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

// WithClientOptions adds driver options applied after the URI and the
// timeouts above (for example an app name, a pool size or a command monitor).
func WithClientOptions(o *options.ClientOptions) Option {
	return func(c *config) { c.clientOptions = append(c.clientOptions, o) }
}

// WithLogger makes Open warn through l about missing indexes on Kleo's
// collections (see CheckIndexes).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// serverKind is what Open found at the other end.
type serverKind int

const (
	unknownKind serverKind = iota
	mongoDB
	ferretDB
)

// Store is a store.Store on one MongoDB database.
type Store struct {
	client   *mongo.Client
	users    *mongo.Collection
	history  *mongo.Collection
	ledger   *mongo.Collection
	letters  *mongo.Collection
	archives *mongo.Collection
	leases   *mongo.Collection

	kind serverKind
	// bulk is the most statements per write command (0: no limit of ours).
	bulk int
	// exactIndexes: the server reports each write error at its statement's
	// index and carries on with the others (MongoDB, not FerretDB v1).
	exactIndexes bool
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Seeder = (*Store)(nil)
)

// Open connects to uri, asks the server what it is (one buildInfo, which also
// proves it reachable), creates the missing indexes of the stream_*
// collections and checks those of Kleo's collections, warning through the
// WithLogger logger about missing ones. Failures to reach the server wrap
// store.ErrUnavailable. Errors never quote the URI.
func Open(ctx context.Context, uri, dbName string, opts ...Option) (*Store, error) {
	var cfg config
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
	fail := func(format string, err error) (*Store, error) {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongostore: open: "+format, classify(ctx, err))
	}
	db := client.Database(dbName)
	var info bson.Raw
	err = db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}, options.RunCmd().SetReadPreference(readpref.Primary())).Decode(&info)
	if err != nil {
		return fail("buildInfo: %w", err)
	}
	kind := kindOf(info)
	s := &Store{
		client:   client,
		users:    db.Collection(usersColl),
		history:  db.Collection(historyColl),
		ledger:   db.Collection(ledgerColl),
		letters:  db.Collection(lettersColl),
		archives: db.Collection(archivesColl),
		leases:   db.Collection(leasesColl),
	}
	s.kind = kind
	if cfg.kind != unknownKind {
		s.kind = cfg.kind // how writes are sent; indexes still follow the server
	}
	s.bulk, s.exactIndexes = bulkLimits(s.kind)
	if err := s.ensureIndexes(ctx, kind); err != nil {
		return fail("%w", err)
	}
	report, err := s.CheckIndexes(ctx)
	if err != nil {
		return fail("%w", err)
	}
	if cfg.logger != nil {
		for _, c := range report {
			if c.Missing() {
				cfg.logger.WarnContext(ctx, "mongostore: an index on Kleo's collection is missing; run `kleo indexes --create`",
					// The keys as one string: the function's log redacts slices.
					"collection", c.Collection, "keys", strings.Join(c.Keys, ","), "serves", c.Serves)
			}
		}
	}
	return s, nil
}

// kindOf tells FerretDB from MongoDB by buildInfo, where FerretDB adds
// ferretdbVersion.
func kindOf(buildInfo bson.Raw) serverKind {
	if _, err := buildInfo.LookupErr("ferretdbVersion"); err == nil {
		return ferretDB
	}
	return mongoDB
}

// bulkLimits returns the most statements per write command and whether
// write error indexes can be trusted, for a kind of server.
func bulkLimits(k serverKind) (bulk int, exactIndexes bool) {
	if k == ferretDB {
		return ferretBulk, false
	}
	return 0, true
}

// Close disconnects the client.
func (s *Store) Close(ctx context.Context) error {
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("mongostore: close: %w", classify(ctx, err))
	}
	return nil
}

// chunks splits n statements into the commands sent for them.
func (s *Store) chunks(n int) [][2]int {
	size := s.bulk
	if size <= 0 {
		size = max(n, 1)
	}
	var out [][2]int
	for lo := 0; lo < n; lo += size {
		out = append(out, [2]int{lo, min(lo+size, n)})
	}
	return out
}
