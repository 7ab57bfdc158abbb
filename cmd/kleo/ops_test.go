package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/esm"
	"github.com/kleo-network/kleo-stream/internal/kinesisapi"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/record"
	"github.com/kleo-network/kleo-stream/internal/redrive/sqstest"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
)

type opsClassifier struct{}

func (opsClassifier) Classify(_ context.Context, in classify.Input) classify.Result {
	if strings.Contains(in.URL, "github.com") {
		return classify.Result{Activity: activity.Coding, Confidence: 0.9}
	}
	return classify.Result{Activity: activity.Reading, Confidence: 0.9}
}

func opsAddr(u int) string { return fmt.Sprintf("0x%040x", 0xcafe0000+u) }

func opsUser(u int) bson.M {
	return bson.M{"_id": bson.NewObjectID(), "address": eip55.Checksum(opsAddr(u)), "slug": "s", "stage": int32(1),
		"kleo_points": int32(0), "total_data_quantity": int32(0), "milestones": bson.M{"data_owned": int32(0)},
		"activity_json": bson.M{}, "previous_hash": "default_hash"}
}

func opsHistory(u, i int) bson.M {
	id, _ := bson.ObjectIDFromHex(fmt.Sprintf("%08x%016x", 0x66000000+u, i+1))
	return bson.M{"_id": id, "address": opsAddr(u), "title": fmt.Sprintf("page %d", i), "url": fmt.Sprintf("https://github.com/k/%d", i),
		"domain": "", "summary": "visible page text", "category": "", "subcategory": "", "visitTime": float64(1733000000000 + i), "create_timestamp": int64(1733000000 + i)}
}

type seeded interface {
	store.Store
	store.Seeder
}

