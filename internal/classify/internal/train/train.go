// Package train builds the classifier model from the sources in
// internal/classify/data: the curated site table, Mozilla's interest rules,
// the university domains, the RSS feeds, the UT1 lists, the IAB names, the
// lexicons, the training texts and the public-API descriptions; the held-out
// calibration items set the temperatures. The output depends only on those
// files (and this code), so `go generate` reproduces the embedded model byte
// for byte.
package train

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/classify/internal/feat"
	"golang.org/x/net/publicsuffix"
)

// Tunables of the model. They are part of the build, not of the data.
const (
	// Bits is log2 of the number of hash buckets of the text model.
	Bits = 18
	// Alpha is the additive (Lidstone) smoothing of naive Bayes.
	Alpha = 0.1
	// Quant is the quantization step of the per-class feature weights (nats).
	Quant = 1.0 / 16
	// PriorScale multiplies the priors written in the sources for hint rules
	// and lists (2..10 nats, chosen on the scale of an older, smoother text
	// model). It is the one knob set on the calibration items (their
	// accuracy), see docs/classify.md.
	PriorScale = 2
	// SitePrior is the default boost (nats) of a curated site rule.
	SitePrior = feat.DecisivePrior
)

// ErrData reports a malformed source file.
var ErrData = errors.New("train: bad model data")

// Sources returns the names of the model's sources, for Options.Without: the
// curated site table, the UT1 lists, the IAB names, the lexicons, the
// training texts, Mozilla's interest rules, the RSS feed list, the public-API
// descriptions, the university domains, and the calibration items.
func Sources() []string {
	return []string{"sites", "ut1", "iab", "lexicon", "train", "mozilla", "rss", "apis", "univ", "calib"}
}

// Options select what goes into a build; the zero value builds the shipped
// model.
type Options struct {
	// Without leaves the named sources out, to measure what each adds.
	// Without "calib" the confidence is left uncalibrated (temperature 1).
	Without []string
}

func (o Options) uses(name string) bool { return !slices.Contains(o.Without, name) }

// Build reads the sources from data and returns the encoded model.
func Build(data fs.FS) ([]byte, error) { return BuildWith(data, Options{}) }

// BuildWith is Build with options.
func BuildWith(data fs.FS, opt Options) ([]byte, error) {
	b, err := read(data, opt)
	if err != nil {
		return nil, err
	}
	b.train()
	temps := [feat.Evidences]float64{1, 1, 1, 1}
	if opt.uses("calib") {
		if temps, err = b.calibrate(); err != nil {
			return nil, err
		}
	}
	return b.encode(temps), nil
}

