# Activity classifier (internal/classify): evaluation, model build, benchmarks.
.PHONY: eval-classify generate-classify bench-classify

# Scores the embedded model on the held-out evaluation set and writes the
# report into docs/classify.md.
eval-classify:
	$(GO) run ./cmd/kleo classify -eval internal/classify/testdata/eval.jsonl -doc docs/classify.md

# Rebuilds internal/classify/model.bin from internal/classify/data and prints
# the cross-validated accuracy of the text model on its own training texts.
generate-classify:
	$(GO) generate ./internal/classify
	cd internal/classify && $(GO) run ./internal/genmodel -heldout

# Speed per item, allocations and model load time (quote the median of 5).
bench-classify:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/classify
