"""Property tests: mutated real inputs never break resilint's promises.

For every loader (Kubernetes YAML, plan JSON, Pulumi JSON and event logs, HCL,
tfvars, Terragrunt units), the config, baselines and Rego policies, hypothesis mutates a real
fixture (deletes, repeats and inserts spans, with tokens that broke resilint
before: tags, non-finite numbers, aliases, deep nesting, huge integers,
document markers) and scans it beside a good manifest. The property:

- the exit code is 0, 1 or 2, and nothing escapes as an exception (a traceback);
- `--format json` output parses;
- every error names a file;
- the good manifest keeps its findings (a bad config is the exception: it stops
  the scan, by design, with an error naming it);
- no "internal error": a loader or rule bug is not an input error.

Runs are reproducible (derandomized) and bounded: each test stops drawing new
examples once its share of a 60-second budget is spent, so the suite's cost is
fixed whatever the machine. Most cases call the CLI in-process (fast); a few
run it in a subprocess, where a traceback would show on stderr.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.cli import main
from tests.conftest import FIXTURES, REPO
from tests.test_bad_input import GOOD
from tests.test_terragrunt import DB_MODULE, ROOT_HCL, STACK_UNIT, STAGING_DB, stack_text
from tests.test_pulumi_yaml import APPLYING as PULUMI_APPLYING, CONFIG_GROUP as PULUMI_CONFIG_GROUP, PROGRAM

POLICIES = REPO / "policies" / "rego"

EVENT_LOG = "\n".join(json.dumps(e) for e in [
    {"sequence": 0, "timestamp": 1, "preludeEvent": {"config": {}}},
    {"sequence": 1, "timestamp": 1, "resourcePreEvent": {"metadata": {
        "op": "create", "urn": "urn:pulumi:dev::shop::aws:rds/instance:Instance::orders",
        "type": "aws:rds/instance:Instance",
        "new": {"urn": "urn:pulumi:dev::shop::aws:rds/instance:Instance::orders", "type": "aws:rds/instance:Instance",
                "custom": True, "inputs": {"multiAz": False, "backupRetentionPeriod": 0, "engine": "postgres"}}}}},
    {"sequence": 2, "timestamp": 2, "summaryEvent": {}},
]) + "\n"

TFVARS_ROOT = {
    "main.tf": 'variable "retention" {}\nvariable "visibility" { default = 30 }\n'
               'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n'
               '  message_retention_seconds = var.retention\n  visibility_timeout_seconds = var.visibility\n}\n',
    "terraform.tfvars": "retention = 60\nvisibility = 5\n",
}

CONFIG = """\
fail_on: medium
select: [RES1, RES2, RES5]
ignore:
  - rule: RES503
    resource: "Deployment/*/worker"
    reason: probes come with the next release
    expires: 2099-01-01
  - rule: RES5*
    path: "other/**"
    reason: vendored
options:
  RES414:
    backoff_limit_threshold: 20
