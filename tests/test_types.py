"""mypy, strict on linter/ ([tool.mypy] in pyproject.toml), in every full run of
the suite: a type error fails the tests before it lands, as in CI (.ci/run).

mypy is a test dependency (`pip install -e ".[test]"`): without it this test
fails and says so, rather than letting type errors through unseen.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from tests.conftest import REPO


def test_linter_type_checks_strictly():
    assert importlib.util.find_spec("mypy") is not None, \
        'mypy is missing: it is a test dependency (pip install -e ".[test]")'
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-color-output"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout
