"""Flux: the kustomizations and charts of this repository that its Flux `Kustomization` and
`HelmRelease` objects deploy.

A Flux `Kustomization` (kustomize.toolkit.fluxcd.io) builds `spec.path` of its source
with kustomize, with its own options over it (`targetNamespace`, `namePrefix`,
`nameSuffix`, `commonMetadata`, `images`, `patches`, `components`), then substitutes
`${var}` from `postBuild.substitute` in what was built, and applies the objects. When
its source is a `GitRepository` in the scan whose URL names this repository, that
directory is judged as each such Kustomization deploys it (rendered.py:_load_kustomization
with a `KustomizationRelease`), not alone; a path with no kustomization is built as Flux
builds the one it writes for it (every manifest under the path, a subdirectory with a
kustomization as that kustomization: `rendered.directory_resources`). A
variable this scan cannot know (one `postBuild.substituteFrom` may set, or none sets)
stays a placeholder, which the Kubernetes loader reads as unknown. A `HelmRelease` of a
chart in such a GitRepository is rendered as Flux renders it (rendered.py:_load_release).
The objects come from the scan's loaded manifests: no file is read twice.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linter.loaders.rendered import deployer_releases, local_kustomize_options, mapping_of, within

if TYPE_CHECKING:
    from linter.loaders.rendered import ChartRelease, KustomizationRelease

KUSTOMIZATION = "kustomize.toolkit.fluxcd.io/Kustomization"
HELM_RELEASE = "helm.toolkit.fluxcd.io/HelmRelease"
GIT_REPOSITORY = "source.toolkit.fluxcd.io/GitRepository"


def flux_sources(loaded: Any, staged: set[str] | None = None) -> list[ChartRelease | KustomizationRelease]:
    """The kustomizations and charts of this repository the scan's Flux Kustomizations and
    HelmReleases deploy. One of a file read as context (a sibling, a deployer of the
    checkout a pre-commit run found) deploys only what renders one of `staged` (real
    paths: the staged files), and nothing else of it is said; with `staged` None, nothing."""
    sources = _Sources(loaded)
    out: list[ChartRelease | KustomizationRelease] = []
    composed: dict[str, Any] = {}  # a deployer's file's node tree, read once
    for r in loaded.resources:
        if r.type not in (KUSTOMIZATION, HELM_RELEASE) or r.source_format != "kubernetes":
            continue
        context = r.location.file in loaded.context_files

        def read(r: Any = r, context: bool = context) -> list[ChartRelease | KustomizationRelease]:
            deployed = _helm_release(r, sources, composed) if r.type == HELM_RELEASE \
                else _kustomization(r, sources, composed, staged if context else None)
            return [deployed] if deployed is not None else []

        out += deployer_releases(loaded, r, staged, read)
    return out


def _kustomization(r: Any, sources: _Sources, composed: dict[str, Any],
                   staged: set[str] | None = None) -> KustomizationRelease | None:
    """A Kustomization of a directory of this repository, as Flux builds it (its
    kustomization, or the one Flux writes for a directory without); None when what it
    deploys is not known here. `staged`: a directory without a kustomization is read only
    when one of these files lies in it."""
    from linter.loaders.rendered import KustomizationRelease, directory_resources, holds_any, kustomization_file

    spec = mapping_of(r.attrs.get("spec"))
    top = sources.checkout(r, mapping_of(spec.get("sourceRef")))
    path = spec.get("path", "./")
    if top is None or not isinstance(path, str):
        return None
    directory = Path(os.path.normpath(top / path.lstrip("/")))  # relative to the repository's top
    if not within(directory, top) or not os.path.isdir(directory):
        return None
    listed = None
    if kustomization_file(directory) is None:
        if not holds_any(directory, staged):
            return None
        # Flux writes a kustomization of its own: every manifest under the path, and each
        # subdirectory holding a kustomization as that kustomization
        listed = directory_resources(directory, top, (".yaml", ".yml"), recurse=True, kustomizations=True)
        if not listed:
            return None
    options = _options(spec, directory, top)
    if options is None:
        return None
    post_build = spec.get("postBuild")
    substitute = None
    if isinstance(post_build, dict):  # Flux substitutes only when postBuild is given
        given = mapping_of(post_build.get("substitute"))
        substitute = {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in given.items()
                      if isinstance(v, (str, int, float, bool))}
    return KustomizationRelease(
        Path(r.location.file), r.name, directory, options, None, f"Flux Kustomization {r.name}",
        f"flux:{r.name}", r.location.line, substitute=substitute,
        substitute_complete=isinstance(post_build, dict) and not post_build.get("substituteFrom"),
        substituted_at=_substituted_at(r, composed) if substitute else {}, listed=listed)


class _Sources:
    """The GitRepositories a scan's Flux objects name, and the checkout each is."""

    def __init__(self, loaded: Any):
        self.urls: dict[tuple[str, str], str] = {}  # (namespace, name) -> URL of each GitRepository
        for r in loaded.resources:
            url = mapping_of(r.attrs.get("spec")).get("url") if r.type == GIT_REPOSITORY else None
            if isinstance(url, str) and url:
                self.urls[(r.namespace or "flux-system", r.name)] = url
        self.searched: dict[str, dict[tuple[str, str], str]] = {}  # git_repositories_above's directories

    def checkout(self, r: Any, source: dict[str, Any]) -> Path | None:
        """This repository's checkout, when `source` (a `sourceRef` of `r`) is a GitRepository
        naming it; None for another repository, an OCI artifact or a bucket."""
        from linter.repository import checkout_named, repository_name

        if source.get("kind") != "GitRepository" or not isinstance(source.get("name"), str):
            return None
        namespace = source.get("namespace") if isinstance(source.get("namespace"), str) else r.namespace
        file = Path(r.location.file)
        key = (namespace or "flux-system", source["name"])
        if key not in self.urls:  # pre-commit staged the object alone: its GitRepository is nearby
            for found_key, found_url in git_repositories_above(file, self.searched).items():
                self.urls.setdefault(found_key, found_url)
        url = self.urls.get(key)
        return checkout_named(file.parent, repository_name(url)) if url is not None else None


