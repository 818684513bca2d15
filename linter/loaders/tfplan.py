"""Terraform plans: the JSON of `terraform show -json plan.out`.

What becomes a Resource
* Every managed entry of `resource_changes[]` (child modules at any depth,
  `count`/`for_each` instances, e.g. `module.db.aws_db_instance.main["eu"]`),
  except pure deletions (`["delete"]`, `["forget"]`). `attrs` is the planned
  `after`; every value whose `after_unknown` mirror is `true` is an `Unknown`
  carrying the resource addresses its configuration expression references
  (`Unknown(refs=("aws_subnet.a",))`, qualified with the module path; non-resource
  references such as `var.x` are kept as written, so they never resolve and a
  cross-resource rule stays silent on a partial graph).
* rules.md §0.2: an Optional+Computed attribute listed in
  `attribute_facts` (`computed=True`) that is unknown but absent from the resource's
  `configuration` expressions was never written by the user: it is removed
  from `attrs` (absent -> the rule applies the documented API default) and
  listed in `meta["unset_computed"]`; so is one written as an expression of
  variables alone (known at plan: unknown, it was null; `meta["value_origin"]`
  names the variables). Without a `configuration` section nothing is defaulted (we
  cannot know what the user wrote). A known planned value the configuration does not
  write is noted in `meta["value_origin"]` too: the provider's default (PROVIDER_DEFAULT)
  for a new object, so messages word it as unset (`_unwritten`).
* Every resource has `change = Change(actions, before)`: `before` is the prior
  state for updates, replacements and no-ops, None for creates (regression
  rules compare `r.before(path)` with `r.get(path)`). §0.2 defaulting applies
  only to objects being created (an update keeps the prior value).
* Data sources are never linted: they become Resources of type
  `data.<type>` (e.g. `data.aws_subnet`, which no rule declares) with address
  `[module.x.]data.aws_subnet.name`, attributes from `prior_state` (data read
  during plan) or from their `resource_changes` entry (read deferred to apply:
  unknown). `ctx.index.resolve("data.aws_subnet.x.availability_zone")` or an
  Unknown referencing it finds them.
* `meta`: `id`, `arn`, `self_link` (when known strings, for `index.by_id`; an
  in-place update keeps the prior ones while the planned ones are unknown),
  `module` (module address or None), `index` (count/for_each key or None),
  `unset_computed`, `from_variable_default`. `r.refs`: attribute path ->
  referenced addresses (paths are dotted; a nested block's index is written
  only when it is not the first one).

Locations: a plan has no lines. When the `.tf` sources are there (`--tf-root
DIR`, or the plan file sits in the Terraform root: every root-module resource
of the plan's configuration is found in the `.tf` files beside it), each
resource points at its block's file:line, following local module sources
and modules installed by `terraform init` (`.terraform/modules/modules.json`);
attribute lines come from the parsed block. Otherwise (and for a resource
the sources lack) findings point at the plan file, at the line of the
resource's `"address"` in `resource_changes` (every report needs a line:
GitHub code scanning drops a result without one).

Module outputs and module variables in references are followed through the
configuration (`module.vpc.private_subnets` -> `module.vpc.aws_subnet.private`).
`meta["from_variable_default"]` maps attribute paths to the variable whose
default gave the value (a root variable left to its default, or a module
variable its call does not set), as the HCL loader does.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
from bisect import bisect_right
from pathlib import Path
from typing import Any, NamedTuple

from linter.loaders._terraform import (
    _split_ref,
    SourceMap,
    attribute_line,
    module_names,
    qualify,
    resource_ref,
)
from linter.loaders.terraform import HCL_SUFFIXES
from linter.addresses import strip_instance_keys
from linter.attribute_facts import default as fact_default, optional_computed, paths as fact_paths
from linter.index import ARN_OF_ANOTHER_RESOURCE
from linter.model import PROVIDER_DEFAULT, UNKNOWN, Change, InputError, Location, Resource, Unknown, contains_unknown, lookup

SKIPPED_ACTIONS = {("delete",), ("forget",)}
# loader option: Terraform roots a scanned plan maps to (their .tf is not loaded again)
COVERED_BY_PLAN = "terraform_roots_covered_by_plan"
_ID_KEYS = ("id", "arn", "self_link")
# strings of a variable's value followed as what a known part of an unknown value may hold
# (`ConfigIndex.known_at_plan`): more, and the variable is not followed
_KNOWN_STRINGS_MAX = 256
_DIGITS = tuple("0123456789")


def load_document(doc: dict[str, Any], path: Path, shown: str, options: dict[str, Any] | None = None,
                  one_line: bool = False) -> list[Resource]:
    """The resources of a parsed plan (`one_line`: its text is one line, so every
    resource the `.tf` sources do not place is on line 1)."""
    try:
        return _load(doc, path, shown, options if options is not None else {}, one_line)
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        # a document shaped unlike `terraform show -json`: an input error, not a traceback
        raise InputError(shown, f"unexpected plan structure: {type(exc).__name__}: {exc}") from None
    finally:  # the cache holds the document's expressions: let them go
        _REFS_CACHE.clear()


def _check_shape(doc: dict[str, Any], shown: str, path: Path | None = None, changes: bool = True) -> None:
    """Reject a document whose known fields have the wrong JSON types, naming the
    field and what `terraform show -json` writes there (a plan edited by hand or
    produced by another tool must not be judged as if it said something).
    Without `changes`, the entries of `resource_changes` are left to the caller."""
    address: list[str | None] = [None]  # the resource change being checked, for the line

    def expect(value: Any, kinds: tuple[Any, ...], where: str, what: str, required: bool = False) -> None:
        if (required or value is not None) and not isinstance(value, kinds):
            raise InputError(shown, f"{where} must be {what}, got {_json_type(value)}",
                             _address_line(path, address[0]))

    def module_tree(module: Any, where: str, config: bool, depth: int = 0) -> None:
        expect(module, (dict,), where, "an object")
        if not isinstance(module, dict):
            return
        if depth > 100:  # `terraform show` nests one level per module call
            raise InputError(shown, f"{where}: modules nested more than 100 levels deep")
        expect(module.get("resources"), (list,), f"{where}.resources", "a list")
        body = "expressions" if config else "values"
        for i, res in enumerate(module.get("resources") or []):
            if type(res) is dict and type(res.get("address", "")) is str and type(res.get(body, _NO_DICT)) is dict:
                continue  # the common case, checked without building the messages
            expect(res, (dict,), f"{where}.resources[{i}]", "an object", required=True)
            expect(res.get("address"), (str,), f"{where}.resources[{i}].address", "a string")
            expect(res.get(body), (dict,), f"{where}.resources[{i}].{body}", "an object")
        if config:
            for key in ("variables", "outputs"):
                expect(module.get(key), (dict,), f"{where}.{key}", "an object")
            calls = module.get("module_calls")
            expect(calls, (dict,), f"{where}.module_calls", "an object keyed by module name")
            for name, call in (calls or {}).items():
                expect(call, (dict,), f"{where}.module_calls.{name}", "an object", required=True)
                for key in ("expressions", "count_expression", "for_each_expression"):
                    expect(call.get(key), (dict,), f"{where}.module_calls.{name}.{key}", "an object")
                if isinstance(call, dict):
                    module_tree(call.get("module"), f"{where}.module_calls.{name}.module", True, depth + 1)
        else:
            expect(module.get("address"), (str,), f"{where}.address", "a string")
            expect(module.get("child_modules"), (list,), f"{where}.child_modules", "a list")
            for i, child in enumerate(module.get("child_modules") or []):
                expect(child, (dict,), f"{where}.child_modules[{i}]", "an object", required=True)
                module_tree(child, f"{where}.child_modules[{i}]", False, depth + 1)

    expect(doc.get("resource_changes"), (list,), "resource_changes", "a list")
    for i, rc in enumerate((doc.get("resource_changes") or []) if changes else ()):
        if _well_shaped(rc):
            continue  # the common case, checked without building the messages
        where = f"resource_changes[{i}]"
        expect(rc, (dict,), where, "an object", required=True)
        address[0] = rc.get("address") if isinstance(rc.get("address"), str) else None
        if address[0] is not None:
            where = f"{where} ({address[0]})"
        for key in ("address", "type", "name", "mode", "module_address"):
            expect(rc.get(key), (str,), f"{where}.{key}", "a string")
        change = rc.get("change")
        expect(change, (dict,), f"{where}.change", "an object", required=True)
        if isinstance(change, dict):
            for key in ("before", "after"):
                expect(change.get(key), (dict,), f"{where}.change.{key}", "an object or null")
            for key in ("after_unknown", "before_sensitive", "after_sensitive"):
                expect(change.get(key), (dict, bool), f"{where}.change.{key}", "an object or a boolean")
    address[0] = None
    config = doc.get("configuration")
    expect(config, (dict,), "configuration", "an object")
    if isinstance(config, dict) and config.get("root_module") is not None:
        module_tree(config.get("root_module"), "configuration.root_module", True)
    expect(doc.get("variables"), (dict,), "variables", "an object")
    # a plan's planned_values and prior_state, a state's (`terraform show -json`) values
    for section in ("planned_values", "prior_state", "values"):
        value = doc.get(section)
        expect(value, (dict,), section, "an object")
        values = value.get("values") if section == "prior_state" and isinstance(value, dict) else value
        if section == "prior_state":
            expect(values, (dict,), "prior_state.values", "an object")
        if isinstance(values, dict) and values.get("root_module") is not None:
            prefix = "prior_state.values" if section == "prior_state" else section
            module_tree(values.get("root_module"), f"{prefix}.root_module", False)


_NO_DICT: dict[str, Any] = {}  # stands for an absent object (absent passes)
# the JSON types `_check_shape` accepts in a resource change (null: absent)
_TEXT_OR_NULL = frozenset((str, type(None)))
_OBJECT_OR_NULL = frozenset((dict, type(None)))
_OBJECT_FLAG_OR_NULL = frozenset((dict, bool, type(None)))


def _well_shaped(rc: Any) -> bool:
    """What `_check_shape` asks of a resource change, as one quick test (a False
    sends it through the checks that name the field at fault). Written out, not
    looped: it runs once per resource change."""
    if type(rc) is not dict:
        return False
    change = rc.get("change")
    if type(change) is not dict:
        return False
    return (type(rc.get("address")) in _TEXT_OR_NULL and type(rc.get("type")) in _TEXT_OR_NULL
            and type(rc.get("name")) in _TEXT_OR_NULL and type(rc.get("mode")) in _TEXT_OR_NULL
            and type(rc.get("module_address")) in _TEXT_OR_NULL
            and type(change.get("before")) in _OBJECT_OR_NULL and type(change.get("after")) in _OBJECT_OR_NULL
            and type(change.get("after_unknown")) in _OBJECT_FLAG_OR_NULL
            and type(change.get("before_sensitive")) in _OBJECT_FLAG_OR_NULL
            and type(change.get("after_sensitive")) in _OBJECT_FLAG_OR_NULL)


def _address_line(path: Path | None, address: str | None) -> int | None:
    """Line of a resource change's address in the plan file (errors only: reads it again)."""
    if path is None or address is None:
        return None
    return address_lines(path).get(address)


