"""A pointer a plan shows as known after apply, indexed by `each.key` (`aws_lambda_function.fn[each.key].function_name`):
its references name every instance of `fn` and `each.key`, which terraform knew at plan. The
rules that stay silent for whatever such a pointer may name (RES302, RES401, RES406, RES409,
the GCP autoscaler lookup) are silent for those candidates only, not for every resource of the plan."""

from __future__ import annotations

import json
from pathlib import Path

from linter.engine import ScanOptions, scan

from .test_tfplan_loader import change, config, plan


def _findings(tmp_path: Path, doc: dict, rule: str) -> set[str]:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    result = scan([str(path)], ScanOptions())
    assert not result.errors
    return {f.resource for f in result.findings if f.rule_id == rule}


def _for_each(rtype: str, name: str, keys: list[str], after: dict, unknown: dict, expressions: dict,
              for_each_refs: list[str] | None) -> tuple[list[dict], dict]:
    """Instances of a block for_each over `var.keys` (`for_each_refs`: None leaves the
    expression out of the configuration)."""
    changes = [change(f'{rtype}.{name}["{k}"]', rtype, ["create"], after={**after}, after_unknown=unknown, index=k)
               for k in keys]
    block = config(f"{rtype}.{name}", rtype, expressions)
    if for_each_refs is not None:
        block["for_each_expression"] = {"references": for_each_refs}
    return changes, block


def _doc(changes: list[dict], blocks: list[dict], keys: list[str]) -> dict:
    doc = plan(changes, blocks)
    doc["variables"] = {"keys": {"value": keys}}
    return doc


def _lambda_plan(for_each_refs: list[str] | None) -> dict:
    keys = ["thumbs", "resize"]
    functions, fn_block = _for_each("aws_lambda_function", "fn", keys, {"function_name": "x"}, {}, {}, ["var.keys"])
    for c, k in zip(functions, keys):
        c["change"]["after"]["function_name"] = k
    configs, cfg_block = _for_each(
        "aws_lambda_function_event_invoke_config", "fn", keys, {}, {"function_name": True},
        {"function_name": {"references": ["aws_lambda_function.fn", "each.key"]},
         "destination_config": [{"on_failure": [{"destination": {"constant_value": "arn:aws:sqs:eu-west-1:1:failed"}}]}]},
        for_each_refs)
    for c in configs:
        c["change"]["after"]["destination_config"] = [{"on_failure": [{"destination": "arn:aws:sqs:eu-west-1:1:failed"}]}]
    # every function is invoked by S3 (asynchronously); `audit` has no invoke config
    perms = [change(f"aws_lambda_permission.{n}", "aws_lambda_permission", ["create"],
                    after={"function_name": n, "principal": "s3.amazonaws.com"}) for n in [*keys, "audit"]]
    audit = change("aws_lambda_function.audit", "aws_lambda_function", ["create"], after={"function_name": "audit"})
    blocks = [fn_block, cfg_block, config("aws_lambda_function.audit", "aws_lambda_function", {})]
    return _doc(functions + configs + perms + [audit], blocks, keys)


def test_res406_judges_functions_no_invoke_config_may_belong_to(tmp_path):
    assert _findings(tmp_path, _lambda_plan(["var.keys"]), "RES406") == {"aws_lambda_function.audit"}
    # each.key not known at plan (no for_each expression): the configs may be anyone's
    assert _findings(tmp_path, _lambda_plan(None), "RES406") == set()


def _pubsub_plan(for_each_refs: list[str] | None) -> dict:
    keys = ["orders", "mail"]
    topic = change("google_pubsub_topic.events", "google_pubsub_topic", ["create"], after={"name": "events"})
    dlqs, dlq_block = _for_each("google_pubsub_topic", "dlq", keys, {}, {}, {}, ["var.keys"])
    for c, k in zip(dlqs, keys):
        c["change"]["after"]["name"] = f"{k}-dead"
    subs, sub_block = _for_each(
        "google_pubsub_subscription", "sub", keys, {"name": "s", "topic": "events"},
        {"dead_letter_policy": [{"dead_letter_topic": True}]},
        {"dead_letter_policy": [{"dead_letter_topic": {"references": ["google_pubsub_topic.dlq", "each.key"]}}]},
        for_each_refs)
    for c in subs:
        c["change"]["after"]["dead_letter_policy"] = [{"max_delivery_attempts": 10}]
    audit = change("google_pubsub_subscription.audit", "google_pubsub_subscription", ["create"],
                   after={"name": "audit", "topic": "events"})
    blocks = [dlq_block, sub_block, config("google_pubsub_subscription.audit", "google_pubsub_subscription", {}),
              config("google_pubsub_topic.events", "google_pubsub_topic", {})]
    return _doc([topic, *dlqs, *subs, audit], blocks, keys)


