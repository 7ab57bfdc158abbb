// Package classify assigns one of the 41 Kleo activities to a browsing-history
// item from its domain, URL path, title and the head of its summary.
//
// Three kinds of knowledge are combined additively in log space:
//   - a curated table of popular sites, with path rules for domains that serve
//     several activities (youtube.com/podcasts, reddit.com/r/cooking);
//   - the UT1 category lists (games, shopping, press, ...), mapped to activities;
//   - a multinomial naive Bayes model over hashed word unigrams, bigrams and
//     character 4-grams, trained from IAB-seeded lexicons and curated texts.
//
// The model is built by `go generate` from the sources in data/ and embedded,
// so Load needs no files or network. Classification does not allocate.
package classify

//go:generate go run ./internal/genmodel -data data -out model.bin

import (
	"context"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify/internal/feat"
)

// Input is one browsing-history item. Domain may be empty; it is then taken
// from the URL.
type Input struct {
	URL, Title, Summary, Domain string
}

// Result is the assigned activity. Confidence is the model's probability of
// it (0..1); Low is set when Confidence is below LowConfidence. A low result
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
	temp    float64 // softmax temperature, calibrated by the builder
	shift   uint
	offsets []byte // (2^bits+1) × u32
	entries []byte // pairs (class, quantized weight)
	sites   []siteRule
	ut1Hash []byte // n × u64, sorted
	ut1Meta []byte // n × (class, prior)
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
	m.temp = float64(math.Float32frombits(d.u32()))
	if !(m.temp > 0) {
		return nil, fmt.Errorf("%w: temperature %v", ErrModel, m.temp)
	}
	bits := d.u32()
	if bits == 0 || bits > 28 {
		return nil, fmt.Errorf("%w: %d hash bits", ErrModel, bits)
	}
	m.shift = uint(64 - bits)
	m.offsets = d.next(4 * ((1 << bits) + 1))
	m.entries = d.next(2 * int(d.u32()))
	m.sites = make([]siteRule, d.u32())
	for i := range m.sites {
		h := d.u64()
		c, p := d.u8(), d.u8()
		m.sites[i] = siteRule{hash: h, class: c, prior: p, path: string(d.next(int(d.u8())))}
	}
	n := int(d.u32())
	m.ut1Hash = d.next(8 * n)
	m.ut1Meta = d.next(2 * n)
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrModel, len(d.b))
	}
	for i := 0; i < len(m.entries); i += 2 {
		if int(m.entries[i]) >= activity.Count {
			return nil, fmt.Errorf("%w: class index out of range", ErrModel)
		}
	}
	if last := binary.LittleEndian.Uint32(m.offsets[len(m.offsets)-4:]); int(last) != len(m.entries)/2 {
		return nil, fmt.Errorf("%w: offsets do not cover the entries", ErrModel)
	}
	for i := 1; i < len(m.offsets)/4; i++ {
		if binary.LittleEndian.Uint32(m.offsets[4*i:]) < binary.LittleEndian.Uint32(m.offsets[4*i-4:]) {
			return nil, fmt.Errorf("%w: offsets not sorted", ErrModel)
		}
	}
	for i := range m.sites {
		if int(m.sites[i].class) >= activity.Count {
			return nil, fmt.Errorf("%w: site class out of range", ErrModel)
		}
	}
	for i := 0; i < len(m.ut1Meta); i += 2 {
		if int(m.ut1Meta[i]) >= activity.Count {
			return nil, fmt.Errorf("%w: UT1 class out of range", ErrModel)
		}
	}
	return m, nil
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

func (d *decoder) u8() uint8   { return d.next(1)[0] }
func (d *decoder) u32() uint32 { return binary.LittleEndian.Uint32(d.next(4)) }
func (d *decoder) u64() uint64 { return binary.LittleEndian.Uint64(d.next(8)) }

// Classify returns the most likely activity of in. It never fails: an item
// with no usable signal gets a low-confidence guess.
func (m *Model) Classify(_ context.Context, in Input) Result {
	host, path := feat.SplitURL(in.URL)
	if host == "" {
		host = in.Domain
	}
	var s [activity.Count]float64
	hint := m.prior(host, path, &s)
	var buf feat.Buffer
	if hint {
		// On a platform whose pages span topics (youtube.com, medium.com)
		// the hint prior already says what the platform leans to; counting
		// its name again would drown the title.
		buf.Item("", path, in.Title, in.Summary)
	} else {
		buf.Item(host, path, in.Title, in.Summary)
	}
	m.text(&buf, &s)

	best := 0
	for c := range s {
		if s[c] > s[best] {
			best = c
		}
	}
	var z float64
	for c := range s {
		// Terms below exp(-20) change the confidence by less than 1e-8
		// each: skip the call.
		if d := (s[c] - s[best]) / m.temp; d > -20 {
			z += math.Exp(d)
		}
	}
	conf := 1 / z
	return Result{Activity: m.classes[best], Confidence: conf, Low: conf < LowConfidence}
}

