# template.yaml in make test: cfn-lint applies the SAM transform and must
# report nothing, informational findings included. (internal/cfn's tests then
# translate the template with aws-sam-translator and check every IAM grant.)
# .ci/run installs cfn-lint when the machine lacks it.
CFN_LINT ?= cfn-lint

.PHONY: check-template
check-template:
	@command -v $(CFN_LINT) >/dev/null 2>&1 || { echo "check-template: $(CFN_LINT) not found; make test checks template.yaml with it: python3 -m pip install cfn-lint (bash .ci/run installs it)" >&2; exit 1; }
	$(CFN_LINT) --include-checks I --non-zero-exit-code informational -- template.yaml
