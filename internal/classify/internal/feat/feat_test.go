package feat

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/publicsuffix"
)

func TestSplitURL(t *testing.T) {
	tests := []struct{ in, host, path string }{
		{"https://www.example.com/a/b?q=1#frag", "www.example.com", "/a/b?q=1"},
		{"http://user:pw@example.com:8080/x", "example.com", "/x"},
		{"example.com/path", "example.com", "/path"},
		{"//cdn.example.com", "cdn.example.com", ""},
		{"https://example.com?x=1", "example.com", "?x=1"},
		{"https://example.com./", "example.com", "/"},
		{"", "", ""},
	}
	for _, tt := range tests {
		host, path := SplitURL(tt.in)
		if host != tt.host || path != tt.path {
			t.Errorf("SplitURL(%q) = %q, %q; want %q, %q", tt.in, host, path, tt.host, tt.path)
		}
	}
}

func TestHostName(t *testing.T) {
	tests := map[string]string{
		"www.bbc.co.uk":     "bbc",
		"news.bbc.co.uk":    "news.bbc",
		"github.com":        "github",
		"docs.python.org":   "docs.python",
		"localhost":         "localhost",
		"www.spiegel.de":    "spiegel",
		"seek.com.au":       "seek",
		"example.co":        "example",
		"music.youtube.com": "music.youtube",
	}
	for in, want := range tests {
		if got := HostName(in); got != want {
			t.Errorf("HostName(%q) = %q, want %q", in, got, want)
		}
	}
}

// byPublicSuffix is what HostName approximates, computed with the public
// suffix list (ICANN section).
func byPublicSuffix(host string) string {
	host = strings.TrimPrefix(host, "www.")
	ps, icann := publicsuffix.PublicSuffix(host)
	for !icann && strings.Contains(ps, ".") {
		// A private suffix (blogspot.com): fall back to its ICANN part.
		ps = ps[strings.IndexByte(ps, '.')+1:]
		ps, icann = publicsuffix.PublicSuffix(ps)
	}
	if len(ps) >= len(host) {
		return host
	}
	return host[:len(host)-len(ps)-1]
}

// TestHostNameAgreesWithPublicSuffix checks the allocation-free HostName
// against golang.org/x/net/publicsuffix on every curated host and every UT1
// domain the model uses.
func TestHostNameAgreesWithPublicSuffix(t *testing.T) {
	data := filepath.Join("..", "..", "data")
	var hosts []string
	f, err := os.Open(filepath.Join(data, "sites.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			host, _, _ := strings.Cut(strings.Split(l, "\t")[0], "/")
			hosts = append(hosts, host)
		}
	}
	f.Close()
	for _, h := range hosts {
		if ps, icann := publicsuffix.PublicSuffix(h); ps == h && icann {
			continue // a deliberate rule for a whole registry, like gov.uk
		}
		if got, want := HostName(h), byPublicSuffix(h); got != want {
			t.Errorf("curated host %q: HostName = %q, public suffix list says %q", h, got, want)
		}
	}
	lists, _ := filepath.Glob(filepath.Join(data, "ut1", "*", "domains"))
	var n, differ int
	for _, name := range lists {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range strings.Fields(string(b)) {
			n++
			if HostName(d) != byPublicSuffix(d) {
				differ++
			}
		}
	}
	// The long tail of country registries (e.g. "k12.ca.us") is not worth
	// a copy of the list; require agreement on nearly all real domains.
	if n == 0 || float64(differ) > 0.01*float64(n) {
		t.Errorf("HostName disagrees with the public suffix list on %d of %d UT1 domains", differ, n)
	}
	t.Logf("HostName disagrees with the public suffix list on %d of %d UT1 domains", differ, n)
}

func TestTextIsCaseInsensitive(t *testing.T) {
	var a, b Buffer
	a.Text("Chocolate Chip COOKIES", WTitle, true)
	b.Text("chocolate chip cookies", WTitle, true)
	if a.N == 0 || a.N != b.N || a.Hash != b.Hash || a.Weight != b.Weight {
		t.Errorf("features differ by case: %d vs %d", a.N, b.N)
	}
	if HashString("GitHub.com") != HashString("github.com") {
		t.Error("HashString is case-sensitive")
	}
}

func TestTextDropsNoise(t *testing.T) {
	var b Buffer
	b.Text("the 2024 a3f9c2e1b7d4 of", WTitle, true)
	if b.N != 0 {
		t.Errorf("stop words, numbers and ids gave %d features, want 0", b.N)
	}
}

