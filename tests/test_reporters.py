"""CI reporters: SARIF 2.1.0, JUnit, GitHub workflow commands, Markdown.

The scans run on real files in a temporary git repository (its top level is
the root SARIF and GitHub paths are relative to). SARIF is validated against
the official schema from the shared folder when it is there; the structural
checks run without it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
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


def github_ingestion_problems(doc: dict) -> list[str]:
    """What GitHub code scanning rejects or drops, beyond the schema: more than
    25,000 results in a run, a result without ruleId, without a region, or
    without the line hash alerts are keyed on."""
    problems = []
    for i, run in enumerate(doc["runs"]):
        if len(run["results"]) > 25_000:
            problems.append(f"run {i}: {len(run['results'])} results")
        for j, res in enumerate(run["results"]):
            if not res.get("ruleId"):
                problems.append(f"run {i} result {j}: no ruleId")
            for loc in res.get("locations") or [None]:
                if not loc or not (loc["physicalLocation"].get("region") or {}).get("startLine"):
                    problems.append(f"run {i} result {j}: no region")
            if ":" not in (res.get("partialFingerprints") or {}).get("primaryLocationLineHash", ""):
                problems.append(f"run {i} result {j}: no primaryLocationLineHash")
    return problems


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
    active = [f for f in scanned.findings if not f.suppressed]
    # GitHub ignores `suppressions`: suppressed findings are left out and counted
    assert len(results) == len(active) == 3
    assert run["properties"]["suppressedFindings"] == 1
    assert run["properties"]["suppressedByKind"] == {"inline": 1}
    assert all(r["suppressions"] == [] for r in results)
    by_fingerprint = {f.fingerprint: f for f in active}
    for res in results:
        finding = by_fingerprint[res["partialFingerprints"]["resilintFingerprint/v1"]]
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == finding.rule_id
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "k8s/apps.yaml", "uriBaseId": "%SRCROOT%"}
        assert loc["region"]["startLine"] == finding.line
        assert res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == finding.resource
    # highest severity first
    assert [r["properties"]["severity"] for r in results] == ["high", "medium", "medium"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path(scanned.root).as_uri() + "/"
    assert github_ingestion_problems(doc) == []

    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 1 and notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "k8s/broken.yaml"
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_include_suppressed_keeps_them_with_suppressions(scanned):
    doc = json.loads(render("sarif", scanned, ReportSettings(sarif_include_suppressed=True)))
    results = doc["runs"][0]["results"]
    assert len(results) == 4
    suppressed = [r for r in results if r["suppressions"]]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"][0]["kind"] == "inSource"
    assert suppressed[0]["suppressions"][0]["justification"] == "the canary runs alone"
    assert doc["runs"][0]["properties"]["suppressedIncluded"] is True
    validate_sarif(doc)


def test_sarif_external_suppression_and_finding_without_a_line(scanned):
    plan_finding = Finding(
        rule_id="RES101", rule="k8s-deployment-single-replica", severity=Severity.HIGH,
        resource="Deployment/shop/api", resource_type="apps/Deployment", file="k8s/plan.json",
        line=None, message="m", remediation="r", suppressed=True,
        suppression_reason="recorded in the baseline", suppression_kind="baseline",
    )
    scanned.findings.append(plan_finding)
    doc = json.loads(render("sarif", scanned, ReportSettings(sarif_include_suppressed=True)))
    last = next(r for r in doc["runs"][0]["results"] if r["properties"]["resource"] == "Deployment/shop/api")
    # GitHub drops a result without a region: line 1, and the message names the resource
    assert last["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert last["message"]["text"].startswith("Deployment/shop/api: m")
    assert last["suppressions"][0]["kind"] == "external"
    assert github_ingestion_problems(doc) == []
    validate_sarif(doc, required=False)


def test_sarif_line_hash_is_stable_across_runs_and_line_moves(scanned, tmp_path):
    def hashes(result) -> dict:
        doc = sarif(result)
        return {(r["ruleId"], r["properties"]["resource"], r["properties"].get("attribute")):
                r["partialFingerprints"]["primaryLocationLineHash"] for r in doc["runs"][0]["results"]}

    first = hashes(scanned)
    assert all(len(h.split(":")[0]) == 16 and h.endswith(":1") for h in first.values())
    assert len(set(first.values())) == len(first)
    apps = tmp_path / "k8s" / "apps.yaml"
    apps.write_text("# moved down\n\n" + apps.read_text())
    moved = scan(["."], ScanOptions(select=SELECT))
    assert [f.line for f in moved.findings] != [f.line for f in scanned.findings]
    assert hashes(moved) == first


def test_sarif_keeps_at_most_25000_results_highest_severity_first():
    """GitHub rejects a run with more than 25,000 results (9,000 one-replica
    Deployments give 27,000): the lowest severities go, and a notification says how many."""
    from linter.engine import ScanResult
    from linter.reporters.sarif import MAX_RESULTS

    def finding(i: int, severity: Severity) -> Finding:
        return Finding(rule_id="RES101", rule="k8s-deployment-single-replica", severity=severity,
                       resource=f"Deployment/shop/app-{i}", resource_type="apps/Deployment",
                       file="k8s/apps.yaml", line=i + 1, message="one replica", remediation="raise it")

    severities = [Severity.LOW, Severity.MEDIUM, Severity.HIGH]
    result = ScanResult(findings=[finding(i, severities[i % 3]) for i in range(27_000)])
    doc = sarif(result)
    run = doc["runs"][0]
    assert MAX_RESULTS == 25_000 and len(run["results"]) == 25_000
    kept = [r["properties"]["severity"] for r in run["results"]]
    assert kept.count("high") == kept.count("medium") == 9_000 and kept.count("low") == 7_000
    assert kept == sorted(kept, key=["high", "medium", "low"].index)
    assert run["properties"]["resultsLeftOut"] == 2_000
    note = run["invocations"][0]["toolExecutionNotifications"][-1]
    assert note["level"] == "warning" and note["message"]["text"].startswith("2000 result(s) left out (2000 low)")
    assert github_ingestion_problems(doc) == []


def test_sarif_from_the_command_line_is_one_document(scanned, capsys, tmp_path):
    from linter.cli import main

    out = tmp_path / "out.sarif"
    assert main(["scan", ".", "--select", ",".join(SELECT), "--format", "sarif", "-o", str(out)]) == 2
    assert json.loads(out.read_text())["runs"][0]["results"]


# --- GitLab Code Quality ---------------------------------------------------------------

# The fields GitLab documents for a Code Quality report (docs: ci/testing/code_quality,
# "Code Quality report format"): an array of issues, each with these required members.
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^/"}},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}


def validate_gitlab(doc) -> None:
    import jsonschema

    errors = list(jsonschema.Draft7Validator(GITLAB_SCHEMA).iter_errors(doc))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    fingerprints = [issue["fingerprint"] for issue in doc]
    assert len(set(fingerprints)) == len(fingerprints), "GitLab needs a unique fingerprint per issue"


def test_gitlab_code_quality_report(scanned):
    doc = json.loads(render("gitlab", scanned, settings()))
    validate_gitlab(doc)
    findings = [i for i in doc if i["check_name"] != "resilint/input-error"]
    # suppressed findings are left out: Code Quality has no notion of them
    assert len(findings) == 3
    web = next(i for i in findings if i["check_name"] == "RES101")
    finding = next(f for f in scanned.findings if f.rule_id == "RES101" and not f.suppressed)
    assert web["severity"] == "critical"  # high
    assert web["location"] == {"path": "k8s/apps.yaml", "lines": {"begin": finding.line}}
    assert web["description"].startswith("RES101: Deployment shop/web") and "Fix: " in web["description"]
    assert {i["severity"] for i in findings if i["check_name"] == "RES503"} == {"major"}  # medium
    error = next(i for i in doc if i["check_name"] == "resilint/input-error")
    assert error["severity"] == "blocker" and error["location"]["path"] == "k8s/broken.yaml"
    assert error["location"]["lines"]["begin"] == scanned.errors[0].line


def test_gitlab_fingerprints_are_stable_and_unique(scanned, tmp_path):
    first = json.loads(render("gitlab", scanned, settings()))
    apps = tmp_path / "k8s" / "apps.yaml"
    apps.write_text("# moved down\n\n" + apps.read_text())
    again = json.loads(render("gitlab", scan(["."], ScanOptions(select=SELECT)), settings()))
    assert {i["fingerprint"] for i in first} == {i["fingerprint"] for i in again}
    # two findings that share a fingerprint still get distinct ones
    scanned.findings.append(next(f for f in scanned.findings if not f.suppressed))
    validate_gitlab(json.loads(render("gitlab", scanned, settings())))


def test_gitlab_severities_cover_every_level():
    from linter.reporters.gitlab import SEVERITIES

    assert [SEVERITIES[s] for s in sorted(Severity)] == ["minor", "major", "critical", "blocker"]


# --- several reports from one scan -------------------------------------------------------

def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "linter", *args], capture_output=True, text=True, cwd=cwd)


def test_several_reports_from_one_scan(scanned, tmp_path):
    run = cli("scan", ".", "--select", ",".join(SELECT), "-f", "text", "-f", "sarif:../resilint.sarif",
              "-f", "gitlab:../gl-code-quality.json", "-f", "junit:../junit.xml", cwd=tmp_path / "k8s")
    assert run.returncode == 2, run.stderr  # the broken file
    assert "RES101" in run.stdout and "Deployment/shop/web" in run.stdout  # the text report, on stdout
    doc = json.loads((tmp_path / "resilint.sarif").read_text())
    validate_sarif(doc)
    assert github_ingestion_problems(doc) == [] and len(doc["runs"][0]["results"]) == 3
    validate_gitlab(json.loads((tmp_path / "gl-code-quality.json").read_text()))
    assert ET.parse(tmp_path / "junit.xml").getroot().get("failures") == "3"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_output_goes_to_the_report_without_a_file(scanned, tmp_path):
    run = cli("scan", ".", "--select", ",".join(SELECT), "-f", "json", "-o", "../out.json",
              "-f", "sarif:../out.sarif", cwd=tmp_path / "k8s")
    assert run.returncode == 2 and run.stdout == ""
    assert "broken.yaml" in run.stderr  # no report on the terminal: input errors go to stderr
    assert len(json.loads((tmp_path / "out.json").read_text())["findings"]) == 4
    assert json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"]


@pytest.mark.parametrize("args, message", [
    (["-f", "text", "-f", "json"], "only one report can go to standard output"),
    (["-f", "sarif:a.sarif", "-o", "b.sarif"], "every -f already names its file"),
    (["-f", "sarif:same.json", "-f", "gitlab:same.json"], "same file"),
    (["-f", "sarif:"], "a file name must follow the colon"),
    (["-f", "yaml"], "unknown format 'yaml'"),
])
def test_report_usage_errors(tmp_path, args, message):
    (tmp_path / "app.yaml").write_text(APPS)
    run = cli("scan", ".", *args, cwd=tmp_path)
    assert run.returncode == 2 and message in run.stderr, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.yaml"]


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


def test_junit_lists_only_the_rules_that_ran(tmp_path):
    """No hidden fallback to the registry: a result whose engine ran no rule has no
    passing cases (before, `--select NOPE -f junit` reported six rules that never ran)."""
    from linter.engine import ScanResult

    (tmp_path / "web.yaml").write_text(APPS.split("---\n")[1])
    ran = scan([str(tmp_path)], ScanOptions(select=["RES101"]))
    assert [r.id for r in ran.rules] == ["RES101"]
    names = [c.get("name").split()[0] for c in ET.fromstring(render("junit", ran, settings())).iter("testcase")]
    assert names == ["RES101"]
    none_ran = ScanResult(resources=ran.resources, files=ran.files)
    root = ET.fromstring(render("junit", none_ran, settings()))
    assert root.get("tests") == "0" and list(root.iter("testcase")) == []


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


def many_findings(n: int):
    """n findings shaped like a real scan of n one-replica Deployments (RES101, RES503, RES501)."""
    from linter.engine import ScanResult
    from linter.rules import load_rules

    rules = load_rules()
    findings = []
    for i in range(n):
        for rule_id, severity in (("RES101", Severity.HIGH), ("RES503", Severity.MEDIUM), ("RES501", Severity.LOW)):
            rule = rules[rule_id]
            findings.append(Finding(
                rule_id=rule_id, rule=rule.name, severity=severity, resource=f"Deployment/shop/app-{i}",
                resource_type="apps/Deployment", file=f"k8s/app-{i}.yaml", line=7,
                message=f"Deployment shop/app-{i}: {rule.title}", remediation=rule.remediation,
                docs_url=rule.docs_url))
    return ScanResult(findings=findings, files=[f"k8s/app-{i}.yaml" for i in range(n)])


def test_markdown_stays_under_a_comment_and_says_what_was_left_out():
    """2,000 manifests gave 82,703 characters, over GitHub's 65,536-character comment limit."""
    result = many_findings(2_000)
    text = render("markdown", result, settings())
    assert len(text.encode("utf-8")) <= 65_536
    rows = [line for line in text.splitlines() if line.startswith("| 🟧 high | [") or line.startswith("| 🟨 medium | [")
            or line.startswith("| 🟦 low | [")]
    last = text.rstrip("\n").splitlines()[-1]
    left_out = len(result.findings) - len(rows)
    assert rows and left_out > 0
    assert last.startswith(f"_Left out to stay under 65,536 characters: {left_out} finding(s) (")
    # most severe first: what is left out is what the listed rows do not cover, severity by severity
    listed = {sev: sum(row.startswith(f"| {icon} {sev} |") for row in rows)
              for sev, icon in (("high", "🟧"), ("medium", "🟨"), ("low", "🟦"))}
    assert [r.split(" | ")[0] for r in rows] == sorted((r.split(" | ")[0] for r in rows),
                                                       key=["| 🟧 high", "| 🟨 medium", "| 🟦 low"].index)
    said = {sev: int(n) for n, sev in re.findall(r"(\d+) (high|medium|low)", last)}
    assert said == {sev: 2_000 - n for sev, n in listed.items() if n < 2_000}


