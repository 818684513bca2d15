"""Kubernetes helpers shared by the Kubernetes rule modules.

Pod templates, effective replica counts and the autoscaler lookup (HPA and
KEDA ScaledObject targets), built once per scan through `Index.memo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from linter import attribute_facts
from linter.index import Index, map_selector_matches, selector_matches
from linter.model import UNKNOWN, Resource, is_unknown
from linter.rules._values import Setting, setting

# a label pair a selector requires (the key its object is indexed under)
LabelPair = tuple[str, str]
# per namespace: selector-bearing objects by a label pair they require, those
# with no such pair (checked against every pod), and each object's position
PairTable = tuple[dict[LabelPair, list[Resource]], list[Resource], dict[int, int]]

DEPLOYMENT = "apps/Deployment"
STATEFULSET = "apps/StatefulSet"
DAEMONSET = "apps/DaemonSet"
REPLICASET = "apps/ReplicaSet"
POD = "core/Pod"
JOB = "batch/Job"
CRONJOB = "batch/CronJob"
HPA = "autoscaling/HorizontalPodAutoscaler"
SCALED_OBJECT = "keda.sh/ScaledObject"
PDB = "policy/PodDisruptionBudget"
SERVICE = "core/Service"
# Argo Rollouts: a Deployment with progressive delivery; same pod template and replica
# semantics (spec.replicas defaults to 1), or its template taken from a Deployment
# through spec.workloadRef (linked by linter.normalize.kubernetes)
ROLLOUT = "argoproj.io/Rollout"

WORKLOADS = (DEPLOYMENT, STATEFULSET, DAEMONSET, REPLICASET, ROLLOUT)
SCALABLE = (DEPLOYMENT, STATEFULSET, REPLICASET, ROLLOUT)
# what serves traffic from pods (the failure-domain graph's workloads)
SERVING_KINDS = (DEPLOYMENT, STATEFULSET, REPLICASET, ROLLOUT, DAEMONSET, POD)
# API groups whose kinds an autoscaler's scaleTargetRef may name here
SCALE_TARGET_GROUPS = ("apps", "extensions", "argoproj.io")


def _unset(kind: str, path: str) -> str:
    """"`spec.replicas` unset = 1": the API's default, from linter.attribute_facts."""
    return f"`{path.removeprefix('spec.')}` unset = {attribute_facts.default(kind, path)}"


_STRATEGY = "spec.strategy.rollingUpdate."
# What each workload kind is assumed to run when its count is not written
# (docs/rules.md's workload table; operator kinds: replicas_operators.OPERATOR_SIZES);
# the values are the Kubernetes table's (linter.attribute_facts)
WORKLOAD_DEFAULTS: dict[str, str] = {
    DEPLOYMENT: f"`spec.replicas` unset = {attribute_facts.default(DEPLOYMENT, 'spec.replicas')}; strategy "
                f"{attribute_facts.default(DEPLOYMENT, 'spec.strategy.type')}, maxUnavailable "
                f"{attribute_facts.default(DEPLOYMENT, _STRATEGY + 'maxUnavailable')} (rounded down), maxSurge "
                f"{attribute_facts.default(DEPLOYMENT, _STRATEGY + 'maxSurge')} (rounded up)",
    ROLLOUT: f"`spec.replicas` unset = {attribute_facts.default(ROLLOUT, 'spec.replicas')}; pod template from "
             "`spec.template`, or from the Deployment `spec.workloadRef` names (that Deployment is then judged "
             "through the Rollout)",
    STATEFULSET: f"`spec.replicas` unset = {attribute_facts.default(STATEFULSET, 'spec.replicas')}",
    REPLICASET: f"`spec.replicas` unset = {attribute_facts.default(REPLICASET, 'spec.replicas')} (bare ReplicaSets "
                "only; owned ones are judged through their Deployment)",
    DAEMONSET: "one pod per node (the count is not in the manifests)",
    POD: "one pod (bare Pods only; owned ones are judged through their owner)",
    HPA: f"{_unset(HPA, 'spec.minReplicas')}; its minimum is the workload's replica floor",
    SCALED_OBJECT: f"{_unset(SCALED_OBJECT, 'spec.minReplicaCount')}, {_unset(SCALED_OBJECT, 'spec.maxReplicaCount')}",
    PDB: f"{_unset(PDB, 'spec.unhealthyPodEvictionPolicy')}; percentages rounded up against the "
         "selected workloads' replica floor",
    JOB: f"{_unset(JOB, 'spec.backoffLimit')}; no `activeDeadlineSeconds`",
    CRONJOB: "as Job, for `spec.jobTemplate`",
}


