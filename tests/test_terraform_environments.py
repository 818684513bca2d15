"""Variable files beside a root that Terraform reads only with `-var-file` (`prod.tfvars`,
`staging.tfvars`, cloudposse's `fixtures.us-east-2.tfvars`) are environments: the root
is judged once with each, as `terraform plan -var-file=...` plans it, and not bare. Each
environment's findings say which file they were planned with, and are findings of their
own (fingerprints, baselines). A `--var-file` (or the config's `terraform.var_files`)
chooses instead. `tests/test_terraform_plan_oracle.py` holds the expansion per environment
to real `terraform plan` (the `environments` case)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from linter.reporters import ReportSettings, render
from tests.conftest import corpus_dir, run_scan

DB = textwrap.dedent("""\
    variable "multi_az" {
      type    = bool
      default = true
    }

    variable "name" {
      type = string
    }

    resource "aws_db_instance" "db" {
      identifier              = var.name
      engine                  = "postgres"
      instance_class          = "db.t3.micro"
      multi_az                = var.multi_az
      backup_retention_period = 7
      deletion_protection     = true
    }
    """)


def _root(directory: Path, **environments: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf").write_text(DB)
    for name, text in environments.items():
        (directory / name.replace("_", ".")).write_text(text)
    return directory


def _planned(result) -> dict:
    """Environment file -> (identifier, multi_az) of the database planned with it."""
    return {Path(r.meta["environment"]).name: (r.attrs["identifier"], r.attrs["multi_az"]) for r in result.resources}


def _single_az(result) -> list:
    return [f for f in result.findings if f.rule_id == "RES301"]


def test_each_environment_file_is_a_plan_of_the_root(tmp_path):
    root = _root(tmp_path / "app", prod_tfvars='name = "orders"\nmulti_az = false\n',
                 staging_tfvars='name = "orders-staging"\n')
    result = run_scan(root, root=str(tmp_path))
    assert result.errors == []
    (finding,) = _single_az(result)
    assert finding.environment == str(root / "prod.tfvars")
    assert finding.message.endswith("(with -var-file app/prod.tfvars)")
    assert "set at " + str(root / "prod.tfvars") + ":2" in finding.message
    # one database per environment, each in a scope of its own, never one planned bare
    planned = sorted((r.meta["environment"], r.attrs["identifier"]) for r in result.resources)
    assert planned == [(str(root / "prod.tfvars"), "orders"), (str(root / "staging.tfvars"), "orders-staging")]
    assert len({r.scope for r in result.resources}) == 2
    assert sorted(result.files) == sorted(str(root / n) for n in ("main.tf", "prod.tfvars", "staging.tfvars"))


def test_the_same_finding_in_two_environments_is_two_findings(tmp_path):
    root = _root(tmp_path / "app", prod_tfvars='name = "a"\nmulti_az = false\n',
                 dr_tfvars='name = "b"\nmulti_az = false\n')
    result = run_scan(root, root=str(tmp_path))
    findings = _single_az(result)
    assert sorted(Path(f.environment).name for f in findings) == ["dr.tfvars", "prod.tfvars"]
    assert len({f.fingerprint for f in findings}) == 2
    doc = json.loads(render("json", result, ReportSettings()))
    assert sorted(Path(f["environment"]).name for f in doc["findings"] if f["rule_id"] == "RES301") == [
        "dr.tfvars", "prod.tfvars"]


def test_a_var_file_given_chooses_the_environment(tmp_path):
    root = _root(tmp_path / "app", prod_tfvars='name = "a"\nmulti_az = false\n', staging_tfvars='name = "b"\n')
    staging = run_scan(root, loader_options={"terraform_variables": [("file", str(root / "staging.tfvars"))]})
    assert _single_az(staging) == []
    assert [r.attrs["identifier"] for r in staging.resources] == ["b"]
    assert all("environment" not in r.meta for r in staging.resources)  # chosen, as terraform is told


def test_auto_loaded_files_are_read_under_each_environment(tmp_path):
    root = _root(tmp_path / "app", terraform_tfvars='name = "base"\nmulti_az = false\n',
                 prod_tfvars="multi_az = true\n", staging_tfvars='name = "staging"\n')
    result = run_scan(root)
    assert _planned(result) == {"prod.tfvars": ("base", True), "staging.tfvars": ("staging", False)}
    (finding,) = _single_az(result)
    assert "terraform.tfvars:2" in finding.message and Path(finding.environment).name == "staging.tfvars"


def test_a_root_with_only_auto_loaded_files_is_planned_once(tmp_path):
    root = _root(tmp_path / "app", terraform_tfvars='name = "x"\nmulti_az = false\n')
    result = run_scan(root)
    (finding,) = _single_az(result)
    assert finding.environment is None and "-var-file" not in finding.message


def test_a_staged_environment_file_is_judged_with_its_root(tmp_path):
    """pre-commit passes the changed file: `prod.tfvars` dropping to one zone fails the commit.
    Only what changed is judged: the staged environments; a staged `.tf`, every environment."""
    root = _root(tmp_path / "app", prod_tfvars='name = "a"\nmulti_az = false\n', staging_tfvars='name = "b"\n',
                 dev_tfvars='name = "c"\nmulti_az = false\n')

    def staged(*names: str):
        return run_scan(*(root / n for n in names), loader_options={"file_context": True})  # as the CLI

    result = staged("prod.tfvars")
    assert [Path(f.environment).name for f in _single_az(result)] == ["prod.tfvars"]
    assert sorted(_planned(result)) == ["prod.tfvars"]
    assert sorted(_planned(staged("staging.tfvars", "dev.tfvars"))) == ["dev.tfvars", "staging.tfvars"]
    assert sorted(_planned(staged("main.tf", "prod.tfvars"))) == ["dev.tfvars", "prod.tfvars", "staging.tfvars"]
    assert sorted(_planned(run_scan(root))) == ["dev.tfvars", "prod.tfvars", "staging.tfvars"]


def test_a_broken_environment_file_is_an_error_and_the_other_environments_are_judged(tmp_path):
    """Terraform plans nothing with a variable file it cannot read: that environment is not
    judged (its defaults would be a plan nobody makes), the others are."""
    root = _root(tmp_path / "app", prod_tfvars='name = "a"\nmulti_az = false\n',
                 broken_tfvars='name = "b"\nmulti_az = \n')
    result = run_scan(root)
    assert [Path(e.file).name for e in result.errors] == ["broken.tfvars"] and result.errors[0].line
    assert [Path(f.environment).name for f in _single_az(result)] == ["prod.tfvars"]
    assert sorted(Path(r.meta["environment"]).name for r in result.resources) == ["prod.tfvars"]


def test_a_called_module_s_variable_file_is_not_an_environment(tmp_path):
    root = tmp_path / "live"
    root.mkdir()
    (root / "main.tf").write_text('module "db" {\n  source = "../modules/db"\n  name = "orders"\n}\n')
    module = _root(tmp_path / "modules" / "db", test_tfvars='name = "t"\nmulti_az = false\n')
    result = run_scan(root, module)
    assert _single_az(result) == []  # the module is judged as live calls it: multi_az defaults to true
    assert all("environment" not in r.meta for r in result.resources)


def test_a_baseline_holds_each_environment_apart(tmp_path):
    from linter.engine import ScanOptions, scan
    from linter.suppress import write_baseline

    root = _root(tmp_path / "app", prod_tfvars='name = "a"\nmulti_az = false\n', dr_tfvars='name = "b"\n')
    baseline = tmp_path / "baseline.json"
    write_baseline(scan([str(root)], ScanOptions(root=str(tmp_path))), str(baseline))
    (root / "dr.tfvars").write_text('name = "b"\nmulti_az = false\n')  # dr now drops to one zone too
    result = scan([str(root)], ScanOptions(root=str(tmp_path), baseline=str(baseline)))
    active = [Path(f.environment).name for f in _single_az(result) if not f.suppressed]
    assert active == ["dr.tfvars"]


def test_cloudposse_examples_are_judged_as_their_tests_plan_them():
    """cloudposse's examples keep what their terratest passes with `-var-file` in
    `fixtures.us-east-2.tfvars`: `deletion_protection = false` there is the example's."""
    example = corpus_dir("terraform-modules") / "cloudposse+terraform-aws-rds-cluster" / "examples" / "complete"
    result = run_scan(example)
    assert result.errors == []
    protection = [f for f in result.findings if f.rule_id == "RES508"]
    assert protection and all(Path(f.environment).name == "fixtures.us-east-2.tfvars" for f in protection)
    assert all("fixtures.us-east-2.tfvars:22" in f.message for f in protection)


