"""The canonical model every loader produces and every rule reads.

No rule ever sees a raw input format: Terraform plans, HCL, Pulumi stacks and
Kubernetes YAML all become `Resource` objects with canonical types and
snake_case (cloud) or API-JSON (Kubernetes) attribute names.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import operator
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Iterator, Protocol


class Severity(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r}: expected one of low, medium, high, critical"
            ) from None


class UnknownValueError(Exception):
    """Raised when a rule looks *into* a value that is not known before apply.

    The engine catches it and treats the rule as silent for that resource: a rule
    never fires on what cannot be known. This mirrors pulumi_policy's
    UnknownValueError, so the same rule code behaves the same in the policy pack.
    `value`: the Unknown looked into, when one was.
    """

    def __init__(self, message: str, value: "Unknown | None" = None):
        super().__init__(message)
        self.value = value


class Unknown:
    """A value that is not known before apply.

    Plan `after_unknown`, HCL expressions (`var.x`, `aws_subnet.a.id`, function
    calls) and Pulumi preview placeholders all become `Unknown`. `expr` keeps the
    source text and `refs` the referenced addresses (for the resource graph).
    `reference` is True when the value is exactly an attribute of what `refs`
    names (`aws_subnet.a.id`), as a plan's references are (their `expr` is
    None); False when functions or operators may have changed it.

    Comparing, testing the truth of, iterating or indexing an Unknown raises
    UnknownValueError, so a rule that forgets to check for unknowns is silenced
    instead of reporting a false alarm.
    """

    __slots__ = ("expr", "refs", "reference")

    def __init__(self, expr: str | None = None, refs: tuple[str, ...] = (), reference: bool = False):
        self.expr = expr
        self.refs = tuple(refs)
        self.reference = reference or expr is None

    def __repr__(self) -> str:
        return f"Unknown({self.expr!r})" if self.expr else "UNKNOWN"

    def __str__(self) -> str:
        return self.expr or "(known after apply)"

    def _refuse(self, *_: Any) -> Any:
        raise UnknownValueError(f"value is not known before apply: {self!r}", self)

    __bool__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __iter__ = __len__ = __getitem__ = __contains__ = _refuse
    __int__ = __float__ = __add__ = __radd__ = __mul__ = __rmul__ = _refuse
    __hash__ = object.__hash__


UNKNOWN = Unknown()

# `meta["value_origin"][path]` of a value the provider filled in as its default where the
# user wrote none (a plan's new object, a Pulumi input listed in `__defaults`): messages
# word it as an unset attribute (`rules._values.Setting.describe`), as the source says it
PROVIDER_DEFAULT = "the provider's default"


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: Any) -> bool:
    """True when the value, or anything nested in it, is unknown."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


@dataclass
class Location:
    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Change:
    """What a plan or preview does to a resource: its actions and prior attributes."""

    actions: tuple[str, ...]
    before: dict[str, Any] | None = None

    @property
    def is_replace(self) -> bool:
        return "delete" in self.actions and "create" in self.actions

    @property
    def is_update(self) -> bool:
        return "update" in self.actions or self.is_replace


@functools.lru_cache(maxsize=8192)
def _split(path: str) -> tuple[str, ...]:
    # rules read the same few hundred paths millions of times: split once
    return tuple(p for p in path.split(".") if p)


def lookup(data: Any, path: str | list[str] | tuple[str, ...], default: Any = None) -> Any:
    """Read a dotted path through dicts and lists.

    A list met with a non-numeric segment is a nested block: Terraform JSON
    writes single blocks as a list of one, Pulumi as an object, and both read
    the same way here (the first element). An Unknown anywhere on the way makes
    the result Unknown. Absent and JSON null both give `default`.
    """
    if type(data) is dict and type(path) is str and "." not in path and path:
        # one key of a dict, most rules' question: read without splitting or looping
        value = data.get(path)
        return default if value is None else value
    parts = _split(path) if isinstance(path, str) else path
    cur = data
    for part in parts:
        if type(cur) is dict:  # the common case, first: absent and null alike give the default
            cur = cur.get(part)
            if cur is None:
                return default
            continue
        if isinstance(cur, Unknown):
            return cur
        if isinstance(cur, list):
            if part.isdigit():
                idx = int(part)
                if idx >= len(cur):
                    return default
                cur = cur[idx]
                continue
            if not cur:
                return default
            cur = cur[0]
            if isinstance(cur, Unknown):
                return cur
        if not isinstance(cur, dict):
            return default
        if part not in cur:
            return default
        cur = cur[part]
        if cur is None:
            return default
    return cur


