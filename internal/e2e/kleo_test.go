package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/eip55"
)

const shard = "shardId-000000000000"

// loadDocs reads a testdata file holding a JSON array of canonical Extended
// JSON documents, so every value has its exact BSON type (int32 counters,
// ObjectIds, a double visitTime).
func loadDocs(t *testing.T, name string) []bson.D {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	docs := make([]bson.D, len(raws))
	for i, r := range raws {
		if err := bson.UnmarshalExtJSON(r, true, &docs[i]); err != nil {
			t.Fatalf("%s: document %d: %v", name, i, err)
		}
	}
	return docs
}

func field(d bson.D, key string) (any, bool) {
	for _, e := range d {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

func str(d bson.D, key string) string {
	v, _ := field(d, key)
	s, _ := v.(string)
	return s
}

func oid(d bson.D) string {
	v, _ := field(d, "_id")
	return v.(bson.ObjectID).Hex()
}

// checkEIP55 makes sure the user fixtures are spelled as Kleo's backend
// stores them: EIP-55, not lower case.
func checkEIP55(t *testing.T, users []bson.D) {
	t.Helper()
	for _, u := range users {
		a := str(u, "address")
		if lower := strings.ToLower(a); eip55.Checksum(lower) != a || lower == a {
			t.Fatalf("fixture user %s: address %s is not a mixed-case EIP-55 address", oid(u), a)
		}
	}
}

// triggerJSON is a history document as the MongoDB trigger pushes it into
// Kinesis: plain JSON with _id as 24 hex digits, or relaxed Extended JSON.
func triggerJSON(t *testing.T, doc bson.D, extended bool) []byte {
	t.Helper()
	d := doc
	if !extended {
		d = make(bson.D, len(doc))
		copy(d, doc)
		d[0] = bson.E{Key: "_id", Value: oid(doc)}
	}
	b, err := bson.MarshalExtJSON(d, false, false)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sent is one record of the batch and what the test knows about it.
type sent struct {
	seq     string
	data    []byte
	item    string // history _id, "" for the malformed record
	address string // lower case, "" for the malformed record
}

// malformed is a truncated trigger payload carrying an e-mail address in its
// text and URL: it cannot decode, so its letter keeps a scrubbed copy.
const malformed = `{"_id":"65a0e2e0000000000000000e","address":"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",` +
	`"title":"Reset your password for jane.doe.kleo@example.com","url":"https://accounts.example.com/reset?email=jane.doe.kleo@example.com",` +
	`"summary":"Click the link below to reset your passw`

// batchPlan is the order of the batch: history fixture index (or -1 for
// the malformed record), payload form and partition key spelling. It mixes
// the two payload forms and the two spellings of each user's key, and ends
// with a producer duplicate of the first record in the other form (other
// bytes: the first delivery's length is the one counted).
var batchPlan = []struct {
	doc      int
	extended bool
	eip55Key bool
}{
	{0, false, true}, {3, true, false}, {9, false, true}, {5, false, true}, {11, false, false},
	{7, true, true}, {-1, false, false}, {1, true, false}, {4, false, true}, {6, true, false},
	{10, true, false}, {8, false, false}, {12, true, true}, {2, false, false}, {0, true, false},
}

// kinesisBatch is the event the event source mapping would send for the
// plan, as JSON, and the records in it.
func kinesisBatch(t *testing.T, history []bson.D) ([]byte, []sent) {
	t.Helper()
	arrival := time.Date(2024, 11, 26, 8, 0, 0, 0, time.UTC)
	var ev events.KinesisEvent
	var recs []sent
	for i, p := range batchPlan {
		s := sent{seq: fmt.Sprintf("4959033827149025660855969253836157109592157598913658%04d", i)}
		key := "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
		if p.doc < 0 {
			s.data = []byte(malformed)
		} else {
			doc := history[p.doc]
			s.data = triggerJSON(t, doc, p.extended)
			s.item, s.address = oid(doc), str(doc, "address")
			key = s.address
		}
		if p.eip55Key {
			key = eip55.Checksum(key)
		}
		recs = append(recs, s)
		ev.Records = append(ev.Records, events.KinesisEventRecord{
			AwsRegion:         "us-east-1",
			EventID:           shard + ":" + s.seq,
			EventName:         "aws:kinesis:record",
			EventSource:       "aws:kinesis",
			EventSourceArn:    "arn:aws:kinesis:us-east-1:123456789012:stream/kleo-history",
			EventVersion:      "1.0",
			InvokeIdentityArn: "arn:aws:iam::123456789012:role/kleo-processor",
			Kinesis: events.KinesisRecord{
				ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: arrival.Add(time.Duration(i) * time.Second)},
				Data:                        s.data,
				EncryptionType:              "NONE",
				PartitionKey:                key,
				SequenceNumber:              s.seq,
				KinesisSchemaVersion:        "1.0",
			},
		})
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b, recs
}

var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

// pageText is every piece of page text and every e-mail address in the
// history fixtures and the malformed record: none may reach the log, and the
// e-mail addresses not a stored payload either.
func pageText(history []bson.D) (text, emails []string) {
	seen := map[string]bool{}
	add := func(list *[]string, s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			*list = append(*list, s)
		}
	}
	for _, d := range history {
		for _, k := range []string{"title", "url", "summary", "domain"} {
			add(&text, str(d, k))
			for _, e := range emailRE.FindAllString(str(d, k), -1) {
				add(&emails, e)
			}
		}
	}
	add(&text, "Reset your password for")
	add(&text, "Click the link below to reset")
	for _, e := range emailRE.FindAllString(malformed, -1) {
		add(&emails, e)
	}
	return text, emails
}
