"""Pulumi azure-native resources: tokens, and the Azure rules reading ARM paths.

Fixtures (`fixtures/RES*/*-azure-native-*`) prove each rule fires and stays
silent; these tests cover what a single fixture cannot: the token table, API
version modules, several pools in one cluster, name resolution, options.
"""

from __future__ import annotations

import json

from linter.normalize.tokens import AZURE_NATIVE_TYPES, azure_native_type, canonical_type
from linter.rules import load_rules
from tests.conftest import run_scan

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def export(*resources) -> dict:
    return {"version": 3, "deployment": {"manifest": {"version": "v3.140.0"}, "resources": [
        {"urn": f"urn:pulumi:dev::shop::{token}::{name}", "custom": True, "type": token, "inputs": inputs,
         "outputs": outputs or {}}
        for token, name, inputs, outputs in resources]}}


def scan_doc(tmp_path, doc, select, **options):
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(doc, indent=2))
    return run_scan(path, select=select, **options)


def test_api_version_modules_are_the_same_type():
    assert canonical_type("azure-native:storage/v20230101:StorageAccount") == (
        "azure-native:storage:StorageAccount", "native")
    assert azure_native_type("azure-native:dbforpostgresql/v20221201preview:Server") == (
        "azure-native:dbforpostgresql:Server")
    assert canonical_type("azure-native:sql:Database") == ("azure-native:sql:Database", "native")
    # other packages are untouched, even with a slash in the module
    assert azure_native_type("aws:rds/instance:Instance") == "aws:rds/instance:Instance"


def test_every_azure_native_type_a_rule_declares_is_in_the_token_table_beside_its_azurerm_twin():
    declared = {t: r for r in load_rules().values() for t in r.types if t.startswith("azure-native:")}
    assert declared, "no rule declares an azure-native type"
    for arm_type, rule in declared.items():
        assert arm_type in AZURE_NATIVE_TYPES, f"{arm_type} ({rule.id}) missing from AZURE_NATIVE_TYPES"
        assert AZURE_NATIVE_TYPES[arm_type] in rule.types, (
            f"{rule.id} covers {arm_type} but not its azurerm twin {AZURE_NATIVE_TYPES[arm_type]}")
        assert arm_type == azure_native_type(arm_type), arm_type


def pool(name: str, zones=None, **fields) -> dict:
    out = {"name": name, "mode": "User", "vmSize": "Standard_D4s_v5", **fields}
    if zones is not None:
        out["availabilityZones"] = zones
    return out


CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"


def test_each_agent_pool_profile_is_judged_on_its_own(tmp_path):
    doc = export((CLUSTER, "aks", {"location": "westeurope", "resourceGroupName": "demo", "agentPoolProfiles": [
        pool("system", ["1", "2", "3"], count=3), pool("batch", ["1"], count=3), pool("gpu", count=1),
        pool("spare", UNKNOWN, count=UNKNOWN)]}, None))
    zones = scan_doc(tmp_path, doc, ["RES113"]).findings
    assert sorted(f.message.split(" is not spread")[0].rsplit(" ", 1)[-1] for f in zones) == ['"batch"', '"gpu"']
    assert len({f.fingerprint for f in zones}) == 2
    nodes = scan_doc(tmp_path, doc, ["RES114"]).findings
    assert [f.message for f in nodes] == [
        'AKS cluster azure-native:containerservice:ManagedCluster.aks agent pool "gpu" runs one node: '
        "count = 1 and autoscaling is off"]


def test_virtual_machines_pools_are_not_sized_by_count(tmp_path):
    doc = export((AGENT_POOL, "vms", {"resourceName": "aks", "type": "VirtualMachines",
                                      "availabilityZones": ["1", "2", "3"]}, None))
    assert not scan_doc(tmp_path, doc, ["RES114"]).findings
    doc = export((AGENT_POOL, "unknown", {"resourceName": "aks", "type": UNKNOWN,
                                          "availabilityZones": ["1", "2", "3"]}, None))
    assert not scan_doc(tmp_path, doc, ["RES114"]).findings
    doc = export((AGENT_POOL, "vmss", {"resourceName": "aks", "type": "VirtualMachineScaleSets",
                                       "availabilityZones": ["1", "2", "3"]}, None))
    assert [f.rule_id for f in scan_doc(tmp_path, doc, ["RES114"]).findings] == ["RES114"]


