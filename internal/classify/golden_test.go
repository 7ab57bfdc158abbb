package classify_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/activity"
	"github.com/kleo-network/kleo-stream/internal/classify"
	"github.com/kleo-network/kleo-stream/internal/gen"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt.gz from the current model")

const goldenFile = "testdata/golden.txt.gz"

// kleoInputs returns browsing items shaped like Kleo's production data:
// the save-history documents of gen.Kleo, summaries of 200..4000 bytes,
// some with planted PII.
func kleoInputs(t testing.TB, n int) []classify.Input {
	t.Helper()
	prod, err := gen.Kleo(gen.KleoConfig{Config: gen.Config{Users: 10, ItemsPerUser: (n + 9) / 10, Seed: 3, PIIRate: 0.15}})
	if err != nil {
		t.Fatal(err)
	}
	var ins []classify.Input
	for _, d := range prod.History {
		if len(ins) == n {
			break
		}
		str := func(k string) string { s, _ := d[k].(string); return s }
		ins = append(ins, classify.Input{URL: str("url"), Title: str("title"), Summary: str("summary"), Domain: str("domain")})
	}
	return ins
}

// goldenInputs are the items the golden results are kept for: both
// evaluation sets and 3000 Kleo-shaped items.
func goldenInputs(t testing.TB) []classify.Input {
	var ins []classify.Input
	for _, name := range []string{"testdata/eval.jsonl", "testdata/postfreeze.jsonl"} {
		for _, it := range readSet(t, name) {
			ins = append(ins, classify.Input{URL: it.URL, Title: it.Title, Summary: it.Summary, Domain: it.Domain})
		}
	}
	return append(ins, kleoInputs(t, 3000)...)
}

// fingerprint identifies an input, so that a change of the generated items
// is told apart from a change of the classifier.
func fingerprint(in classify.Input) uint64 {
	h := fnv.New64a()
	for _, s := range []string{in.URL, in.Title, in.Summary, in.Domain} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// TestGolden requires the results of the full model and of the text model
// alone to be those recorded in testdata/golden.txt.gz: the same activity
// and the confidence within 1e-9. The text model alone is what shows a
// change of the features or of the posting-list walk, which a decisive site
// rule would mask. A change that is meant to move results rewrites the file
// with -update and says so.
func TestGolden(t *testing.T) {
	m := load(t)
	models := []*classify.Model{m, m.TextOnly()}
	ins := goldenInputs(t)
	ctx := context.Background()
	if *update {
		writeGolden(t, ins, models)
		return
	}
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	i, bad := 0, 0
	for ; sc.Scan(); i++ {
		if i >= len(ins) {
			t.Fatalf("%s has more lines than the %d inputs", goldenFile, len(ins))
		}
		f := strings.Fields(sc.Text())
		if len(f) != 1+2*len(models) {
			t.Fatalf("line %d: %d fields", i+1, len(f))
		}
		if fp := fmt.Sprintf("%016x", fingerprint(ins[i])); fp != f[0] {
			t.Fatalf("line %d: input %s, recorded for %s: the inputs (gen.Kleo or the evaluation sets) changed; record again with -update on an unchanged classifier", i+1, fp, f[0])
		}
		for k, mk := range models {
			got := mk.Classify(ctx, ins[i])
			want, err := strconv.ParseFloat(f[2+2*k], 64)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Activity) != activityName(t, f[1+2*k]) || math.Abs(got.Confidence-want) > 1e-9 {
				bad++
				if bad <= 10 {
					t.Errorf("item %d (%s), model %d: got %v %.12f, want %v %.12f", i, ins[i].URL, k, got.Activity, got.Confidence, activityName(t, f[1+2*k]), want)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(ins) {
		t.Fatalf("%s has %d lines for %d inputs", goldenFile, i, len(ins))
	}
	if bad > 0 {
		t.Errorf("%d of %d results differ", bad, 2*len(ins))
	}
}

func activityName(t testing.TB, idx string) string {
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= activity.Count {
		t.Fatalf("bad activity index %q", idx)
	}
	return string(activity.All()[i])
}

func writeGolden(t *testing.T, ins []classify.Input, models []*classify.Model) {
	index := map[activity.Activity]int{}
	for i, a := range activity.All() {
		index[a] = i
	}
	f, err := os.Create(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	w := bufio.NewWriter(zw)
	for _, in := range ins {
		fmt.Fprintf(w, "%016x", fingerprint(in))
		for _, mk := range models {
			r := mk.Classify(context.Background(), in)
			fmt.Fprintf(w, " %d %s", index[r.Activity], strconv.FormatFloat(r.Confidence, 'g', 12, 64))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d inputs", goldenFile, len(ins))
}
