package arweave

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// ANS-104 limits, as the standard and arbundles set them.
const (
	SignatureTypeArweave = 1    // RSA-4096 PSS, an Arweave wallet
	maxTags              = 128  // tags per data item
	maxTagNameBytes      = 1024 // bytes in a tag name
	maxTagValueBytes     = 3072 // bytes in a tag value
	maxTagBytes          = 4096 // Avro-encoded tag bytes arbundles accepts
	arweaveSigLen        = 512
	arweaveOwnerLen      = 512
)

// ErrInvalidDataItem is wrapped by the errors ParseDataItem and
// DataItem.Verify return.
var ErrInvalidDataItem = errors.New("arweave: invalid data item")

// DataItem is an ANS-104 data item signed by an Arweave wallet (signature type
// 1). Target and Anchor are either empty or 32 bytes.
type DataItem struct {
	Signature []byte
	Owner     []byte
	Target    []byte
	Anchor    []byte
	Tags      []Tag
	Data      []byte

	rawTags []byte // the tag bytes as parsed, which the signature covers
}

// tagBytes returns the encoded tags: the parsed bytes while Tags still says
// what they say (another Avro writer may have encoded them differently),
// else the canonical encoding.
func (d *DataItem) tagBytes() ([]byte, error) {
	if d.rawTags != nil {
		if parsed, err := DecodeTags(d.rawTags); err == nil && slices.Equal(parsed, d.Tags) {
			return d.rawTags, nil
		}
	}
	return EncodeTags(d.Tags)
}

// NewDataItem returns an unsigned data item carrying data and a copy of tags.
func NewDataItem(data []byte, tags ...Tag) *DataItem {
	return &DataItem{Data: data, Tags: slices.Clone(tags)}
}

// EncodeTags encodes tags as ANS-104 stores them: an Avro array of
// {name: bytes, value: bytes} records, or nothing at all for no tags.
func EncodeTags(tags []Tag) ([]byte, error) {
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return []byte{}, nil
	}
	b := binary.AppendVarint(nil, int64(len(tags)))
	for _, t := range tags {
		b = binary.AppendVarint(b, int64(len(t.Name)))
		b = append(b, t.Name...)
		b = binary.AppendVarint(b, int64(len(t.Value)))
		b = append(b, t.Value...)
	}
	b = append(b, 0) // end of the array
	if len(b) > maxTagBytes {
		return nil, fmt.Errorf("%w: tags encode to %d bytes, more than %d", ErrInvalidDataItem, len(b), maxTagBytes)
	}
	return b, nil
}

func checkTags(tags []Tag) error {
	if len(tags) > maxTags {
		return fmt.Errorf("%w: %d tags, at most %d", ErrInvalidDataItem, len(tags), maxTags)
	}
	for i, t := range tags {
		if len(t.Name) == 0 || len(t.Name) > maxTagNameBytes {
			return fmt.Errorf("%w: tag %d: name must have 1 to %d bytes", ErrInvalidDataItem, i, maxTagNameBytes)
		}
		if len(t.Value) == 0 || len(t.Value) > maxTagValueBytes {
			return fmt.Errorf("%w: tag %d (%s): value must have 1 to %d bytes", ErrInvalidDataItem, i, t.Name, maxTagValueBytes)
		}
	}
	return nil
}

// DecodeTags decodes Avro-encoded ANS-104 tags, including the blocked form
// (a negative count followed by a byte size) that Avro writers may use.
func DecodeTags(b []byte) ([]Tag, error) {
	if len(b) == 0 {
		return nil, nil
	}
	bad := func(what string) error { return fmt.Errorf("%w: tags: %s", ErrInvalidDataItem, what) }
	readLong := func() (int64, error) {
		v, n := binary.Varint(b)
		if n <= 0 {
			return 0, bad("truncated number")
		}
		b = b[n:]
		return v, nil
	}
	readBytes := func() (string, error) {
		n, err := readLong()
		if err != nil {
			return "", err
		}
		if n < 0 || n > int64(len(b)) {
			return "", bad("string runs past the end")
		}
		s := string(b[:n])
		b = b[n:]
		return s, nil
	}
	var tags []Tag
	for {
		count, err := readLong()
		if err != nil {
			return nil, err
		}
		if count == 0 {
			break
		}
		if count < 0 {
			count = -count
			if _, err := readLong(); err != nil { // the block's byte size
				return nil, err
			}
		}
		if count > maxTags || int64(len(tags))+count > maxTags {
			return nil, bad("too many tags")
		}
		for range count {
			name, err := readBytes()
			if err != nil {
				return nil, err
			}
			value, err := readBytes()
			if err != nil {
				return nil, err
			}
			tags = append(tags, Tag{name, value})
		}
	}
	if len(b) != 0 {
		return nil, bad("trailing bytes")
	}
	return tags, nil
}

// signatureData is the deep hash an Arweave-signed data item's signature
// covers: ["dataitem", "1", "1", owner, target, anchor, tag bytes, data].
func (d *DataItem) signatureData(tagBytes []byte) [48]byte {
	return DeepHash(List(
		Blob([]byte("dataitem")), Blob([]byte("1")), Blob([]byte("1")),
		Blob(d.Owner), Blob(d.Target), Blob(d.Anchor), Blob(tagBytes), Blob(d.Data),
	))
}

