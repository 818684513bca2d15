# Required DLQ retention: "every queue in the payments account needs a DLQ
# with 14 days of retention" (queues tagged account = payments).
#
# Pattern: a cross-resource check. The dead-letter queue is found through the
# configuration reference (HCL, plan: `refs.redrive_policy`) or, when the
# redrive policy is known, through its deadLetterTargetArn (Pulumi state,
# existing resources: `ids.arn`). An absent message_retention_seconds is the
# AWS default, 4 days; a value not known before apply is never judged.
# Cross-resource: no `scope: resource` in the metadata.
package resilint.sqs_dlq_retention

import rego.v1

__rego_metadata__ := {
	"id": "ORG201",
	"title": "Payments queues have a dead-letter queue keeping messages 14 days",
	"severity": "high",
	"description": "A message that keeps failing must land somewhere it survives a long weekend and an incident review.",
	"remediation": "Set redrive_policy to a dead-letter queue whose message_retention_seconds is 1209600 (14 days).",
	"types": ["aws_sqs_queue"],
}

required_retention := 1209600 # 14 days

aws_default_retention := 345600 # 4 days

# addresses are unique within a root (a Terraform root, a plan, a stack):
# a scan of several roots may repeat them, so lookups key on both
key(root, address) := concat(" ", [root, address])

queues := {key(q.root, q.address): q | some q in input.resources; q.type == "aws_sqs_queue"}

by_arn := {q.ids.arn: k | some k, q in queues; q.ids.arn}

# keys of the queue's dead-letter queues
dlqs(q) := {k | some a in object.get(q.refs, "redrive_policy", []); k := key(q.root, a); queues[k]} | {k |
	is_string(q.attrs.redrive_policy)
	arn := json.unmarshal(q.attrs.redrive_policy).deadLetterTargetArn
	k := by_arn[arn]
}

dead_letter_queues := {k | some q in queues; some k in dlqs(q)}

in_scope(q) if q.attrs.tags.account == "payments"

has_redrive(q) if q.attrs.redrive_policy != null

has_redrive(q) if "redrive_policy" in q.unknown

retention(d) := s if {
	s := d.attrs.message_retention_seconds
	is_number(s)
}

retention(d) := aws_default_retention if {
	not is_number(d.attrs.message_retention_seconds)
	not "message_retention_seconds" in d.unknown
}

deny contains {
	"msg": sprintf("SQS queue %s (account payments) has no dead-letter queue: redrive_policy is unset, so a message that keeps failing is retried until it expires", [q.address]),
	"resource": q.address,
	"file": q.file,
} if {
	some k, q in queues
	in_scope(q)
	not dead_letter_queues[k]
	not has_redrive(q)
}

deny contains {
	"msg": sprintf("SQS queue %s (account payments) sends failed messages to %s, which keeps them %d s (%.1f days): 14 days are required", [q.address, d.address, s, s / 86400]),
	"resource": q.address,
	"file": q.file,
	"attribute": "redrive_policy",
} if {
	some q in queues
	in_scope(q)
	some k in dlqs(q)
	d := queues[k]
	s := retention(d)
	s < required_retention
}
