package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecode checks the decoder's contract on arbitrary payloads: it never
// panics, every failure is an ErrInvalid with a reason, and every success is a
// well-formed item whose text is printable UTF-8.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(realItem))
	f.Add([]byte(`{"operationType":"insert","fullDocument":` + realItem + `}`))
	f.Add([]byte(`{"_id":{"$oid":"672e257c75477a14bfebfac3"},"address":"0xE64B1e15230250bc7a95f120a83df7d7d480f3D1","visitTime":{"$date":{"$numberLong":"1"}}}`))
	f.Add([]byte(`{"address":{"$ne":null}}`))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		it, err := Decode(data)
		if err != nil {
			var ie *InvalidError
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &ie) || ie.Reason == "" {
				t.Fatalf("error %v is not an InvalidError with a reason", err)
			}
			return
		}
		if len(it.ID) != 24 || !isHex(it.ID) || it.ID != strings.ToLower(it.ID) {
			t.Fatalf("bad ID %q", it.ID)
		}
		if len(it.Address) != 42 || !strings.HasPrefix(it.Address, "0x") || it.Address != strings.ToLower(it.Address) {
			t.Fatalf("bad address %q", it.Address)
		}
		if it.VisitTime < 0 || it.CreateTimestamp < 0 {
			t.Fatalf("negative time in %+v", it)
		}
		for _, s := range []string{it.Title, it.URL, it.Domain, it.Category, it.Subcategory, it.Summary} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
			if strings.ContainsRune(s, 0) {
				t.Fatalf("NUL in %q", s)
			}
		}
	})
}

// FuzzUnquote checks the hand-written JSON string decoder against
// encoding/json on every string json.Valid accepts.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"a\nb"`, `"\u00e9\ud83d\ude00"`, `"\ud800x"`, `"\\\"\/\b\f\r\t"`, `"plain"`, `"\udc00\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, tok []byte) {
		// Decode hands unquote exact tokens, without surrounding space.
		tok = bytes.TrimSpace(tok)
		if !json.Valid(tok) || len(tok) == 0 || tok[0] != '"' {
			return
		}
		var want string
		if err := json.Unmarshal(tok, &want); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		got, err := unquote(tok)
		if err != nil {
			t.Fatalf("unquote(%q): %v", tok, err)
		}
		// encoding/json also replaces each invalid UTF-8 byte with U+FFFD;
		// Decode's clean does that afterwards (per run of bytes), so compare
		// with the bytes replaced one by one.
		if perByte(got) != want {
			t.Fatalf("unquote(%q) = %q, want %q", tok, got, want)
		}
	})
}

func perByte(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
