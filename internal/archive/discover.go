package archive

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/kleo-network/kleo-stream/internal/arweave"
)

// DiscoverOptions tune Discover.
type DiscoverOptions struct {
	AppName  string // the App-Name tag archives carry; "Kleo"
	Signer   string // only archives signed by this wallet address; "" for any
	PageSize int    // GraphQL page size; 100
}

// Discovered is what a gateway's index knows of a user's archives.
type Discovered struct {
	Head  string         // the newest archive: the one no other names as Previous-Tx
	Heads []string       // every such archive, newest first by To tag; more than one means a fork
	Nodes []arweave.Node // every archive found, in the order the gateway listed them
	Pages int
}

// ErrNotDiscovered means the gateway's index holds no archive of the address.
var ErrNotDiscovered = errors.New("archive: no archive of the address in the gateway's index")

// Discover finds a user's archives with nothing but a gateway: its GraphQL
// endpoint, queried for the Kleo-Address and App-Name tags, newest first
// (HEIGHT_DESC), page after page. Gateways that index bundles list bundled
// data items too. The head is the archive no other archive names in its
// Previous-Tx tag; anyone can post an upload with these tags, so give the
// operator's wallet as Signer to ignore others'.
func Discover(ctx context.Context, g *arweave.Gateway, address string, opt DiscoverOptions) (*Discovered, error) {
	if opt.AppName == "" {
		opt.AppName = "Kleo"
	}
	q := arweave.Query{
		Tags:  []arweave.TagFilter{{Name: TagAddress, Values: []string{address}}, {Name: TagAppName, Values: []string{opt.AppName}}},
		First: opt.PageSize,
	}
	if opt.Signer != "" {
		q.Owners = []string{opt.Signer}
	}
	d := &Discovered{}
	seen := map[string]bool{}
	for {
		nodes, more, err := g.Transactions(ctx, q)
		if err != nil {
			return d, fmt.Errorf("archive: discover: %w", err)
		}
		d.Pages++
		for _, n := range nodes {
			if !seen[n.ID] && (opt.Signer == "" || n.Owner == opt.Signer) {
				seen[n.ID] = true
				d.Nodes = append(d.Nodes, n)
			}
		}
		if !more {
			break
		}
		q.After = nodes[len(nodes)-1].Cursor
	}
	if len(d.Nodes) == 0 {
		return d, ErrNotDiscovered
	}
	named := map[string]bool{}
	for _, n := range d.Nodes {
		if p, ok := findTag(n.Tags, TagPreviousTx); ok {
			named[p] = true
		}
	}
	var heads []arweave.Node
	for _, n := range d.Nodes {
		if !named[n.ID] {
			heads = append(heads, n)
		}
	}
	if len(heads) == 0 {
		return d, fmt.Errorf("archive: discover: every archive found is named as a previous one (a loop)")
	}
	to := func(n arweave.Node) int64 {
		v, _ := findTag(n.Tags, TagTo)
		t, _ := strconv.ParseInt(v, 10, 64)
		return t
	}
	slices.SortStableFunc(heads, func(a, b arweave.Node) int { return cmp.Compare(to(b), to(a)) })
	for _, h := range heads {
		d.Heads = append(d.Heads, h.ID)
	}
	d.Head = d.Heads[0]
	return d, nil
}
