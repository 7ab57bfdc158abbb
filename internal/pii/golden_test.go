package pii_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/gen"
	"github.com/kleo-network/kleo-stream/internal/pii"
	"github.com/kleo-network/kleo-stream/internal/pii/piieval"
)

// The golden differential test guards the engine's behaviour while its
// implementation changes: the findings of every text of a large, varied
// input set are stored in testdata/golden.bin.gz and must stay the same,
// byte for byte. Change the file (-update-golden) only with a change meant
// to alter findings.

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden.bin.gz from the current engine")

const goldenPath = "testdata/golden.bin.gz"

// goldenInputs returns the texts of the golden set, in a fixed order.
func goldenInputs(t testing.TB) []string {
	t.Helper()
	var texts []string
	add := func(s ...string) { texts = append(texts, s...) }

	f, err := os.Open("testdata/presidio/synth_dataset_v2.json")
	if err != nil {
		t.Fatal(err)
	}
	presidio, err := piieval.LoadPresidio(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range presidio {
		add(s.Text)
	}
	for _, path := range []string{"testdata/browsing/browsing.txt", "testdata/corpus.txt"} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		marked, err := piieval.LoadMarked(f) // the look-alike negatives too
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range marked {
			add(s.Text)
		}
	}
	add(fuzzSeeds(t)...)
	add(pii.LoadProse(t)...)
	add(kleoTexts(t, gen.Config{Users: 20, ItemsPerUser: 75, Seed: 13, PIIRate: 0.15, SummaryMin: 200, SummaryMax: 20000})...)
	add(kleoTexts(t, gen.Config{Users: 10, ItemsPerUser: 50, Seed: 14, PIIRate: 0.5, SummaryMin: 200, SummaryMax: 20000})...)

	// Variants that take other paths through the rules: the text written
	// all in lower case (chat), all in capitals, and with some capitalised
	// words replaced by placeholders (what scrubbed text looks like).
	n := len(texts)
	for i, s := range texts[:n] {
		if len(s) <= 4000 {
			add(strings.ToLower(s), strings.ToUpper(s), withPlaceholders(s, uint64(i)))
		}
	}
	return texts
}

