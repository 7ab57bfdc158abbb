# Kleo stream processor. `make run` and `make test` are the two set-up commands:
# each installs what it needs on a fresh machine.

GO        ?= go
# FerretDB (embedded in the mongostore tests) drops its unused PostgreSQL backend with this tag.
export GOFLAGS += -tags=ferretdb_no_postgresql
NODE_DIR  := tools/node
BIN       := bin

.PHONY: all test run build invoke vet fmt clean node build-ProcessorFunction build-ArchiverFunction

all: build

# The npm packages the cross-implementation and integration tests use, from the lockfile.
$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
node: $(NODE_DIR)/node_modules/.package-lock.json

# Node packages are needed only once tools/node exists.
NODE_DEPS := $(if $(wildcard $(NODE_DIR)/package-lock.json),node)

test: $(NODE_DEPS) check-template
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# The archiver step uploads to arlocal, so run installs the node tools too.
run: $(NODE_DEPS)
	$(GO) run ./cmd/kleo run

# linux/arm64 bootstrap binaries, as template.yaml deploys them (provided.al2023).
LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'
build:
	@for fn in processor archiver; do \
		echo "build $(BIN)/$$fn/bootstrap"; \
		$(LAMBDA_BUILD) -o $(BIN)/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done

# make invoke FN=processor EVENT=events/single.json: sam local invoke with SAM and
# Docker, otherwise the same bootstrap behind the Lambda Runtime Interface Emulator.
FN    ?= processor
EVENT ?= events/single.json
invoke:
	@mkdir -p .kleo
	tools/invoke.sh $(FN) $(EVENT)

# sam build (BuildMethod: makefile; see template.yaml) runs these in the
# repository root with ARTIFACTS_DIR set to the function's build directory.
build-ProcessorFunction: LAMBDA_FN = processor
build-ArchiverFunction: LAMBDA_FN = archiver
build-ProcessorFunction build-ArchiverFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "$@: ARTIFACTS_DIR is not set: sam build sets it to the function's build directory; by hand, make $@ ARTIFACTS_DIR=DIR (or make build, which writes $(BIN)/)" >&2; exit 2; }
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(LAMBDA_FN)

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .

clean:
	rm -rf $(BIN)

# Targets owned by each area (evaluation, benchmarks, soak) live beside the Makefile.
-include mk/*.mk