def display(r: Resource, index: Index) -> str:
    """`Deployment shop/web`: how Kubernetes users name an object."""
    return f"{r.kind} {index.namespace_of(r)}/{r.name}"


def pod_spec_path(r: Resource) -> str | None:
    if r.type == POD:
        return "spec"
    if r.type == CRONJOB:
        return "spec.jobTemplate.spec.template.spec"
    if r.type in WORKLOADS or r.type == JOB:
        return "spec.template.spec"
    return None


def template_labels(r: Resource) -> Any:
    """The pod template's labels as written (a dict, Unknown, or anything a manifest holds)."""
    if r.type == POD:
        return r.get("metadata.labels", {})
    return r.get("spec.template.metadata.labels", {})


def _autoscalers(index: Index) -> dict[tuple[str, str, str], list[Resource]]:
    """(namespace, kind, name) of the scale target -> autoscalers targeting it."""
    targets: dict[tuple[str, str, str], list[Resource]] = {}
    for a in index.by_type(HPA, SCALED_OBJECT):
        ref = a.get("spec.scaleTargetRef")
        if not isinstance(ref, dict) or is_unknown(ref.get("name")):
            continue
        kind = ref.get("kind") or ("Deployment" if a.type == SCALED_OBJECT else None)
        if not kind or not ref.get("name"):
            continue
        api = ref.get("apiVersion")
        if isinstance(api, str) and "/" in api and api.split("/")[0] not in SCALE_TARGET_GROUPS:
            continue  # scales something else (e.g. a custom resource)
        key = (index.namespace_of(a), kind, ref["name"])
        targets.setdefault(key, []).append(a)
    return targets


def autoscalers_for(r: Resource, index: Index) -> list[Resource]:
    targets = index.memo("k8s.autoscalers", _autoscalers)
    return targets.get((index.namespace_of(r), r.kind, r.name), [])


def autoscaler_min_setting(a: Resource) -> Setting:
    """The minimum of an HPA (`spec.minReplicas`) or ScaledObject (`spec.minReplicaCount`),
    unset: the API's default (linter.attribute_facts)."""
    return setting(a, "spec.minReplicaCount" if a.type == SCALED_OBJECT else "spec.minReplicas")


def autoscaler_min(a: Resource) -> Any:
    """Effective minimum of an HPA or ScaledObject. May be an Unknown."""
    return autoscaler_min_setting(a).value


def effective_replicas(r: Resource, index: Index) -> Any:
    """Replica floor: the autoscaler minimum when one owns the count (a
    cluster-proportional-autoscaler's: on a cluster of CPA_NODES nodes), else
    `spec.replicas` (unset: its default). May return an Unknown."""
    owners = autoscalers_for(r, index)
    if owners:
        return min(autoscaler_min(a) for a in owners)
    scalers = proportional_scalers_for(r, index)
    if any(is_unknown(scaler.floor) for scaler in scalers):
        return UNKNOWN
    if scalers:
        return min(scaler.floor for scaler in scalers)
    if index.namespace_of(r) in index.memo("k8s.autoscalers.unknown", _unknown_target_namespaces):
        return UNKNOWN  # an autoscaler whose target is not known yet may own this count
    return setting(r, "spec.replicas").value


def _unknown_target_namespaces(index: Index) -> set[str]:
    """Namespaces holding an autoscaler whose scaleTargetRef is unknown (Pulumi previews), or
    a cluster-proportional-autoscaler whose flags are not known."""
    out: set[str] = set(index.memo(PROPORTIONAL_MEMO_KEY, _proportional)[1])
    for a in index.by_type(HPA, SCALED_OBJECT):
        ref = a.get("spec.scaleTargetRef")
        if is_unknown(ref) or (isinstance(ref, dict) and (is_unknown(ref.get("name")) or is_unknown(ref.get("kind")))):
            out.add(index.namespace_of(a))
    return out


