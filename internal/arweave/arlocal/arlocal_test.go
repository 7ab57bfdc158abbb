package arlocal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindToolsWalksUp(t *testing.T) {
	// From this package, the repository's tools/node is three levels up.
	_, dir, err := FindTools(".")
	if errors.Is(err, ErrNoTools) {
		t.Fatalf("%v", err)
	}
	if err != nil || filepath.Base(dir) != "node" {
		t.Fatalf("FindTools: %q, %v", dir, err)
	}
	// A directory with no tools/node above it says what to run.
	_, _, err = FindTools(t.TempDir())
	if !errors.Is(err, ErrNoTools) {
		t.Errorf("no tools: %v, want ErrNoTools", err)
	}
	// tools/node without its packages says to run make node.
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "tools", "node"), 0o755)
	os.WriteFile(filepath.Join(root, "tools", "node", "arlocal-loopback.js"), nil, 0o644)
	_, _, err = FindTools(filepath.Join(root, "tools"))
	if !errors.Is(err, ErrNoTools) || !strings.Contains(err.Error(), "make node") {
		t.Errorf("no node_modules: %v", err)
	}
}
