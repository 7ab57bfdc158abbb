package arweave

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The cross-implementation tests run tools/node/arweave-check.js, which
// answers with arweave-js and arbundles. They fail, never skip, when node or
// the npm packages are missing: `make node` installs them from the lockfile.

const nodeDir = "../../tools/node"

func nodeTools(t *testing.T) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: install Node 20, then run `make node`")
	}
	dir, _ = filepath.Abs(nodeDir)
	for _, pkg := range []string{"arweave", "arbundles", "arlocal"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("%s is missing from tools/node/node_modules: run `make node`", pkg)
		}
	}
	return node, dir
}

// runChecker sends reqs to arweave-check.js and decodes its answers into out.
func runChecker(t *testing.T, reqs []map[string]any, out any) {
	t.Helper()
	node, dir := nodeTools(t)
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "arweave-check.js"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("arweave-check.js: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("arweave-check.js answered %q: %v", b, err)
	}
}

type jsResult struct {
	Error    string `json:"error"`
	Valid    bool   `json:"valid"`
	ID       string `json:"id"`
	DataRoot string `json:"data_root"`
	DataSize string `json:"data_size"`
	Chunks   []int64
	Tags     []struct{ Name, Value string }
	Owner    string
	Data     string
	Tx       json.RawMessage
	Item     string
}

func (r jsResult) tags() []Tag {
	var out []Tag
	for _, t := range r.Tags {
		out = append(out, Tag{t.Name, t.Value})
	}
	return out
}

func TestArweaveJSVerifiesGoTransactions(t *testing.T) {
	w := testWallet(t, 1)
	tags := []Tag{{"Content-Type", "application/json"}, {"App-Name", "Kleo"}, {"Kleo-Note", "naïve ☃ 日本"}, {"Previous-Tx", ""}}
	sizes := []int{0, 5, 100_000, MaxChunkSize, MaxChunkSize + 1, 600 * 1024, 2 * MaxChunkSize}
	var txs []*Transaction
	var reqs []map[string]any
	for _, n := range sizes {
		tx := signedTx(t, w, pattern(n), tags...)
		txs = append(txs, tx)
		reqs = append(reqs, map[string]any{"op": "verify-tx", "tx": tx})
	}
	tampered := signedTx(t, w, pattern(1000), tags...)
	tampered.Tags[0].Value = "text/html"
	reqs = append(reqs, map[string]any{"op": "verify-tx", "tx": tampered})
	var res []jsResult
	runChecker(t, reqs, &res)
	if len(res) != len(reqs) {
		t.Fatalf("%d answers for %d requests", len(res), len(reqs))
	}
	for i, tx := range txs {
		r := res[i]
		if r.Error != "" || !r.Valid {
			t.Errorf("n=%d: arweave-js says valid=%v error=%q", sizes[i], r.Valid, r.Error)
		}
		if r.ID != tx.ID {
			t.Errorf("n=%d: arweave-js id %s, Go %s", sizes[i], r.ID, tx.ID)
		}
		if r.DataRoot != tx.DataRoot || r.DataSize != tx.DataSize {
			t.Errorf("n=%d: arweave-js data_root %s size %s, Go %s size %s", sizes[i], r.DataRoot, r.DataSize, tx.DataRoot, tx.DataSize)
		}
		var ours []int64
		for _, c := range GenerateChunks(tx.Data).Chunks {
			ours = append(ours, c.Max-c.Min)
		}
		if !slices.Equal(r.Chunks, ours) && !(len(r.Chunks) == 0 && len(ours) == 0) {
			t.Errorf("n=%d: arweave-js chunks %v, Go %v", sizes[i], r.Chunks, ours)
		}
		if !slices.Equal(r.tags(), tags) {
			t.Errorf("n=%d: arweave-js tags %v", sizes[i], r.Tags)
		}
	}
	if last := res[len(res)-1]; last.Valid {
		t.Error("arweave-js accepts a tampered transaction: the checker checks nothing")
	}
}

