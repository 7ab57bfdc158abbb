package mongostore

import (
	"context"
	"fmt"
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// PutDeadLetters implements store.Store: one command of upserts that only
// $setOnInsert, so a letter stored before keeps its state and attempts.
func (s *Store) PutDeadLetters(ctx context.Context, dls []store.DeadLetter) error {
	const op = "put dead letters"
	if err := ctx.Err(); err != nil {
		return wrap(ctx, op, err)
	}
	var models []mongo.WriteModel
	seen := make(map[string]bool, len(dls))
	for _, dl := range dls {
		dl, err := contract.DeadLetter(dl)
		if err != nil {
			return fmt.Errorf("mongostore: %s: %w", op, err)
		}
		if seen[dl.ID] {
			continue
		}
		seen[dl.ID] = true
		models = append(models, mongo.NewUpdateOneModel().
			SetFilter(bson.D{{Key: "_id", Value: dl.ID}}).
			SetUpdate(bson.D{{Key: "$setOnInsert", Value: letterDocOf(dl)}}).
			SetUpsert(true))
	}
	return wrap(ctx, op, s.idempotentBulk(ctx, s.letters, models))
}

// DeadLetters implements store.Store.
func (s *Store) DeadLetters(ctx context.Context, q store.LetterQuery) ([]store.DeadLetter, error) {
	const op = "dead letters"
	out := []store.DeadLetter{}
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	filter := bson.D{}
	if q.State != "" {
		filter = append(filter, bson.E{Key: "state", Value: q.State})
	}
	if q.Reason != "" {
		filter = append(filter, bson.E{Key: "reason", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(q.Reason)}}})
	}
	if !q.Since.IsZero() {
		filter = append(filter, bson.E{Key: "at", Value: bson.D{{Key: "$gte", Value: contract.Time(q.Since)}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}})
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	var docs []letterDoc
	if err := s.find(ctx, s.letters, filter, opts, &docs); err != nil {
		return nil, wrap(ctx, op, err)
	}
	for _, d := range docs {
		out = append(out, d.letter())
	}
	return out, nil
}

// UpdateDeadLetters implements store.Store. Letters that do not exist are
// ignored.
func (s *Store) UpdateDeadLetters(ctx context.Context, us []store.LetterUpdate) error {
	const op = "update dead letters"
	if err := ctx.Err(); err != nil {
		return wrap(ctx, op, err)
	}
	models := make([]mongo.WriteModel, 0, len(us))
	for _, u := range us {
		set := bson.D{{Key: "state", Value: u.State}}
		if u.Reason != "" {
			set = append(set, bson.E{Key: "reason", Value: u.Reason})
		}
		models = append(models, mongo.NewUpdateOneModel().
			SetFilter(bson.D{{Key: "_id", Value: u.ID}}).
			SetUpdate(bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "attempts", Value: int64(1)}}}}))
	}
	for _, c := range s.chunks(len(models)) {
		_, err := s.letters.BulkWrite(ctx, models[c[0]:c[1]], options.BulkWrite().SetOrdered(false))
		if err := bulkFailure(err); err != nil {
			return wrap(ctx, op, err)
		}
	}
	return nil
}

// idempotentBulk sends statements that may be sent again (upserts doing only
// $setOnInsert), sending a command again once when a duplicate key shows that
// a concurrent writer inserted the same document between match and insert.
func (s *Store) idempotentBulk(ctx context.Context, coll *mongo.Collection, models []mongo.WriteModel) error {
	for _, c := range s.chunks(len(models)) {
		for attempt := 0; ; attempt++ {
			_, err := coll.BulkWrite(ctx, models[c[0]:c[1]], options.BulkWrite().SetOrdered(false))
			wes, err := bulkErrors(err)
			if err != nil {
				return err
			}
			if len(wes) == 0 {
				break
			}
			if attempt > 0 || !allDuplicateKeys(wes) {
				return bulkFailure(mongo.BulkWriteException{WriteErrors: wes})
			}
		}
	}
	return nil
}

func allDuplicateKeys(wes []mongo.BulkWriteError) bool {
	for _, we := range wes {
		if !mongo.IsDuplicateKeyError(we.WriteError) {
			return false
		}
	}
	return true
}

// bulkFailure turns the error of a BulkWrite whose statements must all
// succeed into one error, value-free for write errors.
func bulkFailure(err error) error {
	wes, err := bulkErrors(err)
	if err != nil || len(wes) == 0 {
		return err
	}
	return fmt.Errorf("statement %d: %w", wes[0].Index, writeError(wes[0].WriteError))
}
