"""Environments: one root or chart, deployed several ways, each by a file of values.

`terraform plan -var-file=prod.tfvars` and `helm install -f values-prod.yaml` plan the
same code per environment. Loaders find those files (terraform/tree.py:environment_files,
loaders/rendered.py:environment_values) and judge the code once per environment; this
module says how the files combine.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    from linter.model import Resource

# how far below a Terraform root its environment files may lie, in directories holding no
# module (`environments/prod.tfvars`, `env/prod/terraform.tfvars`)
ENVIRONMENT_DEPTH = 2

# files that hold what every environment shares, named so by convention: given before
# each environment's own (`-var-file=common.tfvars -var-file=prod.tfvars`,
# `-f values-common.yaml -f values-prod.yaml`)
SHARED_NAMES = frozenset({"common", "shared", "global", "base", "default", "defaults", "all"})


def layered(files: list[Path], name_of: Callable[[Path], str]) -> list[tuple[list[Path], Path]]:
    """The environments of a set of value files: (the files to plan with, in order; the
    one that names the environment). A shared file (`name_of` in SHARED_NAMES) is not an
    environment of its own when others are: it is read first under each of those in its
    directory, so a value only it sets is not taken for missing. Alone, shared files are
    each the one environment there is."""
    shared = [f for f in files if name_of(f).lower() in SHARED_NAMES]
    own = [f for f in files if name_of(f).lower() not in SHARED_NAMES]
    if not own:
        return [([f], f) for f in files]
    return [([*(s for s in shared if s.parent == f.parent), f], f) for f in own]


def judged(resources: Iterable["Resource"]) -> list[str]:
    """Each environment the resources were planned or rendered in, as `--verbose` says it:
    `-var-file infra/prod.tfvars`, `--values shop/values-prod.yaml`, `Argo CD Application
    shop-prod in apps/shop.yaml`."""
    return sorted({f"{r.meta['environment_option']} {r.meta['environment']}" for r in resources
                   if r.meta.get("environment")})
