# Benchmarks and the capacity model (internal/bench, internal/capacity,
# internal/kinesisapi). None of these run in `make test`.
.PHONY: bench bench-e2e capacity capacity-chart test-capacity

# Per-stage CPU per record and per-batch database cost on this machine
# (embedded store, or MONGODB_URI), medians; writes .kleo/bench.json.
bench:
	$(GO) run ./cmd/kleo bench

# The kinesalite grid (N shards × P) through the emulator and the real
# handler, with the model's prediction error per cell; writes .kleo/e2e.json.
# Measures the bench profile first if there is none.
bench-e2e: $(NODE_DEPS)
	$(GO) run ./cmd/kleo bench -e2e

# The capacity model for one deployment and the shards × memory × P table.
capacity:
	$(GO) run ./cmd/kleo capacity

# docs/capacity.md and docs/capacity.svg from the profile and the e2e results,
# for a MongoDB in the function's region (5 ms a round trip) and Lambda's
# invoke overhead.
capacity-chart:
	$(GO) run ./cmd/kleo capacity -db-latency 5ms -docs docs

test-capacity: $(NODE_DEPS)
	$(GO) test -count=1 ./internal/capacity/... ./internal/bench/... ./internal/kinesisapi/...
