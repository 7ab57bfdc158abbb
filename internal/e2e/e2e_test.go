package e2e

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
)

// TestRedeliveredBatchOnKleoDatabase is issue 10's "done when", run as
// Kleo's operators would: the processor's bootstrap behind the Lambda Runtime
// Interface Emulator on a database holding Kleo-shaped users and history,
// one batch delivered, redelivered, and delivered twice more after its
// unknown user signed up, everything read back with the raw driver.
func TestRedeliveredBatchOnKleoDatabase(t *testing.T) {
	start := time.Now()
	step := func(what string) { t.Logf("%6.1fs %s", time.Since(start).Seconds(), what) }
	root := moduleRoot(t)
	users := loadDocs(t, "users.json")
	signup := loadDocs(t, "signup.json")
	history := loadDocs(t, "history.json")
	checkEIP55(t, append(slices.Clone(users), signup...))

	bootstrap := buildBootstrap(t, root)
	step("bootstrap built")
	rie := emulator(t, root)
	step("emulator ready")
	uri := ferrettest.Start(t)
	step("FerretDB started")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	db := client.Database("Kleo")

	// Kleo's backend and save-history API wrote these; Kleo queries users by
	// address, so its plain index is there.
	if _, err := db.Collection("users").InsertMany(ctx, users); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("history").InsertMany(ctx, history); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("users").Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "address", Value: 1}}}); err != nil {
		t.Fatal(err)
	}

	event, recs := kinesisBatch(t, history)
	w := &world{
		db:      db,
		users:   readAll(ctx, t, db, "users"),
		history: readAll(ctx, t, db, "history"),
		indexes: map[string][]string{"users": indexSpecs(ctx, t, db, "users"), "history": indexSpecs(ctx, t, db, "history")},
		recs:    recs,
		poison:  strings.ToLower(str(users[4], "address")),
		unknown: strings.ToLower(str(signup[0], "address")),
	}
	w.text, w.emails = pageText(history)

	dataDir := t.TempDir()
	fn := startFunction(t, rie, bootstrap, []string{
		// As template.yaml sets them, with the URI given plainly instead of
		// through Secrets Manager (what config allows for local runs).
		"MONGODB_URI=" + uri,
		"MONGODB_DATABASE=Kleo",
		"MONGODB_CONNECT_TIMEOUT=5s",
		"METRICS_NAMESPACE=Kleo",
		"METRICS_DIMENSIONS=Stage=e2e",
		"LOG_LEVEL=info",
		"KLEO_DATA_DIR=" + dataDir, // unused with a URI: a store there would be a bug
		"AWS_REGION=us-east-1",
		"AWS_LAMBDA_FUNCTION_NAME=kleo-processor",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=60",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
	})
	invocations := 0
	post := func(what string) {
		t.Helper()
		invocations++
		resp, body, err := fn.invoke(ctx, event)
		if err != nil {
			t.Fatalf("%s: %v\nresponse: %s\n%s", what, err, body, tail(fn.log))
		}
		if resp.BatchItemFailures == nil || len(*resp.BatchItemFailures) != 0 {
			t.Errorf("%s: response %s, want {\"batchItemFailures\":[]}: dead letters and counted records are both done", what, body)
		}
		step(what)
	}

	post("first delivery")
	w.check(ctx, t, "after the first delivery")
	first := snapshot(ctx, t, db)
	post("redelivery")
	w.check(ctx, t, "after the redelivery")
	// A redelivery changes nothing Kleo or an operator reads.
	if diff := first.diff(snapshot(ctx, t, db)); diff != "" {
		t.Errorf("the redelivery changed %s", diff)
	}

	// The unknown user signs up; the batch comes again (a re-drive), twice.
	if _, err := db.Collection("users").InsertMany(ctx, signup); err != nil {
		t.Fatal(err)
	}
	for id, raw := range readAll(ctx, t, db, "users") {
		if _, ok := w.users[id]; !ok {
			w.users[id] = raw
		}
	}
	post("delivery after the sign-up")
	w.check(ctx, t, "after the sign-up and a delivery")
	post("redelivery after the sign-up")
	w.check(ctx, t, "after the sign-up and a redelivery")

	w.checkLog(t, fn.log, invocations)
	if des, err := os.ReadDir(dataDir); err != nil || len(des) != 0 {
		t.Errorf("KLEO_DATA_DIR holds %d entries (%v): with MONGODB_URI set the function must not open the embedded store", len(des), err)
	}
}

