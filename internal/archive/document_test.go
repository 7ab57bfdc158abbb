package archive_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/store"
)

// historyJSON is a history document as the store returns it (relaxed
// Extended JSON, as the trigger sends it).
func historyJSON(id, addr, url, title, summary string) []byte {
	b, _ := json.Marshal(map[string]any{
		"_id": map[string]string{"$oid": id}, "address": addr, "url": url, "title": title,
		"summary": summary, "domain": "", "category": "c", "visitTime": 1.76e12,
	})
	return b
}

func TestBuild(t *testing.T) {
	addr := "0x52908400098527886e0f7030069857d2e4169ee7"
	entries := []store.Entry{
		{ID: "65a000000000000000000001", Activity: "Shopping", VisitTime: 100},
		{ID: "65a000000000000000000002", Activity: "Learning", VisitTime: 200},
		{ID: "65a000000000000000000003", Activity: "Shopping", VisitTime: 300},
	}
	hist := map[string][]byte{
		entries[0].ID: historyJSON(entries[0].ID, addr, "https://a.example/?email=ann@example.com", "Mail jane@example.org", "s"),
		entries[1].ID: historyJSON(entries[1].ID, addr, "https://b.example/", "wallet 0x52908400098527886E0F7030069857D2E4169EE7", "plain"),
		// entries[2]'s document is gone
	}
	d, st, err := archive.Build(addr, "default_hash", 12, entries, hist, pii.New())
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != archive.Version || d.Address != addr || d.PreviousHash != "default_hash" || d.Points != 12 || len(d.Items) != 3 {
		t.Fatalf("document %+v", d)
	}
	if d.FromStamp != 100 || d.ToStamp != 300 || d.Activities["Shopping"] != 2 || d.Activities["Learning"] != 1 {
		t.Errorf("aggregates: stamps %d..%d, activities %v", d.FromStamp, d.ToStamp, d.Activities)
	}
	if st.Gone != 1 || st.Scrubbed != 2 || !d.Items[2].Gone || d.Items[2].URL != "" || d.Items[2].Activity != "Shopping" {
		t.Errorf("stats %+v, gone item %+v", st, d.Items[2])
	}
	if d.Items[0].Title != "Mail <EMAIL_ADDRESS>" || strings.Contains(d.Items[0].URL, "ann@") {
		t.Errorf("not scrubbed: %+v", d.Items[0])
	}
	if !strings.Contains(d.Items[1].Title, "0x52908400098527886E0F7030069857D2E4169EE7") {
		t.Errorf("the user's own address was scrubbed: %q", d.Items[1].Title)
	}
	b1, err := d.Encode()
	if err != nil {
		t.Fatal(err)
	}
	d2, _, _ := archive.Build(addr, "default_hash", 12, entries, hist, pii.New())
	if b2, _ := d2.Encode(); !bytes.Equal(b1, b2) {
		t.Error("encoding is not deterministic")
	}
	for _, want := range []string{`"previous_hash":"default_hash"`, `"fromStamp":100`, `"visitTime":300`, `<EMAIL_ADDRESS>`, `"activities":{"Learning":1,"Shopping":2}`, `"gone":true`, `"id":"65a000000000000000000002"`} {
		if !bytes.Contains(b1, []byte(want)) {
			t.Errorf("encoding lacks %s: %s", want, b1)
		}
	}
	if bytes.Count(b1, []byte(`"gone"`)) != 1 {
		t.Errorf("gone written for items that are not: %s", b1)
	}
	back, err := archive.ParseDocument(b1)
	if err != nil || back.Items[1].Summary != "plain" || back.PreviousHash != "default_hash" {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	if err := d.CheckPII(pii.New()); err != nil {
		t.Errorf("scrubbed document refused: %v", err)
	}
	d.Items[2].URL = "https://c.example/?email=ann@example.com"
	if err := d.CheckPII(pii.New()); !errors.Is(err, archive.ErrPII) {
		t.Errorf("PII not found: %v", err)
	}
	if _, _, err := archive.Build(addr, strings.Repeat("x", archive.MaxPreviousHash+1), 12, entries, hist, pii.New()); err == nil {
		t.Error("an oversized previous_hash accepted")
	}
	if _, _, err := archive.Build(addr, "", 12, make([]store.Entry, archive.MaxItems+1), nil, pii.New()); err == nil {
		t.Error("more than MaxItems items accepted")
	}
}

// hostileText is text that costs the most JSON bytes per byte and holds PII
// that scrubbing lengthens: quotes and backslashes (2 bytes each), control
// characters and U+2028 (6), invalid UTF-8 (6 per byte), e-mail addresses
// (a@b.io becomes <EMAIL_ADDRESS>), cut anywhere.
func hostileText(r *rand.Rand, n int) string {
	parts := []string{`"`, `\`, "\x01", "\u2028", "\xff", "a@b.io ", "é", "x", "\n", "<EMAIL_ADD", "4111 1111 1111 1111 "}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

// TestDocumentSizeBound: 50 items whose every field is as long and as
// expensive to encode as possible, with a maximal previous_hash and 50
// distinct activities, encode to at most MaxDocumentBytes, and signed as a
// data item with the longest tags allowed stay under 100 KiB.
func TestDocumentSizeBound(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	addr := "0x52908400098527886e0f7030069857d2e4169ee7"
	w := testWallet(t)
	worst := 0
	for round := range 4 {
		entries := make([]store.Entry, archive.MaxItems)
		hist := map[string][]byte{}
		for i := range entries {
			id := fmt.Sprintf("%024x", i+1)
			entries[i] = store.Entry{ID: id, Activity: strings.Repeat(`"`, 100) + fmt.Sprint(i), VisitTime: 1<<62 + int64(i)}
			hist[id] = historyJSON(id, addr, hostileText(r, 5000), hostileText(r, 5000), hostileText(r, 20000))
		}
		prev := strings.Repeat("/", archive.MaxPreviousHash)
		d, _, err := archive.Build(addr, prev, 1<<62, entries, hist, pii.New())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range d.Items {
			for _, f := range []struct {
				s   string
				max int
			}{{it.URL, archive.MaxURLBytes}, {it.Title, archive.MaxTitleBytes}, {it.Summary, archive.MaxSummaryBytes}} {
				var b bytes.Buffer
				enc := json.NewEncoder(&b)
				enc.SetEscapeHTML(false)
				enc.Encode(f.s)
				if n := b.Len() - 3; n > f.max { // less the quotes and newline
					t.Fatalf("round %d: a field encodes to %d bytes, cap %d", round, n, f.max)
				}
				if fs := pii.New().Find(f.s, addr); len(fs) > 0 {
					t.Fatalf("round %d: a capped field holds %v", round, pii.Count(fs))
				}
			}
		}
		data, err := d.Encode()
		if err != nil {
			t.Fatal(err)
		}
		worst = max(worst, len(data))
		if len(data) > archive.MaxDocumentBytes {
			t.Fatalf("round %d: document of %d bytes, bound %d", round, len(data), archive.MaxDocumentBytes)
		}
		long := strings.Repeat("v", archive.MaxTagValue)
		item := arweave.NewDataItem(data, d.Tags(long, long, strings.Repeat("A", 43))...)
		if err := item.Sign(w); err != nil {
			t.Fatal(err)
		}
		body, _ := item.MarshalBinary()
		if len(body) > 100*1024 {
			t.Fatalf("round %d: data item of %d bytes, over 100 KiB", round, len(body))
		}
	}
	t.Logf("worst document %d bytes (bound %d)", worst, archive.MaxDocumentBytes)
}

