"""Benchmark: a full resilint scan of a 10,000-resource Terraform plan vs `json.load`.

    python3 benchmarks/bench_tfplan.py [--resources 10000] [--repeat 3] [--keep FILE] [--big-mb 500]

Generates a plan shaped like `terraform show -json` output (modules, count
instances, creates/updates/no-ops, after_unknown, configuration expressions
with references, prior_state data sources), writes it to a temporary file and
reports, in one run, the best of `--repeat` timings and the peak memory
(each step in a fresh process) of:

  parse: json.load of the file
  scan:  linter.engine.scan of the same file (read + parse + load + index + every rule)

Targets: scan <= 3x parse in time, <= 1.5x in peak memory (issue #12).
`--big-mb 500` also measures a 500 MB plan, once, at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import JSON_LOAD, JSON_LOAD_SETUP, SCAN, Measure, measure, ratio, scan_setup  # noqa: E402

AZS = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def _rc(address, rtype, actions, after, unknown=None, before=None, module=None, index=None):
    rc = {
        "address": address,
        "mode": "managed",
        "type": rtype,
        "name": address.split(".")[-1].split("[")[0],
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": unknown or {},
            "before_sensitive": False if before is None else {},
            "after_sensitive": {},
        },
    }
    if module:
        rc["module_address"] = module
    if index is not None:
        rc["index"] = index
    return rc


def _tags(i):
    return {"Name": f"svc-{i}", "team": f"team-{i % 17}", "env": "prod", "cost-center": str(1000 + i % 50)}


def service(m: int, rng: random.Random) -> tuple[list, list]:
    """One module instance: a VPC slice, 3 subnets, an ASG, a DB, queues, a lambda, ... (20 resources)."""
    mod = f'module.svc["s{m}"]'
    changes, n = [], 0

    def add(rel, rtype, after, unknown=None, action=None, index=None):
        nonlocal n
        n += 1
        act = action or rng.choice([["create"], ["no-op"], ["no-op"], ["update"]])
        before = None
        if act != ["create"]:
            before = dict(after)
            for key in (unknown or {}):
                before[key] = f"{rtype}-{m}-{n}-{key}"
            after = dict(before) if act == ["no-op"] else dict(after)
            unknown = {} if act == ["no-op"] else unknown
        address = f"{mod}.{rel}" + (f"[{index}]" if index is not None else "")
        changes.append(_rc(address, rtype, act, after, unknown, before, mod, index))

    for z in range(3):
        add("aws_subnet.private", "aws_subnet",
            {"availability_zone": AZS[z], "cidr_block": f"10.{m % 250}.{z}.0/24", "tags": _tags(m),
             "map_public_ip_on_launch": False, "assign_ipv6_address_on_creation": False},
            {"id": True, "arn": True, "vpc_id": True, "ipv6_cidr_block_association_id": True}, index=z)
    add("aws_autoscaling_group.web", "aws_autoscaling_group",
        {"min_size": 2, "max_size": 6, "desired_capacity": 3, "health_check_type": "ELB",
         "launch_template": [{"version": "$Latest"}], "tag": [{"key": "Name", "value": f"svc-{m}", "propagate_at_launch": True}]},
        {"id": True, "arn": True, "vpc_zone_identifier": True, "launch_template": [{"id": True, "name": True}],
         "availability_zones": True, "target_group_arns": True})
    add("aws_launch_template.web", "aws_launch_template",
        {"image_id": "ami-0123456789", "instance_type": "m5.large", "tags": _tags(m),
         "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": [{"volume_size": 50, "volume_type": "gp3", "encrypted": "true"}]}]},
        {"id": True, "arn": True, "latest_version": True})
    add("aws_lb.web", "aws_lb", {"internal": False, "load_balancer_type": "application", "idle_timeout": 60,
                                 "enable_cross_zone_load_balancing": None, "tags": _tags(m)},
        {"id": True, "arn": True, "dns_name": True, "subnets": True, "security_groups": True})
    add("aws_lb_target_group.web", "aws_lb_target_group",
        {"port": 80, "protocol": "HTTP", "health_check": [{"path": "/healthz", "interval": 30, "matcher": "200"}]},
        {"id": True, "arn": True, "vpc_id": True})
    add("aws_db_instance.main", "aws_db_instance",
        {"engine": "postgres", "engine_version": "15.4", "instance_class": "db.r6g.large", "allocated_storage": 100,
         "storage_encrypted": True, "deletion_protection": True, "tags": _tags(m),
         **({"multi_az": m % 3 != 0, "backup_retention_period": 7} if m % 2 else {})},
        {"id": True, "arn": True, "endpoint": True, "address": True, "db_subnet_group_name": True,
         **({} if m % 2 else {"multi_az": True, "backup_retention_period": True})})
    add("aws_db_subnet_group.main", "aws_db_subnet_group", {"name": f"svc-{m}", "tags": _tags(m)},
        {"id": True, "arn": True, "subnet_ids": True})
    add("aws_sqs_queue.jobs", "aws_sqs_queue",
        {"visibility_timeout_seconds": 30 if m % 4 else 900, "message_retention_seconds": 345600, "fifo_queue": False,
         "delay_seconds": 0, "max_message_size": 262144, "tags": _tags(m)},
        {"id": True, "arn": True, "url": True, "redrive_policy": True})
    add("aws_sqs_queue.dlq", "aws_sqs_queue",
        {"visibility_timeout_seconds": 30, "message_retention_seconds": 1209600, "fifo_queue": False, "tags": _tags(m)},
        {"id": True, "arn": True, "url": True})
    add("aws_lambda_function.worker", "aws_lambda_function",
        {"function_name": f"worker-{m}", "runtime": "python3.12", "handler": "app.handler", "timeout": 60,
         "memory_size": 512, "environment": [{"variables": {"QUEUE": f"jobs-{m}", "LOG_LEVEL": "info"}}], "tags": _tags(m)},
        {"id": True, "arn": True, "invoke_arn": True, "role": True, "last_modified": True, "version": True})
    add("aws_lambda_event_source_mapping.jobs", "aws_lambda_event_source_mapping",
        {"batch_size": 10, "enabled": True}, {"id": True, "uuid": True, "event_source_arn": True, "function_name": True,
                                             "maximum_retry_attempts": True})
    add("aws_iam_role.worker", "aws_iam_role",
        {"name": f"worker-{m}", "assume_role_policy": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
         "max_session_duration": 3600, "path": "/", "tags": _tags(m)},
        {"id": True, "arn": True, "unique_id": True})
    add("aws_security_group.web", "aws_security_group",
        {"name": f"web-{m}", "description": "web", "ingress": [
            {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"], "description": "", "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False}],
         "tags": _tags(m)}, {"id": True, "arn": True, "vpc_id": True, "owner_id": True})
    add("aws_elasticache_replication_group.cache", "aws_elasticache_replication_group",
        {"description": "cache", "node_type": "cache.r6g.large", "num_cache_clusters": 2 if m % 5 else 1,
         "automatic_failover_enabled": m % 5 != 0, "multi_az_enabled": m % 5 != 0, "engine": "redis", "tags": _tags(m)},
        {"id": True, "arn": True, "primary_endpoint_address": True, "subnet_group_name": True})
    add("aws_cloudwatch_log_group.worker", "aws_cloudwatch_log_group",
        {"name": f"/aws/lambda/worker-{m}", "retention_in_days": 30, "tags": _tags(m)}, {"id": True, "arn": True})
    add("aws_ecs_service.api", "aws_ecs_service",
        {"name": f"api-{m}", "desired_count": 2 if m % 7 else 1, "launch_type": "FARGATE",
         "deployment_circuit_breaker": [{"enable": True, "rollback": True}]},
        {"id": True, "cluster": True, "task_definition": True, "network_configuration": [{"subnets": True}]})
    add("aws_s3_bucket.assets", "aws_s3_bucket", {"bucket": f"assets-{m}", "force_destroy": False, "tags": _tags(m)},
        {"id": True, "arn": True, "bucket_domain_name": True, "region": True})
    return changes, n


def module_config() -> dict:
    def ref(*names):
        out = []
        for name in names:
            out.extend([f"{name}.id", name])
        return {"references": out}

    def res(address, rtype, expressions):
        return {"address": address, "mode": "managed", "type": rtype, "name": address.split(".")[-1],
                "provider_config_key": "aws", "expressions": expressions, "schema_version": 0}

    return {"resources": [
        res("aws_subnet.private", "aws_subnet", {"availability_zone": {"references": ["local.azs", "count.index"]},
                                                 "vpc_id": {"references": ["var.vpc_id"]}, "count_expression": {"constant_value": 3}}),
        res("aws_autoscaling_group.web", "aws_autoscaling_group", {
            "min_size": {"constant_value": 2}, "max_size": {"constant_value": 6},
            "vpc_zone_identifier": {"references": ["aws_subnet.private"]},
            "launch_template": [{"id": ref("aws_launch_template.web"), "version": {"constant_value": "$Latest"}}]}),
        res("aws_launch_template.web", "aws_launch_template", {"image_id": {"constant_value": "ami-0123456789"}}),
        res("aws_lb.web", "aws_lb", {"subnets": {"references": ["aws_subnet.private"]},
                                     "security_groups": {"references": ["aws_security_group.web.id", "aws_security_group.web"]}}),
        res("aws_lb_target_group.web", "aws_lb_target_group", {"vpc_id": {"references": ["var.vpc_id"]}}),
        res("aws_db_instance.main", "aws_db_instance", {
            "engine": {"constant_value": "postgres"},
            "db_subnet_group_name": {"references": ["aws_db_subnet_group.main.name", "aws_db_subnet_group.main"]}}),
        res("aws_db_subnet_group.main", "aws_db_subnet_group", {"subnet_ids": {"references": ["aws_subnet.private"]}}),
        res("aws_sqs_queue.jobs", "aws_sqs_queue", {"redrive_policy": {"references": ["aws_sqs_queue.dlq.arn", "aws_sqs_queue.dlq"]}}),
        res("aws_sqs_queue.dlq", "aws_sqs_queue", {"message_retention_seconds": {"constant_value": 1209600}}),
        res("aws_lambda_function.worker", "aws_lambda_function", {"role": {"references": ["aws_iam_role.worker.arn", "aws_iam_role.worker"]}}),
        res("aws_lambda_event_source_mapping.jobs", "aws_lambda_event_source_mapping", {
            "event_source_arn": {"references": ["aws_sqs_queue.jobs.arn", "aws_sqs_queue.jobs"]},
            "function_name": {"references": ["aws_lambda_function.worker.arn", "aws_lambda_function.worker"]}}),
        res("aws_iam_role.worker", "aws_iam_role", {"name": {"references": ["var.name"]}}),
        res("aws_security_group.web", "aws_security_group", {"vpc_id": {"references": ["var.vpc_id"]}}),
        res("aws_elasticache_replication_group.cache", "aws_elasticache_replication_group", {"engine": {"constant_value": "redis"}}),
        res("aws_cloudwatch_log_group.worker", "aws_cloudwatch_log_group", {"retention_in_days": {"constant_value": 30}}),
        res("aws_ecs_service.api", "aws_ecs_service", {"network_configuration": [{"subnets": {"references": ["aws_subnet.private"]}}]}),
        res("aws_s3_bucket.assets", "aws_s3_bucket", {"bucket": {"references": ["var.name"]}}),
    ]}


def generate(resources: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    changes: list = []
    m = 0
    while len(changes) < resources:
        batch, _ = service(m, rng)
        changes.extend(batch)
        m += 1
    changes = changes[:resources]
    prior = [{"address": f"data.aws_subnet.shared[{i}]", "mode": "data", "type": "aws_subnet", "name": "shared",
              "index": i, "values": {"id": f"subnet-shared{i}", "availability_zone": AZS[i % 3]}} for i in range(30)]
    return {
        "format_version": "1.2",
        "terraform_version": "1.6.6",
        "planned_values": {"root_module": {}},
        "resource_changes": changes,
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": prior}}},
        "configuration": {"root_module": {
            "resources": [],
            "module_calls": {"svc": {"source": "./modules/service", "for_each_expression": {"references": ["var.services"]},
                                     "module": module_config()}},
        }},
    }




def write_plan(path: str, resources: int) -> float:
    """The plan as `terraform show -json` writes it (one line); MB written."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(generate(resources), fh)
    return os.path.getsize(path) / 1e6


