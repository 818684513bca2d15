"""resilint's table of AWS attributes (linter/attribute_facts.py) against the real AWS
provider's schema: fixtures/aws_provider_oracle/facts.golden.json, written by
fixtures/_tools/aws_provider_oracle.py from `terraform providers schema -json`.

Every path a rule reads exists in the provider, and an attribute is `computed` in the
table exactly when the provider makes it Optional+Computed: that flag decides how a
plan's "known after apply" is read (the default, or unknown)."""

from __future__ import annotations

import functools
import importlib.util
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from linter.attribute_facts import AWS

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("aws_provider_oracle", ROOT / "fixtures" / "_tools" / "aws_provider_oracle.py")
assert _spec is not None and _spec.loader is not None
oracle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(oracle)

GOLDEN = json.loads(oracle.GOLDEN.read_text())

# paths the table keeps that this provider version does not have, with why
NOT_IN_PROVIDER = {
    ("aws_elasticache_replication_group", "number_cache_clusters"):
        "removed in provider 5.0 (renamed num_cache_clusters): configurations written for 4.x still set it",
    ("aws_nat_gateway", "availability_mode"): "regional NAT gateways came after provider 5.100",
}

ROWS = [(rtype, path) for rtype, paths in sorted(AWS.items()) for path in sorted(paths)]


def test_golden_covers_the_table() -> None:
    assert sorted((t, p) for t, paths in GOLDEN["facts"].items() for p in paths) == ROWS, \
        "the table changed: run python3 fixtures/_tools/aws_provider_oracle.py"


@pytest.mark.parametrize("rtype,path", ROWS, ids=[f"{t}.{p}" for t, p in ROWS])
def test_fact_matches_the_provider_schema(rtype: str, path: str) -> None:
    said = GOLDEN["facts"].get(rtype, {}).get(path)
    if (rtype, path) in NOT_IN_PROVIDER:
        assert said is None, f"the provider has {rtype}.{path} now: drop it from NOT_IN_PROVIDER"
        return
    assert said is not None, f"AWS provider {GOLDEN['provider_version']} has no {rtype}.{path}"
    if said["kind"] == "attribute":
        optional_computed = said["optional"] and said["computed"]
        assert AWS[rtype][path].computed == optional_computed, (
            f"{rtype}.{path}: the provider's schema says optional={said['optional']} computed={said['computed']}")


PLANNED = [(address, path, said) for address, paths in sorted(GOLDEN["defaults"].items())
           for path, said in sorted(paths.items())]


def test_every_default_is_planned() -> None:
    planned_types = {address.split(".")[0] for address in GOLDEN["defaults"]} | {t for t, _ in NOT_IN_PROVIDER}
    with_default = {rtype for rtype, facts in AWS.items() if any(f.default is not None for f in facts.values())}
    assert with_default <= planned_types, "add a resource to fixtures/aws_provider_oracle/defaults/main.tf"


@pytest.mark.parametrize("address,path,said", PLANNED, ids=[f"{a}.{p}" for a, p, _ in PLANNED])
def test_default_is_what_the_provider_plans(address: str, path: str, said: dict) -> None:
    """An unwritten attribute is planned as the table's default, or left null for the API
    to fill (rules.md's sources give the API's default), or known after apply exactly
    where the table says computed."""
    fact = AWS[address.split(".")[0]][path]
    if "unknown" in said:
        assert fact.computed, f"{address}.{path} is known after apply: the table must say computed"
        return
    assert said["value"] in (None, fact.default), f"{address}.{path}: planned {said['value']!r}, the table says {fact.default!r}"


def test_golden_is_what_the_provider_says() -> None:
    why = oracle.available()
    if why is not None:
        pytest.skip(why)
    assert oracle.golden() == GOLDEN, "run python3 fixtures/_tools/aws_provider_oracle.py"


# ---------------------------------------------------- configurations planned by the provider
_dspec = importlib.util.spec_from_file_location("aws_plan_differential",
                                                ROOT / "fixtures" / "_tools" / "aws_plan_differential.py")
assert _dspec is not None and _dspec.loader is not None
differential = importlib.util.module_from_spec(_dspec)
_dspec.loader.exec_module(differential)

CASES = oracle.cases()


def _expected(case: str) -> dict:
    return json.loads((oracle.CASES_DIR.parent / f"{case}.expected.json").read_text())


