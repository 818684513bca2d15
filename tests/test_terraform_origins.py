"""Where a value a finding names was set, when that is not the resource's own line.

Module-heavy Terraform writes a resource once (`multi_az = var.multi_az`) and sets
its values where the module is called, often through `for_each` over a map that a
tfvars file, a module argument or a `locals` block writes. A finding points at the
resource; its message names the place that set the value, so the fix is one
step away. Each expected line is found in the fixture's own text, not written here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from linter.engine import ScanOptions, scan

from tests.conftest import corpus_dir

DB_MODULE = """variable "multi_az" {
  type = bool
}

variable "deletion_protection" {
  type    = bool
  default = false
}

resource "aws_db_instance" "this" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = var.multi_az
  backup_retention_period = 7
  deletion_protection     = var.deletion_protection
}
"""

OUTER_MODULE = """variable "dbs" {
  type = map(object({ multi_az = bool }))
}

module "db" {
  source              = "../db"
  for_each            = var.dbs
  multi_az            = each.value.multi_az
  deletion_protection = true
}
"""

ROOT = """variable "pools" {
  type = map(object({ multi_az = bool }))
}

variable "ha" {
  type = bool
}

locals {
  dbs = {
    orders = {
      multi_az = false
    }
  }
}

module "literal" {
  source              = "./modules/db"
  multi_az            = false
  deletion_protection = true
}

module "unset" {
  source   = "./modules/db"
  multi_az = true
}

module "from_tfvars" {
  source              = "./modules/db"
  for_each            = var.pools
  multi_az            = each.value.multi_az
  deletion_protection = true
}

module "from_local" {
  source              = "./modules/db"
  for_each            = local.dbs
  multi_az            = each.value.multi_az
  deletion_protection = true
}

module "outer" {
  source = "./modules/outer"
  dbs = {
    billing = { multi_az = var.ha }
    ledger  = { multi_az = false }
  }
}

module "computed" {
  source              = "./modules/db"
  for_each            = { for k, v in var.pools : k => v }
  multi_az            = each.value.multi_az
  deletion_protection = true
}

resource "aws_db_instance" "direct" {
  for_each                = var.pools
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = each.value.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}
"""

TFVARS = """ha = false
pools = {
  audit = {
    multi_az = false
  }
}
"""


def _line(text: str, needle: str, after: str | None = None) -> int:
    """The 1-based line of the first line holding `needle` (after the first holding `after`)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


def _messages_of(root: Path, files: dict[str, str], select: list[str]) -> dict[tuple[str, str], str]:
    """Write `files` (relative path -> text) under `root`, scan it for the rules `select`:
    (rule, resource) -> message."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    result = scan([str(root)], ScanOptions(select=select))
    assert not result.errors, result.errors
    return {(f.rule_id, f.resource): f.message for f in result.findings}


def _console(root: Path, expr: str) -> object:
    """What `terraform console` (offline) in `root` gives for `jsonencode(...)` `expr`, decoded."""
    done = subprocess.run(["terraform", "console"], input=expr + "\n", cwd=root, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"})
    assert done.returncode == 0, done.stderr
    return json.loads(json.loads(done.stdout))


@pytest.fixture
def messages(tmp_path: Path) -> dict[tuple[str, str], str]:
    (tmp_path / "modules" / "db").mkdir(parents=True)
    (tmp_path / "modules" / "outer").mkdir()
    (tmp_path / "modules" / "db" / "main.tf").write_text(DB_MODULE)
    (tmp_path / "modules" / "outer" / "main.tf").write_text(OUTER_MODULE)
    (tmp_path / "main.tf").write_text(ROOT)
    (tmp_path / "prod.tfvars").write_text(TFVARS)
    options = ScanOptions(loader_options={"terraform_variables": [("file", str(tmp_path / "prod.tfvars"))]})
    result = scan([str(tmp_path)], options)
    assert not result.errors, result.errors
    return {(f.rule_id, f.resource): f.message for f in result.findings}


@pytest.mark.parametrize("resource, named, file, needle, after", [
    # a literal argument of the call
    ("module.literal.aws_db_instance.this", "var.multi_az", "main.tf", "multi_az            = false", 'module "literal"'),
    # each.value of a for_each over a map a tfvars file writes: the key's line there
    ('module.from_tfvars["audit"].aws_db_instance.this', "var.multi_az", "prod.tfvars", "multi_az = false", None),
    # a resource's own for_each: the part named as the tfvars file writes it
    ('aws_db_instance.direct["audit"]', 'var.pools["audit"].multi_az', "prod.tfvars", "multi_az = false", None),
    # for_each over a local: the key's line in the locals block
    ('module.from_local["orders"].aws_db_instance.this', "var.multi_az", "main.tf", "multi_az = false", "locals {"),
    # two modules down: the root's literal, or the variables file that sets the root's var.ha
    ('module.outer.module.db["ledger"].aws_db_instance.this', "var.multi_az", "main.tf",
     "ledger  = { multi_az = false }", None),
    ('module.outer.module.db["billing"].aws_db_instance.this', "var.multi_az", "prod.tfvars", "ha = false", None),
    # for_each over an expression: where each part was written is not followed, the argument's line is named
    ('module.computed["audit"].aws_db_instance.this', "var.multi_az", "main.tf",
     "multi_az            = each.value.multi_az", 'module "computed"'),
])
def test_a_value_is_named_where_it_was_set(messages, tmp_path, resource, named, file, needle, after):
    at = f"{tmp_path / file}:{_line({'main.tf': ROOT, 'prod.tfvars': TFVARS}[file], needle, after)}"
    assert f"multi_az = false ({named}, set at {at})" in messages[("RES301", resource)]


def test_a_module_default_names_the_call_that_does_not_set_it(messages, tmp_path):
    call = _line(ROOT, 'module "unset"')
    assert (f'deletion_protection = false (the default of var.deletion_protection; '
            f'module "unset" at {tmp_path / "main.tf"}:{call} does not set it)') in messages[
        ("RES508", "module.unset.aws_db_instance.this")]
    # the module's instances that pass it: no finding
    assert ("RES508", "module.literal.aws_db_instance.this") not in messages


def test_avm_sql_elastic_pool_names_the_example_line_that_sets_zone_redundant():
    """Azure Verified Modules' SQL server: `examples/elastic_pool_database` writes its pools in
    a `locals` block, passes them as `elastic_pools`, the module calls `modules/elasticpool`
    once per pool with `zone_redundant = each.value.zone_redundant`."""
    repo = corpus_dir("terraform-modules") / "Azure+terraform-azurerm-avm-res-sql-server"
    example = repo / "examples" / "elastic_pool_database"
    result = scan([str(example)], ScanOptions())
    assert not result.errors
    text = (example / "main.tf").read_text()
    found = {f.resource: f.message for f in result.findings if f.rule_id == "RES321"}
    assert set(found) == {f'module.sql_server.module.elasticpool["{pool}"].azurerm_mssql_elasticpool.this'
                          for pool in ("bc_dc_pool", "bc_gen5_pool", "premium_pool")}
    for address, message in found.items():
        pool = address.split('"')[1]
        line = _line(text, "zone_redundant", after=f"{pool} = {{")
        assert f"zone_redundant = false (var.zone_redundant, set at {example / 'main.tf'}:{line})" in message
        tier = _line(text, "tier", after=f"{pool} = {{")  # the SKU that supports zone redundancy
        assert f"(var.sku.tier, set at {example / 'main.tf'}:{tier}) supports it" in message


LOCALS = """variable "ha" {
  type = bool
}

