"""The one rule matcher: which rule ids a selector names.

Every place a user names rules goes through here: `--select` / `--ignore`,
the config's `select`, `ignore[].rule` and `options` keys, inline
`resilint:ignore` comments, `resilint/ignore` annotations, and Rego rule ids
(built-in and custom rules are matched alike). A selector is

    an id        RES101, ORG500, REGO.replicas   (case does not matter)
    a prefix     RES1, RES10, REGO.               (like ruff's --select)
    a glob       RES10*, RES?01, RES[13]*

A selector that names no known rule is a typo that would silently turn rules
off (or on): it is an error (exit 2) for flags and the config, a warning for
inline comments and annotations, and both say which ids were probably meant.

Standard library only: imported on every scan.
"""

from __future__ import annotations

import fnmatch
from typing import Iterable

GLOB_CHARS = "*?["


class Selector(str):
    """A selector as written, plus where it was written (for error messages).

    A str subclass so that code passing plain strings (`ScanOptions(select=["RES1"])`)
    keeps working; `origin` is None for those.
    """

    origin: str | None
    file: str | None
    line: int | None

    def __new__(cls, text: str, origin: str | None = None, file: str | None = None,
                line: int | None = None) -> "Selector":
        made = super().__new__(cls, text)
        made.origin, made.file, made.line = origin, file, line
        return made


def matches(selector: str, rule_id: str) -> bool:
    """Whether `selector` (id, prefix or glob) names `rule_id`."""
    pattern, rule_id = selector.strip().upper(), rule_id.upper()
    if not pattern:
        return False
    if any(c in pattern for c in GLOB_CHARS):
        return fnmatch.fnmatchcase(rule_id, pattern)
    return rule_id.startswith(pattern)


def matches_any(selectors: Iterable[str] | None, rule_id: str) -> bool:
    return any(matches(s, rule_id) for s in selectors or ())


def selected(rule_id: str, select: Iterable[str] | None, ignore: Iterable[str] | None) -> bool:
    """--select / --ignore semantics: in the selection (all when none) and not ignored."""
    select = list(select or ())
    if select and not matches_any(select, rule_id):
        return False
    return not matches_any(ignore, rule_id)


def names_a_rule(selector: str, rule_ids: Iterable[str]) -> bool:
    return any(matches(selector, r) for r in rule_ids)


def did_you_mean(selector: str, rule_ids: Iterable[str]) -> list[str]:
    """Known ids or prefixes close to a selector that matches nothing (`RSE101` -> RES101)."""
    core = selector.strip().upper()
    for c in GLOB_CHARS:
        core = core.split(c, 1)[0]
    if not core:
        return []
    ids = set(rule_ids)
    # compare like with like: a prefix with prefixes of the same length, an id with ids
    candidates = sorted({r[: len(core)] for r in ids} | ids)
    scored = [(typo_distance(core, c.upper()), c) for c in candidates]
    limit = max(1, len(core) // 3)
    best = min((d for d, _ in scored if d <= limit), default=None)
    close = [c for d, c in scored if d == best][:3]
    if core != selector.strip().upper():  # a glob: suggest the glob with its stem fixed
        tail = selector.strip()[len(core):]
        close = [c + tail for c in close]
    return close


def unknown_message(selector: str, rule_ids: Iterable[str]) -> str:
    """`RSE101 matches no rule (did you mean RES101?)`."""
    close = did_you_mean(selector, rule_ids)
    hint = f"did you mean {' or '.join(close)}?" if close else "see `resilint rules`"
    return f"{selector.strip()} matches no rule ({hint})"


def typo_distance(a: str, b: str) -> int:
    """Edits between two short strings, a swap of neighbours counting as one
    (optimal string alignment): `RSE101` is one edit from `RES101`."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]
