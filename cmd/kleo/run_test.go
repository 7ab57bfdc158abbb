package main

import (
	"bytes"
	"context"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
)

// playSmall plays a small production on a fresh embedded store.
func playSmall(t *testing.T) *report {
	t.Helper()
	dir := t.TempDir()
	o := runOptions{
		users: 12, late: 1, items: 40, seed: 3, pii: 0.15, malformed: 0.02, duplicates: 0.05,
		shards: 2, batch: 25, parallel: 3, discard: true, replay: true, quiet: true,
		dir: filepath.Join(dir, "data"), logFile: filepath.Join(dir, "run.log"),
	}
	ctx := context.Background()
	st, err := dial.Open(ctx, dial.Config{Dir: o.dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(ctx) })
	rep, err := playOn(ctx, st, o, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestPlayKleoProduction(t *testing.T) {
	rep := playSmall(t)
	if b := rep.books(); len(b.problems) > 0 {
		t.Fatalf("books wrong:\n%s", strings.Join(b.problems, "\n"))
	}
	var out bytes.Buffer
	if err := rep.write(&out); err != nil {
		t.Fatalf("write: %v\n%s", err, out.String())
	}
	for _, want := range []string{`books match the ground truth`, `users created by us\s+0 `, `history created by us\s+0 `,
		gen.KindPoison, gen.KindLegacy, gen.KindNoActivityJSON, `\(absent\)`, `default_hash`, `gateway\.irys\.xyz`} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	// The faults the run is about actually happened.
	if rep.doomed == nil || len(rep.doomed.seqs) == 0 || len(rep.failures) == 0 || rep.redrive.Records != len(rep.doomed.seqs) {
		t.Errorf("discarded batch: doomed %v, %d on-failure records, %d records re-driven", rep.doomed, len(rep.failures), rep.redrive.Records)
	}
	tl := rep.tallies
	if c := tl[3].Processed - tl[2].Processed; c != 0 {
		t.Errorf("the replay counted %d items", c)
	}
	if tl[1].Processed == tl[0].Processed {
		t.Error("the re-drive of the discarded batch counted nothing")
	}
	var late, poison int
	for _, tr := range rep.prod.Truth {
		if tr.Late {
			late += tr.Items
		}
		if tr.Poison {
			poison += tr.Items
		}
	}
	if c := tl[2].Processed - tl[1].Processed; c != late || late == 0 {
		t.Errorf("the dead-letter re-drive counted %d items, the late users have %d", c, late)
	}
	if rep.letters.DeadLettered != 0 || rep.letters.Done < late || poison == 0 {
		t.Errorf("dead letters re-driven: %+v; the late users have %d items, the poison user %d", rep.letters, late, poison)
	}
	if tl[3].Replayed+tl[3].Duplicates-tl[2].Replayed-tl[2].Duplicates == 0 {
		t.Error("the replay found nothing already counted")
	}
}

// TestBooksCatchWrongCounts checks that the books check fails for each way
// a processor could get Kleo's documents wrong.
func TestBooksCatchWrongCounts(t *testing.T) {
	rep := playSmall(t)
	byKind := map[string]int{}
	for i, u := range rep.final.Users {
		a, _ := u["address"].(string)
		if tr := rep.prod.Truth[strings.ToLower(a)]; tr != nil {
			if _, ok := byKind[tr.Kind]; !ok {
				byKind[tr.Kind] = i
			}
		}
	}
	for _, tc := range []struct {
		name string
		kind string
		edit func(u map[string]any)
	}{
		{"a byte too many", gen.KindExisting, func(u map[string]any) { u["total_data_quantity"] = bump(u["total_data_quantity"]) }},
		{"data_owned not grown", gen.KindExisting, func(u map[string]any) {
			ms := maps.Clone(u["milestones"].(map[string]any))
			ms["data_owned"] = bump(ms["data_owned"])
			u["milestones"] = ms
		}},
		{"an activity counted twice", gen.KindExisting, func(u map[string]any) {
			acts := maps.Clone(u["activity_json"].(map[string]any))
			k := slices.Sorted(maps.Keys(acts))[0]
			acts[k] = bump(acts[k])
			u["activity_json"] = acts
		}},
		{"a legacy key touched", gen.KindLegacy, func(u map[string]any) {
			acts := maps.Clone(u["activity_json"].(map[string]any))
			acts[gen.LegacyActivities[0]] = bump(acts[gen.LegacyActivities[0]])
			u["activity_json"] = acts
		}},
		{"a counter stored as a double", gen.KindExisting, func(u map[string]any) {
			n, _ := integer(u["total_data_quantity"])
			u["total_data_quantity"] = float64(n)
		}},
		{"a Kleo field changed", gen.KindExisting, func(u map[string]any) { u["slug"] = "other" }},
		{"points per item", gen.KindExisting, func(u map[string]any) { u["kleo_points"] = bump(u["kleo_points"]) }},
		{"previous_hash rewritten", gen.KindFalseHash, func(u map[string]any) { u["previous_hash"] = "" }},
		{"the poison user touched", gen.KindPoison, func(u map[string]any) { u["kleo_points"] = bump(u["kleo_points"]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i, ok := byKind[tc.kind]
			if !ok {
				t.Fatalf("no user of kind %q", tc.kind)
			}
			r := *rep
			r.final.Users = slices.Clone(rep.final.Users)
			u := norm(rep.final.Users[i]).(map[string]any)
			tc.edit(u)
			r.final.Users[i] = bson.M(u)
			if b := r.books(); len(b.problems) == 0 {
				t.Error("books check passed")
			}
			if err := r.write(&bytes.Buffer{}); err == nil {
				t.Error("write reported no error")
			}
		})
	}
	t.Run("a user created", func(t *testing.T) {
		r := *rep
		r.final.Users = append(slices.Clone(rep.final.Users), bson.M{"address": "0x" + strings.Repeat("ab", 20)})
		if b := r.books(); len(b.problems) == 0 {
			t.Error("books check passed")
		}
	})
	t.Run("a history document created", func(t *testing.T) {
		r := *rep
		r.final.History = append(slices.Clone(rep.final.History), bson.M{"_id": "x"})
		if b := r.books(); len(b.problems) == 0 {
			t.Error("books check passed")
		}
	})
}

func bump(v any) any {
	switch n := v.(type) {
	case int32:
		return n + 1
	case int64:
		return n + 1
	}
	return v
}

func TestUnchanged(t *testing.T) {
	u := bson.M{"address": "0xab", "kleo_points": int32(0), "kleo_stream": bson.M{"v": int64(1), "applied": bson.A{"a"}}}
	d := store.Dump{Users: []bson.M{u}, Ledger: []store.Entry{{ID: "a", State: store.Pending, Bytes: 3}}}
	same := store.Dump{Users: []bson.M{{"address": "0xab", "kleo_points": int32(0), "kleo_stream": bson.M{"v": int64(2), "applied": bson.A{}}}},
		Ledger: []store.Entry{{ID: "a", State: store.Counted, Bytes: 3}}}
	if diff := unchanged(d, same); diff != "" {
		t.Errorf("bookkeeping reported as a change: %s", diff)
	}
	for name, other := range map[string]store.Dump{
		"counter": {Users: []bson.M{{"address": "0xab", "kleo_points": int32(12)}}, Ledger: d.Ledger},
		"type":    {Users: []bson.M{{"address": "0xab", "kleo_points": int64(0)}}, Ledger: d.Ledger},
		"effect":  {Users: d.Users, Ledger: []store.Entry{{ID: "a", State: store.Pending, Bytes: 4}}},
		"letters": {Users: d.Users, Ledger: d.Ledger, DeadLetters: []store.DeadLetter{{ID: "s/1"}}},
	} {
		if unchanged(d, other) == "" {
			t.Errorf("%s: change not seen", name)
		}
	}
}
