"""A Pulumi program's `kubernetes:kustomize/v2:Directory` of a kustomization of this repository
(linter/loaders/pulumi_releases.py): built as the provider builds it, its objects that name no
namespace placed in the Directory's `namespace` (else its provider's), once per stack, and not
built alone besides. What is not known before deployment is noted, never judged. The real
kustomize (kubectl kustomize) builds; the CLI runs as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.test_pulumi_helm import component_preview
from tests.test_terraform_helm import run, single

needs_kustomize = pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None,
                                     reason="neither kustomize nor kubectl is on PATH")

PROGRAM = """\
name: shop
runtime: yaml
resources:
  web:
    type: kubernetes:kustomize/v2:Directory
    properties:
      directory: ./k8s/prod
{properties}{more}"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


def checkout(root: Path, properties: str = "      namespace: shop\n", more: str = "",
             files: dict[str, str] | None = None) -> Path:
    """A git checkout with a base kustomization (3 replicas), a prod overlay bringing it to 1,
    and a Pulumi YAML program building the overlay."""
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    written = {"Pulumi.yaml": PROGRAM.format(properties=properties, more=more),
               "k8s/base/kustomization.yaml": "resources: [deployment.yaml]\n",
               "k8s/base/deployment.yaml": DEPLOYMENT,
               "k8s/prod/kustomization.yaml": "resources: [../base]\nreplicas:\n  - name: web\n    count: 1\n",
               **(files or {})}
    for name, text in written.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@needs_kustomize
def test_a_directory_is_built_into_its_namespace_and_named_in_each_finding(tmp_path):
    """The overlay's one replica is found where the overlay sets it, in the Directory's
    namespace; before, the overlay was built alone, its Deployment in `default`."""
    root = checkout(tmp_path / "shop")
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)
    assert (finding["resource"], finding["file"], finding["line"]) == (
        "Deployment/shop/web", "k8s/prod/kustomization.yaml", 4)
    assert finding["message"].endswith("(with Pulumi Directory web in Pulumi.yaml)")
    assert {f["resource"] for f in doc["findings"]} == {"Deployment/shop/web"}  # nothing built alone besides


@needs_kustomize
def test_the_provider_s_namespace_places_the_objects_and_each_stack_builds_it(tmp_path):
    more = ("    options:\n      provider: ${k8s}\n"
            "  k8s:\n    type: pulumi:providers:kubernetes\n    properties:\n      namespace: apps\n")
    root = checkout(tmp_path / "shop", "", more, {"Pulumi.prod.yaml": "config: {}\n",
                                                  "Pulumi.stage.yaml": "config: {}\n"})
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    assert sorted((f["resource"], f["message"].rsplit("(with ", 1)[1]) for f in single(doc)) == [
        ("Deployment/apps/web", "Pulumi Directory web (stack Pulumi.prod.yaml) in Pulumi.yaml)"),
        ("Deployment/apps/web", "Pulumi Directory web (stack Pulumi.stage.yaml) in Pulumi.yaml)")]
    assert len({f["fingerprint"] for f in doc["findings"]}) == len(doc["findings"])


@needs_kustomize
def test_a_namespace_not_known_before_deployment_is_noted_and_the_kustomization_not_built_alone(tmp_path):
    more = "  ns:\n    type: kubernetes:core/v1:Namespace\n"
    root = checkout(tmp_path / "shop", "      namespace: ${ns.metadata.name}\n", more)
    doc, err = run(".", cwd=root)
    assert doc["errors"] == [] and doc["findings"] == []
    assert "Pulumi.yaml:4: Pulumi Directory web not judged: its `namespace` is not known before deployment; " \
           "its kustomization k8s/prod is not judged alone either" in err


def test_a_directory_with_no_kustomization_is_an_error_at_its_line(tmp_path):
    root = checkout(tmp_path / "shop", files={"k8s/prod/kustomization.yaml": "resources: [../base]\n"})
    (root / "k8s" / "prod" / "kustomization.yaml").rename(root / "k8s" / "prod" / "notes.yaml")
    doc, _ = run(".", cwd=root, errors=True)
    [error] = doc["errors"]
    assert (error["file"], error["line"]) == ("Pulumi.yaml", 7)
    assert "`directory` is ./k8s/prod, which holds no kustomization" in error["message"]


@needs_kustomize
@pytest.mark.parametrize("remote", ["https://github.com/example/deploy/tree/main/k8s/prod",
                                    "github.com/example/deploy/k8s/prod?ref=v1", "git@github.com:example/deploy.git"])
def test_a_directory_of_another_repository_leaves_the_local_kustomization_built_alone(tmp_path, remote):
    """A git repository's directory (kustomize's remote forms) is not this checkout's: no error,
    and the overlay here, which nothing here deploys, is built alone as before."""
    root = checkout(tmp_path / "shop")
    (root / "Pulumi.yaml").write_text((root / "Pulumi.yaml").read_text().replace("./k8s/prod", remote))
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)
    assert finding["resource"] == "Deployment/default/web" and "(with Pulumi" not in finding["message"]


@needs_kustomize
def test_a_directory_component_in_a_preview_marks_its_kustomization_deployed(tmp_path):
    """`pulumi preview --json` of a TypeScript program: the Directory component's children are
    the objects the provider built; they are judged as the preview holds them, the overlay not
    built alone besides."""
    child = yaml.safe_load(DEPLOYMENT)
    child["metadata"]["namespace"], child["spec"]["replicas"] = "shop", 1
    root = checkout(tmp_path / "shop", files={"preview.json": component_preview(
        "kubernetes:kustomize/v2:Directory", {"directory": "./k8s/prod", "namespace": "shop"}, child)})
    (root / "Pulumi.yaml").write_text("name: shop\nruntime: nodejs\n")
    doc, _ = run(".", cwd=root)
    assert doc["errors"] == []
    [finding] = single(doc)
    assert (finding["file"], finding["resource"]) == ("preview.json", "Deployment/shop/web")
    assert {f["file"] for f in doc["findings"]} == {"preview.json"}


@needs_kustomize
def test_a_staged_base_file_is_judged_as_the_program_builds_it(tmp_path):
    """pre-commit names only k8s/base/deployment.yaml: the checkout's program is found, and the
    staged file is judged as the Directory builds it (in `shop`), as a full scan judges it."""
    root = checkout(tmp_path / "shop")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    doc, _ = run("k8s/base/deployment.yaml", cwd=root)
    assert doc["errors"] == [] and doc["findings"]
    assert {f["resource"] for f in doc["findings"]} == {"Deployment/shop/web"}
    assert all(f["message"].endswith("(with Pulumi Directory web in Pulumi.yaml)") for f in doc["findings"])
