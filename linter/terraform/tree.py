"""Roots and their module trees -> `Resource`s (the shape rules read: see linter/loaders/hcl.py)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from linter.model import (MODULE_INSTALL_HINT, TEMPLATE_MODULE, InputError, Location, Resource, RootJudge, Unknown,
                          Verdict)
from linter.loaders.terraform_helm import HELM_RELEASE, VALUES_FILES
from linter.normalize.terraform_k8s import MANIFESTS
from linter.environments import ENVIRONMENT_DEPTH, layered
from linter.terraform.checkout import CheckoutModule, Checkouts
from linter.terraform.expressions import Evaluator, Scope
from linter.terraform.modules import (
    MAX_MODULE_DEPTH, RESOURCE_META, MODULE_META, BodyBuilder, ModuleConfig, ModuleInstance, VariableValue, WrittenInOverride,
    WrittenVariables, auto_loaded, enabled_attr, expansion_key, expansion_unknown, is_auto_loaded, is_config_file,
    read_config, root_variable_values, template_scope, unknown_variable,
)
from linter.terraform.syntax import Block, parse_hcl, parse_json_config, template_expr

if TYPE_CHECKING:
    from linter.terraform.terragrunt import GeneratedFile, Unit


@dataclass
class UnresolvedModule:
    address: str
    source: str | None
    file: str
    line: int
    reason: str | None = None  # why, when it is not that nothing is installed (another release than this checkout)
    hint: str = MODULE_INSTALL_HINT

    def to_dict(self) -> dict[str, Any]:
        out = {"module": self.address, "source": self.source, "file": self.file, "line": self.line,
               "hint": self.hint}
        if self.reason is not None:
            out["reason"] = self.reason
        return out


_FUNCTIONS: list[Any] = []  # linter.terraform.functions, imported on the first call (an import per call costs)


def _import_functions() -> Any:
    import linter.terraform.functions as functions

    _FUNCTIONS.append(functions)
    return functions


class ModuleTree:
    def __init__(self, options: dict[str, Any] | None = None):
        self.options = options or {}
        self.errors: list[InputError] = []
        self._error_keys: set[tuple[Any, ...]] = set()
        self.configs: dict[Path, ModuleConfig | None] = {}
        self.manifests: dict[Path, dict[str, str]] = {}
        self.resources: list[Resource] = []
        self.unresolved: list[UnresolvedModule] = []
        self.checkouts = Checkouts(lambda d: self.config_of(d, quiet=True))
        self.evaluator = Evaluator(self._call)
        # cycles met (a value computed while it was being computed): a value computed with
        # none on the way is the same whichever instance asked first (see raw_attribute)
        self.fallbacks = 0
        self._contexts: dict[Path, Any] = {}
        # the scanned directories and their files: a scanned directory reached as a child
        # module is read as it was scanned, and its errors are reported (see config_of)
        self.scanned_files: dict[Path, list[Path]] = {}

    # ------------------------------------------------------------ functions
    def _call(self, name: str, args: list[Any], scope: Scope) -> Any:
        functions = _FUNCTIONS[0] if _FUNCTIONS else _import_functions()
        # relative paths in file functions are relative to where terraform runs: the root module
        base = scope.module.root.config.directory if scope.module is not None else Path(".")
        ctx = self._contexts.get(base)
        if ctx is None:  # one per module directory, not one per call
            ctx = self._contexts[base] = functions.FunctionContext(base_dir=base, render_template=self.render_template)
        return functions.call_function(name, args, ctx)

    def render_template(self, text: str, variables: dict[str, Any]) -> Any:
        """templatefile(): Terraform template text rendered with the given variables only."""
        node = template_expr(text, "templatefile")
        return self.evaluator.eval(node, Scope(None, dict(variables)))

    def add_error(self, err: InputError) -> None:
        key = (err.file, err.line, err.message)
        if key not in self._error_keys:
            self._error_keys.add(key)
            self.errors.append(err)

    # ------------------------------------------------------------ configs
    def config_of(self, directory: Path, files: list[Path] | None = None, quiet: bool = False) -> ModuleConfig | None:
        if directory in self.configs:
            return self.configs[directory]
        if directory in self.scanned_files:
            quiet = False
        files = self._module_files(directory, files)
        errors: list[InputError] = []
        config: ModuleConfig | None = read_config(directory, files, errors)
        if quiet and errors:
            config = None  # third-party code that does not parse: its call stays opaque
        else:
            for err in errors:
                self.add_error(err)
        self.configs[directory] = config
        return config

    def _module_files(self, directory: Path, files: list[Path] | None = None) -> list[Path]:
        """A module's configuration files: as scanned, else as given, else those on disk."""
        if directory in self.scanned_files:
            return self.scanned_files[directory]
        if files is not None:
            return files
        try:
            return [directory / n for n in os.listdir(directory) if is_config_file(n) and os.path.isfile(directory / n)]
        except OSError:
            return []

    def unit_config(self, directory: Path, config: ModuleConfig, unit: Unit) -> ModuleConfig | None:
        """The module a Terragrunt unit plans, as Terraform finds it in Terragrunt's copy: the
        module's files, the unit directory's copied over them (a source elsewhere), then what
        the unit's `generate` blocks write (`if_exists` deciding over a file of the same name).
        `config` itself when that changes nothing Terraform evaluates (the unit's directory
        holds no configuration file, and what is generated declares nothing but `provider`
        and `terraform` blocks over files that do not either); None when Terragrunt stops
        before planning."""
        from linter.loaders import display_path, read_text

        # each file Terraform finds, by name: (on disk, shown, the text written there, its first line)
        found: dict[str, tuple[Path | None, str, str | None, int]] = {
            p.name: (p, display_path(p), None, 1) for p in self._module_files(directory)}
        changed = False
        if unit.source is not None and os.path.realpath(unit.directory) != os.path.realpath(directory):
            for path in self._module_files(unit.directory):
                if unit.copies(path.name):
                    found[path.name] = (path, display_path(path), None, 1)
                    changed = True
        for generated in unit.generated:
            name = generated.name
            if os.path.dirname(name) or not is_config_file(name):
                continue  # not a configuration file of the directory Terraform plans
            there = found.get(name)
            if there is not None:
                try:
                    text = there[2] if there[2] is not None else read_text(there[0], there[1]) if there[0] else ""
                except (InputError, OSError):
                    text = ""
                mode = self._if_exists(generated, text, there[1])
                if mode == "skip":
                    continue
                if mode == "error":
                    return None
                if _declares(text, name, there[1]):
                    del found[name]  # replaced (or, not known here, maybe): what it declared is not
                    changed = True
            if generated.text is not None and (there is None or generated.if_exists is not None) \
                    and _declares(generated.text, name, generated.shown):
                found[name] = (None, generated.shown, generated.text, generated.first_line)
                changed = True
        if not changed:
            return config
        errors: list[InputError] = []
        own = read_config(directory, [path for path, _, text, _ in found.values() if text is None and path],
                          errors, [(name, shown, text, first) for name, (_, shown, text, first) in found.items()
                                   if text is not None])
        for err in errors:
            self.add_error(err)
        return own

    def _if_exists(self, generated: GeneratedFile, text: str, shown: str) -> str | None:
        """What Terragrunt does when `generated` would write over a file there (`shown`, holding
        `text`): its `if_exists` (None: not known); "error", with the error added, when it stops
        before planning (`overwrite_terragrunt` overwrites only what Terragrunt generated)."""
        from linter.terraform.terragrunt import GENERATED_SIGNATURE

        mode = generated.if_exists
        if mode == "overwrite_terragrunt" and GENERATED_SIGNATURE not in text[:200]:
            mode = "error"
        if mode == "error":
            self.add_error(InputError(generated.block, f"generate writes {generated.name}, which {shown} "
                                      "already is: Terragrunt stops before planning (if_exists = "
                                      f'"{generated.if_exists}")', generated.block_line))
        return mode

    def written_variables(self, directory: Path, unit: Unit) -> list[WrittenVariables] | None:
        """The variable files Terraform loads by itself (`terraform.tfvars`, `*.auto.tfvars`)
        that the unit's `generate` blocks write where it plans (over the module's, and the
        unit directory's copied there, as `if_exists` says); None when Terragrunt stops first."""
        from linter.loaders import display_path, read_text

        out: list[WrittenVariables] = []
        for generated in unit.generated:
            name = generated.name
            if os.path.dirname(name) or not is_auto_loaded(name):
                continue
            copied = unit.source is not None and os.path.realpath(unit.directory) != os.path.realpath(directory)
            there = next((d / name for d in ([unit.directory] if copied and unit.copies(name) else []) + [directory]
                          if os.path.isfile(d / name)), None)
            if there is not None:
                try:
                    text = read_text(there, display_path(there))
                except (InputError, OSError):
                    text = ""
                mode = self._if_exists(generated, text, display_path(there))
                if mode == "skip":
                    continue
                if mode == "error":
                    return None
            # whether it replaces the file there not known: what Terraform reads is not either
            known = generated.text if there is None or generated.if_exists is not None else None
            out.append(WrittenVariables(name, known, generated.shown, generated.first_line))
        return out

    @staticmethod
    def call_argument(block: Block, caller: ModuleInstance | None = None, key: str = "source") -> str | None:
        """A module call's `source` (or `version`, `key`): its text, or, written as an expression of
        variables and locals (OpenTofu evaluates both before anything else, 1.8+), its value
        in the `caller`'s module; None when that is not known."""
        attr = block.attrs.get(key)
        if attr is None:
            return None
        if attr.expr[0] == "lit" or caller is None:
            return attr.expr[1] if attr.expr[0] == "lit" and isinstance(attr.expr[1], str) else None
        value = caller.guarded(key, lambda: caller.evaluator.evaluate(attr.expr, caller.scope), lambda: None)
        return value if isinstance(value, str) else None

    def is_local_source(self, block: Block, caller: ModuleInstance | None = None) -> bool:
        source = self.call_argument(block, caller)
        return source is not None and (source.startswith(("./", "../")) or source in (".", ".."))

    def local_child_dir(self, directory: Path, block: Block, caller: ModuleInstance | None = None) -> Path | None:
        if not self.is_local_source(block, caller):
            return None
        child = Path(os.path.normpath(directory / (self.call_argument(block, caller) or ".")))
        return child if os.path.isdir(child) else None

    def module_dir(self, instance: ModuleInstance, name: str, block: Block) -> tuple[Path | None, str | None]:
        """The directory a call reads, and, when that is this checkout standing in for
        a registry release, the note its findings carry (see terraform/checkout.py)."""
        if self.is_local_source(block, instance):
            return self.local_child_dir(instance.config.directory, block, instance), None
        installed = self.installed_dir(instance.root.config.directory, ".".join(instance.keys + (name,)))
        if installed is not None:
            return installed, None
        checkout = self.checkout_module(instance.config.directory, block, instance.qualify(f"module.{name}"), instance)
        return (checkout.directory, checkout.note) if checkout is not None and checkout.directory else (None, None)

    def installed_dir(self, root: Path, key: str) -> Path | None:
        """Where `terraform init` in `root` installed the call `key` (modules.json's Key)."""
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
        found = manifest.get(key)
        if not found:
            return None
        child = Path(os.path.normpath(root / found))
        return child if os.path.isdir(child) else None

    def checkout_module(self, directory: Path, block: Block, call: str,
                        caller: ModuleInstance | None = None) -> CheckoutModule | None:
        """The checkout a registry call from `directory` names, when it is the repository scanned."""
        source = self.call_argument(block, caller)
        if source is None:
            return None
        constraint = self.call_argument(block, caller, "version")
        if "version" in block.attrs and constraint is None:
            return None  # a constraint not known as a string: which release is unknown
        return self.checkouts.module(directory, source, constraint, call)

    def called_dir(self, directory: Path, block: Block) -> Path | None:
        """The directory a root's call reads when it is on disk: a local source, or this
        checkout for its own registry address (not when `terraform init` installed the call).
        A source written as an expression is evaluated with the directory's own defaults."""
        caller = None
        config = self.config_of(directory) if block.attrs.get("source") is not None and \
            block.attrs["source"].expr[0] != "lit" else None
        if config is not None:
            caller = ModuleInstance(self, config, None, None, None, None, (), 0)
        if self.is_local_source(block, caller):
            return self.local_child_dir(directory, block, caller)
        if self.installed_dir(directory, block.labels[0] if block.labels else "") is not None:
            return None
        checkout = self.checkout_module(directory, block, "", caller)
        return checkout.directory if checkout is not None else None

    @staticmethod
    def stack_dirs(instance: ModuleInstance) -> set[Path]:
        out = set()
        cur: ModuleInstance | None = instance
        while cur is not None:
            out.add(cur.config.directory)
            cur = cur.caller.caller if cur.caller is not None else None
        return out

    # ------------------------------------------------------------ roots
    def load_root(self, directory: Path, files: list[Path] | None = None) -> None:
        """A root as Terraform plans it: once, or, when variable files Terraform reads only
        with `-var-file` lie beside it (`prod.tfvars`, `fixtures.us-east-2.tfvars`) and the
        scan gives none, once with each of them (an environment: see `environment_files`)."""
        from linter.loaders import display_path

        config = self.config_of(directory, files)
        if config is None:
            return
        settings = list(self.options.get("terraform_variables") or [])
        given = any(kind == "file" for kind, _ in settings)
        units = (self.options.get("terragrunt_units") or {}).get(os.path.realpath(directory))
        environments: list[tuple[list[Path], Path] | None] = [None]
        if units:  # deployed by Terragrunt units: once with each unit's inputs, not bare
            environments = [(unit.var_files, unit.file) for unit in units]
        elif not given:
            environments = [*layered(environment_files(directory, config), lambda f: f.name.split(".", 1)[0])] or [None]
            environments = _named_environments(environments, self.options.get("named_in_units", {}).get(
                os.path.realpath(directory)))
        planned = config
        for n, environment in enumerate(environments):
            errors: list[InputError] = []
            files = environment[0] if environment is not None else []
            unit = units[n] if units else None
            found = self.unit_config(directory, planned, unit) if unit is not None else planned
            if found is None:
                continue  # Terragrunt stops before planning
            config = found
            written = self.written_variables(directory, unit) if unit is not None else []
            if written is None:
                continue  # Terragrunt stops before planning
            # the variable files of a unit's directory Terragrunt copies over its module (read as the module's)
            copied = [unit.directory / n for n in auto_loaded(unit.directory) if unit.copies(n)] \
                if unit is not None and unit.source is not None else []
            # -var-file first (a shared file before the environment's own), then --var, as terraform applies them
            variables = root_variable_values(
                directory, config, self.evaluator, [("file", str(f)) for f in files] + settings, errors,
                unit.tf_var_values(config) if unit is not None else None, copied, written)
            for err in errors:
                self.add_error(err)
            if any(err.file == display_path(f) for err in errors for f in files):
                continue  # terraform plans nothing with a variable file it cannot read
            if unit is not None and not unit.var_files_known:  # a -var-file not known here may set any
                variables = {name: VariableValue(unknown_variable(name), f"set by {unit.shown}")
                             for name in config.variables}
            root = ModuleInstance(self, config, None, variables, None, None, (), 0)
            if unit is not None and unit.checkout_note is not None:
                root.checkout_note = unit.checkout_note
            start = len(self.resources)
            self.build(root)
            if environment is not None:
                shown = display_path(environment[1])
                option = "terragrunt" if unit is not None else "-var-file"
                scope = f"{display_path(directory)} with {option} {shown}"  # each environment a world of its own
                for resource in self.resources[start:]:
                    resource.meta.update(environment=shown, environment_option=option, scope=scope)
                    if copied:  # variable files a unit's directory gives its module
                        resource.meta["variable_files"] = [display_path(f) for f in copied]

    # ------------------------------------------------------------ resources
    def build(self, instance: ModuleInstance) -> None:
        from linter.loaders import display_path

        root_shown = display_path(instance.root.config.directory) if instance.address else None
        for key, block in instance.config.resources.items():
            try:
                self._build_resources(instance, key, block, root_shown)
            except InputError as err:
                self.add_error(err)
            except RecursionError:
                self.add_error(InputError(block.file, "expression nested too deeply", block.line))
            except Exception as exc:  # last resort: one block's evaluation bug costs only that block
                self.add_error(InputError.internal(block.file, f"evaluating {instance.qualify(key)}", exc, block.line))
        for name, block in instance.config.modules.items():
            try:
                children = instance.children(name)
            except (InputError, RecursionError):
                raise
            except Exception as exc:  # as above: the call's resources are lost, not the root's
                self.add_error(InputError.internal(block.file, f"evaluating {instance.qualify(f'module.{name}')}", exc,
                                              block.line))
                continue
            if isinstance(children, Unknown):
                if _none_for_sure(instance, block):
                    continue
                template = instance.template_child(name, children)
                if template is not None:  # judged once, as a resource block of unknown count is
                    self.build(template)
                else:
                    self._module_resource(instance, name, block, instance.qualify(f"module.{name}"),
                                          instance.scope, children, root_shown)
                continue
            for address, child, scope in children:
                if child is not None:
                    self.build(child)
                else:
                    self._module_resource(instance, name, block, address, scope, None, root_shown)

    def _build_resources(self, instance: ModuleInstance, key: str, block: Block, root_shown: str | None) -> None:
        found = instance.instances(key)
        if isinstance(found, Unknown) and _none_for_sure(instance, block):
            return
        if isinstance(found, Unknown):
            # judged once as a template: what depends on the index is unknown
            template_address = instance.qualify(key)
            key_of, waits_on = expansion_unknown(block, found, template_address)
            self.resources.append(self._resource(instance, key, block, template_address,
                                                 template_scope(instance.scope), {key_of: waits_on},
                                                 root_shown, shared=False))
            return
        for address, scope, ikey in found:
            meta: dict[str, Any] = {}
            if ikey is not None:
                meta["instance_key"] = ikey
                if "count" in block.attrs:
                    meta["count_index"] = scope.names["count"]["index"]
                else:
                    meta["each_key"] = scope.names["each"]["key"]
            self.resources.append(self._resource(instance, key, block, address, scope, meta, root_shown, shared=True))

    def _resource(self, instance: ModuleInstance, key: str, block: Block, address: str, scope: Scope,
                  meta: dict[str, Any], root_shown: str | None, shared: bool) -> Resource:
        builder = BodyBuilder(instance, scope, block.attrs.get("for_each"))
        raw = instance.raw_attribute(key, address, scope) if shared else None
        attrs = builder.body(block, scope, "", RESOURCE_META, attribute=raw)
        kind = block.type
        rtype, name = block.labels
        resource = Resource(
            type=f"data.{rtype}" if kind == "data" else rtype,
            address=address,
            attrs=attrs,
            location=Location(block.file, block.line),
            source_format="hcl",
            name=name,
            raw_type=rtype,
        )
        resource.meta.update(meta)
        resource.meta["module"] = instance.address
        if instance.template is not None:
            resource.meta[TEMPLATE_MODULE] = instance.template
        if root_shown is not None:
            resource.meta["root"] = root_shown
        if builder.defaults:
            resource.meta["from_variable_default"] = builder.defaults
        if builder.origins:
            resource.meta["value_origin"] = builder.origins
        if builder.heredocs:
            resource.meta["heredocs"] = builder.heredocs
        if instance.checkout_note is not None:
            resource.meta["module_checkout"] = instance.checkout_note
        if rtype in MANIFESTS and kind == "resource":
            applied = _manifest_file(instance, block.attrs.get(MANIFESTS[rtype]), scope)
            if applied is not None:
                resource.meta["manifest_file"], resource.meta["manifest_file_shown"] = applied
        if rtype == HELM_RELEASE and kind == "resource":  # values files it reads: value notes can name them
            read = _values_files(instance, block.attrs.get("values"), scope)
            if read:
                resource.meta[VALUES_FILES] = read
        resource.refs = {path: list(v.refs) for path, v in unknown_leaves(attrs) if v.refs}
        for path, named in builder.known_refs.items():  # as a plan's configuration keeps them
            resource.refs.setdefault(path, named)
        resource.line_of = builder.lines
        if builder.overridden:
            resource.written_elsewhere = WrittenInOverride(builder.lines, builder.overridden)
        return resource

    def _module_resource(self, instance: ModuleInstance, name: str, block: Block, address: str, scope: Scope,
                         unknown: Unknown | None, root_shown: str | None) -> None:
        """A call the scan cannot follow: a `module` resource (no rule declares it) with what it receives."""
        builder = BodyBuilder(instance, scope if unknown is None else instance.scope.child(
            count={"index": Unknown("count.index")}, each={"key": Unknown("each.key"), "value": Unknown("each.value")}))
        attrs = builder.body(block, builder.scope, "", MODULE_META - {"source", "version"})
        resource = Resource(type="module", address=address, attrs=attrs, location=Location(block.file, block.line),
                            source_format="hcl", name=name, raw_type="module")
        resource.meta["module"] = instance.address
        if instance.template is not None:
            resource.meta[TEMPLATE_MODULE] = instance.template
        resource.meta["source"] = attrs.get("source")
        if root_shown is not None:
            resource.meta["root"] = root_shown
        if unknown is not None:
            resource.meta[expansion_key(block)] = unknown
        if builder.defaults:
            resource.meta["from_variable_default"] = builder.defaults
        resource.refs = {path: list(v.refs) for path, v in unknown_leaves(attrs) if v.refs}
        resource.line_of = builder.lines
        self.resources.append(resource)
        if unknown is None and not any(u.address == address for u in self.unresolved):
            source = attrs.get("source")
            unresolved = UnresolvedModule(address, source if isinstance(source, str) else None, block.file, block.line)
            if self.is_local_source(block, instance):
                self._local_reason(unresolved, instance)
            else:
                checkout = self.checkout_module(instance.config.directory, block, address, instance)
                if checkout is not None and checkout.directory is None:  # this checkout, another release
                    unresolved.reason = checkout.note
            self.unresolved.append(unresolved)

    def _local_reason(self, unresolved: UnresolvedModule, instance: ModuleInstance) -> None:
        """Why a local call was not followed, where `terraform init` would not change it."""
        source = unresolved.source or "."
        child = Path(os.path.normpath(instance.config.directory / source))
        if not os.path.isdir(child):
            unresolved.reason = (f"{source} is not a directory beside {unresolved.file}: "
                                 "`terraform init` stops here (Unreadable module directory)")
            unresolved.hint = "correct the call's `source` path"
        elif not self._module_files(child):
            unresolved.reason = (f"{source} holds no .tf or .tf.json file: "
                                 "an empty module, from which Terraform creates nothing")
            unresolved.hint = "point the call's `source` at the module's directory"
        elif child in self.stack_dirs(instance):
            unresolved.reason = (f"{source} is a module this call is already inside: "
                                 "Terraform's `init` recurses without end")
            unresolved.hint = "break the cycle of module calls"
        elif instance.depth >= MAX_MODULE_DEPTH:
            unresolved.reason = f"{source} is nested more than {MAX_MODULE_DEPTH} calls deep: not followed"
            unresolved.hint = "call the module from fewer levels of modules"
        else:  # its files do not load: their errors are reported
            unresolved.reason = f"{source} does not load (see its errors)"
            unresolved.hint = "fix the errors in the module's files"


