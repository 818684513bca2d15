"""What the providers say about the attributes rules read: one table per cloud,
and one for Kubernetes (its API and the operators whose custom resources rules size).

For each resource type and attribute (a dotted Terraform path through nested
blocks; ARM property paths for azure-native types; API paths for Kubernetes
`group/Kind` types, through list elements without their index:
`agentPoolProfiles.count` is every profile's `count`) a `Fact` records:

* `default`: the value the provider or the cloud API uses when the attribute is
  not written (rules.md §0.2 and the per-rule sources); None when there is none
  (required, or no documented default).
* `computed`: the provider schema marks it Optional+Computed. In a plan it is
  "known after apply" when the user did not write it; the plan loader then
  removes it, so rules apply `default` (and `r.meta["unset_computed"]` lists it),
  and the regression rules treat an unwritten `after` as "keeps its value".
* `note`: what the default means in words, when its value alone does not say
  (`"604800s"`: 7 days); messages print it beside the value.
* `pulumi`: the Pulumi property name, when the bridged provider does not just
  camelCase the Terraform name (`vpc_zone_identifier` -> `vpcZoneIdentifiers`,
  Lambda `function_name` -> `name`).
* `state`: for an Optional+Computed attribute, what a deployed resource reports
  when the user did not write it, where that is not `default` (`SameAs(path)`:
  the value of another attribute). Only the fixture generator reads it (plans
  of existing infrastructure); rules never see an unwritten value as known.

Readers: the plan loader (`optional_computed`), `rules._values.setting()` (the
default when a rule names none), the regression rules (`rules._regress.Check`),
the Pulumi renames (`normalize.names.RENAMES`), and the fixture generator
(fixtures/_tools/fixturegen: unknown and state values in plans, Pulumi names).
A new rule for a cloud attribute adds at most one row here and reads it with
`setting(r, path)`; `python3 -m linter.scaffold ... --default VALUE` inserts
that row.

Each row's source is the rule catalog (shared/rules.md, "Default" of the rule
that reads it, §0.2 for Optional+Computed) unless its comment names another. The
AWS rows' paths and `computed` flags are held to the real provider's schema
(tests/test_aws_provider_oracle.py; fixtures/_tools/aws_provider_oracle.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SameAs:
    """A state value that is another attribute's (`desired_capacity` starts at `min_size`)."""

    path: str


@dataclass(frozen=True)
class Fact:
    default: Any = None
    computed: bool = False
    pulumi: str | None = None
    note: str | None = None
    state: Any = None


COMPUTED = Fact(computed=True)

# ---------------------------------------------------------------------- AWS
AWS: dict[str, dict[str, Fact]] = {
    "aws_db_instance": {
        "multi_az": Fact(False, computed=True),
        "backup_retention_period": COMPUTED,
        "deletion_protection": Fact(False),
        "delete_automated_backups": Fact(True),
    },
    "aws_rds_cluster": {"deletion_protection": Fact(False), "delete_automated_backups": Fact(True)},
    "aws_dynamodb_table": {
        "deletion_protection_enabled": Fact(False),
        "point_in_time_recovery": COMPUTED,
        "point_in_time_recovery.enabled": Fact(False),
        "attribute": Fact(pulumi="attributes"),
        "global_secondary_index": Fact(pulumi="globalSecondaryIndexes"),
        "local_secondary_index": Fact(pulumi="localSecondaryIndexes"),
        "replica": Fact(pulumi="replicas"),
    },
    "aws_lambda_event_source_mapping": {
        # -1: retry until the record expires (Kinesis/DynamoDB streams)
        "maximum_retry_attempts": Fact(-1, computed=True),
        "maximum_record_age_in_seconds": Fact(-1, computed=True),
        "source_access_configuration": Fact(pulumi="sourceAccessConfigurations"),
    },
    "aws_pipes_pipe": {
        "source_parameters.kinesis_stream_parameters.maximum_retry_attempts": Fact(-1),
        "source_parameters.kinesis_stream_parameters.maximum_record_age_in_seconds": Fact(-1, computed=True),
        "source_parameters.dynamodb_stream_parameters.maximum_retry_attempts": Fact(-1),
        "source_parameters.dynamodb_stream_parameters.maximum_record_age_in_seconds": Fact(-1, computed=True),
    },
    "aws_lambda_function_event_invoke_config": {"maximum_retry_attempts": Fact(2)},
    "aws_cloudwatch_event_target": {
        "retry_policy.maximum_event_age_in_seconds": Fact(86400, note="24 hours"),
        "retry_policy.maximum_retry_attempts": Fact(185),
    },
    "aws_efs_file_system": {"availability_zone_name": Fact("", computed=True)},
    "aws_elasticache_replication_group": {
        "num_cache_clusters": Fact(1, computed=True),
        "number_cache_clusters": Fact(1),  # num_cache_clusters' name before provider 5.0
        "num_node_groups": COMPUTED,
        "replicas_per_node_group": COMPUTED,
        "snapshot_retention_limit": Fact(0),
        "automatic_failover_enabled": Fact(False),
        "multi_az_enabled": Fact(False),
        "engine": Fact("redis"),
        "log_delivery_configuration": Fact(pulumi="logDeliveryConfigurations"),
        # a secondary of a global datastore when written (RES303): unknown in a plan when not
        "global_replication_group_id": COMPUTED,
    },
    "aws_elasticache_cluster": {
        "az_mode": Fact("single-az", computed=True),
        "num_cache_nodes": Fact(1, computed=True),
        "engine": COMPUTED,
        # a member of a replication group when written (RES304, RES512): unknown in a plan when not
        "replication_group_id": COMPUTED,
        "snapshot_retention_limit": Fact(0),
        "log_delivery_configuration": Fact(pulumi="logDeliveryConfigurations"),
    },
    "aws_opensearch_domain": {
        "cluster_config": COMPUTED,
        "cluster_config.zone_awareness_enabled": Fact(False),
        "cluster_config.instance_count": Fact(1),
    },
    "aws_elasticsearch_domain": {
        "cluster_config": COMPUTED,
        "cluster_config.zone_awareness_enabled": Fact(False),
        "cluster_config.instance_count": Fact(1),
    },
    "aws_autoscaling_group": {
        "desired_capacity": Fact(computed=True, state=SameAs("min_size")),  # the API starts at min_size
        "vpc_zone_identifier": Fact(pulumi="vpcZoneIdentifiers", computed=True, state=[]),
        "availability_zones": COMPUTED,
        "traffic_source": Fact(pulumi="trafficSources"),
        "initial_lifecycle_hook": Fact(pulumi="initialLifecycleHooks"),
        "mixed_instances_policy.launch_template.override": Fact(pulumi="overrides"),
    },
    "aws_sqs_queue": {
        "redrive_policy": Fact(computed=True, state=""),
        "redrive_allow_policy": Fact(computed=True, state=""),
        "message_retention_seconds": Fact(345600, note="4 days"),
        "visibility_timeout_seconds": Fact(30),
        "fifo_queue": Fact(False),
    },
    # 30 s (HTTP), 29 s (WebSocket): the rule decides by protocol; a deployed HTTP API shows 30000
    "aws_apigatewayv2_integration": {"timeout_milliseconds": Fact(computed=True, state=30000)},
    "aws_nat_gateway": {"availability_mode": Fact("zonal", computed=True)},
    "aws_ecs_service": {
        "desired_count": Fact(0),
        "capacity_provider_strategy": Fact(pulumi="capacityProviderStrategies"),
        "ordered_placement_strategy": Fact(pulumi="orderedPlacementStrategies"),
        "load_balancer": Fact(pulumi="loadBalancers"),
    },
    "aws_lb": {"load_balancer_type": Fact("application"), "subnet_mapping": Fact(pulumi="subnetMappings")},
    "aws_mq_broker": {"deployment_mode": Fact("SINGLE_INSTANCE"), "user": Fact(pulumi="users")},
    "aws_fsx_windows_file_system": {"deployment_type": Fact("SINGLE_AZ_1")},
    # aws_fsx_ontap_file_system / aws_fsx_openzfs_file_system: deployment_type is required
    "aws_redshift_cluster": {"multi_az": Fact(False), "number_of_nodes": Fact(1)},
    "aws_lambda_function": {"function_name": Fact(pulumi="name"), "timeout": Fact(3)},  # seconds
    "aws_lambda_permission": {"function_name": Fact(pulumi="function")},
    "aws_sns_topic_subscription": {"topic_arn": Fact(pulumi="topic")},
    "aws_api_gateway_integration": {"rest_api_id": Fact(pulumi="restApi")},
    "aws_route_table": {"route": Fact(pulumi="routes", computed=True)},
    "aws_eks_node_group": {"taint": Fact(pulumi="taints")},
    "aws_s3_bucket_notification": {
        "lambda_function": Fact(pulumi="lambdaFunctions"),
        "queue": Fact(pulumi="queues"),
        "topic": Fact(pulumi="topics"),
    },
}

