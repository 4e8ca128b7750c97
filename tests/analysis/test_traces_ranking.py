from autoheal.analysis.ranking import call_graph, combine, rank, upstream_adjust
from autoheal.analysis.signals import trace_edges
from autoheal.analysis.traces import SpanRecord as S
from autoheal.analysis.traces import service_times, trace_shifts


def _trace(i: int, db_ms: float, wire_ms: float = 1.0) -> list[S]:
    t = f"t{i}"
    return [
        S(t, "a", None, "api", "GET /", 10 + wire_ms + db_ms),
        S(t, "b", "a", "db", "query", db_ms),
    ]


def test_self_time_excludes_callee_and_wire_time_goes_to_callee() -> None:
    times = service_times(_trace(0, db_ms=50, wire_ms=5))
    assert times["api"].self_ms == [15.0]
    assert times["db"].self_ms == [50.0]
    assert times["db"].network_ms == [15.0]


def test_slow_dependency_is_blamed_not_its_caller() -> None:
    ref = [s for i in range(20) for s in _trace(i, db_ms=5)]
    inc = [s for i in range(20) for s in _trace(100 + i, db_ms=80)]
    shifts = trace_shifts(ref, inc)
    assert shifts[0].service == "db" and shifts[0].latency_score > 3
    api = next(s for s in shifts if s.service == "api")
    assert api.latency_score == 0.0
    assert trace_edges(inc) == {("api", "db")}


def test_upstream_adjust_prefers_the_anomalous_dependency() -> None:
    g = call_graph([("front", "api"), ("api", "db"), ("api", "cache")])
    scores = combine({"m": {"front": 10.0, "api": 9.0, "db": 8.0, "cache": 1.0}})
    assert rank(upstream_adjust(scores, g))[0] == "db"


def test_shift_onset_is_the_first_span_beyond_the_reference_p90() -> None:
    from autoheal.analysis.traces import shift_onset

    ref = [s for i in range(20) for s in _trace(i, db_ms=10 + i % 3)]
    inc = [s for i in range(100, 110) for s in _trace(i, db_ms=10)]
    inc += [s for i in range(110, 120) for s in _trace(i, db_ms=80)]
    started = {(s.trace_id, s.span_id): float(s.trace_id[1:]) for s in inc}
    assert shift_onset(ref, inc, "db", started) == 110.0
    assert shift_onset(ref, inc, "api", started) is None  # its self time did not grow
    slow_wire = [s for i in range(130, 140) for s in _trace(i, db_ms=10, wire_ms=50)]
    wire_started = {(s.trace_id, s.span_id): float(s.trace_id[1:]) for s in slow_wire}
    assert shift_onset(ref, slow_wire, "db", wire_started, network=True) == 130.0
    assert shift_onset(ref[:8], inc, "db", started) is None  # fewer than MIN_SPANS reference spans
