"""Terragrunt: a unit (`terragrunt.hcl`) plans a Terraform module with its inputs.

A Terragrunt repository keeps its modules free of values (`variable "multi_az" {}`) and
sets them per deployment in a unit:

    # live/prod/db/terragrunt.hcl
    include "root" { path = find_in_parent_folders("root.hcl") }
    terraform { source = "../../../modules//db" }
    inputs = { multi_az = false }

`terragrunt plan` there copies the source into a cache, hands `inputs` to Terraform as
`TF_VAR_<name>` environment variables and plans. Judged alone, the module's variables
have no values and nothing can be known; so a module that units of the scan deploy is
judged once per unit, with the unit's inputs (an environment: see linter/environments.py),
and not bare, as `-var-file` environments are.

What a unit is read for, as Terragrunt reads it:

* `include` blocks (labelled or not; `path`, `expose`, `merge_strategy` "shallow",
  "deep" or "no_merge"): the included file's `inputs`, `terraform` and `dependency`
  settings are merged under the unit's (the unit wins; `inputs` merged key by key);
* `locals`, in the order they need each other; `read_terragrunt_config()` of another file;
* `dependency` blocks: their `outputs` are not known before the dependency is applied
  (`mock_outputs` stand in for them only when it is not: not what is deployed);
* `skip` and `exclude`: a unit Terragrunt leaves out of `plan` is not judged; `feature`
  flags take their `default` (what runs without `--feature`);
* `terraform { source, extra_arguments }`: the module (a local path, `//` splitting the
  copied root from the directory planned, or this checkout for a git or `tfr://`
  source naming it: linter/terraform/checkout.py) and the `-var-file`s given to `plan`;
* the unit's directory, copied over the module's: its `.tf` files join the module (one of
  the module's names replaces it), its `terraform.tfvars` and `*.auto.tfvars` are loaded;
  none that `terraform { exclude_from_copy = [...] }` names (`Unit.copies`);
* `generate` blocks (a block of the unit replacing an included one of the same name): the
  files Terragrunt writes where Terraform plans before it runs (`GeneratedFile`); a
  variable, local or resource declared in one is the module's (linter/terraform/tree.py:
  `unit_config`), written at the lines of the heredoc (or of the file `file()` reads); a
  generated `terraform.tfvars` or `*.auto.tfvars` sets variables as Terraform loads it
  (`written_variables`), over the inputs;
* Terragrunt's functions (`find_in_parent_folders`, `get_terragrunt_dir`,
  `path_relative_to_include`, `get_env`, ...). Those that ask the cloud or run a command
  (`get_aws_account_id`, `run_cmd`, `sops_decrypt_file`) give an unknown value: resilint
  never runs them.

A `terragrunt.stack.hcl` deploys units: `terragrunt stack generate` copies each `unit`
block's source directory to `.terragrunt-stack/<path>` and runs it there, where `values`
holds what the block gives it (`read_stack`).

An input reaches a variable as Terraform reads a `TF_VAR_` value: a string as it is,
anything else as JSON; a variable of a primitive type, or of none, takes the text
(`variable "replicas" {}` gets the string "3"), any other parses it. Inputs are the
lowest precedence: a `TF_VAR_` of the environment, the module's `terraform.tfvars`
and `*.auto.tfvars` and the `-var-file`s of `extra_arguments` override them.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, cast

from linter.model import InputError, Unknown, contains_unknown
from linter.paths import git_top
from linter.terraform.expressions import Evaluator, Scope
from linter.terraform.modules import ModuleConfig, VariableValue, written_parts
from linter.terraform.syntax import Attr, Block, Node, parse_file_body

if TYPE_CHECKING:
    from linter.config import Exclusions

CONFIG_NAME = "terragrunt.hcl"
# what find_in_parent_folders() looks for when given no name
DEFAULT_PARENT = "terragrunt.hcl"
# Terragrunt's lists of Terraform commands (cli/commands): `commands = get_terraform_commands_that_need_vars()`
COMMAND_LISTS = {
    "get_terraform_commands_that_need_vars": ["apply", "console", "destroy", "import", "plan", "push", "refresh"],
    "get_terraform_commands_that_need_locking": ["apply", "destroy", "import", "init", "plan", "refresh", "taint",
                                                 "untaint"],
    "get_terraform_commands_that_need_input": ["apply", "import", "init", "plan", "refresh"],
    "get_terraform_commands_that_need_parallelism": ["apply", "plan", "destroy"],
}
# functions that ask the cloud, run a command or decrypt: never run here, their value is not known
NOT_KNOWN_HERE = frozenset({
    "run_cmd", "sops_decrypt_file", "get_aws_account_id", "get_aws_account_alias", "get_aws_caller_identity_arn",
    "get_aws_caller_identity_user_id", "get_terraform_cli_args", "get_working_dir", "get_terragrunt_source_cli_flag",
    "get_default_retryable_errors", "mark_as_read", "constraint_check",
})
MAX_READS = 32  # read_terragrunt_config() nested this deep is a loop


# the mark Terragrunt writes atop a file it generates: such a file met again is its own to overwrite
GENERATED_SIGNATURE = "Generated by Terragrunt."


@dataclass
class GeneratedFile:
    """A file a `generate` block writes into the directory Terraform plans, before it runs."""

    name: str  # its path there (`providers.tf`)
    text: str | None  # what it holds; None: not known here (nor whether it is written)
    if_exists: str | None  # what Terragrunt does when a file of that name is there (None: not known)
    shown: str  # where `text` is written: the Terragrunt file (a heredoc), or the file `file()` reads
    first_line: int  # the line there of the text's first line
    block: str  # the Terragrunt file holding the `generate` block
    block_line: int


@dataclass
class Unit:
    """One `terragrunt.hcl` and what `terragrunt plan` there plans."""

    file: Path
    shown: str
    module: Path | None  # the directory Terraform plans; None: a source not on disk (`source`)
    source: str | None  # `terraform.source` as evaluated (None: the unit's own directory)
    source_line: int
    inputs: dict[str, VariableValue] = field(default_factory=dict)
    var_files: list[Path] = field(default_factory=list)  # extra_arguments' -var-file for plan, in order
    checkout_note: str | None = None  # read from this checkout (a git or registry source naming it)
    not_followed: str | None = None  # why the source is not read (another release of this checkout)
    inputs_known: bool = True  # False: which inputs it sets is not known (an unset variable's value is not)
    var_files_known: bool = True  # False: which -var-files plan reads is not known (no variable's value is)
    # a stack's unit: `file` is where `terragrunt stack generate` writes it (not on disk),
    # this the unit directory it copies there (what is read)
    copied_from: Path | None = None
    reads_values: bool = False  # it reads `values`: a unit of stacks, not one Terragrunt runs alone
    generated: list[GeneratedFile] = field(default_factory=list)  # what its `generate` blocks write
    # `terraform { exclude_from_copy = [...] }`: globs of the unit directory's files Terragrunt
    # does not copy over the module (None: not known, every file is taken as copied)
    exclude_from_copy: list[str] | None = field(default_factory=list)

    @property
    def directory(self) -> Path:
        """The unit's directory on disk (its files: the variable files Terraform loads)."""
        return self.copied_from if self.copied_from is not None else self.file.parent

    def copies(self, name: str) -> bool:
        """Whether Terragrunt copies the unit directory's file `name` over the module (none of
        its `exclude_from_copy` globs, relative to the unit's directory, matches it; `**/`
        matches no directory too, as in Terragrunt's globs)."""
        import fnmatch

        globs = [g.removeprefix("./") for g in self.exclude_from_copy or ()]
        return not any(fnmatch.fnmatchcase(name, g) or g.startswith("**/") and fnmatch.fnmatchcase(name, g[3:])
                       for g in globs)

    def tf_var_values(self, config: ModuleConfig) -> dict[str, VariableValue]:
        """The inputs as Terraform holds them: the `TF_VAR_<name>` values of the variables
        the module (`config`) declares, read as Terraform reads such a text (`cli_value`)."""
        from linter.terraform.modules import cli_value, unknown_variable, variable_type
        from linter.terraform.types import is_primitive

        out: dict[str, VariableValue] = {}
        if not self.inputs_known:  # any variable may be set: none is known (a default is not taken)
            out.update((name, VariableValue(unknown_variable(name), f"set by {self.shown}"))
                       for name in config.variables)
        for name, given in self.inputs.items():
            block = config.variables.get(name)
            if block is None:
                continue  # Terraform ignores a TF_VAR_ for a variable the module does not declare
            value, text = given.value, None
            if not isinstance(value, Unknown):
                text = None if contains_unknown(value) else value if isinstance(value, str) else _json(value)
            if text is not None:
                value = cli_value(text, block, config)
            elif not isinstance(value, Unknown):  # its text is not known: a structural type still has its shape
                type_ = variable_type(config, name)
                if type_ is None or is_primitive(type_):
                    value = unknown_variable(name)
            out[name] = VariableValue(value, given.origin, parts=given.parts)
        return out


