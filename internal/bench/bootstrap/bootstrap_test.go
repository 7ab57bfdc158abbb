package bootstrap

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func payload(data ...string) []byte {
	var recs []string
	for i, d := range data {
		recs = append(recs, fmt.Sprintf(`{"eventID":"shardId-000000000000:%d","kinesis":{"sequenceNumber":"%d","partitionKey":"k","data":%q}}`,
			i, i, base64.StdEncoding.EncodeToString([]byte(d))))
	}
	return []byte(`{"Records":[` + strings.Join(recs, ",") + `]}`)
}

// TestRun drives a real aws-lambda-go bootstrap through the Runtime API:
// every invocation must reach it and its answers must come back counted.
func TestRun(t *testing.T) {
	ctx := context.Background()
	bin, err := Build(ctx, "./testdata/echo", t.TempDir(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	payloads := [][]byte{
		payload("a", "fail"),         // warm-up
		payload("fail", "b", "fail"), // two failures
		[]byte(`not an event`),       // an invocation error
		payload("c"),
	}
	res, err := Run(ctx, Config{Bootstrap: bin, Payloads: payloads, Records: 3, Warmup: 1, Trace: true, Deadline: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.ItemFailures != 3 || res.Errors != 1 || res.Measured != 3 {
		t.Errorf("failures %d, errors %d, measured %d; want 3, 1, 3", res.ItemFailures, res.Errors, res.Measured)
	}
	if !strings.Contains(res.LastError, "invalid character") {
		t.Errorf("last error %q, want the decode error", res.LastError)
	}
	if res.Init <= 0 || res.FirstInvoke < res.Init || res.SchedCPU <= 0 || res.PeakRSSFirst <= 0 || res.PeakRSS < res.PeakRSSFirst {
		t.Errorf("implausible measurements %+v", res)
	}
}

func TestRunReportsEarlyExit(t *testing.T) {
	_, err := Run(context.Background(), Config{Bootstrap: "/bin/true", Payloads: [][]byte{payload("a")}})
	if err == nil || !strings.Contains(err.Error(), "exited before its first invocation") {
		t.Errorf("err = %v, want an early exit", err)
	}
}

func TestCPUTime(t *testing.T) {
	stat0, s0, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Spin until the scheduler has charged 50ms to this process, however
	// loaded the machine is; both readers must then have moved.
	stat, s1 := stat0, s0
	for x, start := 0, time.Now(); s1-s0 < 50*time.Millisecond; x++ {
		_ = x * x
		if x%1_000_000 == 0 {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("schedstat grew by only %v in 30s of spinning", s1-s0)
			}
			if stat, s1, err = cpuTime(os.Getpid()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if stat <= stat0 {
		t.Errorf("/proc stat CPU %v -> %v while schedstat grew by %v", stat0, stat, s1-s0)
	}
}

func TestPackageAndModuleOf(t *testing.T) {
	for sym, want := range map[string][2]string{
		"github.com/aws/aws-xray-sdk-go/xray.BeginSubsegment":    {"github.com/aws/aws-xray-sdk-go/xray", "github.com/aws/aws-xray-sdk-go"},
		"go.mongodb.org/mongo-driver/v2/mongo.(*Client).Connect": {"go.mongodb.org/mongo-driver/v2/mongo", "go.mongodb.org/mongo-driver/v2"},
		"runtime.mallocgc":                    {"runtime", "std"},
		"encoding/json.(*decodeState).object": {"encoding/json", "std"},
		"type:*github.com/kleo-network/kleo-stream/internal/record.Decoder": {"github.com/kleo-network/kleo-stream/internal/record", "github.com/kleo-network/kleo-stream"},
		"github.com/kleo-network/kleo-stream/internal/classify..gobytes.1":  {"github.com/kleo-network/kleo-stream/internal/classify", "github.com/kleo-network/kleo-stream"},
		"go:func.*": {"(runtime metadata)", "(runtime metadata)"},
	} {
		if p := packageOf(sym); p != want[0] || moduleOf(p) != want[1] {
			t.Errorf("%q: package %q module %q, want %q", sym, p, moduleOf(p), want)
		}
	}
}

// TestSymbolSizes checks the size report on a real unstripped binary.
func TestSymbolSizes(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "echo")
	if b, err := exec.Command("go", "build", "-o", exe, "./testdata/echo").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	fi, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	mods, pkgs, err := symbolSizes(exe)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, m := range mods {
		total += m.size
	}
	// bss is left out, so the symbols fit in the file.
	if total <= 0 || total > fi.Size() || len(pkgs) < len(mods) {
		t.Errorf("symbols total %d bytes in a %d-byte file (%d modules, %d packages)", total, fi.Size(), len(mods), len(pkgs))
	}
}

func TestInitTimes(t *testing.T) {
	out := []byte("init internal/bytealg @0.003 ms, 0 ms clock, 0 bytes, 0 allocs\n" +
		"init github.com/aws/aws-sdk-go/aws/endpoints @1.2 ms, 2.5 ms clock, 100 bytes, 3 allocs\n" +
		"{\"level\":\"info\"}\n" +
		"init github.com/aws/aws-sdk-go/aws/session @4 ms, 0.5 ms clock, 100 bytes, 3 allocs\n" +
		"init crypto/tls @5 ms, 1 ms clock, 10 bytes, 1 allocs\n")
	total, mods := initTimes(out)
	if total != 4*time.Millisecond || len(mods) != 2 || mods[0].name != "github.com/aws/aws-sdk-go" || mods[0].size != int64(3*time.Millisecond) {
		t.Errorf("total %v, modules %+v", total, mods)
	}
}

func TestDeployedEnv(t *testing.T) {
	got, err := DeployedEnv("testdata/template.yaml", "ProcessorFunction")
	if err != nil {
		t.Fatal(err)
	}
	// The function's own value wins; computed values are left out.
	want := []string{"EXTRA=x=y", "GOGC=400", "LOG_LEVEL=info"}
	if !slices.Equal(got, want) {
		t.Errorf("DeployedEnv = %q, want %q", got, want)
	}
	if _, err := DeployedEnv("testdata/template.yaml", "ArchiverFunction"); err == nil {
		t.Error("a function the template lacks: no error")
	}
	// The real template: the processor runs with its log level.
	real, err := DeployedEnv("../../../template.yaml", "ProcessorFunction")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(real, "LOG_LEVEL=info") {
		t.Errorf("template.yaml's processor environment %q lacks LOG_LEVEL=info", real)
	}
}

func TestAreaShares(t *testing.T) {
	// Two samples in the PII engine (one of them in malloc under it), one in
	// the driver under the store, one in the handler wrapper alone, one
	// unknown. Stacks are leaf first, as perf script prints them.
	script := `
	  4a1 runtime.mallocgc+0x1
	  4a2 github.com/kleo-network/kleo-stream/internal/pii.(*scanner).words+0x2
	  4a3 github.com/kleo-network/kleo-stream/internal/processor.(*batch).prepare+0x3

	  4b1 github.com/kleo-network/kleo-stream/internal/pii.lookup+0x1

	  4c1 go.mongodb.org/mongo-driver/v2/mongo.(*Collection).BulkWrite+0x1
	  4c2 github.com/kleo-network/kleo-stream/internal/store/mongostore.(*Store).Ledger+0x2
	  4c3 github.com/kleo-network/kleo-stream/internal/processor.(*batch).persist+0x3

	  4d1 github.com/kleo-network/kleo-stream/internal/processor.(*Processor).Handle+0x1

	  4e1 [unknown]
`
	shares, n, err := areaShares(strings.NewReader(script))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, s := range shares {
		got[s.name] = s.size
	}
	want := map[string]int64{"PII": 2, "mongo driver": 1, "processor": 1, "other": 1}
	if n != 5 || !maps.Equal(got, want) {
		t.Errorf("areaShares = %v over %d samples, want %v over 5", got, n, want)
	}
	if shares[0].name != "PII" {
		t.Errorf("largest first: got %v", shares)
	}
}
