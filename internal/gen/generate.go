package gen

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"strconv"
	"unicode/utf8"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/eip55"
)

// theCorpus is compiled once and only read afterwards.
var theCorpus = buildCorpus()

// generator holds the state of one Each call.
type generator struct {
	cfg     Config
	kleo    bool // Kleo's production shapes (see Kleo)
	c       *corpus
	acts    []activity.Activity
	src     source
	rng     *rand.Rand
	x       *expander
	servers [3][5]byte // ObjectID "process" bytes of the database's servers
	counter uint32     // ObjectID counter

	logMin, logMax float64 // summary size range, log scale

	// Body text is drawn from sentences expanded once per stream, so that
	// filling a summary is mostly copying.
	fill   [][]text // per theme
	chrome []text

	d   doc // the document being built; its slices reuse the buffers below
	buf struct{ title, url, summary, out, tmp []byte }
}

// fillPool is how many body sentences are expanded per theme and stream.
const fillPool = 128

// text is page text ready to copy into a summary: JSON-escaped, with its
// unescaped length.
type text struct {
	esc string
	raw int
}

func newText(raw []byte) text {
	return text{esc: string(appendEscaped(nil, raw)), raw: len(raw)}
}

// doc is one history document's content.
type doc struct {
	id                    [12]byte
	addr                  string
	title, url, domain    []byte // single lines, nothing to escape in JSON
	summary               []byte // JSON-escaped: line breaks are written \n
	category, subcategory string
	visit                 int64 // ms
	micros                int   // sub-ms part, written only by the $numberDouble form
	create                int64 // s
}

func (d *doc) clone() *doc {
	c := *d
	c.title, c.url, c.domain, c.summary = bytes.Clone(d.title), bytes.Clone(d.url), bytes.Clone(d.domain), bytes.Clone(d.summary)
	return &c
}

type user struct {
	idx       int
	pcg       rand.PCG
	addr      string // lower case
	pkey      string // partition key: the address as the extension sends it
	mixed     bool   // key is EIP-55 mixed case
	eip55     string // EIP-55 spelling of addr
	fav       [4]uint8
	last      int // index of the last activity, -1 at first
	inSession bool
	server    uint8
	left      int   // new items still to send
	visit     int64 // next item's visit, ms
	create    int64 // next item's create_timestamp, s
	key       int64 // next record's upload time, ms: the stream order
	pending   []resend
}

// resend is a duplicate waiting to be sent once left drops to at.
type resend struct {
	at  int
	rec Record // the original record, for an identical re-send
	d   *doc   // its content, for a re-send in another encoding
}

func (u *user) done() bool { return u.left == 0 && len(u.pending) == 0 }

func newGenerator(cfg Config) *generator {
	g := &generator{cfg: cfg, c: theCorpus, acts: activity.All()}
	g.rng = rand.New(&g.src)
	g.x = newExpander(g.c, g.rng)
	g.src.p = rand.NewPCG(uint64(cfg.Seed), 0x6b6c656f2d67656e)
	for i := range g.servers {
		for j := range g.servers[i] {
			g.servers[i][j] = byte(g.rng.Uint32())
		}
	}
	g.counter = uint32(g.rng.IntN(1 << 24))
	g.fill = make([][]text, len(g.c.themes))
	var buf []byte
	for i := range g.c.themes {
		// Distinct sentences only, so a template without slots is not
		// repeated throughout every page.
		seen := map[string]bool{}
		for range 4 * fillPool {
			g.x.newScope()
			buf = g.x.expand(buf[:0], g.c.themes[i].fill[g.rng.IntN(len(g.c.themes[i].fill))])
			if !seen[string(buf)] {
				seen[string(buf)] = true
				g.fill[i] = append(g.fill[i], newText(buf))
			}
			if len(g.fill[i]) == fillPool {
				break
			}
		}
	}
	for _, t := range g.c.chrome {
		g.x.newScope()
		g.chrome = append(g.chrome, newText(g.x.expand(buf[:0], t)))
	}
	lo := max(cfg.SummaryMin, 1)
	g.logMin, g.logMax = math.Log(float64(lo)), math.Log(float64(max(cfg.SummaryMax, lo))+1)
	return g
}

