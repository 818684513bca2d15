"""Terraform: the charts of this repository that its `helm_release` resources deploy.

A `helm_release` of the hashicorp/helm provider installs a chart: with no `repository`,
its `chart` is a path (relative to the directory terraform runs in, the root module's:
`"${path.module}/charts/web"`, `"./charts/web"`), and a directory there with a
`Chart.yaml` is what helm installs. Such a chart of this repository (its git checkout;
anywhere, outside one) is judged as the provider renders it (rendered.py:_load_release),
`helm template NAME CHART --namespace NS` (`default` when unset) with `values` (each a
YAML document, in order), then `set` (`--set`; `type = "string"`: `--set-string`), then
`set_list` (`--set name={a,b}`), then `set_sensitive` (`--set`), as the provider applies
them; the v2 provider's blocks and the v3 provider's list attributes read alike. The
releases come from the scan's loaded resources, HCL (every instance of `count` and
`for_each`, per environment of the root) and plans (`after`, relative paths read from the
root the plan covers: `--tf-root`, or the plan's own directory when it sits in its root).

What is not known before apply (a value from a variable with none, an unknown in a plan,
a `count` or `for_each` not known), or what helm does besides rendering (`postrender`,
`reuse_values`), makes the release not known here: it is noted, not judged, and its chart
is not judged alone either (it is deployed, with values not known here), as a helmfile
release's. A release of a chart from a repository (`repository` set, `oci://`, a packaged
chart) is not this repository's chart: nothing is said of it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linter.model import EXPANSION_KEYS, TEMPLATE_MODULE, InputError, Location, Resource, Unknown

if TYPE_CHECKING:
    from linter.loaders.rendered import ChartRelease, Deployed

HELM_RELEASE = "helm_release"
# meta: the files a release's `values` entries read whole, by position (terraform/tree.py notes them)
VALUES_FILES = "helm_values_files"
# the provider's parameters, in the order it applies them, with helm's option for each
PARAMETERS = ("set", "set_list", "set_sensitive")
# attributes that make helm do more than render the chart with the values written
NOT_RENDERED_ONLY = {
    "postrender": "helm runs a post-renderer over what the chart renders (`postrender`)",
    "reuse_values": "`reuse_values` merges the values of the release already installed, not known here",
    "reset_then_reuse_values": "`reset_then_reuse_values` merges the values of the release already installed, "
                               "not known here",
}


def terraform_releases(loaded: Any, options: dict[str, Any], context: list[Resource] | None = None,
                       staged: set[str] | None = None) -> Deployed:
    """The releases of this repository's charts that the scan's `helm_release` resources
    (HCL and plans) deploy, as the helm provider renders them; the real paths of the charts
    of this repository they deploy, judged or not (a release not known here is noted in
    `loaded`): those are not judged alone; and the values files they read. `context`: the
    `helm_release`s of the roots a staged file's checkout deploys it from (`context_helm_releases`),
    of which only the releases that render one of `staged` (real paths) count, and that say
    nothing of themselves (errors; notes of other charts)."""
    from linter.loaders.rendered import Deployed

    found = Deployed()
    own = len(loaded.resources)
    for n, r in enumerate([*loaded.resources, *(context or ())]):
        if r.type != HELM_RELEASE or r.source_format not in ("hcl", "tfplan"):
            continue
        if n >= own:
            _from_context(r, options, staged or set(), found, loaded)
            continue
        try:
            made = _release(r, options)
            if made is None and _root_not_named(r, options):
                loaded.notes.append(f"{r.location}: {_label(r)} not judged: its chart {r.attrs['chart']!r} is a path "
                                    "from the Terraform root this plan covers, which it does not name: give "
                                    "--tf-root DIR (its chart, if it is this repository's, is judged alone)")
        except InputError as err:
            loaded.errors.append(err)
            continue
        except RecursionError:
            loaded.errors.append(InputError(r.location.file, f"{r.address}: nested too deeply to read",
                                            r.location.line))
            continue
        except Exception as exc:  # last resort: a bug here costs this release, not the scan
            loaded.errors.append(InputError.internal(r.location.file, f"reading {r.address}", exc, r.location.line))
            continue
        found.take(made, f"{r.location}: {_label(r)}", loaded)
    return found


def _from_context(r: Resource, options: dict[str, Any], staged: set[str], found: Deployed, loaded: Any) -> None:
    """A context `helm_release` (`terraform_releases`): its release when it renders a staged
    file; its chart deployed (and why it is not judged noted) when that chart holds one and
    the release is not known here; nothing otherwise, errors included."""
    try:
        made = _release(r, options)
    except (InputError, RecursionError):
        return  # a full scan reports it at the release, not a commit of the chart
    except Exception:  # last resort: a bug here costs this release, not the scan
        return
    found.take_context(made, f"{r.location}: {_label(r)}", loaded, staged)


def context_helm_releases(files: dict[Path, bool], loaded: Any, options: dict[str, Any]) -> list[Resource]:
    """Pre-commit: the `helm_release`s of the Terraform roots of a staged file's checkout,
    evaluated as a full scan of the checkout evaluates them, as context. `files`: the
    checkout's `.tf`/`.tf.json` files that mention `helm_release` (True) or `module`, and its
    Terragrunt units that may plan another directory (`rendered.deployers_of_staged`). The
    roots are those a full scan loads (`tree.roots_reaching`: a directory no other calls, or
    one a unit plans) that are, or call, a directory releasing a chart: a module's release is
    evaluated in each root that calls it, as `meta["root"]` says, and a module units plan once
    with each unit's inputs (`terragrunt.plan_units`, as a full scan reads them). What they
    release from a directory this scan loads itself (a staged `.tf`) is left to that load.
    Nothing else of theirs is kept: their findings, errors and notes are not the commit's."""
    from linter.loaders.terraform import MODULE_SUFFIXES, UNIT_FILE, unit_files
    from linter.loaders.hcl import load_modules
    from linter.terraform.tree import roots_reaching

    targets = {os.path.realpath(p.parent) for p, releases in files.items() if releases}
    loaded_here = {os.path.realpath(os.path.dirname(f)) for f in loaded.files if f.endswith(MODULE_SUFFIXES)}
    loaded_here |= {os.path.realpath(os.path.dirname(r.location.file)) for r in loaded.resources
                    if r.source_format == "hcl"}
    targets -= loaded_here
    if not targets:
        return []
    calling: dict[Path, list[Path]] = {}
    for path in files:
        if path.name != UNIT_FILE:
            calling.setdefault(path.parent, []).append(path)
    quiet = {k: v for k, v in options.items() if k not in ("named_in_units", "unresolved_modules", "skipped_files")}
    # a unit beside a directory's `.tf` files plans that directory (with no `terraform` block),
    # unless an `exclude` glob names it (a full scan does not read it then)
    exclusions = options.get("exclusions")
    units = {p for p in files if p.name == UNIT_FILE} | {
        d / UNIT_FILE for d in calling if os.path.isfile(d / UNIT_FILE) and (
            exclusions is None or exclusions.excluding(os.path.realpath(d / UNIT_FILE), False) is None)}
    unit_errors = _read_units(sorted(units), quiet)
    roots = [d for d in roots_reaching(calling, targets, quiet) if os.path.realpath(d) not in loaded_here]
    if unit_errors:  # not the commit's error, but what the unit plans is unknown: said, not silent
        loaded.notes.append(f"{Location(unit_errors[0].file, unit_errors[0].line)}: a Terragrunt unit that may release a staged chart has an "
                            f"error ({unit_errors[0].message}): what it plans is not judged")
    if not roots:
        return []
    first = {d: fs[0] for d, fs in calling.items()}  # a file of each directory, to list its module by
    modules = {d: unit_files(first[d], d, whole_directory=True) for d in roots}
    try:
        resources, errors = load_modules(modules, quiet)
    except Exception as exc:  # last resort: context that cannot be read judges nothing, as in a full scan's error
        errors = [InputError.internal(str(roots[0]), "reading the Terraform roots of the checkout", exc)]
        resources = []
    if errors:
        # not the commit's error, but what the roots release is unknown: said, not silent
        loaded.notes.append(f"{Location(errors[0].file, errors[0].line)}: a Terraform root that may release a staged chart has an error "
                            f"({errors[0].message}): its releases are judged as far as it could be read")
    reached = {os.path.realpath(os.path.dirname(r.location.file)) for r in resources}
    if not reached.isdisjoint(loaded_here):  # a staged module reached through a root: the scan's own load says
        resources = [r for r in resources if os.path.realpath(os.path.dirname(r.location.file)) not in loaded_here]
    return [r for r in resources if r.type == HELM_RELEASE]


