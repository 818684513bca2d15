"""Argo CD ApplicationSets: the Applications their generators make, as Argo CD makes them,
for the generators read here (`list`, git `directories` and `files` of this repository, and
`matrix` and `merge` of those); none for a set this reader cannot know. The charts those
Applications deploy are rendered with the real helm here (matrix and merge, scanned through
the command line) and in tests/test_helm.py."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from linter.loaders.argocd import generated_applications
from tests.test_helm import needs_helm

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
    spec = {"generators": [{"list": {"elements": [{"env": "prod", "values": {"n": "3"}}, {"env": "dev", "values": {"n": "1"}}]}}],
            "template": {"metadata": {"name": "shop-{{env}}"},
                         "spec": {"source": {"repoURL": REPO, "path": "charts/shop",
                                             "helm": {"parameters": [{"name": "replicaCount", "value": "{{values.n}}"}]}},
                                  "destination": {"namespace": "{{env}}"}}}}
    made = generated_applications(_repo(tmp_path) / "appsets" / "shop.yaml", spec)
    assert [(a["metadata"]["name"], a["spec"]["destination"]["namespace"],
             a["spec"]["source"]["helm"]["parameters"][0]["value"]) for a in made] == [
        ("shop-prod", "prod", "3"), ("shop-dev", "dev", "1")]
    assert all(a["kind"] == "Application" and a["apiVersion"] == "argoproj.io/v1alpha1" for a in made)
    # without goTemplate every value must be text (list.go: "error parsing value as string"): Argo CD makes none
    for element in ({"env": "prod", "n": 3}, {"env": "prod", "size": {"n": "3"}}, {"env": "prod", "values": {"n": 3}}):
        spec["generators"] = [{"list": {"elements": [element]}}]
        assert generated_applications(tmp_path / "gitops" / "appsets" / "shop.yaml", spec) == []


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


def test_the_git_files_generator_flattens_lists_and_prints_values_as_go_does(tmp_path):
    """fasttemplate: lists by index (`zones.0`), an empty list or map gives nothing, and each
    value as Go's `%v` prints the float64 it decodes (`1e+06`, `<nil>`)."""
    top = _repo(tmp_path)
    (top / "envs" / "prod" / "config.json").write_text(
        '{"zones": ["a", "b"], "none": null, "on": true, "big": 1000000, "half": 0.5, "empty": [], "n": 3}')
    spec = {"generators": [{"git": {"repoURL": REPO, "files": [{"path": "envs/prod/config.json"}]}}],
            "template": {"metadata": {"name": "shop-{{zones.1}}"},
                         "spec": {"source": {"repoURL": REPO, "path": "charts/shop"},
                                  "destination": {"namespace": "{{none}}-{{on}}-{{big}}-{{half}}-{{n}}"}}}}
    [made] = generated_applications(top / "appsets" / "shop.yaml", spec)
    assert (made["metadata"]["name"], made["spec"]["destination"]["namespace"]) == (
        "shop-b", "<nil>-true-1e+06-0.5-3")
    spec["template"]["metadata"]["name"] = "shop-{{empty}}"  # nothing named so: the set is not known
    assert generated_applications(top / "appsets" / "shop.yaml", spec) == []


@pytest.mark.parametrize("value, printed", [
    (3, "3"), (0.5, "0.5"), (1000000, "1e+06"), (123456, "123456"), (1234567, "1.234567e+06"),
    (0.0001, "0.0001"), (0.00001, "1e-05"), (-2.5, "-2.5"), (12.0, "12"), (None, "<nil>"), (False, "false"),
])
def test_a_json_value_is_printed_as_go_prints_it(value, printed):
    from linter.loaders.argocd import go_text

    assert go_text(value) == printed


@pytest.mark.parametrize("go", [False, True])
def test_a_files_path_parameters_win_over_the_keys_it_holds(tmp_path, go):
    """Argo CD sets the path parameters after the file's own keys: a `path` key in the file
    does not move the Application to another directory."""
    top = _repo(tmp_path)
    (top / "envs" / "prod" / "config.json").write_text('{"path": "elsewhere", "replicas": 3}')
    name = "{{ .path.basename }}-{{ .replicas }}" if go else "{{path.basename}}-{{replicas}}"
    spec = {"goTemplate": go, "generators": [{"git": {"repoURL": REPO, "files": [{"path": "envs/prod/config.json"}]}}],
            "template": {"metadata": {"name": f"shop-{name}"},
                         "spec": {"source": {"repoURL": REPO, "path": "charts/shop"},
                                  "destination": {"namespace": "{{.path.path}}" if go else "{{path}}"}}}}
    made = generated_applications(top / "appsets" / "shop.yaml", spec)
    assert [(a["metadata"]["name"], a["spec"]["destination"]["namespace"]) for a in made] == [
        ("shop-prod-3", "envs/prod")]


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
                            "the first 2 are judged (a chart or directory only later ones deploy is judged as the "
                            "repository has it)"]


