package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// E-mail addresses, URL userinfo and URL parameters.

func isUserinfo(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '-', '.', '_', '~', '%', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':':
		return true
	}
	return false
}

// at handles an '@' at s[i:k] (or its encoding "%40"): URL userinfo when the
// text before it reaches back to "://", otherwise an e-mail address when both
// the local part and the domain are well formed.
func (sc *scanner) at(i, k int) int {
	s := sc.s
	if k >= len(s) || !(isAlnum(s[k]) || s[k] >= utf8.RuneSelf) {
		return 0
	}
	if s[i] == '@' {
		u := i
		for u > 0 && i-u < 256 && isUserinfo(sc.before(u-1)) {
			u--
		}
		if u < i && u >= 3 && s[u-3:u] == "://" {
			return sc.add(URLCredentials, u, i)
		}
	}
	ls := i
	for ls > 0 {
		c := sc.before(ls - 1)
		n := 0
		if class[c]&cLocal != 0 {
			n = 1
		} else if c >= utf8.RuneSelf {
			if r, sz := utf8.DecodeLastRuneInString(s[:ls]); unicode.IsLetter(r) {
				n = sz // internationalised local part (RFC 6531)
			}
		}
		if n == 0 {
			break
		}
		if i-ls+n > 64 {
			return 0 // longer than a local part may be
		}
		ls -= n
	}
	for ls < i && (s[ls] == '.' || s[ls] == '%') {
		ls++
	}
	if ls == i || sc.before(i-1) == '.' {
		return 0
	}
	e := domainEnd(s, k)
	if e == 0 {
		return 0
	}
	return sc.add(Email, ls, e)
}

// domainEnd returns the end of a host name of at least two labels starting
// at s[k] whose last label is alphabetic, or 0.
func domainEnd(s string, k int) int {
	q, lastDot := k, -1
	for q < len(s) {
		if q-k > 253 {
			return 0 // longer than a host name may be
		}
		c := s[q]
		if isAlnum(c) || c == '-' {
			q++
			continue
		}
		if c >= utf8.RuneSelf {
			if r, n := utf8.DecodeRuneInString(s[q:]); unicode.IsLetter(r) {
				q += n // internationalised domain name
				continue
			}
		}
		if c == '.' && q+1 < len(s) && (isAlnum(s[q+1]) || s[q+1] >= utf8.RuneSelf) && s[q-1] != '.' && s[q-1] != '-' {
			lastDot = q
			q++
			continue
		}
		break
	}
	if lastDot < 0 || q-lastDot-1 < 2 {
		return 0
	}
	tld := s[lastDot+1 : q]
	if strings.HasPrefix(tld, "xn--") {
		return q
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return 0
		}
	}
	return q
}

func isKeyChar(c byte) bool {
	return isAlnum(c) || c == '_' || c == '-' || c == '.' || c == '[' || c == ']'
}

// paramStart reports whether the parameter name starting at s[ks] follows a
// query or fragment delimiter, plain or percent-encoded.
func paramStart(s string, ks int) bool {
	if ks == 0 {
		return false
	}
	switch s[ks-1] {
	case '?', '&', ';', '#':
		return true
	}
	if ks >= 3 && s[ks-3] == '%' {
		switch s[ks-2 : ks] {
		case "26", "3F", "3f", "23":
			return true
		}
	}
	return false
}

// paramValueEnd returns the end of a parameter value starting at v,
// remembering it as valueEnd does.
func (sc *scanner) paramValueEnd(v int) int {
	if sc.prmEnd != 0 && sc.prmFrom <= v && v <= sc.prmEnd {
		return sc.prmEnd
	}
	s := sc.s
	e := v
scan:
	for e < len(s) {
		switch s[e] {
		case '&', '#', ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '\\':
			break scan
		case '%':
			if e+2 < len(s) && s[e+1] == '2' && (s[e+2] == '6' || s[e+2] == '3') {
				break scan // %26 '&', %23 '#'
			}
		}
		e++
	}
	sc.prmFrom, sc.prmEnd = v, e
	return e
}

// sensitiveParam reports whether a URL parameter name carries a credential or
// an identity. name is at most 40 bytes, already lower-cased.
func sensitiveParam(name []byte) bool {
	switch string(name) {
	case "code", "state", "session", "sessionid", "session_id", "sid", "ssid", "jsessionid",
		"phpsessid", "pass", "passwd", "pwd", "email", "e-mail", "mail", "emailaddress",
		"email_address", "key", "api_key", "apikey", "api-key", "signature", "sig", "auth",
		"authorization", "otp", "ticket", "jwt", "assertion", "samlresponse", "samlrequest",
		"oauth_verifier", "oauth_signature", "phone", "tel", "mobile", "msisdn", "user",
		"username", "user_name", "login", "uid", "user_id", "userid", "ssn", "credential",
		"credentials", "magic", "hash", "nonce", "pin", "wallet", "address":
		return true
	}
	switch string(name) {
	case "token_type", "x-amz-algorithm", "x-amz-date", "x-amz-expires", "x-amz-signedheaders",
		"x-goog-algorithm", "x-goog-date", "x-goog-expires", "x-goog-signedheaders":
		return false // describe the credential, do not carry it
	}
	for _, w := range [...]string{"token", "secret", "password", "apikey", "api_key", "session"} {
		if strings.Contains(string(name), w) { // no allocation: the conversion does not escape
			return true
		}
	}
	return hasPrefix(name, "x-amz-") || hasPrefix(name, "x-goog-")
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }
