"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Written for what GitHub does with a log, not only for the schema:

- `tool.driver.rules`: every rule that ran (plus any custom rule met in the
  findings), with short and full descriptions, help that says how to fix, and a
  default level from the rule's severity.
- one result per finding, highest severity first; its location is relative to
  the repository root (`uriBaseId: %SRCROOT%`) and always has a region (GitHub
  drops results without one): a finding with no line points at line 1 and its
  message names the resource.
- GitHub keys alerts on `partialFingerprints.primaryLocationLineHash`: it is
  derived from the finding's fingerprint (rule + resource + path + attribute),
  not from line contents, so an alert follows its resource across runs and
  line moves. `resilintFingerprint/v1` carries the fingerprint itself.
- suppressed findings are left out and counted in the run's properties:
  GitHub ignores `suppressions` and would open an alert for each. With
  `--sarif-include-suppressed` they are kept with a `suppressions` entry
  (inline comments and annotations are `inSource`, config and baseline
  `external`) for viewers that honour it.
- GitHub rejects a run of more than 25,000 results: past MAX_RESULTS the
  lowest severities are left out and a notification says how many.
- GitHub shows a result's message, not its properties: the notes (where a
  Helm value was set, how an object was rendered) follow the message, and
  each place it names (`set at prod.tfvars:3`, `module "db" at main.tf:7`) is
  a related location that the text links to (`[set at prod.tfvars:3](1)`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, TYPE_CHECKING
from urllib.parse import quote

from linter import __version__
from linter.model import Severity
from linter.reporters import count_by_severity, value_places

if TYPE_CHECKING:
    from linter.rules import Rule
    from linter.model import Finding
    from linter.engine import ScanResult
    from linter.reporters import ReportSettings

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/resilint/resilint"
FINGERPRINT_KEY = "resilintFingerprint/v1"
LINE_HASH_KEY = "primaryLocationLineHash"
MAX_RESULTS = 25_000  # GitHub code scanning rejects a run with more
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SUPPRESSION_KINDS = {"inline": "inSource", "annotation": "inSource"}  # others: external


def level(severity: Severity) -> str:
    return LEVELS[severity]


def _root(result: ScanResult) -> str:
    return result.root or os.getcwd()


def artifact_location(file: str, root: str) -> dict[str, Any]:
    """A URI relative to %SRCROOT% when the file is under the root, else an absolute file URI."""
    absolute = Path(os.path.abspath(file))
    try:
        rel = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": "%SRCROOT%"}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    sections = rule.sections()
    what = sections.get("What it does", "").strip() or rule.title
    why = sections.get("Why is this bad?", "").strip()
    use_instead = sections.get("Use instead", "").strip()
    help_md = f"**Fix:** {rule.remediation}"
    if why:
        help_md += f"\n\n**Why is this bad?**\n\n{why}"
    if use_instead:
        help_md += f"\n\n**Use instead**\n\n{use_instead}"
    if sections.get("References"):
        help_md += f"\n\n**References**\n\n{sections['References']}"
    help_md += f"\n\n[Documentation]({rule.docs_url})"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": " ".join(what.split()) + (f" {' '.join(why.split())}" if why else "")},
        "help": {"text": f"Fix: {rule.remediation}\nDocs: {rule.docs_url}", "markdown": help_md},
        "helpUri": rule.docs_url,
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {
            "tags": ["resilience", rule.family],
            "severity": str(rule.severity),
            "precision": "high",
            "problem.severity": {"error": "error", "warning": "warning"}.get(level(rule.severity), "recommendation"),
        },
    }


def _descriptor_from_finding(f: Finding) -> dict[str, Any]:
    """A custom (Rego) rule that is not in the registry: described by its finding."""
    out = {
        "id": f.rule_id,
        "name": f.rule or f.rule_id,
        "shortDescription": {"text": f.rule_title or f.rule or f.rule_id},
        "fullDescription": {"text": f.rule_description or f.rule_title or f"Custom policy {f.rule_id}."},
        "help": {"text": f"Fix: {f.remediation}" if f.remediation else "Custom policy."},
        "defaultConfiguration": {"level": level(f.severity)},
        "properties": {"tags": ["resilience", "custom"], "severity": str(f.severity)},
    }
    if f.docs_url:
        out["helpUri"] = f.docs_url
    return out


def _rules(result: ScanResult) -> list[Any]:
    """The rules that ran (ScanResult.rules), plus registry rules met only in
    findings (a result put together by hand); custom rules are described from
    their findings in build."""
    rules = {r.id: r for r in result.rules}
    missing = {f.rule_id for f in result.findings} - set(rules)
    if missing:
        from linter.rules import load_rules

        registry = load_rules()
        rules.update({i: registry[i] for i in missing if i in registry})
    return sorted(rules.values(), key=lambda r: r.id)


def line_hash(fingerprint: str, occurrence: int) -> str:
    """GitHub's `primaryLocationLineHash` shape (16 hex digits, `:`, the
    occurrence), from the finding's identity rather than the line's text."""
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    return f"{digest}:{occurrence}"