func TestBufferIsBounded(t *testing.T) {
	var b Buffer
	b.Text(strings.Repeat("gardening tomatoes ", 2000), WSummary, true)
	if b.N != Max {
		t.Errorf("N = %d, want the cap %d", b.N, Max)
	}
}

func has(b *Buffer, word string) bool {
	h := hashBytes(kindWord, []byte(word))
	for _, x := range b.Hash[:b.N] {
		if x == h {
			return true
		}
	}
	return false
}

func TestHostSplitsGluedLabels(t *testing.T) {
	d := NewDict([]string{"basketball", "hotels", "hotel", "india", "of", "cheap", "car", "rentals", "taxi", "mumbai", "service", "basket", "ball"})
	tests := []struct {
		host      string
		want, not []string
	}{
		{"www.hotelsofindia.com", []string{"hotel", "india"}, nil},
		{"cheapcarrentals.es", []string{"cheap", "car", "rental"}, nil},
		{"mumbaitaxiservice.co.in", []string{"mumbai", "taxi", "service"}, nil},
		// A three-letter word counts only when nothing is left over.
		{"carzzqx.com", nil, []string{"car"}},
		// A label that is a word is added once, by Text, not split again.
		{"basketball.com", nil, []string{"basket", "ball"}},
	}
	for _, tt := range tests {
		var b Buffer
		b.Host(d, tt.host)
		for _, w := range tt.want {
			if !has(&b, w) {
				t.Errorf("Host(%q) lacks the word %q", tt.host, w)
			}
		}
		for _, w := range tt.not {
			if has(&b, w) {
				t.Errorf("Host(%q) has the word %q", tt.host, w)
			}
		}
	}
	var plain Buffer
	plain.Host(nil, "hotelsofindia.com")
	if has(&plain, "hotel") {
		t.Error("Host without a dictionary split the label")
	}
}

func TestDict(t *testing.T) {
	d := NewDict([]string{"garden", "recipe", "garden"})
	for w, want := range map[string]bool{"garden": true, "recipe": true, "gardens": false, "cat": false} {
		if got := d.Has(hashBytes(kindWord, []byte(w))); got != want {
			t.Errorf("Has(%q) = %v, want %v", w, got, want)
		}
	}
	if _, ok := DictFrom(make([]uint32, 10)); ok {
		t.Error("DictFrom accepted a table of the wrong size")
	}
	var got []string
	Words("Fútbol news: 3-1 win, x2, ok ölçü Hotel", func(w string) { got = append(got, w) })
	if strings.Join(got, " ") != "news win hotel" {
		t.Errorf("Words = %q, want news win hotel", got)
	}
}

// BenchmarkSplitLookup compares the Dict of the shipped model, which Host
// probes about 150 times per glued label, with a Go map of the same
// fingerprints, on the substrings Host really probes (the curated hosts').
func BenchmarkSplitLookup(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "model.bin"))
	if err != nil {
		b.Fatal(err)
	}
	slots := make([]uint32, 1<<DictBits)
	tail := raw[len(raw)-4*len(slots):]
	m := map[uint32]struct{}{}
	for i := range slots {
		slots[i] = uint32(tail[4*i]) | uint32(tail[4*i+1])<<8 | uint32(tail[4*i+2])<<16 | uint32(tail[4*i+3])<<24
		if slots[i] != 0 {
			m[slots[i]] = struct{}{}
		}
	}
	d, ok := DictFrom(slots)
	if !ok {
		b.Fatal("model has no dictionary")
	}
	var probes []uint64
	for _, host := range []string{"hotelsofindia", "cheapcarrentals", "mumbaitaxiservice", "gunnersfanzone", "thepensblogger", "weeknightplates"} {
		for i := range host {
			for j := i + 2; j <= len(host) && j-i <= maxWord; j++ {
				probes = append(probes, hashBytes(kindWord, []byte(host[i:j])))
			}
		}
	}
	b.Run("Dict", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			if d.Has(probes[i%len(probes)]) {
				n++
			}
		}
		_ = n
	})
	b.Run("map", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			if _, ok := m[fingerprint(probes[i%len(probes)])]; ok {
				n++
			}
		}
		_ = n
	})
}

func BenchmarkHost(b *testing.B) {
	d := NewDict([]string{"hotels", "hotel", "india", "cheap", "car", "rentals", "taxi", "mumbai", "service"})
	var buf Buffer
	for i := 0; i < b.N; i++ {
		buf.Reset()
		buf.Host(d, "www.mumbaitaxiservice.co.in")
	}
}
