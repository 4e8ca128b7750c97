"""The memory benchmark's bookkeeping (the pairs themselves run in `autoheal bench memory`)."""

from __future__ import annotations

import pytest

from autoheal.graph.bench import PairResult, pair_class, pair_files, summarise
from autoheal.sim import load_scenario


def result(cls: str, on: int, off: int, rank_on: int, rank_off: int, anchored: bool = False) -> PairResult:
    return PairResult(f"p-{cls}-{on}", cls, on, off, rank_on, rank_off, anchored, "", 5.0)


def test_summary_counts_misled_pairs_and_ratios() -> None:
    figures = summarise(
        [
            result("recurrence", 8, 17, 1, 1, anchored=True),
            result("recurrence", 17, 17, 2, 1),  # memory made it worse: misled
            result("changed", 17, 17, 1, 1),
        ]
    )
    assert figures["pairs"] == 3 and figures["misled"] == 1
    assert figures["calls_ratio"] == round(42 / 51, 4)
    assert figures["rank1_on"] == round(2 / 3, 4) and figures["rank1_off"] == 1.0
    assert figures["by_class"]["recurrence"]["anchored"] == 1
    assert figures["by_class"]["different"]["pairs"] == 0


def test_the_shipped_pairs_cover_every_class() -> None:
    files = pair_files()
    classes = [pair_class(load_scenario(p).tags) for p in files]
    assert classes.count("recurrence") >= 12
    assert classes.count("changed") >= 4 and classes.count("different") >= 4
    assert all(len(load_scenario(p).faults) == 2 for p in files)


def test_a_pair_without_a_class_tag_is_refused() -> None:
    with pytest.raises(ValueError, match="needs one tag of memory-recurrence"):
        pair_class(["memory"])


def test_the_floor_is_the_ratio_with_free_recurrences_and_calls_are_summed_per_phase() -> None:
    anchored = result("recurrence", 8, 17, 1, 1, anchored=True)
    anchored.phases_on = {"memory changes.list": 1, "setup topology.graph": 1}
    anchored.phases_off = {"changes changes.list": 1, "setup topology.graph": 1, "logs logs.query": 2}
    other = result("recurrence", 9, 17, 1, 1, anchored=True)
    other.phases_on = {"setup topology.graph": 1}
    figures = summarise(
        [anchored, other, result("different", 20, 20, 1, 1), result("recurrence", 17, 17, 1, 1)]
    )
    assert figures["floor_ratio"] == round(20 / 71, 4)
    where = figures["anchored_calls"]
    assert where["setup topology.graph"] == {"on": 2, "off": 1}
    assert where["logs logs.query"] == {"on": 0, "off": 2}
    assert "memory changes.list" in where and where["memory changes.list"]["off"] == 0
