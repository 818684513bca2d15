"""A real repository holds much more than infrastructure: detection before
parsing, skips counted by reason, stdin, explicit names, duplicate paths,
rendered Kubernetes and pre-commit's context. Run as users run it: the CLI in
a subprocess, real files, real pipes, real `kubectl kustomize`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_precommit import SINGLE_REPLICA

# YAML that is not Kubernetes, each with the tag or syntax that made the scan exit 2
NOT_KUBERNETES = {
    "mkdocs.yml": "site_name: docs\nmarkdown_extensions:\n  - pymdownx.emoji:\n"
                  "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
    "cloudformation.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n"
                           "    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '${AWS::StackName}-b'\n"
                           "      Tags: [{Key: env, Value: !Ref Env}]\n",
    ".gitlab-ci.yml": ".setup:\n  script: [echo hi]\ntest:\n  script:\n    - !reference [.setup, script]\n",
    ".github/workflows/ci.yml": "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n",
    "group_vars/vault.yml": "$ANSIBLE_VAULT;1.1;AES256\n6162636465666768696a6b6c6d6e6f70\n",
    "compose.yaml": "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n",
    "values.yaml": "replicaCount: 1\nimage: {repository: nginx}\n",
    "bool.yaml": "!!bool",
}


def run(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "linter", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env=full_env, timeout=300)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def report(*args: str, cwd: Path, stdin: str | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    done = run("scan", *args, "--format", "json", cwd=cwd, stdin=stdin)
    return done, json.loads(done.stdout)


def test_yaml_that_is_not_kubernetes_is_skipped_never_an_error(tmp_path):
    assert len(NOT_KUBERNETES["bool.yaml"].encode()) == 6
    write(tmp_path, NOT_KUBERNETES)
    done, doc = report(".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert doc["errors"] == []
    assert doc["summary"]["files"] == 0
    assert doc["summary"]["skipped"] == len(NOT_KUBERNETES)
    (reason,) = doc["summary"]["skipped_by_reason"]
    assert "not Kubernetes" in reason
    # the text summary counts them by reason; --verbose lists each one on stderr
    text = run("scan", ".", "--verbose", cwd=tmp_path)
    assert text.returncode == 0
    assert f"skipped {len(NOT_KUBERNETES)} file(s)" in text.stdout
    listed = [line for line in text.stderr.splitlines() if line.startswith("resilint: skipped ")]
    assert sorted(line.split()[2].rstrip(":") for line in listed) == sorted(
        os.path.normpath(n) for n in NOT_KUBERNETES)


def test_each_skipped_file_named_on_the_command_line_gets_a_warning_and_the_exit_code_stays(tmp_path):
    write(tmp_path, NOT_KUBERNETES)
    done = run("scan", *NOT_KUBERNETES, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warned) == len(NOT_KUBERNETES), done.stderr
    assert all("not Kubernetes" in line for line in warned)
    # with a finding elsewhere, the exit code is the finding's, not the warning's
    write(tmp_path, {"deploy.yaml": SINGLE_REPLICA})
    assert run("scan", "mkdocs.yml", "deploy.yaml", cwd=tmp_path).returncode == 1


def test_kubernetes_yaml_that_is_broken_is_still_an_input_error(tmp_path):
    write(tmp_path, {"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: [}\n", **NOT_KUBERNETES})
    done, doc = report(".", cwd=tmp_path)
    assert done.returncode == 2
    assert [(e["file"], e["line"]) for e in doc["errors"]] == [("svc.yaml", 3)]
    # an unknown tag in a file that is Kubernetes is an error too (safe loading)
    write(tmp_path, {"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: !Ref web}\n"})
    done, doc = report("svc.yaml", cwd=tmp_path)
    assert done.returncode == 2 and doc["errors"][0]["line"] == 3


def test_a_file_named_explicitly_is_read_by_content_whatever_its_extension(tmp_path):
    write(tmp_path, {"install_ha.golden": SINGLE_REPLICA, "notes.golden": "just text\n"})
    done, doc = report("install_ha.golden", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert {(f["rule_id"], f["file"], f["line"]) for f in doc["findings"]} >= {("RES101", "install_ha.golden", 5)}
    # a directory walk does not read every file by content: only the names the loaders claim
    done, doc = report(".", cwd=tmp_path)
    assert done.returncode == 0 and doc["summary"]["files"] == 0
    # a named file nothing recognises: a warning naming it, exit code unchanged
    done = run("scan", "notes.golden", cwd=tmp_path)
    assert done.returncode == 0
    assert "notes.golden: skipped: no loader recognises its content" in done.stderr


def test_stdin_through_a_real_pipe(tmp_path):
    manifest = write(tmp_path, {"deploy.yaml": SINGLE_REPLICA}) / "deploy.yaml"
    with open(manifest, "rb") as source:
        cat = subprocess.Popen(["cat"], stdin=source, stdout=subprocess.PIPE)
        done = subprocess.run([sys.executable, "-m", "linter", "scan", "-", "--format", "json"], stdin=cat.stdout,
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)
        cat.stdout.close()
        cat.wait()
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert {(f["rule_id"], f["file"], f["line"]) for f in doc["findings"]} >= {("RES101", "-", 5)}


def test_stdin_filename_names_stdin_in_reports_and_its_inline_suppressions_count(tmp_path):
    (tmp_path / "k8s").mkdir()
    text = "# resilint:ignore RES101 the api runs alone until launch\n" + SINGLE_REPLICA
    done, doc = report("-", "--stdin-filename", "k8s/api.yaml", cwd=tmp_path, stdin=text)
    res101 = [f for f in doc["findings"] if f["rule_id"] == "RES101"]
    assert [(f["file"], f["line"], f["suppressed"]) for f in res101] == [("k8s/api.yaml", 6, True)]
    # --stdin-filename with no path reads stdin too (ruff, eslint)
    done, doc = report("--stdin-filename", "api.yaml", cwd=tmp_path, stdin=SINGLE_REPLICA)
    assert done.returncode == 1 and {f["file"] for f in doc["findings"]} == {"api.yaml"}
    # the format is found by content: a plan on stdin is a plan
    plan = (REPO / "fixtures" / "RES301" / "fail-plan-multi-az-false.json").read_text()
    done, doc = report("-", cwd=tmp_path, stdin=plan)
    assert "RES301" in {f["rule_id"] for f in doc["findings"]} and doc["errors"] == []
    assert {f["resource_type"] for f in doc["findings"]} == {"aws_db_instance"}


def test_plain_scan_with_piped_input_scans_the_directory_and_says_stdin_is_not_read(tmp_path):
    write(tmp_path, {"deploy.yaml": SINGLE_REPLICA})
    done = subprocess.run(f"echo 'kind: Nothing' | {sys.executable} -m linter scan -q", shell=True, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1  # deploy.yaml, found in `.`
    assert "stdin is not read (use `resilint scan -`" in done.stderr


def test_paths_are_deduplicated_by_real_path(tmp_path):
    write(tmp_path, {"examples/deploy.yaml": SINGLE_REPLICA})
    os.symlink("examples", tmp_path / "link")
    _, once = report("examples", cwd=tmp_path)
    done, twice = report("examples", "./examples", "examples/deploy.yaml", "link", cwd=tmp_path)
    assert done.returncode == 1
    assert twice["summary"] == once["summary"]
    assert len([f for f in twice["findings"] if f["rule_id"] == "RES101"]) == 1
    baseline = run("baseline", "examples", "./examples", "-o", "b.json", cwd=tmp_path)
    assert baseline.returncode == 0, baseline.stderr
    recorded = json.loads((tmp_path / "b.json").read_text())
    assert [e.get("count", 1) for e in recorded["findings"] if e["rule_id"] == "RES101"] == [1]


def test_helm_templates_named_explicitly_render_their_chart(tmp_path):
    write(tmp_path, {
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
        "chart/values.yaml": "replicas: 1\n",
        "chart/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                                           "  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n",
        "chart/templates/_helpers.tpl": '{{- define "web.name" -}}web{{- end }}\n',
    })
    done = run("scan", "chart/templates/deployment.yaml", "chart/templates/_helpers.tpl", cwd=tmp_path)
    # never parsed as manifests: each stands for its chart, rendered once (or a note says how)
    assert "2 rendered with the Helm chart in chart" in done.stdout, done.stdout
    if shutil.which("helm") is None:
        assert done.returncode == 0 and "chart: a Helm chart, not judged: helm is not on PATH" in done.stderr
    else:
        assert done.returncode == 1 and done.stdout.count("RES101") == 1, done.stdout
    # the walk does not enter templates/; the chart itself is rendered, or a note says how
    done, doc = report(".", cwd=tmp_path, stdin=None)
    assert doc["errors"] == []
    if shutil.which("helm") is None:
        assert done.returncode == 0
        assert "chart: a Helm chart, not judged: helm is not on PATH (`helm template chart | resilint scan -`)" \
            in done.stderr
    else:  # judged as `helm template` renders it: the template's one replica, reported once
        assert done.returncode == 1
        assert [(f["rule_id"], f["file"], f["notes"]) for f in doc["findings"] if f["rule_id"] == "RES101"] == \
            [("RES101", "chart/templates/deployment.yaml",
              ["`.Values.replicas` = 1, set at chart/values.yaml:1", "as rendered by `helm template chart`"])]


KUSTOMIZE = {
    "base/deploy.yaml": SINGLE_REPLICA.replace("namespace: shop", "labels: {app: api}"),
    "base/kustomization.yaml": "resources: [deploy.yaml]\n",
    "overlays/prod/kustomization.yaml": "namespace: prod\nresources: [../../base]\npatches:\n- path: replicas.yaml\n",
    "overlays/prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  replicas: 3\n",
    "overlays/dev/kustomization.yaml": "namespace: dev\nnamePrefix: dev-\nresources: [../../base]\n",
}


def needs_kustomize() -> None:
    if shutil.which("kustomize") is None and shutil.which("kubectl") is None:
        pytest.skip("neither kustomize nor kubectl is on PATH: overlays cannot be rendered")


def test_an_overlay_is_judged_as_kustomize_renders_it(tmp_path):
    needs_kustomize()
    write(tmp_path, KUSTOMIZE)
    done, doc = report(".", "--verbose", cwd=tmp_path)
    assert doc["errors"] == [], doc["errors"]
    by = {(f["rule_id"], f["resource"]): f for f in doc["findings"]}
    # prod patches replicas to 3: the base's `replicas: 1` is not reported there,
    # and the objects live in the overlay's namespace
    assert ("RES101", "Deployment/prod/api") not in by
    assert ("RES101", "Deployment/default/api") not in by  # the base is not judged on its own
    assert ("RES501", "Deployment/prod/api") in by  # 3 replicas and no PDB: judged on the rendered count
    # dev keeps the base's 1 replica: reported at the base's line, though the overlay renamed it dev-api
    # (kustomize's origin annotation names the file; resilint asks for it through a kustomization of its own)
    dev = by[("RES101", "Deployment/dev/dev-api")]
    assert (dev["file"], dev["line"]) == ("base/deploy.yaml", KUSTOMIZE["base/deploy.yaml"].splitlines().index(
        "  replicas: 1") + 1)
    assert dev["severity"] == "high" and done.returncode == 1
    # an object unchanged in kind and name points at its base file and line, naming the overlay
    probe = by[("RES503", "Deployment/prod/api")]
    assert probe["file"] == "base/deploy.yaml" and probe["line"] == 10
    assert "kustomize overlays/prod" in " ".join(probe.get("notes") or []) + probe["message"] + str(probe)
    skipped = [line for line in done.stderr.splitlines() if line.startswith("resilint: skipped ")]
    assert "resilint: skipped base/deploy.yaml: rendered with the kustomization in overlays/dev" in skipped or \
        "resilint: skipped base/deploy.yaml: rendered with the kustomization in overlays/prod" in skipped
    assert any(line.startswith("resilint: skipped overlays/prod/replicas.yaml: rendered") for line in skipped)


def test_a_staged_file_of_an_overlay_renders_its_kustomization(tmp_path):
    needs_kustomize()
    write(tmp_path, KUSTOMIZE)
    done, doc = report("overlays/prod/replicas.yaml", cwd=tmp_path)
    assert doc["errors"] == []
    assert {f["resource"] for f in doc["findings"]} == {"Deployment/prod/api"}
    assert "RES101" not in {f["rule_id"] for f in doc["findings"]}


def test_a_kustomization_that_kustomize_rejects_is_an_input_error(tmp_path):
    needs_kustomize()
    write(tmp_path, {"k/kustomization.yaml": "resources: [missing.yaml]\n"})
    done, doc = report(".", cwd=tmp_path)
    assert done.returncode == 2
    (error,) = doc["errors"]
    assert error["file"] == "k/kustomization.yaml" and "failed" in error["message"]
    assert "missing.yaml" in error["message"]


PDB = textwrap.dedent("""\
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web, namespace: shop}
    spec:
      maxUnavailable: 1
      selector: {matchLabels: {app: web}}
    """)
WEB = (SINGLE_REPLICA.replace("app: api", "app: web").replace("name: api", "name: web")
       .replace("replicas: 1", "replicas: 3"))


def test_a_named_manifest_is_judged_with_its_directory_as_context(tmp_path):
    write(tmp_path, {"k8s/web.yaml": WEB, "k8s/pdb.yaml": PDB, "k8s/api.yaml": SINGLE_REPLICA})
    done, doc = report("k8s/web.yaml", cwd=tmp_path)
    rules = {f["rule_id"] for f in doc["findings"]}
    assert "RES501" not in rules  # the PDB in the sibling file protects it
    # only the named file's findings: api.yaml's RES101 is context, not reported
    assert {f["file"] for f in doc["findings"]} == {"k8s/web.yaml"}
    assert doc["summary"]["files"] == 1
    # a broken sibling is not the named file's error
    write(tmp_path, {"k8s/broken.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: [}\n"})
    done, doc = report("k8s/web.yaml", cwd=tmp_path)
    assert doc["errors"] == [] and done.returncode == 0


TERRAFORM_MODULE = {
    "queue.tf": 'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n',
    "dlq.tf": 'resource "aws_sqs_queue" "jobs_dlq" {\n  name = "jobs-dlq"\n  message_retention_seconds = 1209600\n}\n'
              'resource "aws_sqs_queue_redrive_policy" "jobs" {\n  queue_url = aws_sqs_queue.jobs.id\n'
              '  redrive_policy = jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn\n'
              '    maxReceiveCount = 5\n  })\n}\n',
}


def test_a_terraform_file_named_alone_is_judged_within_its_module(tmp_path):
    write(tmp_path, {f"infra/{n}": t for n, t in TERRAFORM_MODULE.items()})
    alone = [f for f in report("infra/queue.tf", "--select", "RES401", cwd=tmp_path)[1]["findings"]
             if f["resource"] == "aws_sqs_queue.jobs"]
    assert alone == []  # its DLQ is attached in dlq.tf, which was not named
    # without the attachment the queue has no DLQ, whichever file is named (even a .tfvars)
    (tmp_path / "infra" / "dlq.tf").write_text('resource "aws_sqs_queue" "other" {\n  name = "x"\n}\n')
    (tmp_path / "infra" / "terraform.tfvars").write_text('region = "eu-west-1"\n')
    for named in ("infra/queue.tf", "infra/dlq.tf", "infra/terraform.tfvars"):
        done, doc = report(named, "--select", "RES401", cwd=tmp_path)
        assert ("aws_sqs_queue.jobs", "infra/queue.tf") in {(f["resource"], f["file"]) for f in doc["findings"]}, named


def test_each_file_takes_the_nearest_config_at_or_above_it(tmp_path):
    write(tmp_path, {
        "a/api.yaml": SINGLE_REPLICA,
        "a/.resilint.yaml": "ignore:\n  - rule: RES101\n    reason: a runs alone until launch\n",
        "b/other.yaml": SINGLE_REPLICA.replace("name: api", "name: other"),
    })

    def res101(*args: str) -> dict[str, bool]:
        _, doc = report(*args, cwd=tmp_path)
        return {f["file"]: f["suppressed"] for f in doc["findings"] if f["rule_id"] == "RES101"}

    # a/.resilint.yaml governs a/api.yaml whatever else is named (pre-commit stages vary)
    assert res101("a/api.yaml", "b/other.yaml") == {"a/api.yaml": True, "b/other.yaml": False}
    assert res101("a/api.yaml") == {"a/api.yaml": True}
    assert res101(".") == {"a/api.yaml": True, "b/other.yaml": False}
    # --config FILE: one config for every file
    assert res101("a/api.yaml", "b/other.yaml", "--config", "a/.resilint.yaml") == \
        {"a/api.yaml": True, "b/other.yaml": True}
    # a nested config's fail_on applies to its files only; a flag still wins
    (tmp_path / "b" / ".resilint.yaml").write_text("fail_on: critical\n")
    (tmp_path / "a" / ".resilint.yaml").write_text("fail_on: high\n")
    assert run("scan", "b/other.yaml", "a/api.yaml", cwd=tmp_path).returncode == 1  # a's RES101 at high
    assert run("scan", "b/other.yaml", cwd=tmp_path).returncode == 0
    assert run("scan", "b/other.yaml", "a/api.yaml", "--fail-on", "critical", cwd=tmp_path).returncode == 0
    # a typo in a nested config is an error naming it, not rules silently off
    (tmp_path / "b" / ".resilint.yaml").write_text("select: [RSE1]\n")
    done = run("scan", "a", "b", cwd=tmp_path)
    assert done.returncode == 2 and "b/.resilint.yaml" in done.stdout + done.stderr


def test_a_linked_file_or_directory_takes_the_config_of_where_it_really_is(tmp_path):
    """The config lookup starts from a file's real path: a symbolic link to a file,
    or a file in a linked directory named on the command line, is judged under the
    config beside its target."""
    write(tmp_path, {
        "real/.resilint.yaml": "ignore:\n  - rule: RES101\n    reason: real runs alone\n",
        "real/api.yaml": SINGLE_REPLICA,
        "realdir/.resilint.yaml": "ignore:\n  - rule: RES101\n    reason: realdir runs alone\n",
        "realdir/web.yaml": SINGLE_REPLICA.replace("name: api", "name: web"),
        "scan/plain.yaml": SINGLE_REPLICA.replace("name: api", "name: plain"),
    })
    os.symlink("../real/api.yaml", tmp_path / "scan" / "api.yaml")
    os.symlink("../realdir", tmp_path / "scan" / "linked")
    done, doc = report("scan", "scan/linked", cwd=tmp_path)  # a walk does not follow linked directories
    assert {f["file"]: f["suppression_reason"] for f in doc["findings"] if f["rule_id"] == "RES101"} == {
        "scan/api.yaml": "real runs alone", "scan/linked/web.yaml": "realdir runs alone", "scan/plain.yaml": None}


def test_junit_lists_for_each_file_only_the_rules_its_config_ran(tmp_path):
    """Files under a nested config run its selection: JUnit must not list a
    passing RES503 case for a file where RES503 did not run."""
    write(tmp_path, {
        "a/api.yaml": SINGLE_REPLICA,
        "a/.resilint.yaml": "select: [RES101]\n",
        "b/other.yaml": SINGLE_REPLICA.replace("name: api", "name: other"),
        ".resilint.yaml": "select: [RES101, RES503]\n",
    })
    done = run("scan", ".", "-f", "junit", cwd=tmp_path)
    import xml.etree.ElementTree as ET

    cases = {(s.get("name"), c.get("name").split()[0]) for s in ET.fromstring(done.stdout)
             for c in s.iter("testcase")}
    assert ("a/api.yaml", "RES101") in cases and ("b/other.yaml", "RES503") in cases
    assert ("a/api.yaml", "RES503") not in cases, sorted(cases)


def test_a_nested_configs_policies_run_on_its_files_only(tmp_path):
    pytest.importorskip("regopy", reason="custom Rego policies need regopy")
    write(tmp_path, {
        "a/api.yaml": SINGLE_REPLICA,
        "a/.resilint.yaml": "policies: [team]\n",
        "a/team/p.rego": "package team.nested\nimport rego.v1\n"
                         "deny contains {\"msg\": \"from a's policies\", \"resource\": r.address} if {\n"
                         "  some r in input.resources\n}\n",
        "b/other.yaml": SINGLE_REPLICA.replace("name: api", "name: other"),
    })
    _, doc = report(".", "--select", "REGO", cwd=tmp_path)
    assert [(f["file"], f["message"]) for f in doc["findings"]] == [("a/api.yaml", "from a's policies")], doc


def test_a_helm_chart_is_rendered_with_helm_template_and_its_values(tmp_path):
    if shutil.which("helm") is None:
        pytest.skip("helm is not on PATH: charts get a note instead (see the Helm templates test)")
    write(tmp_path, {
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
        "chart/values.yaml": "replicas: 3\n",
        "prod.yaml": "replicas: 1\n",
        "chart/templates/deployment.yaml": SINGLE_REPLICA.replace("name: api", "name: {{ .Release.Name }}")
                                                         .replace("replicas: 1", "replicas: {{ .Values.replicas }}"),
    })
    _, doc = report("chart", cwd=tmp_path)
    assert doc["errors"] == [] and "RES101" not in {f["rule_id"] for f in doc["findings"]}
    _, doc = report("chart", "--helm-values", "prod.yaml", cwd=tmp_path)
    assert [(f["rule_id"], f["file"]) for f in doc["findings"] if f["rule_id"] == "RES101"] == \
        [("RES101", "chart/templates/deployment.yaml")]


def test_terraform_on_stdin_with_a_name_is_judged_within_that_module(tmp_path):
    write(tmp_path, {f"infra/{n}": t for n, t in TERRAFORM_MODULE.items()})
    # the editor's unsaved buffer of queue.tf: the DLQ attachment in dlq.tf on disk still counts
    buffer = TERRAFORM_MODULE["queue.tf"].replace('"jobs"\n', '"jobs-v2"\n')
    _, doc = report("-", "--stdin-filename", "infra/queue.tf", "--select", "RES401", cwd=tmp_path, stdin=buffer)
    assert doc["errors"] == [] and [f for f in doc["findings"] if f["resource"] == "aws_sqs_queue.jobs"] == []
    # bare stdin is judged alone: the queue has no DLQ there
    _, doc = report("-", "--select", "RES401", cwd=tmp_path / "infra", stdin=buffer)
    assert [(f["resource"], f["file"]) for f in doc["findings"]] == [("aws_sqs_queue.jobs", "-")]
