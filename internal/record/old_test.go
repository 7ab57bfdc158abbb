package record

// This file keeps the decoder as it was before issue 13 (json.Valid, a
// map of json.RawMessage, encoding/json for scalars), unchanged but for its
// names: the benchmarks measure the new decoder against it in the same run,
// and the fuzzers check that both accept, reject and decode alike.

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Decode parses one Kinesis record payload.
func oldDecode(data []byte) (Item, error) {
	if len(data) == 0 {
		return Item{}, invalid("empty payload")
	}
	if len(data) > MaxPayload {
		return Item{}, invalid("payload of %d bytes exceeds the %d-byte limit", len(data), MaxPayload)
	}
	fields, err := oldObject(data, "document")
	if err != nil {
		return Item{}, err
	}
	if op, ok := fields["operationType"]; ok {
		return oldDecodeChangeEvent(op, fields)
	}
	return oldDecodeDocument(fields)
}

// decodeChangeEvent unwraps a change stream event. Only events that carry a
// new history document can be counted; anything else is not ours to process.
func oldDecodeChangeEvent(op json.RawMessage, fields map[string]json.RawMessage) (Item, error) {
	var kind string
	if err := json.Unmarshal(op, &kind); err != nil {
		return Item{}, invalid("operationType: want a string")
	}
	switch kind {
	case "insert", "replace":
	default:
		return Item{}, invalid("unsupported operationType %q", oldTruncate(kind, 32))
	}
	full, ok := fields["fullDocument"]
	if !ok || oldIsNull(full) {
		return Item{}, invalid("%s event without fullDocument", kind)
	}
	doc, err := oldObject(full, "fullDocument")
	if err != nil {
		return Item{}, err
	}
	return oldDecodeDocument(doc)
}

func oldDecodeDocument(f map[string]json.RawMessage) (Item, error) {
	for k := range f {
		if strings.HasPrefix(k, "$") {
			return Item{}, invalid("field name starts with '$'")
		}
		if strings.Contains(k, ".") {
			return Item{}, invalid("field name contains '.'")
		}
	}
	var it Item
	var err error
	if it.ID, err = oldObjectID(f["_id"]); err != nil {
		return Item{}, err
	}
	if it.Address, err = oldAddress(f["address"]); err != nil {
		return Item{}, err
	}
	texts := []struct {
		name string
		dst  *string
		keep string // control characters allowed in this field
	}{
		{"title", &it.Title, ""},
		{"url", &it.URL, ""},
		{"domain", &it.Domain, ""},
		{"summary", &it.Summary, "\n\t"},
		{"category", &it.Category, ""},
		{"subcategory", &it.Subcategory, ""},
	}
	for _, t := range texts {
		s, err := oldOptionalString(f[t.name], t.name)
		if err != nil {
			return Item{}, err
		}
		*t.dst = oldClean(s, t.keep)
	}
	raw, ok := f["visitTime"]
	if !ok || oldIsNull(raw) {
		return Item{}, invalid("missing visitTime")
	}
	if it.VisitTime, err = oldMillis(raw, "visitTime"); err != nil {
		return Item{}, err
	}
	if raw, ok := f["create_timestamp"]; ok && !oldIsNull(raw) {
		if it.CreateTimestamp, err = oldInteger(raw, "create_timestamp"); err != nil {
			return Item{}, err
		}
	}
	return it, nil
}

// object decodes one JSON object into its members, rejecting duplicate keys
// (different JSON parsers keep different duplicates, so such a document has
// no single meaning) and trailing data. Valid input, the common case, is
// split into members in one pass after json.Valid; only invalid input takes
// the token-by-token path that can say precisely what is wrong.
func oldObject(data []byte, what string) (map[string]json.RawMessage, error) {
	if !json.Valid(data) {
		return oldExplainInvalid(data, what)
	}
	i := oldSkipSpace(data, 0)
	if data[i] != '{' {
		return nil, invalid("%s is not a JSON object", what)
	}
	fields := make(map[string]json.RawMessage, 12)
	i = oldSkipSpace(data, i+1)
	for data[i] != '}' {
		end := oldSkipString(data, i)
		key, err := oldUnquote(data[i:end])
		if err != nil {
			return nil, invalid("%s is malformed JSON", what)
		}
		i = oldSkipSpace(data, end)
		i = oldSkipSpace(data, i+1) // past ':'
		vend := oldSkipValue(data, i)
		if _, dup := fields[key]; dup {
			return nil, invalid("%s has a duplicate field", what)
		}
		fields[key] = data[i:vend:vend]
		i = oldSkipSpace(data, vend)
		if data[i] == ',' {
			i = oldSkipSpace(data, i+1)
		}
	}
	return fields, nil
}

