package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kleo-network/kleo-stream/internal/gen"
)

// benchSizes are the summary sizes the issue reports separately.
var benchSizes = []struct {
	name string
	size int
}{{"200B", 200}, {"2KB", 2 << 10}, {"20KB", 20 << 10}}

// benchRecords returns realistic payloads of the plain shape with summaries
// of exactly size bytes (before escaping).
func benchRecords(tb testing.TB, size int) [][]byte {
	tb.Helper()
	recs := gen.Generate(gen.Config{Users: 8, ItemsPerUser: 8, Seed: 13, PIIRate: 0.15,
		SummaryMin: size, SummaryMax: size, PlainShape: true})
	var out [][]byte
	for _, r := range recs {
		if !r.Malformed {
			out = append(out, r.Data)
		}
	}
	if len(out) == 0 {
		tb.Fatal("no records generated")
	}
	return out
}

func meanLen(recs [][]byte) int64 {
	n := 0
	for _, r := range recs {
		n += len(r)
	}
	return int64(n / len(recs))
}

// BenchmarkDecode compares, on the same records in the same run, the old
// decoder, the new one (fresh and reused), and the libraries the issue
// names decoding the same fields (plain shape only: they do not handle
// Extended JSON, so they are a lower bound for a library-based decoder).
func BenchmarkDecode(b *testing.B) {
	decoders := []struct {
		name string
		fn   func() func([]byte) (Item, error)
	}{
		{"old", func() func([]byte) (Item, error) { return oldDecode }},
		{"new", func() func([]byte) (Item, error) { return Decode }},
		{"new-reused", func() func([]byte) (Item, error) { var d Decoder; return d.Decode }},
		{"encoding-json-struct", func() func([]byte) (Item, error) { return structDecode(json.Unmarshal) }},
		{"jsonv2-struct", func() func([]byte) (Item, error) {
			return structDecode(func(b []byte, v any) error { return jsonv2.Unmarshal(b, v, jsontext.AllowInvalidUTF8(true)) })
		}},
		{"jsontext-tokens", func() func([]byte) (Item, error) { return jsontextDecode }},
	}
	for _, sz := range benchSizes {
		recs := benchRecords(b, sz.size)
		for _, dec := range decoders {
			b.Run(fmt.Sprintf("%s/%s", sz.name, dec.name), func(b *testing.B) {
				fn := dec.fn()
				for _, r := range recs { // all must decode, so all do the same work
					if _, err := fn(r); err != nil {
						b.Fatalf("%s: %v", dec.name, err)
					}
				}
				b.SetBytes(meanLen(recs))
				b.ReportAllocs()
				cpu := processCPU()
				n := 0
				for i := 0; b.Loop(); i++ {
					if _, err := fn(recs[i%len(recs)]); err != nil {
						b.Fatal(err)
					}
					n++
				}
				b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(n), "cpu-ns/op")
			})
		}
	}
}

// plainDoc is the plain shape of a history document.
type plainDoc struct {
	ID              string `json:"_id"`
	Address         string `json:"address"`
	Title           string `json:"title"`
	URL             string `json:"url"`
	Domain          string `json:"domain"`
	Summary         string `json:"summary"`
	Category        string `json:"category"`
	Subcategory     string `json:"subcategory"`
	VisitTime       int64  `json:"visitTime"`
	CreateTimestamp int64  `json:"create_timestamp"`
}

// structDecode decodes with a reflection-based Unmarshal and then cleans
// the text, as a library-based decoder would at least have to.
func structDecode(unmarshal func([]byte, any) error) func([]byte) (Item, error) {
	return func(data []byte) (Item, error) {
		var p plainDoc
		if err := unmarshal(data, &p); err != nil {
			return Item{}, err
		}
		return Item{ID: strings.ToLower(p.ID), Address: strings.ToLower(p.Address),
			Title: dropControls(p.Title, false), URL: dropControls(p.URL, false),
			Domain: dropControls(p.Domain, false), Summary: dropControls(p.Summary, true),
			Category: dropControls(p.Category, false), Subcategory: dropControls(p.Subcategory, false),
			VisitTime: p.VisitTime, CreateTimestamp: p.CreateTimestamp}, nil
	}
}

// jsontextDecode walks the document with the jsontext tokenizer, which
// rejects duplicate names itself, interning nothing and cleaning after.
func jsontextDecode(data []byte) (Item, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return Item{}, fmt.Errorf("not an object: %v", err)
	}
	var it Item
	for dec.PeekKind() != '}' {
		key, err := dec.ReadValue() // raw, so no string is made for it
		if err != nil {
			return Item{}, err
		}
		f := field(key[1 : len(key)-1])
		val, err := dec.ReadToken()
		if err != nil {
			return Item{}, err
		}
		if k := val.Kind(); k == '{' || k == '[' {
			if err := dec.SkipValue(); err != nil {
				return Item{}, err
			}
			continue
		}
		switch f {
		case fID:
			it.ID = strings.ToLower(val.String())
		case fAddress:
			it.Address = strings.ToLower(val.String())
		case fTitle:
			it.Title = dropControls(val.String(), false)
		case fURL:
			it.URL = dropControls(val.String(), false)
		case fDomain:
			it.Domain = dropControls(val.String(), false)
		case fSummary:
			it.Summary = dropControls(val.String(), true)
		case fCategory:
			it.Category = dropControls(val.String(), false)
		case fSubcategory:
			it.Subcategory = dropControls(val.String(), false)
		case fVisitTime:
			if it.VisitTime, err = strconv.ParseInt(val.String(), 10, 64); err != nil {
				return Item{}, err
			}
		case fCreateTimestamp:
			if it.CreateTimestamp, err = strconv.ParseInt(val.String(), 10, 64); err != nil {
				return Item{}, err
			}
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return Item{}, err
	}
	return it, nil
}
