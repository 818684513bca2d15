"""Releases of charts this scan does not fetch.

A release of a chart from a Helm repository or an OCI registry (an Argo CD source with a
`chart`, a Flux HelmRelease of a HelmRepository or an OCIRepository, a Terraform
`helm_release` with a `repository`, a helmfile release of `bitnami/redis`), or an Argo CD
source of another git repository, deploys what this checkout does not hold: resilint reads
the checkout and fetches nothing (pre-commit.ci has no network), so what it deploys is not
judged. The report lists such releases, as it lists the Terraform module calls it could not
follow (`unresolved_modules`), so that a clean scan of a GitOps repository is not read as a
judged one. Charts of this repository are rendered where they are deployed
(`rendered.load`) and are not listed here. A kustomization's `helmCharts` entry, or a
remote base, is fetched by kustomize as it builds (into a copy); only one that could not be
fetched is listed (by `rendered._judge_without_fetched`). So is a chart's dependency of a
Helm repository that `helm dependency build` has not put in its charts/
(`rendered._not_fetched_dependency`), when helm would render it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from linter.loaders.rendered import mapping_of
from linter.model import Resource

# how to judge one anyway: render it, and scan what helm writes
RENDER_HINT = "to judge a chart, render it: `helm template RELEASE CHART --repo URL -f VALUES | resilint scan -`"


@dataclass(frozen=True)
class ChartNotFetched:
    """A release whose chart is not in this checkout: `deployer` as findings name it
    (`Argo CD Application redis`), `chart` as it names the chart and where it comes from."""

    file: str
    line: int | None
    deployer: str
    chart: str

    def to_dict(self) -> dict[str, Any]:
        return {"deployer": self.deployer, "chart": self.chart, "file": self.file, "line": self.line}


def charts_not_fetched(resources: Iterable[Resource], found: Iterable[ChartNotFetched] = ()) -> list[ChartNotFetched]:
    """The releases among `resources` (Argo CD Applications, Flux HelmReleases, Terraform
    `helm_release`s) whose charts are not in this checkout, after those `found` while loading
    (helmfile releases, which are no resources), each once, in the order met."""
    from linter.loaders.argocd import APPLICATION, APPLICATION_SET
    from linter.loaders.flux import HELM_RELEASE as FLUX_HELM_RELEASE, HELM_REPOSITORY
    from linter.loaders.terraform_helm import HELM_RELEASE
    from linter.normalize.tokens import PULUMI_DEPLOYERS

    resources = list(resources)
    repositories = {(r.namespace, r.name): mapping_of(r.attrs.get("spec")).get("url") for r in resources
                    if r.type == HELM_REPOSITORY and r.source_format == "kubernetes"}
    out: dict[ChartNotFetched, None] = dict.fromkeys(found)
    for r in resources:
        if r.type == APPLICATION and r.source_format == "kubernetes":
            out.update(dict.fromkeys(_argo(r, mapping_of(r.attrs.get("spec")), "Application")))
        elif r.type == APPLICATION_SET and r.source_format == "kubernetes":
            template = mapping_of(mapping_of(mapping_of(r.attrs.get("spec")).get("template")).get("spec"))
            out.update(dict.fromkeys(_argo(r, template, "ApplicationSet")))
        elif r.type == FLUX_HELM_RELEASE and r.source_format == "kubernetes":
            out.update(dict.fromkeys(_flux(r, repositories)))
        elif r.type == HELM_RELEASE and r.source_format in ("hcl", "tfplan"):
            out.update(dict.fromkeys(_terraform(r)))
        elif r.raw_type in PULUMI_DEPLOYERS and r.source_format == "pulumi":
            out.update(dict.fromkeys(_pulumi(r)))
    return list(out)


def _argo(r: Resource, spec: dict[str, Any], kind: str) -> Iterator[ChartNotFetched]:
    """The sources of an Application's `spec` (an ApplicationSet's template's: the same for
    each Application it makes, as written) of a Helm repository (`chart`), or of a git
    repository that is not this checkout's (`path`, its `repoURL` neither a remote of the
    checkout nor its directory's name); `ref` sources (value files only) deploy nothing."""
    from linter.repository import checkout_named, repository_name

    listed = spec.get("sources")
    for source in listed if isinstance(listed, list) else [spec.get("source")]:
        source = mapping_of(source)
        url, chart, path = source.get("repoURL"), source.get("chart"), source.get("path")
        if not isinstance(url, str) or not url:
            continue
        revision = source.get("targetRevision")
        version = f" {revision}" if isinstance(revision, str) and revision else ""
        if isinstance(chart, str) and chart:
            yield ChartNotFetched(r.location.file, r.location.line, f"Argo CD {kind} {r.name}",
                                  f"{chart}{version} from {url}")
        elif isinstance(path, str) and checkout_named(Path(os.path.dirname(r.location.file) or "."),
                                                      repository_name(url)) is None:
            yield ChartNotFetched(r.location.file, r.location.line, f"Argo CD {kind} {r.name}",
                                  f"{path or '.'}{version} of {url}")