// explainInvalid walks invalid JSON token by token to name the problem.
func oldExplainInvalid(data []byte, what string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, invalid("%s is not JSON", what)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, invalid("%s is not a JSON object", what)
	}
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return nil, invalid("%s is malformed JSON", what)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, invalid("%s is malformed JSON", what)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalid("%s is truncated JSON", what)
	}
	return nil, invalid("%s has trailing data after the JSON object", what)
}

// The skip functions walk JSON that json.Valid has accepted, so they need
// not check anything: they find where a value ends.

func oldSkipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at data[i] == '"'.
func oldSkipString(data []byte, i int) int {
	for i++; ; i++ {
		j := bytes.IndexAny(data[i:], "\"\\")
		i += j
		if data[i] == '"' {
			return i + 1
		}
		i++ // the escaped byte
	}
}

func oldSkipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return oldSkipString(data, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch data[i] {
			case '"':
				i = oldSkipString(data, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(data) && !strings.ContainsRune(",}] \t\n\r", rune(data[i])) {
		i++
	}
	return i
}

// unquote decodes a JSON string token that json.Valid has accepted. Page
// text is full of escaped newlines, so escapes are decoded here in one pass
// rather than by a second full json.Unmarshal. Like encoding/json, a lone
// surrogate becomes U+FFFD.
func oldUnquote(tok []byte) (string, error) {
	if len(tok) < 2 || tok[0] != '"' || tok[len(tok)-1] != '"' {
		return "", errors.New("not a JSON string")
	}
	body := tok[1 : len(tok)-1]
	i := bytes.IndexByte(body, '\\')
	if i < 0 {
		return string(body), nil
	}
	b := make([]byte, 0, len(body))
	for {
		b = append(b, body[:i]...)
		body = body[i:]
		if len(body) < 2 {
			return "", errors.New("truncated escape")
		}
		switch c := body[1]; c {
		case '"', '\\', '/':
			b = append(b, c)
			body = body[2:]
		case 'b':
			b, body = append(b, '\b'), body[2:]
		case 'f':
			b, body = append(b, '\f'), body[2:]
		case 'n':
			b, body = append(b, '\n'), body[2:]
		case 'r':
			b, body = append(b, '\r'), body[2:]
		case 't':
			b, body = append(b, '\t'), body[2:]
		case 'u':
			r, ok := oldHex4(body[2:])
			if !ok {
				return "", errors.New("bad \\u escape")
			}
			body = body[6:]
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if len(body) >= 6 && body[0] == '\\' && body[1] == 'u' {
					r2, ok = oldHex4(body[2:])
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					body = body[6:]
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", errors.New("bad escape")
		}
		if i = bytes.IndexByte(body, '\\'); i < 0 {
			return string(append(b, body...)), nil
		}
	}
}

func oldHex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func oldIsNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

func oldObjectID(raw json.RawMessage) (string, error) {
	if oldIsNull(raw) {
		return "", invalid("missing _id")
	}
	var s string
	if raw[0] == '{' {
		var oid struct {
			OID *string `json:"$oid"`
		}
		if err := json.Unmarshal(raw, &oid); err != nil || oid.OID == nil {
			return "", invalid("_id: want a 24-hex string or {\"$oid\": ...}")
		}
		s = *oid.OID
	} else if err := json.Unmarshal(raw, &s); err != nil {
		return "", invalid("_id: want a 24-hex string or {\"$oid\": ...}")
	}
	if len(s) != 24 || !oldIsHex(s) {
		return "", invalid("_id: not 24 hex digits")
	}
	return strings.ToLower(s), nil
}

func oldAddress(raw json.RawMessage) (string, error) {
	if oldIsNull(raw) {
		return "", invalid("missing address")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", invalid("address: want a string, got %s", oldJsonKind(raw))
	}
	if len(s) != 42 || (s[:2] != "0x" && s[:2] != "0X") || !oldIsHex(s[2:]) {
		return "", invalid("address: not 0x followed by 40 hex digits")
	}
	return "0x" + strings.ToLower(s[2:]), nil
}

func oldOptionalString(raw json.RawMessage, name string) (string, error) {
	if oldIsNull(raw) {
		return "", nil
	}
	if raw[0] != '"' {
		return "", invalid("%s: want a string, got %s", name, oldJsonKind(raw))
	}
	s, err := oldUnquote(raw)
	if err != nil {
		return "", invalid("%s: malformed string", name)
	}
	return s, nil
}

// millis reads a time in milliseconds in any of the forms the trigger uses:
// a JSON number, {"$numberLong": "..."}, {"$numberDouble": "..."},
// {"$numberInt": "..."} or {"$date": <ISO-8601 | number | {"$numberLong": ...}>}.
func oldMillis(raw json.RawMessage, name string) (int64, error) {
	if raw[0] != '{' {
		return oldInteger(raw, name)
	}
	var d struct {
		Date json.RawMessage `json:"$date"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return 0, invalid("%s: malformed Extended JSON", name)
	}
	if d.Date == nil {
		return oldInteger(raw, name)
	}
	if d.Date[0] == '"' {
		var iso string
		if err := json.Unmarshal(d.Date, &iso); err != nil {
			return 0, invalid("%s: malformed $date", name)
		}
		t, err := time.Parse(time.RFC3339Nano, iso)
		if err != nil {
			return 0, invalid("%s: $date is not ISO-8601", name)
		}
		return oldPositive(t.UnixMilli(), name)
	}
	return oldInteger(d.Date, name)
}

// integer reads a non-negative integer from a JSON number or a numeric
// Extended JSON wrapper. Fractions are truncated (browsers report visit times
// with sub-millisecond fractions); NaN, infinities and overflow are rejected.
func oldInteger(raw json.RawMessage, name string) (int64, error) {
	var text string
	switch raw[0] {
	case '{':
		var w struct {
			Long   *string `json:"$numberLong"`
			Double *string `json:"$numberDouble"`
			Int    *string `json:"$numberInt"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return 0, invalid("%s: malformed Extended JSON number", name)
		}
		switch {
		case w.Long != nil:
			text = *w.Long
		case w.Double != nil:
			text = *w.Double
		case w.Int != nil:
			text = *w.Int
		default:
			return 0, invalid("%s: want a number", name)
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		text = string(raw)
	default:
		return 0, invalid("%s: want a number, got %s", name, oldJsonKind(raw))
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return oldPositive(n, name)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, invalid("%s: not a number", name)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f >= math.MaxInt64 || f <= math.MinInt64 {
		return 0, invalid("%s: out of range", name)
	}
	return oldPositive(int64(f), name)
}

func oldPositive(n int64, name string) (int64, error) {
	if n < 0 {
		return 0, invalid("%s: negative", name)
	}
	return n, nil
}

func oldJsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func oldIsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// clean drops control characters (NUL included) except those in keep, and
// replaces invalid UTF-8, so stored text is always printable UTF-8.
func oldClean(s, keep string) string {
	dirty := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 || c == 0x7f) && strings.IndexByte(keep, c) < 0 || c >= 0x80 {
			dirty = true
			break
		}
	}
	// Non-ASCII text is common and usually clean: check it properly before
	// paying for a rewrite.
	if dirty && utf8.ValidString(s) && !oldHasControl(s, keep) {
		dirty = false
	}
	if !dirty {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !strings.ContainsRune(keep, r) {
			return -1
		}
		return r
	}, s)
}

func oldHasControl(s, keep string) bool {
	for _, r := range s {
		if unicode.IsControl(r) && !strings.ContainsRune(keep, r) {
			return true
		}
	}
	return false
}

func oldTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