variable "db" {
  type = object({ multi_az = bool })
}

locals {
  ha    = var.ha
  again = local.ha
  db = {
    multi_az = false
  }
  # a cycle: Terraform's error to report; followed here without looping
  loop_a = local.loop_b
  loop_b = local.loop_a
}

resource "aws_db_instance" "passed_on" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = local.again
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "part_of_a_local" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = local.db.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}

module "part_of_a_variable" {
  source   = "./modules/db"
  multi_az = var.db.multi_az
  deletion_protection = local.loop_a == null
}
"""


def test_locals_and_parts_of_values_are_followed_to_where_they_were_set(tmp_path):
    (tmp_path / "modules" / "db").mkdir(parents=True)
    (tmp_path / "modules" / "db" / "main.tf").write_text(DB_MODULE)
    (tmp_path / "main.tf").write_text(LOCALS)
    tfvars = "ha = false\ndb = {\n  multi_az = false\n}\n"
    (tmp_path / "prod.tfvars").write_text(tfvars)
    options = ScanOptions(loader_options={"terraform_variables": [("file", str(tmp_path / "prod.tfvars"))]})
    result = scan([str(tmp_path)], options)
    assert not result.errors, result.errors
    found = {f.resource: f.message for f in result.findings if f.rule_id == "RES301"}
    main, variables = tmp_path / "main.tf", tmp_path / "prod.tfvars"
    # local.again is local.ha is var.ha, which the tfvars file sets
    assert f"multi_az = false (local.again, set at {variables}:1)" in found["aws_db_instance.passed_on"]
    at = _line(LOCALS, "multi_az = false", after="db = {")
    assert f"multi_az = false (local.db.multi_az, set at {main}:{at})" in found["aws_db_instance.part_of_a_local"]
    at = _line(tfvars, "multi_az = false")
    assert f"multi_az = false (var.multi_az, set at {variables}:{at})" in found[
        "module.part_of_a_variable.aws_db_instance.this"]


def test_each_value_of_a_json_variables_file_is_named_at_its_key(tmp_path):
    (tmp_path / "modules" / "db").mkdir(parents=True)
    (tmp_path / "modules" / "outer").mkdir()
    (tmp_path / "modules" / "db" / "main.tf").write_text(DB_MODULE)
    (tmp_path / "modules" / "outer" / "main.tf").write_text(OUTER_MODULE)
    (tmp_path / "main.tf").write_text(ROOT)
    variables = '{\n  "ha": true,\n  "pools": {\n    "audit": {\n      "multi_az": false\n    }\n  }\n}\n'
    (tmp_path / "prod.tfvars.json").write_text(variables)
    options = ScanOptions(loader_options={"terraform_variables": [("file", str(tmp_path / "prod.tfvars.json"))]})
    result = scan([str(tmp_path)], options)
    assert not result.errors, result.errors
    found = {f.resource: f.message for f in result.findings if f.rule_id == "RES301"}
    at = f"{tmp_path / 'prod.tfvars.json'}:{_line(variables, 'multi_az')}"
    assert f'multi_az = false (var.pools["audit"].multi_az, set at {at})' in found['aws_db_instance.direct["audit"]']
    assert f"multi_az = false (var.multi_az, set at {at})" in found['module.from_tfvars["audit"].aws_db_instance.this']
    assert 'module.outer.module.db["billing"].aws_db_instance.this' not in found  # var.ha is true here


def _app_message(tmp_path: Path, module: str, root: str, rule: str, resource: str) -> str:
    """The message `rule` gives `module.app.<resource>`: `root` calls `module` as "app"."""
    (tmp_path / "modules" / "app").mkdir(parents=True)
    (tmp_path / "modules" / "app" / "main.tf").write_text(module)
    (tmp_path / "main.tf").write_text(root)
    result = scan([str(tmp_path)], ScanOptions(select=[rule]))
    assert not result.errors, result.errors
    (finding,) = [f for f in result.findings if f.resource == f"module.app.{resource}"]
    return finding.message


SIZES_MODULE = """variable "max_size" {
  type = number
}

