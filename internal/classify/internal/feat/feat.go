// Package feat turns a browsing item into hashed features. The model builder
// and the classifier share it, so that training and inference see exactly the
// same features; any change here requires `go generate` in package classify.
package feat

import (
	"encoding/binary"
	"strings"
)

// Max is the most features a Buffer holds; an item rarely has more than 200.
const Max = 512

// Feature is one hashed feature and its weight (how many times it counts).
type Feature struct {
	Hash   uint64
	Weight uint32
}

// Field weights, as integers so that training counts stay exact and the
// generated model is byte-for-byte reproducible. The title and the URL say
// most about what the person is doing; the summary is long and diffuse.
const (
	WDomain  = 3
	WPath    = 2
	WTitle   = 3
	WSummary = 2
	WChar    = 1
)

// SummaryHead is how many bytes of the summary are read, in training and in
// classification: the head carries the topic, the tail is mostly
// boilerplate and costs time. Lowering it loses agreement on long
// summaries (measured in package classify's doc and docs/classify.md).
const SummaryHead = 320

const (
	kindWord   = 'w'
	kindBigram = 'b'
	kindChar   = 'c'
)

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

// HashString hashes s case-insensitively (ASCII) with FNV-1a. Hosts in the
// site table and the UT1 lists are hashed with it.
func HashString(s string) uint64 {
	h := uint64(offset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(lower(s[i]))
		h *= prime64
	}
	return h
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isTokenByte(c byte) bool { return byteClass[c]&cToken != 0 }

// Classes of bytes for the tokenizer, one table lookup per byte.
const (
	cToken = 1 << iota // a letter, a digit or a non-ASCII byte: part of a token
	cDigit             // '0'..'9'
	cBreak             // punctuation that ends a bigram chain
	cUpper = 'a' - 'A' // 'A'..'Z': or-ing it in lower-cases the byte
)

// byteClass is read-only after initialization.
var byteClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z' || c >= 0x80:
			t[c] = cToken
		case 'A' <= c && c <= 'Z':
			t[c] = cToken | cUpper
		case '0' <= c && c <= '9':
			t[c] = cToken | cDigit
		}
	}
	// Punctuation that ends a clause or a title segment ("Foo | Site",
	// "Title: subtitle") ends the bigram chain; spaces, hyphens and
	// apostrophes do not, so "women's fashion" still pairs up.
	for _, c := range ".|,:;()" {
		t[c] = cBreak
	}
	return t
}()

// Buffer collects the features of one item. Its zero value is ready to use;
// it lives on the caller's stack, so it is kept small (the runtime zeroes it
// for every item): hashes and weights in separate arrays, weights in a byte.
type Buffer struct {
	Hash   [Max]uint64
	Weight [Max]uint8
	N      int
}

// Features returns a copy of the collected features.
func (b *Buffer) Features() []Feature {
	fs := make([]Feature, b.N)
	for i := range fs {
		fs[i] = Feature{b.Hash[i], uint32(b.Weight[i])}
	}
	return fs
}

// Reset empties the buffer.
func (b *Buffer) Reset() { b.N = 0 }

func (b *Buffer) add(h uint64, w uint32) {
	if b.N < Max {
		b.Hash[b.N] = h
		b.Weight[b.N] = uint8(w)
		b.N++
	}
}

// Text adds the word unigrams, bigrams and (if chars) character 4-grams of s,
// each with weight w.
//
// It reads each byte once: a token is lower-cased, its digits counted and
// its word hash computed in the same loop, with the hash before the last
// byte kept for when normalize's rule strips a plural "s". The features are
// those of normalize, stopword and hashBytes applied to each token.
func (b *Buffer) Text(s string, w uint32, chars bool) {
	var tok [32]byte
	var prev uint64
	havePrev := false
	for i := 0; i < len(s); {
		k := byteClass[s[i]]
		if k&cToken == 0 {
			if k&cBreak != 0 {
				havePrev = false
			}
			i++
			continue
		}
		h, hLast := uint64(wordSeed), uint64(0)
		digits := 0
		j := i
		for ; j < len(s); j++ {
			c := s[j]
			k := byteClass[c]
			if k&cToken == 0 {
				break
			}
			c |= k & cUpper
			tok[(j-i)&(len(tok)-1)] = c // a longer token is dropped below
			digits += int(k & cDigit)
			hLast = h
			h = (h ^ uint64(c)) * prime64
		}
		n := j - i
		digits /= cDigit
		i = j
		if n < 2 || n > len(tok) || digits == n || digits > 0 && n > 10 || digits > 3 {
			continue
		}
		if n > 4 && tok[n-1] == 's' && tok[n-2] != 's' && tok[n-2] != 'u' && tok[n-2] != 'i' {
			n, h = n-1, hLast
		}
		if isStop(&tok, n) {
			havePrev = false
			continue
		}
		b.add(h, w)
		if havePrev {
			b.add(mix(prev, h), w)
		}
		prev, havePrev = h, true
		if chars && n >= 5 {
			b.chars(tok[:n])
		}
	}
}

