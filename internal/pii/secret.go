package pii

import (
	"math"
	"strings"
)

// Secrets: tokens with a documented prefix, JWTs, PEM private keys, and values
// assigned to key/token/secret/password names.

// maxSecret is the longest value taken for a secret.
const maxSecret = 4096

// runOf returns the end of the run of bytes in class k starting at s[i].
func runOf(s string, i int, k uint8) int {
	for i < len(s) && class[s[i]]&k != 0 {
		i++
	}
	return i
}

// alnumEnd returns the end of the run of ASCII letters and digits at s[i].
func alnumEnd(s string, i int) int { return runOf(s, i, cAlnum) }

// prefixed handles a letter-initial run s[i:j] that may begin a credential
// with a well-known prefix, a Bech32 address or a bearer token.
func (sc *scanner) prefixed(i, j int) int {
	s := sc.s
	w := s[i:j]
	next := byte(0)
	if j < len(s) {
		next = s[j]
	}
	switch s[i] {
	case 'A':
		if len(w) == 20 {
			switch w[:4] {
			case "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA":
				for k := 4; k < 20; k++ {
					if c := w[k]; !(isDigit(c) || 'A' <= c && c <= 'Z') {
						return 0
					}
				}
				return sc.add(Secret, i, j)
			}
		}
		if strings.HasPrefix(w, "AIza") {
			e := runOf(s, i, cB64URL)
			return sc.secretIf(e-i == 39, i, e)
		}
	case 'e':
		if strings.HasPrefix(w, "eyJ") {
			return sc.jwt(i)
		}
	case 'g':
		switch {
		case next == '_' && (w == "ghp" || w == "gho" || w == "ghu" || w == "ghs" || w == "ghr"):
			e := alnumEnd(s, j+1)
			return sc.secretIf(e-j-1 >= 36, i, e)
		case next == '_' && w == "github" && strings.HasPrefix(s[j:], "_pat_"):
			e := runOf(s, j+5, cAlnum|cB64URL)
			return sc.secretIf(e-j-5 >= 40, i, e)
		case next == '-' && (w == "glpat" || w == "gldt" || w == "glrt" || w == "glptt" || w == "glsoat"):
			e := runOf(s, j+1, cB64URL)
			return sc.secretIf(e-j-1 >= 20, i, e)
		}
	case 'x':
		if next == '-' && len(w) == 4 && strings.HasPrefix(w, "xox") && strings.IndexByte("abeoprs", w[3]) >= 0 {
			e := runOf(s, i, cB64URL)
			return sc.secretIf(e-i >= 15, i, e)
		}
	case 's', 'r':
		if (w == "sk" || w == "rk") && next == '_' &&
			(strings.HasPrefix(s[j:], "_live_") || strings.HasPrefix(s[j:], "_test_")) {
			e := alnumEnd(s, j+6)
			return sc.secretIf(e-j-6 >= 16, i, e)
		}
		if w == "sk" && next == '-' {
			e := runOf(s, i, cB64URL)
			return sc.secretIf(e-i >= 40, i, e)
		}
	case 'w':
		if w == "whsec" && next == '_' {
			e := runOf(s, j+1, cB64URL)
			return sc.secretIf(e-j-1 >= 24, i, e)
		}
	case 'y':
		if w == "ya29" && next == '.' {
			e := runOf(s, j+1, cB64URL)
			return sc.secretIf(e-j-1 >= 20, i, e)
		}
	case 'n':
		if w == "npm" && next == '_' {
			e := alnumEnd(s, j+1)
			return sc.secretIf(e-j-1 == 36, i, e)
		}
	case 'b', 'B':
		if len(w) >= 42 && (strings.HasPrefix(w, "bc1") || strings.HasPrefix(w, "BC1")) {
			return sc.bech32(i, j)
		}
		if next == ' ' && (w == "Bearer" || w == "bearer") {
			v := j + 1
			e := bearerEnd(s, v)
			if secretValue(secretToken, s[v:e]) {
				return sc.add(Secret, v, e)
			}
			sc.reject(secretToken, v, e)
		}
	}
	return 0
}

// secretIf records s[i:e] as a secret if ok. Either way the scan resumes at
// e: a run that starts with a credential prefix holds nothing else.
func (sc *scanner) secretIf(ok bool, i, e int) int {
	if ok && e-i <= maxSecret {
		return sc.add(Secret, i, e)
	}
	return e
}

