"""Rendered Kubernetes: kustomizations and Helm charts are judged as they deploy.

An overlay's objects are its bases' objects patched, renamed and moved to
another namespace: judging the base files one by one reports `replicas: 1`
that the overlay patches to 3, in the wrong namespace. So a directory with a
`kustomization.yaml` is rendered with `kustomize build` (or `kubectl
kustomize`) and the output is judged; the bases it uses (directories and files
its `resources`/`bases`/`components` name) are not judged on their own, and
neither are its other YAML files (patches are partial objects).

Findings name where the user can act: an object points at the file it comes
from and its line there (at the attribute's own line when its value there is
the rendered one), with a note naming the kustomization. kustomize itself says
which file that is: resilint renders through a kustomization of its own, in a
temporary directory, that names the user's directory as its one resource and
asks for build metadata (`config.kubernetes.io/origin`, taken off the objects
before they are judged), so a name prefix, suffix or namespace an overlay adds
does not lose the file. A value an overlay writes (a patch file's, or a
`replicas` entry's count) points at the overlay's line that writes it. A
generated object points at its generator's key in the kustomization that
configures it. Where kustomize cannot give origins (an
older release), an object unchanged in kind and name from one base file points
at it, and any other at the kustomization file.

Each rendering is a cluster of its own (scope): the staging and prod overlays
of one base never protect each other's Deployments.

A Helm chart (`Chart.yaml`) met by the walk is rendered with `helm template
--skip-tests` (values from `--helm-values FILE`) when helm is on PATH;
otherwise a note says how to render it, and its templates are never parsed as
manifests. A rendered object points at the template that rendered it (helm's
`# Source:` comment), at the line where the template writes the attribute:
the template's keys are followed by their indentation, its actions are not
evaluated, so a value `toYaml` writes points at the key above it. Where that
line writes one chart value whole (`replicas: {{ .Values.replicaCount }}`), a
note names the values file and line that set it. Dependencies `helm dependency
build` has not fetched are left out of the render (a temporary copy of the chart),
with a note: their objects are not known.
"""

from __future__ import annotations

import bisect
import copy
import functools
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal

from linter.model import InputError, Location, Resource, UnknownValueError, lookup

if TYPE_CHECKING:
    from linter.config import Exclusions
    from linter.loaders.unfetched import ChartNotFetched

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
REFERENCE_KEYS = ("resources", "bases", "components")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
RENDER_TIMEOUT = 120  # seconds; remote bases with no network must not hang a commit


def deployer_releases(loaded: Any, r: Resource, staged: set[str] | None,
                      read: Callable[[], list[Any]]) -> list[Any]:
    """What the deployer object `r` releases (`read()`: ChartRelease and KustomizationRelease),
    behind a last resort: a bug reading one object costs its releases, not the scan. One of a
    file read as context (a sibling, a deployer of the checkout a pre-commit run found) says
    nothing of itself and releases only what renders one of `staged` (None: nothing), or what
    makes deployers that may (a root Application's app of apps, `makes_deployers`)."""
    context = r.location.file in loaded.context_files
    if context and staged is None:
        return []
    try:
        made = read()
    except RecursionError:
        if not context:
            loaded.errors.append(InputError(r.location.file, f"{r.address}: nested too deeply to read",
                                            r.location.line))
        return []
    except UnknownValueError as exc:  # a `${...}` a deploy substitutes, where how it deploys is read
        if not context:
            loaded.notes.append(f"{r.location.file}{f':{r.location.line}' if r.location.line else ''}: what "
                                f"{r.address} deploys is not known here: it reads a value a deploy substitutes "
                                f"({exc.value if exc.value is not None else 'not known here'}); what it would "
                                "deploy is judged as the repository has it")
        return []
    except Exception as exc:
        if not context:
            loaded.errors.append(InputError.internal(r.location.file, f"reading {r.address}", exc, r.location.line))
        return []
    return [release for release in made
            if not context or release.touches(staged or set()) or makes_deployers(release)]


def makes_deployers(release: Any) -> bool:
    """Whether a release's chart templates, or its kustomization's files, may write a deployer
    (`_writes_deployers`): an app of apps, whose Applications may release a staged file (one
    not known here is not built: it makes none known)."""
    if isinstance(release, NotKnownRelease):
        return False
    if isinstance(release, ChartRelease):
        return _writes_deployers(_chart_templates(release.chart))
    return release.listed is None and _writes_deployers(release.rendering().sources)


def chart_of_repository(path: Path, deployer: Path) -> Path | None:
    """`path`, when it is a chart directory (a Chart.yaml) of the repository (git checkout)
    that the deployer's file `deployer` is in, or both are in none; None for anything else
    (a packaged chart, a chart name of a repository, another checkout, nothing)."""
    from linter.paths import git_top

    path = Path(os.path.normpath(path))
    if not os.path.isfile(path / "Chart.yaml"):
        return None
    top = git_top(Path(os.path.abspath(path)))
    checkout = git_top(Path(os.path.abspath(deployer)).parent)
    return path if top is None and checkout is None or top == checkout and top is not None and within(path, top) \
        else None


def within(path: Path, top: Path) -> bool:
    """Whether `path` is `top` or under it (Argo CD and Flux refuse a path leaving the repository)."""
    inside = os.path.relpath(os.path.abspath(path), os.path.abspath(top))
    return inside == "." or not inside.startswith("..")


def local_kustomize_options(patches: list[Any], components: list[Any], directory: Path, top: Path,
                            options: dict[str, Any]) -> dict[str, Any] | None:
    """`options` (a deployer's keys of resilint's wrapper kustomization), with the `patches`
    and `components` it sets over the kustomization in `directory` (an Argo CD
    Application, a Flux Kustomization): a patch file of the directory given inline (the
    wrapper is elsewhere), components as directories. None when one is not known here (a
    file outside the repository `top`, or missing)."""
    for entry in patches:
        if not isinstance(entry, dict):
            return None
        patch = {k: entry[k] for k in ("patch", "target", "options") if k in entry}
        if isinstance(entry.get("path"), str):
            path = Path(os.path.normpath(directory / entry["path"]))
            try:
                patch["patch"] = path.read_text(encoding="utf-8") if within(path, top) else None
            except (OSError, UnicodeDecodeError, ValueError):  # ValueError: a NUL in the path
                patch["patch"] = None
        if not isinstance(patch.get("patch"), str):
            return None
        options.setdefault("patches", []).append(patch)
    for entry in components:
        component = Path(os.path.normpath(directory / str(entry)))
        if not within(component, top) or not os.path.isdir(component):
            return None
        options.setdefault("components", []).append(str(component))
    return options


def holds_any(directory: Path, staged: set[str] | None) -> bool:
    """Whether one of `staged` (real paths; None: every file) lies under `directory`: what a
    deployer read as context is worked out only when it may deploy a staged file (listing a
    directory's manifests loads each one)."""
    if staged is None:
        return True
    top = os.path.realpath(directory) + os.sep
    return any(f.startswith(top) for f in staged)


# the files of a directory with no kustomization a deployer applies, at most (each is read
# to know whether it is Kubernetes): past that, what it deploys is not worked out here
MAX_DIRECTORY_FILES = 2000


def directory_resources(directory: Path, top: Path, suffixes: tuple[str, ...], recurse: bool,
                        kustomizations: bool = False, picked: Callable[[str], bool] | None = None
                        ) -> list[Path] | None:
    """What a deployer applies of `directory` when it holds no kustomization (an Argo CD
    directory source; the kustomization Flux writes for such a path): its files named with
    one of `suffixes`, in subdirectories too when `recurse` (a subdirectory holding a
    kustomization is listed itself, not walked, when `kustomizations`: Flux's generator), in
    the order a walk of the directory meets them (Go's `filepath.Walk`: by name), less those
    `picked` refuses (given the path from `directory`, `/`-separated) and those that are not
    Kubernetes (other YAML: values, configs). None when what it deploys is not known here:
    a file Kubernetes that does not load (the deployer refuses the directory; the scan
    reports the file's error), a file that is not YAML or JSON (Argo CD's `.jsonnet`), a
    link out of the repository `top`, or more than MAX_DIRECTORY_FILES files."""
    out: list[Path] = []
    seen = 0
    top_real = Path(os.path.realpath(top))
    if not within(Path(os.path.realpath(directory)), top_real):
        return None
    walking: list[tuple[Path, str, Any]] = []  # (directory, its path from `directory`, its entries left)
    opened: Path | None = directory
    prefix = ""
    while opened is not None or walking:
        if opened is not None:
            try:
                with os.scandir(opened) as listing:
                    walking.append((opened, prefix, iter(sorted(listing, key=lambda e: e.name))))
            except OSError:
                return None  # the deployer cannot read it either
            opened = None
        current, at, entries = walking[-1]
        entry = next(entries, None)
        if entry is None:
            walking.pop()
            continue
        path, relative = current / entry.name, at + entry.name
        if entry.is_symlink() and not within(Path(os.path.realpath(path)), top_real):
            return None  # Argo CD and Flux refuse a link out of the repository
        if entry.is_dir(follow_symlinks=False):
            if kustomizations and kustomization_file(path) is not None:
                out.append(path)
            elif recurse and entry.name != ".git":
                opened, prefix = path, relative + "/"  # walked where its name sorts, as Go's walk does
            continue
        if not entry.name.endswith(suffixes) or picked is not None and not picked(relative):
            continue
        seen += 1
        if seen > MAX_DIRECTORY_FILES or not entry.name.endswith(MANIFEST_SUFFIXES):
            return None
        kubernetes = _kubernetes_file(path)
        if kubernetes is None:
            return None
        if kubernetes:
            out.append(path)
    return out


def _kubernetes_file(path: Path) -> bool | None:
    """Whether a file holds Kubernetes objects, as the scan's walk reads it (`detect`, then
    the loader); None when it is Kubernetes that does not load."""
    from linter.loaders import display_path, kubernetes
    from linter.loaders.registry import read_head

    try:
        if not kubernetes.detect(path, read_head(path)):
            return False
        return bool(kubernetes.load_file(path, display_path(path), {}))
    except (InputError, OSError, RecursionError, ValueError):
        return None


def placeholder_name(value: Any) -> str | None:
    """The variable of a `${NAME}` placeholder a manifest writes (an Unknown the
    Kubernetes loader made of it: `loaders.kubernetes.deploy_time_values`); None else."""
    from linter.model import Unknown

    expr = value.expr if isinstance(value, Unknown) else None
    if not expr or not expr.startswith("${"):
        return None
    from linter.loaders.flux import variable_name

    return variable_name(expr[2:-1])


