"""Terraform's built-in functions, evaluated the way Terraform evaluates them.

`call_function(name, args, ctx)` is the one entry point. Values are plain
Python: None is null, bool, int (integral numbers) or float, str, list (list,
tuple and set), dict (map and object), and `linter.model.Unknown` for values
not known before apply.

- An argument that is (or holds) an Unknown where the function needs its value
  gives an Unknown result whose refs merge the arguments' refs. A few functions
  look only at the shape (length of a list of unknowns, element, coalesce's
  first known value) and stay known, as Terraform's do.
- A call Terraform would reject raises FunctionError with Terraform's wording.
- A function this module does not know, and the ones whose result is only known
  at apply (uuid, timestamp, bcrypt), give Unknown, never an error.

Fidelity is checked against real `terraform console` by
fixtures/_tools/terraform_oracle.py (goldens in fixtures/terraform_oracle/).
Known approximations: string lengths and substr count code points where
Terraform counts grapheme clusters (they differ only for combining sequences);
a set of collections keeps first-seen order where Terraform orders by hash.

Regular expressions are RE2, as in Terraform, through the google-re2 package:
linear time, so a user's pattern can never hang the linter, and it rejects what
RE2 rejects (backreferences, lookaround). Without the package, regex functions
give Unknown rather than run a backtracking engine on user text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any, Callable

from linter.model import Unknown, UnknownValueError, contains_unknown, is_unknown

# Bounds so a call cannot make the linter build something huge: Terraform's own
# range() limit, and a cap on products / padding that Terraform has no cap for
# (past it the result is Unknown, never wrong).
RANGE_LIMIT = 1024
SIZE_LIMIT = 100_000


class FunctionError(Exception):
    """A call Terraform would reject (wrong type, bad argument, out of range)."""


class GiveUp(Exception):
    """A call whose result the linter does not compute (too large, platform-dependent)."""


@dataclass
class FunctionContext:
    base_dir: Path
    render_template: Callable[[str, dict[str, Any]], Any] | None = None
    # fileset() results by (path, pattern): the files do not change during a scan, and a
    # block's every instance may ask the same
    filesets: dict[tuple[str, str], list[str] | None] = field(default_factory=dict)


def call_function(name: str, args: list[Any], ctx: FunctionContext) -> Any:
    impl = FUNCTIONS.get(name)
    if impl is None:
        return _unknown(name, args)
    fn, needs_known, needs_ctx = impl
    if needs_known and contains_unknown(args):
        return _unknown(name, args)
    try:
        return fn(ctx, *args) if needs_ctx else fn(*args)
    except FunctionError as exc:
        raise FunctionError(f'Call to function "{name}" failed: {exc}') from None
    except TypeError:
        if not _arity_ok(fn, args, needs_ctx):
            raise FunctionError(f'Call to function "{name}" failed: wrong number of arguments') from None
        raise
    except (GiveUp, UnknownValueError, RecursionError, OverflowError, MemoryError):
        return _unknown(name, args)


def _arity_ok(fn: Callable[..., Any], args: list[Any], needs_ctx: bool) -> bool:
    import inspect

    try:
        inspect.signature(fn).bind(*([None] if needs_ctx else []), *args)
    except TypeError:
        return False
    return True


def _refs(value: Any, out: list[str]) -> None:
    if isinstance(value, Unknown):
        out.extend(r for r in value.refs if r not in out)
    elif isinstance(value, dict):
        for v in value.values():
            _refs(v, out)
    elif isinstance(value, list):
        for v in value:
            _refs(v, out)


def _unknown(name: str, args: list[Any]) -> Unknown:
    refs: list[str] = []
    _refs(args, refs)
    return Unknown(f"{name}(...)", tuple(refs))


# ---------------------------------------------------------------- values


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _num(v: Any) -> Any:
    """Normalise a number: int when integral, else float."""
    if isinstance(v, Decimal):
        if v == v.to_integral_value():
            return int(v)
        return float(v)
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    return v


def to_decimal(v: Any) -> Decimal:
    # repr() is the shortest decimal that reads back as the same float, which is
    # what the user wrote; arithmetic on it matches Terraform's decimal numbers
    # (sum([0.1, 0.2]) is 0.3 there, as here)
    return Decimal(v) if isinstance(v, int) else Decimal(repr(v))


def num_str(v: Any) -> str:
    """A number as Terraform prints it (tostring, templates, jsonencode)."""
    if isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        raise GiveUp()
    if v.is_integer():
        return str(int(v))
    text = repr(v)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def _type_name(v: Any) -> str:
    if is_unknown(v):
        # a function that looks past unknowns met one where it needs a value
        raise GiveUp()
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if _is_num(v):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return "map"


def parse_number(text: str) -> Any:
    """Terraform's string-to-number conversion (decimal, exponent allowed)."""
    if not text or any(c not in "0123456789+-.eE" for c in text):
        raise FunctionError(f'cannot convert "{text}" to number: a number is required')
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise FunctionError(f'cannot convert "{text}" to number: a number is required') from None
    if abs(d.adjusted()) > 400:
        raise GiveUp()
    return _num(d)


def to_str(v: Any, what: str = "argument") -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if _is_num(v):
        return num_str(v)
    if v is None:
        raise FunctionError(f"{what} must not be null")
    raise FunctionError(f"{what}: string required, but have {_type_name(v)}")


def to_num(v: Any, what: str = "argument") -> Any:
    if _is_num(v):
        return v
    if isinstance(v, str):
        return parse_number(v)
    if v is None:
        raise FunctionError(f"{what} must not be null")
    raise FunctionError(f"{what}: number required, but have {_type_name(v)}")


def to_bool(v: Any, what: str = "argument") -> bool:
    """cty's conversion: "true"/"1" and "false"/"0" are bools too."""
    if isinstance(v, bool):
        return v
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    if v is None:
        raise FunctionError(f"{what} must not be null")
    raise FunctionError(f"{what}: bool required, but have {_type_name(v)}")


def to_int(v: Any, what: str = "argument") -> int:
    n = to_num(v, what)
    if isinstance(n, float):
        raise FunctionError(f"{what}: value must be a whole number, got {num_str(n)}")
    return int(n)


def _seq(v: Any, what: str = "argument") -> list[Any]:
    if isinstance(v, list):
        return v
    if v is None:
        raise FunctionError(f"{what} must not be null")
    raise FunctionError(f"{what}: list, tuple or set required, but have {_type_name(v)}")


def _map(v: Any, what: str = "argument") -> dict[str, Any]:
    if isinstance(v, dict):
        return v
    if v is None:
        raise FunctionError(f"{what} must not be null")
    raise FunctionError(f"{what}: map or object required, but have {_type_name(v)}")


def unify(items: list[Any], what: str = "all list elements") -> list[Any]:
    """Convert a tuple's elements to one type, as Terraform does for list(T)
    (cty's type unification, then conversion of each element to the result).

    Strings win over numbers and bools (which become their text); numbers and
    bools do not mix; primitives and collections do not mix. Nested values
    unify too (`[{x = 1}, {y = "a"}]` becomes `[{x = "1"}, {y = "a"}]`): see
    types.unified_type.
    """
    from linter.terraform import types

    own_types = {types.type_of(v) for v in items}
    if len(own_types - {types.ANY}) <= 1:
        return items
    try:
        target = types.unified_type(own_types)
        return [types.convert(v, target) for v in items]
    except types.ConversionError:
        raise FunctionError(f"{what} must have the same type") from None


def canon(v: Any) -> Any:
    """A hashable key with Terraform's equality (1 == 1.0, true != 1)."""
    if v is None:
        return ("null",)
    if isinstance(v, bool):
        return ("bool", v)
    if _is_num(v):
        return ("number", to_decimal(v).normalize() if isinstance(v, float) else Decimal(v).normalize())
    if isinstance(v, str):
        return ("string", v)
    if isinstance(v, list):
        return ("list", tuple(canon(x) for x in v))
    if isinstance(v, dict):
        return ("map", tuple(sorted((k, canon(x)) for k, x in v.items())))
    raise UnknownValueError("unknown value compared")


class TfSet(list):  # type: ignore[type-arg]
    """A Terraform set, in the order terraform gives its elements: a list to everything but
    a `for` expression, whose key is the element itself (`{ for i, k in toset(ids) : k => i }`
    maps each id to itself)."""

    __slots__ = ()


def as_set(items: list[Any]) -> list[Any]:
    """A Terraform set (`TfSet`): duplicates dropped, strings and numbers in order."""
    items = unify(items, "all set elements")
    seen: dict[Any, Any] = {}
    for v in items:
        seen.setdefault(canon(v), v)
    values = [v for v in seen.values() if v is not None]
    nulls = [None] * (len(seen) - len(values))
    kinds = {_type_name(v) for v in values}
    if kinds == {"string"} or kinds == {"bool"}:
        return TfSet(sorted(values) + nulls)
    if kinds == {"number"}:
        return TfSet(sorted(values, key=to_decimal) + nulls)
    return TfSet(values + nulls)


def _size(n: int) -> int:
    if n > SIZE_LIMIT:
        raise GiveUp()
    return n


def _graphemes(s: str) -> list[str]:
    # Terraform counts grapheme clusters; joining combining marks, variation
    # selectors and zero-width joins to the previous character covers the usual
    # cases (accents, emoji sequences)
    out: list[str] = []
    join_next = False
    for ch in s:
        if out and (join_next or unicodedata.combining(ch) or ch in "\u200d\ufe0e\ufe0f"
                    or "\U0001f3fb" <= ch <= "\U0001f3ff"):
            out[-1] += ch
        else:
            out.append(ch)
        join_next = ch == "\u200d"
    return out