def test_a_set_with_a_template_patch_makes_no_application(tmp_path):
    """`templatePatch` (Argo CD 2.10) patches each Application after it is filled: not read here."""
    generators = [_list({"app": "shop", "env": "prod"})]
    assert _names(tmp_path / "a", generators) == ["shop-prod"]
    spec = {"generators": generators, "templatePatch": "spec:\n  project: other\n",
            "template": {"metadata": {"name": "{{app}}-{{env}}"}}}
    assert generated_applications(_repo(tmp_path / "b") / "appsets" / "shop.yaml", spec) == []


# ------------------------------------------------------------------ matrix and merge generators
def _names(tmp_path, generators, name="{{app}}-{{env}}", go=False):
    spec = {"goTemplate": go, "generators": generators, "template": {"metadata": {"name": name}}}
    return [a["metadata"]["name"] for a in generated_applications(_repo(tmp_path) / "appsets" / "shop.yaml", spec)]


def _list(*elements):
    return {"list": {"elements": list(elements)}}


def test_a_matrix_makes_each_pair_of_its_childrens_parameter_sets(tmp_path):
    made = _names(tmp_path, [{"matrix": {"generators": [
        {"git": {"repoURL": REPO, "directories": [{"path": "envs/*"}]}}, _list({"app": "shop"}, {"app": "cart"})]}}],
        name="{{app}}-{{path.basename}}")
    assert made == ["shop-prod", "cart-prod", "shop-staging", "cart-staging"]


def test_a_matrixs_second_child_reads_the_firsts_parameters(tmp_path):
    """git files at `{{path}}/config.json` per directory of the first; with pathParamPrefix the
    two git generators' path parameters stay apart."""
    second = {"git": {"repoURL": REPO, "files": [{"path": "{{path}}/config.json"}], "pathParamPrefix": "cfg"}}
    made = _names(tmp_path, [{"matrix": {"generators": [
        {"git": {"repoURL": REPO, "directories": [{"path": "envs/*"}]}}, second]}}],
        name="{{path.basename}}-{{cluster.name}}-{{replicas}}-{{cfg.path.filename}}")
    assert made == ["prod-eu-3-config.json", "staging-us-1-config.json"]


@pytest.mark.parametrize("go, first_wins", [(True, True), (False, None)])
def test_a_name_both_matrix_children_give(tmp_path, go, first_wins):
    """goTemplate: deep-merged, the first child's values winning (matrix.go merges `b`, then
    `a` over it); fasttemplate: two values for one name fail the set (CombineStringMaps)."""
    generators = [{"matrix": {"generators": [_list({"app": "shop", "env": "prod", "size": {"cpu": "1"}}),
                                             _list({"app": "cart", "size": {"mem": "2"}})]}}]
    made = _names(tmp_path, generators, "{{.app}}-{{.env}}-{{.size.cpu}}-{{.size.mem}}" if go else "{{app}}", go)
    assert made == (["shop-prod-1-2"] if first_wins else [])


def test_a_merge_overrides_the_base_sets_its_later_children_match(tmp_path):
    base = _list({"app": "shop", "env": "prod", "replicas": "3"}, {"app": "cart", "env": "prod", "replicas": "3"})
    made = _names(tmp_path, [{"merge": {"mergeKeys": ["app"], "generators": [
        base, _list({"app": "shop", "replicas": "1"}, {"app": "web", "replicas": "1"}),
        _list({"app": "cart", "env": "dev"})]}}], name="{{app}}-{{env}}-{{replicas}}")
    assert made == ["shop-prod-1", "cart-dev-3"]  # web matches no base set: not added


def test_a_goTemplate_merge_deep_merges_and_keys_by_top_level_parameters(tmp_path):
    made = _names(tmp_path, [{"merge": {"mergeKeys": ["app"], "generators": [
        _list({"app": "shop", "size": {"cpu": "1", "mem": "1"}}),
        _list({"app": "shop", "size": {"mem": "4"}})]}}], "{{.app}}-{{.size.cpu}}-{{.size.mem}}", go=True)
    assert made == ["shop-1-4"]


def test_a_matrix_nests_one_level_as_argo_cd_allows(tmp_path):
    inner = {"matrix": {"generators": [_list({"env": "prod"}), _list({"tier": "a"}, {"tier": "b"})]}}
    assert _names(tmp_path / "a", [{"matrix": {"generators": [_list({"app": "shop"}), inner]}}],
                  "{{app}}-{{env}}-{{tier}}") == ["shop-prod-a", "shop-prod-b"]
    merged = {"merge": {"mergeKeys": ["env"], "generators": [_list({"env": "prod", "tier": "a"}),
                                                             _list({"env": "prod", "tier": "b"})]}}
    assert _names(tmp_path / "b", [{"matrix": {"generators": [merged, _list({"app": "shop"})]}}],
                  "{{app}}-{{env}}-{{tier}}") == ["shop-prod-b"]


