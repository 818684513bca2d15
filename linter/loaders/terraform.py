"""Terraform configuration: the module directory is the unit.

Terraform reads every `.tf` file of a directory as one module, with the
directory's `terraform.tfvars`/`*.auto.tfvars`. So a file passed alone (a
pre-commit hook passes only the staged ones) brings its whole directory: a DLQ
attached in `dlq.tf` belongs to the queue in `queue.tf`, and a default in an
unstaged `variables.tf` still applies; all of that module's findings are
reported, as pre-commit-terraform's hooks do. A changed `.tfvars` brings its
directory too.
"""

from __future__ import annotations

from typing import Any

import os
import re
from pathlib import Path

from linter.model import InputError, Resource, RootJudge

DECLINED = ("Terraform variables with no module (.tf files) in their directory: judged only given to a module "
            "(`resilint scan MODULE --var-file FILE`)")
# what Terraform reads as a module's configuration, and OpenTofu's own files beside them
# (Terraform ignores `.tofu` files, so a directory holding them is OpenTofu's)
MODULE_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json")
HCL_SUFFIXES = (".tf", ".tofu")  # those written in HCL (not JSON)
VARIABLE_FILES = (".tfvars", ".tfvars.json")
UNIT_FILE = "terragrunt.hcl"  # a Terragrunt unit: the module it plans (linter/terraform/terragrunt.py)
UNIT_FILES = (UNIT_FILE, "terragrunt.stack.hcl")  # and a stack of units
# a top-level block as Terraform files start them: `resource "x" "y" {`, `locals {`
_BLOCK = re.compile(r'^(?:resource|data|module|variable|output|provider|terraform|locals)[ \t]*[{"]', re.MULTILINE)


def detect(path: Path, head: str) -> bool:
    name = path.name.lower()
    if name.endswith(MODULE_SUFFIXES + VARIABLE_FILES) or path.name in UNIT_FILES:
        return True
    return _BLOCK.search(head) is not None  # a named file of another extension


def module_file_stem(name: str) -> str:
    """`main_override.tofu.json` -> `main_override`."""
    for suffix in (".tofu.json", ".tf.json", ".tofu", ".tf"):
        if name.endswith(suffix):
            return name[:-len(suffix)]
    return name


def shadowed_by_opentofu(names: set[str]) -> set[str]:
    """The `.tf` (`.tf.json`) files of a directory that OpenTofu does not read because a
    `.tofu` (`.tofu.json`) file of the same name is beside them: a module's OpenTofu
    variant of a file that Terraform reads in its stead."""
    return {n for n in names if n.endswith(".tf") and n[:-3] + ".tofu" in names
            or n.endswith(".tf.json") and n[:-8] + ".tofu.json" in names}


def unit_directory(path: Path) -> Path:
    """The module a detected file belongs to: its directory's. A `.tfvars` in a directory
    holding no module, up to ENVIRONMENT_DEPTH levels below one that does
    (`environments/prod.tfvars`, `env/prod/terraform.tfvars`), belongs to that module:
    it may be one of its environments (terraform/tree.py:environment_files decides)."""
    parent = path.parent
    if not path.name.lower().endswith(VARIABLE_FILES) or _module_files(parent):
        return parent
    from linter.environments import ENVIRONMENT_DEPTH

    below = parent
    for _ in range(ENVIRONMENT_DEPTH):
        if below.parent == below:
            break
        if _module_files(below.parent):
            return below.parent
        below = below.parent
    return parent


def unit_files(path: Path, directory: Path, whole_directory: bool) -> list[Path]:
    """What a detected file brings to the load of its module (`directory`): the module's
    files (or, judged alone, itself; a `.tfvars` alone is read with its module only;
    a `terragrunt.hcl` is read for the module it plans)."""
    own = [] if path.name.lower().endswith(VARIABLE_FILES) else [path]
    if not whole_directory:
        return own
    module = _module_files(directory)
    return module + [p for p in own if p not in module]


def _module_files(directory: Path) -> list[Path]:
    try:
        with os.scandir(directory) as entries:  # the listing says what is a file: no stat per file
            names = sorted(e.name for e in entries if e.name.endswith(MODULE_SUFFIXES) and e.is_file())
    except OSError:
        return []
    return [directory / name for name in names]  # in name order, as paths of one directory sort


def load_directories(files: dict[Path, list[Path]], options: dict[str, Any], judge: RootJudge | None = None
                     ) -> tuple[list[Resource], list[InputError]]:
    """Every module directory at once: a module called by another is loaded as its child."""
    from linter.loaders.hcl import load_modules

    return load_modules(files, options, judge)
