"""Pulumi: stack exports, checkpoints, previews, engine event logs, saved plans.

Every format carries the same thing: resource states (`urn`, `type`, `inputs`,
`outputs`, `propertyDependencies`, `sourcePosition`). They are found by
content, not by file name:

    stack export  {"version": 3, "deployment": {"resources": [...]}}
    checkpoint    {"version": 3, "checkpoint": {"latest": {"resources": [...]}}}
    preview       {"steps": [{"op", "urn", "oldState", "newState"}]}   (pulumi preview --json)
    event log     NDJSON, one engine event a line; resourcePreEvent /
                  resOutputsEvent carry metadata.{op, old, new}       (--event-log, --json)
    saved plan    {"resourcePlans": {urn: {"goal": {...inputDiff}, "steps", "state"}}}
                  (pulumi preview --save-plan)

Normalisation (rules never see Pulumi's shape): the type token becomes the
canonical type (linter.normalize.tokens); bridged cloud properties become
Terraform names (linter.normalize.names); Kubernetes objects stay exactly as
YAML gives them. Unknown sentinels and secrets are `Unknown` (rules.md §0.1),
carrying the addresses the input was computed from (`propertyDependencies`).
Bookkeeping keys (`__defaults`, `__meta`, ...) are dropped.

Rules read `inputs`. Where the source also records outputs (deployed state,
or a step's planned state), known output values fill attributes the inputs
leave out, as a Terraform plan's `after` does for an existing resource: a
stack export of an RDS instance deployed without `backupRetentionPeriod`
says what AWS actually runs (0). Unknown outputs never fill anything, so an
attribute the program did not set stays absent and takes its default. What
the program does not set is noted in `meta["value_origin"]`: what an object's
`__defaults` lists, and a filled value that is the documented default, as the
provider's default (messages word it as unset), another filled value as the
provider's (`_not_in_program`).

Previews are judged on the new state; regressions read `change.before`, the
normalised old state.

Addresses: the Terraform type plus the URN name (`aws_db_instance.orders`);
Kubernetes objects as in YAML (`Deployment/shop/web`). Lines: the resource's
`urn` line, or the attribute's line inside its (new) inputs; the program's
`sourcePosition` is kept in `meta` and noted on findings.
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from linter import attribute_facts
from linter.index import ARN_OF_ANOTHER_RESOURCE
from linter.model import PROVIDER_DEFAULT, Change, InputError, Location, Resource, Unknown
from linter.normalize.names import MAP_ATTRIBUTES, RENAMES, attribute_name, camel_to_snake, pulumi_name, snake_names
from linter.normalize.tokens import PULUMI_DEPLOYERS, canonical_type, kubernetes_token

# pulumi/pulumi sdk/go/common/resource/plugin/rpc.go and pulumi-policy proxy.py
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # a value of any type not known yet
UNKNOWN_SENTINELS = {
    UNKNOWN_VALUE,  # string / any
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # bool
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
}
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
MASKED_SECRET = "[secret]"  # how engine events print a secret


# step ops -> canonical change actions (None: the resource is going away)
_OP_ACTIONS: dict[str, tuple[str, ...] | None] = {
    "create": ("create",),
    "update": ("update",),
    "same": ("no-op",),
    "refresh": ("no-op",),
    "replace": ("delete", "create"),
    "create-replacement": ("delete", "create"),
    "import": ("import",),
    "import-replacement": ("delete", "create"),
    "read": ("read",),
    "read-replacement": ("read",),
    "delete": None,
    "delete-replacement": None,
    "discard": None,
    "discard-replacement": None,
    "remove-pending-replace": None,
}


@dataclass
class State:
    """One resource as a Pulumi document records it (apitype.ResourceV3)."""

    urn: str
    type: str
    inputs: dict[str, Any] | None
    outputs: dict[str, Any] | None = None
    custom: bool = True
    id: str | None = None
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    # every resource this one depends on (URNs), explicit `dependsOn` included
    dependencies: list[str] = field(default_factory=list)
    source_position: str | None = None
    external: bool = False
    pending_delete: bool = False  # an old copy kept until its replacement is done
    # Kubernetes: the namespace, when metadata.namespace is not known yet (see _resolve_namespaces)
    namespace_override: str | None = None
    provider: str | None = None  # the provider resource's reference (`URN::ID`), when recorded

    @classmethod
    def from_json(cls, raw: Any, shown: str, where: str, line: int | None = None) -> "State":
        if not isinstance(raw, dict):
            raise InputError(shown, f"{where}: expected a resource object, got {type(raw).__name__}", line)
        urn, token = raw.get("urn"), raw.get("type")
        if not isinstance(urn, str) or not urn.startswith("urn:pulumi:"):
            raise InputError(shown, f"{where}: resource has no valid urn ({urn!r})", line)
        if not isinstance(token, str) or not token:
            token = urn_type(urn)
        inputs, outputs = raw.get("inputs"), raw.get("outputs")
        if inputs is not None and type(inputs) is not dict or outputs is not None and type(outputs) is not dict:
            for name, value in (("inputs", inputs), ("outputs", outputs)):
                if value is not None and not isinstance(value, dict):
                    raise InputError(shown, f"{where}: {name} of {urn} must be an object", line)
        deps = raw.get("propertyDependencies")
        # dependencies are URNs: anything else cannot name a resource, so it is dropped
        by_property = ({k: _urns(v) for k, v in deps.items() if isinstance(v, list)}
                       if deps and isinstance(deps, dict) else {})
        dependencies = raw.get("dependencies")
        ident, position = raw.get("id"), raw.get("sourcePosition")
        return cls(
            urn=urn,
            type=token,
            inputs=inputs,
            outputs=outputs,
            custom=bool(raw.get("custom", False)),
            id=ident if isinstance(ident, str) else None,
            property_dependencies=by_property,
            dependencies=_urns(dependencies) if dependencies and isinstance(dependencies, list) else [],
            source_position=position if isinstance(position, str) else None,
            external=bool(raw.get("external", False)),
            pending_delete=raw.get("delete") is True,
            provider=provider if isinstance(provider := raw.get("provider"), str) else None,
        )


def _urns(values: list[Any]) -> list[str]:
    """The strings of a list (URNs), in order."""
    return [u for u in values if isinstance(u, str)]


# ------------------------------------------------------------------ entry points
def load_document(doc: Any, path: Path | str, shown: str, options: dict[str, Any] | None = None,
                  text: str | None = None) -> list[Resource]:
    """Resources of a parsed Pulumi JSON document (the format is found by content);
    `text`, the document's text when the caller has it, saves reading it again for lines."""
    if not isinstance(doc, dict):
        raise InputError(shown, "not a Pulumi document (expected a JSON object)")
    lines = _UrnLines(path, text)
    if "deployment" in doc:
        resources = _load_deployment(doc.get("deployment"), shown, lines, "deployment")
    elif "checkpoint" in doc:
        checkpoint = doc.get("checkpoint")
        if not isinstance(checkpoint, dict):
            raise InputError(shown, "checkpoint must be an object")
        if checkpoint.get("latest") is None:
            return []  # a stack that was never deployed
        resources = _load_deployment(checkpoint.get("latest"), shown, lines, "checkpoint.latest")
    elif "steps" in doc:
        resources = _load_preview(doc, shown, lines)
    elif "resourcePlans" in doc:
        resources = _load_plan(doc, shown, lines)
    else:
        raise InputError(shown, "not a Pulumi document: expected deployment, checkpoint, steps or resourcePlans")
    for res in resources:
        res.line_of = functools.partial(lines.attribute_line, res)  # picklable (parallel loading)
    releases = [res for res in resources if res.raw_type in PULUMI_DEPLOYERS]
    program = _program_directory(Path(path)) if releases else None
    for res in releases if program is not None else ():  # a chart path starts there (loaders/pulumi_releases.py)
        res.meta.update(program_directory=program, program_at=None)
    return resources