def _declares(text: str, name: str, shown: str) -> bool:
    """Whether a configuration file's text declares what Terraform evaluates: anything but
    `provider` and `terraform` blocks (what Terragrunt generates most: a backend, providers);
    text that does not parse is read, for its error to be told."""
    try:
        blocks = parse_json_config(text, shown) if name.endswith(".json") else parse_hcl(text, shown)
    except (InputError, RecursionError):
        return True
    return any(block.type not in ("provider", "terraform") for block in blocks)


def _named_environments(environments: list[tuple[list[Path], Path] | None], named: set[str] | None
                        ) -> list[tuple[list[Path], Path] | None]:
    """When the command line named only environment files of a root (pre-commit staged
    `prod.tfvars`, not the root's `.tf` files), those environments alone: what changed."""
    if not named or any(not path.endswith((".tfvars", ".tfvars.json")) for path in named):
        return environments
    chosen: list[tuple[list[Path], Path] | None] = [e for e in environments
                                                    if e is not None and os.path.realpath(e[1]) in named]
    return chosen or environments  # a shared file named: it is in every environment


def environment_files(directory: Path, config: ModuleConfig | None = None) -> list[Path]:
    """The variable files of a root that Terraform reads only when `-var-file` names
    them, each how one environment (or a test: cloudposse's `fixtures.us-east-2.tfvars`)
    is planned, so the root is judged with each in turn, and not without: nobody plans
    it bare. They are every `.tfvars`/`.tfvars.json` beside the root but
    `terraform.tfvars(.json)` and `*.auto.tfvars(.json)`, which it always reads; and
    those of a directory below it, up to ENVIRONMENT_DEPTH levels, that holds no module
    (`environments/prod.tfvars`, `env/prod/terraform.tfvars`) when every variable they set
    is one the root declares (`config`): Terraform warns of any other, so a file setting
    one is not this root's (a `-backend-config` file is not either)."""
    out = [directory / n for n in _listdir(directory) if _is_environment_file(n) and os.path.isfile(directory / n)]
    if config is None or not config.variables:
        return out
    pending = [(directory / sub, 1) for sub in _listdir(directory)]
    while pending:  # `environments/prod.tfvars`, `env/prod/terraform.tfvars`: two levels at most
        below, depth = pending.pop(0)
        names = _listdir(below) if not below.name.startswith(".") and os.path.isdir(below) else []
        if not names or any(is_config_file(n) for n in names):
            continue  # nothing, or a module of its own (its files are its own)
        for name in names:
            if name.endswith((".tfvars", ".tfvars.json")) and _sets_only(below / name, config):
                out.append(below / name)
        if depth < ENVIRONMENT_DEPTH:
            pending += [(below / sub, depth + 1) for sub in names]
    return out


