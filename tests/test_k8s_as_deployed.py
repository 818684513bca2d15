"""Kubernetes as it is deployed: Argo Rollouts, operator resources and
Kubernetes written with Terraform's kubernetes provider.

The corpus holds no Rollouts and few operator resources, so the objects below
are the projects' documented examples (Argo Rollouts' "Rollout referencing a
Deployment" page, Strimzi's kafka-ephemeral-single.yaml, RabbitMQ's
hello-world, ECK's quickstart, CloudNativePG's cluster-example.yaml,
prometheus-operator's getting-started Prometheus), written from their
documented schemas; every pinned finding was checked against the operator's
documented default.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import corpus_dir, run_scan


def scan_text(tmp_path: Path, name: str, text: str, **options):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return run_scan(path, **options)


def found(result, rule_id, resource=None):
    return [f for f in result.findings if f.rule_id == rule_id and (resource is None or f.resource == resource)]


# ------------------------------------------------------------------ Argo Rollouts
ROLLOUT_REF = """
    apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata:
      name: rollout-ref-deployment
    spec:
      replicas: 5
      selector:
        matchLabels:
          app: rollout-ref-deployment
      workloadRef:
        apiVersion: apps/v1
        kind: Deployment
        name: rollout-ref-deployment
        scaleDown: progressively
      strategy:
        canary:
          steps:
            - setWeight: 20
            - pause: {duration: 10s}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: rollout-ref-deployment
    spec:
      replicas: 0
      selector:
        matchLabels:
          app: rollout-ref-deployment
      template:
        metadata:
          labels:
            app: rollout-ref-deployment
        spec:
          containers:
            - name: rollouts-demo
              image: argoproj/rollouts-demo:blue
              ports:
                - containerPort: 8080
