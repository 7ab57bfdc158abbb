package pii

import (
	"strings"
	"unicode/utf8"
)

// Street addresses. A core is found first, in one of the orders the target
// countries write it:
//   - number, name words, street type:     "12 Baker Street", "1600 Pennsylvania Avenue NW" (US, UK, IN)
//   - number, street type, name words:     "12 rue des Lilas", "3037 ul. Północna 73" (FR, PL)
//   - street type, name words, number:     "Calle Mayor 5", "Via Roma 12", "Rua João Pessoa 1636" (ES, IT, PT)
//   - name words, street type, number:     "Berliner Straße 12", "Rákóczi út 13." (DE, HU)
//   - a glued street name and a number:    "Lindenstraße 12", "Keizersgracht 123", "Harjukuja 54" (DE, NL, Nordic)
//   - a post-office box:                   "P.O. Box 211", "PO Box 4854"
//   - a unit, then one of the above or an Indian street: "Flat 2, 14 Baker Street", "Flat No. 12, MG Road"
// Then the postal block that follows is taken with it: units ("Apt. 461",
// "Suite 318", "2º"), postcodes (10115, 1015 CJ, NW1 6XE, IL 62701), the
// locality and the country, on the same line after commas or on the next
// lines of the block. A street type or a house number alone is no address:
// "Abbey Road", "Wall Street Journal" and "Street Fighter 6" stay.

// addressAtNumber tries an address whose core starts with the house number
// w, and returns its span with the postal block after it (the end negated).
func (sc *scanner) addressAtNumber(w wtok, limit int) (int, int) {
	if st, e := sc.coreAtNumber(w, limit); e > 0 {
		return st, -sc.extend(e, limit)
	}
	return 0, 0
}

// addressAtName is addressAtNumber for a core that starts with the
// capitalised word w.
func (sc *scanner) addressAtName(w wtok, f uint16, limit int) (int, int) {
	if st, e := sc.coreAtName(w, f, limit); e > 0 {
		return st, -sc.extend(e, limit)
	}
	return 0, 0
}

// coreAtNumber returns the span of a street core that starts with the house
// number w, or (0, 0).
func (sc *scanner) coreAtNumber(w wtok, limit int) (int, int) {
	s := sc.s
	if !houseNumber(sc.text(w)) {
		return 0, 0
	}
	if i := w.s; i > 0 {
		switch s[i-1] {
		case '.', ',', ':', '/', '-', '$', '+', '#', '\'':
			return 0, 0
		}
		if s[i-1] >= 0x80 { // "€12", "№5"
			return 0, 0
		}
	}
	if e := sc.streetAfterNumber(w.e, limit); e > 0 {
		return w.s, e
	}
	x, ok := sc.next(w.e, limit, "")
	if !ok || x.s != w.e+1 {
		return 0, 0
	}
	// A number before a box: "45818 P.O. Box 242".
	if sc.is(x, "p") || sc.is(x, "po") {
		if e := sc.poBox(x, limit); e > 0 {
			return w.s, e
		}
	}
	// A second number ("363 52 Huntly Street").
	if houseNumber(sc.text(x)) {
		if e := sc.streetAfterNumber(x.e, limit); e > 0 {
			return w.s, e
		}
	}
	return 0, 0
}

