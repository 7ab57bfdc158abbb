// Package train builds the classifier model from the sources in
// internal/classify/data: the curated site table, the UT1 category mapping,
// the IAB-seeded lexicons and the training texts. The output depends only on
// those files, so `go generate` reproduces the embedded model byte for byte.
package train

import (
	"bufio"
	"bytes"
	"encoding/binary"
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
	"github.com/kleo-network/kleo-stream/internal/classify/internal/feat"
	"golang.org/x/net/publicsuffix"
)

// Tunables of the model. They are part of the build, not of the data.
const (
	// Bits is log2 of the number of hash buckets of the text model.
	Bits = 18
	// Alpha is the additive (Lidstone) smoothing of naive Bayes.
	Alpha = 0.3
	// Quant is the quantization step of the per-class feature weights (nats).
	Quant = 1.0 / 16
	// SitePrior is the default boost (nats) of a curated site rule.
	SitePrior = feat.DecisivePrior
)

// ErrData reports a malformed source file.
var ErrData = errors.New("train: bad model data")

// Build reads the sources from data and returns the encoded model.
func Build(data fs.FS) ([]byte, error) {
	b := &builder{data: data, class: map[activity.Activity]int{}}
	for i, a := range activity.All() {
		b.class[a] = i
	}
	b.counts = make([][activity.Count]uint32, 1<<Bits)
	steps := []func() error{b.readSites, b.readUT1, b.readIAB, b.readLexicon, b.readTexts}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return b.encode(), nil
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

type ut1Entry struct {
	hash  uint64
	class uint8
	prior uint8
}

type builder struct {
	data   fs.FS
	class  map[activity.Activity]int
	counts [][activity.Count]uint32
	sites  []siteRule
	known  map[string]bool // hosts in the site table
	ut1s   []ut1Entry
	docs   [activity.Count]int
	texts  []doc // the train.tsv documents, for calibration
}

type doc struct {
	class int
	feats []feat.Feature
}

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

// learn adds the features in buf as one training document of class c.
func (b *builder) learn(c int, buf *feat.Buffer) {
	for i, h := range buf.Hash[:buf.N] {
		b.counts[h>>(64-Bits)][c] += uint32(buf.Weight[i])
	}
	b.docs[c]++
}

// readSites reads sites.tsv: "host[/path]<TAB>Activity[<TAB>prior nats]". A
// rule with the default prior is also a training document (its host labels
// and path), so similar unseen domains lean the same way. Host labels shared
// by rules of different activities (google, youtube, reddit) name platforms,
// not topics, and are left out of those documents.
func (b *builder) readSites() error {
	b.known = map[string]bool{}
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
		host, p, _ := strings.Cut(pat, "/")
		if host == "" || strings.ContainsAny(host, " :@") || strings.Contains(host, "..") {
			return fmt.Errorf("%w: bad host %q", ErrData, host)
		}
		if p != "" {
			p = "/" + p
		}
		b.known[host] = true
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
		var buf feat.Buffer
		buf.Text(strings.Join(kept, "."), feat.WDomain, true)
		buf.Text(d.path, feat.WPath, true)
		b.learn(d.class, &buf)
	}
	return nil
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
	taken := map[string]bool{}
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
		return b.lines(path.Join("ut1", f[0], "domains"), func(_ int, d []string) error {
			dom := strings.ToLower(strings.TrimSpace(d[0]))
			if dom == "" || taken[dom] || b.known[dom] || keep != nil && !keep.MatchString(dom) || checkHost(dom) != nil {
				return nil
			}
			taken[dom] = true
			b.ut1s = append(b.ut1s, ut1Entry{feat.HashString(dom), uint8(c), uint8(prior)})
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
				var buf feat.Buffer
				buf.Text(nd.name, feat.WTitle, true)
				b.learn(c, &buf)
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
				var buf feat.Buffer
				buf.Text(p, feat.WTitle, true)
				b.learn(c, &buf)
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
		var buf feat.Buffer
		if len(f) > 2 && f[2] != "" {
			host, p := feat.SplitURL(f[2])
			buf.Host(host)
			buf.Text(p, feat.WPath, true)
		}
		buf.Text(f[1], feat.WTitle, true)
		b.learn(c, &buf)
		b.texts = append(b.texts, doc{c, buf.Features()})
		return nil
	})
}

