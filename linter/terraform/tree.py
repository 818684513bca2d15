"""Roots and their module trees -> `Resource`s (the shape rules read: see linter/loaders/hcl.py)."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linter.model import InputError, Location, Resource, Unknown
from linter.terraform.expressions import Evaluator, Scope
from linter.terraform.modules import (
    RESOURCE_META, MODULE_META, BodyBuilder, ModuleConfig, ModuleInstance, is_config_file, read_config,
    root_variable_values,
)
from linter.terraform.syntax import Block, template_expr


@dataclass
class UnresolvedModule:
    address: str
    source: str | None
    file: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"module": self.address, "source": self.source, "file": self.file, "line": self.line,
                "hint": "run `terraform init` in the root module so its modules are installed"}


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
        base = scope.module.config.directory if scope.module is not None else Path(".")
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
            files, quiet = self.scanned_files[directory], False
        if files is None:
            try:
                files = [directory / n for n in os.listdir(directory) if is_config_file(n) and (directory / n).is_file()]
            except OSError:
                files = []
        errors: list[InputError] = []
        config: ModuleConfig | None = read_config(directory, files, errors)
        if quiet and errors:
            config = None  # third-party code that does not parse: its call stays opaque
        else:
            for err in errors:
                self.add_error(err)
        self.configs[directory] = config
        return config

    @staticmethod
    def local_source(block: Block) -> str | None:
        attr = block.attrs.get("source")
        if attr is None or attr.expr[0] != "lit" or not isinstance(attr.expr[1], str):
            return None
        return attr.expr[1]

    def is_local_source(self, block: Block) -> bool:
        source = self.local_source(block)
        return source is not None and (source.startswith(("./", "../")) or source in (".", ".."))

    def local_child_dir(self, directory: Path, block: Block) -> Path | None:
        if not self.is_local_source(block):
            return None
        child = Path(os.path.normpath(directory / (self.local_source(block) or ".")))
        return child if child.is_dir() else None

    def module_dir(self, instance: ModuleInstance, name: str, block: Block) -> Path | None:
        if self.is_local_source(block):
            return self.local_child_dir(instance.config.directory, block)
        root = instance.root.config.directory
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
        found = manifest.get(".".join(instance.keys + (name,)))
        if not found:
            return None
        child = Path(os.path.normpath(root / found))
        return child if child.is_dir() else None

    @staticmethod
    def stack_dirs(instance: ModuleInstance) -> set[Path]:
        out = set()
        cur: ModuleInstance | None = instance
        while cur is not None:
            out.add(cur.config.directory)
            cur = cur.caller.caller if cur.caller is not None else None
        return out

    # ------------------------------------------------------------ roots
    def load_root(self, directory: Path, files: list[Path] | None = None) -> ModuleInstance | None:
        config = self.config_of(directory, files)
        if config is None:
            return None
        settings = list(self.options.get("terraform_variables") or [])
        errors: list[InputError] = []
        variables = root_variable_values(directory, config, self.evaluator, settings, errors)
        for err in errors:
            self.add_error(err)
        root = ModuleInstance(self, config, None, variables, None, None, (), 0)
        self.build(root)
        return root

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
        for name, block in instance.config.modules.items():
            children = instance.children(name)
            if isinstance(children, Unknown):
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
        if isinstance(found, Unknown):
            # judged once as a template: what depends on the index is unknown
            unknown_index = Unknown("count.index", ("count.index",))
            unknown_each = {"key": Unknown("each.key", ("each.key",)), "value": Unknown("each.value", ("each.value",))}
            scope = instance.scope.child(count={"index": unknown_index}, each=unknown_each)
            template_address = instance.qualify(key)
            template_meta = {"count" if "count" in block.attrs else "for_each": Unknown(
                "count" if "count" in block.attrs else "for_each", tuple(r for r in found.refs if r != template_address))}
            self.resources.append(self._resource(instance, key, block, template_address, scope, template_meta,
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
        builder = BodyBuilder(instance, scope)
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
        if root_shown is not None:
            resource.meta["root"] = root_shown
        if builder.defaults:
            resource.meta["from_variable_default"] = builder.defaults
        if builder.origins:
            resource.meta["value_origin"] = builder.origins
        resource.refs = {path: list(v.refs) for path, v in unknown_leaves(attrs) if v.refs}
        for path, named in builder.known_refs.items():  # as a plan's configuration keeps them
            resource.refs.setdefault(path, named)
        resource.line_of = functools.partial(line_of, builder.lines)  # picklable: roots may load in workers
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
        resource.meta["source"] = attrs.get("source")
        if root_shown is not None:
            resource.meta["root"] = root_shown
        if unknown is not None:
            resource.meta["count" if "count" in block.attrs else "for_each"] = unknown
        if builder.defaults:
            resource.meta["from_variable_default"] = builder.defaults
        resource.refs = {path: list(v.refs) for path, v in unknown_leaves(attrs) if v.refs}
        resource.line_of = functools.partial(line_of, builder.lines)
        self.resources.append(resource)
        if unknown is None and not any(u.address == address for u in self.unresolved):
            source = attrs.get("source")
            self.unresolved.append(UnresolvedModule(address, source if isinstance(source, str) else None,
                                                    block.file, block.line))


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


def line_of(lines: dict[str, Any], path: str) -> int | None:
    """Line of an attribute path (a first block's `.0` may be written or not),
    else of its closest written ancestor."""
    parts = [p for p in path.split(".") if p and p != "0"]
    while parts:
        joined = ".".join(parts)
        if joined in lines:
            line: int | None = lines[joined]
            return line
        parts = parts[:-1]
    return None


def load_directories(directories: dict[Path, list[Path]], options: dict[str, Any] | None = None
                     ) -> tuple[list[Resource], list[InputError], list[UnresolvedModule]]:
    """Every scanned directory as a root, except those another scanned root calls
    through a local source (they are loaded as that child) and roots a scanned
    plan covers (the plan reports them). Big scans of several roots load them on
    every core (`_load_in_pool`), with the serial result."""
    files_of = {Path(d): list(fs) for d, fs in directories.items()}
    jobs = _pool_size(files_of, options or {})
    if jobs > 1:
        import pickle
        from concurrent.futures import BrokenExecutor

        try:
            return _load_in_pool(files_of, options, jobs)
        except (OSError, pickle.PicklingError, BrokenExecutor):
            pass  # no processes to be had (limits, memory) or a worker killed: load here
    tree = ModuleTree(options)
    tree.scanned_files = files_of
    for directory in files_of:
        tree.config_of(directory)
    roots = _roots(tree, list(files_of), options)
    for directory in roots:
        tree.load_root(directory)
    return tree.resources, tree.errors, tree.unresolved


def _roots(tree: ModuleTree, scanned: list[Path], options: dict[str, Any] | None) -> list[Path]:
    """The scanned directories to load as roots. `tree` holds the configs of every
    scanned directory that can call a module (the others call nothing)."""
    called: set[Path] = set()
    for d in scanned:
        config = tree.configs.get(d)
        if config is not None:
            for block in config.modules.values():
                child = tree.local_child_dir(d, block)
                if child is not None and child != d:
                    called.add(child)
    covered = (options or {}).get("terraform_roots_covered_by_plan") or set()
    skip: set[Path] = set()
    pending = [d for d in scanned if os.path.realpath(d) in covered]
    while pending:
        directory = pending.pop()
        if directory in skip:
            continue
        skip.add(directory)
        config = tree.config_of(directory)
        if config is not None:
            pending.extend(c for c in (tree.local_child_dir(directory, b) for b in config.modules.values()) if c)
    return [d for d in scanned
            if d not in skip and not (d in called and _reachable_from_other_root(d, scanned, called))]


# ------------------------------------------------------------ on every core
# Roots are worlds of their own (scopes): each loads alone. Below this much
# configuration a pool costs more (start-up, resources pickled back) than it saves.
PARALLEL_MIN_BYTES = 400_000


def _pool_size(files_of: dict[Path, list[Path]], options: dict[str, Any]) -> int:
    from linter.loaders import in_memory
    from linter.loaders.parallel import cores

    if len(files_of) < 2:
        return 1
    jobs = min(int(options.get("jobs") or cores()), len(files_of))
    if jobs < 2 or any(in_memory(f) is not None for fs in files_of.values() for f in fs):
        return 1  # stdin lives in this process
    return jobs if _bytes(files_of) >= PARALLEL_MIN_BYTES else 1


def _bytes(files_of: dict[Path, list[Path]]) -> int:
    total = 0
    for files in files_of.values():
        for f in files:
            try:
                total += f.stat().st_size
            except OSError:
                pass  # reported when read
    return total


def _may_call_modules(files: list[Path]) -> bool:
    """Whether a directory's files can hold a `module` block (a cheap look at the bytes)."""
    for f in files:
        if f.name.endswith(".json"):
            return True  # JSON may escape the key (`"\\u006dodule"`): parse it
        try:
            if b"module" in f.read_bytes():
                return True
        except OSError:
            return True  # the parse reports it
    return False


def _load_in_pool(files_of: dict[Path, list[Path]], options: dict[str, Any] | None, jobs: int
                  ) -> tuple[list[Resource], list[InputError], list[UnresolvedModule]]:
    """`load_directories` on every core, with the serial result in the serial order.

    Which directories are roots is decided here, from the configs of the
    directories that can call modules. Every scanned directory is then parsed
    by one worker (its errors reported in scanned order, as the serial load
    reads them all first) and each root is loaded by the worker that parsed it;
    errors and unresolved calls are merged root by root with the serial
    deduplication.
    """
    from linter.loaders.parallel import batches, process_pool

    scanned = list(files_of)
    # which directories are called: only the files that can hold a `module` block are
    # parsed here (the workers parse every file, and report the errors)
    probe = ModuleTree(options)
    for d in scanned:
        callers = [f for f in files_of[d] if _may_call_modules([f])]
        if callers:
            probe.config_of(d, callers)
    probe.scanned_files = files_of
    first = len(probe.errors)
    roots = set(_roots(probe, scanned, options))
    plan_errors = probe.errors[first:]  # children of roots a plan covers, read while skipping them
    sizes = [sum(_size(f) for f in files_of[d]) for d in scanned]
    work = [[(i, scanned[i], scanned[i] in roots) for i in sorted(batch)] for batch in batches(sizes, jobs)]
    config_errors: dict[int, list[InputError]] = {}
    loaded: dict[int, tuple[list[Resource], list[InputError], list[UnresolvedModule]]] = {}
    # this process loads a share itself: what it loads is not pickled
    with process_pool(jobs - 1) as pool:
        futures = [pool.submit(_load_batch, batch, files_of, options, True) for batch in work[1:]]
        for batch_config_errors, batch_loaded in [_load_batch(work[0], files_of, options, False)] + [
                future.result() for future in futures]:
            config_errors.update(batch_config_errors)
            loaded.update(batch_loaded)
    merged = ModuleTree(options)  # the serial deduplication, in the serial order
    for i in range(len(scanned)):
        for err in config_errors.get(i, ()):
            merged.add_error(err)
    for err in plan_errors:
        merged.add_error(err)
    for i in sorted(loaded):
        resources, errors, unresolved = loaded[i]
        merged.resources.extend(resources)
        for err in errors:
            merged.add_error(err)
        for u in unresolved:
            if not any(u.address == seen.address for seen in merged.unresolved):
                merged.unresolved.append(u)
    return merged.resources, merged.errors, merged.unresolved


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _load_batch(items: list[tuple[int, Path, bool]], files_of: dict[Path, list[Path]], options: dict[str, Any] | None,
                in_worker: bool) -> tuple[dict[int, list[InputError]],
                                          dict[int, tuple[list[Resource], list[InputError], list[UnresolvedModule]]]]:
    """Parse the batch's directories (their errors by scanned index), then load
    those that are roots (resources, errors, unresolved calls by index)."""
    if in_worker:
        import gc

        gc.disable()  # as in the scan itself: what is built lives on, the collector would only walk it
    tree = ModuleTree(options)
    tree.scanned_files = files_of
    config_errors: dict[int, list[InputError]] = {}
    for i, directory, _root in items:
        first = len(tree.errors)
        tree.config_of(directory)
        config_errors[i] = tree.errors[first:]
    loaded = {}
    for i, directory, root in items:
        if root:
            errors, resources, unresolved = len(tree.errors), len(tree.resources), len(tree.unresolved)
            tree.load_root(directory)
            loaded[i] = (tree.resources[resources:], tree.errors[errors:], tree.unresolved[unresolved:])
    return config_errors, loaded


def _reachable_from_other_root(directory: Path, scanned: list[Path], called: set[Path]) -> bool:
    # a directory only reachable through a cycle of calls is still loaded as a root
    return any(d not in called for d in scanned if d != directory)
