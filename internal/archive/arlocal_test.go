package archive_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
	"github.com/kleo-network/kleo-stream/internal/arweave/arlocal"
)

// TestArlocalChainOfThree archives three batches of one user to arlocal (a
// real Arweave gateway implementation, which verifies signatures and
// data_root), mines, and verifies the chain through arlocal.
func TestArlocalChainOfThree(t *testing.T) {
	node, tools, err := arlocal.FindTools(".")
	if errors.Is(err, arlocal.ErrNoTools) {
		t.Fatalf("%v (run `make node`)", err)
	} else if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	srv, err := arlocal.Start(ctx, node, tools, t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	t.Logf("arlocal started in %v", time.Since(start).Round(time.Millisecond))

	w := testWallet(t)
	if err := srv.Mint(ctx, w.Address(), "1000000000000000"); err != nil {
		t.Fatal(err)
	}
	gw := &arweave.Gateway{URL: srv.URL, Retry: arweave.Retry{Attempts: 3, Base: 50 * time.Millisecond}}
	st := openStore(t)
	seed(t, st, address(1), 0, 170)

	start = time.Now()
	rep, err := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: w}, archive.Options{}).Sweep(ctx)
	if err != nil || rep.Uploads != 3 || rep.Failures != 0 {
		t.Fatalf("sweep: %+v, %v", rep, err)
	}
	t.Logf("3 archives (%d bytes, %d winston) signed, posted and recorded in %v", rep.Bytes, rep.Winston, time.Since(start).Round(time.Millisecond))
	if rep.Winston <= 0 {
		t.Errorf("no reward paid: %+v", rep)
	}
	if err := srv.Mine(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(user(t, st, address(1)).Applied); got != 0 {
		t.Errorf("kleo_stream.applied holds %d ids after the sweep", got)
	}
	start = time.Now()
	c, err := archive.VerifyChain(ctx, archive.GatewaySource{Gateway: gw}, address(1), user(t, st, address(1)).LastArchive, archive.VerifyOptions{ItemCount: 50, Signer: w.Address()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("chain of %d verified through arlocal in %v", len(c.Links), time.Since(start).Round(time.Millisecond))
	if len(c.Links) != 3 || c.Links[2].Previous != "" || c.Origin != "" {
		t.Errorf("chain %+v", c.Links)
	}
	// With nothing but the gateway: GraphQL by tag, one archive per page.
	d, err := archive.Discover(ctx, gw, address(1), archive.DiscoverOptions{PageSize: 1, Signer: w.Address()})
	if err != nil {
		t.Fatal(err)
	}
	if d.Head != c.Links[0].ID || len(d.Heads) != 1 || len(d.Nodes) != 3 || d.Pages < 3 {
		t.Errorf("discovered head %s (heads %v), %d nodes in %d pages; want %s, 3 nodes, 3 pages or more", d.Head, d.Heads, len(d.Nodes), d.Pages, c.Links[0].ID)
	}
	if _, err := archive.Discover(ctx, gw, address(2), archive.DiscoverOptions{}); !errors.Is(err, archive.ErrNotDiscovered) {
		t.Errorf("another address discovered: %v", err)
	}
	if d, err := archive.Discover(ctx, gw, address(1), archive.DiscoverOptions{Signer: "someone-else"}); !errors.Is(err, archive.ErrNotDiscovered) {
		t.Errorf("archives of another signer discovered: %+v, %v", d, err)
	}
	for _, l := range c.Links {
		if st, err := gw.Status(ctx, l.ID); err != nil || st.State != arweave.StateConfirmed {
			t.Errorf("%s: status %+v, %v", l.ID, st, err)
		}
	}
}

// TestArlocalBundle: a gateway-mode sweep posts one ANS-104 bundle to
// arlocal, which accepts it and unpacks its data items; the chain of one
// user is then found by GraphQL (bundled items, BundledIn set) and verified
// item by item with no store.
func TestArlocalBundle(t *testing.T) {
	node, tools, err := arlocal.FindTools(".")
	if err != nil {
		t.Fatalf("%v (run `make node`)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := arlocal.Start(ctx, node, tools, t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	w := testWallet(t)
	if err := srv.Mint(ctx, w.Address(), "1000000000000000"); err != nil {
		t.Fatal(err)
	}
	gw := &arweave.Gateway{URL: srv.URL, Retry: arweave.Retry{Attempts: 3, Base: 50 * time.Millisecond}}
	st := openStore(t)
	seed(t, st, address(1), 0, 110)
	seed(t, st, address(2), 0, 60)
	start := time.Now()
	rep, err := archive.New(st, &arweave.BundleUploader{Gateway: gw, Wallet: w}, archive.Options{}).Sweep(ctx)
	if err != nil || rep.Uploads != 3 || rep.Bundles != 1 || rep.Failures != 0 {
		t.Fatalf("sweep: %+v, %v", rep, err)
	}
	t.Logf("3 archives in one bundle (%d winston) in %v", rep.Winston, time.Since(start).Round(time.Millisecond))
	if err := srv.Mine(ctx); err != nil {
		t.Fatal(err)
	}
	recs := mustArchives(t, st, archive.BundleAddress)
	if len(recs) != 1 {
		t.Fatalf("%d bundle records", len(recs))
	}
	if s, err := gw.Status(ctx, recs[0].ID); err != nil || s.State != arweave.StateConfirmed {
		t.Errorf("bundle %s: status %+v, %v", recs[0].ID, s, err)
	}
	d, err := archive.Discover(ctx, gw, address(1), archive.DiscoverOptions{Signer: w.Address()})
	if err != nil {
		t.Fatal(err)
	}
	// arlocal 1.1.66 indexes the bundle's items but does not resolve
	// bundledIn in GraphQL; a gateway that does sets BundledIn.
	if len(d.Nodes) != 2 || d.Head != user(t, st, address(1)).LastArchive {
		t.Fatalf("discovered %d nodes, head %s; want 2 data items, head %s", len(d.Nodes), d.Head, user(t, st, address(1)).LastArchive)
	}
	c, err := archive.VerifyChain(ctx, archive.GatewaySource{Gateway: gw}, address(1), d.Head, archive.VerifyOptions{ItemCount: 50, Signer: w.Address()})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Links) != 2 || !c.Links[0].Item || !c.Links[1].Item {
		t.Errorf("links %+v: want two data items", c.Links)
	}
}
