// Package doctor is the read-only pre-flight check of a MongoDB database
// before the processor is cut over to it (`kleo doctor`).
//
// It reads Kleo's users and history and the project's own stream_*
// collections through mongo-driver and reports what would go wrong: users
// whose address appears in more than one spelling (the processor updates
// one of them and Kleo's API may read the other), counters that are not
// numbers and activity_json, milestones or kleo_stream that are not
// objects (the processor dead-letters such a user's records), legacy
// activity keys and the forms of previous_hash present (both harmless,
// counted), history documents the decoder would reject, the indexes present
// and missing, and the project's own state (ledger entries pending, open
// dead letters by reason, archives signed but not accepted).
//
// It never writes, and it is bounded unless asked otherwise: per collection
// it reads at most Sample documents (in natural order), looks up duplicates
// of the sampled addresses through the users.address index only when that
// index exists, and takes totals from collection metadata. Full reads every
// document (in one streaming pass per collection, fields projected). The
// report names documents by _id and fields by name, never by value: page
// text and addresses stay in the database.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/record"
	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
)

// Severity orders findings.
type Severity int

const (
	Info    Severity = iota // worth knowing; nothing goes wrong
	Warning                 // some records will be dead-lettered or slow
	Blocker                 // fix before the cut-over
)

func (s Severity) String() string {
	return [...]string{"info", "WARNING", "BLOCKER"}[s]
}

// Finding is one thing the check found, with how many documents show it and
// up to a few of their _ids.
type Finding struct {
	Severity Severity
	What     string // value-free: field names and kinds only
	Count    int64
	IDs      []string // example _ids (hex), at most maxExamples
}

const maxExamples = 3

// Options bound the check.
type Options struct {
	// Sample is the most documents read per collection (default 1000).
	Sample int64
	// Full reads every document instead.
	Full bool
}

// Report is the outcome of Check.
type Report struct {
	Database string
	Full     bool
	Sample   int64
	// Estimated document counts from collection metadata.
	Users, History, Ledger, DeadLetters, Archives int64
	// Read is how many documents were examined per collection.
	UsersRead, HistoryRead int64
	Findings               []Finding
	// PreviousHash counts the forms of users.previous_hash among the users read.
	PreviousHash map[string]int64
	// LegacyKeys counts activity_json keys that are not one of the current
	// activities, among the users read.
	LegacyKeys map[string]int64
	Indexes    []Index
	// LedgerPending and LedgerCounted count the entries read in each state;
	// LettersOpen counts open dead letters by reason; ArchivesSigned counts
	// archives signed but not accepted.
	LedgerPending, LedgerCounted, LedgerRead int64
	LettersOpen                              map[string]int64
	LettersRead                              int64
	ArchivesSigned, ArchivesRead             int64
}

// Index is one index the processor's or archiver's queries need.
type Index struct {
	Collection string
	Keys       []string
	Serves     string
	Name       string // "" when missing
	Severity   Severity
}

// Blockers returns the findings that must be fixed before the cut-over.
func (r Report) Blockers() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == Blocker {
			out = append(out, f)
		}
	}
	return out
}

// Check examines db. Every query it sends is a read.
func Check(ctx context.Context, db *mongo.Database, opt Options) (Report, error) {
	if opt.Sample <= 0 {
		opt.Sample = 1000
	}
	r := Report{Database: db.Name(), Full: opt.Full, Sample: opt.Sample,
		PreviousHash: map[string]int64{}, LegacyKeys: map[string]int64{}, LettersOpen: map[string]int64{}}
	var err error
	for _, c := range []struct {
		name string
		n    *int64
	}{{"users", &r.Users}, {"history", &r.History}, {"stream_ledger", &r.Ledger}, {"stream_dead_letters", &r.DeadLetters}, {"stream_archives", &r.Archives}} {
		if *c.n, err = db.Collection(c.name).EstimatedDocumentCount(ctx); err != nil {
			return r, fmt.Errorf("doctor: counting %s: %w", c.name, err)
		}
	}
	if err := r.checkIndexes(ctx, db); err != nil {
		return r, err
	}
	if err := r.checkUsers(ctx, db, opt); err != nil {
		return r, err
	}
	if err := r.checkHistory(ctx, db, opt); err != nil {
		return r, err
	}
	if err := r.checkOwn(ctx, db, opt); err != nil {
		return r, err
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) })
	return r, nil
}

