"""RES190 and RES390: plan and preview changes that take redundancy away.

Both compare the prior value (`before` in a plan, `oldState.inputs` in a
Pulumi preview) with the planned one, applying the defaults of the matching
RES1xx/RES3xx rule on both sides.
"""

from __future__ import annotations

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import rule
from linter.rules._azure import (
    ARM_AKS, ARM_AKS_POOL, ARM_COSMOS, ARM_FLEXIBLE, ARM_REDIS, ARM_SQL_DATABASE, ARM_STORAGE, COSMOS_PATHS,
    storage_redundancy,
)
from linter.rules._datastores import is_aurora
from linter.rules._k8s import autoscalers_for
from linter.rules._regress import (
    Check, has_prior_state, one_of, prefix, regressed, replacement_note,
)
from linter.rules._values import as_bool, as_int, render
from typing import Any, Iterator, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import Context

K8S_WORKLOADS = ("apps/Deployment", "apps/StatefulSet")
K8S_HPA = "autoscaling/HorizontalPodAutoscaler"

# type -> (noun, checks); defaults from linter.attribute_facts, as RES101-RES119 read them
REPLICA_CHECKS: dict[str, tuple[str, tuple[Check, ...]]] = {
    "apps/Deployment": ("Deployment", (Check("spec.replicas"),)),
    "apps/StatefulSet": ("StatefulSet", (Check("spec.replicas"),)),
    K8S_HPA: ("HorizontalPodAutoscaler", (Check("spec.minReplicas"),)),
    # Terraform's kubernetes provider arrives as these canonical types (linter.normalize.terraform_k8s)
    "aws_autoscaling_group": ("Auto Scaling group", (
        Check("min_size"),
        Check("desired_capacity", default=lambda read: read("min_size")),
    )),
    "aws_ecs_service": ("ECS service", (Check("desired_count"),)),
    "aws_eks_node_group": ("EKS node group", (
        Check("scaling_config.min_size"), Check("scaling_config.desired_size"),
    )),
    "aws_elasticache_replication_group": ("ElastiCache replication group", (
        Check("num_cache_clusters"),
        Check("replicas_per_node_group"),
    )),
    "aws_opensearch_domain": ("OpenSearch domain", (Check("cluster_config.instance_count"),)),
    "aws_elasticsearch_domain": ("Elasticsearch domain", (Check("cluster_config.instance_count"),)),
    "google_compute_instance_group_manager": ("Managed instance group", (Check("target_size"),)),
    "google_compute_region_instance_group_manager": ("Regional managed instance group", (Check("target_size"),)),
    "azurerm_kubernetes_cluster": ("AKS cluster", (
        Check("default_node_pool.node_count"), Check("default_node_pool.min_count"),
    )),
    "azurerm_kubernetes_cluster_node_pool": ("AKS node pool", (
        Check("node_count"), Check("min_count"),
    )),
    "azurerm_service_plan": ("App Service plan", (Check("worker_count"),)),
    # Pulumi azure-native (ARM names); a cluster's agentPoolProfiles are matched by name (_arm_pool_counts)
    ARM_AKS_POOL: ("AKS agent pool", (Check("count"), Check("minCount"))),
    ARM_AKS: ("AKS cluster", ()),
}


def _known(value: Any) -> Any:
    """The value, or None when it is not known before apply."""
    return None if is_unknown(value) else value


def _arm_pool_counts(r: Resource) -> list[tuple[str, str]]:
    """azure-native ManagedCluster: agentPoolProfiles[*] count / minCount from 2+ to fewer,
    pools matched by name (a removed pool, or a count left to the autoscaler, is not a change)."""
    before, after = r.before("agentPoolProfiles"), r.get("agentPoolProfiles")
    if not isinstance(before, list) or not isinstance(after, list):
        return []
    now = {p["name"]: (i, p) for i, p in enumerate(after) if isinstance(p, dict) and isinstance(p.get("name"), str)}
    out = []
    for old in before:
        if not isinstance(old, dict) or not isinstance(old.get("name"), str) or old["name"] not in now:
            continue
        i, new = now[old["name"]]
        for name in ("count", "minCount"):
            was, becomes = as_int(old.get(name)), as_int(new.get(name))
            if was is not None and becomes is not None and was >= 2 and becomes < 2:
                out.append((f'agent pool "{old["name"]}" {name} changes from {was} to {becomes}',
                            f"agentPoolProfiles.{i}.{name}"))
    return out


