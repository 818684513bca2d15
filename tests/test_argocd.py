"""Argo CD ApplicationSets: the Applications their generators make, as Argo CD makes them,
for the generators read here (`list`, git `directories` and `files` of this repository);
none for a set this reader cannot know. Rendering the charts those Applications deploy is
tested with the real helm in tests/test_helm.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from linter.loaders.argocd import generated_applications

REPO = "https://github.com/acme/gitops.git"


def _repo(tmp_path: Path) -> Path:
    top = tmp_path / "gitops"
    for env in ("prod", "staging", ".hidden"):
        (top / "envs" / env).mkdir(parents=True)
    (top / "envs" / "prod" / "config.json").write_text('{"replicas": 3, "cluster": {"name": "eu"}}')
    (top / "envs" / "staging" / "config.json").write_text('[{"replicas": 1, "cluster": {"name": "us"}}]')
    (top / "appsets").mkdir()
    return top


TEMPLATE = {"metadata": {"name": "shop-{{path.basename}}"},
            "spec": {"source": {"repoURL": REPO, "path": "charts/shop",
                                "helm": {"valueFiles": ["../../envs/{{path.basename}}/values.yaml"]}},
                     "destination": {"namespace": "{{path.basename}}"}}}


def test_the_list_generator_fills_the_template_once_per_element(tmp_path):
    spec = {"generators": [{"list": {"elements": [{"env": "prod", "size": {"n": 3}}, {"env": "dev", "size": {"n": 1}}]}}],
            "template": {"metadata": {"name": "shop-{{env}}"},
                         "spec": {"source": {"repoURL": REPO, "path": "charts/shop",
                                             "helm": {"parameters": [{"name": "replicaCount", "value": "{{size.n}}"}]}},
                                  "destination": {"namespace": "{{env}}"}}}}
    made = generated_applications(_repo(tmp_path) / "appsets" / "shop.yaml", spec)
    assert [(a["metadata"]["name"], a["spec"]["destination"]["namespace"],
             a["spec"]["source"]["helm"]["parameters"][0]["value"]) for a in made] == [
        ("shop-prod", "prod", "3"), ("shop-dev", "dev", "1")]
    assert all(a["kind"] == "Application" and a["apiVersion"] == "argoproj.io/v1alpha1" for a in made)


def test_the_git_directories_generator_reads_this_repositorys_directories(tmp_path):
    spec = {"generators": [{"git": {"repoURL": REPO, "revision": "HEAD",
                                    "directories": [{"path": "envs/*"}, {"path": "envs/staging", "exclude": True}]}}],
            "template": TEMPLATE}
    made = generated_applications(_repo(tmp_path) / "appsets" / "shop.yaml", spec)
    assert [(a["metadata"]["name"], a["spec"]["source"]["helm"]["valueFiles"]) for a in made] == [
        ("shop-prod", ["../../envs/prod/values.yaml"])]  # .hidden is not a directory Argo CD lists


def test_the_git_files_generator_reads_each_files_parameters(tmp_path):
    spec = {"generators": [{"git": {"repoURL": REPO, "files": [{"path": "envs/*/config.json"}]}}],
            "template": {"metadata": {"name": "shop-{{cluster.name}}"},
                         "spec": {"source": {"repoURL": REPO, "path": "charts/shop",
                                             "helm": {"parameters": [{"name": "replicaCount",
                                                                      "value": "{{replicas}}"}]}},
                                  "destination": {"namespace": "{{path.basename}}"}}}}
    made = generated_applications(_repo(tmp_path) / "appsets" / "shop.yaml", spec)
    assert [(a["metadata"]["name"], a["spec"]["destination"]["namespace"],
             a["spec"]["source"]["helm"]["parameters"][0]["value"]) for a in made] == [
        ("shop-eu", "prod", "3"), ("shop-us", "staging", "1")]


def test_go_templates_fill_field_paths(tmp_path):
    spec = {"goTemplate": True, "generators": [{"git": {"repoURL": REPO, "directories": [{"path": "envs/*"}]}}],
            "template": {"metadata": {"name": "shop-{{ .path.basename }}"},
                         "spec": {"source": {"repoURL": REPO, "path": "charts/shop"},
                                  "destination": {"namespace": "{{.path.basename}}"}}}}
    made = generated_applications(_repo(tmp_path) / "appsets" / "shop.yaml", spec)
    assert [a["metadata"]["name"] for a in made] == ["shop-prod", "shop-staging"]


@pytest.mark.parametrize("spec", [
    {"generators": [{"clusters": {}}], "template": TEMPLATE},  # the clusters Argo CD knows: not here
    {"generators": [{"matrix": {"generators": []}}], "template": TEMPLATE},
    {"generators": [{"git": {"repoURL": "https://github.com/acme/other.git", "directories": [{"path": "*"}]}}],
     "template": TEMPLATE},  # another repository's directories
    {"generators": [{"list": {"elements": [{"env": "prod"}]}}], "template": TEMPLATE},  # {{path.basename}} unset
    {"goTemplate": True, "generators": [{"list": {"elements": [{"env": "prod"}]}}],
     "template": {"metadata": {"name": "{{ .env | upper }}"}}},  # a pipeline: Go templates beyond a field path
    {"generators": "list", "template": TEMPLATE},
])
def test_a_set_this_reader_cannot_know_makes_no_application(tmp_path, spec):
    assert generated_applications(_repo(tmp_path) / "appsets" / "shop.yaml", spec) == []


def test_an_application_set_nested_too_deeply_is_an_error_and_the_rest_is_judged(tmp_path):
    from types import SimpleNamespace

    from linter.loaders.argocd import argo_sources

    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    spec = {"generators": [{"list": {"elements": [{"env": "prod"}]}}], "template": {"metadata": deep}}
    resource = SimpleNamespace(type="argoproj.io/ApplicationSet", source_format="kubernetes", attrs={"spec": spec},
                               address="ApplicationSet/argocd/shop",
                               location=SimpleNamespace(file=str(_repo(tmp_path) / "appsets" / "shop.yaml"), line=1))
    loaded = SimpleNamespace(resources=[resource], context_files=set(), errors=[])
    assert argo_sources(loaded) == []
    (error,) = loaded.errors
    assert (error.file, error.line) == (resource.location.file, 1) and "nested too deeply" in error.message


def test_an_application_set_making_more_than_the_bound_is_judged_for_the_first_and_says_so(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from linter.loaders import argocd

    top = _repo(tmp_path)
    (top / "charts" / "shop").mkdir(parents=True)
    (top / "charts" / "shop" / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 1.0.0\n")
    monkeypatch.setattr(argocd, "MAX_GENERATED", 2)
    spec = {"generators": [{"list": {"elements": [{"env": f"e{i}"} for i in range(5)]}}],
            "template": {"metadata": {"name": "shop-{{env}}"},
                         "spec": {"source": {"repoURL": REPO, "path": "charts/shop"},
                                  "destination": {"namespace": "{{env}}"}}}}
    resource = SimpleNamespace(type="argoproj.io/ApplicationSet", source_format="kubernetes", attrs={"spec": spec},
                               address="ApplicationSet/argocd/shop",
                               location=SimpleNamespace(file=str(top / "appsets" / "shop.yaml"), line=1))
    loaded = SimpleNamespace(resources=[resource], context_files=set(), errors=[], notes=[])
    assert [s.name for s in argocd.argo_sources(loaded)] == ["shop-e0", "shop-e1"]
    assert loaded.notes == [f"{resource.location.file}: ApplicationSet/argocd/shop makes 5 Applications: "
                            "the first 2 are judged"]
