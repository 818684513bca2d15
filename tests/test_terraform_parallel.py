"""Terraform roots loaded on several cores give exactly the serial scan's report.

Roots are scopes of their own, so big scans of many roots load them in worker
processes (`linter.terraform.tree._load_in_pool`); the threshold is lowered
here so small trees go through the pool. The JSON reports must be
byte-identical: resources, findings, lines, errors (deduplicated, in order)
and unresolved module calls.
"""

from __future__ import annotations

import gc
import json
import os
import textwrap

import pytest

from linter import engine
from linter.engine import ScanOptions, scan
from linter.loaders import parallel
from linter.model import Finding, Severity, Verdict
from linter.rules import select_rules
from linter.reporters import ReportSettings, render
from linter.terraform import tree
from tests.conftest import REPO, corpus_dir


def report(paths: list[str], jobs: int, **options) -> str:
    result = scan(paths, ScanOptions(loader_options={"jobs": jobs}, **options))
    return render("json", result, ReportSettings())


@pytest.fixture
def pool_used(monkeypatch):
    """The pool for any size; the list fills when it is used."""
    monkeypatch.setattr(tree, "PARALLEL_MIN_BYTES", 0)
    used: list[int] = []
    real = tree._load_in_pool
    monkeypatch.setattr(tree, "_load_in_pool", lambda *a: used.append(1) or real(*a))
    return used


def roots_tree(root) -> None:
    """Roots calling a shared module (scanned too), one root calling another, a module
    with a syntax error called from two roots (one error), an unresolved call in two
    roots (listed once), a root a plan covers, a tfvars file, a root with two environments."""
    (root / "modules" / "db").mkdir(parents=True)
    (root / "modules" / "db" / "main.tf").write_text(textwrap.dedent("""\
        variable "replicas" { default = 2 }
        resource "aws_db_instance" "this" {
          count    = var.replicas > 0 ? 1 : 0
          engine   = "postgres"
          multi_az = var.replicas > 1
        }
        """))
    (root / "modules" / "broken").mkdir(parents=True)
    (root / "modules" / "broken" / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = \n}\n')
    for i in range(6):
        env = root / "envs" / f"env{i}"
        env.mkdir(parents=True)
        (env / "main.tf").write_text(textwrap.dedent(f"""\
            variable "replicas" {{ default = {i % 3} }}
            module "db" {{
              source   = "../../modules/db"
              replicas = var.replicas
            }}
            module "remote" {{
              source = "terraform-aws-modules/sqs/aws"
            }}
            resource "aws_sqs_queue" "q{i}" {{
              for_each                  = toset(["a", "b"])
              name                      = "q-{i}-${{each.key}}"
              message_retention_seconds = {60 * (i + 1)}
            }}
            """))
        if i % 2:
            (env / "broken.tf").write_text('module "broken" {\n  source = "../../modules/broken"\n}\n')
        if i == 2:  # environments: planned once with each
            (env / "prod.tfvars").write_text("replicas = 2\n")
            (env / "staging.tfvars").write_text("replicas = 0\n")
        if i == 3:
            (env / "terraform.tfvars").write_text("replicas = 1\n")
            (env / "syntax.tf").write_text('resource "aws_sqs_queue" "bad" {\n  name = "x"\n')
    (root / "envs" / "env5" / "child").mkdir()
    (root / "envs" / "env5" / "child" / "main.tf").write_text('resource "aws_sqs_queue" "c" {\n  name = "c"\n}\n')
    (root / "envs" / "env5" / "calls.tf").write_text('module "child" {\n  source = "./child"\n}\n')


def test_roots_report_the_same_serial_and_parallel(tmp_path, pool_used):
    roots_tree(tmp_path)
    serial = report([str(tmp_path)], jobs=1, root=str(tmp_path))
    assert not pool_used
    doc = json.loads(serial)
    assert doc["findings"] and doc["errors"] and doc["unresolved_modules"]
    assert report([str(tmp_path)], jobs=2, root=str(tmp_path)) == serial
    assert pool_used, "the pool was not used"