# ---------------------------------------------------------------- collections


def f_length(v: Any) -> Any:
    if is_unknown(v):
        raise GiveUp()
    if isinstance(v, str):
        return len(_graphemes(v))
    if isinstance(v, (list, dict)):
        return len(v)
    if v is None:
        raise FunctionError("argument must not be null")
    raise FunctionError("argument must be a string, a collection type, or a structural type")


def f_element(lst: Any, index: Any) -> Any:
    if is_unknown(lst) or is_unknown(index):
        raise GiveUp()
    items = _seq(lst, "list")
    i = to_int(index, "index")
    if not items:
        raise FunctionError("cannot use element function with an empty list")
    if i < 0 and -i % len(items):
        # terraform 1.11 takes Go's remainder, negative here: an index out of range
        raise FunctionError("cannot use element function with a negative index")
    return items[i % len(items)]  # a negative index that divides the length: the first element


_MISSING = object()


def f_lookup(m: Any, key: Any, default: Any = _MISSING) -> Any:
    # the map's other values do not matter, known or not: terraform returns the key's
    # value or the default as they are (`lookup(each.value, "multi_az", false)` beside
    # `subnet_id = aws_subnet.a.id` is false)
    if is_unknown(m) or is_unknown(key):
        raise GiveUp()
    m = _map(m, "inputMap")
    k = to_str(key, "key")
    if k in m:
        return m[k]
    if default is not _MISSING:
        return default
    raise FunctionError(f'lookup failed to find key "{k}"')


def f_concat(*seqs: Any) -> Any:
    if not seqs:
        raise FunctionError("at least one argument is required")
    out: list[Any] = []
    for i, s in enumerate(seqs):
        if is_unknown(s):
            raise GiveUp()
        out.extend(_seq(s, f"argument {i + 1}"))
    return out


def f_merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for m in maps:
        if is_unknown(m):
            raise GiveUp()
        if m is None:
            continue
        out.update(_map(m, "arguments"))
    return out


def f_flatten(v: Any) -> Any:
    out: list[Any] = []

    def walk(items: list[Any]) -> None:
        for x in items:
            if is_unknown(x):
                raise GiveUp()
            if isinstance(x, list):
                walk(x)
            else:
                out.append(x)

    walk(_seq(v, "list"))
    return out


def f_distinct(v: Any) -> Any:
    seen: dict[Any, Any] = {}
    for x in unify(_seq(v, "list")):
        seen.setdefault(canon(x), x)
    return list(seen.values())


def f_contains(lst: Any, value: Any) -> Any:
    if isinstance(lst, dict):
        raise FunctionError("argument must be list, tuple, or set")
    items = _seq(lst, "list")
    if value is None:
        raise FunctionError("argument must not be null")
    key = canon(value)
    return any(canon(x) == key for x in items)


def f_keys(m: Any) -> Any:
    if is_unknown(m):
        raise GiveUp()
    return sorted(_map(m, "inputMap"))


def f_values(m: Any) -> Any:
    if is_unknown(m):
        raise GiveUp()
    m = _map(m, "mapping")
    return [m[k] for k in sorted(m)]


def f_zipmap(keys: Any, values: Any) -> Any:
    if contains_unknown(keys) or is_unknown(values):
        raise GiveUp()
    ks = [to_str(k, "keys") for k in _seq(keys, "keys")]
    vs = _seq(values, "values")
    if len(ks) != len(vs):
        raise FunctionError(f"number of keys ({len(ks)}) does not match number of values ({len(vs)})")
    return dict(zip(ks, vs))


def f_range(*params: Any) -> Any:
    if not 1 <= len(params) <= 3:
        raise FunctionError("must have one, two, or three arguments")
    nums = [to_decimal(to_num(p, "params")) for p in params]
    if len(nums) == 1:
        start, limit = Decimal(0), nums[0]
        step = Decimal(1) if limit >= 0 else Decimal(-1)
    elif len(nums) == 2:
        start, limit = nums
        step = Decimal(1) if limit >= start else Decimal(-1)
    else:
        start, limit, step = nums
    if step == 0:
        raise FunctionError("step must not be zero")
    if step > 0 and limit < start:
        raise FunctionError("step must be negative for a decreasing range")
    if step < 0 and limit > start:
        raise FunctionError("step must be positive for an increasing range")
    out: list[Any] = []
    v = start
    while (v < limit) if step > 0 else (v > limit):
        if len(out) >= RANGE_LIMIT:
            raise FunctionError(f"more than {RANGE_LIMIT} values were generated; either decrease the "
                                "difference between start and end or use a smaller step")
        out.append(_num(v))
        v += step
    return out


def f_slice(lst: Any, start: Any, end: Any) -> Any:
    if is_unknown(lst) or is_unknown(start) or is_unknown(end):
        raise GiveUp()
    items = _seq(lst, "list")
    s, e = to_int(start, "start_index"), to_int(end, "end_index")
    if s < 0:
        raise FunctionError("the starting index must be greater than or equal to 0")
    if e > len(items):
        raise FunctionError("the ending index must not exceed the length of the list")
    if s > e:
        raise FunctionError("the ending index must be greater than or equal to the starting index")
    return items[s:e]


def f_index(lst: Any, value: Any) -> Any:
    if isinstance(lst, dict):
        raise FunctionError("argument must be a list or tuple")
    items = _seq(lst, "list")
    key = canon(value)
    for i, x in enumerate(items):
        if canon(x) == key:
            return i
    raise FunctionError("item not found")


def f_one(v: Any) -> Any:
    if is_unknown(v):
        raise GiveUp()
    if isinstance(v, dict):
        raise FunctionError("must be a list, set, or tuple value")
    items = _seq(v, "list")
    if len(items) > 1:
        raise FunctionError("must be a list, set, or tuple value with either zero or one elements")
    return items[0] if items else None


def f_compact(v: Any) -> Any:
    return [to_str(x) for x in _seq(v, "list") if x is not None and x != ""]


def f_chunklist(lst: Any, size: Any) -> Any:
    if is_unknown(lst) or is_unknown(size):
        raise GiveUp()
    items = _seq(lst, "list")
    n = to_int(size, "size")
    if n < 0:
        raise FunctionError("the size argument must be positive")
    if n == 0:  # the whole list as one chunk; none of an empty list
        return [list(items)] if items else []
    return [items[i:i + n] for i in range(0, len(items), n)]


def f_reverse(v: Any) -> Any:
    if is_unknown(v):
        raise GiveUp()
    if isinstance(v, dict):
        raise FunctionError("can only reverse list or tuple values, not map")
    return list(reversed(_seq(v, "list")))


def f_sort(v: Any) -> Any:
    items = _seq(v, "list")
    if any(x is None for x in items):
        raise FunctionError("given list element must not be null")
    return sorted(to_str(x, "list element") for x in items)


def f_transpose(m: Any) -> Any:
    out: dict[str, list[str]] = {}
    src = _map(m, "values")
    for k in sorted(src):
        vals = src[k]
        if vals is None:
            raise FunctionError("lists must not be null")
        for x in _seq(vals, "values"):
            out.setdefault(to_str(x, "list element"), []).append(k)
    return out


def f_matchkeys(values: Any, keys: Any, searchset: Any) -> Any:
    vals, ks, search = _seq(values, "values"), _seq(keys, "keys"), _seq(searchset, "searchset")
    if len(vals) != len(ks):
        raise FunctionError("length of keys and values should be equal")
    both = unify(ks + search, "keys and searchset")
    wanted = {canon(x) for x in both[len(ks):]}
    return [v for v, k in zip(vals, both[:len(ks)]) if canon(k) in wanted]


def f_coalesce(*args: Any) -> Any:
    if not args:
        raise FunctionError("at least one argument is required")
    # the arguments take one type, or terraform refuses them; beside a null (of no type),
    # arguments that have none are left as they are (`coalesce(null, [1], 2)` is [1])
    known = [a for a in args if not contains_unknown(a)]
    untyped = any(a is None for a in args)
    converted = list(args)
    if len({isinstance(a, (list, dict)) for a in known if a is not None}) > 1:
        if not untyped:  # a collection beside a primitive
            raise FunctionError("all arguments must have the same type")
    elif all(not isinstance(a, (list, dict)) for a in known):
        try:
            converted = unify(list(args), "all arguments")
        except FunctionError:
            if not untyped:
                raise
    elif any(isinstance(a, TfSet) for a in known) and all(isinstance(a, list) for a in known if a is not None):
        # a list or tuple beside a set: all are sets (`coalesce(["b", "a", "b"], toset(["c"]))` is ["a", "b"])
        converted = [as_set(a) if isinstance(a, list) and not contains_unknown(a) else a for a in args]
    for a in converted:
        if contains_unknown(a):
            raise GiveUp()
        if a is None or a == "":
            continue
        return a
    raise FunctionError("no non-null, non-empty-string arguments")


def f_coalescelist(*args: Any) -> Any:
    if not args:
        raise FunctionError("at least one argument is required")
    for i, a in enumerate(args):
        if is_unknown(a):
            raise GiveUp()
        if _seq(a, f"argument {i + 1}"):
            return a
    raise FunctionError("no non-null arguments")


