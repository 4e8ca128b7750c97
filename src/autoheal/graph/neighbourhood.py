"""A service's neighbourhood for people (``autoheal graph show``), walked with networkx."""

from __future__ import annotations

from typing import Any

import networkx as nx

from autoheal.graph.model import NodeKind
from autoheal.graph.store import GraphStore

MAX_NODES = 500


def neighbourhood(store: GraphStore, service: str, depth: int = 1) -> dict[str, Any]:
    """Nodes within ``depth`` hops of the service (either direction), each with its edges."""
    start = store.find(NodeKind.SERVICE, service)
    if start is None:
        return {"service": service, "nodes": []}
    g = nx.MultiDiGraph()
    g.add_node(start.id)
    frontier = {start.id}
    for _ in range(depth):
        edges = store.edges(src=list(frontier)) + store.edges(dst=list(frontier))
        nxt: set[int] = set()
        for e in edges:
            if e.src not in g or e.dst not in g:
                nxt |= {e.src, e.dst} - set(g.nodes)
            g.add_edge(e.src, e.dst, kind=e.kind, open=e.valid_to is None)
        frontier = nxt
        if g.number_of_nodes() > MAX_NODES:
            break
    nodes = store.nodes(list(g.nodes)[:MAX_NODES])
    out = []
    hops = nx.single_source_shortest_path_length(g.to_undirected(as_view=True), start.id)
    for node_id, distance in hops.items():
        node = nodes.get(node_id)
        if node is None:
            continue
        described = node.to_dict()
        described["hops"] = distance
        described["edges"] = sorted(
            {
                f"{d['kind']}->{nodes[v].kind.value}"
                for _, v, d in g.out_edges(node_id, data=True)
                if v in nodes
            }
            | {
                f"{nodes[u].kind.value}-{d['kind']}->"
                for u, _, d in g.in_edges(node_id, data=True)
                if u in nodes
            }
        )
        out.append(described)
    return {"service": service, "nodes": out}