# ---------------------------------------------------------------------- GCP
_MIG = {
    "target_size": Fact(0),
    "version": Fact(pulumi="versions"),
    "named_port": Fact(pulumi="namedPorts"),
    "stateful_disk": Fact(pulumi="statefulDisks"),
}
GCP: dict[str, dict[str, Fact]] = {
    "google_sql_database_instance": {
        # RES311/RES511: master_instance_name and instance_type are O+C; unset = a primary
        "settings.backup_configuration": COMPUTED,
        "master_instance_name": COMPUTED,
        "instance_type": COMPUTED,
        "settings.availability_type": Fact("ZONAL"),
        "settings.deletion_protection_enabled": Fact(False),
        "settings.backup_configuration.binary_log_enabled": Fact(False),
        "settings.backup_configuration.point_in_time_recovery_enabled": Fact(False),
        "deletion_protection": Fact(True),  # Terraform's own guard (provider docs), not the API's
    },
    "google_redis_instance": {"tier": Fact("BASIC")},
    "google_pubsub_subscription": {"message_retention_duration": Fact("604800s", note="7 days")},
    "google_alloydb_instance": {"availability_type": Fact("REGIONAL")},
    "google_compute_instance_group_manager": _MIG,
    "google_compute_region_instance_group_manager": _MIG,
    "google_container_cluster": {"node_pool": Fact(pulumi="nodePools")},
    "google_compute_backend_service": {"backend": Fact(pulumi="backends")},
    "google_compute_region_backend_service": {"backend": Fact(pulumi="backends")},
}