// wordSeed and charSeed are the FNV-1a states after the kind byte, where
// hashBytes starts a word and a character 4-gram.
const (
	wordSeed = (offset64 ^ kindWord) * prime64 & (1<<64 - 1)
	charSeed = (offset64 ^ kindChar) * prime64 & (1<<64 - 1)
)

// chars adds the character 4-grams of "^t$", which tie together inflections
// ("recipes", "recipe") and glued words in domain names ("coinmarketcap").
// t has at least 4 bytes.
func (b *Buffer) chars(t []byte) {
	n := len(t)
	b.add(hash4(charSeed, '^', t[0], t[1], t[2]), WChar)
	for i := 0; i+4 <= n; i++ {
		b.add(hash4(charSeed, t[i], t[i+1], t[i+2], t[i+3]), WChar)
	}
	b.add(hash4(charSeed, t[n-3], t[n-2], t[n-1], '$'), WChar)
}

func hash4(h uint64, c0, c1, c2, c3 byte) uint64 {
	h = (h ^ uint64(c0)) * prime64
	h = (h ^ uint64(c1)) * prime64
	h = (h ^ uint64(c2)) * prime64
	return (h ^ uint64(c3)) * prime64
}

// normalize lower-cases tok into dst and strips a plural "s". It rejects
// tokens that carry no topic: single letters, numbers, ids and hashes.
func normalize(dst []byte, tok string) (int, bool) {
	if len(tok) < 2 || len(tok) > len(dst) {
		return 0, false
	}
	digits := 0
	for i := 0; i < len(tok); i++ {
		c := lower(tok[i])
		if '0' <= c && c <= '9' {
			digits++
		}
		dst[i] = c
	}
	if digits == len(tok) || digits > 0 && len(tok) > 10 || digits > 3 {
		return 0, false
	}
	n := len(tok)
	if n > 4 && dst[n-1] == 's' && dst[n-2] != 's' && dst[n-2] != 'u' && dst[n-2] != 'i' {
		n--
	}
	return n, true
}

func hashBytes(kind byte, t []byte) uint64 {
	h := uint64(offset64)
	h ^= uint64(kind)
	h *= prime64
	for _, c := range t {
		h ^= uint64(c)
		h *= prime64
	}
	return h
}

func mix(a, b uint64) uint64 {
	h := a*0x9E3779B97F4A7C15 ^ b
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	return h ^ kindBigram
}

// stopwords are function words and web boilerplate that say nothing about
// the activity. None is longer than maxStop bytes.
var stopwords = []string{
	"of", "to", "in", "on", "at", "by", "is", "it", "an", "as", "or", "be", "we", "my", "me", "do", "if", "so", "up", "no", "us", "vs", "he", "am",
	"the", "and", "for", "you", "are", "was", "its", "our", "can", "all", "how", "not", "but", "has", "who", "why", "new", "get", "www", "com", "org", "net", "htm", "php", "asp", "amp", "utm", "her", "his", "use", "now", "one", "any", "out", "top", "day",
	"with", "from", "this", "that", "your", "what", "will", "more", "have", "they", "into", "html", "aspx", "page", "here", "when", "than", "them", "just", "also", "most", "some", "over", "each", "http", "view",
	"about", "their", "there", "which", "these", "after", "other", "while", "where", "index", "https", "every", "first", "watch",
}

const maxStop = 5

// The stop words are kept as their bytes packed into a uint64 (no token
// byte is zero, so the packing is unique) in a table indexed by a
// multiplicative hash that puts each of them in a slot of its own (found
// by search; the tests check it), so a test is one multiply and one compare.
const (
	stopBits = 9
	stopMul  = 0xc44afb7916c03101
)

// stopTable is read-only after initialization.
var stopTable = func() (t [1 << stopBits]uint64) {
	for _, w := range stopwords {
		var b [8]byte
		copy(b[:], w)
		k := binary.LittleEndian.Uint64(b[:])
		t[k*stopMul>>(64-stopBits)] = k
	}
	return t
}()

// isStop reports whether tok[:n], n >= 1, is a stop word. A token longer
// than maxStop keeps a sixth byte in the key, which no stop word has.
func isStop(tok *[32]byte, n int) bool {
	k := binary.LittleEndian.Uint64(tok[:8]) & (1<<(8*min(n, 8)) - 1)
	return stopTable[k*stopMul>>(64-stopBits)] == k
}

