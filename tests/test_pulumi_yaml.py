"""Pulumi YAML programs (linter/loaders/pulumi_yaml.py): the resources a `Pulumi.yaml` of
runtime yaml (or its `Main.yaml`) declares are judged before `pulumi preview` runs, as the
state Pulumi records for them would be.

The oracle is the Pulumi loader itself, on what every rule's Pulumi fixtures hold: each
stack export fixture, as a program would say it before its first deployment (no outputs,
no ids, what another resource gives unknown), is written as a Pulumi YAML program; both
must give the same findings, word for word."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from linter.loaders.pulumi import UNKNOWN_SENTINELS
from linter.model import is_unknown
from tests.conftest import run_scan

REPO = Path(__file__).resolve().parent.parent
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET = "4dabf18193072939515e22adb298388d"


def _stack_exports() -> list[Path]:
    out = []
    for path in sorted((REPO / "fixtures").glob("*/*.json")):
        if path.name.endswith(".expect.json"):
            continue
        try:
            doc = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(doc, dict) and "deployment" in doc:
            out.append(path)
    return out


def before_deployment(doc: dict) -> dict:
    """A stack export as a program says it before its first deployment: no outputs, no ids,
    and what is computed from another resource (its propertyDependencies) unknown."""
    for r in doc["deployment"].get("resources") or []:
        r.pop("outputs", None)
        r.pop("id", None)
        inputs = r.get("inputs") or {}
        for key, urns in (r.get("propertyDependencies") or {}).items():
            if urns and key in inputs:
                value = inputs[key]
                inputs[key] = [UNKNOWN] * len(value) if isinstance(value, list) and len(value) == len(urns) \
                    else UNKNOWN
    return doc


def _groupable(r: dict) -> bool:
    """A Kubernetes object of an export a ConfigGroup can write in place: named, computed from
    nothing, read from nowhere."""
    from linter.normalize.tokens import kubernetes_token

    metadata = (r.get("inputs") or {}).get("metadata")
    return bool(r.get("custom")) and kubernetes_token(r["type"]) is not None and not r.get("external") \
        and not r.get("propertyDependencies") and not r.get("dependencies") \
        and isinstance(metadata, dict) and isinstance(metadata.get("name"), str)


def as_program(doc: dict, group: bool = False) -> tuple[dict, dict[str, str]]:
    """The Pulumi YAML program declaring the export's resources (logical names made unique,
    as YAML keys must be: `-x` added), and each URN's name there; `group`: its Kubernetes
    objects written in place by one `kubernetes:yaml/v2:ConfigGroup` instead (`_groupable`)."""
    names: dict[str, str] = {}
    for r in doc["deployment"].get("resources") or []:
        if r.get("custom") and not r["type"].startswith("pulumi:"):
            name = r["urn"].rsplit("::", 1)[1]
            while name in names.values():
                name += "-x"
            names[r["urn"]] = name

    def value(v, deps: list[str]):
        if isinstance(v, list) and deps and len(v) == len(deps) and all(x == UNKNOWN for x in v):
            return [f"${{{names.get(d, 'elsewhere')}.output}}" for d in deps]
        if isinstance(v, str):
            if v in UNKNOWN_SENTINELS:
                refs = [f"${{{names.get(d, 'elsewhere')}.output}}" for d in deps] or ["${elsewhere.output}"]
                return refs[0] if len(refs) == 1 else {"fn::join": ["", refs]}
            return v.replace("${", "$${")
        if isinstance(v, dict):
            if SECRET in v:
                return {"fn::secret": "hidden"}
            filled = set(v.get("__defaults") or ())  # the provider's defaults: the program leaves them out
            return {k: value(x, deps) for k, x in v.items() if not k.startswith("__") and k not in filled}
        if isinstance(v, list):
            return [value(x, deps) for x in v]
        return v

    resources: dict = {}
    objs = []
    for r in doc["deployment"].get("resources") or []:
        if r["urn"] not in names:
            continue
        if group and _groupable(r):
            objs.append(value(r["inputs"], []))
            continue
        deps = r.get("propertyDependencies") or {}
        spec: dict = {"type": r["type"]}
        inputs = r.get("inputs") or {}
        filled = set(inputs.get("__defaults") or ())  # the provider's defaults: the program leaves them out
        properties = {k: value(v, deps.get(k) or []) for k, v in inputs.items()
                      if not k.startswith("__") and k not in filled}
        if properties:
            spec["properties"] = properties
        if r.get("external"):
            spec["get"] = {"id": "read"}
        if r.get("dependencies"):
            spec["options"] = {"dependsOn": [f"${{{names.get(u, 'elsewhere')}}}" for u in r["dependencies"]]}
        resources[names[r["urn"]]] = spec
    if objs:
        resources["objects-x"] = {"type": "kubernetes:yaml/v2:ConfigGroup", "properties": {"objs": objs}}
    return {"name": "fixtures", "runtime": "yaml", "resources": resources}, names


def said(result) -> list[tuple[str, str, str, str]]:
    return sorted((f.rule_id, f.resource.replace("-x", ""), f.severity.name, f.message.replace("-x", ""))
                  for f in result.findings)


def _both_ways(tmp_path: Path, fixture: Path, group: bool = False) -> tuple[Any, list[str]]:
    """The fixture's export (as before its first deployment) and the program writing it, scanned:
    the same findings, word for word; the program's scan, and its lines."""
    doc = before_deployment(json.loads(fixture.read_text()))
    (tmp_path / "export.json").write_text(json.dumps(doc, indent=2))
    program, _ = as_program(doc, group)
    (tmp_path / "program").mkdir()
    text = yaml.safe_dump(program, sort_keys=False)
    (tmp_path / "program" / "Pulumi.yaml").write_text(text)
    exported, written = run_scan(tmp_path / "export.json"), run_scan(tmp_path / "program")
    assert exported.errors == [] and written.errors == []
    assert said(written) == said(exported)
    return written, text.splitlines()


