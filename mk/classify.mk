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

# Speed per item, allocations and model load time (quote the median of 5).
bench-classify:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/classify
