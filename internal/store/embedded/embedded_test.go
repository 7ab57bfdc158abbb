package embedded_test

import (
	"context"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/store/embedded"
	"github.com/kleo-network/kleo-stream/internal/store/storetest"
)

func open(tb testing.TB, opts ...embedded.Option) *embedded.Store {
	tb.Helper()
	s, err := embedded.Open(context.Background(), tb.TempDir(), opts...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t, embedded.NoSync()) })
}