def _listdir(directory: Path) -> list[str]:
    try:
        return sorted(os.listdir(directory))
    except OSError:
        return []


def _is_environment_file(name: str) -> bool:
    return name.endswith((".tfvars", ".tfvars.json")) and name not in ("terraform.tfvars", "terraform.tfvars.json") \
        and not name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def _sets_only(path: Path, config: ModuleConfig) -> bool:
    """Whether a variables file sets something, and only variables `config` declares."""
    from linter.loaders import display_path, read_text
    from linter.terraform.syntax import parse_tfvars

    try:
        text = read_text(path, display_path(path))
        names = list(json.loads(text)) if path.name.endswith(".json") else list(parse_tfvars(text, display_path(path)))
    except (InputError, OSError, ValueError, TypeError, RecursionError):
        return False  # not this root's to report: it stays skipped, with the reason
    return bool(names) and all(name in config.variables for name in names)


def _none_for_sure(instance: ModuleInstance, block: Block) -> bool:
    """A block (resource or module call) whose count or for_each is not known that has no
    instance whatever the values not known here (`local.enabled && false ? 1 : 0`)."""
    if "count" in block.attrs:
        count = instance.evaluator.decided(block.attrs["count"].expr, instance.scope)
        return isinstance(count, (int, float)) and not isinstance(count, bool) and count == 0
    if expansion_key(block) == "lifecycle.enabled":
        enabled = enabled_attr(block)
        return enabled is not None and instance.evaluator.decided(enabled.expr, instance.scope) is False
    return False


