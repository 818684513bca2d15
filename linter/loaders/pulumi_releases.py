"""Pulumi: the charts and kustomizations of this repository that a program's `Chart`,
`Release` and `Directory` resources deploy.

A Pulumi YAML program (loaders/pulumi_yaml.py) releases a chart with a
`kubernetes:helm.sh/v4:Chart` or a `kubernetes:helm.sh/v3:Release`:

    web:
      type: kubernetes:helm.sh/v4:Chart
      properties:
        chart: ./charts/web                   # a path, from the directory the program runs in
        namespace: shop
        valueYamlFiles: [{fn::fileAsset: ./values/prod.yaml}]
        values: {replicaCount: 1}             # merged over the files

With no repository (`repositoryOpts.repo`, `oci://`), a `chart` that is a directory with a
`Chart.yaml` of this repository is what the provider renders: it is judged as
`helm template NAME CHART --namespace NS --values FILE... --values VALUES`
(rendered.py:_load_release), not alone. NAME is the resource's `name`; a Chart's defaults
to the resource's own (logical) name, a Release's is generated with a random suffix (not
known here). NS is its `namespace`, else its explicit provider's, else `default`.

A `Release` in a stack export or a preview (`pulumi preview --json`) of a program of any
language is read alike when the document sits in its project's directory (a `Pulumi.yaml`
beside it: pulumi.py:_program_directory), where the program runs. A `Chart` there is a
component that rendered the chart in the program: its objects are the document's own
resources (the component's children), judged as they are there; its chart is neither
rendered again nor judged alone. The chart is the component's `chart` path when its state
records one, else the chart of the scan its objects' `helm.sh/chart` label names
(`rendered_chart_names`: a component's state need not record the inputs it was given; a
v3 Chart's, registered by the SDK, records none).

A `kubernetes:kustomize/v2:Directory` of a directory of this repository is built as the
provider builds it: `kustomize build DIRECTORY` (kustomize's defaults), its objects that name
no namespace placed in its `namespace`, else its explicit provider's (`rendered.KustomizationRelease`,
built as an Argo CD Application's is), once per stack, and not built alone besides. A
directory with no kustomization is an error at the program's line (the provider's build
fails); one of a git repository (`https://github.com/...`, `github.com/org/repo/k8s?ref=v1`)
or none of this checkout's directories is not this repository's: nothing is said of it. A
`Directory` in a stack export or a preview is a component, as a `Chart` is there; its
kustomization is marked deployed only when its state records its `directory` (its objects
carry no mark of where they were built).

What is not known before deployment (another resource's output, a secret, a value the
program computes, a post-renderer, the values of the release already installed) makes the
release not known here: it is noted, not judged, and its chart (or kustomization) is not
judged alone either.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linter.model import InputError, Resource, Unknown

if TYPE_CHECKING:
    from linter.loaders.rendered import ChartRelease, Deployed, KustomizationRelease, NotKnownRelease

# properties that make the provider do more than render the chart with the values written
NOT_RENDERED_ONLY = {
    "postRenderer": "the provider runs a post-renderer over what the chart renders (`postRenderer`)",
    "postrender": "helm runs a post-renderer over what the chart renders (`postrender`)",
    "reuseValues": "`reuseValues` merges the values of the release already installed, not known here",
}


def pulumi_releases(loaded: Any, found: Deployed, context: list[Resource] | None = None,
                    staged: set[str] | None = None) -> list[KustomizationRelease | NotKnownRelease]:
    """Add to `found` the releases of this repository's charts that the scan's Pulumi YAML
    programs deploy (their `Chart`s and `Release`s), each as the provider renders it; a
    release not known here is noted in `loaded`, its chart deployed (not judged alone). The
    kustomizations their `Directory`s build are returned, for `rendered.load` to build as
    it builds an Argo CD Application's.
    `context`: the `Chart`s, `Release`s and `Directory`s of the programs of a staged file's
    checkout (`pulumi_yaml.context_programs`), of which only the releases that render one of
    `staged` (real paths) count, and that say nothing of themselves (errors; notes of other charts)."""
    from linter.loaders import display_path
    from linter.normalize.tokens import PULUMI_DEPLOYERS

    own = len(loaded.resources)
    kustomized: list[KustomizationRelease | NotKnownRelease] = []
    for n, r in enumerate([*loaded.resources, *(context or ())]):
        if r.raw_type not in PULUMI_DEPLOYERS or r.source_format != "pulumi" or not r.meta.get("program_directory"):
            continue  # a document's outside its project directory: where its chart path starts is not known
        kind = PULUMI_DEPLOYERS[r.raw_type]
        if kind != "Release" and r.meta.get("program_at") is None:
            # a Chart or a Directory in a stack export or a preview is a component the provider
            # rendered: its objects are the document's own resources (its children), judged as
            # they are there, not the chart or kustomization alone
            target = (_local_chart(r) if kind == "Chart" else _local_directory(r)) if n < own else None
            if target is not None:
                found.deployed.add(os.path.realpath(target if isinstance(target, Path) else target[0]))
            continue
        try:
            if kind == "Directory":
                built = _kustomization(r)
                if built is not None and (n < own or built.touches(staged or set())):
                    kustomized.append(built)
                    if n >= own:  # a context program: what it says of itself is not the commit's
                        loaded.context_files.add(display_path(built.file))
                continue
            made = _release(r, kind)
        except InputError as err:
            if n < own:  # a full scan reports a context program's error at the program, not a commit of the chart
                loaded.errors.append(err)
            continue
        except Exception as exc:  # last resort: a bug here costs this release, not the scan
            if n < own:
                loaded.errors.append(InputError.internal(r.location.file, f"reading {r.address}", exc,
                                                         r.location.line))
            continue
        if n < own:
            found.take(made, f"{r.location}: {release_label(r)}", loaded)
        else:
            found.take_context(made, f"{r.location}: {release_label(r)}", loaded, staged or set())
    return kustomized


# the components that render a chart in the program (v3: the SDK; v4: the provider): their
# children, the chart's objects, are a document's own resources
CHART_COMPONENTS = ("kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart")


def rendered_chart_names(resources: list[Resource]) -> set[str]:
    """The charts (`NAME-VERSION`, as their `helm.sh/chart` label writes them) whose objects a
    stack export or a preview holds as the children of a `Chart` component. A component's
    state need not say which chart it renders (a v3 Chart's records no inputs), but
    the objects it rendered do: a chart of this repository so named is deployed, its objects
    judged there (`rendered.load`), not the chart alone."""
    from linter.loaders.pulumi import urn_parent_types

    names: set[str] = set()
    for r in resources:
        urn = r.meta.get("urn") if r.source_format == "pulumi" else None
        if not isinstance(urn, str) or "helm.sh/v" not in urn:  # (most resources: no split)
            continue
        if not any(token in CHART_COMPONENTS for token in urn_parent_types(urn)):
            continue
        meta = r.attrs.get("metadata") if isinstance(r.attrs, dict) else None
        labels = meta.get("labels") if isinstance(meta, dict) else None
        chart = labels.get("helm.sh/chart") if isinstance(labels, dict) else None
        if isinstance(chart, str) and chart:
            names.add(chart)
    return names


def context_documents(paths: list[Path], loaded: Any, options: dict[str, Any]) -> list[Resource]:
    """Pre-commit: the resources of the Pulumi documents `paths` (stack exports, previews of a
    staged file's checkout), read as context for the charts their Chart components rendered;
    one the scan loads itself is left to that load. What fails to read says nothing: not the
    commit's, and a staged chart is then judged alone, as before."""
    from linter.loaders import display_path
    from linter.loaders.documents import load

    loaded_here = {os.path.realpath(f) for f in loaded.files}
    out: list[Resource] = []
    for path in paths:
        if os.path.realpath(path) in loaded_here:
            continue
        try:
            out += [r for r in load(path, display_path(path), options) or [] if r.source_format == "pulumi"]
        except Exception:  # an error of a file the commit does not touch: not reported here
            continue
    return out


def release_label(r: Resource) -> str:
    """How findings name the release: `Pulumi Chart web (stack Pulumi.prod.yaml)`."""
    from linter.loaders.pulumi import urn_name
    from linter.normalize.tokens import PULUMI_DEPLOYERS

    stack = f" ({r.meta['environment_option']} {r.meta['environment']})" if r.meta.get("environment") else ""
    return f"Pulumi {PULUMI_DEPLOYERS[r.raw_type or '']} {urn_name(r.meta['urn'])}{stack}"


def _release(r: Resource, kind: str) -> ChartRelease | tuple[Path, str] | None:
    """The release as the provider renders it; (its chart, why) when it deploys a chart of
    this repository in a way not known here; None when it deploys none."""
    from linter.loaders.pulumi import UNRESOLVED_NAMESPACE, urn_name
    from linter.loaders.rendered import ChartRelease

    directory = Path(r.meta["program_directory"])
    chart = _local_chart(r)
    if not isinstance(chart, Path):
        return chart
    for key, reason in NOT_RENDERED_ONLY.items():
        value = r.attrs.get(key)
        if isinstance(value, Unknown):
            return chart, f"its `{key}` is not known before deployment"
        if value not in (None, False, "", [], {}):
            return chart, reason
    release = r.attrs.get("name", urn_name(r.meta["urn"]) if kind == "Chart" else None)
    if release is None:
        return chart, ("its release name is generated at deployment (`name` is not set: Pulumi adds a random "
                       "suffix to the resource's name)")
    namespace = r.attrs.get("namespace", r.meta.get("namespace_default") or "default")
    for key, value in (("name", release), ("namespace", namespace)):
        if isinstance(value, Unknown) or value == UNRESOLVED_NAMESPACE:
            return chart, f"its `{key}` is not known before deployment"
        if not isinstance(value, str) or not value:
            raise InputError(r.location.file, f"{r.address}: `{key}` must be a string", r.line_for(key))
    values = _values(r, directory)
    if isinstance(values, str):
        return chart, values
    at = (*r.meta["program_at"], "properties", "values") if r.meta.get("program_at") else None
    places: list[tuple[Path, tuple[str | int, ...]]] | None = [
        (v, ()) if isinstance(v, Path) else (Path(r.location.file), at or ()) for v in values]
    if any(isinstance(v, str) or isinstance(v, dict) and at is None for v in values):
        places = None  # a `fn::stringAsset`'s text, a document's values: what they set is named nowhere
    return ChartRelease(Path(r.location.file), r.address, chart, values, [], release, namespace, release_label(r),
                        f"pulumi-helm:{r.address}", value_places=places, line=r.location.line,
                        action_origins=r.meta.get("action_origins") or {})


def _local_chart(r: Resource) -> Path | tuple[Path, str] | None:
    """The chart of this repository the resource releases; (it, why) when it may come from a
    repository instead; None when it releases a chart of a repository or one not known."""
    from linter.loaders.rendered import chart_of_repository
    from linter.loaders.unfetched import fetched_from

    name, options = r.attrs.get("chart"), r.attrs.get("repositoryOpts")
    repository = options.get("repo") if isinstance(options, dict) else options
    if not isinstance(name, str) or not name or "\x00" in name or fetched_from(name, repository) is not None:
        return None
    chart = chart_of_repository(Path(r.meta["program_directory"]) / name, Path(r.location.file))
    if chart is None:
        return None
    if isinstance(repository, Unknown):
        return chart, "its `repositoryOpts` is not known before deployment: the chart may come from a repository"
    return chart


def _local_directory(r: Resource) -> Path | None:
    """The directory of this repository a `Directory` builds; None for one elsewhere (a git
    repository's: `https://github.com/...`, `github.com/org/repo/path?ref=v1`, none of this
    checkout's directories), or not known."""
    from linter.loaders.rendered import within
    from linter.paths import repository_of

    name = r.attrs.get("directory")
    if not isinstance(name, str) or not name or "://" in name or name.startswith(("git@", "git::")) \
            or "\x00" in name:
        return None
    directory = Path(r.meta["program_directory"])
    path = Path(os.path.normpath(directory / name))
    return path if within(path, repository_of(directory)) and os.path.isdir(path) else None


def _kustomization(r: Resource) -> KustomizationRelease | NotKnownRelease | None:
    """The kustomization of this repository a `kubernetes:kustomize/v2:Directory` builds, as
    the provider builds it (kustomize's defaults; `namespace`, else its provider's, given to
    the objects that name none); not known when its namespace is not; None when it builds none
    of this repository."""
    from linter.loaders import display_path
    from linter.loaders.pulumi import UNRESOLVED_NAMESPACE
    from linter.loaders.rendered import KustomizationRelease, NotKnownRelease, kustomization_file

    directory = _local_directory(r)
    if directory is None:
        return None
    if kustomization_file(directory) is None:  # the provider's kustomize build fails: nothing is deployed
        raise InputError(r.location.file, f"{r.address}: `directory` is {r.attrs['directory']}, which holds no "
                         f"kustomization in {display_path(Path(r.meta['program_directory']))}",
                         r.line_for("directory"))
    label, scope = release_label(r), f"pulumi-kustomize:{r.address}" + (f"@{r.meta['environment']}"
                                                                   if r.meta.get("environment") else "")
    file = Path(r.location.file)
    namespace = r.attrs.get("namespace", r.meta.get("namespace_default"))
    if isinstance(namespace, Unknown) or namespace == UNRESOLVED_NAMESPACE:
        return NotKnownRelease(file, r.address, directory, label, scope,
                               "its `namespace` is not known before deployment", r.location.line)
    if namespace is not None and (not isinstance(namespace, str) or not namespace):
        raise InputError(r.location.file, f"{r.address}: `namespace` must be a string", r.line_for("namespace"))
    return KustomizationRelease(file, r.address, directory, {}, namespace, label, scope, r.location.line)


def _values(r: Resource, directory: Path) -> list[Path | str | dict[str, Any]] | str:
    """The values files (`valueYamlFiles`, in order), then the inline `values` merged over
    them; or why they are not known (a file outside the repository is not read)."""
    from linter.loaders import display_path
    from linter.loaders.rendered import within
    from linter.paths import repository_of

    files = r.attrs.get("valueYamlFiles")
    if isinstance(files, Unknown):
        return "its `valueYamlFiles` are not known before deployment"
    if files is not None and not isinstance(files, list):
        raise InputError(r.location.file, f"{r.address}: `valueYamlFiles` must be a list of assets",
                         r.line_for("valueYamlFiles"))
    out: list[Path | str | dict[str, Any]] = []
    for n, asset in enumerate(files or []):
        if isinstance(asset, Unknown):
            return f"its `valueYamlFiles[{n}]` is not known before deployment"
        if isinstance(asset, dict) and isinstance(asset.get("path"), str):
            path = Path(os.path.normpath(directory / asset["path"]))
            if "\x00" in asset["path"] or not within(path, repository_of(directory)):
                return f"its `valueYamlFiles[{n}]` ({asset['path']}) is not in this repository"
            if not os.path.isfile(path):
                raise InputError(r.location.file, f"{r.address}: `valueYamlFiles[{n}]` is {asset['path']}, which "
                                 f"is not a file in {display_path(directory)}", r.line_for(f"valueYamlFiles.{n}"))
            out.append(path)
        elif isinstance(asset, dict) and isinstance(asset.get("text"), str):
            out.append(asset["text"])
        elif isinstance(asset, dict) and "uri" in asset:
            return f"its `valueYamlFiles[{n}]` is a remote file ({asset['uri']}), not read here"
        else:
            raise InputError(r.location.file, f"{r.address}: `valueYamlFiles[{n}]` must be an asset "
                             "(fn::fileAsset, fn::stringAsset)", r.line_for(f"valueYamlFiles.{n}"))
    values = r.attrs.get("values")
    unknown = _unknown_at(values, "values")
    if unknown is not None:
        return f"its `{unknown}` is not known before deployment"
    if values is not None and not isinstance(values, dict):
        raise InputError(r.location.file, f"{r.address}: `values` must be a mapping", r.line_for("values"))
    if values:
        out.append(values)
    return out


def _unknown_at(value: Any, path: str) -> str | None:
    """The path of the first value not known in `value` (`values.web.replicas`), or None."""
    stack = [(path, value)]
    while stack:
        here, value = stack.pop()
        if isinstance(value, Unknown):
            return here
        if isinstance(value, dict):
            stack += [(f"{here}.{k}", v) for k, v in reversed(list(value.items()))]
        elif isinstance(value, list):
            stack += [(f"{here}[{n}]", v) for n, v in reversed(list(enumerate(value)))]
    return None
