from autoheal.analysis.patterns import END, START, UnitEvent, path_breaks, transitions
from autoheal.analysis.ranking import calibrate, squash


def _units(service: str, prefix: str, n: int, events: list[str]) -> list[UnitEvent]:
    return [UnitEvent(service, f"{prefix}{i}", float(j), e) for i in range(n) for j, e in enumerate(events)]


def test_transitions_bracket_each_unit() -> None:
    sources, pairs = transitions(_units("a", "t", 2, ["x", "y"]))["a"]
    assert pairs[(START, "x")] == 2 and pairs[("x", "y")] == 2 and pairs[("y", END)] == 2
    assert sources["x"] == 2


def test_a_path_that_stopped_is_the_strongest_break() -> None:
    ref = _units("svc", "r", 40, ["begin", "work", "done"]) + _units("caller", "c", 40, ["call", "ok"])
    # half the requests now return early: 'done' no longer follows 'work'
    inc = (
        _units("svc", "i", 20, ["begin", "work", "done"])
        + _units("svc", "j", 20, ["begin", "work"])
        + _units("caller", "d", 60, ["call", "ok"])  # more traffic, same path
    )
    breaks = path_breaks(ref, inc)
    assert breaks[0].service == "svc"
    assert breaks[0].source == "work" and breaks[0].score > 3  # 'done' stopped, or END started
    assert all(b.score < 0.5 for b in breaks if b.service == "caller")


def test_too_little_support_says_nothing() -> None:
    ref = _units("svc", "r", 3, ["a", "b"])
    inc = _units("svc", "i", 3, ["a", "c"])
    assert path_breaks(ref, inc) == []


def test_absolute_calibration_keeps_weak_signals_weak() -> None:
    assert squash(5.0, 5.0) == 0.5
    weak = calibrate({"a": 1.0}, [], half=10.0)
    assert weak["a"] < 0.1  # relative calibration would give 1.0
    penalised = calibrate({"caller": 20.0, "callee": 20.0}, [("caller", "callee")], half=10.0)
    assert penalised["caller"] == penalised["callee"] / 2


def test_an_exception_that_skips_a_call_breaks_the_callers_own_path() -> None:
    from autoheal.analysis.patterns import CallSpan, call_events

    def spans(prefix: str, n: int, calls_db: bool) -> list[CallSpan]:
        out = []
        for i in range(n):
            out.append(CallSpan(f"{prefix}{i}", "s1", None, "svc", "GET /x", 0.0))
            out.append(CallSpan(f"{prefix}{i}", "s2", "s1", "auth", "check", 1.0))
            if calls_db:
                out.append(CallSpan(f"{prefix}{i}", "s3", "s1", "db", "query", 2.0))
        return out

    ref = call_events(spans("r", 30, True))
    assert {e.event for e in ref} == {"call auth check", "call db query"}
    assert all(e.service == "svc" and e.unit.endswith("/s1") for e in ref)
    # nothing is logged, but svc stopped calling db after auth: its own path changed
    breaks = path_breaks(ref, call_events(spans("i", 30, False)))
    assert breaks[0].service == "svc" and breaks[0].score > 5


def test_break_onset_is_the_first_unit_that_took_the_changed_path() -> None:
    from autoheal.analysis.patterns import break_onset

    ref = _units("svc", "r", 40, ["begin", "work", "done"])
    # units 0-9 at t=100.. keep the path; units from t=200 stop after 'work'
    inc = [
        UnitEvent("svc", f"i{i}", 100.0 + i + j * 0.1, e)
        for i in range(10)
        for j, e in enumerate(["begin", "work", "done"])
    ]
    inc += [
        UnitEvent("svc", f"j{i}", 200.0 + i + j * 0.1, e)
        for i in range(10)
        for j, e in enumerate(["begin", "work"])
    ]
    brk = next(b for b in path_breaks(ref, inc) if b.service == "svc")
    assert brk.source == "work"
    assert break_onset(inc, brk) == 200.1  # the first unit where 'work' was not followed by 'done'
    assert break_onset(_units("svc", "k", 5, ["begin", "work", "done"]), brk) is None


def test_a_method_that_stops_logging_breaks_its_span_path() -> None:
    """An exception at a method's first statement writes none of its lines: the span still opens,
    and ``span -> END`` replaces ``span -> <first line>``, even when its first line would have been
    written before the span's recorded start (the opening event comes first whatever the clocks)."""
    from autoheal.analysis.patterns import CallSpan, span_events

    def window(prefix: str, n: int, logs: bool) -> list[UnitEvent]:
        spans = [
            CallSpan(f"{prefix}{i}", "s1", None, "route", "RouteController.query", 10.0) for i in range(n)
        ]
        lines = [UnitEvent("route", f"{prefix}{i}/s1", 9.999, "query route by id") for i in range(n) if logs]
        return span_events(spans) + lines

    ref = window("r", 30, True)
    seq = transitions(ref)["route"][1]
    assert seq[("span RouteController.query", "query route by id")] == 30
    breaks = path_breaks(ref, window("i", 30, False))
    top = breaks[0]
    assert top.service == "route" and top.source == "span RouteController.query"
    assert top.target in ("query route by id", END)  # the line stopped following, END started
    assert abs(top.reference_share - top.incident_share) == 1.0 and top.score == 10.0