@pytest.mark.parametrize("generator", [
    # a child Argo CD reads from the cluster or a service
    {"matrix": {"generators": [{"clusters": {}}, _list({"app": "shop", "env": "prod"})]}},
    {"merge": {"mergeKeys": ["app"], "generators": [_list({"app": "shop", "env": "prod"}), {"pullRequest": {}}]}},
    # not what Argo CD accepts: one child, three, no merge keys
    {"matrix": {"generators": [_list({"app": "shop", "env": "prod"})]}},
    {"matrix": {"generators": [_list({"app": "shop"}), _list({"env": "prod"}), _list({"x": "y"})]}},
    {"merge": {"generators": [_list({"app": "shop", "env": "prod"}), _list({"app": "shop"})]}},
    # two sets of one child with the same merge key values fail the set
    {"merge": {"mergeKeys": ["app"], "generators": [
        _list({"app": "shop", "env": "prod"}, {"app": "shop", "env": "dev"}), _list({"app": "shop"})]}},
    # nested deeper than Argo CD allows
    {"matrix": {"generators": [_list({"app": "shop"}), {"matrix": {"generators": [
        _list({"env": "prod"}), {"matrix": {"generators": [_list({"a": "b"}), _list({"c": "d"})]}}]}}]}},
    # a selector Argo CD refuses (an operator a label selector does not have), a template of a child's own
    {"matrix": {"generators": [_list({"app": "shop"}), {**_list({"env": "prod"}), "selector": {
        "matchExpressions": [{"key": "env", "operator": "Gt", "values": ["1"]}]}}]}},
    {"matrix": {"generators": [_list({"app": "shop"}),
                               {"list": {"elements": [{"env": "prod"}], "template": {"metadata": {"name": "x"}}}}]}},
    # list elements are raw JSON Argo CD does not interpolate: a placeholder there is not known
    {"matrix": {"generators": [_list({"app": "shop"}), _list({"env": "{{app}}-prod"})]}},
    # two Applications with one name: Argo CD makes none
    {"matrix": {"generators": [_list({"app": "shop", "x": "1"}, {"app": "shop", "x": "2"}), _list({"env": "prod"})]}},
    # a product past the bound
    {"matrix": {"generators": [_list(*({"app": f"a{i}"} for i in range(40))),
                               _list(*({"env": f"e{i}"} for i in range(40)))]}},
])
def test_a_combination_this_reader_cannot_know_makes_no_application(tmp_path, generator):
    assert _names(tmp_path, [generator]) == []


# ------------------------------------------------------------------ as a user scans them
def _charts(root: Path, replicas: dict[str, dict[str, int]]) -> Path:
    """A GitOps repository of charts apps/<app>/ (one Deployment), each with a
    values-<env>.yaml per environment (its replica count) beside its values.yaml (3)."""
    from tests.test_helm import REQUIRED

    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text('[remote "origin"]\n\turl = git@github.com:acme/gitops.git\n')
    for app, counts in replicas.items():
        chart = root / "apps" / app
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {app}\nversion: 1.0.0\n")
        (chart / "values.yaml").write_text("replicaCount: 3\nimage: nginx:1.27\n")
        (chart / "templates" / "deployment.yaml").write_text(REQUIRED.replace('required "image is required" ', ""))
        for env, count in counts.items():
            (chart / f"values-{env}.yaml").write_text(f"replicaCount: {count}\n")
    (root / "appsets").mkdir()
    return root


def _application_set(generators: str, name: str, path: str, helm: str, namespace: str, go: bool = False) -> str:
    """An ApplicationSet of this repository's charts: its generators (the YAML list under
    `generators:`), and its template's Application name, chart path, `helm` block and namespace."""
    return ("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: apps, namespace: argocd}\n"
            f"spec:\n  goTemplate: {str(go).lower()}\n  generators:\n{textwrap.indent(generators, '    ')}"
            f"  template:\n    metadata:\n      name: '{name}'\n    spec:\n      project: default\n      source:\n"
            f"        repoURL: git@github.com:acme/gitops.git\n        path: '{path}'\n        helm: {helm}\n"
            f"      destination: {{server: https://kubernetes.default.svc, namespace: '{namespace}'}}\n")


