"""Regressions from fuzzing (issue 12: F01-F13): each case is the issue's minimal
input, run through the real CLI in a subprocess beside a good manifest whose
findings must survive. Before the fixes each gave a traceback, a crash of the
whole process, an "internal error", a silenced policy or a destroyed file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO
from tests.test_bad_input import GOOD, _good_finding_reported, good, run_cli  # noqa: F401 - `good` is a fixture

POLICIES = REPO / "policies" / "rego"


def _scan_json(tmp_path, *args):
    proc = run_cli("scan", *args, "--format", "json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1, 2), (proc.returncode, proc.stderr)
    return proc, json.loads(proc.stdout)


def _write(path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


# ------------------------------------------------------------------ F01 baseline

def test_f01_baseline_with_a_4301_digit_integer(tmp_path, good):
    _write(tmp_path / "baseline.json", '{"findings": [], "n": ' + "9" * 4301 + "}")
    proc, doc = _scan_json(tmp_path, "good", "--baseline", "baseline.json")
    assert proc.returncode == 2
    assert doc["errors"] == [{"file": "baseline.json", "line": 1, "message":
                              "a number with more than 4300 digits: no configuration value is that large"}]
    assert _good_finding_reported(doc["findings"])


def test_baseline_shape_errors_carry_the_line(tmp_path, good):
    _write(tmp_path / "baseline.json", '{"findings": [\n {"fingerprint": "x"},\n {"fingerprint": "y",\n  "count": 0}]}')
    proc, doc = _scan_json(tmp_path, "good", "--baseline", "baseline.json")
    assert proc.returncode == 2
    assert doc["errors"] == [{"file": "baseline.json", "line": 4,
                              "message": "findings[1].count must be a whole number >= 1, got 0"}]
    assert _good_finding_reported(doc["findings"])


def test_errors_found_without_a_line_by_the_fuzzer_now_have_one(tmp_path, good):
    # a control character in YAML (the reader's error has a position, not a mark),
    # and a baseline that is not UTF-8: the two kinds of line-less errors left
    _write(tmp_path / "bad" / "cm.yaml", 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: "a\x00b"\n')
    _write(tmp_path / "baseline.json", b'{"findings": [\n\xff]}')
    proc, doc = _scan_json(tmp_path, "bad", "good", "--baseline", "baseline.json")
    assert proc.returncode == 2
    assert sorted((e["file"], e["line"], e["message"]) for e in doc["errors"]) == [
        ("bad/cm.yaml", 5, "invalid YAML: unacceptable character #x0000: control characters are not allowed"),
        ("baseline.json", 2, "not UTF-8 text (byte 15)")]
    assert _good_finding_reported(doc["findings"])


# ------------------------------------------------------------- F02-F04 config

def _alias_bomb(levels: int, width: int) -> str:
    lines = [f"a0: &a0 [{','.join(['x'] * width)}]"]
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\nignore:\n  - rule: RES101\n    reason: r\n    resource: *a{levels}\n"


@pytest.mark.parametrize("content, words, line", [
    ("d: !!bool\n", "'' is not a valid !!bool value", 1),  # F02: KeyError traceback
    ("fail_on: !!bool maybe\n", "'maybe' is not a valid !!bool value", 1),
    ("x: !!float\n", "'' is not a valid !!float value", 1),  # IndexError traceback
    ("options:\n  RES414:\n    backoff_limit_threshold: .inf\n", "'.inf' is not a finite number", 3),
    ("[" * 999 + "]" * 999, "values nested more than 32 levels deep", 1),  # F03: RecursionError in jsonschema
    (_alias_bomb(7, 9), "YAML aliases expand this document past 100,000 values", 1),  # F04: 1 GiB, 254 MB message
    # libyaml's composer recursed in C once per level: a segfault (exit 139), before any check
    ("fail_on: high\nignore: " + "[" * 60_000 + "]" * 60_000 + "\n", "values nested more than 1000 levels deep", 2),
], ids=["bool-empty", "bool-maybe", "float-empty", "option-infinite", "nested-999", "alias-bomb", "nested-60000"])
def test_f02_f04_hostile_config_is_an_input_error(tmp_path, good, content, words, line):
    _write(tmp_path / ".resilint.yaml", content)
    proc = run_cli("scan", "good", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    assert f".resilint.yaml:{line}: " in proc.stderr and words in proc.stderr, proc.stderr
    assert len(proc.stderr) < 2000  # never the repr of an expanded value


def test_config_schema_error_never_prints_an_unbounded_value(tmp_path, good):
    _write(tmp_path / ".resilint.yaml", "ignore:\n  - " + "x" * 100_000 + "\n")
    proc = run_cli("scan", "good", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert ".resilint.yaml:2: ignore[0] must be a mapping" in proc.stderr
    assert len(proc.stderr) < 1000


# -------------------------------------------------------------- F05-F06 Rego

def test_f05_a_policy_that_crashes_the_engine_is_named_and_built_in_findings_remain(tmp_path, good):
    # regopy 1.2-1.5.2 segfaults on this: the whole scan died with exit 139 and no output
    _write(tmp_path / "pol" / "p.rego", "package i\nwarn contains{}{\n\tsome f in es\nf(x) = f(x)\n}\n")
    _write(tmp_path / "tf" / "main.tf",
           (POLICIES / "sqs_dlq_retention" / "fixtures" / "fail-no-dead-letter-queue.tf").read_text())
    proc, doc = _scan_json(tmp_path, "good", "tf", "--policy", "pol", "--policy", str(POLICIES))
    assert proc.returncode == 2
    assert len(doc["errors"]) == 1, doc["errors"]
    error = doc["errors"][0]
    assert error["file"] == "pol/p.rego" and error["line"] == 2
    assert "the Rego engine crashed" in error["message"] and "rule warn of package i" in error["message"]
    assert _good_finding_reported(doc["findings"])
    # the bundled policies ran again without it
    assert any(f["rule_id"] == "ORG201" for f in doc["findings"]), doc["findings"]


def test_f06_deeply_nested_policy_never_reaches_the_parser(tmp_path, good):
    # 5,000 levels took regopy's parser 2.9 GB and 16 s
    _write(tmp_path / "pol" / "p.rego",
           'package i\ndeny contains { "a": 1, r := ' + "[" * 5000 + "]" * 5000 + " } if { true }\n")
    proc, doc = _scan_json(tmp_path, "good", "--policy", "pol")
    assert proc.returncode == 2
    assert doc["errors"] == [{"file": "pol/p.rego", "line": 2, "message":
                              "brackets nested more than 64 levels deep: not handed to the Rego engine"}]
    assert _good_finding_reported(doc["findings"])


def test_a_runaway_policy_is_stopped_at_its_memory_bound(tmp_path):
    from linter.rego_sandbox import run_policies_contained

    _write(tmp_path / "p.rego", "package big\nimport rego.v1\ndeny contains msg if {\n"
           "  n := count([i | some i in numbers.range(1, 2000000000)])\n  msg := sprintf(\"%d\", [n])\n}\n")
    findings, errors = run_policies_contained([str(tmp_path / "p.rego")], [], None,
                                              time_limit=60, memory_limit=200 << 20)
    assert findings == []
    assert len(errors) == 1 and errors[0].file.endswith("p.rego") and errors[0].line == 3
    assert "took over 200 MiB of memory while checking rule deny of package big" in errors[0].message


def test_a_runaway_policy_is_stopped_at_its_cpu_time_bound(tmp_path):
    from linter.rego_sandbox import run_policies_contained

    _write(tmp_path / "p.rego", "package spin\nimport rego.v1\ndeny contains msg if {\n"
           "  some i in numbers.range(1, 200000000)\n  i < 0\n  msg := \"x\"\n}\n")
    findings, errors = run_policies_contained([str(tmp_path / "p.rego")], [], None,
                                              time_limit=1, memory_limit=8 << 30)
    assert findings == []
    assert len(errors) == 1 and errors[0].line == 3
    # RLIMIT_CPU stops it; on a machine too busy to give it that CPU, the wall-clock bound does
    assert "the Rego engine ran past 1 s" in errors[0].message
    assert "while checking rule deny of package spin" in errors[0].message


def test_a_scan_without_policies_starts_no_process(tmp_path, good):
    code = ("import sys; from linter.cli import main; main(sys.argv[1:]); "
            "print('LOADED', 'multiprocessing' in sys.modules or 'linter.rego_sandbox' in sys.modules, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, "scan", "good", "-q"], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert "LOADED False" in proc.stderr, proc.stderr


# --------------------------------------------------- F07 non-finite numbers

F07_PLAN = ('{"format_version":"1.2","resource_changes":[{"address":"aws_sqs_queue.q","mode":"managed",'
            '"type":"aws_sqs_queue","name":"q","change":{"actions":["create"],"before":null,"after_unknown":{},'
            '"after":{"name":"q","message_retention_seconds":-Infinity,"visibility_timeout_seconds":Infinity}}}]}')
F07_STACK = textwrap.dedent("""\
    {"version": 3, "deployment": {"resources": [
     {"urn": "urn:pulumi:dev::shop::aws:sqs/queue:Queue::q", "custom": true, "type": "aws:sqs/queue:Queue",
      "inputs": {"name": "q",
                 "visibilityTimeoutSeconds": NaN}}]}}
