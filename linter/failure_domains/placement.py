"""Where each resource serves from: one placer per type, with the providers' defaults.

A placer returns a `Placement`. ZONAL only when the configuration and the
provider's documented default say one zone (an RDS instance without
`multi_az`, a NAT gateway, a StatefulSet of one replica); an input not known
before apply, or a type resilint has no knowledge of, is UNKNOWN, never
"one zone". An unwritten attribute takes the provider's default from
`linter.attribute_facts`, the table the rules read (RES301 `multi_az` false,
RES303 `automatic_failover_enabled` false, RES305 `deployment_mode`
SINGLE_INSTANCE, RES108 `availability_mode` zonal, RES311
`availability_type` ZONAL, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from linter import attribute_facts
from linter.model import Resource, is_unknown
from linter.rules._aws import base_type
from linter.rules._datastores import is_aurora
from linter.rules._values import as_bool, as_int

from linter.failure_domains.graph import (
    NOT_PLACED,
    UNKNOWN_ZONES,
    ZONAL,
    Placement,
    Spread,
    multi_zone,
    regional,
    remember,
    resolve_value,
    unknown,
    written_value,
    zonal,
)
from linter.failure_domains.kubernetes import describe_kind

if TYPE_CHECKING:
    from linter.failure_domains.graph import Graph, Node
    from linter.index import Index


# type -> (what it is, in words; whether it serves traffic or work)
TYPE_LABELS: dict[str, tuple[str, bool]] = {
    "aws_ecs_service": ("ECS service", True),
    "aws_autoscaling_group": ("Auto Scaling group", True),
    "aws_lambda_function": ("Lambda function", True),
    "aws_eks_node_group": ("EKS node group", True),
    "aws_lb": ("load balancer", True),
    "aws_alb": ("load balancer", True),
    "aws_instance": ("EC2 instance", True),
    "aws_db_instance": ("RDS instance", False),
    "aws_elasticache_replication_group": ("ElastiCache replication group", False),
    "aws_elasticache_cluster": ("ElastiCache cluster", False),
    "aws_mq_broker": ("MQ broker", False),
    "aws_nat_gateway": ("NAT gateway", False),
    "aws_subnet": ("subnet", False),
    "aws_default_subnet": ("subnet", False),
    "aws_efs_file_system": ("EFS file system", False),
    "aws_ebs_volume": ("EBS volume", False),
    "aws_opensearch_domain": ("OpenSearch domain", False),
    "aws_redshift_cluster": ("Redshift cluster", False),
    "aws_route_table": ("route table", False),
    "aws_route_table_association": ("route table association", False),
    "aws_lambda_event_source_mapping": ("event source mapping", False),
    "aws_sqs_queue": ("SQS queue", False),
    "google_compute_region_instance_group_manager": ("regional instance group", True),
    "google_compute_instance_group_manager": ("zonal instance group", True),
    "google_compute_instance": ("VM instance", True),
    "google_cloud_run_v2_service": ("Cloud Run service", True),
    "google_cloud_run_service": ("Cloud Run service", True),
    "google_cloudfunctions2_function": ("Cloud Function", True),
    "google_cloudfunctions_function": ("Cloud Function", True),
    "google_sql_database_instance": ("Cloud SQL instance", False),
    "google_redis_instance": ("Memorystore instance", False),
    "azurerm_linux_web_app": ("App Service app", True),
    "azurerm_windows_web_app": ("App Service app", True),
    "azurerm_linux_function_app": ("Function app", True),
    "azurerm_windows_function_app": ("Function app", True),
    "azurerm_linux_virtual_machine_scale_set": ("scale set", True),
    "azurerm_windows_virtual_machine_scale_set": ("scale set", True),
    "azurerm_orchestrated_virtual_machine_scale_set": ("scale set", True),
    "azurerm_kubernetes_cluster_node_pool": ("AKS node pool", True),
    "azurerm_service_plan": ("App Service plan", False),
    "azurerm_postgresql_flexible_server": ("PostgreSQL flexible server", False),
    "azurerm_mysql_flexible_server": ("MySQL flexible server", False),
    "azurerm_redis_cache": ("Azure Cache for Redis", False),
    "azurerm_nat_gateway": ("NAT gateway", False),
    "azurerm_mssql_database": ("Azure SQL database", False),
}

# Bound to no zone: regional or global services and configuration objects. Types
# outside this list and without a placer are UNKNOWN ("could not place").
REGIONAL_PREFIXES = (
    "aws_sqs_", "aws_sns_", "aws_s3_", "aws_dynamodb_", "aws_iam_", "aws_kms_", "aws_cloudwatch_", "aws_route53_",
    "aws_ssm_", "aws_secretsmanager_", "aws_ecr_", "aws_ecs_cluster", "aws_ecs_task_definition", "aws_lb_target_group",
    "aws_lb_listener", "aws_alb_target_group", "aws_alb_listener", "aws_vpc", "aws_security_group",
    "aws_route_table", "aws_main_route_table_association", "aws_internet_gateway", "aws_egress_only_internet_gateway",
    "aws_eip", "aws_db_subnet_group", "aws_elasticache_subnet_group", "aws_db_parameter_group",
    "aws_db_option_group", "aws_elasticache_parameter_group", "aws_launch_template", "aws_launch_configuration",
    "aws_kinesis_", "aws_lambda_permission", "aws_lambda_alias", "aws_lambda_layer_version",
    "aws_lambda_function_event_invoke_config", "aws_api_gateway_", "aws_apigatewayv2_", "aws_sfn_",
    "aws_appautoscaling_", "aws_autoscaling_policy", "aws_autoscaling_attachment", "aws_acm_", "aws_wafv2_",
    "aws_cloudfront_", "aws_eks_cluster", "aws_mq_configuration", "aws_network_acl", "aws_key_pair",
    "aws_default_vpc", "aws_default_security_group", "aws_default_route_table", "aws_flow_log", "aws_cloudtrail",
    "aws_service_discovery_", "aws_eip_association", "aws_ecs_cluster_capacity_providers", "aws_scheduler_",
    "aws_cloudwatch_event_", "aws_xray_", "aws_ses_", "aws_sesv2_", "aws_guardduty_", "aws_config_",
    "google_project", "google_service_account", "google_compute_network", "google_compute_subnetwork",
    "google_compute_router", "google_compute_firewall", "google_compute_address", "google_compute_global_",
    "google_compute_instance_template", "google_compute_region_instance_template", "google_compute_health_check",
    "google_compute_region_health_check", "google_compute_backend_service", "google_compute_region_backend_service",
    "google_compute_url_map", "google_compute_target_", "google_compute_forwarding_rule",
    "google_compute_region_autoscaler", "google_compute_route", "google_pubsub_", "google_storage_", "google_kms_",
    "google_secret_manager_", "google_sql_user", "google_sql_database", "google_dns_", "google_monitoring_",
    "google_logging_", "google_bigquery_", "google_artifact_registry_", "google_service_networking_connection",
    "azurerm_resource_group", "azurerm_virtual_network", "azurerm_subnet", "azurerm_network_security_",
    "azurerm_key_vault", "azurerm_log_analytics_", "azurerm_application_insights", "azurerm_mssql_server",
    "azurerm_postgresql_flexible_server_", "azurerm_mysql_flexible_server_", "azurerm_private_dns_", "azurerm_dns_",
    "azurerm_role_assignment", "azurerm_user_assigned_identity", "azurerm_servicebus_", "azurerm_eventhub",
    "azurerm_monitor_", "azurerm_nat_gateway_public_ip_association", "azurerm_container_registry",
    "azurerm_private_endpoint", "azurerm_network_interface",
    "aws_ec2_transit_gateway", "aws_vpc_peering_connection", "aws_vpn_gateway", "aws_customer_gateway",
    "aws_vpn_connection", "aws_dx_", "aws_ssoadmin_", "aws_organizations_", "aws_budgets_",
    "random_", "null_resource", "terraform_data", "time_", "tls_", "local_file", "archive_file",
)


described_types: dict[str, tuple[str, bool]] = {}  # type -> what describe_type says (it reads only the type)


def describe_type(r: Resource) -> tuple[str, bool]:
    """(what it is, in words; whether it is a workload)."""
    known = described_types.get(r.type)
    if known is None:
        known = TYPE_LABELS.get(base_type(r))
        if known is None:
            known = describe_kind(r) if "/" in r.type else (r.type, False)
        remember(described_types, r.type, known)
    return known


# ---------------------------------------------------------------- placing
class Placer:
    """Places every node of a graph once; a placer may ask for another node's placement."""

    def __init__(self, graph: "Graph", index: "Index"):
        self.graph, self.index = graph, index
        self._busy: set[str] = set()
        self.cycle = False

    def place(self, node: "Node") -> Placement:
        if node.placement is not NOT_PLACED:  # placed: every placer makes a Placement of its own
            return node.placement
        if node.key in self._busy:  # a cycle of placements: nothing to conclude
            self.cycle = True  # (what each node concludes then depends on the order they are placed in)
            return unknown("placement depends on itself")
        r = node.resource
        how = _HOW_TO_PLACE.get(r.type)
        if how is None:
            how = remember(_HOW_TO_PLACE, r.type, _how_to_place(r.type))
        if isinstance(how, Placement):  # every resource of the type has it: no cycle to watch
            node.placement = how
        else:
            self._busy.add(node.key)
            try:
                node.placement = how(self, r)
            finally:
                self._busy.discard(node.key)
        return node.placement

    # ------------------------------------------------------------ helpers
    def node_of(self, r: Resource) -> "Node | None":
        return self.graph.nodes.get(r.address) or self.graph.node(r.address)

    def zones_of(self, r: Resource, attr: str) -> tuple[list[str], bool] | None:
        """The distinct named zones of the subnets an attribute names, and whether every
        subnet's zone is named; None when the subnets are not resolved or not placed."""
        subnets = resolve_value(self.index, r, attr, self.graph.resolved)
        if not subnets:
            return None
        zones: list[str] = []
        all_named = True
        for s in subnets:
            node = self.node_of(s)
            if node is None:
                return None
            p = self.place(node)
            if p.spread is UNKNOWN_ZONES:
                all_named = False
                continue
            if p.spread is not ZONAL or not p.zones:
                all_named = False
                continue
            if p.zones[0] not in zones:
                zones.append(p.zones[0])
        return zones, all_named

    def capacity(self, r: Resource, attr: str, count: Any, count_attr: str | None, noun: str) -> Placement:
        """Something running `count` copies across the subnets `attr` names."""
        found = self.zones_of(r, attr)
        if found is None:
            return unknown(f"{attr} not resolved to subnets with known zones", attr)
        zones, all_named = found
        n = as_int(count) if count is not None else None
        if count is not None and n is None:
            return unknown(f"{count_attr} not known before apply", count_attr)
        if n == 0:
            return unknown(f"{count_attr} = 0: nothing runs", count_attr)
        if n == 1:
            return zonal(f"1 {noun}", zones[0] if len(zones) == 1 and all_named else None, count_attr)
        if len(zones) >= 2:
            return multi_zone(f"{len(zones)} zones", tuple(zones), attr)
        if len(zones) == 1 and all_named:
            return zonal(f"subnets in one zone", zones[0], attr)
        return unknown(f"the zones of {attr} are not all known", attr)


