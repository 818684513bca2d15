"""`resilint zones`: the analysis of every scope, zone by zone, as text, JSON, Mermaid or DOT.

Scopes (Terraform roots, plans, Pulumi stacks, the Kubernetes cluster) are
analysed apart, as the scan judges them; the report puts their outages
together under each zone's name. The pictures hold what matters to a zone
outage: the workloads and what they depend on down to the resources that
have a placement, not every IAM role or security group on the way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import json
from dataclasses import dataclass, field

from linter import __version__
from linter.failure_domains.analysis import Analysis, Hop, LostService, Unplaced, describe_path
from linter.failure_domains.graph import EdgeKind, Graph, Node, Spread

if TYPE_CHECKING:
    from linter.engine import ScanOptions
    from linter.loaders import Skipped
    from linter.model import InputError

FORMATS = ("text", "json", "mermaid", "dot")


@dataclass
class ZoneOutage:
    """One zone (or "any one zone") across every scope."""

    label: str
    named: bool
    stopped: list[tuple[Analysis, str]] = field(default_factory=list)
    lost: list[tuple[Analysis, LostService]] = field(default_factory=list)


@dataclass
class ZonesReport:
    analyses: list[Analysis]
    errors: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[InputError] = field(default_factory=list)  # what cli._print_warnings reads besides notes
    files: list[str] = field(default_factory=list)  # the files read (an -o must not name one)

    @property
    def environments(self) -> list[str]:
        """The environments roots and charts were judged in (`linter.environments.judged`)."""
        from linter.environments import judged

        return judged(n.resource for a in self.analyses for n in a.graph.nodes.values())

    def zones(self) -> list[ZoneOutage]:
        by_label: dict[str, ZoneOutage] = {}
        for analysis in self.analyses:
            for outage in analysis.outages:
                zone = by_label.setdefault(outage.scenario.label, ZoneOutage(outage.scenario.label, outage.scenario.named))
                zone.stopped += [(analysis, key) for key in outage.stopped]
                zone.lost += [(analysis, lost) for lost in outage.lost]
        return sorted(by_label.values(), key=lambda z: (not z.named, z.label))

    def unplaced(self) -> list[tuple[Analysis, Unplaced]]:
        return [(a, u) for a in self.analyses for u in a.could_not_place]


def _where(node: Node, attribute: str | None = None) -> str:
    """The file and line, and which plan of it: the root calling its module, the environment."""
    r = node.resource
    line = r.line_for(attribute)
    where = f"{r.location.file}:{line}" if line else r.location.file
    if r.meta.get("root"):
        where += f", in root {r.meta['root']}"
    if r.meta.get("environment"):
        where += f", with {r.meta['environment_option']} {r.meta['environment']}"
    return where


def build_report(paths: list[str], options: ScanOptions) -> ZonesReport:
    """Load `paths` as `resilint scan` does and analyse every scope.
    Siblings loaded as context stay in the graph: a Service in the next file is a dependency."""
    from linter.engine import by_scope, gc_paused, normalize_stage
    from linter.failure_domains import analyse
    from linter.index import Index
    from linter.loaders import load_paths

    with gc_paused():
        loaded = load_paths(paths, options.loader_options, exclusions=options.exclusions())
        resources = normalize_stage(loaded.resources, options.default_namespace)
        analyses = [analyse(Index(group, default_namespace=options.default_namespace))
                    for _, group in sorted(by_scope(resources).items())]
    return ZonesReport(analyses, loaded.errors, loaded.notes, loaded.skipped, files=loaded.files)


# ------------------------------------------------------------------ text
def render_text(report: ZonesReport) -> str:
    zones = report.zones()
    named = [z.label for z in zones if z.named]
    out = []
    resources = sum(len(a.graph.nodes) for a in report.analyses)
    workloads = sum(1 for a in report.analyses for n in a.graph.nodes.values() if n.workload)
    out.append(f"resilint zones: {resources} resource(s), {workloads} workload(s); "
               + (f"zones named: {', '.join(named)}" if named else "no zone is named"))
    if not zones:
        out.append("")
        out.append("No single-zone resource found: no one zone's failure stops anything that resilint could place.")
    for zone in zones:
        out.append("")
        out.append(f"If {zone.label} fails:")
        out.append("  stops serving:" if zone.stopped else "  stops serving: nothing placed in this zone alone")
        for analysis, key in sorted(zone.stopped, key=lambda x: x[1]):
            node = analysis.graph.nodes[key]
            out.append(f"    {node.describe()}  [{_where(node)}]")
        if zone.lost:
            out.append("  loses all its capacity, through what it depends on:")
            for analysis, lost in sorted(zone.lost, key=lambda x: x[1].workload):
                node = analysis.graph.nodes[lost.workload]
                out.append(f"    {lost.workload}  [{_where(node, _first_attribute(lost.path))}]")
                out.append(f"      {describe_path(analysis.graph, lost.path)}")
        else:
            out.append("  no workload loses all its capacity through a dependency")
    unplaced = report.unplaced()
    out.append("")
    if unplaced:
        out.append(f"Could not place ({len(unplaced)}): an unknown is never counted as a failure")
        for analysis, u in unplaced:
            node = analysis.graph.nodes[u.node]
            out.append(f"  {u.node}: {u.reason}  [{_where(node, u.attribute)}]")
    else:
        out.append("Could not place: nothing")
    return "\n".join(out) + "\n"


def _first_attribute(path: list[Hop]) -> str | None:
    return path[1].edge.attribute if len(path) > 1 and path[1].edge is not None else None


# ------------------------------------------------------------------ JSON
def render_json(report: ZonesReport) -> str:
    def node_doc(analysis: Analysis, key: str, attribute: str | None = None) -> dict[str, Any]:
        node = analysis.graph.nodes[key]
        return {"resource": key, "type": node.resource.type, "what": node.label, "file": node.resource.location.file,
                "line": node.resource.line_for(attribute), "root": node.resource.meta.get("root"),
                "environment": node.resource.meta.get("environment"), "placement": _placement_doc(node)}

    zones = []
    for zone in report.zones():
        zones.append({
            "zone": zone.label, "named": zone.named,
            "stops_serving": [node_doc(a, key) for a, key in sorted(zone.stopped, key=lambda x: x[1])],
            "loses_all_capacity": [{
                **node_doc(a, lost.workload, _first_attribute(lost.path)),
                "path": [{"resource": hop.node, "placement": _placement_doc(a.graph.nodes[hop.node]),
                          "edge": hop.edge.kind.value if hop.edge else None,
                          "attribute": hop.edge.attribute if hop.edge else None,
                          "via": hop.edge.via if hop.edge and hop.edge.via else None} for hop in lost.path],
                "path_text": describe_path(a.graph, lost.path),
            } for a, lost in sorted(zone.lost, key=lambda x: x[1].workload)],
        })
    doc = {
        "version": __version__,
        "zones": zones,
        "could_not_place": [{**node_doc(a, u.node, u.attribute), "reason": u.reason} for a, u in report.unplaced()],
        "graphs": [{
            "scope": a.graph.scope,
            "nodes": [{"id": n.key, "type": n.resource.type, "what": n.label, "workload": n.workload,
                       "placement": _placement_doc(n), "file": n.resource.location.file,
                       "line": n.resource.location.line} for n in a.graph.nodes.values()],
            "edges": [{"source": e.source, "target": e.target, "kind": e.kind.value, "attribute": e.attribute,
                       "via": e.via or None} for e in a.graph.edges],
        } for a in report.analyses],
        "errors": [e.to_dict() for e in report.errors],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _placement_doc(node: Node) -> dict[str, Any]:
    p = node.placement
    return {"spread": p.spread.value, "zones": list(p.zones), "detail": p.detail}


# --------------------------------------------------------------- pictures
def picture_nodes(graph: Graph) -> list[str]:
    """The nodes a picture shows: on a path from a workload to something with a placement
    (zonal, multi-zone or unknown), so regional leaves (roles, security groups) stay out."""
    def interesting(node: Node) -> bool:
        return node.workload or node.placement.spread is not Spread.REGIONAL

    forward = graph.reachable(n.key for n in graph.nodes.values() if n.workload)
    backward = graph.reachable((k for k in forward if interesting(graph.nodes[k])), backward=True, within=forward)
    return [k for k in graph.nodes if k in backward]


def _picture(report: ZonesReport) -> tuple[list[tuple[str, Node, Analysis]], list[tuple[str, str, EdgeKind, str]]]:
    nodes: list[tuple[str, Node, Analysis]] = []
    edges: list[tuple[str, str, EdgeKind, str]] = []
    for s, analysis in enumerate(report.analyses):
        graph = analysis.graph
        ids = {key: f"s{s}n{i}" for i, key in enumerate(picture_nodes(graph))}
        nodes += [(ids[key], graph.nodes[key], analysis) for key in ids]
        for e in graph.edges:
            if e.kind.propagates and e.source in ids and e.target in ids:
                edges.append((ids[e.source], ids[e.target], e.kind, e.via))
    return nodes, edges


def _lost_workloads(report: ZonesReport) -> set[int]:
    return {id(a.graph.nodes[w]) for a in report.analyses for w in a.lost_by_workload}


def _node_class(node: Node, lost: set[int]) -> str:
    if id(node) in lost:
        return "lost"
    return {Spread.ZONAL: "zonal", Spread.MULTI_ZONE: "multi", Spread.REGIONAL: "regional",
            Spread.UNKNOWN: "unknown"}[node.placement.spread]


def _zone_groups(nodes: list[tuple[str, Node, Analysis]]) -> tuple[dict[str, list[str]], list[str]]:
    zones: dict[str, list[str]] = {}
    free: list[str] = []
    for node_id, node, _ in nodes:
        zone = node.placement.zone
        (zones.setdefault(zone, []) if zone else free).append(node_id)
    return zones, free


def _mermaid_text(text: str) -> str:
    # inside "...": Mermaid's entity codes for what would end or break the label
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("\n", " "))


def render_mermaid(report: ZonesReport) -> str:
    nodes, edges = _picture(report)
    lost = _lost_workloads(report)
    by_id = {node_id: node for node_id, node, _ in nodes}
    out = ["flowchart LR"]
    zones, free = _zone_groups(nodes)

    def declare(node_id: str, indent: str) -> None:
        node = by_id[node_id]
        label = _mermaid_text(node.key) + "<br/>" + _mermaid_text(f"{node.label}: {node.placement.describe()}")
        out.append(f'{indent}{node_id}["{label}"]')

    for i, (zone, members) in enumerate(sorted(zones.items())):
        out.append(f'  subgraph zone{i}["{_mermaid_text(zone)}"]')
        for node_id in members:
            declare(node_id, "    ")
        out.append("  end")
    for node_id in free:
        declare(node_id, "  ")
    for source, target, kind, via in edges:
        arrow = "-->" if kind is EdgeKind.REQUIRES else "-.->"
        text = via or ("serves from" if kind is EdgeKind.SERVES_FROM else "")
        out.append(f'  {source} {arrow}|"{_mermaid_text(text)}"| {target}' if text else f"  {source} {arrow} {target}")
    out += [
        "  classDef zonal fill:#fde2e1,stroke:#c0392b",
        "  classDef lost fill:#f5b7b1,stroke:#922b21,stroke-width:3px",
        "  classDef multi fill:#d5f5e3,stroke:#1e8449",
        "  classDef regional fill:#eaf2f8,stroke:#2874a6",
        "  classDef unknown fill:#f2f3f4,stroke:#7f8c8d,stroke-dasharray:4 3",
    ]
    by_class: dict[str, list[str]] = {}
    for node_id, node, _ in nodes:
        by_class.setdefault(_node_class(node, lost), []).append(node_id)
    for cls, members in sorted(by_class.items()):
        out.append(f"  class {','.join(members)} {cls}")
    return "\n".join(out) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


DOT_STYLE = {
    "zonal": 'fillcolor="#fde2e1" color="#c0392b"',
    "lost": 'fillcolor="#f5b7b1" color="#922b21" penwidth=3',
    "multi": 'fillcolor="#d5f5e3" color="#1e8449"',
    "regional": 'fillcolor="#eaf2f8" color="#2874a6"',
    "unknown": 'fillcolor="#f2f3f4" color="#7f8c8d" style="filled,dashed"',
}


def render_dot(report: ZonesReport) -> str:
    nodes, edges = _picture(report)
    lost = _lost_workloads(report)
    by_id = {node_id: node for node_id, node, _ in nodes}
    out = ["digraph zones {", "  rankdir=LR;", '  node [shape=box style=filled fontname="Helvetica"];',
           '  edge [fontname="Helvetica" fontsize=10];']
    zones, free = _zone_groups(nodes)

    def declare(node_id: str, indent: str) -> None:
        node = by_id[node_id]
        label = f"{_dot_text(node.key)}\\n{_dot_text(node.label)}: {_dot_text(node.placement.describe())}"
        out.append(f'{indent}"{node_id}" [label="{label}" {DOT_STYLE[_node_class(node, lost)]}];')

    for i, (zone, members) in enumerate(sorted(zones.items())):
        out.append(f'  subgraph "cluster_{i}" {{')
        out.append(f'    label="{_dot_text(zone)}";')
        for node_id in members:
            declare(node_id, "    ")
        out.append("  }")
    for node_id in free:
        declare(node_id, "  ")
    for source, target, kind, via in edges:
        text = via or ("serves from" if kind is EdgeKind.SERVES_FROM else "")
        style = " style=dashed" if kind is EdgeKind.SERVES_FROM else ""
        label = f' label="{_dot_text(text)}"' if text else ""
        out.append(f'  "{source}" -> "{target}" [{label.strip()}{style}];' if label or style else f'  "{source}" -> "{target}";')
    out.append("}")
    return "\n".join(out) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "mermaid": render_mermaid, "dot": render_dot}


def render(fmt: str, report: ZonesReport) -> str:
    return RENDERERS[fmt](report)