"""


def test_rollout_with_workload_ref_is_judged_with_the_deployments_template(tmp_path):
    result = scan_text(tmp_path, "rollout.yaml", ROLLOUT_REF)
    rollout = "Rollout/default/rollout-ref-deployment"
    deployment = "Deployment/default/rollout-ref-deployment"
    assert not result.errors
    # the Deployment scaled to 0 on purpose lends its template: nothing is reported on it
    assert not [f for f in result.findings if f.resource == deployment]
    (ready,) = found(result, "RES503", rollout)
    assert "container rollouts-demo of Rollout default/rollout-ref-deployment has no readinessProbe" in ready.message
    assert ready.line == 11  # the workloadRef
    assert ready.notes == ["pod template from Deployment/default/rollout-ref-deployment (spec.workloadRef)"]
    (pdb,) = found(result, "RES501", rollout)
    assert "has 5 replicas" in pdb.message
    assert found(result, "RES505", rollout) and found(result, "RES516", rollout)
    assert not found(result, "RES101")


def test_rollout_single_replica_and_hpa_target(tmp_path):
    result = scan_text(tmp_path, "rollouts.yaml", """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: rollouts-demo}
        spec:
          replicas: 1
          selector: {matchLabels: {app: rollouts-demo}}
          template:
            metadata: {labels: {app: rollouts-demo}}
            spec:
              containers: [{name: rollouts-demo, image: argoproj/rollouts-demo:blue}]
          strategy: {canary: {steps: [{setWeight: 20}, {pause: {}}]}}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: scaled}
        spec:
          selector: {matchLabels: {app: scaled}}
          template:
            metadata: {labels: {app: scaled}}
            spec:
              containers: [{name: scaled, image: argoproj/rollouts-demo:blue}]
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: scaled}
        spec:
          scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: scaled}
          minReplicas: 3
          maxReplicas: 10
        """)
    (single,) = found(result, "RES101")
    assert single.resource == "Rollout/default/rollouts-demo" and "(spec.replicas: 1)" in single.message
    (spread,) = found(result, "RES505", "Rollout/default/scaled")
    assert "keeps at least 3 replicas (HorizontalPodAutoscaler default/scaled minReplicas: 3)" in spread.message


# ------------------------------------------------------------------ operators
@pytest.mark.parametrize("name,text,resource,phrase", [
    ("rabbitmq-hello-world.yaml", """
        apiVersion: rabbitmq.com/v1beta1
        kind: RabbitmqCluster
        metadata:
          name: hello-world
        """, "RabbitmqCluster/default/hello-world",
     "runs 1 RabbitMQ node: spec.replicas is unset and defaults to 1"),
    ("eck-quickstart.yaml", """
        apiVersion: elasticsearch.k8s.elastic.co/v1
        kind: Elasticsearch
        metadata:
          name: quickstart
        spec:
          version: 8.15.0
          nodeSets:
          - name: default
            count: 1
            config:
              node.store.allow_mmap: false
        """, "Elasticsearch/default/quickstart", "runs 1 Elasticsearch node (spec.nodeSets count totals 1)"),
    ("prometheus-getting-started.yaml", """
        apiVersion: monitoring.coreos.com/v1
        kind: Prometheus
        metadata:
          name: prometheus
        spec:
          serviceAccountName: prometheus
          serviceMonitorSelector:
            matchLabels:
              team: frontend
          resources:
            requests:
              memory: 400Mi
        """, "Prometheus/default/prometheus", "spec.replicas is unset and defaults to 1"),
])
def test_documented_single_member_examples(tmp_path, name, text, resource, phrase):
    result = scan_text(tmp_path, name, text)
    (hit,) = found(result, "RES118", resource)
    assert phrase in hit.message


def test_strimzi_single_node_example(tmp_path):
    result = scan_text(tmp_path, "kafka-ephemeral-single.yaml", """
        apiVersion: kafka.strimzi.io/v1beta2
        kind: Kafka
        metadata:
          name: my-cluster
        spec:
          kafka:
            version: 3.7.0
            replicas: 1
            listeners:
              - name: plain
                port: 9092
                type: internal
                tls: false
            config:
              offsets.topic.replication.factor: 1
              transaction.state.log.replication.factor: 1
              transaction.state.log.min.isr: 1
              default.replication.factor: 1
              min.insync.replicas: 1
            storage:
              type: ephemeral
          zookeeper:
            replicas: 1
            storage:
              type: ephemeral
        """)
    assert sorted(f.line for f in found(result, "RES118")) == [9, 24]  # kafka.replicas, zookeeper.replicas
    (rf,) = found(result, "RES119")
    assert "default.replication.factor: 1" in rf.message


def test_cnpg_cluster_example_is_replicated(tmp_path):
    result = scan_text(tmp_path, "cluster-example.yaml", """
        apiVersion: postgresql.cnpg.io/v1
        kind: Cluster
        metadata:
          name: cluster-example
        spec:
          instances: 3
          storage:
            size: 1Gi
        """)
    assert not result.errors and not found(result, "RES118")


def test_corpus_operator_and_new_rule_findings():
    result = run_scan(corpus_dir("kubernetes"), select=["RES118", "RES119", "RES514", "RES515", "RES516"])
    # kube-prometheus runs Prometheus with replicas: 2
    assert not found(result, "RES118") and not found(result, "RES119") and not found(result, "RES515")
    assert {f.resource for f in found(result, "RES514")} == {
        "PodDisruptionBudget/istio-system/istio-ingressgateway", "PodDisruptionBudget/default/cockroachdb-budget",
        "PodDisruptionBudget/monitoring/alertmanager-main", "PodDisruptionBudget/monitoring/prometheus-k8s",
    }
    # cockroachdb's preferred anti-affinity on kubernetes.io/hostname spreads it; these have none
    assert {f.resource for f in found(result, "RES516")} == {
        "Deployment/default/hello-kubernetes", "StatefulSet/default/cassandra", "Deployment/default/redis-replica",
        "Deployment/default/frontend", "StatefulSet/default/web",
    }


# ------------------------------------------------------------------ Terraform's kubernetes provider
DEPLOYMENT_TF = """
    resource "kubernetes_deployment" "api" {
      metadata {
        name      = "api"
        namespace = "shop"
      }
      spec {
        replicas = "1"
        selector {
          match_labels = {
            app = "api"
          }
        }
        template {
          metadata {
            labels = {
              app = "api"
            }
          }
          spec {
            container {
              name  = "api"
              image = "example/api:1.4"
              liveness_probe {
                http_get {
                  path = "/healthz"
                  port = 8080
                }
              }
            }
          }
        }
      }
    }

    resource "kubernetes_service_v1" "api" {
      metadata {
        name      = kubernetes_deployment.api.metadata[0].name
        namespace = kubernetes_deployment.api.metadata[0].namespace
      }
      spec {
        selector = {
          app = "api"
        }
        port {
          port        = 80
          target_port = "8080"
        }
      }
    }
