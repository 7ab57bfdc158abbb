# PII engine (internal/pii): accuracy on Presidio's synthetic set and the labelled
# browsing corpus, speed against
# a regexp-per-entity baseline, and fuzzing. Each target rewrites its section of
# docs/pii.md and prints it.
.PHONY: eval-pii bench-pii fuzz-pii

PII_DATASET := internal/pii/testdata/presidio/synth_dataset_v2.json
PII_CORPUS  := internal/pii/testdata/browsing/browsing.txt
FUZZTIME    ?= 3m
# The engine that bench-pii compares with ("before"): the commit before the
# second speed pass on prose summaries and Kleo records (issue 13), built
# from git in a scratch module under $(PII_BEFORE_DIR).
PII_BEFORE     ?= 69253fc
PII_BEFORE_DIR ?= $(or $(TMPDIR),/tmp)/kleo-pii-before

eval-pii:
	$(GO) run ./cmd/kleo pii -eval $(PII_DATASET) -corpus $(PII_CORPUS) -doc docs/pii.md

# The two engines run in turns, one round each of -count=1, so that other
# work on this shared machine slows both alike.
bench-pii:
	rm -rf $(PII_BEFORE_DIR) && mkdir -p $(PII_BEFORE_DIR)
	git archive $(PII_BEFORE) internal/pii | tar -x -C $(PII_BEFORE_DIR)
	# The golden test needs packages outside internal/pii (the scratch
	# module has none) and is no benchmark.
	rm -f $(PII_BEFORE_DIR)/internal/pii/golden_test.go
	printf 'module github.com/kleo-network/kleo-stream\n\ngo 1.26\n' > $(PII_BEFORE_DIR)/go.mod
	cd $(PII_BEFORE_DIR) && GOFLAGS= $(GO) test -c -o pii-before.test ./internal/pii/
	$(GO) test -c -o $(PII_BEFORE_DIR)/pii-now.test ./internal/pii/
	{ for i in 1 2 3 4 5; do \
	    (cd internal/pii && $(PII_BEFORE_DIR)/pii-now.test -test.run '^$$' -test.bench 'BenchmarkScrub' \
		-test.benchmem -test.count=1 -test.cpu=1) || exit 1; \
	    (cd $(PII_BEFORE_DIR)/internal/pii && ../../pii-before.test -test.run '^$$' -test.bench 'BenchmarkScrub/.*/engine' \
		-test.benchmem -test.count=1 -test.cpu=1 | sed 's#^\(BenchmarkScrub/[^/]*\)/engine#\1/before#') || exit 1; \
	  done; } | $(GO) run ./internal/pii/internal/benchmedian -doc docs/pii.md
	rm -rf $(PII_BEFORE_DIR)

fuzz-pii:
	$(GO) test -run '^$$' -fuzz=FuzzScrub -fuzztime=$(FUZZTIME) -parallel=1 ./internal/pii/
