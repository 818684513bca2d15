"""RES1xx for Azure: AKS node pools, scale sets and App Service plans that are
not spread over zones or run one node, and Basic load balancers.

AKS rules also cover azure-native (Pulumi, ARM names): a ManagedCluster's
`agentPoolProfiles[*]` and AgentPool resources. A node pool's fields have
other names there (PoolFields: AZURERM_POOL, ARM_POOL); the rule logic is
the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import Option, rule
from linter.rules._attribute_checks import AttributeCheck, check_attribute, text_is
from linter.rules._azure import (
    ARM_AKS, ARM_AKS_POOL, REGIONS_WITHOUT_ZONES, arm_named, location_of, region_without_zones, zone_count, zones_text,
)
from linter.rules._values import as_bool, as_int, origin_of, setting
from typing import Any, Iterator, Literal, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import Context
    from linter.index import Index

AKS = "azurerm_kubernetes_cluster"
AKS_POOL = "azurerm_kubernetes_cluster_node_pool"
VMSS = (
    "azurerm_linux_virtual_machine_scale_set",
    "azurerm_windows_virtual_machine_scale_set",
    "azurerm_orchestrated_virtual_machine_scale_set",
)
AUTOSCALE_SETTING = "azurerm_monitor_autoscale_setting"


@dataclass(frozen=True)
class PoolFields:
    """What a node pool's fields are called: azurerm and ARM names differ."""

    zones: str
    node_count: str
    min_count: str
    max_count: str
    autoscaling: tuple[str, ...]  # the first one written wins
    # an unset count takes the table's default (linter.attribute_facts): ARM's 1; azurerm's
    # node_count is Optional+Computed with none (Azure decides: not judged)
    zones_fix: str


AZURERM_POOL = PoolFields(
    "zones", "node_count", "min_count", "max_count", ("auto_scaling_enabled", "enable_auto_scaling"),
    'Set zones = ["1", "2", "3"] on the node pool (changing it on the default pool needs '
    "temporary_name_for_rotation).",
)
ARM_POOL = PoolFields(
    "availabilityZones", "count", "minCount", "maxCount", ("enableAutoScaling",),
    'Set availabilityZones: ["1", "2", "3"] on the agent pool (the zones of an existing pool cannot '
    "change: add a zonal pool and move the workloads to it).",
)


@dataclass(frozen=True)
class Pool:
    label: str  # "AKS cluster x default node pool"
    prefix: str  # the pool's path in the resource: "default_node_pool.", "agentPoolProfiles.1."
    shown: str  # what messages put before an unset field's name ("default_node_pool."; ARM: the label names the pool)
    fields: PoolFields
    # what messages put before every field's name: an azapi cluster's pool is named by its
    # place in the body ("agentPoolProfiles[0].", then `body.properties.` before it)
    path: str = ""


def _node_pools(r: Resource) -> list[Pool]:
    """The node pools a resource holds: a cluster's default pool, its agentPoolProfiles, or itself."""
    if r.type == AKS:
        return [Pool(f"AKS cluster {r.address} default node pool", "default_node_pool.", "default_node_pool.",
                     AZURERM_POOL)]
    if r.type == AKS_POOL:
        return [Pool(f"AKS node pool {r.address}", "", "", AZURERM_POOL)]
    if r.type == ARM_AKS_POOL:
        return [Pool(f"AKS agent pool {r.address}", "", "", ARM_POOL)]
    profiles = r.get("agentPoolProfiles")
    if not isinstance(profiles, list):
        return []  # unknown, or none written
    in_body = bool(r.meta.get("azapi_paths"))
    pools: list[Pool] = []
    for i, profile in enumerate(profiles):
        name = profile.get("name") if isinstance(profile, dict) else None
        which = f'"{name}"' if isinstance(name, str) else f"agentPoolProfiles[{i}]"
        pools.append(Pool(f"AKS cluster {r.address} agent pool {which}", f"agentPoolProfiles.{i}.", "", ARM_POOL,
                          f"agentPoolProfiles[{i}]." if in_body else ""))
    return pools


def _cluster_location(r: Resource, ctx: Context) -> tuple[Any, bool]:
    """The location that decides whether zones exist: the cluster's own, or the parent cluster's."""
    if r.type in (AKS, ARM_AKS):
        return location_of(r, ctx.index), True
    if r.type == ARM_AKS_POOL:  # resourceName: the cluster's name
        cluster = arm_named(ctx.index, r.get("resourceName"), ARM_AKS, ("resourceName", "name"),
                            group=r.get("resourceGroupName"))
    else:
        cluster = ctx.index.resolve(r.get("kubernetes_cluster_id"))
    if cluster is None:
        return None, False
    return location_of(cluster, ctx.index), True


