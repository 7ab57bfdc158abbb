package archive_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
)

// TestCrashRecoveryOnMongo runs the crash points that leave work to the next
// sweep against the production backend (mongostore, through an embedded
// FerretDB and the real driver), whose CompleteArchive is several writes.
// Only sequential crashes: FerretDB v1's single-document updates are not
// atomic under concurrency, so concurrent sweeps are tested on the embedded
// store (TestConcurrentSweepsNeverUploadTwice), not here.
func TestCrashRecoveryOnMongo(t *testing.T) {
	uri := ferrettest.Start(t)
	w := testWallet(t)
	for i, point := range []string{afterMark, afterSign, afterPersist, afterPost, afterRecord} {
		t.Run(point, func(t *testing.T) {
			ctx := context.Background()
			st, err := mongostore.Open(ctx, uri, fmt.Sprintf("archive%d", i))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close(ctx)
			g, gw := fakeGateway(t)
			seeded := map[string]int{address(1): 110}
			addUser(t, st, address(1), false)
			seed(t, st, address(1), 0, 110)
			clk := newClock()
			up := &arweave.GatewayUploader{Gateway: gw, Wallet: w}
			n := 2
			if point == afterMark {
				n = 1
			}
			k := &killer{point: point, n: n}
			archive.New(killStore{st, k}, killUploader{up, k}, archive.Options{Now: clk.Now}).Sweep(ctx)
			if !k.dead {
				t.Fatalf("never reached %s #%d", point, n)
			}
			clk.Advance(time.Hour)
			rep, err := archive.New(st, up, archive.Options{Now: clk.Now}).Sweep(ctx)
			if err != nil || rep.Failures != 0 {
				t.Fatalf("recovery: %+v, %v", rep, err)
			}
			checkBooks(t, st, g, seeded, nil)
		})
	}
}
