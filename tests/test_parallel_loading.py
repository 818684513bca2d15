"""Loading on several cores gives exactly the serial scan's report.

Big scans load files in worker processes (linter.loaders.parallel); the
threshold is lowered here so that the corpus and a generated tree, small as
they are, go through the pool. The JSON reports must be byte-identical:
findings, lines (looked up after the resources came back pickled), errors
and their order.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap

import pytest

from linter.engine import ScanOptions, scan
from linter.loaders import parallel
from linter.reporters import ReportSettings, render
from tests.conftest import REPO, corpus_dir


def report(paths: list[str], jobs: int, **options) -> str:
    result = scan(paths, ScanOptions(loader_options={"jobs": jobs}, **options))
    return render("json", result, ReportSettings())


@pytest.fixture
def pool_for_any_size(monkeypatch):
    """Both cores for any size: a worker for loading, a forked child for half the rule checks."""
    from linter import engine

    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine, "PARALLEL_MIN_CHECKS", 0)
    forks: list[int] = []
    real = parallel.in_two
    monkeypatch.setattr(parallel, "in_two", lambda here, there: forks.append(1) or real(here, there))
    return forks


def test_pool_is_used_and_gives_the_serial_report_on_the_corpus(pool_for_any_size, monkeypatch):
    used = []
    real = parallel._load_in_pool
    monkeypatch.setattr(parallel, "_load_in_pool", lambda *a: used.append(1) or real(*a))
    # the formats loaded file by file (Terraform roots load together, in this process)
    paths = [str(corpus_dir(name)) for name in ("kubernetes", "tfplan", "pulumi")] + [str(REPO / "examples")]
    serial = report(paths, jobs=1)
    assert not used
    assert report(paths, jobs=2) == serial
    assert used, "the pool was not used"
    doc = json.loads(serial)
    assert doc["findings"] and doc["summary"]["files"] > 20


def generated_tree(root) -> None:
    """Manifests (one with a List), plans beside their Terraform roots, a Pulumi
    stack, broken files and files that are not infrastructure."""
    for i in range(12):
        (root / f"k8s-{i}.yaml").write_text(textwrap.dedent(f"""\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {{name: web-{i}, namespace: shop}}
            spec:
              replicas: {i % 3}
              selector: {{matchLabels: {{app: web-{i}}}}}
              template:
                metadata: {{labels: {{app: web-{i}}}}}
                spec:
                  containers:
                  - name: web
                    image: web:{i}
            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {{name: web-{i}, namespace: shop}}
            spec:
              minAvailable: {i % 2 + 1}
              selector: {{matchLabels: {{app: web-{i - 1}}}}}
            """))
    (root / "list.yaml").write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: List
        items:
        - apiVersion: apps/v1
          kind: StatefulSet
          metadata: {name: db, namespace: shop}
          spec:
            replicas: 1
            selector: {matchLabels: {app: db}}
            template:
              metadata: {labels: {app: db}}
              spec: {containers: [{name: db, image: pg}]}
        """))
    (root / "broken.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: [\n")
    (root / "values.yaml").write_text("replicaCount: 1\n")
    (root / "notes.json").write_text('{"hello": "world"}\n')
    plan_root = root / "infra"
    plan_root.mkdir()
    (plan_root / "main.tf").write_text('resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n')
    (plan_root / "plan.json").write_text(json.dumps({
        "format_version": "1.2",
        "resource_changes": [{
            "address": "aws_sqs_queue.jobs", "mode": "managed", "type": "aws_sqs_queue", "name": "jobs",
            "change": {"actions": ["create"], "before": None, "after": {"name": "jobs"}, "after_unknown": {}},
        }],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_sqs_queue.jobs", "mode": "managed", "type": "aws_sqs_queue", "name": "jobs",
             "expressions": {"name": {"constant_value": "jobs"}}}]}},
    }, indent=2))
    other = root / "other"
    other.mkdir()
    (other / "main.tf").write_text('resource "aws_db_instance" "db" {\n  engine = "postgres"\n}\n')
    for fixture in sorted((REPO / "fixtures").glob("RES*/fail-*.pulumi.json"))[:6]:
        (root / f"{fixture.parent.name}-{fixture.name}").write_text(fixture.read_text())


def test_generated_tree_reports_the_same_serial_and_parallel(tmp_path, pool_for_any_size):
    generated_tree(tmp_path)
    serial = report([str(tmp_path)], jobs=1, root=str(tmp_path))
    doc = json.loads(serial)
    assert doc["errors"] and doc["findings"]
    # the plan covers its root: the queue is judged once, from the plan (a note the plan's
    # worker leaves for the Terraform loader), at its line in infra/main.tf
    queue = [f for f in doc["findings"] if f["resource"] == "aws_sqs_queue.jobs"]
    assert [f["file"] for f in queue] == [str(tmp_path / "infra" / "main.tf")], queue
    assert not pool_for_any_size  # jobs=1: no child
    assert report([str(tmp_path)], jobs=2, root=str(tmp_path)) == serial
    assert pool_for_any_size, "the rules did not run in two processes"


