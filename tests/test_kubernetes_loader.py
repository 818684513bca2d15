"""The Kubernetes loader on the shapes real manifests come in, and on bad input."""

from __future__ import annotations

import shutil

import textwrap

import pytest

from linter.loaders import load_paths
from linter.model import InputError
from tests.conftest import corpus_dir


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def load(path):
    return load_paths([str(path)])


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: a
        image: nginx
      - name: b
        image: envoy
"""


def test_multi_document_with_lines_and_field_lines(tmp_path):
    path = write(tmp_path, "m.yaml", "---\n# comment only document\n---\n" + DEPLOYMENT.lstrip("\n") + "---\n" + """
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}}
""".lstrip("\n"))
    out = load(path)
    assert not out.errors
    dep, svc = out.resources
    assert (dep.type, dep.address, dep.location.line) == ("apps/Deployment", "Deployment/shop/web", 4)
    assert (svc.type, svc.address, svc.namespace) == ("core/Service", "Service/default/web", None)
    assert svc.location.line == 19
    assert dep.line_for("spec.replicas") == 10
    assert dep.line_for("spec.template.spec.containers.1") == 16
    # a path that does not exist points at its deepest existing ancestor
    assert dep.line_for("spec.strategy.type") == 9


def test_list_kind_items_become_objects_with_their_own_lines(tmp_path):
    path = write(tmp_path, "list.yaml", """
    apiVersion: v1
    kind: List
    items:
    - apiVersion: apps/v1
      kind: Deployment
      metadata: {name: a}
      spec: {replicas: 3}
    - apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: b, namespace: data}
      spec: {replicas: 1}
    """)
    out = load(path)
    assert not out.errors
    assert [(r.address, r.location.line) for r in out.resources] == [
        ("Deployment/default/a", 4), ("StatefulSet/data/b", 8)]
    assert out.resources[1].line_for("spec.replicas") == 11


def test_deployment_list_kind(tmp_path):
    path = write(tmp_path, "dl.yaml", """
    apiVersion: apps/v1
    kind: DeploymentList
    items:
    - {apiVersion: apps/v1, kind: Deployment, metadata: {name: x}, spec: {replicas: 2}}
    """)
    assert [r.address for r in load(path).resources] == ["Deployment/default/x"]


def test_yaml_without_kubernetes_objects_is_ignored(tmp_path):
    write(tmp_path, "values.yaml", "replicaCount: 1\nimage: {repository: nginx}\n")
    write(tmp_path, "playbook.yml", "- hosts: all\n  tasks: []\n")
    out = load(tmp_path)
    assert not out.errors and not out.resources and not out.files


@pytest.mark.parametrize(
    "text,line,words",
    [
        ("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n   bad: indent\n", 5, "invalid YAML"),
        ("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n", 5, "duplicate key 'name' (first defined on line 4)"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: !!python/object/apply:os.system ['true']\n", 4, "!!python"),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  {{- if .Values.ha }}\n  replicas: 3\n  {{- end }}\n", 6, "unrendered template"),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n", 4, "unrendered template"),
        ("apiVersion: v1\nkind: Service\nmetadata:\n  name: \"{{ .Release.Name }}-svc\"\n", 4, "unrendered template in metadata.name"),
        ("apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n- just\n- a list\n", 5, "document 2 is a list, expected a mapping"),
    ],
    ids=["syntax", "duplicate-key", "python-tag", "helm-block", "helm-flow", "helm-quoted", "non-mapping"],
)
def test_bad_input_is_an_error_with_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = load(path)
    # a broken document of a multi-document file is an error of its own: the others are judged
    assert [r.address for r in out.resources] == (["Service/default/a"] if "---" in text else [])
    assert len(out.errors) == 1
    err = out.errors[0]
    assert isinstance(err, InputError)
    assert err.file.endswith("bad.yaml") and err.line == line, (err.line, err.message)
    assert words in err.message


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {}}}\n"


@pytest.mark.parametrize(
    "text,lines,words,read",
    [
        (CM.format("a") + "--- !!map\n" + CM.format("b"), [4], "invalid document separator '--- !!map'", ["a", "b"]),
        (CM.format("a") + "----\n" + CM.format("b"), [4], "invalid document separator '----'", ["a"]),
        ("%YAML 1.1\n---\n" + CM.format("a"), [1], "a YAML directive ('%YAML 1.1')", ["a"]),
        (CM.format("a") + "---\n%TAG !e! tag:example.com,2000:\n---\n" + CM.format("b"), [5],
         "a YAML directive ('%TAG !e! tag:example.com,2000:')", ["a", "b"]),
        ("\n  {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n", [2],
         "kubectl reads a file that starts with `{` as JSON", ["a"]),
        ('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}\n---\n' + CM.format("b"), [2],
         "and this one is not: Expecting value (column 1)", ["a", "b"]),
        ("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, metadata: {name: a}}\n- " + CM.format("b").strip().replace(
            "\n", "\n  ") + "\n- 3\n- {kind: ConfigMapList, apiVersion: v1, items: []}\n", [4, 8, 9],
         "item 0 of List has no kind", ["b"]),
        # a number past Python's conversion limit in a text read as JSON too: one error, no crash
        ('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "n": 1' + "0" * 4400 + "}\n", [1],
         "a number with more than 4300 digits", []),
        # kubectl reads the document before a `...` line alone, and ignores one after it without `---`
        (CM.format("a") + "...\n# b\n" + CM.format("b"), [6], "a document after a `...` line must start with `---`",
         ["a"]),
    ],
    ids=["separator-with-a-tag", "separator-of-four-dashes", "yaml-directive", "tag-directive-later",
         "flow-mapping-first", "json-then-yaml", "list-items", "huge-number-in-json", "document-after-an-end-marker"],
)
def test_what_kubectl_refuses_is_an_error_at_its_line_and_the_rest_is_read(tmp_path, text, lines, words, read):
    """kubectl cuts a manifest at lines starting with `---` (refusing one with more than a
    comment after the dashes) and parses each piece alone (refusing a directive); it reads a
    text starting with `{` as JSON, and refuses an item of a list that is no object or is a
    list itself. Each is an error at its line; the documents and items it does not touch are
    still judged (a broken document's neighbours are)."""
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = load(path)
    assert [e.line for e in out.errors] == lines, [(e.line, e.message) for e in out.errors]
    assert words in out.errors[0].message
    assert sorted(r.name for r in out.resources) == read


def test_a_document_separator_with_a_comment_and_a_percent_sign_in_a_value_are_fine(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(CM.format("a") + 'data:\n  b: "x\n%y"\n--- # next\t\n' + CM.format("b") + "---\t\n")
    out = load(path)
    assert out.errors == [] and sorted(r.name for r in out.resources) == ["a", "b"]
    # an object of any kind whose `items` is a list is a list, as kubectl reads it
    path.write_text("apiVersion: example.com/v1\nkind: Bundle\nmetadata: {name: x}\nitems:\n"
                    "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n")
    assert [r.address for r in load(path).resources] == ["ConfigMap/default/a"]
    # one whose items are no objects (a tool's config) is the object it is, not an error
    path.write_text("apiVersion: example.com/v1\nkind: Menu\nmetadata: {name: x}\nitems: [tea, cake]\n")
    out = load(path)
    assert out.errors == [] and [r.address for r in out.resources] == ["Menu/default/x"]


def test_template_text_inside_a_configmap_value_is_data_not_an_error(tmp_path):
    # Go templates inside data (alert templates, injector configs) are legitimate values
    path = write(tmp_path, "cm.yaml", """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: alerts}
    data:
      summary: "{{ $labels.instance }} is down"
    """)
    out = load(path)
    assert not out.errors and len(out.resources) == 1


def test_one_bad_file_does_not_hide_the_others(tmp_path):
    write(tmp_path, "a-bad.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a\n")
    write(tmp_path, "b-good.yaml", DEPLOYMENT)
    out = load(tmp_path)
    assert [e.file for e in out.errors] == [str(tmp_path / "a-bad.yaml")]
    assert [r.address for r in out.resources] == ["Deployment/shop/web"]


def test_directory_walk_skips_vcs_caches_virtualenvs_and_helm_templates(tmp_path):
    for sub in (".git", "node_modules", ".terraform", "venv-x", "chart/templates"):
        (tmp_path / sub).mkdir(parents=True)
        write(tmp_path / sub, "d.yaml", DEPLOYMENT)
    (tmp_path / "venv-x" / "pyvenv.cfg").write_text("home = /usr\n")
    write(tmp_path / "chart", "Chart.yaml", "apiVersion: v2\nname: chart\nversion: 1.0.0\n")
    write(tmp_path, "app.yaml", DEPLOYMENT)
    out = load(tmp_path)
    assert not out.errors
    # the templates are never parsed as manifests: the chart is rendered by helm, when on PATH
    assert [r.location.file for r in out.resources if "rendered_from" not in r.meta] == [str(tmp_path / "app.yaml")]
    assert [r.meta["rendered_from"] for r in out.resources if "rendered_from" in r.meta] == \
        ([f"helm template {tmp_path / 'chart'}"] if shutil.which("helm") else [])


def test_missing_path_is_an_error(tmp_path):
    out = load(tmp_path / "nope.yaml")
    assert out.errors and "no such file" in out.errors[0].message


def test_helm_rendered_corpus_file_keeps_source_comments_out_of_the_way():
    path = corpus_dir("kubernetes") / "kube-score__linenumbers-helm.yaml"
    out = load(path)
    assert not out.errors
    # two Deployments; each object's line is its first key, after `# Source:` comments
    text = path.read_text().splitlines()
    assert [r.location.line for r in out.resources] == [3, 14]
    assert all(text[r.location.line - 1] == "kind: Deployment" for r in out.resources)
    assert [r.address for r in out.resources] == ["Deployment/default/foo", "Deployment/default/foo2"]


def test_whole_kubernetes_corpus_loads_without_errors():
    out = load(corpus_dir("kubernetes"))
    assert not out.errors, [str(e) for e in out.errors]
    assert len(out.files) == 25
    types = {r.type for r in out.resources}
    assert {"apps/Deployment", "apps/StatefulSet", "core/Service", "policy/PodDisruptionBudget",
            "autoscaling/HorizontalPodAutoscaler", "networking.istio.io/VirtualService",
            "networking.istio.io/DestinationRule", "batch/CronJob", "batch/Job"} <= types


def test_loader_never_writes_to_inputs(tmp_path):
    path = write(tmp_path, "m.yaml", DEPLOYMENT)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


# a Deployment of one replica in namespace shop, as the CLI tests write it
from tests.test_cli import SINGLE as _WEB  # noqa: E402


@pytest.mark.parametrize("before", [
    pytest.param("# licence header\n" * 8000, id="long-comment-header"),
    pytest.param("values:\n" + "".join(f"  key{i}: value\n" for i in range(12000)) + "---\n", id="big-first-document"),
    pytest.param("# " + "x" * 2_500_000 + "\n", id="one-line-longer-than-a-read"),
], )
def test_a_manifest_whose_object_starts_past_the_first_64_kib_is_found(tmp_path, before):
    """Detection reads the first 64 KiB, then streams the rest: an object after a
    long header or a big first document is loaded (and at its own line)."""
    from linter.loaders.registry import HEAD_BYTES

    (tmp_path / "late.yaml").write_text(before + _WEB)
    assert len(before.encode()) > HEAD_BYTES
    loaded = load_paths([str(tmp_path)])
    assert not loaded.errors and not loaded.skipped, (loaded.errors, loaded.skipped)
    [web] = loaded.resources
    assert web.address == "Deployment/shop/web"
    assert web.location.line == before.count("\n") + 1


def test_a_big_yaml_file_with_no_kubernetes_object_is_still_skipped(tmp_path):
    (tmp_path / "values.yaml").write_text("values:\n" + "".join(f"  key{i}: value\n" for i in range(12000))
                                          + "# kind: Deployment\n  apiVersion: v1\n")
    loaded = load_paths([str(tmp_path)])
    assert not loaded.resources and not loaded.errors
    assert [s.file for s in loaded.skipped] == [str(tmp_path / "values.yaml")]


def test_a_whole_value_placeholder_is_unknown_names_and_selectors_stay_as_written(tmp_path):
    """`${NAME}` is substituted at deploy time (Flux's postBuild, envsubst in a pipeline):
    `replicas: ${replicas}` is a number not known here, not a string Kubernetes refuses.
    Names, labels and selectors keep their text: one placeholder names one value."""
    from linter.engine import ScanOptions, scan
    from linter.model import is_unknown

    (tmp_path / "app.yaml").write_text(textwrap.dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: "${namespace}", labels: {app: "${app}"}}
        spec:
          replicas: ${replicas}
          minReadySeconds: ${ready:=10}
          selector: {matchLabels: {app: "${app}"}}
          template:
            metadata: {labels: {app: "${app}"}}
            spec:
              containers:
                - name: api
                  image: example/api:${version}
                  env: [{name: MODE, value: "${mode}"}, {name: COST, value: "${a}-${b}"}]
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: api, namespace: "${namespace}"}
        spec: {minAvailable: "${min}", selector: {matchLabels: {app: "${app}"}}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: worker}
        spec:
          replicas: 1
          selector: {matchLabels: {app: worker}}
          template:
            metadata: {labels: {app: worker}}
            spec: {containers: [{name: worker, image: "example/worker:${version}"}]}
        """))
    loaded = load_paths([str(tmp_path / "app.yaml")])
    assert loaded.errors == []
    api, pdb, worker = loaded.resources
    assert api.address == "Deployment/${namespace}/api" and api.attrs["metadata"]["labels"] == {"app": "${app}"}
    spec = api.attrs["spec"]
    assert is_unknown(spec["replicas"]) and is_unknown(spec["minReadySeconds"]) and is_unknown(pdb.attrs["spec"]["minAvailable"])
    assert spec["selector"] == {"matchLabels": {"app": "${app}"}}
    container = spec["template"]["spec"]["containers"][0]
    assert container["name"] == "api" and container["image"] == "example/api:${version}"  # part of a text: text
    assert is_unknown(container["env"][0]["value"]) and container["env"][1]["value"] == "${a}-${b}"
    result = scan([str(tmp_path / "app.yaml")], ScanOptions(select=["RES101"]))
    assert [f.resource for f in result.findings] == ["Deployment/default/worker"]  # the known count only
