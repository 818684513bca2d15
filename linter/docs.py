"""Render the rule reference (docs/rules.md) from the registry.

The documentation is generated from each rule's own metadata and docstring,
so it cannot drift from the code; a test fails when docs/rules.md is stale.

    python3 -m linter.docs > docs/rules.md
"""

from __future__ import annotations

from collections.abc import Sequence

import json

import sys

from linter.rules import DOC_SECTIONS, REFERENCES, Rule, load_rules

FAMILIES = {
    "RES1": "Single replicas and single points of failure",
    "RES2": "Missing or inconsistent timeouts",
    "RES3": "Storage and databases not spread over zones",
    "RES4": "Unbounded retries and missing dead letters",
    "RES5": "Other resilience basics",
    "RES6": "Failure domains across resources",
}


def anchor(rule: Rule) -> str:
    return f"{rule.id.lower()}-{rule.name}"


def workload_kinds(rules: list[Rule]) -> list[str]:
    """Which rules judge each Kubernetes workload kind, and the defaults assumed."""
    from linter.rules._k8s import WORKLOAD_DEFAULTS
    from linter.rules.replicas_operators import OPERATOR_SIZES

    defaults = dict(WORKLOAD_DEFAULTS)
    for kind, size in OPERATOR_SIZES.items():
        value = "required (unset: not judged)" if size.default is None else f"unset = {size.default}"
        defaults[kind] = f"`{size.field}` {value} ([operator docs]({size.source}))"
    out = [
        "",
        "## Kubernetes workload kinds",
        "",
        "Every Kubernetes rule reads these kinds the same way from YAML, Pulumi's Kubernetes provider",
        "and Terraform's kubernetes provider (`kubernetes_deployment(_v1)`, `kubernetes_stateful_set(_v1)`,",
        "`kubernetes_daemon_set_v1`, `kubernetes_horizontal_pod_autoscaler(_v1/_v2)`,",
        "`kubernetes_pod_disruption_budget(_v1)`, `kubernetes_service(_v1)`, and `kubernetes_manifest`,",
        "whose `manifest` is the object itself), HCL and plans alike.",
        "",
        "| Kind | Rules | Default assumed |",
        "|---|---|---|",
    ]
    for kind, default in defaults.items():
        ids = ", ".join(f"[{r.id}](#{anchor(r)})" for r in rules if kind in r.types)
        if kind == "kafka.strimzi.io/KafkaNodePool":
            ids = "[RES118](#" + next(anchor(r) for r in rules if r.id == "RES118") + ") (through its Kafka)"
        out.append(f"| `{kind}` | {ids or '(none)'} | {default} |")
    return out


def render() -> str:
    rules = sorted(load_rules().values(), key=lambda r: r.id)
    out = [
        "# resilint rules",
        "",
        "Generated from the rule registry by `python3 -m linter.docs`; do not edit by hand.",
        "`resilint explain <ID>` prints the same text in the terminal.",
        "",
        "| ID | Name | Severity | Applies to |",
        "|---|---|---|---|",
    ]
    out += [f"| [{r.id}](#{anchor(r)}) | {r.name} | {r.severity} | {', '.join(f'`{t}`' for t in r.types)} |" for r in rules]
    out += workload_kinds(rules)
    family = None
    for r in rules:
        if r.family != family:
            family = r.family
            out += ["", f"## {family}xx: {FAMILIES.get(family, '')}"]
        out += ["", f'<a id="{anchor(r)}"></a>', *rule_markdown(r, level=3)]
    return "\n".join(out).rstrip() + "\n"


