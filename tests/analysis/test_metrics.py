import numpy as np

from autoheal.analysis.metrics import ONSET_Z, onset, robust_scale, robust_scores, service_scores


def test_spike_in_one_service_ranks_it_first() -> None:
    rng = np.random.default_rng(0)
    ref = rng.normal(10, 1, 60)
    quiet = rng.normal(10, 1, 10)
    spike = np.concatenate([rng.normal(10, 1, 3), [40, 45, 50], rng.normal(10, 1, 4)])
    scores = robust_scores([("api", "cpu", ref, quiet), ("db", "cpu", ref, spike), ("db", "mem", ref, quiet)])
    assert scores[0].service == "db" and scores[0].metric == "cpu"
    assert scores[0].onset_index == 3
    by_service = service_scores(scores)
    assert by_service["db"] > by_service["api"]


def test_flat_reference_uses_relative_floor() -> None:
    median, scale = robust_scale(np.full(30, 1_000_000.0))
    assert median == 1_000_000.0
    assert scale == 10_000.0  # 1 % of the median, not zero


def test_drops_do_not_score_and_short_reference_gives_nothing() -> None:
    assert onset([1.0, 1.0, -50.0], [1.0, 1.1, 0.9, 1.0]) is None
    assert robust_scores([("a", "m", [1.0, 2.0], [100.0])]) == []
    assert onset([0.0, 0.0, 9.0], [0.0, 1.0, 0.0, 1.0]) == 2
    assert ONSET_Z == 3.0
