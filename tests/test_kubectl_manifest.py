"""`kubectl_manifest` (the gavinbunney/kubectl and alekc/kubectl providers): one Kubernetes
object written as YAML in `yaml_body`, often a heredoc or a `templatefile()`. The object is
judged as a manifest file's would be, in the namespace `override_namespace` names, and a
finding points at the heredoc line that writes the value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_scan

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: {image}
          readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}
          livenessProbe: {{httpGet: {{path: /live, port: 8080}}}}
"""


def _heredoc(yaml_text: str) -> str:
    return "".join(f"    {line}\n" for line in yaml_text.splitlines())


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("replicas, fires", [(1, True), (3, False)])
def test_a_heredoc_yaml_body_is_judged_at_the_line_that_writes_the_value(tmp_path, replicas, fires):
    main = ('resource "kubectl_manifest" "api" {\n  override_namespace = "shop"\n  yaml_body          = <<-YAML\n'
            + _heredoc(DEPLOYMENT.format(name="api", replicas=replicas, image="example/api:1")) + "  YAML\n}\n")
    (tmp_path / "main.tf").write_text(main)
    result = run_scan(tmp_path)
    assert result.errors == []
    single = [f for f in result.findings if f.rule_id == "RES101"]
    if not fires:
        assert single == []
        return
    (finding,) = single
    assert (finding.resource, finding.line) == ("kubectl_manifest.api", _line(main, "replicas: 1"))
    assert "Deployment shop/api runs 1 replica" in finding.message


def test_a_templatefile_yaml_body_is_judged_when_known_and_silent_when_not(tmp_path):
    """A body rendered from a template: known with known variables (pointed at the attribute),
    unknown (and silent) while a variable it needs has no value."""
    (tmp_path / "api.yaml.tftpl").write_text(DEPLOYMENT.format(name="api", replicas=1, image="${image}"))
    main = ('variable "image" {\n  type = string\n}\n\n'
            'resource "kubectl_manifest" "known" {\n'
            '  yaml_body = templatefile("${path.module}/api.yaml.tftpl", { image = "example/api:1" })\n}\n\n'
            'resource "kubectl_manifest" "unknown" {\n'
            '  yaml_body = templatefile("${path.module}/api.yaml.tftpl", { image = var.image })\n}\n')
    (tmp_path / "main.tf").write_text(main)
    result = run_scan(tmp_path)
    assert result.errors == []
    single = {f.resource: f.line for f in result.findings if f.rule_id == "RES101"}
    assert single == {"kubectl_manifest.known": _line(main, "example/api:1")}


@pytest.mark.parametrize("body", [
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replicas: .inf}\n",  # the API refuses it
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\n",  # two
    "apiVersion: apps/v1\nkind: [Deployment\n",  # not YAML
    "- just\n- a list\n",
])
def test_a_yaml_body_the_provider_refuses_is_not_judged(tmp_path, body):
    (tmp_path / "main.tf").write_text(f'resource "kubectl_manifest" "x" {{\n  yaml_body = {json.dumps(body)}\n}}\n')
    result = run_scan(tmp_path)
    assert result.errors == [] and result.findings == []


def _plan(after: dict, after_unknown: dict) -> dict:
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": [{
        "address": "kubectl_manifest.api", "mode": "managed", "type": "kubectl_manifest", "name": "api",
        "provider_name": "registry.terraform.io/gavinbunney/kubectl",
        "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": after_unknown}}]}


def test_a_planned_yaml_body_is_judged_and_an_unknown_one_is_not(tmp_path: Path):
    body = DEPLOYMENT.format(name="api", replicas=1, image="example/api:1")
    (tmp_path / "known.tfplan.json").write_text(json.dumps(_plan({"yaml_body": body}, {})))
    (tmp_path / "unknown.tfplan.json").write_text(json.dumps(_plan({}, {"yaml_body": True})))
    result = run_scan(tmp_path / "known.tfplan.json", tmp_path / "unknown.tfplan.json")
    assert result.errors == []
    assert [(f.rule_id, Path(f.file).name) for f in result.findings] == [("RES101", "known.tfplan.json")]


def test_a_kubernetes_manifest_decoded_from_a_heredoc_is_pointed_at_the_heredoc_line(tmp_path):
    """`manifest = yamldecode(<<-EOT ... EOT)`: the object's keys are the heredoc's lines."""
    main = ('resource "kubernetes_manifest" "api" {\n  manifest = yamldecode(<<-EOT\n'
            + _heredoc(DEPLOYMENT.format(name="api", replicas=1, image="example/api:1")) + "  EOT\n  )\n}\n")
    (tmp_path / "main.tf").write_text(main)
    result = run_scan(tmp_path)
    assert result.errors == []
    (finding,) = [f for f in result.findings if f.rule_id == "RES101"]
    assert (finding.resource, finding.line) == ("kubernetes_manifest.api", _line(main, "replicas: 1"))