"""


def test_terraform_deployment_gets_the_kubernetes_findings_in_terraform_terms(tmp_path):
    result = scan_text(tmp_path, "main.tf", DEPLOYMENT_TF)
    assert not result.errors
    (single,) = found(result, "RES101")
    assert single.resource == "kubernetes_deployment.api" and single.resource_type == "apps/Deployment"
    assert "Deployment shop/api runs 1 replica (spec.replicas: 1)" in single.message
    assert single.line == 8  # replicas = "1"
    (ready,) = found(result, "RES503")
    # the Service (its namespace taken from the Deployment it references) selects the pods
    assert "container api of Deployment shop/api has no readiness_probe" in ready.message
    assert "Service api sends" in ready.message
    assert ready.line == 21  # the container block
    assert "readiness_probe" in ready.remediation and "readinessProbe" not in ready.remediation


def _plan_of(resources: list[tuple[str, str, dict]]) -> dict:
    changes = [{"address": f"{t}.{n}", "mode": "managed", "type": t, "name": n,
                "provider_name": "registry.terraform.io/hashicorp/kubernetes",
                "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {}}}
               for t, n, after in resources]
    return {"format_version": "1.2", "terraform_version": "1.11.0", "resource_changes": changes,
            "planned_values": {"root_module": {}}}


def test_terraform_plan_of_a_stateful_set_with_provider_defaults(tmp_path):
    # what the provider plans: computed defaults filled in, absent blocks as [], ports as strings
    after = {
        "metadata": [{"name": "db", "namespace": "default", "labels": None}],
        "spec": [{
            "replicas": "3", "service_name": "db", "pod_management_policy": "OrderedReady",
            "selector": [{"match_labels": {"app": "db"}, "match_expressions": []}],
            "update_strategy": [{"type": "RollingUpdate", "rolling_update": [{"partition": 0}]}],
            "volume_claim_template": [],
            "template": [{"metadata": [{"labels": {"app": "db"}}], "spec": [{
                "affinity": [], "toleration": [], "topology_spread_constraint": [], "init_container": [],
                "container": [{
                    "name": "db", "image": "postgres:16", "port": [{"container_port": 5432, "name": "pg"}],
                    "readiness_probe": [{"tcp_socket": [{"port": "5432"}], "http_get": [], "exec": [],
                                         "period_seconds": 10, "failure_threshold": 3}],
                    "liveness_probe": [{"tcp_socket": [{"port": "5432"}], "http_get": [], "exec": [],
                                        "period_seconds": 30, "failure_threshold": 6}],
                }],
            }]}],
        }],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_plan_of([("kubernetes_stateful_set_v1", "db", after)])))
    result = run_scan(path)
    assert not result.errors
    (same,) = found(result, "RES504")
    assert "liveness_probe with the same handler as its readiness_probe (tcp_socket on port 5432)" in same.message
    (zone,) = found(result, "RES505")
    assert "StatefulSet default/db has 3 replicas" in zone.message
    assert found(result, "RES516") and found(result, "RES501")
    assert not found(result, "RES102") and not found(result, "RES503")


def test_generated_terraform_and_pulumi_twins_are_current():
    """The HCL, plan and Pulumi twins of the Kubernetes fixtures are what the fixture
    generator's Kubernetes renderer (fixtures/_tools/fixturegen/k8s.py) makes of their
    YAML (run python3 fixtures/_tools/regenerate.py after editing one)."""
    import sys

    from tests.conftest import FIXTURES

    sys.path.insert(0, str(FIXTURES / "_tools"))
    from fixturegen import k8s

    stale = [str(p.relative_to(FIXTURES)) for p, text in k8s.generated().items()
             if not p.exists() or p.read_text() != text]
    assert not stale, f"run python3 fixtures/_tools/regenerate.py: {stale[:5]}"
