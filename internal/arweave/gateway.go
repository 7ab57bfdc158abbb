package arweave

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Gateway is a client of an Arweave gateway or node HTTP API (arweave.net,
// an ar.io gateway, arlocal). Set URL; the other fields are optional. A
// Gateway is safe for concurrent use.
type Gateway struct {
	URL   string       // e.g. "https://arweave.net", no trailing path
	HTTP  *http.Client // nil means http.DefaultClient
	Retry Retry
	// InlineMax is the largest data Post sends inside POST /tx; larger data
	// goes chunk by chunk. 0 means MaxChunkSize, as arweave-js does. arlocal
	// unpacks a bundle only when its data comes inline.
	InlineMax int
}

func (g *Gateway) client() client { return client{base: trimBase(g.URL), http: g.HTTP, retry: g.Retry} }

// Anchor returns a recent block hash to use as a transaction's LastTx
// (GET /tx_anchor).
func (g *Gateway) Anchor(ctx context.Context) (string, error) {
	_, b, err := g.client().do(ctx, http.MethodGet, "/tx_anchor", "", nil, http.StatusOK)
	if err != nil {
		return "", err
	}
	a := string(bytes.TrimSpace(b))
	if _, err := DecodeB64(a); err != nil {
		return "", fmt.Errorf("arweave: GET /tx_anchor: %w", err)
	}
	return a, nil
}

// Price returns the reward in winston for storing size bytes (GET /price/{size}).
func (g *Gateway) Price(ctx context.Context, size int64) (string, error) {
	path := "/price/" + strconv.FormatInt(size, 10)
	_, b, err := g.client().do(ctx, http.MethodGet, path, "", nil, http.StatusOK)
	if err != nil {
		return "", err
	}
	p := string(bytes.TrimSpace(b))
	if err := checkWinston("price", p); err != nil {
		return "", fmt.Errorf("arweave: GET %s: %w", path, err)
	}
	return p, nil
}

// Post uploads a signed transaction: in the body of POST /tx when its data
// fits InlineMax, else the header alone and then every chunk by POST /chunk.
//
// Post may be repeated after a failure. Nodes answer a repeated POST /tx in
// different ways (208, or an error as arlocal does), so when the gateway
// refuses the header Post asks for its status, and a valid transaction whose
// id the gateway already knows counts as posted (the id commits to the
// signature, which commits to the content); its chunks are then posted again.
func (g *Gateway) Post(ctx context.Context, tx *Transaction) error {
	header := tx
	inline := g.InlineMax
	if inline <= 0 {
		inline = MaxChunkSize
	}
	if len(tx.Data) > inline {
		h := *tx
		h.Data = nil
		header = &h
	}
	if err := g.postHeader(ctx, header); err != nil {
		var he *HTTPError
		if !errors.As(err, &he) || errors.Is(err, ErrUnavailable) || tx.Verify() != nil {
			return err
		}
		if st, serr := g.Status(ctx, tx.ID); serr != nil || st.State == StateUnknown {
			return err
		}
	}
	if header == tx {
		return nil
	}
	return g.PostChunks(ctx, tx)
}

func (g *Gateway) postHeader(ctx context.Context, tx *Transaction) error {
	body, err := json.Marshal(tx)
	if err != nil {
		return err
	}
	_, _, err = g.client().do(ctx, http.MethodPost, "/tx", "application/json", body,
		http.StatusOK, http.StatusAccepted, http.StatusAlreadyReported)
	return err
}

// PostChunks uploads every chunk of tx.Data with its proof (POST /chunk). The
// gateway must already know the header. Chunks are idempotent, so a failed
// upload may be resumed by calling PostChunks again.
func (g *Gateway) PostChunks(ctx context.Context, tx *Transaction) error {
	chunks, err := tx.ChunkUploads()
	if err != nil {
		return err
	}
	for i := range chunks {
		if err := g.PostChunk(ctx, &chunks[i]); err != nil {
			return fmt.Errorf("chunk %d of %d: %w", i+1, len(chunks), err)
		}
	}
	return nil
}

// PostChunk uploads one chunk (POST /chunk).
func (g *Gateway) PostChunk(ctx context.Context, c *ChunkUpload) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, _, err = g.client().do(ctx, http.MethodPost, "/chunk", "application/json", body,
		http.StatusOK, http.StatusAccepted, http.StatusAlreadyReported)
	return err
}

