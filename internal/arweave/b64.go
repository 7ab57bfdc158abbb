package arweave

import (
	"encoding/base64"
	"fmt"
)

// b64 is the encoding Arweave uses for every binary field: base64url without padding.
var b64 = base64.RawURLEncoding

// EncodeB64 returns the base64url encoding of b without padding.
func EncodeB64(b []byte) string { return b64.EncodeToString(b) }

// DecodeB64 decodes base64url without padding. It also accepts padded input,
// which some tools emit, but rejects the standard alphabet.
func DecodeB64(s string) ([]byte, error) {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("arweave: invalid base64url: %w", err)
	}
	return b, nil
}
