"""Durations as service meshes and gateways write them.

Istio (`1h`, `1m`, `1s`, `1ms`, protobuf JSON `"1.5s"`), Gateway API and
Linkerd (GEP-2257: `"1h30m"`, `"500ms"`; `"0s"` means *no timeout*) and Go
durations all reduce to seconds here. Anything that is not a duration gives
None, so a rule that cannot read a value stays silent instead of guessing.
"""

from __future__ import annotations

import re
from typing import Any

from linter.model import is_unknown

_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|us|µs|ns|h|m|s)")


def parse_duration(value: Any) -> float | None:
    """Seconds in `value`, or None when it is absent, unknown or not a duration.

    Accepts strings (`"1h30m"`, `"1.5s"`, `"250ms"`) and the protobuf object
    form `{"seconds": 1, "nanos": 500000000}`.
    """
    if value is None or is_unknown(value) or isinstance(value, bool):
        return None
    if isinstance(value, dict):
        seconds, nanos = value.get("seconds", 0), value.get("nanos", 0)
        try:
            return float(seconds) + float(nanos) / 1e9
        except (TypeError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in ("0", "+0", "-0"):
        return 0.0
    pos, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        return None
    return total


def format_duration(seconds: float) -> str:
    """7 -> `7s`, 0.5 -> `500ms`, 90 -> `1m30s`: the way users write them."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        ms = seconds * 1000
        return f"{ms:g}ms"
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    out = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return out or "0s"