def _program_directory(document: Path) -> str | None:
    """Where the program of a Pulumi document that sits in its project's directory (a
    `Pulumi.yaml` beside it, any runtime: CI runs `pulumi preview --json > preview.json` there)
    runs: that directory, or the directory its `main` names; None elsewhere."""
    from linter.loaders import display_path, read_text
    from linter.loaders.kubernetes import read_yaml

    directory = document.parent
    for name in ("Pulumi.yaml", "Pulumi.yml"):
        if not os.path.isfile(directory / name):
            continue
        try:
            documents = read_yaml(read_text(directory / name, display_path(directory / name)), name)
        except (InputError, OSError):
            return None
        project = documents[0] if documents else None
        main = project.get("main") if isinstance(project, dict) else None
        if isinstance(main, str) and main and "\x00" not in main and os.path.isdir(directory / main):
            return str(Path(os.path.normpath(directory / main)))
        return str(directory)
    return None


def load_event_log(path: Path | str, shown: str, options: dict[str, Any] | None = None) -> list[Resource]:
    """An engine event stream (NDJSON): the last event about each resource wins."""
    from linter.loaders import read_text

    from linter.loaders.documents import constant_recorder, non_finite_number

    text = read_text(Path(path), shown)
    records: dict[str, _StepRecord] = {}
    saw_event = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        non_finite: list[str] = []
        try:
            event = json.loads(line, parse_constant=constant_recorder(non_finite))
        except json.JSONDecodeError as exc:
            raise InputError(shown, f"invalid JSON in event log: {exc.msg} (column {exc.colno})", number) from None
        except ValueError:  # an integer of thousands of digits
            from linter.loaders import huge_number

            raise huge_number(line, shown, number) from None
        except RecursionError:
            from linter.loaders import NESTED_TOO_DEEPLY

            raise InputError(shown, NESTED_TOO_DEEPLY, number) from None
        if not isinstance(event, dict):
            raise InputError(shown, "each line of an event log must be a JSON object", number)
        if non_finite:
            raise non_finite_number(line, shown, number)
        if "\\u" in line:
            from linter.loaders import check_surrogates

            check_surrogates(line, shown, number)
        saw_event = saw_event or "sequence" in event or "timestamp" in event
        for key in ("resourcePreEvent", "resOutputsEvent", "resOpFailedEvent"):
            body = event.get(key)
            if not isinstance(body, dict):
                continue
            meta = body.get("metadata")
            if not isinstance(meta, dict) or not isinstance(meta.get("urn"), str):
                raise InputError(shown, f"{key} without metadata.urn", number)
            record = records.setdefault(meta["urn"], _StepRecord(meta["urn"], [], None, None, number))
            if isinstance(meta.get("op"), str):
                record.ops.append(meta["op"])
            if meta.get("old") is not None:
                record.old = meta["old"]
            if meta.get("new") is not None:
                record.new = meta["new"]
    if not saw_event and not records:
        raise InputError(shown, "not a Pulumi engine event log (no events with sequence/timestamp)")
    return _load_steps(list(records.values()), shown, "event")


# ------------------------------------------------------------------ formats
def _load_deployment(deployment: Any, shown: str, lines: "_UrnLines", where: str) -> list[Resource]:
    if not isinstance(deployment, dict):
        raise InputError(shown, f"{where} must be an object")
    raw_resources = deployment.get("resources") or []
    if not isinstance(raw_resources, list):
        raise InputError(shown, f"{where}.resources must be a list")
    states = []
    for i, r in enumerate(raw_resources):
        try:
            states.append(State.from_json(r, shown, where))
        except InputError:  # worded again with its place and line: only a bad resource pays for them
            State.from_json(r, shown, f"{where}.resources[{i}]", _line_of_raw(r, lines))
            raise
    states = [s for s in states if not s.pending_delete]
    addresses = addresses_for(states)
    out = []
    line_of = lines.lines().get
    for state in states:
        res = build_resource(state, shown, line_of(state.urn), addresses)
        if res is not None:
            out.append(res)
    return out


def _line_of_raw(raw: Any, lines: "_UrnLines") -> int | None:
    urn = raw.get("urn") if isinstance(raw, dict) else None
    return lines.line(urn) if isinstance(urn, str) else None


@dataclass
class _StepRecord:
    urn: str
    ops: list[str]
    old: Any
    new: Any
    line: int | None


def _load_preview(doc: dict[str, Any], shown: str, lines: "_UrnLines") -> list[Resource]:
    steps = doc.get("steps")
    if steps is None:
        return []
    if not isinstance(steps, list):
        raise InputError(shown, "steps must be a list")
    records: dict[str, _StepRecord] = {}
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            raise InputError(shown, f"steps[{i}] must be an object")
        urn = step.get("urn")
        if not isinstance(urn, str):
            for side in ("newState", "oldState"):
                if isinstance(step.get(side), dict) and isinstance(step[side].get("urn"), str):
                    urn = step[side]["urn"]
        if not isinstance(urn, str):
            raise InputError(shown, f"steps[{i}] has no urn")
        record = records.setdefault(urn, _StepRecord(urn, [], None, None, lines.line(urn)))
        if isinstance(step.get("op"), str):
            record.ops.append(step["op"])
        if step.get("oldState") is not None:
            record.old = step["oldState"]
        if step.get("newState") is not None:
            record.new = step["newState"]
    return _load_steps(list(records.values()), shown, "steps")


