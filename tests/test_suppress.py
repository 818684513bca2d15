"""Suppressions: inline comments (YAML, HCL), annotations, .resilint.yaml, baselines.

A suppressed finding is never dropped: it stays in the result, marked, with its
reason. These tests scan real files written to a temporary directory, through
the engine and through the command line.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from linter.cli import main
from linter.engine import ScanOptions, scan
from linter.rules import load_rules
from linter.rule_match import matches as rule_matches
from linter.paths import path_glob
from linter.suppress import annotation_ids, inline_ids

RULES = load_rules()


def deployment(name: str, namespace: str = "shop", replicas: int = 1, annotations: str = "") -> str:
    """A Deployment with one container and no probes: RES101 (when replicas is 1) and RES503 fire."""
    meta = f"{{name: {name}, namespace: {namespace}{', annotations: ' + annotations if annotations else ''}}}"
    return (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        f"metadata: {meta}\n"
        "spec:\n"
        f"  replicas: {replicas}\n"
        f"  selector: {{matchLabels: {{app: {name}}}}}\n"
        "  template:\n"
        f"    metadata: {{labels: {{app: {name}}}}}\n"
        "    spec:\n"
        f"      containers: [{{name: {name}, image: example/{name}:1.0}}]\n"
    )


def findings_by(result, resource: str, rule_id: str):
    return [f for f in result.findings if f.resource == resource and f.rule_id == rule_id]


def one(result, resource: str, rule_id: str):
    found = findings_by(result, resource, rule_id)
    assert len(found) == 1, [(f.rule_id, f.resource) for f in result.findings]
    return found[0]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# --- parsing -------------------------------------------------------------------

def test_inline_comment_parsing():
    lines = [
        "kind: Service",
        "---",
        "# resilint:ignore RES101, RES503 one replica is enough for the canary",
        "# another comment",
        "apiVersion: apps/v1  # resilint:ignore RES2 timeouts live in the mesh",
    ]
    ids = inline_ids(lines, 5)
    assert ids == {
        "RES2": "timeouts live in the mesh",
        "RES101": "one replica is enough for the canary",
        "RES503": "one replica is enough for the canary",
    }
    # a comment separated from the resource by a non-comment line is not its own
    assert inline_ids(["# resilint:ignore RES101 x", "kind: Service", "apiVersion: v1"], 3) == {}


def test_annotation_parsing():
    assert annotation_ids("RES101: canary runs alone; RES503,RES504: probes come from the sidecar") == {
        "RES101": "canary runs alone",
        "RES503": "probes come from the sidecar",
        "RES504": "probes come from the sidecar",
    }


def test_rule_patterns_and_path_globs():
    assert rule_matches("RES101", "RES101") and rule_matches("res1", "RES101")
    assert rule_matches("RES10*", "RES101") and not rule_matches("RES2", "RES101")
    assert path_glob("k8s/**/*.yaml").match("k8s/a.yaml")
    assert path_glob("k8s/**/*.yaml").match("k8s/prod/eu/a.yaml")
    assert not path_glob("k8s/*.yaml").match("k8s/prod/a.yaml")
    assert not path_glob("k8s/**/*.yaml").match("other/k8s/a.yaml")


# --- inline comments -------------------------------------------------------------

def test_inline_yaml_above_the_resource_and_on_its_first_line(tmp_path):
    manifest = tmp_path / "apps.yaml"
    manifest.write_text(
        "# resilint:ignore RES101,RES503 the canary runs alone, probes come later\n"
        + deployment("canary")
        + "---\n"
        + deployment("batch").replace("apiVersion: apps/v1\n", "apiVersion: apps/v1 # resilint:ignore RES101 batch worker\n", 1)
        + "---\n"
        + deployment("web")
    )
    result = scan([str(manifest)], ScanOptions())
    for rule_id in ("RES101", "RES503"):
        f = one(result, "Deployment/shop/canary", rule_id)
        assert f.suppressed and f.suppression_kind == "inline"
        assert f.suppression_reason == "the canary runs alone, probes come later"
    batch = one(result, "Deployment/shop/batch", "RES101")
    assert batch.suppressed and batch.suppression_reason == "batch worker"
    # named ids only: RES503 on batch stays active, and web is untouched
    assert not one(result, "Deployment/shop/batch", "RES503").suppressed
    assert not one(result, "Deployment/shop/web", "RES101").suppressed
    assert not one(result, "Deployment/shop/web", "RES503").suppressed


def test_inline_comment_of_the_previous_document_does_not_leak(tmp_path):
    manifest = tmp_path / "apps.yaml"
    manifest.write_text(
        deployment("first").replace("spec:\n", "spec:  # resilint:ignore RES101 only first\n", 1)
        + "---\n" + deployment("second")
    )
    result = scan([str(manifest)], ScanOptions())
    assert not one(result, "Deployment/shop/second", "RES101").suppressed


HCL = """\
# resilint:ignore RES301 dev database: single AZ is accepted
resource "aws_db_instance" "orders" {
  engine         = "postgres"
  instance_class = "db.t3.micro"
}

