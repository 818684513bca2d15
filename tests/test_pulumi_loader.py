"""The Pulumi loader: every document shape, normalisation to the canonical model,
unknowns and secrets, input errors, and the token table's coverage of the rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.loaders import load_paths
from linter.loaders.pulumi import load_document, parse_source_position
from linter.model import InputError, Location, is_unknown
from linter.normalize import (
    PULUMI_TOKENS, TERRAFORM_TO_PULUMI, camel_to_snake, canonical_type, has_no_pulumi_mapping,
)
from linter.rules import load_rules
from tests.conftest import ids, run_scan

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


def urn(token: str, name: str, stack: str = "dev", project: str = "shop") -> str:
    return f"urn:pulumi:{stack}::{project}::{token}::{name}"


def state(token: str, name: str, inputs: dict, outputs: dict | None = None, **extra) -> dict:
    out = {"urn": urn(token, name), "custom": True, "type": token, "inputs": inputs}
    if outputs is not None:
        out["outputs"] = outputs
    out.update(extra)
    return out


def export(*resources: dict) -> dict:
    stack = {"urn": urn("pulumi:pulumi:Stack", "shop-dev"), "custom": False, "type": "pulumi:pulumi:Stack"}
    provider = {"urn": urn("pulumi:providers:aws", "default"), "custom": True, "id": "p1",
                "type": "pulumi:providers:aws", "inputs": {"region": "us-east-1"}}
    return {"version": 3, "deployment": {
        "manifest": {"time": "2024-01-01T00:00:00Z", "magic": "x", "version": "v3.100.0"},
        "resources": [stack, provider, *resources]}}


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2))
    return path


def load(tmp_path: Path, doc, name: str = "stack.json"):
    result = load_paths([str(write(tmp_path, name, doc))])
    assert not result.errors, [str(e) for e in result.errors]
    return {r.address: r for r in result.resources}


# ------------------------------------------------------------------ stack exports
def test_stack_export_normalises_type_names_and_location(tmp_path):
    doc = export(state("aws:rds/instance:Instance", "orders", {
        "__defaults": ["identifier"], "engine": "postgres", "multiAz": False,
        "backupRetentionPeriod": 7, "instanceClass": "db.t4g.micro"},
        sourcePosition="project:///index.ts#12,5"))
    res = load(tmp_path, doc)
    db = res["aws_db_instance.orders"]
    assert db.type == "aws_db_instance"
    assert db.raw_type == "aws:rds/instance:Instance"
    assert db.name == "orders"
    assert db.source_format == "pulumi"
    assert db.attrs == {"engine": "postgres", "multi_az": False, "backup_retention_period": 7,
                        "instance_class": "db.t4g.micro"}
    # the line of the resource's urn in the file; the program's position in meta
    text = (tmp_path / "stack.json").read_text().splitlines()
    assert "aws:rds/instance:Instance::orders" in text[db.location.line - 1]
    assert str(db.meta["source_position"]) == "index.ts:12"
    # providers and the stack itself are not resources to lint
    assert list(res) == ["aws_db_instance.orders"]


def test_rules_fire_on_a_stack_export_like_on_a_plan(tmp_path):
    doc = export(state("aws:rds/instance:Instance", "orders", {"engine": "postgres", "multiAz": False}),
                 state("aws:rds/instance:Instance", "billing", {"engine": "postgres", "multiAz": True}))
    result = run_scan(write(tmp_path, "stack.json", doc), select=["RES301"])
    assert [(f.rule_id, f.resource) for f in result.findings] == [("RES301", "aws_db_instance.orders")]


def test_checkpoint_latest_is_a_deployment(tmp_path):
    doc = {"version": 3, "checkpoint": {"stack": "dev", "latest": export(
        state("aws:sqs/queue:Queue", "jobs", {"visibilityTimeoutSeconds": 60}))["deployment"]}}
    res = load(tmp_path, doc)
    assert res["aws_sqs_queue.jobs"].attrs == {"visibility_timeout_seconds": 60}


def test_checkpoint_of_a_stack_never_deployed_has_no_resources(tmp_path):
    assert load(tmp_path, {"version": 3, "checkpoint": {"stack": "dev", "latest": None}}) == {}


def test_known_outputs_fill_what_inputs_leave_out(tmp_path):
    doc = export(state("aws:rds/instance:Instance", "orders",
                       {"engine": "postgres", "multiAz": True},
                       {"multiAz": False, "backupRetentionPeriod": 0, "kmsKeyId": "",
                        "replicas": [], "availabilityZone": UNKNOWN_STRING,
                        "__meta": "{}", "password": {**SECRET_SIG, "ciphertext": "v1:abc"}}))
    db = load(tmp_path, doc)["aws_db_instance.orders"]
    assert db.get("multi_az") is True  # inputs win
    assert db.get("backup_retention_period") == 0  # what AWS runs
    # placeholders, unknowns, secrets and bookkeeping fill nothing
    for absent in ("kms_key_id", "replicas", "availability_zone", "password", "__meta", "meta"):
        assert not db.has(absent), absent


def test_what_the_program_leaves_to_the_provider_is_said_so(tmp_path):
    """An input the provider filled in with its default (`__defaults`), or an output that is
    the documented default, is worded as unset, as the program's own scan says it; another
    value only the outputs hold is the provider's; one the program sets is said as it is."""
    doc = export(state("aws:rds/instance:Instance", "orders",
                       {"__defaults": ["deleteAutomatedBackups"], "engine": "postgres", "skipFinalSnapshot": True,
                        "deleteAutomatedBackups": True, "deletionProtection": False},
                       {"engine": "postgres", "skipFinalSnapshot": True, "deleteAutomatedBackups": True,
                        "deletionProtection": False, "multiAz": False, "backupRetentionPeriod": 0}))
    said = {f.rule_id: f.message for f in run_scan(write(tmp_path, "stack.json", doc)).findings}
    assert "skipFinalSnapshot = true, and deleteAutomatedBackups is unset and defaults to true:" in said["RES509"]
    assert said["RES301"].endswith("Single-AZ: multiAz is unset and defaults to false, "
                                   "so a host or zone failure takes the database down")
    assert said["RES507"].endswith("backupRetentionPeriod = 0 (not set in the program: the provider's value) turns off "
                                   "automated backups and point-in-time recovery")
    assert said["RES508"].endswith("deletionProtection = false")


