"""GitLab Code Quality report (`artifacts: reports: codequality`).

A JSON array with one issue per active finding, in the fields GitLab reads:

    {"description": "...", "check_name": "RES101", "fingerprint": "...",
     "severity": "critical", "location": {"path": "k8s/web.yaml", "lines": {"begin": 6}}}

- `severity` is one of GitLab's five: low -> minor, medium -> major,
  high -> critical, critical -> blocker (`info` is not used).
- `path` is relative to the repository root, as GitLab resolves it; a
  finding with no line points at line 1 and its description names the resource.
- `fingerprint` is unique in the report and stable across runs (GitLab
  compares a merge request's report with its target branch's by fingerprint):
  the finding's fingerprint (rule + resource + path + attribute), plus an
  occurrence number when two findings share it.
- suppressed findings are left out (Code Quality has no notion of them);
  input errors are issues of their own (`resilint/input-error`, blocker), so
  a file resilint could not read is not silently clean.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, TYPE_CHECKING

from linter.model import Severity
from linter.paths import report_path

if TYPE_CHECKING:
    from linter.engine import ScanResult
    from linter.reporters import ReportSettings

SEVERITIES = {Severity.LOW: "minor", Severity.MEDIUM: "major", Severity.HIGH: "critical", Severity.CRITICAL: "blocker"}
INPUT_ERROR = "resilint/input-error"


def _unique(key: str, seen: dict[str, int]) -> str:
    seen[key] = seen.get(key, 0) + 1
    text = key if seen[key] == 1 else f"{key}#{seen[key]}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def issue(description: str, check_name: str, fingerprint: str, severity: str, path: str, line: int | None) -> dict[str, Any]:
    return {
        "description": description,
        "check_name": check_name,
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": line or 1}},
    }


def build(result: ScanResult, settings: ReportSettings) -> list[dict[str, Any]]:
    root = result.root
    seen: dict[str, int] = {}
    out = []
    for f in result.findings:
        if f.suppressed:
            continue
        text = f.message if f.line else f"{f.resource}: {f.message}"
        description = (f"{f.rule_id}: {text}" + "".join(f" Note: {note}." for note in f.notes)
                       + (f" Fix: {f.remediation}" if f.remediation else ""))
        out.append(issue(description, f.rule_id, _unique(f.fingerprint, seen), SEVERITIES[f.severity],
                         report_path(f.file, root), f.line))
    for err in result.errors:
        path = report_path(err.file, root) if err.file else "."
        out.append(issue(f"resilint could not read this file: {err.message}", INPUT_ERROR,
                         _unique(f"{INPUT_ERROR}|{path}|{err.message}", seen), "blocker", path, err.line))
    return out


def render(result: ScanResult, settings: ReportSettings) -> str:
    return json.dumps(build(result, settings), indent=2, ensure_ascii=False) + "\n"
