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

A HelmRelease's `valuesFrom` is composed as helm-controller composes it (as recalled from
fluxcd/helm-controller, `internal/chartutil` `ChartValuesFromReferences` and
`ReplacePathValue`): each entry in order names a ConfigMap or Secret in the HelmRelease's
own namespace and a key of it (`valuesKey`, default `values.yaml`; a Secret's `data` is
base64, its `stringData` counts too, as the API server merges it); without `targetPath`
the key's text is YAML merged over what came before (maps merge, a later value wins: helm's
own merge of `--values` files, so each text is given to helm as one, in its place); with
`targetPath` it is set at that path as `--set path=text` sets it (`--set-string`, quotes
taken off, when the text is quoted). The inline `values` go over everything. A key that
the object does not hold is skipped when the entry is `optional`; otherwise Flux fails
to reconcile the release. An object the scan does not have is not known here, optional or
not: an optional one is often made out of git (external-secrets, a SealedSecret), and sets
what it sets. The objects are looked up among what the scan has of the same
cluster: the manifests of the scan's plain files (a HelmRelease written in one), or what
the same kustomization build made (a HelmRelease one builds, whose `valuesFrom` name a
`configurations:` nameReference may have given a generated ConfigMap's hashed name).
Not known here, so the release is noted and its chart not judged, as deployed or alone (a
rendered.NotKnownRelease), as for any release not known here: an object the scan does not have, a non-optional key that is not there, a Secret encrypted with
SOPS (`sops:`, `ENC[` values: Flux decrypts them), data that is not text or not base64,
values text that is not a YAML mapping, an object whose namespace may or may not be the
HelmRelease's (one names one, the other none), and a `targetPath` whose value a later
entry, or the inline values, also touches (helm applies `--set` after every values file,
Flux in the entry's place).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linter.loaders.rendered import (deployer_patches, deployer_releases, document_place, local_kustomize_options,
                                     mapping_of, within)

if TYPE_CHECKING:
    from linter.loaders.rendered import ChartRelease, KustomizationRelease, NotKnownRelease, Release

KUSTOMIZATION = "kustomize.toolkit.fluxcd.io/Kustomization"
HELM_RELEASE = "helm.toolkit.fluxcd.io/HelmRelease"
GIT_REPOSITORY = "source.toolkit.fluxcd.io/GitRepository"
HELM_REPOSITORY = "source.toolkit.fluxcd.io/HelmRepository"  # charts fetched where Flux runs
# the kinds a HelmRelease's `valuesFrom` reads
VALUES_KINDS = {"ConfigMap": "core/ConfigMap", "Secret": "core/Secret"}
QUOTES = "'\""  # a targetPath's text wrapped in either is set as a string, all of them taken off its ends


def flux_sources(loaded: Any, staged: set[str] | None = None) -> list[Release]:
    """The kustomizations and charts of this repository the scan's Flux Kustomizations and
    HelmReleases deploy (a NotKnownRelease when how is not known here). One of a file read
    as context (a sibling, a deployer of the checkout a pre-commit run found) deploys only
    what renders one of `staged` (real paths: the staged files), and nothing else of it is
    said; with `staged` None, nothing."""
    sources = _Sources(loaded)
    out: list[Release] = []
    composed: dict[str, Any] = {}  # a deployer's file's node tree, read once
    for r in loaded.resources:
        if r.type not in (KUSTOMIZATION, HELM_RELEASE) or r.source_format != "kubernetes":
            continue
        context = r.location.file in loaded.context_files

        def read(r: Any = r, context: bool = context) -> list[Release]:
            deployed = _helm_release(r, sources, composed) if r.type == HELM_RELEASE \
                else _kustomization(r, sources, composed, staged if context else None)
            return [deployed] if deployed is not None else []

        out += deployer_releases(loaded, r, staged, read)
    return out


def _kustomization(r: Any, sources: _Sources, composed: dict[str, Any],
                   staged: set[str] | None = None) -> KustomizationRelease | NotKnownRelease | None:
    """A Kustomization of a directory of this repository, as Flux builds it (its
    kustomization, or the one Flux writes for a directory without); a NotKnownRelease when
    what it sets over it is not known here (a patch or component file outside the
    repository, or missing); None for a directory that is not this repository's. `staged`:
    a directory without a kustomization is read only when one of these files lies in it."""
    from linter.loaders.rendered import (KustomizationRelease, NotKnownRelease, directory_resources, holds_any,
                                         kustomization_file)

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
        return NotKnownRelease(Path(r.location.file), r.name, directory, f"Flux Kustomization {r.name}",
                               f"flux:{r.name}", "its `images`, `patches` or `components` are not known here "
                               "(not a list, or a file outside this repository or not there)", r.location.line, listed)
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
        substituted_at=_substituted_at(r, composed) if substitute else {}, listed=listed,
        patches_at=deployer_patches(document_place(r, composed), ("spec", "patches"), Path(r.location.file),
                                    directory) if options.get("patches") else None,
        load_restricted=False)  # kustomize-controller builds with LoadRestrictionsNone, inside its source


