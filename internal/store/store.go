// Package store is the persistence contract of the Kleo stream processor on
// Kleo's own database.
//
// Kleo's backend owns two collections: `users` (created at sign-up, address
// in EIP-55 form) and `history` (written by its save-history endpoint,
// ObjectId _id, lower-case address). This project never creates or deletes a
// document in either and changes only the fields it owns in `users`:
// total_data_quantity, milestones.data_owned, activity_json.<Activity>,
// kleo_points, pii_removed_count and previous_hash (integers stay integers),
// plus one bounded subdocument of its own, `kleo_stream` (see UserState).
// Everything else lives in collections of its own, all named `stream_*`:
// stream_ledger, stream_dead_letters, stream_archives and stream_leases.
//
// Package mongostore implements the contract on MongoDB through mongo-driver
// (production); package embedded is a pure-Go local store with the same
// semantics (the default for `make run`, and the store for concurrency
// tests). Package storetest is the one conformance suite both pass.
//
// # Exactly once without transactions
//
// Every history item has one ledger entry, keyed by its history _id, that
// holds the effect computed the first time the item was seen (bytes,
// activity, PII count, points) and a state. A user document's counters hold
// the effect of exactly the items that are either
//
//   - in state Counted in the ledger, or
//   - listed in the user's kleo_stream.applied.
//
// The processor keeps this invariant with three writes per batch, each
// atomic on its own (a bulk is a set of single-document writes, and a
// single-document write is atomic on every MongoDB deployment):
//
//  1. Users reads each user's kleo_stream version and applied list.
//  2. Ledger inserts the batch's entries that are absent (state Pending:
//     neither counted nor applied, so the invariant holds) and marks the ids
//     read in step 1 Counted (they are in applied, so their effect is
//     already in the counters: marking them changes nothing the invariant
//     counts).
//  3. Apply updates each user guarded by the version read in step 1: it adds
//     the effects of the batch's entries that are Pending and not in the old
//     applied list, replaces applied with their ids and bumps the version.
//     The old applied ids are Counted since step 2, so dropping them from
//     the list keeps them counted.
//
// A crash between any two steps leaves the invariant true, and a redelivery
// (or a re-drive days later, or the same document sent by the producer on
// another shard) finds each item either Counted, in applied, or Pending and
// not applied, and adds only the last kind, with the effect stored in the
// ledger, not one computed anew. Two invocations racing on one user both
// pass step 2 (idempotent) and one loses the guard in step 3 (ErrConflict);
// its records are retried. Nothing depends on the order of records, on the
// partition key, or on any batch eventually succeeding.
//
// Archive completion is guarded the same way, by the last archive id in the
// user's kleo_stream subdocument.
package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Errors reported by implementations. Callers test them with errors.Is.
var (
	// ErrConflict means a guarded update found the document changed since the
	// caller read it (another invocation got there first). Retrying is safe.
	ErrConflict = errors.New("store: conflicting concurrent update")
	// ErrNotFound means the requested document does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrUnavailable wraps failures worth retrying (network, timeouts, server
	// selection, a primary stepping down).
	ErrUnavailable = errors.New("store: unavailable")
	// ErrRejected wraps permanent write errors: the document cannot take the
	// update (a counter stored as a string, activity_json not an object, ...).
	// Retrying cannot help; the records go to the dead-letter store.
	ErrRejected = errors.New("store: update rejected by the document")
)

// Ledger entry states.
const (
	Pending = "pending" // stored; counted only if listed in the user's kleo_stream.applied
	Counted = "counted" // its effect is in the user's counters
)

// Entry is one history item's ledger entry (collection stream_ledger, keyed
// by the history document's _id). Its effect fields are written once, when
// the item is first seen, and never changed.
type Entry struct {
	ID        string           `json:"id"`      // history _id, 24 lower-case hex digits
	Address   string           `json:"address"` // lower-case 0x address
	Shard     string           `json:"shard"`   // Kinesis shard of the first delivery
	Seq       string           `json:"seq"`     // sequence number of the first delivery
	Bytes     int64            `json:"bytes"`   // record payload length: added to total_data_quantity and milestones.data_owned
	Activity  string           `json:"activity"`
	PII       int64            `json:"pii"`    // findings removed: added to pii_removed_count
	Points    int64            `json:"points"` // added to kleo_points (0 under Kleo's rule)
	VisitTime int64            `json:"visit_time"`
	State     string           `json:"state"`      // Pending or Counted
	ArchiveTx string           `json:"archive_tx"` // "" until archived
	Seen      time.Time        `json:"seen"`
	Findings  map[string]int64 `json:"findings,omitempty"` // PII findings per type (metrics only)
}

