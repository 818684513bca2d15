"""RES401-RES408: AWS messaging without bounded retries or dead-letter handling."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, TYPE_CHECKING

from linter.model import Resource, Severity, Violation
from linter.rules import rule
from linter.rules._aws import (
    LAMBDA_ALIAS, LAMBDA_FUNCTION, dead_letter_graph, event_source_kind, lambda_function, passed_to_module,
    queue_consumers, redrive_policy_of, written,
)
from linter.rules._refs import possible_targets
from linter.rules._values import Setting, as_bool, as_int, origin_of, setting

if TYPE_CHECKING:
    from linter.engine import Context
    from linter.index import Index

STREAM_KINDS = {"kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream"}


# ------------------------------------------------------------------ RES401
@rule(
    id="RES401",
    name="aws-sqs-no-dlq",
    title="SQS queue has no dead-letter queue.",
    severity=Severity.MEDIUM,
    types=("aws_sqs_queue",),
    remediation="Add a redrive_policy with deadLetterTargetArn (a dead-letter queue) and maxReceiveCount = 5.",
    cross=True,
)
def sqs_no_dlq(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports SQS queues with no redrive policy, neither inline
    (`redrive_policy`) nor attached (`aws_sqs_queue_redrive_policy`), that are
    not dead-letter queues themselves. A queue is a dead-letter queue when
    another queue's redrive policy, an SNS subscription's redrive policy, a
    Lambda on-failure destination or dead-letter config, or an EventBridge
    target's or pipe's dead-letter config points at it, or when it has a
    redrive allow policy. Queues the scan cannot rule out as dead-letter
    targets (a redrive policy taken from a variable) are not reported. A redrive policy whose JSON is not known yet counts as present.
    In a plan, such a policy may point at the queues its references name, or
    at a queue a string of the variables it reads names: only those are
    taken as possible dead-letter queues.

    Why is this bad?
    A message that can never be processed (a poison message) is received
    again after every visibility timeout until its retention expires (4 days
    by default), burning consumer capacity, and is then deleted without a
    trace.

    Example
    ```hcl
    resource "aws_sqs_queue" "jobs" {
      name = "jobs"
    }
    ```

    Use instead
    ```hcl
    resource "aws_sqs_queue" "jobs" {
      name = "jobs"
      redrive_policy = jsonencode({
        deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
        maxReceiveCount     = 5
      })
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sqs_queue
    - https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
    - AWS Well-Architected REL05-BP04, Fail fast and limit queues: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_fail_fast.html
    """
    if written(r, "redrive_policy") or written(r, "redrive_allow_policy"):
        return
    graph = dead_letter_graph(ctx.index)
    if graph.unresolved or passed_to_module(ctx.index, r):
        return  # a redrive link we cannot follow, or a module we cannot see, may make it a DLQ
    if (r.address in graph.redrive_attached or r.address in graph.allow_attached or r.address in graph.dlq_targets
            or r.address in graph.possible_targets):
        return
    retention = setting(r, "message_retention_seconds")
    kept = f": {retention.describe()}" if as_int(retention.value) else ""
    yield Violation(
        f"SQS queue {r.address} has no dead-letter queue: redrive_policy is unset and no "
        f"aws_sqs_queue_redrive_policy targets it, so a message that keeps failing is received again "
        f"after every visibility timeout until its retention period ends and then silently deleted{kept}",
        path="redrive_policy",
    )


# ------------------------------------------------------------------ RES402
@rule(
    id="RES402",
    name="aws-sqs-dlq-retention-too-short",
    title="Dead-letter queue does not keep messages longer than its source queue.",
    severity=Severity.LOW,
    types=("aws_sqs_queue",),
    remediation="Set message_retention_seconds on the dead-letter queue above the source queue's (e.g. 1209600, 14 days).",
    cross=True,
)
def sqs_dlq_retention_too_short(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    For a queue that is the dead-letter target of another standard queue's
    redrive policy, compares the two `message_retention_seconds` values
    (both default to 345,600 s = 4 days) and reports the dead-letter queue
    when it does not keep messages longer than the source. FIFO sources are
    not reported.

    Why is this bad?
    For standard queues a message's expiry counts from its original enqueue
    time: a message that spent 3 of 4 days in the source queue lives only one
    more day in a 4-day dead-letter queue, often too short to investigate and
    redrive it.

    Example
    ```hcl
    resource "aws_sqs_queue" "jobs_dlq" {}   # 4 days, same as the source
    ```

    Use instead
    ```hcl
    resource "aws_sqs_queue" "jobs_dlq" {
      message_retention_seconds = 1209600    # 14 days
    }
    ```

    References
    - https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
    """
    sources = dead_letter_graph(ctx.index).sources_of.get(r.address, [])
    if not sources:
        return
    mine = setting(r, "message_retention_seconds")
    dlq_kept = as_int(mine.value)
    if dlq_kept is None:
        return
    for source in sources:
        fifo = as_bool(setting(source, "fifo_queue").value)
        if fifo is None or fifo:
            continue
        theirs = setting(source, "message_retention_seconds")
        source_kept = as_int(theirs.value)
        if source_kept is None or dlq_kept > source_kept:
            continue
        yield Violation(
            f"Dead-letter queue {r.address} keeps messages no longer than its source queue {source.address}, "
            "and expiry counts from the original enqueue time, so a message dead-lettered late expires soon "
            f"after it arrives: here {mine.describe()}, on the source {theirs.describe()}",
            path="message_retention_seconds",
        )
        return


# ------------------------------------------------------------------ RES403
@rule(
    id="RES403",
    name="aws-sqs-lambda-max-receive-count-low",
    title="Lambda-consumed queue sends messages to the DLQ too early.",
    severity=Severity.LOW,
    types=("aws_sqs_queue",),
    remediation="Set maxReceiveCount in the redrive policy to 5 or more.",
    cross=True,
)
def sqs_lambda_max_receive_count_low(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports a queue consumed by a Lambda event source mapping whose redrive
    policy (inline or `aws_sqs_queue_redrive_policy`) has a
    `maxReceiveCount` below 5.

    Why is this bad?
    Lambda's poller receives messages even when the function is throttled;
    each such receive counts. With a low `maxReceiveCount`, messages that
    never failed are dead-lettered during a burst.

    Example
    ```hcl
    redrive_policy = jsonencode({
      deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
      maxReceiveCount     = 1
    })
    ```

    Use instead
    ```hcl
    redrive_policy = jsonencode({
      deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn
      maxReceiveCount     = 5
    })
    ```

    References
    - https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
    """
    consumers = queue_consumers(ctx.index, r)
    if not consumers:
        return
    found = redrive_policy_of(ctx.index, r)
    if found is None:
        return
    policy, holder = found
    if not isinstance(policy, dict):
        return
    count = as_int(policy.get("maxReceiveCount"))
    if count is None or count >= 5:
        return
    # the policy is a JSON document: its key is named as written, with where a variable set it
    said = Setting("redrive_policy.maxReceiveCount", count, False, origin_of(holder, "redrive_policy.maxReceiveCount"),
                   shown="maxReceiveCount").describe()
    yield Violation(
        f"SQS queue {r.address} is consumed by Lambda ({consumers[0].mapping.address}) but its redrive "
        f"policy ({holder.address}.redrive_policy) has {said}: throttled batches count as receives, so "
        "messages that never failed reach the dead-letter queue",
        path="redrive_policy",
    )


# ---------------------------------------------------------- RES404 / RES405
def _stream_source(r: Resource, ctx: Context) -> tuple[str, str, str] | None:
    """(kind, retry block prefix, destination path) for stream consumers; None otherwise."""
    if r.type == "aws_lambda_event_source_mapping":
        kind = event_source_kind(ctx.index, r)
        if kind not in STREAM_KINDS:
            return None
        return kind, "", "destination_config.on_failure.destination_arn"
    for kind, block in (("kinesis", "kinesis_stream_parameters"), ("dynamodb", "dynamodb_stream_parameters")):
        prefix = f"source_parameters.{block}"
        if written(r, prefix):
            return kind, prefix + ".", prefix + ".dead_letter_config.arn"
    return None


@rule(
    id="RES404",
    name="aws-lambda-stream-unbounded-retries",
    title="Stream consumer retries a failing batch until the records expire.",
    severity=Severity.CRITICAL,
    types=("aws_lambda_event_source_mapping", "aws_pipes_pipe"),
    remediation="Set maximum_retry_attempts and maximum_record_age_in_seconds, bisect_batch_on_function_error = true, and an on-failure destination.",
    cross=True,
)
def lambda_stream_unbounded_retries(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Lambda event source mappings (and EventBridge Pipes) reading a
    Kinesis or DynamoDB stream with neither `maximum_retry_attempts` nor
    `maximum_record_age_in_seconds` bounded: both absent default to -1,
    infinite. SQS, MQ and Kafka sources have a different retry model and
    are not reported.

    Why is this bad?
    Stream records are processed in order per shard. One record the function
    cannot process (a poison record) is retried until it expires from the
    stream, up to the stream's whole retention, and the shard makes no
    progress meanwhile.

    Example
    ```hcl
    resource "aws_lambda_event_source_mapping" "orders" {
      event_source_arn  = aws_kinesis_stream.orders.arn
      function_name     = aws_lambda_function.consumer.arn
      starting_position = "LATEST"
    }
    ```

    Use instead
    ```hcl
    resource "aws_lambda_event_source_mapping" "orders" {
      event_source_arn               = aws_kinesis_stream.orders.arn
      function_name                  = aws_lambda_function.consumer.arn
      starting_position              = "LATEST"
      maximum_retry_attempts         = 3
      maximum_record_age_in_seconds  = 3600
      bisect_batch_on_function_error = true
      destination_config {
        on_failure { destination_arn = aws_sqs_queue.orders_failed.arn }
      }
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_event_source_mapping
    - https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (both default to infinite, -1)
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/pipes_pipe
    - AWS Well-Architected REL05-BP03, Control and limit retry calls: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_limit_retries.html
    """
    source = _stream_source(r, ctx)
    if source is None:
        return
    kind, prefix, _ = source
    retries = setting(r, prefix + "maximum_retry_attempts")
    age = setting(r, prefix + "maximum_record_age_in_seconds")
    if as_int(retries.value) != -1 or as_int(age.value) != -1:
        return
    what = "Lambda event source mapping" if not prefix else "EventBridge pipe"
    yield Violation(
        f"{what} {r.address} reads a {STREAM_KINDS[kind]} and retries a failing batch until its records "
        f"expire: {_bare(retries.describe())} and {_bare(age.describe())} (-1 = infinite), so one "
        "poison record blocks its shard for the stream's whole retention",
        path=prefix + "maximum_retry_attempts",
    )


def _bare(text: str) -> str:
    return text.rsplit(".", 1)[-1] if text.startswith("source_parameters.") else text


@rule(
    id="RES405",
    name="aws-lambda-stream-no-failure-destination",
    title="Stream consumer drops records it gives up on.",
    severity=Severity.MEDIUM,
    types=("aws_lambda_event_source_mapping", "aws_pipes_pipe"),
    remediation="Add destination_config { on_failure { destination_arn = ... } } (an SQS queue, SNS topic, S3 bucket or Kafka topic).",
    cross=True,
)
def lambda_stream_no_failure_destination(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Lambda event source mappings (and EventBridge Pipes) reading a
    Kinesis or DynamoDB stream that have no on-failure destination
    (`destination_config.on_failure.destination_arn`; for pipes the stream
    parameters' `dead_letter_config.arn`).

    Why is this bad?
    When the retry or record-age limit is reached the batch is skipped and
    its records are gone: nothing records what was lost or allows replaying
    it.

    Example
    ```hcl
    resource "aws_lambda_event_source_mapping" "orders" {
      event_source_arn       = aws_kinesis_stream.orders.arn
      function_name          = aws_lambda_function.consumer.arn
      maximum_retry_attempts = 3
    }
    ```

    Use instead
    ```hcl
    destination_config {
      on_failure { destination_arn = aws_sqs_queue.orders_failed.arn }
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_event_source_mapping
    - AWS Well-Architected REL05-BP04, Fail fast and limit queues: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_fail_fast.html
    """
    source = _stream_source(r, ctx)
    if source is None:
        return
    kind, prefix, destination = source
    if written(r, destination):
        return
    what = "Lambda event source mapping" if not prefix else "EventBridge pipe"
    yield Violation(
        f"{what} {r.address} reads a {STREAM_KINDS[kind]} without an on-failure destination "
        f"({destination} is unset): records it gives up on are discarded without a trace",
        path=destination.rsplit(".", 2)[0] if prefix else "destination_config",
    )


# ------------------------------------------------------------------ RES406
ASYNC_PRINCIPALS = {"s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com"}


def _async_callers(index: Index) -> dict[str, list[str]]:
    """Lambda function address -> evidence of asynchronous invocation (resource addresses + why)."""
    out: dict[str, list[str]] = {}

    def add(fn: Resource | None, why: str) -> None:
        if fn is not None:
            out.setdefault(fn.address, []).append(why)

    for perm in index.by_type("aws_lambda_permission"):
        principal = perm.get("principal")
        if isinstance(principal, str) and principal in ASYNC_PRINCIPALS:
            add(lambda_function(index, perm.get("function_name")), f"{perm.address} lets {principal} invoke it")
    for note in index.by_type("aws_s3_bucket_notification"):
        for item in note.all("lambda_function"):
            if isinstance(item, dict):
                add(lambda_function(index, item.get("lambda_function_arn")), f"{note.address} sends S3 events to it")
    for sub in index.by_type("aws_sns_topic_subscription"):
        protocol = sub.get("protocol")
        if isinstance(protocol, str) and protocol == "lambda":
            add(lambda_function(index, sub.get("endpoint")), f"{sub.address} subscribes it to an SNS topic")
    for target in index.by_type("aws_cloudwatch_event_target"):
        add(lambda_function(index, target.get("arn")), f"{target.address} sends EventBridge events to it")
    return out


@dataclass
class InvokeConfigs:
    by_function: dict[str, list[Resource]] = field(default_factory=dict)  # function address -> its configs
    # functions a config may belong to, not knowing which (a plan's `aws_lambda_function.fn[each.key]`)
    possible: set[str] = field(default_factory=set)
    unresolved: bool = False  # a config whose function cannot be told: it may be any function's


def _invoke_configs(index: Index) -> InvokeConfigs:
    out = InvokeConfigs()
    for cfg in index.by_type("aws_lambda_function_event_invoke_config"):
        name = cfg.get("function_name")
        fn = lambda_function(index, name)
        if fn is not None:
            out.by_function.setdefault(fn.address, []).append(cfg)
            continue
        possible = possible_targets(index, name, cfg, (LAMBDA_FUNCTION, LAMBDA_ALIAS), "function_name")
        functions = [lambda_function(index, p.get("function_name")) if p.type == LAMBDA_ALIAS else p for p in possible or []]
        if possible is None or any(f is None for f in functions):
            out.unresolved = True
        else:
            out.possible.update(f.address for f in functions if f is not None)
    return out


@rule(
    id="RES406",
    name="aws-lambda-async-no-failure-destination",
    title="Asynchronously invoked function discards events after its retries.",
    severity=Severity.MEDIUM,
    types=("aws_lambda_function",),
    remediation="Add an aws_lambda_function_event_invoke_config with destination_config { on_failure { destination = ... } }, or a dead_letter_config.",
    cross=True,
)
def lambda_async_no_failure_destination(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Lambda functions that are invoked asynchronously, shown by an
    `aws_lambda_permission` for S3, SNS or EventBridge, an S3 bucket
    notification, an SNS `lambda` subscription or an EventBridge target,
    when neither the function's `dead_letter_config` nor an
    `aws_lambda_function_event_invoke_config` on-failure destination keeps
    the events it fails on. Functions without such evidence (synchronous API
    or load balancer callers) are not reported.

    Why is this bad?
    Lambda retries a failed asynchronous event twice and keeps it at most six
    hours; after that the event is discarded and nobody can see or replay it.

    Example
    ```hcl
    resource "aws_lambda_permission" "s3" {
      function_name = aws_lambda_function.thumbnails.function_name
      principal     = "s3.amazonaws.com"
    }
    ```

    Use instead
    ```hcl
    resource "aws_lambda_function_event_invoke_config" "thumbnails" {
      function_name = aws_lambda_function.thumbnails.function_name
      destination_config {
        on_failure { destination = aws_sqs_queue.thumbnails_failed.arn }
      }
    }
    ```

    References
    - https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_function_event_invoke_config
    """
    evidence = ctx.index.memo("aws.lambda.async_callers", _async_callers).get(r.address)
    if not evidence:
        return
    if written(r, "dead_letter_config.target_arn") or passed_to_module(ctx.index, r):
        return  # (a module we cannot see may configure its failure destination)
    configs = ctx.index.memo("aws.lambda.invoke_configs", _invoke_configs)
    if configs.unresolved or r.address in configs.possible:
        return  # an invoke config we cannot place may belong to this function
    mine = configs.by_function.get(r.address, [])
    if any(written(c, "destination_config.on_failure.destination") for c in mine):
        return
    retries, source = 2, ""
    if mine:
        settings = [(c, setting(c, "maximum_retry_attempts")) for c in mine]
        known = [(n, c, s) for c, s in settings if (n := as_int(s.value)) is not None]
        if len(known) != len(settings):
            return
        retries, config, most = max(known, key=lambda k: k[0])
        if not most.defaulted:  # the user's number: named with where it was set
            source = f" ({config.address}: {most.describe()})"
    yield Violation(
        f"Lambda function {r.address} is invoked asynchronously ({evidence[0]}) but has no "
        f"dead_letter_config and no on-failure destination: after {retries} retr{'y' if retries == 1 else 'ies'}"
        f"{source} a failed event is discarded",
        path="dead_letter_config",
    )


# ------------------------------------------------------------------ RES407
NO_DLQ_PROTOCOLS = {"email", "email-json", "sms"}
LOW_PROTOCOLS = {"sqs"}


@rule(
    id="RES407",
    name="aws-sns-subscription-no-dlq",
    title="SNS subscription has no dead-letter queue.",
    severity=Severity.MEDIUM,
    types=("aws_sns_topic_subscription",),
    remediation="Set redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.sns_dlq.arn }) (the DLQ's policy must allow sns.amazonaws.com).",
)
def sns_subscription_no_dlq(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports SNS topic subscriptions without a `redrive_policy`: medium for
    `lambda`, `http`, `https` and `firehose` endpoints, low for `sqs`
    endpoints (delivery to SQS rarely fails). `email`, `email-json` and
    `sms` subscriptions are not reported.

    Why is this bad?
    When SNS cannot deliver a message after its delivery retries (an endpoint
    down, a permission removed, a throttled function) the message is
    discarded.

    Example
    ```hcl
    resource "aws_sns_topic_subscription" "orders" {
      topic_arn = aws_sns_topic.orders.arn
      protocol  = "lambda"
      endpoint  = aws_lambda_function.orders.arn
    }
    ```

    Use instead
    ```hcl
    resource "aws_sns_topic_subscription" "orders" {
      topic_arn      = aws_sns_topic.orders.arn
      protocol       = "lambda"
      endpoint       = aws_lambda_function.orders.arn
      redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn })
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sns_topic_subscription
    - https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
    """
    protocol = r.get("protocol")
    if not isinstance(protocol, str) or protocol in NO_DLQ_PROTOCOLS:
        return
    if written(r, "redrive_policy"):
        return
    severity = Severity.LOW if protocol in LOW_PROTOCOLS else Severity.MEDIUM
    yield Violation(
        f"SNS subscription {r.address} ({protocol}) has no redrive_policy: messages SNS cannot deliver "
        "after its delivery retries are discarded",
        path="protocol",
        severity=severity,
    )


# ------------------------------------------------------------------ RES408
@rule(
    id="RES408",
    name="aws-eventbridge-target-no-dlq",
    title="EventBridge target has no dead-letter queue.",
    severity=Severity.MEDIUM,
    types=("aws_cloudwatch_event_target",),
    remediation="Add dead_letter_config { arn = aws_sqs_queue.events_dlq.arn }.",
)
def eventbridge_target_no_dlq(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports EventBridge (CloudWatch Events) targets without a
    `dead_letter_config`. The message states the retry window that applies:
    `retry_policy`, or by default 24 hours and 185 attempts.

    Why is this bad?
    Events EventBridge cannot deliver (target throttled, deleted, permission
    missing) are retried and then dropped without a trace.

    Example
    ```hcl
    resource "aws_cloudwatch_event_target" "orders" {
      rule = aws_cloudwatch_event_rule.orders.name
      arn  = aws_lambda_function.orders.arn
    }
    ```

    Use instead
    ```hcl
    resource "aws_cloudwatch_event_target" "orders" {
      rule = aws_cloudwatch_event_rule.orders.name
      arn  = aws_lambda_function.orders.arn
      dead_letter_config {
        arn = aws_sqs_queue.orders_events_dlq.arn
      }
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_event_target
    - AWS Well-Architected REL05-BP04, Fail fast and limit queues: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_fail_fast.html
    """
    if written(r, "dead_letter_config.arn"):
        return
    age = setting(r, "retry_policy.maximum_event_age_in_seconds")
    attempts = setting(r, "retry_policy.maximum_retry_attempts")
    window = ""
    if not age.unknown and not attempts.unknown:
        window = f": {age.describe()}, {attempts.describe()}"
    yield Violation(
        f"EventBridge target {r.address} has no dead_letter_config: events it cannot deliver are "
        f"dropped after the retries{window}",
        path="arn",
    )
