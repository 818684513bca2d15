"""JSON: one document `{"version", "summary", "findings", "errors"}`.

CI users depend on these names; keep them stable.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from linter import __version__
from linter.reporters import summary

if TYPE_CHECKING:
    from linter.engine import ScanResult
    from linter.reporters import ReportSettings


def render(result: ScanResult, settings: ReportSettings) -> str:
    doc = {
        "version": __version__,
        "summary": {**summary(result), "fail_on": str(settings.fail_on),
                    "failed": bool(result.failing(settings.fail_on)) or bool(result.errors)},
        "findings": [f.to_dict() | {"fingerprint": f.fingerprint} for f in result.findings],
        "errors": [e.to_dict() for e in result.errors],
    }
    unresolved = result.unresolved_modules
    if unresolved:
        doc["unresolved_modules"] = unresolved
    return json.dumps(doc, indent=2) + "\n"
