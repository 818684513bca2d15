"""The JSON types of the Kubernetes fields rules read.

The API server rejects `containers: web` or `selector: [app]`; a manifest that
says so never runs, so judging it would report on nothing real, and a rule
reading it as the object it should be could crash. The Kubernetes and Pulumi
loaders check these fields and reject the object with the field's path and
what Kubernetes expects there. Values not known yet (Pulumi previews) pass.

Paths are dotted; `[]` stands for every element of a list.
"""

from __future__ import annotations

from typing import Any, Iterator

from linter.model import is_unknown

MAP, LIST, STR, INT, SCALAR = "map", "list", "string", "integer", "scalar"
INT_OR_STR = "integer or string"

_EXPECTED = {
    MAP: "a mapping", LIST: "a list", STR: "a string", INT: "an integer",
    SCALAR: "a string", INT_OR_STR: "an integer or a string",
}


def _selector(base: str) -> list[tuple[str, str]]:
    return [
        (base, MAP),
        (f"{base}.matchLabels", MAP),
        (f"{base}.matchLabels.*", SCALAR),
        (f"{base}.matchExpressions", LIST),
        (f"{base}.matchExpressions[]", MAP),
        (f"{base}.matchExpressions[].key", STR),
        (f"{base}.matchExpressions[].operator", STR),
        (f"{base}.matchExpressions[].values", LIST),
        (f"{base}.matchExpressions[].values[]", SCALAR),
    ]


def _containers(base: str) -> list[tuple[str, str]]:
    out = [(base, LIST), (f"{base}[]", MAP), (f"{base}[].name", STR), (f"{base}[].ports", LIST),
           (f"{base}[].ports[]", MAP), (f"{base}[].resources", MAP), (f"{base}[].env", LIST),
           (f"{base}[].env[]", MAP)]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        out.append((f"{base}[].{probe}", MAP))
    return out


def _pod_spec(base: str) -> list[tuple[str, str]]:
    anti = f"{base}.affinity.podAntiAffinity"
    node = f"{base}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
    return [
        (base, MAP),
        *_containers(f"{base}.containers"),
        *_containers(f"{base}.initContainers"),
        (f"{base}.affinity", MAP),
        (anti, MAP),
        (f"{anti}.requiredDuringSchedulingIgnoredDuringExecution", LIST),
        (f"{anti}.requiredDuringSchedulingIgnoredDuringExecution[]", MAP),
        *_selector(f"{anti}.requiredDuringSchedulingIgnoredDuringExecution[].labelSelector"),
        (f"{anti}.preferredDuringSchedulingIgnoredDuringExecution", LIST),
        (f"{anti}.preferredDuringSchedulingIgnoredDuringExecution[]", MAP),
        (f"{anti}.preferredDuringSchedulingIgnoredDuringExecution[].podAffinityTerm", MAP),
        (f"{base}.affinity.nodeAffinity", MAP),
        (node, MAP),
        (f"{node}.nodeSelectorTerms", LIST),
        (f"{node}.nodeSelectorTerms[]", MAP),
        (f"{node}.nodeSelectorTerms[].matchExpressions", LIST),
        (f"{node}.nodeSelectorTerms[].matchExpressions[]", MAP),
        (f"{node}.nodeSelectorTerms[].matchExpressions[].values", LIST),
        (f"{base}.topologySpreadConstraints", LIST),
        (f"{base}.topologySpreadConstraints[]", MAP),
        *_selector(f"{base}.topologySpreadConstraints[].labelSelector"),
        (f"{base}.nodeSelector", MAP),
        (f"{base}.tolerations", LIST),
        (f"{base}.tolerations[]", MAP),
    ]


def _template(base: str) -> list[tuple[str, str]]:
    return [(base, MAP), (f"{base}.metadata", MAP), (f"{base}.metadata.labels", MAP),
            (f"{base}.metadata.labels.*", SCALAR), *_pod_spec(f"{base}.spec")]


