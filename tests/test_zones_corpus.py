"""`resilint zones` over the shared corpus: every folder runs with no error, and the
dependency paths below were checked by reading the corpus files themselves."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from linter.engine import ScanOptions
from linter.failure_domains.report import build_report
from tests.conftest import CORPUS, REPO, corpus_dir

FOLDERS = ("kubernetes", "pulumi", "terraform-hcl", "terraform-modules", "tfplan")


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_corpus_folder_runs_through_zones_without_error(folder):
    path = corpus_dir(folder)
    proc = subprocess.run([sys.executable, "-m", "linter", "zones", str(path), "-f", "json"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["errors"] == [] and "Traceback" not in proc.stderr
    assert doc["graphs"] and all(g["nodes"] for g in doc["graphs"])


def _lost(folder: str, workload: str):
    report = build_report([str(corpus_dir(folder))], ScanOptions())
    return [(zone, analysis, lost) for zone in report.zones() for analysis, lost in zone.lost
            if lost.workload == workload]


def test_microservices_demo_checkout_needs_the_single_replica_cart():
    """kubernetes/microservices-demo__release_kubernetes-manifests.yaml: Deployment checkoutservice sets
    env CART_SERVICE_ADDR "cartservice:7070" (line 658); Service cartservice selects app: cartservice
    (line 360); Deployment cartservice runs 1 replica (no `replicas:` written, line 299)."""
    found = [(zone, lost) for zone, _, lost in _lost("kubernetes", "Deployment/default/checkoutservice")
             if lost.root == "Deployment/default/cartservice"]
    assert len(found) == 1, found
    zone, lost = found[0]
    assert zone.label == "any one zone (the one holding Deployment/default/cartservice)" and not zone.named
    assert [h.node for h in lost.path] == ["Deployment/default/checkoutservice", "Service/default/cartservice",
                                           "Deployment/default/cartservice"]
    env = lost.path[1].edge
    assert env.via == "env CART_SERVICE_ADDR" and env.attribute.startswith("spec.template.spec.containers.0.env.")
    assert lost.path[2].edge.attribute == "spec.selector"


def test_terragoat_app_instance_needs_the_single_az_database():
    """tfplan/checkov__terragoat_tfplan.json: aws_instance.db_app's user_data references
    aws_db_instance.default (configuration.root_module, `references`), and that instance sets
    no multi_az (Single-AZ by default)."""
    found = _lost("tfplan", "aws_instance.db_app")
    assert [h.node for _, _, lost in found for h in lost.path] == ["aws_instance.db_app", "aws_db_instance.default"]
    zone, analysis, lost = found[0]
    assert lost.path[1].edge.attribute == "user_data"
    assert analysis.graph.nodes["aws_db_instance.default"].placement.detail == "Single-AZ"


def test_corpus_unknowns_are_listed_never_failed():
    """tfplan/tfcompliance__issue-249_asg_alb_modules.json: module alb's aws_alb.alb takes its
    `subnets` from `module.data-tags.aws_subnet_ids`, subnets read by a data source whose zones
    are known only at apply: could not place, and never counted as a failure."""
    report = build_report([str(corpus_dir("tfplan"))], ScanOptions())
    unplaced = {u.node: u.reason for _, u in report.unplaced()}
    assert "subnets" in unplaced["module.alb.aws_alb.alb"]
    assert not any(lost.workload == "module.alb.aws_alb.alb" for z in report.zones() for _, lost in z.lost)
    # regula__resource_view_07_asg_google.json: availability_zones = ["us-east-1a"], vpc_zone_identifier
    # never written (a plan shows it unknown): one zone, not "could not place"
    assert "aws_autoscaling_group.example" not in unplaced
    assert any(key == "aws_autoscaling_group.example" for z in report.zones() if z.label == "us-east-1a"
               for _, key in z.stopped)


def test_corpus_is_where_the_tests_expect_it():
    if not CORPUS.is_dir():
        pytest.skip(f"no shared corpus at {CORPUS}")
    assert all((CORPUS / f).is_dir() for f in FOLDERS)
