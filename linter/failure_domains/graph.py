"""The dependency graph of one scope: nodes with placements, typed edges.

Edges run from what depends to what it depends on. Their kind says how a
failure flows back along them:

* REQUIRES: the source stops when the target stops (an ECS task definition
  whose environment names `aws_db_instance.orders.address`, a route table
  routing to a NAT gateway, a Deployment whose ConfigMap names a Service);
* SERVES_FROM: the source serves from any of these targets and stops only
  when all of them stop (an ECS service in three subnets, a Service in front
  of the pods it selects);
* GOVERNS (HPA, PDB -> workload), ORDERS (Pulumi `dependencies`, creation
  order) and REFERS (a reference that is no run-time dependency: an IAM policy
  naming a database's ARN, a subnet id passed in an env var): kept, but no
  failure flows along them.

What the graph could not resolve (a reference to nothing scanned) is kept in
`Graph.unresolved`: the analysis reports it, and never treats it as a failure.
"""

from __future__ import annotations

import enum
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Protocol, TypeVar

from linter.index import Index
from linter.model import Resource, is_unknown
from linter.rules._aws import base_type, lambda_function  # `data.aws_subnet` -> `aws_subnet`: one home
from linter.rules._refs import resolve_refs


class Spread(str, enum.Enum):
    ZONAL = "zonal"  # serves from exactly one zone (named or not)
    MULTI_ZONE = "multi-zone"  # serves from two zones or more
    REGIONAL = "regional"  # bound to no zone: a regional or global service, or configuration
    UNKNOWN = "unknown"  # the zones it serves from are not known before apply, or not known to resilint


# members the analysis's loops compare with, as plain names: a member read through its
# enum class (`Spread.ZONAL`) costs ten times as much
ZONAL, MULTI_ZONE, REGIONAL, UNKNOWN_ZONES = Spread.ZONAL, Spread.MULTI_ZONE, Spread.REGIONAL, Spread.UNKNOWN
_REDUNDANT = (MULTI_ZONE, REGIONAL)


class Placement(NamedTuple):  # immutable; made once per placed node: a tuple is made several times faster
    """The zones a resource can serve from."""

    spread: Spread
    zones: tuple[str, ...] = ()  # the zones, when the configuration names them
    detail: str = ""  # how the placement reads: `Single-AZ`, `3 replicas spread over zones`
    attribute: str | None = None  # the attribute deciding it (its line)

    @property
    def zone(self) -> str | None:
        """The one named zone of a zonal resource."""
        return self.zones[0] if self.spread is ZONAL and self.zones else None

    @property
    def zone_redundant(self) -> bool:
        return self.spread in _REDUNDANT

    def describe(self) -> str:
        """`Single-AZ, eu-west-1a`, `3 zones`, `regional`."""
        parts = [self.detail] if self.detail else []
        if self.spread is Spread.ZONAL and self.zones:
            parts.append(self.zones[0])
        elif self.spread is Spread.MULTI_ZONE and len(self.zones) > 1 and not self.detail:
            parts.append(f"{len(self.zones)} zones")
        elif not parts:
            parts.append(self.spread.value)
        return ", ".join(parts)


def zonal(detail: str, zone: Any = None, attribute: str | None = None) -> Placement:
    return Placement(ZONAL, (zone,) if isinstance(zone, str) and zone else (), detail, attribute)


def multi_zone(detail: str = "", zones: tuple[str, ...] = (), attribute: str | None = None) -> Placement:
    return Placement(MULTI_ZONE, tuple(zones), detail, attribute)


def regional(detail: str = "regional") -> Placement:
    return Placement(REGIONAL, (), detail)


def unknown(detail: str, attribute: str | None = None) -> Placement:
    return Placement(UNKNOWN_ZONES, (), detail, attribute)


NOT_PLACED = unknown("not placed yet")  # a node's placement until its placer runs (told by identity)