func (g *generator) newUser(i int) *user {
	u := &user{idx: i, last: -1, left: g.cfg.ItemsPerUser}
	u.pcg = *rand.NewPCG(uint64(g.cfg.Seed), uint64(i)*0x9e3779b97f4a7c15+1)
	g.src.p = &u.pcg
	var a [20]byte
	for j := range a {
		a[j] = byte(g.rng.Uint32())
	}
	u.addr = "0x" + hex.EncodeToString(a[:])
	u.eip55 = eip55.Checksum(u.addr)
	u.pkey = u.addr
	if g.rng.IntN(100) < 35 {
		u.pkey, u.mixed = u.eip55, true
	}
	for j := range u.fav {
		u.fav[j] = uint8(g.rng.IntN(len(g.acts)))
	}
	u.server = uint8(g.rng.IntN(len(g.servers)))
	u.visit = g.cfg.StartTime.UnixMilli() + g.rng.Int64N(6*3600*1000)
	u.create = u.visit/1000 + g.syncDelay()
	u.key = u.create*1000 + g.rng.Int64N(1000)
	return u
}

// syncDelay is how long after a visit the extension uploads it, in seconds:
// usually within minutes, sometimes days later (a laptop that was closed).
func (g *generator) syncDelay() int64 {
	switch p := g.rng.IntN(100); {
	case p < 80:
		return 2 + g.rng.Int64N(118)
	case p < 95:
		return 120 + g.rng.Int64N(7080)
	}
	return 7200 + g.rng.Int64N(252000)
}

// advance moves u to its next visit: browsing sessions of short gaps,
// separated by longer breaks.
func (g *generator) advance(u *user) {
	var gap int64
	switch p := g.rng.IntN(100); {
	case p < 70:
		gap, u.inSession = 3_000+g.rng.Int64N(177_000), true
	case p < 95:
		gap, u.inSession = 600_000+g.rng.Int64N(13_800_000), false
	default:
		gap, u.inSession = 14_400_000+g.rng.Int64N(158_400_000), false
	}
	u.visit += gap
	u.create = max(u.create, u.visit/1000+g.syncDelay())
	u.key = max(u.key+1, u.create*1000+g.rng.Int64N(1000))
}

// next produces u's next record: a due duplicate, or its next item.
func (g *generator) next(u *user) Record {
	g.src.p = &u.pcg
	for i, p := range u.pending {
		if p.at >= u.left {
			u.pending = append(u.pending[:i], u.pending[i+1:]...)
			return g.resend(p)
		}
	}
	rec := g.item(u)
	u.left--
	if u.left > 0 {
		g.advance(u)
	}
	return rec
}

func (g *generator) objectID(u *user) [12]byte {
	var id [12]byte
	ts := uint32(u.create)
	id[0], id[1], id[2], id[3] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	copy(id[4:9], g.servers[u.server][:])
	g.counter = (g.counter + 1) & (1<<24 - 1)
	id[9], id[10], id[11] = byte(g.counter>>16), byte(g.counter>>8), byte(g.counter)
	return id
}

