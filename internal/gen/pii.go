package gen

// piiKind is a kind of planted PII value.
type piiKind uint8

const (
	piiEmail piiKind = iota
	piiPhone
	piiCard
	piiIBAN
	piiSSN
	piiIP
	piiToken
	numPIIKinds
)

// piiWeights is the relative frequency of each kind, in piiKind order.
var piiWeights = [numPIIKinds]int{30, 20, 12, 10, 5, 8, 15}

// piiLines are summary lines, each carrying exactly one PII value.
var piiLines = map[piiKind][]string{
	piiEmail: {
		"Signed in as {email}",
		"Questions? Write to {email}",
		"Order confirmation sent to {email}",
		"Reply to {email} to RSVP",
		"Account: {email}",
		"Shared with {email}",
	},
	piiPhone: {
		"Call us at {phone}",
		"Mobile: {phone}",
		"Text {phone} for delivery updates",
		"We sent a verification code to {phone}",
		"Emergency contact {phone}",
	},
	piiCard: {
		"Card number {card} Exp {exp}",
		"Paying with card {card}",
		"Saved card: {card} (expires {exp})",
	},
	piiIBAN: {
		"IBAN {iban}",
		"Beneficiary account: {iban}",
		"Transfer to IBAN {iban} with reference {short}",
	},
	piiSSN: {
		"SSN: {ssn}",
		"Social Security Number {ssn}",
	},
	piiIP: {
		"Your IP address: {ip}",
		"Last login from {ip}",
	},
	piiToken: {
		"API key: {skkey}",
		"Bearer {jwt}",
	},
}

// URL query parameters that carry a secret token, and the slot each takes.
var piiURLParams = []struct{ name, slot string }{
	{"access_token", "jwt"},
	{"token", "token"},
	{"api_key", "skkey"},
	{"reset_token", "token"},
	{"sessionid", "token"},
	{"id_token", "jwt"},
}

// piiTitleSuffixes follow a page title when an email lands in the title,
// as account pages do.
var piiTitleSuffixes = []string{" - {email}", " | Signed in as {email}", " ({email})"}
