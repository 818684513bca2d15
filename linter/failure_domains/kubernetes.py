"""Kubernetes edges and placements.

Edges: a Service serves from the pods it selects; an Ingress, HTTPRoute or
VirtualService from the Services it routes to; a workload requires the
ConfigMaps it reads and the Services its env vars name by DNS name (`db`,
`db.shop`, `db.shop.svc.cluster.local`, with a scheme, user or port around
it); a ConfigMap requires the Services its values name; HPAs and PDBs govern
their workloads. Placement: a workload of one replica runs in one zone (not
named); more replicas are spread over zones only when a topology spread
constraint or anti-affinity on the zone key says so; otherwise the scheduler
decides and the placement is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from linter.model import Resource, is_unknown
from linter.rules import _k8s as k8s
from linter.rules._values import as_int

from linter.failure_domains.graph import Edge, EdgeKind, Placement, Unresolved, multi_zone, regional, unknown, zonal

if TYPE_CHECKING:
    from linter.failure_domains.graph import EdgeSink
    from linter.failure_domains.placement import Placer
    from linter.index import Index

CONFIG_MAP = "core/ConfigMap"
INGRESS = ("networking.k8s.io/Ingress", "extensions/Ingress")
ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
SERVING = k8s.SERVING_KINDS


def describe_kind(r: Resource) -> tuple[str, bool]:
    return r.kind, r.type in SERVING


def place_object(p: "Placer", r: Resource) -> Placement:
    if r.type == k8s.DAEMONSET:
        return unknown("a DaemonSet runs on every node: its zones are the node pools'")
    if r.type not in SERVING:
        return regional("Kubernetes object")
    if r.type == k8s.POD:
        return zonal("one pod", _pinned_zone(r, "spec"))
    replicas = k8s.effective_replicas(r, p.index)
    if is_unknown(replicas):
        return unknown("replicas not known before apply", "spec.replicas")
    n = as_int(replicas)
    if n is None:
        return unknown("replicas not known", "spec.replicas")
    if n == 0:
        return unknown("0 replicas: nothing runs", "spec.replicas")
    pinned = _pinned_zone(r, "spec.template.spec")
    noun = "replica" if n == 1 else "replicas"
    if pinned:
        return zonal(f"{n} {noun} pinned to one zone", pinned, "spec.template.spec")
    if n == 1:
        return zonal("1 replica", None, "spec.replicas")
    spread = _zone_spread(r)
    if spread:
        return multi_zone(f"{n} replicas spread over zones", (), spread)
    return unknown(f"{n} replicas with no zone spread: the scheduler decides their zones", "spec.replicas")


def _pinned_zone(r: Resource, spec: str) -> str | None:
    """The one zone a nodeSelector or required node affinity pins the pods to."""
    selector = r.get(f"{spec}.nodeSelector")
    if isinstance(selector, dict):
        for key in ZONE_KEYS:
            zone = selector.get(key)
            if isinstance(zone, str):
                return zone
    terms = r.get(f"{spec}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")
    if isinstance(terms, list) and len(terms) == 1 and isinstance(terms[0], dict):
        for expr in terms[0].get("matchExpressions") or ():
            if (isinstance(expr, dict) and expr.get("key") in ZONE_KEYS and expr.get("operator") == "In"
                    and isinstance(expr.get("values"), list) and len(expr["values"]) == 1
                    and isinstance(expr["values"][0], str)):
                return expr["values"][0]
    return None


def _zone_spread(r: Resource) -> str | None:
    """The attribute spreading the pods over zones (a topology spread constraint or
    pod anti-affinity on the zone key), or None."""
    base = "spec.template.spec"
    constraints = r.get(f"{base}.topologySpreadConstraints")
    if isinstance(constraints, list):
        for i, c in enumerate(constraints):
            if isinstance(c, dict) and c.get("topologyKey") in ZONE_KEYS:
                return f"{base}.topologySpreadConstraints.{i}"
    anti = r.get(f"{base}.affinity.podAntiAffinity")
    if isinstance(anti, dict):
        for key in ("requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"):
            terms = anti.get(key)
            if isinstance(terms, list):
                for term in terms:
                    term = term.get("podAffinityTerm", term) if isinstance(term, dict) else None
                    if isinstance(term, dict) and term.get("topologyKey") in ZONE_KEYS:
                        return f"{base}.affinity.podAntiAffinity.{key}"
    return None


# ------------------------------------------------------------------ edges
def add_edges(graph: "EdgeSink", index: "Index", governs: bool = True) -> None:
    """The Kubernetes edges, in one order; without `governs`, no HPA or PDB edge (no failure
    flows along them: RES601's partial graph leaves them out)."""
    if not any("/" in t for t in {r.type for r in index.resources}):  # (a set: 10x cheaper than any() over all)
        return
    services = {(index.namespace_of(s), s.name): s for s in index.by_type(k8s.SERVICE) if _is_node(index, s)}
    config_maps = {(index.namespace_of(c), c.name): c for c in index.by_type(CONFIG_MAP) if _is_node(index, c)}
    for w in index.by_type(*SERVING):
        if not _is_node(index, w):
            continue
        for svc in k8s.services_selecting(w, index) or ():
            graph.add_edge(Edge(svc.address, w.address, EdgeKind.SERVES_FROM, "spec.selector",
                                f"selector {k8s.labels_text(svc.get('spec.selector'))}"))
        if governs and w.type != k8s.POD:
            for pdb in k8s.pdbs_selecting(w, index) or ():
                graph.add_edge(Edge(pdb.address, w.address, EdgeKind.GOVERNS, "spec.selector", "disruption budget"))
            for hpa in k8s.autoscalers_for(w, index):
                graph.add_edge(Edge(hpa.address, w.address, EdgeKind.GOVERNS, "spec.scaleTargetRef", "autoscaler"))
        _workload_edges(graph, index, w, services, config_maps)
    for cm in index.by_type(CONFIG_MAP):
        if not _is_node(index, cm):
            continue
        data = cm.get("data")
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str):
                    for svc in named_services(value, index.namespace_of(cm), services):
                        graph.add_edge(Edge(cm.address, svc.address, EdgeKind.REQUIRES, f"data.{key}", f"data {key}"))
    for route in index.by_type(*INGRESS, k8s.GATEWAY_HTTPROUTE, k8s.VIRTUAL_SERVICE):
        if not _is_node(index, route):
            continue
        for path, svc_name, namespace in _routed_services(route, index):
            routed = services.get((namespace, svc_name))
            if routed is None:
                graph.unresolved.append(Unresolved(route.address, path, f"Service {namespace}/{svc_name}"))
                continue
            graph.add_edge(Edge(route.address, routed.address, EdgeKind.SERVES_FROM, path, "routes to"))


