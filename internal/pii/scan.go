package pii

// Byte classes. The scan loop only looks at cAlnum and cTrigger; the others
// serve the validators.
const (
	cDigit   = 1 << iota
	cLower   // a-z
	cUpper   // A-Z
	cHex     // 0-9a-fA-F
	cLocal   // allowed in an e-mail local part
	cB64URL  // A-Za-z0-9-_
	cTrigger // '@' '=' ':' '-' '%'
	cPrefix  // first byte of a credential prefix or of bc1/Bearer
	cAlnum   = cDigit | cLower | cUpper
	cAlpha   = cLower | cUpper
)

// class is a read-only lookup table built once.
var class = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] |= cDigit | cHex | cLocal | cB64URL
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= cLower | cLocal | cB64URL
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= cUpper | cLocal | cB64URL
	}
	for _, c := range "abcdefABCDEF" {
		t[c] |= cHex
	}
	for _, c := range "._%+-" {
		t[c] |= cLocal
	}
	t['-'] |= cB64URL
	t['_'] |= cB64URL
	for _, c := range "@=:-%" {
		t[c] |= cTrigger
	}
	for _, c := range "AegxsrwynbB" {
		t[c] |= cPrefix
	}
	return t
}()

func isDigit(c byte) bool { return class[c]&cDigit != 0 }
func isAlnum(c byte) bool { return class[c]&cAlnum != 0 }
func isAlpha(c byte) bool { return class[c]&cAlpha != 0 }
func isHex(c byte) bool   { return class[c]&cHex != 0 }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// scanner is the state of one Find call. It lives on the caller's stack.
type scanner struct {
	s      string
	keep   string
	window int
	out    []Finding
	// Remembered ends of assigned values and URL parameter values.
	valFrom, valEnd int
	prmFrom, prmEnd int
	// Assigned values judged not secret, re-judged at the end (resolve).
	rej  [8]rejected
	nrej int

	structuredOnly bool
	lowerText      bool // the text has no ASCII capital: chat written in lower case
	dlg            int8 // dialogue(): 0 not yet known, 1 no, 2 yes

	// Gazetteer flags of the words looked up last, by start: the word walk
	// looks at a word's neighbours and then at the neighbours themselves.
	fc [16]flagsAt
}

type flagsAt struct {
	s, e int // the word's span, s+1 so that the zero entry matches nothing
	f    uint16
}

func (sc *scanner) run() {
	sc.scan()
	if sc.out != nil && sc.nrej > 0 {
		sc.resolve()
	}
	if !sc.structuredOnly {
		sc.words()
	}
}

func (sc *scanner) scan() {
	s := sc.s
	n := len(s)
	for i := 0; i < n; {
		k := class[s[i]]
		if k&cAlnum != 0 {
			j := alnumRun(s, i+1, n)
			// Most runs are plain words: a letter that starts no credential
			// prefix, no digit third (IBAN), not 64 long (hex key), not a hex
			// group before ':' or '-' (MAC, IPv6).
			if k&cDigit == 0 && (k&cPrefix == 0 || !mayPrefix(s, i, j)) && (j-i < 4 || class[s[i+2]]&cDigit == 0) && j-i != 64 &&
				(j == n || (s[j] != ':' && s[j] != '-') || k&cHex == 0) {
				i = j
				continue
			}
			e := sc.token(i, j)
			if e < j {
				e = j
			}
			i = sc.resume(e)
			continue
		}
		if k&cTrigger != 0 {
			if e := sc.symbol(i); e > i {
				i = sc.resume(e)
				continue
			}
		}
		i++
	}
}

// mayPrefix reports whether prefixed may find something in (or change the
// scan after) the run s[i:j] that starts with a cPrefix letter: each of its
// prefixes wants one of these lengths, these first letters or one of these
// bytes after the run. Most English words that start with such a letter
// have none of them.
func mayPrefix(s string, i, j int) bool {
	if j < len(s) {
		switch s[j] {
		case '_', '-', '.':
			return true
		case ' ':
			if j-i == 6 {
				return true // Bearer
			}
		}
	}
	n := j - i
	return n == 20 || n >= 42 || n >= 3 && (s[i] == 'A' && s[i+1] == 'I' || s[i] == 'e' && s[i+1] == 'y')
}

