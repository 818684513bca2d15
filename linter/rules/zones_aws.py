"""RES30x for AWS: databases, caches, brokers and file systems kept in one zone."""

from __future__ import annotations

from typing import Any, Iterator, TYPE_CHECKING

from linter.model import EXPANSION_KEYS, TEMPLATE_MODULE, Resource, Severity, Violation, is_unknown
from linter.rules import rule
from linter.rules._datastores import engine_of, is_aurora, is_rds_read_replica, written
from linter.rules._refs import possible_targets
from linter.rules._values import as_bool, as_int, setting

if TYPE_CHECKING:
    from linter.engine import Context
    from linter.index import Index


@rule(
    id="RES301",
    name="aws-rds-instance-not-multi-az",
    title="RDS DB instance is Single-AZ.",
    severity=Severity.HIGH,
    types=("aws_db_instance",),
    remediation="Set multi_az = true (and drop a fixed availability_zone).",
)
def rds_instance_not_multi_az(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports RDS DB instances whose effective `multi_az` is false. `multi_az`
    unset means Single-AZ: RDS creates a standby only when MultiAZ is true
    (in a plan an unset `multi_az` shows as "known after apply"; the rule
    reads the configuration to tell "unset" from "unknown"). Read replicas
    (`replicate_source_db` set) are reported at low severity; Aurora instances
    (`engine = "aurora*"`) are judged by RES302; a `multi_az` computed from an
    expression not known before apply is not reported.

    Why is this bad?
    A Single-AZ instance lives on one host in one Availability Zone. A host
    failure or a zone outage takes the database down until RDS replaces the
    host or you restore a backup; with Multi-AZ, RDS fails over to a
    synchronous standby in another zone in a minute or two.

    Example
    ```hcl
    resource "aws_db_instance" "orders" {
      engine         = "postgres"
      instance_class = "db.m6g.large"
      # multi_az unset: Single-AZ
    }
    ```

    Use instead
    ```hcl
    resource "aws_db_instance" "orders" {
      engine         = "postgres"
      instance_class = "db.m6g.large"
      multi_az       = true
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance
    - https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    aurora = is_aurora(r)
    if aurora is None or aurora:
        return  # an unknown engine may be Aurora; Aurora instances: RES302
    multi_az = setting(r, "multi_az")
    if multi_az.unknown or as_bool(multi_az.value) is not False:
        return
    zone = r.get("availability_zone")
    where = f" in {zone}" if isinstance(zone, str) and zone else ""
    if is_rds_read_replica(r):
        yield Violation(
            f"RDS read replica {r.address} is Single-AZ{where}: {multi_az.describe()}",
            path=None if multi_az.defaulted else "multi_az",
            severity=Severity.LOW,
            remediation="Set multi_az = true on read replicas that serve production reads or are promotion targets.",
        )
        return
    yield Violation(
        f"RDS instance {r.address} is Single-AZ{where}: {multi_az.describe()}, "
        "so a host or zone failure takes the database down",
        path=None if multi_az.defaulted else "multi_az",
    )


# ------------------------------------------------------------------ RES302
CLUSTER_INSTANCE_TYPES = {
    "aws_rds_cluster": "aws_rds_cluster_instance",
    "aws_docdb_cluster": "aws_docdb_cluster_instance",
    "aws_neptune_cluster": "aws_neptune_cluster_instance",
}
CLUSTER_NOUN = {
    "aws_rds_cluster": "Aurora cluster",
    "aws_docdb_cluster": "DocumentDB cluster",
    "aws_neptune_cluster": "Neptune cluster",
}


def _instance_count(inst: Resource) -> int | None:
    """How many instances one resource stands for: a literal count/for_each
    in HCL (the block is a template), 1 for an expanded plan or Pulumi
    instance, None when count/for_each is not known (its own, or its module call's)."""
    if TEMPLATE_MODULE in inst.meta:
        return None
    for key in EXPANSION_KEYS:
        value = inst.meta.get(key, inst.attrs.get(key) if inst.source_format == "hcl" else None)
        if value is None:
            continue
        if is_unknown(value):
            return None
        if key == "count":
            return as_int(value)
        if isinstance(value, (list, dict, set, tuple)):
            return len(value)
        return None
    return 1


def _cluster_of(inst: Resource, index: Index) -> tuple[Resource | None, bool]:
    """The cluster resource an instance's cluster_identifier names, or None.

    Tried in order: the configuration's references (plan, HCL), an Unknown's
    references (HCL, Pulumi preview), a known id (Pulumi export: the
    cluster's id), a known cluster_identifier value (plan after).
    Returns (cluster or None, resolved?) where resolved is False when the
    identifier is not known at all (it could name any cluster).
    """
    cluster_type = next(c for c, i in CLUSTER_INSTANCE_TYPES.items() if i == inst.type)
    candidates = list(inst.refs.get("cluster_identifier", []))
    value = inst.get("cluster_identifier")
    if is_unknown(value):
        candidates.extend(value.refs)
    for ref in candidates:
        found = index.resolve(ref)
        if found is not None and found.type == cluster_type:
            return found, True
    if isinstance(value, str) and value:
        found = index.by_id(value)
        if found is not None and found.type == cluster_type:
            return found, True
        by_name = index.memo(
            f"RES302:{cluster_type}:by-identifier",
            lambda idx: {
                c.get("cluster_identifier"): c
                for c in idx.by_type(cluster_type)
                if isinstance(c.get("cluster_identifier"), str)
            },
        )
        if value in by_name:
            return by_name[value], True
        return None, True  # a known name of a cluster outside the scanned files
    if candidates and all(_names_a_resource(ref) for ref in candidates):
        return None, True  # references to resources outside the scanned files
    return None, False  # var./local./module outputs: could be any cluster


def _names_a_resource(ref: str) -> bool:
    root = ref.split(".", 1)[0].split("[", 1)[0]
    return root not in ("var", "local", "module", "each", "count", "self", "path", "terraform")


def _instances_by_cluster(index: Index) -> tuple[dict[str, list[tuple[Resource, int | None]]], set[str]]:
    """cluster address -> [(instance, its instance count or None)]; plus the
    cluster types that have an instance whose cluster cannot be told, and the clusters
    an instance may belong to, not knowing which (a plan's `aws_rds_cluster.c[each.key].id`)."""
    counts: dict[str, list[tuple[Resource, int | None]]] = {}
    ambiguous: set[str] = set()
    for cluster_type, instance_type in CLUSTER_INSTANCE_TYPES.items():
        for inst in index.by_type(instance_type):
            cluster, resolved = _cluster_of(inst, index)
            if not resolved:
                possible = possible_targets(index, inst.get("cluster_identifier"), inst, (cluster_type,),
                                            "cluster_identifier")
                ambiguous.update([cluster_type] if possible is None else [c.address for c in possible])
            elif cluster is not None:
                counts.setdefault(cluster.address, []).append((inst, _instance_count(inst)))
    return counts, ambiguous


@rule(
    id="RES302",
    name="aws-aurora-cluster-single-instance",
    title="Aurora (or DocumentDB/Neptune) cluster has only one instance.",
    severity=Severity.HIGH,
    types=tuple(CLUSTER_INSTANCE_TYPES),
    remediation="Add a second cluster instance (count = 2 on the instance resource) so a reader in another AZ can take over.",
    cross=True,
)
def cluster_single_instance(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Counts the cluster instances (`aws_rds_cluster_instance`,
    `aws_docdb_cluster_instance`, `aws_neptune_cluster_instance`) whose
    `cluster_identifier` references each cluster, expanding a literal
    `count`/`for_each`, and reports clusters with exactly one. Silent when an
    instance's count is not known, when no instance is found in the scanned
    files (they may live elsewhere), for Aurora Serverless v1
    (`engine_mode = "serverless"`) and for RDS Multi-AZ DB clusters
    (`engine` mysql/postgres with `db_cluster_instance_class`, where AWS
    provisions the instances).

    Why is this bad?
    The cluster volume is replicated over three zones, but compute is not:
    with one instance, a failure of its host or zone means waiting for a new
    instance to be created (ten minutes or more) instead of a failover to a
    reader in another zone in about a minute.

    Example
    ```hcl
    resource "aws_rds_cluster_instance" "main" {
      cluster_identifier = aws_rds_cluster.main.id
      instance_class     = "db.r6g.large"
      engine             = aws_rds_cluster.main.engine
    }
    ```

    Use instead
    ```hcl
    resource "aws_rds_cluster_instance" "main" {
      count              = 2
      cluster_identifier = aws_rds_cluster.main.id
      instance_class     = "db.r6g.large"
      engine             = aws_rds_cluster.main.engine
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/rds_cluster_instance
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/rds_cluster
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    engine_mode = r.get("engine_mode")
    if is_unknown(engine_mode) or engine_mode == "serverless":
        return
    engine = engine_of(r)
    if r.type == "aws_rds_cluster":
        if is_unknown(engine):
            return
        if engine in ("mysql", "postgres") and written(r, "db_cluster_instance_class"):
            return  # Multi-AZ DB cluster: AWS provisions one writer and two readers
    counts, ambiguous = ctx.index.memo("RES302:instances", _instances_by_cluster)
    if r.type in ambiguous or r.address in ambiguous:
        return  # an instance whose cluster cannot be told may be one more of this cluster's
    members = counts.get(r.address, [])
    sizes = [n for _, n in members if n is not None]
    if not members or len(sizes) < len(members):  # an instance count is not known
        return
    total = sum(sizes)
    if total != 1:
        return
    inst = members[0][0]
    yield Violation(
        f"{CLUSTER_NOUN[r.type]} {r.address} has one instance ({inst.address}): "
        "a host or zone failure leaves it without a writer until a new instance is created",
    )


# ------------------------------------------------------------------ RES303
@rule(
    id="RES303",
    name="aws-elasticache-no-automatic-failover",
    title="ElastiCache replication group has no Multi-AZ automatic failover.",
    severity=Severity.HIGH,
    types=("aws_elasticache_replication_group",),
    remediation="Set automatic_failover_enabled = true, multi_az_enabled = true and num_cache_clusters = 2 (or replicas_per_node_group >= 1).",
)
def elasticache_no_automatic_failover(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports ElastiCache (Redis/Valkey) replication groups that lack any of:
    `automatic_failover_enabled = true` (default false), `multi_az_enabled =
    true` (default false), and a replica (`num_cache_clusters` >= 2, default
    1, with cluster mode disabled; `replicas_per_node_group` >= 1 with
    `num_node_groups` set). Secondary members of a global datastore
    (`global_replication_group_id` set) are not reported; values not known
    before apply are ignored.

    Why is this bad?
    Without a replica and automatic failover, the loss of the primary node
    or its zone means the cache is gone until a new node is created and
    warmed; with failover, a replica in another zone is promoted in seconds.

    Example
    ```hcl
    resource "aws_elasticache_replication_group" "sessions" {
      replication_group_id = "sessions"
      description          = "sessions"
      node_type            = "cache.t4g.small"
    }
    ```

    Use instead
    ```hcl
    resource "aws_elasticache_replication_group" "sessions" {
      replication_group_id       = "sessions"
      description                = "sessions"
      node_type                  = "cache.t4g.small"
      num_cache_clusters         = 2
      automatic_failover_enabled = true
      multi_az_enabled           = true
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elasticache_replication_group
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    if written(r, "global_replication_group_id"):
        return  # a secondary of a global datastore: the primary is judged
    problems: list[str] = []
    paths: list[str] = []
    for path in ("automatic_failover_enabled", "multi_az_enabled"):
        s = setting(r, path)
        if not s.unknown and as_bool(s.value) is not True:
            problems.append(s.describe())
            paths.append(path)
    groups = r.get("num_node_groups")
    if groups is not None:  # cluster mode enabled
        replicas = setting(r, "replicas_per_node_group")
        if not is_unknown(groups) and not replicas.defaulted and as_int(replicas.value) == 0:
            problems.append(f"{replicas.describe()} (no replica per shard)")
            paths.append("replicas_per_node_group")
    else:
        # the deprecated number_cache_clusters when only it is written
        legacy = r.get("num_cache_clusters") is None and r.get("number_cache_clusters") is not None
        path = "number_cache_clusters" if legacy else "num_cache_clusters"
        s = setting(r, path)
        n = as_int(s.value)
        if not s.unknown and n is not None and n < 2:
            problems.append(f"{s.describe()} (no replica)")
            paths.append(path)
    if not problems:
        return
    first = paths[0] if r.has(paths[0]) else None
    yield Violation(
        f"ElastiCache replication group {r.address} has no Multi-AZ automatic failover: "
        + "; ".join(problems),
        path=first,
    )


# ------------------------------------------------------------------ RES304
@rule(
    id="RES304",
    name="aws-elasticache-cluster-single-az",
    title="Stand-alone ElastiCache cluster lives in one AZ.",
    severity=Severity.MEDIUM,
    types=("aws_elasticache_cluster",),
    remediation='Memcached: az_mode = "cross-az" with num_cache_nodes >= 2. Redis/Valkey: use aws_elasticache_replication_group with a replica.',
)
def elasticache_cluster_single_az(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports stand-alone ElastiCache clusters kept in one Availability Zone:
    Memcached clusters whose `az_mode` is not `cross-az` (unset means
    `single-az`) or that have one node, and Redis/Valkey clusters that are
    not part of a replication group (a single node with no replica). Clusters
    with `replication_group_id` set are judged through their group (RES303).

    Why is this bad?
    All nodes in one zone (or a single node) mean a zone outage or a node
    failure empties the cache at once, and every request falls through to
    the database behind it.

    Example
    ```hcl
    resource "aws_elasticache_cluster" "memcached" {
      cluster_id      = "sessions"
      engine          = "memcached"
      node_type       = "cache.t4g.small"
      num_cache_nodes = 2   # az_mode unset: single-az
    }
    ```

    Use instead
    ```hcl
    resource "aws_elasticache_cluster" "memcached" {
      cluster_id      = "sessions"
      engine          = "memcached"
      node_type       = "cache.t4g.small"
      num_cache_nodes = 2
      az_mode         = "cross-az"
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elasticache_cluster
    """
    if written(r, "replication_group_id"):
        return
    engine = engine_of(r)
    if is_unknown(engine) or engine is None:
        return
    if engine == "memcached":
        mode = setting(r, "az_mode")
        nodes = setting(r, "num_cache_nodes")
        one_zone = not mode.unknown and mode.value != "cross-az"
        one_node = not nodes.unknown and as_int(nodes.value) == 1
        if one_zone:
            extra = f" and it has a single node ({nodes.describe()})" if one_node else ""
            yield Violation(
                f"Memcached cluster {r.address} keeps all its nodes in one Availability Zone: "
                f"{mode.describe()}{extra}",
                path=None if mode.defaulted else "az_mode",
            )
        elif one_node:
            yield Violation(
                f"Memcached cluster {r.address} has a single node ({nodes.describe()}): "
                "a node or zone failure empties the cache",
                path=None if nodes.defaulted else "num_cache_nodes",
            )
    elif engine in ("redis", "valkey"):
        yield Violation(
            f"ElastiCache {engine} cluster {r.address} is a single node with no replica "
            "(no replication_group_id): a node or zone failure loses the cache",
            remediation="Use aws_elasticache_replication_group with num_cache_clusters = 2 and automatic failover.",
        )


# ------------------------------------------------------------------ RES305
@rule(
    id="RES305",
    name="aws-mq-single-instance",
    title="Amazon MQ broker is a single instance.",
    severity=Severity.HIGH,
    types=("aws_mq_broker",),
    remediation='Set deployment_mode = "ACTIVE_STANDBY_MULTI_AZ" (ActiveMQ) or "CLUSTER_MULTI_AZ" (RabbitMQ) with subnets in two AZs.',
)
def mq_single_instance(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Amazon MQ brokers whose `deployment_mode` is `SINGLE_INSTANCE`,
    the default when the attribute is unset.

    Why is this bad?
    A single-instance broker runs in one zone: a broker or zone failure stops
    every producer and consumer until the broker is back, and messages on it
    are unavailable meanwhile.

    Example
    ```hcl
    resource "aws_mq_broker" "orders" {
      broker_name        = "orders"
      engine_type        = "ActiveMQ"
      host_instance_type = "mq.m5.large"
    }
    ```

    Use instead
    ```hcl
    resource "aws_mq_broker" "orders" {
      broker_name        = "orders"
      engine_type        = "ActiveMQ"
      host_instance_type = "mq.m5.large"
      deployment_mode    = "ACTIVE_STANDBY_MULTI_AZ"
      subnet_ids         = [aws_subnet.a.id, aws_subnet.b.id]
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/mq_broker
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    mode = setting(r, "deployment_mode")
    if mode.unknown or mode.value != "SINGLE_INSTANCE":
        return
    yield Violation(
        f"Amazon MQ broker {r.address} is a single instance in one zone: {mode.describe()}",
        path=None if mode.defaulted else "deployment_mode",
    )


# ------------------------------------------------------------------ RES306
@rule(
    id="RES306",
    name="aws-opensearch-no-zone-awareness",
    title="OpenSearch domain is not zone-aware.",
    severity=Severity.MEDIUM,
    types=("aws_opensearch_domain", "aws_elasticsearch_domain"),
    remediation="In cluster_config set zone_awareness_enabled = true, instance_count >= 2 (3 with three zones) and zone_awareness_config.availability_zone_count.",
)
def opensearch_no_zone_awareness(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports OpenSearch (and legacy Elasticsearch) domains whose
    `cluster_config.zone_awareness_enabled` is not true (unset means false) or
    whose `cluster_config.instance_count` is below 2 (unset means 1).

    Why is this bad?
    Without zone awareness all data nodes and their shard replicas may sit in
    one zone; a zone outage then makes the domain unavailable (red cluster).
    A single data node is a single point of failure in any case.

    Example
    ```hcl
    resource "aws_opensearch_domain" "logs" {
      domain_name = "logs"
      cluster_config {
        instance_type = "r6g.large.search"
      }
    }
    ```

    Use instead
    ```hcl
    cluster_config {
      instance_type          = "r6g.large.search"
      instance_count         = 3
      zone_awareness_enabled = true
      zone_awareness_config { availability_zone_count = 3 }
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/opensearch_domain
    - https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-multiaz.html
    """
    noun = "OpenSearch domain" if r.type == "aws_opensearch_domain" else "Elasticsearch domain"
    aware = setting(r, "cluster_config.zone_awareness_enabled")
    count = setting(r, "cluster_config.instance_count")
    problems, paths = [], []
    if not aware.unknown and as_bool(aware.value) is not True:
        problems.append(aware.describe())
        paths.append(aware)
    n = as_int(count.value)
    if not count.unknown and n is not None and n < 2:
        problems.append(f"{count.describe()} (one data node)")
        paths.append(count)
    if not problems:
        return
    first = next((s.path for s in paths if not s.defaulted), None)
    yield Violation(
        f"{noun} {r.address} is not spread over Availability Zones: " + "; ".join(problems),
        path=first,
    )


# ------------------------------------------------------------------ RES307
@rule(
    id="RES307",
    name="aws-efs-one-zone",
    title="EFS file system (or replica) uses One Zone storage.",
    severity=Severity.MEDIUM,
    types=("aws_efs_file_system", "aws_efs_replication_configuration"),
    remediation="Remove availability_zone_name to use Regional storage (forces a new file system: migrate the data).",
)
def efs_one_zone(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports EFS file systems with `availability_zone_name` set (One Zone
    storage classes), and at low severity EFS replication configurations whose
    `destination.availability_zone_name` is set (a One Zone replica). The
    attribute's presence alone decides the storage class, so a value not
    known before apply is still reported.

    Why is this bad?
    One Zone file systems keep their data in a single Availability Zone: a
    zone outage makes the data unavailable, and its loss destroys it.

    Example
    ```hcl
    resource "aws_efs_file_system" "shared" {
      availability_zone_name = "eu-west-1a"
    }
    ```

    Use instead
    ```hcl
    resource "aws_efs_file_system" "shared" {
      encrypted = true   # Regional storage: no availability_zone_name
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/efs_file_system
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/efs_replication_configuration
    """
    if r.type == "aws_efs_replication_configuration":
        for i, dest in enumerate(r.all("destination")):
            if not isinstance(dest, dict):
                continue
            zone = dest.get("availability_zone_name")
            if zone is None or zone == "":
                continue
            where = setting(r, f"destination.{i}.availability_zone_name", shown="destination.availability_zone_name")
            yield Violation(
                f"EFS replica of {r.address} uses One Zone storage: {where.describe()}",
                path=f"destination.{i}.availability_zone_name",
                severity=Severity.LOW,
            )
        return
    if not written(r, "availability_zone_name"):
        return
    yield Violation(
        f"EFS file system {r.address} uses One Zone storage: {setting(r, 'availability_zone_name').describe()}",
        path="availability_zone_name",
    )


# ------------------------------------------------------------------ RES308
# deployment_type defaults to SINGLE_AZ_1 on Windows (attribute_facts); ONTAP and OpenZFS require it
FSX_TYPES = ("aws_fsx_windows_file_system", "aws_fsx_ontap_file_system", "aws_fsx_openzfs_file_system")


@rule(
    id="RES308",
    name="aws-fsx-single-az",
    title="FSx file system is deployed in a single AZ.",
    severity=Severity.MEDIUM,
    types=FSX_TYPES,
    remediation='Set deployment_type = "MULTI_AZ_1" (or a later MULTI_AZ_*) with preferred_subnet_id and subnets in two AZs.',
)
def fsx_single_az(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports FSx for Windows File Server, NetApp ONTAP and OpenZFS file
    systems whose `deployment_type` starts with `SINGLE_AZ` (FSx for Windows
    defaults to `SINGLE_AZ_1` when it is unset). FSx for Lustre is
    single-AZ by design and not checked.

    Why is this bad?
    A single-AZ file system has no standby file server in another zone: a
    zone outage or file-server failure makes the shares unavailable until AWS
    replaces the server.

    Example
    ```hcl
    resource "aws_fsx_windows_file_system" "shares" {
      storage_capacity    = 300
      throughput_capacity = 32
      subnet_ids          = [aws_subnet.a.id]
    }
    ```

    Use instead
    ```hcl
    resource "aws_fsx_windows_file_system" "shares" {
      storage_capacity    = 300
      throughput_capacity = 32
      deployment_type     = "MULTI_AZ_1"
      subnet_ids          = [aws_subnet.a.id, aws_subnet.b.id]
      preferred_subnet_id = aws_subnet.a.id
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/fsx_windows_file_system
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/fsx_ontap_file_system
    """
    kind = setting(r, "deployment_type")
    if kind.unknown or not isinstance(kind.value, str) or not kind.value.startswith("SINGLE_AZ"):
        return
    yield Violation(
        f"FSx file system {r.address} is deployed in a single Availability Zone: {kind.describe()}",
        path=None if kind.defaulted else "deployment_type",
    )


# ------------------------------------------------------------------ RES309
@rule(
    id="RES309",
    name="aws-redshift-single-node",
    title="Redshift cluster is not Multi-AZ (or has one node).",
    severity=Severity.MEDIUM,
    types=("aws_redshift_cluster",),
    remediation="Set multi_az = true (RA3 node types) and number_of_nodes >= 2.",
)
def redshift_single_node(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Redshift provisioned clusters whose `multi_az` is not true
    (unset is taken as false), and says so when the cluster is also a single
    node (`number_of_nodes` unset means 1, or `cluster_type = "single-node"`).
    Redshift Serverless is not checked.

    Why is this bad?
    A Single-AZ cluster is unavailable during a zone outage until it is
    relocated or restored from a snapshot; a single-node cluster also loses
    its compute (and recent data not yet in a snapshot) with that node.

    Example
    ```hcl
    resource "aws_redshift_cluster" "dw" {
      cluster_identifier = "dw"
      node_type          = "ra3.xlplus"
      cluster_type       = "single-node"
    }
    ```

    Use instead
    ```hcl
    resource "aws_redshift_cluster" "dw" {
      cluster_identifier = "dw"
      node_type          = "ra3.xlplus"
      cluster_type       = "multi-node"
      number_of_nodes    = 2
      multi_az           = true
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/redshift_cluster
    """
    multi_az = setting(r, "multi_az")
    if multi_az.unknown or as_bool(multi_az.value) is not False:
        return
    nodes = setting(r, "number_of_nodes")
    cluster_type = setting(r, "cluster_type")
    single_type = not cluster_type.defaulted and cluster_type.value == "single-node"
    single_node = not nodes.unknown and as_int(nodes.value) == 1
    detail = ""
    if single_type:
        detail = f" and it is a single node ({cluster_type.describe()})"
    elif single_node:
        detail = f" and it is a single node ({nodes.describe()})"
    yield Violation(
        f"Redshift cluster {r.address} is not Multi-AZ: {multi_az.describe()}{detail}",
        path=None if multi_az.defaulted else "multi_az",
    )