def mapping_of(value: Any) -> dict[str, Any]:
    """A YAML mapping a deployer's file writes, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def kustomization_file(directory: Path, names: list[str] | None = None) -> Path | None:
    """The kustomization of `directory` (`names`: its files, when listed already), if it has one:
    a file named as kustomize names its own that kustomize takes for its own (`_kustomize_config`)."""
    listing = names if names is not None else _listdir(directory)
    for name in KUSTOMIZATION_NAMES:
        if name in listing:
            return directory / name if _kustomize_config(directory / name) else None
    return None


def _kustomize_config(path: Path) -> bool:
    """Whether a file named `kustomization.yaml` is kustomize's, not a Flux `Kustomization`
    object saved under that name (its `apiVersion` Flux's group): kustomize refuses to build
    that one ("unknown field spec"), and `kubectl apply -f` and Flux apply it as an object, so
    it is a manifest. Any other apiVersion is kustomize's to judge (it names what is wrong).
    Read line by line, no YAML parse: a top-level key."""
    try:
        data = path.read_bytes()
    except OSError:
        return True  # kustomize says what is wrong with it
    if FLUX_KUSTOMIZE_GROUP not in data:  # every kustomization
        return True
    return not (_top_level_value(data, b"apiVersion") or b"").startswith(FLUX_KUSTOMIZE_GROUP)


def _top_level_value(data: bytes, key: bytes) -> bytes | None:
    """The scalar a YAML file's top-level `key:` line writes (comment and quotes off), as
    Chart.yaml and kustomization files write their keys; None when no line starts with it.
    Lines, not a YAML parse: asked of every chart and kustomization a scan meets."""
    for line in data.splitlines():
        if line.startswith(key + b":"):
            return line[len(key) + 1:].partition(b"#")[0].strip().strip(b"'\"")
    return None


@dataclass
class Rendering:
    """One directory to render, and the files its rendering judges in their place."""

    directory: Path
    kind: str  # "kustomize" | "helm"
    sources: list[Path] = field(default_factory=list)  # the resource files its objects come from
    kustomizations: list[Path] = field(default_factory=list)  # its kustomization directories, itself first
    named: set[str] = field(default_factory=set)  # real paths of its files the command line named (pre-commit)


@dataclass
class Plan:
    renderings: list[Rendering] = field(default_factory=list)
    covered: dict[str, str] = field(default_factory=dict)  # real path -> why it is not judged alone
    helmfiles: list[Path] = field(default_factory=list)  # read for the releases they list (loaders.helmfile)
    # helmfiles above staged files (pre-commit), with the real paths of those files: read for
    # the releases that deploy or read them
    helmfiles_touching: dict[Path, set[str]] = field(default_factory=dict)
    read: set[str] = field(default_factory=set)  # real paths of files the rendering reads itself: not manifests
    # pre-commit: the Argo CD and Flux files of the staged files' checkouts (`deployers_of_staged`),
    # loaded as context; and the real paths of the staged files whose releases of theirs are judged
    # (None: no search, and a deployer read as context deploys nothing)
    deployer_files: list[Any] = field(default_factory=list)
    staged: set[str] | None = None
    # pre-commit: the `.tf`/`.tf.json` files of those checkouts that mention `helm_release`
    # (True) or a `module` (False: a root may call the module that releases a staged chart), and
    # their Terragrunt units (False); their roots are loaded as context by
    # `terraform_helm.context_helm_releases`
    terraform_files: dict[Path, bool] = field(default_factory=dict)
    # pre-commit: the Pulumi YAML programs (project files, Main.yaml) of those checkouts that
    # release a chart (when a staged file is a chart's or named in one) or apply manifests; read
    # as context by `pulumi_yaml.context_programs`
    pulumi_programs: list[Path] = field(default_factory=list)
    # pre-commit: the Pulumi stack exports and previews of those checkouts that mention a chart
    # (when a staged file is a chart's): their Chart components' objects name the charts they
    # rendered (`pulumi_releases.rendered_chart_names`), which a full scan does not judge alone
    pulumi_documents: list[Path] = field(default_factory=list)
    # pre-commit: the kustomizations of those checkouts a full scan renders that build a Flux
    # HelmRelease or GitRepository (Flux's usual layout) or an Argo CD Application (an app of
    # apps), and the charts that render Applications, built as context for those deployers
    context_renderings: list[Path] = field(default_factory=list)


def plan(walk: Any, exclusions: Exclusions | None = None, search_deployers: bool = False) -> Plan:
    """Which directories are rendered, and which files that covers.

    A kustomization directory found by the walk, or holding a file named on the
    command line (pre-commit passes the staged patch or base file), is rendered
    unless another of them uses it as a base. `exclusions`: helmfiles above a
    staged file that an `exclude` glob names release nothing. `search_deployers`: the
    Argo CD and Flux deployers of the checkouts of the named files are found
    (`deployers_of_staged`), to judge those files as they deploy them."""
    from linter.loaders import display_path
    from linter.loaders.helm import CHART_FILE
    from linter.loaders.helmfile import helmfiles_above, is_helmfile

    out = Plan()
    if search_deployers:
        found = deployers_of_staged(walk, exclusions)
        out.deployer_files, out.staged, out.terraform_files = found.context, found.staged, found.terraform
        out.context_renderings, listings, out.pulumi_programs = found.built, found.listings, found.programs
        out.pulumi_documents = found.documents
        searched = found.helmfiles
    else:
        listings, searched = [], []
    for found in walk.files:
        if not found.context and is_helmfile(found.path):
            out.helmfiles.append(found.path)
            out.read.add(found.real_path)
    if not out.helmfiles:  # pre-commit: a staged chart or values file, judged as the helmfiles above it release it
        listed: dict[str, Path] = {}
        for found in walk.files:
            if found.placed and not found.context and found.path.name.endswith((".yaml", ".yml", ".tpl")):
                chart = chart_of(found.path)
                staged = os.path.realpath(chart) if chart is not None else found.real_path
                # and those of the checkout (an umbrella elsewhere nesting one that deploys it)
                for helmfile in [*helmfiles_above(found.path), *searched]:
                    real = os.path.realpath(helmfile)
                    if exclusions is not None and exclusions.excluding(real, False) is not None:
                        continue
                    out.helmfiles_touching.setdefault(listed.setdefault(real, helmfile), set()).add(staged)
    candidates: list[Path] = list(walk.kustomizations)
    if search_deployers:  # a staged base or component: built in the checkout's overlays that use it
        candidates += overlays_of_staged(walk, exclusions)
    chart_of_file: dict[str, Path] = {}  # a named file's chart (a template, a values file, Chart.yaml)
    for found in walk.files:
        if found.placed and kustomization_file(found.path.parent) is not None and found.path.parent not in candidates:
            candidates.append(found.path.parent)
        chart = chart_of(found.path) if found.placed else None
        if chart is not None:
            chart_of_file[found.real_path] = chart
        owner = _inflated_by(chart) if chart is not None else None
        if owner is not None and owner not in candidates:  # a staged file of a chart a kustomization inflates
            candidates.append(owner)
    reach: dict[str, tuple[list[Path], list[Path]]] = {}  # real dir -> (kustomization dirs, files) it renders
    for directory in candidates:
        reach[os.path.realpath(directory)] = _reachable(directory)
    used_as_base = {os.path.realpath(d) for key, (dirs, _) in reach.items() for d in dirs[1:]}
    seen: set[str] = set()
    for directory in candidates:
        key = os.path.realpath(directory)
        if key in used_as_base or key in seen:
            continue
        seen.add(key)
        dirs, files = reach[key]
        # the objects come from the files named as resources; the kustomization
        # files and patches beside them are rendered in, not judged alone
        out.renderings.append(Rendering(directory, "kustomize", _unique(files), dirs))
        why = f"rendered with the kustomization in {display_path(directory)}"
        for f in [*files, *(f for d in dirs for f in _manifests_in(d))]:
            out.covered.setdefault(os.path.realpath(f), why)
    # a chart a rendered kustomization inflates (`helmCharts:`) is judged with the values it
    # gives there, not alone with the chart's defaults (which nothing deploys)
    inflated = {os.path.realpath(chart) for rendering in out.renderings for d in rendering.kustomizations
                for chart in _inflated_charts(d)}
    charts = {os.path.realpath(chart): chart for chart in walk.charts
              if os.path.realpath(chart) not in inflated and not library_chart(chart)}
    # pre-commit: a staged chart's parents of the checkout (`file://`), rendered instead of it
    staged_charts = {os.path.realpath(c) for c in chart_of_file.values()}
    for parent in listings:
        if not staged_charts.isdisjoint(os.path.realpath(d) for d in charts_inside(parent)):
            charts.setdefault(os.path.realpath(parent), parent)
    # a chart another of them depends on (`file://`) is rendered inside it, with the values it
    # gives there, not alone with its own defaults (which nothing deploys so)
    inside = _rendered_inside({**{os.path.realpath(c): c for c in chart_of_file.values()}, **charts})
    for real in inside:
        charts.pop(real, None)
    named: dict[str, set[str]] = {}  # a chart's real path -> the real paths of its files the command line named
    for found in walk.files:  # a staged template or values file: its chart, rendered
        chart = chart_of_file.get(found.real_path)
        if chart is None:
            continue
        if library_chart(chart):  # helm installs none: what it defines is judged in the charts using it
            out.covered.setdefault(found.real_path, f"{LIBRARY_CHART} {display_path(chart)}")
            continue
        owner = _inflated_by(chart) if os.path.realpath(chart) in inflated else None
        if owner is not None:  # rendered with the kustomization that inflates its chart
            out.covered.setdefault(found.real_path, f"rendered with the kustomization in {display_path(owner)}")
            continue
        if os.path.realpath(chart) in inside:
            parent = inside[os.path.realpath(chart)]
            out.covered.setdefault(found.real_path, _inside_reason(parent, chart))
            continue
        chart = charts.setdefault(os.path.realpath(chart), chart)
        out.covered.setdefault(found.real_path, f"rendered with the Helm chart in {display_path(chart)}")
        if found.named:
            named.setdefault(os.path.realpath(chart), set()).add(found.real_path)
    for found in walk.files:  # a walked chart's Chart.yaml and values files: read by its rendering
        if found.real_path not in out.covered and (found.path.name == CHART_FILE or is_values_file(found.path.name)):
            chart = charts.get(os.path.realpath(found.path.parent))
            if chart is not None:
                out.covered[found.real_path] = f"rendered with the Helm chart in {display_path(chart)}"
            elif os.path.realpath(found.path.parent) in inside:
                parent = inside[os.path.realpath(found.path.parent)]
                out.covered[found.real_path] = _inside_reason(parent, found.path.parent)
            elif library_chart(found.path.parent):
                out.covered[found.real_path] = f"{LIBRARY_CHART} {display_path(found.path.parent)}"
    for real, chart in charts.items():
        out.renderings.append(Rendering(chart, "helm", named=named.get(real, set())))
    return out


def _inside_reason(parent: Path, chart: Path) -> str:
    """Why a file of `chart` is not judged alone: `parent` renders it inside it (`file://`, itself
    or through a chart it depends on so)."""
    from linter.loaders import display_path

    return f"rendered with the Helm chart in {display_path(parent)}, which has {display_path(chart)} inside it (file://)"


LIBRARY_CHART = "a library chart (`type: library`), which helm installs only in the charts that depend on it:"
# a chart's dependency on another chart of the checkout: `repository: file://../cache`
FILE_REPOSITORY = b"file://"
CHART_LISTINGS = ("Chart.yaml", "requirements.yaml")  # where a chart lists its dependencies (v2; v1)


def file_dependencies(chart: Path) -> list[Path]:
    """The charts `chart` depends on by a `file://` repository, as its Chart.yaml (an
    `apiVersion: v1` chart's requirements.yaml) lists them: what helm renders inside it. Read
    as a node tree (no alias is expanded), only when the text names `file://`."""
    import yaml

    found: list[Path] = []
    for name in CHART_LISTINGS:
        try:
            text = (chart / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        root = compose_text(text) if FILE_REPOSITORY.decode() in text else None
        listed = member(root, "dependencies")[1] if isinstance(root, yaml.MappingNode) else None
        for entry in listed.value if isinstance(listed, yaml.SequenceNode) else []:
            repository = member(entry, "repository")[1] if isinstance(entry, yaml.MappingNode) else None
            if isinstance(repository, yaml.ScalarNode):
                dependency = _local_dependency(chart, {"repository": repository.value})
                if dependency is not None:
                    found.append(dependency)
    return found


def charts_inside(chart: Path) -> list[Path]:
    """Every chart `chart` renders inside it by a `file://` repository: its `file_dependencies`,
    theirs in turn (umbrella -> service -> cache), as deep as the render puts them in."""
    found: dict[str, Path] = {os.path.realpath(chart): chart}
    below = [chart]
    for _ in range(FILE_DEPENDENCY_DEPTH):
        if not below:
            break
        below = [d for c in below for d in file_dependencies(c) if os.path.realpath(d) not in found]
        found.update((os.path.realpath(d), d) for d in below)
    return list(found.values())[1:]


def _rendered_inside(charts: dict[str, Path]) -> dict[str, Path]:
    """Of `charts` (real path -> chart), the ones a top chart of them (one no other of them
    has inside it) renders inside it (`charts_inside`: by a `file://` repository, itself or
    through the charts it depends on so): real path -> that top chart. Two charts that depend
    on each other and on nothing above are neither: both are rendered as before."""
    depends = {real: {os.path.realpath(d) for d in charts_inside(chart)} - {real} for real, chart in charts.items()}
    children = {d for deps in depends.values() for d in deps if d in charts}
    inside: dict[str, Path] = {}
    for parent, deps in sorted(depends.items()):
        if parent not in children:
            for child in sorted(deps & children):
                inside.setdefault(child, charts[parent])
    return inside


def chart_name(chart: Path) -> str | None:
    """`NAME-VERSION` of a chart, as its objects' `helm.sh/chart` label writes it (`helm create`'s
    helper: a `+` of the version written `_`); None when its Chart.yaml says neither."""
    try:
        data = (chart / "Chart.yaml").read_bytes()
    except OSError:
        return None
    name, version = _top_level_value(data, b"name"), _top_level_value(data, b"version")
    if not name or not version:
        return None
    return f"{name.decode('utf-8', 'replace')}-{version.decode('utf-8', 'replace')}".replace("+", "_")


def library_chart(chart: Path) -> bool:
    """Whether a chart is a library chart (`type: library` in its Chart.yaml): helm refuses to
    render it alone ("library charts are not installable"); its named templates render in the
    charts that use it."""
    try:
        data = (chart / "Chart.yaml").read_bytes()
    except OSError:
        return False  # rendered, and helm says what is wrong with it
    return b"library" in data and _top_level_value(data, b"type") == b"library"  # most charts: no line read


# the API groups a deployer's file names (its objects' `apiVersion`, and Flux's sources): a file
# whose bytes hold none of them is not parsed by the search for deployers. Without the `/` that
# follows them: JSON may write it `\/`, and `"kind": "Application"` has no one spacing, while a
# group is written verbatim in YAML and JSON alike
DEPLOYER_GROUPS = (b"argoproj.io", b"kustomize.toolkit.fluxcd.io", b"helm.toolkit.fluxcd.io",
                   b"source.toolkit.fluxcd.io")
# what a staged file may be for a deployer to deploy it: a chart's file, a manifest, a values file
STAGED_SUFFIXES = (".yaml", ".yml", ".json", ".tpl")
DEPLOYER_SUFFIXES = (".yaml", ".yml", ".json")
# Terraform: a file releasing a chart (`helm_release`), and one that may call the module that
# does (`module`, a word every call holds; `path.module` too: a file read for nothing costs a parse)
HELM_RELEASE, MODULE_CALL = b"helm_release", b"module"
# Terragrunt: a unit plans the module its `terraform` block names, or a file it includes names
# (`include`); one holding neither plans its own directory (found beside that directory's `.tf`)
UNIT_WORDS = (b"terraform", b"include")
# Helmfile: a helmfile (by its name) that releases or nests others
HELMFILE_WORDS = (b"releases", b"helmfiles")
# Pulumi YAML: a program releasing a chart (`kubernetes:helm.sh/v4:Chart`, `.../v3:Release`)
PULUMI_CHART = b"kubernetes:helm.sh/v"
# Pulumi YAML: a program applying manifests of the checkout (`kubernetes:yaml/v2:ConfigFile`, `ConfigGroup`)
PULUMI_MANIFESTS = b"kubernetes:yaml/v2:Config"
# Pulumi YAML: a program building a kustomization of the checkout
PULUMI_KUSTOMIZE = b"kubernetes:kustomize/v2:Directory"


@dataclass
class StagedDeployers:
    """What `deployers_of_staged` finds in the checkouts of the staged files (see there)."""

    context: list[Any] = field(default_factory=list)  # Argo CD and Flux files, read as context
    staged: set[str] | None = None  # the staged files' real paths (None: none named)
    terraform: dict[Path, bool] = field(default_factory=dict)  # `.tf` files: True releasing, False calling
    built: list[Path] = field(default_factory=list)  # renderings that build deployers (Plan.context_renderings)
    listings: list[Path] = field(default_factory=list)  # charts naming a `file://` dependency
    programs: list[Path] = field(default_factory=list)  # Pulumi YAML programs (Plan.pulumi_programs)
    helmfiles: list[Path] = field(default_factory=list)  # helmfiles that release or nest
    # Pulumi documents whose Chart components may have rendered a staged chart (Plan.pulumi_documents)
    documents: list[Path] = field(default_factory=list)


def deployers_of_staged(walk: Any, exclusions: Exclusions | None = None) -> StagedDeployers:
    """The files of the git checkouts holding the command line's files (pre-commit: the staged
    files) that hold Argo CD or Flux objects, as a full scan of the checkout would load them
    (`files_mentioning`: what a walk skips, and `exclusions`), as context (`Found.context`);
    the real paths of the staged files (a chart's file, a manifest or values file) their
    releases are judged for (None: none named); and the checkouts' Terraform files that
    mention `helm_release` (True) or `module` (False), whose roots release charts
    (`terraform_helm.context_helm_releases`; none when no staged file is a chart's or named in
    a `.tf` file, as a values file a release reads is); and the renderings whose deployers a
    full scan reads from what they build: the kustomizations it renders that build an Argo CD
    Application (an app of apps) or, when a staged file is a chart's, a Flux HelmRelease or
    GitRepository (`_top_kustomizations`), and the charts whose templates write an Application;
    and the charts whose Chart.yaml (requirements.yaml) names a `file://` repository, which may
    render a staged chart inside them (`_rendered_inside`); and the Pulumi YAML programs that
    release a chart (`PULUMI_CHART`) when a staged file is a chart's or named in them, or that
    apply manifests (`PULUMI_MANIFESTS`) or build a kustomization (`PULUMI_KUSTOMIZE`), and the
    Pulumi documents (JSON) that mention a chart when a staged file is a chart's; and the
    helmfiles (`HELMFILE_WORDS`; an umbrella in `envs/prod/` that nests `apps/helmfile.yaml`
    is not above the staged chart, where `helmfile.helmfiles_above` looks). The
    Terraform files include the Terragrunt units (`terragrunt.hcl`, False) that may plan another
    directory (`UNIT_WORDS`).
    One search per checkout: the bytes of
    its YAML and JSON files for a deployer's API group (`DEPLOYER_GROUPS`) and of its Terraform
    files for those words (and the staged files' names), before anything is parsed. A file of a
    kustomization's directory is not a deployer here: a full scan renders it with the
    kustomization instead of reading it."""
    from linter.loaders import Found, files_mentioning
    from linter.loaders.helmfile import is_helmfile
    from linter.loaders.pulumi_yaml import PROGRAM_FILES
    from linter.loaders.terraform import MODULE_SUFFIXES, UNIT_FILE
    from linter.paths import git_top

    staged: dict[str, Path] = {}
    charted = False  # a staged file of a chart: the Terraform roots are read for its releases
    for found in walk.files:
        if found.placed and not found.context:
            of_chart = chart_of(found.path) is not None
            if of_chart or found.path.name.endswith(STAGED_SUFFIXES):
                staged.setdefault(found.real_path, found.path)
                charted = charted or of_chart
    if not staged:
        return StagedDeployers()
    # a staged file of no chart is released only as a values file, which a `.tf` file names
    # (`file("${path.module}/values/web.yaml")`): its name is searched for too
    names = set() if charted else {os.fsencode(p.name) for p in staged.values()}
    if any(b"\n" in n for n in names):  # not searchable in git grep's lines: read the roots
        names, charted = set(), True
    tops: dict[Path, bool] = {}  # a checkout's top -> whether a staged file in it is named relative
    for real, path in staged.items():
        top = git_top(Path(os.path.dirname(real)))
        if top is not None:
            tops[top] = tops.get(top, False) or not path.is_absolute()
    known = {f.real_path for f in walk.files}
    out: list[Any] = []
    terraform: dict[Path, bool] = {}
    built: list[Path] = []  # kustomizations that build a deployer of a staged file (then charts that render one)
    listings: list[Path] = []  # charts naming a `file://` dependency
    charts: set[Path] = set()  # charts whose templates write an Argo CD Application
    programs: list[Path] = []  # Pulumi YAML programs releasing a chart or applying manifests
    documents: list[Path] = []  # Pulumi documents mentioning a chart
    helmfiles: list[Path] = []  # helmfiles that release or nest
    staged_chart = charted  # a staged file is a chart's (before a `.tf` file naming one counts)
    for top, relative in tops.items():
        kustomized: set[str] = set()  # directories of kustomizations that hold Flux files
        found = files_mentioning(Path(os.path.relpath(top)) if relative else top,
                                 (*DEPLOYER_GROUPS, HELM_RELEASE, MODULE_CALL, *UNIT_WORDS, FILE_REPOSITORY,
                                  PULUMI_CHART, PULUMI_MANIFESTS, PULUMI_KUSTOMIZE, *HELMFILE_WORDS,
                                  *sorted(names)),
                                 DEPLOYER_SUFFIXES + MODULE_SUFFIXES + (UNIT_FILE, ".gotmpl"), exclusions,
                                 templates=True)  # a Helm app of apps: Applications in a chart's templates
        for path, held in found.items():
            if path.name in CHART_LISTINGS and FILE_REPOSITORY in held and charted:
                listings.append(path.parent)  # a chart that may render a staged one inside it
            if path.name == UNIT_FILE:
                if not held.isdisjoint(UNIT_WORDS):
                    terraform[path] = False
                continue
            if path.name.endswith(MODULE_SUFFIXES):
                if HELM_RELEASE in held or MODULE_CALL in held:
                    terraform[path] = HELM_RELEASE in held
                charted = charted or not held.isdisjoint(names)
                continue
            if is_helmfile(path):
                if not held.isdisjoint(HELMFILE_WORDS):
                    helmfiles.append(path)
                continue
            if path.name in PROGRAM_FILES and not held.isdisjoint((PULUMI_CHART, PULUMI_MANIFESTS, PULUMI_KUSTOMIZE)):
                if PULUMI_MANIFESTS in held or PULUMI_KUSTOMIZE in held or staged_chart or not held.isdisjoint(names):
                    programs.append(path)
                continue
            if path.name.endswith(".json") and PULUMI_CHART in held and staged_chart \
                    and os.path.realpath(path) not in staged:
                documents.append(path)  # a stack export or preview: its Chart components' objects
            if held.isdisjoint(DEPLOYER_GROUPS):
                continue
            real = os.path.realpath(path)
            chart = chart_of(path)
            if chart is not None:  # a chart's template: a deployer it renders (a Helm app of apps)
                if ARGO_GROUP in held or charted and not held.isdisjoint(FLUX_HELM_GROUPS):
                    charts.add(_outermost_chart(chart))
            elif kustomization_file(path.parent) is not None:  # built by a kustomization: read from its build
                if _deploys_any(path, held) or charted and not held.isdisjoint(FLUX_HELM_GROUPS):
                    kustomized.add(os.path.realpath(path.parent))
            elif real not in known and not is_helmfile(path) and (not path.name.endswith(".json")
                                                                   or _kubernetes_json(path)):
                known.add(real)
                out.append(Found(path, context=True, real=real))
        if kustomized and any(FLUX_HELM_GROUPS[0] in held or _deploys_any(path, held) for path, held in found.items()):
            built += _top_kustomizations(Path(os.path.relpath(top)) if relative else top, kustomized, exclusions)
    built += sorted(charts)
    return StagedDeployers(out, set(staged), terraform if charted and any(terraform.values()) else {}, built,
                           _unique(listings), programs, helmfiles=helmfiles, documents=documents)


def _outermost_chart(chart: Path) -> Path:
    """The chart a full scan renders that holds `chart` (a subchart in `charts/` is rendered
    with its parent)."""
    while chart.parent.name == "charts" and os.path.isfile(chart.parent.parent / "Chart.yaml"):
        chart = chart.parent.parent
    return chart


def overlays_of_staged(walk: Any, exclusions: Exclusions | None = None) -> list[Path]:
    """The kustomizations of the git checkouts holding the command line's files (pre-commit:
    the staged files) that a full scan renders (none uses it as a base) and that build a
    staged file's kustomization directory: a staged base or component is built in each
    overlay that uses it, as a full scan builds it, not alone (`_top_kustomizations`, a
    bytes search of the checkout's kustomization files). Named as the staged file is."""
    from linter.paths import git_top

    holding: dict[Path, set[str]] = {}  # a checkout's top -> the staged files' kustomization directories
    relative: dict[Path, bool] = {}
    for found in walk.files:
        if not found.placed or found.context:
            continue
        top = git_top(Path(os.path.dirname(found.real_path)))
        directory = _kustomization_reaching(Path(found.real_path), top) if top is not None else None
        if top is not None and directory is not None:
            holding.setdefault(top, set()).add(directory)
            relative[top] = relative.get(top, False) or not found.path.is_absolute()
    out: list[Path] = []
    for top, directories in holding.items():
        out += _top_kustomizations(Path(os.path.relpath(top)) if relative[top] else top, directories, exclusions)
    return out


def _kustomization_reaching(file: Path, top: Path) -> str | None:
    """The real path of the kustomization directory that builds `file` (a real path): its own
    directory's, or the nearest above it, up to `top`, whose build reads it (`resources:
    [deployments/web.yaml]`: kustomize reads no file outside a kustomization's tree); None
    when no kustomization builds it."""
    directory = file.parent
    if kustomization_file(directory) is not None:
        return str(directory)
    if not file.name.endswith(MANIFEST_SUFFIXES):
        return None
    top = Path(os.path.realpath(top))
    if top not in directory.parents:
        return None
    for above in directory.parents:
        if kustomization_file(above) is not None \
                and str(file) in {os.path.realpath(f) for f in _reachable(above)[1]}:
            return str(above)
        if above == top:
            break
    return None


def _kubernetes_json(path: Path) -> bool:
    """Whether a JSON file that names a deployer's group holds Kubernetes objects, as a full
    scan reads it (`documents.sniff_json`, or a stream of objects, `documents.kubernetes_stream`):
    a plan, a state or a Pulumi document naming one (a `kubernetes_manifest` of an Application)
    deploys nothing, and is not loaded as context."""
    from linter.loaders.documents import kubernetes_stream, sniff_json

    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8")
        try:
            return sniff_json(json.loads(text)) == "kubernetes"
        except json.JSONDecodeError as exc:
            return exc.msg == "Extra data" and kubernetes_stream(text, str(path)) is not None
    except (OSError, RecursionError, ValueError, InputError):  # ValueError: not JSON, or not UTF-8
        return False  # a full scan reports it, and reads no deployer of it


# a Flux HelmRelease's group and its GitRepository's: what a kustomization built as context is for
FLUX_HELM_GROUPS = DEPLOYER_GROUPS[2:]
# Argo CD's group: an Application a kustomization builds or a chart renders deploys any staged file;
# so does a Flux Kustomization one builds (a `clusters/prod/kustomization.yaml` listing `apps.yaml`)
ARGO_GROUP, FLUX_KUSTOMIZE_GROUP = DEPLOYER_GROUPS[:2]
# what `flux bootstrap` writes in `flux-system/`: its controllers (CRDs naming every Flux group) and
# its own sync, a Kustomization of the directory holding it (which deploys nothing here): not
# deployers of a staged file, so no commit of a Flux checkout builds them for nothing
FLUX_BOOTSTRAP_FILES = ("gotk-components.yaml", "gotk-sync.yaml")


def _deploys_any(path: Path, held: set[bytes]) -> bool:
    """Whether a file a kustomization builds, holding the needles `held`, may hold a deployer of
    any staged file (not only of a chart's): an Argo CD Application, a Flux Kustomization."""
    return ARGO_GROUP in held or FLUX_KUSTOMIZE_GROUP in held and path.name not in FLUX_BOOTSTRAP_FILES


def _top_kustomizations(top: Path, holding: set[str], exclusions: Exclusions | None) -> list[Path]:
    """The kustomizations of the checkout at `top` a full scan renders (none uses it as a base)
    that build one of the directories `holding` (real paths): a second search of the checkout,
    for kustomization files that reference anything."""
    from linter.loaders import files_mentioning

    found = files_mentioning(top, (b"resources", b"bases", b"components"), KUSTOMIZATION_NAMES, exclusions)
    directories = sorted({p.parent for p in found if p.name in KUSTOMIZATION_NAMES})
    reached = {d: {os.path.realpath(r) for r in _reachable(d)[0]} for d in directories}
    used = {r for d, reach in reached.items() for r in reach if r != os.path.realpath(d)}
    return [d for d in directories if os.path.realpath(d) not in used and not reached[d].isdisjoint(holding)]


def chart_of(path: Path) -> Path | None:
    """The Helm chart a file belongs to: its Chart.yaml, a values file beside it,
    or a file under its templates/ (what a pre-commit hook passes when a chart changes)."""
    from linter.loaders.helm import CHART_FILE, chart_of_template

    directory = path.parent
    if path.name == CHART_FILE or is_values_file(path.name):
        return directory if os.path.isfile(directory / CHART_FILE) else None
    chart = chart_of_template(path)  # absolute: named as the file was (relative to here, or not)
    return chart if chart is None or path.is_absolute() else Path(os.path.relpath(chart))


def _reachable(directory: Path) -> tuple[list[Path], list[Path]]:
    """Kustomization directories (this one first) and plain files a kustomization
    renders, following local references (remote ones are kustomize's to fetch)."""
    dirs: list[Path] = []
    files: list[Path] = []
    pending = [directory]
    seen: set[str] = set()
    while pending:
        current = pending.pop(0)
        key = os.path.realpath(current)
        if key in seen:
            continue
        seen.add(key)
        kfile = kustomization_file(current)
        if kfile is None:
            continue
        dirs.append(current)
        for ref in _references(kfile):
            target = Path(os.path.normpath(current / ref))
            if os.path.isdir(target):
                pending.append(target)
            elif os.path.isfile(target):
                files.append(target)
    return dirs, files


def _kustomization(kfile: Path | None) -> dict[str, Any]:
    """A kustomization file's settings; {} when it is missing or unreadable (kustomize
    reports what is wrong with it when rendering)."""
    from linter.loaders.kubernetes import read_yaml

    try:
        docs = read_yaml(kfile.read_text(encoding="utf-8"), str(kfile)) if kfile is not None else []
    except (OSError, UnicodeDecodeError, InputError, RecursionError):
        return {}
    return docs[0] if docs and isinstance(docs[0], dict) else {}


def _references(kfile: Path) -> list[str]:
    doc = _kustomization(kfile)
    out: list[str] = []
    if doc:
        for key in REFERENCE_KEYS:
            listed = doc.get(key)
            for ref in listed if isinstance(listed, list) else []:  # kustomize says what else is wrong
                if isinstance(ref, str) and not _remote_reference(ref):
                    out.append(ref)
    return out


def _remote_reference(ref: str) -> bool:
    """A kustomization's `resources` entry kustomize fetches: a git repository, a URL."""
    return "://" in ref or ref.startswith(("github.com/", "git@"))


def _manifests_in(directory: Path) -> list[Path]:
    return [directory / n for n in sorted(_listdir(directory))
            if (n.lower().endswith(MANIFEST_SUFFIXES) or n in KUSTOMIZATION_NAMES) and os.path.isfile(directory / n)]


def _unique(paths: list[Path]) -> list[Path]:
    seen: set[str] = set()
    out = []
    for p in paths:
        real = os.path.realpath(p)
        if real not in seen:
            seen.add(real)
            out.append(p)
    return out


def _listdir(directory: Path) -> list[str]:
    try:
        return os.listdir(directory)
    except OSError:
        return []


def _helm_test_hook(r: Resource) -> bool:
    meta = r.attrs.get("metadata") if isinstance(r.attrs, dict) else None
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    hook = annotations.get("helm.sh/hook") if isinstance(annotations, dict) else None
    return isinstance(hook, str) and any(h.strip() in ("test", "test-success") for h in hook.split(","))


def _inflated_by(chart: Path) -> Path | None:
    """The directory of the kustomization that inflates the local chart `chart` from its
    chart home (`<dir>/charts/<name>`, or `<dir>/charts/<name>-<version>/<name>`), if any."""
    real = os.path.realpath(chart)
    for owner in (chart.parent.parent, chart.parent.parent.parent):
        if kustomization_file(owner) is not None and real in map(os.path.realpath, _inflated_charts(owner)):
            return owner
    return None


def _inflated_charts(directory: Path) -> list[Path]:
    """The local charts the kustomization in `directory` inflates: each `helmCharts` entry's
    chart where kustomize looks for it (`_entry_chart`), when it is there."""
    doc = _kustomization(kustomization_file(directory))
    entries, home = doc.get("helmCharts"), _chart_home(doc)
    found = [_entry_chart(directory, home, entry) for entry in entries] if isinstance(entries, list) else []
    return [chart for chart in found if chart is not None and os.path.isfile(chart / "Chart.yaml")]


def _entry_chart(directory: Path, home: str, entry: Any) -> Path | None:
    """Where kustomize looks for a `helmCharts` entry's chart: `<home>/<name>-<version>/<name>`
    for one with a `repo` and a `version` (where it pulls one), else `<home>/<name>`; None for
    an entry with no usable name."""
    name = entry.get("name") if isinstance(entry, dict) else None
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        return None
    version = entry.get("version")
    pulled = entry.get("repo") and version is not None and str(version)
    return directory / home / f"{name}-{version}" / name if pulled else directory / home / name


def _chart_home(kustomization: dict[str, Any]) -> str:
    """Where a kustomization's helmCharts are, relative to it: `helmGlobals.chartHome`, else `charts`."""
    settings = kustomization.get("helmGlobals")
    home = settings.get("chartHome") if isinstance(settings, dict) else None
    return home if isinstance(home, str) and home else "charts"


@dataclass(frozen=True)
class _Fetched:
    """An entry of the kustomization `kfile` (at `line`) whose content kustomize fetches as it
    builds: a `helmCharts` entry naming a `repo` whose chart is not where kustomize looks for
    it (`_entry_chart`; pulled there, into the kustomization's directory), or a remote
    `resources` (`bases`, `components`) entry (a git repository, a URL)."""

    kfile: Path
    key: str
    entry: Any
    line: int | None

    def not_fetched(self) -> ChartNotFetched:
        from linter.loaders import display_path
        from linter.loaders.unfetched import ChartNotFetched, fetched_from

        if self.key != "helmCharts":
            return ChartNotFetched(display_path(self.kfile), self.line,
                                   f"kustomization {display_path(self.kfile.parent)}", str(self.entry))
        name, version = self.entry.get("name"), self.entry.get("version")
        release = self.entry.get("releaseName")
        chart = fetched_from(name, self.entry.get("repo"), None if version is None else str(version))
        return ChartNotFetched(display_path(self.kfile), self.line,
                               f"kustomize helmCharts release {release if isinstance(release, str) and release else name}",
                               chart or str(name))


def _fetched_entries(kustomizations: list[Path]) -> list[_Fetched]:
    """The entries of the build's kustomizations whose content kustomize fetches as it builds."""
    out = []
    for directory in kustomizations:
        kfile = kustomization_file(directory)
        doc = _kustomization(kfile)
        if kfile is None or not doc:
            continue
        home = _chart_home(doc)
        keys = ("helmCharts", *REFERENCE_KEYS)
        found = []  # (key, index, entry)
        for key in keys:
            entries = doc.get(key)
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                if key == "helmCharts":
                    fetched = isinstance(entry, dict) and bool(entry.get("repo")) and (
                        chart := _entry_chart(directory, home, entry)) is not None \
                        and not os.path.isfile(chart / "Chart.yaml")
                else:
                    fetched = isinstance(entry, str) and _remote_reference(entry)
                if fetched:
                    found.append((key, i, entry))
        if found:  # their lines: the file's node tree, read only then
            _, lists = _kustomization_entries(directory, *keys)
            nodes = dict(zip(keys, lists))
            out += [_Fetched(kfile, key, entry, int(nodes[key][i].start_mark.line) + 1 if i < len(nodes[key]) else None)
                    for key, i, entry in found]
    return out


def _inflates_charts(kustomizations: list[Path]) -> bool:
    """Some kustomization of the build lists `helmCharts` (kustomize's HelmChartInflationGenerator),
    which kustomize renders with helm only under `--enable-helm`."""
    return any(_kustomization(kustomization_file(directory)).get("helmCharts") for directory in kustomizations)


def kustomize_command() -> list[str] | None:
    import shutil

    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def load(rendered: Plan, options: dict[str, Any], out: Any) -> None:
    """Render each planned directory and add its objects (or an error, or a note) to `out`,
    once the scan's files are loaded: a chart of this repository that one of its Argo CD
    Applications, Flux HelmReleases, Helmfile releases or Terraform `helm_release`s deploys
    is rendered as each such release renders it, not alone (nothing deploys it so)."""
    from linter.loaders import display_path
    from linter.loaders.argocd import argo_sources
    from linter.loaders.flux import flux_sources
    from linter.loaders.helmfile import helmfile_releases
    from linter.loaders.pulumi_releases import context_documents, pulumi_releases, rendered_chart_names
    from linter.loaders.pulumi_yaml import applying, context_programs
    from linter.loaders.terraform_helm import context_helm_releases, terraform_releases
    from linter.normalize.tokens import PULUMI_DEPLOYERS

    helmfiles = helmfile_releases(rendered.helmfiles, out, rendered.helmfiles_touching)
    # pre-commit: the checkout's Terraform roots that release charts, as context
    context = context_helm_releases(rendered.terraform_files, out, options) if rendered.terraform_files else []
    # the releases of resources that deploy charts: Terraform's, then Pulumi's (below)
    by_resources = terraform_releases(out, options, context, rendered.staged)
    # pre-commit: the Pulumi YAML programs of the checkout, as context: one that applies a staged
    # manifest (a ConfigFile) is judged with it, its own resources and other files not reported
    programs = context_programs(rendered.pulumi_programs, out, options) if rendered.pulumi_programs else []
    applied_here, quiet_files = applying(programs, rendered.staged or set())
    out.resources += [r for r in applied_here if r.raw_type not in PULUMI_DEPLOYERS]  # its charts: as context, below
    out.context_files |= quiet_files
    # the manifests a Pulumi YAML program applies: judged as the program applies them, not as the walk read them
    applied = {os.path.realpath(r.location.file) for r in out.resources if r.meta.get("applied_by")}
    if applied:
        _take_back(out, applied)
    # a Pulumi YAML program's Charts and Releases, deployed alike (pre-commit: the checkout's, as
    # context); the kustomizations its Directories build, as an Argo CD Application's (below)
    by_programs = pulumi_releases(out, by_resources, [r for r in programs if r.raw_type in PULUMI_DEPLOYERS],
                                  rendered.staged)
    if helmfiles.read or by_resources.read:  # values files of theirs the walk met are read, not skipped
        read = {display_path(f) for f in helmfiles.read | by_resources.read}
        out.skipped = [s for s in out.skipped if s.file not in read]
        out.notes = [n for n in out.notes if n.partition(": skipped: ")[0] not in read]
        out.files += sorted(read - set(out.files))
    # pre-commit: the checkout's deployers read as context release what renders a staged file
    deployers = argo_sources(out, rendered.staged) + flux_sources(out, rendered.staged) + by_programs
    from_context = {id(d) for d in deployers if display_path(d.file) in out.context_files}
    from_context |= {id(r) for r in by_resources.releases if display_path(r.file) in by_resources.context_files}
    errors = len(out.errors)
    releases = [r for r in deployers if isinstance(r, ChartRelease)] + helmfiles.releases + by_resources.releases
    kustomized: list[KustomizationRelease] = []
    deployed = helmfiles.deployed | by_resources.deployed | {os.path.realpath(a.chart) for a in releases}
    # the charts whose objects a Pulumi document holds as a Chart component's children (pre-commit:
    # the checkout's documents too, read as context)
    named = rendered_chart_names(out.resources)
    if rendered.pulumi_documents:
        named |= rendered_chart_names(context_documents(rendered.pulumi_documents, out, options))
    deployed |= {os.path.realpath(r.directory) for r in rendered.renderings
                 if r.kind == "helm" and named and chart_name(r.directory) in named}

    def deploy(found: list[Release]) -> None:
        """Releases found: what they deploy is judged as they deploy it, not alone (nor at all,
        with a note, when how is not known here)."""
        for unknown in (r for r in found if isinstance(r, NotKnownRelease)):
            deployed.add(os.path.realpath(unknown.target))
            if unknown.listed:
                listed_here = {os.path.realpath(p) for p in unknown.listed}
                deployed.update(listed_here)
                _take_back(out, listed_here)
            note = unknown.note()
            if note not in out.notes:
                out.notes.append(note)
        charts = [r for r in found if isinstance(r, ChartRelease)]
        releases.extend(charts)
        deployed.update(os.path.realpath(r.chart) for r in charts)
        more = [r for r in found if isinstance(r, KustomizationRelease)]
        if kustomize_command() is None:  # a directory without a kustomization stays as the repository has it
            for k in more:
                if k.listed is not None and not k.as_written():
                    out.notes.append(f"{display_path(k.directory)}: not judged as the {k.deployer} in "
                                     f"{display_path(k.file)} deploys it: neither kustomize nor kubectl is on PATH")
            more = [k for k in more if k.listed is None or k.as_written()]
        kustomized.extend(more)
        deployed.update(os.path.realpath(k.directory) for k in more)
        # a staged base's kustomization is built in the overlay a deployer of the checkout deploys,
        # as a full scan builds it (the overlay uses it as a base), not alone
        deployed.update(os.path.realpath(d) for k in more if id(k) in from_context for d in k.rendering().kustomizations)
        # a directory without a kustomization a deployer applies: its kustomizations are built
        # in its build, its manifests judged as deployed (below), not as the walk loaded them
        listed = {os.path.realpath(p) for k in more for p in k.listed or []}
        deployed.update(listed)
        # and a file a kustomization reads outside its directories (Flux builds without kustomize's
        # load restrictions: `../../shared/deploy.yaml`), which a full scan's walk leaves to the
        # build: pre-commit names it, and it is judged as built, not also as the walk loaded it
        reached = listed | {os.path.realpath(f) for k in more if not k.load_restricted and k.listed is None
                            for f in k.rendering().sources}
        if reached:
            _take_back(out, reached)

    deploy([r for r in deployers if not isinstance(r, ChartRelease)])
    built: set[int] = set()  # the kustomization releases built already

    def build(kustomization: KustomizationRelease) -> list[Resource]:
        """Its objects, added to `out`."""
        built.add(id(kustomization))
        start = len(out.resources)
        if kustomization.as_written():
            _load_as_written(kustomization, out)
        else:
            _load_kustomization(kustomization.rendering(), options, out, kustomization)
        if kustomization.listed is not None:  # the files it read (and its kustomizations'): inputs of the scan
            inputs = [p if not os.path.isdir(p) else kustomization_file(p) for p in kustomization.listed]
            if id(kustomization) in from_context:  # a directory's manifests: only the staged ones are the scan's
                _only_staged(out, out.resources[start:], rendered.staged or set())
                inputs = [p for p in inputs if p is not None and os.path.realpath(p) in (rendered.staged or set())]
            _read_too(out, [p for p in inputs if p is not None])
        objects: list[Resource] = out.resources[start:]
        return objects

    # Deployers a kustomization builds or a chart renders (an Argo CD app of apps:
    # `apps/kustomization.yaml` listing Applications, or an `apps/` chart templating them;
    # Flux's usual layout: `apps/base/web/release.yaml` beside a kustomization) are deployers
    # too: the kustomizations and charts whose files write one are built first, alone or as
    # released, and what the deployers among their objects deploy is judged as deployed, not
    # alone. Round after round (an app of apps of apps), each built once.
    alone: set[str] = set()  # real paths of the directories built alone so far
    # what each made: its objects, errors and notes (taken back when a deployer found later deploys it)
    made_alone: dict[str, tuple[list[Resource], list[InputError], list[str]]] = {}
    released: set[int] = set()  # the chart releases rendered so far
    deployer_files: set[str] = set()  # real paths of the files of the deployers found so far
    own: list[Resource] = []  # what a round built of the scan's own
    context_built: list[Resource] = []  # and for deployers read as context (pre-commit)

    def built_for(release: ChartRelease | KustomizationRelease, objects: list[Resource], errors_before: int) -> None:
        """What building `release` made, to read its deployers from: a context deployer's
        release that renders no staged file (an app of apps) says nothing of its own."""
        if id(release) not in from_context:
            own.extend(objects)
            return
        context_built.extend(objects)
        if not release.touches(rendered.staged or set()):
            _only_staged(out, objects, set())
            del out.errors[errors_before:]

    for round_ in range(DEPLOYER_ROUNDS):
        own.clear()
        context_built.clear()
        for rendering in rendered.renderings:
            real = os.path.realpath(rendering.directory)
            if real not in deployed and real not in alone and _writes_deployers(
                    rendering.sources if rendering.kind == "kustomize" else _chart_templates(rendering.directory)):
                alone.add(real)
                start, start_errors, start_notes = len(out.resources), len(out.errors), len(out.notes)
                (_load_kustomization if rendering.kind == "kustomize" else _load_chart)(rendering, options, out)
                made_alone[real] = (out.resources[start:], out.errors[start_errors:], out.notes[start_notes:])
                own += out.resources[start:]
        for release in list(releases):
            if id(release) not in released and makes_deployers(release):
                released.add(id(release))
                start, start_errors = len(out.resources), len(out.errors)
                _load_release(release, options, out)
                built_for(release, out.resources[start:], start_errors)
        for kustomization in list(kustomized):
            # (a directory's listed manifests were read as deployers where the walk loaded them)
            if id(kustomization) not in built and makes_deployers(kustomization):
                start_errors = len(out.errors)
                built_for(kustomization, build(kustomization), start_errors)
        inner = _released_by_built(out, own, rendered.staged)
        if round_ == 0 and rendered.context_renderings:  # pre-commit: the checkout's renderings that make deployers
            # (alone: one a context deployer releases is built as it releases it, above)
            context_built += _built_as_context([d for d in rendered.context_renderings
                                                if os.path.realpath(d) not in deployed], options)
        from_built_context = _released_by_built(out, context_built, rendered.staged, context=True)
        from_context.update(id(r) for r in from_built_context)
        # their files are context, as a deployer's plain file read as context is: what is said
        # at their lines (a substituted variable's) is not the commit's
        out.context_files.update(display_path(r.file) for r in from_built_context
                                 if os.path.realpath(r.file) not in (rendered.staged or set()))
        inner = [*inner, *from_built_context]
        deployer_files.update(os.path.realpath(r.file) for r in inner)
        inner = _taken_from_alone(inner, made_alone, alone, deployer_files, out)
        # a kustomization built already as a deployer releases it is not built again
        building = {os.path.realpath(k.directory) for k in kustomized if id(k) in built}
        inner = [r for r in inner if not isinstance(r, KustomizationRelease)
                 or os.path.realpath(r.directory) not in building]
        if not inner:
            break
        deploy(inner)
    charts: list[Rendering] = []
    for rendering in rendered.renderings:
        real = os.path.realpath(rendering.directory)
        if real in deployed or real in alone:
            continue  # rendered as each release deploys it (below), not alone; or built above
        if rendering.kind == "kustomize":
            _load_kustomization(rendering, options, out)
        else:
            charts.append(rendering)
    for rendering in charts:
        if os.path.realpath(rendering.directory) not in deployed:
            _load_chart(rendering, options, out)
    for release in releases:
        if id(release) not in released:
            _load_release(release, options, out)
    for kustomization in kustomized:
        if id(kustomization) not in built:
            build(kustomization)
    if from_context:  # what a deployer read as context says of itself is not the scan's
        quiet = out.context_files | by_resources.context_files
        out.errors[errors:] = [e for e in out.errors[errors:] if e.file not in quiet]


# rounds of deployers built by kustomizations that deploy kustomizations building deployers
DEPLOYER_ROUNDS = 3
# the API groups of the deployers a kustomization's build is read for (Flux HelmReleases) and of
# the GitRepositories a HelmRelease names (`flux bootstrap`'s `flux-system/` kustomization),
# verbatim in YAML and JSON alike; Argo CD's group with the word its kinds share (Argo
# Rollouts and Workflows are of the group too)
BUILT_DEPLOYER_GROUPS = DEPLOYER_GROUPS[2:]
ARGO_APPLICATION_WORDS = (DEPLOYER_GROUPS[0], b"Application")


def _taken_from_alone(found: list[Release],
                      made_alone: dict[str, tuple[list[Resource], list[InputError], list[str]]],
                      alone: set[str], deployers: set[str], out: Any) -> list[Release]:
    """The releases `found` (by deployers a build made) that may be judged: one of a chart or
    kustomization built alone in an earlier step takes it back from `out` (its objects, errors
    and notes: the release judges it as deployed instead), unless that alone build made a
    deployer that deploys something (one whose file is among `deployers`: an app of apps of
    apps, or one deploying itself): it stays built alone, and the release is left out (what it
    deploys is judged once)."""
    kept: list[Release] = []
    for release in found:
        target = os.path.realpath(release_target(release))
        made = made_alone.get(target) if target in alone else None
        if made is None:
            kept.append(release)
            continue
        if any(os.path.realpath(r.location.file) in deployers for r in made[0]):
            continue
        taken = {id(x) for x in [*made[0], *made[1]]}
        out.resources = [r for r in out.resources if id(r) not in taken]
        out.errors = [e for e in out.errors if id(e) not in taken]
        for note in made[2]:
            if note in out.notes:
                out.notes.remove(note)
        alone.discard(target)
        kept.append(release)
    return kept


def _chart_templates(chart: Path) -> list[Path]:
    """The files of a chart's `templates/` (what may write a deployer it renders)."""
    found: list[Path] = []
    for directory, _, names in os.walk(chart / "templates"):
        found += [Path(directory) / name for name in sorted(names)]
    return found


def _writes_deployers(files: list[Path]) -> bool:
    """Whether one of `files` may write an Argo CD Application or ApplicationSet, or a Flux
    HelmRelease (a bytes search: most kustomizations write none, and are built in their turn)."""
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if any(group in data for group in BUILT_DEPLOYER_GROUPS) or all(w in data for w in ARGO_APPLICATION_WORDS):
            return True
    return False


def _released_by_built(out: Any, built: list[Resource], staged: set[str] | None,
                       context: bool = False) -> list[Release]:
    """What the Argo CD Applications (and ApplicationSets) and Flux HelmReleases and
    Kustomizations among `built` (the objects rendered kustomizations built) deploy, as
    `argo_sources` and `flux_sources` read one written in a plain file; a Flux object's
    GitRepository may be anywhere in the scan (a `flux-system/` kustomization builds it too),
    the ConfigMaps and Secrets a `valuesFrom` reads are of the same build. A Flux
    Kustomization deploying a directory that holds its own file is Flux's own sync
    (`flux bootstrap`'s `flux-system`, syncing `clusters/prod`, which the scan reads anyway):
    it deploys nothing here. A value, replica count or substituted variable is named at its
    line only when the deployer was built as its file writes it (no patch changed it).
    `context`: `built` is pre-commit's context: only releases of a staged file count, and
    nothing of theirs is said."""
    from types import SimpleNamespace

    from linter.loaders.argocd import APPLICATION, APPLICATION_SET, argo_sources, is_settings
    from linter.loaders.flux import GIT_REPOSITORY, HELM_RELEASE, KUSTOMIZATION, VALUES_KINDS, flux_sources

    deployers = [r for r in built if r.type in (HELM_RELEASE, KUSTOMIZATION, APPLICATION, APPLICATION_SET)]
    if not deployers:
        return []
    # and Argo CD's settings (argocd-cm), wherever in the scan they are
    sources = [r for r in [*out.resources, *(built if context else ())] if r.type == GIT_REPOSITORY or is_settings(r)]
    values = [r for r in built if r.type in VALUES_KINDS.values()]  # what a `valuesFrom` reads: of the same build
    releases: list[Release] = []
    for deployer in deployers:
        view = SimpleNamespace(
            resources=[*sources, *values, deployer],
            context_files=out.context_files | {r.location.file for r in built} if context else out.context_files,
            errors=[] if context else out.errors, notes=[] if context else out.notes)
        made = [*argo_sources(view, staged),
                *(r for r in flux_sources(view, staged)
                  if deployer.type != KUSTOMIZATION or not within(Path(deployer.location.file), release_target(r)))]
        # rendered with values (a chart's environment, a release): the same deployer may be
        # rendered again with others, each deploying what it names its own way
        environment, option = deployer.meta.get("environment"), deployer.meta.get("environment_option")
        for release in made if environment and option else ():
            release.deployer += f" (with {option} {environment})"
            release.scope += f" (with {option} {environment})"
        releases += made
    for release in releases:
        if isinstance(release, NotKnownRelease):
            continue
        if (release.value_places or release.parameter_places if isinstance(release, ChartRelease)
                else release.replicas_at or release.substituted_at or release.patches_at) \
                and not _as_written(release, deployers):
            if isinstance(release, ChartRelease):  # a patch changed the deployer: its lines are not known
                release.value_places = release.parameter_places = None
            else:
                release.replicas_at, release.substituted_at, release.patches_at = [], {}, None
    return releases


def _built_as_context(directories: list[Path], options: dict[str, Any]) -> list[Resource]:
    """What the kustomizations and charts in `directories` build, as a full scan renders them
    alone, read for their deployers only: nothing of theirs (errors, notes, files) is the scan's."""
    from linter.loaders import Loaded

    scratch = Loaded()
    for directory in directories:
        try:
            if kustomization_file(directory) is not None:
                dirs, files = _reachable(directory)
                _load_kustomization(Rendering(directory, "kustomize", _unique(files), dirs), options, scratch)
            else:
                _load_chart(Rendering(directory, "helm"), options, scratch)
        except Exception:  # last resort: context that cannot be built releases nothing
            continue
    return scratch.resources


def _as_written(release: ChartRelease | KustomizationRelease, built: list[Resource]) -> bool:
    """Whether the deployer `release` was read from holds what its file writes where a note
    may name lines (a HelmRelease's `spec.values`, an Application's `spec`): no kustomization
    patched or renamed it."""
    from linter.loaders.flux import HELM_RELEASE
    from linter.loaders.kubernetes import read_yaml

    def said(r: Any) -> Any:
        spec = mapping_of(r.get("spec")) if isinstance(r, dict) else {}
        return spec.get("values") if kind == HELM_RELEASE else spec

    objects = [r for r in built if r.name == release.name and r.location.file == str(release.file)]
    kind = objects[0].type if len(objects) == 1 else None
    try:
        written = [said(d) for d in read_yaml(Path(release.file).read_text(encoding="utf-8"), str(release.file))
                   if isinstance(d, dict) and mapping_of(d.get("metadata")).get("name") == release.name]
    except (OSError, UnicodeDecodeError, InputError, RecursionError):
        return False
    return kind is not None and written == [said(objects[0].attrs)]


def _only_staged(out: Any, resources: list[Resource], staged: set[str]) -> None:
    """The files of `resources` that are not staged become context: a directory of
    manifests a deployer applies is judged whole, but only the staged files' findings are
    the commit's (as a staged manifest's siblings)."""
    for r in resources:
        shown = r.location.file
        if shown not in out.context_files and (out.real_paths.get(shown) or os.path.realpath(shown)) not in staged:
            out.context_files.add(shown)


def _load_as_written(release: KustomizationRelease, out: Any) -> None:
    """The manifests a deployer applies as they are written (`KustomizationRelease.as_written`),
    as it applies them (`_as_released`): each object at its own file and lines."""
    resources = [r for path in release.listed or [] for r in _objects_in(path)]
    _as_released(resources, release)
    out.resources.extend(resources)


def _read_too(out: Any, paths: list[Path]) -> None:
    """Files a deployer's release read, among the scan's inputs (once)."""
    from linter.loaders import display_path

    known = set(out.files)
    for shown in map(display_path, paths):
        if shown not in known:
            known.add(shown)
            out.files.append(shown)


def _take_back(out: Any, files: set[str]) -> None:
    """Drop what the walk loaded from `files` (real paths) as plain manifests: a deployer
    applies them, and they are judged as it does, not also as the repository has them."""
    from linter.loaders import KUBERNETES_SCOPE

    real: dict[str, str] = {}

    def deployed(r: Resource) -> bool:
        shown = r.location.file
        if shown not in real:
            real[shown] = out.real_paths.get(shown) or os.path.realpath(shown)
        return real[shown] in files

    out.resources = [r for r in out.resources if r.meta.get("scope") != KUBERNETES_SCOPE or not deployed(r)]


def _load_kustomization(rendering: Rendering, options: dict[str, Any], out: Any,
                        release: KustomizationRelease | None = None) -> None:
    """A kustomization rendered (`kustomize build`, or `kubectl kustomize`), its objects
    pointed at the files that write them; with `release`, as the Argo CD Application
    deploys it (its kustomize options over it, into its namespace)."""
    from linter.loaders import display_path

    kfile = kustomization_file(rendering.directory)
    listed = release.listed if release is not None else None
    # the file an object that names no origin points at: the kustomization, or the deployer
    # that writes one (Flux, for a directory without)
    shown = display_path(kfile or (release.file if release is not None and listed is not None
                                   else rendering.directory))
    command = kustomize_command()
    if command is None:
        out.notes.append(f"{display_path(rendering.directory)}: a kustomization, not judged: neither kustomize "
                         f"nor kubectl is on PATH (`kustomize build {display_path(rendering.directory)} | resilint scan -`)")
        return
    if _inflates_charts(rendering.kustomizations) and (release is None or release.helm_enabled is not False):
        # `helmCharts:` runs helm, only when asked to (Argo CD: when its argocd-cm asks)
        import shutil

        if shutil.which("helm") is None:
            out.notes.append(f"{display_path(rendering.directory)}: a kustomization with helmCharts, not judged: helm "
                             f"is not on PATH (`kustomize build --enable-helm {display_path(rendering.directory)} "
                             f"| resilint scan -`)")
            return
        command = [*command, "--enable-helm"]
    if release is not None and not release.load_restricted:
        command = [*command, *UNRESTRICTED]
        outside = _read_outside(rendering.kustomizations) if release.load_restricted is None else None
        if outside:  # what this Argo CD does is not known here: built as the author means it to be
            reader, read = outside
            out.notes.append(
                f"{display_path(reader)}: built without kustomize's load restrictions: it reads "
                f"{display_path(read)}, outside its directory, which {release.deployer} builds only where its "
                "Argo CD's argocd-cm sets `kustomize.buildOptions: --load-restrictor LoadRestrictionsNone` "
                "(the scan reads no argocd-cm manifest; without that setting, the sync fails)")
    keys = release.options if release is not None else None
    if listed is not None:  # the kustomization the deployer writes for it lists them
        keys = {**(keys or {}), "resources": [str(p) for p in listed]}
    missing = _missing_generator_sources(rendering.kustomizations) if listed is None else []
    fetched = _fetched_entries(rendering.kustomizations) if listed is None else []
    pulls = any(entry.key == "helmCharts" for entry in fetched)
    plugins = _plugins(rendering.kustomizations)
    runs = [plugin for plugin in plugins if not plugin.left_out()]
    if runs:  # what it makes or changes is known only by running it, which a linter does not
        out.notes.append(f"{shown}: not judged: {runs[0].said()} runs code a linter does not run, so what it "
                         f"makes or changes is not known here (`kustomize build --enable-alpha-plugins "
                         f"--enable-exec {display_path(rendering.directory)} | resilint scan -` where it is installed)")
        return
    restricted = bool(keys and (keys.get("components") or keys.get("resources")))  # no copy can be built
    if not (missing or pulls or plugins) or restricted:
        if pulls or plugins:  # built as it is (components named from the checkout): it cannot be built so
            where = "its components are" if keys and keys.get("components") else "the files its deployer lists are"
            out.notes.append(f"{shown}: not judged: " + (_PULL_NOT_COPIED if pulls else _PLUGIN_NOT_COPIED).format(
                why=f"{where} built where they are", directory=display_path(rendering.directory)))
            return
        held: list[InputError] = []
        _build_kustomization(rendering, command, keys, shown, options, out, release, rendering.directory,
                             held if fetched and not restricted else None)
        if held:
            _judge_without_fetched(rendering, command, keys, shown, options, out, release, held[0], [], [], fetched)
        return
    import shutil
    import tempfile

    # built from a copy: a generator's file that is not in the checkout (a gitignored
    # `secrets.env`, made where the kustomization is deployed), which kustomize refuses the
    # whole build without, is made empty there, and what the generator makes is not known
    # here; a chart kustomize pulls is written into the copy's chartHome, not the checkout's;
    # a plugin left out (`_Plugin.left_out`) is taken out of the copy's kustomization
    copy = Path(tempfile.mkdtemp(prefix="resilint-kustomize-copy-"))
    try:
        left_out = [(plugin.kfile, plugin.key, plugin.entry) for plugin in plugins]
        made = _with_generator_sources(rendering, missing, copy, left_out)
        if made is None:  # too big to copy, or unreadable: built as it is, kustomize says what is missing
            if pulls or plugins:  # a pull would write into the checkout, a plugin stop the build: not built
                out.notes.append(f"{shown}: not judged: " + (_PULL_NOT_COPIED if pulls else _PLUGIN_NOT_COPIED)
                                 .format(why="it is too big to build from a copy",
                                         directory=display_path(rendering.directory)))
                return
            _build_kustomization(rendering, command, keys, shown, options, out, release, rendering.directory)
            return
        built, common = made
        for kfile_of, key, source, _ in missing:
            out.notes.append(f"{display_path(kfile_of)}: its {key} reads {source}, which is not in the checkout "
                             "(made where it is deployed): built with it empty, so what that generator makes is "
                             "not known here")
        for plugin in plugins:
            out.notes.append(f"{display_path(plugin.kfile)}: {plugin.said()} is left out of the build (a linter "
                             f"runs no plugin): {plugin.left_out()}")
        errors = len(out.errors)
        held = []
        _build_kustomization(rendering, command, keys, shown, options, out, release, built, held if fetched else None)
        for err in [*out.errors[errors:], *held]:  # what kustomize said of the copy, said of the checkout
            err.message = err.message.replace(str(copy), common)
        if held:
            _judge_without_fetched(rendering, command, keys, shown, options, out, release, held[0], missing,
                                   left_out, fetched)
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def _judge_without_fetched(rendering: Rendering, command: list[str], keys: dict[str, Any] | None, shown: str,
                           options: dict[str, Any], out: Any, release: KustomizationRelease | None,
                           failed: InputError, missing: list[tuple[Path, str, str, bool]],
                           left_out: list[tuple[Path, str, Any]], fetched: list[_Fetched]) -> None:
    """A build that `failed`. When what stopped it is something it fetches that could not be
    fetched here (NOT_FETCHED: no network, as on pre-commit.ci), what the build fetches is
    listed as not judged (`unfetched`: a remote base is a source of another repository, as
    an Argo CD one is), and the rest is built without those entries, from a copy, and
    judged; a build that needs them (a patch of their objects) stays a note, as any other
    failure is reported (`_build_failed`)."""
    import shutil
    import tempfile

    if NOT_FETCHED not in failed.message:
        _build_failed(out, failed, rendering.directory, release)
        return
    not_fetched = [entry.not_fetched() for entry in fetched]
    out.charts_not_fetched += not_fetched
    copy = Path(tempfile.mkdtemp(prefix="resilint-kustomize-copy-"))
    try:
        made = _with_generator_sources(rendering, missing, copy,
                                       [*left_out, *((entry.kfile, entry.key, entry.entry) for entry in fetched)])
        again: list[InputError] = []
        if made is not None:
            errors = len(out.errors)
            _build_kustomization(rendering, command, keys, shown, options, out, release, made[0], again)
            for err in out.errors[errors:]:
                err.message = err.message.replace(str(copy), made[1])
        if made is None or again:
            _build_failed(out, failed, rendering.directory, release)
        else:
            out.notes.append(f"{shown}: judged without what it fetches ("
                             + ", ".join(release.chart for release in not_fetched)
                             + "): it could not be fetched here")
    finally:
        shutil.rmtree(copy, ignore_errors=True)


# a kustomization whose helmCharts kustomize would pull into the checkout, where no copy can be built
_PULL_NOT_COPIED = ("kustomize would pull its helmCharts into the checkout, and {why} "
                    "(`kustomize build --enable-helm {directory} | resilint scan -`)")
# one with a plugin left out of the build, where no copy (without it) can be built
_PLUGIN_NOT_COPIED = ("it uses a kustomize plugin, which a linter does not run, and {why} "
                      "(`kustomize build --enable-alpha-plugins --enable-exec {directory} | resilint scan -`)")
# kustomize plugins (generators) known to make Secrets only, by (API group, kind): SOPS decryption
# where the kustomization is deployed (KSOPS, as Argo CD runs it; SopsSecretGenerator)
SECRET_GENERATORS = {("viaduct.ai", "ksops"), ("goabout.com", "SopsSecretGenerator")}
PLUGIN_KEYS = ("generators", "transformers", "validators")


@dataclass
class _Plugin:
    """A kustomize plugin a kustomization's `generators`, `transformers` or `validators` names
    (any config whose apiVersion is not kustomize's `builtin`): external code, which kustomize
    runs only with `--enable-alpha-plugins` (and `--enable-exec`), and a linter never."""

    kfile: Path
    key: str  # generators, transformers, validators
    entry: Any  # as the kustomization lists it (a file, or inline YAML)
    api_version: str
    kind: str
    name: str

    def said(self) -> str:
        return f"its {self.key[:-1]} {self.kind} {self.name} ({self.api_version}, a kustomize plugin)"

    def left_out(self) -> str | None:
        """Why the build is judged without it (what it would make or do is not what the rules
        read), or None when what it makes or changes could be."""
        if self.key == "validators":
            return "a validator changes nothing"
        if self.key == "generators" and (self.api_version.partition("/")[0], self.kind) in SECRET_GENERATORS:
            return "the Secrets it decrypts where the kustomization is deployed are not known here"
        return None


def _plugins(kustomizations: list[Path]) -> list[_Plugin]:
    """The kustomize plugins the kustomizations in `kustomizations` name (`_Plugin`): a config
    file listed under `generators`, `transformers` or `validators`, or one written inline there,
    whose documents name an apiVersion other than `builtin`. A directory listed there is
    kustomize's to build (and to refuse, if it holds one)."""
    from linter.loaders.kubernetes import read_yaml

    found: list[_Plugin] = []
    for directory in kustomizations:
        kfile = kustomization_file(directory)
        if kfile is None:
            continue
        doc = _kustomization(kfile)
        for key in PLUGIN_KEYS:
            entries = doc.get(key)
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, str) or not entry.strip():
                    continue
                try:
                    if "\n" in entry:  # inline (kustomize reads a string holding a newline as YAML)
                        text = entry
                    else:
                        path = directory / entry
                        if not os.path.isfile(path):  # os.path: Path.is_file raises for a name too long
                            continue
                        text = path.read_text(encoding="utf-8")
                    configs = read_yaml(text, str(kfile))
                except (OSError, UnicodeDecodeError, ValueError, InputError, RecursionError):
                    continue  # kustomize says what is wrong with it
                for config in configs:
                    api = config.get("apiVersion") if isinstance(config, dict) else None
                    if isinstance(api, str) and api and api != "builtin":
                        meta = config.get("metadata")
                        name = meta.get("name") if isinstance(meta, dict) else None
                        found.append(_Plugin(kfile, key, entry, api, str(config.get("kind") or "?"),
                                             name if isinstance(name, str) else "?"))
    return found


# files a generator reads that may be missing from the checkout: at most this many files are
# copied to build without them
GENERATOR_COPY_LIMIT = 5_000
# what a generator's missing `files` entry holds in the copy: no values file a reader takes as YAML
MISSING_SOURCE_TEXT = "# resilint: this file is not in the checkout\n- not known\n"


def _missing_generator_sources(directories: list[Path]) -> list[tuple[Path, str, str, bool]]:
    """The files the `configMapGenerator` and `secretGenerator` entries of the kustomizations
    in `directories` read (`files`, `envs`, `env`) that are not there: (the kustomization
    file, its key, the file as written, whether it is an env file). Only a relative path
    inside the kustomization's directory (kustomize refuses any other)."""
    found: list[tuple[Path, str, str, bool]] = []
    for directory in directories:
        kfile = kustomization_file(directory)
        doc = _kustomization(kfile)
        for key in ("configMapGenerator", "secretGenerator"):
            entries = doc.get(key)
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                given: list[tuple[Any, bool]] = [(entry["env"], True)] if isinstance(entry.get("env"), str) else []
                for listing in ("files", "envs"):
                    given += [(t, listing == "envs") for t in entry[listing]] if isinstance(entry.get(listing), list) \
                        else []
                for text, is_env in given:
                    if not isinstance(text, str) or not text or "\0" in text:
                        continue
                    source = text.partition("=")[2] if "=" in text else text
                    path = Path(os.path.normpath(directory / source))
                    if source and not os.path.isabs(source) and within(path, directory) and not os.path.lexists(path):
                        assert kfile is not None
                        found.append((kfile, key, source, is_env))
    return found


def _with_generator_sources(rendering: Rendering, missing: list[tuple[Path, str, str, bool]],
                            copy: Path, left_out: list[tuple[Path, str, Any]]) -> tuple[Path, str] | None:
    """A copy in `copy` of the kustomization directories `rendering` reaches (their trees, at
    their places under their common directory), with each `missing` generator file made:
    empty for an env file (`envs`, `env`), MISSING_SOURCE_TEXT for another, and each entry
    `left_out` (kustomization file, key, entry: a plugin, a chart or base that cannot be fetched)
    taken out of the kustomization that lists it. The copy of the rendered
    directory and the common directory it stands in for; None when the trees hold more than
    GENERATOR_COPY_LIMIT files, or one cannot be copied."""
    import shutil

    reals = sorted({os.path.realpath(d) for d in rendering.kustomizations})
    tops = [d for d in reals if not any(d != other and within(Path(d), Path(other)) for other in reals)]
    common = os.path.commonpath(tops)
    count = 0
    for top in tops:
        for _, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d != ".git"]
            count += len(names)
            if count > GENERATOR_COPY_LIMIT:
                return None
    try:
        for top in tops:
            shutil.copytree(top, copy / os.path.relpath(top, common), symlinks=True, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".git"))
        for kfile, _, source, is_env in missing:
            made = copy / os.path.relpath(os.path.realpath(kfile.parent), common) / source
            made.parent.mkdir(parents=True, exist_ok=True)
            made.write_text("" if is_env else MISSING_SOURCE_TEXT, encoding="utf-8")
        for kfile in dict.fromkeys(kfile for kfile, _, _ in left_out):
            doc = _kustomization(kfile)
            for key in dict.fromkeys(key for _, key, _ in left_out):
                gone = [entry for of, at, entry in left_out if of == kfile and at == key]
                if gone:
                    doc[key] = [e for e in doc.get(key) or [] if e not in gone]
            written = copy / os.path.relpath(os.path.realpath(kfile.parent), common) / kfile.name
            written.write_text(json.dumps(doc, default=str), encoding="utf-8")  # JSON is YAML
    except (OSError, ValueError, shutil.Error):  # a file that cannot be read, copied or made: built as it is
        return None
    return copy / os.path.relpath(os.path.realpath(rendering.directory), common), common


