"""The evaluator against real Terraform: each configuration under
fixtures/terraform_plan_oracle/cases/ planned by `terraform plan` (goldens made
by fixtures/_tools/terraform_plan_oracle.py) must expand to the same instances
with the same values. Where terraform is on PATH the oracle is rerun too, so a
stale golden fails."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from linter.model import Unknown
from linter.terraform.tree import load_directories

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "fixtures" / "_tools" / "terraform_plan_oracle.py"
_spec = importlib.util.spec_from_file_location("terraform_plan_oracle", TOOL)
oracle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(oracle)
_spec = importlib.util.spec_from_file_location("terraform_oracle", ROOT / "fixtures" / "_tools" / "terraform_oracle.py")
console_oracle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(console_oracle)

CASES = oracle.cases()


def test_enough_configurations():
    assert len(CASES) >= 20
    assert all((oracle.ORACLE_DIR / f"{c}.expected.json").is_file() for c in CASES)


def evaluated(case: str, directory: Path | None = None) -> dict:
    """What the evaluator makes of a case, read at `directory` (the case's, as the scan names it)."""
    directory = directory or oracle.CASES_DIR / case
    files = sorted(p for p in directory.iterdir() if p.name.endswith((".tf", ".tf.json")))
    variables = [(k, str(directory / v) if k == "file" else v) for k, v in oracle.scan_variables(case)]
    resources, errors, unresolved = load_directories({directory: files}, {"terraform_variables": variables})
    assert errors == [] and unresolved == [], (errors, unresolved)
    planned: dict[str | None, dict] = {}  # by the variable file each environment was planned with
    for r in resources:
        if r.type != "terraform_data":
            continue
        value = r.attrs.get("input")
        environment = Path(r.meta["environment"]).name if "environment" in r.meta else None
        out = planned.setdefault(environment, {})
        out[r.address] = {"__unknown__": True} if isinstance(value, Unknown) else value
    if set(planned) == {None}:
        return {"resources": dict(sorted(planned[None].items()))}
    assert None not in planned, "a root planned bare and per environment"
    return {"environments": {name: {"resources": dict(sorted(out.items()))} for name, out in sorted(planned.items())}}


@pytest.mark.parametrize("case", CASES)
def test_evaluator_matches_terraform_plan(case):
    golden = json.loads((oracle.ORACLE_DIR / f"{case}.expected.json").read_text())
    assert evaluated(case) == {k: v for k, v in golden.items() if k in ("resources", "environments")}


@pytest.mark.parametrize("where, named", [(".", "paths_and_files"), ("paths_and_files/modules/queue", "../..")])
def test_paths_are_terraforms_whatever_directory_the_scan_runs_in(monkeypatch, where, named):
    """path.module, path.root and relative paths in file functions, as terraform run in the
    root module gives them, when resilint runs elsewhere and names the root relatively."""
    golden = json.loads((oracle.ORACLE_DIR / "paths_and_files.expected.json").read_text())
    monkeypatch.chdir(oracle.CASES_DIR / where)
    assert evaluated("paths_and_files", Path(named)) == {"resources": golden["resources"]}


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH: goldens only")
@pytest.mark.parametrize("case", CASES)
def test_goldens_are_what_terraform_plans_today(case):
    golden = json.loads((oracle.ORACLE_DIR / f"{case}.expected.json").read_text())
    assert oracle.golden(case) == golden


# ------------------------------------------------ expressions of terraform console
# the goldens of fixtures/terraform_oracle/*.golden.json (functions, and expressions:
# operator grouping, logic, template strip markers), asked of `terraform console`,
# parsed and evaluated by the whole evaluator here.
CONSOLE_RESULTS = [case for golden in sorted((ROOT / "fixtures" / "terraform_oracle").glob("*.golden.json"))
                   for case in json.loads(golden.read_text())["results"]]
# the function library's own known differences, with their reasons
from .test_terraform_functions import KNOWN_DIFFERENCES as EVALUATOR_KNOWN_DIFFERENCES  # noqa: E402


@pytest.mark.parametrize("case", CONSOLE_RESULTS, ids=[c["expr"] for c in CONSOLE_RESULTS])
def test_evaluator_matches_terraform_console(case):
    got = console_oracle.evaluated_here(case["expr"])
    want = {"error": True} if "error" in case else {k: case[k] for k in ("json", "unknown") if k in case}
    if case["expr"] in EVALUATOR_KNOWN_DIFFERENCES:
        return
    assert got == want, case["expr"]