// streetAfterNumber returns the end of a street that follows a house number
// ending at p, or 0.
func (sc *scanner) streetAfterNumber(p, limit int) int {
	s := sc.s
	x, ok := sc.next(p, limit, ",")
	if !ok || x.s-p > 2 || isDigit(s[x.s]) {
		return 0
	}
	xt := sc.text(x)
	fx := sc.flags(x)
	if fx&gStreetPre != 0 && prefixTypeOK(xt, fx) {
		if end := sc.streetName(sc.dotAfter(x), limit); end > 0 {
			return sc.numberAfter(end, limit, false)
		}
	}
	if isUpperAt(s, x.s) && gluedStreet(xt, fx) {
		if e := sc.numberAfter(x.e, limit, false); e > x.e || sc.clauseEnd(x.e, limit) {
			return e // "50066 Rooseveltlaan 110", "12 Kingsway,"; not "3 Highland —"
		}
	}
	cur := x
	for k := 0; k < 5; k++ {
		f := sc.flags(cur)
		if k > 0 && f&gStreetSuf != 0 {
			end := sc.dotAfter(cur)
			if d, ok := sc.next(end, limit, ""); ok && d.s == end+1 && isDirectional(sc.text(d)) {
				end = sc.dotAfter(d)
			}
			// A number after the type too: "233 Erzsébet tér 19.", "808 Kálmán Imre u. 12."
			if e := sc.numberAfter(end, limit, true); e > end && !containsByte(s[end:e], ',') {
				end = e
			}
			return end
		}
		if !sc.streetWord(cur, f) {
			return 0
		}
		var ok bool
		prev := cur
		prev.e = sc.possessive(prev.e)
		if cur, ok = sc.next(prev.e, limit, ""); !ok || cur.s != prev.e+1 {
			return 0
		}
		// No street type but a second number that ends the line or the
		// clause: "20789 Allika 46", "5366 Pivovarská 276" (the order
		// international forms and address generators use).
		if ct := sc.text(cur); isDigit(ct[0]) && !isOrdinal(ct) {
			// Real names here are words ("Allika", "Pivovarská"), and the
			// number ends the street line or is followed by prose.
			pt := sc.text(prev)
			if houseNumber(ct) && !isYear(ct) && utf8.RuneCountInString(pt) >= 3 && !allUpper(pt) &&
				(sc.clauseEnd(cur.e, limit) || sc.proseAfter(cur.e, limit) && !sc.digitsNext(cur.e, limit)) {
				return sc.numberAfter(prev.e, limit, true)
			}
			return 0
		}
	}
	return 0
}

// clauseEnd reports whether an address may end at p: the end of the text or
// line, a comma, a full stop, or a unit word next.
func (sc *scanner) clauseEnd(p, limit int) bool {
	s := sc.s
	if p >= len(s) {
		return true
	}
	switch s[p] {
	case '\n', '\r', ',', ';':
		return true
	case '.':
		return p+1 == len(s) || s[p+1] == ' ' || s[p+1] == '\n'
	case ' ':
		// A unit word next, or a street type ("Sludevej 13 St.").
		if x, ok := sc.next(p, limit, ""); ok && sc.flags(x)&(gUnit|gStreetSuf) != 0 {
			return true
		}
	}
	return false
}

