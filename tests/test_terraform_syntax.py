"""The parser's shortcut for plain attributes (literals, dotted references) gives
exactly what the walk of tree-sitter's syntax tree gives."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

import linter.terraform.syntax as syntax
from linter.model import InputError

REPO = Path(__file__).resolve().parent.parent

# plain ones take the shortcut; the others look plain and must not
EXPRESSIONS = [
    '"postgres"', '""', '"a b"', '"é"', '"a\\"b"', '"a\\\\b"', '"${x}"', '"$${x}"', '"%{if a}b%{endif}"',
    '"100%"', '"a$b"', '"a" == "b"', '"a"', 'true', 'false', 'null', 'True', 'nullable', 'true_',
    '0', '7', '007', '60', '1209600', '123456789012345678901234', '1.5', '1e5', '-1', '0x10',
    'var.name', 'var.x-1', 'var.my-name', 'local.a.b.c', 'local.list.0', 'local.list.0.name', 'x.01',
    'aws_subnet.private', 'aws_subnet.private[0].id', 'aws_subnet.private[*].id', 'each.value', 'count.index',
    'module.db.subnet_ids', 'data.aws_vpc.main.id', '_x.y', 'var.x.true', 'true.x', 'null.x', 'var.x # note',
    'var.x /* c */', 'var . x', 'var.x\n', 'a.b["c"]', 'a.b.c.d.e.f.g.h', 'var.x && var.y', 'var.x ? 1 : 2',
    'café.x', 'var.é',
    # inside bigger expressions (each operand takes the shortcut on its own)
    'jsonencode({a = var.x, b = "s", c = 1, d = aws_sqs_queue.dlq.arn, e = x.0, f = null, "g" = true})',
    '"${local.prefix}-${each.key}"', '[var.a, "b", 3, x.01, -1, 1e5]', 'f(true, nullable, a.b.0, "a\\"b")',
    'var.a > 0 ? var.b : "c"', '{ (var.k) = var.v }', 'a.b[var.c].d', '!var.x', '"${var.a}" == var.b',
    # templates whose interpolations are plain take the shortcut too
    '"${local.prefix}-0-${each.key}"', '"${ a.b } x ${c.0}"', '"${a}${b}"', '"${x}"', '"a $ b"', '"${x}~"',
    '"${~x}"', '"${"}"}"', '"${a} %{if b}c%{endif}"', '"${ var.x }"', '"$${a}"', '"${1}${true}${null}"', '"${a}}"',
    '"{${a}}"', '"${a.b[0]}"', '"${a}\\n"', '"${var.é}"', '"${a} é"', '["${a}-b", "${c}"]',
]


def _parse(text: str, shortcut: bool, monkeypatch) -> str:
    monkeypatch.setattr(syntax, "_simple_expr", _SHORTCUT if shortcut else (lambda t: None))
    try:
        return repr(syntax.parse_hcl(text, "x.tf"))
    except InputError as err:
        return f"error: {err}"


_SHORTCUT = syntax._simple_expr


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_shortcut_reads_an_attribute_as_the_walk_does(expression, monkeypatch):
    text = f'resource "t" "n" {{\n  a = {expression}\n  b {{\n    c = {expression}\n  }}\n}}\n'
    assert _parse(text, True, monkeypatch) == _parse(text, False, monkeypatch)


def test_shortcut_is_taken_for_plain_attributes():
    assert syntax._simple_expr('"postgres"') == ("lit", "postgres")
    assert syntax._simple_expr("60") == ("lit", 60)
    assert syntax._simple_expr("var.name") == ["var", "name"]  # the parts of a reference
    assert syntax._simple_expr("aws_subnet.a.0.id") == ["aws_subnet", "a", "0", "id"]
    assert syntax._simple_expr("true.x") is None
    assert syntax._simple_expr('"${x}"') is None
    assert syntax._simple_expr("var.x ? 1 : 2") is None


def test_shortcut_reads_every_fixture_and_corpus_file_as_the_walk_does(monkeypatch):
    roots = [REPO / "fixtures", REPO / "examples", REPO.parent / "shared" / "corpus"]
    files = [p for root in roots for p in glob.glob(str(root / "**" / "*.tf"), recursive=True)]
    assert len(files) > 100
    for path in files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        assert _parse(text, True, monkeypatch) == _parse(text, False, monkeypatch), path


def test_a_number_terraform_does_not_read_is_an_input_error_with_its_line():
    with pytest.raises(InputError) as err:
        syntax.parse_hcl('resource "aws_sqs_queue" "q" {\n  delay_seconds = 0x10\n}\n', "main.tf")
    assert err.value.line == 2 and "0x10" in err.value.message


def test_comments_around_an_attributes_equals_sign_are_skipped():
    """`x = /* c */ 1` is `x = 1` to Terraform (it was "expression not understood")."""
    text = 'resource "a" "b" {\n  x = /* c */ 1\n  y /* d */ = "s"\n  z = var.n # e\n}\n'
    attrs = syntax.parse_hcl(text, "c.tf")[0].attrs
    assert [(a.name, a.expr, a.line) for a in attrs.values()] == [
        ("x", ("lit", 1), 2), ("y", ("lit", "s"), 3), ("z", ("attr", ("ref", "var", 4), "n"), 4)]
