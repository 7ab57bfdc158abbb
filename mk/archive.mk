# internal/archive: the archiver's sweep (per-transaction and gateway-mode
# bundles), crash-point matrices, lease, scrub/cap and tamper tests (fast,
# in-process gateway), its FerretDB sequential crash test and its arlocal
# integration tests (need the node tools), plus the kleo archive, verify and
# export command tests.
.PHONY: archive-test archive-crash archive-bench

archive-test: node
	$(GO) test -count=1 ./internal/archive/... ./internal/arweave/arlocal/... ./functions/archiver/...
	$(GO) test -count=1 -run 'Archive|Export|Verify' ./cmd/kleo/

# The fault-injection matrices alone, verbose: every crash point at every
# batch, per transaction and in bundles, and the concurrent sweeps.
archive-crash:
	$(GO) test -count=1 -v -run 'Crash|ExpiredAnchor|Concurrent|Bundled' ./internal/archive/

# One 50-item archive end to end as its own transaction, and a gateway-mode
# sweep of ten archives in one bundle; median of 5 runs.
archive-bench:
	$(GO) test -run '^$$' -bench 'SweepBatch|BundledSweep' -count 5 ./internal/archive/
