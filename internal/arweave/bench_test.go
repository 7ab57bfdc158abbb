package arweave

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// archiveDoc builds a document shaped like the archiver's: 50 items of about
// 2 KB each, so about 100 KB in all.
func archiveDoc(b *testing.B) []byte {
	type item struct {
		URL, Title, Summary, Activity string
		VisitTime                     int64
	}
	items := make([]item, 50)
	for i := range items {
		items[i] = item{
			URL:      fmt.Sprintf("https://example.org/articles/%d", i),
			Title:    fmt.Sprintf("Article %d", i),
			Summary:  strings.Repeat("a summary sentence of some length. ", 55),
			Activity: "Reading", VisitTime: 1_700_000_000_000 + int64(i),
		}
	}
	doc, err := json.Marshal(map[string]any{"version": 1, "items": items, "previous_hash": ""})
	if err != nil {
		b.Fatal(err)
	}
	return doc
}

// BenchmarkSignArchiveTx measures what the archiver pays per upload: data_root,
// deep hash, an RSA-4096 signature and the id, for a 50-item document.
func BenchmarkSignArchiveTx(b *testing.B) {
	w := testWallet(b, 1)
	doc := archiveDoc(b)
	tags := []Tag{{"Content-Type", "application/json"}, {"App-Name", "Kleo"}, {"Item-Count", "50"}}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		tx := NewTransaction(doc, tags...)
		tx.LastTx, tx.Reward = "abc", "1000"
		if err := tx.Sign(w); err != nil {
			b.Fatal(err)
		}
		if tx.ID == "" {
			b.Fatal("no id")
		}
	}
}

// BenchmarkVerifyArchiveTx is what `kleo verify` pays per archive.
func BenchmarkVerifyArchiveTx(b *testing.B) {
	tx := NewTransaction(archiveDoc(b))
	tx.Reward = "1000"
	if err := tx.Sign(testWallet(b, 1)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(tx.Data)))
	for b.Loop() {
		if err := tx.Verify(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDataRoot1MiB(b *testing.B) {
	data := pattern(1 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if len(DataRoot(data)) != 32 {
			b.Fatal("bad root")
		}
	}
}

func BenchmarkSignDataItem(b *testing.B) {
	w := testWallet(b, 1)
	doc := archiveDoc(b)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		d := NewDataItem(doc, Tag{"Content-Type", "application/json"})
		if err := d.Sign(w); err != nil {
			b.Fatal(err)
		}
		if _, err := d.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
}
