"""Helmfile: the charts of this repository that its helmfiles release.

A `helmfile.yaml` (or each file of a `helmfile.d/` directory) lists releases: a chart,
values (files and inline maps, in order), `set` parameters, a release name and a
namespace. A release of a chart of this repository (a path: `./charts/web`, `../web`,
or a name with no `/` that is a directory beside the helmfile; `repo/chart` of a
declared repository, `oci://` and URLs are not) is judged as `helmfile template`
renders it, `helm template NAME CHART --namespace NS --values ... --set ...`
(loaders/rendered.py:_load_release), and the chart is not judged alone: what
deploys it says with which values.

Environments. A release whose fields use `{{ .Environment.Name }}` (`values:
[values/{{ .Environment.Name }}.yaml]`) or that has a `condition` is rendered once
per environment the helmfile declares (`environments:`; `default` when it declares
none), each a scope of its own; any other release once. The release templates
`{{ .Release.Name }}` and `{{ .Release.Namespace }}` are filled, written plainly or
escaped for the first pass (``{{`{{ .Release.Name }}`}}``), and so is a scalar of the
environment's values (`{{ .Values.ns }}`, `.Environment.Values`, `.StateValues`), in a field,
in inline values (an action that is a whole plain scalar, `replicaCount: {{ .Values.n }}`,
read as YAML reads what it renders: `ScalarAction`) and in a `.gotmpl` values file whose
every action names one (`_rendered_values`; such a release is one per environment). Release `templates:`
come in through YAML anchors (`<<: *default`) or `inherit:`; local `bases:` are read
first. A `condition` (`redis.enabled`) is read from the environment's values.

What cannot be known is not judged, and a note says why: a release whose values
come from sops `secrets`, from a URL, from a template that needs anything else (a
pipeline, `{{ requiredEnv "X" }}`, a value the environment lacks, a `.gotmpl` file with other
actions or with an action of its own line), a
values file that is not there (helmfile stops, unless `missingFileHandler` says
otherwise), or whose rendering helmfile changes afterwards (`strategicMergePatches`,
`jsonPatches`, `transformers`, a `postRenderer`). A helmfile whose structure is
itself a template (`{{ range ... }}` lines, as helmfile v0 allowed) cannot be read
before it is rendered: it is skipped with that reason, and its charts are judged
alone as before. The helmfiles a helmfile nests (`helmfiles:`, local paths and globs)
are read too, each once, with only the releases the entry's `selectors` pick
(`tier=web,name!=api`, by a release's labels, name, namespace and chart); the `values` an
entry gives (maps, or files beside the nesting helmfile) are merged over the nested
helmfile's own (`Given`; written as a template: not known). A nested helmfile is run in
the environments of the top helmfile nesting it (`helmfile -e prod` passes `prod` down), not
its own; one it does not declare stops helmfile there (unless the entry gives it values), and
its per-environment releases are noted in it, not judged (a release rendered once, when it
declares none of them). A helmfile's top-level
`values:` are the defaults of every environment: an environment's values are merged over
them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linter.loaders.rendered import Deployed, mapping_of
from linter.loaders.unfetched import ChartNotFetched
from linter.model import InputError

if TYPE_CHECKING:
    from linter.loaders.rendered import ChartRelease

# helmfile v1 renders a helmfile as a template only when its name ends in `.gotmpl`
HELMFILE_NAMES = ("helmfile.yaml", "helmfile.yml", "helmfile.yaml.gotmpl", "helmfile.yml.gotmpl")
TEMPLATED = "a helmfile whose structure is a Go template (`{{ ... }}` lines): its releases are known only rendered"
DEFAULT_ENVIRONMENT = "default"
# release fields whose effect on the rendered objects this reader does not reproduce
CHANGED_AFTER_RENDERING = ("strategicMergePatches", "jsonPatches", "transformers", "postRenderer")
TEMPLATED_FIELDS = ("valuesTemplate", "setTemplate")


def is_helmfile(path: Path) -> bool:
    """`helmfile.yaml` (`.gotmpl`), or a YAML file of a `helmfile.d/` directory."""
    return path.name in HELMFILE_NAMES or (
        path.parent.name == "helmfile.d" and path.name.endswith((".yaml", ".yml", ".yaml.gotmpl", ".yml.gotmpl")))


@dataclass(frozen=True)
class Given:
    """The state values a `helmfiles:` entry gives the helmfile it nests: its `values:`
    entries (maps, or files of `base`, the nesting helmfile's directory)."""

    base: Path
    entries: list[Any]


@dataclass
class _State:
    """A helmfile's documents (and its bases'), merged as helmfile layers them."""

    base: Path  # the helmfile's directory: relative paths start here
    environments: dict[str, Any] = field(default_factory=dict)
    environments_known: bool = True  # False: a base that declares them could not be read
    releases: list[Any] = field(default_factory=list)
    templates: dict[str, Any] = field(default_factory=dict)
    repositories: dict[str, str] = field(default_factory=dict)  # by name: its url (or "")
    missing_file_handler: str = "Error"
    read: set[Path] = field(default_factory=set)  # the other files it reads: bases, values files
    # the helmfiles it nests (`helmfiles:`), with the selectors that pick their releases and
    # the state values the entry gives them (`values:`, read from this helmfile's directory)
    # (and the entry's number among its `helmfiles:` entries, from 1)
    nested: list[tuple[Path, list[str], "Given | None", int]] = field(default_factory=list)
    nesting_entries: int = 0  # its `helmfiles:` entries read so far
    # its top-level `values:` entries (its bases' first): the defaults every environment's
    # values are merged over (helmfile's DefaultValues)
    default_values: list[Any] = field(default_factory=list)
    # state values given by the entry nesting it, merged over all of its own (OverrideValues)
    given: "Given | None" = None
    # nested: the environments it is run in, the top helmfile's (helmfile passes its
    # `--environment` down to the helmfiles it nests); None: its own
    run_in: tuple[str, ...] | None = None
    # the helmfile nesting it, when it is nested in more than one way (with other values or
    # selectors): each way a release of its own, named after it
    nested_by: str | None = None
    environment_values: dict[str, Any] = field(default_factory=dict)  # by environment, once read
    # a release's place in the helmfile's node tree (`releases[i]`, after its document's index
    # when the file holds several: `compose_file`'s), by identity: where a value note can
    # point at its inline values
    places: dict[int, tuple[str | int, ...]] = field(default_factory=dict)
    file: Path | None = None  # the helmfile itself
    composed: Any = None  # its YAML nodes (False: not composable), read for value notes

    def add(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        self.default_values += _list(doc.get("values"))
        for entry in _list(doc.get("helmfiles")):
            self.nesting_entries += 1
            number = self.nesting_entries
            where = entry.get("path") if isinstance(entry, dict) else entry
            selectors = [str(x) for x in _list(entry.get("selectors"))] if isinstance(entry, dict) else []
            # helmfile merges an entry's values over the nested state's (its OverrideValues)
            given = Given(self.base, _list(entry["values"])) \
                if isinstance(entry, dict) and entry.get("values") not in (None, [], {}) else None
            if isinstance(where, str) and where and "{{" not in where and "://" not in where \
                    and not where.startswith("git::"):
                self.nested += [(p, selectors, given, number) for p in self._nested_paths(where)]
        for name, spec in mapping_of(doc.get("environments")).items():
            self.environments[str(name)] = spec if isinstance(spec, dict) else {}
        self.templates.update({str(k): v for k, v in mapping_of(doc.get("templates")).items() if isinstance(v, dict)})
        self.repositories.update({r["name"]: str(r.get("url") or "") for r in _list(doc.get("repositories"))
                                  if isinstance(r, dict) and isinstance(r.get("name"), str)})
        if isinstance(doc.get("missingFileHandler"), str):
            self.missing_file_handler = doc["missingFileHandler"]
        self.releases += _list(doc.get("releases"))


    def _nested_paths(self, where: str) -> list[Path]:
        """The YAML files a `helmfiles:` path or glob names, in this repository (the git
        checkout holding the helmfile, else its directory): nothing outside it is read."""
        from linter.paths import repository_glob

        return [p for p in repository_glob(self.base, where) if p.name.endswith((".yaml", ".yml", ".gotmpl"))]


def helmfile_releases(paths: list[Path], out: Any, touching: dict[Path, set[str]] | None = None) -> Deployed:
    """The releases of this repository's charts that the helmfiles list, as helmfile
    renders them; every chart of this repository a release deploys is in `deployed`
    (judged or not: such a chart is not judged alone). What is not judged is noted in `out`.

    `touching`: helmfiles a pre-commit run found above its staged files (`helmfiles_above`),
    each with the real paths of those files: of such a helmfile only the releases that
    deploy a staged chart or read a staged values file are taken, and nothing else of it
    is said (it is not the scan's)."""
    from linter.loaders import Skipped, display_path

    found = Deployed()
    # (helmfile, the selectors of the helmfile nesting it (None: the scan's own), the state
    # values that helmfile gives it, the staged files it is read for)
    tops: list[tuple[Path, list[str] | None, Given | None, set[str] | None]] = [
        *((p, None, None, None) for p in paths), *((p, None, None, staged) for p, staged in (touching or {}).items())]
    read: dict[str, _State | None | Exception] = {}  # each helmfile read once: its state, or why not

    def state_of(path: Path, shown: str) -> _State | None:
        key = os.path.realpath(path)
        if key not in read:
            try:
                read[key] = _read(path, shown)
            except Exception as exc:
                read[key] = exc
        outcome = read[key]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    # a helmfile another of them nests (an umbrella's `helmfiles:`) is deployed as nested, with
    # that entry's selectors and values, not also alone: it waits until all the others are read.
    # Each way it is nested (other values, other selectors: `envs/prod` and `envs/stage` nesting
    # one `apps` helmfile) deploys it once
    ways = _nesting_ways([p for p, _, _, _ in tops], state_of)
    # (helmfile, selectors, values given, staged files, the helmfile nesting it in this way and
    # the number of its entry there, the environments it is run in)
    queue: list[tuple[Path, list[str] | None, Given | None, set[str] | None, tuple[Path, int] | None,
                      tuple[str, ...] | None]] = [(*top, None, None) for top in tops if os.path.realpath(top[0]) not in ways]
    waiting = [(*top, None, None) for top in tops if os.path.realpath(top[0]) in ways]
    seen = {os.path.realpath(top[0]) for top in queue}
    seen_ways: set[tuple[str, Any]] = set()
    while queue or waiting:
        if not queue:  # nested only by helmfiles no root reaches (a cycle): read as the scan's own
            queue = [top for top in waiting if os.path.realpath(top[0]) not in seen]
            seen |= {os.path.realpath(top[0]) for top in queue}
            waiting = []
            continue
        path, selectors, given_values, staged, via, run_in = queue.pop(0)
        shown = display_path(path)
        if selectors is not None and not os.path.isfile(path):
            continue  # helmfile warns and goes on (its missingFileHandler's default for nested helmfiles)
        try:
            state = state_of(path, shown)
        except InputError as err:
            if staged is None:
                out.errors.append(err)
            continue
        except Exception as exc:  # last resort: a bug reading one helmfile costs that helmfile
            if staged is None:
                out.errors.append(InputError.internal(shown, "reading the helmfile", exc))
            continue
        if state is None:
            if staged is None:
                out.skipped.append(Skipped(shown, TEMPLATED))
            continue
        reached = ways.get(os.path.realpath(path), {})
        if via is not None and len(reached) > 1:
            # one umbrella nesting it in two ways: each named by its entry there
            entry = f", entry {via[1]}" if sum(os.path.realpath(via[0]) in v for v in reached.values()) > 1 else ""
            state = replace(state, given=given_values, run_in=run_in, environment_values={},
                            nested_by=display_path(via[0]) + entry)
        else:
            state.given = state.given or given_values
            state.run_in = state.run_in or run_in
        if selectors is not None:
            if staged is None:
                found.read.add(path)  # read as the helmfile nesting it says: not a YAML file skipped
        elif staged is None:
            out.files.append(shown)
        passed = _passed_environments(state)
        for nested, picked, given, number in state.nested:
            way = (os.path.realpath(nested), _way(picked, given, passed))
            if way not in seen_ways and (len(ways.get(way[0], ())) > 1 or way[0] not in seen):
                seen.add(way[0])
                seen_ways.add(way)
                queue.append((nested, picked, given, staged, (path, number), passed))
        for raw in state.releases:
            if selectors and not _selected(raw, selectors, state.templates):
                continue
            try:
                made, charts, notes, not_fetched = _releases_of(path, shown, state, raw)
            except RecursionError:
                if staged is None:
                    out.errors.append(InputError(shown, "a release nested too deeply to read"))
                continue
            except Exception as exc:  # last resort: a bug here costs this release, not the scan
                if staged is None:
                    out.errors.append(InputError.internal(shown, "reading a Helmfile release", exc))
                continue
            if staged is not None:
                made = [r for r in made if _touched(r) & staged]
                charts &= staged
                if not made and not charts:
                    continue
            found.releases += made
            found.deployed |= charts
            out.notes += notes
            if staged is None:
                out.charts_not_fetched += not_fetched
        found.read |= state.read if staged is None else {f for f in state.read if os.path.realpath(f) in staged}
    return found


def _nesting_ways(paths: list[Path], state_of: Any) -> dict[str, dict[Any, set[str]]]:
    """The helmfiles the helmfiles `paths` nest (an umbrella's `helmfiles:`, theirs in turn;
    none nesting itself), by real path, each with the distinct ways it is nested (`_way`) and
    the real paths of the helmfiles nesting it in each."""
    from linter.loaders import display_path

    ways: dict[str, dict[Any, set[str]]] = {}
    pending: list[tuple[Path, tuple[str, ...] | None]] = [(p, None) for p in paths]
    read: set[tuple[str, tuple[str, ...] | None]] = set()
    while pending:
        path, run_in = pending.pop()
        if (os.path.realpath(path), run_in) in read:
            continue
        read.add((os.path.realpath(path), run_in))
        try:
            state = state_of(path, display_path(path))
        except Exception:
            continue
        if state is None:
            continue
        passed = _passed_environments(replace(state, run_in=run_in))
        for nested, picked, given, _ in state.nested:
            if os.path.realpath(nested) != os.path.realpath(path):
                by_way = ways.setdefault(os.path.realpath(nested), {})
                by_way.setdefault(_way(picked, given, passed), set()).add(os.path.realpath(path))
                pending.append((nested, passed))
    return ways


def _passed_environments(state: _State) -> tuple[str, ...] | None:
    """The environments the helmfiles a helmfile nests are run in: those it is run in
    itself (its own, `default` when it declares none; the top helmfile's when it is nested);
    None when its own are not known (a base that declares them could not be read)."""
    if state.run_in is not None:
        return state.run_in
    return (tuple(state.environments) or (DEFAULT_ENVIRONMENT,)) if state.environments_known else None


def _way(selectors: list[str], given: Given | None, environments: tuple[str, ...] | None) -> Any:
    """A way a helmfile is nested, comparable: the entry's selectors, the values it gives
    (a values file by its real path: two umbrellas giving the same values nest it one way)
    and the environments it is run in."""
    entries = [os.path.realpath(given.base / e) if isinstance(e, str) and "{{" not in e and "\x00" not in e else e
               for e in given.entries] if given is not None else None
    return tuple(selectors), json.dumps(entries, sort_keys=True, default=str), environments


def _selected(raw: Any, selectors: list[str], templates: dict[str, Any]) -> bool:
    """Whether a release matches one of a nested helmfile's selectors (`tier=web,name!=api`:
    every term of one), by its labels and the ones helmfile gives it (name, namespace, chart)."""
    if not isinstance(raw, dict):
        return False
    release = _inherited(raw, templates)
    labels = {str(k): str(v) for k, v in mapping_of(release.get("labels")).items()}
    labels.update({key: str(release.get(key) or "") for key in ("name", "namespace", "chart")})

    def holds(term: str) -> bool:
        if "!=" in term:
            key, value = term.split("!=", 1)
            return labels.get(key.strip(), "") != value.strip()
        key, _, value = term.partition("=")
        return labels.get(key.strip()) == value.strip()

    return any(all(holds(t) for t in selector.split(",") if t.strip()) for selector in selectors)


def _touched(release: ChartRelease) -> set[str]:
    """The real paths a release reads: its chart and the charts it renders inside it
    (`file://`), its values files, its `--set-file`s."""
    from linter.loaders.rendered import charts_inside

    files = [v for v in release.values if isinstance(v, Path)]
    files += [Path(setting.partition("=")[2]) for option, setting in release.parameters if option == "--set-file"]
    return {os.path.realpath(release.chart), *(os.path.realpath(c) for c in charts_inside(release.chart)),
            *(os.path.realpath(f) for f in files)}


def helmfiles_above(path: Path) -> list[Path]:
    """The helmfiles in the directories holding `path`, up to its git checkout's top
    (`helmfile.yaml`, a `helmfile.d/`'s files): where helmfiles that read a staged values
    file or deploy a staged chart are (they name them by relative paths below them)."""
    from linter.paths import git_top

    start = Path(os.path.abspath(path)).parent
    top = git_top(start)
    if top is None:
        return []
    found: list[Path] = []
    for directory in (start, *start.parents):
        for name in HELMFILE_NAMES:
            if os.path.isfile(directory / name):
                found.append(directory / name)
        if os.path.isdir(directory / "helmfile.d"):
            try:
                names = sorted(os.listdir(directory / "helmfile.d"))
            except OSError:
                names = []
            found += [directory / "helmfile.d" / n for n in names if is_helmfile(directory / "helmfile.d" / n)]
        if directory == top:
            break
    relative = not path.is_absolute()
    return [Path(os.path.relpath(f)) if relative else f for f in found]


def _read(path: Path, shown: str) -> _State | None:
    """The helmfile's merged state, its local bases first; None when its structure is a
    template. InputError when it is not YAML (and no template explains it)."""
    from linter.loaders import display_path

    state = _State(path.parent, file=path)
    docs = _documents(path, shown, checked=True)
    if docs is None:
        return None
    state.places, state.composed = _release_places(path, docs)
    for doc in docs:
        for entry in _list(mapping_of(doc).get("bases")):
            base = _local_file(state.base, entry)
            try:
                base_docs = _documents(base, display_path(base)) if base is not None else None
            except InputError:
                base_docs = None
            if base is None or base_docs is None:
                state.environments_known = False  # its environments (and releases) are not known here
                continue
            state.read.add(base)
            for base_doc in base_docs:
                state.add(base_doc)
        state.add(doc)
    return state


def _release_places(path: Path, docs: list[Any]) -> tuple[dict[int, tuple[str | int, ...]], Any]:
    """Where each release of the helmfile's documents (`docs`, as `_documents` reads them) is
    written in its node tree, by identity, and that tree (as `compose_file` composes it: its
    documents in a sequence when it holds several); none, and False, when the text does not
    compose as YAML (a template action where YAML fails) or its documents are not those."""
    import yaml

    try:
        nodes = composed_documents(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, RecursionError):
        return {}, False
    # `_documents` leaves out the empty and null documents; the node tree keeps every one
    kept = [n for n, node in enumerate(nodes) if node.tag != "tag:yaml.org,2002:null"]
    if len(kept) != len(docs):
        return {}, False
    tree = nodes[0] if len(nodes) == 1 else yaml.SequenceNode("tag:yaml.org,2002:seq", nodes) if nodes else False
    return {id(raw): ((kept[k],) if len(nodes) > 1 else ()) + ("releases", i) for k, doc in enumerate(docs)
            for i, raw in enumerate(_list(mapping_of(doc).get("releases")))}, tree


def composed_documents(text: str) -> list[Any]:
    """The YAML node trees of a helmfile's documents, as value notes read them: a one-line
    action YAML fails at (`tier: {{ .a }}-{{ .b }}`, which helmfile renders first) masked
    while YAML composes, then written back, on its line as written; an action that is a whole
    value is left to YAML (a flow mapping: `rendered.template_action`). yaml.YAMLError (or
    ValueError, RecursionError) when it is no YAML even so."""
    import yaml

    masked = _masked(text, keep_whole=True) if "{{" in text else (text, [])
    if masked is None:
        raise ValueError("too many template actions to read")
    nodes = list(yaml.compose_all(masked[0], Loader=yaml.SafeLoader))
    stack: list[Any] = list(nodes) if masked[1] else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            node.value = _unmasked(node.value, masked[1])
        elif isinstance(node, yaml.MappingNode):
            stack += [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return nodes


def _documents(path: Path, shown: str, checked: bool = False) -> list[Any] | None:
    """The YAML documents of a helmfile (guarded as manifests are); None when its
    structure is a template (an action opens a line, or one is where YAML fails).
    `checked`: the shape helmfile requires is checked (InputError at the key's line)."""
    from linter.loaders import read_text
    from linter.loaders.kubernetes import UNRENDERED, parse_documents

    text = read_text(path, shown)
    lines = text.splitlines()
    if any(line.lstrip().startswith("{{") for line in lines):
        return None  # the structure itself is a template (`{{ range }}`, `{{ toYaml }}` lines)
    masked = _masked(text) if "{{" in text else (text, [])
    if masked is None:
        return None
    try:
        documents = parse_documents(masked[0], shown)
    except InputError as err:
        if err.message == UNRENDERED or masked[1]:
            return None  # YAML fails where an action stands: known only rendered
        raise
    if masked[1]:
        documents = [(_unmasked(data, masked[1]), span) for data, span in documents]
    for data, span in documents if checked else ():
        problem = _shape_problem(data)
        if problem is not None:
            key, message = problem
            # the key's line in its document (a top-level key opens its line), else the document's
            line = next((n for n in range(span.first_line, len(lines)) if lines[n].startswith(f"{key}:")),
                        span.first_line) + 1
            raise InputError(shown, message, line)
    return [data for data, _ in documents]


def _shape_problem(doc: Any) -> tuple[str, str] | None:
    """(top-level key, what is wrong) where a helmfile document is not what helmfile reads."""
    if not isinstance(doc, dict):
        return "", f"a helmfile document must be a mapping, not {type(doc).__name__}"
    for key, kind in (("releases", list), ("environments", dict), ("bases", list), ("templates", dict)):
        if key in doc and doc[key] is not None and not isinstance(doc[key], kind):
            return key, f"`{key}` must be a {'list' if kind is list else 'mapping'}, not {type(doc[key]).__name__}"
    for n, release in enumerate(_list(doc.get("releases"))):
        if not isinstance(release, dict):
            return "releases", f"releases[{n}] must be a mapping, not {type(release).__name__}"
        if "inherit" not in release and not isinstance(release.get("name"), str):
            return "releases", f"releases[{n}] has no `name`: helmfile needs one to release it"
    return None


def _releases_of(path: Path, shown: str, state: _State, raw: Any
                 ) -> tuple[list[ChartRelease], set[str], list[str], list[ChartNotFetched]]:
    """One release entry, once per environment when its fields depend on it: the releases
    judged, the real paths of the charts of this repository deployed, the notes on what is
    not judged, and the release of a chart helmfile fetches (one, whatever the environment)."""
    if not isinstance(raw, dict):
        return [], set(), [], []
    release = _inherited(raw, state.templates)
    name = release.get("name")
    if not isinstance(name, str) or not name:
        return [], set(), [], []
    written = json.dumps(release, default=str)
    per_environment = "condition" in release or ".Environment" in written or ".Values" in written \
        or _renders_values_file(release, state)
    if per_environment and not state.environments_known:
        local = _plain_local_chart(release, state)
        return [], {os.path.realpath(local)} if local else set(), [
            f"{shown}: Helmfile release {name} not judged: its environments come from a base this scan cannot read"], []
    environments = list(state.run_in or state.environments or [DEFAULT_ENVIRONMENT]) if per_environment else [None]
    made: list[ChartRelease] = []
    deployed: set[str] = set()
    notes: list[str] = []
    not_fetched: list[ChartNotFetched] = []
    for environment in environments:
        label = f"Helmfile release {name}" + (f" (environment {environment})" if environment else "") \
            + (f" (nested by {state.nested_by})" if state.nested_by else "")
        # helmfile stops in an environment the nested helmfile does not declare: in that one (a
        # release per environment), or in every one it is run in (a release rendered once)
        stopped = [environment] if environment is not None and not _defined(state, environment) else \
            list(state.run_in) if environment is None and state.run_in is not None and not any(
                _defined(state, e) for e in state.run_in) else []
        if stopped:
            local = _plain_local_chart(release, state)
            if local is not None:
                deployed.add(os.path.realpath(local))
                what = f"environment {stopped[0]} (the one the helmfile nesting it is run in) is" \
                    if len(stopped) == 1 else \
                    f"environments {', '.join(stopped)} (those the helmfile nesting it is run in) are"
                notes.append(f"{shown}: {label} not judged: helmfile stops, as {what} not defined here")
            continue
        result = _release(path, state, release, name, environment or DEFAULT_ENVIRONMENT, label,
                          state.places.get(id(raw)) if {"values", "set", "setString"} & raw.keys() else None)
        if isinstance(result, tuple):
            chart, reason = result
            deployed.add(os.path.realpath(chart))
            notes.append(f"{shown}: {label} not judged: {reason}")
        elif isinstance(result, ChartNotFetched):
            if not not_fetched:
                not_fetched.append(replace(result, line=_release_line(state, raw)))
        elif result is not None:
            deployed.add(os.path.realpath(result.chart))
            made.append(result)
    return made, deployed, notes, not_fetched


def _release_line(state: _State, raw: Any) -> int | None:
    """The line of a release entry in its helmfile (None when its text does not compose as YAML)."""
    from linter.loaders.rendered import values_under

    place = state.places.get(id(raw))
    found = values_under(state.composed, place) if place is not None and state.composed else None
    return int(found[0].start_mark.line) + 1 if found is not None else None


def _renders_values_file(release: dict[str, Any], state: _State) -> bool:
    """Whether a values file of the release is a `.gotmpl` holding actions: helmfile renders it
    in the environment it is run for, so the release is one per environment."""
    for entry in _list(release.get("values")):
        if isinstance(entry, str) and entry.endswith(".gotmpl") and "{{" not in entry:
            try:
                if "{{" in (state.base / entry).read_text(encoding="utf-8"):
                    return True
            except (OSError, UnicodeDecodeError, ValueError):
                continue
    return False


def _release(path: Path, state: _State, release: dict[str, Any], name: str, environment: str,
             label: str, place: tuple[str | int, ...] | None = None
             ) -> ChartRelease | tuple[Path, str] | ChartNotFetched | None:
    """The release in one environment; (its chart, why) when it deploys a chart of this
    repository in a way not known here; a ChartNotFetched for a chart helmfile fetches (of a
    repository), when the release may be installed; None when it deploys none (not installed
    there, or a chart not known). `place`: where it is written in the helmfile's node tree
    (`_release_places`), when its own `values` are written there."""
    from linter.loaders import display_path
    from linter.loaders.rendered import ChartRelease

    names = _Names({".Environment.Name": environment, ".Release.Name": name}, state, environment)
    namespace: str | None = None
    if isinstance(release.get("namespace"), str) and release["namespace"]:
        namespace = fill(release["namespace"], names)
    chart_name = fill(release["chart"], names) if isinstance(release.get("chart"), str) else None
    chart = _local_chart(chart_name, state) if chart_name else None
    if chart is None:
        names[".Release.Namespace"] = namespace or ""
        if chart_name and _fetched(chart_name, state) and _installed(state, release, names, environment):
            # in every environment alike; the caller places it at the release's line
            nested = f" (nested by {state.nested_by})" if state.nested_by else ""
            url = state.repositories.get(chart_name.split("/", 1)[0]) if "://" not in chart_name else None
            return ChartNotFetched(display_path(path), None, f"Helmfile release {name}{nested}",
                                   f"{chart_name} from {url}" if url else chart_name)
        return None
    if namespace is None and release.get("namespace"):
        return chart, f"its namespace `{release['namespace']}` is a template this scan cannot fill"
    names[".Release.Namespace"] = namespace or ""
    installed = _flag(release.get("installed", True), names)
    if installed is None:
        return chart, f"`installed: {release['installed']}` is not known before helmfile renders it"
    if not installed:
        return None
    if "condition" in release:
        enabled = _condition(state, environment, release["condition"])
        if enabled is None:
            return chart, f"its condition `{release['condition']}` is not known from environment {environment}'s values"
        if not enabled:
            return None
    for key in CHANGED_AFTER_RENDERING:
        if release.get(key):
            return chart, f"helmfile changes what the chart renders (`{key}`)"
    for key in TEMPLATED_FIELDS:
        if release.get(key):
            return chart, f"its `{key}` is rendered by helmfile with values this scan does not have"
    if release.get("secrets"):
        return chart, "its values include `secrets` (sops), not known here"
    handler = release.get("missingFileHandler")
    handler = handler if isinstance(handler, str) else state.missing_file_handler
    values: list[Path | str | dict[str, Any]] = []
    places: list[tuple[Path, tuple[str | int, ...]]] | None = []  # where each is written
    for n, entry in enumerate(_list(release.get("values"))):
        value = _values_entry(state, entry, names, handler)
        if isinstance(value, _Unknown):
            return chart, value.reason
        if value is None:
            continue
        values.append(value)
        if places is not None:
            inline = (*place, "values", n) if place is not None else None
            places = places + [(value, ())] if isinstance(value, Path) else \
                places + [(path, inline)] if inline is not None and _written_at(state, inline) else None
    parameters: list[tuple[str, str]] = []
    parameter_places: list[str | None] = []  # where each is written: a value note names the line
    for option, key in (("--set", "set"), ("--set-string", "setString")):
        for n, entry in enumerate(_list(release.get(key))):
            parameter = _parameter(state, entry, option, names)
            if isinstance(parameter, _Unknown):
                return chart, parameter.reason
            parameters.append(parameter)
            written = entry.get("value") if isinstance(entry, dict) else None
            parameter_places.append(_set_at(state, (*place, key, n, "value"), written) if place is not None
                                    else None)
    key = f"{namespace or ''}/{name}" + (f":{environment}" if "(environment" in label else "") \
        + (f"@{state.nested_by}" if state.nested_by else "")
    origins = _action_origins(state, environment, [at for _, at in places if at]) if places else {}
    return ChartRelease(path, name, chart, values, parameters, name, namespace, label, f"helmfile:{key}",
                        places, parameter_places, action_origins=origins)


def _installed(state: _State, release: dict[str, Any], names: dict[str, str], environment: str) -> bool:
    """Whether a release may be installed in `environment`: not when its `installed` or its
    `condition` is known to be false (one not known: it may be)."""
    if _flag(release.get("installed", True), names) is False:
        return False
    return "condition" not in release or _condition(state, environment, release["condition"]) is not False


def _written_at(state: _State, at: tuple[str | int, ...]) -> bool:
    """Whether the helmfile's text holds a mapping at `at` (a release's inline values),
    where a value note can point (not when it came in through an anchor or a template)."""
    from linter.loaders.rendered import inline_values_at

    return inline_values_at(_composed(state), at)


def _set_at(state: _State, at: tuple[str | int, ...], value: Any) -> str | None:
    """`file:line` of the scalar the helmfile's text writes at `at` (a `set` entry's `value`),
    when it is `value` as read (an entry a release template adds is written elsewhere)."""
    import yaml

    from linter.loaders import display_path
    from linter.loaders.rendered import values_under

    composed = _composed(state)
    found = values_under(composed, at) if composed and state.file is not None else None
    if found is None or not isinstance(found[0], yaml.ScalarNode) or state.file is None \
            or found[0].value != (str(value).lower() if isinstance(value, bool) else str(value)):
        return None
    return f"{display_path(state.file)}:{found[0].start_mark.line + 1 + found[1]}"


def _composed(state: _State) -> Any:
    """The helmfile's YAML nodes as value notes read them (`compose_file`: its documents in
    a sequence when it holds several; False: none, or not composable), composed once, with
    the places of its releases (`_release_places`)."""
    return state.composed or False


@dataclass
class _Unknown:
    reason: str


def _values_entry(state: _State, entry: Any, names: dict[str, str], handler: str
                  ) -> Path | dict[str, Any] | _Unknown | None:
    """A `values:` entry: a file (None when missing and helmfile goes on), an inline map."""
    if isinstance(entry, dict):
        filled = _filled(entry, names) if "{{" in json.dumps(entry, default=str) else entry
        if not isinstance(filled, dict):
            return _Unknown("its inline values hold a template this scan cannot fill")
        return filled
    if not isinstance(entry, str):
        return _Unknown(f"a values entry of an unknown shape ({type(entry).__name__})")
    filled = fill(entry, names)
    if filled is None:
        return _Unknown(f"its values file `{entry}` is named by a template this scan cannot fill")
    if "://" in filled or filled.startswith("git::"):
        return _Unknown(f"its values file {filled} is not in this repository")
    values = Path(os.path.normpath(state.base / filled))
    if not os.path.isfile(values):
        if handler.lower() == "error":
            return _Unknown(f"its values file {filled} is not there (helmfile stops: missingFileHandler: Error)")
        return None  # helmfile warns and goes on
    if values.name.endswith(".gotmpl"):
        try:
            text: str | None = values.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
        if text is None or "{{" in text:
            rendered = _rendered_values(text, names, filled) if text is not None else None
            if rendered is None:
                return _Unknown(f"its values file {filled} is a template helmfile renders with values this scan "
                                f"does not have")
            state.read.add(values)
            return rendered
    state.read.add(values)
    return values


def _filled(value: Any, names: dict[str, str]) -> Any:
    """An inline value with its template actions filled as helmfile renders them (`_Names`: the
    environment's scalars, the release's names); a whole plain scalar's text read as YAML reads
    it (`ScalarAction`). None when an action cannot be filled here."""
    if isinstance(value, str):
        if "{{" not in value:
            return value
        text = fill(value, names)
        return _plain_scalar(text) if text is not None and isinstance(value, ScalarAction) else text
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            filled_key, filled_item = _filled(key, names), _filled(item, names)
            if filled_key is None or filled_item is None and item is not None:
                return None
            out[filled_key] = filled_item
        return out
    if isinstance(value, list):
        items = [_filled(item, names) for item in value]
        return None if any(i is None and v is not None for i, v in zip(items, value)) else items
    return value


def _plain_scalar(text: str) -> str | int | float | bool | None:
    """`text` as YAML reads it as a plain scalar (`3`, `true`, `redis`); None when YAML would read
    anything else there (nothing, or structure: what helmfile would then parse is not a value)."""
    from linter.loaders.kubernetes import read_yaml

    if not text.strip() or "\n" in text:
        return None
    try:
        docs = read_yaml(text, "a helmfile value")
    except InputError:
        return None
    value = docs[0] if len(docs) == 1 else None
    return value if isinstance(value, (str, int, float, bool)) else None


def _rendered_values(text: str, names: dict[str, str], shown: str) -> dict[str, Any] | None:
    """A `.gotmpl` values file rendered as helmfile renders it, when every action in it names
    what `names` fills (`{{ .Values.replicas }}`, `{{ .Environment.Name }}`): its values; None
    when one cannot be filled here (a pipeline, `requiredEnv`, `toYaml`, a value not set)."""
    from linter.loaders.kubernetes import read_yaml

    if any(line.lstrip().startswith("{{") for line in text.splitlines()):
        return None  # an action of its own line: a range, an if, a toYaml block
    filled = fill(text, names)
    if filled is None:
        return None
    try:
        docs = read_yaml(filled, shown)
    except InputError:
        return None
    value = docs[0] if len(docs) == 1 else {} if not docs else None
    return value if isinstance(value, dict) else None


def _parameter(state: _State, entry: Any, option: str, names: dict[str, str]) -> tuple[str, str] | _Unknown:
    """A `set:` entry as helm's option: `name=value`, `name={a,b}`, or a `--set-file`."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        return _Unknown(f"a `set` entry of an unknown shape: {str(entry)[:80]}")
    key = entry["name"]
    if "file" in entry:
        file = fill(str(entry["file"]), names)
        read = Path(os.path.normpath(state.base / file)) if file is not None else None
        if read is None or not os.path.isfile(read):
            return _Unknown(f"its `set` file {entry['file']} is not there")
        state.read.add(read)
        return "--set-file", f"{key}={read}"
    if "values" in entry:
        items = [_set_text(v, names) for v in _list(entry["values"])]
        if any(item is None for item in items):
            return _Unknown(f"its `set` of {key} holds a template this scan cannot fill")
        return option, f"{key}={{{','.join(_escape(i) for i in items if i is not None)}}}"
    text = _set_text(entry.get("value"), names)
    if text is None:
        return _Unknown(f"its `set` of {key} holds a template this scan cannot fill")
    return option, f"{key}={_escape(text)}"


def _set_text(value: Any, names: dict[str, str]) -> str | None:
    """A `set` value as helmfile passes it (a string field: YAML's text of the scalar)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return None
    return fill(str(value), names)


def _escape(value: str) -> str:
    """As helmfile escapes a `set` value for helm's parser: braces and commas are literal."""
    return value.replace("{", "\\{").replace("}", "\\}").replace(",", "\\,")


# where a release template reads the environment's values
VALUES_PREFIXES = (".Values.", ".Environment.Values.", ".StateValues.")


class _Names(dict[str, str]):
    """What a release's templates can name: `.Environment.Name`, `.Release.Name` and
    `.Release.Namespace` (given), and a scalar of the environment's values
    (`.Values.redis.enabled`, read when first named)."""

    def __init__(self, given: dict[str, str], state: _State, environment: str):
        super().__init__(given)
        self.state, self.environment = state, environment

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or isinstance(key, str) and self._value(key) is not None

    def __missing__(self, key: str) -> str:
        value = self._value(key)
        if value is None:
            raise KeyError(key)
        return value

    def _value(self, key: str) -> str | None:
        path = next((key[len(p):] for p in VALUES_PREFIXES if key.startswith(p)), None)
        if not path or any(c in path for c in " |()\"'$"):
            return None  # not a value, or a pipeline or function this scan does not run
        value = _environment_values(self.state, self.environment)
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if isinstance(value, (str, int, float)) else None


def fill(text: str, names: dict[str, str]) -> str | None:
    """`text` with its template actions that name one of `names` (`{{ .Release.Name }}`,
    `{{ .Values.ns }}` with `_Names`) replaced by its value; a raw string action (``{{`...`}}``, helmfile v0's escape of a
    release template) gives its text, filled in turn. None when any other action is in it."""
    for _ in range(2):  # a raw string's text is filled once more, as helmfile's release pass does
        if "{{" not in text:
            return text
        parts: list[str] = []
        at = 0
        while (action := _next_action(text, at)) is not None:
            start, end, inner, raw = action
            if end == -1 or not raw and inner not in names:
                return None
            parts += [text[at:start], inner if raw else names[inner]]
            at = end
        parts.append(text[at:])
        text = "".join(parts)
    return text if "{{" not in text else None


def _next_action(text: str, at: int) -> tuple[int, int, str, bool] | None:
    """The first template action at or after `at`: (where it starts, where it ends (-1:
    it does not), what it says (trim markers and spaces off), whether that is a raw
    string's text); None when there is none. `find`s only: nothing backtracks."""
    start = text.find("{{", at)
    if start == -1:
        return None
    inner = start + 2
    while inner < len(text) and text[inner] in " -":
        inner += 1
    if text.startswith("`", inner):
        close = text.find("`", inner + 1)
        end = text.find("}}", close + 1) if close != -1 else -1
        if end == -1 or text[close + 1:end].strip(" -"):
            return start, -1, "", True
        return start, end + 2, text[inner + 1:close], True
    end = text.find("}}", inner)
    return (start, -1, "", False) if end == -1 else (start, end + 2, text[inner:end].strip(" -"), False)


# what an action stands for while a helmfile is read as YAML (helmfile renders it first)
_MASK = "__resilint_action_{}__"
_SCALAR_MASK = "__resilint_action_{}_scalar__"
MAX_MASKED_ACTIONS = 1000  # more: a template, not a list of releases


class ScalarAction(str):
    """An action that is a whole plain (unquoted) YAML scalar (`replicaCount: {{ .Values.n }}`):
    what it renders to is read as YAML reads a plain scalar (`3`: a number), as helmfile
    renders the text before it parses it; a quoted one (`"{{ .Values.n }}"`) stays a string."""


def _masked(text: str, keep_whole: bool = False) -> tuple[str, list[str]] | None:
    """`text` with each one-line template action replaced by a plain word (`namespace: {{
    .Values.ns }}` is a flow mapping to YAML, a string to helmfile); the actions, by number
    (a whole plain scalar's marked, `_whole_scalar`). None when there are too many to be a
    list of releases. `keep_whole`: a whole plain scalar is left as written (YAML composes it,
    a flow mapping `rendered.template_action` reads), only those YAML may fail at masked."""
    parts: list[str] = []
    actions: list[str] = []
    at = 0
    while (action := _next_action(text, at)) is not None:
        start, end = action[0], action[1]
        eol = text.find("\n", start)
        if end == -1 or -1 < eol < end:  # unterminated, or over lines: left to YAML (and its error)
            parts.append(text[at:start + 2])
            at = start + 2
            continue
        whole = _whole_scalar(text[text.rfind("\n", 0, start) + 1:start], text[end:eol if eol != -1 else len(text)])
        if whole and keep_whole:
            parts.append(text[at:end])
            at = end
            continue
        parts += [text[at:start], (_SCALAR_MASK if whole else _MASK).format(len(actions))]
        actions.append(text[start:end])
        at = end
        if len(actions) > MAX_MASKED_ACTIONS:
            return None
    parts.append(text[at:])
    return "".join(parts), actions


def _whole_scalar(before: str, after: str) -> bool:
    """Whether an action between `before` (its line up to it) and `after` (its line after it)
    is a whole plain scalar: after `key: `, a list item's `- `, or in a flow collection, with
    nothing but a comment or the collection's end behind it."""
    opens = before.rstrip(" \t")
    spaced = before.endswith((" ", "\t"))
    starts = spaced and (opens.endswith(":") or opens.lstrip(" ") == "-" or opens.endswith(" -")) \
        or opens.endswith(("[", ",", "{"))
    tail = after.strip(" \t\r")  # a CRLF file's line ends in \r
    return starts and (not tail or tail.startswith(("#", ",", "]", "}")))


def _unmasked(value: Any, actions: list[str]) -> Any:
    """`value` with the actions `_masked` replaced written back (in strings and keys); one that
    was a whole plain scalar as a `ScalarAction`."""
    if isinstance(value, str):
        if value.endswith("_scalar__") and value.startswith("__resilint_action_"):
            number = value[len("__resilint_action_"):-len("_scalar__")]
            if number.isdigit() and int(number) < len(actions):
                return ScalarAction(actions[int(number)])
        if "__resilint_action_" in value:
            value = value.replace("_scalar__", "__")
            for n in range(len(actions) - 1, -1, -1):
                value = value.replace(_MASK.format(n), actions[n])
        return value
    if isinstance(value, dict):
        return {_unmasked(k, actions): _unmasked(v, actions) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmasked(v, actions) for v in value]
    return value


def _flag(value: Any, names: dict[str, str]) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        filled = fill(value, names)
        if filled in ("true", "false"):
            return filled == "true"
    return None


def _condition(state: _State, environment: str, condition: Any) -> bool | None:
    """A release's `condition` (`redis.enabled`) in the environment's values; None: not known."""
    if not isinstance(condition, str) or not condition:
        return None
    values = _environment_values(state, environment)
    for part in condition.split("."):
        if not isinstance(values, dict) or part not in values:
            return None
        values = values[part]
    return values if isinstance(values, bool) else None


def _environment_values(state: _State, environment: str) -> Any:
    """The environment's values (the helmfile's defaults, then its files and maps, then what
    the helmfile nesting it gives, merged in order); None: not known."""
    if environment not in state.environment_values:
        state.environment_values[environment] = _read_environment_values(state, environment)
    return state.environment_values[environment]


def _read_environment_values(state: _State, environment: str) -> Any:
    layers = _environment_layers(state, environment)
    if layers is None:
        return None
    merged: dict[str, Any] = {}
    for _, layer in layers:
        _merge(merged, layer)
    return merged


def _defined(state: _State, environment: str) -> bool:
    """Whether helmfile can run the helmfile in `environment`: one it declares, `default`, or
    any when the helmfile nesting it gives it values (helmfile stops otherwise)."""
    return environment in state.environments or environment == DEFAULT_ENVIRONMENT or state.given is not None


def _environment_layers(state: _State, environment: str) -> list[tuple[Path | None, dict[str, Any]]] | None:
    """The environment's values layer by layer, in the order helmfile merges them (the
    helmfile's top-level `values:`, the environment's own, then those the `helmfiles:` entry
    nesting it gives): each with the file it is read from (None: a map a helmfile writes);
    None when not known here."""
    if not _defined(state, environment):
        return None  # helmfile stops
    spec = state.environments.get(environment)
    if spec is not None and spec.get("secrets"):
        return None
    entries = [(state.base, e) for e in [*state.default_values, *_list((spec or {}).get("values"))]]
    if state.given is not None:  # a given file is the nesting helmfile's
        entries += [(state.given.base, e) for e in state.given.entries]
    layers: list[tuple[Path | None, dict[str, Any]]] = []
    for base, entry in entries:
        layer = _values_layer(state, base, entry, environment)
        if layer is None:
            return None
        layers.append(layer)
    return layers


def _values_layer(state: _State, base: Path, entry: Any, environment: str
                  ) -> tuple[Path | None, dict[str, Any]] | None:
    """One entry of a helmfile's (or an environment's, or a `helmfiles:` entry's) `values:`:
    a map written there, or a YAML file its path names (of `base`, filled with the
    environment's name), with that file; None when what it holds is not known here (a
    template, a file not there, not a map)."""
    from linter.loaders import read_text
    from linter.loaders.kubernetes import parse_documents

    if isinstance(entry, dict):
        return (None, entry) if _rendered_already(entry) else None
    if not isinstance(entry, str):
        return None
    filled = fill(entry, {".Environment.Name": environment})
    file = Path(os.path.normpath(base / filled)) if filled is not None else None
    if file is None or not os.path.isfile(file):
        return None
    try:
        text = read_text(file, str(file))
        docs = parse_documents(text, str(file)) if "{{" not in text else None
    except InputError:
        docs = None
    if docs is None:
        return None
    state.read.add(file)
    layer = docs[0][0] if docs else {}
    return (file, layer) if isinstance(layer, dict) else None


def _rendered_already(value: Any) -> bool:
    """Whether values a helmfile writes hold no template action (helmfile's to render)."""
    if isinstance(value, ScalarAction) or isinstance(value, str) and "{{" in value:
        return False
    if isinstance(value, dict):
        return all(_rendered_already(k) and _rendered_already(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_rendered_already(v) for v in value)
    return True


def _action_origins(state: _State, environment: str, places: list[tuple[str | int, ...]]) -> dict[str, str]:
    """Where the environment sets what each template action in a release's inline values
    (at `places` in the helmfile) reads: `{{ .Values.web.replicas }}` -> "`web.replicas` =
    1, set at env/prod.yaml:2", for a value note to say (a value no file sets: not said)."""
    import yaml

    from linter.loaders.rendered import HelmValues, template_action, values_reference, values_under

    composed = _composed(state)
    actions: list[str] = []
    for at in places if composed else []:
        found = values_under(composed, at)
        stack = [found[0]] if found is not None else []
        while stack:
            node = stack.pop()
            text = template_action(node)
            if text is not None:
                actions.append(text)
            elif isinstance(node, yaml.MappingNode):
                stack += [value for _, value in node.value]
            elif isinstance(node, yaml.SequenceNode):
                stack += node.value
    layers = _environment_layers(state, environment) if actions else None
    if not layers:
        return {}
    values = HelmValues.of([file if file is not None else yaml.safe_dump(layer) for file, layer in layers])
    out: dict[str, str] = {}
    for text in actions:
        dotted = values_reference(text.replace(".StateValues.", ".Values.").replace(".Environment.Values.", ".Values."))
        set_at = values.set_at(dotted) if dotted else None
        if set_at is not None:
            out[text] = f"`{dotted}` = {set_at[2]}, set at {set_at[0]}:{set_at[1]}"
    return out


def _merge(into: dict[str, Any], layer: dict[str, Any]) -> None:
    """`layer` over `into`, maps merged key by key; `into`'s maps are copied before they
    change, never the layers' own (one map may be several environments', through an anchor)."""
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            into[key] = dict(into[key])
            _merge(into[key], value)
        else:
            into[key] = value


def _inherited(release: dict[str, Any], templates: dict[str, Any]) -> dict[str, Any]:
    """The release with the release templates it names in `inherit` under it (its own fields win)."""
    merged: dict[str, Any] = {}
    for entry in _list(release.get("inherit")):
        template = templates.get(entry["template"]) if isinstance(entry, dict) \
            and isinstance(entry.get("template"), str) else None
        if isinstance(template, dict):
            left_out = set(_list(entry.get("except")))
            merged.update({k: v for k, v in template.items() if k not in left_out})
    merged.update({k: v for k, v in release.items() if k != "inherit"})
    return merged


def _plain_local_chart(release: dict[str, Any], state: _State) -> Path | None:
    """The chart of this repository a release names without a template, when it is not rendered."""
    chart = release.get("chart")
    return _local_chart(chart, state) if isinstance(chart, str) and "{{" not in chart else None


def _local_chart(chart: str, state: _State) -> Path | None:
    """The chart directory of this repository a release's `chart` names; None for a chart
    helmfile fetches (`_fetched`) or a path with no Chart.yaml."""
    if _fetched(chart, state):
        return None
    path = Path(os.path.normpath(state.base / chart))
    return path if os.path.isfile(path / "Chart.yaml") else None


def _fetched(chart: str, state: _State) -> bool:
    """Whether helmfile fetches a release's chart: of a repository the helmfile names
    (`bitnami/redis`), of an OCI registry, or a URL or go-getter source."""
    return "://" in chart or chart.startswith(("git::", "oci:")) or (
        not chart.startswith((".", "/")) and chart.split("/", 1)[0] in state.repositories)


def _local_file(base: Path, entry: Any) -> Path | None:
    if not isinstance(entry, str) or "{{" in entry or "://" in entry or entry.startswith("git::"):
        return None
    path = Path(os.path.normpath(base / entry))
    return path if os.path.isfile(path) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
