package main

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/kleo-network/kleo-stream/internal/config"
	"github.com/kleo-network/kleo-stream/internal/secrets"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
	"github.com/kleo-network/kleo-stream/internal/telemetry"
)

// openProcessorStore opens the store the processor function would, from the
// same environment, so an operator's command works on what the Lambda sees.
// dir, when set, replaces KLEO_DATA_DIR.
func openProcessorStore(ctx context.Context, dir string, stderr io.Writer) (config.Processor, store.Store, error) {
	// An operator's machine has profiles and SSO, not a function's
	// environment: the SDK's default loader finds them.
	sm := &secrets.AWS{Config: func(ctx context.Context) (aws.Config, error) { return awsconfig.LoadDefaultConfig(ctx) }}
	cfg, err := config.LoadProcessor(ctx, os.Getenv, sm)
	if err != nil {
		return cfg, nil, err
	}
	if dir != "" {
		cfg.DataDir = dir
	}
	st, err := dial.Open(ctx, dial.Config{URI: cfg.MongoURI, Database: cfg.Database, Dir: cfg.DataDir, Timeout: cfg.ConnectTimeout,
		Logger: telemetry.Logger(stderr, slog.LevelWarn)})
	return cfg, st, err
}
