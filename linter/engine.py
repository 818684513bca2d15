"""The pipeline: load -> index -> rules -> suppress -> (report, in cli).

Rules are dispatched by resource type, so the cost grows with resources, not
resources x rules.
"""

from __future__ import annotations

import gc
import os
import sys
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from linter.index import Index
from linter.model import (EXPANSION_KEYS, TEMPLATE_MODULE, Finding, InputError, Resource, Severity, Unknown,
                           UnknownValueError, Verdict, Violation)
from linter.rules import Rule, load_rules, select_rules

if TYPE_CHECKING:
    from linter.config import Config, Exclusions
    from linter.paths import ExcludeGlob
    from linter.rego_sandbox import ContainedPolicies


@dataclass
class ScanOptions:
    select: list[str] | None = None
    ignore: list[str] | None = None
    fail_on: Severity = Severity.HIGH
    default_namespace: str = "default"
    # per-rule option overrides: {"RES414": {"backoff_limit_threshold": 20}}
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # loader options (tf_root, ...), passed through untouched
    loader_options: dict[str, Any] = field(default_factory=dict)
    # the scan's root for relative paths in reports (None: as given)
    root: str | None = None
    # suppress stage: the loaded .resilint.yaml and a baseline file
    config: Config | None = None
    baseline: str | None = None
    # custom Rego policies: --policy DIR (the config's `policies:` are added in scan,
    # a nested config's to its own files)
    policy_dirs: list[str] = field(default_factory=list)
    # each file takes the nearest .resilint.yaml at or above it (as ruff does): given a
    # config, the options a file under it is judged with (the command line builds them,
    # so its flags still win); None: `config` serves every file (--config FILE, the library)
    options_for_config: Callable[[Config], ScanOptions] | None = field(default=None, repr=False)
    # `--exclude` globs (relative to the working directory); the config's `exclude:` are added
    exclude: list[ExcludeGlob] = field(default_factory=list)

    def exclusions(self) -> Exclusions:
        """What discovery passes over: `exclude` and each directory's config's globs."""
        from linter.config import Exclusions

        return Exclusions(self.exclude, self.config, nested=self.options_for_config is not None)


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # problems that change no verdict (an inline suppression naming no rule): stderr, exit unchanged
    warnings: list[InputError] = field(default_factory=list)
    # files offered to the loaders and not judged (linter.loaders.Skipped), and
    # notes for stderr (a named file nothing recognises, a chart helm is missing for)
    skipped: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # a file judged under another .resilint.yaml than the scan's, with another fail_on
    fail_on_for: dict[str, Severity] = field(default_factory=dict)
    # the rules that ran, and only those (JUnit lists them per resource: a rule
    # that did not run never passes), and the repository root report paths are
    # relative to (SARIF, GitHub), set by the engine before the suppress stage
    rules: list[Rule] = field(default_factory=list)
    # a file judged under another .resilint.yaml than the scan's, with other rules
    rules_for_file: dict[str, list[Rule]] = field(default_factory=dict)
    root: str | None = None
    # Terraform module calls the scan could not follow (`terraform init` not run)
    unresolved_modules: list[dict[str, Any]] = field(default_factory=list)
    # releases of charts not in the checkout, not fetched (linter.loaders.unfetched): not judged
    charts_not_fetched: list[dict[str, Any]] = field(default_factory=list)

    @property
    def environments(self) -> list[str]:
        """The environments roots and charts were judged in (`linter.environments.judged`)."""
        from linter.environments import judged

        return judged(self.resources)

    def rules_ran_on(self, file: str) -> list[Rule]:
        """The rules that ran on a file's resources (its config's selection)."""
        return self.rules_for_file.get(file, self.rules)

    def failing(self, fail_on: Severity) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed and f.severity >= self.fail_on_for.get(f.file, fail_on)]

    def exit_code(self, fail_on: Severity) -> int:
        if self.errors:
            return 2
        return 1 if self.failing(fail_on) else 0


