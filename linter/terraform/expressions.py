"""Evaluate Terraform expressions (the trees of `syntax.py`) as Terraform does before apply.

Values: None = null, bool, int (integral numbers) or float, str, list (tuple,
list, set), dict (object, map), `Unknown` (known only after apply, keeping
what it references). Two more kinds exist only inside the evaluator: a
resource instance (`InstanceObject`: its configured attributes, the rest
unknown references) and a module instance (`ModuleObject`: its outputs);
`plain()` turns them into values before they leave it.

An expression Terraform rejects (a type error, a missing key, a failing
function) raises `EvalError` inside `try`/`can`, which select their fallback
as Terraform does; elsewhere it makes the value unknown, never a crash.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable

from linter.model import Unknown
from linter.terraform.syntax import Node

MAX_EVAL_DEPTH = 400
# the node kinds of syntax.py that `Evaluator.eval` dispatches on (`_<kind>` methods)
# how deep `Evaluator.decided` looks through operators and locals before it takes Terraform's value
DECIDE_DEPTH = 16
_NODE_KINDS = frozenset({"lit", "it", "ref", "attr", "index", "splat", "tuple", "object", "tmpl", "cond", "un",
                         "bin", "for", "call"})


def renders_text(node: Node) -> bool:
    """Whether the node is a template rendered to a string (not `"${x}"`, which is x itself)."""
    if node[0] != "tmpl":
        return False
    parts = node[1]
    return not (len(parts) == 1 and not isinstance(parts[0], str) and parts[0][0] not in ("if", "tfor"))


class EvalError(Exception):
    """Terraform would reject this expression."""


class InstanceObject:
    """A resource instance seen from an expression: `aws_subnet.a[0]`."""

    __slots__ = ("address", "attribute")

    def __init__(self, address: str, attribute: Callable[[str], Any]):
        self.address = address
        self.attribute = attribute  # name -> configured value, or an unknown reference


class ModuleObject:
    """A module instance seen from its caller: `module.db["eu"]`."""

    __slots__ = ("address", "output", "names")

    def __init__(self, address: str, output: Callable[[str], Any], names: list[str]):
        self.address = address
        self.output = output
        self.names = names


class Namespace:
    """A root name that only means something with an attribute after it (`var`, `aws_subnet`)."""

    __slots__ = ("kind", "prefix")

    def __init__(self, kind: str, prefix: str = ""):
        self.kind = kind
        self.prefix = prefix


def refs_of(*values: Any) -> tuple[str, ...]:
    out: list[str] = []
    stack = list(values)
    while stack:
        v = stack.pop()
        if isinstance(v, Unknown):
            for r in v.refs:
                if r not in out:
                    out.append(r)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, InstanceObject):
            if v.address not in out:
                out.append(v.address)
    return tuple(out)


def unknown_in(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(unknown_in(v) for v in value.values())
    if isinstance(value, list):
        return any(unknown_in(v) for v in value)
    return isinstance(value, (InstanceObject, ModuleObject))


def plain(value: Any, depth: int = 0) -> Any:
    """A value for the world outside the evaluator: instances become references."""
    if isinstance(value, InstanceObject):
        return Unknown(value.address, (value.address,), reference=True)
    if isinstance(value, ModuleObject):
        return {name: plain(value.output(name), depth + 1) for name in value.names}
    if isinstance(value, Namespace):
        return Unknown(value.prefix or value.kind)
    if isinstance(value, list):
        for v in value:
            if isinstance(v, NOT_PLAIN):
                return [plain(v, depth + 1) for v in value]
        return value
    if isinstance(value, dict):
        for v in value.values():
            if isinstance(v, NOT_PLAIN):
                return {k: plain(v, depth + 1) for k, v in value.items()}
        return value
    return value


# what `plain` may change (inside a list or a map: what it may have to copy them for)
NOT_PLAIN = (list, dict, InstanceObject, ModuleObject, Namespace)


def type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "tuple"
    if isinstance(v, (dict, InstanceObject, ModuleObject)):
        return "object"
    return "value"


def to_number(v: Any) -> int | float:
    """An operand as a number: cty's conversion, the one `tonumber` makes (no blanks,
    no `_`, only ASCII digits)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v
    from linter.terraform import functions

    try:
        return functions.to_num(v, "operand")  # type: ignore[no-any-return]
    except (functions.FunctionError, functions.GiveUp) as exc:
        raise EvalError(str(exc) or "a number is required") from None