def _read_units(units: list[Path], options: dict[str, Any]) -> list[InputError]:
    """Read the Terragrunt units `units` as a full scan reads them (`terragrunt.plan_units`):
    `options["terragrunt_units"]` then says which modules they plan, with what inputs, and
    those are roots planned once per unit. Returns the units' errors."""
    if not units:
        return []
    from linter.terraform.terragrunt import plan_units
    from linter.terraform.tree import ModuleTree

    try:
        _, errors, _ = plan_units({p.parent: [p] for p in units}, options, ModuleTree(options).checkouts)
    except Exception as exc:  # last resort: units that cannot be read plan nothing here, as in a full scan's error
        return [InputError.internal(str(units[0]), "reading the Terragrunt units of the checkout", exc)]
    return errors


def _label(r: Resource) -> str:
    """How findings name the release: its address, and the root and environment it is planned in
    (`Terraform helm_release.web (-var-file env/prod.tfvars)`)."""
    return f"Terraform {_key(r)}"


def _key(r: Resource) -> str:
    """The release among the others of its file: two roots calling one module, or two
    environments of one root, plan one block twice."""
    planned = [f"root {r.meta['root']}"] if r.meta.get("root") else []
    if r.meta.get("environment"):
        planned.append(f"{r.meta.get('environment_option')} {r.meta['environment']}")
    return r.address + (f" ({', '.join(planned)})" if planned else "")


