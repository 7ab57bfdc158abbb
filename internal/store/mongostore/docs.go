package mongostore

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// entryDoc is a stream_ledger document.
type entryDoc struct {
	ID        string           `bson:"_id"`
	Address   string           `bson:"address"`
	Shard     string           `bson:"shard"`
	Seq       string           `bson:"seq"`
	Bytes     int64            `bson:"bytes"`
	Activity  string           `bson:"activity"`
	PII       int64            `bson:"pii"`
	Points    int64            `bson:"points"`
	VisitTime int64            `bson:"visit_time"`
	State     string           `bson:"state"`
	ArchiveTx string           `bson:"archive_tx"`
	Seen      time.Time        `bson:"seen"`
	Findings  map[string]int64 `bson:"findings,omitempty"`
}

// appendEntry appends the elements of e's stream_ledger document with the
// given state, as bson.Marshal of the entryDoc would encode them (findings
// in key order), without reflection.
func appendEntry(b []byte, e store.Entry, state string) []byte {
	b = bsoncore.AppendStringElement(b, "_id", e.ID)
	b = bsoncore.AppendStringElement(b, "address", e.Address)
	b = bsoncore.AppendStringElement(b, "shard", e.Shard)
	b = bsoncore.AppendStringElement(b, "seq", e.Seq)
	b = bsoncore.AppendInt64Element(b, "bytes", e.Bytes)
	b = bsoncore.AppendStringElement(b, "activity", e.Activity)
	b = bsoncore.AppendInt64Element(b, "pii", e.PII)
	b = bsoncore.AppendInt64Element(b, "points", e.Points)
	b = bsoncore.AppendInt64Element(b, "visit_time", e.VisitTime)
	b = bsoncore.AppendStringElement(b, "state", state)
	b = bsoncore.AppendStringElement(b, "archive_tx", e.ArchiveTx)
	b = bsoncore.AppendDateTimeElement(b, "seen", contract.Time(e.Seen).UnixMilli())
	if len(e.Findings) > 0 {
		types := make([]string, 0, len(e.Findings))
		for t := range e.Findings {
			types = append(types, t)
		}
		slices.Sort(types)
		b = appendSubdoc(b, "findings", func(b []byte) []byte {
			for _, t := range types {
				b = bsoncore.AppendInt64Element(b, t, e.Findings[t])
			}
			return b
		})
	}
	return b
}

// appendDoc appends a document whose elements elems appends, and returns
// the buffer and the document.
func appendDoc(b []byte, elems func([]byte) []byte) ([]byte, bson.Raw) {
	start := len(b)
	idx, b := bsoncore.AppendDocumentStart(b)
	b = elems(b)
	b, _ = bsoncore.AppendDocumentEnd(b, idx) // errors only on a bad index
	return b, bson.Raw(b[start:len(b):len(b)])
}

// appendSubdoc appends an embedded document element.
func appendSubdoc(b []byte, key string, elems func([]byte) []byte) []byte {
	idx, b := bsoncore.AppendDocumentElementStart(b, key)
	b = elems(b)
	b, _ = bsoncore.AppendDocumentEnd(b, idx)
	return b
}

func (d entryDoc) entry() store.Entry {
	return store.Entry{
		ID: d.ID, Address: d.Address, Shard: d.Shard, Seq: d.Seq, Bytes: d.Bytes,
		Activity: d.Activity, PII: d.PII, Points: d.Points, VisitTime: d.VisitTime,
		State: d.State, ArchiveTx: d.ArchiveTx, Seen: contract.Time(d.Seen), Findings: d.Findings,
	}
}

// letterDoc is a stream_dead_letters document.
type letterDoc struct {
	ID          string    `bson:"_id"`
	Shard       string    `bson:"shard"`
	Seq         string    `bson:"seq"`
	ItemID      string    `bson:"item_id,omitempty"`
	Address     string    `bson:"address,omitempty"`
	Reason      string    `bson:"reason"`
	Payload     []byte    `bson:"payload,omitempty"`
	PayloadSize int64     `bson:"payload_size"`
	At          time.Time `bson:"at"`
	ExpireAt    time.Time `bson:"expire_at,omitzero"` // absent: the TTL index never expires it
	State       string    `bson:"state"`
	Attempts    int64     `bson:"attempts"`
}