def test_environment_files_in_a_directory_below_the_root_are_its_environments(tmp_path):
    """`environments/prod.tfvars` beside the root's files: an environment of the root when
    every variable it sets is the root's (a file setting another is not the root's, and
    stays skipped with the reason); named alone (pre-commit), it brings its root."""
    root = _root(tmp_path / "app")
    (root / "environments").mkdir()
    (root / "environments" / "prod.tfvars").write_text('name = "orders"\nmulti_az = false\n')
    (root / "environments" / "staging.tfvars.json").write_text('{"name": "orders-staging"}\n')
    (root / "other").mkdir()
    (root / "other" / "network.tfvars").write_text('cidr = "10.0.0.0/16"\n')  # not this root's variables
    (root / "modules" / "x").mkdir(parents=True)
    (root / "modules" / "x" / "main.tf").write_text('variable "name" {}\n')
    (root / "modules" / "x" / "dev.tfvars").write_text('name = "x"\n')  # beside a module of its own
    result = run_scan(root, loader_options={"file_context": True})
    assert result.errors == []
    planned = sorted((Path(r.meta["environment"]).name, r.attrs["identifier"]) for r in result.resources
                     if r.type == "aws_db_instance")
    assert planned == [("prod.tfvars", "orders"), ("staging.tfvars.json", "orders-staging")]
    (finding,) = _single_az(result)
    assert Path(finding.environment).name == "prod.tfvars"
    assert [Path(s.file).name for s in result.skipped] == ["network.tfvars"]
    assert str(root / "environments" / "prod.tfvars") in result.files
    staged = run_scan(root / "environments" / "prod.tfvars", loader_options={"file_context": True})
    assert [Path(f.environment).name for f in _single_az(staged)] == ["prod.tfvars"]


