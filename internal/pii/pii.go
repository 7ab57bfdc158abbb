// Package pii finds and redacts personal data and secrets in browsing-history
// text (page titles, URLs, summaries) before anything is stored or archived.
//
// Detection is one left-to-right pass over the bytes. A cheap byte-class table
// splits the text into alphanumeric runs and a few trigger symbols ('@', '=',
// ':', '-', '%'); only where a run or a trigger can start an entity does a
// validator look further (Luhn for cards, mod-97 for IBANs, Base58Check and
// Bech32 checksums for Bitcoin addresses, octet ranges for IPv4, SSN range
// rules, digit-count and grouping rules plus nearby keywords for phone
// numbers, entropy for generic secret assignments). There are no regular
// expressions on the hot path and no allocation unless something is found.
//
// Each finding is replaced by its typed placeholder, "<EMAIL_ADDRESS>" and so
// on. Placeholders are never detected again, so Scrub is idempotent.
package pii

import "strings"

// Type names the kind of a finding. The names of the types Presidio also
// knows are spelled as Presidio spells them.
type Type string

// The entity types the engine reports.
const (
	Email      Type = "EMAIL_ADDRESS"
	Phone      Type = "PHONE_NUMBER"
	CreditCard Type = "CREDIT_CARD"
	IBAN       Type = "IBAN_CODE"
	USSSN      Type = "US_SSN"
	IPAddress  Type = "IP_ADDRESS"
	MACAddress Type = "MAC_ADDRESS"
	// Crypto is a wallet address that is not the record owner's own.
	Crypto Type = "CRYPTO"
	// Secret is a credential: API keys and tokens with a known shape, JWTs,
	// PEM private keys, high-entropy values assigned to key/token/secret
	// names, passwords, and 32-byte hex strings introduced as private keys.
	Secret Type = "SECRET"
	// URLCredentials is the userinfo of a URL (user:password@).
	URLCredentials Type = "URL_CREDENTIALS"
	// URLParam is the value of a URL query or fragment parameter whose name
	// says it carries a credential or an identity (token, code, email, ...).
	URLParam Type = "URL_PARAM"
	// Person is a person's name (see docs/pii.md for which names).
	Person Type = "PERSON"
	// StreetAddress is a postal address from the house number or box on:
	// street, unit, postcode, locality and country of the postal block.
	StreetAddress Type = "STREET_ADDRESS"
)

// Types lists every type the engine can report, in a stable order.
func Types() []Type {
	return []Type{Email, Phone, CreditCard, IBAN, USSSN, IPAddress, MACAddress,
		Crypto, Secret, URLCredentials, URLParam, Person, StreetAddress}
}

// Placeholder is the text that replaces a finding of type t.
func (t Type) Placeholder() string { return "<" + string(t) + ">" }

// Finding is one detected entity: its type and its byte span [Start, End) in
// the original text.
type Finding struct {
	Type       Type
	Start, End int
}

// Engine detects and redacts PII. It holds no mutable state: it is immutable
// after New and safe for concurrent use.
type Engine struct {
	// phoneWindow is how many bytes before a weakly formatted phone number
	// are searched for a keyword such as "phone" or "call".
	phoneWindow int
	// structuredOnly skips the name and address walk: the engine as it was
	// before PERSON and STREET_ADDRESS, kept for the same-run benchmark.
	structuredOnly bool
}

// New returns an engine. It is cheap: all tables are compile-time constants
// or read in place from embedded data.
func New() *Engine {
	return &Engine{phoneWindow: 48}
}

// Find returns the findings in text in order, without overlaps. keep, when
// non-empty, is the record owner's own 0x wallet address, which is not
// reported (compared case-insensitively). Find returns nil, without
// allocating, when nothing is found.
func (e *Engine) Find(text, keep string) []Finding {
	sc := scanner{s: text, keep: keep, window: e.phoneWindow, structuredOnly: e.structuredOnly}
	sc.run()
	return sc.out
}

// Scrub returns text with every finding replaced by its placeholder, and the
// findings (byte spans in text) in order. keep is as for Find. When nothing
// is found it returns text itself and a nil slice, with zero allocations.
func (e *Engine) Scrub(text, keep string) (string, []Finding) {
	fs := e.Find(text, keep)
	if fs == nil {
		return text, nil
	}
	return Redact(text, fs), fs
}

// Redact replaces each finding's span in text with its placeholder. The
// findings must be in order and must not overlap, as Find returns them.
func Redact(text string, fs []Finding) string {
	n := len(text)
	for _, f := range fs {
		n += len(f.Type) + 2 - (f.End - f.Start)
	}
	var b strings.Builder
	b.Grow(n)
	last := 0
	for _, f := range fs {
		b.WriteString(text[last:f.Start])
		b.WriteByte('<')
		b.WriteString(string(f.Type))
		b.WriteByte('>')
		last = f.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// Count returns the number of findings per type.
func Count(fs []Finding) map[Type]int {
	m := make(map[Type]int, len(fs))
	for _, f := range fs {
		m[f.Type]++
	}
	return m
}
