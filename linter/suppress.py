"""The suppress stage: inline comments, Kubernetes annotations, config entries, baselines.

A suppressed finding is never dropped: it keeps its place in the result with
`suppressed=True`, a reason and a kind, so JSON and SARIF record it and the text
summary counts it. The first matching source wins, in this order:

    inline      `# resilint:ignore RES101,RES503 reason` on the resource's first
                line or in the comment lines just above it (YAML and HCL;
                `//` comments work in HCL too)
    annotation  metadata.annotations["resilint/ignore"]: "RES101: reason; RES503: reason"
    config      `.resilint.yaml` `ignore:` entries (rule, resource and path globs,
                reason, optional `expires`: after that day the finding is active
                again and carries a note saying the suppression expired)
    baseline    `--baseline FILE`: findings recorded by `resilint baseline`

Only the source lines of files that have findings are read.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import json
import os
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linter.model import Finding, InputError, is_unknown
from linter.paths import path_glob, relative_to_root
from linter.rule_match import matches, names_a_rule, unknown_message

if TYPE_CHECKING:
    from linter.config import Config
    from linter.engine import ScanOptions, ScanResult

ANNOTATION = "resilint/ignore"
BASELINE_VERSION = 1
# `# resilint:ignore RES101, RES503 reason text` (also `//` in HCL)
INLINE_RE = re.compile(
    r"(?:#|//)\s*resilint:ignore\s+"
    r"(?P<ids>[A-Za-z][\w.-]*(?:\s*,\s*[A-Za-z][\w.-]*)*)"
    r"(?::|\s|$)\s*(?P<reason>.*)$"
)
COMMENT_RE = re.compile(r"^\s*(#|//)")
TEXT_SUFFIXES = {".yaml", ".yml", ".tf", ".tofu", ".hcl"}


def apply_suppressions(result: ScanResult, options: ScanOptions, rule_ids: set[str] | None = None) -> None:
    """Mark the result's findings suppressed where a suppression matches.

    With `rule_ids` (every rule the scan knows, built-in and Rego), an inline
    comment or annotation naming none of them is a warning at its line: a typo
    there leaves the finding active, and the reader must learn why.
    """
    baseline = _load_baseline_into(result, options.baseline)
    config = options.config
    today = _dt.date.today()
    resources = _resources_by_key(result.resources, {f.resource for f in result.findings})
    sources = _SourceLines()
    in_source: dict[tuple[str, str], list[tuple[str, str, str]]] = {}  # per resource, read once
    for f in result.findings:
        if f.suppressed:
            continue
        # a finding placed in the file that writes its value is its resource's, declared elsewhere
        key = (f.resource, f.declared_in or f.file)
        if key not in in_source:
            found = resources.get(key, [])
            in_source[key] = _inline(found, sources) + _annotation(found)
        match = next(((kind, reason) for kind, pattern, reason in in_source[key]
                      if matches(pattern, f.rule_id)), None)
        if match is None and config is not None and config.ignore:
            match = _config(f, config, today)
        if match is None and baseline is not None:
            # a baseline written before the Terraform root (or the environment) was part of
            # fingerprints recorded the finding without it
            for fingerprint in f.baseline_fingerprints:
                if baseline[0][fingerprint] > 0:
                    baseline[0][fingerprint] -= 1
                    match = ("baseline", f"recorded in the baseline {baseline[1]}")
                    break
        if match is not None:
            f.suppressed, f.suppression_kind, f.suppression_reason = True, match[0], match[1]
    if rule_ids is not None:
        result.warnings.extend(_unknown_ids(sources, result.resources, rule_ids))


def _unknown_ids(sources: "_SourceLines", resources: list[Any], rule_ids: set[str]) -> list[InputError]:
    """Inline comments (in the files read for findings) and annotations naming no rule."""
    warnings = []
    for file, lines in sources.read():
        for n, text in enumerate(lines, 1):
            m = INLINE_RE.search(text) if "resilint:ignore" in text else None
            for pattern in m.group("ids").split(",") if m else ():
                if not names_a_rule(pattern, rule_ids):
                    warnings.append(InputError(file, f"resilint:ignore {unknown_message(pattern, rule_ids)}", n))
    for r in resources:
        if "/" not in r.type:  # cloud types carry no annotations (see _annotation): the common case
            continue
        for _, pattern, _ in _annotation([r]):
            if not names_a_rule(pattern, rule_ids):
                warnings.append(InputError(r.location.file, f"{ANNOTATION} annotation of {r.address}: "
                                           f"{unknown_message(pattern, rule_ids)}", r.line_for(f"metadata.annotations.{ANNOTATION}")))
    return warnings


def _resources_by_key(resources: list[Any], addresses: set[str]) -> dict[tuple[str, str], list[Any]]:
    """(address, file) -> its resources, for the addresses findings name (most resources have none)."""
    out: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in resources:
        if r.address in addresses:
            out[(r.address, r.location.file)].append(r)
    return out


class _SourceLines:
    """Lines of the files that have findings and hold a `resilint:ignore`, read once each."""

    def __init__(self) -> None:
        self._files: dict[str, list[str]] = {}

    def lines(self, file: str, any_suffix: bool = False) -> list[str]:
        """The file's lines; [] when it has no inline suppression at all (the common case).
        `any_suffix`: a file known to be YAML whatever its name (a template `api.yaml.tpl`)."""
        if file not in self._files:
            lines: list[str] = []
            from linter.loaders import in_memory, source_text

            if any_suffix or os.path.splitext(file)[1].lower() in TEXT_SUFFIXES or in_memory(file) is not None:
                try:
                    text = source_text(file)
                    if "resilint:ignore" in text:
                        lines = text.splitlines()
                except (OSError, UnicodeDecodeError):
                    pass
            self._files[file] = lines
        return self._files[file]

    def read(self) -> list[tuple[str, list[str]]]:
        """(file, lines) of the files read so far that hold a `resilint:ignore`."""
        return [(file, lines) for file, lines in self._files.items() if lines]


def inline_ids(lines: list[str], line: int) -> dict[str, str]:
    """`resilint:ignore` ids -> reason, from a resource's first line and the comments above it."""
    out: dict[str, str] = {}
    candidates = [line]
    n = line - 1
    while n >= 1:
        text = lines[n - 1] if n <= len(lines) else ""
        if COMMENT_RE.match(text) or text.strip() == "---":
            candidates.append(n)
            n -= 1
            continue
        break
    for n in candidates:
        if not 1 <= n <= len(lines):
            continue
        m = INLINE_RE.search(lines[n - 1])
        if m:
            reason = m.group("reason").strip()
            for rule_id in m.group("ids").split(","):
                out.setdefault(rule_id.strip(), reason)
    return out