def to_bool(v: Any) -> bool:
    """An operand as a bool: cty's conversion ("true"/"1" and "false"/"0" are bools too)."""
    if isinstance(v, bool):
        return v
    from linter.terraform import functions

    try:
        return functions.to_bool(v, "operand")
    except functions.FunctionError as exc:
        raise EvalError(str(exc)) from None


def to_string(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return format_number(v)
    if v is None:
        raise EvalError("a null value cannot be used as a string")
    raise EvalError(f"a string is required, not {type_name(v)}")


def format_number(v: float) -> str:
    if v.is_integer() and abs(v) < 2**63:
        return str(int(v))
    text = repr(v)
    return text


def normalize_number(v: float) -> int | float:
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**63:
        return int(v)
    return v


def equal(a: Any, b: Any) -> bool | None:
    """Terraform's `==`: None when an unknown part could decide it. Collections of
    different lengths or keys differ whatever their unknown parts hold (terraform says
    false); otherwise an unknown element makes the whole comparison unknown, as
    terraform says of `[aws_subnet.a.id] == ["subnet-1"]`. (Terraform, knowing the
    unknown's type, is sometimes surer: `[1, unknown] == [2, "a"]` is false to it;
    unknown here is silence, never a wrong value.)"""
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return None
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        return _all_equal(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        return _all_equal(equal(a[k], b[k]) for k in a)
    return False


def _all_equal(pairs: Iterable[bool | None]) -> bool | None:
    """The elements' verdicts together: unknown wins over a difference (see `equal`)."""
    verdict: bool | None = True
    for same in pairs:
        if same is None:
            return None
        if not same:
            verdict = False
    return verdict


def instance_key(key: Any) -> str:
    """`[0]` / `["eu"]`, as Terraform writes instance keys."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"[{key}]"
    if isinstance(key, str) and key.isprintable() and '"' not in key and "\\" not in key:
        return f'["{key}"]'  # what json.dumps gives: nothing in it to escape
    return "[" + json.dumps(key, ensure_ascii=False) + "]"


def node_text(node: Node) -> str:
    """A short source-like text of a reference expression (for Unknown.expr)."""
    kind = node[0]
    if kind == "ref":
        return str(node[1])
    if kind == "attr":
        return f"{node_text(node[1])}.{node[2]}"
    if kind == "index":
        key = node[2]
        inner = json.dumps(key[1]) if key[0] == "lit" else node_text(key)
        return f"{node_text(node[1])}[{inner}]"
    if kind == "splat":
        return f"{node_text(node[1])}[*]{node_text(node[2])[2:] if node[2][0] != 'it' else ''}"
    if kind == "it":
        return "it"
    if kind == "call":
        return str(node[4])
    if kind == "lit":
        return json.dumps(node[1]) if not isinstance(node[1], str) else json.dumps(node[1])
    return "(...)"


class Scope:
    """Names visible to an expression: the module's, plus iteration names."""

    __slots__ = ("module", "names")

    def __init__(self, module: Any, names: dict[str, Any] | None = None):
        self.module = module  # a ModuleInstance (or None for variable files)
        self.names = names or {}

    def child(self, **names: Any) -> "Scope":
        merged = dict(self.names)
        merged.update(names)
        return Scope(self.module, merged)


class Evaluator:
    """Evaluates nodes; `call` is the function library's `call_function` bound to a context."""

    def __init__(self, call: Callable[[str, list[Any], "Scope"], Any]):
        self.call = call
        self.in_try = 0
        self.depth = 0
        # node kind -> its method, looked up once (eval runs for every node of every expression)
        self._by_kind = {kind: getattr(self, "_" + kind) for kind in _NODE_KINDS}

    def evaluate(self, node: Node, scope: Scope) -> Any:
        """A value, Unknown where Terraform would reject the expression."""
        try:
            return self.eval(node, scope)
        except EvalError:
            return Unknown(node_text(node) if node[0] in ("ref", "attr", "index", "call") else "(invalid expression)")
        except RecursionError:
            return Unknown("(expression nested too deeply)")

    def eval(self, node: Node, scope: Scope) -> Any:
        kind = node[0]
        if kind == "lit":  # most nodes: no nesting to count
            return node[1]
        self.depth += 1
        if self.depth > MAX_EVAL_DEPTH:
            self.depth -= 1
            raise EvalError("evaluation nested too deeply")
        try:
            return self._by_kind[kind](node, scope)
        finally:
            self.depth -= 1

    # ------------------------------------------------------------ leaves
    def _lit(self, node: Node, scope: Scope) -> Any:
        return node[1]

    def _it(self, node: Node, scope: Scope) -> Any:
        return scope.names["__it__"]

    def _ref(self, node: Node, scope: Scope) -> Any:
        name = node[1]
        if name in scope.names:
            return scope.names[name]
        module = scope.module
        if module is None:
            raise EvalError(f"no variables here: {name}")
        return module.root_name(name, scope)

    # ------------------------------------------------------------ traversal
    def _attr(self, node: Node, scope: Scope) -> Any:
        base = node[1]
        if base[0] != "ref":
            return self.get_attr(self.eval(base, scope), node[2], node, scope)
        # `var.x`, `each.value`, `aws_subnet.a`: the name is looked up here (a leaf: no nesting to count)
        root = base[1]
        if root in scope.names:
            return self.get_attr(scope.names[root], node[2], node, scope)
        module = scope.module
        if module is None:
            raise EvalError(f"no variables here: {root}")
        # the commonest references, straight to the module's values (what
        # `Namespace` and `namespace_attr` would give, without building the namespace)
        if root == "var":
            return module.variable(node[2]).value
        if root == "local":
            return module.local(node[2])
        return self.get_attr(module.root_name(root, scope), node[2], node, scope)

    def get_attr(self, obj: Any, name: str, node: Node, scope: Scope) -> Any:
        if isinstance(obj, Namespace):
            return scope.module.namespace_attr(obj, name, scope)
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
            raise EvalError(f"this object has no attribute {name!r}")
        if isinstance(obj, InstanceObject):
            return obj.attribute(name)
        if isinstance(obj, ModuleObject):
            if name in obj.names:
                return obj.output(name)
            # an output the files read do not declare: a reference that resolves to nothing
            return Unknown(f"{obj.address}.{name}", (f"{obj.address}.{name}",))
        if isinstance(obj, Unknown):
            return Unknown(f"{obj.expr or node_text(node[1])}.{name}", obj.refs, obj.reference)
        if obj is None:
            raise EvalError(f"attempt to get attribute {name!r} from a null value")
        raise EvalError(f"cannot get attribute {name!r} of a {type_name(obj)}")

    def _index(self, node: Node, scope: Scope) -> Any:
        obj = self.eval(node[1], scope)
        key = self.eval(node[2], scope)
        return self.index(obj, key, node)

    def index(self, obj: Any, key: Any, node: Node) -> Any:
        if isinstance(obj, Unknown):
            shown = json.dumps(key) if not isinstance(key, Unknown) else "..."
            return Unknown(f"{obj.expr or ''}[{shown}]", obj.refs + (key.refs if isinstance(key, Unknown) else ()),
                           obj.reference and not isinstance(key, Unknown))
        if isinstance(key, Unknown):
            return Unknown(node_text(node), refs_of(key, obj), False)
        if isinstance(obj, list):
            i = to_number(key)
            if not isinstance(i, int) or i < 0 or i >= len(obj):
                raise EvalError(f"index {key!r} out of range (length {len(obj)})")
            return obj[i]
        if isinstance(obj, dict):
            k = to_string(key)
            if k not in obj:
                raise EvalError(f"no key {k!r}")
            return obj[k]
        if isinstance(obj, (InstanceObject, ModuleObject)):
            return self.get_attr(obj, to_string(key), node, Scope(None))
        if obj is None:
            raise EvalError("cannot index a null value")
        raise EvalError(f"cannot index a {type_name(obj)}")

    def _splat(self, node: Node, scope: Scope) -> Any:
        obj = self.eval(node[1], scope)
        chain = node[2]
        if isinstance(obj, Unknown):
            return Unknown(f"{obj.expr}[*]", obj.refs, obj.reference)
        if obj is None:
            return []
        items = obj if isinstance(obj, list) else [obj]
        if chain[0] == "it":
            return list(items)
        return [self.eval(chain, scope.child(__it__=item)) for item in items]

    # ------------------------------------------------------------ collections
    def _tuple(self, node: Node, scope: Scope) -> Any:
        return [self.eval(item, scope) for item in node[1]]

    def _object(self, node: Node, scope: Scope) -> Any:
        out: dict[str, Any] = {}
        unknown_key: list[Unknown] = []
        for key_node, value_node in node[1]:
            key = self.eval(key_node, scope)
            value = self.eval(value_node, scope)
            if isinstance(key, Unknown):
                unknown_key.append(key)
                continue
            out[to_string(key)] = value
        if unknown_key:
            return Unknown("{...}", refs_of(*unknown_key, out))
        return out

    # ------------------------------------------------------------ templates
    def _tmpl(self, node: Node, scope: Scope) -> Any:
        if not renders_text(node):
            return self.eval(node[1][0], scope)  # "${x}" is x itself, not its text
        return self.render(node[1], scope)

    def render(self, parts: list[Any], scope: Scope) -> Any:
        out: list[str] = []
        unknowns: list[Any] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            kind = part[0]
            if kind == "if":
                cond = self.eval(part[1], scope)
                if isinstance(cond, Unknown):
                    unknowns.append(cond)
                    continue
                value = self.eval(part[2] if to_bool(cond) else part[3], scope)
            elif kind == "tfor":
                value = self._template_for(part, scope)
            else:
                value = self.eval(part, scope)
            if isinstance(value, Unknown) or unknown_in(value) and not isinstance(value, (str, int, float)):
                unknowns.append(value)
                continue
            out.append(to_string(value))
        if unknowns:
            return Unknown("".join(out) if not out else None or "(template)", refs_of(*unknowns))
        return "".join(out)

    def _template_for(self, part: tuple[Any, ...], scope: Scope) -> Any:
        _, key_var, value_var, coll_node, body = part
        coll = self.eval(coll_node, scope)
        if isinstance(coll, Unknown):
            return coll
        out = []
        for k, v in self.pairs(coll):
            names = {value_var: v}
            if key_var:
                names[key_var] = k
            rendered = self.eval(body, scope.child(**names))
            if isinstance(rendered, Unknown):
                return rendered
            out.append(to_string(rendered))
        return "".join(out)

    # ------------------------------------------------------------ operators
    def _cond(self, node: Node, scope: Scope) -> Any:
        cond = self.eval(node[1], scope)
        if isinstance(cond, Unknown):
            return Unknown("(conditional)", cond.refs)
        chosen, other = (node[2], node[3]) if to_bool(cond) else (node[3], node[2])
        value = self.eval(chosen, scope)
        # null converts to any type and stays null; a string stays one beside any primitive
        # (in try() or can(), whether the other is one is asked below); an instance or an
        # unknown part is left as it is
        if value is None or isinstance(value, Namespace) or unknown_in(value) or \
                isinstance(value, str) and not self.in_try:
            return value
        # HCL types the result by both branches (UnifyUnsafeTypes): `var.create ? 1 : "one"` is
        # the string "1". The other branch's errors are not the expression's (it is not chosen):
        # then its type is not known, and the value stays as it is
        self.in_try += 1
        try:
            beside = plain(self.eval(other, scope))
            if isinstance(beside, Unknown) and renders_text(other):
                beside = ""  # a template not known yet is still a string: `true ? 3 : "x%{if var.u}y%{endif}"` is "3"
        except EvalError:
            if not renders_text(other):
                return value
            beside = ""  # a template is a string, whatever its parts: `true ? 3 : "x${[]}"` is "3"
        finally:
            self.in_try -= 1
        from linter.terraform import functions

        try:
            unified = functions.unify([value, beside], "conditional results")[0]
            # a set beside a tuple: both convert to a set (terraform's unification)
            if isinstance(value, list) and isinstance(beside, list) and \
                    (isinstance(value, functions.TfSet) or isinstance(beside, functions.TfSet)):
                return functions.as_set(unified)
            return unified
        except functions.FunctionError:
            if self.in_try:  # terraform refuses the expression: try() takes its next argument, can() is false
                raise EvalError("the true and false results of a conditional must have consistent types") from None
            return value  # terraform refuses it; judged as the branch chosen

    def decided(self, node: Node, scope: Scope, depth: int = 0) -> Any:
        """What `node` is for every value the unknowns in it may take, where Terraform's own
        value is unknown only because it does not refine (`unknown && false`, `true ||
        unknown`, `!x` of those, a conditional on them, or one whose branches agree), through
        locals written so (`local.enabled && !local.is_regional ? 1 : 0`, cloudposse's count
        when its label module is not installed). Not Terraform's value: only for asking
        whether a block whose count is not known can have an instance at all."""
        kind = node[0]
        if depth < DECIDE_DEPTH:
            if kind == "bin" and node[1] in ("&&", "||"):
                deciding = node[1] == "||"  # the operand that decides: false for &&, true for ||
                sides = [self.decided(node[2], scope, depth + 1), self.decided(node[3], scope, depth + 1)]
                if any(side is deciding for side in sides):
                    return deciding
                if all(isinstance(side, bool) for side in sides):
                    return not deciding
                return Unknown("(operation)", refs_of(*sides))
            if kind == "un" and node[1] == "!":
                value = self.decided(node[2], scope, depth + 1)
                return (not value) if isinstance(value, bool) else Unknown("(operation)", refs_of(value))
            if kind == "cond":
                cond = self.decided(node[1], scope, depth + 1)
                if isinstance(cond, bool):
                    return self.decided(node[2] if cond else node[3], scope, depth + 1)
                yes, no = self.decided(node[2], scope, depth + 1), self.decided(node[3], scope, depth + 1)
                same = not isinstance(yes, Unknown) and not isinstance(no, Unknown) and equal(plain(yes), plain(no)) is True
                return yes if same else Unknown("(conditional)", refs_of(cond))
            if kind == "attr" and node[1][0] == "ref" and node[1][1] == "local" and scope.module is not None:
                attr = scope.module.config.locals.get(node[2])
                if attr is not None:
                    return self.decided(attr.expr, scope.module.scope, depth + 1)
        return self.evaluate(node, scope)

    def _un(self, node: Node, scope: Scope) -> Any:
        value = self.eval(node[2], scope)
        if isinstance(value, Unknown):
            return Unknown(value.expr, value.refs)
        if node[1] == "!":
            return not to_bool(value)
        return normalize_number(-to_number(value))

    def _bin(self, node: Node, scope: Scope) -> Any:
        op = node[1]
        a = self.eval(node[2], scope)
        b = self.eval(node[3], scope)
        if op in ("==", "!="):
            if isinstance(a, Unknown) or isinstance(b, Unknown):
                return Unknown("(operation)", refs_of(a, b))
            same = equal(plain(a), plain(b))
            if same is None:
                return Unknown("(operation)", refs_of(a, b))
            return same if op == "==" else not same
        # A known operand is converted whatever the other is: `null + unknown` and
        # `"a" + unknown` fail in terraform (can() is false), they are not unknown
        convert = to_bool if op in ("&&", "||") else to_number
        left = a if isinstance(a, Unknown) else convert(a)
        right = b if isinstance(b, Unknown) else convert(b)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            # unknown even beside a deciding operand (`false && unknown`): terraform 1.11
            # does not refine it (fixtures/terraform_plan_oracle/cases/logic_with_unknowns)
            return Unknown("(operation)", refs_of(a, b))
        if op in ("&&", "||"):
            # both operands are converted: Terraform 1.11 does not short-circuit (`false && null` fails)
            return (left and right) if op == "&&" else (left or right)
        x, y = left, right
        if op in ("+", "-", "*"):
            if isinstance(x, float) or isinstance(y, float):  # Terraform's numbers are decimal: 0.1 + 0.2 is 0.3
                from linter.terraform.functions import to_decimal

                a, b = to_decimal(x), to_decimal(y)
                return normalize_number(float(a + b if op == "+" else a - b if op == "-" else a * b))
            return x + y if op == "+" else x - y if op == "-" else x * y
        if op == "/":
            if y == 0:
                raise EvalError("division by zero")
            q = x / y
            if isinstance(x, int) and isinstance(y, int) and x % y == 0:
                return x // y
            return normalize_number(q)
        if op == "%":
            if y == 0:
                raise EvalError("modulo by zero")
            import math
            return normalize_number(math.fmod(x, y)) if isinstance(x, float) or isinstance(y, float) else (
                x - y * int(x / y))
        if op == "<":
            return x < y
        if op == "<=":
            return x <= y
        if op == ">":
            return x > y
        if op == ">=":
            return x >= y
        raise EvalError(f"unknown operator {op}")

    # ------------------------------------------------------------ for
    @staticmethod
    def pairs(coll: Any) -> list[tuple[Any, Any]]:
        """(key, value) of each element a `for` expression (or a `dynamic` block) iterates, in order."""
        from linter.terraform.functions import TfSet

        if isinstance(coll, TfSet):  # a set's key is the element itself
            return [(v, v) for v in coll]
        if isinstance(coll, list):
            return list(enumerate(coll))
        if isinstance(coll, dict):
            return [(k, coll[k]) for k in sorted(coll)]
        if isinstance(coll, ModuleObject):
            return [(k, coll.output(k)) for k in sorted(coll.names)]
        raise EvalError(f"a for expression needs a collection, not {type_name(coll)}")

    def _for(self, node: Node, scope: Scope) -> Any:
        _, key_var, value_var, coll_node, key_node, value_node, cond_node, group = node
        coll = self.eval(coll_node, scope)
        if isinstance(coll, Unknown):
            return Unknown("(for expression)", coll.refs)
        as_object = key_node is not None
        items: list[Any] = []
        obj: dict[str, Any] = {}
        unknowns: list[Any] = []
        for k, v in self.pairs(coll):
            names = {value_var: v}
            if key_var:
                names[key_var] = k
            inner = scope.child(**names)
            if cond_node is not None:
                keep = self.eval(cond_node, inner)
                if isinstance(keep, Unknown):
                    unknowns.append(keep)
                    continue
                if not to_bool(keep):
                    continue
            value = self.eval(value_node, inner)
            if not as_object:
                items.append(value)
                continue
            key = self.eval(key_node, inner)
            if isinstance(key, Unknown):
                unknowns.append(key)
                continue
            key = to_string(key)
            if group:
                obj.setdefault(key, []).append(value)
            elif key in obj:
                raise EvalError(f"duplicate key {key!r} in a for expression (add ... to group)")
            else:
                obj[key] = value
        if unknowns:
            return Unknown("(for expression)", refs_of(*unknowns, coll))
        return obj if as_object else items

    # ------------------------------------------------------------ calls
    def _call(self, node: Node, scope: Scope) -> Any:
        _, name, arg_nodes, expand, text = node
        if name in ("try", "can"):
            return self._try(name, arg_nodes, scope, text)
        args = [self.eval(a, scope) for a in arg_nodes]
        if expand and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return Unknown(text, refs_of(last, *args))
            if not isinstance(last, list):
                raise EvalError("... expands a list")
            args.extend(last)
        args = [plain(a) for a in args]
        try:
            result = self.call(name, args, scope)
        except Exception as exc:  # FunctionError, or a library bug: never a traceback
            if self.in_try:
                raise EvalError(f"{name}: {exc}") from None
            return Unknown(text, refs_of(*args))
        if isinstance(result, Unknown):
            if result.reference:  # an argument's element passed through (element, one, lookup)
                return result
            return Unknown(text, result.refs or refs_of(*args))
        return result

    def _try(self, name: str, arg_nodes: list[Any], scope: Scope, text: str) -> Any:
        if name == "can":
            if len(arg_nodes) != 1:
                raise EvalError("can takes one argument")
            self.in_try += 1
            try:
                value = self.eval(arg_nodes[0], scope)
            except EvalError:
                return False
            finally:
                self.in_try -= 1
            if unknown_in(value) and not isinstance(value, (InstanceObject, ModuleObject)):
                return Unknown(text, refs_of(value))
            return True
        for arg in arg_nodes:
            self.in_try += 1
            try:
                value = self.eval(arg, scope)
            except EvalError:
                continue
            finally:
                self.in_try -= 1
            if isinstance(value, Unknown):
                # Terraform cannot tell yet whether this argument will fail
                return Unknown(text, value.refs)
            return value
        raise EvalError("no argument of try() could be evaluated")
