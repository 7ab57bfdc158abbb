# internal/archive: the archiver's sweep, crash-point matrix, lease and
# tamper tests (fast, in-process gateway) and its arlocal integration test
# (needs the node tools), plus the kleo archive/verify command test.
.PHONY: archive-test archive-crash

archive-test: node
	$(GO) test -count=1 ./internal/archive/... ./internal/arweave/arlocal/... ./functions/archiver/...
	$(GO) test -count=1 -run 'Archive' ./cmd/kleo/

# The fault-injection matrix alone, verbose: every crash point at every batch.
archive-crash:
	$(GO) test -count=1 -v -run 'Crash|ExpiredAnchor|Concurrent' ./internal/archive/

# One 50-item archive end to end (build, PII check, RSA-4096 sign, persist,
# post over loopback, record), median of 5 runs.
.PHONY: archive-bench
archive-bench:
	$(GO) test -run '^$$' -bench SweepBatch -count 5 ./internal/archive/