resource "aws_db_instance" "billing" { // resilint:ignore RES3 legacy, replaced in Q3
  engine         = "postgres"
  instance_class = "db.t3.micro"
}

resource "aws_db_instance" "users" {
  engine         = "postgres"
  instance_class = "db.t3.micro"
}
"""


def test_inline_hcl(tmp_path):
    pytest.importorskip("linter.loaders.hcl", reason="the HCL loader is not there yet")
    if "RES301" not in RULES:
        pytest.skip("RES301 (RDS Multi-AZ) is not registered yet")
    (tmp_path / "main.tf").write_text(HCL)
    result = scan([str(tmp_path)], ScanOptions())
    orders = one(result, "aws_db_instance.orders", "RES301")
    assert orders.suppressed and orders.suppression_reason == "dev database: single AZ is accepted"
    billing = one(result, "aws_db_instance.billing", "RES301")
    assert billing.suppressed and billing.suppression_reason == "legacy, replaced in Q3"
    assert not one(result, "aws_db_instance.users", "RES301").suppressed


# --- annotations ---------------------------------------------------------------------

def test_kubernetes_annotation(tmp_path):
    manifest = tmp_path / "apps.yaml"
    manifest.write_text(
        deployment("canary", annotations='{"resilint/ignore": "RES101: canary runs alone; RES503: probed by the mesh"}')
        + "---\n" + deployment("web", annotations='{"resilint/ignore": "RES101: only this one"}')
    )
    result = scan([str(manifest)], ScanOptions())
    r101 = one(result, "Deployment/shop/canary", "RES101")
    r503 = one(result, "Deployment/shop/canary", "RES503")
    assert (r101.suppressed, r101.suppression_kind, r101.suppression_reason) == (True, "annotation", "canary runs alone")
    assert (r503.suppressed, r503.suppression_reason) == (True, "probed by the mesh")
    assert one(result, "Deployment/shop/web", "RES101").suppressed
    assert not one(result, "Deployment/shop/web", "RES503").suppressed


# --- .resilint.yaml ------------------------------------------------------------------

def write_tree(root: Path) -> None:
    (root / "k8s" / "prod").mkdir(parents=True)
    (root / "k8s" / "prod" / "shop.yaml").write_text(deployment("web") + "---\n" + deployment("api", namespace="payments"))
    (root / "other").mkdir()
    (root / "other" / "shop.yaml").write_text(deployment("web", namespace="legacy"))


def test_config_entries_with_resource_and_path_globs(tmp_path, monkeypatch, capsys):
    write_tree(tmp_path)
    (tmp_path / ".resilint.yaml").write_text(
        "ignore:\n"
        "  - rule: RES101\n"
        "    resource: Deployment/shop/*\n"
        "    reason: shop runs one replica until launch\n"
        "  - rule: RES503\n"
        "    path: k8s/**/*.yaml\n"
        "    reason: probes are injected by the platform\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "scan", ".", "--select", "RES101,RES503", "--format", "json")
    doc = json.loads(out)
    by = {(f["resource"], f["rule_id"]): f for f in doc["findings"]}
    shop = by[("Deployment/shop/web", "RES101")]
    assert shop["suppressed"] and shop["suppression_kind"] == "config"
    assert shop["suppression_reason"] == "shop runs one replica until launch"
    assert not by[("Deployment/payments/api", "RES101")]["suppressed"]
    assert not by[("Deployment/legacy/web", "RES101")]["suppressed"]
    assert by[("Deployment/payments/api", "RES503")]["suppressed"]
    assert not by[("Deployment/legacy/web", "RES503")]["suppressed"]  # other/ is not under k8s/
    assert doc["summary"]["suppressed"] == 3
    assert code == 1
    # scanning below it, the config is found in a parent directory
    monkeypatch.chdir(tmp_path / "k8s" / "prod")
    _, out, _ = run_cli(capsys, "scan", ".", "--select", "RES101", "--format", "json")
    assert [f["suppressed"] for f in json.loads(out)["findings"] if f["resource"] == "Deployment/shop/web"] == [True]


def test_expired_config_entry_brings_the_finding_back_with_a_note(tmp_path, monkeypatch, capsys):
    (tmp_path / "apps.yaml").write_text(deployment("web") + "---\n" + deployment("api"))
    (tmp_path / ".resilint.yaml").write_text(
        "ignore:\n"
        "  - {rule: RES101, resource: Deployment/shop/web, reason: until the migration, expires: 2001-02-03}\n"
        "  - {rule: RES101, resource: Deployment/shop/api, reason: until launch, expires: 2999-12-31}\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "scan", ".", "--select", "RES101", "--format", "json")
    by = {f["resource"]: f for f in json.loads(out)["findings"] if f["rule_id"] == "RES101"}
    web, api = by["Deployment/shop/web"], by["Deployment/shop/api"]
    assert not web["suppressed"] and code == 1
    assert any("expired on 2001-02-03" in n and "until the migration" in n for n in web["notes"])
    assert api["suppressed"] and api["notes"] == []
    code, out, _ = run_cli(capsys, "scan", ".")
    assert "note: the suppression in .resilint.yaml:2 (until the migration) expired on 2001-02-03" in out


@pytest.mark.parametrize("text, named", [
    ("fail_on: high\nfial_on: low\n", "unknown key 'fial_on' at the top level"),
    ("ignore:\n  - rule: RES101\n    resourse: Deployment/*\n    reason: x\n", "unknown key 'resourse' in ignore[0]"),
    ("ignore:\n  - rule: RES101\n", "ignore[0]: missing required key 'reason'"),
    ("ignore:\n  - {rule: RES101, reason: x, expires: 2025-02-30}\n", "ignore[0].expires"),
    ("fail_on: severe\n", "fail_on"),
    ("ignore: []\nfail_on: low\nignore: []\n", "duplicate key 'ignore' (first defined on line 1)"),
])
def test_bad_config_exits_2_naming_the_key(tmp_path, monkeypatch, capsys, text, named):
    (tmp_path / "apps.yaml").write_text(deployment("web"))
    (tmp_path / ".resilint.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "scan", ".")
    assert code == 2
    assert named in err and ".resilint.yaml:" in err
    assert "Traceback" not in err


def test_config_defaults_and_command_line_flags(tmp_path, monkeypatch, capsys):
    (tmp_path / "apps.yaml").write_text(deployment("web", replicas=3))  # RES503 (medium) only among RES1/RES5
    config = tmp_path / "team.yaml"
    config.write_text("fail_on: medium\nselect: [RES503]\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "scan", ".", "--config", str(config), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["fail_on"] == "medium"
    assert {f["rule_id"] for f in doc["findings"]} == {"RES503"}
    code, out, _ = run_cli(capsys, "scan", ".", "--config", str(config), "--fail-on", "critical", "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["fail_on"] == "critical"
    code, _, err = run_cli(capsys, "scan", ".", "--config", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in err


def test_config_rule_options_reach_the_rules(tmp_path, monkeypatch, capsys):
    if "RES501" not in RULES or "assume_pdbs_managed_elsewhere" not in RULES["RES501"].options:
        pytest.skip("RES501 with its assume_pdbs_managed_elsewhere option is not registered")
    (tmp_path / "apps.yaml").write_text(deployment("web", replicas=3))
    monkeypatch.chdir(tmp_path)
    _, out, _ = run_cli(capsys, "scan", ".", "--format", "json")
    assert "RES501" in {f["rule_id"] for f in json.loads(out)["findings"]}
    (tmp_path / ".resilint.yaml").write_text("options:\n  RES501: {assume_pdbs_managed_elsewhere: true}\n")
    _, out, _ = run_cli(capsys, "scan", ".", "--format", "json")
    assert "RES501" not in {f["rule_id"] for f in json.loads(out)["findings"]}


def test_policies_are_exposed_relative_to_the_config(tmp_path):
    from linter.config import load_config

    (tmp_path / ".resilint.yaml").write_text("policies: [policies/rego]\n")
    config = load_config(tmp_path / ".resilint.yaml")
    assert config.policies == [str(tmp_path.resolve() / "policies" / "rego")]


# --- baselines -------------------------------------------------------------------

def git_init(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True)


def test_baseline_round_trip_survives_line_moves_and_reports_new_findings(tmp_path, monkeypatch, capsys):
    git_init(tmp_path)
    (tmp_path / "k8s").mkdir()
    manifest = tmp_path / "k8s" / "apps.yaml"
    manifest.write_text(deployment("web") + "---\n" + deployment("api"))
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "baseline", "k8s", "-o", ".resilint-baseline.json", "--select", "RES101,RES503")
    assert code == 0 and "recorded 4 finding(s)" in err
    doc = json.loads((tmp_path / ".resilint-baseline.json").read_text())
    assert {(e["resource"], e["rule_id"], e["file"]) for e in doc["findings"]} == {
        (f"Deployment/shop/{n}", r, "k8s/apps.yaml") for n in ("web", "api") for r in ("RES101", "RES503")
    }

    # move everything: a header, the documents swapped, and scan from another directory
    manifest.write_text("# moved\n# around\n\n" + deployment("api") + "---\n" + deployment("web"))
    monkeypatch.chdir(tmp_path / "k8s")
    code, out, _ = run_cli(capsys, "scan", ".", "--baseline", "../.resilint-baseline.json", "--select", "RES101,RES503", "--format", "json")
    result = json.loads(out)
    assert code == 0
    assert result["summary"]["findings"] == 0 and result["summary"]["suppressed"] == 4
    assert all(f["suppression_kind"] == "baseline" for f in result["findings"])

    # a new problem is reported; the accepted ones stay suppressed
    manifest.write_text(manifest.read_text() + "---\n" + deployment("cart"))
    code, out, _ = run_cli(capsys, "scan", ".", "--baseline", "../.resilint-baseline.json", "--select", "RES101,RES503", "--format", "json")
    active = [f for f in json.loads(out)["findings"] if not f["suppressed"]]
    assert code == 1
    assert {f["resource"] for f in active} == {"Deployment/shop/cart"}
    code, out, _ = run_cli(capsys, "scan", ".", "--baseline", "../.resilint-baseline.json", "--select", "RES101,RES503")
    assert "4 suppressed" in out


def test_missing_baseline_is_an_input_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "apps.yaml").write_text(deployment("web"))
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "scan", ".", "--baseline", "nope.json")
    assert code == 2 and "nope.json: baseline file not found" in out
    (tmp_path / "apps.yaml").write_text(deployment("web", replicas=3))  # clean: still an error
    code, out, _ = run_cli(capsys, "scan", ".", "--select", "RES101", "--baseline", "nope.json")
    assert code == 2 and "baseline file not found" in out
    (tmp_path / "bad.json").write_text('{"findings": [{"rule": "RES101"}]}')
    code, out, _ = run_cli(capsys, "scan", ".", "--baseline", "bad.json")
    assert code == 2 and "not a resilint baseline" in out


def test_suppressed_findings_are_kept_in_json_and_counted_in_text(tmp_path, monkeypatch, capsys):
    (tmp_path / "apps.yaml").write_text("# resilint:ignore RES101 a singleton by design\n" + deployment("web"))
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "scan", ".", "--select", "RES101,RES503", "--format", "json")
    f = next(f for f in json.loads(out)["findings"] if f["rule_id"] == "RES101")
    assert f["suppressed"] is True and f["suppression_reason"] == "a singleton by design"
    assert code == 0  # RES503 is medium, RES101 is suppressed
    _, out, _ = run_cli(capsys, "scan", ".")
    assert "(suppressed)" in out and "suppressed: a singleton by design" in out and "1 suppressed" in out


def test_annotation_on_a_kubernetes_object_from_a_pulumi_stack(tmp_path):
    pytest.importorskip("linter.loaders.pulumi", reason="the Pulumi loader is not there yet")
    obj = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "shop", "annotations": {"resilint/ignore": "RES101: canary"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
                 "template": {"metadata": {"labels": {"app": "api"}},
                              "spec": {"containers": [{"name": "api", "image": "example/api:1.0"}]}}},
    }
    stack = {"version": 3, "deployment": {
        "manifest": {"time": "2024-01-01T00:00:00Z", "magic": "", "version": "v3.100.0"},
        "resources": [{
            "urn": "urn:pulumi:dev::shop::kubernetes:apps/v1:Deployment::api", "custom": True,
            "id": "shop/api", "type": "kubernetes:apps/v1:Deployment", "inputs": obj, "outputs": obj,
        }],
    }}
    (tmp_path / "stack.json").write_text(json.dumps(stack))
    result = scan([str(tmp_path)], ScanOptions(select=["RES101"]))
    assert [(f.suppressed, f.suppression_kind, f.suppression_reason) for f in result.findings] == [
        (True, "annotation", "canary")]


def test_inline_comment_in_the_tf_source_of_a_plan(tmp_path):
    pytest.importorskip("linter.loaders.tfplan", reason="the plan loader is not there yet")
    plan = Path(__file__).resolve().parent.parent / "fixtures" / "RES301" / "fail-plan-multi-az-false.json"
    if "RES301" not in RULES or not plan.is_file():
        pytest.skip("RES301 and its plan fixture are not there yet")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(
        '# resilint:ignore RES301 dev only\nresource "aws_db_instance" "orders" {\n  multi_az = false\n}\n'
    )
    options = ScanOptions(select=["RES301"], loader_options={"tf_root": str(tmp_path / "infra")})
    result = scan([str(plan)], options)
    assert [(f.resource, f.suppressed, f.suppression_reason) for f in result.findings] == [
        ("aws_db_instance.orders", True, "dev only")]


def test_the_engine_sets_root_and_fingerprint_paths_before_suppression(tmp_path, monkeypatch):
    """The engine, not a reporter or the CLI, decides the repository root and each
    finding's path in it: a library scan from another directory gets the same
    fingerprints as one from the root, and the baseline (matched by fingerprint in
    the suppress stage) sees them."""
    git_init(tmp_path)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "apps.yaml").write_text(deployment("web"))
    monkeypatch.chdir(tmp_path)
    here = scan(["k8s"], ScanOptions(select=["RES101"]))
    monkeypatch.chdir(tmp_path / "k8s")
    there = scan(["."], ScanOptions(select=["RES101"]))
    assert here.root == there.root == str(tmp_path.resolve())
    assert [f.fingerprint_path for f in here.findings] == [f.fingerprint_path for f in there.findings] == ["k8s/apps.yaml"]
    assert [f.fingerprint for f in here.findings] == [f.fingerprint for f in there.findings]
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"version": 1, "findings": [
        {"fingerprint": here.findings[0].fingerprint, "rule_id": "RES101"}]}))
    again = scan(["."], ScanOptions(select=["RES101"], baseline=str(baseline)))
    assert [f.suppression_kind for f in again.findings] == ["baseline"]


# --- one module block planned by two Terraform roots ----------------------------------


def _two_roots_calling_one_module(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text('variable "multi_az" {\n  default = false\n}\n'
                                      'resource "aws_db_instance" "this" {\n  engine   = "postgres"\n'
                                      '  multi_az = var.multi_az\n}\n')
    for example in ("complete", "minimal"):
        (tmp_path / "examples" / example).mkdir(parents=True)
        (tmp_path / "examples" / example / "main.tf").write_text('module "db" {\n  source = "../.."\n}\n')
    return tmp_path


def test_findings_of_a_module_called_by_two_roots_are_two_findings(tmp_path, monkeypatch):
    from linter.reporters import render
    from linter.suppress import baseline_document
    from tests.test_reporters import settings

    monkeypatch.chdir(_two_roots_calling_one_module(tmp_path))
    result = scan(["examples"], ScanOptions(select=["RES301"]))
    found = sorted(result.findings, key=lambda f: f.message)
    assert [(f.resource, f.file, f.line) for f in found] == [("module.db.aws_db_instance.this", "main.tf", 6)] * 2
    assert [f.message.rsplit(" (in root ", 1)[1] for f in found] == ["examples/complete)", "examples/minimal)"]
    assert len({f.fingerprint for f in found}) == 2
    assert [e["count"] for e in baseline_document(result)["findings"]] == [1, 1]
    sarif = json.loads(render("sarif", result, settings()))
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in sarif["runs"][0]["results"]]
    assert len(set(hashes)) == 2
    # the root's path in the fingerprint is the repository's, whatever the working directory
    monkeypatch.chdir(tmp_path / "examples")
    again = scan(["."], ScanOptions(select=["RES301"]))
    assert {f.fingerprint for f in again.findings} == {f.fingerprint for f in found}


def test_a_baseline_written_before_roots_were_fingerprinted_still_matches(tmp_path, monkeypatch):
    monkeypatch.chdir(_two_roots_calling_one_module(tmp_path))
    found = scan(["examples"], ScanOptions(select=["RES301"])).findings
    old = tmp_path / "old-baseline.json"  # what resilint wrote then: one entry, count 2
    old.write_text(json.dumps({"version": 1, "findings": [
        {"fingerprint": found[0].unrooted_fingerprint, "rule_id": "RES301", "count": 2}]}))
    again = scan(["examples"], ScanOptions(select=["RES301"], baseline=str(old)))
    assert [f.suppression_kind for f in again.findings] == ["baseline", "baseline"]
    # a root module's own findings keep the fingerprint they always had
    root_only = scan(["main.tf"], ScanOptions(select=["RES301"]))
    (own,) = [f for f in root_only.findings if f.resource == "aws_db_instance.this"]
    assert own.root is None and own.fingerprint == own.unrooted_fingerprint
