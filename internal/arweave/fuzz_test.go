package arweave

import (
	"bytes"
	"testing"
)

// The parsers face bytes from the network and from persisted intents: they
// must reject garbage without panicking, and what they accept must re-encode
// to the same bytes.

func FuzzParseDataItem(f *testing.F) {
	d := NewDataItem([]byte("seed"), Tag{"A", "b"})
	if err := d.Sign(testWallet(f, 1)); err != nil {
		f.Fatal(err)
	}
	raw, _ := d.MarshalBinary()
	f.Add(raw)
	f.Add(raw[:1100])
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDataItem(b)
		if err != nil {
			return
		}
		back, err := d.MarshalBinary()
		if err != nil {
			return // e.g. tags within the layout but outside ANS-104's limits
		}
		if !bytes.Equal(back, b) {
			t.Errorf("re-encoding changed the item")
		}
	})
}

func FuzzDecodeTags(f *testing.F) {
	enc, _ := EncodeTags([]Tag{{"Content-Type", "application/json"}, {"App-Name", "x"}})
	f.Add(enc)
	f.Add([]byte{3, 2, 'a', 2, 'b', 0})
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		tags, err := DecodeTags(b)
		if err != nil {
			return
		}
		if re, err := EncodeTags(tags); err == nil {
			if again, err := DecodeTags(re); err != nil || len(again) != len(tags) {
				t.Errorf("round trip of %v failed: %v", tags, err)
			}
		}
	})
}

func FuzzParseWallet(f *testing.F) {
	f.Add([]byte(`{"kty":"RSA"}`))
	f.Add([]byte(`{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQ","p":"Aw","q":"BQ"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := ParseWallet(b); err == nil {
			t.Errorf("accepted %q", b)
		}
	})
}
