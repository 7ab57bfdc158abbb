package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/record"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Version is the archive document format this package writes. Version 2
// carries item ids, caps every text field and links archives by URL.
const Version = 2

// Size bounds. A document of at most MaxItems items never encodes to more
// than MaxDocumentBytes: each text field is cut to its cap in JSON-encoded
// bytes (the cut is on a rune boundary, after scrubbing, and never splits a
// placeholder such as <EMAIL_ADDRESS>). With a data item's 1,044-byte
// signature and owner, its tags and headers, an archive of 50 items stays
// under the 100 KiB (102,400 bytes) that ArDrive Turbo accepts free.
const (
	MaxDocumentBytes = 96 * 1024
	MaxItems         = 50
	MaxURLBytes      = 400
	MaxTitleBytes    = 200
	MaxSummaryBytes  = 1024
	// MaxPreviousHash bounds the encoded previous_hash carried from an older
	// system (an upload URL); a longer value refuses the user's archive.
	MaxPreviousHash = 1024
	maxActivity     = 64
)

// Document is what one archive uploads: a user's batch of items, oldest
// first, chained to the user's previous archive.
type Document struct {
	Version    int              `json:"version"`
	Address    string           `json:"address"`
	Items      []Item           `json:"items"`
	Activities map[string]int64 `json:"activities"`
	Points     int64            `json:"points"`    // awarded when this archive was accepted
	FromStamp  int64            `json:"fromStamp"` // visitTime of the first item, ms
	ToStamp    int64            `json:"toStamp"`   // visitTime of the last item, ms
	// PreviousHash is the previous archive's URL (<base>/<tx id>), or, in the
	// first archive this system made for the user, the user's previous_hash
	// as found: an older system's upload URL, "default_hash" or "".
	PreviousHash string `json:"previous_hash"`
}

// Item is one history item as archived. Text fields are scrubbed and capped.
type Item struct {
	ID        string `json:"id"` // Kleo's history _id
	URL       string `json:"url"`
	Title     string `json:"title"`
	Summary   string `json:"summary"`
	Activity  string `json:"activity"`
	VisitTime int64  `json:"visitTime"`
	// Gone marks an item whose history document was deleted from Kleo (or
	// could not be read) before it was archived: it was counted, so it is
	// archived, but without any text.
	Gone bool `json:"gone,omitempty"`
}

// Scrubber finds and redacts PII; *pii.Engine implements it.
type Scrubber interface {
	Find(text, keep string) []pii.Finding
	Scrub(text, keep string) (string, []pii.Finding)
}

// BuildStats says what Build did to the text, for logs and metrics.
type BuildStats struct {
	Gone     int // items whose history document was missing or unreadable
	Cut      int // text fields cut to their cap
	Scrubbed int // PII findings replaced by placeholders
}

// Build makes the archive document of entries, which must be the user's
// oldest unarchived ledger entries in visit-time order, as
// store.OldestUnarchived returns them. history holds Kleo's history
// documents by id (store.HistoryJSON); each is decoded, its text scrubbed
// with s (keeping the user's own address) and cut to the caps. Activity and
// visit time come from the ledger, the effect the processor counted. The
// text of a history document that is missing or does not decode is not
// archived: the item is marked Gone.
func Build(address, previousHash string, points int64, entries []store.Entry, history map[string][]byte, s Scrubber) (*Document, BuildStats, error) {
	var st BuildStats
	if len(entries) > MaxItems {
		return nil, st, fmt.Errorf("archive: %d items, at most %d fit an archive", len(entries), MaxItems)
	}
	if jsonLen(previousHash) > MaxPreviousHash {
		return nil, st, fmt.Errorf("archive: the user's previous_hash encodes to more than %d bytes", MaxPreviousHash)
	}
	d := &Document{
		Version: Version, Address: address, PreviousHash: previousHash, Points: points,
		Items: make([]Item, len(entries)), Activities: map[string]int64{},
	}
	for i, e := range entries {
		act := cut(e.Activity, maxActivity)
		it := Item{ID: e.ID, Activity: act, VisitTime: e.VisitTime}
		raw, ok := history[e.ID]
		var h record.Item
		var err error
		if ok {
			h, err = record.Decode(raw)
		}
		if !ok || err != nil || h.ID != e.ID {
			it.Gone = true
			st.Gone++
		} else {
			it.URL = clean(h.URL, address, MaxURLBytes, s, &st)
			it.Title = clean(h.Title, address, MaxTitleBytes, s, &st)
			it.Summary = clean(h.Summary, address, MaxSummaryBytes, s, &st)
		}
		d.Items[i] = it
		d.Activities[act]++
	}
	if n := len(entries); n > 0 {
		d.FromStamp, d.ToStamp = entries[0].VisitTime, entries[n-1].VisitTime
	}
	return d, st, nil
}

