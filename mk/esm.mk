# The event-source-mapping emulator (internal/esm).
.PHONY: test-esm bench-esm

# Its own tests under the race detector (parallelization, lanes, hooks).
test-esm:
	$(GO) test -race -count=1 ./internal/esm/

# Emulator overhead per record with a no-op handler: ns/op is per record.
bench-esm:
	$(GO) test -run '^$$' -bench BenchmarkRun -benchtime 200000x -count 5 ./internal/esm/
