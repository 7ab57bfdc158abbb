package main

import (
	"context"
	"errors"
	"io"
)

func runArchive(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("not built yet")
}
