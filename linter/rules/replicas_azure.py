"""RES1xx for Azure: AKS node pools, scale sets and App Service plans that are
not spread over zones or run one node, and Basic load balancers."""

from __future__ import annotations

import re

from linter.model import Severity, Violation, is_unknown
from linter.rules import rule
from linter.rules._attribute_checks import AttributeCheck, check_attribute, text_is
from linter.rules._azure import (
    REGIONS_WITHOUT_ZONES, location_of, region_without_zones, zone_count, zones_text,
)
from linter.rules._values import as_bool, as_int

AKS = "azurerm_kubernetes_cluster"
AKS_POOL = "azurerm_kubernetes_cluster_node_pool"
VMSS = (
    "azurerm_linux_virtual_machine_scale_set",
    "azurerm_windows_virtual_machine_scale_set",
    "azurerm_orchestrated_virtual_machine_scale_set",
)
AUTOSCALE_SETTING = "azurerm_monitor_autoscale_setting"


def _node_pools(r):
    """(label, path prefix, pool attributes reader) for a cluster's default pool or a pool resource."""
    if r.type == AKS:
        return f"AKS cluster {r.address} default node pool", "default_node_pool."
    return f"AKS node pool {r.address}", ""


def _cluster_location(r, ctx):
    """The location that decides whether zones exist: the cluster's own, or the parent cluster's."""
    if r.type == AKS:
        return location_of(r, ctx.index), True
    cluster = ctx.index.resolve(r.get("kubernetes_cluster_id"))
    if cluster is None:
        return None, False
    return location_of(cluster, ctx.index), True


@rule(
    id="RES113",
    name="azure-aks-node-pool-no-zones",
    title="AKS node pool is not spread over availability zones.",
    severity=Severity.MEDIUM,
    types=(AKS, AKS_POOL),
    remediation='Set zones = ["1", "2", "3"] on the node pool (changing it on the default pool needs '
                "temporary_name_for_rotation).",
    cross=True,
    options={"regions_without_zones": list(REGIONS_WITHOUT_ZONES)},
)
def aks_pool_no_zones(r, ctx):
    """
    What it does
    Reports AKS node pools (the cluster's `default_node_pool` and
    `azurerm_kubernetes_cluster_node_pool`) whose `zones` list is absent,
    empty or names a single zone. Clusters in regions without availability
    zones (option `regions_without_zones`) are not reported; a separate node
    pool is judged by its cluster's location, and stays silent when that
    cluster is not in the scanned files.

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
    """
    label, prefix = _node_pools(r)
    zones = r.get(prefix + "zones")
    count = zone_count(zones)
    if count is None or count >= 2:
        return
    location, resolved = _cluster_location(r, ctx)
    if not resolved or region_without_zones(location, ctx) is not False:
        return
    what = zones_text(zones) if count else f"{prefix}zones is unset"
    yield Violation(f"{label} is not spread over availability zones: {what}",
                    path=prefix + "zones" if count else (prefix.rstrip(".") or None))


def _autoscaling(r, prefix):
    """auto_scaling_enabled (azurerm 4.x) or enable_auto_scaling (3.x); absent = false."""
    for name in ("auto_scaling_enabled", "enable_auto_scaling"):
        value = r.get(prefix + name)
        if value is not None:
            return value, prefix + name
    return False, None


