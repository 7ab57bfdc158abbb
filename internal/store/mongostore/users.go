package mongostore

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// userProjection is what Users reads of a user document: the guard, the
// archive chain and just enough of the owned fields to tell whether $inc can
// apply to them.
var userProjection = bson.D{
	{Key: "address", Value: 1},
	{Key: "kleo_stream", Value: 1},
	{Key: "previous_hash", Value: 1},
	{Key: "total_data_quantity", Value: 1},
	{Key: "kleo_points", Value: 1},
	{Key: "pii_removed_count", Value: 1},
	{Key: "milestones", Value: 1},
	{Key: "activity_json", Value: 1},
}

// Users implements store.Store with one find on users.address. The first
// batch is sized to hold every match, so the server closes the cursor without
// a getMore.
func (s *Store) Users(ctx context.Context, addresses []string) (map[string]store.UserState, error) {
	const op = "users"
	out := make(map[string]store.UserState, len(addresses))
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	for _, a := range addresses {
		if err := contract.Address(a); err != nil {
			return nil, fmt.Errorf("mongostore: %s: %w", op, err)
		}
	}
	spellings := make(bson.A, 0, 2*len(addresses))
	lowerOf := make(map[string]string, 2*len(addresses))
	for _, a := range addresses {
		if _, dup := lowerOf[a]; dup {
			continue
		}
		lowerOf[a] = a
		spellings = append(spellings, a)
		if cs := eip55.Checksum(a); cs != a {
			lowerOf[cs] = a
			spellings = append(spellings, cs)
		}
	}
	if len(spellings) == 0 {
		return out, nil
	}
	cur, err := s.users.Find(ctx,
		bson.D{{Key: "address", Value: bson.D{{Key: "$in", Value: spellings}}}},
		options.Find().SetProjection(userProjection).SetBatchSize(int32(min(len(spellings)+101, 1<<20))))
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(ctx, op, err)
	}
	type pick struct {
		eip55 bool
		id    bson.RawValue
	}
	picked := make(map[string]pick, len(docs))
	for _, d := range docs {
		stored, _ := d.Lookup("address").StringValueOK()
		lower, ok := lowerOf[stored]
		if !ok {
			continue // a collation matched what the spellings did not
		}
		p := pick{eip55: stored != lower, id: d.Lookup("_id")}
		if old, seen := picked[lower]; seen && !better(p.eip55, p.id, old.eip55, old.id) {
			continue
		}
		picked[lower] = p
		out[lower] = userState(d, stored)
	}
	return out, nil
}

// better reports whether a document (EIP-55 spelling or not, _id) wins over
// another matching the same address: the EIP-55 spelling first, then the
// lowest _id.
func better(eipA bool, idA bson.RawValue, eipB bool, idB bson.RawValue) bool {
	if eipA != eipB {
		return eipA
	}
	return compareIDs(idA, idB) < 0
}

