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


def plan(value: object, unknown: bool = False) -> str:
    resource = {"address": "aws_sqs_queue.example", "mode": "managed", "type": "aws_sqs_queue",
                "name": "example", "provider_name": "registry.terraform.io/hashicorp/aws"}
    after = {} if unknown else {"fifo_queue": value}
    expression = {"references": ["var.fifo"]} if unknown else {"constant_value": value}
    return json.dumps({
        "format_version": "1.2", "terraform_version": "1.11.0",
        "planned_values": {"root_module": {"resources": [{**resource, "values": after}]}},
        "resource_changes": [{**resource, "change": {"actions": ["create"], "before": None, "after": after,
                                                     "after_unknown": {"fifo_queue": True} if unknown else {}}}],
        "configuration": {"root_module": {"resources": [{**resource, "expressions": {"fifo_queue": expression}}]}},
    })


def pulumi(value: object) -> str:
    stack = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
    return json.dumps({"version": 3, "deployment": {"manifest": {"version": "v3.140.0"}, "resources": [
        {"urn": stack, "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": "urn:pulumi:dev::p::aws:sqs/queue:Queue::example", "custom": True, "type": "aws:sqs/queue:Queue",
         "inputs": {"fifoQueue": value}, "outputs": {}, "parent": stack}]}})


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
