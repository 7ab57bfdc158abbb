package capacity

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func grid(t *testing.T) []Cell {
	t.Helper()
	cells, err := Grid(base(), []int{1, 2, 4}, []int{512, 1769}, []int{1, 2, 5})
	if err != nil {
		t.Fatal(err)
	}
	return cells
}

func TestGridOrderAndMonotonicity(t *testing.T) {
	cells := grid(t)
	if len(cells) != 3*2*3 {
		t.Fatalf("%d cells", len(cells))
	}
	if c := cells[len(cells)-1]; c.Shards != 4 || c.MemoryMB != 1769 || c.Parallelization != 5 {
		t.Errorf("last cell %+v", c)
	}
	for i := 1; i < len(cells); i++ {
		a, b := cells[i-1], cells[i]
		if a.Shards == b.Shards && a.MemoryMB == b.MemoryMB && b.Result.Function <= a.Result.Function {
			t.Errorf("capacity fell from P=%d to P=%d", a.Parallelization, b.Parallelization)
		}
	}
}

func TestWriteSVGIsWellFormed(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSVG(&b, grid(t), "a <title> & more"); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(&b)
	lines := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			lines++
		}
	}
	// Per memory panel: one line per factor, the write and the read limit.
	if want := 2 * (3 + 2); lines != want {
		t.Errorf("%d polylines, want %d", lines, want)
	}
}

func TestWriteTableMarkdown(t *testing.T) {
	var b strings.Builder
	if err := WriteTable(&b, grid(t), true); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(rows) != 2+3*2 { // header, rule, shards × memory
		t.Fatalf("%d rows:\n%s", len(rows), b.String())
	}
	for _, r := range rows {
		if strings.Count(r, "|") != 3+3+3+1 {
			t.Errorf("row %q has the wrong number of columns", r)
		}
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.4: "1,234,567", -4200: "-4,200"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v) = %q, want %q", in, got, want)
		}
	}
}