def f_setproduct(*sets: Any) -> Any:
    if len(sets) < 2:
        raise FunctionError("at least two arguments are required")
    lists = [_seq(s, "sets") for s in sets]
    total = 1
    for s in lists:
        total = _size(total * len(s)) if s else 0
    out: list[Any] = [[]]
    for s in lists:
        out = [prefix + [x] for prefix in out for x in s]
    return out


def _unified_sets(sets: tuple[Any, ...]) -> list[list[Any]]:
    """The arguments of a set function, converted to one element type."""
    lists = [_seq(s, "sets") for s in sets]
    flat = unify([x for lst in lists for x in lst], "all set elements")
    out, i = [], 0
    for lst in lists:
        out.append(flat[i:i + len(lst)])
        i += len(lst)
    return out


def f_setunion(*sets: Any) -> Any:
    if not sets:
        raise FunctionError("at least one argument is required")
    return as_set([x for lst in _unified_sets(sets) for x in lst])


def f_setintersection(first: Any, *rest: Any) -> Any:
    first_items, *others = _unified_sets((first, *rest))
    result = as_set(first_items)
    for items in others:
        keys = {canon(x) for x in items}
        result = TfSet(x for x in result if canon(x) in keys)
    return result


def f_setsubtract(a: Any, b: Any) -> Any:
    keep, drop = _unified_sets((a, b))
    dropped = {canon(x) for x in drop}
    return TfSet(x for x in as_set(keep) if canon(x) not in dropped)


def f_alltrue(v: Any) -> Any:
    # in order, as terraform: an unknown element before a false one makes it unknown
    # (`alltrue([unknown, false])`), after one it is false; a null counts as false
    known = _known_bools(v)
    for x in known:
        if x is None:
            raise GiveUp()
        if not x:
            return False
    return True


def f_anytrue(v: Any) -> Any:
    # a true element decides, wherever the unknown ones are (`anytrue([unknown, true])`)
    known = _known_bools(v)
    if True in known:
        return True
    if None in known:
        raise GiveUp()
    return False


def _known_bools(v: Any) -> list[bool | None]:
    """alltrue's and anytrue's list, converted (None: unknown; a null element is false,
    as in Terraform): every known element must convert, as terraform converts the list
    before it looks."""
    if is_unknown(v):
        raise GiveUp()
    return [None if is_unknown(x) else x is not None and to_bool(x, "list element") for x in _seq(v, "list")]


# ---------------------------------------------------------------- conversions


def f_toset(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, dict):
        raise FunctionError("cannot convert map to set")
    return as_set(_seq(v, "v"))


def f_tolist(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, dict):
        raise FunctionError("cannot convert map to list")
    return list(unify(_seq(v, "v")))  # a list, not the set it may have been


def f_tomap(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, list):
        raise FunctionError("cannot convert list to map")
    m = _map(v, "v")
    return dict(zip(m.keys(), unify(list(m.values()), "all map elements")))


def f_tostring(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (list, dict)):
        raise FunctionError(f"cannot convert {_type_name(v)} to string")
    return to_str(v)


def f_tonumber(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, str):
        return parse_number(v)
    if _is_num(v):
        return v
    raise FunctionError(f"cannot convert {_type_name(v)} to number")


def f_tobool(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, str) and v not in ("true", "false", "1", "0"):
        raise FunctionError(f'cannot convert "{v}" to bool; only the strings "true" or "false" are allowed')
    if isinstance(v, (str, bool)):
        return to_bool(v)
    raise FunctionError(f"cannot convert {_type_name(v)} to bool")


def f_identity(v: Any) -> Any:
    # sensitive()/nonsensitive(): the linter does not track sensitivity
    return v


# ---------------------------------------------------------------- numbers


def _numbers(args: tuple[Any, ...], what: str) -> list[Any]:
    return [to_num(a, what) for a in args]


def f_min(*args: Any) -> Any:
    if not args:
        raise FunctionError("must pass at least one number")
    return min(_numbers(args, "numbers"), key=to_decimal)


def f_max(*args: Any) -> Any:
    if not args:
        raise FunctionError("must pass at least one number")
    return max(_numbers(args, "numbers"), key=to_decimal)


def f_abs(v: Any) -> Any:
    return _num(abs(to_decimal(to_num(v, "num"))))


def f_ceil(v: Any) -> Any:
    return int(math.ceil(to_decimal(to_num(v, "num"))))


def f_floor(v: Any) -> Any:
    return int(math.floor(to_decimal(to_num(v, "num"))))


def f_signum(v: Any) -> Any:
    n = to_int(v, "num")
    return (n > 0) - (n < 0)


def f_sum(v: Any) -> Any:
    if isinstance(v, dict):
        raise FunctionError("cannot sum map: only lists, sets and tuples are supported")
    items = _seq(v, "list")
    if not items:
        raise FunctionError("cannot sum an empty list")
    total = Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 60
        for x in items:
            if x is None:
                raise FunctionError("argument must be list, set, or tuple of number values")
            total += to_decimal(to_num(x, "list element"))
    return _num(total)


def f_pow(x: Any, y: Any) -> Any:
    try:
        return _num(math.pow(float(to_num(x, "num")), float(to_num(y, "power"))))
    except ValueError:
        raise GiveUp() from None  # NaN in Terraform (a negative base to a fractional power)


def f_log(x: Any, base: Any) -> Any:
    a, b = float(to_num(x, "num")), float(to_num(base, "base"))
    if a <= 0 or b <= 0 or b == 1:
        raise GiveUp()  # Terraform returns infinities/NaN, which have no JSON form
    return _num(math.log(a) / math.log(b))


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def f_parseint(text: Any, base: Any) -> Any:
    s = to_str(text, "number")
    b = to_int(base, "base")
    if not 2 <= b <= 62:
        raise FunctionError("base must be a whole number between 2 and 62 inclusive")
    body = s[1:] if s[:1] in "+-" else s
    if len(body) > 4300:  # Python's own limit on integer text; Terraform's numbers are wider
        raise GiveUp()
    value = 0
    for ch in body:
        d = _DIGITS.find(ch if b > 36 else ch.lower())
        if d < 0 or d >= b:
            body = ""
            break
        value = value * b + d
    if not body:
        raise FunctionError(f"cannot parse {json.dumps(s)} as a base {b} integer")
    return -value if s.startswith("-") else value


# ---------------------------------------------------------------- strings


def f_join(sep: Any, *lists: Any) -> Any:
    if not lists:
        raise FunctionError("at least one list is required")
    s = to_str(sep, "separator")
    parts: list[str] = []
    for lst in lists:
        for x in _seq(lst, "lists"):
            if x is None:
                raise FunctionError("element must not be null")
            parts.append(to_str(x, "element"))
    return s.join(parts)


def f_split(sep: Any, text: Any) -> Any:
    s, t = to_str(sep, "separator"), to_str(text, "str")
    if s == "":
        return list(t)
    return t.split(s)


def _per_rune(s: str, convert: Callable[[str], str]) -> str:
    # Go maps case one character at a time: "ß" has no one-character upper case
    # and stays, where Python's full case mapping gives "SS"
    out = []
    for ch in s:
        mapped = convert(ch)
        out.append(mapped if len(mapped) == 1 else ch)
    return "".join(out)


def f_lower(v: Any) -> Any:
    return _per_rune(to_str(v, "str"), str.lower)


def f_upper(v: Any) -> Any:
    return _per_rune(to_str(v, "str"), str.upper)


def _go_separator(ch: str) -> bool:
    # Go's strings.Title word boundary
    if ch < "\x80":
        return not (ch.isalnum() or ch == "_")
    if ch.isalpha() or ch.isdigit():
        return False
    return ch.isspace()


def f_title(v: Any) -> Any:
    out = []
    prev = " "
    for ch in to_str(v, "str"):
        out.append(_per_rune(ch, str.title) if _go_separator(prev) else ch)
        prev = ch
    return "".join(out)


# Go's unicode.IsSpace (Python's str.strip also strips \x1c-\x1f, Go does not)
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def f_trimspace(v: Any) -> Any:
    return to_str(v, "str").strip(_GO_SPACE)


def f_trim(v: Any, cutset: Any) -> Any:
    return to_str(v, "str").strip(to_str(cutset, "cutset"))


def f_trimprefix(v: Any, prefix: Any) -> Any:
    s, p = to_str(v, "str"), to_str(prefix, "prefix")
    return s[len(p):] if p and s.startswith(p) else s


def f_trimsuffix(v: Any, suffix: Any) -> Any:
    s, p = to_str(v, "str"), to_str(suffix, "suffix")
    return s[: len(s) - len(p)] if p and s.endswith(p) else s


def f_substr(v: Any, offset: Any, length: Any) -> Any:
    chars = _graphemes(to_str(v, "str"))
    off, n = to_int(offset, "offset"), to_int(length, "length")
    if off < 0:
        off = max(0, len(chars) + off)
        if n == 0:  # cty counts length from the offset's grapheme on: 0 is never met, the rest is taken
            n = -1
    if n < 0:
        return "".join(chars[off:])
    return "".join(chars[off:off + n])


def f_startswith(v: Any, prefix: Any) -> Any:
    return to_str(v, "str").startswith(to_str(prefix, "prefix"))


def f_endswith(v: Any, suffix: Any) -> Any:
    return to_str(v, "str").endswith(to_str(suffix, "suffix"))


def f_strcontains(v: Any, sub: Any) -> Any:
    return to_str(sub, "substr") in to_str(v, "str")


def f_strrev(v: Any) -> Any:
    return "".join(reversed(_graphemes(to_str(v, "str"))))


