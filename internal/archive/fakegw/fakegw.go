// Package fakegw is an in-process stand-in for an Arweave gateway: the
// endpoints the archiver and `kleo verify` use, with real verification of
// what is posted, and knobs for the faults tests need (expired anchors,
// tampered data). It is for tests and for local runs without node; it stores
// everything in memory and moves no tokens.
//
// Accepted ANS-104 bundles (Bundle-Format: binary, Bundle-Version: 2.0.0)
// are unpacked: their valid data items are served by GET /{id} and listed
// by Items, with the bundles that carried each (Carriers).
//
// Endpoints: GET /tx_anchor, GET /price/{bytes}, POST /tx, POST /chunk,
// POST /graphql (transaction by id, transactions by tags, newest first),
// GET /tx/{id}/status, GET /tx/{id}, GET /{id}, GET /mine, GET /mint/{addr}/{n}.
package fakegw

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/kleo-network/kleo-stream/internal/arweave"
)

type entry struct {
	header *arweave.Transaction // without data
	data   []byte               // nil until every chunk arrived
	chunks map[int64][]byte     // by end offset, for chunked uploads
	mined  bool
}

// Gateway is the stand-in. Serve it with httptest.NewServer or any
// http.Server on 127.0.0.1. Its methods are safe for concurrent use.
type Gateway struct {
	mu       sync.Mutex
	anchor   string
	valid    map[string]bool // anchors it accepts
	txs      map[string]*entry
	accepted []string // ids, in the order first accepted
	posts    int      // POST /tx requests answered 2xx, repeats included
	tamper   map[string]func([]byte) []byte
	height   int64
	// Data items unpacked from accepted ANS-104 bundles, as gateways index them.
	items   map[string]*arweave.DataItem
	itemIDs []string            // in the order first carried
	carries map[string][]string // item id -> the bundles that carried it
}

// New returns an empty gateway with one fresh anchor.
func New() *Gateway {
	g := &Gateway{valid: map[string]bool{}, txs: map[string]*entry{}, tamper: map[string]func([]byte) []byte{},
		items: map[string]*arweave.DataItem{}, carries: map[string][]string{}}
	g.newAnchor()
	return g
}

func (g *Gateway) newAnchor() {
	var b [48]byte
	rand.Read(b[:])
	g.anchor = arweave.EncodeB64(b[:])
	g.valid[g.anchor] = true
}

// ExpireAnchors makes every anchor handed out so far too old: a transaction
// that names one is refused with 400 "Invalid anchor (last_tx).", as arweave
// nodes do 50 blocks on.
func (g *Gateway) ExpireAnchors() {
	g.mu.Lock()
	defer g.mu.Unlock()
	clear(g.valid)
	g.newAnchor()
}

// Mine confirms every accepted transaction.
func (g *Gateway) Mine() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.height++
	for _, e := range g.txs {
		e.mined = true
	}
}

// Tamper makes GET /{id} serve f(data) instead of the data posted (of a
// transaction or of a data item).
func (g *Gateway) Tamper(id string, f func([]byte) []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tamper[id] = f
}

// Accepted returns the ids of the accepted transactions, in order.
func (g *Gateway) Accepted() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.accepted...)
}

// Posts returns how many POST /tx requests were answered with success,
// repeats of an accepted transaction included.
func (g *Gateway) Posts() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.posts
}

// Items returns the ids of the data items unpacked from accepted bundles,
// in the order first carried.
func (g *Gateway) Items() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.itemIDs...)
}

// Carriers returns the accepted bundles that carried data item id.
func (g *Gateway) Carriers(id string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.carries[id]...)
}

// Item returns an unpacked data item.
func (g *Gateway) Item(id string) (*arweave.DataItem, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	d, ok := g.items[id]
	return d, ok
}