// State is where an upload stands.
type State int

const (
	// StateUnknown means the gateway or bundler does not know the id: never
	// posted, dropped from the mempool, or not yet propagated.
	StateUnknown State = iota
	// StatePending means the upload was accepted and awaits mining (or, for
	// a bundler, bundling).
	StatePending
	// StateConfirmed means the upload is in a block.
	StateConfirmed
)

func (s State) String() string {
	switch s {
	case StatePending:
		return "pending"
	case StateConfirmed:
		return "confirmed"
	}
	return "unknown"
}

// Status is the answer to a status query.
type Status struct {
	State         State
	BlockHeight   int64  // confirmed only
	BlockHash     string // confirmed only (block_indep_hash)
	Confirmations int64  // confirmed only
}

// Status asks where transaction id stands (GET /tx/{id}/status): 200 with
// block details is confirmed; 202, or 200 saying "Pending" (arlocal and some
// gateways), is pending; 404 is unknown. Unknown is not an error.
func (g *Gateway) Status(ctx context.Context, id string) (Status, error) {
	if err := checkID(id); err != nil {
		return Status{}, err
	}
	path := "/tx/" + id + "/status"
	code, b, err := g.client().do(ctx, http.MethodGet, path, "", nil,
		http.StatusOK, http.StatusAccepted, http.StatusNotFound)
	if err != nil {
		return Status{}, err
	}
	return parseTxStatus(code, b, path)
}

func parseTxStatus(code int, b []byte, path string) (Status, error) {
	switch code {
	case http.StatusNotFound:
		return Status{State: StateUnknown}, nil
	case http.StatusAccepted:
		return Status{State: StatePending}, nil
	}
	body := bytes.TrimSpace(b)
	if len(body) == 0 || body[0] != '{' {
		if bytes.EqualFold(body, []byte("Pending")) {
			return Status{State: StatePending}, nil
		}
		return Status{}, fmt.Errorf("arweave: GET %s: unexpected body %q", path, snippet(body))
	}
	var s struct {
		BlockHeight   int64  `json:"block_height"`
		BlockHash     string `json:"block_indep_hash"`
		Confirmations int64  `json:"number_of_confirmations"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		return Status{}, fmt.Errorf("arweave: GET %s: %w", path, err)
	}
	return Status{State: StateConfirmed, BlockHeight: s.BlockHeight, BlockHash: s.BlockHash, Confirmations: s.Confirmations}, nil
}

// ErrNotFound means the gateway does not have what was asked for.
var ErrNotFound = errors.New("arweave: not found")

// ErrPending means the gateway knows the transaction but serves it only once mined.
var ErrPending = errors.New("arweave: pending")

// Transaction fetches a transaction header (GET /tx/{id}). Gateways serve
// format-2 headers without data: fetch that with Data. It does not verify it.
func (g *Gateway) Transaction(ctx context.Context, id string) (*Transaction, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	path := "/tx/" + id
	code, b, err := g.client().do(ctx, http.MethodGet, path, "", nil,
		http.StatusOK, http.StatusAccepted, http.StatusNotFound)
	if err != nil {
		return nil, err
	}
	switch code {
	case http.StatusNotFound:
		return nil, fmt.Errorf("arweave: GET %s: %w", path, ErrNotFound)
	case http.StatusAccepted:
		return nil, fmt.Errorf("arweave: GET %s: %w", path, ErrPending)
	}
	return ParseTransaction(b)
}

// Data fetches a transaction's data (GET /{id}, which gateways and arlocal
// serve raw). It does not verify it: use Transaction.VerifyData.
func (g *Gateway) Data(ctx context.Context, id string) ([]byte, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	path := "/" + id
	code, b, err := g.client().do(ctx, http.MethodGet, path, "", nil, http.StatusOK, http.StatusNotFound)
	if err != nil {
		return nil, err
	}
	if code == http.StatusNotFound {
		return nil, fmt.Errorf("arweave: GET %s: %w", path, ErrNotFound)
	}
	return b, nil
}

// checkID accepts only a base64url SHA-256, so ids are safe in URL paths.
func checkID(id string) error {
	b, err := b64.DecodeString(id)
	if err != nil || len(b) != 32 {
		return fmt.Errorf("arweave: %q is not a transaction id", id)
	}
	return nil
}