def f_chomp(v: Any) -> Any:
    s = to_str(v, "str")
    while s.endswith("\n"):
        s = s[:-2] if s.endswith("\r\n") else s[:-1]
    return s


def f_indent(spaces: Any, v: Any) -> Any:
    pad = " " * _size(to_int(spaces, "spaces"))
    return v if not v else to_str(v, "str").replace("\n", "\n" + pad)


def f_urlencode(v: Any) -> Any:
    from urllib.parse import quote_plus

    return quote_plus(to_str(v, "str"), safe="-_.~")


# ---------------------------------------------------------------- format


def go_quote(s: str) -> str:
    """Go's strconv.Quote (format's %q)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch in "\a\b\f\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}[ch])
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif o < 0x80:
            out.append(f"\\x{o:02x}")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def _go_g(value: Any, prec: int | None, upper: bool, sharp: bool) -> str:
    if isinstance(value, int) and prec is None:
        d = Decimal(value)
    else:
        d = to_decimal(value)
    if prec is None:
        digits = d.normalize()
        exp = digits.adjusted()
        if exp < -4 or exp >= 6:  # Go's %g with the shortest precision
            text = format(digits, "e").replace("E", "e")
            mant, _, e = text.partition("e")
            sign = "-" if e.startswith("-") else "+"
            e = e.lstrip("+-").rjust(2, "0")
            text = f"{mant}e{sign}{e}"
        else:
            text = format(digits, "f")
    else:
        text = format(float(value), f"{'#' if sharp else ''}.{prec}g")
    return text.upper() if upper else text


def _pad(text: str, width: int | None, minus: bool, zero: bool, numeric: bool) -> str:
    if width is None or len(text) >= width:
        return text
    _size(width)
    if minus:
        return text.ljust(width)
    if zero and numeric:
        sign = text[0] if text[:1] in "+- " else ""
        return sign + text[len(sign):].rjust(width - len(sign), "0")
    return text.rjust(width)


def _format_one(verb: str, flags: str, width: int | None, prec: int | None, arg: Any, pos: int) -> str:
    minus, plus, space, zero, sharp = ("-" in flags, "+" in flags, " " in flags, "0" in flags, "#" in flags)
    if prec is not None:
        _size(prec)
    if verb == "v" and sharp:
        return _pad(jsonencode(arg), width, minus, False, False)
    if arg is None:
        if verb == "v":
            return _pad("null", width, minus, False, False)
        raise FunctionError(f"unsupported value for \"%{verb}\" at {pos}: null value cannot be formatted")
    if verb == "v":
        if isinstance(arg, (list, dict)):
            return _pad(jsonencode(arg), width, minus, False, False)
        verb = "t" if isinstance(arg, bool) else ("g" if _is_num(arg) else "s")
    if verb == "s":
        if isinstance(arg, (list, dict)):
            raise FunctionError(f"unsupported value for \"%s\" at {pos}: string required")
        text = to_str(arg)
        if prec is not None:
            text = text[:prec]
        return _pad(text, width, minus, False, False)
    if verb == "q":
        if isinstance(arg, (list, dict)):
            raise FunctionError(f"unsupported value for \"%q\" at {pos}: string required")
        return _pad(go_quote(to_str(arg)), width, minus, False, False)
    if verb == "t":
        return _pad("true" if to_bool(arg) else "false", width, minus, False, False)
    if verb in "dboxX":
        n = to_num(arg, f"value for \"%{verb}\" at {pos}")
        if isinstance(n, float):
            raise FunctionError(f"unsupported value for \"%{verb}\" at {pos}: value has a fractional part")
        body = format(abs(n), {"d": "d", "b": "b", "o": "o", "x": "x", "X": "X"}[verb])
        if prec is not None:
            body = body.rjust(prec, "0")
        if sharp and verb in "bxX":
            body = {"b": "0b", "x": "0x", "X": "0X"}[verb] + body
        elif sharp and verb == "o" and not body.startswith("0"):
            body = "0" + body
        sign = "-" if n < 0 else ("+" if plus else (" " if space else ""))
        return _pad(sign + body, width, minus, zero and prec is None, True)
    if verb in "eEfFgG":
        n = to_num(arg, f"value for \"%{verb}\" at {pos}")
        if verb in "gG":
            body = _go_g(abs(n), prec, verb == "G", sharp)
        else:
            body = format(abs(to_decimal(n)), f".{6 if prec is None else prec}{verb.lower()}")
            if verb == "E":
                body = body.upper()
            mant, e, exp = body.partition("e" if verb == "e" else "E")
            if e:
                body = mant + e + exp[0] + exp[1:].rjust(2, "0")
        sign = "-" if n < 0 else ("+" if plus else (" " if space else ""))
        return _pad(sign + body, width, minus, zero, True)
    raise FunctionError(f"unrecognized format verb '{verb}'")


def _parse_spec(fmt: str, i: int) -> tuple[str, int | None, int | None, int | None, str, int]:
    """Parse one verb after '%' at fmt[i]: flags, [argnum], width, precision, verb."""
    n = len(fmt)
    flags = ""
    while i < n and fmt[i] in "-+# 0":
        flags += fmt[i]
        i += 1
    argnum = None
    if i < n and fmt[i] == "[":
        j = fmt.find("]", i)
        if j < 0 or not fmt[i + 1:j].isdigit():
            raise FunctionError("invalid format string: bad argument index")
        argnum = int(fmt[i + 1:j])
        i = j + 1
    width = None
    j = i
    while j < n and fmt[j].isdigit():
        j += 1
    if j > i:
        width = int(fmt[i:j])
    i = j
    prec = None
    if i < n and fmt[i] == ".":
        j = i + 1
        while j < n and fmt[j].isdigit():
            j += 1
        prec = int(fmt[i + 1:j] or "0")
        i = j
    if i >= n:
        raise FunctionError("invalid format string: incomplete verb")
    return flags, argnum, width, prec, fmt[i], i + 1


def format_string(fmt: str, args: list[Any]) -> str:
    out: list[str] = []
    i, argi, n, used = 0, 0, len(fmt), 0
    while i < n:
        j = fmt.find("%", i)
        if j < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:j])
        if j + 1 < n and fmt[j + 1] == "%":
            out.append("%")
            i = j + 2
            continue
        flags, argnum, width, prec, verb, i = _parse_spec(fmt, j + 1)
        if argnum is not None:
            if not 1 <= argnum <= len(args):
                raise FunctionError(f"not enough arguments for \"%{verb}\" at {j}: need index {argnum} but have {len(args)} total")
            argi = argnum - 1
        if argi >= len(args):
            raise FunctionError(f"not enough arguments for \"%{verb}\" at {j}: need index {argi + 1} but have {len(args)} total")
        out.append(_format_one(verb, flags, width, prec, args[argi], j))
        argi += 1
        used = max(used, argi)
    if used < len(args):
        raise FunctionError(f"too many arguments; only {used} used by format string")
    return "".join(out)


def f_format(fmt: Any, *args: Any) -> Any:
    if any(a is None for a in args):
        raise GiveUp()  # Terraform's format gives an unknown result for a null argument
    return format_string(to_str(fmt, "format"), list(args))


def f_formatlist(fmt: Any, *args: Any) -> Any:
    f = to_str(fmt, "format")
    if any(a is None for a in args):
        raise GiveUp()
    count = None
    for i, a in enumerate(args):
        if isinstance(a, list):
            if count is not None and len(a) != count:
                raise FunctionError(f"argument {i + 1} has length {len(a)}, which is inconsistent with "
                                    f"previous arguments of length {count}")
            count = len(a)
    if count is None:
        count = 1
    return [format_string(f, [a[k] if isinstance(a, list) else a for a in args]) for k in range(count)]


# ---------------------------------------------------------------- regex

_re2: Any = None


def _compile(pattern: str) -> Any:
    global _re2
    if _re2 is None:
        try:
            import re2
        except ImportError:  # pragma: no cover - google-re2 is a dependency
            _re2 = False
        else:
            _re2 = re2
    if _re2 is False:
        raise GiveUp()
    options = _re2.Options()
    options.log_errors = False
    try:
        return _re2.compile(pattern, options)
    except _re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise FunctionError(f"invalid regular expression pattern: {detail}") from None


def _match_value(rx: Any, m: Any) -> Any:
    names = rx.groupindex
    if rx.groups == 0:
        return m.group(0)
    if names:
        if len(names) != rx.groups:
            raise FunctionError("invalid regular expression: can't mix both named and unnamed capture groups")
        return {name: m.group(idx) for name, idx in names.items()}
    return list(m.groups())


def _regex(pattern: Any) -> Any:
    rx = _compile(to_str(pattern, "pattern"))
    if rx.groupindex and len(rx.groupindex) != rx.groups:
        raise FunctionError("invalid regular expression: can't mix both named and unnamed capture groups")
    return rx


def f_regex(pattern: Any, text: Any) -> Any:
    rx = _regex(pattern)
    m = rx.search(to_str(text, "string"))
    if m is None:
        raise FunctionError("pattern did not match any part of the given string")
    return _match_value(rx, m)


def _go_finditer(rx: Any, text: str) -> Any:
    # Go ignores an empty match that abuts the previous match; RE2's Python
    # binding reports it
    prev_end = -1
    for m in rx.finditer(text):
        if m.start() == m.end() == prev_end:
            continue
        prev_end = m.end()
        yield m


def f_regexall(pattern: Any, text: Any) -> Any:
    rx = _regex(pattern)
    return [_match_value(rx, m) for m in _go_finditer(rx, to_str(text, "string"))]


def _go_expand(template: str, m: Any, rx: Any) -> str:
    """Go regexp's $1 / ${1} / ${name} replacement syntax."""
    out: list[str] = []
    i, n = 0, len(template)
    while i < n:
        ch = template[i]
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = template[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt == "{":
            j = template.find("}", i + 2)
            name = template[i + 2:j] if j > 0 else ""
            end = j + 1
        else:
            j = i + 1
            while j < n and (template[j].isalnum() or template[j] == "_"):
                j += 1
            name, end = template[i + 1:j], j
        if not name or not all(c.isalnum() or c == "_" for c in name):
            out.append("$")
            i += 1
            continue
        if name.isdigit():
            idx = int(name)
            out.append((m.group(idx) or "") if idx <= rx.groups else "")
        else:
            idx = rx.groupindex.get(name)
            out.append((m.group(idx) or "") if idx is not None else "")
        i = end
    return "".join(out)


def f_replace(text: Any, substr: Any, replacement: Any) -> Any:
    s, sub, rep = to_str(text, "str"), to_str(substr, "substr"), to_str(replacement, "replace")
    if len(sub) > 1 and sub.startswith("/") and sub.endswith("/"):
        rx = _compile(sub[1:-1])
        out: list[str] = []
        last = 0
        for m in _go_finditer(rx, s):
            out.append(s[last:m.start()])
            out.append(_go_expand(rep, m, rx))
            last = m.end()
        out.append(s[last:])
        return "".join(out)
    if sub == "":
        return rep + rep.join(s) + rep if s else rep
    return s.replace(sub, rep)


# ---------------------------------------------------------------- encodings


_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_string(s: str) -> str:
    text = json.dumps(s, ensure_ascii=False)
    if any(c in text for c in _JSON_ESCAPES):
        text = "".join(_JSON_ESCAPES.get(c, c) for c in text)
    return text


def jsonencode(v: Any) -> str:
    """Terraform's jsonencode: keys sorted, no spaces, Go's HTML-safe escapes."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if _is_num(v):
        return num_str(v)
    if isinstance(v, str):
        return _json_string(v)
    if isinstance(v, list):
        return "[" + ",".join(jsonencode(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(_json_string(k) + ":" + jsonencode(v[k]) for k in sorted(v)) + "}"
    raise UnknownValueError("unknown value in jsonencode")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON value {name}")


def _json_number(text: str) -> Any:
    if abs(Decimal(text).adjusted()) > 400:
        raise GiveUp()
    return _num(Decimal(text))


def f_jsondecode(v: Any) -> Any:
    s = to_str(v, "str")
    try:
        value = json.loads(s, parse_float=_json_number, parse_int=_json_number,
                           parse_constant=_reject_constant)
    except ValueError as exc:
        raise FunctionError(f"invalid JSON: {exc}") from None
    # a `\ud800` escape with no pair: Go's decoder (Terraform's) reads U+FFFD, Python's keeps
    # a lone surrogate, which no UTF-8 text (a values file given to helm) can hold
    return _surrogates_replaced(value) if "\\u" in s else value


_SURROGATES = range(0xD800, 0xE000)


def _surrogates_replaced(value: Any) -> Any:
    """`value` with each lone surrogate in its strings (keys too) U+FFFD, as Go decodes one."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return "".join("\ufffd" if ord(c) in _SURROGATES else c for c in value)
    if isinstance(value, list):
        return [_surrogates_replaced(v) for v in value]
    if isinstance(value, dict):
        return {_surrogates_replaced(k): _surrogates_replaced(v) for k, v in value.items()}
    return value


# yamlencode follows the emitter Terraform uses (libyaml's, through go-yaml):
# keys and one-line strings double-quoted, multi-line strings as literal blocks
# when libyaml allows one, long quoted strings folded past column 80, a plain
# root scalar closed by "...".

_YAML_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f",
                 "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N",
                 "\u2028": "L", "\u2029": "P"}
