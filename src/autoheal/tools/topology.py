"""Topology tools: declared service dependencies merged with the call edges traces show.

Declared dependencies come from a YAML file::

    services:
      frontend: {depends_on: [checkout, catalog]}
      checkout: {depends_on: [payments, postgres]}
      postgres: {}
    edges:                      # optional, the same as depends_on
      - {caller: checkout, callee: redis}

An edge ``A -> B`` means A calls / depends on B (B is upstream of A's symptoms). In the merged
:class:`networkx.DiGraph` every edge has ``source`` = ``declared``, ``traces`` or ``both``; edges seen
in traces also carry ``calls``, ``errors``, ``error_ratio``, ``p50_ms`` and ``p99_ms``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal

import networkx as nx
import yaml
from pydantic import BaseModel, Field

from autoheal.clock import Clock, SystemClock, utc
from autoheal.domain.tools import Access, ToolResult, ToolStatus
from autoheal.errors import ConfigError
from autoheal.tools.traces import TracesServiceGraph

_STAT_KEYS = ("calls", "errors", "error_ratio", "p50_ms", "p99_ms")


def declared_graph(spec: Mapping[str, Any] | None) -> nx.DiGraph:
    """The declared dependency graph of a parsed topology document."""
    graph: nx.DiGraph = nx.DiGraph()
    spec = spec or {}
    services = spec.get("services") or {}
    if not isinstance(services, Mapping):
        raise ConfigError("topology: 'services' must be a mapping of service name to {depends_on: [...]}")
    for name, body in services.items():
        graph.add_node(str(name))
        deps = (body or {}).get("depends_on", []) if isinstance(body, Mapping) else body
        if not isinstance(deps, list):
            raise ConfigError(f"topology: depends_on of {name} must be a list")
        for dep in deps:
            graph.add_edge(str(name), str(dep), source="declared")
    for edge in spec.get("edges") or []:
        if not isinstance(edge, Mapping) or "caller" not in edge or "callee" not in edge:
            raise ConfigError(f"topology: an edge needs caller and callee, got {edge!r}")
        graph.add_edge(str(edge["caller"]), str(edge["callee"]), source="declared")
    return graph


def load_declared(path: str | Path | None) -> nx.DiGraph:
    if path is None:
        return nx.DiGraph()
    try:
        spec = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read topology file {path}: {exc}") from exc
    return declared_graph(spec)


def merge(declared: nx.DiGraph, trace_edges: Iterable[Mapping[str, Any]]) -> nx.DiGraph:
    """Declared edges plus trace edges; an edge in both is marked ``both``."""
    graph = declared.copy()
    for edge in trace_edges:
        u, v = edge["caller"], edge["callee"]
        stats = {k: edge[k] for k in _STAT_KEYS if k in edge}
        if graph.has_edge(u, v):
            graph.edges[u, v].update(stats, source="both")
        else:
            graph.add_edge(u, v, source="traces", **stats)
    return graph


def graph_dict(graph: nx.DiGraph) -> dict[str, Any]:
    return {
        "nodes": sorted(graph.nodes),
        "edges": [{"caller": u, "callee": v, **data} for u, v, data in sorted(graph.edges(data=True))],
    }


class GraphArgs(BaseModel):
    start: datetime | None = Field(None, description="trace window start (default: end - 1 h)")
    end: datetime | None = Field(None, description="trace window end (default: now)")
    include_traces: bool = True


class NeighboursArgs(GraphArgs):
    service: str = Field(min_length=1)
    depth: int = Field(1, ge=1, le=5)
    direction: Literal["calls", "called_by", "both"] = "both"


class _TopologyTool:
    access: ClassVar[Access] = Access.READ

    def __init__(
        self,
        declared: nx.DiGraph | None = None,
        traces: TracesServiceGraph | None = None,
        clock: Clock | None = None,
        max_spans: int = 100_000,
    ) -> None:
        self.declared = declared if declared is not None else nx.DiGraph()
        self.traces = traces
        self.clock = clock or SystemClock()
        self.max_spans = max_spans

    def build(self, args: GraphArgs) -> tuple[nx.DiGraph, dict[str, Any]]:
        meta: dict[str, Any] = {"declared_edges": self.declared.number_of_edges(), "trace_edges": 0}
        if not args.include_traces or self.traces is None:
            return self.declared.copy(), meta
        end = utc(args.end) if args.end else self.clock.now()
        start = utc(args.start) if args.start else end - timedelta(hours=1)
        graph, failure = self.traces.graph(start, end, self.max_spans)
        if failure is not None:
            meta["traces_error"] = failure.message  # declared edges are still worth returning
            return self.declared.copy(), meta
        meta["trace_edges"] = len(graph["edges"])
        return merge(self.declared, graph["edges"]), meta


class TopologyGraph(_TopologyTool):
    name: ClassVar[str] = "topology.graph"
    description: ClassVar[str] = (
        "Service dependency graph: declared dependencies merged with call edges seen in traces "
        "(each edge marked declared, traces or both)."
    )
    args_model: ClassVar[type[BaseModel]] = GraphArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, GraphArgs)
        graph, meta = self.build(args)
        if graph.number_of_nodes() == 0:
            return ToolResult(
                ToolStatus.NO_DATA, data=graph_dict(graph), message="no topology known", meta=meta
            )
        return ToolResult(ToolStatus.OK, data=graph_dict(graph), meta=meta)


class TopologyNeighbours(_TopologyTool):
    name: ClassVar[str] = "topology.neighbours"
    description: ClassVar[str] = (
        "Services a service calls (its dependencies) and services that call it, with their distance, "
        "up to a depth."
    )
    args_model: ClassVar[type[BaseModel]] = NeighboursArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, NeighboursArgs)
        graph, meta = self.build(args)
        if args.service not in graph:
            return ToolResult(ToolStatus.NO_DATA, message=f"{args.service} is not in the topology", meta=meta)
        data: dict[str, Any] = {"service": args.service}
        if args.direction in ("calls", "both"):
            lengths = nx.single_source_shortest_path_length(graph, args.service, cutoff=args.depth)
            data["calls"] = {s: d for s, d in sorted(lengths.items()) if s != args.service}
        if args.direction in ("called_by", "both"):
            lengths = nx.single_source_shortest_path_length(
                graph.reverse(copy=False), args.service, cutoff=args.depth
            )
            data["called_by"] = {s: d for s, d in sorted(lengths.items()) if s != args.service}
        return ToolResult(ToolStatus.OK, data=data, meta=meta)
