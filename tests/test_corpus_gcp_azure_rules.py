"""The GCP and Azure rules on real public inputs from the shared corpus.

Every assertion below was checked by reading the corpus file it names: what
must fire (and why), and what must stay silent because the value comes from a
variable or a module the scan cannot see.
"""

from __future__ import annotations

from tests.conftest import corpus_dir, run_scan

GCP_AZURE_RULES = [
    "RES110", "RES111", "RES112", "RES113", "RES114", "RES115", "RES116", "RES117",
    "RES311", "RES312", "RES313", "RES314", "RES320", "RES321", "RES322", "RES323", "RES324",
    "RES409", "RES410", "RES411", "RES412", "RES413", "RES511",
]


def scan(path):
    result = run_scan(path, select=GCP_AZURE_RULES)
    assert not result.errors, [str(e) for e in result.errors]
    assert result.resources, f"{path}: nothing loaded"
    return result


def hits(result, rule_id, resource=None):
    return [f for f in result.findings
            if f.rule_id == rule_id and (resource is None or f.resource == resource)]


# ------------------------------------------------------------------ HCL
def test_azurerm_storage_example_is_lrs():
    # main.tf line 18: account_replication_type = "LRS"
    result = scan(corpus_dir("terraform-hcl") / "azurerm-provider__examples_storage_storage-account")
    found = hits(result, "RES320", "azurerm_storage_account.example")
    assert len(found) == 1
    assert str(found[0].severity) == "medium"
    assert 'account_replication_type = "LRS"' in found[0].message
    assert found[0].line == 18
    assert found[0].file.endswith("main.tf")


def test_claranet_storage_account_replication_from_variable_is_silent():
    # r-storage-account.tf: account_replication_type = var.account_replication_type
    result = scan(corpus_dir("terraform-hcl") / "claranet-azurerm-storage-account__root")
    assert any(r.address == "azurerm_storage_account.main" for r in result.resources)
    assert not hits(result, "RES320")


def test_cosmosdb_failover_example_write_region_not_zone_redundant():
    # geo_location { location = var.alt_location, failover_priority = 0 } without
    # zone_redundant; two regions and automatic_failover_enabled = true -> low
    result = scan(corpus_dir("terraform-hcl") / "azurerm-provider__examples_cosmos-db_failover")
    found = hits(result, "RES324", "azurerm_cosmosdb_account.example")
    assert len(found) == 1
    assert str(found[0].severity) == "low"
    assert "write region var.alt_location" in found[0].message
    assert "zone_redundant is unset and defaults to false" in found[0].message


def test_sql_failover_group_general_purpose_databases_are_silent():
    # sku_name = "GP_Gen5_2" (zone redundancy for GP only via the option), the
    # secondary has no sku_name at all
    result = scan(corpus_dir("terraform-hcl") / "azurerm-provider__examples_sql-azure_failover_group")
    databases = [r for r in result.resources if r.type == "azurerm_mssql_database"]
    assert len(databases) == 2
    assert not hits(result, "RES321")


def test_sql_failover_group_fires_when_general_purpose_is_configured():
    result = run_scan(corpus_dir("terraform-hcl") / "azurerm-provider__examples_sql-azure_failover_group",
                      select=["RES321"], rule_options={"RES321": {"extra_zone_redundant_tiers": ["GP_"]}})
    found = hits(result, "RES321")
    assert [f.resource for f in found] == ["azurerm_mssql_database.example"]
    assert "zone_redundant is unset and defaults to false" in found[0].message


def test_microservices_demo_memorystore_is_basic_tier():
    # memorystore.tf: google_redis_instance "redis-cart" writes no tier (default BASIC);
    # its count is var.memorystore ? 1 : 0, and the root's terraform.tfvars sets memorystore = false
    assert not hits(scan(corpus_dir("terraform-hcl") / "microservices-demo__terraform"), "RES312")
    result = run_scan(corpus_dir("terraform-hcl") / "microservices-demo__terraform", select=GCP_AZURE_RULES,
                      loader_options={"terraform_variables": [("var", "memorystore=true")]})
    found = hits(result, "RES312")
    assert len(found) == 1
    assert found[0].resource.startswith("google_redis_instance.redis-cart")
    assert 'tier is unset and defaults to "BASIC"' in found[0].message
    assert found[0].file.endswith("memorystore.tf")


