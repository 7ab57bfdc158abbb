// Package ferrettest runs an embedded FerretDB v1 (SQLite backend) inside the
// test process, so tests of MongoDB code need no external server.
//
// It must be built with the ferretdb_no_postgresql tag (the Makefile sets it
// in GOFLAGS) so the unused PostgreSQL backend is left out.
//
// FerretDB v1 is slow (about a hundred upserts a second) and differs from
// MongoDB in ways code under test must not trip on:
//   - no transactions, no change streams; $group computes only its first
//     accumulator;
//   - an update command with 100 or more statements matching existing
//     documents deadlocks: keep bulks to at most 50 statements;
//   - an update command stops at its first write error whatever "ordered"
//     says, reports that error at index 0 with no counts, and numbers the
//     entries of "upserted" by their own count rather than by statement;
//   - createIndexes panics (the connection drops) when two or more of the
//     requested indexes exist already: list first, create what is missing;
//   - no TTL indexes (createIndexes with expireAfterSeconds fails with
//     NotImplemented, code 238);
//   - $inc on an int32 wraps around on overflow (2147483000 + 1000 gives a
//     negative int32) where MongoDB widens the result to int64;
//   - single-document updates are not atomic under concurrency: concurrent
//     $inc on one document lose updates, so concurrency tests belong on the
//     embedded store;
//   - buildInfo carries ferretdbVersion, which is how code tells it apart.
//
// Keep fixtures to tens of documents.
package ferrettest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Start runs a fresh FerretDB listening on a free 127.0.0.1 port, with its
// SQLite files in a temporary directory, and returns its MongoDB URI. The
// server is stopped when the test and its subtests complete.
func Start(tb testing.TB) string {
	tb.Helper()
	uri, stop, err := Serve(tb.TempDir())
	if err != nil {
		tb.Fatalf("ferrettest: %v", err)
	}
	tb.Cleanup(func() {
		if err := stop(); err != nil {
			tb.Errorf("ferrettest: %v", err)
		}
	})
	return uri
}

// Serve runs a FerretDB with its SQLite files in dir, for a TestMain that
// shares one server among a package's tests (it takes seconds to start).
// stop shuts it down and reports a failure to stop.
func Serve(dir string) (uri string, stop func() error, err error) {
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError})),
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	stop = func() error {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("run: %w", err)
			}
			return nil
		case <-time.After(30 * time.Second):
			return errors.New("FerretDB did not stop within 30s")
		}
	}
	// MongoDBURI waits until the listener has its address.
	return f.MongoDBURI(), stop, nil
}

// Load connects to the server at uri and inserts the documents of an
// Extended JSON file of the form {"collection": [document, ...], ...} into
// database, collection by collection in name order, and returns the
// database. The client is disconnected when the test completes.
func Load(tb testing.TB, uri, database, path string) *mongo.Database {
	tb.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("ferrettest: %v", err)
	}
	var fx map[string][]bson.D
	if err := bson.UnmarshalExtJSON(data, false, &fx); err != nil {
		tb.Fatalf("ferrettest: %s: %v", path, err)
	}
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		tb.Fatalf("ferrettest: %v", err)
	}
	tb.Cleanup(func() { c.Disconnect(context.Background()) })
	db := c.Database(database)
	for _, coll := range slices.Sorted(maps.Keys(fx)) {
		docs := make([]any, len(fx[coll]))
		for i, d := range fx[coll] {
			docs[i] = d
		}
		if _, err := db.Collection(coll).InsertMany(ctx, docs); err != nil {
			tb.Fatalf("ferrettest: loading %s into %s: %v", path, coll, err)
		}
	}
	return db
}