def test_a_nested_value_the_program_does_not_set_is_said_so(tmp_path):
    """Bridged providers write `__defaults` in nested objects too, and the outputs fill nested
    values the inputs leave out: a whole object, or some of its members."""
    settings = {"__defaults": ["availabilityType", "diskType"], "tier": "db-f1-micro",
                "availabilityType": "ZONAL", "diskType": "PD_SSD"}
    doc = export(state("gcp:sql/databaseInstance:DatabaseInstance", "ledger", {
        "__defaults": ["name"], "name": "ledger-1", "databaseVersion": "POSTGRES_15", "settings": settings},
        {"name": "ledger-1", "databaseVersion": "POSTGRES_15", "settings": {
            **settings, "deletionProtectionEnabled": False,
            "backupConfiguration": {"enabled": False, "pointInTimeRecoveryEnabled": False}}}))
    said = {f.rule_id: f.message for f in run_scan(write(tmp_path, "stack.json", doc)).findings}
    assert said["RES311"].endswith('zonal (no standby in another zone): settings.availabilityType is unset and '
                                   'defaults to "ZONAL"')
    assert said["RES511"].endswith("automated backups disabled: settings.backupConfiguration.enabled = false "
                                   "(not set in the program: the provider's value)")
    assert "single API call: settings.deletionProtectionEnabled is unset and defaults to false;" in said["RES508"]


def test_objects_and_lists_of_one_read_the_same(tmp_path):
    doc = export(state("gcp:sql/databaseInstance:DatabaseInstance", "main", {
        "databaseVersion": "POSTGRES_15",
        "settings": {"tier": "db-f1-micro", "availabilityType": "ZONAL",
                     "backupConfiguration": {"enabled": True, "pointInTimeRecoveryEnabled": False}}}))
    db = load(tmp_path, doc)["google_sql_database_instance.main"]
    assert db.get("settings.availability_type") == "ZONAL"
    assert db.get("settings.backup_configuration.point_in_time_recovery_enabled") is False
    assert db.all("settings") == [db.attrs["settings"]]


def test_appendix_b_plural_lists_and_renames(tmp_path):
    doc = export(
        state("aws:autoscaling/group:Group", "web", {
            "minSize": 1, "maxSize": 3, "vpcZoneIdentifiers": ["subnet-a", "subnet-b"],
            "tags": [{"key": "Team", "value": "shop", "propagateAtLaunch": True}]}),
        state("aws:lambda/function:Function", "worker", {"name": "worker-fn", "timeout": 30,
                                                         "vpcConfig": {"subnetIds": ["subnet-a"]}}),
        state("aws:lb/loadBalancer:LoadBalancer", "front", {"subnetMappings": [{"subnetId": "subnet-a"}]}),
        state("aws:sns/topicSubscription:TopicSubscription", "sub", {"topic": "arn:aws:sns:x", "protocol": "sqs"}),
        state("azure:cosmosdb/account:Account", "docs", {"geoLocations": [
            {"location": "westeurope", "failoverPriority": 0, "zoneRedundant": True}]}),
        state("aws:sqs/queue:Queue", "jobs", {"tags": {"costCenter": "42", "Name": "jobs"},
                                              "redrivePolicy": '{"deadLetterTargetArn":"arn:dlq","maxReceiveCount":5}'}),
        state("aws:ec2/subnet:Subnet", "a", {"ipv6CidrBlock": "::/64", "availabilityZone": "us-east-1a"}),
    )
    res = load(tmp_path, doc)
    asg = res["aws_autoscaling_group.web"]
    assert asg.get("vpc_zone_identifier") == ["subnet-a", "subnet-b"]
    assert not asg.has("vpc_zone_identifiers")
    assert asg.get("tags.0.propagate_at_launch") is True
    fn = res["aws_lambda_function.worker"]
    assert fn.get("function_name") == "worker-fn" and not fn.has("name")
    assert fn.get("vpc_config.subnet_ids") == ["subnet-a"]
    assert res["aws_lb.front"].get("subnet_mapping.0.subnet_id") == "subnet-a"
    assert res["aws_sns_topic_subscription.sub"].get("topic_arn") == "arn:aws:sns:x"
    assert res["azurerm_cosmosdb_account.docs"].get("geo_location.0.zone_redundant") is True
    queue = res["aws_sqs_queue.jobs"]
    assert queue.get("tags") == {"costCenter": "42", "Name": "jobs"}  # map keys are data
    assert json.loads(queue.get("redrive_policy"))["maxReceiveCount"] == 5  # JSON strings untouched
    assert res["aws_subnet.a"].get("ipv6_cidr_block") == "::/64"