class Context:
    """What a rule receives besides the resource: the index and its options."""

    def __init__(self, index: Index, options: ScanOptions):
        self.index = index
        self.options = options
        self.rule: Rule | None = None

    @classmethod
    def of_scope(cls, resources: list[Resource], options: ScanOptions) -> "Context":
        """The context rules judge a scope's resources in: its index, the scan's options."""
        return cls(Index(resources, default_namespace=options.default_namespace), options)

    def option(self, name: str) -> Any:
        """The rule's option: the user's override, else the default declared
        beside the rule (`Option`); an undeclared name is a bug (KeyError)."""
        assert self.rule is not None
        overrides = self.options.rule_options.get(self.rule.id, {})
        if name in overrides:
            return overrides[name]
        return self.rule.declared_options[name].default


# below this many rule checks a forked child costs more than it saves (fork, copy-on-write
# faults in both processes, the child's findings pickled back). With the lookups built
# before the fork: a 7,000-resource Pulumi stack (31,500 checks) takes as long forked as
# not; at 10,000 resources (45,000) forking saves 6%, on 10,000 manifests (37,500) 9%
PARALLEL_MIN_CHECKS = 30_000
# the share of the checks at most judged here before the fork, so that both processes
# share the lookups rules build on first use (see run_rules)
WARM_UP_SHARE = 0.1
# the checks after the warm-up go in this many parts, shared by this process and the child
# (loaders.parallel.in_two_shared): a slower core takes fewer
SHARED_PARTS = 24


def run_rules(
    resources: list[Resource], rules: Iterable[Rule], options: ScanOptions, verdicts: dict[str, Verdict] | None = None
) -> tuple[list[Finding], list[InputError]]:
    """Every rule on every resource of its types, scope by scope; on two cores
    when there are enough checks (shared in parts with a forked child, see
    loaders.parallel.in_two_shared): the findings are the serial ones, in order.
    A scope judged as it was loaded (`verdicts`, made with these rules and
    options: see JudgeAsLoaded) gives its verdict in its place instead."""
    by_type = rules_by_type(rules)
    scopes: list[list[Resource] | Verdict] = []
    for scope, scope_resources in by_scope(resources).items():
        verdict = verdicts.get(scope) if verdicts else None
        judged = verdict is not None and len(verdict.judged) == len(scope_resources) and all(
            r is seen for r, seen in zip(scope_resources, verdict.judged))
        scopes.append(verdict if judged and verdict is not None else scope_resources)
    costs = [len(by_type.get(res.type, ())) for scope in scopes if isinstance(scope, list) for res in scope]
    total = sum(costs)
    jobs = options.loader_options.get("jobs")
    contexts: dict[int, Context] = {}  # one per scope, shared by the parts below
    if total >= PARALLEL_MIN_CHECKS:
        from linter.loaders.parallel import available_cores, in_two_shared

        if (int(jobs) if jobs is not None else available_cores()) > 1:
            # Rules build their cross-resource lookups on first use, once per scope (the
            # index, RES601's zone analysis, selector tables): made after the fork, both
            # processes would build each. So this process first judges resources up to
            # the first one of every type (at most a tenth of the checks): what they
            # build, the child inherits.
            judged_types = [res.type for scope in scopes if isinstance(scope, list) for res in scope]
            types = len({t for t, cost in zip(judged_types, costs) if cost})  # types some rule judges
            seen: set[str] = set()
            warm, warmed_checks = 0, 0
            while len(seen) < types and warmed_checks + costs[warm] <= total * WARM_UP_SHARE:
                if costs[warm]:
                    seen.add(judged_types[warm])
                warmed_checks, warm = warmed_checks + costs[warm], warm + 1
            findings, errors = _run_part(scopes, by_type, options, 0, warm, last=False, contexts=contexts)
            bounds, done = [warm], 0
            for i in range(warm, len(costs)):  # parts of about equal checks, taken by whichever process is free
                done += costs[i]
                if done * SHARED_PARTS >= (total - warmed_checks) * len(bounds) and len(bounds) < SHARED_PARTS:
                    bounds.append(i + 1)
            bounds.append(len(costs))
            for part_findings, part_errors in in_two_shared(len(bounds) - 1, lambda k: _run_part(
                    scopes, by_type, options, bounds[k], bounds[k + 1], last=k == len(bounds) - 2,
                    contexts=contexts)):
                findings += part_findings
                errors += part_errors
            return findings, errors
    return _run_part(scopes, by_type, options, 0, len(costs), contexts=contexts)


