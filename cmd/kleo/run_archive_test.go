package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/arweave/arlocal"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
)

// TestRunArchiveStep is `make run`'s archiver step on a store holding 120
// items of one user: two archives to the local target (arlocal, as the
// repository has the node tools), mined, the chain verified, the signed
// transactions kept on disk.
func TestRunArchiveStep(t *testing.T) {
	if _, _, err := arlocal.FindTools("."); err != nil {
		t.Fatalf("%v (run `make node`)", err)
	}
	base := t.TempDir()
	dir := filepath.Join(base, "data")
	addr := "0x00000000000000000000000000000000000000bb"
	seedStore(t, dir, addr, 120)
	// The cached local wallet: the TEST-ONLY one, so no key is generated here.
	w, err := os.ReadFile(testWalletPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "wallet-local.json"), w, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := embedded.Open(context.Background(), dir, embedded.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	var out, errOut bytes.Buffer
	if err := runArchiveStep(context.Background(), st, dir, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out.String(), errOut.String())
	}
	t.Log(out.String())
	for _, want := range []string{"target               arlocal", "uploads              2 archives in 1 bundle transaction(s)", "verified chain       2 archives of " + addr, "found by GraphQL",
		"under 100 KiB        2 of 2 data items (100.0%)", "signed transactions  3 kept"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	files, _ := filepath.Glob(filepath.Join(base, "archives", addr, "*.bin"))
	if len(files) != 2 {
		t.Errorf("%d signed data items on disk, want 2", len(files))
	}
}

// TestVerifyAndExportWithoutStore: three archives on arlocal; `kleo verify`
// and `kleo export` find the chain through arlocal's GraphQL with no store
// at all, and the operator's wallet as -signer.
func TestVerifyAndExportWithoutStore(t *testing.T) {
	node, tools, err := arlocal.FindTools(".")
	if err != nil {
		t.Fatalf("%v (run `make node`)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := arlocal.Start(ctx, node, tools, t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	w, err := arweave.LoadWallet(testWalletPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Mint(ctx, w.Address(), "1000000000000000"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	addr := "0x00000000000000000000000000000000000000dd"
	seedStore(t, dir, addr, 160)
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"archive", "-dir", dir, "-wallet", testWalletPath, "-gateway", srv.URL}, nil, &out, &errOut); code != 0 {
		t.Fatalf("kleo archive: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if err := srv.Mine(ctx); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	gone := filepath.Join(t.TempDir(), "no-store")
	code := run(ctx, []string{"verify", "-gateway", srv.URL, "-signer", w.Address(), "-dir", gone, addr}, nil, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "VERIFIED: 3 archives") || !strings.Contains(out.String(), "found through "+srv.URL+"/graphql (3 archives") {
		t.Fatalf("kleo verify without a store: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Errorf("verify without -store opened a store")
	}
	file := filepath.Join(t.TempDir(), "h.jsonl")
	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"export", "-gateway", srv.URL, "-o", file, addr}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "items             150") {
		t.Fatalf("kleo export without a store: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "archives") {
		t.Errorf("no progress bar on stderr: %q", errOut.String())
	}
}
