package arweave

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// bundleCheck is run by node with arbundles: it verifies the bundle in the
// file argv[1] (every item's signature, the header ids) and lists its items;
// then it bundles two items of its own, signed with the JWK in argv[2], for
// the Go side to parse.
const bundleCheck = `
const fs = require("fs");
const { Bundle, createData, bundleAndSignData, ArweaveSigner } = require("arbundles");
(async () => {
  const b = new Bundle(fs.readFileSync(process.argv[1]));
  const valid = await b.verify();
  const items = b.items.map((it) => ({ id: it.id, tags: it.tags, data: it.rawData.toString() }));
  const signer = new ArweaveSigner(JSON.parse(fs.readFileSync(process.argv[2])));
  const own = [createData("first", signer, { tags: [{ name: "K", value: "1" }] }), createData("second", signer)];
  for (const d of own) await d.sign(signer);
  const theirs = await bundleAndSignData(own, signer);
  process.stdout.write(JSON.stringify({ valid, length: b.length, ids: b.getIds(), items,
    theirs: theirs.getRaw().toString("base64"), theirIds: theirs.getIds() }));
})().catch((e) => { console.error(e); process.exit(1); });
`

type bundleCheckResult struct {
	Valid  bool
	Length int
	IDs    []string
	Items  []struct {
		ID   string
		Tags []struct{ Name, Value string }
		Data string
	}
	Theirs   []byte
	TheirIDs []string
}

func runBundleCheck(t *testing.T, bundle []byte) bundleCheckResult {
	t.Helper()
	node, dir := nodeTools(t)
	f := filepath.Join(t.TempDir(), "bundle.bin")
	if err := os.WriteFile(f, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	wallet, _ := filepath.Abs("testdata/wallet-TEST-ONLY-1.json")
	cmd := exec.Command(node, "-e", bundleCheck, f, wallet)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("arbundles: %v\n%s", err, stderr.String())
	}
	var r bundleCheckResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("arbundles answered %q: %v", out, err)
	}
	return r
}

// TestArbundlesVerifiesGoBundles: a bundle laid out in Go from data items
// signed in Go is valid for arbundles, which reads the same ids, tags and
// data; a bundle laid out by arbundles parses in Go and its items verify;
// a bundle with one flipped data byte is invalid for both.
func TestArbundlesVerifiesGoBundles(t *testing.T) {
	w := testWallet(t, 1)
	var raws [][]byte
	var ids []string
	for i, data := range []string{"one", `{"version":2}`, "three"} {
		d := NewDataItem([]byte(data), Tag{"App-Name", "Kleo"}, Tag{"N", string(rune('a' + i))})
		if err := d.Sign(w); err != nil {
			t.Fatal(err)
		}
		raw, err := d.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		raws, ids = append(raws, raw), append(ids, d.ID())
	}
	b, err := NewBundle(raws)
	if err != nil {
		t.Fatal(err)
	}
	r := runBundleCheck(t, b)
	if !r.Valid || r.Length != 3 || !slices.Equal(r.IDs, ids) {
		t.Fatalf("arbundles: valid %v, %d items, ids %v; want %v", r.Valid, r.Length, r.IDs, ids)
	}
	if r.Items[1].Data != `{"version":2}` || len(r.Items[2].Tags) != 2 || r.Items[2].Tags[1].Value != "c" {
		t.Errorf("arbundles read %+v", r.Items)
	}

	entries, err := ParseBundle(r.Theirs)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].ID != r.TheirIDs[0] || entries[1].ID != r.TheirIDs[1] {
		t.Fatalf("Go read %d entries of arbundles' bundle %v", len(entries), r.TheirIDs)
	}
	for _, e := range entries {
		d, err := ParseDataItem(e.Raw)
		if err != nil || d.Verify() != nil || d.ID() != e.ID {
			t.Errorf("arbundles' item %s: %v", e.ID, err)
		}
	}

	bad := bytes.Clone(b)
	bad[len(bad)-1] ^= 1
	if r := runBundleCheck(t, bad); r.Valid {
		t.Error("arbundles accepts a bundle with a flipped data byte")
	}
	es, err := ParseBundle(bad)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := ParseDataItem(es[2].Raw)
	if !errors.Is(d.Verify(), ErrInvalidDataItem) {
		t.Error("Go verifies an item whose data changed")
	}
}

func TestParseBundleRejects(t *testing.T) {
	w := testWallet(t, 1)
	d := NewDataItem([]byte("x"))
	d.Sign(w)
	raw, _ := d.MarshalBinary()
	b, _ := NewBundle([][]byte{raw})
	tests := map[string][]byte{
		"short":         b[:20],
		"count too big": append([]byte{9}, b[1:]...),
		"truncated":     b[:len(b)-1],
		"trailing":      append(bytes.Clone(b), 0),
		"id mismatch":   func() []byte { c := bytes.Clone(b); c[32+32] ^= 1; return c }(),
	}
	for name, in := range tests {
		if _, err := ParseBundle(in); !errors.Is(err, ErrInvalidDataItem) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if got, err := ParseBundle(b); err != nil || len(got) != 1 || got[0].ID != d.ID() || !bytes.Equal(got[0].Raw, raw) {
		t.Errorf("round trip: %v, %v", got, err)
	}
	if n, _ := DataItemSize(1, nil); n != len(raw) {
		t.Errorf("DataItemSize = %d, the item has %d bytes", n, len(raw))
	}
}
