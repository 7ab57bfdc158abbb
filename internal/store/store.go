// Package store persists Kleo users, processed history items, dead letters and
// Arweave archive intents.
//
// The operations are domain operations, not generic database calls, so that two
// implementations can honour the same contract: package mongostore talks to
// MongoDB through mongo-driver (production), package embedded is a pure-Go
// local store (the default for `make run` and the tests). Package storetest holds
// the one conformance suite both must pass.
//
// Exactly-once effects without multi-document transactions rest on three rules:
//   - history items, dead letters and archive intents are keyed by stable ids and
//     written with insert-if-absent semantics, so a replay is a no-op;
//   - a user's counters change only through ApplyUsers, whose update is guarded
//     by the per-shard sequence watermark the caller observed (optimistic
//     concurrency on a single document, which every backend makes atomic);
//   - archive completion is guarded by the user's previous_hash.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors reported by implementations. Callers test them with errors.Is.
var (
	// ErrConflict means a guarded update found the document changed since the
	// caller read it (another invocation got there first). Retrying later is safe.
	ErrConflict = errors.New("store: conflicting concurrent update")
	// ErrNotFound means the requested document does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrUnavailable wraps failures that are worth retrying (network, timeouts,
	// server selection). Implementations wrap such errors with it.
	ErrUnavailable = errors.New("store: unavailable")
)

// HistoryItem is one processed, PII-free browsing-history item
// (collection `history`, keyed by the source document's _id).
type HistoryItem struct {
	ID              string           `json:"id"`      // source _id, 24 hex digits
	Address         string           `json:"address"` // lower-case 0x address
	Shard           string           `json:"shard"`   // Kinesis shard that first delivered it
	Seq             string           `json:"seq"`     // sequence number that first delivered it
	URL             string           `json:"url"`     // scrubbed
	Title           string           `json:"title"`   // scrubbed
	Summary         string           `json:"summary"` // scrubbed
	Domain          string           `json:"domain"`
	Category        string           `json:"category"`
	Subcategory     string           `json:"subcategory"`
	Activity        string           `json:"activity"`
	Confidence      float64          `json:"confidence"`
	LowConfidence   bool             `json:"low_confidence"`
	PII             map[string]int64 `json:"pii"` // findings per entity type
	Points          int64            `json:"points"`
	Size            int64            `json:"size"`       // bytes of the record payload
	VisitTime       int64            `json:"visit_time"` // ms since epoch
	CreateTimestamp int64            `json:"create_timestamp"`
	ProcessedAt     time.Time        `json:"processed_at"`
	ArchiveTx       string           `json:"archive_tx"` // "" until archived
}

// Outcome says what PutHistory did with one item.
type Outcome int

const (
	// Inserted: the item was new and is now stored.
	Inserted Outcome = iota + 1
	// Existing: an item with this ID and the same Shard and Seq was already
	// stored (a redelivery of the same Kinesis record); nothing changed.
	Existing
	// Duplicate: an item with this ID was already stored from a different
	// Kinesis record (the producer sent the document twice); nothing changed
	// and the caller must not count it again.
	Duplicate
)

func (o Outcome) String() string {
	switch o {
	case Inserted:
		return "inserted"
	case Existing:
		return "existing"
	case Duplicate:
		return "duplicate"
	}
	return "unknown"
}

// User is the per-wallet document (collection `users`). Field names in the
// database are the ones the rest of the Kleo backend already uses: address,
// total_data_quantity, milestones.data_owned, activity_json, kleo_points,
// pii_removed_count, previous_hash; plus unarchived_count, items_processed,
// seq_watermarks and lease fields this project adds.
type User struct {
	Address           string            `json:"address"`
	TotalDataQuantity int64             `json:"total_data_quantity"`
	DataOwned         int64             `json:"data_owned"` // milestones.data_owned
	ActivityJSON      map[string]int64  `json:"activity_json"`
	KleoPoints        int64             `json:"kleo_points"`
	PIIRemovedCount   int64             `json:"pii_removed_count"`
	PreviousHash      string            `json:"previous_hash"`
	Unarchived        int64             `json:"unarchived_count"`
	ItemsProcessed    int64             `json:"items_processed"`
	Watermarks        map[string]string `json:"seq_watermarks"` // shard id -> last applied sequence number
}

// UserDelta is the aggregate effect of one batch's new records on one user.
type UserDelta struct {
	Address string
	Shard   string
	// ExpectSeq is the watermark for Shard that the caller read with
	// Watermarks ("" when the user or the shard entry did not exist). The
	// update applies only if the stored watermark still equals it.
	ExpectSeq string
	// NewSeq becomes the watermark for Shard.
	NewSeq     string
	Bytes      int64 // added to total_data_quantity and milestones.data_owned
	Points     int64 // added to kleo_points
	PII        int64 // added to pii_removed_count
	Items      int64 // added to unarchived_count and items_processed
	Activities map[string]int64
}