def test_agent_pool_finds_its_cluster_by_name_and_resource_group(tmp_path):
    west = (CLUSTER, "aks-west", {"resourceGroupName": "us", "location": "westus", "agentPoolProfiles": []},
            {"name": "aks"})
    europe = (CLUSTER, "aks-eu", {"resourceGroupName": "eu", "location": "westeurope", "agentPoolProfiles": []},
              {"name": "aks"})
    pool_in = {"resourceName": "aks", "count": 3, "availabilityZones": ["1"]}
    # auto-named clusters match on their output name; the group tells the two apart
    hits = scan_doc(tmp_path, export(west, europe, (AGENT_POOL, "p", {**pool_in, "resourceGroupName": "eu"}, None)),
                    ["RES113"]).findings
    assert [f.resource for f in hits] == ["azure-native:containerservice:AgentPool.p"]
    assert not scan_doc(tmp_path, export(west, europe, (AGENT_POOL, "p", {**pool_in, "resourceGroupName": "us"},
                                                        None)), ["RES113"]).findings  # westus: no zones
    # without a group the name is ambiguous: silent
    assert not scan_doc(tmp_path, export(west, europe, (AGENT_POOL, "p", pool_in, None)), ["RES113"]).findings


def test_extra_zone_redundant_tiers_apply_to_arm_skus(tmp_path):
    doc = export(("azure-native:sql:Database", "orders", {"sku": {"name": "GP_Gen5", "tier": "GeneralPurpose"}},
                  None))
    assert not scan_doc(tmp_path, doc, ["RES321"]).findings
    hits = scan_doc(tmp_path, doc, ["RES321"], rule_options={"RES321": {"extra_zone_redundant_tiers": ["GP_"]}})
    assert [f.message for f in hits.findings] == [
        'SQL database azure-native:sql:Database.orders is not zone-redundant although sku.name = "GP_Gen5" '
        "supports it: zoneRedundant is unset and defaults to false"]


def test_high_availability_without_a_mode_is_disabled(tmp_path):
    doc = export(("azure-native:dbforpostgresql:Server", "pg", {"highAvailability": {"standbyAvailabilityZone": ""}},
                  None))
    hits = scan_doc(tmp_path, doc, ["RES322"]).findings
    assert [(str(f.severity), f.message.split(": ", 1)[1]) for f in hits] == [
        ("high", 'highAvailability.mode is unset and defaults to "Disabled"')]


def test_azure_native_findings_point_at_the_arm_property(tmp_path):
    doc = export(("azure-native:storage:StorageAccount", "data",
                  {"kind": "StorageV2", "location": "westeurope", "sku": {"name": "Standard_LRS"}}, None))
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(doc, indent=2))
    lines = path.read_text().splitlines()
    (hit,) = run_scan(path, select=["RES320"]).findings
    assert hit.attribute == "sku.name"
    assert '"name": "Standard_LRS"' in lines[hit.line - 1]


def test_location_taken_from_the_resource_group_output_in_a_preview(tmp_path):
    group_urn = "urn:pulumi:dev::shop::azure-native:resources:ResourceGroup::rg"

    def preview(group_location: str) -> dict:
        return {"steps": [
            {"op": "create", "urn": group_urn, "newState": {
                "urn": group_urn, "custom": True, "type": "azure-native:resources:ResourceGroup",
                "inputs": {"location": group_location}, "outputs": {}}},
            {"op": "create", "urn": f"urn:pulumi:dev::shop::{CLUSTER}::aks", "newState": {
                "urn": f"urn:pulumi:dev::shop::{CLUSTER}::aks", "custom": True, "type": CLUSTER,
                "inputs": {"location": UNKNOWN, "resourceGroupName": UNKNOWN,
                           "agentPoolProfiles": [pool("system", count=3)]},
                "outputs": {}, "propertyDependencies": {"location": [group_urn], "resourceGroupName": [group_urn]}}},
        ]}

    assert [f.rule_id for f in scan_doc(tmp_path, preview("westeurope"), ["RES113"]).findings] == ["RES113"]
    assert not scan_doc(tmp_path, preview("West US"), ["RES113"]).findings