def _load_steps(records: list[_StepRecord], shown: str, where: str) -> list[Resource]:
    """Preview steps / engine events: judge the new state, remember the old one."""
    news: list[tuple[_StepRecord, tuple[str, ...], State, State | None]] = []
    for rec in records:
        actions = _actions(rec.ops)
        if actions is None or rec.new is None:
            continue  # deleted, or nothing planned
        new = State.from_json(rec.new, shown, f"{where} for {rec.urn}", rec.line)
        old = (State.from_json(rec.old, shown, f"{where} for {rec.urn} (old)", rec.line)
               if isinstance(rec.old, dict) else None)
        news.append((rec, actions, new, old))
    addresses = addresses_for([n for _, _, n, _ in news])
    out = []
    for rec, actions, new, old in news:
        before = None
        if old is not None:
            old_res = build_resource(old, shown, rec.line, addresses)
            before = old_res.attrs if old_res is not None else None
        change = Change(actions, before=before)
        res = build_resource(new, shown, rec.line, addresses, change=change)
        if res is not None:
            out.append(res)
    return out


def _actions(ops: list[str]) -> tuple[str, ...] | None:
    if not ops:
        return ("no-op",)
    if any(op in ("replace", "create-replacement", "import-replacement") for op in ops):
        return ("delete", "create")
    for op in ops:
        if op in _OP_ACTIONS and _OP_ACTIONS[op] is not None:
            return _OP_ACTIONS[op]
    if all(op in _OP_ACTIONS for op in ops):
        return None  # only deletions
    return (ops[-1],)


def _load_plan(doc: dict[str, Any], shown: str, lines: "_UrnLines") -> list[Resource]:
    """A saved plan (`pulumi preview --save-plan`).

    A plan records each resource's goal as a diff of its inputs against the
    prior state (`goal.inputDiff`: adds/updates/deletes) and its planned
    outputs (`state`). For a create the adds are the whole inputs; for other
    steps the unchanged inputs are not in the plan, so the planned state
    fills them (known values only).
    """
    plans = doc.get("resourcePlans")
    if plans is None:
        return []
    if not isinstance(plans, dict):
        raise InputError(shown, "resourcePlans must be an object keyed by URN")
    states: list[tuple[State, tuple[str, ...]]] = []
    for urn, plan in plans.items():
        if not isinstance(plan, dict):
            raise InputError(shown, f"resourcePlans[{urn!r}] must be an object", lines.line(urn))
        goal = plan.get("goal")
        steps = plan.get("steps") or []
        if not isinstance(steps, list):
            raise InputError(shown, f"resourcePlans[{urn!r}].steps must be a list of operations", lines.line(urn))
        ops = [s for s in steps if isinstance(s, str)]
        actions = _actions(ops)
        if actions is None or not isinstance(goal, dict):
            continue  # deleted, or no goal (the resource is not registered)
        diff = goal.get("inputDiff") or {}
        if not isinstance(diff, dict):
            raise InputError(shown, f"goal.inputDiff of {urn} must be an object", lines.line(urn))
        inputs: dict[str, Any] = {}
        for part in ("adds", "updates"):
            if isinstance(diff.get(part), dict):
                inputs.update(diff[part])
        outputs = plan.get("state") if isinstance(plan.get("state"), dict) else None
        if actions != ("create",) and outputs is not None:
            deletes = diff.get("deletes")
            deleted = {k for k in deletes if isinstance(k, str)} if isinstance(deletes, list) else set()
            outputs = {k: v for k, v in outputs.items() if k not in deleted}
        raw = {
            "urn": urn,
            "type": goal.get("type") or urn_type(urn),
            "custom": goal.get("custom", True),
            "inputs": inputs,
            "outputs": outputs,
            "propertyDependencies": goal.get("propertyDependencies") or {},
        }
        states.append((State.from_json(raw, shown, f"resourcePlans[{urn!r}]"), actions))
    addresses = addresses_for([s for s, _ in states])
    out = []
    for state, actions in states:
        res = build_resource(state, shown, lines.line(state.urn), addresses, change=Change(actions))
        if res is not None:
            out.append(res)
    return out


# ------------------------------------------------------------------ one resource
def build_resource(
    state: State,
    shown: str,
    line: int | None,
    addresses: dict[str, str] | None = None,
    change: Change | None = None,
) -> Resource | None:
    """The canonical Resource for one Pulumi resource state (None: not linted)."""
    if not state.custom and state.type not in PULUMI_DEPLOYERS:
        # component resources group others; they hold no infrastructure. A Chart's (a
        # Directory's) says which chart (kustomization) of this repository its children are
        # (loaders/pulumi_releases.py)
        return None
    canonical, family = canonical_type(state.type)
    if family == "skip":
        return None
    addresses = addresses or {}
    name = urn_name(state.urn)
    refs_for = _refs_resolver(state, addresses)
    inputs = state.inputs or {}
    # a bridged cloud resource's properties take their Terraform names; a Kubernetes object stays as written
    props = Properties(refs_for, nested_bookkeeping=family != "kubernetes",
                       renames=RENAMES.get(canonical, {}) if family == "cloud" else None)
    attrs = props.decode(inputs)
    if state.outputs and family != "kubernetes":
        props.fill(attrs, inputs, state.outputs)
    meta: dict[str, Any] = {"urn": state.urn, "token": state.type}
    if family == "cloud":
        props.defaults_in(attrs, inputs.get("__defaults"), True, None)
        unset = _not_in_program(canonical, attrs, props.filled, props.defaulted)
        if unset:  # a rule's message says the program never set it (`rules._values.origin_of`)
            meta["value_origin"] = unset
    if state.dependencies:  # the resource graph (linter.failure_domains) reads them
        meta["dependencies"] = [addresses.get(u) or urn_address(u) for u in state.dependencies]
    outputs = state.outputs or {}
    for key, out_key in (("id", "id"), ("arn", "arn"), ("self_link", "selfLink")):
        if key == "arn" and canonical in ARN_OF_ANOTHER_RESOURCE:
            continue
        value = outputs.get(out_key)
        if isinstance(value, str) and value and value not in UNKNOWN_SENTINELS:
            meta[key] = value
    if "id" not in meta and state.id and state.id not in UNKNOWN_SENTINELS:
        meta["id"] = state.id
    position = parse_source_position(state.source_position)
    if position is not None:
        meta["source_position"] = position
    namespace = None
    if family == "kubernetes":
        k8s = kubernetes_token(state.type)
        assert k8s is not None
        _, api_version, kind = k8s
        if isinstance(attrs, dict):
            attrs.setdefault("apiVersion", api_version)
            attrs.setdefault("kind", kind)
        obj_name, namespace = kubernetes_identity(state, attrs)
        if isinstance(attrs.get("metadata"), dict):
            attrs["metadata"].setdefault("name", obj_name)
        name = obj_name
        from linter.loaders._k8s_shape import shape_problem

        problem = shape_problem(canonical, attrs)
        if problem is not None:  # the API server would reject it: judge nothing
            raise InputError(shown, f"{kind} {name} ({state.urn}): inputs.{problem[1]}", line)
    elif family == "cloud":
        for given in (outputs.get("name"), inputs.get("name")):  # what references by name match
            if _known_text(given):
                meta["name_ref"] = given
                break
        if state.external:
            # read with `.get()`: not managed by this stack. Like a Terraform
            # data source it resolves references but is never linted.
            canonical = f"data.{canonical}"
            meta["external"] = True
    address = addresses.get(state.urn) or address_of(state, canonical, family, attrs)
    tf_type = canonical.removeprefix("data.") if state.external and family == "cloud" else canonical
    return Resource(  # positional: made 10,000s of times, and keywords cost a third of it
        canonical,  # type
        address,
        attrs,
        Location(shown, line),
        "pulumi",  # source_format
        name,
        namespace,
        change,
        state.type,  # raw_type
        {  # refs
            (attribute_name(tf_type, k) if family == "cloud" else k): [addresses.get(u) or urn_address(u) for u in v]
            for k, v in state.property_dependencies.items() if v
        },
        meta=meta,
    )


