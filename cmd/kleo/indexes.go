package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
)

// runIndexes prints the indexes the processor and archiver need on Kleo's
// collections and, with --create, creates the missing ones (plain, never
// unique). Opening the store also creates the stream_* indexes, as the
// functions do at start-up.
func runIndexes(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("indexes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		uri    = fs.String("uri", os.Getenv("MONGODB_URI"), "MongoDB URI (default $MONGODB_URI)")
		db     = fs.String("database", envOr("MONGODB_DATABASE", "Kleo"), "database (default $MONGODB_DATABASE or Kleo)")
		create = fs.Bool("create", false, "create the missing indexes on users and history (building one on a large collection takes a while)")
	)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *uri == "" {
		return fmt.Errorf("%w: --uri (or MONGODB_URI) is required; the embedded store has no indexes to manage", errUsage)
	}
	st, err := mongostore.Open(ctx, *uri, *db, mongostore.WithConnectTimeout(10*time.Second), mongostore.WithServerSelectionTimeout(10*time.Second))
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	check := st.CheckIndexes
	if *create {
		check = st.CreateIndexes
	}
	report, err := check(ctx)
	if err != nil {
		return err
	}
	missing := 0
	for _, c := range report {
		fmt.Fprintln(stdout, c)
		if c.Missing() {
			missing++
		}
	}
	if missing > 0 {
		fmt.Fprintf(stdout, "%d missing: `kleo indexes --create` creates them\n", missing)
	}
	return nil
}
