package capacity

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Cell is one deployment of a grid and the model's answer for it.
type Cell struct {
	Shards, MemoryMB, Parallelization int
	Result                            Result
}

// Grid evaluates base for every combination of shards, memory and
// parallelization factor, in that nesting order.
func Grid(base Params, shards, memory, parallel []int) ([]Cell, error) {
	var out []Cell
	for _, s := range shards {
		for _, m := range memory {
			for _, p := range parallel {
				q := base
				q.Shards, q.MemoryMB, q.Parallelization = s, m, p
				r, err := Model(q)
				if err != nil {
					return nil, err
				}
				out = append(out, Cell{Shards: s, MemoryMB: m, Parallelization: p, Result: r})
			}
		}
	}
	return out, nil
}

// boundMark abbreviates a bound for the tables.
func boundMark(b Bound) string {
	switch b {
	case BoundFunction:
		return "F"
	case BoundWrite:
		return "W"
	case BoundReadBytes, BoundReadCalls:
		return "R"
	case BoundIncoming:
		return "I"
	}
	return "H"
}

// axes returns the distinct shards, memory and factors of cells, in order.
func axes(cells []Cell) (shards, memory, par []int) {
	add := func(s []int, v int) []int {
		for _, x := range s {
			if x == v {
				return s
			}
		}
		return append(s, v)
	}
	for _, c := range cells {
		shards, memory, par = add(shards, c.Shards), add(memory, c.MemoryMB), add(par, c.Parallelization)
	}
	return
}

// WriteTable prints the grid, one row per shards × memory: for each
// parallelization factor the sustainable records/s, the limit that sets it
// (F function, W shard write limit, R shard read limit) and, in
// parentheses, what the functions alone could do; then the cost per million
// records and the concurrency at the largest factor. With markdown it
// writes a Markdown table.
func WriteTable(w io.Writer, cells []Cell, markdown bool) error {
	_, _, par := axes(cells)
	sep := "\t"
	var tw *tabwriter.Writer
	out := w
	if markdown {
		sep = " | "
	} else {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		out = tw
	}
	head := []string{"shards", "memory MB", "vCPU"}
	for _, p := range par {
		head = append(head, fmt.Sprintf("P=%d", p))
	}
	head = append(head, "$ per 1M records", "write limit rec/s", "read limit rec/s")
	line := func(f []string) {
		if markdown {
			fmt.Fprintf(out, "| %s |\n", strings.Join(f, sep))
		} else {
			fmt.Fprintf(out, "%s\t\n", strings.Join(f, sep))
		}
	}
	line(head)
	if markdown {
		rule := make([]string, len(head))
		for i := range rule {
			rule[i] = "---:"
		}
		line(rule)
	}
	for i := 0; i < len(cells); i += len(par) {
		row := cells[i : i+len(par)]
		c := row[0]
		f := []string{fmt.Sprint(c.Shards), fmt.Sprint(c.MemoryMB), fmt.Sprintf("%.2f", c.Result.VCPU)}
		for _, c := range row {
			r := c.Result
			f = append(f, fmt.Sprintf("%s %s (%s)", thousands(r.Sustainable), boundMark(r.Bound), thousands(r.Function)))
		}
		f = append(f, fmt.Sprintf("%.3f", c.Result.CostPerMillion), thousands(c.Result.WriteLimit), thousands(c.Result.ReadLimit))
		line(f)
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

// thousands formats n rounded, with thousands separators.
func thousands(n float64) string {
	s := fmt.Sprintf("%.0f", n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
