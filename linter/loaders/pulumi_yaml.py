"""Pulumi YAML programs: the resources a `Pulumi.yaml` project of runtime `yaml` declares.

A Pulumi YAML project writes its program in the project file itself, or in `Main.yaml`
(beside it, or in the directory its `main` names):

    name: shop
    runtime: yaml
    config:
      replicas: {type: integer, default: 1}
    resources:
      jobs:
        type: aws:sqs:Queue                 # short for aws:sqs/queue:Queue
        properties:
          visibilityTimeoutSeconds: 30
          redrivePolicy:
            fn::toJSON: {deadLetterTargetArn: "${dlq.arn}", maxReceiveCount: 5}

Each resource becomes the state a stack export records for it (its properties are its
inputs) and is built as any Pulumi resource is (loaders/pulumi.py:build_resource): judged
before `pulumi preview` runs, at the lines of the program. What the program computes is
not known here and never a finding: another resource's output (`${dlq.arn}`, which also
makes the property depend on it), a function (`fn::invoke`, `fn::toJSON`, ...), a variable
that is not a plain value, a secret. `${pulumi.project}` is the project's name, and
`${pulumi.stack}` the stack's when a stack file names it. A resource
read with `get` is not the program's: it is not judged. A resource's `name:` is its logical
name. A Kubernetes object with no namespace of its own is put in the `namespace` of the
explicit provider it names (`options.provider: ${k8s}`; pulumi.py:_resolve_namespaces).
`fn::fileAsset` (and the other asset functions) of a known text is the asset a stack
records. The objects a `kubernetes:yaml/v2:ConfigGroup` writes in place (`objs`, a `yaml`
text) are judged as the objects it creates. A `Chart` or `Release` of a chart of this
repository is rendered as it releases it (loaders/pulumi_releases.py). A project is a
directory unit: whichever of its files a scan names (the project file, its program, a
stack file), the project is loaded once.

Stacks. Each stack file beside the project (`Pulumi.<stack>.yaml`) is an environment: the
program is judged once per stack, with the project's config values (a `default`, or a
value) under what the stack file sets (`<project>:<key>`), as `pulumi preview --stack`
reads them; a secure value is not known, nor is any value of a stack that imports a Pulumi
ESC `environment`. With no stack file, the project's own values are what every stack starts
from, judged once.
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path
from typing import Any, cast

from linter.model import InputError, PartialLoad, Resource

DECLINED = "YAML that is not a Pulumi YAML program (a Pulumi.yaml of runtime yaml, or its Main.yaml)"
PROJECT_NAMES = ("Pulumi.yaml", "Pulumi.yml")
PROGRAM_NAME = "Main.yaml"
PROGRAM_FILES = (*PROJECT_NAMES, PROGRAM_NAME)  # the files that may hold a program's resources
STACK = "stack"  # the URN's stack when no stack file names one
CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup"  # Kubernetes objects the program writes in place, or applies
CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile"  # the objects of a manifest the program applies


def detect(path: Path, head: str) -> bool:
    if path.name in PROJECT_NAMES:  # one that does not parse is an error, as Pulumi says
        return "runtime" in head and "yaml" in head and (_project_file(path) is not None
                                                         or _project_error(path) is not None)
    return (_is_stack_file(path.name) or path.name == PROGRAM_NAME) and _project_file(path) is not None


def _is_stack_file(name: str) -> bool:
    return name.startswith("Pulumi.") and name.endswith((".yaml", ".yml")) and name not in PROJECT_NAMES


def unit_directory(path: Path) -> Path:
    """A project's file is loaded with its project (`load_directories` finds it): here, by
    its own directory."""
    return path.parent


def unit_files(path: Path, directory: Path, whole_directory: bool) -> list[Path]:
    return [path]


def _project_file(path: Path) -> tuple[Path, dict[str, Any]] | None:
    """The project file of runtime yaml that a file belongs to, and the project it holds:
    itself, the one beside a stack file, or the one whose program a Main.yaml is."""
    if path.name == PROGRAM_NAME:
        return _project_of(path)
    candidates = [path] if path.name in PROJECT_NAMES else [path.parent / n for n in PROJECT_NAMES] \
        if _is_stack_file(path.name) else []
    for candidate in candidates:
        project = _read_project(candidate) if os.path.isfile(candidate) else None
        if project is not None:
            return candidate, project
    return None


def _project_of(program: Path) -> tuple[Path, dict[str, Any]] | None:
    """The project file (and its project) whose program `program` (a Main.yaml) is: beside
    it, or in the directory above that names its directory as `main`."""
    for directory in (program.parent, program.parent.parent):
        for name in PROJECT_NAMES:
            candidate = directory / name
            if os.path.isfile(candidate):
                project = _read_project(candidate)
                if project is not None and _program_file(candidate, project) == program:
                    return candidate, project
    return None


def _read_project(path: Path) -> dict[str, Any] | None:
    """A project file of runtime yaml, read (None: another runtime, or not readable)."""
    project = _parsed_project(path)
    return project if isinstance(project, dict) else None


def _project_error(path: Path) -> InputError | None:
    """Why a project file does not parse (`pulumi` refuses it too), or None: asked of one
    whose text names the yaml runtime and that `_read_project` could not read."""
    import copy

    project = _parsed_project(path)  # a copy: the cached error is the next scan's too
    return copy.copy(project) if isinstance(project, InputError) else None


def _parsed_project(path: Path) -> dict[str, Any] | InputError | None:
    """A project file parsed: the project when its runtime is yaml, the error when it does not
    parse, else None; parsed once while its text is the same, however many of its files the
    scan meets (a program of thousands of resources may be the project file itself)."""
    from linter.loaders import display_path, read_text
    from linter.loaders.kubernetes import read_yaml

    try:
        text = read_text(path, display_path(path))
    except (InputError, OSError):
        return None
    key = (os.path.realpath(path), len(text), hash(text))  # its text, not its time: rewritten within a tick
    if key in _PROJECTS:
        return _PROJECTS[key]
    if len(_PROJECTS) >= 16:  # a long-lived process scans again: bounded
        _PROJECTS.clear()
    try:
        docs = read_yaml(text, display_path(path))
    except InputError as err:
        _PROJECTS[key] = err
        return err
    except (OSError, RecursionError):
        return None
    project = docs[0] if docs else None
    runtime = project.get("runtime") if isinstance(project, dict) else None
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    _PROJECTS[key] = project if name == "yaml" and isinstance(project, dict) else None
    return _PROJECTS[key]


_PROJECTS: dict[tuple[str, int, int], dict[str, Any] | InputError | None] = {}


def _program_file(project_file: Path, project: dict[str, Any]) -> Path:
    """Where a project's program is: Main.yaml in its `main` directory (or beside it) when
    there is one, else the project file itself."""
    main = project.get("main")
    directory = project_file.parent / main if isinstance(main, str) and main else project_file.parent
    program = Path(os.path.normpath(directory / PROGRAM_NAME))
    return program if os.path.isfile(program) else project_file


def load_directories(files: dict[Path, list[Path]], options: dict[str, Any], judge: Any = None
                     ) -> tuple[list[Resource], list[InputError]]:
    """Each project any of the files belongs to (its project file, program or a stack file),
    loaded once: its program judged once per stack."""
    from linter.loaders import display_path

    projects: dict[str, tuple[Path, dict[str, Any]]] = {}
    broken: dict[str, InputError] = {}  # project files that do not parse
    for paths in files.values():
        for path in paths:
            found = _project_file(path)
            if found is not None:
                projects.setdefault(os.path.realpath(found[0]), found)
            elif path.name in PROJECT_NAMES and os.path.realpath(path) not in broken:
                error = _project_error(path)
                if error is not None:
                    broken[os.path.realpath(path)] = error
    resources: list[Resource] = []
    errors: list[InputError] = list(broken.values())
    for project_file, project in projects.values():
        try:
            resources += _load_project(project_file, project)
        except PartialLoad as partial:  # a stack file that does not parse: its error, the stacks judged
            errors += partial.errors
            resources += partial.resources
        except InputError as err:
            errors.append(err)
        except RecursionError:
            errors.append(InputError(display_path(project_file), "nested too deeply to read"))
        except Exception as exc:  # last resort: a bug reading one project costs that project
            errors.append(InputError.internal(display_path(project_file), "reading the Pulumi YAML program", exc))
    return resources, errors


def context_programs(programs: list[Path], loaded: Any, options: dict[str, Any]) -> list[Resource]:
    """Pre-commit: the resources of the Pulumi YAML programs `programs` (their project files
    or Main.yaml, found in a staged file's checkout: they may release a staged chart or apply
    a staged manifest), as a full scan reads them, as context; a program the scan loads
    itself is left to that load. Their errors are not the commit's: the first is noted."""
    loaded_here = {os.path.realpath(r.location.file) for r in loaded.resources if r.source_format == "pulumi"}
    loaded_here |= {os.path.realpath(f) for f in loaded.files}
    programs = [p for p in programs if os.path.realpath(p) not in loaded_here]
    if not programs:
        return []
    resources, errors = load_directories({p.parent: [p] for p in programs}, options)
    if errors:  # not the commit's error, but what the program deploys is unknown: said, not silent
        loaded.notes.append(f"{errors[0].file}{f':{errors[0].line}' if errors[0].line else ''}: a Pulumi YAML "
                            f"program that may deploy a staged file has an error ({errors[0].message}): what it "
                            "deploys is not judged")
    return resources