// resume returns where the scan continues after a candidate that ended at e:
// never inside a run of letters and digits, because a candidate starting
// mid-word would start at a word boundary once its left neighbour had been
// replaced by a placeholder, and Scrub would not be idempotent.
func (sc *scanner) resume(e int) int {
	s := sc.s
	for e < len(s) && e > 0 && class[s[e]]&cAlnum != 0 && class[s[e-1]]&cAlnum != 0 {
		e++
	}
	return e
}

// add records a finding. Findings arrive almost in order; one that overlaps
// earlier ones is merged with them so that every detected byte is redacted.
func (sc *scanner) add(t Type, start, end int) int {
	for len(sc.out) > 0 {
		l := &sc.out[len(sc.out)-1]
		if l.End <= start {
			break
		}
		if start <= l.Start {
			if l.End > end {
				end = l.End
			}
			sc.out = sc.out[:len(sc.out)-1]
			continue
		}
		if l.End < end {
			l.End = end
		}
		return l.End
	}
	sc.out = append(sc.out, Finding{Type: t, Start: start, End: end})
	return end
}

// inFinding reports whether byte offset p lies inside a recorded finding.
func (sc *scanner) inFinding(p int) bool {
	for k := len(sc.out) - 1; k >= 0; k-- {
		f := sc.out[k]
		if f.End <= p {
			return false
		}
		if f.Start <= p {
			return true
		}
	}
	return false
}

// before returns s[p], or '>' when p lies inside a finding. Checks that look
// left of a candidate use it, so that they see the same byte whether the
// text is original or already scrubbed (where a placeholder ends in '>').
func (sc *scanner) before(p int) byte {
	if sc.inFinding(p) {
		return '>'
	}
	return sc.s[p]
}

// token handles the alphanumeric run s[i:j] (s[i-1] is not alphanumeric). It
// returns the end of a finding, or 0.
func (sc *scanner) token(i, j int) int {
	s := sc.s
	c := s[i]
	if j < len(s) && (s[j] == ':' || s[j] == '-') && isHex(c) && (i == 0 || sc.before(i-1) != s[j]) {
		if e := sc.mac(i); e > 0 {
			return e
		}
		if s[j] == ':' {
			if e := sc.ipv6(i); e > 0 {
				return e
			}
		}
	}
	if isDigit(c) {
		if c == '0' && j-i >= 2 && (s[i+1] == 'x' || s[i+1] == 'X') {
			return sc.hex0x(i, j)
		}
		if j-i >= 26 && (c == '1' || c == '3') {
			if e := sc.base58(i, j); e > 0 {
				return e
			}
		}
		if j-i == 64 {
			return sc.bareHex(i, j)
		}
		return sc.number(i)
	}
	// Letter-initial runs: known secret prefixes, IBAN, bech32, bare hex.
	if e := sc.prefixed(i, j); e > 0 {
		return e
	}
	if j-i >= 4 && isAlpha(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
		if e := sc.iban(i); e > 0 {
			return e
		}
	}
	if j-i == 64 {
		return sc.bareHex(i, j)
	}
	return 0
}

// symbol handles a trigger byte at s[i]. It returns the end of a finding, or 0.
func (sc *scanner) symbol(i int) int {
	s := sc.s
	switch s[i] {
	case '@':
		return sc.at(i, i+1)
	case '%':
		if i+2 < len(s) && s[i+1] == '4' && s[i+2] == '0' {
			return sc.at(i, i+3)
		}
		if i+2 < len(s) && s[i+1] == '3' && (s[i+2] == 'D' || s[i+2] == 'd') {
			return sc.assignment(i, 3)
		}
	case '=', ':':
		return sc.assignment(i, 1)
	case '-':
		return sc.pem(i)
	}
	return 0
}

// alnumRun returns the end of the run of ASCII letters and digits that
// starts at j, never past n. A byte loop the compiler inlines: on real
// text, whose word lengths the branch predictor learns, it beat reading
// eight bytes at a time (measured: record2k 1.33x, page 1.14x).
func alnumRun(s string, j, n int) int {
	for j < n && class[s[j]]&cAlnum != 0 {
		j++
	}
	return j
}
