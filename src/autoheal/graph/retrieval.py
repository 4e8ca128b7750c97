"""Retrieval: the past incidents most like a new alert, as priors for triage and the investigation.

1. **Structural candidates** from the feature index (:class:`~autoheal.graph.store.GraphStore`
   ``matching``): past incidents sharing a fingerprint, an alert rule on the same service, a
   service, or a symptom metric with the new alerts. Each shared feature kind adds its weight
   (``STRUCTURAL``), once per kind.
2. **Text**: BM25 (``bm25s``) over the candidates' text (title, alert names and summaries, the
   report's narrative, the responders' messages, the root cause), queried with the new alerts'
   names, summaries and services; the best candidate's score is 1, the others in proportion,
   added at ``TEXT_WEIGHT``.
3. The similarity is multiplied by the **validity weight** of the incident's root cause
   (:mod:`autoheal.graph.validity`). A prior whose weight is below ``OFFER_MIN_WEIGHT`` is returned
   marked ``invalidated`` (people see it in ``autoheal graph similar``; investigations do not use
   it); one at ``ANCHOR_MIN_WEIGHT`` or more may anchor an investigation.

A prior is a hypothesis, never a finding: the investigation checks it against current evidence.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import bm25s

from autoheal.domain.alerts import Alert
from autoheal.graph.learn import features
from autoheal.graph.model import ANCHOR_MIN_WEIGHT, OFFER_MIN_WEIGHT, EdgeKind, NodeKind
from autoheal.graph.store import GraphStore, Node
from autoheal.graph.validity import invalidations_of

STRUCTURAL = {"fingerprint": 3.0, "rule_service": 2.0, "rule": 0.5, "service": 1.0, "symptom": 0.5}
REASONS = {
    "fingerprint": "the same alert fired (fingerprint)",
    "rule_service": "the same alert rule on the same service",
    "rule": "the same alert rule",
    "service": "the same service",
    "symptom": "the same symptom metric",
}
TEXT_WEIGHT = 1.0
MIN_SIMILARITY = 1.0  # at least a shared service (or a rule and a symptom), else not similar
CANDIDATES = 50  # structural candidates per feature kind, the newest first; ranked by text


@dataclass(slots=True)
class Prior:
    incident: str
    title: str
    similarity: float
    weight: float
    reasons: list[str]
    root_cause: dict[str, Any] | None
    check_order: list[str] = field(default_factory=list)
    ruled_out: list[dict[str, Any]] = field(default_factory=list)
    invalidated_by: list[dict[str, Any]] = field(default_factory=list)
    resolved_at: str | None = None

    @property
    def score(self) -> float:
        return round(self.similarity * self.weight, 4)

    @property
    def offered(self) -> bool:
        return self.root_cause is not None and self.weight >= OFFER_MIN_WEIGHT

    @property
    def anchor(self) -> bool:
        """May the investigation check this first and stop when current evidence confirms it?"""
        return self.offered and self.weight >= ANCHOR_MIN_WEIGHT

    def because(self) -> str:
        return "; ".join(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "title": self.title,
            "similarity": round(self.similarity, 4),
            "weight": round(self.weight, 4),
            "score": self.score,
            "reasons": list(self.reasons),
            "root_cause": self.root_cause,
            "check_order": list(self.check_order),
            "ruled_out": list(self.ruled_out),
            "invalidated_by": list(self.invalidated_by),
            "resolved_at": self.resolved_at,
            "offered": self.offered,
            "anchor": self.anchor,
        }


def _query_text(alerts: Sequence[Alert]) -> str:
    parts: list[str] = []
    for a in alerts:
        parts += [
            a.name,
            a.service or "",
            str(a.annotations.get("summary", "")),
            str(a.annotations.get("description", "")),
        ]
    return " ".join(p for p in parts if p)


def _bm25(texts: list[str], query: str) -> list[float]:
    """BM25 scores of ``texts`` for ``query``, the best scaled to 1 (all 0 without a match)."""
    if not texts or not query.strip():
        return [0.0] * len(texts)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
    if not tokens.vocab:
        return [0.0] * len(texts)
    docs, scores = retriever.retrieve(tokens, k=len(texts), show_progress=False)
    out = [0.0] * len(texts)
    for doc, score in zip(docs[0], scores[0], strict=False):
        out[int(doc)] = float(score)
    best = max(out)
    return [s / best if best > 0 else 0.0 for s in out]


def similar(
    store: GraphStore,
    alerts: Sequence[Alert],
    *,
    at: datetime,
    limit: int = 3,
    exclude: Sequence[str] = (),
) -> list[Prior]:
    """The past incidents most similar to ``alerts`` (resolved before ``at``), best first."""
    return similar_to(store, features(alerts), _query_text(alerts), at=at, limit=limit, exclude=exclude)


def similar_to(
    store: GraphStore,
    wanted: Sequence[tuple[str, str]],
    query: str,
    *,
    at: datetime,
    limit: int = 3,
    exclude: Sequence[str] = (),
) -> list[Prior]:
    """:func:`similar` for structural features and query text (an incident's own, for example)."""
    shared = store.matching(wanted, limit=CANDIDATES)
    ranked: list[tuple[int, float, list[str]]] = []
    for node_id, feats in shared.items():
        kinds = {k for k, _ in feats if k in STRUCTURAL}
        score = float(sum(STRUCTURAL[k] for k in kinds))
        if score >= MIN_SIMILARITY:
            ranked.append((node_id, score, sorted(kinds, key=lambda k: -STRUCTURAL[k])))
    ranked.sort(key=lambda c: (-c[1], -c[0]))
    # bounded: the nodes are read best first, CANDIDATES at a time, until CANDIDATES are kept
    # (the structural score needs only the features; a node is read to know whether it counts)
    candidates: list[tuple[Node, float, list[str]]] = []
    for lo in range(0, len(ranked), CANDIDATES):
        batch = ranked[lo : lo + CANDIDATES]
        nodes = store.nodes(c[0] for c in batch)
        for node_id, structural, order in batch:
            node = nodes.get(node_id)
            if node is None or node.kind is not NodeKind.INCIDENT or node.key in exclude:
                continue
            resolved = node.attrs.get("resolved_at")
            if resolved and datetime.fromisoformat(str(resolved)) > at:
                continue
            candidates.append((node, structural, order))
        if len(candidates) >= CANDIDATES:
            break
    candidates = candidates[:CANDIDATES]
    text = _bm25([str(c[0].attrs.get("text", "")) for c in candidates], query)
    # every candidate's root cause in one statement (not two per candidate)
    roots = store.targets([c[0].id for c in candidates], EdgeKind.CAUSED_BY) if candidates else {}
    priors: list[Prior] = []
    root_ids: dict[str, int] = {}
    for (node, structural, shared_kinds), t in zip(candidates, text, strict=True):
        root = roots.get(node.id)
        weight = root.weight if root is not None else 0.0
        if root is not None and root.valid_to is not None and root.valid_to <= at:
            weight = 0.0
        reasons = [REASONS[k] for k in shared_kinds]
        if t > 0:
            reasons.append(f"similar text (BM25 {t:.2f} of the best)")
        priors.append(
            Prior(
                incident=node.key,
                title=node.label,
                similarity=structural + TEXT_WEIGHT * t,
                weight=weight,
                reasons=reasons,
                root_cause=dict(root.attrs) if root is not None else None,
                check_order=list(node.attrs.get("check_order", [])),
                ruled_out=list(node.attrs.get("ruled_out", [])),
                resolved_at=node.attrs.get("resolved_at"),
            )
        )
        if root is not None:
            root_ids[node.key] = root.id
    priors.sort(key=lambda p: (-p.score, -p.similarity, p.incident))
    kept = [p for p in priors[:limit] if p.incident in root_ids]
    why = invalidations_of(store, [root_ids[p.incident] for p in kept])  # why each weighs what it does
    for p in kept:
        p.invalidated_by = why[root_ids[p.incident]]
    return priors[:limit]


def timed_similar(
    store: GraphStore, alerts: Sequence[Alert], *, at: datetime, limit: int = 3
) -> tuple[list[Prior], float]:
    """:func:`similar` and how long it took, in milliseconds."""
    started = time.perf_counter()
    found = similar(store, alerts, at=at, limit=limit)
    return found, (time.perf_counter() - started) * 1000