def _flag(r: Resource, path: str) -> Any:
    """The attribute as written, else the provider's default from the one table
    the rules read (`linter.attribute_facts`)."""
    value = r.get(path)
    return attribute_facts.default(base_type(r), path) if value is None else value


def _how_to_place(rtype: str) -> "Placement | Callable[[Placer, Resource], Placement]":
    """A type's placer, or the placement every resource of the type has."""
    kind = rtype[5:] if rtype.startswith("data.") else rtype
    placer = PLACERS.get(kind)
    if placer is not None:
        return placer
    if "/" in rtype:
        from linter.failure_domains.kubernetes import place_object

        return place_object
    if rtype.startswith("data.") or kind.startswith(REGIONAL_PREFIXES):
        return regional("regional" if not rtype.startswith("data.") else "read, not created")
    if kind == "module":
        return unknown("a module call whose contents were not loaded (run `terraform init`)")
    return unknown(f"resilint does not know where {kind} serves from")


# type -> how its resources are placed (worked out once per type; a Placement is immutable)
_HOW_TO_PLACE: dict[str, "Placement | Callable[[Placer, Resource], Placement]"] = {}


# ------------------------------------------------------------------- AWS
def _subnet(p: Placer, r: Resource) -> Placement:
    for key in ("availability_zone", "availability_zone_id"):
        zone = r.get(key)
        if is_unknown(zone):
            return unknown(f"{key} not known before apply", key)
        if isinstance(zone, str) and zone:
            return zonal("", zone, key)
    if r.type.startswith("data."):
        return unknown("a subnet read by a data source: its zone is known only at apply")
    return zonal("zone chosen by AWS")