def _json_type(value: Any) -> str:
    """A value's type as JSON names it (the user wrote JSON, not Python)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return "an object"


def _load(doc: dict[str, Any], path: Path, shown: str, options: dict[str, Any], one_line: bool = False) -> list[Resource]:
    # the resource changes are checked as they are read (below); an error in one of
    # them is reported before one elsewhere, as `_check_shape` of the whole document does
    try:
        _check_shape(doc, shown, path, changes=False)
    except InputError:
        _check_shape(doc, shown, path)
        raise
    changes = doc.get("resource_changes")
    if changes is None:
        changes = []
    if not isinstance(changes, list):
        raise InputError(shown, "resource_changes must be a list")
    config = ConfigIndex(doc.get("configuration"), doc.get("variables"))
    sources = _source_map(path, options, config)
    resources: list[Resource] = []
    data_from_changes: dict[str, Resource] = {}
    line = 1 if one_line else None  # a plan of one line: every resource is on it
    for position, rc in enumerate(changes):
        if not _well_shaped(rc):  # (else an object with a change object: asked no more)
            _check_shape(doc, shown, path)  # the checks that name the field at fault
            if not isinstance(rc, dict):
                raise InputError(shown, f"resource_changes[{position}] is not an object")
            if not isinstance(rc.get("change"), dict):
                raise InputError(shown, f"resource_changes[{position}] ({rc.get('address', '?')}) has no change object")
        change = rc["change"]
        raw_actions = change.get("actions")
        if type(raw_actions) is not list or not (  # one action, mostly: tested without a loop
                len(raw_actions) == 1 and type(raw_actions[0]) is str or all([type(a) is str for a in raw_actions])):
            raise InputError(shown, f"resource_changes[{position}] ({rc.get('address', '?')}): change.actions must be a list of strings")
        actions = tuple(raw_actions)
        if actions in SKIPPED_ACTIONS:
            continue
        rtype, address = rc.get("type"), rc.get("address")
        if not isinstance(rtype, str) or not isinstance(address, str):
            raise InputError(shown, f"resource_changes[{position}] lacks a type or an address")
        mode = rc.get("mode", "managed")
        resource = _resource(rc, change, actions, mode, config, sources, shown, line)
        if mode == "data":
            data_from_changes[resource.address] = resource
        else:
            resources.append(resource)
    data = _data_sources(doc, data_from_changes, config, sources, shown, line)
    resources.extend(data)
    _keep_ids_with_their_owner(resources)
    # in a plan of one line, only the data sources whose address it writes otherwise are left
    _point_at_the_plan(data if one_line else resources, path, shown)
    return resources


# `"address": "<JSON string>"`; the string part cannot backtrack (a run of plain
# characters, then escapes each followed by a run: one way to match)
_ADDRESS = re.compile(r'"address"\s*:\s*"([^"\\\n]*(?:\\.[^"\\\n]*)*)"')


def _point_at_the_plan(resources: list[Resource], path: Path | None, shown: str) -> None:
    """Resources the .tf sources did not place get the plan's line for their address."""
    unplaced = [r for r in resources if r.location.line is None and r.location.file == shown]
    if not unplaced or path is None:
        return
    lines = address_lines(path)
    for r in unplaced:
        r.location.line = lines.get(r.address)


