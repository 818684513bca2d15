"""RES50x for AWS data stores (and Cloud SQL deletion protection): backups,
deletion protection, final snapshots, point-in-time recovery."""

from __future__ import annotations

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import Option, rule
from linter.rules._datastores import is_aurora, is_rds_read_replica, tag_opt_out, written
from linter.rules._values import as_bool, as_int, setting
from typing import Iterator, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import Context


@rule(
    id="RES507",
    name="aws-rds-backups-disabled",
    title="RDS automated backups are turned off.",
    severity=Severity.HIGH,
    types=("aws_db_instance",),
    remediation="Set backup_retention_period = 7 (1..35 days; 0 turns automated backups off).",
)
def rds_backups_disabled(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports RDS DB instances with `backup_retention_period = 0`, which turns
    automated backups and point-in-time recovery off. An unset value is not
    reported: the attribute is Optional+Computed, so Terraform sends nothing
    and the RDS API default (1 day) applies. Read replicas and Aurora
    instances (retention lives on the cluster) are not checked.

    Why is this bad?
    With no automated backups there is no point-in-time restore: a bad
    migration, an accidental DELETE or a corrupted volume can only be undone
    from whatever manual snapshot happens to exist.

    Example
    ```hcl
    resource "aws_db_instance" "orders" {
      engine                  = "postgres"
      backup_retention_period = 0
    }
    ```

    Use instead
    ```hcl
    resource "aws_db_instance" "orders" {
      engine                  = "postgres"
      backup_retention_period = 7
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance
    - https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html (`BackupRetentionPeriod`, default 1; 0 disables)
    - AWS Well-Architected REL09-BP01, Identify and back up all data that needs to be backed up, or reproduce the data from sources: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_backing_up_data_identified_backups_data.html
    """
    if is_rds_read_replica(r):
        return
    aurora = is_aurora(r)
    if aurora is None or aurora:
        return
    days = setting(r, "backup_retention_period")
    if days.unknown or days.defaulted or as_int(days.value) != 0:
        return
    yield Violation(
        f"RDS instance {r.address} keeps no automated backups: {days.describe()} "
        "turns off automated backups and point-in-time recovery",
        path="backup_retention_period",
    )


# ------------------------------------------------------------------ RES508
DELETION_PROTECTION = {
    "aws_db_instance": ("RDS instance", "deletion_protection"),
    "aws_rds_cluster": ("RDS cluster", "deletion_protection"),
    "aws_dynamodb_table": ("DynamoDB table", "deletion_protection_enabled"),
    "google_sql_database_instance": ("Cloud SQL instance", "settings.deletion_protection_enabled"),
}


def _is_replica(r: Resource) -> bool:
    if r.type == "aws_db_instance":
        return is_rds_read_replica(r)
    if r.type == "aws_rds_cluster":
        return written(r, "replication_source_identifier")
    if r.type == "google_sql_database_instance":
        kind = r.get("instance_type")
        return written(r, "master_instance_name") or (
            isinstance(kind, str) and kind in ("READ_REPLICA_INSTANCE", "READ_POOL_INSTANCE"))
    return False


@rule(
    id="RES508",
    name="db-deletion-protection-disabled",
    title="Database can be deleted by a single API call.",
    severity=Severity.MEDIUM,
    types=tuple(DELETION_PROTECTION),
    remediation="Turn on the cloud's deletion protection: deletion_protection = true (RDS/Aurora), "
    "deletion_protection_enabled = true (DynamoDB), settings { deletion_protection_enabled = true } (Cloud SQL).",
)
def deletion_protection_disabled(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports databases whose cloud-side deletion protection is not on (each
    defaults to false): `deletion_protection` on `aws_db_instance` and
    `aws_rds_cluster`, `deletion_protection_enabled` on `aws_dynamodb_table`,
    `settings.deletion_protection_enabled` on `google_sql_database_instance`.
    Read replicas are not checked. Cloud SQL's top-level
    `deletion_protection` and Pulumi's `protect` option only stop that tool
    from deleting the resource, so they do not count.

    Why is this bad?
    Without it, one API call (a console click, a script, a `terraform
    destroy` in the wrong workspace, a replacement forced by a changed
    attribute) deletes the database and, often, its automated backups.

    Example
    ```hcl
    resource "aws_db_instance" "orders" {
      engine = "postgres"
      # deletion_protection unset: false
    }
    ```

    Use instead
    ```hcl
    resource "aws_db_instance" "orders" {
      engine              = "postgres"
      deletion_protection = true
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/rds_cluster
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/sql_database_instance
    """
    if _is_replica(r):
        return
    noun, path = DELETION_PROTECTION[r.type]
    s = setting(r, path)
    if s.unknown or as_bool(s.value) is not False:
        return
    note = ""
    if r.type == "google_sql_database_instance" and as_bool(setting(r, "deletion_protection").value) is not False:
        note = "; the top-level deletion_protection only stops Terraform, not the Cloud SQL API or console"
    yield Violation(
        f"{noun} {r.address} can be deleted by a single API call: {s.describe()}{note}",
        path=None if s.defaulted else path,
    )


# ------------------------------------------------------------------ RES509
@rule(
    id="RES509",
    name="aws-rds-skip-final-snapshot",
    title="Deleting the database keeps no final snapshot.",
    severity=Severity.MEDIUM,
    types=("aws_db_instance", "aws_rds_cluster"),
    remediation='Set skip_final_snapshot = false and final_snapshot_identifier = "<name>-final".',
)
def rds_skip_final_snapshot(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports RDS instances and clusters with `skip_final_snapshot = true`
    (default false), and says so when `delete_automated_backups` is also true
    (its default): then nothing remains to restore from after a deletion.
    Read replicas are not checked.

    Why is this bad?
    A deletion (or a replacement forced by a changed attribute) then destroys
    the data for good: no final snapshot is taken, and the automated backups
    go with the instance by default.

    Example
    ```hcl
    resource "aws_db_instance" "orders" {
      engine              = "postgres"
      skip_final_snapshot = true
    }
    ```

    Use instead
    ```hcl
    resource "aws_db_instance" "orders" {
      engine                    = "postgres"
      skip_final_snapshot       = false
      final_snapshot_identifier = "orders-final"
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance
    - AWS Well-Architected REL09-BP01, Identify and back up all data that needs to be backed up, or reproduce the data from sources: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_backing_up_data_identified_backups_data.html
    """
    if _is_replica(r):
        return
    skip = r.get("skip_final_snapshot")
    if is_unknown(skip) or as_bool(skip) is not True:
        return
    noun = "RDS instance" if r.type == "aws_db_instance" else "RDS cluster"
    purge = setting(r, "delete_automated_backups")
    tail = ""
    if not purge.unknown and as_bool(purge.value) is True:
        tail = f", and {purge.describe()}: nothing remains to restore from after a deletion"
    yield Violation(
        f"{noun} {r.address} takes no final snapshot when deleted: {setting(r, 'skip_final_snapshot').describe()}{tail}",
        path="skip_final_snapshot",
    )


# ------------------------------------------------------------------ RES510
@rule(
    id="RES510",
    name="aws-dynamodb-no-pitr",
    title="DynamoDB table has no point-in-time recovery.",
    severity=Severity.MEDIUM,
    types=("aws_dynamodb_table",),
    remediation="Add point_in_time_recovery { enabled = true }.",
    options={"opt_out_tag": Option("resilint:cache", "A resource carrying this tag key holds only re-creatable data (a cache) and is not reported.")},
)
def dynamodb_no_pitr(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports DynamoDB tables whose `point_in_time_recovery.enabled` is not
    true (no block means disabled). Tables that hold only re-creatable data
    can opt out with a tag (option `opt_out_tag`, default `resilint:cache`).

    Why is this bad?
    Without point-in-time recovery a bad write, a buggy deployment or an
    accidental delete of items cannot be rolled back to a moment before it;
    only on-demand backups taken by hand remain.

    Example
    ```hcl
    resource "aws_dynamodb_table" "orders" {
      name     = "orders"
      hash_key = "id"
      attribute { name = "id"  type = "S" }
    }
    ```

    Use instead
    ```hcl
    resource "aws_dynamodb_table" "orders" {
      name     = "orders"
      hash_key = "id"
      attribute { name = "id"  type = "S" }
      point_in_time_recovery { enabled = true }
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/dynamodb_table
    - AWS Well-Architected REL09-BP01, Identify and back up all data that needs to be backed up, or reproduce the data from sources: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_backing_up_data_identified_backups_data.html
    """
    if tag_opt_out(r, ctx.option("opt_out_tag")):
        return
    block = r.get("point_in_time_recovery")
    if is_unknown(block):
        return
    s = setting(r, "point_in_time_recovery.enabled")
    if s.unknown or as_bool(s.value) is True:
        return
    yield Violation(f"DynamoDB table {r.address} has no point-in-time recovery: {s.describe()}",
                    path=None if block is None else "point_in_time_recovery")


# ------------------------------------------------------------------ RES512
@rule(
    id="RES512",
    name="aws-elasticache-no-snapshots",
    title="ElastiCache (Redis/Valkey) keeps no automatic snapshots.",
    severity=Severity.LOW,
    types=("aws_elasticache_replication_group", "aws_elasticache_cluster"),
    remediation="Set snapshot_retention_limit = 7 (days of automatic snapshots).",
    options={"opt_out_tag": Option("resilint:cache", "A resource carrying this tag key holds only re-creatable data (a cache) and is not reported.")},
)
def elasticache_no_snapshots(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Redis/Valkey replication groups and stand-alone clusters whose
    `snapshot_retention_limit` is 0 (unset is taken as 0: no automatic
    snapshots). Memcached has no snapshots and is not checked; clusters that
    belong to a replication group are judged through the group. Pure caches
    can opt out with a tag (option `opt_out_tag`, default `resilint:cache`).

    Why is this bad?
    When Redis holds data that is not only a cache (sessions, queues,
    leaderboards), losing the nodes without a snapshot loses that data.

    Example
    ```hcl
    resource "aws_elasticache_replication_group" "sessions" {
      replication_group_id = "sessions"
      description          = "sessions"
    }
    ```

    Use instead
    ```hcl
    resource "aws_elasticache_replication_group" "sessions" {
      replication_group_id     = "sessions"
      description              = "sessions"
      snapshot_retention_limit = 7
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elasticache_replication_group
    """
    if tag_opt_out(r, ctx.option("opt_out_tag")):
        return
    if r.type == "aws_elasticache_cluster":
        if written(r, "replication_group_id"):
            return
        engine = r.get("engine")
    else:
        engine = setting(r, "engine").value
    if is_unknown(engine) or not isinstance(engine, str) or engine.lower() not in ("redis", "valkey"):
        return
    s = setting(r, "snapshot_retention_limit")
    if s.unknown or as_int(s.value) != 0:
        return
    noun = "ElastiCache replication group" if r.type == "aws_elasticache_replication_group" else "ElastiCache cluster"
    yield Violation(
        f"{noun} {r.address} keeps no automatic snapshots: {s.describe()}",
        path=None if s.defaulted else "snapshot_retention_limit",
    )