def test_a_batch_whose_result_cannot_be_pickled_is_loaded_here(tmp_path, pool_for_any_size, monkeypatch):
    """Values nested 900 levels deep (read: under the 1,000-level limit) cannot be pickled
    back from a worker (past the recursion limit): was a traceback and no report; the batch
    is loaded in this process instead, the report the serial scan's. So is a batch whose
    worker the pool could not take (broken)."""
    deep = "[" * 900 + "]" * 900
    for i in range(6):
        (tmp_path / f"app{i}.yaml").write_text(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web{i}}}\nspec:\n  replicas: 1\n"
            f"  template:\n    metadata: {{annotations: {{x: '1'}}}}\n    spec:\n"
            f"      containers: [{{name: a, image: a}}]\n      x: {deep if i == 2 else '[]'}\n")
    serial = report([str(tmp_path)], jobs=1)
    assert len(json.loads(serial)["findings"]) >= 6
    used = []
    real = parallel._load_in_pool
    monkeypatch.setattr(parallel, "_load_in_pool", lambda *a: used.append(1) or real(*a))
    assert report([str(tmp_path)], jobs=2) == serial
    assert used, "the pool was not used"

    class Broken:  # a pool whose workers died: every submit fails
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, *args):
            from concurrent.futures.process import BrokenProcessPool

            raise BrokenProcessPool("a worker died")

    monkeypatch.setattr(parallel, "process_pool", lambda jobs: Broken())
    assert report([str(tmp_path)], jobs=2) == serial


def test_the_forked_childs_half_is_done_here_when_the_child_dies():
    parent = os.getpid()

    def there():
        if os.getpid() != parent:
            os._exit(3)  # killed, out of memory, ...: nothing comes back
        return ["the second half"]

    assert parallel.in_two(lambda: ["the first half"], there) == (["the first half"], ["the second half"])