def _deployed(root: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """The Deployments `resilint scan .` judges, and the single-replica ones (RES101) with the
    Application each is judged with; no error, every finding of the ApplicationSet's file."""
    from tests.test_helm import scan

    _, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    assert {f["environment"] for f in doc["findings"]} == {"appsets/apps.yaml"}
    single = {(f["resource"], f["message"].rsplit("(with ", 1)[1]) for f in doc["findings"] if f["rule_id"] == "RES101"}
    return {f["resource"] for f in doc["findings"] if f["resource"].startswith("Deployment/")}, single


def _application(name: str) -> str:
    return f"Argo CD Application {name} in appsets/apps.yaml)"


APPS_BY_ENV = """\
- matrix:
    generators:
      - git:
          repoURL: https://github.com/acme/gitops.git
          revision: HEAD
          directories: [{path: apps/*}]
      - list:
          elements: [ELEMENTS]
"""


def _by_env(elements: str) -> str:
    return _application_set(APPS_BY_ENV.replace("ELEMENTS", elements), "{{path.basename}}-{{env}}", "{{path}}",
                            "{valueFiles: ['values-{{env}}.yaml']}", "{{env}}")


@needs_helm
def test_a_matrix_application_set_renders_each_chart_per_environment(tmp_path):
    """A matrix of the repository's chart directories and a list of environments renders each
    chart with each environment's values file, judged as that Application (its own name), never
    alone; a finding comes and goes with the values file and the list."""
    root = _charts(tmp_path / "gitops", {"shop": {"prod": 1, "staging": 2}, "cart": {"prod": 3, "staging": 1}})
    appset = root / "appsets" / "apps.yaml"
    appset.write_text(_by_env("{env: prod}, {env: staging}"))
    deployments, single = _deployed(root)
    assert deployments == {"Deployment/prod/shop-prod", "Deployment/staging/shop-staging",
                           "Deployment/prod/cart-prod", "Deployment/staging/cart-staging"}
    assert single == {("Deployment/prod/shop-prod", _application("shop-prod")),
                      ("Deployment/staging/cart-staging", _application("cart-staging"))}
    appset.write_text(_by_env("{env: prod}"))  # staging no longer deployed
    assert _deployed(root)[1] == {("Deployment/prod/shop-prod", _application("shop-prod"))}
    (root / "apps" / "shop" / "values-prod.yaml").write_text("replicaCount: 2\n")
    assert _deployed(root) == ({"Deployment/prod/shop-prod", "Deployment/prod/cart-prod"}, set())


@needs_helm
@pytest.mark.parametrize("go", [False, True])
def test_a_matrixs_second_generator_reads_files_at_the_firsts_path(tmp_path, go):
    """The second generator's `{{path}}/envs.json` (`{{.path.path}}` with goTemplate) is each
    directory of the first's: each chart is rendered for the environments its own file lists."""
    root = _charts(tmp_path / "gitops", {"shop": {}, "cart": {}})
    (root / "apps" / "shop" / "envs.json").write_text('[{"env": "prod", "replicas": "1"}, '
                                                      '{"env": "staging", "replicas": "2"}]')
    (root / "apps" / "cart" / "envs.json").write_text('{"env": "prod", "replicas": "3"}')
    path, basename, env, replicas = (f"{{{{{'.' if go else ''}{name}}}}}"
                                     for name in ("path.path" if go else "path", "path.basename", "env", "replicas"))
    generators = ("- matrix:\n    generators:\n"
                  "      - git: {repoURL: 'git@github.com:acme/gitops.git', directories: [{path: apps/*}]}\n"
                  "      - git: {repoURL: 'git@github.com:acme/gitops.git', files: [{path: 'PATH/envs.json'}]}\n")
    helm = f"{{parameters: [{{name: replicaCount, value: '{replicas}'}}]}}"
    (root / "appsets" / "apps.yaml").write_text(_application_set(
        generators.replace("PATH", path), f"{basename}-{env}", path, helm, env, go))
    deployments, single = _deployed(root)
    assert deployments == {"Deployment/prod/shop-prod", "Deployment/staging/shop-staging", "Deployment/prod/cart-prod"}
    assert single == {("Deployment/prod/shop-prod", _application("shop-prod"))}


MERGE = """\
- merge:
    mergeKeys: [app]
    generators:
      - list:
          elements:
            - {app: shop, env: prod, replicas: "3"}
            - {app: cart, env: prod, replicas: "3"}
      - list:
          elements:
            - {app: shop, replicas: "1"}
            - {app: web, replicas: "1"}
"""


@needs_helm
def test_a_merge_application_set_overrides_an_elements_values(tmp_path):
    """The second list's element for `app: shop` sets its replica count over the first's; its
    `web` element matches none of the first's and makes no Application."""
    root = _charts(tmp_path / "gitops", {"shop": {}, "cart": {}})
    (root / "appsets" / "apps.yaml").write_text(_application_set(
        MERGE, "{{app}}-{{env}}", "apps/{{app}}", "{parameters: [{name: replicaCount, value: '{{replicas}}'}]}",
        "{{env}}"))
    deployments, single = _deployed(root)
    assert deployments == {"Deployment/prod/shop-prod", "Deployment/prod/cart-prod"}
    assert single == {("Deployment/prod/shop-prod", _application("shop-prod"))}


@needs_helm
def test_a_matrix_with_a_generator_not_read_here_leaves_the_charts_as_today(tmp_path):
    """A `clusters` child (the clusters Argo CD knows): the set makes no Application here, no
    error; each chart is judged alone, with its environment values files."""
    from tests.test_helm import scan

    root = _charts(tmp_path / "gitops", {"shop": {"prod": 1}})
    _, alone = scan(".", cwd=root)
    listed = _by_env("{env: prod}")
    clusters = listed.replace("- list:\n              elements: [{env: prod}]",
                              "- clusters: {selector: {matchLabels: {env: prod}}}")
    assert clusters != listed
    (root / "appsets" / "apps.yaml").write_text(clusters)
    code, doc = scan(".", cwd=root)
    assert code == 1 and doc["errors"] == [] and doc["findings"] == alone["findings"]
    assert {f["environment"] for f in doc["findings"]} == {"apps/shop/values-prod.yaml"}


# ------------------------------------------------------------------ the tool Argo CD builds a source with
def _chart_and_kustomization(root: Path, kustomization: bool = True, chart: bool = True) -> Path:
    """web/: a chart whose values.yaml gives 1 replica and, beside it, a kustomization of a
    rendered Deployment `web` of 3 replicas (with probes)."""
    from tests.test_helm import REQUIRED
    from tests.test_kustomize import GITOPS_REMOTE, PROBED, write

    files = {".git/config": GITOPS_REMOTE}
    if chart:
        files.update({"web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
                      "web/values.yaml": "replicaCount: 1\nimage: nginx:1.27\n",
                      "web/templates/deployment.yaml": REQUIRED.replace('required "image is required" ', "")})
    if kustomization:
        files.update({"web/kustomization.yaml": "resources: [manifest.yaml]\n", "web/manifest.yaml": PROBED})
    write(root, files)
    return root


def _web_application(block: str = "") -> str:
    return ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web-prod, namespace: argocd}\n"
            "spec:\n  source:\n    repoURL: git@github.com:acme/gitops.git\n    path: web\n" + block
            + "  destination: {namespace: shop}\n")


