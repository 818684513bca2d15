"""RES118/RES119: stateful services run by Kubernetes operators, sized in
their custom resources (Prometheus, Alertmanager, ThanosRuler, CloudNativePG,
Zalando's, Crunchy Data's, StackGres' and Kubegres' PostgreSQL operators, MongoDB
Community, Percona's XtraDB Cluster and Server for MongoDB, MariaDB, Cassandra
(cass-operator), Altinity's ClickHouse, Strimzi Kafka, RabbitMQ, ECK Elasticsearch).

Each count is judged against the operator's documented default
(`OPERATOR_SIZES`, the one table the rule, its docs and docs/rules.md's
workload table read).
"""

from __future__ import annotations

from typing import Any, Iterator, TYPE_CHECKING

from dataclasses import dataclass

from linter import attribute_facts
from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import rule
from linter.rules._k8s import display, in_namespace
from linter.rules._values import as_int, setting

if TYPE_CHECKING:
    from linter.engine import Context
    from linter.rules import RuleCheck

PROMETHEUS = "monitoring.coreos.com/Prometheus"
ALERTMANAGER = "monitoring.coreos.com/Alertmanager"
THANOS_RULER = "monitoring.coreos.com/ThanosRuler"
CNPG_CLUSTER = "postgresql.cnpg.io/Cluster"
KAFKA = "kafka.strimzi.io/Kafka"
KAFKA_NODE_POOL = "kafka.strimzi.io/KafkaNodePool"
RABBITMQ = "rabbitmq.com/RabbitmqCluster"
ELASTICSEARCH = "elasticsearch.k8s.elastic.co/Elasticsearch"
ZALANDO_POSTGRES = "acid.zalan.do/postgresql"
CRUNCHY_POSTGRES = "postgres-operator.crunchydata.com/PostgresCluster"
MONGODB_COMMUNITY = "mongodbcommunity.mongodb.com/MongoDBCommunity"
MARIADB = "k8s.mariadb.com/MariaDB"
PERCONA_XTRADB = "pxc.percona.com/PerconaXtraDBCluster"
PERCONA_MONGODB = "psmdb.percona.com/PerconaServerMongoDB"
STACKGRES = "stackgres.io/SGCluster"
KUBEGRES = "kubegres.reactive-tech.io/Kubegres"
CASSANDRA = "cassandra.datastax.com/CassandraDatacenter"
CLICKHOUSE = "clickhouse.altinity.com/ClickHouseInstallation"


@dataclass(frozen=True)
class OperatorSize:
    kind: str             # the custom resource's type
    field: str            # the count, as the custom resource names it
    what: str             # what one of them is
    source: str           # the operator's API reference

    @property
    def default(self) -> Any:
        """The operator's documented default, from the Kubernetes table of
        linter.attribute_facts (None: required, an unset count is not judged)."""
        return attribute_facts.default(self.kind, self.field)


def _sizes(*sizes: OperatorSize) -> dict[str, OperatorSize]:
    return {size.kind: size for size in sizes}


