package pii

import (
	"strings"
	"unicode/utf8"
)

// Person names. A capitalised word starts a candidate; it becomes a name
//   - after a title or a cue that announces a person (Mr., Dear, Hi,
//     "signed in as", "my name is", "Name:", "Ship to:", "passenger:"),
//   - or by the gazetteer: a frequent given name that is no common English
//     word and no place, alone or followed by more name words; a given name
//     followed by a frequent surname; two or three unknown capitalised words
//     that are a whole line of their own (the name line of an address block
//     or a signature).
// A run stops at words that make it something else: street types, unit
// words, organisation words (Journal, Capital, Studios, Bank) and the
// gazetteer's stop words (months, weekdays, menu and headline words).

// Cue strengths.
const (
	cueNone = iota
	cueWeak // "by", "starring", "says", family words: any capitalised non-word
	cueStrong
)

func (sc *scanner) cue(hist []wtok, w wtok) int {
	if len(hist) == 0 {
		return cueNone
	}
	s := sc.s
	h := hist[0]
	gap := s[h.e:w.s]
	if len(gap) > 4 {
		return cueNone
	}
	// A role or a relation and "to"/"of": "the assistant to …", "married
	// to …", "the daughter of …".
	if len(hist) >= 2 && gap == " " && (sc.is(h, "to") || sc.is(h, "of")) && s[hist[1].e:h.s] == " " {
		// Not roles in firms ("founder of", "CEO of"), which precede companies.
		if sc.isAny(hist[1], "assistant", "secretary", "married", "engaged", "widow", "widower", "heir", "son",
			"daughter", "wife", "husband", "mother", "father", "brother", "sister", "nephew", "niece", "cousin",
			"grandson", "granddaughter", "stepson", "stepdaughter", "fiancé", "fiancée") {
			return cueWeak
		}
	}
	k := cueWord(sc.text(h))
	if k == 0 {
		return cueNone
	}
	switch {
	case k&cwTitle != 0 && (gap == " " || gap == ". "):
		return cueStrong
	case gap == "? " && k&cwName != 0:
		return cueStrong // "What's your last name? Turgeon"
	case containsByte(gap, ':'):
		if k&cwColon != 0 {
			return cueStrong
		}
		return cueNone
	case len(gap) > 2 && gap != ", ":
		return cueNone
	case k&cwGreet != 0:
		return cueStrong
	}
	if len(hist) >= 2 && k&cwMulti != 0 {
		h1 := hist[1]
		if sc.is(h, "is") && sc.is(h1, "name") || sc.is(h, "back") && sc.is(h1, "welcome") ||
			sc.is(h, "as") && len(hist) >= 3 && sc.is(h1, "in") && sc.isAny(hist[2], "signed", "logged") ||
			sc.is(h, "me") && sc.isAny(h1, "call", "calls") {
			return cueStrong
		}
	}
	if k&cwWeak != 0 {
		return cueWeak
	}
	return cueNone
}

// Kinds of cue words (bits).
const (
	cwColon = 1 << iota // "Name:", "Ship to:", "Passenger:"
	cwGreet             // "Dear", "Hi", "Welcome"
	cwWeak              // "by", "starring", family words
	cwTitle             // "Mr", "Dr", "Frau"
	cwName              // "name" ("last name? X")
	cwMulti             // the last word of "my name is", "welcome back", "signed in as", "call me"
)

