package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// Version is the archive document format this package writes.
const Version = 1

// Document is what one archive uploads: a user's batch of items, oldest
// first, chained to the user's previous archive.
type Document struct {
	Version      int              `json:"version"`
	Address      string           `json:"address"`
	Items        []Item           `json:"items"`
	Activities   map[string]int64 `json:"activities"`
	Points       int64            `json:"points"`
	FromStamp    int64            `json:"fromStamp"` // visitTime of the first item, ms
	ToStamp      int64            `json:"toStamp"`   // visitTime of the last item, ms
	PreviousHash string           `json:"previous_hash"`
}

// Item is one history item as archived.
type Item struct {
	URL       string `json:"url"`
	Title     string `json:"title"`
	Summary   string `json:"summary"`
	Activity  string `json:"activity"`
	VisitTime int64  `json:"visitTime"`
}

// NewDocument builds the document for items, which must be the user's oldest
// unarchived items in visit-time order, as store.OldestUnarchived returns them.
func NewDocument(address, previousHash string, items []store.HistoryItem) *Document {
	d := &Document{
		Version: Version, Address: address, PreviousHash: previousHash,
		Items: make([]Item, len(items)), Activities: map[string]int64{},
	}
	for i, it := range items {
		d.Items[i] = Item{URL: it.URL, Title: it.Title, Summary: it.Summary, Activity: it.Activity, VisitTime: it.VisitTime}
		d.Activities[it.Activity]++
		d.Points += it.Points
	}
	if len(items) > 0 {
		d.FromStamp, d.ToStamp = items[0].VisitTime, items[len(items)-1].VisitTime
	}
	return d
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

// Tags returns the upload's tags. Previous-Tx is left out for a user's first
// archive: gateways (arlocal among them) refuse empty tag values.
func (d *Document) Tags(appName, appVersion string) []arweave.Tag {
	tags := []arweave.Tag{
		{Name: TagContentType, Value: "application/json"},
		{Name: TagAppName, Value: appName},
		{Name: TagAppVersion, Value: appVersion},
		{Name: TagAddress, Value: d.Address},
	}
	if d.PreviousHash != "" {
		tags = append(tags, arweave.Tag{Name: TagPreviousTx, Value: d.PreviousHash})
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

// CheckPII runs f over every text field of every item, keeping the user's own
// address, and returns an error matching ErrPII with the counts per type if
// anything is found. The processor scrubbed these fields already and scrubbing
// is idempotent, so a finding here means something upstream went wrong.
func (d *Document) CheckPII(f Finder) error {
	var counts map[pii.Type]int
	for _, it := range d.Items {
		for _, text := range [...]string{it.URL, it.Title, it.Summary, it.Activity} {
			for _, fd := range f.Find(text, d.Address) {
				if counts == nil {
					counts = map[pii.Type]int{}
				}
				counts[fd.Type]++
			}
		}
	}
	if counts != nil {
		return fmt.Errorf("%w: %v", ErrPII, counts)
	}
	return nil
}
