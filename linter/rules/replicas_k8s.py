"""RES1xx for Kubernetes: single replicas and autoscalers that allow one."""

from __future__ import annotations

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import rule
from linter.rules._k8s import (
    CPA_NODES, DEPLOYMENT, HPA, REPLICASET, ROLLOUT, SCALED_OBJECT, STATEFULSET, autoscalers_for, display,
    judged_through_rollout, proportional_scaler_of, proportional_scalers_for, unknown_owner,
)
from linter.rules._values import setting
from typing import Iterator, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import Context


def _single_replica(r: Resource, ctx: Context, *, path: str = "spec.replicas") -> Iterator[Violation]:
    if autoscalers_for(r, ctx.index) or proportional_scalers_for(r, ctx.index):
        return  # an HPA/ScaledObject (or a cluster-proportional-autoscaler) owns the count; RES103 judges its floor
    if unknown_owner(r, ctx.index):
        return  # an autoscaler whose target is not known here may own it
    replicas = setting(r, path)
    if replicas.unknown:
        return
    if replicas.defaulted:
        if replicas.value == 1:
            yield Violation(
                f"{display(r, ctx.index)} runs 1 replica: {replicas.describe()}, "
                "and no HorizontalPodAutoscaler or ScaledObject targets it",
                path="spec", unset=path,
            )
    elif replicas.value == 1:
        yield Violation(
            f"{display(r, ctx.index)} runs 1 replica (spec.replicas: 1) and no "
            "HorizontalPodAutoscaler or ScaledObject targets it",
            path=path,
        )


