package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/archive/fakegw"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/arweave/arlocal"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/telemetry"
)

// localTarget is where `kleo run` archives: arlocal, or the in-process
// stand-in gateway when node is missing.
type localTarget struct {
	name string
	url  string
	mine func(context.Context) error
	stop func()
}

// runArchiveStep is the archiver's part of `kleo run`: one sweep of the store
// the run just filled, against arlocal on a free loopback port when node and
// `make node` are there (else against the in-process stand-in gateway, said
// plainly), then a mined block and the verification of one user's chain. The
// signed transactions are kept under .kleo/archives/ (beside dataDir).
func runArchiveStep(ctx context.Context, st store.Store, dataDir string, stdout, stderr io.Writer) error {
	base := filepath.Dir(dataDir)
	w, err := localWallet(filepath.Join(base, "wallet-local.json"), stderr)
	if err != nil {
		return fmt.Errorf("local operator wallet: %w", err)
	}
	start := time.Now()
	t, err := startLocalTarget(ctx, filepath.Join(base, "arlocal"), w, stdout)
	if err != nil {
		return err
	}
	defer t.stop()
	started := time.Since(start)

	logf, err := os.Create(filepath.Join(base, "archive.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	// Gateway mode, as in production without a bundler: the sweep's archives
	// travel as data items in one ANS-104 bundle transaction.
	// arlocal (1.1.66) unpacks a bundle reliably only when its data comes
	// inside POST /tx (its body limit is 15 MB): bundles of at most 8 MiB
	// (MaxBundleBytes below), sent inline.
	up := &arweave.BundleUploader{Gateway: &arweave.Gateway{URL: t.url, Retry: arweave.Retry{Attempts: 3, Base: 50 * time.Millisecond}, InlineMax: 10 << 20}, Wallet: w}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	a := archive.New(st, up, archive.Options{MaxUsers: 1 << 20, AppVersion: "kleo-run", MaxBundleBytes: 8 << 20, Logger: telemetry.Logger(logf, slog.LevelInfo)})
	rep, err := a.Sweep(sctx)
	if err != nil {
		return err
	}
	if err := t.mine(ctx); err != nil {
		return err
	}

	kept, longest, err := keepSigned(ctx, st, filepath.Join(base, "archives"))
	if err != nil {
		return err
	}
	verified := "no archive to verify (no user has 50 items)"
	var verr error
	if longest != "" {
		vstart := time.Now()
		src := archive.GatewaySource{Gateway: up.Gateway}
		d, derr := archive.Discover(ctx, up.Gateway, longest, archive.DiscoverOptions{AppName: "Kleo", Signer: w.Address()})
		head, how := "", ""
		if derr == nil {
			head, how = d.Head, "found by GraphQL"
		} else if us, err := st.Users(ctx, []string{longest}); err == nil {
			head, how = us[longest].LastArchive, "from the store ("+derr.Error()+")"
		} else {
			return err
		}
		c, err := archive.VerifyChain(ctx, src, longest, head, archive.VerifyOptions{ItemCount: 50, Signer: w.Address()})
		if err != nil {
			verr = fmt.Errorf("verifying the archive chain of %s: %w", longest, err)
			verified = "FAILED: " + err.Error()
		} else {
			verified = fmt.Sprintf("%d archives of %s through %s, head %s, in %v", len(c.Links), longest, t.name, how, time.Since(vstart).Round(time.Millisecond))
		}
	}
	costs, err := measureCosts(ctx, st, up.Gateway)
	if err != nil {
		return err
	}

	fmt.Fprintln(stdout, "\narchiver")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "target\t%s at %s (started in %v)\n", t.name, t.url, started.Round(time.Millisecond))
	fmt.Fprintf(tw, "users swept\t%d  (settled %d; skipped %d whose document cannot be updated)\n", rep.UsersSwept, rep.Settled, rep.Skipped)
	fmt.Fprintf(tw, "uploads\t%d archives in %d bundle transaction(s)  (%d items, %d bytes, %d winston = %.6f AR, %v)\n", rep.Uploads, rep.Bundles, rep.Items, rep.Bytes, rep.Winston, float64(rep.Winston)/1e12, rep.Duration.Round(time.Millisecond))
	fmt.Fprintf(tw, "failures\t%d  (PII refusals %d; history documents gone %d; see %s)\n", rep.Failures, rep.PIIRefused, rep.Gone, logf.Name())
	fmt.Fprintf(tw, "text cut to caps\t%d fields of %d items (summary 1 KiB, URL 400 B, title 200 B)\n", rep.Cut, rep.Items)
	costs.print(tw)
	fmt.Fprintf(tw, "verified chain\t%s\n", verified)
	fmt.Fprintf(tw, "signed transactions\t%d kept in %s (data items .bin, bundle headers .json)\n", kept, filepath.Join(base, "archives"))
	tw.Flush()
	if verr != nil {
		return verr
	}
	if rep.Failures > 0 {
		return fmt.Errorf("archiver: %d users failed", rep.Failures)
	}
	return nil
}

// turboFree is the largest data item ArDrive Turbo uploads free of charge.
const turboFree = 100 * 1024

// costs are the run's archive sizes and what they cost both ways.
type costs struct {
	archives, items    int
	meanDoc, maxDoc    int
	maxItem, underFree int
	perTx, bundle      int64 // winston: each archive its own transaction; one bundle of all
	bundleBytes        int
}

// measureCosts reads every accepted archive of the run, sizes it as the
// ANS-104 data item Turbo would receive (document, tags, signature and
// owner), and prices storing it on the base layer with the gateway's
// GET /price/{bytes}: each archive as its own transaction, and all of them
// as one bundle.
func measureCosts(ctx context.Context, st store.Store, gw *arweave.Gateway) (costs, error) {
	var c costs
	d, err := st.Dump(ctx)
	if err != nil {
		return c, err
	}
	var sumDoc int
	c.bundleBytes = 32
	for _, x := range d.Archives {
		if x.Status == store.ArchiveSigned || x.Address == archive.BundleAddress {
			continue
		}
		tags, data := []arweave.Tag(nil), int(x.Bytes)
		if tx, err := arweave.ParseTransaction(x.Tx); err == nil {
			tags = tx.Tags
		} else if di, err := arweave.ParseDataItem(x.Tx); err == nil {
			tags = di.Tags
		}
		size, err := arweave.DataItemSize(data, tags)
		if err != nil {
			return c, err
		}
		w, err := strconv.ParseInt(x.Reward, 10, 64)
		if err != nil || x.Reward == "0" {
			p, err := gw.Price(ctx, x.Bytes)
			if err != nil {
				return c, err
			}
			w, _ = strconv.ParseInt(p, 10, 64)
		}
		c.archives++
		c.items += len(x.ItemIDs)
		sumDoc += data
		c.maxDoc, c.maxItem = max(c.maxDoc, data), max(c.maxItem, size)
		if size <= turboFree {
			c.underFree++
		}
		c.perTx += w
		c.bundleBytes += 64 + size
	}
	if c.archives == 0 {
		return c, nil
	}
	c.meanDoc = sumDoc / c.archives
	p, err := gw.Price(ctx, int64(c.bundleBytes))
	if err != nil {
		return c, err
	}
	c.bundle, _ = strconv.ParseInt(p, 10, 64)
	return c, nil
}

func (c costs) print(w io.Writer) {
	if c.archives == 0 {
		return
	}
	perM := func(winston int64) float64 { return float64(winston) / 1e12 / float64(c.items) * 1e6 }
	fmt.Fprintf(w, "archive sizes\t%d archives: documents mean %d B, max %d B; data items max %d B\n", c.archives, c.meanDoc, c.maxDoc, c.maxItem)
	fmt.Fprintf(w, "under 100 KiB\t%d of %d data items (%.1f%%): free on ArDrive Turbo\n", c.underFree, c.archives, 100*float64(c.underFree)/float64(c.archives))
	fmt.Fprintf(w, "cost per 1M items\tTurbo (bundler mode): 0 AR for the items under 100 KiB\n")
	fmt.Fprintf(w, "\tbase layer, GET /price: %.4f AR as one transaction per archive, %.4f AR as one bundle (%d B) per sweep\n", perM(c.perTx), perM(c.bundle), c.bundleBytes)
}

// startLocalTarget starts arlocal and funds the wallet, or, without node,
// serves the stand-in gateway on a free loopback port.
func startLocalTarget(ctx context.Context, workDir string, w *arweave.Wallet, stdout io.Writer) (*localTarget, error) {
	node, tools, err := arlocal.FindTools(".")
	if err == nil {
		os.RemoveAll(workDir) // a fresh chain for the freshly emptied store
		srv, serr := arlocal.Start(ctx, node, tools, workDir, 0)
		if serr == nil {
			if err := srv.Mint(ctx, w.Address(), "1000000000000000000"); err != nil {
				srv.Stop()
				return nil, err
			}
			return &localTarget{name: "arlocal", url: srv.URL, mine: srv.Mine, stop: srv.Stop}, nil
		}
		err = serr
	}
	if !errors.Is(err, arlocal.ErrNoTools) {
		err = fmt.Errorf("arlocal would not start: %w", err)
	}
	fmt.Fprintf(stdout, "\narchiver: %v\narchiver: NOT uploading to Arweave or arlocal: using the in-process stand-in gateway; the signed transactions are kept on disk\n", err)
	g := fakegw.New()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return &localTarget{
		name: "stand-in gateway", url: "http://" + ln.Addr().String(),
		mine: func(context.Context) error { g.Mine(); return nil },
		stop: func() { srv.Close() },
	}, nil
}

// keepSigned writes every archive's signed transaction to
// dir/<address>/<created>-<id>.bin (.json for a transaction or a bundle
// header; bundles under dir/bundles) and returns how many, and the address
// with the most archives.
func keepSigned(ctx context.Context, st store.Store, dir string) (int, string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return 0, "", err
	}
	d, err := st.Dump(ctx)
	if err != nil {
		return 0, "", err
	}
	per := map[string]int{}
	longest := ""
	for _, x := range d.Archives {
		sub := filepath.Join(dir, x.Address)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return 0, "", err
		}
		ext := ".bin" // an ANS-104 data item
		if len(x.Tx) > 0 && x.Tx[0] == '{' {
			ext = ".json" // a transaction, or a bundle's header
		}
		name := fmt.Sprintf("%d-%s%s", x.CreatedAt.UnixMilli(), x.ID, ext)
		if err := os.WriteFile(filepath.Join(sub, name), x.Tx, 0o644); err != nil {
			return 0, "", err
		}
		if x.Status == store.ArchiveSigned || x.Address == archive.BundleAddress {
			continue
		}
		per[x.Address]++
		if per[x.Address] > per[longest] || (per[x.Address] == per[longest] && x.Address < longest) {
			longest = x.Address
		}
	}
	return len(d.Archives), longest, nil
}
