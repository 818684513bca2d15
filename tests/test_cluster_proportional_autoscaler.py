"""A cluster-proportional-autoscaler (kubernetes-sigs; kube-dns's and calico-typha's in
kubernetes' cluster/addons, the CoreDNS chart's `autoscaler`) owns its `--target`'s replica
count as an HPA does: RES101 leaves the target alone (before, calico-typha, whose replicas are
unset, was reported as running 1 replica), RES103 judges the floor the autoscaler's params give
on a cluster of 2 nodes, and the rules that count replicas (RES501, RES505) count that floor."""

from __future__ import annotations

import json

import pytest

from linter.engine import ScanOptions, scan


def autoscaler(*flags: str, namespace: str = "kube-system", image: str = "registry.k8s.io/cpa/"
               "cluster-proportional-autoscaler:v1.8.9", key: str = "command") -> str:
    words = ["/cluster-proportional-autoscaler", *flags] if key == "command" else list(flags)
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: scaler, namespace: {namespace}}}\n"
            "spec:\n  replicas: 2\n  selector: {matchLabels: {app: scaler}}\n  template:\n"
            "    metadata: {labels: {app: scaler}}\n    spec:\n      containers:\n      - name: autoscaler\n"
            f"        image: {image}\n        {key}: {json.dumps(words)}\n")


def target(name: str = "dns", namespace: str = "kube-system") -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
            f"spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n"
            f"    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: c, image: nginx}}]\n")


def config_map(mode: str, params: dict, name: str = "scaler", namespace: str = "kube-system") -> str:
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
            f"data:\n  {mode}: {json.dumps(json.dumps(params))}\n")


def judged(tmp_path, *documents: str, select=("RES101", "RES103")) -> list[tuple[str, str]]:
    (tmp_path / "addons.yaml").write_text("---\n".join(documents))
    result = scan([str(tmp_path)], ScanOptions(select=list(select)))
    assert result.errors == []
    return sorted((f.rule_id, f.resource) for f in result.findings)


FLOOR_ONE = "give it 1 replica on a cluster of 2 nodes"
LINEAR = {"coresPerReplica": 256, "nodesPerReplica": 16}


@pytest.mark.parametrize("mode, params, fires", [
    ("linear", LINEAR, True),  # 1 replica below 16 nodes
    ("linear", {**LINEAR, "preventSinglePointFailure": True}, False),  # 2 on more than one node
    ("linear", {**LINEAR, "min": 2}, False),
    ("linear", {**LINEAR, "min": 2, "max": 1, "preventSinglePointFailure": True}, False),  # PSF after max
    ("linear", {"coresPerReplica": 256, "nodesPerReplica": 1}, False),  # a replica a node
    ("linear", {"coresPerReplica": 0, "nodesPerReplica": 0}, None),  # refused by the autoscaler: not known
    ("linear", {"nodesPerReplica": "16"}, None),
    ("ladder", {"nodesToReplicas": [[1, 1], [10, 2]]}, True),  # calico-typha's
    ("ladder", {"nodesToReplicas": [[1, 1], [2, 2]]}, False),
    ("ladder", {"nodesToReplicas": [[5, 1]], "coresToReplicas": [[1, 2], [64, 3]]}, False),  # cores give 2
    ("ladder", {"nodesToReplicas": [[3, 2], [10, 3]]}, False),  # below the first step: its replicas
    ("ladder", {"nodesToReplicas": [[1, 0], [10, 2]], "coresToReplicas": [[1, 0]]}, False),  # 0: on purpose
    ("ladder", {"nodesToReplicas": [[1, 0], [10, 2]]}, True),  # a list left out gives 1
])
def test_the_floor_of_its_params_on_a_cluster_of_two_nodes(tmp_path, mode, params, fires):
    found = judged(tmp_path, config_map(mode, params), autoscaler("--configmap=scaler", "--target=deployment/dns"),
                   target())
    # the target's own replicas are unset: the autoscaler owns them, as an HPA would
    assert ("RES101", "Deployment/kube-system/dns") not in found
    assert (("RES103", "Deployment/kube-system/scaler") in found) is bool(fires)


def test_the_message_says_which_params_give_the_one_replica_and_where_they_are(tmp_path):
    text = "---\n".join([config_map("ladder", {"nodesToReplicas": [[1, 1], [10, 2]]}),
                          autoscaler("--configmap=scaler", "--target=deployment/dns")])
    (tmp_path / "addons.yaml").write_text(text)
    [finding] = scan([str(tmp_path)], ScanOptions(select=["RES103"])).findings
    assert finding.message == (
        'Deployment kube-system/scaler runs cluster-proportional-autoscaler for Deployment kube-system/dns, and '
        'its ladder params {"nodesToReplicas": [[1, 1], [10, 2]]} (ConfigMap kube-system/scaler data.ladder) '
        f"{FLOOR_ONE}")
    assert "preventSinglePointFailure" in finding.remediation
    assert finding.line == text[:text.index("command:")].count("\n") + 1  # its flags


