package gen

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kleo-network/kleo-stream/internal/activity"
)

// A template is text with {slot} fill-ins, compiled once so that expanding
// it costs no allocation and no map look-up. {slot:slug} writes the value
// lower-cased with hyphens (for URL paths), {slot:q} with '+' for spaces
// (for query strings). Within one scope a slot keeps its value, so a title
// and its URL agree.
type template []seg

type seg struct {
	lit  string // literal text when slot < 0
	slot int32
	form uint8
}

const (
	formRaw = iota
	formSlug
	formQuery
)

// wordList is a slot's values with their URL forms precomputed.
type wordList struct{ raw, slug, query []string }

// slotDef is a named slot: a word list or a generator of values.
type slotDef struct {
	name string
	list *wordList
	gen  func(r *rand.Rand, dst []byte) []byte
}

type page struct {
	url, title, head template
}

type site struct {
	host  string
	pages []page
}

type theme struct {
	act   activity.Activity
	sites []site
	fill  []template
}

// corpus is the compiled, read-only set of templates.
type corpus struct {
	slots  []slotDef
	themes []theme // in activity.All() order
	chrome []template
	pii    [numPIIKinds][]template
	// URL query parameters and title suffixes that carry PII.
	piiParams, piiTitles []template
	emailParam           template
}

// compiler builds a corpus. Theme-local word lists shadow global ones.
type compiler struct {
	c      *corpus
	global map[string]int32
	local  map[string]int32
}

func newCompiler() *compiler {
	cp := &compiler{c: &corpus{}, global: map[string]int32{}}
	// Sorted, so that slot numbers do not depend on map order.
	for _, name := range slices.Sorted(maps.Keys(globalWords)) {
		cp.global[name] = cp.addList(name, globalWords[name])
	}
	// Second names for templates that mention two people.
	cp.global["first2"] = cp.addList("first2", globalWords["first"])
	cp.global["last2"] = cp.addList("last2", globalWords["last"])
	for _, name := range slices.Sorted(maps.Keys(generators)) {
		cp.global[name] = cp.add(slotDef{name: name, gen: generators[name]})
	}
	return cp
}

func (cp *compiler) add(d slotDef) int32 {
	cp.c.slots = append(cp.c.slots, d)
	return int32(len(cp.c.slots) - 1)
}

func (cp *compiler) addList(name, pipeSeparated string) int32 {
	vals := strings.Split(pipeSeparated, "|")
	wl := &wordList{raw: vals, slug: make([]string, len(vals)), query: make([]string, len(vals))}
	for i, v := range vals {
		checkText(name, v, false)
		if strings.ContainsAny(v, "{}") {
			panic(fmt.Sprintf("gen: word %q of %s contains a slot", v, name))
		}
		wl.slug[i] = slugify(v)
		wl.query[i] = strings.ReplaceAll(v, " ", "+")
	}
	return cp.add(slotDef{name: name, list: wl})
}

// compile parses s. multiline allows '\n' (page text); titles and URLs
// must be single lines.
func (cp *compiler) compile(s string, multiline bool) template {
	checkText("template", s, multiline)
	var t template
	for len(s) > 0 {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			t = append(t, seg{lit: s, slot: -1})
			break
		}
		if i > 0 {
			t = append(t, seg{lit: s[:i], slot: -1})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			panic(fmt.Sprintf("gen: unclosed slot in %q", s))
		}
		name, form := s[i+1:i+j], uint8(formRaw)
		if n, f, ok := strings.Cut(name, ":"); ok {
			name = n
			switch f {
			case "slug":
				form = formSlug
			case "q":
				form = formQuery
			default:
				panic(fmt.Sprintf("gen: unknown slot form %q in %q", f, s))
			}
		}
		id, ok := cp.local[name]
		if !ok {
			id, ok = cp.global[name]
		}
		if !ok {
			panic(fmt.Sprintf("gen: unknown slot {%s} in %q", name, s))
		}
		t = append(t, seg{slot: id, form: form})
		s = s[i+j+1:]
	}
	return t
}

// checkText enforces what lets the generator write templates into JSON
// without escaping: no quote, backslash or control character, except '\n'
// in multi-line page text.
func checkText(what, s string, multiline bool) {
	if !utf8.ValidString(s) {
		panic(fmt.Sprintf("gen: %s %q is not UTF-8", what, s))
	}
	for _, r := range s {
		if r == '"' || r == '\\' || r < 0x20 && !(multiline && r == '\n') || r == 0x7f {
			panic(fmt.Sprintf("gen: %s %q contains %q", what, s, r))
		}
	}
}

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case r == '\'' || r == '.':
		case r > 0x7f:
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// expander expands templates for one generator. A scope is a generation
// number: slots bound in the current scope keep their value.
type expander struct {
	c     *corpus
	rng   *rand.Rand
	scope uint32
	bound []uint32 // scope in which each slot was bound
	pick  []int32  // list index, or arena start
	end   []int32  // arena end for generated values
	arena []byte
}