// world is what the test wrote and sent, to check the database against.
type world struct {
	db      *mongo.Database
	users   map[string]bson.Raw // by _id, as Kleo's backend stored them (before any delivery)
	history map[string]bson.Raw
	indexes map[string][]string
	recs    []sent
	poison  string // lower-case address of the user whose document cannot take $inc
	unknown string // lower-case address of the user who signs up later
	text    []string
	emails  []string
}

// items returns the batch's distinct history items per lower-case address,
// with the length of each item's first record: the bytes the processor must
// count (a later copy of the item is the same item).
func (w *world) items() (byUser map[string][]string, size map[string]int64) {
	byUser, size = map[string][]string{}, map[string]int64{}
	for _, r := range w.recs {
		if r.item == "" {
			continue
		}
		if _, seen := size[r.item]; seen {
			continue
		}
		size[r.item] = int64(len(r.data))
		byUser[r.address] = append(byUser[r.address], r.item)
	}
	return byUser, size
}

// ledgerEntry is what the test reads of a stream_ledger document.
type ledgerEntry struct {
	ID       string `bson:"_id"`
	Address  string `bson:"address"`
	Bytes    int64  `bson:"bytes"`
	Activity string `bson:"activity"`
	PII      int64  `bson:"pii"`
	Points   int64  `bson:"points"`
	State    string `bson:"state"`
}

// check reads the database back and checks the books.
func (w *world) check(ctx context.Context, t *testing.T, phase string) {
	t.Helper()
	byUser, size := w.items()

	// Kleo's collections: no document created, history untouched, no index
	// created or dropped.
	users := readAll(ctx, t, w.db, "users")
	if len(users) != len(w.users) {
		t.Errorf("%s: %d documents in users, want the %d Kleo's backend created", phase, len(users), len(w.users))
	}
	for id := range users {
		if _, ok := w.users[id]; !ok {
			t.Errorf("%s: users holds a document %s that Kleo's backend did not create: %s", phase, id, users[id])
		}
	}
	hist := readAll(ctx, t, w.db, "history")
	if len(hist) != len(w.history) {
		t.Errorf("%s: %d documents in history, want %d", phase, len(hist), len(w.history))
	}
	for id, before := range w.history {
		if !bytes.Equal(hist[id], before) {
			t.Errorf("%s: history %s changed:\n got %s\nwant %s", phase, id, hist[id], before)
		}
	}
	for coll, want := range w.indexes {
		if got := indexSpecs(ctx, t, w.db, coll); !slices.Equal(got, want) {
			t.Errorf("%s: indexes of %s are %v, want %v (the functions create indexes on stream_* only)", phase, coll, got, want)
		}
	}
	names, err := w.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n != "users" && n != "history" && !strings.HasPrefix(n, "stream_") {
			t.Errorf("%s: collection %q created: the project's own are stream_*", phase, n)
		}
	}

	// The ledger: one entry per distinct item, whatever its user's state,
	// holding the first record's length and no points per item.
	ledger := map[string]ledgerEntry{}
	cur, err := w.db.Collection("stream_ledger").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var entries []ledgerEntry
	if err := cur.All(ctx, &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		ledger[e.ID] = e
	}
	if len(ledger) != len(size) {
		t.Errorf("%s: %d ledger entries, want one per distinct item (%d)", phase, len(ledger), len(size))
	}
	for addr, ids := range byUser {
		for _, id := range ids {
			e, ok := ledger[id]
			switch {
			case !ok:
				t.Errorf("%s: item %s has no ledger entry", phase, id)
			case e.Address != addr || e.Bytes != size[id] || e.Points != 0 || !activity.Valid(activity.Activity(e.Activity)):
				t.Errorf("%s: ledger entry %+v, want address %s, bytes %d (the first record's length), points 0 and a Kleo activity",
					phase, e, addr, size[id])
			}
		}
	}

	for id, before := range w.users {
		after, ok := users[id]
		if !ok {
			t.Errorf("%s: user %s is gone", phase, id)
			continue
		}
		addr := strings.ToLower(before.Lookup("address").StringValue())
		if addr == w.poison {
			if !bytes.Equal(after, before) {
				t.Errorf("%s: the user whose activity_json is a string changed:\n got %s\nwant %s", phase, after, before)
			}
			continue
		}
		w.checkUser(t, phase+": user "+addr, before, after, byUser[addr], ledger)
	}

	w.checkLetters(ctx, t, phase)
}