def sarif_result(f: Finding, index: int, root: str, occurrence: int = 1) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": {
        "artifactLocation": artifact_location(f.file, root),
        # GitHub drops a result without a region
        "region": {"startLine": f.line or 1},
    }}
    location["logicalLocations"] = [{"fullyQualifiedName": f.resource, "kind": "resource"}]
    text = f.message if f.line else f"{f.resource}: {f.message}"
    text += "".join(f"\nNote: {note}" for note in f.notes)
    if f.remediation:
        text += f"\nFix: {f.remediation}"
    text, related = _linked(text, root)
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": level(f.severity),
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {
            FINGERPRINT_KEY: f.fingerprint,
            LINE_HASH_KEY: line_hash(f.fingerprint, occurrence),
        },
        "properties": {
            "severity": str(f.severity),
            "resource": f.resource,
            "resourceType": f.resource_type,
        },
    }
    if f.suppressed:
        out["suppressions"] = [{
            "kind": SUPPRESSION_KINDS.get(f.suppression_kind or "", "external"),
            "status": "accepted",
            "justification": f.suppression_reason or "suppressed",
            "properties": {"resilintKind": f.suppression_kind or "unknown"},
        }]
    else:
        out["suppressions"] = []
    if related:
        out["relatedLocations"] = related
    if f.attribute:
        out["properties"]["attribute"] = f.attribute
    if f.notes:
        out["properties"]["notes"] = list(f.notes)
    if f.environment:  # the values file the root or chart was planned with: a filter in viewers
        out["properties"]["environment"] = f.fingerprint_environment or f.environment
    return out


def _linked(text: str, root: str) -> tuple[str, list[dict[str, Any]]]:
    """The message with each place it names (`set at FILE:LINE`, `at FILE:LINE`) an
    embedded link to a related location of that place, and those locations. Brackets of the text that would read as a
    link (`](`) are escaped, as SARIF asks."""
    text = text.replace("](", "\\](")
    related: list[dict[str, Any]] = []
    out, at = [], 0
    for place in value_places(text):
        related.append({"id": len(related) + 1, "physicalLocation": {
            "artifactLocation": artifact_location(place.file, root), "region": {"startLine": place.line}}})
        out.append(f"{text[at:place.start]}[{text[place.start:place.end]}]({len(related)})")
        at = place.end
    out.append(text[at:])
    return "".join(out), related


def _results(findings: list[Any], ids: dict[str, Any], root: str) -> list[Any]:
    seen: dict[str, int] = {}
    out = []
    for f in findings:
        seen[f.fingerprint] = seen.get(f.fingerprint, 0) + 1
        out.append(sarif_result(f, ids[f.rule_id], root, seen[f.fingerprint]))
    return out


def build(result: ScanResult, settings: ReportSettings) -> dict[str, Any]:
    root = _root(result)
    descriptors = [rule_descriptor(r) for r in _rules(result)]
    ids = {d["id"]: i for i, d in enumerate(descriptors)}
    for f in result.findings:
        if f.rule_id not in ids:
            ids[f.rule_id] = len(descriptors)
            descriptors.append(_descriptor_from_finding(f))
    notifications = []
    for err in result.errors:
        note: dict[str, Any] = {"level": "error", "message": {"text": err.message}}
        if err.file:
            loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": artifact_location(err.file, root)}}
            if err.line:
                loc["physicalLocation"]["region"] = {"startLine": err.line}
            note["locations"] = [loc]
        notifications.append(note)
    include_suppressed = settings.sarif_include_suppressed
    suppressed = [f for f in result.findings if f.suppressed]
    kept = result.findings if include_suppressed else [f for f in result.findings if not f.suppressed]
    kept = sorted(kept, key=lambda f: -f.severity)  # stable: the scan's order within a severity
    left_out = kept[MAX_RESULTS:]
    kept = kept[:MAX_RESULTS]
    properties: dict[str, Any] = {"failOn": str(settings.fail_on), "suppressedFindings": len(suppressed),
                        "suppressedIncluded": bool(include_suppressed)}
    if suppressed:
        properties["suppressedByKind"] = dict(Counter(f.suppression_kind or "unknown" for f in suppressed))
    if left_out:
        properties["resultsLeftOut"] = len(left_out)
        counts = ", ".join(f"{n} {sev}" for sev, n in count_by_severity(left_out).items() if n)
        notifications.append({"level": "warning", "message": {"text": (
            f"{len(left_out)} result(s) left out ({counts}): GitHub code scanning accepts at most "
            f"{MAX_RESULTS:,} results per run, so the {MAX_RESULTS:,} of highest severity are listed. "
            "`resilint scan --format json` reports every finding.")}})
    run = {
        "tool": {"driver": {
            "name": "resilint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFO_URI,
            "rules": descriptors,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(root).as_uri().rstrip("/") + "/"}},
        "columnKind": "utf16CodeUnits",
        "results": _results(kept, ids, root),
        "invocations": [{
            "executionSuccessful": not result.errors,
            "toolExecutionNotifications": notifications,
        }],
        "properties": properties,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: ScanResult, settings: ReportSettings) -> str:
    return json.dumps(build(result, settings), indent=2) + "\n"