// encode writes the model (all integers little-endian):
//
//	magic, u32 classes, per class: u8 len + name
//	f32 missing[classes]      NB log P(unseen feature | class)
//	f32 quant, f32 temperature, u32 bits
//	u32 offsets[2^bits+1], u32 n, n × (u8 class, u8 weight/quant)
//	u32 sites, per rule: u64 host hash, u8 class, u8 prior, u8 len + path
//	u32 ut1, u64 hashes[ut1] (sorted), ut1 × (u8 class, u8 prior)
func (b *builder) encode() []byte {
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
	put32(math.Float32bits(float32(b.temperature())))
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

	slices.SortFunc(b.sites, func(x, y siteRule) int {
		if x.hash != y.hash {
			if x.hash < y.hash {
				return -1
			}
			return 1
		}
		// Longest path first, so the first matching rule is the most specific.
		if len(x.path) != len(y.path) {
			return len(y.path) - len(x.path)
		}
		return strings.Compare(x.path, y.path)
	})
	put32(uint32(len(b.sites)))
	for _, s := range b.sites {
		w.Write(le.AppendUint64(nil, s.hash))
		w.WriteByte(byte(s.class))
		w.WriteByte(s.prior)
		w.WriteByte(byte(len(s.path)))
		w.WriteString(s.path)
	}

	slices.SortFunc(b.ut1s, func(x, y ut1Entry) int {
		switch {
		case x.hash < y.hash:
			return -1
		case x.hash > y.hash:
			return 1
		}
		return int(x.class) - int(y.class)
	})
	b.ut1s = slices.CompactFunc(b.ut1s, func(x, y ut1Entry) bool { return x.hash == y.hash })
	put32(uint32(len(b.ut1s)))
	for _, e := range b.ut1s {
		w.Write(le.AppendUint64(nil, e.hash))
	}
	for _, e := range b.ut1s {
		w.WriteByte(e.class)
		w.WriteByte(e.prior)
	}
	return w.Bytes()
}

// Folds is the number of cross-validation folds used for calibration.
const Folds = 5

// temperature calibrates the confidence: naive Bayes log-odds are far too
// sharp, so the runtime divides scores by a temperature before the softmax.
// It is chosen to minimise the log loss of held-out training texts in a
// Folds-fold cross-validation; the evaluation set plays no part.
func (b *builder) temperature() float64 {
	var scores [][activity.Count]float64
	var labels []int
	for k := 0; k < Folds; k++ {
		b.fold(k, func(c int, s [activity.Count]float64) {
			scores = append(scores, s)
			labels = append(labels, c)
		})
	}
	best, bestLoss := 1.0, math.Inf(1)
	for _, t := range []float64{0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32} {
		var loss float64
		for i, s := range scores {
			loss -= logSoftmax(s, t, labels[i])
		}
		if loss < bestLoss {
			best, bestLoss = t, loss
		}
	}
	return best
}

// HeldOut returns the cross-validated top-1 accuracy of the text model on
// the training texts (without the site table and UT1).
func HeldOut(data fs.FS) (float64, error) {
	b := &builder{data: data, class: map[activity.Activity]int{}}
	for i, a := range activity.All() {
		b.class[a] = i
	}
	b.counts = make([][activity.Count]uint32, 1<<Bits)
	for _, step := range []func() error{b.readSites, b.readUT1, b.readIAB, b.readLexicon, b.readTexts} {
		if err := step(); err != nil {
			return 0, err
		}
	}
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