// owned are the top-level fields of a user the processor may change
// (milestones and activity_json only in part); kleo_stream is its own.
var owned = []string{"total_data_quantity", "kleo_points", "pii_removed_count", "previous_hash", "kleo_stream", "milestones", "activity_json"}

// checkUser checks one user after the user's items were counted: Kleo's
// fields byte for byte, the counters up by exactly the items' bytes and one
// count per item and activity, integers still int32.
func (w *world) checkUser(t *testing.T, who string, before, after bson.Raw, items []string, ledger map[string]ledgerEntry) {
	t.Helper()
	if got, want := elementsExcept(t, after, owned), elementsExcept(t, before, owned); !sameElements(got, want) {
		t.Errorf("%s: Kleo's fields changed:\n got %s\nwant %s", who, spell(got), spell(want))
	}
	mb, mbOK := before.Lookup("milestones").DocumentOK()
	ma, maOK := after.Lookup("milestones").DocumentOK()
	if !mbOK || !maOK {
		t.Fatalf("%s: milestones not a document (before %v, after %v)", who, mbOK, maOK)
	}
	if got, want := elementsExcept(t, ma, []string{"data_owned"}), elementsExcept(t, mb, []string{"data_owned"}); !sameElements(got, want) {
		t.Errorf("%s: milestones other than data_owned changed:\n got %s\nwant %s", who, spell(got), spell(want))
	}
	for _, k := range []string{"kleo_points", "previous_hash"} {
		if b, a := before.Lookup(k), after.Lookup(k); b.Type != a.Type || !bytes.Equal(a.Value, b.Value) {
			t.Errorf("%s: %s is %s, want it unchanged (%s): the processor adds no points per item and never sets previous_hash", who, k, describe(a), describe(b))
		}
	}

	var sum, pii int64
	acts := map[string]int64{}
	for _, id := range items {
		e := ledger[id]
		sum += e.Bytes
		pii += e.PII
		acts[e.Activity]++
	}
	wantInt(t, who, after, before, sum, "total_data_quantity")
	wantInt(t, who, after, before, sum, "milestones", "data_owned")
	wantInt(t, who, after, before, pii, "pii_removed_count")

	// activity_json: one count per item under the item's activity; every
	// other key, legacy ones included, byte for byte.
	aj, ajAfter := before.Lookup("activity_json"), after.Lookup("activity_json")
	if len(items) == 0 {
		if aj.Type != ajAfter.Type || !bytes.Equal(aj.Value, ajAfter.Value) {
			t.Errorf("%s: activity_json changed with nothing counted", who)
		}
	} else {
		keys := map[string]bool{}
		if d, ok := aj.DocumentOK(); ok {
			els, _ := d.Elements()
			for _, e := range els {
				keys[e.Key()] = true
			}
		}
		if d, ok := ajAfter.DocumentOK(); ok {
			els, _ := d.Elements()
			for _, e := range els {
				keys[e.Key()] = true
			}
		} else {
			t.Errorf("%s: activity_json is %s after counting, want a document", who, describe(ajAfter))
		}
		for k := range acts {
			keys[k] = true
		}
		for k := range keys {
			wantInt(t, who, after, before, acts[k], "activity_json", k)
		}
	}

	// kleo_stream is bounded: at most this user's items, each with its
	// effect in the counters; and every item is either counted in the
	// ledger or listed there, which is what makes a redelivery count nothing.
	ks, ok := after.Lookup("kleo_stream").DocumentOK()
	if !ok {
		t.Errorf("%s: kleo_stream is %s, want a document", who, describe(after.Lookup("kleo_stream")))
		return
	}
	if v, ok := ks.Lookup("v").Int64OK(); !ok || v < 1 {
		t.Errorf("%s: kleo_stream.v is %s, want an int64 of at least 1", who, describe(ks.Lookup("v")))
	}
	var applied []string
	if arr, ok := ks.Lookup("applied").ArrayOK(); ok {
		vals, _ := arr.Values()
		for _, v := range vals {
			applied = append(applied, v.StringValue())
		}
	}
	for _, id := range applied {
		if !slices.Contains(items, id) {
			t.Errorf("%s: kleo_stream.applied lists %s, not one of the user's items", who, id)
		}
	}
	for _, id := range items {
		if ledger[id].State != "counted" && !slices.Contains(applied, id) {
			t.Errorf("%s: item %s is %s in the ledger and not in kleo_stream.applied: its effect is not accounted for", who, id, ledger[id].State)
		}
	}
}

