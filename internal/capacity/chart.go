package capacity

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// palette colours one line per parallelization factor.
var palette = []string{"#1b6ca8", "#e07a1f", "#2a9d4b", "#c0392b", "#7d3c98", "#566573"}

// WriteSVG draws the grid as small multiples, one panel per memory size:
// x is the shard count, y (log scale) the records/s the functions alone can
// consume, one line per parallelization factor; a dashed line for what the
// shards accept from producers (the write limit) and a dotted one for what
// GetRecords returns (the read limit). Where a factor's line is above the
// dashed one, the function is not the bottleneck.
func WriteSVG(w io.Writer, cells []Cell, title string) error {
	shards, memory, par := axes(cells)
	const (
		pw, ph         = 330, 230 // panel
		ml, mr, mt, mb = 62, 14, 28, 36
		cols           = 2
	)
	rows := (len(memory) + cols - 1) / cols
	width, height := cols*pw+20, rows*ph+70
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range cells {
		for _, v := range []float64{c.Result.Function, c.Result.WriteLimit, c.Result.ReadLimit} {
			if v <= 0 {
				continue
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	lo, hi = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", 10, html.EscapeString(title))
	// Legend.
	lx := 10
	for i, p := range par {
		fmt.Fprintf(&b, `<line x1="%d" y1="38" x2="%d" y2="38" stroke="%s" stroke-width="2.5"/><text x="%d" y="42">P=%d</text>`+"\n", lx, lx+18, palette[i%len(palette)], lx+22, p)
		lx += 62
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="38" x2="%d" y2="38" stroke="#222" stroke-width="1.5" stroke-dasharray="5,3"/><text x="%d" y="42">write limit</text>`+"\n", lx, lx+18, lx+22)
	lx += 90
	fmt.Fprintf(&b, `<line x1="%d" y1="38" x2="%d" y2="38" stroke="#888" stroke-width="1.5" stroke-dasharray="1,3"/><text x="%d" y="42">read limit</text>`+"\n", lx, lx+18, lx+22)

	for mi, m := range memory {
		ox, oy := 10+(mi%cols)*pw, 55+(mi/cols)*ph
		x0, x1, y0, y1 := float64(ox+ml), float64(ox+pw-mr), float64(oy+ph-mb), float64(oy+mt)
		xAt := func(i int) float64 {
			if len(shards) == 1 {
				return (x0 + x1) / 2
			}
			return x0 + float64(i)*(x1-x0)/float64(len(shards)-1)
		}
		yAt := func(v float64) float64 {
			return y0 - (math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))*(y0-y1)
		}
		var vcpu float64
		for _, c := range cells {
			if c.MemoryMB == m {
				vcpu = c.Result.VCPU
				break
			}
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" font-weight="bold">%d MB (%.2f vCPU)</text>`+"\n", x0, oy+16, m, vcpu)
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#bbb"/>`+"\n", x0, y1, x1-x0, y0-y1)
		for d := lo; d <= hi*1.0001; d *= 10 {
			y := yAt(d)
			fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#eee"/><text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0, y, x1, y, x0-4, y+4, short(d))
		}
		for i, s := range shards {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">%d</text>`+"\n", xAt(i), y0+14, s)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" fill="#555">shards</text>`+"\n", (x0+x1)/2, y0+28)
		fmt.Fprintf(&b, `<text transform="translate(%d %.0f) rotate(-90)" text-anchor="middle" fill="#555">records/s</text>`+"\n", ox+12, (y0+y1)/2)
		var write, read []string
		for i, s := range shards {
			for _, c := range cells {
				if c.MemoryMB == m && c.Shards == s {
					write = append(write, fmt.Sprintf("%.1f,%.1f", xAt(i), yAt(c.Result.WriteLimit)))
					if c.Result.ReadLimit > 0 {
						read = append(read, fmt.Sprintf("%.1f,%.1f", xAt(i), yAt(c.Result.ReadLimit)))
					}
					break
				}
			}
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#222" stroke-width="1.5" stroke-dasharray="5,3"/>`+"\n", strings.Join(write, " "))
		if len(read) > 0 {
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#888" stroke-width="1.5" stroke-dasharray="1,3"/>`+"\n", strings.Join(read, " "))
		}
		for pi, p := range par {
			var pts []string
			for i, s := range shards {
				for _, c := range cells {
					if c.MemoryMB == m && c.Shards == s && c.Parallelization == p {
						pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(i), yAt(c.Result.Function)))
					}
				}
			}
			col := palette[pi%len(palette)]
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"/>`+"\n", strings.Join(pts, " "), col)
			for _, pt := range pts {
				xy := strings.Split(pt, ",")
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`+"\n", xy[0], xy[1], col)
			}
		}
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func short(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%gk", v/1e3)
	}
	return fmt.Sprintf("%g", v)
}
