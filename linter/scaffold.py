"""Scaffold a new rule: `python3 -m linter.scaffold RES517 aws-sqs-short-retention --type aws_sqs_queue`.

Run from a checkout. It writes, and never overwrites:

* the rule function, decorated and with its five-part docstring (What it
  does, Why is this bad?, Example, Use instead, References), appended to the
  module of its family and platform (`linter/rules/retries_aws.py`), which is
  created when missing. With `--attribute PATH --fails-when JSON` the body is a
  working attribute check: `setting(r, PATH)` (the default from
  `linter/attribute_facts.py`) compared with the failing value;
* with `--default JSON` (and `--computed` when the provider marks the attribute
  Optional+Computed, `--reference` for the documentation it comes from), the
  attribute's row in its platform's table of `linter/attribute_facts.py`
  (AWS, GCP, AZURE, KUBERNETES), in the type's entry (made when missing), at
  the end, or in key order where the entry is sorted. A row that is already
  there is left alone; one that says something else stops the scaffold before
  it writes anything;
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
import ast
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
# platform -> its table in linter/attribute_facts.py
FACT_TABLES = {"aws": "AWS", "gcp": "GCP", "azure": "AZURE", "kubernetes": "KUBERNETES"}
FACTS_MODULE = Path("linter") / "attribute_facts.py"


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


class FactRowError(Exception):
    """The table cannot take the row (it says something else, or has no such table)."""


def fact_row(default: object, computed: bool) -> str:
    """The table's spelling of a row's value: `Fact(24)`, `Fact(False, computed=True)`, `COMPUTED`."""
    if default is None:
        return "COMPUTED" if computed else "Fact()"
    shown = json.dumps(default) if isinstance(default, str) else repr(default)  # the table's double quotes
    return f"Fact({shown}" + (", computed=True)" if computed else ")")


def _module_dicts(tree: ast.Module) -> dict[str, ast.Dict]:
    """Module-level names bound to a dict display (`AWS = {...}`, `_MIG = {...}`)."""
    out: dict[str, ast.Dict] = {}
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and isinstance(value, ast.Dict):
            out[target.id] = value
    return out


def _entries(d: ast.Dict, dicts: dict[str, ast.Dict]) -> dict[str, ast.expr]:
    """A dict display's string keys and their values, through `**shared` spreads."""
    out: dict[str, ast.expr] = {}
    for key, value in zip(d.keys, d.values):
        if key is None and isinstance(value, ast.Name) and value.id in dicts:
            out.update(_entries(dicts[value.id], dicts))
        elif isinstance(key, ast.Constant) and isinstance(key.value, str):
            out[key.value] = value
    return out


