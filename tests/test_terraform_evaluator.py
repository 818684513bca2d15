"""The Terraform evaluator on small modules: bad input, variables, modules, files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from linter.model import is_unknown
from linter.terraform import load_module_directory
from tests.conftest import corpus_dir, run_scan

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path | str = REPO):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "linter", "scan", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def load(tmp_path: Path, options: dict | None = None, **files: str):
    for name, text in files.items():
        path = tmp_path / name.replace("__", ".").replace("_SLASH_", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    resources, errors, unresolved = load_module_directory(tmp_path, options)
    return {r.address: r for r in resources}, errors, unresolved


def test_a_cycle_between_locals_is_unknown_not_a_crash(tmp_path):
    loaded, errors, _ = load(tmp_path, main__tf="""
locals {
  a = local.b
  b = local.a
}
resource "aws_db_instance" "x" {
  multi_az = local.a
}
""")
    assert errors == []
    assert is_unknown(loaded["aws_db_instance.x"].get("multi_az"))


def test_wrong_types_are_unknown(tmp_path):
    loaded, errors, _ = load(tmp_path, main__tf="""
resource "aws_db_instance" "x" {
  multi_az          = "yes" && true
  allocated_storage = {} + 1
  identifier        = ["a"][5]
}
""")
    assert errors == []
    db = loaded["aws_db_instance.x"]
    assert all(is_unknown(db.get(k)) for k in ("multi_az", "allocated_storage", "identifier"))


def test_deep_nesting_is_an_input_error_with_a_line(tmp_path):
    _, errors, _ = load(tmp_path, main__tf='resource "aws_db_instance" "x" {\n  tags = ' + "(" * 500 + "1" + ")" * 500 + "\n}\n")
    assert len(errors) == 1 and errors[0].line == 2 and "nested too deeply" in errors[0].message


@pytest.mark.parametrize("name,text,line", [
    ("main.tf", 'resource "a" "b" {\n  x = \n}\n', 2),
    ("main.tf.json", '{\n  "resource": {\n    "a": [\n}\n', 4),
])
def test_syntax_errors_have_file_and_line(tmp_path, name, text, line):
    (tmp_path / name).write_text(text)
    _, errors, _ = load_module_directory(tmp_path)
    assert [(Path(e.file).name, e.line) for e in errors] == [(name, line)]


def test_tfvars_syntax_error_has_file_and_line(tmp_path):
    _, errors, _ = load(tmp_path, main__tf='variable "x" {}\n', terraform__tfvars='x = "a"\ny = = 2\n')
    assert [(Path(e.file).name, e.line) for e in errors] == [("terraform.tfvars", 2)]


def test_variable_precedence_env_files_and_options(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_VAR_a", "env")
    monkeypatch.setenv("TF_VAR_b", "env")
    (tmp_path / "extra.tfvars").write_text('c = "extra"\nd = "extra"\n')
    options = {"terraform_variables": [("file", str(tmp_path / "extra.tfvars")), ("var", "d=cli")]}
    loaded, errors, _ = load(tmp_path, options, main__tf="""
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
resource "terraform_data" "v" {
  input = [var.a, var.b, var.c, var.d]
}
""", terraform__tfvars='b = "tfvars"\nc = "tfvars"\n')
    assert errors == []
    assert loaded["terraform_data.v"].get("input") == ["env", "tfvars", "extra", "cli"]


def test_modules_count_for_each_and_outputs(tmp_path):
    loaded, errors, unresolved = load(tmp_path, main__tf="""
module "db" {
  for_each = { eu = "eu-west-1a", us = "us-east-1a" }
  source   = "./db"
  zone     = each.value
}
module "off" {
  count  = 0
  source = "./db"
  zone   = "x"
}
module "remote" {
  source = "terraform-aws-modules/vpc/aws"
}
resource "aws_lb" "web" {
  subnets = [for m in module.db : m.subnet_id]
}
""", db_SLASH_main__tf="""
variable "zone" {}
resource "aws_subnet" "this" {
  availability_zone = var.zone
}
output "subnet_id" {
  value = aws_subnet.this.id
}
""")
    assert errors == []
    assert loaded['module.db["eu"].aws_subnet.this'].get("availability_zone") == "eu-west-1a"
    assert loaded['module.db["us"].aws_subnet.this'].get("availability_zone") == "us-east-1a"
    assert not any(a.startswith("module.off") for a in loaded)
    assert [u.address for u in unresolved] == ["module.remote"]
    assert loaded["module.remote"].type == "module"
    subnets = loaded["aws_lb.web"].get("subnets")
    assert [s.refs for s in subnets] == [('module.db["eu"].aws_subnet.this',), ('module.db["us"].aws_subnet.this',)]


def test_override_files_merge_as_terraform_merges(tmp_path):
    loaded, errors, _ = load(tmp_path, main__tf="""