def _judged(root: Path) -> list[tuple[str, int, str]]:
    """Each Deployment `resilint scan .` judges: its address, replicas and what deploys it."""
    from linter.engine import ScanOptions, scan

    result = scan([str(root)], ScanOptions())
    assert result.errors == []
    return sorted((r.address, r.attrs["spec"]["replicas"], r.meta.get("rendered_from", "").split(" in ")[0])
                  for r in result.resources if r.type == "apps/Deployment")


needs_kustomize = pytest.mark.skipif(__import__("shutil").which("kustomize") is None
                                     and __import__("shutil").which("kubectl") is None,
                                     reason="neither kustomize nor kubectl is on PATH")


@needs_helm
@needs_kustomize
def test_a_kustomization_beside_a_chart_is_built_unless_a_helm_block_names_helm(tmp_path, monkeypatch):
    """With no block Argo CD's discovery meets Chart.yaml, then kustomization.yaml, and the last
    wins: kustomize builds the 3-replica Deployment (the chart's replicaCount: 1 must not fire).
    A `helm` block names helm: the chart renders with its 1 replica, as the Application."""
    root = _chart_and_kustomization(tmp_path / "gitops")
    monkeypatch.chdir(root)
    (root / "apps").mkdir()
    (root / "apps" / "web.yaml").write_text(_web_application())
    assert _judged(root) == [("Deployment/shop/web", 3, "Argo CD Application web-prod")]
    (root / "apps" / "web.yaml").write_text(_web_application("    helm: {releaseName: web}\n"))
    assert _judged(root) == [("Deployment/shop/web", 1, "Argo CD Application web-prod")]


@needs_helm
@needs_kustomize
@pytest.mark.parametrize("block, kustomization, chart, alone", [
    # a helm block over a directory with no Chart.yaml: `helm template` fails in Argo CD
    ("    helm: {valuesObject: {replicaCount: 3}}\n", True, False, ("Deployment/default/web", 3)),
    # a kustomize block over a chart with no kustomization: `kustomize build` fails in Argo CD
    ("    kustomize: {replicas: [{name: web, count: 3}]}\n", False, True, ("Deployment/default/web", 1)),
    # two tools: Argo CD refuses the Application ("multiple application sources defined")
    ("    helm: {releaseName: web}\n    kustomize: {namePrefix: eu-}\n", True, True, None),
])
def test_a_block_naming_a_tool_the_path_cannot_build_deploys_nothing_known(tmp_path, monkeypatch, block,
                                                                           kustomization, chart, alone):
    """What Argo CD cannot render deploys nothing: the directory is judged as the repository has
    it (a chart alone with its values.yaml, a kustomization built alone), never as the
    Application, whose block sets 3 replicas here."""
    root = _chart_and_kustomization(tmp_path / "gitops", kustomization, chart)
    monkeypatch.chdir(root)
    (root / "apps").mkdir()
    (root / "apps" / "web.yaml").write_text(_web_application(block))
    judged = _judged(root)
    assert all(deployer == "" or "Argo CD" not in deployer for _, _, deployer in judged)
    if alone is not None:
        assert [(address, replicas) for address, replicas, _ in judged] == [alone]