class EdgeKind(str, enum.Enum):
    REQUIRES = "requires"
    SERVES_FROM = "serves-from"
    GOVERNS = "governs"
    ORDERS = "orders"
    REFERS = "refers"

    @property
    def propagates(self) -> bool:
        return self is REQUIRES or self is SERVES_FROM


# as for Spread's members: the names the loops compare with
REQUIRES, SERVES_FROM, REFERS = EdgeKind.REQUIRES, EdgeKind.SERVES_FROM, EdgeKind.REFERS


class Edge(NamedTuple):  # immutable; a tuple is made several times faster than a frozen dataclass
    source: str  # node keys (addresses)
    target: str
    kind: EdgeKind
    attribute: str | None = None  # on the source: where the dependency is written
    via: str = ""  # what makes it a dependency, when not a plain reference


@dataclass(slots=True)
class Node:
    key: str
    resource: Resource
    label: str  # what it is, in words: `ECS service`, `Deployment`
    workload: bool  # serves traffic or work: can "lose all its capacity"
    placement: Placement = NOT_PLACED  # immutable: one for every new node

    def describe(self) -> str:
        """`aws_db_instance.orders (RDS instance, Single-AZ, eu-west-1a)`."""
        return f"{self.key} ({self.label}, {self.placement.describe()})"


@dataclass(frozen=True)
class Unresolved:
    source: str  # node key
    attribute: str | None
    reference: str


@dataclass
class Graph:
    scope: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    # reference -> what it names, for the edges and the placements (many name one subnet)
    resolved: dict[str, list[Resource] | None] = field(default_factory=dict, repr=False)
    _seen: set[Any] = field(default_factory=set, repr=False)
    out_edges: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list), repr=False)
    in_edges: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list), repr=False)

    def add_edge(self, edge: Edge) -> None:
        if edge.source == edge.target or edge.target not in self.nodes:
            return
        key = (edge.source, edge.target, edge.kind)
        if key in self._seen:
            return
        self._seen.add(key)
        self.edges.append(edge)
        self.out_edges[edge.source].append(edge)
        self.in_edges[edge.target].append(edge)

    def node(self, key: str) -> Node | None:
        """The node of an address (a `PartialGraph` makes it when first asked)."""
        return self.nodes.get(key)

    def requires(self, key: str) -> Iterator[Edge]:
        return (e for e in self.out_edges.get(key, ()) if e.kind is REQUIRES)

    def serves_from(self, key: str) -> list[Edge]:
        return [e for e in self.out_edges.get(key, ()) if e.kind is SERVES_FROM]

    def reachable(self, starts: Iterable[str], backward: bool = False, within: set[str] | None = None) -> set[str]:
        """What `starts` reach along the edges failures flow on (their dependencies; with
        `backward`, what depends on them), optionally staying inside `within`."""
        found = set(starts)
        queue = deque(found)
        while queue:
            key = queue.popleft()
            for e in (self.in_edges if backward else self.out_edges).get(key, ()):
                other = e.source if backward else e.target
                if e.kind.propagates and other not in found and (within is None or other in within):
                    found.add(other)
                    queue.append(other)
        return found


# Attributes whose references are not a dependency at run time: a read replica
# keeps serving reads when its source stops, a snapshot is read once.
NOT_AT_RUN_TIME = frozenset({
    "replicate_source_db", "snapshot_identifier", "final_snapshot_identifier", "source_db_instance_identifier",
    "tags", "tags_all", "description", "depends_on",
})
# Where a reference to a subnet (or an App Service plan) says where the resource runs
PLACEMENT_ATTRIBUTES = frozenset({
    "subnets", "subnet_ids", "subnet_id", "vpc_zone_identifier", "network_configuration", "vpc_config",
    "subnet_mapping", "service_plan_id", "app_service_plan_id", "network_interface", "network_interfaces",
})
# Permissions name resources without needing them up: their references carry no failure
PERMISSION_PREFIXES = ("aws_iam_", "aws_lambda_permission", "aws_kms_", "google_project_iam", "google_service_account_iam",
                       "azurerm_role_", "aws_s3_bucket_policy", "aws_sqs_queue_policy", "aws_sns_topic_policy")