resource "aws_db_instance" "x" {
  multi_az = false
  engine   = "postgres"
  ingress {
    port = 1
  }
}
""", override__tf="""
resource "aws_db_instance" "x" {
  multi_az = true
  ingress {
    port = 2
  }
}
""")
    assert errors == []
    db = loaded["aws_db_instance.x"]
    assert db.get("multi_az") is True and db.get("engine") == "postgres"
    assert [b["port"] for b in db.all("ingress")] == [2]


def test_duplicate_resource_across_files_names_both_places(tmp_path):
    _, errors, _ = load(tmp_path, a__tf='resource "aws_sqs_queue" "q" {}\n', b__tf='resource "aws_sqs_queue" "q" {}\n')
    assert len(errors) == 1
    assert errors[0].file.endswith("b.tf") and errors[0].line == 1
    assert "a.tf:1" in errors[0].message


def test_unresolved_modules_in_json_and_text(tmp_path):
    (tmp_path / "main.tf").write_text('module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n')
    proc = run_cli(str(tmp_path), "--format", "json")
    doc = json.loads(proc.stdout)
    assert [u["module"] for u in doc["unresolved_modules"]] == ["module.vpc"]
    assert "terraform init" in doc["unresolved_modules"][0]["hint"]
    text = run_cli(str(tmp_path)).stdout
    assert "module.vpc" in text and "terraform init" in text


_LOCAL_CALLS = {  # a local call `terraform init` cannot install: why it is not followed, in the call's terms
    "missing": ("../missing", "../missing is not a directory beside main.tf: `terraform init` stops here "
                "(Unreadable module directory)", "correct the call's `source` path"),
    "empty": ("../empty", "../empty holds no .tf or .tf.json file: an empty module, from which Terraform "
              "creates nothing", "point the call's `source` at the module's directory"),
    "itself": ("./", "./ is a module this call is already inside: Terraform's `init` recurses without end",
               "break the cycle of module calls"),
    "broken": ("../broken", "../broken does not load (see its errors)", "fix the errors in the module's files"),
}


def _local_calls(tmp_path: Path, case: str) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("no module here\n")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "main.tf").write_text('resource "terraform_data" "x" {\n')
    (root / "main.tf").write_text(f'module "{case}" {{\n  source = "{_LOCAL_CALLS[case][0]}"\n}}\n')
    return root


@pytest.mark.parametrize("case", sorted(_LOCAL_CALLS))
def test_a_local_call_not_followed_says_why_not_terraform_init(tmp_path, case):
    # `run terraform init` is advice only for what init installs: for a local source
    # it changes nothing, so the report says what is wrong with the call itself
    root = _local_calls(tmp_path, case)
    doc = json.loads(run_cli(".", "--format", "json", cwd=root).stdout)
    source, reason, hint = _LOCAL_CALLS[case]
    assert doc["unresolved_modules"] == [{"module": f"module.{case}", "source": source, "file": "main.tf",
                                          "line": 1, "reason": reason, "hint": hint}]
    assert f"main.tf:1: module.{case} (source {source}): {reason}" in run_cli(".", cwd=root).stdout


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
@pytest.mark.parametrize("case", ["missing", "empty"])
def test_terraform_init_agrees_on_a_local_call_not_followed(tmp_path, case):
    # the oracle: init stops on a missing directory and takes an empty one as a module of nothing
    root = _local_calls(tmp_path, case)
    init = subprocess.run(["terraform", "init", "-input=false", "-backend=false"], cwd=root, capture_output=True,
                          text=True, env={**os.environ, "TF_IN_AUTOMATION": "1", "NO_COLOR": "1"})
    if case == "missing":
        assert init.returncode != 0 and "Unreadable module directory" in init.stdout + init.stderr
    else:
        assert init.returncode == 0, init.stdout + init.stderr
        plan = subprocess.run(["terraform", "plan", "-input=false", "-no-color"], cwd=root, capture_output=True,
                              text=True)
        assert plan.returncode == 0 and "No changes" in plan.stdout, plan.stdout + plan.stderr


def test_an_example_flattened_away_from_its_module_is_said_to_call_an_empty_module():
    # the corpus keeps examples without the module two levels up: `../../` is the corpus folder
    result = run_scan(corpus_dir("terraform-hcl") / "tam-sqs__examples_complete")
    reasons = {u["module"]: u.get("reason") for u in result.unresolved_modules}
    assert reasons["module.default_sqs"] == "../../ holds no .tf or .tf.json file: an empty module, " \
                                            "from which Terraform creates nothing"


def test_var_file_and_var_on_the_command_line(tmp_path):
    (tmp_path / "main.tf").write_text("""
