package mongostore_test

import (
	"context"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
	"github.com/kleo-network/kleo-stream/internal/store/storetest"
)

// BenchmarkSteadyBatch measures the processor's three calls (Users, Ledger,
// Apply) on FerretDB for a batch of 100 new records of 50 users, the shape
// of one shard's batch in production. FerretDB runs in this process, so
// the time includes the server's; profile with -cpuprofile and
// -focus=mongostore for the client's share, which is what a Lambda pays.
func BenchmarkSteadyBatch(b *testing.B) {
	s, err := mongostore.Open(b.Context(), ferrettest.Start(b), "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	storetest.SteadyBatch(b, s, 50, 2)
}
