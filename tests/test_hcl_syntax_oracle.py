"""Terraform refuses HCL that tree-sitter-hcl reads (a quoted string over two lines, an
expression continued on a new line outside brackets, two arguments on one line, a block
header over two lines, an object without separators): resilint refuses exactly what
terraform refuses, as an input error at its line, never a finding on configuration terraform
would not apply. The verdicts are terraform's own (`terraform fmt -`), in
fixtures/hcl_syntax_oracle/cases.json, written by fixtures/_tools/hcl_syntax_oracle.py: the
comparison runs where terraform is missing; where it is there, the verdicts are checked too."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from linter.model import InputError
from linter.terraform.syntax import parse_hcl, parse_tfvars

REPO = Path(__file__).resolve().parent.parent
CASES = json.loads((REPO / "fixtures" / "hcl_syntax_oracle" / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_resilint_refuses_what_terraform_refuses(case):
    try:
        parse_hcl(case["text"], "main.tf")
        refused = None
    except InputError as err:
        refused = err
    if case["terraform"] == "ok":
        assert refused is None, f"terraform reads it; resilint says {refused}"
    else:
        assert refused is not None, f"terraform refuses it ({case['terraform']}); resilint reads it"
        assert refused.file == "main.tf" and refused.line is not None and refused.message.startswith("invalid HCL")


def test_a_variables_file_is_held_to_the_same_layout():
    with pytest.raises(InputError) as refused:
        parse_tfvars('size = 1\nzones = ["a",\n  "b"] retention = 7\n', "prod.tfvars")
    assert refused.value.line == 3 and "Missing newline after argument" in refused.value.message
    assert set(parse_tfvars('size = 1\nzones = ["a",\n  "b"]\n', "prod.tfvars")) == {"size", "zones"}


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH; the goldens are compared as they are")
def test_the_verdicts_are_terraform_s():
    sys.path.insert(0, str(REPO / "fixtures" / "_tools"))
    try:
        from hcl_syntax_oracle import verdict
    finally:
        sys.path.pop(0)
    assert [verdict(c["text"]) for c in CASES] == [c["terraform"] for c in CASES]
