"""Benchmark: a pre-commit run on one staged file of a 5,000-file git checkout.

    python3 benchmarks/bench_staged.py [--repeat 9] [--terraform]

Writes a checkout (2,600 one-object manifests in directories of 100, 2,200 `.tf` files,
150 YAML files that are not Kubernetes, a chart whose `values.yaml` says one replica, and
20 Argo CD Applications: one deploys the chart with three replicas, the others deploy
manifest directories) and runs `resilint scan FILE` on one staged file at a time, each run
a fresh `python3 -m linter` process as the hook runs it: the chart's values.yaml, a manifest
an Application deploys, and a YAML file nothing deploys. It reports the median wall-clock
and CPU time (children included: helm, git grep). The search of the checkout for deployers
(`rendered.deployers_of_staged`) is what a one-file run pays beyond its own files.
Start-up is timed, as the hook pays it: where `.pyc` files are stale and cannot be written
(`PYTHONDONTWRITEBYTECODE` set in a checkout being edited), each run compiles the edited
modules again, which an installed resilint never does: `python3 -m compileall linter` first.

`--terraform`: the checkout's Terraform is a tree of roots, as module repositories have it:
each of the 110 directories of `.tf` files also calls a shared module, and a root in
`platform/` calls a module releasing a second chart (`charts/api`, one replica in its
values.yaml, three in the release) with `helm_release`; its `values.yaml` is staged too. Every
directory that calls a module is parsed to find the roots reaching the release (and the one
root reaching it is evaluated).

`--terragrunt`: as `--terraform`, the release's module planned by Terragrunt units instead of a
root: 100 units in `live/` plan the shared module, two plan the module releasing `charts/api`
(with their inputs); every unit is read to know what it plans.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: app-{i}, namespace: team-{d}}}
spec:
  replicas: 3
  selector: {{matchLabels: {{app: app-{i}}}}}
  template:
    metadata: {{labels: {{app: app-{i}}}}}
    spec:
      containers: [{{name: c, image: example/app:{i}}}]
"""
STAGED = ["charts/web/values.yaml", "k8s/team-005/app-00500.yaml", "docs/sec-0/page-1.yaml"]


CHART_TEMPLATE = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: {{ .Release.Name }}}\nspec:\n"
                  "  replicas: {{ .Values.replicaCount }}\n  selector: {matchLabels: {app: web}}\n"
                  "  template:\n    metadata: {labels: {app: web}}\n    spec:\n"
                  "      containers: [{name: web, image: nginx:1.27}]\n")


def write_checkout(root: Path, terraform: bool = False, terragrunt: bool = False) -> int:
    def put(name: str, text: str) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)

    for i in range(2600):
        put(f"k8s/team-{i // 100:03d}/app-{i:05d}.yaml", DEPLOY.format(i=i, d=i // 100))
    for i in range(2200):
        put(f"infra/mod-{i // 20:03d}/q{i:05d}.tf", f'resource "aws_sqs_queue" "q{i}" {{\n  name = "q{i}"\n}}\n')
    for i in range(150):
        put(f"docs/sec-{i // 30}/page-{i}.yaml", f"title: page {i}\nbody: text\n")
    put("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n")
    put("charts/web/values.yaml", "replicaCount: 1\n")
    put("charts/web/templates/deployment.yaml", CHART_TEMPLATE)
    if terraform:
        for d in range(110):
            put(f"infra/mod-{d:03d}/calls.tf", 'module "common" {\n  source = "../../modules/common"\n}\n')
        put("modules/common/main.tf", 'resource "aws_sqs_queue" "common" {\n  name = "common"\n}\n')
        put("charts/api/Chart.yaml", "apiVersion: v2\nname: api\nversion: 1.0.0\n")
        put("charts/api/values.yaml", "replicaCount: 1\n")
        put("charts/api/templates/deployment.yaml", CHART_TEMPLATE)
        put("modules/api/main.tf", 'variable "replicas" {\n  type = number\n}\n'
            'resource "helm_release" "api" {\n  name  = "api"\n  chart = "${path.module}/../../charts/api"\n'
            '  set {\n    name  = "replicaCount"\n    value = var.replicas\n  }\n}\n')
        if not terragrunt:
            put("platform/main.tf", 'module "api" {\n  source   = "../modules/api"\n  replicas = 3\n}\n')
    if terragrunt:
        for u in range(100):
            put(f"live/unit-{u:03d}/terragrunt.hcl", 'terraform {\n  source = "../..//modules/common"\n}\n')
        for env, replicas in (("prod", 3), ("stage", 2)):
            put(f"live/{env}-api/terragrunt.hcl",
                f'terraform {{\n  source = "../..//modules/api"\n}}\ninputs = {{\n  replicas = {replicas}\n}}\n')
    for i in range(20):
        path = "charts/web" if i == 0 else f"k8s/team-{i:03d}"
        helm = "    helm:\n      valuesObject: {replicaCount: 3}\n" if i == 0 else ""
        put(f"argocd/app-{i}.yaml",
            f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: app-{i}, namespace: argocd}}\n"
            f"spec:\n  project: default\n  source:\n    repoURL: https://github.com/acme/checkout\n"
            f"    path: {path}\n{helm}  destination: {{server: https://kubernetes.default.svc, namespace: web}}\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return sum(len(files) for directory, _, files in os.walk(root) if ".git" not in directory)


def run_once(root: Path, staged: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "linter", "scan", staged, "-q"], cwd=root, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(REPO)})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--terraform", action="store_true", help="Terraform roots, one releasing a chart")
    ap.add_argument("--terragrunt", action="store_true", help="as --terraform, Terragrunt units planning the module")
    args = ap.parse_args()
    terraform = args.terraform or args.terragrunt
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "checkout"
        print(f"{write_checkout(root, terraform, args.terragrunt)} files; load average {os.getloadavg()[0]:.2f}")
        for staged in STAGED + (["charts/api/values.yaml"] if terraform else []):
            runs = [run_once(root, staged) for _ in range(args.repeat)]
            print(f"{staged}: {statistics.median(w for w, _ in runs):.3f} s wall, "
                  f"{statistics.median(c for _, c in runs):.3f} s CPU (median of {args.repeat})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
