package pii

import (
	"unicode"
	"unicode/utf8"
)

// mac detects a MAC address: six hex pairs joined by ':' or by '-'.
func (sc *scanner) mac(i int) int {
	s := sc.s
	e := i + 17
	if e > len(s) {
		return 0
	}
	sep := s[i+2]
	if sep != ':' && sep != '-' {
		return 0
	}
	for k := 0; k < 6; k++ {
		p := i + 3*k
		if !isHex(s[p]) || !isHex(s[p+1]) || (k < 5 && s[p+2] != sep) {
			return 0
		}
	}
	if e < len(s) && (isAlnum(s[e]) || s[e] == sep && e+1 < len(s) && isHex(s[e+1])) {
		return 0
	}
	return sc.add(MACAddress, i, e)
}

// ipv6 detects an IPv6 address that starts with a hex group at s[i]. It needs
// at least three groups so that "a::b" in code is not taken for one. It
// returns the end of the finding, the end of a colon-separated hex run that
// is not an address, or 0.
func (sc *scanner) ipv6(i int) int {
	s := sc.s
	e := i
	colons, groups, last := 0, 0, i
	for e < len(s) && (isHex(s[e]) || s[e] == ':') {
		if s[e] == ':' {
			colons++
		} else if e == i || s[e-1] == ':' {
			groups++
			last = e
		}
		e++
	}
	// An embedded IPv4 address ("::ffff:192.0.2.1") ends the run; any other
	// dot does not belong to it.
	if e < len(s) && s[e] == '.' && last > i && allDigits(s[last:e]) {
		x := e
		for x < len(s) && (isDigit(s[x]) || s[x] == '.') {
			x++
		}
		for x > e && s[x-1] == '.' {
			x--
		}
		if validIPv4(s[last:x]) {
			e = x
			groups++
		}
	}
	if e > i+1 && s[e-1] == ':' && s[e-2] != ':' {
		e-- // a colon after the address ("fe80::1: ...") is punctuation
	}
	if colons < 2 {
		return 0
	}
	// An e-mail address may begin inside the run or right after it
	// ("…::0:0X@host", "…::X@host"): the address then ends where the
	// e-mail's local part begins, as it does once the e-mail is redacted.
	mail := false
	if e < len(s) && isAlnum(s[e]) {
		if ls := localStart(s, i, e); ls >= 0 {
			e, mail = ls, true
			if e > i+1 && s[e-1] == ':' && s[e-2] != ':' {
				e--
			}
			colons, groups = 0, 0
			for k := i; k < e; k++ {
				if s[k] == ':' {
					colons++
				} else if k == i || s[k-1] == ':' {
					groups++
				}
			}
			if colons < 2 {
				return 0
			}
		}
	}
	// From here on the run is colon-separated hex: if it is not an address,
	// no part of it is either, so the scan resumes after it.
	if groups < 3 || (e < len(s) && isAlnum(s[e]) && !mail) {
		return e
	}
	if !validIPv6(s[i:e]) {
		return e
	}
	return sc.add(IPAddress, i, e)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// validIPv6 reports whether a is an IPv6 address in text form (RFC 4291
// section 2.2, without a zone). It does what netip.ParseAddr does without
// allocating an error for the many colon runs that are not addresses.
func validIPv6(a string) bool {
	groups, elided := 0, false
	for i := 0; i < len(a); {
		if a[i] == ':' {
			if i+1 < len(a) && a[i+1] == ':' {
				if elided {
					return false
				}
				elided = true
				i += 2
				if i == len(a) {
					break
				}
				continue
			}
			if i == 0 || i+1 == len(a) {
				return false
			}
			i++
		}
		j := i
		for j < len(a) && j-i < 5 && isHex(a[j]) {
			j++
		}
		if j < len(a) && a[j] == '.' {
			// Embedded IPv4 in the last 32 bits.
			if !validIPv4(a[i:]) {
				return false
			}
			groups += 2
			break
		}
		if j == i || j-i > 4 || (j < len(a) && a[j] != ':') {
			return false
		}
		groups++
		i = j
	}
	if elided {
		return groups <= 7
	}
	return groups == 8
}

func validIPv4(a string) bool {
	parts := 0
	for i := 0; i <= len(a); {
		j := i
		for j < len(a) && isDigit(a[j]) {
			j++
		}
		if j == i || j-i > 3 || (j-i > 1 && a[i] == '0') || atoi(a[i:j]) > 255 {
			return false
		}
		parts++
		if j == len(a) {
			break
		}
		if a[j] != '.' {
			return false
		}
		i = j + 1
	}
	return parts == 4
}

// localStart returns where an e-mail local part that ends at an '@' after
// e begins, if it begins inside [i, e] (a run of hex groups); -1 otherwise.
func localStart(s string, i, e int) int {
	p := e
	for p < len(s) {
		if class[s[p]]&cLocal != 0 {
			p++
			continue
		}
		// An internationalised local part (RFC 6531), as at() takes it.
		if r, sz := utf8.DecodeRuneInString(s[p:]); s[p] >= utf8.RuneSelf && unicode.IsLetter(r) {
			p += sz
			continue
		}
		break
	}
	if p+1 >= len(s) || s[p] != '@' || !isAlnum(s[p+1]) {
		return -1
	}
	ls := p
	for ls > i {
		if class[s[ls-1]]&cLocal != 0 {
			ls--
			continue
		}
		if r, sz := utf8.DecodeLastRuneInString(s[:ls]); s[ls-1] >= utf8.RuneSelf && unicode.IsLetter(r) {
			ls -= sz
			continue
		}
		break
	}
	if ls > e {
		return -1
	}
	return ls
}
