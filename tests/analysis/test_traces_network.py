"""Network delay attribution: an exit span's call time is the callee's network time only."""

from autoheal.analysis.signals import trace_signal
from autoheal.analysis.traces import (
    Onsets,
    SpanWindow,
    exit_spans,
    service_times,
    shift_onset,
    trace_shifts,
    unique_spans,
)
from autoheal.analysis.traces import SpanRecord as S


def _call(i: int, wire_ms: float, callee: str = "route", caller_ms: float = 5.0) -> list[S]:
    """basic's server span, its handler, its client span (``HTTP GET``) and the callee's server
    span: the OpenTelemetry shape of one call, as Nezha records it."""
    t = f"t{i}"
    callee_ms = 10.0
    client = callee_ms + wire_ms
    return [
        S(t, "srv", None, "basic", "/api/basic", caller_ms + client + 1.0),
        S(t, "ctl", "srv", "basic", "BasicController.query", caller_ms + client),
        S(t, "cli", "ctl", "basic", "HTTP GET", client),
        S(t, "in", "cli", callee, "/api/route", callee_ms),
    ]


def test_exit_span_is_a_same_service_child_with_one_remote_child() -> None:
    spans = _call(0, wire_ms=3.0)
    assert exit_spans(spans) == {("t0", "cli")}
    # an entry span with one remote child (no client span, as the simulator records calls) is not
    entry = [S("t1", "a", None, "api", "GET /", 20.0), S("t1", "b", "a", "db", "query", 5.0)]
    assert exit_spans(entry) == set()


def test_call_time_counts_once_as_the_callee_network_time() -> None:
    times = service_times(_call(0, wire_ms=3.0))
    assert times["route"].network_ms == [3.0]
    assert sorted(times["basic"].self_ms) == [1.0, 5.0]  # server and handler; not the 3 ms call
    assert times["basic"].spans == 3  # the exit span still counts as one of basic's spans


def test_delay_into_the_callee_does_not_make_its_caller_slow() -> None:
    ref = [s for i in range(20) for s in _call(i, wire_ms=2.0 + i % 3)]
    inc = [s for i in range(100, 120) for s in _call(i, wire_ms=2000.0)]
    shifts = {s.service: s for s in trace_shifts(ref, inc)}
    assert shifts["route"].network_score > 8
    assert shifts["basic"].latency_score == 0.0
    assert next(iter(trace_shifts(ref, inc))).service == "route"


def test_a_few_slow_calls_are_not_a_network_delay() -> None:
    """The mean of the calls into route grows tenfold, but the typical call does not: a delay on
    route's network would slow every call into it."""
    ref = [s for i in range(20) for s in _call(i, wire_ms=2.0 + i % 3)]
    inc = [s for i in range(100, 120) for s in _call(i, wire_ms=600.0 if i % 5 == 0 else 3.0)]
    route = next(s for s in trace_shifts(ref, inc) if s.service == "route")
    assert route.network_score == 0.0
    every = [s for i in range(100, 120) for s in _call(i, wire_ms=600.0)]
    assert next(s for s in trace_shifts(ref, every) if s.service == "route").network_score > 5


def test_rarely_called_service_is_judged_against_every_call() -> None:
    ref = [s for i in range(20) for s in _call(i, wire_ms=2.0 + i % 3)]
    ref += [s for i in range(50, 52) for s in _call(i, wire_ms=3.0, callee="preserve")]  # 2 calls
    inc = [s for i in range(100, 110) for s in _call(i, wire_ms=2.0 + i % 3)]
    inc += [s for i in range(110, 120) for s in _call(i, wire_ms=1500.0, callee="preserve")]
    preserve = next(s for s in trace_shifts(ref, inc) if s.service == "preserve")
    assert preserve.network_score > 8
    started = {(s.trace_id, s.span_id): float(s.trace_id[1:]) for s in inc}
    assert shift_onset(ref, inc, "preserve", started, network=True) == 110.0
    assert shift_onset(ref, inc, "route", started, network=True) is None  # its calls did not slow


def test_a_repeated_span_is_counted_once() -> None:
    spans = _call(0, wire_ms=3.0)
    doubled = [*spans, spans[-1]]  # the callee's span exported twice
    assert unique_spans(doubled) == spans
    assert service_times(doubled)["route"].network_ms == [3.0]
    assert exit_spans(doubled) == {("t0", "cli")}


def test_a_window_measures_every_service_as_a_scan_per_service_would() -> None:
    spans = [s for i in range(10) for s in _call(i, wire_ms=2.0 + i)]
    spans += [s for i in range(10, 14) for s in _call(i, wire_ms=7.0, callee="price")]
    window = SpanWindow.of(spans)
    for service in ("basic", "route", "price", "nowhere"):
        for network in (False, True):
            expected = [
                (max(s.duration_ms - sum(k.duration_ms for k in kids), 0.0), s)
                for s in window.spans
                if not network and s.service == service and (s.trace_id, s.span_id) not in window.exits
                for kids in [window.children.get((s.trace_id, s.span_id), [])]
            ] + [
                (max(s.duration_ms - kids[0].duration_ms, 0.0), kids[0])
                for s in window.spans
                if network
                for kids in [window.children.get((s.trace_id, s.span_id), [])]
                if len(kids) == 1 and kids[0].service == service and s.service != service
            ]
            assert window.measures(service, network) == expected
    assert [v for v, _ in window.measures("price", True)] == [7.0] * 4


def test_shifts_and_onsets_read_a_window_as_its_spans() -> None:
    ref = [s for i in range(20) for s in _call(i, wire_ms=2.0 + i % 3)]
    inc = [s for i in range(100, 120) for s in _call(i, wire_ms=2000.0)]
    started = {(s.trace_id, s.span_id): float(s.trace_id[1:]) for s in inc}
    ref_w, inc_w = SpanWindow.of(ref), SpanWindow.of(inc)
    assert trace_shifts(ref_w, inc_w) == trace_shifts(ref, inc)
    assert trace_signal(ref_w, inc_w, reference_seconds=60, incident_seconds=60) == trace_signal(
        ref, inc, reference_seconds=60, incident_seconds=60
    )
    assert (
        Onsets(ref_w, inc_w, started).of("route", network=True)
        == 100.0
        == shift_onset(ref, inc, "route", started, network=True)
    )