// coreAtName returns the span of a street core that starts with the
// capitalised word w, or (0, 0).
func (sc *scanner) coreAtName(w wtok, f uint16, limit int) (int, int) {
	s := sc.s
	t := sc.text(w)
	special := false // only these letters start a box, a military line or "Am Markt"
	switch s[w.s] {
	case 'P', 'U', 'C', 'A', 'I', 'Z', 'H':
		special = true
	}
	if special {
		if e := sc.poBox(w, limit); e > 0 {
			return w.s, e
		}
	}
	if t == "C" && w.e+1 < limit && s[w.e] == '/' { // Spanish "C/ Mayor 5"
		if end := sc.streetName(w.e+1, limit); end > 0 {
			if e := sc.numberAfter(end, limit, true); e > end {
				return w.s, e
			}
		}
	}
	if special {
		if e := sc.military(w, limit); e > 0 {
			return w.s, e
		}
	}
	if f&gStreetPre != 0 && prefixTypeOK(t, f) {
		if end := sc.streetName(sc.dotAfter(w), limit); end > 0 {
			if e := sc.numberAfter(end, limit, true); e > end {
				return w.s, e
			}
		}
	}
	if w.e+1 < limit && s[w.e] == ' ' && isDigit(s[w.e+1]) && gluedStreet(t, f) {
		if e := sc.numberAfter(w.e, limit, true); e > w.e {
			return w.s, e
		}
	}
	if f&gUnit != 0 {
		if e := sc.unitNumber(w, limit); e > 0 {
			if b, ok := sc.next(e, limit, ","); ok && sc.is(b, "box") {
				if x, ok := sc.next(b.e, limit, ""); ok && x.s == b.e+1 && isDigit(s[x.s]) {
					return w.s, x.e // "Unit 4526 Box 0671"
				}
			}
			if x, ok := sc.next(e, limit, ","); ok && x.s-e <= 2 {
				var core int
				if isDigit(s[x.s]) && houseNumber(sc.text(x)) {
					core = sc.streetAfterNumber(x.e, limit)
				} else if xf := sc.flags(x); isUpperAt(s, x.s) && xf&gUnit == 0 {
					if _, e := sc.coreAtName(x, xf, limit); e > 0 {
						return w.s, e
					}
					core = sc.streetNoNumber(x, limit)
				}
				if core > 0 {
					return w.s, core
				}
			}
		}
	}
	// German streets named by a preposition: "Am Markt 3", "An der Alster 12".
	if special && w.e-w.s <= 6 && sc.isAny(w, "am", "an", "im", "auf", "zum", "zur", "hinter", "unter") {
		p := w.e
		if x, ok := sc.next(p, limit, ""); ok && x.s == p+1 && sc.isAny(x, "der", "den", "dem") {
			p = x.e
		}
		if x, ok := sc.next(p, limit, ""); ok && x.s == p+1 && isUpperAt(s, x.s) && sc.flags(x)&gStop == 0 {
			if e := sc.numberAfter(x.e, limit, true); e > x.e && sc.clauseEnd(absEndNum(s, e), limit) {
				return w.s, e
			}
		}
	}
	// Name words, then a street type that takes the number after it; only
	// worth reading when a digit follows within a few words.
	if f&gStop != 0 || !isUpperAt(s, w.s) || w.e+1 >= limit || s[w.e] != ' ' ||
		!(isUpperAt(s, w.e+1) || s[w.e+1] == 'u' || s[w.e+1] >= 0x80) || !digitSoon(s, w.e, limit) {
		return 0, 0
	}
	cur := w
	cf := f
	for k := 0; k < 4; k++ {
		if k > 0 {
			cf = sc.flags(cur)
		}
		if k > 0 && cf&gStreetNum != 0 {
			if e := sc.numberAfter(sc.dotAfter(cur), limit, true); e > cur.e+1 {
				return w.s, e
			}
			return 0, 0
		}
		if !isUpperAt(s, cur.s) || cf&gStop != 0 {
			return 0, 0
		}
		var ok bool
		prev := cur
		if cur, ok = sc.next(cur.e, limit, ""); !ok || cur.s != prev.e+1 {
			return 0, 0
		}
	}
	return 0, 0
}

// streetNoNumber accepts "MG Road" or "Lajpat Nagar" after a unit: name
// words and a suffix street type, no number.
func (sc *scanner) streetNoNumber(w wtok, limit int) int {
	cur := w
	for k := 0; k < 4; k++ {
		f := sc.flags(cur)
		if k > 0 && f&gStreetSuf != 0 {
			return sc.dotAfter(cur)
		}
		if !sc.streetWord(cur, f) {
			return 0
		}
		var ok bool
		prev := cur
		if cur, ok = sc.next(cur.e, limit, ""); !ok || cur.s != prev.e+1 {
			return 0
		}
	}
	return 0
}

// streetWord reports whether w can be part of a street's name: capitalised
// (or an ordinal such as 5th) and no stop word.
func (sc *scanner) streetWord(w wtok, f uint16) bool {
	s := sc.s
	if isDigit(s[w.s]) {
		return isOrdinal(sc.text(w))
	}
	return isUpperAt(s, w.s) && f&(gStop|gTitle) == 0 && lettersOnly(sc.text(w))
}

// lettersOnly: two or more letters and nothing else ("A00000" and "B" name
// no street).
func lettersOnly(w string) bool {
	n := 0
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < utf8.RuneSelf && !isAlpha(c) && c != '\'' && c != '-' {
			return false
		}
		if utf8.RuneStart(w[i]) {
			n++
		}
	}
	return n >= 2
}

