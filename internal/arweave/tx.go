package arweave

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Tag is a name/value pair attached to a transaction or data item. Name and
// Value are the raw strings; the JSON form of a transaction carries them in
// base64url.
type Tag struct {
	Name  string
	Value string
}

type tagJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MarshalJSON writes the tag as a format-2 transaction holds it.
func (t Tag) MarshalJSON() ([]byte, error) {
	return json.Marshal(tagJSON{EncodeB64([]byte(t.Name)), EncodeB64([]byte(t.Value))})
}

// UnmarshalJSON reads a base64url tag.
func (t *Tag) UnmarshalJSON(b []byte) error {
	var j tagJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	n, err := DecodeB64(j.Name)
	if err != nil {
		return fmt.Errorf("tag name: %w", err)
	}
	v, err := DecodeB64(j.Value)
	if err != nil {
		return fmt.Errorf("tag value: %w", err)
	}
	t.Name, t.Value = string(n), string(v)
	return nil
}

// Transaction is an Arweave format-2 transaction. The string fields hold what
// the JSON form holds (base64url for binary fields, decimal for amounts); Data
// holds the raw data, which is empty in a header fetched from a gateway.
//
// Build one with [NewTransaction], set LastTx and Reward, then [Transaction.Sign].
type Transaction struct {
	Format    int
	ID        string
	LastTx    string
	Owner     string
	Tags      []Tag
	Target    string
	Quantity  string
	Data      []byte
	DataSize  string
	DataRoot  string
	Reward    string
	Signature string
}

// txJSON is the wire form, in the field order arweave-js writes.
type txJSON struct {
	Format    int      `json:"format"`
	ID        string   `json:"id"`
	LastTx    string   `json:"last_tx"`
	Owner     string   `json:"owner"`
	Tags      []Tag    `json:"tags"`
	Target    string   `json:"target"`
	Quantity  string   `json:"quantity"`
	Data      string   `json:"data"`
	DataSize  string   `json:"data_size"`
	DataTree  []string `json:"data_tree"`
	DataRoot  string   `json:"data_root"`
	Reward    string   `json:"reward"`
	Signature string   `json:"signature"`
}

// NewTransaction returns an unsigned format-2 transaction carrying data and
// a copy of tags, moving no tokens.
func NewTransaction(data []byte, tags ...Tag) *Transaction {
	return &Transaction{Format: 2, Quantity: "0", Data: data, Tags: slices.Clone(tags)}
}

// MarshalJSON writes the transaction as gateways accept it on POST /tx.
func (tx *Transaction) MarshalJSON() ([]byte, error) {
	tags := tx.Tags
	if tags == nil {
		tags = []Tag{}
	}
	return json.Marshal(txJSON{
		Format: tx.Format, ID: tx.ID, LastTx: tx.LastTx, Owner: tx.Owner, Tags: tags,
		Target: tx.Target, Quantity: tx.Quantity, Data: EncodeB64(tx.Data), DataSize: tx.DataSize,
		DataTree: []string{}, DataRoot: tx.DataRoot, Reward: tx.Reward, Signature: tx.Signature,
	})
}

// UnmarshalJSON reads the JSON form of a transaction.
func (tx *Transaction) UnmarshalJSON(b []byte) error {
	var j txJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	data, err := DecodeB64(j.Data)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	*tx = Transaction{
		Format: j.Format, ID: j.ID, LastTx: j.LastTx, Owner: j.Owner, Tags: j.Tags,
		Target: j.Target, Quantity: j.Quantity, Data: data, DataSize: j.DataSize,
		DataRoot: j.DataRoot, Reward: j.Reward, Signature: j.Signature,
	}
	return nil
}

// ParseTransaction parses the JSON form of a transaction, as MarshalJSON
// writes it or a gateway serves it. It does not verify it.
func ParseTransaction(b []byte) (*Transaction, error) {
	tx := new(Transaction)
	if err := json.Unmarshal(b, tx); err != nil {
		return nil, fmt.Errorf("arweave: parse transaction: %w", err)
	}
	return tx, nil
}

// SignatureData returns the deep hash a format-2 transaction's signature
// covers: ["2", owner, target, quantity, reward, last_tx, tags, data_size,
// data_root], binary fields decoded.
func (tx *Transaction) SignatureData() ([48]byte, error) {
	if tx.Format != 2 {
		return [48]byte{}, fmt.Errorf("arweave: format %d transactions are not supported", tx.Format)
	}
	var fields [4][]byte
	for i, f := range []struct{ name, v string }{
		{"owner", tx.Owner}, {"target", tx.Target}, {"last_tx", tx.LastTx}, {"data_root", tx.DataRoot},
	} {
		b, err := DecodeB64(f.v)
		if err != nil {
			return [48]byte{}, fmt.Errorf("%s: %w", f.name, err)
		}
		fields[i] = b
	}
	tags := make([]DeepHashItem, len(tx.Tags))
	for i, t := range tx.Tags {
		tags[i] = List(Blob([]byte(t.Name)), Blob([]byte(t.Value)))
	}
	return DeepHash(List(
		Blob([]byte("2")), Blob(fields[0]), Blob(fields[1]),
		Blob([]byte(tx.Quantity)), Blob([]byte(tx.Reward)), Blob(fields[2]),
		List(tags...), Blob([]byte(tx.DataSize)), Blob(fields[3]),
	)), nil
}

