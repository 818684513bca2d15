"""RES4xx for Kubernetes: Jobs that retry failed pods too often, Istio routes that retry too much."""

from __future__ import annotations

from linter import attribute_facts
from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import Option, rule
from linter.rules._k8s import CRONJOB, JOB, VIRTUAL_SERVICE, display, owned_by_controller
from linter.rules._values import as_int
from linter.rules.timeouts_k8s import http_routes, job_spec_path, route_name
from typing import Any, Iterator, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import Context


def _has_fail_job_rule(policy: Any) -> bool | None:
    if policy is None:
        return False
    if is_unknown(policy) or not isinstance(policy, dict):
        return None
    rules = policy.get("rules")
    if is_unknown(rules):
        return None
    return any(isinstance(x, dict) and x.get("action") == "FailJob" for x in rules or [])


@rule(
    id="RES414",
    name="k8s-job-unbounded-backoff",
    title="Job retries failed pods an excessive number of times.",
    severity=Severity.LOW,
    types=(JOB, CRONJOB),
    remediation=f"Lower backoffLimit (the default {attribute_facts.default(JOB, 'spec.backoffLimit')} is usually "
                "enough) and set activeDeadlineSeconds.",
    options={"backoff_limit_threshold": Option(20, "A backoffLimit above this many retries is reported.")},
)
def job_unbounded_backoff(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Jobs (and CronJob job templates) whose `backoffLimit` is set above
    a threshold (default 20, option `backoff_limit_threshold`) with no
    `activeDeadlineSeconds` to bound the retries. The default (6) is not
    reported, nor is a Job with a `podFailurePolicy` that has a `FailJob`
    rule (permanent failures stop the Job at once).

    Why is this bad?
    Each failed pod is retried with an exponential back-off capped at six
    minutes: a Job that can never succeed keeps recreating pods for hours,
    hammering its dependencies and hiding the failure from whoever waits for
    it.

    Example
    ```yaml
    kind: Job
    spec:
      backoffLimit: 100
    ```

    Use instead
    ```yaml
    kind: Job
    spec:
      backoffLimit: 6
      activeDeadlineSeconds: 3600
    ```

    References
    - https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy
    - https://github.com/kubernetes/api/blob/master/batch/v1/types.go
    - AWS Well-Architected REL05-BP03, Control and limit retry calls: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_limit_retries.html
    """
    if r.type == JOB and owned_by_controller(r):
        return
    base = job_spec_path(r)
    limit_raw = r.get(f"{base}.backoffLimit")
    if limit_raw is None or is_unknown(limit_raw) or r.has(f"{base}.activeDeadlineSeconds"):
        return
    limit = as_int(limit_raw)
    threshold = ctx.option("backoff_limit_threshold")
    if limit is None or limit <= threshold:
        return
    if _has_fail_job_rule(r.get(f"{base}.podFailurePolicy")) is not False:
        return  # a FailJob rule ends hopeless Jobs early (or the policy is unknown)
    yield Violation(
        f"{display(r, ctx.index)} retries failed pods up to {limit} times ({base}.backoffLimit: {limit_raw}, "
        f"above {threshold}) and has no activeDeadlineSeconds to bound them",
        path=f"{base}.backoffLimit",
    )


@rule(
    id="RES415",
    name="istio-excessive-retries",
    title="Istio route retries too many times.",
    severity=Severity.LOW,
    types=(VIRTUAL_SERVICE,),
    remediation="Retry at most a few times (e.g. attempts: 2 with a perTryTimeout) and cap retries in the "
                "DestinationRule (connectionPool.http.maxRetries).",
    options={"attempts_threshold": Option(5, "Retry attempts above this number are reported.")},
)
def istio_excessive_retries(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports VirtualService `http` routes whose `retries.attempts` is above a
    threshold (default 5, option `attempts_threshold`). Routes without a
    `retries` block use the mesh default of 2 attempts and are not reported.

    Why is this bad?
    Every hop that retries multiplies the load on a struggling backend: with
    retries at several layers a small outage becomes a retry storm. The
    DestinationRule's `maxRetries` circuit breaker defaults to 2^32-1, so
    nothing else caps it.

    Example
    ```yaml
    retries: {attempts: 10}
    ```

    Use instead
    ```yaml
    retries: {attempts: 2, perTryTimeout: 2s}
    ```

    References
    - virtual_service.proto (`HTTPRoute.retries` mesh default)
    - https://github.com/istio/api/blob/master/networking/v1alpha3/destination_rule.proto (`max_retries` default)
    - AWS Well-Architected REL05-BP03, Control and limit retry calls: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_limit_retries.html
    """
    threshold = ctx.option("attempts_threshold")
    for i, entry in http_routes(r):
        retries = entry.get("retries")
        if not isinstance(retries, dict):
            continue
        attempts = as_int(retries.get("attempts"))
        if attempts is None or attempts <= threshold:
            continue
        retry_on = retries.get("retryOn")
        on = f" on {retry_on}" if isinstance(retry_on, str) and retry_on else ""
        yield Violation(
            f"{route_name(r, ctx, i, entry)} retries each request up to {attempts} times{on} "
            f"(more than {threshold}): each failing request hits the struggling backend up to {attempts + 1} times",
            path=f"spec.http.{i}.retries.attempts",
        )
