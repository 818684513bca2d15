"""Custom policies in Rego, evaluated in-process by regopy (rego-cpp).

Teams write `.rego` files the Conftest way: rules named `deny`, `violation` or
`warn` (or prefixed `deny_`, `violation_`, `warn_`) in any package return
messages, or objects with `msg` and optional `rule_id`, `severity`, `resource`,
`attribute`, `remediation`. They read the normalized model (`build_input`,
published as `linter/schemas/input.schema.json`), so one policy covers plans,
HCL, Pulumi and Kubernetes alike. Their results become ordinary `Finding`s:
suppressions, baselines, reporters and exit codes treat them like built-in ones.

Evaluation strategy (measured in benchmarks/bench_rego.py): regopy's cost per
query is high, grows with the input, and a `deny contains` rule costs time
that grows with the square of its number of results; converting the input
costs about as much as a query. So every policy rule is one query over one
converted input, shared by all packages that see the same resources. A
package whose metadata declares `types` sees only those types (a smaller
document, like the built-in rules' type dispatch), and one declaring
`scope: resource` is queried on slices of SLICE resources, which keeps each
query's result set small. Packages without metadata see every resource, which
keeps cross-resource policies correct. One query per rule also isolates
failures: a rule that fails at run time is reported and the others still run.

regopy is imported only here, and this module only when policies are given:
start-up without --policy never pays for it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from linter.model import Finding, InputError, Resource, Severity, Unknown
from linter.rule_match import selected

if TYPE_CHECKING:
    from linter.engine import ScanOptions

RULE_KINDS = ("deny", "violation", "warn")
# deny/violation block a merge like a built-in high finding; warn is advice
# (Conftest does not fail on warnings either) and stays below --fail-on medium
DEFAULT_SEVERITY = {"deny": Severity.HIGH, "violation": Severity.HIGH, "warn": Severity.LOW}
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "input.schema.json"
ID_PREFIX = "REGO."
# resources per query for `scope: resource` packages: regopy's partial-set rules
# cost grows with the square of their results, so small slices keep it linear
SLICE = 500

_PACKAGE = re.compile(r"^[ \t]*package[ \t]+([A-Za-z_][\w.]*)", re.MULTILINE)
_RULE_HEAD = re.compile(r"^((?:deny|violation|warn)(?:_\w+)?)\b(?![ \t]*\()", re.MULTILINE)
_METADATA_HEAD = re.compile(r"^(__rego_metadata__|metadata)\b[ \t]*(?::=|=|if\b|\{)", re.MULTILINE)
# replacing the whole input inside a policy crashes rego-cpp 1.5 (a segfault,
# not an error): refused at load time; `with input.resources as` works
_WITH_INPUT = re.compile(r"^[^#\n]*\bwith[ \t]+input[ \t]+as\b", re.MULTILINE)
_ERROR_AT = re.compile(r"\(error (\d+):")
_ERROR_MSG = re.compile(r"\(errormsg (\d+):")


# set by linter.rego_sandbox in the child process that runs the policies:
# called before each step that enters rego-cpp (file, line, what), so a crash
# of the engine can be blamed on the policy it was running
on_stage: Callable[[str, int | None, str], None] | None = None


def _stage(file: str, line: int | None, what: str) -> None:
    if on_stage is not None:
        on_stage(file, line, what)


# ---------------------------------------------------------------- input model


def input_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))  # a JSON Schema: an object
    return loaded


def resource_document(res: Resource, default_namespace: str = "default") -> dict[str, Any]:
    """One resource as policies see it: JSON values only, unknowns as null + path.

    A Kubernetes object that names no namespace gets the scan's default one
    (--namespace), as the built-in rules see it.
    """
    from linter.loaders.kubernetes import CLUSTER_SCOPED

    namespace = res.namespace
    if namespace is None and "/" in res.type and res.kind not in CLUSTER_SCOPED:
        namespace = default_namespace
    unknown: list[str] = []
    attrs = _plain(res.attrs, "", unknown)
    change = None
    if res.change is not None:
        before = res.change.before
        change = {
            "actions": [str(a) for a in res.change.actions],
            "before": _plain(before, "", []) if isinstance(before, dict) else None,
        }
    ids = {k: res.meta[k] for k in ("id", "arn", "self_link") if isinstance(res.meta.get(k), str)}
    return {
        "type": res.type,
        "address": res.address,
        "name": res.name or "",
        "namespace": namespace,
        "attrs": attrs if isinstance(attrs, dict) else {},
        "unknown": unknown,
        "source_format": res.source_format,
        "file": res.location.file,
        "line": res.location.line if res.location.line and res.location.line > 0 else None,
        "root": res.scope,
        "raw_type": res.raw_type,
        "refs": {str(k): [str(a) for a in v] for k, v in (res.refs or {}).items()},
        "ids": ids,
        "change": change,
    }


def build_input(resources: Iterable[Resource], default_namespace: str = "default") -> dict[str, Any]:
    return {"resources": [resource_document(r, default_namespace) for r in resources]}


MAX_INPUT_DEPTH = 200  # real configurations nest a few dozen levels


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether a value nests deeper than `limit` (iterative: the value may be deeper than the stack)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend((v, depth + 1) for v in item)
    return False


def _plain(value: Any, path: str, unknown: list[str]) -> Any:
    """JSON-safe copy; an Unknown becomes null and its dotted path is recorded."""
    if isinstance(value, Unknown):
        if path:
            unknown.append(path)
        return None
    if isinstance(value, dict):
        return {
            str(k): _plain(v, f"{path}.{k}" if path else str(k), unknown) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{path}.{i}" if path else str(i), unknown) for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)  # YAML dates and the like: policies compare text


# ---------------------------------------------------------------- policies


@dataclass
class PolicyRule:
    name: str  # deny, warn_replicas, ...
    file: str
    line: int

    @property
    def kind(self) -> str:
        return self.name.split("_", 1)[0]


@dataclass
class Package:
    name: str
    files: list[str] = field(default_factory=list)
    rules: list[PolicyRule] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    has_metadata: list[str] = field(default_factory=list)  # metadata rule names found
    sets_rule_id: bool = False  # some result may carry its own rule_id
    line: int = 1  # `package` line in the first file

    @property
    def rule_id(self) -> str:
        found = self.metadata.get("id")
        return str(found) if found else ID_PREFIX + self.name

    @property
    def per_resource(self) -> bool:
        """resilint extension: metadata `scope: resource` says each finding reads one
        resource only, so the input may be cut into slices (bounding regopy's
        superlinear cost per query); cross-resource packages must not say it."""
        return self.metadata.get("scope") == "resource"

    @property
    def types(self) -> tuple[str, ...] | None:
        """resilint extension: metadata `types` narrows the input to these types."""
        declared = self.metadata.get("types")
        if isinstance(declared, str):
            return (declared,)
        if isinstance(declared, list) and declared and all(isinstance(t, str) for t in declared):
            return tuple(sorted(set(declared)))
        return None


@dataclass
class PolicySet:
    interpreter: Any
    packages: list[Package]
    errors: list[InputError]
    # rule ids the policies' results carried (a result may set its own `rule_id`):
    # a selector naming one of them names a rule
    produced_ids: set[str] = field(default_factory=set)

    @property
    def rule_ids(self) -> set[str]:
        """Ids known before evaluation: each package's id (results may add their own)."""
        return {p.rule_id for p in self.packages}

    @property
    def may_produce_ids(self) -> bool:
        return any(p.sets_rule_id for p in self.packages)


