// Command benchmedian reads the benchmark lines that `make bench-classify`
// and `make bench-invocation` write, "<build> <name> <iterations> <value>
// <unit> ...", where build is
// "now" or "before", and prints per benchmark and metric the median of each
// build's rounds and the ratio before/now of the medians (above 1: now is
// faster or smaller).
package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
)

type key struct{ name, unit string }

func main() {
	vals := map[key]map[string][]float64{}
	var order []key
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 || (f[0] != "now" && f[0] != "before") {
			continue
		}
		for i := 3; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				log.Fatalf("benchmedian: %q: %v", sc.Text(), err)
			}
			if f[i+1] == "MB/s" {
				continue // its ratio would read the other way round
			}
			k := key{f[1], f[i+1]}
			if vals[k] == nil {
				vals[k] = map[string][]float64{}
				order = append(order, k)
			}
			vals[k][f[0]] = append(vals[k][f[0]], v)
		}
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%-28s %-14s %12s %12s %8s %s\n", "benchmark", "metric", "before", "now", "ratio", "rounds")
	for _, k := range order {
		b, n := median(vals[k]["before"]), median(vals[k]["now"])
		ratio := "-"
		if n != 0 {
			ratio = fmt.Sprintf("%.2fx", b/n)
		}
		fmt.Printf("%-28s %-14s %12.1f %12.1f %8s %d/%d\n", k.name, k.unit, b, n, ratio, len(vals[k]["before"]), len(vals[k]["now"]))
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Sorted(slices.Values(v))
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