def rules_by_type(rules: Iterable[Rule]) -> dict[str, list[Rule]]:
    by_type: dict[str, list[Rule]] = defaultdict(list)
    for r in rules:
        for t in r.types:
            by_type[t].append(r)
    return by_type


def _run_part(scopes: list[list[Resource] | Verdict], by_type: dict[str, list[Rule]], options: ScanOptions,
              start: int, stop: int, last: bool = True,
              contexts: dict[int, Context] | None = None) -> tuple[list[Finding], list[InputError]]:
    """The checks of resources `start` to `stop` (counted across the scopes still to
    judge, in order); a verdict goes with the part its place falls in (placed after
    every resource: with the `last` part). `contexts`: each scope's Context, kept
    across the parts of one run (made on first use)."""
    findings: list[Finding] = []
    errors: list[InputError] = []
    first = 0  # position of the scope's first resource
    for scope_resources in scopes:
        if not isinstance(scope_resources, list):
            if start <= first < stop or last and first == stop:
                findings += scope_resources.findings
                errors += scope_resources.errors
            continue
        lo, hi = max(start - first, 0), min(stop - first, len(scope_resources))
        if lo < hi:
            ctx = contexts.get(id(scope_resources)) if contexts is not None else None
            if ctx is None:
                ctx = Context.of_scope(scope_resources, options)
                if contexts is not None:
                    contexts[id(scope_resources)] = ctx
            _run_scope(scope_resources[lo:hi], by_type, ctx, findings, errors)
        first += len(scope_resources)
    return findings, errors


def by_scope(resources: list[Resource]) -> dict[str, list[Resource]]:
    """Resources grouped by the world their references resolve in (see Resource.scope)."""
    groups: dict[str, list[Resource]] = defaultdict(list)
    for r in resources:
        groups[r.scope].append(r)
    return groups


def _run_scope(judged: list[Resource], by_type: dict[str, list[Rule]], ctx: Context,
               findings: list[Finding], errors: list[InputError]) -> None:
    """The rules on `judged`, resources of the scope `ctx.index` holds (cross-object rules see all)."""
    for res in judged:
        rules = by_type.get(res.type)
        if rules is None:
            continue
        source_format = res.source_format
        for rule in rules:  # rules of its type: only the format is left to test
            if source_format not in rule.formats:
                continue
            try:
                findings += _judge(rule, res, ctx)
            except RuleCrash as crash:  # a rule bug must not hide other findings
                errors.append(InputError(res.location.file, str(crash), res.location.line))


class RuleCrash(Exception):
    """A rule raised on a resource: a bug in resilint, never the user's input."""


def check(rule: Rule, res: Resource, ctx: Context) -> list[Finding]:
    """The one rule runner: `rule` on `res`, its findings worded for the
    resource's input format. The CLI scan and the Pulumi policy pack both call
    it, so they agree on what fires and how it reads.

    A rule that does not apply to the resource's type or format finds nothing;
    a value not known before apply silences the rule (never a finding); a rule
    that raises anything else raises RuleCrash naming the rule and resource.
    """
    if res.type not in rule.types or res.source_format not in rule.formats:
        return []
    return _judge(rule, res, ctx)


def _judge(rule: Rule, res: Resource, ctx: Context) -> list[Finding]:
    """`check` on a resource the rule applies to."""
    ctx.rule = rule
    found: list[Finding] = []
    try:
        # a loop, not a list comprehension: that costs a function call of its own, and
        # this runs once per rule and resource (tens of thousands of times a scan)
        for v in rule.check(res, ctx):
            found.append(make_finding(rule, res, v))
        return found
    except UnknownValueError:
        return []  # the rule touched a value not known before apply: stay silent
    except Exception as exc:
        raise RuleCrash(f"internal error in rule {rule.id} on {res.address}: {type(exc).__name__}: {exc}") from exc


