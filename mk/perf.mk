# The record path measured from outside the process (issue 13). Not part of
# `make test`.
.PHONY: bench-bootstrap bench-record bench-invocation fuzz-decode

# The processor's bootstrap, built for this machine, under a Lambda Runtime
# API on loopback: CPU per record (user+system from /proc) on FerretDB and
# the embedded store, peak RSS, cold start, and the arm64 binary's size by
# module. Writes .kleo/bench-bootstrap.json.
# BOOTSTRAP_OLD is the bootstrap the same-run ratio is taken against, built
# from git and run in turns with today's, each with its own template's
# environment: 46bf30a is the first commit of the MongoDB path that builds
# (aws-lambda-go's reflection decode of the event; its record decoder was
# already the one-pass one).
BOOTSTRAP_OLD ?= 46bf30a
bench-bootstrap:
	@mkdir -p .kleo
	$(GO) run ./cmd/kleo bench-bootstrap -old $(BOOTSTRAP_OLD) -rounds 3 -json .kleo/bench-bootstrap.json $(ARGS)

# Raw invocation bytes to decoded records, old path vs new, per record, and
# the record decoder against the libraries (medians of 5).
bench-record:
	$(GO) test -run '^$$' -bench 'Invocation|Decode' -count 5 ./internal/record

# The whole record path in process (internal/processor's BenchmarkInvocation:
# raw invocation payload to the per-user batch effects, the store's calls
# free; 200 B, 2 KB and 20 KB summaries), on today's tree and on the tree of
# INVOCATION_OLD (see BOOTSTRAP_OLD). There the same benchmark file replaces
# that commit's own tests, with an entry_test.go that enters through
# aws-lambda-go's reflection decode as that commit did. The two run in turns,
# one round each of -count=1; then the median of each metric and the
# before/now ratio.
INVOCATION_OLD     ?= $(BOOTSTRAP_OLD)
INVOCATION_OLD_DIR ?= $(or $(TMPDIR),/tmp)/kleo-invocation-old
INVOCATION_ROUNDS  ?= 5
bench-invocation:
	rm -rf $(INVOCATION_OLD_DIR) && mkdir -p $(INVOCATION_OLD_DIR)
	git archive $(INVOCATION_OLD) | tar -x -C $(INVOCATION_OLD_DIR)
	rm -f $(INVOCATION_OLD_DIR)/internal/processor/*_test.go
	cp internal/processor/invocation_bench_test.go $(INVOCATION_OLD_DIR)/internal/processor/
	printf '%s\n' 'package processor' 'import (' '"context"' '"github.com/aws/aws-lambda-go/events"' '"github.com/aws/aws-lambda-go/lambda"' ')' \
		'func enter(h func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error)) lambda.Handler { return lambda.NewHandler(h) }' \
		> $(INVOCATION_OLD_DIR)/internal/processor/entry_test.go
	cd $(INVOCATION_OLD_DIR) && $(GO) test -c -o before.test ./internal/processor/
	$(GO) test -c -o $(INVOCATION_OLD_DIR)/now.test ./internal/processor/
	{ for i in $$(seq $(INVOCATION_ROUNDS)); do \
	    (cd internal/processor && $(INVOCATION_OLD_DIR)/now.test -test.run '^$$' -test.bench 'BenchmarkInvocation' \
		-test.benchmem -test.count=1 -test.cpu=1 | sed -n 's#^Benchmark\([^ 	]*\)#now \1#p') || exit 1; \
	    (cd $(INVOCATION_OLD_DIR)/internal/processor && ../../before.test -test.run '^$$' -test.bench 'BenchmarkInvocation' \
		-test.benchmem -test.count=1 -test.cpu=1 | sed -n 's#^Benchmark\([^ 	]*\)#before \1#p') || exit 1; \
	  done; } | $(GO) run ./internal/bench/benchmedian
	rm -rf $(INVOCATION_OLD_DIR)

# The decoders' fuzzers, FUZZTIME each: the envelope (kinesisevent) against
# aws-lambda-go's decode and encode, the record decoder against the old
# encoding/json one, and the shared number and white-space grammar against
# encoding/json (accept and reject alike, same values).
FUZZ_DECODE_TIME ?= 1m
fuzz-decode:
	$(GO) test -run '^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZ_DECODE_TIME) -parallel=1 ./internal/kinesisevent/
	$(GO) test -run '^$$' -fuzz='^FuzzResponse$$' -fuzztime=$(FUZZ_DECODE_TIME) -parallel=1 ./internal/kinesisevent/
	$(GO) test -run '^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZ_DECODE_TIME) -parallel=1 ./internal/record/
	$(GO) test -run '^$$' -fuzz='^FuzzUnquote$$' -fuzztime=$(FUZZ_DECODE_TIME) -parallel=1 ./internal/record/
	$(GO) test -run '^$$' -fuzz='^FuzzNumber$$' -fuzztime=$(FUZZ_DECODE_TIME) -parallel=1 ./internal/jsonscan/
