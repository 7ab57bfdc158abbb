package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/eip55"
)

// eventsDir is the repository's events/, seen from this package.
const eventsDir = "../../../../events"

func TestEventFilesAreUpToDate(t *testing.T) {
	files, err := render()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(eventsDir, name))
		if err != nil {
			t.Errorf("%v (run `make gen-events`)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("events/%s is stale (run `make gen-events`)", name)
		}
	}
}

func TestWriteMatchesRender(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir, io.Discard); err != nil {
		t.Fatal(err)
	}
	files, err := render()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: written file differs from render (%v)", name, err)
		}
	}
}

var (
	// The keys of sam's sample Kinesis event.
	recordKeys  = []string{"awsRegion", "eventID", "eventName", "eventSource", "eventSourceARN", "eventVersion", "invokeIdentityArn", "kinesis"}
	kinesisKeys = []string{"approximateArrivalTimestamp", "data", "kinesisSchemaVersion", "partitionKey", "sequenceNumber"}
	shardRE     = regexp.MustCompile(`^shardId-\d{12}$`)
	addressRE   = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
)

func sortedKeys(m map[string]json.RawMessage) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestEventFilesShape decodes every file in events/ as a Lambda Kinesis
// event and checks what the event source mapping guarantees.
func TestEventFilesShape(t *testing.T) {
	// The event files this command writes (events/ holds others too, such
	// as sam's env.json).
	files, err := render()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for name := range files {
		paths = append(paths, filepath.Join(eventsDir, name))
	}
	slices.Sort(paths)
	if len(paths) != 4 {
		t.Fatalf("%d event files, want 4", len(paths))
	}
	for _, path := range paths {
		name := filepath.Base(path)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.KinesisEvent
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ev); err != nil {
			t.Errorf("%s: not a Kinesis event: %v", name, err)
			continue
		}
		if len(ev.Records) == 0 {
			t.Errorf("%s: no records", name)
			continue
		}
		var generic struct {
			Records []map[string]json.RawMessage
		}
		if err := json.Unmarshal(raw, &generic); err != nil {
			t.Fatal(err)
		}
		shard := ""
		var prev *big.Int
		for i, r := range ev.Records {
			if got := sortedKeys(generic.Records[i]); !slices.Equal(got, recordKeys) {
				t.Errorf("%s[%d]: keys %v, want %v", name, i, got, recordKeys)
			}
			var k map[string]json.RawMessage
			if err := json.Unmarshal(generic.Records[i]["kinesis"], &k); err != nil || !slices.Equal(sortedKeys(k), kinesisKeys) {
				t.Errorf("%s[%d]: kinesis keys %v, want %v", name, i, sortedKeys(k), kinesisKeys)
			}
			if r.EventSource != "aws:kinesis" || r.EventName != "aws:kinesis:record" || r.EventVersion != "1.0" || r.Kinesis.KinesisSchemaVersion != "1.0" {
				t.Errorf("%s[%d]: source %q name %q versions %q %q", name, i, r.EventSource, r.EventName, r.EventVersion, r.Kinesis.KinesisSchemaVersion)
			}
			s, seq, ok := strings.Cut(r.EventID, ":")
			if !ok || !shardRE.MatchString(s) || seq != r.Kinesis.SequenceNumber {
				t.Errorf("%s[%d]: eventID %q does not name a shard and the sequence number %q", name, i, r.EventID, r.Kinesis.SequenceNumber)
			}
			if shard == "" {
				shard = s
			} else if s != shard {
				t.Errorf("%s[%d]: shard %s in a batch from %s", name, i, s, shard)
			}
			if !strings.HasPrefix(r.EventSourceArn, "arn:aws:kinesis:"+r.AwsRegion+":") {
				t.Errorf("%s[%d]: eventSourceARN %q not in region %q", name, i, r.EventSourceArn, r.AwsRegion)
			}
			n, ok := new(big.Int).SetString(r.Kinesis.SequenceNumber, 10)
			if !ok {
				t.Errorf("%s[%d]: sequence number %q", name, i, r.Kinesis.SequenceNumber)
				continue
			}
			if prev != nil && n.Cmp(prev) <= 0 {
				t.Errorf("%s[%d]: sequence number does not increase", name, i)
			}
			prev = n
			if len(r.Kinesis.Data) == 0 {
				t.Errorf("%s[%d]: empty data", name, i)
			}
			if !addressRE.MatchString(r.Kinesis.PartitionKey) {
				t.Errorf("%s[%d]: partition key %q is not a wallet address", name, i, r.Kinesis.PartitionKey)
			}
			if r.Kinesis.ApproximateArrivalTimestamp.IsZero() {
				t.Errorf("%s[%d]: no arrival time", name, i)
			}
		}
	}
}

