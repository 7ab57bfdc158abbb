// Command archiver is the scheduled Lambda function that uploads each user's
// 50-item batches to Arweave. Everything but the wiring lives in
// internal/archive.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	lambda.Start(func(ctx context.Context) error {
		log.Info("nothing to do")
		return nil
	})
}