@pytest.mark.parametrize("fixture", _stack_exports(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_program_is_judged_as_the_state_pulumi_records_for_it(tmp_path, fixture):
    written, lines = _both_ways(tmp_path, fixture)
    # each finding points into its own resource's block of the program
    starts = {line[2:-1]: n + 1 for n, line in enumerate(lines) if line.startswith("  ") and line[2] != " "}
    ends = sorted(starts.values()) + [len(lines) + 1]
    for f in written.findings:
        name = f.resource.rsplit(".", 1)[-1]
        if "/" not in f.resource and name in starts:  # a cloud resource: `<type>.<its name there>`
            block = starts[name]
            assert block <= f.line < next(e for e in ends if e > block), (f.rule_id, f.line, lines[f.line - 1])


def _grouped_exports() -> list[Path]:
    return [p for p in _stack_exports() if any(_groupable(r) for r in json.loads(p.read_text())["deployment"].get(
        "resources") or [])]


@pytest.mark.parametrize("fixture", _grouped_exports(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_objects_a_config_group_writes_are_judged_as_the_objects_it_creates(tmp_path, fixture):
    """The same export's Kubernetes objects, written in place by one ConfigGroup: the same
    findings, each at a line of its own object in `objs`."""
    written, lines = _both_ways(tmp_path, fixture, group=True)
    items = [n + 1 for n, line in enumerate(lines) if line.startswith("      - ")]  # each object of `objs`
    for f in written.findings:
        if "/" in f.resource and items and f.line >= items[0]:  # an object of the group: within its item
            start = max(i for i in items if i <= f.line)
            assert f"name: {f.resource.rsplit('/', 1)[1].replace('-x', '')}" in "\n".join(
                lines[start - 1:next((i for i in items if i > start), len(lines) + 1) - 1]), (f.rule_id, f.line)


PROGRAM = textwrap.dedent("""\
    name: shop
    runtime: yaml
    config:
      minimum:
        type: integer
        default: 1
      token:
        type: string
        secret: true
        default: abc
    variables:
      retention: 1209600
      vpc:
        fn::invoke:
          function: aws:ec2:getVpc
          arguments: {default: true}
          return: id
    resources:
      dlq:
        type: aws:sqs:Queue
        properties:
          name: dlq-${pulumi.stack}
          messageRetentionSeconds: ${retention}
      jobs:
        type: aws:sqs/queue:Queue
        properties:
          name: "jobs-$${literal}"
          redrivePolicy:
            fn::toJSON:
              deadLetterTargetArn: ${dlq.arn}
              maxReceiveCount: 5
      web:
        type: aws:autoscaling:Group
        properties:
          minSize: ${minimum}
          maxSize: 4
          vpcZoneIdentifiers: ["subnet-a", "subnet-b"]
      batch:
        type: aws:autoscaling:Group
        properties:
          minSize: ${vpc}
          maxSize: 1
          vpcZoneIdentifiers: ["subnet-a"]
      existing:
        type: aws:sqs:Queue
        get:
          id: https://sqs.eu-west-1.amazonaws.com/123456789012/existing
    """)


def _line(text: str, written: str) -> int:
    return text.splitlines().index(written) + 1


def test_a_program_s_findings_name_their_lines_and_where_values_come_from(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text(PROGRAM)
    result = run_scan(tmp_path)
    assert result.errors == []
    found = {(f.rule_id, f.resource): f for f in result.findings}
    # `${minimum}`: the project's default of 1, no stack sets it
    web = found[("RES104", "aws_autoscaling_group.web")]
    assert web.line == _line(PROGRAM, "      minSize: ${minimum}")
    assert (f"minSize = 1 (config minimum, the project's default set at {tmp_path}/Pulumi.yaml:"
            f"{_line(PROGRAM, '    default: 1')})") in web.message
    # `${vpc}` is computed (fn::invoke): minSize is not known, as a Terraform variable without a value
    assert ("RES104", "aws_autoscaling_group.batch") not in found
    assert "aws_autoscaling_group.batch" in {r.address for r in result.resources}
    # jobs has a dead-letter queue (its policy is computed: not known, never a finding)
    assert ("RES401", "aws_sqs_queue.jobs") not in found
    assert ("RES401", "aws_sqs_queue.dlq") not in found  # the dead-letter queue of jobs
    by_address = {r.address: r for r in result.resources}
    assert by_address["aws_sqs_queue.dlq"].attrs["message_retention_seconds"] == 1209600  # a plain variable
    assert by_address["aws_sqs_queue.jobs"].attrs["name"] == "jobs-${literal}"  # `$${` is a literal `${`
    assert by_address["aws_sqs_queue.jobs"].refs == {"redrive_policy": ["aws_sqs_queue.dlq"]}
    assert "aws_sqs_queue.existing" not in by_address  # read with `get`: not the program's


def test_each_stack_is_judged_with_its_own_config(tmp_path):
    """Each `Pulumi.<stack>.yaml` is an environment: prod sets `shop:minimum: 3` (no finding),
    dev sets nothing of it (the project's default of 1, named there), staging's value is
    secure and qa imports a Pulumi ESC environment (not known: no finding)."""
    (tmp_path / "Pulumi.yaml").write_text(PROGRAM)
    stacks = {"prod": "config:\n  aws:region: eu-west-1\n  shop:minimum: 3\n",
              "dev": "config:\n  aws:region: eu-west-1\n",
              "staging": "config:\n  shop:minimum:\n    secure: AAABAKx0\n",
              "qa": "environment:\n  - shop/qa\n"}
    for stack, text in stacks.items():
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    result = run_scan(tmp_path)
    assert result.errors == []
    single = [f for f in result.findings if (f.rule_id, f.resource) == ("RES104", "aws_autoscaling_group.web")]
    assert [Path(f.environment).name for f in single] == ["Pulumi.dev.yaml"]
    assert single[0].message.endswith(f"(with stack {tmp_path}/Pulumi.dev.yaml)")
    assert "minSize = 1 (config minimum, the project's default set at" in single[0].message
    names = {r.meta["scope"].rsplit(" ", 1)[1]: r.attrs.get("name") for r in result.resources
             if r.address == "aws_sqs_queue.dlq"}
    assert names == {"prod": "dlq-prod", "dev": "dlq-dev", "staging": "dlq-staging", "qa": "dlq-qa"}
    # every stack is judged, each a world of its own (the DLQ of jobs is its own stack's)
    assert sorted({r.meta["scope"].rsplit(" ", 1)[1] for r in result.resources}) == ["dev", "prod", "qa", "staging"]
    assert not [f for f in result.findings if f.rule_id == "RES401"]
    # a stack's own value is named where the stack sets it, read as the type the project
    # declares (`pulumi config set minimum 1` writes the text "1"); text that is no integer: unknown
    (tmp_path / "Pulumi.prod.yaml").write_text(stacks["prod"].replace("3", '"1"'))
    (tmp_path / "Pulumi.qa.yaml").write_text('config:\n  shop:minimum: "one"\n')
    result = run_scan(tmp_path)
    prod = next(f for f in result.findings if f.environment.endswith("Pulumi.prod.yaml")
                and f.rule_id == "RES104" and f.resource == "aws_autoscaling_group.web")
    assert f"minSize = 1 (config minimum, set at {tmp_path}/Pulumi.prod.yaml:3)" in prod.message
    sizes = {r.meta["scope"].rsplit(" ", 1)[1]: r.attrs.get("min_size") for r in result.resources
             if r.address == "aws_autoscaling_group.web"}
    assert (sizes["prod"], sizes["dev"]) == (1, 1)
    assert all(is_unknown(sizes[stack]) for stack in ("qa", "staging"))  # "one"; a secure value


@pytest.mark.parametrize("main", [None, "app"])
def test_a_program_in_main_yaml_is_judged_at_its_lines_there(tmp_path, main):
    """A project whose program is `Main.yaml` (beside it, or in the directory `main` names):
    the findings are Main.yaml's, the project file holds no resource; Main.yaml named alone
    (pre-commit) is judged with its project's config."""
    project, program = PROGRAM.split("variables:\n", 1)
    program = "variables:\n" + program
    if main:
        project += f"main: {main}/\n"
    (tmp_path / "Pulumi.yaml").write_text(project)
    where = tmp_path / main if main else tmp_path
    where.mkdir(exist_ok=True)
    (where / "Main.yaml").write_text(program)
    for scanned in (tmp_path, where / "Main.yaml"):
        result = run_scan(scanned)
        assert result.errors == []
        web = next(f for f in result.findings if f.resource == "aws_autoscaling_group.web")
        assert (web.file, web.line) == (str(where / "Main.yaml"), _line(program, "      minSize: ${minimum}"))
        assert "config minimum, the project's default set at" in web.message


def test_a_project_of_another_runtime_is_no_program(tmp_path):
    """A TypeScript project's Pulumi.yaml says nothing of its resources: skipped, not an error."""
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: nodejs\n")
    (tmp_path / "Main.yaml").write_text("resources: {}\n")
    result = run_scan(tmp_path)
    assert result.errors == [] and result.resources == [] and result.findings == []


@pytest.mark.parametrize("resources, message, line", [
    ("resources:\n  - jobs\n", "resources must be a mapping of names to resources", 3),
    ("resources:\n  jobs:\n    properties: {}\n", "resource jobs has no type", 4),
    ("resources:\n  jobs:\n    type: aws:sqs:Queue\n    properties: [1]\n", "properties of resource jobs must be a "
                                                                             "mapping", 6),
])
def test_a_broken_program_is_an_error_at_its_line(tmp_path, resources, message, line):
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: yaml\n" + resources)
    result = run_scan(tmp_path)
    [error] = result.errors
    assert (error.message, error.line) == (message, line)


def test_a_project_or_stack_file_that_does_not_parse_is_an_error_at_its_line(tmp_path):
    """`pulumi` refuses a project file or a stack file that is not YAML: an error at its line,
    not a file skipped in silence (nor a process killed by nesting libyaml cannot compose).
    The other stacks are judged; the broken stack's with its values unknown."""
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: yaml\nresources:\n  jobs:\n    type: aws:sqs:Queue\n"
                                          "    properties:\n      tags: [[a]\n")
    result = run_scan(tmp_path)
    assert [(Path(e.file).name, e.line) for e in result.errors] == [("Pulumi.yaml", 8)], result.errors
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: yaml\nresources:\n  jobs:\n    type: aws:sqs:Queue\n"
                                          "    properties:\n      tags: " + "[" * 60_000 + "]" * 60_000 + "\n")
    [error] = run_scan(tmp_path).errors
    assert (Path(error.file).name, error.line) == ("Pulumi.yaml", 7) and "nested too deeply" in error.message
    (tmp_path / "Pulumi.yaml").write_text(PROGRAM)
    (tmp_path / "Pulumi.prod.yaml").write_text("config:\n  shop:minimum: 3\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  shop:minimum: [1\n")
    result = run_scan(tmp_path)
    assert [(Path(e.file).name, e.line) for e in result.errors] == [("Pulumi.dev.yaml", 3)], result.errors
    assert sorted({r.meta["scope"].rsplit(" ", 1)[1] for r in result.resources}) == ["dev", "prod"]
    sizes = {r.meta["scope"].rsplit(" ", 1)[1]: r.attrs.get("min_size") for r in result.resources
             if r.address == "aws_autoscaling_group.web"}
    assert sizes["prod"] == 3 and is_unknown(sizes["dev"])


def test_short_type_tokens_are_the_bridged_providers_own():
    from linter.loaders.pulumi_yaml import _token

    assert _token("aws:sqs:Queue") == "aws:sqs/queue:Queue"
    assert _token("aws:rds:Instance") == "aws:rds/instance:Instance"
    assert _token("kubernetes:apps/v1:Deployment") == "kubernetes:apps/v1:Deployment"
    assert _token("azure-native:storage:StorageAccount") == "azure-native:storage:StorageAccount"
    assert _token("random:index:RandomPet") == "random:index:RandomPet"  # not linted: as written


def test_pulumi_yaml_names_are_offered_to_the_program_loader_first():
    from linter.loaders.registry import candidates

    assert [e.name for e in candidates("Pulumi.yaml", False)][:2] == ["helm-template", "pulumi-yaml"]
    assert [e.name for e in candidates("Main.yaml", False)][-1] == "kubernetes"  # not a program: a manifest


def test_a_comment_above_a_resource_suppresses_its_finding(tmp_path):
    program = PROGRAM.replace("  web:\n", "  # resilint:ignore RES104 the web tier scales from one by design\n  web:\n")
    (tmp_path / "Pulumi.yaml").write_text(program)
    result = run_scan(tmp_path)
    [web] = [f for f in result.findings if f.resource == "aws_autoscaling_group.web"]
    assert web.suppressed and web.suppression_reason == "the web tier scales from one by design"


def test_a_resource_s_name_is_its_logical_name(tmp_path):
    """`name:` gives the resource its logical name (its URN's, what findings call it); the
    program's references still use its key."""
    (tmp_path / "Pulumi.yaml").write_text(
        "name: shop\nruntime: yaml\nresources:\n  web:\n    type: aws:autoscaling:Group\n    name: storefront\n"
        "    properties:\n      minSize: 1\n      maxSize: 1\n      vpcZoneIdentifiers: [subnet-a, subnet-b]\n"
        "  jobs:\n    type: aws:sqs:Queue\n    properties:\n      name: ${web.name}\n")
    result = run_scan(tmp_path)
    assert result.errors == []
    assert [f.resource for f in result.findings if f.rule_id == "RES104"] == ["aws_autoscaling_group.storefront"]
    jobs = next(r for r in result.resources if r.type == "aws_sqs_queue")
    assert (jobs.address, jobs.refs) == ("aws_sqs_queue.jobs", {"name": ["aws_autoscaling_group.storefront"]})


def test_a_kubernetes_object_takes_its_explicit_provider_s_namespace(tmp_path):
    """An object with no `metadata.namespace` is created in its provider's `namespace`; one not
    known places it nowhere known; its own namespace wins; a cluster-scoped object has none."""
    objects = "".join(
        f"  {name}:\n    type: kubernetes:apps/v1:Deployment\n    options:\n      provider: ${{{provider}}}\n"
        f"    properties:\n      metadata:\n        name: {name}\n{namespace}"
        f"      spec:\n        replicas: 1\n        selector:\n          matchLabels: {{app: {name}}}\n"
        f"        template:\n          metadata:\n            labels: {{app: {name}}}\n          spec:\n"
        f"            containers: [{{name: {name}, image: {name}:1}}]\n"
        for name, provider, namespace in (("api", "k8s", ""), ("web", "k8s", "        namespace: web\n"),
                                          ("jobs", "later", "")))
    (tmp_path / "Pulumi.yaml").write_text(
        "name: shop\nruntime: yaml\nresources:\n"
        "  k8s:\n    type: pulumi:providers:kubernetes\n    properties:\n      namespace: apps\n"
        "  later:\n    type: pulumi:providers:kubernetes\n    properties:\n      namespace: ${ns.metadata.name}\n"
        "  ns:\n    type: kubernetes:core/v1:Namespace\n"
        "  reader:\n    type: kubernetes:rbac.authorization.k8s.io/v1:ClusterRole\n    options:\n"
        "      provider: ${k8s}\n    properties:\n      metadata:\n        name: reader\n" + objects)
    result = run_scan(tmp_path)
    assert result.errors == []
    placed = {r.name: (r.address, r.namespace) for r in result.resources if r.type != "core/Namespace"}
    assert placed["api"] == ("Deployment/apps/api", "apps")
    assert placed["web"] == ("Deployment/web/web", "web")
    assert placed["jobs"][1] == "(known after apply)"
    assert placed["reader"] == ("ClusterRole/reader", None)


def _deployment(name: str, namespace: str = "") -> str:
    """A one-replica Deployment's YAML (in `namespace` when given)."""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n"
            + (f"  namespace: {namespace}\n" if namespace else "")
            + f"spec:\n  replicas: 1\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n"
              f"    metadata: {{labels: {{app: {name}}}}}\n    spec:\n"
              f"      containers: [{{name: {name}, image: \"{name}:1\"}}]\n")


# a ConfigGroup writing a Deployment in `objs` (the provider's namespace) and two documents in a `yaml` text
CONFIG_GROUP = ("name: shop\nruntime: yaml\nresources:\n  k8s:\n    type: pulumi:providers:kubernetes\n"
                "    properties:\n      namespace: apps\n  app:\n    type: kubernetes:yaml/v2:ConfigGroup\n"
                "    options:\n      provider: ${k8s}\n    properties:\n      objs:\n"
                + "        - " + textwrap.indent(_deployment("web"), " " * 10)[10:]
                + "      yaml: |\n" + textwrap.indent(_deployment("api", "shop"), " " * 8)
                + "        ---\n        apiVersion: v1\n        kind: Service\n        metadata: {name: api}\n"
                  "        spec: {selector: {app: api}, ports: [{port: 80}]}\n")


def test_a_config_group_s_objects_are_judged_at_their_lines(tmp_path):
    """A `kubernetes:yaml/v2:ConfigGroup` writes objects in the program (`objs`, and the
    documents of a `yaml: |` text): each is judged as the object it creates, at its line, in
    its own namespace or its provider's. Before, they were not judged at all."""
    (tmp_path / "Pulumi.yaml").write_text(CONFIG_GROUP)
    result = run_scan(tmp_path)
    assert result.errors == []
    single = {f.resource: f.line for f in result.findings if f.rule_id == "RES101"}
    assert single == {"Deployment/apps/web": _line(CONFIG_GROUP, "            replicas: 1"),
                      "Deployment/shop/api": _line(CONFIG_GROUP, "          replicas: 1")}
    assert "Service/apps/api" in {r.address for r in result.resources}  # the provider's namespace
    # an object without apiVersion and kind is an error at its line; text that is not YAML, at the text's
    broken = CONFIG_GROUP.replace("        - apiVersion: apps/v1\n          kind: Deployment\n", "        - \n")
    (tmp_path / "Pulumi.yaml").write_text(broken)
    [error] = run_scan(tmp_path).errors
    assert "an object of its ConfigGroup has no apiVersion and kind" in error.message
    assert error.line == _line(broken, "          metadata:")
    (tmp_path / "Pulumi.yaml").write_text(CONFIG_GROUP.replace("spec: {selector: {app: api}", "spec: {selector: [app"))
    [error] = run_scan(tmp_path).errors
    assert "its yaml is not YAML" in error.message and error.line == _line(CONFIG_GROUP, "      yaml: |")
    (tmp_path / "Pulumi.yaml").write_text(CONFIG_GROUP.replace("      yaml: |\n", "      yaml: [1]\n      x: |\n"))
    [error] = run_scan(tmp_path).errors
    assert "its yaml must be YAML text" in error.message and error.line == _line(CONFIG_GROUP, "      yaml: |")


# a program applying a manifest of the repository (ConfigFile) and a glob of them (ConfigGroup `files`),
# through a provider placing them in `apps`, where its HPA scales the web Deployment
APPLYING = ("name: shop\nruntime: yaml\nresources:\n  k8s:\n    type: pulumi:providers:kubernetes\n"
            "    properties:\n      namespace: apps\n  app:\n    type: kubernetes:yaml/v2:ConfigFile\n"
            "    options:\n      provider: ${k8s}\n    properties:\n      file: ./manifests/web.yaml\n"
            "  jobs:\n    type: kubernetes:yaml/v2:ConfigGroup\n    properties:\n"
            "      files: [./jobs/*.yaml, ../elsewhere.yaml, https://example.com/x.yaml]\n"
            "  hpa:\n    type: kubernetes:autoscaling/v2:HorizontalPodAutoscaler\n    options:\n"
            "      provider: ${k8s}\n    properties:\n      metadata: {name: web}\n      spec:\n"
            "        scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
            "        minReplicas: 2\n        maxReplicas: 4\n")


def test_manifests_a_program_applies_are_judged_as_it_applies_them(tmp_path):
    """A ConfigFile's `file` and a ConfigGroup's `files` are applied as written, through the
    resource's provider: `web` lands in `apps`, where the program's HPA scales it (no RES101),
    at its line in the manifest; `batch` (no provider) in `default`. The walk's reading of
    those files is taken back: nothing is judged twice. A URL, or a file outside the
    repository, is not read."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "Pulumi.yaml").write_text(APPLYING)
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "web.yaml").write_text(_deployment("web"))
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "batch.yaml").write_text("# batch\n" + _deployment("batch"))
    (tmp_path / "jobs" / "list.yaml").write_text("apiVersion: v1\nkind: List\nitems:\n- "
                                                 + textwrap.indent(_deployment("cron"), "  ")[2:])
    result = run_scan(tmp_path)
    assert result.errors == []
    deployments = sorted(r.address for r in result.resources if r.type == "apps/Deployment")
    assert deployments == ["Deployment/apps/web", "Deployment/default/batch", "Deployment/default/cron"]
    single = {f.resource: (f.file, f.line) for f in result.findings if f.rule_id == "RES101"}
    assert single == {"Deployment/default/batch": (str(tmp_path / "jobs" / "batch.yaml"), 7),
                      "Deployment/default/cron": (str(tmp_path / "jobs" / "list.yaml"), 9)}
    web = next(f for f in result.findings if f.resource == "Deployment/apps/web" and f.rule_id == "RES501")
    assert (web.file, web.line) == (str(tmp_path / "manifests" / "web.yaml"), 6)