// streetName reads the name after a prefix street type ("des Lilas",
// "Mayor", "Rio Nalon", "João Pessoa"): up to five words, particles allowed,
// ending with a capitalised word. It returns the end of that word, or 0.
func (sc *scanner) streetName(p, limit int) int {
	s := sc.s
	end := 0
	for k := 0; k < 5; k++ {
		x, ok := sc.next(p, limit, "'’")
		if !ok || x.s-p > 2 {
			break
		}
		xt := sc.text(x)
		switch {
		case isUpperAt(s, x.s) && k > 0 && isParticle(strings.ToLower(xt)):
			// "Rue De La Gare": capitalised particles inside the name
		case isUpperAt(s, x.s) && (sc.flags(x)&(gStop|gUnit) == 0 || isPlacePrefix(xt)) || isUpperAt(s, x.s) && k > 0 && sc.flags(x)&gUnit == 0:
			end = x.e
		case isLowerAt(s, x.s) && (isParticle(xt) || isStreetParticle(xt)):
		case isLowerAt(s, x.s) && k > 0 && len(xt) >= 3 && sc.flags(x)&(gStop|gUnit) == 0:
			end = x.e // "rue des lieutemants Thomazo"
		case isDigit(s[x.s]) && end == 0 && x.e-x.s <= 2: // "Rue du 4 Septembre"
		default:
			return end
		}
		p = x.e
	}
	return end
}

// numberAfter returns the end of a house number that follows p (with a
// trailing '.' as in "út 13."), or p when there is none; need makes a
// missing number fail (returns p). Years are no house numbers there.
func (sc *scanner) numberAfter(p, limit int, need bool) int {
	x, ok := sc.next(p, limit, ",")
	if !ok || x.s-p > 2 || !isDigit(sc.s[x.s]) || !houseNumber(sc.text(x)) || isYear(sc.text(x)) {
		return p
	}
	if x.s-p == 2 && sc.s[p] == ',' && !need {
		return p
	}
	// A number with another digit group after it across one space starts
	// the next address or number ("0 AL B 0 0 AL B"): the street's own
	// number would end the finding next to a digit group, which cleanEdges
	// refuses here but not once the next one is redacted.
	if s := sc.s; x.e+1 < limit && s[x.e] == ' ' && (isDigit(s[x.e+1]) || containsByte("(+-", s[x.e+1])) && !need {
		return p
	}
	e := x.e
	if e+1 < len(sc.s) && sc.s[e] == '.' && (sc.s[e+1] == ' ' || sc.s[e+1] == '\n') || e+1 == len(sc.s) && sc.s[e] == '.' {
		e++
	}
	if need && !sc.clauseEnd(x.e, limit) && !sc.proseAfter(x.e, limit) {
		return p // "Jurassic Park 3 — trailer", "Street Fighter 6 Ultimate"
	}
	return e
}

// proseAfter reports whether a lower-case word or a postcode follows p
// ("Lindenstraße 12 in Berlin", "Via Roma 12 00184 Roma").
func (sc *scanner) proseAfter(p, limit int) bool {
	x, ok := sc.next(p, limit, "")
	return ok && x.s == p+1 && (isLowerAt(sc.s, x.s) || isDigit(sc.s[x.s]) && x.e-x.s >= 4)
}

// unitNumber returns the end of "Apt 4", "Suite 318", "Flat No. 12",
// "Unit #5B" starting at the unit word w, or 0.
func (sc *scanner) unitNumber(w wtok, limit int) int {
	p := sc.dotAfter(w)
	x, ok := sc.next(p, limit, "#")
	if ok && x.s-p <= 2 && (sc.is(x, "no") || sc.is(x, "nr") || sc.is(x, "num")) {
		p = sc.dotAfter(x)
		x, ok = sc.next(p, limit, "#")
	}
	if !ok || x.s-p > 3 || !isDigit(sc.s[x.s]) && !(x.e-x.s == 1 && isUpperAt(sc.s, x.s)) {
		return 0
	}
	return x.e
}

// poBox returns the end of "P.O. Box 211", "PO Box 211" or "Box 211" after
// "PSC 5217," at w, or 0.
func (sc *scanner) poBox(w wtok, limit int) int {
	s := sc.s
	p := w.e
	switch {
	case sc.is(w, "po"):
		p = sc.dotAfter(w)
	case sc.is(w, "p") && p+3 < limit && s[p] == '.' && lower(s[p+1]) == 'o' && s[p+2] == '.':
		p += 3
	case sc.is(w, "psc"):
		x, ok := sc.next(p, limit, "")
		if !ok || !isDigit(s[x.s]) {
			return 0
		}
		p = x.e
		if p < limit && s[p] == ',' {
			p++
		}
	default:
		return 0
	}
	b, ok := sc.next(p, limit, "")
	if !ok || !sc.is(b, "box") || b.s-p > 1 {
		return 0
	}
	x, ok := sc.next(b.e, limit, "")
	if !ok || !isDigit(s[x.s]) || x.s-b.e > 1 {
		return 0
	}
	return x.e
}

