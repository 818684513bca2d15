"""What breaks when a zone fails: a failure-domain analysis over the canonical model.

`graph.py` builds, per scope (one `Index`), a dependency graph: a node per
resource with its *placement* (the zones it can serve from, `placement.py`)
and typed edges (Terraform references and module wiring, Pulumi
`propertyDependencies`/`dependencies`, Kubernetes selectors, routes, env
vars and ConfigMap values naming a Service, Lambda event source mappings,
subnets -> route tables -> NAT gateways). `analysis.py` fails each zone in
turn (or "any one zone" for a resource whose zone is not named) and
propagates the failure along the edges; `report.py` prints the result as
text, JSON, Mermaid or Graphviz DOT.

The command `resilint zones` reads `analyse(index)`, the whole graph. The
rule RES601 (`linter/rules/failure_domains.py`) reads `analyse_workloads`:
the same losses of its zone-redundant workloads, worked out on the part of
the graph they depend on (`graph.PartialGraph`). Both are built once per
scope through `Index.memo`. Unknown placements and unresolved references
never fail anything: they are listed as "could not place".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.failure_domains.analysis import Analysis
    from linter.index import Index

MEMO_KEY = "failure_domains.analysis"
WORKLOADS_MEMO_KEY = "failure_domains.workloads"


def analyse(index: "Index") -> "Analysis":
    """The scope's graph and zone outages, built once per index."""
    from linter.failure_domains.analysis import analyse_graph
    from linter.failure_domains.graph import build_graph

    return index.memo(MEMO_KEY, lambda ix: analyse_graph(build_graph(ix)))


def analyse_workloads(index: "Index", types: tuple[str, ...]) -> "Analysis":
    """What the zone-redundant workloads of `types` lose when a zone fails (their
    `lost_by_workload`, as `analyse` has it), built once per index from the part
    of the graph they depend on. One caller, RES601, with one set of types (one memo key)."""
    return index.memo(WORKLOADS_MEMO_KEY, lambda ix: _partial(ix, types))


def _partial(index: "Index", types: tuple[str, ...]) -> "Analysis":
    # imported when the analysis is built, not at each of RES601's calls
    from linter.failure_domains.analysis import analyse_workloads as partial

    return partial(index, types)