// bearerEnd returns the end of an RFC 6750 token68 at s[v].
func bearerEnd(s string, v int) int {
	for v < len(s) {
		c := s[v]
		if !(isAlnum(c) || strings.IndexByte("-._~+/=", c) >= 0) {
			break
		}
		v++
	}
	return v
}

// jwt detects header.payload[.signature...] where the header is base64url
// JSON ("eyJ" is the encoding of `{"`).
func (sc *scanner) jwt(i int) int {
	s := sc.s
	e := runOf(s, i, cB64URL)
	if e-i < 10 || e >= len(s) || s[e] != '.' {
		return e // not a JWT: resume after the run
	}
	f := runOf(s, e+1, cB64URL)
	if f-e-1 < 4 {
		return e
	}
	e = f
	for e+1 < len(s) && s[e] == '.' && class[s[e+1]]&cB64URL != 0 {
		e = runOf(s, e+1, cB64URL)
	}
	if e < len(s) && s[e] == '.' { // unsigned token: "header.payload."
		e++
	}
	return sc.add(Secret, i, e)
}

// pem detects a PEM private key block at s[i] ("-----BEGIN ... PRIVATE KEY-----").
// Without its END line, everything to the end of the text is taken.
func (sc *scanner) pem(i int) int {
	s := sc.s
	const begin = "-----BEGIN "
	if !strings.HasPrefix(s[i:], begin) {
		return 0
	}
	h := i + len(begin)
	le := strings.Index(s[h:min(len(s), h+80)], "-----")
	if le < 0 || !strings.Contains(s[h:h+le], "PRIVATE KEY") {
		return 0
	}
	body := h + le + 5
	end := strings.Index(s[body:], "-----END ")
	if end < 0 {
		return sc.add(Secret, i, len(s))
	}
	e := body + end + len("-----END ")
	if k := strings.Index(s[e:min(len(s), e+80)], "-----"); k >= 0 {
		e += k + 5
	} else {
		e = len(s)
	}
	return sc.add(Secret, i, e)
}

// assignment handles '=' or ':' at s[i:i+w] (w is 3 for the encoding "%3D"):
// a sensitive URL parameter, or a secret assigned to a credential-like name.
func (sc *scanner) assignment(i, w int) int {
	s := sc.s
	eq := s[i] != ':'
	ke := i
	for ke > 0 && i-ke < 2 && s[ke-1] == ' ' {
		ke-- // "key = value"
	}
	quoted := ke > 0 && (s[ke-1] == '"' || s[ke-1] == '\'')
	if quoted {
		ke--
	}
	ks := ke
	for ks > 0 && ke-ks < 40 && isKeyChar(sc.before(ks-1)) && !paramStart(s, ks) {
		ks--
	}
	if ks == ke || (ks > 0 && isKeyChar(sc.before(ks-1)) && !paramStart(s, ks)) {
		return 0
	}
	if quoted && (ks == 0 || sc.before(ks-1) != s[ke]) {
		return 0
	}
	var b [40]byte
	name := b[:ke-ks]
	for k := range name {
		name[k] = lower(s[ks+k])
	}
	if eq && ke == i && paramStart(s, ks) {
		if !sensitiveParam(name) {
			return 0
		}
		v := i + w
		e := sc.paramValueEnd(v)
		if e == v || s[v] == '<' {
			return 0
		}
		return sc.add(URLParam, v, e)
	}
	kind := secretName(name)
	if kind == 0 {
		return 0
	}
	v := i + w
	for v < len(s) && v-i <= 3 && (s[v] == ' ' || s[v] == '\t') {
		v++
	}
	if v < len(s) && (s[v] == '"' || s[v] == '\'') {
		v++
	}
	for _, scheme := range [...]string{"Bearer ", "bearer ", "Basic ", "Token ", "token "} {
		if strings.HasPrefix(s[v:], scheme) {
			v += len(scheme)
			break
		}
	}
	e := sc.valueEnd(v)
	if !secretValue(kind, s[v:e]) {
		sc.reject(kind, v, e)
		return 0
	}
	return sc.add(Secret, v, e)
}

// secretValue reports whether v, assigned to a name of the given kind, is a
// secret.
func secretValue(kind int, v string) bool {
	if kind == secretPassword {
		return len(v) >= 6 && len(v) <= maxSecret && mixed(v)
	}
	return len(v) >= 16 && len(v) <= maxSecret && looksRandom(v, 16)
}

