"""Scores used by the RCA literature: AS@k (accuracy at k) and Avg@k (mean of AS@1..AS@k)."""

from __future__ import annotations

from collections.abc import Sequence


def hit_at(ranking: Sequence[str], truth: str, k: int) -> bool:
    return truth in list(ranking)[:k]


def as_at(rankings: Sequence[tuple[Sequence[str], str]], k: int) -> float:
    if not rankings:
        return 0.0
    return sum(hit_at(r, t, k) for r, t in rankings) / len(rankings)


def avg_at(rankings: Sequence[tuple[Sequence[str], str]], k: int = 5) -> float:
    return sum(as_at(rankings, j) for j in range(1, k + 1)) / k


def summary(rankings: Sequence[tuple[Sequence[str], str]]) -> dict[str, float]:
    return {
        "AS@1": round(as_at(rankings, 1), 4),
        "AS@3": round(as_at(rankings, 3), 4),
        "AS@5": round(as_at(rankings, 5), 4),
        "Avg@5": round(avg_at(rankings, 5), 4),
    }
