package processor

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/eip55"
)

// TestHostileInput runs the corpus in testdata/hostile.json (plus an
// oversized payload) through the handler in one batch: every case is either
// dead-lettered with its precise reason or processed safely, nothing crashes
// the handler and nothing is reported for retry (which would block the shard).
func TestHostileInput(t *testing.T) {
	raw, err := os.ReadFile("testdata/hostile.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name       string `json:"name"`
		Payload    string `json:"payload"`
		PayloadHex string `json:"payload_hex"`
		Want       string `json:"want"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	big := `{"_id":"672e257c75477a14bfebfac3","address":"0xe64b1e15230250bc7a95f120a83df7d7d480f3d1","visitTime":1,"summary":"` +
		strings.Repeat("x", 1<<20) + `"}`
	var recs []events.KinesisEventRecord
	want := map[string]string{} // seq -> expectation
	names := map[string]string{}
	for _, c := range cases {
		data := []byte(c.Payload)
		if c.PayloadHex != "" {
			if data, err = hex.DecodeString(c.PayloadHex); err != nil {
				t.Fatal(err)
			}
		}
		r := rec(len(recs), string(data))
		recs = append(recs, r)
		want[r.Kinesis.SequenceNumber] = c.Want
		names[r.Kinesis.SequenceNumber] = c.Name
	}
	r := rec(len(recs), big)
	recs = append(recs, r)
	want[r.Kinesis.SequenceNumber] = "dead:exceeds the 1048576-byte limit"
	names[r.Kinesis.SequenceNumber] = "1 MiB+ payload"

	st := openStore(t)
	owner := kleoUser(0)
	owner["address"] = eip55.Checksum("0xe64b1e15230250bc7a95f120a83df7d7d480f3d1")
	if err := st.InsertUsers(context.Background(), []bson.M{owner}); err != nil {
		t.Fatal(err)
	}
	p := New(st, stubScrubber{}, stubClassifier{}, Options{})
	resp, err := p.Handle(context.Background(), events.KinesisEvent{Records: recs})
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("hostile records reported for retry: %v", resp.BatchItemFailures)
	}
	d, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dead := map[string]string{}
	for _, dl := range d.DeadLetters {
		dead[dl.Seq] = dl.Reason
		if len(dl.Payload) > 4<<10 {
			t.Errorf("%s: dead-letter payload of %d bytes is not capped", names[dl.Seq], len(dl.Payload))
		}
	}
	for seq, w := range want {
		reason, isDead := dead[seq]
		switch {
		case w == "ok" && isDead:
			t.Errorf("%s: dead-lettered (%s), want processed", names[seq], reason)
		case strings.HasPrefix(w, "dead:") && !isDead:
			t.Errorf("%s: processed, want dead letter %q", names[seq], w)
		case strings.HasPrefix(w, "dead:") && !strings.Contains(reason, strings.TrimPrefix(w, "dead:")):
			t.Errorf("%s: reason %q, want %q", names[seq], reason, strings.TrimPrefix(w, "dead:"))
		}
	}
	// All valid cases carry the same document id: the books count it once.
	if len(d.Ledger) != 1 || len(d.Users) != 1 {
		t.Fatalf("%d ledger entries and %d users, want one of each", len(d.Ledger), len(d.Users))
	}
	if b := booksOf(t, st)[owner["address"].(string)]; b.Data != 1000+d.Ledger[0].Bytes {
		t.Errorf("books %+v, want the one item's %d bytes counted once", b, d.Ledger[0].Bytes)
	}
}