@pytest.mark.parametrize("case", CASES)
def test_what_resilint_reads_is_what_the_provider_plans(case: str) -> None:
    """Every value resilint reads of every resource (through dynamic and nested dynamic
    blocks, for_each over optional attributes, a local module) is the planned one, in the
    schema's type; the same resources are planned."""
    planned = _expected(case)["resources"]
    read = differential.ours(oracle.CASES_DIR / case)
    assert sorted(read) == sorted(planned)
    for address, attrs in read.items():
        for name, value in attrs.items():
            assert differential.compare(value, planned[address].get(name)) == "agree", (
                f"{address}.{name}: resilint reads {value!r}, the provider plans {planned[address].get(name)!r}")


@functools.lru_cache(maxsize=1)
def _planned_now() -> dict[str, dict]:
    """Every case planned again by the provider, two at a time (each waits seconds for it to start)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CASES, pool.map(oracle.case_plan, CASES)))


@pytest.mark.parametrize("case", CASES)
def test_case_golden_is_what_the_provider_plans(case: str) -> None:
    why = oracle.available()
    if why is not None:
        pytest.skip(why)
    plan = _planned_now()[case]
    assert oracle.case_golden(plan) == _expected(case), "run python3 fixtures/_tools/aws_provider_oracle.py"
    assert plan == _plan(case)


def _plan(case: str) -> dict:
    return json.loads((oracle.CASES_DIR.parent / f"{case}.plan.json").read_text())


# what a plan cannot say that the configuration does, and so is not reported from the plan
PLAN_CANNOT_SAY = {
    # `each.value.dlq ? jsonencode({... aws_sqs_queue.dlq[each.key].arn ...}) : null`: the plan
    # shows the redrive policy as known after apply whichever branch was taken (it names a
    # resource), and its references name `aws_sqs_queue.dlq`, not the instance: no queue
    # without a DLQ (RES401) and no DLQ linked to its source (RES402) can be told apart
    ("groups_and_pitr", "RES401", 'aws_sqs_queue.queue["jobs"]'),
    ("groups_and_pitr", "RES402", 'aws_sqs_queue.dlq["mail"]'),
    ("queues_conditional_dlq", "RES401", 'aws_sqs_queue.queue["mail"]'),
    # `var.use_fallback ? aws_sqs_queue.fallback.arn : aws_sqs_queue.spare.arn`: the plan
    # names both queues, either may be the dead-letter queue (the variable is known, but
    # the plan does not say which branch it chose)
    ("queues_conditional_dlq", "RES401", "aws_sqs_queue.spare"),
    # `function_name = aws_lambda_function.fn[each.key].arn` of a config that only some
    # functions have: the plan names `aws_lambda_function.fn`, so any of its instances may
    # be the one a config belongs to (a function outside it is judged: `audit`)
    ("functions_for_each", "RES406", 'aws_lambda_function.fn["resize"]'),
}


@pytest.mark.parametrize("case", CASES)
def test_the_real_plan_finds_what_the_configuration_does(case: str, tmp_path: Path) -> None:
    """The same findings from the configuration and from the AWS provider's plan of it
    (`terraform show -json`), but for what only the configuration can say."""
    from linter.engine import ScanOptions, scan

    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_plan(case)))
    hcl = {(f.rule_id, f.resource): f.message for f in scan([str(oracle.CASES_DIR / case)], ScanOptions()).findings}
    planned = scan([str(plan)], ScanOptions())
    assert not planned.errors
    from_plan = {(f.rule_id, f.resource): f.message for f in planned.findings}
    cannot = {(rule, address) for c, rule, address in PLAN_CANNOT_SAY if c == case}
    assert set(from_plan) == set(hcl) - cannot
    assert cannot <= set(hcl), "the configuration no longer finds it: drop it from PLAN_CANNOT_SAY"
    # an attribute the configuration leaves unset is worded so in both, though the plan
    # holds the value the provider filled in (`message_retention_seconds = 345600` before)
    for key, message in from_plan.items():
        assert _said_unset(message) == _said_unset(hcl[key]), (message, hcl[key])


def _said_unset(message: str) -> list[str]:
    """The attributes a message says are unset (`x is unset and defaults to ...`)."""
    words = message.split()
    return [words[i - 1] for i in range(1, len(words) - 1) if words[i:i + 2] == ["is", "unset"]]