# linter.normalize.names.in_pulumi_terms, imported on the first Pulumi finding (an import
# statement costs a microsecond even when the module is loaded: once, not per finding)
_in_pulumi_terms: Callable[[str, str], str] | None = None


def _pulumi_terms() -> Callable[[str, str], str]:
    global _in_pulumi_terms
    if _in_pulumi_terms is None:
        from linter.normalize.names import in_pulumi_terms

        _in_pulumi_terms = in_pulumi_terms
    return _in_pulumi_terms


def make_finding(rule: Rule, res: Resource, v: Violation) -> Finding:
    message, remediation = v.message, v.remediation or rule.remediation
    if res.source_format == "pulumi" and "_" in res.type and ":" not in res.type:
        # a bridged cloud resource: say `multiAz`, as the Pulumi program does, not `multi_az`;
        # the resource's own address out of the way: what is left repeats from
        # resource to resource, so the wording is worked out once per rule (cached)
        own, in_pulumi_terms = res.address, _in_pulumi_terms or _pulumi_terms()
        # where a value came from (a Pulumi YAML program's config, a file) is said as written there
        origins = [o for o in (res.meta.get("value_origin") or {}).values() if o in message]
        for n, origin in enumerate(origins):
            message = message.replace(origin, f"\x02{n}\x03")
        message = in_pulumi_terms(message.replace(own, "\x01"), res.type).replace("\x01", own)
        for n, origin in enumerate(origins):
            message = message.replace(f"\x02{n}\x03", origin)
        remediation = in_pulumi_terms(remediation.replace(own, "\x01"), res.type).replace("\x01", own)
    elif res.meta.get("terraform_k8s"):
        # Terraform's kubernetes provider: say `readiness_probe`, as the .tf file does
        from linter.normalize.terraform_k8s import in_terraform_terms

        message, remediation = in_terraform_terms(message, res), in_terraform_terms(remediation, res)
    if res.meta.get("azapi_paths"):
        # an azapi_resource read as azure-native: name the body path the user wrote
        from linter.normalize.azapi import in_body_terms

        paths = res.meta["azapi_paths"]
        message, remediation = in_body_terms(message, paths), in_body_terms(remediation, paths)
    file, line = res.place_for(v.path, v.unset)
    return Finding(
        rule_id=rule.id,
        rule=rule.name,
        severity=v.severity or rule.severity,
        resource=res.address,
        resource_type=res.type,
        file=file,
        line=line,
        message=message,
        remediation=remediation,
        docs_url=rule.docs_url,
        source_format=res.source_format,
        attribute=v.path,
        notes=_notes(res, v.path, file),
        root=res.meta.get("root"),
        environment=res.meta.get("environment"),
        environment_option=res.meta.get("environment_option"),
        environment_part=res.meta.get("environment_part"),
        declared_in=res.location.file if file != res.location.file else None,
        subject=v.subject,
    )


