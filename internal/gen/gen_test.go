package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/activity"
)

// realFields is the field set, in order, of the real history items.
var realFields = []string{"_id", "address", "create_timestamp", "title", "category", "subcategory", "url", "domain", "summary", "visitTime"}

func TestDeterministic(t *testing.T) {
	cfg := Config{Users: 13, ItemsPerUser: 17, Seed: 42, PIIRate: 0.3, MalformedRate: 0.1, DuplicateRate: 0.1}
	a, b := Generate(cfg), Generate(cfg)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs with the same config differ")
	}
	var streamed []Record
	if err := Each(cfg, func(r Record) error { streamed = append(streamed, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, streamed) {
		t.Fatal("Each and Generate differ")
	}
	cfg.Seed++
	c := Generate(cfg)
	if len(c) > 0 && len(a) > 0 && bytes.Equal(a[0].Data, c[0].Data) {
		t.Fatal("a different seed gives the same first record")
	}
}

func TestCounts(t *testing.T) {
	for _, tc := range []struct {
		users, items int
		dup          float64
	}{
		{0, 5, 0}, {5, 0, 0}, {1, 1, 0}, {7, 13, 0}, {7, 13, 0.3}, {50, 3, 0.5}, {3, 200, 0.2},
	} {
		recs := Generate(Config{Users: tc.users, ItemsPerUser: tc.items, Seed: 1, DuplicateRate: tc.dup, MalformedRate: 0.1})
		perUser := map[string]int{}
		dups := 0
		for _, r := range recs {
			if r.Duplicate {
				dups++
				continue
			}
			perUser[r.Address]++
		}
		if got := len(recs) - dups; got != tc.users*tc.items {
			t.Errorf("%dx%d: %d original records, want %d", tc.users, tc.items, got, tc.users*tc.items)
		}
		if tc.items > 0 && len(perUser) != tc.users {
			t.Errorf("%dx%d: %d users, want %d", tc.users, tc.items, len(perUser), tc.users)
		}
		for a, n := range perUser {
			if n != tc.items {
				t.Errorf("%dx%d: user %s has %d items", tc.users, tc.items, a, n)
			}
		}
		if tc.dup == 0 && dups != 0 {
			t.Errorf("%dx%d: %d duplicates with DuplicateRate 0", tc.users, tc.items, dups)
		}
	}
}

func TestInterleavingAndOrder(t *testing.T) {
	const users, items = 40, 60
	recs := Generate(Config{Users: users, ItemsPerUser: items, Seed: 7, DuplicateRate: 0.1})
	last := map[string]int64{}
	keys := map[string]string{}
	switches := 0
	for i, r := range recs {
		if i > 0 && r.Address != recs[i-1].Address {
			switches++
		}
		if k, ok := keys[r.Address]; ok && k != r.PartitionKey {
			t.Fatalf("user %s sent partition keys %s and %s", r.Address, k, r.PartitionKey)
		}
		keys[r.Address] = r.PartitionKey
		if !strings.EqualFold(r.PartitionKey, r.Address) {
			t.Fatalf("partition key %s is not the address %s", r.PartitionKey, r.Address)
		}
		if r.Duplicate {
			continue
		}
		if r.VisitTime <= last[r.Address] {
			t.Fatalf("record %d: user %s visitTime %d after %d", i, r.Address, r.VisitTime, last[r.Address])
		}
		last[r.Address] = r.VisitTime
	}
	// Users are interleaved, not sent one after the other (which would make
	// users-1 switches). A browsing session arrives as a burst, so not
	// every record switches either.
	if switches < len(recs)/8 {
		t.Errorf("only %d user switches in %d records", switches, len(recs))
	}
	early := map[string]bool{}
	for _, r := range recs[:len(recs)/10] {
		early[r.Address] = true
	}
	if len(early) < users/2 {
		t.Errorf("only %d of %d users in the first tenth of the stream", len(early), users)
	}
	mixed := 0
	for a, k := range keys {
		if k != a {
			mixed++
		}
	}
	if mixed == 0 || mixed == len(keys) {
		t.Errorf("%d of %d users send EIP-55 keys, want some but not all", mixed, len(keys))
	}
}

func TestRates(t *testing.T) {
	cfg := Config{Users: 200, ItemsPerUser: 100, Seed: 3, PIIRate: 0.3, MalformedRate: 0.05, DuplicateRate: 0.1}
	var originals, malformed, valid, withPII, dups int
	faults := map[Fault]int{}
	ids := map[string]Record{}
	err := Each(cfg, func(r Record) error {
		switch {
		case r.Duplicate:
			dups++
			orig, ok := ids[r.ID]
			if !ok || orig.Address != r.Address || orig.VisitTime != r.VisitTime || orig.Activity != r.Activity {
				t.Errorf("duplicate %s does not follow an original of the same item", r.ID)
			}
			if ok && !bytes.Equal(orig.Data, r.Data) {
				if d, o := decodeRecord(t, r.Data), decodeRecord(t, orig.Data); d.title != o.title || d.url != o.url || d.summary != o.summary {
					t.Errorf("duplicate %s changes the content", r.ID)
				}
			}
		case r.Malformed:
			originals++
			malformed++
			faults[r.Fault]++
		default:
			originals++
			valid++
			if _, seen := ids[r.ID]; seen {
				t.Errorf("two items with _id %s", r.ID)
			}
			ids[r.ID] = r
			if r.PII > 0 {
				withPII++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 0.02 {
			t.Errorf("%s rate %.4f, want %.2f ± 0.02", name, got, want)
		}
	}
	check("malformed", float64(malformed)/float64(originals), cfg.MalformedRate)
	check("PII", float64(withPII)/float64(valid), cfg.PIIRate)
	check("duplicate", float64(dups)/float64(valid), cfg.DuplicateRate)
	for _, f := range Faults() {
		if faults[f] == 0 {
			t.Errorf("no %s record in %d malformed", f, malformed)
		}
	}
}

// decoded is a valid record's document with its encodings noted.
type decoded struct {
	fields   []string
	id       string
	oid      bool
	change   bool
	visitEnc string
	visit    int64
	create   int64
	address  string
	title    string
	url      string
	summary  string
}

// decodeRecord checks a valid payload's shape independently of the
// generator and returns its content.
func decodeRecord(t *testing.T, data []byte) decoded {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, data)
	}
	var d decoded
	doc := data
	if op, ok := top["operationType"]; ok {
		d.change = true
		if string(op) != `"insert"` {
			t.Fatalf("operationType %s in a valid record", op)
		}
		var ev struct {
			ID struct {
				Data string `json:"_data"`
			} `json:"_id"`
			DocumentKey struct {
				ID struct {
					OID string `json:"$oid"`
				} `json:"_id"`
			} `json:"documentKey"`
			NS struct{ DB, Coll string }
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.ID.Data == "" || ev.NS.DB != "kleo" || ev.NS.Coll != "history" || top["clusterTime"] == nil {
			t.Fatalf("incomplete change event %s", data)
		}
		doc = top["fullDocument"]
		defer func() {
			if ev.DocumentKey.ID.OID != d.id {
				t.Errorf("documentKey %s, fullDocument _id %s", ev.DocumentKey.ID.OID, d.id)
			}
		}()
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("document is not an object: %s", doc)
	}
	raw := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		d.fields = append(d.fields, tok.(string))
		raw[tok.(string)] = v
	}
	str := func(name string) string {
		var s string
		if err := json.Unmarshal(raw[name], &s); err != nil {
			t.Fatalf("%s is not a string: %s", name, raw[name])
		}
		return s
	}
	if err := json.Unmarshal(raw["_id"], &d.id); err != nil {
		var o struct {
			OID string `json:"$oid"`
		}
		if err := json.Unmarshal(raw["_id"], &o); err != nil || o.OID == "" {
			t.Fatalf("bad _id %s", raw["_id"])
		}
		d.id, d.oid = o.OID, true
	}
	d.address, d.title, d.url, d.summary = str("address"), str("title"), str("url"), str("summary")
	for _, f := range []string{"category", "subcategory", "domain"} {
		str(f)
	}
	if err := json.Unmarshal(raw["create_timestamp"], &d.create); err != nil {
		t.Fatalf("create_timestamp %s", raw["create_timestamp"])
	}
	v := raw["visitTime"]
	var ext struct {
		Long   string `json:"$numberLong"`
		Double string `json:"$numberDouble"`
		Date   *struct {
			Long string `json:"$numberLong"`
		} `json:"$date"`
	}
	var text string
	if err := json.Unmarshal(v, &d.visit); err == nil {
		d.visitEnc = "number"
	} else if err := json.Unmarshal(v, &ext); err != nil {
		t.Fatalf("visitTime %s", v)
	} else {
		switch {
		case ext.Long != "":
			d.visitEnc, text = "$numberLong", ext.Long
		case ext.Double != "":
			d.visitEnc = "$numberDouble"
			text, _, _ = strings.Cut(ext.Double, ".")
		case ext.Date != nil:
			d.visitEnc, text = "$date", ext.Date.Long
		default:
			t.Fatalf("visitTime %s", v)
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			t.Fatalf("visitTime %s: %v", v, err)
		}
		d.visit = n
	}
	return d
}

func TestValidRecordsHaveTheRealShape(t *testing.T) {
	hexID := regexp.MustCompile(`^[0-9a-f]{24}$`)
	addr := regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	for _, plain := range []bool{false, true} {
		cfg := Config{Users: 30, ItemsPerUser: 40, Seed: 11, PIIRate: 0.2, MalformedRate: 0.05, DuplicateRate: 0.05,
			SummaryMin: 300, SummaryMax: 5000, PlainShape: plain}
		encs := map[string]int{}
		for _, r := range Generate(cfg) {
			if r.Malformed {
				if r.Activity != "" {
					t.Errorf("malformed record with activity %q", r.Activity)
				}
				continue
			}
			if !activity.Valid(r.Activity) {
				t.Fatalf("activity %q", r.Activity)
			}
			d := decodeRecord(t, r.Data)
			if !slices.Equal(d.fields, realFields) {
				t.Fatalf("fields %v, want %v", d.fields, realFields)
			}
			if !hexID.MatchString(d.id) || d.id != r.ID {
				t.Errorf("_id %q, record ID %q", d.id, r.ID)
			}
			if !addr.MatchString(d.address) || strings.ToLower(d.address) != r.Address {
				t.Errorf("address %q, record Address %q", d.address, r.Address)
			}
			if d.visit != r.VisitTime || d.create < d.visit/1000 || d.visit < DefaultStart.UnixMilli() {
				t.Errorf("visitTime %d create_timestamp %d, record %d", d.visit, d.create, r.VisitTime)
			}
			if d.title == "" || !strings.HasPrefix(d.url, "https://") {
				t.Errorf("title %q url %q", d.title, d.url)
			}
			if n := len(d.summary); n < cfg.SummaryMin || n > cfg.SummaryMax {
				t.Errorf("summary of %d bytes outside %d..%d", n, cfg.SummaryMin, cfg.SummaryMax)
			}
			encs[d.visitEnc]++
			if d.oid {
				encs["$oid"]++
			}
			if d.change {
				encs["change"]++
			}
		}
		want := []string{"number"}
		if !plain {
			want = []string{"number", "$numberLong", "$numberDouble", "$date", "$oid", "change"}
		}
		if got := slices.Sorted(func(yield func(string) bool) {
			for k := range encs {
				if !yield(k) {
					return
				}
			}
		}); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("PlainShape=%v: encodings %v, want %v", plain, got, want)
		}
	}
}

func TestSummarySizes(t *testing.T) {
	cfg := Config{Users: 20, ItemsPerUser: 100, Seed: 5, SummaryMin: 200, SummaryMax: 20000}
	var sizes []int
	for _, r := range Generate(cfg) {
		sizes = append(sizes, len(decodeRecord(t, r.Data).summary))
	}
	slices.Sort(sizes)
	if sizes[0] < 200 || sizes[len(sizes)-1] > 20000 {
		t.Errorf("sizes %d..%d outside 200..20000", sizes[0], sizes[len(sizes)-1])
	}
	// Log-uniform: the median is near the geometric mean, 2,000 bytes.
	if med := sizes[len(sizes)/2]; med < 1200 || med > 3300 {
		t.Errorf("median summary %d bytes, want about 2000", med)
	}
	if sizes[len(sizes)*95/100] < 10000 {
		t.Errorf("95th percentile %d bytes: no long pages", sizes[len(sizes)*95/100])
	}
}

func TestEveryActivityAppears(t *testing.T) {
	seen := map[activity.Activity]int{}
	for _, r := range Generate(Config{Users: 100, ItemsPerUser: 30, Seed: 9}) {
		seen[r.Activity]++
	}
	for _, a := range activity.All() {
		if seen[a] == 0 {
			t.Errorf("activity %q never appears", a)
		}
	}
	if len(seen) != activity.Count {
		t.Errorf("%d activities seen, want %d", len(seen), activity.Count)
	}
}

var (
	reEmail = regexp.MustCompile(`[a-z0-9._]+(@|%40)[a-z0-9-]+\.[a-z.]+`)
	reCard  = regexp.MustCompile(`\b\d{4}[ -]?\d{4,6}[ -]?\d{4,5}(?:[ -]?\d{4})?\b`)
	reIBAN  = regexp.MustCompile(`\b(?:DE|FR)\d{2}(?: \d{4})+(?: \d{1,3})?\b`)
	reSSN   = regexp.MustCompile(`\b\d{3}-\d{2}-\d{4}\b`)
	rePhone = regexp.MustCompile(`\(\d{3}\) \d{3}-\d{4}|\+\d{1,2} [\d -]{8,}`)
	reIP    = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
	reToken = regexp.MustCompile(`(access_token|token|api_key|reset_token|sessionid|id_token)=|sk_live_|Bearer eyJ`)
)

func TestPIIIsPlantedWhereReported(t *testing.T) {
	res := []*regexp.Regexp{reEmail, reCard, reIBAN, reSSN, rePhone, reIP, reToken}
	for _, r := range Generate(Config{Users: 50, ItemsPerUser: 40, Seed: 21, PIIRate: 0.4}) {
		d := decodeRecord(t, r.Data)
		text := d.title + "\n" + d.url + "\n" + d.summary
		found := 0
		for _, re := range res {
			found += len(re.FindAllStringIndex(text, -1))
		}
		if r.PII > 0 && found == 0 {
			t.Errorf("record reports %d PII values, none found in %q", r.PII, text)
		}
		if r.PII == 0 {
			for _, re := range []*regexp.Regexp{reEmail, reSSN, reIBAN, reToken} {
				if m := re.FindString(text); m != "" {
					t.Errorf("PII-free record contains %q", m)
				}
			}
		}
	}
}

func TestPIIValuesPassChecksums(t *testing.T) {
	g := newGenerator(Config{Seed: 1})
	for range 500 {
		card := strings.NewReplacer(" ", "", "-", "").Replace(string(appendCard(g.rng, nil)))
		if !luhn(card) || (len(card) != 15 && len(card) != 16) {
			t.Fatalf("card %s fails Luhn", card)
		}
		iban := strings.ReplaceAll(string(appendIBAN(g.rng, nil)), " ", "")
		if mod97(iban) != 1 {
			t.Fatalf("IBAN %s fails mod-97", iban)
		}
		if ssn := string(appendSSN(g.rng, nil)); !reSSN.MatchString(ssn) || strings.HasPrefix(ssn, "000") || strings.HasPrefix(ssn, "666") || ssn[0] == '9' {
			t.Fatalf("SSN %s", ssn)
		}
	}
}

func luhn(s string) bool {
	sum := 0
	for i := range len(s) {
		v := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

func mod97(iban string) int {
	s := iban[4:] + iban[:4]
	rem := 0
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			rem = (rem*100 + int(c-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	return rem
}

// brokenReason is an independent check that a malformed payload cannot be
// a valid history item; it returns the Fault it shows.
func brokenReason(data []byte) Fault {
	if len(data) > 1<<20 {
		return FaultOversized
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var arr []json.RawMessage
		if json.Unmarshal(data, &arr) == nil {
			return FaultWrongType
		}
		return FaultNotJSON
	}
	if op, ok := top["operationType"]; ok {
		if string(op) != `"insert"` {
			return FaultUnknownOperation
		}
		return ""
	}
	var id string
	idRaw, ok := top["_id"]
	if !ok {
		return FaultBadID
	}
	if json.Unmarshal(idRaw, &id) != nil {
		var o struct {
			OID string `json:"$oid"`
		}
		if json.Unmarshal(idRaw, &o) != nil {
			return FaultBadID
		}
		id = o.OID
	}
	if !regexp.MustCompile(`^[0-9a-fA-F]{24}$`).MatchString(id) {
		return FaultBadID
	}
	a, ok := top["address"]
	if !ok || string(a) == "null" {
		return FaultMissingAddress
	}
	var s string
	if json.Unmarshal(a, &s) != nil {
		return FaultWrongType
	}
	if !regexp.MustCompile(`^0[xX][0-9a-fA-F]{40}$`).MatchString(s) {
		return FaultBadAddress
	}
	for _, f := range []string{"title", "url", "summary", "domain", "category", "subcategory"} {
		if json.Unmarshal(top[f], &s) != nil {
			return FaultWrongType
		}
	}
	var n json.Number
	if json.Unmarshal(top["create_timestamp"], &n) != nil {
		return FaultWrongType
	}
	v := top["visitTime"]
	if json.Unmarshal(v, &n) != nil {
		var ext map[string]json.RawMessage
		if json.Unmarshal(v, &ext) != nil {
			return FaultWrongType
		}
		var lng string
		if json.Unmarshal(ext["$numberLong"], &lng) == nil {
			if _, err := strconv.ParseInt(lng, 10, 64); err != nil {
				return FaultWrongType
			}
		}
	}
	return ""
}

func TestMalformedRecordsAreBroken(t *testing.T) {
	n := 0
	err := Each(Config{Users: 40, ItemsPerUser: 40, Seed: 13, MalformedRate: 0.5}, func(r Record) error {
		if !r.Malformed {
			if f := brokenReason(r.Data); f != "" {
				t.Errorf("valid record looks %s", f)
			}
			return nil
		}
		n++
		if got := brokenReason(r.Data); got != r.Fault {
			d := r.Data
			if len(d) > 300 {
				d = d[:300]
			}
			t.Errorf("%s record looks %q: %q", r.Fault, got, d)
		}
		if r.Address == "" || r.PartitionKey == "" {
			t.Errorf("%s record without owner", r.Fault)
		}
		if r.Fault == FaultOversized && len(r.Data) < OversizedMin {
			t.Errorf("oversized record of %d bytes", len(r.Data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 600 {
		t.Errorf("only %d malformed records", n)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Users: -1, ItemsPerUser: 1},
		{Users: 1, ItemsPerUser: -1},
		{Users: 1, ItemsPerUser: 1, PIIRate: 1.5},
		{Users: 1, ItemsPerUser: 1, MalformedRate: -0.1},
		{Users: 1, ItemsPerUser: 1, DuplicateRate: math.NaN()},
		{Users: 1, ItemsPerUser: 1, SummaryMin: 500, SummaryMax: 100},
		{Users: 1, ItemsPerUser: 1, SummaryMax: 1 << 20},
	} {
		err := Each(cfg, func(Record) error { t.Fatal("called for an invalid config"); return nil })
		if !errors.Is(err, ErrConfig) || !errors.Is(cfg.Validate(), ErrConfig) {
			t.Errorf("%+v: err %v, want ErrConfig", cfg, err)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := Each(Config{Users: 3, ItemsPerUser: 3}, func(Record) error {
		calls++
		if calls == 4 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 4 {
		t.Errorf("Each returned %v after %d calls, want stop after 4", err, calls)
	}
}

func TestSequenceNumbers(t *testing.T) {
	if got := SequenceNumber(0); got != "49590338271490256608559692538361571095921575989136588898" {
		t.Errorf("SequenceNumber(0) = %s", got)
	}
	if got := SequenceNumber(1); got != "49590338271490256608559692540925702759324208523137515618" {
		t.Errorf("SequenceNumber(1) = %s", got)
	}
	prev := ""
	for _, n := range []uint64{0, 1, 2, 1000, 1 << 32, math.MaxUint64} {
		s := SequenceNumber(n)
		if len(s) != 56 || (prev != "" && s <= prev) {
			t.Errorf("SequenceNumber(%d) = %s after %s", n, s, prev)
		}
		prev = s
	}
}

func TestShardFor(t *testing.T) {
	const shards = 4
	counts := make([]int, shards)
	for _, r := range Generate(Config{Users: 2000, ItemsPerUser: 1, Seed: 1}) {
		s := ShardFor(r.PartitionKey, shards)
		if s != ShardFor(r.PartitionKey, shards) || s < 0 || s >= shards {
			t.Fatalf("ShardFor(%s) = %d", r.PartitionKey, s)
		}
		counts[s]++
	}
	for i, c := range counts {
		if c < 400 || c > 600 {
			t.Errorf("shard %d got %d of 2000 keys", i, c)
		}
	}
	if ShardFor("anything", 1) != 0 || ShardID(6) != DefaultShard {
		t.Error("single shard or ShardID")
	}
}

func TestKinesisEvent(t *testing.T) {
	recs := Generate(Config{Users: 2, ItemsPerUser: 3, Seed: 1})
	at := time.Date(2024, 11, 5, 10, 0, 0, 0, time.UTC)
	ev := KinesisEvent(Source{Shard: ShardID(2), Region: "eu-west-1"}, 10, at, recs)
	if len(ev.Records) != len(recs) {
		t.Fatalf("%d records, want %d", len(ev.Records), len(recs))
	}
	for i, er := range ev.Records {
		k := er.Kinesis
		if er.EventID != "shardId-000000000002:"+k.SequenceNumber || k.SequenceNumber != SequenceNumber(uint64(10+i)) {
			t.Errorf("record %d: eventID %s seq %s", i, er.EventID, k.SequenceNumber)
		}
		if er.EventSource != "aws:kinesis" || er.AwsRegion != "eu-west-1" || !strings.HasPrefix(er.EventSourceArn, "arn:aws:kinesis:eu-west-1:") {
			t.Errorf("record %d: source %s region %s arn %s", i, er.EventSource, er.AwsRegion, er.EventSourceArn)
		}
		if !bytes.Equal(k.Data, recs[i].Data) || k.PartitionKey != recs[i].PartitionKey {
			t.Errorf("record %d: data or key differ", i)
		}
		if i > 0 && !k.ApproximateArrivalTimestamp.After(ev.Records[i-1].Kinesis.ApproximateArrivalTimestamp.Time) {
			t.Errorf("record %d: arrival not after the previous", i)
		}
	}
}

// benchmarkEach measures records per second through Each.
func benchmarkEach(b *testing.B, cfg Config) {
	cfg.Users = 1000
	cfg.ItemsPerUser = b.N/cfg.Users + 1
	stop := errors.New("enough")
	var n, size int
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	err := Each(cfg, func(r Record) error {
		size += len(r.Data)
		if n++; n == b.N {
			return stop
		}
		return nil
	})
	if err != stop {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	// On a shared machine wall time says little: records per second of this
	// process's CPU time (GC included) is the load-independent figure.
	b.ReportMetric(float64(b.N)/(cpuTime(b)-cpu0).Seconds(), "records/cpu-s")
	b.ReportMetric(float64(size)/float64(b.N), "bytes/record")
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkEach(b *testing.B) {
	benchmarkEach(b, Config{Seed: 1, PIIRate: 0.1, MalformedRate: 0.01, DuplicateRate: 0.02})
}

func BenchmarkEachLargeSummaries(b *testing.B) {
	benchmarkEach(b, Config{Seed: 1, PIIRate: 0.1, MalformedRate: 0.01, DuplicateRate: 0.02, SummaryMin: 200, SummaryMax: 20000})
}
