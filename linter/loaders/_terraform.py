"""What the plan loader and the HCL loader share.

* Reference helpers: which names in an expression are resource addresses
  (`aws_subnet.a`, `data.aws_subnet.x`, `module.vpc`) and how to qualify them
  with the module path of the resource that wrote them.
* `SourceMap`: where a resource block starts in the `.tf` sources of a
  Terraform root, following local module sources, so plan findings can point
  at file:line.
"""

from __future__ import annotations

from typing import Any

import json
import os
import re
from pathlib import Path

from linter.loaders.terraform import HCL_SUFFIXES, shadowed_by_opentofu

# first segments of references that never name a resource
NON_RESOURCE_ROOTS = frozenset({
    "var", "local", "each", "count", "path", "terraform", "self", "null", "true", "false",
})

_REF_RE = re.compile(
    r"(?<![\w.\-\"])((?:module\.[A-Za-z_][\w\-]*(?:\[[^\]]*\])?\.)*"
    r"(?:data\.)?[A-Za-z_][\w\-]*\.[A-Za-z_][\w\-]*(?:\[[^\]]*\])?(?:\.[A-Za-z_][\w\-]*)*)"
)


def resource_ref(ref: str) -> str | None:
    """The resource address a reference names, or None (`var.x`, `local.y`).

    `aws_subnet.a.id` -> `aws_subnet.a`; `data.aws_subnet.x.availability_zone` ->
    `data.aws_subnet.x`; `aws_subnet.a[0].id` -> `aws_subnet.a[0]`;
    `module.vpc.private_subnets` -> `module.vpc.private_subnets` (a module
    output: kept as written, the index leaves it unresolved).
    """
    parts = [_literal_key_only(p) for p in _split_ref(ref)]
    if len(parts) < 2 or parts[0].split("[", 1)[0] in NON_RESOURCE_ROOTS:
        return None
    if parts[0] == "module":
        return ".".join(parts[:3]) if len(parts) >= 3 else None
    if parts[0] == "data":
        return ".".join(parts[:3]) if len(parts) >= 3 else None
    return ".".join(parts[:2])


def _literal_key_only(part: str) -> str:
    """`a[0]`, `a["x"]` stay; `a[*]`, `a[count.index]` lose the key (not a known instance)."""
    if "[" not in part:
        return part
    name, _, key = part.partition("[")
    key = key.rstrip("]")
    if key.isdigit() or (len(key) >= 2 and key[0] == '"' and key[-1] == '"'):
        return part
    return name


def _split_ref(ref: str) -> list[str]:
    """Split on dots outside brackets: `a.b["x.y"].c` -> [a, b["x.y"], c]."""
    if "[" not in ref:
        return ref.split(".")
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in ref:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "." and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def qualify(ref: str, module_address: str | None) -> str:
    return f"{module_address}.{ref}" if module_address else ref


def refs_in_text(text: str, module_address: str | None = None) -> tuple[str, ...]:
    """What an HCL expression's text references, qualified with the module path.

    Resource references become addresses (`aws_subnet.a.id` -> `aws_subnet.a`);
    other references are kept as written (`var.x`, `local.y`, `each.value`), so
    an index lookup of them fails and cross-resource rules stay silent.
    """
    out: list[str] = []
    for match in _REF_RE.finditer(_strip_string_literals(text)):
        ref = text[match.start(1):match.end(1)]  # stripping keeps offsets
        address = resource_ref(ref)
        if address is not None:
            address = qualify(address, module_address)
        else:
            address = ".".join(_split_ref(ref)[:2])
        if address not in out:
            out.append(address)
    return tuple(out)


