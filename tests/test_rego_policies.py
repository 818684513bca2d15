"""The example policies in policies/rego/: each fires on its fail-* fixtures and
stays silent on its pass-* and unknown-* fixtures.

Layout: policies/rego/<name>/policy.rego and policies/rego/<name>/fixtures/
{fail,pass,unknown}-<scenario>.<ext>, with an optional <fixture>.expect.json
({"count", "severity", "line", "message_contains"}) as for the built-in rules.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from linter.engine import ScanOptions, scan
from linter.rego import load_policies
from tests.conftest import REPO

POLICIES = REPO / "policies" / "rego"


def policy_dirs() -> list[Path]:
    return sorted(p for p in POLICIES.iterdir() if (p / "policy.rego").is_file())


def fixture_cases():
    for directory in policy_dirs():
        for fixture in sorted((directory / "fixtures").iterdir()):
            if fixture.name.endswith(".expect.json"):
                continue
            yield pytest.param(directory, fixture, id=f"{directory.name}/{fixture.name}")


def policy_id(directory: Path) -> str:
    policies = load_policies([str(directory / "policy.rego")])
    assert not policies.errors, policies.errors
    [package] = policies.packages
    return package.rule_id


def test_every_example_policy_has_fail_and_pass_fixtures():
    assert len(policy_dirs()) >= 3
    for directory in policy_dirs():
        names = [f.name for f in (directory / "fixtures").iterdir()]
        assert any(n.startswith("fail-") for n in names), directory
        assert any(n.startswith("pass-") for n in names), directory
        assert policy_id(directory).startswith("ORG"), directory


@pytest.mark.parametrize("directory, fixture", list(fixture_cases()))
def test_example_policy_fixture(directory, fixture):
    rule_id = policy_id(directory)
    result = scan([str(fixture)], ScanOptions(policy_dirs=[str(directory)], select=[rule_id]))
    assert not result.errors, result.errors
    found = [f for f in result.findings if f.rule_id == rule_id]
    if fixture.name.startswith("fail-"):
        assert found, f"{rule_id} did not fire on {fixture.name}"
        expect_file = fixture.with_name(fixture.name + ".expect.json")
        if expect_file.is_file():
            expect = json.loads(expect_file.read_text())
            if "count" in expect:
                assert len(found) == expect["count"], [f.message for f in found]
            if "severity" in expect:
                assert all(str(f.severity) == expect["severity"] for f in found)
            if "line" in expect:
                assert found[0].line == expect["line"]
            for text in expect.get("message_contains", []):
                assert any(text in f.message for f in found), (text, [f.message for f in found])
        # pointing at the input (the right root of a directory fixture), not the policy
        assert all(f.file == str(fixture) or f.file.startswith(f"{fixture}{os.sep}") for f in found)
    else:
        assert not found, [f.message for f in found]
