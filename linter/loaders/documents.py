"""JSON documents: Terraform plans and states, Pulumi documents and event logs, Kubernetes JSON.

One loader for the JSON family, because telling them apart needs the parse:
the document is read once and handed to the format its keys name
(`sniff_json`). JSON that is none of them (package.json, a tsconfig) is not
infrastructure and is skipped; JSON that is broken but carries a format's
marker keys is an input error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from linter.model import InputError, Resource

DECLINED = "JSON that is not a Terraform plan or state, a Pulumi document or a Kubernetes object"
EVENT_LOG_SUFFIXES = (".ndjson", ".jsonl")


def detect(path: Path, head: str) -> bool:
    return head.lstrip()[:1] in ("{", "[")


def load(path: Path, shown: str, options: dict[str, Any]) -> list[Resource] | None:
    from linter.loaders import NESTED_TOO_DEEPLY, check_surrogates, huge_number, read_text

    from linter.loaders.terraform_outputs import PLAN_LOG, RAW_STATE, is_raw_terraform_state, is_terraform_plan_log

    text = read_text(path, shown)
    if path.name.lower().endswith(EVENT_LOG_SUFFIXES):
        if is_terraform_plan_log(text):
            raise InputError(shown, PLAN_LOG, 1)
        if not _names_pulumi_events(text):  # JSON lines of something else (logs, a dataset, ABAC policies)
            return None
        from linter.loaders.pulumi import load_event_log

        return load_event_log(path, shown, options)
    non_finite: list[str] = []
    try:
        doc = json.loads(text, parse_constant=constant_recorder(non_finite))
    except RecursionError:
        raise InputError(shown, NESTED_TOO_DEEPLY) from None
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            raise huge_number(text, shown) from None
        return _not_json(exc, path, text, shown, options)
    check_surrogates(text, shown)
    if is_raw_terraform_state(doc):
        raise InputError(shown, RAW_STATE.format(name=path.name), 1)
    fmt = sniff_json(doc)
    if fmt is None:
        if is_terraform_plan_log(text):  # a log of one line is one JSON object
            raise InputError(shown, PLAN_LOG, 1)
        return None
    if non_finite:
        raise non_finite_number(text, shown)
    from linter.loaders._json_lines import with_line

    if fmt == "kubernetes":
        return _kubernetes(text, [(doc, len(text) - len(text.lstrip()), len(text))], shown, options)
    # a plan written on one line (as `terraform show -json` writes it): every resource is on line 1
    one_line = fmt == "tfplan" and text.find("\n", 0, len(text) - 1) < 0
    # the document is enough now: a big plan's text must not stay beside it;
    # Pulumi's finds its resources' lines in it (read once, not twice)
    source, text = (text if fmt == "pulumi" else None), ""
    try:
        return _load_parsed(fmt, doc, path, shown, options, source, one_line)
    except InputError as err:  # a shape error names a path: give it that key's line (read again)
        raise with_line(err, read_text(path, shown)) from None


def constant_recorder(seen: list[Any]) -> Any:
    """A json `parse_constant` that notes `Infinity`, `-Infinity`, `NaN` (Python reads
    them, JSON has no such numbers): the caller decides, once it knows the document
    is infrastructure, that they are an input error."""
    def record(name: str) -> float:
        seen.append(name)
        return float(name.replace("Infinity", "inf"))
    return record


def non_finite_number(text: str, shown: str, line: int | None = None) -> InputError:
    """`Infinity` or `NaN` in a JSON document: not JSON (terraform and pulumi never write
    them), and no rule can compare them. At the line of the first one outside a string."""
    import re

    if line is None:
        for match in re.finditer(r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN', text):
            if not match.group(0).startswith('"'):
                line = text.count("\n", 0, match.start()) + 1
                break
    return InputError(shown, "Infinity or NaN is not a JSON number: no configuration value is infinite", line)


def _load_parsed(fmt: str, doc: Any, path: Path, shown: str, options: dict[str, Any],
                 source: str | None, one_line: bool = False) -> list[Resource]:
    """Hand a parsed document to the loader of its format (`sniff_json`), imported
    only when a document of that format comes (`one_line`: a plan's text is one line)."""
    if fmt == "pulumi":
        from linter.loaders.pulumi import load_document as load_pulumi

        return load_pulumi(doc, path, shown, options, text=source)
    if fmt == "tfplan":
        from linter.loaders.tfplan import load_document as load_plan

        return load_plan(doc, path, shown, options, one_line=one_line)
    from linter.loaders.tfstate import load_document as load_state

    return load_state(doc, path, shown, options)


def _kubernetes(text: str, values: list[tuple[Any, int, int]], shown: str, options: dict[str, Any]) -> list[Resource]:
    """Kubernetes objects written as JSON (`values`: each with the offsets it starts and ends
    at in `text`), their fields' lines looked up in the text as findings need them."""
    from linter.loaders._json_lines import with_line
    from linter.loaders.kubernetes import JsonManifestLines, json_documents, load_objects

    try:
        return load_objects(json_documents(text, values), shown, options, lines=JsonManifestLines(text))
    except InputError as err:  # a shape error names a path: give it that key's line
        raise with_line(err, text) from None


def sniff_json(doc: Any) -> str | None:
    """Which format a parsed JSON document is, or None when it is not infrastructure."""
    from linter.loaders.terraform_outputs import is_terraform_state

    if isinstance(doc, dict):
        if "format_version" in doc and (
            "resource_changes" in doc or "planned_values" in doc or "configuration" in doc
        ):
            return "tfplan"
        if is_terraform_state(doc):
            return "tfstate"
        if any(k in doc for k in ("deployment", "checkpoint", "steps", "resourcePlans")):
            return "pulumi"
        if "apiVersion" in doc and "kind" in doc:
            return "kubernetes"
    return None


def _not_json(exc: json.JSONDecodeError, path: Path, text: str, shown: str, options: dict[str, Any]) -> list[Resource] | None:
    from linter.loaders.terraform_outputs import PLAN_LOG, is_terraform_plan_log

    if is_terraform_plan_log(text):
        raise InputError(shown, PLAN_LOG, 1)
    if _looks_like_event_log(text):
        from linter.loaders.pulumi import load_event_log

        return load_event_log(path, shown, options)
    if exc.msg == "Extra data":  # a stream of objects, which kubectl reads as it reads `---` documents
        values = kubernetes_stream(text, shown)
        if values is not None:
            from linter.loaders import check_surrogates

            check_surrogates(text, shown)
            return _kubernetes(text, values, shown, options)
    if any(marker in text for marker in ('"format_version"', '"deployment"', '"apiVersion"', '"steps"')):
        raise InputError(shown, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    return None  # not infrastructure, and not ours to judge


def kubernetes_stream(text: str, shown: str) -> list[tuple[Any, int, int]] | None:
    """The values of a text of several JSON values that kubectl reads as Kubernetes objects
    (objects, at least one Kubernetes: one missing half its type is an error at its line), as
    `_stream` gives them; None when it is not such a stream."""
    values = _stream(text, shown)
    if values and all(isinstance(value, dict) for value, _, _ in values) and any(
            sniff_json(value) == "kubernetes" for value, _, _ in values):
        return values
    return None


def _stream(text: str, shown: str) -> list[tuple[Any, int, int]] | None:
    """Each JSON value of a text of several, with the offsets it starts and ends at; None
    when one does not parse (the caller reports the text's own error)."""
    non_finite: list[str] = []
    try:
        values, error = json_values(text, json.JSONDecoder(parse_constant=constant_recorder(non_finite)))
    except (ValueError, RecursionError):
        return None
    if error is not None:
        return None
    if non_finite:
        raise non_finite_number(text, shown)
    return values


def json_values(text: str, decoder: json.JSONDecoder | None = None) -> tuple[list[tuple[Any, int, int]],
                                                                              json.JSONDecodeError | None]:
    """The JSON values of a text, one after another as kubectl's JSON decoder reads them, each
    with the offsets it starts and ends at, and the error that stopped the reading (None: it
    read to the end). A number past Python's conversion limit (ValueError) and nesting past
    the recursion limit (RecursionError) are the caller's to handle."""
    decoder = decoder or json.JSONDecoder()
    values: list[tuple[Any, int, int]] = []
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position == len(text):
            return values, None
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            return values, exc
        values.append((value, position, end))
        position = end


def _names_pulumi_events(text: str) -> bool:
    """Whether JSON lines may be a Pulumi engine event log: its events' keys are there."""
    return ('"sequence"' in text and '"timestamp"' in text) or any(
        f'"{key}"' in text for key in ("resourcePreEvent", "resOutputsEvent", "resOpFailedEvent"))


def _looks_like_event_log(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    return first.startswith("{") and '"sequence"' in first