def unknown_owner(r: Resource, index: Index) -> bool:
    """Some autoscaler of r's namespace may own its count, its target not known here."""
    return index.namespace_of(r) in index.memo("k8s.autoscalers.unknown", _unknown_target_namespaces)


# ------------------------------------------------------------------ cluster-proportional-autoscaler
# kubernetes-sigs/cluster-proportional-autoscaler: a Deployment (kube-dns's and calico-typha's
# in kube-system, the CoreDNS chart's `autoscaler`) that sets its target's replicas from the
# cluster's schedulable nodes and cores, by the `linear` or `ladder` params of a ConfigMap
# (`--configmap`; created from `--default-params` when it does not exist). Its target's
# `spec.replicas` is overwritten by it, as by an HPA.
CPA_IMAGE = "cluster-proportional-autoscaler"  # its image's name (`-amd64`, `-arm64` too)
CONFIG_MAP = "core/ConfigMap"
CPA_TARGET_KINDS = {"deployment": "Deployment", "replicaset": "ReplicaSet",
                    "replicationcontroller": "ReplicationController", "statefulset": "StatefulSet"}
# the smallest cluster whose pods can be spread over nodes: a floor is judged there (with
# as many cores, the least two nodes have)
CPA_NODES = 2
PROPORTIONAL_MEMO_KEY = "k8s.proportional"


@dataclass(frozen=True)
class ProportionalScaler:
    """A cluster-proportional-autoscaler owning a workload's replica count: `floor`, the
    replicas it keeps on a cluster of CPA_NODES nodes (an int, or UNKNOWN), and how its
    params give that, in their own words and where they are set (`params`)."""

    resource: Resource  # the autoscaler's own workload
    path: str  # its container's flags (`args`, or `command`)
    floor: Any
    params: str


def proportional_scalers_for(r: Resource, index: Index) -> list[ProportionalScaler]:
    return index.memo(PROPORTIONAL_MEMO_KEY, _proportional)[0].get((index.namespace_of(r), r.kind, r.name), [])


def proportional_scaler_of(r: Resource, index: Index) -> list[tuple[tuple[str, str, str], ProportionalScaler]]:
    """The targets (namespace, kind, name) the cluster-proportional-autoscaler `r` owns."""
    owned = index.memo(PROPORTIONAL_MEMO_KEY, _proportional)[0]
    return [(target, scaler) for target, scalers in owned.items() for scaler in scalers if scaler.resource is r]


def _proportional(index: Index) -> tuple[dict[tuple[str, str, str], list[ProportionalScaler]], set[str]]:
    """(namespace, kind, name) of each cluster-proportional-autoscaler target -> the scalers
    owning it; and the namespaces of those whose flags are not known (they may own any)."""
    owned: dict[tuple[str, str, str], list[ProportionalScaler]] = {}
    unknown: set[str] = set()
    for r in index.by_type(*SCALABLE):
        for path, c in containers(r):
            if not isinstance(c, dict) or not (image_name(c.get("image")) or "").startswith(CPA_IMAGE):
                continue
            flags = _flags(c)
            namespace = flags.get("namespace") if flags is not None else None
            namespace = namespace if namespace is not None else index.namespace_of(r)
            targets = flags.get("target") if flags is not None else None
            if not isinstance(namespace, str) or not isinstance(targets, str):
                unknown.add(namespace if isinstance(namespace, str) else index.namespace_of(r))
                continue
            assert flags is not None
            floor, params = _floor(index, namespace, flags)
            scaler = ProportionalScaler(r, f"{path}.{'args' if 'args' in c else 'command'}", floor, params)
            for target in targets.split(","):
                kind, _, name = target.strip().partition("/")
                if CPA_TARGET_KINDS.get(kind.lower()) and name:
                    owned.setdefault((namespace, CPA_TARGET_KINDS[kind.lower()], name), []).append(scaler)
    return owned, unknown


def _flags(c: dict[str, Any]) -> dict[str, Any] | None:
    """A container's `--name=value` (or `--name value`) flags, from its command and args;
    None when a word of them is not known."""
    words: list[Any] = []
    for key in ("command", "args"):
        listed = c.get(key)
        if listed is None:
            continue
        if not isinstance(listed, list):
            return None
        words += listed
    if any(is_unknown(word) for word in words):
        return None
    flags: dict[str, Any] = {}
    for i, word in enumerate(words):
        if isinstance(word, str) and word.startswith("-"):
            name, equals, value = word.lstrip("-").partition("=")
            following = words[i + 1] if i + 1 < len(words) else None
            flags[name] = value if equals else following if isinstance(following, str) and \
                not following.startswith("-") else ""
    return flags


