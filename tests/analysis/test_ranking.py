"""The call-graph rules of analysis/ranking.py: victims explained by a callee, and causes whose
anomaly their callers carried on."""

from __future__ import annotations

import pytest

from autoheal.analysis.ranking import (
    SUPPORT_WEIGHT,
    calibrate,
    call_graph,
    squash,
    supported,
    upstream_support,
)


def test_support_sums_anomalous_callers_through_anomalous_services_only() -> None:
    g = call_graph([("front", "mid"), ("mid", "db"), ("quiet", "db"), ("front", "other")])
    scores = {"front": 60.0, "mid": 80.0, "db": 100.0, "quiet": 1.0, "other": 90.0}
    support = upstream_support(scores, g)
    assert support["db"] == 140.0  # mid and front; quiet is below half of the best
    assert support["mid"] == 60.0
    assert support["front"] == 0.0
    assert support["other"] == 60.0


def test_support_is_safe_with_cycles() -> None:
    g = call_graph([("a", "b"), ("b", "a"), ("b", "c")])
    support = upstream_support({"a": 10.0, "b": 10.0, "c": 10.0}, g)
    assert support == {"a": 10.0, "b": 10.0, "c": 20.0}


def test_a_cause_whose_callers_carried_its_anomaly_outranks_an_equal_isolated_one() -> None:
    # 'cause' and 'noise' saturate at the same robust z; only the cause's callers are anomalous
    edges = [("front", "mid"), ("mid", "cause"), ("front", "noise")]
    scores = {"front": 80.0, "mid": 90.0, "cause": 100.0, "noise": 100.0}
    out = calibrate(scores, edges, half=30.0)
    assert out["cause"] > out["noise"]
    assert out["noise"] == squash(100.0, 30.0)
    raised = supported(scores, call_graph(edges))
    assert raised["cause"] == pytest.approx(100.0 + SUPPORT_WEIGHT * (170.0 - 100.0))


def test_support_below_the_own_score_adds_nothing() -> None:
    raised = supported({"front": 40.0, "svc": 70.0}, call_graph([("front", "svc")]))
    assert raised == {"front": 40.0, "svc": 70.0}


def test_a_quiet_callee_of_anomalous_callers_gets_no_support() -> None:
    # 'quiet' sits below two anomalous callers but is not anomalous itself (< half of the best)
    edges = [("a", "quiet"), ("b", "quiet")]
    raised = supported({"a": 30.0, "b": 25.0, "quiet": 1.0}, call_graph(edges))
    assert raised["quiet"] == 1.0
    out = calibrate({"a": 30.0, "b": 25.0, "quiet": 1.0}, edges, half=5.0)
    assert out["quiet"] < out["b"]


def test_a_significance_floor_lets_a_shifted_callee_below_half_of_the_best_be_supported() -> None:
    # the alerted front page shifted most (z 15), the search service behind it less (z 7): half
    # of the best denies the search service its caller's support, the floor of 3 does not
    edges = [("front", "search")]
    scores = {"front": 15.0, "search": 7.0}
    assert supported(scores, call_graph(edges)) == scores
    raised = supported(scores, call_graph(edges), floor=3.0)
    assert raised["search"] == pytest.approx(7.0 + SUPPORT_WEIGHT * (15.0 - 7.0))
    assert raised["front"] == 15.0
    # below the floor nothing is raised
    assert supported({"front": 15.0, "search": 2.0}, call_graph(edges), floor=3.0)["search"] == 2.0
    out = calibrate(scores, edges, half=100.0, floor=3.0)
    assert out["search"] > calibrate(scores, edges, half=100.0)["search"]


def test_caller_explained_by_its_callee_is_still_halved() -> None:
    out = calibrate({"caller": 20.0, "callee": 20.0}, [("caller", "callee")], half=10.0)
    assert out["caller"] == out["callee"] / 2


def test_without_a_graph_calibration_is_the_plain_squash() -> None:
    out = calibrate({"a": 30.0, "b": 3.0}, [], half=30.0)
    assert out == {"a": 0.5, "b": squash(3.0, 30.0)}
