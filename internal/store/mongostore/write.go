package mongostore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// The batch writes below read first and write only what the read says is
// needed, so that in the absence of concurrent writers the bulk has no write
// errors and its counts prove every statement took effect. They do not rely
// on per-statement error indexes: FerretDB v1 stops an update command at its
// first write error, reports it at index 0 and numbers upserts by their own
// count. When a concurrent writer makes a bulk fail or fall short, the
// affected statements are read back and, if still needed, written again, up
// to maxRounds times.
const maxRounds = 4

// PutHistory implements store.Store. One read of the ids finds the items
// already stored (Existing if from the same shard and seq, Duplicate
// otherwise); the rest are written by upserts filtered by {_id, shard, seq}
// that only $setOnInsert, so a concurrent write of the same record matches
// instead of overwriting and one of another record fails on the _id.
func (s *Store) PutHistory(ctx context.Context, items []store.HistoryItem) ([]store.Outcome, error) {
	const op = "put history"
	for _, it := range items {
		if err := contract.Key("history id", it.ID); err != nil {
			return nil, fmt.Errorf("mongostore: %s: %w", op, err)
		}
		if err := contract.Key("address", it.Address); err != nil {
			return nil, fmt.Errorf("mongostore: %s %s: %w", op, it.ID, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	type origin struct{ shard, seq string }
	out := make([]store.Outcome, len(items))
	stored := make(map[string]origin, len(items)) // what the collection holds, once known
	var pending []int
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		if !seen[it.ID] { // later copies in the same call compare with what is stored
			seen[it.ID] = true
			pending = append(pending, i)
		}
	}
	for round := 0; len(pending) > 0; round++ {
		if round == maxRounds {
			return nil, fmt.Errorf("mongostore: %s: %w: items kept changing under %d attempts", op, store.ErrUnavailable, maxRounds)
		}
		ids := make([]string, len(pending))
		for k, i := range pending {
			ids[k] = items[i].ID
		}
		var found []historyDoc
		if err := s.find(ctx, s.history, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
			bson.D{{Key: "shard", Value: 1}, {Key: "seq", Value: 1}}, &found); err != nil {
			return nil, wrap(ctx, op, err)
		}
		for _, d := range found {
			stored[d.ID] = origin{d.Shard, d.Seq}
		}
		if s.afterRead != nil {
			s.afterRead(op, round)
		}
		var write []int
		var models []mongo.WriteModel
		for _, i := range pending {
			it := items[i]
			if _, ok := stored[it.ID]; ok {
				continue
			}
			write = append(write, i)
			models = append(models, mongo.NewUpdateOneModel().
				SetFilter(bson.D{{Key: "_id", Value: it.ID}, {Key: "shard", Value: it.Shard}, {Key: "seq", Value: it.Seq}}).
				SetUpdate(bson.D{{Key: "$setOnInsert", Value: historyBodyOf(it)}}).
				SetUpsert(true))
		}
		var next []int
		err := s.write(ctx, s.history, models, func(c chunk) error {
			for j, err := range c.failed {
				return fmt.Errorf("item %s: %w", items[write[j]].ID, err)
			}
			for _, i := range write[c.lo:c.hi] {
				it := items[i]
				switch {
				case c.upserted[it.ID]:
					out[i] = store.Inserted
					stored[it.ID] = origin{it.Shard, it.Seq}
				case c.complete: // matched: a concurrent delivery of this record stored it
					stored[it.ID] = origin{it.Shard, it.Seq}
				default:
					next = append(next, i)
				}
			}
			return nil
		})
		if err != nil {
			return nil, wrap(ctx, op, err)
		}
		pending = next
	}
	for i, it := range items {
		if out[i] == store.Inserted {
			continue
		}
		if stored[it.ID] == (origin{it.Shard, it.Seq}) {
			out[i] = store.Existing
		} else {
			out[i] = store.Duplicate
		}
	}
	return out, nil
}

// ApplyUsers implements store.Store. One read of the users' watermarks
// settles the deltas whose guard already fails (ErrConflict, including a
// non-empty ExpectSeq for a user that does not exist). The others go in one
// bulk of updates filtered by {address, seq_watermarks.<shard>: ExpectSeq}
// ({$exists: false} for ""), upserting only users the read did not find.
//
// If a concurrent writer gets between the read and the write, the bulk falls
// short or fails, and the affected deltas are read back: a watermark equal
// to NewSeq means applied, one still equal to ExpectSeq means not yet run
// (written again), anything else is ErrConflict. A concurrent invocation
// applying an identical delta (same shard, ExpectSeq and NewSeq) is then
// indistinguishable from this one: both report nil, and the counters change
// once. A write error of the delta's own (say, a users document whose
// activity_json is not a document) is that delta's error, not a conflict.
func (s *Store) ApplyUsers(ctx context.Context, deltas []store.UserDelta) ([]error, error) {
	const op = "apply users"
	errs := contract.Deltas(deltas)
	var pending []int
	for i, err := range errs {
		if err != nil {
			errs[i] = fmt.Errorf("mongostore: %s: %w", op, err)
		} else {
			pending = append(pending, i)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	for round := 0; len(pending) > 0; round++ {
		if round == maxRounds {
			for _, i := range pending {
				errs[i] = store.ErrConflict // still not applied; a later retry is safe
			}
			break
		}
		addrs := make([]string, 0, len(pending))
		for _, i := range pending {
			addrs = append(addrs, deltas[i].Address)
		}
		marks, err := s.readWatermarks(ctx, addrs)
		if err != nil {
			return nil, wrap(ctx, op, err)
		}
		if s.afterRead != nil {
			s.afterRead(op, round)
		}
		var write []int
		var models []mongo.WriteModel
		for _, i := range pending {
			d := deltas[i]
			wm, exists := marks[d.Address]
			cur, has := wm[d.Shard]
			switch {
			case round > 0 && has && cur == d.NewSeq:
				errs[i] = nil // the earlier attempt applied it
				continue
			case cur != d.ExpectSeq || has != (d.ExpectSeq != ""):
				errs[i] = store.ErrConflict
				continue
			}
			path := "seq_watermarks." + d.Shard
			var guard any = d.ExpectSeq
			if d.ExpectSeq == "" {
				guard = bson.D{{Key: "$exists", Value: false}}
			}
			write = append(write, i)
			models = append(models, mongo.NewUpdateOneModel().
				SetFilter(bson.D{{Key: "address", Value: d.Address}, {Key: path, Value: guard}}).
				SetUpdate(userUpdate(d)).
				SetUpsert(!exists))
			// Later deltas of this call for the same user (other shards)
			// see it as it will be.
			if !exists {
				wm = map[string]string{}
				marks[d.Address] = wm
			}
			wm[d.Shard] = d.NewSeq
		}
		var next []int
		err = s.write(ctx, s.users, models, func(c chunk) error {
			for j := c.lo; j < c.hi; j++ {
				i := write[j]
				switch err := c.failed[j]; {
				case err != nil:
					errs[i] = fmt.Errorf("mongostore: %s: %s: %w", op, deltas[i].Address, err)
				case !c.complete:
					next = append(next, i)
				}
			}
			return nil
		})
		if err != nil {
			return nil, wrap(ctx, op, err)
		}
		pending = next
	}
	return errs, nil
}

// readWatermarks returns the watermarks of the users that exist among addrs.
func (s *Store) readWatermarks(ctx context.Context, addrs []string) (map[string]map[string]string, error) {
	var docs []struct {
		Address    string            `bson:"address"`
		Watermarks map[string]string `bson:"seq_watermarks"`
	}
	if err := s.find(ctx, s.users, bson.D{{Key: "address", Value: bson.D{{Key: "$in", Value: addrs}}}},
		bson.D{{Key: "_id", Value: 0}, {Key: "address", Value: 1}, {Key: "seq_watermarks", Value: 1}}, &docs); err != nil {
		return nil, err
	}
	out := make(map[string]map[string]string, len(docs))
	for _, d := range docs {
		if d.Watermarks == nil {
			d.Watermarks = map[string]string{}
		}
		out[d.Address] = d.Watermarks
	}
	return out, nil
}

// userUpdate is the update document of one delta.
func userUpdate(d store.UserDelta) bson.D {
	inc := bson.D{
		{Key: "total_data_quantity", Value: d.Bytes},
		{Key: "milestones.data_owned", Value: d.Bytes},
		{Key: "kleo_points", Value: d.Points},
		{Key: "pii_removed_count", Value: d.PII},
		{Key: "unarchived_count", Value: d.Items},
		{Key: "items_processed", Value: d.Items},
	}
	acts := make([]string, 0, len(d.Activities))
	for a := range d.Activities {
		acts = append(acts, a)
	}
	slices.Sort(acts)
	for _, a := range acts {
		inc = append(inc, bson.E{Key: "activity_json." + a, Value: d.Activities[a]})
	}
	return bson.D{
		{Key: "$inc", Value: inc},
		{Key: "$set", Value: bson.D{{Key: "seq_watermarks." + d.Shard, Value: d.NewSeq}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "previous_hash", Value: ""}}},
	}
}

// PutDeadLetters implements store.Store: ids not stored yet are upserted
// with $setOnInsert.
func (s *Store) PutDeadLetters(ctx context.Context, dls []store.DeadLetter) error {
	const op = "put dead letters"
	for _, dl := range dls {
		if err := contract.Key("dead letter id", dl.ID); err != nil {
			return fmt.Errorf("mongostore: %s: %w", op, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return wrap(ctx, op, err)
	}
	var pending []int
	seen := make(map[string]bool, len(dls))
	for i, dl := range dls {
		if !seen[dl.ID] {
			seen[dl.ID] = true
			pending = append(pending, i)
		}
	}
	for round := 0; len(pending) > 0; round++ {
		if round == maxRounds {
			return fmt.Errorf("mongostore: %s: %w: still not stored after %d attempts", op, store.ErrUnavailable, maxRounds)
		}
		ids := make([]string, len(pending))
		for k, i := range pending {
			ids[k] = dls[i].ID
		}
		var found []struct {
			ID string `bson:"_id"`
		}
		if err := s.find(ctx, s.dead, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
			bson.D{{Key: "_id", Value: 1}}, &found); err != nil {
			return wrap(ctx, op, err)
		}
		have := make(map[string]bool, len(found))
		for _, f := range found {
			have[f.ID] = true
		}
		if s.afterRead != nil {
			s.afterRead(op, round)
		}
		var write []int
		var models []mongo.WriteModel
		for _, i := range pending {
			dl := dls[i]
			if have[dl.ID] {
				continue
			}
			doc := deadLetterDoc{Shard: dl.Shard, Seq: dl.Seq, Reason: dl.Reason, Payload: dl.Payload,
				PayloadSize: dl.PayloadSize, At: contract.Time(dl.At)}
			write = append(write, i)
			models = append(models, mongo.NewUpdateOneModel().
				SetFilter(bson.D{{Key: "_id", Value: dl.ID}}).
				SetUpdate(bson.D{{Key: "$setOnInsert", Value: doc}}).
				SetUpsert(true))
		}
		var next []int
		err := s.write(ctx, s.dead, models, func(c chunk) error {
			for j, err := range c.failed {
				return fmt.Errorf("dead letter %s: %w", dls[write[j]].ID, err)
			}
			if !c.complete {
				next = append(next, write[c.lo:c.hi]...)
			}
			return nil
		})
		if err != nil {
			return wrap(ctx, op, err)
		}
		pending = next
	}
	return nil
}

// chunk is the result of one bulk write: statements [lo, hi) of a call.
type chunk struct {
	lo, hi   int
	upserted map[any]bool // _ids the server says it inserted
	// complete: every statement is known to have taken effect (matched or
	// upserted). Duplicate-key errors only make a chunk incomplete.
	complete bool
	// failed holds other write errors by statement index. MongoDB's indexes
	// are exact; FerretDB v1 reports every error at the chunk's first
	// statement.
	failed map[int]error
}

// write runs models as unordered bulk writes of at most s.bulkSize
// statements and passes each chunk's result to each. Errors other than
// write errors, or from each, end the call.
func (s *Store) write(ctx context.Context, coll *mongo.Collection, models []mongo.WriteModel, each func(chunk) error) error {
	for lo := 0; lo < len(models); lo += s.bulkSize {
		c := chunk{lo: lo, hi: min(lo+s.bulkSize, len(models)), upserted: map[any]bool{}, failed: map[int]error{}}
		res, err := coll.BulkWrite(ctx, models[c.lo:c.hi], options.BulkWrite().SetOrdered(false))
		if err != nil {
			var bwe mongo.BulkWriteException
			if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
				return err
			}
			for _, we := range bwe.WriteErrors {
				if !mongo.IsDuplicateKeyError(we.WriteError) && we.Index >= 0 && we.Index < c.hi-c.lo {
					c.failed[c.lo+we.Index] = we.WriteError
				}
			}
		}
		c.complete = err == nil
		if res != nil {
			for _, id := range res.UpsertedIDs {
				c.upserted[id] = true
			}
			c.complete = c.complete && res.MatchedCount+res.UpsertedCount == int64(c.hi-c.lo)
		}
		if err := each(c); err != nil {
			return err
		}
	}
	return nil
}

// find decodes every document matching filter, with projection, into into.
func (s *Store) find(ctx context.Context, coll *mongo.Collection, filter, projection bson.D, into any) error {
	cur, err := coll.Find(ctx, filter, options.Find().SetProjection(projection))
	if err != nil {
		return err
	}
	return cur.All(ctx, into)
}
