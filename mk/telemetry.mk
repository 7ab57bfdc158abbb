# Metrics, traces and logs of the functions (internal/telemetry), and the
# dashboard and alarms of template.yaml.
.PHONY: test-telemetry bench-telemetry lint-template

# EMF spec checks, X-Ray against a loopback fake daemon, log redaction, and
# the template's dashboard and alarms.
test-telemetry:
	$(GO) test -count=1 -race ./internal/telemetry/ ./internal/cfn/

# EMF encoding of one invocation's report, and the cost of one X-Ray span
# (quote the median of 5).
bench-telemetry:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/telemetry/

# cfn-lint applies the SAM transform and checks the result against the
# CloudFormation resource specification (intrinsic references included);
# it is what `sam validate --lint` runs.
lint-template:
	@command -v cfn-lint >/dev/null || { echo "lint-template: cfn-lint is not installed (pip install cfn-lint)"; exit 1; }
	cfn-lint template.yaml
