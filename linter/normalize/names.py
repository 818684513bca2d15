"""Pulumi property names -> Terraform attribute names (rules.md Appendix B).

Bridged providers camelCase the Terraform names (`multi_az` -> `multiAz`),
pluralise list attributes with singular Terraform names
(`vpc_zone_identifier` -> `vpcZoneIdentifiers`) and rename a few fields
(Lambda `function_name` -> `name`). The algorithmic conversion is the
fallback; RENAMES holds the per-type exceptions (from `linter.attribute_facts`), keyed by the Pulumi path
(camelCase names joined by dots, list indexes left out) and giving the
Terraform name of that last segment.

Single nested blocks are objects in Pulumi and lists of one in Terraform
JSON; the model's accessor reads both, so shapes are left as they are.
Free-form maps (tags, labels, environment variables) keep their keys.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from linter.attribute_facts import pulumi_renames
from linter.normalize.tokens import TERRAFORM_TO_PULUMI

# the per-type exceptions, from the one table of attribute facts (its `pulumi` column)
RENAMES: dict[str, dict[str, str]] = pulumi_renames()

# Attributes whose values are free-form maps: their keys are data, not names.
MAP_ATTRIBUTES = {
    "tags", "tags_all", "default_tags", "labels", "effective_labels", "terraform_labels",
    "user_labels", "resource_labels", "node_labels", "annotations", "metadata",
    "variables", "parameters", "app_settings", "stage_variables", "request_parameters",
    "request_templates", "response_parameters", "response_templates", "input_paths",
    "dimensions", "environment_variables",
}

_UPPER = re.compile(r"(?<=[a-z0-9])([A-Z])")


@functools.lru_cache(maxsize=4096)  # property names repeat across resources
def camel_to_snake(name: str) -> str:
    """`multiAz` -> `multi_az`; digits stay with the word before them
    (`s3Bucket` -> `s3_bucket`, `ipv6CidrBlock` -> `ipv6_cidr_block`)."""
    return _UPPER.sub(r"_\1", name).lower()


def attribute_name(tf_type: str, name: str) -> str:
    """The Terraform name of one top-level Pulumi property."""
    return RENAMES.get(tf_type, {}).get(name) or camel_to_snake(name)


@functools.lru_cache(maxsize=4096)
def pulumi_name(tf_type: str, name: str) -> str:
    """The Pulumi name of a Terraform attribute name (for finding its line)."""
    for camel_path, tf_name in RENAMES.get(tf_type, {}).items():
        if tf_name == name:
            return camel_path.rsplit(".", 1)[-1]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake_names(value: Any, renames: dict[str, str], path: str = "") -> Any:
    """A bridged resource's Pulumi value (properties at `path`) with Terraform names."""
    if isinstance(value, list):
        return [snake_names(v, renames, path) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            out[key] = item
            continue
        camel_path = f"{path}.{key}" if path else key
        name = renames.get(camel_path) or camel_to_snake(key)
        if name in MAP_ATTRIBUTES and isinstance(item, dict):
            out[name] = dict(item)
        else:
            out[name] = snake_names(item, renames, camel_path)
    return out


# a resource address in a message (`aws_db_instance.orders`, `module.db.aws_sqs_queue.jobs["eu"]`):
# its type is a name, not an attribute, and stays as written
_ADDRESS = re.compile(
    r'(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*(?:data\.)?(?:aws|google|azurerm|azuread)_[a-z0-9_]+\.[\w-]+(?:\[[^\]]*\])?'
)
_SNAKE_WORD = re.compile(r"(?<![\w-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w(-])")


@functools.lru_cache(maxsize=1024)  # a rule's remediation is the same text for every finding
def in_pulumi_terms(text: str, tf_type: str) -> str:
    """A message about a Pulumi resource, with attribute names as the program
    writes them: `multi_az = false` -> `multiAz = false`,
    `settings.availability_type` -> `settings.availabilityType`."""
    kept: list[str] = []

    def keep(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return f"\x00{len(kept) - 1}\x00"

    masked = _ADDRESS.sub(keep, text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], _names_in_pulumi_terms(masked, tf_type))


@functools.lru_cache(maxsize=1024)  # messages naming other resources repeat once the addresses are masked
def _names_in_pulumi_terms(masked: str, tf_type: str) -> str:
    """`in_pulumi_terms` of a message whose resource addresses are masked."""
    return _SNAKE_WORD.sub(lambda m: pulumi_class(m.group(0)) or pulumi_name(tf_type, m.group(0)), masked)


def pulumi_class(word: str) -> str | None:
    """A Terraform resource type named in a message, as a Pulumi program writes
    its class: `aws_sqs_queue_redrive_policy` -> `aws.sqs.RedrivePolicy` (from
    the token `aws:sqs/redrivePolicy:RedrivePolicy`); None for any other word."""
    tokens = TERRAFORM_TO_PULUMI.get(word)
    if not tokens:
        return None
    package, module, name = tokens[0].split(":")
    return f"{package}.{module.split('/')[0]}.{name}"
