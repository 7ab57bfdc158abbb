// Package arlocal starts arlocal, the npm package's local Arweave gateway, on
// a free 127.0.0.1 port, for integration tests and `kleo run`. It needs node
// and the packages `make node` installs under tools/node.
//
// The gateway is a child process that stops when [Server.Stop] is called or
// when the parent dies (it exits when its stdin closes).
package arlocal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// ErrNoTools means node or the npm packages are missing. Its message says
// what to run.
var ErrNoTools = errors.New("arlocal: node tools missing")

// FindTools looks for node on PATH and for tools/node with arlocal installed
// in dir or one of its parents (the repository root, from any package). It
// returns the node binary and the tools/node directory.
func FindTools(dir string) (node, toolsDir string, err error) {
	node, err = exec.LookPath("node")
	if err != nil {
		return "", "", fmt.Errorf("%w: node is not installed: install Node 20, then run `make node`", ErrNoTools)
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	for {
		cand := filepath.Join(dir, "tools", "node")
		if _, err := os.Stat(filepath.Join(cand, "arlocal-loopback.js")); err == nil {
			if _, err := os.Stat(filepath.Join(cand, "node_modules", "arlocal", "package.json")); err != nil {
				return "", "", fmt.Errorf("%w: arlocal is missing from %s/node_modules: run `make node`", ErrNoTools, cand)
			}
			return node, cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", fmt.Errorf("%w: no tools/node directory above the working directory", ErrNoTools)
		}
		dir = parent
	}
}

// Server is a running arlocal.
type Server struct {
	URL string // http://127.0.0.1:port

	cmd   *exec.Cmd
	stdin io.Closer
	done  chan error
	once  sync.Once
}

// Start runs arlocal with its database and logs under workDir and waits until
// it listens (at most startTimeout, 60s when zero). node and toolsDir come
// from FindTools.
func Start(ctx context.Context, node, toolsDir, workDir string, startTimeout time.Duration) (*Server, error) {
	if startTimeout <= 0 {
		startTimeout = 60 * time.Second
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	cmd := exec.Command(node, filepath.Join(toolsDir, "arlocal-loopback.js"), "0", filepath.Join(workDir, "db"))
	cmd.Dir = workDir // arlocal writes ./logs
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("arlocal: %w", err)
	}
	s := &Server{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	ready := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var msg struct{ Port int }
			if json.Unmarshal(sc.Bytes(), &msg) == nil && msg.Port > 0 {
				select {
				case ready <- msg.Port:
				default:
				}
			}
		}
		s.done <- cmd.Wait()
	}()
	t := time.NewTimer(startTimeout)
	defer t.Stop()
	select {
	case port := <-ready:
		s.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
		return s, nil
	case err := <-s.done:
		s.done <- err
		return nil, fmt.Errorf("arlocal exited while starting: %v: %s", err, stderr.String())
	case <-t.C:
		s.Stop()
		return nil, fmt.Errorf("arlocal did not start in %v: %s", startTimeout, stderr.String())
	case <-ctx.Done():
		s.Stop()
		return nil, ctx.Err()
	}
}

// Stop ends arlocal: SIGTERM, then a kill after 10s. It is safe to call twice.
func (s *Server) Stop() {
	s.once.Do(func() {
		s.stdin.Close()
		s.cmd.Process.Signal(syscall.SIGTERM)
		t := time.NewTimer(10 * time.Second)
		defer t.Stop()
		select {
		case <-s.done:
		case <-t.C:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// Mint credits winston to a wallet address (arlocal's GET /mint/{addr}/{winston}).
func (s *Server) Mint(ctx context.Context, address, winston string) error {
	return s.get(ctx, "/mint/"+address+"/"+winston)
}

// Mine mines the pending transactions into a block (GET /mine).
func (s *Server) Mine(ctx context.Context) error { return s.get(ctx, "/mine") }

func (s *Server) get(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("arlocal: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("arlocal: GET %s: HTTP %d %s", path, resp.StatusCode, bytes.TrimSpace(body))
	}
	return nil
}

// lockedBuffer collects stderr written by the process's copier goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
