package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/archive/fakegw"
	"github.com/kleo-network/kleo-stream/internal/config"
	"github.com/kleo-network/kleo-stream/internal/eip55"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

const walletFile = "../../internal/archive/testdata/wallet-TEST-ONLY-1.json"

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestMalformedWalletFailsAtStart(t *testing.T) {
	jwk, err := os.ReadFile(walletFile)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]string
	json.Unmarshal(jwk, &fields)
	secretD := fields["d"]
	fields["p"] = fields["q"] // inconsistent key
	broken, _ := json.Marshal(fields)
	for name, content := range map[string][]byte{
		"not JSON":     append([]byte("{"), jwk[:200]...),
		"inconsistent": broken,
		"public only":  []byte(`{"kty":"RSA","n":"` + fields["n"] + `","e":"AQAB"}`),
	} {
		read := func(string) ([]byte, error) { return content, nil }
		var out bytes.Buffer
		_, _, err := setup(context.Background(), env(map[string]string{"ARWEAVE_WALLET_FILE": "w.json", "KLEO_DATA_DIR": t.TempDir()}), nil, read, &out)
		if !errors.Is(err, config.ErrConfig) || !strings.Contains(err.Error(), "wallet") {
			t.Errorf("%s: err = %v, want a configuration error about the wallet", name, err)
			continue
		}
		if strings.Contains(err.Error(), secretD[:16]) || strings.Contains(out.String(), secretD[:16]) {
			t.Errorf("%s: the key appears in the error or output", name)
		}
	}
}

func TestHandlerSweepsAndReports(t *testing.T) {
	dir := t.TempDir()
	st, err := embedded.Open(context.Background(), dir, embedded.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	addr := "0x00000000000000000000000000000000000000cc"
	ctx := context.Background()
	if err := st.InsertUsers(ctx, []bson.M{{"_id": bson.NewObjectID(), "address": eip55.Checksum(addr), "kleo_points": int32(0), "previous_hash": "default_hash"}}); err != nil {
		t.Fatal(err)
	}
	docs := make([]bson.M, 60)
	entries := make([]store.Entry, 60)
	ids := make([]string, 60)
	for i := range docs {
		ids[i] = fmt.Sprintf("%024x", i+1)
		oid, _ := bson.ObjectIDFromHex(ids[i])
		docs[i] = bson.M{"_id": oid, "address": addr, "url": fmt.Sprintf("https://example.com/%d", i), "title": "Secret garden",
			"summary": "", "visitTime": float64(i)}
		entries[i] = store.Entry{ID: ids[i], Address: addr, Shard: "s", Seq: fmt.Sprint(i + 1), Activity: "Gardening", VisitTime: int64(i)}
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
	if errs, err := st.Apply(ctx, []store.Apply{{UserID: us[addr].ID, Version: us[addr].Version, Applied: ids}}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	st.Close(context.Background())

	g := fakegw.New()
	srv := httptest.NewServer(g)
	defer srv.Close()
	jwk, _ := os.ReadFile(walletFile)
	var out bytes.Buffer
	given := bytes.Clone(jwk)
	handler, closeStore, err := setup(context.Background(), env(map[string]string{
		"ARWEAVE_WALLET_FILE": filepath.Base(walletFile), "KLEO_DATA_DIR": dir, "ARWEAVE_GATEWAY_URL": srv.URL, "ARWEAVE_MODE": "gateway",
	}), nil, func(string) ([]byte, error) { return given, nil }, &out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(given, []byte{0}) != len(given) {
		t.Error("the wallet's JSON was not wiped after parsing")
	}
	defer closeStore()
	if err := handler(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, m := len(g.Accepted()), len(g.Items()); n != 1 || m != 1 {
		t.Errorf("%d bundles carrying %d archives, want 1 and 1", n, m)
	}
	var emf map[string]any
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, `"_aws"`) {
			json.Unmarshal([]byte(line), &emf)
		}
	}
	if emf["Uploads"] != 1.0 || emf["ArchiveFailures"] != 0.0 || emf["UploadBytes"].(float64) <= 0 {
		t.Errorf("EMF line %v", emf)
	}
	var fields map[string]string
	json.Unmarshal(jwk, &fields)
	for _, leak := range []string{fields["d"][:16], fields["p"][:16], "Secret garden", "example.com/"} {
		if strings.Contains(out.String(), leak) {
			t.Errorf("output contains %q", leak)
		}
	}
}
