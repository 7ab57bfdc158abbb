package main

import (
	"testing"

	"github.com/kleo-network/kleo-stream/internal/lambdatest"
)

// TestMain lets TestSIGTERMExits run this test binary as the function itself.
func TestMain(m *testing.M) { lambdatest.RunMain(m, main) }

// TestSIGTERMExits: after SIGTERM the function closes its store and exits.
func TestSIGTERMExits(t *testing.T) { lambdatest.SIGTERMExits(t) }