_ADDRESS_BYTES = re.compile(_ADDRESS.pattern.encode())
_CHUNK = 1 << 20  # bytes read at a time: a plan's text is never held whole a second time
_LONGEST_KEY = 1 << 16  # an `"address": "..."` longer than this is not looked for across chunks


def address_lines(path: Path) -> dict[str, int]:
    """Address -> line of its `"address"` key in a plan file: the one in
    `resource_changes` when there is one, else the first (planned_values, prior_state).
    Read in chunks: the parsed plan is in memory already, its text need not be."""
    from linter.loaders import in_memory

    first: dict[str, int] = {}
    in_changes: dict[str, int] = {}
    changes_at = -1  # where `"resource_changes"` is in the file
    line, start = 1, 0  # the line at `buf[0]`, and where `buf` starts in the file
    buf = b""
    try:
        data = in_memory(path)  # stdin, read already
        with (io.BytesIO(data) if data is not None else open(path, "rb")) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                buf += chunk
                if changes_at < 0 and (found := buf.find(b'"resource_changes"')) >= 0:
                    changes_at = start + found
                # keys that start in the tail may be cut off: they wait for the next chunk
                cut = max(0, len(buf) - _LONGEST_KEY) if chunk else len(buf)
                matches = list(_ADDRESS_BYTES.finditer(buf))
                while matches and matches[-1].start() >= cut:
                    matches.pop()
                if buf.find(b"\n", 0, cut) < 0:  # one line (as `terraform show -json` writes it): no counting
                    after = changes_at - start if changes_at >= 0 else len(buf)
                    split = bisect_right([m.start() for m in matches], after)
                    addresses = _addresses_text([m.group(1) for m in matches])
                    first.update((a, line) for a in addresses if a is not None and a not in first)
                    in_changes.update((a, line) for a in addresses[split:] if a is not None and a not in in_changes)
                    buf, start = buf[cut:], start + cut
                    if not chunk:
                        break
                    continue
                counted = 0
                for match in matches:
                    line += buf.count(b"\n", counted, match.start())
                    counted = match.start()
                    address = _address_text(match.group(1))
                    if address is None:
                        continue
                    first.setdefault(address, line)
                    if 0 <= changes_at < start + match.start():
                        in_changes.setdefault(address, line)
                line += buf.count(b"\n", counted, cut)
                buf, start = buf[cut:], start + cut
                if not chunk:
                    break
    except OSError:
        return {}
    return first | in_changes


# printable ASCII but `"` and `\`: a JSON string of only these reads as it is written
_PLAIN = bytes(c for c in range(0x20, 0x7F) if c not in b'"\\')
_PLAIN_OR_NEWLINE = _PLAIN + b"\n"


def _addresses_text(raws: list[bytes]) -> list[str | None]:
    """`_address_text` of each, in bulk when they are all plain (most plans: one test)."""
    joined = b"\n".join(raws)
    if not joined.replace(b'\\"', b"").translate(None, _PLAIN_OR_NEWLINE):
        # plain ASCII, every backslash escaping a quote: the lines are the addresses
        return list(joined.replace(b'\\"', b'"').decode("ascii").split("\n")) if raws else []
    return [_address_text(raw) for raw in raws]


def _address_text(raw: bytes) -> str | None:
    """The text of a JSON string's body (None: not a valid one). Addresses are
    plain ASCII with `\\"` around instance keys (`module.a[\\"x\\"]`): those are
    read directly, anything else by the JSON decoder."""
    if not raw.translate(None, _PLAIN):
        return raw.decode("ascii")
    if not raw.replace(b'\\"', b"").translate(None, _PLAIN):  # every backslash escapes a quote
        return raw.replace(b'\\"', b'"').decode("ascii")
    try:
        text: str = json.loads(b'"' + raw + b'"')
        return text
    except ValueError:
        return None


def _keep_ids_with_their_owner(resources: list[Resource]) -> None:
    """One id, one resource: attachments and policies often carry their parent's
    id (`aws_sqs_queue_policy.id` is the queue URL, `aws_s3_bucket_policy.id` the
    bucket name). The owner is the managed resource with the shortest type
    (`aws_sqs_queue` before `aws_sqs_queue_policy`); the others lose the key,
    so `index.by_id` never depends on the order of the plan."""
    first: dict[str, tuple[Resource, str]] = {}  # id -> its first claim
    claims: dict[str, list[tuple[Resource, str]]] = {}  # id -> every claim, for ids claimed twice
    for r in resources:
        meta = r.meta
        for key in _ID_KEYS:
            value = meta.get(key)
            if value:
                claim = (r, key)
                earlier = first.setdefault(value, claim)
                if earlier is not claim:
                    claims.setdefault(value, [earlier]).append(claim)
    for owners in claims.values():
        best = min(owners, key=lambda o: (o[0].type.startswith("data."), len(o[0].raw_type or o[0].type)))[0]
        for r, key in owners:
            if r is not best:
                del r.meta[key]


