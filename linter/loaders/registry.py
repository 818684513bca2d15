"""Which loader reads a file: one table, asked before anything is parsed.

Every input format is a loader module that answers two questions:

    detect(path, head) -> bool   cheap: the name and the first bytes, no parse
    load(...)                    the parse, only for files it detected

and one entry in `ENTRIES` below. A new input format is one loader module
plus one entry (as pre-commit registers its languages in one table).

The walk offers a file to the entries whose suffixes match its name; a file
named explicitly (or read from stdin) whose name no entry claims is offered
to all of them, so its content decides (`install_ha.golden`). The first entry
that detects the file owns it; a file no entry detects is skipped with the
reason of the entry its suffix belongs to (a YAML file without a top-level
`apiVersion` and `kind` is "not Kubernetes"), never an input error. A file
that is detected and then fails to parse is an input error, as it should be.

Loader modules are imported only when a file is offered to them, so a scan of
`.tf` files never imports the YAML parser.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TYPE_CHECKING, cast

from linter.loaders import terraform  # its names only: the suffixes a module's files have

if TYPE_CHECKING:
    from linter.model import InputError, Resource, RootJudge

HEAD_BYTES = 64 * 1024  # what `detect` sees of a file


class FileLoader(Protocol):
    """A format read one file at a time (a manifest, a plan, a stack export)."""

    DECLINED: str  # why a file offered to it is not its own: the skip reason

    def detect(self, path: Path, head: str) -> bool: ...

    def load(self, path: Path, shown: str, options: dict[str, Any]) -> list[Resource] | None:
        """Resources of the file; None when, parsed, it proves not to be this format."""
        ...


class DirectoryLoader(Protocol):
    """A format whose unit is a directory (a Terraform module): every detected
    file brings its whole directory, loaded together with the others."""

    DECLINED: str

    def detect(self, path: Path, head: str) -> bool: ...

    def unit_directory(self, path: Path) -> Path:
        """The unit a detected file belongs to: a directory, the file's or another it is read with."""
        ...

    def unit_files(self, path: Path, directory: Path, whole_directory: bool) -> list[Path]:
        """The files a detected file brings to the load of its unit (`directory`), as the
        format reads them (only itself when `whole_directory` is False)."""
        ...

    def load_directories(self, files: dict[Path, list[Path]], options: dict[str, Any], judge: RootJudge | None = None
                         ) -> tuple[list[Resource], list[InputError]]:
        """Every directory's files at once (directories may refer to each other);
        `judge` may judge roots as they load (see linter.model.RootJudge)."""
        ...


@dataclass(frozen=True)
class Entry:
    name: str  # the format, as skip reasons and `--verbose` name it
    module: str  # the loader module (imported when first asked)
    suffixes: tuple[str, ...]  # the file names a directory walk offers it (lower case)
    unit: str = "file"  # "file" (FileLoader) or "directory" (DirectoryLoader)
    # a file whose suffix it claims is its own whatever it holds (Terraform reads every
    # `.tf`): detected by name alone, the head is not read
    owns_its_suffixes: bool = False

    def claims_name(self, name: str) -> bool:
        return name.lower().endswith(self.suffixes)

    def loader(self) -> FileLoader | DirectoryLoader:
        return cast("FileLoader | DirectoryLoader", importlib.import_module(self.module))


# Order matters: the first entry that detects a file owns it (a Helm chart's
# template is a Helm template before it is YAML).
ENTRIES: tuple[Entry, ...] = (
    # no suffix: only files named explicitly are looked at (a walk leaves a local state alone)
    Entry("terraform-output", "linter.loaders.terraform_outputs", ()),
    Entry("helm-template", "linter.loaders.helm", (".yaml", ".yml", ".tpl")),
    Entry("terraform", "linter.loaders.terraform",
          terraform.MODULE_SUFFIXES + terraform.VARIABLE_FILES + terraform.UNIT_FILES,
          unit="directory",
          owns_its_suffixes=True),
    Entry("json", "linter.loaders.documents", (".json", ".ndjson", ".jsonl")),
    # a Pulumi YAML project (`Pulumi.yaml`, its `Main.yaml` and stack files) before a manifest:
    # all are YAML; one project loads once, whichever of its files the scan names
    Entry("pulumi-yaml", "linter.loaders.pulumi_yaml", (".yaml", ".yml"), unit="directory"),
    Entry("kubernetes", "linter.loaders.kubernetes", (".yaml", ".yml")),
)

WALKED_SUFFIXES = tuple(sorted({s for e in ENTRIES for s in e.suffixes}))


def entry(name: str) -> Entry:
    return next(e for e in ENTRIES if e.name == name)


@functools.lru_cache(maxsize=4096)  # asked twice per file, and names repeat (main.tf, values.yaml)
def candidates(name: str, named: bool) -> tuple[Entry, ...]:
    """The entries a file is offered to: by name, else (a named file, stdin) all of them."""
    by_name = tuple(e for e in ENTRIES if e.claims_name(name))
    return by_name if by_name or not named else ENTRIES


def read_head(path: Path) -> str:
    """The first HEAD_BYTES of a file as text (OSError when it cannot be read)."""
    from linter.loaders import in_memory

    data = in_memory(path)
    if data is None:
        with open(path, "rb") as fh:
            data = fh.read(HEAD_BYTES)
    head = data[:HEAD_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 (PowerShell's `>`): detected by what it says, so its loader can
        # report the encoding instead of the file being skipped
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8-sig", errors="replace")
