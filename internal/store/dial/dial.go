// Package dial opens the store a configuration asks for: MongoDB through
// mongo-driver when a URI is set, otherwise the embedded local store. Both
// also implement store.Seeder, for tools that play Kleo's backend.
package dial

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
)

// DefaultDatabase is the database Kleo's configuration names.
const DefaultDatabase = "Kleo"

// Config selects and configures a store.
type Config struct {
	URI string // mongodb:// or mongodb+srv://; "" selects the embedded store
	// Database is the MongoDB database holding Kleo's users and history
	// ("" is DefaultDatabase). Atlas refuses names that differ only in case.
	Database string
	Dir      string // embedded store directory
	// Timeout bounds connecting and server selection; keep it well under the
	// function timeout so an unreachable database fails the invocation, not
	// the Lambda sandbox.
	Timeout time.Duration
	// NoSync skips fsync in the embedded store (throwaway local runs only).
	NoSync bool
	// Logger receives the MongoDB store's start-up warnings (missing indexes
	// on Kleo's collections); nil discards them.
	Logger *slog.Logger
}

// Open opens the configured store.
func Open(ctx context.Context, c Config) (store.Store, error) {
	if c.URI == "" {
		var opts []embedded.Option
		if c.NoSync {
			opts = append(opts, embedded.NoSync())
		}
		st, err := embedded.Open(ctx, c.Dir, opts...)
		if err != nil {
			return nil, fmt.Errorf("dial: %w", err)
		}
		return st, nil
	}
	var opts []mongostore.Option
	if c.Timeout > 0 {
		opts = append(opts, mongostore.WithConnectTimeout(c.Timeout), mongostore.WithServerSelectionTimeout(c.Timeout))
	}
	if c.Logger != nil {
		opts = append(opts, mongostore.WithLogger(c.Logger))
	}
	db := c.Database
	if db == "" {
		db = DefaultDatabase
	}
	st, err := mongostore.Open(ctx, c.URI, db, opts...)
	if err != nil {
		// The URI may carry credentials: the driver's errors name the host, never the URI.
		return nil, fmt.Errorf("dial: mongodb: %w", err)
	}
	return st, nil
}