# the line an attribute is written on, from its dotted path (list items numeric); None: not known
LineOf = Callable[[str], int | None]

# what says how many instances a Terraform block has (OpenTofu's `lifecycle { enabled }`: one
# or none); a block whose say is not known is judged once, its `meta` holding the Unknown
EXPANSION_KEYS = ("count", "for_each", "lifecycle.enabled")
# meta of an HCL resource in a module call whose count or for_each is not known, judged
# once as a template (terraform.modules.ModuleInstance.template_child): (the call's
# address, which of EXPANSION_KEYS, its Unknown): how many of it there are is not known
TEMPLATE_MODULE = "template_module"


@dataclass
class Resource:
    """One infrastructure object in canonical form.

    type:    Terraform type for cloud resources (`aws_db_instance`), `group/Kind`
             for Kubernetes (`apps/Deployment`, `core/Service`).
    address: stable, human name (`module.db.aws_db_instance.main[0]`,
             `Deployment/shop/web`, Pulumi URN name).
    attrs:   attributes; unknown values are `Unknown` instances.
    """

    type: str
    address: str
    attrs: dict[str, Any]
    location: Location
    source_format: str  # tfplan | hcl | pulumi | kubernetes
    name: str = ""
    namespace: str | None = None
    change: Change | None = None
    raw_type: str | None = None  # Pulumi token, Kubernetes apiVersion, ...
    # attribute path -> addresses it references (HCL / plan configuration)
    refs: dict[str, list[str]] = field(default_factory=dict)
    # lazy lookup of an attribute's line: paths are dotted, list items numeric
    line_of: LineOf | None = field(default=None, repr=False)
    # where an attribute is written when that is another file than the resource's
    # (the overlay patch of a kustomize-rendered object): None where it is not
    written_elsewhere: Callable[[str], Location | None] | None = field(default=None, repr=False)
    # where an attribute's value came from, when a renderer knows (a Helm chart's values file)
    value_note: Callable[[str], str | None] | None = field(default=None, repr=False)
    # free-form extras a loader wants to carry (ids, arns, module path, ...)
    meta: dict[str, Any] = field(default_factory=dict)

    def get(self, path: str, default: Any = None) -> Any:
        return lookup(self.attrs, path, default)

    def has(self, path: str) -> bool:
        """The attribute is written (even when its value is unknown)."""
        return lookup(self.attrs, path, None) is not None

    def all(self, path: str) -> list[Any]:
        """Every element of a repeated block or list (absent -> [])."""
        value = lookup(self.attrs, path, None)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        return [value]

    def before(self, path: str, default: Any = None) -> Any:
        if self.change is None or self.change.before is None:
            return default
        return lookup(self.change.before, path, default)

    def place_for(self, path: str | None, unset: str | None = None) -> tuple[str, int | None]:
        """The file and line a finding on the attribute `path` points at; for one about the
        `unset` attribute, where an overlay removed it, if one did."""
        for written in (unset, path):
            if written and self.written_elsewhere is not None:
                try:
                    place = self.written_elsewhere(written)
                except Exception:  # a missing place is never worth a crash
                    place = None
                if place is not None:
                    return place.file, place.line
        return self.location.file, self.line_for(path)

    def line_for(self, path: str | None) -> int | None:
        if path and self.line_of is not None:
            try:
                line = self.line_of(path)
            except Exception:  # a missing line is never worth a crash
                line = None
            if line:
                return line
        return self.location.line

    @property
    def scope(self) -> str:
        """Where this resource's address is unique and its references resolve (set
        by the loaders): a Terraform root with the modules it calls, a plan, a
        Pulumi document, a kustomize or helm rendering, or the one Kubernetes
        cluster of the scanned manifests. The engine indexes each scope apart and
        Rego policies see it as `root`: one answer to "where are addresses unique"."""
        return str(self.meta.get("scope", ""))

    @property
    def kind(self) -> str:
        """The bare kind or type (`Deployment` for `apps/Deployment`)."""
        return self.type.rsplit("/", 1)[-1]