OPERATOR_SIZES: dict[str, OperatorSize] = _sizes(
    OperatorSize(
        PROMETHEUS, "spec.replicas", "Prometheus server (per shard)",
        "https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec"),
    OperatorSize(
        ALERTMANAGER, "spec.replicas", "Alertmanager",
        "https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.AlertmanagerSpec"),
    OperatorSize(
        THANOS_RULER, "spec.replicas", "Thanos Ruler",
        "https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ThanosRulerSpec"),
    OperatorSize(
        CNPG_CLUSTER, "spec.instances", "PostgreSQL instance (1 primary + standbys)",
        "https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/#postgresql-cnpg-io-v1-ClusterSpec"),
    OperatorSize(
        RABBITMQ, "spec.replicas", "RabbitMQ node",
        "https://www.rabbitmq.com/kubernetes/operator/using-operator#replicas"),
    OperatorSize(
        KAFKA, "spec.kafka.replicas", "Kafka broker (or the broker pools' spec.replicas)",
        "https://strimzi.io/docs/operators/latest/configuring.html#type-KafkaClusterSpec-reference"),
    OperatorSize(
        KAFKA_NODE_POOL, "spec.replicas", "Kafka node of the pool",
        "https://strimzi.io/docs/operators/latest/configuring.html#type-KafkaNodePoolSpec-reference"),
    OperatorSize(
        ELASTICSEARCH, "spec.nodeSets[].count", "Elasticsearch node (all nodeSets together)",
        "https://www.elastic.co/guide/en/cloud-on-k8s/current/k8s-api-elasticsearch-k8s-elastic-co-v1.html"),
    OperatorSize(
        ZALANDO_POSTGRES, "spec.numberOfInstances", "PostgreSQL instance (1 primary + replicas)",
        "https://postgres-operator.readthedocs.io/en/latest/reference/cluster_manifest/"),
    OperatorSize(
        CRUNCHY_POSTGRES, "spec.instances[].replicas", "PostgreSQL instance (all instance sets together)",
        "https://access.crunchydata.com/documentation/postgres-operator/latest/references/crd/5.7.x/postgrescluster"),
    OperatorSize(
        MONGODB_COMMUNITY, "spec.members", "MongoDB replica set member",
        "https://github.com/mongodb/mongodb-kubernetes-operator/blob/master/docs/deploy-configure.md"),
    OperatorSize(
        MARIADB, "spec.replicas", "MariaDB server",
        "https://github.com/mariadb-operator/mariadb-operator/blob/main/docs/api_reference.md"),
    OperatorSize(
        PERCONA_XTRADB, "spec.pxc.size", "Percona XtraDB Cluster node",
        "https://docs.percona.com/percona-operator-for-mysql/pxc/operator.html"),
    OperatorSize(
        PERCONA_MONGODB, "spec.replsets[].size", "MongoDB replica set member (each replica set)",
        "https://docs.percona.com/percona-operator-for-mongodb/operator.html"),
    OperatorSize(
        STACKGRES, "spec.instances", "PostgreSQL instance",
        "https://stackgres.io/doc/latest/reference/crd/sgcluster/"),
    OperatorSize(
        KUBEGRES, "spec.replicas", "PostgreSQL instance",
        "https://www.kubegres.io/doc/properties-explained.html"),
    OperatorSize(
        CASSANDRA, "spec.size", "Cassandra node",
        "https://docs.k8ssandra.io/reference/crd/cass-operator-crds-latest/"),
    OperatorSize(
        CLICKHOUSE, "spec.configuration.clusters[].layout.replicasCount", "ClickHouse replica of each shard (each cluster)",
        "https://github.com/Altinity/clickhouse-operator/blob/master/docs/custom_resource_explained.md"),
)

_SIMPLE = (PROMETHEUS, ALERTMANAGER, THANOS_RULER, CNPG_CLUSTER, RABBITMQ, ZALANDO_POSTGRES, MONGODB_COMMUNITY,
           MARIADB, PERCONA_XTRADB, STACKGRES, KUBEGRES, CASSANDRA)
# kinds sized per element of a list (a replica set, a cluster): each element of one is reported
_PER_ELEMENT = {PERCONA_MONGODB: ("spec.replsets", "size", "replica set {name} has 1 member"),
                CLICKHOUSE: ("spec.configuration.clusters", "layout.replicasCount",
                             "cluster {name} keeps 1 replica of each shard")}
CLUSTER_LABEL = "strimzi.io/cluster"
NODE_POOLS_ANNOTATION = "strimzi.io/node-pools"


def _defaults_table() -> str:
    rows = ["| Kind | Field | Default | Source |", "|---|---|---|---|"]
    for kind, size in OPERATOR_SIZES.items():
        default = "required (unset: not judged)" if size.default is None else str(size.default)
        rows.append(f"| `{kind}` | `{size.field}` | {default} | {size.source} |")
    return "\n    ".join(rows)


def _with_defaults_table(fn: RuleCheck) -> RuleCheck:
    """The defaults table, from OPERATOR_SIZES, in the rule's docs."""
    fn.__doc__ = (fn.__doc__ or "").replace("{table}", _defaults_table())
    return fn