# ------------------------------------------------------------------ generator values, elementsYaml, own template, selector
def test_a_git_generators_values_are_filled_with_its_parameters(tmp_path):
    """`values` (Argo CD 2.9): each a template of the generator's own parameters, added as
    `values.<key>`, or under `.values` with goTemplate; filled before any is added."""
    spec = {"generators": [{"git": {"repoURL": REPO, "files": [{"path": "envs/*/config.json"}],
                                    "values": {"size": "{{replicas}}", "where": "{{cluster.name}}-{{path.basename}}"}}}],
            "template": {"metadata": {"name": "shop-{{values.where}}"},
                         "spec": {"source": {"repoURL": REPO, "path": "charts/shop"}, "info": "{{values.size}}"}}}
    made = generated_applications(_repo(tmp_path) / "appsets" / "shop.yaml", spec)
    assert [(a["metadata"]["name"], a["spec"]["info"]) for a in made] == [("shop-eu-prod", "3"), ("shop-us-staging", "1")]
    go = {"goTemplate": True, "generators": [{"git": {"repoURL": REPO, "directories": [{"path": "envs/*"}],
                                                      "values": {"ns": "team-{{ .path.basename }}"}}}],
          "template": {"metadata": {"name": "{{ .values.ns }}"}}}
    assert [a["metadata"]["name"] for a in generated_applications(tmp_path / "gitops" / "appsets" / "a.yaml", go)] \
        == ["team-prod", "team-staging"]


@pytest.mark.parametrize("generator", [
    {"git": {"repoURL": REPO, "directories": [{"path": "envs/*"}], "values": {"a": "{{nothing}}"}}},
    {"git": {"repoURL": REPO, "directories": [{"path": "envs/*"}], "values": {"a": 1}}},  # not text: refused
    {"list": {"elements": [{"env": "prod"}], "values": {"a": "b"}}},  # a list generator has no `values`
])
def test_generator_values_not_known_here_make_no_application(tmp_path, generator):
    assert _names(tmp_path, [generator], name="{{path.basename}}{{env}}-{{values.a}}") == []


def test_elements_yaml_lists_elements_and_a_matrix_child_reads_the_firsts_parameters(tmp_path):
    """`elementsYaml` is appended to `elements`; in a matrix the first child's parameters fill
    it, `{{ .components | toJson }}` writing a list the second child then reads."""
    assert _names(tmp_path / "a", [{"list": {"elements": [{"app": "shop", "env": "prod"}],
                                             "elementsYaml": "- {app: cart, env: dev}\n"}}]) == ["shop-prod", "cart-dev"]
    top = _repo(tmp_path / "b")
    (top / "envs" / "prod" / "apps.yaml").write_text("components: [{app: shop, replicas: 1}, {app: cart, replicas: 3}]\n")
    spec = {"goTemplate": True, "generators": [{"matrix": {"generators": [
        {"git": {"repoURL": REPO, "files": [{"path": "envs/*/apps.yaml"}]}},
        {"list": {"elementsYaml": "{{ .components | toJson }}"}}]}}],
        "template": {"metadata": {"name": "{{.app}}-{{.path.basename}}-{{.replicas}}"}}}
    assert [a["metadata"]["name"] for a in generated_applications(top / "appsets" / "a.yaml", spec)] == [
        "shop-prod-1", "cart-prod-3"]


@pytest.mark.parametrize("body", [
    {"elementsYaml": "{{ .components | toYaml }}"},  # a function not read here (and left unrendered at the top)
    {"elementsYaml": "app: shop\n"},  # not a list: Argo CD fails the set
    {"elementsYaml": "- {app: shop, env: prod, replicas: 1}\n"},  # fasttemplate fills text only
    {"elementsYaml": "- [app, shop"},
])
def test_elements_yaml_not_known_here_makes_no_application(tmp_path, body):
    assert _names(tmp_path, [{"list": body}]) == []


