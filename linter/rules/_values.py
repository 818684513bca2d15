"""Attribute checks as data: "attribute X must be Y; absent means default Z".

Most cloud rules are exactly that (Checkov's value-check idea, without a class
per check). `setting()` reads an attribute, applies the provider's documented
default (`linter.attribute_facts`) when it is absent, and says which happened
and which variable supplied a value, so messages can tell the user "multi_az is
unset and defaults to false" or "multi_az = false (the default of var.ha)"
instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linter import attribute_facts
from linter.model import PROVIDER_DEFAULT, Resource, is_unknown


@dataclass
class Setting:
    path: str
    value: Any  # effective value (the default when absent); may be Unknown
    defaulted: bool
    # where a written value came from, when not the resource block itself:
    # "the default of var.multi_az" (a module variable's default) or
    # "var.multi_az, prod.tfvars:3" (the variable that supplied it); for an unset
    # one, where the null that leaves it unset came from
    origin: str | None = None
    # what a default means in words ("7 days"), from the table's `note`
    note: str | None = None
    # the name messages use, when not the path (a list element's field, named
    # without the index: `count` of the pool a message already names)
    shown: str | None = None
    # not written, yet present: the provider filled in its default (a plan's new object, a
    # Pulumi input in `__defaults`). Worded as unset, as the source says it; the path and
    # line are still those of the value the plan or state holds (`defaulted` stays false)
    provider_default: bool = False

    @property
    def unknown(self) -> bool:
        return is_unknown(self.value)

    @property
    def name(self) -> str:
        return self.shown or self.path

    @property
    def left_to_provider(self) -> bool:
        """Not written: the provider's default (taken here, or filled in by the provider)."""
        return self.defaulted or self.provider_default

    def describe(self) -> str:
        """The one wording of a setting in every rule's message: `multi_az = false`,
        `multi_az is unset and defaults to false`,
        `message_retention_duration is unset and defaults to "604800s" (7 days)`, or
        `multi_az = false (the default of var.multi_az)`, `automatic_failover_enabled is unset
        and defaults to false (null, the default of var.automatic_failover_enabled)`."""
        shown = render(self.value)
        if self.left_to_provider:
            why = "; ".join(part for part in (self.note, self.origin and f"null, {self.origin}") if part)
            return f"{self.name} is unset and defaults to {shown}" + (f" ({why})" if why else "")
        return f"{self.name} = {shown}" + (f" ({self.origin})" if self.origin else "")


_FROM_TABLE: Any = object()


def setting(r: Resource, path: str, default: Any = _FROM_TABLE, *, shown: str | None = None) -> Setting:
    """The attribute's effective value: as written, else the provider's default
    (from `linter.attribute_facts` unless the rule passes one that depends on
    context, as an HTTP API's integration timeout does). `shown`: the name
    messages give it, when not `path`."""
    value = r.get(path)
    if value is None:  # unset; written as a null a variable gave, `origin_of` says where from
        if default is not _FROM_TABLE:
            return Setting(path, default, True, origin_of(r, path), shown=shown)
        fact = attribute_facts.fact(r.type, path)
        return Setting(path, fact.default, True, origin_of(r, path), note=fact.note, shown=shown)
    origin = origin_of(r, path)
    if origin == PROVIDER_DEFAULT:  # the table's words for it when the provider's default is the table's
        note = attribute_facts.fact(r.type, path).note if attribute_facts.is_default(r.type, path, value) else None
        return Setting(path, value, False, None, note=note, shown=shown, provider_default=True)
    return Setting(path, value, False, origin, shown=shown)


def origin_of(r: Resource, path: str) -> str | None:
    """Where the value of a written attribute came from, when a variable supplied it."""
    variable = (r.meta.get("from_variable_default") or {}).get(path)
    if variable:
        return f"the default of {variable}"
    origins = r.meta.get("value_origin") or {}
    found: str | None = origins.get(path)
    if found is None and ".0" in path:  # a part of a value is noted as `line_of` reads it: a first item's `.0` left out
        found = origins.get(".".join(p for p in path.split(".") if p != "0"))
    return found


def render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):  # as HCL writes it: `["eu-west-1a"]`
        return "[" + ", ".join(render(v) for v in value) + "]"
    return str(value)


def as_int(value: Any) -> int | None:
    """Numbers arrive as int, float or numeric strings (HCL, Pulumi); None when not a number."""
    if is_unknown(value) or value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):  # not a number, or past a float's range
        return None


def as_bool(value: Any) -> bool | None:
    if is_unknown(value) or value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def written(r: Resource, path: str) -> bool:
    """The attribute is set to something: an unknown counts, "" / [] / {} do not.

    Plans record unset string attributes as "" (`redrive_policy = ""` on a
    queue that has none, an EFS file system's `availability_zone_name` in
    prior state), which means "not set".
    """
    value = r.get(path)
    if value is None:
        return False
    if is_unknown(value):
        return True
    return value not in ("", [], {})