@rule(
    id="RES113",
    name="azure-aks-node-pool-no-zones",
    title="AKS node pool is not spread over availability zones.",
    severity=Severity.MEDIUM,
    types=(AKS, AKS_POOL, ARM_AKS, ARM_AKS_POOL),
    remediation=AZURERM_POOL.zones_fix,
    cross=True,
    options={"regions_without_zones": Option(list(REGIONS_WITHOUT_ZONES), "Azure regions without availability zones, where a resource is not reported.")},
)
def aks_pool_no_zones(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports AKS node pools (the cluster's `default_node_pool` and
    `azurerm_kubernetes_cluster_node_pool`; in Pulumi azure-native every
    `agentPoolProfiles` entry of a ManagedCluster and AgentPool resources,
    whose list is `availabilityZones`) whose `zones` list is absent, empty or
    names a single zone. Clusters in regions without availability zones
    (option `regions_without_zones`) are not reported; a separate node pool
    is judged by its cluster's location, and stays silent when that cluster
    is not in the scanned files.

    Why is this bad?
    Without zones every node of the pool may sit in one datacenter: a zone
    outage removes the whole pool, and the pods on it have nowhere to go.

    Example
    ```hcl
    default_node_pool {
      name       = "system"
      vm_size    = "Standard_D4s_v5"
      node_count = 3
    }
    ```

    Use instead
    ```hcl
    default_node_pool {
      name       = "system"
      vm_size    = "Standard_D4s_v5"
      node_count = 3
      zones      = ["1", "2", "3"]
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_cluster
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_cluster_node_pool
    """
    zonal = []
    for pool in _node_pools(r):
        zones = r.get(pool.prefix + pool.fields.zones)
        count = zone_count(zones)
        if count is not None and count < 2:
            zonal.append((pool, zones, count))
    if not zonal:
        return
    location, resolved = _cluster_location(r, ctx)
    if not resolved or region_without_zones(location, ctx) is not False:
        return
    for pool, zones, count in zonal:
        name = pool.path + pool.fields.zones
        what = zones_text(zones, name, origin_of(r, pool.prefix + pool.fields.zones)) if count else f"{pool.shown}{name} is unset"
        yield Violation(f"{pool.label} is not spread over availability zones: {what}",
                        path=pool.prefix + name if count else (pool.prefix.rstrip(".") or None),
                        remediation=None if pool.fields is AZURERM_POOL else pool.fields.zones_fix)


def _autoscaling(r: Resource, prefix: str, names: tuple[str, ...] = AZURERM_POOL.autoscaling) -> tuple[Any, str | None]:
    """auto_scaling_enabled (azurerm 4.x) or enable_auto_scaling (3.x; ARM enableAutoScaling); absent = false."""
    for name in names:
        value = r.get(prefix + name)
        if value is not None:
            return value, prefix + name
    return False, None


@rule(
    id="RES114",
    name="azure-aks-node-pool-single-node",
    title="AKS node pool can run on one node.",
    severity=Severity.MEDIUM,
    types=(AKS, AKS_POOL, ARM_AKS, ARM_AKS_POOL),
    remediation="Set min_count = 2 (with autoscaling) or node_count = 3 (without), and max_count >= 2.",
)
def aks_pool_single_node(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports AKS node pools that can run on a single node: autoscaling on with
    `min_count = 1`, autoscaling off with `node_count = 1`, or `max_count = 1`.
    An unset `node_count` is decided by Azure and not reported; `min_count = 0`
    (a user pool that scales to zero) is not reported either. Pulumi
    azure-native pools (`agentPoolProfiles[*]`, AgentPool) use the ARM names
    `minCount`, `maxCount`, `enableAutoScaling` and `count`, whose API default
    is 1: an unset `count` without autoscaling is one node.

    Why is this bad?
    On one node every node upgrade, reboot or VM failure evicts all the pods
    of the pool at once; system pods (CoreDNS, metrics) go down with it.

    Example
    ```hcl
    default_node_pool {
      name                 = "system"
      auto_scaling_enabled = true
      min_count            = 1
      max_count            = 5
    }
    ```

    Use instead
    ```hcl
    default_node_pool {
      name                 = "system"
      auto_scaling_enabled = true
      min_count            = 2
      max_count            = 5
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/kubernetes_cluster
    - provider schema `internal/services/containers/kubernetes_nodepool.go` (node_count Optional+Computed)
    """
    for pool in _node_pools(r):
        yield from _pool_single_node(r, pool)


def _pool_single_node(r: Resource, pool: Pool) -> Iterator[Violation]:
    label, prefix, f, shown = pool.label, pool.prefix, pool.fields, pool.path
    fix = None if f is AZURERM_POOL else (
        f"Set {f.min_count}: 2 (with {f.autoscaling[0]}) or {f.node_count}: 3 (without), and {f.max_count} >= 2.")
    def said(field: str) -> str:  # `max_count = 1`, with where a variable or module set it
        return setting(r, prefix + field, shown=shown + field).describe()

    if as_int(r.get(prefix + f.max_count)) == 1:
        yield Violation(f"{label} can never grow past one node: {said(f.max_count)}", path=prefix + f.max_count,
                        remediation=fix)
        return
    enabled, enabled_path = _autoscaling(r, prefix, f.autoscaling)
    if is_unknown(enabled):
        return
    switch = enabled_path.rsplit(".", 1)[-1] if enabled_path is not None else None
    if as_bool(enabled) and switch is not None:  # no path: unset, which is false
        if as_int(r.get(prefix + f.min_count)) == 1:
            yield Violation(f"{label} can shrink to one node: {said(switch)} with {said(f.min_count)}",
                            path=prefix + f.min_count, remediation=fix)
        return
    if f is ARM_POOL:
        pool_type = r.get(prefix + "type")
        if is_unknown(pool_type) or pool_type == "VirtualMachines":
            return  # a VirtualMachines pool is sized by virtualMachinesProfile.scale, not by count
    count = setting(r, prefix + f.node_count, shown=shown + f.node_count)
    if as_int(count.value) == 1:
        how = "autoscaling is off" if switch is None else said(switch)
        yield Violation(f"{label} runs one node: {count.describe()} and {how}",
                        path=(prefix.rstrip(".") or None) if count.defaulted else prefix + f.node_count,
                        remediation=fix)


def _autoscale_minimums(index: Index) -> dict[str, int | Literal["unknown"]]:
    """Scale set address -> the largest capacity.minimum of the autoscale settings targeting it
    ("unknown" when a minimum is not known). The key "*" marks a setting whose
    target cannot be resolved: it might target any scale set.
    """
    out: dict[str, int | Literal["unknown"]] = {}
    for setting in index.by_type(AUTOSCALE_SETTING):
        target = index.resolve(setting.get("target_resource_id"))
        if target is None:
            out["*"] = "unknown"
            continue
        values = [_capacity_min(p) for p in setting.all("profile")]
        known = [v for v in values if v is not None]
        previous = out.get(target.address, 0)  # "unknown" once a minimum was not known
        if not values or len(known) < len(values) or previous == "unknown":
            out[target.address] = "unknown"
        else:
            out[target.address] = max([*known, previous])
    return out


def _capacity_min(profile: Any) -> int | None:
    if not isinstance(profile, dict):
        return None
    capacity = profile.get("capacity")
    if isinstance(capacity, list):
        capacity = capacity[0] if capacity else None
    if not isinstance(capacity, dict):
        return None
    return as_int(capacity.get("minimum"))


@rule(
    id="RES115",
    name="azure-vmss-no-zones",
    title="Virtual machine scale set is not zone-redundant.",
    severity=Severity.MEDIUM,
    types=VMSS,
    remediation='Set zones = ["1", "2", "3"] (and optionally zone_balance = true).',
    cross=True,
    options={"regions_without_zones": Option(list(REGIONS_WITHOUT_ZONES), "Azure regions without availability zones, where a resource is not reported.")},
)
def vmss_no_zones(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports virtual machine scale sets that run two or more instances
    (`instances`, default 0, or the `capacity.minimum` of an
    `azurerm_monitor_autoscale_setting` that targets the set) while `zones`
    names fewer than two zones. Scale sets in regions without availability
    zones (option `regions_without_zones`) are not reported.

    Why is this bad?
    The instances give redundancy against a VM failure only: without zones
    they may all share one datacenter, and a zone outage stops them together.

    Example
    ```hcl
    resource "azurerm_linux_virtual_machine_scale_set" "web" {
      instances = 3
    }
    ```

    Use instead
    ```hcl
    resource "azurerm_linux_virtual_machine_scale_set" "web" {
      instances    = 3
      zones        = ["1", "2", "3"]
      zone_balance = true
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/linux_virtual_machine_scale_set
    """
    zones = r.get("zones")
    count = zone_count(zones)
    if count is None or count >= 2:
        return
    if region_without_zones(location_of(r, ctx.index), ctx) is not False:
        return
    instances = setting(r, "instances")
    if instances.unknown:
        return
    declared = as_int(instances.value)
    if declared is None:
        return
    how = instances.describe()
    scaled = ctx.index.memo("azure.autoscale-minimums", _autoscale_minimums)
    minimum = scaled.get(r.address)
    if minimum == "unknown":
        return
    if isinstance(minimum, int) and minimum >= 2:
        how = f"an autoscale setting keeps at least {minimum} instances ({how})"
    elif declared < 2:
        return  # one instance or none (an unresolved autoscale setting could raise it: silent)
    where = zones_text(zones, origin=origin_of(r, "zones")) if count else "zones is unset"
    yield Violation(f"Scale set {r.address} runs several instances with no zone redundancy: {how}, {where}",
                    path="zones" if count else (None if instances.defaulted else "instances"))


_ZONE_BALANCED_SKU = re.compile(
    r"^(P\d+v[234]|P\d+mv[34]|EP\d+|I\d+v2|I\d+mv2|WS\d+|FC\d+)$", re.IGNORECASE
)


@rule(
    id="RES116",
    name="azure-app-service-plan-not-zone-redundant",
    title="App Service plan is not zone-balanced or runs one worker.",
    severity=Severity.MEDIUM,
    types=("azurerm_service_plan",),
    remediation="Set zone_balancing_enabled = true with worker_count = 3 (more than one worker, "
                "a multiple of the zone count).",
)
def service_plan_not_zone_redundant(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports App Service plans on a SKU that can be zone-balanced (Premium
    `P*v2`/`P*v3`/`P*mv3`/`P*v4`/`P*mv4`, Elastic Premium `EP*`, Isolated
    `I*v2`, Workflow `WS*`, Flex Consumption `FC*`) whose
    `zone_balancing_enabled` is not true, and plans of any SKU with
    `worker_count = 1`. An unset `worker_count` is chosen by Azure and not
    judged.

    Why is this bad?
    Without zone balancing the plan's workers may all sit in one zone, and a
    single worker is one VM: its maintenance or failure stops every app on it.

    Example
    ```hcl
    resource "azurerm_service_plan" "api" {
      os_type  = "Linux"
      sku_name = "P1v3"
    }
    ```

    Use instead
    ```hcl
    resource "azurerm_service_plan" "api" {
      os_type                = "Linux"
      sku_name               = "P1v3"
      zone_balancing_enabled = true
      worker_count           = 3
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/service_plan
    - https://learn.microsoft.com/en-us/azure/reliability/reliability-app-service
    """
    problems, path = [], None
    sku = setting(r, "sku_name")
    balanced = setting(r, "zone_balancing_enabled")
    if isinstance(sku.value, str) and _ZONE_BALANCED_SKU.match(sku.value) and not balanced.unknown:
        if as_bool(balanced.value) is not True:
            problems.append(f"{sku.describe()} supports zone balancing but {balanced.describe()}")
            path = None if balanced.defaulted else "zone_balancing_enabled"
    workers = setting(r, "worker_count")
    if not workers.defaulted and as_int(workers.value) == 1:
        problems.append(f"{workers.describe()} runs every app on a single worker")
        path = path or "worker_count"
    if problems:
        yield Violation(f"App Service plan {r.address} is not zone-redundant: " + "; ".join(problems), path=path)


LB_BASIC = AttributeCheck(
    path="sku", fails=text_is("Basic"),
    what="Load balancer", problem="uses the Basic SKU (no availability zones, no SLA)",
)


@rule(
    id="RES117",
    name="azure-lb-basic-sku",
    title="Azure Load Balancer uses the Basic SKU.",
    severity=Severity.LOW,
    types=("azurerm_lb",),
    remediation='Set sku = "Standard" (this creates a new load balancer).',
)
def lb_basic_sku(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports `azurerm_lb` load balancers with `sku = "Basic"`. An unset `sku`
    means Standard and is not reported.

    Why is this bad?
    The Basic SKU has no availability zones and no SLA, and Azure retired it
    in September 2025: its frontends cannot survive a zone failure.

    Example
    ```hcl
    resource "azurerm_lb" "web" {
      sku = "Basic"
    }
    ```

    Use instead
    ```hcl
    resource "azurerm_lb" "web" {
      sku = "Standard"
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/lb
    """
    yield from check_attribute(r, LB_BASIC)
