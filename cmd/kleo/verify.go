package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
)

// runVerify walks a user's archive chain through the gateway and checks
// every link; it fails if any check fails.
func runVerify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dir     = fs.String("dir", ".kleo/data", "embedded store directory, to find the newest archive")
		gateway = fs.String("gateway", envOr("ARWEAVE_GATEWAY_URL", "http://127.0.0.1:1984"), "gateway URL to read the chain from")
		txID    = fs.String("tx", "", "newest archive of the chain (default: the user's previous_hash in the store)")
		items   = fs.Int("items", 50, "items every archive must hold (0: any)")
		signer  = fs.String("signer", "", "wallet address that must have signed every archive (default: one signer throughout)")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kleo verify [flags] <address>")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	// Flags may also follow the address.
	address := fs.Arg(0)
	if err := fs.Parse(fs.Args()[min(1, fs.NArg()):]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if address == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%w: want one address", errUsage)
	}
	address = strings.ToLower(address)

	var accepted []string // the store's accepted archives, when it was read
	head := *txID
	if head == "" {
		st, err := dial.Open(ctx, dial.Config{URI: os.Getenv("MONGODB_URI"), Database: envOr("MONGODB_DATABASE", "kleo"), Dir: *dir, Timeout: 5 * time.Second})
		if err != nil {
			return err
		}
		defer st.Close(context.Background())
		u, err := st.User(ctx, address)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user %s in the store", address)
		} else if err != nil {
			return err
		}
		if u.PreviousHash == "" {
			return fmt.Errorf("user %s has no archive yet", address)
		}
		head = u.PreviousHash
		arcs, err := st.Archives(ctx, address)
		if err != nil {
			return err
		}
		for _, x := range arcs {
			if x.Status != store.ArchiveSigned {
				accepted = append(accepted, x.ID)
			}
		}
	}
	gw := &arweave.Gateway{URL: *gateway}
	c, err := archive.VerifyChain(ctx, gw, address, head, archive.VerifyOptions{ItemCount: *items, Signer: *signer})
	if err != nil && !errors.Is(err, archive.ErrChain) {
		return err
	}
	storeNote := ""
	if accepted != nil {
		var inChain []string
		for _, l := range c.Links {
			inChain = append(inChain, l.ID)
		}
		slices.Sort(inChain)
		slices.Sort(accepted)
		if slices.Equal(inChain, accepted) {
			storeNote = fmt.Sprintf("the chain holds exactly the store's %d accepted archives", len(accepted))
		} else {
			storeNote = fmt.Sprintf("MISMATCH: the store has %d accepted archives, the chain %d links", len(accepted), len(c.Links))
			if err == nil {
				err = fmt.Errorf("%w: the chain and the store's archives differ", archive.ErrChain)
			}
		}
	}
	printChain(stdout, *gateway, c, storeNote)
	return err
}

func printChain(w io.Writer, gateway string, c *archive.Chain, storeNote string) {
	fmt.Fprintf(w, "archive chain of %s through %s, newest first\n", c.Address, gateway)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\ttransaction\titems\tbytes\tvisits from\tto\tresult")
	for i, l := range c.Links {
		res := "ok"
		if len(l.Problems) > 0 {
			res = "FAIL: " + strings.Join(l.Problems, "; ")
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%s\t%s\n", i+1, l.ID, l.Items, l.Bytes, stamp(l.From), stamp(l.To), res)
	}
	tw.Flush()
	if len(c.Links) > 0 && c.Links[0].Signer != "" {
		fmt.Fprintf(w, "signer: %s\n", c.Links[0].Signer)
	}
	if storeNote != "" {
		fmt.Fprintf(w, "store: %s\n", storeNote)
	}
	if c.OK() {
		fmt.Fprintf(w, "VERIFIED: %d archives, signatures, data roots, links, item counts and PII checks all pass\n", len(c.Links))
	} else {
		fmt.Fprintln(w, "NOT VERIFIED")
	}
}

func stamp(ms int64) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04")
}
