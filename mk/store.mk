# The store (internal/store): the embedded bbolt store, the MongoDB store
# (tested against FerretDB embedded in the test process) and their shared
# conformance suite.
.PHONY: test-store bench-store

test-store:
	$(GO) test -count=1 ./internal/store/...

# Store cost of one 100-record batch (Watermarks + PutHistory + ApplyUsers)
# on the embedded store, with and without fsync, 10 and 100 users per batch:
# 5 runs each, then the median ns/op per benchmark.
bench-store:
	$(GO) test -run '^$$' -bench BenchmarkBatch -benchtime 300x -count 5 ./internal/store/embedded/ \
		| tee /dev/stderr | grep '^Benchmark' | sort -k1,1 -k3,3n \
		| awk '{n[$$1]++; v[$$1, n[$$1]] = $$3} END {for (k in n) printf "median %s %.2f ms/batch\n", k, v[k, int((n[k]+1)/2)] / 1e6}' | sort
