"""The composite GitHub Action: its bash steps are run here, as the runner would.

`${{ ... }}` expressions in a step's `env` are filled the way the runner fills
them: inputs from the action's defaults and the test's overrides, step outputs
from the `$GITHUB_OUTPUT` files of the steps run before, and the `github` /
`runner` values the runner provides. The install step really creates its
virtualenv and pip-installs this checkout, as it does on GitHub; the steps that
`uses:` other actions (setup-python, cache, upload-sarif) are GitHub's and are
checked only in the metadata: the interpreter they would give is this one.

action.yml itself is validated against the action metadata schema
(SchemaStore's github-action.json, as vendored by check-jsonschema).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.test_precommit import SINGLE_REPLICA

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
ACTION_SCHEMA = Path(__file__).parent / "schemas" / "github-action.json"
BAD = SINGLE_REPLICA  # a Deployment with replicas: 1 (RES101 at line 5)
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


def step(step_id: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)


class Runner:
    """Runs the action's bash steps in order, keeping what a runner keeps between them."""

    def __init__(self, workspace: Path, temp: Path, **inputs: str):
        self.workspace = workspace
        self.temp = temp
        self.inputs = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
        self.inputs.update({k.replace("_", "-"): v for k, v in inputs.items()})
        self.outputs: dict[str, dict[str, str]] = {"python": {"python-path": sys.executable}}
        self.files = {name: temp / name for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
        for path in self.files.values():
            path.write_text("")

    def value(self, name: str) -> str:
        parts = name.split(".")
        if parts[0] == "inputs":
            return self.inputs[parts[1]]
        if parts[0] == "steps" and parts[2] == "outputs":
            return self.outputs.get(parts[1], {}).get(parts[3], "")
        return {
            "github.action_path": str(REPO),
            "github.action_repository": "",  # a local action (`uses: ./`)
            "runner.temp": str(self.temp),
        }[name]

    def run(self, step_id: str) -> subprocess.CompletedProcess:
        spec = step(step_id)
        assert spec["shell"] == "bash"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PIP_", "RESILINT"))}
        for name, expr in spec.get("env", {}).items():
            env[name] = EXPRESSION.sub(lambda m: self.value(m.group(1)), expr)
        env.update({name: str(path) for name, path in self.files.items()})
        self.files["GITHUB_OUTPUT"].write_text("")
        run = subprocess.run(["bash", "-c", spec["run"]], cwd=self.workspace, env=env, capture_output=True, text=True, timeout=600)
        self.outputs[step_id] = dict(
            line.split("=", 1) for line in self.files["GITHUB_OUTPUT"].read_text().splitlines() if "=" in line)
        return run


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The install step, run once: a virtualenv under runner.temp with this checkout pip-installed."""
    if shutil.which("bash") is None:
        pytest.skip("bash is needed to run the action's steps")
    temp = tmp_path_factory.mktemp("runner-temp")
    runner = Runner(temp, temp)
    prepare = runner.run("prepare")
    assert prepare.returncode == 0, prepare.stderr
    install = runner.run("install")
    assert install.returncode == 0, install.stdout + install.stderr
    return runner


def scan_with(installed: Runner, workspace: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, Runner]:
    runner = Runner(workspace, installed.temp, **inputs)
    runner.outputs.update({k: v for k, v in installed.outputs.items() if k in ("prepare", "install")})
    return runner.run("scan"), runner


# ------------------------------------------------------------------ metadata
def test_action_metadata_is_valid_for_github():
    import jsonschema

    schema = json.loads(ACTION_SCHEMA.read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(ACTION))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    # the schema cannot see these: composite `run` steps need a shell, ids are unique
    ids = [s["id"] for s in ACTION["runs"]["steps"] if "id" in s]
    assert len(ids) == len(set(ids))
    assert all("shell" in s for s in ACTION["runs"]["steps"] if "run" in s)
    # every expression names an input, a step output or a context the runner provides
    for s in ACTION["runs"]["steps"]:
        for text in [*s.get("env", {}).values(), *s.get("with", {}).values()]:
            for name in EXPRESSION.findall(str(text)):
                parts = name.split(".")
                if parts[0] == "inputs":
                    assert parts[1] in ACTION["inputs"], name
                elif parts[0] == "steps":
                    assert parts[1] in ids and parts[2] == "outputs", name
                else:
                    assert name in {"github.action_path", "github.action_repository", "runner.temp"}, name


def test_action_inputs_and_the_actions_it_uses():
    assert {"paths", "formats", "fail-on", "config", "exclude", "category", "version", "upload-sarif"} <= set(ACTION["inputs"])
    uses = {s["uses"].split("@")[0]: s for s in ACTION["runs"]["steps"] if "uses" in s}
    # a Python for the virtualenv only: the caller's PATH and python stay as they were
    assert uses["actions/setup-python"]["with"]["update-environment"] is False
    assert "pip-cache" in uses["actions/cache"]["with"]["path"]
    # codeql-action v3 is deprecated in December 2026; v4 is the current major
    upload = uses["github/codeql-action/upload-sarif"]
    assert upload["uses"].endswith("@v4")
    assert "steps.scan.outputs.category" in upload["with"]["category"]


# ------------------------------------------------------------------ the steps, run
def test_install_uses_its_own_virtualenv_and_leaks_nothing(installed):
    resilint = Path(installed.outputs["install"]["resilint"])
    assert resilint.is_file() and installed.temp in resilint.parents
    assert installed.outputs["prepare"]["cache-key"].startswith("resilint-pip-")
    assert Path(installed.outputs["prepare"]["pip-cache"]).is_dir()  # pip's cache went where actions/cache saves it
    # nothing for later steps of the caller's job: no PATH entry, no environment variable
    assert installed.files["GITHUB_PATH"].read_text() == "" and installed.files["GITHUB_ENV"].read_text() == ""


def test_version_installs_a_ref_of_the_action_repository(tmp_path):
    runner = Runner(tmp_path, tmp_path, version="v0.2.0")
    run = runner.run("prepare")
    assert run.returncode == 2 and "version needs the action used from its repository" in run.stdout
    runner.value = lambda name, _v=runner.value: "acme/resilint" if name == "github.action_repository" else _v(name)
    run = runner.run("prepare")
    assert run.returncode == 0, run.stderr
    assert runner.outputs["prepare"]["spec"] == "resilint @ git+https://github.com/acme/resilint@v0.2.0"


def test_scan_fails_on_findings_with_annotations_and_a_summary(installed, tmp_path):
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "api.yaml").write_text(BAD)
    run, runner = scan_with(installed, tmp_path, paths="k8s")
    assert run.returncode == 1, run.stderr
    assert "resilint scan --format github k8s" in run.stdout
    assert "::error file=k8s/api.yaml,line=5,title=RES101::" in run.stdout
    assert runner.outputs["scan"]["exit-code"] == "1"
    assert runner.outputs["scan"]["sarif-file"] == "" and runner.outputs["scan"]["category"] == "resilint:k8s"
    summary = runner.files["GITHUB_STEP_SUMMARY"].read_text()
    assert summary.startswith("## resilint") and "`k8s/api.yaml:5`" in summary


def test_paths_and_formats_on_several_lines(installed, tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "api.yaml").write_text(BAD.replace("name: api", f"name: api-{name}"))
    run, runner = scan_with(installed, tmp_path, paths="a\nb\n", formats="json\ngitlab:gl-code-quality.json\n")
    assert run.returncode == 1, run.stderr
    doc = json.loads(run.stdout.split("\n", 1)[1])  # after the echoed command line
    assert {f["resource"] for f in doc["findings"] if f["rule_id"] == "RES101"} == {
        "Deployment/shop/api-a", "Deployment/shop/api-b"}
    gitlab = json.loads((tmp_path / "gl-code-quality.json").read_text())
    assert {i["location"]["path"] for i in gitlab if i["check_name"] == "RES101"} == {"a/api.yaml", "b/api.yaml"}
    assert runner.outputs["scan"]["category"] == "resilint:a,b"


def test_sarif_for_upload_and_fail_on(installed, tmp_path):
    (tmp_path / "api.yaml").write_text(BAD)
    run, runner = scan_with(installed, tmp_path, formats="github sarif:resilint.sarif", fail_on="critical",
                            category="k8s-manifests")
    assert run.returncode == 0, run.stderr
    doc = json.loads((tmp_path / "resilint.sarif").read_text())
    assert any(r["ruleId"] == "RES101" for r in doc["runs"][0]["results"])
    assert runner.outputs["scan"] == {"exit-code": "0", "sarif-file": "resilint.sarif", "category": "k8s-manifests"}


def test_summary_lists_every_finding_past_the_comment_limit(installed, tmp_path):
    """Annotations stop at 10 per kind and a comment at 65,536 characters: the
    job summary lists all findings, within GitHub's 1 MiB."""
    docs = [BAD.replace("name: api", f"name: api-{i}") for i in range(150)]
    (tmp_path / "apps.yaml").write_text("---\n".join(docs))
    run, runner = scan_with(installed, tmp_path, formats="markdown:comment.md json:all.json")
    assert run.returncode == 1, run.stderr
    summary = runner.files["GITHUB_STEP_SUMMARY"].read_text()
    comment = (tmp_path / "comment.md").read_text()
    findings = json.loads((tmp_path / "all.json").read_text())["findings"]
    assert len(comment.encode()) <= 65_536 < len(summary.encode()) <= 1_048_576
    assert comment.rstrip().splitlines()[-1].startswith("_Left out")
    assert "_Left out" not in summary
    assert sum(line.startswith("| 🟧 high | [RES101]") for line in summary.splitlines()) == 150
    assert summary.count("](") == len(findings)


def test_exclude_leaves_globs_out_of_the_scan(installed, tmp_path):
    """A broken test fixture would fail every run with exit 2; excluded, it is not read."""
    for name in ("k8s", "testdata", "tests/fixtures"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "k8s" / "api.yaml").write_text(BAD)
    (tmp_path / "testdata" / "broken.yaml").write_text(BAD.replace("replicas: 1", "replicas: [1"))
    (tmp_path / "tests" / "fixtures" / "api.yaml").write_text(BAD.replace("name: api", "name: api-fixture"))
    run, _ = scan_with(installed, tmp_path, formats="json")
    assert run.returncode == 2, run.stderr  # the broken fixture is read
    run, runner = scan_with(installed, tmp_path, formats="json", exclude="testdata\ntests/fixtures/\n")
    assert run.returncode == 1, run.stderr
    assert "--exclude testdata --exclude tests/fixtures/" in run.stdout.splitlines()[0]
    doc = json.loads(run.stdout.split("\n", 1)[1])
    assert not doc["errors"]
    assert {f["file"] for f in doc["findings"]} == {"k8s/api.yaml"}
    assert runner.outputs["scan"]["exit-code"] == "1"


def test_missing_sarif_file_is_not_uploaded(installed, tmp_path):
    (tmp_path / "api.yaml").write_text(BAD)
    run, runner = scan_with(installed, tmp_path, formats="sarif")  # to the log: nothing to upload
    assert run.returncode == 1 and json.loads(run.stdout.split("\n", 1)[1])["version"] == "2.1.0"
    assert runner.outputs["scan"]["sarif-file"] == ""