// UserState is what the processor needs of one user document.
type UserState struct {
	// ID identifies the document for Apply (an implementation's encoding of
	// its _id; opaque to callers).
	ID string
	// Address is the document's address as stored (EIP-55 for users Kleo's
	// backend created).
	Address string
	// Version is kleo_stream.v (0 when absent): the guard of Apply.
	Version int64
	// Applied is kleo_stream.applied: ids whose effect is in the counters
	// while their ledger entries may still be Pending.
	Applied []string
	// LastArchive is kleo_stream.archive, the id of the last archive this
	// system recorded for the user ("" before the first).
	LastArchive string
	// PreviousHash is the user's previous_hash normalised to a string: absent,
	// false, null and "" all read as "".
	PreviousHash string
	// Problem, when not empty, says in a value-free reason why the document
	// cannot take the processor's update (for example "users.activity_json is
	// a string, not an object"). The processor dead-letters the user's
	// records instead of writing.
	Problem string
}

// Apply is one guarded update of one user document.
type Apply struct {
	UserID  string // UserState.ID
	Version int64  // UserState.Version as read; the update applies only if it is unchanged
	// Applied replaces kleo_stream.applied (the ids whose effect this update
	// adds). Version becomes Version+1.
	Applied    []string
	Bytes      int64 // added to total_data_quantity and milestones.data_owned
	Points     int64 // added to kleo_points
	PII        int64 // added to pii_removed_count
	Activities map[string]int64
}

// DeadLetter states.
const (
	LetterOpen = "open" // waiting for its cause to go away
	LetterDone = "done" // re-driven successfully
)

// DeadLetter is a record that could not be processed (collection
// stream_dead_letters, keyed by ID = shard + "/" + sequence number, so a
// redelivery is idempotent).
type DeadLetter struct {
	ID      string `json:"id"`
	Shard   string `json:"shard"`
	Seq     string `json:"seq"`
	ItemID  string `json:"item_id,omitempty"` // history _id when the record decoded
	Address string `json:"address,omitempty"` // lower-case, when the record decoded
	Reason  string `json:"reason"`            // value-free, scrubbed
	// Payload is a size-capped, PII-scrubbed copy of a record that did not
	// decode; nil when ItemID is set (a re-drive reads Kleo's history
	// document instead, so no page text is kept).
	Payload     []byte    `json:"payload,omitempty"`
	PayloadSize int64     `json:"payload_size"` // size of the original payload
	At          time.Time `json:"at"`           // first dead-lettered
	// ExpireAt, when set, is when the letter (and its payload) may be deleted
	// (a TTL index on MongoDB).
	ExpireAt time.Time `json:"expire_at,omitzero"`
	State    string    `json:"state"`    // LetterOpen or LetterDone
	Attempts int       `json:"attempts"` // re-drives tried
}

// LetterQuery selects dead letters. Zero fields select everything.
type LetterQuery struct {
	State  string    // LetterOpen, LetterDone or ""
	Reason string    // substring of the reason
	Since  time.Time // At >= Since
	Limit  int       // 0: no limit
}

// LetterUpdate records the outcome of one re-drive.
type LetterUpdate struct {
	ID     string
	State  string // new state
	Reason string // new reason ("" keeps the old one)
}

// Archive status values.
const (
	ArchiveSigned    = "signed"    // intent persisted, not yet accepted by the gateway
	ArchiveAccepted  = "accepted"  // gateway accepted the transaction; effects applied
	ArchiveConfirmed = "confirmed" // seen with confirmations
)