func newExpander(c *corpus, rng *rand.Rand) *expander {
	n := len(c.slots)
	return &expander{c: c, rng: rng, bound: make([]uint32, n), pick: make([]int32, n), end: make([]int32, n)}
}

// newScope forgets all bindings. reset also drops the arena (per record).
func (x *expander) newScope() { x.scope++ }
func (x *expander) reset() {
	x.scope++
	x.arena = x.arena[:0]
}

func (x *expander) expand(dst []byte, t template) []byte {
	for i := range t {
		s := &t[i]
		if s.slot < 0 {
			dst = append(dst, s.lit...)
			continue
		}
		dst = x.value(dst, s.slot, s.form)
	}
	return dst
}

func (x *expander) value(dst []byte, slot int32, form uint8) []byte {
	d := &x.c.slots[slot]
	if x.bound[slot] != x.scope {
		x.bound[slot] = x.scope
		if d.list != nil {
			x.pick[slot] = int32(x.rng.IntN(len(d.list.raw)))
		} else {
			x.pick[slot] = int32(len(x.arena))
			x.arena = d.gen(x.rng, x.arena)
			x.end[slot] = int32(len(x.arena))
		}
	}
	if d.list == nil {
		return append(dst, x.arena[x.pick[slot]:x.end[slot]]...)
	}
	switch form {
	case formSlug:
		return append(dst, d.list.slug[x.pick[slot]]...)
	case formQuery:
		return append(dst, d.list.query[x.pick[slot]]...)
	}
	return append(dst, d.list.raw[x.pick[slot]]...)
}

// listValue returns the bound (or a newly bound) value of a list slot.
func (x *expander) listValue(slot int32) string {
	d := &x.c.slots[slot]
	if x.bound[slot] != x.scope {
		x.bound[slot] = x.scope
		x.pick[slot] = int32(x.rng.IntN(len(d.list.raw)))
	}
	return d.list.raw[x.pick[slot]]
}

// buildCorpus compiles the template tables. It panics on a malformed
// template: the tables are code, and every test exercises them.
func buildCorpus() *corpus {
	cp := newCompiler()
	byAct := map[activity.Activity]*themeDef{}
	for i := range themeDefs {
		td := &themeDefs[i]
		if byAct[td.act] != nil {
			panic(fmt.Sprintf("gen: two themes for %q", td.act))
		}
		byAct[td.act] = td
	}
	for _, a := range activity.All() {
		td := byAct[a]
		if td == nil {
			panic(fmt.Sprintf("gen: no theme for %q", a))
		}
		cp.local = map[string]int32{}
		for _, name := range slices.Sorted(maps.Keys(td.words)) {
			cp.local[name] = cp.addList(string(td.act)+"."+name, td.words[name])
		}
		th := theme{act: a}
		for _, sd := range td.sites {
			s := site{host: sd.host}
			for _, pd := range sd.pages {
				url := pd.url
				if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
					url = "https://" + sd.host + url
				}
				s.pages = append(s.pages, page{
					url:   cp.compile(url, false),
					title: cp.compile(pd.title, false),
					head:  cp.compile(pd.head, true),
				})
			}
			th.sites = append(th.sites, s)
		}
		for _, f := range td.fill {
			th.fill = append(th.fill, cp.compile(f, true))
		}
		if len(th.sites) == 0 || len(th.fill) == 0 {
			panic(fmt.Sprintf("gen: theme %q has no sites or no filler", a))
		}
		cp.c.themes = append(cp.c.themes, th)
	}
	cp.local = nil
	for _, s := range chromeLines {
		cp.c.chrome = append(cp.c.chrome, cp.compile(s, true))
	}
	for k, lines := range piiLines {
		for _, s := range lines {
			cp.c.pii[k] = append(cp.c.pii[k], cp.compile(s, false))
		}
	}
	for k := range numPIIKinds {
		if len(cp.c.pii[k]) == 0 {
			panic(fmt.Sprintf("gen: no summary line for PII kind %d", k))
		}
	}
	for _, p := range piiURLParams {
		cp.c.piiParams = append(cp.c.piiParams, cp.compile(p.name+"={"+p.slot+"}", false))
	}
	for _, s := range piiTitleSuffixes {
		cp.c.piiTitles = append(cp.c.piiTitles, cp.compile(s, false))
	}
	cp.c.emailParam = cp.compile("email={email}", false)
	return cp.c
}
