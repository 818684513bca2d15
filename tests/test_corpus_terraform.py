"""The Terraform loaders on the real public corpus (../shared/corpus): no input
errors, and resource counts/addresses checked by reading the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.index import Index
from linter.loaders.hcl import load_module
from linter.loaders.tfplan import load_document
from linter.model import is_unknown

from tests.conftest import corpus_dir

# file -> (managed resources kept, data sources)
PLAN_COUNTS = {
    "checkov__azurerm_nsg_extra_ref.json": (4, 0),
    "checkov__google_modules.json": (11, 0),
    "checkov__google_plan_booleans.json": (2, 0),
    "checkov__nested_child_modules_with_connections.json": (9, 1),
    "checkov__plan_after_unknown.json": (1, 0),
    "checkov__terragoat_tfplan.json": (55, 4),
    "conftest__gke-show.json": (2, 0),
    "regula__azurerm_storage_account_secure_transfer.json": (4, 0),
    "regula__resource_view_06_tf_v1_0_modules.json": (7, 0),
    "regula__resource_view_07_asg_google.json": (5, 0),
    "tfcompliance__issue-249_asg_alb_modules.json": (24, 95),
    "tfcompliance__issue-260_sqs.json": (3, 0),
    "tfcompliance__issue-294_azurerm_availability_set.json": (18, 2),
    "tfcompliance__issue_401_db_instance.json": (1, 0),
    "trivy-checks__asg_launch_template.json": (2, 0),
}

# directory -> (resource + data instances, module call instances) as Terraform
# would plan them with the variables' defaults (count = 0 blocks plan nothing,
# for_each plans one per key); no corpus module call has a local source that
# exists beside it, so every call stays a `module` resource
HCL_COUNTS = {
    "azurerm-provider__examples_cosmos-db_failover": (2, 0),
    "azurerm-provider__examples_sql-azure_failover_group": (6, 0),
    "azurerm-provider__examples_storage_storage-account": (2, 0),
    "claranet-azurerm-storage-account__examples_main": (1, 3),
    # for_each over 4 diagnostics types; count-0 blocks; the 12 role assignments iterate optional()
    # attributes defaulting to [] (variables-rbac.tf): no instance
    # azurerm_security_center_storage_defender: `var.storage_defender_override_subscription_settings != null
    # && ...` with that variable's default null: none, whatever the data source reads (r-security-storage.tf:16)
    "claranet-azurerm-storage-account__root": (7, 5),
    "gcp-sql-db__examples_postgresql-ha": (2, 1),
    "gcp-sql-db__modules_postgresql": (6, 0),  # replicas/additional dbs/users: empty defaults
    "microservices-demo__terraform": (3, 2),  # memorystore = false: count 0
    "tam-autoscaling__examples_complete": (8, 16),
    "tam-autoscaling__root": (3, 0),
    "tam-elasticache__examples_redis-replication-group": (1, 2),
    "tam-elasticache__root": (4, 0),
    "tam-lambda__examples_event-source-mapping": (11, 2),
    "tam-lambda__root": (13, 0),  # event invoke config: create_async_event_config = false
    "tam-rds__examples_complete-postgres": (2, 7),
    "tam-rds__examples_replica-postgres": (1, 4),
    "tam-rds__modules_db_instance": (4, 0),
    "tam-sqs__examples_complete": (2, 9),
    "tam-sqs__root": (4, 0),
}


def load_plan(name: str) -> dict:
    path = corpus_dir("tfplan") / name
    doc = json.loads(path.read_text())
    return {r.address: r for r in load_document(doc, path, name, {})}


def load_hcl(name: str):
    directory = corpus_dir("terraform-hcl") / name
    return load_module(directory, sorted(directory.glob("*.tf")), {})


def test_every_plan_loads_with_the_counts_read_in_the_files():
    directory = corpus_dir("tfplan")
    assert sorted(p.name for p in directory.glob("*.json")) == sorted(PLAN_COUNTS)
    for name, (managed, data) in PLAN_COUNTS.items():
        loaded = load_plan(name)
        kinds = [r.type.startswith("data.") for r in loaded.values()]
        assert (kinds.count(False), kinds.count(True)) == (managed, data), name


def test_every_hcl_directory_loads_without_input_errors():
    root = corpus_dir("terraform-hcl")
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(HCL_COUNTS)
    for name, (blocks, calls) in HCL_COUNTS.items():
        resources, errors = load_hcl(name)
        assert errors == [], name
        kinds = [r.type == "module" for r in resources]
        assert (kinds.count(False), kinds.count(True)) == (blocks, calls), name


def test_the_whole_hcl_corpus_in_one_scan_has_no_input_errors():
    from linter.loaders import load_paths

    loaded = load_paths([str(corpus_dir("terraform-hcl"))])
    assert loaded.errors == []
    assert len(loaded.resources) == sum(b + c for b, c in HCL_COUNTS.values())


def test_module_calls_the_scan_cannot_follow():
    resources, _ = load_hcl("tam-sqs__examples_complete")
    calls = {r.address: r for r in resources if r.type == "module"}
    # eight calls of the module under test ("../../", a directory outside the
    # corpus folder that holds no .tf) and one registry module
    assert sorted(r.meta["source"] for r in calls.values()) == ["../../"] * 8 + ["terraform-aws-modules/kms/aws"]
    sse = calls["module.sse_encrypted_sqs"]
    assert sse.location.line == 78 and not any(r.type.startswith("aws_") and r.address.startswith("module.") for r in resources)


def test_rds_plan_applies_the_optional_computed_default():
    # issue_401: multi_az and backup_retention_period are after_unknown on create
    # and absent from the configuration expressions -> defaulted (rules.md §0.2)
    db = load_plan("tfcompliance__issue_401_db_instance.json")["aws_db_instance.default"]
    assert not db.has("multi_az") and not db.has("backup_retention_period")
    assert db.meta["unset_computed"] == ["multi_az", "backup_retention_period"]
    assert is_unknown(db.get("availability_zone"))


def test_updates_in_modules_keep_before_and_ids():
    loaded = load_plan("tfcompliance__issue-249_asg_alb_modules.json")
    alb = loaded["module.alb.aws_alb.alb"]
    assert alb.change.actions == ("update",)
    assert alb.before("subnets") == ["subnet-13f44a58", "subnet-9918eec4"]
    assert alb.meta["module"] == "module.alb" and alb.meta["arn"].startswith("arn:aws:elasticloadbalancing:")
    assert Index(loaded.values()).by_id(alb.meta["arn"]) is alb
    assert loaded["module.myapp-asg.aws_autoscaling_group.asg"].change.actions == ("create",)
    assert "module.data-utils.data.aws_vpc.default" in loaded  # relative in the 0.12 state: made full
    assert "module.data-utils.data.null_data_source.tags_as_list_of_maps[11]" in loaded


def test_nested_modules_and_counted_instances():
    loaded = load_plan("regula__resource_view_06_tf_v1_0_modules.json")
    assert "module.child1.module.grandchild1.aws_vpc.grandchild" in loaded
    assert loaded["module.child1.module.grandchild1.aws_vpc.grandchild"].meta["module"] == "module.child1.module.grandchild1"
    azure = load_plan("tfcompliance__issue-294_azurerm_availability_set.json")
    vm = azure["module.linuxservers-fail.azurerm_virtual_machine.vm-linux[0]"]
    assert vm.meta["index"] == 0
    # a data source read during apply: never linted, values unknown
    data = azure["module.linuxservers-fail.data.azurerm_resource_group.vm"]
    assert data.type == "data.azurerm_resource_group"


@pytest.mark.parametrize("name", ["tam-rds__modules_db_instance"])
def test_variable_defaults_in_a_module_root(name):
    resources, _ = load_hcl(name)
    db = {r.address: r for r in resources}["aws_db_instance.this[0]"]
    # variables.tf: variable "multi_az" { default = false }
    assert db.get("multi_az") is False
    variables = corpus_dir("terraform-hcl") / name / "variables.tf"
    assert db.meta["from_variable_default"]["multi_az"] == f"var.multi_az, set at {variables}:247"
    assert db.meta["count_index"] == 0  # count = var.create ? 1 : 0, create defaults to true
    assert db.location.file.endswith("main.tf") and db.location.line == 30


def test_hcl_references_and_blocks_in_the_corpus():
    resources, _ = load_hcl("azurerm-provider__examples_cosmos-db_failover")
    account = {r.address: r for r in resources}["azurerm_cosmosdb_account.example"]
    assert [g["failover_priority"] for g in account.all("geo_location")] == [2, 0]
    assert account.get("consistency_policy.consistency_level") == "BoundedStaleness"
    # the group's configured name, "${var.prefix}-resources": unknown, read from the group
    assert account.get("resource_group_name").refs == ("azurerm_resource_group.example", "var.prefix")
    index = Index(resources)
    assert index.resolve(account.get("resource_group_name")).address == "azurerm_resource_group.example"


def test_dynamic_blocks_of_a_real_module_expand():
    # tam-autoscaling main.tf:106: dynamic "launch_template" { for_each =
    # var.use_mixed_instances_policy ? [] : [1] } (default false: one block) whose id is
    # local.launch_template_id = aws_launch_template.this[0].id (create_launch_template
    # defaults to true); line 123: dynamic "mixed_instances_policy" { for_each =
    # var.use_mixed_instances_policy ? [...] : [] }: no block
    resources, errors = load_hcl("tam-autoscaling__root")
    assert errors == []
    asg = {r.address: r for r in resources}["aws_autoscaling_group.this[0]"]
    (template,) = asg.all("launch_template")
    assert template["id"].refs == ("aws_launch_template.this[0]",) and template["id"].reference
    assert "mixed_instances_policy" not in asg.attrs
    assert asg.line_for("launch_template.id") == 110


def test_for_each_module_calls_are_reported_per_key():
    # claranet r-logs.tf:16: module "diagnostics_type" { for_each = toset(["blob", "file",
    # "table", "queue"]) } from the registry (not installed): one call per key, listed
    resources, _ = load_hcl("claranet-azurerm-storage-account__root")
    calls = sorted(r.address for r in resources if r.address.startswith("module.diagnostics_type"))
    assert calls == [f'module.diagnostics_type["{k}"]' for k in ("blob", "file", "queue", "table")]


def _addresses(directory, variables=()):
    from linter.terraform import load_module_directory

    resources, errors, _ = load_module_directory(directory, {"terraform_variables": list(variables)})
    assert errors == []
    return {r.address: r for r in resources}


def test_a_count_conditional_resolved_from_a_corpus_var_file(tmp_path):
    # cloudposse rds-cluster examples/complete: engine_mode has no default (variables.tf:46);
    # fixtures.us-east-2.tfvars:18 sets "provisioned". The module's main.tf:22
    # use_reserved_instances = var.use_reserved_instances && !local.is_serverless (false &&
    # unknown is unknown in terraform 1.11) decides main.tf:116 count = ... ? 1 : 0
    import shutil

    repository = corpus_dir("terraform-modules") / "cloudposse+terraform-aws-rds-cluster"
    example = repository / "examples" / "complete"
    reserved = "module.rds_cluster.aws_rds_reserved_instance.default"
    bare = tmp_path / "repository"  # without the file, as `terraform plan` alone plans it
    shutil.copytree(repository, bare)
    (bare / "examples" / "complete" / "fixtures.us-east-2.tfvars").unlink()
    without = _addresses(bare / "examples" / "complete")
    # var.use_reserved_instances defaults to false: `false && !local.is_serverless` is 0 instances
    # whatever engine_mode is, so none is judged (before: once, as a template of an unknown count)
    assert not [a for a in without if a.startswith(reserved)]
    assert is_unknown(without["module.rds_cluster.aws_rds_cluster.primary"].attrs["engine_mode"])
    with_file = _addresses(example, [("file", str(example / "fixtures.us-east-2.tfvars"))])
    assert not [a for a in with_file if a.startswith(reserved)]  # count 0: nothing planned
    # the file beside the example is its environment: planned with it when nothing is given
    assert _addresses(example).keys() == with_file.keys()
    # and a value from the same file, named in the message (fixtures.us-east-2.tfvars:22)
    from tests.conftest import run_scan

    result = run_scan(example, select=["RES508"],
                      loader_options={"terraform_variables": [("file", str(example / "fixtures.us-east-2.tfvars"))]})
    assert result.findings and all("fixtures.us-east-2.tfvars:22)" in f.message for f in result.findings)


def test_a_count_conditional_resolved_from_the_roots_terraform_tfvars(tmp_path):
    # microservices-demo: variable "memorystore" has no default (variables.tf:44); the root's
    # terraform.tfvars sets it false, so memorystore.tf:23 count = var.memorystore ? 1 : 0 is 0
    import shutil

    root = corpus_dir("terraform-hcl") / "microservices-demo__terraform"
    redis = "google_redis_instance.redis-cart"
    assert not [a for a in _addresses(root) if a.startswith(redis)]
    bare = tmp_path / "bare"
    shutil.copytree(root, bare, ignore=shutil.ignore_patterns("terraform.tfvars"))
    assert is_unknown(_addresses(bare)[redis].meta["count"])  # without the file: not known
    flipped = tmp_path / "flipped"
    shutil.copytree(root, flipped)
    text = (flipped / "terraform.tfvars").read_text()
    (flipped / "terraform.tfvars").write_text(text.replace("memorystore = false", "memorystore = true"))
    assert f"{redis}[0]" in _addresses(flipped)


def test_one_module_block_planned_by_several_example_roots_gives_distinct_findings():
    # cloudposse rds-cluster: examples/complete and examples/postgres both call "../.." as
    # module "rds_cluster", so main.tf:143 aws_rds_cluster.primary is planned twice at one
    # address, file and line; baselines and SARIF tell them apart by the root
    from collections import defaultdict

    from tests.conftest import run_scan

    result = run_scan(corpus_dir("terraform-modules") / "cloudposse+terraform-aws-rds-cluster")
    by_place = defaultdict(list)
    for f in result.findings:
        by_place[(f.rule_id, f.resource, f.file, f.line)].append(f)
    twice = by_place[("RES509", "module.rds_cluster.aws_rds_cluster.primary",
                      str(corpus_dir("terraform-modules") / "cloudposse+terraform-aws-rds-cluster" / "main.tf"), 143)]
    assert sorted(f.root.rsplit("/examples/", 1)[1] for f in twice) == ["complete", "postgres"]
    # each planned with its example's fixtures.us-east-2.tfvars, which the message names
    for f in twice:
        assert ", with -var-file " in f.message and f.message.endswith("/fixtures.us-east-2.tfvars)")
        assert Path(f.environment).parent.name == Path(f.root).name
    assert len({f.fingerprint for f in result.findings}) == len(result.findings)
