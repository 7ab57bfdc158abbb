package archive_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
)

func TestNewDocument(t *testing.T) {
	items := []store.HistoryItem{
		{ID: "a", URL: "https://a.example/", Title: "Mail <EMAIL_ADDRESS>", Activity: "Shopping", Points: 3, VisitTime: 100},
		{ID: "b", URL: "https://b.example/", Summary: "s", Activity: "Learning", Points: 2, VisitTime: 200},
		{ID: "c", URL: "https://c.example/", Activity: "Shopping", Points: 1, VisitTime: 300},
	}
	d := archive.NewDocument("0xabc", "prevtx", items)
	if d.Version != archive.Version || d.Address != "0xabc" || d.PreviousHash != "prevtx" || len(d.Items) != 3 {
		t.Fatalf("document %+v", d)
	}
	if d.Points != 6 || d.FromStamp != 100 || d.ToStamp != 300 || d.Activities["Shopping"] != 2 || d.Activities["Learning"] != 1 {
		t.Errorf("aggregates: points %d, stamps %d..%d, activities %v", d.Points, d.FromStamp, d.ToStamp, d.Activities)
	}
	b1, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := archive.NewDocument("0xabc", "prevtx", items).Encode()
	if !bytes.Equal(b1, b2) {
		t.Error("encoding is not deterministic")
	}
	for _, want := range []string{`"previous_hash":"prevtx"`, `"fromStamp":100`, `"visitTime":300`, `<EMAIL_ADDRESS>`, `"activities":{"Learning":1,"Shopping":2}`} {
		if !bytes.Contains(b1, []byte(want)) {
			t.Errorf("encoding lacks %s: %s", want, b1)
		}
	}
	back, err := archive.ParseDocument(b1)
	if err != nil || back.Items[1].Summary != "s" || back.PreviousHash != "prevtx" {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	// The placeholder left by the processor is not a finding.
	if err := d.CheckPII(pii.New()); err != nil {
		t.Errorf("scrubbed document refused: %v", err)
	}
	d.Items[2].URL = "https://c.example/?email=ann@example.com"
	if err := d.CheckPII(pii.New()); !errors.Is(err, archive.ErrPII) {
		t.Errorf("PII not found: %v", err)
	}
	// The user's own address is kept.
	own := archive.NewDocument("0x52908400098527886e0f7030069857d2e4169ee7", "", []store.HistoryItem{{Title: "wallet 0x52908400098527886E0F7030069857D2E4169EE7", Activity: "Finance"}})
	if err := own.CheckPII(pii.New()); err != nil {
		t.Errorf("own address reported: %v", err)
	}
}

func TestTags(t *testing.T) {
	items := []store.HistoryItem{{Activity: "A", VisitTime: 5}, {Activity: "A", VisitTime: 9}}
	get := func(tags []arweave.Tag, name string) (string, bool) {
		for _, tg := range tags {
			if tg.Name == name {
				return tg.Value, true
			}
		}
		return "", false
	}
	first := archive.NewDocument("0xabc", "", items).Tags("Kleo", "1.2.3")
	if _, ok := get(first, archive.TagPreviousTx); ok {
		t.Error("first archive carries a Previous-Tx tag (gateways refuse empty values)")
	}
	for _, tg := range first {
		if tg.Value == "" {
			t.Errorf("empty tag %s", tg.Name)
		}
	}
	later := archive.NewDocument("0xabc", "PREV", items).Tags("Kleo", "1.2.3")
	for name, want := range map[string]string{
		"Content-Type": "application/json", "App-Name": "Kleo", "App-Version": "1.2.3", "Kleo-Address": "0xabc",
		"Previous-Tx": "PREV", "Item-Count": "2", "From": "5", "To": "9",
	} {
		if v, _ := get(later, name); v != want {
			t.Errorf("tag %s = %q, want %q", name, v, want)
		}
	}
}
