"""The real Pulumi documents of the shared corpus: every one loads without an
input error, and the values checked here were read in the files themselves."""

from __future__ import annotations

import pytest

from linter.loaders import load_paths
from linter.model import is_unknown
from linter.rules import load_rules
from tests.conftest import corpus_dir, run_scan

RULES = load_rules()


def resources(name: str) -> dict:
    path = corpus_dir("pulumi") / name
    loaded = load_paths([str(path)])
    assert not loaded.errors, [str(e) for e in loaded.errors]
    return {r.address: r for r in loaded.resources}


def test_every_pulumi_corpus_file_loads_without_input_errors():
    folder = corpus_dir("pulumi")
    files = sorted(p for p in folder.iterdir() if p.is_file())
    assert len(files) >= 8
    for path in files:
        loaded = load_paths([str(path)])
        assert not loaded.errors, (path.name, [str(e) for e in loaded.errors])
        assert loaded.resources, f"{path.name}: no resources"
        assert all(r.source_format == "pulumi" for r in loaded.resources)
        assert all(r.location.line for r in loaded.resources), path.name


def test_rds_instance_stack_export():
    res = resources("pulumi-aws__rds-instance_stack.json")
    assert list(res) == ["aws_db_instance.tested-resource"]  # the stack and provider are not linted
    db = res["aws_db_instance.tested-resource"]
    assert db.type == "aws_db_instance" and db.raw_type == "aws:rds/instance:Instance"
    assert db.location.line == 42  # its "urn" line
    assert db.get("engine") == "postgres"
    assert db.get("instance_class") == "db.t4g.micro"
    assert db.get("skip_final_snapshot") is True
    assert db.get("multi_az") is False  # outputs.multiAz: the deployed instance is Single-AZ
    assert db.get("backup_retention_period") == 0
    assert db.get("deletion_protection") is False
    assert not db.has("__defaults") and not db.has("defaults")
    assert db.meta["arn"] == "arn:aws:rds:us-west-2:616138583583:db:tested-resource32446a6"


def test_rds_instance_stack_findings():
    path = corpus_dir("pulumi") / "pulumi-aws__rds-instance_stack.json"
    result = run_scan(path)
    assert not result.errors
    found = {f.rule_id for f in result.findings}
    for rule_id in ("RES301", "RES507", "RES508", "RES509"):
        if rule_id in RULES:
            assert rule_id in found, rule_id
    for f in result.findings:
        assert f.resource == "aws_db_instance.tested-resource"
        assert "aws_db_instance.tested-resource" in f.message
    # each finding points at the attribute's line in the export
    lines = {f.rule_id: f.line for f in result.findings}
    expected = {"RES301": 115, "RES507": 81, "RES508": 91, "RES509": 70}  # multiAz, backupRetentionPeriod, ...
    for rule_id, line in expected.items():
        if rule_id in lines:
            assert lines[rule_id] == line, rule_id


def test_openzfs_saved_plan():
    res = resources("pulumi-aws__openzfs_new-version_plan.json")
    assert sorted(res) == ["aws_fsx_openzfs_file_system.MyFileSystem", "aws_subnet.MySubnet", "aws_vpc.MyVPC"]
    fs = res["aws_fsx_openzfs_file_system.MyFileSystem"]
    assert fs.get("deployment_type") == "SINGLE_AZ_1"
    assert fs.get("automatic_backup_retention_days") == 0
    assert fs.change.actions == ("create",)
    subnet_ids = fs.get("subnet_ids")
    assert len(subnet_ids) == 1 and is_unknown(subnet_ids[0])
    assert subnet_ids[0].refs == ("aws_subnet.MySubnet",)  # from propertyDependencies
    vpc_id = res["aws_subnet.MySubnet"].get("vpc_id")
    assert is_unknown(vpc_id) and vpc_id.refs == ("aws_vpc.MyVPC",)
    assert res["aws_subnet.MySubnet"].get("cidr_block") == "10.0.1.0/24"
    if "RES308" in RULES:
        result = run_scan(corpus_dir("pulumi") / "pulumi-aws__openzfs_new-version_plan.json", select=["RES308"])
        assert [f.resource for f in result.findings] == ["aws_fsx_openzfs_file_system.MyFileSystem"]


def test_gke_cluster_stack():
    res = resources("pulumi-gcp__cluster_stack.json")
    cluster = res["google_container_cluster.primary"]
    assert cluster.get("location") == "us-central1"
    assert cluster.get("remove_default_node_pool") is True
    assert cluster.get("node_locations") == ["us-central1-b", "us-central1-f", "us-central1-c"]
    pool = res["google_container_node_pool.primarypreemptiblenodes"]
    assert pool.get("node_config.preemptible") is True
    assert pool.get("node_count") == 1
    assert "google_service_account.serviceAccount" in res


