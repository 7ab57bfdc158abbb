package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// Ledger implements store.Store with one update command: an upsert doing
// only $setOnInsert per entry, and per counted id an update setting
// Counted. (One updateMany over the counted ids would be a second command:
// the driver sends updateOne and updateMany statements separately. Being
// all updateOne, the command is also a retryable write.) The entries the
// server did not report as upserted existed already and are read back, with
// a second round trip.
func (s *Store) Ledger(ctx context.Context, entries []store.Entry, counted []string) (map[string]store.Entry, error) {
	const op = "ledger"
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	models := make([]mongo.WriteModel, 0, len(entries)+len(counted))
	seen := make(map[string]bool, len(entries))
	var ids []string // distinct entry ids, in order
	// The statements are encoded here, into one buffer, rather than by the
	// driver's reflection: that encoding was about half the client's CPU for a
	// batch. Each statement's documents are sub-slices that append never
	// moves (a grown buffer leaves the old bytes where they are).
	buf := make([]byte, 0, 512*len(entries)+96*len(counted))
	for _, e := range entries {
		e, err := contract.Entry(e)
		if err != nil {
			return nil, fmt.Errorf("mongostore: %s: %w", op, err)
		}
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		ids = append(ids, e.ID)
		var filter, update bson.Raw
		buf, filter = appendDoc(buf, func(b []byte) []byte { return bsoncore.AppendStringElement(b, "_id", e.ID) })
		buf, update = appendDoc(buf, func(b []byte) []byte {
			return appendSubdoc(b, "$setOnInsert", func(b []byte) []byte { return appendEntry(b, e, store.Pending) })
		})
		models = append(models, mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(update).SetUpsert(true))
	}
	var markCounted bson.Raw
	buf, markCounted = appendDoc(buf, func(b []byte) []byte {
		return appendSubdoc(b, "$set", func(b []byte) []byte { return bsoncore.AppendStringElement(b, "state", store.Counted) })
	})
	marked := make(map[string]bool, len(counted))
	for _, id := range counted {
		if marked[id] || id == "" {
			continue
		}
		marked[id] = true
		// Filtered by _id alone: an entry is Pending or Counted, so setting
		// Counted needs no condition, and a filter of _id alone is one
		// FerretDB can answer without scanning the collection.
		var filter bson.Raw
		buf, filter = appendDoc(buf, func(b []byte) []byte { return bsoncore.AppendStringElement(b, "_id", id) })
		models = append(models, mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(markCounted))
	}
	upserted := make(map[string]bool, len(ids))
	for _, c := range s.chunks(len(models)) {
		if err := s.ledgerChunk(ctx, models[c[0]:c[1]], upserted); err != nil {
			return nil, wrap(ctx, op, err)
		}
	}
	var existed []string
	for _, id := range ids {
		if !upserted[id] {
			existed = append(existed, id)
		}
	}
	if len(existed) == 0 {
		return map[string]store.Entry{}, nil
	}
	out, err := s.Entries(ctx, existed)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ledgerChunk sends one command of ledger statements and records the ids the
// server upserted. A duplicate key (a concurrent invocation inserting the
// same entry between our statement's match and its insert) is settled by
// sending the command again: every statement is idempotent, and the entry is
// found the second time.
func (s *Store) ledgerChunk(ctx context.Context, models []mongo.WriteModel, upserted map[string]bool) error {
	for attempt := 0; ; attempt++ {
		res, err := s.ledger.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		if res != nil {
			for _, id := range res.UpsertedIDs {
				if sid, ok := id.(string); ok {
					upserted[sid] = true
				}
			}
		}
		wes, err := bulkErrors(err)
		if err != nil {
			return err
		}
		if len(wes) == 0 {
			return nil
		}
		for _, we := range wes {
			if !mongo.IsDuplicateKeyError(we.WriteError) || attempt > 0 {
				return fmt.Errorf("statement %d: %w", we.Index, writeError(we.WriteError))
			}
		}
	}
}

// Entries implements store.Store.
func (s *Store) Entries(ctx context.Context, ids []string) (map[string]store.Entry, error) {
	const op = "entries"
	out := make(map[string]store.Entry, len(ids))
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	if len(ids) == 0 {
		return out, nil
	}
	var docs []entryDoc
	if err := s.find(ctx, s.ledger, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetBatchSize(int32(min(len(ids)+1, 1<<20))), &docs); err != nil {
		return nil, wrap(ctx, op, err)
	}
	for _, d := range docs {
		out[d.ID] = d.entry()
	}
	return out, nil
}

// UsersToArchive implements store.Store with one aggregation over the
// unarchived entries, in address order. The ledger index leads with
// archive_tx, so only unarchived entries are scanned.
func (s *Store) UsersToArchive(ctx context.Context, minItems, limit int) ([]string, error) {
	const op = "users to archive"
	out := []string{}
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	if limit <= 0 {
		return out, nil
	}
	cur, err := s.ledger.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "archive_tx", Value: ""}}}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$address"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
		{{Key: "$match", Value: bson.D{{Key: "n", Value: bson.D{{Key: "$gte", Value: max(minItems, 1)}}}}}},
		{{Key: "$sort", Value: bson.D{{Key: "_id", Value: 1}}}},
		{{Key: "$limit", Value: limit}},
	})
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	var docs []struct {
		Address string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(ctx, op, err)
	}
	for _, d := range docs {
		out = append(out, d.Address)
	}
	return out, nil
}

// OldestUnarchived implements store.Store.
func (s *Store) OldestUnarchived(ctx context.Context, address string, n int) ([]store.Entry, error) {
	const op = "oldest unarchived"
	out := []store.Entry{}
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	if n <= 0 {
		return out, nil
	}
	var docs []entryDoc
	if err := s.find(ctx, s.ledger,
		bson.D{{Key: "archive_tx", Value: ""}, {Key: "address", Value: address}, {Key: "state", Value: store.Counted}},
		options.Find().SetSort(bson.D{{Key: "visit_time", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(n)),
		&docs); err != nil {
		return nil, wrap(ctx, op, err)
	}
	for _, d := range docs {
		out = append(out, d.entry())
	}
	return out, nil
}

// find decodes every document matching filter into into.
func (s *Store) find(ctx context.Context, coll *mongo.Collection, filter bson.D, opts *options.FindOptionsBuilder, into any) error {
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return err
	}
	return cur.All(ctx, into)
}
