"""Find input files, ask the loader registry what each one is, load it.

The formats and their loaders are one table, `registry.ENTRIES`; each loader
module detects its files cheaply (name and first bytes) before anything is
parsed, and is imported only when a file is offered to it:

    kubernetes.py  YAML manifests (multi-document, List kinds, rendered output)
    documents.py   JSON: Terraform plans and states, Pulumi documents and event logs, Kubernetes JSON
    terraform_outputs.py  binary plans, raw states, plan logs: errors naming the command to run
    terraform.py   Terraform modules: a `.tf`/`.tfvars` file brings its directory (hcl.py parses)
    helm.py        Helm chart templates: skipped with a note (charts are judged rendered)
    rendered.py    kustomizations (kustomize / kubectl kustomize) and Helm charts (helm template),
                   once per environment values file, or as Argo CD Applications deploy them
    argocd.py      the charts and kustomizations of this repository its Argo CD Applications and
                   ApplicationSets deploy
    flux.py        the kustomizations and charts of this repository its Flux Kustomizations and
                   HelmReleases deploy
    helmfile.py    the charts of this repository its helmfiles release
    terraform_helm.py  the charts of this repository its Terraform `helm_release`s install
    pulumi_releases.py  the charts and kustomizations of this repository its Pulumi `Chart`s,
                   `Release`s and kustomize `Directory`s deploy

What no loader detects is skipped, with a reason the summary counts, never an
input error. A broken file that is detected becomes an InputError and never
hides the findings of others. Paths are deduplicated by their real path. A
manifest named explicitly (as pre-commit names staged files) is judged with
the other manifests of its directory as context for cross-object rules; only
its own findings are reported. The linter only reads: it never writes to the
user's input files.
"""

from __future__ import annotations

import collections
import errno
import json
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from linter.model import InputError, PartialLoad, Resource, RootJudge

if TYPE_CHECKING:
    from linter.config import Exclusions
    from linter.loaders.registry import Entry, FileLoader
    from linter.loaders.unfetched import ChartNotFetched

SKIP_DIRS = {
    ".git", ".hg", ".svn", ".terraform", ".terragrunt-cache", "node_modules",
    ".venv", "venv", ".tox", ".nox", "__pycache__", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", "site-packages", ".eggs",
}
STDIN = "-"

# Kubernetes manifests, wherever they are, describe one cluster: cross-object
# rules (a PDB for a Deployment) look across all of them. Every other document
# (a plan, a Pulumi stack, a Terraform root, a rendered kustomization) is a
# scope of its own, so that `aws_sqs_queue.jobs` in one plan never resolves to
# its namesake in another.
KUBERNETES_SCOPE = "kubernetes"


@dataclass
class Skipped:
    """A file that was offered to the loaders and is not judged, and why."""

    file: str
    reason: str


@dataclass
class Loaded:
    resources: list[Resource] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # for stderr: a named file nothing recognises, a chart helm is missing for
    notes: list[str] = field(default_factory=list)
    # manifests loaded only as context for the named ones: their findings are not reported
    context_files: set[str] = field(default_factory=set)
    # Terraform module calls that could not be followed (not installed): dicts
    # with module, source, file, line, hint
    unresolved_modules: list[dict[str, Any]] = field(default_factory=list)
    # releases of charts helmfile fetches, kustomize `helmCharts` and bases that could not be fetched, a
    # chart's dependencies not built (`unfetched`; the other deployers' are read from their
    # resources when the scan reports)
    charts_not_fetched: list[ChartNotFetched] = field(default_factory=list)
    # discovered files' real paths by shown path (resolved once, by discovery: the
    # config lookup of each file needs them)
    real_paths: dict[str, str] = field(default_factory=dict)


@dataclass
class Found:
    """A file to offer to the loaders."""

    path: Path
    named: bool = False  # given on the command line (or stdin), not found by a walk
    context: bool = False  # a sibling of a named manifest, loaded for cross-object rules only
    real: str = ""  # its real path, as discovery found it (computed once: it costs a stat per component)
    regular: bool = False  # a regular file, as its directory's listing said (no stat needed to know)

    @property
    def real_path(self) -> str:
        return self.real or os.path.realpath(self.path)

    @property
    def placed(self) -> bool:
        """Named with a place in the tree (not bare stdin): its directory is its context."""
        return self.named and str(self.path) != STDIN


