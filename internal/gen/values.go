package gen

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Word lists every theme can use, pipe-separated.
var globalWords = map[string]string{
	"first":   "James|Mary|Robert|Patricia|John|Jennifer|Michael|Linda|David|Elizabeth|William|Barbara|Richard|Susan|Joseph|Jessica|Thomas|Sarah|Carlos|Karen|Daniel|Lisa|Matthew|Nancy|Anthony|Priya|Mark|Sandra|Wei|Ashley|Kenji|Emily|Ahmed|Olivia|Lucas|Sofia|Mateo|Chloe|Arjun|Fatima|Ivan|Hannah|Noah|Aisha|Liam|Yuki|Omar|Elena|Diego|Amara",
	"last":    "Smith|Johnson|Williams|Brown|Jones|Garcia|Miller|Davis|Rodriguez|Martinez|Hernandez|Lopez|Wilson|Anderson|Thomas|Taylor|Moore|Jackson|Martin|Lee|Perez|Thompson|White|Harris|Clark|Nguyen|Patel|Kim|Schmidt|Muller|Rossi|Silva|Tanaka|Kowalski|Novak|Okafor|Haddad|Ivanova|Cohen|Larsen",
	"city":    "New York|London|Paris|Berlin|Tokyo|Lisbon|Austin|Chicago|Toronto|Sydney|Barcelona|Amsterdam|Seoul|Singapore|Dubai|Mexico City|San Francisco|Seattle|Denver|Mumbai|Bangalore|Nairobi|Lagos|Istanbul|Prague|Vienna|Bali|Bangkok|Cape Town|Buenos Aires",
	"month":   "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec",
	"handle":  "devnull42|cryptokat|pixelpusher|maria_codes|thebrewer|nightowl_dev|sam.builds|lena_reads|quietquant|gh0stwriter|kai_travels|blocknomad|tofu_chef|runwithjoe|greenthumb99|mkt_maven|lambda_lou|vinylvince|zenmaster_k|artsy_ana",
	"brandco": "Acme|Northwind|Globex|Initech|Umbrella Labs|Stark Studio|Wayne Digital|Hooli|Vandelay|Soylent|Cyberdyne|Tyrell|Aperture|Pied Piper|Massive Dynamic",
}

// Value generators every theme can use. Their values are safe in JSON and
// URLs as written.
var generators = map[string]func(r *rand.Rand, dst []byte) []byte{
	"n":     func(r *rand.Rand, d []byte) []byte { return strconv.AppendInt(d, int64(1+r.IntN(999)), 10) },
	"n2":    func(r *rand.Rand, d []byte) []byte { return strconv.AppendInt(d, int64(1+r.IntN(999)), 10) },
	"k2":    func(r *rand.Rand, d []byte) []byte { return strconv.AppendInt(d, int64(2+r.IntN(48)), 10) },
	"k":     func(r *rand.Rand, d []byte) []byte { return strconv.AppendInt(d, int64(2+r.IntN(48)), 10) },
	"big":   func(r *rand.Rand, d []byte) []byte { return strconv.AppendInt(d, int64(1000+r.IntN(99000)), 10) },
	"id":    func(r *rand.Rand, d []byte) []byte { return strconv.AppendInt(d, int64(10000000+r.IntN(89999999)), 10) },
	"hex8":  func(r *rand.Rand, d []byte) []byte { return appendHex(r, d, 8) },
	"hex12": func(r *rand.Rand, d []byte) []byte { return appendHex(r, d, 12) },
	"hash":  func(r *rand.Rand, d []byte) []byte { return appendHex(r, append(d, "0x"...), 64) },
	"wallet": func(r *rand.Rand, d []byte) []byte {
		return appendHex(r, append(d, "0x"...), 40)
	},
	"short":  func(r *rand.Rand, d []byte) []byte { return appendAlnum(r, d, 6) },
	"ytid":   func(r *rand.Rand, d []byte) []byte { return appendFrom(r, d, 11, b64url) },
	"price":  func(r *rand.Rand, d []byte) []byte { return appendMoney(d, 99+r.IntN(29900)) },
	"price2": func(r *rand.Rand, d []byte) []byte { return appendMoney(d, 1000+r.IntN(4_000_000)) },
	"price3": func(r *rand.Rand, d []byte) []byte { return appendMoney(d, 1000+r.IntN(4_000_000)) },
	"pct": func(r *rand.Rand, d []byte) []byte {
		return strconv.AppendFloat(d, float64(r.IntN(2500))/100, 'f', 2, 64)
	},
	"year": func(r *rand.Rand, d []byte) []byte { return strconv.AppendInt(d, int64(2012+r.IntN(13)), 10) },
	"mm": func(r *rand.Rand, d []byte) []byte {
		m := 1 + r.IntN(12)
		return append(d, byte('0'+m/10), byte('0'+m%10))
	},
	"season": func(r *rand.Rand, d []byte) []byte { return strconv.AppendInt(d, int64(1+r.IntN(6)), 10) },
	"day":    func(r *rand.Rand, d []byte) []byte { return strconv.AppendInt(d, int64(1+r.IntN(28)), 10) },
	"clock":  appendClock,
	"clock2": appendClock,
	"clock3": appendClock,
	"mins":   func(r *rand.Rand, d []byte) []byte { return strconv.AppendInt(d, int64(5+r.IntN(175)), 10) },
	"rating": func(r *rand.Rand, d []byte) []byte {
		return strconv.AppendFloat(d, 3+float64(r.IntN(20))/10, 'f', 1, 64)
	},
	"count": appendCount,
	"ver": func(r *rand.Rand, d []byte) []byte {
		d = strconv.AppendInt(d, int64(r.IntN(5)), 10)
		d = append(d, '.')
		d = strconv.AppendInt(d, int64(r.IntN(30)), 10)
		d = append(d, '.')
		return strconv.AppendInt(d, int64(r.IntN(12)), 10)
	},
	// PII values: only the PII lines and URL/title placements use them.
	"email": appendEmail,
	"phone": appendPhone,
	"card":  appendCard,
	"iban":  appendIBAN,
	"ssn":   appendSSN,
	"ip":    appendIP,
	"jwt":   appendJWT,
	"token": func(r *rand.Rand, d []byte) []byte { return appendHex(r, d, 32) },
	"skkey": func(r *rand.Rand, d []byte) []byte { return appendAlnum(r, append(d, "sk_live_"...), 24) },
	"exp": func(r *rand.Rand, d []byte) []byte {
		m := 1 + r.IntN(12)
		if m < 10 {
			d = append(d, '0')
		}
		d = strconv.AppendInt(d, int64(m), 10)
		d = append(d, '/')
		return strconv.AppendInt(d, int64(26+r.IntN(5)), 10)
	},
}

