"""The rule registry as a Pulumi policy pack (`pulumi preview --policy-pack policies/pulumi`).

Built from the same registry the CLI runs, never a second copy of a rule:

* a single-resource rule (`cross=False`) becomes a ResourceValidationPolicy,
  a cross-resource rule a StackValidationPolicy (it needs the whole stack);
* the policy name is the rule name; the description starts with the rule id;
* enforcement comes from severity (high/critical: mandatory, others:
  advisory) and is changed per policy through the pack's config, like any
  Pulumi policy (`{"aws-rds-instance-not-multi-az": "advisory"}`); a rule's
  options are that policy's config properties;
* resource properties go through the Pulumi loader's normalisation, so a
  rule sees the same canonical Resource as in a file scan; a value not known
  during preview silences the rule for that resource (never a crash).

Plan-only regression rules (RES190, RES390) are not in the pack: an analyzer
request carries no prior state to compare with.

Imports pulumi_policy (the `resilint[pulumi]` extra); nothing else in the
linter imports Pulumi.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Iterable

from linter.engine import Context, RuleCrash, ScanOptions, check, normalize_stage
from linter.loaders.pulumi import State, addresses_for, build_resource, urn_type
from linter.model import Finding, Resource, Severity
from linter.rules import Option, Rule, load_rules

if TYPE_CHECKING:
    from pulumi_policy import (
        EnforcementLevel, Policy, ReportViolation, ResourceValidation, ResourceValidationArgs, StackValidation,
        StackValidationArgs,
    )

PACK_NAME = "resilint"
PACK_DESCRIPTION = "resilint: resilience defects (single points of failure, zones, timeouts, retries)"
SOURCE = "pulumi-policy"  # the Location file of resources built from analyzer requests


def pack_rules() -> list[Rule]:
    """The rules the pack runs: those that apply to Pulumi and need no prior state."""
    out = []
    for rule in sorted(load_rules().values(), key=lambda r: r.id):
        if "pulumi" not in rule.formats:
            continue
        if set(rule.formats) <= {"tfplan", "pulumi"}:
            continue  # regression rules compare with a prior state analyzers never get
        out.append(rule)
    return out


def enforcement_for(rule: Rule) -> EnforcementLevel:
    from pulumi_policy import EnforcementLevel

    return EnforcementLevel.MANDATORY if rule.severity >= Severity.HIGH else EnforcementLevel.ADVISORY


def build_policies(rules: Iterable[Rule] | None = None) -> list[Policy]:
    from pulumi_policy import (
        PolicyConfigSchema, ResourceValidationPolicy, Severity as PolicySeverity, StackValidationPolicy,
    )

    policies: list[Policy] = []
    for rule in rules if rules is not None else pack_rules():
        common: dict[str, Any] = dict(  # the keyword arguments both kinds of policy take
            name=rule.name,
            description=f"{rule.id}: {rule.title}",
            enforcement_level=enforcement_for(rule),
            config_schema=PolicyConfigSchema({k: config_property(o) for k, o in rule.declared_options.items()})
            if rule.declared_options else None,
            severity=PolicySeverity(str(rule.severity)),
            remediation_steps=rule.remediation,
            url=rule.docs_url,
            tags=[rule.id, rule.family + "xx"],
        )
        policy: StackValidationPolicy | ResourceValidationPolicy
        if rule.cross:
            policy = StackValidationPolicy(validate=_stack_validation(rule), **common)
        else:
            policy = ResourceValidationPolicy(validate=_resource_validation(rule), **common)
        policies.append(policy)
    return policies


def build_pack() -> Any:
    """Construct the PolicyPack: this starts its gRPC server, prints the port and serves forever."""
    from pulumi_policy import EnforcementLevel, PolicyPack

    return PolicyPack(
        name=PACK_NAME,
        policies=build_policies(),
        enforcement_level=EnforcementLevel.ADVISORY,
        description=PACK_DESCRIPTION,
        display_name="resilint",
        repository="https://github.com/resilint/resilint",
    )


# ------------------------------------------------------------------ validations
def _resource_validation(rule: Rule) -> ResourceValidation:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        resources = resources_from_analyzer([(args.resource_type, args.urn, args.props, {},
                                              _provider(args.provider))])
        _run(rule, resources, args.get_config(), report_violation, with_urn=False)

    return validate


def _stack_validation(rule: Rule) -> StackValidation:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        # the engine gives a stack policy each resource's outputs: drop the ""
        # a bridged provider reports for an unset attribute, as a file scan does
        entries = [
            (r.resource_type, r.urn, _without_placeholders(plain(r.props)),
             {k: [d.urn for d in deps] for k, deps in (r.property_dependencies or {}).items()}, _provider(r.provider))
            for r in args.resources
        ]
        resources = resources_from_analyzer(entries, are_outputs=True)
        _run(rule, resources, args.get_config(), report_violation, with_urn=True)

    return validate


# what the engine says of a resource's provider: its URN and properties (as the engine gives
# them: read once per provider, not once per resource)
ProviderEntry = tuple[str, Any]


def resources_from_analyzer(entries: list[tuple[str, str, Any, dict[str, Any], ProviderEntry | None]],
                            are_outputs: bool = False) -> list[Resource]:
    """Canonical Resources from (type token, urn, props, property dependencies, provider).

    A stack policy is given outputs: they are the attributes, and also what
    ids and ARNs are matched against, as in a file scan of a stack export.
    The provider's properties are read as a document's provider (an object
    that names no namespace is created in its Kubernetes provider's).
    """
    states: list[State] = []
    providers: dict[str, State] = {}
    for token, urn, props, deps, provider in entries:
        values = props if isinstance(props, dict) else plain(props)
        state = State(urn=urn, type=token, inputs=values, outputs=values if are_outputs else None,
                      custom=True, property_dependencies=deps)
        if provider is not None:
            state.provider = f"{provider[0]}::"  # `URN::ID`, as a document writes it (the ID is not read)
            if provider[0] not in providers:
                providers[provider[0]] = State(urn=provider[0], type=urn_type(provider[0]), inputs=plain(provider[1]))
        states.append(state)
    given = {s.urn for s in states}  # a stack's own providers are among its resources already
    states += [p for u, p in providers.items() if u not in given]
    addresses = addresses_for(states)
    out: list[Resource] = []
    for state in states:
        res = build_resource(state, SOURCE, None, addresses)
        if res is not None:
            out.append(res)
    return out


def _run(rule: Rule, resources: list[Resource], config: Mapping[str, Any] | None, report_violation: ReportViolation,
         with_urn: bool) -> None:
    """Report what the CLI's rule runner (engine.check) finds, as policy violations."""
    resources = normalize_stage(resources)  # the same objects a file scan judges
    ctx = Context.of_scope(resources, ScanOptions(rule_options={rule.id: dict(config or {})}))
    for res in resources:
        try:
            findings = check(rule, res, ctx)
        except RuleCrash as crash:  # a rule bug must not fail the user's preview
            print(f"resilint: {crash}", file=sys.stderr)
            continue
        for finding in findings:
            report_violation(violation_message(rule, finding), res.meta.get("urn") if with_urn else None)


def violation_message(rule: Rule, finding: Finding) -> str:
    severity = f" [{finding.severity}]" if finding.severity != rule.severity else ""
    return f"{rule.id}{severity}: {finding.message}\nFix: {finding.remediation}"


# ------------------------------------------------------------------ helpers
def plain(props: Any) -> dict[str, Any]:
    """An analyzer's (proxied) properties as plain JSON values, unknown sentinels kept."""
    from pulumi_policy.deserialize import serialize_properties

    if props is None:
        return {}
    value = _integral(serialize_properties(props))
    return dict(value) if isinstance(value, dict) else {}


def _provider(provider: Any) -> ProviderEntry | None:
    """A resource's provider, as the engine gives it to a policy."""
    if provider is None or not getattr(provider, "urn", None):
        return None
    return provider.urn, provider.props


def _without_placeholders(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_placeholders(v) for k, v in value.items() if v not in ("", None)}
    if isinstance(value, list):
        return [_without_placeholders(v) for v in value]
    return value


def _integral(value: Any) -> Any:
    """gRPC Structs carry every number as a double: 3.0 replicas are 3, as in the files."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


def config_property(option: Option) -> dict[str, Any]:
    """A rule option as a property of its policy's config schema."""
    schema: dict[str, Any] = {"type": option.type_name, "description": option.description}
    if option.default is not None:
        schema["default"] = list(option.default) if isinstance(option.default, tuple) else option.default
    return schema