def display_path(path: Path) -> str:
    text = os.path.normpath(str(path))
    return text[2:] if text.startswith("./") else text


# stdin, read once: loaders, suppressions and reports read it by its name
_IN_MEMORY: dict[str, bytes] = {}


def in_memory(path: Path | str) -> bytes | None:
    return _IN_MEMORY.get(os.path.abspath(path)) if _IN_MEMORY else None


def read_stdin(name: str) -> Path:
    """Read standard input once, under `name` (`--stdin-filename`, else `-`)."""
    path = Path(name)
    _IN_MEMORY.clear()
    _IN_MEMORY[os.path.abspath(path)] = sys.stdin.buffer.read()
    return path


def source_text(path: Path | str, encoding: str = "utf-8") -> str:
    """A source's text for line lookups (OSError / UnicodeDecodeError when unreadable)."""
    data = in_memory(path)
    if data is not None:
        return data.decode(encoding)
    with open(path, encoding=encoding) as fh:
        return fh.read()


def _is_virtualenv(dirpath: str, filenames: list[str]) -> bool:
    return "pyvenv.cfg" in filenames


def _is_helm_templates(dirpath: str) -> bool:
    # an unrendered Helm chart's templates (and its vendored subcharts) are not
    # manifests; the chart is judged rendered, as a whole
    return os.path.basename(dirpath) in ("templates", "charts") and os.path.exists(
        os.path.join(os.path.dirname(dirpath), "Chart.yaml")
    )


@dataclass
class Walk:
    """What discovery found: files to offer to the loaders, and directories that
    are rendered as a whole (kustomizations, Helm charts)."""

    files: list[Found] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    kustomizations: list[Path] = field(default_factory=list)
    charts: list[Path] = field(default_factory=list)
    # named paths an `exclude` glob passes over, and why (a walk passes over its own silently)
    excluded: list[Skipped] = field(default_factory=list)


def discover(paths: list[str], stdin_name: str | None = None, exclusions: Exclusions | None = None) -> Walk:
    """Expand directories (skipping VCS, caches, virtualenvs, chart templates and
    what `exclusions` name) into the files the loaders' suffixes claim; each real
    path once."""
    from linter.config import CONFIG_NAMES
    from linter.loaders.helmfile import is_helmfile
    from linter.loaders.rendered import kustomization_file
    from linter.loaders.registry import WALKED_SUFFIXES

    walk = Walk()
    seen: set[str] = set()

    def add(path: Path, named: bool, real_dir: str | None = None, kind: tuple[bool, bool] | None = None) -> None:
        # a walked file's real path is its directory's (resolved once) and its name, unless it is a link
        link = kind[0] if kind is not None else bool(real_dir) and os.path.islink(path)
        key = os.path.join(real_dir, path.name) if real_dir and not link else os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            walk.files.append(Found(path, named=named, real=key, regular=kind is not None and kind[1]))

    for given in paths:
        if given == STDIN:
            add(read_stdin(stdin_name or STDIN), named=True)
            continue
        p = Path(given)
        try:
            os.stat(p)
        except OSError as err:  # a name too long, a permission denied on a parent, a link loop
            if err.errno not in (errno.ENOENT, errno.ELOOP) and not os.path.islink(p):
                walk.errors.append(InputError(display_path(p), f"cannot read: {err.strerror or err}"))
                continue
        if exclusions is not None and os.path.exists(p):
            excluding = exclusions.excluding(os.path.realpath(p), os.path.isdir(p))
            if excluding is not None:
                walk.excluded.append(Skipped(display_path(p), excluding.reason()))
                continue
        if os.path.isfile(p):
            add(p, named=True)
        elif os.path.isdir(p):
            real_dirs = {str(p): os.path.realpath(p)}  # a walked directory's real path (walks follow no links)

            def unreadable(err: OSError, _errors: list[Any] = walk.errors) -> None:
                # os.walk skips what it cannot list: say so, or its files vanish silently
                where = display_path(Path(err.filename)) if err.filename else display_path(p)
                _errors.append(InputError(where, f"cannot read directory: {err.strerror or err}"))

            for dirpath, dirnames, filenames in os.walk(p, onerror=unreadable):
                dirnames[:] = sorted(d for d in dirnames if not _passed_over(dirpath, d))
                if exclusions is not None:
                    real_here = real_dirs.pop(dirpath, None) or os.path.realpath(dirpath)
                    filenames = exclusions.prune(real_here, dirnames, filenames)
                    real_dirs.update((os.path.join(dirpath, d), os.path.join(real_here, d)) for d in dirnames)
                here = Path(dirpath)
                if "Chart.yaml" in filenames:
                    walk.charts.append(here)
                if kustomization_file(here, filenames) is not None:
                    walk.kustomizations.append(here)
                real_dir = None
                kinds: dict[str, tuple[bool, bool]] = {}
                for name in sorted(filenames):
                    if name in CONFIG_NAMES:  # resilint's own config: read as such, not an input
                        continue
                    # a helmfile written as a template (`helmfile.yaml.gotmpl`): read for its releases
                    if name.lower().endswith(WALKED_SUFFIXES) or (
                            name.endswith(".gotmpl") and is_helmfile(here / name)):
                        if real_dir is None:
                            real_dir = os.path.realpath(dirpath)
                            kinds = _entry_kinds(dirpath)
                        add(here / name, named=False, real_dir=real_dir, kind=kinds.get(name))
        elif os.path.exists(p):
            walk.errors.append(InputError(display_path(p), "not a regular file or directory (a FIFO, socket or device)"))
        elif p.is_symlink():
            walk.errors.append(InputError(display_path(p), "broken symbolic link (or a link loop)"))
        else:
            walk.errors.append(InputError(display_path(p), "no such file or directory"))
    return walk


def _passed_over(parent: str, name: str, templates: bool = True) -> bool:
    """Whether a walk passes over the directory `name` of `parent`: VCS, caches, virtualenvs,
    an unrendered chart's templates (the one rule for `discover` and `files_mentioning`;
    `templates` False: a chart's are not passed over)."""
    path = os.path.join(parent, name)
    return name in SKIP_DIRS or _is_virtualenv(path, _safe_listdir(path)) or templates and _is_helm_templates(path)


def files_mentioning(top: Path, needles: tuple[bytes, ...], suffixes: tuple[str, ...],
                     exclusions: Exclusions | None = None, templates: bool = False) -> dict[Path, set[bytes]]:
    """The files a walk of the git checkout whose top is `top` would offer (`discover`: what it
    passes over, and `exclusions`), named with one of `suffixes`, whose bytes hold one of
    `needles`, named as `top` is, with the needles each holds (one search serves several
    questions: a YAML file's API groups, a `.tf` file's `helm_release`); `templates`: the files
    of charts' `templates/` (and vendored `charts/`) too, which a walk passes over. `git grep`
    searches the checkout's files (tracked or not, ignored ones too, less the directories no
    walk enters), several times faster than a walk that reads every file; where git does not
    answer, `discover` walks and each file is read."""
    import subprocess

    shown = str(top)
    # -o: each needle found, after its file's name (one line per match; the needles hold no newline)
    command = ["git", "-C", shown, "grep", "-o", "-z", "-F", "--untracked", "--no-exclude-standard",
               *(f"-e{n.decode()}" for n in needles), "--", *(f"*{s}" for s in suffixes),
               *(f":(exclude,glob)**/{d}/**" for d in sorted(SKIP_DIRS))]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # a hook's GIT_DIR/GIT_INDEX_FILE
    try:
        done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL, env=env, timeout=60)
    except (OSError, subprocess.SubprocessError):
        done = None
    out: dict[Path, set[bytes]] = {}
    if done is not None and done.returncode in (0, 1):
        held: dict[str, set[bytes]] = {}
        text, at = done.stdout, 0
        while at < len(text):
            name_end = text.find(b"\0", at)
            line_end = text.find(b"\n", name_end)
            if name_end < 0 or line_end < 0:
                break
            held.setdefault(os.fsdecode(text[at:name_end]), set()).add(text[name_end + 1:line_end])
            at = line_end + 1
        real_top = os.path.realpath(top)
        for name in sorted(held):
            parts = name.split("/")
            if any(_passed_over(os.path.join(shown, *parts[:n]), parts[n], not templates) for n in range(len(parts) - 1)):
                continue
            if exclusions is not None and exclusions.excluding(os.path.join(real_top, *parts), False) is not None:
                continue
            out[Path(shown, *parts)] = held[name]
        return out
    walk = discover([shown], exclusions=exclusions)
    paths = [f.path for f in walk.files]
    if templates:  # the charts' files the walk passed over
        for chart in walk.charts:
            for below in ("templates", "charts"):
                for directory, dirs, names in os.walk(chart / below):
                    dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                    paths += [Path(directory, n) for n in sorted(names)
                              if exclusions is None or exclusions.excluding(os.path.realpath(Path(directory, n)),
                                                                            False) is None]
    for path in paths:
        if path.name.endswith(suffixes):
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue  # a scan reports it; a search passes over it
            found = {n for n in needles if n in data}
            if found:
                out[path] = found
    return out


