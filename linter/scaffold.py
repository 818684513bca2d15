"""Scaffold a new rule: `python3 -m linter.scaffold RES517 aws-sqs-short-retention --type aws_sqs_queue`.

Run from a checkout. It writes, and never overwrites:

* the rule function, decorated and with its five-part docstring (What it
  does, Why is this bad?, Example, Use instead, References), appended to the
  module of its family and platform (`linter/rules/retries_aws.py`), which is
  created when missing. With `--attribute PATH --fails-when JSON` the body is a
  working attribute check: `setting(r, PATH)` (the default from
  `linter/attribute_facts.py`) compared with the failing value;
* fixture stubs `fixtures/<ID>/{fail,pass,unknown}-todo.<ext>` for every input
  format the rule's types come in (HCL, plan and Pulumi for a cloud type;
  YAML for Kubernetes, whose other formats the fixture generator derives),
  each marked TODO. For a cloud rule, the three formats of a scenario are best
  declared once as a spec in `fixtures/_tools/fixturegen/specs/` and written by
  `python3 fixtures/_tools/regenerate.py` (docs/design.md, "How to add a rule");
* docs/rules.md, regenerated.

The stubs are not fixtures yet: the fixture tests fail until each one is
written (fail-* must fire, pass-* and unknown-* must not), which is the point.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from linter.model import Severity
from linter.rules import PLATFORMS, platform_of

REPO = Path(__file__).resolve().parent.parent
# family -> the first word of its modules' names (`zones_aws.py`)
FAMILIES = {"RES1": "replicas", "RES2": "timeouts", "RES3": "zones", "RES4": "retries", "RES5": "basics",
            "RES6": "failure_domains"}
MODULE_HEADER = '''"""{family} rules for {platform} (see linter/rules/__init__.py)."""

from __future__ import annotations

'''
# module -> the names the new function needs from it
IMPORTS = {
    "typing": ("TYPE_CHECKING", "Iterator"),
    "linter.model": ("Resource", "Severity", "Violation"),
    "linter.rules": ("rule",),
    "linter.rules._values": ("as_bool", "setting"),
}
CONTEXT_IMPORT = "if TYPE_CHECKING:\n    from linter.engine import Context\n"
PLAN_PROVIDERS = {"aws": "hashicorp/aws", "gcp": "hashicorp/google", "azure": "hashicorp/azurerm"}


def rule_source(args: argparse.Namespace) -> str:
    function = args.name.replace("-", "_")
    lang = "yaml" if args.platform == "kubernetes" else "hcl"
    if args.attribute:
        bad = json.loads(args.fails_when)
        value = "as_bool(current.value) is not" if isinstance(bad, bool) else "current.value !="
        body = (f'    current = setting(r, "{args.attribute}")  # unset: its default in linter/attribute_facts.py\n'
                f"    if current.unknown or {value} {bad!r}:\n"
                "        return\n"
                f'    yield Violation(f"TODO: what is wrong with {{r.address}}: {{current.describe()}}",\n'
                "                    path=None if current.defaulted else current.path)\n")
    else:
        body = ("    # TODO: read r (r.get, setting(r, path)) and ctx.index; yield a Violation per problem\n"
                "    return\n    yield\n")
    types = "".join(f'"{t}", ' for t in args.type)
    return f'''

@rule(
    id="{args.id}",
    name="{args.name}",
    title="{args.title}",
    severity=Severity.{args.severity.upper()},
    types=({types.rstrip(", ")}{"," if len(args.type) == 1 else ""}),
    remediation="TODO: how to fix it, in one sentence.",
)
def {function}(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    TODO: what the rule reports, and the value it assumes when the attribute is unset.

    Why is this bad?
    TODO: the outage this invites.

    Example
    ```{lang}
    TODO: a resource the rule reports
    ```

    Use instead
    ```{lang}
    TODO: the same resource, fixed
    ```

    References
    - TODO: https://... (the provider documentation the default or the behaviour comes from)
    """
{body}'''


def add_rule(args: argparse.Namespace, root: Path) -> Path:
    family = FAMILIES[args.id[:4]]
    platform = "k8s" if args.platform == "kubernetes" else args.platform
    module = root / "linter" / "rules" / f"{family}_{platform}.py"
    text = module.read_text(encoding="utf-8") if module.exists() else \
        MODULE_HEADER.format(family=family.capitalize(), platform=args.platform)
    if f'id="{args.id}"' in text:
        raise SystemExit(f"{args.id} is already in {module}")
    import ast

    tree = ast.parse(text)
    have = {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names}
    missing = [f"from {m} import {', '.join(n for n in names if n not in have)}\n"
               for m, names in IMPORTS.items() if any(n not in have for n in names)]
    if missing or CONTEXT_IMPORT not in text:
        # the imports the new function needs, after the module's own (a linter sorts them later)
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        lines = text.splitlines(keepends=True)
        at = imports[-1].end_lineno if imports else len(lines)
        extra = "".join(missing) + (("\n" + CONTEXT_IMPORT) if CONTEXT_IMPORT not in text else "")
        text = "".join(lines[:at]) + extra + "".join(lines[at:])
    module.write_text(text.rstrip("\n") + "\n" + rule_source(args), encoding="utf-8")
    return module


def fixture_stubs(args: argparse.Namespace, root: Path) -> list[Path]:
    directory = root / "fixtures" / args.id
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in ("fail", "pass", "unknown"):
        todo = {"fail": f"a resource {args.id} must report",
                "pass": f"a resource {args.id} must not report",
                "unknown": f"a resource whose deciding value is not known before apply ({args.id} stays silent)"}[kind]
        for suffix, text in stub_texts(args, todo).items():
            path = directory / f"{kind}-todo{suffix}"
            if not path.exists():
                path.write_text(text, encoding="utf-8")
                written.append(path)
    return written


def stub_texts(args: argparse.Namespace, todo: str) -> dict[str, str]:
    rtype = args.type[0]
    if args.platform == "kubernetes":
        group, _, kind = rtype.rpartition("/")
        api = "v1" if group == "core" else f"{group}/v1"
        return {".yaml": f"# TODO: {todo}\napiVersion: {api}\nkind: {kind}\nmetadata:\n  name: example\nspec: {{}}\n"}
    from linter.normalize.tokens import PULUMI_TOKENS

    address = f"{rtype}.example"
    provider = f"registry.terraform.io/{PLAN_PROVIDERS.get(args.platform, 'hashicorp/' + args.platform)}"
    resource = {"address": address, "mode": "managed", "type": rtype, "name": "example", "provider_name": provider}
    plan = {
        "format_version": "1.2", "terraform_version": "1.11.0", "//": f"TODO: {todo}",
        "planned_values": {"root_module": {"resources": [{**resource, "values": {}}]}},
        "resource_changes": [{**resource, "change": {"actions": ["create"], "before": None, "after": {},
                                                     "after_unknown": {}}}],
        "configuration": {"root_module": {"resources": [{**resource, "expressions": {}}]}},
    }
    token = next((t for t, tf in PULUMI_TOKENS.items() if tf == rtype), f"TODO:token:{rtype}")
    stack = f"urn:pulumi:dev::resilint-fixtures::pulumi:pulumi:Stack::resilint-fixtures-dev"
    pulumi = {"version": 3, "//": f"TODO: {todo}", "deployment": {"manifest": {"version": "v3.140.0"}, "resources": [
        {"urn": stack, "custom": False, "type": "pulumi:pulumi:Stack"},
        {"urn": f"urn:pulumi:dev::resilint-fixtures::{token}::example", "custom": True, "type": token,
         "inputs": {}, "outputs": {}, "parent": stack},
    ]}}
    return {
        ".tf": f'# TODO: {todo}\nresource "{rtype}" "example" {{\n}}\n',
        ".tfplan.json": json.dumps(plan, indent=2) + "\n",
        ".pulumi.json": json.dumps(pulumi, indent=2) + "\n",
    }


def regenerate_docs(root: Path) -> None:
    import subprocess

    done = subprocess.run([sys.executable, "-m", "linter.docs"], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"python3 -m linter.docs failed:\n{done.stderr}")
    (root / "docs" / "rules.md").write_text(done.stdout, encoding="utf-8")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m linter.scaffold", description=__doc__.split("\n\n")[0])
    parser.add_argument("id", help="the new rule id: RES<family digit 1-6><two digits>, e.g. RES517")
    parser.add_argument("name", help="kebab-case name, platform first: aws-sqs-short-retention")
    parser.add_argument("--type", action="append", required=True, help="a resource type it judges (repeatable)")
    parser.add_argument("--title", default="TODO: one sentence saying what is wrong.")
    parser.add_argument("--severity", default="medium", choices=[str(s) for s in Severity])
    parser.add_argument("--attribute", help="the attribute it checks (dotted path): the body becomes a working check")
    parser.add_argument("--fails-when", help="with --attribute: the JSON value that is a finding (false, \"BASIC\")")
    parser.add_argument("--root", type=Path, default=REPO, help="the checkout to write into (default: this one)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"RES[1-6]\d\d", args.id):
        parser.error(f"{args.id}: ids are RES followed by a family digit (1-6) and two digits")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", args.name):
        parser.error(f"{args.name}: names are kebab-case")
    if bool(args.attribute) != bool(args.fails_when):
        parser.error("--attribute and --fails-when go together")
    platforms = {platform_of(t) for t in args.type}
    if len(platforms) != 1 or not platforms <= set(PLATFORMS):
        parser.error(f"the types must share one platform of {', '.join(PLATFORMS)} (got {sorted(platforms)})")
    args.platform = platforms.pop()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    root = args.root.resolve()
    if not (root / "fixtures").is_dir() or not (root / "linter" / "rules").is_dir():
        raise SystemExit(f"{root} is not a resilint checkout (no fixtures/ or linter/rules/)")
    module = add_rule(args, root)
    stubs = fixture_stubs(args, root)
    regenerate_docs(root)
    print(f"wrote {args.id} in {module.relative_to(root)}, {len(stubs)} fixture stubs in fixtures/{args.id}/, "
          "and docs/rules.md")
    if args.attribute:
        print(f"its default: a row in linter/attribute_facts.py, "
              f'"{args.type[0]}": {{"{args.attribute}": Fact(<default>)}}, unless the table has it')
    print(f"next: fill the TODOs, then `python3 -m pytest tests/test_fixtures.py -k {args.id}` "
          "and `python3 -m linter.docs > docs/rules.md`")
    if args.platform != "kubernetes":
        print(f"or declare each scenario once in fixtures/_tools/fixturegen/specs/ and run "
              f"`python3 fixtures/_tools/regenerate.py {args.id}` (it writes all three formats; delete the stubs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