variable "skip_final_snapshot" {
  type    = bool
  default = true
}

variable "zone" {
  type = string
}

resource "aws_autoscaling_group" "this" {
  min_size            = 1
  max_size            = var.max_size
  vpc_zone_identifier = ["subnet-a", "subnet-b"]
}

resource "aws_rds_cluster" "this" {
  engine                  = "aurora-postgresql"
  skip_final_snapshot     = var.skip_final_snapshot
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_efs_file_system" "this" {
  availability_zone_name = var.zone
}

variable "min_nodes" {
  type = number
}

resource "azurerm_kubernetes_cluster" "this" {
  location = "westeurope"
  default_node_pool {
    name                 = "system"
    auto_scaling_enabled = true
    min_count            = var.min_nodes
    max_count            = 5
    zones                = ["1", "2", "3"]
  }
}
"""

SIZES_ROOT = """module "app" {
  source    = "./modules/app"
  max_size  = 1
  zone      = "eu-west-1a"
  min_nodes = 1
}
"""


@pytest.mark.parametrize("rule, resource, says", [
    ("RES104", "aws_autoscaling_group", "max_size = 1 (var.max_size, set at {main}:{max_size})"),
    ("RES509", "aws_rds_cluster", 'skip_final_snapshot = true (the default of var.skip_final_snapshot; '
                                  'module "app" at {main}:{call} does not set it)'),
    ("RES307", "aws_efs_file_system", 'availability_zone_name = "eu-west-1a" (var.zone, set at {main}:{zone})'),
    ("RES114", "azurerm_kubernetes_cluster", "auto_scaling_enabled = true with min_count = 1 (var.min_nodes, set at {main}:{min_nodes})"),
])
def test_rules_that_quote_a_value_name_where_it_was_set(tmp_path, rule, resource, says):
    message = _app_message(tmp_path, SIZES_MODULE, SIZES_ROOT, rule, f"{resource}.this")
    assert says.format(main=tmp_path / "main.tf", call=_line(SIZES_ROOT, 'module "app"'),
                       max_size=_line(SIZES_ROOT, "max_size"), zone=_line(SIZES_ROOT, "zone"),
                       min_nodes=_line(SIZES_ROOT, "min_nodes")) in message


DYNAMIC = """variable "settings" {
  type = map(object({ availability = string }))
}

resource "google_sql_database_instance" "db" {
  name                = "db"
  database_version    = "POSTGRES_15"
  region              = "europe-west1"
  deletion_protection = true
  dynamic "settings" {
    for_each = var.settings
    iterator = s
    content {
      tier                        = "db-custom-2-7680"
      availability_type           = s.value.availability
      deletion_protection_enabled = true
      backup_configuration {
        enabled                        = true
        point_in_time_recovery_enabled = true
      }
    }
  }
}
"""


def test_a_dynamic_blocks_iterator_value_is_named_where_it_was_set(tmp_path):
    (tmp_path / "main.tf").write_text(DYNAMIC)
    tfvars = 'settings = {\n  main = {\n    availability = "ZONAL"\n  }\n}\n'
    (tmp_path / "terraform.tfvars").write_text(tfvars)
    result = scan([str(tmp_path)], ScanOptions(select=["RES311"]))
    assert not result.errors, result.errors
    (finding,) = result.findings
    assert finding.line == _line(DYNAMIC, "availability_type")
    at = f"{tmp_path / 'terraform.tfvars'}:{_line(tfvars, 'availability')}"
    assert f'settings.availability_type = "ZONAL" (var.settings["main"].availability, set at {at})' in finding.message


# one module resource per rule that quotes a value it was given; the caller sets each value
QUOTED_MODULE = """variable "backup_days" { type = number }
variable "backups" { type = bool }
variable "workers" { type = number }
variable "replicas" { type = number }
variable "receives" { type = number }
variable "retries" { type = number }
variable "replication" { type = string }
variable "ha_mode" { type = string }
variable "redis_sku" { type = string }
variable "redis_zones" { type = list(string) }
variable "share_location" { type = string }
variable "alloydb_availability" { type = string }
variable "attempts" { type = number }
variable "gke_location" { type = string }
variable "asg_zones" { type = list(string) }
variable "pool_zones" { type = list(string) }
variable "vmss_zones" { type = list(string) }
variable "timeout" { type = number }
variable "sql_sku" { type = string }
variable "redshift_type" { type = string }
variable "mig_zone" { type = string }

resource "aws_db_instance" "this" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  backup_retention_period = var.backup_days
}

resource "google_sql_database_instance" "this" {
  database_version = "POSTGRES_15"
  region           = "europe-west1"
  settings {
    tier = "db-custom-2-7680"
    backup_configuration {
      enabled = var.backups
    }
  }
}

