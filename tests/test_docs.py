"""docs/rules.md is generated from the registry and must be current."""

from pathlib import Path

from linter.docs import render
from linter.rules import load_rules

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_rule_reference_is_up_to_date():
    assert DOCS.read_text() == render(), "docs/rules.md is stale: run `python3 -m linter.docs > docs/rules.md`"


def test_every_rule_has_an_anchor_its_findings_link_to():
    text = DOCS.read_text()
    for rule in load_rules().values():
        anchor = rule.docs_url.split("#", 1)[1]
        assert f'<a id="{anchor}"></a>' in text, rule.id
