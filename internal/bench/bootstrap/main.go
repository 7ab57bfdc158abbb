package bootstrap

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kleo-network/kleo-stream/internal/cfn"
	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
)

// Workload is what the harness hands the bootstrap: invocation payloads
// of new records, and the documents Kleo's backend wrote before the trigger
// fired (the users, who signed up first, and their save-history documents).
type Workload struct {
	Payloads       [][]byte
	Users, History []bson.M
	MeanData       int // bytes of a record's data, mean
}

// NewWorkload generates n invocations of perBatch new records each, as the
// event source mapping sends them from one shard, from users users with
// summaries of summary bytes: Kleo-shaped data (internal/gen), with no
// malformed or duplicate records, so every record is new work.
func NewWorkload(n, perBatch, users, summary int) (*Workload, error) {
	prod, err := gen.Kleo(gen.KleoConfig{Config: gen.Config{Users: users, ItemsPerUser: (n*perBatch + users - 1) / users, Seed: 21,
		SummaryMin: summary, SummaryMax: summary, PIIRate: 0.15}})
	if err != nil {
		return nil, err
	}
	if len(prod.Records) < n*perBatch {
		return nil, fmt.Errorf("bootstrap: generated %d records, want %d", len(prod.Records), n*perBatch)
	}
	w := &Workload{Users: prod.Users, History: prod.History}
	for _, r := range prod.Records[:n*perBatch] {
		w.MeanData += len(r.Data)
	}
	w.MeanData /= n * perBatch
	arrival := time.Now().UTC()
	for i := 0; i < n; i++ {
		ev := gen.KinesisEvent(gen.Source{}, uint64(i*perBatch), arrival, prod.Records[i*perBatch:(i+1)*perBatch])
		b, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		w.Payloads = append(w.Payloads, b)
	}
	return w, nil
}

// Seed writes the workload's users and history into the store the
// bootstrap will open, as Kleo's backend did, and closes it.
func (w *Workload) Seed(ctx context.Context, c dial.Config) error {
	st, err := dial.Open(ctx, c)
	if err != nil {
		return err
	}
	seeder, ok := st.(store.Seeder)
	if !ok {
		st.Close(ctx)
		return fmt.Errorf("bootstrap: store %T cannot seed Kleo's documents", st)
	}
	parts := []struct {
		insert func(context.Context, []bson.M) error
		docs   []bson.M
	}{{seeder.InsertUsers, w.Users}, {seeder.InsertHistory, w.History}}
	for _, p := range parts {
		for insert, docs := p.insert, p.docs; len(docs) > 0; {
			n := min(500, len(docs))
			if err := insert(ctx, docs[:n]); err != nil {
				st.Close(ctx)
				return err
			}
			docs = docs[n:]
		}
	}
	return st.Close(ctx)
}

// startFerretDB runs FerretDB (SQLite backend) in this process on a free
// loopback port, as internal/store/ferrettest does for tests, and returns
// its URI and a function that stops it.
func startFerretDB(ctx context.Context, dir string) (string, func() error, error) {
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError})),
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		case <-time.After(30 * time.Second):
			return errors.New("bootstrap: FerretDB did not stop within 30s")
		}
	}
	return f.MongoDBURI(), stop, nil
}

