"""RES5xx for GCP: Cloud SQL backups."""

from __future__ import annotations

from linter.model import Resource, Severity, Violation
from linter.rules import rule
from linter.rules._gcp import is_cloudsql_replica
from linter.rules._values import as_bool, setting
from typing import Iterator, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import Context


@rule(
    id="RES511",
    name="gcp-cloudsql-backups-disabled",
    title="Cloud SQL automated backups are disabled.",
    severity=Severity.HIGH,
    types=("google_sql_database_instance",),
    remediation="Set settings { backup_configuration { enabled = true } } and turn on binary_log_enabled "
                "(MySQL) or point_in_time_recovery_enabled (PostgreSQL, SQL Server).",
)
def cloudsql_backups_disabled(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Cloud SQL instances with an explicit
    `settings.backup_configuration.enabled = false` (high). An absent block
    is chosen by the API and not reported. It also reports (medium) regional
    instances that lack what high availability needs: `binary_log_enabled`
    for MySQL, `point_in_time_recovery_enabled` for PostgreSQL and SQL
    Server. Read replicas are not reported.

    Why is this bad?
    Without automated backups a bad migration, a deleted table or a corrupted
    disk cannot be undone: there is nothing to restore. Without binary logs
    or point-in-time recovery a regional instance cannot be restored to the
    moment before the failure.

    Example
    ```hcl
    settings {
      backup_configuration {
        enabled = false
      }
    }
    ```

    Use instead
    ```hcl
    settings {
      backup_configuration {
        enabled                        = true
        point_in_time_recovery_enabled = true
      }
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/sql_database_instance
    - AWS Well-Architected REL09-BP01, Identify and back up all data that needs to be backed up, or reproduce the data from sources: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_backing_up_data_identified_backups_data.html
    """
    if is_cloudsql_replica(r) is not False:
        return
    enabled = setting(r, "settings.backup_configuration.enabled")
    if enabled.unknown:
        return
    if not enabled.defaulted and as_bool(enabled.value) is False:
        yield Violation(f"Cloud SQL instance {r.address} has automated backups disabled: {enabled.describe()}",
                        path="settings.backup_configuration.enabled")
        return
    availability = r.get("settings.availability_type")
    version = r.get("database_version")
    if not isinstance(availability, str) or availability.upper() != "REGIONAL" or not isinstance(version, str):
        return
    if version.upper().startswith("MYSQL"):
        needed = "binary_log_enabled"
    elif version.upper().startswith(("POSTGRES", "SQLSERVER")):
        needed = "point_in_time_recovery_enabled"
    else:
        return
    current = setting(r, f"settings.backup_configuration.{needed}")
    if current.unknown or as_bool(current.value) is True:
        return
    yield Violation(f"Cloud SQL instance {r.address} is regional but {current.describe()}: {version} high "
                    "availability needs it", severity=Severity.MEDIUM,
                    path=None if current.defaulted else current.path)
