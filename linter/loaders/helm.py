"""Helm charts: templates are not manifests until rendered.

A file under a chart's `templates/` (the folder beside `Chart.yaml`) is Go
template text: judging it would report on `{{ .Values.replicas }}`, and
parsing it fails. It is never parsed as a manifest: the walk leaves
`templates/` out, and a template named on the command line (a pre-commit hook
passes it), like the chart's `Chart.yaml` or a values file beside it, makes its
chart rendered instead. A chart is rendered with `helm template` when helm is
on PATH (see linter.loaders.rendered).
"""

from __future__ import annotations

from typing import Any

import os
from pathlib import Path

from linter.model import Resource

DECLINED = "a Helm chart template: judged only rendered (`helm template CHART | resilint scan -`)"
CHART_FILE = "Chart.yaml"


def chart_of_template(path: Path) -> Path | None:
    """The chart whose `templates/` holds `path`, if any."""
    parts = Path(os.path.abspath(path)).parts
    for i in range(len(parts) - 2, 0, -1):
        if parts[i] == "templates" and os.path.isfile(os.path.join(*parts[:i], CHART_FILE)):
            return Path(*parts[:i])
    return None


def detect(path: Path, head: str) -> bool:
    return chart_of_template(path) is not None


def load(path: Path, shown: str, options: dict[str, Any]) -> list[Resource] | None:
    return None  # a template says what to render, not what runs