# ----------------------------------------------------------- configuration
class ConfigIndex:
    """Configuration resources by module-path-without-keys + relative address."""

    def __init__(self, configuration: Any, plan_variables: Any = None):
        self.present = isinstance(configuration, dict)
        self.plan_variables: dict[str, Any] = plan_variables if isinstance(plan_variables, dict) else {}
        self.root_variables: dict[str, Any] = {}
        self.resources: dict[str, dict[str, Any]] = {}
        self.module_calls: dict[str, dict[str, Any]] = {}  # "module.a.module.b" -> module call
        self.root_addresses: list[str] = []
        self._module_keys: dict[str, str] = {}
        self._blocks: dict[str, _Block | None] = {}
        self._expanded: dict[tuple[Any, ...], list[str]] = {}
        self._defaults: dict[tuple[str, str | None], tuple[str, Any] | None] = {}
        # id(block) -> (the block, kept alive for its id; `known_at_plan` of it)
        self._known: dict[int, tuple[_Block, dict[str, tuple[str, ...]]]] = {}
        # (id(expression), module) -> qualified references; expressions live as long as the document
        self.qualified: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        if self.present:
            root = configuration.get("root_module")
            if isinstance(root, dict):
                self._walk(root, "")
                self.root_addresses = [
                    r["address"] for r in root.get("resources") or []
                    if isinstance(r, dict) and isinstance(r.get("address"), str)
                ]
                if isinstance(root.get("variables"), dict):
                    self.root_variables = root["variables"]

    def _walk(self, module: dict[str, Any], prefix: str) -> None:
        for res in module.get("resources") or []:
            if isinstance(res, dict) and isinstance(res.get("address"), str):
                self.resources[prefix + res["address"]] = res
        calls = module.get("module_calls") or {}
        if isinstance(calls, dict):
            for name, call in calls.items():
                if isinstance(call, dict):
                    self.module_calls[f"{prefix}module.{name}"] = call
                    child = call.get("module")
                    if isinstance(child, dict):
                        self._walk(child, f"{prefix}module.{name}.")

    def calls(self, module: str) -> bool:
        """Whether the configuration holds the call of `module` (so its variables can be followed)."""
        return self._module_key(module) in self.module_calls

    def _module_key(self, module: str) -> str:
        """An address without its instance keys (remembered: every instance asks)."""
        key = self._module_keys.get(module)
        if key is None:
            key = self._module_keys[module] = strip_instance_keys(module)
        return key

    def expand_all(self, pairs: tuple[Any, ...], module: str | None, depth: int = 0) -> tuple[str, ...]:
        if len(pairs) == 1:
            return tuple(self.expand(pairs[0][0], pairs[0][1], module, depth))
        out: list[str] = []
        for ref, is_resource in pairs:
            for item in self.expand(ref, is_resource, module, depth):
                if item not in out:
                    out.append(item)
        # Terraform lists `module.vpc` beside `module.vpc.private_subnets`: the
        # bare module reference adds nothing once an output was followed
        followed = {r for r, _ in pairs if r.startswith("module.") and resource_ref(r) is not None}
        if followed:
            bare = {".".join(_split_ref(r)[:2]) for r in followed}
            out = [r for r in out if r not in {qualify(b, module) for b in bare} and r not in bare]
        return tuple(out)

    def expand(self, ref: str, is_resource: bool, module: str | None, depth: int = 0) -> list[str]:
        """One reference -> qualified references, following outputs and module variables."""
        key = (ref, is_resource, module)
        hit = self._expanded.get(key)
        if hit is not None:
            return hit
        out = self._expand(ref, is_resource, module, depth)
        self._expanded[key] = out
        return out

    def _expand(self, ref: str, is_resource: bool, module: str | None, depth: int) -> list[str]:
        plain = [qualify(ref, module) if is_resource else ref]
        if depth > 8:
            return plain
        parts = _split_ref(ref)
        if is_resource and parts[0] == "module" and len(parts) >= 3:
            call_address = qualify(f"module.{parts[1]}", module)
            call = self.module_calls.get(self._module_key(call_address))
            outputs = (call.get("module") or {}).get("outputs") if call else None
            output = outputs.get(parts[2]) if isinstance(outputs, dict) else None
            expr = output.get("expression") if isinstance(output, dict) else None
            if not isinstance(expr, dict):
                return plain
            return list(self.expand_all(_unqualified_refs(expr), call_address, depth + 1)) or plain
        if not is_resource and parts[0] == "var" and len(parts) >= 2 and module:
            call = self.module_calls.get(self._module_key(module))
            exprs = call.get("expressions") if call else None
            expr = exprs.get(parts[1]) if isinstance(exprs, dict) else None
            if not isinstance(expr, dict):
                return plain
            return list(self.expand_all(_unqualified_refs(expr), _parent_module(module), depth + 1)) or plain
        return plain

    def variable_default(self, name: str, module: str | None, depth: int = 0) -> tuple[str, Any] | None:
        """(`var.name` as written where its default applies, the default) when the
        variable `name` of `module` was left to its default; else None."""
        key = (name, module)
        if key not in self._defaults:
            self._defaults[key] = self._variable_default(name, module, depth)
        return self._defaults[key]

    def _variable_default(self, name: str, module: str | None, depth: int) -> tuple[str, Any] | None:
        if depth > 8:
            return None
        if not module:
            declared = self.root_variables.get(name)
            if not isinstance(declared, dict) or "default" not in declared:
                return None
            planned = self.plan_variables.get(name)
            if isinstance(planned, dict) and "value" in planned and planned["value"] != declared["default"]:
                return None
            return f"var.{name}", declared["default"]
        given = self._passed_to(name, module)
        if given is None:
            return None
        passed, declared = given
        if passed is None:
            if isinstance(declared, dict) and "default" in declared:
                # the fix is an argument of the call
                called = module.rsplit("module.", 1)[-1].split("[", 1)[0]
                return f'var.{name}; module "{called}" does not set it', declared["default"]
            return None
        pairs = _unqualified_refs(passed) if isinstance(passed, dict) else ()
        if len(pairs) == 1 and not pairs[0][1] and pairs[0][0].startswith("var."):
            return self.variable_default(pairs[0][0][4:], _parent_module(module), depth + 1)
        return None

    def block(self, rc: dict[str, Any], module: str | None) -> "_Block | None":
        """The configuration block of a resource change in `module` (None if unknown),
        worked out once for all its instances."""
        if not self.present:
            return None
        rel = rc["address"]
        if module and rel.startswith(module + "."):
            rel = rel[len(module) + 1:]
        if "[" in rel:
            rel = self._module_key(rel)
        key = self._module_key(module) + "." + rel if module else rel
        if key in self._blocks:
            return self._blocks[key]
        res = self.resources.get(key)
        exprs = res.get("expressions") if res is not None else None
        block = self._blocks[key] = None if res is None else _Block.of(exprs if isinstance(exprs, dict) else {},
                                                                          res.get("for_each_expression"), res.get("type"))
        return block

    def known_at_plan(self, block: "_Block", module: str | None) -> dict[str, tuple[str, ...]]:
        """The references of a block's expressions (as its unknown values carry them) that
        terraform knows at plan, each with every string its value may be made from: the map
        keys, strings, numbers and bools of the variables it comes from (a root variable's
        planned value; a module variable's value as its call passes it, or its default).
        `{"var.queues": ("jobs", "mail", "true"), "each.key": ("jobs", "mail", "true")}`.

        A known part of an unknown value names another resource, if at all, by a string made
        from these: what a rule needs to follow `each.value.dlq ? jsonencode({...
        aws_sqs_queue.dlq[each.key].arn}) : null`, unknown in the plan whichever branch was
        taken. `each.*` is known when the block's `for_each` reads variables alone;
        `count.index` is, and a name made with it holds one of the ten digits. A variable
        holding more strings than `_KNOWN_STRINGS_MAX` is left out, as is one passed
        anything but variables and constants. A variable's value is the plan's, which
        leaves out the defaults of optional object attributes: a name made from one of
        those alone is not told, but such a name is unknown in a plan only when it is made
        with a value that is not known yet (a data source read at apply)."""
        hit = self._known.get(id(block))
        if hit is not None:
            return hit[1]
        found: dict[str, tuple[str, ...] | None] = {}

        def add(ref: str, strings: tuple[str, ...] | None) -> None:
            before = found.get(ref, ())
            found[ref] = None if before is None or strings is None else tuple(dict.fromkeys(before + strings))

        each: tuple[str, ...] | None = None
        if block.for_each is not None:
            each = self._strings_read(_unqualified_refs(block.for_each), module)
        for _, expr in block.refs:
            for ref, is_resource in _unqualified_refs(expr):
                if is_resource:
                    continue
                if ref == "count.index":
                    add(ref, _DIGITS)  # a name made with an index holds one of its digits
                elif ref.startswith("each."):
                    add(ref, each)
                elif ref.startswith("var."):
                    strings = self._strings_read(((ref, False),), module)
                    # as `_refs_of` carries it: a module's variable followed to its caller's
                    for carried in (self.expand(ref, False, module) if module and self.module_calls else [ref]):
                        if resource_ref(carried) is None:
                            add(carried, strings)
        out = {ref: strings for ref, strings in found.items() if strings is not None}
        self._known[id(block)] = (block, out)
        return out

    def _strings_read(self, pairs: tuple[tuple[str, bool], ...], module: str | None,
                      depth: int = 0) -> tuple[str, ...] | None:
        """The strings the variables `pairs` name may be made from (`_strings_of`); None
        when a reference is not a variable, or a variable is not followed."""
        found: tuple[str, ...] = ()
        for ref, is_resource in pairs:
            parts = _split_ref(ref)
            if is_resource or parts[0] != "var" or len(parts) < 2:
                return None
            strings = self._variable_strings(parts[1], module, depth)
            if strings is None:
                return None
            found += strings
        found = tuple(dict.fromkeys(found))
        return found if len(found) <= _KNOWN_STRINGS_MAX else None

    def _passed_to(self, name: str, module: str) -> tuple[Any, Any] | None:
        """(the expression the call of `module` passes its variable `name`, None when it
        passes none; the variable's declaration in the module); None when the configuration
        holds no such call."""
        call = self.module_calls.get(self._module_key(module))
        if not call:
            return None
        return (call.get("expressions") or {}).get(name), ((call.get("module") or {}).get("variables") or {}).get(name)

    def _variable_strings(self, name: str, module: str | None, depth: int) -> tuple[str, ...] | None:
        if depth > 8:
            return None
        if not module:
            planned = self.plan_variables.get(name)
            return _strings_of(planned["value"]) if isinstance(planned, dict) and "value" in planned else None
        given = self._passed_to(name, module)
        if given is None:
            return None
        passed, declared = given
        if passed is None:
            return _strings_of(declared.get("default")) if isinstance(declared, dict) else None
        if not isinstance(passed, dict):
            return None
        if "constant_value" in passed:
            return _strings_of(passed["constant_value"])
        pairs = _unqualified_refs(passed)
        return self._strings_read(pairs, _parent_module(module), depth + 1) if pairs else None