// clean scrubs text and, when it is longer than max encoded bytes, cuts it
// and checks what is left again, since a cut can make a new match out of a
// fragment. A new match is scrubbed (which may lengthen the text, so it is
// cut again); after two rounds the text is cut before the match instead.
// The result encodes to at most max bytes and holds no finding.
func clean(text, keep string, max int, s Scrubber, st *BuildStats) string {
	out, fs := s.Scrub(text, keep)
	st.Scrubbed += len(fs)
	if jsonLen(out) <= max {
		return out
	}
	st.Cut++
	for round := 0; ; round++ {
		c := cut(out, max)
		fs := s.Find(c, keep)
		if len(fs) == 0 {
			return c
		}
		if round < 2 {
			out, _ = s.Scrub(c, keep)
			st.Scrubbed += len(fs)
			continue
		}
		out = c[:fs[0].Start]
	}
}

// jsonLen returns an upper bound of the bytes s takes inside a JSON string
// as Encode writes it (no HTML escaping).
func jsonLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		n += runeCost(r, size)
		i += size
	}
	return n
}

func runeCost(r rune, size int) int {
	switch {
	case r == utf8.RuneError && size == 1:
		return 6 // \ufffd
	case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
		return 2
	case r < 0x20 || r == '\u2028' || r == '\u2029':
		return 6
	}
	return size
}

// cut returns the longest prefix of s that encodes to at most max bytes,
// ending on a rune boundary and not inside a placeholder.
func cut(s string, max int) string {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if n += runeCost(r, size); n > max {
			return trimPlaceholder(s[:i])
		}
		i += size
	}
	return s
}

// trimPlaceholder drops a trailing fragment of a placeholder ("<EMAIL_AD").
func trimPlaceholder(s string) string {
	lt := strings.LastIndexByte(s, '<')
	if lt < 0 || strings.IndexByte(s[lt:], '>') >= 0 {
		return s
	}
	frag := s[lt:]
	for _, t := range pii.Types() {
		if strings.HasPrefix(t.Placeholder(), frag) {
			return s[:lt]
		}
	}
	return s
}

// Encode returns the document's JSON. Placeholders such as <EMAIL_ADDRESS>
// stay readable (no HTML escaping); map keys are sorted, so the encoding is
// deterministic.
func (d *Document) Encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("archive: encode document: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// ParseDocument decodes an archive document.
func ParseDocument(b []byte) (*Document, error) {
	d := new(Document)
	if err := json.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("archive: parse document: %w", err)
	}
	return d, nil
}

// Tag names the archive's uploads carry.
const (
	TagContentType = "Content-Type"
	TagAppName     = "App-Name"
	TagAppVersion  = "App-Version"
	TagAddress     = "Kleo-Address"
	TagPreviousTx  = "Previous-Tx"
	TagItemCount   = "Item-Count"
	TagFrom        = "From"
	TagTo          = "To"
)

// MaxTagValue bounds the App-Name and App-Version values, so that an
// archive's tags stay small next to MaxDocumentBytes.
const MaxTagValue = 64

// Tags returns the upload's tags. Previous-Tx carries prevTx, the raw id of
// the user's previous archive made by this system; it is left out for the
// first (gateways, arlocal among them, refuse empty tag values), which is
// how a reader knows where this system's part of the chain begins.
func (d *Document) Tags(appName, appVersion, prevTx string) []arweave.Tag {
	tags := []arweave.Tag{
		{Name: TagContentType, Value: "application/json"},
		{Name: TagAppName, Value: appName},
		{Name: TagAppVersion, Value: appVersion},
		{Name: TagAddress, Value: d.Address},
	}
	if prevTx != "" {
		tags = append(tags, arweave.Tag{Name: TagPreviousTx, Value: prevTx})
	}
	return append(tags,
		arweave.Tag{Name: TagItemCount, Value: strconv.Itoa(len(d.Items))},
		arweave.Tag{Name: TagFrom, Value: strconv.FormatInt(d.FromStamp, 10)},
		arweave.Tag{Name: TagTo, Value: strconv.FormatInt(d.ToStamp, 10)},
	)
}

// Finder finds PII; *pii.Engine implements it.
type Finder interface {
	Find(text, keep string) []pii.Finding
}

// ErrPII means an archive document still holds personal data. The error's
// message gives the counts per type, never the text.
var ErrPII = errors.New("archive: document holds PII")

// CheckPII runs f over every text field of every item and the
// previous_hash, keeping the user's own address, and returns an error
// matching ErrPII with the counts per type if anything is found. Build
// scrubbed these fields and scrubbing is idempotent, so a finding here means
// something went wrong; it refuses the upload.
func (d *Document) CheckPII(f Finder) error {
	var counts map[pii.Type]int
	check := func(text string) {
		for _, fd := range f.Find(text, d.Address) {
			if counts == nil {
				counts = map[pii.Type]int{}
			}
			counts[fd.Type]++
		}
	}
	check(d.PreviousHash)
	for _, it := range d.Items {
		for _, text := range [...]string{it.URL, it.Title, it.Summary, it.Activity} {
			check(text)
		}
	}
	if counts != nil {
		return fmt.Errorf("%w: %v", ErrPII, counts)
	}
	return nil
}
