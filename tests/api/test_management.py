"""Token management, the triage verdict list, and silences / maintenance windows over the API
(stored in the database and read by triage)."""

from __future__ import annotations

from datetime import timedelta

from autoheal.reasoning import store
from autoheal.store.tokens import Role
from tests.api.test_webhooks import AUTH, URL
from tests.pipeline.conftest import am_payload


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_admins_create_list_and_revoke_tokens(client, tokens):
    admin = bearer(tokens[Role.ADMIN])
    created = client.post("/api/v1/tokens", json={"name": "grafana", "role": "viewer"}, headers=admin)
    assert created.status_code == 201
    secret, token_id = created.json()["token"], created.json()["id"]
    assert secret.startswith("ah_")
    listed = client.get("/api/v1/tokens", headers=admin).json()["tokens"]
    assert secret not in str(listed) and any(t["id"] == token_id for t in listed)
    assert all(t["created_at"].endswith("+00:00") for t in listed)
    assert client.get("/api/v1/alerts", headers=bearer(secret)).status_code == 200
    for role in (Role.VIEWER, Role.RESPONDER):
        assert client.get("/api/v1/tokens", headers=bearer(tokens[role])).status_code == 403
        assert (
            client.post(
                "/api/v1/tokens", json={"name": "x", "role": "admin"}, headers=bearer(tokens[role])
            ).status_code
            == 403
        )
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=admin).json()["revoked"] is True
    assert client.get("/api/v1/alerts", headers=bearer(secret)).status_code == 401
    assert all(t["id"] != token_id for t in client.get("/api/v1/tokens", headers=admin).json()["tokens"])
    assert client.delete("/api/v1/tokens/4242", headers=admin).status_code == 404
    bad = client.post("/api/v1/tokens", json={"name": "x", "role": "god"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "role"]


def test_triage_verdicts_are_listed_with_filters_and_paging(client, autoheal, tokens):
    for i in range(3):
        labels = {"service": f"svc{i}", "severity": "warning"}
        assert (
            client.post(URL, content=am_payload({"fp": f"v{i}", "labels": labels}), headers=AUTH).status_code
            == 200
        )
    h = bearer(tokens[Role.VIEWER])
    everything = client.get("/api/v1/triage", headers=h).json()["verdicts"]
    assert len(everything) >= 3
    assert [v["id"] for v in everything] == sorted((v["id"] for v in everything), reverse=True)
    page = client.get("/api/v1/triage?limit=1&offset=1", headers=h).json()
    assert [v["id"] for v in page["verdicts"]] == [everything[1]["id"]] and page["offset"] == 1
    only = client.get("/api/v1/triage?service=svc1", headers=h).json()["verdicts"]
    assert {v["service"] for v in only} == {"svc1"}
    assert all(v["assessed_at"].endswith("+00:00") for v in everything)
    assert client.get("/api/v1/triage?kind=bogus", headers=h).status_code == 422


def test_a_stored_silence_makes_matching_alerts_noise(client, autoheal, tokens):
    responder = bearer(tokens[Role.RESPONDER])
    until = (autoheal.clock.now() + timedelta(hours=2)).isoformat()
    created = client.post(
        "/api/v1/silences",
        json={
            "name": "cart db upgrade",
            "comment": "CHG-7",
            "ends_at": until,
            "matchers": {"service": "cart"},
        },
        headers=responder,
    )
    assert created.status_code == 201, created.text
    silence = created.json()
    assert silence["state"] == "active" and silence["created_by"].startswith("api-token:")
    for fp, service in (("s1", "cart"), ("s2", "payment")):
        labels = {"service": service, "severity": "critical"}
        client.post(URL, content=am_payload({"fp": fp, "labels": labels}), headers=AUTH)
    with autoheal.sessions() as session:
        verdicts = {v.service: v for v in store.recent_verdicts(session, limit=10)}
    assert verdicts["cart"].kind == "noise"
    assert f"silenced by Autoheal silence {silence['id']}: cart db upgrade" in verdicts["cart"].explanation
    assert verdicts["payment"].kind != "noise"
    # expired: the next alert on cart is judged on its own again
    assert client.delete(f"/api/v1/silences/{silence['id']}", headers=responder).json()["state"] == "expired"
    assert client.get("/api/v1/silences", headers=responder).json()["silences"] == []
    client.post(
        URL,
        content=am_payload({"fp": "s3", "labels": {"service": "cart", "severity": "critical"}}),
        headers=AUTH,
    )
    with autoheal.sessions() as session:
        latest = store.recent_verdicts(session, service="cart", limit=1)[0]
    assert "silenced by" not in latest.explanation


def test_a_stored_maintenance_window_is_read_by_triage(client, autoheal, tokens):
    now = autoheal.clock.now()
    window = client.post(
        "/api/v1/maintenance",
        json={
            "name": "kernel patch",
            "starts_at": (now - timedelta(minutes=5)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
            "services": ["orders"],
        },
        headers=bearer(tokens[Role.RESPONDER]),
    )
    assert window.status_code == 201 and window.json()["kind"] == "maintenance"
    client.post(
        URL,
        content=am_payload({"fp": "m1", "labels": {"service": "orders", "severity": "critical"}}),
        headers=AUTH,
    )
    with autoheal.sessions() as session:
        verdict = store.recent_verdicts(session, service="orders", limit=1)[0]
    assert verdict.kind == "noise" and "maintenance window 'kernel patch'" in verdict.explanation
    listed = client.get("/api/v1/maintenance", headers=bearer(tokens[Role.VIEWER])).json()["windows"]
    assert [w["name"] for w in listed] == ["kernel patch"]
    assert (
        client.get(
            "/api/v1/silences/" + str(listed[0]["id"]), headers=bearer(tokens[Role.VIEWER])
        ).status_code
        == 404
    )


def test_bad_silences_are_clear_422s_or_400s(client, autoheal, tokens):
    h = bearer(tokens[Role.RESPONDER])
    now = autoheal.clock.now()
    cases = [
        ({"name": "x", "ends_at": "2026-12-01T00:00:00"}, 422, "timezone"),
        ({"name": "x", "ends_at": (now + timedelta(hours=1)).isoformat()}, 400, "must not match every alert"),
        (
            {"name": "x", "ends_at": (now - timedelta(hours=1)).isoformat(), "services": ["a"]},
            400,
            "not in the future",
        ),
        ({"name": "x", "ends_at": "9999-12-31T23:59:59Z", "services": ["a"]}, 400, "366 days"),
        (
            {"name": "x", "ends_at": (now + timedelta(hours=1)).isoformat(), "matchers": {"a": "("}},
            422,
            "regular expression",
        ),
    ]
    for body, status, says in cases:
        r = client.post("/api/v1/silences", json=body, headers=h)
        assert r.status_code == status, (body, r.text)
        assert says in r.json()["detail"], r.json()["detail"]
    assert (
        client.post("/api/v1/silences", json={"name": "x"}, headers=bearer(tokens[Role.VIEWER])).status_code
        == 403
    )
