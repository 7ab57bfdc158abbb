// Command benchmedian reads `go test -bench` output for BenchmarkScrub (run
// with -count=N) and prints, per input, the median of each metric for the
// engine and the regexp baseline and the engine's speed-up, as Markdown. Rows
// named <input>/before (an earlier version of the engine, renamed so by
// mk/pii.mk) add the engine's speed-up over that version. With -doc it also
// replaces the text between the bench-pii markers in that file.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"strconv"
	"strings"
)

const (
	begin = "<!-- bench-pii:begin -->"
	end   = "<!-- bench-pii:end -->"
)

func main() {
	doc := flag.String("doc", "", "Markdown file whose bench-pii section is replaced")
	flag.Parse()
	table, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(table)
	if *doc != "" {
		if err := replace(*doc, table); err != nil {
			log.Fatal(err)
		}
	}
}

// summarize echoes the benchmark output to echo and returns the table.
func summarize(r io.Reader, echo io.Writer) (string, error) {
	samples := map[string]map[string][]float64{} // "page/engine" -> unit -> values
	var order []string
	var cpu string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(echo, line)
		if strings.HasPrefix(line, "cpu:") {
			cpu = strings.TrimSpace(strings.TrimPrefix(line, "cpu:"))
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkScrub/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkScrub/")
		if k := strings.LastIndexByte(name, '-'); k > 0 {
			if _, err := strconv.Atoi(name[k+1:]); err == nil {
				name = name[:k]
			}
		}
		if samples[name] == nil {
			samples[name] = map[string][]float64{}
			order = append(order, name)
		}
		for k := 2; k+1 < len(f); k += 2 {
			v, err := strconv.ParseFloat(f[k], 64)
			if err != nil {
				return "", fmt.Errorf("parse %q: %w", line, err)
			}
			samples[name][f[k+1]] = append(samples[name][f[k+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if len(order) == 0 {
		return "", fmt.Errorf("no BenchmarkScrub results in the input")
	}
	med := func(name, unit string) float64 {
		v := append([]float64(nil), samples[name][unit]...)
		if len(v) == 0 {
			return 0
		}
		sort.Float64s(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	var b strings.Builder
	n := len(samples[order[0]]["ns/op"])
	fmt.Fprintf(&b, "Medians of %d runs (`make bench-pii`: %d rounds of `go test -bench BenchmarkScrub -count=1 -cpu=1`, each followed by\n", n, n)
	fmt.Fprintf(&b, "one of the *before* engine); %s, shared with other work.\n", cpu)
	b.WriteString("*wall* is Go's usual ns/op and MB/s; *cpu* divides the process's CPU time (getrusage) instead, which\n")
	b.WriteString("excludes the time other processes held the core.\n\n")
	b.WriteString("*structured* is the engine without the name and address detectors (the engine before them), run\n")
	b.WriteString("in the same process; *cost* is engine cpu ÷ structured cpu.\n")
	b.WriteString("*before* is the engine of an earlier commit run on the same inputs by the same `make bench-pii`;\n")
	b.WriteString("*gain* is before cpu ÷ engine cpu.\n\n")
	b.WriteString("| input | engine wall | engine wall MB/s | engine cpu | engine cpu MB/s | engine allocs/op | structured cpu | structured cpu MB/s | cost | before cpu | before cpu MB/s | gain | baseline cpu | baseline cpu MB/s | baseline allocs/op | speed-up (cpu) | speed-up (wall) |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	seen := map[string]bool{}
	for _, name := range order {
		in, _, _ := strings.Cut(name, "/")
		if seen[in] {
			continue
		}
		seen[in] = true
		e, st, r := in+"/engine", in+"/structured", in+"/regexp"
		stCPU, stMB, cost := "–", "–", "–"
		if v := med(st, "cpu-ns/op"); v > 0 {
			stCPU, stMB, cost = dur(v), fmt.Sprintf("%.0f", med(st, "cpu-MB/s")), fmt.Sprintf("%.2f×", med(e, "cpu-ns/op")/v)
		}
		bfCPU, bfMB, gain := "–", "–", "–"
		if v := med(in+"/before", "cpu-ns/op"); v > 0 {
			bfCPU, bfMB, gain = dur(v), fmt.Sprintf("%.0f", med(in+"/before", "cpu-MB/s")), fmt.Sprintf("%.2f×", v/med(e, "cpu-ns/op"))
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %.0f | %.0f | %s | %s | %s | %s | %s | %s | %s | %.2f | %.0f | %.0f× | %.0f× |\n", in,
			dur(med(e, "ns/op")), med(e, "MB/s"), dur(med(e, "cpu-ns/op")), med(e, "cpu-MB/s"), med(e, "allocs/op"),
			stCPU, stMB, cost, bfCPU, bfMB, gain,
			dur(med(r, "cpu-ns/op")), med(r, "cpu-MB/s"), med(r, "allocs/op"),
			med(r, "cpu-ns/op")/med(e, "cpu-ns/op"), med(r, "ns/op")/med(e, "ns/op"))
	}
	return b.String(), nil
}

func dur(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func replace(path, table string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s: markers %s ... %s not found", path, begin, end)
	}
	return os.WriteFile(path, []byte(s[:i+len(begin)]+"\n"+table+s[j:]), 0o644)
}
