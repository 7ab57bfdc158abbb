package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/kleo-network/kleo-stream/internal/doctor"
)

// errBlockers is returned when the doctor found something to fix before
// the cut-over; the command exits 1.
var errBlockers = errors.New("blockers found")

// runDoctor checks a MongoDB database before cut-over. It only reads.
func runDoctor(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		uri     = fs.String("uri", os.Getenv("MONGODB_URI"), "MongoDB URI (default $MONGODB_URI)")
		db      = fs.String("database", envOr("MONGODB_DATABASE", "Kleo"), "database (default $MONGODB_DATABASE or Kleo)")
		full    = fs.Bool("full", false, "read every document (a full scan of each collection)")
		sample  = fs.Int64("sample", 1000, "documents read per collection without --full")
		timeout = fs.Duration("timeout", 10*time.Minute, "deadline of the whole check")
	)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *uri == "" {
		return fmt.Errorf("%w: --uri (or MONGODB_URI) is required", errUsage)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	// Secondary-preferred: the check reads only, and should not load the primary.
	c, err := mongo.Connect(options.Client().ApplyURI(*uri).SetReadPreference(readpref.SecondaryPreferred()).
		SetAppName("kleo-doctor").SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		return fmt.Errorf("connecting: %w", err) // the driver's errors name hosts, never the URI's credentials
	}
	defer c.Disconnect(context.Background())
	rep, err := doctor.Check(ctx, c.Database(*db), doctor.Options{Full: *full, Sample: *sample})
	if err != nil {
		return err
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if n := len(rep.Blockers()); n > 0 {
		return fmt.Errorf("%w: %d", errBlockers, n)
	}
	return nil
}