def _release(r: Resource, options: dict[str, Any]) -> ChartRelease | tuple[Path, str] | None:
    """The release as the provider renders it; (its chart, why) when it deploys a chart of
    this repository in a way not known here; None when it deploys none (a chart of a
    repository, or its chart is not known)."""
    from linter.loaders.rendered import ChartRelease

    chart = _local_chart(r, options)
    if chart is None:
        return None
    repository = r.attrs.get("repository")
    if isinstance(repository, Unknown):
        return chart, f"its `repository` is not known before apply ({repository}): helm may fetch the chart from it"
    for key in EXPANSION_KEYS:
        if isinstance(r.meta.get(key), Unknown):
            return chart, f"its `{key}` is not known before apply: how many releases there are is not known"
    if TEMPLATE_MODULE in r.meta:
        call, key, _ = r.meta[TEMPLATE_MODULE]
        return chart, f"the `{key}` of {call} is not known before apply: how many releases there are is not known"
    for key, reason in NOT_RENDERED_ONLY.items():
        value = r.attrs.get(key)
        if isinstance(value, Unknown):
            return chart, f"its `{key}` is not known before apply"
        if value not in (None, False, [], {}):
            return chart, reason
    name, namespace = r.attrs.get("name"), r.attrs.get("namespace")
    for key, value in (("name", name), ("namespace", namespace)):
        if isinstance(value, Unknown):
            return chart, f"its `{key}` is not known before apply ({value})"
        if value is not None and not isinstance(value, str):
            raise InputError(r.location.file, f"{r.address}: `{key}` must be a string", r.line_for(key))
    if not name:
        raise InputError(r.location.file, f"{r.address}: `name` is required", r.location.line)
    values = _values(r)
    if isinstance(values, str):
        return chart, values
    parameters: list[tuple[str, str]] = []
    places: list[str | None] = []
    for key in PARAMETERS:
        for n, entry in enumerate(_entries(r, key)):
            parameter = _parameter(r, key, n, entry)
            if isinstance(parameter, str):
                return chart, parameter
            parameters.append(parameter)
            places.append(_place(r, f"{key}.{n}.value") if key != "set_sensitive" else None)
    files = r.meta.get(VALUES_FILES) or {}
    given: list[Path | str | dict[str, Any]] = [_as_file(text, files.get(n)) for n, text in enumerate(values)]
    return ChartRelease(Path(r.location.file), r.address, chart, given, parameters, name, namespace or "default",
                        _label(r), f"terraform-helm:{_key(r)}", parameter_places=places, line=r.location.line)


def _place(r: Resource, path: str) -> str | None:
    """Where the attribute `path` is written (`main.tf:12`), and where a variable that gave
    its value was set (`var.replicas, set at prod.tfvars:1`); None when its line is not known."""
    from linter.rules._values import origin_of

    line = r.line_of(path) if r.line_of is not None else None
    if line is None:
        return None
    origin = origin_of(r, path)
    return f"{r.location.file}:{line}" + (f" ({origin})" if origin else "")


def _local_chart(r: Resource, options: dict[str, Any]) -> Path | None:
    """The chart directory of this repository the release installs: its `chart` a path to a
    directory with a Chart.yaml (relative to the root module's directory), with no
    `repository`; None for anything else, or a chart not known."""
    from linter.loaders.rendered import chart_of_repository
    from linter.loaders.unfetched import fetched_from

    chart, repository = r.attrs.get("chart"), r.attrs.get("repository")
    if not isinstance(chart, str) or not chart or "\x00" in chart or fetched_from(chart, repository) is not None:
        return None
    directory = Path(".") if os.path.isabs(chart) else _working_directory(r, options)
    return None if directory is None else chart_of_repository(directory / chart, Path(r.location.file))


def _root_not_named(r: Resource, options: dict[str, Any]) -> bool:
    """A plan's release of a chart written as a relative path (`./charts/web`), whose root,
    where that path starts, is not known here."""
    chart = r.attrs.get("chart")
    return r.source_format == "tfplan" and isinstance(chart, str) and chart.startswith(("./", "../")) \
        and not r.attrs.get("repository") and _working_directory(r, options) is None