// compareIDs orders two _id values as MongoDB does for ObjectIds (by their
// bytes), and by spelling otherwise.
func compareIDs(a, b bson.RawValue) int {
	oa, okA := a.ObjectIDOK()
	ob, okB := b.ObjectIDOK()
	if okA && okB {
		return bytes.Compare(oa[:], ob[:])
	}
	return compareStrings(idString(a), idString(b))
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// userState reads the projected user document d, stored with address.
func userState(d bson.Raw, address string) store.UserState {
	u := contract.UserState(d)
	u.ID, u.Address = idString(d.Lookup("_id")), address
	return u
}

// applyStmt is one Apply as sent.
type applyStmt struct {
	id     any // users _id
	filter bson.D
	update bson.D
	// On FerretDB v1, whose $inc wraps an int32 around instead of widening
	// it to int64 as MongoDB does, the statement is sent as two: first with
	// int32 increments, guarded by every int32-incremented field being small
	// enough not to overflow (fits); then, if that did not match, with int64
	// increments (wide), which the first's version bump turns into a no-op
	// when it matched.
	fits bson.D
	wide bson.D
}

// models returns the write models of st on a server of kind.
func (st applyStmt) models(k serverKind) []mongo.WriteModel {
	if k != ferretDB || len(st.fits) == 0 {
		return []mongo.WriteModel{mongo.NewUpdateOneModel().SetFilter(st.filter).SetUpdate(st.update)}
	}
	return []mongo.WriteModel{
		mongo.NewUpdateOneModel().SetFilter(append(slices.Clone(st.filter), st.fits...)).SetUpdate(st.update),
		mongo.NewUpdateOneModel().SetFilter(st.filter).SetUpdate(st.wide),
	}
}

// Apply implements store.Store: one update command of guarded updateOne
// statements (never an upsert). When fewer statements match than were sent,
// the users concerned are read back: kleo_stream at Version+1 with this
// update's applied list means applied, anything else a conflict.
func (s *Store) Apply(ctx context.Context, updates []store.Apply) ([]error, error) {
	const op = "apply"
	errs := make([]error, len(updates))
	if err := ctx.Err(); err != nil {
		return nil, wrap(ctx, op, err)
	}
	var (
		send  []int // indexes into updates
		stmts []applyStmt
	)
	for i, u := range updates {
		st, err := applyStatement(u)
		if err != nil {
			errs[i] = fmt.Errorf("mongostore: %s: %w", op, err)
			continue
		}
		send = append(send, i)
		stmts = append(stmts, st)
	}
	for _, c := range s.applyChunks(stmts) {
		var models []mongo.WriteModel
		for _, st := range stmts[c[0]:c[1]] {
			models = append(models, st.models(s.kind)...)
		}
		res, err := s.users.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		wes, err := bulkErrors(err)
		if err != nil {
			return nil, wrap(ctx, op, err)
		}
		failed, unknown, resend := settle(c[1]-c[0], res.MatchedCount, wes, s.exactIndexes)
		for k, err := range failed {
			j := c[0] + k
			errs[send[j]] = fmt.Errorf("mongostore: %s: user %s: %w", op, updates[send[j]].UserID, err)
		}
		if len(unknown) == 0 {
			continue
		}
		for k := range unknown {
			unknown[k] += c[0]
		}
		applied, err := s.appliedAlready(ctx, updates, send, stmts, unknown)
		if err != nil {
			return nil, wrap(ctx, op, err)
		}
		for _, j := range unknown {
			switch {
			case applied[j]:
			case resend:
				// FerretDB stopped at a write error somewhere in the chunk:
				// this statement may never have run. Alone, it gets an answer
				// of its own.
				errs[send[j]] = s.applyOne(ctx, updates[send[j]], stmts[j])
			default:
				errs[send[j]] = fmt.Errorf("mongostore: %s: user %s: %w", op, updates[send[j]].UserID, store.ErrConflict)
			}
		}
	}
	return errs, nil
}

// settle reads one update command's outcome for its n statements (one
// matching model each): the statements that failed with a write error, the
// statements whose outcome is unknown (to be read back), and whether those
// may not have run at all (to be sent again, alone). With exact indexes
// (MongoDB) every statement ran and a write error names its own; otherwise
// (FerretDB v1) the command stopped at a write error it reports at index 0,
// so only reading back tells what ran.
func settle(n int, matched int64, wes []mongo.BulkWriteError, exact bool) (failed map[int]error, unknown []int, resend bool) {
	if len(wes) == 0 && matched == int64(n) {
		return nil, nil, false
	}
	if !exact {
		unknown = make([]int, n)
		for k := range unknown {
			unknown[k] = k
		}
		return nil, unknown, len(wes) > 0
	}
	failed = make(map[int]error, len(wes))
	for _, we := range wes {
		if we.Index >= 0 && int(we.Index) < n {
			failed[int(we.Index)] = writeError(we.WriteError)
		}
	}
	if matched == int64(n-len(failed)) {
		return failed, nil, false
	}
	for k := range n {
		if _, ok := failed[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	return failed, unknown, false
}

// applyChunks splits statements into commands of at most s.bulk models,
// keeping the models of one statement together.
func (s *Store) applyChunks(stmts []applyStmt) [][2]int {
	if s.bulk <= 0 {
		return s.chunks(len(stmts))
	}
	var out [][2]int
	lo, size := 0, 0
	for j, st := range stmts {
		n := len(st.models(s.kind))
		if size+n > s.bulk && j > lo {
			out = append(out, [2]int{lo, j})
			lo, size = j, 0
		}
		size += n
	}
	if lo < len(stmts) {
		out = append(out, [2]int{lo, len(stmts)})
	}
	return out
}

// applyOne sends one statement on its own and reports its outcome.
func (s *Store) applyOne(ctx context.Context, u store.Apply, st applyStmt) error {
	res, err := s.users.BulkWrite(ctx, st.models(s.kind))
	wes, err := bulkErrors(err)
	switch {
	case err != nil:
		return wrap(ctx, "apply: user "+u.UserID, err)
	case len(wes) > 0:
		return fmt.Errorf("mongostore: apply: user %s: %w", u.UserID, writeError(wes[0].WriteError))
	case res.MatchedCount == 0:
		return fmt.Errorf("mongostore: apply: user %s: %w", u.UserID, store.ErrConflict)
	}
	return nil
}

// appliedAlready reads back the users of the statements at positions js and
// reports those whose kleo_stream shows the statement's effect: version
// Version+1 and exactly its applied list.
func (s *Store) appliedAlready(ctx context.Context, updates []store.Apply, send []int, stmts []applyStmt, js []int) (map[int]bool, error) {
	ids := make(bson.A, 0, len(js))
	for _, j := range js {
		ids = append(ids, stmts[j].id)
	}
	cur, err := s.users.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "kleo_stream.v", Value: 1}, {Key: "kleo_stream.applied", Value: 1}}).
			SetBatchSize(int32(len(ids)+1)))
	if err != nil {
		return nil, err
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	type state struct {
		v       int64
		applied []string
	}
	now := make(map[string]state, len(docs))
	for _, d := range docs {
		v, _ := d.Lookup("kleo_stream", "v").AsInt64OK()
		st := state{v: v}
		if arr, ok := d.Lookup("kleo_stream", "applied").ArrayOK(); ok {
			vals, _ := arr.Values()
			for _, x := range vals {
				id, _ := x.StringValueOK()
				st.applied = append(st.applied, id)
			}
		}
		now[idString(d.Lookup("_id"))] = st
	}
	out := make(map[int]bool, len(js))
	for _, j := range js {
		u := updates[send[j]]
		st, ok := now[u.UserID]
		out[j] = ok && st.v == u.Version+1 && slices.Equal(st.applied, nonNil(u.Applied))
	}
	return out, nil
}

