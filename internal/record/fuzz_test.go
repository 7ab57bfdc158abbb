package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kleo-network/kleo-stream/internal/jsonscan"
)

func fuzzSeeds(f *testing.F) {
	f.Add([]byte(realItem))
	f.Add([]byte(`{"operationType":"insert","fullDocument":` + realItem + `}`))
	f.Add([]byte(`{"_id":{"$oid":"672e257c75477a14bfebfac3"},"address":"0xE64B1e15230250bc7a95f120a83df7d7d480f3D1","visitTime":{"$date":{"$numberLong":"1"}}}`))
	f.Add([]byte(`{"_id":{"$OID":"672e257c75477a14bfebfac3","$oid":null},"address":"0xe64b1e15230250bc7a95f120a83df7d7d480f3d1","visitTime":{"$numberLong":null,"$numberInt":"7"}}`))
	f.Add([]byte(`{"address":{"$ne":null}}`))
	f.Add([]byte(`{"_id":"672e257c75477a14bfebfac3","address":"0xe64b1e15230250bc7a95f120a83df7d7d480f3d1","visitTime":1,"title":"a\u0000\ud83d\ude00\ud800\u0085\u007f` + "\xff\xfe\x7f\xc2\x85" + `","summary":"x\ny\tz\r"}`))
	f.Add([]byte(`{"a\u002eb":1,"\u0024x":2,"a":1,"a":2}`))
	f.Add([]byte(`{"operationType":"dave@example.com","fullDocument":{}}`))
	// Depth at the limit is left to the unit tests: a 20 KB seed slows the
	// fuzzer's mutation and minimisation to a crawl.
	f.Add([]byte(`{"x":[[[[{"y":[[]]}]]]]}`))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte(` [1, 2.5e-3, true, false, null, "s"] `))
}

// FuzzDecode checks the decoder's contract on arbitrary payloads: it never
// panics, every failure is an ErrInvalid with a reason, every success is a
// well-formed item whose text is printable UTF-8; it agrees with the old
// decoder and with encoding/json.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		it, err := Decode(data)
		var d Decoder // a reused Decoder must give the same answers
		d.Decode([]byte(realItem))
		it2, err2 := d.Decode(data)
		if it != it2 || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("reused Decoder: %+v, %v; fresh: %+v, %v", it2, err2, it, err)
		}
		agreeOld(t, data, it, err)
		agreeJSON(t, data, it, err)
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

// agreeOld compares with the decoder before issue 13. They differ on
// purpose in three ways: invalid UTF-8 becomes one U+FFFD per byte, as in
// encoding/json (the old one replaced each run); an unknown operationType
// is no longer quoted; a document nested too deep says so. And the old one
// picked between the '$' and '.' reasons at random when both applied.
func agreeOld(t *testing.T, data []byte, it Item, err error) {
	t.Helper()
	old, oldErr := oldDecode(data)
	if (err == nil) != (oldErr == nil) {
		t.Fatalf("Decode: %+v, %v\nold:    %+v, %v", it, err, old, oldErr)
	}
	if err != nil {
		got, want := reason(err), reason(oldErr)
		switch {
		case got == want:
		case got == "document is nested deeper than 10000 levels" && (isSyntaxReason(want) || want == "document is not a JSON object"):
		case got == "unsupported operationType (not a change stream event type)" &&
			strings.HasPrefix(want, "unsupported operationType "):
		case got == "field name starts with '$'" && want == "field name contains '.'":
		default:
			t.Fatalf("reason %q, old decoder %q", got, want)
		}
		return
	}
	norm := func(it Item) Item {
		for _, s := range []*string{&it.Title, &it.URL, &it.Domain, &it.Summary, &it.Category, &it.Subcategory} {
			*s = collapseFFFD(*s)
		}
		return it
	}
	if utf8.Valid(data) && it != old || norm(it) != norm(old) {
		t.Fatalf("Decode = %+v\nold    = %+v", it, old)
	}
}

