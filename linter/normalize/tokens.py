"""The one table of Pulumi type tokens and the canonical types they become.

Bridged providers (`aws`, `gcp`, `azure`) are generated from the Terraform
providers, so each token names exactly one Terraform type (rules.md Appendix
A). The table is explicit: the module/resource part of a token does not
derive the Terraform name (`aws:rds/instance:Instance` is `aws_db_instance`,
`aws:ec2/subnet:Subnet` is `aws_subnet`). A token missing from the table keeps
its token as its type, so no rule matches it by accident.

Kubernetes tokens (`kubernetes:<group>/<version>:<Kind>`) are parsed, not
listed: they become `group/Kind` (`core` for the core group), as the YAML
loader does. `azure-native:*` has no Terraform twin (ARM property names):
its token, without an API-version module (`azure-native:storage/v20230101:
StorageAccount` is `azure-native:storage:StorageAccount`), is its type and
its properties are kept as they are. Rules that cover an azure-native type
declare it next to its azurerm twin and read its ARM paths themselves
(rules.md Appendix B point 7); AZURE_NATIVE_TYPES lists those types.

`tests/test_pulumi_loader.py` fails when a Terraform type a rule applies to
has no token here and is not listed in NO_PULUMI_MAPPING with a reason.
"""

from __future__ import annotations

import functools

import re