def rule_markdown(r: Rule, level: int = 1) -> list[str]:
    """One rule's documentation as Markdown lines: a section of docs/rules.md
    (level 3) and `resilint explain` (level 1)."""
    sections = r.sections()
    out = [f"{'#' * level} {r.id} {r.name}", "", f"**{r.title}** Severity: {r.severity}.",
           f"Applies to: {', '.join(f'`{t}`' for t in r.types)}.", ""]
    for heading in DOC_SECTIONS:
        out += [f"{'#' * (level + 1)} {heading}", "", sections.get(heading, ""), ""]
    out += [f"**Fix:** {r.remediation}"]
    if r.declared_options:
        out += ["", f"{'#' * (level + 1)} Options", "", "| Name | Type | Default | Description |", "|---|---|---|---|"]
        out += [f"| `{name}` | {o.type_name} | `{json.dumps(o.default)}` | {o.description} |"
                for name, o in sorted(r.declared_options.items())]
    if sections.get(REFERENCES):
        out += ["", f"{'#' * (level + 1)} {REFERENCES}", "", sections[REFERENCES]]
    return out


def explain_markdown(r: Rule) -> str:
    """`resilint explain`: the rule's section of docs/rules.md, and where it is online."""
    return "\n".join([*rule_markdown(r, level=1), "", f"Docs: {r.docs_url}"]) + "\n"


def render_explain(r: Rule, color: bool, columns: int | None = None) -> str:
    """`resilint explain` on a terminal: the Markdown rendered by rich."""
    import io

    from rich.markdown import Markdown

    from linter.terminal import console, trim_lines

    buf = io.StringIO()
    console(buf, color, columns).print(Markdown(explain_markdown(r), code_theme="ansi_dark"))
    return trim_lines(buf.getvalue())


def render_rules(rules: list[Rule], color: bool, columns: int | None = None) -> str:
    """`resilint rules` on a terminal: one row per rule that wraps as a whole.

        RES101  high      k8s-deployment-single-replica
                          apps/Deployment, apps/StatefulSet, ...

    A table wraps each cell on its own (74 rules became 174 ragged rows at 80
    columns, names cut off): here a row never breaks inside a name. The types
    take a column of their own when it has MIN_TYPES_COLUMN characters (200
    columns), wrapping under itself at commas; else (80 columns) they go on
    indented lines below each rule's name.
    """
    import io

    from rich.text import Text

    from linter.terminal import console, width

    columns = columns or width()
    buf = io.StringIO()
    out = console(buf, color, columns)
    id_w = max((len(r.id) for r in rules), default=2)
    name_w = max((len(r.name) for r in rules), default=4)
    indent = id_w + 2 + 8 + 2
    # the types in a column of their own when it is wide enough, wrapping under
    # itself; else below each rule's name
    types_at = indent + name_w + 2
    in_column = columns - types_at >= MIN_TYPES_COLUMN
    header = f"{'ID':<{id_w}}  {'SEVERITY':<8}  " + (f"{'NAME':<{name_w}}  APPLIES TO" if in_column else "NAME / APPLIES TO")
    out.print(Text(header, style="bold"), no_wrap=True, overflow="ellipsis")
    for r in rules:
        row = Text()
        row.append(f"{r.id:<{id_w}}  ", style="bold")
        row.append(f"{str(r.severity):<8}", style=SEVERITY_STYLES.get(str(r.severity), ""))
        row.append(f"  {r.name}")
        lines = _wrap_list(r.types, columns - (types_at if in_column else indent))
        if in_column:
            row.append(" " * (name_w - len(r.name) + 2) + (lines[0] if lines else ""), style="dim")
            lines = lines[1:]
        out.print(row, no_wrap=True, overflow="ellipsis")
        for line in lines:
            out.print(Text(" " * (types_at if in_column else indent) + line, style="dim"), no_wrap=True, overflow="ellipsis")
    out.print(Text(f"{len(rules)} rule(s); `resilint explain ID` for one rule's documentation", style="dim"))
    return buf.getvalue()


def _wrap_list(items: Sequence[str], room: int) -> list[str]:
    """Comma-separated items in lines of at most `room` characters (an item is never cut)."""
    lines: list[str] = []
    current = ""
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if current and len(current) + 1 + len(piece) > room:
            lines.append(current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    if current:
        lines.append(current)
    return lines


MIN_TYPES_COLUMN = 40
SEVERITY_STYLES = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan"}


if __name__ == "__main__":
    sys.stdout.write(render())