resource "azurerm_service_plan" "this" {
  name                = "plan"
  resource_group_name = "demo"
  location            = "westeurope"
  os_type             = "Linux"
  sku_name            = "P1v3"
  worker_count        = var.workers
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id       = "sessions"
  description                = "sessions"
  node_type                  = "cache.r7g.large"
  automatic_failover_enabled = true
  multi_az_enabled           = true
  num_node_groups            = 3
  replicas_per_node_group    = var.replicas
}

resource "aws_sqs_queue" "dlq" {
  name = "jobs-dlq"
}

resource "aws_sqs_queue" "jobs" {
  name                       = "jobs"
  visibility_timeout_seconds = 60
  redrive_policy = jsonencode({
    deadLetterTargetArn = "arn:aws:sqs:eu-west-1:123456789012:jobs-dlq"
    maxReceiveCount     = var.receives
  })
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "main.handler"
  runtime       = "python3.12"
  filename      = "worker.zip"
  timeout       = var.timeout
}

resource "aws_lambda_event_source_mapping" "worker" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}

resource "aws_lambda_function" "thumbnails" {
  function_name = "thumbnails"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "main.handler"
  runtime       = "python3.12"
  filename      = "thumbnails.zip"
  timeout       = 30
}

resource "aws_lambda_permission" "s3" {
  statement_id  = "AllowS3"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.thumbnails.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = "arn:aws:s3:::uploads"
}

resource "aws_lambda_function_event_invoke_config" "thumbnails" {
  function_name          = aws_lambda_function.thumbnails.function_name
  maximum_retry_attempts = var.retries
}

resource "azurerm_storage_account" "this" {
  name                     = "data"
  resource_group_name      = "demo"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = var.replication
}

resource "azurerm_postgresql_flexible_server" "this" {
  name                = "pg"
  resource_group_name = "demo"
  location            = "westeurope"
  sku_name            = "GP_Standard_D2s_v3"
  high_availability {
    mode = var.ha_mode
  }
}

resource "azurerm_redis_cache" "basic" {
  name                = "basic"
  resource_group_name = "demo"
  location            = "westeurope"
  capacity            = 1
  family              = "C"
  sku_name            = var.redis_sku
}

resource "azurerm_redis_cache" "premium" {
  name                = "premium"
  resource_group_name = "demo"
  location            = "westeurope"
  capacity            = 1
  family              = "P"
  sku_name            = "Premium"
  zones               = var.redis_zones
}

resource "google_filestore_instance" "this" {
  name     = "share"
  location = var.share_location
  tier     = "BASIC_HDD"
}

resource "google_alloydb_instance" "this" {
  cluster           = "projects/p/locations/europe-west1/clusters/c"
  instance_id       = "primary"
  instance_type     = "PRIMARY"
  availability_type = var.alloydb_availability
}

resource "google_cloud_tasks_queue" "this" {
  name     = "tasks"
  location = "europe-west1"
  retry_config {
    max_attempts = var.attempts
  }
}

resource "google_container_cluster" "this" {
  name     = "gke"
  location = var.gke_location
}

resource "aws_autoscaling_group" "this" {
  min_size           = 2
  max_size           = 4
  availability_zones = var.asg_zones
}

resource "azurerm_kubernetes_cluster" "this" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "demo"
  dns_prefix          = "aks"
  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
    zones      = var.pool_zones
  }
}

resource "azurerm_mssql_database" "this" {
  name      = "orders"
  server_id = "/subscriptions/0000/resourceGroups/demo/providers/Microsoft.Sql/servers/sql"
  sku_name  = var.sql_sku
}

resource "aws_redshift_cluster" "this" {
  cluster_identifier = "warehouse"
  node_type          = "ra3.xlplus"
  cluster_type       = var.redshift_type
}

resource "google_compute_instance_group_manager" "this" {
  name               = "web"
  zone               = var.mig_zone
  base_instance_name = "web"
  target_size        = 3
  version {
    instance_template = "projects/demo/global/instanceTemplates/web-v1"
  }
}

