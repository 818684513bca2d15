"""The one rule matcher: --select/--ignore, the config, inline comments,
annotations and Rego ids accept the same ids, prefixes and globs, and a
selector that names no rule is an error (a warning where it only fails to
suppress), with a "did you mean".

Plus the defects found with it: --namespace in addresses, RES503 per
namespace, old-style Rego deny sets that deny nothing, Rego findings located by
file and address.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from linter.cli import main
from linter.engine import ScanOptions, scan
from linter.rule_match import did_you_mean, matches, selected, unknown_message
from linter.rules import load_rules, select_rules

IDS = sorted(load_rules())


def deployment(name: str, namespace: str | None = None, replicas: int = 1, extra_meta: str = "") -> str:
    ns = f", namespace: {namespace}" if namespace else ""
    return textwrap.dedent(f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}{ns}{extra_meta}}}
        spec:
          replicas: {replicas}
          selector: {{matchLabels: {{app: {name}}}}}
          template:
            metadata: {{labels: {{app: {name}}}}}
            spec:
              containers: [{{name: {name}, image: example/{name}:1}}]
        """)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# --- the matcher ---------------------------------------------------------------

@pytest.mark.parametrize("selector, rule_id, expected", [
    ("RES101", "RES101", True),
    ("res101", "RES101", True),
    ("RES1", "RES101", True),      # prefix
    ("RES10*", "RES101", True),    # glob
    ("RES?01", "RES501", True),
    ("RES[13]0*", "RES301", True),
    ("RES[13]0*", "RES201", False),
    ("RES10*", "RES110", False),
    ("RES2", "RES101", False),
    ("REGO.", "REGO.team.replicas", True),
    ("", "RES101", False),
])
def test_ids_prefixes_and_globs(selector, rule_id, expected):
    assert matches(selector, rule_id) is expected


def test_select_then_ignore():
    assert selected("RES101", None, None)
    assert selected("RES101", ["RES1"], ["RES103"])
    assert not selected("RES103", ["RES1"], ["RES103"])
    assert not selected("RES201", ["RES1"], None)
    assert [r.id for r in select_rules(["RES10*"], ["RES101"])] == [i for i in IDS if i.startswith("RES10") and i != "RES101"]


@pytest.mark.parametrize("typo, meant", [
    ("RSE101", ["RES101"]),      # swapped letters
    ("RSE1", ["RES1"]),          # a prefix is compared with prefixes
    ("RSE10*", ["RES10*"]),      # a glob keeps its wildcard
    ("XYZ", []),
])
def test_did_you_mean(typo, meant):
    assert did_you_mean(typo, IDS) == meant


def test_unknown_message_names_the_close_id():
    assert unknown_message("RSE101", IDS) == "RSE101 matches no rule (did you mean RES101?)"
    assert unknown_message("QQQ999", IDS) == "QQQ999 matches no rule (see `resilint rules`)"


# --- flags and config ------------------------------------------------------------

