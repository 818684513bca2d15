"""Report paths: the repository root and paths relative to it.

One home for "where is the repository and what is this file's path in it":
the engine sets the root and every finding's fingerprint path (before the
suppress stage, which matches baselines by fingerprint), the config matches
`ignore[].path` globs with it, and reporters print paths relative to it.
"""

from __future__ import annotations

import os
from pathlib import Path


def repo_root(paths: list[str]) -> str:
    """The git top-level of the first scanned path, else the current directory."""
    given = paths[0] if paths else "."
    try:
        first = Path(given).resolve()
    except (OSError, RuntimeError):  # a symlink loop: the loader reports it
        first = Path(os.path.abspath(given))
    start = first if os.path.isdir(first) else first.parent  # isdir: False on a name too long
    top = git_top(start)
    return str(top) if top is not None else os.getcwd()


def git_top(start: Path) -> Path | None:
    """The git top-level holding the absolute directory `start`: it, or the nearest
    directory above it, with a `.git`; None outside a checkout."""
    for directory in (start, *start.parents):
        if os.path.exists(directory / ".git"):
            return directory
    return None


def relative_to_root(file: str, root: str) -> str:
    """`file` relative to `root`, with forward slashes (`../x` when outside it):
    what fingerprints and path globs compare, whatever directory resilint ran from."""
    relative = os.path.relpath(os.path.abspath(file), root)
    return relative if os.sep == "/" else Path(relative).as_posix()  # relpath's result is already normal


def report_path(file: str, root: str | None) -> str:
    """A path as reports print it: relative to the repository root, with forward
    slashes; as given when outside the root (or with no root)."""
    if not root:
        return file
    return shown_relative(file, relative_to_root(file, root))


def shown_relative(file: str, relative: str) -> str:
    """`report_path` of a file whose path relative to the root is known."""
    return file if relative.startswith("..") else relative