// Data returns the data of an accepted transaction, as posted, or of a
// data item unpacked from a bundle.
func (g *Gateway) Data(id string) ([]byte, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if d := g.items[id]; d != nil {
		return d.Data, true
	}
	e := g.txs[id]
	if e == nil || e.data == nil {
		return nil, false
	}
	return e.data, true
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(p, "/")
	switch {
	case r.Method == http.MethodGet && p == "tx_anchor":
		io.WriteString(w, g.anchor)
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "price":
		n, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || n < 0 {
			http.Error(w, "bad size", http.StatusBadRequest)
			return
		}
		io.WriteString(w, strconv.FormatInt(1000000+n*1000, 10))
	case r.Method == http.MethodPost && p == "graphql":
		g.graphql(w, r)
	case r.Method == http.MethodPost && p == "tx":
		g.postTx(w, r)
	case r.Method == http.MethodPost && p == "chunk":
		g.postChunk(w, r)
	case r.Method == http.MethodGet && p == "mine":
		g.height++
		for _, e := range g.txs {
			e.mined = true
		}
		io.WriteString(w, "mined")
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "mint":
		io.WriteString(w, parts[2])
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "tx" && parts[2] == "status":
		e := g.txs[parts[1]]
		switch {
		case e == nil || e.data == nil:
			http.NotFound(w, r)
		case !e.mined:
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, "Pending")
		default:
			json.NewEncoder(w).Encode(map[string]any{
				"block_height": g.height, "block_indep_hash": arweave.EncodeB64(make([]byte, 48)), "number_of_confirmations": 1,
			})
		}
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "tx":
		e := g.txs[parts[1]]
		if e == nil {
			http.NotFound(w, r)
			return
		}
		b, _ := json.Marshal(e.header)
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	case r.Method == http.MethodGet && len(parts) == 1 && g.items[parts[0]] != nil:
		data := g.items[parts[0]].Data
		if f := g.tamper[parts[0]]; f != nil {
			data = f(append([]byte(nil), data...))
		}
		w.Write(data)
	case r.Method == http.MethodGet && len(parts) == 1:
		e := g.txs[parts[0]]
		if e == nil || e.data == nil {
			http.NotFound(w, r)
			return
		}
		data := e.data
		if f := g.tamper[parts[0]]; f != nil {
			data = f(append([]byte(nil), data...))
		}
		w.Write(data)
	default:
		http.NotFound(w, r)
	}
}

func (g *Gateway) postTx(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	tx, err := arweave.ParseTransaction(b)
	if err == nil {
		err = tx.Verify()
	}
	if err != nil {
		http.Error(w, "Transaction verification failed.", http.StatusBadRequest)
		return
	}
	if e := g.txs[tx.ID]; e != nil {
		g.posts++
		w.WriteHeader(http.StatusAlreadyReported)
		io.WriteString(w, "Transaction already processed.")
		return
	}
	if !g.valid[tx.LastTx] {
		http.Error(w, "Invalid anchor (last_tx).", http.StatusBadRequest)
		return
	}
	size, err := strconv.ParseInt(tx.DataSize, 10, 64)
	if err != nil || (len(tx.Data) > 0 && int64(len(tx.Data)) != size) {
		http.Error(w, "bad data_size", http.StatusBadRequest)
		return
	}
	e := &entry{chunks: map[int64][]byte{}}
	if len(tx.Data) > 0 || size == 0 {
		e.data = tx.Data
		if e.data == nil {
			e.data = []byte{}
		}
	}
	h := *tx
	h.Data = nil
	e.header = &h
	g.txs[tx.ID] = e
	g.accepted = append(g.accepted, tx.ID)
	g.posts++
	if e.data != nil {
		g.unbundle(tx.ID, e)
	}
	io.WriteString(w, "OK")
}

// unbundle indexes the valid data items of an ANS-104 bundle transaction
// whose data is complete, as gateways that index bundles do.
func (g *Gateway) unbundle(id string, e *entry) {
	f, _ := e.header.Tag("Bundle-Format")
	v, _ := e.header.Tag("Bundle-Version")
	if f != "binary" || v != "2.0.0" {
		return
	}
	entries, err := arweave.ParseBundle(e.data)
	if err != nil {
		return
	}
	for _, be := range entries {
		d, err := arweave.ParseDataItem(be.Raw)
		if err != nil || d.Verify() != nil {
			continue
		}
		if g.items[be.ID] == nil {
			g.items[be.ID] = d
			g.itemIDs = append(g.itemIDs, be.ID)
		}
		g.carries[be.ID] = append(g.carries[be.ID], id)
	}
}

// postChunk collects a chunked upload's data; it does not check the proofs
// (package arweave's tests do, against arlocal).
func (g *Gateway) postChunk(w http.ResponseWriter, r *http.Request) {
	var c arweave.ChunkUpload
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		http.Error(w, "bad chunk", http.StatusBadRequest)
		return
	}
	for _, e := range g.txs {
		if e.header.DataRoot != c.DataRoot || e.data != nil {
			continue
		}
		chunk, err := arweave.DecodeB64(c.Chunk)
		off, err2 := strconv.ParseInt(c.Offset, 10, 64)
		if err != nil || err2 != nil {
			http.Error(w, "bad chunk", http.StatusBadRequest)
			return
		}
		e.chunks[off] = chunk
		var total int64
		for _, ch := range e.chunks {
			total += int64(len(ch))
		}
		if strconv.FormatInt(total, 10) == e.header.DataSize {
			e.data = assemble(e.chunks)
			g.unbundle(e.header.ID, e)
		}
	}
	io.WriteString(w, "OK")
}

// assemble orders chunks by the offsets of their last bytes.
func assemble(chunks map[int64][]byte) []byte {
	offs := make([]int64, 0, len(chunks))
	for o := range chunks {
		offs = append(offs, o)
	}
	slices.Sort(offs)
	var out []byte
	for _, o := range offs {
		out = append(out, chunks[o]...)
	}
	return out
}

// String names the gateway in messages.
func (g *Gateway) String() string { return fmt.Sprintf("fakegw(%d transactions)", len(g.Accepted())) }
