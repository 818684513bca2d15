"""RES104-RES109 for AWS: single instances, single zones, a shared NAT gateway."""

from __future__ import annotations

from typing import Any, Iterator, TYPE_CHECKING

from linter.model import Resource, Severity, Violation, is_unknown
from linter.rules import rule
from linter.rules._aws import (
    is_local_zone, known_str, subnet_placement, written,
)
from linter.rules._refs import resolve_one
from linter.rules._values import as_int, setting

if TYPE_CHECKING:
    from linter.engine import Context
    from linter.index import Index

ASG = "aws_autoscaling_group"
ECS_SERVICE = "aws_ecs_service"
EKS_NODE_GROUP = "aws_eks_node_group"
LAMBDA_FUNCTION = "aws_lambda_function"


# ------------------------------------------------------------------ sizes
def asg_sizes(r: Resource) -> tuple[int, int, Any] | None:
    """(floor, max, desired setting) of an Auto Scaling group; None when any is unknown."""
    min_size = as_int(r.get("min_size"))
    max_size = as_int(r.get("max_size"))
    desired = setting(r, "desired_capacity")
    if min_size is None or max_size is None or desired.unknown:
        return None
    if desired.defaulted:
        return min_size, max_size, desired
    floor = as_int(desired.value)
    if floor is None:
        return None
    return floor, max_size, desired


def eks_single_node(r: Resource) -> bool | None:
    """RES109's test: the node group can run (or shrink to) a single node; None when unknown."""
    desired = as_int(r.get("scaling_config.desired_size"))
    minimum = as_int(r.get("scaling_config.min_size"))
    maximum = as_int(r.get("scaling_config.max_size"))
    if desired is None or minimum is None or maximum is None:
        return None
    if maximum == 1:
        return True
    if desired == 0 and minimum == 0 and maximum == 0:
        return False
    return desired <= 1 and minimum <= 1 and maximum >= 1


def _ecs_targets(index: Index) -> dict[str, list[Resource]]:
    """ECS services -> their aws_appautoscaling_target (DesiredCount); `None` key: unmatched targets."""
    out: dict[str, list[Resource]] = {"unmatched": []}
    services = index.by_type(ECS_SERVICE)
    for t in index.by_type("aws_appautoscaling_target"):
        namespace = t.get("service_namespace")
        dimension = t.get("scalable_dimension")
        if is_unknown(namespace) or is_unknown(dimension):
            out["unmatched"].append(t)
            continue
        if namespace != "ecs" or dimension != "ecs:service:DesiredCount":
            continue
        resource_id = t.get("resource_id")
        matched = None
        if isinstance(resource_id, str):
            # service/<cluster>/<service>
            parts = resource_id.split("/")
            if len(parts) == 3:
                for s in services:
                    if known_str(s.get("name")) == parts[2] and _cluster_name(s) in (None, parts[1]):
                        matched = s
                        break
        elif is_unknown(resource_id):
            named = [index.resolve(ref) for ref in resource_id.refs]
            named = [n for n in named if n is not None and n.type == ECS_SERVICE]
            if len(named) == 1:
                matched = named[0]
        if matched is None:
            out["unmatched"].append(t)
        else:
            out.setdefault(matched.address, []).append(t)
    return out


def _cluster_name(service: Resource) -> str | None:
    cluster = known_str(service.get("cluster"))
    if cluster is None:
        return None
    return cluster.rsplit("/", 1)[-1] if cluster.startswith("arn:") else cluster


def ecs_floor(r: Resource, index: Index) -> tuple[int, str] | None:
    """(floor, what sets it) for an ECS service; None when unknown, DAEMON or unmatched autoscaling."""
    strategy = r.get("scheduling_strategy")
    if is_unknown(strategy) or strategy == "DAEMON":
        return None
    targets = index.memo("aws.ecs.autoscaling_targets", _ecs_targets)
    mine = targets.get(r.address, [])
    if mine:
        floors = [as_int(t.get("min_capacity")) for t in mine]
        known = [f for f in floors if f is not None]
        if len(known) != len(floors):
            return None
        lowest = mine[floors.index(min(known))]
        return min(known), f"{lowest.address} {setting(lowest, 'min_capacity').describe()}"
    if targets["unmatched"]:
        return None  # an autoscaling target we cannot place may own this service's count
    desired = setting(r, "desired_count")
    count = as_int(desired.value)
    if count is None:
        return None
    return count, desired.describe()


