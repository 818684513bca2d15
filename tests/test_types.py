"""mypy, strict on linter/ ([tool.mypy] in pyproject.toml), in every full run of
the suite: a type error fails the tests before it lands, as in CI (.ci/run).

mypy is a test dependency (`pip install -e ".[test]"`): without it this test
fails and says so, rather than letting type errors through unseen.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import REPO


def test_linter_type_checks_strictly():
    assert importlib.util.find_spec("mypy") is not None, \
        'mypy is missing: it is a test dependency (pip install -e ".[test]")'
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-color-output"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout


def _relaxed_modules() -> list[str]:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]
    return [m for o in config.get("overrides", []) if o.get("disallow_untyped_defs") is False for m in o["module"]]


def test_relaxed_modules_exist_and_the_stage_contracts_stay_strict():
    """The override that lets helpers go unannotated names only modules that exist
    (a stale entry would quietly relax a new module given that name), and never a
    module a stage boundary runs through: rules, the engine, the model, reporters,
    the loader registry."""
    relaxed = _relaxed_modules()
    for module in relaxed:
        assert importlib.util.find_spec(module) is not None, f"{module} is in the mypy override but does not exist"
    contracts = ("linter.rules", "linter.engine", "linter.model", "linter.reporters", "linter.loaders.registry",
                 "linter.index", "linter.suppress")
    assert [m for m in relaxed if m.startswith(contracts)] == []
