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
    assert messages["RES312"].endswith('tier = "BASIC" (the default of var.tier)'), messages
    assert messages["RES311"].endswith('settings.availability_type = "ZONAL" (the default of var.availability)')
    assert messages["RES117"].endswith(f'sku = "Basic" (var.sku, {tmp_path / "prod.tfvars"}:1)')
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
    read_through_the_index = {"aws_lambda_function_event_invoke_config"}  # RES406 reads it for its function
    assert sorted(judged - declared - read_through_the_index) == []


def test_optional_computed_defaults_are_applied_to_plans_by_the_loader():
    assert "multi_az" in attribute_facts.optional_computed("aws_db_instance")
    assert attribute_facts.default("aws_db_instance", "multi_az") is False
    assert attribute_facts.default("aws_db_instance", "no_such_attribute") is None
