"""Terraform `.tf` files (for pre-commit, before any plan exists).

Parsing uses python-hcl2 8.x's rule tree (`hcl2.parses`), which carries the
line of every block and attribute.

Values
* Literals (strings, numbers, bools, null, lists and objects of literals,
  heredocs) are values. `jsonencode(<literal>)` becomes the JSON text
  Terraform would produce (compact, keys sorted).
* Anything else (`var.x`, `local.y`, function calls, `"${...}"` interpolation,
  conditionals, references to other resources) is `Unknown(expr=<source text>,
  refs=(...))`. `refs` lists what the expression references: resource
  addresses (`aws_subnet.a.id` -> `aws_subnet.a`, `data.aws_subnet.x`,
  qualified with the module path when the module is loaded as a child) and,
  as written, non-resource references (`var.x`, `local.y`, `each.value`), which
  never resolve, so a cross-resource rule stays silent on a partial graph.
  `r.refs` maps attribute paths to the same lists.
* A whole-attribute `var.name` whose variable has a literal `default`, when no
  `terraform.tfvars`/`*.auto.tfvars` of the directory sets it, takes the
  default; `r.meta["from_variable_default"]` maps the attribute path to the
  variable (`{"multi_az": "var.multi_az"}`), so a message can say where the
  value came from. In a child module the caller's arguments are the values
  (a caller's `var.x` default keeps its marker, naming the caller's variable).
* Nested blocks are lists of dicts, as in plan JSON, so
  `r.get("settings.backup_configuration.enabled")` reads the same for both.
  Paths name the first block without `.0` (`settings.tier`, `ingress.1.port`).
  A `dynamic "x"` block makes `x` Unknown (its count is not known).
* Meta-arguments are not attributes: `count`/`for_each` go to `meta` (a block
  is analysed once, as a template; `count = 0` or an empty `for_each` written
  literally, or passed so by a caller, skips it; a variable default does
  not); `depends_on`, `lifecycle`, `provider`, provisioners are dropped.

Modules: the scanned directories are loaded as one tree. A `module` block
with a local source (`./modules/db`) loads that directory as the child
`module.db` (addresses `module.db.aws_db_instance.main`), even outside the
scanned paths, and the directory is not loaded a second time on its own;
`module.db.<output>` references are followed to what the output references.
Registry and git modules that `terraform init` installed are followed the
same way (`.terraform/modules/modules.json` of the root maps module keys to
directories). A call the scan cannot follow (not installed, missing directory)
becomes a Resource of type `module` (no rule declares it) whose `refs` say
what it receives, and `meta["source"]` its source.

Resources: `type` = Terraform type, `address` = `aws_db_instance.main` (no
instance keys), `source_format` "hcl", location = the block's file:line,
`line_of(path)` = the attribute's line; `meta`: `module` (module address or
None), `root` (for a child module's resources: the root directory whose call
this is; a module called from two roots is loaded once per root),
`count`/`for_each` when written, `from_variable_default`. Data sources
become type `data.<type>` (never linted) with address `data.<type>.<name>`, so
`index.resolve("data.aws_subnet.x.availability_zone")` finds them.

A syntax error is an InputError with file and line; the other files of the
directory are still loaded.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linter.loaders._terraform import refs_in_text
from linter.model import InputError, Location, Resource, Unknown, contains_unknown

META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"})
MODULE_META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "providers"})


@dataclass
class ModuleCall:
    resource: Resource  # type "module": what the call passes, for rules that cannot see inside
    inputs: dict  # argument -> value (Unknown with the caller's references when not literal)
    input_defaults: dict  # argument -> the caller's variable whose default it carries


_VAR_RE = re.compile(r"^var\.([A-Za-z_][\w\-]*)$")
_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


def load_module(directory: Path, tf_files: list[Path], options: dict | None = None) -> tuple[list[Resource], list[InputError]]:
    """One directory as a root module (its local child modules are followed)."""
    return load_modules({Path(directory): list(tf_files)}, options)


def load_modules(directories: dict[Path, list[Path]], options: dict | None = None) -> tuple[list[Resource], list[InputError]]:
    """Every scanned directory, loaded as a tree of modules.

    A directory that another scanned directory calls through a local source
    (`module "db" { source = "./modules/db" }`) is loaded as that child
    (`module.db.aws_db_instance.main`, its variables set by the call's
    arguments), not a second time on its own. A local child outside the scanned
    paths is read too. A call whose source is not local (registry, git) or not
    found becomes a Resource of type `module` (never linted; `refs` say what
    the call receives) so rules can stay silent on what they cannot see.
    A root that a scanned plan maps to (the plan sits in it, or `--tf-root`)
    is left to the plan, with the modules it calls: no finding twice.
    """
    tree = _ModuleTree()
    for directory, files in directories.items():
        tree.parse_dir(Path(directory), files)
    scanned = [Path(d) for d in directories]
    called = {child for d in scanned for child in tree.local_children(d)}
    # a Terraform root whose plan is scanned too is the plan's to report (with
    # resolved values), and so are the modules it calls
    covered = (options or {}).get("terraform_roots_covered_by_plan") or set()
    skip: set[Path] = set()
    pending = [d for d in scanned if os.path.realpath(d) in covered]
    while pending:
        directory = pending.pop()
        if directory not in skip:
            skip.add(directory)
            pending.extend(tree.local_children(directory))
    for directory in scanned:
        if directory not in called and directory not in skip:
            tree.load(directory, None, None, ())
    for directory in scanned:  # only reachable through a cycle of calls
        if directory not in tree.loaded and directory not in skip:
            tree.load(directory, None, None, ())
    tree.follow_outputs()
    return tree.resources, tree.errors


MAX_MODULE_DEPTH = 12


class _ModuleTree:
    def __init__(self) -> None:
        self.parsed: dict[Path, list] = {}
        self.resources: list[Resource] = []
        self.errors: list[InputError] = []
        self.loaded: set[Path] = set()
        # "module.db.endpoint" -> what the output's value references (loaded children)
        self.outputs: dict[str, tuple] = {}
        self.manifests: dict[Path, dict] = {}  # root -> module key -> installed directory

    def parse_dir(self, directory: Path, files: list[Path] | None = None, quiet: bool = False) -> list:
        """Parsed files of a directory (once). `quiet`: a directory of third-party
        code (installed by `terraform init`) that does not parse is not the
        user's input error: it yields nothing and its call stays opaque."""
        from linter.loaders import display_path, read_text

        if directory in self.parsed:
            return self.parsed[directory]
        errors_before = len(self.errors)
        if files is None:
            try:
                files = [p for p in directory.iterdir() if p.suffix == ".tf" and p.is_file()]
            except OSError:
                files = []
        parsed = []
        for path in sorted(files):
            shown = display_path(path)
            try:
                text = read_text(path, shown)
                parsed.append((path, shown, parse(text, shown)))
                # duplicates are looked for within a file: a folder of single-file
                # examples (fixtures/RES301/*.tf) is scanned one file at a time
                self.errors.extend(check_blocks(parsed[-1][2], shown, {}))
            except InputError as err:
                self.errors.append(err)
            except OSError as err:
                self.errors.append(InputError(shown, f"cannot read file: {err.strerror or err}"))
        if quiet and len(self.errors) > errors_before:
            del self.errors[errors_before:]
            parsed = []
        self.parsed[directory] = parsed
        return parsed

    def local_children(self, directory: Path) -> list[Path]:
        out = []
        for _path, _shown, tree in self.parsed.get(directory, []):
            for block in _blocks(tree.body):
                labels = _labels(block)
                if labels[0] == "module" and len(labels) >= 2:
                    child = _local_source_dir(directory, block)
                    if child is not None and child != directory:
                        out.append(child)
        return out

    def load(self, directory: Path, module_address: str | None, call: "ModuleCall | None", stack: tuple,
             root: Path | None = None, keys: tuple = ()) -> None:
        from linter.loaders import display_path

        root = root or directory  # the root module: where `terraform init` installs modules
        self.loaded.add(directory)
        parsed = self.parse_dir(directory)
        module = ModuleContext(directory, parsed, module_address, call.inputs if call else None,
                               call.input_defaults if call else None)
        for _path, shown, tree in parsed:
            for block in _blocks(tree.body):
                labels = _labels(block)
                try:
                    if labels[0] in ("resource", "data") and len(labels) >= 3:
                        resource = module.resource(block, labels, shown)
                        if resource is not None:
                            if module_address:  # which root's call this instance is
                                resource.meta["root"] = display_path(root)
                            self.resources.append(resource)
                    elif labels[0] == "module" and len(labels) >= 2:
                        self._module_call(module, block, labels, shown, directory, stack, root, keys)
                    elif labels[0] == "output" and len(labels) >= 2 and module_address:
                        self._output(module, block, labels[1], module_address)
                except InputError as err:
                    self.errors.append(err)
                except RecursionError:
                    self.errors.append(InputError(shown, "expression nested too deeply", _line(block)))
                except Exception as exc:  # an hcl2 construct we do not know: report, go on
                    self.errors.append(InputError(
                        shown, f"cannot read {' '.join(labels[:3])}: {type(exc).__name__}: {exc}", _line(block)))

    def _output(self, module: "ModuleContext", block: Any, name: str, module_address: str) -> None:
        for attr in _attributes(block.body):
            if attr.identifier.serialize() == "value":
                value = module.value(attr.expression.serialize(), attr.expression)
                refs: list[str] = []
                for _p, leaf in _unknown_leaves(value):
                    refs.extend(r for r in leaf.refs if r not in refs)
                if refs:
                    self.outputs[f"{module_address}.{name}"] = tuple(refs)

    def follow_outputs(self) -> None:
        """`module.db.endpoint` -> the references of that output's value, where the child was loaded."""
        if not self.outputs:
            return
        for r in self.resources:
            changed = False
            for _path, leaf in _unknown_leaves(r.attrs):
                if any(ref in self.outputs for ref in leaf.refs):
                    leaf.refs = self._expand(leaf.refs, 0)
                    changed = True
            if changed:
                r.refs = {path: list(v.refs) for path, v in _unknown_leaves(r.attrs) if v.refs}

    def _expand(self, refs: tuple, depth: int) -> tuple:
        out: list[str] = []
        for ref in refs:
            inner = self.outputs.get(ref) if depth < 8 else None
            for item in (self._expand(inner, depth + 1) if inner else (ref,)):
                if item not in out:
                    out.append(item)
        return tuple(out)

    def _module_call(self, module: "ModuleContext", block: Any, labels: list[str], shown: str,
                     directory: Path, stack: tuple, root: Path, keys: tuple) -> None:
        call = module.module_call(block, labels, shown)
        if call is None:
            return  # count = 0
        keys = keys + (labels[1],)
        child = _local_source_dir(directory, block)
        installed = child is None
        if installed:
            child = self.installed_dir(root, keys)
        if (
            child is not None and child not in stack and child != directory
            and len(stack) < MAX_MODULE_DEPTH and self.parse_dir(child, quiet=installed)
        ):
            self.load(child, call.resource.address, call, stack + (directory,), root, keys)
        else:
            self.resources.append(call.resource)

    def installed_dir(self, root: Path, keys: tuple) -> Path | None:
        """Where `terraform init` put a registry/git module (`.terraform/modules/modules.json`)."""
        manifest = self.manifests.get(root)
        if manifest is None:
            manifest = {}
            try:
                text = (root / ".terraform" / "modules" / "modules.json").read_text(encoding="utf-8")
                for entry in json.loads(text).get("Modules") or []:
                    if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str):
                        manifest[entry["Key"]] = entry["Dir"]
            except (OSError, ValueError, AttributeError, UnicodeDecodeError):
                pass
            self.manifests[root] = manifest
        found = manifest.get(".".join(keys))
        if not found:
            return None
        child = Path(os.path.normpath(root / found))
        return child if child.is_dir() else None


