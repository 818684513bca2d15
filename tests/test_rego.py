"""Custom Rego policies: results, metadata, errors, selection, the input document.

Every test runs regopy for real on files written to a temporary directory.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import jsonschema
import pytest

from linter import rego
from linter.engine import ScanOptions, scan
from linter.model import Severity
from tests.conftest import FIXTURES, REPO, corpus_dir

DEPLOYMENTS = textwrap.dedent("""
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: prod}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: nginx}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: prod}
    spec:
      selector: {app: web}
      ports: [{port: 80}]
""").lstrip()

HEADER = "import rego.v1\n\n"


def write(directory, name, text):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


@pytest.fixture
def infra(tmp_path):
    write(tmp_path / "infra", "web.yaml", DEPLOYMENTS)
    return tmp_path / "infra"


def rego_scan(infra, *policy_dirs, **options):
    if "select" not in options and "ignore" not in options:
        options["ignore"] = ["RES"]  # built-in rules out of the way
    return scan([str(infra)], ScanOptions(policy_dirs=[str(p) for p in policy_dirs], **options))


def by_message(result):
    return {f.message: f for f in result.findings}


def test_string_result_points_at_the_policy_with_package_id(infra, tmp_path):
    pol = write(tmp_path / "pol", "plain.rego", """
        package team.plain
        import rego.v1

        deny contains "every prod namespace needs a NetworkPolicy" if {
          some r in input.resources
          r.namespace == "prod"
        }
    """)
    result = rego_scan(infra, tmp_path / "pol")
    assert not result.errors
    [f] = result.findings
    assert (f.rule_id, f.severity, f.file, f.line) == ("REGO.team.plain", Severity.HIGH, str(pol), 4)
    assert f.message == "every prod namespace needs a NetworkPolicy"
    assert f.source_format == "rego"


def test_object_result_maps_to_the_resource_line_and_overrides(infra, tmp_path):
    write(tmp_path / "pol", "floor.rego", """
        package team.floor
        import rego.v1

        deny contains {"msg": sprintf("%s runs %d replicas", [r.address, r.attrs.spec.replicas]),
                       "resource": r.address, "attribute": "spec.replicas",
                       "rule_id": "TEAM7", "severity": "critical", "remediation": "Run 3."} if {
          some r in input.resources
          r.type == "apps/Deployment"
          r.attrs.spec.replicas < 3
        }
    """)
    result = rego_scan(infra, tmp_path / "pol")
    assert not result.errors
    [f] = result.findings
    assert f.rule_id == "TEAM7" and f.severity == Severity.CRITICAL
    assert (f.resource, f.resource_type, f.file, f.line) == (
        "Deployment/prod/web", "apps/Deployment", str(infra / "web.yaml"), 5)
    assert f.attribute == "spec.replicas" and f.remediation == "Run 3."
    assert f.message == "Deployment/prod/web runs 2 replicas"


def test_deny_violation_warn_and_prefixed_rules_with_default_severities(infra, tmp_path):
    write(tmp_path / "pol", "kinds.rego", """
        package team.kinds
        import rego.v1

        deny contains "from deny" if true
        violation contains {"msg": "from violation"} if true
        warn contains "from warn" if true
        deny_extra contains "from deny_extra" if true
        warn_extra contains {"msg": "from warn_extra", "severity": "medium"} if true
        helper contains "not a finding" if true
    """)
    found = by_message(rego_scan(infra, tmp_path / "pol"))
    assert {m: f.severity for m, f in found.items()} == {
        "from deny": Severity.HIGH,
        "from violation": Severity.HIGH,
        "from warn": Severity.LOW,
        "from deny_extra": Severity.HIGH,
        "from warn_extra": Severity.MEDIUM,
    }


def test_old_style_partial_set_rules(infra, tmp_path):
    # Conftest policies written before Rego v1: `deny[msg] { ... }`
    write(tmp_path / "pol", "old.rego", """
        package team.old

        deny[msg] {
          r := input.resources[_]
          r.type == "core/Service"
          msg := sprintf("old style on %s", [r.address])
        }

        warn[{"msg": "old object", "resource": r.address}] {
          r := input.resources[_]
          r.type == "apps/Deployment"
        }
    """)
    result = rego_scan(infra, tmp_path / "pol")
    assert not result.errors
    found = by_message(result)
    assert set(found) == {"old style on Service/prod/web", "old object"}
    assert found["old object"].resource == "Deployment/prod/web"
    assert found["old object"].severity == Severity.LOW


def test_rego_metadata_supplies_id_title_severity_and_remediation(infra, tmp_path):
    write(tmp_path / "pol", "meta.rego", """
        package team.meta
        import rego.v1

        __rego_metadata__ := {"id": "ORG900", "title": "prod floor", "severity": "critical",
                              "description": "d", "recommended_actions": "Add replicas."}

        deny contains {"msg": "too few", "resource": "Deployment/prod/web"} if true
        warn contains "advice" if true
    """)
    found = by_message(rego_scan(infra, tmp_path / "pol"))
    assert found["too few"].rule_id == "ORG900"
    assert found["too few"].severity == Severity.CRITICAL
    assert found["too few"].remediation == "Add replicas."
    # a warning stays a warning whatever the package's severity
    assert found["advice"].rule_id == "ORG900" and found["advice"].severity == Severity.LOW


def test_metadata_rule_supplies_id_and_severity(infra, tmp_path):
    write(tmp_path / "pol", "meta.rego", """
        package team.meta2
        import rego.v1

        metadata := {"id": "ORG901", "severity": "medium", "title": "t"}

        deny contains "from a metadata rule package" if true
    """)
    [f] = rego_scan(infra, tmp_path / "pol").findings
    assert (f.rule_id, f.severity) == ("ORG901", Severity.MEDIUM)


def run_cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "linter", *args], capture_output=True, text=True, cwd=cwd)


def test_syntax_error_is_an_input_error_naming_file_and_line(infra, tmp_path):
    bad = write(tmp_path / "pol", "bad.rego", """
        package team.bad
        import rego.v1

        deny contains msg if {
          msg :=
        }
    """)
    write(tmp_path / "pol", "good.rego", """
        package team.good
        import rego.v1

        deny contains "the good policy still runs" if true
    """)
    proc = run_cli("scan", str(infra), "--policy", str(tmp_path / "pol"), "--select", "REGO", "-f", "json")
    assert proc.returncode == 2, proc.stderr
    doc = json.loads(proc.stdout)  # diagnostics did not leak into the report
    [err] = doc["errors"]
    assert (err["file"], err["line"]) == (str(bad), 5)
    assert "Rego syntax error" in err["message"]
    assert [f["message"] for f in doc["findings"]] == ["the good policy still runs"]
    text = run_cli("scan", str(infra), "--policy", str(tmp_path / "pol"))
    assert text.returncode == 2 and f"{bad}:5" in text.stdout + text.stderr
    assert "Traceback" not in text.stderr


def test_type_error_is_reported_at_the_rule_line(infra, tmp_path):
    bad = write(tmp_path / "pol", "types.rego", """
        package team.types
        import rego.v1

        deny contains msg if {
          msg := count(1, 2)
        }
    """)
    result = rego_scan(infra, tmp_path / "pol")
    [err] = result.errors
    assert (err.file, err.line) == (str(bad), 4)
    assert "rule deny of package team.types" in err.message
    assert result.exit_code(Severity.HIGH) == 2


def test_runtime_failure_does_not_stop_other_policies(infra, tmp_path):
    # two values for one complete rule: an error only once resources exist
    broken = write(tmp_path / "pol", "conflict.rego", """
        package team.conflict
        import rego.v1

        size := 1 if count(input.resources) > 0
        size := 2 if count(input.resources) > 0

        deny contains sprintf("size %v", [size]) if true
    """)
    write(tmp_path / "pol", "fine.rego", """
        package team.fine
        import rego.v1

        deny contains "fine runs" if count(input.resources) > 0
    """)
    result = rego_scan(infra, tmp_path / "pol")
    assert [f.message for f in result.findings] == ["fine runs"]
    [err] = result.errors
    assert err.file == str(broken) and err.line == 7
    assert "failed at run time" in err.message


def test_select_and_ignore_apply_to_rego_rule_ids(infra, tmp_path):
    write(tmp_path / "pol", "ids.rego", """
        package team.ids
        import rego.v1

        __rego_metadata__ := {"id": "ORG500"}

        deny contains "package id" if true
        deny contains {"msg": "own id", "rule_id": "ORG777"} if true
    """)
    pol = tmp_path / "pol"
    assert {f.rule_id for f in rego_scan(infra, pol, select=["ORG5"]).findings} == {"ORG500"}
    assert {f.rule_id for f in rego_scan(infra, pol, select=["ORG"], ignore=["ORG777"]).findings} == {"ORG500"}
    both = scan([str(infra)], ScanOptions(policy_dirs=[str(pol)], select=["RES101", "ORG777"]))
    assert {f.rule_id for f in both.findings} == {"ORG777"}  # replicas: 2 passes RES101


def test_unselected_package_is_not_evaluated(infra, tmp_path):
    write(tmp_path / "pol", "broken.rego", """
        package team.unselected
        import rego.v1

        __rego_metadata__ := {"id": "ORG600"}

        size := 1 if count(input.resources) > 0
        size := 2 if count(input.resources) > 0

        deny contains sprintf("size %v", [size]) if true
    """)
    assert rego_scan(infra, tmp_path / "pol", select=["ORG600"]).errors  # it runs, and fails
    skipped = rego_scan(infra, tmp_path / "pol", select=["RES101"])  # a built-in rule only
    assert not skipped.errors and {f.rule_id for f in skipped.findings} <= {"RES101"}
    typo = rego_scan(infra, tmp_path / "pol", select=["ORG7"])  # names no rule: an error, nothing runs
    assert [str(e) for e in typo.errors] == ["select: ORG7 matches no rule (did you mean ORG6?)"]


def test_object_without_msg_is_reported_and_others_kept(infra, tmp_path):
    write(tmp_path / "pol", "nomsg.rego", """
        package team.nomsg
        import rego.v1

        deny contains {"resource": "Deployment/prod/web"} if true
        deny contains "kept" if true
    """)
    result = rego_scan(infra, tmp_path / "pol")
    assert [f.message for f in result.findings] == ["kept"]
    assert "without a `msg`" in result.errors[0].message


def test_types_metadata_narrows_the_input(infra, tmp_path):
    write(tmp_path / "pol", "typed.rego", """
        package team.typed
        import rego.v1

        __rego_metadata__ := {"id": "TEAM1", "types": ["core/Service"]}

        deny contains {"msg": sprintf("saw %s", [r.type]), "resource": r.address} if {
          some r in input.resources
        }
    """)
    write(tmp_path / "pol", "pair.rego", """
        package team.pair
        import rego.v1

        __rego_metadata__ := {"id": "TEAM2", "types": ["core/Service", "apps/Deployment"]}

        deny contains sprintf("pair saw %d", [count(input.resources)]) if true
    """)
    write(tmp_path / "pol", "absent.rego", """
        package team.absent
        import rego.v1

        __rego_metadata__ := {"id": "TEAM3", "types": ["aws_sqs_queue"], "scope": "resource"}

        deny contains sprintf("absent saw %d", [count(input.resources)]) if true
    """)
    assert sorted(f.message for f in rego_scan(infra, tmp_path / "pol").findings) == [
        "absent saw 0", "pair saw 2", "saw core/Service"]


def test_with_input_as_is_refused_instead_of_crashing(infra, tmp_path):
    # rego-cpp 1.5 segfaults on `with input as`: an input error, not a dead process
    crash = write(tmp_path / "pol", "crash.rego", """
        package team.crash
        import rego.v1

        low contains x if { some x in input.resources }
        deny := l if {
          l := low with input as {"resources": []}
        }
    """)
    result = rego_scan(infra, tmp_path / "pol")
    [err] = result.errors
    assert (err.file, err.line) == (str(crash), 6) and "with input.resources as" in err.message


def test_resource_scope_slices_give_the_same_findings(infra, tmp_path, monkeypatch):
    many = "---\n".join(
        DEPLOYMENTS.split("---\n")[0].replace("name: web", f"name: web{i}").replace("app: web", f"app: web{i}")
        for i in range(7)
    )
    write(infra, "many.yaml", many)
    body = """
        deny contains {"msg": sprintf("%s fires", [r.address]), "resource": r.address} if {
          some r in input.resources
          r.attrs.spec.replicas < 3
        }
    """
    write(tmp_path / "whole", "p.rego", "package team.whole\nimport rego.v1\n" + textwrap.dedent(body))
    write(tmp_path / "sliced", "p.rego", 'package team.whole\nimport rego.v1\n__rego_metadata__ := {"scope": "resource"}\n'
          + textwrap.dedent(body))
    monkeypatch.setattr(rego, "SLICE", 2)  # 8 resources -> 4 slices
    whole = sorted(f.message for f in rego_scan(infra, tmp_path / "whole").findings)
    sliced = sorted(f.message for f in rego_scan(infra, tmp_path / "sliced").findings)
    assert len(whole) == 8 and sliced == whole


def test_inline_suppression_applies_to_rego_findings(tmp_path):
    infra = tmp_path / "infra"
    write(infra, "web.yaml", "# resilint:ignore ORG42 the canary runs alone\n" + DEPLOYMENTS.split("---\n")[0])
    write(tmp_path / "pol", "p.rego", """
        package team.supp
        import rego.v1

        __rego_metadata__ := {"id": "ORG42"}

        deny contains {"msg": "one replica", "resource": r.address} if {
          some r in input.resources
        }
    """)
    [f] = rego_scan(infra, tmp_path / "pol").findings
    assert f.suppressed and f.rule_id == "ORG42"
    assert f.suppression_reason == "the canary runs alone"


def test_config_policies_key(tmp_path):
    infra = tmp_path / "infra"
    write(infra, "web.yaml", DEPLOYMENTS)
    write(tmp_path / "policies" / "team", "p.rego", """
        package team.config
        import rego.v1

        deny contains "from the config's policies" if true
    """)
    (tmp_path / ".resilint.yaml").write_text("policies:\n  - policies\n")
    proc = run_cli("scan", str(infra), "--select", "REGO", "-f", "json", cwd=tmp_path)
    doc = json.loads(proc.stdout)
    assert [f["message"] for f in doc["findings"]] == ["from the config's policies"], proc.stderr
    assert proc.returncode == 1


def test_missing_policy_directory_is_an_input_error(infra, tmp_path):
    proc = run_cli("scan", str(infra), "--policy", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert "policy directory not found" in proc.stdout + proc.stderr


def test_regopy_is_never_imported_by_the_scan_process(infra, tmp_path):
    code = ("import sys; from linter.cli import main; main(sys.argv[1:]); "
            "print('REGOPY', 'regopy' in sys.modules, file=sys.stderr)")
    write(tmp_path / "pol", "p.rego", "package team.lazy\nimport rego.v1\ndeny contains \"x\" if true\n")
    without = subprocess.run([sys.executable, "-c", code, "scan", str(infra), "-q"], capture_output=True, text=True, cwd=REPO)
    assert "REGOPY False" in without.stderr
    with_policy = subprocess.run([sys.executable, "-c", code, "scan", str(infra), "-q", "--policy", str(tmp_path / "pol")],
                                 capture_output=True, text=True, cwd=REPO)
    # the policies run in a child process: the scan itself never loads the native engine
    assert "REGO.team.lazy" in with_policy.stdout and "REGOPY False" in with_policy.stderr


# ------------------------------------------------------------ input document


def test_schema_command_prints_the_published_schema():
    proc = run_cli("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert schema == rego.input_schema()
    jsonschema.Draft202012Validator.check_schema(schema)


def validate(paths):
    result = scan([str(p) for p in paths], ScanOptions(ignore=["RES"]))
    doc = rego.build_input(result.resources)
    jsonschema.validate(doc, rego.input_schema(), cls=jsonschema.Draft202012Validator)
    return result, doc


def test_input_from_every_fixture_format_validates():
    result, doc = validate([FIXTURES])
    formats = {r["source_format"] for r in doc["resources"]}
    assert {"kubernetes", "hcl", "tfplan", "pulumi"} <= formats
    # values not known before apply are null, and their paths are listed
    with_unknowns = [r for r in doc["resources"] if r["unknown"]]
    assert with_unknowns
    for r in with_unknowns:
        for path in r["unknown"]:
            assert _at(r["attrs"], path) is None, (r["address"], path)


def _at(value, path):
    parts = path.split(".")
    while parts:
        if isinstance(value, list):
            value = value[int(parts.pop(0))]
            continue
        # a key may hold dots itself (Kafka's `default.replication.factor`): the shortest that exists
        for n in range(1, len(parts) + 1):
            key = ".".join(parts[:n])
            if key in value:
                value, parts = value[key], parts[n:]
                break
        else:
            raise KeyError(path)
    return value


def test_input_keeps_references_and_plan_changes(tmp_path):
    write(tmp_path, "main.tf", """
        variable "retention" {
          type = number
        }
        resource "aws_sqs_queue" "orders" {
          name = "orders"
          redrive_policy = jsonencode({deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 5})
        }
        resource "aws_sqs_queue" "dlq" {
          name = "orders-dlq"
          message_retention_seconds = var.retention
        }
    """)
    _, doc = validate([tmp_path])
    queues = {r["address"]: r for r in doc["resources"]}
    assert queues["aws_sqs_queue.orders"]["refs"]["redrive_policy"] == ["aws_sqs_queue.dlq"]
    assert queues["aws_sqs_queue.dlq"]["unknown"] == ["message_retention_seconds"]
    assert queues["aws_sqs_queue.dlq"]["attrs"]["message_retention_seconds"] is None
    plans = [r for r in validate([FIXTURES])[1]["resources"] if r["change"]]
    assert plans and all(isinstance(r["change"]["actions"], list) for r in plans)


@pytest.mark.parametrize("corpus", ["kubernetes", "tfplan", "terraform-hcl", "pulumi"])
def test_input_from_the_real_corpus_validates(corpus):
    directory = corpus_dir(corpus)
    result, doc = validate([directory])
    assert doc["resources"], f"no resources loaded from {directory}"
    assert {r["source_format"] for r in doc["resources"]} <= {"kubernetes", "hcl", "tfplan", "pulumi"}


def test_readme_example_policy_runs():
    """The example policy in the README is real Rego that fires on a real fixture."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Custom policies (Rego)")
    block = readme[start:].split("```rego\n", 1)[1].split("```", 1)[0]
    policies = rego.load_policies([])
    assert not policies.packages
    directory = REPO / "policies" / "rego" / "replica_floor" / "fixtures"
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "readme.rego"), "w", encoding="utf-8") as fh:
            fh.write(block)
        result = scan([str(directory / "fail-prod-two-replicas.yaml")],
                      ScanOptions(policy_dirs=[tmp], ignore=["RES"]))
    assert not result.errors, result.errors
    assert result.findings