@pytest.mark.parametrize("camel,snake", [
    ("multiAz", "multi_az"), ("visibilityTimeoutSeconds", "visibility_timeout_seconds"),
    ("s3Bucket", "s3_bucket"), ("ipv6CidrBlock", "ipv6_cidr_block"), ("engine", "engine"),
    ("enableDns64", "enable_dns64"), ("http2Enabled", "http2_enabled"),
])
def test_camel_to_snake_keeps_digits_with_the_word_before(camel, snake):
    assert camel_to_snake(camel) == snake


def test_unknowns_and_secrets_are_unknown_with_references(tmp_path):
    subnet_urn = urn("aws:ec2/subnet:Subnet", "private-a")
    doc = export(
        state("aws:ec2/subnet:Subnet", "private-a", {"availabilityZone": "us-east-1a"}),
        state("aws:autoscaling/group:Group", "web", {
            "minSize": UNKNOWN_NUMBER, "maxSize": 4, "capacityRebalance": UNKNOWN_BOOL,
            "vpcZoneIdentifiers": [UNKNOWN_STRING],
            "name": {**SECRET_SIG, "ciphertext": "v1:xyz"},
            "launchTemplate": {**SECRET_SIG, "plaintext": '{"id":"lt-1","version":"$Latest"}'}},
            propertyDependencies={"vpcZoneIdentifiers": [subnet_urn], "minSize": []}),
    )
    asg = load(tmp_path, doc)["aws_autoscaling_group.web"]
    assert is_unknown(asg.get("min_size")) and asg.get("min_size").refs == ()
    assert is_unknown(asg.get("capacity_rebalance"))
    zone_ids = asg.get("vpc_zone_identifier")
    assert is_unknown(zone_ids[0]) and zone_ids[0].refs == ("aws_subnet.private-a",)
    assert asg.refs == {"vpc_zone_identifier": ["aws_subnet.private-a"]}
    assert is_unknown(asg.get("name"))  # a secret without plaintext
    assert asg.get("launch_template.id") == "lt-1"  # --show-secrets plaintext is the value
    assert asg.get("max_size") == 4


def test_unknown_never_fires_a_rule(tmp_path):
    doc = export(state("aws:rds/instance:Instance", "orders", {"engine": "postgres", "multiAz": UNKNOWN_BOOL}))
    result = run_scan(write(tmp_path, "stack.json", doc), select=["RES301"])
    assert not result.errors and result.resources and not result.findings


def test_ids_arns_and_names_resolve_references(tmp_path):
    doc = export(
        state("aws:sqs/queue:Queue", "jobs", {"name": "jobs-1"},
              {"arn": "arn:aws:sqs:us-east-1:1:jobs-1", "id": "https://sqs/jobs-1", "name": "jobs-1"}, id="https://sqs/jobs-1"))
    queue = load(tmp_path, doc)["aws_sqs_queue.jobs"]
    assert queue.meta["arn"] == "arn:aws:sqs:us-east-1:1:jobs-1"
    assert queue.meta["id"] == "https://sqs/jobs-1"
    assert queue.meta["urn"].endswith("::jobs")


def test_read_resources_resolve_but_are_not_linted(tmp_path):
    doc = export(state("aws:rds/instance:Instance", "legacy", {}, {"engine": "mysql", "multiAz": False,
                                                                   "arn": "arn:aws:rds:db:legacy"}, external=True))
    res = load(tmp_path, doc)
    assert list(res) == ["data.aws_db_instance.legacy"]
    assert res["data.aws_db_instance.legacy"].type == "data.aws_db_instance"
    assert not run_scan(tmp_path / "stack.json", select=["RES301"]).findings


def test_unmapped_and_native_tokens_keep_their_token():
    assert canonical_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == (
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "cloud")
    assert canonical_type("azure-native:sql:Database") == ("azure-native:sql:Database", "native")
    assert canonical_type("pulumi:providers:aws")[1] == "skip"
    # a release of a chart: kept, for the chart it deploys (loaders/pulumi_releases.py)
    assert canonical_type("kubernetes:helm.sh/v3:Release") == ("kubernetes:helm.sh/v3:Release", "native")
    assert canonical_type("kubernetes:yaml/v2:ConfigFile")[1] == "skip"
    assert canonical_type("kubernetes:apps/v1:DeploymentPatch")[1] == "skip"