// cueWord classifies a word that may announce a person. One switch, so a
// capitalised word costs one lookup here whatever the number of cues.
func cueWord(w string) uint16 {
	if len(w) < 2 || len(w) > 15 {
		return 0
	}
	var b [16]byte
	for i := 0; i < len(w); i++ {
		b[i] = lower(w[i])
	}
	switch string(b[:len(w)]) {
	case "name", "nom", "nombre", "nome", "naam":
		return cwColon | cwName
	case "from":
		// Only as a header ("From: Anna Roe"): in running text "from"
		// precedes brands and places ("the jacket from Arket").
		return cwColon
	case "to", "passenger", "patient", "guest", "customer", "cardholder", "recipient", "attn", "contact",
		"author", "traveller", "traveler", "holder", "buyer", "seller", "employee", "student", "member",
		"driver", "tenant", "owner", "user", "cc", "bcc", "sender", "addressee", "beneficiary", "payee",
		"signed", "physician",
		// Plural person nouns before a colon announce a list of people
		// ("our 3 founders: Monjeau, Graves and Reed").
		"founders", "cofounders", "authors", "partners", "members", "guests", "passengers", "speakers",
		"participants", "attendees", "children", "kids", "parents", "friends", "colleagues", "winners",
		"nominees", "candidates", "hosts", "organisers", "organizers", "contributors", "owners",
		"residents", "tenants", "students", "teachers", "siblings", "sons", "daughters",
		"recipients", "signatories", "panelists", "panellists":
		return cwColon
	case "doctor":
		return cwColon | cwTitle
	case "dear", "hi", "hello", "hey", "welcome", "bonjour", "hola", "hallo", "ciao", "liebe", "lieber",
		"cher", "chère", "querido", "querida", "estimado", "estimada", "gentile", "beste", "namaste", "thanks",
		"congratulations", "congrats", "sincerely", "regards", "cheers":
		return cwGreet
	case "is", "back", "as", "me":
		return cwMulti
	case "called", "named", "by", "starring", "featuring", "feat", "ft", "says", "said", "asked", "told",
		"meet", "met", "son", "daughter", "wife", "husband", "mother", "father", "brother", "sister", "friend",
		"uncle", "aunt", "cousin", "grandson", "granddaughter", "grandmother", "grandfather", "partner",
		"colleague", "boss", "manager", "given", "kid", "baby", "child", "nephew", "niece", "girlfriend",
		"boyfriend", "fiancé", "fiancée", "mom", "dad", "mum", "grandma", "grandpa", "commenter", "producer",
		"singer", "actor", "actress", "rapper", "drummer", "guitarist", "writer", "novelist", "poet", "painter",
		"player", "coach", "founder", "ceo", "chef", "hostess", "host", "reporter", "columnist", "editor",
		"photographer", "designer", "composer", "conductor", "pianist", "violinist", "striker", "goalkeeper":
		return cwWeak
	case "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme", "mlle",
		"monsieur", "madame", "sr", "sra", "srta", "sig", "signor", "signora", "dott", "dhr", "mevr",
		"mevrouw", "shri", "smt", "kumari", "pan", "pani", "señor", "señora", "senhor", "senhora", "mister",
		"mistress", "lady", "lord", "rev", "fr":
		return cwTitle
	}
	return 0
}

func (sc *scanner) isAny(w wtok, xs ...string) bool {
	for _, x := range xs {
		if sc.is(w, x) {
			return true
		}
	}
	return false
}

// nameStop are the flags that end a name run.
const nameStop = gStop | gOrg | gStreetSuf | gStreetPre | gUnit | gTitle | gCountry

