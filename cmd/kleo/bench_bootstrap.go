package main

import (
	"context"
	"io"

	"github.com/kleo-network/kleo-stream/internal/bench/bootstrap"
)

// runBenchBootstrap is `kleo bench-bootstrap`: the processor's bootstrap
// measured from outside its process under a Lambda Runtime API on loopback
// (CPU per record on FerretDB and the embedded store, peak RSS, cold start,
// arm64 size). Register it in commands() as
//
//	"bench-bootstrap": {"the built bootstrap's CPU per record, RSS and cold start, from outside", runBenchBootstrap},
func runBenchBootstrap(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	return bootstrap.Main(ctx, args, stdout, stderr)
}
