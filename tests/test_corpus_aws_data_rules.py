"""The AWS data-store rules (RES301-RES309, RES507-RES512) on real public inputs.

Every assertion was checked by reading the corpus file it names: what must
fire and why, and what must stay silent because the value is an expression
the scan cannot evaluate (never fire on unknowns).
"""

from __future__ import annotations

from tests.conftest import corpus_dir, run_scan

DATA_RULES = [
    "RES301", "RES302", "RES303", "RES304", "RES305", "RES306", "RES307", "RES308", "RES309",
    "RES507", "RES508", "RES509", "RES510", "RES512", "RES190", "RES390",
]


def scan(path):
    result = run_scan(path, select=DATA_RULES)
    assert not result.errors, [str(e) for e in result.errors]
    assert result.resources, f"{path}: nothing loaded"
    return result


def hits(result, rule_id, resource=None):
    return [f for f in result.findings
            if f.rule_id == rule_id and (resource is None or f.resource == resource)]


# ------------------------------------------------------------------ HCL
def test_tam_rds_db_instance_module():
    # main.tf: aws_db_instance.this (line 29) writes every attribute from a variable.
    result = scan(corpus_dir("terraform-hcl") / "tam-rds__modules_db_instance")
    # line 115: deletion_protection = var.deletion_protection, whose default is false
    # (count = var.create ? 1 : 0 with create = true: one instance, this[0])
    (found,) = hits(result, "RES508", "aws_db_instance.this[0]")
    assert found.line == 115 and found.file.endswith("main.tf")
    assert "deletion_protection = false (the default of var.deletion_protection, set at " in found.message
    assert found.message.split("set at ", 1)[1].startswith(
        str(corpus_dir("terraform-hcl") / "tam-rds__modules_db_instance" / "variables.tf") + ":409)")
    # engine = local.is_replica ? null : var.engine: replicate_source_db defaults to
    # null, so engine = var.engine (default null, not Aurora) and multi_az = false
    (single_az,) = hits(result, "RES301", "aws_db_instance.this[0]")
    assert "multi_az = false (the default of var.multi_az, set at " in single_az.message
    # backup_retention_period is a conditional expression: unknown
    assert not hits(result, "RES507")
    # skip_final_snapshot = var.skip_final_snapshot, default false
    assert not hits(result, "RES509")


def test_tam_elasticache_replication_group_defaults():
    result = scan(corpus_dir("terraform-hcl") / "tam-elasticache__root")
    group = "aws_elasticache_replication_group.this[0]"  # count = local.create_replication_group ? 1 : 0
    # line 107: multi_az_enabled = var.multi_az_enabled (default false); line 84:
    # automatic_failover_enabled = var.multi_az_enabled || var.cluster_mode_enabled ? true
    # : var.automatic_failover_enabled -> null (unset); line 111: num_cache_clusters =
    # var.cluster_mode_enabled ? null : var.num_cache_clusters -> null (unset)
    (failover,) = hits(result, "RES303", group)
    assert str(failover.severity) == "high" and failover.line == 76
    assert "multi_az_enabled = false (the default of var.multi_az_enabled, set at " in failover.message
    assert "automatic_failover_enabled is unset and defaults to false" in failover.message
    assert "num_cache_clusters is unset and defaults to 1" in failover.message
    # snapshot_retention_limit = var.snapshot_retention_limit (default null): 0, no snapshots
    (snapshots,) = hits(result, "RES512", group)
    assert str(snapshots.severity) == "low"
    assert "snapshot_retention_limit is unset and defaults to 0" in snapshots.message


def test_tam_examples_call_modules_outside_the_corpus():
    # both examples only call `source = "../../"`, which is not in the corpus
    for name in ("tam-rds__examples_replica-postgres", "tam-rds__examples_complete-postgres"):
        result = run_scan(corpus_dir("terraform-hcl") / name, select=DATA_RULES)
        assert not result.findings, [f.message for f in result.findings]


def test_gcp_sql_module_deletion_protection_enabled_defaults_false():
    # main.tf line 84: settings.deletion_protection_enabled = var.deletion_protection_enabled
    # (default false); the top-level deletion_protection (default true) guards Terraform only
    result = scan(corpus_dir("terraform-hcl") / "gcp-sql-db__modules_postgresql")
    (found,) = hits(result, "RES508", "google_sql_database_instance.default")
    assert found.line == 84
    assert "settings.deletion_protection_enabled = false" in found.message
    assert "only stops Terraform" in found.message