// personAt judges the capitalised word w. It returns the finding's span or
// (0, 0).
func (sc *scanner) personAt(w wtok, f uint16, hist []wtok, limit int) (int, int) {
	t := sc.text(w)
	shaped := f == 0 && surnameShape(t)
	if shaped {
		f = gSurname | gSurnameStrong
	}
	cue := sc.cue(hist, w)
	// Only a strong cue makes a name of an English word that is no given
	// name ("Dear Service" is odd, "Service" alone is a word): every rule
	// below wants a given name, a word no list has, or a strong cue.
	if cue != cueStrong && (f&gWord != 0 && f&gGiven == 0 || allUpper(t)) {
		return 0, 0
	}
	stop := uint16(nameStop)
	if cue == cueStrong {
		stop = gStop | gTitle
	} else if f&gGivenStrong != 0 {
		stop &^= gStreetSuf // Abby, Wells
	}
	if f&stop != 0 || !sc.nameShaped(w) {
		return 0, 0
	}
	// Collect up to three more name words: capitalised words, initials,
	// particles before a capitalised word.
	var run [4]wtok
	var fl [4]uint16
	run[0], fl[0] = w, f
	k := 1
	end := w.e
	p := w.e
	for k < 4 {
		x, ok := sc.next(p, limit, "")
		if !ok || sc.s[p] != ' ' || x.s-p > 1 {
			break
		}
		xt := sc.text(x)
		if isUpperAt(sc.s, x.s) && x.e-x.s == 1 { // an initial: "Ken N. Fukuda"
			q := x.e
			if q < limit && sc.s[q] == '.' {
				q++
			}
			y, ok := sc.next(q, limit, "")
			if !ok || !isUpperAt(sc.s, y.s) || sc.flags(y)&nameStop != 0 || y.s-q > 1 {
				break
			}
			p = q
			continue
		}
		if isLowerAt(sc.s, x.s) && isParticle(xt) {
			y, ok := sc.next(x.e, limit, "")
			if !ok || !isUpperAt(sc.s, y.s) || sc.flags(y)&nameStop != 0 || y.s-x.e > 1 {
				break
			}
			p = x.e
			continue
		}
		if !isUpperAt(sc.s, x.s) || (allUpper(xt) && !isSuffix(xt)) {
			break
		}
		xf := sc.nameFlags(x)
		if xf&nameStop != 0 && !surnameToo(xf) || !sc.nameShaped(x) {
			break
		}
		if isSuffix(xt) {
			end = sc.dotAfter(x)
			break
		}
		// A word glued to what no finding may end at is no part of the
		// run: the run would be dropped whole ("AAa Aa I Aa Ia#"), while
		// its first words are a name once the words after them are
		// redacted on their own.
		if !sc.rightClean(x.e) {
			break
		}
		run[k], fl[k] = x, xf
		k++
		end = x.e
		p = x.e
	}
	// The next word may make the run an organisation or a street.
	// Only a capitalised one does ("Morgan Stanley", "Abbey Road"): in
	// running text a lower-case word after a name is the sentence going on
	// ("commenter Ryan Fernandes points out"), except in text written all in
	// lower case.
	if x, ok := sc.next(end, limit, ""); ok && x.s-end == 1 && (isUpperAt(sc.s, x.s) || sc.lowerText) {
		// Unless that word starts an address of its own, which is redacted
		// apart: the name is then judged alone, as it is once the address
		// is a placeholder ("Aa Blk 0 0 AaA 0").
		if xf := sc.flags(x); xf&(gOrg|gStreetSuf) != 0 && xf&gStreetPre == 0 && !surnameToo(xf) {
			if _, e := sc.coreAtName(x, xf, limit); e == 0 {
				return 0, 0
			}
		}
	}
	// "Gare de Lyon", "San Francisco", "Galleria Vittorio", "Marks &
	// Spencer", "Air Max": what stands just before makes it a place, a
	// landmark, a company or a product.
	prevCap := false
	if len(hist) > 0 && cue == cueNone {
		h := hist[0]
		gap := sc.s[h.e:w.s]
		ht := sc.text(h)
		capH := isUpperAt(sc.s, h.s)
		if gap == " " && (isParticle(ht) || isPlacePrefix(ht) || capH && sc.flags(h)&(gOrg|gStreetPre) != 0) {
			return 0, 0
		}
		// A single word right after another capitalised word that is no
		// name is part of a title or a brand ("The Ritz", "Air Max").
		prevCap = gap == " " && capH && ht != "I" && !strings.HasPrefix(ht, "I'")
		// "hotels in Lyon": a town after a locative word is the town, and
		// so may be a word no list has that only looks like a surname
		// ("based in Pelhrimov").
		if k == 1 && (f&gTown != 0 || shaped) && sc.isAny(h, "in", "near", "from", "around", "visit", "visiting", "explore", "across", "at", "to", "of") {
			return 0, 0
		}
	}
	if w.s >= 3 && sc.s[w.s-3:w.s] == " & " || isPlacePrefix(t) {
		return 0, 0
	}
	if strings.HasPrefix(sc.s[end:], " & ") {
		return 0, 0
	}
	if strings.HasPrefix(sc.s[end:limit], " and ") {
		if x, ok := sc.next(end+len(" and"), limit, ""); ok && isFirmTail(sc.text(x)) {
			return 0, 0 // "Thomas and Sons"
		}
	}
	given := f&gGiven != 0
	strong := f&gGivenStrong != 0 && f&(gWord|gPlace) == 0
	unknown := f&(gWord|gPlace|gGiven|gSurname) == 0
	// A speaker in a dialogue or chat: "Koppány: "Who are you?"", at the
	// start of a line.
	if cue == cueNone && k == 1 && f&(gWord|gPlace|gTown|gCountry) == 0 {
		if sp := sc.speaker(w); sp == 2 || sp == 1 && given {
			return w.s, w.e
		}
	}
	// In a dialogue (two or more speaker lines) every speaker that some name
	// list has, or none has, is a person, also one that is a word ("Destiny:
	// Remember me").
	if cue == cueNone && k == 1 && (f == 0 || given) && f&(gStop|gCountry) == 0 && sc.speaker(w) > 0 && sc.says(w.e) && sc.dialogue() {
		return w.s, w.e
	}
	if cue == cueNone && k == 1 && !prevCap {
		// A word no list has, or a given name that is no word, before a verb
		// only people do ("Timotea lives on …", "Mehrudin shouted at …").
		if (f == 0 || strong) && sc.humanVerbAfter(w) {
			return w.s, w.e
		}
		// A name being addressed: "Warrane, can I …", "Remember me, Chelsea?"
		if (f == 0 || given) && f&(gStop|gCountry) == 0 && sc.vocative(w, hist) {
			return w.s, w.e
		}
		// An author before the kind of work: "the Castro novel".
		if f&(gWord|gPlace|gCountry) == 0 && (f == 0 || f&gSurname != 0) && len(hist) > 0 && sc.is(hist[0], "the") &&
			sc.s[hist[0].e:w.s] == " " && sc.workAfter(w) {
			return w.s, w.e
		}
	}
	switch cue {
	case cueStrong:
		if f&gWord == 0 || given || f&gSurname != 0 {
			return w.s, end
		}
		return 0, 0
	case cueWeak:
		// A town that is also a frequent surname is the surname after a
		// cue ("says Iwase").
		if f&(gWord|gPlace|gTown) == 0 || strong && f&gTown == 0 ||
			f&(gWord|gPlace|gCountry) == 0 && f&gSurnameStrong != 0 {
			return w.s, end
		}
	}
	if k >= 2 {
		f2 := fl[1]
		if strong && (f2&gWord == 0 || f2&gSurname != 0) && (f2&gPlace == 0 || f2&gSurname != 0) {
			return w.s, end
		}
		if given && f2&gSurnameStrong != 0 && (f2&gWord == 0 || strong) {
			return w.s, end
		}
		// A given name the lists lack, and a known surname: "Rościsław
		// Dudek", "Tintin Forsberg".
		if unknown && !prevCap && f2&gSurnameStrong != 0 && f2&(gWord|gPlace|gTown) == 0 {
			return w.s, end
		}
		if (unknown || f&gSurname != 0 && f&gWord == 0) && (k == 2 || k == 3) && sc.wholeLine(w.s, end) {
			all := true
			for _, g := range fl[1:k] {
				if g&(gWord|gPlace) != 0 && g&(gGiven|gSurname) == 0 {
					all = false
				}
			}
			if all {
				return w.s, end
			}
		}
		// Otherwise w is judged alone, as it would be if the next word were
		// redacted on its own.
	}
	// Judged alone whatever follows: the next words may be redacted on their
	// own, and the decision must not change when they are.
	if !prevCap && (strong || f&gSurname != 0 && f&(gWord|gPlace|gTown|gGiven) == 0) {
		return w.s, w.e
	}
	return 0, 0
}

