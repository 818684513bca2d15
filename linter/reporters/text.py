"""Human output: findings grouped by file, with the offending lines and a summary.

On a terminal (settings.width set) it is laid out by `rich` in that many
columns: long lines wrap at words and keep their indentation, coloured unless
colour is off (`--color`, NO_COLOR). Piped, it is plain text, one record per
line, with no `rich` import at all.
"""

from __future__ import annotations

import io
from itertools import groupby
from typing import Any, TYPE_CHECKING

from linter.model import MODULE_INSTALL_HINT, Severity
from linter.reporters import summary, summary_line, value_places
from linter.terminal import trim_lines

if TYPE_CHECKING:
    from linter.model import Finding
    from linter.engine import ScanResult
    from linter.reporters import ReportSettings

COLORS = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}
CONTEXT_LINES = 1


class _SourceCache:
    def __init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}

    def snippet(self, file: str, line: int | None) -> list[tuple[int, str]]:
        if not line:
            return []
        if file not in self._lines:
            from linter.loaders import source_text

            try:
                self._lines[file] = source_text(file).splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines[file] = None
        lines = self._lines[file]
        if not lines or line > len(lines):
            return []
        lo, hi = max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES)
        return [(n, lines[n - 1]) for n in range(lo, hi + 1)]

    def origins(self, f: Finding) -> list[tuple[str, str, int, str]]:
        """(phrase, file, line, text) of each other place the finding names (`set at
        prod.tfvars:3`, `module "db" at main.tf:7`), so the line that sets a value, or
        would, is shown beside the finding's."""
        out: list[tuple[str, str, int, str]] = []
        for said in (f.message, *f.notes):
            for place in value_places(said):
                if (place.file, place.line) == (f.file, f.line) or any(o[1:3] == place[2:4] for o in out):
                    continue
                shown = [t for n, t in self.snippet(place.file, place.line) if n == place.line]
                if shown:
                    out.append((place.phrase, place.file, place.line, shown[0]))
        return out


def _listed(result: ScanResult) -> list[Any]:
    """Findings worth a line: a baseline exists to hide known findings, so
    they are only counted in the summary; other suppressions carry a reason
    the reader should see."""
    return [f for f in result.findings if f.suppression_kind != "baseline"]


def _location(f: Finding) -> str:
    return f"{f.file}:{f.line}" if f.line else f.file


def unresolved_lines(result: ScanResult) -> list[str]:
    """Module calls not followed: their resources were not judged."""
    calls = result.unresolved_modules
    if not calls:
        return []
    usual = all(call.get("hint", MODULE_INSTALL_HINT) == MODULE_INSTALL_HINT for call in calls)
    out = [f"note: {len(calls)} Terraform module call(s) not followed (their resources were not judged)"
           + ("; run `terraform init` in the root module to install them:" if usual else ":")]
    for call in calls:
        line = f"  {call['file']}:{call['line']}: {call['module']} (source {call.get('source') or '?'})"
        if call.get("reason"):  # a reason of its own (another release than this checkout)
            line += f": {call['reason']}"
        elif not usual:  # each its own advice (a Terragrunt source is not installed by `terraform init`)
            line += f": {call.get('hint') or MODULE_INSTALL_HINT}"
        out.append(line)
    return out


def not_fetched_lines(result: ScanResult) -> list[str]:
    """Releases of charts not in the checkout: what they deploy was not judged."""
    from linter.loaders.unfetched import RENDER_HINT

    releases = result.charts_not_fetched
    if not releases:
        return []
    out = [f"note: {len(releases)} release(s) not judged: what they deploy is not in this checkout, and was "
           f"not fetched ({RENDER_HINT}):"]
    for release in releases:
        where = f"{release['file']}:{release['line']}" if release.get("line") else release["file"]
        out.append(f"  {where}: {release['deployer']} deploys {release['chart']}")
    return out


def render(result: ScanResult, settings: ReportSettings) -> str:
    if settings.color or settings.width:
        return _render_rich(result, settings)
    return _render_plain(result, settings)


