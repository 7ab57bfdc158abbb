package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kleo-network/kleo-stream/internal/jsonscan"
)

// The scan accepts exactly the grammar of RFC 8259 as encoding/json does
// (any bytes but control characters inside strings, encoding/json's depth
// limit), so a payload is JSON for Decode exactly when json.Valid says so;
// the fuzzers check that.

var (
	errSyntax = errors.New("not JSON")
	errDepth  = errors.New("nested too deep")
)

// A mode says how appendString decodes a string.
type mode uint8

const (
	exact     mode = 0         // as encoding/json: invalid UTF-8 becomes U+FFFD byte by byte
	raw       mode = 1 << iota // invalid UTF-8 kept as it is (keys are compared so)
	cleanText                  // control characters dropped, so stored text is printable
	keepLines                  // with cleanText: but \n and \t kept
)

// textMode is the mode of each text field; 0 for the others.
var textMode = func() (m [nFields]mode) {
	for _, t := range textFields {
		m[t.f] = t.mode
	}
	return m
}()

// plain are the string bytes that stand for themselves in every mode;
// inString those a valid string may hold unescaped.
var plain, inString = func() (p, s [256]bool) {
	for c := 0; c < 256; c++ {
		s[c] = c >= 0x20 && c != '"' && c != '\\'
		p[c] = s[c] && c < 0x7f
	}
	return p, s
}()

// value validates the JSON value at data[i], inside depth containers, and
// returns where it ends.
func (d *Decoder) value(data []byte, i, depth int) (int, error) {
	if i >= len(data) {
		return 0, errSyntax
	}
	switch c := data[i]; c {
	case '{':
		return d.object(data, i, depth+1, nil)
	case '[':
		return d.array(data, i, depth+1)
	case '"':
		end, _ := stringEnd(data, i)
		if end < 0 {
			return 0, errSyntax
		}
		return end, nil
	case 't':
		return literal(data, i, "true")
	case 'f':
		return literal(data, i, "false")
	case 'n':
		return literal(data, i, "null")
	default:
		if end := jsonscan.Number(data, i); end > 0 {
			return end, nil
		}
		return 0, errSyntax
	}
}

// object validates the object at data[i], the depth-th container. With o
// set it also records the object's fields in o, decoding text fields into
// d.buf as it goes.
func (d *Decoder) object(data []byte, i, depth int, o *doc) (int, error) {
	if depth > maxDepth {
		return 0, errDepth
	}
	i = jsonscan.SkipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return 0, errSyntax
		}
		kend, esc := stringEnd(data, i)
		if kend < 0 {
			return 0, errSyntax
		}
		f := -1
		if o != nil {
			f = d.key(data, o, span{i, kend}, esc)
		}
		i = jsonscan.SkipSpace(data, kend)
		if i >= len(data) || data[i] != ':' {
			return 0, errSyntax
		}
		if i = jsonscan.SkipSpace(data, i+1); i >= len(data) {
			return 0, errSyntax
		}
		var end int
		var err error
		switch {
		case f < 0:
			end, err = d.value(data, i, depth)
		case data[i] == '"' && textMode[f] != 0:
			at := len(d.buf)
			d.buf, end, err = appendString(d.buf, data, i, textMode[f])
			o.text[f] = span{at, len(d.buf)}
		case f == fFullDocument && o == &d.top && data[i] == '{':
			end, err = d.object(data, i, depth+1, &d.full)
		default:
			end, err = d.value(data, i, depth)
		}
		if err != nil {
			return 0, err
		}
		if f >= 0 {
			o.val[f] = span{i, end}
		}
		if i = jsonscan.SkipSpace(data, end); i >= len(data) {
			return 0, errSyntax
		}
		switch data[i] {
		case ',':
			i = jsonscan.SkipSpace(data, i+1)
		case '}':
			return i + 1, nil
		default:
			return 0, errSyntax
		}
	}
}

func (d *Decoder) array(data []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return 0, errDepth
	}
	i = jsonscan.SkipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		end, err := d.value(data, i, depth)
		if err != nil {
			return 0, err
		}
		if i = jsonscan.SkipSpace(data, end); i >= len(data) {
			return 0, errSyntax
		}
		switch data[i] {
		case ',':
			i = jsonscan.SkipSpace(data, i+1)
		case ']':
			return i + 1, nil
		default:
			return 0, errSyntax
		}
	}
}

