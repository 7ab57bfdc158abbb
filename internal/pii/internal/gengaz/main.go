// Command gengaz builds the PII engine's embedded gazetteer (gazetteer.bin)
// from the name, street and place lists in the shared data directory and an
// English word list. It runs under go generate; the engine never reads the
// sources.
//
// The table maps a case-folded word to a set of flags (given name, surname,
// English word, place, street type, unit word, title, ...). It is an
// open-addressing hash table of 32-bit fingerprints and 16-bit flags that
// the engine reads in place from the embedded bytes, so loading costs
// nothing. See internal/pii/gazetteer.go for the layout.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kleo-network/kleo-stream/internal/pii/internal/fold"
)

// Flags; keep in sync with internal/pii/gazetteer.go.
const (
	fGiven       = 1 << iota // a given name in some list
	fGivenStrong             // a frequent given name
	fSurname                 // a surname in some list
	fSurnameStrong
	fWord      // a lower-case English word (will, grace, brown)
	fPlace     // a country or a city of a million or more
	fStreetPre // street type written before the name (rue, calle, via)
	fStreetSuf // street type written after the name (street, road)
	fStreetNum // suffix street type that takes the number after it (Straße 12)
	fGlued     // suffix glued to the street name (-straße, -katu, -laan)
	fUnit      // unit or floor word (apt, suite, flat, piso)
	fTitle     // personal title (mr, dr, frau)
	fOrg       // word that makes a capitalised run an organisation or a work
	fStop      // never a name: months, weekdays, function and headline words
	fCountry   // a country name
	fTown      // a city of 15,000 or more
)

