package mongostore

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/store"
)

// TestAppendEntryMatchesMarshal pins the hand-written ledger encoding to
// what the driver's reflection makes of entryDoc: the same bytes, so a field
// added to one and not the other fails here.
func TestAppendEntryMatchesMarshal(t *testing.T) {
	seen := time.Date(2026, 11, 30, 12, 1, 2, 345678901, time.FixedZone("x", 3600))
	for _, tc := range []struct {
		name string
		e    store.Entry
	}{
		{"zero", store.Entry{}},
		{"full", store.Entry{ID: "65f0c0ffee0000000000abcd", Address: "0x00000000000000000000000000000000abcdef01",
			Shard: "shardId-000000000003", Seq: "49590338271490256608559692538361571095921575989136588898",
			Bytes: 1756, Activity: "Coding", PII: 3, Points: 0, VisitTime: 1732960000123, ArchiveTx: "tx",
			Seen: seen, Findings: map[string]int64{"PERSON": 2}}},
		{"negative and unicode", store.Entry{ID: "ä\u00e9", Bytes: -1, VisitTime: -5, Seen: seen}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := appendDoc(nil, func(b []byte) []byte { return appendEntry(b, tc.e, store.Pending) })
			want, err := bson.Marshal(entryDoc{ID: tc.e.ID, Address: tc.e.Address, Shard: tc.e.Shard, Seq: tc.e.Seq,
				Bytes: tc.e.Bytes, Activity: tc.e.Activity, PII: tc.e.PII, Points: tc.e.Points, VisitTime: tc.e.VisitTime,
				State: store.Pending, ArchiveTx: tc.e.ArchiveTx, Seen: tc.e.Seen, Findings: tc.e.Findings})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("appendEntry:\n got %v\nwant %v", got, bson.Raw(want))
			}
		})
	}
}

// TestAppendEntryFindingsInOrder: several finding types come out sorted and
// complete (reflection would encode them in map order).
func TestAppendEntryFindingsInOrder(t *testing.T) {
	e := store.Entry{ID: "a", Findings: map[string]int64{"PHONE_NUMBER": 1, "EMAIL_ADDRESS": 2, "PERSON": 3}}
	_, raw := appendDoc(nil, func(b []byte) []byte { return appendEntry(b, e, store.Counted) })
	var d entryDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if d.State != store.Counted || len(d.Findings) != 3 || d.Findings["PERSON"] != 3 || d.Findings["EMAIL_ADDRESS"] != 2 {
		t.Errorf("decoded %+v", d)
	}
	elems, err := raw.Lookup("findings").Document().Elements()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, el := range elems {
		keys = append(keys, el.Key())
	}
	if want := []string{"EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER"}; !slices.Equal(keys, want) {
		t.Errorf("findings keys %v, want %v", keys, want)
	}
}