def _json(value: Any) -> str | None:
    """`value` as Go's json.Marshal writes it (what Terragrunt puts in a TF_VAR_): compact,
    keys sorted, `<`, `>`, `&` and the line separators escaped; None when it has no JSON."""
    try:
        text = json.dumps(value, allow_nan=False, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError, OverflowError, RecursionError):
        return None
    for char, escaped in _GO_ESCAPES:
        text = text.replace(char, escaped)
    return text


_GO_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
               ("\u2029", "\\u2029"))


@dataclass
class _Context:
    """Where a configuration is evaluated: the unit Terragrunt runs in, and the file an
    `include` names (for get_parent_terragrunt_dir, path_relative_to_include)."""

    unit_dir: Path
    included: dict[str, Path] = field(default_factory=dict)  # include label ("" unlabelled) -> its file
    reads: int = 0
    # files parsed, by path: every unit includes the same root.hcl and reads the same env.hcl
    parsed: dict[Path, Block] = field(default_factory=dict)
    # a stack's unit: `values` its stack gives it, and the directory copied to `unit_dir`
    # (which is not on disk: a file of it is read from this one)
    values: Any = None
    copied_from: Path | None = None
    values_at: dict[str, VariableValue] = field(default_factory=dict)  # where the stack sets each value

    def on_disk(self, path: Path) -> Path:
        """`path`, a file of the unit's directory as Terragrunt runs it, where it is read."""
        if self.copied_from is None:
            return path
        relative = os.path.relpath(os.path.normpath(path), os.path.normpath(self.unit_dir))
        return path if relative.startswith("..") else Path(os.path.normpath(self.copied_from / relative))