@pytest.fixture
def single(tmp_path, monkeypatch):
    (tmp_path / "web.yaml").write_text(deployment("web", "shop"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_select_typo_is_an_error_with_did_you_mean(single, capsys):
    code, out, _ = run_cli(capsys, "scan", ".", "--select", "RSE101", "-f", "json")
    assert code == 2
    doc = json.loads(out)
    assert doc["findings"] == []
    assert doc["errors"] == [{"file": "--select", "line": None, "message": "RSE101 matches no rule (did you mean RES101?)"}]
    code, out, _ = run_cli(capsys, "scan", ".", "--ignore", "RES101,RES5O3")
    assert code == 2 and "error: --ignore: RES5O3 matches no rule (did you mean RES503 or RES513?)" in out


def test_select_glob_on_the_command_line(single, capsys):
    code, out, _ = run_cli(capsys, "scan", ".", "--select", "RES10*", "-f", "json")
    assert code == 1
    assert {f["rule_id"] for f in json.loads(out)["findings"]} == {"RES101"}


def test_config_select_and_ignore_typos_name_their_line(single, capsys):
    (single / ".resilint.yaml").write_text(
        "select: [RES1, RSE5]\n"
        "ignore:\n"
        "  - rule: RES10*\n"
        "    reason: fine\n"
        "  - rule: RES9*\n"
        "    reason: typo\n"
    )
    code, out, _ = run_cli(capsys, "scan", ".")
    assert code == 2
    assert "error: .resilint.yaml:1: select: RSE5 matches no rule (did you mean RES5?)" in out
    assert "error: .resilint.yaml:5: ignore[1].rule: RES9* matches no rule" in out
    # the flag wins over the config's select, but a typo in the config is still reported
    code, out, _ = run_cli(capsys, "scan", ".", "--select", "RES101")
    assert code == 2 and "select: RSE5 matches no rule" in out


def test_config_options_accept_globs_and_name_typos(single, capsys):
    (single / ".resilint.yaml").write_text("options:\n  RES41*: {backoff_limit_threshold: 3}\n")
    from linter.config import load_config

    config = load_config(single / ".resilint.yaml")
    having = {r.id for r in load_rules().values() if r.id.startswith("RES41") and "backoff_limit_threshold" in r.options}
    assert having and set(config.options) == having
    assert all(v == {"backoff_limit_threshold": 3} for v in config.options.values())
    (single / ".resilint.yaml").write_text("options:\n  RSE414: {backoff_limit_threshold: 3}\n")
    code, _, err = run_cli(capsys, "scan", ".")
    assert code == 2 and ".resilint.yaml:2: options: RSE414 matches no rule (did you mean RES414?)" in err


# --- inline comments and annotations ---------------------------------------------

def test_inline_and_annotation_typos_are_warnings_with_their_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "web.yaml").write_text(
        "# resilint:ignore RSE101 one replica is fine here\n"
        + deployment("web", "shop", extra_meta=", annotations: {resilint/ignore: 'RES5O3: probed by the mesh'}")
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "scan", ".", "-f", "json")
    assert code == 1  # a warning changes no exit code; the finding stays active
    assert "warning: web.yaml:1: resilint:ignore RSE101 matches no rule (did you mean RES101?)" in err
    assert ("warning: web.yaml:4: resilint/ignore annotation of Deployment/shop/web: "
            "RES5O3 matches no rule (did you mean RES503 or RES513?)") in err
    assert not any(f["suppressed"] for f in json.loads(out)["findings"])


# --- Rego ids ----------------------------------------------------------------------

POLICY = """
package team.replicas
import rego.v1

__rego_metadata__ := {"id": "ORG500"}

deny contains {"msg": "two replicas are not enough", "resource": r.address} if {
  some r in input.resources
  r.attrs.spec.replicas == 2
}
"""

OWN_IDS = """
package team.own
import rego.v1

deny contains {"msg": "its own id", "rule_id": "ORG777", "resource": r.address} if {
  some r in input.resources
  r.type == "apps/Deployment"
}
"""


def test_rego_ids_go_through_the_same_matcher(tmp_path):
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "web.yaml").write_text(deployment("web", "shop", replicas=2))
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "p.rego").write_text(POLICY)
    (tmp_path / "pol" / "own.rego").write_text(OWN_IDS)

    def run(**options):
        return scan([str(tmp_path / "k8s")], ScanOptions(policy_dirs=[str(tmp_path / "pol")], **options))

    assert {f.rule_id for f in run(select=["ORG5*"]).findings} == {"ORG500"}
    assert {f.rule_id for f in run(select=["org"], ignore=["ORG5"]).findings} == {"ORG777"}
    assert {f.rule_id for f in run(select=["ORG777"]).findings} == {"ORG777"}  # an id only a result carries
    typo = run(select=["ORG5OO"])
    assert [str(e) for e in typo.errors] == ["select: ORG5OO matches no rule (did you mean ORG500?)"]


# --- defects -------------------------------------------------------------------------

