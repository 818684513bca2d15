"""What breaks when a zone fails: a failure-domain analysis over the canonical model.

`graph.py` builds, per scope (one `Index`), a dependency graph: a node per
resource with its *placement* (the zones it can serve from, `placement.py`)
and typed edges (Terraform references and module wiring, Pulumi
`propertyDependencies`/`dependencies`, Kubernetes selectors, routes, env
vars and ConfigMap values naming a Service, Lambda event source mappings,
subnets -> route tables -> NAT gateways). `analysis.py` fails each zone in
turn (or "any one zone" for a resource whose zone is not named) and
propagates the failure along the edges; `render.py` prints the result as
text, JSON, Mermaid or Graphviz DOT.

The rule RES601 (`linter/rules/failure_domains.py`) and the command
`resilint zones` both read `analyse(index)`, built once per scope through
`Index.memo`. Unknown placements and unresolved references never fail
anything: they are listed as "could not place".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linter.failure_domains.analysis import Analysis
    from linter.index import Index

MEMO_KEY = "failure_domains.analysis"


def analyse(index: "Index") -> "Analysis":
    """The scope's graph and zone outages, built once per index."""
    from linter.failure_domains.analysis import analyse_graph
    from linter.failure_domains.graph import build_graph

    return index.memo(MEMO_KEY, lambda ix: analyse_graph(build_graph(ix)))
