"""What a checkout says it is: the names of the repositories its git remotes point at.

Read without git (a checkout's `.git/config`, plain text) by the Terraform module
resolver (terraform/checkout.py: a registry or git source naming this repository) and
by the Argo CD reader (loaders/rendered.py: an Application whose `repoURL` is this
repository).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator


def repository_name(url: str) -> str:
    """A repository URL's name, lower case: `https://github.com/acme/Shop.git` -> `shop`,
    `git@github.com:acme/shop.git` -> `shop`."""
    return url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].removesuffix(".git").lower()


def remote_names(directory: Path) -> list[str]:
    """The repository names of the remotes in `directory/.git/config` (none without one)."""
    try:
        text = (directory / ".git" / "config").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    names = []
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.strip() == "url" and repository_name(value.strip()):
            names.append(repository_name(value.strip()))
    return names


def is_repository_top(directory: Path) -> bool:
    """The top of a checkout (what is above it is not the same repository), or of the file system."""
    absolute = os.path.abspath(directory)
    return os.path.exists(directory / ".git") or os.path.dirname(absolute) == absolute


def directory_name(directory: Path) -> str:
    """A directory's own name, lower case (`.` named as what it is)."""
    return os.path.basename(os.path.abspath(directory)).lower()


def directories_up(start: Path, levels: int = 8) -> Iterator[Path]:
    """`start` and the directories above it, up to the checkout's top (at most `levels`
    up). Relative paths stay relative (`..` added), as the scan names directories, so a
    directory found here that is also scanned has the same name."""
    directory = start
    for _ in range(levels + 1):
        yield directory
        if is_repository_top(directory):
            return
        directory = Path(os.path.normpath(directory / os.pardir))


def checkout_named(start: Path, name: str, levels: int = 8) -> Path | None:
    """The directory at or above `start`, up to the checkout's top, that is the repository
    `name`: a git remote of that name, or the directory's own name."""
    return next((d for d in directories_up(start, levels)
                 if name in remote_names(d) or directory_name(d) == name), None)