def _notes(res: Resource, path: str | None = None, placed_in: str | None = None) -> list[str]:
    notes = []
    if placed_in is not None and placed_in != res.location.file and res.meta.get("manifest_file"):
        # a manifest file's line, for the resource that applies it
        notes.append(f"applied by {res.address} at {res.location.file}:{res.location.line}")
    if path and res.value_note is not None:  # where a rendered value came from (a Helm chart's values)
        note = res.value_note(path)
        if note:
            notes.append(note)
    if res.meta.get("source_position"):  # where the program declares it (Pulumi sourcePosition)
        notes.append(f"declared at {res.meta['source_position']}")
    if res.meta.get("template_from"):  # an Argo Rollout's workloadRef
        notes.append(f"pod template from {res.meta['template_from']} (spec.workloadRef)")
    if res.meta.get("rendered_from"):  # judged as kustomize or helm renders it
        notes.append(f"as rendered by `{res.meta['rendered_from']}`")
    if res.meta.get("module_checkout"):  # a registry module call read from the scanned checkout
        notes.append(res.meta["module_checkout"])
    if res.source_format == "hcl":
        for key in EXPANSION_KEYS:  # a block Terraform may plan none or many of, judged once
            unknown = res.meta.get(key)
            if isinstance(unknown, Unknown):
                notes.append(f"its {key} is not known{_depends_on(unknown)}: judged as one instance, if any is created")
        if TEMPLATE_MODULE in res.meta:  # likewise, a module call
            call, key, unknown = res.meta[TEMPLATE_MODULE]
            notes.append(f"the {key} of {call} is not known{_depends_on(unknown)}: judged as one instance of it, "
                         "if any is created")
    return notes