def test_a_result_cut_short_is_computed_here_again():
    # the child dies mid-write: half a pickle arrives, and is never taken for the result
    import pickle
    import sys

    parent = os.getpid()
    whole = pickle.dumps(["x" * 100_000] * 3, protocol=pickle.HIGHEST_PROTOCOL)

    def there():
        if os.getpid() != parent:
            sys.stdout.flush()
            real_dumps = pickle.dumps
            pickle.dumps = lambda *a, **k: real_dumps(*a, **k)[: len(whole) // 2]  # then exits 0
        return ["the second half"]

    assert parallel.in_two(lambda: "here", there) == ("here", ["the second half"])


def test_a_result_bigger_than_a_pipe_arrives_whole():
    big = [{"finding": n, "message": "m" * 200} for n in range(20_000)]  # several MB through a 64 KB pipe
    assert parallel.in_two(lambda: 1, lambda: big) == (1, big)


def test_the_forked_child_sends_its_result_back():
    parent = os.getpid()
    here, there = parallel.in_two(lambda: os.getpid(), lambda: os.getpid())
    assert here == parent and there != parent


def test_shared_parts_come_back_in_order_from_both_processes():
    """Both processes take parts until none is left; the results are the serial ones, in order."""
    import time

    parent = os.getpid()

    def work(part):
        time.sleep(0.01)  # long enough that the child, started at once, takes some
        return (part * part, os.getpid())

    results = parallel.in_two_shared(24, work)
    assert [square for square, _ in results] == [part * part for part in range(24)]
    pids = {pid for _, pid in results}
    assert parent in pids and len(pids) == 2, "one process did every part"


def test_a_slower_process_takes_fewer_parts():
    """The point of sharing: a core that runs slower (another job) does fewer parts
    instead of keeping the other waiting with an equal half."""
    import time

    parent = os.getpid()

    def work(part):
        time.sleep(0.002 if os.getpid() == parent else 0.02)  # the child ten times slower
        return os.getpid()

    pids = parallel.in_two_shared(60, work)
    assert pids.count(parent) > 40, pids


def test_shared_parts_the_child_took_are_done_here_when_it_dies():
    parent = os.getpid()
    done_here = []

    def work(part):
        if os.getpid() != parent:
            os._exit(3)  # killed after taking its first part: nothing comes back
        done_here.append(part)
        return part

    assert parallel.in_two_shared(10, work) == list(range(10))
    assert sorted(done_here) == list(range(10))


def test_shared_parts_without_fork_are_all_done_here(monkeypatch):
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    parent = os.getpid()
    assert parallel.in_two_shared(5, lambda part: (part, os.getpid())) == [(p, parent) for p in range(5)]
    for count in (0, 256):
        with pytest.raises(ValueError):
            parallel.in_two_shared(count, lambda part: part)


def test_findings_pickle_as_they_were():
    import pickle

    from linter.model import Finding, Severity

    finding = Finding("RES101", "single-replica", Severity.HIGH, "apps/Deployment/shop/web", "apps/Deployment",
                      "k8s.yaml", 7, "replicas = 1", "set replicas >= 2", notes=["declared at index.ts:3"],
                      subject="cache", root="infra", environment="prod.tfvars")
    assert pickle.loads(pickle.dumps(finding, protocol=pickle.HIGHEST_PROTOCOL)) == finding


def test_batches_spread_bytes_evenly():
    sizes = [100, 1, 1, 1, 50, 50]
    got = parallel.batches(sizes, 2)
    assert sorted(i for b in got for i in b) == list(range(6))
    assert sorted(sum(sizes[i] for i in b) for b in got) == [101, 102]


def test_small_scans_stay_in_process(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "_load_in_pool", lambda *a: pytest.fail("a pool for a small scan"))
    generated_tree(tmp_path)
    assert json.loads(report([str(tmp_path)], jobs=2))["findings"]


@pytest.mark.parametrize("load, cores, expected", [
    (0.1, 2, 2),   # an idle machine: this process and a worker
    (1.2, 2, 2),   # one core busy elsewhere still leaves one free beside this scan's
    (1.8, 2, 1),   # no core free: a worker would share this process's core
    (3.8, 2, 1),   # measured: 1.34 s on two processes against 0.71 s on one
    (2.5, 4, 2),
    (0.0, 1, 1),
])
def test_available_cores_leaves_out_busy_cores(monkeypatch, load, cores, expected):
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(parallel, "cores", lambda: cores)
    monkeypatch.setattr(parallel, "idle_cores", lambda: None)  # not measured
    assert parallel.available_cores() == expected


@pytest.mark.parametrize("load, cores, idle, expected", [
    (1.8, 2, 0.9, 2),   # the load average still counts the scans of a minute ago: the other core is idle now
    (3.8, 2, 0.95, 2),
    (1.8, 2, 0.5, 1),   # the other core half busy while this scan ran: no worker
    (1.8, 2, 0.0, 1),
    (0.1, 2, 0.0, 2),   # idle by the load average: never fewer than it says
    (3.5, 4, 2.8, 4),
    (3.5, 4, 1.5, 2),
])
def test_cores_idle_since_the_scan_began_count_beside_the_load_average(monkeypatch, load, cores, idle, expected):
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(parallel, "cores", lambda: cores)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(parallel, "idle_cores", lambda: idle)
    assert parallel.available_cores() == expected


def test_idle_cores_are_measured_from_the_scans_start():
    import time

    parallel.note_scan_start()
    assert parallel.idle_cores() is None  # too soon to tell
    if parallel._SCAN_START is None:
        pytest.skip("no /proc/stat here: the load average alone decides")
    end = time.monotonic() + 0.15
    while time.monotonic() < end:  # this process busy, as a scan is
        pass
    idle = parallel.idle_cores()
    assert idle is not None and 0.0 <= idle <= (os.cpu_count() or 1)


def test_a_busy_machine_loads_in_this_process_only(monkeypatch):
    """Without an explicit `jobs`, a scan big enough for the pool stays serial when
    the load average leaves no core free, and uses the pool when one is."""
    from linter import engine

    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine, "PARALLEL_MIN_CHECKS", 0)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(parallel, "idle_cores", lambda: None)  # the load average alone decides
    pools, forks = [], []
    real_pool, real_two = parallel._load_in_pool, parallel.in_two
    monkeypatch.setattr(parallel, "_load_in_pool", lambda *a: pools.append(1) or real_pool(*a))
    monkeypatch.setattr(parallel, "in_two", lambda here, there: forks.append(1) or real_two(here, there))
    paths = [str(REPO / "examples")]
    monkeypatch.setattr(os, "getloadavg", lambda: (3.8, 3.0, 2.0))
    busy = render("json", scan(paths, ScanOptions()), ReportSettings())
    assert not pools and not forks
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    idle = render("json", scan(paths, ScanOptions()), ReportSettings())
    assert pools and forks
    assert busy == idle


def test_lookups_rules_build_once_are_built_before_the_fork_and_shared(tmp_path, monkeypatch, pool_for_any_size):
    """RES601's zone analysis (a lookup built on first use, once per scope) is built
    once, here, before half the checks go to the forked child; the report is the serial one."""
    from linter import failure_domains

    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from bench_pulumi import generate
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps(generate(400), indent=4))
    built_in = tmp_path / "built-in"
    real = failure_domains._partial

    def partial(index, types):
        with open(built_in, "a") as out:  # the child's note survives it: a file, not a list
            out.write(f"{os.getpid()}\n")
        return real(index, types)

    monkeypatch.setattr(failure_domains, "_partial", partial)
    serial = report([str(stack)], jobs=1)
    assert built_in.read_text() == f"{os.getpid()}\n"
    built_in.unlink()
    assert report([str(stack)], jobs=2) == serial
    assert pool_for_any_size, "the rule checks were not split"
    assert built_in.read_text() == f"{os.getpid()}\n"
