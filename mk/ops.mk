# Operating it (internal/redrive, internal/doctor, kleo redrive/deadletters/
# doctor/indexes). The tests start kinesalite (tools/node), goaws (an SQS
# API server, in-process), gofakes3 and FerretDB on 127.0.0.1 themselves.
.PHONY: test-ops ops-demo

test-ops: $(NODE_DEPS)
	$(GO) test -count=1 ./internal/redrive/... ./internal/doctor/...
	$(GO) test -count=1 -run 'TestDeadLettersCommand|TestDoctorCommand|TestRedriveCommand' ./cmd/kleo/

# The outputs docs/runbook.md quotes: a run on the embedded store in
# .kleo/ops, then the dead-letter commands and a dry-run re-drive on it.
OPS_DIR ?= .kleo/ops
ops-demo:
	@mkdir -p $(OPS_DIR)
	$(GO) run ./cmd/kleo run -dir $(OPS_DIR)/data -log $(OPS_DIR)/run.log -archive=false -quiet > $(OPS_DIR)/run.txt
	$(GO) run ./cmd/kleo deadletters group --dir $(OPS_DIR)/data
	$(GO) run ./cmd/kleo deadletters list --reason 'not JSON' --dir $(OPS_DIR)/data
	$(GO) run ./cmd/kleo redrive --dead-letters --dir $(OPS_DIR)/data | tail -9