PULUMI_TOKENS: dict[str, str] = {
    # ---- AWS (pulumi-aws)
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/cluster:Cluster": "aws_rds_cluster",
    "aws:rds/clusterInstance:ClusterInstance": "aws_rds_cluster_instance",
    "aws:docdb/cluster:Cluster": "aws_docdb_cluster",
    "aws:docdb/clusterInstance:ClusterInstance": "aws_docdb_cluster_instance",
    "aws:neptune/cluster:Cluster": "aws_neptune_cluster",
    "aws:neptune/clusterInstance:ClusterInstance": "aws_neptune_cluster_instance",
    "aws:sqs/queue:Queue": "aws_sqs_queue",
    "aws:sqs/queuePolicy:QueuePolicy": "aws_sqs_queue_policy",
    "aws:sqs/redrivePolicy:RedrivePolicy": "aws_sqs_queue_redrive_policy",
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": "aws_sqs_queue_redrive_allow_policy",
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:lambda/alias:Alias": "aws_lambda_alias",
    "aws:lambda/eventSourceMapping:EventSourceMapping": "aws_lambda_event_source_mapping",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": "aws_lambda_function_event_invoke_config",
    "aws:lambda/permission:Permission": "aws_lambda_permission",
    "aws:autoscaling/group:Group": "aws_autoscaling_group",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:alb/loadBalancer:LoadBalancer": "aws_lb",  # alias of the same resource
    "aws:lb/targetGroup:TargetGroup": "aws_lb_target_group",
    "aws:alb/targetGroup:TargetGroup": "aws_lb_target_group",
    "aws:elb/loadBalancer:LoadBalancer": "aws_elb",
    "aws:ecs/service:Service": "aws_ecs_service",
    "aws:ecs/cluster:Cluster": "aws_ecs_cluster",
    "aws:ecs/taskDefinition:TaskDefinition": "aws_ecs_task_definition",
    "aws:appautoscaling/target:Target": "aws_appautoscaling_target",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/defaultSubnet:DefaultSubnet": "aws_default_subnet",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/route:Route": "aws_route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/instance:Instance": "aws_instance",
    "aws:ec2/launchTemplate:LaunchTemplate": "aws_launch_template",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:elasticache/replicationGroup:ReplicationGroup": "aws_elasticache_replication_group",
    "aws:elasticache/cluster:Cluster": "aws_elasticache_cluster",
    "aws:elasticache/serverlessCache:ServerlessCache": "aws_elasticache_serverless_cache",
    "aws:dynamodb/table:Table": "aws_dynamodb_table",
    "aws:apigateway/restApi:RestApi": "aws_api_gateway_rest_api",
    "aws:apigateway/integration:Integration": "aws_api_gateway_integration",
    "aws:apigatewayv2/api:Api": "aws_apigatewayv2_api",
    "aws:apigatewayv2/integration:Integration": "aws_apigatewayv2_integration",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    # their `arn` is the topic's (index.ARN_OF_ANOTHER_RESOURCE)
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/dataProtectionPolicy:DataProtectionPolicy": "aws_sns_topic_data_protection_policy",
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:eks/cluster:Cluster": "aws_eks_cluster",
    "aws:eks/nodeGroup:NodeGroup": "aws_eks_node_group",
    "aws:mq/broker:Broker": "aws_mq_broker",
    "aws:opensearch/domain:Domain": "aws_opensearch_domain",
    "aws:elasticsearch/domain:Domain": "aws_elasticsearch_domain",
    "aws:efs/fileSystem:FileSystem": "aws_efs_file_system",
    "aws:efs/replicationConfiguration:ReplicationConfiguration": "aws_efs_replication_configuration",
    "aws:fsx/windowsFileSystem:WindowsFileSystem": "aws_fsx_windows_file_system",
    "aws:fsx/ontapFileSystem:OntapFileSystem": "aws_fsx_ontap_file_system",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": "aws_fsx_openzfs_file_system",
    "aws:fsx/lustreFileSystem:LustreFileSystem": "aws_fsx_lustre_file_system",
    "aws:redshift/cluster:Cluster": "aws_redshift_cluster",
    "aws:sfn/stateMachine:StateMachine": "aws_sfn_state_machine",
    "aws:kinesis/stream:Stream": "aws_kinesis_stream",
    "aws:msk/cluster:Cluster": "aws_msk_cluster",
    "aws:msk/serverlessCluster:ServerlessCluster": "aws_msk_serverless_cluster",
    "aws:pipes/pipe:Pipe": "aws_pipes_pipe",
    "aws:s3/bucketV2:BucketV2": "aws_s3_bucket",  # the current token first (the fixture generator takes it)
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketNotification:BucketNotification": "aws_s3_bucket_notification",
    "aws:iam/role:Role": "aws_iam_role",
    # ---- Google Cloud (pulumi-gcp)
    "gcp:sql/databaseInstance:DatabaseInstance": "google_sql_database_instance",
    "gcp:sql/database:Database": "google_sql_database",
    "gcp:sql/user:User": "google_sql_user",
    "gcp:container/cluster:Cluster": "google_container_cluster",
    "gcp:container/nodePool:NodePool": "google_container_node_pool",
    "gcp:pubsub/topic:Topic": "google_pubsub_topic",
    "gcp:pubsub/subscription:Subscription": "google_pubsub_subscription",
    "gcp:cloudtasks/queue:Queue": "google_cloud_tasks_queue",
    "gcp:redis/instance:Instance": "google_redis_instance",
    "gcp:compute/instanceGroupManager:InstanceGroupManager": "google_compute_instance_group_manager",
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": "google_compute_region_instance_group_manager",
    "gcp:compute/autoscaler:Autoscaler": "google_compute_autoscaler",
    "gcp:compute/regionAutoscaler:RegionAutoscaler": "google_compute_region_autoscaler",
    "gcp:compute/backendService:BackendService": "google_compute_backend_service",
    "gcp:compute/regionBackendService:RegionBackendService": "google_compute_region_backend_service",
    "gcp:filestore/instance:Instance": "google_filestore_instance",
    "gcp:alloydb/cluster:Cluster": "google_alloydb_cluster",
    "gcp:alloydb/instance:Instance": "google_alloydb_instance",
    "gcp:cloudrunv2/service:Service": "google_cloud_run_v2_service",
    "gcp:cloudrun/service:Service": "google_cloud_run_service",
    "gcp:compute/instanceTemplate:InstanceTemplate": "google_compute_instance_template",
    "gcp:cloudfunctions/function:Function": "google_cloudfunctions_function",
    "gcp:cloudfunctionsv2/function:Function": "google_cloudfunctions2_function",
    "gcp:serviceaccount/account:Account": "google_service_account",
    # ---- Azure classic (pulumi-azure)
    "azure:core/resourceGroup:ResourceGroup": "azurerm_resource_group",
    "azure:storage/account:Account": "azurerm_storage_account",
    "azure:containerservice/kubernetesCluster:KubernetesCluster": "azurerm_kubernetes_cluster",
    "azure:containerservice/kubernetesClusterNodePool:KubernetesClusterNodePool": "azurerm_kubernetes_cluster_node_pool",
    "azure:compute/linuxVirtualMachineScaleSet:LinuxVirtualMachineScaleSet": "azurerm_linux_virtual_machine_scale_set",
    "azure:compute/windowsVirtualMachineScaleSet:WindowsVirtualMachineScaleSet": "azurerm_windows_virtual_machine_scale_set",
    "azure:compute/orchestratedVirtualMachineScaleSet:OrchestratedVirtualMachineScaleSet": "azurerm_orchestrated_virtual_machine_scale_set",
    "azure:appservice/servicePlan:ServicePlan": "azurerm_service_plan",
    "azure:appservice/linuxWebApp:LinuxWebApp": "azurerm_linux_web_app",
    "azure:appservice/windowsWebApp:WindowsWebApp": "azurerm_windows_web_app",
    "azure:appservice/linuxFunctionApp:LinuxFunctionApp": "azurerm_linux_function_app",
    "azure:appservice/windowsFunctionApp:WindowsFunctionApp": "azurerm_windows_function_app",
    "azure:lb/loadBalancer:LoadBalancer": "azurerm_lb",
    "azure:postgresql/flexibleServer:FlexibleServer": "azurerm_postgresql_flexible_server",
    "azure:mysql/flexibleServer:FlexibleServer": "azurerm_mysql_flexible_server",
    "azure:mssql/database:Database": "azurerm_mssql_database",
    "azure:mssql/elasticPool:ElasticPool": "azurerm_mssql_elasticpool",
    "azure:redis/cache:Cache": "azurerm_redis_cache",
    "azure:cosmosdb/account:Account": "azurerm_cosmosdb_account",
    "azure:servicebus/namespace:Namespace": "azurerm_servicebus_namespace",
    "azure:servicebus/queue:Queue": "azurerm_servicebus_queue",
    "azure:servicebus/subscription:Subscription": "azurerm_servicebus_subscription",
    "azure:eventgrid/eventSubscription:EventSubscription": "azurerm_eventgrid_event_subscription",
    "azure:eventgrid/systemTopicEventSubscription:SystemTopicEventSubscription": "azurerm_eventgrid_system_topic_event_subscription",
    "azure:monitoring/autoscaleSetting:AutoscaleSetting": "azurerm_monitor_autoscale_setting",
}

# Terraform types rules may name that deliberately have no Pulumi token.
NO_PULUMI_MAPPING: dict[str, str] = {
    "aws_alb": "pulumi-aws's aws:alb/loadBalancer:LoadBalancer is an alias of aws_lb and normalises to aws_lb",
    "aws_alb_target_group": "alias of aws_lb_target_group (aws:alb/targetGroup:TargetGroup normalises to it)",
}
# Whole families with no Pulumi twin. The Terraform kubernetes provider's
# `kubernetes_deployment` etc.: Pulumi's Kubernetes provider is not bridged,
# its `kubernetes:apps/v1:Deployment` normalises to `apps/Deployment`.
NO_PULUMI_MAPPING_PREFIXES: dict[str, str] = {
    "kubernetes_": "Pulumi's Kubernetes provider is native: kubernetes:<group>/<version>:<Kind> becomes <group>/<Kind>",
}


# azure-native types rules read (ARM property names, no conversion), with the
# azurerm type they stand beside in those rules (rules.md Appendix A rows 31-34).
AZURE_NATIVE_TYPES: dict[str, str] = {
    "azure-native:resources:ResourceGroup": "azurerm_resource_group",
    "azure-native:storage:StorageAccount": "azurerm_storage_account",
    "azure-native:containerservice:ManagedCluster": "azurerm_kubernetes_cluster",
    "azure-native:containerservice:AgentPool": "azurerm_kubernetes_cluster_node_pool",
    "azure-native:sql:Database": "azurerm_mssql_database",
    "azure-native:sql:ElasticPool": "azurerm_mssql_elasticpool",
    # flexible servers (azure-native v2+; v1's and the 2017 API's single servers
    # have the same token and a `properties` object instead: not judged)
    "azure-native:dbforpostgresql:Server": "azurerm_postgresql_flexible_server",
    "azure-native:dbformysql:Server": "azurerm_mysql_flexible_server",
    "azure-native:redis:Redis": "azurerm_redis_cache",
    "azure-native:cache:Redis": "azurerm_redis_cache",  # azure-native v1 module name
    "azure-native:cosmosdb:DatabaseAccount": "azurerm_cosmosdb_account",
    "azure-native:documentdb:DatabaseAccount": "azurerm_cosmosdb_account",  # azure-native v1 module name
}

