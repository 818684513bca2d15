"""Shared test helpers: the repository layout, the shared corpus, a scan helper."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from linter.engine import ScanOptions, scan

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
# the shared corpus sits beside the checkout; RESILINT_SHARED overrides it
SHARED = Path(os.environ.get("RESILINT_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"


def corpus_dir(name: str) -> Path:
    path = CORPUS / name
    if not path.is_dir():
        pytest.skip(f"shared corpus not found at {path} (set RESILINT_SHARED to the folder holding corpus/)")
    return path


def run_scan(*paths, **options):
    return scan([str(p) for p in paths], ScanOptions(**options))


def ids(result) -> list[str]:
    return [f.rule_id for f in result.findings]