def _strings_of(value: Any) -> tuple[str, ...] | None:
    """Every map key, string, number and bool (as terraform writes them in a string) of a
    known value; None past `_KNOWN_STRINGS_MAX`."""
    found: dict[str, None] = {}
    stack = [value]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found[value] = None
        elif isinstance(value, bool):
            found["true" if value else "false"] = None
        elif isinstance(value, (int, float)):
            found[json.dumps(value)] = None
        elif isinstance(value, dict):
            found.update(dict.fromkeys(k for k in value if isinstance(k, str)))
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        if len(found) > _KNOWN_STRINGS_MAX:
            return None
    return tuple(found)


def _parent_module(module: str) -> str | None:
    """`module.a["x"].module.b` -> `module.a["x"]`; `module.a` -> None (the root)."""
    parts = _split_ref(module)
    return ".".join(parts[:-2]) or None


def _expr_at(exprs: Any, path: list[Any]) -> Any:
    """The configuration expression for an attribute path (blocks are lists)."""
    cur = exprs
    for part in path:
        if isinstance(cur, dict) and ("references" in cur or "constant_value" in cur):
            return cur  # a whole-attribute expression covers everything below it
        if isinstance(part, int):
            if isinstance(cur, list):
                cur = cur[part] if part < len(cur) else (cur[0] if cur else None)
            # a dict here is a single nested object: the index reads through
        elif isinstance(cur, list):
            cur = cur[0] if cur else None
            cur = cur.get(part) if isinstance(cur, dict) else None
        elif isinstance(cur, dict):
            cur = cur.get(part)
        else:
            return None
        if cur is None:
            return None
    return cur


def _written(exprs: Any, parts: list[str]) -> bool:
    """The user wrote this attribute (or a whole expression covering it)."""
    cur = exprs
    for i, part in enumerate(parts):
        if isinstance(cur, dict) and ("references" in cur or "constant_value" in cur):
            return True
        if isinstance(cur, list):  # nested blocks: written in any of them
            return any(_written(item, parts[i:]) for item in cur)
        if not isinstance(cur, dict) or part not in cur:
            return False
        cur = cur[part]
    return True


# References are worked out once per configuration expression (shared by every
# instance of a module or counted resource), then qualified per module instance.
class _Refs(NamedTuple):
    """What an expression references, before it is qualified with a module path."""

    pairs: tuple[tuple[str, bool], ...]  # (reference, names a resource)
    outputs: bool  # a module's output (`module.vpc.private_subnets`): followed through the configuration
    variables: bool  # a variable (`var.subnet_ids`): followed when the expression is in a child module