variable "multi_az" {
  type    = bool
  default = true
}
resource "aws_db_instance" "x" {
  engine   = "postgres"
  multi_az = var.multi_az
}
""")
    (tmp_path / "prod.tfvars").write_text("\n\nmulti_az = false\n")
    proc = run_cli(str(tmp_path), "--select", "RES301", "--var-file", str(tmp_path / "prod.tfvars"), "-f", "json")
    (finding,) = json.loads(proc.stdout)["findings"]
    assert "multi_az = false (var.multi_az, " in finding["message"] and "prod.tfvars:3)" in finding["message"]
    proc = run_cli(str(tmp_path), "--select", "RES301", "--var-file", str(tmp_path / "prod.tfvars"),
                   "--var", "multi_az=true", "-f", "json")
    assert json.loads(proc.stdout)["findings"] == []


def test_a_var_file_in_an_environments_directory_is_used_not_skipped(tmp_path):
    # env/dev.tfvars and env/prod.tfvars: no module beside them; the one --var-file
    # names is read with the root, the other is skipped (and says why)
    (tmp_path / "main.tf").write_text('variable "multi_az" { type = bool }\n'
                                      'resource "aws_db_instance" "x" {\n  engine = "postgres"\n  multi_az = var.multi_az\n}\n')
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "dev.tfvars").write_text("multi_az = false\n")
    (tmp_path / "env" / "prod.tfvars").write_text("multi_az = true\n")
    proc = run_cli(".", "--select", "RES301", "--var-file", "env/dev.tfvars", "--verbose", cwd=tmp_path)
    assert "set at env/dev.tfvars:1" in proc.stdout
    skipped = [line for line in proc.stderr.splitlines() if "skipped" in line]
    assert skipped == ["resilint: skipped env/prod.tfvars: Terraform variables with no module (.tf files) in their "
                       "directory: judged only given to a module (`resilint scan MODULE --var-file FILE`)"]
    assert "skipped 1 file(s)" in proc.stdout + proc.stderr


def test_var_files_from_the_config_file(tmp_path):
    (tmp_path / "main.tf").write_text('variable "multi_az" {\n  default = true\n}\n'
                                      'resource "aws_db_instance" "x" {\n  engine = "postgres"\n  multi_az = var.multi_az\n}\n')
    (tmp_path / "prod.tfvars").write_text("multi_az = false\n")
    (tmp_path / ".resilint.yaml").write_text("terraform:\n  var_files: [prod.tfvars]\n")
    proc = run_cli(".", "--select", "RES301", "-f", "json", cwd=tmp_path)
    assert len(json.loads(proc.stdout)["findings"]) == 1


def modules_corpus_directories() -> list[Path]:
    root = corpus_dir("terraform-modules")
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if any(f.endswith(".tf") for f in filenames):
            out.append(Path(dirpath))
    return out


def test_every_real_module_directory_loads_without_input_errors():
    directories = modules_corpus_directories()
    assert len(directories) > 50
    for directory in directories:
        _, errors, _ = load_module_directory(directory)
        assert errors == [], (directory, [str(e) for e in errors])


def test_a_value_its_type_rejects_is_unknown_never_a_default(tmp_path):
    # terraform plan refuses `multi_az = "maybe"` for a bool and a server missing its
    # required `name`: nothing is planned, so nothing may be judged (and no optional()
    # default may stand in for the rejected value)
    loaded, errors, _ = load(tmp_path, main__tf="""
