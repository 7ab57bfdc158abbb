// Package gen generates a deterministic stream of realistic Kleo
// browsing-history records, as the MongoDB trigger pushes them into Kinesis,
// for `make run`, load tests, soaks and demos.
//
// Every record belongs to one of Config.Users wallets; each wallet visits
// Config.ItemsPerUser pages drawn from templates of real-looking sites for
// the 41 Kleo activities. The stream interleaves the wallets in upload order,
// as the trigger sees them, and keeps each wallet's items in visitTime order.
// A configurable share of items carries PII, is broken (Malformed) or is sent
// twice with the same _id (Duplicate), and valid documents use the several
// Extended JSON encodings and change-event envelopes the trigger may produce.
//
// The templates exist for load and demonstration only: they are not a
// training or evaluation set for the classifier, and share no text with it.
//
// Kleo builds on the same stream a data set shaped like Kleo's production
// database: users as Kleo's backend creates them, history documents as its
// save-history endpoint writes them, the trigger's records of those
// documents, and the ground truth a processor's books must match.
//
// The same Config always yields the same records, byte for byte.
package gen

import (
	"container/heap"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kleo-network/kleo-stream/internal/activity"
)

// Defaults applied to zero Config fields.
const (
	DefaultSummaryMin = 200
	DefaultSummaryMax = 4000
)

// DefaultStart is the StartTime used when Config.StartTime is zero, so that
// a zero Config is deterministic too.
var DefaultStart = time.Date(2024, time.November, 1, 0, 0, 0, 0, time.UTC)

// ErrConfig is wrapped by the errors Each returns for an invalid Config.
var ErrConfig = errors.New("gen: invalid config")

// Config describes a stream. The zero value of each field but Users and
// ItemsPerUser selects a default.
type Config struct {
	Users, ItemsPerUser int // Users wallets × ItemsPerUser items
	Seed                int64

	// PIIRate is the fraction of valid items whose title, URL or summary
	// contain planted PII: 1 to 3 values among emails, phone numbers,
	// Luhn-valid card numbers, IBANs, US SSNs, IP addresses and secret
	// tokens (mostly in URL query parameters).
	PIIRate float64

	// SummaryMin and SummaryMax bound the summary size in bytes (default
	// 200..4000). Sizes are log-uniform in the range, like page text: many
	// short pages, a few long ones.
	SummaryMin, SummaryMax int

	// MalformedRate is the fraction of item slots sent as a record that can
	// never be processed (see Fault); such a slot still counts towards
	// ItemsPerUser. Duplicates are never malformed.
	MalformedRate float64

	// DuplicateRate is the fraction of valid items that the producer sends a
	// second time with the same _id, a few records later.
	DuplicateRate float64

	// StartTime is the earliest visit (default DefaultStart).
	StartTime time.Time

	// PlainShape, when set, writes every valid document exactly in the shape
	// of the real items (24-hex _id, numeric visitTime, no change-event
	// envelope) instead of mixing the encodings the trigger may use.
	PlainShape bool
}

// Record is one Kinesis record of the stream, with the ground truth that
// produced it.
type Record struct {
	// PartitionKey is the wallet address as the user's extension sends it:
	// lower-case or EIP-55 mixed case, the same for all of a user's records
	// (in Kleo's data set either spelling, record by record).
	PartitionKey string
	// Data is the record payload: the history document (possibly wrapped in
	// a change event) or, when Malformed, the broken payload. It is freshly
	// allocated and may be kept by the caller.
	Data []byte
	// Activity is the activity of the template used ("" when Malformed).
	Activity  activity.Activity
	Malformed bool

	// Fault says how a Malformed record is broken ("" otherwise).
	Fault Fault
	// Duplicate marks a re-send of an earlier valid record's _id.
	Duplicate bool
	// ID is the document _id in 24 lower-case hex digits ("" when the
	// payload carries none that is valid).
	ID string
	// Address is the owner's wallet in lower case, even when the payload
	// lacks or mangles it.
	Address string
	// VisitTime is the visit in ms since the epoch.
	VisitTime int64
	// PII is the number of PII values planted in the title, URL and summary
	// (0 for malformed records). Names in page text are not counted.
	PII int
}

// Fault is the way a malformed record is broken.
type Fault string

// The faults a malformed record may have.
const (
	FaultNotJSON          Fault = "not-json"          // truncated, plain text, binary or empty
	FaultMissingAddress   Fault = "missing-address"   // no address field, or null
	FaultBadAddress       Fault = "bad-address"       // not 0x + 40 hex digits
	FaultBadID            Fault = "bad-id"            // _id missing or not 24 hex digits
	FaultWrongType        Fault = "wrong-type"        // a field of the wrong JSON type
	FaultOversized        Fault = "oversized"         // a valid document larger than 1 MiB
	FaultUnknownOperation Fault = "unknown-operation" // a change event that is not an insert
)

