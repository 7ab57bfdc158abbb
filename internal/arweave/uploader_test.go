package arweave

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestNewUploaderChoosesByConfig(t *testing.T) {
	w := testWallet(t, 1)
	if u, err := NewUploader(Config{Target: "gateway", URL: "http://127.0.0.1:1"}, w); err != nil {
		t.Error(err)
	} else if _, ok := u.(*BundleUploader); !ok {
		t.Errorf("gateway: got %T", u)
	}
	if u, err := NewUploader(Config{Target: "transaction", URL: "http://127.0.0.1:1"}, w); err != nil {
		t.Error(err)
	} else if _, ok := u.(*GatewayUploader); !ok {
		t.Errorf("transaction: got %T", u)
	}
	if u, err := NewUploader(Config{Target: "bundler", URL: "http://127.0.0.1:1"}, w); err != nil {
		t.Error(err)
	} else if _, ok := u.(*BundlerUploader); !ok {
		t.Errorf("bundler: got %T", u)
	}
	for _, c := range []Config{{Target: "ftp", URL: "x"}, {Target: "gateway"}} {
		if _, err := NewUploader(c, w); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if _, err := NewUploader(Config{Target: "gateway", URL: "x"}, nil); err == nil {
		t.Error("nil wallet accepted")
	}
}

// fakeBundler stores items POSTed to /tx and answers /tx/{id}/status.
type fakeBundler struct {
	mu          sync.Mutex
	items       map[string][]byte
	contentType string
}

func (f *fakeBundler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method == "POST" && r.URL.Path == "/tx" {
		f.contentType = r.Header.Get("Content-Type")
		b, _ := io.ReadAll(r.Body)
		d, err := ParseDataItem(b)
		if err == nil {
			err = d.Verify()
		}
		if err != nil {
			http.Error(w, "invalid data item", 400)
			return
		}
		f.items[d.ID()] = b
		json.NewEncoder(w).Encode(map[string]any{"id": d.ID(), "timestamp": 1})
		return
	}
	for id := range f.items {
		if r.URL.Path == "/tx/"+id+"/status" {
			io.WriteString(w, `{"status":"CONFIRMED","block_height":7}`)
			return
		}
	}
	http.NotFound(w, r)
}

func TestBundlerUploader(t *testing.T) {
	f := &fakeBundler{items: map[string][]byte{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	w := testWallet(t, 1)
	u, err := NewUploader(Config{Target: "bundler", URL: srv.URL, Retry: fastRetry}, w)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := u.Prepare(ctx, []byte(`{"items":[]}`), []Tag{{"Content-Type", "application/json"}})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := u.Status(ctx, s.ID); err != nil || st.State != StateUnknown {
		t.Errorf("before post: %+v, %v", st, err)
	}
	if s.Kind != KindDataItem || s.Reward != "0" {
		t.Errorf("Signed = %+v", s)
	}
	if err := u.Post(ctx, s); err != nil {
		t.Fatal(err)
	}
	if string(f.items[s.ID]) != string(s.Body) || f.contentType != "application/octet-stream" {
		t.Errorf("bundler got %d bytes as %q", len(f.items[s.ID]), f.contentType)
	}
	if st, err := u.Status(ctx, s.ID); err != nil || st.State != StateConfirmed || st.BlockHeight != 7 {
		t.Errorf("after post: %+v, %v", st, err)
	}
	// A Signed whose body is not what its id says is refused before posting.
	forged := *s
	forged.ID = EncodeB64(make([]byte, 32))
	if err := u.Post(ctx, &forged); !errors.Is(err, ErrInvalidDataItem) {
		t.Errorf("forged: err = %v", err)
	}
	tx := *s
	tx.Kind = KindTransaction
	if err := u.Post(ctx, &tx); err == nil {
		t.Error("bundler posted a transaction")
	}
}

func TestGatewayUploader(t *testing.T) {
	f := &fakeNode{t: t, txs: map[string]*Transaction{}, chunks: map[string]map[int64][]byte{}}
	anchor := EncodeB64(make([]byte, 48))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/tx_anchor":
			io.WriteString(w, anchor)
		case r.URL.Path == "/price/13":
			io.WriteString(w, "4242")
		default:
			f.ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	u, err := NewUploader(Config{Target: "transaction", URL: srv.URL, Retry: fastRetry}, testWallet(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := u.Prepare(ctx, []byte("thirteen byte"), []Tag{{"App-Name", "Kleo"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != KindTransaction || s.Reward != "4242" || len(f.txs) != 0 {
		t.Errorf("Prepare: %+v, %d posted", s, len(f.txs))
	}
	// The persisted body is all a later sweep needs to post.
	again := &Signed{Kind: s.Kind, ID: s.ID, Body: append([]byte(nil), s.Body...)}
	if err := u.Post(ctx, again); err != nil {
		t.Fatal(err)
	}
	got := f.txs[s.ID]
	if got == nil || got.LastTx != anchor || got.Reward != "4242" || string(got.Data) != "thirteen byte" {
		t.Errorf("posted %+v", got)
	}
	if _, err := u.Prepare(ctx, []byte("x"), []Tag{{"Previous-Tx", ""}}); err == nil || !strings.Contains(err.Error(), "Previous-Tx") {
		t.Errorf("empty tag value: err = %v", err)
	}
	forged := *s
	forged.Body = []byte(`{"format":2}`)
	if err := u.Post(ctx, &forged); !errors.Is(err, ErrInvalid) {
		t.Errorf("forged: err = %v", err)
	}
}
