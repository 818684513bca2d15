"""The rule registry.

A rule is a small generator function plus metadata, registered with `@rule`.
Its docstring is the user documentation (`resilint explain RES101`) and must
have four parts, each introduced by its heading on a line of its own:

    What it does
    Why is this bad?
    Example
    Use instead

Rules dispatch by canonical type: the engine calls a rule only for resources of
the types it declares. Cross-resource rules (`cross=True`) read `ctx.index`;
they never rescan all resources.

One module per family and platform: `replicas_k8s.py`, `replicas_aws.py`,
`zones_gcp.py`, ... (RES1xx replicas, RES2xx timeouts, RES3xx zones, RES4xx
retries, RES5xx basics). Every public module of this package is imported when
the registry is first used; helpers shared by several modules live in modules
whose names start with `_`. Adding a rule never touches the engine.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Iterable

from linter.model import Severity


DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
DOCS_BASE = "https://github.com/resilint/resilint/blob/main/docs/rules.md"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    title: str
    severity: Severity
    types: tuple[str, ...]
    check: Callable
    remediation: str
    doc: str
    cross: bool = False
    # input formats the rule applies to (plan-only rules: ("tfplan", "pulumi"))
    formats: tuple[str, ...] = ("tfplan", "hcl", "pulumi", "kubernetes")
    options: dict = field(default_factory=dict)

    @property
    def docs_url(self) -> str:
        return f"{DOCS_BASE}#{self.id.lower()}-{self.name}"

    @property
    def family(self) -> str:
        return self.id[:4]

    def sections(self) -> dict[str, str]:
        """Split the docstring into its four documented parts."""
        parts: dict[str, list[str]] = {}
        current = None
        for line in self.doc.splitlines():
            if line.strip() in DOC_SECTIONS:
                current = line.strip()
                parts[current] = []
            elif current is not None:
                parts[current].append(line)
        return {k: "\n".join(v).strip() for k, v in parts.items()}


RULES: dict[str, Rule] = {}
_loaded = False


def rule(
    id: str,
    name: str,
    title: str,
    severity: Severity,
    types: Iterable[str],
    remediation: str,
    cross: bool = False,
    formats: Iterable[str] | None = None,
    options: dict | None = None,
) -> Callable:
    """Register a check: `def check(resource, ctx) -> Iterator[Violation]`."""

    def register(fn: Callable) -> Callable:
        if id in RULES:
            raise ValueError(f"rule {id} registered twice")
        RULES[id] = Rule(
            id=id,
            name=name,
            title=title,
            severity=severity,
            types=tuple(types),
            check=fn,
            remediation=remediation,
            doc=inspect.cleandoc(fn.__doc__ or ""),
            cross=cross,
            formats=tuple(formats) if formats else Rule.formats,
            options=dict(options or {}),
        )
        return fn

    return register


def load_rules() -> dict[str, Rule]:
    global _loaded
    if not _loaded:
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True
    return RULES


def select_rules(select: list[str] | None, ignore: list[str] | None) -> list[Rule]:
    """Rules chosen by id or prefix (`RES1`, `RES503`), ruff style."""
    rules = load_rules()

    def matches(rule_id: str, patterns: list[str]) -> bool:
        return any(rule_id.upper().startswith(p.strip().upper()) for p in patterns if p.strip())

    chosen = [r for r in rules.values() if not select or matches(r.id, select)]
    if ignore:
        chosen = [r for r in chosen if not matches(r.id, ignore)]
    return sorted(chosen, key=lambda r: r.id)