def _nat_gateway(p: Placer, r: Resource) -> Placement:
    mode = _flag(r, "availability_mode")
    if is_unknown(mode):
        return unknown("availability_mode not known before apply", "availability_mode")
    if mode == "regional":
        return regional("regional NAT gateway")
    subnet = resolve_value(p.index, r, "subnet_id", p.graph.resolved)
    zone = None
    node = p.node_of(subnet[0]) if subnet and len(subnet) == 1 else None
    if node is not None:
        zone = p.place(node).zone
    return zonal("zonal", zone, "subnet_id")


def _db_instance(p: Placer, r: Resource) -> Placement:
    aurora = is_aurora(r)
    if aurora is None:
        return unknown("engine not known before apply", "engine")
    if aurora:
        return unknown("an Aurora instance: its cluster's instances decide (RES302)")
    multi = as_bool(_flag(r, "multi_az"))
    if multi is None:
        return unknown("multi_az not known before apply", "multi_az")
    if multi:
        return multi_zone("Multi-AZ", (), "multi_az")
    zone = r.get("availability_zone")
    return zonal("Single-AZ", zone if isinstance(zone, str) else None, "multi_az")


def _replication_group(p: Placer, r: Resource) -> Placement:
    failover = as_bool(_flag(r, "automatic_failover_enabled"))
    if failover is None:
        return unknown("automatic_failover_enabled not known before apply", "automatic_failover_enabled")
    if failover:
        return multi_zone("automatic failover", (), "automatic_failover_enabled")
    zones = r.get("preferred_cache_cluster_azs")
    zone = zones[0] if isinstance(zones, list) and zones and isinstance(zones[0], str) else None
    return zonal("no automatic failover: the primary's zone", zone, "automatic_failover_enabled")


