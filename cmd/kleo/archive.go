package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
	"github.com/kleo-network/kleo-stream/internal/telemetry"
)

// runArchive runs one archiver sweep against the embedded store (or
// MONGODB_URI) and a gateway or bundler.
func runArchive(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("archive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dir        = fs.String("dir", ".kleo/data", "embedded store directory")
		walletPath = fs.String("wallet", os.Getenv("ARWEAVE_WALLET_FILE"), "operator wallet (JWK file); default $ARWEAVE_WALLET_FILE")
		gateway    = fs.String("gateway", envOr("ARWEAVE_GATEWAY_URL", "http://127.0.0.1:1984"), "gateway URL (mode gateway)")
		bundler    = fs.String("bundler", envOr("ARWEAVE_BUNDLER_URL", "https://upload.ardrive.io/v1"), "bundler URL (mode bundler; ArDrive Turbo takes POST /v1/tx)")
		mode       = fs.String("mode", envOr("ARWEAVE_MODE", "gateway"), "gateway (one ANS-104 bundle per sweep), transaction (one per archive) or bundler")
		users      = fs.Int("users", 100, "users swept at most")
		timeout    = fs.Duration("timeout", 5*time.Minute, "the sweep's deadline")
		version    = fs.String("app-version", envOr("APP_VERSION", "dev"), "App-Version tag")
		urlBase    = fs.String("url-base", envOr("ARCHIVE_URL_BASE", archive.DefaultURLBase), "base of the URLs written to previous_hash")
	)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *walletPath == "" {
		return fmt.Errorf("%w: -wallet (or ARWEAVE_WALLET_FILE) is required", errUsage)
	}
	w, err := arweave.LoadWallet(*walletPath)
	if err != nil {
		return err
	}
	url := *gateway
	if *mode == "bundler" {
		url = *bundler
	}
	up, err := arweave.NewUploader(arweave.Config{Target: *mode, URL: url}, w)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	st, err := dial.Open(ctx, dial.Config{URI: os.Getenv("MONGODB_URI"), Database: envOr("MONGODB_DATABASE", "Kleo"), Dir: *dir, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	a := archive.New(st, up, archive.Options{
		MaxUsers: *users, AppVersion: *version, URLBase: *urlBase,
		Logger: telemetry.Logger(stderr, slog.LevelInfo),
	})
	rep, err := a.Sweep(ctx)
	printReport(stdout, fmt.Sprintf("%s %s", *mode, url), w.Address(), rep)
	if err != nil {
		return err
	}
	if rep.Failures > 0 {
		return fmt.Errorf("%d users failed (see the log above); the next sweep retries them", rep.Failures)
	}
	return nil
}

func printReport(w io.Writer, target, operator string, rep archive.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "target\t%s\n", target)
	fmt.Fprintf(tw, "operator wallet\t%s\n", operator)
	fmt.Fprintf(tw, "users swept\t%d  (busy elsewhere %d)\n", rep.UsersSwept, rep.UsersBusy)
	fmt.Fprintf(tw, "uploads\t%d  (reconciled %d, re-posted %d, re-signed %d)\n", rep.Uploads, rep.Reconciled, rep.Reposted, rep.Resigned)
	fmt.Fprintf(tw, "items\t%d  (history documents gone %d; users settled %d)\n", rep.Items, rep.Gone, rep.Settled)
	fmt.Fprintf(tw, "bytes\t%d\n", rep.Bytes)
	fmt.Fprintf(tw, "cost\t%d winston (%.6f AR)\n", rep.Winston, float64(rep.Winston)/1e12)
	fmt.Fprintf(tw, "failures\t%d  (PII refusals %d)\n", rep.Failures, rep.PIIRefused)
	stopped := ""
	if rep.Stopped {
		stopped = "  (stopped at the deadline; the next sweep continues)"
	}
	fmt.Fprintf(tw, "took\t%v%s\n", rep.Duration.Round(time.Millisecond), stopped)
	tw.Flush()
}

// localWallet loads the local-runs operator wallet at path, generating it
// first if it does not exist. It is for local targets only (arlocal, the
// stand-in gateway): it lives in a plain file under .kleo/.
func localWallet(path string, stderr io.Writer) (*arweave.Wallet, error) {
	w, err := arweave.LoadWallet(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return w, err
	}
	fmt.Fprintf(stderr, "generating a local RSA-4096 operator wallet in %s (once; it holds no real funds)\n", path)
	key, err := rsa.GenerateKey(rand.Reader, arweave.WalletBits)
	if err != nil {
		return nil, err
	}
	key.Precompute()
	b64 := func(i *big.Int) string { return arweave.EncodeB64(i.Bytes()) }
	jwk, err := json.Marshal(map[string]string{
		"kty": "RSA", "e": b64(big.NewInt(int64(key.E))), "n": b64(key.N), "d": b64(key.D),
		"p": b64(key.Primes[0]), "q": b64(key.Primes[1]),
		"dp": b64(key.Precomputed.Dp), "dq": b64(key.Precomputed.Dq), "qi": b64(key.Precomputed.Qinv),
	})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, jwk, 0o600); err != nil {
		return nil, err
	}
	return arweave.ParseWallet(jwk)
}