// key notes the key at k in o and returns its known field, or -1. Keys are
// compared as their unescaped bytes.
func (d *Decoder) key(data []byte, o *doc, k span, esc bool) int {
	key := data[k.start+1 : k.end-1]
	ref := keyRef{s: span{k.start + 1, k.end - 1}}
	if esc {
		at := len(d.tmp)
		d.tmp, _, _ = appendString(d.tmp, data, k.start, raw)
		key = d.tmp[at:]
		ref = keyRef{true, span{at, len(d.tmp)}}
	}
	if f := field(key); f >= 0 {
		if o.has&(1<<f) != 0 {
			o.dup = true
		}
		o.has |= 1 << f
		return f
	}
	if len(key) > 0 && key[0] == '$' {
		o.dollar = true
	}
	if bytes.IndexByte(key, '.') >= 0 {
		o.dotted = true
	}
	if o.dup {
		return -1
	}
	if len(o.keys) < manyKeys {
		for _, r := range o.keys {
			if bytes.Equal(d.keyBytes(data, r), key) {
				o.dup = true
				return -1
			}
		}
		o.keys = append(o.keys, ref)
		return -1
	}
	if o.seen == nil {
		o.seen = make(map[string]struct{}, 2*manyKeys)
	}
	if len(o.seen) == 0 {
		for _, r := range o.keys {
			o.seen[string(d.keyBytes(data, r))] = struct{}{}
		}
	}
	if _, dup := o.seen[string(key)]; dup {
		o.dup = true
	} else {
		o.seen[string(key)] = struct{}{}
	}
	return -1
}

func (d *Decoder) keyBytes(data []byte, r keyRef) []byte {
	if r.esc {
		return d.tmp[r.s.start:r.s.end]
	}
	return data[r.s.start:r.s.end]
}

// stringEnd validates the string at data[i] == '"' and returns where it ends
// (-1 when it is not a valid string) and whether it has escapes.
func stringEnd(data []byte, i int) (end int, esc bool) {
	for j := i + 1; j < len(data); {
		// Eight bytes at a time while none needs a look: no quote,
		// backslash or control character.
		for j+8 <= len(data) {
			if m := special8(binary.LittleEndian.Uint64(data[j:])); m != 0 {
				j += bits.TrailingZeros64(m) / 8
				break
			}
			j += 8
		}
		if j >= len(data) {
			break
		}
		c := data[j]
		switch {
		case inString[c]:
			j++
		case c == '"':
			return j + 1, esc
		case c == '\\':
			esc = true
			if j+1 >= len(data) {
				return -1, esc
			}
			switch data[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if _, ok := hex4(data[j+2:]); !ok {
					return -1, esc
				}
				j += 6
			default:
				return -1, esc
			}
		default:
			return -1, esc
		}
	}
	return -1, esc
}

// The SWAR masks below have the high bit set in each byte of x that needs
// a look; the lowest set bit is exact, so the first such byte is at
// TrailingZeros64(mask)/8.
const lo8, hi8 = 0x0101010101010101, 0x8080808080808080

// special8 marks quotes, backslashes and control characters.
func special8(x uint64) uint64 {
	q, b := x^(lo8*'"'), x^(lo8*'\\')
	return ((q-lo8)&^q | (b-lo8)&^b | (x-lo8*0x20)&^x) & hi8
}

// nonPlain8 also marks DEL and the bytes of multi-byte sequences.
func nonPlain8(x uint64) uint64 {
	del := x ^ (lo8 * 0x7f)
	return special8(x) | (x|(del-lo8)&^del)&hi8
}

// appendString validates the string at data[i] == '"', appends its value
// decoded in mode m to dst and returns where the string ends.
func appendString(dst, data []byte, i int, m mode) ([]byte, int, error) {
	i++
	for {
		j := i
		for j+8 <= len(data) {
			if m := nonPlain8(binary.LittleEndian.Uint64(data[j:])); m != 0 {
				j += bits.TrailingZeros64(m) / 8
				break
			}
			j += 8
		}
		for j < len(data) && plain[data[j]] {
			j++
		}
		dst = append(dst, data[i:j]...)
		if j >= len(data) {
			return dst, 0, errSyntax
		}
		switch c := data[j]; {
		case c == '"':
			return dst, j + 1, nil
		case c == '\\':
			if j+1 >= len(data) {
				return dst, 0, errSyntax
			}
			var r rune
			switch e := data[j+1]; e {
			case '"', '\\', '/':
				dst = append(dst, e)
				i = j + 2
				continue
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			case 'u':
				var ok bool
				if r, ok = hex4(data[j+2:]); !ok {
					return dst, 0, errSyntax
				}
				j += 4
				if utf16.IsSurrogate(r) {
					var n int
					r, n = surrogate(r, data[j+2:])
					j += n
				}
			default:
				return dst, 0, errSyntax
			}
			i = j + 2
			if m&cleanText == 0 || !isControl(r) || m&keepLines != 0 && (r == '\n' || r == '\t') {
				dst = utf8.AppendRune(dst, r)
			}
		case c < 0x20:
			return dst, 0, errSyntax
		case c == 0x7f || m&raw != 0:
			if m&cleanText == 0 {
				dst = append(dst, c)
			}
			i = j + 1
		default:
			r, n := utf8.DecodeRune(data[j:])
			switch {
			case r == utf8.RuneError && n == 1:
				dst = append(dst, "\uFFFD"...)
			case m&cleanText == 0 || !isControl(r):
				dst = append(dst, data[j:j+n]...)
			}
			i = j + n
		}
	}
}

// isControl is unicode.IsControl: C0, DEL and C1.
func isControl(r rune) bool { return r < 0x20 || 0x7f <= r && r <= 0x9f }

func literal(data []byte, i int, lit string) (int, error) {
	if !bytes.HasPrefix(data[i:], []byte(lit)) {
		return 0, errSyntax
	}
	return i + len(lit), nil
}