# Roots of HCL references that name no resource
NOT_RESOURCES = ("var.", "local.", "count.", "each.", "path.", "terraform.", "self.")


class EdgeSink(Protocol):
    """Where the edge producers put what they find: a `Graph`, or the collector of a
    `PartialGraph` (which orders them as the whole graph would)."""

    unresolved: list[Unresolved]

    def add_edge(self, edge: Edge) -> None: ...


def build_graph(index: Index) -> Graph:
    from linter.failure_domains import kubernetes, placement

    graph = Graph(scope=index.resources[0].scope if index.resources else "")
    for r in index.resources:
        if r.address in graph.nodes:
            continue  # one address, one node (the index keeps the first too)
        label, workload = placement.describe_type(r)
        graph.nodes[r.address] = Node(r.address, r, label, workload)
    for node in list(graph.nodes.values()):
        node_edges(graph, index, node, graph.resolved)
    kubernetes.add_edges(graph, index)
    placement.place_all(graph, index)
    return graph


# A resource joining two others: (attribute naming what depends, attribute naming what it depends on)
CONNECTORS: dict[str, tuple[str, str]] = {
    "aws_route_table_association": ("subnet_id", "route_table_id"),
    "aws_route": ("route_table_id", "nat_gateway_id"),
    "aws_lambda_event_source_mapping": ("function_name", "event_source_arn"),
    "azurerm_subnet_nat_gateway_association": ("subnet_id", "nat_gateway_id"),
}


def node_edges(sink: EdgeSink, index: Index, node: Node, resolved: dict[str, list[Resource] | None],
               orders: bool = True) -> None:
    """The edges a resource's own configuration makes: its references (and, with
    `orders`, its Pulumi creation order), or, for a connector, the edge it stands for."""
    r = node.resource
    connector = CONNECTORS.get(r.type[5:] if r.type.startswith("data.") else r.type)
    if connector is not None:
        _connector_edges(sink, index, node, *connector, resolved)
        return
    _reference_edges(sink.add_edge, sink.unresolved, index, r, resolved)
    if orders:
        for dep in r.meta.get("dependencies") or ():  # Pulumi: creation order, explicit dependsOn
            target = index.resolve(dep)
            if target is not None and target.address != r.address:
                sink.add_edge(Edge(r.address, target.address, EdgeKind.ORDERS, None, "dependsOn"))


def _reference_edges(add: Callable[[Edge], None], unresolved: list[Unresolved] | None, index: Index, r: Resource,
                     resolved: dict[str, list[Resource] | None], failures_only: bool = False) -> None:
    """The edges of a resource's references, given to `add` (with `failures_only`, those
    a failure flows along only); what they name that the scan lacks is noted in
    `unresolved` (when given)."""
    if not r.refs:
        return
    address = r.address
    permission = _is_permission(r.type)
    if permission and failures_only:
        return  # its references are all REFERS
    for path, refs in r.refs.items():
        top = path.partition(".")[0]
        if top in NOT_AT_RUN_TIME:
            continue
        # How a reference here carries a failure (the edge's kind), worked out once per
        # attribute: an IAM-like resource names what it grants access to, and does not
        # need it up; a subnet (or an App Service plan) is where the resource runs when
        # named by a placement attribute, and only a name anywhere else (an env var).
        to_server = SERVES_FROM if not permission and top in PLACEMENT_ATTRIBUTES else REFERS
        to_other = REFERS if permission else REQUIRES
        for ref in refs:
            if not isinstance(ref, str) or ref.startswith(NOT_RESOURCES) or "." not in ref:
                continue
            targets = resolved[ref] if ref in resolved else resolved.setdefault(ref, index.resolve_many(ref))
            if targets is None:
                if unresolved is not None:
                    unresolved.append(Unresolved(address, path, ref))
                continue
            for target in targets:
                if target.address != address:
                    # add_edge keeps the first edge of a (source, target, kind)
                    kind = to_server if target.type in _SERVES_FROM_TYPES_AND_DATA else to_other
                    if kind is not REFERS or not failures_only:
                        add(Edge(address, target.address, kind, path))