def test_real_modules_report_the_same_serial_and_parallel(pool_used):
    paths = [str(corpus_dir("terraform-modules")), str(REPO / "fixtures" / "RES301")]
    serial = report(paths, jobs=1)
    assert json.loads(serial)["findings"]
    assert report(paths, jobs=2) == serial
    assert pool_used


def test_one_root_stays_in_process(tmp_path, monkeypatch):
    monkeypatch.setattr(tree, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(tree, "_load_in_pool", lambda *a: pytest.fail("a pool for one root"))
    roots_tree(tmp_path)
    assert json.loads(report([str(tmp_path / "envs" / "env0" / "main.tf")], jobs=2))["findings"]


def test_no_processes_to_be_had_loads_in_process(tmp_path, pool_used, monkeypatch):
    from linter.loaders import parallel

    def no_fork(jobs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(parallel, "process_pool", no_fork)
    roots_tree(tmp_path)
    serial = report([str(tmp_path)], jobs=1, root=str(tmp_path))
    assert report([str(tmp_path)], jobs=2, root=str(tmp_path)) == serial
    assert pool_used


def test_three_processes_report_the_same_as_one(tmp_path, pool_used):
    roots_tree(tmp_path)
    serial = report([str(tmp_path)], jobs=1, root=str(tmp_path))
    assert report([str(tmp_path)], jobs=3, root=str(tmp_path)) == serial
    assert pool_used


def test_a_worker_that_did_not_parse_the_share_parses_it_before_loading(tmp_path):
    """In a pool of several workers, the roots of a share may reach a worker that did
    not parse it: it parses the share itself and loads the same resources and errors."""
    roots_tree(tmp_path)
    files_of = {d: sorted(d.glob("*.tf")) for d in sorted(tmp_path.glob("envs/*")) + [tmp_path / "modules" / "db"]}
    share = list(range(len(files_of)))
    roots = [i for i, d in enumerate(files_of) if d.parent.name == "envs"]
    parsed = tree.ModuleTree()
    parsed.scanned_files = files_of
    scanned = list(files_of)
    tree._parse(parsed, [(i, scanned[i]) for i in share])
    expected = tree._load(parsed, [(i, scanned[i]) for i in roots])
    try:
        got = tree._load_roots(("never parsed here", 0), share, roots, files_of, None)
    finally:
        gc.enable()  # a worker pauses the collector for good; this process is the test run
    assert set(got) == set(expected) == set(roots)

    def shown(loaded):
        return {i: ([r.address for r in rs], [str(e) for e in es], [u.address for u in us], verdict)
                for i, (rs, es, us, verdict) in loaded.items()}

    assert shown(got) == shown(expected)
    assert any(es for _rs, es, _us, _verdict in got.values()), "the tree's errors were not met"


def test_a_worker_without_the_scanned_directories_leaves_the_load_to_the_scan():
    with pytest.raises(OSError):
        tree._parse_batch(("spawned", 0), [0], None, None)


def test_spawned_workers_are_sent_the_scanned_directories(tmp_path, pool_used, monkeypatch):
    """Where fork is unsafe (a host with threads), workers start fresh: they are sent
    the scanned directories instead of inheriting them."""
    from linter.loaders import parallel

    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    finished: list[int] = []
    entered = tree._load_in_pool  # the fixture's wrapper
    monkeypatch.setattr(tree, "_load_in_pool", lambda *a: (entered(*a), finished.append(1))[0])
    roots_tree(tmp_path)
    serial = report([str(tmp_path)], jobs=1, root=str(tmp_path))
    assert report([str(tmp_path)], jobs=2, root=str(tmp_path)) == serial
    assert pool_used and finished, "the pool did not finish (the scan loaded in process)"


# ------------------------------------------------------------ roots judged where they load
def keep_spy(monkeypatch) -> list[Verdict]:
    """The verdicts the scan keeps (made in this process or in a worker)."""
    kept: list[Verdict] = []
    real = engine.JudgeAsLoaded.keep
    monkeypatch.setattr(engine.JudgeAsLoaded, "keep", lambda self, v: kept.append(v) or real(self, v))
    return kept


def test_roots_judged_where_they_load_give_the_serial_report(tmp_path, pool_used, monkeypatch):
    """Each process runs the rules on the roots it loads; a worker's findings come
    back with its resources and the rules stage takes them in their place."""
    kept = keep_spy(monkeypatch)
    taken: list[int] = []  # the scopes the rules stage took a verdict for
    real_part = engine._run_part
    monkeypatch.setattr(engine, "_run_part", lambda scopes, *a, **k: taken.append(
        sum(isinstance(s, Verdict) for s in scopes)) or real_part(scopes, *a, **k))
    roots_tree(tmp_path)
    serial = report([str(tmp_path)], jobs=1, root=str(tmp_path))
    assert not kept and taken == [0]
    assert report([str(tmp_path)], jobs=2, root=str(tmp_path)) == serial
    assert pool_used
    judged = {v.scope for v in kept}
    assert len(judged) == len(kept) == 7  # every root, once, and env2 once per environment
    assert taken == [0, 7], "the worker's verdicts (pickled with its resources) were not taken"
    assert sum(len(v.findings) for v in kept) == len(json.loads(serial)["findings"])


def test_the_rules_stage_takes_only_the_verdicts_made_on_its_scopes(tmp_path, monkeypatch):
    """A verdict is taken for a scope holding exactly what was judged; another
    scope (or one holding more) is judged by the rules stage."""
    roots_tree(tmp_path)
    resources = [r for r in scan([str(tmp_path)], ScanOptions(loader_options={"jobs": 1})).resources]
    rules = select_rules(None, None)
    serial = engine.run_rules(resources, rules, ScanOptions())
    groups = engine.by_scope(resources)
    first, second = list(groups)[:2]
    marker = Finding("RESX", "marker", Severity.LOW, "m", "t", "f", 1, "judged elsewhere", "")
    verdicts = {
        first: Verdict(first, list(groups[first]), [marker], []),
        second: Verdict(second, groups[second][1:], [marker], []),
    }
    findings, errors = engine.run_rules(resources, rules, ScanOptions(), verdicts)
    judged_first = [f for f in serial[0] if f.root == first or f.file.startswith(first + os.sep)]
    assert judged_first, "the first scope has findings of its own"
    expected = [marker] + [f for f in serial[0] if f not in judged_first]
    assert [(f.rule_id, f.resource, f.message) for f in findings] == [
        (f.rule_id, f.resource, f.message) for f in expected]
    assert errors == serial[1]


def test_verdicts_keep_their_place_when_rules_run_on_two_cores(tmp_path, monkeypatch):
    """The second half of the checks in a forked child: verdicts between, before and
    after the scopes judged there keep their serial place."""
    roots_tree(tmp_path)
    resources = scan([str(tmp_path)], ScanOptions(loader_options={"jobs": 1})).resources
    rules = select_rules(None, None)
    groups = engine.by_scope(resources)
    names = list(groups)
    judge = engine.JudgeAsLoaded(ScanOptions(), rules)
    verdicts = {}
    for name in (names[0], names[len(names) // 2], names[-1]):
        verdict = judge(groups[name])
        assert verdict is not None
        verdicts[name] = verdict
    serial = engine.run_rules(resources, rules, ScanOptions())
    monkeypatch.setattr(engine, "PARALLEL_MIN_CHECKS", 0)
    forks: list[int] = []
    real = parallel.in_two
    monkeypatch.setattr(parallel, "in_two", lambda here, there: forks.append(1) or real(here, there))
    both = engine.run_rules(resources, rules, ScanOptions(loader_options={"jobs": 2}), verdicts)
    assert forks
    assert [f.to_dict() for f in both[0]] == [f.to_dict() for f in serial[0]]
    assert both[1] == serial[1]


def test_roots_normalize_changes_are_left_to_the_rules_stage(tmp_path, pool_used, monkeypatch):
    """A root holding Terraform's Kubernetes objects (made canonical by the normalize
    stage, after loading) is not judged where it loads; the report is the serial one."""
    kept = keep_spy(monkeypatch)
    roots_tree(tmp_path)
    k8s = tmp_path / "envs" / "env2"
    (k8s / "deploy.tf").write_text((REPO / "fixtures" / "RES505" / "fail-no-zone-spread.tf").read_text())
    serial = report([str(tmp_path)], jobs=1, root=str(tmp_path))
    assert "RES505" in serial
    assert report([str(tmp_path)], jobs=2, root=str(tmp_path)) == serial
    assert pool_used and len(kept) == 5 and str(k8s) not in {v.scope for v in kept}


def test_a_root_under_a_config_of_its_own_is_judged_with_that_config(tmp_path, monkeypatch, capsys):
    """A nested .resilint.yaml chooses other rules for its root: that root's verdict
    (made with the scan's rules) is not taken; the command's report is the serial one."""
    from linter.cli import main

    monkeypatch.setattr(tree, "PARALLEL_MIN_BYTES", 0)
    kept = keep_spy(monkeypatch)
    roots_tree(tmp_path)
    (tmp_path / "envs" / "env1" / ".resilint.yaml").write_text("select: [RES5]\n")
    argv = ["scan", str(tmp_path), "--format", "json", "--exit-zero"]

    def run(cores: int) -> str:
        monkeypatch.setattr(parallel, "available_cores", lambda: cores)
        assert main(argv) == 2  # the tree's syntax errors
        return capsys.readouterr().out

    serial = run(1)
    assert not kept
    assert run(2) == serial
    assert kept, "no root was judged where it loaded"
    doc = json.loads(serial)
    assert not any(f["rule_id"] == "RES401" and "/env1/" in f["file"] for f in doc["findings"])
    assert any(f["rule_id"] == "RES401" and "/env0/" in f["file"] for f in doc["findings"])


def test_a_lone_workers_roots_come_back_in_parts_from_the_tree_it_parsed(tmp_path):
    """One worker sends its roots back in RESULT_PARTS messages: each part loads from the
    tree the worker parsed (kept until the last part), and the parts hold what one
    message would."""
    roots_tree(tmp_path)
    files_of = {d: sorted(d.glob("*.tf")) for d in sorted(tmp_path.glob("envs/*")) + [tmp_path / "modules" / "db"]}
    share = list(range(len(files_of)))
    roots = [i for i, d in enumerate(files_of) if d.parent.name == "envs"]
    token = ("parts", 0)
    try:
        whole = tree._load_roots(("whole", 0), share, roots, files_of, None)
        tree._parse_batch(token, share, files_of, None)
        parsed = tree._PARSED[(token, 0)]
        got: dict = {}
        parts = tree._parts(roots, tree.RESULT_PARTS)
        for n, part in enumerate(parts):
            got.update(tree._load_roots(token, share, part, files_of, None, n == len(parts) - 1))
            if n < len(parts) - 1:
                assert tree._PARSED[(token, 0)] is parsed, "the parsed tree was not kept for the next part"
        assert (token, 0) not in tree._PARSED
    finally:
        gc.enable()  # a worker pauses the collector for good; this process is the test run
    assert len([p for p in parts if p]) > 1 and [i for p in parts for i in p] == roots

    def shown(loaded):
        return {i: ([r.address for r in rs], [str(e) for e in es], [u.address for u in us])
                for i, (rs, es, us, _verdict) in loaded.items()}

    assert shown(got) == shown(whole)