def _working_directory(r: Resource, options: dict[str, Any]) -> Path | None:
    """The directory terraform plans the release in, where its relative `chart` is read:
    the root module's (HCL); for a plan, the root it covers (`--tf-root`, or the plan's own
    directory when the plan sits in its root); None when that is not known."""
    from linter.loaders.tfplan import COVERED_BY_PLAN

    if r.source_format == "hcl":
        root = r.meta.get("root")
        return Path(root) if root else Path(os.path.dirname(r.location.file) or ".")
    if options.get("tf_root"):
        return Path(options["tf_root"])
    directory = os.path.dirname(r.scope) or "."  # a plan's scope is the plan file
    return Path(directory) if os.path.realpath(directory) in (options.get(COVERED_BY_PLAN) or ()) else None


def _values(r: Resource) -> list[str] | str:
    """The `values` documents, in order; or why they are not known."""
    values = r.attrs.get("values")
    if values is None:
        return []
    if isinstance(values, Unknown):
        return f"its `values` are not known before apply ({values})"
    if not isinstance(values, list):
        raise InputError(r.location.file, f"{r.address}: `values` must be a list of strings", r.line_for("values"))
    out: list[str] = []
    for n, value in enumerate(values):
        if isinstance(value, Unknown):
            return f"its `values[{n}]` is not known before apply ({value})"
        if value is None:
            continue
        if not isinstance(value, str):
            raise InputError(r.location.file, f"{r.address}: `values[{n}]` must be a string (YAML), not "
                                              f"{type(value).__name__}", r.line_for(f"values.{n}"))
        out.append(value)
    return out


def _entries(r: Resource, key: str) -> list[Any]:
    """A parameter's entries: the v2 provider's blocks, the v3 provider's list attribute."""
    entries = r.attrs.get(key)
    if entries is None:
        return []
    if isinstance(entries, dict):  # one block, as some writers give it
        return [entries]
    if isinstance(entries, list):
        return entries
    if isinstance(entries, Unknown):
        return [entries]
    raise InputError(r.location.file, f"{r.address}: `{key}` must be a list of objects with name and value",
                     r.line_for(key))


def _parameter(r: Resource, key: str, n: int, entry: Any) -> tuple[str, str] | str:
    """One `set`, `set_list` or `set_sensitive` entry as helm's option and `name=value`, as
    the provider hands it to helm's parser (no escaping); or why it is not known."""
    where = f"{key}[{n}]"
    if isinstance(entry, Unknown):
        return f"its `{key}` is not known before apply ({entry})"
    if not isinstance(entry, dict):
        raise InputError(r.location.file, f"{r.address}: `{where}` must be an object with name and value",
                         r.line_for(f"{key}.{n}"))
    name, value = entry.get("name"), entry.get("value")
    if isinstance(name, Unknown) or isinstance(value, Unknown) or isinstance(entry.get("type"), Unknown):
        unknown = next(v for v in (name, value, entry.get("type")) if isinstance(v, Unknown))
        sensitive = " (a sensitive value)" if key == "set_sensitive" else ""
        return f"its `{where}` is not known before apply ({unknown}){sensitive}"
    if not isinstance(name, str) or not name:
        raise InputError(r.location.file, f"{r.address}: `{where}` has no `name`", r.line_for(f"{key}.{n}"))
    if key == "set_list":
        items = value if isinstance(value, list) else None
        if items is None or not all(isinstance(i, (str, int, float, bool)) for i in items):
            if items is not None and any(isinstance(i, Unknown) for i in items):
                return f"its `{where}` is not known before apply"
            raise InputError(r.location.file, f"{r.address}: `{where}.value` must be a list of strings",
                             r.line_for(f"{key}.{n}.value"))
        return "--set", f"{name}={{{','.join(_text(i) for i in items)}}}"
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise InputError(r.location.file, f"{r.address}: `{where}.value` must be a string",
                         r.line_for(f"{key}.{n}.value"))
    option = "--set-string" if entry.get("type") == "string" else "--set"
    return option, f"{name}={_text(value)}"


def _text(value: Any) -> str:
    """A value as the provider's string attribute holds it (Terraform converts numbers and
    bools to strings: `3`, `1.5`, `true`; a null is empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_file(text: str, shown: str | None) -> Path | str:
    """A `values` document as the file it was read from whole (`file(P)`, noted by the HCL
    loader), so value notes can name its lines; the text when no file holds it."""
    if shown is None:
        return text
    try:
        with open(shown, encoding="utf-8") as fh:
            same = fh.read() == text
    except (OSError, UnicodeDecodeError, ValueError):
        same = False
    return Path(shown) if same else text