def test_a_generators_own_template_is_merged_over_the_sets_as_argo_cd_merges_it(tmp_path):
    """mergo.Merge(generator's, set's): the generator's fields win, what it leaves empty is the
    set's; maps merge key by key, lists are taken whole."""
    base = {"metadata": {"name": "shop-{{env}}", "labels": {"team": "shop", "tier": "web"}},
            "spec": {"project": "default", "source": {"repoURL": REPO, "path": "charts/shop",
                                                      "helm": {"valueFiles": ["a.yaml", "b.yaml"], "releaseName": "x"}},
                     "destination": {"namespace": "{{env}}"}}}
    own = {"metadata": {"labels": {"tier": "api"}},
           "spec": {"project": "", "source": {"helm": {"valueFiles": ["values-{{env}}.yaml"]}},
                    "destination": {"namespace": "team-{{env}}"}}}
    spec = {"generators": [{"list": {"elements": [{"env": "prod"}], "template": own}},
                           {"list": {"elements": [{"env": "dev"}]}}], "template": base}
    prod, dev = generated_applications(_repo(tmp_path) / "appsets" / "shop.yaml", spec)
    assert prod["metadata"] == {"name": "shop-prod", "labels": {"team": "shop", "tier": "api"}}
    assert prod["spec"] == {"project": "default", "destination": {"namespace": "team-prod"},
                            "source": {"repoURL": REPO, "path": "charts/shop",
                                       "helm": {"valueFiles": ["values-prod.yaml"], "releaseName": "x"}}}
    assert dev["spec"]["destination"] == {"namespace": "dev"}  # the other generator: the set's template alone


@pytest.mark.parametrize("selector, made", [
    ({"matchLabels": {"env": "prod"}}, ["shop-prod"]),
    ({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}, ["shop-dev", "shop-qa"]),
    ({"matchExpressions": [{"key": "size.cpu", "operator": "Exists"}]}, ["shop-dev"]),
    ({"matchExpressions": [{"key": "size.cpu", "operator": "DoesNotExist"}], "matchLabels": {"env": "qa"}},
     ["shop-qa"]),
    ({}, ["shop-prod", "shop-dev", "shop-qa"]),  # an empty selector selects every set
    # refused by Argo CD: an operator label selectors lack, values with Exists, a key that is no label key
    ({"matchExpressions": [{"key": "env", "operator": "Gt", "values": ["1"]}]}, []),
    ({"matchExpressions": [{"key": "env", "operator": "Exists", "values": ["prod"]}]}, []),
    ({"matchLabels": {"path[0]": "envs"}}, []),
])
def test_a_generators_selector_keeps_the_parameter_sets_it_matches(tmp_path, selector, made):
    elements = [{"env": "prod"}, {"env": "dev", "size": {"cpu": "2"}}, {"env": "qa"}]
    assert _names(tmp_path / "go", [{"list": {"elements": elements}, "selector": selector}], "shop-{{.env}}",
                  go=True) == made
    elements[1] = {"env": "dev", "size.cpu": "2"}  # fasttemplate: text values only, named as flattened
    assert _names(tmp_path / "flat", [{"list": {"elements": elements}, "selector": selector}], "shop-{{env}}") == made


def test_a_selector_on_a_value_whose_text_is_not_known_makes_no_application(tmp_path):
    """goTemplate: Argo CD flattens a list by index, or prints it whole, by its Go type."""
    generator = {"list": {"elements": [{"env": "prod", "zones": ["a", "b"]}]},
                 "selector": {"matchLabels": {"zones.0": "a"}}}
    assert _names(tmp_path, [generator], "shop-{{.env}}", go=True) == []


def test_a_set_past_the_bound_is_not_read_and_a_note_says_so(tmp_path):
    """Past MAX_PARAMETER_SETS the set is not read at all (all or nothing: a chart only the
    Applications left out deploy would otherwise be judged alone, as nothing deploys it)."""
    from types import SimpleNamespace

    from linter.loaders import argocd

    spec = {"generators": [{"matrix": {"generators": [_list(*({"app": f"a{i}"} for i in range(40))),
                                                      _list(*({"env": f"e{i}"} for i in range(40)))]}}],
            "template": {"metadata": {"name": "{{app}}-{{env}}"},
                         "spec": {"source": {"repoURL": REPO, "path": "charts/shop"}}}}
    resource = SimpleNamespace(type="argoproj.io/ApplicationSet", source_format="kubernetes", attrs={"spec": spec},
                               address="ApplicationSet/argocd/shop",
                               location=SimpleNamespace(file=str(_repo(tmp_path) / "appsets" / "shop.yaml"), line=1))
    loaded = SimpleNamespace(resources=[resource], context_files=set(), errors=[], notes=[])
    assert argocd.argo_sources(loaded) == []
    assert loaded.notes == [f"{resource.location.file}: ApplicationSet/argocd/shop gives more than 1000 parameter "
                            "sets: its Applications are not judged (what they deploy is judged as the repository "
                            "has it)"]
    spec["generators"] = [{"clusters": {}}]  # not read for another reason: nothing said
    assert argocd.argo_sources(loaded) == [] and len(loaded.notes) == 1


