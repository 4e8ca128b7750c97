"""Log cause extraction: failure lines found by severity, shape, novelty and place before the exit."""

from __future__ import annotations

from autoheal.k8s import logcause


def test_severity_reads_the_line_s_own_level_before_its_words() -> None:
    assert logcause.severity("RAS KERNEL INFO instruction cache parity error corrected") == 0
    assert logcause.severity("RAS KERNEL FATAL data TLB error interrupt") == 3
    assert logcause.severity('{"level":"error","msg":"database ping failed"}') == 2
    assert logcause.severity('{"level":30,"msg":"loading configuration failed? no"}') == 0
    assert logcause.severity('{"level":60,"msg":"boom"}') == 3
    assert logcause.severity("E0902 08:27:12.123456       1 main.go:57] cannot sync") == 2
    assert logcause.severity('time="2026-09-02T08:26:40Z" level=warning msg="slow"') == 1
    # no level written: error-shaped text or error words
    assert logcause.severity("psycopg2.errors.UndefinedTable: relation x does not exist") == 2
    assert logcause.severity("Error: unknown flag: --metrics-level") == 2
    assert logcause.severity("listening on :8080") == 0


def test_the_first_novel_failure_of_the_last_burst_is_the_cause_when_no_shape_names_one() -> None:
    lines = [
        '{"level":"info","msg":"connecting to database"}',
        '{"level":"error","msg":"database ping failed","error":"lookup db-rw on 10.96.0.10:53: no such host"}',
        '{"level":"fatal","msg":"cannot start without database"}',
    ]
    cause = logcause.extract(lines)
    assert cause.kind == "error" and cause.line is not None and cause.line.number == 2
    assert [ln.number for ln in cause.error_lines] == [2, 3]
    assert logcause.failure_lines(lines) == [1, 2]


def test_module_qualified_exceptions_and_errno_classes() -> None:
    tb = [
        "Traceback (most recent call last):",
        '  File "/app/run.py", line 88, in main',
        'psycopg2.errors.UndefinedTable: relation "events_v2" does not exist',
        "LINE 1: SELECT count(*) FROM events_v2",
    ]
    cause = logcause.extract(tb)
    assert cause.kind == "exception" and cause.detail == "UndefinedTable"
    full = logcause.extract(['FATAL:  could not write to file "pg_wal/xlogtemp.27": No space left on device'])
    assert full.kind == "disk_full"
    missing = logcause.extract(
        ["FileNotFoundError: [Errno 2] No such file or directory: '/etc/app/feeds.yaml'"]
    )
    assert missing.kind == "missing_config" and missing.detail == "/etc/app/feeds.yaml"


def test_a_healthy_log_has_no_cause() -> None:
    cause = logcause.extract(["INFO starting", "INFO ready on :8080"])
    assert cause.kind == "unknown" and cause.line is None and cause.error_lines == []
