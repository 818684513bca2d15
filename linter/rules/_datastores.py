"""Helpers for the AWS data-store rules (RES30x, RES50x) and their regressions.

Small facts several rules share: is this RDS instance a read replica, is it an
Aurora instance, is an attribute really written, what does an engine string
say. Kept apart from `_values.py` because they are AWS-specific.
"""

from __future__ import annotations

from typing import Any

from linter.rules._values import written as written  # re-exported: the data-store rules import it from here
from linter.model import Resource, is_unknown


def is_rds_read_replica(r: Resource) -> bool:
    """`replicate_source_db` set (even to a reference not known yet)."""
    return written(r, "replicate_source_db")


def engine_of(r: Resource) -> Any:
    """The engine, lower-cased when known; None when absent, Unknown when unknown."""
    engine = r.get("engine")
    if isinstance(engine, str):
        return engine.lower()
    return engine


def is_aurora(r: Resource) -> bool | None:
    """True for `engine = "aurora*"`; None when the engine is not known."""
    engine = engine_of(r)
    if is_unknown(engine):
        return None
    return isinstance(engine, str) and engine.startswith("aurora")


def tag_opt_out(r: Resource, tag: str | None) -> bool:
    """The resource carries the opt-out tag (any value but "false")."""
    if not tag:
        return False
    tags = r.get("tags")
    if not isinstance(tags, dict) or tag not in tags:
        return False
    value = tags[tag]
    if is_unknown(value):
        return False
    return str(value).lower() != "false"
