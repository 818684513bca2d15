"""RES2xx for Kubernetes: Istio, Gateway API / Linkerd route timeouts and Job deadlines."""

from __future__ import annotations

from linter.model import Resource, Severity, Violation, contains_unknown, is_unknown
from linter.rules import rule
from linter.rules._durations import format_duration, parse_duration
from linter.rules._values import as_int
from linter.rules._k8s import (
    CRONJOB, GATEWAY_HTTPROUTE, JOB, LINKERD_HTTPROUTE, SERVICE, SERVICE_PROFILE, VIRTUAL_SERVICE,
    display, owned_by_controller,
)
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from linter.engine import Context

HTTPROUTES = (GATEWAY_HTTPROUTE, LINKERD_HTTPROUTE)
REQUEST_ANNOTATION = "timeout.linkerd.io/request"
RETRY_TIMEOUT_ANNOTATION = "retry.linkerd.io/timeout"
RETRY_LIMIT_ANNOTATION = "retry.linkerd.io/limit"


# ------------------------------------------------------------------ Istio helpers
def http_routes(r: Resource) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, entry) for every known `spec.http` entry of a VirtualService."""
    entries = r.get("spec.http")
    if is_unknown(entries) or not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        if isinstance(entry, dict):
            yield i, entry


def route_name(r: Resource, ctx: Context, i: int, entry: dict[str, Any]) -> str:
    """`VirtualService shop/reviews http[0] ("v2-route")`."""
    name = entry.get("name")
    label = f' ("{name}")' if isinstance(name, str) and name else ""
    return f"{display(r, ctx.index)} http[{i}]{label}"


def destinations(entry: dict[str, Any]) -> str:
    hosts: list[str] = []
    for dest in entry.get("route") or []:
        d = dest.get("destination") if isinstance(dest, dict) else None
        if isinstance(d, dict) and isinstance(d.get("host"), str):
            hosts.append(d["host"] + (f" subset {d['subset']}" if isinstance(d.get("subset"), str) else ""))
    return ", ".join(hosts) or "its destinations"


def forwards(entry: dict[str, Any]) -> bool:
    """The entry proxies requests (not a redirect, direct response or delegate)."""
    if entry.get("redirect") is not None or entry.get("directResponse") is not None:
        return False
    route = entry.get("route")
    return isinstance(route, list) and len(route) > 0


# path segments that name long-lived streaming endpoints by convention
STREAM_SEGMENTS = frozenset({"ws", "wss", "websocket", "websockets", "socket.io", "sockjs", "sse", "stream",
                             "streaming", "subscriptions", "graphql-ws"})
RES203_OPT_OUT = 'annotate the VirtualService `resilint/ignore: "RES203: long-lived streams"`'


def _matched_paths(entry: dict[str, Any]) -> list[str]:
    paths: list[str] = []
    for m in entry.get("match") or []:
        uri = m.get("uri") if isinstance(m, dict) else None
        if isinstance(uri, dict):
            paths.extend(v for k, v in uri.items() if k in ("exact", "prefix") and isinstance(v, str))
    return paths


def streaming_route(entry: dict[str, Any]) -> str | None:
    """Why an http route carries upgraded or streaming traffic, or None.

    Recognised: the old `websocketUpgrade: true` field; a match on the
    `upgrade` header, or on a `connection` header whose value mentions
    upgrade; a match whose exact or prefix URI has a path segment that names a
    stream endpoint (STREAM_SEGMENTS: /ws, /websocket, /socket.io, /sse,
    /stream, /subscriptions, ...). Plain string tests, no regex on user text."""
    if entry.get("websocketUpgrade") is True:
        return "websocketUpgrade: true"
    for m in entry.get("match") or []:
        headers = m.get("headers") if isinstance(m, dict) else None
        if not isinstance(headers, dict):
            continue
        for key, cond in headers.items():
            key = str(key).lower()
            if key == "upgrade":
                return "it matches the upgrade header"
            values = cond.values() if isinstance(cond, dict) else ()
            if key == "connection" and any(isinstance(v, str) and "upgrade" in v.lower() for v in values):
                return "it matches connection: upgrade"
    for path in _matched_paths(entry):
        segments = {seg.lower() for seg in path.split("/")}
        found = segments & STREAM_SEGMENTS
        if found:
            return f"its URI {path} names a stream endpoint"
    return None


@rule(
    id="RES203",
    name="istio-route-no-timeout",
    title="Istio HTTP route has no request timeout.",
    severity=Severity.MEDIUM,
    types=(VIRTUAL_SERVICE,),
    remediation="Set a timeout on the http route (e.g. `timeout: 10s`) sized to the slowest legitimate request.",
)
def istio_route_no_timeout(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports VirtualService `http` routes that forward traffic (`route`) with
    no `timeout`, or with `timeout: 0s`. Istio disables the route timeout by
    default. Redirects, direct responses and routes with fault injection
    (Istio does not apply timeouts and retries there) are not reported; nor
    are `tcp`/`tls` routes, which have no timeout field.

    Routes that carry WebSocket, other upgraded or streaming traffic are not
    reported: a route timeout would cut their long-lived connections. A route
    is recognised as one when it sets the old `websocketUpgrade: true`, when
    one of its `match` entries matches the `upgrade` header (any value) or a
    `connection` header whose value mentions `upgrade`, or when a matched
    `uri` (`exact` or `prefix`) has a path segment among `ws`, `wss`,
    `websocket`, `websockets`, `socket.io`, `sockjs`, `sse`, `stream`,
    `streaming`, `subscriptions`, `graphql-ws` (compared whole, case
    insensitive: `/api/ws/` is one, `/news` is not). Any other VirtualService
    that carries long-lived streams on purpose (gRPC streaming on a plain
    path) opts out with the annotation
    `resilint/ignore: "RES203: long-lived streams"`; the message says so.

    Why is this bad?
    Without a timeout a request to a hung or overloaded backend waits as long
    as the client does, holding a connection and a worker in every hop. Slow
    failures spread upstream instead of failing fast.

    Example
    ```yaml
    http:
    - route:
      - destination: {host: ratings}
    ```

    Use instead
    ```yaml
    http:
    - route:
      - destination: {host: ratings}
      timeout: 10s
    ```

    References
    - https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
    - https://github.com/istio/api/blob/master/networking/v1alpha3/virtual_service.proto
    - AWS Well-Architected REL05-BP05, Set client timeouts: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_client_timeouts.html
    """
    for i, entry in http_routes(r):
        if not forwards(entry) or entry.get("fault") is not None:
            continue
        timeout = entry.get("timeout")
        if is_unknown(timeout) or contains_unknown(entry.get("match")):
            continue
        if streaming_route(entry):
            continue  # WebSocket / streaming: a route timeout would cut its connections
        if timeout is None:
            yield Violation(
                f"{route_name(r, ctx, i, entry)} routes to {destinations(entry)} with no timeout: "
                "Istio's route timeout is disabled by default, so a hung backend holds every request open "
                f"(if it carries long-lived streams on purpose, {RES203_OPT_OUT})",
                path=f"spec.http.{i}", unset=f"spec.http.{i}.timeout",
            )
        elif parse_duration(timeout) == 0:
            yield Violation(
                f"{route_name(r, ctx, i, entry)} routes to {destinations(entry)} with timeout: {timeout}, "
                "which disables the request timeout",
                path=f"spec.http.{i}.timeout",
            )


