package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// index is one index a query needs: ascending on keys.
type index struct {
	keys  []string
	serve string // the query it serves
	ttl   bool   // expire documents at the date in the (single) key
}

// streamIndexes are the stream_* collections' indexes, created at Open.
var streamIndexes = []struct {
	coll    string
	indexes []index
}{
	// archive_tx first: UsersToArchive scans only the unarchived entries
	// (archive_tx "") in address order, and OldestUnarchived finds one
	// user's Counted entries already sorted by visit_time, _id.
	{ledgerColl, []index{{keys: []string{"archive_tx", "address", "state", "visit_time", "_id"}, serve: "UsersToArchive, OldestUnarchived"}}},
	{lettersColl, []index{
		{keys: []string{"state", "at", "_id"}, serve: "DeadLetters"},
		{keys: []string{"expire_at"}, ttl: true, serve: "deleting expired letters"},
	}},
	{archivesColl, []index{{keys: []string{"address", "created_at", "_id"}, serve: "Archives"}}},
}

// kleoIndexes are the indexes this package's queries (and the archiver's)
// need on Kleo's collections. Open only checks them: they are Kleo's to
// create (CreateIndexes does when asked). None is unique: production may
// hold duplicate addresses.
var kleoIndexes = []struct {
	coll    string
	indexes []index
}{
	{usersColl, []index{{keys: []string{"address"}, serve: "Users: address $in [lower-case, EIP-55]"}}},
	{historyColl, []index{{keys: []string{"address", "visitTime"}, serve: "a user's history in visit order (archiver)"}}},
}

// IndexCheck is the state of one index a query needs on Kleo's collections.
type IndexCheck struct {
	Collection string   // "users" or "history"
	Keys       []string // ascending key fields, in order
	Serves     string   // the query it serves
	// Name is the existing index that serves the query (one whose leading
	// keys are Keys); "" when there is none.
	Name string
}

// Missing reports whether no index serves the query.
func (c IndexCheck) Missing() bool { return c.Name == "" }

func (c IndexCheck) String() string {
	state := "ok (" + c.Name + ")"
	if c.Missing() {
		state = "MISSING"
	}
	return fmt.Sprintf("%s {%s}: %s; serves %s", c.Collection, strings.Join(c.Keys, ", "), state, c.Serves)
}

// CheckIndexes reports, for each index the queries need on Kleo's users and
// history collections, whether one exists.
func (s *Store) CheckIndexes(ctx context.Context) ([]IndexCheck, error) {
	return CheckKleoIndexes(ctx, s.users.Database())
}

// CheckKleoIndexes is CheckIndexes for a database opened by other means
// (kleo doctor reads with a client of its own): the one list of the indexes
// this package's queries need on Kleo's collections.
func CheckKleoIndexes(ctx context.Context, db *mongo.Database) ([]IndexCheck, error) {
	var out []IndexCheck
	for _, c := range kleoIndexes {
		specs, err := listIndexes(ctx, db.Collection(c.coll))
		if err != nil {
			return nil, err
		}
		for _, want := range c.indexes {
			chk := IndexCheck{Collection: c.coll, Keys: want.keys, Serves: want.serve}
			if sp, ok := findIndex(specs, want.keys, true); ok {
				chk.Name = sp.Name
			}
			out = append(out, chk)
		}
	}
	return out, nil
}

// CreateIndexes creates the missing indexes on Kleo's collections (plain,
// never unique) and returns the report afterwards. It is for an operator's
// explicit request (`kleo indexes --create`): building an index on a large
// production collection is the owner's decision.
func (s *Store) CreateIndexes(ctx context.Context) ([]IndexCheck, error) {
	report, err := s.CheckIndexes(ctx)
	if err != nil {
		return nil, err
	}
	db := s.users.Database()
	for i, c := range report {
		if !c.Missing() {
			continue
		}
		name, err := createIndex(ctx, db.Collection(c.Collection), index{keys: c.Keys})
		if err != nil {
			return nil, err
		}
		report[i].Name = name
	}
	return report, nil
}

// ensureIndexes creates the stream_* indexes that are missing. Listing first
// keeps the usual start-up to one listIndexes per collection, and it is the
// only safe way on FerretDB v1, whose createIndexes panics when two or more
// of the requested indexes exist already: indexes are created one per call.
// FerretDB v1 has no TTL indexes; there expired letters are simply kept.
func (s *Store) ensureIndexes(ctx context.Context, kind serverKind) error {
	db := s.users.Database()
	for _, c := range streamIndexes {
		coll := db.Collection(c.coll)
		specs, err := listIndexes(ctx, coll)
		if err != nil {
			return err
		}
		for _, want := range c.indexes {
			if want.ttl && kind == ferretDB {
				continue
			}
			if sp, ok := findIndex(specs, want.keys, false); ok {
				if want.ttl && sp.ExpireAfterSeconds == nil {
					return fmt.Errorf("index %s on %s has no expireAfterSeconds: drop it so a TTL index can be made", sp.Name, c.coll)
				}
				continue
			}
			if _, err := createIndex(ctx, coll, want); err != nil {
				return err
			}
		}
	}
	return nil
}

func listIndexes(ctx context.Context, coll *mongo.Collection) ([]mongo.IndexSpecification, error) {
	specs, err := coll.Indexes().ListSpecifications(ctx)
	var ce mongo.CommandError
	if errors.As(err, &ce) && ce.Code == 26 { // NamespaceNotFound: no collection yet
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list indexes of %s: %w", coll.Name(), classify(ctx, err))
	}
	return specs, nil
}

func createIndex(ctx context.Context, coll *mongo.Collection, want index) (string, error) {
	keys := make(bson.D, len(want.keys))
	for i, k := range want.keys {
		keys[i] = bson.E{Key: k, Value: int32(1)}
	}
	m := mongo.IndexModel{Keys: keys}
	if want.ttl {
		m.Options = options.Index().SetExpireAfterSeconds(0)
	}
	name, err := coll.Indexes().CreateOne(ctx, m)
	if err != nil {
		return "", fmt.Errorf("create index {%s} on %s: %w", strings.Join(want.keys, ", "), coll.Name(), classify(ctx, err))
	}
	return name, nil
}

// findIndex returns the index whose key fields are keys, in order; with
// prefix, one whose leading key fields are keys (it serves the same
// equality and range queries).
func findIndex(specs []mongo.IndexSpecification, keys []string, prefix bool) (mongo.IndexSpecification, bool) {
	for _, sp := range specs {
		elems, err := sp.KeysDocument.Elements()
		if err != nil || len(elems) < len(keys) || (!prefix && len(elems) != len(keys)) {
			continue
		}
		match := true
		for i, k := range keys {
			if elems[i].Key() != k {
				match = false
				break
			}
		}
		if match && sp.Name != "" {
			return sp, true
		}
	}
	return mongo.IndexSpecification{}, false
}