def _insert_entry(text: str, d: ast.Dict, key: str, value: str, comment: str) -> str:
    """`text` with `"key": value,` added to the dict display `d`: one entry per line
    (a one-line display is spread over lines first), in key order when its keys are sorted,
    else after the last entry."""
    lines = text.splitlines(keepends=True)
    keys = [k.value for k in d.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    ordered = len(keys) > 1 and keys == sorted(keys) and len(keys) == len(d.keys)
    if d.lineno == d.end_lineno:  # `{"tier": Fact("BASIC")}`: one entry per line from now on
        line = lines[d.lineno - 1]
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        items = [f"**{ast.get_source_segment(text, v)}" if k is None else
                 f"{ast.get_source_segment(text, k)}: {ast.get_source_segment(text, v)}"
                 for k, v in zip(d.keys, d.values)]
        new = f'"{key}": {value},{comment}'
        items = [f"{i}," for i in items]
        line_bytes = line.encode()
        head = line_bytes[:d.col_offset].decode()
        tail = line_bytes[d.end_col_offset:].decode()
        if len(items) == 1 and "#" in tail:  # the line's comment was about its one entry: it stays with it
            tail, said = tail.split("#", 1)
            items[0] += f"  #{said.rstrip()}"
            tail = tail.rstrip() + "\n"
        items.insert(sum(1 for k in keys if k < key) if ordered else len(items), new)
        body = "".join(f"{indent}{i}\n" for i in items)
        spread = "{\n" + body + indent[:-4] + "}"
        lines[d.lineno - 1] = head + spread + tail
        return "".join(lines)
    first = d.keys[0] if d.keys and d.keys[0] is not None else d.values[0] if d.values else None
    indent = " " * (first.col_offset if first is not None else d.col_offset + 4)
    row = f'{indent}"{key}": {value},{comment}\n'
    if ordered:
        later = [k for k in d.keys if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value > key]
        if later:
            at = later[0].lineno - 1
            while at > 0 and lines[at - 1].strip().startswith("#"):
                at -= 1  # the comment above an entry belongs to it
            lines.insert(at, row)
            return "".join(lines)
    last = d.values[-1] if d.values else None
    if last is None or last.end_lineno is None or last.end_col_offset is None:
        lines.insert((d.end_lineno or d.lineno) - 1, row)
        return "".join(lines)
    end = lines[last.end_lineno - 1]
    after = end.encode()[last.end_col_offset:].decode()
    if not after.lstrip().startswith(","):  # the last entry had no trailing comma
        lines[last.end_lineno - 1] = end.encode()[:last.end_col_offset].decode() + "," + after
    lines.insert(last.end_lineno, row)
    return "".join(lines)


def add_fact(text: str, table: str, resource_type: str, path: str, row: str, reference: str | None) -> str | None:
    """`text` (linter/attribute_facts.py) with the row `"path": row` for `resource_type`
    in `table`; None when the table already says exactly that. Raises FactRowError when
    it says something else."""
    tree = ast.parse(text)
    dicts = _module_dicts(tree)
    if table not in dicts:
        raise FactRowError(f"linter/attribute_facts.py has no table {table}")
    comment = f"  # {reference}" if reference else "  # TODO: the provider documentation of this default"
    types = {k.value: v for k, v in zip(dicts[table].keys, dicts[table].values)
             if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    entry = types.get(resource_type)
    if entry is None:
        return _insert_entry(text, dicts[table], resource_type, f'{{"{path}": {row}}}', comment)
    shared = entry if isinstance(entry, ast.Name) and entry.id in dicts else None  # `"type": _MIG`, rows others share
    facts = dicts[shared.id] if shared else entry if isinstance(entry, ast.Dict) else None
    if facts is None:
        raise FactRowError(f"{table}[{resource_type!r}] is not a dict display: add the row by hand")
    present = _entries(facts, dicts).get(path)
    if present is not None:
        written = ast.get_source_segment(text, present)
        if written == row or (isinstance(present, ast.Name) and present.id == row):
            return None
        raise FactRowError(f"{table}[{resource_type!r}][{path!r}] is already {written}, not {row}: "
                           "correct the table by hand if the provider changed it")
    if shared:  # the type gets its own entry, the shared rows spread into it: the others keep theirs
        lines = text.splitlines(keepends=True)
        line = lines[entry.lineno - 1].encode()
        own = f'{{**{ast.get_source_segment(text, entry)}, "{path}": {row}}}'
        rest = line[entry.end_col_offset:].decode()
        lines[entry.lineno - 1] = line[:entry.col_offset].decode() + own + (
            rest if "#" in rest else rest.rstrip("\n") + comment + "\n")
        return "".join(lines)
    return _insert_entry(text, facts, path, row, comment)


def add_rule(args: argparse.Namespace, root: Path) -> Path:
    family = FAMILIES[args.id[:4]]
    platform = "k8s" if args.platform == "kubernetes" else args.platform
    module = root / "linter" / "rules" / f"{family}_{platform}.py"
    text = module.read_text(encoding="utf-8") if module.exists() else \
        MODULE_HEADER.format(family=family.capitalize(), platform=args.platform)
    if f'id="{args.id}"' in text:
        raise SystemExit(f"{args.id} is already in {module}")
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
    parser.add_argument("--default", help="with --attribute: the provider's JSON default, inserted as its row in "
                                          "linter/attribute_facts.py (null only with --computed: none documented)")
    parser.add_argument("--computed", action="store_true",
                        help="with --default: the provider marks the attribute Optional+Computed")
    parser.add_argument("--reference", help="with --default: the documentation the default comes from (the row's comment)")
    parser.add_argument("--root", type=Path, default=REPO, help="the checkout to write into (default: this one)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"RES[1-6]\d\d", args.id):
        parser.error(f"{args.id}: ids are RES followed by a family digit (1-6) and two digits")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", args.name):
        parser.error(f"{args.name}: names are kebab-case")
    if bool(args.attribute) != bool(args.fails_when):
        parser.error("--attribute and --fails-when go together")
    if (args.default is not None or args.computed or args.reference) and not args.attribute:
        parser.error("--default, --computed and --reference describe an --attribute")
    if args.computed and args.default is None:
        args.default = "null"  # Optional+Computed without a documented default: the row says just that
    try:
        json.loads(args.fails_when or "null")
        args.default_value = json.loads(args.default) if args.default is not None else None
    except json.JSONDecodeError as exc:
        parser.error(f"--fails-when and --default are JSON values (false, 3, \"BASIC\"): {exc}")
    if args.default is not None and args.default_value is None and not args.computed:
        parser.error("--default null says nothing: give the provider's default, or --computed")
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
    facts_text = None
    if args.default is not None:  # decided before anything is written: a refused row writes nothing
        try:
            facts_text = add_fact((root / FACTS_MODULE).read_text(encoding="utf-8"), FACT_TABLES[args.platform],
                                  args.type[0], args.attribute, fact_row(args.default_value, args.computed),
                                  args.reference)
        except FactRowError as exc:
            raise SystemExit(f"not scaffolded: {exc}") from None
    module = add_rule(args, root)
    if facts_text is not None:
        (root / FACTS_MODULE).write_text(facts_text, encoding="utf-8")
    stubs = fixture_stubs(args, root)
    regenerate_docs(root)
    print(f"wrote {args.id} in {module.relative_to(root)}, {len(stubs)} fixture stubs in fixtures/{args.id}/, "
          "and docs/rules.md")
    if facts_text is not None:
        print(f"and its default's row in {FACTS_MODULE} ({FACT_TABLES[args.platform]}[{args.type[0]!r}])")
    elif args.default is not None:
        print(f"its default's row was already in {FACTS_MODULE}")
    elif args.attribute:
        print(f"its default: none given; if the provider has one, rerun with --default, or add "
              f'"{args.attribute}": Fact(<default>) under "{args.type[0]}" in {FACTS_MODULE}')
    print(f"next: fill the TODOs, then `python3 -m pytest tests/test_fixtures.py -k {args.id}` "
          "and `python3 -m linter.docs > docs/rules.md`")
    if args.platform != "kubernetes":
        print(f"or declare each scenario once in fixtures/_tools/fixturegen/specs/ and run "
              f"`python3 fixtures/_tools/regenerate.py {args.id}` (it writes all three formats; delete the stubs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
