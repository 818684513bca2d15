"""A staged file is judged as the checkout's deployers deploy it (pre-commit names staged files).

`resilint scan charts/web/values.yaml` in a checkout whose Argo CD Application or Flux
HelmRelease deploys that chart with other values must report exactly what a full scan of
the checkout reports for the chart: the deployers elsewhere in the checkout are found
(`rendered.deployers_of_staged`, a bytes search of the checkout), read as context (their
own findings and errors are not the commit's), and only their releases of the staged
files are rendered. Each scenario stages one file and compares the one-file run with the
full scan restricted to the staged file's chart, kustomization or file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from linter.cli import main
from tests.test_kustomize import PROBED, write

REMOTE = '[remote "origin"]\n\turl = git@github.com:acme/shop.git\n'
URL = "git@github.com:acme/shop.git"

CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    "charts/web/values.yaml": "replicas: 1\nzone: false\n",
    "charts/web/templates/deployment.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: {{ .Release.Name }}}\nspec:\n"
        "  replicas: {{ .Values.replicas }}\n  selector: {matchLabels: {app: web}}\n"
        "  template:\n    metadata: {labels: {app: web}}\n    spec:\n"
        "      containers: [{name: web, image: nginx:1.27}]\n",
    # another chart of the checkout, which the staged one's commit must not render
    "charts/other/Chart.yaml": "apiVersion: v2\nname: other\nversion: 1.0.0\n",
    "charts/other/values.yaml": "replicas: 1\n",
    "charts/other/templates/deployment.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\nspec:\n"
        "  replicas: {{ .Values.replicas }}\n  selector: {matchLabels: {app: other}}\n"
        "  template:\n    metadata: {labels: {app: other}}\n    spec:\n"
        "      containers: [{name: other, image: nginx:1.27}]\n",
}


def argo_application(name: str, source: str) -> str:
    return ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name + "\n"
            "  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: " + URL + "\n" + source
            + "  destination:\n    server: https://kubernetes.default.svc\n    namespace: shop\n")


ARGO_CHART = {
    **CHART,
    "envs/prod/web.yaml": "replicas: 3\n",
    "argocd/apps/web.yaml": argo_application(
        "web-prod", "    path: charts/web\n    helm:\n      valueFiles: [../../envs/prod/web.yaml]\n"
                    "      valuesObject:\n        zone: true\n"),
    "argocd/apps/other.yaml": argo_application("other", "    path: charts/other\n"),
}

BASE = PROBED.replace("replicas: 3", "replicas: 1")
KUSTOMIZE = {
    "base/deploy.yaml": BASE,
    "base/kustomization.yaml": "resources: [deploy.yaml]\n",
    "overlays/prod/kustomization.yaml": "resources: [../../base]\npatches: [{path: replicas.yaml}]\n",
    "overlays/prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                                   "spec: {replicas: 3}\n",
}
ARGO_KUSTOMIZE = {**KUSTOMIZE, "argocd/web.yaml": argo_application(
    "web-prod", "    path: overlays/prod\n    kustomize:\n      namePrefix: prod-\n")}

# a plain directory of manifests: Argo CD applies it into `shop`, where the PodDisruptionBudget is
ARGO_DIRECTORY = {
    "k8s/web.yaml": PROBED,
    "k8s/api.yaml": PROBED.replace("name: web}", "name: api}").replace("replicas: 3", "replicas: 1"),
    "k8s/sub/pdb.yaml": "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n"
                        "spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}\n",
    "argocd/k8s.yaml": argo_application("k8s", "    path: k8s\n    directory: {recurse: true}\n"),
}

GIT_REPOSITORY = ("apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
                  "metadata: {name: flux-system, namespace: flux-system}\n"
                  "spec: {interval: 1m, ref: {branch: main}, url: 'ssh://git@github.com/acme/shop'}\n")
FLUX_HELM = {
    **CHART,
    "clusters/prod/flux-system/gotk-sync.yaml": GIT_REPOSITORY,
    "clusters/prod/web.yaml":
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web, namespace: flux-system}\n"
        "spec:\n  interval: 10m\n  targetNamespace: shop\n  chart:\n    spec:\n      chart: ./charts/web\n"
        "      sourceRef: {kind: GitRepository, name: flux-system}\n  values:\n    replicas: 3\n",
}
# Flux's usual layout: the GitRepository and the HelmRelease are built by kustomizations, an
# overlay patches the release (its namespace, its values)
FLUX_HELM_KUSTOMIZED = {
    **CHART,
    "clusters/prod/flux-system/gotk-sync.yaml": GIT_REPOSITORY,
    "clusters/prod/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
    "apps/base/web/release.yaml":
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web, namespace: flux-system}\n"
        "spec:\n  interval: 10m\n  chart:\n    spec:\n      chart: ./charts/web\n"
        "      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
        "  values:\n    replicas: 1\n",
    "apps/base/web/kustomization.yaml": "resources: [release.yaml]\n",
    "apps/prod/kustomization.yaml": "resources: [../base/web]\nnamespace: shop\npatches: [{path: values.yaml}]\n",
    "apps/prod/values.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
                             "metadata: {name: web, namespace: flux-system}\nspec: {values: {replicas: 3}}\n",
}
# the same, its values in a ConfigMap the kustomization generates (`valuesFrom`, the hashed name
# through Flux's kustomizeconfig.yaml)
FLUX_HELM_VALUES_FROM = {
    **CHART,
    "clusters/prod/flux-system/gotk-sync.yaml": GIT_REPOSITORY,
    "clusters/prod/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
    "apps/base/web/release.yaml":
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web}\n"
        "spec:\n  interval: 10m\n  chart:\n    spec:\n      chart: ./charts/web\n"
        "      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
        "  valuesFrom: [{kind: ConfigMap, name: web-values}]\n",
    "apps/base/web/values.yaml": "replicas: 3\n",
    "apps/base/web/kustomizeconfig.yaml": "nameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n"
                                          "  - {path: spec/valuesFrom/name, kind: HelmRelease}\n",
    "apps/base/web/kustomization.yaml": "namespace: shop\nresources: [release.yaml]\n"
                                        "configMapGenerator: [{name: web-values, files: [values.yaml]}]\n"
                                        "configurations: [kustomizeconfig.yaml]\n",
}
FLUX_KUSTOMIZE = {
    **KUSTOMIZE,
    "clusters/prod/flux-system/gotk-sync.yaml": GIT_REPOSITORY,
    "clusters/prod/apps.yaml":
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./overlays/prod\n"
        "  prune: true\n  targetNamespace: shop\n  sourceRef: {kind: GitRepository, name: flux-system}\n",
}
# the same, with `clusters/prod/kustomization.yaml` listing `flux bootstrap`'s `flux-system/` (its
# GitRepository and its own sync, a Kustomization of `clusters/prod`) and the Kustomization: a
# Kustomization a kustomization builds deploys too; Flux's own sync deploys nothing here
FLUX_SELF_SYNC = ("---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
                  "metadata: {name: flux-system, namespace: flux-system}\n"
                  "spec: {interval: 10m, path: ./clusters/prod, prune: true,"
                  " sourceRef: {kind: GitRepository, name: flux-system}}\n")
FLUX_KUSTOMIZE_KUSTOMIZED = {
    **FLUX_KUSTOMIZE,
    "clusters/prod/flux-system/gotk-sync.yaml": GIT_REPOSITORY + FLUX_SELF_SYNC,
    "clusters/prod/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
    "clusters/prod/kustomization.yaml": "resources: [flux-system, apps.yaml]\n",
}

# charts/shop renders charts/web inside it (`file://../web`), and an Argo CD Application deploys
# shop with values giving web three replicas: a staged file of web is judged there, not alone
FILE_DEPENDENCY = {
    **CHART,
    "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n"
                              "  - {name: web, version: 1.0.0, repository: 'file://../web'}\n",
    "charts/shop/values.yaml": "web:\n  replicas: 2\n",
    "argocd/apps/shop.yaml": argo_application("shop-prod", "    path: charts/shop\n    helm:\n      valuesObject:\n"
                                                           "        web: {replicas: 3}\n"),
}
# the same parent released by a helmfile at the checkout's top
FILE_DEPENDENCY_HELMFILE = {
    **{k: v for k, v in FILE_DEPENDENCY.items() if not k.startswith("argocd/")},
    "helmfile.yaml": "releases:\n  - name: shop\n    chart: ./charts/shop\n    namespace: shop\n"
                     "    values:\n      - web: {replicas: 3}\n",
}
# two file:// levels: shop -> mid -> web (the staged chart), shop released by Argo CD, or by a helmfile
FILE_DEPENDENCY_NESTED = {
    **CHART,
    "charts/mid/Chart.yaml": "apiVersion: v2\nname: mid\nversion: 1.0.0\ndependencies:\n"
                             "  - {name: web, version: 1.0.0, repository: 'file://../web'}\n",
    "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n"
                              "  - {name: mid, version: 1.0.0, repository: 'file://../mid'}\n",
    "charts/shop/values.yaml": "mid:\n  web:\n    replicas: 2\n",
    "argocd/apps/shop.yaml": argo_application("shop-prod", "    path: charts/shop\n    helm:\n      valuesObject:\n"
                                                           "        mid: {web: {replicas: 3}}\n"),
}
FILE_DEPENDENCY_NESTED_HELMFILE = {
    **{k: v for k, v in FILE_DEPENDENCY_NESTED.items() if not k.startswith("argocd/")},
    "helmfile.yaml": "releases:\n  - name: shop\n    chart: ./charts/shop\n    namespace: shop\n"
                     "    values:\n      - mid: {web: {replicas: 3}}\n",
}

# Terraform: a root releasing the chart (and the other chart: not rendered in a commit of the first)
TF_RELEASE = """resource "helm_release" "{name}" {{
  name      = "{name}"
  chart     = "${{path.module}}/{chart}"
  namespace = "shop"
{body}}}
"""
TF_ROOT = {
    **CHART,
    "infra/values/web.yaml": "replicas: 3\n",
    "infra/main.tf": TF_RELEASE.format(name="web", chart="../charts/web",
                                       body='  values = [file("${path.module}/values/web.yaml"), '
                                            'yamlencode({ zone = true })]\n')
    + TF_RELEASE.format(name="other", chart="../charts/other", body=""),
}
# a module releasing the chart, called by two roots (one per environment): evaluated in each
TF_MODULE = {
    **CHART,
    "modules/web/variables.tf": 'variable "replicas" {\n  type = number\n}\n',
    "modules/web/main.tf": TF_RELEASE.format(name="web", chart="../../charts/web",
                                             body='  set {\n    name  = "replicas"\n'
                                                  '    value = var.replicas\n  }\n'),
    "envs/prod/main.tf": 'module "web" {\n  source   = "../../modules/web"\n  replicas = 3\n}\n',
    "envs/stage/main.tf": 'module "web" {\n  source   = "../../modules/web"\n  replicas = 2\n}\n',
    # a root that releases nothing: parsed, not evaluated
    "envs/dns/main.tf": 'resource "aws_route53_zone" "z" {\n  name = "shop.example"\n}\n'
                        'output "m" {\n  value = path.module\n}\n',
}

# Terragrunt: units plan the module releasing the chart (copying the checkout: `//`) with their
# inputs; one names its source in a file it includes and plans a module calling that one
TG_VARIABLE = 'variable "replicas" {\n  type = number\n}\n'
TG_RELEASE = TF_RELEASE.format(name="web", chart="../../charts/web",
                               body='  set {\n    name  = "replicas"\n    value = var.replicas\n  }\n')
TG_UNITS = {
    **CHART,
    "modules/web/variables.tf": TG_VARIABLE,
    "modules/web/main.tf": TG_RELEASE,
    "modules/app/main.tf": TG_VARIABLE + 'module "web" {\n  source   = "../web"\n  replicas = var.replicas\n}\n',
    "live/prod/web/terragrunt.hcl": 'terraform {\n  source = "../../..//modules/web"\n}\ninputs = {\n  replicas = 3\n}\n',
    "live/_envcommon/app.hcl": 'terraform {\n  source = "${get_terragrunt_dir()}/../../..//modules/app"\n}\n',
    "live/stage/app/terragrunt.hcl": 'include "app" {\n  path = "../../_envcommon/app.hcl"\n}\n'
                                     'inputs = {\n  replicas = 2\n}\n',
}
# a unit with no `terraform` block plans its own directory
TG_OWN_DIRECTORY = {
    **CHART,
    "live/prod/web/main.tf": TG_VARIABLE + TG_RELEASE.replace("../../charts/web", "../../../charts/web"),
    "live/prod/web/terragrunt.hcl": "inputs = {\n  replicas = 3\n}\n",
}


# Pulumi YAML: a program releasing the chart (v4 Chart) with a values file and inline values, in
# its `main` directory, and releasing the other chart too (not rendered in a commit of the first)
PULUMI_CHART = {
    **CHART,
    "infra/Pulumi.yaml": "name: shop\nruntime: yaml\nmain: app/\n",
    "infra/app/values/web.yaml": "replicas: 3\n",
    "infra/app/Main.yaml": "resources:\n  web:\n    type: kubernetes:helm.sh/v4:Chart\n    properties:\n"
                           "      chart: ../../charts/web\n      namespace: shop\n"
                           "      valueYamlFiles:\n        - fn::fileAsset: ./values/web.yaml\n"
                           "      values:\n        zone: true\n"
                           "  other:\n    type: kubernetes:helm.sh/v3:Release\n    properties:\n"
                           "      name: other\n      chart: ../../charts/other\n",
    "infra/Pulumi.prod.yaml": "config: {}\n",
}


# Helmfile: two umbrellas, neither above the chart, nest one apps/ helmfile with their own values
HELMFILE_UMBRELLAS = {
    **CHART,
    "apps/helmfile.yaml": "releases:\n  - name: web\n    namespace: shop\n    chart: ../charts/web\n"
                          "    values:\n      - replicas: {{ .Values.replicas }}\n",
    "envs/prod/helmfile.yaml": "helmfiles:\n  - path: ../../apps/helmfile.yaml\n    values: [{replicas: 3}]\n",
    "envs/stage/helmfile.yaml": "helmfiles:\n  - path: ../../apps/helmfile.yaml\n    values: [{replicas: 2}]\n",
}


# Pulumi YAML: a program applying a manifest (ConfigFile) through a provider placing it in `shop`,
# where the program's HPA scales it
PULUMI_MANIFEST = {
    "k8s/web.yaml": CHART["charts/web/templates/deployment.yaml"].replace("{{ .Release.Name }}", "web")
                                                                  .replace("{{ .Values.replicas }}", "1"),
    "infra/Pulumi.yaml": "name: shop\nruntime: yaml\nresources:\n  k8s:\n    type: pulumi:providers:kubernetes\n"
                         "    properties: {namespace: shop}\n  web:\n    type: kubernetes:yaml/v2:ConfigFile\n"
                         "    options: {provider: '${k8s}'}\n    properties: {file: ../k8s/web.yaml}\n"
                         "  hpa:\n    type: kubernetes:autoscaling/v2:HorizontalPodAutoscaler\n"
                         "    options: {provider: '${k8s}'}\n    properties:\n      metadata: {name: web}\n"
                         "      spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web},"
                         " minReplicas: 2, maxReplicas: 4}\n",
}


def as_json(*documents: str, escaped: bool = False) -> str:
    """YAML deployer documents written as JSON (several: a `List`), as tools write them;
    `escaped`: with `\\/` for `/`, which JSON allows (PHP's encoder writes it)."""
    import yaml

    objects = [yaml.safe_load(d) for d in documents]
    doc = objects[0] if len(objects) == 1 else {"apiVersion": "v1", "kind": "List", "items": objects}
    text = json.dumps(doc, indent=2)
    return text.replace("/", "\\/") if escaped else text


# deployers written as JSON: an Application with its slashes escaped, a Flux List
ARGO_CHART_JSON = {
    **{k: v for k, v in ARGO_CHART.items() if not k.startswith("argocd/")},
    "argocd/apps/web.json": as_json(ARGO_CHART["argocd/apps/web.yaml"], escaped=True),
    "argocd/apps/other.json": as_json(ARGO_CHART["argocd/apps/other.yaml"]),
}
FLUX_HELM_JSON = {
    **CHART,
    "clusters/prod/flux.json": as_json(GIT_REPOSITORY, FLUX_HELM["clusters/prod/web.yaml"]),
}
FLUX_HELM_KUSTOMIZED_JSON = {
    **{k: v for k, v in FLUX_HELM_KUSTOMIZED.items() if not k.startswith("apps/")},
    "apps/base/web/release.json": as_json(FLUX_HELM_KUSTOMIZED["apps/base/web/release.yaml"]),
    "apps/base/web/kustomization.yaml": "resources: [release.json]\n",
    "apps/prod/kustomization.yaml": "resources: [../base/web]\nnamespace: shop\npatches: [{path: values.json}]\n",
    "apps/prod/values.json": as_json(FLUX_HELM_KUSTOMIZED["apps/prod/values.yaml"]),
}

NEEDS = {"helm": ["helm"], "kustomize": ["kustomize", "kubectl"], "git": ["git"]}


def _needs(tool: str) -> None:
    if not any(shutil.which(t) for t in NEEDS[tool]):
        pytest.skip(f"{' or '.join(NEEDS[tool])} not on PATH")


def checkout(root: Path, files: dict[str, str], git: bool) -> Path:
    """A checkout of `acme/shop`: a real git repository (searched with `git grep`), or a
    directory with only a `.git/config` (git refuses it: searched by a walk)."""
    write(root, files)
    if git:
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        subprocess.run(["git", "remote", "add", "origin", URL], cwd=root, check=True)
    else:
        write(root, {".git/config": REMOTE})
    return root


def report(capsys, *arguments: str) -> list[dict]:
    main(["scan", *arguments, "--format", "json", "--fail-on", "critical"])
    out = json.loads(capsys.readouterr().out)
    assert out["errors"] == [], out["errors"]
    return out["findings"]


def keyed(findings: list[dict]) -> list[tuple]:
    return sorted((f["rule_id"], f["file"], f["line"], f["message"], f["fingerprint"]) for f in findings)


# an Argo CD app of apps: the Applications a kustomization builds (`apps/kustomization.yaml`, the
# root Application's path) or a chart renders (a Helm app of apps, its repoURL a value)
ARGO_APPS_KUSTOMIZED = {
    **{k: v for k, v in ARGO_CHART.items() if not k.startswith("argocd/")}, **KUSTOMIZE,
    "argocd/apps/web.yaml": ARGO_CHART["argocd/apps/web.yaml"],
    "argocd/apps/overlay.yaml": argo_application("web-overlay", "    path: overlays/prod\n"
                                                                "    kustomize:\n      namePrefix: prod-\n"),
    "argocd/apps/kustomization.yaml": "resources: [web.yaml, overlay.yaml]\n",
}
ARGO_APPS_CHART = {
    **{k: v for k, v in ARGO_CHART.items() if not k.startswith("argocd/")},
    "argocd/apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 1.0.0\n",
    "argocd/apps/values.yaml": f"repoURL: {URL}\n",
    "argocd/apps/templates/web.yaml": ARGO_CHART["argocd/apps/web.yaml"].replace(
        f"repoURL: {URL}", "repoURL: {{ .Values.repoURL }}"),
}
# the same app of apps, deployed by a root Application that gives it the repository's URL (the
# chart alone names none: its Application deploys nothing known here)
ARGO_APPS_CHART_ROOT = {
    **ARGO_APPS_CHART, "argocd/apps/values.yaml": "repoURL: ''\n",
    "argocd/root.yaml": argo_application("root", "    path: argocd/apps\n    helm:\n"
                                                 f"      valuesObject: {{repoURL: '{URL}'}}\n"),
}

SCENARIOS = {
    # name: (files, the staged file, the directories whose findings it is the unit of, tool)
    "argo-chart-values": (ARGO_CHART, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "argo-chart-template": (ARGO_CHART, "charts/web/templates/deployment.yaml", ["charts/web/"], "helm"),
    "argo-kustomize-base": (ARGO_KUSTOMIZE, "base/deploy.yaml", ["base/", "overlays/prod/"], "kustomize"),
    "argo-kustomize-overlay": (ARGO_KUSTOMIZE, "overlays/prod/replicas.yaml", ["base/", "overlays/prod/"],
                               "kustomize"),
    "argo-directory": (ARGO_DIRECTORY, "k8s/api.yaml", ["k8s/api.yaml"], "kustomize"),
    "flux-helmrelease": (FLUX_HELM, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "flux-helmrelease-kustomized": (FLUX_HELM_KUSTOMIZED, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "flux-helmrelease-values-from": (FLUX_HELM_VALUES_FROM, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "flux-kustomization": (FLUX_KUSTOMIZE, "base/deploy.yaml", ["base/", "overlays/prod/"], "kustomize"),
    "flux-kustomization-kustomized": (FLUX_KUSTOMIZE_KUSTOMIZED, "base/deploy.yaml", ["base/", "overlays/prod/"],
                                      "kustomize"),
    "flux-kustomization-kustomized-overlay": (FLUX_KUSTOMIZE_KUSTOMIZED, "overlays/prod/replicas.yaml",
                                              ["base/", "overlays/prod/"], "kustomize"),
    "argo-chart-json": (ARGO_CHART_JSON, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "flux-helmrelease-json": (FLUX_HELM_JSON, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "flux-helmrelease-kustomized-json": (FLUX_HELM_KUSTOMIZED_JSON, "charts/web/values.yaml", ["charts/web/"],
                                         "helm"),
    "terragrunt-units": (TG_UNITS, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "terragrunt-units-template": (TG_UNITS, "charts/web/templates/deployment.yaml", ["charts/web/"], "helm"),
    "terragrunt-own-directory": (TG_OWN_DIRECTORY, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "terraform-root": (TF_ROOT, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "pulumi-chart": (PULUMI_CHART, "charts/web/templates/deployment.yaml", ["charts/web/"], "helm"),
    "pulumi-chart-values-file": (PULUMI_CHART, "infra/app/values/web.yaml", ["charts/web/"], "helm"),
    "terraform-root-values-file": (TF_ROOT, "infra/values/web.yaml", ["charts/web/"], "helm"),
    "terraform-module": (TF_MODULE, "charts/web/templates/deployment.yaml", ["charts/web/"], "helm"),
    "argo-apps-kustomized": (ARGO_APPS_KUSTOMIZED, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "argo-apps-kustomized-base": (ARGO_APPS_KUSTOMIZED, "base/deploy.yaml", ["base/", "overlays/prod/"], "helm"),
    "argo-apps-chart": (ARGO_APPS_CHART, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "argo-apps-chart-root": (ARGO_APPS_CHART_ROOT, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "argo-chart-file-dependency": (FILE_DEPENDENCY, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "argo-chart-file-dependency-template": (FILE_DEPENDENCY, "charts/web/templates/deployment.yaml",
                                            ["charts/web/"], "helm"),
    "helmfile-chart-file-dependency": (FILE_DEPENDENCY_HELMFILE, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "helmfile-umbrellas-elsewhere": (HELMFILE_UMBRELLAS, "charts/web/values.yaml", ["charts/web/"], "helm"),
    "pulumi-config-file": (PULUMI_MANIFEST, "k8s/web.yaml", ["k8s/"], "git"),
    "argo-chart-nested-file-dependency": (FILE_DEPENDENCY_NESTED, "charts/web/templates/deployment.yaml",
                                          ["charts/web/"], "helm"),
    "helmfile-chart-nested-file-dependency": (FILE_DEPENDENCY_NESTED_HELMFILE, "charts/web/values.yaml",
                                              ["charts/web/"], "helm"),
}


@pytest.mark.parametrize("git", [True, False], ids=["git-grep", "walk"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_staged_file_gets_the_findings_a_full_scan_gives_it(tmp_path, monkeypatch, capsys, scenario, git):
    files, staged, unit, tool = SCENARIOS[scenario]
    _needs(tool)
    monkeypatch.chdir(checkout(tmp_path, files, git))
    full = [f for f in report(capsys, ".") if f["file"].startswith(tuple(unit))]
    one = report(capsys, staged)
    assert keyed(one) == keyed(full)
    assert one, "the scenario must have findings to compare"
    # judged as deployed: the deployer's values win over the chart's, the overlay's patch over the base
    assert not [f for f in one if f["rule_id"] == "RES101" and "web" in f["resource"]], one
    if scenario not in ("argo-directory", "pulumi-config-file"):  # applied as written: no release to name
        assert all("(with " in f["message"] for f in one), one


def test_the_staged_chart_alone_is_rendered_not_the_checkout(tmp_path, monkeypatch, capsys):
    """A one-file commit renders the releases of the staged chart only: the other chart an
    Application of the checkout deploys is not rendered, and nothing of the Applications'
    files is reported."""
    _needs("helm")
    monkeypatch.chdir(checkout(tmp_path, ARGO_CHART, git=True))
    main(["scan", "charts/web/values.yaml", "--format", "json", "--fail-on", "critical"])
    out = json.loads(capsys.readouterr().out)
    assert {f["file"] for f in out["findings"]} == {"charts/web/templates/deployment.yaml"}
    assert not [f for f in out["findings"] if "other" in f["resource"]]
    assert all("Argo CD Application web-prod" in f["message"] for f in out["findings"])


def test_a_deployer_an_exclude_glob_names_deploys_nothing(tmp_path, monkeypatch, capsys):
    _needs("helm")
    monkeypatch.chdir(checkout(tmp_path, ARGO_CHART, git=True))
    assert all("(with " in f["message"] for f in report(capsys, "charts/web/values.yaml"))
    write(tmp_path, {".resilint.yaml": "exclude: [argocd]\n"})
    findings = report(capsys, "charts/web/values.yaml")
    assert [f for f in findings if f["rule_id"] == "RES101"], findings  # the chart alone, with its values.yaml
    assert not [f for f in findings if "(with " in f["message"]]


def test_a_context_deployer_says_nothing_of_itself(tmp_path, monkeypatch, capsys):
    """Errors and findings of a deployer found in the checkout are not the commit's: an
    Application whose kustomize options break the build of the staged overlay is an error a
    full scan reports at the Application (and the overlay deploys nothing), not in a commit
    of the overlay's file, which is not judged alone either."""
    _needs("kustomize")
    broken = argo_application("web-prod", "    path: overlays/prod\n    kustomize:\n"
                                          "      patches: [{patch: 'not: [a patch'}]\n")
    monkeypatch.chdir(checkout(tmp_path, {**KUSTOMIZE, "argocd/web.yaml": broken}, git=True))
    main(["scan", ".", "--format", "json"])
    full = json.loads(capsys.readouterr().out)
    assert [e for e in full["errors"] if e["file"] == "argocd/web.yaml"]
    main(["scan", "overlays/prod/replicas.yaml", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert out["errors"] == []
    assert keyed(out["findings"]) == keyed(full["findings"]) == []


def test_a_named_file_outside_a_checkout_searches_nothing(tmp_path, monkeypatch, capsys):
    _needs("helm")
    monkeypatch.chdir(checkout(tmp_path, ARGO_CHART, git=False))
    assert all("(with " in f["message"] for f in report(capsys, "charts/web/values.yaml"))
    shutil.rmtree(tmp_path / ".git")  # no checkout: no deployers
    findings = report(capsys, "charts/web/values.yaml")
    assert [f for f in findings if f["rule_id"] == "RES101"] and not [f for f in findings if "(with " in f["message"]]


def test_a_terraform_release_not_known_leaves_the_staged_chart_not_judged(tmp_path, monkeypatch, capsys):
    """A root whose release takes its replica count from a variable with no value: a full scan
    notes the release, not judged, and does not judge the chart alone; a commit of the chart's
    values.yaml does the same, and says nothing of the root's other release (of another chart)."""
    _needs("helm")
    unknown = TF_RELEASE.format(name="web", chart="../charts/web",
                                body='  set {\n    name  = "replicas"\n    value = var.replicas\n  }\n')
    files = {**TF_ROOT, "infra/main.tf": 'variable "replicas" {\n  type = number\n}\n' + unknown
             + TF_RELEASE.format(name="other", chart="../charts/other", body='  set {\n    name  = "replicas"\n'
                                                                            '    value = var.replicas\n  }\n')}
    monkeypatch.chdir(checkout(tmp_path, files, git=True))
    assert not [f for f in report(capsys, ".") if f["file"].startswith("charts/web/")]
    main(["scan", "charts/web/values.yaml", "--format", "json", "--fail-on", "critical"])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["errors"] == [] and out["findings"] == [], out
    assert "helm_release.web not judged: its `set[0]` is not known before apply" in captured.err, captured.err
    assert "helm_release.other" not in captured.err


def test_a_terraform_root_that_cannot_be_read_is_said_not_silent(tmp_path, monkeypatch, capsys):
    """A root releasing the staged chart whose file terraform refuses is a full scan's error,
    not the commit's: the commit gets what the full scan gives the chart (judged alone: the
    release is in the refused file), and a note says why."""
    _needs("helm")
    files = {**TF_ROOT, "infra/main.tf": TF_ROOT["infra/main.tf"] + 'locals {\n  x = "\\ud800"\n}\n'}
    monkeypatch.chdir(checkout(tmp_path, files, git=True))
    main(["scan", ".", "--format", "json"])
    full = json.loads(capsys.readouterr().out)
    assert [(e["file"], e["line"]) for e in full["errors"]] == [("infra/main.tf", 13)]
    main(["scan", "charts/web/values.yaml", "--format", "json", "--fail-on", "critical"])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["errors"] == []
    assert keyed(out["findings"]) == keyed([f for f in full["findings"] if f["file"].startswith("charts/web/")])
    assert [f for f in out["findings"] if f["rule_id"] == "RES101"]  # the chart alone, with its replicas: 1
    assert "infra/main.tf:13: a Terraform root that may release a staged chart has an error (invalid escape " \
           "sequence: cannot encode character U+d800 in UTF-8): its releases are judged as far as it could be " \
           "read" in captured.err, captured.err


def test_json_that_is_not_kubernetes_is_not_read_as_a_deployer(tmp_path, monkeypatch):
    """A Terraform plan naming an Application (a `kubernetes_manifest` of one) deploys nothing
    in a full scan (its objects are the plan's, not Argo CD's), so the search does not load it
    as context; a JSON Application beside it is found, and so is one in a stream of JSON
    objects (which kubectl reads as it reads `---` documents), but not in a stream of JSON
    values that are not all objects (not Kubernetes to a full scan)."""
    from linter.loaders import discover
    from linter.loaders.rendered import deployers_of_staged

    manifest = json.loads(as_json(ARGO_CHART["argocd/apps/other.yaml"]))
    plan = {"format_version": "1.2", "resource_changes": [{
        "address": "kubernetes_manifest.other", "type": "kubernetes_manifest", "name": "other",
        "change": {"actions": ["create"], "after": {"manifest": manifest}}}]}
    stream = as_json(ARGO_CHART["argocd/apps/other.yaml"]) + "\n" + json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}})
    files = {**ARGO_CHART_JSON, "argocd/apps/other.json": stream, "argocd/apps/mixed.json": stream + "\n[1]\n",
             "infra/plan.json": json.dumps(plan), "infra/pulumi.json": json.dumps(
                 {"deployment": {"resources": [{"type": "kubernetes:argoproj.io/v1alpha1:Application"}]}})}
    for git in (True, False):
        root = tmp_path / str(git)
        monkeypatch.chdir(checkout(root, files, git))
        searched = deployers_of_staged(discover(["charts/web/values.yaml"]))
        found, staged = searched.context, searched.staged
        assert sorted(str(f.path) for f in found) == ["argocd/apps/other.json", "argocd/apps/web.json"]
        assert staged == {str(root.resolve() / "charts/web/values.yaml")}


def test_a_terragrunt_unit_that_cannot_be_read_is_said_not_silent(tmp_path, monkeypatch, capsys):
    """A unit that does not parse is a full scan's error, not the commit's: a commit of the
    chart gets what the full scan gives it (as the other units release it), and a note says
    that what the broken unit plans is not judged."""
    _needs("helm")
    broken = {**TG_UNITS, "live/dev/web/terragrunt.hcl": 'terraform {\n  source = "../../..//modules/web"\n'}
    monkeypatch.chdir(checkout(tmp_path, broken, git=True))
    main(["scan", ".", "--format", "json"])
    full = json.loads(capsys.readouterr().out)
    assert [e["file"] for e in full["errors"]] == ["live/dev/web/terragrunt.hcl"]
    main(["scan", "charts/web/values.yaml", "--format", "json", "--fail-on", "critical"])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["errors"] == []
    assert keyed(out["findings"]) == keyed([f for f in full["findings"] if f["file"].startswith("charts/web/")])
    assert len({f["message"].split("(with ")[1] for f in out["findings"]}) == 2  # the two units that read
    assert "live/dev/web/terragrunt.hcl:" in captured.err and "a Terragrunt unit that may release a staged chart " \
           "has an error" in captured.err and "what it plans is not judged" in captured.err, captured.err


def test_a_terragrunt_unit_an_exclude_glob_names_plans_nothing(tmp_path, monkeypatch, capsys):
    """An excluded unit beside the module it plans is not read by a full scan (the module is
    then a root of its own, whose release's variable has no value: not judged), nor by a commit."""
    _needs("helm")
    files = {**TG_OWN_DIRECTORY, ".resilint.yaml": "exclude: [live/prod/web/terragrunt.hcl]\n"}
    monkeypatch.chdir(checkout(tmp_path, files, git=True))
    assert not [f for f in report(capsys, ".") if f["file"].startswith("charts/web/")]
    main(["scan", "charts/web/values.yaml", "--format", "json", "--fail-on", "critical"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["findings"] == []
    assert "helm_release.web not judged: its `set[0]` is not known before apply" in captured.err, captured.err


@pytest.mark.parametrize("git", [True, False], ids=["git-grep", "walk"])
@pytest.mark.parametrize("staged", ["base/deploy.yaml", "base/kustomization.yaml", "components/spread/kustomization.yaml"])
def test_a_staged_base_is_built_in_the_overlays_that_use_it(tmp_path, monkeypatch, capsys, git, staged):
    """Nothing deploys the overlays, and a full scan builds each (prod patches the base's one
    replica to 3, staging keeps it, both take a component): a staged base (or component) file
    gets the findings the overlays' builds give, not those of the base built alone (one replica
    everywhere)."""
    _needs("kustomize")
    files = {**KUSTOMIZE,
             "overlays/prod/kustomization.yaml": "resources: [../../base]\npatches: [{path: replicas.yaml}]\n"
                                                 "components: [../../components/spread]\n",
             "overlays/staging/kustomization.yaml": "resources: [../../base]\nnamePrefix: stg-\n"
                                                    "components: [../../components/spread]\n",
             "components/spread/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                                                     "commonAnnotations: {spread: zones}\n"}
    monkeypatch.chdir(checkout(tmp_path, files, git))
    full = report(capsys, ".")
    one = report(capsys, staged)
    single = {f["resource"] for f in one if f["rule_id"] == "RES101"}
    assert keyed(one) == keyed(full)
    assert single == {"Deployment/default/stg-web"}  # the base alone would say Deployment/default/web


@pytest.mark.parametrize("git", [True, False], ids=["git-grep", "walk"])
def test_a_staged_manifest_a_kustomization_above_lists_is_built_with_it(tmp_path, monkeypatch, capsys, git):
    """`resources: [sub/deploy.yaml]`: the manifest's own directory has no kustomization, but the
    one above builds it (patching its one replica to 3), as a full scan does; it is not judged
    alone as a plain manifest. A manifest beside it that no kustomization lists is."""
    _needs("kustomize")
    files = {"k/sub/deploy.yaml": BASE, "k/sub/extra.yaml": BASE.replace("name: web}", "name: extra}"),
             "k/kustomization.yaml": "resources: [sub/deploy.yaml]\npatches: [{path: replicas.yaml}]\n",
             "k/replicas.yaml": KUSTOMIZE["overlays/prod/replicas.yaml"]}
    monkeypatch.chdir(checkout(tmp_path, files, git))
    full = report(capsys, ".")
    one = report(capsys, "k/sub/deploy.yaml")
    assert keyed(one) == keyed([f for f in full if f["file"] != "k/sub/extra.yaml"])
    assert not [f for f in one if f["rule_id"] == "RES101"]  # built: 3 replicas, not the file's 1
    assert {f["resource"] for f in report(capsys, "k/sub/extra.yaml") if f["rule_id"] == "RES101"} == {
        "Deployment/default/extra"}


# deployers whose rendering of the chart is not known here: values in a Secret encrypted with
# SOPS (a HelmRelease in a plain file, and one a kustomization builds), in another repository
# (an Argo CD Application's `$values/...`)
SOPS_SECRET = ("---\napiVersion: v1\nkind: Secret\nmetadata: {name: web-values, namespace: flux-system}\n"
               "stringData: {values.yaml: 'ENC[AES256_GCM,data:abc=,type:str]'}\nsops: {version: 3.8.1}\n")
NOT_KNOWN = {
    "flux-sops": {**FLUX_HELM, "clusters/prod/web.yaml": FLUX_HELM["clusters/prod/web.yaml"].replace(
        "  values:\n    replicas: 3\n", "  valuesFrom: [{kind: Secret, name: web-values}]\n") + SOPS_SECRET},
    "flux-sops-kustomized": {
        **{k: v for k, v in FLUX_HELM_VALUES_FROM.items() if not k.startswith("apps/base/web/kustomize")},
        "apps/base/web/release.yaml": FLUX_HELM_VALUES_FROM["apps/base/web/release.yaml"].replace(
            "kind: ConfigMap", "kind: Secret"),
        "apps/base/web/secret.yaml": SOPS_SECRET.replace("namespace: flux-system", "namespace: shop"),
        "apps/base/web/kustomization.yaml": "namespace: shop\nresources: [release.yaml, secret.yaml]\n"},
    "argo-other-repository": {**ARGO_CHART, "argocd/apps/web.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web-prod, namespace: argocd}\n"
        "spec:\n  destination: {namespace: shop}\n  sources:\n"
        f"    - repoURL: {URL}\n      path: charts/web\n      helm: {{valueFiles: [$values/web.yaml]}}\n"
        "    - {repoURL: 'https://github.com/acme/values.git', ref: values}\n")},
}


@pytest.mark.parametrize("git", [True, False], ids=["git-grep", "walk"])
@pytest.mark.parametrize("layout", list(NOT_KNOWN))
def test_a_gitops_release_not_known_leaves_the_staged_chart_not_judged(tmp_path, monkeypatch, capsys, layout, git):
    """As for a `helm_release` (above): a full scan notes the deployer, judges nothing of the
    chart (alone, its `replicas: 1` would fire), and a commit of the chart's values.yaml does
    the same, with the same note."""
    _needs("kustomize" if "kustomized" in layout else "helm")
    _needs("helm")
    monkeypatch.chdir(checkout(tmp_path, NOT_KNOWN[layout], git))
    main(["scan", ".", "--format", "json", "--fail-on", "critical"])
    captured = capsys.readouterr()
    assert not [f for f in json.loads(captured.out)["findings"] if f["file"].startswith("charts/web/")]
    [note] = [line for line in captured.err.splitlines() if "web-prod not judged" in line or "web not judged" in line]
    assert note.endswith("its chart charts/web is not judged alone either")
    main(["scan", "charts/web/values.yaml", "--format", "json", "--fail-on", "critical"])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["errors"] == [] and out["findings"] == [], out
    assert note in captured.err.splitlines(), captured.err
    # without the deployer the chart is judged alone, its one replica found: the test can fail
    for deployer in ("clusters/prod/web.yaml", "apps/base/web/release.yaml", "argocd/apps/web.yaml"):
        (tmp_path / deployer).unlink(missing_ok=True)
    assert [f for f in report(capsys, "charts/web/values.yaml") if f["rule_id"] == "RES101"]
