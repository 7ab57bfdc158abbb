package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/archive/fakegw"
	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

const testWalletPath = "../../internal/archive/testdata/wallet-TEST-ONLY-1.json"

// seedStore writes a Kleo-shaped user and n history documents of addr into
// an embedded store in dir, and counts them as the processor does.
func seedStore(t *testing.T, dir, addr string, n int) {
	t.Helper()
	ctx := context.Background()
	st, err := embedded.Open(ctx, dir, embedded.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	if err := st.InsertUsers(ctx, []bson.M{{"_id": bson.NewObjectID(), "address": eip55.Checksum(addr), "kleo_points": int32(0),
		"total_data_quantity": int32(0), "milestones": bson.M{"data_owned": int32(0)}, "activity_json": bson.M{}, "previous_hash": "default_hash"}}); err != nil {
		t.Fatal(err)
	}
	docs := make([]bson.M, n)
	entries := make([]store.Entry, n)
	ids := make([]string, n)
	for i := range docs {
		ids[i] = fmt.Sprintf("%024x", i+1)
		oid, _ := bson.ObjectIDFromHex(ids[i])
		docs[i] = bson.M{"_id": oid, "address": addr, "url": fmt.Sprintf("https://example.com/%d", i), "title": "Title",
			"summary": "Tomatoes grow in summer.", "domain": "", "visitTime": float64(1_760_000_000_000 + i)}
		entries[i] = store.Entry{ID: ids[i], Address: addr, Shard: "s", Seq: fmt.Sprint(i + 1), Bytes: 100, Activity: "Gardening", VisitTime: int64(1_760_000_000_000 + i)}
	}
	if err := st.InsertHistory(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Ledger(ctx, entries, nil); err != nil {
		t.Fatal(err)
	}
	us, err := st.Users(ctx, []string{addr})
	if err != nil {
		t.Fatal(err)
	}
	if errs, err := st.Apply(ctx, []store.Apply{{UserID: us[addr].ID, Version: us[addr].Version, Applied: ids, Bytes: int64(100 * n), Activities: map[string]int64{"Gardening": int64(n)}}}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
}

// TestArchiveThenVerify runs `kleo archive` over 170 items (three archives)
// against the stand-in gateway, then `kleo verify`, which must pass; then
// the gateway serves altered data for the middle archive and `kleo verify`
// must fail on that link.
func TestArchiveThenVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	addr := "0x00000000000000000000000000000000000000aa"
	seedStore(t, dir, addr, 170)
	g := fakegw.New()
	srv := httptest.NewServer(g)
	defer srv.Close()
	ctx := context.Background()

	var out, errOut bytes.Buffer
	code := run(ctx, []string{"archive", "-dir", dir, "-wallet", testWalletPath, "-gateway", srv.URL}, nil, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "uploads          3") {
		t.Fatalf("kleo archive: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if strings.Contains(errOut.String(), "Tomatoes") || strings.Contains(out.String(), "Tomatoes") {
		t.Error("kleo archive printed item content")
	}
	g.Mine()

	out.Reset()
	errOut.Reset()
	code = run(ctx, []string{"verify", "-store", "-dir", dir, "-gateway", srv.URL, addr}, nil, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "VERIFIED: 3 archives") || !strings.Contains(out.String(), "exactly the store's 3 accepted archives") ||
		!strings.Contains(out.String(), `previous_hash was "default_hash"`) {
		t.Fatalf("kleo verify: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}

	middle := g.Items()[1]
	g.Tamper(middle, func(b []byte) []byte { return bytes.Replace(b, []byte("Tomatoes"), []byte("Potatoes"), 1) })
	out.Reset()
	errOut.Reset()
	// Flags after the address work too.
	code = run(ctx, []string{"verify", addr, "-store", "-dir", dir, "-gateway", srv.URL}, nil, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "NOT VERIFIED") {
		t.Fatalf("tampered chain: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "FAIL") != strings.Contains(line, middle) {
			t.Errorf("FAIL and the tampered id %s are not on the same line: %q", middle, line)
		}
	}

	if code := run(ctx, []string{"verify", "-store", "-dir", dir}, nil, &out, &errOut); code != 2 {
		t.Errorf("verify without an address: exit %d, want 2", code)
	}
}

// TestExportChainOfThree: `kleo export` reads three archives back, verifies
// them and writes 150 JSON lines oldest first with a summary; with the
// middle archive tampered it fails naming it and keeps the newest one
// verified; once the gateway serves the real data again it resumes.
func TestExportChainOfThree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	addr := "0x00000000000000000000000000000000000000ab"
	seedStore(t, dir, addr, 170)
	g := fakegw.New()
	srv := httptest.NewServer(g)
	defer srv.Close()
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"archive", "-dir", dir, "-wallet", testWalletPath, "-gateway", srv.URL}, nil, &out, &errOut); code != 0 {
		t.Fatalf("kleo archive: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	g.Mine()
	middle := g.Items()[1]
	g.Tamper(middle, func(b []byte) []byte { return bytes.Replace(b, []byte("Tomatoes"), []byte("Potatoes"), 1) })

	file := filepath.Join(t.TempDir(), "history.jsonl")
	export := []string{"export", "-store", "-dir", dir, "-gateway", srv.URL, "-quiet", "-o", file, addr}
	out.Reset()
	errOut.Reset()
	code := run(ctx, export, nil, &out, &errOut)
	msg := errOut.String()
	if code != 1 || !strings.Contains(msg, "archive 2 back from the newest ("+middle+")") || !strings.Contains(msg, "signature") ||
		!strings.Contains(msg, "1 archives verified so far") {
		t.Fatalf("tampered chain: exit %d\n%s\n%s", code, out.String(), msg)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a broken chain left an output file: %v", err)
	}

	g.Tamper(middle, func(b []byte) []byte { return b })
	out.Reset()
	errOut.Reset()
	if code := run(ctx, export, nil, &out, &errOut); code != 0 {
		t.Fatalf("resumed export: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"3 verified (1 resumed from an earlier run)", "items             150  (0 without text", "activities        Gardening=150", `"default_hash": no earlier upload`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 150 {
		t.Fatalf("%d lines, want 150", len(lines))
	}
	var prev int64
	for i, l := range lines {
		var it struct {
			Archive, ID, URL, Summary string
			VisitTime                 int64
		}
		if err := json.Unmarshal([]byte(l), &it); err != nil {
			t.Fatal(err)
		}
		if it.ID != fmt.Sprintf("%024x", i+1) || it.Summary != "Tomatoes grow in summer." || it.VisitTime < prev || it.Archive == "" {
			t.Fatalf("line %d: %s", i, l)
		}
		prev = it.VisitTime
	}
	if _, err := os.Stat(file + ".parts"); !os.IsNotExist(err) {
		t.Errorf("parts left after a finished export: %v", err)
	}
}
