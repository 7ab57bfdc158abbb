// Command genmodel builds the classifier model; package classify runs it
// through `go generate`. With -heldout it prints the cross-validated accuracy
// of the text model on the training texts instead.
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
	heldOut := flag.Bool("heldout", false, "print the cross-validated text-model accuracy on the training texts")
	flag.Parse()
	if *heldOut {
		acc, err := train.HeldOut(os.DirFS(*data))
		if err != nil {
			fmt.Fprintln(os.Stderr, "genmodel:", err)
			os.Exit(1)
		}
		fmt.Printf("text model, %d-fold cross-validated on the training texts: %.1f%%\n", train.Folds, 100*acc)
		return
	}
	if err := train.WriteFile(*data, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genmodel:", err)
		os.Exit(1)
	}
}