def _floor(index: Index, namespace: str, flags: dict[str, Any]) -> tuple[Any, str]:
    """The replicas a cluster-proportional-autoscaler keeps on a cluster of CPA_NODES nodes
    (UNKNOWN when its params are not known here, or are no params it runs with), and how."""
    import json

    name = flags.get("configmap")
    found = [m for m in index.by_type(CONFIG_MAP) if m.name == name and index.namespace_of(m) == namespace]
    text: Any = None
    if found:  # the ConfigMap wins over the defaults (they only create it when it is missing)
        data = found[0].get("data")
        if not isinstance(data, dict):
            return UNKNOWN, ""
        mode = "linear" if "linear" in data else "ladder" if "ladder" in data else None
        if mode is None:
            return UNKNOWN, ""
        text = data[mode]
        where = f"ConfigMap {namespace}/{name} data.{mode}"
    elif isinstance(flags.get("default-params"), str):
        where = "its --default-params"
        try:
            defaults = json.loads(flags["default-params"])
        except ValueError:
            return UNKNOWN, ""
        mode = next(iter(defaults), None) if isinstance(defaults, dict) and len(defaults) == 1 else None
        if mode not in ("linear", "ladder"):
            return UNKNOWN, ""
        text = json.dumps(defaults[mode])
    else:  # a ConfigMap made elsewhere
        return UNKNOWN, ""
    if not isinstance(text, str):
        return UNKNOWN, ""
    try:
        params = json.loads(text)
    except ValueError:
        return UNKNOWN, ""
    floor = _linear_floor(params) if mode == "linear" else _ladder_floor(params)
    return (UNKNOWN, "") if floor is None else (floor, f"its {mode} params {_compact(params)} ({where})")


def _compact(params: Any) -> str:
    import json

    return json.dumps(params, separators=(", ", ": "))


def _number(params: dict[str, Any], key: str) -> float | None:
    value = params.get(key, 0)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _linear_floor(params: Any) -> int | None:
    """`linear`: max(ceil(cores / coresPerReplica), ceil(nodes / nodesPerReplica)), each
    within min and max (a zero per-replica count gives 1), and at least 2 on more than one
    node with preventSinglePointFailure (the autoscaler's LinearController)."""
    import math

    if not isinstance(params, dict):
        return None
    cores, nodes, low, high = (_number(params, key) for key in ("coresPerReplica", "nodesPerReplica", "min", "max"))
    prevent = params.get("preventSinglePointFailure", False)
    if cores is None or nodes is None or low is None or high is None or not isinstance(prevent, bool) \
            or (cores == 0 and nodes == 0) or min(cores, nodes, low, high) < 0:
        return None  # the autoscaler refuses such params

    def part(per: float) -> int:
        if per == 0:
            return 1
        replicas = math.ceil(CPA_NODES / per)
        replicas = min(int(high), replicas) if high else replicas
        return max(int(low), replicas)

    by_nodes = part(nodes)
    if prevent and by_nodes < 2:
        by_nodes = 2
    return max(part(cores), by_nodes)


def _ladder_floor(params: Any) -> int | None:
    """`ladder`: the replicas of the last step at or below the count (the first step's below
    it; 1 for no steps), the greater of the cores' and the nodes' (LadderController)."""
    if not isinstance(params, dict):
        return None
    found = []
    for key in ("coresToReplicas", "nodesToReplicas"):
        steps = params.get(key) or []
        if not isinstance(steps, list) or not all(
                isinstance(step, list) and len(step) == 2 and all(isinstance(n, int) and not isinstance(n, bool)
                                                                 for n in step) for step in steps):
            return None
        below = [replicas for threshold, replicas in steps if threshold <= CPA_NODES]
        found.append(below[-1] if below else steps[0][1] if steps else 1)
    return max(found)


def selected_by(selector: Any, r: Resource) -> bool | None:
    return selector_matches(selector, template_labels(r))