func (g *generator) item(u *user) Record {
	g.x.reset()
	d := &g.d
	d.id = g.objectID(u)
	d.addr = u.pkey
	if u.mixed && g.rng.IntN(5) == 0 {
		d.addr = u.addr // the same wallet, sent lower-case this time
	}
	if g.kleo {
		d.addr = u.addr // save-history lower-cases the address
	}
	d.visit, d.create, d.micros = u.visit, u.create, g.rng.IntN(1000)
	rec := Record{PartitionKey: g.partitionKey(u), Address: u.addr, VisitTime: u.visit, ID: hex.EncodeToString(d.id[:])}

	if g.cfg.MalformedRate > 0 && g.rng.Float64() < g.cfg.MalformedRate {
		g.content(g.pickActivity(u), false, -1)
		rec.Malformed = true
		rec.Fault = g.pickFault()
		var valid bool
		rec.Data, valid = g.broken(d, rec.Fault)
		if !valid {
			rec.ID = ""
		}
		return rec
	}
	a := g.pickActivity(u)
	rec.Activity = g.acts[a]
	withPII := g.cfg.PIIRate > 0 && g.rng.Float64() < g.cfg.PIIRate
	rec.PII = g.content(a, withPII, -1)
	g.buf.out = g.writeRecord(g.buf.out[:0], d, g.pickEncoding())
	rec.Data = bytes.Clone(g.buf.out)

	if g.cfg.DuplicateRate > 0 && g.rng.Float64() < g.cfg.DuplicateRate {
		// Sent again after 0 to 8 of the user's next items (u.left is
		// decremented once this item is out).
		r := resend{at: max(u.left-1-g.rng.IntN(9), 0), rec: rec}
		if g.kleo {
			// The trigger firing twice sends the same JSON, perhaps under
			// the other spelling of the key.
			r.rec.PartitionKey = g.partitionKey(u)
		} else if g.rng.IntN(5) < 2 {
			r.d = d.clone()
		}
		u.pending = append(u.pending, r)
	}
	return rec
}

// partitionKey is the key of u's next record. Kleo's trigger does not
// document its key: in Kleo mode each record takes either spelling of the
// wallet, so one user's records spread over shards and lanes.
func (g *generator) partitionKey(u *user) string {
	if !g.kleo {
		return u.pkey
	}
	if g.rng.IntN(2) == 0 {
		return u.eip55
	}
	return u.addr
}

// resend produces a duplicate: the same bytes, or the same document in
// another encoding.
func (g *generator) resend(p resend) Record {
	rec := p.rec
	rec.Duplicate = true
	if p.d == nil {
		rec.Data = bytes.Clone(rec.Data)
		return rec
	}
	g.buf.out = g.writeRecord(g.buf.out[:0], p.d, g.pickEncoding())
	rec.Data = bytes.Clone(g.buf.out)
	return rec
}

// pickActivity returns an index into g.acts: often the activity of the
// current browsing session, else one of the user's favourites, sometimes
// anything.
func (g *generator) pickActivity(u *user) int {
	var a int
	switch p := g.rng.IntN(100); {
	case u.inSession && u.last >= 0 && p < 60:
		a = u.last
	case p < 80:
		w := g.rng.IntN(10) // favourites weighted 4:3:2:1
		switch {
		case w < 4:
			a = int(u.fav[0])
		case w < 7:
			a = int(u.fav[1])
		case w < 9:
			a = int(u.fav[2])
		default:
			a = int(u.fav[3])
		}
	default:
		a = g.rng.IntN(len(g.acts))
	}
	u.last = a
	return a
}

func (g *generator) pickFault() Fault {
	// Oversized records cost a megabyte each, so they are rarer than the
	// others: 1 in 25 malformed records.
	switch p := g.rng.IntN(25); {
	case p < 4:
		return FaultNotJSON
	case p < 8:
		return FaultMissingAddress
	case p < 12:
		return FaultBadAddress
	case p < 16:
		return FaultBadID
	case p < 20:
		return FaultWrongType
	case p < 24:
		return FaultUnknownOperation
	}
	return FaultOversized
}

// encoding is how a valid document is written.
type encoding struct {
	oid    bool  // _id as {"$oid": ...}
	visit  uint8 // visitNumber, visitLong, visitDate, visitDouble, visitFloat or visitFloatDouble
	canon  bool  // create_timestamp as {"$numberInt": ...}
	change bool  // wrapped in a change event
}

const (
	visitNumber = iota
	visitLong
	visitDate
	visitDouble
	// Kleo's visitTime is a double of milliseconds with a fraction (the
	// browser's history API): written as a JSON number, or as canonical
	// Extended JSON.
	visitFloat
	visitFloatDouble
)