def _local_source_dir(directory: Path, block: Any) -> Path | None:
    for attr in _attributes(block.body):
        if attr.identifier.serialize() == "source":
            raw = attr.expression.serialize()
            if isinstance(raw, str) and len(raw) >= 2 and raw[0] == raw[-1] == '"':
                source = raw[1:-1]
                if source.startswith(("./", "../")) or source in (".", ".."):
                    child = Path(os.path.normpath(directory / source))
                    return child if child.is_dir() else None
    return None


def parse(text: str, shown: str) -> Any:
    """The hcl2 rule tree of one file; syntax errors become InputErrors with a line."""
    import hcl2

    try:
        tree = hcl2.parses(text)
    except RecursionError:
        raise InputError(shown, "expressions or blocks nested too deeply to read (thousands of levels)") from None
    except Exception as exc:  # lark raises several exception types
        if isinstance(getattr(exc, "orig_exc", None), RecursionError) or isinstance(exc.__context__, RecursionError):
            raise InputError(shown, "expressions or blocks nested too deeply to read (thousands of levels)") from None
        line = getattr(exc, "line", None)
        line = line if isinstance(line, int) and line > 0 else None
        message = str(exc).split("\n", 1)[0]
        token = getattr(exc, "token", None)
        if token is not None and getattr(token, "type", "") == "$END":
            message = "unexpected end of file (unclosed block or string?)"
            line = text.count("\n") + 1 if line is None else line
        elif token is not None:
            message = f"unexpected {str(token).strip()[:40]!r}"
        elif "Unexpected character" in message or getattr(exc, "char", None):
            message = f"unexpected character {getattr(exc, 'char', '?')!r}"
        raise InputError(shown, f"invalid HCL: {message}", line) from None
    _check_number_range(text, shown)
    return tree