""")
F07_ISTIO = textwrap.dedent("""\
    apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: {name: r}
    spec:
      hosts: [r]
      http:
      - route: [{destination: {host: r}}]
        retries:
          attempts: -.inf
""")


@pytest.mark.parametrize("name, content, words, line", [
    ("plan.json", F07_PLAN, "Infinity or NaN is not a JSON number", 1),
    ("stack.json", F07_STACK, "Infinity or NaN is not a JSON number", 4),
    ("events.ndjson", '{"sequence": 1, "timestamp": 1}\n{"sequence": 2, "x": -Infinity}\n',
     "Infinity or NaN is not a JSON number", 2),
    ("istio.yaml", F07_ISTIO, "'-.inf' is not a finite number", 9),
    ("main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n  visibility_timeout_seconds = 1e400\n}\n',
     "the number 1e400 is too large to judge", 3),
], ids=["plan-infinity", "pulumi-nan", "event-log-infinity", "yaml-minus-inf", "hcl-1e400"])
def test_f07_non_finite_numbers_are_input_errors_with_their_line(tmp_path, good, name, content, words, line):
    _write(tmp_path / "bad" / name, content)
    proc, doc = _scan_json(tmp_path, "bad", "good")
    assert proc.returncode == 2
    assert [(e["file"], e["line"]) for e in doc["errors"]] == [(f"bad/{name}", line)], doc["errors"]
    assert words in doc["errors"][0]["message"]
    assert _good_finding_reported(doc["findings"])


def test_f07_json_that_is_not_infrastructure_may_hold_nan(tmp_path, good):
    _write(tmp_path / "data.json", '{"ratio": NaN}')
    proc, doc = _scan_json(tmp_path, "data.json", "good")
    assert doc["errors"] == []
    assert _good_finding_reported(doc["findings"])


# ----------------------------------------------------- F08 tags in manifests

@pytest.mark.parametrize("content, words, line", [
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: !!bool maybe\n", "'maybe' is not a valid !!bool value", 5),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: !!float\n", "'' is not a valid !!float value", 5),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: !!int x1\n", "invalid YAML value", 5),
], ids=["bool-maybe", "float-empty", "int-text"])
def test_f08_a_tag_that_does_not_fit_its_value_is_an_error_at_its_line(tmp_path, good, content, words, line):
    _write(tmp_path / "bad" / "cm.yaml", content)
    proc, doc = _scan_json(tmp_path, "bad", "good")
    assert proc.returncode == 2
    assert [(e["file"], e["line"]) for e in doc["errors"]] == [("bad/cm.yaml", line)], doc["errors"]
    assert words in doc["errors"][0]["message"]
    assert _good_finding_reported(doc["findings"])


def test_f08_a_non_kubernetes_yaml_file_with_a_broken_tag_is_not_judged(tmp_path, good):
    _write(tmp_path / "other.yaml", "!!bool\n")  # 6 bytes: failed the whole scan
    proc, doc = _scan_json(tmp_path, "other.yaml", "good")
    assert doc["errors"] == []
    assert _good_finding_reported(doc["findings"])


# ------------------------------------------ F09 after_unknown beyond `after`

def test_f09_after_unknown_list_element_that_after_lacks(tmp_path, good):
    plan = {"format_version": "1.2", "resource_changes": [{
        "address": "google_sql_database_instance.orders", "mode": "managed", "type": "google_sql_database_instance",
        "name": "orders", "change": {"actions": ["create"], "before": None, "after": {"settings": []},
                                     "after_unknown": {"settings": [{"backup_configuration": [{"enabled": True}]}]}}}],
        "configuration": {"root_module": {"resources": [
            {"address": "google_sql_database_instance.orders", "expressions": {"settings": []}}]}}}
    _write(tmp_path / "plan.json", json.dumps(plan))
    proc, doc = _scan_json(tmp_path, "plan.json", "good")
    assert doc["errors"] == []  # was: internal error while loading: UnknownValueError, every resource dropped
    assert any(f["resource"] == "google_sql_database_instance.orders" for f in doc["findings"])
    assert _good_finding_reported(doc["findings"])


# ------------------------------------- F10 a duplicate silenced a Rego policy

def test_f10_a_duplicate_resource_never_silences_a_policy_elsewhere(tmp_path):
    queue = 'resource "aws_sqs_queue" "jobs" {{\n  name = "{}"\n  tags = {{ account = "payments" }}\n}}\n'
    _write(tmp_path / "dup" / "a.tf", queue.format("a"))
    _write(tmp_path / "dup" / "b.tf", queue.format("b"))  # terraform validate: duplicate resource
    valid = (POLICIES / "sqs_dlq_retention" / "fixtures" / "fail-no-dead-letter-queue.tf").read_text()
    _write(tmp_path / "ok" / "main.tf", valid)
    proc, doc = _scan_json(tmp_path, "ok", "dup", "--policy", str(POLICIES))
    assert proc.returncode == 2
    assert [(e["file"], e["line"]) for e in doc["errors"]] == [("dup/b.tf", 1)], doc["errors"]
    assert "aws_sqs_queue.jobs is also declared at dup/a.tf:1" in doc["errors"][0]["message"]
    assert any(f["rule_id"] == "ORG201" and f["file"] == "ok/main.tf" for f in doc["findings"]), doc["findings"]


# ------------------------------------------------------ F11-F13 report files

@pytest.mark.parametrize("command", ["scan", "baseline"])
def test_f11_output_that_is_a_scanned_input_is_refused(tmp_path, command):
    _write(tmp_path / "shop.yaml", GOOD)
    proc = run_cli(command, "shop.yaml", "-o", "shop.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "resilint: error: shop.yaml is a scanned input" in proc.stderr
    assert (tmp_path / "shop.yaml").read_text() == GOOD


def test_f11_output_inside_a_scanned_directory_that_is_an_input(tmp_path, good):
    proc = run_cli("scan", ".", "-o", "good/worker.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and "good/worker.yaml is a scanned input" in proc.stderr
    assert (tmp_path / "good" / "worker.yaml").read_text() == GOOD
    # a report beside the inputs is fine, and rewriting it on the next scan too
    for _ in range(2):
        proc = run_cli("scan", ".", "-f", "json", "-o", "report.json", cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert _good_finding_reported(json.loads((tmp_path / "report.json").read_text())["findings"])


# A child process whose report writes are interrupted half-way by a signal (the
# first half is written, the signal is delivered, then the write would go on).
# Half-way, it copies what a reader of the report would see to seen.txt.
INTERRUPTED_WRITE = textwrap.dedent("""\
    import builtins, os, signal, sys
    # Ctrl-C as in a terminal: a suite started in the background (`cmd &` without job
    # control) leaves SIGINT ignored, and this child would inherit that
    signal.signal(signal.SIGINT, signal.default_int_handler)
    real_open = builtins.open

    class Interrupted:
        def __init__(self, fh):
            self.fh = fh
        def write(self, text):
            self.fh.write(text[: len(text) // 2])
            self.fh.flush()
            with real_open("seen.txt", "w") as seen:
                seen.write(real_open(sys.argv[2]).read())
            # raise_signal delivers to this thread, so the handler runs before the
            # second half is written; os.kill may land on another thread of the
            # process and let the write finish first on a loaded machine
            signal.raise_signal(getattr(signal, sys.argv[1]))
            self.fh.write(text[len(text) // 2:])
        def __getattr__(self, name):
            return getattr(self.fh, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.fh.__exit__(*exc)

    def interrupting_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        return Interrupted(fh) if "w" in mode and file != "seen.txt" else fh

    builtins.open = interrupting_open
    from linter.cli import main
    sys.exit(main(sys.argv[3:]))
""")


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("command", ["scan", "baseline"])
def test_f12_f13_an_interrupted_write_leaves_the_previous_file_whole(tmp_path, good, signal_name, command):
    target = "report.json" if command == "scan" else "baseline.json"
    previous = '{"previous": "report"}\n'
    _write(tmp_path / target, previous)
    args = ["scan", "good", "-f", "json", "-o", target] if command == "scan" else ["baseline", "good", "-o", target]
    proc = subprocess.run([sys.executable, "-c", INTERRUPTED_WRITE, signal_name, target, *args],
                          capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
                          timeout=120)
    assert (tmp_path / "seen.txt").read_text() == previous  # a reader during the write: the whole old file
    assert (tmp_path / target).read_text() == previous, proc.stderr  # never a truncated one
    assert proc.returncode == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["good", "seen.txt", target])  # no temp file left


def test_reports_are_replaced_whole_and_keep_their_permissions(tmp_path, good):
    _write(tmp_path / "report.json", "old")
    os.chmod(tmp_path / "report.json", 0o640)
    proc = run_cli("scan", "good", "-f", "json", "-o", "report.json", cwd=tmp_path)
    assert proc.returncode == 1
    assert _good_finding_reported(json.loads((tmp_path / "report.json").read_text())["findings"])
    assert (tmp_path / "report.json").stat().st_mode & 0o777 == 0o640


# ------------------------------------- item 7: one broken document of many

def test_a_broken_document_is_an_error_at_its_line_and_the_others_are_judged(tmp_path):
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b\n"  # unclosed flow mapping
            "---\n" + GOOD
            + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  x: !!bool maybe\n")
    _write(tmp_path / "all.yaml", text)
    proc, doc = _scan_json(tmp_path, "all.yaml")
    assert proc.returncode == 2
    lines = [e["line"] for e in doc["errors"]]
    assert len(lines) == 2 and 7 <= lines[0] <= 8 and lines[1] == text.count("\n"), doc["errors"]
    assert all(e["file"] == "all.yaml" for e in doc["errors"])
    finding = next(f for f in doc["findings"] if f["resource"] == "Deployment/good/worker" and f["rule_id"] == "RES101")
    assert finding["line"] == 8 + 5  # replicas: line 5 of the document that starts after line 8


# pieces of a JSON string's body: escapes of both halves of a UTF-16 pair in both
# cases, an escaped backslash (after which `ud800` is text, not an escape), others
_STRING_PIECES = ["\\ud83d", "\\uDE00", "\\ude00", "\\uD800", "\\udbff", "\\udc00", "\\\\", "\\\\\\ud83d",
                  "\\u00e9", "\\ud7ff", "\\ue000", "ud800", "a", "\\n", "\\\""]


def test_lone_surrogate_check_agrees_with_python_on_every_string():
    """`check_surrogates` scans the text without the parsed document: it rejects
    exactly the JSON strings whose decoded value no report could encode."""
    from hypothesis import given, settings, strategies as st

    from linter.loaders import check_surrogates
    from linter.model import InputError

    @settings(max_examples=1500, deadline=None, database=None)
    @given(st.lists(st.sampled_from(_STRING_PIECES), max_size=8))
    def agrees(pieces):
        text = '{"k": "' + "".join(pieces) + '"}'
        value = json.loads(text)["k"]
        try:
            value.encode("utf-8")
            lone = False
        except UnicodeEncodeError:
            lone = True
        try:
            check_surrogates(text, "x.json")
            rejected = False
        except InputError as err:
            rejected = True
            assert "lone UTF-16 surrogate" in err.message and err.line == 1
        assert rejected == lone, text

    agrees()


# ------------------------------------------------------------------ Terraform: found by a longer fuzzing run

def test_a_legacy_index_of_4400_digits_is_judged_as_terraform_would_not_a_traceback(tmp_path, good):
    # `local.l.999…9`: an index no list has (terraform: "Invalid index"), so the value
    # is unknown; the other attributes of the block are still judged
    _write(tmp_path / "bad" / "main.tf", 'locals {\n  l = [1]\n}\nresource "aws_sqs_queue" "q" {\n  name = "q"\n'
                                         '  delay_seconds = local.l.' + "9" * 4400 + '\n}\n')
    proc, doc = _scan_json(tmp_path, "bad", "good")
    assert doc["errors"] == []
    assert _good_finding_reported(doc["findings"])
    assert any(f["resource"] == "aws_sqs_queue.q" for f in doc["findings"]), doc["findings"]


TERRAFORM_ROOT = {
    "main.tf": 'resource "aws_sqs_queue" "first" {\n  name = "first"\n}\n\n'
               'module "db" {\n  source = "./db"\n}\n\n'
               'resource "aws_sqs_queue" "second" {\n  name = "second"\n}\n',
    "db/main.tf": 'resource "aws_db_instance" "x" {\n  engine = "postgres"\n}\n',
    "other.tf": 'resource "aws_sqs_queue" "third" {\n  name = "third"\n}\n',
}


def _bug(*args, **kwargs):
    raise ZeroDivisionError("a bug in resilint")


@pytest.mark.parametrize("where, patch, error_file, error_line, lost", [
    # a parser bug on one file: that file is an error, the module's other files still load
    ("parse", ("linter.terraform.modules", "parse_hcl", "other.tf"), "other.tf", None, {"aws_sqs_queue.third"}),
    # an evaluation bug on one block: that block is an error at its line, the others are judged
    ("block", ("linter.terraform.tree.ModuleTree", "_build_resources", "first"), "main.tf", 1, {"aws_sqs_queue.first"}),
    # a bug expanding a module call: the call is an error at its line, the root's resources remain
    ("module", ("linter.terraform.modules.ModuleInstance", "children", "db"), "main.tf", 5,
     {"module.db.aws_db_instance.x"}),
])
def test_a_bug_in_the_terraform_loader_costs_only_what_it_touched(tmp_path, good, monkeypatch, where, patch, error_file,
                                                                 error_line, lost):
    """In process (the bug is injected): a loader bug is an error naming the file and
    line, never a traceback, and costs the findings of that file, block or call only."""
    import importlib

    from linter.cli import main

    for name, content in TERRAFORM_ROOT.items():
        _write(tmp_path / "root" / name, content)
    target, attribute, trigger = patch
    module_name, _, class_name = target.rpartition(".") if where != "parse" else (target, "", "")
    owner = importlib.import_module(module_name if where != "parse" else target)
    owner = getattr(owner, class_name) if class_name else owner
    real = getattr(owner, attribute)

    def buggy(*args, **kwargs):
        if any(trigger == a or trigger in str(a) for a in args[1:3]):
            _bug()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, attribute, buggy)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.json"
    code = main(["scan", "root", "good", "--format", "json", "-o", str(out)])
    doc = json.loads(out.read_text())
    assert code == 2
    (error,) = doc["errors"]
    assert error["file"] == f"root/{error_file}" and error["line"] == error_line, error
    assert "internal error" in error["message"] and "ZeroDivisionError: a bug in resilint" in error["message"]
    judged = {f["resource"] for f in doc["findings"]}
    assert _good_finding_reported(doc["findings"])
    everything = {"aws_sqs_queue.first", "aws_sqs_queue.second", "aws_sqs_queue.third", "module.db.aws_db_instance.x"}
    assert judged >= everything - lost and not judged & lost, judged


@pytest.mark.parametrize("count, words", [
    ("NaNsize", "count is `NaNsize`, a reference that names no value"),  # the fuzzer's case, verbatim below
    ("[aws_instance.a]", 'count must be a whole number >= 0, got ["(known after apply)"]'),
])
def test_a_count_terraform_rejects_is_an_error_at_its_line_not_an_internal_error(tmp_path, good, count, words):
    _write(tmp_path / "bad" / "main.tf",
           'variable "size" { default = 1 }\nvariable "name" { default = "default" }\nvariable "multi_az" {\n'
           '  type    = bool\n  default = true\n}\nresource "aws_instance" "a" {}\nresource "terraform_data" "db" {\n'
           f'  count ={count}\n  input = {{ name = var.name, multi_az = var.multi_az }}\n}}\n')
    proc, doc = _scan_json(tmp_path, "bad", "good")
    assert proc.returncode == 2 and _good_finding_reported(doc["findings"])
    (error,) = doc["errors"]
    assert (error["file"], error["line"]) == ("bad/main.tf", 9) and words in error["message"], error


# ------------------------------------------------------------------ names too long to look up
# A path taken from user text longer than a file name may be (255 bytes) made
# `Path.is_dir()` raise (ENAMETOOLONG; EACCES too) instead of answering no: the scan
# ended in a traceback. Found by fuzzing the corpus and Terragrunt units.
LONG = "n" * 300


@pytest.mark.parametrize("name, content", [
    ("bad/main.tf", f'module "x" {{\n  source = "./{LONG}"\n}}\n'),
    ("bad/main.tf", f'module "y" {{\n  source = "git::https://github.com/acme/x.git//{LONG}?ref=v1"\n}}\n'),
    ("bad/main.tf", f'output "o" {{\n  value = fileexists("{LONG}")\n}}\n'),
    ("bad/kustomization.yaml", f"resources:\n- {LONG}\n- app.yaml\n"),
    ("bad/terragrunt.hcl", f'terraform {{\n  source = "../{LONG}//db"\n}}\ninputs = {{ a = 1 }}\n'),
    ("bad/terragrunt.hcl", f'include {{\n  path = "{LONG}.hcl"\n}}\n'),
    ("bad/terragrunt.hcl", f'locals {{\n  x = read_terragrunt_config("{LONG}")\n}}\n'),
])
def test_a_name_too_long_to_look_up_is_no_traceback(tmp_path, good, name, content):
    _write(tmp_path / name, content)
    proc, doc = _scan_json(tmp_path, "bad", "good")
    assert _good_finding_reported(doc["findings"])
    assert not [e for e in doc["errors"] if "internal error" in e["message"]], doc["errors"]


def test_a_command_line_path_too_long_to_look_up_is_an_error(tmp_path, good):
    proc, doc = _scan_json(tmp_path, "a/" * 3000, "good")
    assert proc.returncode == 2 and _good_finding_reported(doc["findings"])
    assert [(e["file"], e["message"]) for e in doc["errors"]] == [("a/" * 2999 + "a", "cannot read: File name too long")]


def test_no_path_is_asked_about_with_a_method_that_raises():
    """`Path.is_dir()`, `is_file()` and `exists()` raise for a name too long to look up;
    os.path's answer no. Only os.DirEntry's (from a listing, named `entry`/`e`) are left."""
    import re

    asked = re.compile(r"(\w+|\))\.(is_dir|is_file|exists)\(\)")
    found = []
    for path in sorted((REPO / "linter").rglob("*.py")):
        if path.name == "scaffold.py":  # a developer tool run on this repository, not on user input
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.relative_to(REPO)}:{number}" for m in asked.finditer(line) if m.group(1) not in ("entry", "e")]
    assert found == []