// Shares of Kleo's record encodings, in percent: the trigger's JSON of the
// document (_id as a 24-hex string), relaxed Extended JSON (_id as $oid)
// and canonical Extended JSON.
const (
	kleoPlainShare   = 75
	kleoRelaxedShare = 15
)

func (g *generator) pickEncoding() encoding {
	if g.kleo {
		switch p := g.rng.IntN(100); {
		case p < kleoPlainShare:
			return encoding{visit: visitFloat}
		case p < kleoPlainShare+kleoRelaxedShare:
			return encoding{oid: true, visit: visitFloat}
		}
		return encoding{oid: true, visit: visitFloatDouble, canon: true}
	}
	if g.cfg.PlainShape {
		return encoding{}
	}
	var e encoding
	e.oid = g.rng.IntN(100) < 35
	switch p := g.rng.IntN(100); {
	case p < 55:
		e.visit = visitNumber
	case p < 75:
		e.visit = visitLong
	case p < 90:
		e.visit = visitDate
	default:
		e.visit = visitDouble
	}
	e.change = g.rng.IntN(100) < 15
	return e
}

// content fills g.d's text for activity index a and returns the number of
// PII values planted. summarySize < 0 picks a size from the config.
func (g *generator) content(a int, withPII bool, summarySize int) int {
	d, x := &g.d, g.x
	th := &g.c.themes[a]
	s := &th.sites[g.rng.IntN(len(th.sites))]
	p := &s.pages[g.rng.IntN(len(s.pages))]
	g.buf.title = x.expand(g.buf.title[:0], p.title)
	g.buf.url = x.expand(g.buf.url[:0], p.url)
	// The summary is built JSON-escaped, counting its unescaped size.
	g.buf.tmp = x.expand(g.buf.tmp[:0], p.head)
	sum := appendEscaped(g.buf.summary[:0], g.buf.tmp)
	raw := len(g.buf.tmp)

	planted := 0
	if withPII {
		n := 1
		if g.rng.IntN(100) < 30 {
			n++
		}
		if g.rng.IntN(100) < 10 {
			n++
		}
		for range n {
			x.newScope()
			planted++
			k := g.pickPIIKind()
			switch {
			case k == piiToken && g.rng.IntN(5) < 4:
				g.buf.url = g.appendParam(g.buf.url, g.c.piiParams[g.rng.IntN(len(g.c.piiParams))], false)
			case k == piiEmail && g.rng.IntN(100) < 15:
				g.buf.url = g.appendParam(g.buf.url, g.c.emailParam, g.rng.IntN(2) == 0)
			case k == piiEmail && g.rng.IntN(100) < 18:
				g.buf.title = x.expand(g.buf.title, g.c.piiTitles[g.rng.IntN(len(g.c.piiTitles))])
			default:
				lines := g.c.pii[k]
				sum = append(sum, `\n`...)
				n := len(sum)
				sum = x.expand(sum, lines[g.rng.IntN(len(lines))])
				raw += 1 + len(sum) - n
			}
		}
	}

	target := summarySize
	if target < 0 {
		lo, hi := g.cfg.SummaryMin, g.cfg.SummaryMax
		target = int(math.Exp(g.logMin + g.rng.Float64()*(g.logMax-g.logMin)))
		// Trimming may back off up to 3 bytes to keep a rune whole.
		target = clamp(target, min(lo+3, hi), hi)
		target = clamp(target, raw, hi) // keep the head and PII lines whole when they fit
	}
	fill := g.fill[a]
	for raw < target {
		// One draw picks the separator, chrome or body text, and which.
		r := g.rng.Uint64()
		if r&3 == 0 {
			sum = append(sum, `\n`...)
		} else {
			sum = append(sum, ' ')
		}
		t := &fill[(r>>32)*uint64(len(fill))>>32]
		if r>>2&15 == 0 {
			t = &g.chrome[(r>>32)*uint64(len(g.chrome))>>32]
		}
		sum = append(sum, t.esc...)
		raw += 1 + t.raw
		for target > 64<<10 && len(sum) > 16<<10 && raw < target {
			// An oversized page: repeat what there is.
			chunk := trimEscaped(sum[:min(len(sum), target-raw)])
			if len(chunk) == 0 {
				break
			}
			raw += len(chunk) - bytes.Count(chunk, []byte(`\n`))
			sum = append(sum, chunk...)
		}
	}
	sum, _ = cutEscaped(sum, raw, target)
	g.buf.summary = sum

	d.title, d.url, d.summary = g.buf.title, g.buf.url, sum
	d.domain = d.domain[:0]
	if g.rng.IntN(100) < 40 {
		d.domain = hostOf(d.url)
	}
	d.category, d.subcategory = "", ""
	switch p := g.rng.IntN(100); {
	case p < 30:
		d.category = string(g.acts[a])
	case p < 45:
		d.category = coarseCategories[g.rng.IntN(len(coarseCategories))]
	}
	if g.rng.IntN(100) < 15 {
		d.subcategory = subcategories[g.rng.IntN(len(subcategories))]
	}
	return planted
}