// Archive is a signed Arweave upload of one user's batch (collection
// stream_archives, keyed by the transaction id). It is written before the
// upload is posted so a crashed sweep re-posts the same signed transaction
// instead of signing a new one.
type Archive struct {
	ID      string `json:"id"`      // Arweave transaction (or data item) id
	Address string `json:"address"` // lower-case
	// PrevTx is the id of the user's previous archive made by this system
	// ("" for the first): completion is guarded by it.
	PrevTx string `json:"prev_tx"`
	// PreviousHash is the previous_hash written into the signed document:
	// the previous archive's URL, or for the first archive the value the
	// user had (an older system's upload URL, "default_hash" or "").
	PreviousHash string `json:"previous_hash"`
	// URL becomes the user's previous_hash on completion (gateway base + "/" + ID).
	URL     string   `json:"url"`
	Points  int64    `json:"points"` // added to kleo_points on completion
	ItemIDs []string `json:"item_ids"`
	Bytes   int64    `json:"bytes"`
	Reward  string   `json:"reward"` // winston
	Status  string   `json:"status"`
	Tx      []byte   `json:"tx"` // the signed transaction or data item, as posted
	// Bundle, when set, is the id of the bundle transaction that carries this
	// data item (gateway mode). The bundle's own record is an Archive too,
	// with Address set to archive.BundleAddress ("bundles"), which no user
	// address can equal.
	Bundle    string    `json:"bundle,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Dump is the whole logical state, for tests that compare two runs and for
// `kleo` reports. Users and History are Kleo's documents as stored.
type Dump struct {
	Users       []bson.M     // sorted by _id
	History     []bson.M     // sorted by _id
	Ledger      []Entry      // sorted by ID
	DeadLetters []DeadLetter // sorted by ID
	Archives    []Archive    // sorted by ID
}

// Store is implemented by package mongostore and package embedded. Every
// method takes the context first and honours its deadline; failures worth
// retrying wrap ErrUnavailable.
type Store interface {
	// Users finds the users of the given lower-case addresses, matching each
	// in its lower-case and its EIP-55 spelling through one indexed query.
	// The map is keyed by the lower-case address; addresses without a user
	// are absent. When several documents match one address, the one whose
	// address is the EIP-55 spelling wins, then the lowest _id. One round trip.
	Users(ctx context.Context, addresses []string) (map[string]UserState, error)

	// Ledger inserts the entries whose ID is not in the ledger yet (their
	// State is set to Pending) and marks the entries with the ids in counted
	// as Counted, in one bulk write. It returns the stored entries for the
	// ids that were already there (an entry that was just inserted is not in
	// the map). One round trip when every entry is new, two otherwise.
	Ledger(ctx context.Context, entries []Entry, counted []string) (map[string]Entry, error)

	// Entries returns the stored ledger entries with the given ids.
	Entries(ctx context.Context, ids []string) (map[string]Entry, error)

	// Apply applies each update to its user document atomically, only if the
	// document's kleo_stream.v still equals Version. The returned slice has
	// one entry per update: nil when applied, an error wrapping ErrConflict
	// when the guard failed (or the document is gone), ErrRejected for a
	// permanent write error, or another error. The second result is a
	// failure of the whole call (nothing known to be applied). One round trip.
	Apply(ctx context.Context, updates []Apply) ([]error, error)

	// PutDeadLetters stores dead letters whose ID is not stored yet.
	PutDeadLetters(ctx context.Context, dls []DeadLetter) error
	// DeadLetters returns the letters q selects, oldest first.
	DeadLetters(ctx context.Context, q LetterQuery) ([]DeadLetter, error)
	// UpdateDeadLetters records re-drive outcomes: each letter gets the new
	// state (and reason, when given) and one more attempt.
	UpdateDeadLetters(ctx context.Context, us []LetterUpdate) error

	// HistoryJSON returns Kleo's history documents with the given ids as
	// relaxed Extended JSON, the form the MongoDB trigger sends to Kinesis.
	// Missing ids are absent from the map.
	HistoryJSON(ctx context.Context, ids []string) (map[string][]byte, error)

	// UsersToArchive returns up to limit lower-case addresses that have at
	// least minItems unarchived ledger entries (Pending or Counted), in a
	// stable order.
	UsersToArchive(ctx context.Context, minItems, limit int) ([]string, error)

	// AcquireLease takes the per-user archiving lease (stream_leases) for
	// owner until the given time if it is free or expired at now, or already
	// held by owner. It reports whether owner holds the lease afterwards.
	AcquireLease(ctx context.Context, address, owner string, now, until time.Time) (bool, error)
	// ReleaseLease frees the lease if owner holds it.
	ReleaseLease(ctx context.Context, address, owner string) error

	// OldestUnarchived returns up to n of the user's Counted, unarchived
	// ledger entries, ordered by VisitTime then ID.
	OldestUnarchived(ctx context.Context, address string, n int) ([]Entry, error)

	// PutArchive stores a new archive intent (status ArchiveSigned). Storing
	// the same ID again is a no-op.
	PutArchive(ctx context.Context, a Archive) error
	// Archives returns the user's archives, oldest first (CreatedAt, then ID).
	Archives(ctx context.Context, address string) ([]Archive, error)
	// CompleteArchive applies an accepted upload, each step idempotent: marks
	// the archive's ledger entries with ArchiveTx = a.ID (only those still
	// unarchived); then, on the user document userID, guarded by
	// kleo_stream.archive == a.PrevTx, sets previous_hash to a.URL, adds
	// a.Points to kleo_points and sets kleo_stream.archive to a.ID; then sets
	// the archive's status to ArchiveAccepted. A guard that no longer holds
	// because this archive was already recorded is not an error.
	CompleteArchive(ctx context.Context, userID string, a Archive, now time.Time) error
	// SetArchiveStatus records a later status (ArchiveConfirmed).
	SetArchiveStatus(ctx context.Context, id, status string, now time.Time) error

	// Dump returns the whole logical state, for tests and `kleo` reports.
	Dump(ctx context.Context) (Dump, error)

	// Close releases the store's resources.
	Close(ctx context.Context) error
}

// Seeder writes Kleo's own documents, as Kleo's backend and API do. The
// processor and the archiver never call it: it is for `make run`, tests and
// local tools, which play Kleo's backend.
type Seeder interface {
	InsertUsers(ctx context.Context, docs []bson.M) error
	InsertHistory(ctx context.Context, docs []bson.M) error
	// ReplaceUsers replaces whole user documents, matched by _id, as an
	// operator repairing a malformed document would.
	ReplaceUsers(ctx context.Context, docs []bson.M) error
}