@dataclass
class Violation:
    """What a rule yields: the engine turns it into a Finding."""

    message: str
    path: str | None = None  # attribute the finding is about, for its line
    # the unset attribute the finding is about, when `path` names what holds it (`spec` for an
    # unset `spec.replicas`: baselines keep that path): its line is where an overlay removed it
    unset: str | None = None
    severity: Severity | None = None  # overrides the rule's default severity
    remediation: str | None = None  # overrides the rule's default fix
    # what else the finding is about, when one attribute can carry several findings
    # (RES601: the single-zone dependency reached through it); part of the fingerprint
    subject: str | None = None


@dataclass
class Finding:
    rule_id: str
    rule: str
    severity: Severity
    resource: str
    resource_type: str
    file: str
    line: int | None
    message: str
    remediation: str
    docs_url: str = ""
    source_format: str = ""
    attribute: str | None = None
    suppressed: bool = False
    suppression_reason: str | None = None
    suppression_kind: str | None = None
    notes: list[str] = field(default_factory=list)
    # custom (Rego) rules are not in the registry: their metadata travels with the finding
    rule_title: str | None = None
    rule_description: str | None = None
    # the source path relative to the repository root (set by the engine,
    # `set_report_paths`), so fingerprints do not depend on the directory resilint ran from
    fingerprint_path: str | None = None
    # the Terraform root module that plans the resource, when it is declared in a module
    # the root calls: two roots calling one module are two findings on the same block
    root: str | None = None
    fingerprint_root: str | None = None  # `root` relative to the repository root (as fingerprint_path)
    subject: str | None = None  # Violation.subject: tells apart findings on one attribute
    # the file an environment was planned or rendered with (`terraform plan -var-file
    # prod.tfvars`, `helm template --values values-prod.yaml`), and that option: each
    # environment of one root or chart is a finding of its own, in baselines too
    environment: str | None = None
    environment_option: str | None = None
    fingerprint_environment: str | None = None  # `environment` relative to the repository root
    # what tells environments of one file apart (a helmfile's release and environment,
    # `shop/web:prod`; an Argo CD Application's name): part of the fingerprint beside the file
    environment_part: str | None = None
    # the file declaring the resource, when the finding is placed in another that writes the
    # value (earlier baselines recorded it there: `baseline_fingerprints`)
    declared_in: str | None = None
    fingerprint_declared_in: str | None = None  # `declared_in` relative to the repository root

    @property
    def fingerprint(self) -> str:
        """Stable across line moves: rule + resource address + source path, plus
        the attribute, so per-container or per-route findings on one object
        (RES503 on two containers) are told apart by baselines, plus the Terraform
        root for a resource of a called module (`examples/a` and `examples/b` both
        calling `../..` plan two resources at one address, file and line)."""
        return self._fingerprint(with_environment=True)

    def _fingerprint(self, with_environment: bool, path: str | None = None, with_part: bool = True) -> str:
        environment = self.environment if with_environment else None
        if self.root is None and self.subject is None and environment is None:
            return self._unrooted(path)
        key = self._unrooted_key(path)
        if self.root is not None:
            key += f"|root={self.fingerprint_root or self.root}"
        if environment is not None:
            key += f"|environment={self.fingerprint_environment or environment}"
            if self.environment_part is not None and with_part:
                key += f"#{self.environment_part}"
        if self.subject is not None:
            key += f"|subject={self.subject}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    @property
    def baseline_fingerprints(self) -> tuple[str, ...]:
        """What a baseline may have recorded this finding as: its fingerprint, then the
        forms baselines written before a part joined it hold (still matched): without the
        environment (before a root or chart was judged per environment file), without the
        Terraform root (before the root was part of it); and each of those at the file
        declaring the resource, for a finding now placed in another file that writes the
        value (a manifest file a Terraform resource reads, a kustomize patch)."""
        out = []
        for path in (None, *((self.fingerprint_declared_in or self.declared_in,) if self.declared_in else ())):
            out.append(self._fingerprint(with_environment=True, path=path))
            if self.environment_part is not None:  # before the release was part of it (Argo CD)
                out.append(self._fingerprint(with_environment=True, path=path, with_part=False))
            if self.environment is not None:
                out.append(self._fingerprint(with_environment=False, path=path))
            if self.root is not None:
                out.append(self._unrooted(path))
        return tuple(dict.fromkeys(out))

    @property
    def unrooted_fingerprint(self) -> str:
        """The fingerprint without the Terraform root: what baselines written before
        the root was part of it recorded (they still match)."""
        return self._unrooted()

    def _unrooted(self, path: str | None = None) -> str:
        return hashlib.sha256(self._unrooted_key(path).encode()).hexdigest()[:32]

    def _unrooted_key(self, path: str | None = None) -> str:
        return f"{self.rule_id}|{self.resource}|{path or self.fingerprint_path or self.file}|{self.attribute or ''}"

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled back from a forked child (the rules' second half, loaders.parallel.in_two):
        # the fields as one tuple, not a dict of them each, halves the pickling both ways
        return (Finding, _finding_fields(self))

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule": self.rule,
            "severity": str(self.severity),
            "resource": self.resource,
            "resource_type": self.resource_type,
            "file": self.file,
            "line": self.line,
            "attribute": self.attribute,
            "message": self.message,
            "remediation": self.remediation,
            "docs_url": self.docs_url,
            "source_format": self.source_format,
            "fingerprint": self.fingerprint,
            "root": self.root,
            "environment": self.environment,
            "suppressed": self.suppressed,
            "suppression_reason": self.suppression_reason,
            "suppression_kind": self.suppression_kind,
            "notes": list(self.notes),
        }