def _is_node(index: "Index", r: Resource) -> bool:
    """r is the resource its address's node stands for (two objects of one address in a
    scope: the first is the node, as the graph keeps it; the other's edges are not its)."""
    return index.get(r.address) is r


def _workload_edges(graph: "EdgeSink", index: "Index", w: Resource, services: dict[tuple[str, str], Resource], config_maps: dict[tuple[str, str], Resource]) -> None:
    spec = k8s.pod_spec_path(w)
    if spec is None:
        return
    ns = index.namespace_of(w)
    used: list[tuple[str, str]] = []  # (path, ConfigMap name)
    for kind in ("containers", "initContainers"):
        items = w.get(f"{spec}.{kind}")
        if not isinstance(items, list):
            continue
        for i, c in enumerate(items):
            if not isinstance(c, dict):
                continue
            base = f"{spec}.{kind}.{i}"
            for j, env in enumerate(c.get("env") or ()):
                if not isinstance(env, dict):
                    continue
                value = env.get("value")
                if isinstance(value, str):
                    for svc in named_services(value, ns, services):
                        graph.add_edge(Edge(w.address, svc.address, EdgeKind.REQUIRES, f"{base}.env.{j}.value",
                                            f"env {env.get('name')}"))
                ref = env.get("valueFrom", {}).get("configMapKeyRef") if isinstance(env.get("valueFrom"), dict) else None
                if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                    used.append((f"{base}.env.{j}.valueFrom.configMapKeyRef", ref["name"]))
            for j, source in enumerate(c.get("envFrom") or ()):
                ref = source.get("configMapRef") if isinstance(source, dict) else None
                if isinstance(ref, dict) and isinstance(ref.get("name"), str):
                    used.append((f"{base}.envFrom.{j}.configMapRef", ref["name"]))
    volumes = w.get(f"{spec}.volumes")
    for i, volume in enumerate(volumes if isinstance(volumes, list) else ()):
        ref = volume.get("configMap") if isinstance(volume, dict) else None
        if isinstance(ref, dict) and isinstance(ref.get("name"), str):
            used.append((f"{spec}.volumes.{i}.configMap", ref["name"]))
    for path, name in used:
        cm = config_maps.get((ns, name))
        if cm is None:
            graph.unresolved.append(Unresolved(w.address, path, f"ConfigMap {ns}/{name}"))
            continue
        graph.add_edge(Edge(w.address, cm.address, EdgeKind.REQUIRES, path, f"ConfigMap {name}"))


