"""Variable type constraints, and the conversion Terraform applies to a variable's value.

`parse_type(node, default_of)` reads a `type = ...` expression (`list(object({a =
optional(string, "x")}))`); `convert(value, type)` is what Terraform 1.11 does with a
value given for it (`prepareFinalInputVariableValue`): `optional()` defaults are
applied first, inside collections and nested objects too (an attribute that is
missing or null takes its default, itself converted with its own nested
defaults), then the value is converted: missing optional attributes become null,
attributes the type does not declare are dropped, primitives convert ("3" for a
number, "true" for a bool, 3 for a string), sets lose duplicates and sort.

A value Terraform would reject raises `ConversionError` (the variable is then
unknown, as nothing is planned). Unknown values stay unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Union

from linter.model import Unknown
from linter.terraform.expressions import EvalError
from linter.terraform.syntax import Node


class ConversionError(EvalError):
    """Terraform would reject this value for the variable's type."""


@dataclass(frozen=True, slots=True)
class Primitive:
    name: Literal["string", "number", "bool"]


@dataclass(frozen=True, slots=True)
class AnyType:
    pass


@dataclass(frozen=True, slots=True)
class CollectionType:
    kind: Literal["list", "set", "map"]
    element: "TypeConstraint"
    # whether `any` is part of the element type (`holds_any`), worked out once: every value
    # given for the type asks it
    element_holds_any: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "element_holds_any", holds_any(self.element))


@dataclass(frozen=True, slots=True)
class Attribute:
    type: "TypeConstraint"
    optional: bool = False
    default: Any = None  # optional(T, default), converted to T; None: no default (null)


@dataclass(frozen=True, slots=True)
class ObjectType:
    attributes: tuple[tuple[str, Attribute], ...]


@dataclass(frozen=True, slots=True)
class TupleType:
    elements: tuple["TypeConstraint", ...]


TypeConstraint = Union[Primitive, AnyType, CollectionType, ObjectType, TupleType]
ANY = AnyType()


def is_primitive(type_: TypeConstraint | None) -> bool:
    return isinstance(type_, Primitive)


# ------------------------------------------------------------------ parsing
def parse_type(node: Node, default_of: Callable[[Node], Any]) -> TypeConstraint | None:
    """A type expression -> its constraint; None when it is not one Terraform accepts
    (the value is then left as given). `default_of` evaluates an optional() default."""
    try:
        return _type(node, default_of, in_object=False)
    except (ConversionError, IndexError, TypeError):
        return None


def _type(node: Node, default_of: Callable[[Node], Any], in_object: bool) -> TypeConstraint:
    kind = node[0]
    if kind == "lit" and isinstance(node[1], str):
        # `type = "string"` (Terraform 0.11 quoting) and `.tf.json` types are the text of one
        from linter.terraform.syntax import parse_tfvars
        from linter.model import InputError

        try:
            inner = parse_tfvars(f"v = {node[1]}\n", "type")["v"].expr
        except (InputError, KeyError):
            raise ConversionError(f"not a type: {node[1]!r}") from None
        if inner[0] == "lit":
            raise ConversionError(f"not a type: {node[1]!r}")
        return _type(inner, default_of, in_object)
    if kind == "ref":
        name = node[1]
        if name in ("string", "number", "bool"):
            return Primitive(name)
        if name == "any":
            return ANY
        if name in ("list", "set", "map"):  # Terraform 0.11's bare `list`: list(any)
            return CollectionType(name, ANY)
        raise ConversionError(f"not a type: {name}")
    if kind == "call":
        name, args = node[1], node[2]
        if name in ("list", "set", "map") and len(args) == 1:
            return CollectionType(name, _type(args[0], default_of, False))
        if name == "tuple" and len(args) == 1 and args[0][0] == "tuple":
            return TupleType(tuple(_type(a, default_of, False) for a in args[0][1]))
        if name == "object" and len(args) == 1 and args[0][0] == "object":
            attributes = []
            for key, value in args[0][1]:
                if key[0] != "lit" or not isinstance(key[1], str):
                    raise ConversionError("object attribute names are names")
                attributes.append((key[1], _attribute(value, default_of)))
            return ObjectType(tuple(attributes))
    raise ConversionError("not a type")


def _attribute(node: Node, default_of: Callable[[Node], Any]) -> Attribute:
    if node[0] == "call" and node[1] == "optional" and 1 <= len(node[2]) <= 2:
        type_ = _type(node[2][0], default_of, False)
        default = None
        if len(node[2]) == 2:
            default = convert(default_of(node[2][1]), type_, defaults=False)
        return Attribute(type_, True, default)
    return Attribute(_type(node, default_of, True))


# ------------------------------------------------------------------ unification
def type_of(value: Any) -> TypeConstraint:
    """A value's own type: a list is a tuple, a map an object; null and unknown
    fit any type (ANY)."""
    if value is None or isinstance(value, Unknown):
        return ANY
    if isinstance(value, bool):
        return Primitive("bool")
    if isinstance(value, (int, float)):
        return Primitive("number")
    if isinstance(value, str):
        return Primitive("string")
    if isinstance(value, list):
        return TupleType(tuple(type_of(x) for x in value))
    return ObjectType(tuple(sorted((k, Attribute(type_of(x))) for k, x in value.items())))


