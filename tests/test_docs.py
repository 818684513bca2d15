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


def test_every_rule_option_is_declared_once_with_a_description_and_documented():
    """Options are declared beside the rule (Option(default, description)) and
    nowhere else: the docs list each under the rule's Options section, and a
    rule reading an option it did not declare is a bug, not a silent default."""
    import pytest

    from linter.engine import Context, ScanOptions
    from linter.index import Index
    from linter.rules import Option

    text = DOCS.read_text()
    with_options = [r for r in load_rules().values() if r.declared_options]
    assert len(with_options) >= 9
    for rule in with_options:
        section = text.split(f'<a id="{rule.docs_url.split("#", 1)[1]}"></a>', 1)[1].split("<a id=", 1)[0]
        assert "#### Options" in section, rule.id
        for name, option in rule.declared_options.items():
            assert isinstance(option, Option) and option.description, (rule.id, name)
            assert f"| `{name}` | {option.type_name} |" in section and option.description in section, (rule.id, name)
            assert rule.options[name] == option.default
    rule = with_options[0]
    ctx = Context(Index([]), ScanOptions(rule_options={rule.id: {}}))
    ctx.rule = rule
    name = next(iter(rule.declared_options))
    assert ctx.option(name) == rule.declared_options[name].default
    with pytest.raises(KeyError):
        ctx.option("not_declared")