var (
	coarseCategories = []string{"Technology", "Entertainment", "Lifestyle", "Finance", "Other"}
	subcategories    = []string{"Article", "Video", "Product", "Forum", "Tool", "Profile"}
)

func (g *generator) pickPIIKind() piiKind {
	total := 0
	for _, w := range piiWeights {
		total += w
	}
	p := g.rng.IntN(total)
	for k, w := range piiWeights {
		if p < w {
			return piiKind(k)
		}
		p -= w
	}
	return piiEmail
}

// appendParam adds a query parameter to url; encodeAt writes '@' as %40.
func (g *generator) appendParam(url []byte, t template, encodeAt bool) []byte {
	if bytes.IndexByte(url, '?') >= 0 {
		url = append(url, '&')
	} else {
		url = append(url, '?')
	}
	start := len(url)
	url = g.x.expand(url, t)
	if encodeAt {
		if i := bytes.IndexByte(url[start:], '@'); i >= 0 {
			g.buf.tmp = append(g.buf.tmp[:0], url[start+i+1:]...)
			url = append(append(url[:start+i], "%40"...), g.buf.tmp...)
		}
	}
	return url
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// cutEscaped shortens JSON-escaped text s of raw unescaped bytes to at
// most n unescaped bytes, without splitting an escape or a rune, and
// returns it with its new unescaped size.
func cutEscaped(s []byte, raw, n int) ([]byte, int) {
	for raw > n {
		if l := len(s); l >= 2 && s[l-2] == '\\' && s[l-1] == 'n' {
			s = s[:l-2]
		} else {
			s = s[:l-1]
		}
		raw--
	}
	t := trimEscaped(s)
	return t, raw - (len(s) - len(t))
}

// trimEscaped drops a split escape or rune from the end of s.
func trimEscaped(s []byte) []byte {
	if l := len(s); l > 0 && s[l-1] == '\\' {
		s = s[:l-1]
	}
	i := len(s) - 1
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	if i >= 0 && !utf8.FullRune(s[i:]) {
		s = s[:i]
	}
	return s
}

func hostOf(url []byte) []byte {
	rest := url
	if i := bytes.Index(rest, []byte("://")); i >= 0 {
		rest = rest[i+3:]
	}
	if i := bytes.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

const upperHex = "0123456789ABCDEF"

// writeRecord writes d as a record payload in encoding e.
func (g *generator) writeRecord(dst []byte, d *doc, e encoding) []byte {
	if !e.change {
		return g.writeDoc(dst, d, e, override{})
	}
	dst = g.changeHeader(dst, d, "insert")
	dst = append(dst, `,"fullDocument":`...)
	dst = g.writeDoc(dst, d, e, override{})
	dst = append(dst, `,"documentKey":{"_id":{"$oid":"`...)
	dst = hex.AppendEncode(dst, d.id[:])
	dst = append(dst, `"}},"ns":{"db":"kleo","coll":"history"},"clusterTime":`...)
	dst = appendTimestamp(dst, d.create, g.rng.IntN(20)+1)
	return append(dst, '}')
}

// changeHeader opens a change event: resume token and operation type.
func (g *generator) changeHeader(dst []byte, d *doc, op string) []byte {
	dst = append(dst, `{"_id":{"_data":"82`...)
	t := uint32(d.create)
	for i := 28; i >= 0; i -= 4 {
		dst = append(dst, upperHex[t>>uint(i)&15])
	}
	dst = append(dst, "000000012B022C0100296E5A1004"...)
	for range 32 {
		dst = append(dst, upperHex[g.rng.IntN(16)])
	}
	dst = append(dst, "46645F6964006"...)
	for _, b := range d.id {
		dst = append(dst, upperHex[b>>4], upperHex[b&15])
	}
	dst = append(dst, `0004"},"operationType":"`...)
	dst = append(dst, op...)
	return append(dst, '"')
}

func appendTimestamp(dst []byte, t int64, i int) []byte {
	dst = append(dst, `{"$timestamp":{"t":`...)
	dst = strconv.AppendInt(dst, t, 10)
	dst = append(dst, `,"i":`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	return append(dst, "}}"...)
}

// override replaces one field's JSON value, or drops the field when raw
// is "".
type override struct {
	field string
	raw   string
}

// writeDoc writes the history document with the field order of the real
// items.
func (g *generator) writeDoc(dst []byte, d *doc, e encoding, ov override) []byte {
	dst = append(dst, '{')
	first := true
	key := func(name string) bool {
		if ov.field == name {
			if ov.raw == "" {
				return false
			}
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, `":`...)
		if ov.field == name {
			dst = append(dst, ov.raw...)
			return false
		}
		return true
	}
	if key("_id") {
		if e.oid {
			dst = append(dst, `{"$oid":"`...)
			dst = hex.AppendEncode(dst, d.id[:])
			dst = append(dst, `"}`...)
		} else {
			dst = append(dst, '"')
			dst = hex.AppendEncode(dst, d.id[:])
			dst = append(dst, '"')
		}
	}
	if key("address") {
		dst = appendQuoted(dst, d.addr)
	}
	if key("create_timestamp") {
		if e.canon {
			dst = append(dst, `{"$numberInt":"`...)
			dst = strconv.AppendInt(dst, d.create, 10)
			dst = append(dst, `"}`...)
		} else {
			dst = strconv.AppendInt(dst, d.create, 10)
		}
	}
	if key("title") {
		dst = appendString(dst, d.title)
	}
	if key("category") {
		dst = appendQuoted(dst, d.category)
	}
	if key("subcategory") {
		dst = appendQuoted(dst, d.subcategory)
	}
	if key("url") {
		dst = appendString(dst, d.url)
	}
	if key("domain") {
		dst = appendString(dst, d.domain)
	}
	if key("summary") {
		dst = append(dst, '"')
		dst = append(dst, d.summary...)
		dst = append(dst, '"')
	}
	if key("visitTime") {
		switch e.visit {
		case visitLong:
			dst = append(dst, `{"$numberLong":"`...)
			dst = strconv.AppendInt(dst, d.visit, 10)
			dst = append(dst, `"}`...)
		case visitDate:
			dst = append(dst, `{"$date":{"$numberLong":"`...)
			dst = strconv.AppendInt(dst, d.visit, 10)
			dst = append(dst, `"}}`...)
		case visitDouble:
			dst = append(dst, `{"$numberDouble":"`...)
			dst = strconv.AppendInt(dst, d.visit, 10)
			dst = append(dst, '.')
			if d.micros%2 == 0 {
				dst = append(dst, '0')
			} else {
				dst = append(dst, byte('0'+d.micros/100), byte('0'+d.micros/10%10), byte('0'+d.micros%10))
			}
			dst = append(dst, `"}`...)
		case visitFloat:
			dst = strconv.AppendFloat(dst, d.visitFloat(), 'f', -1, 64)
		case visitFloatDouble:
			dst = append(dst, `{"$numberDouble":"`...)
			dst = appendCanonicalDouble(dst, d.visitFloat())
			dst = append(dst, `"}`...)
		default:
			dst = strconv.AppendInt(dst, d.visit, 10)
		}
	}
	return append(dst, '}')
}

// visitFloat is the visit as Kleo stores it: milliseconds with the
// browser's sub-millisecond fraction (micros/1000; 0 for one visit in 1000).
func (d *doc) visitFloat() float64 { return float64(d.visit) + float64(d.micros)/1000 }

// appendCanonicalDouble writes v as canonical Extended JSON's $numberDouble
// string: the shortest round-trip digits, with ".0" when integral.
func appendCanonicalDouble(dst []byte, v float64) []byte {
	n := len(dst)
	dst = strconv.AppendFloat(dst, v, 'f', -1, 64)
	if bytes.IndexByte(dst[n:], '.') < 0 {
		dst = append(dst, ".0"...)
	}
	return dst
}

// appendString writes s, which holds nothing to escape, as a JSON string.
func appendString(dst, s []byte) []byte {
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendEscaped writes page text escaped for a JSON string. Template text
// needs no escaping (checkText guarantees it) except its line breaks.
func appendEscaped(dst, s []byte) []byte {
	for {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, `\n`...)
		s = s[i+1:]
	}
	return append(dst, s...)
}

// appendQuoted writes a string that holds nothing to escape.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// broken builds the payload of a malformed record from g.d and reports
// whether it still carries the document's valid _id.
func (g *generator) broken(d *doc, f Fault) ([]byte, bool) {
	out := g.buf.out[:0]
	enc := g.pickEncoding()
	validID := true
	switch f {
	case FaultNotJSON:
		validID = false
		switch g.rng.IntN(6) {
		case 0: // cut off mid-way
			out = g.writeRecord(out, d, enc)
			out = out[:1+g.rng.IntN(len(out)-1)]
		case 1:
			out = append(out, notJSONTexts[g.rng.IntN(len(notJSONTexts))]...)
		case 2: // gzip-compressed by mistake: gzip magic, then noise
			out = append(out, 0x1f, 0x8b, 0x08, 0x00)
			for range 16 + g.rng.IntN(240) {
				out = append(out, byte(g.rng.Uint32()))
			}
		case 3: // empty
		case 4: // base64-encoded twice
			g.buf.tmp = g.writeDoc(g.buf.tmp[:0], d, enc, override{})
			out = base64.StdEncoding.AppendEncode(out, g.buf.tmp)
		default: // JavaScript object literal with single quotes
			out = g.writeDoc(out, d, enc, override{})
			for i, c := range out {
				if c == '"' {
					out[i] = '\''
				}
			}
		}
	case FaultMissingAddress:
		raw := ""
		if g.rng.IntN(3) == 0 {
			raw = "null"
		}
		out = g.writeDoc(out, d, enc, override{"address", raw})
	case FaultBadAddress:
		g.buf.tmp = g.badAddress(g.buf.tmp[:0], d)
		out = g.writeDoc(out, d, enc, override{"address", string(g.buf.tmp)})
	case FaultBadID:
		validID = false
		g.buf.tmp = g.badID(g.buf.tmp[:0])
		out = g.writeDoc(out, d, enc, override{"_id", string(g.buf.tmp)})
	case FaultWrongType:
		w := wrongTypes[g.rng.IntN(len(wrongTypes))]
		if w.field == "" {
			out = append(out, '[')
			out = g.writeDoc(out, d, enc, override{})
			out = append(out, ']')
		} else {
			out = g.writeDoc(out, d, enc, w)
		}
	case FaultOversized:
		g.content(g.rng.IntN(len(g.acts)), false, OversizedMin+g.rng.IntN(64<<10))
		out = g.writeDoc(out, d, encoding{}, override{})
	case FaultUnknownOperation:
		validID = false
		op := unknownOps[g.rng.IntN(len(unknownOps))]
		out = g.changeHeader(out, d, op)
		switch op {
		case "delete":
			out = append(out, `,"documentKey":{"_id":{"$oid":"`...)
			out = hex.AppendEncode(out, d.id[:])
			out = append(out, `"}}`...)
		case "update":
			out = append(out, `,"documentKey":{"_id":{"$oid":"`...)
			out = hex.AppendEncode(out, d.id[:])
			out = append(out, `"}},"updateDescription":{"updatedFields":{"category":"Other"},"removedFields":[]}`...)
		case "rename":
			out = append(out, `,"to":{"db":"kleo","coll":"history_old"}`...)
		}
		switch op {
		case "dropDatabase":
			out = append(out, `,"ns":{"db":"kleo"}`...)
		case "invalidate":
		default:
			out = append(out, `,"ns":{"db":"kleo","coll":"history"}`...)
		}
		out = append(out, `,"clusterTime":`...)
		out = appendTimestamp(out, d.create, 1+g.rng.IntN(20))
		out = append(out, '}')
	}
	g.buf.out = out
	return bytes.Clone(out), validID
}

var notJSONTexts = []string{
	"undefined",
	"[object Object]",
	"ping",
	"Internal Server Error",
	"<html><body><h1>502 Bad Gateway</h1></body></html>",
	"address=0x0&title=&url=",
}

var wrongTypes = []override{
	{"visitTime", `"2024-11-02 10:12:43"`},
	{"visitTime", `{"$numberLong":"soon"}`},
	{"visitTime", `true`},
	{"title", `12345`},
	{"title", `["Inbox","Gmail"]`},
	{"summary", `{"text":"Home\nSearch"}`},
	{"url", `false`},
	{"address", `1234567890`},
	{"address", `{"$ne":null}`},
	{"create_timestamp", `"yesterday"`},
	{"", ""}, // the document inside an array
}

var unknownOps = []string{"delete", "update", "drop", "rename", "dropDatabase", "invalidate"}

func (g *generator) badAddress(dst []byte, d *doc) []byte {
	dst = append(dst, '"')
	switch g.rng.IntN(8) {
	case 0: // one digit short
		dst = append(dst, d.addr[:41]...)
	case 1: // one digit long
		dst = append(append(dst, d.addr...), '0')
	case 2: // non-hex digits
		dst = append(dst, d.addr[:30]...)
		dst = append(dst, "zzxxgg0q0q0q"[:12]...)
	case 3: // no 0x prefix, padded to length
		dst = append(dst, "00"...)
		dst = append(dst, d.addr[2:]...)
	case 4: // an ENS name
		dst = append(dst, emailFirst[g.rng.IntN(len(emailFirst))]...)
		dst = append(dst, ".eth"...)
	case 5: // empty
	case 6: // a Bitcoin address
		dst = append(dst, "bc1q"...)
		dst = appendAlnum(g.rng, dst, 38)
	default: // trailing space
		dst = append(append(dst, d.addr...), ' ')
	}
	return append(dst, '"')
}

func (g *generator) badID(dst []byte) []byte {
	switch g.rng.IntN(6) {
	case 0:
		return dst // dropped
	case 1:
		dst = appendHex(g.rng, append(dst, '"'), 23)
		return append(dst, '"')
	case 2:
		dst = appendHex(g.rng, append(dst, '"'), 26)
		return append(dst, '"')
	case 3:
		dst = append(dst, `{"$oid":"`...)
		dst = appendFrom(g.rng, dst, 24, "ghijklmnopqrstuvwxyz")
		return append(dst, `"}`...)
	case 4:
		return strconv.AppendInt(dst, int64(g.rng.IntN(1_000_000)), 10)
	}
	dst = append(dst, '"')
	dst = appendHex(g.rng, dst, 8)
	dst = append(dst, '-')
	dst = appendHex(g.rng, dst, 4)
	dst = append(dst, "-4"...)
	dst = appendHex(g.rng, dst, 3)
	dst = append(dst, "-a"...)
	dst = appendHex(g.rng, dst, 3)
	dst = append(dst, '-')
	dst = appendHex(g.rng, dst, 12)
	return append(dst, '"')
}
