"""Before/after comparison for the plan and preview regression rules (RES190, RES390).

A regression check is data: the attribute and how its value regresses. The
default that applies when a side does not write it, and whether the attribute
is Optional+Computed, come from the one table of attribute facts
(`linter.attribute_facts`), which the RES1xx/RES3xx rules read too. `changed()` reads both sides of a plan's or preview's
change and applies the defaults; Optional+Computed attributes that the new
configuration no longer writes keep their prior value in the cloud, so an
absent `after` there is not a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from linter import attribute_facts
from linter.model import Resource, is_unknown
from linter.rules._values import as_bool, as_int, render

ABSENT = object()
FROM_TABLE = object()


@dataclass(frozen=True)
class Check:
    path: str
    # "floor" (>= 2 -> < 2), "flag" (true -> false), or a pair of predicates
    regression: Any = "floor"
    # default when a side does not write the attribute: the provider's or the
    # Kubernetes API's (from the table), or a function of the side's reader
    # (ASG desired_capacity defaults to min_size)
    default: Any = FROM_TABLE


def has_prior_state(r: Resource) -> bool:
    """An update or replacement of something that exists (not a create or delete)."""
    change = r.change
    return change is not None and change.before is not None and change.is_update


def _side(r: Resource, read: Callable[[str], Any], check: Check, after: bool) -> tuple[Any, bool]:
    """(effective value, defaulted?); ABSENT when there is nothing to compare."""
    value = read(check.path)
    if value is not None:
        return value, False
    facts = attribute_facts.fact(r.type, check.path)
    if after and facts.computed:  # Optional+Computed: an unwritten `after` keeps the prior value
        return ABSENT, True
    default = facts.default if check.default is FROM_TABLE else check.default
    if callable(default):
        default = default(read)
    if default is None:
        default = ABSENT
    return default, True


def _shown(value: Any, defaulted: bool) -> str:
    return f"{render(value)} (unset, the default)" if defaulted else render(value)


def regressed(r: Resource, check: Check) -> str | None:
    """`cluster_config.instance_count changes from 3 to 1`, or None."""
    before, before_default = _side(r, r.before, check, after=False)
    after, after_default = _side(r, r.get, check, after=True)
    if before is ABSENT or after is ABSENT or is_unknown(before) or is_unknown(after):
        return None
    if check.regression == "floor":
        b, a = as_int(before), as_int(after)
        hit = b is not None and a is not None and b >= 2 and a < 2
    elif check.regression == "flag":
        hit = as_bool(before) is True and as_bool(after) is False
    else:
        was, becomes = check.regression
        hit = was(before) and becomes(after)
    if not hit:
        return None
    return f"{check.path} changes from {_shown(before, before_default)} to {_shown(after, after_default)}"


def replacement_note(r: Resource) -> str:
    if r.change is not None and r.change.is_replace:
        return "; the change also replaces the resource (delete, then create): data-loss risk"
    return ""


def one_of(*values: str) -> Callable[[Any], bool]:
    wanted = {v.lower() for v in values}
    return lambda v: isinstance(v, str) and v.lower() in wanted


def prefix(text: str) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, str) and v.upper().startswith(text)