// wantInt checks that the integer at path in after is the one in before
// (0 when absent) plus delta, and keeps its type: int32 while it fits. With
// delta 0 the field must be as it was, absent included.
func wantInt(t *testing.T, who string, after, before bson.Raw, delta int64, path ...string) {
	t.Helper()
	b, a := before.Lookup(path...), after.Lookup(path...)
	name := strings.Join(path, ".")
	if delta == 0 {
		if b.Type != a.Type || !bytes.Equal(a.Value, b.Value) {
			t.Errorf("%s: %s is %s, want it unchanged (%s)", who, name, describe(a), describe(b))
		}
		return
	}
	var old int64
	wantType := bson.TypeInt32
	switch b.Type {
	case 0: // absent
	case bson.TypeInt32:
		old = int64(b.Int32())
	case bson.TypeInt64:
		old, wantType = b.Int64(), bson.TypeInt64
	default:
		t.Errorf("%s: %s was a %v before: the fixture should hold an integer", who, name, b.Type)
		return
	}
	want := old + delta
	if wantType == bson.TypeInt32 && int64(int32(want)) != want {
		wantType = bson.TypeInt64
	}
	got, ok := a.AsInt64OK()
	if a.Type != wantType || !ok || got != want {
		t.Errorf("%s: %s is %s, want %v %d (%d + %d)", who, name, describe(a), wantType, want, old, delta)
	}
}

// describe spells a value with its BSON type, or "absent".
func describe(v bson.RawValue) string {
	if v.Type == 0 {
		return "absent"
	}
	return v.Type.String() + " " + v.String()
}

// elementsExcept returns doc's elements other than those named, in order.
func elementsExcept(t *testing.T, doc bson.Raw, names []string) []bson.RawElement {
	t.Helper()
	els, err := doc.Elements()
	if err != nil {
		t.Fatal(err)
	}
	var out []bson.RawElement
	for _, e := range els {
		if !slices.Contains(names, e.Key()) {
			out = append(out, e)
		}
	}
	return out
}

func spell(els []bson.RawElement) string {
	s := make([]string, len(els))
	for i, e := range els {
		s[i] = e.String()
	}
	return "{" + strings.Join(s, ", ") + "}"
}

func sameElements(a, b []bson.RawElement) bool {
	return slices.EqualFunc(a, b, func(x, y bson.RawElement) bool { return bytes.Equal(x, y) })
}

