"""`.resilint.yaml`: found beside the scanned files or above them, or named with --config.

The file is validated by a JSON Schema shipped with the package
(`linter/schemas/config.schema.json`). Errors are InputErrors (exit 2) that name
the offending key and its line:

    .resilint.yaml:4: unknown key 'fial_on' at the top level (expected one of: fail_on, ...)

`jsonschema` is imported only when a config file exists: most runs have none,
and start-up is paid on every commit.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from linter.model import InputError
from linter.paths import ExcludeGlob
from linter.rule_match import Selector

CONFIG_NAMES = (".resilint.yaml", ".resilint.yml")
# the line a key of the file is written on, from its path (["ignore", 0, "expires"]); None: unknown
LineAt = Callable[[list[Any]], int | None]
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "config.schema.json"


@dataclass
class IgnoreEntry:
    """One `ignore:` entry: a suppression with a reason and an optional end date."""

    rule: str
    reason: str
    resource: str | None = None
    path: str | None = None
    expires: _dt.date | None = None
    line: int | None = None  # where it is written, for notes

    def expired(self, today: _dt.date) -> bool:
        return self.expires is not None and today > self.expires


@dataclass
class Config:
    file: str | None = None  # None: no config file (all defaults)
    source: str | None = None  # the file's real path (which files it governs is decided by it)
    base_dir: str = "."  # `path` globs and `policies` are relative to it
    fail_on: str | None = None
    select: list[str] | None = None
    ignore: list[IgnoreEntry] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)  # absolute paths
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # `terraform: {var_files: [...], vars: {...}}`: ("file", path) / ("var", "NAME=VALUE"), in order
    terraform_variables: list[tuple[str, str]] = field(default_factory=list)
    # `exclude:` globs, relative to base_dir: what discovery passes over (see Exclusions)
    exclude: list[ExcludeGlob] = field(default_factory=list)


def find_config(paths: list[str]) -> Path | None:
    """The nearest `.resilint.yaml` in the scanned directory or one of its parents."""
    dirs = []
    for given in paths or ["."]:
        try:
            p = Path(given).resolve()
        except (OSError, RuntimeError):  # a symlink loop: the scan reports the path itself
            p = Path(os.path.abspath(given))
        dirs.append(str(p if os.path.isdir(p) else p.parent))  # isdir: False on a name too long
    try:
        start = Path(os.path.commonpath(dirs))
    except ValueError:  # paths on different drives
        start = Path(dirs[0])
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if os.path.isfile(candidate):
                return candidate
    return None


def nearest_config(file: str, seen: dict[str, Path | None], real: str | None = None) -> Path | None:
    """The `.resilint.yaml` at or above a file, nearest first (as ruff finds its
    config), as a real path. `seen` caches directories already looked at (per scan);
    `real`: the file's real path when already known (discovery resolved it)."""
    directory = os.path.dirname(real or os.path.realpath(file))
    walked: list[str] = []
    found: Path | None = None
    while directory not in seen:
        walked.append(directory)
        hit = next((os.path.join(directory, n) for n in CONFIG_NAMES if os.path.isfile(os.path.join(directory, n))), None)
        if hit is not None:
            found = Path(os.path.realpath(hit))
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    else:
        found = seen[directory]
    for d in walked:
        seen[d] = found
    return found


def load_found(path: Path) -> Config:
    """A config found by lookup, named relative to the working directory in messages."""
    return load_config(path, shown=_shown(path))


def load_for_scan(paths: list[str], config_file: str | None = None) -> Config:
    """The config that applies to a scan: --config FILE, else the one found, else defaults."""
    if config_file:
        path = Path(config_file)
        if not os.path.isfile(path):
            raise InputError(config_file, "config file not found (--config)")
        return load_config(path, shown=config_file)
    found = find_config(paths)
    if found is None:
        return Config()
    return load_found(found)


