"""Terraform as Terraform reads it: parse (`syntax`), evaluate (`expressions`),
load module trees with variables, count/for_each and dynamic blocks
(`modules`), and produce the resources it would plan (`tree`).

`load_directories({dir: [files]}, options)` is the entry point;
`load_module_directory(dir)` judges one module directory on its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linter.model import InputError, Resource
    from linter.terraform.tree import UnresolvedModule


def load_module_directory(directory: Path, options: dict[str, Any] | None = None
                          ) -> tuple[list[Resource], list[InputError], list[UnresolvedModule]]:
    """Every resource of one module directory (all its .tf/.tf.json files), as a root."""
    from linter.terraform.tree import load_directories

    return load_directories({Path(directory): _config_files(Path(directory))}, options)


def _config_files(directory: Path) -> list[Path]:
    from linter.terraform.modules import is_config_file

    try:
        return sorted(p for p in directory.iterdir() if is_config_file(p.name) and os.path.isfile(p))
    except OSError:
        return []