def _flux(r: Resource, repositories: dict[tuple[str | None, str], Any]) -> Iterator[ChartNotFetched]:
    """A HelmRelease of a chart of a HelmRepository (`chart.spec.sourceRef`) or of an
    OCIRepository (`chartRef`): Flux fetches it where it reconciles."""
    spec = mapping_of(r.attrs.get("spec"))
    chart_spec = mapping_of(mapping_of(spec.get("chart")).get("spec"))
    source = mapping_of(chart_spec.get("sourceRef"))
    reference = mapping_of(spec.get("chartRef"))
    if source.get("kind") == "HelmRepository" and isinstance(chart_spec.get("chart"), str):
        name, namespace = source.get("name"), source.get("namespace") or r.namespace
        url = repositories.get((namespace, name)) if isinstance(name, str) else None
        version = chart_spec.get("version")
        yield ChartNotFetched(r.location.file, r.location.line, f"Flux HelmRelease {r.name}",
                              f"{chart_spec['chart']}{f' {version}' if isinstance(version, str) else ''} from "
                              + (url if isinstance(url, str) and url else f"HelmRepository {name}"))
    elif reference.get("kind") == "OCIRepository" and isinstance(reference.get("name"), str):
        yield ChartNotFetched(r.location.file, r.location.line, f"Flux HelmRelease {r.name}",
                              f"OCIRepository {reference['name']}")


def fetched_from(chart: Any, repository: Any, version: Any = None) -> str | None:
    """How a release's `chart` is named, with its version and where it comes from, when a
    provider fetches it (a `repository` given, or a chart that is a URL or an `oci://`
    reference); None for a chart named otherwise (a path of this repository, or not known)."""
    if not isinstance(chart, str) or not chart:
        return None
    named = f"{chart} {version}" if isinstance(version, str) and version else chart
    if isinstance(repository, str) and repository:
        return f"{named} from {repository}"
    return named if "://" in chart or chart.startswith("oci:") else None


def _terraform(r: Resource) -> Iterator[ChartNotFetched]:
    """A `helm_release` whose chart the provider fetches at apply."""
    chart = fetched_from(r.attrs.get("chart"), r.attrs.get("repository"), r.attrs.get("version"))
    if chart is not None:
        yield ChartNotFetched(r.location.file, r.location.line, f"Terraform {r.address}", chart)


def _pulumi(r: Resource) -> Iterator[ChartNotFetched]:
    """A Pulumi `Release`, or a `Chart` of a YAML program, whose chart comes from a repository
    (`repositoryOpts.repo`, an `oci://` chart). A `Chart` in a stack export or a preview is
    a component whose objects the document holds (its children): judged there, not listed."""
    from linter.loaders.pulumi_releases import release_label
    from linter.normalize.tokens import PULUMI_DEPLOYERS

    if PULUMI_DEPLOYERS[r.raw_type or ""] == "Directory" or (
            PULUMI_DEPLOYERS[r.raw_type or ""] == "Chart" and r.meta.get("program_at") is None):
        return
    options = r.attrs.get("repositoryOpts")
    chart = fetched_from(r.attrs.get("chart"), options.get("repo") if isinstance(options, dict) else None,
                         r.attrs.get("version"))
    if chart is not None:
        yield ChartNotFetched(r.location.file, r.location.line, release_label(r), chart)
