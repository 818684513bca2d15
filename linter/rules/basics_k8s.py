"""RES5xx for Kubernetes: disruption budgets, probes, zone spread, rollout
strategy, and Istio outlier detection."""

from __future__ import annotations

from typing import Any, Iterator, TYPE_CHECKING

import math

from linter.model import Resource, Severity, Violation, contains_unknown, is_unknown, lookup
from linter.rules import Option, rule
from linter.rules._k8s import (
    DAEMONSET, DEPLOYMENT, DESTINATION_RULE, PDB, POD, POD_TEMPLATES, REPLICASET, ROLLOUT, SCALABLE, SERVICE,
    STATEFULSET, containers, display, effective_replicas, helper_serving_nothing, in_namespace,
    judged_through_rollout, labels_text, only_pause_container, owned_by_controller, pdbs_selecting,
    pod_spec_path, pods_by_label, replicas_phrase, selector_text, services_selecting, targeted_ports,
    template_labels,
)
from linter.index import selector_matches
from linter.rules._values import as_int, setting

if TYPE_CHECKING:
    from linter.engine import Context
    from linter.rules import RuleCheck

ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
HOSTNAME_KEY = "kubernetes.io/hostname"


def _replicas(r: Resource, ctx: Context) -> int | None:
    """Effective replica floor as an int, or None when it cannot be known."""
    value = effective_replicas(r, ctx.index)
    if is_unknown(value):
        return None
    return as_int(value)


