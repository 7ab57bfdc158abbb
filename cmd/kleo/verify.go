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

// chainFlags are the flags verify and export share: where the chain is and
// how to find its newest archive.
type chainFlags struct {
	gateway, txID, signer, appName, dir *string
	fromStore                           *bool
}

func addChainFlags(fs *flag.FlagSet) chainFlags {
	return chainFlags{
		gateway:   fs.String("gateway", envOr("ARWEAVE_GATEWAY_URL", "https://arweave.net"), "gateway to read the chain from (and to search with GraphQL)"),
		txID:      fs.String("tx", "", "newest archive of the chain (default: found through the gateway's GraphQL, or the store with -store)"),
		signer:    fs.String("signer", "", "wallet address that must have signed every archive; also narrows the GraphQL search"),
		appName:   fs.String("app-name", "Kleo", "App-Name tag of the archives"),
		fromStore: fs.Bool("store", false, "find the newest archive in the store (MONGODB_URI, else the embedded store in -dir) and check the chain against it"),
		dir:       fs.String("dir", ".kleo/data", "embedded store directory, with -store"),
	}
}

// parseAddress parses flags that may come before or after the one address.
func parseAddress(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", fmt.Errorf("%w: %v", errUsage, err)
	}
	address := fs.Arg(0)
	if err := fs.Parse(fs.Args()[min(1, fs.NArg()):]); err != nil {
		return "", fmt.Errorf("%w: %v", errUsage, err)
	}
	if address == "" || fs.NArg() > 0 {
		fs.Usage()
		return "", fmt.Errorf("%w: want one address", errUsage)
	}
	return strings.ToLower(address), nil
}

// head finds the chain's newest archive: -tx, the store (-store), or the
// gateway's GraphQL index. accepted is the store's accepted archives when
// the store was read; note says how the head was found.
func (f chainFlags) head(ctx context.Context, gw *arweave.Gateway, address string) (head string, accepted []string, note string, err error) {
	switch {
	case *f.txID != "":
		return *f.txID, nil, "given with -tx", nil
	case *f.fromStore:
		st, err := dial.Open(ctx, dial.Config{URI: os.Getenv("MONGODB_URI"), Database: envOr("MONGODB_DATABASE", "Kleo"), Dir: *f.dir, Timeout: 5 * time.Second})
		if err != nil {
			return "", nil, "", err
		}
		defer st.Close(context.Background())
		us, err := st.Users(ctx, []string{address})
		if err != nil {
			return "", nil, "", err
		}
		u, ok := us[address]
		if !ok {
			return "", nil, "", fmt.Errorf("no user %s in the store", address)
		}
		if u.LastArchive == "" {
			return "", nil, "", fmt.Errorf("user %s has no archive by this system yet (previous_hash %q)", address, u.PreviousHash)
		}
		arcs, err := st.Archives(ctx, address)
		if err != nil {
			return "", nil, "", err
		}
		for _, x := range arcs {
			if x.Status != store.ArchiveSigned {
				accepted = append(accepted, x.ID)
			}
		}
		return u.LastArchive, accepted, "the store's kleo_stream.archive", nil
	}
	d, err := archive.Discover(ctx, gw, address, archive.DiscoverOptions{AppName: *f.appName, Signer: *f.signer})
	if err != nil {
		return "", nil, "", err
	}
	note = fmt.Sprintf("found through %s/graphql (%d archives tagged Kleo-Address in %d pages)", gw.URL, len(d.Nodes), d.Pages)
	if len(d.Heads) > 1 {
		note += fmt.Sprintf("; WARNING: %d archives are named by no other (a fork, or uploads by another signer: give -signer); took the newest", len(d.Heads))
	}
	return d.Head, nil, note, nil
}

// runVerify walks a user's archive chain through the gateway and checks
// every link; it fails if any check fails.
func runVerify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addChainFlags(fs)
	items := fs.Int("items", 50, "items every archive must hold (0: any)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kleo verify [flags] <address>")
		fs.PrintDefaults()
	}
	address, err := parseAddress(fs, args)
	if err != nil {
		return err
	}
	gw := &arweave.Gateway{URL: *cf.gateway}
	head, accepted, how, err := cf.head(ctx, gw, address)
	if err != nil {
		return err
	}
	c, err := archive.VerifyChain(ctx, archive.GatewaySource{Gateway: gw}, address, head, archive.VerifyOptions{ItemCount: *items, Signer: *cf.signer})
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
	printChain(stdout, *cf.gateway, how, c, storeNote)
	return err
}

func printChain(w io.Writer, gateway, how string, c *archive.Chain, storeNote string) {
	fmt.Fprintf(w, "archive chain of %s through %s, newest first\n", c.Address, gateway)
	fmt.Fprintf(w, "newest archive: %s\n", how)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tarchive\tkind\titems\tbytes\tvisits from\tto\tresult")
	for i, l := range c.Links {
		res := "ok"
		if len(l.Problems) > 0 {
			res = "FAIL: " + strings.Join(l.Problems, "; ")
		}
		kind := "transaction"
		if l.Item {
			kind = "data item"
		}
		if l.Bundle != "" {
			kind += " in " + l.Bundle
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", i+1, l.ID, kind, l.Items, l.Bytes, stamp(l.From), stamp(l.To), res)
	}
	tw.Flush()
	if len(c.Links) > 0 && c.Links[0].Signer != "" {
		fmt.Fprintf(w, "signer: %s\n", c.Links[0].Signer)
	}
	if c.Complete {
		fmt.Fprintf(w, "before the first: %s\n", c.Continues())
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
