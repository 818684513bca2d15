"""Kubernetes objects written as JSON (`kubectl apply -f deploy.json`): their findings are at
the lines of the fields they name, as a YAML manifest's are (before, a JSON object's findings
had no line at all); a stream of JSON objects is read as kubectl reads it (kubernetes' own
hack/testdata/multi-resource-json.json: before, an input error), and JSON lines that are no
Pulumi event log are not infrastructure (kubernetes' ABAC policy files: before, an error)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from linter.engine import ScanOptions, scan

KUBECTL = shutil.which("kubectl")


def deployment(name: str, replicas: int = 1) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name, "image": "nginx:1.27"}]}}}}


def line_of(text: str, needle: str, after: int = 0) -> int:
    return text.count("\n", 0, text.index(needle, after)) + 1


def findings(path, select=("RES101", "RES503")) -> list[tuple[str, str, int | None]]:
    result = scan([str(path)], ScanOptions(select=list(select)))
    assert result.errors == []
    return sorted((f.rule_id, f.resource, f.line) for f in result.findings)


@pytest.mark.parametrize("indent", [2, "\t"], ids=["spaces", "tabs"])
def test_a_json_object_s_findings_are_at_the_lines_of_their_fields(tmp_path, indent):
    # tabs: JSON allows them, YAML (which JSON's flow style otherwise is) does not
    text = json.dumps(deployment("web"), indent=indent)
    (tmp_path / "web.json").write_text(text)
    assert findings(tmp_path / "web.json") == [
        ("RES101", "Deployment/default/web", line_of(text, '"replicas"')),
        ("RES503", "Deployment/default/web", line_of(text, '"name": "web"', text.index('"containers"')) - 1)]


def test_a_stream_of_json_objects_is_read_as_kubectl_reads_it(tmp_path):
    text = json.dumps(deployment("api"), indent=2) + "\n" + json.dumps(deployment("web", 3), indent=2) + "\n" \
        + json.dumps(deployment("jobs")) + "\n"
    (tmp_path / "stream.json").write_text(text)
    assert findings(tmp_path / "stream.json", ["RES101"]) == [
        ("RES101", "Deployment/default/api", line_of(text, '"replicas"')),
        ("RES101", "Deployment/default/jobs", text.count("\n")),  # the one written on one line
    ]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH")
def test_the_objects_of_a_stream_are_those_kubectl_reads(tmp_path):
    """The oracle: `kubectl label --local -o name` reads the file as `kubectl apply` does,
    with no cluster, and names each object it read (a List's items one by one)."""
    text = "".join(json.dumps(deployment(name)) + "\n" for name in ("a", "b")) + json.dumps(
        {"apiVersion": "v1", "kind": "List", "items": [deployment("c"), deployment("d")]}, indent=1)
    (tmp_path / "stream.json").write_text(text)
    done = subprocess.run([KUBECTL, "label", "--local", "-o", "name", "-f", str(tmp_path / "stream.json"), "x=y"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    read = [line.rpartition("/")[2] for line in done.stdout.split()]
    assert read == ["a", "b", "c", "d"]
    assert [r.name for r in scan([str(tmp_path / "stream.json")], ScanOptions()).resources] == read


def test_a_json_list_s_items_are_at_their_own_lines(tmp_path):
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": [deployment("api", 3), deployment("web")]},
                      indent=2)
    (tmp_path / "list.json").write_text(text)
    assert findings(tmp_path / "list.json", ["RES101"]) == [
        ("RES101", "Deployment/default/web", line_of(text, '"replicas": 1'))]


def test_a_stream_holding_something_else_than_objects_is_an_error_at_its_line(tmp_path):
    text = json.dumps(deployment("api"), indent=2) + "\n[1, 2]\n"
    (tmp_path / "stream.json").write_text(text)
    [error] = scan([str(tmp_path)], ScanOptions()).errors
    assert (error.file, error.line, error.message) == (
        str(tmp_path / "stream.json"), text.count("\n"), "invalid JSON: Extra data (column 1)")


def test_json_lines_that_are_no_pulumi_event_log_are_not_infrastructure(tmp_path):
    # kubernetes' cluster/gce/manifests/abac-authz-policy.jsonl, and a structured log
    (tmp_path / "abac-authz-policy.jsonl").write_text(
        '{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"user": "admin"}}\n'
        '{"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"user": "ops"}}\n')
    (tmp_path / "app.ndjson").write_text('{"level": "info", "msg": "started"}\n{"level": "warn", "msg": "slow"\n')
    (tmp_path / "web.json").write_text(json.dumps(deployment("web")))
    result = scan([str(tmp_path)], ScanOptions(select=["RES101"]))
    assert result.errors == [] and [f.resource for f in result.findings] == ["Deployment/default/web"]
    assert sorted(s.file.rpartition("/")[2] for s in result.skipped) == ["abac-authz-policy.jsonl", "app.ndjson"]


def test_a_broken_pulumi_event_log_is_still_an_error(tmp_path):
    (tmp_path / "events.jsonl").write_text('{"sequence": 1, "timestamp": 1}\n{"sequence": 2, "timestamp"\n')
    [error] = scan([str(tmp_path)], ScanOptions()).errors
    assert error.line == 2 and error.message.startswith("invalid JSON in event log")



def test_an_object_of_a_stream_missing_half_its_type_is_an_error_at_its_line(tmp_path):
    text = json.dumps(deployment("api")) + '\n{"kind": "Deployment",\n "metadata": {"name": "web"}}\n'
    (tmp_path / "stream.json").write_text(text)
    [error] = scan([str(tmp_path)], ScanOptions()).errors
    assert (error.line, error.message.split(":")[0]) == (2, "document 2 has kind but no apiVersion")
