"""The failure-domain graph, its analysis, RES601 through the normal engine, and
`resilint zones` as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from linter.engine import normalize_stage
from linter.failure_domains import analyse
from linter.failure_domains.analysis import describe_path
from linter.failure_domains.graph import EdgeKind, Spread
from linter.failure_domains.kubernetes import hosts_in, named_services, service_of_host
from linter.index import Index
from linter.loaders import load_paths
from tests.conftest import FIXTURES, REPO, run_scan

RES601 = FIXTURES / "RES601"


def analysis_of(*paths, **loader_options):
    loaded = load_paths([str(p) for p in paths], {"file_context": False, **loader_options})
    assert not loaded.errors, [str(e) for e in loaded.errors]
    return analyse(Index(normalize_stage(loaded.resources)))


def tf_tree(tmp_path: Path, fixture: str) -> Path:
    """A fixture .tf alone in a directory: a .tf file brings its whole module directory."""
    tree = tmp_path / fixture.split(".")[0]
    tree.mkdir()
    (tree / "main.tf").write_text((RES601 / fixture).read_text())
    return tree


def zones(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run([sys.executable, "-m", "linter", "zones", *args], capture_output=True, text=True,
                          cwd=cwd or REPO, env=env)


# ------------------------------------------------------------ DNS names
@pytest.mark.parametrize("value,hosts", [
    ("postgres://orders@db.shop.svc.cluster.local:5432/orders", [("db.shop.svc.cluster.local", True)]),
    ("db:5432", [("db", True)]),
    ("db", [("db", True)]),
    ("http://api.shop/v1?x=1", [("api.shop", True)]),
    ("kafka-0.kafka:9092,kafka-1.kafka:9092", [("kafka-0.kafka", True), ("kafka-1.kafka", True)]),
    ("log level debug", [("log", False), ("level", False), ("debug", False)]),
    ("", []),
])
def test_hosts_in_values(value, hosts):
    assert list(hosts_in(value)) == hosts


@pytest.mark.parametrize("host,expected", [
    ("db", ("shop", "db")), ("db.other", ("other", "db")), ("db.other.svc", ("other", "db")),
    ("db.other.svc.cluster.local", ("other", "db")), ("db.other.svc.corp.example", ("other", "db")),
    ("www.example.com", None), ("a..b", None),
])
def test_service_dns_forms(host, expected):
    assert service_of_host(host, "shop") == expected


def test_a_word_in_prose_is_not_a_service():
    services = {("shop", "debug"): object()}
    assert named_services("log level debug", "shop", services) == []
    assert named_services("debug:8080", "shop", services) == [services[("shop", "debug")]]


def test_hosts_in_is_linear_on_hostile_text():
    # no regex: a long run of separators and host characters is one pass
    assert len(list(hosts_in("a" * 200_000 + ":" + "," * 200_000))) == 1


# ------------------------------------------------------------ the graph
def test_shared_nat_gateway_path_through_route_table_association():
    a = analysis_of(RES601 / "fail-shared-nat-gateway.tf")
    g = a.graph
    assert g.nodes["aws_nat_gateway.a"].placement.spread is Spread.ZONAL
    assert g.nodes["aws_nat_gateway.a"].placement.zone == "us-east-1a"
    assert g.nodes["aws_ecs_service.orders"].placement.zones == ("us-east-1a", "us-east-1b")
    kinds = {(e.source, e.target): e.kind for e in g.edges}
    # the association is the edge it means: subnet -> route table
    assert kinds[("aws_subnet.private_b", "aws_route_table.private_b")] is EdgeKind.REQUIRES
    assert kinds[("aws_route_table.private_b", "aws_nat_gateway.a")] is EdgeKind.REQUIRES
    assert kinds[("aws_ecs_service.orders", "aws_subnet.private_a")] is EdgeKind.SERVES_FROM
    (scenario, lost), = a.lost_by_workload["aws_ecs_service.orders"]
    assert scenario.label == "us-east-1a"
    assert [h.node for h in lost.path] == ["aws_ecs_service.orders", "aws_subnet.private_b",
                                           "aws_route_table.private_b", "aws_nat_gateway.a"]


def test_one_nat_gateway_per_zone_loses_nothing():
    a = analysis_of(RES601 / "pass-nat-gateway-per-zone.tf")
    assert not a.lost_by_workload
    outage = {o.scenario.label: o for o in a.outages}
    assert "aws_nat_gateway.a" in outage["us-east-1a"].stopped and "aws_nat_gateway.b" in outage["us-east-1b"].stopped


def test_unknown_placement_is_never_a_failure_and_is_reported():
    a = analysis_of(RES601 / "unknown-multi-az-from-variable.tf")
    db = a.graph.nodes["aws_db_instance.orders"]
    assert db.placement.spread is Spread.UNKNOWN
    assert all("aws_db_instance.orders" not in o.stopped for o in a.outages)
    assert [u.node for u in a.could_not_place] == ["aws_db_instance.orders"]
    assert "multi_az not known before apply" in a.could_not_place[0].reason


def test_unresolved_reference_is_reported_not_failed():
    a = analysis_of(RES601 / "unknown-event-source-outside-scan.tf")
    assert not a.lost_by_workload
    reasons = [u.reason for u in a.could_not_place]
    assert any("event_source_arn" in r for r in reasons), reasons


def test_known_values_keep_their_references(tmp_path):
    """`function_name = aws_lambda_function.worker.function_name` is known before apply; the
    reference survives into Resource.refs (as a plan's configuration keeps it)."""
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        resource "aws_lambda_function" "worker" {
          function_name = "worker"
          role          = "arn:aws:iam::123456789012:role/w"
          filename      = "w.zip"
          handler       = "main.handler"
          runtime       = "python3.12"
        }
        resource "aws_lambda_alias" "live" {
          name          = "live"
          function_name = aws_lambda_function.worker.function_name
          function_version = "1"
        }
    """))
    loaded = load_paths([str(tmp_path)])
    alias = next(r for r in loaded.resources if r.type == "aws_lambda_alias")
    assert alias.get("function_name") == "worker"
    assert alias.refs["function_name"] == ["aws_lambda_function.worker"]


def test_pulumi_dependencies_are_ordering_edges():
    a = analysis_of(RES601 / "fail-shared-nat-gateway.pulumi.json")
    orders = [e for e in a.graph.edges if e.kind is EdgeKind.ORDERS]
    assert orders and all(e.via == "dependsOn" for e in orders)
    assert a.lost_by_workload["aws_ecs_service.orders"]


def test_kubernetes_service_endpoint_in_configmap():
    a = analysis_of(RES601 / "fail-k8s-configmap-names-single-replica-statefulset.yaml")
    (scenario, lost), = a.lost_by_workload["Deployment/shop/web"]
    assert not scenario.named and scenario.label == "any one zone (the one holding StatefulSet/shop/db)"
    assert describe_path(a.graph, lost.path) == (
        "Deployment/shop/web (Deployment, 3 replicas spread over zones) → ConfigMap/shop/web-config → "
        "Service/shop/db → StatefulSet/shop/db (StatefulSet, 1 replica)")
    assert lost.path[1].edge.attribute == "spec.template.spec.containers.0.envFrom.0.configMapRef"


def test_deployment_without_zone_spread_could_not_be_placed():
    a = analysis_of(RES601 / "unknown-k8s-deployment-without-zone-spread.yaml")
    assert a.graph.nodes["Deployment/shop/web"].placement.spread is Spread.UNKNOWN
    assert any(u.node == "Deployment/shop/web" and "no zone spread" in u.reason for u in a.could_not_place)


# ------------------------------------------------------------ RES601 in the normal engine
def test_res601_flows_through_sarif_suppression_and_baseline(tmp_path):
    tree = tmp_path / "infra"
    tree.mkdir()
    (tree / "main.tf").write_text((RES601 / "fail-regional-function-on-single-az-database.tf").read_text())
    proc = subprocess.run([sys.executable, "-m", "linter", "scan", str(tree), "--select", "RES601", "-f", "sarif"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1, proc.stderr
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["RES601"]
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] > 0
    (tree / ".resilint.yaml").write_text("ignore:\n  - rule: RES601\n    resource: aws_lambda_function.orders_api\n"
                                         "    reason: the database is rebuilt from events\n")
    result = run_scan(tree, select=["RES601"], config=_config(tree / ".resilint.yaml"))
    assert [f.suppressed for f in result.findings] == [True]
    (tree / ".resilint.yaml").unlink()
    baseline = tmp_path / "baseline.json"
    proc = subprocess.run([sys.executable, "-m", "linter", "baseline", str(tree), "--select", "RES601", "-o",
                           str(baseline)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([sys.executable, "-m", "linter", "scan", str(tree), "--select", "RES601", "--baseline",
                           str(baseline)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout


def _config(path: Path):
    from linter.config import load_config

    return load_config(path)


# ------------------------------------------------------------ resilint zones
def test_zones_text_names_zone_path_and_unknowns(tmp_path):
    proc = zones(str(tf_tree(tmp_path, "fail-shared-nat-gateway.tf")))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "If us-east-1a fails:" in out and "If us-east-1b fails:" in out
    assert ("aws_ecs_service.orders (ECS service, 2 zones) → aws_subnet.private_b → aws_route_table.private_b → "
            "aws_nat_gateway.a (NAT gateway, zonal, us-east-1a)") in out
    assert "Could not place" in out


def test_zones_json_and_any_one_zone():
    proc = zones(str(RES601 / "fail-k8s-configmap-names-single-replica-statefulset.yaml"), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    zone, = [z for z in doc["zones"] if z["loses_all_capacity"]]
    assert zone["named"] is False and zone["zone"].startswith("any one zone")
    lost, = zone["loses_all_capacity"]
    assert lost["resource"] == "Deployment/shop/web" and lost["line"]
    assert [h["resource"] for h in lost["path"]] == ["Deployment/shop/web", "ConfigMap/shop/web-config",
                                                    "Service/shop/db", "StatefulSet/shop/db"]
    assert [h["edge"] for h in lost["path"]] == [None, "requires", "requires", "serves-from"]


def test_zones_output_file_is_written_whole(tmp_path):
    out = tmp_path / "zones.mmd"
    tree = tf_tree(tmp_path, "fail-regional-function-on-single-az-database.tf")
    proc = zones(str(tree), "-f", "mermaid", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("flowchart LR") and proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [tree.name, "zones.mmd"]  # no temporary file left


def test_zones_bad_input_exits_2_with_file_and_line(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_db_instance" "x" {\n  engine = \n}\n')
    proc = zones(str(tmp_path))
    assert proc.returncode == 2
    assert "main.tf:" in proc.stderr and "Traceback" not in proc.stderr


def test_zones_refuses_to_overwrite_its_input(tmp_path):
    target = tf_tree(tmp_path, "pass-multi-az-database.tf") / "main.tf"
    before = target.read_text()
    proc = zones(str(target.parent), "-o", str(target))
    assert proc.returncode == 2 and target.read_text() == before


def test_zones_reads_variables_like_scan(tmp_path):
    tree = tf_tree(tmp_path, "unknown-multi-az-from-variable.tf")
    with (tree / "main.tf").open("a") as f:
        f.write('\nvariable "multi_az" {\n  type = bool\n}\n')
    unknown = json.loads(zones(str(tree), "-f", "json").stdout)
    assert not any(z["loses_all_capacity"] for z in unknown["zones"])
    known = json.loads(zones(str(tree), "-f", "json", "--var", "multi_az=false").stdout)
    assert any(z["loses_all_capacity"] for z in known["zones"])


def test_zones_unknown_format_is_a_usage_error():
    proc = zones(".", "-f", "svg")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_module_wiring_carries_the_dependency(tmp_path):
    """A root's env var naming a module output (`module.db.address`) depends on the resource
    inside the module the output reads."""
    (tmp_path / "modules" / "db").mkdir(parents=True)
    (tmp_path / "modules" / "db" / "main.tf").write_text(textwrap.dedent("""
        resource "aws_db_instance" "this" {
          engine            = "postgres"
          instance_class    = "db.m6g.large"
          availability_zone = "eu-west-1b"
        }
        output "address" {
          value = aws_db_instance.this.address
        }
    """))
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "main.tf").write_text(textwrap.dedent("""
        module "db" {
          source = "../modules/db"
        }
        resource "aws_lambda_function" "api" {
          function_name = "api"
          role          = "arn:aws:iam::123456789012:role/api"
          handler       = "main.handler"
          runtime       = "python3.12"
          filename      = "api.zip"
          environment {
            variables = {
              DATABASE_URL = "postgres://${module.db.address}:5432/app"
            }
          }
        }
    """))
    a = analysis_of(tmp_path / "root")
    (scenario, lost), = a.lost_by_workload["aws_lambda_function.api"]
    assert scenario.label == "eu-west-1b"
    assert [h.node for h in lost.path] == ["aws_lambda_function.api", "module.db.aws_db_instance.this"]
    assert lost.path[1].edge.attribute == "environment.variables.DATABASE_URL"
    finding, = run_scan(tmp_path / "root", select=["RES601"]).findings
    assert finding.line == 13 and finding.file.endswith("root/main.tf")


ROUTES = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:16.4}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule,
           labelSelector: {matchLabels: {app: web}}}
      containers:
        - name: web
          image: ghcr.io/example/web:1.0
          env: [{name: DB, value: "db.shop:5432"}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 9
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
          - {path: /admin, pathType: Prefix, backend: {service: {name: admin, port: {number: 80}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web.example.com]
  http: [{route: [{destination: {host: web.shop.svc.cluster.local}}]}]
"""


def test_kubernetes_routes_autoscalers_and_env_dns(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(ROUTES)
    a = analysis_of(path)
    g = a.graph
    edges = {(e.source, e.target): e for e in g.edges}
    # the HPA's minReplicas gives the Deployment its replicas: 3, spread over zones
    assert g.nodes["Deployment/shop/web"].placement.spread is Spread.MULTI_ZONE
    assert edges[("HorizontalPodAutoscaler/shop/web", "Deployment/shop/web")].kind is EdgeKind.GOVERNS
    for route in ("Ingress/shop/web", "HTTPRoute/shop/web", "VirtualService/shop/web"):
        assert edges[(route, "Service/shop/web")].kind is EdgeKind.SERVES_FROM
    assert edges[("Deployment/shop/web", "Service/shop/db")].via == "env DB"
    # the Ingress names a Service that is not in the scan: kept as unresolved, never a failure; not
    # under "could not place", which lists what workloads depend on (nothing depends on an Ingress)
    assert any(u.source == "Ingress/shop/web" and u.reference == "Service shop/admin" for u in g.unresolved)
    assert not any(u.node == "Ingress/shop/web" for u in a.could_not_place)
    (scenario, lost), = a.lost_by_workload["Deployment/shop/web"]
    assert lost.root == "StatefulSet/shop/db" and not scenario.named


def test_permissions_and_names_are_no_run_time_dependency(tmp_path):
    """An IAM policy naming a Single-AZ database's ARN, or a subnet id passed in an env var,
    does not make a regional function depend on that zone (no false alarm)."""
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        resource "aws_subnet" "a" {
          vpc_id            = "vpc-1"
          cidr_block        = "10.0.1.0/24"
          availability_zone = "eu-west-1a"
        }
        resource "aws_db_instance" "orders" {
          engine         = "postgres"
          instance_class = "db.m6g.large"
        }
        resource "aws_iam_role" "task" {
          name               = "task"
          assume_role_policy = "{}"
          inline_policy {
            name   = "db"
            policy = jsonencode({Statement = [{Effect = "Allow", Action = "rds:*", Resource = aws_db_instance.orders.arn}]})
          }
        }
        resource "aws_lambda_function" "launcher" {
          function_name = "launcher"
          role          = aws_iam_role.task.arn
          handler       = "main.handler"
          runtime       = "python3.12"
          filename      = "launcher.zip"
          environment {
            variables = { TASK_SUBNET = aws_subnet.a.id }
          }
        }
    """))
    a = analysis_of(tmp_path)
    kinds = {(e.source, e.target): e.kind for e in a.graph.edges}
    assert kinds[("aws_iam_role.task", "aws_db_instance.orders")] is EdgeKind.REFERS
    assert kinds[("aws_lambda_function.launcher", "aws_subnet.a")] is EdgeKind.REFERS
    assert not a.lost_by_workload
    assert not run_scan(tmp_path, select=["RES601"]).findings


def test_each_single_zone_dependency_is_its_own_finding_and_fingerprint(tmp_path):
    """Crossed NAT gateways: private_a (us-east-1a) egresses through the NAT gateway
    in us-east-1b and private_b through the one in us-east-1a. Either zone's outage
    takes the service's whole capacity, through two different gateways: two
    findings, each naming its dependency as its subject."""
    text = (RES601 / "fail-shared-nat-gateway.tf").read_text()
    text = text.replace(
        'resource "aws_route_table" "private_a" {\n  vpc_id = aws_vpc.main.id\n  route {\n'
        '    cidr_block     = "0.0.0.0/0"\n    nat_gateway_id = aws_nat_gateway.a.id',
        'resource "aws_route_table" "private_a" {\n  vpc_id = aws_vpc.main.id\n  route {\n'
        '    cidr_block     = "0.0.0.0/0"\n    nat_gateway_id = aws_nat_gateway.b.id')
    assert "aws_nat_gateway.b.id" in text
    text += ('\nresource "aws_eip" "nat_b" {\n  domain = "vpc"\n}\n\n'
             'resource "aws_nat_gateway" "b" {\n  allocation_id = aws_eip.nat_b.id\n'
             '  subnet_id     = aws_subnet.public_b.id\n}\n')
    tree = tmp_path / "crossed"
    tree.mkdir()
    (tree / "main.tf").write_text(text)
    findings = run_scan(tree, select=["RES601"]).findings
    assert sorted(f.subject for f in findings) == ["aws_nat_gateway.a", "aws_nat_gateway.b"]
    assert len({f.fingerprint for f in findings}) == 2
    baseline = tmp_path / "baseline.json"
    proc = subprocess.run([sys.executable, "-m", "linter", "baseline", str(tree), "--select", "RES601", "-o",
                           str(baseline)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(baseline.read_text())["findings"]) == 2


def test_the_subject_tells_apart_findings_on_one_attribute_and_leaves_others_unchanged():
    """Two single-zone dependencies reached through one attribute (the same first
    edge) are two findings at one address, file, line and attribute: only the
    dependency (`subject`) tells them apart, so it is part of the fingerprint.
    Findings without a subject keep the fingerprint baselines recorded."""
    from linter.model import Finding, Severity

    def finding(subject):
        return Finding(rule_id="RES601", rule="r", severity=Severity.HIGH, resource="aws_ecs_service.orders",
                       resource_type="aws_ecs_service", file="main.tf", line=74, message="m", remediation="f",
                       attribute="network_configuration.subnets", subject=subject)

    a, b, plain = finding("aws_nat_gateway.a"), finding("aws_db_instance.orders"), finding(None)
    assert a.fingerprint != b.fingerprint
    assert plain.fingerprint == plain.unrooted_fingerprint
    assert a.fingerprint != plain.fingerprint


# ------------------------------------------- RES601's partial analysis
def _random_scope(rng) -> list:
    """A scope of random resources wired at random: subnets in named or unnamed zones,
    databases, brokers, NAT gateways behind route tables and associations, queues and
    event source mappings, workloads in some subnets, IAM policies, Kubernetes objects
    selecting and naming each other, duplicate addresses, and reference cycles."""
    from linter.model import Location, Resource, Unknown

    made: list = []

    def add(rtype, name, attrs, refs=None):
        address = f"{rtype}.{name}" if "/" not in rtype else name
        made.append(Resource(rtype, address, attrs, Location("main.tf", len(made) + 1), "hcl",
                             name=name, refs=refs or {}))
        return address

    def some(kind, most=3):
        pool = [r.address for r in made if r.type == kind]
        return rng.sample(pool, min(len(pool), rng.randint(0, most)))

    zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    for i in range(rng.randint(1, 6)):
        zone = rng.choice([*zones, None, Unknown()])
        add("aws_subnet", f"s{i}", {"availability_zone": zone} if zone is not None else {})
    for i in range(rng.randint(0, 3)):
        add("aws_db_instance", f"db{i}", {"engine": "postgres", "multi_az": rng.choice([True, False, None])})
    for i in range(rng.randint(0, 2)):
        subnets = some("aws_subnet", 2)
        add("aws_mq_broker", f"mq{i}", {"deployment_mode": rng.choice(["SINGLE_INSTANCE", "ACTIVE_STANDBY_MULTI_AZ"]),
                                        "subnet_ids": Unknown(refs=tuple(f"{s}.id" for s in subnets))},
            {"subnet_ids": [f"{s}.id" for s in subnets]})
    for i in range(rng.randint(0, 3)):
        subnet = some("aws_subnet", 1)
        add("aws_nat_gateway", f"nat{i}", {"subnet_id": Unknown(refs=(f"{subnet[0]}.id",)) if subnet else None},
            {"subnet_id": [f"{s}.id" for s in subnet]})
    for i in range(rng.randint(0, 3)):
        nats = some("aws_nat_gateway", 1)
        add("aws_route_table", f"rt{i}", {"route": [{"nat_gateway_id": Unknown()}]},
            {"route.nat_gateway_id": [f"{n}.id" for n in nats]})
    for i in range(rng.randint(0, 6)):  # several subnets behind one route table: its in-edges' order tells
        subnet, table = some("aws_subnet", 1), some("aws_route_table", 1)
        if subnet and table:
            add("aws_route_table_association", f"a{i}", {"subnet_id": Unknown(), "route_table_id": Unknown()},
                {"subnet_id": [f"{subnet[0]}.id"], "route_table_id": [f"{table[0]}.id"]})
    for i in range(rng.randint(0, 2)):
        add("aws_sqs_queue", f"q{i}", {}, {"redrive_policy": [f"{q}.arn" for q in some("aws_sqs_queue", 1)]})
    for i in range(rng.randint(0, 3)):  # go-betweens: two of them needing one database
        add("aws_ecs_task_definition", f"td{i}", {},
            {"container_definitions": [f"{d}.address" for d in some("aws_db_instance", 2) + some("aws_mq_broker", 1)]})
    for i in range(rng.randint(1, 5)):
        subnets = some("aws_subnet", 3)
        if rng.random() < 0.1:  # "subnets" naming a workload: placements asking each other, maybe in a cycle
            subnets += some("aws_ecs_service", 1) + some("aws_autoscaling_group", 1)
        deps = (some("aws_db_instance", 2) + some("aws_mq_broker", 1) + some("aws_ecs_service", 1)
                + some("aws_ecs_task_definition", 2))
        kind = rng.choice(["aws_ecs_service", "aws_lambda_function", "aws_autoscaling_group"])
        # a plan lists `x.address` and `x` for one reference: one edge each way
        refs = {"environment.variables": [f"{d}.address" for d in deps] + [d for d in deps if rng.random() < 0.3]}
        if kind == "aws_ecs_service":
            attrs = {"desired_count": rng.choice([1, 2, 3]), "network_configuration": [{"subnets": Unknown()}]}
            refs["network_configuration.subnets"] = [f"{s}.id" for s in subnets] + [s for s in subnets if rng.random() < 0.3]
        elif kind == "aws_lambda_function":
            attrs = {"vpc_config": [{"subnet_ids": Unknown()}]} if subnets else {}
            refs["vpc_config.subnet_ids"] = [f"{s}.id" for s in subnets] + [s for s in subnets if rng.random() < 0.3]
        else:
            attrs = {"min_size": rng.choice([1, 2]), "vpc_zone_identifier": Unknown()}
            refs["vpc_zone_identifier"] = [f"{s}.id" for s in subnets] + [s for s in subnets if rng.random() < 0.3]
        add(kind, f"w{i}", attrs, refs)
        if rng.random() < 0.2:  # a second resource of one address: the first is the node
            add(kind, f"w{i}", attrs, refs)
    for i in range(rng.randint(0, 2)):
        fn, queue = some("aws_lambda_function", 1), some("aws_sqs_queue", 1) + some("aws_mq_broker", 1)
        if fn and queue:
            add("aws_lambda_event_source_mapping", f"m{i}", {"function_name": Unknown(), "event_source_arn": Unknown()},
                {"function_name": [f"{fn[0]}.arn"], "event_source_arn": [f"{queue[0]}.arn"]})
    for i in range(rng.randint(0, 2)):
        add("aws_iam_role_policy", f"p{i}", {}, {"policy": [f"{d}.arn" for d in some("aws_db_instance", 2)]})
    for i in range(rng.randint(0, 4)):
        app = f"app{rng.randint(0, 3)}"
        env = [{"name": "DB", "value": f"svc{rng.randint(0, 3)}:5432"}]
        template = {"metadata": {"labels": {"app": app}},
                    "spec": {"containers": [{"name": "c", "image": "i", "env": env}]}}
        if rng.random() < 0.5:
            template["spec"]["topologySpreadConstraints"] = [{"topologyKey": "topology.kubernetes.io/zone"}]
        add("apps/Deployment", f"Deployment/shop/d{i}", {"metadata": {"name": f"d{i}", "namespace": "shop"},
                                                         "spec": {"replicas": rng.choice([1, 3]), "template": template}})
        made[-1].namespace, made[-1].name = "shop", f"d{i}"
    for i in range(rng.randint(0, 4)):
        add("core/Service", f"Service/shop/svc{i}", {"metadata": {"name": f"svc{i}", "namespace": "shop"},
                                                     "spec": {"selector": {"app": f"app{rng.randint(0, 3)}"}}})
        made[-1].namespace, made[-1].name = "shop", f"svc{i}"
    # references added last may point back: cycles of dependencies, and of placements
    # (a service "in the subnets" of another that is in its own)
    for r in rng.sample(made, min(len(made), 3)):
        if r.type.startswith("aws_") and r.type != "aws_subnet":
            r.refs.setdefault("depends_extra", []).append(rng.choice(made).address + ".id")
    for r in made:
        if r.type == "aws_ecs_service" and rng.random() < 0.15:
            r.refs["network_configuration.subnets"].append(rng.choice(made).address + ".id")
    rng.shuffle(made)
    return made


def test_res601_partial_analysis_says_what_the_whole_graph_says():
    """RES601 builds only what zone-redundant workloads depend on (analysis.analyse_workloads):
    on random scopes, each such workload's losses, paths, edges and placements are the whole
    analysis's, and so is every node's placement it made."""
    import random

    from linter.failure_domains import analyse_workloads
    from linter.rules.failure_domains import WORKLOAD_TYPES

    rng = random.Random(601)
    losses = 0
    for _ in range(400):
        scope = _random_scope(rng)
        whole = analyse(Index(scope))
        part = analyse_workloads(Index(scope), WORKLOAD_TYPES)
        for key in part.graph.out_edges:  # what the workloads depend on (restrict_to)
            node = part.graph.nodes[key]
            assert node.placement == whole.graph.nodes[key].placement, key
            assert node.resource is whole.graph.nodes[key].resource
        for r in Index(scope).by_type(*WORKLOAD_TYPES):
            node = whole.graph.nodes[r.address]
            if node.resource is not r or not node.placement.zone_redundant:
                continue
            expected = [(s.label, s.named, [(h.node, h.edge) for h in lost.path])
                        for s, lost in whole.lost_by_workload.get(r.address, ())]
            got = [(s.label, s.named, [(h.node, h.edge) for h in lost.path])
                   for s, lost in part.lost_by_workload.get(r.address, ())]
            assert got == expected, r.address
            losses += len(got)
    assert losses > 100  # the scopes do lose workloads: the comparison is not of empty lists
