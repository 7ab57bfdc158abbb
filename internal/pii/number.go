package pii

import (
	"unicode"
	"unicode/utf8"
)

// Digit sequences: IPv4 addresses, card numbers, SSNs and phone numbers all
// start as groups of digits joined by single separators. One parse of the
// sequence serves all four validators.

const maxGroups = 12

type numSeq struct {
	start  int // first byte, including a leading '+' or '('
	first  int // first digit
	ng     int
	gs, ge [maxGroups]int  // group spans (digits only)
	sep    [maxGroups]byte // separator before group k (0 for k = 0); ')' after a parenthesised group
	nd     int             // digits in all groups
	plus   bool
	paren  bool // some group was parenthesised
	end    int  // end of the sequence, including an extension
}

func isNumSep(c byte) bool { return c == ' ' || c == '-' || c == '.' || c == '/' }

// parseNum parses the digit sequence starting at s[i] (a digit).
func (sc *scanner) parseNum(i int) numSeq {
	s := sc.s
	n := len(s)
	q := numSeq{start: i, first: i}
	if i > 0 && (i < 2 || !isAlnum(sc.before(i-2))) {
		switch sc.before(i - 1) {
		case '+':
			q.plus, q.start = true, i-1
		case '(':
			q.start = i - 1
		}
	}
	open := q.start == i-1 && sc.before(i-1) == '('
	p := i
	var sep byte
	for q.ng < maxGroups {
		g := p
		for p < n && isDigit(s[p]) {
			p++
		}
		q.gs[q.ng], q.ge[q.ng], q.sep[q.ng] = g, p, sep
		q.ng++
		q.nd += p - g
		q.end = p
		sep = 0
		if open {
			if p < n && s[p] == ')' {
				open = false
				q.paren = true
				p++
				sep = ')'
				if p+1 < n && (s[p] == ' ' || s[p] == '-') && isDigit(s[p+1]) {
					p++
				}
				if p < n && isDigit(s[p]) {
					continue
				}
			}
			// An unclosed parenthesis ends the sequence before it.
			break
		}
		if p+1 < n && isNumSep(s[p]) && isDigit(s[p+1]) {
			sep = s[p]
			p++
			continue
		}
		if p+2 < n && s[p] == ' ' && s[p+1] == '(' && isDigit(s[p+2]) {
			// "+41 (0)96 ..." or "1 (555) ..."
			sep = ' '
			p += 2
			open = true
			continue
		}
		if p+1 < n && s[p] == '(' && isDigit(s[p+1]) && q.plus {
			p++
			open = true
			continue
		}
		break
	}
	// Extension: "x123", " x123", "ext. 123".
	p = q.end
	if p < n {
		e := p
		if s[e] == ' ' {
			e++
		}
		if e < n && (s[e] == 'x' || s[e] == 'X') {
			e++
		} else if e+3 <= n && (s[e:e+3] == "ext" || s[e:e+3] == "Ext") {
			e += 3
			if e < n && s[e] == '.' {
				e++
			}
			if e < n && s[e] == ' ' {
				e++
			}
		} else {
			e = -1
		}
		if e > 0 {
			d := e
			for d < n && d-e < 7 && isDigit(s[d]) {
				d++
			}
			if d > e && (d == n || !isAlnum(s[d])) {
				q.end = d
			}
		}
	}
	return q
}

func (q *numSeq) glen(k int) int { return q.ge[k] - q.gs[k] }

// atoi of a short all-digit string.
func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// number validates the digit sequence starting at s[i]. It returns the end of
// a finding, the end of a date to skip, or the end of the rejected sequence.
func (sc *scanner) number(i int) int {
	s := sc.s
	// Fast path: a short number standing alone ("250 g", "3.2%") can be
	// none of the entities, which all need seven digits or more, or a
	// separator and a further group.
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j-i < 7 && (j+1 >= len(s) || !(isNumSep(s[j]) || s[j] == '(' || s[j] == ')') ||
		!(isDigit(s[j+1]) || s[j+1] == '(' || s[j+1] == ' ')) {
		return j
	}
	q := sc.parseNum(i)
	if q.gluedToEmail(s) && !q.dropGluedTail() {
		return q.end // all of it is the local part of the e-mail that follows
	}
	if e := q.date(s); e > 0 {
		return e
	}
	if e, ok := sc.ipv4(&q); ok {
		return e
	}
	if e := sc.card(&q); e > 0 {
		return e
	}
	if e := sc.ssn(&q); e > 0 {
		return e
	}
	if sc.phone(&q) {
		return sc.add(Phone, q.start, q.end)
	}
	return q.end
}

