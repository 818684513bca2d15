"""Markdown for a pull-request comment: a verdict, counts by severity, a table of findings.

Suppressed findings are listed in a collapsed section with their reasons;
those accepted by a baseline are only counted. The report stays within
`settings.markdown_limit` (GitHub refuses a comment over 65,536 characters;
the Action's job summary allows 1 MiB): counted in UTF-8 bytes, which is never
fewer than characters or UTF-16 units. Rows are listed most severe first
until the limit; the last line then says what was left out.
"""

from __future__ import annotations

from typing import Any, TYPE_CHECKING

from linter.model import Severity
from linter.paths import report_path
from linter.reporters import count_by_severity, summary

if TYPE_CHECKING:
    from linter.model import Finding
    from linter.engine import ScanResult
    from linter.reporters import ReportSettings

COMMENT_LIMIT = 65_536  # GitHub's limit on a pull-request comment
_CLOSING = 1_024  # kept for the lines that close the report and the left-out line
ICONS = {Severity.CRITICAL: "🟥", Severity.HIGH: "🟧", Severity.MEDIUM: "🟨", Severity.LOW: "🟦"}


def cell(text: str) -> str:
    """Safe inside a table cell: no pipes or line breaks break the row."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _where(f: Finding, root: str | None) -> str:
    path = report_path(f.file, root)
    return f"`{cell(path)}:{f.line}`" if f.line else f"`{cell(path)}`"


class _Budget:
    """Bytes left for optional rows; the report's frame is always written."""

    def __init__(self, limit: int):
        self.left = limit - _CLOSING
        self.full = False

    def fits(self, line: str) -> bool:
        cost = len(line.encode("utf-8")) + 1
        if self.full or cost > self.left:
            self.full = True  # later sections are counted, not listed: order is importance
            return False
        self.left -= cost
        return True

    def frame(self, *lines: str) -> list[str]:
        self.left -= sum(len(line.encode("utf-8")) + 1 for line in lines)
        return list(lines)


def render(result: ScanResult, settings: ReportSettings) -> str:
    root = result.root
    s = summary(result)
    failing = len(result.failing(settings.fail_on))
    failed = bool(failing or result.errors)
    verdict = "❌ **Failed**" if failed else "✅ **Passed**"
    budget = _Budget(settings.markdown_limit or COMMENT_LIMIT)
    out = [
        "## resilint",
        "",
        f"{verdict}: {failing} finding(s) at {settings.fail_on} or above; "
        f"{s['files']} file(s), {s['resources']} resource(s) scanned.",
        "",
        "| Severity | Findings |",
        "| --- | ---: |",
    ]
    for sev in sorted(Severity, reverse=True):
        out.append(f"| {ICONS[sev]} {sev} | {s['by_severity'][str(sev)]} |")
    out += [f"| suppressed | {s['suppressed']} |", f"| input errors | {s['errors']} |", ""]
    budget.frame(*out)

    active = sorted((f for f in result.findings if not f.suppressed),
                    key=lambda f: (-f.severity, f.file, f.line or 0, f.rule_id))
    left_out: list[Any] = []
    if active:
        out += budget.frame("| Severity | Rule | Resource | Location | Message | Fix |",
                            "| --- | --- | --- | --- | --- | --- |")
        for i, f in enumerate(active):
            message = f.message + "".join(f" (note: {n})" for n in f.notes)
            row = (f"| {ICONS[f.severity]} {f.severity} | [{f.rule_id}]({f.docs_url}) {cell(f.rule)} | "
                   f"`{cell(f.resource)}` | {_where(f, root)} | {cell(message)} | {cell(f.remediation)} |")
            if not budget.fits(row):
                left_out = active[i:]
                break
            out.append(row)
        out.append("")
    # baseline entries are counted, not listed: a legacy codebase's baseline would drown the comment
    suppressed = [f for f in result.findings if f.suppressed and f.suppression_kind != "baseline"]
    in_baseline = s["suppressed"] - len(suppressed)
    if in_baseline:
        out += budget.frame(f"{in_baseline} finding(s) recorded in the baseline are not listed.", "")
    suppressed_left_out = 0
    if suppressed:
        rows = []
        for f in suppressed:
            row = (f"| {f.rule_id} | `{cell(f.resource)}` | {_where(f, root)} | "
                   f"{cell(f.suppression_kind or '')} | {cell(f.suppression_reason or '')} |")
            if not budget.fits(row):
                break
            rows.append(row)
        suppressed_left_out = len(suppressed) - len(rows)
        if rows:
            out += budget.frame(f"<details><summary>{len(suppressed)} suppressed finding(s)</summary>", "",
                                "| Rule | Resource | Location | How | Reason |", "| --- | --- | --- | --- | --- |")
            out += rows
            out += budget.frame("", "</details>", "")
    errors_left_out = 0
    if result.errors:
        rows = []
        for e in result.errors:
            where = (report_path(e.file, root) if e.file else "") + (f":{e.line}" if e.line else "")
            row = f"- `{cell(where)}`: {cell(e.message)}"
            if not budget.fits(row):
                break
            rows.append(row)
        errors_left_out = len(result.errors) - len(rows)
        if rows:
            out += ["**Input errors**", "", *rows, ""]
    if left_out or suppressed_left_out or errors_left_out:
        out += [_left_out_line(left_out, suppressed_left_out, errors_left_out,
                               settings.markdown_limit or COMMENT_LIMIT), ""]
    return "\n".join(out)


def _left_out_line(findings: list[Any], suppressed: int, errors: int, limit: int) -> str:
    parts = []
    if findings:
        counts = ", ".join(f"{n} {sev}" for sev, n in count_by_severity(findings).items() if n)
        parts.append(f"{len(findings)} finding(s) ({counts})")
    if suppressed:
        parts.append(f"{suppressed} suppressed finding(s)")
    if errors:
        parts.append(f"{errors} input error(s)")
    return (f"_Left out to stay under {limit:,} characters: {', '.join(parts)}. "
            "`resilint scan` lists every one._")