# ------------------------------------------------------------------ shared by RES2xx/RES4xx/RES5xx
VIRTUAL_SERVICE = "networking.istio.io/VirtualService"
DESTINATION_RULE = "networking.istio.io/DestinationRule"
GATEWAY_HTTPROUTE = "gateway.networking.k8s.io/HTTPRoute"
LINKERD_HTTPROUTE = "policy.linkerd.io/HTTPRoute"
SERVICE_PROFILE = "linkerd.io/ServiceProfile"
POD_TEMPLATES = (DEPLOYMENT, STATEFULSET, DAEMONSET, REPLICASET, ROLLOUT, POD)


def labels_text(labels: Any) -> str:
    """`app=web,tier=front`: labels as `kubectl get -l` takes them, sorted, as
    the Pulumi engine's gRPC Struct hands them to the policy pack in key order."""
    if not isinstance(labels, dict) or not labels:
        return "no labels"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items(), key=lambda kv: str(kv[0])))


def selector_text(selector: Any) -> str:
    if not isinstance(selector, dict):
        return "no selector"
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        if isinstance(expr, dict):
            values = ",".join(str(v) for v in expr.get("values") or [])
            parts.append(f"{expr.get('key')} {expr.get('operator')} ({values})" if values else f"{expr.get('key')} {expr.get('operator')}")
    return ", ".join(parts) or "{} (every pod)"


def judged_through_rollout(r: Resource) -> bool:
    """A Deployment that an Argo Rollout's workloadRef names only lends its pod
    template: the Rollout runs the pods (and is judged), the Deployment is
    usually scaled to 0 on purpose."""
    return bool(r.meta.get("template_of_rollout"))


def owned_by_controller(r: Resource) -> bool:
    """A ReplicaSet, Job or Pod made by a controller is judged through its owner."""
    refs = r.get("metadata.ownerReferences")
    if not isinstance(refs, list):
        return False
    return any(isinstance(o, dict) and o.get("kind") for o in refs)


def in_namespace(index: Index, types: tuple[str, ...], namespace: str) -> list[Resource]:
    """Objects of `types` in one namespace, grouped once per scan."""
    key = "k8s.by_namespace." + ",".join(types)

    def build(ix: Index) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = {}
        for obj in ix.by_type(*types):
            out.setdefault(ix.namespace_of(obj), []).append(obj)
        return out

    return index.memo(key, build).get(namespace, [])


def _label_pair(labels: Any) -> LabelPair | None:
    """One `key=value` a selector requires (the first of its map), for indexing."""
    if isinstance(labels, dict):
        for key, value in labels.items():
            if isinstance(key, str) and isinstance(value, str):
                return key, value
    return None


def _position(objs: list[Resource]) -> dict[int, int]:
    return {id(o): i for i, o in enumerate(objs)}


def _selectors_by_pair(index: Index, types: tuple[str, ...],
                       pair_of: Callable[[Resource], LabelPair | None]) -> dict[str, PairTable]:
    """Per namespace: selector-bearing objects keyed by one label pair their
    selector requires; those with no such pair (expressions only, empty,
    null, unknown) must be checked against every pod. Turns "which selectors
    match these labels" from a scan of the namespace into a few lookups."""
    out: dict[str, PairTable] = {}
    for ns in {index.namespace_of(o) for o in index.by_type(*types)}:
        objs = in_namespace(index, types, ns)
        keyed: dict[LabelPair, list[Resource]] = {}
        always: list[Resource] = []
        for o in objs:
            pair = pair_of(o)
            (keyed.setdefault(pair, []) if pair else always).append(o)
        out[ns] = (keyed, always, _position(objs))
    return out


def _candidates(table: dict[str, PairTable], namespace: str, labels: dict[str, Any]) -> list[Resource]:
    keyed, always, position = table.get(namespace, ({}, [], {}))
    found = list(always)
    for key, value in labels.items():
        if isinstance(value, str):
            found.extend(keyed.get((key, value), ()))
    return sorted(found, key=lambda o: position[id(o)])


