package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Person names and street addresses. After the byte scan has found the
// structured entities, one more left-to-right walk over the words looks
// only at words that can start a name or an address: a capitalised word
// (a gazetteer lookup, then the neighbouring words) and a house-number-like
// digit run (then the next few words for a street type). Lower-case words
// cost one table lookup only when they follow "name is".
//
// Context never reaches across a finding or a '<' '>' byte, and a word glued
// to '<', '>' or '_' is no word, so that a placeholder in scrubbed text and
// the finding it replaced look the same and Scrub stays idempotent.

// wtok is a word: bytes [s, e).
type wtok struct{ s, e int }

const wordMaxLook = 160 // bytes an address may extend after its street

// words runs the name and address detectors and merges their findings with
// the structured ones in sc.out.
//
// Lower-case words are skipped a byte at a time with no other work; the
// words before a candidate (its cues) are read backwards from it on demand,
// never below floor: the end of the last finding.
func (sc *scanner) words() {
	s := sc.s
	n := len(s)
	structural := sc.out
	var buf [16]Finding // most texts have fewer; found stays on the stack
	found := buf[:0]
	// Capitalised words judged no name, for a second look once the names
	// are known: "Alvir spent a year … as the assistant to Alvir D. Pušaver".
	var rej [8]wtok
	nr := 0
	fi, floor := 0, 0
	limit := n
	if fi < len(structural) {
		limit = structural[fi].Start
	}
	// Chat text written all in lower case ("follow up with patricia
	// desrosiers"): only then are lower-case words looked up, as pairs.
	lowerText := !hasUpperASCII(s)
	sc.lowerText = lowerText
	for i := 0; i < n; {
		if i >= limit {
			// A house number taken for a phone number ("17031 2202 Rissik
			// St") still starts an address.
			if f := &structural[fi]; f.Type == Phone && f.End-f.Start <= 11 {
				nl := n
				if fi+1 < len(structural) {
					nl = structural[fi+1].Start
				}
				if e := sc.streetAfterNumber(f.End, nl); e > 0 && sc.cleanEdges(f.Start, sc.extend(e, nl), floor, nl) {
					e = sc.extend(e, nl)
					found = append(found, Finding{Type: StreetAddress, Start: f.Start, End: e})
					for fi+1 < len(structural) && structural[fi+1].Start < e {
						fi++
					}
					i = max(e, structural[fi].End)
					floor = i
					fi++
					limit = n
					if fi < len(structural) {
						limit = structural[fi].Start
					}
					continue
				}
			}
			i = structural[fi].End
			floor = i
			fi++
			limit = n
			if fi < len(structural) {
				limit = structural[fi].Start
			}
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			k := class[c]
			if k&cLower != 0 {
				j := alnumRun(s, i+1, limit)
				if lowerText && j-i >= 3 && j+2 < limit && s[j] == ',' && s[j+1] == ' ' {
					// "they had 6: leonti, terrence, pamela, donna and brian"
					if m, k := sc.lowerList(wtok{i, j}, limit); k > 0 && sc.cleanEdges(m[0].s, m[k-1].e, floor, limit) {
						for _, x := range m[:k] {
							found = append(found, Finding{Type: Person, Start: x.s, End: x.e})
						}
						i, floor = m[k-1].e, m[k-1].e
						continue
					}
				}
				if lowerText && j-i >= 3 && j+1 < limit && s[j] == ' ' && isLowerAt(s, j+1) {
					if st, en := sc.lowerPair(wtok{i, j}, limit); en > 0 && sc.cleanEdges(st, en, floor, limit) {
						found = append(found, Finding{Type: Person, Start: st, End: en})
						i, floor = en, en
						continue
					}
				}
				if j-i == 2 && c == 'i' && s[i+1] == 's' {
					// "my name is lena andersson"
					if st, en := sc.nameIs(wtok{i, j}, floor, limit); en > 0 {
						found = append(found, Finding{Type: Person, Start: st, End: en})
						i, floor = en, en
						continue
					}
				} else if !lowerText {
					// Hop over the next lower-case words and single spaces
					// between them ("is" is looked at on its own).
					for j+1 < limit && s[j] == ' ' && class[s[j+1]]&cLower != 0 && !isWordIs(s, j+1, limit) {
						j = alnumRun(s, j+2, limit)
					}
				}
				i = j
				continue
			}
			if k&cAlnum == 0 {
				i++
				continue
			}
		} else if i > floor && isLetterAt(s, i-1) || !isLetterAt(s, i) {
			// A non-ASCII byte inside a word, or no letter at all.
			_, sz := utf8.DecodeRuneInString(s[i:])
			i += sz
			continue
		}
		j := wordEnd(s, i, limit)
		if j == i {
			i++
			continue
		}
		if !isUpperAt(s, i) && !isDigit(c) {
			i = j
			continue
		}
		// A word glued to a placeholder, or to where a finding ends, is no
		// word; nor is one glued to '>' '_' '@' after it.
		if i == floor && i > 0 || i > 0 && (s[i-1] == '<' || s[i-1] == '_') || j < n && (s[j] == '>' || s[j] == '_' || s[j] == '@') {
			i = j
			continue
		}
		w := wtok{i, j}
		var st, en int
		speech := false // the name follows a speech verb ("said Gladys")
		if isDigit(c) {
			if a, e := sc.coreAtNumber(w, limit); e > 0 {
				st, en = a, -sc.block(a, e, floor, limit)
			}
		} else {
			f := sc.flags(wtok{i, j})
			if a, e := sc.coreAtName(w, f, limit); e > 0 {
				st, en = a, -sc.block(a, e, floor, limit)
			}
			// A stop word, or an English word that no name list knows,
			// starts no name, and needs no cue ("The", "Items").
			if en == 0 && f&gStop == 0 && (f&gWord == 0 || f&(gGiven|gSurname) != 0) {
				hist, nh := sc.histAt(i, floor, 1)
				if nh == 1 && multiCue(sc.s[hist[0].s:hist[0].e]) {
					hist, nh = sc.histAt(i, floor, 3)
				}
				if sc.addressCue(hist[:nh], w) {
					st, en = sc.addressNoType(w, limit)
				}
				if en == 0 {
					if e := sc.firm(w, hist[:nh], limit); e > 0 {
						i = e // "Jones, Mitchell and Williams": a firm
						continue
					}
					st, en = sc.personAt(w, f, hist[:nh], limit)
					speech = en > 0 && nh > 0 && sc.isAny(hist[0], "said", "says", "asked", "told", "shouted", "whispered", "yelled", "replied", "wrote")
				}
				if en == 0 {
					st, en = sc.coordinated(w, hist[:nh], limit)
				}
				if en == 0 && nr < len(rej) && f&(gWord|gPlace|gTown|gCountry) == 0 {
					rej[nr] = w
					nr++
				}
			}
		}
		if en != 0 && !sc.cleanEdges(st, absEnd(en), floor, limit) {
			en = 0
		}
		if en != 0 {
			found = append(found, Finding{Type: typeOf(en), Start: st, End: absEnd(en)})
			i = absEnd(en)
			if speech {
				// "said Gladys to Logan": the one spoken to.
				if x, e := sc.addressee(i, limit); e > 0 && sc.cleanEdges(x, e, floor, limit) {
					found = append(found, Finding{Type: Person, Start: x, End: e})
					i = e
				}
			}
			if en > 0 {
				// "Kateřina, James and Emily": names listed after a name.
				for {
					x, e := sc.listedName(i, limit)
					if e == 0 || !sc.cleanEdges(x, e, floor, limit) {
						break
					}
					found = append(found, Finding{Type: Person, Start: x, End: e})
					i = e
				}
			}
			floor = i
			continue
		}
		i = j
	}
	if nr > 0 && len(found) > 0 {
		found = sc.mentions(found, rej[:nr])
	}
	if len(found) > 0 {
		sc.out = mergeFindings(structural, found)
	}
}