def test_resilint_zones_says_which_environment_a_resource_is_planned_in(tmp_path):
    from linter.engine import ScanOptions
    from linter.failure_domains.report import build_report, render_json, render_text

    root = _root(tmp_path / "app", prod_tfvars='name = "a"\nmulti_az = false\n', staging_tfvars='name = "b"\n')
    report = build_report([str(root)], ScanOptions())
    text = render_text(report)
    line = next(n for n, text in enumerate(DB.splitlines(), 1) if text.startswith('resource "aws_db_instance"'))
    assert f"aws_db_instance.db (RDS instance, Single-AZ)  [{root / 'main.tf'}:{line}, with -var-file " \
           f"{root / 'prod.tfvars'}]" in text
    stopped = [n for z in json.loads(render_json(report))["zones"] for n in z["stops_serving"]]
    assert [Path(n["environment"]).name for n in stopped] == ["prod.tfvars"]


def test_a_shared_variables_file_is_read_under_each_environment(tmp_path):
    """`common.tfvars` beside `prod.tfvars`: planned as `-var-file=common.tfvars
    -var-file=prod.tfvars`, so what only the shared file sets is no false alarm in prod."""
    root = _root(tmp_path / "app", common_tfvars='name = "orders"\nmulti_az = false\n',
                 prod_tfvars="multi_az = true\n", dev_tfvars='name = "orders-dev"\n')
    result = run_scan(root)
    assert _planned(result) == {"dev.tfvars": ("orders-dev", False), "prod.tfvars": ("orders", True)}
    (finding,) = _single_az(result)
    assert Path(finding.environment).name == "dev.tfvars" and f"{root / 'common.tfvars'}:2" in finding.message
    # alone, a shared file is the one environment there is
    only = _root(tmp_path / "solo", common_tfvars='name = "x"\nmulti_az = false\n')
    assert [Path(f.environment).name for f in _single_az(run_scan(only))] == ["common.tfvars"]


