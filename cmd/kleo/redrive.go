package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/processor"
	"github.com/kleo-network/kleo-stream/internal/redrive"
	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/telemetry"
)

// runRedrive re-drives discarded batches (from the on-failure queue, a saved
// file or an S3 object) or dead letters through the processor's handler, on
// the store the processor's configuration names. Dry run unless --apply.
func runRedrive(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("redrive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		queue      = fs.String("queue", "", "SQS on-failure queue URL to re-drive")
		file       = fs.String("file", "", "saved on-failure records (JSON lines, a JSON array or one S3 object's content)")
		s3url      = fs.String("s3", "", "an S3 on-failure destination object, s3://bucket/key")
		letters    = fs.Bool("dead-letters", false, "re-drive open dead letters instead")
		reason     = fs.String("reason", "", "with --dead-letters: only letters whose reason contains TEXT")
		since      = fs.String("since", "", "with --dead-letters: only letters dead-lettered at or after T (RFC 3339 or 2006-01-02)")
		apply      = fs.Bool("apply", false, "act; without it nothing is written and nothing is deleted")
		accept     = fs.Bool("accept-trimmed", false, "delete the queue message of a batch whose records are partly trimmed, once the rest is re-driven")
		visibility = fs.Duration("visibility", 5*time.Minute, "how long a received queue message stays hidden while its batch is worked on")
		dir        = fs.String("dir", "", "embedded store directory (default $KLEO_DATA_DIR or .kleo/data; ignored with MONGODB_URI)")
		kinesisEP  = fs.String("kinesis-endpoint", os.Getenv("KINESIS_ENDPOINT"), "Kinesis endpoint URL (default AWS's; e.g. kinesalite)")
		sqsEP      = fs.String("sqs-endpoint", os.Getenv("SQS_ENDPOINT"), "SQS endpoint URL (default AWS's)")
		s3EP       = fs.String("s3-endpoint", os.Getenv("S3_ENDPOINT"), "S3 endpoint URL (default AWS's; path-style when set)")
	)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	sources := 0
	for _, set := range []bool{*queue != "", *file != "", *s3url != "", *letters} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		return fmt.Errorf("%w: give exactly one of --queue, --file, --s3, --dead-letters", errUsage)
	}
	var q store.LetterQuery
	if *letters {
		q.Reason = *reason
		if *since != "" {
			t, err := parseSince(*since)
			if err != nil {
				return fmt.Errorf("%w: --since: %v", errUsage, err)
			}
			q.Since = t
		}
	} else if *reason != "" || *since != "" {
		return fmt.Errorf("%w: --reason and --since go with --dead-letters", errUsage)
	}

	cfg, st, err := openProcessorStore(ctx, *dir, stderr)
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	model, err := classify.Load()
	if err != nil {
		return err
	}
	r := &redrive.Runner{Store: st, Apply: *apply, Out: stdout, Progress: stderr, AcceptTrimmed: *accept}
	// The Lambda's handler and options; its logs (counts and reasons only) go to stderr.
	p := processor.New(st, pii.New(), model, processor.Options{
		Logger: telemetry.Logger(stderr, slog.LevelError), Observer: r,
		DeadlineMargin: cfg.DeadlineMargin, DeadLetterRetention: cfg.DeadLetterRetention,
	})
	r.Handle = p.Handle

	var awsCfg aws.Config
	if !*letters {
		if awsCfg, err = awsconfig.LoadDefaultConfig(ctx); err != nil {
			return fmt.Errorf("aws configuration: %w", err)
		}
		r.Kinesis = kinesis.NewFromConfig(awsCfg, func(o *kinesis.Options) { setEndpoint(&o.BaseEndpoint, *kinesisEP) })
	}
	var sum redrive.Summary
	switch {
	case *letters:
		sum, err = r.Letters(ctx, q)
	case *queue != "":
		c := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) { setEndpoint(&o.BaseEndpoint, *sqsEP) })
		sum, err = r.Queue(ctx, c, *queue, int32(visibility.Seconds()))
	case *file != "":
		var bs []redrive.Batch
		if bs, err = readBatchFile(*file); err == nil {
			sum, err = r.Batches(ctx, bs)
		}
	case *s3url != "":
		bucket, key, perr := redrive.ParseS3URL(*s3url)
		if perr != nil {
			return fmt.Errorf("%w: %v", errUsage, perr)
		}
		c := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
			setEndpoint(&o.BaseEndpoint, *s3EP)
			o.UsePathStyle = *s3EP != ""
		})
		var bs []redrive.Batch
		if bs, err = redrive.ReadS3(ctx, c, bucket, key); err == nil {
			sum, err = r.Batches(ctx, bs)
		}
	}
	fmt.Fprintln(stdout)
	sum.WriteTable(stdout)
	return err
}

func setEndpoint(dst **string, url string) {
	if url != "" {
		*dst = aws.String(url)
	}
}

func readBatchFile(path string) ([]redrive.Batch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return redrive.ReadFile(f, path)
}

// parseSince reads an RFC 3339 time or a date (UTC midnight).
func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}
