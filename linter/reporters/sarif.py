"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

- `tool.driver.rules`: every rule that ran (plus any custom rule met in the
  findings), with short and full descriptions, help that says how to fix, and a
  default level from the rule's severity.
- one result per finding; its location is relative to the repository root
  (`uriBaseId: %SRCROOT%`), with a region only when the line is known.
- `partialFingerprints` carry the finding's fingerprint (rule + resource +
  path), so alerts follow a resource when lines move.
- suppressed findings stay in the log with a `suppressions` entry (inline
  comments and annotations are `inSource`, config and baseline `external`),
  which GitHub shows as dismissed rather than open.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from linter import __version__
from linter.model import Severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/resilint/resilint"
FINGERPRINT_KEY = "resilintFingerprint/v1"
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SUPPRESSION_KINDS = {"inline": "inSource", "annotation": "inSource"}  # others: external


def level(severity: Severity) -> str:
    return LEVELS[severity]


def _root(result) -> str:
    return getattr(result, "root", None) or os.getcwd()


def artifact_location(file: str, root: str) -> dict:
    """A URI relative to %SRCROOT% when the file is under the root, else an absolute file URI."""
    absolute = Path(os.path.abspath(file))
    try:
        rel = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": "%SRCROOT%"}


def rule_descriptor(rule) -> dict:
    sections = rule.sections()
    what = sections.get("What it does", "").strip() or rule.title
    why = sections.get("Why is this bad?", "").strip()
    use_instead = sections.get("Use instead", "").strip()
    help_md = f"**Fix:** {rule.remediation}"
    if why:
        help_md += f"\n\n**Why is this bad?**\n\n{why}"
    if use_instead:
        help_md += f"\n\n**Use instead**\n\n{use_instead}"
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


def _descriptor_from_finding(f) -> dict:
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


def _rules(result) -> list:
    rules = list(getattr(result, "rules", None) or [])
    if not rules:
        from linter.rules import load_rules

        registry = load_rules()
        rules = [registry[i] for i in sorted({f.rule_id for f in result.findings}) if i in registry]
    return sorted(rules, key=lambda r: r.id)


def sarif_result(f, index: int, root: str) -> dict:
    location: dict = {"physicalLocation": {"artifactLocation": artifact_location(f.file, root)}}
    if f.line:
        location["physicalLocation"]["region"] = {"startLine": f.line}
    location["logicalLocations"] = [{"fullyQualifiedName": f.resource, "kind": "resource"}]
    text = f.message if not f.remediation else f"{f.message}\nFix: {f.remediation}"
    out = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": level(f.severity),
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "suppressions": [],
        "properties": {
            "severity": str(f.severity),
            "resource": f.resource,
            "resourceType": f.resource_type,
        },
    }
    if f.suppressed:
        out["suppressions"].append({
            "kind": SUPPRESSION_KINDS.get(f.suppression_kind or "", "external"),
            "status": "accepted",
            "justification": f.suppression_reason or "suppressed",
            "properties": {"resilintKind": f.suppression_kind or "unknown"},
        })
    if f.attribute:
        out["properties"]["attribute"] = f.attribute
    if f.notes:
        out["properties"]["notes"] = list(f.notes)
    return out


def build(result, settings) -> dict:
    root = _root(result)
    descriptors = [rule_descriptor(r) for r in _rules(result)]
    ids = {d["id"]: i for i, d in enumerate(descriptors)}
    for f in result.findings:
        if f.rule_id not in ids:
            ids[f.rule_id] = len(descriptors)
            descriptors.append(_descriptor_from_finding(f))
    notifications = []
    for err in result.errors:
        note: dict = {"level": "error", "message": {"text": err.message}}
        if err.file:
            loc: dict = {"physicalLocation": {"artifactLocation": artifact_location(err.file, root)}}
            if err.line:
                loc["physicalLocation"]["region"] = {"startLine": err.line}
            note["locations"] = [loc]
        notifications.append(note)
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
        "results": [sarif_result(f, ids[f.rule_id], root) for f in result.findings],
        "invocations": [{
            "executionSuccessful": not result.errors,
            "toolExecutionNotifications": notifications,
        }],
        "properties": {"failOn": str(settings.fail_on)},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result, settings) -> str:
    return json.dumps(build(result, settings), indent=2) + "\n"
