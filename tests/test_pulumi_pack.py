"""The policy pack, run the way the Pulumi engine runs it.

The engine starts a Python policy pack with `python -m pulumi.policy
<engine address> <pack directory>` (the pulumi-analyzer-policy-python
plugin); the pack's PolicyPack prints the port of its Analyzer gRPC server on
stdout. These tests do exactly that and talk to the server over gRPC with
real `pulumi.runtime.proto.analyzer_pb2` requests. The pulumi CLI is not
needed (and not available here).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys

import pytest

grpc = pytest.importorskip("grpc")
pytest.importorskip("pulumi_policy")

from google.protobuf import empty_pb2, struct_pb2  # noqa: E402
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc  # noqa: E402

from linter.loaders import load_paths  # noqa: E402
from linter.pulumi_pack import pack_rules, violation_message  # noqa: E402
from linter.rules import load_rules  # noqa: E402
from tests.conftest import REPO, corpus_dir  # noqa: E402

PACK = REPO / "policies" / "pulumi"
RULES = load_rules()
UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@contextlib.contextmanager
def serve(python: str, env: dict):
    """Start the pack as the engine does and yield an Analyzer stub connected to it."""
    proc = subprocess.Popen(
        [python, "-m", "pulumi.policy", "127.0.0.1:0", str(PACK)],
        cwd=PACK, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        port = proc.stdout.readline().strip()
        if not port.isdigit():
            proc.kill()
            pytest.fail(f"the pack did not print its port: {port!r}\n{proc.stderr.read()}")
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=60)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.terminate()
        proc.wait()


@pytest.fixture(scope="module")
def analyzer():
    env = dict(os.environ, PYTHONPATH=str(REPO))  # the pack imports the linter from this checkout
    with serve(sys.executable, env) as stub:
        yield stub


def struct(props: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(props)
    return s


def analyze(stub, token: str, urn: str, props: dict) -> list:
    request = analyzer_pb2.AnalyzeRequest(type=token, urn=urn, name=urn.split("::")[-1], properties=struct(props))
    return list(stub.Analyze(request).diagnostics)


def analyze_stack(stub, resources: list[tuple], ) -> list:
    """(type, urn, props[, propertyDependencies]) for every resource of the stack."""
    request = analyzer_pb2.AnalyzeStackRequest(resources=[
        analyzer_pb2.AnalyzerResource(
            type=token, urn=urn, name=urn.split("::")[-1], properties=struct(props),
            propertyDependencies={k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                                  for k, v in (deps[0] if deps else {}).items()})
        for token, urn, props, *deps in resources
    ])
    return list(stub.AnalyzeStack(request).diagnostics)


def configure(stub, config: dict) -> None:
    stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={
        name: analyzer_pb2.PolicyConfig(enforcementLevel=level, properties=struct(props))
        for name, (level, props) in config.items()
    }))


def corpus_states(name: str) -> list[dict]:
    doc = json.loads((corpus_dir("pulumi") / name).read_text())
    return [r for r in doc["deployment"]["resources"] if r.get("custom") and "inputs" in r]


def urn(token: str, name: str) -> str:
    return f"urn:pulumi:dev::shop::{token}::{name}"


def deployment(name: str, replicas: int | None, namespace: str = "shop") -> dict:
    spec: dict = {"selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}},
                               "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def policy_named(rule_id: str) -> str:
    return RULES[rule_id].name


def require(*rule_ids: str) -> None:
    missing = [r for r in rule_ids if r not in RULES]
    if missing:
        pytest.skip(f"rules not registered yet: {missing}")


# ------------------------------------------------------------------ the pack's description
def test_analyzer_info_lists_every_rule_of_the_registry(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "resilint"
    policies = {p.name: p for p in info.policies}
    expected = pack_rules()
    assert sorted(policies) == sorted(r.name for r in expected)
    for rule in expected:
        policy = policies[rule.name]
        assert policy.description.startswith(f"{rule.id}: ")
        mandatory = str(rule.severity) in ("high", "critical")
        assert policy.enforcementLevel == (analyzer_pb2.MANDATORY if mandatory else analyzer_pb2.ADVISORY), rule.id
        kind = analyzer_pb2.POLICY_TYPE_STACK if rule.cross else analyzer_pb2.POLICY_TYPE_RESOURCE
        assert policy.policy_type == kind, rule.id
        assert set(policy.configSchema.properties) == set(rule.options), rule.id
    # plan-only regression rules need a prior state an analyzer never gets
    for rule_id in ("RES190", "RES390"):
        if rule_id in RULES:
            assert RULES[rule_id].name not in policies


# ------------------------------------------------------------------ Analyze (one resource)
def test_rds_stack_resource_policies(analyzer):
    require("RES301", "RES508")
    (db,) = [r for r in corpus_states("pulumi-aws__rds-instance_stack.json") if r["type"] == "aws:rds/instance:Instance"]
    found = analyze(analyzer, db["type"], db["urn"], db["inputs"])
    by_policy = {d.policyName: d for d in found}
    assert policy_named("RES301") in by_policy
    assert policy_named("RES508") in by_policy
    multi_az = by_policy[policy_named("RES301")]
    assert multi_az.enforcementLevel == analyzer_pb2.MANDATORY
    assert "RES301" in multi_az.message and "aws_db_instance.tested-resource" in multi_az.message
    assert "multiAz is unset" in multi_az.message and "multi_az" not in multi_az.message  # the CLI's Pulumi wording
    assert by_policy[policy_named("RES508")].enforcementLevel == analyzer_pb2.ADVISORY
    if "RES509" in RULES:  # skipFinalSnapshot: true is in the inputs
        assert policy_named("RES509") in by_policy
    if "RES507" in RULES:
        # the inputs do not write backupRetentionPeriod; only the stack's
        # outputs say it is 0, and an analyzer sees inputs: silent
        assert policy_named("RES507") not in by_policy


def test_unknown_during_preview_is_silence_not_a_crash(analyzer):
    require("RES301")
    props = {"engine": "postgres", "instanceClass": "db.t4g.micro", "multiAz": UNKNOWN_BOOL,
             "deletionProtection": True, "backupRetentionPeriod": 7}
    found = analyze(analyzer, "aws:rds/instance:Instance", urn("aws:rds/instance:Instance", "orders"), props)
    assert policy_named("RES301") not in {d.policyName for d in found}
    known = dict(props, multiAz=False)
    found = analyze(analyzer, "aws:rds/instance:Instance", urn("aws:rds/instance:Instance", "orders"), known)
    assert policy_named("RES301") in {d.policyName for d in found}


def test_same_findings_as_a_file_scan_of_the_same_inputs(analyzer, tmp_path):
    """A preview file scanned by the CLI and the pack inside `pulumi preview` agree."""
    states = corpus_states("pulumi-aws__rds-instance_stack.json") + corpus_states("pulumi-gcp__sql-user_stack.json")
    steps = [{"op": "create", "urn": s["urn"], "newState": {
        "urn": s["urn"], "type": s["type"], "custom": True, "inputs": s["inputs"]}} for s in states]
    path = tmp_path / "preview.json"
    path.write_text(json.dumps({"steps": steps}))
    from tests.conftest import run_scan

    result = run_scan(path)
    assert not result.errors
    by_name = {r.name: r.id for r in RULES.values()}
    # the same wording too (one rule runner, engine.check): `multiAz`, never `multi_az`
    cli = {(f.rule_id, f.resource, violation_message(RULES[f.rule_id], f))
           for f in result.findings if not RULES[f.rule_id].cross}
    loaded = {r.meta["urn"]: r.address for r in load_paths([str(path)]).resources}
    pack = set()
    for s in states:
        for d in analyze(analyzer, s["type"], s["urn"], s["inputs"]):
            pack.add((by_name[d.policyName], loaded[s["urn"]], d.message.split("\n", 1)[1]))
    assert cli and pack == cli


# ------------------------------------------------------------------ AnalyzeStack (cross-resource)
def test_single_replica_deployment_from_a_stack_request(analyzer):
    require("RES101")
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "api", "namespace": "shop"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                    "minReplicas": 2, "maxReplicas": 6}}
    web, api, big = (urn("kubernetes:apps/v1:Deployment", n) for n in ("web", "api", "big"))
    found = analyze_stack(analyzer, [
        ("pulumi:pulumi:Stack", "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev", {}),
        ("kubernetes:apps/v1:Deployment", web, deployment("web", 1)),
        ("kubernetes:apps/v1:Deployment", api, deployment("api", None)),  # its HPA owns the count
        ("kubernetes:apps/v1:Deployment", big, deployment("big", 3)),
        ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", urn("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "api"), hpa),
    ])
    single = [d for d in found if d.policyName == policy_named("RES101")]
    assert [d.urn for d in single] == [web]
    assert single[0].enforcementLevel == analyzer_pb2.MANDATORY
    assert "Deployment shop/web runs 1 replica (spec.replicas: 1)" in single[0].message


def test_an_object_naming_no_namespace_is_judged_in_its_provider_s(analyzer):
    """The engine says which provider a resource has (`provider: k8s` whose `namespace` is
    apps, or the default provider configured with `kubernetes:namespace`): an object naming no
    namespace is created there, as a file scan of the stack judges it; a provider whose
    namespace is not known leaves it unknown, and one with none leaves `default`. Before, every
    such object was judged in `default`."""
    from linter.loaders.pulumi import UNRESOLVED_NAMESPACE

    require("RES101", "RES514")
    web = urn("kubernetes:apps/v1:Deployment", "web")
    obj = deployment("web", 1)
    del obj["metadata"]["namespace"]
    pdb_urn = urn("kubernetes:policy/v1:PodDisruptionBudget", "web")
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
           "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}}
    provider_urn = urn("pulumi:providers:kubernetes", "k8s")

    def provider(namespace: object) -> analyzer_pb2.AnalyzerProviderResource:
        props = {} if namespace is None else {"namespace": namespace}
        return analyzer_pb2.AnalyzerProviderResource(type="pulumi:providers:kubernetes", urn=provider_urn,
                                                     name="k8s", properties=struct(props))

    def placed(namespace: object) -> list[str]:
        """Where a resource policy (a PodDisruptionBudget's eviction policy) and a stack policy
        (one replica) say the objects are."""
        one = analyzer_pb2.AnalyzeRequest(type="kubernetes:policy/v1:PodDisruptionBudget", urn=pdb_urn, name="web",
                                          properties=struct(pdb), provider=provider(namespace))
        stack = analyzer_pb2.AnalyzeStackRequest(resources=[analyzer_pb2.AnalyzerResource(
            type="kubernetes:apps/v1:Deployment", urn=web, name="web", properties=struct(obj),
            provider=provider(namespace))])
        found = [d.message for rule, request, call in (("RES514", one, analyzer.Analyze),
                                                       ("RES101", stack, analyzer.AnalyzeStack))
                 for d in call(request).diagnostics if d.policyName == policy_named(rule)]
        return [re.search(r"(?:Deployment|PodDisruptionBudget) (.+?)/web ", m).group(1) for m in found]

    assert placed("apps") == ["apps", "apps"]
    assert placed(None) == ["default", "default"]
    assert placed(UNKNOWN_STRING) == [UNRESOLVED_NAMESPACE] * 2


def test_unknown_replicas_in_a_stack_request_are_silent(analyzer):
    require("RES101")
    web = urn("kubernetes:apps/v1:Deployment", "web")
    obj = deployment("web", None)
    obj["spec"]["replicas"] = UNKNOWN_STRING
    found = analyze_stack(analyzer, [("kubernetes:apps/v1:Deployment", web, obj)])
    assert policy_named("RES101") not in {d.policyName for d in found}


def test_stack_policies_link_a_rollout_to_the_deployment_it_borrows_from(analyzer):
    """The pack runs the scan's normalize stage: a Deployment whose template an
    Argo Rollout takes (workloadRef) is judged through the Rollout, as in a file scan."""
    require("RES101")
    rollout_token, deployment_token = "kubernetes:argoproj.io/v1alpha1:Rollout", "kubernetes:apps/v1:Deployment"
    rollout = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
               "metadata": {"name": "cart", "namespace": "shop"},
               "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "cart"}},
                        "workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "cart"}}}
    lent = deployment("cart", None)  # replicas unset: 1 on its own, but the Rollout runs the pods
    alone = deployment("web", None)
    found = analyze_stack(analyzer, [
        (rollout_token, urn(rollout_token, "cart"), rollout),
        (deployment_token, urn(deployment_token, "cart"), lent),
        (deployment_token, urn(deployment_token, "web"), alone),
    ])
    single = [d.urn for d in found if d.policyName == policy_named("RES101")]
    assert single == [urn(deployment_token, "web")]


# ------------------------------------------------------------------ configuration
def test_enforcement_levels_and_options_come_from_the_pack_config(analyzer):
    require("RES301", "RES101", "RES415")
    db_urn = urn("aws:rds/instance:Instance", "orders")
    db = {"engine": "postgres", "multiAz": False}
    vs = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
          "metadata": {"name": "reviews", "namespace": "shop"},
          "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviews"}}],
                                                   "timeout": "10s",
                                                   "retries": {"attempts": 4, "perTryTimeout": "2s"}}]}}
    vs_urn = urn("kubernetes:networking.istio.io/v1:VirtualService", "reviews")
    retries = policy_named("RES415")
    assert retries not in {d.policyName for d in analyze(analyzer, vs_urn.split("::")[2], vs_urn, vs)}
    try:
        configure(analyzer, {
            policy_named("RES301"): (analyzer_pb2.ADVISORY, {}),
            policy_named("RES101"): (analyzer_pb2.DISABLED, {}),
            retries: (analyzer_pb2.ADVISORY, {"attempts_threshold": 3}),
        })
        found = {d.policyName: d for d in analyze(analyzer, "aws:rds/instance:Instance", db_urn, db)}
        assert found[policy_named("RES301")].enforcementLevel == analyzer_pb2.ADVISORY
        web = urn("kubernetes:apps/v1:Deployment", "web")
        stack = analyze_stack(analyzer, [("kubernetes:apps/v1:Deployment", web, deployment("web", 1))])
        assert policy_named("RES101") not in {d.policyName for d in stack}
        found = analyze(analyzer, vs_urn.split("::")[2], vs_urn, vs)
        assert retries in {d.policyName for d in found}  # 4 attempts > the configured 3
    finally:
        configure(analyzer, {})  # back to the defaults for the other tests
    found = {d.policyName: d for d in analyze(analyzer, "aws:rds/instance:Instance", db_urn, db)}
    assert found[policy_named("RES301")].enforcementLevel == analyzer_pb2.MANDATORY


def test_numbers_read_as_in_the_files(analyzer):
    """gRPC carries numbers as doubles; messages still say 0, not 0.0."""
    require("RES507")
    props = {"engine": "postgres", "multiAz": True, "deletionProtection": True, "backupRetentionPeriod": 0}
    found = analyze(analyzer, "aws:rds/instance:Instance", urn("aws:rds/instance:Instance", "orders"), props)
    (backups,) = [d for d in found if d.policyName == policy_named("RES507")]
    assert "backupRetentionPeriod = 0 " in backups.message


def engine_form(value):
    """Secrets as the engine sends them to an analyzer ({sig, value}), not as state stores them."""
    if isinstance(value, dict):
        if value.get("4dabf18193072939515e22adb298388d") == "1b47061264138c4ac30d75fd1eb44270":
            return {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "secret"}
        return {k: engine_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [engine_form(v) for v in value]
    return value


def test_stack_policies_on_a_corpus_stack_agree_with_the_file_scan(analyzer):
    """AnalyzeStack gets every resource's outputs, as the engine sends them after an update."""
    require("RES409")
    name = "pulumi-gcp__pubsub-subscription_stack.json"
    doc = json.loads((corpus_dir("pulumi") / name).read_text())
    found = analyze_stack(analyzer, [
        (r["type"], r["urn"], engine_form(r.get("outputs") or {})) for r in doc["deployment"]["resources"]])
    pack = {(d.policyName, d.urn.rsplit("::", 1)[-1]) for d in found}
    from tests.conftest import run_scan

    result = run_scan(corpus_dir("pulumi") / name)
    cli = {(f.rule, f.resource.split(".", 1)[1]) for f in result.findings if RULES[f.rule_id].cross}
    assert ("gcp-pubsub-no-dead-letter", "tested-resource") in pack
    assert pack == cli


def test_pack_files_declare_a_python_pack_that_installs_resilint():
    import yaml

    import linter

    meta = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert meta["runtime"]["name"] == "python"
    assert meta["version"] == linter.__version__
    requirements = (PACK / "requirements.txt").read_text().split()
    assert "resilint[pulumi]" in requirements


def pulumi_fixture_exports():
    from tests.conftest import FIXTURES

    for path in sorted(FIXTURES.glob("RES*/*.json")):
        if path.name.endswith(".expect.json"):
            continue
        doc = json.loads(path.read_text())
        if isinstance(doc, dict) and "deployment" in doc:
            yield path, doc


def test_pack_and_file_scan_agree_on_every_pulumi_fixture(analyzer, tmp_path):
    """The promise to Pulumi users: the same findings from a file scan and inside
    `pulumi preview`. Every stack-export fixture of every rule, as the engine sees a
    preview of it (inputs, no prior state): Analyze per resource, AnalyzeStack for
    the stack, against `resilint scan` of the same inputs."""
    by_name = {r.name: r.id for r in RULES.values()}
    in_pack = {r.id for r in pack_rules()}
    compared = 0
    for path, doc in pulumi_fixture_exports():
        states = [s for s in doc["deployment"]["resources"]
                  if s.get("custom") and not s["type"].startswith("pulumi:")]
        for s in states:
            s.pop("outputs", None)
            s.setdefault("inputs", {})
        copy = tmp_path / path.name
        copy.write_text(json.dumps(doc))
        from tests.conftest import run_scan

        result = run_scan(copy)
        assert not result.errors, (path, [str(e) for e in result.errors])
        urns = {r.address: r.meta["urn"] for r in result.resources}
        cli = {(f.rule_id, urns[f.resource], violation_message(RULES[f.rule_id], f))
               for f in result.findings if f.rule_id in in_pack}
        pack = set()
        for s in states:
            for d in analyze(analyzer, s["type"], s["urn"], s["inputs"]):
                pack.add((by_name[d.policyName], s["urn"], d.message.split("\n", 1)[1]))
        # a stack policy gets outputs: the inputs plus the id the provider assigned
        stack = [(s["type"], s["urn"], {**s["inputs"], **({"id": s["id"]} if s.get("id") else {})},
                  {k: v for k, v in (s.get("propertyDependencies") or {}).items() if v})
                 for s in states]
        for d in analyze_stack(analyzer, stack):
            pack.add((by_name[d.policyName], d.urn, d.message.split("\n", 1)[1]))
        assert pack == cli, (path.relative_to(REPO), sorted(pack ^ cli))
        compared += bool(cli)
    assert compared >= 20  # fixtures with findings were compared, not just empty sets


# ------------------------------------------------------------------ installed as Pulumi installs it
def test_the_pack_installs_from_its_requirements_and_runs(tmp_path):
    """What `pulumi preview --policy-pack policies/pulumi` does first: a fresh
    virtualenv, `pip install -r requirements.txt` run in the pack's folder (which
    takes resilint from this checkout: no index has it), then the pack started
    with that virtualenv's Python, which must find resilint installed, not
    borrowed from the checkout."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run([python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
                              "-r", "requirements.txt"], cwd=PACK, env=env, capture_output=True, text=True,
                             timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    where = subprocess.run([python, "-c", "import linter; print(linter.__file__)"], cwd=PACK, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert str(venv) in where and str(REPO) not in where
    with serve(python, env) as stub:
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        assert info.name == "resilint" and {p.name for p in info.policies} == {r.name for r in pack_rules()}
        require("RES101")
        found = analyze_stack(stub, [(
            "kubernetes:apps/v1:Deployment", urn("kubernetes:apps/v1:Deployment", "web"), deployment("web", 1))])
        assert policy_named("RES101") in {d.policyName for d in found}