# ------------------------------------------------------------------ Kubernetes
def deployment(name: str, namespace: str | None, replicas: int | None) -> dict:
    meta = {"name": name, "labels": {"app": name}}
    if namespace:
        meta["namespace"] = namespace
    spec: dict = {"selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}},
                               "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


def test_kubernetes_objects_keep_their_yaml_shape(tmp_path):
    web = deployment("web", "shop", 1)
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    doc = export(state("kubernetes:apps/v1:Deployment", "web", web,
                       {**web, "status": {"replicas": 1}, "metadata": {**web["metadata"], "uid": "u1"}}),
                 state("kubernetes:core/v1:Service", "web-svc", {**svc, "__inputs": {}}),
                 state("kubernetes:core/v1:ConfigMap", "code", {"apiVersion": "v1", "kind": "ConfigMap",
                                                                "metadata": {"name": "code", "namespace": "shop"},
                                                                "data": {"__init__.py": ""}}))
    res = load(tmp_path, doc)
    dep = res["Deployment/shop/web"]
    assert dep.type == "apps/Deployment" and dep.kind == "Deployment"
    assert dep.namespace == "shop" and dep.name == "web"
    assert dep.attrs == web  # exactly the object, no outputs mixed in
    service = res["Service/default/web"]
    assert service.type == "core/Service" and service.namespace is None
    assert service.get("spec.ports.0.port") == 80
    assert not service.has("__inputs")  # provider bookkeeping at the top level
    assert res["ConfigMap/shop/code"].attrs["data"] == {"__init__.py": ""}  # data, not bookkeeping


def test_kubernetes_rules_fire_on_pulumi_objects(tmp_path):
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "api", "namespace": "shop"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                    "minReplicas": 2, "maxReplicas": 5}}
    doc = export(state("kubernetes:apps/v1:Deployment", "web", deployment("web", "shop", 1)),
                 state("kubernetes:apps/v1:Deployment", "api", deployment("api", "shop", None)),
                 state("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "api-hpa", hpa))
    result = run_scan(write(tmp_path, "stack.json", doc), select=["RES101"])
    assert [(f.rule_id, f.resource) for f in result.findings] == [("RES101", "Deployment/shop/web")]
    assert "Deployment shop/web runs 1 replica" in result.findings[0].message


def test_an_object_without_a_namespace_takes_its_explicit_provider_s(tmp_path):
    """`new k8s.Provider("apps", {namespace: "apps"})`: what it creates without a namespace of its
    own lands in `apps`, where the HPA (written with `namespace: apps`) finds the Deployment (no
    RES101). Before, the Deployment was placed in `default` and the HPA missed it. A provider
    whose namespace is not known yet places it nowhere known; one without a namespace, and
    the default provider, leave `default`; a deployed object's outputs say where it is."""
    ref = urn("pulumi:providers:kubernetes", "apps") + "::p2"
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "web", "namespace": "apps"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                    "minReplicas": 2, "maxReplicas": 5}}
    later = {"urn": urn("pulumi:providers:kubernetes", "later"), "custom": True, "id": "p3",
             "type": "pulumi:providers:kubernetes", "inputs": {"namespace": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}}
    plain = {"urn": urn("pulumi:providers:kubernetes", "plain"), "custom": True, "id": "p4",
             "type": "pulumi:providers:kubernetes", "inputs": {}}
    doc = export({"urn": ref.rsplit("::", 1)[0], "custom": True, "id": "p2", "type": "pulumi:providers:kubernetes",
                  "inputs": {"namespace": "apps"}}, later, plain,
                 state("kubernetes:apps/v1:Deployment", "web", deployment("web", None, 1), provider=ref),
                 state("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "web-hpa", hpa, provider=ref),
                 state("kubernetes:apps/v1:Deployment", "jobs", deployment("jobs", None, 1),
                       provider=later["urn"] + "::p3"),
                 state("kubernetes:apps/v1:Deployment", "api", deployment("api", None, 1),
                       provider=plain["urn"] + "::p4"),
                 state("kubernetes:apps/v1:Deployment", "old", deployment("old", None, 1),
                       deployment("old", "legacy", 1), provider=ref),
                 state("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "reader",
                       {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                        "metadata": {"name": "reader"}}, provider=ref))
    res = load(tmp_path, doc)
    assert {a for a in res if a.startswith(("Deployment", "ClusterRole"))} == {
        "Deployment/apps/web", "Deployment/(known after apply)/jobs", "Deployment/default/api",
        "Deployment/legacy/old", "ClusterRole/reader"}
    result = run_scan(write(tmp_path, "stack.json", doc), select=["RES101"])
    assert sorted(f.resource for f in result.findings) == [
        "Deployment/(known after apply)/jobs", "Deployment/default/api", "Deployment/legacy/old"]


def test_autonamed_kubernetes_object_takes_its_name_from_outputs(tmp_path):
    obj = deployment("x", None, 2)
    del obj["metadata"]["name"]
    out = deployment("web-3f2a1b", None, 2)
    doc = export(state("kubernetes:apps/v1:Deployment", "web", obj, out))
    dep = load(tmp_path, doc)
    # the auto-generated name in the outputs is the object's real name: what an
    # HPA's scaleTargetRef or a PDB's owner names (the URN name is only Pulumi's)
    assert list(dep) == ["Deployment/default/web-3f2a1b"]


# ------------------------------------------------------------------ previews
def preview(*steps: dict) -> dict:
    return {"config": {}, "steps": list(steps), "changeSummary": {}, "duration": 1}


def step(op: str, token: str, name: str, old: dict | None, new: dict | None) -> dict:
    out: dict = {"op": op, "urn": urn(token, name), "provider": ""}
    if old is not None:
        out["oldState"] = {"urn": urn(token, name), "custom": True, "type": token, "inputs": old, "outputs": {}}
    if new is not None:
        out["newState"] = {"urn": urn(token, name), "custom": True, "type": token, "inputs": new, "outputs": {}}
    return out


def test_preview_judges_the_new_state_and_keeps_the_old(tmp_path):
    doc = preview(
        step("update", "aws:rds/instance:Instance", "orders",
             {"engine": "postgres", "multiAz": True}, {"engine": "postgres", "multiAz": False}),
        step("create", "aws:sqs/queue:Queue", "jobs", None, {"visibilityTimeoutSeconds": 30}),
        step("delete", "aws:sqs/queue:Queue", "old", {"visibilityTimeoutSeconds": 30}, None),
        step("same", "aws:sqs/queue:Queue", "kept", {"delaySeconds": 0}, {"delaySeconds": 0}),
    )
    res = load(tmp_path, doc, "preview.json")
    assert sorted(res) == ["aws_db_instance.orders", "aws_sqs_queue.jobs", "aws_sqs_queue.kept"]
    db = res["aws_db_instance.orders"]
    assert db.get("multi_az") is False and db.before("multi_az") is True
    assert db.change.actions == ("update",) and db.change.is_update
    assert res["aws_sqs_queue.jobs"].change.actions == ("create",)
    assert res["aws_sqs_queue.jobs"].change.before is None
    assert res["aws_sqs_queue.kept"].change.actions == ("no-op",)


def test_replacement_steps_merge_into_one_resource(tmp_path):
    token, name = "aws:rds/instance:Instance", "orders"
    doc = preview(
        step("create-replacement", token, name, {"engine": "postgres", "multiAz": True},
             {"engine": "postgres", "multiAz": False}),
        step("replace", token, name, {"engine": "postgres", "multiAz": True},
             {"engine": "postgres", "multiAz": False}),
        step("delete-replacement", token, name, {"engine": "postgres", "multiAz": True}, None),
    )
    res = load(tmp_path, doc, "preview.json")
    assert list(res) == ["aws_db_instance.orders"]
    assert res["aws_db_instance.orders"].change.is_replace


def test_preview_regressions_fire_on_old_versus_new(tmp_path):
    if "RES190" not in load_rules():
        pytest.skip("RES190 not registered yet")
    token = "kubernetes:apps/v1:Deployment"
    doc = preview(step("update", token, "web", deployment("web", "shop", 3), deployment("web", "shop", 1)),
                  step("update", token, "api", deployment("api", "shop", 3), deployment("api", "shop", 2)))
    result = run_scan(write(tmp_path, "preview.json", doc), select=["RES190"])
    assert not result.errors
    assert [f.resource for f in result.findings] == ["Deployment/shop/web"]


def test_unknowns_in_a_preview_carry_property_dependencies(tmp_path):
    subnet = urn("aws:ec2/subnet:Subnet", "a")
    new_state = {"urn": urn("aws:lambda/function:Function", "fn"), "custom": True,
                 "type": "aws:lambda/function:Function",
                 "inputs": {"timeout": 30, "vpcConfig": {"subnetIds": [UNKNOWN_STRING]}},
                 "propertyDependencies": {"vpcConfig": [subnet]}}
    doc = {"steps": [
        {"op": "create", "urn": subnet, "newState": {"urn": subnet, "custom": True, "type": "aws:ec2/subnet:Subnet",
                                                     "inputs": {"availabilityZone": "us-east-1a"}}},
        {"op": "create", "urn": new_state["urn"], "newState": new_state}]}
    fn = load(tmp_path, doc, "preview.json")["aws_lambda_function.fn"]
    ids_ = fn.get("vpc_config.subnet_ids")
    assert is_unknown(ids_[0]) and ids_[0].refs == ("aws_subnet.a",)


# ------------------------------------------------------------------ event logs and plans
def test_event_log_last_event_wins(tmp_path):
    token, name = "aws:rds/instance:Instance", "orders"
    pre = {"op": "update", "urn": urn(token, name), "type": token,
           "old": {"urn": urn(token, name), "type": token, "custom": True, "inputs": {"multiAz": True}},
           "new": {"urn": urn(token, name), "type": token, "custom": True, "inputs": {"multiAz": False}}}
    lines = [
        {"sequence": 0, "timestamp": 1, "preludeEvent": {"config": {}}},
        {"sequence": 1, "timestamp": 1, "resourcePreEvent": {"metadata": pre}},
        {"sequence": 2, "timestamp": 2, "resOutputsEvent": {"metadata": pre}},
        {"sequence": 3, "timestamp": 3, "summaryEvent": {}},
    ]
    text = "\n".join(json.dumps(e) for e in lines) + "\n"
    for name_ in ("events.ndjson", "events.json"):  # detected by content, whatever the suffix
        res = load(tmp_path, text, name_)
        db = res["aws_db_instance.orders"]
        assert db.get("multi_az") is False and db.before("multi_az") is True
        assert db.location.line == 2


def test_saved_plan_create_uses_the_added_inputs(tmp_path):
    fs_urn = urn("aws:fsx/openZfsFileSystem:OpenZfsFileSystem", "files")
    doc = {"manifest": {}, "resourcePlans": {
        fs_urn: {"goal": {"type": "aws:fsx/openZfsFileSystem:OpenZfsFileSystem", "name": "files", "custom": True,
                          "inputDiff": {"adds": {"__defaults": [], "deploymentType": "SINGLE_AZ_1",
                                                 "subnetIds": [UNKNOWN_STRING]}}},
                 "steps": ["create"], "state": {"deploymentType": "SINGLE_AZ_1", "id": ""}},
        urn("aws:sqs/queue:Queue", "gone"): {"goal": None, "steps": ["delete"]},
    }}
    res = load(tmp_path, doc, "plan.json")
    fs = res["aws_fsx_openzfs_file_system.files"]
    assert fs.get("deployment_type") == "SINGLE_AZ_1"
    assert is_unknown(fs.get("subnet_ids")[0])
    assert fs.change.actions == ("create",)
    assert list(res) == ["aws_fsx_openzfs_file_system.files"]


# ------------------------------------------------------------------ input errors
@pytest.mark.parametrize("doc,message", [
    ({"version": 3, "deployment": {"resources": {"not": "a list"}}}, "deployment.resources must be a list"),
    ({"version": 3, "deployment": {"resources": [{"type": "aws:sqs/queue:Queue"}]}}, "no valid urn"),
    ({"version": 3, "deployment": {"resources": [{"urn": urn("aws:sqs/queue:Queue", "q"), "custom": True,
                                                  "inputs": ["x"]}]}}, "inputs of"),
    ({"steps": "nope"}, "steps must be a list"),
    ({"resourcePlans": []}, "resourcePlans must be an object"),
])
def test_malformed_documents_are_input_errors(tmp_path, doc, message):
    result = load_paths([str(write(tmp_path, "bad.json", doc))])
    assert len(result.errors) == 1 and message in result.errors[0].message, [str(e) for e in result.errors]


def test_broken_event_log_line_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, "events.ndjson", '{"sequence": 1, "timestamp": 1, "preludeEvent": {}}\n{"sequence": 2,\n')
    result = load_paths([str(path)])
    assert len(result.errors) == 1
    assert result.errors[0].line == 2 and "invalid JSON" in result.errors[0].message