def _single(r: Resource, ctx: Context, path: str, noun: str) -> Iterator[Violation]:
    count = setting(r, path)  # unset: the operator's default (linter.attribute_facts)
    if count.unknown:
        return
    if count.defaulted:
        if count.value == 1:
            yield Violation(f"{display(r, ctx.index)} runs 1 {noun}: {count.describe()}", path="spec", unset=path)
        return
    if as_int(count.value) == 1:
        yield Violation(f"{display(r, ctx.index)} runs 1 {noun} ({path}: 1)", path=path)


def _pool_roles(pool: Resource) -> list[Any] | None:
    roles = pool.get("spec.roles")
    if is_unknown(roles) or not isinstance(roles, list):
        return None
    return roles


def _kafka_pools(r: Resource, ctx: Context) -> list[Resource] | None:
    """KafkaNodePools of this cluster (label strimzi.io/cluster), None when a label is unknown."""
    out: list[Resource] = []
    for pool in in_namespace(ctx.index, (KAFKA_NODE_POOL,), ctx.index.namespace_of(r)):
        labels = pool.get("metadata.labels")
        if is_unknown(labels):
            return None
        if isinstance(labels, dict) and labels.get(CLUSTER_LABEL) == r.name:
            out.append(pool)
    return out


def _kafka(r: Resource, ctx: Context) -> Iterator[Violation]:
    what = display(r, ctx.index)
    brokers = r.get("spec.kafka.replicas")
    notes = r.get("metadata.annotations")
    if is_unknown(brokers) or is_unknown(notes):
        return
    if isinstance(notes, dict) and notes.get(NODE_POOLS_ANNOTATION) == "enabled":
        brokers = None  # Strimzi ignores spec.kafka.replicas: the pools size the cluster
    if brokers is not None:
        if as_int(brokers) == 1:
            yield Violation(f"{what} runs 1 Kafka broker (spec.kafka.replicas: 1)", path="spec.kafka.replicas")
    else:  # node pools size the cluster
        pools = _kafka_pools(r, ctx)
        if not pools:
            return  # unknown labels, or the pools are not in the scanned files
        for role, noun in (("broker", "Kafka broker"), ("controller", "KRaft controller")):
            chosen: list[Resource] = []
            for pool in pools:
                roles = _pool_roles(pool)
                if roles is None:
                    return
                if role in roles:
                    chosen.append(pool)
            counts = [as_int(p.get("spec.replicas")) for p in chosen]
            known = [c for c in counts if c is not None]
            if not chosen or len(known) != len(counts):
                continue
            if sum(known) == 1:
                names = ", ".join(p.name for p in chosen)
                yield Violation(f"{what} runs 1 {noun}: its KafkaNodePools with role {role} ({names}) "
                                "total spec.replicas: 1", path="spec")
    zookeeper = r.get("spec.zookeeper.replicas")
    if not is_unknown(zookeeper) and zookeeper is not None and as_int(zookeeper) == 1:
        yield Violation(f"{what} runs a ZooKeeper ensemble of 1 (spec.zookeeper.replicas: 1)",
                        path="spec.zookeeper.replicas")


def _elasticsearch(r: Resource, ctx: Context) -> Iterator[Violation]:
    node_sets = r.get("spec.nodeSets")
    if is_unknown(node_sets) or not isinstance(node_sets, list) or not node_sets:
        return
    total = 0
    for node_set in node_sets:
        count = as_int(node_set.get("count")) if isinstance(node_set, dict) else None
        if count is None:
            return  # required by ECK; unset or not known yet: not judged
        total += count
    if total == 1:
        yield Violation(
            f"{display(r, ctx.index)} runs 1 Elasticsearch node (spec.nodeSets count totals 1): every shard has "
            "its only copy there, and replicas stay unassigned",
            path="spec.nodeSets.0.count" if len(node_sets) == 1 else "spec.nodeSets",
        )


