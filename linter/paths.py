"""Report paths: the repository root and paths relative to it.

One home for "where is the repository and what is this file's path in it":
the engine sets the root and every finding's fingerprint path (before the
suppress stage, which matches baselines by fingerprint), the config matches
`ignore[].path` globs with it, and reporters print paths relative to it.
Path globs (`path_glob`) and the `exclude` globs discovery passes over
(`ExcludeGlob`) are here too.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


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


def repository_of(directory: Path) -> Path:
    """The repository a deployer in `directory` may read from: the git checkout holding it,
    else the directory itself."""
    absolute = Path(os.path.abspath(directory))
    return git_top(absolute) or absolute


def repository_glob(base: Path, where: str) -> list[Path]:
    """The paths `where` (a path or a glob, from `base`) names in the repository of `base`
    (`repository_of`), sorted; a path without wildcards whether it exists or not. Nothing
    outside the repository: a glob is not even walked there (`/**/*.yaml`)."""
    if "\x00" in where:
        return []  # no file has that name
    pattern = os.path.normpath(os.path.join(base, where))
    wild = [i for i in (pattern.find(c) for c in "*?[") if i != -1]
    fixed = os.path.dirname(pattern[:min(wild)]) if wild else pattern
    if os.path.relpath(os.path.abspath(fixed), repository_of(base)).startswith(".."):
        return []
    if not wild:
        return [Path(pattern)]
    import glob

    try:
        return [Path(p) for p in sorted(glob.glob(pattern, recursive=True))]
    except (OSError, ValueError):
        return []


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


@functools.lru_cache(maxsize=256)
def path_glob(pattern: str) -> re.Pattern[str]:
    """gitignore-like: `*` stays in one directory, `**/` spans any number of them."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


@dataclass(frozen=True)
class ExcludeGlob:
    """One glob of what a scan does not read (`exclude:` in `.resilint.yaml`,
    `--exclude`), as ruff's `exclude` reads it: a glob with no `/` (`testdata`,
    `*.rendered.yaml`) names a file or directory at any depth; one with a `/`
    (`charts/*/ci`, `tests/fixtures/**`, `/build`) is a path relative to `base`.
    A trailing `/` matches directories only. What a directory holds goes with it."""

    text: str  # as written
    base: str  # the real directory the glob is relative to
    source: str  # where it is written (`.resilint.yaml:7`, `--exclude`)

    def excludes(self, real_path: str, is_dir: bool) -> bool:
        """Whether the glob excludes `real_path` (real, absolute) or a directory it lies in below `base`."""
        relative = os.path.relpath(real_path, self.base)
        if relative == "." or relative == ".." or relative.startswith(".." + os.sep):
            return False
        parts = relative.split(os.sep)
        regex, anywhere, directories_only = _exclude_glob(self.text)
        for k in range(1, len(parts) + 1):
            if directories_only and k == len(parts) and not is_dir:
                continue
            if regex.match(parts[k - 1] if anywhere else "/".join(parts[:k])):
                return True
        return False

    def in_directory(self, directory: str) -> Callable[[str, bool], bool] | None:
        """Whether the glob excludes an entry of `directory` (real, absolute), by its
        name and whether it is a directory: what a walk asks of each entry, having
        asked it of `directory` on its way down. None: `directory` is outside `base`."""
        relative = os.path.relpath(directory, self.base)
        if relative == ".." or relative.startswith(".." + os.sep):
            return None
        regex, anywhere, directories_only = _exclude_glob(self.text)
        prefix = "" if relative == "." or anywhere else relative.replace(os.sep, "/") + "/"

        def excludes(name: str, is_dir: bool) -> bool:
            return (is_dir or not directories_only) and regex.match(prefix + name) is not None

        return excludes

    def reason(self) -> str:
        return f"excluded by `{self.text}` ({self.source})"


@functools.lru_cache(maxsize=256)
def _exclude_glob(text: str) -> tuple[re.Pattern[str], bool, bool]:
    """The glob's regex, whether it names an entry at any depth, whether directories only."""
    anchored = text.startswith(("./", "/"))  # `/build`, `./build`: only the one beside the config
    glob = text[2:] if text.startswith("./") else text
    directories_only = glob.endswith("/")
    glob = glob.strip("/")
    return path_glob(glob), "/" not in glob and not anchored, directories_only
