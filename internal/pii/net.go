package pii

import "net/netip"

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
// at least three groups so that "a::b" in code is not taken for one.
func (sc *scanner) ipv6(i int) int {
	s := sc.s
	e := i
	colons, groups := 0, 0
	inGroup := false
	for e < len(s) && e-i < 46 {
		c := s[e]
		switch {
		case c == ':':
			colons++
			inGroup = false
		case isHex(c) || c == '.':
			if !inGroup {
				groups++
				inGroup = true
			}
		default:
			goto done
		}
		e++
	}
done:
	for e > i && (s[e-1] == ':' || s[e-1] == '.') {
		if s[e-1] == ':' && e-2 > i && s[e-2] == ':' {
			break // "fe80::" ends with ::
		}
		e--
	}
	if colons < 2 || groups < 3 || (e < len(s) && isAlnum(s[e])) {
		return 0
	}
	a, err := netip.ParseAddr(s[i:e])
	if err != nil || !a.Is6() {
		return 0
	}
	return sc.add(IPAddress, i, e)
}
