"""GitHub Actions workflow commands: one annotation per active finding.

    ::error file=k8s/web.yaml,line=12,title=RES101::Deployment shop/web runs 1 replica: ...

Findings at or above --fail-on are errors; below it, medium and high are
warnings and low are notices. Paths are relative to the repository root (the
workspace GitHub resolves them against). Suppressed findings get no
annotation; the closing summary line counts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linter.model import Severity
from linter.paths import report_path
from linter.reporters import summary

if TYPE_CHECKING:
    from linter.model import Finding
    from linter.engine import ScanResult
    from linter.reporters import ReportSettings


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command_for(f: Finding, fail_on: Severity) -> str:
    if f.severity >= fail_on:
        return "error"
    return "notice" if f.severity == Severity.LOW else "warning"


def annotation(kind: str, file: str | None, line: int | None, title: str, message: str) -> str:
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
    if line:
        props.append(f"line={line}")
    props.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(props)}::{escape_data(message)}"


def render(result: ScanResult, settings: ReportSettings) -> str:
    root = result.root
    out = []
    for f in result.findings:
        if f.suppressed:
            continue
        message = f"{f.message} ({str(f.severity)}, {f.rule}; {f.resource})\nFix: {f.remediation}"
        for note in f.notes:
            message += f"\nNote: {note}"
        out.append(annotation(command_for(f, settings.fail_on), report_path(f.file, root), f.line, f.rule_id, message))
    for err in result.errors:
        out.append(annotation("error", report_path(err.file, root) if err.file else None, err.line,
                              "resilint input error", err.message))
    s = summary(result)
    counts = ", ".join(f"{n} {sev}" for sev, n in s["by_severity"].items() if n)
    out.append(
        f"resilint: {s['findings']} finding(s){' (' + counts + ')' if counts else ''}, "
        f"{s['suppressed']} suppressed, {s['errors']} error(s); "
        f"failing at {settings.fail_on} or above: {len(result.failing(settings.fail_on))}"
    )
    return "\n".join(out) + "\n"
