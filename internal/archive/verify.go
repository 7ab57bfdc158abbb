package archive

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/pii"
)

// Upload is one archive as read back from the permaweb: a format-2
// transaction and its data, or an ANS-104 data item.
type Upload struct {
	Tx     *arweave.Transaction // a transaction (its Data may be empty: see Data)
	Item   *arweave.DataItem    // or a data item
	Data   []byte               // the uploaded bytes
	Bundle string               // the transaction carrying Item, when known
}

// Source reads archives back by id; GatewaySource is one.
type Source interface {
	Upload(ctx context.Context, id string) (Upload, error)
}

// VerifyOptions tune VerifyChain.
type VerifyOptions struct {
	PII       Finder // pii.New()
	ItemCount int    // items every archive must hold; 0 accepts any positive count
	Signer    string // the wallet address that must have signed every link; "" accepts any one signer
	MaxLinks  int    // give up after this many links; 100000
}

// Link is one archive of a chain as verified.
type Link struct {
	ID           string
	Previous     string // the Previous-Tx tag: the previous archive's id, "" for the first
	PreviousHash string // the document's previous_hash
	Signer       string // wallet address of the upload's owner
	Item         bool   // the link is an ANS-104 data item (else a base-layer transaction)
	Bundle       string // the bundle transaction carrying it, when the gateway says
	Items        int
	Bytes        int
	From, To     int64
	Problems     []string // empty when the link verified
	Doc          *Document
}

// Chain is the result of VerifyChain: the links from the newest back.
type Chain struct {
	Address string
	Links   []Link
	// Origin is the previous_hash of the first archive this system made for
	// the user: "" (the chain starts there), "default_hash", or the URL of
	// an upload by an older system, where the user's chain continues.
	Origin string
	// Complete is true when the walk reached that first archive.
	Complete bool
}

// OK reports whether every link verified and the walk reached the first.
func (c *Chain) OK() bool {
	for _, l := range c.Links {
		if len(l.Problems) > 0 {
			return false
		}
	}
	return len(c.Links) > 0 && c.Complete
}

// Continues says in words where the chain goes before its first archive.
func (c *Chain) Continues() string {
	switch c.Origin {
	case "":
		return "the chain starts with this system's first archive"
	case "default_hash":
		return `the user's previous_hash was "default_hash": no earlier upload`
	}
	return "the chain continues elsewhere, at " + c.Origin
}

// ErrChain is returned by VerifyChain when a link fails.
var ErrChain = errors.New("archive: chain does not verify")

// VerifyChain walks address's archive chain from the upload newest back to
// the first archive this system made (the one without a Previous-Tx tag),
// reading each from src. For each it checks the signature and id, that the
// data matches data_size and data_root (for a transaction), that the
// document belongs to address, that its Previous-Tx tag names the next
// upload read and its previous_hash is that upload's URL, that its tags
// agree with it (address, Item-Count, From, To), that its items are in
// visit-time order with consistent stamps and activity counts, and that the
// PII engine finds nothing in it. It returns the chain read so far and an
// error matching ErrChain if any check failed or a link could not be read;
// the error names the first failing link.
func VerifyChain(ctx context.Context, src Source, address, newest string, opt VerifyOptions) (*Chain, error) {
	if opt.PII == nil {
		opt.PII = pii.New()
	}
	if opt.MaxLinks <= 0 {
		opt.MaxLinks = 100000
	}
	c := &Chain{Address: address}
	seen := map[string]bool{}
	signer := opt.Signer
	for id := newest; id != ""; {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		if seen[id] || len(c.Links) == opt.MaxLinks {
			c.Links = append(c.Links, Link{ID: id, Problems: []string{"the chain loops or exceeds the link limit"}})
			break
		}
		seen[id] = true
		l := VerifyLink(ctx, src, address, id, opt)
		if l.Signer != "" {
			if signer == "" {
				signer = l.Signer
			} else if l.Signer != signer {
				l.Problems = append(l.Problems, fmt.Sprintf("signed by %s, not %s", l.Signer, signer))
			}
		}
		c.Links = append(c.Links, l)
		if l.Doc == nil {
			break // the link cannot be followed
		}
		if l.Previous == "" {
			c.Origin, c.Complete = l.PreviousHash, true
		}
		id = l.Previous
	}
	if !c.OK() {
		return c, fmt.Errorf("%w: %s", ErrChain, firstProblem(c))
	}
	return c, nil
}

func firstProblem(c *Chain) string {
	for i, l := range c.Links {
		if len(l.Problems) > 0 {
			return fmt.Sprintf("link %d (%s): %s", i+1, l.ID, l.Problems[0])
		}
	}
	if len(c.Links) == 0 {
		return "no archive"
	}
	return "the walk stopped before the first archive"
}