const (
	hexDigits = "0123456789abcdef"
	alnum     = "abcdefghijklmnopqrstuvwxyz0123456789"
	b64url    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

func appendHex(r *rand.Rand, d []byte, n int) []byte {
	for n > 0 {
		v := r.Uint64()
		for i := 0; i < 16 && n > 0; i++ {
			d = append(d, hexDigits[v&15])
			v >>= 4
			n--
		}
	}
	return d
}

func appendFrom(r *rand.Rand, d []byte, n int, alphabet string) []byte {
	for range n {
		d = append(d, alphabet[r.IntN(len(alphabet))])
	}
	return d
}

func appendAlnum(r *rand.Rand, d []byte, n int) []byte { return appendFrom(r, d, n, alnum) }

// appendMoney writes cents as 1,234.56.
func appendMoney(d []byte, cents int) []byte {
	units := cents / 100
	s := strconv.Itoa(units)
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			d = append(d, ',')
		}
		d = append(d, s[i])
	}
	d = append(d, '.')
	c := cents % 100
	d = append(d, byte('0'+c/10), byte('0'+c%10))
	return d
}

func appendClock(r *rand.Rand, d []byte) []byte {
	h, m := r.IntN(24), r.IntN(60)
	d = append(d, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10))
	return d
}

func appendCount(r *rand.Rand, d []byte) []byte {
	switch r.IntN(3) {
	case 0:
		return strconv.AppendInt(d, int64(10+r.IntN(990)), 10)
	case 1:
		d = strconv.AppendFloat(d, 1+float64(r.IntN(980))/10, 'f', 1, 64)
		return append(d, 'K')
	}
	d = strconv.AppendFloat(d, 1+float64(r.IntN(90))/10, 'f', 1, 64)
	return append(d, 'M')
}

// PII generators. They make values that look real and pass the checks a
// scrubber may apply (Luhn for cards, mod-97 for IBANs, valid SSN ranges),
// but are random.

var (
	emailFirst   = strings.Split(strings.ToLower(globalWords["first"]), "|")
	emailLast    = strings.Split(strings.ToLower(globalWords["last"]), "|")
	emailDomains = []string{"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me", "gmx.de", "fastmail.com", "company.io", "example-corp.com"}
)

func appendEmail(r *rand.Rand, d []byte) []byte {
	f, l := emailFirst[r.IntN(len(emailFirst))], emailLast[r.IntN(len(emailLast))]
	switch r.IntN(4) {
	case 0:
		d = append(append(append(d, f...), '.'), l...)
	case 1:
		d = append(append(d, f[0]), l...)
	case 2:
		d = append(append(append(d, f...), '_'), l...)
		d = strconv.AppendInt(d, int64(r.IntN(100)), 10)
	default:
		d = append(d, f...)
		d = strconv.AppendInt(d, int64(1970+r.IntN(40)), 10)
	}
	return append(append(d, '@'), emailDomains[r.IntN(len(emailDomains))]...)
}