# where a value the program does not set came from: the provider's default (an object's
# `__defaults` name what it filled in, and an output that is the documented default), or
# the provider's outputs
NOT_IN_PROGRAM = "not set in the program: the provider's value"


def _not_in_program(tf_type: str, attrs: dict[str, Any], filled: list[tuple[dict[str, Any], str]],
                    defaulted: list[tuple[dict[str, Any], str]]) -> dict[str, str]:
    """A bridged resource's attributes the program leaves to the provider (path, as
    `origin_of` looks it up -> where the value came from; a value taken whole from the
    outputs, each of its parts)."""
    nested = {id(obj) for obj, _ in filled if obj is not attrs} | {id(obj) for obj, _ in defaulted if obj is not attrs}
    paths = _paths_of(attrs, nested) if nested else {id(attrs): ""}
    out: dict[str, str] = {}
    for obj, name in filled:
        prefix = paths.get(id(obj))
        if prefix is None:  # an object `fill` replaced whole (a secret compared decoded)
            continue
        value = obj.get(name)
        if type(value) is not dict and type(value) is not list:  # the usual case: one value
            path = f"{prefix}{name}" if prefix else name
            out[path] = PROVIDER_DEFAULT if attribute_facts.is_default(tf_type, path, value) else NOT_IN_PROGRAM
            continue
        stack = [(f"{prefix}{name}", value)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, dict):
                stack.extend((f"{path}.{key}", item) for key, item in value.items())
            elif isinstance(value, list):
                stack.extend((f"{path}.{i}" if i else path, item) for i, item in enumerate(value))
            elif attribute_facts.is_default(tf_type, path, value):
                out[path] = PROVIDER_DEFAULT
            else:
                out[path] = NOT_IN_PROGRAM
    for obj, name in defaulted:
        prefix = paths.get(id(obj))
        if prefix is not None and name is not _SKIP:
            out[f"{prefix}{name}"] = PROVIDER_DEFAULT
    return out


def _paths_of(attrs: dict[str, Any], wanted: set[int]) -> dict[int, str]:
    """The path prefix (`settings.`) of each decoded object of `attrs` (`attrs` itself: "")
    the ids `wanted` name, found by a walk that stops when it has them all (a list's first
    item is named without its index, as `origin_of` looks it up)."""
    found = {id(attrs): ""}
    left = set(wanted)
    stack: list[tuple[Any, str]] = [(value, f"{key}.") for key, value in attrs.items()]
    while stack and left:
        value, prefix = stack.pop()
        if isinstance(value, dict):
            if id(value) in left:
                found[id(value)] = prefix
                left.discard(id(value))
            stack.extend((item, f"{prefix}{key}.") for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, f"{prefix}{i}." if i else prefix) for i, item in enumerate(value))
    return found


def kubernetes_identity(state: State, attrs: Any) -> tuple[str, str | None]:
    """(name, namespace) of a Kubernetes object; the URN name when it has no known name.

    An object the program leaves to auto-naming has no metadata.name in its
    inputs: its real name (`web-x7k2mq1d`, what an HPA's scaleTargetRef names)
    is in the outputs of a deployed stack."""
    meta = attrs.get("metadata") if isinstance(attrs, dict) else None
    out_meta = (state.outputs or {}).get("metadata") if isinstance(state.outputs, dict) else None
    name, namespace = urn_name(state.urn), state.namespace_override
    for source in (out_meta, meta):  # inputs win: read them last
        if isinstance(source, dict):
            if _known_text(source.get("name")):
                name = source["name"]
            if state.namespace_override is None and _known_text(source.get("namespace")):
                namespace = source["namespace"]
    return name, namespace


def _known_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and value not in UNKNOWN_SENTINELS and value != MASKED_SECRET


# the namespace of objects whose namespace is computed and cannot be traced
UNRESOLVED_NAMESPACE = "(known after apply)"
NAMESPACE_TOKEN = "kubernetes:core/v1:Namespace"
KUBERNETES_PROVIDER = "pulumi:providers:kubernetes"


def _resolve_namespaces(states: list[State]) -> None:
    """Give Kubernetes objects whose metadata.namespace is not known yet a namespace.

    Pulumi programs often write `namespace=ns.metadata.name`: unknown until the
    Namespace exists. propertyDependencies says which Namespace resource it
    comes from; its declared name (or, when that is generated too, its URN
    name) stands for it, so objects in the same namespace still meet. An
    untraceable namespace is one shared placeholder.

    An object that sets none (nor a chart its `namespace`) is created in the
    `namespace` of the explicit provider it names (`new k8s.Provider("apps",
    {namespace: "apps"})`), when the document holds that provider: the
    placeholder when the provider's is not known; `default` when it sets none.
    """
    declared: dict[str, str] = {}
    providers: dict[str, Any] = {}  # a Kubernetes provider's URN -> its `namespace` (None: it sets none)
    for st in states:
        if st.type == NAMESPACE_TOKEN:
            for props in (st.inputs, st.outputs):
                meta = props.get("metadata") if isinstance(props, dict) else None
                if isinstance(meta, dict) and _known_text(meta.get("name")):
                    declared[st.urn] = meta["name"]
                    break
        elif st.type == KUBERNETES_PROVIDER:
            providers[st.urn] = (st.inputs or {}).get("namespace", (st.outputs or {}).get("namespace"))
    for st in states:
        if not st.type.startswith("kubernetes:") or not isinstance(st.inputs, dict):
            continue
        meta = st.inputs.get("metadata")
        value = meta.get("namespace") if isinstance(meta, dict) else None
        if st.type in PULUMI_DEPLOYERS:
            value = st.inputs.get("namespace")
        if value is None and st.provider is not None and providers:
            st.namespace_override = _provider_namespace(st, providers)
        if value is None or _known_text(value):
            continue
        sources = [u for u in st.property_dependencies.get("metadata", []) if urn_type(u) == NAMESPACE_TOKEN]
        if len(sources) == 1:
            st.namespace_override = declared.get(sources[0]) or urn_name(sources[0])
        else:
            st.namespace_override = UNRESOLVED_NAMESPACE


