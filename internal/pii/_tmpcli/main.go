package main

import (
	"context"
	"errors"
	"fmt"
	"os"
)

var errUsage = errors.New("usage")

func main() {
	if err := runPII(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
