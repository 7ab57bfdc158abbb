package archive_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
)

// archivedChain sweeps 160 items of one user into a chain of three archives
// on a fake gateway, mined, and returns the user's chain head.
func archivedChain(t *testing.T) (archive.Source, func(string, func([]byte) []byte), string, *arweave.Wallet) {
	t.Helper()
	st := openStore(t)
	g, gw := fakeGateway(t)
	w := testWallet(t)
	addUser(t, st, address(1), irys)
	seed(t, st, address(1), 0, 160)
	rep, err := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: w}, archive.Options{}).Sweep(context.Background())
	if err != nil || rep.Uploads != 3 {
		t.Fatalf("sweep: %+v, %v", rep, err)
	}
	g.Mine()
	return archive.GatewaySource{Gateway: gw}, g.Tamper, user(t, st, address(1)).LastArchive, w
}

const irys = "https://gateway.irys.xyz/Jq2Hbd0Y3qvV1mJX8H4fJvF5KtXxJ1P9Q2w3e4r5t6y"

func TestVerifyChainOfThree(t *testing.T) {
	gw, _, head, w := archivedChain(t)
	c, err := archive.VerifyChain(context.Background(), gw, address(1), head, archive.VerifyOptions{ItemCount: 50, Signer: w.Address()})
	if err != nil {
		t.Fatal(err)
	}
	if !c.OK() || len(c.Links) != 3 {
		t.Fatalf("chain %+v", c)
	}
	if c.Links[0].ID != head || c.Links[2].Previous != "" || !c.Complete {
		t.Errorf("links do not run from the head %s back to the first: %+v", head, c.Links)
	}
	if c.Origin != irys || !strings.Contains(c.Continues(), "continues elsewhere, at "+irys) {
		t.Errorf("origin %q (%s), want the user's Irys URL", c.Origin, c.Continues())
	}
	for i, l := range c.Links {
		if l.Items != 50 || l.Signer != w.Address() {
			t.Errorf("link %d: %+v", i, l)
		}
		if i > 0 && (c.Links[i-1].Previous != l.ID || c.Links[i-1].PreviousHash != archive.DefaultURLBase+"/"+l.ID) {
			t.Errorf("link %d is not the previous of link %d", i, i-1)
		}
		if i > 0 && l.To > c.Links[i-1].From {
			t.Errorf("link %d's items are newer than link %d's", i, i-1)
		}
	}
	// Another address's chain is not this one.
	if _, err := archive.VerifyChain(context.Background(), gw, address(2), head, archive.VerifyOptions{}); !errors.Is(err, archive.ErrChain) {
		t.Errorf("wrong address verified: %v", err)
	}
	// The wrong signer is reported.
	if _, err := archive.VerifyChain(context.Background(), gw, address(1), head, archive.VerifyOptions{Signer: "someone-else"}); !errors.Is(err, archive.ErrChain) {
		t.Errorf("wrong signer verified: %v", err)
	}
}

func TestVerifyRejectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		link   int // 0 is the head
		tamper func([]byte) []byte
		want   string
	}{
		{"summary changed", 1, func(b []byte) []byte { return bytes.Replace(b, []byte("tomatoes"), []byte("potatoes"), 1) }, "data_root"},
		{"item dropped", 0, func(b []byte) []byte {
			d, _ := archive.ParseDocument(b)
			d.Items = d.Items[1:]
			out, _ := d.Encode()
			return out
		}, "data"},
		{"chain relinked", 0, func(b []byte) []byte {
			d, _ := archive.ParseDocument(b)
			d.PreviousHash = ""
			out, _ := d.Encode()
			return out
		}, "data"},
		{"truncated", 2, func(b []byte) []byte { return b[:len(b)/2] }, "data_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw, tamper, head, _ := archivedChain(t)
			ids := chainIDs(t, gw, head)
			tamper(ids[tt.link], tt.tamper)
			c, err := archive.VerifyChain(context.Background(), gw, address(1), head, archive.VerifyOptions{ItemCount: 50})
			if !errors.Is(err, archive.ErrChain) || c.OK() {
				t.Fatalf("tampered chain verified: %v", err)
			}
			l := c.Links[tt.link]
			if l.ID != ids[tt.link] || len(l.Problems) == 0 || !strings.Contains(strings.Join(l.Problems, "; "), tt.want) {
				t.Errorf("link %d %s: problems %q, want one about %s", tt.link, l.ID, l.Problems, tt.want)
			}
			for i, other := range c.Links {
				if i != tt.link && len(other.Problems) > 0 {
					t.Errorf("untouched link %d reported %q", i, other.Problems)
				}
			}
		})
	}
}

