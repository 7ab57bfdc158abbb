package arweave

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Node is one transaction or bundled data item as a gateway's GraphQL
// endpoint describes it.
type Node struct {
	ID        string
	Owner     string // the signer's address
	OwnerKey  string // the signer's public key (base64url modulus)
	Signature string // base64url
	Anchor    string // base64url, "" when none
	Recipient string // base64url target, "" when none
	Tags      []Tag
	BundledIn string // the bundle carrying a data item; "" for a base-layer transaction
	Height    int64  // 0 while pending
	Cursor    string // for After
}

// TagFilter selects transactions carrying tag Name with one of Values.
type TagFilter struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// Query selects transactions through GraphQL.
type Query struct {
	Tags   []TagFilter
	Owners []string // signer addresses; empty for any
	After  string   // cursor of the last node of the previous page
	First  int      // page size; 0 means 100, the most gateways serve
}

// ErrNoGraphQL means the gateway does not serve /graphql.
var ErrNoGraphQL = errors.New("arweave: the gateway has no GraphQL endpoint")

const nodeFields = `id anchor signature recipient owner { address key } tags { name value } bundledIn { id } block { height }`

type gqlNode struct {
	ID        string `json:"id"`
	Anchor    string `json:"anchor"`
	Signature string `json:"signature"`
	Recipient string `json:"recipient"`
	Owner     struct {
		Address string `json:"address"`
		Key     string `json:"key"`
	} `json:"owner"`
	Tags      []struct{ Name, Value string } `json:"tags"`
	BundledIn *struct {
		ID string `json:"id"`
	} `json:"bundledIn"`
	Block *struct {
		Height int64 `json:"height"`
	} `json:"block"`
}

func (n *gqlNode) node(cursor string) Node {
	out := Node{ID: n.ID, Owner: n.Owner.Address, OwnerKey: n.Owner.Key, Signature: n.Signature,
		Anchor: n.Anchor, Recipient: n.Recipient, Cursor: cursor}
	for _, t := range n.Tags {
		out.Tags = append(out.Tags, Tag{Name: t.Name, Value: t.Value})
	}
	if n.BundledIn != nil {
		out.BundledIn = n.BundledIn.ID
	}
	if n.Block != nil {
		out.Height = n.Block.Height
	}
	return out
}

// graphql posts one query and decodes its data into v.
func (g *Gateway) graphql(ctx context.Context, query string, vars map[string]any, v any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	code, b, err := g.client().do(ctx, http.MethodPost, "/graphql", "application/json", body, http.StatusOK, http.StatusNotFound)
	if err != nil {
		return err
	}
	if code == http.StatusNotFound {
		return ErrNoGraphQL
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(b), &r); err != nil {
		return fmt.Errorf("arweave: POST /graphql: %w", err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("arweave: POST /graphql: %s", r.Errors[0].Message)
	}
	return json.Unmarshal(r.Data, v)
}

// Transactions runs q (sorted HEIGHT_DESC: newest, pending first) and
// returns one page and whether more follow; pass the last node's Cursor as
// the next query's After. Gateways that index bundles return data items
// too, with BundledIn set.
func (g *Gateway) Transactions(ctx context.Context, q Query) ([]Node, bool, error) {
	first := q.First
	if first <= 0 {
		first = 100
	}
	vars := map[string]any{"tags": q.Tags, "first": first}
	if len(q.Owners) > 0 {
		vars["owners"] = q.Owners
	}
	if q.After != "" {
		vars["after"] = q.After
	}
	owners, ownersArg := "", ""
	if len(q.Owners) > 0 {
		owners, ownersArg = ", $owners: [String!]", ", owners: $owners"
	}
	after, afterArg := "", ""
	if q.After != "" {
		after, afterArg = ", $after: String", ", after: $after"
	}
	query := `query($tags: [TagFilter!], $first: Int` + owners + after + `) {
  transactions(tags: $tags, first: $first, sort: HEIGHT_DESC` + ownersArg + afterArg + `) {
    pageInfo { hasNextPage }
    edges { cursor node { ` + nodeFields + ` } }
  }
}`
	var r struct {
		Transactions struct {
			PageInfo struct {
				HasNextPage bool `json:"hasNextPage"`
			} `json:"pageInfo"`
			Edges []struct {
				Cursor string  `json:"cursor"`
				Node   gqlNode `json:"node"`
			} `json:"edges"`
		} `json:"transactions"`
	}
	if err := g.graphql(ctx, query, vars, &r); err != nil {
		return nil, false, err
	}
	nodes := make([]Node, len(r.Transactions.Edges))
	for i, e := range r.Transactions.Edges {
		nodes[i] = e.Node.node(e.Cursor)
	}
	return nodes, r.Transactions.PageInfo.HasNextPage && len(nodes) > 0, nil
}

// Node returns what GraphQL knows of id, or ErrNotFound.
func (g *Gateway) Node(ctx context.Context, id string) (Node, error) {
	if err := checkID(id); err != nil {
		return Node{}, err
	}
	var r struct {
		Transaction *gqlNode `json:"transaction"`
	}
	if err := g.graphql(ctx, `query($id: ID!) { transaction(id: $id) { `+nodeFields+` } }`, map[string]any{"id": id}, &r); err != nil {
		return Node{}, err
	}
	if r.Transaction == nil || r.Transaction.ID == "" {
		return Node{}, fmt.Errorf("arweave: GraphQL transaction %s: %w", id, ErrNotFound)
	}
	return r.Transaction.node(""), nil
}

// DataItem rebuilds the data item n describes around data (its payload,
// from GET /{id}), so that its signature can be checked without the bundle
// that carries it. The tags are encoded canonically, as this package and
// arbundles write them.
func (n Node) DataItem(data []byte) (*DataItem, error) {
	dec := func(what, s string) ([]byte, error) {
		if s == "" {
			return nil, nil
		}
		b, err := DecodeB64(s)
		if err != nil {
			return nil, fmt.Errorf("%w: GraphQL %s: %w", ErrInvalidDataItem, what, err)
		}
		return b, nil
	}
	d := &DataItem{Tags: n.Tags, Data: data}
	var err error
	if d.Signature, err = dec("signature", n.Signature); err != nil {
		return nil, err
	}
	if d.Owner, err = dec("owner key", n.OwnerKey); err != nil {
		return nil, err
	}
	if d.Target, err = dec("recipient", n.Recipient); err != nil {
		return nil, err
	}
	if d.Anchor, err = dec("anchor", n.Anchor); err != nil {
		return nil, err
	}
	return d, d.checkShape()
}
