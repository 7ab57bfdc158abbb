package processor

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

const shard = "shardId-000000000003"

// kleoStore is what the tests need of a store: the contract, and a way to
// play Kleo's backend.
type kleoStore interface {
	store.Store
	store.Seeder
}

// stubScrubber redacts one known e-mail address, so tests can count findings
// without depending on the real engine's rules.
type stubScrubber struct{}

func (stubScrubber) Scrub(text, _ string) (string, []pii.Finding) {
	const email = "jane@example.com"
	var found []pii.Finding
	for i := strings.Index(text, email); i >= 0; i = strings.Index(text, email) {
		found = append(found, pii.Finding{Type: pii.Email, Start: i, End: i + len(email)})
		text = text[:i] + "<EMAIL_ADDRESS>" + text[i+len(email):]
	}
	return text, found
}

// stubClassifier maps a URL's host to an activity.
type stubClassifier struct{}

func (stubClassifier) Classify(_ context.Context, in classify.Input) classify.Result {
	switch {
	case strings.Contains(in.URL, "github.com"):
		return classify.Result{Activity: activity.Coding, Confidence: 0.9}
	case strings.Contains(in.URL, "netflix.com"):
		return classify.Result{Activity: activity.Streaming, Confidence: 0.9}
	}
	return classify.Result{Activity: activity.Reading, Confidence: 0.2, Low: true}
}

// otherClassifier is a "redeployed" model that disagrees with stubClassifier
// on everything.
type otherClassifier struct{}

func (otherClassifier) Classify(context.Context, classify.Input) classify.Result {
	return classify.Result{Activity: activity.Gaming, Confidence: 0.9}
}

