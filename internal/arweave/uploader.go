package arweave

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Kind says what a Signed upload holds.
type Kind string

const (
	KindTransaction Kind = "transaction" // Body is a format-2 transaction's JSON, data included
	KindDataItem    Kind = "dataitem"    // Body is a binary ANS-104 data item
)

// Signed is an upload signed and ready to post. Persist it before posting:
// posting the same Signed again, or asking the status of its ID, is how a
// crashed upload is resumed without signing anew.
type Signed struct {
	Kind   Kind
	ID     string
	Body   []byte
	Reward string // winston paid to the network; "0" for a data item (the bundler bills apart)
}

// Uploader signs and uploads data either to a gateway as a format-2
// transaction or to a bundler as an ANS-104 data item.
type Uploader interface {
	// Prepare signs data and tags into an upload. It may ask the network for
	// an anchor and a price, but it posts nothing.
	Prepare(ctx context.Context, data []byte, tags []Tag) (*Signed, error)
	// Post uploads s. It is safe to repeat. A refusal matches ErrRejected;
	// an upload worth retrying later matches ErrUnavailable.
	Post(ctx context.Context, s *Signed) error
	// Status reports where the upload with id stands; StateUnknown is not
	// an error.
	Status(ctx context.Context, id string) (Status, error)
}

// GatewayUploader uploads format-2 transactions through a gateway.
type GatewayUploader struct {
	Gateway *Gateway
	Wallet  *Wallet
}

// Prepare asks the gateway for an anchor and the price, then signs. It
// refuses tags with an empty name or value, which the protocol allows but
// arlocal and some gateways reject: better before signing than after.
func (u *GatewayUploader) Prepare(ctx context.Context, data []byte, tags []Tag) (*Signed, error) {
	for _, t := range tags {
		if t.Name == "" || t.Value == "" {
			return nil, fmt.Errorf("arweave: tag %q: empty tag names and values are refused by gateways; leave the tag out", t.Name)
		}
	}
	anchor, err := u.Gateway.Anchor(ctx)
	if err != nil {
		return nil, err
	}
	reward, err := u.Gateway.Price(ctx, int64(len(data)))
	if err != nil {
		return nil, err
	}
	tx := NewTransaction(data, tags...)
	tx.LastTx, tx.Reward = anchor, reward
	if err := tx.Sign(u.Wallet); err != nil {
		return nil, err
	}
	body, err := tx.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return &Signed{Kind: KindTransaction, ID: tx.ID, Body: body, Reward: tx.Reward}, nil
}

// Post verifies s and posts it.
func (u *GatewayUploader) Post(ctx context.Context, s *Signed) error {
	if s.Kind != KindTransaction {
		return fmt.Errorf("arweave: a gateway uploader cannot post a %s", s.Kind)
	}
	tx, err := ParseTransaction(s.Body)
	if err != nil {
		return err
	}
	if err := tx.Verify(); err != nil {
		return err
	}
	if tx.ID != s.ID {
		return fmt.Errorf("%w: body is transaction %s, not %s", ErrInvalid, tx.ID, s.ID)
	}
	return u.Gateway.Post(ctx, tx)
}

// Status asks the gateway.
func (u *GatewayUploader) Status(ctx context.Context, id string) (Status, error) {
	return u.Gateway.Status(ctx, id)
}

// BundlerUploader uploads ANS-104 data items to a bundler.
type BundlerUploader struct {
	Bundler *Bundler
	Wallet  *Wallet
}

// Prepare signs a data item; it needs no network.
func (u *BundlerUploader) Prepare(_ context.Context, data []byte, tags []Tag) (*Signed, error) {
	d := NewDataItem(data, tags...)
	if err := d.Sign(u.Wallet); err != nil {
		return nil, err
	}
	body, err := d.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &Signed{Kind: KindDataItem, ID: d.ID(), Body: body, Reward: "0"}, nil
}

// Post verifies s and posts it.
func (u *BundlerUploader) Post(ctx context.Context, s *Signed) error {
	if s.Kind != KindDataItem {
		return fmt.Errorf("arweave: a bundler uploader cannot post a %s", s.Kind)
	}
	d, err := ParseDataItem(s.Body)
	if err != nil {
		return err
	}
	if err := d.Verify(); err != nil {
		return err
	}
	if d.ID() != s.ID {
		return fmt.Errorf("%w: body is item %s, not %s", ErrInvalidDataItem, d.ID(), s.ID)
	}
	return u.Bundler.Post(ctx, s.Body)
}

// Status asks the bundler.
func (u *BundlerUploader) Status(ctx context.Context, id string) (Status, error) {
	return u.Bundler.Status(ctx, id)
}

// Config chooses and configures an Uploader.
type Config struct {
	// Target is "gateway" (data items carried in one ANS-104 bundle
	// transaction per sweep, posted to a gateway), "transaction" (one
	// base-layer transaction per upload) or "bundler" (each data item
	// posted to a bundler such as ArDrive Turbo).
	Target string
	URL    string       // the gateway's or bundler's base URL
	HTTP   *http.Client // nil means http.DefaultClient
	Retry  Retry
}

// NewUploader returns the uploader cfg.Target names, signing with w.
func NewUploader(cfg Config, w *Wallet) (Uploader, error) {
	if w == nil {
		return nil, errors.New("arweave: NewUploader needs a wallet")
	}
	if cfg.URL == "" {
		return nil, errors.New("arweave: NewUploader needs a URL")
	}
	switch cfg.Target {
	case "gateway":
		return &BundleUploader{Gateway: &Gateway{URL: cfg.URL, HTTP: cfg.HTTP, Retry: cfg.Retry}, Wallet: w}, nil
	case "transaction":
		return &GatewayUploader{Gateway: &Gateway{URL: cfg.URL, HTTP: cfg.HTTP, Retry: cfg.Retry}, Wallet: w}, nil
	case "bundler":
		return &BundlerUploader{Bundler: &Bundler{URL: cfg.URL, HTTP: cfg.HTTP, Retry: cfg.Retry}, Wallet: w}, nil
	}
	return nil, fmt.Errorf("arweave: upload target %s: want \"gateway\", \"transaction\" or \"bundler\"", strconv.Quote(cfg.Target))
}
