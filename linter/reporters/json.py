"""JSON: one document `{"version", "summary", "findings", "errors"}`.

CI users depend on these names; keep them stable. A finding whose message or
notes name places (`set at prod.tfvars:3`, `module "db" at main.tf:7`) also lists
them (`set_at`: `[{"file", "line"}]`), for tools that link to them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from linter import __version__
from linter.reporters import summary, value_places

if TYPE_CHECKING:
    from linter.engine import ScanResult
    from linter.model import Finding
    from linter.reporters import ReportSettings


def render(result: ScanResult, settings: ReportSettings) -> str:
    doc = {
        "version": __version__,
        "summary": {**summary(result), "fail_on": str(settings.fail_on),
                    "failed": bool(result.failing(settings.fail_on)) or bool(result.errors)},
        "findings": [_finding(f) for f in result.findings],
        "errors": [e.to_dict() for e in result.errors],
    }
    unresolved = result.unresolved_modules
    if unresolved:
        doc["unresolved_modules"] = unresolved
    if result.charts_not_fetched:
        doc["charts_not_fetched"] = result.charts_not_fetched
    return json.dumps(doc, indent=2) + "\n"


def _finding(f: Finding) -> dict[str, Any]:
    out = f.to_dict() | {"fingerprint": f.fingerprint}
    places = [{"file": place.file, "line": place.line} for text in (f.message, *f.notes)
              for place in value_places(text)]
    if places:
        out["set_at"] = places
    return out

