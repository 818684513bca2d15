"""The README's CI snippets work as written: what they name exists and parses.

The platforms themselves (GitHub, GitLab) are not here; what is checked is
everything the snippets take from this repository: the pre-commit `rev:` is a
commit of it that has the hooks, the workflow's `with:` keys are inputs of
action.yml and its formats parse as `-f` takes them, and the GitLab command
line parses with resilint's own parser and writes the files the job reports.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from linter.cli import build_parser, report_targets
from tests.conftest import REPO

README = (REPO / "README.md").read_text()
YAML_BLOCKS = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", README, re.S)]


def block_with(predicate) -> dict:
    found = [b for b in YAML_BLOCKS if isinstance(b, dict) and predicate(b)]
    assert found, "snippet not found in README.md"
    return found[0]


def test_precommit_rev_is_a_commit_with_the_hooks():
    config = block_with(lambda b: "repos" in b)
    [repo] = config["repos"]
    rev = repo["rev"]
    assert re.fullmatch(r"[0-9a-f]{40}|v\d+\.\d+\.\d+", rev), f"rev {rev!r}: a tag or a full commit SHA"
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    present = subprocess.run(["git", "cat-file", "-e", f"{rev}^{{commit}}"], cwd=REPO, capture_output=True)
    if present.returncode != 0:
        pytest.skip(f"{rev} is not in this clone (a shallow clone?)")
    hooks = subprocess.run(["git", "show", f"{rev}:.pre-commit-hooks.yaml"], cwd=REPO,
                           capture_output=True, text=True)
    assert hooks.returncode == 0, hooks.stderr
    ids = {h["id"] for h in yaml.safe_load(hooks.stdout)}
    assert {h["id"] for h in repo["hooks"]} <= ids


def test_github_workflow_uses_the_action_inputs():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    workflow = block_with(lambda b: "jobs" in b)
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    ours = [s for s in steps if s.get("uses", "").startswith("resilint/resilint@")]
    assert ours
    for s in ours:
        assert set(s["with"]) <= set(action["inputs"]), set(s["with"]) - set(action["inputs"])
        specs = s["with"]["formats"].split()
        parser = build_parser()
        args = parser.parse_args(["scan", *[a for spec in specs for a in ("-f", spec)]])
        targets = report_targets(args.reports, None)
        if any(fmt == "sarif" and path for fmt, path in targets):
            assert workflow["permissions"]["security-events"] == "write"
    # the table documents every input
    for name in action["inputs"]:
        assert f"| `{name}` |" in README, name


def test_gitlab_job_writes_the_reports_it_declares():
    job = block_with(lambda b: any(isinstance(v, dict) and "script" in v for v in b.values()))
    [spec] = [v for v in job.values() if isinstance(v, dict) and "script" in v]
    [command] = [line for line in spec["script"] if line.startswith("resilint ")]
    args = build_parser().parse_args(shlex.split(command)[1:])
    written = {fmt: path for fmt, path in report_targets(args.reports, args.output) if path}
    reports = spec["artifacts"]["reports"]
    assert reports["codequality"] == written["gitlab"]
    assert reports["junit"] == written["junit"]
    # pip installs from git: the image must have git (the -slim images do not)
    [install] = [line for line in spec["script"] if line.startswith("pip install")]
    assert "git+" not in install or "slim" not in spec["image"]
