"""One line per finding, for editors and problem matchers (as ruff's `concise`):

    k8s/web.yaml:5:1: RES101 [high] Deployment shop/web runs 1 replica: ...

`path:line:col:` comes first so that editors jump to it; resilint knows lines,
not columns, so the column is always 1. Suppressed findings are left out (their
count is in the summary); input errors are `path:line:1: error: message`. The
closing summary line starts with `resilint:`, which no matcher takes for a path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linter.reporters import summary_line

if TYPE_CHECKING:
    from linter.engine import ScanResult
    from linter.reporters import ReportSettings


def line_for(file: str, line: int | None, rest: str) -> str:
    return f"{file}:{line or 1}:1: {rest}"


def render(result: ScanResult, settings: ReportSettings) -> str:
    out = [
        line_for(f.file, f.line, f"{f.rule_id} [{f.severity}] {_one_line(f.message)}")
        for f in result.findings
        if not f.suppressed
    ]
    out += [line_for(err.file, err.line, f"error: {_one_line(err.message)}") for err in result.errors]
    if not settings.quiet:
        out.append(summary_line(result, settings))
    return "\n".join(out) + ("\n" if out else "")


def _one_line(text: str) -> str:
    return " ".join(text.split())