func main() {
	src := flag.String("src", "../../../shared/data/gazetteers", "gazetteer directory")
	dict := flag.String("dict", "/usr/share/dict/american-english-small", "English word list (Debian wamerican-small)")
	out := flag.String("out", "gazetteer.bin", "output table")
	flag.Parse()
	g := map[string]uint16{}
	set := func(w string, f uint16) {
		w = foldWord(strings.TrimSpace(w))
		if w == "" || strings.ContainsAny(w, " \t") {
			return
		}
		g[w] |= f
	}

	// Given names: SSA (frequency decides strength), sigpwned and libpostal.
	ssa := map[string]int{}
	eachCSV(filepath.Join(*src, "names_us_ssa/ssa_first_names.csv"), func(r []string) {
		n, _ := strconv.Atoi(r[2])
		ssa[r[0]] += n
	})
	for n, c := range ssa {
		switch {
		case c >= 300:
			set(n, fGiven|fGivenStrong)
		case c >= 100:
			set(n, fGiven)
		}
	}
	eachCSV(filepath.Join(*src, "names_international/sigpwned_cc0/common-forenames-by-country.csv"), func(r []string) {
		set(r[10], fGiven|fGivenStrong)
		set(r[11], fGiven|fGivenStrong)
	})
	eachLine(filepath.Join(*src, "names_international/libpostal_mit/given_names.txt"), func(l string) {
		set(l, fGiven|fGivenStrong)
	})
	// Surnames: Census 2010 by rank, sigpwned, libpostal.
	eachCSV(filepath.Join(*src, "names_us_census_surnames/census2010_surnames.csv"), func(r []string) {
		rank, _ := strconv.Atoi(r[0])
		switch {
		case rank <= 20000:
			set(r[1], fSurname|fSurnameStrong)
		case rank <= 60000:
			set(r[1], fSurname)
		}
	})
	eachCSV(filepath.Join(*src, "names_international/sigpwned_cc0/common-surnames-by-country.csv"), func(r []string) {
		set(r[4], fSurname|fSurnameStrong)
		set(r[5], fSurname|fSurnameStrong)
	})
	eachLine(filepath.Join(*src, "names_international/libpostal_mit/surnames.txt"), func(l string) {
		set(l, fSurname|fSurnameStrong)
	})

	// English words, lower-case entries only (capitalised ones are proper nouns).
	eachLine(*dict, func(l string) {
		if l != "" && unicode.IsLower([]rune(l)[0]) && !strings.Contains(l, "'") {
			set(l, fWord)
		}
	})

	// Places: countries in the languages of the target formats, larger cities.
	langs := map[string]bool{"en": true, "de": true, "fr": true, "es": true, "it": true, "nl": true, "pt": true}
	// Words of multi-word names ("Saint Lucia", "United Kingdom") are
	// countries only when no name list knows them: Lucia and Vincent are
	// names.
	var partial []string
	eachTSV(filepath.Join(*src, "geo_gazetteer/country_names.tsv"), func(r []string) {
		if langs[r[1]] {
			ws := strings.Fields(r[2])
			if len(ws) == 1 {
				set(ws[0], fPlace|fCountry)
				return
			}
			for _, w := range ws {
				if len(w) > 3 {
					partial = append(partial, w)
				}
			}
		}
	})
	for _, w := range partial {
		if g[foldWord(w)]&(fGiven|fSurname) == 0 {
			set(w, fCountry)
		}
	}
	eachTSV(filepath.Join(*src, "geo_gazetteer/cities5000.tsv"), func(r []string) {
		pop, _ := strconv.Atoi(r[6])
		// Only the largest: most smaller towns share their name with a
		// person (Gary, Mary, Nora), and a locality is no name on its own.
		if pop >= 1000000 {
			set(r[1], fPlace)
			set(r[2], fPlace)
		}
		if pop >= 15000 {
			set(r[1], fTown)
			set(r[2], fTown)
		}
	})

	// Street types from libpostal, by the side of the name they stand on.
	prefixLangs := map[string]bool{"fr": true, "es": true, "it": true, "pt": true, "ca": true, "gl": true,
		"ro": true, "pl": true, "el": true, "ru": true, "uk": true, "bg": true, "ast": true, "oc": true,
		"br": true, "eu": true, "mt": true, "id": true, "ms": true, "fil": true, "vi": true, "cy": true, "ga": true}
	numLangs := map[string]bool{"de": true, "nl": true, "da": true, "sv": true, "nb": true, "fi": true,
		"is": true, "et": true, "lv": true, "lt": true, "cs": true, "sk": true, "sl": true, "hr": true,
		"bs": true, "sr": true, "hu": true, "tr": true, "af": true, "lb": true, "gsw": true}
	eachTSV(filepath.Join(*src, "address_vocab/street_types_all.tsv"), func(r []string) {
		lang, v, kind := r[0], strings.TrimSuffix(r[2], "."), r[3]
		if utf8.RuneCountInString(v) < 3 && !shortTypes[v] {
			return
		}
		switch {
		case kind == "suffix":
			if utf8.RuneCountInString(v) >= 3 {
				set(v, fGlued)
			}
		case prefixLangs[lang]:
			set(v, fStreetPre)
		case numLangs[lang]:
			set(v, fStreetSuf|fStreetNum)
		case lang == "en":
			set(v, fStreetSuf)
		}
	})
	eachCSV(filepath.Join(*src, "address_vocab/usps/usps_pub28_c1_street_suffixes.csv"), func(r []string) {
		for _, v := range r[:2] {
			if len(v) >= 3 || shortTypes[strings.ToLower(v)] {
				set(v, fStreetSuf)
			}
		}
	})
	for _, w := range strings.Fields(extraStreet) {
		set(w, fStreetSuf)
	}
	set("u", fStreetSuf|fStreetNum) // Hungarian "Király u. 15." (utca)
	for _, w := range strings.Fields(extraStreetPre) {
		set(w, fStreetPre)
	}
	for _, w := range strings.Fields(extraGlued) {
		set(w, fGlued)
	}
	// Unit words: USPS C2 and libpostal's numbered unit and level types.
	eachCSV(filepath.Join(*src, "address_vocab/usps/usps_pub28_c2_secondary_units.csv"), func(r []string) {
		set(r[0], fUnit)
		set(r[1], fUnit)
	})
	for _, lang := range []string{"en", "de", "fr", "es", "it", "nl", "pt"} {
		for _, f := range []string{"unit_types_numbered.txt", "level_types_numbered.txt"} {
			eachLine(filepath.Join(*src, "address_vocab/libpostal_dictionaries", lang, f), func(l string) {
				for _, v := range strings.Split(l, "|") {
					v = strings.TrimSuffix(v, ".")
					if utf8.RuneCountInString(v) >= 3 || shortUnits[v] {
						set(v, fUnit)
					}
				}
			})
		}
	}
	for _, w := range strings.Fields("plot door flat house apt apartment suite unit piso planta étage etage stock wohnung") {
		set(w, fUnit) // Indian "Plot 7", "Door No. 4"; and the commonest ones, whatever the lists say
	}
	for _, w := range strings.Fields(titles) {
		set(w, fTitle)
	}
	for _, w := range strings.Fields(orgWords) {
		set(w, fOrg)
	}
	for _, w := range strings.Fields(stopWords) {
		set(w, fStop)
	}
	// Words that many lists know but that are seldom names on their own.
	for _, w := range strings.Fields(notStrong) {
		w = foldWord(w)
		g[w] &^= fGivenStrong | fSurnameStrong
	}

	tbl := build(g)
	if err := os.WriteFile(*out, tbl, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("gengaz: %d words, %d slots, %d bytes -> %s\n", len(g), (len(tbl)-8)/6, len(tbl), *out)
}

// Abbreviations shorter than three letters that are kept anyway.
var shortTypes = map[string]bool{"st": true, "rd": true, "dr": true, "ln": true, "av": true, "ct": true,
	"pl": true, "sq": true, "ul": true, "al": true, "c/": true, "wy": true, "hw": true, "pk": true, "cl": true}

var shortUnits = map[string]bool{"fl": true, "rm": true, "ap": true, "no": false}

const extraStreet = `street st road rd avenue ave av lane ln drive dr boulevard blvd court ct place pl
square sq terrace crescent close way parkway pkwy highway hwy marg nagar salai gali chowk
straße strasse str weg gasse allee platz ring damm ufer chaussee laan straat gracht plein kade
dreef singel steeg hof markt vej gade gata gatan vägen katu tie kuja polku utca út tér
cadde caddesi sokak sokağı`

const extraStreetPre = `rue avenue av ave boulevard bd bld chemin impasse allée place quai cours route
calle c/ avenida avda avd paseo plaza carrer carretera camino ronda travesía via viale piazza piazzale
corso largo vicolo contrada rua travessa praça estrada alameda ulica ul aleja al plac
strada bulevardul calea`

const extraGlued = `straße strasse str weg gasse allee platz ring damm ufer laan straat gracht plein
kade dreef singel steeg markt vej gade gata gatan vägen vagen katu tie kuja polku utca way`

const titles = `mr mrs ms miss mx dr prof sir dame herr frau mme mlle monsieur madame sr sra srta
sig signor signora sig.ra dott dott.ssa dhr mevr mevrouw shri smt kumari pan pani señor señora
senhor senhora mister mistress lady lord rev fr`

const orgWords = `inc ltd llc plc gmbh ag sa srl bv nv corp corporation co company capital journal
times post news herald tribune gazette studios studio records bank group holdings partners
university college school academy hospital clinic hotel hotels resort restaurant cafe bar church
foundation institute airlines airways motors pharmacy store stores shop market mall center centre
fund trust insurance media network networks press magazine review stadium arena museum gallery
theatre theater cinema park zoo festival band orchestra club fc united city county state tower
bridge station airport express line railway labs technologies software systems solutions games
productions pictures entertainment music stanley
galleria piazza palazzo museo musée stazione teatro villa ponte porta basilica chiesa castello
parco plaza colegio escuela aeropuerto estación gare lycée université pont quai bahnhof kirche
schule gymnasium universidad universität università`

const stopWords = `am im the a an and or of in on at to for with by from as is are was be this that these
those it its our your my his her their we you he she they me him them us not no yes all any
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
new best top how what why when where who which free sale deal deals home news login log sign
signin account settings profile welcome hello dear hi thanks thank please order orders cart
checkout search menu page next previous more about contact help privacy terms cookies
street road avenue lane drive way north south east west central upper lower great little old
english french german spanish italian dutch danish swedish norwegian finnish greek polish
russian chinese japanese korean indian american british irish scottish welsh canadian australian
mexican brazilian portuguese turkish arabic arab hungarian czech austrian swiss belgian thai
vietnamese african european asian latin jewish muslim catholic hindu buddhist icelandic estonian
latvian lithuanian slovak slovenian croatian serbian romanian bulgarian ukrainian persian
los las san santa santo saint fort port mount lake st gran grand
le la de het il el lo die der das les
sony dyson goldman harley nike adidas samsung toyota honda nissan
america europe asia africa oceania
christmas easter halloween thanksgiving god jesus christ allah lord`

const notStrong = `will may june april august grace hope faith joy rose lily ivy iris dawn eve
summer autumn winter star sky rain storm river ocean crystal diamond ruby pearl jade amber
mark bill art chase rich frank sterling major king prince princess duke earl baron royal
christian london paris victoria florence georgia jordan austin dallas houston phoenix sydney
brooklyn chelsea madison savannah charlotte orlando denver aurora eden haven india asia china
jersey kent york lincoln washington jackson clinton cleveland virginia carolina dakota sierra
apple amazon tesla ford mercedes porsche lexus audi chevy dodge jaguar mini nike adidas google
sunny stormy honey candy ginger brandy sherry whisky`

// foldWord lower-cases a word and drops Latin diacritics; the engine folds
// the same way (internal/pii/internal/fold).
func foldWord(s string) string {
	var b strings.Builder
	for _, r := range s {
		if x, y, ok := fold.Rune(r); ok {
			b.WriteByte(x)
			if y != 0 {
				b.WriteByte(y)
			}
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// build lays the words out as an open-addressing table: header
// "KGZ2" + uint32 log2(slots), then slots of six bytes, a uint32
// fingerprint and uint16 flags, so that a lookup touches one cache line.
// Slot = hash & mask, fingerprint = hash>>32 | 1; linear probing.
func build(g map[string]uint16) []byte {
	bits := 1
	for (1 << bits) < len(g)*4/3 {
		bits++
	}
	n := 1 << bits
	fps := make([]uint32, n)
	fl := make([]uint16, n)
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h := hash(k)
		fp := uint32(h>>32) | 1
		for i := int(h) & (n - 1); ; i = (i + 1) & (n - 1) {
			if fps[i] == 0 {
				fps[i], fl[i] = fp, g[k]
				break
			}
			if fps[i] == fp {
				fl[i] |= g[k] // a fingerprint collision merges flags; rare and harmless
				break
			}
		}
	}
	out := make([]byte, 8, 8+6*n)
	copy(out, "KGZ2")
	binary.LittleEndian.PutUint32(out[4:], uint32(bits))
	for i, f := range fps {
		out = binary.LittleEndian.AppendUint32(out, f)
		out = binary.LittleEndian.AppendUint16(out, fl[i])
	}
	return out
}

// hash is FNV-1a, 64 bits; internal/pii/gazetteer.go computes the same.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func eachLine(path string, fn func(string)) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimPrefix(sc.Text(), "\ufeff")
		if l != "" && !strings.HasPrefix(l, "#") {
			fn(l)
		}
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
}

func eachCSV(path string, fn func([]string)) { eachDelim(path, ',', fn) }
func eachTSV(path string, fn func([]string)) { eachDelim(path, '\t', fn) }

func eachDelim(path string, sep rune, fn func([]string)) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	if _, err := r.Read(); err != nil { // header
		log.Fatal(err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			log.Fatalf("%s: %v", path, err)
		}
		fn(rec)
	}
}