_PERMISSION_BY_TYPE: dict[str, bool] = {}
# what is worked out once per resource type is kept for this many types at most (a
# long-lived process, the Pulumi policy pack, may meet any number of them)
TYPES_REMEMBERED = 4096
_Known = TypeVar("_Known")


def remember(cache: dict[str, _Known], rtype: str, known: _Known) -> _Known:
    """Keep what was worked out for a type (the cache emptied when full)."""
    if len(cache) >= TYPES_REMEMBERED:
        cache.clear()
    cache[rtype] = known
    return known


def _is_permission(rtype: str) -> bool:
    """An IAM-like type (PERMISSION_PREFIXES), worked out once per type."""
    known = _PERMISSION_BY_TYPE.get(rtype)
    if known is None:
        known = remember(_PERMISSION_BY_TYPE, rtype,
                         (rtype[5:] if rtype.startswith("data.") else rtype).startswith(PERMISSION_PREFIXES))
    return known


# What a resource serves from, any one of them enough: subnets, the plan an app runs on
SERVES_FROM_TYPES = frozenset({"aws_subnet", "aws_default_subnet", "azurerm_service_plan", "azurerm_app_service_plan"})
_SERVES_FROM_TYPES_AND_DATA = SERVES_FROM_TYPES | {f"data.{t}" for t in SERVES_FROM_TYPES}


def _connector_edges(graph: EdgeSink, index: Index, node: Node, source_attr: str, target_attr: str,
                     resolved: dict[str, list[Resource] | None]) -> None:
    """A resource joining two others (a route table association: subnet -> route
    table; an event source mapping: function -> event source) becomes the edge it means."""
    r = node.resource
    sources = resolve_value(index, r, source_attr, resolved)
    value = written_value(r, target_attr)
    if not sources or value is None:
        return
    targets = resolve_value(index, r, target_attr, resolved)
    if targets is None:  # what the sources depend on is not in the scan: said, never failed
        shown = " ".join(r.refs.get(target_attr, ())) or str(value)
        for s in sources:
            graph.unresolved.append(Unresolved(s.address, None, f"{r.address}.{target_attr} = {shown}"))
        return
    for s in sources:
        for t in targets:
            kind = SERVES_FROM if base_type(t) in SERVES_FROM_TYPES else REQUIRES
            graph.add_edge(Edge(s.address, t.address, kind, None, f"{node.label} {r.address}"))


def resolve_value(index: Index, r: Resource, attr: str,
                  resolved: dict[str, list[Resource] | None] | None = None) -> list[Resource] | None:
    """What an attribute names: its references (known values keep theirs too), the
    ids or ARNs it holds, or a Lambda function's name. `resolved`: what each
    reference names, shared by everything a graph resolves (many name one subnet)."""
    below = attr + "."
    refs = [ref for path, found in r.refs.items() if path == attr or path.startswith(below) for ref in found]
    if refs:
        found = resolve_each(index, refs, resolved) if resolved is not None else index.resolve_many(refs)
        if found is not None:
            return found
    value = r.get(attr)
    if value is None:
        return None
    found = resolve_refs(index, value)
    if found is None and attr == "function_name" and isinstance(value, str):
        fn = lambda_function(index, value)
        found = [fn] if fn is not None else None
    return found


def resolve_each(index: Index, refs: list[Any], resolved: dict[str, list[Resource] | None]) -> list[Resource] | None:
    """`index.resolve_many(refs)`, each reference looked up once in `resolved`."""
    if len(refs) == 1 and isinstance(refs[0], str):  # the common case, without the lists
        ref = refs[0]
        return resolved[ref] if ref in resolved else resolved.setdefault(ref, index.resolve_many(ref))
    if not all(isinstance(ref, str) for ref in refs):
        return index.resolve_many(refs)
    found = [resolved[ref] if ref in resolved else resolved.setdefault(ref, index.resolve_many(ref)) for ref in refs]
    if len(found) == 1 or any(f is None for f in found):
        return found[0] if len(found) == 1 else None
    # every resource once, in the order first named (by identity, as resolve_many)
    return list({id(r): r for part in found if part is not None for r in part}.values())


def written_value(r: Resource, path: str) -> Any:
    """The attribute's value, None when it is not written: a plan shows an Optional+Computed
    attribute nobody wrote as an unknown without expression or references."""
    value = r.get(path)
    if is_unknown(value) and value.expr is None and not value.refs and not r.refs.get(path):
        return None
    return value


# An edge's place in the order `build_graph` adds them, for the edges one resource
# makes for others: the maker's position times _EDGES_PER_RESOURCE plus the
# edge's rank among those it makes (the Kubernetes edges come after every
# position). A resource's own edges come at its position, in the order made.
_EDGES_PER_RESOURCE = 1 << 32


class _Found:
    """An EdgeSink keeping the edges in the order they are made."""

    __slots__ = ("edges", "add_edge", "unresolved")

    def __init__(self) -> None:
        self.edges: list[Edge] = []
        self.add_edge = self.edges.append
        self.unresolved: list[Unresolved] = []  # the "could not place" list: no partial graph's business


class PartialGraph(Graph):
    """The part of a scope's graph that chosen nodes depend on, built on demand.

    A node is made when first asked for (`node`), its edges when first followed
    (`failure_edges`): only the edges failures flow along (REQUIRES, SERVES_FROM),
    each kept as `build_graph` would keep it (the first of a source, target and
    kind in `build_graph`'s order). What a resource's configuration makes is
    worked out from that resource alone; what connectors (route table
    associations, event source mappings) and Kubernetes selectors make for
    others is worked out for the whole scope, once, when first needed (the
    Kubernetes part when a Kubernetes object is first followed).
    `restrict_to` then sets `in_edges` as the whole graph has them among those
    nodes, so a failure spreads through them in the order it does in the whole
    graph (see analysis.analyse_workloads).
    """

    def __init__(self, index: Index):
        super().__init__(scope=index.resources[0].scope if index.resources else "")
        self.index = index
        # address -> its node's place in `build_graph`'s nodes (the first of an address:
        # filled backwards, the first resource's place is written last)
        addresses = [r.address for r in index.resources]
        self.position: dict[str, int] = dict(zip(reversed(addresses), range(len(addresses) - 1, -1, -1)))
        self._made_for_others: dict[str, list[tuple[int, Edge]]] | None = None
        self._made_by_kubernetes: dict[str, list[tuple[int, Edge]]] | None = None
        self._order_of_others: dict[int, int] = {}  # id(edge) -> its place, for those edges
        from linter.failure_domains.placement import described_types, describe_type

        self._connector_types = frozenset((*CONNECTORS, *(f"data.{t}" for t in CONNECTORS)))
        self._describe, self._described = describe_type, described_types
        self._resource_at = index.get  # bound once: a node is made per resource the workloads reach

    def node(self, key: str) -> Node | None:
        node = self.nodes.get(key)
        if node is None:
            r = self._resource_at(key)
            if r is None:
                return None
            label, workload = self._described.get(r.type) or self._describe(r)  # (its cache read here: one call less)
            node = self.nodes[key] = Node(key, r, label, workload)
        return node

    def failure_edges(self, key: str) -> list[Edge]:
        """The REQUIRES and SERVES_FROM edges out of a node, in `build_graph`'s order
        (kept in `out_edges`)."""
        done = self.out_edges.get(key)
        if done is not None:
            return done
        node = self.nodes.get(key) or self.node(key)
        assert node is not None, key
        r = node.resource
        found: list[Edge] = []
        if r.refs and r.type not in self._connector_types:  # a connector's own edges are its sources'
            _reference_edges(found.append, None, self.index, r, self.resolved, failures_only=True)
        others = (self._made_for_others if self._made_for_others is not None else self._others()).get(key)
        if "/" in r.type:  # the Kubernetes edges: only Kubernetes objects make them
            k8s = self._kubernetes().get(key)
            if k8s:
                others = (others or []) + k8s
        if others:
            first = self.position[key] * _EDGES_PER_RESOURCE
            ordered = [(first, e) for e in found] + others
            ordered.sort(key=lambda item: item[0])  # stable: its own edges keep their order
            found = [e for _, e in ordered]
        if len(found) > 1:  # the first of a target and kind, as Graph.add_edge keeps it
            seen: set[tuple[str, EdgeKind]] = set()
            kept = []
            for edge in found:
                if (edge.target, edge.kind) not in seen:
                    seen.add((edge.target, edge.kind))
                    kept.append(edge)
            found = kept
        self.out_edges[key] = found
        return found

    def _others(self) -> dict[str, list[tuple[int, Edge]]]:
        """Edges connectors make for the resources they join, by source."""
        if self._made_for_others is None:
            made_by: list[tuple[int, list[Edge]]] = []
            for kind in self._connector_types:
                for r in self.index.by_type(kind):
                    node = self.node(r.address)
                    if node is None or node.resource is not r:
                        continue
                    made = _Found()
                    node_edges(made, self.index, node, self.resolved)
                    made_by.append((self.position[r.address] * _EDGES_PER_RESOURCE, made.edges))
            self._made_for_others = self._by_source(made_by)
        return self._made_for_others

    def _kubernetes(self) -> dict[str, list[tuple[int, Edge]]]:
        """The Kubernetes edges (selectors, routes, env vars, ConfigMaps), by source."""
        if self._made_by_kubernetes is None:
            from linter.failure_domains import kubernetes

            made = _Found()
            kubernetes.add_edges(made, self.index, governs=False)
            self._made_by_kubernetes = self._by_source([(len(self.index.resources) * _EDGES_PER_RESOURCE, made.edges)])
        return self._made_by_kubernetes

    def _by_source(self, made_by: list[tuple[int, list[Edge]]]) -> dict[str, list[tuple[int, Edge]]]:
        """(first place, edges made there in order) -> the edges failures flow along, with
        their places, by source."""
        by_source: dict[str, list[tuple[int, Edge]]] = defaultdict(list)
        for first, edges in made_by:
            for i, edge in enumerate(edges):
                if edge.source != edge.target and edge.kind.propagates:
                    by_source[edge.source].append((first + i, edge))
                    self._order_of_others[id(edge)] = first + i
        return by_source

    def release(self) -> None:
        """Drop what only building needed: the index (it holds this graph in its memo: a
        cycle, left alone while a scan pauses the cycle collector) and the lookups."""
        del self.index, self._resource_at
        self.position, self._made_for_others, self._made_by_kubernetes, self._order_of_others = {}, None, None, {}
        self.resolved = {}

    def restrict_to(self, keys: list[str]) -> None:
        """`in_edges` of these nodes (in position order, their edges followed) among
        themselves, in `build_graph`'s order."""
        unsorted: set[str] = set()
        others = self._order_of_others
        in_edges, out_edges = self.in_edges, self.out_edges
        for key in keys:
            for edge in out_edges[key]:
                in_edges[edge.target].append(edge)
                if others and id(edge) in others:
                    unsorted.add(edge.target)
        position = self.position
        for key in unsorted:
            # an edge a resource makes for itself comes at its position; sources come in
            # position order already, each with one edge per target and kind (stable sort)
            self.in_edges[key].sort(key=lambda e: others.get(id(e), position[e.source] * _EDGES_PER_RESOURCE))