# a number literal past a float's range: 309+ digits, or an exponent of 3+ digits.
# Starts only where a run of digits starts, so no run is scanned twice.
_HUGE_NUMBER = re.compile(r"(?<![\w.])(?:\d{309,}|\d+(?:\.\d+)?[eE][+-]?\d{3,})")


def _check_number_range(text: str, shown: str) -> None:
    """Terraform's numbers have arbitrary precision; the rules compare Python floats.
    A literal past their range (`1e400`) is an input error at its line, never an
    infinity (or an integer no float holds) that crashes a rule."""
    for match in _HUGE_NUMBER.finditer(text):
        if float(match.group(0)) in (float("inf"), float("-inf")):
            raise InputError(shown, f"the number {match.group(0)[:40]}{'...' if len(match.group(0)) > 40 else ''} "
                             "is too large to judge (no configuration value is that large)",
                             text.count("\n", 0, match.start()) + 1)


def _kind(node: Any) -> str:
    return type(node).__name__


# blocks Terraform rejects without the right number of labels: (labels, what they are)
_LABELS = {
    "resource": (2, "a type and a name"), "data": (2, "a type and a name"),
    "module": (1, "a name"), "variable": (1, "a name"), "output": (1, "a name"),
    "locals": (0, "no labels"), "terraform": (0, "no labels"),
}


