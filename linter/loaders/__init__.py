"""Find input files, detect each one's format, hand it to that format's loader.

One loader module per format, imported only when a file of that format is
met (start-up stays light):

    kubernetes.py  YAML manifests (multi-document, List kinds, Helm output)
    tfplan.py      `terraform show -json` plans
    tfstate.py     `terraform show -json` of a state (judged like a plan's after)
    hcl.py         Terraform `.tf` files, one directory (module) at a time
    pulumi.py      stack exports, checkpoints, previews, event logs, saved plans

A broken file becomes an InputError and never hides the findings of others.
The linter only reads: it never writes to the user's input files.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linter.model import InputError, Resource

SKIP_DIRS = {
    ".git", ".hg", ".svn", ".terraform", ".terragrunt-cache", "node_modules",
    ".venv", "venv", ".tox", ".nox", "__pycache__", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", "site-packages", ".eggs",
}
YAML_SUFFIXES = {".yaml", ".yml"}
JSON_SUFFIXES = {".json"}
NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
HCL_SUFFIXES = {".tf"}

# Kubernetes manifests, wherever they are, describe one cluster: cross-object
# rules (a PDB for a Deployment) look across all of them. Every other document
# (a plan, a Pulumi stack, a Terraform root) is a scope of its own, so that
# `aws_sqs_queue.jobs` in one plan never resolves to its namesake in another.
KUBERNETES_SCOPE = "kubernetes"

LOADER_MODULES = {
    "kubernetes": "linter.loaders.kubernetes",
    "tfplan": "linter.loaders.tfplan",
    "tfstate": "linter.loaders.tfstate",
    "hcl": "linter.loaders.hcl",
    "pulumi": "linter.loaders.pulumi",
}


@dataclass
class Loaded:
    resources: list[Resource] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def loader(fmt: str) -> Any:
    return importlib.import_module(LOADER_MODULES[fmt])


def display_path(path: Path) -> str:
    text = os.path.normpath(str(path))
    return text[2:] if text.startswith("./") else text


def _is_virtualenv(dirpath: str, filenames: list[str]) -> bool:
    return "pyvenv.cfg" in filenames


def _is_helm_templates(dirpath: str) -> bool:
    # an unrendered Helm chart's templates are not manifests yet; scanning a
    # tree skips them (naming such a file explicitly still reports it)
    return os.path.basename(dirpath) == "templates" and os.path.exists(
        os.path.join(os.path.dirname(dirpath), "Chart.yaml")
    )


def discover(paths: list[str]) -> tuple[list[Path], list[InputError]]:
    """Expand directories (skipping VCS, caches, virtualenvs) into files."""
    files: list[Path] = []
    errors: list[InputError] = []
    wanted = YAML_SUFFIXES | JSON_SUFFIXES | NDJSON_SUFFIXES | HCL_SUFFIXES
    for given in paths:
        p = Path(given)
        try:
            os.stat(p)
        except OSError as err:  # a name too long, a permission denied on a parent, a link loop
            if err.errno not in (errno.ENOENT, errno.ELOOP) and not os.path.islink(p):
                errors.append(InputError(display_path(p), f"cannot read: {err.strerror or err}"))
                continue
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            def unreadable(err: OSError, _errors: list = errors) -> None:
                # os.walk skips what it cannot list: say so, or its files vanish silently
                where = display_path(Path(err.filename)) if err.filename else display_path(p)
                _errors.append(InputError(where, f"cannot read directory: {err.strerror or err}"))

            for dirpath, dirnames, filenames in os.walk(p, onerror=unreadable):
                dirnames[:] = sorted(
                    d for d in dirnames
                    if d not in SKIP_DIRS
                    and not _is_virtualenv(os.path.join(dirpath, d), _safe_listdir(os.path.join(dirpath, d)))
                    and not _is_helm_templates(os.path.join(dirpath, d))
                )
                for name in sorted(filenames):
                    if Path(name).suffix.lower() in wanted:
                        files.append(Path(dirpath) / name)
        elif p.exists():
            errors.append(InputError(display_path(p), "not a regular file or directory (a FIFO, socket or device)"))
        elif p.is_symlink():
            errors.append(InputError(display_path(p), "broken symbolic link (or a link loop)"))
        else:
            errors.append(InputError(display_path(p), "no such file or directory"))
    return files, errors


def _safe_listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def sniff_json(doc: Any) -> str | None:
    """Which format a parsed JSON document is, or None when it is not infrastructure."""
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


def is_terraform_state(doc: dict) -> bool:
    """`terraform show -json` without a plan file: `values.root_module`, or only
    the version fields when the state is empty."""
    return "format_version" in doc and (
        isinstance(doc.get("values"), dict) or set(doc) <= {"format_version", "terraform_version"}
    )


# Terraform files resilint cannot read, and the command that makes a readable one.
# (Detection is one small function each, so it can move with the loader registry.)
PLAN_LOG = ("a `terraform plan -json` log (Terraform's machine-readable messages), not a plan: "
            "save the plan with `terraform plan -out plan.out`, then scan the output of "
            "`terraform show -json plan.out > plan.json`")
BINARY_PLAN = ("a binary Terraform plan (written by `terraform plan -out`): resilint reads its JSON form; "
               "run `terraform show -json {name} > plan.json` and scan plan.json")
RAW_STATE = ("a raw Terraform state file: resilint reads the state as `terraform show` gives it; "
             "run `terraform show -json > state.json` in the Terraform directory (or "
             "`terraform show -json {name} > state.json`) and scan state.json")


def is_raw_terraform_state(doc: Any) -> bool:
    """terraform.tfstate itself (Terraform's storage format, not `terraform show -json`)."""
    return (isinstance(doc, dict) and "format_version" not in doc and "terraform_version" in doc
            and "version" in doc and isinstance(doc.get("resources"), list))


def is_terraform_plan_log(text: str) -> bool:
    """The first line of `terraform plan -json` (or apply/validate -json) output."""
    first = text.lstrip().split("\n", 1)[0]
    if not (first.startswith("{") and '"@level"' in first):
        return False
    try:
        line = json.loads(first)
    except ValueError:
        return False
    return isinstance(line, dict) and "@message" in line and "type" in line


def is_binary_terraform_plan(path: Path) -> bool:
    """A zip archive holding a `tfplan` entry, as `terraform plan -out` writes."""
    import zipfile

    try:
        with path.open("rb") as f:
            if f.read(4) != b"PK\x03\x04":
                return False
        with zipfile.ZipFile(path) as archive:
            return "tfplan" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def unreadable_terraform_file(path: Path, shown: str) -> InputError | None:
    """A file named on the command line with no infrastructure suffix: a binary
    plan, a raw state or a plan log gets a message; anything else is not ours."""
    if is_binary_terraform_plan(path):
        return InputError(shown, BINARY_PLAN.format(name=path.name))
    try:
        with path.open("rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return None
    text = head.decode("utf-8-sig", errors="replace")
    if is_terraform_plan_log(text):
        return InputError(shown, PLAN_LOG, 1)
    if '"terraform_version"' in text and text.lstrip().startswith("{"):
        try:
            doc = json.loads(read_text(path, shown))
        except (ValueError, InputError):
            return None
        if is_raw_terraform_state(doc):
            return InputError(shown, RAW_STATE.format(name=path.name), 1)
    return None


def load_paths(paths: list[str], options: dict | None = None) -> Loaded:
    options = dict(options or {})  # per scan: loaders may leave notes for each other
    out = Loaded()
    files, out.errors = discover(paths)
    hcl_dirs: dict[Path, list[Path]] = {}
    for path in files:
        suffix = path.suffix.lower()
        shown = display_path(path)
        if suffix in HCL_SUFFIXES:
            hcl_dirs.setdefault(path.parent, []).append(path)
            continue
        try:
            if suffix in YAML_SUFFIXES:
                resources = loader("kubernetes").load_file(path, shown, options)
            elif suffix in JSON_SUFFIXES:
                resources = _load_json(path, shown, options)
            elif suffix in NDJSON_SUFFIXES:
                if is_terraform_plan_log(read_text(path, shown)):
                    raise InputError(shown, PLAN_LOG, 1)
                resources = loader("pulumi").load_event_log(path, shown, options)
            else:
                # only a file named on the command line gets here (a directory
                # walk collects infrastructure suffixes only)
                unreadable = unreadable_terraform_file(path, shown)
                if unreadable is not None:
                    out.errors.append(unreadable)
                continue
        except InputError as err:
            out.errors.append(err)
            continue
        except OSError as err:
            out.errors.append(InputError(shown, f"cannot read file: {err.strerror or err}"))
            continue
        except RecursionError:
            out.errors.append(InputError(shown, NESTED_TOO_DEEPLY))
            continue
        except Exception as exc:  # last resort: a loader bug must not hide the other files
            out.errors.append(InputError(shown, f"internal error while loading: {type(exc).__name__}: {exc}"))
            continue
        if resources is not None:
            out.files.append(shown)
            for r in resources:
                # a plan or a Pulumi document is a world of its own; manifests share a cluster
                r.meta.setdefault("scope", KUBERNETES_SCOPE if r.source_format == "kubernetes" else shown)
            out.resources.extend(resources)
    if hcl_dirs:
        # all directories at once: a module called by another is loaded as its child
        resources, errors = loader("hcl").load_modules(hcl_dirs, options)
        for r in resources:
            # a Terraform root (and the modules it calls) is a world of its own
            r.meta.setdefault("scope", r.meta.get("root") or os.path.dirname(r.location.file) or ".")
        out.resources.extend(resources)
        out.errors.extend(errors)
        for tf_files in hcl_dirs.values():
            out.files.extend(display_path(f) for f in tf_files)
    if any(r.type == "azapi_resource" for r in out.resources):
        from linter.normalize.azapi import normalize  # HCL, plan or state alike

        normalize(out.resources)
    return out


def _load_json(path: Path, shown: str, options: dict) -> list[Resource] | None:
    text = read_text(path, shown)
    try:
        doc = json.loads(text)
    except RecursionError:
        raise InputError(shown, NESTED_TOO_DEEPLY) from None
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            raise huge_number(text, shown) from None
        return _not_json(exc, path, text, shown, options)
    check_surrogates(text, doc, shown)
    fmt = sniff_json(doc)
    if fmt is None:
        if is_raw_terraform_state(doc):
            raise InputError(shown, RAW_STATE.format(name=path.name), 1)
        return None
    if fmt == "kubernetes":
        return loader("kubernetes").load_objects([doc], shown, options)
    return loader(fmt).load_document(doc, path, shown, options)


def _not_json(exc: json.JSONDecodeError, path: Path, text: str, shown: str, options: dict) -> list[Resource] | None:
    if is_terraform_plan_log(text):
        raise InputError(shown, PLAN_LOG, 1)
    if path.name.endswith((".ndjson", ".jsonl")) or _looks_like_event_log(text):
        return loader("pulumi").load_event_log(path, shown, options)
    if any(marker in text for marker in ('"format_version"', '"deployment"', '"apiVersion"', '"steps"')):
        raise InputError(shown, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    return None  # not infrastructure, and not ours to judge


def huge_number(text: str, shown: str, line: int | None = None) -> InputError:
    """Python refuses to read integers of more than 4300 digits (a denial-of-service guard)."""
    import re
    import sys

    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
    if line is None:
        found = re.search(r"\d{%d,}" % (limit + 1), text)
        line = text.count("\n", 0, found.start()) + 1 if found else None
    return InputError(shown, f"a number with more than {limit} digits: no configuration value is that large", line)


_SURROGATE_ESCAPE = None


def check_surrogates(text: str, doc: Any, shown: str, line: int | None = None) -> None:
    """JSON may escape half of a UTF-16 pair (`"\\ud800"`): Python keeps it as a character
    no output can encode, so reports would crash on it. Reject the file, at the escape's line."""
    global _SURROGATE_ESCAPE
    import re

    if _SURROGATE_ESCAPE is None:
        _SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
    if not _SURROGATE_ESCAPE.search(text):
        return  # the common case: no surrogate escapes at all
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return  # pairs only (emoji and the like)
    paired_at = -1  # where the low half of the last valid pair starts
    for match in _SURROGATE_ESCAPE.finditer(text):
        if match.start() == paired_at:
            continue
        try:
            json.loads('"' + text[match.start():match.start() + 12] + '"').encode("utf-8")
        except (UnicodeEncodeError, ValueError):
            line = line or text.count("\n", 0, match.start()) + 1
            raise InputError(shown, f"lone UTF-16 surrogate {match.group(0)}: not a character any report can show", line) from None
        paired_at = match.start() + 6
    raise InputError(shown, "lone UTF-16 surrogate escape: not a character any report can show", line)


def _looks_like_event_log(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    return first.startswith("{") and '"sequence"' in first


NESTED_TOO_DEEPLY = "values nested too deeply to read (hundreds of levels): not a real configuration"


def read_text(path: Path, shown: str) -> str:
    """A file's text: UTF-8, with or without a byte order mark (Windows editors write one)."""
    if path.is_dir():
        raise InputError(shown, "is a directory, expected a file")
    if not path.is_file():  # a FIFO or a device would block or never end
        raise InputError(shown, "not a regular file")
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # PowerShell 5's `>` writes UTF-16: say so instead of "byte 0"
        raise InputError(shown, "UTF-16 text: save the file as UTF-8 (e.g. `Out-File -Encoding utf8`)", 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(shown, f"not UTF-8 text (byte {exc.start})", line) from None
