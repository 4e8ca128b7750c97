"""Tables of the Production Context Graph (Alembic branch ``graph``) and the store over them.

* ``graph_nodes`` — one row per (kind, key): a service by name, an incident by its id, an alert by
  fingerprint...; ``attrs`` holds what the node says, ``service`` the service it concerns (indexed:
  "what do we know about checkout" is one index range).
* ``graph_edges`` — typed, directed, unique per (kind, src, dst); indexed from both ends.
* ``graph_features`` — the retrieval index: per incident, its structural features
  (``service``, ``fingerprint``, ``rule``, ``symptom``) as (kind, value) rows, indexed by
  (kind, value, node), so the newest incidents sharing a feature are an index range read rather
  than a graph walk or a sort.

Nodes and edges carry ``valid_from``, ``valid_to`` (open while NULL) and ``weight``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from autoheal.clock import utc
from autoheal.errors import NotFoundError
from autoheal.graph.model import EdgeKind, NodeKind
from autoheal.store.schema import Base

COMPOUND_MAX = 200  # selects per UNION ALL statement (SQLite's limit is 500)


class GraphNodeRow(Base):
    __tablename__ = "graph_nodes"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_graph_nodes_kind_key"),
        Index("ix_graph_nodes_service_kind", "service", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(512))
    label: Mapped[str] = mapped_column(String(512), default="")
    service: Mapped[str | None] = mapped_column(String(256), nullable=True)
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)


class GraphEdgeRow(Base):
    __tablename__ = "graph_edges"
    __table_args__ = (
        UniqueConstraint("kind", "src", "dst", name="uq_graph_edges_kind_src_dst"),
        Index("ix_graph_edges_src_kind", "src", "kind"),
        Index("ix_graph_edges_dst_kind", "dst", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    src: Mapped[int] = mapped_column(ForeignKey("graph_nodes.id"))
    dst: Mapped[int] = mapped_column(ForeignKey("graph_nodes.id"))
    attrs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)


class GraphFeatureRow(Base):
    __tablename__ = "graph_features"
    __table_args__ = (Index("ix_graph_features_kind_value_node", "kind", "value", "node"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[int] = mapped_column(ForeignKey("graph_nodes.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(512))


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    kind: NodeKind
    key: str
    label: str
    service: str | None
    attrs: dict[str, Any]
    valid_from: datetime
    valid_to: datetime | None
    weight: float

    def valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "key": self.key,
            "label": self.label,
            "service": self.service,
            "attrs": self.attrs,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "weight": round(self.weight, 4),
        }


def _node(row: Any) -> Node:
    """A node from an ORM row or a plain row of ``graph_nodes``."""
    return Node(
        row.id,
        NodeKind(row.kind),
        row.key,
        row.label,
        row.service,
        dict(row.attrs or {}),
        utc(row.valid_from),
        utc(row.valid_to) if row.valid_to else None,
        row.weight,
    )


class GraphStore:
    """Reads and writes the graph inside the caller's session (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- nodes ---------------------------------------------------------------------------------
    def upsert(
        self,
        kind: NodeKind,
        key: str,
        at: datetime,
        *,
        label: str = "",
        service: str | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> int:
        """The node (kind, key), created valid from ``at`` or updated (attrs merged)."""
        row = self.session.scalars(
            select(GraphNodeRow).where(GraphNodeRow.kind == kind.value, GraphNodeRow.key == key)
        ).first()
        if row is None:
            row = GraphNodeRow(
                kind=kind.value,
                key=key,
                label=label or key,
                service=service,
                attrs=dict(attrs or {}),
                valid_from=at,
                weight=1.0,
            )
            self.session.add(row)
            self.session.flush()
            return row.id
        if label:
            row.label = label
        if service:
            row.service = service
        if attrs:
            row.attrs = {**(row.attrs or {}), **attrs}
        return row.id

    def find(self, kind: NodeKind, key: str) -> Node | None:
        row = self.session.scalars(
            select(GraphNodeRow).where(GraphNodeRow.kind == kind.value, GraphNodeRow.key == key)
        ).first()
        return _node(row) if row else None

    def get(self, node_id: int) -> Node:
        row = self.session.get(GraphNodeRow, node_id)
        if row is None:
            raise NotFoundError(f"no graph node {node_id}")
        return _node(row)

    def nodes(self, ids: Iterable[int]) -> dict[int, Node]:
        """Nodes by id, read as plain rows (no ORM objects: loading them cost more than the query);
        pending changes are flushed first, so what the session changed is what is read."""
        wanted = list(dict.fromkeys(ids))
        out: dict[int, Node] = {}
        if not wanted:
            return out
        self.session.flush()
        table = GraphNodeRow.__table__
        for i in range(0, len(wanted), 500):
            for row in self.session.execute(select(table).where(table.c.id.in_(wanted[i : i + 500]))):
                out[row.id] = _node(row)
        return out

    def about(self, service: str, kinds: Sequence[NodeKind] = ()) -> list[Node]:
        query = select(GraphNodeRow).where(GraphNodeRow.service == service)
        if kinds:
            query = query.where(GraphNodeRow.kind.in_([k.value for k in kinds]))
        return [_node(r) for r in self.session.scalars(query.order_by(GraphNodeRow.id))]

    def set_weight(self, node_id: int, weight: float, *, valid_to: datetime | None = None) -> None:
        row = self.session.get(GraphNodeRow, node_id)
        if row is None:
            raise NotFoundError(f"no graph node {node_id}")
        row.weight = weight
        if valid_to is not None and row.valid_to is None:
            row.valid_to = valid_to

    # --- edges ---------------------------------------------------------------------------------
    def link(
        self, kind: EdgeKind, src: int, dst: int, at: datetime, *, attrs: dict[str, Any] | None = None
    ) -> int:
        row = self.session.scalars(
            select(GraphEdgeRow).where(
                GraphEdgeRow.kind == kind.value, GraphEdgeRow.src == src, GraphEdgeRow.dst == dst
            )
        ).first()
        if row is None:
            row = GraphEdgeRow(
                kind=kind.value, src=src, dst=dst, attrs=dict(attrs or {}), valid_from=at, weight=1.0
            )
            self.session.add(row)
            self.session.flush()
        elif attrs:
            row.attrs = {**(row.attrs or {}), **attrs}
        return row.id

    def close_edge(self, edge_id: int, at: datetime) -> None:
        row = self.session.get(GraphEdgeRow, edge_id)
        if row is not None and row.valid_to is None:
            row.valid_to = at

    def edges(
        self,
        *,
        src: int | Sequence[int] | None = None,
        dst: int | Sequence[int] | None = None,
        kinds: Sequence[EdgeKind] = (),
    ) -> list[GraphEdgeRow]:
        query = select(GraphEdgeRow)
        if src is not None:
            query = query.where(GraphEdgeRow.src.in_([src] if isinstance(src, int) else list(src)))
        if dst is not None:
            query = query.where(GraphEdgeRow.dst.in_([dst] if isinstance(dst, int) else list(dst)))
        if kinds:
            query = query.where(GraphEdgeRow.kind.in_([k.value for k in kinds]))
        return list(self.session.scalars(query.order_by(GraphEdgeRow.id)))

    # --- retrieval index -------------------------------------------------------------------------
    def index(self, node_id: int, features: Iterable[tuple[str, str]]) -> None:
        have = {
            (r.kind, r.value)
            for r in self.session.scalars(select(GraphFeatureRow).where(GraphFeatureRow.node == node_id))
        }
        for kind, value in dict.fromkeys(features):
            if (kind, value) not in have and value:
                self.session.add(GraphFeatureRow(node=node_id, kind=kind, value=value[:512]))

    def indexed(self, kind: str, values: Sequence[str]) -> set[str]:
        """Which of ``values`` the retrieval index holds for ``kind`` (one ``IN`` read of the
        index per 500 values). A storm group's thousands of fingerprints were each a select in
        :meth:`matching`'s compound when few or none had ever been part of an incident."""
        unique = list(dict.fromkeys(v[:512] for v in values if v))
        found: set[str] = set()
        for lo in range(0, len(unique), 500):
            found.update(
                self.session.scalars(
                    select(GraphFeatureRow.value)
                    .where(GraphFeatureRow.kind == kind, GraphFeatureRow.value.in_(unique[lo : lo + 500]))
                    .distinct()
                )
            )
        return found

    def matching(
        self, features: Iterable[tuple[str, str]], limit: int = 500
    ) -> dict[int, list[tuple[str, str]]]:
        """Incident nodes sharing any of ``features``, with the features they share: per feature kind,
        the ``limit`` newest rows (highest node id). One statement: per (kind, value), an index range
        read of its newest ``limit`` rows (``ix_graph_features_kind_value_node``, backwards), all of
        them in a ``UNION ALL``; the newest ``limit`` of each kind are kept here."""
        by_kind: dict[str, list[str]] = {}
        for kind, value in dict.fromkeys(features):
            by_kind.setdefault(kind, []).append(value)
        pairs = [(kind, value) for kind, values in by_kind.items() for value in values]
        found: dict[str, list[tuple[int, str]]] = {}
        for lo in range(0, len(pairs), COMPOUND_MAX):  # SQLite allows 500 selects in one compound
            chunk = pairs[lo : lo + COMPOUND_MAX]
            # plain SQL (the same on SQLite and PostgreSQL): building this as SQLAlchemy subqueries
            # cost more Python time than the database took to answer it
            sql = " UNION ALL ".join(
                f"SELECT * FROM (SELECT node, kind, value FROM graph_features WHERE kind = :k{i}"
                f" AND value = :v{i} ORDER BY node DESC LIMIT :limit) AS f{i}"
                for i in range(len(chunk))
            )
            params: dict[str, object] = {"limit": limit}
            for i, (kind, value) in enumerate(chunk):
                params[f"k{i}"], params[f"v{i}"] = kind, value
            for node, kind, value in self.session.execute(text(sql), params):
                found.setdefault(kind, []).append((node, value))
        out: dict[int, list[tuple[str, str]]] = {}
        for kind in by_kind:
            for node, value in sorted(found.get(kind, []), key=lambda r: -r[0])[:limit]:
                out.setdefault(node, []).append((kind, value))
        return out

    def targets(self, src: Sequence[int], kind: EdgeKind) -> dict[int, Node]:
        """For each of ``src``, the node its ``kind`` edge points to (the newest edge if several)."""
        return {s: pairs[-1][1] for s, pairs in self.outgoing(src, kind).items() if pairs}

    def outgoing(self, src: Sequence[int], kind: EdgeKind) -> dict[int, list[tuple[dict[str, Any], Node]]]:
        """Each of ``src``'s ``kind`` edges (its attrs) with the node it points to, in edge order: an
        edge join, one statement per 500 sources (not the edges and then their nodes)."""
        out: dict[int, list[tuple[dict[str, Any], Node]]] = {s: [] for s in src}
        if not out:
            return out
        self.session.flush()
        edges, nodes = GraphEdgeRow.__table__, GraphNodeRow.__table__
        wanted = list(out)
        for i in range(0, len(wanted), 500):
            rows = self.session.execute(
                select(edges.c.src.label("edge_src"), edges.c.attrs.label("edge_attrs"), nodes)
                .join(nodes, nodes.c.id == edges.c.dst)
                .where(edges.c.kind == kind.value, edges.c.src.in_(wanted[i : i + 500]))
                .order_by(edges.c.id)
            )
            for row in rows:
                out[row.edge_src].append((dict(row.edge_attrs or {}), _node(row)))
        return out

    def features_of(self, node_id: int) -> list[tuple[str, str]]:
        return [
            (r.kind, r.value)
            for r in self.session.scalars(select(GraphFeatureRow).where(GraphFeatureRow.node == node_id))
        ]

    def counts(self) -> dict[str, int]:
        from sqlalchemy import func

        nodes = dict(
            self.session.execute(select(GraphNodeRow.kind, func.count()).group_by(GraphNodeRow.kind)).all()
        )
        edges = dict(
            self.session.execute(select(GraphEdgeRow.kind, func.count()).group_by(GraphEdgeRow.kind)).all()
        )
        return {
            **{f"nodes.{k}": int(v) for k, v in nodes.items()},
            **{f"edges.{k}": int(v) for k, v in edges.items()},
        }