def unknown_leaves(value: Any, prefix: str = "") -> list[tuple[str, Unknown]]:
    """(attribute path, Unknown) of every unknown in a value (a first list item's path has no `.0`)."""
    out: list[tuple[str, Unknown]] = []
    _unknown_leaves(value, prefix, out)
    return out


def _unknown_leaves(value: Any, prefix: str, out: list[Any]) -> None:
    if isinstance(value, Unknown):
        out.append((prefix, value))
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (Unknown, dict, list)):  # most values are plain: no call for them
                _unknown_leaves(v, f"{prefix}.{k}" if prefix else k, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, (Unknown, dict, list)):
                _unknown_leaves(v, f"{prefix}.{i}" if i else prefix, out)




def load_directories(directories: dict[Path, list[Path]], options: dict[str, Any] | None = None,
                     judge: RootJudge | None = None) -> tuple[list[Resource], list[InputError], list[UnresolvedModule]]:
    """Every scanned directory as a root, except those another scanned root calls
    through a local source (they are loaded as that child) and roots a scanned
    plan covers (the plan reports them). Big scans of several roots load them on
    every core (`_load_in_pool`), with the serial result; there, each process
    also judges the roots it loads (`judge`, when given)."""
    from linter.terraform.terragrunt import plan_units

    options = options if options is not None else {}
    files_of = {Path(d): list(fs) for d, fs in directories.items()}
    files_of, unit_errors, unit_unresolved = plan_units(files_of, options, ModuleTree(options).checkouts)
    resources, errors, unresolved = _load_scanned(files_of, options, judge)
    return resources, unit_errors + errors, unit_unresolved + unresolved