def test_load_document_rejects_non_pulumi_objects():
    with pytest.raises(InputError):
        load_document({"something": 1}, "x.json", "x.json")


def test_source_position_forms():
    assert str(parse_source_position("project:///src/index.ts#7,3")) == "src/index.ts:7"
    assert parse_source_position("garbage") is None


# the pattern sourcePosition was read with: the oracle of the string operations that
# replaced it (its optional slashes, then a file name that may hold slashes, backtrack)
_OLD_POSITION = r"^(?:project://)?/*(?P<file>[^#]+)#(?P<line>\d+)(?:,(?P<col>\d+))?$"


@pytest.mark.parametrize("text", [
    "project:///src/index.ts#7,3", "project://index.ts#7", "/abs/index.ts#12,5", "index.ts#1",
    "project://#5", "project:///#5", "///#5", "#5", "a#", "a#1,", "a#1,2\n", "a#1\n\n", "a#1,2,3",
    "a#1#2", "a#x", "a#١٢", "project://project://a#3", "a b/c d.py#4,0", "a\nb#2", "/" * 3000 + "a#1",
])
def test_source_position_reads_as_the_pattern_did(text):
    import re

    m = re.match(_OLD_POSITION, text)
    expected = None if m is None else (m.group("file"), int(m.group("line")), int(m.group("col")) if m.group("col") else None)
    got = parse_source_position(text)
    assert (None if got is None else (got.file, got.line, got.column)) == expected


