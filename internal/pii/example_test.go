package pii_test

import (
	"fmt"

	"github.com/kleo-network/kleo-stream/internal/pii"
)

func ExampleEngine_Scrub() {
	e := pii.New()
	owner := "0x52908400098527886e0f7030069857d2e4169ee7"
	text := "Sent 0.5 ETH from 0x52908400098527886E0F7030069857D2E4169EE7 to 0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe, " +
		"receipt to ann@example.org https://pay.example.com/done?session=8f14e45fceea167a&lang=en"
	out, found := e.Scrub(text, owner)
	fmt.Println(out)
	for _, f := range found {
		fmt.Println(f.Type, text[f.Start:f.End])
	}
	// Output:
	// Sent 0.5 ETH from 0x52908400098527886E0F7030069857D2E4169EE7 to <CRYPTO>, receipt to <EMAIL_ADDRESS> https://pay.example.com/done?session=<URL_PARAM>&lang=en
	// CRYPTO 0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe
	// EMAIL_ADDRESS ann@example.org
	// URL_PARAM 8f14e45fceea167a
}
