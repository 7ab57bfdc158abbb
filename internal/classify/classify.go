// Package classify assigns one of the 41 Kleo activities to a browsing-history
// item from its domain, URL path, title and the head of its summary.
//
// Four kinds of knowledge are combined additively in log space:
//   - a curated table of popular sites, with path rules for domains that serve
//     several activities (youtube.com/podcasts, bbc.co.uk/sport) and hint
//     rules for platforms and government registries (blogspot.com, gob.mx);
//   - Mozilla's interest rules, the list of university domains, the sites of
//     the RSS feeds and the UT1 category lists, mapped to activities;
//   - a multinomial naive Bayes model over hashed word unigrams, bigrams and
//     character 4-grams, where glued host labels are also split into
//     dictionary words ("hotelsofindia": hotel, india), trained from IAB names,
//     lexicons (with seed words in six languages) and texts.
//
// The confidence is a softmax whose temperature is calibrated on held-out
// items, one per kind of evidence. The model is built by `go generate` from
// the sources in data/ and embedded, so Load needs no files or network.
// Classification does not allocate.
//
// Of the summary only the first feat.SummaryHead (320) bytes are read, in
// feat.Buffer.Item here and in the builder's training texts alike: the head
// carries the topic and the cost of an item grows with the bytes read. The
// evaluation sets cannot price this cap, since none of their summaries is
// longer than 152 bytes. On 10,000 Kleo-shaped items (internal/gen,
// summaries of 200 to 4,000 bytes) a model rebuilt with a smaller cap agrees
// less often with the generator's labels (94.9% at 320 bytes, 94.6% at 256,
// 94.2% at 192, 93.9% at 128) while 192 bytes would save a sixth of the
// time per item, so the cap stays at 320 (docs/classify.md, "Summary cap").
package classify

//go:generate go run ./internal/genmodel -data data -out model.bin

import (
	"context"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify/internal/feat"
)

// Input is one browsing-history item. Domain may be empty; it is then taken
// from the URL.
type Input struct {
	URL, Title, Summary, Domain string
}

// Result is the assigned activity. Confidence is the calibrated probability
// that it is right (0..1); Low is set when Confidence is below LowConfidence. A low result
// is still the best guess and is meant to be kept.
type Result struct {
	Activity   activity.Activity
	Confidence float64
	Low        bool
}

// Classifier assigns an activity to an item.
type Classifier interface {
	Classify(ctx context.Context, in Input) Result
}

// LowConfidence is the confidence under which a result is flagged Low.
const LowConfidence = 0.5

// ErrModel reports a model file that cannot be decoded.
var ErrModel = errors.New("classify: malformed model")

//go:embed model.bin
var embedded []byte

// Model is the compiled classifier. It is immutable and safe for concurrent use.
type Model struct {
	classes [activity.Count]activity.Activity
	missing [activity.Count]float64
	quant   float64
	temps   [feat.Evidences]float64 // softmax temperature per kind of evidence, calibrated by the builder
	shift   uint
	// The model file's (2^bits+1) offsets into its entries, compacted: a
	// bitmap of the buckets with entries, with the count of such buckets
	// before each of its words, and the start of every such bucket. Nine
	// in ten buckets are empty, so this takes a sixth of the offsets'
	// megabyte and more of it stays in cache between items.
	words    []bucketWord
	starts   []uint32 // one per non-empty bucket, then the end of the entries
	postings []uint16 // the entries (class, quantized weight) as class | weight<<8
	sites    []siteRule
	moz      []siteRule // Mozilla's interest rules: a list, below the curated table
	listHash []byte     // n × u64, sorted
	listMeta []byte     // n × (class, prior)
	// hosts has bit h>>(64-hostBits) set for the hash h of every host in
	// sites, moz and the lists: nine in ten hosts and parent domains that
	// no table names are turned away by one load from these 128 KB
	// instead of three binary searches, the list's through 880 KB.
	hosts []uint64
	dict  *feat.Dict
}

// Evidence is the kind of knowledge a result rests on. The confidence is
// calibrated for each kind separately.
type Evidence uint8

// The kinds of evidence, strongest first.
const (
	EvidenceSite Evidence = feat.EvidenceSite // a curated site rule
	EvidenceHint Evidence = feat.EvidenceHint // a curated hint rule; the text decides
	EvidenceList Evidence = feat.EvidenceList // a domain list (Mozilla, universities, RSS feeds, UT1)
	EvidenceText Evidence = feat.EvidenceText // the text model alone
)

// Explanation is what a result is computed from: the score of every
// activity (log space, in activity.All order) and the kind of evidence.
type Explanation struct {
	Scores   [activity.Count]float64
	Evidence Evidence
}

const hostBits = 20

