package main

import (
	"path/filepath"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/lambdatest"
)

// TestMain lets TestSIGTERMExits run this test binary as the function itself.
func TestMain(m *testing.M) { lambdatest.RunMain(m, main) }

// TestSIGTERMExits: after SIGTERM the function closes its store and exits.
func TestSIGTERMExits(t *testing.T) {
	wallet, err := filepath.Abs(walletFile)
	if err != nil {
		t.Fatal(err)
	}
	lambdatest.SIGTERMExits(t, "ARWEAVE_WALLET_FILE="+wallet, "ARWEAVE_WALLET_SECRET_ARN=", "ARWEAVE_WALLET_PARAMETER=")
}
