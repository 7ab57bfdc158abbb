// Command archiver is the scheduled Lambda function that uploads each user's
// 50-item batches to Arweave. Everything but the wiring lives in
// internal/archive.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/config"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/secrets"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
	"github.com/kleo-network/kleo-stream/internal/telemetry"
)

func main() {
	if err := run(context.Background()); err != nil {
		// A configuration error, or a malformed wallet, fails the init phase
		// with a message that names the variable, never the key.
		fmt.Fprintln(os.Stderr, "archiver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	handler, closeStore, err := setup(ctx, os.Getenv, &secrets.AWS{}, os.ReadFile, os.Stdout)
	if err != nil {
		return err
	}
	// The hooks replace Go's default exit on SIGTERM: exit after closing, or
	// the runtime waits until it kills the process.
	lambda.StartWithOptions(handler, lambda.WithEnableSIGTERM(closeStore, func() { os.Exit(0) }))
	return nil
}

// setup reads the configuration, parses the wallet and opens the store; it
// returns the invocation handler and what to run at shutdown.
func setup(ctx context.Context, getenv func(string) string, src config.SecretSource, readFile func(string) ([]byte, error), stdout io.Writer) (func(context.Context) error, func(), error) {
	cfg, err := config.LoadArchiver(ctx, getenv, src, readFile)
	if err != nil {
		return nil, nil, err
	}
	wallet, err := arweave.ParseWallet(cfg.Wallet)
	clear(cfg.Wallet)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the Arweave wallet: %w", config.ErrConfig, err)
	}
	log := telemetry.Logger(stdout, cfg.LogLevel)
	metrics, err := telemetry.NewEMF(stdout, cfg.Metrics)
	if err != nil {
		return nil, nil, err
	}
	url := cfg.GatewayURL
	if cfg.Mode == "bundler" {
		url = cfg.BundlerURL
	}
	up, err := arweave.NewUploader(arweave.Config{Target: cfg.Mode, URL: url}, wallet)
	if err != nil {
		return nil, nil, err
	}
	// One client for the life of the execution environment, reused across invocations.
	st, err := dial.Open(ctx, dial.Config{URI: cfg.MongoURI, Database: cfg.Database, Dir: cfg.DataDir, Timeout: cfg.ConnectTimeout, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	a := archive.New(st, up, archive.Options{
		MaxUsers: cfg.MaxUsers, AppVersion: cfg.AppVersion, URLBase: cfg.URLBase,
		DeadlineMargin: cfg.DeadlineMargin, PII: pii.New(), Logger: log,
	})
	log.Info("archiver ready", "operator", wallet.Address(), "mode", cfg.Mode, "upload_url", url)
	handler := func(ctx context.Context) error {
		rep, err := a.Sweep(ctx)
		m := telemetry.ArchiverMetrics{
			UsersSwept: rep.UsersSwept, Uploads: rep.Uploads, UploadBytes: rep.Bytes,
			WinstonSpent: rep.Winston, Failures: rep.Failures, Duration: rep.Duration,
		}
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			m.RequestID = lc.AwsRequestID
		}
		metrics.Archiver(ctx, m)
		log.Info("sweep done", "users_swept", rep.UsersSwept, "users_busy", rep.UsersBusy, "uploads", rep.Uploads,
			"bytes", rep.Bytes, "winston", rep.Winston, "reconciled", rep.Reconciled, "reposted", rep.Reposted,
			"resigned", rep.Resigned, "failures", rep.Failures, "pii_refused", rep.PIIRefused, "stopped", rep.Stopped)
		// Per-user failures are metrics, retried by the next scheduled sweep;
		// only a sweep that could not start fails the invocation.
		return err
	}
	closeStore := func() {
		if err := st.Close(context.Background()); err != nil {
			log.Error("closing the store", "err", err)
		}
	}
	return handler, closeStore, nil
}
