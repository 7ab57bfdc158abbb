package storetest

import (
	"bytes"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/record"
)

var historyCases = []testCase{
	{name: "HistoryJSONDecodes", fn: testHistoryJSON},
}

func testHistoryJSON(t *testing.T, s Store) {
	seedKleo(t, s)
	want := map[string]bson.M{}
	for _, doc := range fixture(t, fixtureHistory) {
		want[idOf(t, doc)] = doc
	}
	ids := []string{histEIP55[0], histEIP55[1], histNoActivity[0], histUnknown, "65a0000000000000000000ff"}
	got, err := s.HistoryJSON(t.Context(), ids)
	if err != nil {
		t.Fatalf("HistoryJSON: %v", err)
	}
	if len(got) != 4 {
		t.Fatalf("HistoryJSON returned %v, want the 4 stored of %v", sortedKeys(got), ids)
	}
	for _, id := range ids[:4] {
		data := got[id]
		// Relaxed Extended JSON: ObjectId as {"$oid": ...}, numbers plain.
		if !bytes.Contains(data, []byte(`"$oid"`)) || bytes.Contains(data, []byte(`"$numberInt"`)) || bytes.Contains(data, []byte(`"$numberDouble"`)) {
			t.Errorf("%s: not relaxed Extended JSON: %.200s", id, data)
		}
		it, err := record.Decode(data)
		if err != nil {
			t.Errorf("%s: record.Decode: %v", id, err)
			continue
		}
		doc := want[id]
		vt := int64(doc["visitTime"].(float64))
		if it.ID != id || it.Address != doc["address"] || it.Title != doc["title"] || it.URL != doc["url"] ||
			it.Domain != doc["domain"] || it.Summary != doc["summary"] || it.Category != doc["category"] ||
			it.Subcategory != doc["subcategory"] || it.VisitTime != vt || it.CreateTimestamp != int64(doc["create_timestamp"].(int32)) {
			t.Errorf("%s: decoded %+v from %s", id, it, data)
		}
	}
	if got, err := s.HistoryJSON(t.Context(), nil); err != nil || len(got) != 0 {
		t.Errorf("HistoryJSON(nil) = %v, %v", got, err)
	}
}
