package e2e

import (
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
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rieModule is the emulator's module; its version is the one tools/invoke.sh
// pins, read from there so `make invoke` and this test run the same emulator.
const rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator"

// moduleRoot is the directory of the repository's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// buildBootstrap builds the processor's bootstrap as template.yaml deploys it,
// for the host's OS and architecture, into a temporary directory.
func buildBootstrap(t *testing.T, root string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, "./functions/processor")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./functions/processor: %v\n%s", err, b)
	}
	return out
}

// rieVersion reads the emulator version tools/invoke.sh installs.
func rieVersion(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "tools", "invoke.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^RIE_VERSION=(v\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("tools/invoke.sh: no RIE_VERSION=v... line: the test installs the emulator version invoke.sh pins")
	}
	return string(m[1])
}

// emulator returns bin/aws-lambda-rie at the pinned version, installing it
// with `go install` (from the Go module proxy) when it is missing or another
// version, as tools/invoke.sh does; CI builds it once.
func emulator(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(root, "bin", "aws-lambda-rie")
	version := rieVersion(t, root)
	if installedVersion(bin) == version {
		return bin
	}
	cmd := exec.Command("go", "install", rieModule+"/cmd/aws-lambda-rie@"+version)
	cmd.Dir = root
	// GOFLAGS= as in invoke.sh: the repository's build tags mean nothing to
	// the emulator's module.
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Dir(bin), "GOFLAGS=", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("installing the Lambda Runtime Interface Emulator (go install %s/cmd/aws-lambda-rie@%s, needs the Go module proxy): %v\n%s",
			rieModule, version, err, b)
	}
	if got := installedVersion(bin); got != version {
		t.Fatalf("%s: version %q after go install, want %q", bin, got, version)
	}
	return bin
}

// installedVersion is the emulator module's version recorded in bin, or ""
// when bin is missing or not a Go binary of that module.
func installedVersion(bin string) string {
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "mod" && f[1] == rieModule {
			return f[2]
		}
	}
	return ""
}

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// function is the bootstrap running behind the emulator.
type function struct {
	url string // the emulator's invoke endpoint
	log string // the emulator's and the function's stdout and stderr
}

// startFunction runs bootstrap behind the emulator on free loopback ports
// with exactly the environment env (plus PATH and HOME), and stops the
// emulator and the function when the test ends.
func startFunction(t *testing.T, rie, bootstrap string, env []string) *function {
	t.Helper()
	api, invoke := freePort(t), freePort(t)
	for invoke == api {
		invoke = freePort(t)
	}
	logPath := filepath.Join(t.TempDir(), "function.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(invoke),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(api),
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so the function the emulator starts is stopped
	// with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("starting the emulator: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		pgid := cmd.Process.Pid
		// SIGTERM first: the function's hook closes its MongoDB client.
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-exited
		}
		// Whatever the group left behind.
		syscall.Kill(-pgid, syscall.SIGKILL)
		logFile.Close()
	})

	fn := &function{url: fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", invoke), log: logPath}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", invoke), time.Second)
		if err == nil {
			c.Close()
			return fn
		}
		select {
		case <-exited:
			t.Fatalf("the emulator exited before listening\n%s", tail(logPath))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emulator did not listen on 127.0.0.1:%d within 10s\n%s", invoke, tail(logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// response is the processor's answer to a Kinesis event, or the emulator's
// report of a function error.
type response struct {
	BatchItemFailures *[]struct {
		ItemIdentifier string `json:"itemIdentifier"`
	} `json:"batchItemFailures"`
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

// invoke posts event to the function as the event source mapping would and
// returns its response.
func (f *function) invoke(ctx context.Context, event []byte) (response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(event))
	if err != nil {
		return response{}, nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, nil, err
	}
	if res.StatusCode != http.StatusOK {
		return response{}, body, fmt.Errorf("invoke: HTTP %s", res.Status)
	}
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return response{}, body, fmt.Errorf("invoke: response is not JSON: %w", err)
	}
	if r.ErrorType != "" || r.ErrorMessage != "" {
		return r, body, errors.New("invoke: the function failed: " + r.ErrorType)
	}
	return r, body, nil
}

// tail is the end of the function's log, for failure messages. The fixtures'
// text is made up, so showing it is harmless.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "function log (end):\n" + string(b)
}
