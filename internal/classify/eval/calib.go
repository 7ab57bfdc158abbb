package eval

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/kleo-network/kleo-stream/internal/classify"
)

// Scored is one result's confidence and whether it was right.
type Scored struct {
	Confidence float64
	Correct    bool
}

// Bins is the number of equal-width confidence bins of the calibration
// error and the reliability diagram.
const Bins = 10

// High is the confidence from which a wrong answer counts as confidently
// wrong.
const High = 0.9

// Bin is one confidence bin: how many results fell in it, their mean
// confidence and how many were right.
type Bin struct {
	N        int
	MeanConf float64
	Correct  int
}

// Calibration says how far confidence is from accuracy.
type Calibration struct {
	// ECE is the expected calibration error: the mean over results of
	// |accuracy - mean confidence| of their bin.
	ECE float64
	// HighN results had confidence >= High; HighWrong of them were wrong.
	HighN, HighWrong int
	// Above and below the Low threshold: results and how many were right.
	AboveN, AboveCorrect, BelowN, BelowCorrect int
	Bins                                       [Bins]Bin
}

// Calibrate computes the calibration figures of results.
func Calibrate(results []Scored) Calibration {
	var c Calibration
	var sum [Bins]float64
	for _, r := range results {
		i := min(int(r.Confidence*Bins), Bins-1)
		c.Bins[i].N++
		sum[i] += r.Confidence
		ok := 0
		if r.Correct {
			c.Bins[i].Correct++
			ok = 1
		}
		if r.Confidence >= High {
			c.HighN++
			c.HighWrong += 1 - ok
		}
		if r.Confidence >= classify.LowConfidence {
			c.AboveN++
			c.AboveCorrect += ok
		} else {
			c.BelowN++
			c.BelowCorrect += ok
		}
	}
	for i := range c.Bins {
		b := &c.Bins[i]
		if b.N == 0 {
			continue
		}
		b.MeanConf = sum[i] / float64(b.N)
		c.ECE += math.Abs(float64(b.Correct)/float64(b.N)-b.MeanConf) * float64(b.N) / float64(len(results))
	}
	return c
}

// HighWrongShare is the share of results at confidence >= High that were
// wrong.
func (c Calibration) HighWrongShare() float64 { return ratio(c.HighWrong, c.HighN) }

// PrecisionAbove is the accuracy of the results not flagged Low.
func (c Calibration) PrecisionAbove() float64 { return ratio(c.AboveCorrect, c.AboveN) }

// PrecisionBelow is the accuracy of the results flagged Low.
func (c Calibration) PrecisionBelow() float64 { return ratio(c.BelowCorrect, c.BelowN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Series is one labeled calibration curve of a reliability diagram.
type Series struct {
	Name  string
	Color string // CSS colour
	Calibration
}

// WriteSVG draws a reliability diagram: per confidence bin, accuracy against
// mean confidence, one curve per series, with the diagonal of perfect
// calibration and the bins' item counts as bars.
func WriteSVG(w io.Writer, title string, series []Series) error {
	const size, pad = 420.0, 50.0
	x := func(v float64) float64 { return pad + v*size }
	y := func(v float64) float64 { return pad + (1-v)*size }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", size+2*pad+160, size+2*pad)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="22" font-size="14">%s</text>`+"\n", pad, escape(title))
	for i := 0; i <= 10; i++ {
		v := float64(i) / 10
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x(0), y(v), x(1), y(v))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%.1f</text>`+"\n", x(0)-6, y(v)+4, v)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%.1f</text>`+"\n", x(v), y(0)+16, v)
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="4 4"/>`+"\n", x(0), y(0), x(1), y(1))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">confidence</text>`+"\n", x(0.5), y(0)+34)
	fmt.Fprintf(&b, `<text transform="translate(%.1f %.1f) rotate(-90)" text-anchor="middle">accuracy</text>`+"\n", pad-34, y(0.5))
	for k, s := range series {
		total := 0
		for _, bin := range s.Bins {
			total += bin.N
		}
		// Bars: the share of the series' items in each bin, a fifth of the height at most.
		bw := size / Bins / float64(len(series))
		for i, bin := range s.Bins {
			if bin.N == 0 {
				continue
			}
			h := float64(bin.N) / float64(max(total, 1)) * size / 5 * 2
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" opacity="0.25"/>`+"\n",
				x(float64(i)/Bins)+float64(k)*bw, y(0)-h, bw, h, s.Color)
		}
		var pts []string
		for _, bin := range s.Bins {
			if bin.N == 0 {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(bin.MeanConf), y(float64(bin.Correct)/float64(bin.N))))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), s.Color)
		for _, p := range pts {
			var px, py float64
			fmt.Sscanf(p, "%f,%f", &px, &py)
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px, py, s.Color)
		}
		ly := pad + 20 + float64(k)*36
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/>`+"\n", x(1)+14, ly-10, s.Color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x(1)+32, ly, escape(s.Name))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#555">ECE %.3f, n=%d</text>`+"\n", x(1)+32, ly+15, s.ECE, total)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#555">bars: share of each</text>`+"\n", x(1)+14, pad+20+float64(len(series))*36+10)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#555">set's items per bin</text>`+"\n", x(1)+14, pad+20+float64(len(series))*36+25)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