@pytest.mark.parametrize("fraction", [1.5, 10 / 3, 1e-7, 0.1 + 0.2])
def test_input_conversion_round_trips_the_document(fraction):
    """set_input builds what rego-cpp's own JSON parser builds (set_input_term), the fixtures'
    numbers included (the plan oracle's 10 / 3): a float rego-cpp's direct input would cut to
    six decimals (1/3 as 0.333333, 1e-7 as 0) is handed over as JSON text."""
    import regopy

    _, doc = validate([FIXTURES])
    doc["resources"].append({"type": "x", "big": 10**21, "neg": -5, "f": fraction, "t": True, "n": None,
                             "quoted": 'say "hi"', "slash": "a\\b", "lines": "a\nb", "text": "ünïcode ✓",
                             "json": '{"k": [1, 2]}', "nested": [[], {}, [1, [2]]]})
    fast, reference = regopy.Interpreter(), regopy.Interpreter()
    rego.set_input(fast, doc)
    doc["resources"][-1]["big"] = 1e21  # beyond int64: a float, as JSON parsers read it
    reference.set_input_term(json.dumps(doc))
    back, failure = rego._query(fast, "input")
    assert failure is None and back == rego._query(reference, "input")[0]
    # rego-cpp gives a float back with 15 significant digits (10 / 3 as 3.333333333333333)
    assert _same(back, json.loads(json.dumps(doc)))
    assert math.isclose(back["resources"][-1]["f"], fraction, rel_tol=1e-14)