_YAML_BREAKS = "\r\n\x85\u2028\u2029"
_YAML_WIDTH = 80


def _yaml_printable(ch: str) -> bool:
    o = ord(ch)
    return o == 0x0A or 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)


def _yaml_block_allowed(s: str) -> bool:
    prev_space = False
    for ch in s:
        if not _yaml_printable(ch):
            return False
        if ch in _YAML_BREAKS:
            if prev_space:
                return False  # a space before a line break
            prev_space = False
        else:
            prev_space = ch == " "
    return not s.endswith(" ")


class _YamlOut:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.col = 0
        self.line_start = True

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.col += len(text)
        self.line_start = False

    def newline(self) -> None:
        # a literal block that ended with its own line break needs no other
        if not self.line_start:
            self.parts.append("\n")
        self.col = 0
        self.line_start = True

    def quoted(self, s: str, indent: int, fold: bool) -> None:
        self.write('"')
        spaces = False
        last = len(s) - 1
        for i, ch in enumerate(s):
            if ch in _YAML_ESCAPES:
                self.write("\\" + _YAML_ESCAPES[ch])
                spaces = False
            elif not _yaml_printable(ch):
                o = ord(ch)
                self.write(f"\\x{o:02X}" if o <= 0xFF else f"\\u{o:04X}" if o <= 0xFFFF else f"\\U{o:08X}")
                spaces = False
            elif ch == " ":
                if fold and not spaces and self.col > _YAML_WIDTH and 0 < i < last:
                    self.newline()
                    self.write(" " * indent)
                    if s[i + 1] == " ":
                        self.write("\\")
                else:
                    self.write(" ")
                spaces = True
            else:
                self.write(ch)
                spaces = False
        self.write('"')

    def literal(self, s: str, indent: int) -> None:
        hint = "2" if s[0] == " " or s[0] in _YAML_BREAKS else ""
        if not s.endswith("\n"):
            chomp = "-"
        elif len(s) == 1 or s[-2] in _YAML_BREAKS:
            chomp = "+"
        else:
            chomp = ""
        self.write("|" + hint + chomp)
        self.newline()
        at_break = True
        for ch in s:
            if ch in _YAML_BREAKS:
                self.parts.append("\n" if ch == "\n" else ch)
                self.col, self.line_start, at_break = 0, True, True
            else:
                if at_break:
                    self.write(" " * indent)
                self.write(ch)
                at_break = False

    def scalar(self, v: Any, indent: int) -> None:
        if isinstance(v, str):
            if "\n" in v and _yaml_block_allowed(v):
                self.literal(v, indent)
            else:
                self.quoted(v, indent, fold=True)
        elif isinstance(v, dict):
            self.write("{}")
        elif isinstance(v, list):
            self.write("[]")
        elif v is None:
            self.write("null")
        elif isinstance(v, bool):
            self.write("true" if v else "false")
        else:
            self.write(num_str(v))

    def mapping(self, m: dict[str, Any], indent: int) -> None:
        for i, k in enumerate(sorted(m)):
            if i:
                self.newline()
                self.write(" " * indent)
            self.quoted(k, indent, fold=False)
            self.write(":")
            self.value(m[k], indent, in_mapping=True)

    def sequence(self, items: list[Any], indent: int) -> None:
        for i, item in enumerate(items):
            if i:
                self.newline()
                self.write(" " * indent)
            self.write("-")
            self.value(item, indent, in_mapping=False)

    def value(self, v: Any, indent: int, in_mapping: bool) -> None:
        if isinstance(v, dict) and v:
            if in_mapping:
                self.newline()
                self.write(" " * (indent + 2))
            else:
                self.write(" ")
            self.mapping(v, indent + 2)
        elif isinstance(v, list) and v:
            if in_mapping:  # go-yaml writes a mapping's sequences without indenting them
                self.newline()
                self.write(" " * indent)
                self.sequence(v, indent)
            else:
                self.write(" ")
                self.sequence(v, indent + 2)
        else:
            self.write(" ")
            self.scalar(v, indent + 2)


def f_yamlencode(v: Any) -> Any:
    out = _YamlOut()
    if isinstance(v, dict) and v:
        out.mapping(v, 0)
    elif isinstance(v, list) and v:
        out.sequence(v, 0)
    else:
        out.scalar(v, 2)
    out.newline()
    if v is None or isinstance(v, (bool, int, float)):
        out.parts.append("...\n")
    return "".join(out.parts)


# yamldecode resolves plain scalars as Terraform's YAML reader does: YAML 1.1
# booleans (yes/no/on/off/y/n), YAML 1.2 numbers (012 is 12, 1e3 is 1000,
# 0x/0o prefixes, no underscores), timestamps as RFC 3339 strings.
_YAML_TRUE = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_YAML_FALSE = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_YAML_NULL = {"", "~", "null", "Null", "NULL"}
_YAML_PLAIN = "tag:resilint,2026:plain"


def _yaml_plain(text: str) -> Any:
    if text in _YAML_NULL:
        return None
    if text in _YAML_TRUE:
        return True
    if text in _YAML_FALSE:
        return False
    if text.lstrip("+-").lower() in (".inf", ".nan"):
        raise GiveUp()  # Terraform reads them, but they have no JSON or HCL form
    body = text[1:] if text[:1] in "+-" else text
    sign = -1 if text.startswith("-") else 1
    for prefix, base, digits in (("0x", 16, "0123456789abcdefABCDEF"), ("0o", 8, "01234567")):
        if body.startswith(prefix) and len(body) > 2 and all(c in digits for c in body[2:]):
            return sign * int(body[2:], base)
    if body and body[0] in "0123456789." and any(c.isdigit() for c in body):
        try:
            return parse_number(text)
        except FunctionError:
            pass
    stamp = _yaml_timestamp(text)
    return text if stamp is None else stamp


