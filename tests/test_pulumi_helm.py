"""A Pulumi YAML program's `kubernetes:helm.sh/v4:Chart` and `kubernetes:helm.sh/v3:Release` of a
chart of this repository (linter/loaders/pulumi_releases.py): the chart is judged as the provider
renders it, with the resource's values files, values, name and namespace, once per stack, not
alone with its own values.yaml. What is not known before deployment is noted, never judged.
The real helm renders; the CLI runs as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_terraform_helm import chart_checkout, line_of, needs_helm, run, single

CHART = """\
name: shop
runtime: yaml
{config}resources:
  web:
    type: kubernetes:helm.sh/v4:Chart
    properties:
      chart: ./charts/web
      namespace: shop
{body}"""


def program(root: Path, replicas: int, body: str, config: str = "", files: dict[str, str] | None = None) -> Path:
    """A checkout with the chart `helm create` writes (`replicaCount` as given) in charts/web,
    and a Pulumi YAML project beside it releasing it."""
    return chart_checkout(root, replicas, {"Pulumi.yaml": CHART.format(config=config, body=body), **(files or {})})


@needs_helm
def test_a_chart_whose_values_give_one_replica_is_found_at_the_template_with_the_program_s_line(tmp_path):
    root = program(tmp_path / "shop", 3, "      values:\n        replicaCount: 1\n")
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)
    template = root / "charts" / "web" / "templates" / "deployment.yaml"
    assert (finding["resource"], finding["file"], finding["line"]) == (
        "Deployment/shop/web", "charts/web/templates/deployment.yaml", line_of(template, "replicas:"))
    assert finding["message"].endswith("(with Pulumi Chart web in Pulumi.yaml)")
    assert f"`.Values.replicaCount` = 1, set at Pulumi.yaml:{line_of(root / 'Pulumi.yaml', 'replicaCount')}" \
        in finding["notes"]
    # the chart is not judged alone besides: every finding is of the release
    assert all(f["message"].endswith("(with Pulumi Chart web in Pulumi.yaml)") for f in doc["findings"])
    # a value the release does not set is named in the chart's values.yaml
    probe = [f for f in doc["findings"] if f["rule_id"] == "RES504"]
    assert probe and all(any("set at charts/web/values.yaml:" in n for n in f["notes"]) for f in probe)


@needs_helm
def test_a_chart_whose_values_give_replicas_is_not_judged_by_the_chart_s_own(tmp_path):
    """values.yaml says 1 replica; the program deploys 3: no RES101."""
    root = program(tmp_path / "shop", 1, "      values:\n        replicaCount: 3\n")
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == [] and single(doc) == []
    assert {f["resource"] for f in doc["findings"]} == {"Deployment/shop/web"}


@needs_helm
def test_values_files_are_read_in_order_and_inline_values_merged_over_them(tmp_path):
    body = ("      valueYamlFiles:\n        - fn::fileAsset: ./values/base.yaml\n"
            "        - fn::fileAsset: ./values/prod.yaml\n")
    files = {"values/base.yaml": "replicaCount: 4\n", "values/prod.yaml": "# prod\nreplicaCount: 1\n"}
    root = program(tmp_path / "shop", 3, body, files=files)
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)  # the later file wins
    assert "`.Values.replicaCount` = 1, set at values/prod.yaml:2" in finding["notes"]
    # the values files are read, not skipped as YAML of no manifest
    assert list(doc["summary"]["skipped_by_reason"]) == ["rendered with the Helm chart in charts/web"]
    # inline values win over every file
    (root / "Pulumi.yaml").write_text(CHART.format(config="", body=body + "      values:\n        replicaCount: 2\n"))
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == [] and single(doc) == []
    # a text asset is values too, written in no file a note can name
    (root / "Pulumi.yaml").write_text(CHART.format(config="", body=body + "        - fn::stringAsset: 'replicaCount: 1'\n"))
    doc, _ = run(".", cwd=root)
    [finding] = single(doc)
    assert not any("replicaCount" in n for n in finding["notes"])


@needs_helm
def test_each_stack_releases_the_chart_with_its_own_config(tmp_path):
    config = "config:\n  replicas:\n    type: integer\n    default: 3\n"
    root = program(tmp_path / "shop", 3, "      values:\n        replicaCount: ${replicas}\n", config,
                   {"Pulumi.dev.yaml": "config:\n  shop:replicas: 1\n", "Pulumi.prod.yaml": "config: {}\n"})
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)
    assert finding["message"].endswith("(with Pulumi Chart web (stack Pulumi.dev.yaml) in Pulumi.yaml)")
    # the value is written on the program's line from a config value: both are named
    line = line_of(root / "Pulumi.yaml", "replicaCount")
    assert (f"`.Values.replicaCount` = ${{replicas}}, set at Pulumi.yaml:{line} (`${{replicas}}` = 1, config "
            "replicas, set at Pulumi.dev.yaml:2)") in finding["notes"]


@needs_helm
@pytest.mark.parametrize("body, reason", [
    ("      values:\n        replicaCount: ${size.result}\n",
     "its `values.replicaCount` is not known before deployment"),
    ("      valueYamlFiles:\n        - fn::fileAsset: ${size.result}\n",
     "its `valueYamlFiles[0]` is not known before deployment"),
    ("      postRenderer:\n        command: ./kustomize.sh\n", "post-renderer"),
    ("      repositoryOpts:\n        repo: ${size.result}\n", "`repositoryOpts` is not known"),
    ("      name: ${size.result}\n", "its `name` is not known before deployment"),
    ("      valueYamlFiles:\n        - fn::fileAsset: ../../elsewhere/values.yaml\n",
     "its `valueYamlFiles[0]` (../../elsewhere/values.yaml) is not in this repository"),
])
def test_a_release_not_known_before_deployment_is_noted_and_its_chart_not_judged_alone(tmp_path, body, reason):
    extra = "  size:\n    type: random:RandomString\n    properties:\n      length: 1\n"
    root = program(tmp_path / "shop", 1, body + extra)
    doc, stderr = run(".", cwd=root)
    assert doc["errors"] == [] and doc["findings"] == []  # neither as released nor alone
    assert "Pulumi.yaml:4: Pulumi Chart web not judged: " in stderr and reason in stderr


@needs_helm
def test_a_release_s_name_is_its_own_and_a_release_without_one_is_generated(tmp_path):
    body = "      name: storefront\n      values:\n        replicaCount: 1\n"
    root = program(tmp_path / "shop", 3, body)
    doc, _ = run(".", cwd=root)
    assert [f["resource"] for f in single(doc)] == ["Deployment/shop/storefront-web"]
    # a v3 Release is named by the provider with a random suffix unless `name` says: not known
    text = (root / "Pulumi.yaml").read_text()
    (root / "Pulumi.yaml").write_text(text.replace("helm.sh/v4:Chart", "helm.sh/v3:Release")
                                      .replace("      name: storefront\n", ""))
    doc, stderr = run(".", cwd=root)
    assert doc["findings"] == [] and "Pulumi Release web not judged: its release name is generated" in stderr
    (root / "Pulumi.yaml").write_text(text.replace("helm.sh/v4:Chart", "helm.sh/v3:Release"))
    doc, _ = run(".", cwd=root)
    [finding] = single(doc)
    assert (finding["resource"], finding["message"].endswith("(with Pulumi Release web in Pulumi.yaml)")) == (
        "Deployment/shop/storefront-web", True)


@needs_helm
def test_a_chart_of_a_repository_leaves_the_local_chart_judged_alone(tmp_path):
    """`repositoryOpts.repo` names where the chart comes from: not this checkout's directory."""
    root = program(tmp_path / "shop", 1, "      repositoryOpts:\n        repo: https://charts.example.com\n"
                                         "      values:\n        replicaCount: 3\n")
    doc, _ = run(".", cwd=root)
    [finding] = single(doc)
    assert "(with Pulumi" not in finding["message"] and finding["resource"] == "Deployment/default/web"


