package pii

// ibanLength returns the IBAN length for a country code (upper case), or 0
// for a country that does not use IBANs. Source: the SWIFT IBAN registry.
func ibanLength(c0, c1 byte) int {
	switch string([]byte{c0, c1}) {
	case "NO":
		return 15
	case "BE":
		return 16
	case "DK", "FI", "FK", "FO", "GL", "NL", "SD":
		return 18
	case "MK", "SI":
		return 19
	case "AT", "BA", "EE", "KZ", "LT", "LU", "MN", "XK":
		return 20
	case "CH", "HR", "LI", "LV":
		return 21
	case "BG", "BH", "CR", "DE", "GB", "GE", "IE", "ME", "RS", "VA":
		return 22
	case "AE", "GI", "IL", "IQ", "OM", "SO", "TL":
		return 23
	case "AD", "CZ", "ES", "MD", "PK", "RO", "SA", "SE", "SK", "TN", "VG":
		return 24
	case "LY", "PT", "ST":
		return 25
	case "IS", "TR":
		return 26
	case "BI", "DJ", "FR", "GR", "IT", "MC", "MR", "SM":
		return 27
	case "AL", "AZ", "BY", "CY", "DO", "GT", "HU", "LB", "NI", "PL", "SV":
		return 28
	case "BR", "EG", "PS", "QA", "UA":
		return 29
	case "JO", "KW", "MU", "YE":
		return 30
	case "MT", "SC":
		return 31
	case "LC":
		return 32
	case "RU":
		return 33
	}
	return 0
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// iban detects an IBAN at s[i] (two letters, two digits), contiguous or
// printed in groups of four, with the country's length and a valid mod-97
// check.
func (sc *scanner) iban(i int) int {
	s := sc.s
	l := ibanLength(upper(s[i]), upper(s[i+1]))
	if l == 0 {
		return 0
	}
	var b [34]byte
	n, p := 0, i
	for n < l && p < len(s) {
		c := s[p]
		if isAlnum(c) {
			b[n] = upper(c)
			n++
			p++
			continue
		}
		if c == ' ' && n%4 == 0 && p+1 < len(s) && isAlnum(s[p+1]) {
			p++
			continue
		}
		break
	}
	if n < l || (p < len(s) && isAlnum(s[p])) {
		return 0
	}
	r := 0
	for k := 0; k < l; k++ {
		c := b[(k+4)%l]
		switch {
		case isDigit(c):
			r = (r*10 + int(c-'0')) % 97
		case 'A' <= c && c <= 'Z':
			r = (r*100 + int(c-'A') + 10) % 97
		default:
			return 0
		}
	}
	if r != 1 {
		return 0
	}
	return sc.add(IBAN, i, p)
}
