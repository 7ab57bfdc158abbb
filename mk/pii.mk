# PII engine (internal/pii): accuracy on Presidio's synthetic set, speed against
# a regexp-per-entity baseline, and fuzzing. Each target rewrites its section of
# docs/pii.md and prints it.
.PHONY: eval-pii bench-pii fuzz-pii

PII_DATASET := internal/pii/testdata/presidio/synth_dataset_v2.json
FUZZTIME    ?= 3m

eval-pii:
	$(GO) run ./cmd/kleo pii -eval $(PII_DATASET) -doc docs/pii.md

bench-pii:
	$(GO) test -run '^$$' -bench 'BenchmarkScrub' -benchmem -count=5 -cpu=1 ./internal/pii/ \
		| $(GO) run ./internal/pii/internal/benchmedian -doc docs/pii.md

fuzz-pii:
	$(GO) test -run '^$$' -fuzz=FuzzScrub -fuzztime=$(FUZZTIME) -parallel=1 ./internal/pii/
