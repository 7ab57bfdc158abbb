# Load and soak (not part of `make test`): 1,000,000 generated records through the
# event-source-mapping emulator and the real handler into the embedded store, with
# the books checked against the generator's ground truth at the end.
.PHONY: soak
soak:
	$(GO) run ./cmd/kleo soak