def applying(programs: list[Resource], staged: set[str]) -> tuple[list[Resource], set[str]]:
    """Of the resources of programs read as context (`context_programs`), those of the programs
    that apply one of `staged` (real paths: a manifest of a ConfigFile), to be judged with it;
    and the files (as shown) whose findings are not the commit's: the programs' own, and the
    other manifests they apply."""
    by_program: dict[str, list[Resource]] = {}
    for r in programs:
        by_program.setdefault(r.meta.get("applied_by") or r.location.file, []).append(r)
    kept = [r for rs in by_program.values()
            if any(r.meta.get("applied_by") and os.path.realpath(r.location.file) in staged for r in rs) for r in rs]
    return kept, {r.location.file for r in kept if os.path.realpath(r.location.file) not in staged}


def _load_project(project_file: Path, project: dict[str, Any]) -> list[Resource]:
    import yaml

    from linter.loaders import display_path, read_text
    from linter.loaders.kubernetes import parse_documents

    path = _program_file(project_file, project)
    shown = display_path(path)
    text = read_text(path, shown)
    if path == project_file:  # the program is the project, read already
        program: Any = project
    else:
        docs = parse_documents(text, shown)
        program = docs[0][0] if docs else None
    if not isinstance(program, dict):
        raise InputError(shown, "a Pulumi YAML program must be a mapping", 1)
    try:
        root = yaml.compose(text, Loader=_composer())
    except (yaml.YAMLError, ValueError, RecursionError):
        root = None
    defaults = _project_config(project, project_file, root if project_file == path else None)
    unread: list[InputError] = []  # stack files that do not parse: errors, their stacks judged with values unknown
    stacks = _stacks(project_file, str(project.get("name") or ""), unread)
    if not stacks:
        resources = _Program(project, program, root, shown, defaults).resources(path.parent)
        for r in resources:  # one world, the manifests it applies too (the program's directory, as a directory unit's)
            r.meta.setdefault("scope", os.path.dirname(shown) or ".")
        return resources
    out: list[Resource] = []
    types = _declared_types(project)
    for stack, stack_file, given in stacks:
        names = {**defaults, **{k: _typed(v, types.get(k)) for k, v in given.items()}} if given is not None else {}
        for key in [k for k, v in names.items() if v is None]:
            del names[key]  # a secure value: not known
        resources = _Program(project, program, root, shown, cast("dict[str, tuple[Any, str]]", names),
                             stack).resources(path.parent)
        for r in resources:  # each stack a world of its own
            r.meta.update(environment=stack_file, environment_option="stack", scope=f"{shown} with stack {stack}")
        out += resources
    if unread:
        raise PartialLoad(unread, out)
    return out