// isWordIs reports whether the word at i is "is", which the walk stops at
// ("my name is lena").
func isWordIs(s string, i, limit int) bool {
	return s[i] == 'i' && i+1 < limit && s[i+1] == 's' && (i+2 >= limit || class[s[i+2]]&cAlnum == 0)
}

// multiCue reports whether w (any case) may be the last word of a cue of
// several words ("my name is", "welcome back", "signed in as", "call me",
// the cwMulti words of cueWord) or the "to", "at", "of" of a role or an
// address cue.
func multiCue(w string) bool {
	switch len(w) {
	case 2:
		a, b := lower(w[0]), lower(w[1])
		return a == 'i' && b == 's' || a == 'a' && (b == 's' || b == 't') || a == 'm' && b == 'e' ||
			a == 't' && b == 'o' || a == 'o' && b == 'f'
	case 4:
		return lower(w[0]) == 'b' && lower(w[1]) == 'a' && lower(w[2]) == 'c' && lower(w[3]) == 'k'
	}
	return false
}

// isReset reports whether c ends the words that count as context: the
// bytes of URLs, query strings, e-mail addresses and placeholders.
func isReset(c byte) bool {
	switch c {
	case '<', '>', '_', '@', '/', '=', '&', '?':
		return true
	}
	return false
}

