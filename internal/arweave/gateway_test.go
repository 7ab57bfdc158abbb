package arweave

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var fastRetry = Retry{Attempts: 4, Base: time.Millisecond, Max: 4 * time.Millisecond}

func newGateway(t *testing.T, h http.HandlerFunc) *Gateway {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Gateway{URL: srv.URL + "/", HTTP: srv.Client(), Retry: fastRetry}
}

func TestGatewayRetries(t *testing.T) {
	cases := []struct {
		name     string
		statuses []int // answers in turn; the last repeats
		calls    int32
		wantErr  error // nil: success
	}{
		{"ok", []int{200}, 1, nil},
		{"503 then ok", []int{503, 502, 200}, 3, nil},
		{"429 then ok", []int{429, 200}, 2, nil},
		{"always 500", []int{500}, 4, ErrUnavailable},
		{"400 not retried", []int{400}, 1, ErrRejected},
		{"410 not retried", []int{410}, 1, ErrRejected},
		{"403 not retried", []int{403}, 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var calls atomic.Int32
			g := newGateway(t, func(w http.ResponseWriter, r *http.Request) {
				i := int(calls.Add(1)) - 1
				code := c.statuses[min(i, len(c.statuses)-1)]
				w.WriteHeader(code)
				if code == 200 {
					io.WriteString(w, "12345")
				} else {
					io.WriteString(w, "nope "+strconv.Itoa(code))
				}
			})
			price, err := g.Price(context.Background(), 100)
			if calls.Load() != c.calls {
				t.Errorf("%d calls, want %d", calls.Load(), c.calls)
			}
			switch {
			case c.wantErr == nil && c.statuses[len(c.statuses)-1] == 200:
				if err != nil || price != "12345" {
					t.Errorf("Price = %q, %v", price, err)
				}
			case c.wantErr != nil:
				if !errors.Is(err, c.wantErr) {
					t.Errorf("err = %v, want %v", err, c.wantErr)
				}
			}
			if err != nil {
				var he *HTTPError
				if !errors.As(err, &he) || he.StatusCode != c.statuses[len(c.statuses)-1] || he.Path != "/price/100" {
					t.Errorf("err = %v, want an *HTTPError with the status", err)
				}
				if !strings.Contains(err.Error(), "nope") {
					t.Errorf("err %q does not quote the body", err)
				}
			}
		})
	}
}

func TestGatewayTransportErrorsAreRetriedThenUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	g := &Gateway{URL: url, Retry: fastRetry}
	_, err := g.Anchor(context.Background())
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "4 attempts") {
		t.Errorf("err = %v, want ErrUnavailable after 4 attempts", err)
	}
}