// extend takes the rest of the postal block after a street core ending at
// end and returns the block's end.
func (sc *scanner) extend(end, limit int) int {
	s := sc.s
	best, p := end, end
	places := 0
	for segs := 0; segs < 7 && p-end < wordMaxLook; segs++ {
		q, comma, nl := p, false, 0
	sep:
		for q < limit {
			switch c := s[q]; {
			case c == ' ' || c == '\t' || c == '\r':
			case (c == ',' || c == ';') && !comma && nl == 0:
				comma = true
			case c == '\n' && nl < 2:
				nl++
			case (c == '>' || c == '?') && nl > 0 && (s[q-1] == '\n' || s[q-1] == c || s[q-1] == ' '):
			default:
				break sep
			}
			q++
		}
		if q >= limit || (nl == 0 && !comma && q == p && p != end) {
			break
		}
		if nl == 0 && !comma && q > p+1 {
			break // a word after plain spaces is prose unless it is a unit or postcode
		}
		x, ok := sc.next(q, limit, "")
		if !ok || x.s != q {
			break
		}
		f := sc.flags(x)
		var e int
		// The next address starts here: it is found on its own, whatever
		// precedes it, so that scrubbing it first changes nothing.
		if sc.coreAt(x, f, limit) {
			break
		}
		switch {
		case f&gUnit != 0:
			e = sc.unitNumber(x, limit)
		case isDigit(s[x.s]):
			e = sc.postcode(x, limit)
		case nl == 2 && f&gCountry == 0:
		case (nl > 0 || comma) && places < 3:
			e = sc.placeWords(x, limit, nl > 0)
			if e > 0 {
				places++
			}
		}
		if e == 0 {
			break
		}
		best, p = e, e
	}
	return best
}

// coreAt reports whether a street core starts at the word x, as
// addressAtNumber or addressAtName would find it there.
func (sc *scanner) coreAt(x wtok, f uint16, limit int) bool {
	var e int
	switch {
	case isDigit(sc.s[x.s]):
		_, e = sc.coreAtNumber(x, limit)
	case isUpperAt(sc.s, x.s):
		_, e = sc.coreAtName(x, f, limit)
	}
	// Only a core that would be taken (clean edges) ends the block.
	return e > 0 && sc.cleanEdges(x.s, e, 0, limit)
}

// postcode reads a postcode, a number with an ordinal sign ("2º") or a
// short number, and the locality after it on the same line ("10115 Berlin",
// "1015 CJ Amsterdam").
func (sc *scanner) postcode(x wtok, limit int) int {
	s := sc.s
	xt := sc.text(x)
	if len(xt) > 8 {
		return 0
	}
	if o := strings.TrimRight(xt, "ºª°"); o != xt && len(o) <= 2 && houseNumber(o) {
		return x.e // 2º, 3ª
	}
	if len(xt) < 3 {
		return 0 // a lone short number is no postcode
	}
	for i := 0; i < len(xt); i++ {
		if !isDigit(xt[i]) && !(i == len(xt)-1 && isAlpha(xt[i])) {
			if !isUKOutward(xt) {
				return 0
			}
			break
		}
	}
	e := x.e
	if e < limit && s[e] >= 0x80 { // 2º, 3ª, 1°
		if r := s[e:min(limit, e+2)]; r == "º" || r == "ª" || r == "°" {
			e += 2
		}
		return e
	}
	if e+5 < limit && s[e] == '-' && isDigit(s[e+1]) { // ZIP+4
		y := wordEnd(s, e+1, limit)
		e = y
	}
	if y, ok := sc.next(e, limit, ""); ok && y.s == e+1 {
		yt := sc.text(y)
		if isUKInward(yt) || len(yt) == 2 && allUpper(yt) {
			e = y.e // "NW1 6XE", "1015 CJ"
			y, ok = sc.next(e, limit, "")
		}
		if ok && y.s == e+1 && (isUpperAt(s, y.s) || isDigit(s[y.s]) && len(sc.text(y)) <= 6) && !sc.coreAt(y, sc.flags(y), limit) {
			if pe := sc.placeWords(y, limit, false); pe > 0 {
				e = pe
			} else if isDigit(s[y.s]) {
				e = y.e
			}
		}
	}
	return e
}