def _load_scanned(files_of: dict[Path, list[Path]], options: dict[str, Any], judge: RootJudge | None
                  ) -> tuple[list[Resource], list[InputError], list[UnresolvedModule]]:
    jobs, sizes = _pool_size(files_of, options)
    if jobs > 1:
        import pickle
        from concurrent.futures import BrokenExecutor

        try:
            return _load_in_pool(files_of, options, jobs, sizes, judge)
        except (OSError, pickle.PicklingError, BrokenExecutor):
            pass  # no processes to be had (limits, memory) or a worker killed: load here
    tree = ModuleTree(options)
    tree.scanned_files = files_of
    for directory in files_of:
        tree.config_of(directory)
    roots = _roots(lambda d: _local_children(tree, d), list(files_of), options)
    for directory in roots:
        tree.load_root(directory)
    return tree.resources, tree.errors, tree.unresolved


def _local_children(tree: ModuleTree, directory: Path) -> list[Path]:
    """The directories on disk `directory`'s module calls read (`ModuleTree.called_dir`)."""
    config = tree.config_of(directory)
    if config is None:
        return []
    return [c for c in (tree.called_dir(directory, b) for b in config.modules.values()) if c is not None]


def _roots(children_of: Callable[[Path], list[Path]], scanned: list[Path], options: dict[str, Any] | None
           ) -> list[Path]:
    """The scanned directories to load as roots. `children_of(d)`: the directories
    `d` calls through a local source (`_local_children`)."""
    called: set[Path] = set()
    for d in scanned:
        called.update(c for c in children_of(d) if c != d)
    covered = (options or {}).get("terraform_roots_covered_by_plan") or set()
    skip: set[Path] = set()
    pending = [d for d in scanned if os.path.realpath(d) in covered] if covered else []
    while pending:
        directory = pending.pop()
        if directory in skip:
            continue
        skip.add(directory)
        pending.extend(children_of(directory))
    deployed = (options or {}).get("terragrunt_units") or {}  # planned by units: a root whoever calls it
    return [d for d in scanned
            if d not in skip and (not (d in called and _reachable_from_other_root(d, scanned, called))
                                  or os.path.realpath(d) in deployed)]