def check_blocks(tree: Any, shown: str, declared: dict[str, str]) -> list[InputError]:
    """What `terraform validate` rejects in a file's structure, with lines: blocks with the
    wrong labels, a resource/module/variable declared twice in a file, an
    attribute set twice in one block, a literal `count` that is not a whole number >= 0.
    Such a file does not plan, so its resources are not what would run."""
    errors: list[InputError] = []
    for block in _blocks(tree.body):
        labels = _labels(block)
        line = _line(block)
        expected = _LABELS.get(labels[0])
        if expected is not None and len(labels) - 1 != expected[0]:
            errors.append(InputError(shown, f"{labels[0]} block must have {expected[1]} "
                                     f"({len(labels) - 1} label(s) given)", line))
            continue
        if labels[0] in ("resource", "data", "module", "variable", "output"):
            key = ".".join(labels[1:]) if labels[0] == "resource" else ".".join(labels)
            if key in declared:
                first = f"line {declared[key].rsplit(':', 1)[1]}"
                errors.append(InputError(shown, f"duplicate {labels[0]} {'.'.join(labels[1:])} "
                                         f"(first declared at {first})", line))
            else:
                declared[key] = f"{shown}:{line}"
        if labels[0] in ("resource", "data", "module"):
            errors.extend(_check_body(block.body, shown))
    return errors


