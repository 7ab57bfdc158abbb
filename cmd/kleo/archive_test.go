package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/archive/fakegw"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

const testWalletPath = "../../internal/archive/testdata/wallet-TEST-ONLY-1.json"

// seedStore writes n processed items of one user into an embedded store in dir.
func seedStore(t *testing.T, dir, addr string, n int) {
	t.Helper()
	ctx := context.Background()
	st, err := embedded.Open(ctx, dir, embedded.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	items := make([]store.HistoryItem, n)
	for i := range items {
		items[i] = store.HistoryItem{
			ID: fmt.Sprintf("%024x", i+1), Address: addr, Shard: "s", Seq: fmt.Sprint(i + 1),
			URL: fmt.Sprintf("https://example.com/%d", i), Title: "Title", Summary: "Tomatoes grow in summer.",
			Activity: "Gardening", Points: 1, VisitTime: int64(1_760_000_000_000 + i),
		}
	}
	if _, err := st.PutHistory(ctx, items); err != nil {
		t.Fatal(err)
	}
	if errs, err := st.ApplyUsers(ctx, []store.UserDelta{{Address: addr, Shard: "s", NewSeq: fmt.Sprint(n), Items: int64(n)}}); err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
}

// TestArchiveThenVerify runs `kleo archive` over 170 items (three archives)
// against the stand-in gateway, then `kleo verify`, which must pass; then
// the gateway serves altered data for the middle archive and `kleo verify`
// must fail on that link.
func TestArchiveThenVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	addr := "0x00000000000000000000000000000000000000aa"
	seedStore(t, dir, addr, 170)
	g := fakegw.New()
	srv := httptest.NewServer(g)
	defer srv.Close()
	ctx := context.Background()

	var out, errOut bytes.Buffer
	code := run(ctx, []string{"archive", "-dir", dir, "-wallet", testWalletPath, "-gateway", srv.URL}, nil, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "uploads          3") {
		t.Fatalf("kleo archive: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if strings.Contains(errOut.String(), "Tomatoes") || strings.Contains(out.String(), "Tomatoes") {
		t.Error("kleo archive printed item content")
	}
	g.Mine()

	out.Reset()
	errOut.Reset()
	code = run(ctx, []string{"verify", "-dir", dir, "-gateway", srv.URL, addr}, nil, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "VERIFIED: 3 archives") || !strings.Contains(out.String(), "exactly the store's 3 accepted archives") {
		t.Fatalf("kleo verify: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}

	middle := g.Accepted()[1]
	g.Tamper(middle, func(b []byte) []byte { return bytes.Replace(b, []byte("Tomatoes"), []byte("Potatoes"), 1) })
	out.Reset()
	errOut.Reset()
	// Flags after the address work too.
	code = run(ctx, []string{"verify", addr, "-dir", dir, "-gateway", srv.URL}, nil, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "NOT VERIFIED") {
		t.Fatalf("tampered chain: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "FAIL") != strings.Contains(line, middle) {
			t.Errorf("FAIL and the tampered id %s are not on the same line: %q", middle, line)
		}
	}

	if code := run(ctx, []string{"verify", "-dir", dir}, nil, &out, &errOut); code != 2 {
		t.Errorf("verify without an address: exit %d, want 2", code)
	}
}