class _Program:
    def __init__(self, project: dict[str, Any], program: dict[str, Any], root: Any, shown: str,
                 config: dict[str, tuple[Any, str]], stack: str | None = None):
        from linter.loaders.pulumi import UNKNOWN_VALUE  # imported with a project, not with every YAML file

        self.unknown = UNKNOWN_VALUE  # what the program computes: built as Pulumi's unknown value
        self.project_name, self.stack = str(project.get("name") or "project"), stack
        self.program, self.root, self.shown = program, root, shown
        self.index: dict[int, dict[Any, Any]] = {}  # the program's mappings' keys (`_node_at`)
        raw = program.get("resources") or {}
        if not isinstance(raw, dict):
            raise InputError(shown, "resources must be a mapping of names to resources", self.line(("resources",)))
        self.raw = raw
        self.tokens = {str(name): _token(spec.get("type")) for name, spec in raw.items() if isinstance(spec, dict)}
        # a resource's logical name (its URN's): its `name` when it gives one, else its key
        self.logical = {str(name): spec["name"] if isinstance(spec.get("name"), str) and spec["name"] else str(name)
                        for name, spec in raw.items() if isinstance(spec, dict)}
        # the names `${...}` may read with a known value: (the value, where it is set)
        self.names = dict(config)
        variables = program.get("variables")
        for name, value in variables.items() if isinstance(variables, dict) else ():
            if _plain(value):  # a plain value; anything computed is not known here
                self.names[str(name)] = (value, f"variables.{name}, set at {shown}:{self.line(('variables', name))}")

    def urn(self, name: str) -> str:
        logical = self.logical.get(name, name)
        return f"urn:pulumi:{self.stack or STACK}::{self.project_name}::{self.tokens.get(name) or 'unknown'}::{logical}"

    def line(self, at: tuple[Any, ...]) -> int | None:
        return _node_at(self.root, at, self.index)[1]

    def resources(self, directory: Path) -> list[Resource]:
        """The program's resources; `directory` is where it runs (its file's): relative paths
        (a file asset, a chart) start there."""
        from linter.loaders.pulumi import State, addresses_for, build_resource
        from linter.normalize.tokens import PULUMI_DEPLOYERS

        # (a state, its line, the lines of its properties, where known values are set, the file it is written in)
        states: list[tuple[State, int | None, dict[tuple[Any, ...], int], dict[str, str], str]] = []
        for name, spec in self.raw.items():
            name = str(name)
            where = ("resources", name)
            if not isinstance(spec, dict):
                raise InputError(self.shown, f"resource {name} must be a mapping", self.line(where))
            if not isinstance(spec.get("type"), str) or not spec["type"]:
                raise InputError(self.shown, f"resource {name} has no type", self.line(where))
            if "get" in spec:
                continue  # read, not managed by the program: like a Terraform data source
            properties = spec.get("properties") or {}
            if not isinstance(properties, dict):
                raise InputError(self.shown, f"properties of resource {name} must be a mapping",
                                 self.line((*where, "properties")))
            inputs, depends, origins = self.inputs_of(properties)
            options = spec["options"] if isinstance(spec.get("options"), dict) else {}
            explicit: list[str] = []
            self.value(options.get("dependsOn"), explicit)
            state = State(self.urn(name), self.tokens[name], inputs, custom=True, property_dependencies=depends,
                          dependencies=list(dict.fromkeys([*explicit, *(u for v in depends.values() for u in v)])))
            named = _whole_interpolation(options.get("provider"))
            if named in self.tokens:  # an explicit provider of the program (its namespace: _resolve_namespaces)
                state.provider = f"{self.urn(named)}::{self.unknown}"  # `URN::ID`, its ID not known yet
            states.append((state, self.line(where), self._lines((*where, "properties")), origins, self.shown))
            if state.type in (CONFIG_GROUP, CONFIG_FILE):
                states += self.written_objects(name, state, properties, directory)
        addresses = addresses_for([s for s, _, _, _, _ in states])
        keys = {self.urn(str(k)): k for k in self.raw}  # a resource's key in the program, by its URN
        out = []
        for state, line, lines, origins, shown in states:
            res = build_resource(state, shown, line, addresses)
            if res is None:
                continue
            res.line_of = functools.partial(_attribute_line, lines, res.type)
            if shown != self.shown:  # a manifest's object the program applies: the walk's reading is taken back
                res.meta["applied_by"] = self.shown
            if origins:
                res.meta["value_origin"] = {**res.meta.get("value_origin", {}),
                                            **{_canonical(res.type, k): v for k, v in origins.items()}}
            if state.type in PULUMI_DEPLOYERS:  # what loaders/pulumi_releases.py reads of the program
                key = keys[state.urn]
                res.meta.update(program_directory=str(directory), program_at=("resources", str(key)),
                                namespace_default=state.namespace_override,
                                action_origins=self.origins_within((self.raw[key].get("properties") or {}).get("values")))
            out.append(res)
        return out

    def inputs_of(self, properties: dict[Any, Any]) -> tuple[dict[str, Any], dict[str, list[str]], dict[str, str]]:
        """A resource's properties as Pulumi hands them to the provider (`value`), the URNs each
        depends on, and where each that is one known name (`${replicas}`) has its value set."""
        inputs: dict[str, Any] = {}
        depends: dict[str, list[str]] = {}
        origins: dict[str, str] = {}
        for key, value in properties.items():
            refs: list[str] = []
            inputs[str(key)] = self.value(value, refs)
            if refs:
                depends[str(key)] = list(dict.fromkeys(refs))
            named = _whole_interpolation(value)
            if named in self.names:
                origins[str(key)] = self.names[named][1]
        return inputs, depends, origins

    def written_objects(self, name: str, group: Any, properties: dict[Any, Any], directory: Path
                        ) -> list[tuple[Any, int | None, dict[tuple[Any, ...], int], dict[str, str], str]]:
        """The Kubernetes objects a `kubernetes:yaml/v2:ConfigGroup` writes in the program (its
        `objs`, and the documents of its `yaml` texts) or applies from manifests of the
        repository (its `files`, a `kubernetes:yaml/v2:ConfigFile`'s `file`: paths from the
        program's `directory`, globs too), each the state of the object it creates, at its lines
        (a `yaml` text's when it is a block of its own: `yaml: |`; a manifest's own, which the
        program applies as it is: the walk's reading of it is taken back); through the group's
        provider."""
        import yaml

        from linter.loaders.kubernetes import read_yaml
        from linter.loaders.pulumi import State

        at = ("resources", name, "properties")
        # (an object, its line, the lines of its keys, the file it is written in, whether it is the program's text)
        found: list[tuple[Any, int | None, dict[tuple[Any, ...], int], str, bool]] = []
        objs = properties.get("objs")
        for n, obj in enumerate(objs if isinstance(objs, list) else []):
            found.append((obj, self.line((*at, "objs", n)), self._lines((*at, "objs", n)), self.shown, True))
        texts = properties.get("yaml")
        for n, text in enumerate(texts if isinstance(texts, list) else [texts] if isinstance(texts, str) else []):
            where = (*at, "yaml", n) if isinstance(texts, list) else (*at, "yaml")
            node, line = _node_at(self.root, where, self.index)
            if not isinstance(text, str):
                raise InputError(self.shown, f"resource {name}: its yaml must be YAML text", line)
            block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">") and line is not None
            offset = node.start_mark.line + 1 if block else None  # the text's first line in the program
            try:
                documents = read_yaml(text, self.shown)
                roots = list(yaml.compose_all(text, Loader=yaml.SafeLoader)) if offset is not None else []
                if len(roots) != len(documents):  # an empty document: which node is whose is not sure
                    offset, roots = None, []
            except (InputError, yaml.YAMLError, ValueError, RecursionError) as err:
                raise InputError(self.shown, f"resource {name}: its yaml is not YAML ({err})", line) from None
            for m, document in enumerate(documents):
                root = roots[m] if m < len(roots) else None
                lines = {k: v + (offset or 0) for k, v in _node_lines(root).items()} if offset is not None else {}
                start = root.start_mark.line + 1 + offset if offset is not None and root is not None else line
                found.append((document, start, lines, self.shown, True))
        files = properties.get("files") if group.type == CONFIG_GROUP else [properties.get("file")]
        for file in files if isinstance(files, list) else []:
            found += _manifest_objects(file, directory)
        out = []
        for obj, line, lines, shown, interpolated in found:
            if not isinstance(obj, dict):
                continue
            kind, version = obj.get("kind"), obj.get("apiVersion")
            if not isinstance(kind, str) or not kind or not isinstance(version, str) or not version:
                if not interpolated:
                    continue  # a manifest's document of no object: the walk says what it is
                raise InputError(self.shown, f"resource {name}: an object of its ConfigGroup has no apiVersion "
                                 "and kind", line)
            token = f"kubernetes:{version if '/' in version else 'core/' + version}:{kind}"
            # a manifest is applied as it is written: no `${...}` of the program's in it
            inputs, depends, origins = self.inputs_of(obj) if interpolated else (obj, {}, {})
            metadata = obj.get("metadata")
            object_name = metadata.get("name") if isinstance(metadata, dict) else None
            child = State(f"urn:pulumi:{self.stack or STACK}::{self.project_name}::{group.type}${token}::"
                          f"{self.logical.get(name, name)}:{object_name or kind}", token, inputs,
                          custom=True, property_dependencies=depends,
                          dependencies=list(dict.fromkeys([*group.dependencies, *(u for v in depends.values() for u in v)])))
            child.provider = group.provider
            out.append((child, line, lines, origins, shown))
        return out

    def origins_within(self, value: Any) -> dict[str, str]:
        """Each whole `${name}` written in `value` (a Chart's inline values) of a known config
        value or variable, with that value and where it is set: what a value note naming the
        line it is written on adds (`` `${replicas}` = 1, config replicas, set at ... ``)."""
        out: dict[str, str] = {}
        stack = [value]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack += value.values()
            elif isinstance(value, list):
                stack += value
            elif (named := _whole_interpolation(value)) in self.names:
                known, origin = self.names[str(named)]
                out[str(value)] = f"`{value}` = {known}, {origin}"
        return out

    def _lines(self, at: tuple[Any, ...]) -> dict[tuple[Any, ...], int]:
        """The line of every key and list item below the node at `at`, by its path there."""
        node, line = _node_at(self.root, at, self.index)
        return _node_lines(node) if line is not None else {}

    def value(self, value: Any, refs: list[str]) -> Any:
        """A property as Pulumi hands it to the provider, or the unknown value where the
        program computes it; the URNs of the resources it reads are added to `refs`."""
        if isinstance(value, str):
            return self.text(value, refs)
        if isinstance(value, dict):
            computed = len(value) == 1 and str(next(iter(value))).startswith("fn::")
            converted = {str(k): self.value(v, refs) for k, v in value.items()}
            function, argument = next(iter(converted.items())) if computed else ("", None)
            asset = _asset(function, argument) if argument is not self.unknown else None
            if asset is not None:
                return asset
            return self.unknown if computed else converted
        if isinstance(value, list):
            return [self.value(v, refs) for v in value]
        return value

    def text(self, text: str, refs: list[str]) -> Any:
        """A string with its `${...}` interpolations: a whole one of a known value is that
        value, known parts make a string, any other is unknown (`$${` is a literal `${`)."""
        if "${" not in text:
            return text
        parts: list[Any] = []
        at = 0
        known = True
        while at < len(text):
            start = text.find("${", at)
            if start < 0:
                parts.append(text[at:])
                break
            if start > 0 and text[start - 1] == "$":
                parts.append(text[at:start - 1] + "${")
                at = start + 2
                continue
            end = text.find("}", start)
            if end < 0:
                parts.append(text[at:])
                break
            parts.append(text[at:start])
            found = self.reference(text[start + 2:end].strip(), refs)
            known = known and found is not self.unknown
            parts.append(found)
            at = end + 1
        parts = [p for p in parts if p != ""]
        if not known:
            return self.unknown
        if len(parts) == 1 and not isinstance(parts[0], str):
            return parts[0]  # a whole interpolation keeps its value's type
        if all(isinstance(p, (str, int, float)) and not isinstance(p, bool) for p in parts):
            return "".join(str(p) for p in parts)
        return self.unknown

    def reference(self, expression: str, refs: list[str]) -> Any:
        """The value `${expression}` names: a known config value or variable, the project's
        name, or unknown (another resource's output: its URN joins `refs`)."""
        root = expression
        for mark in (".", "["):
            root = root.split(mark, 1)[0]
        if root in self.tokens:
            refs.append(self.urn(root))
            return self.unknown
        if expression == "pulumi.project":
            return self.project_name
        if expression == "pulumi.stack" and self.stack is not None:
            return self.stack  # judged as that stack
        if expression == root and root in self.names:
            return self.names[root][0]
        return self.unknown