resource "azurerm_orchestrated_virtual_machine_scale_set" "this" {
  name                        = "web"
  resource_group_name         = "demo"
  location                    = "westeurope"
  platform_fault_domain_count = 1
  instances                   = 2
  zones                       = var.vmss_zones
}
"""

QUOTED_ROOT = """module "app" {
  source               = "./modules/app"
  backup_days          = 0
  backups              = false
  workers              = 1
  replicas             = 0
  receives             = 2
  retries              = 1
  replication          = "LRS"
  ha_mode              = "SameZone"
  redis_sku            = "Basic"
  redis_zones          = ["1"]
  share_location       = "us-central1-b"
  alloydb_availability = "ZONAL"
  attempts             = -1
  gke_location         = "europe-west1-b"
  asg_zones            = ["us-east-1a"]
  pool_zones           = ["1"]
  vmss_zones           = ["2"]
  timeout              = 30
  sql_sku              = "BC_Gen5_2"
  redshift_type        = "single-node"
  mig_zone             = "us-central1-a"
}
"""


@pytest.mark.parametrize("rule, resource, variable, says", [
    ("RES507", "aws_db_instance.this", "backup_days", "backup_retention_period = 0"),
    ("RES511", "google_sql_database_instance.this", "backups", "settings.backup_configuration.enabled = false"),
    ("RES116", "azurerm_service_plan.this", "workers", "worker_count = 1"),
    ("RES303", "aws_elasticache_replication_group.this", "replicas", "replicas_per_node_group = 0"),
    ("RES403", "aws_sqs_queue.jobs", "receives", "maxReceiveCount = 2"),  # a key of a jsonencode() document
    ("RES406", "aws_lambda_function.thumbnails", "retries", "maximum_retry_attempts = 1"),  # on its invoke config
    ("RES201", "aws_sqs_queue.jobs", "timeout", "timeout = 30"),  # the consuming function's
    ("RES320", "azurerm_storage_account.this", "replication", 'account_replication_type = "LRS"'),
    ("RES322", "azurerm_postgresql_flexible_server.this", "ha_mode", 'high_availability.mode = "SameZone"'),
    ("RES323", "azurerm_redis_cache.basic", "redis_sku", 'sku_name = "Basic"'),
    ("RES323", "azurerm_redis_cache.premium", "redis_zones", 'zones = ["1"]'),
    ("RES313", "google_filestore_instance.this", "share_location", 'location = "us-central1-b"'),
    ("RES314", "google_alloydb_instance.this", "alloydb_availability", 'availability_type = "ZONAL"'),
    ("RES411", "google_cloud_tasks_queue.this", "attempts", "retry_config.max_attempts = -1"),
    ("RES110", "google_container_cluster.this", "gke_location", 'location = "europe-west1-b"'),
    ("RES105", "aws_autoscaling_group.this", "asg_zones", 'availability_zones = ["us-east-1a"]'),
    ("RES113", "azurerm_kubernetes_cluster.this", "pool_zones", 'zones = ["1"]'),
    ("RES115", "azurerm_orchestrated_virtual_machine_scale_set.this", "vmss_zones", 'zones = ["2"]'),
    ("RES321", "azurerm_mssql_database.this", "sql_sku", 'sku_name = "BC_Gen5_2"'),  # the tier that supports it
    ("RES309", "aws_redshift_cluster.this", "redshift_type", 'cluster_type = "single-node"'),
    ("RES112", "google_compute_instance_group_manager.this", "mig_zone", 'zone = "us-central1-a"'),
])
def test_every_quoted_value_names_where_it_was_set(tmp_path, rule, resource, variable, says):
    message = _app_message(tmp_path, QUOTED_MODULE, QUOTED_ROOT, rule, resource)
    at = f"{tmp_path / 'main.tf'}:{_line(QUOTED_ROOT, f'  {variable} ')}"
    assert f"{says} (var.{variable}, set at {at})" in message


MERGED = """variable "overrides" {
  type    = any
  default = {}
}

variable "storage_overrides" {
  type    = any
  default = {}
}

locals {
  defaults = {
    multi_az = true
    size     = 7
  }
  from_tfvars = merge(local.defaults, var.overrides)
  from_literal = merge(local.defaults, { multi_az = false })
  computed     = merge(local.defaults, try({ multi_az = false }, {}))
  nested       = merge(merge(local.defaults, var.overrides), {}, null)
  filtered     = { for k, v in local.from_literal : k => v if v != null }
  whole        = try(var.overrides.missing, { multi_az = false })
  storage_defaults = {
    kind = "StorageV2"
    sku = {
      name = "Standard_ZRS"
    }
  }
}

resource "aws_db_instance" "from_tfvars" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = local.from_tfvars.multi_az
  backup_retention_period = local.from_tfvars.size
  deletion_protection     = true
}

resource "aws_db_instance" "from_literal" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = local.from_literal.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "computed" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = local.computed.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "nested" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = local.nested.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "whole" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = local.whole.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "filtered" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = local.filtered.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}

module "argument" {
  source = "./modules/db"
  db = merge(local.defaults, {
    multi_az = false
  })
}

resource "azapi_resource" "storage" {
  type      = "Microsoft.Storage/storageAccounts@2023-01-01"
  name      = "data"
  parent_id = "/subscriptions/0000/resourceGroups/demo"
  location  = "westeurope"
  body      = merge(local.storage_defaults, var.storage_overrides)
}
"""

MERGED_TFVARS = """overrides = {
  multi_az = false
}
storage_overrides = {
  sku = {
    name = "Standard_LRS"
  }
}
"""

MERGED_MODULE = """variable "db" {
  type = any
}

