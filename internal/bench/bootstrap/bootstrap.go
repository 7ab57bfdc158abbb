// Package bootstrap measures a built Lambda bootstrap from outside its
// process, as a Lambda bill sees it: a minimal Lambda Runtime API on
// 127.0.0.1 hands the process invocation payloads one at a time, and the
// process's CPU (user + system, from /proc/<pid>/stat, and the scheduler's
// nanosecond count from /proc/<pid>/task/*/schedstat) is read between
// invocations, so the cost per record includes everything the process does:
// the runtime client, the event decode, the handler, the database driver,
// logs and metrics.
//
// It also reports the cold start (process start to its first request for an
// invocation, and to the end of the first invocation) and the peak resident
// memory after the first and the last invocation.
//
// Run works on Linux only (it reads /proc).
package bootstrap

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config says what to run and what to hand it.
type Config struct {
	Bootstrap string   // the built bootstrap
	Dir       string   // its working directory (default: a temporary one)
	Env       []string // added to a minimal Lambda environment
	Payloads  [][]byte // one per invocation, in order
	Records   int      // records in each payload, to report per record
	Warmup    int      // invocations served before the CPU is first read
	Deadline  time.Duration
	// Trace sends a Lambda-Runtime-Trace-Id with each invocation and sets
	// LAMBDA_TASK_ROOT, as Lambda does with Tracing: Active; the X-Ray
	// segments go to a UDP port here that drops them.
	Trace bool
	// Stdout, when set, receives what the process writes (its logs and
	// metrics); otherwise it is drained and counted.
	Stdout io.Writer
	// Perf, when set, is where `perf record -g` writes a CPU profile of
	// the measured invocations (the bootstrap needs its symbols: see
	// Build). perf samples from its own process, so the CPU figures
	// still count the bootstrap only, plus the sampling interrupts.
	Perf string
	// Idle, when set, is how long the process is left waiting for its next
	// invocation after the last one, to measure what it spends while it
	// waits (the Go runtime's monitor, the driver's heartbeats): the same
	// state it is in while it waits for a database reply.
	Idle time.Duration
}

// Result is what Run measured.
type Result struct {
	Init          time.Duration // process start to its first GET /next
	FirstInvoke   time.Duration // process start to the end of the first invocation
	Measured      int           // invocations after the warm-up
	CPU           time.Duration // user + system over the measured invocations (10 ms ticks)
	SchedCPU      time.Duration // the same from schedstat (ns)
	Wall          time.Duration // wall time of the measured invocations
	PeakRSSFirst  int64         // VmHWM after the first invocation, bytes
	PeakRSS       int64         // VmHWM after the last, bytes
	Errors        int           // invocations answered with /error
	ItemFailures  int           // batchItemFailures reported over all invocations
	OutputBytes   int64         // written to stdout and stderr
	TraceSegments int           // X-Ray datagrams received
	LastError     string        // the last /error body, if any
	IdleCPU       time.Duration // schedstat CPU over Config.Idle
	// PerInvoke is the schedstat CPU of each measured invocation, from
	// handing it out to its outcome, in order.
	PerInvoke []time.Duration
}

// Median returns the median CPU per record of the measured invocations.
func (r Result) Median(records int) time.Duration {
	if len(r.PerInvoke) == 0 || records == 0 {
		return 0
	}
	d := slices.Clone(r.PerInvoke)
	slices.Sort(d)
	return d[len(d)/2] / time.Duration(records)
}

// Waiting estimates the CPU per record the measured invocations spent
// while the process waited (wall time not on a CPU, at the idle rate): on a
// database slower than production's, it is the share of the CPU that grows
// with the database's latency, not with the records.
func (r Result) Waiting(records int, idle time.Duration) time.Duration {
	n := r.Measured * records
	if n == 0 || idle <= 0 {
		return 0
	}
	waited := max(r.Wall-r.SchedCPU, 0)
	return time.Duration(float64(r.IdleCPU) / float64(idle) * float64(waited) / float64(n))
}

