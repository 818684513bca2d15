"""OpenTofu configurations: `.tofu` and `.tofu.json` files are read as OpenTofu reads them.

OpenTofu reads a module directory's `.tf`, `.tf.json`, `.tofu` and `.tofu.json` files,
and where `x.tofu` sits beside `x.tf` (or `x.tofu.json` beside `x.tf.json`) it reads only
the `.tofu` one: a module can carry an OpenTofu variant of a file that Terraform, which
ignores `.tofu` files, reads in its stead.
"""

from __future__ import annotations

import json
from pathlib import Path

from linter.cli import main
from tests.conftest import ids, run_scan

ONE_INSTANCE = """\
resource "aws_autoscaling_group" "web" {
  min_size            = 1
  max_size            = 1
  vpc_zone_identifier = ["subnet-a", "subnet-b"]
}
"""
THREE_INSTANCES = ONE_INSTANCE.replace("= 1", "= 3")


def _write(directory: Path, **files: str) -> Path:
    for name, text in files.items():
        path = directory / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def _findings(directory: Path) -> list[tuple[str, str, int]]:
    result = run_scan(directory)
    assert result.errors == []
    return [(f.rule_id, Path(f.file).name, f.line) for f in result.findings]


def test_a_tofu_file_is_read_as_the_modules_configuration(tmp_path):
    assert _findings(_write(tmp_path, **{"main.tofu": ONE_INSTANCE})) == [("RES104", "main.tofu", 3)]


def test_a_good_tofu_file_is_silent_and_an_unknown_one_is_not_judged(tmp_path):
    _write(tmp_path / "good", **{"main.tofu": THREE_INSTANCES})
    unknown = ONE_INSTANCE.replace("max_size            = 1", "max_size            = var.max")
    _write(tmp_path / "unknown", **{"main.tofu": 'variable "max" { type = number }\n' + unknown})
    assert _findings(tmp_path / "good") == []
    assert _findings(tmp_path / "unknown") == []


def test_a_tofu_file_is_read_in_place_of_the_tf_file_of_its_name(tmp_path):
    _write(tmp_path / "tofu-says-one", **{"main.tf": THREE_INSTANCES, "main.tofu": ONE_INSTANCE})
    _write(tmp_path / "tofu-says-three", **{"main.tf": ONE_INSTANCE, "main.tofu": THREE_INSTANCES})
    assert _findings(tmp_path / "tofu-says-one") == [("RES104", "main.tofu", 3)]
    # the `.tf` twin is not OpenTofu's: its one instance is not judged, and the same
    # resource declared in both is not a duplicate
    assert _findings(tmp_path / "tofu-says-three") == []


def test_json_files_are_shadowed_by_their_own_kind_only(tmp_path):
    as_json = json.dumps({"resource": {"aws_autoscaling_group": {"web": {
        "min_size": 1, "max_size": 1, "vpc_zone_identifier": ["subnet-a", "subnet-b"]}}}})
    _write(tmp_path / "json", **{"asg.tf.json": as_json.replace(": 1", ": 3"), "asg.tofu.json": as_json})
    assert _findings(tmp_path / "json") == [("RES104", "asg.tofu.json", 1)]
    # `asg.tofu` is no twin of `asg.tf.json`: both are read, and declare the group twice
    _write(tmp_path / "mixed", **{"asg.tf.json": as_json, "asg.tofu": THREE_INSTANCES})
    result = run_scan(tmp_path / "mixed")
    assert any("duplicate resource: aws_autoscaling_group.web" in e.message for e in result.errors), \
        result.errors


def test_override_files_of_either_kind_override(tmp_path):
    override = 'resource "aws_autoscaling_group" "web" {\n  max_size = 1\n  min_size = 1\n}\n'
    _write(tmp_path, **{"main.tofu": THREE_INSTANCES, "override.tofu": override})
    assert _findings(tmp_path) == [("RES104", "override.tofu", 2)]