// Main is `kleo bench-bootstrap`: it builds the processor's bootstrap for
// this machine, measures it under the Runtime API against FerretDB and the
// embedded store, its cold start, and the size of the arm64 build.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bootstrap", "", "a built bootstrap (default: build ./functions/processor for this machine)")
	batches := fs.Int("batches", 20, "measured invocations per store")
	warmup := fs.Int("warmup", 3, "invocations before measuring")
	perBatch := fs.Int("records", 100, "records per invocation")
	users := fs.Int("users", 50, "users the records belong to")
	summary := fs.Int("summary", 1400, "summary bytes per record (1400 gives records of about 2 KB)")
	stores := fs.String("stores", "ferretdb,embedded", "comma-separated: ferretdb, embedded")
	colds := fs.Int("cold", 10, "cold starts to measure (embedded store, no database)")
	trace := fs.Bool("trace", true, "send a trace header as Lambda does with Tracing: Active")
	size := fs.Bool("size", true, "also build for linux/arm64 and report what dominates the binary")
	jsonOut := fs.String("json", "", "also write the results to this file")
	idle := fs.Duration("idle", 5*time.Second, "after the last invocation, measure the CPU the process spends waiting this long")
	tmpl := fs.String("template", "template.yaml", "the SAM template whose literal environment the processor is deployed with")
	old := fs.String("old", "", "also build the bootstrap at this git commit and run it on the same workload, in turns with today's (the same-run ratio)")
	rounds := fs.Int("rounds", 1, "runs of each bootstrap per store, in turns")
	perfDir := fs.String("perf", "", "profile the measured invocations with perf record into DIR/perf-<store>.data and print the top functions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *perfDir != "" {
		// perf record -q exits silently when it cannot create its file.
		if err := os.MkdirAll(*perfDir, 0o755); err != nil {
			return err
		}
	}
	if runtime.GOOS != "linux" {
		return errors.New("bench-bootstrap reads /proc: Linux only")
	}
	tmp, err := os.MkdirTemp("", "kleo-bench-bootstrap-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if *bin == "" {
		fmt.Fprintln(stderr, "building ./functions/processor for", runtime.GOARCH)
		if *bin, err = Build(ctx, "./functions/processor", tmp, "", *perfDir != ""); err != nil {
			return err
		}
	}
	report := map[string]any{}
	deployed, err := DeployedEnv(*tmpl, "ProcessorFunction")
	if err != nil {
		return err
	}

	total := *warmup + *batches
	wl, err := NewWorkload(total, *perBatch, *users, *summary)
	if err != nil {
		return err
	}
	payloads, meanData := wl.Payloads, wl.MeanData
	var bytesIn int
	for _, p := range payloads {
		bytesIn += len(p)
	}
	fmt.Fprintf(stdout, "bootstrap %s: %d invocations of %d new records of %d B (%d B per record in the payload), %d warm-up\n\n",
		*bin, total, *perBatch, meanData, bytesIn/total / *perBatch, *warmup)
	report["record_bytes"], report["payload_bytes_per_record"] = meanData, bytesIn/total / *perBatch
	fmt.Fprintf(stdout, "%-14s %11s %11s %11s %11s %12s %13s %13s %7s %9s\n", "store", "CPU/record", "median", "(/proc)", "waiting", "wall/batch", "peak RSS 1st", "peak RSS end", "errors", "failures")
	// Each bootstrap runs with the literal environment of its own template.
	type variant struct {
		name, bin string
		env       []string
	}
	variants := []variant{{"", *bin, deployed}}
	if *old != "" {
		dir := filepath.Join(tmp, "old")
		fmt.Fprintln(stderr, "building ./functions/processor at", *old)
		oldBin, err := BuildCommit(ctx, *old, "./functions/processor", dir, *perfDir != "")
		if err != nil {
			return err
		}
		oldEnv, err := DeployedEnv(filepath.Join(dir, "src", "template.yaml"), "ProcessorFunction")
		if err != nil {
			return err
		}
		variants = append(variants, variant{" old", oldBin, oldEnv})
	}
	for _, st := range strings.Split(*stores, ",") {
		meds := make([][]time.Duration, len(variants))
		for r := 0; r < *rounds; r++ {
			for vi, v := range variants {
				dir := filepath.Join(tmp, fmt.Sprintf("%s-%d-%d", st, r, vi))
				perf := ""
				if *perfDir != "" && r == 0 {
					if perf, err = filepath.Abs(filepath.Join(*perfDir, "perf-"+st+strings.ReplaceAll(v.name, " ", "-")+".data")); err != nil {
						return err
					}
				}
				res, err := runStore(ctx, st, dir, wl, Config{Bootstrap: v.bin, Env: slices.Clone(v.env), Payloads: payloads,
					Records: *perBatch, Warmup: *warmup, Trace: *trace, Idle: *idle, Perf: perf})
				if err != nil {
					return fmt.Errorf("%s%s: %w", st, v.name, err)
				}
				stat, sched := res.PerRecord(*perBatch)
				med, waiting := res.Median(*perBatch), res.Waiting(*perBatch, *idle)
				meds[vi] = append(meds[vi], med)
				fmt.Fprintf(stdout, "%-14s %11s %11s %11s %11s %12s %13s %13s %7d %9d\n", st+v.name, round(sched), round(med), round(stat), round(waiting),
					round(res.Wall/time.Duration(res.Measured)), mib(res.PeakRSSFirst), mib(res.PeakRSS), res.Errors, res.ItemFailures)
				if res.Errors > 0 {
					fmt.Fprintf(stdout, "               last error: %.300s\n", res.LastError)
				}
				if perf != "" {
					if err := perfReport(ctx, perf, 15, stdout); err != nil {
						return fmt.Errorf("%s: %w", st, err)
					}
				}
				if r == 0 && v.name == "" {
					report[st] = map[string]any{"cpu_per_record_ns": stat.Nanoseconds(), "schedstat_cpu_per_record_ns": sched.Nanoseconds(),
						"median_cpu_per_record_ns": med.Nanoseconds(), "waiting_cpu_per_record_ns": waiting.Nanoseconds(), "idle_cpu_per_second_ns": (res.IdleCPU * time.Second / max(*idle, 1)).Nanoseconds(),
						"wall_per_batch_ns": (res.Wall / time.Duration(res.Measured)).Nanoseconds(), "peak_rss_first_bytes": res.PeakRSSFirst,
						"peak_rss_bytes": res.PeakRSS, "errors": res.Errors, "item_failures": res.ItemFailures,
						"trace_segments": res.TraceSegments, "output_bytes": res.OutputBytes}
				}
			}
		}
		if len(variants) > 1 {
			now, then := median(meds[0]), median(meds[1])
			fmt.Fprintf(stdout, "%-14s median CPU per record over %d rounds in turns: %s now, %s at %s: %.2fx\n", st, *rounds, round(now), round(then), *old, float64(then)/float64(max(now, 1)))
			report[st+"_old"] = map[string]any{"commit": *old, "rounds": *rounds, "median_cpu_per_record_ns": then.Nanoseconds(),
				"new_median_cpu_per_record_ns": now.Nanoseconds()}
		}
	}

	if *colds > 0 {
		var inits, firsts []time.Duration
		for i := 0; i < *colds; i++ {
			dir := filepath.Join(tmp, "cold", strconv.Itoa(i))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			if err := wl.Seed(ctx, dial.Config{Dir: filepath.Join(dir, "data")}); err != nil {
				return err
			}
			res, err := Run(ctx, Config{Bootstrap: *bin, Dir: dir, Env: append(slices.Clone(deployed), "KLEO_DATA_DIR="+filepath.Join(dir, "data")),
				Payloads: payloads[:1], Records: *perBatch, Trace: *trace})
			if err != nil {
				return fmt.Errorf("cold start: %w", err)
			}
			inits, firsts = append(inits, res.Init), append(firsts, res.FirstInvoke)
		}
		fmt.Fprintf(stdout, "\ncold start (%d starts, embedded store): process start to first /next %s median (min %s, max %s); to the end of the first %d-record invocation %s median\n",
			*colds, round(median(inits)), round(slices.Min(inits)), round(slices.Max(inits)), *perBatch, round(median(firsts)))
		report["cold_start"] = map[string]any{"init_median_ns": median(inits).Nanoseconds(), "first_invoke_median_ns": median(firsts).Nanoseconds()}

		// Once more with the runtime's init trace, to say what the time
		// before main goes to.
		var inittrace bytes.Buffer
		dir := filepath.Join(tmp, "cold", "inittrace")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := wl.Seed(ctx, dial.Config{Dir: filepath.Join(dir, "data")}); err != nil {
			return err
		}
		res, err := Run(ctx, Config{Bootstrap: *bin, Dir: dir, Env: append(slices.Clone(deployed), "KLEO_DATA_DIR="+filepath.Join(dir, "data"), "GODEBUG=inittrace=1"),
			Payloads: payloads[:1], Records: *perBatch, Trace: *trace, Stdout: &inittrace})
		if err != nil {
			return fmt.Errorf("cold start with inittrace: %w", err)
		}
		total, mods := initTimes(inittrace.Bytes())
		fmt.Fprintf(stdout, "package init (one start, GODEBUG=inittrace=1): %s of %s before the first /next; by module:", round(total), round(res.Init))
		for i, m := range mods {
			if i == 6 {
				break
			}
			fmt.Fprintf(stdout, " %s %s;", m.name, round(time.Duration(m.size)))
		}
		fmt.Fprintln(stdout)
	}

	if *size {
		s, err := sizeReport(ctx, tmp, stdout)
		if err != nil {
			return err
		}
		report["arm64"] = s
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(report, "", "  ")
		return os.WriteFile(*jsonOut, append(b, '\n'), 0o644)
	}
	return nil
}

