"""Argo CD: the charts and kustomizations of this repository that its Applications (and
ApplicationSets) deploy.

An Argo CD `Application` deploys a source: here, a chart of the repository that holds
it (`spec.source.path`, or one of `spec.sources`), with value files, inline values and
parameters, into a namespace. Such a chart is judged as each Application renders it
(loaders/rendered.py:_load_release), not alone; a kustomization it points at is built
with the Application's `kustomize` options (`_kustomize_options`, built by
rendered.py:_load_kustomization), not alone either; a directory with neither is a
directory source, its manifests applied as written into the destination namespace
(`_directory_source`: `recurse`, `include`/`exclude` globs). Which tool builds a source is
Argo CD's choice (`source_tool`): the block it gives (`helm`, `kustomize`, `directory`,
`plugin`; two: refused), else what its path holds. An `ApplicationSet` makes
Applications from its template, one per parameter set of its generators: the `list`
generator (with `elementsYaml`), the git `directories` and `files` generators of this
repository (with `values`), and `matrix` and `merge` generators combining those are read,
each filtered by its `selector`, a top-level generator's own `template` merged over the
set's; a set with any other generator (clusters, pull requests...), a `templatePatch`, or a
template this reader cannot fill (Go templates beyond `{{.key}}` and `{{.key | toJson}}`)
makes none here. The objects come from the scan's loaded manifests: no file is read twice.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from linter.loaders.rendered import (deployer_patches, deployer_releases, document_place, local_kustomize_options,
                                     mapping_of, within)
from linter.model import Unknown

if TYPE_CHECKING:
    from linter.loaders.rendered import Release

APPLICATION = "argoproj.io/Application"
APPLICATION_SET = "argoproj.io/ApplicationSet"
# the Applications of one ApplicationSet judged at most (each renders a chart with helm)
MAX_GENERATED = 100
# the ConfigMap that configures an Argo CD installation: `kustomize.buildOptions` are the
# flags its repo server adds to every `kustomize build`
SETTINGS = "argocd-cm"


def argo_sources(loaded: Any, staged: set[str] | None = None) -> list[Release]:
    """The charts of this repository that the scan's Argo CD Applications and
    ApplicationSets deploy: a source with a `path` (not a `chart` of a Helm repository)
    whose `repoURL` names the repository holding the manifest (by a git remote, or its
    directory's name) and where a Chart.yaml is. A source whose rendering is not known here
    (a value file of another repository, one Argo CD refuses to miss, a plugin) is a
    NotKnownRelease: what it deploys is not judged, as deployed or alone. An Application of
    a file read as context (a sibling, a deployer of the checkout a pre-commit run found)
    deploys only what renders one of `staged` (real paths: the staged files), and nothing
    else of it is said; with `staged` None, nothing."""
    out: list[Release] = []
    composed: dict[str, Any] = {}  # an Application file's node tree (rendered.compose_file), read once
    settings = [mapping_of(r.attrs.get("data")) for r in loaded.resources if is_settings(r)]
    for r in loaded.resources:
        if r.type not in (APPLICATION, APPLICATION_SET) or r.source_format != "kubernetes" \
                or not isinstance(r.attrs.get("spec"), dict):
            continue
        context = r.location.file in loaded.context_files

        def read(r: Any = r, context: bool = context) -> list[Release]:
            if r.type == APPLICATION:
                return _argo_releases(Path(r.location.file), r.attrs, functools.partial(document_place, r, composed),
                                      r.location.line, staged if context else None, settings)
            made: list[Release] = []
            why: list[str] = []
            applications = generated_applications(Path(r.location.file), r.attrs["spec"], why)
            if why and not context:
                loaded.notes.append(f"{r.location.file}: {r.address} {why[0]}: its Applications are not judged "
                                    "(what they deploy is judged as the repository has it)")
            # each is a render: a set's size must not decide the scan's time
            if len(applications) > MAX_GENERATED and not context:
                loaded.notes.append(f"{r.location.file}: {r.address} makes {len(applications)} Applications: "
                                    f"the first {MAX_GENERATED} are judged (a chart or directory only later ones "
                                    "deploy is judged as the repository has it)")
            for application in applications[:MAX_GENERATED]:
                made += _argo_releases(Path(r.location.file), application, line=r.location.line,
                                       staged=staged if context else None, settings=settings)
            return made

        out += deployer_releases(loaded, r, staged, read)
    return out


def is_settings(r: Any) -> bool:
    """Whether `r` is an Argo CD installation's settings: the ConfigMap `argocd-cm`."""
    return bool(r.type == "core/ConfigMap" and r.name == SETTINGS and r.source_format == "kubernetes")


def build_flags(settings: list[dict[str, Any]], kustomize: dict[str, Any]) -> list[list[str]] | None:
    """The kustomize build flags Argo CD adds for a source whose `kustomize` block is
    `kustomize`, by each of the scan's argocd-cm ConfigMaps (their `data`): the words of
    `kustomize.buildOptions`, or of `kustomize.buildOptions.<version>` for a source that names
    a kustomize `version` (Argo CD's `KustomizeSettings.GetOptions`, split at spaces). None
    when the scan has none (the installation is configured where this scan does not look)."""
    if not settings:
        return None
    version = kustomize.get("version")
    key = f"kustomize.buildOptions.{version}" if isinstance(version, str) and version else "kustomize.buildOptions"
    return [str(data.get(key) or "").split() for data in settings]


def load_restricted(flags: list[list[str]] | None) -> bool | None:
    """Whether Argo CD builds with kustomize's load restrictions (no file outside a
    kustomization's own directory): restricted only when no argocd-cm's flags turn them off
    (`--load-restrictor LoadRestrictionsNone`, or with `=`); None: no argocd-cm in the scan."""
    if flags is None:
        return None
    return not any("--load-restrictor=LoadRestrictionsNone" in words or any(
        word == "--load-restrictor" and following == "LoadRestrictionsNone" for word, following in zip(words, words[1:]))
        for words in flags)


def helm_enabled(flags: list[list[str]] | None) -> bool | None:
    """Whether Argo CD lets kustomize inflate `helmCharts`: only with `--enable-helm` in an
    argocd-cm's flags; None: no argocd-cm in the scan."""
    return None if flags is None else any("--enable-helm" in words for words in flags)


def _argo_releases(file: Path, application: dict[str, Any],
                   written: Callable[[], tuple[Any, tuple[int, ...]] | None] | None = None,
                   line: int | None = None, staged: set[str] | None = None,
                   settings: list[dict[str, Any]] | None = None) -> list[Release]:
    """The charts and kustomizations of this repository the Application deploys;
    `written`: its file's node tree and its document's place there (`document_place`,
    asked when it has inline values or replicas), for notes naming the lines that set them.
    `staged`: a directory source is read only when one of these files lies in it.
    `settings`: the `data` of the scan's argocd-cm ConfigMaps (`build_flags`)."""
    from linter.loaders.rendered import (ChartRelease, KustomizationRelease, NotKnownRelease, holds_any,
                                         inline_values_at, kustomization_file)
    from linter.repository import checkout_named, repository_name

    spec = mapping_of(application.get("spec"))
    metadata = mapping_of(application.get("metadata"))
    name = str(metadata.get("name") or file.stem)
    namespace = mapping_of(spec.get("destination")).get("namespace")
    namespace = namespace if isinstance(namespace, str) else None
    listed = spec.get("sources")
    sources: list[Any] = listed if isinstance(listed, list) else [spec.get("source")]
    out: list[Release] = []
    # a multi-source Application's `ref` sources of this repository: `$name/path` in a value file
    # list is that file of the repository (Argo CD reads it at the repository's top)
    refs: dict[str, Path] = {}
    for source in sources if isinstance(listed, list) else []:
        url = source.get("repoURL") if isinstance(source, dict) else None
        if isinstance(url, str) and url and isinstance(source.get("ref"), str):
            ref_top = checkout_named(file.parent, repository_name(url))
            if ref_top is not None:
                refs[source["ref"]] = ref_top
    for n, source in enumerate(sources):
        if not isinstance(source, dict) or not isinstance(source.get("path"), str) or "chart" in source:
            continue
        url = source.get("repoURL")
        top = checkout_named(file.parent, repository_name(url)) if isinstance(url, str) and url else None
        chart = Path(os.path.normpath(top / source["path"].lstrip("/"))) if top is not None else None
        if top is None or chart is None or not within(chart, top):
            continue
        at = ("spec", *(("sources", n) if isinstance(listed, list) else ("source",)))  # the source, in the file

        def not_known(why: str, chart: Path = chart) -> NotKnownRelease:
            return NotKnownRelease(file, name, chart, f"Argo CD Application {name}", f"argocd:{name}", why, line)

        tool = source_tool(source, chart)
        if tool == "kustomize":
            # with no kustomization, `kustomize build` fails in Argo CD: nothing is deployed
            if kustomization_file(chart) is not None:
                kustomize = mapping_of(source.get("kustomize"))
                options = _kustomize_options(kustomize, chart, top)
                if options is None:
                    out.append(not_known("its `kustomize` block is not known here (a replica count that is not "
                                         "a number, a patch or component outside this repository or not there)"))
                else:
                    where = written() if written is not None and (options.get("replicas") or options.get("patches")) \
                        else None
                    out.append(KustomizationRelease(
                        file, name, chart, options, namespace, f"Argo CD Application {name}", f"argocd:{name}", line,
                        _replicas_at(file, where, at) if where is not None else [],
                        patches_at=deployer_patches(where, (*at, "kustomize", "patches"), file, chart),
                        load_restricted=load_restricted(flags := build_flags(settings or [], kustomize)),
                        helm_enabled=helm_enabled(flags)))
            continue
        if tool == "directory":
            if holds_any(chart, staged):
                # a directory source: its manifests applied as written, into the destination namespace
                applied = _directory_source(source.get("directory"), chart, top)
                if applied is None and (os.path.isfile(chart / "Chart.yaml") or kustomization_file(chart) is not None):
                    out.append(not_known("what Argo CD applies of it as a directory source is not known here "
                                         "(jsonnet, a file it refuses, a kustomization or a patch among the files)"))
                elif applied:
                    out.append(KustomizationRelease(file, name, chart, {}, namespace, f"Argo CD Application {name}",
                                                    f"argocd:{name}", line, listed=applied))
            continue
        if tool != "helm" and (os.path.isfile(chart / "Chart.yaml") or kustomization_file(chart) is not None):
            out.append(not_known(_unknown_tool(source)))
        if tool != "helm" or not os.path.isfile(chart / "Chart.yaml"):
            continue  # a plugin renders it, Argo CD refuses it (helm with no Chart.yaml), or not known here
        helm = mapping_of(source.get("helm"))
        files: list[Path] = []
        given_files = helm.get("valueFiles") or []
        # why a file it reads is not known here
        unreadable = None if isinstance(given_files, list) else "its `valueFiles` is not a list (Argo CD refuses it)"
        for entry in given_files if unreadable is None else []:
            # relative to the source's path; a leading `/`, to the repository's top (as Argo CD reads it)
            text = str(entry)
            ref, _, in_ref = text[1:].partition("/") if text.startswith("$") else ("", "", "")
            repository = refs.get(ref) if ref else top
            path = Path(os.path.normpath(repository / in_ref if ref and repository is not None
                                         else top / text.lstrip("/") if text.startswith("/") else chart / text))
            if repository is None or "://" in text or not within(path, repository):
                unreadable = unreadable or f"its value file `{text}` is not in this repository"
            elif os.path.isfile(path):
                files.append(path)
            elif not helm.get("ignoreMissingValueFiles"):
                unreadable = unreadable or f"its value file `{text}` is not there (Argo CD fails to render it)"
        if unreadable is not None:
            out.append(not_known(unreadable))
            continue
        inline_key = "valuesObject" if isinstance(helm.get("valuesObject"), dict) else "values"
        inline = helm.get(inline_key)
        given: list[Any] = helm["parameters"] if isinstance(helm.get("parameters"), list) else []
        kept = [n for n, p in enumerate(given) if isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"]]
        parameters = [("--set-string" if given[n].get("forceString") is True else "--set",
                       f"{given[n]['name']}={given[n].get('value', '')}") for n in kept]
        # where each is written: a value note names the Application's line
        where = written() if kept and written is not None else None
        parameter_places: list[str | None] | None = _parameter_places(file, where, (*at, "helm", "parameters"),
                                                                      kept) if where is not None else None
        for p in helm.get("fileParameters") or []:  # a value read from a file of the repository
            read = Path(os.path.normpath(chart / str(p.get("path", "")))) if isinstance(p, dict) else None
            if read is None or not p.get("name") or not within(read, top) or not os.path.isfile(read):
                unreadable = "a file of its `fileParameters` is not in this repository or not there"
                break
            parameters.append(("--set-file", f"{p['name']}={read}"))
        if unreadable is not None:
            out.append(not_known(unreadable))
            continue
        release = helm.get("releaseName")
        values: list[Path | str | dict[str, Any]] = [*files, *([inline] if inline else [])]
        release = release if isinstance(release, str) and release else name
        # inline values written in the Application's file (a mapping, or a literal `values: |`): a
        # value note can name their line, as it names a value file's
        places: list[tuple[Path, tuple[str | int, ...]]] | None = None
        where = written() if inline and written is not None else None
        if where is not None and inline_values_at(where[0], (*where[1], *at, "helm", inline_key)):
            places = [*((f, ()) for f in files), (file, (*where[1], *at, "helm", inline_key))]
        if parameter_places is not None:
            parameter_places += [None] * (len(parameters) - len(parameter_places))  # fileParameters: a file's text
        out.append(ChartRelease(file, name, chart, values, parameters, release, namespace,
                                f"Argo CD Application {name}", f"argocd:{name}", places, parameter_places))
    return out


# the blocks that name a source's tool (ApplicationSource.ExplicitType), in the order Argo CD lists them
SOURCE_TOOLS = ("kustomize", "helm", "directory", "plugin")


def _unknown_tool(source: dict[str, Any]) -> str:
    """Why a source of a chart or kustomization that neither helm nor kustomize builds (as
    `source_tool` tells) is not known here."""
    given = [key for key in SOURCE_TOOLS if source.get(key) is not None]
    if given == ["plugin"]:
        return "a config management plugin builds it"
    if len(given) > 1:
        return f"Argo CD refuses a source with more than one tool block ({', '.join(given)})"
    return f"whether Argo CD keeps its empty `{given[0]}` block is not known here" if given \
        else "which tool Argo CD builds it with is not known here"


def source_tool(source: dict[str, Any], path: Path) -> str | None:
    """The tool Argo CD builds a source with: `kustomize`, `helm`, `directory` or `plugin`.
    The source's one block among SOURCE_TOOLS when it gives one (`ApplicationSource.ExplicitType`:
    a `directory` block makes a directory of a kustomization or a chart a directory source); with
    none, what the top of `path` holds (`discovery.Discover`, see `_detected_tool`). Two or more
    blocks: Argo CD refuses the Application ("multiple application sources defined") and deploys
    nothing: None. A block that sets nothing (`helm: {}`) Argo CD drops where it normalizes the
    source (`NormalizeSource`), which not every path to the repo server does: when keeping it
    and dropping it choose differently, what is built is not known here: None."""
    given = [key for key in SOURCE_TOOLS if source.get(key) is not None]
    kept = [key for key in given if not _zero(source[key])]
    chosen = {_detected_tool(path) if not blocks else blocks[0] if len(blocks) == 1 else None
              for blocks in (given, kept)}
    return chosen.pop() if len(chosen) == 1 else None


def _zero(value: Any) -> bool:
    """Whether a block sets nothing: every value in it empty, false or zero (Go's zero values)."""
    if isinstance(value, dict):
        return all(_zero(v) for v in value.values())
    return not isinstance(value, Unknown) and not value  # `${var}` a deploy substitutes: something


def _detected_tool(path: Path) -> str | None:
    """The tool Argo CD detects for a source that names none (`discovery.Discover`): its walk
    meets the files at the top of `path` by name and the last that names a tool wins: `helm` for
    a name ending in `Chart.yaml`, `kustomize` for a kustomization (so a kustomization.yaml
    beside a Chart.yaml: kustomize); with neither, `directory`. A config management plugin
    whose discovery rules match is not known here (none is assumed). None when `path` cannot be
    listed."""
    from linter.loaders.rendered import KUSTOMIZATION_NAMES

    try:
        with os.scandir(path) as listing:
            files = sorted(entry.name for entry in listing if not entry.is_dir(follow_symlinks=False))
    except OSError:
        return None
    tool = "directory"
    for name in files:
        if name.endswith("Chart.yaml"):
            tool = "helm"
        if name in KUSTOMIZATION_NAMES:
            tool = "kustomize"
    return tool


def _kustomize_options(kustomize: dict[str, Any], directory: Path, top: Path) -> dict[str, Any] | None:
    """The kustomization keys an Application's `kustomize` block sets over `directory`
    (what Argo CD writes with `kustomize edit` before it builds), as kustomization keys;
    None when one of them is not known here (a replica count that is not a number, a
    patch or component file outside the repository, or missing)."""
    options: dict[str, Any] = {}
    lists = {key: kustomize.get(key) or [] for key in ("images", "replicas", "patches", "components")}
    if not all(isinstance(value, list) for value in lists.values()):
        return None  # not an Application Argo CD accepts
    for key in ("namePrefix", "nameSuffix", "namespace"):
        if isinstance(kustomize.get(key), str) and kustomize[key]:
            options[key] = kustomize[key]
    for key in ("commonLabels", "commonAnnotations"):
        given = kustomize.get(key)
        if isinstance(given, dict) and given:
            pairs = {str(k): str(v) for k, v in given.items()}
            if key == "commonLabels" and kustomize.get("labelWithoutSelector"):  # labels that leave selectors be
                options["labels"] = [{"pairs": pairs, "includeSelectors": False}]
            else:
                options[key] = pairs
    images = [image for text in lists["images"] if (image := _image(text)) is not None]
    if images:
        options["images"] = images
    replicas = []
    for entry in lists["replicas"]:
        count = entry.get("count") if isinstance(entry, dict) else None
        if isinstance(count, str) and count.isdigit():
            count = int(count)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) \
                or not isinstance(count, int) or isinstance(count, bool):
            return None
        replicas.append({"name": entry["name"], "count": count})
    if replicas:
        options["replicas"] = replicas
    return local_kustomize_options(lists["patches"], lists["components"], directory, top, options)


def _directory_source(directory: Any, path: Path, top: Path) -> list[Path] | None:
    """The manifests Argo CD applies of a directory source: its `.yaml`, `.yml` and `.json`
    files, in subdirectories too with `directory.recurse`, those `include` picks less those
    `exclude` names (glob patterns over the paths from `path`). None when it is not known
    here: jsonnet (a `jsonnet` block that sets anything, or a `.jsonnet` file among them), a
    setting Argo CD would refuse, what `rendered.directory_resources` cannot know, a file
    Argo CD reads that the scan does not take as Kubernetes and Argo CD does not pass over
    (`_passed_over`), and, in a directory holding a kustomization (a `directory` block over it),
    the kustomization file itself (an object of kind Kustomization that no cluster serves: the
    sync fails) or a file its kustomization reads other than a resource (a patch: a partial
    object Argo CD would apply as a whole one)."""
    from linter.loaders.rendered import KUSTOMIZATION_NAMES, directory_resources, kustomization_file

    settings = mapping_of(directory) if directory is not None else {}
    if directory is not None and not isinstance(directory, dict) or settings.get("jsonnet"):
        return None
    recurse = settings.get("recurse", False)
    patterns = [settings.get(key) or "" for key in ("include", "exclude")]
    if not isinstance(recurse, bool) or not all(isinstance(p, str) for p in patterns):
        return None
    include, exclude = (glob_matcher(p) if p else None for p in patterns)
    if patterns[0] and include is None or patterns[1] and exclude is None:
        return None
    read: list[Path] = []  # every file Argo CD reads, Kubernetes or not

    def picked(relative: str) -> bool:
        chosen = (exclude is None or not exclude(relative)) and (include is None or include(relative))
        if chosen:
            read.append(path / relative)
        return chosen

    listed = directory_resources(path, top, (".yaml", ".yml", ".json", ".jsonnet"), recurse, picked=picked)
    if listed is None:
        return None
    applied = set(listed)
    # a kustomization the scan takes as Kubernetes (it names its apiVersion and kind) is an object
    # Argo CD applies too
    if any(file in applied and file.name in KUSTOMIZATION_NAMES or file not in applied and not _passed_over(file)
           for file in read):
        return None
    for folder in {file.parent for file in read}:
        kustomization = kustomization_file(folder)
        inputs = _kustomization_inputs(kustomization) if kustomization is not None else set()
        if inputs is None or any(os.path.realpath(file) in inputs for file in listed):
            return None
    return listed


def _passed_over(file: Path) -> bool:
    """Whether Argo CD passes over a file of a directory source that the scan does not take
    as Kubernetes (repository.go `getObjsFromYAMLOrJson`): YAML none of whose documents decodes
    as an object (no `kind`) and whose text lacks one of `apiVersion:`, `kind:` and `metadata:`
    (with all three Argo CD refuses the directory). JSON it refuses unless it is an object;
    a document with a `kind` it applies, and the cluster refuses (no `apiVersion`, a
    kustomization's config): neither is passed over."""
    from linter.loaders.kubernetes import read_yaml
    from linter.model import InputError

    if file.suffix == ".json":
        return False
    try:
        text = file.read_text(encoding="utf-8")
        if all(word in text for word in ("apiVersion:", "kind:", "metadata:")):
            return False
        documents = read_yaml(text, str(file))
    except (OSError, UnicodeDecodeError, InputError, RecursionError):
        return False  # Argo CD may have decoded objects before the error, and refuse the file
    return not any(isinstance(d, dict) and d.get("kind") for d in documents)


def _kustomization_inputs(kustomization: Path) -> set[str] | None:
    """The real paths of the files a kustomization names other than its `resources`, `bases`
    and `components` (patches, transformer and generator configs, replacements...): any text
    of it naming a file of its directory. None when it does not load."""
    from linter.loaders.kubernetes import read_yaml
    from linter.loaders.rendered import REFERENCE_KEYS
    from linter.model import InputError

    try:
        documents = read_yaml(kustomization.read_text(encoding="utf-8"), str(kustomization))
    except (OSError, UnicodeDecodeError, InputError, RecursionError):
        return None
    document = documents[0] if documents else None
    out: set[str] = set()
    pending: list[Any] = [v for k, v in mapping_of(document).items() if k not in REFERENCE_KEYS]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            pending += node.values()
        elif isinstance(node, list):
            pending += node
        elif isinstance(node, str) and node and "\n" not in node and "\0" not in node:
            named = kustomization.parent / node
            if os.path.isfile(named):
                out.add(os.path.realpath(named))
    return out


# brace alternatives a glob pattern may expand to, at most
MAX_GLOB_ALTERNATIVES = 256


def glob_matcher(pattern: str) -> Callable[[str], bool] | None:
    """A glob pattern as Argo CD matches `directory.include`/`exclude` (gobwas/glob with no
    separators: `*` and `**` match any text, `/` too; `?`, `[a-z]`, `[!a]`, `{a,b}`
    alternatives, `\\` escapes): whether a path matches it. None for a pattern that does not
    compile (Argo CD then matches nothing) or with more than MAX_GLOB_ALTERNATIVES
    alternatives. Each alternative is matched by `fnmatch`, whose translation of `*` does
    not backtrack without bound."""
    import fnmatch

    alternatives = _alternatives(pattern)
    if alternatives is None:
        return None
    return lambda text: any(fnmatch.fnmatchcase(text, one) for one in alternatives)


def _alternatives(pattern: str) -> list[str] | None:
    """The `fnmatch` patterns a gobwas glob's `{a,b}` alternatives expand to (escapes as
    `[c]`); None when it does not compile or expands past MAX_GLOB_ALTERNATIVES."""
    out = [""]
    at = 0
    while at < len(pattern):
        c = pattern[at]
        if c == "\\":
            if at + 1 == len(pattern):
                return None
            escaped = pattern[at + 1]
            piece, at = f"[{escaped}]" if escaped in "*?[" else escaped, at + 2
        elif c == "[":
            end = pattern.find("]", at + 2)  # `[]...]`: a `]` first is part of the class
            if end == -1:
                return None
            piece, at = pattern[at:end + 1], end + 1
        elif c == "{":
            close, parts = _brace(pattern, at)
            if close is None:
                return None
            expanded: list[str] = []
            for part in parts:
                inner = _alternatives(part)
                if inner is None or len(out) * (len(expanded) + len(inner)) > MAX_GLOB_ALTERNATIVES:
                    return None
                expanded += inner
            out = [head + tail for head in out for tail in expanded]
            at = close + 1
            continue
        elif c == "}":
            return None
        else:
            piece, at = c, at + 1
        out = [head + piece for head in out]
    return out


def _brace(pattern: str, start: int) -> tuple[int | None, list[str]]:
    """The index of the `}` closing the `{` at `start`, and the texts its top-level commas part."""
    depth, at, begun = 0, start, start + 1
    parts: list[str] = []
    while at < len(pattern):
        c = pattern[at]
        if c == "\\":
            at += 2
            continue
        if c == "[":
            end = pattern.find("]", at + 2)
            if end == -1:
                return None, []
            at = end + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return at, [*parts, pattern[begun:at]]
        elif c == "," and depth == 1:
            parts.append(pattern[begun:at])
            begun = at + 1
        at += 1
    return None, []


def _image(text: Any) -> dict[str, str] | None:
    """A `kustomize edit set image` argument as a kustomization `images` entry:
    `nginx=registry/nginx:1.2`, `nginx:1.2`, `nginx@sha256:...`; None when it is none."""
    if not isinstance(text, str) or not text:
        return None
    name, _, given = text.partition("=")
    new = given or name
    entry: dict[str, str] = {}
    if "@" in new:
        new, entry["digest"] = new.split("@", 1)
    elif ":" in new.rsplit("/", 1)[-1]:
        new, entry["newTag"] = new.rsplit(":", 1)
    if given:
        entry["newName"] = new
    else:
        name = new
    return {"name": name, **entry} if name else None


def _parameter_places(file: Path, written: tuple[Any, tuple[int, ...]], at: tuple[str | int, ...],
                      kept: list[int]) -> list[str | None]:
    """`file:line` of the `value` of each of the source's `helm.parameters` entries `kept`
    (their indices), as the Application's file writes it; None where it is not found."""
    from linter.loaders import display_path
    from linter.loaders.rendered import values_under

    out: list[str | None] = []
    for n in kept:
        found = values_under(written[0], (*written[1], *at, n, "value"))
        out.append(f"{display_path(file)}:{found[0].start_mark.line + 1 + found[1]}" if found is not None else None)
    return out


def _replicas_at(file: Path, written: tuple[Any, tuple[int, ...]], source: tuple[str | int, ...]
                 ) -> list[tuple[str, int, str, Any]]:
    """(file, line of `count`, name, count) of each `replicas` entry of the source's
    `kustomize` block, as the Application's file writes it."""
    import yaml

    from linter.loaders import display_path
    from linter.loaders.rendered import replica_counts, values_under

    found = values_under(written[0], (*written[1], *source, "kustomize", "replicas"))
    return replica_counts(display_path(file), found[0].value) \
        if found is not None and isinstance(found[0], yaml.SequenceNode) else []




# ------------------------------------------------------------------ ApplicationSets
# The generators read here are run as Argo CD's ApplicationSet controller runs them
# (applicationset/generators/{list,git,matrix,merge}.go and generator_spec_processor.go, as
# recalled from that source and its documentation: no copy of it is at hand to check
# against). Any other generator (clusters, pullRequest, scmProvider, clusterDecisionResource,
# plugin...), a matrix or merge child with a `template` of its own, a selector Argo CD would
# refuse, leaves the set unread: what Argo CD makes of it is not known here, and nothing is guessed.
#
# the parameter sets one matrix or merge may give, and the generators one set may evaluate (a
# matrix evaluates its second child once per parameter set of its first), at most: past
# either the set is not read, so that its size cannot decide the scan's time, and a note says so
# (all or nothing: a matrix cut short would pair what Argo CD does not)
MAX_PARAMETER_SETS = 1000
# how deep matrix and merge generators nest, at most: Argo CD's own limit (a matrix or merge
# child of a matrix or merge, whose children are then plain generators)
MAX_NESTING = 1


def generated_applications(file: Path, spec: dict[str, Any], why: list[str] | None = None) -> list[dict[str, Any]]:
    """The Applications an ApplicationSet's template makes, one per parameter set its
    generators give, each generator's own `template` merged over it (`_merged_template`);
    none when a generator is one not read here, the template cannot be filled, the set has a
    `templatePatch`, or two Applications would share a name (Argo CD then makes none, so what
    it would make is not known). `why`: told why when the set was not read for its size."""
    template = spec.get("template")
    generators = spec.get("generators")
    if not isinstance(template, dict) or not isinstance(generators, list) or not generators \
            or spec.get("templatePatch"):
        return []
    go = bool(spec.get("goTemplate"))
    read = _Generators(file, go)
    out: list[dict[str, Any]] = []
    for generator in generators:
        parameters = read.parameters(generator)
        if parameters is None:
            if read.bounded and why is not None:
                why.append(f"gives more than {MAX_PARAMETER_SETS} parameter sets")
            return []
        kind = next(key for key in generator if key != "selector")  # read: one generator
        own = mapping_of(generator[kind]).get("template")
        if own is not None and not isinstance(own, dict):
            return []
        merged = _merged_template(own, template) if own else template
        for values in parameters:
            filled = _fill(merged, values, go)
            if filled is None:
                return []
            out.append({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **filled})
    # the controller refuses a set two of whose Applications share a name
    names = {str(mapping_of(a.get("metadata")).get("name")) for a in out}
    return out if len(names) == len(out) else []


def _merged_template(own: Any, base: Any, key: str = "") -> Any:
    """A generator's own `template` over the ApplicationSet's (generator_spec_processor.go
    `mergeGeneratorTemplate`: `mergo.Merge(generator's, set's)`): what the generator's sets
    leave empty (missing, null, "", 0, false, an empty list or map) is the set's; maps
    (labels, the source, its `helm` block...) are merged key by key, lists and
    `valuesObject` (raw JSON) taken whole."""
    if isinstance(own, dict) and isinstance(base, dict) and key != "valuesObject":
        out = dict(own)
        for name, value in base.items():
            out[name] = _merged_template(own[name], value, name) if name in own else value
        return out
    return base if (own is None if key == "valuesObject" else _zero(own)) else own


class _Generators:
    """One ApplicationSet's generators, read: each one's parameter sets, its work bounded
    (MAX_PARAMETER_SETS, MAX_NESTING)."""

    def __init__(self, file: Path, go: bool) -> None:
        self.file, self.go = file, go
        self.evaluated = 0
        self.bounded = False  # a set was not read for its size (MAX_PARAMETER_SETS)
        # a matrix's second child, by its text once interpolated: evaluated once
        self.known: dict[str, list[dict[str, Any]] | None] = {}

    def parameters(self, generator: Any, depth: int = 0) -> list[dict[str, Any]] | None:
        """The parameter sets of one generator: `list` elements (and its `elementsYaml`), a
        git generator's directories or files of this repository (with its `values`), a
        matrix's or a merge's of its children; those its `selector` matches (`_selected`).
        None for any other, a child's own `template` (at the top the caller merges it), a
        `values` on a generator that has none in Argo CD's schema, or past the bounds (then
        `bounded` says so)."""
        kinds = [key for key in generator if key != "selector"] if isinstance(generator, dict) else []
        if len(kinds) != 1:
            return None  # no generator, or two
        kind, body = kinds[0], generator[kinds[0]]
        self.evaluated += 1
        if self.evaluated > MAX_PARAMETER_SETS:
            self.bounded = True
            return None
        if not isinstance(body, dict) or depth and body.get("template") or kind != "git" and "values" in body:
            return None
        if kind in ("list", "git"):
            found = _elements(body, self.go) if kind == "list" else _git_parameters(self.file, body, self.go)
        else:
            children = body.get("generators")
            if kind not in ("matrix", "merge") or depth > MAX_NESTING or not isinstance(children, list):
                return None
            found = self._matrix(children, depth + 1) if kind == "matrix" else \
                self._merge(children, body.get("mergeKeys"), depth + 1)
            if found is not None and len(found) > MAX_PARAMETER_SETS:
                self.bounded = True
                return None
        if found is None or generator.get("selector") is None:
            return found
        return _selected(found, generator["selector"], self.go)

    def _matrix(self, children: list[Any], depth: int) -> list[dict[str, Any]] | None:
        """Each parameter set of the first child with each of the second's, the second
        evaluated with the first's set in its strings (matrix.go: exactly two children;
        `getParams` interpolates the second per set of the first). Joined as `_pair` does."""
        if len(children) != 2:
            return None
        first = self.parameters(children[0], depth)
        if first is not None and len(first) > MAX_PARAMETER_SETS:
            self.bounded = True
        if first is None or len(first) > MAX_PARAMETER_SETS:
            return None
        out: list[dict[str, Any]] = []
        for given in first:
            child = _interpolated(children[1], given, self.go)
            if child is None:
                return None
            text = f"{depth}:{child!r}"
            if text not in self.known:
                self.known[text] = self.parameters(child, depth)
            second = self.known[text]
            if second is None:
                return None
            for values in second:
                joined = _pair(given, values, self.go)
                if joined is not None and len(out) == MAX_PARAMETER_SETS:
                    self.bounded = True
                if joined is None or len(out) == MAX_PARAMETER_SETS:
                    return None
                out.append(joined)
        return out

    def _merge(self, children: list[Any], keys: Any, depth: int) -> list[dict[str, Any]] | None:
        """The first child's parameter sets, each overridden by the set of each later child
        whose `mergeKeys` values are its own (merge.go: a later set matching none is not
        added; no merge keys, fewer than two children, or two sets of one child with the same
        values fail the set). Overridden as `_overridden` does."""
        if len(children) < 2 or not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            return None
        base: dict[str, dict[str, Any]] | None = None
        for child in children:
            sets = self.parameters(child, depth)
            by_key = _by_merge_key(sets, keys, self.go) if sets is not None else None
            if by_key is None:
                return None
            if base is None:
                base = by_key
                continue
            for key, values in base.items():
                if key in by_key:
                    base[key] = _overridden(values, by_key[key], self.go)
        return list(base.values()) if base is not None else None


def _elements(body: dict[str, Any], go: bool) -> list[dict[str, Any]] | None:
    """A `list` generator's parameter sets: its elements (with fasttemplate text values only,
    `_text_element`),
    then those its `elementsYaml` lists (list.go: a YAML list of mappings, appended as they
    decode, unflattened even with fasttemplate, whose renderer fills only text values: a value
    that is not text is not known here, nor a placeholder left in it: the text is rendered
    only as a matrix's child, `_interpolated`)."""
    import yaml

    elements = body.get("elements", [] if body.get("elementsYaml") else None)
    if not isinstance(elements, list) or not all(isinstance(e, dict) for e in elements):
        return None
    texts = [_text_element(e) for e in elements] if not go else []
    out: list[dict[str, Any]] = elements if go else [e for e in texts if e is not None]
    if len(out) != len(elements):
        return None
    text = body.get("elementsYaml")
    if not text:
        return out
    if not isinstance(text, str) or "{{" in text:
        return None
    from linter.loaders.kubernetes import read_yaml
    from linter.model import InputError

    try:
        documents = read_yaml(text, "elementsYaml")
    except (InputError, RecursionError):
        return None  # Argo CD fails the set
    listed = documents[0] if documents else []
    if not isinstance(listed, list) or not all(isinstance(e, dict) and all(isinstance(k, str) for k in e)
                                               for e in listed):
        return None
    if not go and any(not isinstance(v, str) for e in listed for v in e.values()):
        return None
    return out + listed


def _text_element(element: dict[str, Any]) -> dict[str, Any] | None:
    """A `list` element's parameters with fasttemplate (list.go): each value text, and a
    `values` map of text as `values.key`; None when one is not text (Argo CD fails the set:
    "error parsing value as string")."""
    out: dict[str, Any] = {}
    for key, value in element.items():
        pairs = value.items() if key == "values" and isinstance(value, dict) else [(None, value)]
        for name, text in pairs:
            if not isinstance(text, str):
                return None
            out[f"values.{name}" if name is not None else key] = text
    return out


def _git_parameters(file: Path, body: dict[str, Any], go: bool) -> list[dict[str, Any]] | None:
    """A git generator's parameter sets: the directories or files of this repository its
    patterns match, with their path parameters (under `pathParamPrefix` when it sets one)."""
    from linter.repository import checkout_named, repository_name

    prefix = body.get("pathParamPrefix") or ""
    if not isinstance(body.get("repoURL"), str) or not isinstance(prefix, str):
        return None
    top = checkout_named(file.parent, repository_name(body["repoURL"]))
    if top is None:
        return None
    if isinstance(body.get("directories"), list):
        return _with_values([_path_parameters(top, d, go, prefix) for d in _directories(top, body["directories"])],
                            body.get("values"), go)
    if not isinstance(body.get("files"), list):
        return None
    out = []
    for found in _files(top, body["files"]):
        try:
            text = found.read_text(encoding="utf-8")
            from linter.loaders.kubernetes import read_yaml

            documents = [json.loads(text)] if found.suffix == ".json" else read_yaml(text, str(found))
            if len(documents) > 1:  # one document, as before (PyYAML's safe_load refuses more)
                return None
            document = documents[0] if documents else None
        except Exception:  # Argo CD would fail the set: nothing is made
            return None
        items = document if isinstance(document, list) else [document]
        for item in items:
            if not isinstance(item, dict):
                return None
            # the file's keys, then the path parameters over them (git.go sets those last)
            params = dict(item) if go else _flatten(item)
            params.update(_path_parameters(top, found.parent, go, prefix, found.name))
            out.append(params)
    return _with_values(out, body.get("values"), go)


def _with_values(sets: list[dict[str, Any]], values: Any, go: bool) -> list[dict[str, Any]] | None:
    """A git generator's parameter sets with its `values` (Argo CD 2.9: `appendTemplatedValues`):
    each a template filled with the set's own parameters (not each other), added as
    `values.<key>` (fasttemplate) or under `values` (goTemplate, replacing a `values` the set
    had). None when a value cannot be filled here, or `values` is not a map of text."""
    if values is None:
        return sets
    if not isinstance(values, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
        return None
    out = []
    for params in sets:
        filled = {key: _fill(value, params, go) for key, value in values.items()}
        if any(value is None for value in filled.values()):
            return None
        out.append({**params, "values": filled} if go else {**params, **{f"values.{k}": v for k, v in filled.items()}})
    return out


def _selected(sets: list[dict[str, Any]], selector: Any, go: bool) -> list[dict[str, Any]] | None:
    """The parameter sets a generator's `selector` matches (generator_spec_processor.go
    `Transform`: a label selector, `matchLabels` and `matchExpressions` with In, NotIn, Exists
    and DoesNotExist, over each set flattened with dots, `%v` values). None when Argo CD would
    refuse it (another operator, a key that is no label key, values where none go) or a key it
    names has a value not known here as text (a list, a number Go prints otherwise)."""
    requirements = _requirements(selector)
    if requirements is None:
        return None
    out = []
    for values in sets:
        labels = _labels(values) if go else values
        matched = True
        for key, operator, allowed in requirements:
            parts = key.split(".")
            if any(labels.get(".".join(parts[:n]), "") is None for n in range(1, len(parts) + 1)):
                return None  # under a value whose text is not known here
            present = key in labels
            if operator in ("In", "NotIn"):
                inside = present and labels[key] in allowed
                matched = matched and (inside if operator == "In" else not inside)
            else:
                matched = matched and present == (operator == "Exists")
        if matched:
            out.append(values)
    return out


def _requirements(selector: Any) -> list[tuple[str, str, list[str]]] | None:
    """A label selector's requirements (key, operator, values), as Argo CD's
    `LabelSelectorAsSelector` reads them (label values unchecked); None when it refuses it."""
    if not isinstance(selector, dict) or set(selector) - {"matchLabels", "matchExpressions"}:
        return None
    labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(labels, dict) or not isinstance(expressions, list):
        return None
    out = [(key, "In", [value]) for key, value in labels.items()]
    for expression in expressions:
        if not isinstance(expression, dict):
            return None
        values = expression.get("values") or []
        operator = expression.get("operator")
        if not isinstance(values, list) or operator not in ("In", "NotIn", "Exists", "DoesNotExist") \
                or bool(values) != (operator in ("In", "NotIn")):
            return None
        out.append((expression.get("key"), operator, values))
    if not all(isinstance(key, str) and _label_key(key) and all(isinstance(v, str) for v in values)
               for key, _, values in out):
        return None
    return out


def _label_key(key: str) -> bool:
    """Whether `key` is a Kubernetes label key: a name (at most 63 of letters, digits, `-`,
    `_`, `.`, alphanumeric at both ends) after an optional DNS subdomain prefix and `/`."""
    prefix, slash, name = key.rpartition("/")
    named = 0 < len(name) <= 63 and name[0].isascii() and name[0].isalnum() and name[-1].isascii() \
        and name[-1].isalnum() and all(c.isascii() and (c.isalnum() or c in "-_.") for c in name)
    if not slash:
        return named
    return named and 0 < len(prefix) <= 253 and all(
        0 < len(part) <= 63 and part[0].isalnum() and part[-1].isalnum()
        and all(c.isascii() and (c.isdigit() or c.islower() or c == "-") for c in part) for part in prefix.split("."))


def _labels(values: dict[str, Any], prefix: str = "", out: dict[str, str | None] | None = None
            ) -> dict[str, str | None]:
    """A goTemplate parameter set flattened as Argo CD flattens it for a selector (`flatten`
    with dots, values printed with `%v`): None for a value whose text is not known here (a list,
    which Argo CD flattens by index or prints whole by its Go type; a number Go may print in
    exponent form; two values under one name)."""
    out = {} if out is None else out
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _labels(value, f"{name}.", out)
            continue
        text = "true" if value is True else "false" if value is False else "<nil>" if value is None \
            else value if isinstance(value, str) else str(value) if isinstance(value, int) and abs(value) < 10 ** 6 \
            else None
        out[name] = None if name in out else text
    return out


def _interpolated(generator: Any, values: dict[str, Any], go: bool) -> Any:
    """A matrix's second child with a parameter set of its first in its strings, as Argo CD
    renders it (`InterpolateGenerator`: every string field, by fasttemplate or as a Go
    template). None when that is not known here: a placeholder naming no parameter (Argo CD
    leaves it, or renders `<no value>`), any placeholder when the set is empty (Argo CD then
    renders nothing), or one in a `list` generator's `elements` (raw JSON, which its
    renderer passes over, as far as is known here)."""
    return _fill(generator, values, go) if not _templated_elements(generator) else None


def _templated_elements(node: Any) -> bool:
    """Whether a `list` generator in `node` has a placeholder in its elements."""
    if isinstance(node, list):
        return any(_templated_elements(item) for item in node)
    if not isinstance(node, dict):
        return False
    body = node.get("list")
    if isinstance(body, dict) and _placeholder_in(body.get("elements")):
        return True
    return any(_templated_elements(value) for value in node.values())


def _placeholder_in(node: Any) -> bool:
    """Whether a text in `node` (a key too) holds `{{`."""
    if isinstance(node, dict):
        return any(_placeholder_in(key) or _placeholder_in(value) for key, value in node.items())
    if isinstance(node, list):
        return any(_placeholder_in(item) for item in node)
    return isinstance(node, str) and "{{" in node


def _pair(first: dict[str, Any], second: dict[str, Any], go: bool) -> dict[str, Any] | None:
    """A matrix's parameter set of one set of each child. With goTemplate, both deep-merged,
    the first's values winning (matrix.go: `mergo.Merge(tmp, b, WithOverride)`, then the same
    with `a`); else flat, and a name both give with two values fails the set
    (`utils.CombineStringMaps`): None."""
    if go:
        return _overridden(second, first, go)
    if any(key in first and (not isinstance(value, str) or str(first[key]) != value) for key, value in second.items()):
        return None
    return {**first, **second}


def _overridden(base: dict[str, Any], over: dict[str, Any], go: bool) -> dict[str, Any]:
    """`base` with `over`'s values over its own: with goTemplate deep-merged as
    `mergo.Merge(WithOverride)` merges Argo CD's parameter maps (maps merged key by key, any
    other value, null too, replacing), else flat (`utils.CombineStringMapsAllowDuplicates`)."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _overridden(out[key], value, go) if go and isinstance(value, dict) \
            and isinstance(out.get(key), dict) else value
    return out


def _by_merge_key(sets: list[dict[str, Any]], keys: list[str], go: bool) -> dict[str, dict[str, Any]] | None:
    """A merge child's parameter sets by their merge keys' values, as merge.go keys them (the
    JSON of those values; a key a set lacks is null); None when two sets have the same values
    (Argo CD fails the set), or, with goTemplate, for a dotted key that is no parameter's name
    (whether Argo CD looks it up as a field path is not known here)."""
    out: dict[str, dict[str, Any]] = {}
    for values in sets:
        if go and any("." in key and key not in values for key in keys):
            return None
        text = json.dumps({key: _as_json(values.get(key)) for key in keys}, sort_keys=True, default=str)
        if text in out:
            return None
        out[text] = values
    return out


def _as_json(value: Any) -> Any:
    """A parameter's value as Argo CD holds it, decoded from JSON: keys are text, and a
    whole number is one number whether written `1` or `1.0`."""
    if isinstance(value, dict):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _glob(top: Path, pattern: str) -> list[Path]:
    """Paths under `top` matching a git generator's pattern (`apps/*`, `envs/**/config.json`)."""
    if not pattern or pattern.startswith("/") or ".." in pattern.split("/"):
        return []
    return sorted(p for p in top.glob(pattern))


def _directories(top: Path, entries: list[Any]) -> list[Path]:
    included: list[Path] = []
    excluded: set[Path] = set()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        found = [p for p in _glob(top, entry["path"]) if os.path.isdir(p) and not p.name.startswith(".")]
        if entry.get("exclude"):
            excluded.update(found)
        else:
            included += [p for p in found if p not in included]
    return [p for p in included if p not in excluded]


def _files(top: Path, entries: list[Any]) -> list[Path]:
    out: list[Path] = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str) and not entry.get("exclude"):
            out += [p for p in _glob(top, entry["path"]) if os.path.isfile(p) and p not in out]
    return out


def _path_parameters(top: Path, directory: Path, go: bool, prefix: str = "", name: str | None = None
                     ) -> dict[str, Any]:
    """A git generator's path parameters of a directory (a file's directory, and the file's
    `name`): `path`, `path.basename`... as git.go names them, under `<pathParamPrefix>.`
    when the generator sets one."""
    relative = Path(os.path.relpath(directory, top)).as_posix()
    parts = relative.split("/")
    path = {"path": relative, "basename": parts[-1], "segments": parts, "basenameNormalized": _normalized(parts[-1])}
    if name is not None:
        path.update(filename=name, filenameNormalized=_normalized(name))
    if go:
        return {prefix: {"path": path}} if prefix else {"path": path}
    named = f"{prefix}.path" if prefix else "path"
    out: dict[str, Any] = {named: relative}
    out.update({f"{named}.{key}": value for key, value in path.items() if key not in ("path", "segments")})
    out.update({f"{named}[{i}]": part for i, part in enumerate(parts)})
    return out


def _normalized(name: str) -> str:
    return name.replace("_", "-").replace(".", "-").lower()


def _flatten(values: Any, prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}, "z": ["x"]}` -> `{"a.b": "1", "z.0": "x"}`: a git files generator's
    parameters with fasttemplate (git.go: `flatten.Flatten` in dot style, lists by index, an
    empty map or list giving nothing; each value printed as Go's `%v` prints it)."""
    out: dict[str, Any] = {}
    items = values.items() if isinstance(values, dict) else enumerate(values)
    for key, value in items:
        name = f"{prefix}{key}"
        if isinstance(value, (dict, list)):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = go_text(value)
    return out


def go_text(value: Any) -> str:
    """A decoded JSON value as Go's `fmt.Sprintf("%v", v)` prints it: `<nil>`, `true`, and a
    number as the float64 it decodes to (`%g`, shortest: `3`, `0.5`, `1e+06`)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, (int, float)):
        return str(value)
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        return "NaN" if number != number else "+Inf" if number > 0 else "-Inf"
    if number == 0:
        return "-0" if str(number).startswith("-") else "0"
    from decimal import Decimal

    # the shortest digits that read back as the number (Python's repr and Go's -1 precision agree)
    _, digit_tuple, exponent = Decimal(repr(abs(number))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    power = int(exponent) + len(digits) - 1  # the exponent of the first digit
    # %g with the shortest digits: exponent form when the exponent is below -4 or at least the
    # precision (6; the digit count when smaller and the number has no fraction)
    precision = len(digits) if 6 > len(digits) >= power + 1 else 6
    sign = "-" if number < 0 else ""
    if power < -4 or power >= precision:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if power < 0:
        return f"{sign}0.{'0' * (-power - 1)}{digits}"
    if power + 1 >= len(digits):
        return f"{sign}{digits}{'0' * (power + 1 - len(digits))}"
    return f"{sign}{digits[:power + 1]}.{digits[power + 1:]}"


def _fill(template: Any, values: dict[str, Any], go: bool) -> Any:
    """The template with `{{name}}` (fasttemplate) or `{{ .name }}` (goTemplate: a field
    path only) replaced in every string; None when a placeholder names no parameter or
    is more than a field path (what Argo CD makes is then not known here)."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            filled = _fill(value, values, go)
            if filled is None and value is not None:
                return None
            out[key] = filled
        return out
    if isinstance(template, list):
        items = [_fill(item, values, go) for item in template]
        return None if any(i is None and t is not None for i, t in zip(items, template)) else items
    if not isinstance(template, str) or "{{" not in template:
        return template
    out_text = []
    rest = template
    while "{{" in rest:
        before, _, after = rest.partition("{{")
        inside, closed, rest = after.partition("}}")
        if not closed:
            return None
        value = _lookup(inside.strip(), values, go)
        if value is None:
            return None
        out_text += [before, value]
    return "".join(out_text) + rest


def _lookup(name: str, values: dict[str, Any], go: bool) -> str | None:
    """A placeholder's text: a parameter (fasttemplate); with goTemplate a field path, or a
    field path piped to `toJson` (sprig: the value as JSON, as a matrix child's `elementsYaml`
    is written, `{{ .app.components | toJson }}`); None for anything else."""
    if not go:
        found = values.get(name)
        return None if found is None else str(found)
    path, piped, function = name.partition("|")
    path = path.strip()
    if piped and function.strip() != "toJson" or not path.startswith(".") \
            or any(c in path for c in " |()\"'"):
        return None  # a function, a pipeline: Go templates beyond a field path
    current: Any = values
    for part in path[1:].split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    if piped:
        try:
            return json.dumps(current, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError):
            return None  # a value JSON cannot hold (a date YAML read): not known here
    return current if isinstance(current, str) else None if isinstance(current, (dict, list)) else str(current)