def _check_body(body: Any, shown: str) -> list[InputError]:
    errors: list[InputError] = []
    seen: dict[str, int | None] = {}
    for child in body.children:
        kind = _kind(child)
        if kind == "AttributeRule":
            key = str(child.identifier.serialize())
            if key in seen:
                errors.append(InputError(shown, f"attribute {key} set twice in one block "
                                         f"(first on line {seen[key]})", _line(child)))
            seen[key] = _line(child)
            if key == "count":
                value = child.expression.serialize()
                literal = _unquote_label(value) if isinstance(value, str) and value.startswith('"') else value
                if isinstance(literal, str) and not literal.startswith("${") and not literal.lstrip("-").isdigit() \
                        or isinstance(literal, (bool, float)) or isinstance(literal, str) and literal.startswith("-") \
                        or isinstance(literal, int) and literal < 0:
                    errors.append(InputError(shown, f"count must be a whole number >= 0, got {value}", _line(child)))
        elif kind == "BlockRule":
            errors.extend(_check_body(child.body, shown))
    return errors


def _blocks(body: Any) -> list:
    return [c for c in body.children if _kind(c) == "BlockRule"]


def _attributes(body: Any) -> list:
    return [c for c in body.children if _kind(c) == "AttributeRule"]


def _labels(block: Any) -> list[str]:
    return [_unquote_label(l.serialize()) for l in block.labels]


def _unquote_label(text: Any) -> str:
    text = str(text)
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


def _line(node: Any) -> int | None:
    meta = getattr(node, "_meta", None)
    return getattr(meta, "line", None) if meta is not None else None


