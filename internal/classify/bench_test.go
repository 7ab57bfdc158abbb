package classify_test

import (
	"context"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/classify"
)

// BenchmarkClassify is the cost of one item: on the evaluation set (short
// summaries) and on Kleo-shaped items (summaries of 200..4000 bytes, as the
// processor passes them). It uses only the package's API, so that
// `make bench-classify` can run it against an earlier version too.
func BenchmarkClassify(b *testing.B) {
	m := load(b)
	var eval []classify.Input
	for _, it := range readEval(b) {
		eval = append(eval, classify.Input{URL: it.URL, Title: it.Title, Summary: it.Summary, Domain: it.Domain})
	}
	for _, set := range []struct {
		name  string
		items []classify.Input
	}{
		{"eval", eval},
		{"kleo", kleoInputs(b, 3000)},
	} {
		b.Run(set.name, func(b *testing.B) {
			var bytes int
			for _, in := range set.items {
				bytes += len(in.URL) + len(in.Title) + len(in.Summary) + len(in.Domain)
			}
			b.SetBytes(int64(bytes / len(set.items)))
			ctx := context.Background()
			defer lockThread()()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, ok := threadCPU()
			for i := 0; i < b.N; i++ {
				m.Classify(ctx, set.items[i%len(set.items)])
			}
			if cpu1, _ := threadCPU(); ok {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	defer lockThread()()
	b.ReportAllocs()
	cpu0, ok := threadCPU()
	for i := 0; i < b.N; i++ {
		if _, err := classify.Load(); err != nil {
			b.Fatal(err)
		}
	}
	if cpu1, _ := threadCPU(); ok {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}