type bucketWord struct {
	bits uint64 // bit i: bucket 64k+i has entries
	rank uint32 // non-empty buckets before bucket 64k
}

type siteRule struct {
	hash  uint64
	path  string
	class uint8
	prior uint8
}

var _ Classifier = (*Model)(nil)

// Load returns the model embedded in the binary.
func Load() (*Model, error) { return New(embedded) }

// New decodes a model built by `go generate`. It keeps references into b,
// which must not change afterwards.
func New(b []byte) (*Model, error) {
	d := decoder{b: b}
	if string(d.next(len(feat.Magic))) != feat.Magic {
		return nil, fmt.Errorf("%w: bad magic", ErrModel)
	}
	m := &Model{}
	if n := d.u32(); n != activity.Count {
		return nil, fmt.Errorf("%w: %d classes, want %d", ErrModel, n, activity.Count)
	}
	for i, want := range activity.All() {
		name := activity.Activity(d.next(int(d.u8())))
		if name != want {
			return nil, fmt.Errorf("%w: class %d is %q, want %q", ErrModel, i, name, want)
		}
		m.classes[i] = name
	}
	for i := range m.missing {
		m.missing[i] = float64(math.Float32frombits(d.u32()))
	}
	m.quant = float64(math.Float32frombits(d.u32()))
	for i := range m.temps {
		m.temps[i] = float64(math.Float32frombits(d.u32()))
		if !(m.temps[i] > 0) {
			return nil, fmt.Errorf("%w: temperature %v", ErrModel, m.temps[i])
		}
	}
	hashBits := d.u32()
	if hashBits == 0 || hashBits > 28 {
		return nil, fmt.Errorf("%w: %d hash bits", ErrModel, hashBits)
	}
	m.shift = uint(64 - hashBits)
	offsets := d.next(4 * ((1 << hashBits) + 1))
	entries := d.next(2 * int(d.u32()))
	m.sites = d.rules()
	m.moz = d.rules()
	n := int(d.u32())
	m.listHash = d.next(8 * n)
	m.listMeta = d.next(2 * n)
	slots := make([]uint32, 1<<feat.DictBits)
	for i := range slots {
		slots[i] = d.u32()
	}
	if d.err != nil {
		return nil, d.err
	}
	m.dict, _ = feat.DictFrom(slots)
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrModel, len(d.b))
	}
	for i := 0; i < len(entries); i += 2 {
		if int(entries[i]) >= activity.Count {
			return nil, fmt.Errorf("%w: class index out of range", ErrModel)
		}
	}
	if last := binary.LittleEndian.Uint32(offsets[len(offsets)-4:]); int(last) != len(entries)/2 {
		return nil, fmt.Errorf("%w: offsets do not cover the entries", ErrModel)
	}
	if !m.index(offsets, entries) {
		return nil, fmt.Errorf("%w: offsets not sorted", ErrModel)
	}
	for _, r := range append(slices.Clip(m.sites), m.moz...) {
		if int(r.class) >= activity.Count {
			return nil, fmt.Errorf("%w: site class out of range", ErrModel)
		}
	}
	for i := 0; i < len(m.listMeta); i += 2 {
		if int(m.listMeta[i]) >= activity.Count {
			return nil, fmt.Errorf("%w: list class out of range", ErrModel)
		}
	}
	m.hosts = make([]uint64, 1<<hostBits/64)
	for _, r := range append(slices.Clip(m.sites), m.moz...) {
		m.addHost(r.hash)
	}
	for i := 0; i < len(m.listHash); i += 8 {
		m.addHost(binary.LittleEndian.Uint64(m.listHash[i:]))
	}
	return m, nil
}