def _matching(r: Resource, index: Index, types: tuple[str, ...], key: str,
              pair_of: Callable[[Resource], LabelPair | None],
              matches: Callable[[Resource, dict[str, Any]], bool | None]) -> list[Resource] | None:
    labels = template_labels(r)
    if is_unknown(labels):
        return None
    labels = labels if isinstance(labels, dict) else {}
    table = index.memo(key, lambda ix: _selectors_by_pair(ix, types, pair_of))
    found: list[Resource] = []
    for obj in _candidates(table, index.namespace_of(r), labels):
        matched = matches(obj, labels)
        if matched is None:
            return None
        if matched:
            found.append(obj)
    return found


def pdbs_selecting(r: Resource, index: Index) -> list[Resource] | None:
    """PodDisruptionBudgets in r's namespace whose selector matches its pods.

    None when a selector or the pod labels are unknown (cannot tell)."""
    def pair_of(pdb: Resource) -> LabelPair | None:
        selector = pdb.get("spec.selector")
        return _label_pair(selector.get("matchLabels")) if isinstance(selector, dict) else None

    return _matching(r, index, (PDB,), "k8s.pdbs_by_pair", pair_of,
                     lambda pdb, labels: selector_matches(pdb.get("spec.selector"), labels))


def services_selecting(r: Resource, index: Index) -> list[Resource] | None:
    """Services in r's namespace whose selector matches its pod labels (None: unknown)."""
    return _matching(r, index, (SERVICE,), "k8s.services_by_pair",
                     lambda svc: _label_pair(svc.get("spec.selector")),
                     lambda svc, labels: map_selector_matches(svc.get("spec.selector"), labels))


def pods_by_label(index: Index, types: tuple[str, ...], namespace: str, selector: Any) -> list[Resource]:
    """Objects of `types` in a namespace that a LabelSelector may select: those
    carrying one pair its matchLabels requires, plus those whose labels are
    unknown; every object when the selector has no matchLabels. Callers
    still check the full selector."""
    pair = _label_pair(selector.get("matchLabels")) if isinstance(selector, dict) else None
    objs = in_namespace(index, types, namespace)
    if pair is None:
        return objs

    def build(ix: Index) -> dict[str, tuple[dict[LabelPair, list[Resource]], list[Resource]]]:
        out: dict[str, tuple[dict[LabelPair, list[Resource]], list[Resource]]] = {}
        for ns in {ix.namespace_of(o) for o in ix.by_type(*types)}:
            keyed: dict[LabelPair, list[Resource]] = {}
            unknown: list[Resource] = []
            for o in in_namespace(ix, types, ns):
                labels = template_labels(o)
                if is_unknown(labels) or not isinstance(labels, dict):
                    unknown.append(o)
                    continue
                for k, v in labels.items():
                    if isinstance(v, str):
                        keyed.setdefault((k, v), []).append(o)
            out[ns] = (keyed, unknown)
        return out

    keyed, unknown = index.memo("k8s.pods_by_label." + ",".join(types), build).get(namespace, ({}, []))
    # once per scan, not per call: per call it was a pass over the namespace (quadratic)
    position = index.memo("k8s.position." + ",".join(types), lambda ix: _position(ix.by_type(*types)))
    return sorted(keyed.get(pair, []) + unknown, key=lambda o: position[id(o)])


def replicas_phrase(r: Resource, index: Index) -> str:
    """`has 3 replicas` or `keeps at least 2 replicas (HorizontalPodAutoscaler
    shop/web minReplicas: 2)`: where the effective count comes from."""
    owners = autoscalers_for(r, index)
    if owners:  # callers only ask once effective_replicas() is known
        low = min(owners, key=autoscaler_min)
        field = "minReplicaCount" if low.type == SCALED_OBJECT else "minReplicas"
        floor = autoscaler_min(low)
        return (f"keeps at least {floor} replica{'' if floor == 1 else 's'} "
                f"({low.kind} {index.namespace_of(low)}/{low.name} {field}: {autoscaler_min(low)})")
    scalers = proportional_scalers_for(r, index)
    if scalers:
        scaler = min(scalers, key=lambda s: s.floor)
        return (f"keeps at least {scaler.floor} replica{'' if scaler.floor == 1 else 's'} on a cluster of "
                f"{CPA_NODES} nodes (cluster-proportional-autoscaler {display(scaler.resource, index)})")
    replicas = setting(r, "spec.replicas").value
    return f"has {replicas} replica{'' if replicas == 1 else 's'}"


