package arweave

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
)

// WalletBits is the RSA modulus size of an Arweave wallet.
const WalletBits = 4096

// saltLength is the RSA-PSS salt length Arweave signs and verifies with.
const saltLength = 32

// ErrInvalidWallet is wrapped by every error that ParseWallet and LoadWallet
// return for a wallet that is not a usable Arweave JWK. The messages name the
// problem, never the key material.
var ErrInvalidWallet = errors.New("arweave: invalid wallet")

// Wallet is an Arweave RSA-4096 signing key. Its formatting methods print only
// the public address, so a Wallet can not leak its key through fmt or slog.
type Wallet struct {
	key     *rsa.PrivateKey
	owner   []byte // the modulus n, big-endian, as Arweave's owner field holds it
	address string
}

type jwk struct {
	Kty string `json:"kty"`
	N   string `json:"n"`
	E   string `json:"e"`
	D   string `json:"d"`
	P   string `json:"p"`
	Q   string `json:"q"`
	DP  string `json:"dp"`
	DQ  string `json:"dq"`
	QI  string `json:"qi"`
}

// LoadWallet reads and parses the JWK wallet file at path.
func LoadWallet(path string) (*Wallet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidWallet, err)
	}
	return ParseWallet(b)
}

// ParseWallet parses an Arweave JWK wallet (an RSA private key in JSON Web Key
// form, as arweave-js generates it) and checks that it is a consistent
// RSA-4096 key with public exponent 65537.
func ParseWallet(b []byte) (*Wallet, error) {
	var k jwk
	if err := json.Unmarshal(b, &k); err != nil {
		// json's own messages can quote the input; say where instead.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: not JSON (syntax error at byte %d)", ErrInvalidWallet, se.Offset)
		}
		return nil, fmt.Errorf("%w: not a JSON object with string fields", ErrInvalidWallet)
	}
	if k.Kty != "RSA" {
		return nil, fmt.Errorf("%w: kty must be \"RSA\"", ErrInvalidWallet)
	}
	ints := map[string]*big.Int{}
	for _, f := range []struct {
		name, val string
		required  bool
	}{{"n", k.N, true}, {"e", k.E, true}, {"d", k.D, true}, {"p", k.P, true}, {"q", k.Q, true},
		{"dp", k.DP, false}, {"dq", k.DQ, false}, {"qi", k.QI, false}} {
		if f.val == "" {
			if f.required {
				return nil, fmt.Errorf("%w: field %q is missing (is this a public key?)", ErrInvalidWallet, f.name)
			}
			continue
		}
		raw, err := b64.DecodeString(f.val)
		if err != nil || len(raw) == 0 {
			return nil, fmt.Errorf("%w: field %q is not base64url", ErrInvalidWallet, f.name)
		}
		ints[f.name] = new(big.Int).SetBytes(raw)
	}
	if !ints["e"].IsInt64() || ints["e"].Int64() != 65537 {
		return nil, fmt.Errorf("%w: public exponent must be 65537", ErrInvalidWallet)
	}
	if bits := ints["n"].BitLen(); bits != WalletBits {
		return nil, fmt.Errorf("%w: modulus is %d bits, want %d", ErrInvalidWallet, bits, WalletBits)
	}
	key := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: ints["n"], E: 65537},
		D:         ints["d"],
		Primes:    []*big.Int{ints["p"], ints["q"]},
	}
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("%w: key components are inconsistent", ErrInvalidWallet)
	}
	key.Precompute()
	for _, c := range []struct {
		name string
		got  *big.Int
		want *big.Int
	}{{"dp", ints["dp"], key.Precomputed.Dp}, {"dq", ints["dq"], key.Precomputed.Dq}, {"qi", ints["qi"], key.Precomputed.Qinv}} {
		if c.got != nil && c.got.Cmp(c.want) != 0 {
			return nil, fmt.Errorf("%w: field %q does not match p, q and d", ErrInvalidWallet, c.name)
		}
	}
	owner := key.N.FillBytes(make([]byte, WalletBits/8))
	return &Wallet{key: key, owner: owner, address: ownerAddress(owner)}, nil
}

func ownerAddress(owner []byte) string {
	h := sha256.Sum256(owner)
	return EncodeB64(h[:])
}

// OwnerAddress returns the wallet address of a base64url owner (modulus):
// base64url(SHA-256(n)).
func OwnerAddress(owner string) (string, error) {
	n, err := DecodeB64(owner)
	if err != nil {
		return "", err
	}
	return ownerAddress(n), nil
}

// Address returns the wallet's address, base64url(SHA-256(n)).
func (w *Wallet) Address() string { return w.address }

// Owner returns the wallet's public modulus in base64url, the owner field of
// what it signs.
func (w *Wallet) Owner() string { return EncodeB64(w.owner) }

// Sign signs msg with RSA-PSS over SHA-256(msg), salt length 32, as Arweave
// expects for both transactions and ANS-104 data items.
func (w *Wallet) Sign(msg []byte) ([]byte, error) {
	h := sha256.Sum256(msg)
	sig, err := rsa.SignPSS(rand.Reader, w.key, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: saltLength})
	if err != nil {
		return nil, fmt.Errorf("arweave: sign: %w", err)
	}
	return sig, nil
}

// verifySignature checks an RSA-PSS SHA-256 signature of msg by owner (a raw
// modulus with exponent 65537), whatever its salt length.
func verifySignature(owner, msg, sig []byte) error {
	if len(owner) == 0 {
		return errors.New("arweave: empty owner")
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(owner), E: 65537}
	h := sha256.Sum256(msg)
	// We sign with salt length 32, but arweave-js signs with the maximum salt
	// length, and arweave-js and arbundles verify any salt length: so do we.
	if err := rsa.VerifyPSS(pub, crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}); err != nil {
		return fmt.Errorf("arweave: bad signature: %w", err)
	}
	return nil
}

// String returns a description naming only the address.
func (w Wallet) String() string { return "arweave.Wallet(" + w.address + ")" }

// GoString is String, so that %#v does not print the key either.
func (w Wallet) GoString() string { return w.String() }

// Format prints String for every verb, so %x, %+v and friends are safe too.
func (w Wallet) Format(f fmt.State, _ rune) { io.WriteString(f, w.String()) }

// LogValue makes slog record only the address.
func (w Wallet) LogValue() slog.Value { return slog.StringValue(w.String()) }

// MarshalJSON writes String as a JSON string: a Wallet inside a logged
// struct shows its address and nothing else.
func (w Wallet) MarshalJSON() ([]byte, error) { return json.Marshal(w.String()) }
