"""Fail each zone in turn and follow the failure back along the graph's edges.

A scenario is a zone the configuration names (`eu-west-1a`, `zone 1`), or,
for a single-zone resource whose zone is not named, "any one zone: the one
holding it". Its seeds are the single-zone resources in that zone. A node
then stops when a node it REQUIRES stops, or when every node it SERVES_FROM
stops (one pass over the reverse edges: each edge is looked at once per
scenario, and a scenario of an unnamed zone visits only what depends on its
seed). Nodes whose placement is unknown are never seeds: an unknown is never a
failure, it is listed under "could not place".
"""

from __future__ import annotations

import functools

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from linter.failure_domains.graph import MULTI_ZONE, REQUIRES, SERVES_FROM, UNKNOWN_ZONES, ZONAL, Edge, Graph, Node

if TYPE_CHECKING:
    from linter.index import Index


@dataclass(frozen=True)
class Scenario:
    key: str  # the zone, or `any:<address>` for the unnamed zone of one resource
    label: str  # `eu-west-1a`, `any one zone (the one holding aws_db_instance.orders)`
    seeds: tuple[str, ...]
    named: bool


@dataclass(frozen=True)
class Hop:
    node: str
    edge: Edge | None  # the edge taken from the previous hop (None for the first)


@dataclass
class LostService:
    """A zone-redundant or zonal workload that loses all its capacity through what it depends on."""

    workload: str
    path: list[Hop]  # from the workload to the single-zone resource that takes it down

    @property
    def root(self) -> str:
        return self.path[-1].node


@dataclass
class Outage:
    scenario: Scenario
    stopped: list[str]  # single-zone resources in the zone
    lost: list[LostService]  # workloads that stop through their dependencies


@dataclass(frozen=True)
class Unplaced:
    node: str
    reason: str
    attribute: str | None = None


@dataclass
class Analysis:
    # the whole graph (`analyse`), or for RES601 a PartialGraph: then the outages are
    # those of the zones its workloads depend on, and `could_not_place` is not asked
    graph: Graph
    outages: list[Outage] = field(default_factory=list)
    # workload -> the paths taking it down (RES601 reads this)
    lost_by_workload: dict[str, list[tuple[Scenario, LostService]]] = field(default_factory=dict)

    @functools.cached_property
    def could_not_place(self) -> list["Unplaced"]:
        """What the analysis could not place or resolve (`resilint zones` reports it;
        RES601 does not read it: worked out on first use)."""
        return could_not_place(self.graph)


def scenarios(graph: Graph, keys: Iterable[str] | None = None) -> list[Scenario]:
    """The zones to fail, with the single-zone nodes (of `keys`, in their order;
    else of the graph) each stops."""
    by_zone: dict[str, list[str]] = {}
    unnamed: list[str] = []
    for node in (graph.nodes.values() if keys is None else (graph.nodes[k] for k in keys)):
        p = node.placement
        if p.spread is ZONAL:
            if p.zones:
                by_zone.setdefault(p.zones[0], []).append(node.key)
            else:
                unnamed.append(node.key)
        elif p.spread is MULTI_ZONE:
            for zone in p.zones:
                by_zone.setdefault(zone, [])
    out = [Scenario(zone, zone, tuple(seeds), True) for zone, seeds in sorted(by_zone.items())]
    out += [Scenario(f"any:{key}", f"any one zone (the one holding {key})", (key,), False) for key in unnamed]
    return out


def fail(graph: Graph, seeds: tuple[str, ...], serving: dict[str, int] | None = None) -> dict[str, Edge | None]:
    """Every node that stops when `seeds` stop: node -> the edge its failure came along.
    `serving`: how many targets each node serves from, kept from scenario to scenario."""
    failed: dict[str, Edge | None] = {seed: None for seed in seeds}
    alive_sources: dict[str, int] = {}
    counted = serving if serving is not None else {}
    in_edges = graph.in_edges
    queue = deque(seeds)
    while queue:
        key = queue.popleft()
        for edge in in_edges.get(key, ()):
            source = edge.source
            if source in failed:
                continue
            if edge.kind is REQUIRES:
                failed[source] = edge
                queue.append(source)
            elif edge.kind is SERVES_FROM:
                left = alive_sources.get(source)
                if left is None:
                    left = counted.get(source)
                    if left is None:
                        left = counted[source] = len(graph.serves_from(source))
                left -= 1
                alive_sources[source] = left
                if left == 0:
                    failed[source] = edge
                    queue.append(source)
    return failed