class _Sources:
    """The GitRepositories a scan's Flux objects name, and the checkout each is."""

    def __init__(self, loaded: Any):
        self.urls: dict[tuple[str, str], str] = {}  # (namespace, name) -> URL of each GitRepository
        for r in loaded.resources:
            url = mapping_of(r.attrs.get("spec")).get("url") if r.type == GIT_REPOSITORY else None
            if isinstance(url, str) and url:
                self.urls[(r.namespace or "flux-system", r.name)] = url
        self.searched: dict[str, dict[tuple[str, str], str]] = {}  # git_repositories_above's directories
        # (scope, type, name) -> the ConfigMaps and Secrets a `valuesFrom` may name: the same
        # scope is the same cluster (the scan's plain manifests; one kustomization's build)
        self.values_objects: dict[tuple[str, str, str], list[Any]] = {}
        for r in loaded.resources:
            if r.type in VALUES_KINDS.values() and r.source_format == "kubernetes":
                self.values_objects.setdefault((str(r.meta.get("scope")), r.type, r.name), []).append(r)

    def values_object(self, release: Any, kind: str, name: str) -> Any:
        """The ConfigMap or Secret (`kind`) `name` in the namespace of the HelmRelease
        `release`, among the objects of its cluster; None when there is none; a str saying
        why when whether there is one is not known here."""
        candidates = self.values_objects.get((str(release.meta.get("scope")), VALUES_KINDS[kind], name), [])
        same = [c for c in candidates if c.namespace == release.namespace]
        if len(same) > 1:
            return f"the {kind} {name} it reads is written more than once"
        if same:
            return same[0]
        if any(c.namespace is None or release.namespace is None for c in candidates):
            return f"whether the {kind} {name} it reads is in its namespace is not known here (one names a namespace, the other none)"
        return None

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


def _helm_release(r: Any, sources: _Sources, composed: dict[str, Any]) -> ChartRelease | NotKnownRelease | None:
    """A HelmRelease of a chart of this repository, as Flux renders it: the values its
    `valuesFrom` reads, then its inline `values`, over the chart's; a NotKnownRelease saying
    why when what it deploys is not known here (`postRenderers`, values files that leave the
    chart's own values.yaml out or are not there, a `valuesFrom` not known here); None for a
    chart that is not this repository's."""
    from linter.loaders.rendered import ChartRelease, NotKnownRelease, inline_values_at

    spec = mapping_of(r.attrs.get("spec"))
    chart_spec = mapping_of(mapping_of(spec.get("chart")).get("spec"))
    top = sources.checkout(r, mapping_of(chart_spec.get("sourceRef")))
    if top is None or not isinstance(chart_spec.get("chart"), str):
        return None
    chart = Path(os.path.normpath(top / chart_spec["chart"].lstrip("/")))
    if not within(chart, top) or not os.path.isfile(chart / "Chart.yaml"):
        return None

    def not_known(why: str) -> NotKnownRelease:
        return NotKnownRelease(Path(r.location.file), r.name, chart, f"Flux HelmRelease {r.name}",
                               f"flux-helm:{r.name}", why, r.location.line)

    if spec.get("postRenderers"):
        return not_known("its `postRenderers` change what helm renders")
    files: list[Path] = []
    given = chart_spec.get("valuesFiles") or []
    if not isinstance(given, list):
        return not_known("its `valuesFiles` is not a list (Flux refuses it)")
    for n, entry in enumerate(given):  # relative to the repository's top; the chart's values.yaml only if listed
        path = Path(os.path.normpath(top / str(entry).lstrip("/")))
        if n == 0 and path == chart / "values.yaml":
            continue
        if n == 0:
            return not_known(f"its `valuesFiles` leave the chart's values.yaml out (`{entry}` comes first), "
                             "which helm template cannot")
        if not within(path, top) or not os.path.isfile(path):
            return not_known(f"its values file `{entry}` is not in this repository (Flux fails to reconcile it)")
        files.append(path)
    inline = spec.get("values")
    inline = inline if isinstance(inline, dict) and inline else None
    composed_from = _values_from(r, spec.get("valuesFrom"), inline, sources, composed)
    if isinstance(composed_from, str):
        return not_known(composed_from)
    target = spec.get("targetNamespace") if isinstance(spec.get("targetNamespace"), str) else None
    named = spec.get("releaseName")
    release = named if isinstance(named, str) and named else f"{target}-{r.name}" if target else r.name
    file = Path(r.location.file)
    # where each values layer is written: value notes name them all, or a text no file holds nowhere
    places: list[tuple[Path, tuple[str | int, ...]] | None] = [*((f, ()) for f in files), *composed_from.places]
    if inline is not None:
        where = document_place(r, composed)
        places.append((file, (*where[1], "spec", "values"))
                      if where is not None and inline_values_at(where[0], (*where[1], "spec", "values")) else None)
    values: list[Path | str | dict[str, Any]] = [*files, *composed_from.values, *([inline] if inline is not None else [])]
    known = [p for p in places if p is not None]
    # a targetPath's parameter is named nowhere: what it sets is not said to be set in a file
    return ChartRelease(file, r.name, chart, values, composed_from.parameters, release, target or r.namespace,
                        f"Flux HelmRelease {r.name}", f"flux-helm:{r.name}",
                        known if len(known) == len(places) and any(not isinstance(v, Path) for v in values) else None,
                        line=r.location.line)  # helm refusing the release (a targetPath it cannot parse): Flux fails there


@dataclass
class _ValuesFrom:
    """What a HelmRelease's `valuesFrom` gives helm: each entry without `targetPath` as a
    values file (its text; the file a kustomize generator made it of, when the text is that
    file's), in order, and each with one as helm's `--set`/`--set-string` parameter."""

    values: list[Path | str] = field(default_factory=list)
    # where each of `values` is written (a file; a manifest's file and the keys of its data
    # there), None where not known
    places: list[tuple[Path, tuple[str | int, ...]] | None] = field(default_factory=list)
    parameters: list[tuple[str, str]] = field(default_factory=list)


def _values_from(r: Any, entries: Any, inline: dict[str, Any] | None, sources: _Sources,
                 composed: dict[str, Any]) -> _ValuesFrom | str:
    """The HelmRelease `r`'s `valuesFrom` `entries` as helm-controller reads them (the
    module's docstring), `inline` its inline values; a str saying why when that is not
    known here. `composed`: files' node trees already read."""
    from linter.loaders import KUBERNETES_SCOPE
    from linter.loaders.rendered import SetParameter, generated_from, inline_values_at

    out = _ValuesFrom()
    if entries is None or entries == []:
        return out
    if not isinstance(entries, list):
        return "its valuesFrom is not a list"
    targets: list[tuple[SetParameter, str, str]] = []  # (its parameter, its option, its targetPath)
    for entry in entries:
        entry = mapping_of(entry)
        kind, name, key = entry.get("kind"), entry.get("name"), entry.get("valuesKey") or "values.yaml"
        path, optional = entry.get("targetPath"), entry.get("optional") is True
        if kind not in VALUES_KINDS or not isinstance(name, str) or not name or not isinstance(key, str) \
                or not isinstance(path, (str, type(None))):
            return "a valuesFrom entry Flux does not accept (a ConfigMap or Secret, by name)"
        found = sources.values_object(r, kind, name)
        if isinstance(found, str):
            return found
        if found is None:  # optional, Flux skips it where the cluster has none: one made out of git may set anything
            return (f"the {kind} {name} its valuesFrom reads (optional) is not in the scan, and what one made "
                    "elsewhere sets is not known" if optional
                    else f"the {kind} {name} its valuesFrom reads is not in the scan (Flux fails to reconcile it)")
        text = _values_text(found, kind, key)
        if text is None:
            if optional:
                continue
            return f"the {kind} {name} its valuesFrom reads has no key {key} (Flux fails to reconcile it)"
        if isinstance(text, _Unreadable):
            return f"the {kind} {name} its valuesFrom reads is not known here: {text.reason}"
        if path:  # set at the path as helm's --set parses it (quoted: a string, quotes taken off)
            quoted = len(text) > 0 and text[0] == text[-1] and text[0] in QUOTES
            option, setting = ("--set-string", f"{path}={text.strip(QUOTES)}") if quoted \
                else ("--set", f"{path}={text}")
            parameter = SetParameter.read(option, setting)
            clash = next((p for p, o, _ in targets if o != option and p.touches(list(parameter.parts))), None)
            if clash is not None:  # helm applies every --set before every --set-string
                return f"two valuesFrom targetPaths set the same values, {path} as a string and the other not"
            targets.append((parameter, option, path))
            out.parameters.append((option, setting))
            continue
        node = _yaml_mapping(text)
        if isinstance(node, str):
            return f"the {kind} {name} its valuesFrom reads holds {node} under {key} (Flux fails to reconcile it)"
        clash_path = next((t for p, _, t in targets if _sets_along(node, p.parts)), None)
        if clash_path is not None:
            return f"a later valuesFrom entry sets what targetPath {clash_path} sets (Flux merges it after, helm before)"
        # where a ConfigMap's text is written (a Secret's is never shown): the file a generator
        # made it of, or a manifest's literal block (`values.yaml: |`) as the scan read it
        made_of = generated_from(found, "configMapGenerator", key, text) if kind == "ConfigMap" else None
        out.values.append(made_of if made_of is not None else text)
        where = document_place(found, composed) \
            if made_of is None and kind == "ConfigMap" and found.meta.get("scope") == KUBERNETES_SCOPE else None
        at: tuple[str | int, ...] = (*where[1], "data", key) if where is not None else ()
        out.places.append((made_of, ()) if made_of is not None else (Path(found.location.file), at)
                          if where is not None and inline_values_at(where[0], at) else None)
    clash_path = next((t for p, _, t in targets if inline is not None and _sets_along(inline, p.parts)), None)
    if clash_path is not None:
        return f"its inline values set what valuesFrom targetPath {clash_path} sets (Flux merges them after, helm before)"
    return out


@dataclass(frozen=True)
class _Unreadable:
    """A key's text that is not known here, and why."""

    reason: str


ENCRYPTED = _Unreadable("encrypted with SOPS (Flux decrypts it)")


def _values_text(found: Any, kind: str, key: str) -> str | _Unreadable | None:
    """The text under `key` of a ConfigMap's `data`, or of a Secret's `stringData` or
    (base64) `data`; None when it has no such key."""
    import base64
    import binascii

    if "sops" in found.attrs or any(isinstance(v, str) and "ENC[" in v
                                    for part in ("data", "stringData")
                                    for v in mapping_of(found.attrs.get(part)).values()):
        return ENCRYPTED
    data = mapping_of(found.attrs.get("data"))
    string_data = mapping_of(found.attrs.get("stringData")) if kind == "Secret" else {}
    if key in string_data:  # the API server writes stringData over data
        value = string_data[key]
    elif key in data:
        value = data[key]
    else:
        return None
    if not isinstance(value, str):
        return _Unreadable(f"its {key} is not text")
    if kind == "Secret" and key not in string_data:
        try:  # Go's base64 passes over line breaks
            decoded = base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
            value = decoded.decode("utf-8")
        except (binascii.Error, ValueError):
            return _Unreadable(f"its {key} is not base64 of UTF-8 text")
        if "ENC[" in value:  # a file encrypted with SOPS a secretGenerator read
            return ENCRYPTED
    return value


def _yaml_mapping(text: str) -> Any:
    """`text`'s YAML node tree (None: empty), as a values file; a str saying what it is when
    it is not a mapping helm reads."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, ValueError, RecursionError):
        return "YAML that does not parse"
    if node is not None and not isinstance(node, yaml.MappingNode):
        return "YAML that is not a mapping"
    return node


def _sets_along(values: Any, parts: tuple[str, ...]) -> bool:
    """Whether `values` (a mapping, or a YAML node tree; None: empty) sets the value at
    `parts`, one below it, or one above it that replaces it (not a mapping)."""
    import yaml

    if values is None:
        return False
    node = values
    for part in parts:
        if isinstance(node, dict):
            if part not in node:
                return False
            node = node[part]
        elif isinstance(node, yaml.MappingNode):
            pair = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
            if pair is None:
                return False
            node = pair
        else:
            return True
    return True


def _substituted_at(kustomization: Any, composed: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Each `postBuild.substitute` variable's (file, line), as the Kustomization's file writes it."""
    import yaml

    from linter.loaders import display_path
    from linter.loaders.rendered import values_under

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