// index builds words, starts and postings from the model file's offsets
// and entries, and reports whether the offsets are sorted.
func (m *Model) index(offsets, entries []byte) bool {
	le := binary.LittleEndian
	nb := len(offsets)/4 - 1
	m.words = make([]bucketWord, (nb+63)/64)
	m.starts = make([]uint32, 0, len(entries)/2+1)
	lo := le.Uint32(offsets)
	for i := 0; i < nb; i++ {
		hi := le.Uint32(offsets[4*i+4:])
		if hi != lo {
			if hi < lo {
				return false
			}
			m.words[i>>6].bits |= 1 << (i & 63)
			m.starts = append(m.starts, lo)
		}
		lo = hi
	}
	m.starts = slices.Clip(append(m.starts, lo))
	var rank uint32
	for i := range m.words {
		m.words[i].rank = rank
		rank += uint32(bits.OnesCount64(m.words[i].bits))
	}
	m.postings = make([]uint16, len(entries)/2)
	for i := range m.postings {
		m.postings[i] = le.Uint16(entries[2*i:])
	}
	return true
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) next(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		if d.err == nil {
			d.err = fmt.Errorf("%w: truncated", ErrModel)
		}
		return make([]byte, max(n, 0))
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// rules decodes a rule table; a count the input cannot hold is truncation.
func (d *decoder) rules() []siteRule {
	n := d.u32()
	if d.err != nil || int(n) > len(d.b)/11 {
		if d.err == nil {
			d.err = fmt.Errorf("%w: truncated", ErrModel)
		}
		return nil
	}
	rs := make([]siteRule, n)
	for i := range rs {
		h := d.u64()
		c, p := d.u8(), d.u8()
		rs[i] = siteRule{hash: h, class: c, prior: p, path: string(d.next(int(d.u8())))}
	}
	return rs
}

func (d *decoder) u8() uint8   { return d.next(1)[0] }
func (d *decoder) u32() uint32 { return binary.LittleEndian.Uint32(d.next(4)) }
func (d *decoder) u64() uint64 { return binary.LittleEndian.Uint64(d.next(8)) }

// Classify returns the most likely activity of in. It never fails: an item
// with no usable signal gets a low-confidence guess.
func (m *Model) Classify(_ context.Context, in Input) Result {
	var s [activity.Count]float64
	ev := m.score(in, &s)
	best := 0
	for c := range s {
		if s[c] > s[best] {
			best = c
		}
	}
	t := m.temps[ev]
	var z float64
	for c := range s {
		// Terms below exp(-20) change the confidence by less than 1e-8
		// each: skip the call.
		if d := (s[c] - s[best]) / t; d > -20 {
			z += math.Exp(d)
		}
	}
	conf := 1 / z
	return Result{Activity: m.classes[best], Confidence: conf, Low: conf < LowConfidence}
}

// Explain returns the scores Classify decides from, and the kind of
// evidence whose temperature turns them into a confidence. The model builder
// calibrates with it.
func (m *Model) Explain(in Input) Explanation {
	var e Explanation
	e.Evidence = m.score(in, &e.Scores)
	return e
}

func (m *Model) score(in Input, s *[activity.Count]float64) Evidence {
	host, path := feat.SplitURL(in.URL)
	if host == "" {
		host = in.Domain
	}
	ev, n := m.prior(host, path, s)
	var buf feat.Buffer
	if ev == EvidenceHint {
		// On a platform whose pages span topics (youtube.com, blogspot.com)
		// the hint prior already says what the platform leans to; counting
		// its name again would drown the title. What comes before the
		// platform's name is the blog's own ("lakersnation.blogspot.com").
		host = strings.TrimSuffix(host[:len(host)-n], ".")
	}
	buf.Item(m.dict, host, path, in.Title, in.Summary)
	m.text(&buf, s)
	return ev
}

// text adds the naive Bayes log-likelihoods of the features in buf to s.
// It sums quantized integer weights and converts once at the end, which is
// what keeps an item within a few microseconds.
//
// In the processor the model's tables are mostly out of cache when an item
// arrives, so the walk is laid out for the memory: the first loop looks up
// every feature's bucket and reads its first entry, so that the cache
// misses of all features are under way at once, and merges the features
// that repeat (a quarter of them: a title word again in the summary, a
// 4-gram of two words), summing their weights; the second loop adds each
// bucket's entries once. The sums are of uint32 products, so neither the
// order nor the merging changes them.
func (m *Model) text(buf *feat.Buffer, s *[activity.Count]float64) {
	type span struct {
		lo, hi uint32 // the bucket's entries
		w      uint32 // summed weight of its features
		first  uint16 // postings[lo]
	}
	var (
		slots [256]uint8 // 1 + index into spans; 0: free
		spans [255]span
		n     int
		total uint32
		// 256 slots so that indexing by a class byte needs no bounds
		// check; New has verified that every class byte is below
		// activity.Count.
		acc [256]uint32
	)
	words, starts, postings := m.words, m.starts, m.postings
	weights := buf.Weight[:buf.N]
	for i, h := range buf.Hash[:buf.N] {
		b := h >> m.shift
		wd := &words[b>>6]
		bit := uint64(1) << (b & 63)
		if wd.bits&bit == 0 {
			continue // out of vocabulary: no evidence either way
		}
		r := wd.rank + uint32(bits.OnesCount64(wd.bits&(bit-1)))
		lo, hi := starts[r], starts[r+1]
		sp := span{lo, hi, uint32(weights[i]), postings[lo]}
		total += sp.w
		for j := uint8(r * 0x9E3779B1 >> 24); ; j++ {
			k := slots[j]
			if k == 0 {
				if n < len(spans) {
					spans[n] = sp
					n++
					slots[j] = uint8(n)
				} else {
					addSpan(&acc, postings, sp.lo, sp.hi, sp.w)
				}
				break
			}
			if spans[k-1].lo == lo {
				spans[k-1].w += sp.w
				break
			}
		}
	}
	for _, sp := range spans[:n] {
		acc[uint8(sp.first)] += sp.w * uint32(sp.first>>8)
		addSpan(&acc, postings, sp.lo+1, sp.hi, sp.w)
	}
	scale := 1.0
	if t := float64(total); t > feat.TextCap {
		scale = feat.TextCap / t
	}
	for c := range s {
		s[c] += (float64(acc[c])*m.quant + float64(total)*m.missing[c]) * scale
	}
}

// addSpan adds w times the weights of postings[lo:hi] to acc.
func addSpan(acc *[256]uint32, postings []uint16, lo, hi, w uint32) {
	for _, e := range postings[lo:hi] {
		acc[uint8(e)] += w * uint32(e>>8)
	}
}

func (m *Model) addHost(h uint64) {
	i := h >> (64 - hostBits)
	m.hosts[i/64] |= 1 << (i % 64)
}

// mayHave reports whether a table may hold the host with hash h.
func (m *Model) mayHave(h uint64) bool {
	i := h >> (64 - hostBits)
	return m.hosts[i/64]&(1<<(i%64)) != 0
}

// prior adds the boost of the most specific curated rule matching host and
// path or, failing that, of Mozilla's rules, or of the domain list that names
// the host or one of its parent domains, and says which it was and how long
// the matched host is.
func (m *Model) prior(host, path string, s *[activity.Count]float64) (Evidence, int) {
	if c, p, n, ok := m.match(m.sites, host, path); ok {
		s[c] += float64(p)
		if p < feat.DecisivePrior {
			return EvidenceHint, n
		}
		return EvidenceSite, n
	}
	if c, p, n, ok := m.match(m.moz, host, path); ok {
		s[c] += float64(p)
		return EvidenceList, n
	}
	// Walking down to the last label needs no public suffix list: the
	// builder keeps public suffixes out of the lists, and the curated
	// table names one only on purpose (gov.uk).
	for cand := host; cand != ""; {
		if h := feat.HashString(cand); m.mayHave(h) {
			if c, p, ok := m.list(h); ok {
				s[c] += float64(p)
				return EvidenceList, len(cand)
			}
		}
		i := strings.IndexByte(cand, '.')
		if i < 0 {
			break
		}
		cand = cand[i+1:]
	}
	return EvidenceText, 0
}

// match returns the class and prior of the rule for the most specific host
// (host, then its parent domains) that has a rule matching path, and the
// length of that host.
func (m *Model) match(rules []siteRule, host, path string) (class int, prior uint8, n int, ok bool) {
	for cand := host; cand != ""; {
		if h := feat.HashString(cand); m.mayHave(h) {
			if r, ok := rule(rules, h, path); ok {
				return int(r.class), r.prior, len(cand), true
			}
		}
		i := strings.IndexByte(cand, '.')
		if i < 0 {
			break
		}
		cand = cand[i+1:]
	}
	return 0, 0, 0, false
}

// rule returns the first rule of the host with hash h that matches path.
func rule(rules []siteRule, h uint64, path string) (siteRule, bool) {
	lo, hi := 0, len(rules)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if rules[mid].hash < h {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for i := lo; i < len(rules) && rules[i].hash == h; i++ {
		if pathHasPrefix(path, rules[i].path) {
			return rules[i], true
		}
	}
	return siteRule{}, false
}

// pathHasPrefix reports whether path starts with the rule's prefix,
// case-insensitively and at a segment boundary.
func pathHasPrefix(path, prefix string) bool {
	if len(path) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		a, b := path[i], prefix[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	if len(path) == len(prefix) || prefix == "" || prefix[len(prefix)-1] == '/' {
		return true
	}
	switch path[len(prefix)] {
	case '/', '?', '.', '#':
		return true
	}
	return false
}

// list returns the class and prior of the list entry for the host with
// hash h.
func (m *Model) list(h uint64) (class int, prior uint8, ok bool) {
	le := binary.LittleEndian
	lo, hi := 0, len(m.listHash)/8
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if le.Uint64(m.listHash[8*mid:]) < h {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(m.listHash)/8 && le.Uint64(m.listHash[8*lo:]) == h {
		return int(m.listMeta[2*lo]), m.listMeta[2*lo+1], true
	}
	return 0, 0, false
}

// TextOnly returns a copy of m without the curated site table and the
// domain lists: the naive Bayes text model alone. It exists to measure how
// much each kind of knowledge contributes.
func (m *Model) TextOnly() *Model {
	c := *m
	c.sites, c.moz, c.listHash, c.listMeta = nil, nil, nil, nil
	return &c
}