// text adds the naive Bayes log-likelihoods of the features in buf to s.
// It sums quantized integer weights and converts once at the end, which is
// what keeps an item within a few microseconds.
func (m *Model) text(buf *feat.Buffer, s *[activity.Count]float64) {
	le := binary.LittleEndian
	// 256 slots so that indexing by a class byte needs no bounds check; New
	// has verified that every class byte is below activity.Count.
	var acc [256]uint32
	var total uint32
	offs, ents := m.offsets, m.entries
	weights := buf.Weight[:buf.N]
	for i, h := range buf.Hash[:buf.N] {
		b := int(h>>m.shift) * 4
		lo, hi := int(le.Uint32(offs[b:])), int(le.Uint32(offs[b+4:]))
		if lo == hi {
			continue // out of vocabulary: no evidence either way
		}
		w := uint32(weights[i])
		total += w
		e := ents[2*lo : 2*hi]
		for j := 0; j+1 < len(e); j += 2 {
			acc[e[j]] += w * uint32(e[j+1])
		}
	}
	scale := 1.0
	if t := float64(total); t > feat.TextCap {
		scale = feat.TextCap / t
	}
	for c := range s {
		s[c] += (float64(acc[c])*m.quant + float64(total)*m.missing[c]) * scale
	}
}

// prior adds the boost of the most specific curated site rule matching host
// and path or, failing that, of the UT1 list that names the host or one of its
// parent domains.
//
// It reports whether the boost came from a curated hint rule: a site whose
// pages span activities, where the text should decide.
func (m *Model) prior(host, path string, s *[activity.Count]float64) (hint bool) {
	if c, p, ok := m.siteMatch(host, path); ok {
		s[c] += float64(p)
		return p < feat.DecisivePrior
	}
	// Walking down to the last label needs no public suffix list: the
	// builder keeps public suffixes out of the UT1 table, and the curated
	// table names one only on purpose (gov.uk).
	for cand := host; cand != ""; {
		if c, p, ok := m.ut1(cand); ok {
			s[c] += float64(p)
			return false
		}
		i := strings.IndexByte(cand, '.')
		if i < 0 {
			break
		}
		cand = cand[i+1:]
	}
	return false
}

// siteMatch returns the class and prior of the curated rule for the most
// specific host (host, then its parent domains) that has a rule matching path.
func (m *Model) siteMatch(host, path string) (class int, prior uint8, ok bool) {
	for cand := host; cand != ""; {
		if r, ok := m.site(cand, path); ok {
			return int(r.class), r.prior, true
		}
		i := strings.IndexByte(cand, '.')
		if i < 0 {
			break
		}
		cand = cand[i+1:]
	}
	return 0, 0, false
}

func (m *Model) site(host, path string) (siteRule, bool) {
	h := feat.HashString(host)
	lo, hi := 0, len(m.sites)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if m.sites[mid].hash < h {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for i := lo; i < len(m.sites) && m.sites[i].hash == h; i++ {
		if pathHasPrefix(path, m.sites[i].path) {
			return m.sites[i], true
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

func (m *Model) ut1(host string) (class int, prior uint8, ok bool) {
	le := binary.LittleEndian
	h := feat.HashString(host)
	lo, hi := 0, len(m.ut1Hash)/8
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if le.Uint64(m.ut1Hash[8*mid:]) < h {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(m.ut1Hash)/8 && le.Uint64(m.ut1Hash[8*lo:]) == h {
		return int(m.ut1Meta[2*lo]), m.ut1Meta[2*lo+1], true
	}
	return 0, 0, false
}

// TextOnly returns a copy of m without the curated site table and the UT1
// lists: the naive Bayes text model alone. It exists to measure how much
// each kind of knowledge contributes.
func (m *Model) TextOnly() *Model {
	c := *m
	c.sites, c.ut1Hash, c.ut1Meta = nil, nil, nil
	return &c
}

// KnownSite reports whether a curated site rule applies to in.
func (m *Model) KnownSite(in Input) bool {
	host, path := feat.SplitURL(in.URL)
	if host == "" {
		host = in.Domain
	}
	_, _, ok := m.siteMatch(host, path)
	return ok
}