// withPlaceholders replaces about one in four capitalised ASCII words of s
// with a placeholder, chosen by a generator seeded with seed.
func withPlaceholders(s string, seed uint64) string {
	types := pii.Types()
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	for i := 0; i < len(s); {
		if 'A' <= s[i] && s[i] <= 'Z' && (i == 0 || s[i-1] == ' ') {
			j := i + 1
			for j < len(s) && ('a' <= s[j] && s[j] <= 'z' || 'A' <= s[j] && s[j] <= 'Z') {
				j++
			}
			if r.IntN(4) == 0 {
				b.WriteString(types[r.IntN(len(types))].Placeholder())
			} else {
				b.WriteString(s[i:j])
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// fuzzSeeds reads the fuzz corpus kept in testdata/fuzz.
func fuzzSeeds(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob("testdata/fuzz/*/*")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(b), "\n", 3)
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "string(") || !strings.HasSuffix(lines[1], ")") {
			t.Fatalf("%s: not a one-string fuzz input", p)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, s)
	}
	return out
}

// kleoTexts returns the title, URL and summary of each history document of
// a Kleo-shaped data set, separately, as the processor scrubs them.
func kleoTexts(t testing.TB, cfg gen.Config) []string {
	t.Helper()
	prod, err := gen.Kleo(gen.KleoConfig{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range prod.History {
		for _, k := range []string{"title", "url", "summary"} {
			s, ok := d[k].(string)
			if !ok {
				t.Fatalf("history document: %s is %T", k, d[k])
			}
			out = append(out, s)
		}
	}
	return out
}

// goldenRecord is one text's entry: a hash of the text and its findings.
type goldenRecord struct {
	hash uint64
	fs   []pii.Finding
}

func textHash(s string) uint64 {
	h := fnv.New64a()
	io.WriteString(h, s)
	return h.Sum64()
}

// encodeGolden writes the records as uvarints (count, then per record the
// hash as 8 bytes, the number of findings and per finding the type's index
// in pii.Types, the start and the length), gzipped.
func encodeGolden(recs []goldenRecord) ([]byte, error) {
	idx := map[pii.Type]uint64{}
	for i, t := range pii.Types() {
		idx[t] = uint64(i)
	}
	var raw []byte
	raw = binary.AppendUvarint(raw, uint64(len(recs)))
	for _, r := range recs {
		raw = binary.LittleEndian.AppendUint64(raw, r.hash)
		raw = binary.AppendUvarint(raw, uint64(len(r.fs)))
		for _, f := range r.fs {
			raw = binary.AppendUvarint(raw, idx[f.Type])
			raw = binary.AppendUvarint(raw, uint64(f.Start))
			raw = binary.AppendUvarint(raw, uint64(f.End-f.Start))
		}
	}
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var errGolden = errors.New("golden file corrupt")

func decodeGolden(data []byte) ([]goldenRecord, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("golden: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("golden: %w", err)
	}
	types := pii.Types()
	r := bytes.NewReader(raw)
	uv := func() uint64 {
		v, e := binary.ReadUvarint(r)
		if e != nil && err == nil {
			err = fmt.Errorf("%w: %w", errGolden, e)
		}
		return v
	}
	n := uv()
	if err != nil || n > uint64(len(raw)) {
		return nil, errGolden
	}
	recs := make([]goldenRecord, 0, n)
	for range n {
		var h [8]byte
		if _, e := io.ReadFull(r, h[:]); e != nil {
			return nil, fmt.Errorf("%w: %w", errGolden, e)
		}
		rec := goldenRecord{hash: binary.LittleEndian.Uint64(h[:])}
		for k := uv(); k > 0 && err == nil; k-- {
			t, start, length := uv(), uv(), uv()
			if t >= uint64(len(types)) {
				return nil, fmt.Errorf("%w: type %d", errGolden, t)
			}
			rec.fs = append(rec.fs, pii.Finding{Type: types[t], Start: int(start), End: int(start + length)})
		}
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

func sameFindings(a, b []pii.Finding) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGolden compares the engine's findings on the golden set with the
// stored ones. On a difference it prints the text's index, its length and
// both finding lists (types and spans only, never the text).
func TestGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("golden set skipped in -short mode")
	}
	texts := goldenInputs(t)
	e := pii.New()
	got := make([]goldenRecord, len(texts))
	for i, s := range texts {
		got[i] = goldenRecord{hash: textHash(s), fs: e.Find(s, "")}
	}
	if *updateGolden {
		data, err := encodeGolden(got)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d texts, %d bytes", goldenPath, len(got), len(data))
		return
	}
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := decodeGolden(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("golden set has %d texts, the inputs %d: the input set changed (rerun with -update-golden only if the engine did not)", len(want), len(got))
	}
	bad := 0
	for i := range got {
		if got[i].hash != want[i].hash {
			t.Fatalf("text %d differs from the one the golden file was made from: the input set changed", i)
		}
		if !sameFindings(got[i].fs, want[i].fs) {
			bad++
			if bad <= 5 {
				t.Errorf("text %d (%d bytes): findings %v, golden %v", i, len(texts[i]), got[i].fs, want[i].fs)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d texts differ from the golden findings", bad, len(got))
	}
}

// TestGoldenCodec checks that the golden file format round-trips.
func TestGoldenCodec(t *testing.T) {
	recs := []goldenRecord{
		{hash: 1},
		{hash: 1<<64 - 1, fs: []pii.Finding{{Type: pii.Person, Start: 3, End: 9}, {Type: pii.StreetAddress, Start: 300, End: 4000}}},
	}
	data, err := encodeGolden(recs)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeGolden(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(recs) {
		t.Fatalf("got %d records, want %d", len(back), len(recs))
	}
	for i := range recs {
		if back[i].hash != recs[i].hash || !sameFindings(back[i].fs, recs[i].fs) {
			t.Errorf("record %d: got %+v, want %+v", i, back[i], recs[i])
		}
	}
	if _, err := decodeGolden(data[:len(data)/2]); err == nil {
		t.Error("a truncated golden file decoded without error")
	}
}