resource "aws_db_instance" "this" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = var.db.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}
"""


@pytest.fixture
def merged(tmp_path: Path) -> dict[tuple[str, str], str]:
    return _messages_of(tmp_path, {"modules/db/main.tf": MERGED_MODULE, "main.tf": MERGED,
                                   "terraform.tfvars": MERGED_TFVARS}, ["RES301", "RES320"])


@pytest.mark.parametrize("resource, says, file, needle, after", [
    # the last argument of merge() that has the key wins, as Terraform merges: a variable a tfvars file sets
    ("aws_db_instance.from_tfvars", "local.from_tfvars.multi_az", "terraform.tfvars", "multi_az = false", None),
    # ... a literal object
    ("aws_db_instance.from_literal", "local.from_literal.multi_az", "main.tf", "from_literal = merge", None),
    # ... an argument computed by a function: named at the line that computes it, the local's
    ("aws_db_instance.computed", "local.computed.multi_az", "main.tf", "computed     = merge", None),
    # a merge() of a merge(); {} and null arguments have no keys
    ("aws_db_instance.nested", "local.nested.multi_az", "terraform.tfvars", "multi_az = false", None),
    # a `for` that keeps its collection's keys and values passes on where they were set
    ("aws_db_instance.filtered", "local.filtered.multi_az", "main.tf", "from_literal = merge", None),
    # not a merge(): a local's value computed whole is named at the local's line, and so are its parts
    ("aws_db_instance.whole", "local.whole.multi_az", "main.tf", "whole        = try", None),
    # a module argument built by merge(): the key's line in the call
    ("module.argument.aws_db_instance.this", "var.db.multi_az", "main.tf", "multi_az = false", 'module "argument"'),
])
def test_a_key_of_a_merge_is_named_where_its_winning_argument_set_it(merged, tmp_path, resource, says, file, needle,
                                                                     after):
    text = {"main.tf": MERGED, "terraform.tfvars": MERGED_TFVARS}[file]
    at = f"{tmp_path / file}:{_line(text, needle, after)}"
    assert f"multi_az = false ({says}, set at {at})" in merged[("RES301", resource)]


def test_a_key_a_merge_takes_from_its_first_argument_is_named_there(tmp_path):
    """`size` is only in local.defaults: the later arguments do not have it."""
    (tmp_path / "main.tf").write_text(MERGED)
    (tmp_path / "terraform.tfvars").write_text(MERGED_TFVARS)
    result = scan([str(tmp_path)], ScanOptions())
    (db,) = [r for r in result.resources if r.address == "aws_db_instance.from_tfvars"]
    at = f"{tmp_path / 'main.tf'}:{_line(MERGED, 'size     = 7')}"
    assert db.meta["value_origin"]["backup_retention_period"] == f"local.from_tfvars.size, set at {at}"


def test_an_azapi_body_built_by_merge_names_the_winning_key_where_it_was_set(merged, tmp_path):
    """The body's paths are read as azure-native attributes (`sku.name`); where they were set follows them."""
    at = f"{tmp_path / 'terraform.tfvars'}:{_line(MERGED_TFVARS, 'Standard_LRS')}"
    assert (f'body.sku.name = "Standard_LRS" (var.storage_overrides.sku.name, set at {at})'
            in merged[("RES320", "azapi_resource.storage")])


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_terraform_merges_the_fixture_as_the_origins_say(tmp_path):
    """The oracle of the merge() cases: `terraform console` (offline) on MERGED's variables and
    locals takes multi_az from the argument each origin names (false), not local.defaults (true)."""
    (tmp_path / "main.tf").write_text(MERGED[:MERGED.index("resource ")])
    (tmp_path / "terraform.tfvars").write_text(MERGED_TFVARS)
    names = ("from_tfvars", "from_literal", "computed", "nested", "filtered", "whole")
    expr = "jsonencode({" + ", ".join(f"{n} = local.{n}.multi_az" for n in names) + ", defaults = local.defaults.multi_az})"
    assert _console(tmp_path, expr) == {**dict.fromkeys(names, False), "defaults": True}


# ------------------------------------------------------------------ conditionals
# Real modules choose a value by a flag: `var.multi_az_enabled || var.cluster_mode_enabled ?
# true : var.automatic_failover_enabled` (cloudposse's ElastiCache), `var.lambda_at_edge ?
# min(var.timeout, 30) : var.timeout`. The value came from the branch Terraform takes.
COND_MODULE = """variable "multi_az_enabled" {
  type    = bool
  default = false
}

variable "cluster_mode_enabled" {
  type    = bool
  default = false
}

variable "automatic_failover_enabled" {
  type    = bool
  default = false
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id       = "cache"
  description                = "cache"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = 2
  automatic_failover_enabled = var.multi_az_enabled || var.cluster_mode_enabled ? true : var.automatic_failover_enabled
  multi_az_enabled           = var.multi_az_enabled
}
"""

COND = """variable "env" {
  type = string
}

variable "prod_ha" {
  type = bool
}

variable "replica" {
  type = bool
}

variable "primary" {
  type = bool
}

locals {
  prod = var.env == "prod"
}

module "cache" {
  source                     = "./modules/cache"
  automatic_failover_enabled = local.prod ? var.prod_ha : var.replica
}

resource "aws_db_instance" "direct" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = var.env == "prod" ? var.prod_ha : var.replica
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "literal" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = var.env == "prod" ? var.prod_ha : false
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "per_instance" {
  count                   = 2
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = count.index == 0 ? var.primary : var.replica
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "unknown" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = timestamp() == "" ? var.prod_ha : var.replica
  backup_retention_period = 7
  deletion_protection     = true
}
"""

COND_TFVARS = """env     = "dev"
prod_ha = true
replica = false
primary = false
"""


@pytest.fixture
def conditional(tmp_path: Path) -> dict[tuple[str, str], str]:
    return _messages_of(tmp_path, {"modules/cache/main.tf": COND_MODULE, "main.tf": COND,
                                   "terraform.tfvars": COND_TFVARS}, ["RES301", "RES303"])


@pytest.mark.parametrize("rule, resource, says", [
    # a resource's attribute: the branch the known condition takes
    ("RES301", "aws_db_instance.direct", "multi_az = false (var.replica, set at {tfvars}:{replica})"),
    # each instance takes its own branch
    ("RES301", "aws_db_instance.per_instance[0]", "multi_az = false (var.primary, set at {tfvars}:{primary})"),
    ("RES301", "aws_db_instance.per_instance[1]", "multi_az = false (var.replica, set at {tfvars}:{replica})"),
    # a module argument chosen by a local's condition, then the module's own conditional
    ("RES303", "module.cache.aws_elasticache_replication_group.this",
     "automatic_failover_enabled = false (var.automatic_failover_enabled, set at {tfvars}:{replica})"),
])
def test_a_conditional_names_where_the_branch_it_takes_was_set(conditional, tmp_path, rule, resource, says):
    tfvars = tmp_path / "terraform.tfvars"
    expected = says.format(tfvars=tfvars, replica=_line(COND_TFVARS, "replica"), primary=_line(COND_TFVARS, "primary"))
    assert expected in conditional[(rule, resource)]


