package archive_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/store/ferrettest"
	"github.com/kleo-network/kleo-stream/internal/store/mongostore"
)

// TestCrashRecoveryOnMongo runs the crash points that leave work to the next
// sweep against the production backend (mongostore, through an embedded
// FerretDB), whose CompleteArchive is several writes rather than one
// transaction.
func TestCrashRecoveryOnMongo(t *testing.T) {
	uri := ferrettest.Start(t)
	w := testWallet(t)
	for i, point := range []string{afterSign, afterPersist, afterPost, afterRecord} {
		t.Run(point, func(t *testing.T) {
			ctx := context.Background()
			st, err := mongostore.Open(ctx, uri, fmt.Sprintf("archive%d", i))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close(ctx)
			g, gw := fakeGateway(t)
			seeded := map[string]int{address(1): 110}
			seed(t, st, address(1), 0, 110)
			clk := newClock()
			up := &arweave.GatewayUploader{Gateway: gw, Wallet: w}
			k := &killer{point: point, n: 2}
			archive.New(killStore{st, k}, killUploader{up, k}, archive.Options{Now: clk.Now}).Sweep(ctx)
			if !k.dead {
				t.Fatalf("never reached %s #2", point)
			}
			clk.Advance(time.Hour)
			rep, err := archive.New(st, up, archive.Options{Now: clk.Now}).Sweep(ctx)
			if err != nil || rep.Failures != 0 {
				t.Fatalf("recovery: %+v, %v", rep, err)
			}
			checkBooks(t, st, g, seeded, 50)
		})
	}
	t.Run("concurrent", func(t *testing.T) {
		ctx := context.Background()
		st, err := mongostore.Open(ctx, uri, "archive_concurrent")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close(ctx)
		g, gw := fakeGateway(t)
		seeded := map[string]int{}
		for i := range 3 {
			seeded[address(50+i)] = 110
			seed(t, st, address(50+i), 0, 110)
		}
		up := &countingUploader{Uploader: &arweave.GatewayUploader{Gateway: gw, Wallet: w}, posts: map[string]int{}}
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if _, err := archive.New(st, up, archive.Options{}).Sweep(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if _, err := archive.New(st, up, archive.Options{}).Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		checkBooks(t, st, g, seeded, 50)
		for id, n := range up.posts {
			if n != 1 {
				t.Errorf("%s posted %d times", id, n)
			}
		}
	})
}
