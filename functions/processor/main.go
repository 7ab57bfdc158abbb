// Command processor is the Kinesis-triggered Lambda function: it scrubs,
// classifies and counts browsing-history records into MongoDB user stats.
// Everything but the wiring lives in internal/processor.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/config"
	"github.com/kleo-network/kleo-stream/internal/kinesisevent"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/secrets"
	"github.com/kleo-network/kleo-stream/internal/store/dial"
	"github.com/kleo-network/kleo-stream/internal/telemetry"
)

func main() {
	if err := run(context.Background()); err != nil {
		// A configuration error fails the init phase with a message that
		// names the variable; Lambda shows it in the function's log.
		fmt.Fprintln(os.Stderr, "processor:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := config.LoadProcessor(ctx, os.Getenv, &secrets.AWS{})
	if err != nil {
		return err
	}
	log := telemetry.Logger(os.Stdout, cfg.LogLevel)
	emf, err := telemetry.NewEMF(os.Stdout, cfg.Metrics)
	if err != nil {
		return err
	}
	// One client for the life of the execution environment, reused across invocations.
	st, err := dial.Open(ctx, dial.Config{URI: cfg.MongoURI, Database: cfg.Database, Dir: cfg.DataDir, Timeout: cfg.ConnectTimeout, Logger: log})
	if err != nil {
		return err
	}
	model, err := classify.Load()
	if err != nil {
		return err
	}
	p := processor.New(st, pii.New(), model, processor.Options{
		Logger:              log,
		Tracer:              telemetry.XRay{},
		Observer:            emf,
		DeadlineMargin:      cfg.DeadlineMargin,
		DeadLetterRetention: cfg.DeadLetterRetention,
	})
	// The raw payload is decoded in one pass (package kinesisevent), not by
	// aws-lambda-go's reflection: that decode cost more than the pipeline.
	lambda.StartWithOptions(kinesisevent.Handler(p.Handle), lambda.WithEnableSIGTERM(func() {
		if err := st.Close(context.Background()); err != nil {
			log.Error("closing the store", "err", err)
		}
		// The hook replaces Go's default exit on SIGTERM: exit, or the
		// runtime waits until it kills the process.
		os.Exit(0)
	}))
	return nil
}
