package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	for _, want := range []string{"target               arlocal", "uploads              2", "verified chain       2 archives of " + addr, "found by GraphQL",
		"under 100 KiB        2 of 2 data items (100.0%)", "signed transactions  2 kept"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	files, _ := filepath.Glob(filepath.Join(base, "archives", addr, "*.json"))
	if len(files) != 2 {
		t.Errorf("%d signed transactions on disk, want 2", len(files))
	}
}
