"""Lookups cross-resource rules need: by type, by address, by reference, by labels.

Built once per scan. Rule families that need a special lookup (autoscaler
targets, queues behind event source mappings, ...) build it once through
`Index.memo`, so a cross-resource rule never rescans every resource.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable, Sequence, TypeVar, cast

from linter.addresses import strip_instance_keys
from linter.model import Resource, Unknown, is_unknown

_Built = TypeVar("_Built")  # what an `Index.memo` builder makes

# Types whose `arn` attribute is another resource's ARN (an EventBridge target's
# is the target's, a topic policy's is the topic's): the loaders never index such
# a resource under that ARN, or references to the other resource would find it.
# One table for every loader that reads ARNs (plan, state, Pulumi).
ARN_OF_ANOTHER_RESOURCE = frozenset({
    "aws_cloudwatch_event_target", "aws_sns_topic_policy", "aws_sns_topic_data_protection_policy",
})


_ID_KEYS = ("id", "arn", "self_link", "name_ref")  # the meta keys `by_id` finds a resource by


class Index:
    def __init__(self, resources: Iterable[Resource], default_namespace: str = "default"):
        self.resources: list[Resource] = list(resources)
        self.default_namespace = default_namespace
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        self._by_address: dict[str, Resource] = {}
        self._by_id: dict[str, Resource] = {}
        # instance keys stripped (`module.a.aws_subnet.b`): made when a reference first
        # needs it, as few do (stripping every keyed address costs a regex each)
        self._by_base: dict[str, list[Resource]] | None = None
        self._by_counted: dict[str, list[Resource]] = defaultdict(list)
        self._memo: dict[str, Any] = {}
        self._named: dict[str, list[Resource]] = {}  # reference -> what it names (`_names_of`; never changed)
        by_type, by_address, by_id, by_counted = self._by_type, self._by_address, self._by_id, self._by_counted
        for r in self.resources:
            address, meta = r.address, r.meta
            by_type[r.type].append(r)
            by_address.setdefault(address, r)
            if address.endswith("]") and "[" in address:
                # module keys kept, the resource's own key dropped
                by_counted[address[: address.rfind("[")]].append(r)
            for key in _ID_KEYS:
                value = meta.get(key)
                if isinstance(value, str) and value:
                    by_id.setdefault(value, r)

    def by_type(self, *types: str) -> list[Resource]:
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        out: list[Resource] = []
        for t in types:
            out.extend(self._by_type.get(t, []))
        return out

    def get(self, address: str) -> Resource | None:
        return self._by_address.get(address)

    def by_id(self, value: str) -> Resource | None:
        """A resource whose known id / ARN / self link equals `value`."""
        return self._by_id.get(value)

    def resolve(self, ref: Any) -> Resource | None:
        """Follow a reference to the resource it names.

        `ref` may be an address (`aws_subnet.a`), an attribute reference
        (`aws_subnet.a.id`, `module.x.aws_subnet.a[0].id`), a known id or ARN,
        or an Unknown carrying references. Returns None when unresolved.
        """
        if isinstance(ref, Unknown):
            for r in ref.refs:
                found = self.resolve(r)
                if found is not None:
                    return found
            return None
        if not isinstance(ref, str) or not ref:
            return None
        found = self._by_address.get(ref) or self._by_id.get(ref)
        if found is not None:
            return found
        # strip trailing attribute names: aws_subnet.a.id -> aws_subnet.a
        parts = ref.split(".")
        while len(parts) > 2:
            parts = parts[:-1]
            found = self._by_address.get(".".join(parts))
            if found is not None:
                return found
        return None

    def resolve_many(self, value: Any) -> list[Resource] | None:
        """Every resource a list-valued reference names (subnet ids, ...).

        Accepts a list of ids/references, one reference, or an Unknown carrying
        references (a plan's `references` for a whole list). A reference to a
        counted resource without an index (`aws_subnet.private`) names all its
        instances. Returns None when any part cannot be resolved: cross-resource
        rules stay silent on a partial graph.
        """
        refs: Sequence[Any]
        if isinstance(value, Unknown):
            refs = value.refs
            if not refs:
                return None
        elif isinstance(value, (list, tuple)):
            refs = value
        else:
            refs = (value,)
        if len(refs) == 1:  # the common case: nothing to merge
            found = self._names_of(refs[0])
            return list(found) if found else None
        out: list[Resource] = []
        seen: set[int] = set()  # identity: Resource equality compares every attribute
        for ref in refs:
            found = self._names_of(ref)
            if not found:
                return None
            for r in found:
                if id(r) not in seen:
                    seen.add(id(r))
                    out.append(r)
        return out

    def _names_of(self, ref: Any) -> list[Resource]:
        """`_resolve_all`, worked out once per reference text: the rules and RES601's
        graph ask for the same subnets, queues and functions again and again."""
        if type(ref) is not str:
            return self._resolve_all(ref)
        found = self._named.get(ref)
        if found is None:
            found = self._named[ref] = self._resolve_all(ref)
        return found

    def _resolve_all(self, ref: Any) -> list[Resource]:
        single = self.resolve(ref)
        if single is not None:
            return [single]
        if isinstance(ref, str):
            # `module.a["x"].aws_subnet.b`: the instances of b in that module instance
            keyed = "[" in ref
            parts = (strip_instance_keys(ref) if keyed else ref).split(".")
            written = ref.split(".")
            while len(parts) >= 2:
                if keyed:
                    many = self._by_counted.get(".".join(written[: len(parts)]))
                else:
                    many = (self._by_base if self._by_base is not None else self._base_names()).get(".".join(parts))
                if many:
                    return list(many)
                parts = parts[:-1]
        return []

    def _base_names(self) -> dict[str, list[Resource]]:
        """Keyed resources by their address without instance keys, in scan order."""
        if self._by_base is None:
            self._by_base = defaultdict(list)
            for r in self.resources:
                if "[" in r.address:
                    self._by_base[strip_instance_keys(r.address)].append(r)
        return self._by_base

    def memo(self, key: str, build: Callable[[Index], _Built]) -> _Built:
        """Build a family-specific lookup once per scan (one key, one builder: what
        the key holds is what its builder returns)."""
        if key not in self._memo:
            self._memo[key] = build(self)
        return cast("_Built", self._memo[key])

    def namespace_of(self, r: Resource) -> str:
        return r.namespace or self.default_namespace


# ----------------------------------------------------------------- selectors
def selector_matches(selector: Any, labels: Any) -> bool | None:
    """Kubernetes LabelSelector semantics (`matchLabels` + `matchExpressions`).

    A null selector matches nothing; an empty selector `{}` matches everything.
    Returns None when the selector or the labels are unknown.
    """
    if is_unknown(selector) or is_unknown(labels):
        return None
    if selector is None:
        return False
    if not isinstance(selector, dict):
        return False
    labels = labels if isinstance(labels, dict) else {}
    match_labels = selector.get("matchLabels") or {}
    for key, value in match_labels.items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key = expr.get("key")
        op = expr.get("operator")
        values = expr.get("values") or []
        if op == "In":
            if key not in labels or labels[key] not in values:
                return False
        elif op == "NotIn":
            if key in labels and labels[key] in values:
                return False
        elif op == "Exists":
            if key not in labels:
                return False
        elif op == "DoesNotExist":
            if key in labels:
                return False
        else:
            return False
    return True


def parse_label_selector(text: str) -> dict[str, Any] | None:
    """A label selector written as text (`tier=backend,env in (prod, dr),!canary`, as
    `kubectl -l` and kustomize's `labelSelector` take it) as the LabelSelector object
    `selector_matches` reads; None for what this does not read (`>`/`<`, broken syntax).
    Read by hand, not by a regular expression: it is user text."""
    expressions: list[dict[str, Any]] = []
    depth, start, parts = 0, 0, []
    for at, char in enumerate(text):  # requirements split at the commas outside `( )`
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(text[start:at])
            start = at + 1
    parts.append(text[start:])
    for part in (p.strip() for p in parts):
        if not part:
            if len(parts) == 1:
                break  # the empty selector: everything
            return None
        if "(" in part:
            head, _, values = part.partition("(")
            words = head.split()
            if len(words) != 2 or words[1] not in ("in", "notin") or not values.rstrip().endswith(")"):
                return None
            listed = [v.strip() for v in values.rstrip()[:-1].split(",")]
            expressions.append({"key": words[0], "operator": "In" if words[1] == "in" else "NotIn", "values": listed})
            continue
        for written, operator in (("!=", "NotIn"), ("==", "In"), ("=", "In")):
            key, found, value = part.partition(written)
            if found:
                expressions.append({"key": key.strip(), "operator": operator, "values": [value.strip()]})
                break
        else:
            if any(c in part for c in "<>") or " " in part.strip("! "):
                return None
            expressions.append({"key": part.lstrip("!").strip(),
                                "operator": "DoesNotExist" if part.startswith("!") else "Exists"})
    return {"matchExpressions": expressions}


def map_selector_matches(selector: Any, labels: Any) -> bool | None:
    """A Service-style selector (a plain map); empty or absent selects nothing."""
    if is_unknown(selector) or is_unknown(labels):
        return None
    if not selector or not isinstance(selector, dict):
        return False
    labels = labels if isinstance(labels, dict) else {}
    return all(labels.get(k) == v for k, v in selector.items())