def _each_element(r: Resource, ctx: Context) -> Iterator[Violation]:
    """A replica set, a cluster: each element of the list that runs 1 (its count written 1,
    or unset and the operator's default 1)."""
    where, field, says = _PER_ELEMENT[r.type]
    elements = r.get(where)
    if is_unknown(elements) or not isinstance(elements, list):
        return
    what = display(r, ctx.index)
    for n, element in enumerate(elements):
        if not isinstance(element, dict):
            continue
        if r.type == CLICKHOUSE and isinstance(element.get("layout"), dict) \
                and ("shards" in element["layout"] or "replicas" in element["layout"]):
            continue  # shards or replicas listed one by one: each may set its own count
        name = element.get("name")
        shown = f"{where}[{n}].{field}"
        count = setting(r, f"{where}.{n}.{field}", shown=shown)
        if count.unknown or is_unknown(name) or as_int(count.value) != 1:
            continue
        message = f"{what}: {says.format(name=name if isinstance(name, str) else n)}"
        if count.defaulted:
            yield Violation(f"{message}: {count.describe()}", path=f"{where}.{n}", unset=f"{where}.{n}.{field}")
        else:
            yield Violation(f"{message} ({shown}: 1)", path=f"{where}.{n}.{field}")


def _crunchy_postgres(r: Resource, ctx: Context) -> Iterator[Violation]:
    instance_sets = r.get("spec.instances")
    if is_unknown(instance_sets) or not isinstance(instance_sets, list) or not instance_sets:
        return  # required by the operator: not there, or not known yet
    counts = [setting(r, f"spec.instances.{n}.replicas", shown=f"spec.instances[{n}].replicas")
              for n in range(len(instance_sets))]  # unset: 1 each (linter.attribute_facts)
    values = [None if c.unknown else as_int(c.value) for c in counts]
    if None in values or sum(v for v in values if v is not None) != 1:
        return
    what = display(r, ctx.index)
    if len(counts) > 1:
        yield Violation(f"{what} runs 1 PostgreSQL instance: its {len(counts)} instance sets total 1 replica "
                        "(spec.instances[].replicas)", path="spec.instances")
    elif counts[0].defaulted:
        yield Violation(f"{what} runs 1 PostgreSQL instance: {counts[0].describe()}", path="spec.instances.0",
                        unset="spec.instances.0.replicas")
    else:
        yield Violation(f"{what} runs 1 PostgreSQL instance (spec.instances[0].replicas: 1)",
                        path="spec.instances.0.replicas")