class ModuleContext:
    """One directory's variables and how its expressions become values."""

    def __init__(self, directory: Path, parsed: list, module_address: str | None,
                 inputs: dict[str, Any] | None = None, input_defaults: dict[str, str] | None = None):
        self.directory = directory
        self.module_address = module_address
        # a child module's variables: the values its caller passes
        self.inputs: dict[str, Any] = inputs or {}
        # input name -> the caller's variable whose default it carries
        self.input_defaults: dict[str, str] = input_defaults or {}
        self.defaults: dict[str, Any] = {}
        overridden = _tfvars_names(directory) if module_address is None else set(self.inputs)
        for _path, _shown, tree in parsed:
            for block in _blocks(tree.body):
                labels = _labels(block)
                if labels[0] != "variable" or len(labels) < 2:
                    continue
                for attr in _attributes(block.body):
                    if attr.identifier.serialize() == "default":
                        value = self.value(attr.expression.serialize(), attr.expression, use_vars=False)
                        if not contains_unknown(value) and labels[1] not in overridden:
                            self.defaults[labels[1]] = value

    # ------------------------------------------------------------ resources
    def resource(self, block: Any, labels: list[str], shown: str) -> Resource | None:
        kind, rtype, name = labels[0], labels[1], labels[2]
        prefix = "data." if kind == "data" else ""
        local = f"{prefix}{rtype}.{name}"
        address = f"{self.module_address}.{local}" if self.module_address else local
        lines: dict[str, int] = {}
        from_default: dict[str, str] = {}
        meta: dict[str, Any] = {}
        attrs = self.body(block.body, "", lines, from_default, meta)
        if _creates_nothing(meta, from_default):
            return None
        resource = Resource(
            type=f"data.{rtype}" if kind == "data" else rtype,
            address=address,
            attrs=attrs,
            location=Location(shown, _line(block)),
            source_format="hcl",
            name=name,
            raw_type=rtype,
        )
        resource.meta.update(meta)
        resource.meta["module"] = self.module_address
        if from_default:
            resource.meta["from_variable_default"] = from_default
        resource.refs = {
            path: [r for r in value.refs]
            for path, value in _unknown_leaves(attrs)
            if value.refs
        }
        resource.line_of = lambda p, _lines=lines: _line_of(_lines, p)
        return resource

    def module_call(self, block: Any, labels: list[str], shown: str) -> "ModuleCall | None":
        """A `module` block: its arguments (the child's inputs) and a `module` Resource."""
        name = labels[1]
        address = f"{self.module_address}.module.{name}" if self.module_address else f"module.{name}"
        lines: dict[str, int] = {}
        from_default: dict[str, str] = {}
        meta: dict[str, Any] = {}
        attrs = self.body(block.body, "", lines, from_default, meta, MODULE_META_ARGUMENTS)
        if _creates_nothing(meta, from_default):
            return None
        resource = Resource(
            type="module", address=address, attrs=attrs, location=Location(shown, _line(block)),
            source_format="hcl", name=name, raw_type="module",
        )
        resource.meta.update(meta)
        resource.meta["module"] = self.module_address
        resource.meta["source"] = attrs.get("source")
        if from_default:
            resource.meta["from_variable_default"] = from_default
        resource.refs = {path: list(v.refs) for path, v in _unknown_leaves(attrs) if v.refs}
        resource.line_of = lambda p, _lines=lines: _line_of(_lines, p)
        inputs = {k: v for k, v in attrs.items() if k not in ("source", "version")}
        input_defaults = {k: v for k, v in from_default.items() if k in inputs}
        return ModuleCall(resource, inputs, input_defaults)

    def body(self, body: Any, prefix: str, lines: dict, from_default: dict, meta: dict | None,
             meta_arguments: frozenset = frozenset()) -> dict:
        attrs: dict[str, Any] = {}
        for child in body.children:
            kind = _kind(child)
            if kind == "AttributeRule":
                key = str(child.identifier.serialize())
                path = f"{prefix}{key}"
                value = self.value(child.expression.serialize(), child.expression,
                                   path=path, from_default=from_default)
                if meta is not None and key in (meta_arguments or META_ARGUMENTS):
                    if key in ("count", "for_each"):
                        meta[key] = value
                    continue
                attrs[key] = value
                lines.setdefault(path, _line(child))
            elif kind == "BlockRule":
                labels = _labels(child)
                key = labels[0]
                if meta is not None and key in (meta_arguments or META_ARGUMENTS):
                    continue
                if key == "dynamic" and len(labels) > 1:
                    name = labels[1]
                    for_each = next((a for a in _attributes(child.body) if a.identifier.serialize() == "for_each"), None)
                    text = _expr_text(for_each.expression.serialize()) if for_each is not None else ""
                    attrs[name] = Unknown(f'dynamic "{name}"', self.refs(text))
                    lines.setdefault(f"{prefix}{name}", _line(child))
                    continue
                existing = attrs.get(key)
                if isinstance(existing, Unknown):
                    continue
                items = attrs.setdefault(key, [])
                index = len(items)
                # paths name the first block without its index, like rules do
                item_path = f"{prefix}{key}.{index}" if index else f"{prefix}{key}"
                item_prefix = item_path + "."
                lines.setdefault(item_path, _line(child))
                items.append(self.body(child.body, item_prefix, lines, from_default, None))
        return attrs

    # ------------------------------------------------------------ values
    def refs(self, text: str) -> tuple[str, ...]:
        return refs_in_text(text, self.module_address)

    def value(self, raw: Any, node: Any = None, path: str = "", from_default: dict | None = None,
              use_vars: bool = True) -> Any:
        """A serialized hcl2 value -> a Python value or Unknown."""
        if isinstance(raw, str):
            return self._string(raw, node, path, from_default, use_vars)
        if isinstance(raw, list):
            return [self.value(v, None, f"{path}.{i}", from_default, use_vars) for i, v in enumerate(raw)]
        if isinstance(raw, dict):
            return {
                _unquote_label(k): self.value(v, None, f"{path}.{_unquote_label(k)}", from_default, use_vars)
                for k, v in raw.items() if k != "__is_block__"
            }
        return raw  # int, float, bool, None

    def _string(self, raw: str, node: Any, path: str, from_default: dict | None, use_vars: bool) -> Any:
        if raw.startswith("${") and raw.endswith("}"):
            text = raw[2:-1]
            if _NUMBER_RE.match(text):  # scientific notation is kept as text by hcl2
                number = float(text)
                return int(number) if number.is_integer() else number
            var = _VAR_RE.match(text.strip())
            if var and use_vars and var.group(1) in self.inputs:
                name = var.group(1)
                if from_default is not None and name in self.input_defaults:
                    from_default[path] = self.input_defaults[name]
                return self.inputs[name]
            if var and use_vars and var.group(1) in self.defaults:
                if from_default is not None:
                    from_default[path] = f"var.{var.group(1)}"
                return self.defaults[var.group(1)]
            encoded = self._jsonencode(text, node, use_vars, path, from_default)
            if encoded is not None:
                return encoded
            return Unknown(text, self.refs(text))
        if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
            inner = raw[1:-1]
            if inner.startswith("<<"):
                inner = _heredoc(inner)
            if _has_template(inner):
                return Unknown(inner, self.refs(raw))
            return _unescape(inner)
        return Unknown(raw, self.refs(raw))

    def _jsonencode(self, text: str, node: Any, use_vars: bool, path: str = "",
                    from_default: dict | None = None) -> Any:
        """`jsonencode(<literal>)` -> its JSON text; None when it is something else.
        A variable default inside is marked at its path in the document
        (`redrive_policy.maxReceiveCount`)."""
        if not text.startswith("jsonencode(") or node is None:
            return None
        call = _function_call(node)
        if call is None or [i.serialize() for i in call.identifiers] != ["jsonencode"]:
            return None
        args = [c for c in call.children if _kind(c) == "ArgumentsRule"]
        exprs = [c for c in args[0].children if c is not None and not _kind(c).endswith(("TOKEN", "CommentRule"))] if len(args) == 1 else []
        if len(exprs) != 1:
            return None
        inner: dict[str, str] = {}
        value = self.value(exprs[0].serialize(), exprs[0], path, inner, use_vars)
        if contains_unknown(value):
            return Unknown(text, self.refs(text))
        if from_default is not None:
            from_default.update(inner)
        return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _creates_nothing(meta: dict, from_default: dict) -> bool:
    """`count = 0` / `for_each = {}` as written (or passed by the caller): the block creates nothing.

    A variable's default does not count: a module's placeholder default must not
    hide its resources. The meta-arguments are not attribute paths either.
    """
    skip = False
    for key in ("count", "for_each"):
        defaulted = from_default.pop(key, None) is not None
        value = meta.get(key)
        if key in meta and not defaulted and not isinstance(value, Unknown) and (
            value == 0 or value in ([], {}) or value is False
        ):
            skip = True
    return skip