func chainIDs(t *testing.T, gw archive.Source, head string) []string {
	t.Helper()
	c, err := archive.VerifyChain(context.Background(), gw, address(1), head, archive.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range c.Links {
		ids = append(ids, l.ID)
	}
	return ids
}

// A correctly signed archive whose document holds PII fails verification,
// as does one whose tags disagree with its document, and one whose
// previous_hash is not the URL of its Previous-Tx.
func TestVerifyChecksContentAndTags(t *testing.T) {
	_, gw := fakeGateway(t)
	src := archive.GatewaySource{Gateway: gw}
	w := testWallet(t)
	up := &arweave.GatewayUploader{Gateway: gw, Wallet: w}
	doc := func(summary, prev string) *archive.Document {
		d := &archive.Document{Version: archive.Version, Address: address(1), Points: 12, PreviousHash: prev, Activities: map[string]int64{"Shopping": 3}}
		for i := range 3 {
			d.Items = append(d.Items, archive.Item{ID: itemID(address(1), i), URL: "https://example.com/x", Title: "t", Activity: "Shopping", VisitTime: int64(i)})
		}
		d.Items[1].Summary = summary
		d.FromStamp, d.ToStamp = 0, 2
		return d
	}
	post := func(doc *archive.Document, tags []arweave.Tag) string {
		data, err := doc.Encode()
		if err != nil {
			t.Fatal(err)
		}
		s, err := up.Prepare(context.Background(), data, tags)
		if err != nil {
			t.Fatal(err)
		}
		if err := up.Post(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	d := doc("call me at +1 415 555 0132 or mail bob@example.com", "")
	id := post(d, d.Tags("Kleo", "test", ""))
	c, err := archive.VerifyChain(context.Background(), src, address(1), id, archive.VerifyOptions{})
	if !errors.Is(err, archive.ErrChain) || !strings.Contains(strings.Join(c.Links[0].Problems, ";"), "PII") {
		t.Errorf("PII not reported: %+v, %v", c, err)
	}
	if strings.Contains(err.Error(), "bob@") || strings.Contains(err.Error(), "555") {
		t.Errorf("the report quotes the PII: %v", err)
	}

	d = doc("clean", "")
	first := post(d, d.Tags("Kleo", "test", ""))
	if c, err := archive.VerifyChain(context.Background(), src, address(1), first, archive.VerifyOptions{}); err != nil || c.Origin != "" {
		t.Fatalf("a clean one-archive chain: %+v, %v", c, err)
	}
	tags := d.Tags("Kleo", "test", "")
	tags[len(tags)-3].Value = "4" // Item-Count
	id = post(d, tags)
	c, err = archive.VerifyChain(context.Background(), src, address(1), id, archive.VerifyOptions{})
	if !errors.Is(err, archive.ErrChain) || !strings.Contains(strings.Join(c.Links[0].Problems, ";"), "Item-Count") {
		t.Errorf("bad Item-Count tag not reported: %+v, %v", c, err)
	}

	// Previous-Tx names the first archive, but previous_hash points elsewhere.
	d = doc("clean", "https://arweave.net/"+strings.Repeat("A", 43))
	id = post(d, d.Tags("Kleo", "test", first))
	c, err = archive.VerifyChain(context.Background(), src, address(1), id, archive.VerifyOptions{})
	if !errors.Is(err, archive.ErrChain) || !strings.Contains(strings.Join(c.Links[0].Problems, ";"), "not the URL of the Previous-Tx") {
		t.Errorf("a previous_hash that disagrees with Previous-Tx not reported: %+v, %v", c, err)
	}
}
