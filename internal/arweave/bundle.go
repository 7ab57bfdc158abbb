package arweave

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Tags that mark a transaction's data as an ANS-104 bundle.
var BundleTags = []Tag{{Name: "Bundle-Format", Value: "binary"}, {Name: "Bundle-Version", Value: "2.0.0"}}

// NewBundle lays out signed data items (binary, as MarshalBinary returns
// them) as an ANS-104 bundle: the item count as a 32-byte little-endian
// number, then per item its size (32 bytes LE) and raw id (32 bytes,
// SHA-256 of its signature), then the items in the same order.
func NewBundle(items [][]byte) ([]byte, error) {
	size := 32 + 64*len(items)
	for _, it := range items {
		size += len(it)
	}
	b := make([]byte, 32, size)
	binary.LittleEndian.PutUint64(b, uint64(len(items)))
	for i, it := range items {
		d, err := ParseDataItem(it)
		if err != nil {
			return nil, fmt.Errorf("bundle item %d: %w", i, err)
		}
		var n [32]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(it)))
		id := sha256.Sum256(d.Signature)
		b = append(append(b, n[:]...), id[:]...)
	}
	for _, it := range items {
		b = append(b, it...)
	}
	return b, nil
}

// BundleEntry is one item of a parsed bundle.
type BundleEntry struct {
	ID  string // from the bundle's header
	Raw []byte // the item's bytes
}

// ParseBundle splits an ANS-104 bundle into its items. It checks the
// layout and that each header id is the id of the item it announces (the
// SHA-256 of its signature), not the items' signatures.
func ParseBundle(b []byte) ([]BundleEntry, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: bundle: %s", ErrInvalidDataItem, fmt.Sprintf(format, args...))
	}
	if len(b) < 32 {
		return nil, bad("too short")
	}
	n := binary.LittleEndian.Uint64(b)
	for _, c := range b[8:32] {
		if c != 0 {
			return nil, bad("item count out of range")
		}
	}
	if n > uint64(len(b)-32)/64 {
		return nil, bad("%d items do not fit %d bytes", n, len(b))
	}
	off := 32 + 64*int(n)
	out := make([]BundleEntry, n)
	for i := range out {
		h := b[32+64*i : 32+64*(i+1)]
		size := binary.LittleEndian.Uint64(h)
		for _, c := range h[8:32] {
			if c != 0 {
				return nil, bad("item %d: size out of range", i)
			}
		}
		if size > uint64(len(b)-off) {
			return nil, bad("item %d runs past the end", i)
		}
		raw := b[off : off+int(size) : off+int(size)]
		d, err := ParseDataItem(raw)
		if err != nil {
			return nil, fmt.Errorf("bundle item %d: %w", i, err)
		}
		if sum := sha256.Sum256(d.Signature); string(sum[:]) != string(h[32:64]) {
			return nil, bad("item %d: header id is not the item's", i)
		}
		out[i] = BundleEntry{ID: EncodeB64(h[32:64]), Raw: raw}
		off += int(size)
	}
	if off != len(b) {
		return nil, bad("%d trailing bytes", len(b)-off)
	}
	return out, nil
}

// DataItemSize is the size of an Arweave-signed data item without target
// or anchor (as BundlerUploader signs them) carrying dataLen bytes and tags.
func DataItemSize(dataLen int, tags []Tag) (int, error) {
	tb, err := EncodeTags(tags)
	if err != nil {
		return 0, err
	}
	return 2 + arweaveSigLen + arweaveOwnerLen + 1 + 1 + 16 + len(tb) + dataLen, nil
}

// BundleUploader signs each upload as an ANS-104 data item and carries
// many of them in one bundle: a base-layer transaction, tagged
// Bundle-Format: binary and Bundle-Version: 2.0.0, posted through a gateway.
// Prepare signs a data item (no network); Bundle signs the transaction
// carrying items; Post posts that transaction (a data item cannot be posted
// alone); Status asks the gateway about a transaction.
type BundleUploader struct {
	Gateway *Gateway
	Wallet  *Wallet
}

// Prepare signs data and tags as a data item.
func (u *BundleUploader) Prepare(ctx context.Context, data []byte, tags []Tag) (*Signed, error) {
	return (&BundlerUploader{Wallet: u.Wallet}).Prepare(ctx, data, tags)
}

// Bundle lays items (binary data items) out as a bundle and signs the
// transaction that carries it, with the gateway's anchor and price.
func (u *BundleUploader) Bundle(ctx context.Context, items [][]byte) (*Signed, error) {
	data, err := NewBundle(items)
	if err != nil {
		return nil, err
	}
	return (&GatewayUploader{Gateway: u.Gateway, Wallet: u.Wallet}).Prepare(ctx, data, BundleTags)
}

// Post posts a bundle transaction.
func (u *BundleUploader) Post(ctx context.Context, s *Signed) error {
	if s.Kind != KindTransaction {
		return fmt.Errorf("arweave: a data item travels inside a bundle; post the bundle")
	}
	return (&GatewayUploader{Gateway: u.Gateway, Wallet: u.Wallet}).Post(ctx, s)
}

// Status asks the gateway where transaction id stands.
func (u *BundleUploader) Status(ctx context.Context, id string) (Status, error) {
	return u.Gateway.Status(ctx, id)
}