@rule(
    id="RES118",
    name="k8s-operator-cluster-single-member",
    title="Operator-managed stateful service runs a single member.",
    severity=Severity.MEDIUM,
    types=(*_SIMPLE, KAFKA, ELASTICSEARCH, CRUNCHY_POSTGRES, *_PER_ELEMENT),
    remediation="Run 2 or more members (3 for quorum-based services: RabbitMQ, KRaft/ZooKeeper, MongoDB replica sets, PostgreSQL with synchronous standbys, Elasticsearch masters).",
    cross=True,
)
@_with_defaults_table
def operator_cluster_single_member(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports custom resources that size a stateful service run by a
    Kubernetes operator when the service runs a single member, judging an
    unset count by the operator's documented default:

    {table}

    Prometheus, Alertmanager and ThanosRuler (prometheus-operator),
    CloudNativePG `Cluster`, `RabbitmqCluster` and MariaDB are reported when
    the count is 1 or unset; Zalando's `postgresql`, `MongoDBCommunity`,
    `PerconaXtraDBCluster`, StackGres' `SGCluster`, `Kubegres` and
    `CassandraDatacenter` when it is 1 (they require it). Crunchy Data's
    `PostgresCluster`: the `replicas` of all its `instances` sets (each 1
    when unset) total 1. `PerconaServerMongoDB`: each replica set of `size`
    1; Altinity's `ClickHouseInstallation`: each cluster whose layout keeps 1
    replica of each shard (`replicasCount`, 1 when unset; one that lists its
    shards or replicas one by one is not judged). Strimzi `Kafka`: `spec.kafka.replicas: 1`, or, when
    KafkaNodePools size the cluster (annotation `strimzi.io/node-pools:
    enabled`, or no `spec.kafka.replicas`), the pools
    labelled `strimzi.io/cluster: <name>` in the namespace whose `roles`
    include `broker` (or `controller`) total 1 replica; a ZooKeeper-based
    cluster with `spec.zookeeper.replicas: 1` too. ECK `Elasticsearch`: the
    `count` of all `nodeSets` totals 1. A count of 0 (paused) is not
    reported; required counts that are unset, pools not in the scanned
    files and values not known yet are not judged.

    Why is this bad?
    The operator runs exactly what the resource asks for: with one member a
    node drain, an eviction or a crash takes the database, broker, alerting
    or monitoring down until the pod is rescheduled and its volume
    re-attached, and there is no second copy of the data.

    Example
    ```yaml
    apiVersion: postgresql.cnpg.io/v1
    kind: Cluster
    metadata: {name: orders}
    spec:
      storage: {size: 10Gi}        # instances unset: 1
    ```

    Use instead
    ```yaml
    spec:
      instances: 3
      storage: {size: 10Gi}
    ```

    References
    - https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/
    - each operator's API reference for the replica field and its default: the table of Kubernetes workload kinds (docs/rules.md)
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    if r.type in _SIMPLE:
        size = OPERATOR_SIZES[r.type]
        yield from _single(r, ctx, size.field, size.what.split(" (")[0])
    elif r.type == KAFKA:
        yield from _kafka(r, ctx)
    elif r.type == ELASTICSEARCH:
        yield from _elasticsearch(r, ctx)
    elif r.type == CRUNCHY_POSTGRES:
        yield from _crunchy_postgres(r, ctx)
    elif r.type in _PER_ELEMENT:
        yield from _each_element(r, ctx)


@rule(
    id="RES119",
    name="strimzi-kafka-replication-unsafe",
    title="Kafka cluster config keeps one copy of new topics, or blocks writes when one broker is down.",
    severity=Severity.MEDIUM,
    types=(KAFKA,),
    remediation="Set default.replication.factor: 3 and min.insync.replicas: 2 in spec.kafka.config (with 3 or more brokers).",
)
def strimzi_kafka_replication(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reads `spec.kafka.config` of a Strimzi `Kafka` and reports, where the
    cluster config sets them:
    * `default.replication.factor` below 2 (Kafka's own default is 1, but
      an unset value is left alone: topics are often created with an
      explicit factor): every automatically created topic keeps one copy;
    * `min.insync.replicas` at least the replication factor (the one set in
      the config, else Kafka's default 1) when that factor is 2 or more:
      producers using `acks=all` fail as soon as one replica's broker
      restarts.
    Values that are not known yet are not judged.

    Why is this bad?
    With one copy a broker's loss loses the partitions it led; with
    `min.insync.replicas` equal to the replication factor every rolling
    restart of the cluster (which Strimzi performs for upgrades and config
    changes) blocks writes to every partition of the restarting broker.

    Example
    ```yaml
    kafka:
      replicas: 3
      config:
        default.replication.factor: 1
        min.insync.replicas: 1
    ```

    Use instead
    ```yaml
    kafka:
      replicas: 3
      config:
        default.replication.factor: 3
        min.insync.replicas: 2
    ```

    References
    - https://strimzi.io/docs/operators/latest/configuring.html#type-KafkaClusterSpec-reference (`spec.kafka.config`: `default.replication.factor`, `min.insync.replicas`)
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    config = r.get("spec.kafka.config")
    if not isinstance(config, dict):
        return
    raw_rf, raw_isr = config.get("default.replication.factor"), config.get("min.insync.replicas")
    if is_unknown(raw_rf) or is_unknown(raw_isr):
        return
    what = display(r, ctx.index)
    rf = as_int(raw_rf) if raw_rf is not None else None
    if rf is not None and rf < 2:
        yield Violation(
            f"{what} sets default.replication.factor: {raw_rf} in spec.kafka.config: automatically created "
            "topics keep a single copy, lost with its broker",
            path="spec.kafka.config",
        )
        return
    isr = as_int(raw_isr) if raw_isr is not None else None
    factor = rf if rf is not None else 1
    if isr is not None and factor >= 2 and isr >= factor:
        source = f"default.replication.factor: {raw_rf}" if rf is not None else "Kafka's default replication factor 1"
        yield Violation(
            f"{what} sets min.insync.replicas: {raw_isr} with {source}: acks=all producers fail whenever one "
            "replica's broker restarts (every rolling update)",
            path="spec.kafka.config",
        )