def _provider_namespace(state: State, providers: dict[str, Any]) -> str | None:
    """The namespace the explicit provider of `state` (an object without one of its own)
    puts it in (`_resolve_namespaces`); None: its own (a deployed object's outputs say),
    `default`, or a cluster-scoped kind."""
    from linter.loaders.kubernetes import CLUSTER_SCOPED

    outputs = (state.outputs or {}).get("metadata")
    if isinstance(outputs, dict) and _known_text(outputs.get("namespace")):
        return None  # deployed: where it is
    k8s = kubernetes_token(state.type)
    if k8s is not None and k8s[2] in CLUSTER_SCOPED:
        return None
    urn = (state.provider or "").rsplit("::", 1)[0]
    if urn not in providers or providers[urn] is None:
        return None
    return providers[urn] if _known_text(providers[urn]) else UNRESOLVED_NAMESPACE


def address_of(state: State, canonical: str, family: str, attrs: Any) -> str:
    if family == "kubernetes":
        from linter.loaders.kubernetes import address_of as k8s_address

        name, namespace = kubernetes_identity(state, attrs)
        return k8s_address(canonical.rsplit("/", 1)[-1], namespace, name)
    return f"{canonical}.{urn_name(state.urn)}"


def addresses_for(states: Iterable[State]) -> dict[str, str]:
    """URN -> address for every state of a document (references need them first)."""
    states = list(states)
    _resolve_namespaces(states)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for state in states:
        canonical, family = canonical_type(state.type)
        if family == "kubernetes":
            raw = state.inputs if isinstance(state.inputs, dict) else (state.outputs or {})
            address = address_of(state, canonical, family, raw)
        else:
            prefix = "data." if state.external and family == "cloud" else ""
            address = f"{prefix}{canonical}.{urn_name(state.urn)}"
        if address in taken:
            address = f"{address}[{state.urn}]"  # same name under another parent
        taken.add(address)
        out[state.urn] = address
    return out


def _refs_resolver(state: State, addresses: dict[str, str]) -> Callable[[str | None], tuple[str, ...]]:
    def refs_for(top_key: str | None) -> tuple[str, ...]:
        if top_key is None:
            return ()
        return tuple(addresses.get(u) or urn_address(u) for u in state.property_dependencies.get(top_key, []))

    return refs_for


