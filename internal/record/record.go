// Package record decodes the history documents that the MongoDB trigger pushes
// into Kinesis, and rejects with a precise reason anything that can never be a
// valid history item.
//
// The trigger may send the document as canonical or relaxed Extended JSON, or
// wrapped in a change event. Decode accepts all of those and nothing else:
// it copies only the known fields into a typed Item, so no client-supplied key
// or operator can reach the database.
//
// Decoding is one validating pass over the payload that splits it into
// fields and unescapes and cleans the text fields as it goes. It accepts
// exactly the JSON that encoding/json accepts (nesting included) and gives
// the same values, with two stricter rules: a document with a duplicate
// field is rejected, and text is cleaned of control characters. A Decoder
// reuses its buffers from one record to the next; each Item's strings share
// one allocation.
package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kleo-network/kleo-stream/internal/jsonscan"
)

// MaxPayload is the largest record payload accepted. Kinesis itself caps a
// record at 1 MiB; anything larger did not come from the trigger.
const MaxPayload = 1 << 20

// maxDepth is encoding/json's nesting limit, so that the two agree on
// which documents are JSON.
const maxDepth = 10000

// Item is a decoded, validated history document. Text fields are raw page
// data that may contain PII: scrub them before they leave the processor.
type Item struct {
	ID              string // 24 hex digits
	Address         string // lower-case 0x + 40 hex digits
	Title           string
	URL             string
	Domain          string
	Summary         string
	Category        string
	Subcategory     string
	VisitTime       int64 // ms since epoch
	CreateTimestamp int64 // s since epoch, 0 when absent
}

// ErrInvalid is wrapped by every rejection: the record can never succeed, so it
// belongs in the dead-letter store rather than in a retry.
var ErrInvalid = errors.New("invalid record")

// InvalidError says why a record was rejected. Reasons never quote field
// values, because those may contain PII.
type InvalidError struct{ Reason string }

func (e *InvalidError) Error() string { return "invalid record: " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

func invalid(format string, args ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, args...)}
}

// Decode parses one Kinesis record payload. To decode many, use a Decoder.
func Decode(data []byte) (Item, error) {
	d := Decoder{buf: make([]byte, 0, len(data)+64)}
	return d.Decode(data)
}

// A Decoder decodes record payloads, reusing its buffers across calls. The
// zero value is ready to use. A Decoder must not be used concurrently.
type Decoder struct {
	buf       []byte // cleaned text of the current record, then its ID and address
	tmp       []byte // unescaped keys and small values
	top, full doc    // the payload's object and a change event's fullDocument
}

// The fields Decode reads, by index into doc.
const (
	fID = iota
	fAddress
	fTitle
	fURL
	fDomain
	fSummary
	fCategory
	fSubcategory
	fVisitTime
	fCreateTimestamp
	fOperationType
	fFullDocument
	nFields
)

var textFields = [...]struct {
	f    int
	name string
	mode mode
}{
	{fTitle, "title", cleanText},
	{fURL, "url", cleanText},
	{fDomain, "domain", cleanText},
	{fSummary, "summary", cleanText | keepLines}, // page text keeps its lines and tabs
	{fCategory, "category", cleanText},
	{fSubcategory, "subcategory", cleanText},
}

// field returns the index of a known field name, or -1. The switch on
// string(key) neither allocates nor hashes: the compiler turns it into a
// length switch and comparisons.
func field(key []byte) int {
	switch string(key) {
	case "_id":
		return fID
	case "address":
		return fAddress
	case "title":
		return fTitle
	case "url":
		return fURL
	case "domain":
		return fDomain
	case "summary":
		return fSummary
	case "category":
		return fCategory
	case "subcategory":
		return fSubcategory
	case "visitTime":
		return fVisitTime
	case "create_timestamp":
		return fCreateTimestamp
	case "operationType":
		return fOperationType
	case "fullDocument":
		return fFullDocument
	}
	return -1
}

// span is a half-open byte range.
type span struct{ start, end int }

// doc holds what the scan found in one object: where each known field's
// value is, where the cleaned text of string fields went in Decoder.buf,
// and the findings that reject the whole document.
type doc struct {
	has       uint32 // bit per known field present
	val, text [nFields]span
	dup       bool
	dollar    bool // a field name starts with '$'
	dotted    bool // a field name contains '.'
	keys      []keyRef
	seen      map[string]struct{} // keys, once there are many
}