@needs_helm
def test_a_missing_values_file_is_an_error_at_its_line(tmp_path):
    body = "      valueYamlFiles:\n        - fn::fileAsset: ./values/gone.yaml\n"
    root = program(tmp_path / "shop", 1, body)
    doc, _ = run(".", cwd=root, errors=True)
    [error] = doc["errors"]
    assert (error["file"], error["line"]) == ("Pulumi.yaml", line_of(root / "Pulumi.yaml", "gone.yaml"))
    assert "values/gone.yaml" in error["message"]


@needs_helm
def test_the_explicit_provider_s_namespace_places_the_chart_and_the_program_s_objects(tmp_path):
    body = ("      values:\n        replicaCount: 1\n    options:\n      provider: ${k8s}\n"
            "  k8s:\n    type: pulumi:providers:kubernetes\n    properties:\n      namespace: apps\n"
            "  api:\n    type: kubernetes:apps/v1:Deployment\n    options:\n      provider: ${k8s}\n"
            "    properties:\n      metadata:\n        name: api\n      spec:\n        replicas: 1\n"
            "        selector:\n          matchLabels: {app: api}\n        template:\n"
            "          metadata:\n            labels: {app: api}\n          spec:\n"
            "            containers: [{name: api, image: api:1}]\n")
    root = program(tmp_path / "shop", 3, body.replace("namespace: shop\n", ""))
    (root / "Pulumi.yaml").write_text((root / "Pulumi.yaml").read_text().replace("      namespace: shop\n", ""))
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    assert sorted(f["resource"] for f in single(doc)) == ["Deployment/apps/api", "Deployment/apps/web"]


