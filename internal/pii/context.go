package pii

// Keyword context. A weakly formatted candidate (eight bare digits, a bare
// 64-digit hex string) is accepted only when a keyword nearby says what it is.
// The nearest keyword wins, so "order no. 4451 2210, call us" does not turn
// the order number into a phone number.
//
// A context word is a run of ASCII letters between delimiters from a small
// set, outside every earlier finding. Words glued to '<' '>' '_' '@' '.' are
// not words, so the placeholders that replace findings ("<PHONE_NUMBER>")
// never act as context and Scrub stays idempotent.

type ctxKind uint8

const (
	ctxPhone ctxKind = iota
	ctxSSN
	ctxKey
)

func isWordDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ':', ',', ';', '(', ')', '-', '!', '?', '"', '\'', '[', ']', '*', '|', '#', '\\':
		return true
	}
	return false
}

// wordLeftOK reports whether a word may start at ws. A byte inside a finding
// counts as the '>' that ends its placeholder, which is no delimiter.
func (sc *scanner) wordLeftOK(ws int) bool { return ws == 0 || isWordDelim(sc.before(ws-1)) }

func wordRightOK(s string, we int) bool {
	if we == len(s) || isWordDelim(s[we]) {
		return true
	}
	// "Tel. 555 ..." but not "order.example.com".
	return s[we] == '.' && (we+1 == len(s) || s[we+1] == ' ' || s[we+1] == ':' || s[we+1] == '\n')
}

// context returns +1 if the nearest keyword around s[start:end] is a positive
// keyword of kind, -1 if it is a negative one, and 0 if there is none.
func (sc *scanner) context(start, end int, kind ctxKind) int {
	s := sc.s
	before, dBefore := 0, 0
	lo := max(start-sc.window, 0)
	for p := start; p > lo; {
		// Stop at an earlier finding, and at '>' (the end of a placeholder
		// in already scrubbed text): the distance across them would differ
		// between the original and the scrubbed text.
		if s[p-1] == '>' || sc.inFinding(p-1) {
			break
		}
		if !isAlpha(s[p-1]) {
			p--
			continue
		}
		we := p
		for p > 0 && isAlpha(s[p-1]) {
			p--
		}
		if p < lo {
			break
		}
		if sc.wordLeftOK(p) && wordRightOK(s, we) && !sc.inFinding(p) {
			if v := keyword(kind, s[p:we]); v != 0 {
				before, dBefore = v, start-we
				break
			}
		}
	}
	// After the candidate only the adjacent word counts ("781 1704 office",
	// "082 490 1693-Office"), so later findings cannot change the outcome.
	p := end
	for p < len(s) && p-end < 2 && (s[p] == ' ' || s[p] == '-') {
		p++
	}
	ws := p
	for p < len(s) && isAlpha(s[p]) {
		p++
	}
	if p > ws && ws > end && wordRightOK(s, p) && keyword(kind, s[ws:p]) > 0 {
		if before == 0 || ws-end < dBefore {
			return 1
		}
	}
	return before
}

// keyword classifies a word for a context kind: +1, -1 or 0.
func keyword(kind ctxKind, w string) int {
	if len(w) > 16 || len(w) < 2 {
		return 0
	}
	var b [16]byte
	for i := 0; i < len(w); i++ {
		b[i] = lower(w[i])
	}
	lw := b[:len(w)]
	switch kind {
	case ctxPhone, ctxSSN:
		switch string(lw) {
		case "order", "invoice", "tracking", "ref", "reference", "sku", "isbn", "item",
			"product", "model", "serial", "ticket", "transaction", "tx", "txn", "block",
			"id", "confirmation", "booking", "case", "account", "acct", "zip", "postal",
			"postcode", "version", "build", "page", "pages", "vol", "issue", "patent",
			"price", "total", "qty", "amount", "balance", "gas", "height", "nonce",
			"views", "followers", "likes", "population", "timestamp", "ts", "difficulty",
			"size", "bytes", "votes", "score":
			return -1
		}
		if kind == ctxSSN {
			switch string(lw) {
			case "ssn", "social", "security", "taxpayer", "ssns":
				return 1
			}
			return 0
		}
		switch string(lw) {
		case "phone", "telephone", "tel", "tele", "mobile", "mob", "cell", "cellphone", "fax",
			"call", "calling", "contact", "whatsapp", "sms", "dial", "reach", "desk",
			"office", "hotline", "landline", "ph", "phn", "answering", "messages",
			"registered", "telefon", "telefono", "handy", "tlf", "mobil", "portable":
			return 1
		}
	case ctxKey:
		switch string(lw) {
		case "private", "priv", "privkey", "secret", "seed", "key", "mnemonic", "pk", "sk", "wif":
			return 1
		case "tx", "txn", "transaction", "hash", "block", "txid", "txhash", "commit", "sha",
			"digest", "checksum", "public", "pubkey", "root":
			return -1
		}
	}
	return 0
}