class _Config:
    """One Terragrunt file, evaluated: its locals, includes, dependencies, `terraform`
    block and `inputs` (with where each input was written)."""

    def __init__(self, path: Path, ctx: _Context, as_include: bool = False):
        from linter.loaders import display_path, read_text

        self.path, self.ctx = path, ctx  # `path`: where Terragrunt runs it (a stack's unit: not on disk)
        self.evaluator = Evaluator(lambda name, args, scope: _call(self, name, args))
        read = ctx.on_disk(path)
        self.shown = display_path(read)
        body = ctx.parsed.get(read)
        if body is None:
            body = ctx.parsed[read] = parse_file_body(read_text(read, self.shown), self.shown)
        self.body: Block = body
        self.locals: dict[str, Any] = {}
        self.include: dict[str, Any] = {}  # exposed includes, by label
        self.dependency: dict[str, Any] = {}
        self.feature: dict[str, Any] = {}  # feature flags: their default (what runs without --feature)
        self.parents: list[tuple[_Config, str]] = []  # included configs and their merge strategy
        self.unknown_include = False  # an include whose path is not known here
        self.var_files_known = True  # which -var-files extra_arguments give plan (see _extra_var_files)
        self._own_inputs: Any = _UNREAD
        if not as_include:  # Terragrunt reads one level of include
            for block in self.blocks("include"):
                self._include(block)
        for parent, strategy in self.parents:
            if strategy != "no_merge":
                self.feature.update(parent.feature)
        for block in self.blocks("feature"):
            if block.labels and "default" in block.attrs:
                self.feature[block.labels[0]] = {"value": self.evaluate(block.attrs["default"].expr,
                                                                       self.scope(with_locals=False))}
        self._locals()
        for block in self.blocks("dependency"):
            if block.labels:
                self.dependency[block.labels[0]] = {
                    "outputs": Unknown(f"dependency.{block.labels[0]}.outputs",
                                       (f"dependency.{block.labels[0]}.outputs",)),
                    "inputs": Unknown(f"dependency.{block.labels[0]}.inputs"),
                }
        for parent, strategy in self.parents:
            if strategy != "no_merge":
                for name, value in parent.dependency.items():
                    self.dependency.setdefault(name, value)

    def blocks(self, kind: str) -> list[Block]:
        return [b for b in self.body.blocks if b.type == kind]

    def scope(self, with_locals: bool = True) -> Scope:
        names: dict[str, Any] = {"local": self.locals if with_locals else {}, "include": self.include,
                                 "dependency": self.dependency, "feature": self.feature}
        if self.ctx.values is not None:  # a stack's unit (or stack): what its stack gives it
            names["values"] = self.ctx.values
        return Scope(None, names)

    def evaluate(self, node: Node, scope: Scope | None = None) -> Any:
        return self.evaluator.evaluate(node, scope or self.scope())

    def _include(self, block: Block) -> None:
        label = block.labels[0] if block.labels else ""
        path_attr = block.attrs.get("path")
        if path_attr is None:
            return
        path = self.evaluate(path_attr.expr, self.scope(with_locals=False))
        if not isinstance(path, str):
            self.unknown_include = True  # what it adds is not known: nor are the inputs
            return
        target = _named_like(self.ctx, Path(path) if os.path.isabs(path) else self.path.parent / path)
        self.ctx.included[label] = target
        self.ctx.included.setdefault("", target)
        try:
            parent = _Config(target, self.ctx, as_include=True)
        except OSError as err:
            raise InputError(self.shown, f"cannot read the included file {path}: {err.strerror}", path_attr.line) \
                from None
        strategy = self.evaluate(block.attrs["merge_strategy"].expr) if "merge_strategy" in block.attrs else "shallow"
        self.parents.append((parent, strategy if strategy in ("shallow", "deep", "no_merge") else "shallow"))
        expose = self.evaluate(block.attrs["expose"].expr) if "expose" in block.attrs else False
        if expose is True and block.labels:
            self.include[label] = parent.exposed()

    def _locals(self) -> None:
        """Every local, each evaluated once those it names are (a cycle: unknown)."""
        attrs: dict[str, Attr] = {}
        for block in self.blocks("locals"):
            attrs.update(block.attrs)
        needs = {name: _locals_named(attr.expr) & attrs.keys() for name, attr in attrs.items()}
        pending = dict(needs)
        while pending:
            ready = [name for name, deps in pending.items() if not deps - self.locals.keys()]
            if not ready:  # a cycle: Terragrunt refuses the file; nothing it sets is known
                for name in pending:
                    self.locals[name] = Unknown(f"local.{name}", (f"local.{name}",))
                break
            for name in ready:
                self.locals[name] = self.evaluate(attrs[name].expr)
                del pending[name]

    def exposed(self) -> dict[str, Any]:
        """What `include.<label>` (expose = true) and read_terragrunt_config() give: the
        file's locals, inputs, terraform block and other attributes."""
        out: dict[str, Any] = {name: self.evaluate(attr.expr) for name, attr in self.body.attrs.items()}
        out["locals"] = dict(self.locals)
        out["dependency"] = dict(self.dependency)
        terraform = next(iter(self.blocks("terraform")), None)
        if terraform is not None:
            out["terraform"] = {name: self.evaluate(attr.expr) for name, attr in terraform.attrs.items()}
        return out

    # ------------------------------------------------------------ what the unit plans
    def inputs_known(self) -> bool:
        """Whether which inputs the unit sets is known (not when `inputs` is not an object
        here, as `merge(local.common, run_cmd(...))` is, or an include is not known)."""
        configs = [self, *(p for p, s in self.parents if s != "no_merge")]
        return not self.unknown_include and all(c.own_inputs() is not None for c in configs)

    def inputs(self) -> dict[str, VariableValue]:
        """`inputs`, merged over those of the included files, each with where it was written."""
        merged: dict[str, VariableValue] = {}
        merging = [strategy for _, strategy in self.parents if strategy != "no_merge"]
        for parent, strategy in self.parents:
            if strategy != "no_merge":
                _merge_inputs(merged, parent.own_inputs(), deep=False)
        _merge_inputs(merged, self.own_inputs(), deep="deep" in merging)
        return merged

    def own_inputs(self) -> dict[str, VariableValue] | None:
        """This file's `inputs`; None when which it sets is not known."""
        if self._own_inputs is _UNREAD:
            self._own_inputs = self._read_inputs()
        return cast("dict[str, VariableValue] | None", self._own_inputs)

    def _read_inputs(self) -> dict[str, VariableValue] | None:
        attr = self.body.attrs.get("inputs")
        if attr is None:
            return {}
        value = self.evaluate(attr.expr)
        at = f"set at {self.shown}:{attr.line}"
        if not isinstance(value, dict):
            return None  # not known which inputs it sets
        parts = _passed_on(attr, written_parts(attr, self.shown) or {}, self.ctx.values_at)
        out: dict[str, VariableValue] = {}
        for name, item in value.items():
            written = parts.get(name)
            out[name] = VariableValue(item, written.origin if written is not None and written.origin else at,
                                      parts=written.parts if written is not None else None)
        return out

    def terraform_setting(self, name: str) -> tuple[Any, int] | None:
        """`terraform { name = ... }` of the unit, else of the file it includes (shallow or deep)."""
        for config in [self, *(p for p, s in self.parents if s != "no_merge")]:
            for block in config.blocks("terraform"):
                if name in block.attrs:
                    return config.evaluate(block.attrs[name].expr), block.attrs[name].line
        return None

    def skipped(self) -> bool:
        """Whether Terragrunt leaves the unit out of `plan`: `skip = true` (here or in an
        included file), or an `exclude` block whose `if` holds for "plan" or "all" actions."""
        for config in [self, *(p for p, s in self.parents if s != "no_merge")]:
            if "skip" in config.body.attrs:
                return config.evaluate(config.body.attrs["skip"].expr) is True
        for block in self.blocks("exclude"):
            actions = self.evaluate(block.attrs["actions"].expr) if "actions" in block.attrs else []
            applies = isinstance(actions, list) and any(a in ("all", "plan", "all_except_output") for a in actions)
            if applies and "if" in block.attrs and self.evaluate(block.attrs["if"].expr) is True:
                return True
        return False

    def var_files(self) -> list[Path]:
        """The `-var-file`s `extra_arguments` give `terraform plan` (the included file's
        first, a block of the unit replacing one of the same name), in order."""
        by_name: dict[str, list[Path]] = {}
        for config in [*(p for p, s in self.parents if s != "no_merge"), self]:
            for block in config.blocks("terraform"):
                for extra in block.blocks:
                    if extra.type == "extra_arguments":
                        by_name[extra.labels[0] if extra.labels else ""] = config._extra_var_files(extra)
        return [path for files in by_name.values() for path in files]

    def generated(self) -> list[GeneratedFile]:
        """The files the `generate` blocks write (the included file's first, a block of the
        unit replacing one of the same name; a disabled one writes nothing)."""
        by_name: dict[str, GeneratedFile | None] = {}
        for config in [*(p for p, s in self.parents if s != "no_merge"), self]:
            for block in config.blocks("generate"):
                if block.labels:
                    by_name[block.labels[0]] = config._generated(block)
        return [g for g in by_name.values() if g is not None]

    def _generated(self, block: Block) -> GeneratedFile | None:
        from linter.loaders import display_path

        value = {key: self.evaluate(block.attrs[key].expr) if key in block.attrs else None
                 for key in ("path", "if_exists", "disable")}
        if value["disable"] is True or not isinstance(value["path"], str):
            return None  # nothing written, or not known where (a file of another name: not read)
        contents = block.attrs.get("contents")
        text = self.evaluate(contents.expr) if contents is not None else None
        shown, first = self.shown, block.line
        if contents is not None and isinstance(text, str):
            if contents.expr[0] == "call" and contents.expr[1] == "file" and len(contents.expr[2]) == 1:
                read = self.evaluate(contents.expr[2][0])  # file(): its lines are that file's
                shown, first = (display_path(self.ctx.on_disk(self.ctx.unit_dir) / read), 1) \
                    if isinstance(read, str) else (self.shown, contents.line)
            elif contents.text.lstrip().startswith("<<") and text.count("\n") == contents.text.count("\n") - 1:
                first = contents.line + 1  # a heredoc: its text starts on the next line
            elif "\n" not in text.rstrip("\n"):
                first = contents.line
            else:
                text = None  # where each of its lines is written is not known (a value spanning lines)
        known = isinstance(text, str) and value["disable"] in (None, False)
        return GeneratedFile(os.path.normpath(value["path"]), text if known else None,
                             value["if_exists"] if isinstance(value["if_exists"], str) else None,
                             shown, first, self.shown, block.line)

    def _extra_var_files(self, extra: Block) -> list[Path]:
        """One `extra_arguments` block's `-var-file`s for plan (`var_files_known` turns False
        when which they are is not known: any variable may then be set by one)."""
        commands = self.evaluate(extra.attrs["commands"].expr) if "commands" in extra.attrs else []
        if contains_unknown(commands):
            self.var_files_known = False
        if not isinstance(commands, list) or "plan" not in commands:
            return []
        out: list[Path] = []
        given = {key: self.evaluate(extra.attrs[key].expr) if key in extra.attrs else []
                 for key in ("required_var_files", "optional_var_files", "arguments")}
        if contains_unknown(list(given.values())):
            self.var_files_known = False
        for key, required in (("required_var_files", True), ("optional_var_files", False)):
            files = given[key]
            for item in files if isinstance(files, list) else []:
                if isinstance(item, str):
                    path = self.ctx.on_disk(_named_like(self.ctx, self.ctx.unit_dir / item))
                    if required or os.path.isfile(path):
                        out.append(path)
        arguments = given["arguments"]
        words = [w for w in arguments if isinstance(w, str)] if isinstance(arguments, list) else []
        for i, word in enumerate(words):
            named = word[len("-var-file="):] if word.startswith("-var-file=") else \
                words[i + 1] if word == "-var-file" and i + 1 < len(words) else None
            if named:
                out.append(self.ctx.on_disk(_named_like(self.ctx, self.ctx.unit_dir / named)))
        return out