@rule(
    id="RES101",
    name="k8s-deployment-single-replica",
    title="Deployment (or Argo Rollout) runs a single replica.",
    severity=Severity.HIGH,
    types=(DEPLOYMENT, REPLICASET, ROLLOUT),
    remediation="Set spec.replicas to 2 or more, or let an HPA with minReplicas >= 2 own the count.",
    cross=True,
)
def deployment_single_replica(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Deployments, Argo Rollouts (`argoproj.io/Rollout`) and bare
    ReplicaSets whose effective replica count is 1: `spec.replicas: 1`, or
    `spec.replicas` unset (it defaults to 1 for all three), with no
    HorizontalPodAutoscaler or KEDA ScaledObject in the same namespace
    targeting the workload. `replicas: 0` (deliberately scaled to zero) is not
    reported, and neither is a Deployment that a Rollout's `spec.workloadRef`
    names: the Rollout runs the pods (the Deployment is usually scaled to 0
    on purpose) and is judged instead. Nor is a workload whose count a
    cluster-proportional-autoscaler owns (its `--target`, as kube-dns's and
    calico-typha's): RES103 judges the floor its params give.

    Why is this bad?
    With one replica every node drain, eviction, rollout or crash is an
    outage: there is nothing to take the traffic while the pod restarts.

    Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec:
      template: ...        # spec.replicas unset: 1 replica
    ```

    Use instead
    ```yaml
    spec:
      replicas: 3
    ```
    or remove `spec.replicas` and let an HPA with `minReplicas: 2` own it.

    References
    - https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
    - https://github.com/kubernetes/api/blob/master/apps/v1/types.go
    - https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    if r.type == REPLICASET and any(
        o.get("kind") == "Deployment" for o in r.all("metadata.ownerReferences") if isinstance(o, dict)
    ):
        return
    if judged_through_rollout(r):
        return
    yield from _single_replica(r, ctx)


@rule(
    id="RES102",
    name="k8s-statefulset-single-replica",
    title="StatefulSet runs a single replica.",
    severity=Severity.MEDIUM,
    types=(STATEFULSET,),
    remediation="Run a replicated topology (3 members for quorum systems) or a managed, zone-redundant service.",
    cross=True,
)
def statefulset_single_replica(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports StatefulSets whose effective replica count is 1 (`spec.replicas`
    unset defaults to 1) and that no autoscaler targets.

    Why is this bad?
    A single-member StatefulSet is a single point of failure: a node drain or
    a crash takes the data service down until the pod is rescheduled and its
    volume re-attached. Many are single-instance databases by design, which is
    why this is medium, not high.

    Example
    ```yaml
    kind: StatefulSet
    spec:
      replicas: 1
    ```

    Use instead
    ```yaml
    spec:
      replicas: 3
    ```

    References
    - https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/
    - https://github.com/kubernetes/api/blob/master/apps/v1/types.go
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    yield from _single_replica(r, ctx)


@rule(
    id="RES103",
    name="k8s-autoscaler-min-below-two",
    title="Autoscaler lets the workload shrink to one replica.",
    severity=Severity.MEDIUM,
    types=(HPA, SCALED_OBJECT, DEPLOYMENT),
    remediation="Set minReplicas (KEDA: minReplicaCount) to 2 or more and maxReplicas above it.",
    cross=True,
)
def autoscaler_min_below_two(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports HorizontalPodAutoscalers whose minimum is 1 (`minReplicas` unset
    defaults to 1) and KEDA ScaledObjects with `minReplicaCount: 1`, and any
    autoscaler whose maximum is 1. A minimum of 0 (scale to zero) is a
    deliberate event-driven choice and is not reported.
    So is a cluster-proportional-autoscaler (kube-dns's, calico-typha's, the
    CoreDNS chart's: the Deployment whose image is
    `cluster-proportional-autoscaler`) whose params (`linear` or `ladder`, in
    the ConfigMap its `--configmap` names, else its `--default-params`) give
    its `--target` 1 replica on a cluster of 2 nodes: `linear` without `min`
    of 2 or `preventSinglePointFailure: true`, or a `ladder` whose step at 2
    nodes gives 1. Params not in the scan (a ConfigMap made elsewhere) are
    not known and not judged.

    Why is this bad?
    When load is low the autoscaler shrinks the workload to a single pod, and
    from then on the next node drain or crash is an outage.

    Example
    ```yaml
    kind: HorizontalPodAutoscaler
    spec:
      maxReplicas: 10     # minReplicas unset: 1
    ```

    Use instead
    ```yaml
    spec:
      minReplicas: 2
      maxReplicas: 10
    ```

    References
    - https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
    - https://github.com/kubernetes/api/blob/master/autoscaling/v2/types.go
    - https://keda.sh/docs/latest/reference/scaledobject-spec/
    """
    if r.type == DEPLOYMENT:
        yield from _proportional_floor(r, ctx)
        return
    hpa = r.type == HPA
    min_key, max_key = ("spec.minReplicas", "spec.maxReplicas") if hpa else ("spec.minReplicaCount", "spec.maxReplicaCount")
    what = f"{r.kind} {ctx.index.namespace_of(r)}/{r.name}"
    minimum = setting(r, min_key)
    maximum = setting(r, max_key).value
    if not is_unknown(maximum) and maximum == 1:
        yield Violation(f"{what} can never run more than one replica ({max_key.split('.')[-1]}: 1)", path=max_key)
        return
    if minimum.unknown:
        return
    if minimum.defaulted:
        if minimum.value == 1:
            yield Violation(f"{what} lets the workload shrink to 1 replica: {minimum.describe()}", path="spec",
                            unset=min_key)
    elif minimum.value == 1:
        yield Violation(f"{what} lets the workload shrink to 1 replica ({min_key.split('.')[-1]}: 1)", path=min_key)


def _proportional_floor(r: Resource, ctx: Context) -> Iterator[Violation]:
    """RES103 for a cluster-proportional-autoscaler: the replicas its params give each target
    on a cluster of CPA_NODES nodes."""
    for (namespace, kind, name), scaler in proportional_scaler_of(r, ctx.index):
        if is_unknown(scaler.floor) or scaler.floor != 1:
            continue  # 0: scaled to zero on purpose
        yield Violation(
            f"{display(r, ctx.index)} runs cluster-proportional-autoscaler for {kind} {namespace}/{name}, and "
            f"{scaler.params} give it 1 replica on a cluster of {CPA_NODES} nodes",
            path=scaler.path,
            subject=f"{kind}/{namespace}/{name}",  # one finding per target of its --target list
            remediation='Set "preventSinglePointFailure": true (or "min": 2) in its linear params, or give 2 '
                        "replicas from the first step in its ladder.",
        )