# ------------------------------------------------------------------ RES501
@rule(
    id="RES501",
    name="k8s-no-pod-disruption-budget",
    title="Replicated workload has no PodDisruptionBudget.",
    severity=Severity.MEDIUM,
    types=(DEPLOYMENT, STATEFULSET, ROLLOUT),
    remediation="Add a PodDisruptionBudget selecting the pods, e.g. maxUnavailable: 1.",
    cross=True,
    options={"assume_pdbs_managed_elsewhere": Option(False, "PodDisruptionBudgets are managed outside the scanned files: report nothing.")},
)
def no_pod_disruption_budget(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Deployments, StatefulSets and Argo Rollouts that run 2 or more replicas (or
    whose autoscaler keeps 2 or more) when no PodDisruptionBudget in the same
    namespace selects their pod template labels (`matchLabels` and
    `matchExpressions`; a PDB with an empty selector selects every pod of its
    namespace). Single-replica workloads are left to RES101/RES102. If your
    PDBs are managed outside the scanned files, set the option
    `assume_pdbs_managed_elsewhere`.

    Why is this bad?
    Without a budget a node drain or cluster upgrade may evict every replica
    at once: the redundancy you pay for disappears exactly during
    maintenance.

    Example
    ```yaml
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 3          # no PodDisruptionBudget selects app=web
    ```

    Use instead
    ```yaml
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web}
    spec:
      maxUnavailable: 1
      selector: {matchLabels: {app: web}}
    ```

    References
    - https://kubernetes.io/docs/tasks/run-application/configure-pdb/
    - https://github.com/kubernetes/api/blob/master/policy/v1/types.go
    - zegl/kube-score `score/disruptionbudget/disruptionbudget.go` (same skip rule)
    """
    if ctx.option("assume_pdbs_managed_elsewhere") or judged_through_rollout(r):
        return
    replicas = _replicas(r, ctx)
    if replicas is None or replicas < 2:
        return
    pdbs = pdbs_selecting(r, ctx.index)
    if pdbs is None or pdbs:
        return
    ns = ctx.index.namespace_of(r)
    yield Violation(
        f"{display(r, ctx.index)} {replicas_phrase(r, ctx.index)} and no PodDisruptionBudget in namespace {ns} "
        f"selects its pods ({labels_text(template_labels(r))}): a node drain may evict them all at once",
        path="spec.replicas" if r.has("spec.replicas") else None,
    )


# ------------------------------------------------------------------ RES502
def _int_or_percent(value: Any) -> tuple[float, bool] | None:
    """(number, is_percent) of an IntOrString, or None when it is neither."""
    if is_unknown(value) or value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value, False
    if isinstance(value, float) and value.is_integer():  # JSON numbers from Pulumi
        return int(value), False
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.endswith("%"):
                return float(text[:-1]), True
            return int(text), False
        except ValueError:
            return None
    return None


def _selected_workloads(pdb: Resource, ctx: Context) -> tuple[list[Resource], int] | None:
    """Workloads in the PDB's namespace whose pods it selects: (workloads,
    total replicas), or None when it cannot be counted."""
    selector = pdb.get("spec.selector")
    if selector is None or is_unknown(selector):
        return None
    chosen: list[Resource] = []
    total = 0
    candidates = pods_by_label(ctx.index, SCALABLE + (DAEMONSET, POD), ctx.index.namespace_of(pdb), selector)
    for w in candidates:
        if w.type in (REPLICASET, POD) and owned_by_controller(w) or judged_through_rollout(w):
            continue  # counted through its Deployment or Rollout (or not a workload of its own)
        matched = selector_matches(selector, template_labels(w))
        if matched is None:
            return None
        if not matched:
            continue
        if w.type == DAEMONSET:
            return None  # one pod per node: the count is not in the manifests
        count = 1 if w.type == POD else _replicas(w, ctx)
        if count is None:
            return None
        chosen.append(w)
        total += count
    if not chosen:
        return None  # the selected pods are not in the scanned files
    return chosen, total


@rule(
    id="RES502",
    name="k8s-pdb-blocks-eviction",
    title="PodDisruptionBudget allows zero voluntary evictions (node drains hang).",
    severity=Severity.HIGH,
    types=(PDB,),
    remediation="Use maxUnavailable: 1 (it scales with the workload) instead of minAvailable equal to the replica count.",
    cross=True,
    options={"round_min_available_percent": Option(True, "Judge a percentage minAvailable below 100% by rounding it up as the disruption controller does; false judges only 100%.")},
)
def pdb_blocks_eviction(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports PodDisruptionBudgets that allow no voluntary eviction at all:
    `maxUnavailable: 0` or `"0%"`, `minAvailable: "100%"`, or a
    `minAvailable` that covers all the replicas of the workloads it selects.
    The replicas counted are the autoscaler's minimum when an HPA or KEDA
    ScaledObject owns the count (the floor the workload shrinks to), else
    `spec.replicas` (default 1). A percentage is rounded up as the disruption
    controller does, so `minAvailable: 80%` over a workload whose HPA minimum
    is 1 needs 1 of 1 pods and blocks every drain, and 67% of 3 replicas
    rounds up to 3. Selected workloads must be in the scanned files. The
    option `round_min_available_percent: false` restores the older behaviour
    (percentages below 100% not judged).

    Why is this bad?
    A budget that allows zero disruptions makes every node drain wait
    forever: cluster upgrades and node replacements stall until someone
    deletes the budget by hand.

    Example
    ```yaml
    kind: PodDisruptionBudget
    spec:
      minAvailable: 3       # the Deployment has 3 replicas
      selector: {matchLabels: {app: web}}
    ```

    Use instead
    ```yaml
    spec:
      maxUnavailable: 1
      selector: {matchLabels: {app: web}}
    ```

    References
    - https://kubernetes.io/docs/tasks/run-application/configure-pdb/ (section on `maxUnavailable` 0 / `minAvailable` 100% or the replica count)
    - AWS Well-Architected REL11-BP03, Automate healing on all layers: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_withstand_component_failures_auto_healing_system.html
    """
    what = display(r, ctx.index)
    max_unavailable = _int_or_percent(r.get("spec.maxUnavailable"))
    if max_unavailable is not None and max_unavailable[0] == 0:
        raw = r.get("spec.maxUnavailable")
        yield Violation(
            f"{what} sets maxUnavailable: {raw}: no pod it selects may ever be evicted, so node drains hang",
            path="spec.maxUnavailable",
        )
        return
    min_raw = r.get("spec.minAvailable")
    min_available = _int_or_percent(min_raw)
    if min_available is None:
        return
    amount, percent = min_available
    if percent and amount >= 100:
        yield Violation(
            f"{what} sets minAvailable: {min_raw}: every pod it selects must stay up, so no voluntary "
            "eviction is allowed and node drains hang",
            path="spec.minAvailable",
        )
        return
    if percent and not ctx.option("round_min_available_percent"):
        return
    selected = _selected_workloads(r, ctx)
    if selected is None:
        return
    workloads, total = selected
    needed = math.ceil(amount * total / 100) if percent else amount
    if total < 1 or needed < total:
        return
    names = ", ".join(display(w, ctx.index) for w in workloads)
    rounded = f" (rounded up to {needed} of {total})" if percent else ""
    yield Violation(
        f"{what} requires minAvailable: {min_raw}{rounded} and the pods it selects ({names}) total {total} "
        f"replica{'s' if total != 1 else ''}: no voluntary eviction is ever allowed, so node drains hang",
        path="spec.minAvailable",
    )


# ------------------------------------------------------------------ RES503 / RES504
def _judged_pod_template(r: Resource) -> bool:
    """Bare Pods and ReplicaSets only: owned ones are judged through their owner;
    a Deployment lending its template to a Rollout through the Rollout; a pod
    whose only container is `pause` runs nothing to probe; a bare Pod that runs
    to completion (`restartPolicy` Never or OnFailure, as a Job's pods must:
    a task, which no probe keeps serving), or whose restartPolicy is not known."""
    if r.type in (REPLICASET, POD) and owned_by_controller(r):
        return False
    if r.type == POD:
        policy = r.get("spec.restartPolicy")
        if is_unknown(policy) or policy in RUN_TO_COMPLETION:
            return False
    return not judged_through_rollout(r) and not only_pause_container(r)


