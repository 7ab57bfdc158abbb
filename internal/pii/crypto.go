package pii

import (
	"crypto/sha256"
	"strings"
)

// Wallet addresses and keys. See docs/pii.md for the policy: every wallet
// address except the record owner's own is redacted; 0x-prefixed 32-byte
// hashes (transaction and block hashes) are public and stay unless a
// private-key keyword introduces them.

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// crypto records a wallet address unless it is the owner's own.
func (sc *scanner) crypto(i, j int) int {
	if sc.keep != "" && strings.EqualFold(sc.s[i:j], sc.keep) {
		return j
	}
	return sc.add(Crypto, i, j)
}

// hex0x handles a run that starts with 0x: a 20-byte Ethereum address, or a
// 32-byte hash that is a secret only when introduced as a key.
func (sc *scanner) hex0x(i, j int) int {
	h := sc.s[i+2 : j]
	if !allHex(h) {
		return 0
	}
	switch len(h) {
	case 40:
		return sc.crypto(i, j)
	case 64:
		if sc.context(i, j, ctxKey) > 0 {
			return sc.add(Secret, i, j)
		}
		return j
	}
	return 0
}

// bareHex handles a 64-digit hex run without 0x: a private key when a key
// keyword is nearest, otherwise a hash (left alone).
func (sc *scanner) bareHex(i, j int) int {
	if !allHex(sc.s[i:j]) {
		return 0
	}
	if sc.context(i, j, ctxKey) > 0 {
		return sc.add(Secret, i, j)
	}
	return j
}

const b58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var b58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b58Alphabet); i++ {
		t[b58Alphabet[i]] = int8(i)
	}
	return t
}()

// base58 detects a Base58Check Bitcoin address (P2PKH '1...', P2SH '3...').
func (sc *scanner) base58(i, j int) int {
	a := sc.s[i:j]
	if len(a) < 26 || len(a) > 35 {
		return 0
	}
	var b [25]byte
	for k := 0; k < len(a); k++ {
		v := b58Index[a[k]]
		if v < 0 {
			return 0
		}
		carry := int(v)
		for m := len(b) - 1; m >= 0; m-- {
			carry += 58 * int(b[m])
			b[m] = byte(carry)
			carry >>= 8
		}
		if carry != 0 {
			return 0
		}
	}
	ones := 0
	for ones < len(a) && a[ones] == '1' {
		ones++
	}
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	if ones != zeros || (b[0] != 0x00 && b[0] != 0x05) {
		return 0
	}
	h1 := sha256.Sum256(b[:21])
	h2 := sha256.Sum256(h1[:])
	if h2[0] != b[21] || h2[1] != b[22] || h2[2] != b[23] || h2[3] != b[24] {
		return 0
	}
	return sc.crypto(i, j)
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

var bech32Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(bech32Charset); i++ {
		t[bech32Charset[i]] = int8(i)
		t[bech32Charset[i]-'a'+'A'] = int8(i) // digits map to themselves below
	}
	for i := 0; i < len(bech32Charset); i++ {
		if c := bech32Charset[i]; c >= '0' && c <= '9' {
			t[c] = int8(i)
		}
	}
	return t
}()

func bech32Polymod(chk uint32, v byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	b := chk >> 25
	chk = (chk&0x1ffffff)<<5 ^ uint32(v)
	for k := 0; k < 5; k++ {
		if (b>>k)&1 == 1 {
			chk ^= gen[k]
		}
	}
	return chk
}

// bech32 detects a native SegWit address: bc1q... (Bech32, witness v0, 20 or
// 32 bytes) or bc1p... (Bech32m, v1+, 32 bytes).
func (sc *scanner) bech32(i, j int) int {
	a := sc.s[i:j]
	if len(a) != 42 && len(a) != 62 {
		return 0
	}
	upper := a[0] == 'B'
	chk := uint32(1)
	for _, c := range [...]byte{'b', 'c'} {
		chk = bech32Polymod(chk, c>>5)
	}
	chk = bech32Polymod(chk, 0)
	for _, c := range [...]byte{'b', 'c'} {
		chk = bech32Polymod(chk, c&31)
	}
	for k := 3; k < len(a); k++ {
		c := a[k]
		if ('a' <= c && c <= 'z' && upper) || ('A' <= c && c <= 'Z' && !upper) {
			return 0
		}
		v := bech32Index[c]
		if v < 0 {
			return 0
		}
		chk = bech32Polymod(chk, byte(v))
	}
	version := bech32Index[a[3]]
	switch {
	case version == 0 && chk == 1:
	case version >= 1 && version <= 16 && chk == 0x2bc830a3 && len(a) == 62:
	default:
		return 0
	}
	return sc.crypto(i, j)
}