// histAt returns up to three words before p, the nearest first. It stops
// at floor, at a reset byte, at a word glued to a placeholder, and at a
// gap of more than eight bytes.
func (sc *scanner) histAt(p, floor, most int) (h [3]wtok, n int) {
	s := sc.s
	for n < most {
		q := p
		for q > floor {
			c := s[q-1]
			if c < utf8.RuneSelf {
				if class[c]&cAlnum != 0 {
					break
				}
				if isReset(c) && !(c == '?' && q < len(s) && s[q] == ' ') { // "name? Sölvi" but not "?name=Sölvi"
					return h, n
				}
				q--
				continue
			}
			r, sz := utf8.DecodeLastRuneInString(s[floor:q])
			if unicode.IsLetter(r) || unicode.IsMark(r) {
				break
			}
			q -= sz
		}
		if q <= floor || p-q > 8 {
			return h, n
		}
		e := q
		for q > floor {
			c := s[q-1]
			if c < utf8.RuneSelf {
				if class[c]&cAlnum != 0 {
					q--
					continue
				}
				if (c == '\'' || c == '-') && q-1 > floor && isLetterAt(s, q-2) && q < len(s) && isLetterAt(s, q) {
					q--
					continue
				}
				break
			}
			r, sz := utf8.DecodeLastRuneInString(s[floor:q])
			if r == '’' && q-sz > floor && isLetterAt(s, q-sz-1) && q < len(s) && isAlpha(s[q]) ||
				unicode.IsLetter(r) || unicode.IsMark(r) {
				q -= sz
				continue
			}
			break
		}
		if q == floor && floor > 0 || q > 0 && (s[q-1] == '<' || s[q-1] == '_') || e < len(s) && (s[e] == '>' || s[e] == '_' || s[e] == '@') {
			return h, n
		}
		h[n] = wtok{q, e}
		n++
		p = q
	}
	return h, n
}

// nameIs handles the word "is" at w: after "name" it may introduce a
// lower-case name.
func (sc *scanner) nameIs(w wtok, floor, limit int) (int, int) {
	hist, nh := sc.histAt(w.s, floor, 1)
	if nh == 0 || !sc.is(hist[0], "name") || sc.s[hist[0].e:w.s] != " " {
		return 0, 0
	}
	x, ok := sc.next(w.e, limit, "")
	if !ok || x.s != w.e+1 || !isLowerAt(sc.s, x.s) {
		return 0, 0
	}
	return sc.personLower(x, limit)
}

// The detectors return the end of a person finding as a positive number and
// of an address as a negative one; these two decode it.
func typeOf(en int) Type {
	if en < 0 {
		return StreetAddress
	}
	return Person
}

func absEnd(en int) int {
	if en < 0 {
		return -en
	}
	return en
}