def _inline(resources: list[Any], sources: _SourceLines) -> list[tuple[str, str, str]]:
    """(kind, rule pattern, reason) of the `resilint:ignore` comments of these resources."""
    out = []
    for r in resources:
        places = [(r.location.file, r.location.line, False)]
        applied = r.meta.get("manifest_file_shown")
        if applied:  # the manifest file it applies: the comments above its object, as in any manifest
            places.append((applied, _first_content_line(sources.lines(applied, any_suffix=True)), True))
        for file, line, any_suffix in places:
            lines = sources.lines(file, any_suffix) if line else []
            if not lines:
                continue
            for pattern, reason in inline_ids(lines, line).items():
                out.append(("inline", pattern, reason or "suppressed inline (no reason given)"))
    return out


def _first_content_line(lines: list[str]) -> int:
    """The first line of a one-object file that is not blank, a comment or `---` (its object's line)."""
    for n, text in enumerate(lines, 1):
        if text.strip() and text.strip() != "---" and not COMMENT_RE.match(text):
            return n
    return 0


def annotation_ids(value: str) -> dict[str, str]:
    """`"RES101: reason; RES503,RES504: other reason"` -> {id: reason}."""
    out: dict[str, str] = {}
    for part in value.split(";"):
        ids, _, reason = part.partition(":")
        for rule_id in ids.split(","):
            if rule_id.strip():
                out.setdefault(rule_id.strip(), reason.strip())
    return out


