package arweave

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// vectors is testdata/arweave.json, computed with arweave-js 1.15.7 (see testdata/README.md).
type vectors struct {
	DeepHash []struct {
		Input     string `json:"input"`
		SHA384Hex string `json:"sha384_hex"`
	} `json:"deep_hash"`
	DataRoot struct {
		Cases []struct {
			N        int     `json:"n"`
			Chunks   []int64 `json:"chunks"`
			DataRoot string  `json:"data_root_b64url"`
		} `json:"cases"`
		Hello struct {
			Data     string `json:"data_utf8"`
			DataRoot string `json:"data_root_b64url"`
			DataPath string `json:"data_path_b64url"`
			Offset   int64  `json:"offset"`
		} `json:"hello"`
	} `json:"data_root"`
	WalletAddress struct {
		N       string `json:"n_b64url"`
		Address string `json:"address"`
	} `json:"wallet_address"`
	Format2 struct {
		LastTx    string `json:"last_tx"`
		Target    string `json:"target"`
		Quantity  string `json:"quantity"`
		Reward    string `json:"reward"`
		Tags      []struct{ Name, Value string }
		Data      string `json:"data_utf8"`
		DataSize  string `json:"data_size"`
		DataRoot  string `json:"data_root_b64url"`
		SHA384Hex string `json:"sha384_hex"`
	} `json:"format2_signature_data"`
	Avro struct {
		Tags []struct{ Name, Value string }
		Hex  string `json:"hex"`
	} `json:"ans104_avro_tags"`
}

func loadVectors(t testing.TB) *vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/arweave.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

// pattern is the vectors' data: byte i is i % 251.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func TestVectorsDeepHash(t *testing.T) {
	v := loadVectors(t)
	items := map[string]DeepHashItem{
		"list []":                 List(),
		"blob \"\" (empty bytes)": Blob([]byte{}),
		"blob \"abc\"":            Blob([]byte("abc")),
		"list [blob \"abc\", list [blob \"d\", blob \"e\"]]": List(Blob([]byte("abc")), List(Blob([]byte("d")), Blob([]byte("e")))),
	}
	if len(v.DeepHash) != len(items) {
		t.Fatalf("%d deep hash vectors, test knows %d", len(v.DeepHash), len(items))
	}
	for _, c := range v.DeepHash {
		item, ok := items[c.Input]
		if !ok {
			t.Fatalf("no item for vector %q", c.Input)
		}
		got := DeepHash(item)
		if hex.EncodeToString(got[:]) != c.SHA384Hex {
			t.Errorf("DeepHash(%s) = %x, want %s", c.Input, got, c.SHA384Hex)
		}
	}
}

func TestVectorsDataRoot(t *testing.T) {
	v := loadVectors(t)
	if len(v.DataRoot.Cases) == 0 {
		t.Fatal("no data_root vectors")
	}
	for _, c := range v.DataRoot.Cases {
		data := pattern(c.N)
		var sizes []int64
		for _, r := range chunkRanges(int64(c.N)) {
			sizes = append(sizes, r.Max-r.Min)
		}
		if !slices.Equal(sizes, c.Chunks) {
			t.Errorf("n=%d: chunk sizes %v, want %v", c.N, sizes, c.Chunks)
		}
		if got := EncodeB64(DataRoot(data)); got != c.DataRoot {
			t.Errorf("n=%d: data_root %s, want %s", c.N, got, c.DataRoot)
		}
	}
}

func TestVectorsHelloDataPath(t *testing.T) {
	h := loadVectors(t).DataRoot.Hello
	c := GenerateChunks([]byte(h.Data))
	if got := EncodeB64(c.DataRoot); got != h.DataRoot {
		t.Errorf("data_root %s, want %s", got, h.DataRoot)
	}
	if len(c.Proofs) != 1 {
		t.Fatalf("%d proofs, want 1", len(c.Proofs))
	}
	if got := EncodeB64(c.Proofs[0].Path); got != h.DataPath {
		t.Errorf("data_path %s, want %s", got, h.DataPath)
	}
	if c.Proofs[0].Offset != h.Offset {
		t.Errorf("offset %d, want %d", c.Proofs[0].Offset, h.Offset)
	}
}

func TestVectorsWalletAddress(t *testing.T) {
	w := loadVectors(t).WalletAddress
	got, err := OwnerAddress(w.N)
	if err != nil {
		t.Fatal(err)
	}
	if got != w.Address {
		t.Errorf("address %s, want %s", got, w.Address)
	}
}

func TestVectorsFormat2SignatureData(t *testing.T) {
	v := loadVectors(t)
	f := v.Format2
	tx := &Transaction{
		Format: 2, Owner: v.WalletAddress.N, LastTx: f.LastTx, Target: f.Target,
		Quantity: f.Quantity, Reward: f.Reward, Data: []byte(f.Data),
		DataSize: f.DataSize, DataRoot: f.DataRoot,
	}
	for _, tag := range f.Tags {
		tx.Tags = append(tx.Tags, Tag{tag.Name, tag.Value})
	}
	if got := EncodeB64(DataRoot(tx.Data)); got != f.DataRoot {
		t.Errorf("data_root %s, want %s", got, f.DataRoot)
	}
	got, err := tx.SignatureData()
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(got[:]) != f.SHA384Hex {
		t.Errorf("signature data %x, want %s", got, f.SHA384Hex)
	}
}

func TestVectorsAvroTags(t *testing.T) {
	a := loadVectors(t).Avro
	var tags []Tag
	for _, tag := range a.Tags {
		tags = append(tags, Tag{tag.Name, tag.Value})
	}
	got, err := EncodeTags(tags)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := hex.DecodeString(a.Hex)
	if !bytes.Equal(got, want) {
		t.Errorf("EncodeTags = %x, want %s", got, a.Hex)
	}
	back, err := DecodeTags(want)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back, tags) {
		t.Errorf("DecodeTags = %v, want %v", back, tags)
	}
}