_REFS_CACHE: dict[int, tuple[Any, _Refs]] = {}  # id -> (expression, what it references)


def _references(expr: Any) -> _Refs:
    """What an expression references, cached by identity."""
    key = id(expr)
    hit = _REFS_CACHE.get(key)
    if hit is not None and hit[0] is expr:
        return hit[1]
    found: list[tuple[str, bool]] = []
    _collect_refs(expr, found)
    result = _Refs(tuple(found), any(is_resource and ref.startswith("module.") for ref, is_resource in found),
                   any(not is_resource and ref.startswith("var.") for ref, is_resource in found))
    _REFS_CACHE[key] = (expr, result)
    return result


def _unqualified_refs(expr: Any) -> tuple[tuple[str, bool], ...]:
    """(reference, names a resource) pairs of an expression, cached by identity."""
    return _references(expr).pairs


def _collect_refs(expr: Any, found: list[Any]) -> None:
    if isinstance(expr, dict):
        refs = expr.get("references")
        if isinstance(refs, list):
            for ref in refs:
                if not isinstance(ref, str):
                    continue
                address = resource_ref(ref)
                item = (address, True) if address else (ref, False)
                if item not in found:
                    found.append(item)
            return
        for value in expr.values():
            if isinstance(value, (dict, list)):
                _collect_refs(value, found)
    elif isinstance(expr, list):
        for item in expr:
            _collect_refs(item, found)


def _refs_of(expr: Any, module: str | None, config: "ConfigIndex | None" = None) -> tuple[str, ...]:
    """Addresses an expression references, qualified; non-resource references kept as written.

    With the configuration, module outputs (`module.vpc.private_subnets`) and a
    child module's variables (`var.subnet_ids`) are followed to the resources
    they come from.
    """
    if config is not None and config.module_calls:
        key = (id(expr), module)
        hit = config.qualified.get(key)
        if hit is None:
            refs = _references(expr)
            if not refs.outputs and not (module and refs.variables):
                # nothing to follow (no module output, no module variable): what expand_all
                # gives, qualified where written, without asking for each reference
                hit = tuple(dict.fromkeys([f"{module}.{ref}" if is_resource and module else ref
                                           for ref, is_resource in refs.pairs]))
            else:
                hit = config.expand_all(refs.pairs, module)
            config.qualified[key] = hit
        return hit
    pairs = _unqualified_refs(expr)
    if not module:
        return tuple(ref for ref, _ in pairs)
    return tuple(f"{module}.{ref}" if is_resource else ref for ref, is_resource in pairs)


class _Block(NamedTuple):
    """What a configuration block's expressions say, shared by all its instances."""

    exprs: dict[str, Any]  # its `expressions`
    refs: list[tuple[str, Any]]  # (attribute path, expression) of those with references
    variables: list[tuple[str, str]]  # (attribute path, variable) of those that are one `var.` reference only
    for_each: Any  # its `for_each_expression`, if it has one
    # (path, its parts, the documented default) of the attributes whose default the rules know
    # that the block does not write (`_unwritten`)
    unwritten: tuple[tuple[str, tuple[str, ...], Any], ...] = ()

    @classmethod
    def of(cls, exprs: dict[str, Any], for_each: Any = None, rtype: Any = None) -> "_Block":
        refs: list[tuple[str, Any]] = []
        _refs_walk(exprs, "", refs)
        variables = []
        for path, expr in refs:
            pairs = _unqualified_refs(expr)
            if len(pairs) == 1 and not pairs[0][1] and pairs[0][0].startswith("var."):
                variables.append((path, pairs[0][0][4:]))
        unwritten = tuple((path, parts, fact_default(rtype, path)) for path, parts in _fact_paths(rtype)
                          if _not_written(exprs, parts)) if isinstance(rtype, str) else ()
        return cls(exprs, refs, variables, for_each if isinstance(for_each, dict) else None, unwritten)


def _refs_map(block: _Block | None, module: str | None, config: "ConfigIndex | None" = None) -> dict[str, list[str]]:
    if block is None:
        return {}
    return {path: list(_refs_of(expr, module, config)) for path, expr in block.refs}


def _from_variable_default(attrs: dict[str, Any], variables: list[tuple[str, str]], module: str | None,
                           config: "ConfigIndex") -> dict[str, str]:
    """Attribute paths whose value is a variable's default (`{"multi_az": "var.multi_az"}`).

    The expression references exactly one variable (`variables`: its path and name), the
    variable was left to its default (a root variable whose planned value equals its
    default, or a module variable the call does not set) and the planned value equals it.
    """
    out: dict[str, str] = {}
    for path, name in variables:
        found = config.variable_default(name, module, 0)
        if found is None:
            continue
        origin, default = found
        value = lookup(attrs, path)
        if value is not None and type(value) is type(default) and not contains_unknown(value) and value == default:
            out[path] = origin
    return out


def _refs_walk(exprs: Any, prefix: str, found: list[Any]) -> None:
    if isinstance(exprs, dict):
        if "references" in exprs or "constant_value" in exprs:
            if prefix and exprs.get("references"):
                found.append((prefix, exprs))
            return
        for key, value in exprs.items():
            _refs_walk(value, f"{prefix}.{key}" if prefix else key, found)
    elif isinstance(exprs, list):
        for i, item in enumerate(exprs):
            _refs_walk(item, f"{prefix}.{i}" if i else prefix, found)


# ----------------------------------------------------------- attributes
def _merge_unknown(after: Any, unknown: Any, exprs: Any, path: list[Any], module: str | None,
                   config: "ConfigIndex | None" = None) -> Any:
    """Put `Unknown` wherever `after_unknown` says true; returns the merged value."""
    if unknown is True:
        expr = _expr_at(exprs, path) if exprs is not None else None
        return _unknown(expr, module, config)
    if isinstance(unknown, dict):
        if not isinstance(after, dict):
            after = {}
        top = not path
        for key, sub in unknown.items():
            if sub is True and top:  # the common case, without walking a path
                expr = exprs.get(key) if exprs else None
                # nothing written (an id, an ARN): no references to carry, no call to make
                after[key] = UNKNOWN if expr is None else _unknown(expr, module, config)
                continue
            if not sub:  # false, {} or []
                continue
            path.append(key)
            after[key] = _merge_unknown(after.get(key), sub, exprs, path, module, config)
            path.pop()
        return after
    if isinstance(unknown, list):
        if not isinstance(after, list):
            after = []
        for i, sub in enumerate(unknown):
            if not sub:
                continue
            while len(after) <= i:
                after.append(None)
            path.append(i)
            after[i] = _merge_unknown(after[i], sub, exprs, path, module, config)
            path.pop()
        if exprs is not None and any(isinstance(v, Unknown) for v in after):
            # a list with unknown elements whose expression is one reference
            # list (`[aws_subnet.a.id, aws_subnet.b.id]`): one Unknown carrying
            # every reference, so `index.resolve_many` sees the whole graph
            expr = _expr_at(exprs, path)
            if isinstance(expr, dict) and "references" in expr:
                return Unknown(None, _refs_of(expr, module, config))
        return after
    return after