// mergeFindings merges two ordered finding lists. An address may swallow
// structured findings inside its span (a house number taken for a phone
// number); any other overlap is merged into one finding of the first type.
func mergeFindings(a, b []Finding) []Finding {
	out := make([]Finding, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var f Finding
		if j >= len(b) || (i < len(a) && a[i].Start < b[j].Start) {
			f = a[i]
			i++
		} else {
			f = b[j]
			j++
		}
		if k := len(out) - 1; k >= 0 && f.Start < out[k].End {
			if f.Type == StreetAddress && f.Start <= out[k].Start {
				out[k].Type = StreetAddress
			}
			out[k].End = max(out[k].End, f.End)
			continue
		}
		out = append(out, f)
	}
	return out
}

// wordEnd returns the end of the word starting at i: ASCII letters and
// digits and non-ASCII letters, never past limit.
func wordEnd(s string, i, limit int) int {
	j := alnumRun(s, i, limit)
	if j >= limit || s[j] < utf8.RuneSelf && s[j] != '\'' && s[j] != '-' {
		return j // most words: letters and digits, then a space or punctuation
	}
	return wordEndFrom(s, i, j, limit)
}

// wordEndFrom is wordEnd for the word that starts at i, read up to j.
func wordEndFrom(s string, i, j, limit int) int {
	for j < limit {
		if j = alnumRun(s, j, limit); j >= limit {
			break
		}
		c := s[j]
		if c < utf8.RuneSelf {
			// Inner apostrophes and hyphens join: "Queen's",
			// "Sainte-Catherine", "Jean-Luc", "O'Brien".
			if (c == '\'' || c == '-') && j > i && j+1 < limit && isLetterAt(s, j+1) && isLetterAt(s, j-1) &&
				!(c == '\'' && s[j+1] == 's' && (j+2 >= limit || !isLetterAt(s, j+2))) { // not "Smith's"
				j++
				continue
			}
			break
		}
		r, sz := utf8.DecodeRuneInString(s[j:])
		if r == '’' && j > i && j+sz < limit && isAlpha(s[j+sz]) && isAlpha(s[j-1]) {
			j += sz // "Queen’s"
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			break
		}
		j += sz
	}
	return j
}

// isUpperAt and isLowerAt are small enough to be inlined; only a
// non-ASCII byte costs a call.
func isUpperAt(s string, i int) bool {
	c := s[i]
	if c < utf8.RuneSelf {
		return c-'A' < 26
	}
	return isUpperRuneAt(s, i)
}

func isUpperRuneAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsUpper(r)
}

func isLowerAt(s string, i int) bool {
	c := s[i]
	if c < utf8.RuneSelf {
		return c-'a' < 26
	}
	return isLowerRuneAt(s, i)
}

func isLowerRuneAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLower(r)
}

// allUpper reports whether the word has two or more letters, all capitals.
func allUpper(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return allUpperRunes(w, i)
		}
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return len(w) >= 2
}

// allUpperRunes is allUpper for w whose first n bytes are ASCII capitals.
func allUpperRunes(w string, n int) bool {
	for _, r := range w[n:] {
		if !unicode.IsUpper(r) {
			return false
		}
		n++
	}
	return n >= 2
}