def _build_kustomization(rendering: Rendering, command: list[str], keys: dict[str, Any] | None, shown: str,
                         options: dict[str, Any], out: Any, release: KustomizationRelease | None,
                         directory: Path, held: list[InputError] | None = None) -> None:
    """`_load_kustomization`'s build, run in `directory`: the rendered directory, or a copy
    of it (`_with_generator_sources`) whose objects are named as the rendered one's. With
    `held`, a failed build is put there for the caller to judge, not reported."""
    from linter.loaders import display_path

    listed = release.listed if release is not None else None
    built = directory if directory != rendering.directory else None
    refused: list[str] = []
    rendered = _render_with_origins(command, directory, keys, refused)
    if rendered is None and release is not None and listed is not None:
        _build_failed(out, InputError(display_path(release.file), f"{release.deployer}: kustomize cannot build what "
                                      f"it deploys of {display_path(rendering.directory)} (a directory without a "
                                      f"kustomization): {failure_reason(refused[0] if refused else '')}",
                                      release.line))
        return
    if rendered is None and release is not None and release.options:
        # Argo CD builds it with these options: a build they break deploys nothing
        text, failed = _render([*command, str(directory)], shown)
        if failed is not None and held is not None:
            held.append(failed)
        elif failed is not None:
            _build_failed(out, failed, rendering.directory, release)
        else:
            out.errors.append(InputError(display_path(release.file), f"{release.deployer}: its kustomize options "
                                         f"break the build of {display_path(rendering.directory)}: "
                                         f"{failure_reason(refused[0] if refused else '')}", release.line))
        return
    if rendered is None:  # a kustomize without build metadata, or a broken kustomization: say it as the user would
        text, failed = _render([*command, str(directory)], shown)
        if failed is not None:
            charts = {chart.name: chart for d in rendering.kustomizations for chart in _inflated_charts(d)}
            failed = _refused_values(failed, charts.get, "the chart needs values its helmCharts entry does not "
                                                         "give: set them in its valuesInline or valuesFile")
            if held is not None:
                held.append(failed)
            else:
                _build_failed(out, failed, rendering.directory, release)
        wrapper = None
    else:
        text, wrapper = rendered
    if text is None:
        return
    if release is not None and release.substitute is not None:
        from linter.loaders.flux import substitute_variables

        text = substitute_variables(text, release.substitute, release.substitute_complete)
    tool = " ".join(command)
    resources = _objects(text, shown, options, out)
    if resources is None:
        return
    # an inflated chart's `helm test` pods: run by `helm test`, not part of what is deployed
    # (a chart rendered alone leaves them out with --skip-tests)
    resources = [r for r in resources if not _helm_test_hook(r)]
    origins = _base_objects(rendering.sources) if wrapper is None else {}
    # the deployer's components (Argo CD's `kustomize.components`) apply over the kustomization: first
    components = release.component_directories() if release is not None else []
    overrides = _Overrides([*components, *rendering.kustomizations], release.replicas_at if release is not None else [],
                           release.substituted_at if release is not None else {},
                           release.patches_at if release is not None else None)
    overrides.rendered = resources
    written: dict[Path, list[Resource]] = {}  # origin file -> the objects it writes
    for r in resources:
        r.meta["scope"] = f"kustomize:{display_path(rendering.directory)}"
        r.meta["rendered_from"] = f"{tool} {display_path(rendering.directory)}"
        origin = _origin(r, wrapper, rendering.directory, built) if wrapper is not None else None
        if origin is None:
            _point_at_base(r, origins.get((r.type, r.name)), shown, overrides)
        elif origin[1] is not None:  # generated: at the generator's key in the kustomization that configures it
            line = _inflating_entry_line(origin[0], r) if origin[1] == "helmCharts" else None
            r.location = Location(display_path(origin[0]), line or _top_level_line(origin[0], origin[1]))
            r.line_of = None
            entry = _generator_entry(origin[0], origin[1], r) if origin[1] in GENERATORS else None
            if entry is not None:  # a key of its data at its literal; selected by the name it is given
                r.line_of = functools.partial(_literal_line, entry[1])
                made_of = copy.copy(r)
                made_of.name = entry[0]
                overrides.bases[id(r)] = made_of
        else:
            if origin[0] not in written:
                written[origin[0]] = _objects_in(origin[0])
            _point_at_base(r, _made_from(r, written[origin[0]]), shown, overrides)
    if release is not None:
        _as_released(resources, release)
    out.resources.extend(resources)
    if listed is None:
        out.files.append(shown)