def roots_reaching(calling: dict[Path, list[Path]], targets: set[str], options: dict[str, Any]) -> list[Path]:
    """Of the directories of `calling`, the module directories of a checkout that may call a
    module (and `targets`, real paths), with the files of each that may (those that mention
    one), those a full scan of the checkout loads as roots (`_roots`: not called by another)
    that are, or call at any depth, one of `targets`: how a full scan reaches the modules in
    `targets`. Only those files are parsed (a call is in one of them), nothing is evaluated."""
    tree = ModuleTree(options)
    for directory, files in calling.items():
        tree.config_of(directory, files)
    directories = list(calling)
    children: dict[Path, list[Path]] = {}

    def children_of(directory: Path) -> list[Path]:
        if directory not in children:
            children[directory] = _local_children(tree, directory)
        return children[directory]

    out = []
    for root in _roots(children_of, directories, options):
        reached: set[str] = set()
        pending = [root]
        while pending:
            directory = pending.pop()
            real = os.path.realpath(directory)
            if real not in reached:
                reached.add(real)
                pending.extend(children_of(directory))
        if not reached.isdisjoint(targets):
            out.append(root)
    return out


# ------------------------------------------------------------ on every core
# Roots are worlds of their own (scopes): each loads alone. Below this much
# configuration a pool costs more (start-up, resources pickled back) than it saves.
PARALLEL_MIN_BYTES = 400_000
# this process's share of the bytes, against a worker's 1: a worker also pickles what
# it sends back (about a tenth of its work) and starts later
OWN_SHARE = 1.1
# messages a lone worker sends its roots back in (see _load_in_pool)
RESULT_PARTS = 4