def _same(a, b) -> bool:
    """Equal, a float to 15 significant digits."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-14)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def test_a_float_with_more_than_six_decimals_is_not_built_directly():
    assert rego.to_rego({"f": 1.5}) is not None  # the fast path, for the numbers it keeps whole
    with pytest.raises(rego.LossyNumber):
        rego.to_rego({"f": 10 / 3})


def test_input_strings_compare_like_rego_literals(tmp_path):
    """regopy.Input hands strings over unescaped: a quote would never match."""
    infra = tmp_path / "infra"
    write(infra, "cm.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cfg, namespace: prod}
        data:
          motd: 'say "hi"'
          policy: '{"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:1:dlq"}'
    """)
    write(tmp_path / "pol", "p.rego", """
        package team.strings
        import rego.v1

        deny contains sprintf("quoted %s", [r.attrs.data.motd]) if {
          some r in input.resources
          r.attrs.data.motd == "say \\"hi\\""
        }
        deny contains "json read" if {
          some r in input.resources
          json.unmarshal(r.attrs.data.policy).deadLetterTargetArn == "arn:aws:sqs:eu-west-1:1:dlq"
        }
    """)
    result = rego_scan(infra, tmp_path / "pol")
    assert not result.errors, result.errors
    assert sorted(f.message for f in result.findings) == ["json read", 'quoted say "hi"']


