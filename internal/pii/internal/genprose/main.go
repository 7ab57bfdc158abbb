// Command genprose writes the prose benchmark input of internal/pii:
// summaries of Kleo-shaped history records from internal/gen (1.4 KB
// each, PII rate 0.15, seed 21), one JSON string per line, so that the
// benchmark reads them without importing the generator and an older
// version of the engine can be measured on the same bytes.
//
//	go run ./internal/pii/internal/genprose -out internal/pii/testdata/prose/summaries.jsonl
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/kleo-network/kleo-stream/internal/gen"
)

func main() {
	out := flag.String("out", "summaries.jsonl", "output file")
	n := flag.Int("n", 50, "summaries to write")
	seed := flag.Int64("seed", 21, "generator seed")
	size := flag.Int("size", 1400, "summary bytes")
	flag.Parse()
	if err := run(*out, *n, *seed, *size); err != nil {
		fmt.Fprintln(os.Stderr, "genprose:", err)
		os.Exit(1)
	}
}

func run(out string, n int, seed int64, size int) error {
	prod, err := gen.Kleo(gen.KleoConfig{Config: gen.Config{
		Users: 5, ItemsPerUser: (n + 4) / 5 * 2, Seed: seed, PIIRate: 0.15,
		SummaryMin: size, SummaryMax: size, PlainShape: true,
	}})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	k := 0
	for _, r := range prod.Records {
		if k == n {
			break
		}
		if r.Malformed || r.Duplicate {
			continue
		}
		var d struct {
			Summary string `json:"summary"`
		}
		if json.Unmarshal(r.Data, &d) != nil || d.Summary == "" {
			continue
		}
		if err := enc.Encode(d.Summary); err != nil {
			return err
		}
		k++
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if k < n {
		return fmt.Errorf("only %d of %d summaries", k, n)
	}
	return nil
}
