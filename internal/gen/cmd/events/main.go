// Command events writes the Kinesis test events of events/ from package gen,
// in the shape `sam local generate-event kinesis get-records` prints, for
// `sam local invoke -e` and `make invoke`:
//
//	go run ./internal/gen/cmd/events -out events
//
// The files are reproducible: the same program writes the same bytes, and
// a test checks that the committed files are up to date.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/gen"
)

func main() {
	out := flag.String("out", "events", "directory to write the event files to")
	flag.Parse()
	if err := write(*out, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "events:", err)
		os.Exit(1)
	}
}

// write writes the files into dir and lists their paths on log.
func write(dir string, log io.Writer) error {
	files, err := render()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	}) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
		fmt.Fprintln(log, path)
	}
	return nil
}

// arrival is when the events' first record reached the stream.
var arrival = time.Date(2024, time.November, 5, 10, 34, 3, 0, time.UTC)

// The faults mixed-malformed.json must show. Oversized records are left
// out: a 1 MiB record does not belong in a fixture.
var wantFaults = []gen.Fault{gen.FaultNotJSON, gen.FaultMissingAddress, gen.FaultBadAddress,
	gen.FaultBadID, gen.FaultWrongType, gen.FaultUnknownOperation}

// render returns each event file's name and content: Kleo-shaped trigger
// records (see gen.Kleo), partition keys in both spellings of the wallet.
func render() (map[string][]byte, error) {
	files := map[string][]byte{}
	add := func(name string, first uint64, recs []gen.Record) error {
		b, err := samEvent(gen.KinesisEvent(gen.Source{}, first, arrival, recs))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		files[name] = b
		return nil
	}
	kleo := func(cfg gen.Config) ([]gen.Record, *gen.Production, error) {
		p, err := gen.Kleo(gen.KleoConfig{Config: cfg})
		if err != nil {
			return nil, nil, err
		}
		return p.Records, p, nil
	}

	// single.json: the trigger's plain JSON of one document.
	recs, _, err := kleo(gen.Config{Users: 1, ItemsPerUser: 20, Seed: 1})
	if err != nil {
		return nil, err
	}
	var single []gen.Record
	for _, r := range recs {
		if !bytes.Contains(r.Data, []byte(`"$`)) {
			single = append(single, r)
			break
		}
	}
	if len(single) == 0 {
		return nil, fmt.Errorf("single.json: no plain record generated")
	}
	if err := add("single.json", 0, single); err != nil {
		return nil, err
	}

	batch, _, err := kleo(gen.Config{Users: 5, ItemsPerUser: 20, Seed: 2, PIIRate: 0.2, SummaryMin: 200, SummaryMax: 1500})
	if err != nil {
		return nil, err
	}
	if err := add("batch-100.json", 100, batch); err != nil {
		return nil, err
	}

	var mixed []gen.Record
	seen := map[gen.Fault]bool{}
	valid := 0
	recs, _, err = kleo(gen.Config{Users: 4, ItemsPerUser: 40, Seed: 3, MalformedRate: 0.3, SummaryMax: 1000})
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		switch {
		case r.Duplicate || r.Fault == gen.FaultOversized || len(r.Data) == 0:
		case r.Malformed && !seen[r.Fault]:
			seen[r.Fault] = true
			mixed = append(mixed, r)
		case !r.Malformed && valid < 14:
			valid++
			mixed = append(mixed, r)
		}
	}
	for _, f := range wantFaults {
		if !seen[f] {
			return nil, fmt.Errorf("mixed-malformed.json: no %s record generated", f)
		}
	}
	if err := add("mixed-malformed.json", 300, mixed); err != nil {
		return nil, err
	}

	// change-event.json: the same kind of document as a change stream
	// delivers it, canonical Extended JSON inside an insert event.
	recs, p, err := kleo(gen.Config{Users: 1, ItemsPerUser: 1, Seed: 4, SummaryMax: 1000})
	if err != nil {
		return nil, err
	}
	ce, err := changeEvent(p.History[0])
	if err != nil {
		return nil, fmt.Errorf("change-event.json: %w", err)
	}
	r := recs[0]
	r.Data = ce
	if err := add("change-event.json", 400, []gen.Record{r}); err != nil {
		return nil, err
	}
	return files, nil
}

// historyOrder is the field order of Kleo's history documents.
var historyOrder = []string{"_id", "address", "create_timestamp", "title", "category", "subcategory", "url", "domain", "summary", "visitTime"}

// changeEvent wraps a history document in the insert event a change stream
// on Kleo.history delivers, as canonical Extended JSON.
func changeEvent(doc bson.M) ([]byte, error) {
	full := bson.D{}
	for _, k := range historyOrder {
		full = append(full, bson.E{Key: k, Value: doc[k]})
	}
	id := doc["_id"].(bson.ObjectID)
	ts := doc["create_timestamp"].(int32)
	ev := bson.D{
		{Key: "_id", Value: bson.D{{Key: "_data", Value: fmt.Sprintf("82%08X000000012B022C0100296E5A1004%X46645F696400646%X0004", uint32(ts), id[:], id[:])}}},
		{Key: "operationType", Value: "insert"},
		{Key: "clusterTime", Value: bson.Timestamp{T: uint32(ts), I: 1}},
		{Key: "fullDocument", Value: full},
		{Key: "ns", Value: bson.D{{Key: "db", Value: "Kleo"}, {Key: "coll", Value: "history"}}},
		{Key: "documentKey", Value: bson.D{{Key: "_id", Value: id}}},
	}
	return bson.MarshalExtJSON(ev, true, false)
}

// samRecord has the fields of a record of sam's Kinesis sample event, in
// its order (events.KinesisEventRecord orders them differently).
type samRecord struct {
	Kinesis struct {
		KinesisSchemaVersion        string      `json:"kinesisSchemaVersion"`
		PartitionKey                string      `json:"partitionKey"`
		SequenceNumber              string      `json:"sequenceNumber"`
		Data                        string      `json:"data"`
		ApproximateArrivalTimestamp json.Number `json:"approximateArrivalTimestamp"`
	} `json:"kinesis"`
	EventSource       string `json:"eventSource"`
	EventVersion      string `json:"eventVersion"`
	EventID           string `json:"eventID"`
	EventName         string `json:"eventName"`
	InvokeIdentityArn string `json:"invokeIdentityArn"`
	AwsRegion         string `json:"awsRegion"`
	EventSourceARN    string `json:"eventSourceARN"`
}

func samEvent(ev events.KinesisEvent) ([]byte, error) {
	out := struct {
		Records []samRecord `json:"Records"`
	}{Records: make([]samRecord, len(ev.Records))}
	for i, r := range ev.Records {
		s := &out.Records[i]
		s.Kinesis.KinesisSchemaVersion = r.Kinesis.KinesisSchemaVersion
		s.Kinesis.PartitionKey = r.Kinesis.PartitionKey
		s.Kinesis.SequenceNumber = r.Kinesis.SequenceNumber
		s.Kinesis.Data = base64.StdEncoding.EncodeToString(r.Kinesis.Data)
		ms := r.Kinesis.ApproximateArrivalTimestamp.UnixMilli()
		s.Kinesis.ApproximateArrivalTimestamp = json.Number(strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64))
		s.EventSource, s.EventVersion, s.EventID, s.EventName = r.EventSource, r.EventVersion, r.EventID, r.EventName
		s.InvokeIdentityArn, s.AwsRegion, s.EventSourceARN = r.InvokeIdentityArn, r.AwsRegion, r.EventSourceArn
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