def test_the_job_summary_lists_what_a_comment_cannot():
    result = many_findings(500)
    text = render("github-summary", result, settings())
    assert 65_536 < len(text.encode("utf-8")) <= 1_000_000
    assert text.count("](") == len(result.findings) and "_Left out" not in text
    limited = render("markdown", result, ReportSettings(markdown_limit=100_000))
    assert 65_536 < len(limited.encode("utf-8")) <= 100_000 and "_Left out to stay under 100,000" in limited


# --- the whole shared corpus, every format ----------------------------------------------

@pytest.fixture(scope="module")
def corpus_scan():
    corpus = corpus_dir("")
    # paths relative to the shared folder, as to a repository root
    return scan([str(corpus)], ScanOptions(root=str(corpus.parent)))


def test_every_format_on_the_whole_corpus_has_a_line_for_every_result(corpus_scan):
    result = corpus_scan
    assert len(result.findings) > 100
    assert [f for f in result.findings if not f.line] == []
    doc = json.loads(render("sarif", result, settings()))
    validate_sarif(doc)
    assert github_ingestion_problems(doc) == []
    gitlab = json.loads(render("gitlab", result, settings()))
    validate_gitlab(gitlab)
    assert len(gitlab) == len([f for f in result.findings if not f.suppressed]) + len(result.errors)
    junit = ET.fromstring(render("junit", result, settings()))
    failures = [tc for tc in junit.iter("testcase") if tc.find("failure") is not None]
    assert failures and all(tc.get("line") for tc in failures)
    annotations = [l for l in render("github", result, settings()).splitlines() if l.startswith("::")]
    assert annotations and all(",line=" in l for l in annotations)
    assert all(f["line"] for f in json.loads(render("json", result, settings()))["findings"])
    markdown = render("markdown", result, settings())
    assert len(markdown.encode("utf-8")) <= 65_536
    assert render("text", result, settings())


