package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// AcquireLease implements store.Store with one upsert on stream_leases
// filtered by "expired or ours": when another owner holds an unexpired lease
// the filter matches nothing and the insert of the same _id fails on the
// duplicate key, which is the answer "not yours".
func (s *Store) AcquireLease(ctx context.Context, address, owner string, now, until time.Time) (bool, error) {
	const op = "acquire lease"
	if err := contract.Key("lease owner", owner); err != nil {
		return false, fmt.Errorf("mongostore: %s: %w", op, err)
	}
	if err := contract.Key("address", address); err != nil {
		return false, fmt.Errorf("mongostore: %s: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		return false, wrap(ctx, op, err)
	}
	_, err := s.leases.UpdateOne(ctx,
		bson.D{
			{Key: "_id", Value: address},
			{Key: "$or", Value: bson.A{
				bson.D{{Key: "owner", Value: owner}},
				bson.D{{Key: "until", Value: bson.D{{Key: "$lte", Value: contract.Time(now)}}}},
			}},
		},
		bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: owner}, {Key: "until", Value: contract.Time(until)}}}},
		options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, wrap(ctx, op, err)
	}
	return true, nil
}

// ReleaseLease implements store.Store: the lease document is deleted, so a
// free lease is an absent one.
func (s *Store) ReleaseLease(ctx context.Context, address, owner string) error {
	const op = "release lease"
	if err := ctx.Err(); err != nil {
		return wrap(ctx, op, err)
	}
	_, err := s.leases.DeleteOne(ctx, bson.D{{Key: "_id", Value: address}, {Key: "owner", Value: owner}})
	return wrap(ctx, op, err)
}

// PutArchive implements store.Store.
func (s *Store) PutArchive(ctx context.Context, a store.Archive) error {
	const op = "put archive"
	a, err := contract.Archive(a)
	if err != nil {
		return fmt.Errorf("mongostore: %s: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		return wrap(ctx, op, err)
	}
	m := mongo.NewUpdateOneModel().
		SetFilter(bson.D{{Key: "_id", Value: a.ID}}).
		SetUpdate(bson.D{{Key: "$setOnInsert", Value: archiveDocOf(a)}}).
		SetUpsert(true)
	return wrap(ctx, op+" "+a.ID, s.idempotentBulk(ctx, s.archives, []mongo.WriteModel{m}))
}

// Archives implements store.Store.
func (s *Store) Archives(ctx context.Context, address string) ([]store.Archive, error) {
	const op = "archives"
	out := []store.Archive{}
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	var docs []archiveDoc
	if err := s.find(ctx, s.archives, bson.D{{Key: "address", Value: address}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}), &docs); err != nil {
		return nil, wrap(ctx, op, err)
	}
	for _, d := range docs {
		out = append(out, d.archive())
	}
	return out, nil
}

// CompleteArchive implements store.Store in the contract's three steps, each
// idempotent, so a call interrupted after any step is finished by the next:
// the ledger entries, then the user (guarded by kleo_stream.archive ==
// a.PrevTx), then the archive's status. It reports store.ErrNotFound when the
// user or the archive does not exist, store.ErrConflict when the user's last
// archive is neither a.PrevTx nor a recorded a.ID, and store.ErrRejected when
// the user document cannot take the update.
func (s *Store) CompleteArchive(ctx context.Context, userID string, a store.Archive, now time.Time) error {
	const op = "complete archive"
	if err := ctx.Err(); err != nil {
		return wrap(ctx, op, err)
	}
	if a.ID == "" {
		return fmt.Errorf("mongostore: %s: empty archive id", op)
	}
	uid, err := idValue(userID)
	if err != nil {
		return fmt.Errorf("mongostore: %s %s: user: %w", op, a.ID, err)
	}
	if len(a.ItemIDs) > 0 {
		_, err := s.ledger.UpdateMany(ctx,
			bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: a.ItemIDs}}}, {Key: "archive_tx", Value: ""}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "archive_tx", Value: a.ID}}}})
		if err != nil {
			return wrap(ctx, op+" "+a.ID+": ledger", err)
		}
	}

	var guard any = a.PrevTx
	if a.PrevTx == "" {
		guard = bson.D{{Key: "$in", Value: bson.A{nil, ""}}}
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "previous_hash", Value: a.URL},
		{Key: "kleo_stream.archive", Value: a.ID},
	}}}
	if a.Points != 0 {
		update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "kleo_points", Value: contract.Int(a.Points)}}})
	}
	res, err := s.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: uid}, {Key: "kleo_stream.archive", Value: guard}}, update)
	var we mongo.WriteException
	if asWriteException(err, &we) && len(we.WriteErrors) > 0 && we.WriteConcernError == nil {
		return fmt.Errorf("mongostore: %s %s: user %s: %w", op, a.ID, userID, writeError(we.WriteErrors[0]))
	}
	if err != nil {
		return wrap(ctx, op+" "+a.ID+": user", err)
	}
	if res.MatchedCount == 0 {
		if err := s.recordedBefore(ctx, uid, userID, a.ID); err != nil {
			return fmt.Errorf("mongostore: %s %s: %w", op, a.ID, err)
		}
	}

	res, err = s.archives.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: a.ID}, {Key: "status", Value: store.ArchiveSigned}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: store.ArchiveAccepted}, {Key: "updated_at", Value: contract.Time(now)}}}})
	if err != nil {
		return wrap(ctx, op+" "+a.ID+": status", err)
	}
	if res.MatchedCount == 0 {
		err := s.archives.FindOne(ctx, bson.D{{Key: "_id", Value: a.ID}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		return wrap(ctx, op+" "+a.ID, err) // nil when it was accepted before
	}
	return nil
}

// recordedBefore explains a user update whose guard did not hold: nil when
// the user's chain already records archive id (as its last archive, or as an
// earlier one whose status says it was completed).
func (s *Store) recordedBefore(ctx context.Context, uid any, userID, id string) error {
	var u bson.Raw
	err := s.users.FindOne(ctx, bson.D{{Key: "_id", Value: uid}},
		options.FindOne().SetProjection(bson.D{{Key: "kleo_stream.archive", Value: 1}})).Decode(&u)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("user %s: %w", userID, store.ErrNotFound)
	}
	if err != nil {
		return classify(ctx, err)
	}
	if last, _ := u.Lookup("kleo_stream", "archive").StringValueOK(); last == id {
		return nil
	}
	var a archiveDoc
	err = s.archives.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&a)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("archive %s: %w", id, store.ErrNotFound)
	case err != nil:
		return classify(ctx, err)
	case a.Status == store.ArchiveAccepted || a.Status == store.ArchiveConfirmed:
		return nil
	}
	return fmt.Errorf("user %s's last archive is not the previous one: %w", userID, store.ErrConflict)
}

// SetArchiveStatus implements store.Store.
func (s *Store) SetArchiveStatus(ctx context.Context, id, status string, now time.Time) error {
	const op = "set archive status"
	if err := contract.Status(status); err != nil {
		return fmt.Errorf("mongostore: %s: %w", op, err)
	}
	if err := ctx.Err(); err != nil {
		return wrap(ctx, op, err)
	}
	res, err := s.archives.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: status}, {Key: "updated_at", Value: contract.Time(now)}}}})
	if err == nil && res.MatchedCount == 0 {
		err = store.ErrNotFound
	}
	return wrap(ctx, op+" "+id, err)
}