# -------------------------------------------------------------------- Azure
_SCALE_SET = {
    "instances": Fact(0),
    "network_interface": Fact(pulumi="networkInterfaces"),
    "data_disk": Fact(pulumi="dataDisks"),
    "extension": Fact(pulumi="extensions"),
}
_EVENTGRID_SUBSCRIPTION = {"delivery_property": Fact(pulumi="deliveryProperties")}
AZURE: dict[str, dict[str, Fact]] = {
    "azurerm_mssql_database": {"zone_redundant": Fact(False, computed=True)},
    "azurerm_mssql_elasticpool": {"zone_redundant": Fact(False)},
    "azurerm_service_plan": {"worker_count": COMPUTED, "zone_balancing_enabled": Fact(False)},
    "azurerm_kubernetes_cluster": {"default_node_pool.node_count": COMPUTED},
    "azurerm_kubernetes_cluster_node_pool": {"node_count": COMPUTED},
    "azurerm_lb": {"sku": Fact("Standard"), "frontend_ip_configuration": Fact(pulumi="frontendIpConfigurations")},
    "azurerm_servicebus_queue": {"dead_lettering_on_message_expiration": Fact(False)},
    "azurerm_servicebus_subscription": {"dead_lettering_on_message_expiration": Fact(False)},
    "azurerm_cosmosdb_account": {
        "geo_location": Fact(pulumi="geoLocations"),
        "geo_location.zone_redundant": Fact(False),
        "virtual_network_rule": Fact(pulumi="virtualNetworkRules"),
    },
    "azurerm_linux_virtual_machine_scale_set": {**_SCALE_SET, "admin_ssh_key": Fact(pulumi="adminSshKeys")},
    "azurerm_windows_virtual_machine_scale_set": _SCALE_SET,
    "azurerm_orchestrated_virtual_machine_scale_set": _SCALE_SET,
    "azurerm_monitor_autoscale_setting": {"profile": Fact(pulumi="profiles")},
    "azurerm_eventgrid_event_subscription": _EVENTGRID_SUBSCRIPTION,
    "azurerm_eventgrid_system_topic_event_subscription": _EVENTGRID_SUBSCRIPTION,
    # azure-native (ARM property paths, as the program writes them)
    "azure-native:sql:Database": {"zoneRedundant": Fact(False, computed=True)},
    "azure-native:sql:ElasticPool": {"zoneRedundant": Fact(False)},
    # ARM ManagedClusterAgentPoolProfile / AgentPool `count`: "The default value is 1." (computed: an
    # update that stops writing it keeps the pool's size, RES190)
    "azure-native:containerservice:AgentPool": {"count": Fact(1, computed=True)},
    "azure-native:containerservice:ManagedCluster": {"agentPoolProfiles.count": Fact(1)},
    "azure-native:cosmosdb:DatabaseAccount": {"locations.isZoneRedundant": Fact(False)},
    "azure-native:documentdb:DatabaseAccount": {"locations.isZoneRedundant": Fact(False)},
    "azure-native:dbforpostgresql:Server": {"highAvailability.mode": Fact("Disabled")},
    "azure-native:dbformysql:Server": {"highAvailability.mode": Fact("Disabled")},
}

# --------------------------------------------------------------- Kubernetes
# `group/Kind` types (the core group is `core`) and API paths; the operators'
# custom resources beside the API's own kinds. Sources: the rule catalog's
# "Default" lines (shared/rules.md), which quote the API types; operator rows
# cite the operator's API reference.
_REPLICAS_1 = Fact(1)  # "Defaults to 1" (apps/v1 DeploymentSpec, StatefulSetSpec, ReplicaSetSpec; rules.md RES101/RES102)
KUBERNETES: dict[str, dict[str, Fact]] = {  # sorted by type
    "apps/Deployment": {
        "spec.replicas": _REPLICAS_1,
        # RollingUpdate with maxUnavailable 25% (rounded down), maxSurge 25% (rules.md RES506)
        "spec.strategy.rollingUpdate.maxSurge": Fact("25%"),
        "spec.strategy.rollingUpdate.maxUnavailable": Fact("25%"),
        "spec.strategy.type": Fact("RollingUpdate"),
    },
    "apps/ReplicaSet": {"spec.replicas": _REPLICAS_1},
    "apps/StatefulSet": {"spec.replicas": _REPLICAS_1},
    "argoproj.io/Rollout": {"spec.replicas": _REPLICAS_1},  # "Defaults to 1" (Argo Rollouts RolloutSpec.replicas)
    # "It defaults to 1 pod" (autoscaling/v2 HorizontalPodAutoscalerSpec; rules.md RES103)
    "autoscaling/HorizontalPodAutoscaler": {"spec.minReplicas": Fact(1)},
    "batch/CronJob": {"spec.jobTemplate.spec.backoffLimit": Fact(6)},  # as batch/Job
    "batch/Job": {"spec.backoffLimit": Fact(6)},  # batch/v1 JobSpec: "Defaults to 6" (rules.md RES414)
    # Altinity clickhouse-operator: a cluster layout's replicasCount (and shardsCount) default to 1
    "clickhouse.altinity.com/ClickHouseInstallation": {"spec.configuration.clusters.layout.replicasCount": Fact(1)},
    "k8s.mariadb.com/MariaDB": {"spec.replicas": Fact(1)},  # mariadb-operator MariaDBSpec.replicas: default 1
    # KEDA ScaledObject spec (rules.md RES103, Appendix C)
    "keda.sh/ScaledObject": {"spec.maxReplicaCount": Fact(100), "spec.minReplicaCount": Fact(0)},
    # the operators' documented sizes (replicas_operators.OPERATOR_SIZES links each API reference)
    "monitoring.coreos.com/Alertmanager": {"spec.replicas": Fact(1)},  # AlertmanagerSpec.replicas
    "monitoring.coreos.com/Prometheus": {"spec.replicas": Fact(1)},  # PrometheusSpec.replicas
    "monitoring.coreos.com/ThanosRuler": {"spec.replicas": Fact(1)},  # ThanosRulerSpec.replicas
    # policy/v1 PodDisruptionBudgetSpec: "IfHealthyBudget ... the default"
    "policy/PodDisruptionBudget": {"spec.unhealthyPodEvictionPolicy": Fact("IfHealthyBudget")},
    # Crunchy Data PGO v5 PostgresCluster: each `instances` set's replicas, "default: 1" in the CRD
    "postgres-operator.crunchydata.com/PostgresCluster": {"spec.instances.replicas": Fact(1)},
    "postgresql.cnpg.io/Cluster": {"spec.instances": Fact(1)},  # CloudNativePG ClusterSpec.instances
    "rabbitmq.com/RabbitmqCluster": {"spec.replicas": Fact(1)},  # RabbitMQ cluster operator: replicas
}