def test_a_local_module_written_for_opentofu_is_followed(tmp_path):
    _write(tmp_path, **{
        "main.tf": 'module "web" {\n  source = "./modules/asg"\n  size   = 1\n}\n',
        "modules__asg__main.tofu": 'variable "size" { type = number }\n'
                                   + ONE_INSTANCE.replace("= 1", "= var.size"),
    })
    result = run_scan(tmp_path)
    assert result.errors == []
    assert ids(result) == ["RES104"]
    assert result.findings[0].resource.endswith("module.web.aws_autoscaling_group.web")


EARLY_SOURCE = """\
variable "flavour" {
  type = string
}
locals {
  modules = "./modules"
}
module "web" {
  source = "${local.modules}/${var.flavour}"
  size   = 1
}
"""
SIZED = 'variable "size" {\n  type    = number\n  default = 1\n}\n' + ONE_INSTANCE.replace("= 1", "= var.size")


def test_a_module_source_of_variables_and_locals_is_followed_as_opentofu_evaluates_it(tmp_path):
    """OpenTofu (1.8+) evaluates a call's `source` from variables and locals before anything
    else: the call reads `modules/small`, whose group is judged in the call and not again as
    a root of its own; `modules/large`, which no call reads, is a root."""
    _write(tmp_path, **{"main.tofu": EARLY_SOURCE.replace("type = string", 'type    = string\n  default = "small"'),
                        "modules__small__main.tofu": SIZED, "modules__large__main.tofu": SIZED})
    result = run_scan(tmp_path)
    assert result.errors == [] and result.unresolved_modules == []
    assert sorted((f.rule_id, f.resource, Path(f.file).parent.name) for f in result.findings) == [
        ("RES104", "aws_autoscaling_group.web", "large"), ("RES104", "module.web.aws_autoscaling_group.web", "small")]


def test_a_module_source_not_known_before_planning_is_not_followed(tmp_path):
    """With no value for the variable its source names, the call cannot be followed: a note,
    and the module directory judged as the root it then is."""
    _write(tmp_path, **{"main.tofu": EARLY_SOURCE, "modules__small__main.tofu": SIZED})
    result = run_scan(tmp_path)
    assert result.errors == []
    assert [(call["module"], call.get("source")) for call in result.unresolved_modules] == [("module.web", None)]
    assert [(f.rule_id, f.resource) for f in result.findings] == [("RES104", "aws_autoscaling_group.web")]


def test_a_staged_tofu_file_brings_its_module(tmp_path, capsys):
    _write(tmp_path, **{"variables.tofu": 'variable "size" {\n  default = 1\n}\n',
                        "main.tofu": ONE_INSTANCE.replace("= 1", "= var.size")})
    assert main(["scan", str(tmp_path / "variables.tofu"), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["rule_id"], Path(f["file"]).name) for f in report["findings"]] == [("RES104", "main.tofu")]


def test_an_inline_suppression_in_a_tofu_file_is_read(tmp_path):
    suppressed = "# resilint:ignore RES104 a batch worker\n" + ONE_INSTANCE
    _write(tmp_path, **{"main.tofu": suppressed})
    result = run_scan(tmp_path)
    assert [(f.rule_id, f.suppressed) for f in result.findings] == [("RES104", True)]


def test_a_plan_beside_an_opentofu_root_points_at_its_tofu_files(tmp_path):
    """`tofu show -json` writes the plan format Terraform does; its resources are found
    in the `.tofu` files OpenTofu read, not in the `.tf` twins it did not."""
    from linter.loaders import load_paths
    from tests.test_tfplan_loader import _tf_tree

    doc = _tf_tree(tmp_path)
    for tf in (tmp_path / "main.tf", tmp_path / "modules" / "db" / "main.tf"):
        tf.rename(tf.with_suffix(".tofu"))
        tf.write_text("\n\n\n" + tf.with_suffix(".tofu").read_text())  # Terraform's copy, lines apart
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    loaded = {r.address: r for r in load_paths([str(tmp_path / "plan.json")]).resources if r.source_format == "tfplan"}
    group, db = loaded["aws_db_subnet_group.main"], loaded["module.db.aws_db_instance.main[0]"]
    assert (Path(group.location.file).name, group.location.line) == ("main.tofu", 5)
    assert (Path(db.location.file).relative_to(tmp_path), db.location.line) == (Path("modules/db/main.tofu"), 5)
    assert db.line_for("multi_az") == 8


