package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
)

// runExport reads a user's whole archive chain back from the gateway,
// verifies every archive and writes the user's history as JSON lines.
func runExport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addChainFlags(fs)
	out := fs.String("o", "-", "output file of JSON lines, one history item each, oldest first (- for stdout)")
	items := fs.Int("items", 50, "items every archive must hold (0: any)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kleo export [flags] <address>")
		fmt.Fprintln(stderr, "Verified archives are kept in FILE.parts/ (or .kleo/export/<address>.parts/) until the export finishes: run it again to resume.")
		fs.PrintDefaults()
	}
	address, err := parseAddress(fs, args)
	if err != nil {
		return err
	}
	gw := &arweave.Gateway{URL: *cf.gateway}
	head, _, how, err := cf.head(ctx, gw, address)
	if err != nil {
		return err
	}
	parts := filepath.Join(".kleo", "export", address+".parts")
	if *out != "-" {
		parts = *out + ".parts"
	}
	var bar *progressbar.ProgressBar
	if !*quiet {
		bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("verifying archives"),
			progressbar.OptionShowCount(), progressbar.OptionSetItsString("archives"), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
	}
	opt := archive.ExportOptions{
		Verify: archive.VerifyOptions{ItemCount: *items, Signer: *cf.signer},
		Parts:  parts,
		Progress: func(n int) {
			if bar != nil {
				bar.Set(n)
			}
		},
	}
	w, summaryTo := stdout, stderr
	var tmp *os.File
	if *out != "-" {
		if tmp, err = os.CreateTemp(filepath.Dir(*out), filepath.Base(*out)+".*.tmp"); err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		w, summaryTo = tmp, stdout
	}
	sum, err := archive.Export(ctx, archive.GatewaySource{Gateway: gw}, address, head, w, opt)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		if tmp != nil {
			tmp.Close()
		}
		return fmt.Errorf("%w\n(the %d archives verified so far are kept in %s: run the same command again to resume)", err, countParts(parts), parts)
	}
	if tmp != nil {
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), *out); err != nil {
			return err
		}
	}
	printExport(summaryTo, address, how, *out, sum)
	return nil
}

func countParts(dir string) int {
	m, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	return len(m)
}

func printExport(w io.Writer, address, how, out string, s archive.ExportSummary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "exported\t%s\n", address)
	fmt.Fprintf(tw, "newest archive\t%s\n", how)
	fmt.Fprintf(tw, "archives\t%d verified (%d resumed from an earlier run), signer %s\n", s.Archives, s.Resumed, s.Signer)
	fmt.Fprintf(tw, "items\t%d  (%d without text: deleted from Kleo before archiving)\n", s.Items, s.Gone)
	fmt.Fprintf(tw, "visits\t%s to %s\n", stamp(s.From), stamp(s.To))
	acts := make([]string, 0, len(s.Activities))
	for a := range s.Activities {
		acts = append(acts, a)
	}
	slices.SortFunc(acts, func(a, b string) int {
		if d := s.Activities[b] - s.Activities[a]; d != 0 {
			return int(d)
		}
		return strings.Compare(a, b)
	})
	var top []string
	for _, a := range acts {
		top = append(top, fmt.Sprintf("%s=%d", a, s.Activities[a]))
	}
	fmt.Fprintf(tw, "activities\t%s\n", strings.Join(top, " "))
	origin := "starts with this system's first archive"
	switch s.Origin {
	case "":
	case "default_hash":
		origin = `previous_hash was "default_hash": no earlier upload`
	default:
		origin = "continues elsewhere, at " + s.Origin + " (not exported)"
	}
	fmt.Fprintf(tw, "before the first\t%s\n", origin)
	if out != "-" {
		fmt.Fprintf(tw, "written to\t%s\n", out)
	}
	tw.Flush()
}