// payloads decodes one generated file's record payloads.
func payloads(t *testing.T, name string) (datas [][]byte, keys map[string]bool) {
	t.Helper()
	files, err := render()
	if err != nil {
		t.Fatal(err)
	}
	var ev events.KinesisEvent
	if err := json.Unmarshal(files[name], &ev); err != nil {
		t.Fatal(err)
	}
	keys = map[string]bool{}
	for _, r := range ev.Records {
		datas = append(datas, r.Kinesis.Data)
		keys[strings.ToLower(r.Kinesis.PartitionKey)] = true
	}
	return datas, keys
}

func TestEventFileContents(t *testing.T) {
	isDoc := func(d []byte) bool {
		var m map[string]json.RawMessage
		if json.Unmarshal(d, &m) != nil {
			return false
		}
		if m["fullDocument"] != nil {
			json.Unmarshal(m["fullDocument"], &m)
		}
		var a string
		return json.Unmarshal(m["address"], &a) == nil && addressRE.MatchString(a) && m["_id"] != nil
	}

	single, _ := payloads(t, "single.json")
	if len(single) != 1 || !isDoc(single[0]) || bytes.Contains(single[0], []byte(`{"$`)) || !bytes.HasPrefix(single[0], []byte(`{"_id":"`)) {
		t.Errorf("single.json: want one plain history document, got %q", single)
	}

	batch, keys := payloads(t, "batch-100.json")
	if len(batch) != 100 || len(keys) < 3 {
		t.Errorf("batch-100.json: %d records from %d users, want 100 from several", len(batch), len(keys))
	}
	for i, d := range batch {
		if !isDoc(d) || !kleoDoc(d) {
			t.Errorf("batch-100.json[%d] is not a Kleo history document: %.200s", i, d)
		}
	}
	if spellings := keySpellings(t, "batch-100.json"); spellings["lower"] == 0 || spellings["EIP-55"] == 0 {
		t.Errorf("batch-100.json: partition keys %v, want both spellings", spellings)
	}

	mixed, _ := payloads(t, "mixed-malformed.json")
	var good, notJSON, other int
	for _, d := range mixed {
		switch {
		case isDoc(d):
			good++
		case !json.Valid(d):
			notJSON++
		default:
			other++
		}
	}
	// Some of the JSON "documents" are still broken (bad _id, wrong types):
	// at least the not-JSON and unknown-operation ones stand out here.
	if good < 10 || notJSON == 0 || other == 0 {
		t.Errorf("mixed-malformed.json: %d documents, %d not JSON, %d other", good, notJSON, other)
	}

	change, _ := payloads(t, "change-event.json")
	var ev struct {
		OperationType string          `json:"operationType"`
		FullDocument  json.RawMessage `json:"fullDocument"`
		NS            struct{ DB, Coll string }
	}
	if len(change) != 1 || json.Unmarshal(change[0], &ev) != nil || ev.OperationType != "insert" || !isDoc(ev.FullDocument) || !kleoDoc(ev.FullDocument) || ev.NS != (struct{ DB, Coll string }{"Kleo", "history"}) {
		t.Errorf("change-event.json: want one insert change event, got %q", change)
	}
}

// kleoDoc reports whether a history document has Kleo's save-history
// shape: lower-case address, visitTime a double (a JSON number with a
// fraction or $numberDouble), create_timestamp an integer.
func kleoDoc(d []byte) bool {
	var m bson.M
	if bson.UnmarshalExtJSON(d, false, &m) != nil {
		return false
	}
	a, _ := m["address"].(string)
	_, float := m["visitTime"].(float64)
	_, i32 := m["create_timestamp"].(int32)
	_, i64 := m["create_timestamp"].(int64)
	return a == strings.ToLower(a) && float && (i32 || i64)
}

// keySpellings counts a file's partition keys by spelling.
func keySpellings(t *testing.T, name string) map[string]int {
	t.Helper()
	files, err := render()
	if err != nil {
		t.Fatal(err)
	}
	var ev events.KinesisEvent
	if err := json.Unmarshal(files[name], &ev); err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, r := range ev.Records {
		k := r.Kinesis.PartitionKey
		switch {
		case k == strings.ToLower(k):
			n["lower"]++
		case k == eip55.Checksum(strings.ToLower(k)):
			n["EIP-55"]++
		default:
			n["other"]++
		}
	}
	return n
}