# ------------------------------------------------------------------ RES104
@rule(
    id="RES104",
    name="aws-asg-single-instance",
    title="Auto Scaling group keeps only one instance.",
    severity=Severity.HIGH,
    types=(ASG,),
    remediation="Set min_size and desired_capacity to 2 or more and max_size above them, with subnets in several Availability Zones.",
)
def asg_single_instance(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports Auto Scaling groups whose effective floor is one instance:
    `desired_capacity = 1`, or `desired_capacity` unset (the group starts at
    `min_size`) with `min_size = 1`, and groups with `max_size = 1`, which can
    never hold two. Parked groups (all zero) are not reported.

    Why is this bad?
    A single instance is a single point of failure: an instance failure, a
    zone outage or a replacement during a deployment is an outage until the
    group launches and warms up a new instance.

    Example
    ```hcl
    resource "aws_autoscaling_group" "web" {
      min_size = 1
      max_size = 4
    }
    ```

    Use instead
    ```hcl
    resource "aws_autoscaling_group" "web" {
      min_size         = 2
      desired_capacity = 2
      max_size         = 6
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/autoscaling_group
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    - AWS Well-Architected REL11-BP03, Automate healing on all layers: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_withstand_component_failures_auto_healing_system.html
    """
    sizes = asg_sizes(r)
    if sizes is None:
        return
    floor, max_size, desired = sizes
    what = f"Auto Scaling group {r.address}"
    if floor == 0 or max_size == 0:
        return  # parked
    if max_size == 1:
        yield Violation(f"{what} can never run more than one instance: {setting(r, 'max_size').describe()}",
                        path="max_size")
    elif floor == 1:
        if desired.defaulted:
            yield Violation(
                f"{what} keeps a single instance: {setting(r, 'min_size').describe()} and desired_capacity is unset, "
                "so the group starts and can stay at 1",
                path="min_size",
            )
        else:
            yield Violation(f"{what} keeps a single instance: {desired.describe()}", path="desired_capacity")


# ------------------------------------------------------------------ RES105
_SUBNET_PATHS = {
    ASG: "vpc_zone_identifier",
    ECS_SERVICE: "network_configuration.subnets",
    EKS_NODE_GROUP: "subnet_ids",
    LAMBDA_FUNCTION: "vpc_config.subnet_ids",
}
_KIND = {
    ASG: "Auto Scaling group",
    ECS_SERVICE: "ECS service",
    EKS_NODE_GROUP: "EKS node group",
    LAMBDA_FUNCTION: "Lambda function",
}


def _size_of(r: Resource, index: Index) -> tuple[int, str] | None:
    """How many instances the workload runs, when RES105 should judge it; None = silent."""
    if r.type == ASG:
        sizes = asg_sizes(r)
        if sizes is None:
            return None
        floor, max_size, _ = sizes
        return (floor, f"{floor} instances") if max_size >= 2 else None
    if r.type == ECS_SERVICE:
        ecs = ecs_floor(r, index)
        return (ecs[0], f"{ecs[0]} tasks") if ecs else None
    if r.type == EKS_NODE_GROUP:
        single = eks_single_node(r)
        if single is None or single:
            return None
        return 2, f"{as_int(r.get('scaling_config.desired_size'))} nodes"
    return 2, ""  # a Lambda function scales out on its own


@rule(
    id="RES105",
    name="aws-compute-subnets-single-az",
    title="Compute is placed in subnets of a single Availability Zone.",
    severity=Severity.HIGH,
    types=(ASG, ECS_SERVICE, EKS_NODE_GROUP, LAMBDA_FUNCTION),
    remediation="Place the workload in subnets of at least two Availability Zones (one private subnet per zone).",
    cross=True,
)
def compute_subnets_single_az(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Resolves the subnets an Auto Scaling group (`vpc_zone_identifier` or
    `availability_zones`), ECS service (`network_configuration.subnets`), EKS
    node group (`subnet_ids`) or VPC Lambda function (`vpc_config.subnet_ids`)
    is placed in, and reports it when every subnet is in the same
    Availability Zone. Subnets are followed to `aws_subnet` or
    `data.aws_subnet`; an unresolved subnet or an unknown zone keeps it
    silent, and so does a workload of fewer than two instances (RES104,
    RES107 and RES109 speak for those).

    Why is this bad?
    Several instances in one zone are still a single point of failure: one
    zone outage takes all of them down together.

    Example
    ```hcl
    resource "aws_autoscaling_group" "web" {
      min_size            = 3
      max_size            = 6
      vpc_zone_identifier = [aws_subnet.private_a.id]   # us-east-1a only
    }
    ```

    Use instead
    ```hcl
    vpc_zone_identifier = [aws_subnet.private_a.id, aws_subnet.private_b.id, aws_subnet.private_c.id]
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/autoscaling_group (`vpc_zone_identifier`)
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/subnet
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    size = _size_of(r, ctx.index)
    if size is None or size[0] < 2:
        return
    what = f"{_KIND[r.type]} {r.address}"
    runs = f" runs {size[1]} but" if size[1] else ""
    path = _SUBNET_PATHS[r.type]
    if r.type == ASG:
        # availability_zones and vpc_zone_identifier are both Optional+Computed: a plan
        # shows the one the user did not write as unknown, so read whichever is known
        zones = r.get("availability_zones")
        if isinstance(zones, list) and zones and all(isinstance(z, str) and z for z in zones):
            if len(set(zones)) == 1:
                yield Violation(
                    f"{what}{runs} uses a single Availability Zone ({setting(r, 'availability_zones').describe()})",
                    path="availability_zones",
                )
            return
    subnets = r.get(path)
    placement = subnet_placement(ctx.index, subnets)
    if placement is None or not placement.single:
        return
    names = ", ".join(s.address for s in placement.subnets)
    yield Violation(
        f"{what}{runs} all of its subnets are in one Availability Zone, {placement.zones[0]} "
        f"({path}: {names})",
        path=path,
    )


# ------------------------------------------------------------------ RES106
@rule(
    id="RES106",
    name="aws-lb-single-az",
    title="Load balancer is attached to subnets in one Availability Zone.",
    severity=Severity.HIGH,
    types=("aws_lb", "aws_alb"),
    remediation="Attach the load balancer to subnets in at least two Availability Zones.",
    cross=True,
)
def lb_single_az(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Resolves the subnets of an `aws_lb` / `aws_alb` (`subnets` or
    `subnet_mapping[*].subnet_id`) to their Availability Zones and reports the
    load balancer when they are all in one zone. Application load balancers
    are rejected by the ELB API in that case (apply fails); network and
    gateway load balancers are accepted and silently depend on one zone.
    Outpost and Local Zone subnets are not reported.

    Why is this bad?
    The load balancer only has nodes in the zones of its subnets: when that
    zone fails, every client loses the entry point even if targets run
    elsewhere.

    Example
    ```hcl
    resource "aws_lb" "api" {
      load_balancer_type = "network"
      subnets            = [aws_subnet.public_a.id]
    }
    ```

    Use instead
    ```hcl
    resource "aws_lb" "api" {
      load_balancer_type = "network"
      subnets            = [aws_subnet.public_a.id, aws_subnet.public_b.id]
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb
    - https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html (`Subnets`: ALB at least two AZs, NLB one or more)
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    lb_type = setting(r, "load_balancer_type")
    if lb_type.unknown:
        return
    if written(r, "subnet_mapping"):
        mappings = r.all("subnet_mapping")
        if any(is_unknown(m) or not isinstance(m, dict) for m in mappings):
            return
        subnets = [m.get("subnet_id") for m in mappings]
        path = "subnet_mapping"
    else:
        subnets = r.get("subnets")
        path = "subnets"
    placement = subnet_placement(ctx.index, subnets)
    if placement is None or not placement.single:
        return
    zone = placement.zones[0]
    if is_local_zone(zone, placement.zone_key):
        return
    names = ", ".join(s.address for s in placement.subnets)
    kind = lb_type.value
    if kind == "application":
        message = (
            f"Application load balancer {r.address} has subnets in one Availability Zone only, {zone} "
            f"({path}: {names}); the ELB API requires subnets in at least two zones, so apply will fail"
        )
    else:
        message = (
            f"{str(kind).capitalize()} load balancer {r.address} has subnets in one Availability Zone only, "
            f"{zone} ({path}: {names}); the API accepts it and the load balancer fails with that zone"
        )
    yield Violation(message, path=path)


# ------------------------------------------------------------------ RES107
@rule(
    id="RES107",
    name="aws-ecs-service-single-task",
    title="ECS service keeps one task.",
    severity=Severity.MEDIUM,
    types=(ECS_SERVICE,),
    remediation="Set desired_count = 2 or more, or an aws_appautoscaling_target with min_capacity = 2.",
    cross=True,
)
def ecs_service_single_task(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports ECS services whose floor is one task: the `min_capacity` of the
    `aws_appautoscaling_target` that scales the service
    (`ecs:service:DesiredCount`), or `desired_count` when no target exists.
    DAEMON services and services scaled to 0 are not reported.

    Why is this bad?
    With one task, a task crash, a host failure or a deployment leaves the
    service without capacity until ECS starts a replacement.

    Example
    ```hcl
    resource "aws_ecs_service" "api" {
      desired_count = 1
    }
    ```

    Use instead
    ```hcl
    resource "aws_ecs_service" "api" {
      desired_count = 2
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ecs_service
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    floor = ecs_floor(r, ctx.index)
    if floor is None or floor[0] != 1:
        return
    yield Violation(f"ECS service {r.address} keeps a single task ({floor[1]})", path="desired_count")


# ------------------------------------------------------------------ RES108
def _nat_dependents(index: Index) -> dict[str, list[tuple[Resource, Resource]]]:
    """NAT gateway address -> [(subnet, route table)] whose default route goes through it."""
    nat_of_table: dict[str, list[Resource]] = {}  # route table address -> NAT gateways (default route)
    for table in index.by_type("aws_route_table"):
        for route in table.all("route") or table.all("routes"):
            if not isinstance(route, dict) or not _is_default_route(route.get("cidr_block")):
                continue
            nat = resolve_one(index, route.get("nat_gateway_id"))
            if nat is not None and nat.type == "aws_nat_gateway":
                nat_of_table.setdefault(table.address, []).append(nat)
    for route in index.by_type("aws_route"):
        if not _is_default_route(route.get("destination_cidr_block")):
            continue
        routed = resolve_one(index, route.get("route_table_id"))
        nat = resolve_one(index, route.get("nat_gateway_id"))
        if routed is not None and nat is not None and nat.type == "aws_nat_gateway":
            nat_of_table.setdefault(routed.address, []).append(nat)
    out: dict[str, list[tuple[Resource, Resource]]] = {}
    for assoc in index.by_type("aws_route_table_association"):
        subnet = resolve_one(index, assoc.get("subnet_id"))
        associated = resolve_one(index, assoc.get("route_table_id"))
        if subnet is None or associated is None:
            continue
        nats = nat_of_table.get(associated.address, [])
        if len(nats) != 1:
            continue  # no NAT default route, or several (ambiguous)
        out.setdefault(nats[0].address, []).append((subnet, associated))
    return out


def _is_default_route(cidr: Any) -> bool:
    return isinstance(cidr, str) and cidr == "0.0.0.0/0"


def _zone(subnet: Resource) -> str | None:
    if written(subnet, "outpost_arn"):
        return None
    zone = subnet.get("availability_zone")
    return zone if isinstance(zone, str) and zone else None


@rule(
    id="RES108",
    name="aws-nat-gateway-shared-across-azs",
    title="Private subnets in several AZs depend on a NAT gateway in another AZ.",
    severity=Severity.MEDIUM,
    types=("aws_nat_gateway",),
    remediation="Create one NAT gateway per Availability Zone and point each zone's private route table at its own gateway, or use availability_mode = \"regional\".",
    cross=True,
)
def nat_gateway_shared_across_azs(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Follows private subnets through their route table associations to the
    NAT gateway their default route (`0.0.0.0/0`) uses, and reports a zonal
    NAT gateway (`availability_mode` unset or `"zonal"`) that subnets in other
    Availability Zones depend on. Reported once per NAT gateway, listing the
    dependent zones. Regional NAT gateways and any unresolved link are not
    reported.

    Why is this bad?
    When the NAT gateway's zone fails, private subnets in the other zones
    lose outbound internet access too, so the zone failure spreads to zones
    that were healthy (AWS: create a NAT gateway in each zone).

    Example
    ```hcl
    resource "aws_nat_gateway" "main" {
      subnet_id = aws_subnet.public_a.id        # us-east-1a
    }
    # private route tables of us-east-1a, 1b and 1c all route 0.0.0.0/0 to it
    ```

    Use instead
    ```hcl
    resource "aws_nat_gateway" "this" {
      availability_mode = "regional"
      vpc_id            = aws_vpc.main.id
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/nat_gateway
    - https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html (resources in other AZs lose internet access when the NAT gateway's AZ is down; create one per AZ)
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    mode = setting(r, "availability_mode")
    if mode.unknown or mode.value != "zonal":
        return
    subnet = resolve_one(ctx.index, r.get("subnet_id"))
    if subnet is None:
        return
    home = _zone(subnet)
    if home is None:
        return
    others: dict[str, list[str]] = {}
    for dependent, _table in ctx.index.memo("aws.nat.dependents", _nat_dependents).get(r.address, []):
        zone = _zone(dependent)
        if zone is not None and zone != home:
            others.setdefault(zone, []).append(dependent.address)
    if not others:
        return
    listing = "; ".join(f"{zone}: {', '.join(subs)}" for zone, subs in sorted(others.items()))
    yield Violation(
        f"NAT gateway {r.address} is zonal and sits in {home} ({subnet.address}), but private subnets in "
        f"{', '.join(sorted(others))} route 0.0.0.0/0 through it ({listing}); when {home} fails they "
        "lose outbound access too",
        path="subnet_id",
    )


# ------------------------------------------------------------------ RES109
@rule(
    id="RES109",
    name="aws-eks-node-group-single-node",
    title="EKS managed node group can shrink to one node.",
    severity=Severity.MEDIUM,
    types=(EKS_NODE_GROUP,),
    remediation="Set scaling_config { min_size = 2, desired_size = 3, max_size = 6 } (or more).",
)
def eks_node_group_single_node(r: Resource, ctx: Context) -> Iterator[Violation]:
    """
    What it does
    Reports EKS managed node groups that run, or may shrink to, a single
    node: `desired_size <= 1` and `min_size <= 1` with `max_size >= 1`, or
    `max_size = 1`. Parked node groups (all zero) are not reported.

    Why is this bad?
    With one node, draining it for an upgrade or losing its instance evicts
    every pod scheduled on the group at once.

    Example
    ```hcl
    scaling_config {
      desired_size = 1
      min_size     = 1
      max_size     = 3
    }
    ```

    Use instead
    ```hcl
    scaling_config {
      min_size     = 2
      desired_size = 3
      max_size     = 6
    }
    ```

    References
    - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eks_node_group
    - AWS Well-Architected REL10-BP01, Deploy the workload to multiple locations: https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_fault_isolation_multiaz_region_system.html
    """
    if not eks_single_node(r):
        return
    desired, minimum, maximum = (setting(r, f"scaling_config.{size}", shown=size)
                                 for size in ("desired_size", "min_size", "max_size"))
    what = f"EKS node group {r.address}"
    if as_int(maximum.value) == 1:
        yield Violation(f"{what} can never run more than one node: {setting(r, 'scaling_config.max_size').describe()}",
                        path="scaling_config.max_size")
    else:
        yield Violation(
            f"{what} can run on a single node: scaling_config {desired.describe()}, "
            f"{minimum.describe()}, {maximum.describe()}",
            path="scaling_config.min_size",
        )
