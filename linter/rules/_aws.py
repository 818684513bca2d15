"""AWS facts several rule families share: ARNs, JSON policies, who points at whom.

* ARN parsing (`arn:aws:sqs:eu-west-1:123456789012:jobs`), Lambda function
  names out of names, ARNs, alias ARNs and API Gateway invoke URIs.
* JSON attributes (`redrive_policy`, state machine definitions) that arrive as
  strings (HCL literals, plans, Pulumi) or objects.
* Graph lookups, each built once per scan through `ctx.index.memo`: the
  Availability Zones behind a list of subnets, the Lambda function a
  `function_name` names, the SQS queue an event source mapping reads, and
  which queues are dead-letter queues.

Resolution is conservative everywhere: when a link cannot be followed to a
resource with known values the answer is None ("cannot tell"), and the rules
stay silent (rules.md §0.3).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from linter.rules._values import Setting, setting
from linter.rules._values import written as written  # re-exported: the AWS rules import it from here
from linter.model import Resource, Unknown, is_unknown
from linter.rules._refs import pointer_candidates, resolve_one, resolve_refs

if TYPE_CHECKING:
    from linter.index import Index

SQS_QUEUE = "aws_sqs_queue"
LAMBDA_FUNCTION = "aws_lambda_function"
LAMBDA_ALIAS = "aws_lambda_alias"
EVENT_SOURCE_MAPPING = "aws_lambda_event_source_mapping"
SUBNET_TYPES = ("aws_subnet", "data.aws_subnet", "aws_default_subnet")


# ---------------------------------------------------------------- values


def known_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_json(value: Any) -> Any:
    """A JSON attribute as data: dict/list when known, Unknown when unknown, None when absent or unparsable."""
    if value is None or is_unknown(value):
        return value
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            return None
    return None


def label(r: Resource) -> str:
    return r.address


# ------------------------------------------------------------------ ARNs
@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(value: Any) -> Arn | None:
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    if len(parts) < 6:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def lambda_name_from(value: str) -> str | None:
    """`worker`, `worker:live`, `arn:aws:lambda:r:a:function:worker[:live]`,
    `123456789012:function:worker` -> `worker`."""
    if ":function:" in value:
        rest = value.split(":function:", 1)[1]
        return rest.split(":", 1)[0] or None
    if value.startswith("arn:"):
        return None
    return value.split(":", 1)[0] or None


_INVOKE_URI = re.compile(r":lambda:path/[^/]+/functions/(.+?)/invocations$")


def function_arn_from_invoke_uri(uri: str) -> str | None:
    """`arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/<fn arn>/invocations` -> fn arn."""
    m = _INVOKE_URI.search(uri)
    return m.group(1) if m else None


def sqs_name_from(value: str) -> str | None:
    """Queue name from an SQS ARN or a queue URL."""
    arn = parse_arn(value)
    if arn is not None:
        return arn.resource if arn.service == "sqs" else None
    if value.startswith("https://") and "sqs" in value:
        return value.rstrip("/").rsplit("/", 1)[-1] or None
    return None


def _passed_to_modules(index: Index) -> set[str]:
    """Addresses of resources handed to module calls whose contents are not loaded (HCL `module` blocks)."""
    out: set[str] = set()
    for call in index.by_type("module"):
        for refs in call.refs.values():
            for ref in refs:
                found = index.resolve(ref)
                if found is not None:
                    out.add(found.address)
    return out


def passed_to_module(index: Index, r: Resource) -> bool:
    """Something the scan cannot see (a module we did not load) receives this resource."""
    return r.address in index.memo("aws.passed_to_modules", _passed_to_modules)


def base_type(r: Resource) -> str:
    return r.type[5:] if r.type.startswith("data.") else r.type


# -------------------------------------------------------------- subnets
@dataclass
class Placement:
    """Where a list of subnets puts something: its distinct zones."""

    subnets: list[Resource]
    zones: list[str]  # distinct, in first-seen order
    zone_key: str  # availability_zone | availability_zone_id

    @property
    def single(self) -> bool:
        return len(self.zones) == 1


def subnet_placement(index: Index, value: Any) -> Placement | None:
    """Resolve subnet ids/references to their Availability Zones.

    None when there are no subnets, any subnet is unresolved or not a subnet,
    any zone is unknown, names and zone ids would have to be mixed, or a
    subnet sits on an Outpost.
    """
    if value is None or (isinstance(value, list) and not value):
        return None
    subnets = resolve_refs(index, value)
    if not subnets:
        return None
    for s in subnets:
        if s.type not in SUBNET_TYPES or written(s, "outpost_arn"):
            return None
    for key in ("availability_zone", "availability_zone_id"):
        zones = [s.get(key) for s in subnets]
        if all(isinstance(z, str) and z for z in zones):
            distinct = list(dict.fromkeys(zones))
            return Placement(subnets, distinct, key)
    return None


_REGULAR_AZ_NAME = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d[a-z]$")
_REGULAR_AZ_ID = re.compile(r"^[a-z]{2,5}\d+-az\d+$")


def is_local_zone(zone: str, key: str) -> bool:
    """Local Zones and Wavelength Zones (`us-west-2-lax-1a`, `usw2-lax1-az1`)."""
    pattern = _REGULAR_AZ_NAME if key == "availability_zone" else _REGULAR_AZ_ID
    return not pattern.match(zone)


# ----------------------------------------------------------------- Lambda
def _functions_by_name(index: Index) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    for fn in index.by_type(LAMBDA_FUNCTION):
        name = known_str(fn.get("function_name"))
        if name is None and fn.source_format == "pulumi":
            name = known_str(fn.get("name"))  # Pulumi's name for function_name (Appendix B)
        if name:
            out.setdefault(name, fn)
    return out


def lambda_function(index: Index, value: Any, _depth: int = 0) -> Resource | None:
    """The aws_lambda_function a function_name / ARN / alias ARN / reference names."""
    if value is None or _depth > 3:
        return None
    if isinstance(value, Unknown):
        found = resolve_one(index, value)
    elif isinstance(value, str):
        found = index.by_id(value)
        if found is None:
            name = lambda_name_from(value)
            found = index.memo("aws.lambda.by_name", _functions_by_name).get(name) if name else None
    else:
        return None
    if found is None:
        return None
    if found.type == LAMBDA_FUNCTION:
        return found
    if found.type == LAMBDA_ALIAS:
        return lambda_function(index, found.get("function_name"), _depth + 1)
    return None


def lambda_timeout(fn: Resource) -> Setting:
    """A function's `timeout` in seconds, unset: the provider's default (linter.attribute_facts).
    Its value may be Unknown."""
    return setting(fn, "timeout")


# ------------------------------------------------------------------- SQS
def _queues_by_name(index: Index) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    for q in index.by_type(SQS_QUEUE):
        name = known_str(q.get("name"))
        if name:
            out.setdefault(name, q)
    return out


def sqs_queue(index: Index, value: Any) -> Resource | None:
    """The aws_sqs_queue an ARN, URL or reference names (None when outside the scan or unknown)."""
    if isinstance(value, Unknown):
        found = resolve_one(index, value)
    elif isinstance(value, str) and value:
        found = index.by_id(value)
        if found is None:
            name = sqs_name_from(value)
            found = index.memo("aws.sqs.by_name", _queues_by_name).get(name) if name else None
    else:
        return None
    return found if found is not None and found.type == SQS_QUEUE else None


def event_source_kind(index: Index, esm: Resource) -> str | None:
    """sqs | kinesis | dynamodb | kafka | mq | docdb | ... ; None when it cannot be told."""
    source = esm.get("event_source_arn")
    if source is None:
        if written(esm, "self_managed_event_source"):
            return "kafka"
        return None
    if isinstance(source, str):
        arn = parse_arn(source)
        if arn is None:
            return None
        if arn.service == "dynamodb":
            return "dynamodb" if "/stream/" in arn.resource else None
        return arn.service  # sqs, kinesis, kafka, mq, rds (docdb)
    target = resolve_one(index, source)
    if target is None:
        return None
    return {
        "aws_sqs_queue": "sqs",
        "aws_kinesis_stream": "kinesis",
        "aws_dynamodb_table": "dynamodb",
        "aws_msk_cluster": "kafka",
        "aws_msk_serverless_cluster": "kafka",
        "aws_mq_broker": "mq",
        "aws_docdb_cluster": "docdb",
    }.get(base_type(target))


@dataclass
class Consumer:
    mapping: Resource
    function: Resource | None  # None when the function is outside the scan or unknown


def _queue_consumers(index: Index) -> dict[str, list[Consumer]]:
    out: dict[str, list[Consumer]] = {}
    for esm in index.by_type(EVENT_SOURCE_MAPPING):
        queue = sqs_queue(index, esm.get("event_source_arn"))
        if queue is None:
            continue
        fn = lambda_function(index, esm.get("function_name"))
        out.setdefault(queue.address, []).append(Consumer(esm, fn))
    return out


def queue_consumers(index: Index, queue: Resource) -> list[Consumer]:
    """Event source mappings that read this queue, with the function behind each."""
    return index.memo("aws.sqs.consumers", _queue_consumers).get(queue.address, [])


# ------------------------------------------------------- dead-letter queues
@dataclass
class DeadLetterGraph:
    """Which queues are dead-letter targets, and which queues have redrive attached."""

    dlq_targets: dict[str, list[str]] = field(default_factory=dict)  # queue -> who points at it
    redrive_attached: dict[str, list[Resource]] = field(default_factory=dict)  # queue -> redrive policies
    allow_attached: set[str] = field(default_factory=set)  # queues with a redrive allow policy
    # a pointer or attachment that could not be followed: any queue might be its target
    unresolved: list[str] = field(default_factory=list)
    # queues a pointer names one of, not knowing which: each may be a dead-letter queue
    possible_targets: set[str] = field(default_factory=set)
    # queue -> source queues whose redrive policy names it (for RES402)
    sources_of: dict[str, list[Resource]] = field(default_factory=dict)


def dead_letter_target(index: Index, value: Any, holder: Resource | None = None) -> tuple[bool, Resource | None, list[Resource]]:
    """Follow a DLQ pointer: (resolved, the queue, the queues it may be). (True, None, [])
    = points outside the scan or at a non-queue; (True, None, [a, b]) = at one of these
    queues, which one is not known (`cond ? aws_sqs_queue.a.arn : aws_sqs_queue.b.arn`, or
    a plan's `aws_sqs_queue.dlq[each.key].arn`); (False, ...) = at any queue for all we know.

    A plan's unknown value may mix in parts terraform knew (`each.value.dlq ? ... : null`):
    `holder.meta["known_at_plan"]` (linter.loaders.tfplan) gives the strings each such part
    may be made from, and a queue whose name none of them is part of (nor holds) is not
    named by it (`possible_targets`)."""
    if value is None:
        return True, None, []
    if isinstance(value, Unknown):
        # jsonencode({deadLetterTargetArn = aws_sqs_queue.dlq.arn, ...}) is not a pure
        # reference, but its refs still say which queue it names
        found = pointer_candidates(index, value, holder, (SQS_QUEUE,), "name")
        if found is None:
            return False, None, []
        queues, in_part = found
        if len(queues) == 1 and not in_part:
            return True, queues[0], []
        return True, None, queues
    if isinstance(value, str):
        return True, sqs_queue(index, value), []
    return False, None, []


def _dead_letter_graph(index: Index) -> DeadLetterGraph:
    g = DeadLetterGraph()

    def point(what: str, value: Any, holder: Resource, source: Resource | None = None) -> None:
        ok, queue, possible = dead_letter_target(index, value, holder)
        if not ok:
            g.unresolved.append(what)
        elif queue is not None:
            g.dlq_targets.setdefault(queue.address, []).append(what)
            if source is not None:
                g.sources_of.setdefault(queue.address, []).append(source)
        g.possible_targets.update(q.address for q in possible)

    def redrive_pointer(value: Any) -> Any:
        policy = parse_json(value)
        if isinstance(policy, dict):
            return policy.get("deadLetterTargetArn")
        return policy  # Unknown (its refs name the target) or None

    for q in index.by_type(SQS_QUEUE):
        if written(q, "redrive_policy"):
            point(f"{q.address}.redrive_policy", redrive_pointer(q.get("redrive_policy")), q, q)
        if written(q, "redrive_allow_policy"):
            g.allow_attached.add(q.address)
    for rp in index.by_type("aws_sqs_queue_redrive_policy"):
        queue = _attached_queue(index, rp)
        if queue is None:
            g.unresolved.append(rp.address)
        else:
            g.redrive_attached.setdefault(queue.address, []).append(rp)
        point(f"{rp.address}.redrive_policy", redrive_pointer(rp.get("redrive_policy")), rp, queue)
    for ap in index.by_type("aws_sqs_queue_redrive_allow_policy"):
        queue = _attached_queue(index, ap)
        if queue is None:
            g.unresolved.append(ap.address)
        else:
            g.allow_attached.add(queue.address)
    for esm in index.by_type(EVENT_SOURCE_MAPPING):
        if written(esm, "destination_config.on_failure.destination_arn"):
            point(esm.address, esm.get("destination_config.on_failure.destination_arn"), esm)
    for cfg in index.by_type("aws_lambda_function_event_invoke_config"):
        if written(cfg, "destination_config.on_failure.destination"):
            point(cfg.address, cfg.get("destination_config.on_failure.destination"), cfg)
    for fn in index.by_type(LAMBDA_FUNCTION):
        if written(fn, "dead_letter_config.target_arn"):
            point(fn.address, fn.get("dead_letter_config.target_arn"), fn)
    for sub in index.by_type("aws_sns_topic_subscription"):
        if written(sub, "redrive_policy"):
            point(sub.address, redrive_pointer(sub.get("redrive_policy")), sub)
    for target in index.by_type("aws_cloudwatch_event_target"):
        if written(target, "dead_letter_config.arn"):
            point(target.address, target.get("dead_letter_config.arn"), target)
    for pipe in index.by_type("aws_pipes_pipe"):
        for block in ("kinesis_stream_parameters", "dynamodb_stream_parameters"):
            path = f"source_parameters.{block}.dead_letter_config.arn"
            if written(pipe, path):
                point(pipe.address, pipe.get(path), pipe)
    return g


def _attached_queue(index: Index, attachment: Resource) -> Resource | None:
    return sqs_queue(index, attachment.get("queue_url"))


def dead_letter_graph(index: Index) -> DeadLetterGraph:
    return index.memo("aws.sqs.dead_letters", _dead_letter_graph)


def redrive_policy_of(index: Index, queue: Resource) -> tuple[Any, Resource] | None:
    """The queue's redrive policy (parsed JSON, Unknown) and the resource that writes it
    in its `redrive_policy` (the queue, or an `aws_sqs_queue_redrive_policy`); None when it has none."""
    if written(queue, "redrive_policy"):
        return parse_json(queue.get("redrive_policy")), queue
    attached = dead_letter_graph(index).redrive_attached.get(queue.address)
    if attached:
        rp = attached[0]
        return parse_json(rp.get("redrive_policy")), rp
    return None