def resources_for_mb(mb: float) -> int:
    return max(20, int(mb * 1e6 / (len(json.dumps(generate(2000))) / 2000)))


def compare(path: str, repeat: int) -> tuple[Measure, Measure]:
    warm = os.path.join(os.path.dirname(path), "warm.json")
    with open(warm, "w", encoding="utf-8") as fh:
        json.dump(generate(20), fh)
    return (measure(f"PATH = {path!r}\n" + JSON_LOAD_SETUP, JSON_LOAD, repeat),
            measure(scan_setup(path, warm), SCAN, repeat))


def report(label: str, parse: Measure, scanned: Measure) -> None:
    resources, findings = scanned.note
    print(label)
    print(f"  json.load:                          {parse}")
    print(f"  scan ({resources} resources, {findings} findings): {scanned}")
    print(f"  ratio: time {ratio(scanned.seconds, parse.seconds)} (cpu {ratio(scanned.cpu_seconds, parse.cpu_seconds)}; target <= 3x), "
          f"peak memory {ratio(scanned.peak_mib, parse.peak_mib)} (target <= 1.5x), "
          f"step memory {ratio(scanned.step_mib, parse.step_mib)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="FILE", help="also write the generated plan to FILE")
    parser.add_argument("--big-mb", type=float, default=0,
                        help="also measure one plan of about this many MB, once, at the end (e.g. 500)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "plan.json")
        size_mb = write_plan(path, args.resources)
        if args.keep:
            shutil.copy(path, args.keep)
        parse, scanned = compare(path, args.repeat)
        report(f"plan: {args.resources} resources, {size_mb:.1f} MB (best of {args.repeat}, fresh process each)",
               parse, scanned)
        if args.big_mb:
            os.unlink(path)
            resources = resources_for_mb(args.big_mb)
            size_mb = write_plan(path, resources)
            parse, scanned = compare(path, 1)
            report(f"big plan: {resources} resources, {size_mb:.0f} MB (one run each)", parse, scanned)
    return 0


if __name__ == "__main__":
    sys.exit(main())
