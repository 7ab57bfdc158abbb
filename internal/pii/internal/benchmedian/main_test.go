package main

import (
	"io"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	const in = `goos: linux
cpu: Test CPU
BenchmarkScrub/page/engine         	10	100 ns/op	 400.0 MB/s	 500.0 cpu-MB/s	 80 cpu-ns/op	 10 B/op	 8 allocs/op
BenchmarkScrub/page/engine         	10	300 ns/op	 100.0 MB/s	 400.0 cpu-MB/s	 90 cpu-ns/op	 10 B/op	 8 allocs/op
BenchmarkScrub/page/engine         	10	200 ns/op	 200.0 MB/s	 450.0 cpu-MB/s	 85 cpu-ns/op	 10 B/op	 8 allocs/op
BenchmarkScrub/page/structured     	10	50 ns/op	 800.0 MB/s	 900.0 cpu-MB/s	 40 cpu-ns/op	 10 B/op	 8 allocs/op
BenchmarkScrub/page/structured     	10	60 ns/op	 700.0 MB/s	 800.0 cpu-MB/s	 50 cpu-ns/op	 10 B/op	 8 allocs/op
BenchmarkScrub/page/structured     	10	70 ns/op	 600.0 MB/s	 700.0 cpu-MB/s	 60 cpu-ns/op	 10 B/op	 8 allocs/op
BenchmarkScrub/page/before         	10	900 ns/op	 100.0 MB/s	 100.0 cpu-MB/s	 340 cpu-ns/op	 10 B/op	 8 allocs/op
BenchmarkScrub/page/before         	10	900 ns/op	 100.0 MB/s	 120.0 cpu-MB/s	 320 cpu-ns/op	 10 B/op	 8 allocs/op
BenchmarkScrub/page/before         	10	900 ns/op	 100.0 MB/s	 110.0 cpu-MB/s	 330 cpu-ns/op	 10 B/op	 8 allocs/op
BenchmarkScrub/page/regexp         	10	20000 ns/op	 2.0 MB/s	 2.5 cpu-MB/s	 17000 cpu-ns/op	 10 B/op	 400 allocs/op
BenchmarkScrub/page/regexp         	10	30000 ns/op	 1.0 MB/s	 2.0 cpu-MB/s	 17000 cpu-ns/op	 10 B/op	 400 allocs/op
BenchmarkScrub/page/regexp         	10	10000 ns/op	 3.0 MB/s	 3.0 cpu-MB/s	 17000 cpu-ns/op	 10 B/op	 400 allocs/op
PASS
`
	got, err := summarize(strings.NewReader(in), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// Medians: engine 200 ns wall, 200 MB/s, 85 ns cpu, 450 cpu-MB/s; baseline
	// 17000 cpu-ns; speed-ups 17000/85 = 200 and 20000/200 = 100.
	// Structured median 50 cpu-ns, 800 cpu-MB/s; cost 85/50 = 1.70.
	// Before median 330 cpu-ns, 110 cpu-MB/s; gain 330/85 = 3.88.
	want := "| page | 200 ns | 200 | 85 ns | 450 | 8 | 50 ns | 800 | 1.70× | 330 ns | 110 | 3.88× | 17.00 µs | 2.50 | 400 | 200× | 100× |"
	if !strings.Contains(got, want) || !strings.Contains(got, "Medians of 3 runs") || !strings.Contains(got, "Test CPU") {
		t.Fatalf("table:\n%s\nwant a row\n%s", got, want)
	}
	if _, err := summarize(strings.NewReader("PASS\n"), io.Discard); err == nil {
		t.Fatal("no error for input without results")
	}
}
