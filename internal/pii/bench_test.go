package pii

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// reportCPU adds CPU-time metrics: cpu-ns/op and cpu-MB/s.
func reportCPU(b *testing.B, size int, d time.Duration) {
	if d <= 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(size)*float64(b.N)/d.Seconds()/1e6, "cpu-MB/s")
}

const (
	// A typical history record's title and URL, with one session parameter.
	titleURL = "Checkout – Acme Store | Payment details " +
		"https://shop.example.com/checkout/payment?session=8f14e45fceea167a&step=2&utm_source=newsletter"
	// The same without anything to find.
	cleanTitleURL = "How to bake sourdough bread at home - BBC Good Food " +
		"https://www.bbcgoodfood.com/howto/guide/sourdough-bread-beginners?page=2"
)

// benchInput is one benchmark input: one text, or several that the
// iterations take in turn (then bytes/op and ns/op are per text, on
// average).
type benchInput struct {
	name  string
	texts []string
}

func (in benchInput) size() int {
	n := 0
	for _, t := range in.texts {
		n += len(t)
	}
	return n / len(in.texts)
}

func benchInputs(b *testing.B) []benchInput {
	var lines []string
	for _, c := range loadCorpus(b) {
		lines = append(lines, c.text)
	}
	return []benchInput{
		{"page", []string{benchPage(lines)}},
		{"titleurl", []string{titleURL}},
		{"clean-titleurl", []string{cleanTitleURL}},
		{"record2k", []string{record2K}},
		{"prose", loadProse(b)},
		{"kleo", loadJSONLines(b, "testdata/kleo/records.jsonl")},
	}
}

// loadProse reads the Kleo-shaped summaries written by internal/genprose:
// English prose of 1.4 KB with many capitalised words (place names,
// institutions, sentence starts), what browsing summaries are.
func loadProse(t testing.TB) []string { return loadJSONLines(t, "testdata/prose/summaries.jsonl") }

// loadJSONLines reads a file of one JSON string a line. The kleo input,
// testdata/kleo/records.jsonl, is the title, URL and summary of each of 100
// records of internal/gen's Kleo data set (the processor's benchmark
// world: seed 3, PII rate 0.15, summaries of 200 B to 4 KB), each scrubbed
// on its own as the processor does; its ns/op is per text, a third of a
// record.
func loadJSONLines(t testing.TB, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var s string
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no texts", path)
	}
	return out
}

// record2K is a 2 KB history record's text, the processor's typical record
// size: the title and URL of a shop's delivery notification and a summary
// with one greeting, one name and one US address in about 1.8 KB of
// ordinary page prose.
var record2K = func() string {
	const head = "Your order has shipped – Acme Store https://shop.example.com/orders/112-4431278?ref=mail "
	const notice = "Hi Emily, good news: your order is on its way. Ship to: Emily Johnson, 1842 Maple Avenue, " +
		"Springfield, IL 62704. Estimated delivery Thursday between 10:00 and 14:00. "
	const prose = "The ceramic pour-over coffee maker brews a clean, bright cup in about four minutes. Its thick walls keep " +
		"the water hot while it drips through the paper filter, and the wide base sits on most mugs and carafes. " +
		"Rinse the filter with hot water first to remove any papery taste, then add 15 g of medium ground coffee " +
		"for every 250 ml of water. Pour slowly in circles and let the grounds bloom for thirty seconds. " +
		"You can change the delivery window or leave instructions for the courier in your account settings. "
	b := []byte(head + notice)
	for len(b) < 2048 {
		b = append(b, prose...)
	}
	return string(b[:2048])
}()

// structured is the engine before the name and address detectors, for the
// same-run comparison.
func structured() *Engine { return &Engine{phoneWindow: 48, structuredOnly: true} }

// BenchmarkScrub compares the engine with the regexp-per-entity baseline on
// the same inputs in the same run.
func BenchmarkScrub(b *testing.B) {
	e, base := New(), newBaseline()
	for _, in := range benchInputs(b) {
		b.Run(in.name+"/engine", func(b *testing.B) {
			b.SetBytes(int64(in.size()))
			b.ReportAllocs()
			t0 := cpuTime()
			for k := 0; b.Loop(); k = (k + 1) % len(in.texts) {
				e.Scrub(in.texts[k], "")
			}
			reportCPU(b, in.size(), cpuTime()-t0)
		})
		b.Run(in.name+"/structured", func(b *testing.B) {
			st := structured()
			b.SetBytes(int64(in.size()))
			b.ReportAllocs()
			t0 := cpuTime()
			for k := 0; b.Loop(); k = (k + 1) % len(in.texts) {
				st.Scrub(in.texts[k], "")
			}
			reportCPU(b, in.size(), cpuTime()-t0)
		})
		b.Run(in.name+"/regexp", func(b *testing.B) {
			b.SetBytes(int64(in.size()))
			b.ReportAllocs()
			t0 := cpuTime()
			for k := 0; b.Loop(); k = (k + 1) % len(in.texts) {
				base.Scrub(in.texts[k])
			}
			reportCPU(b, in.size(), cpuTime()-t0)
		})
	}
}

// TestBaselineAgreesOnCorpus keeps the baseline honest: it must find most of
// what the engine finds in the corpus, or the speed comparison is unfair.
func TestBaselineAgreesOnCorpus(t *testing.T) {
	e, base := New(), newBaseline()
	var want, got int
	for _, c := range loadCorpus(t) {
		fs := e.Find(c.text, "")
		_, bfs := base.Scrub(c.text)
		for _, f := range fs {
			want++
			for _, g := range bfs {
				if g.Start < f.End && f.Start < g.End {
					got++
					break
				}
			}
		}
	}
	if got*10 < want*8 {
		t.Fatalf("baseline overlaps only %d of the engine's %d corpus findings", got, want)
	}
	t.Logf("baseline overlaps %d of the engine's %d corpus findings", got, want)
}