// personLower accepts lower-case name words after "my name is" or "name:",
// as chat text writes them.
func (sc *scanner) personLower(w wtok, limit int) (int, int) {
	f := sc.flags(w)
	if f&(gGiven|gSurname) == 0 || f&gStop != 0 {
		return 0, 0
	}
	end := w.e
	for k := 0; k < 2; k++ {
		x, ok := sc.next(end, limit, "")
		if !ok || x.s-end != 1 || sc.flags(x)&(gGiven|gSurname) == 0 || sc.flags(x)&gStop != 0 {
			break
		}
		end = x.e
	}
	return w.s, end
}

// nameShaped rejects words with digits and words glued to a following
// hyphenated lower-case part or a dotted domain ("Acme.com").
func (sc *scanner) nameShaped(w wtok) bool {
	s := sc.s
	for i := w.s; i < w.e; i++ {
		if isDigit(s[i]) {
			return false
		}
	}
	// A word then '.' then a word, a non-ASCII byte or '<' (the placeholder
	// of a word redacted there) is a domain or an abbreviation.
	if w.e+1 < len(s) && s[w.e] == '.' && (isAlnum(s[w.e+1]) || s[w.e+1] == '<' || s[w.e+1] >= 0x80) {
		return false
	}
	return utf8.RuneCountInString(s[w.s:w.e]) >= 2
}