def _routed_services(route: Resource, index: "Index") -> Iterator[tuple[str, str, str]]:
    """(attribute path, Service name, namespace) for every backend a route names."""
    ns = index.namespace_of(route)
    if route.type in INGRESS:
        default = route.get("spec.defaultBackend.service.name")
        if isinstance(default, str):
            yield "spec.defaultBackend.service.name", default, ns
        for i, rule in enumerate(_items(route.get("spec.rules"))):
            for j, path in enumerate(_items(_get(rule, "http", "paths"))):
                name = _get(path, "backend", "service", "name")
                if isinstance(name, str):
                    yield f"spec.rules.{i}.http.paths.{j}.backend.service.name", name, ns
    elif route.type == k8s.GATEWAY_HTTPROUTE:
        for i, rule in enumerate(_items(route.get("spec.rules"))):
            for j, ref in enumerate(_items(_get(rule, "backendRefs"))):
                if isinstance(ref, dict) and ref.get("kind", "Service") == "Service" and isinstance(ref.get("name"), str):
                    target_ns = str(ref["namespace"]) if isinstance(ref.get("namespace"), str) else ns
                    yield f"spec.rules.{i}.backendRefs.{j}.name", ref["name"], target_ns
    else:  # Istio VirtualService: destination hosts are short names or FQDNs
        for i, http in enumerate(_items(route.get("spec.http"))):
            for j, dest in enumerate(_items(_get(http, "route"))):
                host = _get(dest, "destination", "host")
                if isinstance(host, str):
                    found = service_of_host(host.lower(), ns)
                    if found is not None:
                        yield f"spec.http.{i}.route.{j}.destination.host", found[1], found[0]


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


# --------------------------------------------------------- Service DNS names
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_SEPARATORS = frozenset(" \t\r\n,;\"'()[]{}<>|")


def hosts_in(text: str) -> Iterator[tuple[str, bool]]:
    """(host, standalone) for every URL-like piece of a value: `postgres://u@db.shop:5432/x`
    -> `db.shop`. `standalone`: the piece has a scheme or a port, or is the whole
    value, what lets a one-label name like `db` mean a Service (a word in prose
    does not). One pass, no regex."""
    pieces: list[str] = []
    piece: list[str] = []
    for ch in text + " ":
        if ch in _SEPARATORS:
            if piece:
                pieces.append("".join(piece))
                piece = []
        else:
            piece.append(ch)
    for p in pieces:
        found = _host_of(p)
        if found is not None:
            host, marked = found
            yield host, marked or len(pieces) == 1


def _host_of(piece: str) -> tuple[str, bool] | None:
    assigned = piece.find("=")
    if 0 <= assigned < _first_of(piece, ":/?#"):  # `DB_HOST=db:5432`: the value after the name
        piece = piece[assigned + 1:]
    scheme = piece.find("://")
    rest = piece[scheme + 3:] if scheme >= 0 else piece
    at = rest.rfind("@", 0, _first_of(rest, "/?#"))
    rest = rest[at + 1:] if at >= 0 else rest
    end = _first_of(rest, ":/?#")
    host = rest[:end].lower().rstrip(".")
    if host and all(ch in _HOST_CHARS for ch in host):
        return host, scheme >= 0 or rest[end:end + 1] == ":"
    return None


def _first_of(text: str, chars: str) -> int:
    found = [i for i in (text.find(c) for c in chars) if i >= 0]
    return min(found) if found else len(text)


def service_of_host(host: str, namespace: str) -> tuple[str, str] | None:
    """(namespace, name) of the Service a DNS name means: `db` (the namespace of the
    one asking), `db.shop`, `db.shop.svc`, `db.shop.svc.cluster.local` (any cluster domain)."""
    labels = host.split(".")
    if any(not label for label in labels):
        return None
    if len(labels) == 1:
        return namespace, labels[0]
    if len(labels) == 2:
        return labels[1], labels[0]
    if labels[2] == "svc":
        return labels[1], labels[0]
    return None


def named_services(value: str, namespace: str, services: dict[tuple[str, str], Resource]) -> list[Resource]:
    out: list[Resource] = []
    for host, standalone in hosts_in(value):
        if host.replace(".", "").isdigit() or ("." not in host and not standalone):
            continue  # an IP address, or a word
        found = service_of_host(host, namespace)
        svc = services.get(found) if found else None
        if svc is not None and svc not in out:
            out.append(svc)
    return out
