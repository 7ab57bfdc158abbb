package main

import (
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/redrive"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// report is what `kleo run` prints: the totals, what Kleo's dashboard shows
// for a few users, and the books checked against the generator's ground
// truth.
type report struct {
	prod          *gen.Production
	seeded, final store.Dump // after seeding; at the end
	records       int        // in the stream
	rejected      int        // refused by PutRecord
	shards, lanes int
	batch         int
	stats         esm.Stats
	took, genTook time.Duration
	// tallies are the processor's reports added up after the stream, the
	// re-drive of the discarded batch, the re-drive of the dead letters and
	// the replay.
	tallies     [4]processor.Report
	failures    []esm.OnFailureRecord
	doomed      *doom
	redrive     redrive.Summary // of the discarded batch
	redriveTook time.Duration
	letters     redrive.Summary // of the dead letters
	lettersTook time.Duration
	replayNote  string
	logFile     string
}

// ownedFields are the users fields the processor may change (besides its
// own kleo_stream subdocument).
var ownedFields = []string{"total_data_quantity", "activity_json", "kleo_points", "pii_removed_count", "previous_hash"}

// write prints the report and returns an error when the books are wrong.
func (r *report) write(w io.Writer) error {
	p := r.prod
	var dups, malformed, eipKeys int
	for _, rec := range p.Records {
		switch {
		case rec.Duplicate:
			dups++
		case rec.Malformed:
			malformed++
		}
		if rec.PartitionKey != rec.Address {
			eipKeys++
		}
	}
	t := r.tallies
	already := func(r processor.Report) int { return r.Replayed + r.Duplicates }
	books := r.books()

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nKleo stream processor — run summary\t")
	fmt.Fprintf(tw, "seeded (as Kleo's backend)\t%d users, %d history documents; %d more users sign up after their history streamed\n", len(p.Users), len(p.History), len(p.Late))
	fmt.Fprintf(tw, "records in stream\t%d  (%d producer duplicates, %d malformed, %d oversized refused by PutRecord; keys: %d EIP-55, %d lower-case)\n",
		r.records, dups, malformed, r.rejected, eipKeys, len(p.Records)-eipKeys)
	fmt.Fprintf(tw, "delivery\t%d shards × %d lanes, batch %d: %d invocations (%d failed, %d bisections), %d records discarded\n",
		r.shards, r.lanes, r.batch, r.stats.Invocations, r.stats.BatchesFailed, r.stats.Bisections, r.stats.RecordsDiscarded)
	fmt.Fprintf(tw, "records/s\t%.0f  (%d records in %v; generating and seeding took %v)\n",
		float64(r.records)/r.took.Seconds(), r.records, r.took.Round(time.Millisecond), r.genTook.Round(time.Millisecond))
	fmt.Fprintf(tw, "items counted\t%d  (stream %d, discarded batch re-driven %d, dead letters re-driven %d, replay %d)\n",
		t[3].Processed, t[0].Processed, t[1].Processed-t[0].Processed, t[2].Processed-t[1].Processed, t[3].Processed-t[2].Processed)
	fmt.Fprintf(tw, "already counted\t%d records  (producer duplicates and retries %d, replay %d)\n",
		already(t[3]), already(t[2]), already(t[3])-already(t[2]))
	fmt.Fprintf(tw, "guard conflicts\t%d  (records retried: %d)\n", t[3].Conflicts, t[3].Failed)
	if r.doomed != nil {
		fmt.Fprintf(tw, "discarded batch\t%d records of %s lane %d failed %d deliveries (retries, bisections) and were discarded;\n",
			len(r.doomed.seqs), r.doomed.shard, r.doomed.lane, r.doomed.n)
		fmt.Fprintf(tw, "\tre-read from the stream by the %d on-failure records' sequence ranges and re-driven in %d invocations (%v)\n",
			r.redrive.Batches, r.redrive.Invocations, r.redriveTook.Round(time.Millisecond))
	}
	fmt.Fprintf(tw, "dead letters re-driven\t%d of unknown users after the late sign-ups: %d done, %d dead-lettered again (%d invocations, %v)\n",
		r.letters.Batches, r.letters.Done, r.letters.DeadLettered, r.letters.Invocations, r.lettersTook.Round(time.Millisecond))
	fmt.Fprintf(tw, "replay\t%s\n", r.replayNote)
	fmt.Fprintf(tw, "users created by us\t%d  (must be 0)\n", len(r.final.Users)-len(p.Users)-len(p.Late))
	fmt.Fprintf(tw, "history created by us\t%d  (must be 0)\n", len(r.final.History)-len(p.History))
	fmt.Fprintf(tw, "PII findings removed\t%d  %s\n", books.pii, top(books.piiByType, 5))
	if books.labelled > 0 {
		fmt.Fprintf(tw, "classifier vs generator\t%.1f%% agree (%d items)\n", 100*float64(books.agree)/float64(books.labelled), books.labelled)
	}
	fmt.Fprintf(tw, "handler log\t%s\n", r.logFile)
	tw.Flush()

	fmt.Fprintln(w, "\ndead letters by reason")
	reasons := sorted(books.reasons)
	for i, kv := range reasons {
		if i == 8 && len(reasons) > 9 {
			var n int64
			for _, kv := range reasons[i:] {
				n += kv.v
			}
			fmt.Fprintf(w, "  %5d  (%d other reasons of malformed records)\n", n, len(reasons)-i)
			break
		}
		fmt.Fprintf(w, "  %5d  %s\n", kv.v, kv.k)
	}

	fmt.Fprintln(w, "\nwhat Kleo's dashboard shows (users.<field> as stored)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  address\tkind\tdata owned\tpoints\tprevious_hash\ttop activities")
	for _, u := range books.shown {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", u.address, u.kind, u.dataOwned, u.points, u.prevHash, u.top)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nbooks against the generator's ground truth")
	for _, l := range books.lines {
		fmt.Fprintf(w, "  %s\n", l)
	}
	if len(books.problems) > 0 {
		for _, pr := range books.problems[:min(len(books.problems), 20)] {
			fmt.Fprintf(w, "  WRONG: %s\n", pr)
		}
		return fmt.Errorf("the books do not match the ground truth (%d problems)", len(books.problems))
	}
	fmt.Fprintln(w, "  books match the ground truth")
	return nil
}

type shownUser struct{ address, kind, dataOwned, points, prevHash, top string }

type booksResult struct {
	lines, problems []string
	shown           []shownUser
	reasons         map[string]int64
	pii             int64
	piiByType       map[string]int64
	agree, labelled int
}

// books checks every user document against the ground truth: what the
// processor added is exactly the byte length of each distinct item's record
// and one activity count per item, nothing else of Kleo's changed, the
// poison user is untouched, and the books agree with the ledger.
func (r *report) books() booksResult {
	p := r.prod
	res := booksResult{reasons: map[string]int64{}, piiByType: map[string]int64{}}
	bad := func(format string, args ...any) { res.problems = append(res.problems, fmt.Sprintf(format, args...)) }
	if n := len(r.final.Users) - len(p.Users) - len(p.Late); n != 0 {
		bad("%d user documents created by the processor", n)
	}
	if n := len(r.final.History) - len(p.History); n != 0 {
		bad("%d history documents created by the processor", n)
	}

	before := map[string]map[string]any{}
	for _, u := range r.seeded.Users {
		m := norm(u).(map[string]any)
		before[str(m["address"])] = m
	}
	for _, u := range p.Late {
		m := norm(u).(map[string]any)
		before[str(m["address"])] = m
	}
	after := map[string]map[string]any{}
	applied := map[string]bool{}
	for _, u := range r.final.Users {
		m := norm(u).(map[string]any)
		a := str(m["address"])
		if after[a] != nil {
			bad("two user documents with address %s", a)
		}
		after[a] = m
		if ks, ok := m["kleo_stream"].(map[string]any); ok {
			ids, _ := ks["applied"].([]any)
			for _, id := range ids {
				applied[str(id)] = true
			}
		}
	}
	type ledgerSum struct {
		items, pii int64
		bytes      int64
		acts       map[string]int64
	}
	ledger := map[string]*ledgerSum{}
	truthLabel := map[string]string{}
	for _, rec := range p.Records {
		if !rec.Malformed && !rec.Duplicate {
			truthLabel[rec.ID] = string(rec.Activity)
		}
	}
	counted := 0
	for _, e := range r.final.Ledger {
		if e.State != store.Counted && !applied[e.ID] {
			continue
		}
		counted++
		s := ledger[e.Address]
		if s == nil {
			s = &ledgerSum{acts: map[string]int64{}}
			ledger[e.Address] = s
		}
		s.items++
		s.bytes += e.Bytes
		s.pii += e.PII
		s.acts[e.Activity]++
		res.pii += e.PII
		for k, v := range e.Findings {
			res.piiByType[k] += v
		}
		if want, ok := truthLabel[e.ID]; ok {
			res.labelled++
			if want == e.Activity {
				res.agree++
			}
		}
	}
	open := map[string]int{} // distinct items waiting in open letters, per user
	waiting := map[string]bool{}
	for _, dl := range r.final.DeadLetters {
		res.reasons[dl.State+": "+dl.Reason]++
		if dl.State == store.LetterOpen && dl.ItemID != "" && !waiting[dl.ItemID] {
			waiting[dl.ItemID] = true
			open[dl.Address]++
		}
	}

	current := map[string]bool{}
	for _, a := range activity.All() {
		current[string(a)] = true
	}
	var users, items, late int
	var bytes int64
	var poisoned []string
	shownKinds := map[string]bool{}
	addrs := slices.Sorted(maps.Keys(p.Truth))
	for _, lower := range addrs {
		t := p.Truth[lower]
		b, a := before[t.Address], after[t.Address]
		if a == nil {
			bad("%s: user document gone", t.Address)
			continue
		}
		if !shownKinds[t.Kind] {
			shownKinds[t.Kind] = true
			res.shown = append(res.shown, dashboard(t, a))
		}
		led := ledger[lower]
		if led == nil {
			led = &ledgerSum{acts: map[string]int64{}}
		}
		if t.Poison {
			poisoned = append(poisoned, fmt.Sprintf("%s (%d items)", t.Kind, t.Items))
			if !reflect.DeepEqual(without(b, "kleo_stream"), without(a, "kleo_stream")) {
				bad("%s: the document that cannot take the update was changed", t.Address)
			}
			if led.items != 0 || open[lower] != t.Items {
				bad("%s (poison): %d items counted, %d waiting in dead letters, want 0 and %d", t.Address, led.items, open[lower], t.Items)
			}
			continue
		}
		wantItems, wantBytes := int64(t.Items), t.Bytes
		if open[lower] != 0 {
			bad("%s: %d items still waiting in dead letters", t.Address, open[lower])
		}
		if !reflect.DeepEqual(kleoFields(b), kleoFields(a)) {
			bad("%s: fields the processor does not own changed", t.Address)
		}
		ms, _ := a["milestones"].(map[string]any)
		total, ok1 := integer(a["total_data_quantity"])
		owned, ok2 := integer(ms["data_owned"])
		points, ok3 := integer(a["kleo_points"])
		if !ok1 || !ok2 || !ok3 {
			bad("%s: a counter is not an integer (%T %T %T)", t.Address, a["total_data_quantity"], ms["data_owned"], a["kleo_points"])
		}
		if total-t.Seeded.TotalDataQuantity != wantBytes || owned-t.Seeded.DataOwned != wantBytes {
			bad("%s: data grew by %d / %d bytes, want %d", t.Address, total-t.Seeded.TotalDataQuantity, owned-t.Seeded.DataOwned, wantBytes)
		}
		if points != t.Seeded.KleoPoints {
			bad("%s: kleo_points %d, want %d (no points per item)", t.Address, points, t.Seeded.KleoPoints)
		}
		if !reflect.DeepEqual(b["previous_hash"], a["previous_hash"]) {
			bad("%s: previous_hash changed before any archive", t.Address)
		}
		acts, _ := a["activity_json"].(map[string]any)
		if _, present := a["activity_json"]; present && acts == nil {
			bad("%s: activity_json is %T", t.Address, a["activity_json"])
		}
		var added int64
		for k, v := range acts {
			n, ok := integer(v)
			if !ok {
				bad("%s: activity_json.%s is %T", t.Address, k, v)
			}
			d := n - t.Seeded.Activities[k]
			if !current[k] {
				if d != 0 {
					bad("%s: legacy activity %s changed", t.Address, k)
				}
				continue
			}
			added += d
			if d != led.acts[k] {
				bad("%s: activity_json.%s grew by %d, the ledger counts %d", t.Address, k, d, led.acts[k])
			}
		}
		if added != wantItems || led.items != wantItems || led.bytes != wantBytes {
			bad("%s: %d activity counts added, ledger %d items %d bytes; want %d items %d bytes", t.Address, added, led.items, led.bytes, wantItems, wantBytes)
		}
		if v, present := a["pii_removed_count"]; present || led.pii > 0 {
			if n, ok := integer(v); !ok || n != led.pii {
				bad("%s: pii_removed_count %v, the ledger says %d", t.Address, v, led.pii)
			}
		}
		users++
		if t.Late {
			late++
		}
		items += int(wantItems)
		bytes += wantBytes
	}
	res.lines = append(res.lines,
		fmt.Sprintf("%d users: total_data_quantity and milestones.data_owned grew by exactly the bytes of each distinct item's record (%d bytes),", users, bytes),
		fmt.Sprintf("  activity_json by one count per distinct item (%d items, equal to the ledger per activity); legacy keys, points, previous_hash untouched;", items),
		"  every other field of Kleo's documents as the backend wrote it; integers stay integers",
		fmt.Sprintf("  (%d of them signed up late and were counted by the dead-letter re-drive)", late),
		fmt.Sprintf("untouched, every item waiting in an open dead letter: %s", strings.Join(poisoned, ", ")),
		fmt.Sprintf("ledger: %d items counted of %d entries", counted, len(r.final.Ledger)))
	return res
}

// dashboard is the row Kleo's dashboard would show for the user.
func dashboard(t *gen.Truth, u map[string]any) shownUser {
	ms, _ := u["milestones"].(map[string]any)
	owned, _ := integer(ms["data_owned"])
	points, _ := integer(u["kleo_points"])
	s := shownUser{
		address: t.Address[:10] + "…", kind: t.Kind,
		dataOwned: fmt.Sprintf("%d", owned), points: fmt.Sprintf("%d", points),
	}
	switch v, ok := u["previous_hash"]; {
	case !ok:
		s.prevHash = "(absent)"
	case v == "":
		s.prevHash = `""`
	default:
		s.prevHash = fmt.Sprintf("%v", v)
		if len(s.prevHash) > 40 {
			s.prevHash = s.prevHash[:40] + "…"
		}
	}
	switch acts := u["activity_json"].(type) {
	case map[string]any:
		m := map[string]int64{}
		for k, v := range acts {
			m[k], _ = integer(v)
		}
		var parts []string
		for i, kv := range sorted(m) {
			if i == 3 {
				break
			}
			parts = append(parts, fmt.Sprintf("%s %d", kv.k, kv.v))
		}
		s.top = strings.Join(parts, ", ")
	case nil:
		s.top = "(no activity_json)"
	default:
		s.top = fmt.Sprintf("(activity_json is a %T)", acts)
	}
	return s
}

// kleoFields is a user document without what the processor owns.
func kleoFields(u map[string]any) map[string]any {
	out := without(u, append(ownedFields, "kleo_stream")...)
	if ms, ok := out["milestones"].(map[string]any); ok {
		out["milestones"] = without(ms, "data_owned")
	}
	return out
}

func without(m map[string]any, keys ...string) map[string]any {
	out := maps.Clone(m)
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// unchanged compares two dumps as Kleo and the books see them: users
// without the processor's kleo_stream subdocument (a replay may clear its
// applied list), the ledger's effects, history and the dead letters.
func unchanged(a, b store.Dump) string {
	if len(a.Users) != len(b.Users) || len(a.History) != len(b.History) {
		return fmt.Sprintf("%d→%d users, %d→%d history documents", len(a.Users), len(b.Users), len(a.History), len(b.History))
	}
	for i := range a.Users {
		x, y := without(norm(a.Users[i]).(map[string]any), "kleo_stream"), without(norm(b.Users[i]).(map[string]any), "kleo_stream")
		if !reflect.DeepEqual(x, y) {
			return fmt.Sprintf("user %v: %s", x["address"], fieldDiff(x, y))
		}
	}
	if len(a.Ledger) != len(b.Ledger) {
		return fmt.Sprintf("%d→%d ledger entries", len(a.Ledger), len(b.Ledger))
	}
	for i := range a.Ledger {
		x, y := a.Ledger[i], b.Ledger[i]
		x.State, y.State = "", "" // Pending→Counted is bookkeeping, not an effect
		if !reflect.DeepEqual(x, y) {
			return "ledger entry " + x.ID
		}
	}
	// Dead letters by what they hold: a history item, or an undecodable
	// record. (Whether a producer duplicate in the same batch as its
	// original gets a letter of its own depends on the batching.)
	if x, y := letterKeys(a.DeadLetters), letterKeys(b.DeadLetters); !maps.Equal(x, y) {
		var added []string
		for k := range y {
			if !x[k] {
				added = append(added, k)
			}
		}
		return fmt.Sprintf("dead letters for %d items or records → %d (new: %s)", len(x), len(y), strings.Join(added, ", "))
	}
	return ""
}

// letterKeys are the items (history _id) and undecodable records (letter
// id) that dead letters hold.
func letterKeys(dls []store.DeadLetter) map[string]bool {
	out := map[string]bool{}
	for _, dl := range dls {
		if dl.ItemID != "" {
			out["item "+dl.ItemID] = true
		} else {
			out["record "+dl.ID] = true
		}
	}
	return out
}

// fieldDiff names the first top-level field that differs, with the types
// (never the values: they may be page text).
func fieldDiff(x, y map[string]any) string {
	keys := slices.Sorted(maps.Keys(x))
	for k := range y {
		if _, ok := x[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if !reflect.DeepEqual(x[k], y[k]) {
			return fmt.Sprintf("field %s (%T → %T)", k, x[k], y[k])
		}
	}
	return "no field"
}

// norm turns a decoded BSON value into plain maps and slices, so documents
// compare with reflect.DeepEqual whatever container types the store used.
func norm(v any) any {
	switch x := v.(type) {
	case bson.M:
		return normMap(x)
	case map[string]any:
		return normMap(x)
	case bson.D:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.Key] = norm(e.Value)
		}
		return m
	case bson.A:
		return normSlice(x)
	case []any:
		return normSlice(x)
	}
	return v
}

func normMap(x map[string]any) map[string]any {
	m := make(map[string]any, len(x))
	for k, e := range x {
		m[k] = norm(e)
	}
	return m
}

func normSlice(x []any) []any {
	s := make([]any, len(x))
	for i, e := range x {
		s[i] = norm(e)
	}
	return s
}

func str(v any) string { s, _ := v.(string); return s }

// integer reads a BSON integer; doubles and anything else are not.
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int32:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

type kv struct {
	k string
	v int64
}

func sorted[V int | int64](m map[string]V) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, int64(v)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].v != out[j].v {
			return out[i].v > out[j].v
		}
		return out[i].k < out[j].k
	})
	return out
}

func top(m map[string]int64, n int) string {
	var parts []string
	for i, kv := range sorted(m) {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s=%d", kv.k, kv.v))
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, " ") + ")"
}
