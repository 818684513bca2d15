"""Index lookups: what a reference names, asked again and again by rules and RES601's graph."""

from __future__ import annotations

import pytest

from linter.index import Index, selector_matches
from linter.model import Location, Resource, Unknown


def _resource(address: str, rtype: str = "aws_subnet", **meta: str) -> Resource:
    return Resource(rtype, address, {}, Location("main.tf", 1), "tfplan", meta=dict(meta))


def _index() -> tuple[Index, dict[str, Resource]]:
    made = [
        _resource("aws_subnet.private[0]"),
        _resource("aws_subnet.private[1]"),
        _resource('module.svc["a"].aws_subnet.private[0]'),
        _resource('module.svc["a"].aws_subnet.private[1]'),
        _resource('module.svc["b"].aws_subnet.private[0]'),
        _resource("aws_sqs_queue.jobs", "aws_sqs_queue", arn="arn:aws:sqs:eu-west-1:1:jobs"),
    ]
    return Index(made), {r.address: r for r in made}


def test_a_reference_names_the_same_resources_however_often_it_is_asked():
    """Answers are worked out once per reference text: a caller changing the list it got
    must not change what the next caller gets."""
    index, by = _index()
    first = index.resolve_many("aws_subnet.private")
    assert first == [by["aws_subnet.private[0]"], by["aws_subnet.private[1]"]]
    first.clear()
    again = index.resolve_many(Unknown(refs=("aws_subnet.private",)))
    assert again == [by["aws_subnet.private[0]"], by["aws_subnet.private[1]"]]
    assert again is not index.resolve_many("aws_subnet.private")


def test_references_with_and_without_instance_keys():
    """A module instance's counted resource by its keyed name; every instance of every
    module instance by the name without keys (the lookup made when first needed)."""
    index, by = _index()
    assert index.resolve_many('module.svc["a"].aws_subnet.private.id') == [
        by['module.svc["a"].aws_subnet.private[0]'], by['module.svc["a"].aws_subnet.private[1]']]
    assert index.resolve_many("module.svc.aws_subnet.private") == [
        by['module.svc["a"].aws_subnet.private[0]'], by['module.svc["a"].aws_subnet.private[1]'],
        by['module.svc["b"].aws_subnet.private[0]']]
    assert index.resolve_many("arn:aws:sqs:eu-west-1:1:jobs") == [by["aws_sqs_queue.jobs"]]


def test_several_references_name_each_resource_once_and_an_unknown_part_names_nothing():
    index, by = _index()
    assert index.resolve_many(["aws_subnet.private[1].id", "aws_subnet.private", "aws_sqs_queue.jobs.arn"]) == [
        by["aws_subnet.private[1]"], by["aws_subnet.private[0]"], by["aws_sqs_queue.jobs"]]
    assert index.resolve_many(["aws_subnet.private", "aws_subnet.public"]) is None
    assert index.resolve_many("aws_subnet.public") is None
    assert index.resolve_many(Unknown()) is None
    assert index.resolve_many([]) == []


@pytest.mark.parametrize("text, labels, selected", [
    ("", {}, True),
    ("tier=backend", {"tier": "backend"}, True),
    ("tier==backend", {"tier": "frontend"}, False),
    ("tier!=frontend", {}, True),  # an absent label is not `frontend`
    ("tier in (frontend, edge),!canary", {"tier": "edge"}, True),
    ("tier in (frontend, edge),!canary", {"tier": "edge", "canary": "yes"}, False),
    ("tier notin (a,b), env", {"tier": "c", "env": "prod"}, True),
    ("tier notin (a,b), env", {"tier": "c"}, False),
])
def test_a_label_selector_written_as_text_selects_as_kubernetes_does(text, labels, selected):
    from linter.index import parse_label_selector

    assert selector_matches(parse_label_selector(text), labels) is selected


@pytest.mark.parametrize("text", ["replicas>1", "a b", "tier in frontend", "tier in (a", "a,,b"])
def test_a_label_selector_this_does_not_read_is_none(text):
    from linter.index import parse_label_selector

    assert parse_label_selector(text) is None
