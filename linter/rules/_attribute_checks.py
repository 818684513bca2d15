"""Attribute checks as data.

Many cloud rules say exactly one thing: "attribute X must not be Y; when it
is absent the provider uses Z". Each such rule is a row (`AttributeCheck`)
fed to one generic function, `check_attribute`, so the rule body is one line
and the facts (path, default, the bad values, the words of the message) sit
together where a reviewer can compare them with rules.md. The default lives
in the one table of attribute facts (`linter.attribute_facts`), and the
message says where a value came from as every rule's does (`Setting.describe`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules._values import setting


@dataclass(frozen=True)
class AttributeCheck:
    path: str
    # True for an effective (known, defaulted) value that is a finding; the
    # value when the attribute is absent is the provider's, from linter.attribute_facts
    fails: Callable[[Any], bool]
    # "<what> <address> <problem>: <attribute description>"
    what: str
    problem: str
    # the attribute is a nested block whose mere absence is the finding
    block: bool = False
    severity: Severity | None = None


def check_attribute(r: Resource, check: AttributeCheck) -> Iterator[Violation]:
    if check.block:
        value = r.get(check.path)
        if is_unknown(value) or not _empty_block(value):
            return
        yield Violation(f"{check.what} {r.address} {check.problem}: no {check.path} block is set",
                        path=None, severity=check.severity)
        return
    current = setting(r, check.path)
    if current.unknown or current.value is None:
        return
    if check.fails(current.value):
        yield Violation(f"{check.what} {r.address} {check.problem}: {current.describe()}",
                        path=None if current.defaulted else check.path, severity=check.severity)


def _empty_block(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, dict)):
        return len(value) == 0
    return False


def text_is(*choices: str) -> Callable[[Any], bool]:
    """Case-insensitive string membership (providers accept `Basic` and `basic`)."""
    wanted = {c.lower() for c in choices}
    return lambda v: isinstance(v, str) and v.lower() in wanted


def is_not_true(value: Any) -> bool:
    from linter.rules._values import as_bool

    return as_bool(value) is not True