def _function_call(node: Any) -> Any:
    """The FunctionCallRule an expression consists of, if it is exactly one call."""
    cur = node
    for _ in range(4):
        if _kind(cur) == "FunctionCallRule":
            return cur
        children = [c for c in getattr(cur, "children", []) if c is not None]
        if len(children) != 1:
            return None
        cur = children[0]
    return None


def _expr_text(raw: Any) -> str:
    if isinstance(raw, str) and raw.startswith("${") and raw.endswith("}"):
        return raw[2:-1]
    return str(raw)


def _has_template(text: str) -> bool:
    """An interpolation `${` or directive `%{` that is not escaped (`$${`, `%%{`)."""
    for marker in ("${", "%{"):
        start = 0
        while True:
            i = text.find(marker, start)
            if i < 0:
                break
            if i == 0 or text[i - 1] != marker[0]:
                return True
            start = i + 2
    return False


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            width = {"u": 4, "U": 8}.get(nxt)
            digits = text[i + 2:i + 2 + width] if width else ""
            if width and len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                try:
                    out.append(chr(int(digits, 16)))
                    i += 2 + width
                    continue
                except (ValueError, OverflowError):
                    pass
        out.append(ch)
        i += 1
    return "".join(out).replace("$${", "${").replace("%%{", "%{")


