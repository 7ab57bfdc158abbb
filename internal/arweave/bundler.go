package arweave

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Bundler is a client of an ANS-104 bundler's upload API: POST /tx with the
// binary data item as application/octet-stream, and GET /tx/{id}/status. A
// Bundler is safe for concurrent use.
type Bundler struct {
	URL   string       // the bundler's base URL; requests go to URL+"/tx"
	HTTP  *http.Client // nil means http.DefaultClient
	Retry Retry
}

func (b *Bundler) client() client { return client{base: trimBase(b.URL), http: b.HTTP, retry: b.Retry} }

// Post uploads a binary data item. When the bundler answers with JSON naming
// an id, Post checks it is the item's id. Bundlers accept a repeated item, so
// Post may be repeated after a failure.
func (b *Bundler) Post(ctx context.Context, item []byte) error {
	d, err := ParseDataItem(item)
	if err != nil {
		return err
	}
	_, resp, err := b.client().do(ctx, http.MethodPost, "/tx", "application/octet-stream", item,
		http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusAlreadyReported)
	if err != nil {
		return err
	}
	var r struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(resp, &r) == nil && r.ID != "" && r.ID != d.ID() {
		return fmt.Errorf("arweave: bundler answered id %s for item %s", r.ID, d.ID())
	}
	return nil
}

// Status asks the bundler where item id stands (GET /tx/{id}/status). 404 is
// unknown; a JSON status of CONFIRMED or FINALIZED is confirmed; any other
// answer the bundler gives for an id it knows is pending.
func (b *Bundler) Status(ctx context.Context, id string) (Status, error) {
	if err := checkID(id); err != nil {
		return Status{}, err
	}
	path := "/tx/" + id + "/status"
	code, body, err := b.client().do(ctx, http.MethodGet, path, "", nil,
		http.StatusOK, http.StatusAccepted, http.StatusNotFound)
	if err != nil {
		return Status{}, err
	}
	if code == http.StatusNotFound {
		return Status{State: StateUnknown}, nil
	}
	var s struct {
		Status      string `json:"status"`
		BlockHeight int64  `json:"block_height"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &s) == nil {
		switch strings.ToUpper(s.Status) {
		case "CONFIRMED", "FINALIZED":
			return Status{State: StateConfirmed, BlockHeight: s.BlockHeight}, nil
		}
	}
	return Status{State: StatePending}, nil
}