def _entry_kinds(directory: str) -> dict[str, tuple[bool, bool]]:
    """Name -> (a symbolic link, a regular file) for a directory's entries, from one
    listing (the kind of entry it reports: no stat per file)."""
    try:
        with os.scandir(directory) as entries:
            return {e.name: (e.is_symlink(), e.is_file(follow_symlinks=False)) for e in entries}
    except OSError:
        return {}


def _safe_listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def load_paths(paths: list[str], options: dict[str, Any] | None = None, judge: RootJudge | None = None,
               exclusions: Exclusions | None = None) -> Loaded:
    """Load every input under `paths`. Options (besides the loaders' own):
    `stdin_filename` names `-`; `file_context` judges a named manifest with
    its directory's manifests and a named `.tf` with its module (the command
    line sets it; by default named files are judged alone). `judge`: the rules,
    for Terraform roots loaded on several cores to be judged where they load.
    `exclusions`: what discovery passes over (`exclude` globs)."""
    from linter.loaders import rendered as rendering
    from linter.loaders.parallel import load_ahead, note_scan_start

    note_scan_start()  # what the machine leaves idle from now on tells whether a second core is free
    options = dict(options or {})  # per scan: loaders may leave notes for each other
    with_context = bool(options.get("file_context"))
    out = Loaded()
    walk = discover(paths, options.get("stdin_filename"), exclusions)
    if exclusions is not None:  # for the searches of a repository a staged file starts (Terragrunt units, helmfiles)
        options["exclusions"] = exclusions
    out.errors = walk.errors
    out.skipped += walk.excluded
    out.notes += [f"{e.file}: skipped: {e.reason}" for e in walk.excluded]
    rendered = rendering.plan(walk, exclusions, search_deployers=with_context)
    directory_units: dict[str, dict[Path, list[Path]]] = {}
    kubernetes_dirs: set[Path] = set()
    # directory units already listed: their files, and the same as a set (1,000s per directory)
    unit_members: dict[tuple[str, Path], tuple[list[Path], set[Path]]] = {}
    queued = {f.real_path for f in walk.files}
    pending = collections.deque(walk.files)  # popped from the left: 50,000 files stay linear
    # big scans: files detected and loaded ahead on every core, replayed below in order
    ahead = load_ahead([f for f in pending if f.real_path not in rendered.covered and f.real_path not in rendered.read],
                       options)
    # pre-commit: the Argo CD and Flux files of the checkout, as context; their releases of the
    # staged files are judged (rendering.load)
    pending.extend(f for f in rendered.deployer_files if f.real_path not in queued)
    queued.update(f.real_path for f in rendered.deployer_files)
    # `--var-file` files: read with the root they are given to, never "skipped" (env/prod.tfvars)
    given_var_files = {os.path.realpath(value) for kind, value in options.get("terraform_variables") or ()
                       if kind == "file"}
    named_in_units: dict[str, set[str]] = {}  # a directory unit's real path -> the real paths named of it
    while pending:
        found = pending.popleft()
        path, shown = found.path, display_path(found.path)
        out.real_paths[shown] = found.real_path
        if found.real_path in rendered.read:
            continue  # read by the rendering (a helmfile): listed with the files it reads
        covered_by = rendered.covered.get(found.real_path) if rendered.covered else None
        if covered_by is not None:
            if not found.context:
                out.skipped.append(Skipped(shown, covered_by))
            continue
        loaded_ahead = ahead.pop(path, None) if ahead and not found.context else None
        try:
            entry, reason = loaded_ahead.owner() if loaded_ahead is not None else _owner(found, shown)
        except InputError as err:
            if not found.context:
                out.errors.append(err)
            continue
        except OSError as err:
            if not found.context:
                out.errors.append(InputError(shown, f"cannot read file: {err.strerror or err}"))
            continue
        if entry is None:
            if not found.context:
                out.skipped.append(Skipped(shown, reason))
                if found.named:
                    out.notes.append(f"{shown}: skipped: {reason}")
            continue
        if entry.unit == "directory":
            loader = entry.loader()
            directory = loader.unit_directory(path)
            key = (entry.name, directory)
            unit = unit_members.get(key)
            whole = unit is None and with_context and (found.placed or not found.named)
            if unit is None:
                unit = unit_members[key] = (directory_units.setdefault(entry.name, {}).setdefault(key[1], []), set())
            files, listed = unit
            for f in loader.unit_files(path, directory, whole_directory=whole):
                if f not in listed:
                    listed.add(f)
                    files.append(f)
            if found.named:  # what the command line named of the unit (pre-commit: the staged files)
                named_in_units.setdefault(os.path.realpath(directory), set()).add(found.real_path)
            if directory != path.parent or not files:
                if not found.context and found.real_path not in given_var_files:
                    # a .tfvars with no module beside it, that no --var-file names either (one a
                    # module above reads as an environment is taken back when it is read)
                    out.skipped.append(Skipped(shown, loader.DECLINED))
            continue
        if loaded_ahead is not None:
            resources = loaded_ahead.replay(out)
        else:
            resources = _load_file(entry, found, shown, options, out)
        if resources is None:
            continue
        if found.context:
            out.context_files.add(shown)
        else:
            out.files.append(shown)
        for r in resources:
            # a plan or a Pulumi document is a world of its own; manifests share a cluster
            r.meta.setdefault("scope", KUBERNETES_SCOPE if r.source_format == "kubernetes" else shown)
        out.resources.extend(resources)
        if found.placed and with_context and entry.name == "kubernetes" and path.parent not in kubernetes_dirs:
            kubernetes_dirs.add(path.parent)
            pending.extend(_siblings(path.parent, queued))
    if named_in_units:
        options["named_in_units"] = named_in_units
    for name, files_by_dir in directory_units.items():
        _load_directories(name, files_by_dir, options, out, judge)
    rendering.load(rendered, options, out)
    return out