_UNREAD = object()


def _merge_inputs(into: dict[str, VariableValue], given: dict[str, VariableValue] | None, deep: bool) -> None:
    for name, value in (given or {}).items():
        before = into.get(name)
        if deep and before is not None:
            into[name] = VariableValue(_deep_merge(before.value, value.value), value.origin, parts=value.parts)
        else:
            into[name] = value


def _deep_merge(base: Any, over: Any) -> Any:
    """Terragrunt's deep merge: maps merged key by key, lists concatenated, else `over`."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _deep_merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(over, list):
        return base + over
    return over


def _passed_on(attr: Attr, parts: dict[str, VariableValue], values_at: dict[str, VariableValue]
               ) -> dict[str, VariableValue]:
    """`parts` (where each key of the object `attr` writes is set), with a key written as
    `values.<name>` set where the stack gives `<name>` (`values_at`)."""
    for key, item in attr.expr[1] if attr.expr[0] == "object" and values_at else []:
        if key[0] == "lit" and item[0] == "attr" and item[1][:2] == ("ref", "values") and item[2] in values_at:
            parts[str(key[1])] = values_at[item[2]]
    return parts


def _tuples(node: Any) -> Iterator[tuple[Any, ...]]:
    """Every node of an expression (a tuple), or of a block's expressions, nested ones too."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Block):
            stack.extend(attr.expr for attr in item.attrs.values())
            stack.extend(item.blocks)
            continue
        if isinstance(item, tuple):
            yield item
        if isinstance(item, (tuple, list)):
            stack.extend(x for x in item if isinstance(x, (tuple, list)))