# ------------------------------------------------------------------ values
class Properties:
    """Pulumi property values -> model values, in one pass over each value.

    Sentinels and secrets are Unknown (carrying the addresses the value was
    computed from), bookkeeping keys (`__defaults`, `__meta`) are dropped,
    assets kept opaque. For a bridged cloud resource (`renames` given) every
    key becomes its Terraform name on the way (free-form maps such as tags keep
    theirs), and known outputs fill what the inputs leave out (`fill`): decoding,
    renaming and filling used to be four copies of every resource.

    Bridged providers also write `__defaults` inside nested objects; a
    Kubernetes object's own keys are data (a ConfigMap may hold `__init__.py`),
    so for it only the top level is bookkeeping (nested_bookkeeping=False).
    """

    __slots__ = ("refs_for", "strip", "renames", "paths", "_keep", "_names", "collided", "filled", "defaulted")

    def __init__(self, refs_for: Callable[[str | None], tuple[str, ...]] = lambda key: (),
                 nested_bookkeeping: bool = True, renames: dict[str, str] | None = None):
        self.refs_for = refs_for
        self.strip = nested_bookkeeping
        if renames is not None and not renames:
            renames = _NO_RENAMES  # one naming for every type without renames
        self.renames = renames  # None: names kept as written
        naming = _naming(renames, nested_bookkeeping)
        # nested renames are keyed by the camelCase path: only then is the path built
        self.paths = naming.paths
        self._names = naming.levels  # indexed by "at the top level"
        # two keys of one object took the same name (`multiAz` and `multi_az`): `fill` then
        # compares every output with what the inputs hold, not only unequal ones
        self.collided = False
        self._keep: Properties | None = None
        # what the program does not set, as (decoded object, name) pairs: what `fill` took
        # from the outputs, and what an object's `__defaults` list (bridged providers write
        # them at every level): the provider's defaults
        self.filled: list[tuple[dict[str, Any], str]] = []
        self.defaulted: list[tuple[dict[str, Any], str]] = []

    @property
    def keep(self) -> "Properties | None":
        """Inside a free-form map: the same values, names kept (made on first use; not
        `self` when names are kept anyway: a cycle would hold the whole document until
        the collector runs)."""
        if self._keep is None and self.renames is not None:
            self._keep = Properties(self.refs_for, self.strip)
        return self._keep

    def decode(self, props: dict[str, Any]) -> dict[str, Any]:
        """A resource's inputs (or outputs) as rules read them."""
        return self._items(props, None, None)

    def _name(self, key: Any, path: str | None) -> Any:
        if self.renames is None or not isinstance(key, str):
            return key
        return (self.renames.get(path) if path is not None else None) or _snake(key)

    def _one(self, out: dict[str, Any], name: Any, value: Any, top: str, path: str | None) -> None:
        """`value` decoded into `out[name]` (`name` already the Terraform name)."""
        if self.renames is not None and name in MAP_ATTRIBUTES and isinstance(value, dict):
            kept = self.keep.value(value, top, path)  # type: ignore[union-attr]
            out[name] = kept if isinstance(kept, dict) else snake_names(kept, self.renames, path or "")
        else:
            out[name] = self.value(value, top, path)

    def value(self, value: Any, top: str, path: str | None) -> Any:
        kind = type(value)
        if kind is str:
            return Unknown(refs=self.refs_for(top)) if value in _UNKNOWN_TEXT else value
        if kind is dict:
            sig = value.get(SIG_KEY)
            if sig is not None and sig in _SIGNED:
                return self._signed(value, sig, top, path)
            return self._items(value, top, path)
        if kind is list:
            return [self.value(v, top, path) for v in value]
        if isinstance(value, str):  # a subclass (the policy pack's values): the same, slower
            return Unknown(refs=self.refs_for(top)) if value in _UNKNOWN_TEXT else value
        if isinstance(value, dict):
            return self.value(dict(value), top, path)
        if isinstance(value, list):
            return [self.value(v, top, path) for v in value]
        return value

    def _items(self, value: dict[str, Any], top: str | None, path: str | None) -> dict[str, Any]:
        """The members of an (unsigned) object, decoded: one loop, the common
        shapes (strings, numbers, nested objects and lists) handled inline.
        `top` None: the resource's own properties (bookkeeping dropped whatever
        the resource, each a top-level name of RENAMES, and the path below them)."""
        out: dict[str, Any] = {}
        renames = self.renames
        by_path = self.paths and top is not None  # nested renames: names depend on the path
        names = self._names[top is None]
        skipped = 0
        name: Any
        sub: str | None
        for key, item in value.items():
            if type(key) is not str:
                name, sub = key, (key if top is None else _sub_path(path, key) if self.paths else None)
            elif by_path:
                if self.strip and key[:2] == "__":
                    skipped += 1
                    if key == "__defaults" and item:
                        self.defaults_in(out, item, False, path)
                    continue
                sub = f"{path}.{key}" if path else key
                name = renames.get(sub) or _snake(key)  # type: ignore[union-attr]
            else:
                name = names.get(key)
                if name is None:
                    name = _learn(names, key, top is None, renames, self.strip)
                if name is _SKIP:
                    skipped += 1
                    if top is not None and key == "__defaults" and item:
                        self.defaults_in(out, item, False, path)
                    continue
                sub = key if top is None else None
            kind = type(item)
            if kind is str:
                out[name] = item if item not in _UNKNOWN_TEXT else Unknown(refs=self.refs_for(key if top is None else top))
                continue
            if kind is int or kind is bool or kind is float or item is None:
                out[name] = item
                continue
            here = key if top is None else top
            if kind is dict and (renames is None or name not in MAP_ATTRIBUTES):
                sig = item.get(SIG_KEY)
                out[name] = (self._signed(item, sig, here, sub) if sig is not None and sig in _SIGNED
                             else self._items(item, here, sub))
            else:
                self._one(out, name, item, here, sub)
        if len(out) + skipped != len(value):
            self.collided = True
        return out

    def defaults_in(self, out: dict[str, Any], keys: Any, top: bool, path: str | None) -> None:
        """Note the keys an object's `__defaults` lists (the provider's defaults), by the
        names `_items` gives them in `out` (its decoded object; `top`: the resource's own
        properties, `path` the camelCase path of a nested one)."""
        if isinstance(keys, list) and keys:
            names = self._names[top]
            self.defaulted.extend(
                (out, names.get(key) or _learn(names, key, True, self.renames, self.strip) if top
                 else self._name(key, _sub_path(path, key) if self.paths else None))
                for key in keys if isinstance(key, str))

    def _signed(self, value: dict[str, Any], sig: str, top: str, path: str | None) -> Any:
        if sig == SECRET_SIG:
            if "plaintext" in value and isinstance(value["plaintext"], str):
                try:
                    return self.value(json.loads(value["plaintext"]), top, path)
                except json.JSONDecodeError:
                    return Unknown(refs=self.refs_for(top))
            if "value" in value:
                return self.value(value["value"], top, path)
            return Unknown(refs=self.refs_for(top))
        return {k: v for k, v in value.items() if k in ("path", "uri", "hash", "text")}  # an asset or archive

    def fill(self, attrs: dict[str, Any], inputs: dict[str, Any], outputs: dict[str, Any], top: str | None = None, path: str | None = None) -> None:
        """Attributes the inputs leave out, from known outputs, into `attrs` (the
        decoded `inputs`) in place; keys are compared as written, so what the
        inputs hold costs no renaming.

        Inputs always win. Unknown outputs and empty placeholders ("", [], {},
        null — what a bridged provider reports for an unset attribute) fill
        nothing, so an attribute nobody set stays absent and takes its default.
        """
        for key, item in outputs.items():
            given = inputs.get(key, _ABSENT)
            if given is not _ABSENT and not isinstance(item, dict):
                continue  # the inputs say it
            if isinstance(key, str) and key.startswith("__"):
                continue  # bookkeeping, at every level of outputs
            if given is not _ABSENT and not self.collided and given == item:
                continue  # the same object on both sides (a deployed state's usual case): nothing to add
            here = key if top is None else top
            sub = key if top is None else (_sub_path(path, key) if self.paths else None)
            if type(key) is str and (top is None or not self.paths):  # named as `_items` names it
                names = self._names[top is None]
                name = names.get(key)
                if name is None:
                    name = _learn(names, key, top is None, self.renames, self.strip)
            else:
                name = self._name(key, sub)
            kept = self.keep if name in MAP_ATTRIBUTES else None  # a free-form map keeps its names
            props = kept if kept is not None else self
            current = attrs.get(name, _ABSENT)
            if current is _ABSENT:
                known = _known(props.value(item, here, sub))
                if known is not None:
                    attrs[name] = known
                    self.filled.append((attrs, name))
            elif isinstance(current, dict):
                if isinstance(given, dict) and given.get(SIG_KEY) is None and item.get(SIG_KEY) is None:
                    props.fill(current, given, item, here, sub)
                else:  # a secret on either side: compared decoded
                    decoded = props.value(item, here, sub)
                    if isinstance(decoded, dict):
                        attrs[name] = fill_from_outputs(current, decoded)


_ABSENT = object()
_SIGNED = (SECRET_SIG, ASSET_SIG, ARCHIVE_SIG)
# strings that stand for a value not known here: the engine's sentinels, a masked secret
_UNKNOWN_TEXT = frozenset((*UNKNOWN_SENTINELS, MASKED_SECRET))
# camelCase -> snake_case, filled as names are met (property names repeat across resources)
_SNAKE: dict[str, str] = {}


def _snake(name: str) -> str:
    snake = _SNAKE.get(name)
    if snake is None:
        if len(_SNAKE) >= 4096:  # names are user text: bounded, as a long-lived process scans again
            _SNAKE.clear()
        snake = _SNAKE[name] = camel_to_snake(name)
    return snake


@dataclass
class _Naming:
    """The names rules read for the keys of one kind of object (a resource type's
    renames, whether nested bookkeeping is dropped), learnt as keys are met and
    shared by every resource of the type: one dict lookup a key. `_SKIP` marks
    bookkeeping; keys of nested renames (`paths`) depend on their path instead."""

    renames: dict[str, str] | None
    paths: bool
    top: dict[str, Any] = field(default_factory=dict)  # the resource's own properties
    nested: dict[str, Any] = field(default_factory=dict)  # any level below them
    levels: tuple[dict[str, Any], dict[str, Any]] = field(init=False)  # (nested, top): by "at the top level"

    def __post_init__(self) -> None:
        self.levels = (self.nested, self.top)


_SKIP = object()
_NO_RENAMES: dict[str, str] = {}
_NAMINGS: dict[tuple[int, bool], _Naming] = {}


def _naming(renames: dict[str, str] | None, strip: bool) -> _Naming:
    naming = _NAMINGS.get((id(renames), strip))
    if naming is None or naming.renames is not renames:  # (holding `renames`, its id is not reused)
        if len(_NAMINGS) >= 1024:  # a type each, and both bookkeeping modes: bounded all the same
            _NAMINGS.clear()
        paths = bool(renames) and any("." in k for k in renames)  # type: ignore[union-attr]
        naming = _NAMINGS[(id(renames), strip)] = _Naming(renames, paths)
    return naming