def _retry_settings(entry: dict[str, Any]) -> tuple[int, float | None, Any] | None:
    """(attempts, perTryTimeout seconds or None, raw perTryTimeout) of an explicit
    `retries` block, or None when there is none or a value is unknown."""
    retries = entry.get("retries")
    if retries is None or not isinstance(retries, dict):
        return None
    raw_attempts = retries.get("attempts", 0)  # a retries block without attempts disables retries
    raw = retries.get("perTryTimeout")
    attempts = as_int(raw_attempts)
    if attempts is None or is_unknown(raw):
        return None
    return attempts, parse_duration(raw), raw


@rule(
    id="RES204",
    name="istio-retries-exceed-route-timeout",
    title="Istio retry budget does not fit in the route timeout.",
    severity=Severity.MEDIUM,
    types=(VIRTUAL_SERVICE,),
    remediation="Make timeout >= (attempts + 1) x perTryTimeout (plus backoff), or lower attempts/perTryTimeout.",
)
def istio_retries_exceed_route_timeout(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports VirtualService `http` routes where `timeout`, `retries.attempts`
    (>= 1) and `retries.perTryTimeout` are all set and
    `(attempts + 1) x perTryTimeout > timeout`: `perTryTimeout` applies to
    the first call and to each retry, so the later attempts are cut off by
    the overall timeout. Routes with no `retries` block (the per-try timeout
    then equals the route timeout) and `attempts: 0` are not reported.

    Why is this bad?
    The configuration promises retries that can never happen: after a slow
    first attempt the overall timeout fires before the retry gets its turn,
    so the route fails exactly when retries were meant to help.

    Example
    ```yaml
    timeout: 5s
    retries: {attempts: 3, perTryTimeout: 2s}   # needs 8s
    ```

    Use instead
    ```yaml
    timeout: 7s
    retries: {attempts: 2, perTryTimeout: 2s}
    ```

    References
    - https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
    - virtual_service.proto (`HTTPRetry.attempts`, `per_try_timeout`, `backoff`)
    - AWS Well-Architected REL05-BP03, Control and limit retry calls: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_limit_retries.html
    """
    for i, entry in http_routes(r):
        settings = _retry_settings(entry)
        if settings is None:
            continue
        attempts, per_try, raw_per_try = settings
        timeout_raw = entry.get("timeout")
        timeout = parse_duration(timeout_raw)
        if attempts < 1 or not per_try or not timeout:
            continue
        needed = (attempts + 1) * per_try
        if needed <= timeout:
            continue
        where = route_name(r, ctx, i, entry)
        if per_try >= timeout:
            yield Violation(
                f"{where} sets perTryTimeout {raw_per_try} >= the route timeout {timeout_raw}: "
                f"after one slow attempt none of its {attempts} retries can run",
                path=f"spec.http.{i}.retries.perTryTimeout",
            )
        else:
            fit = int(timeout // per_try)
            yield Violation(
                f"{where} allows {attempts} retries of perTryTimeout {raw_per_try}: the first attempt plus "
                f"the retries need {format_duration(needed)}, but the route timeout is {timeout_raw}, "
                f"so only {fit} slow attempt{'s' if fit != 1 else ''} fit",
                path=f"spec.http.{i}.retries",
            )


@rule(
    id="RES205",
    name="istio-retries-without-per-try-timeout",
    title="Istio retries are configured without a per-try timeout.",
    severity=Severity.MEDIUM,
    types=(VIRTUAL_SERVICE,),
    remediation="Add retries.perTryTimeout (e.g. 2s) and a route timeout that covers (attempts + 1) x perTryTimeout.",
)
def istio_retries_without_per_try_timeout(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports VirtualService `http` routes with an explicit `retries` block
    (`attempts` >= 1) and no `perTryTimeout`. It is medium when the route has
    no `timeout` either (a hung attempt never times out, so it is never
    retried), low when only `perTryTimeout` is missing (the first attempt may
    use the whole route timeout, so timeouts are never retried). Implicit
    mesh-default retries and `attempts: 0` are not reported; nor is a
    `retries` block without `attempts`, which Istio reads as 0 (retries off).

    Why is this bad?
    `perTryTimeout` defaults to the route timeout, which defaults to none.
    Retries then only help against fast failures; the common slow failure
    (a hung backend) is never retried.

    Example
    ```yaml
    retries: {attempts: 3}
    ```

    Use instead
    ```yaml
    timeout: 8s
    retries: {attempts: 3, perTryTimeout: 2s}
    ```

    References
    - virtual_service.proto (`per_try_timeout`: default is the route timeout, which means no timeout)
    - AWS Well-Architected REL05-BP05, Set client timeouts: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_client_timeouts.html
    """
    for i, entry in http_routes(r):
        settings = _retry_settings(entry)
        if settings is None:
            continue
        attempts, per_try, raw_per_try = settings
        if attempts < 1 or (raw_per_try is not None and per_try is None) or per_try:
            continue  # unparsable or set: nothing to say
        timeout_raw = entry.get("timeout")
        if is_unknown(timeout_raw):
            continue
        where = route_name(r, ctx, i, entry)
        missing = "no perTryTimeout" if raw_per_try is None else f"perTryTimeout: {raw_per_try} (none)"
        if not parse_duration(timeout_raw):
            yield Violation(
                f"{where} retries {attempts} times with {missing} and no route timeout: "
                "a hung attempt never times out, so it is never retried",
                path=f"spec.http.{i}.retries",
                severity=Severity.MEDIUM,
            )
        else:
            yield Violation(
                f"{where} retries {attempts} times with {missing}: each attempt may use the whole "
                f"route timeout ({timeout_raw}), so a slow first attempt is never retried",
                path=f"spec.http.{i}.retries",
                severity=Severity.LOW,
            )


# ------------------------------------------------------------------ Gateway API / Linkerd routes
def _annotation(obj: Resource | None, key: str) -> Any:
    """One annotation (keys contain dots, so not through a dotted path)."""
    if obj is None:
        return None
    notes = obj.get("metadata.annotations")
    if is_unknown(notes):
        return notes
    return notes.get(key) if isinstance(notes, dict) else None


def _service_parents(r: Resource, ctx: Context) -> list[tuple[Any, Any, Resource | None]]:
    """Parent Services of an HTTPRoute: list of (name, namespace, Service or None)."""
    out: list[tuple[Any, Any, Resource | None]] = []
    refs = r.get("spec.parentRefs")
    if is_unknown(refs) or not isinstance(refs, list):
        return out
    for ref in refs:
        if not isinstance(ref, dict) or ref.get("kind") != "Service" or ref.get("group") not in (None, "", "core"):
            continue
        name, ns = ref.get("name"), ref.get("namespace") or ctx.index.namespace_of(r)
        if not isinstance(name, str) or is_unknown(ns):
            out.append((name, ns, None))
            continue
        svc = ctx.index.get(f"Service/{ns}/{name}")
        if svc is None:
            svc = next((s for s in ctx.index.by_type(SERVICE)
                        if s.name == name and ctx.index.namespace_of(s) == ns), None)
        out.append((name, ns, svc))
    return out


def _has_service_profile(ctx: Context, name: str, namespace: object) -> bool:
    fqdn = f"{name}.{namespace}.svc.cluster.local"
    return any(p.name == fqdn for p in ctx.index.by_type(SERVICE_PROFILE))


def _route_rules(r: Resource) -> Iterator[tuple[int, dict[str, Any]]]:
    rules = r.get("spec.rules")
    if is_unknown(rules) or not isinstance(rules, list):
        return
    for i, item in enumerate(rules):
        if isinstance(item, dict):
            yield i, item


def _forwarding_rule(item: dict[str, Any]) -> bool:
    backends = item.get("backendRefs")
    if not isinstance(backends, list) or not backends:
        return False
    for f in item.get("filters") or []:
        if isinstance(f, dict) and f.get("type") == "RequestRedirect":
            return False
    return True


@rule(
    id="RES206",
    name="httproute-no-request-timeout",
    title="HTTPRoute rule has no request timeout.",
    severity=Severity.LOW,
    types=HTTPROUTES,
    remediation="Set timeouts.request on the rule (e.g. 10s), or the timeout.linkerd.io/request annotation.",
    cross=True,
)
def httproute_no_request_timeout(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Gateway API and Linkerd HTTPRoute rules that forward traffic
    (`backendRefs`) without a request timeout: no `timeouts.request` (or
    `0s`), no `timeout.linkerd.io/request` annotation on the route, and none
    on a parent Service. The annotation wins over the field when both are
    set. Not reported: parent Services that have a Linkerd ServiceProfile
    (Linkerd then uses the profile's route timeout, 10 s by default),
    redirect-only rules and unknown values. A parent Service outside the
    scanned files is reported all the same, with a message saying it was not
    in the scan: its annotation cannot be read, and the route itself sets no
    timeout.

    Why is this bad?
    An unspecified request timeout means none is enforced: a hung backend
    holds the caller's request open until the client gives up.

    Example
    ```yaml
    rules:
    - backendRefs: [{name: authors, port: 7001}]
    ```

    Use instead
    ```yaml
    rules:
    - backendRefs: [{name: authors, port: 7001}]
      timeouts: {request: 10s}
    ```

    References
    - https://linkerd.io/2-edge/reference/timeouts/
    - https://linkerd.io/2-edge/reference/httproute/
    - https://gateway-api.sigs.k8s.io/geps/gep-1742/
    - https://linkerd.io/2.15/tasks/configuring-timeouts/ (ServiceProfile default 10 s)
    """
    route_note = _annotation(r, REQUEST_ANNOTATION)
    if is_unknown(route_note):
        return
    parents = _service_parents(r, ctx)
    notes = []  # (parent Service name, its annotation) when the route has none
    for name, ns, svc in parents:
        if isinstance(name, str) and _has_service_profile(ctx, name, ns):
            return  # Linkerd uses the ServiceProfile's route timeouts (10 s by default)
        if route_note is None:
            note = None if svc is None else _annotation(svc, REQUEST_ANNOTATION)
            if is_unknown(note):
                return
            notes.append((name, note, svc is not None))
    for i, item in _route_rules(r):
        if not _forwarding_rule(item):
            continue
        timeouts = item.get("timeouts")
        field = timeouts.get("request") if isinstance(timeouts, dict) else None
        if is_unknown(timeouts) or is_unknown(field):
            continue
        # the annotation wins over the field: route first, then each parent Service
        if route_note is not None:
            effective = [(route_note, f"its {REQUEST_ANNOTATION} annotation is {route_note}")]
        elif notes:
            effective = [
                (note, f"parent Service {name} sets {REQUEST_ANNOTATION}: {note}") if note is not None
                else (field, _field_text(field) + f" and parent Service {name} has no {REQUEST_ANNOTATION} annotation")
                if scanned
                else (field, _field_text(field) + f" and parent Service {name} is not in the scanned files "
                      f"(a {REQUEST_ANNOTATION} annotation on it would set one; scan it with the route)")
                for name, note, scanned in notes
            ]
        else:
            effective = [(field, _field_text(field))]
        for value, how in effective:
            if parse_duration(value) is None and value is not None:
                break  # unreadable duration: say nothing
            if parse_duration(value):
                continue
            yield Violation(
                f"{display(r, ctx.index)} rule {i} forwards to {_backends(item)} with no request timeout: "
                f"{how}, so none is enforced",
                path=f"spec.rules.{i}", unset=f"spec.rules.{i}.timeouts.request" if value is None else None,
            )
            break


def _field_text(field: Any) -> str:
    return "timeouts.request is unset" if field is None else f"timeouts.request is {field}"


def _backends(item: dict[str, Any]) -> str:
    names = [str(b["name"]) for b in item.get("backendRefs") or [] if isinstance(b, dict) and isinstance(b.get("name"), str)]
    return ", ".join(names) or "its backends"


def _linkerd_int(value: Any) -> int | None:
    if value is None or is_unknown(value):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


@rule(
    id="RES207",
    name="route-timeouts-inconsistent",
    title="Route timeouts contradict each other.",
    severity=Severity.LOW,
    types=HTTPROUTES + (SERVICE,),
    remediation="Make backendRequest <= request, and request >= (retry limit + 1) x retry timeout.",
    cross=True,
)
def route_timeouts_inconsistent(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports route timeouts that contradict each other:
    (a) an HTTPRoute rule whose `timeouts.backendRequest` is longer than its
    non-zero `timeouts.request` (the Gateway API CRD rejects it at
    admission); (b) Linkerd retries that cannot fit in the request timeout:
    `retry.linkerd.io/timeout x (retry.linkerd.io/limit + 1)` greater than the
    request timeout (`timeout.linkerd.io/request`, else the rule's
    `timeouts.request`). Annotations are read on the route first, then on the
    parent Service; a Service is checked on its own annotations. The retry
    limit defaults to 1. Values that are unknown or `0s` are not judged.

    Why is this bad?
    (a) The route is rejected and never programmed. (b) The overall timeout
    cuts off the retries the configuration promises, so a slow backend fails
    the request instead of being retried.

    Example
    ```yaml
    metadata:
      annotations:
        timeout.linkerd.io/request: 5s
        retry.linkerd.io/limit: "3"
        retry.linkerd.io/timeout: 2s    # needs 8s
    ```

    Use instead
    ```yaml
        timeout.linkerd.io/request: 10s
        retry.linkerd.io/limit: "3"
        retry.linkerd.io/timeout: 2s
    ```

    References
    - https://linkerd.io/2-edge/reference/retries/
    - https://github.com/kubernetes-sigs/gateway-api/blob/main/apis/v1/httproute_types.go (`HTTPRouteTimeouts` validation)
    - AWS Well-Architected REL05-BP03, Control and limit retry calls: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_limit_retries.html
    """
    if r.type == SERVICE:
        yield from _linkerd_retry_check(r, ctx, r.get("metadata.annotations"), None, "metadata.annotations")
        return
    parents: list[Resource | None] = [svc for _, _, svc in _service_parents(r, ctx) if svc is not None] or [None]
    for i, item in _route_rules(r):
        timeouts = item.get("timeouts")
        if is_unknown(timeouts) or not isinstance(timeouts, dict):
            timeouts = {}
        request_raw, backend_raw = timeouts.get("request"), timeouts.get("backendRequest")
        request, backend = parse_duration(request_raw), parse_duration(backend_raw)
        if request and backend and backend > request:
            yield Violation(
                f"{display(r, ctx.index)} rule {i} sets timeouts.backendRequest {backend_raw} longer than "
                f"timeouts.request {request_raw}: the Gateway API CRD rejects this route at admission",
                path=f"spec.rules.{i}.timeouts.backendRequest",
            )
            continue
        own = r.get("metadata.annotations")
        if is_unknown(own):
            return
        own = own if isinstance(own, dict) else {}
        for svc in parents:
            merged = dict(svc.get("metadata.annotations") or {}) if svc is not None else {}
            if any(is_unknown(v) for v in merged.values()):
                continue
            merged.update(own)
            # report on the route only when the route itself contributes a value
            # (values only from the parent Service are reported on the Service)
            contributes = any(k in own for k in (REQUEST_ANNOTATION, RETRY_TIMEOUT_ANNOTATION, RETRY_LIMIT_ANNOTATION))
            if request_raw is not None and REQUEST_ANNOTATION not in merged:
                merged[REQUEST_ANNOTATION] = request_raw  # the annotation wins over the field
                contributes = True
            if not contributes:
                continue
            found = list(_linkerd_retry_check(r, ctx, merged, i, f"spec.rules.{i}"))
            if found:
                yield found[0]
                break


def _linkerd_retry_check(r: Resource, ctx: Context, annotations: Any, rule_index: int | None,
                         path: str) -> Iterator[Violation]:
    if is_unknown(annotations) or not isinstance(annotations, dict):
        return
    retry_raw, request_raw = annotations.get(RETRY_TIMEOUT_ANNOTATION), annotations.get(REQUEST_ANNOTATION)
    limit_raw = annotations.get(RETRY_LIMIT_ANNOTATION)
    retry, request = parse_duration(retry_raw), parse_duration(request_raw)
    limit = 1 if limit_raw is None else _linkerd_int(limit_raw)
    if not retry or not request or limit is None or limit < 1:
        return
    where = display(r, ctx.index) + (f" rule {rule_index}" if rule_index is not None else "")
    if retry >= request:
        yield Violation(
            f"{where}: {RETRY_TIMEOUT_ANNOTATION} {retry_raw} is not shorter than the request timeout "
            f"{request_raw}: no retry can run after a slow attempt",
            path=path,
        )
    elif retry * (limit + 1) > request:
        yield Violation(
            f"{where}: {limit} retr{'y' if limit == 1 else 'ies'} of {retry_raw} plus the first attempt need "
            f"{format_duration(retry * (limit + 1))}, more than the request timeout {request_raw}: "
            "the later retries are cut off",
            path=path,
        )


# ------------------------------------------------------------------ Jobs
def job_spec_path(r: Resource) -> str:
    return "spec.jobTemplate.spec" if r.type == CRONJOB else "spec"


@rule(
    id="RES208",
    name="k8s-job-no-active-deadline",
    title="Job has no overall deadline.",
    severity=Severity.LOW,
    types=(JOB, CRONJOB),
    remediation="Set activeDeadlineSeconds on the Job spec (CronJob: spec.jobTemplate.spec), e.g. 3600.",
)
def job_no_active_deadline(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Jobs (and CronJob job templates) without `activeDeadlineSeconds`.
    Jobs created by a CronJob (owner references) are judged through the
    CronJob. A pod-level `activeDeadlineSeconds` in the pod template also
    bounds a hung pod (each try then ends), so it is accepted.

    Why is this bad?
    Without a deadline nothing bounds how long the Job stays active: a hung
    pod keeps it running until it exits, blocking the next CronJob run
    (`concurrencyPolicy: Forbid`) or holding resources indefinitely.

    Example
    ```yaml
    kind: Job
    spec:
      template: ...
    ```

    Use instead
    ```yaml
    kind: Job
    spec:
      activeDeadlineSeconds: 3600
      template: ...
    ```

    References
    - https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup
    - https://github.com/kubernetes/api/blob/master/batch/v1/types.go
    - AWS Well-Architected REL05-BP05, Set client timeouts: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_client_timeouts.html
    """
    if r.type == JOB and owned_by_controller(r):
        return
    base = job_spec_path(r)
    if r.has(f"{base}.activeDeadlineSeconds") or r.has(f"{base}.template.spec.activeDeadlineSeconds"):
        return
    if is_unknown(r.get(base)):
        return
    yield Violation(
        f"{display(r, ctx.index)} has no {base}.activeDeadlineSeconds: nothing bounds how long the Job may run, "
        "so a hung pod keeps it active until it exits",
        path=base, unset=f"{base}.activeDeadlineSeconds",
    )