def _asset(function: str, argument: Any) -> dict[str, Any] | None:
    """An asset or archive a function builds (`fn::fileAsset: ./values.yaml`), as a stack
    records it (its signature, then its path, text or URI); None for any other function,
    or one whose argument is not known."""
    from linter.loaders.pulumi import ARCHIVE_SIG, ASSET_SIG, SIG_KEY

    kind = _ASSETS.get(function)
    if kind is None or not isinstance(argument, str):
        return None
    return {SIG_KEY: ARCHIVE_SIG if "Archive" in function else ASSET_SIG, kind: argument}


_ASSETS = {"fn::fileAsset": "path", "fn::stringAsset": "text", "fn::remoteAsset": "uri",
           "fn::fileArchive": "path", "fn::remoteArchive": "uri"}


def _manifest_objects(file: Any, directory: Path) -> list[tuple[Any, int | None, dict[tuple[Any, ...], int], str, bool]]:
    """The documents of the manifests `file` names (a path from `directory`, or a glob) in this
    repository, each with its line, the lines of its keys and the file as shown; none for a URL,
    a path not known or outside the repository, or a file that does not read (the walk reports it)."""
    import yaml

    from linter.loaders import display_path, read_text
    from linter.loaders.kubernetes import read_yaml
    from linter.paths import repository_glob

    if not isinstance(file, str) or not file or "://" in file or "${" in file:
        return []
    out: list[tuple[Any, int | None, dict[tuple[Any, ...], int], str, bool]] = []
    for path in repository_glob(directory, file):
        if not os.path.isfile(path):
            continue
        shown = display_path(path)
        try:
            text = read_text(path, shown)
            documents = read_yaml(text, shown)
            roots = list(yaml.compose_all(text, Loader=_composer()))
        except (InputError, OSError, yaml.YAMLError, ValueError, RecursionError):
            continue
        if len(roots) != len(documents):  # an empty document: which node is whose is not sure
            roots = []
        for n, document in enumerate(documents):
            root = roots[n] if n < len(roots) else None
            listed = document.get("items") if isinstance(document, dict) and str(document.get("kind", "")).endswith(
                "List") else None
            if not isinstance(listed, list):
                out.append((document, root.start_mark.line + 1 if root is not None else None,
                            _node_lines(root) if root is not None else {}, shown, False))
                continue
            for m, item in enumerate(listed):  # a `List`: each of its items an object applied
                node, line = _node_at(root, ("items", m)) if root is not None else (None, None)
                out.append((item, line, _node_lines(node) if node is not None else {}, shown, False))
    return out