def _owner(found: Found, shown: str) -> tuple[Any, str]:
    """The registry entry that detects the file, or None and the reason it is skipped."""
    from linter.loaders.registry import candidates, read_head

    offered = candidates(found.path.name, found.named)
    if not offered:
        return None, "no loader reads files of this name"
    if not found.regular and in_memory(found.path) is None and not os.path.isfile(found.path):  # a FIFO or a device would block
        raise InputError(shown, "not a regular file")
    if len(offered) == 1 and offered[0].owns_its_suffixes:
        return offered[0], ""
    head = read_head(found.path)
    for entry in offered:
        if entry.loader().detect(found.path, head):
            return entry, ""
    if len(offered) > 1 and not any(e.claims_name(found.path.name) for e in offered):
        return None, "no loader recognises its content (not Kubernetes, Terraform, a plan or a Pulumi document)"
    return None, offered[-1].loader().DECLINED


def _siblings(directory: Path, queued: set[str]) -> list[Found]:
    """The other manifests of a named manifest's directory, as context (each file once)."""
    from linter.loaders.registry import entry

    kubernetes = entry("kubernetes")
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    out = []
    for name in names:
        path = directory / name
        real = os.path.realpath(path)
        if kubernetes.claims_name(name) and real not in queued and os.path.isfile(path):
            queued.add(real)
            out.append(Found(path, context=True, real=real))
    return out