def _learn(names: dict[str, Any], key: str, top: bool, renames: dict[str, str] | None, strip: bool) -> Any:
    """The name of a key not met before at this level (`_SKIP`: bookkeeping), remembered."""
    if key[:2] == "__" and (top or strip):
        name: Any = _SKIP
    elif renames is None:
        name = key
    else:
        name = (renames.get(key) if top else None) or _snake(key)
    if len(names) >= 4096:  # keys are user text: bounded, as a long-lived process scans again
        names.clear()
    names[key] = name
    return name


def _sub_path(path: str | None, key: str) -> str:
    """The camelCase path of `key` inside `path` (list indexes left out), as RENAMES keys them."""
    return f"{path}.{key}" if path else key


def fill_from_outputs(inputs: Any, outputs: Any) -> Any:
    """Inputs, with attributes they leave out taken from known outputs.

    Inputs always win. Unknown outputs and empty placeholders ("", [], {},
    null — what a bridged provider reports for an unset attribute) fill
    nothing, so an attribute nobody set stays absent and takes its default.
    """
    if not isinstance(inputs, dict) or not isinstance(outputs, dict):
        return inputs
    merged = dict(inputs)
    for key, value in outputs.items():
        if key in merged:
            if isinstance(merged[key], dict) and isinstance(value, dict):
                merged[key] = fill_from_outputs(merged[key], value)
            continue
        known = _known(value)
        if known is not None:
            merged[key] = known
    return merged


def _known(value: Any) -> Any:
    if isinstance(value, Unknown) or value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, list):
        items = [v for v in (_known(v) for v in value) if v is not None]
        return items or None
    if isinstance(value, dict):
        known = {k: v for k, v in ((k, _known(v)) for k, v in value.items()) if v is not None}
        return known or None
    return value


# ------------------------------------------------------------------ URNs, lines
def urn_name(urn: str) -> str:
    """`urn:pulumi:dev::shop::aws:rds/instance:Instance::orders` -> `orders`."""
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


def urn_type(urn: str) -> str:
    """The resource's own type token (the last of the `$`-joined parent chain)."""
    parts = urn.split("::", 3)
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 3 else ""


def urn_parent_types(urn: str) -> list[str]:
    """The type tokens of the resource's parents (the `$`-joined chain before its own)."""
    parts = urn.split("::", 3)
    return parts[2].split("$")[:-1] if len(parts) >= 3 else []


def urn_address(urn: str) -> str:
    """Address of a URN outside the loaded document (best effort, cloud style)."""
    canonical, _ = canonical_type(urn_type(urn))
    return f"{canonical}.{urn_name(urn)}"


def parse_source_position(text: str | None) -> Location | None:
    """`project:///index.ts#12,5` -> Location("index.ts", 12, 5)."""
    if not text:
        return None
    parsed = _position(text)
    return Location(*parsed) if parsed is not None else None


@functools.lru_cache(maxsize=1024)  # a program declares many resources on few lines
def _position(text: str) -> tuple[str, int, int | None] | None:
    """(file, line, column) of `[project://]/*FILE#LINE[,COLUMN]`: string operations,
    no regex (a pattern of optional slashes then a file name backtracks on a long
    run of slashes)."""
    head, sep, tail = text.partition("#")
    if not sep or "#" in tail or not head:
        return None
    if tail.endswith("\n"):  # as `$` allowed
        tail = tail[:-1]
    line, comma, column = tail.partition(",")
    if not line.isdecimal() or comma and not column.isdecimal():
        return None
    file = None
    for body in ((head[len("project://"):], head) if head.startswith("project://") else (head,)):
        if body.lstrip("/"):
            file = body.lstrip("/")
            break
        if body:  # only slashes: the last one is the file name
            file = "/"
            break
    if file is None:
        return None
    return file, int(line), int(column) if comma else None


class _UrnLines:
    """Lines in the file: each URN's first `"urn": "..."` (or plan key), and the
    line of an attribute inside a resource's block. Read once, on first use;
    an attribute is looked for in its resource's block only (cut out when a
    finding asks, the last block kept: findings on one resource come
    together), so the cost follows the findings, not findings x resources."""

    def __init__(self, path: Path | str | None, text: str | None = None):
        self.path = path
        self._lines: dict[str, int] | None = None
        self._text = text
        self._starts: list[int] = []  # lines where a URN's block starts, ascending
        self._offsets: list[int] = []  # where each of those lines starts in the text
        self._block: _Block | None = None  # the last block a finding asked about

    def _read(self) -> None:
        if self._lines is not None:
            return
        self._lines = {}
        text = self._text
        if text is None:
            try:
                from linter.loaders import source_text

                text = source_text(self.path) if self.path else ""
            except (OSError, UnicodeDecodeError):
                text = ""
        self._text = text
        number, counted, last = 1, 0, 0
        lines, starts, offsets = self._lines, self._starts, self._offsets
        plan = _PLAN_KEY in text
        for at, urn in sorted(_urn_keys(text, plan)) if plan else _urn_keys(text, plan):
            number += text.count("\n", counted, at)
            counted = at
            if urn not in lines:
                lines[urn] = number
                if number > last:
                    last = number
                    starts.append(number)
                    offsets.append(text.rfind("\n", 0, at) + 1)

    def __getstate__(self) -> dict[str, Any]:
        self._read()  # read where the file was loaded; the block cache stays behind
        return {**self.__dict__, "_block": None}

    def line(self, urn: str) -> int | None:
        return self.lines().get(urn)

    def lines(self) -> dict[str, int]:
        """URN -> the line of its first `"urn": "..."` (or plan key)."""
        self._read()
        assert self._lines is not None
        return self._lines

    def _block_at(self, start: int) -> "_Block | None":
        """The block that starts on line `start`, up to the next block."""
        block = self._block
        if block is not None and block.start == start:
            return block
        at = bisect.bisect_left(self._starts, start)
        if at == len(self._starts) or self._starts[at] != start:
            return None
        text = self._text or ""
        end = self._offsets[at + 1] if at + 1 < len(self._offsets) else len(text)
        self._block = _Block(start, text, self._offsets[at], end)
        return self._block

    def attribute_line(self, res: Resource, path: str) -> int | None:
        """Line of `path` (canonical names) in the resource's new inputs, else None."""
        if self._lines is None:
            self._read()
        start = res.location.line
        block = self._block_at(start) if start else None
        if start is None or block is None or block.begin >= block.end:
            return None
        key, known = (res.type, path), block.lines
        if key not in known:  # else asked before: rules that fire on one attribute ask again
            known[key] = self._line_in(block, res.type, path)
        return known[key]

    def _line_in(self, block: "_Block", resource_type: str, path: str) -> int | None:
        """Line of `path` in `block`, found key by key from where its new inputs start."""
        text, end = self._text or "", block.end
        found = None  # offset of the start of the line found last in the block
        cursor = block.inputs_from  # where to look next
        for step in attribute_steps(resource_type, path):
            if type(step) is int:
                if found is None:
                    break
                item = _list_item(text, found, step, end)
                if item is None:
                    break  # an inline list: its key's line is the best there is
                found, cursor = item, text.find("\n", item, end) + 1 or end
                continue
            at = block.key_at(text, step, cursor)  # type: ignore[arg-type]
            if at is None:
                break
            found = text.rfind("\n", 0, at) + 1
            cursor = text.find("\n", at, end) + 1 or end
        return block.start + text.count("\n", block.begin, found) if found is not None else None