# `azure-native:storage/v20230101:StorageAccount`: an explicit API version
_ARM_API_VERSION = re.compile(r"/v\d{8}(?:preview|privatepreview)?$", re.IGNORECASE)


def azure_native_type(token: str) -> str:
    """The canonical type of an azure-native token: the token without its API-version module."""
    package, _, rest = token.partition(":")
    module, sep, resource = rest.partition(":")
    if package != "azure-native" or not sep:
        return token
    return f"{package}:{_ARM_API_VERSION.sub('', module)}:{resource}"


def has_no_pulumi_mapping(tf_type: str) -> str | None:
    """Why a Terraform type deliberately has no Pulumi token (None: it should have one)."""
    if tf_type in NO_PULUMI_MAPPING:
        return NO_PULUMI_MAPPING[tf_type]
    for prefix, reason in NO_PULUMI_MAPPING_PREFIXES.items():
        if tf_type.startswith(prefix):
            return reason
    return None

# Reverse view, for docs and the coverage test.
TERRAFORM_TO_PULUMI: dict[str, list[str]] = {}
for _token, _tf in PULUMI_TOKENS.items():
    TERRAFORM_TO_PULUMI.setdefault(_tf, []).append(_token)

# Packages generated from a Terraform provider: camelCased Terraform names.
BRIDGED_PACKAGES = {"aws", "gcp", "azure", "azuread", "cloudflare", "datadog", "random", "tls"}

# Kubernetes provider tokens that are not Kubernetes objects (Helm releases,
# YAML/Kustomize components) or only part of one (server-side-apply patches).
_K8S_NOT_OBJECTS = {"helm.sh", "yaml", "kustomize"}
KUSTOMIZE_DIRECTORY = "kubernetes:kustomize/v2:Directory"


@functools.lru_cache(maxsize=4096)  # a document holds few distinct tokens, read for every resource
def kubernetes_token(token: str) -> tuple[str, str, str] | None:
    """`kubernetes:apps/v1:Deployment` -> ("apps/Deployment", "apps/v1", "Deployment").

    None for provider tokens that are not one whole Kubernetes object.
    """
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "kubernetes" or "/" not in parts[1]:
        return None
    group, version = parts[1].rsplit("/", 1)
    kind = parts[2]
    if group in _K8S_NOT_OBJECTS or group.split("/")[0] in _K8S_NOT_OBJECTS:
        return None
    if kind.endswith("Patch") or kind.endswith("List"):
        return None
    api_version = version if group == "core" else f"{group}/{version}"
    return f"{group}/{kind}", api_version, kind


# a resource that releases a Helm chart or builds a kustomization, by what it is
# (loaders/pulumi_releases.py): kept, with its token and properties, so what it deploys of this
# repository is judged as it deploys it
PULUMI_DEPLOYERS = {"kubernetes:helm.sh/v4:Chart": "Chart", "kubernetes:helm.sh/v3:Release": "Release",
                    KUSTOMIZE_DIRECTORY: "Directory"}


@functools.lru_cache(maxsize=4096)
def canonical_type(token: str) -> tuple[str, str]:
    """(canonical type, family) for a token.

    family: "cloud" (bridged provider: snake_case the properties),
    "kubernetes" (the object as YAML gives it), "native" (no Terraform twin:
    keep token and properties), "skip" (not infrastructure to lint).
    """
    if token.startswith("pulumi:"):
        return token, "skip"  # providers, the stack itself
    if token in PULUMI_DEPLOYERS:
        return token, "native"
    if token.startswith("kubernetes:"):
        k8s = kubernetes_token(token)
        return (k8s[0], "kubernetes") if k8s else (token, "skip")
    mapped = PULUMI_TOKENS.get(token)
    if mapped:
        return mapped, "cloud"
    if token.split(":", 1)[0] in BRIDGED_PACKAGES:
        return token, "cloud"  # bridged but unmapped: snake_case, no rule matches
    if token.startswith("azure-native:"):
        return azure_native_type(token), "native"
    return token, "native"
