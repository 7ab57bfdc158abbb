package mongostore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
	"github.com/kleo-network/kleo-stream/internal/store/storetest"
)

// TestConformance runs the one conformance suite on FerretDB (the real
// driver and wire protocol), each case on a fresh database of one server.
func TestConformance(t *testing.T) {
	uri := ferrettest.Start(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) storetest.Store {
		t.Helper()
		s, err := mongostore.Open(t.Context(), uri, fmt.Sprintf("conf%d", n.Add(1)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(context.Background()); err != nil {
				t.Error(err)
			}
		})
		return s
	}, storetest.WithoutConcurrency("FerretDB v1 single-document updates are not atomic under concurrency (concurrent $inc on one document lose updates); the embedded store runs these cases"))
}
