# The operator's test (internal/e2e): the processor's bootstrap behind the
# Lambda Runtime Interface Emulator (bin/aws-lambda-rie, installed once at the
# version tools/invoke.sh pins) on FerretDB holding Kleo-shaped users and
# history; a batch delivered, redelivered and re-driven, read back with the
# raw driver. `make test` runs it too.
.PHONY: test-e2e

test-e2e:
	$(GO) test -count=1 -v ./internal/e2e/