// placeWords reads a locality, region or country: up to five capitalised
// or upper-case words with particles ("Velká Bukovina u Decína", "Cyprus
// (Greek)", "Springfield, IL 62701"), no stop word first. line demands that
// the words end their line (a block's locality line, not prose).
func (sc *scanner) placeWords(x wtok, limit int, line bool) int {
	s := sc.s
	xt := sc.text(x)
	if !isUpperAt(s, x.s) || sc.flags(x)&(gStop|gTitle) != 0 && sc.flags(x)&gCountry == 0 && !isPlacePrefix(xt) && !(len(xt) == 2 && allUpper(xt)) {
		return 0 // but "IL 62704", "NO 14908": state codes
	}
	e := x.e
	p := e
	for k := 0; k < 5; k++ {
		y, ok := sc.next(p, limit, "(")
		if !ok || y.s-p > 2 || containsByte(s[p:y.s], '\n') {
			break
		}
		yt := sc.text(y)
		switch {
		case isUpperAt(s, y.s) && (sc.flags(y)&(gStop|gTitle) == 0 || len(yt) == 2 && allUpper(yt) || isPlacePrefix(yt)):
			e = y.e
			if e < limit && s[e] == ')' {
				e++
			}
		case isDigit(s[y.s]) && len(yt) >= 3 && len(yt) <= 6 && !sc.coreAt(y, 0, limit): // a postcode after the place
			e = y.e
		case isLowerAt(s, y.s) && (isParticle(yt) || isStreetParticle(yt) || yt == "u" || yt == "v" || yt == "am" || yt == "an" || yt == "sur" || yt == "en"):
		default:
			k = 5
			continue
		}
		p = y.e
	}
	if line {
		q := e
		for q < len(s) && (s[q] == ' ' || s[q] == '\t' || s[q] == '\r' || s[q] == '.' || s[q] == ',') {
			q++
		}
		if q < len(s) && s[q] != '\n' {
			return 0
		}
	}
	return e
}

// houseNumber: one to five digits and an optional letter (12, 221B, 5a).
func houseNumber(t string) bool {
	n := len(t)
	if n > 0 && isAlpha(t[n-1]) {
		n--
	}
	if n == 0 || n > 5 {
		return false
	}
	for i := 0; i < n; i++ {
		if !isDigit(t[i]) {
			return false
		}
	}
	return true
}

func isYear(t string) bool {
	return len(t) == 4 && (t[0] == '1' && t[1] == '9' || t[0] == '2' && t[1] == '0')
}