// wholeLine reports whether [a, b) is all that stands on its line, apart
// from spaces and quote marks.
func (sc *scanner) wholeLine(a, b int) bool {
	s := sc.s
	for p := a - 1; p >= 0 && s[p] != '\n'; p-- {
		if s[p] != ' ' && s[p] != '\t' && s[p] != '>' {
			return false
		}
	}
	for p := b; p < len(s) && s[p] != '\n'; p++ {
		if s[p] != ' ' && s[p] != '\t' && s[p] != '\r' {
			return false
		}
	}
	return true
}

func isParticle(w string) bool {
	switch w {
	case "van", "von", "de", "der", "den", "da", "di", "del", "della", "du", "la", "le", "bin", "ibn",
		"al", "el", "ter", "ten", "dos", "das", "do", "y", "zu", "af", "av":
		return true
	}
	return false
}

func isSuffix(w string) bool {
	switch w {
	case "Jr", "Sr", "MD", "PhD", "II", "III", "IV", "DDS", "Esq":
		return true
	}
	return false
}

// isPlacePrefix: words that start place names (San Francisco, Los Angeles,
// Saint-Étienne, New York, Fort Worth).
func isPlacePrefix(w string) bool {
	switch w {
	case "San", "Santa", "Santo", "São", "Los", "Las", "Saint", "Sainte", "St", "New", "Fort", "Port",
		"Mount", "Lake", "Gran", "Grand", "Bad", "Den", "El", "La", "Le", "North", "South", "East", "West":
		return true
	}
	return false
}

// surnameToo: a street type that is also a frequent surname and no stop
// word (Heath, Wells, Park) may continue a name.
func surnameToo(f uint16) bool {
	return f&gSurnameStrong != 0 && f&(gStop|gOrg|gUnit|gTitle|gCountry) == 0
}

// speaker reports whether w opens its line and is followed by ':' and a
// space (1) or a quotation (2), as a speaker in a dialogue or a chat is.
func (sc *scanner) speaker(w wtok) int {
	s := sc.s
	if w.e+1 >= len(s) || s[w.e] != ':' {
		return 0
	}
	for p := w.s - 1; p >= 0 && s[p] != '\n'; p-- {
		if s[p] != ' ' && s[p] != '\t' && s[p] != '>' {
			return 0
		}
	}
	switch {
	case s[w.e+1] == '"' || w.e+2 < len(s) && s[w.e+1] == ' ' && s[w.e+2] == '"':
		return 2
	case s[w.e+1] == ' ':
		return 1
	}
	return 0
}

// nameFlags is lookup, and for a word no list has, the flags of a surname
// when its ending is one that surnames of many languages share.
func (sc *scanner) nameFlags(w wtok) uint16 {
	f := sc.flags(w)
	if f == 0 && surnameShape(sc.text(w)) {
		return gSurname | gSurnameStrong
	}
	return f
}

// surnameShape reports whether w ends in a suffix that forms surnames
// (patronymics and family-name endings of Slavic, Nordic, Finnish, Greek,
// Romanian, Armenian, Georgian, Turkish and Japanese names) after at least
// three letters: Yefremova, Kishiev, Musliyevich, Jeknić, Szczepańska,
// Árnþórsson, Ryhänen, Papadopoulos, Ionescu, Ogasahara. Only words that no
// list has get here, so English words with these endings (person, season,
// linen) are not affected.
func surnameShape(w string) bool {
	// The suffixes are lower case and the word is capitalised, so its
	// bytes are compared as they are; the last byte rules out most words
	// before any comparison.
	if len(w) < 5 {
		return false
	}
	last := w[len(w)-1]
	if last < 'a' {
		return false // every suffix ends in a lower-case letter: not "USDT"
	}
	for _, x := range suffixesByLast[last] {
		if len(w) >= len(x)+3 && w[len(w)-len(x):] == x {
			return true
		}
	}
	return false
}

// suffixesByLast groups surnameSuffixes by their last byte.
var suffixesByLast = func() (t [256][]string) {
	for _, x := range surnameSuffixes {
		t[x[len(x)-1]] = append(t[x[len(x)-1]], x)
	}
	return t
}()

var surnameSuffixes = [...]string{
	"ov", "ova", "ev", "eva", "vich", "vna", "ić", "ski", "ska", "sky", "skiy", "skaya", "cki", "cka",
	"wicz", "czyk", "enko", "chuk", "sson", "sen", "dóttir", "dottir", "nen", "poulos", "poulou", "akis",
	"idis", "escu", "eanu", "yan", "shvili", "dze", "oğlu", "oglu", "hara", "moto", "mura", "yama",
	"kawa", "gawa", "shita", "zaki", "saki", "guchi",
}

