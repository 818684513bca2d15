"""The command line as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO

SINGLE = textwrap.dedent("""
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: nginx}]
""").lstrip()

HPA_MIN_ONE = textwrap.dedent("""
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: api}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
      minReplicas: 1
      maxReplicas: 4
""").lstrip()


def run(*args, cwd=None, env=None):
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "linter", *args],
        capture_output=True, text=True, cwd=cwd or REPO, env=full_env,
    )


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "single.yaml").write_text(SINGLE)
    (tmp_path / "hpa.yaml").write_text(HPA_MIN_ONE)
    return tmp_path


def scan_json(*args, cwd=None):
    proc = run("scan", *args, "--format", "json", cwd=cwd)
    return proc, json.loads(proc.stdout)


def test_json_document_shape_and_exit_code_1(tree):
    proc, doc = scan_json(str(tree))
    assert proc.returncode == 1, proc.stderr
    assert set(doc) == {"version", "summary", "findings", "errors"}
    by_rule = {f["rule_id"]: f for f in doc["findings"]}
    f = by_rule["RES101"]
    assert f["rule"] == "k8s-deployment-single-replica"
    assert f["severity"] == "high"
    assert f["resource"] == "Deployment/shop/web"
    assert f["resource_type"] == "apps/Deployment"
    assert f["file"] == str(tree / "single.yaml")
    assert f["line"] == 5
    assert "Deployment shop/web runs 1 replica" in f["message"]
    assert f["remediation"] and len(f["fingerprint"]) == 32
    assert f["suppressed"] is False
    assert doc["errors"] == []
    assert doc["summary"]["by_severity"]["high"] >= 1


def test_paths_relative_to_the_scanned_directory_as_given(tree):
    proc, doc = scan_json(".", cwd=tree)
    assert {f["file"] for f in doc["findings"]} == {"single.yaml", "hpa.yaml"}


def test_fail_on_threshold(tree):
    assert run("scan", str(tree / "hpa.yaml")).returncode == 0  # RES103 is medium < high
    assert run("scan", str(tree / "hpa.yaml"), "--fail-on", "medium").returncode == 1
    assert run("scan", str(tree / "single.yaml"), "--fail-on", "critical").returncode == 0


def test_select_and_ignore_by_id_and_prefix(tree):
    _, doc = scan_json(str(tree), "--select", "RES103")
    assert {f["rule_id"] for f in doc["findings"]} == {"RES103"}
    _, doc = scan_json(str(tree), "--select", "RES1", "--ignore", "RES101")
    assert {f["rule_id"] for f in doc["findings"]} == {"RES103"}
    _, doc = scan_json(str(tree), "--ignore", "res1")
    assert not any(f["rule_id"].startswith("RES1") for f in doc["findings"])


def test_bad_file_exits_2_but_good_files_still_report(tree):
    (tree / "broken.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x\n")
    proc, doc = scan_json(str(tree))
    assert proc.returncode == 2
    assert [e["file"] for e in doc["errors"]] == [str(tree / "broken.yaml")]
    assert doc["errors"][0]["line"] and doc["errors"][0]["message"]
    assert any(f["rule_id"] == "RES101" for f in doc["findings"])
    assert "Traceback" not in proc.stderr


def test_text_output_is_plain_when_not_a_terminal(tree):
    proc = run("scan", str(tree))
    assert proc.returncode == 1
    assert "\x1b[" not in proc.stdout
    assert f"{tree / 'single.yaml'}:5: HIGH RES101" in proc.stdout
    assert "fix: Set spec.replicas" in proc.stdout
    assert ">    5 |   replicas: 1" in proc.stdout  # the offending source line
    assert "failing at high or above: 1" in proc.stdout  # only RES101 is high here


def test_quiet_prints_findings_only(tree):
    proc = run("scan", str(tree), "-q")
    assert "RES101" in proc.stdout and "resilint:" not in proc.stdout and "fix:" not in proc.stdout


def test_output_file(tree, tmp_path):
    out = tmp_path / "report.json"
    proc = run("scan", str(tree), "--format", "json", "--output", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads(out.read_text())["findings"]


def test_clean_input_exits_0(tmp_path):
    (tmp_path / "values.yaml").write_text("replicaCount: 3\n")
    proc = run("scan", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_usage_errors_exit_2(tree):
    assert run("scan", str(tree), "--fail-on", "severe").returncode == 2
    assert run("scan", str(tree / "missing.yaml")).returncode == 2
    assert run("explain", "RES999").returncode == 2
    assert run().returncode == 2


def test_bare_path_means_scan(tree):
    assert run(str(tree / "single.yaml")).returncode == 1


def test_version():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("resilint ")


def test_rules_lists_every_registered_rule():
    from linter.rules import load_rules

    proc = run("rules")
    assert proc.returncode == 0
    for rule_id, rule in load_rules().items():
        assert f"{rule_id} {rule.name}" in " ".join(proc.stdout.split())


def test_explain_prints_the_four_parts():
    proc = run("explain", "RES101")
    assert proc.returncode == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in proc.stdout
    assert "replicas: 3" in proc.stdout
    assert run("explain", "k8s-deployment-single-replica").returncode == 0


def test_startup_imports_stay_light():
    """`resilint --version` must not pay for yaml, rich, jsonschema, hcl2, regopy or pulumi."""
    code = (
        "import sys; from linter import cli\n"
        "try:\n    cli.main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'yaml', 'rich', 'jsonschema', 'hcl2', 'lark', 'regopy', 'pulumi', 'grpc'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout


def test_per_container_findings_have_distinct_fingerprints(tmp_path):
    (tmp_path / "two.yaml").write_text(textwrap.dedent("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 1
          template:
            spec:
              containers: [{name: a, image: x}, {name: b, image: y}]
    """).lstrip())
    _, doc = scan_json(str(tmp_path), "--select", "RES503")
    prints = [f["fingerprint"] for f in doc["findings"]]
    assert len(prints) == 2 and len(set(prints)) == 2