def _yaml_timestamp(text: str) -> str | None:
    import datetime

    if len(text) < 10 or not (text[:4].isdigit() and text[4] == "-"):
        return None
    candidate = text.replace("t", "T").replace(" ", "T", 1)
    if candidate.endswith(("z", "Z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        stamp = datetime.datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    stamp = stamp.replace(microsecond=0)
    text = stamp.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def f_yamldecode(v: Any) -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is yaml.ScalarNode and implicit[0]:
                return _YAML_PLAIN
            # types-PyYAML leaves BaseResolver.resolve unannotated: called through a typed name
            resolve: Callable[[Any, Any, Any], Any] = super().resolve
            return resolve(kind, value, implicit)

    s = to_str(v, "src")
    try:
        nodes = list(yaml.compose_all(s, Loader=Loader))
    except yaml.YAMLError as exc:
        raise FunctionError(f"invalid YAML: {exc}") from None
    if not nodes:
        if s.strip().startswith("---"):
            return None
        raise FunctionError("on line 1, column 1: missing start of document")
    if len(nodes) > 1:
        raise FunctionError("unexpected extra content after value")
    if "\\u" in s or "\\U" in s:
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            pass  # the text itself holds a surrogate: it came from elsewhere, not from an escape
        else:
            _no_surrogate_escapes(nodes[0])
    budget = [SIZE_LIMIT]  # aliases can make a small document expand exponentially
    return _yaml_node(nodes[0], budget)


def _no_surrogate_escapes(root: Any) -> None:
    """go-yaml (Terraform's yamldecode) refuses a `\\ud800` escape that makes a surrogate;
    PyYAML keeps it. Walked with a stack: nesting is bounded by the parser, not by this."""
    import yaml

    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an alias: its node is walked once
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                node.value.encode("utf-8")
            except UnicodeEncodeError:
                raise FunctionError("found invalid Unicode character escape code") from None
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)


def _yaml_node(node: Any, budget: list[int]) -> Any:
    import yaml

    budget[0] -= 1
    if budget[0] < 0:
        raise GiveUp()
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _YAML_PLAIN:
            return _yaml_plain(node.value)
        if node.tag.endswith(":null"):
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_yaml_node(x, budget) for x in node.value]
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<" and key_node.tag == _YAML_PLAIN:
            merged = _yaml_node(value_node, budget)
            for part in merged if isinstance(merged, list) else [merged]:
                for k, x in _map(part, "merge").items():
                    out.setdefault(k, x)
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            raise FunctionError("only scalar values can be used as mapping keys")
        key = _yaml_node(key_node, budget)
        out[key if isinstance(key, str) else to_str(key) if key is not None else "null"] = _yaml_node(value_node, budget)
    return out


def f_base64encode(v: Any) -> Any:
    return base64.b64encode(to_str(v, "str").encode()).decode()


def f_base64decode(v: Any) -> Any:
    s = to_str(v, "str")
    try:
        raw = base64.b64decode(s.encode(), validate=True)
    except (ValueError, UnicodeError):
        raise FunctionError(f"failed to decode base64 data {json.dumps(s)}") from None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise FunctionError("the result of decoding the provided string is not valid UTF-8") from None


# IANA character set names and aliases (as Terraform's textencodebase64 looks them up,
# case-insensitively) whose Python codec encodes and decodes as Go's does; another name
# Terraform may know gives an unknown value, never a wrong one
_IANA_ENCODINGS = {
    **dict.fromkeys(("utf-8", "csutf8"), "utf-8"),
    **dict.fromkeys(("utf-16be", "csutf16be"), "utf-16-be"),
    **dict.fromkeys(("utf-16le", "csutf16le"), "utf-16-le"),
    **dict.fromkeys(("utf-16", "csutf16"), "utf-16"),  # encoded big-endian with a byte order mark
    **dict.fromkeys(("us-ascii", "iso-ir-6", "ansi_x3.4-1968", "ansi_x3.4-1986", "iso_646.irv:1991", "iso646-us",
                     "us", "ibm367", "cp367", "csascii"), "ascii"),
    **dict.fromkeys(("iso-8859-1", "iso_8859-1:1987", "iso-ir-100", "iso_8859-1", "latin1", "l1", "ibm819",
                     "cp819", "csisolatin1"), "latin-1"),
}


def _text_codec(encoding: Any) -> str:
    name = to_str(encoding, "encoding")
    codec = _IANA_ENCODINGS.get(name.lower())
    if codec is None:
        raise GiveUp()  # not known here: Terraform may know it (or say it does not)
    return codec


def f_textencodebase64(string: Any, encoding: Any) -> Any:
    codec, text = _text_codec(encoding), to_str(string, "string")
    try:
        raw = b"\xfe\xff" + text.encode("utf-16-be") if codec == "utf-16" else text.encode(codec)
    except UnicodeEncodeError:
        raise FunctionError(f"the given string contains characters that cannot be represented in "
                            f"{to_str(encoding)}") from None
    return base64.b64encode(raw).decode()


def f_textdecodebase64(source: Any, encoding: Any) -> Any:
    codec, text = _text_codec(encoding), to_str(source, "source")
    try:
        raw = base64.b64decode(text.encode(), validate=True)
    except (ValueError, UnicodeError):
        raise FunctionError("the given value has an invalid base64 symbol") from None
    if codec == "utf-16":  # a byte order mark says which end comes first; big-endian without one
        codec, raw = ("utf-16-le", raw[2:]) if raw[:2] == b"\xff\xfe" else ("utf-16-be", raw.removeprefix(b"\xfe\xff"))
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        raise FunctionError(f"the given string contains symbols that are not defined for {to_str(encoding)}") from None


def _hash(algo: str) -> Callable[[Any], str]:
    def fn(v: Any) -> str:
        return hashlib.new(algo, to_str(v, "str").encode()).hexdigest()
    return fn


def _b64hash(algo: str) -> Callable[[Any], str]:
    def fn(v: Any) -> str:
        return base64.b64encode(hashlib.new(algo, to_str(v, "str").encode()).digest()).decode()
    return fn


def f_uuidv5(namespace: Any, name: Any) -> Any:
    import uuid as uuidlib  # lazily: uuid imports platform

    namespaces = {"dns": uuidlib.NAMESPACE_DNS, "url": uuidlib.NAMESPACE_URL,
                  "oid": uuidlib.NAMESPACE_OID, "x500": uuidlib.NAMESPACE_X500}
    ns = to_str(namespace, "namespace")
    try:
        space = namespaces.get(ns) or uuidlib.UUID(ns)
    except ValueError:
        raise FunctionError(f"uuidv5() doesn't support namespace {ns}") from None
    return str(uuidlib.uuid5(space, to_str(name, "name")))


# ---------------------------------------------------------------- files


def _path(ctx: FunctionContext, v: Any) -> Path:
    p = Path(to_str(v, "path")).expanduser()
    return p if p.is_absolute() else ctx.base_dir / p


def _read_text(ctx: FunctionContext, v: Any) -> str:
    path = _path(ctx, v)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FunctionError(f"no file exists at {to_str(v)}") from None
    except OSError as exc:
        raise FunctionError(f"failed to read {to_str(v)}: {exc.strerror}") from None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise FunctionError(f"contents of {to_str(v)} are not valid UTF-8") from None


def f_file(ctx: FunctionContext, path: Any) -> Any:
    return _read_text(ctx, path)


def f_fileexists(ctx: FunctionContext, path: Any) -> Any:
    p = _path(ctx, path)
    if os.path.isdir(p):
        raise FunctionError(f"{to_str(path)} is not a regular file, but a directory")
    return os.path.isfile(p)


def f_filebase64(ctx: FunctionContext, path: Any) -> Any:
    p = _path(ctx, path)
    try:
        return base64.b64encode(p.read_bytes()).decode()
    except OSError:
        raise FunctionError(f"no file exists at {to_str(path)}") from None


# fileset() walks at most this many directory entries: beyond, its value is not worked out
FILESET_MAX_ENTRIES = 50_000


def f_fileset(ctx: FunctionContext, path: Any, pattern: Any) -> Any:
    """The regular files under `path` that `pattern` matches, as Terraform's fileset:
    the pattern is joined to the path and cleaned (`**/` is `**`), matched a path
    segment at a time (`**` alone is any number of directories, `*` and `?` stay in
    one segment, `[...]` with `^` negating, `{a,b}`, `\\` escaping), and the paths
    are given relative to `path`, with `/`, sorted. A missing path has no files."""
    key = (to_str(path, "path"), to_str(pattern, "pattern"))
    if key not in ctx.filesets:
        try:
            ctx.filesets[key] = _fileset(ctx, *key)
        except GiveUp:
            ctx.filesets[key] = None  # too many files to walk: not walked again
            raise
    found = ctx.filesets[key]
    if found is None:
        raise GiveUp()
    return list(found)


