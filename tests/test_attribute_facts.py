"""The one table of attribute facts per cloud (linter.attribute_facts): the
plan loader, `setting()`, the regression rules and the Pulumi renames read it,
and every rule's message says where a value came from."""

from __future__ import annotations

import ast
from pathlib import Path

from linter import attribute_facts
from linter.engine import ScanOptions, scan
from linter.loaders.pulumi import Properties
from linter.normalize.names import RENAMES
from linter.rules import load_rules

RULES_DIR = Path(__file__).resolve().parents[1] / "linter" / "rules"

TF = '''
variable "tier" {
  default = "BASIC"
}
variable "availability" {
  default = "ZONAL"
}
variable "sku" {}
resource "google_redis_instance" "cache" {
  name           = "cache"
  memory_size_gb = 1
  tier           = var.tier
}
resource "google_sql_database_instance" "db" {
  database_version = "POSTGRES_15"
  settings {
    tier              = "db-custom-2-7680"
    availability_type = var.availability
  }
}
resource "azurerm_lb" "web" {
  name = "web"
  sku  = var.sku
}
resource "azurerm_lb" "unset" {
  name = "unset"
}
'''


def test_gcp_and_azure_messages_name_the_variable_that_supplied_a_value(tmp_path):
    (tmp_path / "main.tf").write_text(TF)
    (tmp_path / "prod.tfvars").write_text('sku = "Basic"\n')
    options = ScanOptions(select=["RES311", "RES312", "RES117"],
                          loader_options={"terraform_variables": [("file", str(tmp_path / "prod.tfvars"))]})
    result = scan([str(tmp_path)], options)
    messages = {f.rule_id: f.message for f in result.findings}
    # a root's default is named with the line that writes it, where its owner changes it
    main = tmp_path / "main.tf"
    assert messages["RES312"].endswith(f'tier = "BASIC" (the default of var.tier, set at {main}:3)'), messages
    assert messages["RES311"].endswith(f'settings.availability_type = "ZONAL" (the default of var.availability, '
                                       f'set at {main}:6)')
    assert messages["RES117"].endswith(f'sku = "Basic" (var.sku, set at {tmp_path / "prod.tfvars"}:1)')
    # unset: the table's default (Standard) does not fire, and no finding is made up for it
    assert [f.resource for f in result.findings if f.rule_id == "RES117"] == ["azurerm_lb.web"]


def test_no_rule_restates_a_provider_default_by_hand():
    """`setting(r, path)` takes the default from the table; a third argument is
    allowed only where the default depends on context the table cannot hold."""
    allowed = {("timeouts_aws.py", "timeout_milliseconds")}  # 30 s for an HTTP API, 29 s for WebSocket
    by_hand = []
    for path in RULES_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setting" and len(node.args) > 2:
                attr = node.args[1].value if isinstance(node.args[1], ast.Constant) else ast.unparse(node.args[1])
                if (path.name, attr) not in allowed:
                    by_hand.append(f"{path.name}:{node.lineno} {attr}")
    assert by_hand == []


def test_the_pulumi_renames_come_from_the_table():
    assert RENAMES["aws_autoscaling_group"]["mixedInstancesPolicy.launchTemplate.overrides"] == "override"
    assert RENAMES["aws_lambda_function"] == {"name": "function_name"}
    props = {"vpcZoneIdentifiers": ["a"], "mixedInstancesPolicy": {"launchTemplate": {"overrides": [{}]}}}
    assert Properties(renames=RENAMES["aws_autoscaling_group"]).decode(props) == {
        "vpc_zone_identifier": ["a"], "mixed_instances_policy": {"launch_template": {"override": [{}]}}}


def test_every_table_type_is_a_type_some_rule_reads():
    """A default or Optional+Computed row for a type no rule declares is a fact
    nobody reads (or a typo in the type); Pulumi renames serve references too."""
    declared = {t for r in load_rules().values() for t in r.types}
    judged = {t for t, facts in attribute_facts.FACTS.items()
              if any(f.default is not None or f.computed for f in facts.values())}
    # RES406 reads the invoke config for its function; RES108 a route table for its NAT route
    read_through_the_index = {"aws_lambda_function_event_invoke_config", "aws_route_table"}
    assert sorted(judged - declared - read_through_the_index) == []