def unified_type(types: set[TypeConstraint]) -> TypeConstraint:
    """The one type every value of `types` converts to, as cty unifies them:
    a string beside numbers or bools; tuples of one length position by position,
    of different lengths a list of one element type; objects with the same
    attribute names attribute by attribute, with different names a map of one
    element type. ConversionError when there is none."""
    types = {t for t in types if not isinstance(t, AnyType)}
    if len(types) <= 1:
        return next(iter(types), ANY)
    primitives = {t.name for t in types if isinstance(t, Primitive)}
    if primitives and len(primitives) == len(types):
        if "string" not in primitives:
            raise ConversionError("numbers and bools do not unify")
        return Primitive("string")
    if primitives:
        raise ConversionError("primitives and collections do not unify")
    sequences = {t for t in types if isinstance(t, TupleType)
                 or (isinstance(t, CollectionType) and t.kind == "list")}
    if sequences == types:
        tuples = [t for t in types if isinstance(t, TupleType)]
        if len(tuples) == len(types) and len({len(t.elements) for t in tuples}) == 1:
            return TupleType(tuple(unified_type(set(column)) for column in zip(*(t.elements for t in tuples))))
        return CollectionType("list", unified_type(_element_types(types)))
    objects = [t for t in types if isinstance(t, ObjectType)]
    if all(isinstance(t, (ObjectType, CollectionType)) and not (isinstance(t, CollectionType) and t.kind != "map")
           for t in types):
        if len(objects) == len(types) and len({tuple(n for n, _ in t.attributes) for t in objects}) == 1:
            columns: dict[str, set[TypeConstraint]] = {}
            for t in objects:
                for name, attribute in t.attributes:
                    columns.setdefault(name, set()).add(attribute.type)
            return ObjectType(tuple((name, Attribute(unified_type(ts))) for name, ts in sorted(columns.items())))
        return CollectionType("map", unified_type(_element_types(types)))
    raise ConversionError("sequences and objects do not unify")


def _element_types(types: set[TypeConstraint]) -> set[TypeConstraint]:
    """Every element (or attribute) type of tuples and lists (objects and maps)."""
    out: set[TypeConstraint] = set()
    for t in types:
        if isinstance(t, CollectionType):
            out.add(t.element)
        elif isinstance(t, TupleType):
            out.update(t.elements)
        elif isinstance(t, ObjectType):
            out.update(attribute.type for _, attribute in t.attributes)
    return out


# ------------------------------------------------------------------ conversion
def convert(value: Any, type_: TypeConstraint | None, defaults: bool = True) -> Any:
    """`value` as Terraform holds it once given for `type_`, optional() defaults applied
    (`defaults`: as terraform checks an optional() default itself, before it is used,
    without its own nested defaults; these apply where it is used, and may fail there)."""
    if type_ is None or value is None or isinstance(value, Unknown) or isinstance(type_, AnyType):
        return value
    if isinstance(type_, Primitive):
        return _primitive(value, type_.name)
    if isinstance(type_, ObjectType):
        if not isinstance(value, dict):
            raise ConversionError(f"an object is required, not {_kind(value)}")
        out: dict[str, Any] = {}
        for name, attribute in type_.attributes:
            given = value.get(name)
            if given is None and attribute.default is not None and defaults:
                # the default is re-converted so that its own nested optional() defaults apply
                out[name] = convert(attribute.default, attribute.type)
            elif name not in value and not attribute.optional:
                raise ConversionError(f"attribute {name!r} is required")
            else:
                out[name] = convert(given, attribute.type, defaults)
        return out
    if isinstance(type_, TupleType):
        if not isinstance(value, list) or len(value) != len(type_.elements):
            raise ConversionError(f"a tuple of {len(type_.elements)} elements is required")
        return [convert(v, t, defaults) for v, t in zip(value, type_.elements)]
    if type_.kind == "map":
        if not isinstance(value, dict):
            raise ConversionError(f"a map is required, not {_kind(value)}")
        converted = {k: convert(v, type_.element, defaults) for k, v in value.items()}
        if type_.element_holds_any:
            return dict(zip(converted, _unified(list(converted.values()), "all map elements")))
        return converted
    if not isinstance(value, list):
        raise ConversionError(f"a {type_.kind} is required, not {_kind(value)}")
    items = [convert(v, type_.element, defaults) for v in value]
    if type_.kind == "set":
        from linter.terraform.functions import FunctionError, as_set

        if any(isinstance(v, Unknown) for v in items):
            return Unknown("(set)", tuple(r for v in items if isinstance(v, Unknown) for r in v.refs))
        if type_.element_holds_any:
            items = _unified(items, "all set elements")
        try:
            return as_set(items)
        except FunctionError as err:
            raise ConversionError(str(err)) from None
    return _unified(items, "all list elements") if type_.element_holds_any else items


def holds_any(type_: TypeConstraint) -> bool:
    """Whether `any` is part of a type: the elements of a collection of such a type take
    one type between them, as Terraform decides it (`list(object({ x = any }))` given
    `[{ x = true }, { x = "a" }]` holds `[{ x = "true" }, { x = "a" }]`)."""
    if isinstance(type_, AnyType):
        return True
    if isinstance(type_, ObjectType):
        return any(holds_any(attribute.type) for _, attribute in type_.attributes)
    if isinstance(type_, TupleType):
        return any(holds_any(t) for t in type_.elements)
    if isinstance(type_, Primitive):
        return False
    return isinstance(type_.element, AnyType) or type_.element_holds_any


def _unified(items: list[Any], what: str) -> list[Any]:
    """list(any)/map(any): the elements take one type, as tolist()/tomap() do."""
    from linter.terraform.functions import FunctionError, unify

    try:
        return unify(items, what)
    except FunctionError as err:
        raise ConversionError(str(err)) from None


def _primitive(value: Any, name: str) -> Any:
    from linter.terraform.functions import FunctionError, f_tobool, f_tonumber, to_str

    if isinstance(value, (dict, list)):
        raise ConversionError(f"a {name} is required, not {_kind(value)}")
    try:
        if name == "string":
            return to_str(value)
        if name == "number":
            return f_tonumber(value)
        return f_tobool(value)
    except FunctionError as err:
        raise ConversionError(str(err)) from None


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
