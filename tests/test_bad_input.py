"""Bad input never makes a traceback: the CLI names the file (and the line when
known), says what was expected, exits 2, and still reports the findings of a
good file scanned alongside. Every case runs the real CLI in a subprocess on
files generated in tmp_path (sizes bounded: no huge files in the repository).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO

GOOD = textwrap.dedent("""
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: worker, namespace: good}
    spec:
      replicas: 1
      selector: {matchLabels: {app: worker}}
      template:
        metadata: {labels: {app: worker}}
        spec:
          containers:
          - name: worker
            image: example/worker:1
""").lstrip()


def _plan(resource_changes, **extra) -> str:
    return json.dumps({"format_version": "1.2", "terraform_version": "1.9.8",
                       "resource_changes": resource_changes, **extra}, indent=1)


def _change(**change) -> dict:
    base = {"actions": ["create"], "before": None, "after": {"multi_az": False}, "after_unknown": {}}
    base.update(change)
    return {"address": "aws_db_instance.orders", "mode": "managed", "type": "aws_db_instance",
            "name": "orders", "change": base}


def _stack(*resources) -> str:
    return json.dumps({"version": 3, "deployment": {"resources": list(resources)}}, indent=1)


def _k8s_pulumi(obj: dict) -> dict:
    return {"urn": "urn:pulumi:dev::shop::kubernetes:apps/v1:Deployment::web", "custom": True,
            "type": "kubernetes:apps/v1:Deployment", "inputs": obj}


def _deployment(spec_yaml: str) -> str:
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: bad}\nspec:\n"
            + textwrap.indent(textwrap.dedent(spec_yaml).lstrip(), "  "))


DEEP = 50_000  # past Python's recursion limit, 100 KB on disk

# (id, file name, content, words the error must contain, line or None)
CASES = [
    # RecursionError from json.loads: a traceback before
    ("plan-nested-too-deeply", "plan.json",
     '{"format_version": "1.2", "resource_changes": ' + "[" * DEEP + "]" * DEEP + "}",
     "nested too deeply", None),
    ("pulumi-nested-too-deeply", "stack.json",
     '{"deployment": ' + '{"a":' * DEEP + "1" + "}" * DEEP + "}", "nested too deeply", None),
    # encodings: the line of the first bad byte; UTF-16 named as such
    ("not-utf8-line", "bad.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \xff}\n",
     "not UTF-8", 3),
    ("utf16", "plan.json", "\ufeff".encode("utf-16-le") + _plan([]).encode("utf-16-le"), "UTF-16", 1),
    # plan fields of the wrong JSON type: named, with what terraform show writes there
    ("plan-changes-dict", "plan.json", _plan({"a": 1}), "resource_changes must be a list", 4),
    ("plan-change-list", "plan.json", _plan([{**_change(), "change": []}]), "change must be an object", 6),  # the change's address line
    ("plan-after-string", "plan.json", _plan([_change(after="abc")]),
     "aws_db_instance.orders).change.after must be an object or null, got a string", 6),  # the change's address line
    ("plan-after-unknown-list", "plan.json", _plan([_change(after_unknown=[1])]),
     "change.after_unknown must be an object or a boolean, got a list", 6),  # the change's address line
    ("plan-module-address-number", "plan.json", _plan([{**_change(), "module_address": 5}]),
     "module_address must be a string, got a number", 6),  # the change's address line
    ("plan-config-resources-number", "plan.json",
     _plan([_change()], configuration={"root_module": {"resources": 5}}),
     "configuration.root_module.resources must be a list", 24),
    ("plan-module-call-module-string", "plan.json",
     _plan([_change()], configuration={"root_module": {"module_calls": {"db": {"module": "x"}}}}),
     "configuration.root_module.module_calls.db.module must be an object", 26),
    ("plan-module-call-expressions-string", "plan.json",
     _plan([_change()], configuration={"root_module": {"module_calls": {"db": {"expressions": "x"}}}}),
     "module_calls.db.expressions must be an object", 26),
    ("plan-child-module-null", "plan.json",
     _plan([_change()], planned_values={"root_module": {"child_modules": [None]}}),
     "planned_values.root_module.child_modules[0] must be an object", 25),
    # Pulumi saved plans with odd shapes: AttributeError/TypeError tracebacks before
    ("pulumi-plan-steps-number", "plan.json",
     json.dumps({"resourcePlans": {"urn:pulumi:dev::p::aws:sqs/queue:Queue::q": {
         "goal": {"type": "aws:sqs/queue:Queue", "custom": True, "inputDiff": {}}, "steps": 5}}}),
     "steps must be a list", None),
    # HCL that `terraform validate` rejects: was silently analysed (or a raw RecursionError text)
    ("hcl-count-not-a-number", "main.tf", 'resource "aws_db_instance" "a" {\n  count = "abc"\n}\n',
     'count must be a whole number >= 0, got "abc"', 2),
    ("hcl-count-negative", "main.tf", 'resource "aws_db_instance" "a" {\n  count = -1\n}\n',
     "count must be a whole number >= 0, got -1", 2),
    ("hcl-resource-one-label", "main.tf", 'resource "aws_db_instance" {\n}\n',
     "resource block must have a type and a name (1 label(s) given)", 1),
    ("hcl-attribute-twice", "main.tf", 'resource "aws_db_instance" "a" {\n  multi_az = true\n  multi_az = false\n}\n',
     "attribute multi_az set twice in one block (first on line 2)", 3),
    ("hcl-resource-twice", "main.tf", 'resource "aws_sqs_queue" "q" {\n}\n\nresource "aws_sqs_queue" "q" {\n}\n',
     "duplicate resource: aws_sqs_queue.q is also declared at bad/main.tf:1", 4),
    # libyaml's composer recursed in C once per level: 50,000 levels overflowed its stack (a segfault, exit 139)
    ("k8s-yaml-nested-too-deeply", "bad.yaml",
     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: " + "[" * DEEP + "]" * DEEP + "}\n",
     "nested too deeply", 4),
    ("k8s-yaml-block-nested-too-deeply", "bad.yaml",
     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nspec:\n  x:\n    " + "- " * DEEP + "1\n",
     "nested too deeply", 6),
    ("hcl-nested-too-deeply", "main.tf",
     'resource "aws_db_instance" "a" {\n  tags = ' + "[" * 3000 + "]" * 3000 + "\n}\n", "nested too deeply", 2),
    # half a type: kubectl refuses the first (Object 'Kind' is missing), and cannot map the second
    ("k8s-api-version-without-kind", "bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
     "apiVersion: v1\nkinds: Secret\nmetadata: {name: b}\n", "document 2 has apiVersion but no kind", 5),
    ("k8s-kind-without-api-version", "bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
     "metadata: {name: b}\napiVerson: apps/v1\nkind: Deployment\n", "document 2 has kind but no apiVersion", 7),
    # a typo broke its `kind:` line: its text declares no kind; before, skipped as not Kubernetes
    ("k8s-kind-line-broken", "pdb.yaml", "apiVersion: policy/v1\nkind PodDisruptionBudget\nmetadata:\n  name: web\n",
     "invalid YAML: could not find expected ':'", 3),
    # a stream of JSON objects (as kubectl reads one) is held to what one JSON document is (fuzz-found)
    ("k8s-json-stream-lone-surrogate", "bad.json",
     '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}\n'
     '{"apiVersion": "apps/v1", "kind": "StatefulSet",\n "metadata": {"name": "\\ud800"}}\n',
     "lone UTF-16 surrogate \\ud800", 3),
    ("k8s-list-items-not-a-list", "list.yaml", "apiVersion: v1\nkind: List\nitems:\n  name: web\n",
     "items of List must be a list of objects, got dict", 4),
    # integers past Python's 4300-digit conversion limit: a ValueError traceback before
    ("plan-huge-number", "plan.json", '{"format_version": "1.2",\n "resource_changes": [],\n "x": ' + "9" * 5000 + "}",
     "a number with more than 4300 digits", 3),
    ("yaml-huge-number", "big.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: " + "9" * 5000 + "\n",
     "a number with more than 4300 digits", 5),
    ("event-log-huge-number", "events.ndjson", '{"sequence": 1, "timestamp": 1}\n{"sequence": ' + "9" * 5000 + "}\n",
     "a number with more than 4300 digits", 2),
    ("yaml-impossible-date", "date.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: 2024-13-45\n",
     "invalid YAML value: month must be in 1..12", 5),
    # a lone UTF-16 surrogate escape: UnicodeEncodeError tracebacks in every report before
    ("pulumi-lone-surrogate", "stack.json",
     '{"deployment": {"resources": [\n{"urn": "urn:pulumi:d::p::aws:sqs/queue:Queue::q", "custom": true,\n'
     ' "type": "aws:sqs/queue:Queue", "inputs": {"a": "\\ud83d\\ude00", "b": "\\udc00"}}]}}',
     "lone UTF-16 surrogate \\udc00", 3),
    # ... and in Terraform: an HCL escape terraform refuses ("Invalid escape sequence"), a .tf.json string
    ("hcl-lone-surrogate-escape", "main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "a\\ud800"\n}\n',
     "invalid escape sequence: cannot encode character U+d800 in UTF-8", 2),
    ("hcl-label-surrogate-escape", "main.tf", 'resource "aws_sqs_queue" "q\\udfff" {\n}\n',
     "invalid escape sequence: cannot encode character U+dfff in UTF-8", 1),
    ("hcl-json-lone-surrogate", "main.tf.json", '{"resource": {"aws_sqs_queue": {"q": {\n"name": "a\\ud800"}}}}',
     "lone UTF-16 surrogate \\ud800", 2),
    # YAML aliases: a billion-laughs document took minutes and gigabytes to read through
    ("yaml-alias-bomb", "bomb.yaml",
     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n"
     + "".join(f"  a{i}: &a{i} [" + ",".join([f"*a{i - 1}" if i else "x"] * 10) + "]\n" for i in range(9)),
     "YAML aliases expand this document past 100,000 values", 1),
    ("yaml-recursive-alias", "loop.yaml",
     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loop}\ndata: &x\n  self: *x\n",
     "a YAML alias refers to a value that contains it", 4),
    # Kubernetes fields of the wrong type: rejected by the loader, with the field's line
    ("k8s-containers-strings", "bad.yaml",
     _deployment("template:\n  spec:\n    containers:\n    - web\n"),
     "Deployment web: spec.template.spec.containers[0] must be a mapping, got a string", 8),
    ("k8s-metadata-string", "bad.yaml", "apiVersion: v1\nkind: Service\nmetadata: web\n",
     "metadata must be a mapping", 3),
    ("k8s-spec-list", "bad.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: [a]\n",
     "spec must be a mapping, got a list", 4),
    ("k8s-match-labels-list", "bad.yaml", _deployment("selector:\n  matchLabels: [app]\n"),
     "spec.selector.matchLabels must be a mapping, got a list", 6),
    ("k8s-anti-affinity-number", "bad.yaml",
     _deployment("template:\n  spec:\n    affinity:\n      podAntiAffinity:\n"
                 "        preferredDuringSchedulingIgnoredDuringExecution: 5\n"),
     "preferredDuringSchedulingIgnoredDuringExecution must be a list, got a number", 9),
    ("k8s-destination-rule-subsets-number", "bad.yaml",
     "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\n"
     "spec:\n  host: r\n  subsets: 5\n",
     "spec.subsets must be a list", 6),
    ("k8s-null-match-expression", "bad.yaml",
     _deployment("selector:\n  matchLabels: {app: web}\n  matchExpressions:\n  - ~\n"),
     "spec.selector.matchExpressions[0] must be a mapping, got null", 8),
    ("k8s-job-failure-policy-rules-number", "job.yaml",
     "apiVersion: batch/v1\nkind: Job\nmetadata: {name: crawl}\nspec:\n  podFailurePolicy:\n    rules: 5\n",
     "Job crawl: spec.podFailurePolicy.rules must be a list, got a number (5)", 6),
    # an HPA whose target kind is a list crashed every rule on the *good* Deployment
    ("k8s-hpa-kind-list", "bad.yaml",
     "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: worker, namespace: good}\n"
     "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: [Deployment], name: worker}\n",
     "spec.scaleTargetRef.kind must be a string, got a list", 5),
    # an object Kubernetes refuses for want of a name was judged as "Deployment default/"
    ("k8s-deployment-without-name", "bad.yaml",
     "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels: {app: web}\nspec:\n  replicas: 1\n",
     "Deployment has no metadata.name: Kubernetes refuses an object without a name", 3),
    ("k8s-service-without-metadata", "bad.yaml", "apiVersion: v1\nkind: Service\nspec: {selector: {app: web}}\n",
     "Service has no metadata.name", 1),
    ("pulumi-k8s-containers-strings", "stack.json",
     _stack(_k8s_pulumi({"metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": ["web"]}}}})),
     "inputs.spec.template.spec.containers[0] must be a mapping", 6),  # the urn line
]


def run_cli(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run([sys.executable, "-m", "linter", *args], capture_output=True, text=True,
                          cwd=cwd, env={**env, "PYTHONPATH": str(REPO)}, timeout=120)


@pytest.fixture
def good(tmp_path):
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "worker.yaml").write_text(GOOD)
    return tmp_path / "good"


def _write(tmp_path, name, content) -> str:
    (tmp_path / "bad").mkdir(exist_ok=True)
    path = tmp_path / "bad" / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return os.path.join("bad", name)


def _good_finding_reported(findings) -> bool:
    return any(f["rule_id"] == "RES101" and f["resource"] == "Deployment/good/worker" for f in findings)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_an_input_error_and_good_findings_remain(tmp_path, good, case):
    _, name, content, words, line = case
    shown = _write(tmp_path, name, content)
    proc = run_cli("scan", shown, "good", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2, proc.stdout
    doc = json.loads(proc.stdout)
    errors = [e for e in doc["errors"] if e["file"] == shown]
    assert errors, doc["errors"]
    assert words in errors[0]["message"], errors[0]
    assert errors[0]["line"] == line, errors[0]
    assert not any("internal error" in e["message"] for e in doc["errors"]), doc["errors"]
    assert _good_finding_reported(doc["findings"]), doc["findings"]


def test_a_variables_file_with_a_lone_surrogate_is_an_error_at_its_line(tmp_path, good):
    """terraform.tfvars.json is JSON too: a traceback in the reports before."""
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "main.tf").write_text('variable "name" {}\nresource "aws_sqs_queue" "q" {\n  name = var.name\n}\n')
    (tmp_path / "bad" / "terraform.tfvars.json").write_text('{\n  "name": "a\\udc00"\n}\n')
    proc = run_cli("scan", "bad", "good", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(e["file"], e["line"], e["message"]) for e in doc["errors"]] == [
        ("bad/terraform.tfvars.json", 2, "lone UTF-16 surrogate \\udc00: not a character any report can show")]
    assert _good_finding_reported(doc["findings"]), doc["findings"]


def test_a_nameless_object_is_an_error_at_its_document_and_the_others_are_judged(tmp_path, good):
    """A nameless Deployment is refused where it is written; its file's named one, a generateName
    one (`kubectl create` names it) and a nameless ConfigMap (no rule reads it) are not errors."""
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "app.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {app: web}}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels: {app: web}\nspec: {replicas: 1}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 1}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {generateName: batch-}\nspec: {replicas: 1}\n")
    proc = run_cli("scan", "bad", "good", "--format", "json", "--select", "RES101", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(e["file"], e["line"], e["message"]) for e in doc["errors"]] == [
        ("bad/app.yaml", 7, "Deployment has no metadata.name: Kubernetes refuses an object without a name "
                            "(or generateName); name it")]
    assert sorted((f["resource"], f["line"]) for f in doc["findings"] if f["file"] == "bad/app.yaml") == [
        ("Deployment/default/api", 14), ("Deployment/default/batch-", 19)]
    assert _good_finding_reported(doc["findings"]), doc["findings"]


def test_every_bad_file_at_once_in_text_output(tmp_path, good):
    shown = [_write(tmp_path, f"{case[0]}-{case[1]}", case[2]) for case in CASES]
    proc = run_cli("scan", "bad", "good", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    output = proc.stdout + proc.stderr
    for path in shown:
        assert path in output, path
    assert "Deployment/good/worker" in output
    assert "internal error" not in output


def test_byte_order_mark_is_read_as_utf8(tmp_path, good):
    (tmp_path / "bom").mkdir()
    plan = _plan([_change()])
    (tmp_path / "bom" / "plan.json").write_bytes(b"\xef\xbb\xbf" + plan.encode())
    (tmp_path / "bom" / "main.tf").write_bytes(
        b'\xef\xbb\xbfresource "aws_db_instance" "billing" {\n  engine = "postgres"\n}\n')
    proc = run_cli("scan", "bom", "good", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["errors"] == []
    assert {(f["resource"], f["rule_id"]) for f in doc["findings"]} >= {
        ("aws_db_instance.orders", "RES301"), ("aws_db_instance.billing", "RES301")}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_not_read(tmp_path, good):
    (tmp_path / "bad").mkdir()
    os.mkfifo(tmp_path / "bad" / "pipe.yaml")  # opening it would block forever
    os.mkfifo(tmp_path / "named.json")
    for target, shown in (("bad", "bad/pipe.yaml"), ("named.json", "named.json")):
        proc = run_cli("scan", target, "good", "--format", "json", cwd=tmp_path)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode == 2
        doc = json.loads(proc.stdout)
        assert [e["file"] for e in doc["errors"]] == [shown]
        assert "not a regular file" in doc["errors"][0]["message"]
        assert _good_finding_reported(doc["findings"])


def test_symlink_loop_is_named(tmp_path, good):
    os.symlink("loop-b.yaml", tmp_path / "loop-a.yaml")
    os.symlink("loop-a.yaml", tmp_path / "loop-b.yaml")
    proc = run_cli("scan", "loop-a.yaml", "good", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["errors"] == [{"file": "loop-a.yaml", "line": None,
                              "message": "broken symbolic link (or a link loop)"}]
    assert _good_finding_reported(doc["findings"])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every directory")
def test_unreadable_directory_is_reported(tmp_path, good):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "app.yaml").write_text(GOOD)
    locked.chmod(0)
    try:
        proc = run_cli("scan", ".", "--format", "json", cwd=tmp_path)
    finally:
        locked.chmod(0o755)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 2
    assert any(e["file"] == "locked" and "cannot read directory" in e["message"] for e in doc["errors"])
    assert _good_finding_reported(doc["findings"])


BASELINES = [
    ("count-text", '{"findings": [{"fingerprint": "x", "count": "abc"}]}', 'count must be a whole number >= 1, got "abc"'),
    ("count-null", '{"findings": [{"fingerprint": "x", "count": null}]}', "got null"),
    ("count-infinite", '{"findings": [{"fingerprint": "x", "count": 1e400}]}', "got Infinity"),
    ("nested-too-deeply", "[" * DEEP, "nested thousands of levels deep"),
]


@pytest.mark.parametrize("case", BASELINES, ids=[c[0] for c in BASELINES])
def test_bad_baseline_is_an_input_error(tmp_path, good, case):
    _, content, words = case
    (tmp_path / "baseline.json").write_text(content)
    proc = run_cli("scan", "good", "--baseline", "baseline.json", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert [e["file"] for e in doc["errors"]] == ["baseline.json"]
    assert words in doc["errors"][0]["message"]
    assert _good_finding_reported(doc["findings"])


CONFIGS = [
    ("option-of-no-rule", "options:\n  RES999: {x: 1}\n", "options: RES999 matches no rule (did you mean RES109 or RES119 or RES190?)", 2),
    ("option-misspelt", "options:\n  RES414:\n    backof_limit_threshold: 20\n",
     "RES414 has no option 'backof_limit_threshold' (options: backoff_limit_threshold)", 3),
    ("option-wrong-type", "options:\n  RES414:\n    backoff_limit_threshold: '20'\n",
     "options.RES414.backoff_limit_threshold must be a number (default 20), got '20'", 3),
]


@pytest.mark.parametrize("case", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_bad_rule_option_names_the_key_and_line(tmp_path, good, case):
    _, content, words, line = case
    (tmp_path / ".resilint.yaml").write_text(content)
    proc = run_cli("scan", "good", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    assert f".resilint.yaml:{line}: " in proc.stderr and words in proc.stderr, proc.stderr


def test_deep_values_are_left_out_of_rego_input_with_an_error(tmp_path, good):
    # a RecursionError traceback before: the Rego input converter recursed per level.
    # Deeper than Rego takes, but shallower than any YAML parser refuses (libyaml
    # 0.2.6, bundled from PyYAML 6.0.4, stops at 1,000 levels; 0.2.5 has no limit),
    # so the error is Rego's whichever PyYAML build is installed.
    from linter.rego import MAX_INPUT_DEPTH

    depth = MAX_INPUT_DEPTH + 100
    assert depth < 1000
    (tmp_path / "deep.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n  x: " + "[" * depth + "]" * depth + "\n")
    policies = REPO / "policies" / "rego"
    proc = run_cli("scan", "deep.yaml", "good", "--policy", str(policies), "--format", "json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["errors"] == [{"file": "deep.yaml", "line": 1, "message":
                              "ConfigMap/default/deep is not given to Rego policies: its values nest more than 200 levels deep"}]
    assert _good_finding_reported(doc["findings"])


@pytest.mark.parametrize("args, words", [
    (["scan", "good", "-o", "missing-dir/report.json"], "cannot write the report to missing-dir/report.json"),
    (["scan", "good", "-o", "."], "cannot write the report to ."),
    (["baseline", "good", "-o", "missing-dir/baseline.json"], "cannot write the baseline to missing-dir/baseline.json"),
    (["scan", "good", "--tf-root", "missing-dir"], "--tf-root missing-dir: not a directory"),
], ids=["report-in-missing-dir", "report-is-a-directory", "baseline-in-missing-dir", "tf-root-missing"])
def test_usage_errors_exit_2_without_traceback(tmp_path, good, args, words):
    proc = run_cli(*args, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    assert f"resilint: error: {words}" in proc.stderr


def test_file_name_too_long_is_named(tmp_path, good):
    # OSError ENAMETOOLONG from Path.is_dir() was a traceback before the scan began
    name = "a" * 300 + ".yaml"
    proc = run_cli("scan", name, "good", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert [e["file"] for e in doc["errors"]] == [name]
    assert "cannot read: File name too long" in doc["errors"][0]["message"]
    assert _good_finding_reported(doc["findings"])


def test_malformed_value_a_rule_reads_is_not_judged(tmp_path, good):
    # RES112 hashed each group's zone: `zone = []` was an internal error on every group
    source = (REPO / "fixtures" / "RES112" / "pass-zonal-groups-in-two-zones-behind-one-backend.tf").read_text()
    assert 'zone               = "us-central1-a"' in source
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(source.replace('zone               = "us-central1-a"', "zone = []"))
    proc = run_cli("scan", "tf", "good", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["errors"] == []
    assert not [f for f in doc["findings"] if f["rule_id"] == "RES112"]
    assert _good_finding_reported(doc["findings"])


def test_malformed_planned_value_is_not_judged(tmp_path, good):
    # RES390 iterated the planned `zones`: `zones = 5` was an internal error
    plan = json.loads((REPO / "fixtures" / "RES390" / "fail-plan-azure-redis-zones-and-sku.json").read_text())
    plan["resource_changes"][0]["change"]["after"]["zones"] = 5
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=1))
    proc = run_cli("scan", "plan.json", "good", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["errors"] == []
    assert _good_finding_reported(doc["findings"])