func letterDocOf(dl store.DeadLetter) letterDoc {
	state := dl.State
	if state == "" {
		state = store.LetterOpen
	}
	return letterDoc{
		ID: dl.ID, Shard: dl.Shard, Seq: dl.Seq, ItemID: dl.ItemID, Address: dl.Address,
		Reason: dl.Reason, Payload: dl.Payload, PayloadSize: dl.PayloadSize,
		At: contract.Time(dl.At), ExpireAt: contract.Time(dl.ExpireAt), State: state, Attempts: int64(dl.Attempts),
	}
}

func (d letterDoc) letter() store.DeadLetter {
	return store.DeadLetter{
		ID: d.ID, Shard: d.Shard, Seq: d.Seq, ItemID: d.ItemID, Address: d.Address,
		Reason: d.Reason, Payload: d.Payload, PayloadSize: d.PayloadSize,
		At: contract.Time(d.At), ExpireAt: contract.Time(d.ExpireAt), State: d.State, Attempts: int(d.Attempts),
	}
}

// archiveDoc is a stream_archives document.
type archiveDoc struct {
	ID           string    `bson:"_id"`
	Address      string    `bson:"address"`
	PrevTx       string    `bson:"prev_tx"`
	PreviousHash string    `bson:"previous_hash"`
	URL          string    `bson:"url"`
	Points       int64     `bson:"points"`
	ItemIDs      []string  `bson:"item_ids"`
	Bytes        int64     `bson:"bytes"`
	Reward       string    `bson:"reward"`
	Status       string    `bson:"status"`
	Tx           []byte    `bson:"tx"`
	Bundle       string    `bson:"bundle,omitempty"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

func archiveDocOf(a store.Archive) archiveDoc {
	return archiveDoc{
		ID: a.ID, Address: a.Address, PrevTx: a.PrevTx, PreviousHash: a.PreviousHash, URL: a.URL,
		Points: a.Points, ItemIDs: a.ItemIDs, Bytes: a.Bytes, Reward: a.Reward, Status: a.Status,
		Tx: a.Tx, Bundle: a.Bundle, CreatedAt: contract.Time(a.CreatedAt), UpdatedAt: contract.Time(a.UpdatedAt),
	}
}

func (d archiveDoc) archive() store.Archive {
	return store.Archive{
		ID: d.ID, Address: d.Address, PrevTx: d.PrevTx, PreviousHash: d.PreviousHash, URL: d.URL,
		Points: d.Points, ItemIDs: d.ItemIDs, Bytes: d.Bytes, Reward: d.Reward, Status: d.Status,
		Tx: d.Tx, Bundle: d.Bundle, CreatedAt: contract.Time(d.CreatedAt), UpdatedAt: contract.Time(d.UpdatedAt),
	}
}

// Document ids of Kleo's collections are ObjectIds, spelled as 24 lower-case
// hex digits in UserState.ID, Entry.ID and the HistoryJSON keys. Any other
// _id (a test's or a tool's) keeps its BSON value behind a prefix that hex
// digits cannot start with, so the spelling always reads back.
const otherIDPrefix = "bson:"

// idString spells a document's _id.
func idString(v bson.RawValue) string {
	if oid, ok := v.ObjectIDOK(); ok {
		return oid.Hex()
	}
	if s, ok := v.StringValueOK(); ok && !isObjectIDHex(s) && !strings.HasPrefix(s, otherIDPrefix) {
		return s
	}
	raw, err := bson.Marshal(bson.D{{Key: "v", Value: v}})
	if err != nil { // a RawValue read from the server always marshals
		return otherIDPrefix
	}
	return otherIDPrefix + hex.EncodeToString(raw)
}

// idValue is the inverse of idString.
func idValue(s string) (any, error) {
	if isObjectIDHex(s) {
		oid, err := bson.ObjectIDFromHex(s)
		if err != nil {
			return nil, err
		}
		return oid, nil
	}
	rest, ok := strings.CutPrefix(s, otherIDPrefix)
	if !ok {
		if s == "" {
			return nil, errors.New("empty document id")
		}
		return s, nil
	}
	raw, err := hex.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("malformed document id")
	}
	v, err := bson.Raw(raw).LookupErr("v")
	if err != nil {
		return nil, fmt.Errorf("malformed document id")
	}
	return v, nil
}

// historyIDs returns the _id values of Kleo's history documents to look up
// for ids: the ObjectId when an id spells one, and the string as well (a
// history document inserted with a string _id).
func historyIDs(ids []string) bson.A {
	out := make(bson.A, 0, 2*len(ids))
	for _, id := range ids {
		if isObjectIDHex(id) {
			if oid, err := bson.ObjectIDFromHex(id); err == nil {
				out = append(out, oid)
			}
		}
		out = append(out, id)
	}
	return out
}

func isObjectIDHex(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
