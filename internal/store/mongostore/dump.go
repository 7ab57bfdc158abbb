package mongostore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kleo-network/kleo-stream/internal/store"
)

// HistoryJSON implements store.Store: each document as relaxed Extended
// JSON, with one find by _id.
func (s *Store) HistoryJSON(ctx context.Context, ids []string) (map[string][]byte, error) {
	const op = "history json"
	out := make(map[string][]byte, len(ids))
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	if len(ids) == 0 {
		return out, nil
	}
	keys := historyIDs(ids)
	var docs []bson.Raw
	if err := s.find(ctx, s.history, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}},
		options.Find().SetBatchSize(int32(min(len(keys)+1, 1<<20))), &docs); err != nil {
		return nil, wrap(ctx, op, err)
	}
	for _, d := range docs {
		js, err := bson.MarshalExtJSON(d, false, false)
		if err != nil {
			return nil, fmt.Errorf("mongostore: %s: a history document does not convert to JSON", op)
		}
		out[idString(d.Lookup("_id"))] = js
	}
	return out, nil
}

// InsertUsers implements store.Seeder.
func (s *Store) InsertUsers(ctx context.Context, docs []bson.M) error {
	return s.insert(ctx, s.users, "insert users", docs)
}

// InsertHistory implements store.Seeder.
func (s *Store) InsertHistory(ctx context.Context, docs []bson.M) error {
	return s.insert(ctx, s.history, "insert history", docs)
}

func (s *Store) insert(ctx context.Context, coll *mongo.Collection, op string, docs []bson.M) error {
	if err := ctx.Err(); err != nil {
		return wrap(ctx, op, err)
	}
	if len(docs) == 0 {
		return nil
	}
	_, err := coll.InsertMany(ctx, docs)
	var bwe mongo.BulkWriteException
	if asBulk(err, &bwe) && bwe.WriteConcernError == nil && len(bwe.WriteErrors) > 0 {
		return fmt.Errorf("mongostore: %s: document %d: %w", op, bwe.WriteErrors[0].Index, writeError(bwe.WriteErrors[0].WriteError))
	}
	return wrap(ctx, op, err)
}

// Dump implements store.Store. It reads whole collections: for tests and
// small local databases only.
func (s *Store) Dump(ctx context.Context) (store.Dump, error) {
	const op = "dump"
	if err := ctx.Err(); err != nil {
		return store.Dump{}, wrap(ctx, op, err)
	}
	var (
		d       store.Dump
		users   []bson.Raw
		history []bson.Raw
		ledger  []entryDoc
		letters []letterDoc
		arch    []archiveDoc
	)
	for _, c := range []struct {
		coll *mongo.Collection
		into any
	}{{s.users, &users}, {s.history, &history}, {s.ledger, &ledger}, {s.letters, &letters}, {s.archives, &arch}} {
		if err := s.find(ctx, c.coll, bson.D{}, options.Find(), c.into); err != nil {
			return store.Dump{}, wrap(ctx, op+" "+c.coll.Name(), err)
		}
	}
	var err error
	if d.Users, err = sortedDocs(users); err != nil {
		return store.Dump{}, fmt.Errorf("mongostore: %s users: %w", op, err)
	}
	if d.History, err = sortedDocs(history); err != nil {
		return store.Dump{}, fmt.Errorf("mongostore: %s history: %w", op, err)
	}
	d.Ledger = make([]store.Entry, 0, len(ledger))
	for _, e := range ledger {
		d.Ledger = append(d.Ledger, e.entry())
	}
	d.DeadLetters = make([]store.DeadLetter, 0, len(letters))
	for _, l := range letters {
		d.DeadLetters = append(d.DeadLetters, l.letter())
	}
	d.Archives = make([]store.Archive, 0, len(arch))
	for _, a := range arch {
		d.Archives = append(d.Archives, a.archive())
	}
	// Sorted here rather than by the server so the order is bytewise,
	// whatever the collection's collation.
	slices.SortFunc(d.Ledger, func(a, b store.Entry) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.DeadLetters, func(a, b store.DeadLetter) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Archives, func(a, b store.Archive) int { return strings.Compare(a.ID, b.ID) })
	return d, nil
}

// sortedDocs decodes raw documents into bson.M, sorted by _id.
func sortedDocs(raws []bson.Raw) ([]bson.M, error) {
	slices.SortFunc(raws, func(a, b bson.Raw) int { return compareIDs(a.Lookup("_id"), b.Lookup("_id")) })
	out := make([]bson.M, 0, len(raws))
	for _, r := range raws {
		var m bson.M
		if err := bson.Unmarshal(r, &m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// ReplaceUsers implements store.Seeder: each document replaces the user with
// its _id (one that does not exist is an error; nothing is inserted).
func (s *Store) ReplaceUsers(ctx context.Context, docs []bson.M) error {
	const op = "replace users"
	if err := ctx.Err(); err != nil {
		return wrap(ctx, op, err)
	}
	models := make([]mongo.WriteModel, 0, len(docs))
	for i, d := range docs {
		id, ok := d["_id"]
		if !ok {
			return fmt.Errorf("mongostore: %s: document %d has no _id", op, i)
		}
		models = append(models, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetReplacement(d))
	}
	for _, c := range s.chunks(len(models)) {
		res, err := s.users.BulkWrite(ctx, models[c[0]:c[1]], options.BulkWrite().SetOrdered(false))
		if err := bulkFailure(err); err != nil {
			return wrap(ctx, op, err)
		}
		if res.MatchedCount != int64(c[1]-c[0]) {
			return fmt.Errorf("mongostore: %s: %d of %d users not found: %w", op, int64(c[1]-c[0])-res.MatchedCount, c[1]-c[0], store.ErrNotFound)
		}
	}
	return nil
}
