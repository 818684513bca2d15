"""Findings on Pulumi resources name attributes as the Pulumi program writes them."""

import pytest

from linter.normalize.names import in_pulumi_terms


@pytest.mark.parametrize("text,tf_type,expected", [
    ("RDS instance aws_db_instance.orders is Single-AZ: multi_az = false",
     "aws_db_instance", "RDS instance aws_db_instance.orders is Single-AZ: multiAz = false"),
    ('Cloud SQL instance google_sql_database_instance.main_db: settings.availability_type = "ZONAL"',
     "google_sql_database_instance",
     'Cloud SQL instance google_sql_database_instance.main_db: settings.availabilityType = "ZONAL"'),
    # another resource's address keeps its snake_case name; values stay as they are
    ("below the timeout of aws_lambda_function.order_worker (visibility_timeout_seconds = 30)",
     "aws_sqs_queue", "below the timeout of aws_lambda_function.order_worker (visibilityTimeoutSeconds = 30)"),
    ('deployment_type = "SINGLE_AZ_1"', "aws_fsx_openzfs_file_system", 'deploymentType = "SINGLE_AZ_1"'),
    # Appendix B renames: the Lambda function's name is `name` in Pulumi
    ("Set vpc_zone_identifier to subnets in two zones", "aws_autoscaling_group",
     "Set vpcZoneIdentifiers to subnets in two zones"),
    # a resource type named without an address is the Pulumi class the program creates
    ("redrive_policy is unset and no aws_sqs_queue_redrive_policy targets it", "aws_sqs_queue",
     "redrivePolicy is unset and no aws.sqs.RedrivePolicy targets it"),
    ("no aws_appautoscaling_target scales it", "aws_ecs_service", "no aws.appautoscaling.Target scales it"),
    ("add a google_compute_region_instance_group_manager", "google_compute_instance_group_manager",
     "add a gcp.compute.RegionInstanceGroupManager"),
])
def test_attribute_names_in_pulumi_terms(text, tf_type, expected):
    assert in_pulumi_terms(text, tf_type) == expected


def test_pulumi_finding_speaks_pulumi_and_terraform_finding_speaks_terraform():
    from tests.conftest import FIXTURES, run_scan

    (pulumi,) = run_scan(FIXTURES / "RES301" / "fail-pulumi-multi-az-false.json", select=["RES301"]).findings
    assert "multiAz = false" in pulumi.message and "multi_az" not in pulumi.message
    assert "multiAz = true" in pulumi.remediation
    (hcl,) = run_scan(FIXTURES / "RES301" / "fail-multi-az-false-fixed-zone.tf", select=["RES301"]).findings
    assert "multi_az = false" in hcl.message
