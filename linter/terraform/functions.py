"""Terraform's built-in functions (placeholder: the full library is helper 9funcs').

Contract: `call_function(name, args, ctx)` returns the value; an Unknown
argument gives an Unknown result carrying the merged refs; a name this module
does not know gives Unknown; a call Terraform rejects raises FunctionError.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Any, Callable

from linter.model import Unknown, contains_unknown


class FunctionError(Exception):
    """A call Terraform would reject (wrong types, out of range)."""


@dataclass
class FunctionContext:
    base_dir: pathlib.Path
    render_template: Callable[[str, dict], Any] | None = None


def _refs(args: list) -> tuple[str, ...]:
    out: list[str] = []

    def visit(v: Any) -> None:
        if isinstance(v, Unknown):
            out.extend(r for r in v.refs if r not in out)
        elif isinstance(v, dict):
            for x in v.values():
                visit(x)
        elif isinstance(v, list):
            for x in v:
                visit(x)

    for a in args:
        visit(a)
    return tuple(out)


def _length(v: Any) -> int:
    if isinstance(v, (list, dict, str)):
        return len(v)
    raise FunctionError("length of a value that is not a collection or string")


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    if not isinstance(m, dict):
        raise FunctionError("lookup needs a map")
    if key in m:
        return m[key]
    if default:
        return default[0]
    raise FunctionError(f"key {key!r} not in map")


def _element(lst: Any, i: Any) -> Any:
    if not isinstance(lst, list) or not lst or not isinstance(i, int) or i < 0:
        raise FunctionError("element needs a non-empty list and an index >= 0")
    return lst[i % len(lst)]


def _concat(*lists: Any) -> list:
    out: list = []
    for l in lists:
        if not isinstance(l, list):
            raise FunctionError("concat needs lists")
        out.extend(l)
    return out


def _merge(*maps: Any) -> dict:
    out: dict = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise FunctionError("merge needs maps")
        out.update(m)
    return out


def _coalesce(*vals: Any) -> Any:
    for v in vals:
        if v is not None and v != "":
            return v
    raise FunctionError("no non-null, non-empty argument")


def _keys(m: Any) -> list:
    if not isinstance(m, dict):
        raise FunctionError("keys needs a map")
    return sorted(m)


def _values(m: Any) -> list:
    if not isinstance(m, dict):
        raise FunctionError("values needs a map")
    return [m[k] for k in sorted(m)]


def _toset(v: Any) -> list:
    if not isinstance(v, list):
        raise FunctionError("toset needs a list")
    out: list = []
    for x in v:
        if x not in out:
            out.append(x)
    return sorted(out, key=lambda x: (str(type(x)), x)) if all(isinstance(x, str) for x in out) else out


def _tolist(v: Any) -> list:
    if not isinstance(v, list):
        raise FunctionError("tolist needs a list or set")
    return v


def _tomap(v: Any) -> dict:
    if not isinstance(v, dict):
        raise FunctionError("tomap needs an object or map")
    return v


def _jsonencode(v: Any) -> str:
    import json

    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "length": _length, "lookup": _lookup, "element": _element, "concat": _concat, "merge": _merge,
    "coalesce": _coalesce, "keys": _keys, "values": _values, "toset": _toset, "tolist": _tolist,
    "tomap": _tomap, "jsonencode": _jsonencode,
}


def call_function(name: str, args: list, ctx: FunctionContext) -> Any:
    fn = _FUNCTIONS.get(name)
    if fn is None or any(contains_unknown(a) for a in args):
        return Unknown(f"{name}(...)", _refs(args))
    try:
        return fn(*args)
    except TypeError as exc:
        raise FunctionError(str(exc)) from None
