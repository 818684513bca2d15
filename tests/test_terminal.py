"""The terminal as people use it: layout at 80 and 200 columns, colour choice,
the concise format, --statistics, --exit-zero, `rules` and `explain`, and the
"did you mean" of commands and options.

Snapshots live in tests/snapshots/ (see its README): fixed inputs rendered
through a rich Console of fixed width, compared byte for byte. Regenerate with
RESILINT_UPDATE_SNAPSHOTS=1 after a deliberate change, and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from linter.docs import render_explain, render_rules
from linter.engine import ScanOptions, ScanResult, scan
from linter.model import Finding, InputError, Severity
from linter.reporters import ReportSettings, render, statistics
from linter.rules import Rule, load_rules
from linter.terminal import use_color
from tests.conftest import REPO

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = bool(os.environ.get("RESILINT_UPDATE_SNAPSHOTS"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
WEB = "tests/snapshots/web.yaml"  # findings point into it: the report shows its lines


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {name}: run with RESILINT_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} changed; if deliberate, regenerate (tests/snapshots/README.md)"


def finding(rule_id, severity, resource, line, message, **extra) -> Finding:
    return Finding(rule_id=rule_id, rule=extra.pop("rule", "k8s-deployment-single-replica"), severity=severity,
                   resource=resource, resource_type="apps/Deployment", file=WEB, line=line, message=message,
                   remediation=extra.pop("remediation", "Set spec.replicas to 2 or more, or let an HPA with "
                                         "minReplicas >= 2 own the count."), **extra)


def fixed_result() -> ScanResult:
    address = "Deployment/payments-processing-europe-west/checkout-service-with-a-rather-long-name"
    return ScanResult(
        findings=[
            finding("RES101", Severity.HIGH, address, 7,
                    "Deployment payments-processing-europe-west/checkout-service-with-a-rather-long-name runs 1 "
                    "replica (spec.replicas: 1) and no HorizontalPodAutoscaler or ScaledObject targets it"),
            finding("RES503", Severity.MEDIUM, address, 13,
                    "container checkout has no readinessProbe: it counts as ready as soon as it starts",
                    rule="k8s-missing-readiness-probe", remediation="Add a readinessProbe.",
                    notes=["declared at index.ts:12"]),
            finding("RES504", Severity.LOW, address, 13, "container checkout has no livenessProbe",
                    rule="k8s-missing-liveness-probe", remediation="Add a livenessProbe.", suppressed=True,
                    suppression_kind="inline", suppression_reason="probed by the mesh"),
        ],
        errors=[InputError("k8s/broken.yaml", "invalid YAML: mapping values are not allowed here", 3)],
        files=[WEB, "k8s/broken.yaml"],
    )


def fixed_rules() -> list[Rule]:
    doc = """
        What it does
        Reports Deployments whose effective replica count is 1: `spec.replicas: 1`, or unset.

        Why is this bad?
        With one replica every node drain, eviction or crash is an outage.

        Example
        ```yaml
        spec:
          replicas: 1
        ```

        Use instead
        ```yaml
        spec:
          replicas: 3
        ```
    """
    import inspect

    def rule(id, name, severity, types, remediation="Run two or more."):
        return Rule(id=id, name=name, title="Deployment runs a single replica.", severity=severity, types=tuple(types),
                    check=lambda r, ctx: iter(()), remediation=remediation, doc=inspect.cleandoc(doc))

    return [
        rule("RES101", "k8s-deployment-single-replica", Severity.HIGH, ["apps/Deployment", "apps/ReplicaSet"]),
        rule("RES113", "azure-aks-node-pool-no-zones", Severity.MEDIUM,
             ["azurerm_kubernetes_cluster", "azurerm_kubernetes_cluster_node_pool",
              "azure-native:containerservice:ManagedCluster", "azure-native:containerservice:AgentPool"]),
        rule("RES116", "azure-app-service-plan-not-zone-redundant", Severity.MEDIUM, ["azurerm_service_plan"]),
        rule("RES404", "aws-lambda-stream-unbounded-retries", Severity.CRITICAL,
             ["aws_lambda_event_source_mapping", "aws_pipes_pipe"]),
        rule("RES504", "k8s-missing-liveness-probe", Severity.LOW, ["apps/Deployment"]),
    ]


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)  # the findings' file is relative to the repository


# --- snapshots ------------------------------------------------------------------

@pytest.mark.parametrize("columns", [80, 200])
def test_report_snapshot(in_repo, columns):
    text = render("text", fixed_result(), ReportSettings(width=columns))
    assert "\x1b[" not in text
    check_snapshot(f"report-{columns}.txt", text)
    assert max(len(line) for line in text.splitlines()) <= columns


def test_report_coloured_snapshot(in_repo):
    check_snapshot("report-color-80.txt", render("text", fixed_result(), ReportSettings(width=80, color=True)))


def test_piped_report_concise_and_statistics_snapshots(in_repo):
    result = fixed_result()
    check_snapshot("report-piped.txt", render("text", result, ReportSettings()))
    check_snapshot("concise.txt", render("concise", result, ReportSettings()))
    check_snapshot("statistics.txt", statistics(result, ReportSettings()))


@pytest.mark.parametrize("columns", [80, 200])
def test_rules_snapshot(columns):
    text = render_rules(fixed_rules(), color=False, columns=columns)
    check_snapshot(f"rules-{columns}.txt", text)
    assert max(len(line) for line in text.splitlines()) <= columns


@pytest.mark.parametrize("columns", [80, 200])
def test_explain_snapshot(columns):
    text = render_explain(fixed_rules()[0], color=False, columns=columns)
    check_snapshot(f"explain-{columns}.txt", text)
    assert "## " not in text and "```" not in text  # rendered, not raw Markdown


# --- the real registry and a real scan at 80 columns ------------------------------

def test_every_real_rule_fits_80_columns_whole():
    rules = sorted(load_rules().values(), key=lambda r: r.id)
    lines = render_rules(rules, color=False, columns=80).splitlines()
    assert max(len(line) for line in lines) <= 80
    starts = [line.split()[0] for line in lines[1:-1] if not line.startswith(" ")]
    assert starts == [r.id for r in rules]  # one row per rule, no row broken inside a cell
    text = "\n".join(lines)
    assert all(r.name in text for r in rules) and all(t in text for r in rules for t in r.types)  # nothing cut off


def test_real_scan_at_80_columns_keeps_indentation(in_repo):
    result = scan(["examples"], ScanOptions())
    lines = render("text", result, ReportSettings(width=80)).splitlines()
    assert max(len(line) for line in lines) <= 80
    files = set(result.files)
    body = lines[: next(i for i, line in enumerate(lines) if "resilint summary" in line)]
    for line in body:  # a file name at column 0, everything else under it
        assert not line or line in files or line.startswith("  "), line


# --- colour ------------------------------------------------------------------------

class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize("choice, env, tty, expected", [
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"NO_COLOR": ""}, True, True),        # empty NO_COLOR means nothing (no-color.org)
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"FORCE_COLOR": "1"}, False, True),
    ("auto", {"FORCE_COLOR": ""}, False, False),
    ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
    ("never", {"FORCE_COLOR": "1"}, True, False),
    ("always", {"NO_COLOR": "1"}, False, True),
])
def test_colour_choice(monkeypatch, choice, env, tty, expected):
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert use_color(choice, _Stream(tty)) is expected


def run(*args, env=None, cwd=None):
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "linter", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, env=full_env)


def test_colour_through_a_real_pipe():
    forced = run("scan", "examples/kubernetes", env={"FORCE_COLOR": "1", "COLUMNS": "80"})
    assert "\x1b[" in forced.stdout and max(len(ANSI.sub("", line)) for line in forced.stdout.splitlines()) <= 80
    assert "\x1b[" not in run("scan", "examples/kubernetes", env={"NO_COLOR": ""}).stdout
    assert "\x1b[" not in run("scan", "examples/kubernetes", "--color", "never", env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in run("rules", "--color", "always").stdout
    assert "\x1b[" in run("explain", "RES101", "--color", "always").stdout


# --- scan options --------------------------------------------------------------------

def test_concise_statistics_exit_zero_and_summary_with_output_file(tmp_path):
    concise = run("scan", "examples", "-f", "concise")
    assert concise.returncode == 1
    lines = concise.stdout.splitlines()
    pattern = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<id>RES\d{3}) \[(?P<sev>low|medium|high|critical)\] \S")
    assert all(pattern.match(line) for line in lines[:-1]) and len(lines) > 3
    assert lines[-1].startswith("resilint: ") and not pattern.match(lines[-1])

    stats = run("scan", "examples", "--statistics")
    doc = json.loads(run("scan", "examples", "-f", "json").stdout)
    by_rule = {}
    for f in doc["findings"]:
        by_rule[f["rule_id"]] = by_rule.get(f["rule_id"], 0) + 1
    rows = [line.split() for line in stats.stdout.splitlines()[:-1]]
    assert {row[1]: int(row[0]) for row in rows} == by_rule
    beside_json = run("scan", "examples", "-f", "json", "--statistics")
    assert json.loads(beside_json.stdout)["findings"] and "RES101" in beside_json.stderr

    assert run("scan", "examples", "--exit-zero").returncode == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x\n")
    assert run("scan", str(broken), "--exit-zero").returncode == 2  # input errors still fail

    report = tmp_path / "report.txt"
    to_file = run("scan", "examples", "-o", str(report))
    assert to_file.returncode == 1 and to_file.stdout == ""
    assert to_file.stderr.startswith("resilint: 7 finding(s)") or "finding(s)" in to_file.stderr.splitlines()[-1]
    assert f"(report: {report})" in to_file.stderr
    assert "RES101" in report.read_text()


# --- rules and explain ----------------------------------------------------------------

def test_rules_json_and_filters():
    every = json.loads(run("rules", "--format", "json").stdout)
    assert [r["id"] for r in every] == sorted(load_rules())
    assert set(every[0]) >= {"id", "name", "title", "severity", "platforms", "types", "docs_url"}
    zones = json.loads(run("rules", "RES3", "-f", "json").stdout)
    assert zones and all(r["id"].startswith("RES3") for r in zones)
    globbed = json.loads(run("rules", "RES10*", "RES503", "-f", "json").stdout)
    assert [r["id"] for r in globbed] == sorted(i for i in load_rules() if i.startswith("RES10") or i == "RES503")
    aws = json.loads(run("rules", "--platform", "aws", "-f", "json").stdout)
    assert aws and all("aws" in r["platforms"] for r in aws) and all(any(t.startswith("aws_") for t in r["types"]) for r in aws)
    assert {r["id"] for r in json.loads(run("rules", "RES3", "--platform", "gcp", "-f", "json").stdout)} == {
        r["id"] for r in zones if "gcp" in r["platforms"]}
    typo = run("rules", "RSE3")
    assert typo.returncode == 2 and "RSE3 matches no rule (did you mean RES3?)" in typo.stderr


def test_explain_piped_is_markdown():
    proc = run("explain", "RES101")
    assert proc.returncode == 0
    assert proc.stdout.startswith("# RES101 k8s-deployment-single-replica") and "## What it does" in proc.stdout
    typo = run("explain", "RSE101")
    assert typo.returncode == 2 and "did you mean RES101?" in typo.stderr


# --- did you mean ------------------------------------------------------------------------

def test_mistyped_command_and_options(tmp_path):
    proc = run("rule")
    assert proc.returncode == 2 and "unknown command 'rule' (did you mean `resilint rules`?)" in proc.stderr
    (tmp_path / "rule").mkdir()  # a directory of that name is scanned, as `resilint PATH` promises
    assert run("rule", cwd=tmp_path).returncode == 0
    missing = run("scan.yaml", cwd=tmp_path)  # a missing file, not a mistyped command
    assert missing.returncode == 2 and "unknown command" not in missing.stderr + missing.stdout
    proc = run("scan", "--selct", "RES1", "examples")
    assert proc.returncode == 2 and "(did you mean --select?)" in proc.stderr
    proc = run("scan", "-f", "consice", "examples")
    assert proc.returncode == 2 and "did you mean 'concise'?" in proc.stderr
    proc = run("rules", "--format", "jsn")
    assert proc.returncode == 2 and "did you mean 'json'?" in proc.stderr


def test_version_is_answered_without_heavy_imports():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "linter", "--version"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.stdout.startswith("resilint ")
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert not {"rich", "yaml", "linter.model", "linter.reporters", "argparse"} & imported