func appendDigits(r *rand.Rand, d []byte, n int) []byte {
	for range n {
		d = append(d, byte('0'+r.IntN(10)))
	}
	return d
}

func appendPhone(r *rand.Rand, d []byte) []byte {
	switch r.IntN(5) {
	case 0: // (415) 555-0134
		d = append(d, '(')
		d = append(d, byte('2'+r.IntN(8)))
		d = appendDigits(r, d, 2)
		d = append(d, ") "...)
		d = append(d, byte('2'+r.IntN(8)))
		d = appendDigits(r, d, 2)
		d = append(d, '-')
		return appendDigits(r, d, 4)
	case 1: // +1 415-555-0134
		d = append(d, "+1 "...)
		d = append(d, byte('2'+r.IntN(8)))
		d = appendDigits(r, d, 2)
		d = append(d, '-')
		d = append(d, byte('2'+r.IntN(8)))
		d = appendDigits(r, d, 2)
		d = append(d, '-')
		return appendDigits(r, d, 4)
	case 2: // +44 20 7946 0958
		d = append(d, "+44 20 "...)
		d = appendDigits(r, d, 4)
		d = append(d, ' ')
		return appendDigits(r, d, 4)
	case 3: // +49 30 12345678
		d = append(d, "+49 "...)
		d = append(d, byte('1'+r.IntN(8)))
		d = appendDigits(r, d, 1)
		d = append(d, ' ')
		return appendDigits(r, d, 8)
	}
	d = append(d, "+91 9"...) // +91 98765 43210
	d = appendDigits(r, d, 4)
	d = append(d, ' ')
	return appendDigits(r, d, 5)
}

// appendCard writes a Luhn-valid Visa, Mastercard or Amex number, grouped
// with spaces or dashes or not at all.
func appendCard(r *rand.Rand, d []byte) []byte {
	var num [16]byte
	n := 16
	switch r.IntN(3) {
	case 0:
		num[0] = 4
	case 1:
		num[0], num[1] = 5, byte(1+r.IntN(5))
	default:
		n = 15
		num[0], num[1] = 3, 4
	}
	start := 1
	if num[1] != 0 {
		start = 2
	}
	for i := start; i < n-1; i++ {
		num[i] = byte(r.IntN(10))
	}
	// Luhn: double every second digit from the right, the check digit excluded.
	sum := 0
	for i := n - 2; i >= 0; i-- {
		v := int(num[i])
		if (n-2-i)%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	num[n-1] = byte((10 - sum%10) % 10)
	sep := " -"[r.IntN(2)]
	plain := r.IntN(4) == 0
	for i := range n {
		if !plain && i > 0 && (n == 16 && i%4 == 0 || n == 15 && (i == 4 || i == 10)) {
			d = append(d, sep)
		}
		d = append(d, '0'+num[i])
	}
	return d
}

// appendIBAN writes a German or French IBAN with valid check digits, in
// groups of four.
func appendIBAN(r *rand.Rand, d []byte) []byte {
	var bban []byte
	country := "DE"
	if r.IntN(2) == 0 {
		bban = appendDigits(r, make([]byte, 0, 18), 18)
	} else {
		country = "FR"
		bban = appendDigits(r, make([]byte, 0, 23), 23)
	}
	// mod 97 of BBAN + country letters as numbers + "00".
	rem := 0
	for _, c := range bban {
		rem = (rem*10 + int(c-'0')) % 97
	}
	for _, c := range country + "00" {
		if c >= 'A' {
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	check := 98 - rem
	full := append([]byte(country), byte('0'+check/10), byte('0'+check%10))
	full = append(full, bban...)
	for i, c := range full {
		if i > 0 && i%4 == 0 {
			d = append(d, ' ')
		}
		d = append(d, c)
	}
	return d
}

func appendSSN(r *rand.Rand, d []byte) []byte {
	area := 1 + r.IntN(664) // 001-665, skipping 666 and 9xx
	d = append(d, byte('0'+area/100), byte('0'+area/10%10), byte('0'+area%10), '-')
	g := 1 + r.IntN(99)
	d = append(d, byte('0'+g/10), byte('0'+g%10), '-')
	s := 1 + r.IntN(9999)
	return append(d, byte('0'+s/1000), byte('0'+s/100%10), byte('0'+s/10%10), byte('0'+s%10))
}

func appendIP(r *rand.Rand, d []byte) []byte {
	d = strconv.AppendInt(d, int64(11+r.IntN(180)), 10)
	for range 3 {
		d = append(d, '.')
		d = strconv.AppendInt(d, int64(1+r.IntN(254)), 10)
	}
	return d
}

func appendJWT(r *rand.Rand, d []byte) []byte {
	d = append(d, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."...)
	d = appendFrom(r, d, 40+r.IntN(40), b64url)
	d = append(d, '.')
	return appendFrom(r, d, 43, b64url)
}