def _cache_cluster(p: Placer, r: Resource) -> Placement:
    if r.get("replication_group_id") is not None:
        return unknown("a member of a replication group: the group decides", "replication_group_id")
    mode = _flag(r, "az_mode")
    if is_unknown(mode):
        return unknown("az_mode not known before apply", "az_mode")
    if mode == "cross-az":
        return multi_zone("cross-az", (), "az_mode")
    return zonal("single-az", r.get("availability_zone"), "az_mode")


def _mq_broker(p: Placer, r: Resource) -> Placement:
    mode = _flag(r, "deployment_mode")
    if is_unknown(mode):
        return unknown("deployment_mode not known before apply", "deployment_mode")
    if mode != "SINGLE_INSTANCE":
        return multi_zone(str(mode), (), "deployment_mode")
    found = p.zones_of(r, "subnet_ids")
    zone = found[0][0] if found and found[0] and found[1] else None
    return zonal("single instance", zone, "deployment_mode")


def _efs(p: Placer, r: Resource) -> Placement:
    zone = r.get("availability_zone_name")
    if is_unknown(zone):
        return unknown("availability_zone_name not known before apply", "availability_zone_name")
    if isinstance(zone, str) and zone:
        return zonal("One Zone", zone, "availability_zone_name")
    return regional("Regional storage")


