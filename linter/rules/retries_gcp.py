"""RES4xx for GCP: Pub/Sub subscriptions without dead letters or backoff, and
Cloud Tasks queues that retry forever."""

from __future__ import annotations

from typing import Any, Iterator, TYPE_CHECKING

from dataclasses import dataclass, field

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import rule
from linter.rules._attribute_checks import AttributeCheck, check_attribute
from linter.rules._durations import parse_duration
from linter.rules._gcp import last_segment
from linter.rules._refs import possible_targets
from linter.rules._values import as_int, setting

if TYPE_CHECKING:
    from linter.engine import Context
    from linter.index import Index

SUBSCRIPTION = "google_pubsub_subscription"


@dataclass
class DeadLetterTopics:
    # addresses and short names of every topic some subscription dead-letters into
    keys: set[str] = field(default_factory=set)
    # a dead_letter_topic that could not be resolved or read
    incomplete: bool = False


def _topic_keys(index: Index, ref: Any) -> set[str] | None:
    """Keys naming a topic: its address and short name. None when it cannot be read."""
    topic = index.resolve(ref)
    if topic is not None:
        keys = {topic.address}
        name = last_segment(topic.get("name"))  # None: not a string (or empty)
        if name is not None:
            keys.add(name)
        return keys
    literal = last_segment(ref)  # a literal name or id: projects/p/topics/orders-dlq
    return {literal} if literal is not None else None


def _dead_letter_topics(index: Index) -> DeadLetterTopics:
    out = DeadLetterTopics()
    for sub in index.by_type(SUBSCRIPTION):
        policy = sub.get("dead_letter_policy")
        if is_unknown(policy):
            out.incomplete = True
            continue
        if not policy:
            continue
        topic = sub.get("dead_letter_policy.dead_letter_topic")
        keys = _topic_keys(index, topic)
        if keys is None:
            # `google_pubsub_topic.dlq[each.key].id` in a plan: one of these topics
            possible = possible_targets(index, topic, sub, ("google_pubsub_topic",))
            if possible is None:
                out.incomplete = True
                continue
            keys = set().union(*(_topic_keys(index, t.address) or set() for t in possible))
        out.keys |= keys
    return out


