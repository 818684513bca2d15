"""RES6xx: failure domains across resources (the graph of linter/failure_domains/)."""

from __future__ import annotations

from linter.failure_domains import analyse_workloads  # light: the analysis is imported when first built
from linter.model import Resource, Severity, Violation
from linter.rules import rule
from linter.rules._k8s import SERVING_KINDS
from typing import Iterator, TYPE_CHECKING

if TYPE_CHECKING:
    from linter.engine import Context

# the workloads the analysis knows how to place (linter/failure_domains/placement.py)
WORKLOAD_TYPES = (
    "aws_ecs_service", "aws_autoscaling_group", "aws_lambda_function", "aws_eks_node_group", "aws_lb", "aws_alb",
    "google_compute_region_instance_group_manager", "google_cloud_run_v2_service", "google_cloud_run_service",
    "google_cloudfunctions2_function", "google_cloudfunctions_function",
    "azurerm_linux_web_app", "azurerm_windows_web_app", "azurerm_linux_function_app", "azurerm_windows_function_app",
    "azurerm_linux_virtual_machine_scale_set", "azurerm_windows_virtual_machine_scale_set",
    "azurerm_orchestrated_virtual_machine_scale_set", "azurerm_kubernetes_cluster_node_pool",
    *SERVING_KINDS,
)

# how to make the single-zone end of a path zone-redundant, by its type
FIXES = {
    "aws_db_instance": "set multi_az = true on {root}",
    "aws_nat_gateway": 'give every zone its own NAT gateway and point each private route table at the one in its '
                       'zone, or make {root} regional (availability_mode = "regional")',
    "aws_elasticache_replication_group": "set automatic_failover_enabled = true and multi_az_enabled = true on {root} "
                                         "(with num_cache_clusters >= 2)",
    "aws_elasticache_cluster": 'set az_mode = "cross-az" on {root}, or use a replication group with automatic failover',
    "aws_mq_broker": 'set deployment_mode = "ACTIVE_STANDBY_MULTI_AZ" (or "CLUSTER_MULTI_AZ") on {root}',
    "aws_efs_file_system": "use the Regional storage class for {root} (drop availability_zone_name)",
    "aws_opensearch_domain": "set cluster_config.zone_awareness_enabled = true on {root}",
    "aws_redshift_cluster": "set multi_az = true on {root}",
    "google_sql_database_instance": 'set settings.availability_type = "REGIONAL" on {root}',
    "google_redis_instance": 'set tier = "STANDARD_HA" on {root}',
    "azurerm_postgresql_flexible_server": 'add high_availability { mode = "ZoneRedundant" } to {root}',
    "azurerm_mysql_flexible_server": 'add high_availability { mode = "ZoneRedundant" } to {root}',
    "azurerm_nat_gateway": "give every zone its own NAT gateway and subnet, or spread {root}'s subnets' traffic "
                           "over one gateway per zone",
    "apps/StatefulSet": "run {root} with 2 or more replicas spread over zones (topologySpreadConstraints on "
                        "topology.kubernetes.io/zone), or point at a replicated service",
    "apps/Deployment": "run {root} with 2 or more replicas spread over zones (topologySpreadConstraints on "
                       "topology.kubernetes.io/zone)",
}
DEFAULT_FIX = "make {root} zone-redundant, or give {workload} a copy of it in every zone it runs in"


@rule(
    id="RES601",
    name="zone-redundant-workload-on-single-zone-dependency",
    title="A zone-redundant workload depends on a single-zone resource.",
    severity=Severity.HIGH,
    types=WORKLOAD_TYPES,
    remediation="Make the single-zone resource zone-redundant, or give the workload a copy of it in every zone.",
    cross=True,
)
def zone_redundant_on_single_zone(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Builds the dependency graph of the configuration (Terraform references
    and module wiring, Pulumi `propertyDependencies`, Kubernetes Service
    selectors, routes, env vars and ConfigMap values naming a Service or a
    cloud endpoint such as `aws_db_instance.x.address`, Lambda event source
    mappings, subnets -> route tables -> NAT gateways) and places every
    resource in its zones. Reports a workload that runs in several zones (or
    is regional) but loses all its capacity when one zone fails, because
    something it depends on lives in that zone only. The message carries the
    dependency path. A placement that is not known before apply, or a
    reference to something outside the scan, is never a failure: `resilint
    zones` lists it under "could not place". `resilint zones` prints the
    whole analysis, zone by zone, as text, JSON, Mermaid or DOT.

    Why is this bad?
    The redundancy is an illusion. Three zones of ECS tasks that all read a
    Single-AZ database, or route their egress through one NAT gateway, go
    down together when that zone does: the outage is as wide as the
    narrowest dependency, and the spread compute only hides it.

    Example
    ```hcl
    resource "aws_ecs_service" "orders" {
      desired_count   = 3
      task_definition = aws_ecs_task_definition.orders.arn  # DB_HOST = aws_db_instance.orders.address
      network_configuration {
        subnets = [aws_subnet.a.id, aws_subnet.b.id, aws_subnet.c.id]
      }
    }
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
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    - AWS Well-Architected REL10-BP02, Automate recovery for components constrained to a single location: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_single_az_system.html
    """
    analysis = analyse_workloads(ctx.index, WORKLOAD_TYPES)
    node = analysis.graph.nodes.get(r.address)
    if node is None or node.resource is not r or not node.placement.zone_redundant:
        return
    from linter.failure_domains.analysis import describe_path

    roots: set[str] = set()
    for scenario, lost in analysis.lost_by_workload.get(r.address, ()):
        if lost.root in roots:
            continue
        roots.add(lost.root)
        root = analysis.graph.nodes[lost.root]
        zone = scenario.label if scenario.named else f"the zone holding {lost.root}"
        first = lost.path[1].edge if len(lost.path) > 1 else None
        fix = FIXES.get(root.resource.type, DEFAULT_FIX).replace("{root}", lost.root).replace("{workload}", r.address)
        yield Violation(
            f"Depends on a single-zone resource: {describe_path(analysis.graph, lost.path)}. "
            f"When {zone} fails, {r.address} loses all its capacity",
            path=first.attribute if first is not None else None,
            remediation=fix[:1].upper() + fix[1:] + ".",
            subject=lost.root,  # two single-zone dependencies behind one attribute: two fingerprints
        )