# what kustomize writes on each object when a kustomization asks for build metadata
ORIGIN = "config.kubernetes.io/origin"


# kustomize's flag that lets a kustomization read files outside its own directory, as Flux builds
UNRESTRICTED = ("--load-restrictor", "LoadRestrictionsNone")


def _render_with_origins(command: list[str], directory: Path, options: dict[str, Any] | None = None,
                         refused: list[str] | None = None) -> tuple[str, Path] | None:
    """`kustomize build` of `directory` through a kustomization of resilint's own
    (in a temporary directory) that asks for build metadata, so each object says
    which file it comes from, whatever names and namespaces the overlays gave it
    (the user's files are not touched); None when that rendering fails (its stderr
    then in `refused`). `options`: kustomization keys the wrapper sets over the
    directory (an Argo CD Application's; `components` are directories, named from
    the wrapper; `resources`, files and directories that stand for a directory
    without a kustomization, as the one Flux writes for it: built with kustomize's
    load restrictions off, as Flux builds, since they lie outside the wrapper)."""
    import subprocess
    import tempfile

    wrapper = Path(tempfile.mkdtemp(prefix="resilint-kustomize-"))
    document: dict[str, Any] = {"resources": [os.path.relpath(directory.resolve(), wrapper)],
                                "buildMetadata": ["originAnnotations"]}
    for key, value in (options or {}).items():
        document[key] = [os.path.relpath(os.path.realpath(c), wrapper) for c in value] \
            if key in ("components", "resources") else value
    if "resources" in (options or {}) and UNRESTRICTED[0] not in command:
        command = [*command, *UNRESTRICTED]
    try:
        (wrapper / "kustomization.yaml").write_text(json.dumps(document), encoding="utf-8")  # JSON is YAML
        done = subprocess.run([*command, str(wrapper)], capture_output=True, text=True, timeout=RENDER_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    finally:
        (wrapper / "kustomization.yaml").unlink(missing_ok=True)
        wrapper.rmdir()
    if done.returncode != 0 and refused is not None:
        refused.append(done.stderr)
    return (done.stdout, wrapper) if done.returncode == 0 else None


# the kustomization key of each generator kustomize names in an origin annotation
GENERATOR_KEYS = {"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator",
                  "HelmChartInflationGenerator": "helmCharts"}


def _origin(r: Resource, wrapper: Path, directory: Path, built: Path | None = None) -> tuple[Path, str | None] | None:
    """The local file a rendered object comes from, read (and taken off the object)
    from kustomize's origin annotation, named from the rendered `directory` as the
    user named it: (the file, None), or (the kustomization, the key of the
    generator that made it); None for a remote base. `built`: the copy of `directory`
    the build ran in (`_with_generator_sources`), when it ran in one."""
    from linter.loaders.kubernetes import read_yaml

    metadata = r.attrs.get("metadata") if isinstance(r.attrs, dict) else None
    if not isinstance(metadata, dict):
        return None
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict) or ORIGIN not in annotations:
        return None
    origin = annotations.pop(ORIGIN)
    if not annotations:
        del metadata["annotations"]  # kustomize added it for the build metadata alone
    try:
        where = next(iter(read_yaml(origin, ORIGIN)), None) if isinstance(origin, str) else None
    except (InputError, RecursionError):
        return None
    if not isinstance(where, dict) or where.get("repo"):
        return None
    generator = where.get("configuredBy")
    kind = generator.get("kind") if isinstance(generator, dict) else None
    path = where.get("path") if isinstance(where.get("path"), str) else where.get("configuredIn")
    if not isinstance(path, str):
        return None
    from_here = os.path.relpath(os.path.normpath(wrapper / path), (built or directory).resolve())
    return Path(os.path.normpath(directory / from_here)), (GENERATOR_KEYS.get(str(kind), "") if kind else None)


