"""`python3 -m linter.scaffold` writes a rule, its docs and fixture stubs; once
the stubs are filled, the new rule passes the fixture-coverage and docs tests
(run in a temporary copy of the checkout, never in this one)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from linter.scaffold import FactRowError, add_fact, fact_row
from tests.conftest import REPO

RULE = "RES599"
FILLED = {
    # what a rule author writes into the stubs the scaffold made
    "fail-todo.tf": 'resource "aws_sqs_queue" "example" {\n  fifo_queue = false\n}\n',
    "pass-todo.tf": 'resource "aws_sqs_queue" "example" {\n  fifo_queue = true\n}\n',
    "unknown-todo.tf": 'variable "fifo" {}\nresource "aws_sqs_queue" "example" {\n  fifo_queue = var.fifo\n}\n',
}


def copy_checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    for name in ("linter", "docs", "tests"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "fixtures").mkdir()
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def run(root: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy's linter, not the installed one
    return subprocess.run([sys.executable, *argv], cwd=root, capture_output=True, text=True, env=env)


def plan(value: object, unknown: bool = False, rtype: str = "aws_sqs_queue", attribute: str = "fifo_queue",
         fixed: dict | None = None) -> str:
    """A one-resource plan whose `attribute` is `value`, or unknown (from var.x)."""
    resource = {"address": f"{rtype}.example", "mode": "managed", "type": rtype,
                "name": "example", "provider_name": "registry.terraform.io/hashicorp/aws"}
    fixed = fixed or {}
    after = {**fixed} if unknown else {**fixed, attribute: value}
    expression = {"references": ["var.x"]} if unknown else {"constant_value": value}
    expressions = {**{k: {"constant_value": v} for k, v in fixed.items()}, attribute: expression}
    return json.dumps({
        "format_version": "1.2", "terraform_version": "1.11.0",
        "planned_values": {"root_module": {"resources": [{**resource, "values": after}]}},
        "resource_changes": [{**resource, "change": {"actions": ["create"], "before": None, "after": after,
                                                     "after_unknown": {attribute: True} if unknown else {}}}],
        "configuration": {"root_module": {"resources": [{**resource, "expressions": expressions}]}},
    })


def stack(inputs: dict, token: str = "aws:sqs/queue:Queue") -> str:
    """A Pulumi stack export of one resource with these inputs."""
    root = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
    return json.dumps({"version": 3, "deployment": {"manifest": {"version": "v3.140.0"}, "resources": [
        {"urn": root, "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": f"urn:pulumi:dev::p::{token}::example", "custom": True, "type": token,
         "inputs": inputs, "outputs": {}, "parent": root}]}})


def pulumi(value: object) -> str:
    return stack({"fifoQueue": value})


def test_a_scaffolded_rule_passes_the_coverage_tests_once_its_stubs_are_filled(tmp_path):
    root = copy_checkout(tmp_path)
    done = run(root, "-m", "linter.scaffold", RULE, "aws-sqs-not-fifo", "--type", "aws_sqs_queue",
               "--attribute", "fifo_queue", "--fails-when", "false", "--root", str(root))
    assert done.returncode == 0, done.stderr
    module = (root / "linter" / "rules" / "basics_aws.py").read_text()
    assert f'id="{RULE}"' in module and "References" in module
    assert f"{RULE} aws-sqs-not-fifo" in (root / "docs" / "rules.md").read_text()
    stubs = sorted(p.name for p in (root / "fixtures" / RULE).iterdir())
    assert stubs == sorted(f"{k}-todo{s}" for k in ("fail", "pass", "unknown")
                           for s in (".tf", ".tfplan.json", ".pulumi.json"))

    tests = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fixtures.py", "tests/test_docs.py",
             "-k", f"{RULE} or documents or cites or up_to_date"]
    unfilled = run(root, *tests)
    assert unfilled.returncode == 1, unfilled.stdout  # the stubs are not fixtures: the tests say so

    fixtures = root / "fixtures" / RULE
    for name, text in FILLED.items():
        (fixtures / name).write_text(text)
    (fixtures / "fail-todo.tfplan.json").write_text(plan(False))
    (fixtures / "pass-todo.tfplan.json").write_text(plan(True))
    (fixtures / "unknown-todo.tfplan.json").write_text(plan(None, unknown=True))
    (fixtures / "fail-todo.pulumi.json").write_text(pulumi(False))
    (fixtures / "pass-todo.pulumi.json").write_text(pulumi(True))
    (fixtures / "unknown-todo.pulumi.json").write_text(pulumi(True))
    filled = run(root, *tests)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    collected = run(root, *[a for a in tests if a != "-q"], "--collect-only", "-q").stdout
    assert f"{RULE}/fail-todo.tf" in collected and f"every_format[{RULE}]" in collected  # they did run


# ------------------------------------------------------------ the facts-table row
FACTS_TEXT = (REPO / "linter" / "attribute_facts.py").read_text()


def table_of(text: str) -> dict:
    """The names a version of linter/attribute_facts.py defines (run as a module of its own)."""
    import types

    module = types.ModuleType("facts_under_test")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    try:
        exec(compile(text, "attribute_facts.py", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module.__dict__


def added_lines(before: str, after: str) -> list[str]:
    import difflib

    return [line[2:] for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line.startswith("+ ")]


def test_a_row_for_a_new_type_is_one_line_at_the_end_of_an_unsorted_table():
    text = add_fact(FACTS_TEXT, "AWS", "aws_kinesis_stream", "retention_period", fact_row(24, False), "https://doc")
    assert added_lines(FACTS_TEXT, text) == ['    "aws_kinesis_stream": {"retention_period": Fact(24)},  # https://doc']
    facts = table_of(text)
    assert facts["FACTS"]["aws_kinesis_stream"]["retention_period"] == facts["Fact"](24)
    assert list(facts["AWS"])[-1] == "aws_kinesis_stream"  # AWS is not sorted: appended


def test_a_row_goes_where_a_sorted_table_keeps_it():
    text = add_fact(FACTS_TEXT, "KUBERNETES", "apps/DaemonSet", "spec.minReadySeconds", fact_row(0, False), "DaemonSetSpec")
    kinds = list(table_of(text)["KUBERNETES"])
    assert kinds == sorted(kinds) and "apps/DaemonSet" in kinds
    text = add_fact(text, "KUBERNETES", "apps/Deployment", "spec.paused", fact_row(False, False), "DeploymentSpec")
    paths = list(table_of(text)["KUBERNETES"]["apps/Deployment"])
    assert paths == sorted(paths) and "spec.paused" in paths


def test_a_one_line_entry_is_spread_over_lines_and_keeps_its_comment():
    text = add_fact(FACTS_TEXT, "KUBERNETES", "batch/Job", "spec.completions", fact_row(1, False), "JobSpec")
    start = text.index('    "batch/Job": {\n')
    assert text[start:text.index("    },\n", start)].splitlines()[1:] == [
        '        "spec.backoffLimit": Fact(6),  # batch/v1 JobSpec: "Defaults to 6" (rules.md RES414)',
        '        "spec.completions": Fact(1),  # JobSpec']
    assert table_of(text)["FACTS"]["batch/Job"]["spec.backoffLimit"].default == 6


def test_a_type_sharing_rows_gets_its_own_entry_and_the_others_keep_theirs():
    text = add_fact(FACTS_TEXT, "GCP", "google_compute_instance_group_manager", "wait_for_instances",
                    fact_row(False, True), None)
    facts = table_of(text)["GCP"]
    assert facts["google_compute_instance_group_manager"]["wait_for_instances"].computed
    assert facts["google_compute_instance_group_manager"]["target_size"].default == 0  # the shared rows stay
    assert "wait_for_instances" not in facts["google_compute_region_instance_group_manager"]


def test_a_row_the_table_has_is_left_alone_and_one_it_contradicts_is_refused():
    assert add_fact(FACTS_TEXT, "AWS", "aws_sqs_queue", "fifo_queue", fact_row(False, False), None) is None
    assert add_fact(FACTS_TEXT, "AWS", "aws_db_instance", "backup_retention_period", fact_row(None, True), None) is None
    assert add_fact(FACTS_TEXT, "AZURE", "azurerm_linux_virtual_machine_scale_set", "instances",  # through **_SCALE_SET
                    fact_row(0, False), None) is None
    with pytest.raises(FactRowError, match="already Fact\\(False\\), not Fact\\(True\\)"):
        add_fact(FACTS_TEXT, "AWS", "aws_sqs_queue", "fifo_queue", fact_row(True, False), None)
    once = add_fact(FACTS_TEXT, "AWS", "aws_kinesis_stream", "retention_period", fact_row(24, False), None)
    assert add_fact(once, "AWS", "aws_kinesis_stream", "retention_period", fact_row(24, False), None) is None


# -------------------------------------- one function plus at most one table row
NEW_RULE = "RES517"
KINESIS = ("aws_kinesis_stream", "aws:kinesis/stream:Stream")


def kinesis_plan(value: object, unknown: bool = False) -> str:
    return plan(value, unknown, KINESIS[0], "retention_period", {"name": "events"})


def kinesis_stack(inputs: dict) -> str:
    return stack({"name": "events", **inputs}, KINESIS[1])


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "linter").rglob("*.py"))}


def test_a_new_cloud_attribute_rule_is_one_function_plus_one_table_row(tmp_path):
    """Scaffold a rule whose default the table lacks, fill it, scan its fixtures:
    the only source changes are the appended function and one row."""
    root = copy_checkout(tmp_path)
    before = snapshot(root)
    scaffold = ["-m", "linter.scaffold", NEW_RULE, "aws-kinesis-short-retention", "--type", KINESIS[0],
                "--attribute", "retention_period", "--fails-when", "24", "--default", "24", "--reference",
                "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kinesis_stream",
                "--root", str(root)]
    done = run(root, *scaffold)
    assert done.returncode == 0, done.stderr
    after = snapshot(root)
    changed = sorted(name for name in after if before.get(name) != after[name])
    assert changed == ["linter/attribute_facts.py", "linter/rules/basics_aws.py"]
    facts_before = before["linter/attribute_facts.py"].decode()
    facts_after = after["linter/attribute_facts.py"].decode()
    assert added_lines(facts_before, facts_after) == [
        '    "aws_kinesis_stream": {"retention_period": Fact(24)},  '
        "# https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kinesis_stream"]
    assert len(facts_after.splitlines()) == len(facts_before.splitlines()) + 1
    module = after["linter/rules/basics_aws.py"].decode()
    assert module.startswith(before["linter/rules/basics_aws.py"].decode().rstrip("\n"))  # appended, nothing else

    # the author fills the function's message and the fixtures
    rules = root / "linter" / "rules" / "basics_aws.py"
    rules.write_text(module.replace("TODO: what is wrong with {r.address}", "Kinesis stream {r.address} keeps "
                                    "records one day only, too short to replay after a consumer outage"))
    fixtures = root / "fixtures" / NEW_RULE
    (fixtures / "fail-todo.tf").write_text('resource "aws_kinesis_stream" "example" {\n  name = "events"\n}\n')
    (fixtures / "pass-todo.tf").write_text(
        'resource "aws_kinesis_stream" "example" {\n  name             = "events"\n  retention_period = 168\n}\n')
    (fixtures / "unknown-todo.tf").write_text('variable "hours" {}\nresource "aws_kinesis_stream" "example" {\n'
                                              '  name             = "events"\n  retention_period = var.hours\n}\n')
    (fixtures / "fail-todo.tfplan.json").write_text(kinesis_plan(24))
    (fixtures / "pass-todo.tfplan.json").write_text(kinesis_plan(168))
    (fixtures / "unknown-todo.tfplan.json").write_text(kinesis_plan(None, unknown=True))
    (fixtures / "fail-todo.pulumi.json").write_text(kinesis_stack({}))
    (fixtures / "pass-todo.pulumi.json").write_text(kinesis_stack({"retentionPeriod": 168}))
    (fixtures / "unknown-todo.pulumi.json").write_text(kinesis_stack({"retentionPeriod": 72}))

    # each fixture judged alone, as the fixture tests do (the .tf files would be one module to the CLI)
    scanned = run(root, "-c", "import json, sys\nfrom linter.engine import ScanOptions, scan\nout = []\n"
                  "for path in sys.argv[1:]:\n"
                  "    result = scan([path], ScanOptions(select=[path.split('/')[1]]))\n"
                  "    out += [[f.file, f.message] for f in result.findings] + [[e.file] for e in result.errors]\n"
                  "print(json.dumps(out))",
                  *(f"fixtures/{NEW_RULE}/{p.name}" for p in fixtures.iterdir()))
    assert scanned.returncode == 0, scanned.stderr
    report = json.loads(scanned.stdout)
    fired = sorted(Path(f[0]).name for f in report)
    assert fired == ["fail-todo.pulumi.json", "fail-todo.tf", "fail-todo.tfplan.json"]
    by_file = {Path(f[0]).name: f[1] for f in report}
    assert by_file["fail-todo.tf"].endswith(": retention_period is unset and defaults to 24")
    assert by_file["fail-todo.pulumi.json"].endswith(": retentionPeriod is unset and defaults to 24")
    assert by_file["fail-todo.tfplan.json"].endswith(": retention_period = 24")  # a plan writes the default

    tests = run(root, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fixtures.py",
                "tests/test_attribute_facts.py", "-k", f"{NEW_RULE} or table or restates or own")
    assert tests.returncode == 0, tests.stdout + tests.stderr

    # again: refused (the rule exists); with another default: refused before anything is written
    filled = snapshot(root)
    again = run(root, *scaffold)
    assert again.returncode != 0 and f"{NEW_RULE} is already in" in again.stderr
    other = run(root, *[("RES518" if a == NEW_RULE else "aws-kinesis-long-retention" if a.startswith("aws-kinesis")
                         else "168" if a == "24" else a) for a in scaffold])
    assert other.returncode != 0 and "already Fact(24), not Fact(168)" in other.stderr
    assert snapshot(root) == filled and not (root / "fixtures" / "RES518").exists()