// agreeJSON compares with encoding/json: the same payloads are JSON, and
// an accepted document's text is encoding/json's string without control
// characters.
func agreeJSON(t *testing.T, data []byte, it Item, err error) {
	t.Helper()
	if len(data) == 0 || len(data) > MaxPayload {
		return
	}
	// The reason for a payload that is not JSON comes from encoding/json's
	// tokenizer, which calls "000" a number and so not an object.
	valid := json.Valid(data)
	switch {
	case valid && err != nil && isSyntaxReason(reason(err)),
		!valid && (err == nil || !isSyntaxReason(reason(err)) && reason(err) != "document is not a JSON object"):
		t.Fatalf("json.Valid = %v, Decode error %v", valid, err)
	}
	if err != nil {
		return
	}
	var top map[string]json.RawMessage
	if e := json.Unmarshal(data, &top); e != nil {
		t.Fatalf("encoding/json: %v", e)
	}
	if _, ok := top["operationType"]; ok {
		if e := json.Unmarshal(top["fullDocument"], &top); e != nil {
			t.Fatalf("encoding/json fullDocument: %v", e)
		}
	}
	texts := []struct {
		got, name string
		keep      bool
	}{
		{it.Title, "title", false}, {it.URL, "url", false}, {it.Domain, "domain", false},
		{it.Summary, "summary", true}, {it.Category, "category", false}, {it.Subcategory, "subcategory", false},
	}
	for _, tx := range texts {
		var s *string
		if e := json.Unmarshal(orNull(top[tx.name]), &s); e != nil {
			t.Fatalf("encoding/json %s: %v", tx.name, e)
		}
		want := ""
		if s != nil {
			want = dropControls(*s, tx.keep)
		}
		if tx.got != want {
			t.Fatalf("%s = %q, encoding/json and cleaning give %q", tx.name, tx.got, want)
		}
	}
	var addr string
	if e := json.Unmarshal(top["address"], &addr); e != nil || strings.ToLower(addr) != it.Address {
		t.Fatalf("address %q, encoding/json %q (%v)", it.Address, addr, e)
	}
	var vt json.Number
	if json.Unmarshal(top["visitTime"], &vt) == nil {
		if n, e := vt.Int64(); e == nil && n != it.VisitTime {
			t.Fatalf("visitTime %d, encoding/json %d", it.VisitTime, n)
		}
	}
}

func orNull(raw json.RawMessage) json.RawMessage {
	if raw == nil {
		return json.RawMessage("null")
	}
	return raw
}

func reason(err error) string {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return ie.Reason
	}
	return err.Error()
}

func isSyntaxReason(r string) bool {
	switch r {
	case "document is not JSON", "document is malformed JSON", "document is truncated JSON",
		"document has trailing data after the JSON object", "document is nested deeper than 10000 levels":
		return true
	}
	return false
}

func dropControls(s string, keepLines bool) string {
	return strings.Map(func(r rune) rune {
		if isControl(r) && !(keepLines && (r == '\n' || r == '\t')) {
			return -1
		}
		return r
	}, s)
}

// collapseFFFD replaces each run of U+FFFD by one.
func collapseFFFD(s string) string {
	for strings.Contains(s, "\uFFFD\uFFFD") {
		s = strings.ReplaceAll(s, "\uFFFD\uFFFD", "\uFFFD")
	}
	return s
}

// FuzzUnquote checks the string scanner against encoding/json on every
// token: the same tokens are strings, with the same value.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"a\nb"`, `"\u00e9\ud83d\ude00"`, `"\ud800x"`, `"\\\"\/\b\f\r\t"`, `"plain"`, `"\udc00\ud800"`, "\"\xff\xc2\x85\x7f\"", `"\ud800\ud800\udc00"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, tok []byte) {
		if len(tok) == 0 || tok[0] != '"' {
			return
		}
		end, _ := stringEnd(tok, 0)
		got, end2, err := appendString(nil, tok, 0, exact)
		if (end < 0) != (err != nil) || err == nil && end != end2 {
			t.Fatalf("stringEnd = %d, appendString = %d, %v", end, end2, err)
		}
		valid := json.Valid(tok)
		if valid != (end >= 0 && jsonscan.SkipSpace(tok, end) == len(tok)) {
			t.Fatalf("json.Valid = %v, stringEnd = %d of %d", valid, end, len(tok))
		}
		if !valid {
			return
		}
		tok = tok[:end]
		var want string
		if err := json.Unmarshal(tok, &want); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		if string(got) != want {
			t.Fatalf("appendString(%q) = %q, want %q", tok, got, want)
		}
		cleaned, _, _ := appendString(nil, tok, 0, cleanText|keepLines)
		if string(cleaned) != dropControls(want, true) {
			t.Fatalf("cleaned %q = %q, want %q", tok, cleaned, dropControls(want, true))
		}
		rawKey, _, _ := appendString(nil, tok, 0, raw)
		if !bytes.Equal([]byte(perByte(string(rawKey))), []byte(want)) {
			t.Fatalf("raw %q = %q, want %q once replaced", tok, rawKey, want)
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
