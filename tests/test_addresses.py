"""Resource addresses (linter/addresses.py): one way to strip Terraform instance
keys, for the index, the plan loader and the rules alike."""

from __future__ import annotations

import pytest

from linter.addresses import strip_instance_keys


@pytest.mark.parametrize("address,base", [
    ('module.a["x"].aws_subnet.b[0]', "module.a.aws_subnet.b"),
    ("aws_subnet.b[count.index]", "aws_subnet.b"),
    ("aws_subnet.b[var.zones[0]]", "aws_subnet.b"),  # a nested key (a reference) goes whole
    ("aws_subnet.b", "aws_subnet.b"),
    ("aws_subnet.b[0", "aws_subnet.b[0"),  # unbalanced: left as written
])
def test_strip_instance_keys(address, base):
    assert strip_instance_keys(address) == base
