"""Markdown for a pull-request comment: a verdict, counts by severity, a table of findings.

Suppressed findings are listed in a collapsed section with their reasons;
those accepted by a baseline are only counted. Tables stop at MAX_ROWS (a PR
comment is limited to 65536 characters).
"""

from __future__ import annotations

from linter.model import Severity
from linter.reporters import relative_path, summary

MAX_ROWS = 200
ICONS = {Severity.CRITICAL: "🟥", Severity.HIGH: "🟧", Severity.MEDIUM: "🟨", Severity.LOW: "🟦"}


def cell(text: str) -> str:
    """Safe inside a table cell: no pipes or line breaks break the row."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _where(f, root) -> str:
    path = relative_path(f.file, root)
    return f"`{cell(path)}:{f.line}`" if f.line else f"`{cell(path)}`"


def render(result, settings) -> str:
    root = getattr(result, "root", None)
    s = summary(result)
    failing = len(result.failing(settings.fail_on))
    failed = bool(failing or result.errors)
    verdict = "❌ **Failed**" if failed else "✅ **Passed**"
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

    active = sorted((f for f in result.findings if not f.suppressed),
                    key=lambda f: (-f.severity, f.file, f.line or 0, f.rule_id))
    if active:
        out += ["| Severity | Rule | Resource | Location | Message | Fix |", "| --- | --- | --- | --- | --- | --- |"]
        for f in active[:MAX_ROWS]:
            message = f.message + "".join(f" (note: {n})" for n in f.notes)
            out.append(
                f"| {ICONS[f.severity]} {f.severity} | [{f.rule_id}]({f.docs_url}) {cell(f.rule)} | "
                f"`{cell(f.resource)}` | {_where(f, root)} | {cell(message)} | {cell(f.remediation)} |"
            )
        if len(active) > MAX_ROWS:
            out.append(f"\n… and {len(active) - MAX_ROWS} more finding(s): run `resilint scan` for all of them.")
        out.append("")
    # baseline entries are counted, not listed: a legacy codebase's baseline would drown the comment
    suppressed = [f for f in result.findings if f.suppressed and f.suppression_kind != "baseline"]
    in_baseline = s["suppressed"] - len(suppressed)
    if in_baseline:
        out += [f"{in_baseline} finding(s) recorded in the baseline are not listed.", ""]
    if suppressed:
        out += [f"<details><summary>{len(suppressed)} suppressed finding(s)</summary>", "",
                "| Rule | Resource | Location | How | Reason |", "| --- | --- | --- | --- | --- |"]
        for f in suppressed[:MAX_ROWS]:
            out.append(f"| {f.rule_id} | `{cell(f.resource)}` | {_where(f, root)} | "
                       f"{cell(f.suppression_kind or '')} | {cell(f.suppression_reason or '')} |")
        out += ["", "</details>", ""]
    if result.errors:
        out += ["**Input errors**", ""]
        out += [f"- `{cell(relative_path(e.file, root) if e.file else '')}{':' + str(e.line) if e.line else ''}`: {cell(e.message)}"
                for e in result.errors]
        out.append("")
    return "\n".join(out)