// Sign sets the transaction's owner, data_size and data_root (from Data), then
// signs it with w and sets Signature and ID. LastTx and Reward must be set
// first: they are signed.
func (tx *Transaction) Sign(w *Wallet) error {
	if tx.Format == 0 {
		tx.Format = 2
	}
	if tx.Quantity == "" {
		tx.Quantity = "0"
	}
	if err := checkWinston("reward", tx.Reward); err != nil {
		return err
	}
	tx.Owner = w.Owner()
	tx.DataSize = strconv.Itoa(len(tx.Data))
	tx.DataRoot = EncodeB64(DataRoot(tx.Data))
	msg, err := tx.SignatureData()
	if err != nil {
		return err
	}
	sig, err := w.Sign(msg[:])
	if err != nil {
		return err
	}
	tx.Signature = EncodeB64(sig)
	tx.ID = idOf(sig)
	return nil
}

func idOf(sig []byte) string {
	h := sha256.Sum256(sig)
	return EncodeB64(h[:])
}

// ErrInvalid is wrapped by the errors Verify and VerifyData return.
var ErrInvalid = errors.New("arweave: invalid transaction")

// Verify checks the transaction's signature, that its id is the hash of that
// signature, and, when Data is present, that data_size and data_root describe
// it. A header without data (as GET /tx/{id} serves it) is checked without
// its data; check the data with VerifyData.
func (tx *Transaction) Verify() error {
	msg, err := tx.SignatureData()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	owner, err := DecodeB64(tx.Owner)
	if err != nil {
		return fmt.Errorf("%w: owner: %w", ErrInvalid, err)
	}
	sig, err := DecodeB64(tx.Signature)
	if err != nil {
		return fmt.Errorf("%w: signature: %w", ErrInvalid, err)
	}
	if err := verifySignature(owner, msg[:], sig); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if tx.ID != idOf(sig) {
		return fmt.Errorf("%w: id is not SHA-256 of the signature", ErrInvalid)
	}
	if len(tx.Data) > 0 {
		return tx.VerifyData(tx.Data)
	}
	return nil
}

// VerifyData checks that data is what the transaction's data_size and
// data_root commit to.
func (tx *Transaction) VerifyData(data []byte) error {
	if tx.DataSize != strconv.Itoa(len(data)) {
		return fmt.Errorf("%w: data_size %s, data has %d bytes", ErrInvalid, tx.DataSize, len(data))
	}
	root, err := DecodeB64(tx.DataRoot)
	if err != nil {
		return fmt.Errorf("%w: data_root: %w", ErrInvalid, err)
	}
	if !bytes.Equal(root, DataRoot(data)) {
		return fmt.Errorf("%w: data_root does not match the data", ErrInvalid)
	}
	return nil
}

// OwnerAddress returns the address of the wallet that signed the transaction.
func (tx *Transaction) OwnerAddress() (string, error) { return OwnerAddress(tx.Owner) }

// Tag returns the value of the first tag called name.
func (tx *Transaction) Tag(name string) (string, bool) { return findTag(tx.Tags, name) }

func findTag(tags []Tag, name string) (string, bool) {
	for _, t := range tags {
		if t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

// checkWinston accepts a non-negative decimal integer without leading zeros.
func checkWinston(field, s string) error {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return fmt.Errorf("arweave: %s %q is not a winston amount", field, s)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return fmt.Errorf("arweave: %s %q is not a winston amount", field, s)
		}
	}
	return nil
}

// ChunkUpload is the body of POST /chunk: one chunk of a transaction's data
// with its proof.
type ChunkUpload struct {
	DataRoot string `json:"data_root"`
	DataSize string `json:"data_size"`
	DataPath string `json:"data_path"`
	Offset   string `json:"offset"`
	Chunk    string `json:"chunk"`
}

// ChunkUploads returns the chunks of tx.Data with their proofs, in order, after
// checking that they match the signed data_root.
func (tx *Transaction) ChunkUploads() ([]ChunkUpload, error) {
	c := GenerateChunks(tx.Data)
	if EncodeB64(c.DataRoot) != tx.DataRoot || tx.DataSize != strconv.Itoa(len(tx.Data)) {
		return nil, fmt.Errorf("%w: data does not match data_root/data_size", ErrInvalid)
	}
	out := make([]ChunkUpload, len(c.Chunks))
	for i, r := range c.Chunks {
		out[i] = ChunkUpload{
			DataRoot: tx.DataRoot, DataSize: tx.DataSize,
			DataPath: EncodeB64(c.Proofs[i].Path), Offset: strconv.FormatInt(c.Proofs[i].Offset, 10),
			Chunk: EncodeB64(tx.Data[r.Min:r.Max]),
		}
	}
	return out, nil
}
