"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).

One test suite per file; in it one test case per resource and rule that applies
to it: a finding is a `<failure>`, a suppressed finding is `<skipped>` with its
reason, a rule that found nothing is a passing case. Input errors are test
cases with an `<error>`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import ScanResult
    from linter.reporters import ReportSettings
    from linter.rules import Rule


def _applicable(rules: list[Rule]) -> dict[tuple[str, str], list[Rule]]:
    """(type, format) -> the rules of `rules` that apply to such resources."""
    table: dict[tuple[str, str], list[Rule]] = defaultdict(list)
    for r in sorted(rules, key=lambda r: r.id):
        for t in r.types:
            for fmt in r.formats:
                table[(t, fmt)].append(r)
    return table


def build(result: ScanResult, settings: ReportSettings) -> ET.Element:
    # only the rules the engine ran on each file (ScanResult.rules_ran_on: files
    # under a nested config ran its selection): a rule that did not run never passes
    tables: dict[int, dict[tuple[str, str], list[Rule]]] = {}
    findings = defaultdict(list)  # (file, resource, rule id) -> findings
    for f in result.findings:
        findings[(f.file, f.resource, f.rule_id)].append(f)
    cases: dict[str, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)  # file -> (resource, rule) -> case
    for res in result.resources:
        ran = result.rules_ran_on(res.location.file)
        applicable = tables.get(id(ran))
        if applicable is None:
            applicable = tables[id(ran)] = _applicable(ran)
        for rule in applicable.get((res.type, res.source_format), ()):
            cases[res.location.file].setdefault((res.address, rule.id), {"rule": rule.name, "findings": []})
    for (file, resource, rule_id), fs in findings.items():
        case = cases[file].setdefault((resource, rule_id), {"rule": fs[0].rule, "findings": []})
        case["findings"] = fs

    root = ET.Element("testsuites", name="resilint")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    errors_by_file = defaultdict(list)
    for err in result.errors:
        errors_by_file[err.file or "(input)"].append(err)
    for file in sorted(set(cases) | set(errors_by_file)):
        suite = ET.SubElement(root, "testsuite", name=file)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for (resource, rule_id), case in sorted(cases.get(file, {}).items()):
            tc = ET.SubElement(suite, "testcase", classname=resource, name=f"{rule_id} {case['rule']}", file=file)
            counts["tests"] += 1
            active = [f for f in case["findings"] if not f.suppressed]
            if active:
                counts["failures"] += 1
                first = active[0]
                body = "\n\n".join(
                    f"{f.file}:{f.line or ''} {str(f.severity).upper()} {f.rule_id}\n{f.message}\nFix: {f.remediation}"
                    + "".join(f"\nNote: {n}" for n in f.notes)
                    for f in active
                )
                failure = ET.SubElement(tc, "failure", message=first.message, type=str(first.severity))
                failure.text = body
                if first.line:
                    tc.set("line", str(first.line))
            elif case["findings"]:
                counts["skipped"] += 1
                f = case["findings"][0]
                ET.SubElement(tc, "skipped", message=f"suppressed ({f.suppression_kind}): {f.suppression_reason}")
        for err in errors_by_file.get(file, ()):
            tc = ET.SubElement(suite, "testcase", classname=file, name="input", file=file)
            counts["tests"] += 1
            counts["errors"] += 1
            error = ET.SubElement(tc, "error", message=err.message, type="InputError")
            error.text = str(err)
        for key, n in counts.items():
            suite.set(key, str(n))
            totals[key] += n
    for key, n in totals.items():
        root.set(key, str(n))
    return root


def render(result: ScanResult, settings: ReportSettings) -> str:
    root = build(result, settings)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