def _unknown(expr: Any, module: str | None, config: "ConfigIndex | None") -> Unknown:
    if expr is None:
        return UNKNOWN  # nothing written: no references to carry
    refs = _refs_of(expr, module, config)
    return Unknown(None, refs) if refs else UNKNOWN


@functools.lru_cache(maxsize=1024)
def _optional_computed(rtype: str) -> tuple[tuple[str, list[str]], ...]:
    """(path, its parts) of a type's Optional+Computed attributes: asked per resource."""
    return tuple((dotted, dotted.split(".")) for dotted in optional_computed(rtype))


def _default_unset_computed(rtype: str, attrs: dict[str, Any], exprs: dict[str, Any] | None,
                            module: str | None, config: ConfigIndex) -> dict[str, str | None]:
    """rules.md §0.2: unknown Optional+Computed attributes the user never wrote become absent,
    as do those written as an expression of variables alone: terraform knows its value at
    plan, so an unknown `after` says it was null (`multi_az = var.multi_az`, default null),
    which leaves the attribute to the provider as if it were not written. Path -> where the
    null came from (None: not written)."""
    paths = _optional_computed(rtype)
    if not paths or exprs is None:
        return {}
    done: dict[str, str | None] = {}
    for dotted, parts in paths:
        origin = None
        if _written(exprs, parts):
            origin = _null_at_plan(exprs.get(parts[0]), module, config) if len(parts) == 1 else None
            if origin is None:
                continue
        if _drop_unknown(attrs, parts):
            done[dotted] = origin
    return done


def _null_at_plan(expr: Any, module: str | None, config: ConfigIndex) -> str | None:
    """Where the value came from, when the expression's value is known at plan: it reads
    variables alone (the root's are given; a module's are followed to its caller's
    expressions) and count.index. Then an unknown planned value can only be a null the
    provider filled. A local, `each`, a resource or a data source (or no reference at all:
    `uuid()`) may be unknown: None."""
    if not isinstance(expr, dict) or "references" not in expr or module and not config.calls(module):
        return None  # a module's variables not followed: what its caller passes is not known
    refs = _refs_of(expr, module, config)
    if not refs or not all(ref.startswith("var.") or ref == "count.index" for ref in refs):
        return None
    variables = [ref for ref in refs if ref.startswith("var.")]
    # `var.db.multi_az` beside `var.db`: the longest names what was read
    shown = [ref for ref in variables if not any(other.startswith(ref + ".") for other in variables)]
    return "the value of " + ", ".join(shown) if shown else None


# where a planned value the configuration does not write came from, when it is not the
# provider's default (for an object that exists: its current value, or a default)
UNWRITTEN = "not written in the configuration"
_SCALARS = frozenset((str, bool, int, float))