# ------------------------------------------------------------------ plans
def test_terragoat_plan_data_stores():
    result = scan(corpus_dir("tfplan") / "checkov__terragoat_tfplan.json")
    rds = "aws_db_instance.default"
    # after: multi_az false, backup_retention_period 0, deletion_protection null,
    # skip_final_snapshot true, delete_automated_backups true
    (single_az,) = hits(result, "RES301", rds)
    assert str(single_az.severity) == "high" and "multi_az = false" in single_az.message
    (backups,) = hits(result, "RES507", rds)
    assert "backup_retention_period = 0" in backups.message
    (protection,) = hits(result, "RES508", rds)
    assert "deletion_protection is unset and defaults to false" in protection.message
    (snapshot,) = hits(result, "RES509", rds)
    # not in the configuration: the provider's default, worded as the .tf scan words it
    assert "delete_automated_backups is unset and defaults to true" in snapshot.message
    # aws_neptune_cluster_instance.default has count = 1 and references aws_neptune_cluster.default
    (neptune,) = hits(result, "RES302", "aws_neptune_cluster.default")
    assert "aws_neptune_cluster_instance.default[0]" in neptune.message
    # cluster_config: instance_count 1, zone_awareness_enabled not written (null)
    (search,) = hits(result, "RES306", "aws_elasticsearch_domain.monitoring-framework")
    assert "Elasticsearch domain" in search.message
    assert "cluster_config.zone_awareness_enabled is unset and defaults to false" in search.message
    assert "cluster_config.instance_count = 1" in search.message
    # every change is a create: nothing to regress
    assert not hits(result, "RES190") and not hits(result, "RES390")


def test_tfcompliance_plan_multi_az_never_written():
    # rules.md §0.2 on a real plan: multi_az and backup_retention_period are
    # after_unknown true and absent from configuration expressions
    result = scan(corpus_dir("tfplan") / "tfcompliance__issue_401_db_instance.json")
    (found,) = hits(result, "RES301", "aws_db_instance.default")
    assert "multi_az is unset and defaults to false" in found.message
    assert not hits(result, "RES507")  # unset retention: the RDS API keeps 1 day
    assert hits(result, "RES508", "aws_db_instance.default")
    assert not hits(result, "RES509")  # skip_final_snapshot = false


# ------------------------------------------------------------------ Pulumi
def test_pulumi_rds_instance_stack():
    # inputs: engine postgres, skipFinalSnapshot true, deleteAutomatedBackups true;
    # outputs (deployed state): multiAz false, backupRetentionPeriod 0,
    # deletionProtection false, availabilityZone us-west-2a
    result = scan(corpus_dir("pulumi") / "pulumi-aws__rds-instance_stack.json")
    name = "aws_db_instance.tested-resource"
    (single_az,) = hits(result, "RES301", name)
    assert str(single_az.severity) == "high"
    # what only the outputs hold is the provider's: the documented default worded as unset
    assert "Single-AZ in us-west-2a: multiAz is unset and defaults to false" in single_az.message
    (backups,) = hits(result, "RES507", name)
    assert "backupRetentionPeriod = 0 (not set in the program: the provider's value)" in backups.message
    (protection,) = hits(result, "RES508", name)
    assert "deletionProtection is unset and defaults to false" in protection.message
    (snapshot,) = hits(result, "RES509", name)
    assert "skipFinalSnapshot = true" in snapshot.message


def test_pulumi_gcp_sql_instance_deletion_protection():
    # outputs.settings.deletionProtectionEnabled false; instanceType CLOUD_SQL_INSTANCE
    result = scan(corpus_dir("pulumi") / "pulumi-gcp__sql-user_stack.json")
    (found,) = hits(result, "RES508", "google_sql_database_instance.instance")
    # not in the inputs, and the documented default: worded as unset, as the program's scan says it
    assert "settings.deletionProtectionEnabled is unset and defaults to false" in found.message


def test_pulumi_saved_plan_openzfs_single_az():
    # resourcePlans[...OpenZfsFileSystem::MyFileSystem].goal.inputDiff.adds.deploymentType
    result = scan(corpus_dir("pulumi") / "pulumi-aws__openzfs_new-version_plan.json")
    (found,) = hits(result, "RES308", "aws_fsx_openzfs_file_system.MyFileSystem")
    assert 'deploymentType = "SINGLE_AZ_1"' in found.message
