"""AWS compute, timeout and retry rules (RES104-109, RES201/202/209, RES401-408) on the real corpus.

Every assertion was checked by reading the corpus file: the values quoted in
the comments are the ones in the file.
"""

from __future__ import annotations

from tests.conftest import corpus_dir, run_scan

AWS_RULES = [
    "RES104", "RES105", "RES106", "RES107", "RES108", "RES109", "RES201", "RES202", "RES209",
    "RES401", "RES402", "RES403", "RES404", "RES405", "RES406", "RES407", "RES408",
]


def findings(path):
    result = run_scan(path, select=AWS_RULES)
    assert not result.errors, [str(e) for e in result.errors]
    return result.findings


def hits(found, rule_id):
    return sorted((f.resource, f.message) for f in found if f.rule_id == rule_id)


def test_trivy_asg_max_size_one():
    # aws_autoscaling_group.this: min_size 1, max_size 1, desired_capacity 20,
    # availability_zones ["us-east-1a"]: RES104 (max 1); RES105 leaves a group
    # that can never hold two instances to RES104
    found = findings(corpus_dir("tfplan") / "trivy-checks__asg_launch_template.json")
    res104 = hits(found, "RES104")
    assert [r for r, _ in res104] == ["aws_autoscaling_group.this"]
    assert "max_size = 1" in res104[0][1]
    assert hits(found, "RES105") == []


def test_regula_asg_single_instance():
    # aws_autoscaling_group.example: min/max/desired 1, availability_zones ["us-east-1a"]
    found = findings(corpus_dir("tfplan") / "regula__resource_view_07_asg_google.json")
    assert [r for r, _ in hits(found, "RES104")] == ["aws_autoscaling_group.example"]
    assert hits(found, "RES105") == []


def test_tfcompliance_modules_asg_alb_lambda():
    # module.myapp-asg.aws_autoscaling_group.asg: min/max/desired 1 -> RES104.
    # module.alb.aws_alb.alb and the VPC Lambda use subnet ids (subnet-13f44a58,
    # subnet-9918eec4) of subnets that are not in the plan: RES105/RES106 stay silent.
    found = findings(corpus_dir("tfplan") / "tfcompliance__issue-249_asg_alb_modules.json")
    assert [r for r, _ in hits(found, "RES104")] == ["module.myapp-asg.aws_autoscaling_group.asg"]
    assert hits(found, "RES105") == []
    assert hits(found, "RES106") == []


def test_tfcompliance_sqs_queues_without_dlq():
    # aws_sqs_queue.failure and .success: redrive_policy null, neither is anyone's DLQ
    found = findings(corpus_dir("tfplan") / "tfcompliance__issue-260_sqs.json")
    res401 = hits(found, "RES401")
    assert [r for r, _ in res401] == ["aws_sqs_queue.failure", "aws_sqs_queue.success"]
    # not written in the configuration: the provider's default, worded as the .tf scan words it
    assert all(m.endswith("message_retention_seconds is unset and defaults to 345600 (4 days)") for _, m in res401)


def test_pulumi_checkpoint_sns_and_eventbridge_without_dlq():
    # countDown_watcher: an SNS subscription with protocol "lambda" and no redrivePolicy;
    # heartbeat: an EventBridge target without deadLetterConfig. Both functions have a
    # deadLetterConfig (an SNS topic), so RES406 is silent although SNS and EventBridge
    # invoke them asynchronously.
    found = findings(corpus_dir("pulumi") / "pulumi__checkpoint-v3.json")
    res407 = [f for f in found if f.rule_id == "RES407"]
    assert [f.resource for f in res407] == ["aws_sns_topic_subscription.countDown_watcher"]
    assert str(res407[0].severity) == "medium" and "(lambda)" in res407[0].message
    assert [r for r, _ in hits(found, "RES408")] == ["aws_cloudwatch_event_target.heartbeat"]
    assert hits(found, "RES406") == []


def test_tam_sqs_module_root_dead_letter_queue_follows_its_variables():
    # aws_sqs_queue.this gets its redrive policy from aws_sqs_queue_redrive_policy,
    # whose count is var.create && var.create_dlq ? 1 : 0 ("dlq") or needs a
    # non-empty var.redrive_policy ("this"). With the defaults (create_dlq = false,
    # redrive_policy = {}) Terraform creates the queue and no policy: no DLQ.
    found = findings(corpus_dir("terraform-hcl") / "tam-sqs__root")
    assert [r for r, _ in hits(found, "RES401")] == ["aws_sqs_queue.this[0]"]
    # with create_dlq = true the dlq policy (deadLetterTargetArn = aws_sqs_queue.dlq[0].arn) exists
    result = run_scan(corpus_dir("terraform-hcl") / "tam-sqs__root", select=AWS_RULES,
                      loader_options={"terraform_variables": [("var", "create_dlq=true")]})
    assert not result.errors and hits(result.findings, "RES401") == []
    # both retentions are unset (dlq: try(coalesce(null, null), null)): 4 days each
    assert [r for r, _ in hits(result.findings, "RES402")] == ["aws_sqs_queue.dlq[0]"]


def test_tam_autoscaling_root_sizes_from_variables_are_silent():
    # min_size / max_size / desired_capacity / vpc_zone_identifier are variables
    # defaulting to null: nothing known, nothing reported
    found = findings(corpus_dir("terraform-hcl") / "tam-autoscaling__root")
    assert hits(found, "RES104") == []
    assert hits(found, "RES105") == []


def test_tam_lambda_mappings_inside_unloaded_module_are_not_judged():
    # the SQS, DynamoDB and Kinesis event source mappings are inputs of
    # module "lambda_function" (source ../../, not part of this directory)
    found = findings(corpus_dir("terraform-hcl") / "tam-lambda__examples_event-source-mapping")
    for rule_id in ("RES201", "RES403", "RES404", "RES405"):
        assert hits(found, rule_id) == [], rule_id
