package mongostore

import (
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/internal/contract"
)

// historyBody is a history document without the fields an upsert takes from
// its filter (_id, shard, seq).
type historyBody struct {
	Address         string           `bson:"address"`
	URL             string           `bson:"url"`
	Title           string           `bson:"title"`
	Summary         string           `bson:"summary"`
	Domain          string           `bson:"domain"`
	Category        string           `bson:"category"`
	Subcategory     string           `bson:"subcategory"`
	Activity        string           `bson:"activity"`
	Confidence      float64          `bson:"confidence"`
	LowConfidence   bool             `bson:"low_confidence"`
	PII             map[string]int64 `bson:"pii"`
	Points          int64            `bson:"points"`
	Size            int64            `bson:"size"`
	VisitTime       int64            `bson:"visit_time"`
	CreateTimestamp int64            `bson:"create_timestamp"`
	ProcessedAt     time.Time        `bson:"processed_at"`
	ArchiveTx       string           `bson:"archive_tx"`
}

type historyDoc struct {
	ID    string      `bson:"_id"`
	Shard string      `bson:"shard"`
	Seq   string      `bson:"seq"`
	Body  historyBody `bson:",inline"`
}

func historyBodyOf(it store.HistoryItem) historyBody {
	return historyBody{
		Address: it.Address, URL: it.URL, Title: it.Title, Summary: it.Summary,
		Domain: it.Domain, Category: it.Category, Subcategory: it.Subcategory, Activity: it.Activity,
		Confidence: it.Confidence, LowConfidence: it.LowConfidence, PII: it.PII,
		Points: it.Points, Size: it.Size, VisitTime: it.VisitTime, CreateTimestamp: it.CreateTimestamp,
		ProcessedAt: contract.Time(it.ProcessedAt), ArchiveTx: it.ArchiveTx,
	}
}

func (d historyDoc) item() store.HistoryItem {
	b := d.Body
	return store.HistoryItem{
		ID: d.ID, Address: b.Address, Shard: d.Shard, Seq: d.Seq,
		URL: b.URL, Title: b.Title, Summary: b.Summary,
		Domain: b.Domain, Category: b.Category, Subcategory: b.Subcategory, Activity: b.Activity,
		Confidence: b.Confidence, LowConfidence: b.LowConfidence, PII: b.PII,
		Points: b.Points, Size: b.Size, VisitTime: b.VisitTime, CreateTimestamp: b.CreateTimestamp,
		ProcessedAt: contract.Time(b.ProcessedAt), ArchiveTx: b.ArchiveTx,
	}
}

// userDoc is the part of a users document this package reads. Lease fields
// are only ever filtered on.
type userDoc struct {
	Address           string `bson:"address"`
	TotalDataQuantity int64  `bson:"total_data_quantity"`
	Milestones        struct {
		DataOwned int64 `bson:"data_owned"`
	} `bson:"milestones"`
	ActivityJSON    map[string]int64  `bson:"activity_json"`
	KleoPoints      int64             `bson:"kleo_points"`
	PIIRemovedCount int64             `bson:"pii_removed_count"`
	PreviousHash    string            `bson:"previous_hash"`
	Unarchived      int64             `bson:"unarchived_count"`
	ItemsProcessed  int64             `bson:"items_processed"`
	Watermarks      map[string]string `bson:"seq_watermarks"`
}

func (d userDoc) user() store.User {
	return contract.User(store.User{
		Address: d.Address, TotalDataQuantity: d.TotalDataQuantity, DataOwned: d.Milestones.DataOwned,
		ActivityJSON: d.ActivityJSON, KleoPoints: d.KleoPoints, PIIRemovedCount: d.PIIRemovedCount,
		PreviousHash: d.PreviousHash, Unarchived: d.Unarchived, ItemsProcessed: d.ItemsProcessed,
		Watermarks: d.Watermarks,
	})
}

type deadLetterDoc struct {
	ID          string    `bson:"_id,omitempty"`
	Shard       string    `bson:"shard"`
	Seq         string    `bson:"seq"`
	Reason      string    `bson:"reason"`
	Payload     []byte    `bson:"payload"`
	PayloadSize int64     `bson:"payload_size"`
	At          time.Time `bson:"at"`
}

func (d deadLetterDoc) deadLetter() store.DeadLetter {
	return store.DeadLetter{ID: d.ID, Shard: d.Shard, Seq: d.Seq, Reason: d.Reason,
		Payload: d.Payload, PayloadSize: d.PayloadSize, At: contract.Time(d.At)}
}

// archiveBody is an archives document without its _id.
type archiveBody struct {
	Address      string    `bson:"address"`
	PreviousHash string    `bson:"previous_hash"`
	ItemIDs      []string  `bson:"item_ids"`
	Bytes        int64     `bson:"bytes"`
	Reward       string    `bson:"reward"`
	Status       string    `bson:"status"`
	Tx           []byte    `bson:"tx"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

type archiveDoc struct {
	ID   string      `bson:"_id"`
	Body archiveBody `bson:",inline"`
}

func archiveDocOf(a store.Archive) archiveDoc {
	return archiveDoc{ID: a.ID, Body: archiveBody{
		Address: a.Address, PreviousHash: a.PreviousHash, ItemIDs: a.ItemIDs, Bytes: a.Bytes,
		Reward: a.Reward, Status: a.Status, Tx: a.Tx,
		CreatedAt: contract.Time(a.CreatedAt), UpdatedAt: contract.Time(a.UpdatedAt),
	}}
}

func (d archiveDoc) archive() store.Archive {
	b := d.Body
	return store.Archive{ID: d.ID, Address: b.Address, PreviousHash: b.PreviousHash, ItemIDs: b.ItemIDs,
		Bytes: b.Bytes, Reward: b.Reward, Status: b.Status, Tx: b.Tx,
		CreatedAt: contract.Time(b.CreatedAt), UpdatedAt: contract.Time(b.UpdatedAt)}
}