def test_every_reporter_module_implements_the_reporter_protocol():
    """A new reporter is one module: FORMATS finds it by its name, and it must
    provide `render(result: ScanResult, settings: ReportSettings) -> str`."""
    import importlib
    import inspect

    from linter.reporters import FORMATS

    assert {"text", "json", "sarif", "junit", "github", "github-summary", "markdown", "concise", "gitlab"} <= set(FORMATS)
    for fmt, module in FORMATS.items():
        render = importlib.import_module(module).render
        signature = inspect.signature(render)
        assert [(p.name, p.annotation) for p in signature.parameters.values()] == \
            [("result", "ScanResult"), ("settings", "ReportSettings")], fmt
        assert signature.return_annotation == "str", fmt


def module_value_set_at_the_call(tmp_path, monkeypatch):
    """A scan whose one finding's value was set at main.tf:3 (a module call's argument)."""
    (tmp_path / "modules" / "db").mkdir(parents=True)
    (tmp_path / "modules" / "db" / "main.tf").write_text(
        'variable "multi_az" {}\nresource "aws_db_instance" "this" {\n  engine = "postgres"\n'
        '  instance_class = "db.t3.micro"\n  multi_az = var.multi_az\n  backup_retention_period = 7\n'
        '  deletion_protection = true\n}\n')
    (tmp_path / "main.tf").write_text('module "db" {\n  source   = "./modules/db"\n  multi_az = false\n}\n')
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES301"]))
    return result