def _display(r: Resource, ctx: Context, noun: str) -> str:
    if r.type in K8S_WORKLOADS or r.type == K8S_HPA:
        return f"{noun} {ctx.index.namespace_of(r)}/{r.name}"
    return f"{noun} {r.address}"


@rule(
    id="RES190",
    name="replica-count-regression",
    title="A change reduces redundancy from two or more to fewer than two.",
    severity=Severity.HIGH,
    types=tuple(REPLICA_CHECKS),
    remediation="Keep the count at 2 or more; if the reduction is intended (decommissioning), suppress the finding with a justification.",
    formats=("tfplan", "pulumi"),
    cross=True,  # Kubernetes workloads: an autoscaler in the index owns the count
)
def replica_count_regression(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Compares the replica or instance count before and after a Terraform plan
    (`update` or replacement) or a Pulumi preview step, and reports a drop
    from 2 or more to fewer than 2: Kubernetes `spec.replicas` and HPA
    `minReplicas` (YAML-free too: Pulumi's Kubernetes provider, and
    Terraform's `kubernetes_deployment(_v1)`, `kubernetes_stateful_set(_v1)`
    and `kubernetes_horizontal_pod_autoscaler(_v1/_v2)`), Auto Scaling group `min_size`/`desired_capacity`, ECS
    `desired_count`, EKS `scaling_config.min_size`/`desired_size`,
    ElastiCache `num_cache_clusters`/`replicas_per_node_group`, OpenSearch
    `cluster_config.instance_count`, managed instance group `target_size`,
    AKS `node_count`/`min_count` (Pulumi azure-native: AgentPool and
    `agentPoolProfiles[*]` `count`/`minCount`, pools matched by name), App
    Service plan `worker_count`. The
    defaults of the matching RES1xx rule apply on both sides, and a
    Deployment or StatefulSet that an autoscaler targets is judged by the
    autoscaler's `minReplicas`. Creates, deletes and planned values not known
    yet are not reported.

    Why is this bad?
    The change removes the redundancy that lets the service survive the loss
    of one instance, node or zone, often as a side effect (a copied
    variable, a cost-saving default) that a reviewer does not notice in a
    long plan.

    Example
    ```
    # terraform plan
    ~ resource "aws_autoscaling_group" "web" {
        ~ min_size = 2 -> 1
      }
    ```

    Use instead
    ```hcl
    resource "aws_autoscaling_group" "web" {
      min_size = 2
    }
    ```

    References
    - https://developer.hashicorp.com/terraform/internals/json-format (`before`, `after`, `after_unknown`)
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    if not has_prior_state(r):
        return
    if r.type == "aws_ecs_service" and "DAEMON" in (
            _known(r.get("scheduling_strategy")), _known(r.before("scheduling_strategy"))):
        return  # one task per instance: desired_count does not apply (RES107)
    if r.type in K8S_WORKLOADS and autoscalers_for(r, ctx.index):
        return  # an HPA/ScaledObject owns the count: its minReplicas is what regresses
    noun, checks = REPLICA_CHECKS[r.type]
    changes = [(change, check.path) for check in checks for change in (regressed(r, check),) if change]
    if r.type == ARM_AKS:
        changes.extend(_arm_pool_counts(r))
    for change, path in changes:
        yield Violation(
            f"{_display(r, ctx, noun)} loses its redundancy: {change}{replacement_note(r)}",
            path=path,
        )


# ------------------------------------------------------------------ RES390
HA_FLEX = ("azurerm_postgresql_flexible_server", "azurerm_mysql_flexible_server")
ZONE_REDUNDANT_STORAGE = ("ZRS", "GZRS", "RAGZRS")
SINGLE_ZONE_STORAGE = ("LRS", "GRS", "RAGRS")

# type -> (noun, checks); defaults from linter.attribute_facts, as RES301-RES324 read them
ZONE_CHECKS: dict[str, tuple[str, tuple[Check, ...]]] = {
    "aws_db_instance": ("RDS instance", (Check("multi_az", "flag"),)),
    "aws_elasticache_replication_group": ("ElastiCache replication group", (
        Check("multi_az_enabled", "flag"),
        Check("automatic_failover_enabled", "flag"),
        Check("num_cache_clusters"),
    )),
    "aws_mq_broker": ("Amazon MQ broker", (
        Check("deployment_mode", (lambda v: isinstance(v, str) and v.upper().endswith("_MULTI_AZ"), one_of("SINGLE_INSTANCE"))),
    )),
    "aws_opensearch_domain": ("OpenSearch domain", (Check("cluster_config.zone_awareness_enabled", "flag"),)),
    "aws_elasticsearch_domain": ("Elasticsearch domain", (Check("cluster_config.zone_awareness_enabled", "flag"),)),
    "aws_fsx_windows_file_system": ("FSx file system", (
        Check("deployment_type", (prefix("MULTI_AZ"), prefix("SINGLE_AZ"))),)),
    "aws_fsx_ontap_file_system": ("FSx file system", (
        Check("deployment_type", (prefix("MULTI_AZ"), prefix("SINGLE_AZ"))),)),
    "aws_fsx_openzfs_file_system": ("FSx file system", (
        Check("deployment_type", (prefix("MULTI_AZ"), prefix("SINGLE_AZ"))),)),
    "aws_efs_file_system": ("EFS file system", (
        Check("availability_zone_name", (lambda v: v == "", lambda v: isinstance(v, str) and v != "")),)),
    "aws_redshift_cluster": ("Redshift cluster", (Check("multi_az", "flag"),)),
    "google_sql_database_instance": ("Cloud SQL instance", (
        Check("settings.availability_type", (one_of("REGIONAL"), one_of("ZONAL"))),)),
    "google_redis_instance": ("Memorystore instance", (
        Check("tier", (one_of("STANDARD_HA"), one_of("BASIC"))),)),
    "google_alloydb_instance": ("AlloyDB instance", (
        Check("availability_type", (one_of("REGIONAL"), one_of("ZONAL"))),)),
    "azurerm_storage_account": ("Storage account", (
        Check("account_replication_type", regression=(one_of(*ZONE_REDUNDANT_STORAGE), one_of(*SINGLE_ZONE_STORAGE))),)),
    "azurerm_mssql_database": ("Azure SQL database", (Check("zone_redundant", "flag"),)),
    "azurerm_redis_cache": ("Azure Cache for Redis", (
        Check("sku_name", regression=(one_of("Standard", "Premium"), one_of("Basic"))),)),
    "azurerm_cosmosdb_account": ("Cosmos DB account", ()),
    **{t: ("Flexible server", ()) for t in HA_FLEX},
    # Pulumi azure-native (ARM names and values, the defaults of RES320-RES324)
    ARM_STORAGE: ("Storage account", (
        Check("sku.name", regression=(lambda v: storage_redundancy(v) in ZONE_REDUNDANT_STORAGE,
                                      lambda v: storage_redundancy(v) in SINGLE_ZONE_STORAGE)),)),
    ARM_SQL_DATABASE: ("Azure SQL database", (Check("zoneRedundant", "flag"),)),
    **{t: ("Flexible server", (
        Check("highAvailability.mode", (one_of("ZoneRedundant"), one_of("SameZone", "Disabled"))),))
       for t in ARM_FLEXIBLE},
    **{t: ("Cosmos DB account", ()) for t in ARM_COSMOS},
    **{t: ("Azure Cache for Redis", (
        Check("sku.name", regression=(one_of("Standard", "Premium"), one_of("Basic"))),
        Check("zonalAllocationPolicy", regression=(one_of("Automatic"), one_of("NoZones"))),
    )) for t in ARM_REDIS},
}


def _redis_zones(r: Resource) -> str | None:
    """azurerm_redis_cache: 2+ zones -> fewer (absent = no zones)."""
    before, after = r.before("zones"), r.get("zones")
    if is_unknown(after) or is_unknown(before):
        return None
    if after is not None and not isinstance(after, list):
        return None  # malformed (zones = 5): cannot judge
    b = len(before) if isinstance(before, list) else 0
    a = len(after) if isinstance(after, list) else 0
    if any(is_unknown(z) for z in (after or [])):
        return None
    if b >= 2 and a < 2:
        return f"zones changes from {render(before)} to {render(after) if after else '(unset: no zones)'}"
    return None


def _flexible_ha(r: Resource) -> str | None:
    """ZoneRedundant -> SameZone or no high_availability block."""
    before = r.before("high_availability.mode")
    block = r.get("high_availability")
    after = r.get("high_availability.mode")
    if is_unknown(block) or is_unknown(after) or not isinstance(before, str):
        return None
    if before != "ZoneRedundant":
        return None
    if block is None or block == []:
        return 'high_availability.mode changes from "ZoneRedundant" to no high_availability block (no standby)'
    if after == "SameZone":
        return 'high_availability.mode changes from "ZoneRedundant" to "SameZone"'
    return None


def _cosmos_zones(r: Resource) -> list[str]:
    """geo_location[*].zone_redundant (ARM: locations[*].isZoneRedundant) true -> false, matched by location."""
    p = COSMOS_PATHS[r.type]
    after_by_location = {}
    for loc in r.all(p.regions):
        if isinstance(loc, dict) and isinstance(loc.get(p.location), str):
            after_by_location[loc[p.location].lower()] = loc
    before = r.before(p.regions)
    out = []
    for loc in before if isinstance(before, list) else []:
        if not isinstance(loc, dict) or as_bool(loc.get(p.zone_redundant)) is not True:
            continue
        name = loc.get(p.location)
        now = after_by_location.get(name.lower()) if isinstance(name, str) else None
        if now is None:
            continue  # the region is removed, not made zonal
        value = now.get(p.zone_redundant)
        if is_unknown(value):
            continue
        if as_bool(value) is not True:
            shown = "false" if value is not None else "false (unset, the default)"
            out.append(f"{p.regions} {name}: {p.zone_redundant} changes from true to {shown}")
    return out


@rule(
    id="RES390",
    name="zone-redundancy-regression",
    title="A change removes zone redundancy from a data store.",
    severity=Severity.HIGH,
    types=tuple(ZONE_CHECKS),
    remediation="Restore the previous zone-redundant setting; if the change is intended, suppress the finding with a justification.",
    formats=("tfplan", "pulumi"),
)
def zone_redundancy_regression(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Compares a data store's zone-redundancy setting before and after a
    Terraform plan (`update` or replacement) or a Pulumi preview step and
    reports a loss: RDS `multi_az` true -> false, ElastiCache
    `multi_az_enabled`/`automatic_failover_enabled` true -> false or
    `num_cache_clusters` 2+ -> 1, Amazon MQ `*_MULTI_AZ` -> `SINGLE_INSTANCE`,
    OpenSearch zone awareness off, FSx `MULTI_AZ_*` -> `SINGLE_AZ_*`, EFS
    Regional -> One Zone, Redshift `multi_az` off, Cloud SQL `REGIONAL` ->
    `ZONAL`, Memorystore `STANDARD_HA` -> `BASIC`, AlloyDB `REGIONAL` ->
    `ZONAL`, Azure storage ZRS/GZRS/RAGZRS -> LRS/GRS/RAGRS, Azure SQL
    `zone_redundant` off, flexible server `ZoneRedundant` HA -> `SameZone` or
    none, Azure Cache for Redis fewer than 2 zones or Basic, Cosmos DB region
    `zone_redundant` off. Pulumi azure-native resources are compared on
    their ARM properties: StorageAccount `sku.name` (`Standard_ZRS` ->
    `Standard_LRS`), sql Database `zoneRedundant`, flexible Server
    `highAvailability.mode` (`ZoneRedundant` -> `SameZone`/`Disabled`),
    DatabaseAccount `locations[*].isZoneRedundant`, Redis `sku.name`,
    `zones` and `zonalAllocationPolicy` (`Automatic` -> `NoZones`). The defaults of the
    matching RES3xx rule apply on both sides; the message says when the
    change also replaces the resource.

    Why is this bad?
    The change silently turns a database, cache or file system that survives
    a zone outage into one that does not; when it also forces a replacement,
    the data store is deleted and re-created.

    Example
    ```
    # terraform plan
    ~ resource "aws_db_instance" "orders" {
        ~ multi_az = true -> false
      }
    ```

    Use instead
    ```hcl
    resource "aws_db_instance" "orders" {
      multi_az = true
    }
    ```

    References
    - https://developer.hashicorp.com/terraform/internals/json-format
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    if not has_prior_state(r):
        return
    if r.type == "aws_db_instance" and is_aurora(r) is not False:
        return  # Aurora instances carry no multi_az of their own
    noun, checks = ZONE_CHECKS[r.type]
    found: list[tuple[str, str]] = []
    for check in checks:
        change = regressed(r, check)
        if change:
            found.append((change, check.path))
    if r.type == "azurerm_redis_cache" or r.type in ARM_REDIS:
        change = _redis_zones(r)
        if change:
            found.append((change, "zones"))
    elif r.type in HA_FLEX:
        change = _flexible_ha(r)
        if change:
            found.append((change, "high_availability"))
    elif r.type in COSMOS_PATHS:
        found.extend((change, COSMOS_PATHS[r.type].regions) for change in _cosmos_zones(r))
    for change, path in found:
        yield Violation(
            f"{noun} {r.address} loses zone redundancy: {change}{replacement_note(r)}",
            path=path,
        )

