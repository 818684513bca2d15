"""Terraform files resilint cannot read, named with the command that makes a readable one.

A binary plan (`terraform plan -out`), a raw `terraform.tfstate` and a
`terraform plan -json` log look like inputs but are not what resilint reads:
named on the command line (whatever their extension), they are input errors
saying which `terraform show -json` to run. A directory walk never collects
them (a local state beside the .tf files of a root is normal). JSON files
that turn out to be one of them are refused by the JSON loader with the same
messages (`documents.py`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from linter.model import InputError, Resource

DECLINED = "not a Terraform plan, state or log"


def detect(path: Path, head: str) -> bool:
    stripped = head.lstrip()
    return (
        is_binary_terraform_plan(path)
        or is_terraform_plan_log(head)
        or (stripped.startswith("{") and '"terraform_version"' in head and '"format_version"' not in head)
    )


def load(path: Path, shown: str, options: dict[str, Any]) -> list[Resource] | None:
    """Never resources: the message naming the command, or None when it was not one after all."""
    from linter.loaders import read_text

    if is_binary_terraform_plan(path):
        raise InputError(shown, BINARY_PLAN.format(name=path.name))
    text = read_text(path, shown)
    if is_terraform_plan_log(text):
        raise InputError(shown, PLAN_LOG, 1)
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if is_raw_terraform_state(doc):
        raise InputError(shown, RAW_STATE.format(name=path.name), 1)
    return None


def is_terraform_state(doc: dict[str, Any]) -> bool:
    """`terraform show -json` without a plan file: `values.root_module`, or only
    the version fields when the state is empty."""
    return "format_version" in doc and (
        isinstance(doc.get("values"), dict) or set(doc) <= {"format_version", "terraform_version"}
    )


# Terraform files resilint cannot read, and the command that makes a readable one.
PLAN_LOG = ("a `terraform plan -json` log (Terraform's machine-readable messages), not a plan: "
            "save the plan with `terraform plan -out plan.out`, then scan the output of "
            "`terraform show -json plan.out > plan.json`")
BINARY_PLAN = ("a binary Terraform plan (written by `terraform plan -out`): resilint reads its JSON form; "
               "run `terraform show -json {name} > plan.json` and scan plan.json")
RAW_STATE = ("a raw Terraform state file: resilint reads the state as `terraform show` gives it; "
             "run `terraform show -json > state.json` in the Terraform directory (or "
             "`terraform show -json {name} > state.json`) and scan state.json")


def is_raw_terraform_state(doc: Any) -> bool:
    """terraform.tfstate itself (Terraform's storage format, not `terraform show -json`)."""
    return (isinstance(doc, dict) and "format_version" not in doc and "terraform_version" in doc
            and "version" in doc and isinstance(doc.get("resources"), list))


def is_terraform_plan_log(text: str) -> bool:
    """The first line of `terraform plan -json` (or apply/validate -json) output."""
    first = text.lstrip().split("\n", 1)[0]
    if not (first.startswith("{") and '"@level"' in first):
        return False
    try:
        line = json.loads(first)
    except ValueError:
        return False
    return isinstance(line, dict) and "@message" in line and "type" in line


def is_binary_terraform_plan(path: Path) -> bool:
    """A zip archive holding a `tfplan` entry, as `terraform plan -out` writes."""
    import zipfile

    try:
        with path.open("rb") as f:
            if f.read(4) != b"PK\x03\x04":
                return False
        with zipfile.ZipFile(path) as archive:
            return "tfplan" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