def _node_lines(node: Any) -> dict[tuple[Any, ...], int]:
    """The line of every key and list item below a YAML node, by its path there."""
    import yaml

    out: dict[tuple[Any, ...], int] = {}
    stack: list[tuple[tuple[Any, ...], Any]] = [((), node)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                below = path + (str(key.value),)
                out[below] = key.start_mark.line + 1
                stack.append((below, value))
        elif isinstance(node, yaml.SequenceNode):
            for n, item in enumerate(node.value):
                out[path + (n,)] = item.start_mark.line + 1
                stack.append((path + (n,), item))
    return out


def _whole_interpolation(value: Any) -> str | None:
    """The name a value that is one whole `${name}` reads; None for any other."""
    return value[2:-1].strip() if isinstance(value, str) and value.startswith("${") and value.endswith("}") \
        and value.count("${") == 1 else None


def _canonical(resource_type: str, key: str) -> str:
    """A top-level property's name as rules read it (a bridged cloud property's Terraform name)."""
    from linter.loaders.pulumi import is_kubernetes_type
    from linter.normalize.names import attribute_name

    return key if is_kubernetes_type(resource_type) else attribute_name(resource_type, key)


def _token(token: Any) -> str:
    """The type token a resource's state records: a bridged provider's `aws:sqs:Queue` is
    short for `aws:sqs/queue:Queue` (Pulumi YAML reads both); any other is as written
    (`azure-native:storage:StorageAccount` is that package's own token)."""
    from linter.normalize.tokens import PULUMI_TOKENS

    if not isinstance(token, str):
        return ""
    parts = token.split(":")
    if len(parts) == 3 and "/" not in parts[1] and parts[2][:1].isupper():
        long = f"{parts[0]}:{parts[1]}/{parts[2][:1].lower()}{parts[2][1:]}:{parts[2]}"
        if long in PULUMI_TOKENS:
            return long
    return token


def _plain(value: Any) -> bool:
    """A value the program writes as it is: no interpolation, no function."""
    if isinstance(value, str):
        return "${" not in value
    if isinstance(value, dict):
        return not any(str(k).startswith("fn::") for k in value) and all(_plain(v) for v in value.values())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return True


def _project_config(project: dict[str, Any], project_file: Path, composed: Any = None
                    ) -> dict[str, tuple[Any, str]]:
    """The config values the project gives (a `default`, or a value), with where each is set;
    not a secret. `composed`: the project file's node tree, when read already."""
    import yaml

    from linter.loaders import display_path, read_text

    name = str(project.get("name") or "")
    shown = display_path(project_file)
    if composed is None:
        try:
            composed = yaml.compose(read_text(project_file, shown), Loader=_composer())
        except (InputError, OSError, yaml.YAMLError, ValueError, RecursionError):
            composed = None
    out: dict[str, tuple[Any, str]] = {}
    for section in ("configuration", "config"):  # Pulumi YAML's own section, then the project's
        declared = project.get(section)
        for key, spec in (declared.items() if isinstance(declared, dict) else ()):
            key = str(key)
            short = key.split(":", 1)[1] if key.startswith(f"{name}:") else key
            if isinstance(spec, dict) and not spec.get("secret") and ("default" in spec or "value" in spec):
                field = "value" if "value" in spec else "default"
                where = _key_line(composed, (section, key, field))
                out[short] = (spec[field], f"config {short}, the project's {field} set at {shown}:{where}")
            elif not isinstance(spec, dict):
                out[short] = (spec, f"config {short}, set at {shown}:{_key_line(composed, (section, key))}")
    return {k: v for k, v in out.items() if _plain(v[0])}


def _declared_types(project: dict[str, Any]) -> dict[str, str]:
    """The type each config key the project declares has (`integer`, `boolean`, ...)."""
    name = str(project.get("name") or "")
    out: dict[str, str] = {}
    for section in ("configuration", "config"):
        declared = project.get(section)
        for key, spec in (declared.items() if isinstance(declared, dict) else ()):
            if isinstance(spec, dict) and isinstance(spec.get("type"), str):
                out[str(key).removeprefix(f"{name}:")] = spec["type"].lower()
    return out


def _typed(given: tuple[Any, str] | None, declared: str | None) -> tuple[Any, str] | None:
    """A stack's value as the program reads it: stack files keep values as text (`pulumi config
    set size 3` writes "3"); a declared integer, number or boolean is read as one (a text that
    is none: not known)."""
    if given is None or not isinstance(given[0], str) or declared not in ("integer", "number", "boolean"):
        return given
    text = given[0].strip()
    if declared == "boolean":
        return (text == "true", given[1]) if text in ("true", "false") else None
    try:
        number = int(text) if declared == "integer" else float(text)
    except ValueError:
        return None
    return (number, given[1]) if math.isfinite(number) else None


def _stacks(project_file: Path, project: str, unread: list[InputError]
            ) -> list[tuple[str, str, dict[str, tuple[Any, str] | None] | None]]:
    """Each stack file beside the project: (the stack, the file as shown, the values it sets
    for the project's keys with where: None for a secure one; None for all when which it sets
    is not known: an ESC `environment` it imports, a file that cannot be read, whose error
    goes to `unread`: `pulumi` refuses the stack)."""
    import yaml

    from linter.loaders import display_path, read_text
    from linter.loaders.kubernetes import read_yaml

    try:
        names = sorted(n for n in os.listdir(project_file.parent) if _is_stack_file(n))
    except OSError:
        return []
    out: list[tuple[str, str, dict[str, tuple[Any, str] | None] | None]] = []
    for file in names:
        path = project_file.parent / file
        stack, shown = file[len("Pulumi."):].rsplit(".", 1)[0], display_path(path)
        try:
            text = read_text(path, shown)
            docs = read_yaml(text, shown)
            composed = yaml.compose(text, Loader=_composer())
        except InputError as err:
            unread.append(err)
            out.append((stack, shown, None))
            continue
        except (OSError, yaml.YAMLError, ValueError, RecursionError):
            out.append((stack, shown, None))
            continue
        doc = docs[0] if docs and isinstance(docs[0], dict) else {}
        if doc.get("environment"):
            out.append((stack, shown, None))  # Pulumi ESC may set any value
            continue
        given: dict[str, tuple[Any, str] | None] = {}
        config = doc.get("config")
        for key, value in (config.items() if isinstance(config, dict) else ()):
            key = str(key)
            short = key.split(":", 1)[1] if key.startswith(f"{project}:") else key if ":" not in key else None
            if short is None:
                continue  # another package's (`aws:region`): not a name the program reads
            secure = isinstance(value, dict) and "secure" in value
            given[short] = None if secure or not _plain(value) else (
                value, f"config {short}, set at {shown}:{_key_line(composed, ('config', key))}")
        out.append((stack, shown, given))
    return out


def _composer() -> Any:
    """The YAML loader whose node trees give lines: libyaml's when there is one (the same
    nodes, several times faster than PyYAML's own on a program of thousands of resources),
    guarded against nesting that would overflow its C stack."""
    from linter.loaders.kubernetes import GuardedLoader

    return GuardedLoader


def _key_line(node: Any, at: tuple[Any, ...]) -> int | None:
    """The line of the key at `at` in a YAML node tree (of the deepest part of it found)."""
    return _node_at(node, at)[1]


def _node_at(node: Any, at: tuple[Any, ...], index: dict[int, dict[Any, Any]] | None = None
             ) -> tuple[Any, int | None]:
    """The node at `at` (mapping keys, sequence indices) in a YAML node tree and the line of
    its key; when the path is not all there, None and the line of the deepest part found.
    `index`: each mapping's keys, by the mapping's id, filled as mappings are met (a program
    asks the one `resources` mapping for each of its resources: not a scan each time)."""
    import yaml

    line = None
    for key in at:
        if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
            continue
        if isinstance(node, yaml.MappingNode) and index is not None:
            keys = index.get(id(node))
            if keys is None:
                keys = index[id(node)] = {}
                for k, v in reversed(node.value):  # the first of a key written twice, as below
                    if isinstance(getattr(k, "value", None), str):
                        keys[k.value] = (k, v)
            pair = keys.get(key) if isinstance(key, str) else None
        else:
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None) \
                if isinstance(node, yaml.MappingNode) else None
        if pair is None:
            return None, line
        line, node = pair[0].start_mark.line + 1, pair[1]
    return node, line


def _attribute_line(lines: dict[tuple[Any, ...], int], resource_type: str, path: str) -> int | None:
    """Line of `path` (canonical names) in a resource's properties, or of the deepest part
    of it written there; None when none is."""
    from linter.loaders.pulumi import attribute_steps

    at: tuple[Any, ...] = ()
    line = None
    for step in attribute_steps(resource_type, path):
        options = (step,) if isinstance(step, int) else tuple(key.strip('"') for key in step)
        found = next((option for option in options if (*at, option) in lines), None)
        if found is None:
            break
        at = (*at, found)
        line = lines[at]
    return line
