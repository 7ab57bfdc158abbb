package arweave

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
)

func signedItem(t testing.TB, w *Wallet, data []byte, tags ...Tag) *DataItem {
	t.Helper()
	d := NewDataItem(data, tags...)
	if err := d.Sign(w); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDataItemRoundTrip(t *testing.T) {
	w := testWallet(t, 1)
	tags := []Tag{{"Content-Type", "application/json"}, {"App-Name", "Kleo"}}
	for name, d := range map[string]*DataItem{
		"tags":           signedItem(t, w, []byte(`{"a":1}`), tags...),
		"no tags":        signedItem(t, w, []byte("x")),
		"no data":        signedItem(t, w, nil, tags...),
		"target, anchor": {Target: bytes.Repeat([]byte{1}, 32), Anchor: bytes.Repeat([]byte{2}, 32), Data: []byte("y"), Tags: tags},
	} {
		if d.Signature == nil {
			if err := d.Sign(w); err != nil {
				t.Fatal(err)
			}
		}
		raw, err := d.MarshalBinary()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if binary.LittleEndian.Uint16(raw) != 1 || !bytes.Equal(raw[2:514], d.Signature) || !bytes.Equal(raw[514:1026], d.Owner) {
			t.Errorf("%s: header layout wrong", name)
		}
		back, err := ParseDataItem(raw)
		if err != nil {
			t.Fatalf("%s: parse: %v", name, err)
		}
		if err := back.Verify(); err != nil {
			t.Fatalf("%s: verify: %v", name, err)
		}
		if back.ID() != d.ID() || len(d.ID()) != 43 || !slices.Equal(back.Tags, d.Tags) || !bytes.Equal(back.Data, d.Data) ||
			!bytes.Equal(back.Target, d.Target) || !bytes.Equal(back.Anchor, d.Anchor) {
			t.Errorf("%s: round trip changed the item", name)
		}
		if back.OwnerAddress() != w.Address() {
			t.Errorf("%s: owner address %s", name, back.OwnerAddress())
		}
	}
}

func TestDataItemVerifyDetectsTampering(t *testing.T) {
	w := testWallet(t, 1)
	raw, _ := signedItem(t, w, []byte("payload"), Tag{"Content-Type", "text/plain"}).MarshalBinary()
	for name, tamper := range map[string]func(d *DataItem){
		"data":      func(d *DataItem) { d.Data = []byte("Payload") },
		"tag":       func(d *DataItem) { d.Tags[0].Value = "text/html" },
		"tag added": func(d *DataItem) { d.Tags = append(d.Tags, Tag{"a", "b"}) },
		"anchor":    func(d *DataItem) { d.Anchor = make([]byte, 32) },
		"owner":     func(d *DataItem) { d.Owner = testWallet(t, 2).owner },
	} {
		d, err := ParseDataItem(bytes.Clone(raw))
		if err != nil {
			t.Fatal(err)
		}
		tamper(d)
		if err := d.Verify(); !errors.Is(err, ErrInvalidDataItem) {
			t.Errorf("%s: Verify = %v, want ErrInvalidDataItem", name, err)
		}
	}
}

func TestParseDataItemRejects(t *testing.T) {
	raw, _ := signedItem(t, testWallet(t, 1), []byte("payload"), Tag{"A", "b"}).MarshalBinary()
	tagsAt := 2 + 512 + 512 + 2
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(raw)) }
	for name, b := range map[string][]byte{
		"empty":         nil,
		"type 2":        mod(func(b []byte) []byte { b[0] = 2; return b }),
		"truncated":     raw[:1000],
		"presence byte": mod(func(b []byte) []byte { b[2+1024] = 7; return b }),
		"tag count":     mod(func(b []byte) []byte { b[tagsAt] = 2; return b }),
		"tag length":    mod(func(b []byte) []byte { b[tagsAt+8] = 0xff; b[tagsAt+9] = 0xff; return b }),
		"no tag header": raw[:tagsAt+10],
	} {
		if _, err := ParseDataItem(b); !errors.Is(err, ErrInvalidDataItem) {
			t.Errorf("%s: err = %v, want ErrInvalidDataItem", name, err)
		}
	}
}

func TestEncodeTagsLimits(t *testing.T) {
	many := make([]Tag, 129)
	for i := range many {
		many[i] = Tag{"n", "v"}
	}
	for name, tags := range map[string][]Tag{
		"129 tags":       many,
		"empty name":     {{"", "v"}},
		"empty value":    {{"n", ""}},
		"long name":      {{strings.Repeat("n", 1025), "v"}},
		"too many bytes": {{"a", strings.Repeat("v", 3000)}, {"b", strings.Repeat("v", 3000)}},
	} {
		if _, err := EncodeTags(tags); !errors.Is(err, ErrInvalidDataItem) {
			t.Errorf("%s: err = %v, want ErrInvalidDataItem", name, err)
		}
	}
	if b, err := EncodeTags(nil); err != nil || len(b) != 0 {
		t.Errorf("EncodeTags(nil) = %x, %v; want no bytes", b, err)
	}
}

func TestDecodeTagsBlockedForm(t *testing.T) {
	// Avro may write a block as a negative count and its byte size.
	b := binary.AppendVarint(nil, -2)
	b = binary.AppendVarint(b, 6)
	for _, s := range []string{"a", "b", "c", "d"} {
		b = binary.AppendVarint(b, 1)
		b = append(b, s...)
	}
	b = append(binary.AppendVarint(b, 1), 2, 'e', 2, 'f', 0)
	got, err := DecodeTags(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Tag{{"a", "b"}, {"c", "d"}, {"e", "f"}}; !slices.Equal(got, want) {
		t.Errorf("DecodeTags = %v, want %v", got, want)
	}
	for name, bad := range map[string][]byte{
		"no end":   b[:len(b)-1],
		"trailing": append(bytes.Clone(b), 0),
		"overrun":  {2, 40, 'a'},
	} {
		if _, err := DecodeTags(bad); !errors.Is(err, ErrInvalidDataItem) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