def test_cloudsql_module_availability_follows_its_variables():
    # main.tf: master_instance_name = var.master_instance_name (default null: a
    # primary), availability_type = var.availability_type (default "ZONAL")
    result = scan(corpus_dir("terraform-hcl") / "gcp-sql-db__modules_postgresql")
    assert [f.resource for f in hits(result, "RES311")] == ["google_sql_database_instance.default"]
    regional = run_scan(corpus_dir("terraform-hcl") / "gcp-sql-db__modules_postgresql", select=GCP_AZURE_RULES,
                        loader_options={"terraform_variables": [("var", "availability_type=REGIONAL")]})
    assert not regional.errors and not hits(regional, "RES311")


# ----------------------------------------------------------------- plans
def test_regula_plan_grs_storage_accounts_are_low():
    # all three accounts: account_replication_type = "GRS"
    result = scan(corpus_dir("tfplan") / "regula__azurerm_storage_account_secure_transfer.json")
    found = hits(result, "RES320")
    assert sorted(f.resource for f in found) == [
        "azurerm_storage_account.invalidstorageaccount1",
        "azurerm_storage_account.invalidstorageaccount2",
        "azurerm_storage_account.validstorageaccount1",
    ]
    assert {str(f.severity) for f in found} == {"low"}
    assert all('account_replication_type = "GRS"' in f.message for f in found)


def test_gke_plan_regional_cluster_is_silent():
    # google_container_cluster.primary: location = "us-central1" (a region)
    result = scan(corpus_dir("tfplan") / "conftest__gke-show.json")
    assert any(r.address == "google_container_cluster.primary" for r in result.resources)
    assert not hits(result, "RES110")


# ---------------------------------------------------------------- Pulumi
def test_pulumi_cloudsql_instance_zonal_and_backups_off():
    # inputs: settings.availabilityType "ZONAL" (a bridge default); outputs: the
    # deployed instance has settings.backupConfiguration.enabled = false
    result = scan(corpus_dir("pulumi") / "pulumi-gcp__sql-user_stack.json")
    zonal = hits(result, "RES311")
    backups = hits(result, "RES511")
    assert len(zonal) == 1 and len(backups) == 1
    assert str(zonal[0].severity) == "high" and str(backups[0].severity) == "high"
    # messages name the attributes as the Pulumi program writes them; the bridge's default
    # is worded as unset, an output the program does not set as the provider's
    assert 'settings.availabilityType is unset and defaults to "ZONAL"' in zonal[0].message
    assert ("settings.backupConfiguration.enabled = false (not set in the program: the provider's value)"
            in backups[0].message)


def test_pulumi_pubsub_subscription_without_dead_letter_or_backoff():
    # deadLetterPolicy and retryPolicy are null; no other subscription dead-letters to its topic
    result = scan(corpus_dir("pulumi") / "pulumi-gcp__pubsub-subscription_stack.json")
    assert len(hits(result, "RES409")) == 1
    assert len(hits(result, "RES410")) == 1
    # listed in the inputs' __defaults: the provider's default, worded as unset
    assert ('messageRetentionDuration is unset and defaults to "604800s" (7 days)'
            in hits(result, "RES409")[0].message)


def test_pulumi_regional_gke_cluster_is_silent():
    # gcp:container/cluster:Cluster "primary": location "us-central1"
    result = scan(corpus_dir("pulumi") / "pulumi-gcp__cluster_stack.json")
    assert any(r.type == "google_container_cluster" for r in result.resources)
    assert not hits(result, "RES110")