func (d *DataItem) checkShape() error {
	if len(d.Target) != 0 && len(d.Target) != 32 {
		return fmt.Errorf("%w: target must be empty or 32 bytes", ErrInvalidDataItem)
	}
	if len(d.Anchor) != 0 && len(d.Anchor) != 32 {
		return fmt.Errorf("%w: anchor must be empty or 32 bytes", ErrInvalidDataItem)
	}
	return nil
}

// Sign sets the item's owner and signs it with w.
func (d *DataItem) Sign(w *Wallet) error {
	if err := d.checkShape(); err != nil {
		return err
	}
	tagBytes, err := EncodeTags(d.Tags)
	if err != nil {
		return err
	}
	d.Owner, d.rawTags = w.owner, nil
	msg := d.signatureData(tagBytes)
	sig, err := w.Sign(msg[:])
	if err != nil {
		return err
	}
	d.Signature = sig
	return nil
}

// ID returns the item's id, base64url(SHA-256(signature)); empty before Sign.
func (d *DataItem) ID() string {
	if len(d.Signature) == 0 {
		return ""
	}
	return idOf(d.Signature)
}

// MarshalBinary returns the item in the ANS-104 binary layout: signature type
// (u16 LE), signature, owner, target and anchor (each a presence byte and 32
// bytes if present), tag count and tag byte length (u64 LE), tags, data.
func (d *DataItem) MarshalBinary() ([]byte, error) {
	if len(d.Signature) != arweaveSigLen || len(d.Owner) != arweaveOwnerLen {
		return nil, fmt.Errorf("%w: not signed by an Arweave wallet", ErrInvalidDataItem)
	}
	if err := d.checkShape(); err != nil {
		return nil, err
	}
	tagBytes, err := d.tagBytes()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 2+arweaveSigLen+arweaveOwnerLen+2+64+16+len(tagBytes)+len(d.Data))
	b = binary.LittleEndian.AppendUint16(b, SignatureTypeArweave)
	b = append(b, d.Signature...)
	b = append(b, d.Owner...)
	for _, opt := range [][]byte{d.Target, d.Anchor} {
		if len(opt) == 0 {
			b = append(b, 0)
		} else {
			b = append(append(b, 1), opt...)
		}
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(len(d.Tags)))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(tagBytes)))
	b = append(b, tagBytes...)
	return append(b, d.Data...), nil
}

// ParseDataItem parses an ANS-104 data item of signature type 1. It checks
// the layout, not the signature: call Verify for that.
func ParseDataItem(b []byte) (*DataItem, error) {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrInvalidDataItem, what) }
	if len(b) < 2 {
		return nil, bad("too short")
	}
	if t := binary.LittleEndian.Uint16(b); t != SignatureTypeArweave {
		return nil, bad(fmt.Sprintf("signature type %d, only 1 (Arweave) is supported", t))
	}
	b = b[2:]
	if len(b) < arweaveSigLen+arweaveOwnerLen {
		return nil, bad("too short")
	}
	d := &DataItem{Signature: b[:arweaveSigLen:arweaveSigLen], Owner: b[arweaveSigLen : arweaveSigLen+arweaveOwnerLen : arweaveSigLen+arweaveOwnerLen]}
	b = b[arweaveSigLen+arweaveOwnerLen:]
	for _, opt := range []*[]byte{&d.Target, &d.Anchor} {
		if len(b) < 1 {
			return nil, bad("too short")
		}
		switch b[0] {
		case 0:
			b = b[1:]
		case 1:
			if len(b) < 33 {
				return nil, bad("too short")
			}
			*opt, b = b[1:33:33], b[33:]
		default:
			return nil, bad("presence byte is neither 0 nor 1")
		}
	}
	if len(b) < 16 {
		return nil, bad("too short")
	}
	count, size := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
	b = b[16:]
	if size > maxTagBytes || size > uint64(len(b)) {
		return nil, bad("tag bytes out of range")
	}
	tags, err := DecodeTags(b[:size])
	if err != nil {
		return nil, err
	}
	if uint64(len(tags)) != count {
		return nil, bad(fmt.Sprintf("header says %d tags, found %d", count, len(tags)))
	}
	d.Tags, d.Data, d.rawTags = tags, b[size:], b[:size:size]
	return d, nil
}

// Verify checks the item's signature and tag limits.
func (d *DataItem) Verify() error {
	if err := d.checkShape(); err != nil {
		return err
	}
	tagBytes, err := d.tagBytes()
	if err != nil {
		return err
	}
	msg := d.signatureData(tagBytes)
	if err := verifySignature(d.Owner, msg[:], d.Signature); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidDataItem, err)
	}
	return nil
}

// OwnerAddress returns the address of the wallet that signed the item.
func (d *DataItem) OwnerAddress() string { return ownerAddress(d.Owner) }

// Tag returns the value of the first tag called name.
func (d *DataItem) Tag(name string) (string, bool) { return findTag(d.Tags, name) }