// Faults returns every Fault, in a fixed order.
func Faults() []Fault {
	return []Fault{FaultNotJSON, FaultMissingAddress, FaultBadAddress, FaultBadID,
		FaultWrongType, FaultOversized, FaultUnknownOperation}
}

// OversizedMin is the smallest payload of a FaultOversized record: one byte
// over Kinesis' classic 1 MiB record limit. Such records are valid
// documents up to 64 KiB larger, and make 1 in 25 malformed records.
const OversizedMin = 1<<20 + 1

// withDefaults returns c with zero fields defaulted, or an error wrapping
// ErrConfig.
func (c Config) withDefaults() (Config, error) {
	if c.SummaryMin == 0 && c.SummaryMax == 0 {
		c.SummaryMin, c.SummaryMax = DefaultSummaryMin, DefaultSummaryMax
	}
	if c.StartTime.IsZero() {
		c.StartTime = DefaultStart
	}
	switch {
	case c.Users < 0 || c.ItemsPerUser < 0:
		return c, fmt.Errorf("%w: negative Users or ItemsPerUser", ErrConfig)
	case c.SummaryMin < 0 || c.SummaryMax < c.SummaryMin:
		return c, fmt.Errorf("%w: summary size range %d..%d", ErrConfig, c.SummaryMin, c.SummaryMax)
	case c.SummaryMax > 512<<10:
		return c, fmt.Errorf("%w: SummaryMax %d over 512 KiB", ErrConfig, c.SummaryMax)
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"PIIRate", c.PIIRate}, {"MalformedRate", c.MalformedRate}, {"DuplicateRate", c.DuplicateRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			return c, fmt.Errorf("%w: %s %v outside [0, 1]", ErrConfig, r.name, r.v)
		}
	}
	return c, nil
}

// Validate reports whether cfg is usable, with an error wrapping ErrConfig.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// Generate returns the whole stream. It panics if cfg is invalid; use Each
// to get the error instead, or to avoid holding the stream in memory.
func Generate(cfg Config) []Record {
	var out []Record
	if cfg.Users > 0 && cfg.ItemsPerUser > 0 {
		n := cfg.Users * cfg.ItemsPerUser
		out = make([]Record, 0, n+int(float64(n)*cfg.DuplicateRate*1.1)+8)
	}
	err := Each(cfg, func(r Record) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

// Each calls fn with each record of the stream in order, holding only
// per-user state, and stops at the first error fn returns, which it returns
// unwrapped.
func Each(cfg Config, fn func(Record) error) error {
	return each(cfg, false, nil, func(r Record, _ *doc) error { return fn(r) })
}

// each is Each with Kleo's shapes when kleo is set. It hands start the
// stream's users before the first record, and fn each record with its
// document's content when the record is an item's first, valid delivery
// (nil otherwise; the doc is reused after fn returns).
func each(cfg Config, kleo bool, start func([]*user), fn func(Record, *doc) error) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	if cfg.Users == 0 || cfg.ItemsPerUser == 0 {
		return nil
	}
	g := newGenerator(cfg)
	g.kleo = kleo
	q := make(userQueue, cfg.Users)
	for i := range q {
		q[i] = g.newUser(i)
	}
	if start != nil {
		start(append([]*user(nil), q...))
	}
	heap.Init(&q)
	for len(q) > 0 {
		u := q[0]
		rec := g.next(u)
		if u.done() {
			heap.Pop(&q)
		} else {
			heap.Fix(&q, 0)
		}
		var d *doc
		if !rec.Malformed && !rec.Duplicate {
			d = &g.d
		}
		if err := fn(rec, d); err != nil {
			return err
		}
	}
	return nil
}

// userQueue orders users by the upload time of their next record, so the
// stream interleaves them as the trigger would see them.
type userQueue []*user

func (q userQueue) Len() int { return len(q) }
func (q userQueue) Less(i, j int) bool {
	if q[i].key != q[j].key {
		return q[i].key < q[j].key
	}
	return q[i].idx < q[j].idx
}
func (q userQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *userQueue) Push(x any)   { *q = append(*q, x.(*user)) }
func (q *userQueue) Pop() any {
	old := *q
	u := old[len(old)-1]
	*q = old[:len(old)-1]
	return u
}

// source lets one rand.Rand draw from whichever user is current, so users
// need no Rand of their own.
type source struct{ p *rand.PCG }

func (s *source) Uint64() uint64 { return s.p.Uint64() }
