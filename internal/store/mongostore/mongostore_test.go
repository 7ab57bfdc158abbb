package mongostore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/store"
	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
	"github.com/kleo-network/kleo-stream/internal/store/storetest"
)

// opener returns a function that opens a fresh database on one FerretDB
// server per call.
func opener(t *testing.T, opts ...mongostore.Option) func(t *testing.T) *mongostore.Store {
	uri := ferrettest.Start(t)
	var n atomic.Int64
	return func(t *testing.T) *mongostore.Store {
		t.Helper()
		s, err := mongostore.Open(t.Context(), uri, fmt.Sprintf("kleo%d", n.Add(1)), opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(context.Background()); err != nil {
				t.Error(err)
			}
		})
		return s
	}
}

func TestConformance(t *testing.T) {
	open := opener(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}
