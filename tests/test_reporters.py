"""CI reporters: SARIF 2.1.0, JUnit, GitHub workflow commands, Markdown.

The scans run on real files in a temporary git repository (its top level is
the root SARIF and GitHub paths are relative to). SARIF is validated against
the official schema from the shared folder when it is there; the structural
checks run without it.
"""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from linter.engine import ScanOptions, scan
from linter.model import Finding, Severity
from linter.reporters import ReportSettings, render
from linter.reporters.github import escape_data
from tests.conftest import SHARED, corpus_dir

SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
SELECT = ["RES101", "RES503"]

APPS = """\
# resilint:ignore RES101 the canary runs alone
apiVersion: apps/v1
kind: Deployment
metadata: {name: canary, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: canary}}
  template:
    metadata: {labels: {app: canary}}
    spec:
      containers: [{name: canary, image: example/canary:1.0}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "example/web:1.0"}]
"""


@pytest.fixture()
def scanned(tmp_path, monkeypatch):
    """A repository with k8s/apps.yaml (3 active findings, 1 suppressed) and a broken file."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "apps.yaml").write_text(APPS)
    (tmp_path / "k8s" / "broken.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: [\n")
    monkeypatch.chdir(tmp_path / "k8s")  # paths are relative to the repository, not the cwd
    result = scan(["."], ScanOptions(select=SELECT))
    assert len(result.findings) == 4 and len(result.errors) == 1
    return result


def settings(fail_on: Severity = Severity.HIGH) -> ReportSettings:
    return ReportSettings(fail_on=fail_on)


# --- SARIF ---------------------------------------------------------------------

def sarif(result) -> dict:
    return json.loads(render("sarif", result, settings()))


def validate_sarif(doc: dict, required: bool = True) -> None:
    """Validate against the official schema; without it, skip (or only return when not required)."""
    if not SARIF_SCHEMA.is_file():
        if not required:
            return
        pytest.skip(f"SARIF schema not found at {SARIF_SCHEMA} (set RESILINT_SHARED)")
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text())
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_sarif_validates_against_the_official_schema(scanned):
    validate_sarif(sarif(scanned))


def test_sarif_on_the_kubernetes_corpus_validates(monkeypatch):
    corpus = corpus_dir("kubernetes")
    doc = json.loads(render("sarif", scan([str(corpus)], ScanOptions()), settings()))
    assert doc["runs"][0]["results"]
    validate_sarif(doc)


def test_sarif_structure(scanned):
    doc = sarif(scanned)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == SELECT
    for r in rules:
        assert r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["help"]["text"].startswith("Fix: ")
        assert r["helpUri"].startswith("https://")
    by_id = {r["id"]: r for r in rules}
    assert by_id["RES101"]["defaultConfiguration"]["level"] == "error"  # high
    assert by_id["RES503"]["defaultConfiguration"]["level"] == "warning"  # medium

    results = run["results"]
    assert len(results) == len(scanned.findings)
    for res, finding in zip(results, scanned.findings):
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == finding.rule_id
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "k8s/apps.yaml", "uriBaseId": "%SRCROOT%"}
        assert loc["region"]["startLine"] == finding.line
        assert res["partialFingerprints"]["resilintFingerprint/v1"] == finding.fingerprint
        assert res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == finding.resource
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path(scanned.root).as_uri() + "/"

    suppressed = [r for r in results if r["suppressions"]]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"][0]["kind"] == "inSource"
    assert suppressed[0]["suppressions"][0]["justification"] == "the canary runs alone"
    assert all(r["suppressions"] == [] for r in results if r is not suppressed[0])

    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 1 and notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "k8s/broken.yaml"
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_external_suppression_and_finding_without_a_line(scanned):
    plan_finding = Finding(
        rule_id="RES101", rule="k8s-deployment-single-replica", severity=Severity.HIGH,
        resource="Deployment/shop/api", resource_type="apps/Deployment", file="k8s/plan.json",
        line=None, message="m", remediation="r", suppressed=True,
        suppression_reason="recorded in the baseline", suppression_kind="baseline",
    )
    scanned.findings.append(plan_finding)
    doc = sarif(scanned)
    last = doc["runs"][0]["results"][-1]
    assert "region" not in last["locations"][0]["physicalLocation"]
    assert last["suppressions"][0]["kind"] == "external"
    validate_sarif(doc, required=False)


def test_sarif_from_the_command_line_is_one_document(scanned, capsys, tmp_path):
    from linter.cli import main

    out = tmp_path / "out.sarif"
    assert main(["scan", ".", "--select", ",".join(SELECT), "--format", "sarif", "-o", str(out)]) == 2
    assert json.loads(out.read_text())["runs"][0]["results"]


# --- JUnit -----------------------------------------------------------------------

def test_junit_one_case_per_resource_and_rule(scanned):
    root = ET.fromstring(render("junit", scanned, settings()))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"apps.yaml", "broken.yaml"}
    cases = {(c.get("classname"), c.get("name").split()[0]): c for c in suites["apps.yaml"].findall("testcase")}
    # 2 Deployments x the 2 selected rules
    assert set(cases) == {(f"Deployment/shop/{n}", r) for n in ("canary", "web") for r in SELECT}
    assert cases[("Deployment/shop/canary", "RES101")].find("skipped").get("message") == "suppressed (inline): the canary runs alone"
    failure = cases[("Deployment/shop/web", "RES101")].find("failure")
    assert failure is not None and failure.get("type") == "high" and "Deployment shop/web" in failure.get("message")
    assert "Fix: " in failure.text
    assert cases[("Deployment/shop/canary", "RES503")].find("failure") is not None
    apps = suites["apps.yaml"]
    assert (apps.get("tests"), apps.get("failures"), apps.get("skipped"), apps.get("errors")) == ("4", "3", "1", "0")
    broken = suites["broken.yaml"]
    assert broken.get("errors") == "1" and broken.find("testcase/error") is not None
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "3", "1")


def test_junit_passing_cases_for_clean_resources(tmp_path):
    (tmp_path / "web.yaml").write_text(APPS.split("---\n")[1].replace("replicas: 1", "replicas: 3"))
    root = ET.fromstring(render("junit", scan([str(tmp_path)], ScanOptions(select=["RES101"])), settings()))
    case = root.find("testsuite/testcase")
    assert case.get("name").startswith("RES101") and list(case) == []
    assert root.get("failures") == "0" and root.get("tests") == "1"


# --- GitHub ----------------------------------------------------------------------

def test_github_workflow_commands(scanned):
    lines = render("github", scanned, settings()).splitlines()
    web = next(f for f in scanned.findings if f.resource == "Deployment/shop/web" and f.rule_id == "RES101")
    expected = f"::error file=k8s/apps.yaml,line={web.line},title=RES101::"
    assert any(l.startswith(expected) and "Deployment shop/web" in l for l in lines), lines
    # medium findings below --fail-on high are warnings
    assert sum(l.startswith("::warning file=k8s/apps.yaml,") and "title=RES503::" in l for l in lines) == 2
    # the suppressed finding gets no annotation; the summary counts it
    assert not any("Deployment/shop/canary" in l and "title=RES101" in l for l in lines)
    assert lines[-1].startswith("resilint: 3 finding(s)") and "1 suppressed" in lines[-1]
    assert any(l.startswith("::error file=k8s/broken.yaml,line=") for l in lines)
    # every annotation is one line: newlines in messages are escaped
    assert all("%0AFix: " in l for l in lines if l.startswith("::warning"))


def test_github_escaping():
    assert escape_data("50% done\nnext") == "50%25 done%0Anext"
    from linter.reporters.github import escape_property

    assert escape_property("a:b,c") == "a%3Ab%2Cc"


def test_github_levels_follow_fail_on(scanned):
    lines = render("github", scanned, settings(Severity.MEDIUM)).splitlines()
    assert sum(l.startswith("::error file=k8s/apps.yaml") for l in lines) == 3


# --- Markdown ------------------------------------------------------------------------

def test_markdown_summary_and_table(scanned):
    text = render("markdown", scanned, settings())
    assert "❌ **Failed**: 1 finding(s) at high or above" in text
    assert "| 🟧 high | 1 |" in text and "| 🟨 medium | 2 |" in text and "| suppressed | 1 |" in text
    header = "| Severity | Rule | Resource | Location | Message | Fix |"
    assert header in text
    table = text.split(header)[1].split("\n\n")[0].strip().splitlines()[1:]  # rows after the separator
    assert len(table) == 3
    assert all(row.count(" | ") == 5 for row in table)
    assert table[0].startswith("| 🟧 high | [RES101]") and "`k8s/apps.yaml:" in table[0]
    assert "<details><summary>1 suppressed finding(s)</summary>" in text and "the canary runs alone" in text
    assert "**Input errors**" in text and "k8s/broken.yaml" in text


def test_markdown_counts_baseline_findings_without_listing_them(scanned):
    for f in scanned.findings:
        if not f.suppressed and f.resource == "Deployment/shop/web":
            f.suppressed, f.suppression_kind, f.suppression_reason = True, "baseline", "recorded in the baseline b.json"
    text = render("markdown", scanned, settings())
    assert "| suppressed | 3 |" in text
    assert "2 finding(s) recorded in the baseline are not listed." in text
    assert "<details><summary>1 suppressed finding(s)</summary>" in text and "b.json" not in text


def test_markdown_escapes_pipes(scanned):
    scanned.findings[1].message = "a | b\nc"
    text = render("markdown", scanned, settings())
    assert "a \\| b c" in text


def test_markdown_passes_when_clean(tmp_path):
    (tmp_path / "web.yaml").write_text(APPS.split("---\n")[1].replace("replicas: 1", "replicas: 3"))
    text = render("markdown", scan([str(tmp_path)], ScanOptions(select=["RES101"])), settings())
    assert "✅ **Passed**" in text and "| Severity | Rule |" not in text