def _load_file(entry: Entry, found: Found, shown: str, options: dict[str, Any], out: Loaded) -> list[Resource] | None:
    """One file through its loader; a failure is an InputError (dropped for context files)."""
    error: InputError | None = None
    try:
        resources = cast("FileLoader", entry.loader()).load(found.path, shown, options)
    except PartialLoad as partial:  # broken documents: errors of their own, the others still judged
        if not found.context:
            out.errors.extend(partial.errors)
        resources = partial.resources
    except InputError as err:
        error = err
    except OSError as err:
        error = InputError(shown, f"cannot read file: {err.strerror or err}")
    except RecursionError:
        error = InputError(shown, NESTED_TOO_DEEPLY)
    except Exception as exc:  # last resort: a loader bug must not hide the other files
        error = InputError.internal(shown, "loading", exc)
    if error is not None:
        if not found.context:  # a broken sibling is not the commit's problem
            out.errors.append(error)
        return None
    if resources is None and not found.context:
        out.skipped.append(Skipped(shown, entry.loader().DECLINED))
        if found.named:
            out.notes.append(f"{shown}: skipped: {entry.loader().DECLINED}")
    return resources


def _load_directories(name: str, files_by_dir: dict[Path, list[Path]], options: dict[str, Any], out: Loaded,
                      judge: RootJudge | None = None) -> None:
    from linter.loaders.registry import entry as registry_entry

    entry = registry_entry(name)
    # a directory's files: as their names sort (cheaper than comparing paths part by part)
    files_by_dir = {d: sorted(fs, key=str) for d, fs in files_by_dir.items() if fs}
    if not files_by_dir:
        return
    resources, errors = entry.loader().load_directories(files_by_dir, options, judge)  # type: ignore[union-attr]
    out.unresolved_modules.extend(options.pop("unresolved_modules", None) or [])
    # files of a directory the loader found not to be its own once read (a Terragrunt scaffold template)
    declined = options.pop("skipped_files", None) or []
    out.skipped.extend(Skipped(file, reason) for file, reason in declined)
    set_directory_scope(resources)
    out.resources.extend(resources)
    out.errors.extend(errors)
    not_read = {file for file, _ in declined}
    for files in files_by_dir.values():
        out.files.extend(shown for shown in map(display_path, files) if shown not in not_read)
    # the variable files roots were planned with, one environment each (terraform/tree.py:environment_files),
    # and those a Terragrunt unit's directory gives its module
    environments = {r.meta["environment"] for r in resources if "environment" in r.meta}
    environments.update(f for r in resources for f in r.meta.get("variable_files", ()))
    out.files.extend(sorted(environments))
    if environments:
        out.skipped = [s for s in out.skipped if s.file not in environments]


def set_directory_scope(resources: list[Resource]) -> None:
    """A Terraform root (and the modules it calls) is a world of its own: its
    resources' scope (Resource.scope) is the root's directory."""
    for r in resources:
        r.meta.setdefault("scope", r.meta.get("root") or os.path.dirname(r.location.file) or ".")


def huge_number(text: str, shown: str, line: int | None = None) -> InputError:
    """Python refuses to read integers of more than 4300 digits (a denial-of-service guard)."""
    import re
    import sys

    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
    if line is None:
        found = re.search(r"\d{%d,}" % (limit + 1), text)
        line = text.count("\n", 0, found.start()) + 1 if found else None
    return InputError(shown, f"a number with more than {limit} digits: no configuration value is that large", line)


