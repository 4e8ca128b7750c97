from autoheal.analysis.logs import TemplateMiner, log_level, template_surges


def test_masks_ids_and_numbers_into_one_template() -> None:
    miner = TemplateMiner()
    a = miner.add("user 42 logged in from 10.0.0.1 session 5f1e2d3c-aaaa-bbbb-cccc-0123456789ab")
    b = miner.add("user 7 logged in from 10.0.0.2 session 11111111-2222-3333-4444-555555555555")
    assert a == b
    assert "<NUM>" in miner.template(a) and "<IP>" in miner.template(a)


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
