// Package eip55 spells Ethereum addresses the way wallets print them: the
// mixed-case checksum encoding of EIP-55.
//
// Kleo's backend stores a user's address in this form while its history API
// stores it lower-cased; since the checksum spelling follows from the
// lower-case one, a store can match both spellings with one indexed $in
// instead of a case-insensitive scan.
package eip55

import (
	"encoding/hex"

	"golang.org/x/crypto/sha3"
)

// Checksum returns the EIP-55 spelling of a lower-case "0x" + 40 hex digit
// address. Any other input is returned unchanged.
func Checksum(lower string) string {
	if !isLowerHex(lower) {
		return lower
	}
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(lower[2:]))
	var sum [32]byte
	h.Sum(sum[:0])
	out := []byte(lower)
	for i := 2; i < len(out); i++ {
		c := out[i]
		if c < 'a' || c > 'f' {
			continue
		}
		nib := sum[(i-2)/2]
		if (i-2)%2 == 0 {
			nib >>= 4
		}
		if nib&0xf >= 8 {
			out[i] = c - 'a' + 'A'
		}
	}
	return string(out)
}

// Valid reports whether s is a well-formed address whose letters are all
// lower case, all upper case or exactly the EIP-55 spelling.
func Valid(s string) bool {
	if len(s) != 42 || s[0] != '0' || s[1] != 'x' {
		return false
	}
	if _, err := hex.DecodeString(s[2:]); err != nil {
		return false
	}
	lower := []byte(s)
	upper := true
	for i := 2; i < len(lower); i++ {
		c := lower[i]
		if c >= 'A' && c <= 'F' {
			lower[i] = c - 'A' + 'a'
		} else if c >= 'a' && c <= 'f' {
			upper = false
		}
	}
	l := string(lower)
	return s == l || upper || s == Checksum(l)
}

func isLowerHex(s string) bool {
	if len(s) != 42 || s[0] != '0' || s[1] != 'x' {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