def test_a_terragrunt_unit_plans_a_module_written_for_opentofu(tmp_path):
    """Terragrunt runs OpenTofu by default: a unit's module may hold only `.tofu` files."""
    _write(tmp_path, **{
        "modules__asg__main.tofu": 'variable "size" { type = number }\n' + ONE_INSTANCE.replace("= 1", "= var.size"),
        "live__prod__terragrunt.hcl": 'terraform {\n  source = "../../modules/asg"\n}\ninputs = {\n  size = 1\n}\n',
    })
    result = run_scan(tmp_path / "live")
    assert result.errors == []
    assert [(f.rule_id, Path(f.file).name, f.line) for f in result.findings] == [("RES104", "main.tofu", 4)]
    assert "terragrunt" in result.findings[0].message


def _enabled(value: str) -> str:
    return ONE_INSTANCE.replace("  min_size", f"  lifecycle {{\n    enabled = {value}\n  }}\n  min_size", 1)


def test_a_block_lifecycle_enabled_leaves_out_is_not_judged(tmp_path):
    """OpenTofu 1.11's `lifecycle { enabled }`: one instance, or none; one whose say is not
    known is judged as one, with a note; one that is false whatever the unknown (`&& false`),
    not at all."""
    variables = 'variable "on" {\n  type    = bool\n  default = false\n}\nvariable "unset" {\n  type = bool\n}\n'
    for name, value in [("off", "var.on"), ("on", "!var.on"), ("unknown", "var.unset"),
                        ("never", "var.unset && false"), ("text", '"true"')]:
        _write(tmp_path / name, **{"main.tofu": variables + _enabled(value)})
    found = {name: [(f.rule_id, f.resource, f.line, [n for n in f.notes if "enabled" in n])
                    for f in run_scan(tmp_path / name).findings]
             for name in ("off", "on", "unknown", "never", "text")}
    line = next(n for n, text in enumerate((variables + _enabled("x")).splitlines(), 1) if "max_size" in text)
    assert found == {
        "off": [], "never": [],
        "on": [("RES104", "aws_autoscaling_group.web", line, [])],
        "text": [("RES104", "aws_autoscaling_group.web", line, [])],
        "unknown": [("RES104", "aws_autoscaling_group.web", line, [
            "its lifecycle.enabled is not known (it depends on var.unset): judged as one instance, if any is created"])],
    }


def test_a_module_call_lifecycle_enabled_leaves_out_plans_nothing(tmp_path):
    call = 'module "web" {\n  source = "./modules/asg"\n  lifecycle {\n    enabled = %s\n  }\n}\n'
    for name, value in [("off", "false"), ("on", "true")]:
        _write(tmp_path / name, **{"main.tofu": call % value, "modules__asg__main.tofu": ONE_INSTANCE})
    assert [f.resource for f in run_scan(tmp_path / "off").findings] == []
    assert [f.resource for f in run_scan(tmp_path / "on").findings] == ["module.web.aws_autoscaling_group.web"]


def test_a_lifecycle_enabled_that_is_no_boolean_is_an_error_at_its_line(tmp_path):
    """OpenTofu refuses it, as Terraform refuses `count = -1` (the block is then judged as one
    whose count is not known, as such a count's is)."""
    _write(tmp_path, **{"main.tofu": _enabled("3")})
    assert [(Path(e.file).name, e.line, e.message) for e in run_scan(tmp_path).errors] == [
        ("main.tofu", 3, "lifecycle.enabled must be true or false, got 3")]
