"""No input makes a 500: each case here once did (issue 20, found by hand and by schemathesis)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from autoheal.api.app import create_app
from autoheal.app import Autoheal
from autoheal.config import Settings
from autoheal.jobs import InlineQueue
from autoheal.pipeline.ingest import MAX_JSON_DEPTH
from autoheal.sources._fields import MAX_LABELS
from autoheal.store.tokens import Role
from tests.api.test_webhooks import AUTH, URL, stored
from tests.pipeline.conftest import am_payload

HUGE = str(2**64 + 1)
JSON = {"Content-Type": "application/json"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def generic(**fields: object) -> bytes:
    return json.dumps({"name": "DiskFull", "starts_at": "2026-12-01T10:00:00Z", **fields}).encode()


def assert_problem(response, status: int, says: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["type"].startswith("urn:autoheal:problem:")
    assert says in body["detail"], body["detail"]


def test_deeply_nested_json_is_a_400_not_a_recursion_error(client, autoheal, tokens):
    deep = b"[" * 10_000 + b"]" * 10_000  # 20 KB
    assert_problem(client.post(URL, content=deep, headers=AUTH), 400, "nested deeper")
    just_over = ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)).encode()
    assert_problem(client.post(URL, content=just_over, headers=AUTH), 400, f"limit of {MAX_JSON_DEPTH}")
    h = {**bearer(tokens[Role.ADMIN]), **JSON}
    for path in ("/api/v1/investigations", "/api/v1/triage/1/outcome", "/api/v1/silences", "/api/v1/tokens"):
        assert_problem(client.post(path, content=deep, headers=h), 400, "could not be parsed")
    assert stored(autoheal) == (0, 0)


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "2999-01-01T00:00:00Z", "1990-01-01T00:00:00Z"])
def test_alert_times_outside_the_window_are_refused(client, autoheal, when):
    r = client.post(URL, content=am_payload({"fp": "t", "startsAt": when}), headers=AUTH)
    assert_problem(r, 422, "startsAt")
    assert "time of receipt" in r.json()["detail"]
    r = client.post("/api/v1/alerts/generic", content=generic(starts_at=when), headers=JSON)
    assert_problem(r, 422, "time of receipt")
    assert stored(autoheal) == (0, 0)


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(client, constant):
    body = b'{"name": "x", "starts_at": "2026-12-01T10:00:00Z", "labels": {"a": ' + constant + b"}}"
    assert_problem(client.post("/api/v1/alerts/generic", content=body, headers=JSON), 400, "not valid JSON")


def test_nul_in_a_label_or_the_url_is_refused(client, autoheal, tokens):
    r = client.post("/api/v1/alerts/generic", content=generic(labels={"team": "a\u0000b"}), headers=JSON)
    assert_problem(r, 422, "NUL")
    r = client.post(URL, content=am_payload({"fp": "n\u0000ul"}), headers=AUTH)
    assert_problem(r, 422, "NUL")
    assert_problem(
        client.get("/api/v1/alerts?service=a%00b", headers=bearer(tokens[Role.VIEWER])), 400, "NUL"
    )
    r = client.post(
        "/api/v1/investigations", json={"target": "a\u0000"}, headers=bearer(tokens[Role.RESPONDER])
    )
    assert_problem(r, 422, "target")
    assert stored(autoheal) == (0, 0)


def test_label_and_annotation_counts_are_limited(client, autoheal):
    many = {f"l{i}": "v" for i in range(MAX_LABELS + 1)}
    r = client.post("/api/v1/alerts/generic", content=generic(labels=many), headers=JSON)
    assert_problem(r, 422, f"limit of {MAX_LABELS}")
    r = client.post("/api/v1/alerts/generic", content=generic(annotations=many), headers=JSON)
    assert_problem(r, 422, f"limit of {MAX_LABELS}")
    r = client.post(URL, content=am_payload({"fp": "many", "labels": many}), headers=AUTH)
    assert_problem(r, 422, "labels")
    assert stored(autoheal) == (0, 0)
    ok = {f"l{i}": "v" for i in range(MAX_LABELS - 1)}
    assert client.post("/api/v1/alerts/generic", content=generic(labels=ok), headers=JSON).status_code == 200


def test_missing_content_type_is_415(client, autoheal):
    r = client.post(URL, content=am_payload({"fp": "c"}), headers={"Authorization": AUTH["Authorization"]})
    assert_problem(r, 415, "no Content-Type")
    assert stored(autoheal) == (0, 0)


def test_get_on_a_webhook_url_says_use_post(client):
    for source in ("alertmanager", "grafana", "generic"):
        r = client.get(f"/api/v1/alerts/{source}")
        assert_problem(r, 405, "use POST")
        assert r.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/v1/alerts/{HUGE}"),
        ("GET", f"/api/v1/groups/{HUGE}"),
        ("GET", f"/api/v1/triage/{HUGE}"),
        ("GET", f"/api/v1/approvals/{HUGE}"),
        ("POST", f"/api/v1/approvals/{HUGE}/grant"),
        ("POST", f"/api/v1/approvals/{HUGE}/deny"),
        ("POST", f"/api/v1/triage/{HUGE}/outcome"),
        ("GET", f"/api/v1/silences/{HUGE}"),
        ("DELETE", f"/api/v1/tokens/{HUGE}"),
        ("GET", f"/api/v1/alerts?offset={HUGE}"),
        ("GET", f"/api/v1/groups?offset={HUGE}"),
        ("GET", f"/api/v1/triage?offset={HUGE}"),
        ("GET", f"/api/v1/alerts?group_id={HUGE}"),
    ],
)
def test_ids_and_offsets_beyond_64_bits_are_422(client, tokens, method, path):
    body = {"outcome": "actionable"} if path.endswith("outcome") else None
    r = client.request(method, path, headers=bearer(tokens[Role.ADMIN]), json=body)
    assert_problem(r, 422, "less than or equal to 9223372036854775807")


def test_a_group_target_beyond_64_bits_is_404(client, tokens):
    for target in (f"group:{HUGE}", f"alert:{HUGE}", HUGE, "²"):
        r = client.post(
            "/api/v1/investigations", json={"target": target}, headers=bearer(tokens[Role.RESPONDER])
        )
        assert_problem(r, 404, "no alert or alert group")


@pytest.fixture
def pg_client(postgres_url: str, tmp_path) -> Iterator[tuple[TestClient, Autoheal]]:
    settings = Settings.model_validate(
        {"database": {"url": postgres_url}, "sources": {"generic": {"auth": {"type": "none"}}}}
    )
    app = Autoheal.create(settings, jobs=InlineQueue())
    try:
        with TestClient(create_app(app)) as c:
            yield c, app
    finally:
        app.close()


def test_nul_is_refused_before_postgresql_sees_it(pg_client):
    client, app = pg_client
    r = client.post("/api/v1/alerts/generic", content=generic(labels={"team": "a\u0000"}), headers=JSON)
    assert_problem(r, 422, "NUL")
    r = client.post("/api/v1/alerts/generic", content=generic(name="Disk\u0000Full"), headers=JSON)
    assert_problem(r, 422, "NUL")
    assert stored(app) == (0, 0)
    ok = client.post("/api/v1/alerts/generic", content=generic(labels={"team": "a"}), headers=JSON)
    assert ok.status_code == 200, ok.text  # PostgreSQL works, and stored the clean one
    assert stored(app) == (1, 1)
    from autoheal.store.tokens import create_token

    with app.sessions() as s:
        token = create_token(s, Role.RESPONDER, "pg", app.clock.now())
    r = client.get("/api/v1/alerts?service=%00", headers=bearer(token))
    assert_problem(r, 400, "NUL")
    r = client.post("/api/v1/approvals/1/deny", json={"note": "x\u0000"}, headers=bearer(token))
    assert_problem(r, 422, "note")