// A cut never leaves a fragment of a placeholder, nor a new finding.
func TestBuildCutsCleanly(t *testing.T) {
	addr := "0x52908400098527886e0f7030069857d2e4169ee7"
	id := "65a000000000000000000001"
	// The e-mail address straddles the summary cap.
	text := strings.Repeat("a", archive.MaxSummaryBytes-5) + " ann@example.com and more"
	d, st, err := archive.Build(addr, "", 0, []store.Entry{{ID: id}}, map[string][]byte{id: historyJSON(id, addr, "u", "t", text)}, pii.New())
	if err != nil {
		t.Fatal(err)
	}
	s := d.Items[0].Summary
	if strings.Contains(s, "<EMAIL") || strings.Contains(s, "ann") || len(s) > archive.MaxSummaryBytes || st.Cut != 1 {
		t.Errorf("cut summary ends %q (len %d), stats %+v", s[len(s)-20:], len(s), st)
	}
	if err := d.CheckPII(pii.New()); err != nil {
		t.Error(err)
	}
}

func TestTags(t *testing.T) {
	d := &archive.Document{Address: "0xabc", Items: make([]archive.Item, 2), FromStamp: 5, ToStamp: 9}
	get := func(tags []arweave.Tag, name string) (string, bool) {
		for _, tg := range tags {
			if tg.Name == name {
				return tg.Value, true
			}
		}
		return "", false
	}
	first := d.Tags("Kleo", "1.2.3", "")
	if _, ok := get(first, archive.TagPreviousTx); ok {
		t.Error("first archive carries a Previous-Tx tag (gateways refuse empty values)")
	}
	for _, tg := range first {
		if tg.Value == "" {
			t.Errorf("empty tag %s", tg.Name)
		}
	}
	later := d.Tags("Kleo", "1.2.3", "PREV")
	for name, want := range map[string]string{
		"Content-Type": "application/json", "App-Name": "Kleo", "App-Version": "1.2.3", "Kleo-Address": "0xabc",
		"Previous-Tx": "PREV", "Item-Count": "2", "From": "5", "To": "9",
	} {
		if v, _ := get(later, name); v != want {
			t.Errorf("tag %s = %q, want %q", name, v, want)
		}
	}
}