def test_optional_computed_defaults_are_applied_to_plans_by_the_loader():
    assert "multi_az" in attribute_facts.optional_computed("aws_db_instance")
    assert attribute_facts.default("aws_db_instance", "multi_az") is False
    assert attribute_facts.default("aws_db_instance", "no_such_attribute") is None


def test_no_rule_reads_a_resource_path_with_a_default_of_its_own():
    """`r.get("spec.replicas", 1)` restates a default the table holds (and drifts
    from it); the table's default comes through `setting(r, path)`."""
    allowed = {("_durations.py", "seconds"), ("_durations.py", "nanos"),  # protobuf Duration fields, not attributes
               ("timeouts_k8s.py", "attempts"),  # inside one `retries` entry: a block without attempts disables them
               ("_k8s.py", "preventSinglePointFailure")}  # a cluster-proportional-autoscaler's JSON params, not an attribute
    by_hand = []
    for path in RULES_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("get", "before") and len(node.args) == 2
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value is not None and (path.name, node.args[0].value) not in allowed):
                by_hand.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Check"
                    and any(k.arg == "default" and isinstance(k.value, ast.Constant) for k in node.keywords)):
                by_hand.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")  # a regression check's default
    assert by_hand == []


def test_the_table_indexes_list_elements_without_their_index():
    arm_cluster = "azure-native:containerservice:ManagedCluster"
    assert attribute_facts.default(arm_cluster, "agentPoolProfiles.2.count") == 1
    assert attribute_facts.default("azurerm_cosmosdb_account", "geo_location.0.zone_redundant") is False
    assert attribute_facts.fact(arm_cluster, "agentPoolProfiles.2.name") == attribute_facts.Fact()


MANIFESTS = '''
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 5
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: orders, namespace: shop}
spec:
  storage: {size: 10Gi}
'''


def test_kubernetes_defaults_come_from_the_table_and_read_like_every_other(tmp_path, monkeypatch):
    """RES101, RES103, RES514 and RES118 word an unset count or policy with
    `Setting.describe()`, from the Kubernetes table; change the table and the
    verdicts and the words follow (no rule keeps its own copy)."""
    (tmp_path / "all.yaml").write_text(MANIFESTS)
    options = ScanOptions(select=["RES101", "RES103", "RES514", "RES118"])
    messages = {f.rule_id: f.message for f in scan([str(tmp_path)], options).findings}
    assert "spec.replicas is unset and defaults to 1," in messages["RES101"]
    assert messages["RES103"].endswith("spec.minReplicas is unset and defaults to 1")
    assert 'spec.unhealthyPodEvictionPolicy is unset and defaults to "IfHealthyBudget"' in messages["RES514"]
    assert messages["RES118"].endswith("spec.instances is unset and defaults to 1")

    kubernetes = {**attribute_facts.KUBERNETES}
    for kind, path in (("apps/Deployment", "spec.replicas"), ("autoscaling/HorizontalPodAutoscaler", "spec.minReplicas"),
                       ("postgresql.cnpg.io/Cluster", "spec.instances")):
        kubernetes[kind] = {**kubernetes[kind], path: attribute_facts.Fact(2)}
    kubernetes["policy/PodDisruptionBudget"] = {"spec.unhealthyPodEvictionPolicy": attribute_facts.Fact("AlwaysAllow")}
    monkeypatch.setattr(attribute_facts, "FACTS", {**attribute_facts.FACTS, **kubernetes})
    assert scan([str(tmp_path)], options).findings == []


def test_a_default_with_a_note_says_what_it_means(tmp_path):
    (tmp_path / "main.tf").write_text(
        'resource "google_pubsub_subscription" "orders" {\n  name  = "orders"\n  topic = "projects/p/topics/orders"\n}\n')
    findings = scan([str(tmp_path)], ScanOptions(select=["RES409"])).findings
    assert [f.message.split("(", 1)[1] for f in findings] == [
        'message_retention_duration is unset and defaults to "604800s" (7 days)) and is then lost']
