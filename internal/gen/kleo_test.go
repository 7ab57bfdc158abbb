package gen

import (
	"bytes"
	"encoding/hex"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/eip55"
)

var kleoCfg = KleoConfig{Config: Config{Users: 40, ItemsPerUser: 30, Seed: 9, PIIRate: 0.15, MalformedRate: 0.02, DuplicateRate: 0.05}, Late: 2}

func kleoProduction(t *testing.T) *Production {
	t.Helper()
	p, err := Kleo(kleoCfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKleoDeterministic(t *testing.T) {
	a, b := kleoProduction(t), kleoProduction(t)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two data sets from the same config differ")
	}
	cfg := kleoCfg
	cfg.Seed++
	c, err := Kleo(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Records[0].Data, c.Records[0].Data) || a.Users[0]["address"] == c.Users[0]["address"] {
		t.Fatal("another seed gives the same data set")
	}
	if _, err := Kleo(KleoConfig{Config: Config{Users: 1, ItemsPerUser: 1}, Late: -1}); err == nil {
		t.Error("negative Late accepted")
	}
}

// userFields are the fields of a user document as Kleo's backend creates
// it; activity_json and previous_hash may be absent.
var userFields = []string{"_id", "about", "activity_json", "address", "badges", "content_tags", "first_time_user",
	"identity_json", "kleo_points", "last_attested", "milestones", "name", "pfp", "previous_hash", "referee",
	"referrals", "settings", "slug", "stage", "total_data_quantity", "verified"}

func isInt(v any) bool {
	switch v.(type) {
	case int32, int64:
		return true
	}
	return false
}

func asInt(v any) int64 {
	switch n := v.(type) {
	case int32:
		return int64(n)
	case int64:
		return n
	}
	return math.MinInt64
}

func TestKleoUsersHaveKleoShapes(t *testing.T) {
	p := kleoProduction(t)
	if len(p.Users) != kleoCfg.Users || len(p.Late) != kleoCfg.Late {
		t.Fatalf("%d users and %d late, want %d and %d", len(p.Users), len(p.Late), kleoCfg.Users, kleoCfg.Late)
	}
	hashForms := map[string]int{}
	kinds := map[string]int{}
	var legacy, poison, int64s int
	ids := map[bson.ObjectID]bool{}
	for i, u := range append(slices.Clone(p.Users), p.Late...) {
		var keys []string
		for k := range u {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !slices.Contains(userFields, k) {
				t.Errorf("user %d: unexpected field %q", i, k)
			}
		}
		for _, k := range userFields {
			if _, ok := u[k]; !ok && k != "activity_json" && k != "previous_hash" {
				t.Errorf("user %d: no %s", i, k)
			}
		}
		id, ok := u["_id"].(bson.ObjectID)
		if !ok || ids[id] {
			t.Errorf("user %d: _id %v not a new ObjectID", i, u["_id"])
		}
		ids[id] = true
		addr, _ := u["address"].(string)
		lower := strings.ToLower(addr)
		if !eip55.Valid(addr) || addr != eip55.Checksum(lower) || addr == lower {
			t.Errorf("user %d: address %q is not EIP-55", i, addr)
		}
		if u["slug"] != lower[2:8] {
			t.Errorf("user %d: slug %v for %s", i, u["slug"], addr)
		}
		tr := p.Truth[lower]
		if tr == nil || tr.Address != addr {
			t.Fatalf("user %d: no ground truth for %s", i, addr)
		}
		kinds[tr.Kind]++
		if _, ok := u["stage"].(int32); !ok {
			t.Errorf("user %d: stage %T", i, u["stage"])
		}
		ms, ok := u["milestones"].(bson.M)
		if !ok {
			t.Fatalf("user %d: milestones %T", i, u["milestones"])
		}
		for _, c := range []any{u["kleo_points"], u["total_data_quantity"], ms["data_owned"], ms["referred_count"]} {
			if !isInt(c) {
				t.Errorf("user %d: counter of type %T", i, c)
			}
		}
		if _, ok := u["total_data_quantity"].(int64); ok {
			int64s++
			if asInt(u["total_data_quantity"]) <= math.MaxInt32 {
				t.Errorf("user %d: int64 counter %v fits an int32", i, u["total_data_quantity"])
			}
		}
		if _, ok := ms["tweet_activity_graph"].(bool); !ok {
			t.Errorf("user %d: milestones.tweet_activity_graph %T", i, ms["tweet_activity_graph"])
		}
		if asInt(u["total_data_quantity"]) != tr.Seeded.TotalDataQuantity || asInt(ms["data_owned"]) != tr.Seeded.DataOwned || asInt(u["kleo_points"]) != tr.Seeded.KleoPoints {
			t.Errorf("user %d: counters differ from Truth.Seeded", i)
		}
		switch aj := u["activity_json"].(type) {
		case nil:
			if _, present := u["activity_json"]; present || tr.Seeded.Activities != nil {
				t.Errorf("user %d: activity_json null or seeded %v", i, tr.Seeded.Activities)
			}
		case string:
			poison++
			if !tr.Poison || tr.Kind != KindPoison {
				t.Errorf("user %d: activity_json %q but not marked poison", i, aj)
			}
		case bson.M:
			got := map[string]int64{}
			for k, v := range aj {
				if _, ok := v.(int32); !ok {
					t.Errorf("user %d: activity_json.%s is %T", i, k, v)
				}
				got[k] = asInt(v)
				if slices.Contains(LegacyActivities, k) {
					legacy++
				} else if !activity.Valid(activity.Activity(k)) {
					t.Errorf("user %d: activity_json key %q", i, k)
				}
			}
			if !reflect.DeepEqual(got, tr.Seeded.Activities) {
				t.Errorf("user %d: activity_json %v, seeded %v", i, got, tr.Seeded.Activities)
			}
		default:
			t.Errorf("user %d: activity_json %T", i, aj)
		}
		ph, present := u["previous_hash"]
		switch v := ph.(type) {
		case nil:
			if present {
				t.Errorf("user %d: previous_hash null", i)
			}
			hashForms["absent"]++
		case bool:
			if v {
				t.Errorf("user %d: previous_hash true", i)
			}
			hashForms["false"]++
		case string:
			switch {
			case v == "" || v == "default_hash":
				hashForms[`"`+v+`"`]++
			case regexp.MustCompile(`^https://gateway\.irys\.xyz/[A-Za-z0-9_-]{43}$`).MatchString(v):
				hashForms["irys"]++
			default:
				t.Errorf("user %d: previous_hash %q", i, v)
			}
		default:
			t.Errorf("user %d: previous_hash %T", i, ph)
		}
	}
	for _, f := range []string{"absent", "false", `""`, `"default_hash"`, "irys"} {
		if hashForms[f] == 0 {
			t.Errorf("no user with previous_hash %s (%v)", f, hashForms)
		}
	}
	for _, k := range []string{KindPoison, KindNoActivityJSON, KindLegacy, KindFalseHash, KindInt64, KindLate, KindExisting, KindFresh} {
		if kinds[k] == 0 {
			t.Errorf("no user of kind %q (%v)", k, kinds)
		}
	}
	if poison != 1 || legacy == 0 || int64s != 1 {
		t.Errorf("%d poison users, %d legacy keys, %d int64 users; want 1, some, 1", poison, legacy, int64s)
	}
}

var historyFields = []string{"_id", "address", "category", "create_timestamp", "domain", "subcategory", "summary", "title", "url", "visitTime"}

// TestKleoRecordsAreTheHistoryDocuments parses each record with the
// driver's Extended JSON reader, independently of the generator, and
// compares it with the save-history document it was made from.
func TestKleoRecordsAreTheHistoryDocuments(t *testing.T) {
	p := kleoProduction(t)
	lowerHex := regexp.MustCompile(`^0x[0-9a-f]{40}$`)
	docs := map[string]bson.M{}
	var emptyDomain, fraction int
	for i, h := range p.History {
		var keys []string
		for k := range h {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, historyFields) {
			t.Fatalf("history %d: fields %v", i, keys)
		}
		if _, ok := h["_id"].(bson.ObjectID); !ok {
			t.Fatalf("history %d: _id %T", i, h["_id"])
		}
		if a, _ := h["address"].(string); !lowerHex.MatchString(a) {
			t.Errorf("history %d: address %q not lower case", i, h["address"])
		}
		v, ok := h["visitTime"].(float64)
		c, ok2 := h["create_timestamp"].(int32)
		if !ok || !ok2 || int64(c) < int64(v)/1000 {
			t.Errorf("history %d: visitTime %T %v, create_timestamp %T %v", i, h["visitTime"], h["visitTime"], h["create_timestamp"], h["create_timestamp"])
		}
		if v != math.Trunc(v) {
			fraction++
		}
		for _, f := range []string{"title", "category", "subcategory", "url", "domain", "summary"} {
			if _, ok := h[f].(string); !ok {
				t.Errorf("history %d: %s %T", i, f, h[f])
			}
		}
		if h["domain"] == "" {
			emptyDomain++
		}
		docs[HexID(h)] = h
	}
	if fraction < len(p.History)*9/10 || emptyDomain < len(p.History)/3 {
		t.Errorf("%d of %d visitTimes with a fraction, %d empty domains", fraction, len(p.History), emptyDomain)
	}

	encodings := map[string]int{}
	first := map[string][]byte{}
	keys := map[string]map[string]bool{}
	var dups, malformed int
	for i, r := range p.Records {
		if r.Malformed {
			malformed++
			continue
		}
		if keys[r.Address] == nil {
			keys[r.Address] = map[string]bool{}
		}
		keys[r.Address][r.PartitionKey] = true
		if strings.ToLower(r.PartitionKey) != r.Address || (r.PartitionKey != r.Address && r.PartitionKey != eip55.Checksum(r.Address)) {
			t.Errorf("record %d: partition key %q for %s", i, r.PartitionKey, r.Address)
		}
		if r.Duplicate {
			dups++
			if !bytes.Equal(r.Data, first[r.ID]) {
				t.Errorf("record %d: duplicate of %s with other bytes", i, r.ID)
			}
			continue
		}
		first[r.ID] = r.Data
		h := docs[r.ID]
		if h == nil {
			t.Fatalf("record %d: no history document %s", i, r.ID)
		}
		var m bson.M
		if err := bson.UnmarshalExtJSON(r.Data, false, &m); err != nil {
			t.Fatalf("record %d: %v\n%s", i, err, r.Data)
		}
		switch {
		case bytes.Contains(r.Data, []byte(`"$numberDouble"`)):
			encodings["canonical"]++
		case bytes.HasPrefix(r.Data, []byte(`{"_id":{"$oid"`)):
			encodings["relaxed"]++
		case bytes.HasPrefix(r.Data, []byte(`{"_id":"`)) && !bytes.Contains(r.Data, []byte(`{"$`)):
			encodings["plain"]++
		default:
			t.Errorf("record %d: encoding not recognised: %.120s", i, r.Data)
		}
		if s, ok := m["_id"].(string); ok {
			var id bson.ObjectID
			if _, err := hex.Decode(id[:], []byte(s)); err != nil || len(s) != 24 {
				t.Fatalf("record %d: _id %q", i, s)
			}
			m["_id"] = id
		}
		switch n := m["visitTime"].(type) {
		case int64: // a visit without a fraction, written as JSON would
			m["visitTime"] = float64(n)
		case int32:
			m["visitTime"] = float64(n)
		}
		if n, ok := m["create_timestamp"].(int64); ok {
			m["create_timestamp"] = int32(n)
		}
		if !reflect.DeepEqual(m, h) {
			t.Errorf("record %d is not its history document:\n got %v\nwant %v", i, m, h)
		}
	}
	if encodings["plain"] < len(p.History)/2 || encodings["relaxed"] == 0 || encodings["canonical"] == 0 {
		t.Errorf("encodings %v", encodings)
	}
	if dups == 0 || malformed == 0 {
		t.Errorf("%d duplicates, %d malformed", dups, malformed)
	}
	both := 0
	for _, ks := range keys {
		if len(ks) == 2 {
			both++
		}
	}
	if both < len(keys)*9/10 {
		t.Errorf("%d of %d users' records use both spellings of the partition key", both, len(keys))
	}
}

// TestKleoTruth recomputes each user's ground truth from the records.
func TestKleoTruth(t *testing.T) {
	p := kleoProduction(t)
	type sum struct {
		items   int
		bytes   int64
		records int
	}
	got := map[string]*sum{}
	seen := map[string]bool{}
	for _, r := range p.Records {
		if r.Malformed {
			continue
		}
		s := got[r.Address]
		if s == nil {
			s = &sum{}
			got[r.Address] = s
		}
		s.records++
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		s.items++
		s.bytes += int64(len(r.Data))
	}
	if len(p.Truth) != kleoCfg.Users+kleoCfg.Late {
		t.Fatalf("%d truths for %d users", len(p.Truth), kleoCfg.Users+kleoCfg.Late)
	}
	items, late := 0, 0
	for a, tr := range p.Truth {
		s := got[a]
		if s == nil || tr.Items != s.items || tr.Bytes != s.bytes || tr.Records != s.records {
			t.Errorf("%s: truth %d items %d bytes %d records, records say %+v", a, tr.Items, tr.Bytes, tr.Records, s)
		}
		n := 0
		for _, c := range tr.Labels {
			n += c
		}
		if n != tr.Items {
			t.Errorf("%s: %d labels for %d items", a, n, tr.Items)
		}
		items += tr.Items
		if tr.Late {
			late++
			if tr.Kind != KindLate {
				t.Errorf("%s: late user of kind %q", a, tr.Kind)
			}
		}
	}
	if items != len(p.History) || late != kleoCfg.Late {
		t.Errorf("%d items in truth, %d history documents; %d late users", items, len(p.History), late)
	}
	for _, u := range p.Late {
		if tr := p.Truth[strings.ToLower(u["address"].(string))]; tr == nil || !tr.Late || tr.Items == 0 {
			t.Errorf("late user %v has no history to meet", u["address"])
		}
	}
}