// read parses every source used by opt into training documents.
func read(data fs.FS, opt Options) (*builder, error) {
	for _, w := range opt.Without {
		if !slices.Contains(Sources(), w) {
			return nil, fmt.Errorf("%w: unknown source %q", ErrData, w)
		}
	}
	b := &builder{data: data, opt: opt, class: map[activity.Activity]int{}, known: map[string]bool{}, taken: map[string]bool{}}
	for i, a := range activity.All() {
		b.class[a] = i
	}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"sites", b.readSites}, {"mozilla", b.readMozilla}, {"univ", b.readUniv}, {"rss", b.readRSS},
		{"ut1", b.readUT1}, {"iab", b.readIAB}, {"lexicon", b.readLexicon}, {"train", b.readTexts},
		{"apis", b.readAPIs}, {"calib", b.readCalib},
	}
	for _, st := range steps {
		if !opt.uses(st.name) {
			continue
		}
		if err := st.fn(); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// WriteFile builds the model from the directory dataDir and writes it to out.
func WriteFile(dataDir, out string) error {
	m, err := Build(os.DirFS(dataDir))
	if err != nil {
		return err
	}
	return os.WriteFile(out, m, 0o644)
}

type siteRule struct {
	hash  uint64
	host  string
	path  string
	class int
	prior uint8
}

type listEntry struct {
	hash  uint64
	class uint8
	prior uint8
}

// A tdoc is one training document before feature extraction, which waits
// until the splitting dictionary is known.
type tdoc struct {
	class   int
	labels  string // host labels used as they are (curated rules)
	host    string // a host whose labels are split with the dictionary
	path    string
	title   string
	summary string
	cv      bool // a training text, held out in cross-validation
}

type builder struct {
	data   fs.FS
	opt    Options
	class  map[activity.Activity]int
	counts [][activity.Count]uint32
	dict   *feat.Dict
	sites  []siteRule      // curated
	moz    []siteRule      // Mozilla's rules, a list
	known  map[string]bool // hosts with a rule in either table
	taken  map[string]bool // hosts in the hashed lists
	lists  []listEntry
	tdocs  []tdoc
	calib  []calibItem
	texts  []doc // the train.tsv documents, for cross-validation
}

type doc struct {
	class int
	feats []feat.Feature
}

// Caps on the domain documents one list adds per activity: tens of
// thousands of shop or game domains would otherwise swamp the text evidence
// of their activity.
const domainDocsPer = 400

// lines calls fn with the fields of each non-blank, non-comment line of a
// tab-separated file.
func (b *builder) lines(name string, fn func(lineNo int, f []string) error) error {
	raw, err := fs.ReadFile(b.data, name)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := fn(n, strings.Split(line, "\t")); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	return sc.Err()
}

func (b *builder) activity(name string) (int, error) {
	c, ok := b.class[activity.Activity(strings.TrimSpace(name))]
	if !ok {
		return 0, fmt.Errorf("%w: unknown activity %q", ErrData, name)
	}
	return c, nil
}

// features extracts the features of d with the builder's dictionary.
func (b *builder) features(d tdoc, buf *feat.Buffer) {
	buf.Reset()
	if d.labels != "" {
		buf.Text(d.labels, feat.WDomain, true)
	}
	if d.host != "" {
		buf.Host(b.dict, d.host)
	}
	buf.Text(d.path, feat.WPath, true)
	buf.Text(d.title, feat.WTitle, true)
	s := d.summary
	if len(s) > feat.SummaryHead {
		s = s[:feat.SummaryHead]
	}
	buf.Text(s, feat.WSummary, false)
}

// train builds the splitting dictionary from the words of every document,
// then counts the features of every document.
func (b *builder) train() {
	seen := map[string]bool{}
	var words []string
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	// Glue words that domains use between topic words ("hotelsofindia").
	for _, w := range []string{"of", "my", "tv", "the", "and", "for", "your", "our", "best", "online", "world", "city"} {
		add(w)
	}
	for _, d := range b.tdocs {
		feat.Words(d.labels, add)
		feat.Words(d.title, add)
		feat.Words(d.summary, add)
	}
	b.dict = feat.NewDict(words)
	b.counts = make([][activity.Count]uint32, 1<<Bits)
	var buf feat.Buffer
	for _, d := range b.tdocs {
		b.features(d, &buf)
		for i, h := range buf.Hash[:buf.N] {
			b.counts[h>>(64-Bits)][d.class] += uint32(buf.Weight[i])
		}
		if d.cv {
			b.texts = append(b.texts, doc{d.class, buf.Features()})
		}
	}
}

// readSites reads sites.tsv: "host[/path]<TAB>Activity[<TAB>prior nats]". A
// rule with the default prior is also a training document (its host labels
// and path), so similar unseen domains lean the same way. Host labels shared
// by rules of different activities (google, youtube, reddit) name platforms,
// not topics, and are left out of those documents.
func (b *builder) readSites() error {
	seen := map[string]bool{}
	type learnable struct {
		class      int
		host, path string
	}
	var docs []learnable
	labels := map[string]map[int]bool{}
	err := b.lines("sites.tsv", func(_ int, f []string) error {
		if len(f) < 2 {
			return fmt.Errorf("%w: want pattern<TAB>activity", ErrData)
		}
		pat := strings.ToLower(strings.TrimSpace(f[0]))
		if seen[pat] {
			return fmt.Errorf("%w: duplicate site %q", ErrData, pat)
		}
		seen[pat] = true
		c, err := b.activity(f[1])
		if err != nil {
			return err
		}
		prior := SitePrior
		if len(f) > 2 {
			if prior, err = strconv.Atoi(strings.TrimSpace(f[2])); err != nil || prior < 0 || prior > 255 {
				return fmt.Errorf("%w: bad prior %q", ErrData, f[2])
			}
		}
		host, p, err := splitPattern(pat)
		if err != nil {
			return err
		}
		b.known[host] = true
		if prior < SitePrior {
			prior = min(prior*PriorScale, SitePrior-1)
		}
		b.sites = append(b.sites, siteRule{feat.HashString(host), host, p, c, uint8(prior)})
		for _, l := range strings.Split(feat.HostName(host), ".") {
			if labels[l] == nil {
				labels[l] = map[int]bool{}
			}
			labels[l][c] = true
		}
		if prior >= SitePrior {
			docs = append(docs, learnable{c, host, p})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range docs {
		var kept []string
		for _, l := range strings.Split(feat.HostName(d.host), ".") {
			if len(labels[l]) == 1 {
				kept = append(kept, l)
			}
		}
		b.tdocs = append(b.tdocs, tdoc{class: d.class, labels: strings.Join(kept, "."), path: d.path})
	}
	return nil
}

func splitPattern(pat string) (host, path string, err error) {
	host, p, _ := strings.Cut(pat, "/")
	if host == "" || strings.ContainsAny(host, " :@") || strings.Contains(host, "..") {
		return "", "", fmt.Errorf("%w: bad host %q", ErrData, host)
	}
	if p != "" {
		p = "/" + strings.TrimSuffix(p, "/")
	}
	return host, p, nil
}

// Priors (nats) of the list sources: weaker than a curated rule, so the page
// text can overrule them, as it must for lists ten years old.
const (
	MozillaPrior = 3
	UnivPrior    = 4
	RSSPrior     = 3
)

// readMozilla reads mozilla/domains.tsv: "host[/path]<TAB>Activity", the
// rules of Mozilla's Interest Dashboard. Hosts curated in sites.tsv keep
// their curated rule.
func (b *builder) readMozilla() error {
	per := map[int]int{}
	return b.lines("mozilla/domains.tsv", func(_ int, f []string) error {
		if len(f) < 2 {
			return fmt.Errorf("%w: want pattern<TAB>activity", ErrData)
		}
		c, err := b.activity(f[1])
		if err != nil {
			return err
		}
		host, p, err := splitPattern(strings.ToLower(strings.TrimSpace(f[0])))
		if err != nil {
			return err
		}
		if b.known[host] && p == "" || checkHost(host) != nil {
			return nil
		}
		b.moz = append(b.moz, siteRule{feat.HashString(host), host, p, c, MozillaPrior * PriorScale})
		if p == "" && per[c] < domainDocsPer {
			per[c]++
			b.tdocs = append(b.tdocs, tdoc{class: c, host: host})
		}
		return nil
	})
}

// list adds host to the hashed lists unless a rule or an earlier list has it.
func (b *builder) list(host string, c, prior int) bool {
	if host == "" || b.taken[host] || b.known[host] || checkHost(host) != nil {
		return false
	}
	b.taken[host] = true
	b.lists = append(b.lists, listEntry{feat.HashString(host), uint8(c), uint8(prior * PriorScale)})
	return true
}

// readUniv reads univ/domains.txt, one university domain per line.
func (b *builder) readUniv() error {
	c := b.class[activity.Education]
	n := 0
	return b.lines("univ/domains.txt", func(_ int, f []string) error {
		host := strings.ToLower(strings.TrimSpace(f[0]))
		if b.list(host, c, UnivPrior) && n < domainDocsPer {
			n++
			b.tdocs = append(b.tdocs, tdoc{class: c, host: host})
		}
		return nil
	})
}

// readRSS reads rss/feeds.tsv: "Activity<TAB>title<TAB>description[<TAB>host]".
// Every feed is a training document; its host, where it names the site, is
// also a list entry.
func (b *builder) readRSS() error {
	return b.lines("rss/feeds.tsv", func(_ int, f []string) error {
		if len(f) < 2 {
			return fmt.Errorf("%w: want activity<TAB>title[<TAB>description<TAB>host]", ErrData)
		}
		c, err := b.activity(f[0])
		if err != nil {
			return err
		}
		d := tdoc{class: c, title: f[1]}
		if len(f) > 2 {
			d.summary = f[2]
		}
		if len(f) > 3 && f[3] != "" {
			host := strings.ToLower(strings.TrimSpace(f[3]))
			b.list(host, c, RSSPrior)
			d.host = host
		}
		b.tdocs = append(b.tdocs, d)
		return nil
	})
}

// readAPIs reads publicapis/apis.tsv: "Activity<TAB>name<TAB>description".
// The hosts are API documentation, so only the text is used.
func (b *builder) readAPIs() error {
	return b.lines("publicapis/apis.tsv", func(_ int, f []string) error {
		if len(f) < 3 {
			return fmt.Errorf("%w: want activity<TAB>name<TAB>description", ErrData)
		}
		c, err := b.activity(f[0])
		if err != nil {
			return err
		}
		b.tdocs = append(b.tdocs, tdoc{class: c, summary: f[1] + ". " + f[2]})
		return nil
	})
}

// checkHost rejects UT1 entries that cannot name a site: malformed ones and
// ICANN public suffixes such as "co.uk", which would otherwise label every
// site under them. (The curated table may name a suffix on purpose, such as
// "gov.uk".) Private suffixes like "blogspot.com" are accepted.
func checkHost(host string) error {
	if host == "" || strings.ContainsAny(host, " /:@") || strings.Contains(host, "..") {
		return fmt.Errorf("%w: bad host %q", ErrData, host)
	}
	if ps, icann := publicsuffix.PublicSuffix(host); ps == host && icann {
		return fmt.Errorf("%w: %q is a public suffix", ErrData, host)
	}
	return nil
}

// readUT1 reads ut1map.tsv: "category<TAB>Activity<TAB>prior[<TAB>keep-regexp]"
// and the listed categories' domains. A domain in several mapped categories
// keeps the first mapping in file order (the more specific lists come first).
func (b *builder) readUT1() error {
	return b.lines("ut1map.tsv", func(_ int, f []string) error {
		if len(f) < 3 {
			return fmt.Errorf("%w: want category<TAB>activity<TAB>prior", ErrData)
		}
		c, err := b.activity(f[1])
		if err != nil {
			return err
		}
		prior, err := strconv.Atoi(f[2])
		if err != nil || prior < 0 || prior > 255 {
			return fmt.Errorf("%w: bad prior %q", ErrData, f[2])
		}
		var keep *regexp.Regexp
		if len(f) > 3 && f[3] != "" {
			if keep, err = regexp.Compile(f[3]); err != nil {
				return fmt.Errorf("%w: %w", ErrData, err)
			}
		}
		n := 0
		return b.lines(path.Join("ut1", f[0], "domains"), func(_ int, d []string) error {
			dom := strings.ToLower(strings.TrimSpace(d[0]))
			if keep != nil && !keep.MatchString(dom) {
				return nil
			}
			if b.list(dom, c, prior) && n < domainDocsPer/4 {
				n++
				b.tdocs = append(b.tdocs, tdoc{class: c, host: dom})
			}
			return nil
		})
	})
}

// readIAB reads iabmap.tsv: "IAB unique id<TAB>Activity" maps that node and its
// descendants; "-" as the activity excludes a subtree. Every mapped node's
// name becomes a lexicon phrase of its activity.
func (b *builder) readIAB() error {
	mapping := map[string]string{}
	if err := b.lines("iabmap.tsv", func(_ int, f []string) error {
		if len(f) < 2 {
			return fmt.Errorf("%w: want id<TAB>activity", ErrData)
		}
		if f[1] != "-" {
			if _, err := b.activity(f[1]); err != nil {
				return err
			}
		}
		mapping[strings.TrimSpace(f[0])] = strings.TrimSpace(f[1])
		return nil
	}); err != nil {
		return err
	}
	parent := map[string]string{}
	type node struct{ id, name string }
	var nodes []node
	if err := b.lines("iab/content-taxonomy-3.1.tsv", func(n int, f []string) error {
		if n <= 2 || len(f) < 3 {
			return nil // two header rows
		}
		parent[f[0]] = f[1]
		nodes = append(nodes, node{f[0], f[2]})
		return nil
	}); err != nil {
		return err
	}
	for _, nd := range nodes {
		for id := nd.id; id != ""; id = parent[id] {
			a, ok := mapping[id]
			if !ok {
				continue
			}
			if a != "-" {
				c, _ := b.activity(a)
				b.tdocs = append(b.tdocs, tdoc{class: c, title: nd.name})
			}
			break
		}
	}
	return nil
}

// readLexicon reads lexicon.tsv: "Activity<TAB>phrase; phrase; ...".
func (b *builder) readLexicon() error {
	return b.lines("lexicon.tsv", func(_ int, f []string) error {
		if len(f) < 2 {
			return fmt.Errorf("%w: want activity<TAB>phrases", ErrData)
		}
		c, err := b.activity(f[0])
		if err != nil {
			return err
		}
		for _, p := range strings.Split(f[1], ";") {
			if p = strings.TrimSpace(p); p != "" {
				b.tdocs = append(b.tdocs, tdoc{class: c, title: p})
			}
		}
		return nil
	})
}

// readTexts reads train.tsv: "Activity<TAB>title-like text[<TAB>url]".
func (b *builder) readTexts() error {
	return b.lines("train.tsv", func(_ int, f []string) error {
		if len(f) < 2 {
			return fmt.Errorf("%w: want activity<TAB>text", ErrData)
		}
		c, err := b.activity(f[0])
		if err != nil {
			return err
		}
		d := tdoc{class: c, title: f[1], cv: true}
		if len(f) > 2 && f[2] != "" {
			d.host, d.path = feat.SplitURL(f[2])
		}
		b.tdocs = append(b.tdocs, d)
		return nil
	})
}

// calibItem is one labeled item of calib.jsonl.
type calibItem struct {
	URL      string            `json:"url"`
	Title    string            `json:"title"`
	Summary  string            `json:"summary"`
	Domain   string            `json:"domain"`
	Activity activity.Activity `json:"activity"`
}

// readCalib reads calib.jsonl, labeled browsing items that train nothing:
// they only set the temperatures.
func (b *builder) readCalib() error {
	raw, err := fs.ReadFile(b.data, "calib.jsonl")
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	for n, line := range bytes.Split(raw, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var it calibItem
		if err := json.Unmarshal(line, &it); err != nil {
			return fmt.Errorf("calib.jsonl:%d: %w: %w", n+1, ErrData, err)
		}
		if _, ok := b.class[it.Activity]; !ok {
			return fmt.Errorf("calib.jsonl:%d: %w: unknown activity %q", n+1, ErrData, it.Activity)
		}
		b.calib = append(b.calib, it)
	}
	return nil
}

// calibrate chooses one softmax temperature per kind of evidence (curated
// rule, curated hint, list entry, text alone) that minimises the log loss of
// the calibration items under the model built so far. The kinds need their
// own: a curated rule's 12 nats mean something else than naive Bayes counts.
func (b *builder) calibrate() ([feat.Evidences]float64, error) {
	temps := [feat.Evidences]float64{1, 1, 1, 1}
	m, err := classify.New(b.encode(temps))
	if err != nil {
		return temps, err
	}
	type scored struct {
		s [activity.Count]float64
		y int
	}
	var by [feat.Evidences][]scored
	for _, it := range b.calib {
		y := b.class[it.Activity]
		e := m.Explain(classify.Input{URL: it.URL, Title: it.Title, Summary: it.Summary, Domain: it.Domain})
		by[e.Evidence] = append(by[e.Evidence], scored{e.Scores, y})
		if e.Evidence != classify.EvidenceText {
			// The same page on a site the model does not know: most
			// calibration items are on known sites, most of the web is not.
			e := m.Explain(classify.Input{Title: it.Title, Summary: it.Summary})
			by[e.Evidence] = append(by[e.Evidence], scored{e.Scores, y})
		}
	}
	for k, items := range by {
		if len(items) < minCalib {
			// Too few to fit: borrow the temperature of text alone, the
			// broadest kind, below.
			temps[k] = 0
			continue
		}
		best, bestLoss := 1.0, math.Inf(1)
		for t := 0.25; t <= 40; t *= 1.05 {
			var loss float64
			for _, it := range items {
				loss -= logSoftmax(it.s, t, it.y)
			}
			if loss < bestLoss {
				best, bestLoss = t, loss
			}
		}
		temps[k] = math.Round(best*100) / 100
	}
	for k := range temps {
		if temps[k] == 0 {
			temps[k] = max(temps[feat.EvidenceText], 1)
		}
	}
	return temps, nil
}

// minCalib is the fewest calibration items a temperature is fitted on.
const minCalib = 20

// encode writes the model (all integers little-endian):
//
//	magic, u32 classes, per class: u8 len + name
//	f32 missing[classes]      NB log P(unseen feature | class)
//	f32 quant, f32 temperature[evidence kinds], u32 bits
//	u32 offsets[2^bits+1], u32 n, n × (u8 class, u8 weight/quant)
//	curated rules, then Mozilla's: u32 n, per rule: u64 host hash, u8 class,
//	  u8 prior, u8 len + path
//	u32 lists, u64 hashes[lists] (sorted), lists × (u8 class, u8 prior)
//	u32 dictionary slots[2^feat.DictBits]
func (b *builder) encode(temps [feat.Evidences]float64) []byte {
	var w bytes.Buffer
	le := binary.LittleEndian
	put32 := func(v uint32) { w.Write(le.AppendUint32(nil, v)) }
	w.WriteString(feat.Magic)
	put32(activity.Count)
	for _, a := range activity.All() {
		w.WriteByte(byte(len(a)))
		w.WriteString(string(a))
	}

	var total [activity.Count]float64
	vocab := 0
	for i := range b.counts {
		nonzero := false
		for c, n := range b.counts[i] {
			total[c] += float64(n)
			nonzero = nonzero || n > 0
		}
		if nonzero {
			vocab++
		}
	}
	for c := range total {
		// Rounded to 1e-4 nats so that a last-bit difference in math.Log
		// between platforms cannot change the model's bytes.
		missing := math.Round(1e4*math.Log(Alpha/(total[c]+Alpha*float64(vocab)))) / 1e4
		put32(math.Float32bits(float32(missing)))
	}
	put32(math.Float32bits(Quant))
	for _, t := range temps {
		put32(math.Float32bits(float32(t)))
	}
	put32(Bits)
	var entries []byte
	for i := range b.counts {
		put32(uint32(len(entries) / 2))
		for c, n := range b.counts[i] {
			if n == 0 {
				continue
			}
			q := math.Round(math.Log((float64(n)+Alpha)/Alpha) / Quant)
			entries = append(entries, byte(c), byte(min(q, 255)))
		}
	}
	put32(uint32(len(entries) / 2))
	put32(uint32(len(entries) / 2))
	w.Write(entries)

	putRules(&w, b.sites)
	putRules(&w, b.moz)

	slices.SortFunc(b.lists, func(x, y listEntry) int {
		switch {
		case x.hash < y.hash:
			return -1
		case x.hash > y.hash:
			return 1
		}
		return int(x.class) - int(y.class)
	})
	b.lists = slices.CompactFunc(b.lists, func(x, y listEntry) bool { return x.hash == y.hash })
	put32(uint32(len(b.lists)))
	for _, e := range b.lists {
		w.Write(le.AppendUint64(nil, e.hash))
	}
	for _, e := range b.lists {
		w.WriteByte(e.class)
		w.WriteByte(e.prior)
	}
	for _, v := range b.dict.Slots() {
		put32(v)
	}
	return w.Bytes()
}

// putRules writes a rule table sorted by host hash, the longest path first
// so that the first matching rule of a host is the most specific.
func putRules(w *bytes.Buffer, rules []siteRule) {
	le := binary.LittleEndian
	rules = slices.Clone(rules)
	slices.SortFunc(rules, func(x, y siteRule) int {
		if x.hash != y.hash {
			if x.hash < y.hash {
				return -1
			}
			return 1
		}
		if len(x.path) != len(y.path) {
			return len(y.path) - len(x.path)
		}
		return strings.Compare(x.path, y.path)
	})
	rules = slices.CompactFunc(rules, func(x, y siteRule) bool { return x.hash == y.hash && x.path == y.path })
	w.Write(le.AppendUint32(nil, uint32(len(rules))))
	for _, s := range rules {
		w.Write(le.AppendUint64(nil, s.hash))
		w.WriteByte(byte(s.class))
		w.WriteByte(s.prior)
		w.WriteByte(byte(len(s.path)))
		w.WriteString(s.path)
	}
}

// Folds is the number of cross-validation folds of HeldOut.
const Folds = 5

// HeldOut returns the cross-validated top-1 accuracy of the text model on
// the training texts (without the site table and the lists).
func HeldOut(data fs.FS) (float64, error) {
	b, err := read(data, Options{})
	if err != nil {
		return 0, err
	}
	b.train()
	var n, correct int
	for k := 0; k < Folds; k++ {
		b.fold(k, func(c int, s [activity.Count]float64) {
			n++
			if argmax(s) == c {
				correct++
			}
		})
	}
	return float64(correct) / float64(max(n, 1)), nil
}

// fold scores the k-th fold of the training texts with a model trained
// without them.
func (b *builder) fold(k int, fn func(class int, s [activity.Count]float64)) {
	var held []doc
	for i, d := range b.texts {
		if i%Folds == k {
			held = append(held, d)
		}
	}
	b.apply(held, -1)
	defer b.apply(held, +1)
	var total [activity.Count]float64
	vocab := 0
	for i := range b.counts {
		nonzero := false
		for c, n := range b.counts[i] {
			total[c] += float64(n)
			nonzero = nonzero || n > 0
		}
		if nonzero {
			vocab++
		}
	}
	var missing [activity.Count]float64
	for c := range total {
		missing[c] = math.Log(Alpha / (total[c] + Alpha*float64(vocab)))
	}
	for _, d := range held {
		var s [activity.Count]float64
		var w float64
		for _, f := range d.feats {
			row := &b.counts[f.Hash>>(64-Bits)]
			if *row == ([activity.Count]uint32{}) {
				continue
			}
			w += float64(f.Weight)
			for c, n := range row {
				if n > 0 {
					s[c] += float64(f.Weight) * math.Log((float64(n)+Alpha)/Alpha)
				}
			}
		}
		scale := 1.0
		if w > feat.TextCap {
			scale = feat.TextCap / w
		}
		for c := range s {
			s[c] = (s[c] + w*missing[c]) * scale
		}
		fn(d.class, s)
	}
}

func (b *builder) apply(docs []doc, sign int) {
	for _, d := range docs {
		for _, f := range d.feats {
			row := &b.counts[f.Hash>>(64-Bits)]
			row[d.class] = uint32(int(row[d.class]) + sign*int(f.Weight))
		}
	}
}

func argmax(s [activity.Count]float64) int {
	best := 0
	for c := range s {
		if s[c] > s[best] {
			best = c
		}
	}
	return best
}

func logSoftmax(s [activity.Count]float64, t float64, y int) float64 {
	m := s[argmax(s)]
	var z float64
	for _, v := range s {
		z += math.Exp((v - m) / t)
	}
	return (s[y]-m)/t - math.Log(z)
}

// SourceDomains returns the registrable domains (eTLD+1, by the public suffix
// list) that the model's sources name: every host of the site table and of
// the lists, every URL of the training texts and every calibration item. An
// evaluation that is to measure sites the model has never seen must leave
// these out. Public suffixes named on purpose (gov.uk) are rules, not
// domains, and are not returned.
func SourceDomains(data fs.FS) (map[string]bool, error) {
	b, err := read(data, Options{})
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	add := func(host string) {
		if d, ok := Registrable(host); ok {
			out[d] = true
		}
	}
	for _, r := range b.sites {
		add(r.host)
	}
	for _, r := range b.moz {
		add(r.host)
	}
	for _, d := range b.tdocs {
		add(d.host)
	}
	for _, it := range b.calib {
		host, _ := feat.SplitURL(it.URL)
		if host == "" {
			host = it.Domain
		}
		add(host)
	}
	// The lists are kept only as hashes; read their hosts again.
	listed := func(name string) error {
		return b.lines(name, func(_ int, f []string) error {
			add(f[0])
			return nil
		})
	}
	if err := listed("univ/domains.txt"); err != nil {
		return nil, err
	}
	if err := b.lines("ut1map.tsv", func(_ int, f []string) error {
		return listed(path.Join("ut1", f[0], "domains"))
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// Registrable returns the registrable domain of host ("bbc.co.uk" for
// "www.bbc.co.uk"), and false for a public suffix or an empty host.
func Registrable(host string) (string, bool) {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if host == "" {
		return "", false
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return "", false
	}
	return d, true
}
