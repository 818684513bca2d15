"""The Kubernetes rules on real public manifests (shared corpus, scanned as one input).

Every assertion below was checked by reading the corpus file it names; the
corpus is scanned as a whole, as a user scanning a folder would, so Services,
PDBs and HPAs of one file count for workloads of another in the same namespace.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import corpus_dir, run_scan

MICROSERVICES = "microservices-demo__release_kubernetes-manifests.yaml"
BOOKINFO = "istio__bookinfo.yaml"
PILOT = "istio__helm-rendered_pilot_default.golden.yaml"


@pytest.fixture(scope="module")
def corpus():
    return corpus_dir("kubernetes")


@pytest.fixture(scope="module")
def result(corpus):
    return run_scan(corpus)


def hits(result, rule_id, file=None, resource=None):
    return [
        f for f in result.findings
        if f.rule_id == rule_id
        and (file is None or Path(f.file).name == file)
        and (resource is None or f.resource == resource)
    ]


def test_no_input_errors(result):
    assert not result.errors, [str(e) for e in result.errors]
    assert len(result.resources) > 50


# ------------------------------------------------------------------ RES101 / RES103
@pytest.mark.parametrize("name", [
    "frontend", "adservice", "currencyservice", "cartservice", "redis-cart", "recommendationservice",
    "checkoutservice", "emailservice", "paymentservice", "shippingservice", "productcatalogservice",
])
def test_microservices_demo_replicas_unset_is_one_replica(result, name):
    found = hits(result, "RES101", MICROSERVICES, f"Deployment/default/{name}")
    assert len(found) == 1
    assert "spec.replicas is unset and defaults to 1" in found[0].message


def test_microservices_demo_loadgenerator_replicas_one(result):
    (found,) = hits(result, "RES101", MICROSERVICES, "Deployment/default/loadgenerator")
    assert "(spec.replicas: 1)" in found.message
    assert found.line == 451


def test_istiod_count_is_owned_by_its_hpa(result):
    assert not hits(result, "RES101", PILOT, "Deployment/istio-system/istiod")
    (floor,) = hits(result, "RES103", PILOT, "HorizontalPodAutoscaler/istio-system/istiod")
    assert "minReplicas: 1" in floor.message and floor.line == 3844
    # min 1: not replicated enough for a PDB or zone spread to be asked for
    assert not hits(result, "RES501", PILOT)
    assert not hits(result, "RES505", PILOT)


# ------------------------------------------------------------------ RES503 / RES504
@pytest.mark.parametrize("deployment,container,line", [
    ("details-v1", "details", 74), ("ratings-v1", "ratings", 125), ("reviews-v1", "reviews", 176),
    ("reviews-v2", "reviews", 216), ("reviews-v3", "reviews", 256), ("productpage-v1", "productpage", 324),
])
def test_bookinfo_deployments_have_no_readiness_probe(result, deployment, container, line):
    (found,) = hits(result, "RES503", BOOKINFO, f"Deployment/default/{deployment}")
    assert f"container {container} of Deployment default/{deployment} has no readinessProbe" in found.message
    assert found.line == line
    service = deployment.split("-")[0]
    assert f"Service {service} sends it traffic" in found.message


def test_readiness_probes_present_are_not_reported(result):
    assert not hits(result, "RES503", PILOT)  # istiod's discovery container has a readinessProbe
    assert not hits(result, "RES503", "k8s-examples__cassandra-statefulset.yaml")
    assert not hits(result, "RES503", MICROSERVICES)


def test_loadgenerator_serves_no_service_so_no_readiness_finding(result):
    # no Service in the input selects app=loadgenerator: a traffic generator, not a server
    assert not hits(result, "RES503", MICROSERVICES, "Deployment/default/loadgenerator")
    (live,) = hits(result, "RES504", MICROSERVICES, "Deployment/default/loadgenerator")
    assert "container main" in live.message and "no livenessProbe" in live.message


def test_guestbook_and_cockroachdb_containers_without_readiness(result):
    guestbook = {f.resource for f in hits(result, "RES503", "k8s-examples__guestbook-all-in-one.yaml")}
    assert guestbook == {"Deployment/default/redis-master", "Deployment/default/redis-replica",
                         "Deployment/default/frontend"}
    (crdb,) = hits(result, "RES503", "k8s-examples__cockroachdb-statefulset.yaml")
    assert "container cockroachdb of StatefulSet default/cockroachdb" in crdb.message
    assert "Services cockroachdb-public and cockroachdb send" in crdb.message
    assert crdb.line == 127  # the container, not its init container (bootstrap, line 100)


IDENTICAL = ["adservice", "currencyservice", "redis-cart", "recommendationservice", "checkoutservice",
             "emailservice", "paymentservice", "productcatalogservice"]


def test_microservices_demo_identical_liveness_and_readiness(result):
    identical = {f.resource.rsplit("/", 1)[-1] for f in hits(result, "RES504", MICROSERVICES)
                 if "the same handler as its readinessProbe" in f.message}
    # handlers are compared, not whole probes (kube-score: httpGet path+port, tcpSocket port,
    # exec command, grpc): frontend's probes differ only in a Cookie header, cartservice's and
    # shippingservice's only in periodSeconds; they check the same thing all the same
    assert identical == set(IDENTICAL) | {"frontend", "cartservice", "shippingservice"}
    (frontend,) = hits(result, "RES504", MICROSERVICES, "Deployment/default/frontend")
    assert "(httpGet /_healthz on port 8080)" in frontend.message
    (cart,) = hits(result, "RES504", MICROSERVICES, "Deployment/default/cartservice")
    assert "(grpc on port 7070)" in cart.message


def test_liveness_probe_missing(result):
    (istiod,) = hits(result, "RES504", PILOT, "Deployment/istio-system/istiod")
    assert "container discovery" in istiod.message and istiod.line == 3612
    ksm = hits(result, "RES504", "kube-prometheus__kubeStateMetrics-deployment.yaml")
    assert sorted(f.line for f in ksm) == [30, 55, 82]  # all three containers, one finding each
    assert not hits(result, "RES504", "k8s-examples__cassandra-statefulset.yaml")  # distinct probes


# ------------------------------------------------------------------ RES501 / RES502
def test_cockroachdb_pdb_protects_its_statefulset(result):
    assert not hits(result, "RES501", "k8s-examples__cockroachdb-statefulset.yaml")


def test_cockroachdb_pdb_percentage_not_judged_when_rounding_is_off(corpus):
    result = run_scan(corpus, select=["RES502"], rule_options={"RES502": {"round_min_available_percent": False}})
    assert not hits(result, "RES502")


def test_cockroachdb_pdb_percentage_rounds_up_to_every_pod(result):
    # by default the disruption controller's rounding applies: 67% of 3 is 3, no eviction allowed
    (found,) = hits(result, "RES502")
    assert found.resource == "PodDisruptionBudget/default/cockroachdb-budget"
    assert "minAvailable: 67% (rounded up to 3 of 3)" in found.message
    assert "StatefulSet default/cockroachdb" in found.message


@pytest.mark.parametrize("file,resource,phrase", [
    ("k8s-examples__cassandra-statefulset.yaml", "StatefulSet/default/cassandra", "has 3 replicas"),
    ("polaris__test_1_stateful_set.yaml", "StatefulSet/default/web", "has 14 replicas"),
    ("k8s-examples__guestbook-all-in-one.yaml", "Deployment/default/redis-replica", "has 2 replicas"),
    ("k8s-examples__guestbook-all-in-one.yaml", "Deployment/default/frontend", "has 3 replicas"),
    ("conftest__deployment+service.yaml", "Deployment/default/hello-kubernetes", "has 3 replicas"),
])
def test_replicated_workloads_without_pdb(result, file, resource, phrase):
    (found,) = hits(result, "RES501", file, resource)
    assert phrase in found.message and "no PodDisruptionBudget in namespace default" in found.message


def test_pdb_finding_points_at_replicas(result):
    (found,) = hits(result, "RES501", "k8s-examples__cassandra-statefulset.yaml")
    assert found.line == 9  # replicas: 3


def test_single_replica_workloads_are_left_to_res101(result):
    assert not hits(result, "RES501", "k8s-examples__guestbook-all-in-one.yaml", "Deployment/default/redis-master")
    assert not hits(result, "RES501", "kube-prometheus__kubeStateMetrics-deployment.yaml")
    assert not hits(result, "RES501", MICROSERVICES)


def test_pdbs_managed_elsewhere_switch(corpus):
    result = run_scan(corpus, select=["RES501"], rule_options={"RES501": {"assume_pdbs_managed_elsewhere": True}})
    assert not hits(result, "RES501")


def test_a_policy_v1beta1_budget_is_told_to_move_to_policy_v1_before_it_can_set_the_eviction_policy(result):
    # cockroachdb's budget is written in policy/v1beta1, which never had unhealthyPodEvictionPolicy
    (legacy,) = hits(result, "RES514", "k8s-examples__cockroachdb-statefulset.yaml")
    assert legacy.message.endswith("its apiVersion policy/v1beta1 (removed in Kubernetes 1.25) has no "
                                   "unhealthyPodEvictionPolicy: move it to policy/v1 first")
    current = [f for f in hits(result, "RES514") if "policy/v1beta1" not in f.message]
    assert current and all(f.message.endswith("node drains hang on it") for f in current)


def test_pdbs_whose_pods_are_not_scanned_are_silent(result):
    # ingress gateway, alertmanager and Prometheus pods are not in the corpus
    for file in ("istio__helm-rendered_gateway_hpa_pdb.golden.yaml",
                 "kube-prometheus__alertmanager-podDisruptionBudget.yaml",
                 "kube-prometheus__prometheus-podDisruptionBudget.yaml"):
        # (RES514 judges the budget's own unhealthyPodEvictionPolicy, not its pods: it fires on all three)
        assert not [f for f in result.findings if Path(f.file).name == file and f.rule_id.startswith("RES5")
                    and f.rule_id != "RES514"]


# ------------------------------------------------------------------ RES505 / RES506
def test_zone_spread(result):
    (crdb,) = hits(result, "RES505", "k8s-examples__cockroachdb-statefulset.yaml")
    assert "only spreads them across nodes (kubernetes.io/hostname), not zones" in crdb.message
    spread = {f.resource for f in hits(result, "RES505")}
    assert spread == {
        "StatefulSet/default/cockroachdb", "StatefulSet/default/cassandra", "StatefulSet/default/web",
        "Deployment/default/redis-replica", "Deployment/default/frontend", "Deployment/default/hello-kubernetes",
    }


def test_no_rollout_strategy_takes_everything_down(result):
    # istiod's rollingUpdate maxUnavailable 25% is fine (and its floor is 1 replica anyway)
    assert not hits(result, "RES506")


# ------------------------------------------------------------------ RES203 / RES204 / RES205 / RES415
def test_bookinfo_virtual_services_have_no_timeouts(result):
    all_v1 = hits(result, "RES203", "istio__bookinfo_virtual-service-all-v1.yaml")
    assert sorted(f.line for f in all_v1) == [9, 22, 35, 48]
    assert {f.resource for f in all_v1} == {f"VirtualService/default/{n}" for n in
                                             ("productpage", "reviews", "ratings", "details")}
    (weighted,) = hits(result, "RES203", "istio__bookinfo_virtual-service-reviews-50-v3.yaml")
    assert "routes to reviews subset v1, reviews subset v3 with no timeout" in weighted.message
    (frontend,) = hits(result, "RES203", "microservices-demo__release_istio-manifests.yaml")
    assert frontend.resource == "VirtualService/default/frontend"


def test_fault_injection_routes_are_exempt(result):
    # http[0] injects a fault (abort / delay): only the catch-all http[1] is reported
    (abort,) = hits(result, "RES203", "istio__bookinfo_fault-injection-details-v1.yaml")
    assert "http[1]" in abort.message and abort.line == 18
    (delay,) = hits(result, "RES203", "istio__bookinfo_virtual-service-ratings-test-delay.yaml")
    assert "http[1]" in delay.message and delay.line == 22


def test_no_retry_findings_without_retries_blocks(result):
    # no VirtualService in the corpus writes a retries block
    for rule_id in ("RES204", "RES205", "RES415"):
        assert not hits(result, rule_id)


# ------------------------------------------------------------------ RES206 / RES207
def test_gateway_httproute_without_request_timeout(result):
    (found,) = hits(result, "RES206")
    assert found.resource == "HTTPRoute/default/frontend-route"
    assert "forwards to frontend with no request timeout" in found.message and found.line == 57
    assert not hits(result, "RES207")


# ------------------------------------------------------------------ RES208 / RES414
def test_jobs_without_deadline(result):
    found = {(Path(f.file).name, f.resource) for f in hits(result, "RES208")}
    assert found == {
        ("kube-score__cronjob-batchv1.yaml", "CronJob/default/cronjob-test"),
        ("kube-score__job-batchv1.yaml", "Job/default/pi"),
        ("polaris__test_1_cron_job.yaml", "CronJob/default/test"),
    }
    # job "pi" sets backoffLimit: 4, below the threshold
    assert not hits(result, "RES414")


# ------------------------------------------------------------------ RES513
def test_destination_rules_without_outlier_detection(result):
    found = {(Path(f.file).name, f.resource) for f in hits(result, "RES513")}
    assert found == {
        ("istio__bookinfo_destination-rule-all.yaml", "DestinationRule/default/productpage"),
        ("istio__bookinfo_destination-rule-all.yaml", "DestinationRule/default/reviews"),
        ("istio__bookinfo_destination-rule-all.yaml", "DestinationRule/default/ratings"),
        ("istio__bookinfo_destination-rule-all.yaml", "DestinationRule/default/details"),
        ("istio__bookinfo_fault-injection-details-v1.yaml", "DestinationRule/default/details"),
    }