def test_text_output_counts_baselined_findings_without_listing_them(tree, tmp_path):
    baseline = tmp_path / "baseline.json"
    assert run("baseline", str(tree), "-o", str(baseline)).returncode == 0
    (tree / "new.yaml").write_text(SINGLE.replace("name: web", "name: fresh"))
    proc = run("scan", str(tree), "--baseline", str(baseline))
    assert proc.returncode == 1
    assert "Deployment/shop/fresh" in proc.stdout
    assert "Deployment/shop/web" not in proc.stdout  # known, baselined: counted only
    assert "suppressed" in proc.stdout.splitlines()[-1]


def test_bundled_examples_scan_as_the_readme_says():
    """README's first command: `resilint scan examples/` (exit 1: findings at high)."""
    proc, doc = scan_json("examples")
    assert proc.returncode == 1 and not doc["errors"]
    found = {(f["rule_id"], f["resource"]) for f in doc["findings"]}
    assert {
        ("RES101", "Deployment/shop/worker"),       # replicas unset
        ("RES503", "Deployment/shop/worker"),       # no readiness probe
        ("RES201", "aws_sqs_queue.orders"),         # 30 s visibility vs a 60 s worker
        ("RES301", "aws_db_instance.orders"),       # multi_az unset
        ("RES311", "google_sql_database_instance.orders"),
    } <= found
    # the well-configured web Deployment has nothing at medium or above
    assert not [f for f in doc["findings"] if f["resource"] == "Deployment/shop/web" and f["severity"] != "low"]


def test_coloured_output_wraps_at_words_within_the_terminal(monkeypatch):
    import re

    from linter.engine import ScanOptions, scan
    from linter.reporters import ReportSettings, render

    monkeypatch.setenv("COLUMNS", "70")
    result = scan([str(REPO / "examples" / "terraform")], ScanOptions())
    out = render("text", result, ReportSettings(color=True))
    assert "\x1b[" in out  # coloured
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert all(len(line) <= 70 for line in plain.splitlines()), max(plain.splitlines(), key=len)
    text = " ".join(plain.split())
    assert "aws_lambda_function.worker that consumes it" in text  # wrapped between words, not inside one
    assert "RES201" in text and "FAIL: 2 finding(s) at high or above" in text
