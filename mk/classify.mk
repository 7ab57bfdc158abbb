# Activity classifier (internal/classify): evaluation, model build, benchmarks.
.PHONY: eval-classify generate-classify bench-classify

# Scores the embedded model on the own evaluation set and on the set written
# after the model was frozen, each also on the domains no model source names
# (the domain split); prints top-1, macro-F1, per-activity recall, the
# calibration error, the low-confidence flag's precision and an ablation
# (rebuilding the model without each source: about 20 s), and writes the
# report into docs/classify.md and the reliability diagram next to it.
eval-classify:
	$(GO) run ./cmd/kleo classify -eval internal/classify/testdata/eval.jsonl \
		-post internal/classify/testdata/postfreeze.jsonl -data internal/classify/data \
		-doc docs/classify.md -svg docs/classify-reliability.svg

# Rebuilds internal/classify/model.bin from internal/classify/data and prints
# the cross-validated accuracy of the text model on its own training texts.
generate-classify:
	$(GO) generate ./internal/classify
	cd internal/classify && $(GO) run ./internal/genmodel -heldout

# The classifier that bench-classify compares with ("before"): the commit
# before the speed work of issue 13, built from git in a scratch module under
# $(CLASSIFY_BEFORE_DIR) with today's external tests (they use only the
# package's API), so both run the same benchmark on the same items.
CLASSIFY_BEFORE     ?= dd3ad66
CLASSIFY_BEFORE_DIR ?= $(or $(TMPDIR),/tmp)/kleo-classify-before
CLASSIFY_ROUNDS     ?= 7

# Speed per item (evaluation set, Kleo-shaped items), load time and allocations, the
# current and the before classifier in turns, one round each of -count=1, so
# that other work on this shared machine slows both alike; prints the median
# of each metric over the rounds and the before/now ratio of the medians.
bench-classify:
	rm -rf $(CLASSIFY_BEFORE_DIR) && mkdir -p $(CLASSIFY_BEFORE_DIR)
	git archive $(CLASSIFY_BEFORE) internal/classify | tar -x -C $(CLASSIFY_BEFORE_DIR)
	git archive HEAD go.mod go.sum internal/activity internal/eip55 internal/gen | tar -x -C $(CLASSIFY_BEFORE_DIR)
	cp $$(grep -l '^package classify_test$$' internal/classify/*_test.go) $(CLASSIFY_BEFORE_DIR)/internal/classify/
	cp -r internal/classify/testdata/. $(CLASSIFY_BEFORE_DIR)/internal/classify/testdata/
	cd $(CLASSIFY_BEFORE_DIR) && $(GO) test -c -o classify-before.test ./internal/classify/
	$(GO) test -c -o $(CLASSIFY_BEFORE_DIR)/classify-now.test ./internal/classify/
	{ for i in $$(seq $(CLASSIFY_ROUNDS)); do \
	    (cd internal/classify && $(CLASSIFY_BEFORE_DIR)/classify-now.test -test.run '^$$' -test.bench 'BenchmarkClassify|BenchmarkLoad' \
		-test.benchmem -test.count=1 -test.cpu=1 | sed -n 's#^Benchmark\([^ 	]*\)#now \1#p') || exit 1; \
	    (cd $(CLASSIFY_BEFORE_DIR)/internal/classify && ../../classify-before.test -test.run '^$$' -test.bench 'BenchmarkClassify|BenchmarkLoad' \
		-test.benchmem -test.count=1 -test.cpu=1 | sed -n 's#^Benchmark\([^ 	]*\)#before \1#p') || exit 1; \
	  done; } | $(GO) run ./internal/bench/benchmedian
	rm -rf $(CLASSIFY_BEFORE_DIR)
