package arweave

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
)

func signedTx(t testing.TB, w *Wallet, data []byte, tags ...Tag) *Transaction {
	t.Helper()
	tx := NewTransaction(data, tags...)
	tx.LastTx = EncodeB64(bytes.Repeat([]byte{7}, 48))
	tx.Reward = "123456"
	if err := tx.Sign(w); err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestTransactionSignVerifyRoundTrip(t *testing.T) {
	w := testWallet(t, 1)
	for _, n := range []int{0, 5, MaxChunkSize, 600 * 1024} {
		tx := signedTx(t, w, pattern(n), Tag{"Content-Type", "application/json"}, Tag{"Previous-Tx", ""})
		if err := tx.Verify(); err != nil {
			t.Fatalf("n=%d: Verify: %v", n, err)
		}
		sig, _ := DecodeB64(tx.Signature)
		if h := sha256.Sum256(sig); tx.ID != EncodeB64(h[:]) {
			t.Errorf("n=%d: id is not SHA-256(signature)", n)
		}
		if tx.DataSize != strconv.Itoa(n) {
			t.Errorf("n=%d: data_size %s", n, tx.DataSize)
		}
		if (n == 0) != (tx.DataRoot == "") {
			t.Errorf("n=%d: data_root %q", n, tx.DataRoot)
		}
		body, err := json.Marshal(tx)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseTransaction(body)
		if err != nil {
			t.Fatal(err)
		}
		if err := back.Verify(); err != nil {
			t.Fatalf("n=%d: Verify after JSON round trip: %v", n, err)
		}
		if back.ID != tx.ID || !bytes.Equal(back.Data, tx.Data) || len(back.Tags) != 2 || back.Tags[1] != (Tag{"Previous-Tx", ""}) {
			t.Errorf("n=%d: JSON round trip changed the transaction", n)
		}
		if addr, _ := back.OwnerAddress(); addr != w.Address() {
			t.Errorf("n=%d: owner address %s, want %s", n, addr, w.Address())
		}
	}
}

func TestTransactionJSONFields(t *testing.T) {
	tx := signedTx(t, testWallet(t, 1), []byte("hi"), Tag{"App-Name", "Kleo"})
	body, _ := json.Marshal(tx)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"format": 2.0, "quantity": "0", "target": "", "data": "aGk", "data_size": "2", "reward": "123456",
		"tags": []any{map[string]any{"name": "QXBwLU5hbWU", "value": "S2xlbw"}}, "data_tree": []any{},
	}
	for k, v := range want {
		got, _ := json.Marshal(m[k])
		exp, _ := json.Marshal(v)
		if !bytes.Equal(got, exp) {
			t.Errorf("%s = %s, want %s", k, got, exp)
		}
	}
	for _, k := range []string{"id", "last_tx", "owner", "data_root", "signature"} {
		if s, _ := m[k].(string); s == "" {
			t.Errorf("%s is empty", k)
		}
	}
}

func TestTransactionVerifyDetectsTampering(t *testing.T) {
	w := testWallet(t, 1)
	cases := map[string]func(tx *Transaction){
		"reward":    func(tx *Transaction) { tx.Reward = "1" },
		"tag value": func(tx *Transaction) { tx.Tags[0].Value = "text/html" },
		"tag added": func(tx *Transaction) { tx.Tags = append(tx.Tags, Tag{"x", "y"}) },
		"last_tx":   func(tx *Transaction) { tx.LastTx = "" },
		"data":      func(tx *Transaction) { tx.Data[0] ^= 1 },
		"data size": func(tx *Transaction) { tx.Data = tx.Data[:len(tx.Data)-1] },
		"id":        func(tx *Transaction) { tx.ID = EncodeB64(make([]byte, 32)) },
		"owner":     func(tx *Transaction) { tx.Owner = testWallet(t, 2).Owner() },
		"signature": func(tx *Transaction) { s, _ := DecodeB64(tx.Signature); s[10] ^= 1; tx.Signature = EncodeB64(s) },
		"format":    func(tx *Transaction) { tx.Format = 1 },
	}
	for name, tamper := range cases {
		tx := signedTx(t, w, pattern(300_000), Tag{"Content-Type", "application/json"})
		tamper(tx)
		if err := tx.Verify(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Verify = %v, want ErrInvalid", name, err)
		}
	}
}

func TestTransactionVerifyData(t *testing.T) {
	tx := signedTx(t, testWallet(t, 1), pattern(1000))
	header := *tx
	header.Data = nil
	if err := header.Verify(); err != nil {
		t.Fatalf("header without data: %v", err)
	}
	if err := header.VerifyData(pattern(1000)); err != nil {
		t.Errorf("VerifyData(right data) = %v", err)
	}
	other := pattern(1000)
	other[999] ^= 1
	if err := header.VerifyData(other); !errors.Is(err, ErrInvalid) {
		t.Errorf("VerifyData(other data) = %v, want ErrInvalid", err)
	}
}

func TestSignRejectsBadReward(t *testing.T) {
	for _, r := range []string{"", "-1", "01", "1.5", "1e9"} {
		tx := NewTransaction([]byte("x"))
		tx.Reward = r
		if err := tx.Sign(testWallet(t, 1)); err == nil {
			t.Errorf("Sign with reward %q succeeded", r)
		}
	}
}

func TestChunkUploadsProveTheirChunks(t *testing.T) {
	w := testWallet(t, 1)
	for _, n := range []int{1, MaxChunkSize, MaxChunkSize + 1, 3*MaxChunkSize + 100, 600 * 1024} {
		tx := signedTx(t, w, pattern(n))
		ups, err := tx.ChunkUploads()
		if err != nil {
			t.Fatal(err)
		}
		root, _ := DecodeB64(tx.DataRoot)
		var total int64
		for i, u := range ups {
			chunk, _ := DecodeB64(u.Chunk)
			path, _ := DecodeB64(u.DataPath)
			off, _ := strconv.ParseInt(u.Offset, 10, 64)
			r, dataHash, err := ValidatePath(root, off, int64(n), path)
			if err != nil {
				t.Fatalf("n=%d chunk %d: %v", n, i, err)
			}
			if r.Min != total || r.Max != total+int64(len(chunk)) || dataHash != sha256.Sum256(chunk) {
				t.Errorf("n=%d chunk %d: proof is for %v, chunk is [%d, %d)", n, i, r, total, total+int64(len(chunk)))
			}
			total += int64(len(chunk))
		}
		if total != int64(n) {
			t.Errorf("n=%d: chunks hold %d bytes", n, total)
		}
		tx.Data = pattern(n + 1)
		if _, err := tx.ChunkUploads(); !errors.Is(err, ErrInvalid) {
			t.Errorf("n=%d: ChunkUploads of changed data = %v, want ErrInvalid", n, err)
		}
	}
}
