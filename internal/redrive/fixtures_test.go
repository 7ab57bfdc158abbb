package redrive

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

// hostClassifier is deterministic, so two runs compute the same effects.
type hostClassifier struct{}

func (hostClassifier) Classify(_ context.Context, in classify.Input) classify.Result {
	switch {
	case strings.Contains(in.URL, "github.com"):
		return classify.Result{Activity: activity.Coding, Confidence: 0.9}
	case strings.Contains(in.URL, "netflix.com"):
		return classify.Result{Activity: activity.Streaming, Confidence: 0.9}
	}
	return classify.Result{Activity: activity.Reading, Confidence: 0.9}
}

type kleoStore interface {
	store.Store
	store.Seeder
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

// lower is user u's address as Kleo's history API stores it.
func lower(u int) string { return fmt.Sprintf("0x%040x", 0x5eed0000+u) }

// user is a users document as Kleo's backend creates it at sign-up.
func user(u int) bson.M {
	return bson.M{
		"_id": bson.NewObjectID(), "address": eip55.Checksum(lower(u)), "slug": lower(u)[2:8], "stage": int32(1),
		"name": "", "kleo_points": int32(0), "total_data_quantity": int32(0),
		"milestones":    bson.M{"data_owned": int32(0), "tweet_activity_graph": false, "referred_count": int32(0), "followed_on_twitter": false},
		"activity_json": bson.M{"JobHunting": int32(1)}, "previous_hash": "default_hash", "referrals": bson.A{}, "referee": nil,
	}
}

// history is user u's item i as Kleo's save-history endpoint writes it.
func history(u, i int) bson.M {
	host := []string{"github.com/kleo/pull/", "www.netflix.com/title/", "example.org/post/"}[i%3]
	id, _ := bson.ObjectIDFromHex(fmt.Sprintf("%08x%016x", 0x65000000+u, i+1))
	return bson.M{
		"_id": id, "address": lower(u), "title": fmt.Sprintf("item %d", i), "category": "", "subcategory": "",
		"url": fmt.Sprintf("https://%s%d", host, i), "domain": "", "summary": "some page text",
		"visitTime": float64(1730000000000 + i), "create_timestamp": int64(1730000000 + i),
	}
}

// world is a store seeded with users and history, and the trigger's records
// (Kleo's history documents as JSON), users' items interleaved.
func world(t *testing.T, users []int, items int, signedUp func(u int) bool) (kleoStore, [][]byte) {
	t.Helper()
	ctx := context.Background()
	st := openStore(t)
	var us, hs []bson.M
	var ids []string
	for i := range items {
		for _, u := range users {
			h := history(u, i)
			hs = append(hs, h)
			ids = append(ids, h["_id"].(bson.ObjectID).Hex())
		}
	}
	for _, u := range users {
		if signedUp(u) {
			us = append(us, user(u))
		}
	}
	if err := st.InsertUsers(ctx, us); err != nil {
		t.Fatal(err)
	}
	if err := st.InsertHistory(ctx, hs); err != nil {
		t.Fatal(err)
	}
	docs, err := st.HistoryJSON(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([][]byte, len(ids))
	for i, id := range ids {
		recs[i] = docs[id]
	}
	return st, recs
}

func newRunner(st store.Store) (*Runner, *processor.Processor) {
	r := &Runner{Store: st}
	p := processor.New(st, pii.New(), hostClassifier{}, processor.Options{Observer: r})
	r.Handle = p.Handle
	return r, p
}

// books are the counters Kleo's dashboard shows, per user address.
type books map[string]string

func booksOf(t *testing.T, st store.Store) books {
	t.Helper()
	d, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := books{}
	for _, u := range d.Users {
		ms, _ := u["milestones"].(bson.M)
		aj, _ := u["activity_json"].(bson.M)
		keys := slices.Sorted(maps.Keys(aj))
		var acts []string
		for _, k := range keys {
			acts = append(acts, fmt.Sprintf("%s=%v", k, aj[k]))
		}
		out[fmt.Sprint(u["address"])] = fmt.Sprintf("bytes=%v owned=%v points=%v pii=%v %s",
			u["total_data_quantity"], ms["data_owned"], u["kleo_points"], u["pii_removed_count"], strings.Join(acts, ","))
	}
	return out
}

// ledgerStates counts the ledger's entries per state.
func ledgerStates(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	d, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range d.Ledger {
		out[e.State]++
	}
	return out
}

// event is recs as one event of shard, sequence numbers from first.
func event(shard string, first int, recs [][]byte) events.KinesisEvent {
	var ev events.KinesisEvent
	for i, data := range recs {
		seq := fmt.Sprintf("%056d", first+i)
		ev.Records = append(ev.Records, events.KinesisEventRecord{
			EventID: shard + ":" + seq, EventSource: "aws:kinesis",
			Kinesis: events.KinesisRecord{SequenceNumber: seq, Data: data},
		})
	}
	return ev
}