var errUsage = errors.New("usage")

// runStore runs one bootstrap on a fresh store of kind st under dir,
// seeded with the workload: FerretDB started for this run alone, or the
// embedded store's files.
func runStore(ctx context.Context, st, dir string, wl *Workload, cfg Config) (res Result, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	cfg.Dir = dir
	cfg.Env = append(cfg.Env, "KLEO_DATA_DIR="+filepath.Join(dir, "data"))
	dc := dial.Config{Dir: filepath.Join(dir, "data"), Timeout: 10 * time.Second}
	switch st {
	case "ferretdb":
		fdir := filepath.Join(dir, "ferret")
		if err := os.MkdirAll(fdir, 0o755); err != nil {
			return res, err
		}
		uri, stop, err := startFerretDB(ctx, fdir)
		if err != nil {
			return res, err
		}
		defer func() {
			if serr := stop(); err == nil {
				err = serr
			}
		}()
		cfg.Env = append(cfg.Env, "MONGODB_URI="+uri)
		dc.URI = uri
	case "embedded":
	default:
		return res, fmt.Errorf("%w: unknown store %q", errUsage, st)
	}
	if err := wl.Seed(ctx, dc); err != nil {
		return res, err
	}
	return Run(ctx, cfg)
}

// DeployedEnv returns the environment variables template gives function
// (the globals, then the function's own) that have literal values, as
// KEY=value: the settings the deployed process runs with (log level, GOGC,
// metrics), so that the bootstrap is measured as deployed. Values computed
// at deploy time (!Ref, !Sub) are left out.
func DeployedEnv(template, function string) ([]string, error) {
	b, err := os.ReadFile(template)
	if err != nil {
		return nil, err
	}
	t, err := cfn.Parse(b)
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	collect := func(props any) {
		env, _ := cfn.Path(props, "Environment", "Variables").(map[string]any)
		for k, v := range env {
			if s, ok := v.(string); ok {
				vars[k] = s
			} else {
				delete(vars, k)
			}
		}
	}
	collect(cfn.Path(t, "Globals", "Function"))
	fn := cfn.Path(t, "Resources", function, "Properties")
	if fn == nil {
		return nil, fmt.Errorf("bootstrap: %s has no resource %s", template, function)
	}
	collect(fn)
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out, nil
}