def test_sarif_links_where_a_value_was_set_and_carries_the_notes(tmp_path, monkeypatch):
    """GitHub shows a result's message: the notes follow it, and each place a value was
    set is a related location the text links to."""
    result = module_value_set_at_the_call(tmp_path, monkeypatch)
    (finding,) = result.findings
    finding.notes = ['`.Values.x` = 1, set at values.yaml:6', 'a [bracket](in a note)']
    doc = json.loads(render("sarif", result, settings()))
    validate_sarif(doc, required=False)
    (res,) = doc["runs"][0]["results"]
    text = res["message"]["text"]
    assert "(var.multi_az, [set at main.tf:3](1))" in text
    assert "\nNote: `.Values.x` = 1, [set at values.yaml:6](2)" in text
    assert "\nNote: a [bracket\\](in a note)" in text  # not a link: escaped
    assert res["relatedLocations"] == [
        {"id": 1, "physicalLocation": {"artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"},
                                       "region": {"startLine": 3}}},
        {"id": 2, "physicalLocation": {"artifactLocation": {"uri": "values.yaml", "uriBaseId": "%SRCROOT%"},
                                       "region": {"startLine": 6}}},
    ]
    # JSON lists the places for tools that link to them
    (listed,) = json.loads(render("json", result, settings()))["findings"]
    assert listed["set_at"] == [{"file": "main.tf", "line": 3}, {"file": "values.yaml", "line": 6}]
    # GitLab's Code Quality widget shows the description alone: the notes are in it
    (issue,) = json.loads(render("gitlab", result, settings()))
    assert "Note: `.Values.x` = 1, set at values.yaml:6." in issue["description"]


def test_the_text_report_shows_the_line_that_set_a_value(tmp_path, monkeypatch):
    """Beside the finding's own lines, the line its message says set the value."""
    result = module_value_set_at_the_call(tmp_path, monkeypatch)
    for color, width in ((False, None), (False, 200)):  # plain (a pipe), and laid out for a terminal
        text = render("text", result, ReportSettings(color=color, width=width))
        assert "    set at main.tf:3:\n    >    3 |   multi_az = false\n" in text, text
    # the call that leaves a module's default in place: its line, under the message's own words
    (finding,) = result.findings
    finding.message = 'x (the default of var.multi_az; module "db" at main.tf:1 does not set it)'
    assert '    at main.tf:1:\n    >    1 | module "db" {\n' in render("text", result, ReportSettings())
    # a place the finding already shows, or one that cannot be read, adds nothing
    finding.message = f"x (set at {finding.file}:{finding.line}, set at gone.tf:2)"
    assert "set at gone.tf:2:" not in render("text", result, ReportSettings())
    assert f"set at {finding.file}:{finding.line}:" not in render("text", result, ReportSettings())