variable "db" {
  type    = object({ name = string, multi_az = optional(bool, false) })
  default = { multi_az = true }
}
variable "flag" {
  type    = bool
  default = "maybe"
}
resource "aws_db_instance" "a" {
  multi_az = var.db.multi_az
}
resource "aws_db_instance" "b" {
  multi_az = var.flag
}
""")
    assert errors == []
    assert is_unknown(loaded["aws_db_instance.a"].get("multi_az"))
    assert is_unknown(loaded["aws_db_instance.b"].get("multi_az"))


def test_optional_default_reaches_a_rule_with_its_origin(tmp_path):
    # RES301 on a default that only optional() supplies: the finding says it came
    # from the variable
    (tmp_path / "main.tf").write_text("""
variable "db" {
  type = object({
    engine   = string
    multi_az = optional(bool, false)
  })
  default = { engine = "postgres" }
}
resource "aws_db_instance" "x" {
  engine   = var.db.engine
  multi_az = var.db.multi_az
}
""")
    proc = run_cli(str(tmp_path), "--select", "RES301", "-f", "json")
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["line"] == 11
    proc = run_cli(str(tmp_path), "--select", "RES301", "-f", "json", "--var", 'db={engine = "postgres", multi_az = true}')
    assert json.loads(proc.stdout)["findings"] == []


def test_logic_on_a_value_known_after_apply_is_unknown_and_silent(tmp_path):
    # terraform 1.11 plans `false && <unknown>` as unknown (the plan oracle's
    # logic_with_unknowns case): RES301 must not fire on it, on either side
    (tmp_path / "main.tf").write_text("""
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_db_instance" "a" {
  engine   = "postgres"
  multi_az = false && aws_vpc.v.id == ""
}
resource "aws_db_instance" "b" {
  engine   = "postgres"
  multi_az = aws_vpc.v.arn != "" && false
}
resource "aws_db_instance" "c" {
  engine   = "postgres"
  multi_az = false && true
}
""")
    proc = run_cli(str(tmp_path), "--select", "RES301", "-f", "json")
    assert [f["resource"] for f in json.loads(proc.stdout)["findings"]] == ["aws_db_instance.c"]


def test_tf_json_nested_blocks_and_keys_keep_their_lines(tmp_path):
    # the resource is named like a string value written before it ("web"), nested
    # blocks come as an object, as a list, and from a dynamic block's content
    (tmp_path / "main.tf.json").write_text("""{
  "locals": {"pool": "web"},
  "resource": {
    "azurerm_kubernetes_cluster": {
      "web": {
        "name": "web",
        "location": "westeurope",
        "default_node_pool": {
          "name": "system",
          "vm_size": "Standard_D2s_v3",
          "node_count": 1,
          "zones": ["1", "2", "3"]
        }
      }
    },
    "azurerm_kubernetes_cluster_node_pool": {
      "user": [{
        "name": "user",
        "kubernetes_cluster_id": "${azurerm_kubernetes_cluster.web.id}",
        "vm_size": "Standard_D2s_v3",
        "zones": ["1", "2"],
        "node_count": 3
      }]
    }
  }
}
""")
    loaded, errors, _ = load(tmp_path)
    assert errors == []
    cluster = loaded["azurerm_kubernetes_cluster.web"]
    assert cluster.location.line == 5
    assert cluster.line_for("default_node_pool.0.node_count") == 11
    assert cluster.line_for("default_node_pool.zones") == 12
    assert loaded["azurerm_kubernetes_cluster_node_pool.user"].location.line == 17
    assert loaded["azurerm_kubernetes_cluster_node_pool.user"].line_for("node_count") == 22
    proc = run_cli(str(tmp_path), "--select", "RES114", "-f", "json")
    assert [(f["resource"], f["line"]) for f in json.loads(proc.stdout)["findings"]] == \
        [("azurerm_kubernetes_cluster.web", 11)]


def test_keys_inside_object_values_keep_their_lines(tmp_path):
    # a finding about a key of a literal object (azapi body, kubernetes_manifest) points
    # at that key; through a local it stays on the attribute (the object is written elsewhere)
    loaded, errors, _ = load(tmp_path, main__tf="""