# the restart policies of a pod that runs to completion (Always, the default, keeps it running)
RUN_TO_COMPLETION = ("Never", "OnFailure")


def _container_name(container: Any, path: str) -> str:
    name = container.get("name") if isinstance(container, dict) else None
    return f"container {name}" if isinstance(name, str) else f"container {path.rsplit('.', 1)[-1]}"


def _serving_containers(r: Resource, ctx: Context,
                        services: list[Resource] | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, container) of the containers the probe rules judge: every regular
    container except a known helper (HELPER_IMAGES) none of whose ports a
    Service, a probe or a route targets. Unknown containers are skipped."""
    targeted = targeted_ports(r, ctx.index, services)
    for path, c in containers(r):
        if is_unknown(c) or not isinstance(c, dict):
            continue
        if helper_serving_nothing(c, targeted):
            continue
        yield path, c


PROBE_EXEMPTIONS_DOC = """
    Not judged: init containers; a known helper container that exposes no
    port targeted by a selecting Service's `targetPort`, by a probe of the pod
    or by a route (routes reach pods through Services), known by its image
    name (the repository's last segment, without registry, tag or digest):
    config reloaders `configmap-reload`, `prometheus-config-reloader`,
    `config-reloader`, `k8s-sidecar`, `git-sync`; CSI sidecars
    `csi-node-driver-registrar`, `csi-provisioner`, `csi-attacher`,
    `csi-resizer`, `csi-snapshotter`, `csi-external-health-monitor-controller`
    (the list is `HELPER_IMAGES` in `linter/rules/_k8s.py`); a pod whose only
    container is the `pause` image (a mesh gateway awaiting proxy injection);
    a Deployment that an Argo Rollout's `workloadRef` names (the Rollout,
    which runs the pods, is judged instead); a bare Pod whose `restartPolicy`
    is `Never` or `OnFailure` (a task that runs to completion, as a Job's pods
    do: an Airflow or Spark pod template)."""


def _with_exemptions(fn: RuleCheck) -> RuleCheck:
    """One text of the probe rules' exemptions, in both rules' docs."""
    fn.__doc__ = (fn.__doc__ or "").replace("    {exemptions}", PROBE_EXEMPTIONS_DOC.strip("\n"))
    return fn


@rule(
    id="RES503",
    name="k8s-missing-readiness-probe",
    title="Container has no readiness probe.",
    severity=Severity.MEDIUM,
    types=POD_TEMPLATES,
    remediation="Add a readinessProbe that checks the container can serve (e.g. httpGet /healthz/ready).",
    cross=True,
)
@_with_exemptions
def missing_readiness_probe(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports every regular container of a Deployment, StatefulSet, DaemonSet,
    Argo Rollout, bare ReplicaSet or bare Pod without a `readinessProbe`.
    When the scanned files contain Services in the workload's namespace and
    none selects the pods, the workload serves no Service traffic (a worker
    or a batch consumer) and is not reported, as kube-score does; Services in
    other namespaces say nothing about it. Jobs and CronJobs are not checked.
    {exemptions}

    Why is this bad?
    Without a readiness probe a container counts as ready as soon as it
    starts, so Services send it traffic before it can serve, and keep sending
    traffic to a pod that has stopped serving.

    Example
    ```yaml
    containers:
    - name: web
      image: nginx
    ```

    Use instead
    ```yaml
    containers:
    - name: web
      image: nginx
      readinessProbe:
        httpGet: {path: /healthz/ready, port: 8080}
        periodSeconds: 5
    ```

    References
    - https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
    - https://github.com/kubernetes/api/blob/master/core/v1/types.go (`Probe`)
    - AWS Well-Architected REL11-BP01, Monitor all components of the workload to detect failures: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_withstand_component_failures_monitoring_health.html
    """
    if not _judged_pod_template(r):
        return
    services = None
    if in_namespace(ctx.index, (SERVICE,), ctx.index.namespace_of(r)):
        services = services_selecting(r, ctx.index)
        if not services:
            return  # no Service sends it traffic (or the selectors are unknown)
    if not services:
        target = "Services send"
    elif len(services) == 1:
        target = f"Service {services[0].name} sends"
    else:
        target = "Services " + ", ".join(s.name for s in services[:-1]) + f" and {services[-1].name} send"
    for path, c in _serving_containers(r, ctx, services or []):
        if is_unknown(c.get("readinessProbe")) or c.get("readinessProbe") is not None:
            continue
        yield Violation(
            f"{_container_name(c, path)} of {display(r, ctx.index)} has no readinessProbe: it counts as ready as "
            f"soon as it starts, so {target} it traffic before it can serve",
            path=path, unset=f"{path}.readinessProbe",
        )