def _failure_policy(base: str) -> list[tuple[str, str]]:
    policy = f"{base}.podFailurePolicy"
    return [(policy, MAP), (f"{policy}.rules", LIST), (f"{policy}.rules[]", MAP),
            (f"{policy}.rules[].action", STR), (f"{policy}.rules[].onExitCodes", MAP),
            (f"{policy}.rules[].onPodConditions", LIST), (f"{policy}.rules[].onPodConditions[]", MAP)]


_COMMON = [
    ("metadata", MAP),
    ("metadata.labels", MAP),
    ("metadata.labels.*", SCALAR),
    ("metadata.annotations", MAP),
    ("metadata.ownerReferences", LIST),
    ("metadata.ownerReferences[]", MAP),
]
_WORKLOAD = [("spec", MAP), ("spec.replicas", INT), *_selector("spec.selector"), *_template("spec.template")]
_SCALE_TARGET = [("spec", MAP), ("spec.scaleTargetRef", MAP), ("spec.scaleTargetRef.kind", STR),
                 ("spec.scaleTargetRef.name", STR), ("spec.scaleTargetRef.apiVersion", STR)]


def _traffic_policy(base: str) -> list[tuple[str, str]]:
    return [
        (base, MAP), (f"{base}.outlierDetection", MAP), (f"{base}.connectionPool", MAP),
        (f"{base}.portLevelSettings", LIST), (f"{base}.portLevelSettings[]", MAP),
    ]


SHAPES: dict[str, list[tuple[str, str]]] = {
    "apps/Deployment": _WORKLOAD,
    "apps/StatefulSet": _WORKLOAD,
    "apps/ReplicaSet": _WORKLOAD,
    "apps/DaemonSet": _WORKLOAD,
    "argoproj.io/Rollout": [*_WORKLOAD, ("spec.workloadRef", MAP), ("spec.workloadRef.name", STR)],
    "core/Pod": _pod_spec("spec"),
    "batch/Job": [("spec", MAP), ("spec.backoffLimit", INT), *_failure_policy("spec"), *_template("spec.template")],
    "batch/CronJob": [("spec", MAP), ("spec.jobTemplate", MAP), ("spec.jobTemplate.spec", MAP),
                      ("spec.jobTemplate.spec.backoffLimit", INT), *_failure_policy("spec.jobTemplate.spec"),
                      *_template("spec.jobTemplate.spec.template")],
    "core/Service": [("spec", MAP), ("spec.selector", MAP), ("spec.selector.*", SCALAR),
                     ("spec.ports", LIST), ("spec.ports[]", MAP)],
    "policy/PodDisruptionBudget": [("spec", MAP), ("spec.minAvailable", INT_OR_STR),
                                   ("spec.maxUnavailable", INT_OR_STR), *_selector("spec.selector")],
    "autoscaling/HorizontalPodAutoscaler": [*_SCALE_TARGET, ("spec.minReplicas", INT), ("spec.maxReplicas", INT),
                                            ("spec.metrics", LIST), ("spec.metrics[]", MAP)],
    "keda.sh/ScaledObject": [*_SCALE_TARGET, ("spec.minReplicaCount", INT), ("spec.maxReplicaCount", INT)],
    "networking.istio.io/DestinationRule": [
        ("spec", MAP), ("spec.host", STR), *_traffic_policy("spec.trafficPolicy"),
        ("spec.subsets", LIST), ("spec.subsets[]", MAP), ("spec.subsets[].labels", MAP),
        *_traffic_policy("spec.subsets[].trafficPolicy"),
    ],
    "networking.istio.io/VirtualService": [
        ("spec", MAP), ("spec.hosts", LIST), ("spec.hosts[]", STR), ("spec.http", LIST), ("spec.http[]", MAP),
        ("spec.http[].route", LIST), ("spec.http[].route[]", MAP), ("spec.http[].route[].destination", MAP),
        ("spec.http[].retries", MAP), ("spec.http[].match", LIST),
    ],
    "gateway.networking.k8s.io/HTTPRoute": [
        ("spec", MAP), ("spec.rules", LIST), ("spec.rules[]", MAP), ("spec.rules[].timeouts", MAP),
        ("spec.rules[].backendRefs", LIST), ("spec.rules[].backendRefs[]", MAP),
    ],
    "linkerd.io/ServiceProfile": [("spec", MAP), ("spec.routes", LIST), ("spec.routes[]", MAP),
                                  ("spec.retryBudget", MAP)],
}