def _names(node: Any, root: str) -> bool:
    """Whether an expression, or a block's, names `root` (`values.replicas`)."""
    return any(len(item) >= 2 and item[0] == "ref" and item[1] == root for item in _tuples(node))


def _locals_named(node: Any) -> set[str]:
    """The locals an expression names (`local.<name>`)."""
    return {item[2] for item in _tuples(node)
            if len(item) >= 3 and item[0] == "attr" and item[1] == ("ref", "local") and isinstance(item[2], str)}


def read_unit(path: Path, parsed: dict[Path, Block] | None = None, stacked: "StackUnit | None" = None
              ) -> Unit | None:
    """The unit `path` (a terragrunt.hcl); None when Terragrunt skips it (`skip`,
    `exclude`); InputError when it cannot be read. `parsed`: files parsed for the units
    read before (kept there). `stacked`: a stack's unit, run where its stack generates it
    (`path`), with its `values`."""
    from linter.loaders import display_path

    ctx = _Context(path.parent, parsed=parsed if parsed is not None else {})
    if stacked is not None:
        ctx.values, ctx.copied_from, ctx.values_at = stacked.values, stacked.copied_from, stacked.values_at
    try:
        config = _Config(path, ctx)
    except OSError as err:
        raise InputError(display_path(ctx.on_disk(path)), f"cannot read: {err.strerror}") from None
    if config.skipped():
        return None
    found = config.terraform_setting("source")
    source, line = (found[0], found[1]) if found is not None else (None, 1)
    var_files = config.var_files()
    unit = Unit(path, display_path(path) if stacked is not None else config.shown, None, None, line, config.inputs(),
                var_files, inputs_known=config.inputs_known(),
                var_files_known=all(c.var_files_known for c in [config, *(p for p, _ in config.parents)]),
                copied_from=ctx.copied_from, reads_values=_names(config.body, "values"),
                checkout_note=stacked.checkout_note if stacked is not None else None, generated=config.generated())
    excluded = config.terraform_setting("exclude_from_copy")
    if excluded is not None:
        globs = excluded[0]
        unit.exclude_from_copy = list(globs) if isinstance(globs, list) and all(isinstance(g, str) for g in globs) \
            else None
    if found is None:
        unit.module = unit.directory  # no source: Terraform runs in the unit's own directory
    elif isinstance(source, str):
        unit.source = source
        unit.module = _local_source(path.parent, source)
    else:
        unit.source = "(not known)"
    return unit


# ------------------------------------------------------------ stacks
STACK_NAME = "terragrunt.stack.hcl"
STACK_DIR = ".terragrunt-stack"  # where `terragrunt stack generate` writes a stack's units
MAX_STACK_DEPTH = 8  # stacks of stacks nested deeper than this are a loop
MAX_STACK_READS = 256  # stack files one stack file generates, at most (a stack holding itself twice doubles)


def is_stack_file(name: str) -> bool:
    return name == STACK_NAME


@dataclass
class StackUnit:
    """A `unit` block of a `terragrunt.stack.hcl`: the unit directory it copies (`copied_from`),
    where `terragrunt stack generate` writes it (`path`: its terragrunt.hcl there), and the
    `values` it gives it."""

    path: Path
    copied_from: Path
    values: Any
    values_at: dict[str, VariableValue] = field(default_factory=dict)  # where each value is written
    checkout_note: str | None = None  # copied from this checkout, for a git source naming it


@dataclass
class StackRead:
    """What a stack file deploys: its units (those of the stacks it holds included), and
    the `unit`/`stack` blocks whose source is not on disk here (`UnresolvedModule`s)."""

    units: list[StackUnit] = field(default_factory=list)
    unresolved: list[Any] = field(default_factory=list)
    reads: int = 0  # stack files read


def read_stack(path: Path, parsed: dict[Path, Block] | None = None, out: StackRead | None = None,
               runs_in: Path | None = None, values: Any = None, copied_from: Path | None = None,
               depth: int = 0, checkouts: Any = None, values_at: dict[str, VariableValue] | None = None
               ) -> StackRead:
    """The units a `terragrunt.stack.hcl` deploys, as `terragrunt stack generate` writes them:
    each `unit` block's `source` directory copied to `.terragrunt-stack/<path>` beside the
    stack file (beside it itself with `no_dot_terragrunt_stack = true`), given `values`; a
    `stack` block's source is a directory holding a stack file, generated likewise and its
    units below it. A source relative to the stack is read from the stack's directory as
    generated (`runs_in`; `copied_from`: the directory on disk it copies); a git source naming
    this checkout, from it (`checkouts`). InputError when the file cannot be read."""
    from linter.loaders import display_path
    from linter.terraform.tree import UnresolvedModule

    out = out if out is not None else StackRead()
    runs_in = runs_in if runs_in is not None else path.parent
    ctx = _Context(runs_in, parsed=parsed if parsed is not None else {}, values=values, copied_from=copied_from,
                   values_at=values_at or {})
    try:
        config = _Config(runs_in / path.name, ctx)
    except OSError as err:
        raise InputError(display_path(path), f"cannot read: {err.strerror}") from None
    for block in config.body.blocks:
        if block.type not in ("unit", "stack") or not block.labels:
            continue
        found = {key: config.evaluate(block.attrs[key].expr) if key in block.attrs else None
                 for key in ("source", "path", "values", "no_dot_terragrunt_stack")}
        source, where = found["source"], found["path"]
        if not isinstance(where, str):
            continue  # where it is generated is not known: nor what it finds from there
        generated = Path(os.path.normpath(runs_in / where if found["no_dot_terragrunt_stack"] is True
                                          else runs_in / STACK_DIR / where))
        call = f'terragrunt {display_path(path)} {block.type} "{block.labels[0]}"'
        directory = _local_source(ctx.on_disk(runs_in), source) if isinstance(source, str) else None
        checkout = checkouts.module(ctx.on_disk(runs_in), source, None, call) \
            if directory is None and isinstance(source, str) and checkouts is not None else None
        if checkout is not None:
            directory = checkout.directory
        wanted = CONFIG_NAME if block.type == "unit" else STACK_NAME
        if directory is None or not os.path.isfile(directory / wanted):
            line = block.attrs["source"].line if "source" in block.attrs else block.line
            out.unresolved.append(UnresolvedModule(
                call, source if isinstance(source, str) else None, config.shown, line,
                checkout.note if checkout is not None and checkout.directory is None else None,
                hint=f"a Terragrunt {block.type} source not in this checkout: judge its module with "
                     "`resilint scan MODULE --var-file FILE`"))
            continue
        given = found["values"] if found["values"] is not None else {}
        given_at = _passed_on(block.attrs["values"], written_parts(block.attrs["values"], config.shown) or {},
                              ctx.values_at) if "values" in block.attrs else {}
        if block.type == "unit":
            out.units.append(StackUnit(generated / CONFIG_NAME, directory, given, given_at,
                                       checkout.note if checkout is not None else None))
        elif depth < MAX_STACK_DEPTH and out.reads < MAX_STACK_READS:
            out.reads += 1
            read_stack(directory / STACK_NAME, ctx.parsed, out, generated, given, directory, depth + 1, checkouts,
                       given_at)
    return out


