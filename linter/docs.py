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


def workload_kinds(rules) -> list[str]:
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
