"""`azapi_resource` read as the azure-native resource it creates, so the Azure
rules serve it (fixtures: fixtures/_tools/fixturegen/specs/azapi.py, RES320 and RES114)."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.model import Location, Resource, Unknown, is_unknown
from linter.normalize.azapi import in_body_terms, normalize
from tests.conftest import FIXTURES, corpus_dir, run_scan

AZAPI_FIXTURES = sorted(p for p in FIXTURES.glob("RES*/*azapi*") if not p.name.endswith(".expect.json"))


def azapi(type_: str, body, **attrs) -> Resource:
    r = Resource(type="azapi_resource", address="azapi_resource.x", location=Location("main.tf"),
                 source_format="hcl", attrs={"type": type_, "body": body, **attrs})
    normalize([r])
    return r


def test_fixtures_exist_in_both_formats() -> None:
    names = {p.name for p in AZAPI_FIXTURES}
    assert {"fail-azapi-standard-lrs.tf", "fail-azapi-standard-lrs.tfplan.json",
            "unknown-azapi-cluster-pool-count-computed.tfplan.json"} <= names


@pytest.mark.parametrize("path", AZAPI_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_resource_is_mapped_not_left_silent(path: Path) -> None:
    # a pass or unknown fixture must be silent because of its values, not
    # because the resource was never read as the ARM type
    result = run_scan(path)
    mapped = [r for r in result.resources if r.raw_type == "azapi_resource"]
    assert mapped and all(r.type.startswith("azure-native:") for r in mapped)


def test_properties_are_flattened_and_paths_remembered() -> None:
    r = azapi("Microsoft.DBforPostgreSQL/flexibleServers@2023-06-01-preview",
              {"sku": {"name": "Standard_D2s_v3", "tier": "GeneralPurpose"},
               "properties": {"highAvailability": {"mode": "Disabled"}}},
              name="pg", location="westeurope",
              parent_id="/subscriptions/s/resourceGroups/rg-db")
    assert r.type == "azure-native:dbforpostgresql:Server" and r.raw_type == "azapi_resource"
    assert r.get("highAvailability.mode") == "Disabled" and r.get("sku.tier") == "GeneralPurpose"
    assert r.get("resourceGroupName") == "rg-db" and r.get("name") == "pg"
    assert r.meta["azapi_paths"]["highAvailability"] == "body.properties.highAvailability"


def test_child_resource_names_its_parent() -> None:
    pool = azapi("Microsoft.ContainerService/managedClusters/agentPools@2024-02-01", {"properties": {"count": 1}},
                 parent_id="/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks")
    assert pool.type == "azure-native:containerservice:AgentPool"
    assert pool.get("resourceName") == "aks" and pool.get("resourceGroupName") == "rg"
    ref = Unknown("azapi_resource.aks.id", ("azapi_resource.aks.id",))
    pool = azapi("Microsoft.ContainerService/managedClusters/agentPools@2024-02-01", {"properties": {}}, parent_id=ref)
    assert pool.get("resourceName") is ref  # the rules follow the reference to the cluster


def test_v1_json_string_body_is_read() -> None:
    r = azapi("Microsoft.Storage/storageAccounts@2021-09-01", '{"sku":{"name":"Standard_LRS"}}')
    assert r.get("sku.name") == "Standard_LRS"


@pytest.mark.parametrize("body", [Unknown("local.body"), {"properties": Unknown("local.props")}, "not json"])
def test_unknown_body_is_not_mapped(body) -> None:
    # a property missing from an unknown body must not read as "unset"
    assert azapi("Microsoft.Storage/storageAccounts@2023-05-01", body).type == "azapi_resource"


def test_unmapped_arm_types_and_unknown_type_stay_azapi() -> None:
    assert azapi("Microsoft.Network/virtualNetworks@2024-05-01", {}).type == "azapi_resource"
    assert azapi(Unknown("var.type"), {}).type == "azapi_resource"


def test_redis_api_version_decides_the_zonal_policy_api() -> None:
    assert azapi("Microsoft.Cache/redis@2023-08-01", {}).type == "azure-native:cache:Redis"
    assert azapi("Microsoft.Cache/redis@2024-11-01", {}).type == "azure-native:redis:Redis"


def test_messages_name_the_body_path() -> None:
    paths = {"sku": "body.sku", "highAvailability": "body.properties.highAvailability", "name": "name"}
    assert in_body_terms('has no standby: highAvailability.mode = "Disabled"', paths) == \
        'has no standby: body.properties.highAvailability.mode = "Disabled"'
    assert in_body_terms('Set sku.name = "Standard_ZRS" for sku', paths) == 'Set body.sku.name = "Standard_ZRS" for sku'
    # quoted values and addresses are left alone
    assert in_body_terms('pool "sku" of azapi_resource.sku', paths) == 'pool "sku" of azapi_resource.sku'
    # an input the body does not hold is named where it would go
    assert in_body_terms("zones: availabilityZones is unset", paths) == \
        "zones: body.properties.availabilityZones is unset"
    assert in_body_terms("count is unset and defaults to 1", paths) == "body.properties.count is unset and defaults to 1"
    assert in_body_terms("pool: zones is unset", paths) == "pool: body.zones is unset"
    assert in_body_terms("agentPoolProfiles[0].count is unset", paths) == \
        "body.properties.agentPoolProfiles[0].count is unset"
    assert in_body_terms("pool azapi_resource.this is unset", paths) == "pool azapi_resource.this is unset"


def test_plan_finding_names_body_path_and_points_at_plan() -> None:
    result = run_scan(FIXTURES / "RES320" / "fail-azapi-standard-lrs.tfplan.json", select=["RES320"])
    assert [f.resource for f in result.findings] == ["azapi_resource.this"]
    assert 'body.sku.name = "Standard_LRS"' in result.findings[0].message
    assert "body.sku.name" in result.findings[0].remediation


def test_corpus_verified_module_example_loads_and_maps_its_resource_group() -> None:
    example = corpus_dir("terraform-modules") / (
        "Azure+terraform-azurerm-avm-res-containerservice-managedcluster/examples/secure-baseline-private-cluster")
    if not example.is_dir():
        pytest.skip(f"corpus not present: {example}")
    result = run_scan(example)
    assert not result.errors
    by_address = {r.address: r for r in result.resources}
    group = by_address["azapi_resource.resource_group"]
    assert group.type == "azure-native:resources:ResourceGroup"
    for r in result.resources:
        if r.raw_type == "azapi_resource" or r.type == "azapi_resource":
            # either read as its ARM type, or left alone because its body is not known
            assert r.type.startswith("azure-native:") or r.type == "azapi_resource"
            if r.type == "azapi_resource" and is_unknown(r.attrs.get("body")):
                assert not [f for f in result.findings if f.resource == r.address]


def test_prior_state_is_mapped_too_for_the_regression_rules() -> None:
    from linter.model import Change

    aks = "Microsoft.ContainerService/managedClusters@2024-02-01"
    before = {"type": aks, "body": {"properties": {"agentPoolProfiles": [{"name": "system", "count": 3}]}}}
    r = Resource(type="azapi_resource", address="azapi_resource.aks", location=Location("plan.json"),
                 source_format="tfplan", change=Change(("update",), before),
                 attrs={"type": aks, "body": {"properties": {"agentPoolProfiles": [{"name": "system", "count": 1}]}}})
    normalize([r])
    assert r.before("agentPoolProfiles.0.count") == 3 and r.get("agentPoolProfiles.0.count") == 1


AVM_AKS = "Azure+terraform-azurerm-avm-res-containerservice-managedcluster"


def _avm_findings(module: str, example: str, rule: str) -> dict[str, tuple[str, int, str]]:
    directory = corpus_dir("terraform-modules") / module / "examples" / example
    if not directory.is_dir():
        pytest.skip(f"corpus not present: {directory}")
    result = run_scan(directory, select=[rule])
    assert not result.errors
    return {f.resource: (Path(f.file).relative_to(directory.parent.parent).as_posix(), f.line, f.message)
            for f in result.findings}


def _avm_line(path: str, needle: str, after: str | None = None, module: str = AVM_AKS) -> str:
    """`<path>:<line>` of the first line of a corpus file (of `module`) holding `needle` (after `after`)."""
    lines = (corpus_dir("terraform-modules") / module / path).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return f"{path}:{next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1}"


def test_avm_node_pools_of_a_for_each_map_are_judged_per_key() -> None:
    # examples/stateful-workloads/variables.tf: agent_pools defaults to { valkey = { count_of = 1,
    # no availability_zones } }; main.agent_pool.tf: module "nodepools" { for_each = var.agent_pools };
    # the agentpool module's type has ~60 optional() attributes the example leaves out, so its
    # body is only known with their nulls/defaults. count = var.output_data_only ? 0 :
    # var.create_before_destroy ? 0 : 1 plans azapi_resource.this[0].
    pool = 'module.stateful_workloads.module.nodepools["valkey"].azapi_resource.this[0]'
    zones = _avm_findings(AVM_AKS, "stateful-workloads", "RES113")
    assert zones[pool][:2] == ("modules/agentpool/main.tf", 11)
    assert "over availability zones: body.properties.availabilityZones is unset (in root" in zones[pool][2]
    single = _avm_findings(AVM_AKS, "stateful-workloads", "RES114")
    assert single[pool][:2] == ("modules/agentpool/main.tf", 17)
    # the agentpool module's body takes var.count_of (`var.max_count != null && var.min_count != null
    # ? null : var.count_of`: both null), which each.value.count_of of var.agent_pools sets: named at
    # the key of the example's default that writes it
    assert "body.properties.count = 1 (local.resource_body.properties.count, set at " in single[pool][2]
    default = _avm_line("examples/stateful-workloads/variables.tf", "count_of = 1", "variable \"agent_pools\"")
    assert f"{default}) and autoscaling is off" in single[pool][2]
    # create-before-destroy/main.tf:70: unp1 and unp2 autoscale from min_count = 1, and
    # create_agentpools_before_destroy = true plans this_create_before_destroy[0] instead
    shrink = _avm_findings(AVM_AKS, "create-before-destroy", "RES114")
    for key in ("unp1", "unp2"):
        found = shrink[f'module.create_before_destroy.module.nodepools["{key}"].azapi_resource.this_create_before_destroy[0]']
        # each named at the key of the example's agent_pools map that sets it
        example = "examples/create-before-destroy/main.tf"
        assert (f"body.properties.enableAutoScaling = true (local.resource_body.properties.enableAutoScaling, set at "
                in found[2])
        assert f"{_avm_line(example, 'enable_auto_scaling', f'{key} = {{')}) with body.properties.minCount = 1 (" in found[2]
        assert f"{_avm_line(example, 'min_count', f'{key} = {{')})" in found[2]
    assert not [r for r in shrink if r.endswith(".azapi_resource.this[0]")]


def test_avm_cluster_pools_are_named_by_their_place_in_the_body() -> None:
    # main.tf:7 writes agentPoolProfiles inside body.properties; the example's system pool
    # (examples/stateful-workloads: no availability zones) is its first entry
    zones = _avm_findings(AVM_AKS, "stateful-workloads", "RES113")
    found = zones["module.stateful_workloads.azapi_resource.this"]
    assert ('agent pool "systempool" is not spread over availability zones: '
            "body.properties.agentPoolProfiles[0].availabilityZones is unset (in root") in found[2]
    single = _avm_findings(AVM_AKS, "default", "RES114")
    # the body is merge(local.resource_body_full, {properties = <its properties, filtered>}); the first
    # pool is a merge() of a filtered local whose count is computed at its key (a conditional)
    message = single["module.default.azapi_resource.this"][2]
    assert ("runs one node: body.properties.agentPoolProfiles[0].count = 1 "
            "(local.resource_body.properties.agentPoolProfiles.count, set at ") in message
    assert f"{_avm_line('locals.agent_pool_profiles.tf', 'count = local.is_automatic')}) and autoscaling is off" in message


def test_avm_data_only_agent_pool_module_plans_nothing() -> None:
    # main.default_agent_pool.tf: module "default_agent_pool_data" passes output_data_only = true,
    # so both azapi_resource blocks of the agentpool module have count 0 (a chained conditional)
    directory = corpus_dir("terraform-modules") / AVM_AKS / "examples" / "default"
    if not directory.is_dir():
        pytest.skip(f"corpus not present: {directory}")
    result = run_scan(directory)
    assert not result.errors
    assert not [r for r in result.resources
                if ".default_agent_pool_data." in r.address and r.raw_type == "azapi_resource"]
    # the cluster's one system node (default_agent_pool.count_of = 1, examples/default/main.tf:88)
    assert [f.rule_id for f in result.findings if f.resource == "module.default.azapi_resource.this"] == ["RES114"]


def test_avm_storage_account_sku_reaches_the_azapi_body() -> None:
    # examples/management-policy/main.tf:126: account_sku_name = "Standard_GRS"; main.tf:9 sends it as
    # body.sku.name (locals.sku.tf: coalesce(var.account_sku_name, ...)); the body also reads
    # optional() attributes of object variables, so it was unknown before they were applied
    found = _avm_findings("Azure+terraform-azurerm-avm-res-storage-storageaccount", "management-policy", "RES320")
    assert found["module.this.azapi_resource.this"][:2] == ("main.tf", 10)  # the key sku.name, not body
    message = found["module.this.azapi_resource.this"][2]
    assert 'body.sku.name = "Standard_GRS" (local.sku_name, set at ' in message  # a body path, read as sku.name
    where = _avm_line("locals.sku.tf", "sku_name = coalesce", module="Azure+terraform-azurerm-avm-res-storage-storageaccount")
    assert f"{where}) needs a geo failover" in message