# ------------------------------------------------------------ functions
def _call(config: _Config, name: str, args: list[Any]) -> Any:
    """A function call in a Terragrunt file: Terragrunt's worked out here, Terraform's by the library."""
    ctx = config.ctx
    if name in COMMAND_LISTS:
        return list(COMMAND_LISTS[name])
    if name in NOT_KNOWN_HERE:
        return Unknown(f"{name}()")
    if contains_unknown(args) and name.startswith(("find_", "get_", "path_", "read_")):
        return Unknown(f"{name}()")
    if name == "find_in_parent_folders":
        return _find_up(ctx.unit_dir, str(args[0]) if args else DEFAULT_PARENT,
                        args[1] if len(args) > 1 else None)
    if name in ("get_terragrunt_dir", "get_original_terragrunt_dir"):
        return str(ctx.unit_dir.resolve())
    if name == "get_parent_terragrunt_dir":
        included = _included(ctx, args)
        return str(included.parent.resolve()) if included is not None else str(ctx.unit_dir.resolve())
    if name in ("path_relative_to_include", "path_relative_from_include"):
        included = _included(ctx, args)
        if included is None:
            return "."
        there, here = included.parent.resolve(), ctx.unit_dir.resolve()
        return os.path.relpath(here, there) if name == "path_relative_to_include" else os.path.relpath(there, here)
    if name in ("get_repo_root", "get_path_from_repo_root", "get_path_to_repo_root"):
        top = git_top(Path(os.path.realpath(ctx.unit_dir)))
        if top is None:
            return Unknown(f"{name}()")
        here = ctx.unit_dir.resolve()
        return str(top) if name == "get_repo_root" else os.path.relpath(here, top) \
            if name == "get_path_from_repo_root" else os.path.relpath(top, here)
    if name == "get_env":
        if not args:
            return Unknown("get_env()")
        value = os.environ.get(str(args[0]))
        return value if value is not None else args[1] if len(args) > 1 else Unknown(f"get_env({args[0]!r})")
    if name == "get_platform":
        return {"win32": "windows"}.get(sys.platform, sys.platform)
    if name == "get_terraform_command":
        return "plan"
    if name == "read_terragrunt_config":
        return _read_config(config, args)
    if name == "read_tfvars_file":
        return _read_tfvars(ctx.on_disk(ctx.unit_dir), args)
    from linter.terraform import functions

    return functions.call_function(name, args, functions.FunctionContext(base_dir=ctx.on_disk(ctx.unit_dir)))


def _read_config(config: _Config, args: list[Any]) -> Any:
    if not args or not isinstance(args[0], str):
        return Unknown("read_terragrunt_config()")
    path = config.ctx.on_disk(_named_like(config.ctx, config.ctx.unit_dir / args[0]))
    if not os.path.isfile(path):
        return args[1] if len(args) > 1 else Unknown(f"read_terragrunt_config({args[0]!r})")
    if config.ctx.reads >= MAX_READS:
        return Unknown(f"read_terragrunt_config({args[0]!r})")
    ctx = _Context(path.parent, reads=config.ctx.reads + 1, parsed=config.ctx.parsed)
    try:
        return _Config(path, ctx).exposed()
    except (InputError, OSError):
        return Unknown(f"read_terragrunt_config({args[0]!r})")


def _named_like(ctx: _Context, path: Path) -> Path:
    """`path` (what a function gave: absolute) named as the unit is, so that messages show
    it as the scan shows the unit: relative to where resilint runs when the unit's path is."""
    path = Path(os.path.normpath(path))
    if path.is_absolute() and not ctx.unit_dir.is_absolute():
        return Path(os.path.relpath(path))
    return path


def _included(ctx: _Context, args: list[Any]) -> Path | None:
    label = str(args[0]) if args else ""
    return ctx.included.get(label)


def _find_up(start: Path, name: str, fallback: Any) -> Any:
    """find_in_parent_folders(): the first `name` in a directory above `start`."""
    current = start.resolve().parent
    for _ in range(100):
        candidate = current / name
        if os.path.exists(candidate):
            return str(candidate)
        if current.parent == current:
            break
        current = current.parent
    return fallback if fallback is not None else Unknown(f"find_in_parent_folders({name!r})")


def _read_tfvars(directory: Path, args: list[Any]) -> Any:
    """read_tfvars_file(): the variables a `.tfvars` file sets, as a JSON string."""
    from linter.loaders import read_text
    from linter.terraform.syntax import parse_tfvars

    if not args or not isinstance(args[0], str):
        return Unknown("read_tfvars_file()")
    path = Path(os.path.normpath(directory / args[0]))
    try:
        text = read_text(path, str(path))
        if path.name.endswith(".json"):
            return json.dumps(json.loads(text))
        evaluator = Evaluator(lambda n, a, s: Unknown(n))
        attrs = parse_tfvars(text, str(path))
        values = {name: evaluator.evaluate(attr.expr, Scope(None)) for name, attr in attrs.items()}
    except (InputError, OSError, ValueError, RecursionError):
        return Unknown(f"read_tfvars_file({args[0]!r})")
    encoded = None if contains_unknown(values) else _json(values)
    return encoded if encoded is not None else Unknown(f"read_tfvars_file({args[0]!r})")