def containers(r: Resource) -> Iterator[tuple[str, Any]]:
    """(path, container) for every regular container of r's pod template.

    Init containers are left out: they run to completion before the pod
    serves (restartable sidecars are judged by their own owners)."""
    base = pod_spec_path(r)
    if base is None:
        return
    items = r.get(f"{base}.containers")
    if is_unknown(items):
        return
    if not isinstance(items, list):
        return
    for i, c in enumerate(items):
        yield f"{base}.containers.{i}", c


# ------------------------------------------------------------------ helper containers (RES503/RES504)
# Sidecars that serve no traffic of their own, known by their image's name (the
# last path segment of the repository, without registry, tag or digest). ONE
# list, documented in RES503/RES504; a container in it is exempt from the probe
# rules only while no Service, probe or route targets one of its ports.
HELPER_IMAGES: dict[str, str] = {
    # config reloaders: watch a ConfigMap/Secret and poke the main process
    "configmap-reload": "config reloader",
    "prometheus-config-reloader": "config reloader",
    "config-reloader": "config reloader",
    "k8s-sidecar": "config reloader",  # kiwigrid/k8s-sidecar (Grafana dashboards, datasources)
    "git-sync": "config reloader",
    # CSI sidecars: talk to the driver over a unix socket, serve no network traffic
    "csi-node-driver-registrar": "CSI sidecar",
    "csi-provisioner": "CSI sidecar",
    "csi-attacher": "CSI sidecar",
    "csi-resizer": "CSI sidecar",
    "csi-snapshotter": "CSI sidecar",
    "csi-external-health-monitor-controller": "CSI sidecar",
}
# the infrastructure container of a pod: holds namespaces, runs nothing (a mesh
# gateway deployed as `pause` until the proxy is injected)
PAUSE_IMAGES = ("pause",)


def image_name(image: Any) -> str | None:
    """`registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.9.0@sha256:...` ->
    `csi-node-driver-registrar`."""
    if not isinstance(image, str) or not image:
        return None
    repo = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return repo.split(":", 1)[0] or None


def only_pause_container(r: Resource) -> bool:
    """The pod's only regular container is the `pause` image."""
    items = list(containers(r))
    return len(items) == 1 and isinstance(items[0][1], dict) and image_name(items[0][1].get("image")) in PAUSE_IMAGES


def _probe_ports(c: dict[str, Any]) -> list[Any]:
    out = []
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        p = c.get(probe)
        if not isinstance(p, dict):
            continue
        for handler in ("httpGet", "tcpSocket", "grpc"):
            h = p.get(handler)
            if isinstance(h, dict) and h.get("port") is not None:
                out.append(h["port"])
    return out


def targeted_ports(r: Resource, index: Index, services: list[Resource] | None) -> list[Any] | None:
    """Ports (numbers or names) that traffic or the kubelet aims at in r's pods:
    the targetPort (default: port) of every Service selecting them (routes reach
    pods through Services) and the port of every probe handler. None: unknown
    (`services` None: which Services select the pods is not known)."""
    if services is None:
        return None
    out: list[Any] = []
    for svc in services or []:
        ports = svc.get("spec.ports")
        if is_unknown(ports):
            return None
        for p in ports or []:
            if not isinstance(p, dict):
                continue
            target = p.get("targetPort", p.get("port"))
            if is_unknown(target):
                return None
            out.append(target)
    for _, c in containers(r):
        if isinstance(c, dict):
            out.extend(_probe_ports(c))
    return out


def helper_serving_nothing(c: dict[str, Any], targeted: list[Any] | None) -> str | None:
    """What kind of helper `c` is, when it is a known helper none of whose ports
    is targeted; None otherwise (including when that cannot be known)."""
    kind = HELPER_IMAGES.get(image_name(c.get("image")) or "")
    if kind is None or targeted is None:
        return None
    ports = c.get("ports")
    if is_unknown(ports):
        return None
    for p in ports or []:
        if not isinstance(p, dict):
            continue
        number, name = p.get("containerPort"), p.get("name")
        if is_unknown(number) or is_unknown(name):
            return None
        for t in targeted:
            if is_unknown(t):
                return None
            if t == number or (isinstance(name, str) and t == name) or (isinstance(t, str) and t == str(number)):
                return None
    return kind