// applyStatement builds the guarded update of u.
func applyStatement(u store.Apply) (applyStmt, error) {
	id, err := idValue(u.UserID)
	if err != nil {
		return applyStmt{}, fmt.Errorf("user %q: %w", u.UserID, err)
	}
	var guard any = u.Version
	if u.Version == 0 {
		guard = bson.D{{Key: "$in", Value: bson.A{nil, int64(0)}}}
	}
	var inc, wide, fits bson.D
	add := func(path string, n int64) {
		if n == 0 { // a zero would create the field, and $inc of 0 still fails on a string
			return
		}
		inc = append(inc, bson.E{Key: path, Value: contract.Int(n)})
		wide = append(wide, bson.E{Key: path, Value: n})
		if _, small := contract.Int(n).(int32); small {
			// Not an int32 (absent included), or one at most MaxInt32-n.
			fits = append(fits, bson.E{Key: path, Value: bson.D{{Key: "$not", Value: bson.D{
				{Key: "$type", Value: "int"}, {Key: "$gt", Value: int64(1<<31 - 1 - n)},
			}}}})
		}
	}
	add("total_data_quantity", u.Bytes)
	add("milestones.data_owned", u.Bytes)
	add("kleo_points", u.Points)
	add("pii_removed_count", u.PII)
	acts := make([]string, 0, len(u.Activities))
	for a := range u.Activities {
		if err := contract.FieldName("activity", a); err != nil {
			return applyStmt{}, fmt.Errorf("user %s: %w: %w", u.UserID, store.ErrRejected, err)
		}
		acts = append(acts, a)
	}
	slices.Sort(acts)
	for _, a := range acts {
		add("activity_json."+a, u.Activities[a])
	}
	set := bson.E{Key: "$set", Value: bson.D{
		{Key: "kleo_stream.v", Value: u.Version + 1},
		{Key: "kleo_stream.applied", Value: nonNil(u.Applied)},
	}}
	st := applyStmt{
		id:     id,
		filter: bson.D{{Key: "_id", Value: id}, {Key: "kleo_stream.v", Value: guard}},
		update: bson.D{set},
		fits:   fits,
		wide:   bson.D{set},
	}
	if len(inc) > 0 {
		st.update = append(st.update, bson.E{Key: "$inc", Value: inc})
		st.wide = append(st.wide, bson.E{Key: "$inc", Value: wide})
	}
	return st, nil
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