def _shown(path: Path) -> str:
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def load_config(path: Path, shown: str | None = None) -> Config:
    import yaml

    from linter.loaders.kubernetes import (NESTED_PAST, ManifestLoader, _check_aliases, _DuplicateKeyError,
                                           nested_too_deeply, node_line, yaml_error_line)

    shown = shown or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(shown, f"cannot read config file: {exc}") from None

    class ConfigLoader(ManifestLoader):
        """Safe, rejects duplicate keys, tags that do not fit their value and
        non-finite numbers, and dates stay text (`expires: 2025-13-01` is a
        schema error, not a crash)."""

    ConfigLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, n: loader.construct_scalar(n))
    loader = ConfigLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            # guarded like a manifest: an alias bomb or a thousand nested lists
            # must not take gigabytes (or the interpreter's stack) to read
            if "&" in text:
                _check_aliases(node, shown)
            _check_config_depth(node, shown)
        data = loader.construct_document(node) if node is not None else None
    except _DuplicateKeyError as dup:
        raise InputError(shown, f"duplicate key {dup.key!r} (first defined on line {dup.first_line})", dup.line) from None
    except yaml.YAMLError as exc:
        problem = NESTED_PAST if nested_too_deeply(exc) else getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(shown, f"invalid YAML: {problem}", yaml_error_line(exc, text)) from None
    except (ValueError, RecursionError) as exc:  # an integer of thousands of digits, a recursive alias
        if "digits" in str(exc):
            from linter.loaders import huge_number

            raise huge_number(text, shown) from None
        raise InputError(shown, f"invalid YAML value: {type(exc).__name__}: {str(exc).split(';')[0][:200]}") from None
    finally:
        loader.dispose()
    if data is None:
        data = {}

    def line_at(location: list[Any]) -> int | None:
        if node is None:
            return None
        return node_line(node, ".".join(str(p) for p in location))

    validate(data, shown, line_at)
    options = _rule_options(data.get("options") or {}, shown, line_at)
    base_dir = str(path.resolve().parent)
    entries = [
        IgnoreEntry(
            rule=e["rule"],
            reason=e["reason"],
            resource=e.get("resource"),
            path=e.get("path"),
            expires=_dt.date.fromisoformat(e["expires"]) if "expires" in e else None,
            line=line_at(["ignore", i]),
        )
        for i, e in enumerate(data.get("ignore", []))
    ]
    return Config(
        file=shown,
        source=os.path.realpath(path),
        base_dir=base_dir,
        fail_on=data.get("fail_on"),
        select=[Selector(text, "select", shown, line_at(["select", i])) for i, text in enumerate(data["select"])]
        if data.get("select") is not None else None,
        ignore=entries,
        policies=[os.path.normpath(os.path.join(base_dir, p)) for p in data.get("policies", [])],
        options=options,
        terraform_variables=_terraform_variables(data.get("terraform") or {}, base_dir),
        exclude=[ExcludeGlob(text, base_dir, f"{shown}:{line_at(['exclude', i])}" if line_at(["exclude", i]) else shown)
                 for i, text in enumerate(data.get("exclude", []))],
    )


def _terraform_variables(section: dict[str, Any], base_dir: str) -> list[tuple[str, str]]:
    """Variable files (relative to the config file) first, then single variables, as
    `--var-file`/`--var` would be given."""
    import json

    out: list[tuple[str, str]] = [("file", os.path.normpath(os.path.join(base_dir, f)))
                                  for f in section.get("var_files", [])]
    for name, value in (section.get("vars") or {}).items():
        text = value if isinstance(value, str) else json.dumps(value)
        out.append(("var", f"{name}={text}"))
    return out


# `.resilint.yaml` is a few levels deep (options.RES414.name: value); a value
# nested deeper is a mistake, and jsonschema recurses through it per level
MAX_CONFIG_DEPTH = 32