// VerifyLink reads and checks one archive. Its Doc is set when the document
// could be read, so that a walk can go on even past a failed check.
func VerifyLink(ctx context.Context, src Source, address, id string, opt VerifyOptions) Link {
	if opt.PII == nil {
		opt.PII = pii.New()
	}
	l := Link{ID: id}
	bad := func(format string, args ...any) { l.Problems = append(l.Problems, fmt.Sprintf(format, args...)) }
	up, err := src.Upload(ctx, id)
	if err != nil {
		bad("read: %v", err)
		return l
	}
	var tags []arweave.Tag
	switch {
	case up.Item != nil:
		l.Item, l.Bundle = true, up.Bundle
		if got := up.Item.ID(); got != id {
			bad("the gateway served data item %s", got)
		}
		if err := up.Item.Verify(); err != nil {
			bad("signature: %v", err)
		}
		l.Signer, tags, up.Data = up.Item.OwnerAddress(), up.Item.Tags, up.Item.Data
	case up.Tx != nil:
		if up.Tx.ID != id {
			bad("the gateway served transaction %s", up.Tx.ID)
		}
		if err := up.Tx.Verify(); err != nil {
			bad("signature: %v", err)
		}
		if s, err := up.Tx.OwnerAddress(); err == nil {
			l.Signer = s
		}
		if err := up.Tx.VerifyData(up.Data); err != nil {
			bad("data: %v", err)
		}
		tags = up.Tx.Tags
	default:
		bad("read: neither a transaction nor a data item")
		return l
	}
	l.Bytes = len(up.Data)
	doc, err := ParseDocument(up.Data)
	if err != nil {
		bad("%v", err)
		return l
	}
	l.Doc = doc
	l.PreviousHash, l.Items, l.From, l.To = doc.PreviousHash, len(doc.Items), doc.FromStamp, doc.ToStamp
	l.Previous, _ = findTag(tags, TagPreviousTx)
	if doc.Version != Version {
		bad("document version %d, want %d", doc.Version, Version)
	}
	if doc.Address != address {
		bad("document of address %q", doc.Address)
	}
	checkTag := func(name, want string) {
		if got, _ := findTag(tags, name); got != want {
			bad("tag %s is %q, want %q", name, got, want)
		}
	}
	checkTag(TagContentType, "application/json")
	checkTag(TagAddress, address)
	checkTag(TagItemCount, strconv.Itoa(len(doc.Items)))
	checkTag(TagFrom, strconv.FormatInt(doc.FromStamp, 10))
	checkTag(TagTo, strconv.FormatInt(doc.ToStamp, 10))
	if l.Previous != "" && !strings.HasSuffix(doc.PreviousHash, "/"+l.Previous) {
		bad("previous_hash is not the URL of the Previous-Tx %s", l.Previous)
	}
	if len(doc.Items) == 0 || (opt.ItemCount > 0 && len(doc.Items) != opt.ItemCount) {
		bad("%d items, want %d", len(doc.Items), opt.ItemCount)
	}
	acts := map[string]int64{}
	for i, it := range doc.Items {
		acts[it.Activity]++
		if i > 0 && it.VisitTime < doc.Items[i-1].VisitTime {
			bad("items are not in visit-time order at %d", i)
		}
	}
	if n := len(doc.Items); n > 0 && (doc.FromStamp != doc.Items[0].VisitTime || doc.ToStamp != doc.Items[n-1].VisitTime) {
		bad("fromStamp/toStamp do not match the items")
	}
	if !equalCounts(acts, doc.Activities) {
		bad("activity counts do not match the items")
	}
	if err := doc.CheckPII(opt.PII); err != nil {
		bad("%v", err)
	}
	return l
}

func findTag(tags []arweave.Tag, name string) (string, bool) {
	for _, t := range tags {
		if t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

func equalCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// GatewaySource reads archives through a gateway. It asks the gateway's
// GraphQL endpoint what an id is: a bundled data item is rebuilt from its
// GraphQL metadata (signature, owner key, tags, anchor) and its data from
// GET /{id}, so its signature is checked without fetching the bundle; a
// base-layer transaction is read from GET /tx/{id} and GET /{id}. Without
// GraphQL (or before the gateway indexed the id) only transactions are read.
type GatewaySource struct {
	Gateway *arweave.Gateway
}

// Upload implements Source.
func (g GatewaySource) Upload(ctx context.Context, id string) (Upload, error) {
	n, nerr := g.Gateway.Node(ctx, id)
	switch {
	case nerr == nil && n.BundledIn != "":
		return g.item(ctx, n)
	case nerr == nil, errors.Is(nerr, arweave.ErrNoGraphQL), errors.Is(nerr, arweave.ErrNotFound):
	default:
		return Upload{}, nerr
	}
	tx, err := g.Gateway.Transaction(ctx, id)
	if nerr == nil && (err != nil || tx.Verify() != nil) {
		// Not a valid base-layer transaction, and GraphQL knows the id: a
		// data item of a gateway that does not say which bundle holds it
		// (arlocal serves data items at /tx/{id} too).
		if up, ierr := g.item(ctx, n); ierr == nil && up.Item.Verify() == nil {
			return up, nil
		}
	}
	if err != nil {
		return Upload{}, err
	}
	data, err := g.Gateway.Data(ctx, id)
	if err != nil {
		return Upload{}, err
	}
	return Upload{Tx: tx, Data: data}, nil
}

func (g GatewaySource) item(ctx context.Context, n arweave.Node) (Upload, error) {
	data, err := g.Gateway.Data(ctx, n.ID)
	if err != nil {
		return Upload{}, err
	}
	item, err := n.DataItem(data)
	if err != nil {
		return Upload{}, err
	}
	return Upload{Item: item, Data: data, Bundle: n.BundledIn}, nil
}