def _fileset(ctx: FunctionContext, base: str, written: str) -> list[str]:
    import posixpath

    joined = posixpath.normpath(f"{base}/{written}" if base else written)  # as Go's filepath.Join
    patterns = [_glob_segments(p) for p in _braces(joined)]
    # walk from the longest literal directory every pattern starts with
    literal: list[str] = []
    for parts in zip(*(p[:-1] for p in patterns)):  # directories only: the last segment names files
        if parts[0][0] != "lit" or any(part != parts[0] for part in parts):
            break
        literal.append(parts[0][1])
    start = ("/".join(literal) or "/") if literal else "."  # an absolute pattern's first segment is ""
    # without `**`, no match lies deeper than the longest pattern: the walk stops there
    deepest = None if any(kind == "any" for parts in patterns for kind, _ in parts) else \
        max(len(parts) for parts in patterns) - len(literal)
    found: list[str] = []
    seen = 0
    stack = [(_path(ctx, start), start, 1)]
    while stack:
        directory, shown, depth = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > FILESET_MAX_ENTRIES:
                raise GiveUp()
            name = posixpath.join(shown, entry.name) if shown != "." else entry.name
            try:
                if entry.is_dir():
                    if deepest is None or depth < deepest:
                        stack.append((Path(entry.path), name, depth + 1))
                elif entry.is_file() and any(_glob_match(p, name.split("/")) for p in patterns):
                    found.append(posixpath.relpath(name, posixpath.normpath(base)))
            except OSError:
                continue
    return sorted(set(found))


def _braces(pattern: str, limit: int = 256) -> list[str]:
    """`{a,b}` alternatives spelled out (`x.{a,b}` -> `x.a`, `x.b`), at most `limit` patterns."""
    out, todo = [], [pattern]
    while todo:
        text = todo.pop()
        start = _unescaped(text, "{")
        end = -1 if start < 0 else _closing_brace(text, start)
        if end < 0:
            out.append(text)
        elif "/" in text[start:end]:  # doublestar keeps alternatives within a segment
            raise FunctionError(f"failed to glob pattern {json.dumps(pattern)}: syntax error in pattern")
        else:
            for choice in _split_top(text[start + 1:end]):
                todo.append(text[:start] + choice + text[end + 1:])
        if len(out) + len(todo) > limit:
            raise GiveUp()
    return out


def _unescaped(text: str, char: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def _closing_brace(text: str, start: int) -> int:
    depth, i = 0, start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        depth += text[i] == "{"
        depth -= text[i] == "}"
        if depth == 0:
            return i
        i += 1
    raise FunctionError(f"failed to glob pattern {json.dumps(text)}: syntax error in pattern")


def _split_top(text: str) -> list[str]:
    parts, depth, current, i = [], 0, "", 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            current += text[i:i + 2]
            i += 2
            continue
        if c == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            depth += (c == "{") - (c == "}")
            current += c
        i += 1
    return [*parts, current]


def _glob_segments(pattern: str) -> list[tuple[str, Any]]:
    """A pattern's `/`-separated segments: ("any", None) for `**`, ("lit", text) for a
    segment with no wildcard, else ("glob", its tokens)."""
    out: list[tuple[str, Any]] = []
    for segment in pattern.split("/"):
        if segment == "**":
            out.append(("any", None))
            continue
        tokens = _glob_tokens(segment, pattern)
        if all(kind == "char" for kind, _ in tokens):
            out.append(("lit", "".join(value for _, value in tokens)))
        else:
            out.append(("glob", tokens))
    return out


def _glob_tokens(segment: str, pattern: str) -> list[tuple[str, Any]]:
    """("char", c), ("one", None) for `?`, ("many", None) for `*` (or `**` inside a
    segment), ("class", (negated, [(low, high), ...]))."""
    tokens: list[tuple[str, Any]] = []
    i = 0
    while i < len(segment):
        c = segment[i]
        if c == "\\" and i + 1 < len(segment):
            tokens.append(("char", segment[i + 1]))
            i += 2
        elif c == "*":
            if not tokens or tokens[-1][0] != "many":
                tokens.append(("many", None))
            i += 1
        elif c == "?":
            tokens.append(("one", None))
            i += 1
        elif c == "[":
            j, negated = i + 1, False
            ranges: list[tuple[str, str]] = []
            if j < len(segment) and segment[j] == "^":
                negated, j = True, j + 1
            while j < len(segment) and segment[j] != "]":
                low = segment[j + 1] if segment[j] == "\\" and j + 1 < len(segment) else segment[j]
                j += 2 if segment[j] == "\\" else 1
                high = low
                if j + 1 < len(segment) and segment[j] == "-" and segment[j + 1] != "]":
                    high = segment[j + 2] if segment[j + 1] == "\\" and j + 2 < len(segment) else segment[j + 1]
                    j += 3 if segment[j + 1] == "\\" else 2
                ranges.append((low, high))
            if j >= len(segment) or not ranges:  # unclosed, or `[]`
                raise FunctionError(f"failed to glob pattern {json.dumps(pattern)}: syntax error in pattern")
            tokens.append(("class", (negated, ranges)))
            i = j + 1
        else:
            tokens.append(("char", c))
            i += 1
    return tokens


def _glob_match(segments: list[tuple[str, Any]], parts: list[str]) -> bool:
    """Whether the path `parts` matches the pattern's segments (`**` any number of them)."""
    return _sequence_match(segments, parts, "any", lambda segment, part: part == segment[1] if segment[0] == "lit"
                           else _sequence_match(segment[1], part, "many", _char_fits))


def _char_fits(token: tuple[str, Any], char: str) -> bool:
    kind, value = token
    if kind == "class":
        negated, ranges = value
        return bool(negated != any(low <= char <= high for low, high in ranges))
    return kind == "one" or char == value


def _sequence_match(pattern: list[tuple[str, Any]], subject: Any, star: str,
                    fits: Callable[[tuple[str, Any], Any], bool]) -> bool:
    """Whether `subject` (a path's segments, or a segment's characters) matches `pattern`,
    whose `star` items match any run of elements and the others one element each (`fits`):
    a table over positions, so no pattern backtracks, whatever it holds."""
    reach = [True] + [False] * len(subject)
    for item in pattern:
        after = [False] * (len(subject) + 1)
        if item[0] == star:
            on = False
            for k in range(len(subject) + 1):
                on = on or reach[k]
                after[k] = on
        else:
            for k in range(len(subject)):
                if reach[k] and fits(item, subject[k]):
                    after[k + 1] = True
        reach = after
        if not any(reach):
            return False
    return reach[-1]


def _file_hash(algo: str, b64: bool) -> Callable[..., str]:
    def fn(ctx: FunctionContext, path: Any) -> str:
        p = _path(ctx, path)
        try:
            digest = hashlib.new(algo, p.read_bytes())
        except OSError:
            raise FunctionError(f"no file exists at {to_str(path)}") from None
        return base64.b64encode(digest.digest()).decode() if b64 else digest.hexdigest()
    return fn


def f_templatestring(ctx: FunctionContext, template: Any, variables: Any) -> Any:
    if is_unknown(template) or is_unknown(variables) or ctx.render_template is None:
        raise GiveUp()
    if not isinstance(variables, dict):
        raise FunctionError("invalid vars value: must be a map")
    return ctx.render_template(to_str(template, "template"), variables)


def f_templatefile(ctx: FunctionContext, path: Any, variables: Any) -> Any:
    if is_unknown(path):
        raise GiveUp()
    text = _read_text(ctx, path)
    if is_unknown(variables) or ctx.render_template is None:
        raise GiveUp()
    if not isinstance(variables, dict):
        raise FunctionError("invalid vars value: must be a map")
    return ctx.render_template(text, variables)


def f_csvdecode(v: Any) -> Any:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(to_str(v, "str")), strict=True))
    if not rows:
        raise FunctionError("missing header line")
    header, out = rows[0], []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise FunctionError(f"record on line {n}: wrong number of fields")
        out.append(dict(zip(header, row)))
    return out


_DURATION_UNITS = {"ns": Decimal("1e-9"), "us": Decimal("1e-6"), "\u00b5s": Decimal("1e-6"),
                   "ms": Decimal("1e-3"), "s": Decimal(1), "m": Decimal(60), "h": Decimal(3600)}


def _go_duration(text: str) -> Decimal:
    """Go's time.ParseDuration ("1h30m", "-1.5h", "300ms"), in seconds."""
    s, sign = text, 1
    if s[:1] in "+-":
        sign, s = (-1 if s[0] == "-" else 1), s[1:]
    if s == "0":
        return Decimal(0)
    if not s:
        raise FunctionError(f'invalid duration "{text}"')
    total = Decimal(0)
    while s:
        i = 0
        while i < len(s) and (s[i].isdigit() or s[i] == "."):
            i += 1
        j = i
        while j < len(s) and not (s[j].isdigit() or s[j] == "."):
            j += 1
        number, unit = s[:i], s[i:j]
        if not number or number == "." or number.count(".") > 1 or unit not in _DURATION_UNITS:
            raise FunctionError(f'invalid duration "{text}"')
        total += Decimal(number) * _DURATION_UNITS[unit]
        s = s[j:]
    return sign * total


def _rfc3339(timestamp: Any, what: str) -> Any:
    """An RFC 3339 timestamp (date, `T`, time and offset) as an aware datetime."""
    import datetime

    stamp = to_str(timestamp, what)
    try:
        when = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise FunctionError(f'"{stamp}" is not a valid RFC3339 timestamp') from None
    if "T" not in stamp.upper() or when.tzinfo is None:
        raise FunctionError(f'"{stamp}" is not a valid RFC3339 timestamp')
    return when


