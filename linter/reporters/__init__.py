"""One reporter per output format: a module of this package implementing
`Reporter` (a `render(result, settings) -> str` function). The module's name is
the format's (`github_summary` is `github-summary`): a new reporter is one
module, found when the command line is built (a directory listing, no import).
tests/test_reporters.py holds every module to the protocol.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Protocol, cast

from linter.model import Finding, Severity

if TYPE_CHECKING:
    from linter.engine import ScanResult

# format name -> its module; modules starting with `_` are helpers
FORMATS: dict[str, str] = {
    info.name.replace("_", "-"): f"{__name__}.{info.name}"
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name) if not info.name.startswith("_")
}


@dataclass
class ReportSettings:
    fail_on: Severity = Severity.HIGH
    color: bool = False
    quiet: bool = False
    # columns to lay text out in (a terminal); None: one line per record, for pipes
    width: int | None = None
    # SARIF: keep suppressed findings (with `suppressions`) instead of counting them
    sarif_include_suppressed: bool = False
    # Markdown: the most the report may take, in UTF-8 bytes (None: a PR comment's 65,536)
    markdown_limit: int | None = None


class Reporter(Protocol):
    """What a reporter module provides: the whole report for one scan, as text
    (reporters never write files: the CLI writes them atomically)."""

    def render(self, result: ScanResult, settings: ReportSettings) -> str: ...


def reporter(fmt: str) -> Reporter:
    """The reporter of a format, imported when first used (start-up stays light)."""
    return cast(Reporter, importlib.import_module(FORMATS[fmt]))


def render(fmt: str, result: ScanResult, settings: ReportSettings) -> str:
    return reporter(fmt).render(result, settings)


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings per severity, most severe first (severities with none included)."""
    counts = {str(s): 0 for s in sorted(Severity, reverse=True)}
    for f in findings:
        counts[str(f.severity)] += 1
    return counts


def summary(result: ScanResult) -> dict[str, Any]:
    """Counts shared by every reporter."""
    active = [f for f in result.findings if not f.suppressed]
    skipped = result.skipped
    by_reason: dict[str, int] = {}
    for item in skipped:
        by_reason[item.reason] = by_reason.get(item.reason, 0) + 1
    return {
        "files": len(result.files),
        # offered to the loaders and not judged (not infrastructure, a Helm template, ...)
        "skipped": len(skipped),
        "skipped_by_reason": by_reason,
        "resources": len(result.resources),
        "findings": len(active),
        "suppressed": len(result.findings) - len(active),
        "errors": len(result.errors),
        "by_severity": count_by_severity(active),
    }


def summary_line(result: ScanResult, settings: ReportSettings) -> str:
    """The one-line verdict: the end of a plain report, and stderr when the report goes to a file."""
    s = summary(result)
    counts = ", ".join(f"{n} {sev}" for sev, n in s["by_severity"].items() if n)
    return (
        f"resilint: {s['findings']} finding(s){' (' + counts + ')' if counts else ''}, "
        f"{s['suppressed']} suppressed, {s['errors']} error(s) "
        f"in {s['files']} file(s), {s['resources']} resource(s); "
        f"failing at {settings.fail_on} or above: {len(result.failing(settings.fail_on))}"
    )


def rule_counts(result: ScanResult) -> list[tuple[str, str, str, int, int]]:
    """(rule id, rule name, severity, active, suppressed) per rule with findings,
    most active first: `--statistics`."""
    counts: dict[str, list[Any]] = {}
    for f in result.findings:
        entry = counts.setdefault(f.rule_id, [f.rule_id, f.rule, str(f.severity), 0, 0])
        entry[4 if f.suppressed else 3] += 1
    return sorted((tuple(e) for e in counts.values()), key=lambda e: (-e[3], -e[4], e[0]))


def statistics(result: ScanResult, settings: ReportSettings) -> str:
    """`--statistics`: counts by rule, one line each, then the one-line summary."""
    rows = rule_counts(result)
    id_w = max((len(r[0]) for r in rows), default=2)
    name_w = max((len(r[1]) for r in rows), default=4)
    out = [f"{active:>5}  {rule_id:<{id_w}}  {'[' + sev + ']':<10} {name:<{name_w}}"
           + (f"  ({suppressed} suppressed)" if suppressed else "")
           for rule_id, name, sev, active, suppressed in rows]
    out = [line.rstrip() for line in out]
    if not settings.quiet:
        out.append(summary_line(result, settings))
    return "\n".join(out) + ("\n" if out else "")


class Place(NamedTuple):
    """A place a message names (`set at prod.tfvars:3`, `module "db" at main.tf:7`)."""

    start: int  # where its phrase starts in the text: `set at ...` or `at ...`
    end: int  # where `FILE:LINE` ends
    file: str
    line: int
    phrase: str  # "set at" (a value was set there) or "at" (another place the message names)


def value_places(text: str) -> list[Place]:
    """Each place a message (or note) names as ` at FILE:LINE`: where a value was set
    (`set at prod.tfvars:3`), or the module call that leaves a default in place
    (`module "db" at main.tf:7 does not set it`). Read with `str.find` and a scan
    to the next space or closing mark: nothing can backtrack."""
    out = []
    at = 0
    while (found := text.find(" at ", at)) != -1:
        begin = end = found + len(" at ")
        while end < len(text) and not text[end].isspace() and text[end] not in "),;`":
            end += 1
        place = text[begin:end].rstrip(".")
        file, colon, line = place.rpartition(":")
        if colon and file and line.isdigit() and int(line) >= 1:
            start = found - len("set") if text[max(0, found - len("set")):found] == "set" else found + 1
            out.append(Place(start, begin + len(place), file, int(line), text[start:begin].strip()))
        at = begin
    return out