def _zonal_by(attr: str, detail: str) -> Callable[[Placer, Resource], Placement]:
    def place(p: Placer, r: Resource) -> Placement:
        zone = r.get(attr)
        if is_unknown(zone):
            return unknown(f"{attr} not known before apply", attr)
        return zonal(detail, zone, attr)

    return place


def _instance(p: Placer, r: Resource) -> Placement:
    zone = r.get("availability_zone")
    if isinstance(zone, str) and zone:
        return zonal("one instance", zone, "availability_zone")
    found = p.zones_of(r, "subnet_id") if r.get("subnet_id") is not None else None
    return zonal("one instance", found[0][0] if found and found[0] and found[1] else None, "subnet_id")


def _opensearch(p: Placer, r: Resource) -> Placement:
    aware = as_bool(_flag(r, "cluster_config.zone_awareness_enabled"))
    if aware is None:
        return unknown("cluster_config.zone_awareness_enabled not known before apply")
    if aware:
        return multi_zone("zone awareness", (), "cluster_config.zone_awareness_enabled")
    return zonal("no zone awareness", None, "cluster_config.zone_awareness_enabled")


def _redshift(p: Placer, r: Resource) -> Placement:
    multi = as_bool(_flag(r, "multi_az"))
    if multi is None:
        return unknown("multi_az not known before apply", "multi_az")
    if multi:
        return multi_zone("Multi-AZ", (), "multi_az")
    return zonal("single AZ", r.get("availability_zone"), "multi_az")


def _ecs_service(p: Placer, r: Resource) -> Placement:
    if r.get("network_configuration") is None:
        return unknown("no network_configuration: the cluster's instances decide the zones")
    return p.capacity(r, "network_configuration.subnets", _flag(r, "desired_count"), "desired_count", "task")


def _asg(p: Placer, r: Resource) -> Placement:
    attr = "vpc_zone_identifier" if written_value(r, "vpc_zone_identifier") is not None else None
    if attr is None:
        zones = r.get("availability_zones")
        if isinstance(zones, list) and zones and all(isinstance(z, str) for z in zones):
            n = as_int(r.get("min_size"))
            if n is None:
                return unknown("min_size not known before apply", "min_size")
            if n == 1 or len(set(zones)) == 1:
                return zonal(f"{n} instance(s)", zones[0] if len(set(zones)) == 1 else None, "availability_zones")
            return multi_zone(f"{len(set(zones))} zones", tuple(dict.fromkeys(zones)), "availability_zones")
        return unknown("vpc_zone_identifier / availability_zones not known")
    return p.capacity(r, attr, r.get("min_size"), "min_size", "instance")


def _lambda(p: Placer, r: Resource) -> Placement:
    if written_value(r, "vpc_config.subnet_ids") is None:
        return regional("regional")
    found = p.zones_of(r, "vpc_config.subnet_ids")
    if found is None:
        return unknown("vpc_config.subnet_ids not resolved to subnets with known zones", "vpc_config.subnet_ids")
    zones, all_named = found
    if len(zones) >= 2:
        return multi_zone(f"{len(zones)} zones", tuple(zones), "vpc_config.subnet_ids")
    if len(zones) == 1 and all_named:
        return zonal("subnets in one zone", zones[0], "vpc_config.subnet_ids")
    return unknown("the zones of vpc_config.subnet_ids are not all known", "vpc_config.subnet_ids")


def _node_group(p: Placer, r: Resource) -> Placement:
    return p.capacity(r, "subnet_ids", r.get("scaling_config.min_size"), "scaling_config.min_size", "node")


