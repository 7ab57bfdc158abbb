# The record path measured from outside the process (issue 13). Not part of
# `make test`.
.PHONY: bench-bootstrap bench-record

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