@needs_helm
def test_a_release_in_a_preview_of_any_program_is_rendered_from_its_project_directory(tmp_path):
    """`pulumi preview --json > preview.json`, run in a TypeScript project: its
    `k8s.helm.v3.Release` of ./charts/web is judged as released (the preview holds none of the
    chart's objects), its values file and values read; away from its project, where the
    chart path starts is not known: the chart is judged alone, as before."""
    import json

    sig, asset = "4dabf18193072939515e22adb298388d", "c44067f5952c0a294b673a41bacd8c17"
    token = "kubernetes:helm.sh/v3:Release"
    inputs = {"chart": "./charts/web", "name": "web", "namespace": "shop", "values": {"image": {"tag": "1.2"}},
              "valueYamlFiles": [{sig: asset, "path": "./values/prod.yaml"}]}
    step = {"op": "create", "urn": f"urn:pulumi:prod::shop::{token}::web", "provider": "",
            "newState": {"urn": f"urn:pulumi:prod::shop::{token}::web", "custom": True, "type": token,
                         "inputs": inputs, "outputs": {}}}
    preview = json.dumps({"config": {}, "steps": [step], "changeSummary": {}, "duration": 1}, indent=2)
    root = chart_checkout(tmp_path / "shop", 3, {"Pulumi.yaml": "name: shop\nruntime: nodejs\n",
                                                 "values/prod.yaml": "replicaCount: 1\n", "preview.json": preview})
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)
    assert finding["message"].endswith("(with Pulumi Release web in preview.json)")
    assert "`.Values.replicaCount` = 1, set at values/prod.yaml:1" in finding["notes"]
    assert finding["resource"] == "Deployment/shop/web"
    (root / "Pulumi.yaml").unlink()
    doc, _ = run(".", cwd=root)
    assert single(doc) == [] and not any("(with Pulumi" in f["message"] for f in doc["findings"])


