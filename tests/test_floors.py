"""The dependency floors in pyproject.toml are the versions .ci/run proves.

.ci/run runs the suite a second time in a virtualenv built with
`-c constraints/oldest.txt`; that only proves the floors if the file pins
exactly them, for every runtime dependency and the `pulumi` extra.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")

REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)$")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def floors() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    out = {}
    for requirement in project["dependencies"] + project["optional-dependencies"]["pulumi"]:
        match = REQUIREMENT.match(requirement)
        assert match, f"{requirement!r}: every dependency needs a `>=` floor (and nothing else)"
        out[normalized(match.group(1))] = match.group(2)
    return out


def oldest() -> dict[str, str]:
    out = {}
    for line in (REPO / "constraints" / "oldest.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{line!r}: the oldest set pins exact versions"
            out[normalized(name)] = version.strip()
    return out


def test_the_oldest_constraints_pin_exactly_the_floors():
    from packaging.version import Version  # pytest's own dependency

    assert {k: Version(v) for k, v in oldest().items()} == {k: Version(v) for k, v in floors().items()}


def test_the_test_extra_asks_for_the_same_pulumi_floors():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pulumi = set(project["optional-dependencies"]["pulumi"])
    assert pulumi <= set(project["optional-dependencies"]["test"])


def test_ci_runs_the_suite_with_the_newest_and_the_oldest_versions():
    script = (REPO / ".ci" / "run").read_text()
    assert "constraints/oldest.txt" in script
    assert "-m mypy" in script  # the type gate runs with both sets of versions
    assert script.count("run_suite ") >= 2