// keyRef locates an unknown key: in the payload, or in Decoder.tmp when it
// had escapes.
type keyRef struct {
	esc bool
	s   span
}

// manyKeys is where duplicate detection switches from comparing each
// unknown key with the earlier ones to a map.
const manyKeys = 16

func (o *doc) reset() {
	o.has, o.dup, o.dollar, o.dotted = 0, false, false, false
	o.keys = o.keys[:0]
	if o.seen != nil {
		clear(o.seen)
	}
}

// Decode parses one Kinesis record payload. The strings of the Item it
// returns do not refer to data or to the Decoder's buffers.
func (d *Decoder) Decode(data []byte) (Item, error) {
	if len(data) == 0 {
		return Item{}, invalid("empty payload")
	}
	if len(data) > MaxPayload {
		return Item{}, invalid("payload of %d bytes exceeds the %d-byte limit", len(data), MaxPayload)
	}
	d.buf, d.tmp = d.buf[:0], d.tmp[:0]
	d.top.reset()
	d.full.reset()
	i := jsonscan.SkipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		end, err := d.value(data, i, 0)
		if err == nil && jsonscan.SkipSpace(data, end) == len(data) {
			return Item{}, invalid("document is not a JSON object")
		}
		return Item{}, syntaxError(data, err)
	}
	end, err := d.object(data, i, 1, &d.top)
	if err == nil && jsonscan.SkipSpace(data, end) != len(data) {
		err = errSyntax
	}
	if err != nil {
		return Item{}, syntaxError(data, err)
	}
	if d.top.dup {
		return Item{}, invalid("document has a duplicate field")
	}
	o := &d.top
	if o.has&(1<<fOperationType) != 0 {
		kind, err := d.operationType(data, o.val[fOperationType])
		if err != nil {
			return Item{}, err
		}
		full := o.val[fFullDocument]
		if o.has&(1<<fFullDocument) == 0 || data[full.start] == 'n' {
			return Item{}, invalid("%s event without fullDocument", kind)
		}
		if data[full.start] != '{' {
			return Item{}, invalid("fullDocument is not a JSON object")
		}
		if d.full.dup {
			return Item{}, invalid("fullDocument has a duplicate field")
		}
		o = &d.full
	}
	return d.document(data, o)
}

// changeTypes are the operationType values of MongoDB change events. Only
// these are ever quoted in a reason: any other value came from the payload
// and may be PII.
var changeTypes = map[string]bool{
	"insert": true, "update": true, "replace": true, "delete": true, "drop": true, "rename": true,
	"dropDatabase": true, "invalidate": true, "createIndexes": true, "dropIndexes": true,
	"modify": true, "create": true, "shardCollection": true, "refineCollectionShardKey": true,
	"reshardCollection": true,
}

// operationType returns "insert" or "replace", the events that carry a new
// history document; anything else is not ours to process.
func (d *Decoder) operationType(data []byte, v span) (string, error) {
	var kind string
	switch data[v.start] {
	case '"':
		kind = string(d.unquote(data, v))
	case 'n': // encoding/json leaves the string empty
	default:
		return "", invalid("operationType: want a string")
	}
	switch {
	case kind == "insert" || kind == "replace":
		return kind, nil
	case changeTypes[kind]:
		return "", invalid("unsupported operationType %q", kind)
	}
	return "", invalid("unsupported operationType (not a change stream event type)")
}