// sizeReport builds the processor for linux/arm64 as `make build` does and
// reports its size, and, from an unstripped build, the packages whose code
// and data take the most of it.
func sizeReport(ctx context.Context, tmp string, w io.Writer) (map[string]any, error) {
	dir := filepath.Join(tmp, "arm64")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	bin, err := Build(ctx, "./functions/processor", dir, "arm64", false)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(bin)
	if err != nil {
		return nil, err
	}
	full := filepath.Join(dir, "bootstrap.syms")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", full, "./functions/processor")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v\n%s", err, b)
	}
	mods, pkgs, err := symbolSizes(full)
	if err != nil {
		return nil, err
	}
	ef, err := elf.Open(bin)
	if err != nil {
		return nil, err
	}
	var sections []string
	for _, sec := range ef.Sections {
		if sec.Type != elf.SHT_NOBITS && sec.Size >= 1<<20 {
			sections = append(sections, fmt.Sprintf("%s %.1f MiB", sec.Name, float64(sec.Size)/(1<<20)))
		}
	}
	ef.Close()
	fmt.Fprintf(w, "\nlinux/arm64 bootstrap: %.1f MiB stripped (%s); the symbols of an unstripped build, by module and by package (.gopclntab, the function tables, grows with .text):\n",
		float64(fi.Size())/(1<<20), strings.Join(sections, ", "))
	for i := 0; i < 15 && (i < len(mods) || i < len(pkgs)); i++ {
		var m, p modSize
		if i < len(mods) {
			m = mods[i]
		}
		if i < len(pkgs) {
			p = pkgs[i]
		}
		fmt.Fprintf(w, "  %6.2f MiB  %-40s %6.2f MiB  %s\n", float64(m.size)/(1<<20), m.name, float64(p.size)/(1<<20), p.name)
	}
	out := map[string]any{"bytes": fi.Size()}
	byMod := map[string]int64{}
	for _, m := range mods {
		byMod[m.name] = m.size
	}
	out["modules"] = byMod
	return out, nil
}