def _heredoc(text: str) -> str:
    """`<<EOT\\n...\\nEOT` (or `<<-EOT`, indentation trimmed) -> its content."""
    trim = text.startswith("<<-")
    first, _, rest = text.partition("\n")
    body, _, _ = rest.rpartition("\n")
    lines = body.split("\n") if body else []
    if trim and lines:
        indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
        lines = [l[indent:] for l in lines]
    return "\n".join(lines) + ("\n" if lines else "")


def _tfvars_names(directory: Path) -> set[str]:
    """Variables set by the auto-loaded `terraform.tfvars` / `*.auto.tfvars(.json)`."""
    names: set[str] = set()
    try:
        entries = list(directory.iterdir())
    except OSError:
        return names
    for path in entries:
        name = path.name
        if name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json")):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if name.endswith(".json"):
                try:
                    names.update(json.loads(text))
                except (ValueError, TypeError):
                    pass
            else:
                names.update(re.findall(r"^[ \t]*([A-Za-z_][\w\-]*)[ \t]*=", text, re.MULTILINE))
    return names


def _unknown_leaves(value: Any, prefix: str = ""):
    if isinstance(value, Unknown):
        yield prefix, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _unknown_leaves(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _unknown_leaves(v, f"{prefix}.{i}" if i else prefix)


def _line_of(lines: dict, path: str) -> int | None:
    """Line of an attribute path (a first block's `.0` may be written or not),
    else of its closest written ancestor."""
    parts = [p for p in path.split(".") if p and p != "0"]
    while parts:
        joined = ".".join(parts)
        if joined in lines:
            return lines[joined]
        parts = parts[:-1]
    return None


# ------------------------------------------------------------ lines for plans
_BLOCK_LINES: dict[tuple[str, int], dict | None] = {}


def block_attribute_lines(text: str, block_line: int) -> dict | None:
    """Attribute path -> line inside the top-level block starting on `block_line`
    (the plan loader's `--tf-root` mapping); None when the text does not parse."""
    key = (text, block_line)
    if key in _BLOCK_LINES:
        return _BLOCK_LINES[key]
    lines: dict | None = None
    try:
        tree = parse(text, "")
    except InputError:
        tree = None
    if tree is not None:
        for block in _blocks(tree.body):
            if _line(block) == block_line:
                lines = {}
                _collect_lines(block.body, "", lines)
                break
    if len(_BLOCK_LINES) > 512:
        _BLOCK_LINES.clear()
    _BLOCK_LINES[key] = lines
    return lines


def _collect_lines(body: Any, prefix: str, lines: dict) -> None:
    counts: dict[str, int] = {}
    for child in body.children:
        kind = _kind(child)
        if kind == "AttributeRule":
            lines.setdefault(f"{prefix}{child.identifier.serialize()}", _line(child))
        elif kind == "BlockRule":
            labels = _labels(child)
            name = labels[1] if labels[0] == "dynamic" and len(labels) > 1 else labels[0]
            index = counts.get(name, 0)
            counts[name] = index + 1
            item_path = f"{prefix}{name}.{index}" if index else f"{prefix}{name}"
            lines.setdefault(item_path, _line(child))
            if labels[0] != "dynamic":
                _collect_lines(child.body, item_path + ".", lines)


def line_in_block(text: str, block_line: int, path: str) -> int | None:
    lines = block_attribute_lines(text, block_line)
    return _line_of(lines, path) if lines is not None else None