locals {
  body = { sku = { name = "Standard_LRS" } }
}
resource "azapi_resource" "a" {
  type = "Microsoft.Storage/storageAccounts@2023-05-01"
  body = {
    kind = "StorageV2"
    sku = {
      name = "Standard_LRS"
    }
    properties = {
      networkAcls = [
        { defaultAction = "Allow" },
        {
          defaultAction = "Deny"
        },
      ]
    }
  }
}
resource "azapi_resource" "b" {
  type = "Microsoft.Storage/storageAccounts@2023-05-01"
  body = local.body
}
""")
    assert errors == []
    a = loaded["azapi_resource.a"]
    assert a.line_for("body.sku.name") == 10
    assert a.line_for("body.properties.networkAcls.0.defaultAction") == 14
    assert a.line_for("body.properties.networkAcls.1.defaultAction") == 16
    assert a.line_for("body.properties.missing") == 12  # its closest written ancestor
    assert loaded["azapi_resource.b"].line_for("body.sku.name") == 24


def test_a_kubernetes_manifest_finding_points_at_the_key(tmp_path):
    # fixtures/RES101/fail-rollout-replicas-one.tf (generated): "replicas" = 1 is on line 10
    from tests.conftest import FIXTURES, run_scan

    (finding,) = [f for f in run_scan(FIXTURES / "RES101" / "fail-rollout-replicas-one.tf").findings
                  if f.rule_id == "RES101"]
    assert finding.line == 10


def test_a_tfvars_json_value_is_located_at_its_key(tmp_path):
    # "multi_az" written first as a string value, then as the key that sets the variable
    (tmp_path / "main.tf").write_text('variable "note" {}\nvariable "multi_az" {\n  default = true\n}\n'
                                      'resource "aws_db_instance" "x" {\n  engine   = "postgres"\n'
                                      '  multi_az = var.multi_az\n}\n')
    (tmp_path / "terraform.tfvars.json").write_text('{\n  "note": "multi_az",\n  "multi_az": false\n}\n')
    proc = run_cli(str(tmp_path), "--select", "RES301", "-f", "json")
    (finding,) = json.loads(proc.stdout)["findings"]
    assert "terraform.tfvars.json:3)" in finding["message"]


def test_an_attribute_that_names_no_instance_is_evaluated_once_per_block(tmp_path, monkeypatch):
    """`policy` mentions no count/each/self: one evaluation serves the three instances
    (as a local's does); `name` mentions count.index: one per instance. The values are
    those each instance would compute."""
    from linter.terraform.expressions import Evaluator

    calls: list[str] = []
    evaluate = Evaluator.evaluate

    def counting(self, node, scope):
        if node[0] == "call":
            calls.append(node[1])
        return evaluate(self, node, scope)

    monkeypatch.setattr(Evaluator, "evaluate", counting)
    loaded, errors, _ = load(tmp_path, main__tf="""
variable "n" { default = 5 }
resource "aws_sqs_queue" "q" {
  count  = 3
  name   = format("q-%d", count.index)
  policy = jsonencode({ maxReceiveCount = var.n })
}
""")
    assert not errors
    assert calls.count("jsonencode") == 1 and calls.count("format") == 3
    assert [loaded[f"aws_sqs_queue.q[{i}]"].attrs["name"] for i in range(3)] == ["q-0", "q-1", "q-2"]
    assert {loaded[f"aws_sqs_queue.q[{i}]"].attrs["policy"] for i in range(3)} == {'{"maxReceiveCount":5}'}


CYCLES = {
    "through another instance": """
resource "aws_sqs_queue" "q" {
  count = 2
  name  = aws_sqs_queue.q[1].name
  tags  = { peer = aws_sqs_queue.q[0].name }
}
""",
    "through a local": """
locals { n = aws_sqs_queue.q["b"].name }
resource "aws_sqs_queue" "q" {
  for_each = toset(["a", "b"])
  name     = local.n
  policy   = jsonencode({ n = local.n, k = each.key })
}
""",
    "between two blocks": """
resource "aws_sqs_queue" "a" {
  count = 2
  name  = aws_sqs_queue.b[0].name
}
resource "aws_sqs_queue" "b" {
  count = 2
  name  = aws_sqs_queue.a[1].name
}
""",
}


@pytest.mark.parametrize("case", sorted(CYCLES))
def test_sharing_a_value_between_instances_changes_nothing(case, tmp_path, monkeypatch):
    """Each instance evaluating every attribute itself (sharing off) gives the same
    resources, also where a cycle makes a value depend on where it was asked from."""
    import linter.terraform.modules as modules

    def view(loaded, directory):
        # the messages' origins name the file where a value was set: the directory differs
        return {a: (repr(r.attrs), r.refs, repr(r.meta).replace(str(directory), "DIR")) for a, r in loaded.items()}

    shared, errors, _ = load(tmp_path / "shared", main__tf=CYCLES[case])
    scan_expr = modules._scan_expr
    monkeypatch.setattr(modules, "_scan_expr", lambda node, declared, named: scan_expr(node, declared, named) or True)
    alone, errors_alone, _ = load(tmp_path / "alone", main__tf=CYCLES[case])
    assert [str(e) for e in errors] == [str(e) for e in errors_alone]
    assert view(shared, tmp_path / "shared") == view(alone, tmp_path / "alone")


@pytest.mark.parametrize("key", ["eu", "a b", "", "é", 'a"b', "a\\b", "\x01", "\x7f", "\u2028", "\ud800", "日本"])
def test_an_instance_key_is_written_as_json_writes_it(key):
    from linter.terraform.expressions import instance_key

    assert instance_key(key) == "[" + json.dumps(key, ensure_ascii=False) + "]"


WORKSPACE_ROOT = """
locals {
  env = {
    default = { multi_az = false }
    prod    = { multi_az = true }
  }
}
resource "aws_db_instance" "db" {
  engine   = "postgres"
  multi_az = local.env[terraform.workspace].multi_az
}
"""


@pytest.mark.parametrize("selected, env, fires", [
    (None, {}, True),  # a fresh checkout: the default workspace
    ("prod", {}, False),  # `terraform workspace select prod` wrote .terraform/environment
    ("prod", {"TF_WORKSPACE": "default"}, True),  # the variable wins over the file, as in Terraform
])
def test_terraform_workspace_is_the_one_terraform_would_use(tmp_path, selected, env, fires):
    (tmp_path / "main.tf").write_text(WORKSPACE_ROOT)
    if selected:
        (tmp_path / ".terraform").mkdir()
        (tmp_path / ".terraform" / "environment").write_text(selected)
    proc = subprocess.run([sys.executable, "-m", "linter", "scan", ".", "--select", "RES301", "--format", "json"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**{k: v for k, v in os.environ.items() if k not in ("TF_WORKSPACE", "TF_DATA_DIR")},
                               "PYTHONPATH": str(REPO), **env})
    assert len(json.loads(proc.stdout)["findings"]) == (1 if fires else 0), proc.stdout


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_terraform_workspace_agrees_with_terraform_console(tmp_path):
    """The oracle: `terraform workspace new prod` (offline, no provider) then `terraform
    console` says which workspace `terraform.workspace` is; so does current_workspace."""
    from linter.terraform.modules import current_workspace

    (tmp_path / "main.tf").write_text('locals {\n  w = terraform.workspace\n}\n')
    env = {**{k: v for k, v in os.environ.items() if k not in ("TF_WORKSPACE", "TF_DATA_DIR")},
           "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"}
    for command in (["init", "-input=false"], ["workspace", "new", "prod"]):
        done = subprocess.run(["terraform", *command], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr
    asked = subprocess.run(["terraform", "console"], input="terraform.workspace\n", cwd=tmp_path, capture_output=True,
                           text=True, timeout=120, env=env)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout) == "prod"
    assert current_workspace(tmp_path) == "prod"


def test_a_finding_on_a_block_of_unknown_count_says_it_was_judged_once(tmp_path):
    """An unknown count is judged once as a template: the finding says so, and on what the count waits."""
    (tmp_path / "main.tf").write_text(
        'variable "create" {\n  type = bool\n}\n\n'
        'resource "aws_db_instance" "db" {\n  count          = var.create ? 1 : 0\n  engine         = "postgres"\n'
        '  instance_class = "db.t3.micro"\n  multi_az       = false\n}\n')
    (finding,) = [f for f in run_scan(tmp_path).findings if f.rule_id == "RES301"]
    assert "its count is not known (it depends on var.create): judged as one instance, if any is created" \
        in finding.notes
    (tmp_path / "terraform.tfvars").write_text("create = true\n")
    (finding,) = [f for f in run_scan(tmp_path).findings if f.rule_id == "RES301"]
    assert not [n for n in finding.notes if "not known" in n]


def test_a_setting_looked_up_beside_a_reference_is_known(tmp_path):
    """`lookup(each.value, "multi_az", false)` where each.value also holds a resource's id:
    terraform returns the key's value (or the default) whatever the other values hold.
    Before, the whole lookup was unknown, and a single-zone database was not reported."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_db_subnet_group" "db" {\n  name       = "db"\n  subnet_ids = ["subnet-1", "subnet-2"]\n}\n\n'
        'locals {\n  databases = {\n'
        '    orders = { subnet_group = aws_db_subnet_group.db.id, multi_az = false }\n'
        '    ledger = { subnet_group = aws_db_subnet_group.db.id }\n'
        '    audit  = { subnet_group = aws_db_subnet_group.db.id, multi_az = aws_db_subnet_group.db.arn != "" }\n'
        '  }\n}\n\n'
        'resource "aws_db_instance" "db" {\n  for_each             = local.databases\n  engine               = "postgres"\n'
        '  instance_class       = "db.t3.micro"\n  db_subnet_group_name = each.value.subnet_group\n'
        '  multi_az             = lookup(each.value, "multi_az", false)\n}\n')
    fired = sorted(f.resource for f in run_scan(tmp_path).findings if f.rule_id == "RES301")
    # audit's multi_az is unknown (it waits for the subnet group): not judged
    assert fired == ['aws_db_instance.db["ledger"]', 'aws_db_instance.db["orders"]']


