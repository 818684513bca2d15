"""RES3xx for Azure: storage accounts, SQL databases, flexible servers, Redis
caches and Cosmos DB accounts that keep their data in one zone.

The rules also cover the Pulumi azure-native twins of these resources. Those
keep ARM property names and value sets (`sku.name = "Standard_LRS"`,
`highAvailability.mode = "Disabled"`, `locations[*].isZoneRedundant`), so
each rule reads them through its own small table of ARM paths and reports
them by the names the program wrote (rules.md Appendix B point 7).
"""

from __future__ import annotations

import re

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import Option, rule
from linter.rules._azure import (
    ARM_COSMOS, ARM_FLEXIBLE, ARM_REDIS, ARM_REDIS_V1, ARM_SQL_DATABASE, ARM_SQL_POOL, ARM_STORAGE, COSMOS_PATHS,
    storage_redundancy, zone_count, zones_text,
)
from linter.rules._values import as_bool, origin_of, setting
from typing import Iterator, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import Context

# where the replication is written (ARM's sku.name joins tier and replication: "Standard_LRS")
STORAGE_REPLICATION = {"azurerm_storage_account": "account_replication_type", ARM_STORAGE: "sku.name"}


@rule(
    id="RES320",
    name="azure-storage-not-zone-redundant",
    title="Storage account keeps its primary copies in a single zone.",
    severity=Severity.MEDIUM,
    types=("azurerm_storage_account", ARM_STORAGE),
    remediation='Set account_replication_type = "ZRS" (or "GZRS"); changing between LRS/GRS and '
                "ZRS/GZRS creates a new account, so migrate the data.",
)
def storage_not_zone_redundant(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports storage accounts whose `account_replication_type` keeps the
    primary copies in one datacenter: `LRS` (medium), and `GRS`/`RAGRS`
    (low: a second region exists, but a zone outage needs a geo failover).
    `ZRS`, `GZRS` and `RAGZRS` are zone-redundant. Pulumi azure-native
    StorageAccounts write it in `sku.name` (`Standard_LRS`, `Premium_LRS`:
    medium; `Standard_GRS`, `Standard_RAGRS`: low).

    Why is this bad?
    With LRS all three copies of the data sit in a single datacenter: a zone
    outage makes the account unavailable, and a datacenter disaster can lose
    data.

    Example
    ```hcl
    resource "azurerm_storage_account" "data" {
      account_tier             = "Standard"
      account_replication_type = "LRS"
    }
    ```

    Use instead
    ```hcl
    resource "azurerm_storage_account" "data" {
      account_tier             = "Standard"
      account_replication_type = "ZRS"
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/storage_account
    - https://learn.microsoft.com/en-us/azure/storage/common/storage-redundancy
    """
    path = STORAGE_REPLICATION[r.type]
    kind = r.get(path)
    value = storage_redundancy(kind)
    fix = None
    if r.type == ARM_STORAGE:
        tier = kind.rsplit("_", 1)[0] if isinstance(kind, str) and "_" in kind else "Standard"
        fix = (f'Set sku.name = "{tier}_ZRS"' + (f' (or "{tier}_GZRS")' if tier == "Standard" else "")
               + "; moving from LRS/GRS to ZRS/GZRS is a conversion or a new account, so plan the data move.")
    if value == "LRS":
        yield Violation(f"Storage account {r.address} keeps every copy in one datacenter: "
                        f"{setting(r, path).describe()}", path=path, remediation=fix)
    elif value in ("GRS", "RAGRS"):
        yield Violation(f"Storage account {r.address} is locally redundant in its primary region: "
                        f"{setting(r, path).describe()} needs a geo failover to survive a zone outage",
                        path=path, severity=Severity.LOW, remediation=fix)


_DTU_PREMIUM = re.compile(r"^P\d+$", re.IGNORECASE)
# elastic pool tiers for the sku_name prefixes of vCore databases
_POOL_TIER_OF_PREFIX = {"BC_": "businesscritical", "GP_": "generalpurpose", "HS_": "hyperscale"}


def _zone_redundant_sku(sku: str, extra: list[str]) -> bool:
    upper = sku.upper()
    return bool(_DTU_PREMIUM.match(upper)) or upper.startswith("BC_") or any(
        upper.startswith(p.upper()) for p in extra
    )


def _pool_supports(r: Resource, extra: list[str]) -> tuple[bool | None, str]:
    tier, name = r.get("sku.tier"), r.get("sku.name")
    if is_unknown(tier) or is_unknown(name):
        return None, ""
    wanted = {"premium", "businesscritical"} | {
        _POOL_TIER_OF_PREFIX.get(p.upper(), p.lower()) for p in extra
    }
    if isinstance(tier, str) and tier.replace(" ", "").lower() in wanted:
        return True, setting(r, "sku.tier").describe()
    return False, ""


@rule(
    id="RES321",
    name="azure-sql-database-not-zone-redundant",
    title="Azure SQL database (or elastic pool) is not zone-redundant.",
    severity=Severity.MEDIUM,
    types=("azurerm_mssql_database", "azurerm_mssql_elasticpool", ARM_SQL_DATABASE, ARM_SQL_POOL),
    remediation="Set zone_redundant = true.",
    options={"extra_zone_redundant_tiers": Option([], "SKU name prefixes (`GP_`, `HS_`) also judged as supporting zone redundancy, beside Premium and Business Critical.")},
)
def sql_database_not_zone_redundant(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Azure SQL databases and elastic pools on a tier that supports
    zone redundancy (Premium `P*` and Business Critical `BC_*`; add
    `GP_`/`HS_` with the option `extra_zone_redundant_tiers`) whose
    `zone_redundant` is not true (unset means not zone-redundant). Databases
    inside an elastic pool (`elastic_pool_id` set) are judged through their
    pool. Pulumi azure-native Databases and ElasticPools are judged on
    `sku.name` (`P1`, `BC_Gen5`, `PremiumPool`) or `sku.tier` (`Premium`,
    `BusinessCritical`), `zoneRedundant` and `elasticPoolId`.

    Why is this bad?
    Without zone redundancy the database's replicas share one zone: a zone
    outage makes it unavailable even though the tier already pays for
    several replicas.

    Example
    ```hcl
    resource "azurerm_mssql_database" "orders" {
      sku_name = "BC_Gen5_2"
    }
    ```

    Use instead
    ```hcl
    resource "azurerm_mssql_database" "orders" {
      sku_name       = "BC_Gen5_2"
      zone_redundant = true
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/mssql_database
    - provider schema `internal/services/mssql/mssql_database_resource.go`
    """
    extra = list(ctx.option("extra_zone_redundant_tiers") or [])
    if r.type in (ARM_SQL_DATABASE, ARM_SQL_POOL):
        yield from _arm_sql_not_zone_redundant(r, extra)
        return
    if r.type == "azurerm_mssql_database":
        pool = r.get("elastic_pool_id")
        if pool is not None and pool != "":
            return
        sku = r.get("sku_name")
        if not isinstance(sku, str) or not _zone_redundant_sku(sku, extra):
            return
        tier, what = setting(r, "sku_name").describe(), "SQL database"
    else:
        supports, tier = _pool_supports(r, extra)
        if not supports:
            return
        what = "SQL elastic pool"
    current = setting(r, "zone_redundant")
    if current.unknown or as_bool(current.value) is True:
        return
    yield Violation(f"{what} {r.address} is not zone-redundant although {tier} supports it: "
                    f"{current.describe()}", path=None if current.defaulted else "zone_redundant")


_ARM_PREMIUM_NAMES = {"premium", "premiumpool"}  # DTU names without a number (P1 etc. match _DTU_PREMIUM)


def _arm_sql_tier(r: Resource, extra: list[str]) -> tuple[bool | None, str]:
    """Does an ARM sku (`sku.name`, `sku.tier`) support zone redundancy, and the value that says so."""
    name, tier = r.get("sku.name"), r.get("sku.tier")
    if isinstance(name, str) and (_zone_redundant_sku(name, extra) or name.lower() in _ARM_PREMIUM_NAMES):
        return True, setting(r, "sku.name").describe()
    wanted = {"premium", "businesscritical"} | {_POOL_TIER_OF_PREFIX.get(p.upper(), p.lower()) for p in extra}
    if isinstance(tier, str) and tier.replace(" ", "").lower() in wanted:
        return True, setting(r, "sku.tier").describe()
    if is_unknown(name) or is_unknown(tier):
        return None, ""
    return False, ""


def _arm_sql_not_zone_redundant(r: Resource, extra: list[str]) -> Iterator[Violation]:
    """azure-native sql Database / ElasticPool (ARM names)."""
    if r.type == ARM_SQL_DATABASE:
        pool = r.get("elasticPoolId")
        if pool is not None and pool != "":
            return  # judged through its pool
        what = "SQL database"
    else:
        what = "SQL elastic pool"
    supports, tier = _arm_sql_tier(r, extra)
    if not supports:
        return
    current = setting(r, "zoneRedundant")
    if current.unknown or as_bool(current.value) is True:
        return
    yield Violation(f"{what} {r.address} is not zone-redundant although {tier} supports it: "
                    f"{current.describe()}", path=None if current.defaulted else "zoneRedundant",
                    remediation="Set zoneRedundant: true.")


@rule(
    id="RES322",
    name="azure-flexible-server-no-zone-redundant-ha",
    title="PostgreSQL/MySQL flexible server has no zone-redundant high availability.",
    severity=Severity.HIGH,
    types=("azurerm_postgresql_flexible_server", "azurerm_mysql_flexible_server", *ARM_FLEXIBLE),
    remediation='Add high_availability { mode = "ZoneRedundant" } (MySQL: a server created without HA '
                "must be recreated, and storage auto-grow must be on).",
)
def flexible_server_no_zone_ha(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports PostgreSQL and MySQL flexible servers with no
    `high_availability` block (high: there is no standby at all) or with
    `high_availability { mode = "SameZone" }` (medium: the standby shares the
    primary's zone). Replicas (`create_mode = "Replica"`) are not reported.
    Pulumi azure-native Servers (`dbforpostgresql`, `dbformysql`) write
    `highAvailability.mode`: `Disabled`, or no `highAvailability`, is no
    standby (high), `SameZone` is medium; `createMode: "Replica"` is not
    reported, nor are single servers (the retired 2017 API, a `properties`
    object), which have no high availability to configure.

    Why is this bad?
    Without a standby a VM or zone failure stops the database until Azure
    recovers it; a same-zone standby survives a VM failure but not a zone
    outage.

    Example
    ```hcl
    resource "azurerm_postgresql_flexible_server" "orders" {
      sku_name = "GP_Standard_D2s_v3"
    }
    ```

    Use instead
    ```hcl
    resource "azurerm_postgresql_flexible_server" "orders" {
      sku_name = "GP_Standard_D2s_v3"
      high_availability {
        mode = "ZoneRedundant"
      }
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/postgresql_flexible_server
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/mysql_flexible_server
    """
    if r.type in ARM_FLEXIBLE:
        yield from _arm_flexible_no_zone_ha(r)
        return
    mode = r.get("create_mode")
    if is_unknown(mode) or (isinstance(mode, str) and mode.lower() == "replica"):
        return
    engine = "PostgreSQL" if "postgresql" in r.type else "MySQL"
    block = r.get("high_availability")
    if is_unknown(block):
        return
    if not block:
        yield Violation(f"{engine} flexible server {r.address} has no standby: no high_availability block is set")
        return
    ha_mode = setting(r, "high_availability.mode")
    if isinstance(ha_mode.value, str) and ha_mode.value.lower() == "samezone":
        yield Violation(f"{engine} flexible server {r.address} keeps its standby in the primary's zone: "
                        f"{ha_mode.describe()}", path="high_availability.mode",
                        severity=Severity.MEDIUM)


def _arm_flexible_no_zone_ha(r: Resource) -> Iterator[Violation]:
    """azure-native flexible Server: highAvailability.mode Disabled (the default) or SameZone."""
    if r.get("properties") is not None:
        return  # a single server (2017 API): it has no high availability to configure
    mode = r.get("createMode")
    if is_unknown(mode) or (isinstance(mode, str) and mode.lower() == "replica"):
        return
    engine = "PostgreSQL" if "postgresql" in r.type else "MySQL"
    fix = 'Set highAvailability: { mode: "ZoneRedundant" }' + (
        " (enabling it on a server created without it needs a new server, and storage.autoGrow must be "
        '"Enabled").' if engine == "MySQL" else ".")
    block = r.get("highAvailability")
    ha = setting(r, "highAvailability.mode")
    if is_unknown(block) or ha.unknown or not isinstance(ha.value, str):
        return
    if ha.value.lower() == "disabled":
        yield Violation(f"{engine} flexible server {r.address} has no standby: {ha.describe()}",
                        path=None if block is None else "highAvailability" if ha.defaulted else "highAvailability.mode",
                        remediation=fix)
    elif ha.value.lower() == "samezone":
        yield Violation(f"{engine} flexible server {r.address} keeps its standby in the primary's zone: "
                        f"{ha.describe()}", path="highAvailability.mode", severity=Severity.MEDIUM,
                        remediation=fix)


@rule(
    id="RES323",
    name="azure-redis-single-node-or-zonal",
    title="Azure Cache for Redis is single-node or not zone-redundant.",
    severity=Severity.HIGH,
    types=("azurerm_redis_cache", *ARM_REDIS),
    remediation='Use sku_name = "Standard" at least; for zone redundancy sku_name = "Premium", '
                'family = "P", zones = ["1", "2"].',
)
def redis_single_node_or_zonal(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Azure Cache for Redis instances on the `Basic` SKU (high: a single
    node with no SLA) and `Premium` caches whose `zones` names fewer than two
    zones (medium). `Standard` caches (a primary and a replica) are not
    reported. Pulumi azure-native Redis caches write `sku.name`, `zones` and
    `zonalAllocationPolicy`: `Automatic` is zone-redundant, `NoZones` is
    not; with neither zones nor a policy the API version decides (since
    2024 Azure picks zones itself in regions that have them), so only the
    azure-native v1 `cache:Redis`, whose API has no such policy, is reported.

    Why is this bad?
    A Basic cache is one node: any patch, failure or zone outage empties it
    and stops every client. A Premium cache without zones keeps its primary
    and replica in one zone.

    Example
    ```hcl
    resource "azurerm_redis_cache" "sessions" {
      sku_name = "Basic"
      family   = "C"
      capacity = 1
    }
    ```

    Use instead
    ```hcl
    resource "azurerm_redis_cache" "sessions" {
      sku_name = "Premium"
      family   = "P"
      capacity = 1
      zones    = ["1", "2"]
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/redis_cache
    - https://learn.microsoft.com/en-us/azure/azure-cache-for-redis/cache-overview (service tiers)
    """
    if r.type in ARM_REDIS:
        yield from _arm_redis_single_node_or_zonal(r)
        return
    sku = r.get("sku_name")
    if not isinstance(sku, str):
        return
    if sku.lower() == "basic":
        yield Violation(f"Redis cache {r.address} is a single node with no replica: {setting(r, 'sku_name').describe()}",
                        path="sku_name")
    elif sku.lower() == "premium":
        zones = r.get("zones")
        count = zone_count(zones)
        if count is not None and count < 2:
            yield Violation(f"Redis cache {r.address} is Premium but not zone-redundant: "
                            f"{zones_text(zones, origin=origin_of(r, 'zones'))}",
                            path="zones" if count else "sku_name", severity=Severity.MEDIUM)


def _arm_redis_single_node_or_zonal(r: Resource) -> Iterator[Violation]:
    """azure-native Redis: sku.name, zones, zonalAllocationPolicy (ARM names)."""
    sku = r.get("sku.name")
    if not isinstance(sku, str):
        return
    fix = ('Use sku.name = "Standard" at least; for zone redundancy sku: { name: "Premium", family: "P" } '
           'with zonalAllocationPolicy: "Automatic" (or zones: ["1", "2"]).')
    if sku.lower() == "basic":
        yield Violation(f"Redis cache {r.address} is a single node with no replica: {setting(r, 'sku.name').describe()}",
                        path="sku.name", remediation=fix)
        return
    if sku.lower() != "premium":
        return
    policy, zones = r.get("zonalAllocationPolicy"), r.get("zones")
    count = zone_count(zones)
    if is_unknown(policy) or count is None or count >= 2:
        return
    if isinstance(policy, str) and policy.lower() == "automatic":
        return
    if policy is None and count == 0 and r.type != ARM_REDIS_V1:
        return  # the API version decides: Automatic since 2024 in regions with zones
    if isinstance(policy, str) and policy.lower() == "nozones":
        what, path = setting(r, "zonalAllocationPolicy").describe(), "zonalAllocationPolicy"
    else:
        what, path = zones_text(zones, origin=origin_of(r, "zones")), "zones" if count else "sku.name"
    yield Violation(f"Redis cache {r.address} is Premium but not zone-redundant: {what}", path=path,
                    severity=Severity.MEDIUM, remediation=fix)


@rule(
    id="RES324",
    name="azure-cosmosdb-not-zone-redundant",
    title="Cosmos DB region is not zone-redundant.",
    severity=Severity.MEDIUM,
    types=("azurerm_cosmosdb_account", *ARM_COSMOS),
    remediation="Set zone_redundant = true in the geo_location block with failover_priority = 0 "
                "(and in the other regions).",
)
def cosmosdb_not_zone_redundant(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Cosmos DB accounts whose write region (the `geo_location` with
    `failover_priority = 0`) has `zone_redundant` unset or false. The message
    also lists the other regions that are not zone-redundant. The finding is
    low instead of medium when the account has two or more regions and
    automatic failover enabled, since a zone outage then fails over to
    another region. Pulumi azure-native DatabaseAccounts (`cosmosdb`, and
    `documentdb` in azure-native v1) are read through their ARM names:
    `locations[*].isZoneRedundant`, `failoverPriority`, `locationName` and
    `enableAutomaticFailover`.

    Why is this bad?
    A region that is not zone-redundant keeps its replicas in one zone: a
    zone outage stops writes until the account fails over, or until the zone
    returns when failover is manual.

    Example
    ```hcl
    geo_location {
      location          = "westeurope"
      failover_priority = 0
    }
    ```

    Use instead
    ```hcl
    geo_location {
      location          = "westeurope"
      failover_priority = 0
      zone_redundant    = true
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/cosmosdb_account
    """
    p = COSMOS_PATHS[r.type]
    regions = r.get(p.regions)
    if is_unknown(regions):
        return
    regions = r.all(p.regions)
    write, others = None, []
    for i, region in enumerate(regions):
        if not isinstance(region, dict):
            return
        priority = region.get(p.priority)
        redundant = setting(r, f"{p.regions}.{i}.{p.zone_redundant}", shown=f"{p.regions}.{p.zone_redundant}")
        if is_unknown(priority) or redundant.unknown:
            return
        flag = as_bool(redundant.value) is True
        if str(priority) == "0":
            write = (region.get(p.location), flag, redundant)
        elif not flag:
            others.append(region.get(p.location))
    if write is None or write[1]:
        return
    failover = None
    for name in p.failover:
        if r.get(name) is not None:
            failover = r.get(name)
            break
    if is_unknown(failover):
        return
    location = f'"{write[0]}"' if isinstance(write[0], str) else str(write[0])  # unknown: its expression
    message = f"Cosmos DB account {r.address} write region {location} is not zone-redundant: {write[2].describe()}"
    if others:
        message += "; also not zone-redundant: " + ", ".join(str(o) for o in others)
    severity = None
    if len(regions) >= 2 and as_bool(failover) is True:
        severity = Severity.LOW
        message += " (automatic failover to another region is enabled)"
    yield Violation(message, path=p.regions, severity=severity, remediation=p.fix)
