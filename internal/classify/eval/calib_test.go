package eval

import (
	"math"
	"strings"
	"testing"
)

func TestCalibrate(t *testing.T) {
	var rs []Scored
	// Ten results at 0.95, eight right; ten at 0.35, five right.
	for i := 0; i < 10; i++ {
		rs = append(rs, Scored{0.95, i < 8}, Scored{0.35, i < 5})
	}
	c := Calibrate(rs)
	// Bin 9: |0.8-0.95| = 0.15; bin 3: |0.5-0.35| = 0.15; each half the items.
	if math.Abs(c.ECE-0.15) > 1e-9 {
		t.Errorf("ECE = %v, want 0.15", c.ECE)
	}
	if c.HighN != 10 || c.HighWrong != 2 || c.HighWrongShare() != 0.2 {
		t.Errorf("high: %d of %d wrong", c.HighWrong, c.HighN)
	}
	if c.AboveN != 10 || c.PrecisionAbove() != 0.8 || c.BelowN != 10 || c.PrecisionBelow() != 0.5 {
		t.Errorf("Low flag precision: above %v of %d, below %v of %d", c.PrecisionAbove(), c.AboveN, c.PrecisionBelow(), c.BelowN)
	}
	if c := Calibrate([]Scored{{1, true}}); c.Bins[Bins-1].N != 1 || c.ECE != 0 {
		t.Errorf("confidence 1 not in the last bin: %+v", c)
	}
}

func TestUnseen(t *testing.T) {
	items := []Item{
		{URL: "https://www.example.com/a"}, {URL: "https://blog.example.com/"},
		{URL: "https://other.co.uk/"}, {Domain: "example.com"}, {URL: "https://x.gov.uk/"},
	}
	got := Unseen(items, map[string]bool{"example.com": true, "gov.uk": true})
	if len(got) != 2 || got[0].URL != "https://other.co.uk/" || got[1].URL != "https://x.gov.uk/" {
		t.Errorf("Unseen = %+v", got)
	}
}

func TestWriteSVG(t *testing.T) {
	c := Calibrate([]Scored{{0.95, true}, {0.55, false}, {0.65, true}})
	var b strings.Builder
	if err := WriteSVG(&b, "R & D", []Series{{"held <out>", "#123456", c}}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{"<svg", "<polyline", `stroke="#123456"`, "held &lt;out&gt;", "R &amp; D", "ECE 0.", "</svg>"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if n := strings.Count(s, "<circle"); n != 3 {
		t.Errorf("%d points, want 3 (one per non-empty bin)", n)
	}
}
