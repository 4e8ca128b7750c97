from autoheal.analysis.logs import TemplateMiner, log_level, mask, template_surges


def test_masks_ids_and_numbers_into_one_template() -> None:
    miner = TemplateMiner()
    a = miner.add("user 42 logged in from 10.0.0.1 session 5f1e2d3c-aaaa-bbbb-cccc-0123456789ab")
    b = miner.add("user 7 logged in from 10.0.0.2 session 11111111-2222-3333-4444-555555555555")
    assert a == b
    assert miner.template(a) == "user <*> logged in from <*> session <*>"


def test_mask_by_shape() -> None:
    assert mask("ask 10.0.0.1:50010 to delete blk_1 blk_-2 blk_3") == "ask <*> to delete <*>"
    assert mask("proxy.example.com:5070 open") == "<*> open"
    assert mask('lock=233570404, flags=0x1, tag="View Lock"') == 'lock=<*>, flags=<*>, tag="View Lock"'
    assert mask("[instance: 96abccce-8d1f] Claim successful") == "[instance: <*>] Claim successful"
    assert mask("Took 19.05 seconds") == "Took <*> seconds"


def test_one_word_apart_stays_apart_and_lists_merge() -> None:
    miner = TemplateMiner()
    start = miner.add("Starting TrustedInstaller initialization.")
    end = miner.add("Ending TrustedInstaller initialization.")
    assert start != end  # two constants of three differ in the first token: routed apart
    a = miner.add("BLOCK* ask 10.0.0.1:50010 to delete blk_1")
    b = miner.add("BLOCK* ask 10.0.0.2:50010 to delete blk_1 blk_2 blk_3")
    assert a == b


def test_learned_wildcard_is_not_counted_against_a_line() -> None:
    miner = TemplateMiner()
    first = miner.add("Invalid user admin from 10.0.0.1 port 22")
    second = miner.add("Invalid user guest from 10.0.0.2 port 22")
    assert first == second and miner.template(first) == "Invalid user <*> from <*> port <*>"
    assert miner.add("Invalid user oracle from 10.0.0.3 port 22") == first
    # a single-word line never joins an all-wildcard template
    assert miner.add("12345") != miner.add("suspendAutohide")


def test_new_error_template_comes_first() -> None:
    ref = ["INFO order 1 created"] * 20 + ["INFO cache refreshed"] * 5
    inc = (
        ["INFO order 2 created"] * 20
        + ["INFO cache refreshed"] * 30
        + ["ERROR payment 9 failed: java.lang.IllegalStateException"] * 4
    )
    surges = template_surges(ref, inc)
    assert surges[0].level == "error" and surges[0].new
    assert surges[0].incident_count == 4
    surging = [s for s in surges if "cache" in s.template]
    assert surging and not surging[0].new and surging[0].ratio >= 3
    assert not [s for s in surges if "order" in s.template]  # steady template is not a surge


def test_levels() -> None:
    assert log_level("12:00 ERROR x") == "error"
    assert log_level("WARN  y") == "warn"
    assert log_level("java.lang.NullPointerException at z") == "error"
    assert log_level("INFO fine") == "info"


def test_content_of_strips_common_headers() -> None:
    from autoheal.analysis.logs import content_of

    msg = "connection to db-1:5432 refused"
    assert content_of(f"2024-05-01 12:00:01,123 ERROR [main] org.example.Pool: {msg}") == msg
    assert content_of(f"May  1 12:00:01 web-3 postgres[4242]: {msg}") == msg
    assert content_of(f"05-01 12:00:01.123  1702  2395 E PoolManager: {msg}") == msg
    assert content_of(f"[Wed May 01 12:00:01 2024] [error] {msg}") == msg
    assert content_of(f"20240501-12:00:01:606|Pool|4242|{msg}") == msg
    assert content_of(f"[05.01 12:00:01] app.exe - {msg}") == msg
    assert content_of(msg) == msg  # no header: unchanged
    assert content_of("payment 7 failed: timeout") == "payment 7 failed: timeout"


def test_source_location_reads_the_header_only() -> None:
    from autoheal.analysis.logs import source_location

    assert source_location("16:42:22.382 INFO  t.s.TravelServiceImpl#451 TraceID: ab [getTickets]") == (
        "t.s.TravelServiceImpl#451"
    )
    assert (
        source_location("2024-05-01T12:00:01Z\tINFO\torder/handler.go:42\tplaced order 7")
        == "order/handler.go:42"
    )
    assert source_location("2024-05-01 12:00:01,123 WARNING views.py:120 slow request") == "views.py:120"
    assert source_location("2024-05-01 12:00:01,123 INFO (Pool.java:88) opened") == "Pool.java:88"
    # addresses and locations quoted in the message are not the line's location
    assert (
        source_location("2024-05-01 12:00:01,123 ERROR [main] org.example.Pool: to 10.0.0.1:80 failed")
        is None
    )
    assert source_location("2024-05-01 12:00:01,123 ERROR [main] Pool: failed at x.Y.m(Y.java:12)") is None
    assert source_location("GET /x 200 host:8080") is None