// DeadLetter is a record that can never succeed (collection `dead_letters`,
// keyed by ID = shard + "/" + sequence number so redelivery is idempotent).
type DeadLetter struct {
	ID          string    `json:"id"`
	Shard       string    `json:"shard"`
	Seq         string    `json:"seq"`
	Reason      string    `json:"reason"`
	Payload     []byte    `json:"payload"`      // size-capped, PII-scrubbed copy
	PayloadSize int64     `json:"payload_size"` // size of the original payload
	At          time.Time `json:"at"`
}

// Archive status values.
const (
	ArchiveSigned    = "signed"    // intent persisted, not yet accepted by the gateway
	ArchiveAccepted  = "accepted"  // gateway accepted the transaction; effects applied
	ArchiveConfirmed = "confirmed" // seen with confirmations
)

// Archive is a signed Arweave upload of one user's batch (collection
// `archives`, keyed by the transaction id). It is written before the upload
// is posted so a crashed sweep re-posts the same signed transaction instead
// of signing a new one.
type Archive struct {
	ID           string    `json:"id"` // Arweave transaction id
	Address      string    `json:"address"`
	PreviousHash string    `json:"previous_hash"` // the user's previous_hash when signed
	ItemIDs      []string  `json:"item_ids"`
	Bytes        int64     `json:"bytes"`
	Reward       string    `json:"reward"` // winston
	Status       string    `json:"status"`
	Tx           []byte    `json:"tx"` // the signed transaction, as posted
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Dump is the whole logical state, for tests that compare two runs.
type Dump struct {
	Users       []User        // sorted by Address
	History     []HistoryItem // sorted by ID
	DeadLetters []DeadLetter  // sorted by ID
	Archives    []Archive     // sorted by ID
}

// Store is implemented by package mongostore and package embedded.
// Every method takes the context first and honours its deadline.
type Store interface {
	// Watermarks returns, for each address that has one, the last sequence
	// number of shard applied to that user. One round trip.
	Watermarks(ctx context.Context, shard string, addresses []string) (map[string]string, error)

	// PutHistory stores items that are not stored yet and reports, per item,
	// what it found. It never overwrites a stored item. The slice of outcomes
	// has the same length and order as items. One bulk write per call
	// (implementations may split very large calls into a few bulks).
	PutHistory(ctx context.Context, items []HistoryItem) ([]Outcome, error)

	// ApplyUsers applies each delta atomically to its user document, creating
	// the user if needed, only if the stored watermark for delta.Shard equals
	// delta.ExpectSeq. The returned slice has one entry per delta: nil when
	// applied, ErrConflict when the guard failed, or another error. The
	// second result is a failure of the whole call.
	ApplyUsers(ctx context.Context, deltas []UserDelta) ([]error, error)

	// PutDeadLetters stores dead letters that are not stored yet.
	PutDeadLetters(ctx context.Context, dls []DeadLetter) error

	// User returns one user, or ErrNotFound.
	User(ctx context.Context, address string) (User, error)

	// UsersToArchive returns up to limit addresses whose unarchived_count is at
	// least minItems, oldest-updated first is not required; order is stable.
	UsersToArchive(ctx context.Context, minItems int64, limit int) ([]string, error)

	// AcquireLease takes the per-user archiving lease for owner until the given
	// time if it is free or expired at now (or already held by owner). It
	// reports whether owner holds the lease afterwards.
	AcquireLease(ctx context.Context, address, owner string, now, until time.Time) (bool, error)

	// ReleaseLease frees the lease if owner holds it.
	ReleaseLease(ctx context.Context, address, owner string) error

	// OldestUnarchived returns up to n of the user's items with ArchiveTx == "",
	// ordered by VisitTime then ID.
	OldestUnarchived(ctx context.Context, address string, n int) ([]HistoryItem, error)

	// PutArchive stores a new archive intent (status ArchiveSigned). Storing
	// the same ID again is a no-op.
	PutArchive(ctx context.Context, a Archive) error

	// PendingArchive returns the user's archive whose status is ArchiveSigned,
	// or ErrNotFound.
	PendingArchive(ctx context.Context, address string) (Archive, error)

	// CompleteArchive applies an accepted upload, each step idempotent: marks
	// the archive's items with ArchiveTx = a.ID (only those still unarchived),
	// then, guarded by previous_hash == a.PreviousHash, sets the user's
	// previous_hash to a.ID and subtracts len(a.ItemIDs) from
	// unarchived_count, then sets the archive's status to ArchiveAccepted.
	CompleteArchive(ctx context.Context, a Archive, now time.Time) error

	// SetArchiveStatus records a later status (ArchiveConfirmed).
	SetArchiveStatus(ctx context.Context, id, status string, now time.Time) error

	// Archives returns the user's archives, oldest first (by CreatedAt, then ID).
	Archives(ctx context.Context, address string) ([]Archive, error)

	// Dump returns the whole logical state, for tests and `kleo` reports.
	Dump(ctx context.Context) (Dump, error)

	// Close releases the store's resources.
	Close(ctx context.Context) error
}
