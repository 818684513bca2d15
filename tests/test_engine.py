"""The engine: dispatch by type, silence on unknowns, and scopes.

Each plan, Pulumi document and Terraform root is a world of its own: the same
address in two of them names two different resources.
"""

from __future__ import annotations

import json
import textwrap

from linter.engine import ScanOptions, scan
from tests.conftest import REPO, corpus_dir

QUEUES = textwrap.dedent("""
    resource "aws_sqs_queue" "dlq" {
      name = "dlq"
    }
    {extra}
""")


def test_same_address_in_two_terraform_roots_does_not_cross_resolve(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    # in root a, aws_sqs_queue.dlq is main's dead-letter queue; in root b nothing points at it
    (a / "main.tf").write_text(QUEUES.replace("{extra}", textwrap.dedent("""
        resource "aws_sqs_queue" "main" {
          name = "main"
          redrive_policy = jsonencode({
            deadLetterTargetArn = aws_sqs_queue.dlq.arn
            maxReceiveCount     = 5
          })
        }
    """)))
    (b / "main.tf").write_text(QUEUES.replace("{extra}", ""))
    together = scan([str(tmp_path)], ScanOptions(select=["RES401"]))
    assert not together.errors
    reported = {(f.resource, f.file) for f in together.findings}
    assert reported == {("aws_sqs_queue.dlq", str(b / "main.tf"))}


def test_corpus_documents_scanned_together_report_what_they_report_alone():
    """Plans and Pulumi documents do not leak references into each other."""
    files = sorted(corpus_dir("tfplan").glob("*.json")) + sorted(corpus_dir("pulumi").glob("*"))
    together = scan([str(f) for f in files], ScanOptions())
    assert not together.errors
    alone = set()
    for f in files:
        alone |= {(x.rule_id, x.resource, x.file, x.message) for x in scan([str(f)], ScanOptions()).findings}
    assert {(x.rule_id, x.resource, x.file, x.message) for x in together.findings} == alone


def test_rule_touching_an_unknown_is_silent_not_an_error(tmp_path):
    doc = {"version": 3, "deployment": {"manifest": {}, "resources": [{
        "urn": "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::web", "custom": True,
        "type": "kubernetes:apps/v1:Deployment",
        "inputs": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"replicas": "3eeb2bf0-c639-47a8-9e75-3b44932eb421"}}}]}}
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(doc))
    result = scan([str(path)], ScanOptions(select=["RES101"]))
    assert not result.errors and not result.findings


def test_a_long_lived_process_collects_what_its_scans_left(monkeypatch):
    """A scan's objects skip the collector's young generations (gc_paused), so its own
    trigger for a full collection never counts them: a process scanning again and again
    (the policy pack, a service) grew by every scan's cycles, 40 KB a scan of examples/,
    with no full collection ever. gc_paused applies the collector's rule itself (a quarter
    more memory than the last full collection left) before a scan, so a process's first
    scan never pays for it."""
    import gc
    import sys

    from linter import engine

    monkeypatch.setattr(engine, "_BLOCKS_AFTER_FULL", [None], raising=False)
    with engine.gc_paused():
        pass  # the first scan: the baseline, no collection
    full = gc.get_stats()[2]["collections"]
    baseline = sys.getallocatedblocks()
    with engine.gc_paused():  # a scan that leaves cycles: half again the memory in use
        for _ in range(baseline // 4):
            cycle: list = []
            cycle.append(cycle)
        del cycle
        assert sys.getallocatedblocks() > baseline * 5 // 4
    assert gc.get_stats()[2]["collections"] == full  # not within the scan that made them: the next one
    with engine.gc_paused():
        assert gc.get_stats()[2]["collections"] == full + 1
        assert sys.getallocatedblocks() < baseline * 9 // 8


def test_repeated_scans_in_one_process_do_not_leak():
    """A long-lived process (the policy pack, a service) scans again and again:
    what a scan builds is freed when its result is dropped, reference cycles
    included (gc.freeze() once kept every scan's cycles for good: 130 KB a scan
    of examples/)."""
    import gc
    import tracemalloc

    paths = [str(REPO / "examples")]  # Kubernetes, plans, HCL and Pulumi
    frozen = gc.get_freeze_count()
    for _ in range(2):  # warm-up: imports, rule registry, caches
        scan(paths, ScanOptions())
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        scans = 15
        for _ in range(scans):
            result = scan(paths, ScanOptions())
            assert result.findings and not result.errors
        del result
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert gc.get_freeze_count() == frozen, "a scan froze objects the collector can then never free"
    assert grown / scans < 16 * 1024, f"{grown / scans / 1024:.0f} KB kept per scan"
