package archive

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/pii"
)

// Source is where VerifyChain reads transactions; *arweave.Gateway is one.
type Source interface {
	Transaction(ctx context.Context, id string) (*arweave.Transaction, error)
	Data(ctx context.Context, id string) ([]byte, error)
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
	ID       string
	Previous string // the document's previous_hash
	Signer   string // wallet address of the transaction's owner
	Items    int
	Bytes    int
	From, To int64
	Problems []string // empty when the link verified
}

// Chain is the result of VerifyChain: the links from the newest back.
type Chain struct {
	Address string
	Links   []Link
}

// OK reports whether every link verified.
func (c *Chain) OK() bool {
	for _, l := range c.Links {
		if len(l.Problems) > 0 {
			return false
		}
	}
	return len(c.Links) > 0
}

// ErrChain is returned by VerifyChain when a link fails.
var ErrChain = errors.New("archive: chain does not verify")

// VerifyChain walks address's archive chain from the transaction newest back
// to the first archive (previous_hash ""), reading each transaction's header
// and data from src. For each it checks the signature and id, that the data
// matches data_size and data_root, that the document belongs to address and
// links to the next transaction read, that its tags agree with it (address,
// Previous-Tx, Item-Count, From, To), that its items are in visit-time order
// with consistent stamps and activity counts, and that the PII engine finds
// nothing in it. It returns the chain read so far and an error matching
// ErrChain if any check failed or a link could not be read.
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
		l, doc := verifyLink(ctx, src, address, id, opt)
		if l.Signer != "" {
			if signer == "" {
				signer = l.Signer
			} else if l.Signer != signer {
				l.Problems = append(l.Problems, fmt.Sprintf("signed by %s, not %s", l.Signer, signer))
			}
		}
		c.Links = append(c.Links, l)
		if doc == nil {
			break // the link cannot be followed
		}
		id = doc.PreviousHash
	}
	if !c.OK() {
		return c, fmt.Errorf("%w: %s", ErrChain, firstProblem(c))
	}
	return c, nil
}

func firstProblem(c *Chain) string {
	for _, l := range c.Links {
		if len(l.Problems) > 0 {
			return l.ID + ": " + l.Problems[0]
		}
	}
	return "no archive"
}

// verifyLink checks one transaction. It returns the document when it could
// be read, so that the walk can go on even past a failed check.
func verifyLink(ctx context.Context, src Source, address, id string, opt VerifyOptions) (Link, *Document) {
	l := Link{ID: id}
	bad := func(format string, args ...any) { l.Problems = append(l.Problems, fmt.Sprintf(format, args...)) }
	tx, err := src.Transaction(ctx, id)
	if err != nil {
		bad("read header: %v", err)
		return l, nil
	}
	if tx.ID != id {
		bad("the gateway served transaction %s", tx.ID)
	}
	if err := tx.Verify(); err != nil {
		bad("signature: %v", err)
	}
	if s, err := tx.OwnerAddress(); err == nil {
		l.Signer = s
	}
	data, err := src.Data(ctx, id)
	if err != nil {
		bad("read data: %v", err)
		return l, nil
	}
	l.Bytes = len(data)
	if err := tx.VerifyData(data); err != nil {
		bad("data: %v", err)
	}
	doc, err := ParseDocument(data)
	if err != nil {
		bad("%v", err)
		return l, nil
	}
	l.Previous, l.Items, l.From, l.To = doc.PreviousHash, len(doc.Items), doc.FromStamp, doc.ToStamp
	if doc.Version != Version {
		bad("document version %d, want %d", doc.Version, Version)
	}
	if doc.Address != address {
		bad("document of address %q", doc.Address)
	}
	checkTag := func(name, want string) {
		got, ok := tx.Tag(name)
		if want == "" {
			if ok {
				bad("tag %s is %q, want it absent", name, got)
			}
			return
		}
		if got != want {
			bad("tag %s is %q, want %q", name, got, want)
		}
	}
	checkTag(TagContentType, "application/json")
	checkTag(TagAddress, address)
	checkTag(TagPreviousTx, doc.PreviousHash)
	checkTag(TagItemCount, strconv.Itoa(len(doc.Items)))
	checkTag(TagFrom, strconv.FormatInt(doc.FromStamp, 10))
	checkTag(TagTo, strconv.FormatInt(doc.ToStamp, 10))
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
	return l, doc
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
