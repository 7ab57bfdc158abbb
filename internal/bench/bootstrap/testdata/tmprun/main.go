package main

import (
	"context"
	"fmt"
	"os"

	"github.com/kleo-network/kleo-stream/internal/bench/bootstrap"
)

func main() {
	if err := bootstrap.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
