"""Terragrunt units: a module that `terragrunt.hcl` files deploy is judged once per unit,
with the unit's inputs as Terragrunt hands them to Terraform (TF_VAR_ values), and not
bare (linter/terraform/terragrunt.py). The layout is terragrunt-infrastructure-live-
example's: a `root.hcl` every unit includes, an `env.hcl` per environment read with
`read_terragrunt_config(find_in_parent_folders(...))`, modules kept free of values."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from linter.cli import main
from linter.terraform.terragrunt import STACK_UNIT_SKIPPED
from tests.conftest import run_scan

DB_MODULE = textwrap.dedent("""\
    variable "multi_az" {
      type = bool
    }
    variable "backup_retention_period" {
      type = number
    }
    variable "name" {
      default = "orders"
    }
    variable "environment" {}
    variable "subnet_ids" {
      type    = list(string)
      default = []
    }

    resource "aws_db_instance" "this" {
      identifier              = var.name
      engine                  = "postgres"
      instance_class          = "db.t3.micro"
      allocated_storage       = 20
      multi_az                = var.multi_az
      backup_retention_period = var.backup_retention_period
      deletion_protection     = true
      tags                    = { env = var.environment }
    }
    """)

ROOT_HCL = textwrap.dedent("""\
    locals {
      env_vars = read_terragrunt_config(find_in_parent_folders("env.hcl"))
      env      = local.env_vars.locals.environment
    }
    remote_state {
      backend = "s3"
      config = {
        bucket = "tf-state"
        key    = "${path_relative_to_include()}/terraform.tfstate"
      }
    }
    inputs = {
      environment             = local.env
      backup_retention_period = 7
    }
    """)

PROD_DB = textwrap.dedent("""\
    include "root" {
      path = find_in_parent_folders("root.hcl")
    }
    terraform {
      source = "${get_repo_root()}/modules//db"
    }
    inputs = {
      multi_az = true
    }
    """)

STAGING_DB = textwrap.dedent("""\
    include "root" {
      path   = find_in_parent_folders("root.hcl")
      expose = true
    }
    terraform {
      source = "../../../modules//db"
    }
    dependency "vpc" {
      config_path  = "../vpc"
      mock_outputs = { subnet_ids = ["subnet-mock"] }
    }
    inputs = {
      multi_az                = false
      backup_retention_period = 0
      subnet_ids              = dependency.vpc.outputs.subnet_ids
      name                    = "orders-${include.root.locals.env}"
    }
    """)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files are shown relative to here, as a repository's are


def _live(tmp_path: Path, **units: str) -> Path:
    """A repository: modules/db and live/<env>/db/terragrunt.hcl units (`prod`, `staging`)."""
    repo = Path(os.path.relpath(tmp_path / "repo"))
    (repo / ".git").mkdir(parents=True)
    (repo / "modules" / "db").mkdir(parents=True)
    (repo / "modules" / "db" / "main.tf").write_text(DB_MODULE)
    (repo / "live").mkdir()
    (repo / "live" / "root.hcl").write_text(ROOT_HCL)
    for env, text in units.items():
        (repo / "live" / env / "db").mkdir(parents=True)
        (repo / "live" / env / "env.hcl").write_text(f'locals {{ environment = "{env}" }}\n')
        (repo / "live" / env / "db" / "terragrunt.hcl").write_text(text)
    return repo


def _planned(result) -> dict:
    """Unit -> the attributes of the database it plans."""
    return {Path(r.meta["environment"]).parent.parent.name: r.attrs for r in result.resources
            if r.type == "aws_db_instance"}


def test_a_module_is_judged_once_per_unit_with_its_inputs(tmp_path):
    repo = _live(tmp_path, prod=PROD_DB, staging=STAGING_DB)
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    planned = _planned(result)
    assert sorted(planned) == ["prod", "staging"]  # not bare: nobody plans the module without a unit
    # the unit's own inputs over root.hcl's; root.hcl's local from the unit's env.hcl
    assert (planned["prod"]["multi_az"], planned["prod"]["backup_retention_period"]) == (True, 7)
    assert planned["prod"]["tags"] == {"env": "prod"} and planned["prod"]["identifier"] == "orders"
    assert (planned["staging"]["multi_az"], planned["staging"]["backup_retention_period"]) == (False, 0)
    assert planned["staging"]["identifier"] == "orders-staging"  # include.root (expose = true)
    # a dependency's outputs are not known before it is applied (mock_outputs are not what is deployed)
    assert "subnet_ids" not in planned["staging"] or not isinstance(planned["staging"].get("subnet_ids"), list)
    found = sorted((f.rule_id, Path(f.environment).parent.parent.name) for f in result.findings)
    assert found == [("RES301", "staging"), ("RES507", "staging")]


def test_a_finding_names_the_unit_and_the_input_that_set_the_value(tmp_path):
    repo = _live(tmp_path, staging=STAGING_DB)
    result = run_scan(repo, root=str(repo))
    single_az = next(f for f in result.findings if f.rule_id == "RES301")
    assert single_az.file.endswith("modules/db/main.tf") and single_az.line == 21
    assert "multi_az = false (var.multi_az, set at repo/live/staging/db/terragrunt.hcl:13)" in single_az.message
    assert single_az.message.endswith("(with terragrunt live/staging/db/terragrunt.hcl)")


def test_an_input_from_the_included_file_names_that_file(tmp_path):
    """`backup_retention_period = 0` set in root.hcl reaches every unit that does not set it."""
    repo = _live(tmp_path, prod=PROD_DB)
    (repo / "live" / "root.hcl").write_text(ROOT_HCL.replace("backup_retention_period = 7",
                                                             "backup_retention_period = 0"))
    result = run_scan(repo, root=str(repo))
    backups = next(f for f in result.findings if f.rule_id == "RES507")
    assert "(var.backup_retention_period, set at repo/live/root.hcl:14)" in backups.message


def test_a_staged_unit_is_judged_with_the_module_it_plans(tmp_path):
    """pre-commit passes only `live/staging/db/terragrunt.hcl`: its module is judged with it."""
    repo = _live(tmp_path, prod=PROD_DB, staging=STAGING_DB)
    result = run_scan(repo / "live" / "staging" / "db" / "terragrunt.hcl", root=str(repo),
                      loader_options={"file_context": True})
    assert sorted(_planned(result)) == ["staging"]
    assert sorted(f.rule_id for f in result.findings) == ["RES301", "RES507"]


def test_a_unit_without_a_source_plans_its_own_directory(tmp_path):
    repo = tmp_path / "repo"
    unit = repo / "live" / "db"
    unit.mkdir(parents=True)
    (unit / "main.tf").write_text(DB_MODULE)
    (unit / "terragrunt.hcl").write_text('inputs = {\n  multi_az = false\n  backup_retention_period = 7\n'
                                         '  environment = "prod"\n}\n')
    result = run_scan(repo, root=str(repo))
    assert [(f.rule_id, f.environment) for f in result.findings] == [("RES301", str(unit / "terragrunt.hcl"))]


def test_unknown_inputs_are_never_findings(tmp_path):
    """A value from a command, the cloud or a dependency is not known: silence, not a default."""
    unit = textwrap.dedent("""\
        include "root" {
          path = find_in_parent_folders("root.hcl")
        }
        terraform {
          source = "../../../modules//db"
        }
        dependency "config" {
          config_path = "../config"
        }
        inputs = {
          multi_az                = dependency.config.outputs.multi_az
          backup_retention_period = tonumber(run_cmd("./retention.sh"))
        }
        """)
    repo = _live(tmp_path, prod=unit)
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and result.findings == []
    assert len(_planned(result)) == 1


def test_merge_strategies_and_extra_arguments(tmp_path):
    """`merge_strategy = "no_merge"` takes nothing from root.hcl; `deep` merges maps; the
    `-var-file`s `extra_arguments` give `plan` override the inputs (TF_VAR_ is lowest)."""
    no_merge = PROD_DB.replace('find_in_parent_folders("root.hcl")\n',
                               'find_in_parent_folders("root.hcl")\n  merge_strategy = "no_merge"\n')
    no_merge = no_merge.replace("multi_az = true", 'multi_az = true\n  environment = "x"')
    repo = _live(tmp_path, prod=no_merge)
    planned = _planned(run_scan(repo, root=str(repo)))["prod"]
    assert "backup_retention_period" not in planned or not isinstance(planned["backup_retention_period"], int)

    with_files = PROD_DB.replace('  source = "${get_repo_root()}/modules//db"\n', textwrap.dedent("""\
          source = "${get_repo_root()}/modules//db"
          extra_arguments "common" {
            commands           = get_terraform_commands_that_need_vars()
            required_var_files = ["${get_parent_terragrunt_dir()}/common.tfvars"]
            optional_var_files = ["${get_terragrunt_dir()}/missing.tfvars"]
          }
          extra_arguments "apply_only" {
            commands  = ["apply"]
            arguments = ["-var-file=apply.tfvars"]
          }
        """))
    repo = _live(tmp_path / "b", prod=with_files)
    (repo / "live" / "common.tfvars").write_text("multi_az = false\n")
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    single_az = [f for f in result.findings if f.rule_id == "RES301"]
    assert len(single_az) == 1 and "set at b/repo/live/common.tfvars:1" in single_az[0].message


def test_a_remote_source_is_listed_as_not_followed(tmp_path):
    repo = _live(tmp_path, prod=PROD_DB.replace('"${get_repo_root()}/modules//db"',
                                                '"git::https://github.com/acme/modules.git//db?ref=v1.0.0"'))
    result = run_scan(repo, root=str(repo))
    assert result.findings == [] and result.errors == []
    assert [(u["module"], u["source"]) for u in result.unresolved_modules] == [
        ("terragrunt repo/live/prod/db/terragrunt.hcl", "git::https://github.com/acme/modules.git//db?ref=v1.0.0")]
    assert "Terragrunt" in result.unresolved_modules[0]["hint"]


def test_a_git_source_naming_this_checkout_is_read_from_it(tmp_path):
    repo = _live(tmp_path, staging=STAGING_DB.replace('"../../../modules//db"',
                                                      '"git::https://github.com/acme/infra.git//modules/db"'))
    (repo / ".git" / "config").write_text('[remote "origin"]\n\turl = git@github.com:acme/infra.git\n')
    result = run_scan(repo, root=str(repo))
    assert sorted(f.rule_id for f in result.findings) == ["RES301", "RES507"]
    assert any("read from this checkout of infra" in note for note in result.findings[0].notes)


def test_a_broken_unit_is_an_error_and_the_others_are_judged(tmp_path):
    repo = _live(tmp_path, prod="include {\n  path = \n", staging=STAGING_DB)
    code = main(["scan", str(repo), "--format", "json", "-o", "out.json"])
    doc = json.loads((tmp_path / "out.json").read_text())
    assert code == 2
    assert [e["file"] for e in doc["errors"]] == ["repo/live/prod/db/terragrunt.hcl"] and doc["errors"][0]["line"]
    assert sorted(f["rule_id"] for f in doc["findings"]) == ["RES301", "RES507"]


def test_a_root_terragrunt_hcl_included_by_units_is_not_a_unit(tmp_path):
    """The older layout names the root file terragrunt.hcl too: it plans nothing itself."""
    repo = _live(tmp_path, staging=STAGING_DB.replace('find_in_parent_folders("root.hcl")', "find_in_parent_folders()"))
    (repo / "live" / "root.hcl").rename(repo / "live" / "terragrunt.hcl")
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and result.unresolved_modules == []
    assert sorted(f.rule_id for f in result.findings) == ["RES301", "RES507"]


# TF_VAR_ values as Terraform 1.11 reads them (`terraform console`), given the JSON Terragrunt
# writes for these inputs: an untyped variable keeps the text
TF_VAR_CASES = {"untyped": [1, 2], "num": 3, "lst": ["a", "b"], "obj": {"a": 1}, "anyv": {"k": [1, True]},
                "text": "<b>&"}
TF_VAR_MODULE = textwrap.dedent("""\
    variable "untyped" {}
    variable "num" { type = number }
    variable "lst" { type = list(string) }
    variable "obj" { type = object({ a = number, b = optional(bool, true) }) }
    variable "anyv" { type = any }
    variable "text" { type = string }
    """)
TERRAFORM_SAYS = ["[1,2]", 3, ["a", "b"], {"a": 1, "b": True}, {"k": [1, True]}, "<b>&"]


def _resilint_tf_vars(directory: Path) -> list:
    from linter.model import InputError
    from linter.terraform.modules import VariableValue, converted, read_config
    from linter.terraform.terragrunt import Unit

    errors: list[InputError] = []
    config = read_config(directory, [directory / "main.tf"], errors)
    assert config is not None and errors == []
    unit = Unit(directory / "terragrunt.hcl", "terragrunt.hcl", directory, None, 1,
                {k: VariableValue(v, "set") for k, v in TF_VAR_CASES.items()})
    values = unit.tf_var_values(config)
    return [converted(values[name].value, config, name) for name in TF_VAR_CASES]


def test_inputs_reach_variables_as_terraform_reads_tf_var_values(tmp_path):
    (tmp_path / "main.tf").write_text(TF_VAR_MODULE)
    assert _resilint_tf_vars(tmp_path) == TERRAFORM_SAYS


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed: the recorded answer is checked")
def test_terraform_reads_the_tf_var_values_as_recorded(tmp_path):
    from linter.terraform.terragrunt import _json

    (tmp_path / "main.tf").write_text(TF_VAR_MODULE)
    env = {**os.environ, **{f"TF_VAR_{k}": v if isinstance(v, str) else _json(v) for k, v in TF_VAR_CASES.items()}}
    expression = "jsonencode([" + ", ".join(f"var.{k}" for k in TF_VAR_CASES) + "])\n"
    done = subprocess.run(["terraform", "console"], input=expression, capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(json.loads(done.stdout.strip())) == TERRAFORM_SAYS


def test_inputs_not_known_leave_every_variable_unknown_not_defaulted(tmp_path):
    """`inputs = merge(local.common, jsondecode(run_cmd(...)))`: any variable may be set, so a
    default is not what is deployed; nothing is judged on one."""
    module = DB_MODULE.replace('variable "multi_az" {\n  type = bool\n}',
                               'variable "multi_az" {\n  type    = bool\n  default = false\n}')
    repo = _live(tmp_path, prod=PROD_DB.replace("inputs = {\n  multi_az = true\n}",
                                                'inputs = merge({ backup_retention_period = 7 },\n'
                                                '  jsondecode(run_cmd("./settings.sh")))'))
    (repo / "live" / "root.hcl").write_text("")
    (repo / "modules" / "db" / "main.tf").write_text(module)
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and result.findings == []
    # with the inputs known, the same default is a finding
    (repo / "live" / "prod" / "db" / "terragrunt.hcl").write_text(PROD_DB.replace(
        "multi_az = true", "backup_retention_period = 7\n  environment = \"prod\""))
    assert [f.rule_id for f in run_scan(repo, root=str(repo)).findings] == ["RES301"]


def test_a_broken_included_file_is_one_error_at_its_line(tmp_path):
    repo = _live(tmp_path, prod=PROD_DB, staging=STAGING_DB)
    (repo / "live" / "root.hcl").write_text("locals {\n  x = \n}\n")
    result = run_scan(repo, root=str(repo))
    assert [(e.file, e.line) for e in result.errors] == [("repo/live/root.hcl", 2)], result.errors
    assert result.findings == []  # neither unit is planned: Terragrunt refuses both


def test_the_envcommon_layout_of_two_includes(tmp_path):
    """terragrunt-infrastructure-live-example: a unit includes root.hcl and an exposed
    `_envcommon/db.hcl` whose locals name the source and whose inputs the unit overrides."""
    repo = _live(tmp_path, prod=textwrap.dedent("""\
        include "root" {
          path = find_in_parent_folders("root.hcl")
        }
        include "envcommon" {
          path   = "${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/db.hcl"
          expose = true
        }
        terraform {
          source = "${include.envcommon.locals.base_source}?ref=v0.8.0"
        }
        inputs = {
          multi_az = false
        }
        """))
    (repo / "live" / "_envcommon").mkdir()
    (repo / "live" / "_envcommon" / "db.hcl").write_text(textwrap.dedent("""\
        locals {
          environment_vars = read_terragrunt_config(find_in_parent_folders("env.hcl"))
          env_name         = local.environment_vars.locals.environment
          base_source      = "${get_repo_root()}/modules//db"
        }
        inputs = {
          name     = "db-${local.env_name}"
          multi_az = true
        }
        """))
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    planned = _planned(result)["prod"]
    assert (planned["identifier"], planned["multi_az"], planned["backup_retention_period"]) == ("db-prod", False, 7)
    assert [f.rule_id for f in result.findings] == ["RES301"]
    assert "set at repo/live/prod/db/terragrunt.hcl:12" in result.findings[0].message


def test_units_load_on_every_core_as_they_do_in_one(tmp_path, monkeypatch):
    """Two modules, each deployed by units: the pool of loaders (which pickles the units to
    its workers) gives the serial report."""
    from linter.reporters import ReportSettings, render
    from linter.terraform import tree

    repo = _live(tmp_path, prod=PROD_DB, staging=STAGING_DB)
    (repo / "modules" / "cache").mkdir()
    (repo / "modules" / "cache" / "main.tf").write_text(
        'variable "nodes" {}\nresource "aws_elasticache_replication_group" "this" {\n'
        '  replication_group_id = "c"\n  description = "c"\n  num_cache_clusters = var.nodes\n}\n')
    (repo / "live" / "prod" / "cache").mkdir()
    (repo / "live" / "prod" / "cache" / "terragrunt.hcl").write_text(
        'terraform {\n  source = "../../../modules//cache"\n}\ninputs = {\n  nodes = 1\n}\n')

    def report(jobs: int) -> str:
        return render("json", run_scan(repo, root=str(repo), loader_options={"jobs": jobs}), ReportSettings())

    serial = report(1)
    used: list[int] = []
    real = tree._load_in_pool
    monkeypatch.setattr(tree, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(tree, "_load_in_pool", lambda *a: used.append(1) or real(*a))
    assert report(2) == serial and used == [1]
    assert "(with terragrunt live/prod/cache/terragrunt.hcl)" in serial


def test_a_unit_terragrunt_skips_is_not_judged(tmp_path):
    """`skip = true` (in the unit or the file it includes) or an `exclude` block that holds
    for `plan`: Terragrunt plans nothing there, so its inputs judge nothing."""
    for skipping in ("skip = true\n", 'exclude {\n  if      = include.root.locals.env == "staging"\n'
                                      '  actions = ["plan", "apply"]\n}\n'):
        repo = _live(tmp_path / str(len(skipping)), staging=STAGING_DB + skipping)
        result = run_scan(repo, root=str(repo))
        assert result.errors == [] and result.findings == [], skipping
    repo = _live(tmp_path / "root", staging=STAGING_DB)
    (repo / "live" / "root.hcl").write_text(ROOT_HCL + "skip = local.env == \"staging\"\n")
    assert run_scan(repo, root=str(repo)).findings == []
    repo = _live(tmp_path / "not", staging=STAGING_DB + 'exclude {\n  if      = true\n  actions = ["destroy"]\n}\n')
    assert sorted(f.rule_id for f in run_scan(repo, root=str(repo)).findings) == ["RES301", "RES507"]


def test_variable_files_beside_a_unit_are_read_with_its_module(tmp_path):
    """Terragrunt copies the unit's directory over the module's before Terraform runs: a
    `terraform.tfvars` there is auto-loaded, above the inputs (TF_VAR_ values)."""
    repo = _live(tmp_path, prod=PROD_DB)
    (repo / "live" / "prod" / "db" / "terraform.tfvars").write_text("multi_az = false\n")
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    assert [f.rule_id for f in result.findings] == ["RES301"]
    assert "(var.multi_az, set at repo/live/prod/db/terraform.tfvars:1)" in result.findings[0].message
    assert result.skipped == [] and "repo/live/prod/db/terraform.tfvars" in result.files  # read, not skipped


def test_var_files_not_known_leave_every_variable_unknown(tmp_path):
    repo = _live(tmp_path, prod=PROD_DB.replace('  source = "${get_repo_root()}/modules//db"\n', textwrap.dedent("""\
          source = "${get_repo_root()}/modules//db"
          extra_arguments "region" {
            commands           = ["plan", "apply"]
            required_var_files = ["${get_terragrunt_dir()}/${run_cmd("./region.sh")}.tfvars"]
          }
        """)).replace("multi_az = true", "multi_az = false"))
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and result.findings == []


def test_a_feature_flag_takes_its_default(tmp_path):
    repo = _live(tmp_path, prod=PROD_DB.replace("inputs = {\n  multi_az = true\n}",
                                                'feature "ha" {\n  default = false\n}\n'
                                                "inputs = {\n  multi_az = feature.ha.value\n}"))
    assert [f.rule_id for f in run_scan(repo, root=str(repo)).findings] == ["RES301"]


def test_a_staged_module_is_judged_with_the_units_of_its_repository(tmp_path):
    """pre-commit passes only `modules/db/main.tf`: the repository's units that plan it are
    found (`_units_in_repository`) and the module judged with each, as they deploy it."""
    repo = _live(tmp_path, prod=PROD_DB, staging=STAGING_DB)
    (repo / "live" / "other").mkdir()
    (repo / "live" / "other" / "terragrunt.hcl").write_text('terraform {\n  source = "../../modules//cache"\n}\n')
    result = run_scan(repo / "modules" / "db" / "main.tf", root=str(repo), loader_options={"file_context": True})
    assert sorted(_planned(result)) == ["prod", "staging"]
    assert sorted(f.rule_id for f in result.findings) == ["RES301", "RES507"]
    assert result.errors == [] and result.unresolved_modules == []  # other units: not this scan's to report
    # outside a git checkout nothing is searched: the module is judged bare
    shutil.rmtree(repo / ".git")
    result = run_scan(repo / "modules" / "db" / "main.tf", root=str(repo), loader_options={"file_context": True})
    assert [r.meta.get("environment") for r in result.resources] == [None] and result.findings == []


def test_the_text_report_gives_a_terragrunt_source_its_own_advice(tmp_path):
    from linter.reporters import ReportSettings, render

    repo = _live(tmp_path, prod=PROD_DB.replace('"${get_repo_root()}/modules//db"',
                                                '"git::https://github.com/acme/modules.git//db?ref=v1.0.0"'))
    (repo / "modules" / "db" / "calls.tf").write_text('module "label" {\n  source = "cloudposse/label/null"\n}\n')
    text = render("text", run_scan(repo, root=str(repo)), ReportSettings())
    assert "note: 2 Terraform module call(s) not followed (their resources were not judged):\n" in text
    assert "(source git::https://github.com/acme/modules.git//db?ref=v1.0.0): a Terragrunt source not in this " \
           "checkout" in text
    assert "(source cloudposse/label/null): run `terraform init` in the root module" in text


def test_scaffold_templates_are_skipped_not_errors(tmp_path):
    """`terragrunt scaffold` renders units from boilerplate templates (`{{ .SourceURL }}`,
    `{{- range }}`): not HCL yet, not a unit, not an error. A real unit that does not parse
    stays an error."""
    repo = _live(tmp_path, staging=STAGING_DB)
    template = ('terraform {\n  source = "{{ .SourceURL }}"\n}\ninputs = {\n  {{- range .Inputs }}\n'
                '  {{ .Name }} = {{ .Value }}\n  {{- end }}\n}\n')
    (repo / ".boilerplate").mkdir()
    (repo / ".boilerplate" / "terragrunt.hcl").write_text(template)
    (repo / "catalog" / "db").mkdir(parents=True)
    (repo / "catalog" / "db" / "boilerplate.yml").write_text("variables: []\n")
    (repo / "catalog" / "db" / "terragrunt.hcl").write_text('terraform {\n  source = "{{ .SourceURL }}"\n}\n')
    (repo / "catalog" / "stack").mkdir(parents=True)  # a stack's template too
    (repo / "catalog" / "stack" / "boilerplate.yml").write_text("variables: []\n")
    (repo / "catalog" / "stack" / "terragrunt.stack.hcl").write_text('unit "{{ .Name }}" {\n  path = "{{ .Name }}"\n}\n')
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and result.unresolved_modules == []
    assert sorted((s.file, "template" in s.reason) for s in result.skipped) == [
        ("repo/.boilerplate/terragrunt.hcl", True), ("repo/catalog/db/boilerplate.yml", False),
        ("repo/catalog/db/terragrunt.hcl", True), ("repo/catalog/stack/boilerplate.yml", False),
        ("repo/catalog/stack/terragrunt.stack.hcl", True)]
    assert "repo/.boilerplate/terragrunt.hcl" not in result.files
    assert sorted(f.rule_id for f in result.findings) == ["RES301", "RES507"]


# ------------------------------------------------------------ stacks
# a catalog unit, as terragrunt-infrastructure-catalog-example writes one: run where its stack
# generates it, given `values`
STACK_UNIT = PROD_DB.replace("multi_az = true", "multi_az = values.multi_az")


def stack_text(values: str, *, source: str = "../../units/db", extra: str = "") -> str:
    return (f'locals {{\n  single = false\n}}\nunit "db" {{\n  source = "{source}"\n  path   = "db"\n{extra}'
            f'  values = {{\n    multi_az = {values}\n  }}\n}}\n')


def _stacked(tmp_path: Path, **stacks: str) -> Path:
    """The `_live` repository, with units/db and a `terragrunt.stack.hcl` per environment."""
    repo = _live(tmp_path)
    (repo / "units" / "db").mkdir(parents=True)
    (repo / "units" / "db" / "terragrunt.hcl").write_text(STACK_UNIT)
    for env, text in stacks.items():
        (repo / "live" / env).mkdir(parents=True, exist_ok=True)
        (repo / "live" / env / "env.hcl").write_text(f'locals {{ environment = "{env}" }}\n')
        (repo / "live" / env / "terragrunt.stack.hcl").write_text(text)
    return repo


def test_a_stack_judges_its_units_module_with_the_values_it_gives(tmp_path):
    """`terragrunt stack generate` copies units/db to live/<env>/.terragrunt-stack/db and runs
    it there with the stack's `values`: root.hcl and env.hcl are found from there. The catalog
    unit alone reads `values` Terragrunt would not have: not judged bare."""
    repo = _stacked(tmp_path, prod=stack_text("true"), staging=stack_text("local.single"))
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and result.unresolved_modules == []
    planned = {r.meta["environment"]: (r.attrs["multi_az"], r.attrs["tags"]) for r in result.resources
               if r.type == "aws_db_instance"}
    assert planned == {"repo/live/prod/.terragrunt-stack/db/terragrunt.hcl": (True, {"env": "prod"}),
                       "repo/live/staging/.terragrunt-stack/db/terragrunt.hcl": (False, {"env": "staging"})}
    single_az = [f for f in result.findings if f.rule_id == "RES301"]
    assert [f.environment for f in single_az] == ["repo/live/staging/.terragrunt-stack/db/terragrunt.hcl"]
    # the value is changed where the stack gives it
    assert "multi_az = false (var.multi_az, set at repo/live/staging/terragrunt.stack.hcl:8)" in single_az[0].message
    assert result.skipped == []


def test_a_stack_of_stacks_and_a_unit_generated_beside_its_stack(tmp_path):
    """A `stack` block generates another stack's units below its own directory; with
    `no_dot_terragrunt_stack = true` a unit is generated beside the stack file. A value the
    nested stack passes on (`values.multi_az`) is named where the outer stack sets it."""
    nested = stack_text("values.multi_az")
    repo = _stacked(tmp_path, prod=(
        'stack "data" {\n  source = "../../stacks/data"\n  path   = "data"\n  values = { multi_az = false }\n}\n'
        + stack_text("false", extra="  no_dot_terragrunt_stack = true\n").replace('unit "db"', 'unit "beside"')
        .replace('path   = "db"', 'path   = "beside"')))
    (repo / "stacks" / "data").mkdir(parents=True)
    (repo / "stacks" / "data" / "terragrunt.stack.hcl").write_text(nested)  # its source: from stacks/data, copied
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    single_az = sorted((f.environment, f.message) for f in result.findings if f.rule_id == "RES301")
    assert [environment for environment, _ in single_az] == [
        "repo/live/prod/.terragrunt-stack/data/.terragrunt-stack/db/terragrunt.hcl", "repo/live/prod/beside/terragrunt.hcl"]
    assert "set at repo/live/prod/terragrunt.stack.hcl:4)" in single_az[0][1]
    assert "set at repo/live/prod/terragrunt.stack.hcl:14)" in single_az[1][1]


@pytest.mark.parametrize("values, source", [
    ("local.unset", "../../units/db"), ("false", "git::https://github.com/acme/catalog.git//units/db?ref=v1")])
def test_a_stack_unit_not_known_here_is_not_judged(tmp_path, values, source):
    """A value the stack does not know, or a unit from a catalog elsewhere (noted as not
    followed, at the stack's line), is no finding."""
    repo = _stacked(tmp_path, prod=stack_text(values, source=source))
    result = run_scan(repo, root=str(repo))
    assert [f.rule_id for f in result.findings if f.rule_id == "RES301"] == []
    unresolved = [(u["module"], u["file"], u["line"]) for u in result.unresolved_modules]
    assert unresolved == ([] if source.startswith("..") else [
        ('terragrunt repo/live/prod/terragrunt.stack.hcl unit "db"', "repo/live/prod/terragrunt.stack.hcl", 5)])


def test_a_staged_module_is_judged_with_the_stacks_of_its_repository(tmp_path):
    """pre-commit passes only `modules/db/main.tf`: the stacks that deploy it are found as
    units are, and the module judged with each stack's values."""
    repo = _stacked(tmp_path, prod=stack_text("true"), staging=stack_text("local.single"))
    result = run_scan(repo / "modules" / "db" / "main.tf", root=str(repo), loader_options={"file_context": True})
    assert result.errors == []
    assert sorted(r.meta["environment"] for r in result.resources if r.type == "aws_db_instance") == [
        "repo/live/prod/.terragrunt-stack/db/terragrunt.hcl", "repo/live/staging/.terragrunt-stack/db/terragrunt.hcl"]
    assert [(f.rule_id, f.environment) for f in result.findings if f.rule_id == "RES301"] == [
        ("RES301", "repo/live/staging/.terragrunt-stack/db/terragrunt.hcl")]


def test_a_stack_unit_from_a_git_source_naming_this_checkout_is_read_from_it(tmp_path):
    """A catalog kept in the repository it deploys from, named by its git address."""
    repo = _stacked(tmp_path, staging=stack_text("false", source="git::git@github.com:acme/infra.git//units/db?ref=main"))
    (repo / ".git" / "config").write_text('[remote "origin"]\n\turl = git@github.com:acme/infra.git\n')
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and result.unresolved_modules == []
    [single_az] = [f for f in result.findings if f.rule_id == "RES301"]
    assert single_az.environment == "repo/live/staging/.terragrunt-stack/db/terragrunt.hcl"
    assert any("read from this checkout of infra" in note for note in single_az.notes), single_az.notes


def test_a_staged_unit_of_stacks_is_judged_as_the_stacks_of_its_repository_deploy_it(tmp_path):
    """pre-commit passes only the catalog's `units/db/terragrunt.hcl`: judged with each stack
    that deploys it; one that no stack deploys is skipped, saying so."""
    repo = _stacked(tmp_path, prod=stack_text("true"), staging=stack_text("local.single"))
    result = run_scan(repo / "units" / "db" / "terragrunt.hcl", root=str(repo), loader_options={"file_context": True})
    assert result.errors == [] and result.skipped == []
    assert [f.environment for f in result.findings if f.rule_id == "RES301"] == [
        "repo/live/staging/.terragrunt-stack/db/terragrunt.hcl"]
    for stack in (repo / "live").glob("*/terragrunt.stack.hcl"):
        stack.unlink()
    result = run_scan(repo / "units" / "db" / "terragrunt.hcl", root=str(repo), loader_options={"file_context": True})
    assert result.findings == []
    assert [(s.file, s.reason) for s in result.skipped] == [("repo/units/db/terragrunt.hcl", STACK_UNIT_SKIPPED)]


# ------------------------------------------------------------ generate blocks
QUEUE_MODULE = textwrap.dedent("""\
    resource "aws_autoscaling_group" "web" {
      name     = "web-${var.environment}"
      max_size = var.size
      min_size = var.size
    }
    """)

def generate_block(name: str, path: str, if_exists: str, contents: str) -> str:
    """A `generate` block writing `contents` (a heredoc) to `path`."""
    return (f'generate "{name}" {{\n  path      = "{path}"\n  if_exists = "{if_exists}"\n'
            f"  contents  = <<EOF\n{contents}EOF\n}}\n")


GENERATE_VARIABLES = generate_block("variables", "common_variables.tf", "overwrite", textwrap.dedent("""\
    variable "environment" {
      type = string
    }
    variable "size" {
      type    = number
      default = SIZE
    }
    """))

UNIT = PROD_DB.replace("${get_repo_root()}/modules//db", "../../../modules//web").replace(
    "multi_az = true", 'environment = "prod"')


def _generating(tmp_path: Path, root: str, unit: str = UNIT, module: dict[str, str] | None = None) -> Path:
    """A repository whose root.hcl (`root`) generates files into modules/web for live/prod/web."""
    repo = Path(os.path.relpath(tmp_path / "repo"))
    (repo / ".git").mkdir(parents=True)
    (repo / "modules" / "web").mkdir(parents=True)
    for name, text in {"main.tf": QUEUE_MODULE, **(module or {})}.items():
        (repo / "modules" / "web" / name).write_text(text)
    (repo / "live" / "prod" / "web").mkdir(parents=True)
    (repo / "live" / "root.hcl").write_text(root)
    (repo / "live" / "prod" / "web" / "terragrunt.hcl").write_text(unit)
    return repo


def _line(text: str, written: str) -> int:
    return text.splitlines().index(written) + 1


def test_a_variable_a_generate_block_declares_is_the_modules(tmp_path):
    """The module reads `var.size`, declared (default 1) only in the file root.hcl's `generate`
    block writes before Terraform runs. Before, the variable was not declared here, so its
    value was not known and the single-instance group passed in silence."""
    root = GENERATE_VARIABLES.replace("SIZE", "1")
    repo = _generating(tmp_path, root)
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    [finding] = result.findings
    assert finding.rule_id == "RES104" and finding.file.endswith("modules/web/main.tf") and finding.line == 3
    line = _line(root, "  default = 1")
    assert f"max_size = 1 (the default of var.size, set at repo/live/root.hcl:{line})" in finding.message
    assert [r.attrs["name"] for r in result.resources] == ["web-prod"]  # the unit's input reaches it too
    # a unit that includes no generate block plans the module without the file: var.size is not declared
    (repo / "live" / "staging" / "web").mkdir(parents=True)
    (repo / "live" / "staging" / "web" / "terragrunt.hcl").write_text("terraform {" + UNIT.split("terraform {", 1)[1])
    result = run_scan(repo, root=str(repo))
    assert [Path(f.environment).parent.parent.name for f in result.findings] == ["prod"]
    assert len(result.resources) == 2
    # the same default of 3: nothing to say
    (repo / "live" / "root.hcl").write_text(GENERATE_VARIABLES.replace("SIZE", "3"))
    assert run_scan(repo, root=str(repo)).findings == []


def test_a_resource_a_generate_block_writes_is_judged_at_its_line_there(tmp_path):
    """A resource in a heredoc is found at its line in the Terragrunt file; one in a file
    `file()` reads, at its line there (Terragrunt's `$${` is Terraform's `${`)."""
    root = textwrap.dedent("""\
        generate "queue" {
          path      = "queue.tf"
          if_exists = "overwrite_terragrunt"
          contents  = <<-EOF
            resource "aws_autoscaling_group" "jobs" {
              name     = "jobs-$${var.environment}"
              max_size = 1
              min_size = 1
            }
          EOF
        }
        generate "batch" {
          path      = "batch.tf"
          if_exists = "overwrite"
          contents  = file("${get_parent_terragrunt_dir()}/batch.tf")
        }
        """)
    batch = 'resource "aws_autoscaling_group" "batch" {\n  max_size = 1\n  min_size = 1\n}\n'
    repo = _generating(tmp_path, root, module={"variables.tf": 'variable "environment" {}\nvariable "size" {\n'
                                                               "  default = 2\n}\n"})
    (repo / "live" / "batch.tf").write_text(batch)
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    found = {f.resource: (f.rule_id, f.file, f.line) for f in result.findings}
    assert found == {
        "aws_autoscaling_group.jobs": ("RES104", "repo/live/root.hcl", _line(root, "      max_size = 1")),
        "aws_autoscaling_group.batch": ("RES104", "repo/live/batch.tf", 2)}
    jobs = next(r for r in result.resources if r.address == "aws_autoscaling_group.jobs")
    assert jobs.attrs["name"] == "jobs-prod"


@pytest.mark.parametrize("unit_block, mode, fires", [
    ("", "overwrite", True),  # root.hcl's file replaces the module's variables.tf (default 3)
    ("", "skip", False),  # the module's own file is kept
    ('generate "variables" {\n  path = "common_variables.tf"\n  if_exists = "overwrite"\n'
     '  contents = "# nothing"\n}\n', "overwrite", False),  # the unit's block of that name replaces root.hcl's
    ('generate "variables" {\n  path = "variables.tf"\n  if_exists = "overwrite"\n  contents = "x"\n'
     "  disable = true\n}\n", "overwrite", False),  # disabled: the module's own file is kept
])
def test_which_file_terraform_finds_is_as_if_exists_and_the_units_blocks_say(tmp_path, unit_block, mode, fires):
    root = GENERATE_VARIABLES.replace("SIZE", "1").replace("common_variables.tf", "variables.tf") \
        .replace('"overwrite"', f'"{mode}"')
    module = {"variables.tf": 'variable "environment" {}\nvariable "size" {\n  default = 3\n}\n'}
    repo = _generating(tmp_path, root, UNIT + unit_block, module)
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    assert [f.rule_id for f in result.findings] == (["RES104"] if fires else [])


@pytest.mark.parametrize("mode", ["error", "overwrite_terragrunt"])
def test_a_generate_block_terragrunt_refuses_is_an_error_at_its_line(tmp_path, mode):
    """The module has its own variables.tf (not written by Terragrunt): `if_exists = "error"`
    (or "overwrite_terragrunt") stops Terragrunt before it plans. The unit is not judged,
    the error names the block; another unit is still judged. A file Terragrunt wrote before
    (its signature atop) is overwritten."""
    root = GENERATE_VARIABLES.replace("SIZE", "1").replace("common_variables.tf", "variables.tf") \
        .replace('"overwrite"', f'"{mode}"')
    module = {"variables.tf": 'variable "environment" {}\nvariable "size" {\n  default = 1\n}\n'}
    repo = _generating(tmp_path, root, module=module)
    (repo / "live" / "staging" / "web").mkdir(parents=True)
    (repo / "live" / "staging" / "web" / "terragrunt.hcl").write_text(
        UNIT.replace('include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n', ""))
    result = run_scan(repo, root=str(repo))
    [error] = result.errors
    assert (error.file, error.line) == ("repo/live/root.hcl", 1)
    assert "generate writes variables.tf, which repo/modules/web/variables.tf already is" in error.message
    assert [Path(f.environment).parent.parent.name for f in result.findings] == ["staging"]
    if mode == "overwrite_terragrunt":
        (repo / "modules" / "web" / "variables.tf").write_text(
            "# Generated by Terragrunt. Sig: nIlQXj57tbuaRZEa\n" + module["variables.tf"].replace("1", "3"))
        result = run_scan(repo, root=str(repo))
        assert result.errors == []
        # prod plans root.hcl's default of 1 over the file's 3; staging generates nothing: 3
        assert [Path(f.environment).parent.parent.name for f in result.findings] == ["prod"]


def test_a_generated_file_whose_text_is_not_known_hides_what_it_replaces(tmp_path):
    """`contents` from a command: the module's variables.tf (default 1) is overwritten by a text
    not known here, so the size is not known: silence, not the replaced file's default."""
    root = textwrap.dedent("""\
        generate "variables" {
          path      = "variables.tf"
          if_exists = "overwrite"
          contents  = run_cmd("./variables.sh")
        }
        """)
    module = {"variables.tf": 'variable "environment" {}\nvariable "size" {\n  default = 1\n}\n'}
    repo = _generating(tmp_path, root, module=module)
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and result.findings == []
    assert [r.address for r in result.resources] == ["aws_autoscaling_group.web"]


@pytest.mark.parametrize("name", ["terraform.tfvars", "sizes.auto.tfvars"])
def test_a_variable_file_a_generate_block_writes_sets_the_modules_variables(tmp_path, name):
    """Terraform loads `terraform.tfvars` and `*.auto.tfvars` by itself, over the unit's inputs
    (TF_VAR_ values): the size root.hcl's block writes (1) is what is planned, named at its
    line there; the module's own file of that name is replaced, or kept under `skip`; a text
    not known sets every variable to a value not known (silence)."""
    module = {"variables.tf": 'variable "environment" {}\nvariable "size" {\n  default = 3\n}\n'}
    root = generate_block("sizes", name, "overwrite", "size = 1\n")
    repo = _generating(tmp_path, root, UNIT.replace('environment = "prod"', 'environment = "prod"\n  size = 2'),
                       module)
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    [finding] = result.findings
    assert f"max_size = 1 (var.size, set at repo/live/root.hcl:{_line(root, 'size = 1')})" in finding.message
    (repo / "modules" / "web" / name).write_text("size = 4\n")
    assert len(run_scan(repo, root=str(repo)).findings) == 1  # overwritten
    (repo / "live" / "root.hcl").write_text(root.replace('"overwrite"', '"skip"'))
    assert run_scan(repo, root=str(repo)).findings == []  # the module's own 4
    (repo / "live" / "root.hcl").write_text(root.replace('"overwrite"', '"error"'))
    result = run_scan(repo, root=str(repo))
    assert [e.line for e in result.errors] == [1] and result.findings == [] and result.resources == []
    (repo / "modules" / "web" / name).unlink()
    (repo / "live" / "root.hcl").write_text(root.replace("<<EOF\nsize = 1\nEOF", 'run_cmd("./sizes.sh")'))
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and result.findings == []
    assert [r.address for r in result.resources] == ["aws_autoscaling_group.web"]


def test_a_generated_provider_changes_nothing_judged(tmp_path, monkeypatch):
    """What Terragrunt generates most (providers, a backend) declares nothing Terraform
    evaluates: the module is read once for every unit, as before."""
    from linter.terraform import tree
    from linter.terraform.tree import _declares

    reads: list[Path] = []
    read_config = tree.read_config
    monkeypatch.setattr(tree, "read_config", lambda directory, *rest: reads.append(directory) or read_config(
        directory, *rest))

    root = generate_block("provider", "provider.tf", "overwrite_terragrunt",
                          'provider "aws" {\n  region = "eu-west-1"\n}\nterraform {\n  backend "s3" {}\n}\n')
    repo = _generating(tmp_path, root, module={"variables.tf": 'variable "environment" {}\nvariable "size" {\n'
                                                               "  default = 1\n}\n"})
    (repo / "live" / "staging" / "web").mkdir(parents=True)
    (repo / "live" / "staging" / "web" / "terragrunt.hcl").write_text(UNIT)
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and [f.rule_id for f in result.findings] == ["RES104", "RES104"]
    assert [d.name for d in reads].count("web") == 1  # one reading of modules/web for both units
    assert not _declares('provider "aws" {}\nterraform {}\n', "provider.tf", "x")
    assert _declares('locals {\n  a = 1\n}\n', "locals.tf", "x")


def test_configuration_files_beside_a_unit_join_its_module(tmp_path):
    """Terragrunt copies the unit's directory over the module's before Terraform runs: a
    resource in `live/prod/web/extra.tf` is planned with the module (its variables, the unit's
    inputs), and a file of the module's name is replaced. Before, the unit's directory was
    planned alone, a root of its own where `var.size` was declared by nothing."""
    module = {"variables.tf": 'variable "environment" {}\nvariable "size" {\n  default = 1\n}\n'}
    repo = _generating(tmp_path, "", module=module)
    extra = 'resource "aws_autoscaling_group" "extra" {\n  name     = "extra-${var.environment}"\n' \
            "  max_size = var.size\n  min_size = var.size\n}\n"
    (repo / "live" / "prod" / "web" / "extra.tf").write_text(extra)
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    found = sorted((f.resource, f.file, f.line, Path(f.environment).parent.parent.name) for f in result.findings)
    assert found == [("aws_autoscaling_group.extra", "repo/live/prod/web/extra.tf", 3, "prod"),
                     ("aws_autoscaling_group.web", "repo/modules/web/main.tf", 3, "prod")]
    assert sorted(r.attrs["name"] for r in result.resources) == ["extra-prod", "web-prod"]  # planned once each
    # the unit's variables.tf replaces the module's: a default of 3
    (repo / "live" / "prod" / "web" / "variables.tf").write_text(module["variables.tf"].replace("1", "3"))
    result = run_scan(repo, root=str(repo))
    assert result.errors == [] and result.findings == []


@pytest.mark.parametrize("globs, copied", [
    ('["extra.tf"]', False), ('["*.tf", "*.tfvars"]', False), ('["./extra.tf"]', False), ('["**/extra.tf"]', False),
    ('["notes/*.tf"]', True), ("[]", True), ("[local.missing]", True)])  # not known: taken as copied
def test_a_file_exclude_from_copy_names_does_not_join_the_module(tmp_path, globs, copied):
    """`terraform { exclude_from_copy = [...] }`: Terragrunt leaves the unit directory's files its
    globs match out of its copy, so Terraform never plans `extra.tf`'s single-instance group,
    nor reads a `terraform.tfvars` so excluded."""
    module = {"variables.tf": 'variable "environment" {}\nvariable "size" {\n  default = 2\n}\n'}
    unit = UNIT.replace('  source = "../../../modules//web"\n',
                        f'  source = "../../../modules//web"\n  exclude_from_copy = {globs}\n')
    repo = _generating(tmp_path, "", unit, module=module)
    web = repo / "live" / "prod" / "web"
    (web / "extra.tf").write_text('resource "aws_autoscaling_group" "extra" {\n  name     = "extra"\n'
                                  "  max_size = 1\n  min_size = 1\n}\n")
    (web / "terraform.tfvars").write_text("size = 1\n")
    result = run_scan(repo, root=str(repo))
    assert result.errors == []
    found = sorted(f.resource for f in result.findings)
    if copied:
        assert found == ["aws_autoscaling_group.extra", "aws_autoscaling_group.web"]
    elif "tfvars" in globs:
        assert found == []  # size stays the module's 2
    else:
        assert found == ["aws_autoscaling_group.web"]  # the tfvars is copied: size 1


def test_a_staged_file_beside_a_unit_is_judged_as_the_unit_plans_it(tmp_path):
    """pre-commit passes only `live/prod/web/extra.tf`: it is planned in the unit's module,
    with root.hcl's generated default of 1, not alone (where var.size is declared by nothing)."""
    repo = _generating(tmp_path, GENERATE_VARIABLES.replace("SIZE", "1"))
    extra = repo / "live" / "prod" / "web" / "extra.tf"
    extra.write_text('resource "aws_autoscaling_group" "extra" {\n  max_size = var.size\n  min_size = var.size\n}\n')
    result = run_scan(extra, root=str(repo), loader_options={"file_context": True})
    assert result.errors == []
    found = sorted((f.resource, Path(f.environment).parent.parent.name) for f in result.findings)
    assert found == [("aws_autoscaling_group.extra", "prod"), ("aws_autoscaling_group.web", "prod")]