// PerRecord returns the CPU per record of the measured invocations.
func (r Result) PerRecord(records int) (stat, sched time.Duration) {
	n := r.Measured * records
	if n == 0 {
		return 0, 0
	}
	return r.CPU / time.Duration(n), r.SchedCPU / time.Duration(n)
}

type outcome struct {
	body []byte
	err  bool
}

// api is the Runtime API: /next hands out the next payload once Run
// releases it, /response and /error report the outcome.
type api struct {
	next     chan []byte
	outcomes chan outcome
	firstGet chan struct{}
	once     sync.Once
	deadline time.Duration
	trace    bool
	mu       sync.Mutex
	n        int
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/2018-06-01/runtime/"
	path := strings.TrimPrefix(r.URL.Path, prefix)
	switch {
	// aws-lambda-go's SIGTERM hook registers an internal extension, whose
	// first event never comes here: the harness kills the process.
	case r.Method == http.MethodPost && r.URL.Path == "/2020-01-01/extension/register":
		w.Header().Set("Lambda-Extension-Identifier", "harness-extension")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"functionName":"processor","functionVersion":"$LATEST","handler":"bootstrap"}`))
	case r.Method == http.MethodGet && r.URL.Path == "/2020-01-01/extension/event/next":
		<-r.Context().Done()
	case r.Method == http.MethodGet && path == "invocation/next":
		a.once.Do(func() { close(a.firstGet) })
		var payload []byte
		select {
		case payload = <-a.next:
		case <-r.Context().Done():
			return
		}
		a.mu.Lock()
		a.n++
		id := fmt.Sprintf("req-%06d", a.n)
		a.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(a.deadline).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:processor")
		if a.trace {
			h.Set("Lambda-Runtime-Trace-Id", fmt.Sprintf("Root=1-%08x-%024x;Parent=%016x;Sampled=1", time.Now().Unix(), a.n, a.n))
		}
		h.Set("Content-Type", "application/json")
		w.Write(payload)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		a.report(r, outcome{body, strings.HasSuffix(path, "/error")})
	case r.Method == http.MethodPost && path == "init/error":
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		a.report(r, outcome{append([]byte("init: "), body...), true})
	default:
		http.NotFound(w, r)
	}
}

func (a *api) report(r *http.Request, o outcome) {
	select {
	case a.outcomes <- o:
	case <-r.Context().Done(): // Run has returned
	}
}

// Run starts the bootstrap under the Runtime API, hands it every payload
// and measures it. The process is killed when Run returns.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if len(cfg.Payloads) <= cfg.Warmup {
		return Result{}, fmt.Errorf("bootstrap: %d payloads for %d warm-up invocations", len(cfg.Payloads), cfg.Warmup)
	}
	if cfg.Deadline == 0 {
		cfg.Deadline = time.Minute
	}
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "kleo-bootstrap-")
		if err != nil {
			return Result{}, err
		}
		defer os.RemoveAll(d)
		dir = d
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, err
	}
	a := &api{next: make(chan []byte), outcomes: make(chan outcome, 1), firstGet: make(chan struct{}),
		deadline: cfg.Deadline, trace: cfg.Trace}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	env := []string{
		"PATH=/usr/bin:/bin",
		"AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME=processor",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"TZ=UTC",
	}
	var segments *udpSink
	if cfg.Trace {
		if segments, err = newUDPSink(); err != nil {
			return Result{}, err
		}
		defer segments.Close()
		env = append(env, "LAMBDA_TASK_ROOT="+dir, "AWS_XRAY_DAEMON_ADDRESS="+segments.addr())
	}
	env = append(env, cfg.Env...)

	cmd := exec.CommandContext(ctx, cfg.Bootstrap)
	cmd.Dir, cmd.Env = dir, env
	var out countingWriter
	if cfg.Stdout != nil {
		out.w = cfg.Stdout
	}
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, err
	}
	// exited is closed when the process has ended, with its error in waitErr.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	pid := cmd.Process.Pid

	var res Result
	select {
	case <-a.firstGet:
		res.Init = time.Since(start)
	case o := <-a.outcomes:
		return res, fmt.Errorf("bootstrap: failed before its first invocation: %.500s", o.body)
	case <-exited:
		return res, fmt.Errorf("bootstrap: exited before its first invocation: %v", waitErr)
	case <-ctx.Done():
		return res, ctx.Err()
	}

	var cpu0, sched0 time.Duration
	var wall0 time.Time
	var perf *exec.Cmd
	defer func() {
		if perf != nil { // Run failed while profiling
			perf.Process.Kill()
			perf.Wait()
		}
	}()
	for i, p := range cfg.Payloads {
		var before time.Duration
		if i >= cfg.Warmup {
			if _, before, err = cpuTime(pid); err != nil {
				return res, err
			}
		}
		if i == cfg.Warmup {
			if cfg.Perf != "" {
				if perf, err = startPerf(ctx, pid, cfg.Perf); err != nil {
					return res, err
				}
			}
			if cpu0, sched0, err = cpuTime(pid); err != nil {
				return res, err
			}
			wall0 = time.Now()
		}
		select {
		case a.next <- p:
		case <-exited:
			return res, fmt.Errorf("bootstrap: exited at invocation %d: %v", i, waitErr)
		case <-ctx.Done():
			return res, ctx.Err()
		}
		var o outcome
		select {
		case o = <-a.outcomes:
		case <-exited:
			return res, fmt.Errorf("bootstrap: exited during invocation %d: %v", i, waitErr)
		case <-time.After(cfg.Deadline + 10*time.Second):
			return res, fmt.Errorf("bootstrap: invocation %d did not finish", i)
		case <-ctx.Done():
			return res, ctx.Err()
		}
		if i >= cfg.Warmup {
			_, after, err := cpuTime(pid)
			if err != nil {
				return res, err
			}
			res.PerInvoke = append(res.PerInvoke, after-before)
		}
		if o.err {
			res.Errors++
			res.LastError = string(o.body)
		} else {
			var resp struct {
				BatchItemFailures []json.RawMessage `json:"batchItemFailures"`
			}
			if err := json.Unmarshal(o.body, &resp); err != nil {
				return res, fmt.Errorf("bootstrap: invocation %d answered %.200q: %v", i, o.body, err)
			}
			res.ItemFailures += len(resp.BatchItemFailures)
		}
		if i == 0 {
			res.FirstInvoke = time.Since(start)
			if res.PeakRSSFirst, err = peakRSS(pid); err != nil {
				return res, err
			}
		}
	}
	res.Wall = time.Since(wall0)
	cpu1, sched1, err := cpuTime(pid)
	if err != nil {
		return res, err
	}
	res.CPU, res.SchedCPU = cpu1-cpu0, sched1-sched0
	if cfg.Idle > 0 {
		_, s0, err := cpuTime(pid)
		if err != nil {
			return res, err
		}
		time.Sleep(cfg.Idle)
		_, s1, err := cpuTime(pid)
		if err != nil {
			return res, err
		}
		res.IdleCPU = s1 - s0
	}
	if perf != nil {
		err := stopPerf(perf)
		perf = nil
		if err != nil {
			return res, err
		}
	}
	res.Measured = len(cfg.Payloads) - cfg.Warmup
	if res.PeakRSS, err = peakRSS(pid); err != nil {
		return res, err
	}
	res.OutputBytes = out.count()
	if segments != nil {
		res.TraceSegments = segments.count()
	}
	return res, nil
}

// startPerf attaches `perf record` to pid and returns once it samples.
func startPerf(ctx context.Context, pid int, out string) (*exec.Cmd, error) {
	cmd := exec.CommandContext(ctx, "perf", "record", "-q", "-F", "4999", "-g", "-p", strconv.Itoa(pid), "-o", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bootstrap: perf: %w", err)
	}
	// perf has no ready signal; it writes its header once it has opened
	// the events, so wait for the file to appear.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if fi, err := os.Stat(out); err == nil && fi.Size() > 0 {
			return cmd, nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			return nil, fmt.Errorf("bootstrap: perf record did not start: %s", bytes.TrimSpace(stderr.Bytes()))
		}
	}
}

// stopPerf ends the recording as Ctrl-C would, so perf writes its data.
func stopPerf(cmd *exec.Cmd) error {
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) { // perf exits non-zero after SIGINT on some kernels
			return fmt.Errorf("bootstrap: perf record: %w", err)
		}
	}
	return nil
}

// userHZ is the unit of utime and stime in /proc/<pid>/stat: fixed at 100
// for user space on Linux, whatever the kernel's tick.
const userHZ = 100

// cpuTime returns the process's user + system time from /proc/<pid>/stat,
// and the sum of its threads' run time from schedstat.
func cpuTime(pid int) (stat, sched time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name is in parentheses and may hold spaces: the fields
	// count from the last ')'. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("bootstrap: unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("bootstrap: unexpected /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, err
	}
	stat = time.Duration(utime+stime) * time.Second / userHZ

	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that just exited
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			sched += time.Duration(ns)
		}
	}
	return stat, sched, nil
}

// peakRSS returns VmHWM from /proc/<pid>/status in bytes.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("bootstrap: no VmHWM in /proc/%d/status", pid)
}

type countingWriter struct {
	mu sync.Mutex
	n  int64
	w  io.Writer
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += int64(len(p))
	if c.w != nil {
		return c.w.Write(p)
	}
	return len(p), nil
}

func (c *countingWriter) count() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// udpSink stands in for the X-Ray daemon: it counts the datagrams.
type udpSink struct {
	conn *net.UDPConn
	mu   sync.Mutex
	n    int
}

func newUDPSink() (*udpSink, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	s := &udpSink{conn: conn}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			if _, _, err := conn.ReadFromUDP(buf); err != nil {
				return
			}
			s.mu.Lock()
			s.n++
			s.mu.Unlock()
		}
	}()
	return s, nil
}

func (s *udpSink) addr() string { return s.conn.LocalAddr().String() }
func (s *udpSink) Close() error { return s.conn.Close() }
func (s *udpSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Build builds the Go main package pkg as a bootstrap for this machine,
// the way `make build` builds it for Lambda (CGO off, lambda.norpc,
// trimmed, stripped unless symbols is set, for a profiler), into dir, and
// returns its path.
func Build(ctx context.Context, pkg, dir, goarch string, symbols bool) (string, error) {
	return buildIn(ctx, "", pkg, dir, goarch, symbols)
}

// BuildCommit builds pkg as it was at a git commit of the repository in
// the working directory, from a copy of that commit's tree under dir, so
// that today's path and an earlier one can be measured in the same run.
func BuildCommit(ctx context.Context, commit, pkg, dir string, symbols bool) (string, error) {
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	archive := exec.CommandContext(ctx, "git", "archive", "--format=tar", commit)
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", src)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", err
	}
	untar.Stdin = pipe
	var stderr bytes.Buffer
	archive.Stderr = &stderr
	if err := archive.Start(); err != nil {
		return "", fmt.Errorf("bootstrap: git archive: %w", err)
	}
	if out, err := untar.CombinedOutput(); err != nil {
		archive.Wait()
		return "", fmt.Errorf("bootstrap: untar %s: %v\n%s", commit, err, out)
	}
	if err := archive.Wait(); err != nil {
		return "", fmt.Errorf("bootstrap: git archive %s: %v: %s", commit, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return buildIn(ctx, src, pkg, dir, "", symbols)
}

func buildIn(ctx context.Context, src, pkg, dir, goarch string, symbols bool) (string, error) {
	out := filepath.Join(dir, "bootstrap")
	ldflags := "-ldflags=-s -w"
	if symbols {
		ldflags = "-ldflags="
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", ldflags, "-o", out, pkg)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if goarch != "" {
		cmd.Env = append(cmd.Env, "GOARCH="+goarch)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("bootstrap: go build %s: %v\n%s", pkg, err, b)
	}
	return out, nil
}