def test_a_baseline_written_before_environments_still_holds_their_findings(tmp_path):
    """A baseline from before a root was judged per environment file recorded its findings
    without the environment: each such entry still holds one of them."""
    from linter.engine import ScanOptions, scan

    root = _root(tmp_path / "app", prod_tfvars='name = "a"\nmulti_az = false\n')
    (finding,) = _single_az(scan([str(root)], ScanOptions(root=str(tmp_path))))
    from dataclasses import replace

    earlier = replace(finding, environment=None).fingerprint  # as a scan before environments fingerprinted it
    assert earlier != finding.fingerprint
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"findings": [{"fingerprint": earlier, "rule_id": "RES301", "count": 1}]}))
    result = scan([str(root)], ScanOptions(root=str(tmp_path), baseline=str(baseline)))
    (again,) = _single_az(result)
    assert again.suppressed and again.suppression_kind == "baseline"


def test_sarif_results_carry_their_environment(tmp_path):
    from linter.engine import ScanOptions, scan
    from linter.reporters import ReportSettings, render

    root = _root(tmp_path / "app", prod_tfvars='name = "a"\nmulti_az = false\n', dr_tfvars='name = "b"\nmulti_az = false\n')
    doc = json.loads(render("sarif", scan([str(root)], ScanOptions(root=str(tmp_path))), ReportSettings()))
    results = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "RES301"]
    assert sorted(r["properties"]["environment"] for r in results) == ["app/dr.tfvars", "app/prod.tfvars"]
    assert len({r["partialFingerprints"]["primaryLocationLineHash"] for r in results}) == 2


def test_verbose_lists_the_environments_judged(tmp_path):
    import subprocess
    import sys

    root = _root(tmp_path / "app", prod_tfvars='name = "a"\n', staging_tfvars='name = "b"\n')
    for command in ("scan", "zones"):
        done = subprocess.run([sys.executable, "-m", "linter", command, "app", "-v"], cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr
        assert [line for line in done.stderr.splitlines() if "judged with" in line] == [
            "resilint: judged with -var-file app/prod.tfvars", "resilint: judged with -var-file app/staging.tfvars"]


def test_environment_files_two_levels_below_the_root(tmp_path):
    """`env/prod/terraform.tfvars` (planned as `-var-file=env/prod/terraform.tfvars`) is an
    environment of the root above it; `env/prod/backend.tfvars` (a `-backend-config` file: none
    of its keys is a variable of the root) is not; three levels down is too far."""
    root = _root(tmp_path / "app")
    for env, multi_az in (("prod", "false"), ("staging", "true")):
        (root / "env" / env).mkdir(parents=True)
        (root / "env" / env / "terraform.tfvars").write_text(f'name = "{env}"\nmulti_az = {multi_az}\n')
        (root / "env" / env / "backend.tfvars").write_text(f'bucket = "state"\nkey = "{env}"\n')
    (root / "env" / "prod" / "deep").mkdir()
    (root / "env" / "prod" / "deep" / "x.tfvars").write_text('name = "deep"\n')
    result = run_scan(root, loader_options={"file_context": True})
    planned = sorted((r.meta["environment"].split("app/", 1)[1], r.attrs["identifier"]) for r in result.resources)
    assert planned == [("env/prod/terraform.tfvars", "prod"), ("env/staging/terraform.tfvars", "staging")]
    (finding,) = _single_az(result)
    assert finding.message.endswith("/env/prod/terraform.tfvars)")
    staged = run_scan(root / "env" / "prod" / "terraform.tfvars", loader_options={"file_context": True})
    assert [r.meta["environment"].split("app/", 1)[1] for r in staged.resources] == ["env/prod/terraform.tfvars"]