// seedLetters writes users 1 (signed up) and 2 (not yet) with items each,
// one undecodable record, and runs them through the processor: user 2's
// items and the bad record are dead-lettered. It returns the records.
func seedLetters(t *testing.T, st seeded, items int, sink processor.Observer) [][]byte {
	t.Helper()
	ctx := context.Background()
	if err := st.InsertUsers(ctx, []bson.M{opsUser(1)}); err != nil {
		t.Fatal(err)
	}
	var hs []bson.M
	var ids []string
	for i := range items {
		for _, u := range []int{1, 2} {
			h := opsHistory(u, i)
			hs = append(hs, h)
			ids = append(ids, h["_id"].(bson.ObjectID).Hex())
		}
	}
	if err := st.InsertHistory(ctx, hs); err != nil {
		t.Fatal(err)
	}
	docs, err := st.HistoryJSON(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	var recs [][]byte
	for _, id := range ids {
		recs = append(recs, docs[id])
	}
	if sink == nil {
		p := processor.New(st, pii.New(), opsClassifier{}, processor.Options{})
		bad := append(append([][]byte(nil), recs...), []byte(`{"_id": "65d0", "address": "mail jane.doe@example.com", "title": 3}`))
		var ev events.KinesisEvent
		for i, data := range bad {
			seq := fmt.Sprintf("4960%052d", i+1)
			ev.Records = append(ev.Records, events.KinesisEventRecord{EventID: "shardId-000000000000:" + seq,
				Kinesis: events.KinesisRecord{SequenceNumber: seq, Data: data}})
		}
		if _, err := p.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	return recs
}

func kleo(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestDeadLettersCommand(t *testing.T) {
	for _, backend := range []string{"embedded", "ferretdb"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			cfg := dial.Config{Dir: dir, NoSync: true}
			t.Setenv("MONGODB_URI", "")
			if backend == "ferretdb" {
				cfg.URI = ferrettest.Start(t)
				cfg.Database = "Kleo"
				t.Setenv("MONGODB_URI", cfg.URI)
				t.Setenv("MONGODB_DATABASE", "Kleo")
			}
			st, err := dial.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			seedLetters(t, st.(seeded), 3, nil)
			if err := st.Close(ctx); err != nil { // the command opens it itself
				t.Fatal(err)
			}

			out, errOut, code := kleo(t, "deadletters", "list", "--dir", dir)
			if code != 0 || !strings.Contains(out, "4 letters") || strings.Count(out, processor.ReasonUnknownUser) != 3 {
				t.Fatalf("list: code %d\n%s%s", code, out, errOut)
			}
			out, _, code = kleo(t, "deadletters", "group", "--by", "reason", "--dir", dir)
			if code != 0 || !strings.HasPrefix(cell(out, processor.ReasonUnknownUser), "3  0  ") {
				t.Fatalf("group: code %d\n%s", code, out)
			}
			out, _, code = kleo(t, "deadletters", "group", "--by", "shard", "--dir", dir)
			if code != 0 || !strings.HasPrefix(cell(out, "shardId-000000000000"), "4  0") {
				t.Fatalf("group by shard: code %d\n%s", code, out)
			}
			bad := "shardId-000000000000/4960" + fmt.Sprintf("%052d", 7)
			out, _, code = kleo(t, "deadletters", "show", bad, "--dir", dir)
			if code != 0 || !strings.Contains(out, "payload preview") || !strings.Contains(out, "sequence") {
				t.Fatalf("show: code %d\n%s", code, out)
			}
			if strings.Contains(out, "jane.doe@example.com") {
				t.Fatalf("show printed an e-mail address from the payload:\n%s", out)
			}
			if _, _, code := kleo(t, "deadletters", "show", "shardId-000000000000/1", "--dir", dir); code != 1 {
				t.Fatalf("show of a missing letter: code %d; want 1", code)
			}
			path := dir + "/letters.jsonl"
			if _, _, code := kleo(t, "deadletters", "export", "--state", "all", "-o", path, "--dir", dir); code != 0 {
				t.Fatalf("export: code %d", code)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			if len(lines) != 4 {
				t.Fatalf("export wrote %d lines; want 4", len(lines))
			}
			var l store.DeadLetter
			if err := json.Unmarshal([]byte(lines[0]), &l); err != nil || l.ID == "" || l.Reason == "" {
				t.Fatalf("export line = %q: %v", lines[0], err)
			}
			if _, _, code := kleo(t, "deadletters", "group", "--by", "colour", "--dir", dir); code != 2 {
				t.Fatalf("bad --by: code %d; want 2", code)
			}
		})
	}
}

func TestDoctorCommand(t *testing.T) {
	ctx := context.Background()
	uri := ferrettest.Start(t)
	db := ferrettest.Load(t, uri, "Kleo", "../../internal/doctor/testdata/kleo.json")
	out, errOut, code := kleo(t, "doctor", "--uri", uri, "--database", "Kleo")
	if code != 1 || !strings.Contains(errOut, "blockers found: 5") || !strings.Contains(out, "BLOCKER") {
		t.Fatalf("doctor on a database with blockers: code %d\n%s%s", code, out, errOut)
	}
	t.Logf("kleo doctor output:\n%s", out)

	// Repaired: the duplicate merged away, the poison documents fixed, the index created.
	users := db.Collection("users")
	for _, fix := range []struct {
		id  string
		set bson.D
	}{
		{"64d000000000000000000003", bson.D{{Key: "kleo_points", Value: int32(12)}}},
		{"64d000000000000000000004", bson.D{{Key: "activity_json", Value: bson.D{}}}},
		{"64d000000000000000000007", bson.D{{Key: "milestones", Value: bson.D{{Key: "data_owned", Value: int32(0)}}}}},
	} {
		oid, _ := bson.ObjectIDFromHex(fix.id)
		if _, err := users.UpdateOne(ctx, bson.D{{Key: "_id", Value: oid}}, bson.D{{Key: "$set", Value: fix.set}}); err != nil {
			t.Fatal(err)
		}
	}
	oid, _ := bson.ObjectIDFromHex("64d000000000000000000005")
	if _, err := users.DeleteOne(ctx, bson.D{{Key: "_id", Value: oid}}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = kleo(t, "indexes", "--uri", uri, "--database", "Kleo")
	if code != 0 || !strings.Contains(out, "users {address}: MISSING") {
		t.Fatalf("indexes: code %d\n%s%s", code, out, errOut)
	}
	t.Logf("kleo indexes:\n%s", out)
	out, errOut, code = kleo(t, "indexes", "--create", "--uri", uri, "--database", "Kleo")
	if code != 0 || strings.Contains(out, "MISSING") {
		t.Fatalf("indexes --create: code %d\n%s%s", code, out, errOut)
	}
	t.Logf("kleo indexes --create:\n%s", out)
	out, errOut, code = kleo(t, "doctor", "--uri", uri, "--database", "Kleo", "--full")
	if code != 0 || !strings.Contains(out, "no blockers") {
		t.Fatalf("doctor after the repair: code %d\n%s%s", code, out, errOut)
	}
}

// TestRedriveCommand discards a batch from kinesalite, puts its on-failure
// record in a goaws queue, and runs `kleo redrive --queue` dry, then with
// --apply, then `kleo redrive --dead-letters --apply` after the unknown
// user signed up.
func TestRedriveCommand(t *testing.T) {
	ctx := context.Background()
	nm, err := kinesisapi.FindNodeModules(".")
	if err != nil {
		t.Fatalf("%v (make node)", err)
	}
	kin, err := kinesisapi.Start(ctx, nm, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer kin.Close()
	kc := kinesisapi.NewClient(kin.Endpoint)
	const stream = "kleo-history"
	if err := kinesisapi.CreateStream(ctx, kc, stream, 1); err != nil {
		t.Fatal(err)
	}
	sqsURL := sqstest.Start(t)
	sc := sqstest.NewClient(sqsURL)
	q, err := sc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("kleo-redrive-cmd")})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "us-east-1",
		"MONGODB_URI": "", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull} {
		t.Setenv(k, v)
	}

	dir := t.TempDir()
	st, err := dial.Open(ctx, dial.Config{Dir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	recs := seedLetters(t, st.(seeded), 15, noObserver{}) // 30 records, users 1 and 2 interleaved
	var entries []kinesisapi.Entry
	for _, r := range recs {
		it, _ := record.Decode(r)
		entries = append(entries, kinesisapi.Entry{PartitionKey: it.Address, Data: r})
	}
	if err := kinesisapi.Put(ctx, kc, stream, entries); err != nil {
		t.Fatal(err)
	}
	model, err := classify.Load()
	if err != nil {
		t.Fatal(err)
	}
	proc := processor.New(st, pii.New(), model, processor.Options{})
	src, err := kinesisapi.NewSource(ctx, kc, stream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := esm.DefaultConfig()
	cfg.BatchSize, cfg.MaximumBatchingWindow, cfg.BisectBatchOnFunctionError, cfg.MaximumRetryAttempts = 10, 0, false, 1
	var calls atomic.Int32
	var mu sync.Mutex
	m := esm.Mapping{Source: src, Config: cfg, Handler: func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		if calls.Add(1) <= 2 { // the first batch, and its one retry
			return events.KinesisEventResponse{}, errors.New("injected: database unreachable")
		}
		return proc.Handle(ctx, ev)
	}, OnFailure: func(f esm.OnFailureRecord) {
		body, _ := json.Marshal(f)
		mu.Lock()
		defer mu.Unlock()
		if _, err := sc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(string(body))}); err != nil {
			t.Error(err)
		}
	}}
	stats, err := m.Run(ctx)
	if err != nil || stats.DiscardedBatches != 1 {
		t.Fatalf("mapping: %v, %d discarded; want one discarded batch", err, stats.DiscardedBatches)
	}
	st.Close(ctx)

	args := []string{"redrive", "--queue", aws.ToString(q.QueueUrl), "--sqs-endpoint", sqsURL, "--kinesis-endpoint", kin.Endpoint, "--dir", dir}
	out, errOut, code := kleo(t, args...)
	if code != 0 || cell(out, "would count") != "5" || cell(out, "would dead-letter") != "5" {
		t.Fatalf("dry run: code %d\n%s%s", code, out, errOut)
	}
	t.Logf("kleo %s\n%s", strings.Join(args, " "), out)
	args = append(args, "--apply")
	out, errOut, code = kleo(t, args...)
	if code != 0 || cell(out, "counted") != "5" || cell(out, "queue messages deleted") != "1" || cell(out, "dead-lettered") != "5" {
		t.Fatalf("apply: code %d\n%s%s", code, out, errOut)
	}
	t.Logf("kleo %s\n%s", strings.Join(args, " "), out)

	// User 2 signs up; their letters (10 from the stream, 5 from the re-drive) are re-driven.
	st, err = dial.Open(ctx, dial.Config{Dir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.(seeded).InsertUsers(ctx, []bson.M{opsUser(2)}); err != nil {
		t.Fatal(err)
	}
	st.Close(ctx)
	args = []string{"redrive", "--dead-letters", "--dir", dir, "--apply"}
	out, errOut, code = kleo(t, args...)
	if code != 0 || cell(out, "counted") != "15" || cell(out, "letters done") != "15" || cell(out, "dead-lettered again") != "0" {
		t.Fatalf("dead letters: code %d\n%s%s", code, out, errOut)
	}
	t.Logf("kleo %s\n%s", strings.Join(args, " "), lastLines(out, 12))
	st, err = dial.Open(ctx, dial.Config{Dir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	d, err := st.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range d.Users {
		if got := u["total_data_quantity"]; fmt.Sprint(got) == "0" {
			t.Errorf("user %v counted nothing", u["address"])
		}
	}
	if len(d.Ledger) != 30 {
		t.Fatalf("%d ledger entries; want 30", len(d.Ledger))
	}
	for _, e := range d.Ledger {
		if e.State != store.Counted && e.State != store.Pending {
			t.Fatalf("entry %s in state %s", e.ID, e.State)
		}
	}
}

type noObserver struct{}

func (noObserver) Observe(context.Context, processor.Report) {}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// cell is what follows label on the line of a table that starts with it.
func cell(out, label string) string {
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, label+" "); ok {
			return strings.Join(strings.Fields(rest), "  ")
		}
	}
	return ""
}