def _strip_string_literals(text: str) -> str:
    """Blank out quoted text outside `${...}` so `"a.b"` is not read as a reference."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    interp_depth = 0
    while i < n:
        ch = text[i]
        if in_string and interp_depth == 0:
            if ch == "\\" and i + 1 < n:
                out.append("  ")
                i += 2
                continue
            if ch == '"':
                in_string = False
                out.append(ch)
            elif text.startswith("${", i):
                interp_depth = 1
                out.append("${")
                i += 2
                continue
            else:
                out.append(" ")
            i += 1
            continue
        if ch == '"':
            in_string = True
        elif interp_depth:
            if ch == "{":
                interp_depth += 1
            elif ch == "}":
                interp_depth -= 1
        out.append(ch)
        i += 1
    return "".join(out)


# ------------------------------------------------------------------ sources
_BLOCK_RE = re.compile(
    r'^[ \t]*(resource|data)[ \t]+"?([A-Za-z0-9_\-]+)"?[ \t]+"?([A-Za-z0-9_\-]+)"?[ \t]*\{',
    re.MULTILINE,
)
_MODULE_RE = re.compile(r'^[ \t]*module[ \t]+"?([A-Za-z0-9_\-]+)"?[ \t]*\{', re.MULTILINE)
_SOURCE_RE = re.compile(r'^[ \t]*source[ \t]*=[ \t]*"([^"]*)"', re.MULTILINE)


class SourceMap:
    """Resource block locations in a Terraform root's `.tf` files (regex scan).

    Plans have no line numbers; this finds `resource "type" "name" {` in the
    root and, through `module "x" { source = "./..." }`, in local modules.
    Each directory is read once.
    """

    def __init__(self, root: Path):
        self.root = root
        self._dirs: dict[Path, dict[str, Any]] = {}
        self._manifest: dict[str, str] | None = None

    def _scan_dir(self, directory: Path) -> dict[str, Any]:
        cached = self._dirs.get(directory)
        if cached is not None:
            return cached
        blocks: dict[str, tuple[Path, int, str]] = {}
        modules: dict[str, str] = {}
        duplicates = False  # one address declared twice: a folder of examples, not a module
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(HCL_SUFFIXES))  # what the regexes read
        except OSError:
            names = []
        shadowed = shadowed_by_opentofu(set(names))
        names = [n for n in names if n not in shadowed]
        for name in names:
            path = directory / name
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for m in _BLOCK_RE.finditer(text):
                key = f"{'data.' if m.group(1) == 'data' else ''}{m.group(2)}.{m.group(3)}"
                line = text.count("\n", 0, m.start()) + 1
                if key in blocks:
                    duplicates = True
                blocks.setdefault(key, (path, line, text))
            for m in _MODULE_RE.finditer(text):
                body = _block_text(text, m.end() - 1)
                src = _SOURCE_RE.search(body)
                if src:
                    modules.setdefault(m.group(1), src.group(1))
        info = {"blocks": blocks, "modules": modules, "duplicates": duplicates}
        self._dirs[directory] = info
        return info

    def module_dir(self, module_names: list[str]) -> Path | None:
        """Directory of a chain of module calls (`["net", "subnets"]`): local
        sources, or where `terraform init` installed the module."""
        directory = self.root
        for depth, name in enumerate(module_names):
            source = self._scan_dir(directory)["modules"].get(name)
            if source and source.startswith(("./", "../")):
                directory = Path(os.path.normpath(directory / source))
                continue
            installed = self._installed().get(".".join(module_names[: depth + 1]))
            if not installed:
                return None
            directory = Path(os.path.normpath(self.root / installed))
        return directory

    def _installed(self) -> dict[str, str]:
        """Module key (`db.db_instance`) -> directory, from `.terraform/modules/modules.json`."""
        if self._manifest is None:
            self._manifest = {}
            try:
                text = (self.root / ".terraform" / "modules" / "modules.json").read_text(encoding="utf-8")
                for entry in json.loads(text).get("Modules") or []:
                    if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str):
                        self._manifest[entry["Key"]] = entry["Dir"]
            except (OSError, ValueError, AttributeError, UnicodeDecodeError):
                pass
        return self._manifest

    def find(self, module_names: list[str], key: str) -> tuple[Path, int, str] | None:
        directory = self.module_dir(module_names)
        if directory is None:
            return None
        found: tuple[Path, int, str] | None = self._scan_dir(directory)["blocks"].get(key)
        return found


def _block_text(text: str, brace: int) -> str:
    """Text of the `{...}` block starting at index `brace` (strings are not special-cased)."""
    depth = 0
    for i in range(brace, len(text)):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[brace: i + 1]
    return text[brace:]


def attribute_line(text: str, block_line: int, path: str) -> int | None:
    """Line of `path`'s last named segment inside the block that starts on `block_line`."""
    names = [p for p in path.split(".") if p and not p.isdigit()]
    if not names:
        return None
    lines = text.splitlines()
    depth = 0
    want = 0
    for i in range(block_line - 1, len(lines)):
        line = lines[i]
        stripped = line.strip()
        if i > block_line - 1 and depth == 1 + want and want < len(names):
            name = names[want]
            if re.match(rf"{re.escape(name)}\s*(=|\{{|$)", stripped) or re.match(
                rf'dynamic\s+"{re.escape(name)}"', stripped
            ):
                if want == len(names) - 1:
                    return i + 1
                want += 1
        depth += line.count("{") - line.count("}")
        if depth <= 0 and i > block_line - 1:
            break
        if depth < 1 + want and want > 0:
            want = max(0, depth - 1)
    return None


def module_names(module_address: str | None) -> list[str]:
    """`module.a["x"].module.b[0]` -> ["a", "b"]."""
    if not module_address:
        return []
    parts = _split_ref(module_address)
    return [parts[i + 1].split("[", 1)[0] for i in range(0, len(parts) - 1, 2) if parts[i] == "module"]