def _depends_on(unknown: Unknown) -> str:
    return f" (it depends on {', '.join(unknown.refs)})" if unknown.refs else ""


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.file, f.line or 0, f.rule_id, f.resource))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while a scan builds its objects.

    A scan builds hundreds of thousands of long-lived objects (every
    document's data) that the collector would otherwise walk again and again
    as they accumulate. When the collector is re-enabled it walks them once;
    nothing is frozen (`gc.freeze()`), as frozen objects in reference cycles
    are never freed: a process that scans again and again (the policy pack, a
    service) would leak every scan's cycles.
    """
    was_enabled = gc.isenabled()
    if was_enabled and _BLOCKS_AFTER_FULL[0] is not None \
            and sys.getallocatedblocks() > _BLOCKS_AFTER_FULL[0] * 5 // 4:
        # Objects moved past the young generations (below) are not counted by the
        # collector's own trigger for a full collection (a quarter more than the last one
        # left), so none ever ran and a process scanning again and again kept every
        # scan's cycles. The same rule here, on the memory blocks allocated (a count
        # kept, not a walk), before a scan: what earlier scans left is freed, and a
        # process's first scan (the command line's only one) never pays for it.
        gc.collect()
        _BLOCKS_AFTER_FULL[0] = sys.getallocatedblocks()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():
                # straight to the oldest generation without a walk: collecting all the
                # scan built as "young" costs as much as the scan's evaluation
                gc.freeze()
                gc.unfreeze()
                if _BLOCKS_AFTER_FULL[0] is None:
                    _BLOCKS_AFTER_FULL[0] = sys.getallocatedblocks()
            gc.enable()


# memory blocks allocated after the last full collection gc_paused ran, or after a
# process's first scan (None: no scan yet)
_BLOCKS_AFTER_FULL: list[int | None] = [None]


def scan(paths: list[str], options: ScanOptions) -> ScanResult:
    with gc_paused():
        return _scan(paths, options)


def normalize_stage(resources: list[Resource], default_namespace: str = "default") -> list[Resource]:
    """The normalize stage, after every loader: the resources as rules read them.

    One function for the CLI scan and the Pulumi policy pack, so both judge the
    same objects (a Rollout linked to the Deployment it takes its template from,
    Terraform's Kubernetes objects made canonical, azapi bodies read as the
    azure-native resources they create)."""
    from linter.normalize.kubernetes import normalize

    resources = normalize(resources, default_namespace)
    if any(r.type == "azapi_resource" for r in resources):
        from linter.normalize.azapi import normalize as normalize_azapi  # HCL, plan or state alike

        normalize_azapi(resources)
    return resources


def normalize_leaves_alone(resources: list[Resource]) -> bool:
    """normalize_stage would change none of these resources, whatever else the scan
    holds (it changes Terraform's Kubernetes objects and azapi bodies, each within
    its own scope, and Kubernetes manifests)."""
    from linter.normalize.terraform_k8s import TERRAFORM_K8S_TYPES

    return not any(r.type in TERRAFORM_K8S_TYPES or r.type == "azapi_resource" or r.source_format == "kubernetes"
                   for r in resources)


class JudgeAsLoaded:
    """The scan's rules (chosen by its own options) run on each Terraform root as
    soon as it is loaded, in the process that loaded it (linter.model.RootJudge):
    a load worker then sends back its roots' findings beside their resources, and
    judges them while this process judges its own, instead of after. The verdicts
    are kept here for `run_rules`, which takes one only for a scope holding exactly
    what was judged, judged by these rules and options (the scan's config group);
    any other scope is judged there as always. Roots `normalize_stage` would change
    are left to the rules stage."""

    def __init__(self, options: ScanOptions, rules: list[Rule]):
        self.options = options
        self.rules = rules
        self.by_type = rules_by_type(rules)
        self.verdicts: dict[str, Verdict] = {}
        self._seen: set[str] = set()

    def __call__(self, resources: list[Resource]) -> Verdict | None:
        from linter.loaders import set_directory_scope

        set_directory_scope(resources)
        if not resources or not normalize_leaves_alone(resources):
            return None
        scope = resources[0].scope
        if any(r.scope != scope for r in resources):
            return None
        findings: list[Finding] = []
        errors: list[InputError] = []
        ctx = Context.of_scope(resources, self.options)
        _run_scope(resources, self.by_type, ctx, findings, errors)
        return Verdict(scope, resources, findings, errors)

    def keep(self, verdict: Verdict) -> None:
        if verdict.scope in self._seen:  # two roots in one scope: neither verdict is the scope's
            self.verdicts.pop(verdict.scope, None)
            return
        self._seen.add(verdict.scope)
        self.verdicts[verdict.scope] = verdict

    def verdicts_for(self, group: ConfigGroup) -> dict[str, Verdict] | None:
        """The verdicts that hold for a config group: only the scan's own options and rules made them."""
        return self.verdicts if group.options is self.options and group.rules == self.rules else None


@dataclass
class ConfigGroup:
    """Files judged under one `.resilint.yaml`: their resources, the options the
    command line builds for that config, the rules those options select, and the
    custom Rego policies the config names (with `--policy`). A group is a project
    of its own: no cross-object context with another group, and a report lists a
    rule for a group's resources only when it ran on them."""

    options: ScanOptions
    resources: list[Resource]
    rules: list[Rule]
    policies: ContainedPolicies | None = None


def _policy_dirs(options: ScanOptions) -> list[str]:
    """--policy directories, then the config's `policies:` (relative to the config)."""
    return [*options.policy_dirs, *(options.config.policies if options.config is not None else ())]


def _load_policies(dirs: list[str]) -> ContainedPolicies | None:
    if not dirs:  # regopy is imported only when there are policies, in child processes
        return None
    from linter.rego_sandbox import ContainedPolicies

    return ContainedPolicies.load(dirs)


def _scan(paths: list[str], options: ScanOptions) -> ScanResult:
    from linter.loaders import load_paths

    policies = _load_policies(_policy_dirs(options))
    known_ids = set(load_rules()) | (policies.rule_ids if policies else set())
    # a policy result may carry its own rule_id: selectors naming none of the
    # known ids wait for the results before they are called typos
    unknown = unknown_selectors(options, known_ids)
    # with a config per file, a nested config's policies may define the ids: wait for them
    if unknown and not (policies and policies.may_produce_ids) and options.options_for_config is None:
        return ScanResult(errors=unknown)
    judge = JudgeAsLoaded(options, select_rules(options.select, options.ignore))
    loaded = load_paths(paths, options.loader_options, judge, options.exclusions())
    from linter.normalize.kubernetes import applied_by_terraform

    loaded.resources, applied = applied_by_terraform(loaded.resources)
    loaded.notes += applied
    loaded.resources = normalize_stage(loaded.resources, options.default_namespace)
    groups, rule_errors = _by_config(loaded.resources, options, known_ids, policies, loaded.real_paths)
    if unknown:
        known_ids |= {i for g in groups if g.policies is not None for i in g.policies.rule_ids}
        unknown = unknown_selectors(options, known_ids)
        if unknown and not any(g.policies is not None and g.policies.may_produce_ids for g in groups):
            return ScanResult(errors=unknown)
    findings: list[Finding] = []
    produced_ids: set[str] = set()
    for group in groups:
        group_findings, group_errors = run_rules(group.resources, group.rules, group.options,
                                                 judge.verdicts_for(group))
        findings += group_findings
        rule_errors += group_errors
        if group.policies is not None:
            rego_findings, rego_errors = group.policies.evaluate(group.resources, group.options)
            findings += rego_findings
            rule_errors += rego_errors
            produced_ids |= group.policies.produced_ids
    for loaded_policies in {id(g.policies): g.policies for g in groups if g.policies is not None}.values():
        rule_errors += loaded_policies.errors  # reading the policies: once per set of policies
    if unknown:
        rule_errors += unknown_selectors(options, known_ids | produced_ids)
    if loaded.context_files:  # siblings loaded as context: what they hold is not this scan's to report
        findings = [f for f in findings if f.file not in loaded.context_files]
        rule_errors = [e for e in rule_errors if e.file not in loaded.context_files]
    rules: list[Rule] = []
    for group in groups:
        rules += [r for r in group.rules if r not in rules]
    result = ScanResult(
        rules=rules,
        findings=sort_findings(findings),
        errors=loaded.errors + rule_errors,
        resources=[r for r in loaded.resources if r.location.file not in loaded.context_files]
        if loaded.context_files else loaded.resources,
        files=loaded.files,
        skipped=loaded.skipped,
        notes=loaded.notes,
        unresolved_modules=loaded.unresolved_modules,
    )
    from linter.loaders.unfetched import charts_not_fetched

    result.charts_not_fetched = [c.to_dict() for c in charts_not_fetched(result.resources, loaded.charts_not_fetched)]
    set_report_paths(result, paths, options)
    from linter.suppress import apply_suppressions

    ids = known_ids | produced_ids | {i for g in groups if g.policies is not None for i in g.policies.rule_ids}
    if len(groups) == 1:
        apply_suppressions(result, options, ids)
        return result
    for group in groups:  # each file's findings under its own config
        files = {r.location.file for r in group.resources}
        part = ScanResult(findings=[f for f in result.findings if f.file in files], resources=group.resources)
        apply_suppressions(part, group.options, ids)
        result.warnings += part.warnings
        if group.options.fail_on != options.fail_on:
            result.fail_on_for.update((f, group.options.fail_on) for f in files)
        if group.rules != rules:
            result.rules_for_file.update((f, group.rules) for f in files)
    return result


def set_report_paths(result: ScanResult, paths: list[str], options: ScanOptions) -> None:
    """The repository root report paths are relative to, and each finding's path
    in it (part of its fingerprint), whatever directory resilint runs from. Set
    here, before the suppress stage: baselines match findings by fingerprint.
    A finding in a module a Terraform root calls also takes the root's path (in
    its fingerprint, and named at the end of its message)."""
    from linter.paths import relative_to_root, repo_root, shown_relative

    result.root = root = options.root or repo_root(paths)
    relative: dict[str, str] = {}
    for f in result.findings:
        for path in (f.file, f.root, f.environment, f.declared_in):
            if path is not None and path not in relative:
                relative[path] = relative_to_root(path, root)
        f.fingerprint_path = relative[f.file]
        if f.declared_in is not None:
            f.fingerprint_declared_in = relative[f.declared_in]
        planned = []
        if f.root is not None and f.fingerprint_root is None:
            f.fingerprint_root = relative[f.root]
            planned.append(f"in root {shown_relative(f.root, relative[f.root])}")
        if f.environment is not None and f.fingerprint_environment is None:
            f.fingerprint_environment = relative[f.environment]
            planned.append(f"with {f.environment_option} {shown_relative(f.environment, relative[f.environment])}")
        if planned:
            f.message += f" ({', '.join(planned)})"


def _by_config(resources: list[Resource], options: ScanOptions, known_ids: set[str],
               policies: ContainedPolicies | None, real_paths: dict[str, str] | None = None
               ) -> tuple[list[ConfigGroup], list[InputError]]:
    """The resources grouped by the config their file takes (`ConfigGroup`);
    `real_paths`: files' real paths discovery resolved (no lookups for those).

    One group (the scan's options) unless files lie under different `.resilint.yaml`
    files. A group is judged on its own: a PDB under one config does not protect a
    Deployment under another (they are different projects, as in ruff), and a
    nested config's `policies:` run on its files (with `--policy`), not the scan's."""
    def group(group_options: ScanOptions, group_resources: list[Resource],
              group_policies: ContainedPolicies | None) -> ConfigGroup:
        return ConfigGroup(group_options, group_resources,
                           select_rules(group_options.select, group_options.ignore), group_policies)

    if options.options_for_config is None:
        return [group(options, resources, policies)], []
    from linter.config import load_found, nearest_config

    scan_config = options.config.source if options.config is not None else None
    key_of: dict[str, str | None] = {}  # file -> its config (None: the scan's), files in the order met
    found: dict[str | None, Any] = {}
    looked: dict[str, Any] = {}
    by_directory: dict[str, Any] = {}  # a directory's files share its config (links aside)
    for r in resources:
        file = r.location.file
        if file in key_of:
            continue
        real = real_paths.get(file) if real_paths else None
        if real is not None:  # resolved by discovery: no lookups
            path = nearest_config(file, looked, real)
        else:
            directory = None if os.path.islink(file) else os.path.dirname(file)
            if directory is None or directory not in by_directory:
                path = nearest_config(file, looked)
                if directory is not None:
                    by_directory[directory] = path
            else:
                path = by_directory[directory]
        key_of[file] = key = None if path is None or str(path) == scan_config else str(path)
        found.setdefault(key, path)
    if set(found) <= {None}:
        return [group(options, resources, policies)], []
    by_file: dict[str, list[Resource]] = defaultdict(list)
    for r in resources:
        by_file[r.location.file].append(r)
    groups: dict[str | None, list[Resource]] = defaultdict(list)
    for file, file_resources in by_file.items():
        groups[key_of[file]].extend(file_resources)
    out: list[ConfigGroup] = []
    errors: list[InputError] = []
    for key, group_resources in groups.items():
        group_options, group_policies = options, policies
        if key is not None:
            try:
                group_options = options.options_for_config(load_found(found[key]))
            except InputError as err:  # a broken nested config: said, and its files judged as the scan's
                errors.append(err)
            else:
                if _policy_dirs(group_options) != _policy_dirs(options):
                    group_policies = _load_policies(_policy_dirs(group_options))
                ids = known_ids | (group_policies.rule_ids if group_policies else set())
                if not (group_policies and group_policies.may_produce_ids):
                    errors += unknown_selectors(group_options, ids)
        out.append(group(group_options, group_resources, group_policies))
    return out, errors


def unknown_selectors(options: ScanOptions, rule_ids: set[str]) -> list[InputError]:
    """An error for every selector (--select, --ignore, the config's select and
    ignore entries) that names no rule: a typo must not turn rules off."""
    from linter.rule_match import Selector, names_a_rule, unknown_message

    config = options.config
    written: list[str] = [*(options.select or ()), *(options.ignore or ())]
    if config is not None:
        written += [s for s in config.select or () if not any(s is t for t in written)]
        written += [Selector(e.rule, f"ignore[{i}].rule", config.file, e.line) for i, e in enumerate(config.ignore)]
    errors = []
    for s in written:
        if names_a_rule(s, rule_ids):
            continue
        origin = getattr(s, "origin", None) or ("select" if s in (options.select or ()) else "ignore")
        message = f"{origin}: {unknown_message(s, rule_ids)}"
        file = getattr(s, "file", None)
        errors.append(InputError(file or origin, message if file else unknown_message(s, rule_ids), getattr(s, "line", None)))
    return errors