def f_timecmp(a: Any, b: Any) -> Any:
    first, second = _rfc3339(a, "timestamp_a"), _rfc3339(b, "timestamp_b")
    return (first > second) - (first < second)


def f_timeadd(timestamp: Any, duration: Any) -> Any:
    import datetime

    when = _rfc3339(timestamp, "timestamp")
    seconds = _go_duration(to_str(duration, "duration"))
    # Go's RFC 3339 layout has no fractional seconds
    result = (when + datetime.timedelta(seconds=float(seconds))).replace(microsecond=0)
    text = result.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def f_basename(v: Any) -> Any:
    s = to_str(v, "path").rstrip("/")
    if not s:
        return "/" if to_str(v) else "."
    return s.rsplit("/", 1)[-1]


def f_dirname(v: Any) -> Any:
    import posixpath

    return posixpath.dirname(to_str(v, "path").rstrip("/") or "/") or "."


# ---------------------------------------------------------------- networks


def _network(prefix: Any) -> Any:
    import ipaddress

    s = to_str(prefix, "prefix")
    try:
        return ipaddress.ip_network(s, strict=False)
    except ValueError:
        raise FunctionError(f'invalid CIDR expression: invalid CIDR address: {s}') from None


def _address(net: Any, value: int) -> Any:
    return type(net.network_address)(value)


def f_cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> Any:
    net = _network(prefix)
    bits, num = to_int(newbits, "newbits"), to_int(netnum, "netnum")
    if bits < 0:
        raise FunctionError("must extend prefix by at least one bit")
    new_len = net.prefixlen + bits
    if new_len > net.max_prefixlen:
        raise FunctionError(f"insufficient address space to extend prefix of {net.prefixlen} by {bits}")
    if num < 0 or num >= (1 << bits):
        raise FunctionError(f"prefix extension of {bits} does not accommodate a subnet numbered {num}")
    base = int(net.network_address) | (num << (net.max_prefixlen - new_len))
    return f"{_address(net, base)}/{new_len}"


def f_cidrsubnets(prefix: Any, *newbits: Any) -> Any:
    net = _network(prefix)
    out = []
    current = int(net.network_address)
    end = int(net.broadcast_address)
    for nb in newbits:
        bits = to_int(nb, "newbits")
        if bits < 1:
            raise FunctionError("must extend prefix by at least one bit")
        new_len = net.prefixlen + bits
        if new_len > net.max_prefixlen:
            raise FunctionError(f"would extend prefix to {new_len} bits, which is too long for an "
                                f"IPv{net.version} address")
        size = 1 << (net.max_prefixlen - new_len)
        if current % size:
            current = (current // size + 1) * size
        if current + size - 1 > end:
            raise FunctionError(f"not enough remaining address space for a subnet with a prefix of {new_len} bits "
                                f"after {_address(net, current - 1)}")
        out.append(f"{_address(net, current)}/{new_len}")
        current += size
    return out


def f_cidrhost(prefix: Any, hostnum: Any) -> Any:
    net = _network(prefix)
    num = to_int(hostnum, "hostnum")
    size = net.num_addresses
    if num < -size or num >= size:
        raise FunctionError(f"prefix of {net.prefixlen} does not accommodate a host numbered {num}")
    if num < 0:
        num += size
    return str(net.network_address + num)


def f_cidrnetmask(prefix: Any) -> Any:
    net = _network(prefix)
    if net.version != 4:
        raise FunctionError("IPv6 addresses cannot have a netmask")
    return str(net.netmask)


# ---------------------------------------------------------------- table


def _unknowable(*_: Any) -> Any:
    raise GiveUp()


# name -> (implementation, needs every argument known, takes the context)
# Functions marked False look only at what they need and raise GiveUp on an
# unknown they cannot see past.
FUNCTIONS: dict[str, tuple[Callable[..., Any], bool, bool]] = {
    # collections
    "length": (f_length, False, False),
    "element": (f_element, False, False),
    "lookup": (f_lookup, False, False),
    "concat": (f_concat, False, False),
    "merge": (f_merge, False, False),
    "flatten": (f_flatten, False, False),
    "distinct": (f_distinct, True, False),
    "contains": (f_contains, True, False),
    "keys": (f_keys, False, False),
    "values": (f_values, False, False),
    "zipmap": (f_zipmap, False, False),
    "range": (f_range, True, False),
    "slice": (f_slice, False, False),
    "index": (f_index, True, False),
    "one": (f_one, False, False),
    "compact": (f_compact, True, False),
    "chunklist": (f_chunklist, False, False),
    "reverse": (f_reverse, False, False),
    "sort": (f_sort, True, False),
    "transpose": (f_transpose, True, False),
    "matchkeys": (f_matchkeys, True, False),
    "coalesce": (f_coalesce, False, False),
    "coalescelist": (f_coalescelist, False, False),
    "setproduct": (f_setproduct, True, False),
    "setunion": (f_setunion, True, False),
    "setintersection": (f_setintersection, True, False),
    "setsubtract": (f_setsubtract, True, False),
    "alltrue": (f_alltrue, False, False),
    "anytrue": (f_anytrue, False, False),
    # conversions
    "toset": (f_toset, True, False),
    "tolist": (f_tolist, True, False),
    "tomap": (f_tomap, True, False),
    "tostring": (f_tostring, True, False),
    "tonumber": (f_tonumber, True, False),
    "tobool": (f_tobool, True, False),
    "sensitive": (f_identity, False, False),
    "nonsensitive": (f_identity, False, False),
    "ephemeralasnull": (f_identity, False, False),
    # numbers
    "min": (f_min, True, False),
    "max": (f_max, True, False),
    "abs": (f_abs, True, False),
    "ceil": (f_ceil, True, False),
    "floor": (f_floor, True, False),
    "signum": (f_signum, True, False),
    "sum": (f_sum, True, False),
    "pow": (f_pow, True, False),
    "log": (f_log, True, False),
    "parseint": (f_parseint, True, False),
    # strings
    "format": (f_format, True, False),
    "formatlist": (f_formatlist, True, False),
    "join": (f_join, True, False),
    "split": (f_split, True, False),
    "replace": (f_replace, True, False),
    "lower": (f_lower, True, False),
    "upper": (f_upper, True, False),
    "title": (f_title, True, False),
    "trimspace": (f_trimspace, True, False),
    "trim": (f_trim, True, False),
    "trimprefix": (f_trimprefix, True, False),
    "trimsuffix": (f_trimsuffix, True, False),
    "substr": (f_substr, True, False),
    "startswith": (f_startswith, True, False),
    "endswith": (f_endswith, True, False),
    "strcontains": (f_strcontains, True, False),
    "strrev": (f_strrev, True, False),
    "chomp": (f_chomp, True, False),
    "indent": (f_indent, True, False),
    "urlencode": (f_urlencode, True, False),
    "regex": (f_regex, True, False),
    "regexall": (f_regexall, True, False),
    # encodings
    "jsonencode": (lambda v: jsonencode(v), True, False),
    "jsondecode": (f_jsondecode, True, False),
    "yamlencode": (f_yamlencode, True, False),
    "yamldecode": (f_yamldecode, True, False),
    "base64encode": (f_base64encode, True, False),
    "base64decode": (f_base64decode, True, False),
    "md5": (_hash("md5"), True, False),
    "sha1": (_hash("sha1"), True, False),
    "sha256": (_hash("sha256"), True, False),
    "sha512": (_hash("sha512"), True, False),
    "base64sha256": (_b64hash("sha256"), True, False),
    "base64sha512": (_b64hash("sha512"), True, False),
    "uuidv5": (f_uuidv5, True, False),
    "csvdecode": (f_csvdecode, True, False),
    "timeadd": (f_timeadd, True, False),
    "timecmp": (f_timecmp, True, False),
    "textencodebase64": (f_textencodebase64, True, False),
    "textdecodebase64": (f_textdecodebase64, True, False),
    # files
    "file": (f_file, True, True),
    "fileexists": (f_fileexists, True, True),
    "fileset": (f_fileset, True, True),
    "filebase64": (f_filebase64, True, True),
    "templatefile": (f_templatefile, False, True),
    "templatestring": (f_templatestring, False, True),
    "filemd5": (_file_hash("md5", False), True, True),
    "filesha1": (_file_hash("sha1", False), True, True),
    "filesha256": (_file_hash("sha256", False), True, True),
    "filesha512": (_file_hash("sha512", False), True, True),
    "filebase64sha256": (_file_hash("sha256", True), True, True),
    "filebase64sha512": (_file_hash("sha512", True), True, True),
    "basename": (f_basename, True, False),
    "dirname": (f_dirname, True, False),
    # networks
    "cidrsubnet": (f_cidrsubnet, True, False),
    "cidrsubnets": (f_cidrsubnets, True, False),
    "cidrhost": (f_cidrhost, True, False),
    "cidrnetmask": (f_cidrnetmask, True, False),
    # known only at apply, or different on every run
    "uuid": (_unknowable, False, False),
    "timestamp": (_unknowable, False, False),
    "plantimestamp": (_unknowable, False, False),
    "bcrypt": (_unknowable, False, False),
    "abspath": (_unknowable, False, False),
    "issensitive": (_unknowable, False, False),  # sensitivity is not tracked
    "formatdate": (_unknowable, False, False),
    "pathexpand": (_unknowable, False, False),
    "base64gzip": (_unknowable, False, False),  # Go's deflate writes other bytes than zlib's
    "rsadecrypt": (_unknowable, False, False),  # a secret: never what a rule reads
}
