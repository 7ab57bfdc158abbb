# Stream generator (internal/gen) and the Kinesis test events it writes.
.PHONY: gen-events test-gen bench-gen

# Rewrite events/*.json from the generator; a test fails when they are stale.
gen-events:
	$(GO) run ./internal/gen/cmd/events -out events

test-gen:
	$(GO) test -count=1 ./internal/gen/...

# Generation speed (records/s), 5 runs each: default and 200..20000-byte summaries.
bench-gen:
	$(GO) test -run '^$$' -bench Each -benchtime 300000x -count 5 ./internal/gen