def test_namespace_flag_changes_the_address_so_ignore_globs_match(tmp_path, monkeypatch, capsys):
    (tmp_path / "api.yaml").write_text(deployment("api"))
    (tmp_path / ".resilint.yaml").write_text(
        "ignore:\n  - rule: RES101\n    resource: Deployment/prod/*\n    reason: prod api scales by hand\n")
    monkeypatch.chdir(tmp_path)
    _, out, _ = run_cli(capsys, "scan", ".", "--select", "RES101", "--namespace", "prod", "-f", "json")
    (f,) = json.loads(out)["findings"]
    assert f["resource"] == "Deployment/prod/api" and f["suppressed"]
    assert "Deployment prod/api" in f["message"]
    _, out, _ = run_cli(capsys, "scan", ".", "--select", "RES101", "-f", "json")
    (f,) = json.loads(out)["findings"]
    assert f["resource"] == "Deployment/default/api" and not f["suppressed"]


OLD_STYLE = """
package main

deny[msg] {
  r := input.resources[_]
  r.attrs.spec.replicas == 7
  msg := sprintf("%s has seven replicas", [r.address])
}
"""


def test_old_style_deny_set_that_denies_nothing_is_silence(tmp_path):
    (tmp_path / "web.yaml").write_text(deployment("web", "shop", replicas=2))
    (tmp_path / "old.rego").write_text(OLD_STYLE)
    result = scan([str(tmp_path / "web.yaml")], ScanOptions(policy_dirs=[str(tmp_path / "old.rego")], ignore=["RES"]))
    assert result.errors == [] and result.findings == []
    (tmp_path / "web.yaml").write_text(deployment("web", "shop", replicas=7))
    result = scan([str(tmp_path / "web.yaml")], ScanOptions(policy_dirs=[str(tmp_path / "old.rego")], ignore=["RES"]))
    assert [f.message for f in result.findings] == ["Deployment/shop/web has seven replicas"]


@pytest.mark.parametrize("scope, resource", [
    ('__rego_metadata__ := {"id": "ORG1", "scope": "resource"}', "r.address"),  # per-resource slices
    ('__rego_metadata__ := {"id": "ORG1"}', "r"),  # whole input, the resource object (its file)
])
def test_rego_finding_is_located_by_file_and_address(tmp_path, scope, resource):
    for overlay, replicas in (("a", 2), ("b", 3)):
        (tmp_path / overlay).mkdir()
        (tmp_path / overlay / "web.yaml").write_text("\n" * (5 if overlay == "b" else 0) + deployment("web", "shop", replicas))
    (tmp_path / "p.rego").write_text(textwrap.dedent(f"""
        package team.three
        import rego.v1

        {scope}

        deny contains {{"msg": "three replicas", "resource": {resource}}} if {{
          some r in input.resources
          r.attrs.spec.replicas == 3
        }}
    """))
    result = scan([str(tmp_path / "a"), str(tmp_path / "b")],
                  ScanOptions(policy_dirs=[str(tmp_path / "p.rego")], ignore=["RES"]))
    assert result.errors == []
    assert [(f.resource, f.file, f.line) for f in result.findings] == [
        ("Deployment/shop/web", str(tmp_path / "b" / "web.yaml"), 6)]


def test_res503_asks_for_services_in_the_workloads_namespace(tmp_path):
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: web}\nspec: {selector: {app: web}}\n---\n"
    (tmp_path / "m.yaml").write_text(service + deployment("api", "jobs", replicas=2))
    result = scan([str(tmp_path)], ScanOptions(select=["RES503"]))
    assert [f.resource for f in result.findings] == ["Deployment/jobs/api"]
    # a Service in the workload's own namespace that selects other pods: a worker, not reported
    (tmp_path / "m.yaml").write_text(service.replace("namespace: web", "namespace: jobs") + deployment("api", "jobs", replicas=2))
    assert scan([str(tmp_path)], ScanOptions(select=["RES503"])).findings == []
