package pii

import (
	_ "embed"
	"encoding/binary"
	"unicode"
	"unicode/utf8"

	"github.com/kleo-network/kleo-stream/internal/pii/internal/fold"
)

// The gazetteer (gazetteer.bin, built by internal/gengaz from the lists
// described in data/README.md) maps a case-folded word to flags. It is an
// open-addressing table read in place from the embedded bytes: "KGZ2",
// uint32 log2(slots), then six-byte slots of a uint32 fingerprint (0 =
// empty) and uint16 flags. A word's FNV-1a hash picks the first slot (low bits) and its
// fingerprint (high 32 bits | 1); probing is linear. Nothing is built at
// start-up and nothing is mutable.
//
//go:generate go run ./internal/gengaz -out gazetteer.bin

//go:embed gazetteer.bin
var gazBin string

// Gazetteer flags; internal/gengaz writes the same values.
const (
	gGiven       = 1 << iota // a given name in some list
	gGivenStrong             // a frequent given name that is no common word
	gSurname
	gSurnameStrong
	gWord      // a lower-case English word
	gPlace     // a country or a city of a million or more
	gStreetPre // street type before the name (rue, calle, via)
	gStreetSuf // street type after the name (street, road)
	gStreetNum // suffix street type followed by the number (Straße 12)
	gGlued     // street-type suffix glued to the name (-straße, -katu)
	gUnit      // apt, suite, flat, piso, étage
	gTitle     // mr, dr, frau
	gOrg       // inc, journal, studios, bank: the run names no person
	gStop      // never a name: months, weekdays, function and menu words
	gCountry
	gTown // a city of 15,000 or more
)

var (
	gazOK    = len(gazBin) > 8 && gazBin[:4] == "KGZ2"
	gazBits  = binary.LittleEndian.Uint32([]byte(gazBin[4:8]))
	gazSlots = 1 << gazBits
)

// flags is lookup for the word w of the text, remembered for the next
// few words.
func (sc *scanner) flags(w wtok) uint16 {
	c := &sc.fc[w.s&(len(sc.fc)-1)]
	if c.s == w.s+1 && c.e == w.e {
		return c.f
	}
	f := lookup(sc.s[w.s:w.e])
	*c = flagsAt{w.s + 1, w.e, f}
	return f
}

// lookup returns the flags of word w (any case), or 0.
func lookup(w string) uint16 {
	if len(w) == 0 || len(w) > 40 || !gazOK {
		return 0
	}
	h := uint64(14695981039346656037)
	i := 0
	// Most words are ASCII: hash them without the per-byte UTF-8 test.
	for ; i < len(w) && w[i] < utf8.RuneSelf; i++ {
		h ^= uint64(lowerTab[w[i]])
		h *= 1099511628211
	}
	for i < len(w) {
		c := w[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			h ^= uint64(c)
			h *= 1099511628211
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(w[i:])
		i += n
		if a, b, ok := fold.Rune(r); ok {
			h ^= uint64(a)
			h *= 1099511628211
			if b != 0 {
				h ^= uint64(b)
				h *= 1099511628211
			}
			continue
		}
		var b [utf8.UTFMax]byte
		for _, c := range utf8.AppendRune(b[:0], unicode.ToLower(r)) {
			h ^= uint64(c)
			h *= 1099511628211
		}
	}
	fp := uint32(h>>32) | 1
	// A local copy of the table and one slice per slot: one bounds check
	// per probe instead of six, and no reload of the package variable.
	tab := gazBin[8:]
	mask := gazSlots - 1
	for k := int(h) & mask; ; k = (k + 1) & mask {
		x := tab[6*k : 6*k+6]
		v := uint32(x[0]) | uint32(x[1])<<8 | uint32(x[2])<<16 | uint32(x[3])<<24
		if v == fp {
			return uint16(x[4]) | uint16(x[5])<<8
		}
		if v == 0 {
			return 0
		}
	}
}

// lowerTab maps an ASCII byte to its lower case.
var lowerTab = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		t[c] = lower(byte(c))
	}
	return t
}()

// gluedStreet reports whether word w, whose flags are f, ends in a glued
// street-type suffix (Lindenstraße, Harjukuja, Rooseveltlaan) after at
// least three letters and is no country or town.
func gluedStreet(w string, f uint16) bool {
	if f&(gCountry|gTown|gPlace) != 0 {
		return false // Finland, Helsingborg
	}
	for k := len(w) - 3; k >= 3 && len(w)-k <= 9; k-- {
		if utf8.RuneStart(w[k]) && (len(w)-k >= 4 || shortGlued(w[k:])) && lookup(w[k:])&gGlued != 0 {
			return true
		}
	}
	return false
}

// shortGlued lists the three-letter glued suffixes that are kept; others
// ("-and", "-ing") end too many words.
func shortGlued(x string) bool {
	switch x {
	case "weg", "vej", "tie", "way", "str", "väg":
		return true
	}
	return false
}

// prefixTypeOK keeps prefix street types that are also short English words
// to the ones that are real types ("Via Roma 12", "rue des Lilas"), so that
// "iPhone 15 Pro Max 256" is no address.
func prefixTypeOK(w string, f uint16) bool {
	if f&gWord == 0 || len(w) >= 5 {
		return true
	}
	switch string(lowerASCII(w)) {
	case "rue", "via", "rua", "ul", "al", "av", "ave", "calle", "cl":
		return true
	}
	return false
}

func lowerASCII(w string) []byte {
	var b [8]byte
	if len(w) > len(b) {
		return nil
	}
	for i := 0; i < len(w); i++ {
		b[i] = lower(w[i])
	}
	return b[:len(w)]
}