def _load_balancer(p: Placer, r: Resource) -> Placement:
    attr = "subnets" if written_value(r, "subnets") is not None else "subnet_mapping.subnet_id"
    found = p.zones_of(r, attr)
    if found is None:
        return unknown(f"{attr} not resolved to subnets with known zones", attr)
    zones, all_named = found
    if len(zones) >= 2:
        return multi_zone(f"{len(zones)} zones", tuple(zones), attr)
    if len(zones) == 1 and all_named:
        return zonal("one zone", zones[0], attr)
    return unknown(f"the zones of {attr} are not all known", attr)


# ------------------------------------------------------------------- GCP
def _cloud_sql(p: Placer, r: Resource) -> Placement:
    kind = _flag(r, "settings.availability_type")
    if is_unknown(kind):
        return unknown("settings.availability_type not known before apply", "settings.availability_type")
    if kind == "REGIONAL":
        return multi_zone("REGIONAL", (), "settings.availability_type")
    zone = r.get("settings.location_preference.zone")
    return zonal("ZONAL", zone if isinstance(zone, str) else None, "settings.availability_type")


def _memorystore(p: Placer, r: Resource) -> Placement:
    tier = _flag(r, "tier")
    if is_unknown(tier):
        return unknown("tier not known before apply", "tier")
    if tier == "STANDARD_HA":
        return multi_zone("STANDARD_HA", (), "tier")
    zone = r.get("location_id")
    return zonal("BASIC tier", zone if isinstance(zone, str) else None, "tier")


def _regional_mig(p: Placer, r: Resource) -> Placement:
    size = r.get("target_size")
    n = as_int(size)
    if n is None:
        return unknown("target_size not known (an autoscaler may own it)", "target_size")
    zones = r.get("distribution_policy_zones")
    named = tuple(dict.fromkeys(z for z in zones if isinstance(z, str))) if isinstance(zones, list) else ()
    if n == 1:
        return zonal("1 instance", named[0] if len(named) == 1 else None, "target_size")
    if len(named) == 1:
        return zonal("distribution_policy_zones: one zone", named[0], "distribution_policy_zones")
    if n == 0:
        return unknown("target_size = 0: nothing runs", "target_size")
    return multi_zone(f"{len(named)} zones" if named else "regional instance group", named, "target_size")


# ----------------------------------------------------------------- Azure
def _azure_zones(r: Resource, attr: str = "zones") -> tuple[str, ...] | None:
    zones = r.get(attr)
    if zones is None:
        return ()
    if is_unknown(zones) or not isinstance(zones, list) or any(not isinstance(z, (str, int)) for z in zones):
        return None
    return tuple(dict.fromkeys(str(z) for z in zones))


def _azure_zoned(detail_none: str) -> Callable[[Placer, Resource], Placement]:
    def place(p: Placer, r: Resource) -> Placement:
        zones = _azure_zones(r)
        if zones is None:
            return unknown("zones not known before apply", "zones")
        if len(zones) >= 2:
            return multi_zone(f"{len(zones)} zones", tuple(f"zone {z}" for z in zones), "zones")
        if len(zones) == 1:
            return zonal("one zone", f"zone {zones[0]}", "zones")
        return unknown(detail_none, "zones")

    return place


def _flexible_server(p: Placer, r: Resource) -> Placement:
    mode = r.get("high_availability.mode")
    zone = r.get("zone")
    named = f"zone {zone}" if isinstance(zone, (str, int)) and not isinstance(zone, bool) and str(zone) else None
    if is_unknown(mode):
        return unknown("high_availability.mode not known before apply", "high_availability.mode")
    if mode == "ZoneRedundant":
        return multi_zone("ZoneRedundant", (), "high_availability.mode")
    if mode == "SameZone":
        return zonal("high availability in the same zone", named, "high_availability.mode")
    return zonal("no high availability", named, "zone" if named else None)


def _service_plan(p: Placer, r: Resource) -> Placement:
    balanced = as_bool(_flag(r, "zone_balancing_enabled"))
    if balanced is None:
        return unknown("zone_balancing_enabled not known before apply", "zone_balancing_enabled")
    if balanced:
        return multi_zone("zone balancing", (), "zone_balancing_enabled")
    return unknown("zone_balancing_enabled = false: Azure does not say which zones serve it", "zone_balancing_enabled")


