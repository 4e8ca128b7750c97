"""Redaction leaves numbers alone (issue 3): Prometheus sample values, epoch timestamps, digit runs
inside longer numbers are never taken for card numbers; the fast paths give the full scan's answer."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoheal.governance.policy import Redaction
from autoheal.governance.redaction import Redactor, luhn_ok

START = 1767261600  # 2026-01-01T10:00:00Z


def _card_like_fraction(value: str) -> bool:
    """The fraction digits of ``value`` are what the old rule redacted: 13-19 digits, Luhn valid."""
    frac = value.partition(".")[2].partition("e")[0]
    return 13 <= len(frac) <= 19 and frac[0] in "3456" and luhn_ok(frac)


def query_range(seed: int, series: int = 40, samples: int = 240) -> dict[str, Any]:
    """A Prometheus /api/v1/query_range ``data`` object as the HTTP API returns it."""
    rnd = random.Random(seed)
    result = []
    for s in range(series):
        scale = 10.0 ** rnd.randrange(-4, 7)
        values = []
        for j in range(samples):
            v = rnd.random() * scale
            text = repr(v) if j % 17 else rnd.choice(["NaN", "+Inf", "-Inf", "0", "1", repr(-v)])
            values.append([START + 15 * j + 0.001 * (s % 3), text])
        metric = {"__name__": "http_request_duration_seconds_bucket", "service": f"svc-{s % 7}"}
        result.append({"metric": {**metric, "le": repr(rnd.random())}, "values": values})
    return {"resultType": "matrix", "result": result}


@pytest.fixture
def redactor() -> Redactor:
    return Redactor(Redaction())


def test_the_reported_value(redactor: Redactor) -> None:
    assert luhn_ok("4111111111111111")
    for text in [
        "1.4111111111111111",
        "0.4111111111111111",
        "-738.4111111111111111",
        "x 1.4111111111111111 y",
    ]:
        assert redactor.redact_text(text) == text


def test_query_range_matrices_come_back_unchanged(redactor: Redactor) -> None:
    card_like = 0
    for seed in range(3):
        data = query_range(seed)
        card_like += sum(_card_like_fraction(v) for r in data["result"] for _, v in r["values"])
        counter: Counter[str] = Counter()
        assert redactor.redact(data, counter) == data
        assert not counter
    assert card_like > 20  # the matrices do hold values the old rule took for cards


def test_vectors_scalars_and_string_timestamps(redactor: Redactor) -> None:
    rnd = random.Random(11)
    vector = {
        "resultType": "vector",
        "result": [
            {
                "metric": {"service": f"s{i}"},
                "value": [f"{START + i}.{rnd.randrange(1000):03d}", repr(rnd.random())],
            }
            for i in range(500)
        ],
    }
    scalar = {"resultType": "scalar", "result": [START, "0.4111111111111111"]}
    stamps = [str(START * 10**9 + rnd.randrange(10**9)) for _ in range(200)]  # epoch nanoseconds
    stamps += [f"{START}{rnd.randrange(10**6):06d}", "2026-01-01T10:00:00.411111111+01:00"]
    for data in (vector, scalar, stamps):
        assert redactor.redact(data) == data


@pytest.mark.parametrize(
    "text",
    [
        "request took 0.4111111111111111s",
        "ts=1767261600.4111111111111111 level=info",
        "offset 17672616004111111111111111 committed",  # a card inside a longer digit run
        "id=x4111111111111111 and 4111111111111111y",
        "ratio 4111111111111111.25 of quota",
        "value 4.111111111111111e+15",
        "v1.4111111111111111-beta",
        "list 12 34 56 78 90 12 34 56",
    ],
)
def test_numbers_in_log_lines_are_kept(redactor: Redactor, text: str) -> None:
    assert redactor.redact_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "card 4111111111111111.",
        "card 4111111111111111, expires 12/29",
        "cards: 4111 1111 1111 1111; 5555-5555-5555-4444",
        "amex 3782 822463 10005 on file",
        '{"number": "4111111111111111"}',
        "4111111111111111",
        "pan=4111111111111111&cvv=123",
        "1000 4111 1111 1111 1111 100",  # grouped digits running into neighbouring numbers
        "year 2026 5555 5555 5555 4444",
    ],
)
def test_cards_are_still_found(redactor: Redactor, text: str) -> None:
    out = redactor.redact_text(text)
    assert "[REDACTED:credit_card]" in out
    assert "4111 1111" not in out and "4111111111111111" not in out


def test_repeated_strings_are_counted_each_time(redactor: Redactor) -> None:
    line = "login failed password=hunter2hunter2"
    counter: Counter[str] = Counter()
    out = redactor.redact([line, line, {"m": line}], counter)
    assert out == ["login failed password=[REDACTED:secret_value]"] * 2 + [
        {"m": "login failed password=[REDACTED:secret_value]"}
    ]
    assert counter == Counter(secret_value=3)


def test_extra_patterns_still_see_integers_and_hex() -> None:
    r = Redactor(Redaction.model_validate({"extra_patterns": [{"name": "acct", "pattern": r"\b\d{9}\b"}]}))
    assert r.redact_text("123456789") == "[REDACTED:acct]"
    assert r.redact_text("0.123456789") == "0.123456789"  # a sample value stays a number


# -- the fast paths give the full scan's answer ----------------------------------------------
_hex = st.text("0123456789abcdef", min_size=7, max_size=64)
_uuid = st.uuids().map(str)
_iso = st.datetimes().map(lambda d: d.isoformat()) | st.datetimes().map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
)
_numbers = (
    st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.integers(min_value=-(10**20), max_value=10**20).map(str)
    | st.decimals(allow_nan=False, allow_infinity=False, places=16).map(str)
)
_mixed = st.text("0123456789abcdefABCDEF-.:+ ()TZe@/_xyz", min_size=7, max_size=60)
_cards = st.sampled_from(["4111111111111111", "5555 5555 5555 4444", "378282246310005", "+44 20 7946 0958"])


@settings(max_examples=400, deadline=None)
@given(text=_hex | _hex.map(str.upper) | _uuid | _iso | _numbers | _mixed)
def test_fast_paths_agree_with_the_full_scan(text: str) -> None:
    redactor = Redactor(Redaction())
    expected = redactor.scan(text, Counter())
    assert redactor.redact_text(text) == expected
    assert redactor.redact_text(text) == expected  # and from the cache


@settings(max_examples=200, deadline=None)
@given(prefix=_numbers | _hex | _iso, card=_cards, suffix=_numbers | _hex | _iso)
def test_secrets_between_numbers_are_found(prefix: str, card: str, suffix: str) -> None:
    out = Redactor(Redaction()).redact_text(f"{prefix} {card} {suffix}")
    assert "[REDACTED:" in out