def _render_plain(result: ScanResult, settings: ReportSettings) -> str:
    out: list[str] = []
    sources = _SourceCache()
    for file, group in groupby(_listed(result), key=lambda f: f.file):
        if not settings.quiet:
            out.append(file)
        for f in group:
            tag = " (suppressed)" if f.suppressed else ""
            out.append(f"  {_location(f)}: {str(f.severity).upper()} {f.rule_id} [{f.rule}] {f.resource}{tag}")
            out.append(f"    {f.message}")
            if f.suppressed and f.suppression_reason:
                out.append(f"    suppressed: {f.suppression_reason}")
            for note in f.notes:
                out.append(f"    note: {note}")
            if not settings.quiet:
                out.append(f"    fix: {f.remediation}")
                for n, text in sources.snippet(f.file, f.line):
                    marker = ">" if n == f.line else " "
                    out.append(f"    {marker}{n:>5} | {text}")
                for phrase, where, number, said in sources.origins(f):
                    out.append(f"    {phrase} {where}:{number}:")
                    out.append(f"    >{number:>5} | {said}")
        if not settings.quiet:
            out.append("")
    for err in result.errors:
        out.append(f"error: {err}")
    for line in unresolved_lines(result) + not_fetched_lines(result):
        out.append(line)
    if not settings.quiet:
        out.extend(skipped_lines(summary(result)))
        out.append(summary_line(result, settings))
    return "\n".join(out) + ("\n" if out else "")


def skipped_lines(s: dict[str, Any]) -> list[str]:
    """What was not judged, counted by reason (`--verbose` lists the files)."""
    if not s["skipped"]:
        return []
    return [f"skipped {s['skipped']} file(s) (--verbose lists them):"] + [
        f"  {n} {reason}" for reason, n in sorted(s["skipped_by_reason"].items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _render_rich(result: ScanResult, settings: ReportSettings) -> str:
    from rich.markup import escape
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from linter.terminal import console as make_console

    buf = io.StringIO()
    # rich writes to a buffer, so it cannot see the terminal: it is given the
    # width, and wraps long lines at words, indented under their finding
    console = make_console(buf, settings.color, settings.width)

    def say(markup: str, indent: int = 4) -> None:
        console.print(Padding(markup, (0, 0, 0, indent)))
    sources = _SourceCache()
    for file, group in groupby(_listed(result), key=lambda f: f.file):
        console.print(f"[bold underline]{escape(file)}[/]")
        for f in group:
            style = "dim" if f.suppressed else COLORS[f.severity]
            tag = " [dim](suppressed)[/]" if f.suppressed else ""
            header = Text.from_markup(
                f"[bold]{escape(_location(f))}[/] [{style}]{str(f.severity).upper()}[/] "
                f"[bold]{f.rule_id}[/] [dim]{f.rule}[/] {escape(f.resource)}{tag}")
            # wrapped lines of the header hang under it (column 6), so the next
            # finding's header (column 2) stands out
            first = header.wrap(console, console.width - 2)[0]
            console.print(Padding(first, (0, 0, 0, 2)))
            rest = header[len(first.plain):]
            rest = rest[len(rest.plain) - len(rest.plain.lstrip()):]
            if rest.plain:
                console.print(Padding(rest, (0, 0, 0, 6)))
            say(escape(f.message))
            if f.suppressed and f.suppression_reason:
                say(f"[dim]suppressed: {escape(f.suppression_reason)}[/]")
            for note in f.notes:
                say(f"[dim]note: {escape(note)}[/]")
            if not settings.quiet:
                say(f"[green]fix:[/] {escape(f.remediation)}")
                for n, text in sources.snippet(f.file, f.line):
                    mark = "[bold red]>[/]" if n == f.line else " "
                    console.print(f"    {mark}[dim]{n:>5} |[/] {escape(text)}", overflow="ellipsis", no_wrap=True)
                for phrase, where, number, said in sources.origins(f):
                    say(f"[dim]{phrase} {escape(where)}:{number}:[/]")
                    console.print(f"    [bold red]>[/][dim]{number:>5} |[/] {escape(said)}", overflow="ellipsis", no_wrap=True)
        console.print()
    for err in result.errors:
        console.print(f"[bold red]error:[/] {escape(str(err))}")
    for line in unresolved_lines(result) + not_fetched_lines(result):
        console.print(f"[yellow]{escape(line)}[/]")
    if not settings.quiet:
        s = summary(result)
        for line in skipped_lines(s):
            console.print(f"[dim]{escape(line)}[/]")
        table = Table(title="resilint summary", show_edge=True)
        table.add_column("severity")
        table.add_column("findings", justify="right")
        for sev in sorted(Severity, reverse=True):
            table.add_row(f"[{COLORS[sev]}]{sev}[/]", str(s["by_severity"][str(sev)]))
        table.add_row("suppressed", str(s["suppressed"]))
        table.add_row("input errors", str(s["errors"]))
        console.print(table)
        failing = len(result.failing(settings.fail_on))
        verdict = "[bold red]FAIL[/]" if failing or result.errors else "[bold green]PASS[/]"
        console.print(
            f"{verdict}: {failing} finding(s) at {settings.fail_on} or above; "
            f"{s['files']} file(s), {s['resources']} resource(s) scanned"
        )
    return trim_lines(buf.getvalue())
