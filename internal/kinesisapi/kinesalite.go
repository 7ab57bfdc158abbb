package kinesisapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// ErrNotInstalled is returned by Start when node or the kinesalite package is
// missing; `make node` installs the package from tools/node's lockfile.
var ErrNotInstalled = errors.New("kinesisapi: kinesalite is not installed: run `make node`")

// loopback starts kinesalite (in memory) listening on 127.0.0.1 only — its CLI
// binds every interface — prints {"port": N} once listening, and exits when
// its stdin closes, so it never outlives the process that started it.
const loopback = `
const [dir, ms] = process.argv.slice(1);
const k = require(require("path").join(dir, "kinesalite"));
const opts = {createStreamMs: +ms, deleteStreamMs: +ms, updateStreamMs: +ms, shardLimit: 100};
const server = k(opts).listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({port: server.address().port}) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
`

// Kinesalite is a running kinesalite server.
type Kinesalite struct {
	// Endpoint is its base URL, http://127.0.0.1:port.
	Endpoint string
	cmd      *exec.Cmd
	stdin    io.Closer
	done     chan error
}

// FindNodeModules returns the tools/node/node_modules directory holding
// kinesalite, looking in dir and its parents.
func FindNodeModules(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		nm := filepath.Join(dir, "tools", "node", "node_modules")
		if _, err := os.Stat(filepath.Join(nm, "kinesalite", "package.json")); err == nil {
			return nm, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", ErrNotInstalled
		}
		dir = up
	}
}

// Start runs kinesalite from nodeModules on a free loopback port; streams
// spend createStreamMs in CREATING. Close stops it.
func Start(ctx context.Context, nodeModules string, createStreamMs int) (*Kinesalite, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("%w (node: %v)", ErrNotInstalled, err)
	}
	if _, err := os.Stat(filepath.Join(nodeModules, "kinesalite", "package.json")); err != nil {
		return nil, ErrNotInstalled
	}
	cmd := exec.Command(node, "-e", loopback, nodeModules, strconv.Itoa(createStreamMs))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("kinesisapi: starting kinesalite: %w", err)
	}
	k := &Kinesalite{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	port := make(chan int, 1)
	go func() {
		var msg struct{ Port int }
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err == nil && json.Unmarshal(line, &msg) == nil {
			port <- msg.Port
		}
		io.Copy(io.Discard, stdout)
		k.done <- cmd.Wait()
	}()
	select {
	case p := <-port:
		k.Endpoint = "http://127.0.0.1:" + strconv.Itoa(p)
		return k, nil
	case err := <-k.done:
		return nil, fmt.Errorf("kinesisapi: kinesalite exited before listening: %v", err)
	case <-ctx.Done():
		k.Close()
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		k.Close()
		return nil, errors.New("kinesisapi: kinesalite did not start within 30s")
	}
}

// Close stops kinesalite and waits for it to exit.
func (k *Kinesalite) Close() error {
	k.stdin.Close()
	select {
	case <-k.done:
	case <-time.After(5 * time.Second):
		k.cmd.Process.Kill()
		<-k.done
	}
	return nil
}

// NewClient returns a Kinesis client for a local endpoint such as
// kinesalite's, which accepts any static credentials.
func NewClient(endpoint string) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
	})
}

// CreateStream creates a provisioned stream with the given shards and waits
// until it is ACTIVE.
func CreateStream(ctx context.Context, c *kinesis.Client, name string, shards int) error {
	n := int32(shards)
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: &n}); err != nil {
		return fmt.Errorf("kinesisapi: CreateStream %s: %w", name, err)
	}
	w := kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: &name}, time.Minute); err != nil {
		return fmt.Errorf("kinesisapi: waiting for %s to be ACTIVE: %w", name, err)
	}
	return nil
}

// CPU returns the CPU time (user + system) kinesalite has used, from
// /proc (Linux only), for benchmarks that account for where CPU goes.
func (k *Kinesalite) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", k.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("kinesisapi: unexpected /proc stat format")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("kinesisapi: unexpected /proc stat format")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("kinesisapi: /proc stat: %w", err)
	}
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / ticks, nil
}
