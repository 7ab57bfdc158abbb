// Package dial opens the store a configuration asks for: MongoDB through
// mongo-driver when a URI is set, otherwise the embedded local store.
package dial

import (
	"context"
	"fmt"
	"time"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/embedded"
	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
)

// Config selects and configures a store.
type Config struct {
	URI      string // mongodb:// or mongodb+srv://; "" selects the embedded store
	Database string // MongoDB database name
	Dir      string // embedded store directory
	// Timeout bounds connecting and server selection; keep it well under the
	// function timeout so an unreachable database fails the invocation, not
	// the Lambda sandbox.
	Timeout time.Duration
	// NoSync skips fsync in the embedded store (throwaway local runs only).
	NoSync bool
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
	st, err := mongostore.Open(ctx, c.URI, c.Database, opts...)
	if err != nil {
		// The URI may carry credentials: the driver's errors name the host, never the URI.
		return nil, fmt.Errorf("dial: mongodb: %w", err)
	}
	return st, nil
}