def test_objects_without_namespace_get_the_scan_default(tmp_path):
    infra = tmp_path / "infra"
    write(infra, "web.yaml", DEPLOYMENTS.replace("namespace: prod", "namespace: null").replace(", namespace: null", ""))
    write(infra, "ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n")
    write(tmp_path / "pol", "p.rego", """
        package team.ns
        import rego.v1

        deny contains {"msg": sprintf("%s in %v", [r.address, r.namespace]), "resource": r.address} if {
          some r in input.resources
        }
    """)
    result = rego_scan(infra, tmp_path / "pol", default_namespace="prod")
    found = {f.resource: f.message.rsplit(" in ", 1)[1] for f in result.findings}
    assert sorted(found.values()) == ["null", "prod", "prod"]  # a Namespace is in none
    assert found[next(a for a in found if a.startswith("Namespace"))] == "null"


def test_result_naming_a_file_without_resource_points_at_that_file(infra, tmp_path):
    write(tmp_path / "pol", "file.rego", """
        package team.file
        import rego.v1

        deny contains {"msg": "this file needs an owner", "file": r.file, "line": 1} if {
          some r in input.resources
          r.type == "core/Service"
        }
    """)
    [f] = rego_scan(infra, tmp_path / "pol").findings
    assert (f.file, f.line, f.resource) == (str(infra / "web.yaml"), 1, "data.team.file")