def test_a_config_map_in_the_scan_wins_over_the_default_params(tmp_path):
    defaults = '--default-params={"linear": {"nodesPerReplica": 16, "preventSinglePointFailure": true}}'
    assert judged(tmp_path, config_map("linear", LINEAR), autoscaler("--configmap=scaler", "--target=deployment/dns",
                                                                      defaults)) == [
        ("RES103", "Deployment/kube-system/scaler")]
    # without one, the defaults are what it makes
    (tmp_path / "addons.yaml").unlink()
    assert judged(tmp_path, autoscaler("--configmap=scaler", "--target=deployment/dns", defaults), target()) == []


@pytest.mark.parametrize("flags", [
    ("--configmap=scaler", "--target", "Deployment/dns"),  # a flag's value as the next word
    ("--configmap", "scaler", "--target=deployment/dns", "--logtostderr=true", "--v=2"),
])
def test_its_flags_are_read_as_the_autoscaler_reads_them(tmp_path, flags):
    assert judged(tmp_path, config_map("linear", LINEAR), autoscaler(*flags), target()) == [
        ("RES103", "Deployment/kube-system/scaler")]


def test_each_of_several_targets_is_judged(tmp_path):
    (tmp_path / "addons.yaml").write_text("---\n".join([
        config_map("linear", LINEAR), autoscaler("--configmap=scaler", "--target=deployment/dns,deployment/api"),
        target(), target("api")]))
    found = scan([str(tmp_path)], ScanOptions(select=["RES101", "RES103"])).findings
    assert sorted(f.message.split(" for ")[1].split(",")[0] for f in found) == [
        "Deployment kube-system/api", "Deployment kube-system/dns"]


def test_its_target_is_in_the_namespace_its_flag_names_else_its_own(tmp_path):
    # --namespace names where the target and the ConfigMap are; without it, the autoscaler's own
    found = judged(tmp_path, config_map("linear", LINEAR, namespace="dns"),
                   autoscaler("--configmap=scaler", "--target=deployment/dns", "--namespace=dns", namespace="ops"),
                   target(namespace="dns"), target(namespace="ops"))
    assert found == [("RES101", "Deployment/ops/dns"), ("RES103", "Deployment/ops/scaler")]


def test_the_image_is_known_by_its_name_whatever_the_registry_and_architecture(tmp_path):
    image = "k8s.gcr.io/cluster-proportional-autoscaler-amd64:1.7.1"
    assert judged(tmp_path, config_map("linear", LINEAR), autoscaler("--configmap=scaler", "--target=deployment/dns",
                                                                      image=image), target()) == [
        ("RES103", "Deployment/kube-system/scaler")]
    (tmp_path / "addons.yaml").unlink()  # another image with these flags owns nothing
    assert judged(tmp_path, autoscaler("--configmap=scaler", "--target=deployment/dns", image="acme/scaler:1"),
                  target()) == [("RES101", "Deployment/kube-system/dns")]


@pytest.mark.parametrize("documents", [
    # its ConfigMap is made elsewhere (no default params): the floor is not known
    lambda: [autoscaler("--configmap=scaler", "--target=deployment/dns"), target()],
    # a ConfigMap whose params it cannot read
    lambda: [config_map("linear", LINEAR).replace('"{', '"{{'), autoscaler("--configmap=scaler",
                                                                            "--target=deployment/dns"), target()],
])
def test_params_not_known_here_are_not_judged(tmp_path, documents):
    found = judged(tmp_path, *documents(), select=("RES101", "RES103", "RES501"))
    assert [f for f in found if f[1] != "Deployment/kube-system/scaler" or f[0] != "RES501"] == []


def test_the_rules_that_count_replicas_count_its_floor(tmp_path):
    params = {**LINEAR, "preventSinglePointFailure": True}
    (tmp_path / "addons.yaml").write_text("---\n".join([
        config_map("linear", params), autoscaler("--configmap=scaler", "--target=deployment/dns"), target()]))
    [finding] = [f for f in scan([str(tmp_path)], ScanOptions(select=["RES501"])).findings
                 if f.resource == "Deployment/kube-system/dns"]
    assert finding.message.startswith(
        "Deployment kube-system/dns keeps at least 2 replicas on a cluster of 2 nodes (cluster-proportional-"
        "autoscaler Deployment kube-system/scaler) and no PodDisruptionBudget")