// document checks the fields of a history document in a fixed order, so the
// first problem is always reported the same way, and builds the Item.
func (d *Decoder) document(data []byte, o *doc) (Item, error) {
	if o.dollar {
		return Item{}, invalid("field name starts with '$'")
	}
	if o.dotted {
		return Item{}, invalid("field name contains '.'")
	}
	present := func(f int) bool { return o.has&(1<<f) != 0 && data[o.val[f].start] != 'n' }
	var it Item
	var err error
	if !present(fID) {
		return Item{}, invalid("missing _id")
	}
	id, err := d.objectID(data, o.val[fID])
	if err != nil {
		return Item{}, err
	}
	if !present(fAddress) {
		return Item{}, invalid("missing address")
	}
	addr, err := d.address(data, o.val[fAddress])
	if err != nil {
		return Item{}, err
	}
	for _, t := range textFields {
		if present(t.f) && data[o.val[t.f].start] != '"' {
			return Item{}, invalid("%s: want a string, got %s", t.name, kindOf(data[o.val[t.f].start]))
		}
	}
	if !present(fVisitTime) {
		return Item{}, invalid("missing visitTime")
	}
	if it.VisitTime, err = d.millis(data, o.val[fVisitTime], "visitTime"); err != nil {
		return Item{}, err
	}
	if present(fCreateTimestamp) {
		if it.CreateTimestamp, err = d.integer(data, o.val[fCreateTimestamp], "create_timestamp"); err != nil {
			return Item{}, err
		}
	}

	// One string for the whole item: its text, then the ID and the address
	// in lower case.
	idAt := len(d.buf)
	d.buf = appendLower(d.buf, id)
	addrAt := len(d.buf)
	d.buf = append(d.buf, "0x"...)
	d.buf = appendLower(d.buf, addr[2:])
	s := string(d.buf)
	it.ID, it.Address = s[idAt:addrAt], s[addrAt:]
	text := func(f int) string {
		if !present(f) {
			return ""
		}
		return s[o.text[f].start:o.text[f].end]
	}
	it.Title, it.URL, it.Domain = text(fTitle), text(fURL), text(fDomain)
	it.Summary, it.Category, it.Subcategory = text(fSummary), text(fCategory), text(fSubcategory)
	return it, nil
}

func (d *Decoder) objectID(data []byte, v span) ([]byte, error) {
	var s []byte
	switch data[v.start] {
	case '{':
		var oid [1]member
		if !d.members(data, v.start, []string{"$oid"}, oid[:], true) || oid[0].kind != '"' {
			return nil, invalid("_id: want a 24-hex string or {\"$oid\": ...}")
		}
		s = d.unquote(data, oid[0].val)
	case '"':
		s = d.unquote(data, v)
	default:
		return nil, invalid("_id: want a 24-hex string or {\"$oid\": ...}")
	}
	if len(s) != 24 || !isHex(s) {
		return nil, invalid("_id: not 24 hex digits")
	}
	return s, nil
}

