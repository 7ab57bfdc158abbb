package feat

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// refText is Text as it was before it was made one pass (commit dd3ad66):
// the reference the faster Text must agree with feature for feature.
func refText(b *Buffer, s string, w uint32, chars bool) {
	var tok [32]byte
	var prev uint64
	havePrev := false
	for i := 0; i < len(s); {
		if !refIsTokenByte(s[i]) {
			if s[i] == '.' || s[i] == '|' || s[i] == ',' || s[i] == ':' || s[i] == ';' || s[i] == '(' || s[i] == ')' {
				havePrev = false
			}
			i++
			continue
		}
		j := i
		for j < len(s) && refIsTokenByte(s[j]) {
			j++
		}
		n, ok := normalize(tok[:], s[i:j])
		i = j
		if !ok {
			continue
		}
		t := tok[:n]
		if refStopword(t) {
			havePrev = false
			continue
		}
		h := hashBytes(kindWord, t)
		b.add(h, w)
		if havePrev {
			b.add(mix(prev, h), w)
		}
		prev, havePrev = h, true
		if chars && n >= 5 {
			var cw [34]byte
			cw[0] = '^'
			copy(cw[1:], t)
			cw[len(t)+1] = '$'
			s := cw[:len(t)+2]
			for i := 0; i+4 <= len(s); i++ {
				b.add(hashBytes(kindChar, s[i:i+4]), WChar)
			}
		}
	}
}

func refIsTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || c >= 0x80
}

func refStopword(t []byte) bool {
	switch len(t) {
	case 2:
		switch string(t) {
		case "of", "to", "in", "on", "at", "by", "is", "it", "an", "as", "or", "be", "we", "my", "me", "do", "if", "so", "up", "no", "us", "vs", "he", "am":
			return true
		}
	case 3:
		switch string(t) {
		case "the", "and", "for", "you", "are", "was", "its", "our", "can", "all", "how", "not", "but", "has", "who", "why", "new", "get", "www", "com", "org", "net", "htm", "php", "asp", "amp", "utm", "her", "his", "use", "now", "one", "any", "out", "top", "day":
			return true
		}
	case 4:
		switch string(t) {
		case "with", "from", "this", "that", "your", "what", "will", "more", "have", "they", "into", "html", "aspx", "page", "here", "when", "than", "them", "just", "also", "most", "some", "over", "each", "http", "view":
			return true
		}
	case 5:
		switch string(t) {
		case "about", "their", "there", "which", "these", "after", "other", "while", "where", "index", "https", "every", "first", "watch":
			return true
		}
	}
	return false
}

func sameText(t *testing.T, s string) {
	t.Helper()
	for _, chars := range []bool{false, true} {
		var got, want Buffer
		got.Text(s, WTitle, chars)
		refText(&want, s, WTitle, chars)
		if got.N != want.N || got.Hash != want.Hash || got.Weight != want.Weight {
			t.Fatalf("Text(%q, chars=%v): %d features, the reference %d or different ones", s, chars, got.N, want.N)
		}
	}
}

// TestTextMatchesReference runs Text and the reference on the evaluation
// and calibration texts, on random byte strings and on tokens of every
// length around the limits (plural "s", digits, 32 bytes).
func TestTextMatchesReference(t *testing.T) {
	n := 0
	for _, name := range []string{"../../testdata/eval.jsonl", "../../testdata/postfreeze.jsonl", "../../data/calib.jsonl"} {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var it struct{ URL, Title, Summary string }
			if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{it.URL, it.Title, it.Summary} {
				sameText(t, s)
				n++
			}
		}
		f.Close()
	}
	for _, w := range stopwords {
		sameText(t, w+" x "+strings.ToUpper(w)+"s "+w+"es")
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := "aAsSuUiIzZ09 .|,:;()-'é\x80\xff"
	for range 20000 {
		var sb strings.Builder
		for range r.IntN(80) {
			sb.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		sameText(t, sb.String())
	}
	for l := 1; l <= 40; l++ {
		for _, tail := range []string{"", "s", "ss", "us", "is", "1", "12345"} {
			sameText(t, strings.Repeat("b", l)+tail)
			sameText(t, "ab1"+strings.Repeat("c", l)+tail)
		}
	}
	t.Logf("%d texts", n)
}

func FuzzText(f *testing.F) {
	f.Add("Chocolate Chip COOKIES | the best recipes: 2024")
	f.Add("hotelsofindia bosses status campus")
	f.Fuzz(func(t *testing.T, s string) { sameText(t, s) })
}

// TestStopTable checks that every stop word has a slot of its own and that
// stopword agrees with the reference on them and on near misses.
func TestStopTable(t *testing.T) {
	slots := map[uint64]string{}
	for _, w := range stopwords {
		if len(w) > maxStop {
			t.Fatalf("stop word %q is longer than maxStop", w)
		}
		var b [32]byte
		copy(b[:], w)
		k := uint64(0)
		for i := len(w) - 1; i >= 0; i-- {
			k = k<<8 | uint64(w[i])
		}
		slot := k * stopMul >> (64 - stopBits)
		if o, ok := slots[slot]; ok {
			t.Fatalf("%q and %q share slot %d", w, o, slot)
		}
		slots[slot] = w
		for _, v := range []string{w, w[:len(w)-1], w + "x", "x" + w[1:]} {
			if stopword([]byte(v)) != refStopword([]byte(v)) {
				t.Errorf("stopword(%q) = %v, reference %v", v, stopword([]byte(v)), refStopword([]byte(v)))
			}
		}
	}
}