// find streams the documents of coll (at most limit, unless full) to fn.
func find(ctx context.Context, coll *mongo.Collection, filter any, proj bson.D, opt Options, fn func(bson.Raw) error) (int64, error) {
	fo := options.Find().SetBatchSize(500)
	if proj != nil {
		fo.SetProjection(proj)
	}
	if !opt.Full {
		fo.SetLimit(opt.Sample)
	}
	cur, err := coll.Find(ctx, filter, fo)
	if err != nil {
		return 0, fmt.Errorf("doctor: reading %s: %w", coll.Name(), err)
	}
	defer cur.Close(ctx)
	var n int64
	for cur.Next(ctx) {
		n++
		if err := fn(cur.Current); err != nil {
			return n, err
		}
	}
	if err := cur.Err(); err != nil {
		return n, fmt.Errorf("doctor: reading %s: %w", coll.Name(), err)
	}
	return n, nil
}

// tally gathers one finding's count and examples.
type tally map[string]*Finding

func (t tally) add(sev Severity, what string, id bson.RawValue) {
	f := t[what]
	if f == nil {
		f = &Finding{Severity: sev, What: what}
		t[what] = f
	}
	f.Count++
	if len(f.IDs) < maxExamples {
		f.IDs = append(f.IDs, idString(id))
	}
}

func (t tally) into(r *Report) {
	for _, k := range slices.Sorted(maps.Keys(t)) {
		r.Findings = append(r.Findings, *t[k])
	}
}

func idString(v bson.RawValue) string {
	if oid, ok := v.ObjectIDOK(); ok {
		return oid.Hex()
	}
	if s, ok := v.StringValueOK(); ok && len(s) <= 64 {
		return s
	}
	return "(" + v.Type.String() + " _id)"
}

func isNumber(t bson.Type) bool {
	return t == bson.TypeInt32 || t == bson.TypeInt64 || t == bson.TypeDouble || t == bson.TypeDecimal128
}

func kind(t bson.Type) string {
	switch t {
	case bson.TypeEmbeddedDocument:
		return "an object"
	case bson.TypeString:
		return "a string"
	case bson.TypeArray:
		return "an array"
	case bson.TypeBoolean:
		return "a boolean"
	case bson.TypeNull:
		return "null"
	case bson.TypeDouble:
		return "a double"
	}
	return t.String()
}