// dialogue reports whether the text has two or more speaker lines: a
// capitalised word, or a placeholder, at the start of a line before ':'.
// A placeholder counts so that scrubbing the speakers does not change the
// answer. Computed once per text.
func (sc *scanner) dialogue() bool {
	if sc.dlg == 0 {
		sc.dlg = 1
		s := sc.s
		n := 0
		for p := 0; p < len(s) && n < 2; {
			q := p
			for q < len(s) && (s[q] == ' ' || s[q] == '\t' || s[q] == '>') {
				q++
			}
			e := q
			if e < len(s) && s[e] == '<' {
				for e++; e < len(s) && (isUpperAt(s, e) || s[e] == '_'); e++ {
				}
				if e < len(s) && s[e] == '>' {
					e++
				} else {
					e = q
				}
			} else if e < len(s) && isUpperAt(s, e) {
				e = wordEnd(s, e, len(s))
			}
			if e > q && sc.says(e) {
				n++
			}
			nl := strings.IndexByte(s[p:], '\n')
			if nl < 0 {
				break
			}
			p += nl + 1
		}
		if n >= 2 {
			sc.dlg = 2
		}
	}
	return sc.dlg == 2
}

// says reports whether a speaker's words follow the ':' at p: a quotation
// or a letter, not the digits of a field ("Fax: +41 …").
func (sc *scanner) says(p int) bool {
	s := sc.s
	if p+1 >= len(s) || s[p] != ':' {
		return false
	}
	q := p + 1
	if s[q] == ' ' {
		q++
	} else if s[q] != '"' {
		return false
	}
	return q < len(s) && (s[q] == '"' || isLetterAt(s, q))
}

// humanVerbAfter reports whether the word after w is a verb whose subject
// is a person.
func (sc *scanner) humanVerbAfter(w wtok) bool {
	s := sc.s
	if w.e+1 >= len(s) || s[w.e] != ' ' || !isLowerAt(s, w.e+1) {
		return false
	}
	x := wtok{w.e + 1, wordEnd(s, w.e+1, len(s))}
	return sc.isAny(x, "lives", "lived", "shouted", "whispered", "yelled", "screamed", "smiled", "laughed",
		"cried", "replied", "sighed", "nodded", "frowned", "grinned", "married", "divorced")
}

// vocative reports whether w is addressed: at the start of a sentence
// before ", can/could/would/will/please …", or after ", " at the end of a
// question or exclamation ("Remember me, Chelsea?").
func (sc *scanner) vocative(w wtok, hist []wtok) bool {
	s := sc.s
	if w.e+2 < len(s) && s[w.e] == ',' && s[w.e+1] == ' ' && sentenceStart(s, w.s) {
		x := wtok{w.e + 2, wordEnd(s, w.e+2, len(s))}
		if x.e > x.s && sc.isAny(x, "can", "could", "would", "will", "please", "may", "do", "did", "have") {
			return true
		}
	}
	if len(hist) > 0 && s[hist[0].e:w.s] == ", " && w.e < len(s) && (s[w.e] == '?' || s[w.e] == '!') &&
		(w.e+1 == len(s) || s[w.e+1] == ' ' || s[w.e+1] == '\n' || s[w.e+1] == '"') {
		return true
	}
	return false
}

// sentenceStart reports whether position p starts the text, a line or a
// sentence.
func sentenceStart(s string, p int) bool {
	q := p
	for q > 0 && (s[q-1] == ' ' || s[q-1] == '"' || s[q-1] == '\'') {
		q--
	}
	if q == 0 || s[q-1] == '\n' {
		return true
	}
	return q < p && (s[q-1] == '.' || s[q-1] == '!' || s[q-1] == '?')
}

// workAfter reports whether the word after w names a kind of written work,
// which the word before it then wrote ("the Castro novel").
func (sc *scanner) workAfter(w wtok) bool {
	s := sc.s
	if w.e+1 >= len(s) || s[w.e] != ' ' || !isLowerAt(s, w.e+1) {
		return false
	}
	x := wtok{w.e + 1, wordEnd(s, w.e+1, len(s))}
	return sc.isAny(x, "novel", "novels", "memoir", "memoirs", "biography", "poem", "poems", "novella", "essay", "essays")
}
