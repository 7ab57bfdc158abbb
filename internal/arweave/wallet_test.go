package arweave

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"strings"
	"testing"
)

func testWallet(t testing.TB, n int) *Wallet {
	t.Helper()
	w, err := LoadWallet(fmt.Sprintf("testdata/wallet-TEST-ONLY-%d.json", n))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func testJWK(t testing.TB) map[string]string {
	t.Helper()
	b, err := os.ReadFile("testdata/wallet-TEST-ONLY-1.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// secrets returns strings that must never appear in output: each private
// component in base64url and decimal, and prefixes of them.
func secrets(t testing.TB) []string {
	var out []string
	for k, v := range testJWK(t) {
		switch k {
		case "d", "p", "q", "dp", "dq", "qi":
			raw, _ := DecodeB64(v)
			out = append(out, v[:16], new(big.Int).SetBytes(raw).String()[:16], fmt.Sprintf("%x", raw[:8]))
		}
	}
	return out
}

func TestWalletAddressIsHashOfOwner(t *testing.T) {
	w := testWallet(t, 1)
	jwk := testJWK(t)
	if w.Owner() != jwk["n"] {
		t.Errorf("Owner() is not the JWK's n")
	}
	want, _ := OwnerAddress(jwk["n"])
	if w.Address() != want || len(w.Address()) != 43 {
		t.Errorf("Address() = %q, want %q", w.Address(), want)
	}
	if testWallet(t, 2).Address() == w.Address() {
		t.Error("two test wallets share an address")
	}
}

func TestParseWalletRejects(t *testing.T) {
	edit := func(f func(m map[string]string)) []byte {
		m := testJWK(t)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	small := `{"kty":"RSA","e":"AQAB","n":"` + EncodeB64(bytes.Repeat([]byte{0xff}, 256)) + `","d":"AQ","p":"Aw","q":"BQ"}`
	cases := []struct {
		name, want string
		in         []byte
	}{
		{"not json", "syntax error at byte", []byte(`{"kty":"RSA",` + testJWK(t)["d"][:20])},
		{"wrong types", "not a JSON object", []byte(`{"kty":"RSA","n":5}`)},
		{"empty", "syntax error", nil},
		{"EC key", `kty must be "RSA"`, edit(func(m map[string]string) { m["kty"] = "EC" })},
		{"public only", `field "d" is missing`, edit(func(m map[string]string) { delete(m, "d") })},
		{"missing p", `field "p" is missing`, edit(func(m map[string]string) { delete(m, "p") })},
		{"bad base64", `field "q" is not base64url`, edit(func(m map[string]string) { m["q"] = "+/" + m["q"] })},
		{"exponent 3", "exponent must be 65537", edit(func(m map[string]string) { m["e"] = "Aw" })},
		{"2048 bits", "modulus is 2048 bits, want 4096", []byte(small)},
		{"other d", "inconsistent", edit(func(m map[string]string) { m["d"] = testJWKOf(t, 2)["d"] })},
		{"other q", "inconsistent", edit(func(m map[string]string) { m["q"] = testJWKOf(t, 2)["q"] })},
		{"wrong qi", `field "qi" does not match`, edit(func(m map[string]string) { m["qi"] = m["dp"] })},
	}
	secret := secrets(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseWallet(c.in)
			if !errors.Is(err, ErrInvalidWallet) {
				t.Fatalf("err = %v, want ErrInvalidWallet", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %q, want it to say %q", err, c.want)
			}
			for _, s := range secret {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q quotes key material", err)
				}
			}
		})
	}
	if _, err := LoadWallet("testdata/no-such-wallet.json"); !errors.Is(err, ErrInvalidWallet) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadWallet(missing) = %v, want ErrInvalidWallet wrapping ErrNotExist", err)
	}
}

func testJWKOf(t testing.TB, n int) map[string]string {
	b, err := os.ReadFile(fmt.Sprintf("testdata/wallet-TEST-ONLY-%d.json", n))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	json.Unmarshal(b, &m)
	return m
}

func TestWalletNeverPrintsKey(t *testing.T) {
	w := testWallet(t, 1)
	n := testJWK(t)["n"]
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, w), fmt.Sprintf(verb, *w), fmt.Sprintf(verb, struct{ W *Wallet }{w}))
	}
	outs = append(outs, fmt.Sprint(w), fmt.Sprintln(*w))
	j, err := json.Marshal(struct{ W *Wallet }{w})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "wallet", w, "value", *w)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "wallet", w)
	outs = append(outs, logged.String())
	forbidden := append(secrets(t), n[:16])
	for _, out := range outs {
		if !strings.Contains(out, w.Address()) && !strings.Contains(out, "0x") {
			t.Errorf("output %q does not name the address", out)
		}
		for _, s := range forbidden {
			if strings.Contains(out, s) {
				t.Fatalf("output %q contains key material", out)
			}
		}
	}
}