func (d *Decoder) address(data []byte, v span) ([]byte, error) {
	if data[v.start] != '"' {
		return nil, invalid("address: want a string, got %s", kindOf(data[v.start]))
	}
	s := d.unquote(data, v)
	if len(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !isHex(s[2:]) {
		return nil, invalid("address: not 0x followed by 40 hex digits")
	}
	return s, nil
}

// millis reads a time in milliseconds in any of the forms the trigger uses:
// a JSON number, {"$numberLong": "..."}, {"$numberDouble": "..."},
// {"$numberInt": "..."} or {"$date": <ISO-8601 | number | {"$numberLong": ...}>}.
func (d *Decoder) millis(data []byte, v span, name string) (int64, error) {
	if data[v.start] != '{' {
		return d.integer(data, v, name)
	}
	var date [1]member
	d.members(data, v.start, []string{"$date"}, date[:], false)
	switch date[0].kind {
	case 0:
		return d.integer(data, v, name)
	case '"':
		t, err := time.Parse(time.RFC3339Nano, string(d.unquote(data, date[0].val)))
		if err != nil {
			return 0, invalid("%s: $date is not ISO-8601", name)
		}
		return positive(t.UnixMilli(), name)
	}
	return d.integer(data, date[0].val, name)
}

var numberWrappers = []string{"$numberLong", "$numberDouble", "$numberInt"}

// integer reads a non-negative integer from a JSON number or a numeric
// Extended JSON wrapper. Fractions are truncated (browsers report visit times
// with sub-millisecond fractions); NaN, infinities and overflow are rejected.
func (d *Decoder) integer(data []byte, v span, name string) (int64, error) {
	var text []byte
	switch c := data[v.start]; {
	case c == '{':
		var w [3]member
		if !d.members(data, v.start, numberWrappers, w[:], true) {
			return 0, invalid("%s: malformed Extended JSON number", name)
		}
		switch {
		case w[0].kind == '"':
			text = d.unquote(data, w[0].val)
		case w[1].kind == '"':
			text = d.unquote(data, w[1].val)
		case w[2].kind == '"':
			text = d.unquote(data, w[2].val)
		default:
			return 0, invalid("%s: want a number", name)
		}
	case c == '-' || '0' <= c && c <= '9':
		text = data[v.start:v.end]
		if n, ok := digits(text); ok {
			return n, nil
		}
	default:
		return 0, invalid("%s: want a number, got %s", name, kindOf(c))
	}
	// Browsers report visit times with sub-millisecond fractions: those
	// go straight to ParseFloat, since ParseInt's error would allocate.
	if bytes.IndexAny(text, ".eE") < 0 {
		if n, err := strconv.ParseInt(string(text), 10, 64); err == nil {
			return positive(n, name)
		}
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, invalid("%s: not a number", name)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f >= math.MaxInt64 || f <= math.MinInt64 {
		return 0, invalid("%s: out of range", name)
	}
	return positive(int64(f), name)
}

// digits parses the common case of a plain non-negative integer that fits
// in an int64 without going through strconv.
func digits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func positive(n int64, name string) (int64, error) {
	if n < 0 {
		return 0, invalid("%s: negative", name)
	}
	return n, nil
}

func kindOf(c byte) string {
	switch c {
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

func isHex[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func appendLower(dst, s []byte) []byte {
	for _, c := range s {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// member is what members finds for one name: the kind of its value (its
// first byte, 0 when absent) and where it is.
type member struct {
	kind byte
	val  span
}

// members reads the small Extended JSON wrappers ({"$oid": ...},
// {"$date": ...}, {"$numberLong": ...}) with encoding/json's rules for a
// struct: names match case-insensitively, the last of duplicate names wins,
// and with strings set, a value that is neither a string nor null makes the
// whole wrapper invalid (it reports false). The object was validated by the
// scan.
func (d *Decoder) members(data []byte, i int, names []string, out []member, strings bool) bool {
	ok := true
	i = jsonscan.SkipSpace(data, i+1)
	for data[i] != '}' {
		kend, esc := stringEnd(data, i)
		key := data[i+1 : kend-1]
		if esc {
			key = d.unquote(data, span{i, kend})
		}
		vi := jsonscan.SkipSpace(data, jsonscan.SkipSpace(data, kend)+1)
		vend, _ := d.value(data, vi, 0)
		for n, name := range names {
			if !bytes.EqualFold(key, []byte(name)) {
				continue
			}
			if strings && data[vi] != '"' && data[vi] != 'n' {
				ok = false
			}
			out[n] = member{data[vi], span{vi, vend}}
			if data[vi] == 'n' && strings {
				out[n].kind = 0 // a null pointer: as if absent
			}
		}
		i = jsonscan.SkipSpace(data, vend)
		if data[i] == ',' {
			i = jsonscan.SkipSpace(data, i+1)
		}
	}
	return ok
}

// unquote returns the value of the JSON string at v as encoding/json decodes
// it (invalid UTF-8 becomes U+FFFD byte by byte), in d.tmp or in data itself
// when it has nothing to decode. It is for small values; text fields are
// decoded during the scan.
func (d *Decoder) unquote(data []byte, v span) []byte {
	body := data[v.start+1 : v.end-1]
	plain := true
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return body
	}
	at := len(d.tmp)
	var err error
	d.tmp, _, err = appendString(d.tmp, data, v.start, exact)
	if err != nil {
		panic("record: unquote of a string the scan accepted: " + err.Error())
	}
	return d.tmp[at:]
}

// syntaxError names what is wrong with a payload that is not JSON. The
// scan knows that a document is too deep; anything else is rare, so it is
// explained token by token with encoding/json, which names the problem.
func syntaxError(data []byte, err error) error {
	if errors.Is(err, errDepth) {
		return invalid("document is nested deeper than %d levels", maxDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return invalid("document is not JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return invalid("document is not a JSON object")
	}
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return invalid("document is malformed JSON")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return invalid("document is malformed JSON")
		}
	}
	if _, err := dec.Token(); err != nil {
		return invalid("document is truncated JSON")
	}
	return invalid("document has trailing data after the JSON object")
}

// hex4 decodes the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
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

// surrogate decodes the low half of a UTF-16 surrogate pair after a high
// half r, as encoding/json does: it returns the rune and the bytes of the
// low half consumed, or U+FFFD and 0 when there is no valid low half.
func surrogate(r rune, rest []byte) (rune, int) {
	if len(rest) >= 6 && rest[0] == '\\' && rest[1] == 'u' {
		if r2, ok := hex4(rest[2:]); ok {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, 6
			}
		}
	}
	return utf8.RuneError, 0
}
