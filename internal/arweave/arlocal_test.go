package arweave

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// startArlocal runs arlocal on a free 127.0.0.1 port for the test's lifetime
// and returns a gateway client for it.
func startArlocal(t *testing.T) *Gateway {
	t.Helper()
	node, dir := nodeTools(t)
	work := t.TempDir()
	cmd := exec.Command(node, filepath.Join(dir, "arlocal-loopback.js"), "0", filepath.Join(work, "db"))
	cmd.Dir = work                // arlocal writes ./logs
	stdin, err := cmd.StdinPipe() // arlocal stops when this closes, even if we die
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var msg struct{ Port int }
			if json.Unmarshal(sc.Bytes(), &msg) == nil && msg.Port > 0 {
				ready <- msg.Port
			}
		}
		done <- cmd.Wait()
	}()
	select {
	case port := <-ready:
		return &Gateway{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Retry: Retry{Attempts: 3, Base: 50 * time.Millisecond}}
	case <-time.After(60 * time.Second):
		t.Fatalf("arlocal did not start in 60s: %s", stderr.String())
	case err := <-done:
		t.Fatalf("arlocal exited: %v: %s", err, stderr.String())
	}
	return nil
}

// arlocalGet calls one of arlocal's test endpoints (/mint, /mine).
func arlocalGet(t *testing.T, g *Gateway, path string) {
	t.Helper()
	resp, err := http.Get(g.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
}

func TestArlocalUploadMineReadBack(t *testing.T) {
	g := startArlocal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := testWallet(t, 1)
	u := &GatewayUploader{Gateway: g, Wallet: w}
	// arlocal refuses tags with empty values, so the first archive's
	// Previous-Tx must carry something.
	tags := []Tag{{"Content-Type", "application/json"}, {"App-Name", "Kleo"}, {"Previous-Tx", "none"}}

	small := []byte(`{"version":1,"items":[]}`)
	chunked := pattern(700 * 1024)
	sSmall, err := u.Prepare(ctx, small, tags)
	if err != nil {
		t.Fatal(err)
	}
	// An unfunded wallet is refused with 410, which is not retried.
	err = u.Post(ctx, sSmall)
	var he *HTTPError
	if !errors.Is(err, ErrRejected) || !errors.As(err, &he) || he.StatusCode != http.StatusGone {
		t.Fatalf("unfunded post: err = %v, want a 410 *HTTPError matching ErrRejected", err)
	}

	arlocalGet(t, g, "/mint/"+w.Address()+"/100000000000000")
	sChunked, err := u.Prepare(ctx, chunked, tags)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Signed{sSmall, sChunked} {
		if err := u.Post(ctx, s); err != nil {
			t.Fatalf("post %d bytes: %v", len(s.Body), err)
		}
		if st, err := u.Status(ctx, s.ID); err != nil || st.State != StatePending {
			t.Errorf("before mining: status %+v, %v; want pending", st, err)
		}
		// A sweep that crashed after posting posts the same intent again.
		if err := u.Post(ctx, s); err != nil {
			t.Errorf("second post of %d bytes: %v", len(s.Body), err)
		}
	}

	// A transaction changed after signing is refused with 400.
	tampered, err := ParseTransaction(sSmall.Body)
	if err != nil {
		t.Fatal(err)
	}
	tampered.Tags[1].Value = "Not-Kleo"
	err = g.Post(ctx, tampered)
	if !errors.Is(err, ErrRejected) || !errors.As(err, &he) || he.StatusCode != http.StatusBadRequest {
		t.Errorf("tampered post: err = %v, want a 400 *HTTPError matching ErrRejected", err)
	}

	arlocalGet(t, g, "/mine")
	for _, c := range []struct {
		s    *Signed
		data []byte
	}{{sSmall, small}, {sChunked, chunked}} {
		st, err := u.Status(ctx, c.s.ID)
		if err != nil || st.State != StateConfirmed || st.BlockHash == "" || st.BlockHeight < 1 {
			t.Errorf("%d bytes after mining: status %+v, %v; want confirmed", len(c.data), st, err)
		}
		tx, err := g.Transaction(ctx, c.s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Verify(); err != nil {
			t.Errorf("%d bytes: fetched header: %v", len(c.data), err)
		}
		data, err := g.Data(ctx, c.s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, c.data) {
			t.Errorf("%d bytes: read back %d bytes that differ", len(c.data), len(data))
		}
		if err := tx.VerifyData(data); err != nil {
			t.Errorf("%d bytes: %v", len(c.data), err)
		}
		if v, _ := tx.Tag("App-Name"); v != "Kleo" {
			t.Errorf("%d bytes: App-Name tag %q", len(c.data), v)
		}
	}
	if st, err := u.Status(ctx, EncodeB64(make([]byte, 32))); err != nil || st.State != StateUnknown {
		t.Errorf("unknown id: status %+v, %v", st, err)
	}
}