def path_to_seed(failed: dict[str, Edge | None], start: str) -> list[Hop]:
    hops = [Hop(start, None)]
    seen = {start}
    edge = failed.get(start)
    while edge is not None and edge.target not in seen:
        hops.append(Hop(edge.target, edge))
        seen.add(edge.target)
        edge = failed.get(edge.target)
    return hops


def analyse_graph(graph: Graph) -> Analysis:
    analysis = Analysis(graph)
    serving: dict[str, int] = {}
    for scenario in scenarios(graph):
        _fail_scenario(analysis, scenario, serving)
    return analysis


def _fail_scenario(analysis: Analysis, scenario: Scenario, serving: dict[str, int]) -> None:
    graph = analysis.graph
    failed = fail(graph, scenario.seeds, serving)
    seeds = set(scenario.seeds)
    lost = []
    for key in failed:
        node = graph.nodes[key]
        if key in seeds or not node.workload:
            continue
        service = LostService(key, path_to_seed(failed, key))
        lost.append(service)
        analysis.lost_by_workload.setdefault(key, []).append((scenario, service))
    analysis.outages.append(Outage(scenario, sorted(seeds), sorted(lost, key=lambda s: s.workload)))


def analyse_workloads(index: "Index", types: Iterable[str]) -> Analysis:
    """What `analyse_graph(build_graph(index))` says of the zone-redundant workloads
    of `types` (their `lost_by_workload`; RES601 reads nothing else), worked out on
    the part of the graph they depend on only.

    A failure reaches a workload only along edges out of it, so the nodes it
    depends on (closed under REQUIRES and SERVES_FROM) decide whether and how it
    stops: in the whole graph's pass a failure enters those nodes only from
    those nodes, in the order the whole graph has them. The scenarios are the
    whole graph's with their seeds among those nodes, in the same order. A
    placement that depends on itself (a cycle) would depend on the order nodes
    are placed in: then the whole graph is built.
    """
    from linter.failure_domains.graph import PartialGraph, build_graph
    from linter.failure_domains.placement import Placer

    graph = PartialGraph(index)
    placer = Placer(graph, index)
    starts: list[str] = []
    for r in index.by_type(*types):
        node = graph.node(r.address)
        if node is not None and node.resource is r and placer.place(node).zone_redundant:
            starts.append(node.key)
    needed = set(starts)
    queue = deque(starts)
    while queue:
        for edge in graph.failure_edges(queue.popleft()):
            if edge.target not in needed:
                needed.add(edge.target)
                queue.append(edge.target)
    # the nodes scenarios are made of: a zonal one is a seed, a multi-zone one names zones
    zonal: list[str] = []
    multi_zone: list[str] = []
    nodes = graph.nodes
    for key in needed:
        spread = placer.place(nodes[key]).spread  # (failure_edges made the node)
        if spread is ZONAL:
            zonal.append(key)
        elif spread is MULTI_ZONE:
            multi_zone.append(key)
    if placer.cycle:
        return analyse_graph(build_graph(index))
    position = graph.position.__getitem__
    if zonal:  # else nothing fails: no edge is followed
        graph.restrict_to(sorted(needed, key=position))
    analysis = Analysis(graph)
    serving: dict[str, int] = {}
    for scenario in scenarios(graph, sorted(zonal + multi_zone, key=position)):
        _fail_scenario(analysis, scenario, serving)
    graph.release()
    return analysis


def could_not_place(graph: Graph) -> list[Unplaced]:
    """Workloads whose placement is unknown, and what workloads depend on that could
    not be placed or resolved: the analysis says what it does not know."""
    reached = graph.reachable(n.key for n in graph.nodes.values() if n.workload)
    out: list[Unplaced] = []
    for key in sorted(reached):
        node: Node = graph.nodes[key]
        if node.placement.spread is UNKNOWN_ZONES:
            out.append(Unplaced(key, node.placement.detail, node.placement.attribute))
    for u in graph.unresolved:
        if u.source in reached:
            where = f"{u.attribute} names " if u.attribute else "depends on "
            out.append(Unplaced(u.source, f"{where}{u.reference}, which the scan does not resolve", u.attribute))
    return out


def describe_path(graph: Graph, hops: list[Hop]) -> str:
    """`aws_ecs_service.api (ECS service, 3 zones) → aws_ecs_task_definition.api →
    aws_db_instance.orders (RDS instance, Single-AZ, eu-west-1a)`."""
    parts = []
    for i, hop in enumerate(hops):
        node = graph.nodes[hop.node]
        parts.append(node.describe() if i in (0, len(hops) - 1) else node.key)
    return " → ".join(parts)
