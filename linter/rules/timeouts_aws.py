"""RES201, RES202, RES209: AWS timeouts that disagree or are missing."""

from __future__ import annotations

from typing import Any, Iterator, TYPE_CHECKING

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import rule
from linter.rules._aws import (
    function_arn_from_invoke_uri, lambda_function, lambda_timeout, parse_json, queue_consumers,
)
from linter.rules._refs import resolve_one
from linter.rules._values import as_int, setting

if TYPE_CHECKING:
    from linter.engine import Context


# ------------------------------------------------------------------ RES201
@rule(
    id="RES201",
    name="aws-sqs-visibility-below-lambda-timeout",
    title="SQS visibility timeout is shorter than (6 x) the consuming Lambda's timeout.",
    severity=Severity.HIGH,
    types=("aws_sqs_queue",),
    remediation="Set visibility_timeout_seconds to at least 6 x the timeout of the Lambda function that consumes the queue.",
    cross=True,
)
def sqs_visibility_below_lambda_timeout(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Follows every `aws_lambda_event_source_mapping` that reads this SQS queue
    to its Lambda function and compares the queue's
    `visibility_timeout_seconds` (default 30) with the function's `timeout`
    (default 3). High when the visibility timeout is below the function
    timeout (Lambda rejects the mapping; changed later, messages reappear while
    still being processed), medium when it is below the 6 x AWS recommends.

    Why is this bad?
    A message becomes visible again when the visibility timeout expires. If
    the function can still be working on it, or Lambda is retrying a
    throttled batch, another invocation receives the same message: duplicate
    processing, and messages reach the dead-letter queue without ever failing.

    Example
    ```hcl
    resource "aws_sqs_queue" "jobs" {}          # visibility 30 s
    resource "aws_lambda_function" "worker" {
      timeout = 60
    }
    ```

    Use instead
    ```hcl
    resource "aws_sqs_queue" "jobs" {
      visibility_timeout_seconds = 360 # 6 x aws_lambda_function.worker.timeout
    }
    ```

    References
    - https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (queue configuration: visibility timeout at least six times the function timeout)
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sqs_queue
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_function
    - AWS Well-Architected REL05-BP05, Set client timeouts: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_client_timeouts.html
    """
    visibility = setting(r, "visibility_timeout_seconds")
    seconds = as_int(visibility.value)
    if seconds is None:
        return
    worst = None
    for consumer in queue_consumers(ctx.index, r):
        fn = consumer.function
        if fn is None:
            continue
        fn_timeout = lambda_timeout(fn)
        timeout = as_int(fn_timeout.value)
        if timeout is None:
            continue
        if worst is None or timeout > worst[0]:
            worst = (timeout, fn, fn_timeout)
    if worst is None or seconds >= 6 * worst[0]:
        return
    timeout, fn, fn_timeout = worst
    its_default = f" ({fn_timeout.describe()})" if fn_timeout.left_to_provider or fn_timeout.origin else ""
    base = (
        f"SQS queue {r.address} hides a received message for less than 6 x the {timeout} s timeout of "
        f"{fn.address}{its_default} that consumes it ({6 * timeout} s): {visibility.describe()}"
    )
    if seconds < timeout:
        yield Violation(
            base + "; below the function timeout, Lambda rejects the mapping and messages reappear "
            "while still being processed",
            path="visibility_timeout_seconds",
            severity=Severity.HIGH,
        )
    else:
        yield Violation(
            base + "; throttled or slow batches become visible again and are processed twice",
            path="visibility_timeout_seconds",
            severity=Severity.MEDIUM,
        )


# ------------------------------------------------------------------ RES202
_ASYNC_HEADER = "integration.request.header.X-Amz-Invocation-Type"


def _integration_target(ctx: Context, integration_uri: Any) -> Resource | None:
    """The Lambda function behind an integration URI (invoke ARN, function ARN or reference)."""
    if isinstance(integration_uri, str):
        fn_arn = function_arn_from_invoke_uri(integration_uri) or integration_uri
        if ":lambda:" not in fn_arn and ":function:" not in fn_arn:
            return None
        return lambda_function(ctx.index, fn_arn)
    return lambda_function(ctx.index, integration_uri)


@rule(
    id="RES202",
    name="aws-apigw-timeout-below-lambda-timeout",
    title="API Gateway gives up before the Lambda function it calls.",
    severity=Severity.MEDIUM,
    types=("aws_api_gateway_integration", "aws_apigatewayv2_integration"),
    remediation="Lower the function timeout below the integration timeout (e.g. 25 s), or make the call asynchronous.",
    cross=True,
)
def apigw_timeout_below_lambda_timeout(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Compares an API Gateway Lambda integration's `timeout_milliseconds`
    (REST default 29,000 ms; HTTP API 30,000 ms; WebSocket 29,000 ms) with
    the `timeout` of the Lambda function it invokes, and reports the
    integration when the function may run longer. Asynchronous REST
    integrations (`X-Amz-Invocation-Type: 'Event'`) are not reported.

    Why is this bad?
    The client gets a 504 while the function keeps running, and may still
    commit its side effects: clients retry work that actually succeeded.

    Example
    ```hcl
    resource "aws_lambda_function" "api" {
      timeout = 60
    }
    resource "aws_api_gateway_integration" "api" {
      type = "AWS_PROXY"
      uri  = aws_lambda_function.api.invoke_arn      # gives up after 29 s
    }
    ```

    Use instead
    ```hcl
    resource "aws_lambda_function" "api" {
      timeout = 25
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_integration
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/apigatewayv2_integration
    - AWS Well-Architected REL05-BP05, Set client timeouts: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_client_timeouts.html
    """
    if r.type == "aws_api_gateway_integration":
        kind = r.get("type")
        if is_unknown(kind) or kind not in ("AWS_PROXY", "AWS"):
            return
        params = r.get("request_parameters")
        if is_unknown(params):
            return
        if isinstance(params, dict):
            header = params.get(_ASYNC_HEADER)
            if is_unknown(header) or (isinstance(header, str) and header.strip("'\"").lower() == "event"):
                return
        uri_path, default, api_kind = "uri", 29000, "REST API"
    else:
        kind = r.get("integration_type")
        if is_unknown(kind) or kind != "AWS_PROXY":
            return
        uri_path = "integration_uri"
        default, api_kind = None, None
        api = resolve_one(ctx.index, r.get("api_id"))
        protocol = api.get("protocol_type") if api is not None and api.type == "aws_apigatewayv2_api" else None
        if protocol == "HTTP":
            default, api_kind = 30000, "HTTP API"
        elif protocol == "WEBSOCKET":
            default, api_kind = 29000, "WebSocket API"
    fn = _integration_target(ctx, r.get(uri_path))
    if fn is None:
        return
    fn_timeout = lambda_timeout(fn)
    timeout = as_int(fn_timeout.value)
    limit = setting(r, "timeout_milliseconds", default)
    if limit.defaulted and default is None:
        return  # HTTP or WebSocket: the default depends on an API we could not resolve
    millis = as_int(limit.value)
    if timeout is None or millis is None or timeout * 1000 <= millis:
        return
    fn_default = f" ({fn_timeout.describe()})" if fn_timeout.left_to_provider or fn_timeout.origin else ""
    limit_text = limit.describe() + (f" for a {api_kind}" if limit.defaulted else "")
    yield Violation(
        f"API Gateway integration {r.address} gives up after {millis / 1000:g} s ({limit_text}), but "
        f"{fn.address} may run for {timeout} s{fn_default}: clients get a 504 while the function keeps "
        "running and may still commit its side effects",
        path="timeout_milliseconds" if not limit.defaulted else uri_path,
    )


# ------------------------------------------------------------------ RES209
def _task_states(states: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        here = f"{where}{name}"
        kind = state.get("Type")
        if kind == "Task":
            yield here, state
        elif kind == "Parallel":
            for i, branch in enumerate(state.get("Branches") or []):
                if isinstance(branch, dict):
                    yield from _task_states(branch.get("States"), f"{here}/Branches[{i}]/")
        elif kind == "Map":
            for key in ("ItemProcessor", "Iterator"):
                inner = state.get(key)
                if isinstance(inner, dict):
                    yield from _task_states(inner.get("States"), f"{here}/{key}/")


@rule(
    id="RES209",
    name="aws-sfn-task-no-timeout",
    title="Step Functions Task state has no timeout.",
    severity=Severity.MEDIUM,
    types=("aws_sfn_state_machine",),
    remediation='Give every Task state "TimeoutSeconds" (and "HeartbeatSeconds" for .waitForTaskToken callbacks).',
)
def sfn_task_no_timeout(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Parses the state machine `definition` (Amazon States Language JSON) and
    reports every Task state, including those inside Parallel branches and
    Map item processors, that has neither `TimeoutSeconds` nor
    `TimeoutSecondsPath`. Callback tasks (`.waitForTaskToken`) without
    `HeartbeatSeconds` are called out in the message. A definition that is not
    known before apply (`templatefile(...)`) or does not parse is not reported.

    Why is this bad?
    Without a timeout Step Functions waits up to 99,999,999 seconds (about
    three years) for a task: a hung worker or a lost callback token stalls
    the execution silently instead of failing into a Catch or Retry.

    Example
    ```json
    "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}
    ```

    Use instead
    ```json
    "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
               "TimeoutSeconds": 300, "End": true}
    ```

    References
    - https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sfn_state_machine
    - AWS Well-Architected REL05-BP05, Set client timeouts: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_client_timeouts.html
    """
    definition = parse_json(r.get("definition"))
    if not isinstance(definition, dict):
        return
    missing = []
    callbacks = []
    for name, state in _task_states(definition.get("States"), ""):
        if "TimeoutSeconds" in state or "TimeoutSecondsPath" in state:
            continue
        missing.append(name)
        resource = state.get("Resource")
        if isinstance(resource, str) and resource.endswith(".waitForTaskToken") and not (
            "HeartbeatSeconds" in state or "HeartbeatSecondsPath" in state
        ):
            callbacks.append(name)
    if not missing:
        return
    states = ", ".join(missing)
    message = (
        f"Step Functions state machine {r.address} has Task state{'s' if len(missing) > 1 else ''} "
        f"without TimeoutSeconds ({states}): a hung task waits up to 99999999 s (about 3 years)"
    )
    if callbacks:
        message += (
            f"; callback task{'s' if len(callbacks) > 1 else ''} {', '.join(callbacks)} "
            f"(.waitForTaskToken) {'also lacks' if len(callbacks) == 1 else 'also lack'} HeartbeatSeconds, so a lost task token is never noticed"
        )
    yield Violation(message, path="definition")