FACTS: dict[str, dict[str, Fact]] = {**AWS, **GCP, **AZURE, **KUBERNETES}
_NONE = Fact()


def fact(resource_type: str, path: str) -> Fact:
    """What the table says about one attribute (an empty Fact when nothing); list
    indexes in the path are skipped (`locations.0.isZoneRedundant`)."""
    facts = FACTS.get(resource_type)
    if not facts:
        return _NONE
    found = facts.get(path)
    if found is None and "." in path:  # an index is a part of its own
        found = facts.get(".".join(part for part in path.split(".") if not part.isdigit()))
    return found or _NONE


def default(resource_type: str, path: str) -> Any:
    """The provider's value for an attribute that is not written (None: none)."""
    return fact(resource_type, path).default


def state(resource_type: str, path: str, attrs: dict[str, Any]) -> Any:
    """What a deployed resource reports for an unwritten Optional+Computed attribute
    (`attrs`: the attributes written; None: it reports nothing)."""
    f = fact(resource_type, path)
    value = f.default if f.state is None else f.state
    return attrs.get(value.path) if isinstance(value, SameAs) else value


def is_default(resource_type: str, path: str, value: Any) -> bool:
    """The value is the table's default for the attribute (`1 == True` aside)."""
    found = fact(resource_type, path).default
    return found is not None and type(value) is type(found) and value == found


def paths(resource_type: str) -> tuple[str, ...]:
    """Every attribute path of a type the table has a row for."""
    return tuple(FACTS.get(resource_type, {}))


def optional_computed(resource_type: str) -> tuple[str, ...]:
    """The Optional+Computed attribute paths of a type that rules read."""
    return tuple(path for path, f in FACTS.get(resource_type, {}).items() if f.computed)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def pulumi_renames() -> dict[str, dict[str, str]]:
    """type -> {Pulumi path of a renamed property: its Terraform name}: the camelCase
    path of the parent blocks plus the Pulumi name (`normalize.names.RENAMES`)."""
    out: dict[str, dict[str, str]] = {}
    for resource_type, facts in FACTS.items():
        for path, f in facts.items():
            if f.pulumi is None:
                continue
            *parents, name = path.split(".")
            out.setdefault(resource_type, {})[".".join([*map(_camel, parents), f.pulumi])] = name
    return out
