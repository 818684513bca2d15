"""Azure facts several rules share: zone lists, regions without zones, and
following azure-native (ARM) name inputs to the resources they name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from linter.model import UNKNOWN, Resource, is_unknown

if TYPE_CHECKING:
    from linter.engine import Context
    from linter.index import Index

# Azure regions that have no availability zones (learn.microsoft.com, "Azure
# regions list", 2025): zone rules cannot be satisfied there. Configurable per
# rule with the `regions_without_zones` option; compared without case or spaces.
REGIONS_WITHOUT_ZONES = (
    "westus", "northcentralus", "westcentralus", "canadaeast", "ukwest", "japanwest",
    "koreasouth", "southindia", "westindia", "jioindiawest", "jioindiacentral",
    "australiacentral", "australiacentral2", "australiasoutheast", "francesouth",
    "germanynorth", "norwaywest", "switzerlandwest", "uaecentral", "southafricawest",
    "brazilsoutheast", "swedensouth",
)


def normalise_region(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.replace(" ", "").replace("-", "").lower()


def location_of(r: Resource, index: Index) -> Any:
    """`location`, following `location = azurerm_resource_group.x.location` to the group's value.

    Azure configurations rarely write the region twice: resources take it from
    their resource group, which HCL sees as an expression. An azure-native
    resource that sets no `location` is created in its resource group's
    location (`resourceGroupName`): unknown when that group is not scanned.
    """
    location = r.get("location")
    if is_unknown(location):
        group = index.resolve(location)
        if group is not None and (group.type.endswith("azurerm_resource_group") or group.type == ARM_RESOURCE_GROUP):
            return group.get("location")
    if location is None and r.type.startswith("azure-native:"):
        group = arm_named(index, r.get("resourceGroupName"), ARM_RESOURCE_GROUP, ("resourceGroupName", "name"))
        return group.get("location") if group is not None else UNKNOWN
    return location


# ------------------------------------------------------------------ azure-native (ARM names)
# Canonical azure-native types (linter.normalize.tokens.AZURE_NATIVE_TYPES).
ARM_RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
ARM_STORAGE = "azure-native:storage:StorageAccount"
ARM_AKS = "azure-native:containerservice:ManagedCluster"
ARM_AKS_POOL = "azure-native:containerservice:AgentPool"
ARM_SQL_DATABASE = "azure-native:sql:Database"
ARM_SQL_POOL = "azure-native:sql:ElasticPool"
ARM_FLEXIBLE = ("azure-native:dbforpostgresql:Server", "azure-native:dbformysql:Server")
ARM_COSMOS = ("azure-native:cosmosdb:DatabaseAccount", "azure-native:documentdb:DatabaseAccount")
ARM_REDIS_V1 = "azure-native:cache:Redis"  # azure-native v1: an API without zonalAllocationPolicy
ARM_REDIS = ("azure-native:redis:Redis", ARM_REDIS_V1)


def storage_redundancy(value: Any) -> str | None:
    """The replication of a storage account: "LRS" for azurerm's "LRS" and ARM's
    "Standard_LRS" (ARM's sku.name joins tier and replication); None when not a known string."""
    return value.rsplit("_", 1)[-1].upper() if isinstance(value, str) and value else None


@dataclass(frozen=True)
class CosmosPaths:
    """Where a Cosmos DB account keeps its regions, and their fields' names (RES324, RES390)."""

    regions: str
    location: str
    priority: str
    zone_redundant: str
    failover: tuple[str, ...]  # the first one written wins
    fix: str | None = None  # None: the rule's remediation


COSMOS_PATHS = {
    "azurerm_cosmosdb_account": CosmosPaths(
        "geo_location", "location", "failover_priority", "zone_redundant",
        ("automatic_failover_enabled", "enable_automatic_failover")),
    **{t: CosmosPaths("locations", "locationName", "failoverPriority", "isZoneRedundant", ("enableAutomaticFailover",),
                      "Set isZoneRedundant: true on the locations entry with failoverPriority: 0 (and on the other "
                      "regions); an existing region takes it only when it is added again.")
       for t in ARM_COSMOS},
}


def arm_named(index: Index, value: Any, arm_type: str, name_paths: tuple[str, ...],
              group: Any = None) -> Resource | None:
    """The `arm_type` resource an ARM name input names (an AgentPool's `resourceName`
    is its cluster's name), or None.

    In a preview the name is not known yet and carries the resource it comes
    from; in a stack export it is the name, matched against the names the
    resources were given (`name_paths`: the name input, or `name` from the
    outputs for auto-named ones) and, when both are known, their
    `resourceGroupName`. An ambiguous name resolves to nothing.
    """
    if is_unknown(value):
        found = index.resolve(value)
        return found if found is not None and found.type == arm_type else None
    if not isinstance(value, str) or not value:
        return None
    matches: list[Resource] = []
    for candidate in index.by_type(arm_type):
        if not any(isinstance(n, str) and n == value for n in (candidate.get(p) for p in name_paths)):
            continue
        their_group = candidate.get("resourceGroupName")
        if isinstance(group, str) and isinstance(their_group, str) and group.lower() != their_group.lower():
            continue
        matches.append(candidate)
    return matches[0] if len(matches) == 1 else None


def region_without_zones(location: Any, ctx: Context) -> bool | None:
    """True when `location` is in the rule's `regions_without_zones`; None when unknown."""
    if is_unknown(location):
        return None
    if location is None:
        return False
    listed = {normalise_region(x) for x in ctx.option("regions_without_zones")}
    return normalise_region(location) in listed


def zone_count(value: Any) -> int | None:
    """Distinct zones in a `zones` list; absent -> 0; None when unknown."""
    if value is None:
        return 0
    if is_unknown(value):
        return None
    if isinstance(value, str):
        return 1 if value else 0
    if isinstance(value, list):
        if any(is_unknown(z) for z in value):
            return None
        return len({str(z) for z in value})
    return None


def zones_text(value: Any, name: str = "zones", origin: str | None = None) -> str:
    """`zones = ["1"]` (azure-native: name="availabilityZones"), with where a variable
    set it (`origin_of`) as `Setting.describe` says it."""
    if not value:
        return f"{name} is unset"
    return f"{name} = [" + ", ".join(f'"{z}"' for z in value) + "]" + (f" ({origin})" if origin else "")
