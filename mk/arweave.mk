# internal/arweave: its tests (vectors, cross-implementation checks with
# arweave-js and arbundles, ANS-104 bundles both ways, the arlocal
# integration test) need the node tools.
.PHONY: arweave-test arweave-bench

arweave-test: node
	$(GO) test -count=1 ./internal/arweave/...

# Signing a 50-item archive, verifying it, data_root of 1 MiB, signing a data item.
arweave-bench:
	$(GO) test -run '^$$' -bench . -count 5 ./internal/arweave/
