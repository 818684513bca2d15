"""Kubernetes helpers shared by the Kubernetes rule modules.

Pod templates, effective replica counts and the autoscaler lookup (HPA and
KEDA ScaledObject targets), built once per scan through `Index.memo`.
"""

from __future__ import annotations

from linter.index import Index, selector_matches
from linter.model import Resource, is_unknown

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

WORKLOADS = (DEPLOYMENT, STATEFULSET, DAEMONSET, REPLICASET)
SCALABLE = (DEPLOYMENT, STATEFULSET, REPLICASET)


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


def template_labels(r: Resource):
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
        if isinstance(api, str) and "/" in api and api.split("/")[0] not in ("apps", "extensions"):
            continue  # scales something else (e.g. a custom resource)
        key = (index.namespace_of(a), kind, ref["name"])
        targets.setdefault(key, []).append(a)
    return targets


def autoscalers_for(r: Resource, index: Index) -> list[Resource]:
    targets = index.memo("k8s.autoscalers", _autoscalers)
    return targets.get((index.namespace_of(r), r.kind, r.name), [])


def autoscaler_min(a: Resource):
    """Effective minimum of an HPA (default 1) or ScaledObject (default 0)."""
    if a.type == SCALED_OBJECT:
        return a.get("spec.minReplicaCount", 0)
    return a.get("spec.minReplicas", 1)


def effective_replicas(r: Resource, index: Index):
    """Replica floor: the autoscaler minimum when one owns the count, else
    `spec.replicas` (default 1). May return an Unknown."""
    owners = autoscalers_for(r, index)
    if owners:
        return min(autoscaler_min(a) for a in owners)
    return r.get("spec.replicas", 1)


def selected_by(selector, r: Resource) -> bool | None:
    return selector_matches(selector, template_labels(r))