exclude: [other, "*.rendered.yaml", /vendor/]
"""

BASELINE = json.dumps({"version": 1, "tool": "resilint 0.1.0", "created": "2026-01-01T00:00:00+00:00", "findings": [
    {"fingerprint": "0123456789abcdef0123456789abcdef", "rule_id": "RES301", "resource": "aws_db_instance.a",
     "file": "db.tf", "severity": "high", "count": 2},
    {"fingerprint": "fedcba9876543210fedcba9876543210", "rule_id": "RES101", "resource": "Deployment/x/y",
     "file": "k8s/app.yaml", "severity": "high"}]}, indent=2)


def _fixture(rule: str, name: str) -> bytes:
    return (FIXTURES / rule / name).read_bytes()


# (the file name the bad input gets, its seed text); a .tfvars seed is written beside its main.tf
# a Flux HelmRelease reading its values from a generated ConfigMap and a Secret (FLUX_KUSTOMIZED_CHART)
FLUX_VALUES_FROM_RELEASE = ("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web}\n"
                            "spec:\n  chart:\n    spec:\n      chart: ./chart\n"
                            "      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
                            "  valuesFrom:\n  - {kind: ConfigMap, name: web-values}\n"
                            "  - {kind: Secret, name: web-secret, optional: true}\n"
                            "  - {kind: Secret, name: web-secret, valuesKey: tag, targetPath: image.tag}\n"
                            "  - {kind: ConfigMap, name: absent, optional: true}\n"
                            "  values:\n    podLabels: {tier: web}\n")

PULUMI_PROGRAM = PROGRAM  # tests/test_pulumi_yaml.py's
PULUMI_PROJECT = PROGRAM.split("variables:\n", 1)[0]

SEEDS: dict[str, list[tuple[str, bytes]]] = {
    "kubernetes": [("app.yaml", _fixture("RES101", "fail-replicas-one.yaml")),
                   ("app.yaml", _fixture("RES101", "fail-hpa-in-other-namespace.yaml")),
                   # what kubectl reads differently from YAML: a text starting with `{` (JSON), a List,
                   # `...` and `---` lines with a comment
                   ("app.yaml", b'{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "apps/v1",\n'
                                b' "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1}}]}\n'),
                   ("app.yaml", b"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: apps/v1, kind: Deployment,\n"
                                b"   metadata: {name: web}, spec: {replicas: 1}}\n...\n--- # next\napiVersion: v1\n"
                                b"kind: ConfigMap\nmetadata: {name: settings}\n")],
    "plan": [("plan.json", _fixture("RES201", "fail-function-alias-arn.tfplan.json"))],
    "pulumi": [("stack.json", _fixture("RES201", "fail-function-alias-arn.pulumi.json"))],
    "event-log": [("events.ndjson", EVENT_LOG.encode())],
    # Kubernetes JSON: a stream of objects, as kubectl reads one (a List among them)
    "kubernetes-json": [("app.json", b'{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},\n'
                                     b' "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},\n'
                                     b'  "template": {"metadata": {"labels": {"app": "web"}},\n'
                                     b'   "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}\n'
                                     b'{"apiVersion": "v1", "kind": "List", "items": [\n'
                                     b' {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},\n'
                                     b'  "spec": {"replicas": 1}}]}\n')],
    # a Pulumi YAML program: config, variables, interpolations, functions, a `get`; or its Main.yaml
    "pulumi-yaml": [("Pulumi.yaml", PULUMI_PROGRAM.encode()),
                    ("Main.yaml", ("variables:\n" + PULUMI_PROGRAM.split("variables:\n", 1)[1]).encode()),
                    # a stack file: the config the program is judged with in that stack
                    ("Pulumi.prod.yaml", b"config:\n  shop:minimum: 3\n  shop:token:\n    secure: AAAB\n"
                                         b"  aws:region: eu-west-1\n"),
                    # objects a ConfigGroup writes in place (`objs`, a `yaml: |` text), through a provider
                    ("Pulumi.yaml", PULUMI_CONFIG_GROUP.encode()),
                    # manifests it applies (a ConfigFile, a ConfigGroup's files), through a provider
                    ("Pulumi.yaml", PULUMI_APPLYING.encode())],
    "hcl": [("main.tf", _fixture("RES201", "fail-function-alias-arn.tf")),
            ("main.tofu", _fixture("RES201", "fail-function-alias-arn.tf")),  # OpenTofu's own file
            # OpenTofu's language: a module source and version of locals, `lifecycle { enabled }`
            ("main.tofu", b'variable "on" {\n  default = true\n}\nlocals {\n  dir = "./mod"\n}\n'
                          b'module "m" {\n  source  = "${local.dir}/q"\n  version = local.dir\n'
                          b'  lifecycle {\n    enabled = !var.on\n  }\n}\n'
                          b'resource "aws_sqs_queue" "q" {\n  name = "q"\n  lifecycle {\n    enabled = var.on\n  }\n}\n')],
    "tfvars": [("terraform.tfvars", TFVARS_ROOT["terraform.tfvars"].encode())],
    # a unit of tests/test_terragrunt.py's repository, or the root.hcl its units include
    "terragrunt": [("terragrunt.hcl", STAGING_DB.encode()), ("root.hcl", ROOT_HCL.encode()),
                   # a stack deploying the catalog unit units/db (STACK_UNIT), and a stack of stacks
                   ("terragrunt.stack.hcl", stack_text("local.single").encode()),
                   ("terragrunt.stack.hcl", b'stack "data" {\n  source = "."\n  path   = "data"\n'
                                            b'  values = { multi_az = false }\n}\n' + stack_text("values.multi_az").encode()),
                   # an included file whose generate blocks write a variable and a resource into the module
                   ("root.hcl", ROOT_HCL.encode() + b'generate "variables" {\n  path      = "extra.tf"\n'
                                b'  if_exists = "overwrite_terragrunt"\n  contents  = <<-EOF\n'
                                b'    variable "size" {\n      default = 1\n    }\n'
                                b'    resource "aws_autoscaling_group" "g" {\n      max_size = var.size\n'
                                b'      min_size = "$${var.size}"\n    }\n  EOF\n}\n'
                                b'generate "main" {\n  path = "main.tf"\n  if_exists = "skip"\n  contents = "x"\n}\n'
                                # and a variable file Terraform loads by itself
                                b'generate "sizes" {\n  path = "terraform.tfvars"\n  if_exists = "overwrite"\n'
                                b'  contents = <<EOF\nsize = 2\nEOF\n}\n')],
    # a helmfile releasing the chart beside it (HELMFILE_CHART), per environment
    "helmfile": [("helmfile.yaml", b"environments:\n  prod:\n    values: [env.yaml]\nreleases:\n  - name: web\n"
                                   b"    namespace: shop\n    chart: ./chart\n    condition: web.enabled\n    values:\n"
                                   b"      - values-{{ .Environment.Name }}.yaml\n      - replicaCount: {{ .Values.web.replicas }}\n"
                                   b"        podAnnotations: {tier: \"{{ .StateValues.web.enabled }}\"}\n    set:\n"
                                   b"      - name: image.tag\n        value: \"1.2\"\n"),
                 # environments, then releases, in documents of their own (value notes at their lines)
                 ("helmfile.yaml", b"---\nenvironments:\n  prod:\n    values: [env.yaml, {extra: 1}]\n---\n"
                                   b"releases:\n  - name: web\n    namespace: shop\n    chart: ./chart\n"
                                   b"    values:\n      - replicaCount: {{ .Values.web.replicas }}\n"
                                   b"    set:\n      - name: image.tag\n        value: 2\n"),
                 # top-level values: the defaults each environment's values are merged over
                 ("helmfile.yaml", b"values: [env.yaml, {web: {replicas: 1}}]\nenvironments:\n  default: {}\n"
                                   b"  prod:\n    values: [{web: {replicas: 3}}]\n---\nreleases:\n  - name: web\n"
                                   b"    chart: ./chart\n    values:\n      - replicaCount: {{ .Values.web.replicas }}\n"),
                 # an umbrella nesting one helmfile in two ways (other values, a selector)
                 ("helmfile.yaml", b"helmfiles:\n  - path: apps/helmfile.yaml\n    values: [{replicas: 1}]\n"
                                   b"  - path: apps/helmfile.yaml\n    values: [env.yaml, {replicas: 3}]\n"
                                   b"    selectors: [name=web]\n")],
    # an Argo CD Application building the kustomization beside it (ARGO_KUSTOMIZATION) with its options
    "argocd": [("apps/web.yaml", b"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n"
                                 b"spec:\n  source:\n    repoURL: git@github.com:acme/gitops.git\n"
                                 b"    path: overlays/prod\n    kustomize:\n      namePrefix: prod-\n"
                                 b"      images: [nginx=reg/nginx:1.2]\n      commonLabels: {team: a}\n"
                                 b"      replicas:\n        - name: web\n          count: 1\n      patches:\n"
                                 b"        - target: {kind: Deployment}\n          path: lower.yaml\n"
                                 b"      components: [../../components/spread]\n"
                                 b"  destination: {namespace: shop}\n"),
               # an ApplicationSet: a matrix of its overlay directories and a merge of environments
               ("apps/set.yaml", b"apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: web\n"
                                 b"spec:\n  generators:\n    - matrix:\n        generators:\n"
                                 b"          - git:\n              repoURL: git@github.com:acme/gitops.git\n"
                                 b"              directories: [{path: overlays/*}]\n"
                                 b"          - merge:\n              mergeKeys: [env]\n              generators:\n"
                                 b"                - list: {elements: [{env: prod, count: '1'},\n"
                                 b"                                    {env: dev, count: '2'}]}\n"
                                 b"                - list: {elements: [{env: prod, count: '3'}]}\n"
                                 b"  template:\n    metadata: {name: 'web-{{path.basename}}-{{env}}'}\n"
                                 b"    spec:\n      source:\n        repoURL: git@github.com:acme/gitops.git\n"
                                 b"        path: '{{path}}'\n        kustomize:\n          namePrefix: '{{env}}-'\n"
                                 b"          replicas: [{name: web, count: '{{count}}'}]\n"
                                 b"      destination: {namespace: '{{env}}'}\n"),
               # an Application of a plain directory (no kustomization): its manifests into the namespace
               ("apps/plain.yaml", b"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: plain\n"
                                   b"spec:\n  source:\n    repoURL: git@github.com:acme/gitops.git\n    path: plain\n"
                                   b"    directory: {recurse: true, include: '{*.yaml,sub/*}', exclude: '*.json'}\n"
                                   b"  destination: {namespace: shop}\n")],
    # a Flux Kustomization building the same kustomization, its variables substituted
    "flux": [("clusters/apps.yaml", b"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
                                    b"metadata: {name: apps, namespace: flux-system}\nspec:\n  path: ./overlays/prod\n"
                                    b"  targetNamespace: shop\n  namePrefix: prod-\n"
                                    b"  sourceRef: {kind: GitRepository, name: flux-system}\n"
                                    b"  images: [{name: nginx, newTag: '1.2'}]\n"
                                    b"  commonMetadata: {labels: {team: a}}\n"
                                    b"  patches: [{target: {kind: Deployment}, patch: '[{\"op\": \"add\", \"path\": \"/spec/paused\", "
                                    b"\"value\": false}]'}]\n"
                                    b"  postBuild:\n    substitute: {replicas: '1', tier: gold}\n"
                                    b"---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
                                    b"metadata: {name: flux-system, namespace: flux-system}\n"
                                    b"spec: {url: 'ssh://git@github.com/acme/gitops'}\n"),
             # a Kustomization of a path with no kustomization.yaml: Flux writes one listing its manifests
             ("clusters/plain.yaml", b"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
                                     b"metadata: {name: plain, namespace: flux-system}\nspec:\n  path: ./plain\n"
                                     b"  targetNamespace: shop\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
                                     b"  postBuild: {substitute: {replicas: '1'}}\n"
                                     b"---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
                                     b"metadata: {name: flux-system, namespace: flux-system}\n"
                                     b"spec: {url: 'ssh://git@github.com/acme/gitops'}\n")],
    # a Flux HelmRelease in a kustomization directory (FLUX_KUSTOMIZED_CHART), of the chart beside it
    "flux-helm": [("apps/web/release.yaml", b"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
                                            b"metadata: {name: web, namespace: shop}\nspec:\n  chart:\n    spec:\n"
                                            b"      chart: ./chart\n      valuesFiles: [./chart/values.yaml]\n"
                                            b"      sourceRef: {kind: GitRepository, name: flux-system, "
                                            b"namespace: flux-system}\n  values:\n    replicaCount: 1\n"),
                  # one reading its values from a ConfigMap its kustomization generates, and a Secret's key
                  ("apps/values/release.yaml", FLUX_VALUES_FROM_RELEASE.encode())],
    # an Argo CD app of apps (ARGO_APPS): an Application its kustomization builds, and one a chart renders
    "argocd-apps": [("apps/web.yaml", b"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n"
                                      b"spec:\n  source:\n    repoURL: git@github.com:acme/gitops.git\n    path: chart\n"
                                      b"    helm:\n      valueFiles: [../values-prod.yaml]\n"
                                      b"      valuesObject: {replicaCount: 1}\n  destination: {namespace: shop}\n"),
                    ("app-chart/templates/web.yaml", b"apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
                                                     b"metadata: {name: 'web-{{ .Values.env }}'}\nspec:\n  source:\n"
                                                     b"    repoURL: {{ .Values.repoURL }}\n    path: chart\n"
                                                     b"    helm: {parameters: [{name: replicaCount, value: '1'}]}\n"
                                                     b"  destination: {namespace: '{{ .Values.env }}'}\n")],
    # a kustomization whose generators read files not in the checkout (built from a copy)
    "kustomize": [("k/kustomization.yaml", b"resources: [deploy.yaml]\nsecretGenerator:\n- name: creds\n"
                                           b"  envs: [secrets.env]\n  files: [password=creds/password.txt]\n"
                                           b"configMapGenerator:\n- name: settings\n  env: app.env\n"),
                  # a chart kustomize pulls from a repository no machine reaches (a note, not an error),
                  # and a plugin generating Secrets (left out of the build)
                  ("k/kustomization.yaml", b"resources: [deploy.yaml]\nhelmCharts:\n- name: redis\n"
                                           b"  repo: https://nowhere.invalid/charts\n  version: 18.0.0\n"
                                           b"  releaseName: cache\n  valuesInline: {replica: {replicaCount: 1}}\n"
                                           b"generators:\n- |\n  apiVersion: viaduct.ai/v1\n  kind: ksops\n"
                                           b"  metadata: {name: creds}\n"),
                  # patches written inline, strategic merge and JSON 6902 (read at their lines)
                  ("k/kustomization.yaml", b"resources: [deploy.yaml]\npatches:\n- patch: |-\n"
                                           b"    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: plain}\n"
                                           b"    spec: {minReadySeconds: 5}\n- target: {kind: Deployment, name: plain}\n"
                                           b"  patch: |-\n    - op: replace\n      path: /spec/replicas\n"
                                           b"      value: 1\n- target: {kind: Deployment}\n"
                                           b"  patch: '[{\"op\": \"add\", \"path\": \"/spec/paused\", \"value\": false}]'\n"
                                           b"patchesStrategicMerge:\n- |-\n  apiVersion: apps/v1\n  kind: Deployment\n"
                                           b"  metadata: {name: plain}\n  spec: {revisionHistoryLimit: 2}\n"),
                  # patches applied to what their targets select: regular expressions, label and
                  # annotation selectors, a strategic merge patch whose own name is not used
                  ("k/kustomization.yaml", b"resources: [deploy.yaml]\npatches:\n"
                                           b"- target: {group: apps, kind: 'Deploy.*', name: 'pla(in|ne)|x+'}\n"
                                           b"  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 1\n"
                                           b"- target: {kind: Deployment, labelSelector: 'app in (plain, b),!canary'}\n"
                                           b"  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n"
                                           b"    metadata: {name: not-used}\n    spec: {replicas: 1}\n"
                                           b"- target: {namespace: default, annotationSelector: team!=x}\n"
                                           b"  patch: '[{\"op\": \"add\", \"path\": \"/spec/paused\", \"value\": false}]'\n"),
                  # a count copied from a ConfigMap by a replacement, and a field an operation removes
                  ("k/kustomization.yaml", b"resources: [deploy.yaml, settings.yaml]\nreplacements:\n"
                                           b"- source: {kind: ConfigMap, name: settings, fieldPath: data.replicas}\n"
                                           b"  targets:\n  - select: {kind: Deployment}\n    reject: [{name: x}]\n"
                                           b"    fieldPaths: [spec.replicas, 'spec.template.metadata.annotations.[a.b/c]']\n"
                                           b"    options: {create: true}\n"
                                           b"patches:\n- target: {kind: Deployment}\n  patch: |-\n"
                                           b"    - op: remove\n      path: /spec/replicas\n")],
    # a chart whose Chart.yaml names a kubeVersion above helm's own, a file:// chart it renders
    # inside it and a library chart (HELM_CHARTS beside it)
    "helm-chart": [("charts/shop/Chart.yaml", b"apiVersion: v2\nname: shop\nversion: 0.1.0\n"
                                              b"kubeVersion: '>=1.90.0-0'\ndependencies:\n"
                                              b"  - {name: cache, version: 0.1.0, repository: 'file://../cache'}\n"
                                              b"  - {name: common, version: 1.0.0, repository: 'file://../common'}\n"
                                              b"  - {name: redis, version: 18.x.x, repository: 'https://nowhere.invalid/c',"
                                              b" condition: redis.enabled}\n")],
    # a Terraform helm_release of the chart beside it (HELMFILE_CHART): values, a set block, set_list
    "terraform-helm": [("infra/main.tf", b'variable "replicas" {\n  default = 1\n}\n'
                                         b'resource "helm_release" "web" {\n  name      = "web"\n'
                                         b'  chart     = "../chart"\n  namespace = "shop"\n'
                                         b'  values    = [file("../values-prod.yaml"), yamlencode({ replicaCount = var.replicas })]\n'
                                         b'  set {\n    name  = "image.tag"\n    value = "1.2"\n    type = "string"\n  }\n'
                                         b'  set_list = [{ name = "args", value = ["a", "b"] }]\n}\n')],
    # a Pulumi YAML program releasing the chart: values files, inline values, a provider's namespace
    "pulumi-helm": [("Pulumi.yaml", b"name: shop\nruntime: yaml\nconfig:\n  replicas: {type: integer, default: 1}\n"
                                    b"resources:\n  web:\n    type: kubernetes:helm.sh/v4:Chart\n    properties:\n"
                                    b"      chart: ./chart\n      namespace: shop\n"
                                    b"      valueYamlFiles: [{fn::fileAsset: ./values-prod.yaml}]\n"
                                    b"      values: {replicaCount: '${replicas}'}\n"
                                    b"  rel:\n    type: kubernetes:helm.sh/v3:Release\n    options: {provider: '${k8s}'}\n"
                                    b"    properties: {chart: ./chart, name: rel}\n"
                                    b"  k8s:\n    type: pulumi:providers:kubernetes\n    properties: {namespace: apps}\n")],
    # a Pulumi YAML program building the kustomization beside it (ARGO_KUSTOMIZATION) into a namespace
    "pulumi-kustomize": [("Pulumi.yaml", b"name: shop\nruntime: yaml\nresources:\n  web:\n"
                                         b"    type: kubernetes:kustomize/v2:Directory\n"
                                         b"    properties: {directory: ./overlays/prod, namespace: shop}\n"
                                         b"  base:\n    type: kubernetes:kustomize/v2:Directory\n"
                                         b"    options: {provider: '${k8s}'}\n    properties: {directory: ./base}\n"
                                         b"  k8s:\n    type: pulumi:providers:kubernetes\n    properties: {namespace: apps}\n")],
}
ARGO_KUSTOMIZATION = {
    ".git/config": '[remote "origin"]\n\turl = git@github.com:acme/gitops.git\n',
    "base/kustomization.yaml": "resources: [deploy.yaml]\n",
    "base/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
                        "  replicas: ${replicas:=3}\n"
                        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
                        "    spec: {containers: [{name: web, image: nginx}]}\n",
    "overlays/prod/kustomization.yaml": "resources: [../../base]\n",
    "overlays/prod/lower.yaml": "- op: replace\n  path: /spec/replicas\n  value: 2\n",
    # a plain directory an Argo CD Application or a Flux Kustomization applies as it is written
    "plain/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: plain}\nspec:\n"
                         "  replicas: ${replicas}\n  selector: {matchLabels: {app: plain}}\n  template:\n"
                         "    metadata: {labels: {app: plain}}\n    spec: {containers: [{name: web, image: nginx}]}\n",
    "plain/sub/pdb.yaml": "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: plain}\n"
                          "spec: {minAvailable: 1, selector: {matchLabels: {app: plain}}}\n",
    "components/spread/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                                            "commonAnnotations: {spread: zones}\n",
}
HELMFILE_CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "apps/helmfile.yaml": "releases:\n  - name: web\n    chart: ../chart\n"
                          "    values: [{replicaCount: '{{ .Values.replicas }}'}]\n",
    "chart/values.yaml": "replicaCount: 3\n",
    "chart/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
                                       "  replicas: {{ .Values.replicaCount }}\n  selector: {matchLabels: {app: web}}\n"
                                       "  template:\n    metadata: {labels: {app: web}}\n"
                                       "    spec: {containers: [{name: web, image: nginx}]}\n",
    "env.yaml": "web:\n  enabled: true\n  replicas: 1\n",
    "values-prod.yaml": "replicaCount: 2\n",
}

KUSTOMIZE_GENERATED = {"k/deploy.yaml": ARGO_KUSTOMIZATION["plain/deploy.yaml"].replace("${replicas}", "1"),
                       "k/settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"
                                          "data: {replicas: '1'}\n"}
# charts/shop (the helm-chart seed's Chart.yaml) renders charts/cache inside it, and cache's own
# file:// dependency inside that; charts/common is a library
HELM_CHARTS = {
    "charts/shop/values.yaml": "cache:\n  replicaCount: 1\n",
    "charts/shop/templates/config.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\n  labels:\n'
                                         '    {{- include "common.labels" . | nindent 4 }}\n',
    "charts/cache/Chart.yaml": HELMFILE_CHART["chart/Chart.yaml"].replace("name: web", "name: cache")
    + "dependencies:\n  - {name: common, version: 1.0.0, repository: 'file://../common'}\n",
    "charts/cache/values.yaml": "replicaCount: 3\n",
    "charts/cache/templates/deployment.yaml": HELMFILE_CHART["chart/templates/deployment.yaml"],
    "charts/common/Chart.yaml": "apiVersion: v2\nname: common\nversion: 1.0.0\ntype: library\n",
    "charts/common/templates/_labels.tpl": '{{- define "common.labels" -}}\napp: shop\n{{- end -}}\n',
}

# the chart again, in a checkout whose Flux GitRepository (built by flux-system/'s kustomization)
# names it, with the HelmRelease's own kustomization and an overlay patching its values
FLUX_KUSTOMIZED_CHART = {
    **HELMFILE_CHART,
    ".git/config": '[remote "origin"]\n\turl = git@github.com:acme/gitops.git\n',
    "flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
    "flux-system/gotk-sync.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
                                  "metadata: {name: flux-system, namespace: flux-system}\n"
                                  "spec: {url: 'ssh://git@github.com/acme/gitops'}\n",
    "apps/web/kustomization.yaml": "resources: [release.yaml]\n",
    "apps/prod/kustomization.yaml": "resources: [../web]\nnamespace: prod\npatches: [{path: values.yaml}]\n",
    "apps/prod/values.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
                             "metadata: {name: web, namespace: shop}\nspec: {values: {replicaCount: 2}}\n",
    # each flux-helm seed's release, unmutated beside the other's mutation
    "apps/web/release.yaml": SEEDS["flux-helm"][0][1].decode(),
    # a HelmRelease whose valuesFrom reads a generated ConfigMap (by its hashed name) and a Secret
    "apps/values/release.yaml": FLUX_VALUES_FROM_RELEASE,
    "apps/values/kustomization.yaml": "namespace: values\nresources: [release.yaml, secret.yaml]\n"
                                      "configMapGenerator: [{name: web-values, files: [values.yaml]}]\n"
                                      "configurations: [kustomizeconfig.yaml]\n",
    "apps/values/kustomizeconfig.yaml": "nameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n"
                                        "  - {path: spec/valuesFrom/name, kind: HelmRelease}\n",
    "apps/values/values.yaml": "replicaCount: 2\n",
    "apps/values/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: web-secret}\n"
                               "data: {tag: MS4y, values.yaml: cmVwbGljYUNvdW50OiAx}\n",
}

# the chart again, deployed by an app of apps: a kustomization listing Applications, and a chart
# templating one (each argocd-apps seed's file, unmutated beside the other's mutation)
ARGO_APPS = {
    **HELMFILE_CHART,
    ".git/config": '[remote "origin"]\n\turl = git@github.com:acme/gitops.git\n',
    "apps/kustomization.yaml": "resources: [web.yaml]\nnamePrefix: prod-\n",
    "apps/web.yaml": SEEDS["argocd-apps"][0][1].decode(),
    "app-chart/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
    "app-chart/values.yaml": "env: prod\nrepoURL: git@github.com:acme/gitops.git\n",
    "app-chart/values-dev.yaml": "env: dev\nrepoURL: git@github.com:acme/gitops.git\n",
    "app-chart/templates/web.yaml": SEEDS["argocd-apps"][1][1].decode(),
}

# tokens that broke resilint before (issue 12) or sit at format boundaries
TOKENS = [
    b"!!bool", b"!!float", b"!!int", b"!!binary", b"!!python/object:os.system", b" !!timestamp x",
    b".inf", b"-.inf", b".nan", b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400", b"9" * 4400,
    b"&a ", b"*a", b"<<: *a", b"\n---\n", b"\n...\n", b"{{ .Values.x }}", b"${var.x}", b"null", b"~",
    b"[" * 300, b"{" * 300, b"]", b"}", b'"', b"'", b"\\u", b'"\\ud800"', b"\x00", b"\xff", b"\t",
    b"\n", b": ", b"- ", b",", b"true", b"0", b"-1", b'"abc"', b"[]", b"{}",
]


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    # where values start (`key: value`, `"key": value`, `key = value`): a token
    # put there replaces a value, the likeliest way to reach a rule with it
    starts = [i + 2 for i in range(len(seed) - 1) if seed[i:i + 2] in (b": ", b"= ")]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["value", "value", "value", "insert", "insert", "delete", "repeat",
                                     "replace", "truncate"]))
        at = draw(st.integers(0, len(data)))
        if kind == "value" and starts:
            at = min(draw(st.sampled_from(starts)), len(data))
            end = at
            while end < len(data) and data[end] not in b",}]\n":
                end += 1
            data[at:end] = draw(st.sampled_from(TOKENS))
        elif kind == "insert" or kind == "replace" or kind == "value":
            payload = draw(st.one_of(st.sampled_from(TOKENS), st.binary(max_size=12)))
            end = at + draw(st.integers(0, 16)) if kind == "replace" else at
            data[at:end] = payload
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 64))] * draw(st.integers(1, 3))
        else:
            del data[at:]
    return bytes(data)


class Budget:
    """Each test's share of the fuzzing time: past it, examples are not run."""

    def __init__(self, seconds: float):
        self.seconds, self.end = seconds, None

    def spent(self) -> bool:
        if self.end is None:
            self.end = time.monotonic() + self.seconds
        return time.monotonic() > self.end


FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run_in_process(root: Path, *args: str) -> tuple[int, str, str]:
    """`resilint scan ARGS --format json` in `root`: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["scan", *args, "--format", "json"])
    finally:
        os.chdir(cwd)
    assert code in (0, 1, 2), (code, err.getvalue())
    return code, out.getvalue(), err.getvalue()


def scan_in_process(root: Path, *args: str) -> tuple[int, dict]:
    code, out, err = run_in_process(root, *args)
    return code, json.loads(out) if out else {"findings": [], "errors": [], "stderr": err}


def check(code: int, doc: dict, good_expected: bool = True) -> None:
    errors = doc["errors"]
    assert all(isinstance(e["file"], str) and e["file"] for e in errors), errors
    assert not [e for e in errors if "internal error" in e["message"]], errors
    if errors:
        assert code == 2, (code, errors)
    if good_expected:
        assert any(f["rule_id"] == "RES101" and f["resource"] == "Deployment/good/worker" for f in doc["findings"]), doc


@contextlib.contextmanager
def workspace():
    """A directory holding `good/worker.yaml` (and `bad/`), removed afterwards
    (hypothesis runs many examples per test: pytest's tmp_path is one per test)."""
    import shutil

    root = Path(tempfile.mkdtemp(prefix="resilint-fuzz-"))
    try:
        (root / "good").mkdir()
        (root / "good" / "worker.yaml").write_text(GOOD)
        (root / "bad").mkdir()
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


LOADER_BUDGET = Budget(30)


@pytest.mark.parametrize("loader", sorted(SEEDS))
def test_mutated_inputs_keep_the_promises(loader):
    seeds = SEEDS[loader]
    budget = Budget(LOADER_BUDGET.seconds / len(SEEDS))

    @FUZZ
    @given(st.sampled_from(seeds).flatmap(lambda seed: st.tuples(st.just(seed[0]), mutated(seed[1]))))
    def run(case):
        if budget.spent():
            return
        name, content = case
        with workspace() as root:
            if loader == "tfvars":
                (root / "bad" / "main.tf").write_text(TFVARS_ROOT["main.tf"])
            if loader == "terragrunt":  # bad/ is the repository: live/ units, modules/db
                (root / "bad" / "modules" / "db").mkdir(parents=True)
                (root / "bad" / "modules" / "db" / "main.tf").write_text(DB_MODULE)
                (root / "bad" / "live" / "staging" / "db").mkdir(parents=True)
                (root / "bad" / "live" / "staging" / "env.hcl").write_text('locals { environment = "staging" }\n')
                (root / "bad" / "live" / "root.hcl").write_text(ROOT_HCL)
                (root / "bad" / "live" / "staging" / "db" / "terragrunt.hcl").write_text(STAGING_DB)
                (root / "bad" / "units" / "db").mkdir(parents=True)
                (root / "bad" / "units" / "db" / "terragrunt.hcl").write_text(STACK_UNIT)
                name = {"root.hcl": "live/root.hcl", "terragrunt.stack.hcl": "live/staging/terragrunt.stack.hcl"}.get(
                    name, "live/staging/db/terragrunt.hcl")
            beside = HELMFILE_CHART if loader in ("helmfile", "terraform-helm", "pulumi-helm") else \
                FLUX_KUSTOMIZED_CHART if loader == "flux-helm" else ARGO_APPS if loader == "argocd-apps" else \
                ARGO_KUSTOMIZATION if loader in ("argocd", "flux", "pulumi-kustomize") else KUSTOMIZE_GENERATED if loader == "kustomize" \
                else HELM_CHARTS if loader == "helm-chart" else {"Pulumi.yaml": PULUMI_PROJECT, "Pulumi.dev.yaml": "config:\n  shop:minimum: 1\n",
                                   **({"Main.yaml": SEEDS[loader][1][1].decode()} if name != "Pulumi.yaml" else {})} \
                if loader == "pulumi-yaml" else {}
            for other, text in beside.items():
                (root / "bad" / other).parent.mkdir(parents=True, exist_ok=True)
                (root / "bad" / other).write_text(text)
            (root / "bad" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "bad" / name).write_bytes(content)
            check(*scan_in_process(root, "bad", "good"))

    run()


def test_mutated_config_is_an_error_naming_it_or_is_used():
    budget = Budget(8)

    @FUZZ
    @given(mutated(CONFIG.encode()))
    def run(content):
        if budget.spent():
            return
        with workspace() as root:
            (root / ".resilint.yaml").write_bytes(content)
            code, out, err = run_in_process(root, "good")
            if code == 2 and not out:
                # a config error stops the scan: it names the config file
                assert "resilint: error: .resilint.yaml" in err, err
                assert "internal error" not in err and len(err) < 5000
            else:
                check(code, json.loads(out), good_expected=False)  # a mutated select/ignore may leave RES101 out

    run()


def test_mutated_baseline_never_hides_the_good_findings():
    budget = Budget(6)

    @FUZZ
    @given(mutated(BASELINE.encode()))
    def run(content):
        if budget.spent():
            return
        with workspace() as root:
            (root / "baseline.json").write_bytes(content)
            code, doc = scan_in_process(root, "good", "--baseline", "baseline.json")
            check(code, doc)
            assert all(e["file"] == "baseline.json" for e in doc["errors"]), doc["errors"]

    run()


def test_mutated_policy_never_costs_the_built_in_findings():
    budget = Budget(10)  # each case starts the Rego children: a second or so
    seed = (POLICIES / "sqs_dlq_retention" / "policy.rego").read_bytes()

    @settings(FUZZ, max_examples=12)
    @given(mutated(seed))
    def run(content):
        if budget.spent():
            return
        with workspace() as root:
            (root / "pol").mkdir()
            (root / "pol" / "policy.rego").write_bytes(content)
            check(*scan_in_process(root, "good", "--policy", "pol"))

    run()


def test_mutated_inputs_in_a_subprocess_print_no_traceback():
    """The real entry point: what reaches stderr, exit codes from the process."""
    budget = Budget(6)
    seeds = [seed for group in SEEDS.values() for seed in group if not seed[0].endswith(".tfvars")]

    @settings(FUZZ, max_examples=6)
    @given(st.sampled_from(seeds).flatmap(lambda seed: st.tuples(st.just(seed[0]), mutated(seed[1]))))
    def run(case):
        if budget.spent():
            return
        name, content = case
        with workspace() as root:
            (root / "bad" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "bad" / name).write_bytes(content)
            proc = subprocess.run([sys.executable, "-m", "linter", "scan", "bad", "good", "--format", "json"],
                                  capture_output=True, text=True, cwd=root, timeout=60,
                                  env={**os.environ, "PYTHONPATH": str(REPO)})
            assert "Traceback" not in proc.stderr, proc.stderr
            assert proc.returncode in (0, 1, 2), proc.stderr
            check(proc.returncode, json.loads(proc.stdout))

    run()