type modSize struct {
	name string
	size int64
}

// symbolSizes sums the sizes of the symbols that take room in the file
// (not .bss) by module and by package, most first.
func symbolSizes(path string) (mods, pkgs []modSize, err error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, nil, err
	}
	byMod, byPkg := map[string]int64{}, map[string]int64{}
	for _, s := range syms {
		if int(s.Section) >= len(f.Sections) || f.Sections[s.Section].Type == elf.SHT_NOBITS {
			continue
		}
		pkg := packageOf(s.Name)
		byPkg[pkg] += int64(s.Size)
		byMod[moduleOf(pkg)] += int64(s.Size)
	}
	return sorted(byMod), sorted(byPkg), nil
}

func sorted(m map[string]int64) []modSize {
	var out []modSize
	for k, v := range m {
		out = append(out, modSize{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].size > out[j].size })
	return out
}

// packageOf returns the package path of a Go symbol name.
func packageOf(sym string) string {
	if strings.HasPrefix(sym, "go:func.") || strings.HasPrefix(sym, "runtime.") && strings.Contains(sym, "tab") {
		return "(runtime metadata)"
	}
	sym = strings.TrimPrefix(sym, "type:")
	sym = strings.TrimPrefix(sym, "go:")
	sym = strings.TrimLeft(sym, "*[]")
	if i := strings.LastIndex(sym, "/"); i >= 0 {
		if j := strings.IndexByte(sym[i:], '.'); j >= 0 {
			return sym[:i+j]
		}
		return sym
	}
	if j := strings.IndexByte(sym, '.'); j >= 0 {
		return sym[:j]
	}
	return sym
}

// moduleOf names the module of a package: its first three path elements
// when it is domain-qualified, std otherwise.
func moduleOf(pkg string) string {
	parts := strings.Split(pkg, "/")
	if strings.Contains(parts[0], ".") {
		if len(parts) > 3 {
			parts = parts[:3]
		}
		return strings.Join(parts, "/")
	}
	if strings.HasPrefix(pkg, "(") {
		return pkg
	}
	return "std"
}

// initTimes sums the clock time of the runtime's init trace lines
// ("init <pkg> @<t> ms, <d> ms clock, ...") in total and by module.
func initTimes(out []byte) (time.Duration, []modSize) {
	byMod := map[string]int64{}
	var total time.Duration
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 7 || f[0] != "init" || f[6] != "clock," {
			continue
		}
		ms, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			continue
		}
		d := time.Duration(ms * float64(time.Millisecond))
		total += d
		byMod[moduleOf(f[1])] += int64(d)
	}
	return total, sorted(byMod)
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(100 * time.Nanosecond).String()
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
