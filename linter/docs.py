"""Render the rule reference (docs/rules.md) from the registry.

The documentation is generated from each rule's own metadata and docstring,
so it cannot drift from the code; a test fails when docs/rules.md is stale.

    python3 -m linter.docs > docs/rules.md
"""

from __future__ import annotations

import sys

from linter.rules import load_rules

FAMILIES = {
    "RES1": "Single replicas and single points of failure",
    "RES2": "Missing or inconsistent timeouts",
    "RES3": "Storage and databases not spread over zones",
    "RES4": "Unbounded retries and missing dead letters",
    "RES5": "Other resilience basics",
}


def anchor(rule) -> str:
    return f"{rule.id.lower()}-{rule.name}"


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
    family = None
    for r in rules:
        if r.family != family:
            family = r.family
            out += ["", f"## {family}xx: {FAMILIES.get(family, '')}"]
        sections = r.sections()
        out += ["", f'<a id="{anchor(r)}"></a>', f"### {r.id} {r.name}", "", f"**{r.title}** Severity: {r.severity}.",
                f"Applies to: {', '.join(f'`{t}`' for t in r.types)}.", ""]
        for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
            out += [f"#### {heading}", "", sections.get(heading, ""), ""]
        out += [f"**Fix:** {r.remediation}"]
        if r.options:
            out += ["", "Options: " + ", ".join(f"`{k}` (default `{v}`)" for k, v in sorted(r.options.items()))]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