@needs_helm
@pytest.mark.parametrize("token, inputs", [
    ("kubernetes:helm.sh/v4:Chart", {"chart": "./charts/web", "namespace": "shop"}),
    ("kubernetes:helm.sh/v4:Chart", {}),  # a component whose state records no inputs
    ("kubernetes:helm.sh/v3:Chart", {}),  # the SDK's component: no inputs either
])
def test_a_chart_component_in_a_preview_is_judged_by_the_objects_the_preview_holds(tmp_path, token, inputs):
    """A TypeScript program's `k8s.helm.v4.Chart` (or v3) of ./charts/web: its objects are the
    preview's own steps (children of the component). They are judged as the preview holds
    them, once: the chart is neither rendered again nor judged alone with its values.yaml. The
    chart is known by its path when the component's state gives one, else by the
    `helm.sh/chart` label of its objects (`web-0.1.0`, as `helm create` writes it)."""
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "web", "namespace": "shop",
                               "labels": {"app": "web", "helm.sh/chart": "web-0.1.0"}},
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}
    preview = component_preview(token, inputs, deployment)
    root = chart_checkout(tmp_path / "shop", 1, {"Pulumi.yaml": "name: shop\nruntime: nodejs\n",
                                                 "preview.json": preview})
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)
    assert (finding["file"], finding["resource"]) == ("preview.json", "Deployment/shop/web")
    assert not any("(with Pulumi" in f["message"] or f["file"].startswith("charts/") for f in doc["findings"])
    # objects of another chart (or of none) leave this one judged alone, as before
    deployment["metadata"]["labels"]["helm.sh/chart"] = "api-0.1.0"
    (root / "preview.json").write_text(component_preview(token, {}, deployment))
    doc, _ = run(".", cwd=root)
    assert sorted(f["file"] for f in single(doc)) == ["charts/web/templates/deployment.yaml", "preview.json"]


def component_preview(token: str, inputs: dict, deployment: dict) -> str:
    """`pulumi preview --json` of a program whose component `web` (a v4 Chart, a kustomize
    Directory) the provider rendered: the component's step, then its child Deployment's."""
    import json

    urn = f"urn:pulumi:prod::shop::{token}"
    child = f"{urn}$kubernetes:apps/v1:Deployment::web:shop/web"
    steps = [
        {"op": "create", "urn": f"{urn}::web", "provider": "",
         "newState": {"urn": f"{urn}::web", "custom": False, "type": token, "inputs": inputs, "outputs": {}}},
        {"op": "create", "urn": child, "provider": "",
         "newState": {"urn": child, "custom": True, "type": "kubernetes:apps/v1:Deployment", "parent": f"{urn}::web",
                      "inputs": deployment, "outputs": {}}},
    ]
    return json.dumps({"config": {}, "steps": steps, "changeSummary": {}, "duration": 1}, indent=2)


@needs_helm
def test_a_staged_chart_a_preview_s_component_rendered_is_not_judged_alone(tmp_path):
    """pre-commit names only the chart's template: the checkout's preview.json holds the objects
    a v4 Chart component rendered from it (`helm.sh/chart: web-0.1.0`), so, as in a full scan,
    the chart is not judged alone with its values.yaml's single replica; a checkout whose
    documents name another chart leaves it judged alone."""
    import subprocess

    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "web", "namespace": "shop", "labels": {"helm.sh/chart": "web-0.1.0"}},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}
    root = chart_checkout(tmp_path / "shop", 1, {
        "Pulumi.yaml": "name: shop\nruntime: nodejs\n",
        "preview.json": component_preview("kubernetes:helm.sh/v4:Chart", {}, deployment)})
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    full, _ = run(".", cwd=root)
    assert not [f for f in full["findings"] if f["file"].startswith("charts/")]
    staged, _ = run("charts/web/templates/deployment.yaml", cwd=root)
    assert staged["errors"] == [] and staged["findings"] == []
    deployment["metadata"]["labels"]["helm.sh/chart"] = "api-0.1.0"
    (root / "preview.json").write_text(component_preview("kubernetes:helm.sh/v4:Chart", {}, deployment))
    staged, _ = run("charts/web/templates/deployment.yaml", cwd=root)
    assert [f["file"] for f in single(staged)] == ["charts/web/templates/deployment.yaml"]