def discover(paths: Iterable[str]) -> tuple[list[str], list[InputError]]:
    """Every `.rego` file under the given directories (or the files themselves).

    `*_test.rego` files are OPA unit tests (`opa test`), not policies: skipped.
    """
    files: list[str] = []
    errors: list[InputError] = []
    for given in paths:
        if os.path.isfile(given):
            files.append(given)
            continue
        if not os.path.isdir(given):
            errors.append(InputError(given, "policy directory not found (--policy / policies:)"))
            continue
        found = []
        for root, dirs, names in os.walk(given):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in names:
                if name.endswith(".rego") and not name.endswith("_test.rego"):
                    found.append(os.path.join(root, name))
        if not found:
            errors.append(InputError(given, "no .rego policy files in this directory"))
        files.extend(sorted(found))
    return list(dict.fromkeys(_shown(f) for f in files)), errors


def _shown(path: str) -> str:
    """`policies:` in the config are absolute: show them relative when under the cwd."""
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        if not relative.startswith(".."):
            return relative
    return path


def syntax_error(file: str, source: str, text: str) -> InputError:
    """Turn rego-cpp's error tree into `file:line: message`.

    The tree reads `(error 15:/path/x.rego|40|2 (errormsg 27:Invalid ...) ...)`:
    strings are length-prefixed, and the location is a byte offset into the source.
    """
    line = None
    match = _ERROR_AT.search(text)
    if match:
        start = match.end()
        after = text[start + int(match.group(1)):]
        offset = re.match(r"\|(\d+)\|", after)
        if offset:
            line = source.encode("utf-8")[: int(offset.group(1))].decode("utf-8", "replace").count("\n") + 1
    message = _error_message(text) or "invalid Rego"
    count = len(_ERROR_MSG.findall(text))
    more = f" (and {count - 1} more error(s))" if count > 1 else ""
    return InputError(file, f"Rego syntax error: {message}{more}", line)