// gluedToEmail reports whether the sequence's last group runs, through
// e-mail local-part characters, into an '@' (or "%40") within the 64 bytes a
// local part may have: the e-mail found there will take that group.
func (q *numSeq) gluedToEmail(s string) bool {
	g := q.gs[q.ng-1]
	for p := q.end; p < len(s) && p-g <= 64; {
		c := s[p]
		switch {
		case c == '@':
			return true
		case c == '%' && p+2 < len(s) && s[p+1] == '4' && s[p+2] == '0':
			return true
		case class[c]&cLocal != 0:
			p++
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[p:])
			if !unicode.IsLetter(r) {
				return false
			}
			p += n // as the e-mail's local part takes it (RFC 6531)
		default:
			return false
		}
	}
	return false
}

// dropGluedTail drops the trailing groups that are glued to what follows the
// sequence (a word, or an e-mail address whose local part they would be):
// the last group and those joined to it by '.' or '-', which are local-part
// characters, back to the last space, '/' or ')'. The rest is judged on its
// own, as it is once the e-mail has been replaced by its placeholder. It
// reports whether any group is left.
func (q *numSeq) dropGluedTail() bool {
	k := q.ng - 1
	for k > 0 && (q.sep[k] == '.' || q.sep[k] == '-') {
		k--
	}
	if k == 0 {
		return false
	}
	q.ng = k
	q.end = q.ge[k-1]
	q.nd = 0
	for g := 0; g < k; g++ {
		q.nd += q.glen(g)
	}
	return true
}

// date reports the end of a calendar date at the start of the sequence
// (2015-12-22, 22.12.2015, 12/22/2015), or 0.
func (q *numSeq) date(s string) int {
	if q.ng < 3 || q.plus || q.sep[1] != q.sep[2] || q.sep[1] == ' ' || q.sep[1] == ')' {
		return 0
	}
	a, b, c := q.glen(0), q.glen(1), q.glen(2)
	if b > 2 {
		return 0
	}
	mid := atoi(s[q.gs[1]:q.ge[1]])
	switch {
	case a == 4 && c <= 2:
		y := atoi(s[q.gs[0]:q.ge[0]])
		if y >= 1900 && y <= 2099 && mid >= 1 && mid <= 12 && atoi(s[q.gs[2]:q.ge[2]]) <= 31 {
			return q.ge[2]
		}
	case a <= 2 && (c == 4 || c == 2):
		if mid >= 1 && mid <= 31 && atoi(s[q.gs[0]:q.ge[0]]) <= 31 && (c == 2 || atoi(s[q.gs[2]:q.ge[2]]) >= 1900) {
			if c == 2 && q.ng > 3 && q.sep[3] == q.sep[1] {
				return 0 // 03.93.92.16.85 is a French phone number
			}
			return q.ge[2]
		}
	}
	return 0
}

// ipv4 detects a dotted quad with valid octets. ok is true when the sequence
// is a dotted quad at all, valid or not (neither is then a phone number).
func (sc *scanner) ipv4(q *numSeq) (int, bool) {
	if q.ng < 4 || q.plus || q.start != q.first {
		return 0, false
	}
	s := sc.s
	for k := 1; k < 4; k++ {
		if q.sep[k] != '.' {
			return 0, false
		}
	}
	for k := 0; k < 4; k++ {
		l := q.glen(k)
		if l > 3 {
			return 0, false
		}
	}
	if q.ng > 4 && q.sep[4] == '.' {
		return 0, false // 1.2.3.4.5 (a version) or 01.84.17.61.18 (a French phone)
	}
	if q.first > 0 && sc.before(q.first-1) == '.' {
		return q.end, true
	}
	for k := 0; k < 4; k++ {
		g := s[q.gs[k]:q.ge[k]]
		if (len(g) > 1 && g[0] == '0') || atoi(g) > 255 {
			return q.ge[3], true
		}
	}
	e := q.ge[3]
	// "1.2.3.4.nip.io" holds an address; "1.2.3.4a" does not.
	if e < len(s) && isAlnum(s[e]) {
		return e, true
	}
	return sc.add(IPAddress, q.first, e), true
}

