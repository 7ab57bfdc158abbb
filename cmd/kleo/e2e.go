package main

import (
	"context"
	"errors"
	"flag"
	"io"
)

type e2eFlags struct{}

func (e *e2eFlags) register(fs *flag.FlagSet) {}

func runE2E(ctx context.Context, f e2eFlags, stdout, stderr io.Writer) error {
	return errors.New("not built yet")
}
