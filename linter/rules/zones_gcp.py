"""RES3xx for GCP: Cloud SQL, Memorystore, Filestore and AlloyDB instances that
live in one zone."""

from __future__ import annotations

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import rule
from linter.rules._attribute_checks import AttributeCheck, check_attribute, text_is
from linter.rules._gcp import is_cloudsql_replica, location_kind
from linter.rules._values import as_int, setting
from typing import Iterator, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import Context

CLOUD_SQL = "google_sql_database_instance"


@rule(
    id="RES311",
    name="gcp-cloudsql-zonal",
    title="Cloud SQL instance is zonal (no high availability).",
    severity=Severity.HIGH,
    types=(CLOUD_SQL,),
    remediation='Set settings { availability_type = "REGIONAL" } and enable backups with binary logging '
                "(MySQL) or point-in-time recovery (PostgreSQL, SQL Server).",
)
def cloudsql_zonal(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Cloud SQL instances whose `settings.availability_type` is
    `ZONAL`, the provider default. Read replicas (`master_instance_name` set,
    `instance_type = "READ_REPLICA_INSTANCE"`) and read pools
    (`READ_POOL_INSTANCE`) are not reported.

    Why is this bad?
    A zonal instance has no standby: a zone outage or a VM failure makes the
    database unavailable until Google recreates it, and writes are lost if
    the disk is lost. A regional instance fails over to a standby in another
    zone within minutes.

    Example
    ```hcl
    resource "google_sql_database_instance" "orders" {
      database_version = "POSTGRES_15"
      settings {
        tier = "db-custom-2-7680"
      }
    }
    ```

    Use instead
    ```hcl
    settings {
      tier              = "db-custom-2-7680"
      availability_type = "REGIONAL"
      backup_configuration {
        enabled                        = true
        point_in_time_recovery_enabled = true
      }
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/sql_database_instance
    - provider schema `google/services/sql/resource_sql_database_instance.go`
    """
    if is_cloudsql_replica(r) is not False:
        return
    current = setting(r, "settings.availability_type")
    if current.unknown or not isinstance(current.value, str) or current.value.upper() != "ZONAL":
        return
    yield Violation(f"Cloud SQL instance {r.address} is zonal (no standby in another zone): {current.describe()}",
                    path=None if current.defaulted else current.path)


REDIS_BASIC = AttributeCheck(
    path="tier", fails=text_is("BASIC"),
    what="Memorystore for Redis instance", problem="has no replica in another zone",
)


@rule(
    id="RES312",
    name="gcp-memorystore-basic-tier",
    title="Memorystore for Redis instance uses the BASIC tier (no replica).",
    severity=Severity.MEDIUM,
    types=("google_redis_instance",),
    remediation='Set tier = "STANDARD_HA" (optionally replica_count and read_replicas_mode).',
)
def memorystore_basic_tier(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports `google_redis_instance` resources on the `BASIC` tier, which is
    also the default when `tier` is unset.

    Why is this bad?
    A BASIC instance is a single node: a zone outage or node failure makes
    the cache unavailable and empties it, so the backing database takes the
    full load at the worst moment.

    Example
    ```hcl
    resource "google_redis_instance" "cache" {
      name           = "cache"
      memory_size_gb = 1
    }
    ```

    Use instead
    ```hcl
    resource "google_redis_instance" "cache" {
      name           = "cache"
      memory_size_gb = 1
      tier           = "STANDARD_HA"
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/redis_instance
    """
    yield from check_attribute(r, REDIS_BASIC)


_REGIONAL_FILESTORE_TIERS = ("REGIONAL", "ENTERPRISE")


@rule(
    id="RES313",
    name="gcp-filestore-zonal",
    title="Filestore instance is zonal.",
    severity=Severity.MEDIUM,
    types=("google_filestore_instance",),
    remediation='Use tier = "REGIONAL" (or "ENTERPRISE") with a region as location.',
)
def filestore_zonal(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Filestore instances whose `location` (or the deprecated `zone`)
    is a zone name. When the location is not known before apply, the tier
    decides: only `REGIONAL` and `ENTERPRISE` instances are regional.

    Why is this bad?
    A zonal file share lives in one zone: when that zone fails every client
    mounting it loses its files until the zone comes back.

    Example
    ```hcl
    resource "google_filestore_instance" "share" {
      location = "us-central1-b"
      tier     = "BASIC_HDD"
    }
    ```

    Use instead
    ```hcl
    resource "google_filestore_instance" "share" {
      location = "us-central1"
      tier     = "REGIONAL"
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/filestore_instance
    """
    location, path = r.get("location"), "location"
    if location is None:
        location, path = r.get("zone"), "zone"
    kind = location_kind(location)
    if kind == "zone":
        yield Violation(f"Filestore instance {r.address} is zonal: {setting(r, path).describe()} is a zone", path=path)
        return
    if kind == "region" or (location is not None and not is_unknown(location)):
        return
    tier = setting(r, "tier")
    if not tier.defaulted and isinstance(tier.value, str) and tier.value.upper() not in _REGIONAL_FILESTORE_TIERS:
        yield Violation(f"Filestore instance {r.address} is zonal: {tier.describe()} only exists in one zone "
                        "(only REGIONAL and ENTERPRISE instances are regional)", path="tier")


@rule(
    id="RES314",
    name="gcp-alloydb-zonal",
    title="AlloyDB primary instance is zonal.",
    severity=Severity.MEDIUM,
    types=("google_alloydb_instance",),
    remediation='Set availability_type = "REGIONAL".',
)
def alloydb_zonal(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports AlloyDB instances with an explicit `availability_type = "ZONAL"`
    (unset means `REGIONAL`): primary instances (medium) and read pools of two
    or more nodes (low). Read pools of one node can only be zonal and are not
    reported.

    Why is this bad?
    A zonal primary has no standby in another zone: a zone outage stops all
    writes. A zonal read pool puts all its nodes in one zone, so a zone
    outage takes every read node at once.

    Example
    ```hcl
    resource "google_alloydb_instance" "primary" {
      instance_type     = "PRIMARY"
      availability_type = "ZONAL"
    }
    ```

    Use instead
    ```hcl
    resource "google_alloydb_instance" "primary" {
      instance_type     = "PRIMARY"
      availability_type = "REGIONAL"
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/alloydb_instance
    """
    availability = setting(r, "availability_type")
    if availability.defaulted or not isinstance(availability.value, str) or availability.value.upper() != "ZONAL":
        return
    kind = r.get("instance_type")
    if not isinstance(kind, str):
        return
    if kind.upper() == "PRIMARY":
        yield Violation(f"AlloyDB primary instance {r.address} is zonal: {availability.describe()}",
                        path="availability_type")
    elif kind.upper() == "READ_POOL":
        nodes = as_int(r.get("read_pool_config.node_count"))
        if nodes is not None and nodes >= 2:
            yield Violation(f"AlloyDB read pool {r.address} keeps its {nodes} nodes in one zone: "
                            f"{availability.describe()}", path="availability_type", severity=Severity.LOW)