// card detects 12-19 digit card numbers: contiguous, or grouped in fours
// (Amex and Diners 4-6-5 and 4-6-4), with a known issuer prefix and a valid
// Luhn check digit. Trailing groups that do not fit are left to the caller.
func (sc *scanner) card(q *numSeq) int {
	if q.plus || q.start != q.first || q.paren {
		return 0
	}
	s := sc.s
	var d [19]byte
	for k := q.ng; k >= 1; k-- {
		nd := 0
		ok := true
		for g := 0; g < k && ok; g++ {
			l := q.glen(g)
			if g > 0 && (q.sep[g] != q.sep[1] || q.sep[g] == '.' || q.sep[g] == '/') {
				ok = false
				break
			}
			if k > 1 && !cardGroup(k, g, l, q) {
				ok = false
				break
			}
			if nd+l > 19 {
				ok = false
				break
			}
			nd += copy(d[nd:], s[q.gs[g]:q.ge[g]])
		}
		if !ok || nd < 12 {
			continue
		}
		if !cardPrefix(d[:nd]) || !luhn(d[:nd]) {
			continue
		}
		e := q.ge[k-1]
		if e < len(s) && isAlnum(s[e]) {
			return 0
		}
		return sc.add(CreditCard, q.first, e)
	}
	return 0
}

// cardGroup reports whether group g of length l fits a card layout of k groups.
func cardGroup(k, g, l int, q *numSeq) bool {
	if k == 3 && q.glen(0) == 4 && q.glen(1) == 6 {
		return g < 2 || l == 5 || l == 4 // Amex, Diners
	}
	if g == k-1 {
		return l >= 1 && l <= 4
	}
	return l == 4
}

// cardPrefix reports whether the digits start with an issuer prefix whose
// network issues numbers of that length.
func cardPrefix(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch {
	case d[0] == '4': // Visa
		return n == 13 || n == 16 || n == 19
	case p2 == 34 || p2 == 37: // Amex
		return n == 15
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720, p4 >= 2200 && p4 <= 2204: // Mastercard, Mir
		return n == 16
	case p4 == 1800 || p4 == 2131: // old JCB
		return n == 15
	case p2 == 35: // JCB
		return n >= 16 && n <= 19
	case p2 == 30 || p2 == 36 || p2 == 38 || p2 == 39: // Diners
		return n >= 14 && n <= 19
	case p2 == 50 || p2 >= 56 && p2 <= 69: // Maestro, Discover, UnionPay, RuPay
		return n >= 12 && n <= 19
	}
	return false
}