def test_source_position_of_a_run_of_slashes_without_a_line():
    """A long run of slashes and no `#`: no position (the pattern took time growing
    with the square of the run; string operations read it once)."""
    assert parse_source_position("/" * 20_000) is None
    assert parse_source_position("project://" + "/" * 20_000 + "#3") == Location("/", 3, None)


# ------------------------------------------------------------------ the token table
def test_every_terraform_type_a_rule_applies_to_has_a_pulumi_token_or_a_reason():
    missing = sorted(
        f"{t} ({r.id})"
        for r in load_rules().values() if "pulumi" in r.formats
        for t in r.types
        if "/" not in t and ":" not in t and not t.startswith("data.")
        and t not in TERRAFORM_TO_PULUMI and not has_no_pulumi_mapping(t)
    )
    assert not missing, f"add these to linter/normalize/tokens.py (or to NO_PULUMI_MAPPING): {missing}"


def test_token_table_is_consistent():
    for token, tf_type in PULUMI_TOKENS.items():
        assert token.count(":") == 2, token
        assert canonical_type(token) == (tf_type, "cloud")
        assert not has_no_pulumi_mapping(tf_type), f"{tf_type} both mapped and marked unmapped"
    assert canonical_type("aws:rds/instance:Instance") == ("aws_db_instance", "cloud")
    assert canonical_type("kubernetes:apps/v1:Deployment") == ("apps/Deployment", "kubernetes")
    assert canonical_type("kubernetes:core/v1:Service") == ("core/Service", "kubernetes")
    assert canonical_type("kubernetes:networking.istio.io/v1alpha3:VirtualService") == (
        "networking.istio.io/VirtualService", "kubernetes")


def test_findings_from_pulumi_and_plan_sources_use_the_same_ids(tmp_path):
    doc = export(state("aws:dynamodb/table:Table", "orders", {"hashKey": "id", "attributes": [
        {"name": "id", "type": "S"}], "pointInTimeRecovery": {"enabled": False}}))
    result = run_scan(write(tmp_path, "stack.json", doc))
    tables = [r for r in result.resources if r.type == "aws_dynamodb_table"]
    assert tables and tables[0].get("attribute.0.name") == "id"
    if "RES510" in load_rules():
        assert "RES510" in ids(result)