def test_a_conditional_taking_a_literal_or_an_unknown_branch_names_no_origin(conditional):
    """A literal branch was set where the resource says; a condition not known before apply
    takes no branch here: its value is unknown, and no rule judges it."""
    assert conditional[("RES301", "aws_db_instance.literal")].count("multi_az = false, so") == 1
    assert ("RES301", "aws_db_instance.unknown") not in conditional


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_terraform_takes_the_branches_the_origins_name(tmp_path):
    """The oracle: `terraform console` (offline) gives each conditional the value of the variable
    its origin names (false), not the other branch's (var.prod_ha, true)."""
    (tmp_path / "main.tf").write_text(COND[:COND.index("module ")])
    (tmp_path / "terraform.tfvars").write_text(COND_TFVARS)
    expr = ('jsonencode({cache = local.prod ? var.prod_ha : var.replica, direct = var.env == "prod" ? var.prod_ha : '
            'var.replica, first = [for i in range(2) : i == 0 ? var.primary : var.replica]})')
    assert _console(tmp_path, expr) == {"cache": False, "direct": False, "first": [False, False]}


ROOT_DEFAULT = """variable "dbs" {
  type = map(object({ multi_az = bool }))
  default = {
    orders = {
      multi_az = false
    }
  }
}

resource "aws_db_instance" "each" {
  for_each                = var.dbs
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = each.value.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}
"""


def test_a_key_of_a_root_variables_default_that_for_each_walks_is_named_at_its_line(tmp_path):
    """Examples keep their settings in a root variable's default (AVM's `agent_pools`); a module's
    default is named by the call that leaves it in place instead (test above)."""
    (message,) = _messages_of(tmp_path, {"main.tf": ROOT_DEFAULT}, ["RES301"]).values()
    at = f"{tmp_path / 'main.tf'}:{_line(ROOT_DEFAULT, 'multi_az = false')}"
    assert f'multi_az = false (var.dbs["orders"].multi_az, set at {at})' in message


ROOT_OBJECT_DEFAULT = """variable "db" {
  type = object({ engine = string, multi_az = bool })
  default = {
    engine   = "postgres"
    multi_az = false
  }
}

resource "aws_db_instance" "db" {
  engine                  = var.db.engine
  instance_class          = "db.t3.micro"
  multi_az                = var.db.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}
"""


def test_a_part_of_a_root_variables_default_is_named_at_its_line(tmp_path):
    (message,) = _messages_of(tmp_path, {"main.tf": ROOT_OBJECT_DEFAULT}, ["RES301"]).values()
    at = f"{tmp_path / 'main.tf'}:{_line(ROOT_OBJECT_DEFAULT, 'multi_az = false')}"
    assert f"multi_az = false (var.db.multi_az, set at {at})" in message


# ------------------------------------------------------------------ computed keys
# Settings per environment are a map indexed by the workspace or a variable:
# `local.multi_az[terraform.workspace]`, `var.settings[var.env].multi_az`.
KEYED = """variable "env" {
  type = string
}

variable "settings" {
  type = map(object({ multi_az = bool }))
}

locals {
  multi_az = {
    default = false
    staging = false
    prod    = true
  }
  config = merge({ backup = 7 }, var.settings[var.env])
}

resource "aws_db_instance" "workspace" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = local.multi_az[terraform.workspace]
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "env" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = var.settings[var.env].multi_az
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "merged" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = local.config.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "lookup" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = lookup(var.settings[var.env], "multi_az", true)
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "lookup_default" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = lookup(local.multi_az, "qa", false)
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "unknown" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = var.settings[timestamp()].multi_az
  backup_retention_period = 7
  deletion_protection     = true
}
"""

KEYED_TFVARS = """env = "dev"
settings = {
  dev = {
    multi_az = false
  }
  prod = {
    multi_az = true
  }
}
"""


@pytest.mark.parametrize("workspace, resource, says, file, needle", [
    (None, "aws_db_instance.workspace", "local.multi_az.default", "main.tf", "default = false"),
    ("staging", "aws_db_instance.workspace", "local.multi_az.staging", "main.tf", "staging = false"),
    (None, "aws_db_instance.env", "var.settings.dev.multi_az", "terraform.tfvars", "multi_az = false"),
    # a merge() argument with a computed key: the key's value where the tfvars file set it
    (None, "aws_db_instance.merged", "local.config.multi_az", "terraform.tfvars", "multi_az = false"),
    # lookup() of a key the map has: that key
    (None, "aws_db_instance.lookup", "var.settings.dev.multi_az", "terraform.tfvars", "multi_az = false"),
])
def test_a_computed_key_is_followed_to_where_its_value_was_set(tmp_path, monkeypatch, workspace, resource, says,
                                                               file, needle):
    if workspace:
        monkeypatch.setenv("TF_WORKSPACE", workspace)
    found = {r: m for (_, r), m in _messages_of(tmp_path, {"main.tf": KEYED, "terraform.tfvars": KEYED_TFVARS},
                                                 ["RES301"]).items()}
    text = {"main.tf": KEYED, "terraform.tfvars": KEYED_TFVARS}[file]
    assert f"multi_az = false ({says}, set at {tmp_path / file}:{_line(text, needle)})" in found[resource]
    assert "aws_db_instance.unknown" not in found  # a key not known before apply: unknown, silent
    # lookup() of a key the map lacks: its default argument, written on the resource's own line
    assert "multi_az = false, so" in found["aws_db_instance.lookup_default"]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_terraform_reads_the_keys_the_origins_name(tmp_path):
    """The oracle: `terraform console` (offline, default workspace) reads each keyed value as false."""
    (tmp_path / "main.tf").write_text(KEYED[:KEYED.index("resource ")])
    (tmp_path / "terraform.tfvars").write_text(KEYED_TFVARS)
    expr = ("jsonencode([local.multi_az[terraform.workspace], var.settings[var.env].multi_az, local.config.multi_az, "
            'lookup(var.settings[var.env], "multi_az", true), lookup(local.multi_az, "qa", false), terraform.workspace])')
    assert _console(tmp_path, expr) == [False, False, False, False, False, "default"]