func TestGatewayRetryStopsWithContext(t *testing.T) {
	var calls atomic.Int32
	g := newGateway(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(503)
	})
	g.Retry = Retry{Attempts: 100, Base: time.Hour, Max: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := g.Anchor(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || calls.Load() != 1 {
		t.Errorf("err = %v after %d calls, want DeadlineExceeded after 1", err, calls.Load())
	}
}

func TestRetryBackoffIsBoundedAndJittered(t *testing.T) {
	r := Retry{Base: 100 * time.Millisecond, Max: time.Second}.withDefaults()
	seen := map[time.Duration]bool{}
	for attempt := range 40 {
		d := r.backoff(attempt, 0)
		want := min(r.Base<<min(attempt, 30), r.Max)
		if d < want/2 || d > want {
			t.Fatalf("attempt %d: backoff %v outside [%v, %v]", attempt, d, want/2, want)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct backoffs in 40: no jitter?", len(seen))
	}
	if d := r.backoff(0, 500*time.Millisecond); d < 500*time.Millisecond {
		t.Errorf("Retry-After ignored: %v", d)
	}
	if d := r.backoff(0, time.Hour); d > r.Max {
		t.Errorf("Retry-After not capped: %v", d)
	}
}

func TestGatewayStatus(t *testing.T) {
	id := EncodeB64(make([]byte, 32))
	cases := []struct {
		code int
		body string
		want Status
	}{
		{200, `{"block_height":12,"block_indep_hash":"abc","number_of_confirmations":3}`, Status{StateConfirmed, 12, "abc", 3}},
		{200, "Pending", Status{State: StatePending}},
		{202, "Pending", Status{State: StatePending}},
		{404, "Not Found", Status{State: StateUnknown}},
	}
	for _, c := range cases {
		g := newGateway(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/tx/"+id+"/status" {
				t.Errorf("path %s", r.URL.Path)
			}
			w.WriteHeader(c.code)
			io.WriteString(w, c.body)
		})
		got, err := g.Status(context.Background(), id)
		if err != nil || got != c.want {
			t.Errorf("%d %q: Status = %+v, %v; want %+v", c.code, c.body, got, err, c.want)
		}
	}
	g := newGateway(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>") })
	if _, err := g.Status(context.Background(), id); err == nil {
		t.Error("Status accepted an HTML body")
	}
	if _, err := g.Status(context.Background(), "../../etc"); err == nil {
		t.Error("Status accepted a path as id")
	}
}

// fakeNode accepts what a node accepts: a signed transaction on POST /tx and
// chunks that prove themselves against a known data_root on POST /chunk.
type fakeNode struct {
	t         *testing.T
	dupStatus int // the answer to a repeated POST /tx; 0 means 208
	mu        sync.Mutex
	txs       map[string]*Transaction
	chunks    map[string]map[int64][]byte // data_root -> offset -> chunk
}

func (f *fakeNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.Method == "POST" && r.URL.Path == "/tx":
		tx, err := ParseTransaction(body)
		if err == nil {
			err = tx.Verify()
		}
		if err != nil {
			http.Error(w, "Transaction verification failed.", 400)
			return
		}
		if f.txs[tx.ID] != nil {
			w.WriteHeader(cmp.Or(f.dupStatus, http.StatusAlreadyReported))
			return
		}
		f.txs[tx.ID] = tx
	case r.Method == "POST" && r.URL.Path == "/chunk":
		var c ChunkUpload
		json.Unmarshal(body, &c)
		root, _ := DecodeB64(c.DataRoot)
		path, _ := DecodeB64(c.DataPath)
		chunk, _ := DecodeB64(c.Chunk)
		off, _ := strconv.ParseInt(c.Offset, 10, 64)
		size, _ := strconv.ParseInt(c.DataSize, 10, 64)
		rng, h, err := ValidatePath(root, off, size, path)
		if err != nil || h != sha256.Sum256(chunk) || rng.Max-rng.Min != int64(len(chunk)) {
			http.Error(w, `{"error":"invalid_proof"}`, 400)
			return
		}
		if f.chunks[c.DataRoot] == nil {
			f.chunks[c.DataRoot] = map[int64][]byte{}
		}
		f.chunks[c.DataRoot][rng.Min] = chunk
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/tx/") && strings.HasSuffix(r.URL.Path, "/status"):
		if f.txs[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/tx/"), "/status")] == nil {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "Pending")
	default:
		http.NotFound(w, r)
	}
}

func TestGatewayPostInlineAndChunked(t *testing.T) {
	f := &fakeNode{t: t, txs: map[string]*Transaction{}, chunks: map[string]map[int64][]byte{}}
	g := newGateway(t, f.ServeHTTP)
	w := testWallet(t, 1)
	for _, n := range []int{10, MaxChunkSize, MaxChunkSize + 1, 700 * 1024} {
		tx := signedTx(t, w, pattern(n))
		if err := g.Post(context.Background(), tx); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if err := g.Post(context.Background(), tx); err != nil {
			t.Fatalf("n=%d: second post: %v", n, err)
		}
		got := f.txs[tx.ID]
		inline := n <= MaxChunkSize
		if inline != (len(got.Data) == n) || (!inline && len(got.Data) != 0) {
			t.Errorf("n=%d: posted %d data bytes inline", n, len(got.Data))
		}
		var assembled []byte
		for off := int64(0); off < int64(n); {
			c, ok := f.chunks[tx.DataRoot][off]
			if !ok {
				break
			}
			assembled = append(assembled, c...)
			off += int64(len(c))
		}
		if !inline && string(assembled) != string(pattern(n)) {
			t.Errorf("n=%d: chunks reassemble to %d bytes", n, len(assembled))
		}
		if inline && len(assembled) != 0 {
			t.Errorf("n=%d: inline upload also posted chunks", n)
		}
	}
	bad := signedTx(t, w, []byte("x"))
	bad.Reward = "1"
	err := g.Post(context.Background(), bad)
	var he *HTTPError
	if !errors.Is(err, ErrRejected) || !errors.As(err, &he) || he.StatusCode != 400 {
		t.Errorf("tampered tx: err = %v, want a 400 *HTTPError matching ErrRejected", err)
	}
}

func TestGatewayReads(t *testing.T) {
	w := testWallet(t, 1)
	tx := signedTx(t, w, []byte("hello"))
	header := *tx
	header.Data = nil
	hb, _ := json.Marshal(&header)
	g := newGateway(t, func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/tx_anchor":
			io.WriteString(rw, tx.LastTx)
		case "/tx/" + tx.ID:
			rw.Write(hb)
		case "/" + tx.ID:
			io.WriteString(rw, "hello")
		case "/tx/" + EncodeB64(make([]byte, 32)):
			rw.WriteHeader(202)
		default:
			http.NotFound(rw, r)
		}
	})
	ctx := context.Background()
	if a, err := g.Anchor(ctx); err != nil || a != tx.LastTx {
		t.Errorf("Anchor = %q, %v", a, err)
	}
	got, err := g.Transaction(ctx, tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	data, err := g.Data(ctx, tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(); err != nil {
		t.Errorf("fetched header: %v", err)
	}
	if err := got.VerifyData(data); err != nil {
		t.Errorf("fetched data: %v", err)
	}
	if _, err := g.Transaction(ctx, EncodeB64(make([]byte, 32))); !errors.Is(err, ErrPending) {
		t.Errorf("202: err = %v, want ErrPending", err)
	}
	other := EncodeB64(sha256.New().Sum(nil))
	if _, err := g.Transaction(ctx, other); !errors.Is(err, ErrNotFound) {
		t.Errorf("404: err = %v, want ErrNotFound", err)
	}
	if _, err := g.Data(ctx, other); !errors.Is(err, ErrNotFound) {
		t.Errorf("404 data: err = %v, want ErrNotFound", err)
	}
}

func TestGatewayRepostWhenNodeErrsOnDuplicates(t *testing.T) {
	// arlocal answers a repeated POST /tx with 404; the status says it is known.
	f := &fakeNode{t: t, dupStatus: http.StatusNotFound, txs: map[string]*Transaction{}, chunks: map[string]map[int64][]byte{}}
	g := newGateway(t, f.ServeHTTP)
	w := testWallet(t, 1)
	for _, n := range []int{100, 600 * 1024} {
		tx := signedTx(t, w, pattern(n))
		for i := range 2 {
			if err := g.Post(context.Background(), tx); err != nil {
				t.Errorf("n=%d post %d: %v", n, i+1, err)
			}
		}
		// The same id with changed content is not "already posted".
		tampered := *tx
		tampered.Tags = []Tag{{"x", "y"}}
		if err := g.Post(context.Background(), &tampered); err == nil {
			t.Errorf("n=%d: tampered copy of a known transaction counted as posted", n)
		}
	}
}
