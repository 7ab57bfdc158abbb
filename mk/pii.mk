# PII engine (internal/pii): accuracy on Presidio's synthetic set and the labelled
# browsing corpus, speed against
# a regexp-per-entity baseline, and fuzzing. Each target rewrites its section of
# docs/pii.md and prints it.
.PHONY: eval-pii bench-pii fuzz-pii

PII_DATASET := internal/pii/testdata/presidio/synth_dataset_v2.json
PII_CORPUS  := internal/pii/testdata/browsing/browsing.txt
FUZZTIME    ?= 3m

eval-pii:
	$(GO) run ./cmd/kleo pii -eval $(PII_DATASET) -corpus $(PII_CORPUS) -doc docs/pii.md

bench-pii:
	$(GO) test -run '^$$' -bench 'BenchmarkScrub' -benchmem -count=5 -cpu=1 ./internal/pii/ \
		| $(GO) run ./internal/pii/internal/benchmedian -doc docs/pii.md

fuzz-pii:
	$(GO) test -run '^$$' -fuzz=FuzzScrub -fuzztime=$(FUZZTIME) -parallel=1 ./internal/pii/
