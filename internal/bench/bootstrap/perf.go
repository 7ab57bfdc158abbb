package bootstrap

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// areas name the parts of the bootstrap a CPU sample can belong to, by a
// substring of a frame's symbol. A sample belongs to the area of its
// innermost frame that names one (so a malloc inside the PII engine is the
// PII engine's), and the order breaks ties within one frame: the handler
// wrappers come last, so only time spent in them alone is theirs.
var areas = []struct{ name, frame string }{
	{"PII", "internal/pii."},
	{"classify", "internal/classify"},
	{"decode", "kinesisevent.Decode"},
	{"decode", "kinesisevent.(*decoder)"},
	{"decode", "internal/record."},
	{"store (mongostore)", "internal/store/mongostore"},
	{"store (embedded)", "internal/store/embedded"},
	{"store (embedded)", "go.etcd.io/bbolt"},
	{"mongo driver", "go.mongodb.org/mongo-driver"},
	{"X-Ray", "aws-xray-sdk-go"},
	{"logs, metrics", "internal/telemetry"},
	{"logs, metrics", "log/slog"},
	{"Runtime API client", "aws-lambda-go"},
	{"Runtime API client", "net/http"},
	{"processor", "internal/processor"},
	{"garbage collector", "runtime.gcBgMarkWorker"},
	{"garbage collector", "runtime.bgsweep"},
	{"garbage collector", "runtime.bgscavenge"},
	{"runtime monitor (sysmon)", "runtime.sysmon"},
	{"scheduler, idle", "runtime.mcall"},
	{"scheduler, idle", "runtime.schedule"},
	{"scheduler, idle", "runtime.findRunnable"},
}

// areaShares reads `perf script -F ip,sym` output (stacks leaf first, one
// frame per line, a blank line between samples) and returns the share of
// samples per area, largest first, and the number of samples.
func areaShares(r io.Reader) ([]modSize, int, error) {
	counts := map[string]int64{}
	var frames []string
	n := 0
	flush := func() {
		if len(frames) == 0 {
			return
		}
		n++
		counts[areaOf(frames)]++
		frames = frames[:0]
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			flush()
			continue
		}
		// "ip symbol+offset": the symbol may hold spaces.
		if _, sym, ok := strings.Cut(line, " "); ok {
			frames = append(frames, sym)
		} else {
			frames = append(frames, "")
		}
	}
	flush()
	return sorted(counts), n, sc.Err()
}

func areaOf(frames []string) string {
	for _, f := range frames {
		for _, a := range areas {
			if strings.Contains(f, a.frame) {
				return a.name
			}
		}
	}
	return "other"
}

// perfReport prints where the profile at path went by area, then the n
// functions with the most samples of their own.
func perfReport(ctx context.Context, path string, n int, w io.Writer) error {
	script, err := exec.CommandContext(ctx, "perf", "script", "-i", path, "-F", "ip,sym").Output()
	if err != nil {
		return fmt.Errorf("perf script: %w", err)
	}
	shares, total, err := areaShares(bytes.NewReader(script))
	if err != nil {
		return err
	}
	if total == 0 {
		return fmt.Errorf("perf: no samples in %s", path)
	}
	fmt.Fprintf(w, "           profile %s (%d samples; perf report -i %s): CPU by area\n", path, total, path)
	for _, s := range shares {
		fmt.Fprintf(w, "             %5.1f%%  %s\n", 100*float64(s.size)/float64(total), s.name)
	}
	top, err := exec.CommandContext(ctx, "perf", "report", "-i", path, "--stdio", "--no-children",
		"--sort", "symbol", "-g", "none", "--percent-limit", "0.5").Output()
	if err != nil {
		return fmt.Errorf("perf report: %w", err)
	}
	fmt.Fprintln(w, "           functions by own samples:")
	for _, line := range strings.Split(string(top), "\n") {
		if n == 0 {
			break
		}
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			fmt.Fprintf(w, "             %s\n", strings.Join(strings.Fields(t)[:min(3, len(strings.Fields(t)))], " "))
			n--
		}
	}
	return nil
}
