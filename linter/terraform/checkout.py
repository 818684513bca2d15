"""A registry module call that names the repository being scanned, read from its checkout.

A module repository's examples call the module the way its users do, by its
registry address (`source = "terraform-google-modules/network/google"`,
`version = "~> 18.0"`), not by a local path. Terraform downloads that release
at `terraform init`; offline, with nothing installed, the call could not be
followed and the examples, the repository's real entry points, went unjudged.

The checkout being scanned is that module when one of the directories above the
call (up to the repository's top, the directory holding `.git`) says so:

* its name is the registry's repository name, `terraform-<PROVIDER>-<NAME>` (the
  registry publishes only repositories named so);
* its `.git/config` has a remote whose repository is that name;
* a `terraform { provider_meta "..." { module_name = "blueprints/terraform/<repository>[:<submodule>]/v<version>" } }`
  names it (the convention of Google's module repositories, which also gives the release).

When the release is known and the call's `version` constraint excludes it, the call
is not followed: Terraform would download another release. An installed module
(`.terraform/modules/modules.json`) always wins over the checkout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from linter.repository import directories_up, directory_name, remote_names, repository_name
from linter.terraform.modules import ModuleConfig, is_config_file

# how far above a call the checkout's top may be (examples/<name>/ is two levels down;
# a nested example or a test fixture a few more)
MAX_LEVELS = 8


@dataclass(frozen=True)
class RegistryAddress:
    """`[HOST/]NAMESPACE/NAME/PROVIDER[//SUBDIR]`, Terraform's module registry source."""

    namespace: str
    name: str
    provider: str
    subdir: str

    @property
    def repository(self) -> str:
        """The repository name the registry publishes this module from."""
        return f"terraform-{self.provider}-{self.name}".lower()

    @staticmethod
    def parse(source: str) -> "RegistryAddress | None":
        path, _, subdir = source.partition("//")
        parts = path.split("/")
        if len(parts) == 4 and "." in parts[0]:  # a registry host: registry.terraform.io/...
            parts = parts[1:]
        if len(parts) != 3 or not all(_is_identifier(p) for p in parts):
            return None
        if "::" in source or "?" in source or source.startswith((".", "/")):
            return None
        return RegistryAddress(parts[0], parts[1], parts[2], subdir.strip("/"))


@dataclass(frozen=True)
class GitAddress:
    """A git module source: `git::https://github.com/org/repo.git//sub?ref=v1.2.0`,
    `git::ssh://git@host/org/repo.git`, `git@github.com:org/repo.git`,
    `github.com/org/repo//sub?ref=main`."""

    repository: str  # its last path part, lower case, without `.git`
    subdir: str
    ref: str | None

    @staticmethod
    def parse(source: str) -> "GitAddress | None":
        text = source.removeprefix("git::")
        if text == source and not source.startswith(("github.com/", "git@")):
            return None
        text, _, query = text.partition("?")
        ref = query_value(query, "ref")
        scheme, sep, rest = text.partition("://")
        location = rest if sep else scheme
        path, _, subdir = location.partition("//")
        repository = repository_name(path)
        if not repository or not _is_identifier(repository.replace(".", "")):
            return None
        return GitAddress(repository, subdir.strip("/"), ref)


def query_value(query: str, key: str) -> str | None:
    """The value of `key` in a source's query string (`ref=v1.2.0&depth=1`), None when absent or empty."""
    return next((v for k, _, v in (p.partition("=") for p in query.split("&")) if k == key), None) or None


def _is_identifier(part: str) -> bool:
    return bool(part) and part.replace("-", "").replace("_", "").isalnum() and part.isascii()


@dataclass(frozen=True)
class Publisher:
    """A directory that is a module repository's checkout: what names it, and its release."""

    directory: Path
    repositories: dict[str, str]  # repository names (lower case) it says it is -> what says so
    version: str | None  # the release it says it is, when it says
    version_at: str | None  # where the release is written: `versions.tf:27`

    def evidence(self, repository: str) -> str | None:
        """What says this checkout is `repository` (`versions.tf:27`, `.git/config`, `its
        directory name`), or None. A registry address's repository is always named
        `terraform-<provider>-<name>`, as the registry requires of what it publishes."""
        if repository in self.repositories:
            return self.repositories[repository]
        return "its directory name" if directory_name(self.directory) == repository else None


@dataclass(frozen=True)
class CheckoutModule:
    """This checkout as the module a registry call names: the directory read, and the
    note its findings carry; or, when the call asks for another release, no directory
    and why it is not followed."""

    directory: Path | None
    note: str


def version_allows(constraint: str, version: str) -> bool | None:
    """Whether `version` meets a module `version` constraint as Terraform checks it
    (hashicorp/go-version: `=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`, comma-separated, all
    must hold); None when either does not parse."""
    if constraint.strip().removeprefix("v") == version.removeprefix("v") and "-" in version:
        return True  # a pre-release is picked only when the constraint is that release, written bare
    have = _version(version)
    if have is None:
        return None
    for part in constraint.split(","):
        part = part.strip()
        op = next((o for o in ("~>", ">=", "<=", "!=", ">", "<", "=") if part.startswith(o)), "=")
        want = _version(part[len(op):].strip() if part.startswith(op) else part)
        if want is None:
            return None
        numbers, given = want
        if not _meets(op, have[0], numbers, given):
            return False
    return True


