// Command genmodel builds the classifier model; package classify runs it
// through `go generate`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kleo-network/kleo-stream/internal/classify/internal/train"
)

func main() {
	data := flag.String("data", "data", "directory of the model sources")
	out := flag.String("out", "model.bin", "model file to write")
	flag.Parse()
	if err := train.WriteFile(*data, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genmodel:", err)
		os.Exit(1)
	}
}