// stopword reports whether t is one of stopwords.
func stopword(t []byte) bool {
	if len(t) == 0 || len(t) > maxStop {
		return false
	}
	var tok [32]byte
	copy(tok[:], t)
	return isStop(&tok, len(t))
}

// Item adds the features of one browsing item. host is the URL's host (or the
// given domain), path the URL path and query; d splits glued host labels.
func (b *Buffer) Item(d *Dict, host, path, title, summary string) {
	b.Host(d, host)
	b.Text(path, WPath, true)
	b.Text(title, WTitle, true)
	if len(summary) > SummaryHead {
		summary = summary[:SummaryHead]
	}
	b.Text(summary, WSummary, false)
}

// Host adds the labels of host except the public suffix and "www" as words:
// "jobs.example.com" says Job Hunting, "allrecipes.com" says Cooking through
// its character 4-grams. Glued labels are also split into the words of d
// ("hotelsofindia" adds hotel and india), which is what lets a domain never
// seen before count like the title words it is made of.
func (b *Buffer) Host(d *Dict, host string) {
	name := HostName(host)
	b.Text(name, WDomain, true)
	if d == nil || len(d.slots) == 0 {
		return
	}
	for i := 0; i < len(name); {
		if !isLetter(lower(name[i])) {
			i++
			continue
		}
		j := i
		for j < len(name) && isLetter(lower(name[j])) {
			j++
		}
		if j-i >= minSplit && j-i <= maxSplit {
			b.split(d, name[i:j])
		}
		i = j
	}
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' }

// Bounds of the labels that are split: shorter ones are words or acronyms,
// longer ones are rarely glued words.
const (
	minSplit = 6
	maxSplit = 40
	maxWord  = 20
)

// Segmentation costs: every word costs the same, so the split with the fewest
// words wins; a letter left over costs more than a word, so words are
// preferred wherever they fit.
const (
	costWord   = 10
	costLetter = 25
)

// split adds the dictionary words of the least-cost segmentation of the
// lower-case label s (6..40 letters) as domain words. It adds nothing when s
// is itself a word (Text has added it already). Three-letter words count only
// when the segmentation leaves no letter over: in a random label they are
// mostly chance.
func (b *Buffer) split(d *Dict, s string) {
	var cost [maxSplit + 1]int32
	var from [maxSplit + 1]int8 // start of the last piece; -1: a leftover letter
	var lb [maxSplit]byte
	n := len(s)
	for i := 0; i < n; i++ {
		lb[i] = lower(s[i])
	}
	for j := 1; j <= n; j++ {
		cost[j] = cost[j-1] + costLetter
		from[j] = -1
	}
	for i := 0; i < n; i++ {
		h := uint64(offset64)
		h ^= kindWord
		h *= prime64
		for j := i; j < n && j-i < maxWord; j++ {
			h ^= uint64(lb[j])
			h *= prime64
			if j-i+1 < 2 || !d.Has(h) {
				continue
			}
			if c := cost[i] + costWord; c < cost[j+1] {
				cost[j+1], from[j+1] = c, int8(i)
			}
		}
	}
	if from[n] == 0 {
		return // the whole label is one word
	}
	leftover := false
	for j := n; j > 0; {
		if from[j] < 0 {
			leftover = true
			j--
			continue
		}
		j = int(from[j])
	}
	var tok [32]byte
	for j := n; j > 0; {
		if from[j] < 0 {
			j--
			continue
		}
		i := int(from[j])
		w := lb[i:j]
		j = i
		if len(w) < 3 || len(w) == 3 && leftover {
			continue
		}
		m, ok := normalize(tok[:], string(w))
		if !ok || stopword(tok[:m]) {
			continue
		}
		b.add(hashBytes(kindWord, tok[:m]), WDomain)
	}
}

// Dict is a set of words for splitting host labels, stored as 32-bit
// fingerprints of their word hashes in an open-addressing table.
type Dict struct {
	slots []uint32
	shift uint
	// used has a bit per slot, set when the slot is taken. Nineteen in
	// twenty slots are free, so most lookups end in this 16 KB bitmap
	// instead of a cache miss in the 512 KB table.
	used []uint64
}

// DictBits is log2 of the number of slots of a Dict.
const DictBits = 17

// NewDict returns the dictionary of words (lower-case ASCII letters).
func NewDict(words []string) *Dict {
	d := &Dict{slots: make([]uint32, 1<<DictBits), shift: 64 - DictBits}
	for _, w := range words {
		h := hashBytes(kindWord, []byte(w))
		fp := fingerprint(h)
		for i := h >> d.shift; ; i = (i + 1) & (1<<DictBits - 1) {
			if d.slots[i] == fp {
				break
			}
			if d.slots[i] == 0 {
				d.slots[i] = fp
				break
			}
		}
	}
	d.index()
	return d
}

// DictFrom returns the dictionary whose slots are slots, as Slots wrote them.
func DictFrom(slots []uint32) (*Dict, bool) {
	if len(slots) != 1<<DictBits {
		return nil, false
	}
	d := &Dict{slots: slots, shift: 64 - DictBits}
	d.index()
	return d, true
}

func (d *Dict) index() {
	d.used = make([]uint64, len(d.slots)/64)
	for i, fp := range d.slots {
		if fp != 0 {
			d.used[i/64] |= 1 << (i % 64)
		}
	}
}

// Slots returns the table, for encoding.
func (d *Dict) Slots() []uint32 { return d.slots }

func fingerprint(h uint64) uint32 {
	if fp := uint32(h); fp != 0 {
		return fp
	}
	return 1
}

// Has reports whether the word with hash h (hashBytes(kindWord, word)) is in d.
func (d *Dict) Has(h uint64) bool {
	if i := h >> d.shift; d.used[i/64]&(1<<(i%64)) == 0 {
		return false
	}
	fp := fingerprint(h)
	for i := h >> d.shift; ; i = (i + 1) & (1<<DictBits - 1) {
		switch d.slots[i] {
		case fp:
			return true
		case 0:
			return false
		}
	}
}

// Words calls fn with the lower-case words of s that a Dict can hold: tokens
// of 3..20 ASCII letters (a token with a digit or a non-ASCII letter is no
// part of a host label's split).
func Words(s string, fn func(w string)) {
	for i := 0; i < len(s); {
		if !isTokenByte(s[i]) {
			i++
			continue
		}
		j, letters := i, true
		for j < len(s) && isTokenByte(s[j]) {
			letters = letters && isLetter(lower(s[j]))
			j++
		}
		if letters && j-i >= 3 && j-i <= maxWord {
			fn(strings.ToLower(s[i:j]))
		}
		i = j
	}
}

// HostName returns host without "www." and without its ICANN public suffix
// ("com", "co.uk"): the part that names the site. It follows the public
// suffix list for generic TLDs and the usual second-level registries of
// country TLDs; it does not call golang.org/x/net/publicsuffix because that
// allocates on every call (it first tries to parse the host as an IP
// address). The tests check it against publicsuffix on every curated host.
func HostName(host string) string {
	host = strings.TrimPrefix(host, "www.")
	i := strings.LastIndexByte(host, '.')
	if i < 0 {
		return host
	}
	tld := host[i+1:]
	host = host[:i]
	if len(tld) != 2 {
		return host
	}
	j := strings.LastIndexByte(host, '.')
	if j < 0 {
		return host
	}
	switch host[j+1:] {
	case "co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go", "gob", "gouv", "nic", "ltd", "plc", "sch", "nom", "mil", "int", "gv", "in", "ind", "res", "biz", "info":
		return host[:j]
	}
	return host
}

// SplitURL returns the host and the path (with query, without fragment) of
// rawURL without allocating. It accepts URLs with or without a scheme.
func SplitURL(rawURL string) (host, path string) {
	s := rawURL
	if i := strings.Index(s, "://"); i >= 0 && i < 12 {
		s = s[i+3:]
	} else if strings.HasPrefix(s, "//") {
		s = s[2:]
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	end := strings.IndexAny(s, "/?")
	if end < 0 {
		end = len(s)
	}
	host, path = s[:end], s[end:]
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	return host, path
}

// Magic starts every model file; the digit is the format version.
const Magic = "KLEOCLS2"

// TextCap bounds how many weighted feature occurrences the text model counts
// as evidence. Naive Bayes scores grow with the length of the text; capping
// them keeps a long summary from outvoting the site table and the UT1 lists,
// and keeps the confidence meaningful.
const TextCap = 24

// DecisivePrior is the prior (nats) of a decisive curated rule: more than
// the capped text evidence can reach, so the text practically never
// overrules it. A rule with a smaller prior is a hint: the page text decides, and the
// classifier leaves the platform's name out of the text features.
const DecisivePrior = 40

// Kinds of evidence a result rests on, which the confidence is calibrated
// for separately: a curated decisive rule, a curated hint rule, a list entry
// (Mozilla, universities, RSS feeds, UT1), or the text model alone.
const (
	EvidenceSite = iota
	EvidenceHint
	EvidenceList
	EvidenceText
	Evidences
)