def _pool_size(files_of: dict[Path, list[Path]], options: dict[str, Any]) -> tuple[int, list[int]]:
    """How many processes load the directories, and the bytes of each directory (when more than one)."""
    from linter.loaders import in_memory
    from linter.loaders.parallel import available_cores

    if len(files_of) < 2:
        return 1, []
    jobs = min(int(options.get("jobs") or available_cores()), len(files_of))
    if jobs < 2 or any(in_memory(f) is not None for fs in files_of.values() for f in fs):
        return 1, []  # stdin lives in this process
    sizes = [sum(map(_size, files)) for files in files_of.values()]
    return (jobs if sum(sizes) >= PARALLEL_MIN_BYTES else 1), sizes


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported when read


def _shares(sizes: list[int], jobs: int) -> list[list[int]]:
    """Directory indexes in `jobs` shares of about equal bytes (biggest first), the
    first (this process's) weighted by OWN_SHARE; each in scanned order."""
    weights = [OWN_SHARE] + [1.0] * (jobs - 1)
    loads = [0.0] * jobs
    out: list[list[int]] = [[] for _ in range(jobs)]
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        lightest = min(range(jobs), key=lambda j: (loads[j] + sizes[i]) / weights[j])
        out[lightest].append(i)
        loads[lightest] += sizes[i]
    return [sorted(b) for b in out]


# a share parsed by a worker, kept for the loading of its roots (same scan, same worker)
_PARSED: dict[Any, ModuleTree] = {}
# the scanned directories and their files while a pool runs: forked workers inherit them
# (nothing to pickle); spawned ones are sent them
_SCANNED: dict[Path, list[Path]] | None = None
# the scan's rules while a pool runs: forked workers inherit them and judge the roots
# they load; spawned ones do not (the rules stage judges those roots)
_JUDGE: RootJudge | None = None

# what each process returns for its share: errors met parsing each directory and the
# directories each calls (by scanned index); then, per root, its resources, errors,
# unresolved calls and verdicts (when judged: one per environment)
Parsed = tuple[dict[int, list[InputError]], dict[int, list[Path]]]
LoadedRoots = dict[int, tuple[list[Resource], list[InputError], list[UnresolvedModule], list[Verdict]]]


def _load_in_pool(files_of: dict[Path, list[Path]], options: dict[str, Any] | None, jobs: int, sizes: list[int],
                  judge: RootJudge | None = None) -> tuple[list[Resource], list[InputError], list[UnresolvedModule]]:
    """`load_directories` on every core, with the serial result in the serial order.

    Two rounds, each process working on its own share of directories (this
    process too: what it loads is not pickled): every process parses its
    directories and says which directories they call; which are roots is decided
    here from that; then each process loads the roots among its directories (a
    worker's parsed share is kept for that) and judges each (`judge`: a worker's
    findings come back with its resources, and the rules stage takes them). Errors
    are merged directory by directory, then root by root, with the serial
    deduplication.
    """
    from linter.loaders.parallel import can_fork, process_pool
    from linter.terraform.syntax import parser

    global _SCANNED, _JUDGE
    scanned = list(files_of)
    shares = _shares(sizes, jobs)
    token = (os.getpid(), id(files_of))
    sent = None if can_fork() else files_of  # forked workers inherit _SCANNED
    config_errors: dict[int, list[InputError]] = {}
    children: dict[Path, list[Path]] = {}
    loaded: LoadedRoots = {}
    parser(), _FUNCTIONS or _import_functions()  # loaded once, before the workers fork: not once in each
    _SCANNED, _JUDGE = files_of, judge
    try:
        with process_pool(jobs - 1) as pool:
            parsing = [pool.submit(_parse_batch, token, share, sent, options) for share in shares[1:]]
            tree = ModuleTree(options)
            tree.scanned_files = files_of
            for parsed in [_parse(tree, [(i, scanned[i]) for i in shares[0]])] + [
                    future.result() for future in parsing]:
                config_errors.update(parsed[0])
                for i, called in parsed[1].items():
                    children[scanned[i]] = called
            # children of roots a plan covers outside the scan are read here, as the serial load reads them
            probe = ModuleTree(options)
            probe.scanned_files = files_of
            roots = set(_roots(lambda d: children[d] if d in children else _local_children(probe, d), scanned,
                               options))
            # one worker sends its roots back in parts, in order: this process reads the first
            # ones once it has loaded its own while the worker loads the last (with more
            # workers, a part could reach one that did not parse the share: one message each)
            parts = RESULT_PARTS if jobs == 2 else 1
            loading = [pool.submit(_load_roots, token, share, part, sent, options, n == parts - 1)
                       for share in shares[1:]
                       for n, part in enumerate(_parts([i for i in share if scanned[i] in roots], parts))]
            loaded.update(_load(tree, [(i, scanned[i]) for i in shares[0] if scanned[i] in roots], judge))
            for future in loading:
                loaded.update(future.result())
    finally:
        _SCANNED = _JUDGE = None
    merged = ModuleTree(options)  # the serial deduplication, in the serial order
    for i in range(len(scanned)):
        for err in config_errors.get(i, ()):
            merged.add_error(err)
    for err in probe.errors:
        merged.add_error(err)
    for i in sorted(loaded):
        resources, errors, unresolved, verdicts = loaded[i]
        if judge is not None:
            for verdict in verdicts:
                judge.keep(verdict)
        merged.resources.extend(resources)
        for err in errors:
            merged.add_error(err)
        for u in unresolved:
            if not any(u.address == seen.address for seen in merged.unresolved):
                merged.unresolved.append(u)
    return merged.resources, merged.errors, merged.unresolved


