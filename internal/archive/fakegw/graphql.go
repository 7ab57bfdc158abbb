package fakegw

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/kleo-network/kleo-stream/internal/arweave"
)

// gqlNode is a transaction or data item in the shape gateways' GraphQL
// returns it.
type gqlNode struct {
	ID        string              `json:"id"`
	Anchor    string              `json:"anchor"`
	Signature string              `json:"signature"`
	Recipient string              `json:"recipient"`
	Owner     map[string]string   `json:"owner"`
	Tags      []map[string]string `json:"tags"`
	BundledIn map[string]string   `json:"bundledIn"`
	Block     map[string]int64    `json:"block"`
	tags      []arweave.Tag
}

func (g *Gateway) nodeOf(id string) *gqlNode {
	n := &gqlNode{ID: id}
	if e := g.txs[id]; e != nil {
		h := e.header
		addr, _ := h.OwnerAddress()
		n.Anchor, n.Signature, n.Recipient, n.tags = h.LastTx, h.Signature, h.Target, h.Tags
		n.Owner = map[string]string{"address": addr, "key": h.Owner}
		if e.mined {
			n.Block = map[string]int64{"height": g.height}
		}
	} else if d := g.items[id]; d != nil {
		n.Anchor, n.Signature, n.Recipient, n.tags = arweave.EncodeB64(d.Anchor), arweave.EncodeB64(d.Signature), arweave.EncodeB64(d.Target), d.Tags
		n.Owner = map[string]string{"address": d.OwnerAddress(), "key": arweave.EncodeB64(d.Owner)}
		carrier := g.carries[id][0]
		n.BundledIn = map[string]string{"id": carrier}
		if g.txs[carrier].mined {
			n.Block = map[string]int64{"height": g.height}
		}
	} else {
		return nil
	}
	for _, t := range n.tags {
		n.Tags = append(n.Tags, map[string]string{"name": t.Name, "value": t.Value})
	}
	return n
}

// graphql answers the two queries the archiver's tools send: transaction(id)
// and transactions(tags, owners, first, after), newest first. It tells them
// apart by their variables, not by parsing the query.
func (g *Gateway) graphql(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Variables struct {
			ID     string              `json:"id"`
			Tags   []arweave.TagFilter `json:"tags"`
			Owners []string            `json:"owners"`
			First  int                 `json:"first"`
			After  string              `json:"after"`
		} `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad query", http.StatusBadRequest)
		return
	}
	v := req.Variables
	w.Header().Set("Content-Type", "application/json")
	if v.ID != "" {
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"transaction": g.nodeOf(v.ID)}})
		return
	}
	all := append(append([]string(nil), g.accepted...), g.itemIDs...)
	slices.Reverse(all) // newest first
	var match []*gqlNode
	for _, id := range all {
		n := g.nodeOf(id)
		if n != nil && matches(n, v.Tags, v.Owners) {
			match = append(match, n)
		}
	}
	start, _ := strconv.Atoi(v.After)
	start = min(max(start, 0), len(match))
	end := len(match)
	if v.First > 0 {
		end = min(end, start+v.First)
	}
	edges := []map[string]any{}
	for i, n := range match[start:end] {
		edges = append(edges, map[string]any{"cursor": strconv.Itoa(start + i + 1), "node": n})
	}
	json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"transactions": map[string]any{
		"pageInfo": map[string]bool{"hasNextPage": end < len(match)}, "edges": edges,
	}}})
}

func matches(n *gqlNode, tags []arweave.TagFilter, owners []string) bool {
	if len(owners) > 0 && !slices.Contains(owners, n.Owner["address"]) {
		return false
	}
	for _, f := range tags {
		ok := false
		for _, t := range n.tags {
			if t.Name == f.Name && slices.Contains(f.Values, t.Value) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