// reject remembers an assigned value that was not taken for a secret. If an
// entity is later found inside it, Scrub's output holds only the part before
// that entity's placeholder, and a second pass judges that part; resolve
// judges it the same way in the first pass.
func (sc *scanner) reject(kind, v, e int) {
	if sc.nrej < len(sc.rej) {
		sc.rej[sc.nrej] = rejected{kind: kind, v: v, e: e}
		sc.nrej++
	}
}

type rejected struct{ kind, v, e int }

// resolve re-judges rejected values that an inner finding cuts short.
func (sc *scanner) resolve() {
	for _, r := range sc.rej[:sc.nrej] {
		k := 0
		for k < len(sc.out) && sc.out[k].Start <= r.v {
			k++
		}
		if k == len(sc.out) || sc.out[k].Start >= r.e || (k > 0 && sc.out[k-1].End > r.v) {
			continue
		}
		f := sc.out[k].Start
		if !secretValue(r.kind, sc.s[r.v:f]) {
			continue
		}
		sc.out = append(sc.out, Finding{})
		copy(sc.out[k+1:], sc.out[k:])
		sc.out[k] = Finding{Type: Secret, Start: r.v, End: f}
	}
}

// valueEnd returns the end of an assigned value starting at v. The end found
// last is remembered: every start before it shares it, which keeps text
// full of '=' linear.
func (sc *scanner) valueEnd(v int) int {
	if sc.valEnd != 0 && sc.valFrom <= v && v <= sc.valEnd {
		return sc.valEnd
	}
	s := sc.s
	e := v
	for e < len(s) {
		c := s[e]
		if c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '&' || c == ',' || c == ';' || c == '}' || c == ')' {
			break
		}
		e++
	}
	sc.valFrom, sc.valEnd = v, e
	return e
}

const (
	secretPassword = 1
	secretToken    = 2
)

// secretName classifies a lower-cased assignment name.
func secretName(name []byte) int {
	n := string(name) // the comparisons below do not retain it
	// Every password word contains "pass" or "pwd", and every token word
	// "secret", "token", "key" or "credential": most names (https, utm_source)
	// need only one pass over their bytes.
	pw, tok := secretStems(n)
	if pw {
		for _, w := range [...]string{"password", "passwd", "passphrase", "pwd"} {
			if strings.Contains(n, w) {
				return secretPassword
			}
		}
		if n == "pass" {
			return secretPassword
		}
	}
	if tok {
		for _, w := range [...]string{"secret", "token", "apikey", "api_key", "api-key", "accesskey",
			"access_key", "privatekey", "private_key", "credential"} {
			if strings.Contains(n, w) {
				return secretToken
			}
		}
	}
	switch n {
	case "key", "auth", "authorization", "sig", "signature", "session", "sessionid", "sid", "x-api-key":
		return secretToken
	}
	return 0
}

// secretStems reports whether n contains "pass" or "pwd" (pw), and whether
// it contains "key", "secret", "token" or "credential" (tok).
func secretStems(n string) (pw, tok bool) {
	for k := 0; k < len(n); k++ {
		r := n[k:]
		switch n[k] {
		case 'p':
			pw = pw || strings.HasPrefix(r, "pass") || strings.HasPrefix(r, "pwd")
		case 'k':
			tok = tok || strings.HasPrefix(r, "key")
		case 's':
			tok = tok || strings.HasPrefix(r, "secret")
		case 't':
			tok = tok || strings.HasPrefix(r, "token")
		case 'c':
			tok = tok || strings.HasPrefix(r, "credential")
		}
	}
	return pw, tok
}

// mixed reports whether v uses at least two of: lower case, upper case,
// digits, other printable bytes.
func mixed(v string) bool {
	var m uint8
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case 'a' <= c && c <= 'z':
			m |= 1
		case 'A' <= c && c <= 'Z':
			m |= 2
		case isDigit(c):
			m |= 4
		default:
			m |= 8
		}
	}
	return m&(m-1) != 0
}

// looksRandom reports whether v looks like a generated credential: letters
// and digits mixed, and a Shannon entropy of at least 3 bits per byte.
func looksRandom(v string, minLen int) bool {
	if len(v) < minLen {
		return false
	}
	letters, digits := false, false
	var counts [128]uint16
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 128 {
			return false
		}
		counts[c]++
		letters = letters || isAlpha(c)
		digits = digits || isDigit(c)
	}
	if !letters || !digits {
		return false
	}
	h := 0.0
	n := float64(len(v))
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			h -= p * math.Log2(p)
		}
	}
	return h >= 3.0
}