def test_package_title_and_description_describe_the_rule_in_sarif(infra, tmp_path):
    policies = tmp_path / "policies"
    write(policies, "floor.rego", HEADER.join(["package org.floor\n\n", textwrap.dedent("""
        __rego_metadata__ := {
            "id": "ORG7",
            "title": "Production Deployments run three replicas",
            "description": "A single zone or node loss must leave two replicas serving.",
        }

        deny contains {"msg": "too few replicas", "resource": r.address} if {
            some r in input.resources
            r.type == "apps/Deployment"
            r.attrs.spec.replicas < 3
        }
    """)]))
    proc = subprocess.run(
        [sys.executable, "-m", "linter", "scan", str(infra), "--policy", str(policies),
         "--select", "ORG", "--format", "sarif"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert proc.returncode == 1, proc.stderr
    (driver_rule,) = json.loads(proc.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert driver_rule["id"] == "ORG7"
    assert driver_rule["shortDescription"]["text"] == "Production Deployments run three replicas"
    assert driver_rule["fullDescription"]["text"] == "A single zone or node loss must leave two replicas serving."


def test_rego_input_shares_the_loaders_cluster_scoped_kinds_and_the_engines_scope(tmp_path):
    """One home each: a GatewayClass is cluster-scoped in the Rego input as in the
    loader (it got namespace `default` when rego.py kept its own shorter list), and
    `root` is the engine's scope (Resource.scope), not a second answer to "where are
    addresses unique": a module's resource is keyed by the Terraform root that calls it,
    manifests in two files share the cluster."""
    from linter.loaders import load_paths
    from linter.loaders.kubernetes import CLUSTER_SCOPED

    k8s = tmp_path / "k8s"
    write(k8s, "gc.yaml", "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
                          "metadata: {name: shared}\nspec: {controllerName: example.com/gw}\n")
    write(k8s, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n")
    tf = tmp_path / "tf"
    write(tf, "main.tf", 'module "q" {\n  source = "./modules/q"\n}\n')
    write(tf / "modules" / "q", "main.tf", 'resource "aws_sqs_queue" "dlq" {\n  name = "dlq"\n}\n')
    loaded = load_paths([str(k8s), str(tf)])
    assert not loaded.errors, [str(e) for e in loaded.errors]
    docs = {r.address: (r, rego.resource_document(r)) for r in loaded.resources}
    (gateway_class,) = [d for r, d in docs.values() if r.kind == "GatewayClass"]
    assert "GatewayClass" in CLUSTER_SCOPED and gateway_class["namespace"] is None
    (config_map,) = [d for r, d in docs.values() if r.kind == "ConfigMap"]
    assert config_map["namespace"] == "default"
    assert all(d["root"] == r.scope for r, d in docs.values())
    assert gateway_class["root"] == config_map["root"]  # one cluster across files
    (queue,) = [(r, d) for r, d in docs.values() if r.type == "aws_sqs_queue"]
    assert queue[0].address.startswith("module.q.") and queue[1]["root"] == queue[0].scope
    assert not queue[1]["root"].endswith("modules/q")  # the calling root, not the module's directory