@rule(
    id="RES114",
    name="azure-aks-node-pool-single-node",
    title="AKS node pool can run on one node.",
    severity=Severity.MEDIUM,
    types=(AKS, AKS_POOL),
    remediation="Set min_count = 2 (with autoscaling) or node_count = 3 (without), and max_count >= 2.",
)
def aks_pool_single_node(r, ctx):
    """
    What it does
    Reports AKS node pools that can run on a single node: autoscaling on with
    `min_count = 1`, autoscaling off with `node_count = 1`, or `max_count = 1`.
    An unset `node_count` is decided by Azure and not reported; `min_count = 0`
    (a user pool that scales to zero) is not reported either.

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
    """
    label, prefix = _node_pools(r)
    maximum = r.get(prefix + "max_count")
    if as_int(maximum) == 1:
        yield Violation(f"{label} can never grow past one node: max_count = 1", path=prefix + "max_count")
        return
    enabled, enabled_path = _autoscaling(r, prefix)
    if is_unknown(enabled):
        return
    if as_bool(enabled):
        minimum = r.get(prefix + "min_count")
        if as_int(minimum) == 1:
            yield Violation(f"{label} can shrink to one node: {enabled_path.rsplit('.', 1)[-1]} = true "
                            "with min_count = 1", path=prefix + "min_count")
        return
    count = r.get(prefix + "node_count")
    if as_int(count) == 1:
        how = "autoscaling is off" if enabled_path is None else f"{enabled_path.rsplit('.', 1)[-1]} = false"
        yield Violation(f"{label} runs one node: node_count = 1 and {how}", path=prefix + "node_count")


def _autoscale_minimums(index):
    """Scale set address -> the largest capacity.minimum of the autoscale settings targeting it
    ("unknown" when a minimum is not known). The key "*" marks a setting whose
    target cannot be resolved: it might target any scale set.
    """
    out: dict[str, object] = {}
    for setting in index.by_type(AUTOSCALE_SETTING):
        target = index.resolve(setting.get("target_resource_id"))
        if target is None:
            out["*"] = "unknown"
            continue
        values = [_capacity_min(p) for p in setting.all("profile")]
        if not values or any(v is None for v in values) or out.get(target.address) == "unknown":
            out[target.address] = "unknown"
        else:
            out[target.address] = max([*values, out.get(target.address, 0)])
    return out


def _capacity_min(profile):
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
    options={"regions_without_zones": list(REGIONS_WITHOUT_ZONES)},
)
def vmss_no_zones(r, ctx):
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
    """
    zones = r.get("zones")
    count = zone_count(zones)
    if count is None or count >= 2:
        return
    if region_without_zones(location_of(r, ctx.index), ctx) is not False:
        return
    instances = r.get("instances")
    if is_unknown(instances):
        return
    declared = 0 if instances is None else as_int(instances)
    if declared is None:
        return
    how = "instances is unset and defaults to 0" if instances is None else f"instances = {declared}"
    scaled = ctx.index.memo("azure.autoscale-minimums", _autoscale_minimums)
    minimum = scaled.get(r.address)
    if minimum == "unknown":
        return
    if isinstance(minimum, int) and minimum >= 2:
        how = f"an autoscale setting keeps at least {minimum} instances ({how})"
    elif declared < 2:
        return  # one instance or none (an unresolved autoscale setting could raise it: silent)
    where = zones_text(zones) if count else "zones is unset"
    yield Violation(f"Scale set {r.address} runs several instances with no zone redundancy: {how}, {where}",
                    path="zones" if count else ("instances" if instances is not None else None))


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
def service_plan_not_zone_redundant(r, ctx):
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
    """
    problems, path = [], None
    sku = r.get("sku_name")
    balanced = r.get("zone_balancing_enabled")
    if isinstance(sku, str) and _ZONE_BALANCED_SKU.match(sku) and not is_unknown(balanced):
        if as_bool(balanced) is not True:
            state = "is unset and defaults to false" if balanced is None else "= false"
            problems.append(f'sku_name "{sku}" supports zone balancing but zone_balancing_enabled {state}')
            path = "zone_balancing_enabled" if balanced is not None else None
    workers = r.get("worker_count")
    if as_int(workers) == 1:
        problems.append("worker_count = 1 runs every app on a single worker")
        path = path or "worker_count"
    if problems:
        yield Violation(f"App Service plan {r.address} is not zone-redundant: " + "; ".join(problems), path=path)


LB_BASIC = AttributeCheck(
    path="sku", default="Standard", fails=text_is("Basic"),
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
def lb_basic_sku(r, ctx):
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
    """
    yield from check_attribute(r, LB_BASIC)