def test_cloud_sql_stack():
    res = resources("pulumi-gcp__sql-user_stack.json")
    db = res["google_sql_database_instance.instance"]
    assert db.get("database_version") == "MYSQL_8_0"
    assert db.get("settings.availability_type") == "ZONAL"  # from the inputs (a bridge default)
    assert db.get("settings.tier") == "db-f1-micro"
    assert db.get("settings.backup_configuration.enabled") is False
    assert db.get("deletion_protection") is False
    assert res["google_sql_user.tested-resource"].type == "google_sql_user"


def test_pubsub_and_cloud_run_stacks():
    subs = resources("pulumi-gcp__pubsub-subscription_stack.json")
    sub = subs["google_pubsub_subscription.tested-resource"]
    assert sub.get("ack_deadline_seconds") == 20
    assert sub.get("topic") == "exampleTopic-28516dc"
    assert not sub.has("dead_letter_policy")
    run = resources("pulumi-gcp__cloudrunv2-service-4_stack.json")["google_cloud_run_v2_service.tested-resource"]
    assert run.get("location") == "us-central1"
    assert run.get("template.scaling.max_instance_count") == 100
    assert run.get("template.containers.0.image") == "us-docker.pkg.dev/cloudrun/container/hello"


def test_checkpoint_v3():
    res = resources("pulumi__checkpoint-v3.json")
    fn = res["aws_lambda_function.heartbeat"]
    assert fn.get("function_name") == "heartbeat-5614fce52cdefed1"  # Pulumi `name`, Appendix B rename
    assert fn.get("timeout") == 180 and fn.get("runtime") == "nodejs6.10"
    sub = res["aws_sns_topic_subscription.countDown_watcher"]
    assert sub.get("protocol") == "lambda"
    assert sub.get("topic_arn") == "arn:aws:sns:us-east-2:153052954103:countDown-9d430501c4510322"
    target = res["aws_cloudwatch_event_target.heartbeat"]
    assert target.get("arn") == "arn:aws:lambda:us-east-2:153052954103:function:heartbeat-5614fce52cdefed1"
    # component resources (cloud:*, aws:serverless:*) hold no infrastructure
    assert not any(r.raw_type.startswith(("cloud:", "aws:serverless")) for r in res.values())
    assert len(res) == 23


def test_engine_event_log():
    res = resources("pulumi__engine-events_eks_up.ndjson")
    cluster = res["aws_eks_cluster.eks-cluster"]
    assert cluster.change.actions == ("create",) and cluster.change.before is None
    assert cluster.get("vpc_config.subnet_ids") == [
        "subnet-0016572b", "subnet-d7e7fe9c", "subnet-c7d926bf", "subnet-43f43a1e"]
    assert cluster.get("vpc_config.endpoint_public_access") is True
    role = res["aws_iam_role.eks-role"]
    assert role.change.actions == ("no-op",)
    assert role.before("max_session_duration") == 3600
    assert sorted(r.type for r in res.values()).count("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == 2


@pytest.mark.parametrize("rule_id,name,resource", [
    ("RES311", "pulumi-gcp__sql-user_stack.json", "google_sql_database_instance.instance"),
    ("RES511", "pulumi-gcp__sql-user_stack.json", "google_sql_database_instance.instance"),
    ("RES409", "pulumi-gcp__pubsub-subscription_stack.json", "google_pubsub_subscription.tested-resource"),
    ("RES408", "pulumi__checkpoint-v3.json", "aws_cloudwatch_event_target.heartbeat"),
])
def test_corpus_findings(rule_id, name, resource):
    if rule_id not in RULES:
        pytest.skip(f"{rule_id} not registered yet")
    result = run_scan(corpus_dir("pulumi") / name, select=[rule_id])
    assert not result.errors
    assert resource in [f.resource for f in result.findings]


def test_cli_scan_of_a_stack_export():
    import json
    import subprocess
    import sys

    path = corpus_dir("pulumi") / "pulumi-aws__rds-instance_stack.json"
    proc = subprocess.run([sys.executable, "-m", "linter", "scan", str(path), "--format", "json"],
                          capture_output=True, text=True)
    report = json.loads(proc.stdout)
    assert not report["errors"]
    findings = {f["rule_id"]: f for f in report["findings"]}
    if "RES301" in RULES:
        assert proc.returncode == 1  # a high finding fails the scan
        assert findings["RES301"]["resource"] == "aws_db_instance.tested-resource"
        assert findings["RES301"]["resource_type"] == "aws_db_instance"
        assert findings["RES301"]["line"] == 115
