"""The generated fixtures are what the fixture generator makes: regenerating them all
(fixtures/_tools/regenerate.py, which runs fixtures/_tools/fixturegen) in a copy of
fixtures/ changes no byte."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, REPO


def differences(left: Path, right: Path) -> list[str]:
    found: list[str] = []
    stack = [filecmp.dircmp(left, right, ignore=["__pycache__"])]
    while stack:
        cmp = stack.pop()
        found += [f"{cmp.left}/{n}: only in the committed fixtures" for n in cmp.left_only]
        found += [f"{cmp.right}/{n}: only in the regenerated ones" for n in cmp.right_only]
        # dircmp compares shallowly (os.stat); compare the bytes
        found += [f"{cmp.left}/{n}: differs" for n in cmp.common_files
                  if not filecmp.cmp(Path(cmp.left) / n, Path(cmp.right) / n, shallow=False)]
        stack += cmp.subdirs.values()
    return found


def test_regenerating_the_fixtures_reproduces_them_byte_for_byte(tmp_path):
    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, str(copy / "_tools" / "regenerate.py")], capture_output=True,
                          text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert differences(FIXTURES, copy) == []
