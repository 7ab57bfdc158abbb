// Package lambdatest tests a function's main as the Lambda runtime runs it:
// the test binary re-runs itself as the function (see RunMain) against a fake
// Runtime API on 127.0.0.1.
package lambdatest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RunMain is for a function package's TestMain: when the test binary was
// started by SIGTERMExits it runs the function's main instead of the tests.
func RunMain(m *testing.M, main func()) {
	if os.Getenv("KLEO_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(3) // lambda.Start never returns
	}
	os.Exit(m.Run())
}

// SIGTERMExits starts the function against a fake Lambda Runtime API that
// never delivers an invocation, sends SIGTERM once the function polls for
// one, and wants the process to exit cleanly by itself: the SIGTERM hook
// closes the store and must then exit, or the runtime waits until it kills
// the process at the shutdown deadline. env adds to the function's
// environment (the embedded store in a temporary directory, no MongoDB).
func SIGTERMExits(t *testing.T, env ...string) {
	t.Helper()
	polling := make(chan struct{}, 1)
	done := make(chan struct{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/2020-01-01/extension/register":
			w.Header().Set("Lambda-Extension-Identifier", "test-extension")
			return
		case r.URL.Path == "/2018-06-01/runtime/invocation/next":
			select {
			case polling <- struct{}{}:
			default:
			}
		case strings.HasPrefix(r.URL.Path, "/2018-06-01/runtime/init/error"):
			t.Errorf("the function failed its init")
			return
		}
		// Nothing is ever delivered: hold the poll until the process or the test ends.
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer api.Close()
	defer close(done)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		"KLEO_TEST_RUN_MAIN=1",
		"AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(api.URL, "http://"),
		"KLEO_DATA_DIR="+t.TempDir(),
		"MONGODB_URI=", "MONGODB_URI_SECRET_ARN=", "MONGODB_URI_PARAMETER=",
	)
	cmd.Env = append(cmd.Env, env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	select {
	case <-polling:
	case err := <-exited:
		t.Fatalf("the function exited before polling for an invocation: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("the function never polled for an invocation\n%s", out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("after SIGTERM the function exited with %v, want 0\n%s", err, out.String())
		} else if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("the function was still running 10 s after SIGTERM\n%s", out.String())
	}
}