def _local_source(unit_dir: Path, source: str) -> Path | None:
    """The directory a local `terraform.source` plans (`../../modules//db`: the part after
    `//` is the directory within the copied root); None for a remote source."""
    if "::" in source or "://" in source or source.startswith(("git@", "github.com/", "bitbucket.org/")):
        return None
    path = source.split("?", 1)[0]
    root, _, sub = path.partition("//")
    directory = Path(os.path.normpath(unit_dir / root / sub)) if not os.path.isabs(root) else \
        Path(os.path.normpath(Path(root) / sub))
    return directory if os.path.isdir(directory) else None


def is_unit_file(name: str) -> bool:
    return name == CONFIG_NAME


def is_terragrunt_file(name: str) -> bool:
    """A unit or a stack: Terragrunt's, read for what it deploys, not part of a module."""
    return name in (CONFIG_NAME, STACK_NAME)


TEMPLATE_SKIPPED = ("a template of Terragrunt units or stacks (`{{ ... }}`: boilerplate for `terragrunt scaffold`), "
                    "not one")
STACK_UNIT_SKIPPED = ("a unit of Terragrunt stacks (it reads `values`), and no `terragrunt.stack.hcl` of its "
                      "repository deploys it: judged where one does, with the values it gives")


def is_boilerplate(directory: Path) -> bool:
    """Whether a directory holds a boilerplate template (`boilerplate.yml` beside its files:
    what `terragrunt scaffold` and Terragrunt catalogs render units from)."""
    return any(os.path.isfile(directory / name) for name in ("boilerplate.yml", "boilerplate.yaml"))


def is_template(path: Path) -> bool:
    """Whether a `terragrunt.hcl` that does not parse holds Go template actions (`{{ .Name }}`,
    `{{- range }}`): a template for units, not HCL yet."""
    from linter.loaders import read_text

    try:
        return "{{" in read_text(path, str(path))
    except (InputError, OSError):
        return False


def plan_units(files_of: dict[Path, list[Path]], options: dict[str, Any], checkouts: Any
               ) -> tuple[dict[Path, list[Path]], list[InputError], list[Any]]:
    """The scanned directories with their units read: a unit's directory is no Terraform
    module (its `terragrunt.hcl` is left out of it, and it is dropped when nothing else is
    left), the module each unit plans is scanned (added when the scan did not reach it),
    and `options["terragrunt_units"]` maps each such module's real path to its units, in
    scanned order. A module whose files the command line named (pre-commit staged
    `modules/db/main.tf`) and that no unit of the scan plans is judged with the units of its
    repository that plan it (`_units_in_repository`), as a staged `.tf` judges every
    environment of its root. Returns the directories, the units' errors, and the sources
    not followed (`UnresolvedModule`s)."""
    from linter.loaders import display_path
    from linter.loaders.terraform import MODULE_SUFFIXES
    from linter.terraform.modules import is_config_file
    from linter.terraform.tree import UnresolvedModule

    named = options.get("named_in_units") or {}
    staged = [d for d, files in files_of.items() if os.path.realpath(d) in named
              and any(f.name.endswith(MODULE_SUFFIXES) for f in files)]
    if not staged and not any(is_terragrunt_file(f.name) for files in files_of.values() for f in files):
        return files_of, [], []
    out: dict[Path, list[Path]] = {}
    parsed: dict[Path, Block] = {}
    # a module the scan reached is planned under the name it has there (one load, one name)
    by_real = {os.path.realpath(d): d for d, files in files_of.items()
               if any(not is_terragrunt_file(f.name) for f in files)}
    units: dict[str, list[Unit]] = {}
    errors: list[InputError] = []
    unresolved: list[Any] = []
    read: set[str] = set()

    def take(path: Path, only: str | None = None, stacked: StackUnit | None = None) -> None:
        """Read the unit `path`; with `only` (a module's real path), keep it only when it
        plans that module, and say nothing of it otherwise (it is not the scan's); `stacked`:
        a stack's unit, `path` where the stack generates it."""
        if stacked is None:
            read.add(os.path.realpath(path))
        try:
            if stacked is None and is_boilerplate(path.parent):  # `terragrunt scaffold`'s template, not a unit
                return skip_template(path, only)
            unit = read_unit(path, parsed, stacked)
        except InputError as err:  # the unit's, or a file it includes (once, however many include it)
            if err.file == display_path(path) and is_template(path):
                return skip_template(path, only)
            if only is None and not any((e.file, e.line, e.message) == (err.file, err.line, err.message)
                                        for e in errors):
                errors.append(err)
            return
        except RecursionError:
            if only is None:
                errors.append(InputError(display_path(path), "expressions nested too deeply to read"))
            return
        except Exception as exc:  # last resort: a bug reading one unit costs that unit, not the scan
            if only is None:
                errors.append(InputError.internal(display_path(path), "reading the Terragrunt unit", exc))
            return
        if unit is None:
            return  # not planned by Terragrunt: nothing to judge
        if stacked is None and unit.reads_values:  # run alone, Terragrunt refuses `values`
            if only is None:
                catalog.append(path)
            return
        if unit.module is None and unit.source is not None:
            _from_checkout(unit, checkouts)
        # `only`: the module it plans, or its own directory (copied into the module: a staged `.tf` of it)
        if only is not None and (unit.module is None or only not in (
                os.path.realpath(unit.module), os.path.realpath(unit.directory) if unit.source is not None else None)):
            return
        if unit.module is None:
            written_in = display_path(unit.directory / CONFIG_NAME) if stacked else unit.shown
            unresolved.append(UnresolvedModule(
                f"terragrunt {unit.shown}", unit.source, written_in, unit.source_line, unit.not_followed,
                hint="a Terragrunt source not in this checkout: judge the module with "
                     "`resilint scan MODULE --var-file FILE`"))
            return
        try:
            names = sorted(os.listdir(unit.module))
        except OSError:
            names = []
        module_files = [unit.module / n for n in names if is_config_file(n) and os.path.isfile(unit.module / n)]
        if not module_files:
            return  # a file other units include (a root terragrunt.hcl): nothing is planned here
        real = os.path.realpath(unit.module)
        if unit.source is not None and os.path.realpath(unit.directory) != real:
            copied.add(os.path.realpath(unit.directory))  # its files join the module's in Terragrunt's copy
        if real in by_real:
            unit.module = by_real[real]
        else:  # named as the unit is: relative to where resilint runs when the unit's path is
            if not path.is_absolute():
                unit.module = Path(os.path.relpath(unit.module))
            by_real[real] = unit.module
            out.setdefault(unit.module, [unit.module / f.name for f in module_files])
        units.setdefault(real, []).append(unit)

    def skip_template(path: Path, only: str | None) -> None:
        if only is None:
            options.setdefault("skipped_files", []).append((display_path(path), TEMPLATE_SKIPPED))

    copied: set[str] = set()  # unit directories whose configuration files are copied into a module elsewhere
    catalog: list[Path] = []  # units of stacks the scan names: judged as the stacks deploy them
    deployed: set[str] = set()  # the unit directories the scan's stacks deploy (real paths)
    for directory, files in files_of.items():
        own = [f for f in files if not is_terragrunt_file(f.name)]
        if own:
            out.setdefault(directory, own)
        for path in (f for f in files if is_unit_file(f.name)):
            take(path)
        for path in (f for f in files if is_stack_file(f.name)):
            if is_boilerplate(path.parent):
                skip_template(path, None)
                continue
            try:
                stack = read_stack(path, parsed, checkouts=checkouts)
            except InputError as err:
                if err.file == display_path(path) and is_template(path):
                    skip_template(path, None)
                else:
                    errors.append(err)
                continue
            except RecursionError:
                errors.append(InputError(display_path(path), "expressions nested too deeply to read"))
                continue
            except Exception as exc:  # last resort: a bug reading one stack costs that stack, not the scan
                errors.append(InputError.internal(display_path(path), "reading the Terragrunt stack", exc))
                continue
            unresolved.extend(stack.unresolved)
            for stacked in stack.units:
                deployed.add(os.path.realpath(stacked.copied_from))
                take(stacked.path, stacked=stacked)
    walked: dict[Path, list[Path]] = {}  # a repository's units and stacks, by its top
    for path in catalog:  # a unit of stacks named alone (pre-commit): as its repository's stacks deploy it
        real = os.path.realpath(path.parent)
        if real in deployed:
            continue
        top = git_top(Path(real))
        if top is not None and top not in walked:
            walked[top] = _units_in_repository(top, path, options.get("exclusions"))
        found = [stacked for stack in (walked[top] if top is not None else []) if is_stack_file(stack.name)
                 for stacked in _stack_units(stack, parsed, checkouts)
                 if os.path.realpath(stacked.copied_from) == real]
        for stacked in found:
            take(stacked.path, stacked=stacked)
        deployed.add(real)
        if not found:
            options.setdefault("skipped_files", []).append((display_path(path), STACK_UNIT_SKIPPED))
    for module in staged:
        real = os.path.realpath(module)
        top = git_top(Path(real)) if real not in units else None
        if top is not None:
            if top not in walked:
                walked[top] = _units_in_repository(top, module, options.get("exclusions"))
            for path in walked[top]:
                if is_stack_file(path.name):
                    for stacked in _stack_units(path, parsed, checkouts):
                        take(stacked.path, only=real, stacked=stacked)
                elif os.path.realpath(path) not in read:
                    take(path, only=real)
    if units:
        options["terragrunt_units"] = units
    # a unit's own directory is not planned alone: Terraform runs in the module, its files joined
    out = {d: files for d, files in out.items() if os.path.realpath(d) not in copied - set(units)}
    return out, errors, unresolved