def _app_on_plan(p: Placer, r: Resource) -> Placement:
    plans = resolve_value(p.index, r, "service_plan_id", p.graph.resolved)
    node = p.node_of(plans[0]) if plans and len(plans) == 1 else None
    if node is None or not plans:
        return unknown("service_plan_id not resolved to a plan", "service_plan_id")
    plan = p.place(node)
    return Placement(plan.spread, plan.zones, f"on {plans[0].address}" if plan.spread is Spread.UNKNOWN else plan.detail,
                     "service_plan_id")


def _mssql_database(p: Placer, r: Resource) -> Placement:
    redundant = as_bool(_flag(r, "zone_redundant"))
    if redundant:
        return multi_zone("zone redundant", (), "zone_redundant")
    if redundant is None:
        return unknown("zone_redundant not known before apply", "zone_redundant")
    return unknown("zone_redundant = false: Azure does not say which zone serves it", "zone_redundant")


PLACERS: dict[str, Callable[[Placer, Resource], Placement]] = {
    "aws_subnet": _subnet,
    "aws_default_subnet": _subnet,
    "aws_nat_gateway": _nat_gateway,
    "aws_db_instance": _db_instance,
    "aws_elasticache_replication_group": _replication_group,
    "aws_elasticache_cluster": _cache_cluster,
    "aws_mq_broker": _mq_broker,
    "aws_efs_file_system": _efs,
    "aws_ebs_volume": _zonal_by("availability_zone", "EBS volume"),
    "aws_instance": _instance,
    "aws_opensearch_domain": _opensearch,
    "aws_redshift_cluster": _redshift,
    "aws_ecs_service": _ecs_service,
    "aws_autoscaling_group": _asg,
    "aws_lambda_function": _lambda,
    "aws_eks_node_group": _node_group,
    "aws_lb": _load_balancer,
    "aws_alb": _load_balancer,
    "google_sql_database_instance": _cloud_sql,
    "google_redis_instance": _memorystore,
    "google_compute_instance": _zonal_by("zone", "one VM"),
    "google_compute_instance_group_manager": _zonal_by("zone", "zonal instance group"),
    "google_compute_region_instance_group_manager": _regional_mig,
    "google_cloud_run_v2_service": lambda p, r: regional(),
    "google_cloud_run_service": lambda p, r: regional(),
    "google_cloudfunctions2_function": lambda p, r: regional(),
    "google_cloudfunctions_function": lambda p, r: regional(),
    "azurerm_postgresql_flexible_server": _flexible_server,
    "azurerm_mysql_flexible_server": _flexible_server,
    "azurerm_service_plan": _service_plan,
    "azurerm_linux_web_app": _app_on_plan,
    "azurerm_windows_web_app": _app_on_plan,
    "azurerm_linux_function_app": _app_on_plan,
    "azurerm_windows_function_app": _app_on_plan,
    "azurerm_linux_virtual_machine_scale_set": _azure_zoned("no zones: Azure does not say which zones serve it"),
    "azurerm_windows_virtual_machine_scale_set": _azure_zoned("no zones: Azure does not say which zones serve it"),
    "azurerm_orchestrated_virtual_machine_scale_set": _azure_zoned("no zones: Azure does not say which zones serve it"),
    "azurerm_kubernetes_cluster_node_pool": _azure_zoned("no zones: Azure does not say which zones serve it"),
    "azurerm_redis_cache": _azure_zoned("no zones: Azure does not say which zones serve it"),
    "azurerm_nat_gateway": _azure_zoned("no zone pinned: Azure does not say which zone serves it"),
    "azurerm_mssql_database": _mssql_database,
}


def place_all(graph: "Graph", index: "Index") -> None:
    placer = Placer(graph, index)
    for node in graph.nodes.values():
        placer.place(node)