def test_res409_judges_subscriptions_whatever_an_indexed_dead_letter_topic(tmp_path):
    assert _findings(tmp_path, _pubsub_plan(["var.keys"]), "RES409") == {"google_pubsub_subscription.audit"}
    assert _findings(tmp_path, _pubsub_plan(None), "RES409") == set()


def _mig_plan(for_each_refs: list[str] | None) -> dict:
    keys = ["web", "api"]
    migs, mig_block = _for_each("google_compute_instance_group_manager", "mig", keys, {"target_size": 1, "zone": "europe-west1-b"},
                                {}, {}, ["var.keys"])
    for c, k in zip(migs, keys):
        c["change"]["after"]["name"] = k
    scalers, scaler_block = _for_each(
        "google_compute_autoscaler", "scaler", keys, {"autoscaling_policy": [{"min_replicas": 3, "max_replicas": 5}]},
        {"target": True}, {"target": {"references": ["google_compute_instance_group_manager.mig", "each.key"]}},
        for_each_refs)
    solo = change("google_compute_instance_group_manager.solo", "google_compute_instance_group_manager", ["create"],
                  after={"name": "solo", "target_size": 1, "zone": "europe-west1-b"})
    blocks = [mig_block, scaler_block, config("google_compute_instance_group_manager.solo", "google_compute_instance_group_manager", {})]
    return _doc([*migs, *scalers, solo], blocks, keys)


def test_a_mig_no_autoscaler_may_own_is_judged_on_its_target_size(tmp_path):
    rule = "RES111"
    assert _findings(tmp_path, _mig_plan(["var.keys"]), rule) == {"google_compute_instance_group_manager.solo"}
    assert _findings(tmp_path, _mig_plan(None), rule) == set()


def _cluster_plan(for_each_refs: list[str] | None) -> dict:
    keys = ["orders", "ledger"]
    clusters, cluster_block = _for_each("aws_rds_cluster", "c", keys, {"engine": "aurora-postgresql"}, {}, {}, ["var.keys"])
    for c, k in zip(clusters, keys):
        c["change"]["after"]["cluster_identifier"] = k
    instances, inst_block = _for_each(
        "aws_rds_cluster_instance", "i", keys, {"engine": "aurora-postgresql", "instance_class": "db.r6g.large"},
        {"cluster_identifier": True}, {"cluster_identifier": {"references": ["aws_rds_cluster.c", "each.key"]}},
        for_each_refs)
    solo = change("aws_rds_cluster.solo", "aws_rds_cluster", ["create"],
                  after={"engine": "aurora-postgresql", "cluster_identifier": "solo"})
    solo_instance = change("aws_rds_cluster_instance.solo", "aws_rds_cluster_instance", ["create"],
                           after={"engine": "aurora-postgresql", "instance_class": "db.r6g.large"},
                           after_unknown={"cluster_identifier": True})
    blocks = [cluster_block, inst_block, config("aws_rds_cluster.solo", "aws_rds_cluster", {}),
              config("aws_rds_cluster_instance.solo", "aws_rds_cluster_instance",
                     {"cluster_identifier": {"references": ["aws_rds_cluster.solo.id", "aws_rds_cluster.solo"]}})]
    return _doc([*clusters, *instances, solo, solo_instance], blocks, keys)


def test_res302_judges_clusters_no_instance_may_belong_to(tmp_path):
    """Instances for_each naming `aws_rds_cluster.c[each.key].id`: each may be one more of any
    `c` cluster's, none of `solo`'s, which has one instance."""
    assert _findings(tmp_path, _cluster_plan(["var.keys"]), "RES302") == {"aws_rds_cluster.solo"}
    assert _findings(tmp_path, _cluster_plan(None), "RES302") == set()