def is_kubernetes_type(resource_type: str) -> bool:
    """Whether a canonical type is a Kubernetes object's (`apps/Deployment`): its attributes
    keep their names, a bridged cloud resource's are Terraform's (`aws_sqs_queue`)."""
    return resource_type.count("/") == 1 and "_" not in resource_type.split("/")[0]


@functools.lru_cache(maxsize=4096)  # rules ask for the same few paths of each type
def attribute_steps(resource_type: str, path: str) -> tuple[int | tuple[str, ...], ...]:
    """What to look for, segment by segment, to find `path` (canonical names) in a
    resource's block: a list index, or the quoted keys it may be written as (its
    Pulumi name first, then the Terraform name; a Kubernetes object's as they are)."""
    kubernetes = is_kubernetes_type(resource_type)
    steps: list[int | tuple[str, ...]] = []
    for segment in (p for p in path.split(".") if p):
        if segment.isdigit():
            steps.append(int(segment))
            continue
        keys = (segment,) if kubernetes else (pulumi_name(resource_type, segment), segment)
        steps.append(tuple(f'"{key}"' for key in dict.fromkeys(keys)))
    return tuple(steps)


def _list_item(text: str, opener_at: int, n: int, end: int) -> int | None:
    """Offset of the line where item `n` of the list opened on the line at
    `opener_at` starts, in pretty-printed JSON: items start at the indent of
    the list's first line; lines there that close a bracket end an item
    instead. Reads lines from the opener on (up to `end`), only as far as item `n`."""
    eol = text.find("\n", opener_at, end)
    if eol == -1:
        return None  # the opener is the last line
    opener = text[opener_at:eol]
    if opener.rstrip().endswith("[]") or not opener.rstrip().endswith("["):
        return None
    at = eol + 1
    stop = text.find("\n", at, end)
    first = text[at:end] if stop == -1 else text[at:stop]
    indent = len(first) - len(first.lstrip())
    if indent <= len(opener) - len(opener.lstrip()):
        return None
    seen = -1
    while True:
        stop = text.find("\n", at, end)
        line = text[at:end] if stop == -1 else text[at:stop]
        here = len(line) - len(line.lstrip())
        if line.strip() and here < indent:
            return None
        if here == indent and not line.lstrip().startswith(("}", "]")):
            seen += 1
            if seen == n:
                return at
        if stop == -1:
            return None
        at = stop + 1


# where a block's new inputs start, by the first of these keys it holds (in this order)
_INPUT_MARKERS = ('"newState"', '"new"', '"inputs"', '"inputDiff"')


class _Block:
    """One resource's block of a pretty-printed document (offsets `begin` to `end`
    in its text: nothing is copied), and where its new inputs start (a preview
    step holds the old state first). Keys are found by `str.find`, a list's
    items by reading its lines up to the item asked for."""

    __slots__ = ("start", "begin", "end", "inputs_from", "lines")

    def __init__(self, start: int, text: str, begin: int, end: int):
        self.start, self.begin, self.end = start, begin, end
        self.lines: dict[tuple[str, str], int | None] = {}  # (resource type, path) -> line found
        self.inputs_from = begin
        # both `"new...` markers absent (a stack export's block): one search tells
        markers = _INPUT_MARKERS if text.find('"new', begin, end) != -1 else _INPUT_MARKERS[2:]
        for marker in markers:
            hit = _marker_at(text, marker, begin, end)
            if hit is not None:
                self.inputs_from = text.rfind("\n", begin, hit) + 1 or begin
                break

    def key_at(self, text: str, needles: tuple[str, ...], cursor: int) -> int | None:
        """Offset of the first of the quoted keys `needles` that opens a line
        (`"multiAz": ...`) at or after `cursor`, in the block."""
        best = None
        for needle in needles:
            # a later needle counts only when it is written earlier: look no further
            stop = self.end if best is None else best + len(needle)
            at = text.find(needle, cursor, stop)
            while at != -1:
                after = at + len(needle)
                if not text[text.rfind("\n", 0, at) + 1:at].strip() and text[after:after + 16].lstrip(" \t\r")[:1] == ":":
                    best = at if best is None else min(best, at)
                    break
                at = text.find(needle, after, stop)
        return best


# a JSON string holding a URN: escapes are read as escapes (no backtracking: one way to match)
_URN_STRING = r'"(urn:pulumi:[^"\\]*(?:\\.[^"\\]*)*)"'
_URN_KEY = re.compile(r'"urn"[ \t\r\n]*:[ \t\r\n]*' + _URN_STRING)  # `"urn": "urn:pulumi:..."`
_PLAN_KEY = '"resourcePlans"'


def _urn_keys(text: str, plan: bool) -> Iterable[tuple[int, str]]:
    """(offset, urn) of every `"urn": "urn:pulumi:..."`, in order, and (unordered: the
    caller sorts) every URN key that opens an object at the start of its line (a
    saved plan's resourcePlans); URNs elsewhere (parents, providers,
    dependencies) are not resource starts. One regex pass with a literal prefix."""
    for match in _URN_KEY.finditer(text):
        urn = match.group(1)
        yield match.start(1) - 1, (urn if "\\" not in urn else _json_string(urn))
    if plan:
        yield from _plan_keys(text)


def _json_string(body: str) -> str:
    return json.loads(f'"{body}"') if "\\" in body else body


def _plan_keys(text: str) -> Iterable[tuple[int, str]]:
    """(offset, urn) of every URN key that opens an object at the start of its line."""
    at = text.find('"urn:pulumi:')
    while at != -1:
        close = text.find('"', at + 1)
        if close == -1:
            return
        after = text[close + 1:close + 64].lstrip(" \t")
        line_start = text.rfind("\n", 0, at) + 1
        if after[:1] == ":" and after[1:].lstrip(" \t")[:1] == "{" and not text[line_start:at].strip(" \t"):
            yield at, text[at + 1:close]
        at = text.find('"urn:pulumi:', close + 1)


def _marker_at(text: str, marker: str, begin: int, end: int) -> int | None:
    """Offset of the first place between `begin` and `end` where the key `marker` opens (`"inputs":`)."""
    at = text.find(marker, begin, end)
    while at != -1:
        if text[at + len(marker):at + len(marker) + 8].lstrip(" \t")[:1] == ":":
            return at
        at = text.find(marker, at + 1, end)
    return None
