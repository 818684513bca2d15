"""Every rule fires on its fail-* fixtures and stays silent on its pass-* and
unknown-* fixtures, in every input format it supports.

Layout: fixtures/RES101/fail-replicas-unset.yaml, pass-hpa-owns-count.yaml,
unknown-....json. A fixture is a file, or a directory scanned as a whole (an
HCL module of several files). An optional sidecar `<fixture>.expect.json`
refines a fail fixture: {"count": 2, "severity": "medium",
"message_contains": ["..."], "line": 12}.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linter.loaders.documents import sniff_json
from linter.normalize.names import in_pulumi_terms
from linter.normalize.terraform_k8s import terraform_words
from linter.rules import load_rules
from tests.conftest import FIXTURES, run_scan

RULES = load_rules()
KINDS = ("fail", "pass", "unknown")


def fixture_format(path: Path) -> str | None:
    if path.is_dir():
        if any(path.glob("*.tf")) or any(path.glob("*.tf.json")):
            return "hcl"
        formats = {fixture_format(p) for p in path.iterdir() if p.is_file()}
        formats.discard(None)
        return formats.pop() if len(formats) == 1 else None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "kubernetes"
    if suffix == ".tf" or path.name.endswith(".tf.json"):
        return "hcl"
    if suffix in (".ndjson", ".jsonl"):
        return "pulumi"
    if suffix == ".json" and not path.name.endswith(".expect.json"):
        return sniff_json(json.loads(path.read_text()))
    return None


def all_fixtures():
    for rule_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for path in sorted(rule_dir.iterdir()):
            kind = path.name.split("-", 1)[0]
            if kind in KINDS and not path.name.endswith(".expect.json"):
                yield pytest.param(rule_dir.name, kind, path, id=f"{rule_dir.name}/{path.name}")


@pytest.mark.parametrize("rule_id,kind,path", list(all_fixtures()))
def test_fixture(rule_id, kind, path):
    assert rule_id in RULES, f"fixtures for unregistered rule {rule_id}"
    fmt = fixture_format(path)
    assert fmt is not None, f"{path}: format not recognised"
    # fixtures share a folder: each is judged alone, not with its siblings as context
    result = run_scan(path, select=[rule_id], loader_options={"file_context": False})
    assert not result.errors, [str(e) for e in result.errors]
    assert result.resources, f"{path}: no resources loaded"
    hits = [f for f in result.findings if f.rule_id == rule_id]
    if kind == "fail":
        assert hits, f"{rule_id} did not fire on {path.name}"
        expect_file = path.with_name(path.name + ".expect.json")
        if expect_file.exists():
            expect = json.loads(expect_file.read_text())
            if "count" in expect:
                assert len(hits) == expect["count"], [h.message for h in hits]
            if "severity" in expect:
                assert {str(h.severity) for h in hits} == {expect["severity"]}
            for text in expect.get("message_contains", []):
                # one sidecar serves every format of a scenario: for a Pulumi document
                # the phrase is expected as Pulumi names it (multi_az -> multiAz)
                wanted = {text} | {in_pulumi_terms(text, h.resource_type) for h in hits if fmt == "pulumi"}
                if fmt in ("hcl", "tfplan"):  # Terraform's kubernetes provider: `readiness_probe`
                    wanted.add(terraform_words(text))
                assert any(w in h.message for h in hits for w in wanted), (text, [h.message for h in hits])
            if "line" in expect:
                assert hits[0].line == expect["line"]
        for h in hits:
            assert h.message and h.remediation and h.resource and h.file
    else:
        assert not hits, f"{rule_id} fired on {path.name}: {[h.message for h in hits]}"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_has_fixtures_for_every_format(rule_id):
    rule = RULES[rule_id]
    rule_dir = FIXTURES / rule_id
    assert rule_dir.is_dir(), f"{rule_id} has no fixtures directory"
    seen: dict[tuple[str, str], int] = {}
    for path in rule_dir.iterdir():
        kind = path.name.split("-", 1)[0]
        if kind not in KINDS or path.name.endswith(".expect.json"):
            continue
        fmt = fixture_format(path)
        kind = "pass" if kind == "unknown" else kind
        seen[(kind, fmt)] = seen.get((kind, fmt), 0) + 1
    platform_formats = [f for f in rule.formats if _applies(rule, f)]
    missing = [f"{kind}/{fmt}" for fmt in platform_formats for kind in ("fail", "pass") if (kind, fmt) not in seen]
    assert not missing, f"{rule_id} lacks fixtures: {missing}"


def _applies(rule, fmt: str) -> bool:
    """Cloud rules do not apply to YAML; Kubernetes rules apply to every format
    (Terraform's kubernetes provider is normalised into the same objects)."""
    k8s = all("/" in t for t in rule.types)
    if fmt == "kubernetes":
        return k8s
    return True


def test_every_rule_documents_five_parts():
    for rule in RULES.values():
        sections = rule.sections()
        for heading in ("What it does", "Why is this bad?", "Example", "Use instead", "References"):
            assert sections.get(heading), f"{rule.id} docstring lacks '{heading}'"


def test_every_rule_cites_where_its_defaults_and_behaviour_come_from():
    """References: a list citing at least one document (the provider's
    documentation, the API reference, Well-Architected) by its URL."""
    for rule in RULES.values():
        items = rule.sections()["References"].splitlines()
        assert items and all(i.startswith("- ") and len(i) > 2 for i in items), rule.id
        assert any("https://" in i for i in items), rule.id