def probe_handler(probe: Any) -> tuple[Any, ...] | None:
    """What a probe checks, for comparing two probes: ("httpGet", path, port),
    ("tcpSocket", port), ("exec", command) or ("grpc", port, service); timing
    and thresholds are left out. None when it has no known handler."""
    if not isinstance(probe, dict) or contains_unknown(probe):
        return None
    http = probe.get("httpGet")
    if isinstance(http, dict):
        return "httpGet", http.get("path") or "/", str(http.get("port"))
    tcp = probe.get("tcpSocket")
    if isinstance(tcp, dict):
        return "tcpSocket", str(tcp.get("port"))
    command = lookup(probe, "exec.command")
    if isinstance(command, list):
        return "exec", tuple(str(part) for part in command)
    grpc = probe.get("grpc")
    if isinstance(grpc, dict):
        return "grpc", str(grpc.get("port")), grpc.get("service") or ""
    return None


def _handler_text(handler: tuple[Any, ...]) -> str:
    kind, *rest = handler
    if kind == "httpGet":
        return f"httpGet {rest[0]} on port {rest[1]}"
    if kind == "tcpSocket":
        return f"tcpSocket on port {rest[0]}"
    if kind == "exec":
        return "exec " + " ".join(rest[0])
    return f"grpc on port {rest[0]}" + (f" service {rest[1]}" if rest[1] else "")