def _inflating_entry_line(kfile: Path, r: Resource) -> int | None:
    """The line of the `helmCharts` entry of `kfile` that rendered `r` (kustomize's origin
    annotation names only the generator): the entry whose releaseName (else chart name) is
    the object's `app.kubernetes.io/instance` label, else whose chart its `helm.sh/chart`
    label (`NAME-VERSION`) names; None when no entry, or more than one, fits."""
    import yaml

    meta = r.attrs.get("metadata") if isinstance(r.attrs, dict) else None
    labels = meta.get("labels") if isinstance(meta, dict) else None
    if not isinstance(labels, dict):
        return None
    try:
        root = yaml.compose(kfile.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None
    entries = member(root, "helmCharts")[1] if isinstance(root, yaml.MappingNode) else None
    if not isinstance(entries, yaml.SequenceNode):
        return None
    found: dict[str, list[tuple[str, int]]] = {"instance": [], "chart": []}
    for entry in entries.value:
        if not isinstance(entry, yaml.MappingNode):
            continue
        fields = {k.value: v.value for k, v in entry.value if isinstance(v, yaml.ScalarNode)}
        release, name = fields.get("releaseName") or fields.get("name"), fields.get("name")
        instance, chart = labels.get("app.kubernetes.io/instance"), labels.get("helm.sh/chart")
        if release and instance == release:
            found["instance"].append((release, entry.start_mark.line + 1))
        if name and isinstance(chart, str) and chart.startswith(f"{name}-") and chart[len(name) + 1:][:1].isdigit():
            found["chart"].append((name, entry.start_mark.line + 1))
    for matches in (found["instance"], found["chart"]):
        if len(matches) == 1:
            return matches[0][1]
    return None


GENERATORS = ("configMapGenerator", "secretGenerator")


def _generator_entry(kfile: Path, key: str, generated: Resource) -> tuple[str, Any] | None:
    """The entry of a kustomization's generator list (`key`: `configMapGenerator`) that made
    the `generated` object (named `settings-7h2k9...`, maybe with a prefix): its name and its
    YAML node (the entry whose name the object's holds, the longest)."""
    import yaml

    _, (entries,) = _kustomization_entries(kfile.parent, key)
    found: tuple[str, Any] | None = None
    for node in entries:
        name = _scalar_keys(node).get("name")
        if isinstance(name, yaml.ScalarNode) and name.value and name.value in generated.name \
                and (found is None or len(name.value) > len(found[0])):
            found = (str(name.value), node)
    return found


def _literal_line(entry: Any, path: str) -> int | None:
    """The line of the generator `entry`'s literal (`- replicas=1`) that makes `data.<key>` at
    `path`; None for any other path (the object's own line is used)."""
    import yaml

    literals = _scalar_keys(entry).get("literals")
    key = path[len("data."):] if path.startswith("data.") else None
    for item in literals.value if key and isinstance(literals, yaml.SequenceNode) else []:
        if isinstance(item, yaml.ScalarNode) and str(item.value).partition("=")[0].strip() == key:
            return int(item.start_mark.line) + 1
    return None


def _top_level_line(path: Path, key: str) -> int | None:
    """1-based line of the top-level `key:` of a YAML file."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return next((n for n, line in enumerate(lines, 1) if key and line.startswith(f"{key}:")), None)


def _made_from(rendered: Resource, written: list[Resource]) -> list[Resource]:
    """The object of its origin file a rendered object was made from: of its kind,
    and of its name unless a namePrefix or nameSuffix changed it (then the one
    whose name the rendered name holds)."""
    kind = [w for w in written if w.type == rendered.type]
    named = [w for w in kind if w.name == rendered.name]
    if named:
        return named
    if len(kind) == 1:
        return kind
    held = [w for w in kind if w.name and w.name in rendered.name]
    longest = max((len(w.name) for w in held), default=0)
    return [w for w in held if len(w.name) == longest]


def _load_chart(rendering: Rendering, options: dict[str, Any], out: Any) -> None:
    """A chart as `helm template` renders it: with the `--helm-values` files given; else,
    when values files for environments lie beside its `values.yaml` (`values-prod.yaml`,
    see `environment_values`), once with each, as `helm install -f values-prod.yaml`
    deploys it (each a scope of its own); else with its `values.yaml` alone."""
    from linter.environments import layered
    from linter.loaders import display_path

    chart = display_path(rendering.directory)
    if _helm_missing(rendering.directory, out):
        return

    given = list(options.get("helm_values") or [])
    environments: list[tuple[list[Path], Path] | None] = [None]
    if not given:
        environments = [*layered(environment_values(rendering.directory), environment_name)] or [None]
        # only environment files named (pre-commit staged values-prod.yaml): those environments alone
        named = {os.path.realpath(e[1]): e for e in environments if e is not None}
        if rendering.named and rendering.named <= named.keys():
            environments = [named[real] for real in sorted(rendering.named)]
    shown = display_path(rendering.directory / "Chart.yaml")
    for layers in environments:
        environment = layers[1] if layers is not None else None
        values = given + [str(f) for f in (layers[0] if layers is not None else [])]
        # `helm test` pods are not part of what `helm install` leaves running: not judged
        command = ["helm", "template", os.path.basename(os.path.abspath(rendering.directory)),
                   str(rendering.directory), "--skip-tests"]
        for path in values:
            command += ["--values", path]
        why = f"rendering with --values {display_path(environment)}" if environment is not None else None
        # with no values given, what the chart refuses (a `required` image tag CI sets at deploy
        # time) is a value not known here, as a Terraform variable with none: noted, not an error
        resources = _rendered_objects(command, rendering.directory, shown, options, out,
                                      HelmValues(rendering.directory, values), why, values_known=bool(given))
        if resources is None:
            continue
        for r in resources:
            r.meta["scope"] = f"helm:{chart}"
            r.meta["rendered_from"] = "helm template " + chart
            if environment is not None:
                env_shown = display_path(environment)
                r.meta.update(scope=f"helm:{chart} --values {env_shown}", environment=env_shown,
                              environment_option="--values")
                r.meta["rendered_from"] += f" --values {env_shown}"
        out.resources.extend(resources)
        if environment is not None:
            out.files.append(display_path(environment))
    out.files.append(shown)


@dataclass
class ChartRelease:
    """A chart of this repository as a deployer releases it (an Argo CD Application, a
    Helmfile release): `helm template` with its release name, namespace, values (files and
    inline values, in the order helm is given them) and parameters."""

    file: Path  # what deploys it: the Application's manifest, the helmfile
    name: str  # what that file calls it: the Application's name, the release's
    chart: Path
    values: list[Path | str | dict[str, Any]]  # a values file, or inline values (YAML text, a mapping)
    parameters: list[tuple[str, str]]  # helm's option and its `name=value` (--set, --set-string, --set-file)
    release: str
    namespace: str | None
    deployer: str  # how findings name it: `Argo CD Application shop-prod`, `Helmfile release web (environment prod)`
    scope: str  # its scope's kind and key (`argocd:shop-prod`): with the file, a scope of its own
    # where each of `values` is written (a file; or the file and the keys and indices under which
    # inline values sit), when all are known: value notes can then name inline values too (else
    # inline values are read for the notes as values no file holds)
    value_places: list[tuple[Path, tuple[str | int, ...]]] | None = None
    # where each of `parameters` is written (`main.tf:12`, maybe with where that came from), where
    # known: a value note can name it
    parameter_places: list[str | None] | None = None
    line: int | None = None  # the deployer's line in `file`: where an error helm gives on the release is put
    # a template action its inline values write (`{{ .Values.web.replicas }}`, helmfile's), and
    # where the value it renders is set: what a value note naming the action adds
    action_origins: dict[str, str] = field(default_factory=dict)

    def touches(self, staged: set[str]) -> bool:
        """Whether it renders one of `staged` (real paths): a file of its chart or of a chart it
        renders inside it (`file://`), or a values file (or a `--set-file` file) it reads."""
        charts = tuple(os.path.realpath(c) + os.sep for c in [self.chart, *charts_inside(self.chart)])
        read = {os.path.realpath(v) for v in self.values if isinstance(v, Path)}
        read |= {os.path.realpath(setting.partition("=")[2]) for option, setting in self.parameters
                 if option == "--set-file"}
        return any(f.startswith(charts) or f in read for f in staged)


@dataclass
class Deployed:
    """What a kind of deployer (the scan's helmfiles, its Terraform `helm_release`s) releases."""

    releases: list[ChartRelease] = field(default_factory=list)
    # real paths of this repository's charts a release deploys (judged or not: not judged alone)
    deployed: set[str] = field(default_factory=set)
    read: set[Path] = field(default_factory=set)  # the files they read besides their own (bases, values): not skipped
    # pre-commit: the files of the context releases among `releases`, which say nothing of themselves
    context_files: set[str] = field(default_factory=set)

    def take(self, made: ChartRelease | tuple[Path, str] | None, deployer: str, loaded: Any) -> None:
        """A deployer's release: judged as it renders; or (its chart, why) when how is not known
        here, noted in `loaded` after `deployer` (`main.tf:3: Terraform helm_release.web`), its
        chart not judged alone either; or None, when it releases no chart of this repository."""
        if isinstance(made, tuple):
            chart, reason = made
            self.deployed.add(os.path.realpath(chart))
            loaded.notes.append(f"{deployer} not judged: {reason}")
        elif made is not None:
            self.releases.append(made)
            self.deployed.add(os.path.realpath(made.chart))
            self.read |= {v for v in made.values if isinstance(v, Path)}

    def take_context(self, made: ChartRelease | tuple[Path, str] | None, deployer: str, loaded: Any,
                     staged: set[str]) -> None:
        """A release of a deployer read as context (pre-commit, `take`): taken only when it
        renders one of `staged` (real paths); when how is not known here, only when its chart
        holds one."""
        if isinstance(made, tuple):
            inside = os.path.realpath(made[0]) + os.sep
            if any(f.startswith(inside) for f in staged):
                self.take(made, deployer, loaded)
        elif made is not None and made.touches(staged):
            from linter.loaders import display_path

            self.context_files.add(display_path(made.file))
            self.take(made, deployer, loaded)


@dataclass
class KustomizationRelease:
    """A kustomization of this repository as an Argo CD Application (or a Flux
    Kustomization) deploys it: built with the options of its `kustomize` block (what Argo
    CD sets with `kustomize edit` before `kustomize build`; Flux's own fields), its
    objects applied into its destination namespace (Flux: with its variables substituted)."""

    file: Path  # the Application's (the Kustomization's) manifest
    name: str
    directory: Path
    # kustomization keys resilint's wrapper adds over the directory (namespace, namePrefix,
    # nameSuffix, commonLabels, commonAnnotations, images, replicas, patches, components)
    options: dict[str, Any]
    namespace: str | None
    deployer: str  # `Argo CD Application shop-prod`
    scope: str  # `argocd:shop-prod`
    line: int | None = None  # the deployer's, in its file
    # (file, line of `count`, name, count) of the Application's `replicas` entries: where a
    # replica count it sets is written
    replicas_at: list[tuple[str, int, str, Any]] = field(default_factory=list)
    # the patches it sets (its `patches`), read at their lines in its file
    patches_at: WrittenPatches | None = None
    # Flux's post-build substitution: `${var}` values (None: no substitution), and whether
    # they are all there are (no `substituteFrom`: a `${var:=default}` then takes its default)
    substitute: dict[str, str] | None = None
    substitute_complete: bool = False
    substituted_at: dict[str, tuple[str, int]] = field(default_factory=dict)  # variable -> (file, line)
    # a directory with no kustomization: what the deployer applies of it (`directory_resources`:
    # its manifests, and the subdirectories holding a kustomization Flux lists whole), the
    # `resources` of the kustomization Flux writes for it; None: the directory's own kustomization
    listed: list[Path] | None = None
    # kustomize's load restrictions (no file outside a kustomization's own directory): Argo CD
    # keeps them unless its argocd-cm says otherwise (argocd.load_restricted; None: no argocd-cm
    # is in the scan, so either: built without, and a file read outside is noted); Flux turns them off
    load_restricted: bool | None = True
    # whether kustomize may inflate `helmCharts`: Argo CD, as its argocd-cm says (argocd.helm_enabled;
    # without `--enable-helm` kustomize refuses them, and so the sync fails); None: as asked
    helm_enabled: bool | None = None

    def as_written(self) -> bool:
        """Applied as its files write them, nothing to build: a directory with no
        kustomization and nothing set over it (Argo CD's directory source: Argo CD does not
        run kustomize, which would refuse objects it applies, `generateName` hooks)."""
        return self.listed is not None and not self.options and self.substitute is None \
            and not any(os.path.isdir(p) for p in self.listed)

    def rendering(self) -> Rendering:
        """Its build: the directory's kustomization (and those it reaches), or the
        kustomizations and files of the directory's `listed` resources."""
        dirs, files = _reachable(self.directory) if self.listed is None else ([], [])
        for entry in self.listed or []:
            reached = _reachable(entry) if os.path.isdir(entry) else ([], [entry])
            dirs += reached[0]
            files += reached[1]
        return Rendering(self.directory, "kustomize", _unique(files), dirs)

    def component_directories(self) -> list[Path]:
        """The kustomization directories of the components it sets over the build (and theirs)."""
        return [d for c in self.options.get("components") or [] for d in _reachable(Path(c))[0]]

    def touches(self, staged: set[str]) -> bool:
        """Whether its build reads one of `staged` (real paths): a file of one of its
        kustomizations' directories (its own, its bases', its components'), or a file it lists."""
        rendering = self.rendering()
        dirs = [*rendering.kustomizations, *self.component_directories()]
        directories = {os.path.realpath(d) for d in dirs}
        files = {os.path.realpath(f) for f in [*rendering.sources, *(self.listed or [])]}
        return any(f in files or os.path.dirname(f) in directories for f in staged)


@dataclass
class NotKnownRelease:
    """A chart or kustomization of this repository that an Argo CD Application or a Flux
    object deploys in a way not known here (values in another repository or in a Secret
    encrypted with SOPS, a plugin, `postRenderers`, a file the tool refuses to miss): not
    judged as deployed, and not judged alone either, as a helmfile's or a `helm_release`'s
    release not known here (what is deployed is not what the chart says alone; nothing is
    guessed). `why` is noted."""

    file: Path
    name: str
    target: Path  # the chart, or the directory
    deployer: str
    scope: str
    why: str
    line: int | None = None
    # a directory with no kustomization: the manifests the deployer applies (taken back from the walk)
    listed: list[Path] | None = None

    def touches(self, staged: set[str]) -> bool:
        """Whether one of `staged` (real paths) lies in what it deploys."""
        inside = os.path.realpath(self.target) + os.sep
        listed = {os.path.realpath(p) for p in self.listed or []}
        return any(f.startswith(inside) or f in listed for f in staged)

    def note(self) -> str:
        from linter.loaders import display_path

        what = "chart" if os.path.isfile(self.target / "Chart.yaml") \
            else "kustomization" if kustomization_file(self.target) is not None else "directory"
        return (f"{display_path(self.file)}{f':{self.line}' if self.line else ''}: {self.deployer} not judged: "
                f"{self.why}; its {what} {display_path(self.target)} is not judged alone either")


# what a deployer releases: a chart, a kustomization (or directory), or one of them in a way not known here
Release = ChartRelease | KustomizationRelease | NotKnownRelease


def release_target(release: Release) -> Path:
    """The chart or directory a release deploys."""
    if isinstance(release, ChartRelease):
        return release.chart
    return release.directory if isinstance(release, KustomizationRelease) else release.target


def _load_release(release: ChartRelease, options: dict[str, Any], out: Any) -> None:
    """A chart as a deployer's release renders it: `helm template` with the release
    name, namespace, values and parameters it gives; a scope of its own. A value's note
    names the file that set it only when no parameter could have (a parameter that sets it
    is named where the deployer writes it, `parameter_places`), and inline values only
    where the deployer's file writes them (`value_places`). An error helm gives on the
    release (not at a template line) is put at the deployer's `line`, when known."""
    import tempfile

    import yaml

    from linter.loaders import display_path

    if _helm_missing(release.chart, out):
        return
    if not _utf8(release):
        out.errors.append(InputError(display_path(release.file), f"{release.deployer}: its values or parameters "
                                     "hold a lone UTF-16 surrogate, not a character helm can read", release.line))
        return
    shown = display_path(release.chart / "Chart.yaml")
    command = ["helm", "template", release.release, str(release.chart), "--skip-tests"]
    if release.namespace:
        command += ["--namespace", release.namespace]
    with tempfile.TemporaryDirectory(prefix="resilint-release-") as tmp:
        for n, values in enumerate(release.values):
            if not isinstance(values, Path):  # inline: given to helm as a file of its own, in its place
                inline = Path(tmp) / f"values-{n}.yaml"
                inline.write_text(values if isinstance(values, str) else yaml.safe_dump(values), encoding="utf-8")
                values = inline
            command += ["--values", str(values)]
        for option, setting in release.parameters:
            command += [option, setting]
        set_in = HelmValues(release.chart, [])  # where values are set, for the notes
        set_in.action_origins = release.action_origins
        if release.value_places is not None:
            set_in.files += release.value_places
        else:  # inline values, named nowhere: what they set is not said to be set in a file
            set_in.files += [(v if isinstance(v, Path) else v if isinstance(v, str) else yaml.safe_dump(v), ())
                             for v in release.values]
        places = release.parameter_places or [None] * len(release.parameters)
        set_in.parameters = [SetParameter.read(option, setting, place)
                             for (option, setting), place in zip(release.parameters, places)]
        deployed_in = display_path(release.file)
        errors = len(out.errors)
        resources = _rendered_objects(command, release.chart, shown, options, out, set_in,
                                      f"rendering as the {release.deployer} in {deployed_in}")
    if release.line is not None:
        for err in out.errors[errors:]:
            if err.file == shown and err.line is None:  # helm refused the release, not a template line
                err.file, err.line = deployed_in, release.line
    if resources is None:
        return
    _as_released(resources, release)
    out.resources.extend(resources)
    out.files.append(shown)


def _utf8(release: ChartRelease) -> bool:
    """Whether what the release gives helm (written to a file, or on its command line) is text
    UTF-8 can encode: a loader may let a lone surrogate through (a `"\\ud800"` escape)."""
    import json

    given = [release.release, release.namespace, release.parameters,
             [v for v in release.values if not isinstance(v, Path)]]
    try:
        json.dumps(given, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return False
    except (TypeError, ValueError, RecursionError):
        pass  # not a text problem: rendering reports it as before
    return True


def _as_released(resources: list[Resource], release: ChartRelease | KustomizationRelease) -> None:
    """The objects a deployer's release renders, as it deploys them: a scope of their own,
    named after the release (findings say which), applied into its namespace."""
    from linter.loaders import display_path
    from linter.loaders.kubernetes import CLUSTER_SCOPED

    deployed_in = display_path(release.file)
    kind, _, key = release.scope.partition(":")
    for r in resources:
        r.meta.update(scope=f"{kind}:{deployed_in}:{key}", environment=deployed_in,
                      environment_option=f"{release.deployer} in", rendered_from=release.deployer)
        # one file, many releases (Applications to several clusters, a helmfile's environments):
        # each its own findings, in baselines and code scanning
        r.meta["environment_part"] = key
        if release.namespace and r.namespace is None and r.kind not in CLUSTER_SCOPED:
            # applied into the release's namespace, as `kubectl apply -n` would place it
            unplaced = f"{r.kind}/default/"
            if r.address.startswith(unplaced):
                r.address = f"{r.kind}/{release.namespace}/{r.address[len(unplaced):]}"
            r.namespace = release.namespace


def _helm_missing(chart: Path, out: Any) -> bool:
    """Whether helm is not on PATH (and a note then says how to judge the chart)."""
    import shutil

    from linter.loaders import display_path

    if shutil.which("helm") is not None:
        return False
    shown = display_path(chart)
    note = f"{shown}: a Helm chart, not judged: helm is not on PATH (`helm template {shown} | resilint scan -`)"
    if note not in out.notes:
        out.notes.append(note)
    return True


def _rendered_objects(command: list[str], chart: Path, shown: str, options: dict[str, Any], out: Any,
                      values: HelmValues | None, why: str | None, values_known: bool = True) -> list[Resource] | None:
    """The objects `helm template` (`command`) renders of `chart`, pointed at their
    templates (a value's note from `values`, when given); None when it does not render
    (its error, saying `why` it was rendered so, is in `out`). `values_known` False: the
    values are the chart's own files only, none given by a deployer or `--helm-values`;
    then a template or schema refusing them (`_refuses_values`) is a note: what it
    requires is set where the chart is deployed, not known here."""
    from linter.loaders import display_path

    errors = len(out.errors)
    text, subcharts = _render_chart(command, chart, display_path(chart), shown, out)
    if why is not None:
        for err in out.errors[errors:]:
            err.message += f" ({why})"
    if not values_known:
        refused = [e for e in out.errors[errors:] if _refuses_values(e.message)]
        out.errors[errors:] = [e for e in out.errors[errors:] if not _refuses_values(e.message)]
        out.notes += [f"{e.file}{f':{e.line}' if e.line else ''}: {display_path(chart)} not judged: {e.message}"
                      for e in refused]
    if text is None:
        return None
    resources = _objects(text, shown, options, out)
    if resources is not None:
        _point_at_templates(resources, text, chart, shown, values, subcharts)
    return resources


def environment_name(values: Path) -> str:
    """`values-prod.yaml`, `prod-values.yaml`, `values.prod.yml` -> `prod`."""
    stem = values.name.rsplit(".", 1)[0].lower()
    for cut in ("values-", "values.", "values_"):
        if stem.startswith(cut):
            return stem[len(cut):]
    for cut in ("-values", ".values", "_values"):
        if stem.endswith(cut):
            return stem[:-len(cut)]
    return stem


def environment_values(chart: Path) -> list[Path]:
    """Values files beside a chart's `values.yaml` that name an environment
    (`values-prod.yaml`, `values.staging.yaml`, `prod-values.yaml`, `values_dev.yml`):
    each is how the chart is deployed somewhere (`helm install -f values-prod.yaml`),
    so the chart is rendered once with each, and not with `values.yaml` alone. Its
    `ci/` files are chart-testing's test cases, not deployments: not read."""
    return [chart / name for name in sorted(_listdir(chart))
            if is_values_file(name) and name.lower() not in ("values.yaml", "values.yml") and os.path.isfile(chart / name)]


def is_values_file(name: str) -> bool:
    """A chart's values file by its name: `values.yaml`, `values-prod.yaml`, `prod-values.yml`."""
    stem, dot, suffix = name.lower().rpartition(".")
    return bool(dot) and suffix in ("yaml", "yml") and "values" in stem and "schema" not in stem  # a schema: no values


# what `helm template` says of dependencies Chart.yaml lists that `helm dependency build`
# has not put in charts/ (helm's action.CheckDependencies)
_MISSING_DEPENDENCIES = "found in Chart.yaml, but missing in charts/ directory: "


def _render_chart(command: list[str], directory: Path, chart: str, shown: str,
                  out: Any) -> tuple[str | None, dict[str, Path]]:
    """`helm template` of the chart; when dependencies are not in charts/ (a checkout where
    `helm dependency build` has not run, as Terraform modules before `terraform init`), it
    is rendered from a temporary copy (the chart is never written): a dependency from a
    `file://` repository is put in the copy's charts/, as `helm dependency build` would (no
    network needed); the others are left out: each is an empty chart of its name
    (`_put_stand_in`), so helm still decides, by its `condition` and `tags`, whether it is
    enabled; the chart's own templates render without them, the objects of those enabled are
    not known, so not judged, and a note says so (of a disabled one, nothing: helm would
    render nothing of it).
    A dependency's own `file://` dependencies are put in its charts/ in turn
    (`_put_file_dependencies`). Also returns the dependencies put in: helm's path of each under
    the chart (`cache`, `svc/charts/lib`) -> its directory."""
    import shutil
    import tempfile

    import yaml

    from linter.loaders import display_path

    text, failed = _render_for_kube_version(command, shown, chart, out)
    if failed is None or _MISSING_DEPENDENCIES not in failed.message:
        if failed is not None:
            out.errors.append(_refused_values(failed, lambda name: directory, _chart_hint(directory)))
        return text, {}
    missing = {name.strip() for name in failed.message.partition(_MISSING_DEPENDENCIES)[2].split(",")}
    local: dict[str, Path] = {}
    # the dependencies left out, by the chart that lists them: (name, the line its stand-in
    # renders, the release of a chart from a repository it stands for)
    left: dict[Path, list[tuple[str, str | None, ChartNotFetched | None]]] = {}
    with tempfile.TemporaryDirectory(prefix="resilint-chart-") as tmp:
        copy = Path(tmp) / directory.resolve().name
        try:
            shutil.copytree(directory, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
            _put_file_dependencies(directory, copy, missing, shown, local, left)
        except (OSError, ValueError, UnicodeDecodeError, InputError, RecursionError, yaml.YAMLError, shutil.Error):
            out.errors.append(failed)
            return None, {}
        text, again = _render_for_kube_version([*command[:3], str(copy), *command[4:]], shown, chart, out)
    if text is None:
        if again is not None and _refuses_values(again.message):
            out.errors.append(_refused_values(again, lambda name: directory, _chart_hint(directory)))
        else:  # its own templates need a dependency left out (a named template of it): helm's first word
            out.errors.append(failed)
        return None, {}
    for lists, stood_in in left.items():
        # one whose stand-in helm did not render is disabled in this rendering: nothing of it is missed
        enabled = [(name, fetched) for name, marker, fetched in stood_in if marker is None or marker in text]
        out.charts_not_fetched += [fetched for _, fetched in enabled if fetched is not None]
        names = sorted({name for name, _ in enabled})
        if not names:
            continue
        of = "its dependencies" if lists == directory else f"{display_path(lists)}'s dependencies"
        out.notes.append(f"{chart}: judged without {of} {', '.join(names)}: they are not in "
                         f"{display_path(lists)}/charts/ (`helm dependency build {display_path(lists)}`), "
                         "so their objects are not known")
    return text, local


# how deep `file://` dependencies are put in, a dependency's own in turn (helm's own limit is memory)
FILE_DEPENDENCY_DEPTH = 8


def _put_file_dependencies(source: Path, copy: Path, missing: set[str] | None, shown: str,
                           local: dict[str, Path],
                           left: dict[Path, list[tuple[str, str | None, ChartNotFetched | None]]],
                           at: str = "", depth: int = 0) -> None:
    """In `copy`, a copy of the chart `source`: each dependency its Chart.yaml (or an
    `apiVersion: v1` chart's requirements.yaml) lists that is not in its charts/ (`missing`:
    helm's names of those for the chart rendered; looked for here in a dependency put in, as
    helm says nothing of a subchart's) is put in the copy's charts/ from its `file://`
    repository, and its own in turn, as `helm dependency build` run in each, bottom up, leaves
    them (an umbrella chart over a service chart over a `file://` library it includes). The
    others are stood in for (`_put_stand_in`) and named in `left`, under `source`, with the
    line their stand-in renders when enabled (None: left out of the listing) and, for one of
    a Helm repository, its release as not fetched (`_not_fetched_dependency`); `local` says
    where each one put in comes from, by helm's path of it under the chart (`svc`, `svc/charts/lib`)."""
    import shutil

    import yaml

    from linter.loaders.kubernetes import read_yaml

    listing = copy / "Chart.yaml"
    meta = next(iter(read_yaml(listing.read_text(encoding="utf-8"), shown)), None)
    if isinstance(meta, dict) and "dependencies" not in meta and os.path.isfile(copy / "requirements.yaml"):
        listing = copy / "requirements.yaml"
        meta = next(iter(read_yaml(listing.read_text(encoding="utf-8"), shown)), None)
    deps = meta.get("dependencies") if isinstance(meta, dict) else None
    if missing is None:  # a dependency put in
        missing = {d["name"] for d in deps if isinstance(d, dict) and isinstance(d.get("name"), str)
                   and not _in_charts(copy, d["name"])} if isinstance(deps, list) else set()
        if not missing:
            return
    if not isinstance(meta, dict) or not isinstance(deps, list):
        raise ValueError("no dependencies list")
    put: set[str] = set()
    for dep in deps:  # helm names a missing dependency by its `name`
        dependency = _local_dependency(source, dep) if isinstance(dep, dict) and dep.get("name") in missing \
            else None
        if dependency is None or depth >= FILE_DEPENDENCY_DEPTH:
            continue
        inside = copy / "charts" / dep["name"]
        shutil.copytree(dependency, inside, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        put.add(dep["name"])
        alias = dep.get("alias")  # helm names a subchart's templates and values by its alias, when it has one
        named = f"{at}{alias if isinstance(alias, str) and alias else dep['name']}"
        local[named] = dependency
        _put_file_dependencies(dependency, inside, None, shown, local, left, f"{named}/charts/", depth + 1)
    gone = missing - put
    stood_in = {name: _put_stand_in(copy / "charts", name, f"{at}{name}") for name in sorted(gone) if name}
    by_name = {d["name"]: d for d in deps if isinstance(d, dict) and isinstance(d.get("name"), str)}
    left.setdefault(source, []).extend(
        (name, marker, _not_fetched_dependency(source / listing.name, by_name.get(name), source))
        for name, marker in stood_in.items())
    # a stand-in is matched to its entry by name and version (helm's getAliasDependency): the
    # entry asks for the stand-in's; one that could not be made is left out
    entries: list[tuple[Any, str]] = [
        (d, d["name"] if isinstance(d, dict) and isinstance(d.get("name"), str) else "") for d in deps]
    meta["dependencies"] = [{**d, "version": STAND_IN_VERSION} if stood_in.get(name) else d
                            for d, name in entries if name not in stood_in or stood_in[name]]
    listing.write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")
    for lock in ("Chart.lock", "requirements.lock"):  # they list what was left out
        (copy / lock).unlink(missing_ok=True)


STAND_IN_VERSION = "0.0.0-resilint"


def _not_fetched_dependency(listing: Path, dependency: Any, chart: Path) -> ChartNotFetched | None:
    """A dependency the `listing` (Chart.yaml, requirements.yaml) of `chart` names from a Helm
    repository (not `file://`), which `helm dependency build` fetches: as not fetched, at its
    entry's line."""
    import yaml

    from linter.loaders import display_path
    from linter.loaders.unfetched import ChartNotFetched, fetched_from

    entry = dependency if isinstance(dependency, dict) else {}
    repository, version = entry.get("repository"), entry.get("version")
    if not isinstance(repository, str) or repository.startswith(FILE_REPOSITORY.decode()):
        return None
    named = fetched_from(entry.get("name"), repository, None if version is None else str(version))
    if named is None:
        return None
    line = None
    try:
        root = compose_text(listing.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, RecursionError):
        root = None
    listed = member(root, "dependencies")[1] if isinstance(root, yaml.MappingNode) else None
    for item in listed.value if isinstance(listed, yaml.SequenceNode) else []:
        name = member(item, "name")[1] if isinstance(item, yaml.MappingNode) else None
        if isinstance(name, yaml.ScalarNode) and name.value == entry.get("name"):
            line = int(item.start_mark.line) + 1
            break
    return ChartNotFetched(display_path(listing), line, f"dependency {entry.get('name')} of chart "
                           f"{display_path(chart)}", named)


def _put_stand_in(charts: Path, name: str, path: str) -> str | None:
    """An empty chart named `name` in `charts` (a copy's charts/), standing in for a dependency
    that is not there: its one template renders a comment naming `path` (helm's path of it
    under the chart rendered) when helm enables it. That comment; None when no stand-in can
    be made (a name that is not one directory's)."""
    if not name or name in (".", "..") or any(c in name for c in "/\\\0") or len(name) > 200:
        return None
    marker = f"# resilint: the dependency {path} is enabled"
    try:
        templates = charts / name / "templates"
        templates.mkdir(parents=True)
        (charts / name / "Chart.yaml").write_text(json.dumps({"apiVersion": "v2", "name": name,
                                                              "version": STAND_IN_VERSION}), encoding="utf-8")
        (templates / "resilint-enabled.yaml").write_text(marker + "\n", encoding="utf-8")
    except OSError:
        return None
    return marker


def _in_charts(chart: Path, name: str) -> bool:
    """Whether a chart's charts/ holds the dependency `name`: its directory, or an archive of it
    (`name-1.2.3.tgz`, as `helm dependency build` writes one)."""
    if os.path.isfile(chart / "charts" / name / "Chart.yaml"):
        return True
    return any(entry.startswith(f"{name}-") and entry.endswith(".tgz") for entry in _listdir(chart / "charts"))


# what helm says when a chart's `kubeVersion` (or a dependency's) excludes the version it renders for
_KUBE_VERSION = "chart requires kubeVersion: "
KUBE_VERSION_TRIES = 6


def _render_for_kube_version(command: list[str], shown: str, chart: str, out: Any) -> tuple[str | None, InputError | None]:
    """`_render` of a `helm template` command; when the chart's `kubeVersion` constraint
    excludes the Kubernetes version helm renders for by default (its own client's, which
    depends on the helm installed: `>=1.33.0-0` fails on helm 3.17), again with
    `--kube-version` set to the lowest of a few versions the constraint names that it
    admits (a cluster of that version: what the chart says it is deployed to), with a note."""
    text, failed = _render(command, shown)
    if failed is None or _KUBE_VERSION not in failed.message or "--kube-version" in command:
        return text, failed
    constraint = failed.message.partition(_KUBE_VERSION)[2].partition(" which is incompatible")[0]
    for version in _kube_versions(constraint)[:KUBE_VERSION_TRIES]:
        text, again = _render([*command, "--kube-version", version], shown)
        if again is None:
            note = (f"{chart}: rendered for Kubernetes {version} (`--kube-version`): its kubeVersion "
                    f"`{constraint}` excludes the version helm renders for by default")
            if note not in out.notes:  # once, however many environments it is rendered in
                out.notes.append(note)
            return text, None
        if _KUBE_VERSION not in again.message:
            return text, again
    return text, failed


def _kube_versions(constraint: str) -> list[str]:
    """Versions a semver constraint (`>=1.33.0-0`, `>= 1.25 < 1.30`, `~1.28`) may admit, lowest
    first: each version it names, the next patch and minor of it, and the minor before it (for
    an upper bound). A scan of the text: no regular expression on the chart's words."""
    found: set[tuple[int, int, int]] = set()
    token = ""
    for char in constraint + " ":
        if char.isdigit() or char == "." and token:
            token += char
            continue
        parts = [int(p) for p in token.split(".") if p.isdigit() and len(p) <= 6][:3]  # no version is longer
        token = ""
        if len(parts) < 2 or parts[0] != 1:  # Kubernetes is 1.x
            continue
        major, minor, patch = parts[0], parts[1], parts[2] if len(parts) > 2 else 0
        found |= {(major, minor, patch), (major, minor, patch + 1), (major, minor + 1, 0)}
        if minor > 0:
            found.add((major, minor - 1, 0))
    return [f"{a}.{b}.{c}" for a, b, c in sorted(found)]


def _local_dependency(chart: Path, dependency: dict[str, Any]) -> Path | None:
    """The chart directory a dependency's `file://` repository names (relative to `chart`)."""
    repository = dependency.get("repository")
    if not isinstance(repository, str) or not repository.startswith("file://"):
        return None
    path = Path(repository[len("file://"):])
    path = path if path.is_absolute() else chart / path
    return path if os.path.isfile(path / "Chart.yaml") else None


# what helm says when a template (`required`, `fail`) or the chart's values.schema.json
# refuses the values it renders with; and when a template reads into a missing value
# (`template: CHART/PATH:LINE:COLUMN: executing "..." at <...>: nil pointer evaluating ...`)
_EXECUTION_ERROR = "execution error at ("
_SCHEMA_ERROR = "values don't meet the specifications of the schema"
_NIL_POINTER = "nil pointer evaluating"
_TEMPLATE_AT, _EXECUTING = "template: ", ": executing "


def _refuses_values(message: str) -> bool:
    """Whether helm's error says a template (`required`, `fail`) or values.schema.json refused the
    values, or a template read into a value that is not there (`.Values.database.host` with no
    `database`; what `lookup` reads, which `helm template` leaves empty)."""
    return _EXECUTION_ERROR in message or _SCHEMA_ERROR in message or _NIL_POINTER in message


def _refused_values(failed: InputError, chart_named: Callable[[str], Path | None], hint: str) -> InputError:
    """A render that failed because a chart will not render with the values given: the
    error at the template line helm names (`execution error at (shop/templates/x.yaml:15:20):
    image is required`, in the directory `chart_named` gives for helm's name of the chart,
    if any), with what to do (`hint`). Any other failure is returned as it was."""
    from linter.loaders import display_path

    if not _refuses_values(failed.message):
        return failed
    file, line = failed.file, failed.line
    if _EXECUTION_ERROR in failed.message:
        at = failed.message.partition(_EXECUTION_ERROR)[2].partition(")")[0]  # CHART/PATH:LINE:COLUMN
    else:
        at = failed.message.partition(_TEMPLATE_AT)[2].partition(_EXECUTING)[0]
    where, _, column = at.rpartition(":")
    path, _, number = where.rpartition(":")
    name, _, inside = path.partition("/")  # helm names the file under the chart's own name
    chart = chart_named(name)
    if chart is not None and inside and number.isdigit() and column.isdigit() and os.path.isfile(chart / inside):
        file, line = display_path(chart / inside), int(number)
        if _NIL_POINTER in failed.message and _reads_cluster(chart / inside, line):
            hint = LOOKUP_HINT
    return InputError(file, f"{failed.message} ({hint})", line)


LOOKUP_HINT = ("the template reads the cluster with `lookup`, which `helm template` (and Argo CD, which "
               "renders with it) leaves empty: what it reads is not known here")


def _reads_cluster(template: Path, line: int) -> bool:
    """Whether line `line` of a template calls `lookup`."""
    try:
        with open(template, encoding="utf-8", errors="replace") as fh:
            for number, text in enumerate(fh, start=1):
                if number == line:
                    return "lookup" in text
    except OSError:
        pass
    return False


def _chart_hint(chart: Path) -> str:
    """What to do when a chart will not render with its own values: scan it with the values
    that are deployed (chart-testing's `ci/*values.yaml`, if the chart has them, are such values)."""
    from linter.loaders import display_path

    hint = "the chart needs values it was not given: scan it with the values you deploy, --helm-values FILE"
    examples = sorted(p for p in (chart / "ci").glob("*values.yaml") if os.path.isfile(p))[:1]
    return hint + (f"; chart-testing's {display_path(examples[0])} is such a file" if examples else "")


# helm writes `# Source: CHART/PATH` before each object it renders
_SOURCE = "# Source: "


def _point_at_templates(resources: list[Resource], text: str, chart: Path, chart_file: str,
                        values: HelmValues | None, subcharts: dict[str, Path] | None = None) -> None:
    """Locate each object of `helm template` output `text` in the template that
    rendered it (named by the `# Source:` comment above it), at the line of the
    attribute where the template writes it; else at the chart's Chart.yaml. A template
    of a dependency put in from its own directory (`subcharts`: name -> directory) is
    read there."""
    sources = [(number, line[len(_SOURCE):].strip()) for number, line in enumerate(text.splitlines(), 1)
               if line.startswith(_SOURCE)]
    numbers = [number for number, _ in sources]

    def source_of(r: Resource) -> str | None:
        at = bisect.bisect_right(numbers, r.location.line) - 1 if r.location.line is not None else -1
        return sources[at][1] if at >= 0 else None

    placed = [(r, source_of(r), str(r.attrs.get("kind", "")) if isinstance(r.attrs, dict) else "")
              for r in resources]
    rendered = Counter((source, kind) for _, source, kind in placed)
    templates: dict[str, Template | None] = {}
    scopes: dict[str, HelmValues | None] = {}
    nth: Counter[tuple[str, str]] = Counter()
    for r, source, kind in placed:
        if source is not None and source not in templates:
            templates[source] = _template_of(chart, source, subcharts or {})
        template = templates.get(source) if source is not None else None
        if source is None or template is None:  # none named, or a template from an archive (charts/*.tgz)
            r.location = Location(chart_file, None)
            r.line_of = None
            continue
        first, end = template.document(kind, nth[(source, kind)], rendered[(source, kind)])
        nth[(source, kind)] += 1
        r.location = Location(template.shown, template.line(first, end, ""))
        r.line_of = functools.partial(template.line, first, end)
        scoped = _values_of(source, chart, values, subcharts or {}, scopes)
        if scoped is not None:
            r.value_note = functools.partial(value_note, template, first, end, scoped)


def _subcharts_in(source: str) -> Iterator[tuple[str, str, list[str]]]:
    """The subcharts the template helm names `source` is under (`CHART/charts/svc/charts/lib/
    templates/x.yaml`), outermost first: helm's path of each under the chart (`svc`,
    `svc/charts/lib`), its name, and the parts of the path below it."""
    parts, named = source.split("/")[1:], ""
    while len(parts) > 2 and parts[0] == "charts":
        named = f"{named}/charts/{parts[1]}" if named else parts[1]
        yield named, parts[1], parts[2:]
        parts = parts[2:]


def _values_of(source: str, chart: Path, values: HelmValues | None, subcharts: dict[str, Path],
               scopes: dict[str, "HelmValues | None"]) -> "HelmValues | None":
    """The values the template helm names `source` reads: the chart's for its own
    templates, a subchart's for a template of `charts/NAME/` (its own, then the chart's under
    its name), and so on down (`charts/NAME/charts/LIB/`: LIB's own, NAME's under `LIB`, the
    chart's under `NAME.LIB`); None where they are not known here (a packaged subchart's)."""
    scope, directory, below = values, chart, source.split("/")[1:]
    for named, name, below in _subcharts_in(source):
        if scope is None:
            return None
        directory = subcharts.get(named, directory / "charts" / name)
        if named not in scopes:
            scopes[named] = scope.of_subchart(name, directory) if os.path.isfile(directory / "Chart.yaml") else None
        scope = scopes[named]
    return scope if below[:1] == ["templates"] else None


def _template_of(chart: Path, source: str, subcharts: dict[str, Path]) -> "Template | None":
    """The template helm names `source` (`CHART/templates/x.yaml`, or
    `CHART/charts/DEP/templates/x.yaml`, `CHART/charts/DEP/charts/LIB/templates/x.yaml`): in
    the chart, or in the own directory of the deepest dependency put in that holds it."""
    found = None
    for named, _, below in _subcharts_in(source):
        if named in subcharts:
            found = (subcharts[named], below)
    if found is not None:
        return Template.read(found[0], "/".join([found[0].name, *found[1]]))
    return Template.read(chart, source)


@dataclass
class Template:
    """A chart's template file, read as text: its YAML documents and the keys
    they write literally, found by indentation (template actions are not
    evaluated: a key that `toYaml` writes is found as the key above it)."""

    shown: str
    # per line that says something: (line index, indent, text); a list item's
    # dash and the key written after it on the same line are two entries
    items: list[tuple[int, int, str]]
    documents: list[tuple[int, int, str | None]]  # (first item, end item, kind written literally)
    lines: list[str]  # the text's lines, template actions included

    @classmethod
    def read(cls, chart: Path, source: str) -> "Template | None":
        from linter.loaders import display_path

        within = source.partition("/")[2]  # `CHART/templates/x.yaml`, CHART being Chart.yaml's name
        path = chart / within
        try:
            if not within or not path.resolve().is_relative_to(chart.resolve()):
                return None
            text = path.read_text(encoding="utf-8", errors="replace")
        except (OSError, ValueError):
            return None
        items: list[tuple[int, int, str]] = []
        starts = [0]
        lines = text.splitlines()
        for index, line in enumerate(lines):
            if line.startswith("---"):
                starts.append(len(items))
                continue
            stripped = line.lstrip(" ")
            if not stripped.strip() or stripped.startswith(("#", "{{")):
                continue  # blank, a comment, or a template action of its own
            indent = len(line) - len(stripped)
            if stripped[0] == "-" and stripped[1:2] in ("", " "):
                items.append((index, indent, "-"))
                rest = stripped[1:].lstrip(" ")
                if rest:
                    items.append((index, len(line) - len(rest), rest))
            else:
                items.append((index, indent, stripped))
        starts.append(len(items))
        documents = [(lo, hi, _literal_kind(items[lo:hi])) for lo, hi in zip(starts, starts[1:]) if lo < hi]
        return cls(display_path(path), items, documents, lines)

    def document(self, kind: str, nth: int, rendered: int) -> tuple[int, int]:
        """The items of the document that rendered the `nth` object of `kind`
        (of `rendered` such objects from this template): the nth document
        writing that kind when they pair up one to one, else the first."""
        candidates = [(lo, hi) for lo, hi, written in self.documents if written == kind]
        if not candidates:
            candidates = [(lo, hi) for lo, hi, _ in self.documents] or [(0, len(self.items))]
        return candidates[nth] if len(candidates) == rendered else candidates[0]

    def line(self, first: int, end: int, path: str) -> int | None:
        """1-based line of the deepest key on the dotted `path` that the document
        items[first:end] writes literally; its first line for no path."""
        if first >= end:
            return None
        return self.items[self._deepest(first, end, path)[0]][0] + 1

    def written(self, first: int, end: int, path: str) -> str | None:
        """What the document writes after the key `path` on its line (`{{ .Values.replicas }}`),
        when it writes that very key; None otherwise."""
        if first >= end or not path:
            return None
        at, whole = self._deepest(first, end, path)
        text = self.items[at][2]
        return text.partition(":")[2].strip() if whole and not text.startswith("-") else None

    def _deepest(self, first: int, end: int, path: str) -> tuple[int, bool]:
        """The item of the deepest key on `path` the document writes, and whether it is the path's last."""
        parts = [p for p in path.split(".") if p]
        at, matched = self._walk(first, end, parts)
        return at, matched == len(parts)

    def yaml_source(self, first: int, end: int, path: str) -> tuple[str, list[str]] | None:
        """The chart value that `toYaml` writes under the deepest key on `path` the
        document writes (`resources:` then `{{- toYaml .Values.resources | nindent 12 }}`,
        or `{{- with .Values.livenessProbe }}` around `livenessProbe:` and `{{- toYaml . }}`),
        and the rest of `path` below that key: (`livenessProbe`, ["httpGet", "port"])."""
        parts = [p for p in path.split(".") if p]
        if first >= end or not parts:
            return None
        at, matched = self._walk(first, end, parts)
        if not matched:
            return None
        index, indent, text = self.items[at]
        written = text.partition(":")[2].strip()
        action = written if written.startswith("{{") else None
        below = index + 1
        while action is None and below < len(self.lines) and self.lines[below].lstrip().startswith("{{"):
            if "toYaml" in self.lines[below]:
                action = self.lines[below].strip()
            below += 1
        argument = _to_yaml_argument(action) if action else None
        if argument == ".":  # the value of the `with` that opens just above the key
            above, argument = index - 1, None
            while argument is None and above >= 0 and self.lines[above].lstrip().startswith("{{"):
                words = _action_words(self.lines[above])
                if words[:1] == ["end"]:
                    break  # a block closed here: `.` is not its value
                argument = words[1].removeprefix("$") if len(words) == 2 and words[0] == "with" else None
                above -= 1
        if argument is None or not argument.startswith(".Values."):
            return None
        dotted = argument[len(".Values."):]
        if not dotted or not all(part.isidentifier() for part in dotted.split(".")):
            return None
        return dotted, parts[matched:]

    def _walk(self, first: int, end: int, parts: list[str]) -> tuple[int, int]:
        """The item of the deepest key on the path `parts` the document writes, and how many parts it matched."""
        best, start, parent, matched = first, first, -1, 0
        for part in parts:
            hit, child, seen = None, None, -1
            for k in range(start, end):
                _, indent, text = self.items[k]
                if indent < parent or indent == parent and not (part.isdigit() and text == "-"):
                    break  # past the parent's value
                if child is None:
                    child = indent
                if indent != child:
                    continue  # inside a sibling's value
                if part.isdigit():
                    if text == "-":
                        seen += 1
                        if seen == int(part):
                            hit = k
                            break
                elif text.startswith((f"{part}:", f'"{part}":', f"'{part}':")):
                    hit = k
                    break
            if hit is None:
                return best, matched
            best, start, parent, matched = hit, hit + 1, self.items[hit][1], matched + 1
        return best, matched


def _action_words(action: str) -> list[str]:
    """The words of a template action's first pipeline stage: `{{- toYaml . | nindent 4 }}` -> [toYaml, .]."""
    text = action.strip()
    if not (text.startswith("{{") and text.endswith("}}")) or text.count("{{") != 1:
        return []
    return text[2:-2].strip("-").strip().partition("|")[0].split()


def _to_yaml_argument(action: str) -> str | None:
    words = _action_words(action)
    return words[1].removeprefix("$") if len(words) == 2 and words[0] == "toYaml" else None


def values_reference(written: str) -> str | None:
    """The dotted name of the one value a template writes whole (`{{ .Values.a.b }}`,
    `{{- .Values.a.b | quote }}`): `a.b`; None for anything else."""
    text = written.strip()
    if not (text.startswith("{{") and text.endswith("}}")) or text.count("{{") != 1:
        return None
    reference = text[2:-2].strip("-").strip().partition("|")[0].strip()
    if not reference.startswith(".Values."):
        return None
    dotted = reference[len(".Values."):]
    return dotted if dotted and all(part.isidentifier() for part in dotted.split(".")) else None


def values_under(node: Any, parts: tuple[str | int, ...]) -> tuple[Any, int] | None:
    """The YAML node at `parts` (mapping keys, sequence indices) below `node`, and how
    many lines of the file lie above the text its marks count from; None when there is
    none. YAML text in a literal block on the way (Argo CD's `helm.values: |`) is read
    as the values it holds: its lines are the file's, from the line after the `|`."""
    import yaml

    offset = 0
    for step in (*parts, None):
        if isinstance(node, yaml.ScalarNode) and node.style == "|" and node.tag == "tag:yaml.org,2002:str":
            try:
                inner = yaml.compose(node.value, Loader=yaml.SafeLoader)
            except (yaml.YAMLError, ValueError, RecursionError):
                return None
            node, offset = inner, offset + node.start_mark.line + 1
        if step is None:
            break
        if isinstance(step, int):
            node = node.value[step] if isinstance(node, yaml.SequenceNode) and step < len(node.value) else None
        elif isinstance(node, yaml.MappingNode):
            node = member(node, step)[1]
        else:
            node = None
        if node is None:
            return None
    return node, offset


def member(node: Any, key: str | int) -> tuple[Any, Any]:
    """(key node, value node) of `key` in a YAML mapping node, (None, None) when it has none; of
    a key written twice, the last (what helm's and the Kubernetes YAML readers keep)."""
    import yaml

    return next(((k, v) for k, v in reversed(node.value) if isinstance(k, yaml.ScalarNode) and k.value == key),
                (None, None))


def compose_text(text: str) -> Any:
    """YAML text's node tree (its first document) for value notes; None when it does not parse."""
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None


def compose_file(path: Path) -> Any:
    """A YAML file's node tree for value notes: its document, or (several documents) a
    sequence of them, so that a place in it starts with the document's index; None when
    it cannot be read (helm, or the loader, reported that)."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        found: Any = yaml.compose_all(text, Loader=yaml.SafeLoader)  # lazy: composed below
        if "{{" in text:  # a helmfile's one-line actions are helmfile's to render first
            from linter.loaders.helmfile import composed_documents, is_helmfile

            found = composed_documents(text) if is_helmfile(path) else found
        documents = [d for d in found if d is not None]
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, RecursionError):
        return None
    if len(documents) < 2:
        return documents[0] if documents else None
    return yaml.SequenceNode("tag:yaml.org,2002:seq", documents)


def document_place(resource: Any, composed: dict[str, Any]) -> tuple[Any, tuple[int, ...]] | None:
    """An object as its file writes it (a deployer's: an Argo CD Application, a Flux
    Kustomization): the file's node tree and the place of the object's document in it
    (its index, when the file holds several); None when it is not one document of its
    own (an item of a `List`, a rendered object). `composed`: files already read."""
    import yaml

    file = resource.location.file
    if file not in composed:
        composed[file] = compose_file(Path(file))
    root, line = composed[file], resource.location.line
    if root is None or line is None:
        return None
    documents = documents_in(root)
    for index, document in enumerate(documents if documents is not None else [root]):
        if isinstance(document, yaml.MappingNode) and document.start_mark.line < line <= document.end_mark.line + 1:
            return root, ((index,) if documents is not None else ())
    return None


def documents_in(root: Any) -> list[Any] | None:
    """The documents of a file `compose_file` read as several (None: it holds one)."""
    import yaml

    # the sequence compose_file makes has no marks: a file's own sequence has
    return root.value if isinstance(root, yaml.SequenceNode) and root.start_mark is None else None


def inline_values_at(node: Any, at: tuple[str | int, ...]) -> bool:
    """Whether a deployer's file (its YAML `node`) holds values written in place at `at`
    (a mapping, or YAML text in a literal block), where a value note can point."""
    import yaml

    found = values_under(node, at)
    return found is not None and isinstance(found[0], yaml.MappingNode)


class HelmValues:
    """Where a chart's values are set: its `values.yaml`, then each `--helm-values`
    file in order (a later file's value wins, as helm merges them), then a release's
    parameters (`SetParameter`: helm applies them last); read on the first finding that
    asks. Each file's values may sit under a key of it (`under`): a subchart's values are
    its own `values.yaml`, then the parent's under its name. A layer may be YAML text that
    no file holds (a deployer's inline values written where no note can point): read, so
    that what it sets is named nowhere, and what it does not set is named where it is."""

    def __init__(self, chart: Path, given: list[str]):
        # each file (or YAML text of no file), with the keys (and list indices) under which its values sit
        self.files: list[tuple[Path | str, tuple[str | int, ...]]] = [(chart / "values.yaml", ()),
                                                                      *((Path(v), ()) for v in given)]
        self.parameters: list[SetParameter] = []
        self._read: list[tuple[Path | str, tuple[Any, int] | None | Literal[False]]] | None = None
        self.action_origins: dict[str, str] = {}  # see ChartRelease.action_origins

    @classmethod
    def of(cls, layers: list[Path | str]) -> "HelmValues":
        """Values set by `layers` alone (files, or YAML text of no file), in the order merged."""
        values = cls(Path(), [])
        values.files = [(layer, ()) for layer in layers]
        return values

    def of_subchart(self, name: str, directory: Path) -> "HelmValues":
        """The values a subchart's templates read (`.Values` there): its own values.yaml,
        then the values this chart's files (and parameters) set under `name`."""
        sub = HelmValues(directory, [])
        sub.files += [(path, (*under, name)) for path, under in self.files]
        sub.action_origins = self.action_origins
        sub.parameters = [below for p in self.parameters if (below := p.below(name)) is not None]
        return sub

    def parameter_for(self, parts: list[str]) -> SetParameter | None:
        """The parameter that decides the value at `parts`, if any: the last one that sets
        it, a value below it or one above it (helm applies them in order, after every file)."""
        return next((p for p in reversed(self.parameters) if p.touches(parts)), None)

    def set_at(self, dotted: str) -> tuple[str, int, str] | None:
        """(file, line, value as written) of the scalar `dotted` in the file that wins."""
        import yaml

        parts = dotted.split(".")
        found = self.deepest(parts)
        if found is None or found[0] is None or found[3] != len(parts):
            return None  # not set, or set where no file holds it
        if isinstance(found[2], yaml.ScalarNode):
            return found[0], found[1], found[2].value
        action = template_action(found[2])
        return (found[0], found[1], action) if action is not None else None  # else: what a template cannot write whole

    def deepest(self, parts: list[str]) -> tuple[str | None, int, Any, int] | None:
        """Where the value at `parts` (mapping keys, sequence indices) is set, or
        the deepest value above it that is: (file, line, node, parts matched), from
        the file that sets it deepest (a later file when two do, as helm merges them);
        the file is None when YAML text of no file sets it."""
        import yaml

        from linter.loaders import display_path

        best: tuple[str | None, int, Any, int] | None = None
        for path, below in reversed(self.values_read()):
            if below is False:
                return best  # what this layer sets, over the earlier ones, is not known here
            if below is None:
                continue
            node, offset = below
            found, line, matched = None, 0, 0
            for part in parts:
                if isinstance(node, yaml.MappingNode):
                    key, node = member(node, part)
                    mark = key.start_mark if key is not None else None  # the key's line
                elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
                    node = node.value[int(part)]
                    mark = node.start_mark
                else:
                    node = None
                if node is None or mark is None:
                    break
                found, line, matched = node, mark.line + 1 + offset, matched + 1
            if found is not None and (best is None or matched > best[3]):
                best = (display_path(path) if isinstance(path, Path) else None, line, found, matched)
        return best

    def values_read(self) -> list[tuple[Path | str, tuple[Any, int] | None | Literal[False]]]:
        """Each file's values for this chart: the node under its keys (and items, maybe
        YAML text in a literal block) and the lines above the text its marks count from
        (None: it sets nothing there; False: it cannot be read here); read once, on the first
        finding that asks."""
        if self._read is None:
            self._read = []
            for path, under in self.files:
                node = compose_file(path) if isinstance(path, Path) else compose_text(path)
                self._read.append((path, values_under(node, under) if node is not None else False))
        return self._read


def template_action(node: Any) -> str | None:
    """The text of a one-line template action a file writes as a value (`replicaCount: {{
    .Values.web.replicas }}` in a helmfile's inline values, which helmfile renders before
    YAML reads it, and which YAML alone reads as a flow mapping); None for any other node."""
    import yaml

    start, end = node.start_mark, node.end_mark
    if not isinstance(node, yaml.MappingNode) or not node.flow_style or start.buffer is None or start.line != end.line:
        return None
    text = str(start.buffer[start.index:end.index])
    return text if text.startswith("{{") and text.endswith("}}") else None


@dataclass(frozen=True)
class SetParameter:
    """A release's `--set` (`--set-string`, `--set-file`) parameter as value notes read it:
    the path of values it sets, up to where helm's parser reads its name otherwise (`a[0]`,
    `a\\.b`), and whether that is its whole name; the scalar it sets as written (None: a
    list, a file's text, several assignments); where it is written, when known."""

    parts: tuple[str, ...]
    exact: bool
    value: str | None
    place: str | None = None  # `main.tf:12`

    @classmethod
    def read(cls, option: str, setting: str, place: str | None = None) -> "SetParameter":
        name, _, value = setting.partition("=")
        cut = min((i for i in (name.find("["), name.find("\\")) if i != -1), default=len(name))
        parts = name[:cut].split(".")
        if cut < len(name) and name[cut] == "\\":
            parts = parts[:-1]  # the key the escape is in goes on past it
        exact = cut == len(name) and all(parts)
        parts = [p for p in parts if p]
        listed = value.startswith("{")  # `a={x,y}`: a list
        if not listed and "," in value.replace("\\,", ""):  # `a=1,b=2`: more than one assignment, any path
            return cls((), False, None, place)
        scalar = option != "--set-file" and not listed and "\\" not in value
        return cls(tuple(parts), exact, value if scalar else None, place)

    def touches(self, parts: list[str]) -> bool:
        """It sets the value at `parts`, one below it or one above it."""
        shared = min(len(self.parts), len(parts))
        return tuple(parts[:shared]) == self.parts[:shared]

    def below(self, name: str) -> "SetParameter | None":
        """As the subchart `name` reads it (`.Values` there): None when it sets none of its values."""
        if not self.parts or self.parts[0] == "global":
            return self
        if self.parts[0] != name:
            return None
        return SetParameter(self.parts[1:], self.exact, self.value, self.place)

    def note(self, parts: list[str]) -> str | None:
        """The value note for `parts` when this parameter sets it whole, where it is written."""
        if not self.exact or list(self.parts) != parts or self.value is None or self.place is None:
            return None
        return f"`.Values.{'.'.join(parts)}` = {self.value}, set at {self.place}"


def value_note(template: Template, first: int, end: int, values: HelmValues, path: str) -> str | None:
    """Where the value of `path` came from, when the template writes it from one chart
    value: whole on its key's line (`replicas: {{ .Values.replicaCount }}`), or as
    YAML under a key (`{{- toYaml .Values.resources | nindent 12 }}`): the chart value
    at that path, or the deepest value above it that the values files set."""
    written = template.written(first, end, path)
    dotted = values_reference(written) if written else None
    if dotted:
        parameter = values.parameter_for(dotted.split("."))
        if parameter is not None:  # helm applies it after every file
            return parameter.note(dotted.split("."))
        found = values.set_at(dotted)
        if found is not None:
            file, line, value = found
            origin = values.action_origins.get(value)
            return f"`.Values.{dotted}` = {value}, set at {file}:{line}" + (f" ({origin})" if origin else "")
        parts = dotted.split(".")
        deepest = values.deepest(parts)
        if deepest is not None and deepest[3] == len(parts):
            return None  # set, but not to a scalar the template writes whole
        stages = [stage.strip() for stage in (written or "").strip("{} -").split("|")[1:]]
        fallback = next((stage for stage in stages if stage.split(" ", 1)[0] == "default"), None)
        return (f"`.Values.{dotted}` is not set in the chart's values"
                + (f": the template's `{fallback}` applies" if fallback else ""))
    source = template.yaml_source(first, end, path)
    if source is None:
        return None
    dotted, below = source
    parts = dotted.split(".") + below
    parameter = values.parameter_for(parts)
    if parameter is not None:
        return parameter.note(parts)
    deepest = values.deepest(parts)
    if deepest is None:
        return f"`.Values.{dotted}` is not set in the chart's values"
    where, line, node, matched = deepest
    if where is None:
        return None  # set by values no file holds
    named = ".".join(parts[:matched])
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return f"`.Values.{named}` = {node.value}, set at {where}:{line}"
    empty = " = {}" if isinstance(node, yaml.MappingNode) and not node.value else \
        " = []" if isinstance(node, yaml.SequenceNode) and not node.value else ""
    return f"`.Values.{named}`{empty}, set at {where}:{line}"


def _literal_kind(items: list[tuple[int, int, str]]) -> str | None:
    for _, indent, text in items:
        if indent == 0 and text.startswith("kind:"):
            kind = text[len("kind:"):].strip().strip("'\"")
            return None if "{{" in kind else kind
    return None


def _render(command: list[str], shown: str) -> tuple[str | None, InputError | None]:
    """What the renderer wrote, or the error naming `shown` that says why it could not."""
    import subprocess  # only when there is something to render

    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=RENDER_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, InputError(shown, f"`{' '.join(command[:2])}` could not run: {exc}")
    if done.returncode != 0:
        return None, InputError(shown, f"`{' '.join(command[:2])}` failed: {failure_reason(done.stderr)}")
    return done.stdout, None


# what the renderer says when a remote base or chart dependency cannot be fetched
_OFFLINE = ("Could not resolve host", "no such host", "network is unreachable", "connection refused",
            "Temporary failure in name resolution", "server misbehaving", "no route to host", "i/o timeout")
NOT_FETCHED = "a remote base or chart could not be fetched here: render where it can be, and scan the output"
# what kustomize says of a plugin `_plugins` did not see (one a listed directory or a remote base names)
PLUGINS_OFF = "external plugins disabled"


def _build_failed(out: Any, failed: InputError, directory: Path | None = None,
                  release: KustomizationRelease | None = None) -> None:
    """A kustomize build that failed: an error (at the line of the kustomization in
    `directory` that kustomize's message names, `_failed_entry_line`; saying why when the
    `release`'s deployer withholds `--enable-helm`), unless what stopped it is a remote base
    or chart this machine cannot fetch (no network, as on pre-commit.ci), or a plugin (which a
    linter does not run). Its objects are then not known here, as a Terraform module not
    installed: a note, as for that module."""
    if failed.line is None and directory is not None:
        failed.line = _failed_entry_line(directory, failed.message)
    if release is not None and release.helm_enabled is False and _HELM_OFF in failed.message:
        failed.message += (f" ({release.deployer} builds it with the kustomize.buildOptions of its argocd-cm, "
                           "which do not give --enable-helm: the sync fails)")
    if NOT_FETCHED in failed.message or PLUGINS_OFF in failed.message:
        out.notes.append(f"{failed.file}{f':{failed.line}' if failed.line else ''}: not judged: {failed.message}"
                         + (" (a kustomize plugin, which a linter does not run)" if PLUGINS_OFF in failed.message
                            else ""))
    else:
        out.errors.append(failed)


# what kustomize's messages name the entry of the kustomization they failed on by
_ACCUMULATING = "accumulating resources from '"  # a `resources` (`bases`, `components`) entry
_PATCH_FROM = "failed to get the patch file from path("  # a patch's `path`
_HELM_OFF = "must specify --enable-helm"  # `helmCharts`


def _failed_entry_line(directory: Path, message: str) -> int | None:
    """The line of the entry of the kustomization in `directory` that kustomize's `message`
    says it failed on: the first base or file it could not accumulate (the build's own: a
    base's failure is named after it), the patch file it could not read, the `helmCharts`
    it would not inflate. None when it names none of these (or no entry of this file)."""
    import yaml

    if _ACCUMULATING in message:
        key, named = REFERENCE_KEYS, message.partition(_ACCUMULATING)[2].partition("'")[0]
    elif _PATCH_FROM in message:
        key, named = ("patches", "patchesStrategicMerge", "patchesJson6902"), \
            message.partition(_PATCH_FROM)[2].partition(")")[0]
    elif _HELM_OFF in message:
        _, (charts,) = _kustomization_entries(directory, "helmCharts")
        return int(charts[0].start_mark.line) + 1 if charts else None  # its first entry
    else:
        return None
    _, lists = _kustomization_entries(directory, *key)
    for item in (item for entries in lists for item in entries):
        scalar = item if isinstance(item, yaml.ScalarNode) else _scalar_keys(item).get("path")
        if isinstance(scalar, yaml.ScalarNode) and scalar.value == named:
            return int(scalar.start_mark.line) + 1
    return None


def failure_reason(stderr: str, limit: int = 600) -> str:
    """What a failed render said, in one line: helm's `Error: ...`, or kubectl's error,
    which klog wraps over several lines (`E1130 ... run.go:72] "command failed" err=<`,
    the message, ` >`); with what to do when it could not fetch a remote base."""
    lines = []
    for line in stderr.splitlines():
        line = line.strip()
        if line[:1] in ("E", "W", "I", "F") and line[1:5].isdigit() and "] " in line:
            line = line[line.index("] ") + 2:]  # klog's header: severity, date, time, pid, file
            line = line.removeprefix('"command failed" ').removeprefix("err=")
            if len(line) > 1 and line[0] == line[-1] == '"':  # err="..." on one line
                line = line[1:-1]
        if line and line not in (">", "<"):
            lines.append(line.removesuffix("<").rstrip())
    errors: list[str] = []
    for line in lines:
        if line.startswith(("Error:", "error:")):
            errors.append(line)
        elif errors and errors[-1].endswith(":"):  # helm's `... in the following chart(s):`, then what, a line each
            errors[-1] += f" {line}"
    text = " ".join(errors or lines).strip() or "no message"
    if len(text) > limit:
        text = text[:limit] + "…"
    if any(words in stderr for words in _OFFLINE):
        text += f" ({NOT_FETCHED})"
    return text


def _objects(text: str, shown: str, options: dict[str, Any], out: Any) -> list[Resource] | None:
    from linter.loaders import kubernetes

    try:
        return kubernetes.load_objects(kubernetes.parse_documents(text, shown), shown, options,
                                       lines=kubernetes.ManifestLines(text))
    except InputError as err:
        out.errors.append(err)
        return None


def _base_objects(sources: list[Path]) -> dict[tuple[str, str], list[Resource]]:
    """The objects the base files write, by type and name (files that do not parse are left out)."""
    found: dict[tuple[str, str], list[Resource]] = {}
    for path in sources:
        for r in _objects_in(path):
            found.setdefault((r.type, r.name), []).append(r)
    return found


def _objects_in(path: Path) -> list[Resource]:
    """The objects a manifest file writes (none when it does not parse)."""
    from linter.loaders import display_path, kubernetes

    try:
        return kubernetes.load_file(path, display_path(path), {}) or []
    except (InputError, OSError, RecursionError):
        return []


def _point_at_base(resource: Resource, candidates: list[Resource] | None, kfile: str,
                   overrides: "_Overrides | None" = None) -> None:
    """Locate a rendered object in the one base file it comes from, else at the
    kustomization; an attribute whose rendered value an overlay wrote, at the
    overlay's line that writes it."""
    if not candidates or len(candidates) != 1:
        resource.location = Location(kfile, None)
        resource.line_of = None
        return
    base = candidates[0]
    resource.location = Location(base.location.file, base.location.line)

    def line_of(path: str, _base: Resource = base, _rendered: Resource = resource) -> int | None:
        # the attribute's line in the base only where the base says what was rendered
        # (list items matched by merge key: a patched container is rendered first), or
        # holds the placeholder a deploy substituted
        in_base = _merged_path(_rendered.attrs, _base.attrs, path)
        written = lookup(_base.attrs, in_base, None) if in_base is not None else None
        if in_base is not None and (placeholder_name(written) is not None
                                    or written == lookup(_rendered.attrs, path, None)):
            return _base.line_for(in_base)
        return _base.location.line

    resource.line_of = line_of
    if overrides is not None:
        resource.written_elsewhere = functools.partial(overrides.written_at, resource, base)
        overrides.bases[id(resource)] = base


class _Overrides:
    """What a rendering's kustomizations (the rendered one first, then its bases), and the
    deployer over them, write over the objects of their bases: their patches (`WrittenPatches`:
    strategic merge objects, JSON 6902 operations), their `replicas` entries and
    `replacements`, Flux's substituted variables; read on the first finding that asks."""

    def __init__(self, kustomizations: list[Path], replicas_at: list[tuple[str, int, str, Any]] | None = None,
                 substituted_at: dict[str, tuple[str, int]] | None = None, patches: WrittenPatches | None = None):
        self.kustomizations = kustomizations
        self._written: list[WrittenPatches] | None = None
        self._given_patches = patches or WrittenPatches()  # a deployer's own patches: over every kustomization
        self._replicas: list[tuple[str, int, str, Any]] | None = None
        self._given = replicas_at or []  # a deployer's own `replicas` entries: over every kustomization
        self._substituted = substituted_at or {}  # Flux's postBuild variables: where each is set
        self._replacements: list[_Replacement] | None = None
        self.rendered: list[Resource] = []  # the rendering's objects: where a replacement's source is
        self.bases: dict[int, Resource] = {}  # by id() of a rendered object: the base's object it is made of
        self._asking: set[tuple[int, str]] = set()  # the places being looked for (a replacement follows its source)

    def written_at(self, rendered: Resource, base: Resource, path: str) -> Location | None:
        """Where an overlay writes the rendered value of `path` (None: the base's own value, or not found)."""
        asking = (id(rendered), path)
        if asking in self._asking:
            return None  # replacements copying a value round in a loop: where it started
        self._asking.add(asking)
        try:
            return self._written_at(rendered, base, path)
        finally:
            self._asking.discard(asking)

    def _written_at(self, rendered: Resource, base: Resource, path: str) -> Location | None:
        value = lookup(rendered.attrs, path, None)
        in_base = _merged_path(rendered.attrs, base.attrs, path)
        written = lookup(base.attrs, in_base, None) if in_base is not None else None
        variable = placeholder_name(written)
        if variable is not None:  # `${replicas}` in the base: set where the deployer substitutes it
            place = self._substituted.get(variable)
            return Location(*place) if place is not None else None
        if value is None:  # unset as rendered: where an overlay removed what the base writes
            return self._removed_at(rendered, base, path) if written is not None else None
        if in_base is not None and written == value:
            return None
        for patch in self._patches_of(rendered, base):
            in_patch = _merged_path(rendered.attrs, patch.attrs, path)
            if in_patch is not None and lookup(patch.attrs, in_patch, None) == value:
                return Location(patch.location.file, patch.line_for(in_patch))
        for op in self.operations():
            if op.removes or not op.target.selects(rendered, base):
                continue
            if op.path == path and op.value == value or path.startswith(op.path + ".") and lookup(
                    op.value, path[len(op.path) + 1:], None) == value:
                return Location(op.file, op.line)
        if path == "spec.replicas":
            for kfile, line, name, count in self.replicas():
                if name in (base.name, rendered.name) and count == value:
                    return Location(kfile, line)
        for replacement in self.replacements():
            copied = replacement.written_at(rendered, base, path, value, self.made_of)
            if copied is not None:
                return copied
        return None

    @functools.cached_property
    def made_of(self) -> list[tuple[Resource, Resource]]:
        """The rendering's objects, each with the base's object it is made of (itself when
        none is known): what a replacement's source is selected among."""
        return [(o, self.bases.get(id(o), o)) for o in self.rendered]

    def _removed_at(self, rendered: Resource, base: Resource, path: str) -> Location | None:
        """Where an overlay removes `path` (or what holds it) from the object: a JSON 6902
        `remove`, or a strategic merge patch writing it null."""
        for patch in self._patches_of(rendered, base):
            in_patch = _merged_path(rendered.attrs, patch.attrs, path)
            if in_patch is not None and _written_null(patch.attrs, in_patch):
                return Location(patch.location.file, patch.line_for(in_patch))
        for op in self.operations():
            if op.removes and (path == op.path or path.startswith(op.path + ".")) \
                    and op.target.selects(rendered, base):
                return Location(op.file, op.line)
        return None

    def _patches_of(self, rendered: Resource, base: Resource) -> Iterator[Resource]:
        """The strategic merge patches that patch the object."""
        for patch, target in self.patches():
            if target.selects(rendered, base) if target is not None else \
                    patch.type == rendered.type and patch.name in (base.name, rendered.name):
                yield patch

    def patches(self) -> list[tuple[Resource, PatchTarget | None]]:
        """The objects of the strategic merge patches, with the target that selects what each
        patches (None: the object of its own kind and name): the deployer's, then the
        kustomizations'."""
        return [patch for written in self.written() for patch in written.objects]

    def operations(self) -> list[_PatchOperation]:
        """The `add` and `replace` operations of the JSON 6902 patches, inline or in files."""
        return [op for written in self.written() for op in written.operations]

    def written(self) -> list[WrittenPatches]:
        if self._written is None:
            self._written = [self._given_patches, *(kustomization_patches(d) for d in self.kustomizations)]
        return self._written

    def replacements(self) -> list["_Replacement"]:
        if self._replacements is None:
            self._replacements = [r for directory in self.kustomizations for r in kustomization_replacements(directory)]
        return self._replacements

    def replicas(self) -> list[tuple[str, int, str, Any]]:
        """(kustomization, line, name, count) of each `replicas` entry."""
        if self._replicas is None:
            self._replicas = [*self._given,
                              *(entry for directory in self.kustomizations for entry in _replica_entries(directory))]
        return self._replicas


def _written_null(attrs: Any, path: str) -> bool:
    """`path` is written, as null (a strategic merge patch's way to remove a field)."""
    holder, _, key = path.rpartition(".")
    held = lookup(attrs, holder, None) if holder else attrs
    return isinstance(held, dict) and key in held and held[key] is None


# the keys a strategic merge patch matches list items by (containers and volumes by name, ...)
_MERGE_KEYS = ("name", "containerPort", "mountPath", "devicePath")


def _merged_path(rendered: Any, patch: Any, path: str) -> str | None:
    """`path` of the rendered object as `patch` (a patch file, or the base object)
    writes it: a strategic merge patch lists only the items it changes, matched by
    their merge key, and kustomize renders the patched items first, so each list
    index is the index of the item with the same key. None: no such item."""
    out = []
    for part in path.split("."):
        if isinstance(rendered, list) and part.isdigit():
            if not isinstance(patch, list) or int(part) >= len(rendered):
                return None
            item = rendered[int(part)]
            key = next((k for k in _MERGE_KEYS if isinstance(item, dict) and k in item), None)
            at = next((i for i, other in enumerate(patch) if isinstance(other, dict) and key is not None
                       and other.get(key) == item[key]), None) if key else int(part)
            if at is None or at >= len(patch):
                return None
            rendered, patch = item, patch[at]
            out.append(str(at))
            continue
        rendered = rendered.get(part) if isinstance(rendered, dict) else None
        patch = patch.get(part) if isinstance(patch, dict) else None
        out.append(part)
    return ".".join(out)


@dataclass(frozen=True)
class PatchTarget:
    """The objects a kustomize patch entry's `target` selects: each of `group`, `version`,
    `kind`, `name` and `namespace` a regular expression kustomize anchors (Go's RE2; run
    here on RE2 too: user text never backtracks), and label and annotation selectors. A
    name or a namespace matches the object's as its base writes it or as it is rendered
    (kustomize selects by either: a patch names a base's object, whatever prefix an overlay
    adds); labels and annotations likewise."""

    fields: tuple[tuple[str, str], ...]
    # parsed by `index.parse_label_selector` (None: not written; False: written, and not
    # read here, so it selects nothing)
    label_selector: dict[str, Any] | None | bool = None
    annotation_selector: dict[str, Any] | None | bool = None

    @staticmethod
    def of(node: Any) -> "PatchTarget | None":
        """A `target` mapping node; None when there is none or it is not a mapping."""
        import yaml

        from linter.index import parse_label_selector

        if not isinstance(node, yaml.MappingNode):
            return None
        written = {k: str(v.value) for k, v in _scalar_keys(node).items() if isinstance(v, yaml.ScalarNode)}
        label, annotation = (parse_label_selector(written[k]) or False if written.get(k) else None
                             for k in ("labelSelector", "annotationSelector"))
        return PatchTarget(tuple((k, written[k]) for k in ("group", "version", "kind", "name", "namespace")
                                 if written.get(k)), label, annotation)

    def selects(self, rendered: Resource, base: Resource) -> bool:
        from linter.index import selector_matches

        group, _, kind = rendered.type.rpartition("/")
        values = {"group": ["" if group == "core" else group], "kind": [kind],
                  "version": [(rendered.raw_type or "").rpartition("/")[2]],
                  "name": [base.name, rendered.name],
                  "namespace": [base.namespace or "default", rendered.namespace or "default"]}
        for key, pattern in self.fields:
            if not any(_anchored(pattern, value) for value in values[key]):
                return False
        for selector, key in ((self.label_selector, "labels"), (self.annotation_selector, "annotations")):
            if selector is not None and not (isinstance(selector, dict) and any(
                    selector_matches(selector, lookup(r.attrs, f"metadata.{key}", None) or {}) is True
                    for r in (base, rendered))):
                return False
        return True


@functools.lru_cache(maxsize=256)
def _anchored_regex(pattern: str) -> Any:
    """kustomize's selector field as Go compiles it (`^(?:pattern)$`); None when RE2 refuses it."""
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(f"^(?:{pattern})$", options)
    except re2.error:
        return None


def _anchored(pattern: str, value: str | None) -> bool:
    regex = _anchored_regex(pattern)
    return regex is not None and value is not None and regex.fullmatch(value) is not None


@dataclass
class _PatchOperation:
    """An `add`, `replace` or `remove` of a JSON 6902 patch: the objects its target selects,
    the path it sets or removes (dotted, as findings name attributes), the value it sets, and
    where the value, or the removing operation, is written."""

    target: PatchTarget
    path: str
    value: Any
    file: str
    line: int
    removes: bool = False


@dataclass
class WrittenPatches:
    """The patches a kustomization, or a deployer's kustomize options, write, each read at
    the lines it is written at: the objects of strategic merge patches (each with the target
    that selects what it patches, or None: the object of its own kind and name), and the
    `add`, `replace` and `remove` operations of JSON 6902 patches."""

    objects: list[tuple[Resource, PatchTarget | None]] = field(default_factory=list)
    operations: list[_PatchOperation] = field(default_factory=list)


def kustomization_patches(directory: Path) -> WrittenPatches:
    """The patches of a directory's kustomization: `patches`, `patchesStrategicMerge` and
    `patchesJson6902`."""
    from linter.loaders import display_path

    kfile, (patches, legacy, strategic) = _kustomization_entries(
        directory, "patches", "patchesJson6902", "patchesStrategicMerge")
    return written_patches([*patches, *legacy], display_path(kfile), directory, strategic) \
        if kfile is not None else WrittenPatches()


def written_patches(entries: list[Any], shown: str, directory: Path, strategic: list[Any] | None = None
                    ) -> WrittenPatches:
    """The patches of `entries` (YAML nodes of `patches` or `patchesJson6902` items: a `patch`
    written inline, or a `path` to a file of `directory`, and a `target`) and of `strategic`
    (of `patchesStrategicMerge` items: a file's name, or a patch written inline), written in
    the file `shown`. A patch that does not parse is kustomize's to refuse."""
    import yaml

    out = WrittenPatches()
    for item in [*entries, *(strategic or [])]:
        fields = _scalar_keys(item) if isinstance(item, yaml.MappingNode) else \
            {("patch" if "\n" in item.value else "path"): item} if isinstance(item, yaml.ScalarNode) else {}
        text, written_in = None, shown
        if isinstance(fields.get("patch"), yaml.ScalarNode):
            text = _at_its_lines(fields["patch"])
        elif isinstance(fields.get("path"), yaml.ScalarNode) and fields["path"].value:
            path = Path(os.path.normpath(directory / str(fields["path"].value)))
            text, written_in = _read_patch(path)
        if text is not None:
            _read_patch_text(text, written_in, fields.get("target"), out)
    return out


def deployer_patches(written: tuple[Any, tuple[int, ...]] | None, at: tuple[str | int, ...], file: Path,
                     directory: Path) -> WrittenPatches | None:
    """The patches a deployer sets over the kustomization in `directory` (an Argo CD
    Application's `kustomize.patches`, a Flux Kustomization's `spec.patches`), read at their
    lines in its `file`: `written` is the file's node tree and the deployer's document's place
    (`document_place`), `at` the path of its patches list there. None when it has none."""
    import yaml

    from linter.loaders import display_path

    found = values_under(written[0], (*written[1], *at)) if written is not None else None
    if found is None or not isinstance(found[0], yaml.SequenceNode) or not found[0].value:
        return None
    return written_patches(list(found[0].value), display_path(file), directory)


def _read_patch(path: Path) -> tuple[str | None, str]:
    from linter.loaders import display_path

    try:
        return path.read_text(encoding="utf-8"), display_path(path)
    except (OSError, UnicodeDecodeError, ValueError):
        return None, ""


def _read_patch_text(text: str, shown: str, target: Any, out: WrittenPatches) -> None:
    """One patch's text (at its file's lines), its objects or operations added to `out`."""
    import yaml

    from linter.loaders import kubernetes

    selects = PatchTarget.of(target)
    try:
        documents = kubernetes.parse_documents(text, shown)  # guarded: aliases, depth, tags
        written = [data for data, _ in documents]
        if not (len(written) == 1 and isinstance(written[0], list)):  # a strategic merge patch: objects
            out.objects += [(patch, selects) for patch in
                            kubernetes.load_objects(documents, shown, {}, lines=kubernetes.ManifestLines(text))]
            return
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, ValueError, RecursionError, InputError):
        return
    if not isinstance(node, yaml.SequenceNode) or selects is None:
        return  # kustomize applies a JSON 6902 patch only to what a target selects
    for op_node, op in zip(node.value, written[0]):
        value_node = _scalar_keys(op_node).get("value")
        dotted = _pointer_path(op.get("path")) if isinstance(op, dict) else None
        if dotted is None:
            continue
        if value_node is not None and op.get("op") in ("add", "replace"):
            out.operations.append(_PatchOperation(selects, dotted, op.get("value"), shown,
                                                  value_node.start_mark.line + 1))
        elif op.get("op") == "remove":
            out.operations.append(_PatchOperation(selects, dotted, None, shown, op_node.start_mark.line + 1,
                                                  removes=True))


def _at_its_lines(node: Any) -> str:
    """A scalar's text, after as many empty lines as precede it in its file: parsed, its
    lines are the file's (a block scalar, `|-`, keeps them; it starts on the next line)."""
    before: int = node.start_mark.line + (1 if node.style in ("|", ">") else 0)
    return "\n" * before + str(node.value)


def _scalar_keys(node: Any) -> dict[str, Any]:
    """A YAML mapping node's entries by their keys' text (a key that is not a scalar left out)."""
    import yaml

    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)} \
        if isinstance(node, yaml.MappingNode) else {}


def _pointer_path(pointer: Any) -> str | None:
    """A JSON pointer (`/spec/template/spec/containers/0/image`) as a dotted path; None for
    one that is not a path into an object (`/spec/containers/-` appends)."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        return None
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]
    if any(not part or part == "-" or "." in part for part in parts):
        return None
    return ".".join(parts)


def _kustomization_entries(directory: Path, *keys: str) -> tuple[Path | None, list[list[Any]]]:
    """A directory's kustomization file and, per key, the composed YAML items of its
    top-level sequence (none when the file is absent, unreadable or has no such key)."""
    import yaml

    kfile = kustomization_file(directory)
    node = None
    if kfile is not None:
        try:
            node = yaml.compose(kfile.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, RecursionError):
            node = None
    sequences = {key_node.value: list(value.value) for key_node, value in node.value
                 if isinstance(value, yaml.SequenceNode)} if isinstance(node, yaml.MappingNode) else {}
    return kfile, [sequences.get(key, []) for key in keys]


def generated_from(generated: Resource, generator: str, key: str, text: str) -> Path | None:
    """The file a kustomize generator (`generator`: `configMapGenerator`) made the
    `generated` object's `key` of, when its text is `text` as built (an overlay merging
    other data in, or two files that could be it, leave it unnamed: None). A generated
    object points at the kustomization that configures it (`_load_kustomization`)."""
    import yaml

    from linter.loaders import display_path

    kfile = Path(generated.location.file)
    if kfile.name not in KUSTOMIZATION_NAMES:
        return None
    _, (entries,) = _kustomization_entries(kfile.parent, generator)
    found: list[Path] = []
    for entry in entries:
        listed = next((v for k, v in entry.value if k.value == "files" and isinstance(v, yaml.SequenceNode)), None) \
            if isinstance(entry, yaml.MappingNode) else None
        for item in listed.value if listed is not None else []:
            if not isinstance(item, yaml.ScalarNode):
                continue
            named, _, path = item.value.rpartition("=")  # `key=path`, or a path named by its file name
            if (named or os.path.basename(path)) != key:
                continue
            file = Path(display_path(kfile.parent / path))
            try:
                if file.read_text(encoding="utf-8") == text and file not in found:
                    found.append(file)
            except (OSError, UnicodeDecodeError, ValueError):
                continue
    return found[0] if len(found) == 1 else None


def _read_outside(kustomizations: list[Path]) -> tuple[Path, Path] | None:
    """(kustomization file, file) of the first file one of `kustomizations` reads outside its
    own directory (a resource, a strategic-merge patch): what kustomize's load restrictions
    refuse. None when each reads only files inside its own."""
    for directory in kustomizations:
        kfile = kustomization_file(directory)
        if kfile is None:
            continue
        for read in [*(Path(os.path.normpath(directory / ref)) for ref in _references(kfile)),
                     *_patch_files(directory)]:
            if os.path.isfile(read) and not within(Path(os.path.normpath(read)), directory):
                return kfile, read
    return None


def _patch_files(directory: Path) -> list[Path]:
    """The strategic-merge patch files a kustomization names (`patches: - path:`, `patchesStrategicMerge`)."""
    import yaml

    _, (patches, strategic) = _kustomization_entries(directory, "patches", "patchesStrategicMerge")
    out = [directory / v.value for item in patches if isinstance(item, yaml.MappingNode)
           for k, v in item.value if k.value == "path" and isinstance(v, yaml.ScalarNode) and v.value]
    out += [directory / item.value for item in strategic  # a file, not an inline patch
            if isinstance(item, yaml.ScalarNode) and item.value and "\n" not in item.value]
    return [p for p in out if os.path.isfile(p)]


def _replica_entries(directory: Path) -> list[tuple[str, int, str, Any]]:
    """(kustomization, line of `count`, name, count) of each entry of a kustomization's `replicas`."""
    from linter.loaders import display_path

    kfile, (entries,) = _kustomization_entries(directory, "replicas")
    return replica_counts(display_path(kfile), entries) if kfile is not None else []


@dataclass
class _Replacement:
    """A kustomize replacement: the value at `source_path` (a kustomize field path) of the
    object `source` selects, copied to each field path (written at `file`, its line) of the
    objects a target's `select` selects and none of its `reject`s do; `partial`: the target
    replaces a part of a delimited string, so its value is not the source's."""

    source: PatchTarget
    source_path: str
    file: str
    targets: list[tuple[PatchTarget, list[PatchTarget], list[tuple[str, int]], bool]]

    def written_at(self, rendered: Resource, base: Resource, path: str, value: Any,
                   objects: list[tuple[Resource, Resource]]) -> Location | None:
        """Where the value at `path` of `rendered` comes from when this replacement wrote it:
        the source's line (a user changes the value there), else, a source not rendered (a
        `local-config` object), the target's field path in the kustomization. `objects`: the
        rendering's, each with the base's object it is made of (a source is selected by
        either's name, as a target is)."""
        for select, rejects, field_paths, partial in self.targets:
            if not select.selects(rendered, base) or any(r.selects(rendered, base) for r in rejects):
                continue
            for field_path, line in field_paths:
                if path not in _field_paths(rendered.attrs, field_path):
                    continue
                sources = [o for o, made_of in objects if self.source.selects(o, made_of)]
                found = _field_paths(sources[0].attrs, self.source_path) if len(sources) == 1 else []
                if len(found) == 1 and (partial or str(lookup(sources[0].attrs, found[0], None)) == str(value)):
                    return Location(*sources[0].place_for(found[0]))  # where the source's value is written
                return Location(self.file, line)
        return None


def kustomization_replacements(directory: Path) -> list[_Replacement]:
    """The `replacements` of a directory's kustomization: written inline, or in a file an
    entry's `path` names (one replacement, or a list of them)."""
    import yaml

    from linter.loaders import display_path

    kfile, (entries,) = _kustomization_entries(directory, "replacements")
    out: list[_Replacement] = []
    for entry in entries:
        fields, shown = _scalar_keys(entry), display_path(kfile) if kfile is not None else ""
        nodes = [entry]
        if isinstance(fields.get("path"), yaml.ScalarNode) and "source" not in fields:
            text, shown = _read_patch(Path(os.path.normpath(directory / str(fields["path"].value))))
            try:
                node = yaml.compose(text, Loader=yaml.SafeLoader) if text is not None else None
            except (yaml.YAMLError, ValueError, RecursionError):
                node = None  # kustomize's to refuse
            nodes = list(node.value) if isinstance(node, yaml.SequenceNode) else [node]
        out += [r for r in map(functools.partial(_replacement, shown=shown), nodes) if r is not None]
    return out


def _replacement(node: Any, shown: str) -> _Replacement | None:
    import yaml

    fields = _scalar_keys(node)
    source = PatchTarget.of(fields.get("source"))
    if source is None or not isinstance(fields.get("targets"), yaml.SequenceNode):
        return None
    source_path = _scalar_keys(fields["source"]).get("fieldPath")
    targets = []
    for target in fields["targets"].value:
        written = _scalar_keys(target)
        select = PatchTarget.of(written.get("select"))
        paths = written.get("fieldPaths")
        if select is None or not isinstance(paths, yaml.SequenceNode):
            continue
        rejects = written.get("reject")
        options = _scalar_keys(written.get("options"))
        targets.append((select, [r for r in map(PatchTarget.of, rejects.value) if r is not None]
                        if isinstance(rejects, yaml.SequenceNode) else [],
                        [(str(p.value), p.start_mark.line + 1) for p in paths.value if isinstance(p, yaml.ScalarNode)],
                        "delimiter" in options))
    return _Replacement(source, str(source_path.value) if isinstance(source_path, yaml.ScalarNode)
                        else "metadata.name", shown, targets)


def _field_paths(attrs: Any, field_path: str) -> list[str]:
    """The dotted paths of `attrs` a kustomize field path names: `spec.replicas`,
    `spec.template.spec.containers.[name=api].image` (the list item whose `name` is `api`),
    `containers.0`, `*` (every key or item), `[a.b]` (a key holding dots). A last key the
    object lacks is named too (`options.create` adds it)."""
    parts, part, depth = [], "", 0
    for char in field_path:
        if char == "." and depth == 0:
            parts.append(part)
            part = ""
            continue
        depth += (char == "[") - (char == "]")
        part += char
    parts.append(part)
    found: list[tuple[Any, str]] = [(attrs, "")]
    for i, part in enumerate(parts):
        here: list[tuple[Any, str]] = []
        for value, at in found:
            if part == "*":
                keys = list(value) if isinstance(value, dict) else range(len(value)) if isinstance(value, list) else []
                here += [(value[k], f"{at}.{k}" if at else str(k)) for k in keys]
            elif part.startswith("[") and part.endswith("]") and "=" in part and isinstance(value, list):
                key, _, wanted = part[1:-1].partition("=")
                here += [(item, f"{at}.{n}" if at else str(n)) for n, item in enumerate(value)
                         if isinstance(item, dict) and str(item.get(key)) == wanted]
            else:
                key = part[1:-1] if part.startswith("[") and part.endswith("]") else part
                if isinstance(value, list) and key.isdigit() and int(key) < len(value):
                    here.append((value[int(key)], f"{at}.{key}" if at else key))
                elif isinstance(value, dict) and (key in value or i == len(parts) - 1):
                    here.append((value.get(key), f"{at}.{key}" if at else key))
        found = here
    return [at for _, at in found]


def replica_counts(shown: str, entries: list[Any]) -> list[tuple[str, int, str, Any]]:
    """(file, line of `count`, name, count) of each `replicas` entry (YAML nodes) a file writes."""
    import yaml

    out = []
    for item in entries:
        fields = {k.value: v for k, v in item.value if isinstance(v, yaml.ScalarNode)} \
            if isinstance(item, yaml.MappingNode) else {}
        if "name" in fields and "count" in fields and fields["count"].value.isdigit():
            out.append((shown, fields["count"].start_mark.line + 1, fields["name"].value, int(fields["count"].value)))
    return out