@functools.lru_cache(maxsize=1024)
def _fact_paths(rtype: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(path, its parts) of the attributes whose default the rules know."""
    return tuple((path, tuple(path.split("."))) for path in fact_paths(rtype))


def _not_written(exprs: dict[str, Any], parts: tuple[str, ...]) -> bool:
    """The block's expressions do not write the attribute, and every block holding it is
    written once: a plan's configuration leaves `dynamic` blocks out, so a block it does not
    show (or one of several) may be written there."""
    written: Any = exprs
    for part in parts[:-1]:
        written = written.get(part)
        if not isinstance(written, list) or len(written) != 1 or not isinstance(written[0], dict) \
                or "references" in written[0] or "constant_value" in written[0]:  # an expression writes it whole
            return False
        written = written[0]
    return parts[-1] not in written


def _unwritten(block: "_Block", attrs: dict[str, Any], creating: bool) -> dict[str, str]:
    """The attributes of `block.unwritten` that `attrs` holds as a known scalar (within
    blocks the plan holds one of), path as `origin_of` looks it up -> where the value came
    from: the provider's default for a new object, and for one that exists when it is the
    table's default, so a message says `multi_az is unset and defaults to false`, as the
    HCL one does, not `multi_az = false`."""
    out: dict[str, str] = {}
    for path, parts, default in block.unwritten:
        value: Any = attrs.get(parts[0])
        for part in parts[1:]:
            if type(value) is list and len(value) == 1:  # a nested block
                value = value[0]
            value = value.get(part) if type(value) is dict else None
        if type(value) in _SCALARS:
            out[path] = PROVIDER_DEFAULT if creating or type(value) is type(default) and value == default else UNWRITTEN
    return out


def _drop_unknown(cur: Any, parts: list[str]) -> bool:
    if isinstance(cur, list):
        return any([_drop_unknown(item, parts) for item in cur])
    if not isinstance(cur, dict) or parts[0] not in cur:
        return False
    if len(parts) == 1:
        if isinstance(cur[parts[0]], Unknown) or _all_unknown(cur[parts[0]]):
            del cur[parts[0]]
            return True
        return False
    return _drop_unknown(cur[parts[0]], parts[1:])


def _all_unknown(value: Any) -> bool:
    """A block whose every leaf is unknown (a computed block nobody wrote)."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return bool(value) and all(_all_unknown(v) for v in value)
    if isinstance(value, dict):
        # an Unknown refuses comparisons: test it first (`v != []` would raise)
        leaves = [v for v in value.values()
                  if isinstance(v, Unknown) or (v is not None and v != [] and v != {})]
        return bool(leaves) and all(_all_unknown(v) for v in leaves)
    return False


def _resource(rc: dict[str, Any], change: dict[str, Any], actions: tuple[Any, ...], mode: str, config: ConfigIndex,
              sources: "SourceMap | None", shown: str, line: int | None) -> Resource:
    rtype, address = rc["type"], rc["address"]
    module = rc.get("module_address") or None
    block = config.block(rc, module)
    exprs = block.exprs if block is not None else None
    after = change.get("after")
    attrs = after if isinstance(after, dict) else {}
    unknown = change.get("after_unknown")
    if unknown:
        attrs = _merge_unknown(attrs, unknown, exprs, [], module, config)
        if not isinstance(attrs, dict):
            attrs = {}
    managed = mode != "data"
    meta = ids_and_module(attrs, rtype, module, rc.get("index"))
    # only a new object takes the API default; an update keeps the prior value
    if managed and "create" in actions:
        unset = _default_unset_computed(rtype, attrs, exprs, module, config)
        if unset:
            meta["unset_computed"] = list(unset)
            origins = {path: origin for path, origin in unset.items() if origin}
            if origins:  # written as a null: where it came from (`rules._values.origin_of`)
                meta["value_origin"] = origins
    if managed and block is not None and block.unwritten:
        unwritten = _unwritten(block, attrs, "create" in actions)
        if unwritten:  # a rule's message says the user never wrote it (`rules._values.origin_of`)
            meta["value_origin"] = {**unwritten, **meta.get("value_origin", {})}
    if block is not None and block.refs:
        known = config.known_at_plan(block, module)
        if known:
            meta["known_at_plan"] = known
    if managed and block is not None and block.variables:
        origins = _from_variable_default(attrs, block.variables, module, config)
        if origins:
            meta["from_variable_default"] = origins
    before = change.get("before")
    if not isinstance(before, dict):
        before = None
    elif "delete" not in actions:
        # ids stay findable while the new ones are unknown (updates in place)
        for key in _ID_KEYS:
            if key not in meta:
                value = before.get(key)
                if isinstance(value, str) and value and (key != "arn" or rtype not in ARN_OF_ANOTHER_RESOURCE):
                    meta[key] = value
    resource = Resource(  # positional: made 10,000s of times, and keywords cost a third of it
        rtype if managed else f"data.{rtype}",  # type
        address,
        attrs,
        Location(shown, line),
        "tfplan",  # source_format
        str(rc.get("name") or ""),  # name
        None,  # namespace
        Change(actions, before),
        rtype,  # raw_type
        _refs_map(block, module, config),  # refs
        meta=meta,
    )
    if sources is not None:
        _locate(resource, sources, module, rc)
    return resource


def ids_and_module(attrs: dict[str, Any], rtype: str, module: str | None, index: Any) -> dict[str, Any]:
    """A plan or state resource's first `meta`: its known ids (for `index.by_id`), module and instance key."""
    meta: dict[str, Any] = {}
    for key in _ID_KEYS:
        value = attrs.get(key)
        if isinstance(value, str) and value:
            if key != "arn" or rtype not in ARN_OF_ANOTHER_RESOURCE:
                meta[key] = value
    meta["module"] = module
    meta["index"] = index
    return meta


# ----------------------------------------------------------- data sources
def _data_sources(doc: dict[str, Any], from_changes: dict[str, Resource], config: ConfigIndex,
                  sources: "SourceMap | None", shown: str, line: int | None) -> list[Resource]:
    """Data sources read during plan (`prior_state`), and those read during apply. `line`:
    the line of an address the plan writes as it is (a plan of one line), else None."""
    out: dict[str, Resource] = {}
    prior = doc.get("prior_state")
    values = prior.get("values") if isinstance(prior, dict) else None
    root = values.get("root_module") if isinstance(values, dict) else None
    if isinstance(root, dict):
        stack = [root]
        while stack:
            module = stack.pop()
            for res in module.get("resources") or []:
                if not isinstance(res, dict) or res.get("mode") != "data":
                    continue
                address, rtype = res.get("address"), res.get("type")
                if not isinstance(address, str) or not isinstance(rtype, str):
                    continue
                values = res.get("values")
                attrs: dict[str, Any] = values if isinstance(values, dict) else {}
                module_address = module.get("address") or None
                full = _full_address(address, module_address, res.get("index"))
                r = Resource(
                    type=f"data.{rtype}", address=full, attrs=attrs,
                    location=Location(shown, line if full == address else None), source_format="tfplan",
                    name=str(res.get("name") or ""), raw_type=rtype,
                    meta=ids_and_module(attrs, rtype, module_address, res.get("index")),
                )
                address = full
                if sources is not None:
                    _locate(r, sources, module_address, {"address": address, "module_address": module_address})
                out[address] = r
            stack.extend(m for m in module.get("child_modules") or [] if isinstance(m, dict))
    # a data source read during apply (resource_changes "read") is the current view
    out.update(from_changes)
    return list(out.values())


def _full_address(address: str, module: str | None, index: Any) -> str:
    """Old state formats (Terraform 0.12) write child-module addresses relative
    and without the instance key: make them full."""
    if module and not address.startswith(module + "."):
        address = f"{module}.{address}"
    if index is not None and not address.endswith("]"):
        address += f"[{json.dumps(index)}]"
    return address


# ----------------------------------------------------------- locations
def _source_map(path: Path, options: dict[str, Any], config: ConfigIndex) -> SourceMap | None:
    sources = _find_sources(path, options, config)
    if sources is not None:
        # the HCL loader leaves this root to the plan (no finding twice)
        options.setdefault(COVERED_BY_PLAN, set()).add(os.path.realpath(sources.root))
    return sources


def _find_sources(path: Path, options: dict[str, Any], config: ConfigIndex) -> SourceMap | None:
    tf_root = options.get("tf_root")
    if tf_root:
        root = Path(tf_root)
        return SourceMap(root) if os.path.isdir(root) else None
    directory = Path(path).parent
    try:
        has_tf = any(p.suffix in HCL_SUFFIXES for p in directory.iterdir())
    except OSError:
        return None
    if not has_tf:
        return None
    sources = SourceMap(directory)
    # the plan sits in its root only if the root module's resources are there
    wanted = [a for a in config.root_addresses if isinstance(a, str)]
    if not wanted and not config.module_calls:
        return None
    scanned = sources._scan_dir(directory)
    if scanned["duplicates"] or any(strip_instance_keys(a) not in scanned["blocks"] for a in wanted):
        return None
    return sources


def _locate(resource: Resource, sources: SourceMap, module: str | None, rc: dict[str, Any]) -> None:
    from linter.loaders import display_path

    rel = rc["address"]
    if module and rel.startswith(module + "."):
        rel = rel[len(module) + 1:]
    found = sources.find(module_names(module), strip_instance_keys(rel))
    if found is None:
        return
    file, line, text = found
    resource.location = Location(display_path(file), line)
    resource.line_of = functools.partial(_attribute_line, text, line)  # picklable (parallel loading)


def _attribute_line(text: str, block_line: int, path: str) -> int | None:
    """The attribute's line from the parsed block (tree-sitter-hcl, only for findings), else by scanning the text."""
    from linter.loaders.hcl import line_in_block

    return line_in_block(text, block_line, path) or attribute_line(text, block_line, path)