def _module_of_unknown_count(tmp_path, count: str) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "main.tf").write_text(
        'variable "multi_az" {\n  type    = bool\n  default = false\n}\n\n'
        'variable "index" {\n  type    = number\n  default = 0\n}\n\n'
        'resource "aws_db_instance" "db" {\n  engine         = "postgres"\n  instance_class = "db.t3.micro"\n'
        '  multi_az       = var.multi_az\n  identifier     = "db-${var.index}"\n}\n\n'
        'output "multi_az" {\n  value = var.multi_az\n}\n')
    (tmp_path / "main.tf").write_text(
        'data "aws_availability_zones" "available" {}\n\n'
        f'module "db" {{\n  source = "./db"\n  count  = {count}\n  index  = count.index\n}}\n\n'
        'resource "aws_db_instance" "copy" {\n  engine         = "postgres"\n  instance_class = "db.t3.micro"\n'
        '  multi_az       = module.db[0].multi_az\n}\n')


def test_a_module_call_of_unknown_count_is_judged_once(tmp_path):
    """`count = length(data...) > 1 ? 1 : 0`: terraform knows it at plan (it reads the data
    source), resilint does not. Before, the call was not followed at all and its resources
    were silently not judged; now its contents are judged once, as a resource block of
    unknown count is, and the finding says so. What depends on count.index is unknown, and
    so are references to the call's outputs (which instances there are is not known)."""
    _module_of_unknown_count(tmp_path, "length(data.aws_availability_zones.available.names) > 1 ? 1 : 0")
    result = run_scan(tmp_path)
    assert result.errors == []
    (finding,) = [f for f in result.findings if f.rule_id == "RES301"]
    assert finding.resource == "module.db.aws_db_instance.db" and finding.file.endswith("db/main.tf")
    assert ("the count of module.db is not known (it depends on data.aws_availability_zones.available): judged as "
            "one instance of it, if any is created") in finding.notes
    (db,) = [r for r in result.resources if r.address == "module.db.aws_db_instance.db"]
    assert is_unknown(db.attrs["identifier"])  # "db-${count.index}"
    assert not [r for r in result.resources if r.type == "module"]  # followed: no call left unread