NULL_MODULE = """variable "multi_az" {
  type    = bool
  default = null
}

resource "aws_db_instance" "this" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = var.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}
"""

NULL_ROOT = """variable "ha" {
  type = bool
}

module "unset" {
  source = "./modules/db"
}

module "nulled" {
  source   = "./modules/db"
  multi_az = var.ha
}
"""


def test_a_null_that_leaves_an_attribute_unset_is_named_where_it_came_from(tmp_path):
    """`multi_az = var.multi_az` with the variable null: the provider's default applies, and the
    message says which null did it: a module default no call sets, or a value a tfvars file gives."""
    messages = _messages_of(tmp_path, {"modules/db/main.tf": NULL_MODULE, "main.tf": NULL_ROOT,
                                       "terraform.tfvars": "ha = null\n"}, ["RES301"])
    call = f'module "unset" at {tmp_path / "main.tf"}:{_line(NULL_ROOT, "unset")}'
    assert (f"multi_az is unset and defaults to false (null, the default of var.multi_az; {call} does not set it)"
            in messages[("RES301", "module.unset.aws_db_instance.this")])
    tfvars = tmp_path / "terraform.tfvars"
    assert (f"multi_az is unset and defaults to false (null, var.multi_az, set at {tfvars}:1)"
            in messages[("RES301", "module.nulled.aws_db_instance.this")])


# ------------------------------------------------------------------ module outputs
# A settings module hands values to the root: `multi_az = module.settings.db.multi_az`. The
# value came from what the output passes on: a variable or local of the module (and where
# that was set), else the output's own line.
SETTINGS_MODULE = """variable "env" {
  type = string
}

variable "retention" {
  type    = number
  default = 0
}

locals {
  prod = var.env == "prod"
  db = {
    multi_az = false
    engine   = "postgres"
  }
}

output "multi_az" {
  value = local.prod
}

output "db" {
  value = local.db
}

output "failover" {
  value = false
}

output "retention" {
  value = var.retention
}
"""

SETTINGS_ROOT = """module "settings" {
  source = "./modules/settings"
  env    = "staging"
}

resource "aws_db_instance" "computed" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = module.settings.multi_az
  backup_retention_period = 7
  deletion_protection     = true
}

resource "aws_db_instance" "part" {
  engine                  = module.settings.db.engine
  instance_class          = "db.t3.micro"
  multi_az                = module.settings.db.multi_az
  backup_retention_period = module.settings.retention
  deletion_protection     = true
}

resource "aws_elasticache_replication_group" "literal" {
  replication_group_id       = "r"
  description                = "r"
  automatic_failover_enabled = module.settings.failover
  num_cache_clusters         = 2
}
"""


def test_a_value_a_module_output_hands_over_is_named_where_it_was_set(tmp_path):
    found = _messages_of(tmp_path, {"main.tf": SETTINGS_ROOT, "modules/settings/main.tf": SETTINGS_MODULE},
                         ["RES301", "RES303", "RES507"])
    module = tmp_path / "modules" / "settings" / "main.tf"
    # a local the output passes on, computed: the local's line
    assert f"multi_az = false (module.settings.multi_az, set at {module}:{_line(SETTINGS_MODULE, 'prod = var.env')})" \
        in found[("RES301", "aws_db_instance.computed")]
    # a part of a local's literal: its key's line
    assert f"multi_az = false (module.settings.db.multi_az, set at {module}:{_line(SETTINGS_MODULE, 'multi_az = false')})" \
        in found[("RES301", "aws_db_instance.part")]
    # a literal output: the output's line
    assert f"automatic_failover_enabled = false (module.settings.failover, set at {module}:" \
           f"{_line(SETTINGS_MODULE, 'value = false')})" in found[("RES303", "aws_elasticache_replication_group.literal")]
    # a module variable's default the call leaves in place: named as the call that leaves it
    call = _line(SETTINGS_ROOT, 'module "settings"')
    assert f'(the default of var.retention; module "settings" at {tmp_path / "main.tf"}:{call} does not set it)' \
        in found[("RES507", "aws_db_instance.part")]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_terraform_hands_over_the_values_the_output_origins_name(tmp_path):
    (tmp_path / "modules" / "settings").mkdir(parents=True)
    (tmp_path / "modules" / "settings" / "main.tf").write_text(SETTINGS_MODULE)
    (tmp_path / "main.tf").write_text(SETTINGS_ROOT[:SETTINGS_ROOT.index("resource ")])
    subprocess.run(["terraform", "init", "-input=false", "-backend=false"], cwd=tmp_path, capture_output=True,
                   check=True, timeout=120, env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull})
    expr = ("jsonencode([module.settings.multi_az, module.settings.db.multi_az, module.settings.failover, "
            "module.settings.retention])")
    assert _console(tmp_path, expr) == [False, False, False, 0]