func (r *Report) checkUsers(ctx context.Context, db *mongo.Database, opt Options) error {
	users := db.Collection("users")
	t := tally{}
	spellings := map[string]map[string]bool{} // lower-case address -> spellings seen (with _id)
	ids := map[string][]bson.RawValue{}
	proj := bson.D{{Key: "address", Value: 1}, {Key: "total_data_quantity", Value: 1}, {Key: "kleo_points", Value: 1},
		{Key: "pii_removed_count", Value: 1}, {Key: "milestones", Value: 1}, {Key: "activity_json", Value: 1},
		{Key: "previous_hash", Value: 1}, {Key: "kleo_stream", Value: 1}}
	var err error
	r.UsersRead, err = find(ctx, users, bson.D{}, proj, opt, func(doc bson.Raw) error {
		id := doc.Lookup("_id")
		if a, ok := doc.Lookup("address").StringValueOK(); ok {
			low := strings.ToLower(a)
			if spellings[low] == nil {
				spellings[low] = map[string]bool{}
			}
			spellings[low][a] = true
			ids[low] = append(ids[low], id)
			if eip55.Valid(low) && a != low && a != eip55.Checksum(low) {
				t.add(Warning, "users.address neither lower-case nor EIP-55: the processor cannot find the user", id)
			}
		} else {
			t.add(Warning, "users.address missing or not a string", id)
		}
		for _, f := range []string{"total_data_quantity", "kleo_points", "pii_removed_count"} {
			v := doc.Lookup(f)
			switch {
			case v.Type == 0:
			case !isNumber(v.Type):
				t.add(Blocker, "users."+f+" is "+kind(v.Type)+", not a number", id)
			case v.Type == bson.TypeDouble:
				t.add(Info, "users."+f+" is a double (stays one under $inc)", id)
			}
		}
		if ms := doc.Lookup("milestones"); ms.Type != 0 {
			if d, ok := ms.DocumentOK(); !ok {
				t.add(Blocker, "users.milestones is "+kind(ms.Type)+", not an object", id)
			} else if v := d.Lookup("data_owned"); v.Type != 0 && !isNumber(v.Type) {
				t.add(Blocker, "users.milestones.data_owned is "+kind(v.Type)+", not a number", id)
			}
		}
		if aj := doc.Lookup("activity_json"); aj.Type != 0 {
			d, ok := aj.DocumentOK()
			if !ok {
				t.add(Blocker, "users.activity_json is "+kind(aj.Type)+", not an object", id)
			} else if els, err := d.Elements(); err == nil {
				for _, e := range els {
					if !activity.Valid(activity.Activity(e.Key())) {
						r.LegacyKeys[e.Key()]++
					}
					if !isNumber(e.Value().Type) {
						t.add(Blocker, "a users.activity_json count is "+kind(e.Value().Type)+", not a number", id)
					}
				}
			}
		}
		if ks := doc.Lookup("kleo_stream"); ks.Type != 0 {
			d, ok := ks.DocumentOK()
			switch {
			case !ok:
				t.add(Blocker, "users.kleo_stream is "+kind(ks.Type)+", not an object", id)
			case d.Lookup("v").Type != 0 && !isNumber(d.Lookup("v").Type):
				t.add(Blocker, "users.kleo_stream.v is not a number", id)
			case d.Lookup("applied").Type != 0 && d.Lookup("applied").Type != bson.TypeArray:
				t.add(Blocker, "users.kleo_stream.applied is not an array", id)
			}
		}
		r.PreviousHash[hashForm(doc.Lookup("previous_hash"))]++
		return nil
	})
	if err != nil {
		return err
	}
	// Other spellings of the sampled addresses elsewhere in the collection:
	// one indexed $in query (skipped without the index, which would make it
	// a scan; a full read has seen every document anyway).
	if !opt.Full && r.indexed("users") && len(spellings) > 0 {
		var in []string
		for low := range spellings {
			in = append(in, low, eip55.Checksum(low))
		}
		cur, err := users.Find(ctx, bson.D{{Key: "address", Value: bson.D{{Key: "$in", Value: in}}}},
			options.Find().SetProjection(bson.D{{Key: "address", Value: 1}}))
		if err != nil {
			return fmt.Errorf("doctor: looking up spellings: %w", err)
		}
		seen := map[string]bool{}
		for _, vs := range ids {
			for _, v := range vs {
				seen[idString(v)] = true
			}
		}
		for cur.Next(ctx) {
			id := cur.Current.Lookup("_id")
			if seen[idString(id)] {
				continue
			}
			a, _ := cur.Current.Lookup("address").StringValueOK()
			low := strings.ToLower(a)
			spellings[low][a] = true
			ids[low] = append(ids[low], id)
		}
		if err := cur.Err(); err != nil {
			cur.Close(ctx)
			return fmt.Errorf("doctor: looking up spellings: %w", err)
		}
		cur.Close(ctx)
	}
	for _, low := range slices.Sorted(maps.Keys(ids)) {
		if len(ids[low]) < 2 {
			continue
		}
		what := "users with one address stored twice in one spelling"
		if len(spellings[low]) > 1 {
			what = "users with one address in more than one spelling"
		}
		for _, id := range ids[low] {
			t.add(Blocker, what, id)
		}
	}
	t.into(r)
	return nil
}

