package archive_test

import (
	"context"
	"testing"

	"github.com/kleo-network/kleo-stream/internal/archive"
	"github.com/kleo-network/kleo-stream/internal/arweave"
)

// BenchmarkSweepBatch measures one 50-item archive end to end against the
// in-process gateway, one base-layer transaction per archive: settle, read
// the ledger and Kleo's history documents, build, scrub and cap the
// document, PII-check it, sign (RSA-4096), persist the intent, post over
// loopback HTTP, record.
func BenchmarkSweepBatch(b *testing.B) {
	st := openStore(b)
	_, gw := fakeGateway(b)
	a := archive.New(st, &arweave.GatewayUploader{Gateway: gw, Wallet: testWallet(b)}, archive.Options{})
	var bytes int64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		seed(b, st, address(1), i*50, 50)
		b.StartTimer()
		rep, err := a.Sweep(context.Background())
		if err != nil || rep.Uploads != 1 {
			b.Fatalf("%+v, %v", rep, err)
		}
		bytes += rep.Bytes
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "doc-bytes/op")
}

// BenchmarkBundledSweep measures a gateway-mode sweep of 10 users with one
// archive each: ten data items signed and carried by one bundle transaction
// (signed too), persisted, posted and recorded. ns/op is per sweep.
func BenchmarkBundledSweep(b *testing.B) {
	st := openStore(b)
	_, gw := fakeGateway(b)
	a := archive.New(st, &arweave.BundleUploader{Gateway: gw, Wallet: testWallet(b)}, archive.Options{})
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		for u := range 10 {
			seed(b, st, address(200+u), i*50, 50)
		}
		b.StartTimer()
		rep, err := a.Sweep(context.Background())
		if err != nil || rep.Uploads != 10 || rep.Bundles != 1 {
			b.Fatalf("%+v, %v", rep, err)
		}
	}
	b.ReportMetric(10, "archives/op")
}