def _matches(value: Any, expected: str) -> bool:
    if value is None or is_unknown(value):
        return True  # absent, or not known yet: nothing to judge
    if expected == MAP:
        return isinstance(value, dict)
    if expected == LIST:
        return isinstance(value, list)
    if expected == STR:
        return isinstance(value, str)
    if expected == INT:  # a whole number; YAML may say 2 or 2.0, Pulumi JSON 2.0
        return not isinstance(value, bool) and (
            isinstance(value, int) or isinstance(value, float) and value.is_integer())
    if expected == INT_OR_STR:
        return isinstance(value, str) or _matches(value, INT)
    if expected == SCALAR:  # a label value: YAML turns `version: 1` into a number
        return isinstance(value, (str, int, float, bool))
    return True


# how a pattern part reaches its children: a field, every value of a mapping (`*`), every
# item of a list field (`name[]`)
_FIELD, _EACH, _ITEMS = 0, 1, 2
# a type's patterns as a tree: (the node's own expectation or None, its children as
# (how reached, field name, node)); shared prefixes are walked once per object (a
# 10,000-object manifest pays one walk each, not one per pattern), and what each part
# means is worked out once per type, not once per object
_Node = tuple[Any, tuple[tuple[int, str, Any], ...]]
_TREES: dict[str, _Node] = {}


def _tree(canonical_type: str) -> _Node:
    tree = _TREES.get(canonical_type)
    if tree is None:
        trie: dict[str, Any] = {}
        for pattern, expected in (*_COMMON, *SHAPES.get(canonical_type, ())):
            node = trie
            for part in pattern.split("."):
                node = node.setdefault(part, {})
            node[""] = expected  # "" holds the node's own expectation
        tree = _TREES[canonical_type] = _compiled(trie)
    return tree


def _compiled(trie: dict[str, Any]) -> _Node:
    children = tuple(
        (_EACH, part, _compiled(child)) if part == "*"
        else (_ITEMS, part[:-2], _compiled(child)) if part.endswith("[]")
        else (_FIELD, part, _compiled(child))
        for part, child in trie.items() if part != "")
    return trie.get(""), children


def _check(value: Any, node: _Node) -> tuple[list[str], Any, str] | None:
    """The first field under `value` that breaks `node`'s expectations: its path
    (innermost part first: the path is only built for a failure), value and
    expected type."""
    expected, children = node
    if expected is not None and not _matches(value, expected):
        return [], value, expected
    if not isinstance(value, dict):
        return None  # not known yet, or a list or scalar: the expectation above said all
    for how, name, child in children:
        if how == _FIELD:
            sub = value.get(name)
            if sub is None:
                continue  # absent: nothing to judge (most patterns of a type are)
            found = _check(sub, child)
            if found:
                found[0].append(name)
                return found
        elif how == _ITEMS:
            items = value.get(name)
            if isinstance(items, list):
                for i, item in enumerate(items):
                    if item is None and child[0] is not None:  # `- ~` is not an absent field
                        return [str(i), name], item, child[0]
                    found = _check(item, child)
                    if found:
                        found[0].extend((str(i), name))
                        return found
        else:
            for key, sub in value.items():
                found = _check(sub, child)
                if found:
                    found[0].append(str(key))
                    return found
    return None


def shape_problem(canonical_type: str, obj: Any) -> tuple[str, str] | None:
    """(dotted path, message) of the first field whose type Kubernetes would reject."""
    found = _check(obj, _tree(canonical_type))
    if found is None:
        return None
    at, value, expected = found
    at.reverse()
    return ".".join(at), f"{_display(at)} must be {_EXPECTED[expected]}, got {_type_name(value)}"


def _display(at: list[str]) -> str:
    out = ""
    for part in at:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