def _error_message(text: str) -> str | None:
    match = _ERROR_MSG.search(text)
    if not match:
        return None
    start = match.end()
    return text[start: start + int(match.group(1))]


def _line_at(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


# what reaches rego-cpp's parser: its time and memory grow with the square of
# the nesting depth (5,000 levels: 16 s and 2.9 GB), so both are bounded first
MAX_POLICY_BYTES = 1 << 20
MAX_POLICY_NESTING = 64
# strings (quoted, raw) and comments hold brackets that do not nest; one
# character per step in the quoted alternation: no backtracking
_POLICY_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*|[\[\]{}()]')


def source_out_of_bounds(file: str, source: str) -> InputError | None:
    """An input error for a policy too large or nested too deeply to hand to rego-cpp."""
    if len(source) > MAX_POLICY_BYTES:
        return InputError(file, f"policy larger than {MAX_POLICY_BYTES >> 20} MiB: not handed to the Rego engine", 1)
    depth = 0
    for match in _POLICY_TOKEN.finditer(source):
        token = match.group(0)
        if token in "[{(":
            depth += 1
            if depth > MAX_POLICY_NESTING:
                return InputError(file, f"brackets nested more than {MAX_POLICY_NESTING} levels deep: "
                                  "not handed to the Rego engine", _line_at(source, match.start()))
        elif token in "]})":
            depth = max(0, depth - 1)
    return None


def load_policies(paths: Iterable[str]) -> PolicySet:
    """Parse every policy file into one interpreter (packages may import each other)."""
    import regopy

    interpreter = regopy.Interpreter()
    # rego-cpp prints diagnostics on stdout by default: that would corrupt JSON reports
    interpreter.log_level = regopy.LogLevel.NONE
    files, errors = discover(paths)
    packages: dict[str, Package] = {}
    for file in files:
        try:
            source = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(InputError(file, f"cannot read policy: {exc}"))
            continue
        head = _PACKAGE.search(source)
        if head is None:
            errors.append(InputError(file, "Rego syntax error: no `package` declaration", 1))
            continue
        unbounded = source_out_of_bounds(file, source)
        if unbounded is not None:
            errors.append(unbounded)
            continue
        crash = _WITH_INPUT.search(source)
        if crash:
            errors.append(InputError(file, "`with input as ...` crashes the Rego engine (rego-cpp): "
                                     "replace the resources instead, `with input.resources as ...`",
                                     _line_at(source, crash.start())))
            continue
        try:
            _stage(file, 1, "reading the policy")
            interpreter.add_module(file, source)
        except regopy.RegoError as exc:
            errors.append(syntax_error(file, source, str(exc)))
            continue
        pkg = packages.setdefault(head.group(1), Package(head.group(1), line=_line_at(source, head.start())))
        pkg.files.append(file)
        pkg.sets_rule_id = pkg.sets_rule_id or "rule_id" in source
        known = {r.name for r in pkg.rules}
        for match in _RULE_HEAD.finditer(source):
            if match.group(1) not in known:
                known.add(match.group(1))
                pkg.rules.append(PolicyRule(match.group(1), file, _line_at(source, match.start())))
        for match in _METADATA_HEAD.finditer(source):
            if match.group(1) not in pkg.has_metadata:
                pkg.has_metadata.append(match.group(1))
    chosen = [p for p in packages.values() if p.rules]
    if chosen:
        _read_metadata(interpreter, chosen, errors)
    return PolicySet(interpreter, sorted(chosen, key=lambda p: p.name), errors)


def _read_metadata(interpreter: Any, packages: list[Package], errors: list[InputError]) -> None:
    """Metadata is constant: read it once against an empty document.

    The same pass finds rules that cannot run at all (a type error such as a
    wrong number of arguments fails even on an empty input): they are input
    errors naming the rule's file and line, reported before the scan runs.
    """
    import regopy

    interpreter.set_input(regopy.Input({"resources": []}))
    for pkg in packages:
        for name in ("__rego_metadata__", "metadata"):  # the Conftest name wins
            if name not in pkg.has_metadata or pkg.metadata:
                continue
            _stage(pkg.files[0], pkg.line, f"reading {name} of package {pkg.name}")
            value, failure = _query(interpreter, f"data.{pkg.name}.{name}")
            if isinstance(value, dict):
                pkg.metadata = value
            elif failure:
                errors.append(InputError(pkg.files[0], f"Rego error in {name} of package {pkg.name}: {failure}", pkg.line))
        broken = []
        for rule in pkg.rules:
            _stage(rule.file, rule.line, f"checking rule {rule.name} of package {pkg.name}")
            _, failure = _query(interpreter, f"data.{pkg.name}.{rule.name}")
            if failure:
                errors.append(InputError(rule.file, f"Rego error in rule {rule.name} of package {pkg.name}: {failure}", rule.line))
                broken.append(rule)
        pkg.rules = [r for r in pkg.rules if r not in broken]


_NO_DETAIL = "evaluation failed (rego-cpp gives no detail: check argument types and conflicting rule values)"


def _query(interpreter: Any, query: str) -> tuple[Any, str | None]:
    """(value, None) or (None, failure). Undefined is (None, None).

    regopy's public `Interpreter.query` raises a bare JSONDecodeError when the
    engine answers with an error tree instead of JSON, losing the message; the
    C-level calls keep it.
    """
    from regopy import RegoError
    from regopy.rego_shared import rego_free_output, rego_output_ok, rego_output_string, rego_query

    try:
        impl = rego_query(interpreter._impl, query)
    except RegoError as exc:
        return None, _error_message(str(exc)) or str(exc).strip() or _NO_DETAIL
    try:
        ok = rego_output_ok(impl)
        text = rego_output_string(impl)
    finally:
        rego_free_output(impl)
    if not ok:
        return None, _error_message(text) or _NO_DETAIL
    if text.strip() == "undefined":
        return None, None
    try:
        doc = json.loads(text)
    except ValueError:
        return None, _error_message(text) or text.strip()[:200]
    exprs = doc.get("expressions") if isinstance(doc, dict) else None
    if not exprs:
        return None, None
    return exprs[0], None


# ---------------------------------------------------------------- evaluation


def results_of(value: Any) -> list[Any]:
    """The items a deny/warn rule produced.

    Partial set rules (`deny contains msg if`) give a list; a complete rule
    (`deny := "..."`) one value; the old `deny[msg] { ... }` form, which
    rego-cpp reads as an object from each message to true, gives its keys
    (object keys arrive JSON-encoded), and `{}` when it denies nothing.
    """
    if value is None or value is False or value == {}:
        return []  # undefined, or an old-style `deny[msg]` set that denied nothing
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and value and all(v is True for v in value.values()) and "msg" not in value:
        items = []
        for key in value:
            if key.startswith("{"):
                try:
                    items.append(json.loads(key))
                    continue
                except ValueError:
                    pass
            items.append(key)
        return items
    return [value]


_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _escaped(text: str) -> str:
    # rego-cpp keeps strings in their JSON-escaped form (as its parser leaves
    # them); regopy 1.5.2 hands input strings over raw, so `x"y` would never
    # equal the literal "x\"y" and query output would not be valid JSON
    return json.dumps(text, ensure_ascii=False)[1:-1] if _NEEDS_ESCAPE.search(text) else text


class LossyNumber(ValueError):
    """A number `to_rego` cannot hand over whole (`set_input` then parses the JSON text)."""


def set_input(interpreter: Any, value: Any) -> None:
    """The interpreter's input: built directly (`to_rego`), or, where a number would lose
    digits so (a float beyond six decimals: rego-cpp writes it with `%f`), parsed by
    rego-cpp from the document's JSON text, which keeps every digit."""
    try:
        converted = to_rego(value)
    except LossyNumber:
        interpreter.set_input_term(json.dumps(value, allow_nan=False))
    else:
        interpreter.set_input(converted)


def to_rego(value: Any) -> Any:
    """A regopy Input for a JSON document (LossyNumber: one of its numbers would lose digits).

    Not `regopy.Input(value)`: that passes strings unescaped (see `_escaped`)
    and converts through abstract-base-class checks and a wrapper per node.
    The document holds only dict, list, str, int, float, bool and None, so
    exact type tests and direct calls to the same C functions suffice: 40%
    faster, and strings compare as in OPA.
    """
    import regopy
    from regopy import rego_shared

    lib = rego_shared.rego
    put_str, put_int, put_float = lib.regoInputString, lib.regoInputInt, lib.regoInputFloat
    put_bool, put_null, put_item = lib.regoInputBoolean, lib.regoInputNull, lib.regoInputObjectItem
    put_object, put_array = lib.regoInputObject, lib.regoInputArray
    handle = rego_shared.rego_new_input()
    status = 0

    def add(v: Any) -> None:
        nonlocal status
        kind = type(v)
        if kind is str:
            status |= put_str(handle, _escaped(v).encode("utf-8"))
        elif kind is dict:
            for key, item in v.items():
                status |= put_str(handle, _escaped(key).encode("utf-8"))
                add(item)
                status |= put_item(handle)
            status |= put_object(handle, len(v))
        elif kind is list:
            for item in v:
                add(item)
            status |= put_array(handle, len(v))
        elif kind is bool:
            status |= put_bool(handle, v)
        elif kind is int and -(2**63) <= v < 2**63:
            status |= put_int(handle, v)
        elif kind is int or kind is float:
            number = float(v)
            if float(f"{number:f}") != number:  # rego-cpp writes a float with six decimals: 1/3 as 0.333333
                raise LossyNumber(v)
            status |= put_float(handle, number)
        elif v is None:
            status |= put_null(handle)
        else:
            raise TypeError(f"not a JSON value: {kind.__name__}")

    try:
        add(value)
        if status:
            raise regopy.RegoError("cannot build the policy input")
    except Exception:
        rego_shared.rego_free_input(handle)
        raise
    converted = regopy.Input.__new__(regopy.Input)
    converted._impl = handle  # freed by Input.__del__
    return converted


def evaluate(policies: PolicySet, resources: list[Resource],
             options: ScanOptions | None = None) -> tuple[list[Finding], list[InputError]]:
    select = options.select if options is not None else None
    ignore = options.ignore if options is not None else None
    namespace = (options.default_namespace if options is not None else None) or "default"
    too_deep = [r for r in resources if _depth_exceeds(r.attrs, MAX_INPUT_DEPTH)]
    if too_deep:  # converting them would exhaust the interpreter's stack: leave them out, say so
        left_out = {id(r) for r in too_deep}
        resources = [r for r in resources if id(r) not in left_out]
    docs = [resource_document(r, namespace) for r in resources]
    resource_of = {id(d): r for d, r in zip(docs, resources)}
    findings: list[Finding] = []
    errors: list[InputError] = [
        InputError(r.location.file, f"{r.address} is not given to Rego policies: its values nest more than "
                   f"{MAX_INPUT_DEPTH} levels deep", r.location.line)
        for r in too_deep
    ]
    failed: set[tuple[str, str]] = set()  # reported once, not once per slice
    # --select/--ignore: a package whose findings all carry its id may be skipped
    wanted = [p for p in policies.packages if p.sets_rule_id or selected(p.rule_id, select, ignore)]
    for view, packages in _plan(wanted, docs):
        set_input(policies.interpreter, {"resources": view})
        # a result naming an address is located among the resources this query saw
        by_address: dict[str, list[Resource]] = {}
        for d in view:
            by_address.setdefault(d["address"], []).append(resource_of[id(d)])
        for pkg in packages:
            for rule in pkg.rules:
                if (pkg.name, rule.name) in failed:
                    continue
                _stage(rule.file, rule.line, f"evaluating rule {rule.name} of package {pkg.name}")
                value, failure = _query(policies.interpreter, f"data.{pkg.name}.{rule.name}")
                values = [value]
                if failure:
                    # one bad input (two resources with one address) must not silence
                    # the policy everywhere: judge each scope on its own
                    values, scope_errors = _query_by_scope(policies, pkg, rule, view, resource_of, failure)
                    errors.extend(scope_errors)
                    if not values:
                        failed.add((pkg.name, rule.name))
                for item in (item for value in values for item in results_of(value)):
                    made = _finding(pkg, rule, item, by_address)
                    if isinstance(made, InputError):
                        errors.append(made)
                        continue
                    policies.produced_ids.add(made.rule_id)
                    if selected(made.rule_id, select, ignore):
                        findings.append(made)
    return findings, errors


def _query_by_scope(policies: PolicySet, pkg: Package, rule: PolicyRule, view: list[dict[str, Any]],
                    resource_of: dict[int, Resource], failure: str) -> tuple[list[Any], list[InputError]]:
    """A rule failed on a view holding several scopes (Terraform roots, plans, stacks,
    the cluster): query it on each scope alone. The scopes where it runs keep their
    findings; a scope where it fails is an error naming the file at fault when a
    duplicate address explains it, else the rule."""
    scopes: dict[str, list[dict[str, Any]]] = {}
    for doc in view:
        res = resource_of.get(id(doc))
        scopes.setdefault(res.scope if res is not None else "", []).append(doc)
    query = f"data.{pkg.name}.{rule.name}"
    if len(scopes) < 2:
        return [], [_scope_failure(pkg, rule, view, resource_of, failure)]
    values: list[Any] = []
    errors: list[InputError] = []
    for part in scopes.values():
        set_input(policies.interpreter, {"resources": part})
        value, part_failure = _query(policies.interpreter, query)
        if part_failure:
            errors.append(_scope_failure(pkg, rule, part, resource_of, part_failure))
        else:
            values.append(value)
    set_input(policies.interpreter, {"resources": view})  # for the next packages of this view
    return values, errors


def _scope_failure(pkg: Package, rule: PolicyRule, docs: list[dict[str, Any]], resource_of: dict[int, Resource],
                   failure: str) -> InputError:
    where = f"Rego rule {rule.name} of package {pkg.name}"
    first: dict[tuple[str, str], Resource] = {}
    for doc in docs:
        res = resource_of.get(id(doc))
        if res is None:
            continue
        key = (res.scope, res.address)
        if key in first and first[key].location.file != res.location.file:
            earlier = first[key].location
            return InputError(res.location.file, f"{res.address} is also declared at {earlier.file}:{earlier.line or '?'} "
                              f"in the same configuration (terraform validate rejects it): {where} cannot judge it "
                              f"({failure})", res.location.line)
        first.setdefault(key, res)
    return InputError(rule.file, f"{where} failed at run time: {failure}", rule.line)


def _plan(packages: list[Package], docs: list[dict[str, Any]]) -> list[tuple[list[dict[str, Any]], list[Package]]]:
    """Which input documents to convert, and which packages to query on each.

    Converting costs about as much as a query, so packages share conversions:
    every `scope: resource` package reads the same slices (SLICE resources of
    one type each, no address twice in a slice, so that a result naming an
    address is located in the right file); the others get the whole document or their `types`, one
    conversion per distinct set of types.

    `with input.resources as <part>` would avoid converting again, but under
    `with` rego-cpp stops caching rules that read input: a helper like
    `queues := {q.address: q | ...}` is rebuilt at every reference, and a
    cross-resource policy goes from 0.1 s to 14 s on 400 queues.
    """
    plan: list[tuple[list[dict[str, Any]], list[Package]]] = []
    by_type: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        by_type.setdefault(d["type"], []).append(d)
    scoped = [p for p in packages if p.per_resource]
    for type_name, items in by_type.items():
        readers = [p for p in scoped if p.types is None or type_name in p.types]
        for layer in _address_layers(items) if readers else ():
            for start in range(0, len(layer), SLICE):
                plan.append((layer[start: start + SLICE], readers))
    idle = [p for p in scoped if p.types is not None and not any(t in by_type for t in p.types)]
    if idle or (scoped and not docs):
        plan.append(([], idle if docs else scoped))
    whole: dict[tuple[str, ...] | None, list[Package]] = {}
    for p in packages:
        if not p.per_resource:
            whole.setdefault(p.types, []).append(p)
    for types, readers in whole.items():
        plan.append((docs if types is None else [d for d in docs if d["type"] in types], readers))
    return plan


def _address_layers(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The documents split so that no part holds an address twice: the first
    resource at each address, then the second (the same Deployment in two
    overlays, `aws_sqs_queue.this` in two roots), and so on."""
    layers: list[list[dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for d in items:
        n = seen.get(d["address"], 0)
        seen[d["address"]] = n + 1
        if n == len(layers):
            layers.append([])
        layers[n].append(d)
    return layers


def run_policies(paths: Iterable[str], resources: list[Resource],
                 options: ScanOptions | None = None) -> tuple[list[Finding], list[InputError]]:
    """The engine's entry point: load, evaluate, return findings and errors."""
    policies = load_policies(paths)
    findings, errors = evaluate(policies, resources, options) if policies.packages else ([], [])
    return findings, policies.errors + errors


def _severity(value: Any) -> Severity | None:
    if isinstance(value, str):
        try:
            return Severity.parse(value)
        except ValueError:
            return None
    return None


def _finding(pkg: Package, rule: PolicyRule, item: Any, by_address: dict[str, Any]) -> Finding | InputError:
    where = f"rule {rule.name} of package {pkg.name}"
    if isinstance(item, dict):
        msg = item.get("msg", item.get("message"))
        if not isinstance(msg, str) or not msg:
            return InputError(rule.file, f"Rego {where} returned an object without a `msg` string: {json.dumps(item)[:200]}", rule.line)
        details = item
    elif isinstance(item, str):
        msg, details = item, {}
    else:
        msg, details = json.dumps(item), {}
    meta = pkg.metadata
    severity = _severity(details.get("severity"))
    if details.get("severity") is not None and severity is None:
        return InputError(rule.file, f"Rego {where} returned severity {details.get('severity')!r}: expected low, medium, high or critical", rule.line)
    if severity is None and rule.kind != "warn":
        severity = _severity(meta.get("severity"))
    severity = severity or DEFAULT_SEVERITY[rule.kind]
    rule_id = str(details.get("rule_id") or pkg.rule_id)
    remediation = (details.get("remediation") or meta.get("remediation") or meta.get("recommended_actions")
                   or f"Change the resource so that policy {pkg.name} ({rule.file}) accepts it.")
    docs_url = meta.get("url") or ""
    if not docs_url and isinstance(meta.get("related_resources"), list) and meta["related_resources"]:
        first = meta["related_resources"][0]
        docs_url = first if isinstance(first, str) else (first.get("ref", "") if isinstance(first, dict) else "")
    attribute = details.get("attribute") if isinstance(details.get("attribute"), str) else None
    address = details.get("resource")
    # two files may hold the same address (a Deployment in two overlays, a
    # resource in two Terraform roots): the result's file picks the right one
    in_file = details.get("file") if isinstance(details.get("file"), str) else None
    # and one module block is planned in every root that calls it: the result's root picks
    in_root = details.get("root") if isinstance(details.get("root"), str) else None
    if isinstance(address, dict):  # the policy returned the resource itself
        in_file = in_file or (address.get("file") if isinstance(address.get("file"), str) else None)
        in_root = in_root or (address.get("root") if isinstance(address.get("root"), str) else None)
        address = address.get("address")
    common: dict[str, Any] = dict(
        rule_id=rule_id,
        rule=str(meta.get("name") or pkg.name),
        severity=severity,
        message=msg,
        remediation=str(remediation),
        docs_url=str(docs_url),
        attribute=attribute,
        rule_title=str(meta["title"]) if meta.get("title") else None,
        rule_description=str(meta["description"]) if meta.get("description") else None,
    )
    if isinstance(address, str) and address:
        matches = by_address.get(address, [])
        if in_file is not None:
            matches = [m for m in matches if m.location.file == in_file] or matches
        if in_root is not None:
            matches = [m for m in matches if m.scope == in_root] or matches
        if matches:
            res = matches[0]
            place = res.place_for(attribute)
            return Finding(resource=res.address, resource_type=res.type, file=place[0],
                           line=place[1], source_format=res.source_format,
                           root=res.meta.get("root"), **common)
        # an address the scan does not hold: keep the finding, at the policy
        return Finding(resource=address, resource_type="", file=rule.file, line=rule.line,
                       source_format="rego", **common)
    # no resource: the finding is about the configuration as a whole; it
    # points at the file the result names, else at the rule in the policy
    file: str = rule.file
    line: int | None = rule.line
    if isinstance(details.get("file"), str):
        file, line = details["file"], details.get("line") if isinstance(details.get("line"), int) else None
    return Finding(resource=f"data.{pkg.name}", resource_type="", file=file, line=line,
                   source_format="rego", **common)