# Finding's fields in the order its __init__ takes them (its pickled form)
_finding_fields = operator.attrgetter(*(f.name for f in fields(Finding)))

# what unlocks a module call the scan could not follow, as reports say it (the usual case)
MODULE_INSTALL_HINT = "run `terraform init` in the root module so its modules are installed"


class InputError(Exception):
    """Bad input: reported with file and line, exit code 2, never a traceback."""

    def __init__(self, file: str, message: str, line: int | None = None):
        super().__init__(message)
        self.file = file
        self.line = line
        self.message = message

    @classmethod
    def internal(cls, file: str, doing: str, exc: Exception, line: int | None = None) -> "InputError":
        """A bug in resilint met while `doing` something with a file ("loading"): an error
        naming the file (and line), never a traceback that costs the scan its other findings."""
        return cls(file, f"internal error while {doing}: {type(exc).__name__}: {exc}"[:2000], line)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled back from a loading worker (linter.loaders.parallel)
        return (self.__class__, (self.file, self.message, self.line), self.__dict__)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class PartialLoad(InputError):
    """Some documents of a file are input errors; `resources` holds what the others gave."""

    def __init__(self, errors: list[InputError], resources: list["Resource"]):
        super().__init__(errors[0].file, errors[0].message, errors[0].line)
        self.errors, self.resources = errors, resources

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.errors, self.resources))


@dataclass
class Verdict:
    """What the rules found in one scope, judged in the process that loaded it (a
    Terraform root in a load worker: its findings come back with its resources,
    and the rules stage does not judge them again). `judged`: the resources it was
    made on, in order (the same objects: a worker pickles them in one message with
    its resources); the engine takes it only for a scope that holds exactly those
    (see engine.run_rules)."""

    scope: str
    judged: list[Resource]
    findings: list[Finding]
    errors: list[InputError]


class RootJudge(Protocol):
    """The scan's rules run on a Terraform root as soon as it is loaded (engine.RootJudge)."""

    def __call__(self, resources: list[Resource]) -> Verdict | None:
        """The verdict on one root's resources (None: left to the rules stage)."""
        ...

    def keep(self, verdict: Verdict) -> None:
        """A verdict made here or in a worker, for the rules stage to take."""
        ...


def walk(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (dotted path, leaf) pairs; list items get numeric segments."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{prefix}.{i}" if prefix else str(i))
    else:
        yield prefix, value