// hashForm names the form of a previous_hash value.
func hashForm(v bson.RawValue) string {
	switch v.Type {
	case 0:
		return "absent"
	case bson.TypeNull:
		return "null"
	case bson.TypeBoolean:
		return fmt.Sprint(v.Boolean())
	case bson.TypeString:
		s := v.StringValue()
		switch {
		case s == "":
			return `""`
		case s == "default_hash":
			return `"default_hash"`
		case strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://"):
			host := strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
			host, _, _ = strings.Cut(host, "/")
			return "URL at " + host
		}
		return "other string"
	}
	return kind(v.Type)
}

func (r *Report) checkHistory(ctx context.Context, db *mongo.Database, opt Options) error {
	t := tally{}
	var err error
	// Decoded exactly as the processor decodes the trigger's JSON.
	r.HistoryRead, err = find(ctx, db.Collection("history"), bson.D{}, nil, opt, func(doc bson.Raw) error {
		js, err := bson.MarshalExtJSON(doc, false, false)
		if err != nil {
			t.add(Warning, "history document not representable as JSON", doc.Lookup("_id"))
			return nil
		}
		if _, err := record.Decode(js); err != nil {
			reason := "rejected by the decoder"
			var ie *record.InvalidError
			if errors.As(err, &ie) {
				reason = ie.Reason
			}
			t.add(Warning, "history document the processor would dead-letter: "+reason, doc.Lookup("_id"))
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.into(r)
	return nil
}

func (r *Report) checkOwn(ctx context.Context, db *mongo.Database, opt Options) error {
	var err error
	r.LedgerRead, err = find(ctx, db.Collection("stream_ledger"), bson.D{}, bson.D{{Key: "state", Value: 1}}, opt, func(doc bson.Raw) error {
		switch s, _ := doc.Lookup("state").StringValueOK(); s {
		case "pending":
			r.LedgerPending++
		case "counted":
			r.LedgerCounted++
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Open letters through the {state, at, _id} index the store creates.
	r.LettersRead, err = find(ctx, db.Collection("stream_dead_letters"), bson.D{{Key: "state", Value: "open"}},
		bson.D{{Key: "reason", Value: 1}}, opt, func(doc bson.Raw) error {
			reason, _ := doc.Lookup("reason").StringValueOK()
			r.LettersOpen[reason]++
			return nil
		})
	if err != nil {
		return err
	}
	r.ArchivesRead, err = find(ctx, db.Collection("stream_archives"), bson.D{}, bson.D{{Key: "status", Value: 1}}, opt, func(doc bson.Raw) error {
		if s, _ := doc.Lookup("status").StringValueOK(); s == "signed" {
			r.ArchivesSigned++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if r.LedgerPending > 0 {
		r.Findings = append(r.Findings, Finding{Severity: Info, What: "ledger entries pending (waiting for their user, or for the next batch to mark them)", Count: r.LedgerPending})
	}
	if r.ArchivesSigned > 0 {
		r.Findings = append(r.Findings, Finding{Severity: Warning, What: "archives signed but not accepted (the next sweep re-posts them)", Count: r.ArchivesSigned})
	}
	return nil
}

func (r *Report) checkIndexes(ctx context.Context, db *mongo.Database) error {
	checks, err := mongostore.CheckKleoIndexes(ctx, db)
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	for _, c := range checks {
		// Without the users index every batch's Users query scans the
		// collection; without the history one only the archiver slows.
		sev := Warning
		if c.Collection == "users" {
			sev = Blocker
		}
		r.Indexes = append(r.Indexes, Index{Collection: c.Collection, Keys: c.Keys, Serves: c.Serves, Name: c.Name, Severity: sev})
		if c.Missing() {
			r.Findings = append(r.Findings, Finding{Severity: sev,
				What: fmt.Sprintf("no index on %s {%s} (%s): `kleo indexes --create`", c.Collection, strings.Join(c.Keys, ", "), c.Serves), Count: 1})
		}
	}
	return nil
}

func (r *Report) indexed(coll string) bool {
	for _, ix := range r.Indexes {
		if ix.Collection == coll && ix.Name != "" {
			return true
		}
	}
	return false
}