def test_a_module_call_of_unknown_count_that_is_zero_whatever_it_depends_on_has_nothing(tmp_path):
    _module_of_unknown_count(tmp_path, "length(data.aws_availability_zones.available.names) > 1 && false ? 1 : 0")
    result = run_scan(tmp_path)
    assert result.errors == [] and not [f for f in result.findings if f.rule_id == "RES301"]
    assert not [r for r in result.resources if r.address.startswith("module.db")]


def test_for_each_over_a_resource_is_judged_once_not_refused(tmp_path):
    """`for_each = aws_s3_bucket.logs` iterates the instance's attributes, which only its
    provider's schema names: terraform plans it; before, resilint refused it as an input
    error (exit 2). It is now a block of unknown for_each, judged once."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n\n'
        'resource "aws_db_instance" "db" {\n  for_each       = aws_sqs_queue.jobs\n  engine         = "postgres"\n'
        '  instance_class = "db.t3.micro"\n  multi_az       = false\n}\n')
    result = run_scan(tmp_path)
    assert result.errors == []
    (finding,) = [f for f in result.findings if f.rule_id == "RES301"]
    assert finding.resource == "aws_db_instance.db"
    assert "its for_each is not known (it depends on aws_sqs_queue.jobs): judged as one instance, if any is " \
           "created" in finding.notes
