"""Markdown for a GitHub Actions job summary (`$GITHUB_STEP_SUMMARY`).

The `markdown` report, sized for a summary instead of a pull-request comment:
GitHub shows only 10 annotations of each kind per step, so the summary is
where every finding can be read. A step's summary may take 1 MiB; rows past
SUMMARY_LIMIT are left out and the last line says how many.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from linter.reporters import markdown

if TYPE_CHECKING:
    from linter.engine import ScanResult
    from linter.reporters import ReportSettings

SUMMARY_LIMIT = 1_000_000  # bytes: under GitHub's 1 MiB (1,048,576) per step summary


def render(result: ScanResult, settings: ReportSettings) -> str:
    return markdown.render(result, dataclasses.replace(settings, markdown_limit=SUMMARY_LIMIT))