# ------------------------------------------------------------------ attribute lines
def test_findings_point_at_the_attribute_line(tmp_path):
    doc = export(state("aws:autoscaling/group:Group", "web", {"maxSize": 3, "minSize": 1,
                                                              "vpcZoneIdentifiers": ["subnet-a"]}))
    path = write(tmp_path, "stack.json", doc)
    text = path.read_text().splitlines()
    (asg,) = load_paths([str(path)]).resources
    for attr, key in (("min_size", '"minSize"'), ("vpc_zone_identifier", '"vpcZoneIdentifiers"')):
        assert key in text[asg.line_for(attr) - 1], attr
    assert asg.line_for("launch_template.id") == asg.location.line  # absent: the resource's line


def test_preview_lines_point_into_the_new_state(tmp_path):
    doc = preview(step("update", "aws:rds/instance:Instance", "orders",
                       {"engine": "postgres", "multiAz": True}, {"engine": "postgres", "multiAz": False}))
    path = write(tmp_path, "preview.json", doc)
    text = path.read_text().splitlines()
    (db,) = load_paths([str(path)]).resources
    line = db.line_for("multi_az")
    assert '"multiAz": false' in text[line - 1]


def test_findings_note_where_the_program_declares_the_resource(tmp_path):
    doc = export(state("aws:rds/instance:Instance", "orders", {"engine": "postgres", "multiAz": False},
                       sourcePosition="project:///infra/index.ts#12,5"))
    result = run_scan(write(tmp_path, "stack.json", doc), select=["RES301"])
    (finding,) = result.findings
    assert finding.file.endswith("stack.json")  # the scanned file: what CI can annotate
    assert finding.notes == ["declared at infra/index.ts:12"]


def test_old_copies_pending_deletion_are_not_resources(tmp_path):
    old = state("aws:rds/instance:Instance", "orders", {"engine": "postgres", "multiAz": False}, delete=True)
    new = state("aws:rds/instance:Instance", "orders", {"engine": "postgres", "multiAz": True})
    res = load(tmp_path, export(old, new))
    assert list(res) == ["aws_db_instance.orders"]
    assert res["aws_db_instance.orders"].get("multi_az") is True


def test_bad_state_in_an_event_log_is_reported_at_its_event(tmp_path):
    token = "aws:sqs/queue:Queue"
    bad = {"op": "create", "urn": urn(token, "q"), "type": token,
           "new": {"urn": urn(token, "q"), "type": token, "custom": True, "inputs": ["not", "an", "object"]}}
    text = "\n".join(json.dumps(e) for e in (
        {"sequence": 0, "timestamp": 1, "preludeEvent": {"config": {}}},
        {"sequence": 1, "timestamp": 1, "resourcePreEvent": {"metadata": bad}})) + "\n"
    result = load_paths([str(write(tmp_path, "events.ndjson", text))])
    assert [(e.line, "inputs of" in e.message) for e in result.errors] == [(2, True)]


def test_namespace_computed_from_a_namespace_resource(tmp_path):
    """`namespace=ns.metadata.name` is unknown in a preview; the Namespace resource says which."""
    ns_urn = urn("kubernetes:core/v1:Namespace", "shop-ns")

    def new(token, name, obj):
        return {"op": "create", "urn": urn(token, name), "newState": {
            "urn": urn(token, name), "type": token, "custom": True, "inputs": obj,
            "propertyDependencies": {"metadata": [ns_urn]}}}

    web = deployment("api", None, None)
    web["metadata"]["namespace"] = UNKNOWN_STRING
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "api", "namespace": UNKNOWN_STRING},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                    "minReplicas": 2, "maxReplicas": 4}}
    lonely = deployment("lonely", None, 1)
    lonely["metadata"]["namespace"] = UNKNOWN_STRING
    doc = {"steps": [
        {"op": "create", "urn": ns_urn, "newState": {"urn": ns_urn, "type": "kubernetes:core/v1:Namespace",
                                                     "custom": True, "inputs": {"apiVersion": "v1", "kind": "Namespace",
                                                                                "metadata": {"name": "shop"}}}},
        new("kubernetes:apps/v1:Deployment", "api", web),
        new("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "api", hpa),
        {"op": "create", "urn": urn("kubernetes:apps/v1:Deployment", "lonely"), "newState": {
            "urn": urn("kubernetes:apps/v1:Deployment", "lonely"), "type": "kubernetes:apps/v1:Deployment",
            "custom": True, "inputs": lonely}},
    ]}
    path = write(tmp_path, "preview.json", doc)
    res = load(tmp_path, doc, "preview.json")
    assert res["Deployment/shop/api"].namespace == "shop"
    assert "HorizontalPodAutoscaler/shop/api" in res
    assert "Deployment/(known after apply)/lonely" in res
    # the HPA in the same (computed) namespace owns the count: RES101 stays silent on api
    result = run_scan(path, select=["RES101"])
    assert [f.resource for f in result.findings] == ["Deployment/(known after apply)/lonely"]


def test_scanning_pulumi_files_imports_no_pulumi_package(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, "stack.json", export(state("aws:rds/instance:Instance", "orders", {"multiAz": False})))
    code = (
        "import sys\n"
        "from linter.engine import scan, ScanOptions\n"
        f"result = scan([{str(path)!r}], ScanOptions())\n"
        "assert result.findings, 'expected findings'\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_policy', 'grpc'))\n"
        "assert not loaded, loaded\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_an_event_target_is_not_indexed_under_its_targets_arn(tmp_path):
    fn_arn = "arn:aws:lambda:us-east-1:1:function:worker"
    doc = export(
        state("aws:cloudwatch/eventTarget:EventTarget", "tick", {"arn": fn_arn, "rule": "r"}, {"arn": fn_arn, "id": "r-tick"}),
        state("aws:lambda/function:Function", "worker", {"name": "worker"}, {"arn": fn_arn, "id": "worker"}),
    )
    result = run_scan(write(tmp_path, "stack.json", doc))
    from linter.index import Index

    assert Index(result.resources).by_id(fn_arn).address == "aws_lambda_function.worker"


def test_autonamed_kubernetes_object_takes_its_real_name_from_the_outputs(tmp_path):
    """An HPA that targets the auto-generated name owns the Deployment's count."""
    import json

    from linter.engine import ScanOptions, scan

    dep_in = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"labels": {"app": "web"}},
              "spec": {"template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "w", "image": "x"}]}}}}
    dep_out = json.loads(json.dumps(dep_in))
    dep_out["metadata"].update(name="web-x7k2mq1d", namespace="default")
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web-x7k2mq1d"},
                    "minReplicas": 2, "maxReplicas": 5}}
    doc = {"version": 3, "deployment": {"manifest": {}, "resources": [
        {"urn": "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::web", "custom": True,
         "type": "kubernetes:apps/v1:Deployment", "inputs": dep_in, "outputs": dep_out},
        {"urn": "urn:pulumi:dev::p::kubernetes:autoscaling/v2:HorizontalPodAutoscaler::web", "custom": True,
         "type": "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "inputs": hpa, "outputs": hpa}]}}
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(doc))
    result = scan([str(path)], ScanOptions(select=["RES101"]))
    assert [r.address for r in result.resources][0] == "Deployment/default/web-x7k2mq1d"
    assert not result.findings


def test_attribute_lines_follow_list_items(tmp_path):
    """A finding on the second container points at that container, not the first."""
    import json

    from linter.engine import ScanOptions, scan

    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
           "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
               {"name": "a", "image": "x", "readinessProbe": {"httpGet": {"path": "/", "port": 80}}},
               {"name": "b", "image": "y"}]}}}}
    doc = {"version": 3, "deployment": {"manifest": {}, "resources": [
        {"urn": "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::web", "custom": True,
         "type": "kubernetes:apps/v1:Deployment", "inputs": dep, "outputs": {}}]}}
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(doc, indent=2))
    lines = path.read_text().splitlines()
    (finding,) = scan([str(path)], ScanOptions(select=["RES503"])).findings
    assert finding.attribute == "spec.template.spec.containers.1"
    assert lines[finding.line - 1].strip() == "{"
    assert lines[finding.line].strip() == '"name": "b",'


