// Command kleo is the local tool for the Kleo stream processor: it runs the
// processor over a generated or recorded stream, and exposes the PII engine,
// the classifier, the archiver, benchmarks and the capacity model.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one `kleo` subcommand. It gets the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"run":             {"run the processor (and archiver) over a stream on the embedded store", runRun},
		"pii":             {"scrub JSON lines {\"text\": ...} from stdin", runPII},
		"classify":        {"classify JSON lines {\"url\",\"title\",\"summary\",\"domain\"} from stdin", runClassify},
		"archive":         {"run one archiver sweep", runArchive},
		"verify":          {"verify a user's archive chain through the gateway", runVerify},
		"export":          {"read, verify and write a user's whole archive chain as JSON lines", runExport},
		"bench":           {"measure per-stage and per-batch costs on this machine", runBench},
		"bench-bootstrap": {"the built bootstrap's CPU per record, RSS and cold start, from outside", runBenchBootstrap},
		"capacity":        {"the shards x memory x parallelization capacity model", runCapacity},
		"soak":            {"a million records through the emulator and handler; books, RSS, goroutines", runSoak},

		"redrive":     {"re-drive discarded batches (SQS, file, S3) or dead letters; dry run unless --apply", runRedrive},
		"deadletters": {"list, group, show or export dead letters", runDeadLetters},
		"doctor":      {"read-only pre-flight check of a MongoDB database before cut-over", runDoctor},
		"indexes":     {"print the indexes Kleo's collections need; --create creates the missing", runIndexes},
	}
}

// errUsage marks errors caused by the command line rather than the work.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || cmds[args[0]].run == nil {
		usage(stderr, cmds)
		return 2
	}
	if err := cmds[args[0]].run(ctx, args[1:], stdin, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "kleo %s: %v\n", args[0], err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: kleo <command> [flags]")
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, cmds[n].summary)
	}
}
