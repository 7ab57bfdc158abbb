package eip55

import (
	"strings"
	"testing"
)

// The test vectors of EIP-55 itself.
var vectors = []string{
	"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
	"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
	"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	"0x52908400098527886E0F7030069857D2E4169EE7",
	"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
	"0xde709f2102306220921060314715629080e2fb77",
	"0x27b1fdb04752bbc536007a920d24acb045561c26",
}

func TestChecksum(t *testing.T) {
	for _, want := range vectors {
		if got := Checksum(strings.ToLower(want)); got != want {
			t.Errorf("Checksum(%s) = %s, want %s", strings.ToLower(want), got, want)
		}
		if !Valid(want) {
			t.Errorf("Valid(%s) = false", want)
		}
	}
}

func TestChecksumLeavesOtherInputAlone(t *testing.T) {
	for _, s := range []string{"", "0x", "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg"} {
		if got := Checksum(s); got != s {
			t.Errorf("Checksum(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestValid(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", true},
		{"0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", true},
		{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", false}, // one letter off the checksum
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae", false},
		{"5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00", false},
		{"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", false},
	} {
		if got := Valid(c.in); got != c.want {
			t.Errorf("Valid(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
