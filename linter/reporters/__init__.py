"""One reporter per output format; each module has `render(result, settings) -> str`."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from linter.model import Severity

FORMATS = {
    "text": "linter.reporters.text",
    "json": "linter.reporters.json",
    "sarif": "linter.reporters.sarif",
    "junit": "linter.reporters.junit",
    "github": "linter.reporters.github",
    "markdown": "linter.reporters.markdown",
    "gitlab": "linter.reporters.gitlab",
}


@dataclass
class ReportSettings:
    fail_on: Severity = Severity.HIGH
    color: bool = False
    quiet: bool = False
    # SARIF: keep suppressed findings (with `suppressions`) instead of counting them
    sarif_include_suppressed: bool = False
    # Markdown: the most the report may take, in UTF-8 bytes (None: a PR comment's 65,536)
    markdown_limit: int | None = None


def render(fmt: str, result, settings: ReportSettings) -> str:
    return importlib.import_module(FORMATS[fmt]).render(result, settings)


def relative_path(file: str, root: str | None) -> str:
    """A report path relative to the repository root, with forward slashes; as given when outside it."""
    if not root:
        return file
    rel = os.path.relpath(os.path.abspath(file), root)
    return file if rel.startswith("..") else rel.replace(os.sep, "/")


def count_by_severity(findings) -> dict[str, int]:
    """Findings per severity, most severe first (severities with none included)."""
    counts = {str(s): 0 for s in sorted(Severity, reverse=True)}
    for f in findings:
        counts[str(f.severity)] += 1
    return counts


def summary(result) -> dict:
    """Counts shared by every reporter."""
    active = [f for f in result.findings if not f.suppressed]
    return {
        "files": len(result.files),
        "resources": len(result.resources),
        "findings": len(active),
        "suppressed": len(result.findings) - len(active),
        "errors": len(result.errors),
        "by_severity": count_by_severity(active),
    }
