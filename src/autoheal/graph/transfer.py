"""Export and import the graph as JSON Lines, so knowledge survives people and machines.

Format (docs/graph.md "Export format"), one JSON object a line:

    {"type": "header", "format": "autoheal-graph", "version": 1, "exported_at": "..."}
    {"type": "node", "kind": "incident", "key": "...", "label": "...", "service": "...",
     "attrs": {...}, "valid_from": "...", "valid_to": null, "weight": 1.0}
    {"type": "edge", "kind": "caused_by", "src": ["incident", "KEY"], "dst": ["root_cause", "KEY"],
     "attrs": {...}, "valid_from": "...", "valid_to": null, "weight": 1.0}
    {"type": "feature", "node": ["incident", "KEY"], "kind": "service", "value": "checkout"}

Nodes are named by (kind, key) rather than database ids, so an export imports into any database;
importing merges: a node or edge that exists is updated (attributes merged, the later
``valid_to`` and the lower weight kept), anything new is added.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select

from autoheal.clock import utc
from autoheal.errors import InputError
from autoheal.graph.model import EdgeKind, NodeKind
from autoheal.graph.store import GraphEdgeRow, GraphFeatureRow, GraphNodeRow, GraphStore

FORMAT = "autoheal-graph"
VERSION = 1


def _iso(value: datetime | None) -> str | None:
    return utc(value).isoformat() if value else None


def export_lines(store: GraphStore, at: datetime) -> Iterator[dict[str, Any]]:
    session = store.session
    yield {"type": "header", "format": FORMAT, "version": VERSION, "exported_at": at.isoformat()}
    names: dict[int, list[str]] = {}
    for row in session.scalars(select(GraphNodeRow).order_by(GraphNodeRow.id)):
        names[row.id] = [row.kind, row.key]
        yield {
            "type": "node",
            "kind": row.kind,
            "key": row.key,
            "label": row.label,
            "service": row.service,
            "attrs": row.attrs or {},
            "valid_from": _iso(row.valid_from),
            "valid_to": _iso(row.valid_to),
            "weight": row.weight,
        }
    for edge in session.scalars(select(GraphEdgeRow).order_by(GraphEdgeRow.id)):
        yield {
            "type": "edge",
            "kind": edge.kind,
            "src": names[edge.src],
            "dst": names[edge.dst],
            "attrs": edge.attrs or {},
            "valid_from": _iso(edge.valid_from),
            "valid_to": _iso(edge.valid_to),
            "weight": edge.weight,
        }
    for feature in session.scalars(select(GraphFeatureRow).order_by(GraphFeatureRow.id)):
        yield {"type": "feature", "node": names[feature.node], "kind": feature.kind, "value": feature.value}


def write(store: GraphStore, out: IO[str], at: datetime) -> int:
    n = 0
    for line in export_lines(store, at):
        out.write(json.dumps(line, sort_keys=True, default=str) + "\n")
        n += 1
    return n


def _time(obj: dict[str, Any], name: str, where: str, *, required: bool = True) -> datetime | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise InputError(f"{where}: {name} is required (an ISO 8601 time)")
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise InputError(f"{where}: {name} {value!r} is not an ISO 8601 time") from exc
    if parsed.tzinfo is None:
        raise InputError(f"{where}: {name} {value!r} has no time zone")
    return parsed


def _ref(obj: dict[str, Any], name: str, where: str) -> tuple[NodeKind, str]:
    ref = obj.get(name)
    if not (isinstance(ref, list) and len(ref) == 2 and all(isinstance(x, str) for x in ref)):
        raise InputError(f"{where}: {name} must be [node kind, node key]")
    try:
        return NodeKind(ref[0]), ref[1]
    except ValueError as exc:
        raise InputError(f"{where}: {name} names an unknown node kind {ref[0]!r}") from exc


def read(store: GraphStore, lines: Iterable[str]) -> dict[str, int]:
    """Import an export; raises :class:`InputError` naming the first bad line (nothing is
    committed by the caller then)."""
    counts = {"nodes": 0, "edges": 0, "features": 0}
    ids: dict[tuple[str, str], int] = {}
    header = False
    for number, raw in enumerate(lines, start=1):
        where = f"line {number}"
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise InputError(f"{where}: expected a JSON object")
        kind = obj.get("type")
        if not header:
            if kind != "header" or obj.get("format") != FORMAT:
                raise InputError(
                    f'{where}: expected the header line {{"type": "header", "format": "{FORMAT}"}}'
                )
            if obj.get("version") != VERSION:
                raise InputError(
                    f"{where}: format version {obj.get('version')!r}; this build reads {VERSION}"
                )
            header = True
            continue
        if kind == "node":
            try:
                node_kind = NodeKind(str(obj.get("kind")))
            except ValueError as exc:
                raise InputError(f"{where}: unknown node kind {obj.get('kind')!r}") from exc
            key = obj.get("key")
            if not isinstance(key, str) or not key:
                raise InputError(f"{where}: key must be a non-empty string")
            valid_from = _time(obj, "valid_from", where)
            assert valid_from is not None
            node_id = store.upsert(
                node_kind,
                key,
                valid_from,
                label=str(obj.get("label") or ""),
                service=obj.get("service"),
                attrs=dict(obj.get("attrs") or {}),
            )
            row = store.session.get(GraphNodeRow, node_id)
            assert row is not None
            valid_to = _time(obj, "valid_to", where, required=False)
            if valid_to is not None and row.valid_to is None:
                row.valid_to = valid_to
            row.weight = min(row.weight, float(obj.get("weight", 1.0)))
            ids[(node_kind.value, key)] = node_id
            counts["nodes"] += 1
        elif kind == "edge":
            try:
                edge_kind = EdgeKind(str(obj.get("kind")))
            except ValueError as exc:
                raise InputError(f"{where}: unknown edge kind {obj.get('kind')!r}") from exc
            src, dst = _ref(obj, "src", where), _ref(obj, "dst", where)
            ends: list[int] = []
            for ref in (src, dst):
                end = ids.get((ref[0].value, ref[1]))
                if end is None:
                    found = store.find(*ref)
                    if found is None:
                        raise InputError(
                            f"{where}: edge end {ref[0].value}:{ref[1]} is not a node of the export"
                        )
                    end = found.id
                ends.append(end)
            valid_from = _time(obj, "valid_from", where)
            assert valid_from is not None
            edge_id = store.link(edge_kind, ends[0], ends[1], valid_from, attrs=dict(obj.get("attrs") or {}))
            edge = store.session.get(GraphEdgeRow, edge_id)
            assert edge is not None
            valid_to = _time(obj, "valid_to", where, required=False)
            if valid_to is not None and edge.valid_to is None:
                edge.valid_to = valid_to
            edge.weight = min(edge.weight, float(obj.get("weight", 1.0)))
            counts["edges"] += 1
        elif kind == "feature":
            ref = _ref(obj, "node", where)
            known = store.find(*ref)
            feature_of = ids.get((ref[0].value, ref[1])) or (known.id if known else None)
            if feature_of is None:
                raise InputError(
                    f"{where}: feature of {ref[0].value}:{ref[1]}, which is not a node of the export"
                )
            if not isinstance(obj.get("kind"), str) or not isinstance(obj.get("value"), str):
                raise InputError(f"{where}: a feature needs kind and value strings")
            store.index(feature_of, [(obj["kind"], obj["value"])])
            store.session.flush()
            counts["features"] += 1
        else:
            raise InputError(f"{where}: unknown line type {kind!r}; expected node, edge or feature")
    if not header:
        raise InputError("empty export: no header line")
    return counts