func luhn(d []byte) bool {
	sum := 0
	dbl := false
	for k := len(d) - 1; k >= 0; k-- {
		v := int(d[k] - '0')
		if dbl {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		dbl = !dbl
	}
	return sum%10 == 0
}

// ssn detects US social security numbers: AAA-GG-SSSS (or with spaces) with
// the same delimiter twice, or nine digits after an "SSN" keyword, outside
// the ranges never issued (area 000, 666, 900-999; group 00; serial 0000).
func (sc *scanner) ssn(q *numSeq) int {
	if q.plus || q.start != q.first || q.paren {
		return 0
	}
	s := sc.s
	var a, g, sr string
	var e int
	switch {
	case q.ng >= 3 && q.glen(0) == 3 && q.glen(1) == 2 && q.glen(2) == 4 &&
		q.sep[1] == q.sep[2] && (q.sep[1] == '-' || q.sep[1] == ' ' || q.sep[1] == '.') &&
		(q.ng == 3 || q.sep[3] != q.sep[1]):
		a, g, sr = s[q.gs[0]:q.ge[0]], s[q.gs[1]:q.ge[1]], s[q.gs[2]:q.ge[2]]
		e = q.ge[2]
	case q.glen(0) == 9 && (q.ng == 1 || q.sep[1] == ' '):
		x := s[q.gs[0]:q.ge[0]]
		a, g, sr = x[:3], x[3:5], x[5:]
		e = q.ge[0]
		if sc.context(q.start, e, ctxSSN) <= 0 {
			return 0
		}
	default:
		return 0
	}
	if a == "000" || a == "666" || a[0] == '9' || g == "00" || sr == "0000" {
		return 0
	}
	if e < len(s) && isAlnum(s[e]) {
		return 0
	}
	return sc.add(USSSN, q.first, e)
}

// phone decides whether the sequence is a phone number. Well-formatted
// numbers (international prefix, North American layout, national trunk
// prefix 0 with nine or more digits) stand alone; any other grouping of 7-15
// digits needs a phone keyword nearby, and an order/ID keyword nearer than
// that vetoes it.
func (sc *scanner) phone(q *numSeq) bool {
	s := sc.s
	if q.nd < 7 || q.nd > 15 {
		return false
	}
	if q.end < len(s) && (isAlnum(s[q.end]) || s[q.end] == '@' || s[q.end] == '%') {
		return false
	}
	if q.start > 0 {
		switch sc.before(q.start - 1) {
		case '$', '#', '.', '/', '_', '=', '-':
			return false
		}
	}
	if q.start > 1 && (sc.before(q.start-2) == 0xC2 && (s[q.start-1] == 0xA3 || s[q.start-1] == 0xA5)) { // £ ¥
		return false
	}
	if q.start > 2 && sc.before(q.start-3) == 0xE2 && sc.before(q.start-2) == 0x82 { // € ₹ ₽ ...
		return false
	}
	dots, maxg, ones := 0, 0, 0
	for k := 0; k < q.ng; k++ {
		l := q.glen(k)
		if l > maxg {
			maxg = l
		}
		if l == 1 && q.sep[k] != ')' && (k+1 >= q.ng || q.sep[k+1] != ')') {
			ones++
		}
		if q.sep[k] == '.' {
			dots++
		}
	}
	if dots > 0 && ones > 0 && !q.plus {
		return false // 1.2.30.4451 is a version
	}
	if maxg > 12 {
		return false
	}
	if q.strongPhone(s) {
		return true
	}
	if q.ng == 1 && q.nd > 12 {
		return false
	}
	if y := s[q.gs[0]:q.ge[0]]; len(y) == 4 && (y[:2] == "19" || y[:2] == "20") && q.sep[min(1, q.ng-1)] == ' ' {
		return false // "Call of Duty ... 2023 1080 HD", "2019 2020 2021"
	}
	return sc.context(q.start, q.end, ctxPhone) > 0
}

func (q *numSeq) strongPhone(s string) bool {
	if q.plus {
		return q.nd >= 8
	}
	if q.ng < 2 || q.ng == 3 && q.glen(0) == 3 && q.glen(1) == 2 && q.glen(2) == 4 {
		return false // SSN-shaped: left to the SSN rules and to context
	}
	g0 := s[q.gs[0]:q.ge[0]]
	if len(g0) >= 2 && g0[0] == '0' && g0[1] == '0' {
		return q.nd >= 10 // 00 44 ..., 001-518-...
	}
	// North American: (NXX) NXX-XXXX, NXX-NXX-XXXX, 1-NXX-NXX-XXXX.
	k := 0
	if q.ng == 4 && g0 == "1" {
		k = 1
	}
	if q.ng-k == 3 && q.glen(k) == 3 && q.glen(k+1) == 3 && q.glen(k+2) == 4 &&
		s[q.gs[k]] >= '2' && s[q.gs[k+1]] >= '2' {
		return true
	}
	if g0[0] == '0' && q.nd >= 9 {
		return true // national trunk prefix
	}
	return q.paren && q.nd >= 10
}
