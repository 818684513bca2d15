# Timeout ceiling: no Lambda function may run longer than 60 seconds (its
# callers give up sooner, and a retry then runs beside the first attempt).
#
# Pattern: a numeric ceiling on one attribute, with the provider default
# (3 s) when it is absent; a value not known before apply is never judged.
package resilint.timeout_ceiling

import rego.v1

__rego_metadata__ := {
	"id": "ORG301",
	"title": "Lambda functions time out within 60 seconds",
	"severity": "medium",
	"remediation": "Lower timeout to 60 seconds or less; move long work to a queue or a Step Functions state machine.",
	"types": ["aws_lambda_function"],
	"scope": "resource",
}

ceiling := 60

deny contains {
	"msg": sprintf("Lambda function %s has timeout = %d s, above the %d s ceiling: callers time out first and their retries run beside it", [f.address, f.attrs.timeout, ceiling]),
	"resource": f.address,
	"attribute": "timeout",
} if {
	some f in input.resources
	f.type == "aws_lambda_function"
	is_number(f.attrs.timeout)
	f.attrs.timeout > ceiling
}

# a warning, not a failure: close to the ceiling
warn contains {
	"msg": sprintf("Lambda function %s has timeout = %d s, close to the %d s ceiling", [f.address, f.attrs.timeout, ceiling]),
	"resource": f.address,
	"attribute": "timeout",
} if {
	some f in input.resources
	f.type == "aws_lambda_function"
	is_number(f.attrs.timeout)
	f.attrs.timeout > ceiling - 10
	f.attrs.timeout <= ceiling
}