// next returns the word after position p, skipping at most one space run
// (spaces and tabs, maxSp of them) and the punctuation allowed in seps; ok is
// false when anything else comes first or a limit is reached.
func (sc *scanner) next(p, limit int, seps string) (w wtok, ok bool) {
	s := sc.s
	for p < limit {
		c := s[p]
		if c == ' ' || c == '\t' || len(seps) > 0 && c < utf8.RuneSelf && containsByte(seps, c) {
			p++
			continue
		}
		break
	}
	if p >= limit {
		return w, false
	}
	if c := s[p]; c < utf8.RuneSelf && class[c]&cAlnum == 0 {
		return w, false
	}
	e := wordEnd(s, p, limit)
	if e == p || (e < len(s) && (s[e] == '>' || s[e] == '_' || s[e] == '@')) {
		return w, false
	}
	return wtok{p, e}, true
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func (sc *scanner) text(w wtok) string { return sc.s[w.s:w.e] }

// lowerIs reports whether word w is the lower-case ASCII word x, ignoring
// the case of w.
func (sc *scanner) is(w wtok, x string) bool {
	if w.e-w.s != len(x) {
		return false
	}
	for k := 0; k < len(x); k++ {
		if lower(sc.s[w.s+k]) != x[k] {
			return false
		}
	}
	return true
}

// dotAfter returns the end of w plus a directly following '.'.
func (sc *scanner) dotAfter(w wtok) int {
	if w.e < len(sc.s) && sc.s[w.e] == '.' {
		return w.e + 1
	}
	return w.e
}

// listedName returns the span of a name listed right after position p
// (", Mary", " and Mary", " & Mary", " or Mary"), or (0, 0).
func (sc *scanner) listedName(p, limit int) (int, int) {
	s := sc.s
	q := p
	if q < limit && s[q] == ',' {
		q++
	}
	if q < limit && s[q] == ' ' {
		q++
	}
	x, ok := sc.next(q, limit, "")
	if !ok || x.s != q {
		return 0, 0
	}
	if sc.isAny(x, "and", "or", "und", "et", "y", "e") || s[x.s] == '&' {
		if y, ok := sc.next(x.e, limit, ""); ok && y.s == x.e+1 {
			x = y
		} else {
			return 0, 0
		}
	} else if q == p || s[p] != ',' {
		return 0, 0
	}
	if !sc.listMember(x, limit) {
		return 0, 0
	}
	if e, ok := sc.next(x.e, limit, ""); ok && e.s == x.e+1 && isUpperAt(s, e.s) && sc.flags(e)&nameStop == 0 && sc.nameShaped(e) {
		return x.s, e.e
	}
	return x.s, x.e
}

// listMember reports whether x, a word listed after a name, is a name too:
// a capitalised word some name list has, or one no list has at all when the
// list goes on after it ("Hannah, Gaetane and Anna").
func (sc *scanner) listMember(x wtok, limit int) bool {
	s := sc.s
	if !isUpperAt(s, x.s) || !sc.nameShaped(x) || allUpper(sc.text(x)) {
		return false
	}
	if isFirmTail(sc.text(x)) {
		return false // "Thomas and Sons"
	}
	f := sc.nameFlags(x)
	if f == 0 {
		rest := s[x.e:limit]
		if !(strings.HasPrefix(rest, ", ") || strings.HasPrefix(rest, " and ")) {
			return false
		}
	} else if f&(gGiven|gSurname) == 0 || f&nameStop != 0 {
		return false
	}
	if _, en := sc.addressAtName(x, f, limit); en != 0 {
		return false // "Anna Becker, Am Markt 3": the address comes next
	}
	return true
}

// listJoin returns the position of the word after a list separator at p
// (", ", ", and ", " and "), or -1.
func listJoin(s string, p, limit int) int {
	if p+2 > limit {
		return -1
	}
	switch s[p] {
	case ',':
		if s[p+1] != ' ' {
			return -1
		}
		if strings.HasPrefix(s[p:limit], ", and ") {
			return p + len(", and ")
		}
		return p + 2
	case ' ':
		if strings.HasPrefix(s[p:limit], " and ") {
			return p + len(" and ")
		}
	}
	return -1
}

// firm returns the end of a firm's name made of three or four bare
// surnames ("Jones, Mitchell and Williams", "Owens, Duran and Oneal"), the
// form of law firms, agencies and orchestras, or 0. A plural person noun
// before a colon ("our founders: …") makes them people, and so does any
// other cue.
func (sc *scanner) firm(w wtok, hist []wtok, limit int) int {
	s := sc.s
	if w.e+2 >= limit || s[w.e] != ',' || s[w.e+1] != ' ' || sc.cue(hist, w) != cueNone {
		return 0 // most words are followed by no list
	}
	x, n := w, 0
	last := false
	for {
		f := sc.nameFlags(x)
		if !isUpperAt(s, x.s) || f&gSurnameStrong == 0 || f&(nameStop|gPlace) != 0 {
			return 0
		}
		n++
		q := -1
		if !last {
			q = listJoin(s, x.e, limit)
		}
		if q >= 0 && (q >= limit || !isUpperAt(s, q)) {
			q = -1 // "…, solicitors"
		}
		if q < 0 {
			if !last {
				return 0
			}
			if n < 3 {
				return 0
			}
			// "Davis, Reynolds and Williamson Orchestra"; but "…
			// and Ann Lee" ends in a full name.
			if y, ok := sc.next(x.e, limit, ""); ok && y.s == x.e+1 && isUpperAt(s, y.s) && sc.flags(y)&gOrg == 0 {
				return 0
			}
			return x.e
		}
		last = strings.HasSuffix(s[:q], "and ")
		y, ok := sc.next(q, limit, "")
		if !ok || y.s != q || n == 4 || last && n < 2 {
			return 0
		}
		x = y
	}
}

// coordinated judges w, which is no name on its own, as the first of
// names joined by commas and "and" ("Kónya, Becker and Vasquez", "Usamov and
// Bowers"): w is a name when it and the members after it, up to one that is
// clearly a name (a frequent given name or surname that is no word and no
// town), are words a name list has or words no list has (no English word,
// place or stop word), each a single word. It returns w's span; listedName
// takes the rest. Only the members up to the clear one count, so that the
// answer is the same once a later member is redacted on its own.
func (sc *scanner) coordinated(w wtok, hist []wtok, limit int) (int, int) {
	s := sc.s
	if listJoin(s, w.e, limit) < 0 {
		return 0, 0 // most words are followed by no list
	}
	if len(hist) > 0 && s[hist[0].e:w.s] == " " && isUpperAt(s, hist[0].s) {
		return 0, 0 // within a capitalised title or brand
	}
	clear := false
	x := w
	for n := 0; n < 8; n++ {
		f := sc.nameFlags(x)
		if !isUpperAt(s, x.s) || !sc.nameShaped(x) || allUpper(sc.text(x)) ||
			f&(nameStop|gPlace|gCountry) != 0 || f&gWord != 0 && f&gSurnameStrong == 0 ||
			f != 0 && f&(gGiven|gSurname) == 0 {
			return 0, 0
		}
		// A member of two words ("Reed Elsevier", or a word and the
		// placeholder of one redacted after it) may be a company.
		if x.e+1 < limit && s[x.e] == ' ' && (isUpperAt(s, x.e+1) || s[x.e+1] == '<') {
			return 0, 0
		}
		if n > 0 && !sc.listMember(x, limit) {
			return 0, 0
		}
		if f&(gGivenStrong|gSurnameStrong) != 0 && f&(gWord|gTown) == 0 {
			clear = true
		}
		if n > 0 && clear {
			if _, en := sc.addressAtName(w, sc.flags(w), limit); en != 0 {
				return 0, 0
			}
			return w.s, w.e
		}
		q := listJoin(s, x.e, limit)
		if q < 0 {
			return 0, 0
		}
		y, ok := sc.next(q, limit, "")
		if !ok || y.s != q {
			return 0, 0
		}
		x = y
	}
	return 0, 0
}

// addressee returns the span of a name after " to " or " at " at p, the
// one spoken to after a speaker's name, or (0, 0).
func (sc *scanner) addressee(p, limit int) (int, int) {
	s := sc.s
	if !strings.HasPrefix(s[p:limit], " to ") && !strings.HasPrefix(s[p:limit], " at ") {
		return 0, 0
	}
	x, ok := sc.next(p+4, limit, "")
	if !ok || x.s != p+4 || !isUpperAt(s, x.s) || !sc.nameShaped(x) || allUpper(sc.text(x)) {
		return 0, 0
	}
	if f := sc.nameFlags(x); f&(gGiven|gSurname) == 0 || f&(nameStop|gPlace) != 0 {
		return 0, 0
	}
	return x.s, x.e
}

// block returns the end of the address whose core is [a, core): with its
// postal block, or with the longest part of it that ends cleanly when the
// block would end next to a digit group (which cleanEdges refuses, and
// which is not there once the next finding is redacted: "0 AAa 0, Aa A0 0"),
// or 0.
func (sc *scanner) block(a, core, floor, limit int) int {
	lim := limit
	for k := 0; k < 8; k++ {
		e := sc.extend(core, lim)
		if sc.cleanEdges(a, e, floor, limit) {
			return e
		}
		if e <= core+1 {
			break
		}
		lim = e - 1
	}
	if sc.cleanEdges(a, core, floor, limit) {
		return core
	}
	return 0
}

// loneWord reports whether w stands with no capitalised word or digit
// group next to it, so that redacting it later changes no decision about a
// neighbour.
func (sc *scanner) loneWord(w wtok, floor, limit int) bool {
	s := sc.s
	if !sc.nameShaped(w) || allUpper(sc.text(w)) || !sc.cleanEdges(w.s, w.e, floor, limit) {
		return false
	}
	if w.e+1 < len(s) && s[w.e] == ' ' && (isUpperAt(s, w.e+1) || isDigit(s[w.e+1])) {
		return false
	}
	if w.s >= 2 && s[w.s-1] == ' ' {
		q := w.s - 1
		for q > 0 && isLetterAt(s, q-1) {
			q--
		}
		if q < w.s-1 && isUpperAt(s, q) || isDigit(s[w.s-2]) {
			return false
		}
	}
	return true
}

// mentions adds the words of rej that repeat a word of a name found in the
// same text (the first name alone, the surname alone), keeping found in
// order.
func (sc *scanner) mentions(found []Finding, rej []wtok) []Finding {
	s := sc.s
	for _, r := range rej {
		if !sc.namedElsewhere(found, s[r.s:r.e]) || !sc.loneWord(r, 0, len(s)) {
			continue
		}
		k := len(found)
		for k > 0 && found[k-1].Start > r.s {
			k--
		}
		found = append(found, Finding{})
		copy(found[k+1:], found[k:])
		found[k] = Finding{Type: Person, Start: r.s, End: r.e}
	}
	return found
}

// namedElsewhere reports whether word t is one of the words of a person
// finding in found.
func (sc *scanner) namedElsewhere(found []Finding, t string) bool {
	for _, f := range found {
		if f.Type != Person || f.End-f.Start < len(t) {
			continue
		}
		name := sc.s[f.Start:f.End]
		for p := 0; p+len(t) <= len(name); {
			q := strings.Index(name[p:], t)
			if q < 0 {
				break
			}
			a, b := p+q, p+q+len(t)
			if (a == 0 || name[a-1] == ' ') && (b == len(name) || name[b] == ' ' || name[b] == '.') {
				return true
			}
			p = b
		}
	}
	return false
}

// isFirmTail: words that end a firm's name after "and" or "&".
func isFirmTail(w string) bool {
	switch w {
	case "Sons", "Son", "Daughters", "Brothers", "Bros", "Partners", "Associates", "Company", "Co", "Friends":
		return true
	}
	return false
}

// lowerList finds a list of three or more lower-case given names in a text
// written all in lower case ("they had 6: leonti, terrence, pamela, donna
// and brian"), starting at w, and returns them (n = 0 if there is none).
// Every member is a given name of some list and no stop word, and all but
// one are no English word and no place.
func (sc *scanner) lowerList(w wtok, limit int) (m [8]wtok, n int) {
	s := sc.s
	common := 0
	x := w
	for {
		f := sc.flags(x)
		if f&gGiven == 0 || f&(gStop|gTitle) != 0 || !sc.nameShaped(x) {
			return m, 0
		}
		if f&(gWord|gPlace|gTown|gCountry) != 0 {
			common++
		}
		m[n] = x
		n++
		q := listJoin(s, x.e, limit)
		if q < 0 || n == len(m) {
			break
		}
		y, ok := sc.next(q, limit, "")
		if !ok || y.s != q || !isLowerAt(s, y.s) {
			return m, 0
		}
		x = y
	}
	if n < 3 || common > 1 {
		return m, 0
	}
	return m, n
}

// isLetterAt reports whether s[i] is an ASCII letter or starts a non-ASCII
// letter; a continuation byte of one counts as a letter.
func isLetterAt(s string, i int) bool {
	c := s[i]
	if c < utf8.RuneSelf {
		return (c|0x20)-'a' < 26
	}
	return isLetterRuneAt(s, i)
}

func isLetterRuneAt(s string, i int) bool {
	if !utf8.RuneStart(s[i]) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// cleanEdges reports whether a finding [a, b) stands between white space
// or punctuation that is itself followed (or preceded) by white space. The
// structured detectors look at the bytes next to their candidates, and
// they see a placeholder's '<' '>' in scrubbed text where the original had
// the edge of a name; with clean edges their decisions are the same in
// both, so Scrub stays idempotent.
func (sc *scanner) cleanEdges(a, b, floor, limit int) bool {
	s := sc.s
	// A digit group next to another across one space could belong to a
	// structured candidate (a phone number, a card) on the other side; not
	// when that side is a finding already (floor, limit), which scrubbing
	// turns into a placeholder.
	if isDigit(s[a]) && a-2 >= floor && s[a-1] == ' ' && (isDigit(s[a-2]) || containsByte("-./)+", s[a-2])) {
		return false
	}
	if isDigit(s[b-1]) && b+1 < limit && s[b] == ' ' && (isDigit(s[b+1]) || containsByte("(+-", s[b+1])) {
		return false
	}
	if a > 0 {
		c := s[a-1]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == '(' || c == '[' || c == '"' || c == '\'' || c == ':' || c == ',' || c == '>':
			if a > 1 && s[a-2] != ' ' && s[a-2] != '\n' && s[a-2] != '\t' && (c != ':' && c != ',' || !isAlpha(s[a-2])) {
				return false
			}
			// "0::0:A:Ai": a word after a chain of ':'-joined groups would end
			// an IPv6 candidate once redacted ("0::0:A:<PERSON>").
			if c == ':' && a > 1 {
				q := a - 2
				for q > 0 && class[s[q]]&cAlnum != 0 {
					q--
				}
				if s[q] == ':' {
					return false
				}
			}
		default:
			return false
		}
	}
	return sc.rightClean(b)
}

// rightClean is cleanEdges's test of the bytes after a finding that ends
// at b: white space, or punctuation followed by white space.
func (sc *scanner) rightClean(b int) bool {
	s := sc.s
	if b < len(s) {
		c := s[b]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == '\'' && b+1 < len(s) && s[b+1] == 's' && (b+2 == len(s) || s[b+2] == ' ' || s[b+2] == '\n'):
		case c == ',' || c == '.' || c == ';' || c == ':' || c == '!' || c == '?' || c == ')' || c == ']' || c == '"' || c == '\'':
			if b+1 < len(s) {
				switch d := s[b+1]; d {
				case ' ', '\t', '\n', '\r', ',', '.', ';', ':', '!', '?', ')', ']', '"', '\'':
				default:
					return false
				}
			}
		default:
			return c >= 0x80 && !isLetterAt(s, b) // "Emily Johnson — ...", "Müller · Settings"
		}
	}
	return true
}

func hasUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// lowerPair accepts a frequent given name and a surname in lower case, with
// an optional initial between them ("eric g. samoylova"): neither may be an
// English word or a place.
func (sc *scanner) lowerPair(w wtok, limit int) (int, int) {
	f := sc.flags(w)
	if f&gGivenStrong == 0 || f&(gWord|gPlace|gTown|gStop|gCountry) != 0 {
		return 0, 0
	}
	x, ok := sc.next(w.e, limit, "")
	if !ok || x.s != w.e+1 {
		return 0, 0
	}
	if x.e-x.s == 1 { // an initial
		q := x.e
		if q < limit && sc.s[q] == '.' {
			q++
		}
		if x, ok = sc.next(q, limit, ""); !ok || x.s != q+1 {
			return 0, 0
		}
	}
	if !isLowerAt(sc.s, x.s) {
		return 0, 0
	}
	if fx := sc.flags(x); fx&gSurname == 0 || fx&(gWord|gPlace|gStop|gCountry) != 0 {
		return 0, 0
	}
	return w.s, x.e
}