def _web_template(name: str, path: str, replicas: str, namespace: str) -> str:
    """An ApplicationSet's template (YAML under `spec:`) of a chart given its replica count."""
    return (f"  template:\n    metadata: {{name: '{name}'}}\n    spec:\n      source:\n"
            f"        repoURL: git@github.com:acme/gitops.git\n        path: '{path}'\n"
            f"        helm: {{parameters: [{{name: replicaCount, value: '{replicas}'}}]}}\n"
            f"      destination: {{namespace: '{namespace}'}}\n")


# the features as a user scans them: a chart whose values.yaml gives 1 replica, deployed by an
# ApplicationSet whose feature sets the count (SIZE); 1 fires as that Application, 3 is silent
FEATURES = {
    "values": """\
  generators:
    - git:
        repoURL: git@github.com:acme/gitops.git
        files: [{path: 'envs/*/config.json'}]
        values: {replicas: '{{size}}'}
""" + _web_template("web-{{path.basename}}", "charts/web", "{{values.replicas}}", "{{path.basename}}"),
    "elementsYaml": """\
  goTemplate: true
  generators:
    - matrix:
        generators:
          - git:
              repoURL: git@github.com:acme/gitops.git
              files: [{path: 'envs/*/config.json'}]
          - list:
              elementsYaml: '{{ .components | toJson }}'
""" + _web_template("{{.name}}-{{.path.basename}}", "charts/{{.name}}", "{{.replicas}}", "{{.path.basename}}"),
    "template": """\
  generators:
    - list:
        elements: [{env: prod, size: 'SIZE'}]
        template:
          metadata: {}
          spec:
            source: {helm: {parameters: [{name: replicaCount, value: '{{size}}'}]}}
            destination: {}
  template:
    metadata: {name: 'web-{{env}}'}
    spec:
      source: {repoURL: 'git@github.com:acme/gitops.git', path: charts/web, helm: {releaseName: 'web-{{env}}'}}
      destination: {namespace: '{{env}}'}
""",
    "selector": """\
  generators:
    - list:
        elements: [{env: prod, size: 'SIZE'}, {env: dev, size: '1'}]
      selector: {matchLabels: {env: prod}}
""" + _web_template("web-{{env}}", "charts/web", "{{size}}", "{{env}}"),
}
# what makes each not known here: the set is not read, the chart judged alone
UNKNOWN = {"values": ("'{{size}}'", "'{{size | default}}'"),
           "elementsYaml": ("toJson", "toYaml"),
           "template": ("value: '{{size}}'", "value: '{{sizes}}'"),
           "selector": ("matchLabels: {env: prod}", "matchExpressions: [{key: env, operator: Gt, values: ['1']}]")}


def _feature_repository(root: Path, feature: str, size: int, known: bool = True) -> Path:
    from tests.test_helm import REQUIRED
    from tests.test_kustomize import GITOPS_REMOTE, write

    text = FEATURES[feature].replace("SIZE", str(size))
    if not known:
        assert UNKNOWN[feature][0] in text
        text = text.replace(*UNKNOWN[feature])
    write(root, {".git/config": GITOPS_REMOTE,
                 "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
                 "charts/web/values.yaml": "replicaCount: 1\nimage: nginx:1.27\n",
                 "charts/web/templates/deployment.yaml": REQUIRED.replace('required "image is required" ', ""),
                 "envs/prod/config.json": json.dumps({"size": str(size), "components": [{"name": "web",
                                                                                         "replicas": size}]}),
                 "appsets/web.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\n"
                                     "metadata: {name: web, namespace: argocd}\nspec:\n" + text})
    return root


def _single(root: Path) -> list[tuple[str, str]]:
    """The single-replica findings (RES101) of `resilint scan .`: resource, and what deploys it."""
    from linter.engine import ScanOptions, scan

    result = scan([str(root)], ScanOptions(select=["RES101"]))
    assert result.errors == []
    return sorted((f.resource, f.message.rsplit("(with ", 1)[-1]) for f in result.findings)


@needs_helm
@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_an_application_set_feature_deploys_the_chart_as_argo_cd_does(tmp_path, monkeypatch, feature):
    root = _feature_repository(tmp_path / "gitops", feature, 1)
    monkeypatch.chdir(root)
    [(resource, deployer)] = _single(root)
    assert resource == "Deployment/prod/web-prod"
    assert deployer == f"Argo CD Application web-prod in appsets/web.yaml)"
    _feature_repository(root, feature, 3)  # deployed with 3: the chart's own replicaCount: 1 is not what runs
    assert _single(root) == []
    # not known here: judged as the repository has it (the chart alone), never as an Application
    _feature_repository(root, feature, 3, known=False)
    assert [(resource, "Argo CD" in deployer) for resource, deployer in _single(root)] == [
        ("Deployment/default/web", False)]