def _helm_release(r: Any, sources: _Sources, composed: dict[str, Any]) -> ChartRelease | None:
    """A HelmRelease of a chart of this repository, as Flux renders it: its inline
    `values` over the chart's; None when what it deploys is not known here (`valuesFrom`,
    `postRenderers`, values files that leave the chart's own values.yaml out)."""
    from linter.loaders.rendered import ChartRelease, document_place, inline_values_at

    spec = mapping_of(r.attrs.get("spec"))
    chart_spec = mapping_of(mapping_of(spec.get("chart")).get("spec"))
    top = sources.checkout(r, mapping_of(chart_spec.get("sourceRef")))
    if top is None or not isinstance(chart_spec.get("chart"), str):
        return None
    chart = Path(os.path.normpath(top / chart_spec["chart"].lstrip("/")))
    if not within(chart, top) or not os.path.isfile(chart / "Chart.yaml"):
        return None
    if spec.get("valuesFrom") or spec.get("postRenderers"):
        return None
    files: list[Path] = []
    given = chart_spec.get("valuesFiles") or []
    if not isinstance(given, list):
        return None
    for n, entry in enumerate(given):  # relative to the repository's top; the chart's values.yaml only if listed
        path = Path(os.path.normpath(top / str(entry).lstrip("/")))
        if n == 0 and path == chart / "values.yaml":
            continue
        if n == 0 or not within(path, top) or not os.path.isfile(path):
            return None  # Flux leaves the chart's values.yaml out, or cannot read it
        files.append(path)
    inline = spec.get("values")
    target = spec.get("targetNamespace") if isinstance(spec.get("targetNamespace"), str) else None
    named = spec.get("releaseName")
    release = named if isinstance(named, str) and named else f"{target}-{r.name}" if target else r.name
    file = Path(r.location.file)
    places: list[tuple[Path, tuple[str | int, ...]]] | None = None
    if isinstance(inline, dict) and inline:
        where = document_place(r, composed)
        if where is not None and inline_values_at(where[0], (*where[1], "spec", "values")):
            places = [*((f, ()) for f in files), (file, (*where[1], "spec", "values"))]
    values: list[Path | str | dict[str, Any]] = [*files, *([inline] if isinstance(inline, dict) and inline else [])]
    return ChartRelease(file, r.name, chart, values, [], release, target or r.namespace,
                        f"Flux HelmRelease {r.name}", f"flux-helm:{r.name}", places)