def _parse(tree: ModuleTree, items: list[tuple[int, Path]]) -> Parsed:
    """Parse the directories of a share into `tree`: their errors and the directories they call."""
    config_errors: dict[int, list[InputError]] = {}
    called: dict[int, list[Path]] = {}
    for i, directory in items:
        first = len(tree.errors)
        tree.config_of(directory)
        config_errors[i] = tree.errors[first:]
        called[i] = _local_children(tree, directory)
    return config_errors, called


def _load(tree: ModuleTree, roots: list[tuple[int, Path]], judge: RootJudge | None = None) -> LoadedRoots:
    """Load roots of `tree`'s parsed share: what each gave, by scanned index (and
    `judge`'s verdict on it)."""
    loaded: LoadedRoots = {}
    for i, directory in roots:
        errors, resources, unresolved = len(tree.errors), len(tree.resources), len(tree.unresolved)
        tree.load_root(directory)
        own = tree.resources[resources:]
        verdicts: list[Verdict] = []
        if judge is not None:  # each environment of the root is a scope of its own
            by_environment: dict[str | None, list[Resource]] = {}
            for r in own:
                by_environment.setdefault(r.meta.get("environment"), []).append(r)
            verdicts = [v for v in map(judge, by_environment.values()) if v is not None]
        loaded[i] = (own, tree.errors[errors:], tree.unresolved[unresolved:], verdicts)
    return loaded



def _worker_tree(files_of: dict[Path, list[Path]] | None, options: dict[str, Any] | None
                 ) -> tuple[ModuleTree, list[Path]]:
    """A worker's tree for the scanned directories (given, or inherited through the fork)
    and the scanned directories in order."""
    import gc

    scanned_files = files_of if files_of is not None else _SCANNED
    if scanned_files is None:  # not forked from the scan: it loads everything itself
        raise OSError("the scanned directories did not reach the worker")
    gc.disable()  # as in the scan itself: what is built lives on, the collector would only walk it
    tree = ModuleTree(options)
    tree.scanned_files = scanned_files
    return tree, list(scanned_files)


def _parse_batch(token: Any, share: list[int], files_of: dict[Path, list[Path]] | None,
                 options: dict[str, Any] | None) -> Parsed:
    """In a worker: `_parse` of the directories at indexes `share`, the tree kept for `_load_roots`."""
    tree, scanned = _worker_tree(files_of, options)
    parsed = _parse(tree, [(i, scanned[i]) for i in share])
    _PARSED[(token, share[0] if share else -1)] = tree
    return parsed


def _parts(items: list[int], count: int) -> list[list[int]]:
    """`items` in `count` runs of about equal length, in order (every run, even empty:
    the last one ends the share)."""
    size = -(-len(items) // count) if items else 0
    return [items[n * size:(n + 1) * size] for n in range(count)]


def _load_roots(token: Any, share: list[int], roots: list[int], files_of: dict[Path, list[Path]] | None,
                options: dict[str, Any] | None, last: bool = True) -> LoadedRoots:
    """In a worker: `_load` of the `roots` of a share `_parse_batch` parsed (in another
    worker of a bigger pool: parsed again, its errors already sent); the tree is kept
    for the share's next part unless this is the `last`."""
    tree, scanned = _worker_tree(files_of, options)
    key = (token, share[0] if share else -1)
    tree = _PARSED.pop(key, tree)
    if not tree.configs:
        _parse(tree, [(i, scanned[i]) for i in share])
    if not last:
        _PARSED[key] = tree
    return _load(tree, [(i, scanned[i]) for i in roots], _JUDGE)


def _reachable_from_other_root(directory: Path, scanned: list[Path], called: set[Path]) -> bool:
    # a directory only reachable through a cycle of calls is still loaded as a root
    return any(d not in called for d in scanned if d != directory)


def _manifest_file(instance: ModuleInstance, attr: Any, scope: Scope) -> tuple[str, str] | None:
    """The file a manifest attribute reads its object from, as its real path and as
    the scan shows it: `yamldecode(file(P))`, `yamldecode(templatefile(P, ...))`,
    `file(P)` or `templatefile(P, ...)`; None for anything else, or a path not known here."""
    expr = attr.expr if attr is not None else None
    if expr is not None and expr[0] == "call" and expr[1] == "yamldecode" and len(expr[2]) == 1:
        expr = expr[2][0]
    return _file_read(instance, expr, scope, ("file", "templatefile"))


def _values_files(instance: ModuleInstance, attr: Any, scope: Scope) -> dict[int, str]:
    """The files a `helm_release`'s `values` list holds whole, by position, as the scan
    shows them (`[file("${path.module}/values/prod.yaml"), yamlencode(...)]`: {0: ...})."""
    expr = attr.expr if attr is not None else None
    if expr is None or expr[0] != "tuple":
        return {}
    return {n: found[1] for n, item in enumerate(expr[1])
            if (found := _file_read(instance, item, scope, ("file",))) is not None}


def _file_read(instance: ModuleInstance, expr: Any, scope: Scope, functions: tuple[str, ...]) -> tuple[str, str] | None:
    """The file the expression `expr` reads, a call of one of `functions` (`file(P)`), as its
    real path and as the scan shows it: P relative to the root module's directory, as
    terraform runs; None for any other expression, or a path not known here."""
    from linter.loaders import display_path
    from linter.terraform.expressions import EvalError

    if expr is None or expr[0] != "call" or expr[1] not in functions or not expr[2]:
        return None
    try:
        path = instance.evaluator.evaluate(expr[2][0], scope)
    except EvalError:
        return None
    if not isinstance(path, str):
        return None
    joined = os.path.join(instance.root.config.directory, path)
    return os.path.realpath(joined), display_path(Path(joined))
