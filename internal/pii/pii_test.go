package pii

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFind(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // "TYPE value", in order
	}{
		{"visa 19 digits", "pan 4131034282458809939.", []string{"CREDIT_CARD 4131034282458809939"}},
		{"maestro 12 digits", "card 630427373398 ok", []string{"CREDIT_CARD 630427373398"}},
		{"luhn failure", "card 4111111111111112", nil},
		{"unknown issuer", "id 9111111111111111", nil},
		{"card then year", "4111 1111 1111 1111 2027", []string{"CREDIT_CARD 4111 1111 1111 1111"}},
		{"ssn", "ssn 078-05-1121", []string{"US_SSN 078-05-1121"}},
		{"ssn mixed delimiters", "078-05 1121", nil},
		{"ssn zero group", "ssn 078-00-1121", nil},
		{"ssn zero serial", "ssn 078-05-0000", nil},
		{"ipv4", "from 10.0.0.1:8080", []string{"IP_ADDRESS 10.0.0.1"}},
		{"ipv4 leading zero", "10.01.0.1", nil},
		{"ipv6 full", "6e40:4041:c617:e898:c11:40d2:c669:2eb4 end", []string{"IP_ADDRESS 6e40:4041:c617:e898:c11:40d2:c669:2eb4"}},
		{"mac dashes", "aa-bb-cc-dd-ee-ff", []string{"MAC_ADDRESS aa-bb-cc-dd-ee-ff"}},
		{"email", "write to a.b@c.io.", []string{"EMAIL_ADDRESS a.b@c.io"}},
		{"email encoded", "u=ann%40x.org", []string{"EMAIL_ADDRESS ann%40x.org"}},
		{"handle is not email", "follow @kleo", nil},
		{"email numeric tld", "a@b.c1", nil},
		{"phone e164", "+14155550132", []string{"PHONE_NUMBER +14155550132"}},
		{"phone with extension", "Fax: 345-899-3560x4587", []string{"PHONE_NUMBER 345-899-3560x4587"}},
		{"phone needs keyword", "ref 467 3395", nil},
		{"phone keyword", "Phone:\n467 3395", []string{"PHONE_NUMBER 467 3395"}},
		{"phone keyword after", "781 1704 office", []string{"PHONE_NUMBER 781 1704"}},
		{"phone before e-mail", "Tel 0555 234 567 89@x.org", []string{"PHONE_NUMBER 0555 234 567", "EMAIL_ADDRESS 89@x.org"}},
		{"year is no phone", "Call of Duty: Modern Warfare 3 - 2023 1080 HD", nil},
		{"negative keyword nearer", "call about order 4452 2210", nil},
		{"price", "only $555 123 4567", nil},
		{"date", "on 2015-12-22 and 22.12.2015", nil},
		{"date then phone", "2015-12-22 555-234-5678", []string{"PHONE_NUMBER 555-234-5678"}},
		{"nanp exchange 1xx", "555-123-4567", nil},
		{"french dotted", "01.84.17.61.18", []string{"PHONE_NUMBER 01.84.17.61.18"}},
		{"version", "release 1.2.30.4451", nil},
		{"iban spaced", "GB82 WEST 1234 5698 7654 32 ok", []string{"IBAN_CODE GB82 WEST 1234 5698 7654 32"}},
		{"iban too long", "GB82WEST123456987654321", nil},
		{"eth", "to 0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe", []string{"CRYPTO 0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe"}},
		{"eth 41 hex", "0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe1", nil},
		{"tx hash", "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060", nil},
		{"private key 0x", "private key 0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060",
			[]string{"SECRET 0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"}},
		{"jwt", "t eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", []string{"SECRET eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."}},
		{"pem unterminated", "x -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE", []string{"SECRET -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE"}},
		{"password assignment", "password=hunter22", []string{"SECRET hunter22"}},
		{"token low entropy", "token: aaaaaaaaaaaaaaaaaaaa1", nil},
		{"url param fragment", "cb#id_token=abc.def&x=1", []string{"URL_PARAM abc.def"}},
		{"url param harmless", "?page=2&sort=asc", nil},
		{"userinfo user only", "ftp://anna@files.example.com", []string{"URL_CREDENTIALS anna"}},
		{"placeholders", "<EMAIL_ADDRESS> <CREDIT_CARD> <PHONE_NUMBER> 555 1234 <SECRET>", nil},
	}
	e := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range e.Find(tt.text, "") {
				got = append(got, string(f.Type)+" "+tt.text[f.Start:f.End])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Find(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestKeepOwnerAddress(t *testing.T) {
	e := New()
	const own = "0x52908400098527886e0f7030069857d2e4169ee7"
	text := "me 0x52908400098527886E0F7030069857D2E4169EE7 them 0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe"
	out, fs := e.Scrub(text, own)
	if want := "me 0x52908400098527886E0F7030069857D2E4169EE7 them <CRYPTO>"; out != want {
		t.Fatalf("Scrub = %q, want %q", out, want)
	}
	if len(fs) != 1 || fs[0].Type != Crypto {
		t.Fatalf("findings = %+v", fs)
	}
	if out, _ := e.Scrub(text, ""); strings.Contains(out, "0x5290") {
		t.Fatalf("without keep the owner's address stays: %q", out)
	}
}

func TestScrubNothingFound(t *testing.T) {
	e := New()
	text := "Uniswap v3 | ETH/USDC pool — price 3,412.87 and https://example.com/a?page=2"
	out, fs := e.Scrub(text, "0xabc")
	if fs != nil || out != text || unsafeStringData(out) != unsafeStringData(text) {
		t.Fatalf("Scrub changed or copied text with nothing to find: %q %v", out, fs)
	}
	// Near misses exercise every validator without a finding.
	for _, text := range []string{
		text,
		"IBAN DE00 3704 0044 0532 0130 00 and GB82WEST",
		"user@localhost, @handle, a@b.c1, ann%40x",
		"order 4451 2210 9987, ref 467 3395, 2015-12-22 12:20:39, v1.2.30.4451",
		"token=short key: value password: none Authorization: Bearer abc",
		"a::b::c 12:20:39 fe80:: 00:11:22:33:44 300.1.2.3",
		"1BoatSLRHtKNngkdXEeobR76b53LETtpyX bc1qzs23v9ccrydpk8qarc0jqgfzyvjz2f38f65pqe",
		"eyJhbGciOiJIUzI1NiJ9 AKIAlower ghp_short xoxb-1 sk_live_x AIzaShort",
		"tx 0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060",
		"https://example.com/?page=2&sort=asc&token_type=Bearer",
		"-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----",
	} {
		if _, fs := e.Scrub(text, ""); fs != nil {
			t.Errorf("Scrub(%q) found %+v", text, fs)
		}
		if n := testing.AllocsPerRun(100, func() { e.Scrub(text, "") }); n != 0 {
			t.Errorf("Scrub(%q) allocated %v times with nothing to find", text, n)
		}
	}
}

func TestScrubOffsets(t *testing.T) {
	e := New()
	text := "Grüße: jörg@example.de, Tel. +49 30 1234568"
	out, fs := e.Scrub(text, "")
	if out != "Grüße: <EMAIL_ADDRESS>, Tel. <PHONE_NUMBER>" {
		t.Fatalf("Scrub = %q", out)
	}
	if got := text[fs[0].Start:fs[0].End]; got != "jörg@example.de" {
		t.Fatalf("byte span of the e-mail = %q", got)
	}
	if got := text[fs[1].Start:fs[1].End]; got != "+49 30 1234568" {
		t.Fatalf("byte span of the phone = %q", got)
	}
}

// TestCorpusIdempotent scrubs every corpus text twice.
func TestCorpusIdempotent(t *testing.T) {
	e := New()
	for _, c := range loadCorpus(t) {
		checkScrub(t, e, c.text)
	}
}

// checkScrub asserts the invariants the fuzz target checks.
func checkScrub(t *testing.T, e *Engine, text string) {
	t.Helper()
	out, fs := e.Scrub(text, "")
	last := 0
	for _, f := range fs {
		if f.Start < last || f.End <= f.Start || f.End > len(text) {
			t.Fatalf("Scrub(%q): bad or overlapping span %+v", text, f)
		}
		last = f.End
	}
	if want := Redact(text, fs); out != want {
		t.Fatalf("Scrub(%q) = %q, not the findings replaced: %q", text, out, want)
	}
	if utf8.ValidString(text) && !utf8.ValidString(out) {
		t.Fatalf("Scrub(%q) = %q: invalid UTF-8", text, out)
	}
	out2, fs2 := e.Scrub(out, "")
	if out2 != out || fs2 != nil {
		t.Fatalf("not idempotent:\n in   %q\n once %q\n twice %q (%+v)", text, out, out2, fs2)
	}
}

func TestValidIPv6(t *testing.T) {
	for _, tt := range []struct {
		a    string
		want bool
	}{
		{"2001:db8:85a3::8a2e:370:7334", true},
		{"6e40:4041:c617:e898:c11:40d2:c669:2eb4", true},
		{"::1", true},
		{"fe80::", true},
		{"::ffff:192.0.2.1", true},
		{"1:2:3:4:5:6:7::", true},
		{"1:2:3:4:5:6:7:8:9", false},
		{"1:2:3:4:5:6:7", false},
		{"1::2::3", false},
		{"12345::1", false},
		{"1:2:3:4:5:6:7:8::", false},
		{":1:2:3:4:5:6:7", false},
		{"::ffff:192.0.2.256", false},
		{"::ffff:192.0.02.1", false},
		{"12:20:39", false},
	} {
		if got := validIPv6(tt.a); got != tt.want {
			t.Errorf("validIPv6(%q) = %v, want %v", tt.a, got, tt.want)
		}
	}
}

func TestIPv6Runs(t *testing.T) {
	e := New()
	for _, tt := range []struct{ text, want string }{
		{"gw ::ffff:192.0.2.1 ok", "192.0.2.1"}, // starts with ':': only the IPv4 part is taken
		{"gw 64:ff9b::192.0.2.1.", "64:ff9b::192.0.2.1"},
		{"at fe80::1:2: link", "fe80::1:2"},
		{"0::0:.0 x", ""}, // two groups are too few
	} {
		got := ""
		for _, f := range e.Find(tt.text, "") {
			if f.Type == IPAddress && got == "" {
				got = tt.text[f.Start:f.End]
			}
		}
		if got != tt.want {
			t.Errorf("Find(%q) IPv6 = %q, want %q", tt.text, got, tt.want)
		}
	}
}