// checkLetters checks stream_dead_letters: exactly the poison user's, the
// unknown user's and the malformed record, each once (a redelivery adds
// none), with value-free reasons and a payload copy only for the record
// that did not decode, scrubbed.
func (w *world) checkLetters(ctx context.Context, t *testing.T, phase string) {
	t.Helper()
	letters := readAll(ctx, t, w.db, "stream_dead_letters")
	want := 0
	for _, r := range w.recs {
		if r.item != "" && r.address != w.poison && r.address != w.unknown {
			continue
		}
		want++
		id := shard + "/" + r.seq
		l, ok := letters[id]
		if !ok {
			t.Errorf("%s: no dead letter %s for the record of %q", phase, id, r.address)
			continue
		}
		reason, _ := l.Lookup("reason").StringValueOK()
		for _, s := range append(append([]string{"oops"}, w.text...), w.emails...) {
			if strings.Contains(reason, s) {
				t.Errorf("%s: dead letter %s: reason %q quotes a value (%q)", phase, id, reason, s)
			}
		}
		if st, _ := l.Lookup("state").StringValueOK(); st != "open" {
			t.Errorf("%s: dead letter %s is %q, want open", phase, id, st)
		}
		_, payload, hasPayload := l.Lookup("payload").BinaryOK()
		switch {
		case r.item == "":
			if _, ok := l.Lookup("item_id").StringValueOK(); ok {
				t.Errorf("%s: dead letter %s of the malformed record has an item_id", phase, id)
			}
			if n, _ := l.Lookup("payload_size").AsInt64OK(); n != int64(len(r.data)) {
				t.Errorf("%s: dead letter %s: payload_size %d, want %d", phase, id, n, len(r.data))
			}
			if !hasPayload || len(payload) == 0 {
				t.Errorf("%s: dead letter %s of the malformed record keeps no payload copy", phase, id)
			}
			for _, e := range w.emails {
				if bytes.Contains(payload, []byte(e)) {
					t.Errorf("%s: dead letter %s: payload copy holds the e-mail address %q: not scrubbed", phase, id, e)
				}
			}
			// Scrubbed, not dropped: the operator still sees what came.
			if !bytes.Contains(payload, []byte(pii.Email.Placeholder())) {
				t.Errorf("%s: dead letter %s: payload copy %q lacks %s where the e-mail address was", phase, id, payload, pii.Email.Placeholder())
			}
			if l.Lookup("expire_at").Type != bson.TypeDateTime {
				t.Errorf("%s: dead letter %s: expire_at is %s, want a date (the payload copy expires)", phase, id, describe(l.Lookup("expire_at")))
			}
			if reason == "" {
				t.Errorf("%s: dead letter %s has no reason", phase, id)
			}
		default:
			if item, _ := l.Lookup("item_id").StringValueOK(); item != r.item {
				t.Errorf("%s: dead letter %s: item_id %q, want %q", phase, id, item, r.item)
			}
			if a, _ := l.Lookup("address").StringValueOK(); a != r.address {
				t.Errorf("%s: dead letter %s: address %q, want %q", phase, id, a, r.address)
			}
			if hasPayload {
				t.Errorf("%s: dead letter %s of a decoded record keeps a payload: page text must stay in Kleo's history only", phase, id)
			}
			wantReason := processor.ReasonUnknownUser
			if r.address == w.poison {
				if !strings.Contains(reason, "activity_json") {
					t.Errorf("%s: dead letter %s: reason %q, want one naming activity_json", phase, id, reason)
				}
			} else if reason != wantReason {
				t.Errorf("%s: dead letter %s: reason %q, want %q", phase, id, reason, wantReason)
			}
		}
	}
	if len(letters) != want {
		ids := make([]string, 0, len(letters))
		for id := range letters {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		t.Errorf("%s: %d dead letters %v, want %d", phase, len(letters), ids, want)
	}
}

// checkLog checks the function's log: it ran every invocation, and no page
// text or e-mail address of the fixtures reached it.
func (w *world) checkLog(t *testing.T, path string, invocations int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	if n := strings.Count(log, `"msg":"batch"`); n != invocations {
		t.Errorf("function log has %d batch lines, want one per invocation (%d): is it the function's log?\n%s", n, invocations, tail(path))
	}
	for _, s := range append(slices.Clone(w.text), w.emails...) {
		if strings.Contains(log, s) {
			t.Errorf("function log holds fixture text %q", s)
		}
	}
}

// state is what Kleo and an operator read: users without the processor's
// own kleo_stream, history and dead letters.
type state map[string]map[string]bson.Raw

func snapshot(ctx context.Context, t *testing.T, db *mongo.Database) state {
	t.Helper()
	s := state{}
	for _, coll := range []string{"users", "history", "stream_dead_letters"} {
		s[coll] = readAll(ctx, t, db, coll)
	}
	for id, u := range s["users"] {
		d := bson.D{}
		if err := bson.Unmarshal(u, &d); err != nil {
			t.Fatal(err)
		}
		d = slices.DeleteFunc(d, func(e bson.E) bool { return e.Key == "kleo_stream" })
		b, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		s["users"][id] = b
	}
	return s
}

// diff names the documents that differ between s and o, or "".
func (s state) diff(o state) string {
	var out []string
	for coll, docs := range s {
		for id, d := range docs {
			if !bytes.Equal(d, o[coll][id]) {
				out = append(out, coll+" "+id)
			}
		}
		for id := range o[coll] {
			if _, ok := docs[id]; !ok {
				out = append(out, coll+" "+id+" (new)")
			}
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// readAll returns a collection's documents as stored, by _id.
func readAll(ctx context.Context, t *testing.T, db *mongo.Database, coll string) map[string]bson.Raw {
	t.Helper()
	cur, err := db.Collection(coll).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]bson.Raw, len(docs))
	for _, d := range docs {
		id := d.Lookup("_id")
		key, ok := id.StringValueOK()
		if o, isOID := id.ObjectIDOK(); isOID {
			key, ok = o.Hex(), true
		}
		if !ok {
			t.Fatalf("%s: _id of type %v", coll, id.Type)
		}
		out[key] = d
	}
	return out
}

// indexSpecs lists a collection's indexes as their stored specifications.
func indexSpecs(ctx context.Context, t *testing.T, db *mongo.Database, coll string) []string {
	t.Helper()
	cur, err := db.Collection(coll).Indexes().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var specs []bson.Raw
	if err := cur.All(ctx, &specs); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.String()
	}
	slices.Sort(out)
	return out
}