_HEX = frozenset("0123456789abcdefABCDEF")
_SURROGATE_ESCAPE = None  # compiled on first use: `re` is not imported at start-up


def check_surrogates(text: str, shown: str, line: int | None = None) -> None:
    """JSON may escape half of a UTF-16 pair (`"\\ud800"`): Python keeps it as a character
    no output can encode, so reports would crash on it. Reject the file, at the escape's line.

    One linear pass over the text, no walk of the parsed document: a fixed-length
    pattern (nothing to backtrack; re's literal-prefix search runs at memory speed,
    faster than `str.find` here) finds the `\\uD800`-`\\uDFFF` escapes; a pair
    (high then low half, an emoji) is a character and passes."""
    global _SURROGATE_ESCAPE
    if _SURROGATE_ESCAPE is None:
        import re

        _SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
    for match in _SURROGATE_ESCAPE.finditer(text):
        at = match.start()
        kind = _surrogate_at(text, at)
        paired = (kind == "high" and _surrogate_at(text, at + 6) == "low"
                  or kind == "low" and at >= 6 and _surrogate_at(text, at - 6) == "high")
        if kind is not None and not paired:
            line = line or text.count("\n", 0, at) + 1
            raise InputError(shown, f"lone UTF-16 surrogate {match.group(0)}: not a character any report can show", line)


def _surrogate_at(text: str, at: int) -> str | None:
    """"high" or "low" when a real `\\uD800`-`\\uDFFF` escape starts at `at` (not the
    text `\\\\ud800`, an escaped backslash before `ud800`), else None. A low half
    is paired with the high one before it (the caller checks both sides)."""
    escape = text[at:at + 6]
    if len(escape) < 6 or escape[:2] != "\\u" or escape[2] not in "dD" or not all(c in _HEX for c in escape[3:]):
        return None
    backslashes, i = 0, at
    while i > 0 and text[i - 1] == "\\":  # an odd run before ours: ours is escaped itself
        backslashes, i = backslashes + 1, i - 1
    if backslashes % 2:
        return None
    second = escape[3].lower()
    if second in "89ab":
        return "high"
    if second in "cdef":
        return "low"
    return None


NESTED_TOO_DEEPLY = "values nested too deeply to read (hundreds of levels): not a real configuration"


# opening without blocking lets one fstat tell a FIFO or a device apart before a read
# could block on it (every file of a scan is read here: one open, one fstat, no stat)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _read_regular_file(path: Path, shown: str) -> bytes:
    """A regular file's bytes (InputError for a directory, a FIFO, a device or nothing)."""
    try:
        fd = os.open(path, _OPEN_FLAGS) if hasattr(os, "O_NONBLOCK") else -1
    except OSError:
        fd = -1  # the stat below says why (or the read raises the OSError callers report)
    if fd < 0:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = 0
        _check_regular(mode, shown)
        return path.read_bytes()
    try:
        info = os.fstat(fd)
        _check_regular(info.st_mode, shown)
        chunks = []
        size = info.st_size + 1
        while True:
            chunk = os.read(fd, size)
            if not chunk:
                break
            chunks.append(chunk)
            size = max(size - len(chunk), 1 << 16)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)  # b"" when empty
    finally:
        os.close(fd)


def _check_regular(mode: int, shown: str) -> None:
    if stat.S_ISDIR(mode):
        raise InputError(shown, "is a directory, expected a file")
    if not stat.S_ISREG(mode):  # a FIFO or a device would block or never end
        raise InputError(shown, "not a regular file")


def read_text(path: Path, shown: str) -> str:
    """A file's text: UTF-8, with or without a byte order mark (Windows editors write one)."""
    data = in_memory(path)
    if data is None:
        data = _read_regular_file(path, shown)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # PowerShell 5's `>` writes UTF-16: say so instead of "byte 0"
        raise InputError(shown, "UTF-16 text: save the file as UTF-8 (e.g. `Out-File -Encoding utf8`)", 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(shown, f"not UTF-8 text (byte {exc.start})", line) from None