@pytest.mark.parametrize("token", ["aws:sns/topicPolicy:TopicPolicy", "aws:sns/dataProtectionPolicy:DataProtectionPolicy",
                                   "aws:cloudwatch/eventTarget:EventTarget"])
def test_an_arn_that_names_another_resource_is_not_indexed_under_it(tmp_path, token):
    """One "whose ARN is this" table (index.ARN_OF_ANOTHER_RESOURCE) for the plan and
    Pulumi loaders: a topic policy's `arn` is its topic's, so a reference to the topic's
    ARN must find the topic, never the policy (the Pulumi loader's table lacked the SNS types)."""
    from linter.index import ARN_OF_ANOTHER_RESOURCE

    topic_arn = "arn:aws:sns:us-east-1:123456789012:orders"
    doc = export(state("aws:sns/topic:Topic", "orders", {"name": "orders"}, {"name": "orders", "arn": topic_arn}),
                 state(token, "other", {"arn": topic_arn}, {"arn": topic_arn, "id": "other-id"}))
    resources = load(tmp_path, doc).values()
    (other,) = [r for r in resources if r.meta["token"] == token]
    assert other.type in ARN_OF_ANOTHER_RESOURCE and "arn" not in other.meta
    (topic,) = [r for r in resources if r.type == "aws_sns_topic"]
    assert topic.meta["arn"] == topic_arn


def test_outputs_fill_inputs_in_the_one_decoding_pass_with_terraform_names():
    """Decoding, renaming and filling from outputs are one pass: nested renames
    (RENAMES keyed by the camelCase path) apply to filled values too, a free-form
    map (tags) keeps its keys and is filled key by key, a secret output is read,
    and unknown or empty outputs fill nothing."""
    asg = "aws:autoscaling/group:Group"
    inputs = {"mixedInstancesPolicy": {"launchTemplate": {"overrides": [{"instanceType": "m5.large"}]}},
              "tags": {"TeamName": "a"}, "__defaults": []}
    outputs = {"mixedInstancesPolicy": {"launchTemplate": {
                   "overrides": [{"instanceType": "m5.large"}],
                   "launchTemplateSpecification": {"launchTemplateId": "lt-1", "__defaults": []}}},
               "tags": {"TeamName": "a", "CostCentre": "42"},
               "healthCheckType": "ELB", "minSize": "", "maxSize": UNKNOWN_NUMBER,
               "desiredCapacity": {**SECRET_SIG, "plaintext": "3"}, "__meta": "x"}
    [res] = load_document(export(state(asg, "web", inputs, outputs)), "stack.json", "stack.json")
    assert res.attrs == {
        "mixed_instances_policy": {"launch_template": {
            "override": [{"instance_type": "m5.large"}],
            "launch_template_specification": {"launch_template_id": "lt-1"}}},
        "tags": {"TeamName": "a", "CostCentre": "42"},
        "health_check_type": "ELB",
        "desired_capacity": 3,
    }