func TestArbundlesVerifiesGoDataItems(t *testing.T) {
	w := testWallet(t, 1)
	tagSets := [][]Tag{
		nil,
		{{"Content-Type", "application/json"}},
		{{"Content-Type", "application/json"}, {"App-Name", "Kleo"}, {"Kleo-Note", "naïve ☃ 日本"}, {"Item-Count", "50"}},
	}
	var items []*DataItem
	var reqs []map[string]any
	for i, tags := range tagSets {
		d := NewDataItem(pattern(1000*i+1), tags...)
		if i == 2 {
			d.Anchor = bytes.Repeat([]byte{'a'}, 32)
			d.Target = bytes.Repeat([]byte{9}, 32)
		}
		if err := d.Sign(w); err != nil {
			t.Fatal(err)
		}
		raw, err := d.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, d)
		reqs = append(reqs, map[string]any{"op": "verify-item", "item": EncodeB64(raw)})
	}
	raw, _ := items[1].MarshalBinary()
	raw[len(raw)-1] ^= 1
	reqs = append(reqs, map[string]any{"op": "verify-item", "item": EncodeB64(raw)})
	var res []jsResult
	runChecker(t, reqs, &res)
	if len(res) != len(reqs) {
		t.Fatalf("%d answers for %d requests", len(res), len(reqs))
	}
	for i, d := range items {
		r := res[i]
		if r.Error != "" || !r.Valid {
			t.Errorf("item %d: arbundles says valid=%v error=%q", i, r.Valid, r.Error)
		}
		if r.ID != d.ID() || r.Owner != EncodeB64(d.Owner) || r.Data != EncodeB64(d.Data) {
			t.Errorf("item %d: arbundles reads id %s owner/data differently; Go id %s", i, r.ID, d.ID())
		}
		if !slices.Equal(r.tags(), d.Tags) {
			t.Errorf("item %d: arbundles tags %v, Go %v", i, r.Tags, d.Tags)
		}
	}
	if res[len(res)-1].Valid {
		t.Error("arbundles accepts a tampered item: the checker checks nothing")
	}
}

func TestGoVerifiesJSSigned(t *testing.T) {
	jwk, err := os.ReadFile("testdata/wallet-TEST-ONLY-2.json")
	if err != nil {
		t.Fatal(err)
	}
	data := pattern(300_000)
	tags := []map[string]string{{"name": "Content-Type", "value": "application/json"}, {"name": "App-Name", "value": "Kleo"}}
	reqs := []map[string]any{
		{"op": "sign-tx", "wallet": json.RawMessage(jwk), "data": EncodeB64(data), "tags": tags},
		{"op": "sign-item", "wallet": json.RawMessage(jwk), "data": EncodeB64(data[:5000]), "tags": tags},
	}
	var res []jsResult
	runChecker(t, reqs, &res)
	if len(res) != 2 || res[0].Error != "" || res[1].Error != "" {
		t.Fatalf("checker: %+v", res)
	}
	tx, err := ParseTransaction(res[0].Tx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Verify(); err != nil {
		t.Errorf("arweave-js transaction: %v", err)
	}
	if v, _ := tx.Tag("App-Name"); v != "Kleo" || !bytes.Equal(tx.Data, data) {
		t.Errorf("arweave-js transaction reads back wrong")
	}
	if addr, _ := tx.OwnerAddress(); addr != testWallet(t, 2).Address() {
		t.Errorf("owner %s", addr)
	}
	raw, err := DecodeB64(res[1].Item)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDataItem(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verify(); err != nil {
		t.Errorf("arbundles item: %v", err)
	}
	if v, _ := d.Tag("Content-Type"); v != "application/json" || !bytes.Equal(d.Data, data[:5000]) {
		t.Errorf("arbundles item reads back wrong")
	}
	back, _ := d.MarshalBinary()
	if !bytes.Equal(back, raw) {
		t.Error("re-encoding an arbundles item changes its bytes")
	}
	if strings.TrimSpace(res[1].Item) == "" {
		t.Error("empty item")
	}
}