@pytest.mark.parametrize("attribute", [
    'resource "kubernetes_manifest" "api" {\n  manifest = yamldecode(file("${path.module}/k8s/api.yaml"))\n}\n',
    'resource "kubectl_manifest" "api" {\n  yaml_body = templatefile("k8s/api.yaml", { image = var.image })\n}\n',
])
def test_a_manifest_file_terraform_applies_is_judged_as_terraform_applies_it(tmp_path, attribute):
    """Scanned together, the file and the resource that applies it are one object: judged as
    the resource (unknown while its template's variables are), with a note; the file named
    alone (a pre-commit run that stages only it) is judged on its own."""
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "api.yaml").write_text(DEPLOYMENT.format(name="api", replicas=1, image="${image}"))
    (tmp_path / "main.tf").write_text('variable "image" {\n  type = string\n}\n\n' + attribute)
    result = run_scan(tmp_path)
    assert result.errors == []
    single = [(f.resource, Path(f.file).name, f.line) for f in result.findings if f.rule_id == "RES101"]
    # at the file's line that writes the value, which is where its owner changes it
    replicas_line = _line(DEPLOYMENT, "replicas:")
    assert single == ([("kubernetes_manifest.api", "api.yaml", replicas_line)] if "kubernetes_manifest" in attribute
                      else [])
    if single:
        (finding,) = [f for f in result.findings if f.rule_id == "RES101"]
        assert f"applied by kubernetes_manifest.api at {tmp_path / 'main.tf'}:5" in finding.notes
    (note,) = [n for n in result.notes if "applied by" in n]
    assert note.startswith(f"{tmp_path / 'k8s' / 'api.yaml'}: applied by ")
    alone = run_scan(tmp_path / "k8s" / "api.yaml")
    assert [(f.resource, Path(f.file).name) for f in alone.findings if f.rule_id == "RES101"] == [
        ("Deployment/default/api", "api.yaml")]


def test_a_template_terraform_renders_is_pointed_at_where_its_template_writes_the_value(tmp_path):
    """`templatefile()` with known variables: judged as rendered, pointed at the template's
    key line (a value `${replicas}` is on it); a key the file does not write, or a file
    that no longer reads as one document, leaves the finding at the resource."""
    (tmp_path / "k8s").mkdir()
    template = DEPLOYMENT.format(name="api", replicas="${replicas}", image="example/api:1")
    (tmp_path / "k8s" / "api.yaml.tpl").write_text(template)
    main = ('resource "kubectl_manifest" "api" {\n'
            '  yaml_body = templatefile("k8s/api.yaml.tpl", { replicas = 1 })\n}\n')
    (tmp_path / "main.tf").write_text(main)
    result = run_scan(tmp_path / "main.tf")
    (finding,) = [f for f in result.findings if f.rule_id == "RES101"]
    assert (Path(finding.file).name, finding.line) == ("api.yaml.tpl", _line(template, "replicas:"))
    # a template that reads as YAML only once rendered (a directive line first): the resource's line
    (tmp_path / "k8s" / "api.yaml.tpl").write_text("%{ if replicas > 0 }\n" + template + "%{ endif }\n")
    result = run_scan(tmp_path / "main.tf")
    assert [(Path(f.file).name, f.line) for f in result.findings if f.rule_id == "RES101"] == [("main.tf", 2)]


def test_a_manifest_file_holding_more_than_the_applied_object_is_judged_whole(tmp_path):
    (tmp_path / "all.yaml").write_text(DEPLOYMENT.format(name="api", replicas=1, image="x") + "---\n"
                                       + DEPLOYMENT.format(name="worker", replicas=1, image="x"))
    (tmp_path / "main.tf").write_text('resource "kubectl_manifest" "all" {\n  yaml_body = file("all.yaml")\n}\n')
    result = run_scan(tmp_path)
    assert sorted(f.resource for f in result.findings if f.rule_id == "RES101") == [
        "Deployment/default/api", "Deployment/default/worker"]
    assert not [n for n in result.notes if "applied by" in n]


@pytest.mark.parametrize("where", ["resource", "manifest file"])
def test_an_inline_ignore_above_the_resource_or_in_the_applied_file_suppresses(tmp_path, where):
    """A finding placed in the manifest file a resource applies is still the resource's:
    `resilint:ignore` above the resource block, or above the object in the file, holds."""
    comment = "# resilint:ignore RES101: one replica is fine in staging\n"
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "api.yaml").write_text((comment if where == "manifest file" else "")
                                               + DEPLOYMENT.format(name="api", replicas=1, image="x"))
    (tmp_path / "main.tf").write_text((comment if where == "resource" else "")
                                      + 'resource "kubernetes_manifest" "api" {\n'
                                        '  manifest = yamldecode(file("k8s/api.yaml"))\n}\n')
    result = run_scan(tmp_path / "main.tf")
    (finding,) = [f for f in result.findings if f.rule_id == "RES101"]
    assert Path(finding.file).name == "api.yaml"
    assert finding.suppressed and finding.suppression_kind == "inline"
    assert "staging" in finding.suppression_reason


def test_a_baseline_written_when_the_finding_was_at_the_resource_still_holds_it(tmp_path):
    """Before findings on a file-read manifest pointed at the file, they were at the resource's
    `.tf` line, and baselines recorded them there: such an entry still holds the finding."""
    import json as _json
    from dataclasses import replace

    from linter.engine import ScanOptions, scan

    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "api.yaml").write_text(DEPLOYMENT.format(name="api", replicas=1, image="x"))
    (tmp_path / "main.tf").write_text('resource "kubernetes_manifest" "api" {\n'
                                      '  manifest = yamldecode(file("k8s/api.yaml"))\n}\n')
    (finding,) = [f for f in scan([str(tmp_path)], ScanOptions(root=str(tmp_path))).findings if f.rule_id == "RES101"]
    assert finding.file.endswith("api.yaml") and finding.declared_in.endswith("main.tf")
    earlier = replace(finding, file=finding.declared_in, fingerprint_path="main.tf", declared_in=None).fingerprint
    baseline = tmp_path / "baseline.json"
    baseline.write_text(_json.dumps({"findings": [{"fingerprint": earlier, "rule_id": "RES101", "count": 1}]}))
    result = scan([str(tmp_path)], ScanOptions(root=str(tmp_path), baseline=str(baseline)))
    (again,) = [f for f in result.findings if f.rule_id == "RES101"]
    assert again.suppressed and again.suppression_kind == "baseline"