def _version(text: str) -> tuple[tuple[int, int, int], int] | None:
    """(major, minor, patch), and how many of them were written; None for a pre-release
    or text that is not a version (Terraform does not pick pre-releases from a range)."""
    text = text.strip().removeprefix("v")
    if not text or "-" in text or "+" in text:
        return None
    parts = text.split(".")
    if len(parts) > 3 or not all(p.isdigit() and p.isascii() for p in parts):
        return None
    numbers = [int(p) for p in parts] + [0] * (3 - len(parts))
    return (numbers[0], numbers[1], numbers[2]), len(parts)


def _meets(op: str, have: tuple[int, int, int], want: tuple[int, int, int], given: int) -> bool:
    if op == "=":
        return have == want
    if op == "!=":
        return have != want
    if op == ">":
        return have > want
    if op == ">=":
        return have >= want
    if op == "<":
        return have < want
    if op == "<=":
        return have <= want
    # ~>: at least `want`, with every written segment but the last unchanged
    # (`~> 8` is >= 8.0.0; `~> 8.0` is < 9; `~> 8.0.1` is < 8.1)
    return have >= want and have[:given - 1] == want[:given - 1]


class Checkouts:
    """Finds, and remembers, which directories above a call are a module repository's checkout."""

    def __init__(self, config_of: Callable[[Path], ModuleConfig | None]):
        self._config_of = config_of
        self._publishers: dict[Path, Publisher] = {}

    def module(self, calling_dir: Path, source: str, constraint: str | None, call: str) -> CheckoutModule | None:
        """The checkout directory a registry `source` (with its `version` constraint) or a
        git `source` (with its `?ref=`) names, when the directories above `calling_dir`
        are that repository."""
        registry = RegistryAddress.parse(source)
        git = GitAddress.parse(source) if registry is None else None
        if registry is None and git is None:
            return None
        repository = registry.repository if registry is not None else git.repository if git is not None else ""
        subdir = registry.subdir if registry is not None else git.subdir if git is not None else ""
        found = self._publisher_above(calling_dir, repository)
        if found is None:
            return None
        publisher, evidence = found
        directory = publisher.directory / subdir if subdir else publisher.directory
        if not os.path.isdir(directory):
            return None
        # the release: the checkout's, else what the module read says of itself (a submodule's
        # `provider_meta` names the repository's release too)
        version, version_at = publisher.version, publisher.version_at
        if version is None and directory != publisher.directory:
            version, version_at = self._release_of(directory, repository)
        release = f" v{version}" if version else ""
        refused = None
        if registry is not None and constraint is not None and version is not None \
                and version_allows(constraint, version) is not True:
            refused = f"the call asks for {constraint}: a release `terraform init` would download"
        elif git is not None and git.ref is not None:
            if _is_commit(git.ref):
                return CheckoutModule(None, f"the call is pinned to commit {git.ref}: which one this checkout is "
                                            "is not known")
            if version is not None and _version(git.ref) is not None and _version(git.ref) != _version(version):
                refused = f"the call asks for ref {git.ref}: another release `terraform init` would download"
        if refused is not None:
            return CheckoutModule(None, f"this checkout is{release} ({version_at}), {refused}")
        asked = f" {constraint}" if constraint and registry is not None else ""
        return CheckoutModule(directory, f"{call} ({source}{asked}) read from this checkout of {repository}{release} "
                                         f"({evidence}); `terraform init` would download the "
                                         f"{'published release' if registry is not None else 'repository'}")

    def _release_of(self, directory: Path, repository: str) -> tuple[str | None, str | None]:
        """(release, where written) a module directory's `provider_meta` gives for `repository`."""
        config = self._config_of(directory) if _has_config_files(directory) else None
        for value, file, line in config.module_names if config is not None else ():
            found = _blueprint(value)
            if found is not None and found[0] == repository and found[1] is not None:
                return found[1], f"{file}:{line}"
        return None, None

    def _publisher_above(self, start: Path, repository: str) -> tuple[Publisher, str] | None:
        for directory in directories_up(start, MAX_LEVELS):
            publisher = self._publisher(directory)
            evidence = publisher.evidence(repository)
            if evidence is not None:
                return publisher, evidence
        return None

    def _publisher(self, directory: Path) -> Publisher:
        """What a directory says of itself: the repositories its git remotes and its
        `provider_meta` name, and its release (its own name is checked when asked)."""
        known = self._publishers.get(directory)
        if known is not None:
            return known
        names: dict[str, str] = {}
        version = version_at = None
        for repo in remote_names(directory):
            names.setdefault(repo, ".git/config")
        if _has_config_files(directory):
            config = self._config_of(directory)
            for value, file, line in config.module_names if config is not None else ():
                found = _blueprint(value)
                if found is not None:
                    names.setdefault(found[0], f"{file}:{line}")
                    if version is None and found[1] is not None:
                        version, version_at = found[1], f"{file}:{line}"
        publisher = Publisher(directory, names, version, version_at)
        self._publishers[directory] = publisher
        return publisher


def _is_commit(ref: str) -> bool:
    return 7 <= len(ref) <= 40 and all(c in "0123456789abcdef" for c in ref.lower())


def _blueprint(module_name: str) -> tuple[str, str | None] | None:
    """`blueprints/terraform/terraform-google-network[:subnets]/v18.1.0` -> (repository, version)."""
    parts = module_name.split("/")
    if len(parts) < 3 or parts[0] != "blueprints" or parts[1] != "terraform":
        return None
    repository = parts[2].split(":", 1)[0].lower()
    if not repository.startswith("terraform-"):
        return None
    version = parts[3].removeprefix("v") if len(parts) > 3 and _version(parts[3]) is not None else None
    return repository, version


def _has_config_files(directory: Path) -> bool:
    try:
        with os.scandir(directory) as entries:
            return any(is_config_file(e.name) for e in entries)
    except OSError:
        return False