func openStore(t *testing.T) kleoStore {
	t.Helper()
	st, err := embedded.Open(context.Background(), t.TempDir(), embedded.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	return st
}

// addr is user u's address as Kleo's history API stores it (lower case).
func addr(u int) string { return fmt.Sprintf("0x%040x", 0xa1b2c3d4e5f6<<8+u+1) }

// kleoUser is a users document as Kleo's backend creates it at sign-up; the
// variations are the ones production holds.
func kleoUser(u int) bson.M {
	d := bson.M{
		"_id":                 bson.NewObjectID(),
		"address":             eip55.Checksum(addr(u)),
		"slug":                addr(u)[2:10],
		"stage":               int32(1),
		"name":                "",
		"kleo_points":         int32(40),
		"total_data_quantity": int32(1000),
		"milestones": bson.M{
			"data_owned": int32(1000), "tweet_activity_graph": false, "referred_count": int32(0), "followed_on_twitter": false,
		},
		"activity_json":   bson.M{"Coding": int32(3)},
		"previous_hash":   "default_hash",
		"referrals":       bson.A{},
		"referee":         nil,
		"last_attested":   int64(0),
		"settings":        bson.M{"notifications": true},
		"first_time_user": false,
	}
	switch u % 4 {
	case 1: // created by the newer backend: no activity_json, no previous_hash
		delete(d, "activity_json")
		delete(d, "previous_hash")
	case 2: // a legacy user with keys of the earlier activity list
		d["activity_json"] = bson.M{"JobHunting": int32(2), "TVSeries": int32(5)}
		d["previous_hash"] = false
	case 3:
		d["previous_hash"] = "https://gateway.irys.xyz/abc"
	}
	return d
}

// doc is the history document of user u's item i as the trigger sends it.
func doc(u, i int) string {
	host := []string{"github.com/kleo/app/pull/", "www.netflix.com/title/", "example.org/post/"}[i%3]
	return fmt.Sprintf(`{"_id":"%024x","address":"%s","title":"Item %d mail jane@example.com","category":"","subcategory":"","url":"https://%s%d","domain":"","summary":"text","visitTime":%d.0,"create_timestamp":%d}`,
		u*1000+i+1, addr(u), i, host, i, 1730000000000+int64(i), 1730000000+int64(i))
}

func seed(t *testing.T, st kleoStore, users ...int) map[int]bson.M {
	t.Helper()
	out := map[int]bson.M{}
	var docs []bson.M
	for _, u := range users {
		d := kleoUser(u)
		out[u] = d
		docs = append(docs, d)
	}
	if err := st.InsertUsers(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	return out
}

// stream builds records across users, as one shard delivers them.
func stream(users, perUser int) []events.KinesisEventRecord {
	var recs []events.KinesisEventRecord
	for i := 0; i < perUser; i++ {
		for u := 0; u < users; u++ {
			recs = append(recs, rec(len(recs), doc(u, i)))
		}
	}
	return recs
}

func rec(n int, data string) events.KinesisEventRecord { return recOn(shard, n, data) }

func recOn(sh string, n int, data string) events.KinesisEventRecord {
	seq := fmt.Sprintf("4959033827149025660855969253836157109592157598913%07d", n*10)
	return events.KinesisEventRecord{
		EventID:     sh + ":" + seq,
		EventSource: "aws:kinesis",
		Kinesis: events.KinesisRecord{
			SequenceNumber: seq, PartitionKey: "pk", Data: []byte(data),
			ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: time.Now()},
		},
	}
}

func handle(t *testing.T, p *Processor, recs []events.KinesisEventRecord) events.KinesisEventResponse {
	t.Helper()
	resp, err := p.Handle(context.Background(), events.KinesisEvent{Records: recs})
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	return resp
}

func dump(t *testing.T, st store.Store) store.Dump {
	t.Helper()
	d, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// books is what Kleo's dashboard reads of each user: the owned counters, by
// address as stored.
type books struct {
	Data, Owned, Points, PII int64
	Activities               map[string]int64
}

func booksOf(t *testing.T, st store.Store) map[string]books {
	t.Helper()
	out := map[string]books{}
	for _, u := range dump(t, st).Users {
		b := books{
			Data: num(t, u["total_data_quantity"]), Points: num(t, u["kleo_points"]), PII: num(t, u["pii_removed_count"]),
			Activities: map[string]int64{},
		}
		if m := sub(u["milestones"]); m != nil {
			b.Owned = num(t, m["data_owned"])
		}
		for k, v := range sub(u["activity_json"]) {
			b.Activities[k] = num(t, v)
		}
		out[u["address"].(string)] = b
	}
	return out
}

// num reads a counter; a float in a counter is a bug (Kleo reads integers).
func num(t *testing.T, v any) int64 {
	t.Helper()
	switch n := v.(type) {
	case nil:
		return 0
	case int32:
		return int64(n)
	case int64:
		return n
	}
	t.Errorf("counter of type %T, want an integer", v)
	return -1
}

// kleoFields is a user document without the fields the processor owns, for
// checking that nothing else changed.
func kleoFields(u bson.M) bson.M {
	out := maps.Clone(u)
	for _, k := range []string{"total_data_quantity", "kleo_points", "pii_removed_count", "activity_json", "kleo_stream"} {
		delete(out, k)
	}
	if m := sub(u["milestones"]); m != nil {
		m = maps.Clone(m)
		delete(m, "data_owned")
		out["milestones"] = m
	}
	return out
}

// sub reads a subdocument whichever way the store decoded it.
func sub(v any) bson.M {
	switch d := v.(type) {
	case bson.M:
		return d
	case bson.D:
		m := bson.M{}
		for _, e := range d {
			m[e.Key] = e.Value
		}
		return m
	}
	return nil
}

func equalBooks(t *testing.T, got, want map[string]books) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		for _, a := range slices.Sorted(maps.Keys(want)) {
			if !reflect.DeepEqual(got[a], want[a]) {
				t.Errorf("user %s:\n got %+v\nwant %+v", a, got[a], want[a])
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d users, want %d", len(got), len(want))
		}
	}
}
