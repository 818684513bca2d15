"""The composite GitHub Action: its scan step is run here with bash, as the runner would.

`${{ inputs.x }}` expressions in the step's `env` are filled from the action's
input defaults and the test's overrides; everything else (the script, the
installed `resilint` command) is the real thing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO
from tests.test_precommit import SINGLE_REPLICA

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
BAD = SINGLE_REPLICA  # a Deployment with replicas: 1 (RES101 at line 5)


def step(step_id: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)


def run_scan_step(workspace, **inputs) -> tuple[subprocess.CompletedProcess, str]:
    if shutil.which("bash") is None or shutil.which("resilint") is None:
        pytest.skip("bash and the installed resilint command are needed")
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values.update({k.replace("_", "-"): v for k, v in inputs.items()})
    env = dict(os.environ)
    for name, expr in step("scan")["env"].items():
        env[name] = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], expr)
    outputs = workspace / "github_output"
    outputs.write_text("")
    env["GITHUB_OUTPUT"] = str(outputs)
    env.pop("GITHUB_STEP_SUMMARY", None)
    run = subprocess.run(["bash", "-c", step("scan")["run"]], cwd=workspace, env=env,
                         capture_output=True, text=True, timeout=120)
    return run, outputs.read_text()


def test_action_inputs_and_steps():
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "format", "fail-on", "output", "upload-sarif"} <= set(ACTION["inputs"])
    install = next(s for s in ACTION["runs"]["steps"] if s.get("name") == "Install resilint")
    assert "github.action_path" in install["env"]["ACTION_PATH"] and "pip install" in install["run"]


def test_action_scan_fails_on_findings_with_annotations(tmp_path):
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "api.yaml").write_text(BAD)
    run, outputs = run_scan_step(tmp_path, paths="k8s")
    assert run.returncode == 1, run.stderr
    assert "resilint scan --format github k8s" in run.stdout
    assert "::error file=k8s/api.yaml,line=5,title=RES101::" in run.stdout
    assert "exit-code=1" in outputs


def test_action_paths_on_several_lines(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "api.yaml").write_text(BAD.replace("name: api", f"name: api-{name}"))
    run, _ = run_scan_step(tmp_path, paths="a\nb\n", format="json")
    assert run.returncode == 1, run.stderr
    doc = json.loads(run.stdout.split("\n", 1)[1])  # after the echoed command line
    assert {f["resource"] for f in doc["findings"] if f["rule_id"] == "RES101"} == {
        "Deployment/shop/api-a", "Deployment/shop/api-b"}


def test_action_writes_sarif_and_respects_fail_on(tmp_path):
    (tmp_path / "api.yaml").write_text(BAD)
    run, outputs = run_scan_step(tmp_path, format="sarif", output="resilint.sarif", fail_on="critical")
    assert run.returncode == 0, run.stderr
    doc = json.loads((tmp_path / "resilint.sarif").read_text())
    assert any(r["ruleId"] == "RES101" for r in doc["runs"][0]["results"])
    assert "exit-code=0" in outputs


def test_action_upload_needs_a_sarif_file(tmp_path):
    (tmp_path / "api.yaml").write_text(BAD)
    run, _ = run_scan_step(tmp_path, upload_sarif="true")
    assert run.returncode == 2 and "upload-sarif needs format: sarif" in run.stdout