@rule(
    id="RES504",
    name="k8s-missing-liveness-probe",
    title="Container has no liveness probe (or it checks the same thing as the readiness probe).",
    severity=Severity.LOW,
    types=POD_TEMPLATES,
    remediation="Add a cheap livenessProbe that does not check dependencies, distinct from the readinessProbe.",
    cross=True,
)
@_with_exemptions
def missing_liveness_probe(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports every regular container of a Deployment, StatefulSet, DaemonSet,
    Argo Rollout, bare ReplicaSet or bare Pod without a `livenessProbe`, or
    whose `livenessProbe` has the same handler as its `readinessProbe`
    (kube-score's "Pod Probes Identical"). Handlers are compared, not whole
    probes: the same `httpGet` path (unset: `/`) and port, the same
    `tcpSocket` port, the same `exec` command, or the same `grpc` port and
    service; `initialDelaySeconds`, `periodSeconds`, `timeoutSeconds`,
    `successThreshold` and `failureThreshold` do not make two probes
    different. Ports are compared as written (a port number and a port name
    are different). Jobs and CronJobs are not checked.
    {exemptions}

    Why is this bad?
    Without a liveness probe the kubelet restarts a container only when its
    process exits: a deadlocked process stays in place forever. A liveness
    probe that checks what the readiness probe checks restarts every pod when
    a shared dependency fails, turning a partial outage into a full one.

    Example
    ```yaml
    readinessProbe: {httpGet: {path: /healthz, port: 8080}}
    livenessProbe: {httpGet: {path: /healthz, port: 8080}, failureThreshold: 5}
    ```

    Use instead
    ```yaml
    readinessProbe: {httpGet: {path: /healthz/ready, port: 8080}}
    livenessProbe: {httpGet: {path: /healthz/live, port: 8080}, failureThreshold: 3}
    ```

    References
    - https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
    - zegl/kube-score `score/probes/probes.go`
    - AWS Well-Architected REL11-BP03, Automate healing on all layers: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_withstand_component_failures_auto_healing_system.html
    """
    if not _judged_pod_template(r):
        return
    # None (selectors unknown): no helper can be shown to serve nothing, all are judged
    services = services_selecting(r, ctx.index) if ctx.index.by_type("core/Service") else []
    for path, c in _serving_containers(r, ctx, services):
        live, ready = c.get("livenessProbe"), c.get("readinessProbe")
        if is_unknown(live) or is_unknown(ready):
            continue
        name = f"{_container_name(c, path)} of {display(r, ctx.index)}"
        if live is None:
            yield Violation(
                f"{name} has no livenessProbe: the kubelet restarts it only when its process exits, "
                "so a hung process stays in place",
                path=path, unset=f"{path}.livenessProbe",
            )
            continue
        handler = probe_handler(live)
        if handler is not None and handler == probe_handler(ready):
            yield Violation(
                f"{name} has a livenessProbe with the same handler as its readinessProbe "
                f"({_handler_text(handler)}): when a dependency fails, every pod is restarted instead of "
                "just taken out of rotation",
                path=f"{path}.livenessProbe",
            )


# ------------------------------------------------------------------ RES505
def spread_terms(spec_base: str, r: Resource) -> list[dict[str, Any]] | None:
    """The pod template's topology spread constraints and pod anti-affinity
    terms (required and preferred), each a dict with `topologyKey` and
    `labelSelector` (None: unknown)."""
    terms: list[dict[str, Any]] = []
    for c in r.all(f"{spec_base}.topologySpreadConstraints"):
        if is_unknown(c) or not isinstance(c, dict):
            return None
        terms.append(c)
    anti = r.get(f"{spec_base}.affinity.podAntiAffinity")
    if is_unknown(anti):
        return None
    if isinstance(anti, dict):
        for term in anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []:
            terms.append(term if isinstance(term, dict) else {})
        for term in anti.get("preferredDuringSchedulingIgnoredDuringExecution") or []:
            inner = term.get("podAffinityTerm") if isinstance(term, dict) else None
            terms.append(inner if isinstance(inner, dict) else {})
    return terms


def _topology_keys(spec_base: str, r: Resource) -> list[Any] | None:
    """Topology keys of spread constraints and pod anti-affinity terms (None: unknown)."""
    terms = spread_terms(spec_base, r)
    if terms is None:
        return None
    keys = [t.get("topologyKey") for t in terms]
    if any(is_unknown(k) for k in keys):
        return None
    return keys


def _pinned_zones(spec_base: str, r: Resource) -> set[str]:
    """Zone values the pod is forced into by nodeSelector / required nodeAffinity."""
    zones: set[str] = set()
    selector = r.get(f"{spec_base}.nodeSelector")
    if isinstance(selector, dict):
        for key in ZONE_KEYS:
            if isinstance(selector.get(key), str):
                zones.add(selector[key])
    terms = r.get(f"{spec_base}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")
    if isinstance(terms, list) and terms:
        term_zones: set[str] | None = set()
        for term in terms:
            found = None
            for expr in (term.get("matchExpressions") or []) if isinstance(term, dict) else []:
                if isinstance(expr, dict) and expr.get("key") in ZONE_KEYS and expr.get("operator") == "In":
                    found = set(v for v in expr.get("values") or [] if isinstance(v, str))
            if found is None:
                term_zones = None  # one term allows any zone
                break
            term_zones = (term_zones or set()) | found
        if term_zones:
            zones = zones & term_zones if zones else term_zones
    return zones


@rule(
    id="RES505",
    name="k8s-no-zone-spread",
    title="Replicated workload is not spread across zones.",
    severity=Severity.MEDIUM,
    types=(DEPLOYMENT, STATEFULSET, ROLLOUT),
    remediation="Add a topologySpreadConstraint on topology.kubernetes.io/zone (maxSkew: 1).",
    cross=True,
)
def no_zone_spread(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Deployments, StatefulSets and Argo Rollouts with 2 or more replicas (or an
    autoscaler minimum of 2 or more) whose pod template has no topology
    spread constraint and no pod anti-affinity term on
    `topology.kubernetes.io/zone` (or the deprecated
    `failure-domain.beta.kubernetes.io/zone`). The message says when only
    `kubernetes.io/hostname` terms exist, and when a nodeSelector or node
    affinity forces the pods into a single zone.

    Why is this bad?
    The scheduler's built-in spreading is a soft nudge: all replicas can land
    in one zone, and a zone outage then takes the whole workload down despite
    its replicas.

    Example
    ```yaml
    spec:
      replicas: 3
      template:
        spec:
          containers: [...]
    ```

    Use instead
    ```yaml
    topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: ScheduleAnyway
      labelSelector: {matchLabels: {app: web}}
    ```

    References
    - https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/ (built-in default constraints)
    - https://kubernetes.io/docs/reference/labels-annotations-taints/#topologykubernetesiozone
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    replicas = _replicas(r, ctx)
    if replicas is None or replicas < 2 or judged_through_rollout(r):
        return
    base = pod_spec_path(r)
    if base is None:  # never: every type of the rule has a pod template
        return
    keys = _topology_keys(base, r)
    if keys is None or any(k in ZONE_KEYS for k in keys):
        return
    what = f"{display(r, ctx.index)} {replicas_phrase(r, ctx.index)}"
    pinned = _pinned_zones(base, r)
    if len(pinned) == 1:
        detail = f"and its nodeSelector/nodeAffinity forces every pod into zone {next(iter(pinned))}"
    elif HOSTNAME_KEY in keys:
        detail = ("and only spreads them across nodes (kubernetes.io/hostname), not zones: "
                  "all replicas may still share one zone")
    else:
        detail = ("and no topologySpreadConstraint or podAntiAffinity on topology.kubernetes.io/zone: "
                  "all replicas may land in one zone")
    yield Violation(f"{what} {detail}", path=base, unset=f"{base}.topologySpreadConstraints")


# ------------------------------------------------------------------ RES506
@rule(
    id="RES506",
    name="k8s-deployment-recreate-strategy",
    title="Deployment rollouts take every replica down at once.",
    severity=Severity.LOW,
    types=(DEPLOYMENT,),
    remediation="Use strategy RollingUpdate with maxUnavailable below the replica count (e.g. maxUnavailable: 0, maxSurge: 1).",
    cross=True,
)
def deployment_recreate_strategy(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Deployments with 2 or more replicas whose rollout strategy takes
    them all down together: `strategy.type: Recreate`, or a RollingUpdate
    `maxUnavailable` of `"100%"` or an integer at least the replica count.
    The default (RollingUpdate, 25% unavailable) is fine. Workloads that must
    never run two versions at once can suppress the finding with a reason.

    Why is this bad?
    Every rollout becomes an outage: all old pods stop before the new ones
    are ready, and a bad image leaves nothing running.

    Example
    ```yaml
    spec:
      replicas: 3
      strategy: {type: Recreate}
    ```

    Use instead
    ```yaml
    spec:
      replicas: 3
      strategy:
        type: RollingUpdate
        rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
    ```

    References
    - https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy
    - `apps/v1` types.go (`DeploymentStrategy`, `RollingUpdateDeployment`)
    """
    replicas = _replicas(r, ctx)
    if replicas is None or replicas < 2:
        return
    what = f"{display(r, ctx.index)} {replicas_phrase(r, ctx.index)}"
    kind = r.get("spec.strategy.type")
    if is_unknown(kind):
        return
    if kind == "Recreate":
        yield Violation(
            f"{what} but uses strategy Recreate: every rollout stops all of them before new pods start",
            path="spec.strategy.type",
        )
        return
    raw = r.get("spec.strategy.rollingUpdate.maxUnavailable")
    value = _int_or_percent(raw)
    if value is None:
        return
    amount, percent = value
    if (percent and amount >= 100) or (not percent and amount >= replicas):
        yield Violation(
            f"{what} but its rolling update allows maxUnavailable: {raw}: a rollout may take every "
            "replica down at once",
            path="spec.strategy.rollingUpdate.maxUnavailable",
        )


# ------------------------------------------------------------------ RES513
@rule(
    id="RES513",
    name="istio-no-outlier-detection",
    title="Istio DestinationRule does not eject failing endpoints.",
    severity=Severity.LOW,
    types=(DESTINATION_RULE,),
    remediation="Add trafficPolicy.outlierDetection (e.g. consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s).",
)
def istio_no_outlier_detection(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports DestinationRules where no level sets `outlierDetection`: not
    `spec.trafficPolicy`, not any `portLevelSettings`, and not any subset's
    `trafficPolicy`. Hosts without a DestinationRule are not reported (one may
    be managed elsewhere).

    Why is this bad?
    Without outlier detection the mesh keeps load-balancing requests onto an
    endpoint that fails every one of them; a single bad pod then fails a
    share of all traffic until it is removed by hand.

    Example
    ```yaml
    kind: DestinationRule
    spec:
      host: reviews
      subsets: [{name: v1, labels: {version: v1}}]
    ```

    Use instead
    ```yaml
    spec:
      host: reviews
      trafficPolicy:
        outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}
    ```

    References
    - https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
    - https://github.com/istio/api/blob/master/networking/v1alpha3/destination_rule.proto
    - AWS Well-Architected REL11-BP03, Automate healing on all layers: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_withstand_component_failures_auto_healing_system.html
    """
    policies = [r.get("spec.trafficPolicy")]
    subsets = r.get("spec.subsets")
    if is_unknown(subsets) or is_unknown(policies[0]):
        return
    for s in subsets or []:
        if is_unknown(s):
            return
        if isinstance(s, dict):
            policies.append(s.get("trafficPolicy"))
    for policy in policies:
        if policy is None:
            continue
        if is_unknown(policy) or not isinstance(policy, dict):
            return
        if policy.get("outlierDetection") is not None:
            return
        ports = policy.get("portLevelSettings")
        if is_unknown(ports):
            return
        for port in ports or []:
            if is_unknown(port) or (isinstance(port, dict) and port.get("outlierDetection") is not None):
                return
    host = r.get("spec.host")
    host_text = f" for host {host}" if isinstance(host, str) else ""
    yield Violation(
        f"{display(r, ctx.index)}{host_text} sets no outlierDetection at any level: endpoints that fail every "
        "request keep receiving traffic",
        path="spec.trafficPolicy" if r.has("spec.trafficPolicy") else "spec",
    )


# ------------------------------------------------------------------ RES514
@rule(
    id="RES514",
    name="k8s-pdb-unhealthy-pods-block-eviction",
    title="PodDisruptionBudget lets unhealthy pods block node drains.",
    severity=Severity.LOW,
    types=(PDB,),
    remediation="Set spec.unhealthyPodEvictionPolicy: AlwaysAllow (Kubernetes 1.27+).",
)
def pdb_unhealthy_pod_eviction_policy(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports PodDisruptionBudgets whose `spec.unhealthyPodEvictionPolicy` is
    not `AlwaysAllow`. Unset, it is `IfHealthyBudget` (the API default): a
    running pod that is not ready may only be evicted while the budget still
    has healthy pods to spare. kube-linter's `pdb-unhealthy-pod-eviction-policy`
    check, on by default there. The field is beta (on by default) since
    Kubernetes 1.27 and GA since 1.31. A budget still written in
    `policy/v1beta1` (removed in 1.25, and without the field) is told to move
    to `policy/v1` first.

    Why is this bad?
    A pod stuck in CrashLoopBackOff or never becoming ready counts against
    the budget: with `IfHealthyBudget` it cannot be evicted while the budget
    is exhausted, so one broken pod makes node drains and cluster upgrades
    hang, even though evicting it would hurt nothing.

    Example
    ```yaml
    kind: PodDisruptionBudget
    spec:
      maxUnavailable: 1
      selector: {matchLabels: {app: web}}
    ```

    Use instead
    ```yaml
    spec:
      maxUnavailable: 1
      unhealthyPodEvictionPolicy: AlwaysAllow
      selector: {matchLabels: {app: web}}
    ```

    References
    - https://kubernetes.io/docs/tasks/run-application/configure-pdb/ (unhealthy pod eviction policy)
    - AWS Well-Architected REL11-BP03, Automate healing on all layers: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_withstand_component_failures_auto_healing_system.html
    """
    current = setting(r, "spec.unhealthyPodEvictionPolicy")
    policy = current.value
    if current.unknown or policy == "AlwaysAllow":
        return
    if current.defaulted:
        # policy/v1beta1 (removed in 1.25) never had the field: the fix starts with the API version
        legacy = r.source_format == "kubernetes" and r.raw_type == "policy/v1beta1"
        yield Violation(
            f"{display(r, ctx.index)} evicts unready pods only within the budget: {current.describe()}, so a "
            "pod that runs but never becomes ready cannot be evicted once the budget is used up, and node "
            "drains hang on it" + ("; its apiVersion policy/v1beta1 (removed in Kubernetes 1.25) has no "
                                   "unhealthyPodEvictionPolicy: move it to policy/v1 first" if legacy else ""),
            path="spec", unset="spec.unhealthyPodEvictionPolicy",
        )
    else:
        yield Violation(
            f"{display(r, ctx.index)} sets unhealthyPodEvictionPolicy: {policy}: a pod that runs but never "
            "becomes ready cannot be evicted once the budget is used up, and node drains hang on it",
            path="spec.unhealthyPodEvictionPolicy",
        )


# ------------------------------------------------------------------ RES515
def _rollout_takes_only_pod(r: Resource) -> tuple[str, str] | None:
    """(path, what) when the strategy may stop a single pod before its
    replacement is ready; None when it surges first or cannot be known."""
    if r.type == ROLLOUT:
        canary = r.get("spec.strategy.canary")
        if not isinstance(canary, dict):
            return None  # blueGreen brings the new ReplicaSet up before switching
        raw, path = canary.get("maxUnavailable"), "spec.strategy.canary.maxUnavailable"
    else:
        kind = r.get("spec.strategy.type")
        if is_unknown(kind):
            return None
        if kind == "Recreate":
            return "spec.strategy.type", "uses strategy Recreate, which stops the pod before its replacement starts"
        raw, path = r.get("spec.strategy.rollingUpdate.maxUnavailable"), "spec.strategy.rollingUpdate.maxUnavailable"
    if raw is None and r.type == DEPLOYMENT:
        raw = setting(r, path).value  # 25%, which rounds down to 0 of 1 pod (the new pod surges first)
    value = _int_or_percent(raw)
    if value is None:
        return None
    amount, percent = value
    allowed = math.floor(amount / 100) if percent else amount  # Kubernetes rounds maxUnavailable down
    if allowed >= 1:
        return path, f"allows maxUnavailable: {raw}, so a rollout may stop it before its replacement is ready"
    return None


@rule(
    id="RES515",
    name="k8s-single-replica-rollout-downtime",
    title="Single-replica workload whose rollouts stop its only pod.",
    severity=Severity.MEDIUM,
    types=(DEPLOYMENT, ROLLOUT),
    remediation="Set maxUnavailable: 0 and maxSurge: 1 (RollingUpdate), so the new pod is ready before the old one stops; better, run 2 or more replicas.",
    cross=True,
)
def single_replica_rollout_downtime(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Deployments and Argo Rollouts whose effective replica count is 1
    (`spec.replicas`, or the autoscaler minimum when one owns the count)
    and whose rollout strategy lets the only pod stop before its
    replacement is ready: `strategy.type: Recreate`, or a
    `rollingUpdate.maxUnavailable` (Rollouts: `strategy.canary.maxUnavailable`)
    that allows 1 pod (an integer >= 1, or `100%`; Kubernetes rounds the
    percentage down). The default (25%, rounded down to 0 of 1 pod, with 25%
    surge rounded up to 1) starts the new pod first and is not reported;
    nor are blueGreen Rollouts.

    A rule of its own rather than part of RES101: RES101 does not fire when
    an autoscaler owns the count (RES103 judges its minimum), the fix here
    is the strategy and not the count, and a workload that must stay at one
    replica (a singleton consumer) can still avoid downtime on every deploy.

    Why is this bad?
    Every rollout, including a routine image bump, is an outage: the only
    pod stops first, and the service is down until the new pod is ready
    (or for good, when the new image does not start).

    Example
    ```yaml
    spec:
      replicas: 1
      strategy:
        rollingUpdate: {maxUnavailable: 1}
    ```

    Use instead
    ```yaml
    spec:
      replicas: 1
      strategy:
        rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
    ```

    References
    - https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy (`maxUnavailable`)
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    if judged_through_rollout(r):
        return
    replicas = _replicas(r, ctx)
    if replicas != 1:
        return
    found = _rollout_takes_only_pod(r)
    if found is None:
        return
    path, what = found
    yield Violation(f"{display(r, ctx.index)} {replicas_phrase(r, ctx.index)} and {what}", path=path)


# ------------------------------------------------------------------ RES516
def _spreads_over_nodes(r: Resource, base: str) -> bool | None:
    """A podAntiAffinity term or topologySpreadConstraint on kubernetes.io/hostname
    whose label selector selects the workload's own pods (None: unknown)."""
    labels = template_labels(r)
    terms = spread_terms(base, r)
    if is_unknown(labels) or terms is None:
        return None
    unknown = False
    for term in terms:
        key = term.get("topologyKey")
        if is_unknown(key) or is_unknown(term.get("labelSelector")):
            unknown = True
            continue
        if key != HOSTNAME_KEY:
            continue
        matched = selector_matches(term.get("labelSelector"), labels if isinstance(labels, dict) else {})
        if matched is None:
            unknown = True
        elif matched:
            return True
    return None if unknown else False


@rule(
    id="RES516",
    name="k8s-no-node-spread",
    title="Replicated workload is not spread across nodes.",
    severity=Severity.LOW,
    types=(DEPLOYMENT, STATEFULSET, ROLLOUT),
    remediation="Add a podAntiAffinity term (preferred is enough) or a topologySpreadConstraint on kubernetes.io/hostname that selects the workload's own pods.",
    cross=True,
)
def no_node_spread(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Deployments, StatefulSets and Argo Rollouts with 2 or more
    replicas (or an autoscaler minimum of 2 or more) whose pod template has
    no `podAntiAffinity` term (required or preferred) and no
    `topologySpreadConstraint` with `topologyKey: kubernetes.io/hostname`
    whose `labelSelector` selects the workload's own pods, as kube-score's
    "Deployment has host PodAntiAffinity" check does. Zone spread (RES505)
    does not count: several replicas may still share a node inside a zone.

    Why is this bad?
    Nothing stops the scheduler from placing every replica on one node; when
    that node fails or is drained, all replicas go at once and the
    redundancy was never there.

    Example
    ```yaml
    spec:
      replicas: 3
      template:
        spec:
          containers: [...]
    ```

    Use instead
    ```yaml
    affinity:
      podAntiAffinity:
        preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector: {matchLabels: {app: web}}
    ```

    References
    - https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    if judged_through_rollout(r):
        return
    replicas = _replicas(r, ctx)
    if replicas is None or replicas < 2:
        return
    base = pod_spec_path(r)
    if base is None:  # never: every type of the rule has a pod template
        return
    spread = _spreads_over_nodes(r, base)
    if spread is None or spread:
        return
    yield Violation(
        f"{display(r, ctx.index)} {replicas_phrase(r, ctx.index)} and no podAntiAffinity or "
        "topologySpreadConstraint on kubernetes.io/hostname selects its pods: every replica may land on "
        "one node",
        path=base,
    )