def _check_config_depth(root: Any, shown: str) -> None:
    import yaml

    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_CONFIG_DEPTH:
            raise InputError(shown, f"values nested more than {MAX_CONFIG_DEPTH} levels deep: "
                             "not a resilint config", node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            stack.extend((n, depth + 1) for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((n, depth + 1) for n in node.value)


def _shown_value(value: Any, limit: int = 80) -> str:
    """A config value in a message, cut short (a value may be megabytes long)."""
    import reprlib

    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = limit
    shortener.maxlevel, shortener.maxlist, shortener.maxdict = 3, 6, 6
    return shortener.repr(value)


def schema() -> dict[str, Any]:
    import json

    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))  # a JSON Schema: an object
    return loaded


def validate(data: Any, shown: str, line_at: LineAt) -> None:
    """Raise an InputError for the first schema violation, naming the key."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        _check_dates(data, shown, line_at)
        return
    err = errors[0]
    location = list(err.absolute_path)
    where = _key_path(location)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = sorted(err.schema.get("properties", {}))
        extra = [k for k in err.instance if k not in allowed]
        bad = extra[0] if extra else "?"
        scope = f"in {where}" if where else "at the top level"
        raise InputError(
            shown,
            f"unknown key {bad!r} {scope} (expected one of: {', '.join(allowed)})",
            line_at(location + [bad]),
        )
    if err.validator == "required":
        missing = next((k for k in err.validator_value if k not in err.instance), "?")
        raise InputError(shown, f"{where}: missing required key {missing!r}", line_at(location))
    if err.validator == "type" and location and location[0] == "ignore" and len(location) == 2:
        raise InputError(
            shown,
            f"{where} must be a mapping with 'rule' and 'reason' (and optional 'resource', "
            f"'path', 'expires'), got {_shown_value(err.instance)}",
            line_at(location),
        )
    if err.validator == "pattern" and location and location[-1] == "expires":
        raise InputError(shown, f"{where}: {_shown_value(err.instance)} is not a date (YYYY-MM-DD)", line_at(location))
    if err.validator == "type" and not location:
        raise InputError(shown, "the config must be a mapping of keys (fail_on, select, ignore, policies, options)", 1)
    message = err.message if len(err.message) <= 300 else err.message[:300] + "..."
    raise InputError(shown, f"{where or 'config'}: {message}", line_at(location))


def _check_dates(data: dict[str, Any], shown: str, line_at: LineAt) -> None:
    for i, entry in enumerate(data.get("ignore", [])):
        if "expires" in entry:
            try:
                _dt.date.fromisoformat(entry["expires"])
            except ValueError:
                raise InputError(
                    shown, f"ignore[{i}].expires: {_shown_value(entry['expires'])} is not a valid date",
                    line_at(["ignore", i, "expires"]),
                ) from None


def _rule_options(options: dict[str, Any], shown: str, line_at: LineAt) -> dict[str, dict[str, Any]]:
    """Per-rule options keyed by rule id. A key is a selector (`RES414`, `RES41*`):
    it sets the option on every rule it names that has the option. A key naming
    no rule, an option none of them has (`backof_limit_threshold`) or `"20"` for
    20 must not be silently ignored (or crash the rule that compares it)."""
    from linter.rule_match import matches, unknown_message
    from linter.rules import load_rules

    rules = load_rules()
    out: dict[str, dict[str, Any]] = {}
    for key, values in options.items():
        named = [r for r in rules.values() if matches(str(key), r.id)]
        if not named:
            raise InputError(shown, f"options: {unknown_message(str(key)[:80], rules)}", line_at(["options", key]))
        for name, value in (values or {}).items():
            having = [r for r in named if name in r.options]
            if not having:
                known = ", ".join(sorted({o for r in named for o in r.options})) or "none"
                who = f"{named[0].id} has" if len(named) == 1 else f"no rule it names ({', '.join(r.id for r in named)}) has"
                raise InputError(shown, f"options.{key}: {who} no option {name!r} (options: {known})",
                                 line_at(["options", key, name]))
            for rule in having:
                default = rule.options[name]
                if not _same_kind(value, default):
                    raise InputError(shown, f"options.{key}.{name} must be {_kind_of(default)} "
                                     f"(default {default!r}), got {_shown_value(value)}", line_at(["options", key, name]))
                out.setdefault(rule.id, {})[name] = value
    return out


def _same_kind(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, type(default))


def _kind_of(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (int, float)):
        return "a number"
    if isinstance(default, list):
        return "a list of strings"
    return "a string"


def _key_path(location: list[Any]) -> str:
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Exclusions:
    """What discovery passes over: `--exclude` globs, and those of the
    `.resilint.yaml` governing each directory (the nearest at or above it, as ruff
    reads `exclude`; the scan's config alone with --config FILE). A walk asks of
    each directory's entries (`in_directory`), a named path of the path and every
    directory above it (`excluding`): pre-commit names staged files, and an
    excluded file is passed over however it is given (ruff's `force-exclude`)."""

    def __init__(self, given: list[ExcludeGlob], config: Config | None, nested: bool):
        self.given = tuple(given)
        self.config = config
        self.nested = nested
        self._scan_config = config.source if config is not None else None
        self._seen: dict[str, Path | None] = {}  # directory -> its config (nearest_config's cache)
        self._globs: dict[str | None, tuple[ExcludeGlob, ...]] = {}  # a config's real path -> its globs

    def globs_for(self, directory: str, listing: list[str] | None = None) -> tuple[ExcludeGlob, ...]:
        """The globs governing the entries of `directory` (real, absolute); `listing`:
        its file names when a walk has them (no lookup for a config beside them)."""
        if not self.nested:
            return self._of(None)
        if listing is not None and directory not in self._seen:
            hit = next((n for n in CONFIG_NAMES if n in listing and os.path.isfile(os.path.join(directory, n))), None)
            if hit is not None:
                self._seen[directory] = Path(os.path.realpath(os.path.join(directory, hit)))
            elif os.path.dirname(directory) in self._seen:
                self._seen[directory] = self._seen[os.path.dirname(directory)]
        inside = os.path.join(directory, "-")
        found = nearest_config(inside, self._seen, inside)
        return self._of(None if found is None or str(found) == self._scan_config else str(found))

    def _of(self, config_path: str | None) -> tuple[ExcludeGlob, ...]:
        globs = self._globs.get(config_path)
        if globs is None:
            config = self.config
            if config_path is not None:
                try:
                    config = load_found(Path(config_path))
                except InputError:  # the scan reports it, with the files the config governs
                    config = None
            globs = self._globs[config_path] = self.given + tuple(config.exclude if config is not None else ())
        return globs

    def in_directory(self, directory: str, listing: list[str]) -> Callable[[str, bool], ExcludeGlob | None] | None:
        """Which glob excludes an entry of `directory` (real, absolute), by name and
        whether it is a directory; None: no glob reaches the directory's entries."""
        tests = [(glob, test) for glob in self.globs_for(directory, listing)
                 if (test := glob.in_directory(directory)) is not None]
        if not tests:
            return None

        def excluding(name: str, is_dir: bool) -> ExcludeGlob | None:
            return next((glob for glob, test in tests if test(name, is_dir)), None)

        return excluding

    def prune(self, directory: str, dirnames: list[str], filenames: list[str]) -> list[str]:
        """A walk's step in `directory` (real, absolute) less what is excluded: `dirnames`
        pruned in place (os.walk then passes over them), the files left returned."""
        excluded_entry = self.in_directory(directory, filenames)
        if excluded_entry is None:
            return filenames
        dirnames[:] = [d for d in dirnames if excluded_entry(d, True) is None]
        return [f for f in filenames if excluded_entry(f, False) is None]

    def excluding(self, real_path: str, is_dir: bool) -> ExcludeGlob | None:
        """The glob that excludes a named path (real, absolute), or a directory it lies in."""
        directory = real_path if is_dir else os.path.dirname(real_path)
        return next((g for g in self.globs_for(directory) if g.excludes(real_path, is_dir)), None)