def _substituted_at(kustomization: Any, composed: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Each `postBuild.substitute` variable's (file, line), as the Kustomization's file writes it."""
    import yaml

    from linter.loaders import display_path
    from linter.loaders.rendered import document_place, values_under

    place = document_place(kustomization, composed)
    found = values_under(place[0], (*place[1], "spec", "postBuild", "substitute")) if place is not None else None
    if found is None or not isinstance(found[0], yaml.MappingNode):
        return {}
    shown = display_path(kustomization.location.file)
    return {key.value: (shown, key.start_mark.line + 1) for key, _ in found[0].value if isinstance(key, yaml.ScalarNode)}


def git_repositories_above(file: Path, searched: dict[str, dict[tuple[str, str], str]]
                           ) -> dict[tuple[str, str], str]:
    """(namespace, name) -> URL of the GitRepositories in the directories holding `file`, up
    to its git checkout's top, and in their `flux-system/` (where `flux bootstrap` writes
    `gotk-sync.yaml`): what a Kustomization staged alone names as its source. `searched`:
    directories already read. Read as manifests are (guarded: tags, aliases, depth)."""
    from linter.loaders.kubernetes import parse_documents
    from linter.model import InputError
    from linter.paths import git_top

    start = Path(os.path.abspath(file)).parent
    top = git_top(start)
    found: dict[tuple[str, str], str] = {}
    for directory in (start, *start.parents) if top is not None else ():
        key = str(directory)
        if key not in searched:
            searched[key] = {}
            for place in (directory, directory / "flux-system"):
                try:
                    names = sorted(os.listdir(place))
                except OSError:
                    continue
                for name in names:
                    if not name.endswith((".yaml", ".yml")):
                        continue
                    try:
                        text = (place / name).read_text(encoding="utf-8")
                        documents = [d for d, _ in parse_documents(text, name)] if "GitRepository" in text else []
                    except (OSError, UnicodeDecodeError, InputError):
                        continue  # the scan reports it, if it reads it
                    for doc in documents:
                        metadata, spec = mapping_of(mapping_of(doc).get("metadata")), mapping_of(mapping_of(doc).get("spec"))
                        if mapping_of(doc).get("kind") == "GitRepository" and isinstance(metadata.get("name"), str) \
                                and isinstance(spec.get("url"), str):
                            namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else None
                            searched[key].setdefault((namespace or "flux-system", metadata["name"]), spec["url"])
        for pair, url in searched[key].items():
            found.setdefault(pair, url)
        if directory == top:
            break
    return found


def _options(spec: dict[str, Any], directory: Path, top: Path) -> dict[str, Any] | None:
    """The kustomization keys a Flux Kustomization sets over `directory`; None when one
    is not known here."""
    lists = {key: spec.get(key) or [] for key in ("images", "patches", "components")}
    if not all(isinstance(value, list) for value in lists.values()):
        return None  # not a Kustomization Flux accepts
    options: dict[str, Any] = {}
    if isinstance(spec.get("targetNamespace"), str) and spec["targetNamespace"]:
        options["namespace"] = spec["targetNamespace"]
    for key in ("namePrefix", "nameSuffix"):
        if isinstance(spec.get(key), str) and spec[key]:
            options[key] = spec[key]
    metadata = mapping_of(spec.get("commonMetadata"))
    labels, annotations = mapping_of(metadata.get("labels")), mapping_of(metadata.get("annotations"))
    if labels:  # on the objects, not on their selectors
        options["labels"] = [{"pairs": {str(k): str(v) for k, v in labels.items()}, "includeSelectors": False}]
    if annotations:
        options["commonAnnotations"] = {str(k): str(v) for k, v in annotations.items()}
    images = [{k: str(v) for k, v in image.items() if k in ("name", "newName", "newTag", "digest")}
              for image in lists["images"] if isinstance(image, dict) and isinstance(image.get("name"), str)]
    if images:
        options["images"] = images
    return local_kustomize_options(lists["patches"], lists["components"], directory, top, options)


def substitute_variables(text: str, values: dict[str, str], complete: bool) -> str:
    """`${var}` in `text` replaced as Flux's post-build substitution replaces it: by the
    value `values` gives; `${var:=default}` (or `:-`, `=`, `-`) by the default when no
    value is given and none can come from elsewhere (`complete`). What is not known here
    (a variable no value names, another form of `${...}`) is left as written. A scan of
    the text, no regular expression: the text is the user's."""
    out: list[str] = []
    at = 0
    while True:
        start = text.find("${", at)
        end = text.find("}", start + 2) if start != -1 else -1
        if start == -1 or end == -1:
            out.append(text[at:])
            return "".join(out)
        out.append(text[at:start])
        inner = text[start + 2:end]
        name, operator, default = _parts(inner)
        if name is not None and name in values:
            out.append(values[name])
        elif name is not None and operator and complete:
            out.append(default)
        else:
            out.append(text[start:end + 1])
        at = end + 1


def variable_name(inner: str) -> str | None:
    """The variable `${...}`'s inside names (None: a form not read here)."""
    return _parts(inner)[0]


def _parts(inner: str) -> tuple[str | None, str, str]:
    """(variable, default operator, default) of `${...}`'s inside; variable None for
    forms other than `name` and `name:=default` (and `:-`, `=`, `-`)."""
    length = 0
    while length < len(inner) and (inner[length].isalnum() or inner[length] == "_"):
        length += 1
    name, rest = inner[:length], inner[length:]
    if not name or name[0].isdigit():
        return None, "", ""
    for operator in (":=", ":-", "=", "-"):
        if rest.startswith(operator):
            return name, operator, rest[len(operator):]
    return (name, "", "") if not rest else (None, "", "")
