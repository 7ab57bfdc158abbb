package pii

import "testing"

// TestNamesAndAddresses pins the policy on one example per rule: what is
// redacted, what stays (titles, look-alikes), and the address formats of the
// target countries, each redacted as one block.
func TestNamesAndAddresses(t *testing.T) {
	e := New()
	for _, tc := range []struct{ in, want string }{
		// Cues and titles; the honorific stays.
		{"Signed in as Emily Johnson · Sign out", "Signed in as <PERSON> · Sign out"},
		{"Welcome back, Oliver!", "Welcome back, <PERSON>!"},
		{"Dear Dr. Schneider, your results are ready", "Dear Dr. <PERSON>, your results are ready"},
		{"Ship to: Lucía García", "Ship to: <PERSON>"},
		{"my name is lena andersson", "my name is <PERSON>"},
		{"Kateřina, James and Emily went home", "<PERSON>, <PERSON> and <PERSON> went home"},
		// Look-alikes stay.
		{"Abbey Road (Remastered) — The Beatles", "Abbey Road (Remastered) — The Beatles"},
		{"The Wall Street Journal", "The Wall Street Journal"},
		{"Grace Period for credit card payments", "Grace Period for credit card payments"},
		{"Street Fighter 6 tier list", "Street Fighter 6 tier list"},
		{"Jurassic Park 3 — trailer", "Jurassic Park 3 — trailer"},
		{"Shopping on Oxford Street in London", "Shopping on Oxford Street in London"},
		{"hotels in Lyon from €59", "hotels in Lyon from €59"},
		// One block per address, in each country's format.
		{"Deliver to 1842 Maple Avenue, Springfield, IL 62704.", "Deliver to <STREET_ADDRESS>."},
		{"Flat 3, 27 Victoria Road, Manchester M14 5AP", "<STREET_ADDRESS>"},
		{"Lindenstraße 12, 10115 Berlin", "<STREET_ADDRESS>"},
		{"Am Markt 3, 28195 Bremen", "<STREET_ADDRESS>"},
		{"12 rue des Lilas, 69002 Lyon", "<STREET_ADDRESS>"},
		{"Calle Mayor 5, 2º, 28013 Madrid", "<STREET_ADDRESS>"},
		{"Via Roma 12, 00184 Roma", "<STREET_ADDRESS>"},
		{"Keizersgracht 123, 1015 CJ Amsterdam", "<STREET_ADDRESS>"},
		{"Flat No. 12, MG Road, Bengaluru 560001", "<STREET_ADDRESS>"},
		{"P.O. Box 211, Anchorage, AK 99501", "<STREET_ADDRESS>"},
		{"Alma Jensen\n91215 Harjukuja 54\nSuite 318\nSEINÄJOKI\nFinland 38524", "<PERSON>\n<STREET_ADDRESS>"},
	} {
		got, _ := e.Scrub(tc.in, "")
		if got != tc.want {
			t.Errorf("Scrub(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if again, fs := e.Scrub(got, ""); fs != nil {
			t.Errorf("Scrub(%q) not idempotent: %q", got, again)
		}
	}
}

// TestStructuredOnlySkipsWords keeps the benchmark's comparison honest: the
// structured-only engine finds the structured entities and no names.
func TestStructuredOnlySkipsWords(t *testing.T) {
	const in = "Hi Emily, card 4111 1111 1111 1111, ship to 12 Baker Street"
	got, _ := structured().Scrub(in, "")
	if want := "Hi Emily, card <CREDIT_CARD>, ship to 12 Baker Street"; got != want {
		t.Fatalf("structured-only Scrub = %q, want %q", got, want)
	}
	if got, _ := New().Scrub(in, ""); got != "Hi <PERSON>, card <CREDIT_CARD>, ship to <STREET_ADDRESS>" {
		t.Fatalf("Scrub = %q", got)
	}
}