def _annotation(resources: list[Any]) -> list[tuple[str, str, str]]:
    """(kind, rule pattern, reason) of the `resilint/ignore` annotations of these resources."""
    out = []
    for r in resources:
        if "/" not in r.type:  # Kubernetes objects only (cloud types are aws_..)
            continue
        metadata = r.attrs.get("metadata") if isinstance(r.attrs, dict) else None
        annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
        if not isinstance(annotations, dict):
            continue
        value = annotations.get(ANNOTATION)
        if not isinstance(value, str) or is_unknown(value):
            continue
        for pattern, reason in annotation_ids(value).items():
            out.append(("annotation", pattern, reason or f"suppressed by the {ANNOTATION} annotation (no reason given)"))
    return out


def _config(f: Finding, config: Config, today: _dt.date) -> tuple[str, str] | None:
    expired_notes = []
    for entry in config.ignore:
        if not matches(entry.rule, f.rule_id):
            continue
        if entry.resource and not fnmatch.fnmatchcase(f.resource, entry.resource):
            continue
        if entry.path and not _path_matches(entry.path, f.file, config.base_dir):
            continue
        where = f"{config.file}:{entry.line}" if entry.line else config.file
        if entry.expires is not None and entry.expired(today):
            expired_notes.append(
                f"the suppression in {where} ({entry.reason}) expired on "
                f"{entry.expires.isoformat()}: the finding is reported again"
            )
            continue
        return "config", entry.reason
    f.notes.extend(n for n in expired_notes if n not in f.notes)
    return None


def _path_matches(pattern: str, file: str, base_dir: str) -> bool:
    regex = path_glob(pattern[2:] if pattern.startswith("./") else pattern)
    candidates = {relative_to_root(file, base_dir), Path(file).as_posix()}
    return any(regex.match(c) for c in candidates)


# --- baselines ---------------------------------------------------------------

def _load_baseline_into(result: Any, path: str | None) -> tuple[Counter[str], str] | None:
    if not path:
        return None
    try:
        return load_baseline(path), path
    except InputError as err:
        result.errors.append(err)
        return None


def load_baseline(path: str) -> Counter[str]:
    """Fingerprint -> how many findings with it the baseline accepts."""
    from linter.loaders._json_lines import line_of

    from linter.loaders import read_text

    if not os.path.exists(path):
        raise InputError(path, "baseline file not found (create it with `resilint baseline -o FILE`)")
    try:
        text = read_text(Path(path), path)  # not UTF-8: an error at the line of the first bad byte
        doc = json.loads(text)
    except OSError as exc:
        raise InputError(path, f"cannot read baseline: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON in baseline: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise InputError(path, "not a resilint baseline: values nested thousands of levels deep", 1) from None
    except ValueError:  # an integer of more than 4300 digits
        from linter.loaders import huge_number

        raise huge_number(text, path) from None
    entries = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise InputError(path, "not a resilint baseline: expected {\"findings\": [{\"fingerprint\": ...}]}",
                         line_of(text, ["findings"]) or 1)
    counts: Counter[str] = Counter()
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("fingerprint"), str):
            raise InputError(path, f"not a resilint baseline: findings[{i}] must be an object with a \"fingerprint\" string",
                             line_of(text, ["findings", i, "fingerprint"]))
        count = e.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InputError(path, f"findings[{i}].count must be a whole number >= 1, got {json.dumps(count)[:40]}",
                             line_of(text, ["findings", i, "count"]))
        counts[e["fingerprint"]] += count
    return counts


def baseline_document(result: Any) -> dict[str, Any]:
    """Today's active findings, by fingerprint (suppressed ones are already accepted)."""
    from linter import __version__

    grouped: dict[str, dict[str, Any]] = {}
    for f in result.findings:
        if f.suppressed:
            continue
        entry = grouped.get(f.fingerprint)
        if entry is None:
            grouped[f.fingerprint] = {
                "fingerprint": f.fingerprint,
                "rule_id": f.rule_id,
                "resource": f.resource,
                "file": f.fingerprint_path or f.file,
                "severity": str(f.severity),
                "count": 1,
            }
        else:
            entry["count"] += 1
    findings = sorted(grouped.values(), key=lambda e: (e["file"], e["resource"], e["rule_id"]))
    return {
        "version": BASELINE_VERSION,
        "tool": f"resilint {__version__}",
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "findings": findings,
    }


def write_baseline(result: Any, path: str) -> int:
    from linter.output import write_atomically

    doc = baseline_document(result)
    write_atomically(path, json.dumps(doc, indent=2) + "\n")
    return sum(e["count"] for e in doc["findings"])