func isOrdinal(t string) bool {
	n := len(t)
	if n < 3 || !isDigit(t[0]) {
		return false
	}
	switch t[n-2:] {
	case "st", "nd", "rd", "th":
		for i := 0; i < n-2; i++ {
			if !isDigit(t[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func isDirectional(t string) bool {
	switch t {
	case "N", "S", "E", "W", "NE", "NW", "SE", "SW":
		return true
	}
	return false
}

func isStreetParticle(t string) bool {
	switch t {
	case "des", "les", "d", "l", "dei", "degli", "delle", "dello", "dal", "al", "am", "an", "im", "auf", "of":
		return true
	}
	return false
}

// isUKOutward: "NW1", "SW1A", "M1", "EC2V" (letters then digits, a letter last allowed).
func isUKOutward(t string) bool {
	if len(t) < 2 || len(t) > 4 || !('A' <= t[0] && t[0] <= 'Z') {
		return false
	}
	i := 1
	if 'A' <= t[i] && t[i] <= 'Z' {
		i++
	}
	if i >= len(t) || !isDigit(t[i]) {
		return false
	}
	for i++; i < len(t); i++ {
		if !isDigit(t[i]) && !('A' <= t[i] && t[i] <= 'Z') {
			return false
		}
	}
	return true
}

// isUKInward: "6XE".
func isUKInward(t string) bool {
	return len(t) == 3 && isDigit(t[0]) && 'A' <= t[1] && t[1] <= 'Z' && 'A' <= t[2] && t[2] <= 'Z'
}

// military returns the end of a US military address line at w ("USNS
// Møller", "USCGC Khadzhiyev") when an APO/FPO/DPO line follows, or 0.
func (sc *scanner) military(w wtok, limit int) int {
	if n := w.e - w.s; n < 3 || n > 5 || lower(sc.s[w.s]) != 'u' || !sc.isAny(w, "usns", "uscgc", "uss", "usnv") {
		return 0
	}
	x, ok := sc.next(w.e, limit, "")
	if !ok || x.s != w.e+1 || !isUpperAt(sc.s, x.s) {
		return 0
	}
	y, ok := sc.next(x.e, limit, "\n")
	if !ok || !sc.isAny(y, "apo", "fpo", "dpo") {
		return 0
	}
	return x.e
}

// absEndNum steps back over the '.' numberAfter may have taken.
func absEndNum(s string, e int) int {
	if e > 0 && s[e-1] == '.' {
		return e - 1
	}
	return e
}

// addressCue reports whether the words before w announce an address
// ("Shipping to", "Dropped off at", "Address:", "lives at").
func (sc *scanner) addressCue(hist []wtok, w wtok) bool {
	if len(hist) == 0 {
		return false
	}
	h := hist[0]
	gap := sc.s[h.e:w.s]
	if gap != " " && gap != ": " && gap != ":  " {
		return false
	}
	if n := h.e - h.s; n != 2 && (n < 5 || n > 10) {
		return false // neither "to"/"at" nor an address word
	}
	if sc.isAny(h, "address", "adres", "adresse", "anschrift", "indirizzo", "dirección", "direccion", "endereço") {
		return true
	}
	if len(hist) < 2 || !sc.isAny(h, "to", "at") || gap != " " {
		return false
	}
	return sc.isAny(hist[1], "shipping", "ship", "deliver", "delivered", "off", "up", "lives", "located", "live", "sent", "send", "ships", "pick-up", "drop-off")
}

// addressNoType accepts, after an address cue, capitalised words and a
// house number that ends the clause: "Lange Voorhout 9, 2514 EA Den Haag".
func (sc *scanner) addressNoType(w wtok, limit int) (int, int) {
	cur := w
	for k := 0; k < 4; k++ {
		if !isUpperAt(sc.s, cur.s) || sc.flags(cur)&gStop != 0 && !isPlacePrefix(sc.text(cur)) {
			return 0, 0
		}
		x, ok := sc.next(cur.e, limit, "")
		if !ok || x.s != cur.e+1 {
			return 0, 0
		}
		if xt := sc.text(x); isDigit(xt[0]) {
			if houseNumber(xt) && !isYear(xt) && sc.clauseEnd(x.e, limit) {
				return w.s, -sc.extend(x.e, limit)
			}
			return 0, 0
		}
		cur = x
	}
	return 0, 0
}

// possessive steps over a possessive "'s" at e ("Queen's Crescent").
func (sc *scanner) possessive(e int) int {
	if e+2 < len(sc.s) && sc.s[e] == '\'' && sc.s[e+1] == 's' && sc.s[e+2] == ' ' {
		return e + 2
	}
	return e
}

// digitSoon reports whether a digit comes within 40 bytes after p with
// only words, spaces and dots ("Str. 5", "u. 15.") before it.
func digitSoon(s string, p, limit int) bool {
	end := min(limit, p+40)
	for ; p < end; p++ {
		c := s[p]
		if isDigit(c) {
			return true
		}
		if c < utf8.RuneSelf && class[c]&cAlpha == 0 && c != ' ' && c != '.' {
			return false
		}
	}
	return false
}

// digitsNext reports whether a digit group follows p after one space.
func (sc *scanner) digitsNext(p, limit int) bool {
	return p+1 < limit && sc.s[p] == ' ' && isDigit(sc.s[p+1])
}