# directories a search of a repository for units looks into at most: past it, a staged
# module is judged bare (as without units) rather than a commit waiting on the search
MAX_SEARCHED_DIRECTORIES = 20_000


def _units_in_repository(top: Path, near: Path, exclusions: Exclusions | None = None) -> list[Path]:
    """Every `terragrunt.hcl` and `terragrunt.stack.hcl` of the repository whose top is `top`, named as `near` is
    (relative to where resilint runs, or not), skipping what a scan skips (and what
    `exclusions` name); none when the repository is too big to search
    (MAX_SEARCHED_DIRECTORIES)."""
    from linter.loaders import SKIP_DIRS

    found: list[Path] = []
    searched = 0
    for directory, subdirs, names in os.walk(top):  # `top` is real: so is every directory walked
        searched += 1
        if searched > MAX_SEARCHED_DIRECTORIES:
            return []
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and not d.startswith("."))
        if exclusions is not None:
            names = exclusions.prune(directory, subdirs, names)
        for name in (CONFIG_NAME, STACK_NAME):
            if name in names:
                path = Path(directory) / name
                found.append(path if near.is_absolute() else Path(os.path.relpath(path)))
    return found


def _stack_units(path: Path, parsed: dict[Path, Block], checkouts: Any) -> list[StackUnit]:
    """The units a stack file of the repository deploys (none when it cannot be read: a
    file the scan did not name is not the scan's to report)."""
    try:
        return [] if is_boilerplate(path.parent) else read_stack(path, parsed, checkouts=checkouts).units
    except Exception:  # noqa: BLE001 - any failure: its units are not known, and not this scan's to report
        return []


def _from_checkout(unit: Unit, checkouts: Any) -> None:
    """A git or registry (`tfr:///NAMESPACE/NAME/PROVIDER?version=V`) source naming this
    checkout: read from it (terraform/checkout.py), at the release it asks for."""
    from linter.terraform.checkout import query_value

    source, constraint = unit.source or "", None
    if source.startswith("tfr://"):
        address, _, query = source[len("tfr://"):].partition("?")
        constraint = query_value(query, "version")
        source = address.lstrip("/")
    found = checkouts.module(unit.directory, source, constraint, f"terragrunt {unit.shown}")
    if found is None:
        return
    if found.directory is None:
        unit.not_followed = found.note
    else:
        unit.module, unit.checkout_note = found.directory, found.note