@rule(
    id="RES409",
    name="gcp-pubsub-no-dead-letter",
    title="Pub/Sub subscription has no dead-letter policy.",
    severity=Severity.MEDIUM,
    types=(SUBSCRIPTION,),
    remediation="Add dead_letter_policy { dead_letter_topic = <DLQ topic id>, max_delivery_attempts = 10 }, "
                "give the Pub/Sub service agent publish rights on that topic, and subscribe to it.",
    cross=True,
)
def pubsub_no_dead_letter(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Pub/Sub subscriptions without a `dead_letter_policy`. The
    subscription that reads a dead-letter topic (its `topic` is the
    `dead_letter_topic` of another subscription) is not reported; when some
    dead-letter topic cannot be resolved, the rule stays silent rather than
    guess.

    Why is this bad?
    Without dead lettering a message that keeps failing is redelivered until
    it ages out of `message_retention_duration` (7 days by default): a poison
    message burns consumer capacity for a week and is then silently lost.

    Example
    ```hcl
    resource "google_pubsub_subscription" "orders" {
      topic = google_pubsub_topic.orders.id
    }
    ```

    Use instead
    ```hcl
    resource "google_pubsub_subscription" "orders" {
      topic = google_pubsub_topic.orders.id
      dead_letter_policy {
        dead_letter_topic     = google_pubsub_topic.orders_dlq.id
        max_delivery_attempts = 10
      }
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/pubsub_subscription
    """
    policy = r.get("dead_letter_policy")
    if is_unknown(policy) or policy:
        return
    own = _topic_keys(ctx.index, r.get("topic"))
    if own is None:
        return
    dead_letters = ctx.index.memo("gcp.dead-letter-topics", _dead_letter_topics)
    if own & dead_letters.keys or dead_letters.incomplete:
        return
    retention = setting(r, "message_retention_duration")
    # a retention not known yet still ends: the finding stands, without a value
    kept = "message_retention_duration is not known before apply" if retention.unknown else retention.describe()
    yield Violation(f"Pub/Sub subscription {r.address} has no dead_letter_policy: a message that keeps "
                    f"failing is redelivered until it expires ({kept}) and is then lost")


PUBSUB_RETRY_POLICY = AttributeCheck(
    path="retry_policy", fails=lambda v: True, block=True,
    what="Pub/Sub subscription", problem="redelivers failed messages immediately, with no backoff",
)


@rule(
    id="RES410",
    name="gcp-pubsub-no-retry-backoff",
    title="Pub/Sub subscription redelivers failed messages immediately.",
    severity=Severity.LOW,
    types=(SUBSCRIPTION,),
    remediation='Add retry_policy { minimum_backoff = "10s"  maximum_backoff = "600s" }.',
)
def pubsub_no_retry_backoff(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Pub/Sub subscriptions without a `retry_policy` block. Without it,
    Pub/Sub redelivers a nacked or expired message as soon as possible.

    Why is this bad?
    Immediate redelivery turns a failing dependency into a retry storm: every
    subscriber hammers it with the same messages instead of backing off while
    it recovers.

    Example
    ```hcl
    resource "google_pubsub_subscription" "orders" {
      topic = google_pubsub_topic.orders.id
    }
    ```

    Use instead
    ```hcl
    resource "google_pubsub_subscription" "orders" {
      topic = google_pubsub_topic.orders.id
      retry_policy {
        minimum_backoff = "10s"
        maximum_backoff = "600s"
      }
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/pubsub_subscription
    - AWS Well-Architected REL05-BP03, Control and limit retry calls: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_limit_retries.html
    """
    yield from check_attribute(r, PUBSUB_RETRY_POLICY)


@rule(
    id="RES411",
    name="gcp-cloud-tasks-unbounded-retries",
    title="Cloud Tasks queue retries tasks forever.",
    severity=Severity.HIGH,
    types=("google_cloud_tasks_queue",),
    remediation='Bound the retries: retry_config { max_attempts = 10  max_retry_duration = "3600s" }.',
)
def cloud_tasks_unbounded_retries(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Cloud Tasks queues whose `retry_config.max_attempts = -1`
    (unlimited attempts). Cloud Tasks stops retrying only when both limits
    are reached, so with `max_retry_duration = "0s"` (unlimited age) a
    failing task is retried forever (high); with `max_retry_duration` unset
    the outcome depends on the service default (medium).

    Why is this bad?
    A task that can never succeed is retried for ever: it keeps hitting the
    failing handler, holds a slot of the queue's dispatch rate, and never
    surfaces as a failure anyone sees.

    Example
    ```hcl
    retry_config {
      max_attempts       = -1
      max_retry_duration = "0s"
    }
    ```

    Use instead
    ```hcl
    retry_config {
      max_attempts       = 10
      max_retry_duration = "3600s"
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/cloud_tasks_queue
    - https://cloud.google.com/tasks/docs/reference/rest/v2/projects.locations.queues#retryconfig
    - AWS Well-Architected REL05-BP03, Control and limit retry calls: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_mitigate_interaction_failure_limit_retries.html
    """
    attempts = setting(r, "retry_config.max_attempts")
    if attempts.defaulted or as_int(attempts.value) != -1:
        return
    duration = r.get("retry_config.max_retry_duration")
    if is_unknown(duration):
        return
    if duration is None:
        yield Violation(f"Cloud Tasks queue {r.address} allows unlimited attempts: {attempts.describe()} "
                        "and max_retry_duration is unset, so only the service default bounds the retries",
                        path="retry_config.max_attempts", severity=Severity.MEDIUM)
    elif parse_duration(duration) == 0:
        yield Violation(f"Cloud Tasks queue {r.address} retries failing tasks forever: "
                        f"{attempts.describe()} and {setting(r, 'retry_config.max_retry_duration', shown='max_retry_duration').describe()}",
                        path="retry_config.max_attempts")
