"""Module directories -> the resources Terraform would plan.

A `ModuleConfig` is one directory's parsed declarations (override files
merged). A `ModuleInstance` is that configuration called with values: the root
(variables from defaults, TF_VAR_ variables, tfvars files, the scan's
`--var-file`/`--var`) or a child called by a `module` block (one instance per
count index / for_each key). Named values are evaluated lazily and once, so
declarations may come in any order; a cycle yields Unknown.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TypeVar

from linter.loaders.terraform import MODULE_SUFFIXES, module_file_stem, shadowed_by_opentofu
from linter.model import InputError, Location, Unknown
from linter.terraform.expressions import (
    NOT_PLAIN, EvalError, Evaluator, InstanceObject, ModuleObject, Namespace, Scope, instance_key, plain, refs_of,
    to_number,
)
from linter.terraform.syntax import Attr, Block, Node, parse_hcl, parse_json_config, parse_tfvars
from linter.terraform.types import ConversionError, TypeConstraint, convert, is_primitive, parse_type

if TYPE_CHECKING:
    from linter.terraform.tree import ModuleTree

_T = TypeVar("_T")

# blocks Terraform rejects without the right number of labels: (labels, what they are)
_LABELS = {
    "resource": (2, "a type and a name"), "data": (2, "a type and a name"),
    "module": (1, "a name"), "variable": (1, "a name"), "output": (1, "a name"),
    "locals": (0, "no labels"), "terraform": (0, "no labels"),
}
RESOURCE_META = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"})
MODULE_META = frozenset({"count", "for_each", "depends_on", "providers", "source", "version"})
MAX_MODULE_DEPTH = 12


def is_override(name: str) -> bool:
    stem = module_file_stem(name)
    return stem == "override" or stem.endswith("_override")


def is_config_file(name: str) -> bool:
    return name.endswith(MODULE_SUFFIXES)


@dataclass
class ModuleConfig:
    directory: Path
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attr] = field(default_factory=dict)
    local_files: dict[str, str] = field(default_factory=dict)  # where each local is declared
    resources: dict[str, Block] = field(default_factory=dict)  # "aws_x.a" / "data.aws_x.a"
    modules: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    variable_types: dict[str, "TypeConstraint | None"] = field(default_factory=dict)  # parsed on first use
    # `terraform { provider_meta "x" { module_name = "..." } }`: (value, file, line). Google's
    # module repositories name themselves and their release there (see terraform/checkout.py)
    module_names: list[tuple[str, str, int]] = field(default_factory=list)


def read_config(directory: Path, files: list[Path], errors: list[InputError],
                written: Iterable[tuple[str, str, str, int]] = ()) -> ModuleConfig:
    """Parse a directory's files (the given ones), merge override files, check declarations.
    `written`: files written there before Terraform runs (Terragrunt's `generate`), each
    (name, where its text is written, the text, the line there of its first line)."""
    from linter.loaders import display_path, read_text

    config = ModuleConfig(directory)
    primary: list[list[Block]] = []
    overrides: list[list[Block]] = []
    given: dict[str, tuple[Path | None, str, str | None]] = {p.name: (p, display_path(p), None) for p in files}
    # a written text keeps its own lines: padded to start at its first line there
    given.update((name, (None, shown, "\n" * (first - 1) + text)) for name, shown, text, first in written)
    shadowed = shadowed_by_opentofu(set(given))
    for name in sorted(n for n in given if n not in shadowed):
        path, shown, text = given[name]
        try:
            if text is None:
                text = read_text(path, shown) if path is not None else ""
            blocks = parse_json_config(text, shown) if name.endswith(".json") else parse_hcl(text, shown)
        except InputError as err:
            errors.append(err)
            continue
        except OSError as err:
            errors.append(InputError(shown, f"cannot read file: {err.strerror or err}"))
            continue
        except RecursionError:
            errors.append(InputError(shown, "expression nested too deeply"))
            continue
        except Exception as exc:  # last resort: a parser bug must not hide the other files' findings
            errors.append(InputError.internal(shown, "reading", exc))
            continue
        config.files.append(shown)
        (overrides if is_override(name) else primary).append(blocks)
    declared: dict[str, Block] = {}
    for blocks in primary:
        for block in blocks:
            _declare(config, block, declared, errors)
    for blocks in overrides:
        for block in blocks:
            _override(config, block)
    return config


def current_workspace(root: Path) -> str:
    """`terraform.workspace` in the root module `root`, as Terraform works it out:
    TF_WORKSPACE, else what `terraform workspace select` wrote in the root's data
    directory (`.terraform/environment`, or TF_DATA_DIR's), else "default"."""
    chosen = os.environ.get("TF_WORKSPACE")
    if chosen:
        return chosen
    data_dir = Path(os.environ.get("TF_DATA_DIR") or ".terraform")
    try:
        with open((data_dir if data_dir.is_absolute() else root / data_dir) / "environment", encoding="utf-8") as fh:
            selected = fh.read(256).strip()
    except (OSError, UnicodeDecodeError):
        return "default"
    return selected or "default"


def _where(block: Block) -> str:
    return f"{block.file}:{block.line}"


# how a declaration's address starts, by block type (a resource's is its labels alone)
_DECLARED_PREFIX = {"data": "data.", "module": "module.", "variable": "var.", "output": "output."}


def _declare(config: ModuleConfig, block: Block, declared: dict[str, Block], errors: list[InputError]) -> None:
    expected = _LABELS.get(block.type)
    if expected is not None and len(block.labels) != expected[0]:
        errors.append(InputError(block.file, f"{block.type} block must have {expected[1]} "
                                 f"({len(block.labels)} label(s) given)", block.line))
        return
    if block.type == "locals":
        for name, attr in block.attrs.items():
            first = config.locals.get(name)
            if first is not None:
                errors.append(InputError(block.file, f"duplicate local value {name} "
                                         f"(first declared at {first_file(config, first)})", attr.line))
                continue
            config.locals[name] = attr
            config.local_files[name] = block.file
            declared.setdefault(f"local.{name}", block)
        return
    if block.type == "terraform":
        for meta in block.blocks:
            named = meta.attrs.get("module_name") if meta.type == "provider_meta" else None
            if named is not None and named.expr[0] == "lit" and isinstance(named.expr[1], str):
                config.module_names.append((named.expr[1], meta.file, named.line))
        return
    kind = block.type
    if kind == "resource":
        address = ".".join(block.labels)
    elif kind in _DECLARED_PREFIX:
        address = _DECLARED_PREFIX[kind] + (".".join(block.labels) if kind == "data" else block.labels[0])
    else:
        return
    if address in declared:
        first_block = declared[address]
        kind = block.type if block.type != "data" else "data source"
        errors.append(InputError(block.file, f"duplicate {kind}: {address} is also declared at {_where(first_block)} "
                                 "(terraform validate rejects this)", block.line))
        return
    declared[address] = block
    if block.type in ("resource", "data"):
        config.resources[address] = block
    elif block.type == "module":
        config.modules[block.labels[0]] = block
    elif block.type == "variable":
        config.variables[block.labels[0]] = block
    elif block.type == "output":
        config.outputs[block.labels[0]] = block


def first_file(config: ModuleConfig, attr: Attr) -> str:
    return f"line {attr.line}"


def _override(config: ModuleConfig, block: Block) -> None:
    """Terraform's override merge: attributes replace, nested blocks of a type replace them all."""
    if block.type == "locals":
        config.locals.update(block.attrs)
        config.local_files.update(dict.fromkeys(block.attrs, block.file))
        return
    target: Block | None = None
    if block.type in ("resource", "data") and len(block.labels) == 2:
        target = config.resources.get(("data." if block.type == "data" else "") + ".".join(block.labels))
    elif block.type == "module" and block.labels:
        target = config.modules.get(block.labels[0])
    elif block.type == "variable" and block.labels:
        target = config.variables.get(block.labels[0])
    elif block.type == "output" and block.labels:
        target = config.outputs.get(block.labels[0])
    if target is None:
        return  # Terraform rejects an override of nothing; the primary files stay as they are
    merged_attrs = dict(target.attrs)
    merged_attrs.update((name, dataclasses.replace(attr, file=block.file)) for name, attr in block.attrs.items())
    replaced = {b.labels[0] if b.type == "dynamic" and b.labels else b.type for b in block.blocks}
    kept = [b for b in target.blocks if (b.labels[0] if b.type == "dynamic" and b.labels else b.type) not in replaced]
    target.attrs = merged_attrs
    target.blocks = kept + list(block.blocks)


# ------------------------------------------------------------------ variables
@dataclass
class VariableValue:
    value: Any
    # where the value was set, as messages say it: "set at prod.tfvars:3", "set at main.tf:9"
    # (a module call's argument), "set by TF_VAR_x", "set by --var"; for a default, the
    # variable ("var.x", with `default`), and why no value was given when a call could have
    origin: str | None
    default: bool = False
    # where the parts of an object or tuple value were set, by key ("orders" -> its own
    # origin and parts), for values that reach a resource through `each.value` or a part
    parts: "dict[str, VariableValue] | None" = None
    # a local's value computed by its expression (`try(var.x, {})`): every part of it was
    # made at `origin` too (a variable's value is not: its type's optional() defaults add keys)
    computed: bool = False

    def part(self, path: str) -> "VariableValue | None":
        """Where the part at `path` (`_line_key` form: "orders.zone_redundant") was set."""
        found: VariableValue | None = self
        for key in path.split(".") if path else ():
            found = (found.parts or {}).get(key) if found is not None else None
        return found

    def part_origins(self, prefix: str = "") -> Iterator[tuple[str, str]]:
        """(path, origin) of every part under this value, outermost first."""
        for key, inner in (self.parts or {}).items():
            path = f"{prefix}.{key}" if prefix else key
            if inner.origin:
                yield path, inner.origin
            yield from inner.part_origins(path)


def root_variable_values(directory: Path, config: ModuleConfig, evaluator: Evaluator,
                         settings: list[tuple[str, str]], errors: list[InputError],
                         environment: dict[str, VariableValue] | None = None,
                         copied_files: list[Path] | None = None,
                         generated: list[WrittenVariables] | None = None) -> dict[str, VariableValue]:
    """Terraform's precedence, lowest first: TF_VAR_ environment, terraform.tfvars(.json),
    *.auto.tfvars(.json) in lexical order, then -var-file / -var in the order given.
    `environment`: TF_VAR_ values a wrapper sets (a Terragrunt unit's inputs), under those
    of this process's environment (Terragrunt does not override a TF_VAR_ already set).
    `copied_files`: the auto-loaded variable files the wrapper copies over the module's before
    Terraform runs (a Terragrunt unit directory's): read as the module's, one of the same name
    in their place. `generated`: auto-loaded variable files
    the wrapper writes there (a unit's `generate` blocks, `if_exists` applied), in their
    place too; one whose text is not known sets every variable to a value not known."""
    from linter.loaders import display_path

    out: dict[str, VariableValue] = dict(environment or {})
    for name, block in config.variables.items():
        env = os.environ.get(f"TF_VAR_{name}")
        if env is not None:
            out[name] = VariableValue(cli_value(env, block, config), f"set by TF_VAR_{name}")
    where: dict[str, Path | WrittenVariables] = {name: directory / name for name in auto_loaded(directory)}
    where.update((file.name, file) for file in copied_files or ())
    where.update((file.name, file) for file in generated or ())
    auto: list[str] = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in where]
    auto += sorted(n for n in where if n.endswith((".auto.tfvars", ".auto.tfvars.json")))
    for name in auto:
        file = where[name]
        if isinstance(file, Path):
            _apply_tfvars(file, display_path(file), config, evaluator, out, errors)
        elif file.text is None:  # written, but with what is not known here: any variable, any value
            out.update((v, VariableValue(unknown_variable(v), f"set by {file.shown} (not known here)"))
                       for v in config.variables)
        else:  # padded, so that lines are the ones of the file that writes it
            _apply_tfvars(Path(name), file.shown, config, evaluator, out, errors,
                          text="\n" * (file.first_line - 1) + file.text)
    for kind, value in settings:
        if kind == "file":
            path = Path(value)
            _apply_tfvars(path, display_path(path), config, evaluator, out, errors, required=True)
        else:
            name, _, text = value.partition("=")
            name = name.strip()
            if name in config.variables:
                out[name] = VariableValue(cli_value(text, config.variables[name], config), "set by --var")
    return out


def auto_loaded(directory: Path) -> list[str]:
    """The variable files Terraform reads in a directory without being told."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [n for n in names if is_auto_loaded(n)]


def is_auto_loaded(name: str) -> bool:
    """A variable file Terraform reads in the directory it plans without being told."""
    return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json"))


@dataclass(frozen=True)
class WrittenVariables:
    """A variable file Terraform loads by itself (`terraform.tfvars`, `*.auto.tfvars`) that a
    wrapper writes before it runs (a Terragrunt `generate` block): its text, written at
    `first_line` of `shown` (None: not known here)."""

    name: str
    text: str | None
    shown: str
    first_line: int


def _apply_tfvars(path: Path, shown: str, config: ModuleConfig, evaluator: Evaluator,
                  out: dict[str, VariableValue], errors: list[InputError], required: bool = False,
                  text: str | None = None) -> None:
    """The variables a variable file sets (its `text`, when it is not read from `path`)."""
    from linter.loaders import read_text
    from linter.loaders._json_lines import key_lines

    try:
        text = read_text(path, shown) if text is None else text
    except (InputError, OSError) as err:
        if required:
            errors.append(err if isinstance(err, InputError) else InputError(shown, f"cannot read variables file: {err}"))
        return
    try:
        if path.name.endswith(".json"):
            try:
                doc = json.loads(text)
            except ValueError as exc:
                raise InputError(shown, f"invalid JSON: {exc}") from None
            if not isinstance(doc, dict):
                raise InputError(shown, "a variables file holds an object", 1)
            if "\\u" in text:  # as every JSON input: a lone surrogate is an error at its line
                from linter.loaders import check_surrogates

                check_surrogates(text, shown)
            lines = key_lines(text)  # by path: the top-level key, not a string value equal to it
            for name, value in doc.items():
                if name in config.variables:
                    line = lines.get((name,))
                    out[name] = VariableValue(value, f"set at {shown}:{line}" if line else f"set in {shown}",
                                              parts=_json_parts(lines, name, shown))
            return
        for name, attr in parse_tfvars(text, shown).items():
            if name in config.variables:
                value = evaluator.evaluate(attr.expr, Scope(None))
                out[name] = VariableValue(value, f"set at {shown}:{attr.line}", parts=written_parts(attr, shown))
    except InputError as err:
        errors.append(err)


def _json_parts(lines: dict[tuple[Any, ...], int], name: str, shown: str) -> "dict[str, VariableValue] | None":
    """Where each part of the variable `name` is set in a `.tfvars.json` file (`key_lines` of its text)."""
    parts: dict[str, VariableValue] = {}
    for path, line in lines.items():
        if len(path) > 1 and path[0] == name:
            node = _part_node(parts, _line_key(".".join(str(p) for p in path[1:])) or str(path[1]))
            node.origin = node.origin or f"set at {shown}:{line}"
    return parts or None


def cli_value(text: str, block: Block, config: ModuleConfig) -> Any:
    """`-var`/TF_VAR_ values are strings when the variable has no type or a primitive one;
    otherwise Terraform reads them as HCL expressions."""
    type_ = variable_type(config, block.labels[0])
    if type_ is None or is_primitive(type_):
        return text
    try:
        attrs = parse_tfvars(f"v = {text}\n", "--var")
        return Evaluator(lambda n, a, s: Unknown(n)).evaluate(attrs["v"].expr, Scope(None))
    except (InputError, KeyError):
        return text


def variable_type(config: ModuleConfig, name: str) -> TypeConstraint | None:
    """The declared type of a variable (None: no type, or one not understood), parsed once."""
    if name in config.variable_types:
        return config.variable_types[name]
    block = config.variables.get(name)
    type_attr = block.attrs.get("type") if block is not None else None
    type_ = None
    if type_attr is not None:
        evaluator = Evaluator(lambda n, a, s: Unknown(n))
        type_ = parse_type(type_attr.expr, lambda node: evaluator.evaluate(node, Scope(None)))
    config.variable_types[name] = type_
    return type_


def unknown_variable(name: str) -> Unknown:
    """The value of `var.<name>` when it is not known here (it refers to itself)."""
    return Unknown(f"var.{name}", (f"var.{name}",))


def converted(value: Any, config: ModuleConfig, name: str) -> Any:
    """A variable's value as Terraform holds it: converted to its type, optional() defaults
    applied; unknown when Terraform would reject it (nothing would be planned)."""
    try:
        return convert(value, variable_type(config, name))
    except ConversionError:
        return unknown_variable(name)


def enabled_attr(block: Block) -> Attr | None:
    """A block's `lifecycle { enabled = ... }` (OpenTofu 1.11)."""
    return next((b.attrs["enabled"] for b in block.blocks if b.type == "lifecycle" and "enabled" in b.attrs), None)


def template_scope(scope: Scope) -> Scope:
    """The scope of a block (or module call) judged once as a template because its count or
    for_each is not known: count.index and each.* are unknown."""
    return scope.child(count={"index": Unknown("count.index", ("count.index",))},
                       each={"key": Unknown("each.key", ("each.key",)), "value": Unknown("each.value", ("each.value",))})


def expansion_unknown(block: Block, found: Unknown, address: str) -> tuple[str, Unknown]:
    """(which of `EXPANSION_KEYS` says how many instances `block` has, what it waits on): what
    a template's `meta` holds, from `found` (`ModuleInstance._expanded`'s Unknown), without
    the block's own address."""
    key = expansion_key(block)
    return key, Unknown(key, tuple(r for r in found.refs if r != address))


def expansion_key(block: Block) -> str:
    """Which of `EXPANSION_KEYS` says how many instances `block` has."""
    return "count" if "count" in block.attrs else "for_each" if "for_each" in block.attrs else \
        "lifecycle.enabled" if enabled_attr(block) is not None else "count"


# ------------------------------------------------------------------ instances
class ModuleInstance:
    """One instance of a module: its named values, resources and children, evaluated on demand."""

    def __init__(self, tree: "ModuleTree", config: ModuleConfig, address: str | None,
                 variables: dict[str, VariableValue] | None, caller: "CallSite | None",
                 root: "ModuleInstance | None", keys: tuple[str, ...], depth: int):
        self.tree = tree
        self.config = config
        self.address = address
        self.root = root or self
        self.keys = keys  # module names from the root (for modules.json)
        self.depth = depth
        self.root_variables = variables or {}
        self.caller = caller
        # read from this checkout in place of a registry release: what findings say of it
        self.checkout_note: str | None = None
        # in a call whose count or for_each is not known, judged once (`template_child`):
        # (that call's address, which of count/for_each, its Unknown)
        self.template: tuple[str, str, Unknown] | None = None
        self._vars: dict[str, VariableValue] = {}
        self._locals: dict[str, Any] = {}
        self._local_origins: dict[str, VariableValue | None] = {}
        self._named_origins: dict[tuple[str, str], VariableValue | None] = {}
        self._for_each_origins: dict[int, VariableValue | None] = {}  # by id() of a block's `for_each`
        self._merges: dict[int, tuple[tuple[str, str, Any], ...]] = {}  # by id() of a merge()'s arguments
        self._busy: set[str] = set()
        self._resources: dict[str, Any] = {}
        self._instances: dict[str, list[tuple[str, Scope, Any]] | Unknown] = {}
        self._calls: dict[str, Any] = {}
        self._children: dict[str, list[tuple[str, "ModuleInstance | None", Scope]] | Unknown] = {}
        self._outputs: dict[str, Any] = {}
        self._attr_memo: dict[tuple[str, str], Any] = {}
        # configured values: instance address -> attribute -> value, and, for what every
        # instance of a block shares, block key -> attribute -> value (see raw_attribute)
        self._raw_values: dict[str, dict[str, Any]] = {}
        self._shared_values: dict[str, dict[str, Any]] = {}
        self.scope = Scope(self)

    @property
    def evaluator(self) -> Evaluator:
        return self.tree.evaluator

    def qualify(self, address: str) -> str:
        return f"{self.address}.{address}" if self.address else address

    def guarded(self, key: str, compute: Callable[[], _T], fallback: Callable[[], _T]) -> _T:
        if key in self._busy:
            self.tree.fallbacks += 1  # a cycle: what is computed now depends on where it started
            return fallback()
        self._busy.add(key)
        try:
            return compute()
        finally:
            self._busy.discard(key)

    # ------------------------------------------------------------ named values
    def root_name(self, name: str, scope: Scope) -> Any:
        if name == "count":
            raise EvalError("count is only available in a block with count")
        if name == "each":
            raise EvalError("each is only available in a block with for_each")
        if name == "path":  # as terraform run in the root module's directory gives them
            root = self.root.config.directory
            return {"module": Path(os.path.relpath(self.config.directory, root)).as_posix(), "root": ".",
                    "cwd": os.path.abspath(root)}
        if name == "terraform":
            return {"workspace": current_workspace(self.root.config.directory)}
        if name == "self":
            raise EvalError("self is only available in provisioners")
        return Namespace(name)

    def namespace_attr(self, ns: Namespace, name: str, scope: Scope) -> Any:
        kind = ns.kind
        if kind == "var":
            return self.variable(name).value
        if kind == "local":
            return self.local(name)
        if kind == "module":
            return self.call_value(name)
        if kind == "data" and not ns.prefix:
            return Namespace("data", f"data.{name}")
        key = f"{ns.prefix}.{name}" if ns.prefix else f"{kind}.{name}"
        if key in self.config.resources:
            return self.resource_value(key)
        # not declared in the files read (a file judged alone): a reference all the same
        return Unknown(self.qualify(key), (self.qualify(key),), reference=True)

    def variable(self, name: str) -> VariableValue:
        found = self._vars.get(name)
        if found is not None:
            return found
        block = self.config.variables.get(name)
        if block is None:  # not declared in the files read
            return VariableValue(unknown_variable(name), None)
        result = self.guarded(f"var.{name}", lambda: self._variable(name, block),
                              lambda: VariableValue(unknown_variable(name), None))
        self._vars[name] = result
        return result

    def _variable(self, name: str, block: Block) -> VariableValue:
        given: VariableValue | None = None
        if self.caller is not None:
            given = self.caller.argument(name)
        else:
            given = self.root_variables.get(name)
        default_attr = block.attrs.get("default")
        nullable = True
        if "nullable" in block.attrs:
            nullable = self.evaluator.evaluate(block.attrs["nullable"].expr, Scope(None)) is not False
        if given is not None and not (given.value is None and not nullable and default_attr is not None):
            return VariableValue(converted(given.value, self.config, name), given.origin, given.default, given.parts)
        if default_attr is not None:
            value = self.evaluator.evaluate(default_attr.expr, Scope(None))
            origin = f"var.{name}"
            if self.caller is not None and given is None:  # the fix is an argument of the call
                origin += f"; {self.caller.shown} does not set it"
                return VariableValue(converted(value, self.config, name), origin, True)
            # a root's default is its value as written, where its owner changes it: named at its
            # line, and a key `for_each` walks (or a part read as var.x.key) at the key's
            shown = default_attr.file or block.file
            return VariableValue(converted(value, self.config, name),
                                 f"{origin}, set at {shown}:{default_attr.line}", True,
                                 written_parts(default_attr, shown))
        return VariableValue(unknown_variable(name), None)

    def origin_of(self, expr: Any, scope: Scope) -> VariableValue | None:
        """Where the value of `var.x` or `local.x`, or a part of either (`var.x.a`), was
        set (as `expr`, in `scope`), with its parts; None for any other expression. A
        conditional whose condition is known here is followed into the branch it takes
        (`local.prod ? true : var.ha`: where var.ha was set)."""
        if expr[0] == "cond":
            taken = self.branch_taken(expr, scope)
            return None if taken is None else self.origin_of(taken, scope)
        found = reference_path(expr, self.key_in(scope))
        if found is None or found[0] not in ("var", "local") or found[0] in scope.names:
            return None
        return _named_part(self.variable if found[0] == "var" else self.local_origin, found[1])

    def branch_taken(self, cond: Node, scope: Scope) -> Node | None:
        """The branch of `cond ? a : b` (evaluated in `scope`) that Terraform takes; None
        when the condition is not a known bool here (unknown, or an error Terraform reports)."""
        try:
            test = self.evaluator.evaluate(cond[1], scope)
        except EvalError:
            return None
        return cond[2] if test is True else cond[3] if test is False else None

    def key_in(self, scope: Scope) -> Callable[[Node], Any]:
        """The value of an index key expression (`local.counts[terraform.workspace]`) in
        `scope`, for `reference_path`; None when it is not known here."""
        def key(node: Node) -> Any:
            try:
                return self.evaluator.evaluate(node, scope)
            except EvalError:
                return None
        return key

    def resolved(self, written: Iterable[tuple[str, str, Any]], scope: Scope) -> Iterator[tuple[str, str, Any]]:
        """`AttrFacts.written` entries with those known only per instance made plain: a
        conditional's (`_COND`) become the entries of the branch it takes in `scope`,
        and a reference whose index is computed (`_KEYED`: `var.sizes[var.env]`) becomes
        the `_VARIABLE` or `_LOCAL` entry of the key it has here; unknown: nothing."""
        for kind, suffix, what in written:
            if kind == _COND:
                cond, then, other = what
                taken = self.branch_taken(cond, scope)
                if taken is not None:
                    yield from self.resolved(then if taken is cond[2] else other, scope)
            elif kind == _KEYED:
                key_of = self.key_in(scope)
                if what[0] == "call":  # lookup(map, key, default): map[key] when the map has the key
                    collection, key = key_of(what[2][0]), key_of(what[2][1])
                    if not isinstance(collection, dict) or not isinstance(key, str) or key not in collection:
                        continue  # the default argument's value, or unknown
                    what = ("index", what[2][0], ("lit", key))
                found = reference_path(what, key_of)
                if found is not None and found[0] in ("var", "local"):
                    yield _VARIABLE if found[0] == "var" else _LOCAL, suffix, found[1]
            else:
                yield kind, suffix, what

    def named_origin(self, kind: str, what: str) -> VariableValue | None:
        """Where `var.<what>` (`kind` _VARIABLE) or `local.<what>` was set: worked out once
        per module instance, whatever number of its resources name it."""
        key = (kind, what)
        if key not in self._named_origins:
            self._named_origins[key] = _named_part(self.variable if kind == _VARIABLE else self.local_origin, what)
        return self._named_origins[key]

    def output_origin(self, what: str) -> VariableValue | None:
        """Where the value of `module.<call>.<output>[.<part>]` was set: where the variable or
        local the output passes on was set, else the output's own line (a value it
        computes, or writes); None for a call of several instances, or not followed."""
        key = (_OUTPUT, what)
        if key not in self._named_origins:
            self._named_origins[key] = self._output_origin(what)
        return self._named_origins[key]

    def _output_origin(self, what: str) -> VariableValue | None:
        call, _, rest = what.partition(".")
        name, _, part = rest.partition(".")
        if call not in self.config.modules:
            return None
        children = self.children(call)
        if isinstance(children, Unknown) or len(children) != 1 or children[0][1] is None \
                or children[0][0] != self.qualify(f"module.{call}"):
            return None  # not followed, or of several instances (`module.x[0].y` is another reference)
        child = children[0][1]
        block = child.config.outputs.get(name)
        attr = block.attrs.get("value") if block is not None else None
        if block is None or attr is None:
            return None
        found = child.origin_of(attr.expr, child.scope)
        if found is None or (not found.origin and not found.parts):
            shown = attr.file or block.file
            found = VariableValue(None, f"set at {shown}:{attr.line}",
                                  parts=written_parts(attr, shown, child, child.scope), computed=True)
        if not part:
            return found
        if found.parts is None and found.computed:  # computed whole: and each part of it
            return VariableValue(None, found.origin)
        return found.part(part) if not found.default else found

    def local_origin(self, name: str) -> VariableValue | None:
        """Where `local.<name>` was set: where the variable or local it passes on was
        set, else its own line, with the lines of the keys of its literal."""
        if name in self._local_origins:
            return self._local_origins[name]
        self._local_origins[name] = None  # a cycle is Terraform's error to report, not a loop here
        attr, shown = self.config.locals.get(name), self.config.local_files.get(name)
        found: VariableValue | None = None
        if attr is not None and shown is not None:
            expr = attr.expr
            found = self.origin_of(expr, Scope(self))
            if found is None or found.default or not found.origin:
                found = VariableValue(None, f"set at {shown}:{attr.line}",
                                      parts=written_parts(attr, shown, self, self.scope), computed=True)
        self._local_origins[name] = found
        return found

    def each_part(self, for_each: Attr | None, scope: Scope, path: str,
                  iterator: str = "each") -> tuple[str, VariableValue] | None:
        """Where `each.value.<path>` of a block instance (or `<iterator>.value.<path>`
        of a `dynamic` block's content) was set, when the `for_each` is a variable or
        local whose value was written as a literal (a tfvars file, a module call, a
        `locals` block): the part as named there (`var.pools["orders"].zone_redundant`)
        and where it was set."""
        if for_each is None:
            return None
        key_of = id(for_each)  # the block's attribute: the same for each of its instances
        if key_of not in self._for_each_origins:
            found = self.origin_of(for_each.expr, Scope(self))
            # a module's default has no parts (the call that leaves it is named instead); a root's does
            self._for_each_origins[key_of] = found if found is not None and found.parts else None
        found = self._for_each_origins[key_of]
        each = scope.names.get(iterator)
        key = each.get("key") if isinstance(each, dict) else None
        if found is None or not isinstance(key, str):
            return None
        part = found.part(_line_key(f"{key}.{path}") if path else key)
        if part is None:
            return None
        return f"{for_each.text}[\"{key}\"]" + (f".{path}" if path else ""), part

    def merge_written(self, args: tuple[Node, ...], scope: Scope,
                      shared: bool = False) -> tuple[tuple[str, str, Any], ...]:
        """`AttrFacts.written` entries of `merge(<args>)` (evaluated in `scope`), under the
        merged value: for each key, the entries of the last argument that has it, as
        Terraform merges (shallowly: that argument's value wins whole; null arguments
        are skipped), so a key is named where its winning value was set; a key whose
        winning value was computed (`try(...)`) or is a variable's default is noted as
        `_COMPUTED`. An argument that is not an object known here makes the whole call
        give nothing. `shared`: the call means the same in every instance of its block,
        so it is worked out once per module instance."""
        if shared:
            found = self._merges.get(id(args))  # the call's arguments live as long as its configuration
            if found is None:
                found = self._merges[id(args)] = self.merge_written(args, scope)
            return found
        winners: dict[str, int] = {}
        for i, arg in enumerate(args):
            try:
                value = self.evaluator.evaluate(arg, scope)
            except EvalError:
                return ()
            if value is None:
                continue
            if not isinstance(value, dict):  # unknown, or a value Terraform's merge rejects
                return ()
            winners.update(dict.fromkeys(value, i))
        out: list[tuple[str, str, Any]] = []
        for i, arg in enumerate(args):
            keys = [key for key, winner in winners.items() if winner == i]
            if not keys:
                continue
            won = set(keys)
            plan: list[tuple[str, str, Any]] = []
            _written_plan(arg, "", 0, plan)
            for kind, suffix, what in self.resolved(plan, scope):
                if kind == _MERGE and not suffix:  # merge(merge(a, b), c): a's and b's keys
                    out.extend(e for e in self.merge_written(what, scope) if _first_key(e[1]) in won)
                elif suffix:  # a key of a literal object: kept where it wins
                    if _first_key(suffix) in won:
                        out.append((kind, suffix, what))
                elif kind == _ITERATOR:  # the whole argument is `<iterator>.value[.path]`
                    out.extend((kind, f".{key}", (what[0], f"{what[1]}.{key}" if what[1] else key)) for key in keys)
                else:  # the whole argument is `var.x`, `local.x` or `each.value`, or a part of one
                    out.extend((kind, f".{key}", f"{what}.{key}" if what else key) for key in keys)
            out.extend((_COMPUTED, f".{key}", None) for key in keys)  # after the rest: the fallback
        return tuple(out)

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        attr = self.config.locals.get(name)
        if attr is None:  # not declared in the files read
            return Unknown(f"local.{name}", (f"local.{name}",))
        value = self.guarded(f"local.{name}", lambda: self.evaluator.evaluate(attr.expr, self.scope),
                             lambda: Unknown(f"local.{name}", (f"local.{name}",)))
        self._locals[name] = value
        return value

    def output(self, name: str) -> Any:
        if name in self._outputs:
            return self._outputs[name]
        block = self.config.outputs.get(name)
        value: Any = None
        if block is not None and "value" in block.attrs:
            value = self.guarded(f"output.{name}", lambda: self.evaluator.evaluate(block.attrs["value"].expr, self.scope),
                                 lambda: Unknown(self.qualify(f"output.{name}")))
        self._outputs[name] = value
        return value

    # ------------------------------------------------------------ expansion
    def expansion(self, block: Block, scope: Scope, address: str) -> list[tuple[str, Scope]] | Unknown:
        """(instance address, scope) for each instance, or Unknown when count/for_each is."""
        if "count" in block.attrs:
            attr = block.attrs["count"]
            count = self.evaluator.evaluate(attr.expr, scope)
            if isinstance(count, Unknown):
                return count
            try:
                n = to_number(count)
            except EvalError:
                n = None
            if isinstance(count, Namespace):  # `count = aws_instance`: Terraform's "Invalid reference"
                raise InputError(attr.file or block.file, f"count is `{count.prefix or count.kind}`, a reference "
                                 "that names no value: it needs an attribute after it", attr.line)
            if not isinstance(n, int) or n < 0:
                got = json.dumps(plain(count), default=lambda _: "(known after apply)")
                raise InputError(attr.file or block.file, f"count must be a whole number >= 0, got {got}", attr.line)
            return [(f"{address}[{i}]", scope.child(count={"index": i})) for i in range(n)]
        if "for_each" in block.attrs:
            attr = block.attrs["for_each"]
            each = self.evaluator.evaluate(attr.expr, scope)
            if isinstance(each, InstanceObject):  # its attributes, which its provider's schema names
                each = Unknown("for_each", (each.address,))
            elif isinstance(each, ModuleObject):  # its outputs
                each = plain(each)
            if isinstance(each, Unknown):
                return each
            if isinstance(each, dict):
                if any(isinstance(v, Unknown) for v in each) :
                    return Unknown("for_each", refs_of(each))
                return [(f"{address}{instance_key(k)}", scope.child(each={"key": k, "value": plain(each[k])}))
                        for k in sorted(each)]
            if isinstance(each, list):
                if any(isinstance(v, Unknown) for v in each):
                    return Unknown("for_each", refs_of(*each))
                if not all(isinstance(v, str) for v in each):
                    raise InputError(attr.file or block.file, "for_each needs a map or a set of strings", attr.line)
                keys = sorted(set(each))
                return [(f"{address}{instance_key(k)}", scope.child(each={"key": k, "value": k})) for k in keys]
            if each is None:
                raise InputError(attr.file or block.file, "for_each cannot be null", attr.line)
            raise InputError(attr.file or block.file, "for_each needs a map or a set of strings", attr.line)
        enabled = enabled_attr(block)
        if enabled is not None:  # OpenTofu 1.11's `lifecycle { enabled }`: one instance or none (a reference: null)
            value = self.evaluator.evaluate(enabled.expr, scope)
            if isinstance(value, Unknown):
                return value
            if value not in (True, False, "true", "false"):
                got = json.dumps(plain(value), default=str)
                raise InputError(enabled.file or block.file, f"lifecycle.enabled must be true or false, got {got}",
                                 enabled.line)
            return [(address, scope)] if value in (True, "true") else []
        return [(address, scope)]

    def _expanded(self, block: Block, address: str) -> list[tuple[str, Scope]] | Unknown:
        """`expansion`, with a count Terraform rejects reported and the block left unknown."""
        try:
            found = self.expansion(block, self.scope, address)
        except InputError as err:
            self.tree.add_error(err)
            return Unknown(address, (address,), reference=True)
        if isinstance(found, Unknown):
            return Unknown(address, (address,) + found.refs, reference=False)
        return found

    @staticmethod
    def _collection(block: Block, objects: list[Any], scopes: list[Scope]) -> Any:
        """What a reference to the whole block gives: a list (count), a map (for_each) or one object."""
        if "count" in block.attrs:
            return objects
        if "for_each" in block.attrs:
            return {s.names["each"]["key"]: o for s, o in zip(scopes, objects)}
        return objects[0] if objects else None

    def instances(self, key: str) -> list[tuple[str, Scope, Any]] | Unknown:
        """The instances of a resource block: (address, scope, instance key or None)."""
        if key in self._instances:
            return self._instances[key]
        block = self.config.resources[key]
        address = self.qualify(key)

        def compute() -> list[tuple[str, Scope, Any]] | Unknown:
            found = self._expanded(block, address)
            if isinstance(found, Unknown):
                return found
            return [(a, s, a[len(address):] or None) for a, s in found]

        result = self.guarded(f"instances.{key}", compute, lambda: Unknown(address, (address,), reference=True))
        self._instances[key] = result
        return result

    def resource_value(self, key: str) -> Any:
        if key in self._resources:
            return self._resources[key]
        block = self.config.resources[key]
        found = self.instances(key)
        if isinstance(found, Unknown):
            value: Any = Unknown(self.qualify(key), (self.qualify(key),), reference=True)
        else:
            objects = [InstanceObject(a, self._attribute_getter(key, a, s)) for a, s, _k in found]
            value = self._collection(block, objects, [s for _a, s, _k in found])
        self._resources[key] = value
        return value

    def raw_attribute(self, key: str, address: str, scope: Scope) -> Callable[[str], Any]:
        """name -> the attribute's configured value (None when unset or null), evaluated once."""
        block = self.config.resources[key]
        declared = self.config.resources
        memo = self._raw_values.setdefault(address, {})
        shared = self._shared_values.setdefault(key, {})
        busy = self._busy
        tree = self.tree

        def raw(name: str) -> Any:
            if name in memo:
                return memo[name]
            attr = block.attrs[name]
            expr = attr.expr
            if expr[0] == "lit":  # a literal refers to nothing: no cycle to guard against
                memo[name] = value = expr[1]
                return value
            # an expression that does not mention count, each or self has one value for
            # every instance of the block: evaluated once (as locals are)
            per_instance = (attr.facts or facts_of(attr, declared)).per_instance
            if not per_instance and name in shared:
                memo[name] = value = shared[name]
                return value
            guard = f"attr {address}.{name}"  # as `guarded`, inlined: this runs for every attribute
            if guard in busy:
                tree.fallbacks += 1
                value = Unknown(f"{address}.{name}", (address,), reference=True)
            else:
                fallbacks = tree.fallbacks
                busy.add(guard)
                try:
                    value = self.evaluator.evaluate(expr, scope)
                finally:
                    busy.discard(guard)
                if not per_instance and tree.fallbacks == fallbacks:  # no cycle met on the way
                    shared[name] = value
            memo[name] = value
            return value

        return raw

    def _attribute_getter(self, key: str, address: str, scope: Scope) -> Callable[[str], Any]:
        block = self.config.resources[key]
        raw = self.raw_attribute(key, address, scope)

        def attribute(name: str) -> Any:
            memo_key = (address, name)
            if memo_key in self._attr_memo:
                return self._attr_memo[memo_key]
            computed = Unknown(f"{address}.{name}", (address,), reference=True)
            attr = block.attrs.get(name)
            if block.type == "data":
                value = computed  # read from the provider: its arguments are a query, not the result
            elif attr is not None and name not in RESOURCE_META:
                value = raw(name)
                if value is None:
                    value = computed
                elif isinstance(value, Unknown) and address not in value.refs:
                    # still not known, but read from this resource: keep it findable
                    value = Unknown(value.expr, (address,) + value.refs, reference=False)
            elif any(b.type == name or b.type == "dynamic" and b.labels[:1] == [name] for b in block.blocks):
                builder = BodyBuilder(self, scope)
                value = self.guarded(f"attr {address}.{name}", lambda: builder.blocks_named(block, name), lambda: computed)
            else:
                value = computed
            self._attr_memo[memo_key] = value
            return value

        return attribute

    # ------------------------------------------------------------ module calls
    def call_value(self, name: str) -> Any:
        if name in self._calls:
            return self._calls[name]
        if name not in self.config.modules:  # not declared in the files read
            address = self.qualify(f"module.{name}")
            return Unknown(address, (address,), reference=True)
        children = self.children(name)
        block = self.config.modules[name]
        address = self.qualify(f"module.{name}")
        if isinstance(children, Unknown):
            value: Any = Unknown(address, (address,), reference=True)
        else:
            objects = [ModuleObject(child.address or "", child.output, list(child.config.outputs)) if child is not None
                       else Unknown(a, (a,), reference=True) for a, child, _s in children]
            value = self._collection(block, objects, [s for _a, _c, s in children])
        self._calls[name] = value
        return value

    def children(self, name: str) -> list[tuple[str, "ModuleInstance | None", Scope]] | Unknown:
        """Instances of a module call; None for a call that cannot be followed."""
        if name in self._children:
            return self._children[name]
        block = self.config.modules[name]
        address = self.qualify(f"module.{name}")

        def compute() -> list[tuple[str, ModuleInstance | None, Scope]] | Unknown:
            found = self._expanded(block, address)
            if isinstance(found, Unknown):
                return found
            callee = self._callee(name, block)
            return [(a, self._child(name, block, a, s, callee), s) for a, s in found]

        result: list[tuple[str, ModuleInstance | None, Scope]] | Unknown = self.guarded(
            f"module.{name}", compute, lambda: Unknown(address, (address,), reference=True))
        self._children[name] = result
        return result

    def template_child(self, name: str, unknown: Unknown) -> "ModuleInstance | None":
        """One instance of a call whose count or for_each is `unknown` (`children`), judged
        as a template, as a resource block of unknown count is: its count.index and each.*
        unknown, what it holds judged as what any instance would hold, and said to be
        (`template`). None when the call cannot be followed. References to the call's
        outputs stay unknown (`call_value`): which instances there are is not known."""
        block = self.config.modules[name]
        address = self.qualify(f"module.{name}")
        child = self._child(name, block, address, template_scope(self.scope), self._callee(name, block))
        if child is not None:
            child.template = (address, *expansion_unknown(block, unknown, address))
        return child

    def _callee(self, name: str, block: Block) -> tuple["ModuleConfig | None", Path | None, str | None]:
        """The configuration a call runs (None: not found, or no configuration files), its
        directory, and the note of a registry module read from this checkout."""
        directory, checkout_note = self.tree.module_dir(self, name, block)
        config = self.tree.config_of(directory, quiet=not self.tree.is_local_source(block, self)) \
            if directory else None
        if config is not None and not config.files:
            config = None  # a directory without configuration files: nothing to follow
        return config, directory, checkout_note

    def _child(self, name: str, block: Block, address: str, scope: Scope,
               callee: tuple["ModuleConfig | None", Path | None, str | None]) -> "ModuleInstance | None":
        """The instance `address` of a call, or None when it cannot be followed (not found,
        too deep, or a module calling itself)."""
        config, directory, checkout_note = callee
        if config is None or self.depth >= MAX_MODULE_DEPTH or directory in self.tree.stack_dirs(self):
            return None
        child = ModuleInstance(self.tree, config, address, None, CallSite(self, block, scope), self.root,
                               self.keys + (name,), self.depth + 1)
        child.checkout_note = checkout_note or self.checkout_note
        child.template = self.template
        return child


class CallSite:
    """A `module` block instance: the child's variables are its arguments."""

    def __init__(self, caller: ModuleInstance, block: Block, scope: Scope):
        self.caller = caller
        self.block = block
        self.scope = scope

    @property
    def shown(self) -> str:
        """The call as messages name it: `module "db" at main.tf:7`."""
        return f'module "{self.block.labels[0] if self.block.labels else ""}" at {self.block.file}:{self.block.line}'

    def argument(self, name: str) -> VariableValue | None:
        """The argument `name` of the call, with where its value was set: for `var.x`,
        where the caller's variable was set; for `local.x`, the local's line; for
        `each.value.<path>` of a call whose `for_each` is a variable or local written
        upstream, where that part was written; else the argument's own line."""
        attr = self.block.attrs.get(name)
        if attr is None or name in MODULE_META:
            return None
        caller = self.caller
        value = plain(caller.evaluator.evaluate(attr.expr, self.scope))
        passed = caller.origin_of(attr.expr, self.scope)
        if passed is None:
            each_path = _each_value_path(attr.expr)
            hit = None if each_path is None else caller.each_part(self.block.attrs.get("for_each"), self.scope, each_path)
            passed = hit[1] if hit is not None else None
        if passed is not None and passed.origin:
            return VariableValue(value, passed.origin, passed.default, passed.parts)
        shown = attr.file or self.block.file
        return VariableValue(value, f"set at {shown}:{attr.line}", parts=written_parts(attr, shown, caller, self.scope))


def written_parts(attr: Attr, shown: str, module: ModuleInstance | None = None,
                  scope: Scope | None = None) -> dict[str, VariableValue] | None:
    """Where each part of an object or tuple written as `attr` was set: the line of each
    key of a literal (in the file shown as `shown`) and, in a module (`module`, with the
    `scope` the attribute is evaluated in), for a part that is `var.<name>` or
    `local.<name>`, or a key of a `merge()`, where that was set."""
    parts: dict[str, VariableValue] = {}
    _note_parts(parts, facts_of(attr, module.config.resources if module is not None else {}).written,
                "", f"{shown}:{attr.line}", module, scope)
    return parts or None


def _note_parts(parts: dict[str, VariableValue], written: Any, prefix: str, at: str,
                module: ModuleInstance | None, scope: Scope | None) -> None:
    """`written_parts` of the entries `written` (`AttrFacts.written`) of the attribute
    `at` ("main.tf:9"), under the part at `prefix`."""
    shown = at.rpartition(":")[0]
    for kind, suffix, what in written:
        if kind in (_KEY_LINE, _COMPUTED):  # a key's own line; a computed key: the attribute's
            node = _part_node(parts, (_line_key_suffix(prefix) + suffix)[1:])
            node.origin = node.origin or (f"set at {shown}:{what}" if kind == _KEY_LINE else f"set at {at}")
        elif module is None or scope is None:
            continue
        elif kind == _MERGE:
            _note_parts(parts, module.merge_written(what, scope), prefix + suffix, at, module, scope)
        elif kind in _PER_INSTANCE:  # its entries carry their whole suffix
            _note_parts(parts, module.resolved(((kind, suffix, what),), scope), prefix, at, module, scope)
        elif kind in (_VARIABLE, _LOCAL):
            found = _named_part(module.variable if kind == _VARIABLE else module.local_origin, what)
            if found is None or not found.origin or found.default:
                continue  # not set upstream: this line
            path = _line_key_suffix(prefix + suffix)[1:]
            if path:  # set upstream: that place, with its parts
                node = _part_node(parts, path)
                node.origin, node.parts = found.origin, found.parts
            else:  # the whole value passes another on (`{for k, v in local.x : k => v}`): its parts
                for key, inner in (found.parts or {}).items():
                    parts.setdefault(key, inner)


def _named_part(lookup: Callable[[str], VariableValue | None] | None, what: str) -> VariableValue | None:
    """Where the value `what` names (a variable or local, then a path in it: `db.multi_az`) was set."""
    name, _, path = what.partition(".")
    try:
        found = lookup(name) if lookup is not None else None
    except EvalError:
        return None
    if found is not None and path and found.default and found.parts:
        # a root's default is written in the root: a part of it is named at its key's line
        part = found.part(path)
        return VariableValue(None, part.origin, parts=part.parts) if part is not None and part.origin else found
    if found is None or not path or found.default:
        return found  # a module's default is the variable's as a whole (the call leaving it is named)
    if found.parts is None and found.computed:  # a local's expression made it whole: and each part
        return VariableValue(None, found.origin)
    return found.part(path)


def _part_node(parts: dict[str, VariableValue], path: str) -> VariableValue:
    """The node of `path` in a tree of parts, made on the way."""
    node = None
    for key in path.split("."):
        node = parts.get(key)
        if node is None:
            node = parts[key] = VariableValue(None, None)
        if node.parts is None:
            node.parts = {}
        parts = node.parts
    assert node is not None
    return node


def reference_path(expr: Any, key: Callable[[Node], Any] | None = None) -> tuple[str, str] | None:
    """A reference and the path below its first name, as `VariableValue.part` reads it:
    `var.db.multi_az` -> ("var", "db.multi_az"), `local.x` -> ("local", "x"),
    `module.settings.db` -> ("module", "settings.db"),
    `each.value.a[0].b` -> ("each", "value.a.b"); None for an expression that is not
    a reference with a literal path, or whose value was not set upstream (a resource's
    attribute: `aws_subnet.a.id`)."""
    names: list[str] = []
    while expr[0] in ("attr", "index"):
        if expr[0] == "attr":
            names.append(expr[2])
        elif expr[2][0] == "lit" and isinstance(expr[2][1], (str, int)) and not isinstance(expr[2][1], bool):
            names.append(str(expr[2][1]))
        elif key is not None and isinstance(found := key(expr[2]), (str, int)) and not isinstance(found, bool):
            names.append(str(found))  # a computed index known here
        else:
            return None
        expr = expr[1]
    if expr[0] != "ref" or not names or expr[1] not in ("var", "local", "module") and names[-1] != "value":
        return None  # a resource's attribute, `count.index`, ...: no value set upstream to follow
    return expr[1], _line_key(".".join(reversed(names)))


def _each_value_path(expr: Any) -> str | None:
    """`each.value.a.b` -> "a.b" (`each.value` -> ""); None for any other expression."""
    written: list[tuple[str, str, Any]] = []
    _written_plan(expr, "", 0, written)
    return written[0][2] if len(written) == 1 and written[0][:2] == (_EACH, "") else None


# ------------------------------------------------------------------ bodies
# names whose value differs from one instance of a block to the next
_INSTANCE_NAMES = frozenset({"count", "each", "self"})


def _scan_expr(node: Node, declared: dict[str, Any], named: list[str]) -> bool:
    """Whether the expression mentions an instance name (`count`, `each`, `self`); the
    resources it names (`aws_subnet.a`, `data.aws_ami.x`, in `declared`) are appended to
    `named` in the order written, each once. Instance keys are dropped: the reference
    names every instance (what `Index.resolve_many` expands)."""
    kind = node[0]
    if kind == "lit" or kind == "it":
        return False
    if kind == "ref":
        return node[1] in _INSTANCE_NAMES
    if kind == "attr":
        base = node[1]
        address = None
        if base[0] == "ref":
            address = f"{base[1]}.{node[2]}"
        elif base[0] == "attr" and base[1][0] == "ref" and base[1][1] == "data":
            address = f"data.{base[2]}.{node[2]}"
        if address is not None and address in declared:
            if address not in named:
                named.append(address)
            return False  # `base` is a resource type or `data`
        return _scan_expr(base, declared, named)
    mentions = False
    if kind == "index" or kind == "splat":
        mentions = _scan_expr(node[1], declared, named)
        mentions = _scan_expr(node[2], declared, named) or mentions
    elif kind == "call":
        for arg in node[2]:
            mentions = _scan_expr(arg, declared, named) or mentions
    elif kind == "tuple":
        for item in node[1]:
            mentions = _scan_expr(item, declared, named) or mentions
    elif kind == "object":
        for key, value in node[1]:
            mentions = _scan_expr(key, declared, named) or mentions
            mentions = _scan_expr(value, declared, named) or mentions
    elif kind == "tmpl":
        for part in node[1]:
            if isinstance(part, str):
                continue
            if part[0] == "if":
                for inner in part[1:]:
                    mentions = _scan_expr(inner, declared, named) or mentions
            elif part[0] == "tfor":
                mentions = _scan_expr(part[3], declared, named) or mentions
                mentions = _scan_expr(part[4], declared, named) or mentions
            else:
                mentions = _scan_expr(part, declared, named) or mentions
    elif kind == "cond":
        for inner in node[1:]:
            mentions = _scan_expr(inner, declared, named) or mentions
    elif kind == "bin":
        mentions = _scan_expr(node[2], declared, named)
        mentions = _scan_expr(node[3], declared, named) or mentions
    elif kind == "un":
        mentions = _scan_expr(node[2], declared, named)
    elif kind == "for":
        for inner in (node[3], node[4], node[5], node[6]):
            if inner is not None:
                mentions = _scan_expr(inner, declared, named) or mentions
    else:  # a kind this walk does not know: nothing shared, nothing named
        return True
    return mentions


class AttrFacts:
    """What an attribute's expression says whatever instance evaluates it, worked out
    once per attribute instead of once per instance (`facts_of`):

    * `resources`: the resources it names (`_scan_expr`; not yet qualified with the module address);
    * `written`: what `BodyBuilder` notes under the attribute's path, in the order the
      expression is written: `(_KEY_LINE, suffix, line)` is the line of a key of a literal
      object or tuple (the suffix as `_line_key` gives it), `(_VARIABLE, suffix, path)`,
      `(_LOCAL, suffix, path)` and `(_EACH, suffix, path)` a part that is `var.<path>`,
      `local.<path>` or `each.value.<path>` (`reference_path`), and `(_ITERATOR, suffix,
      (name, path))` one that may be a `dynamic` block's `<name>.value.<path>`, and
      `(_MERGE, suffix, args)` a `merge(<args>)`, whose keys `ModuleInstance.merge_written`
      turns into such entries (where their values came from is looked up per instance),
      `(_COND, suffix, (node, then, other))` a conditional, whose branch taken gives the
      entries that count, and `(_KEYED, suffix, node)` a reference to a variable or local
      with a computed index (`local.counts[terraform.workspace]`), whose key is known per
      instance (both made plain by `ModuleInstance.resolved`);
    * `per_instance`: it mentions `count`, `each` or `self`, so each instance evaluates it.
    """

    __slots__ = ("resources", "written", "per_instance")

    def __init__(self, resources: tuple[str, ...], written: tuple[tuple[str, str, Any], ...], per_instance: bool):
        self.resources = resources
        self.written = written
        self.per_instance = per_instance


def facts_of(attr: Attr, declared: dict[str, Any]) -> AttrFacts:
    """`attr`'s facts; `declared` is the resources of the module it is written in."""
    facts: AttrFacts | None = attr.facts
    if facts is None:
        expr = attr.expr
        if expr[0] == "lit":  # a literal names nothing, holds no keys, is the same everywhere
            facts = _LITERAL_FACTS
        else:
            written: list[tuple[str, str, Any]] = []
            _written_plan(expr, "", 0, written)
            named: list[str] = []
            per_instance = _scan_expr(expr, declared, named)
            facts = AttrFacts(tuple(named), tuple(written), per_instance)
        attr.facts = facts
    return facts


_LITERAL_FACTS = AttrFacts((), (), False)
# the kinds of `AttrFacts.written` entries
_KEY_LINE, _VARIABLE, _LOCAL, _EACH, _ITERATOR, _MERGE = "line", "var", "local", "each", "iterator", "merge"
_OUTPUT = "output"  # `module.<call>.<output>[.<part>]`: `(_OUTPUT, suffix, "<call>.<output>[.<part>]")`
_COND = "cond"  # a conditional: `(_COND, suffix, (node, entries of one branch, of the other))`
_KEYED = "keyed"  # `var.x[<expression>]`, `local.x[...]`, `lookup(var.x, ...)`: `(_KEYED, suffix, node)`
_PER_INSTANCE = frozenset({_COND, _KEYED})  # made plain by `ModuleInstance.resolved`
_COMPUTED = "computed"  # only in `ModuleInstance.merge_written`: a key named at the line that computes it


def _keeps_keys_and_values(expr: Node) -> bool:
    """A `for` that makes an object of some of its collection's own keys and values,
    unchanged: `{for k, v in x : k => v if v != null}`."""
    key_var, value_var, key_expr, value_expr, grouped = expr[1], expr[2], expr[4], expr[5], expr[7]
    return (key_var is not None and key_expr is not None and not grouped
            and key_expr[:2] == ("ref", key_var) and value_expr[:2] == ("ref", value_var))


def _first_key(suffix: str) -> str:
    """The first key of a suffix under an attribute (`.a.b` -> "a")."""
    return suffix[1:].partition(".")[0]


def _written_plan(expr: Any, suffix: str, depth: int, out: list[tuple[str, str, Any]]) -> None:
    """What the expression as written says about the paths under an attribute: the
    line of each key of a literal object or tuple (`body = { sku = { name = ... } }`),
    and the parts that are a variable (also in a literal document:
    `jsonencode({maxReceiveCount = var.n})`), whose origin messages name."""
    kind = expr[0]
    if depth > 20:
        return
    if kind == "call" and expr[1] == "jsonencode" and len(expr[2]) == 1:
        _written_plan(expr[2][0], suffix, depth + 1, out)
        return
    if kind == "call" and expr[1] == "lookup" and len(expr[2]) in (2, 3) and not expr[3]:
        keyed = reference_path(expr[2][0], _any_key)  # `lookup(var.backup, "enabled", false)`
        if keyed is not None and keyed[0] in ("var", "local"):
            out.append((_KEYED, suffix, expr))
        return
    if kind == "call" and expr[1] == "merge" and expr[2] and not expr[3]:
        out.append((_MERGE, suffix, tuple(expr[2])))  # which argument wins a key is known per instance
        return
    if kind == "cond":  # which branch is taken is known per instance
        then: list[tuple[str, str, Any]] = []
        other: list[tuple[str, str, Any]] = []
        _written_plan(expr[2], suffix, depth + 1, then)
        _written_plan(expr[3], suffix, depth + 1, other)
        if then or other:
            out.append((_COND, suffix, (expr, tuple(then), tuple(other))))
        return
    if kind == "for" and _keeps_keys_and_values(expr):  # `{for k, v in x : k => v if ...}`: x's parts
        _written_plan(expr[3], suffix, depth + 1, out)
        return
    if kind == "object":
        lines = expr[2] if len(expr) > 2 else None
        for i, (key, value) in enumerate(expr[1]):
            if key[0] == "lit" and isinstance(key[1], str):
                inner = f"{suffix}.{key[1]}"
                if lines and lines[i]:
                    out.append((_KEY_LINE, _line_key_suffix(inner), lines[i]))
                _written_plan(value, inner, depth + 1, out)
        return
    if kind == "tuple":
        lines = expr[2] if len(expr) > 2 else None
        for i, value in enumerate(expr[1]):
            inner = f"{suffix}.{i}"
            if lines and lines[i] and i:
                out.append((_KEY_LINE, _line_key_suffix(inner), lines[i]))
            _written_plan(value, inner, depth + 1, out)
        return
    if kind in ("attr", "index"):
        found = reference_path(expr)
        if found is None:  # an index computed by an expression (`local.counts[terraform.workspace]`)?
            keyed = reference_path(expr, _any_key)
            if keyed is not None and keyed[0] in ("var", "local"):
                out.append((_KEYED, suffix, expr))
            return
        root, path = found
        if root in ("var", "local"):  # and a part of either (`local.db.multi_az`: "db.multi_az")
            out.append((_VARIABLE if root == "var" else _LOCAL, suffix, path))
        elif root == "module" and path.count(".") >= 1:  # a module's output (`module.settings.multi_az`)
            out.append((_OUTPUT, suffix, path))
        elif path.split(".")[0] == "value" and root == "each":
            out.append((_EACH, suffix, path.partition(".")[2]))
        elif path.split(".")[0] == "value":  # a dynamic block's `<iterator>.value.x`, if `root` is one
            out.append((_ITERATOR, suffix, (root, path.partition(".")[2])))


def _any_key(node: Node) -> str:
    """A stand-in key: whether a reference would have a path if its computed keys were known."""
    return "?"


def _closest_written(lines: dict[str, Any], path: str) -> str | None:
    """An attribute path as `lines` holds it (a first block's `.0` may be written or
    not), else its closest written ancestor's."""
    parts = [p for p in path.split(".") if p and p != "0"]
    while parts:
        joined = ".".join(parts)
        if joined in lines:
            return joined
        parts = parts[:-1]
    return None


def line_of(lines: dict[str, Any], path: str) -> int | None:
    """Line of an attribute path, else of its closest written ancestor."""
    written = _closest_written(lines, path)
    line: int | None = lines[written] if written is not None else None
    return line


class WrittenInOverride:
    """A resource's `written_elsewhere`: the attributes an override file (`override.tf`)
    wrote into its block are at their lines in that file. A class, not a closure: a load
    worker sends it back pickled."""

    __slots__ = ("lines", "files")

    def __init__(self, lines: dict[str, int], files: dict[str, str]):
        self.lines = lines
        self.files = files  # attribute path -> the override file's display path

    def __call__(self, path: str) -> Location | None:
        written = _closest_written(self.lines, path)
        file = None if written is None else self.files.get(written)
        return None if file is None or written is None else Location(file, self.lines[written])


class AttributeLines(dict[str, int]):
    """Attribute path -> line, for one resource: its `line_of` (see `line_of`). A dict
    pickles faster than a function bound to one: a load worker sends back thousands."""

    __slots__ = ()

    def __call__(self, path: str) -> int | None:
        return line_of(self, path)


class BodyBuilder:
    """A block body -> attributes as rules read them (nested blocks are lists of dicts),
    with the line of every attribute path and where variable values came from."""

    def __init__(self, module: ModuleInstance, scope: Scope, for_each: Attr | None = None):
        self.module = module
        self.scope = scope
        self.for_each = for_each  # the block's own `for_each`: where `each.value` came from
        # the `for_each` of each `dynamic` block being expanded, by its iterator's name
        self.iterators: dict[str, Attr] = {}
        self.lines = AttributeLines()
        self.origins: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        # attribute path -> resources its expression names, for values known before apply
        # (an Unknown keeps its own refs): `function_name = aws_lambda_function.f.function_name`
        # is a dependency even when the name is written in the configuration
        self.known_refs: dict[str, list[str]] = {}
        # attribute path -> (line, text) of a heredoc literal written there, whole or as
        # `yamldecode(<<EOT ...)`: its text's lines are the file's from that line (the YAML
        # keys of a `kubectl_manifest` or `kubernetes_manifest`)
        self.heredocs: dict[str, tuple[int, str]] = {}
        # attribute path -> the override file that wrote it, where that is not the file of
        # the block read first (the resource's own)
        self.home: str | None = None
        self.overridden: dict[str, str] = {}

    def body(self, block: Block, scope: Scope, prefix: str, meta: frozenset[Any] = frozenset(),
             attribute: Callable[[str], Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        module = self.module
        declared = module.config.resources
        lines = self.lines
        if self.home is None:
            self.home = block.file
        for name, attr in block.attrs.items():
            if name in meta:
                continue
            path = sys.intern(prefix + name) if prefix else name
            if attribute is not None:
                value = attribute(name)
            else:
                expr = attr.expr
                value = expr[1] if expr[0] == "lit" else module.evaluator.evaluate(expr, scope)
            if isinstance(value, NOT_PLAIN):  # most values are strings, numbers, bools
                value = plain(value)
            if path not in lines:
                lines[path] = attr.line
                if (attr.file or block.file) != self.home:
                    self.overridden[path] = attr.file or block.file
            if "<<" in attr.text:
                heredoc = _heredoc_literal(attr)
                if heredoc is not None:
                    self.heredocs[path] = heredoc
            facts = attr.facts or facts_of(attr, declared)
            if facts.written:
                # a resource's own attribute that does not mention count, each or self is the
                # same in every instance (as `raw_attribute` evaluates it once)
                self._written(facts.written, scope, path, attribute is not None and not facts.per_instance)
            if value is not None:
                out[name] = value
                if facts.resources and not isinstance(value, Unknown):
                    self.known_refs[path] = [module.qualify(a) for a in facts.resources]
        counts: dict[str, int] = {}
        for child in block.blocks:
            if child.type in meta or child.type in ("lifecycle", "provisioner", "connection"):
                continue
            if child.type == "dynamic" and child.labels:
                name = child.labels[0]
                self._dynamic(child, scope, prefix, out, counts)
                continue
            name = child.type
            existing = out.get(name)
            if isinstance(existing, Unknown):
                continue
            items = out.setdefault(name, [])
            if not isinstance(items, list):
                continue
            index = counts.get(name, 0)
            counts[name] = index + 1
            item_path = sys.intern(f"{prefix}{name}.{index}" if index else f"{prefix}{name}")
            self._line(item_path, child)
            items.append(self.body(child, scope, item_path + "."))
        return out

    def _dynamic(self, block: Block, scope: Scope, prefix: str, out: dict[str, Any], counts: dict[str, Any]) -> None:
        name = block.labels[0]
        path = f"{prefix}{name}"
        self._line(path, block)
        for_each_attr = block.attrs.get("for_each")
        each = self.module.evaluator.evaluate(for_each_attr.expr, scope) if for_each_attr else None
        iterator = name
        if "iterator" in block.attrs and block.attrs["iterator"].expr[0] == "ref":
            iterator = block.attrs["iterator"].expr[1]
        content = next((b for b in block.blocks if b.type == "content"), None)
        if isinstance(each, Unknown) or content is None or each is None and for_each_attr is None:
            if not isinstance(out.get(name), list) or not out.get(name):
                out[name] = Unknown(f'dynamic "{name}"', each.refs if isinstance(each, Unknown) else ())
            return
        if each is None:
            return
        try:  # a set's key is the element itself, as in a `for` expression
            pairs = Evaluator.pairs(each)
        except EvalError:
            out[name] = Unknown(f'dynamic "{name}"')
            return
        if isinstance(out.get(name), Unknown) or not pairs:
            return  # no block (Terraform plans none), or already unknown
        items = out.setdefault(name, [])
        outer = self.iterators.get(iterator)
        if for_each_attr is not None:
            self.iterators[iterator] = for_each_attr
        for k, v in pairs:
            index = counts.get(name, 0)
            counts[name] = index + 1
            item_path = sys.intern(f"{prefix}{name}.{index}" if index else f"{prefix}{name}")
            self._line(item_path, content)
            inner = scope.child(**{iterator: {"key": k, "value": plain(v)}})
            items.append(self.body(content, inner, item_path + "."))
        if outer is not None:  # a dynamic block nested in one of the same iterator name
            self.iterators[iterator] = outer
        else:
            self.iterators.pop(iterator, None)

    def _line(self, path: str, block: Block) -> None:
        """A nested block's line at its path (an override file's blocks replace those of
        their type: their lines are that file's)."""
        if path not in self.lines:
            self.lines[path] = block.line
            if block.file != self.home:
                self.overridden[path] = block.file

    def blocks_named(self, block: Block, name: str) -> Any:
        """The value of one nested block type (another resource refers to it)."""
        only = Block(block.type, block.labels, {}, [b for b in block.blocks
                                                     if b.type == name or b.type == "dynamic" and b.labels[:1] == [name]],
                     block.line, block.file)
        return self.body(only, self.scope, "").get(name, [])

    def _written(self, written: tuple[tuple[str, str, Any], ...], scope: Scope, path: str,
                 shared: bool = False) -> None:
        """`AttrFacts.written` under the attribute at `path`: the line of each key of a
        literal object or tuple, and where the value of a variable or of a part of
        `each.value` came from."""
        variables = "var" not in scope.names  # else `var` is an iterator's name here
        base: str | None = None
        for kind, suffix, what in written:
            if kind == _KEY_LINE:
                if base is None:
                    base = _line_key(path)
                self.lines.setdefault(base + suffix if base else suffix[1:], what)
            elif kind == _VARIABLE and variables:
                found = self.module.named_origin(kind, what)
                if found is not None and found.default:
                    self.defaults[path + suffix] = found.origin or f"var.{what.partition('.')[0]}"
                elif found is not None:
                    self._origin(path + suffix, f"var.{what}", found)
            elif kind == _LOCAL and "local" not in scope.names:
                found = self.module.named_origin(kind, what)
                if found is not None:
                    self._origin(path + suffix, f"local.{what}", found)
            elif kind == _OUTPUT and "module" not in scope.names:
                found = self.module.output_origin(what)
                if found is not None and found.default:
                    self.defaults[path + suffix] = found.origin or f"module.{what}"
                elif found is not None:
                    self._origin(path + suffix, f"module.{what}", found)
            elif kind == _EACH:
                hit = self.module.each_part(self.for_each, scope, what)
                if hit is not None:
                    self._origin(path + suffix, *hit)
            elif kind == _ITERATOR and what[0] in self.iterators:
                hit = self.module.each_part(self.iterators[what[0]], scope, what[1], iterator=what[0])
                if hit is not None:
                    self._origin(path + suffix, *hit)
            elif kind == _MERGE:
                self._written(self.module.merge_written(what, scope, shared), scope, path + suffix)
            elif kind in _PER_INSTANCE:  # its entries carry their whole suffix
                self._written(tuple(self.module.resolved(((kind, suffix, what),), scope)), scope, path, shared)

    def _origin(self, path: str, shown: str, found: VariableValue) -> None:
        """Note where the value at `path` (named `shown` where it was set) and its parts came from."""
        if found.origin:
            self.origins[path] = f"{shown}, {found.origin}"
        if found.parts:
            for sub, origin in found.part_origins():
                self.origins.setdefault(f"{path}.{sub}", f"{shown}.{sub}, {origin}")


def _heredoc_literal(attr: Attr) -> tuple[int, str] | None:
    """(first line, text) of a heredoc without interpolations written as the attribute's
    whole value or as the one argument of `yamldecode()`; None for anything else."""
    expr, text = attr.expr, attr.text
    if expr[0] == "call" and expr[1] == "yamldecode" and len(expr[2]) == 1 and not expr[3]:
        expr, text = expr[2][0], text[text.index("(") + 1:].lstrip()
    if expr[0] != "lit" or not isinstance(expr[1], str) or not text.startswith("<<"):
        return None
    return attr.line + attr.text[:attr.text.index("<<")].count("\n") + 1, expr[1]


def _line_key_suffix(suffix: str) -> str:
    """`_line_key` of the part of a path under an attribute (`.a.0.b` -> `.a.b`)."""
    return "".join("." + p for p in suffix.split(".")[1:] if p != "0")


def _line_key(path: str) -> str:
    """A path as `line_of` looks it up: a first list item's `.0` is left out."""
    return ".".join(p for p in path.split(".") if p != "0")
