"""The webhook edge: credentials, bad input answered with a clear 4xx, nothing half-written."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from autoheal.store.models import AlertRow, Payload
from tests.api.conftest import HMAC_SECRET, SOURCE_TOKEN
from tests.pipeline.conftest import am_payload

AUTH = {"Authorization": f"Bearer {SOURCE_TOKEN}", "Content-Type": "application/json"}
URL = "/api/v1/alerts/alertmanager"


def stored(autoheal) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with autoheal.sessions() as s:
        return (
            int(s.scalar(select(func.count()).select_from(AlertRow))),
            int(s.scalar(select(func.count()).select_from(Payload))),
        )


def test_real_alertmanager_payload_is_committed(client, autoheal):
    fixture = Path(__file__).parents[2] / "src/autoheal/sources/samples/alertmanager"
    body = next(fixture.glob("*firing*")).read_bytes() if fixture.exists() else am_payload({"fp": "x1"})
    r = client.post(URL, content=body, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "committed" and r.json()["alerts"] >= 1
    assert stored(autoheal)[0] >= 1


@pytest.mark.parametrize(
    ("headers", "body", "status", "message"),
    [
        ({"Content-Type": "application/json"}, am_payload({"fp": "a"}), 401, "missing webhook credentials"),
        (
            {**AUTH, "Authorization": "Bearer wrong"},
            am_payload({"fp": "a"}),
            401,
            "wrong webhook credentials",
        ),
        ({**AUTH, "Content-Type": "text/plain"}, am_payload({"fp": "a"}), 415, "content type"),
        (AUTH, b'{"alerts": [', 400, "malformed JSON"),
        (AUTH, b"", 400, "empty body"),
        (AUTH, b"\xff\xfe\x00garbage", 400, ""),
        (AUTH, b'{"version": "4", "alerts": [{"labels": {}}]}', 422, "alerts[0]"),
        (AUTH, b"[1, 2, 3]", 422, ""),
        (
            AUTH,
            json.dumps(
                {"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "x" * 70_000}}]}
            ).encode(),
            413,
            "exceeds",
        ),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_writes_nothing(client, autoheal, headers, body, status, message):
    r = client.post(URL, content=body, headers=headers)
    assert r.status_code == status, r.text
    assert message in r.json()["detail"]
    assert stored(autoheal) == (0, 0)
    # and the server keeps serving
    ok = client.post(URL, content=am_payload({"fp": "after"}), headers=AUTH)
    assert ok.status_code == 200


def test_absurd_values_are_rejected(client, autoheal):
    body = am_payload({"fp": "t", "startsAt": "not-a-time"})
    r = client.post(URL, content=body, headers=AUTH)
    assert r.status_code == 422 and "startsAt" in r.json()["detail"]
    assert stored(autoheal) == (0, 0)


def test_unknown_source_is_404(client):
    r = client.post("/api/v1/alerts/nagios", content=b"{}", headers=AUTH)
    assert r.status_code == 404 and "known sources" in r.json()["detail"]


def test_source_without_credentials_is_closed(client):
    r = client.post("/api/v1/alerts/datadog", content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 401 and "closed by default" in r.json()["detail"]


def test_hmac_signed_source(client, autoheal):
    body = json.dumps(
        {
            "receiver": "autoheal",
            "status": "firing",
            "orgId": 1,
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "CPU", "service": "cart"},
                    "annotations": {},
                    "startsAt": "2026-11-25T11:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": "f00d",
                }
            ],
            "version": "1",
        }
    ).encode()
    sig = hmac.new(HMAC_SECRET.encode(), body, hashlib.sha256).hexdigest()
    bad = client.post("/api/v1/alerts/grafana", content=body, headers={"X-Autoheal-Signature": "sha256=00"})
    assert bad.status_code == 401
    good = client.post(
        "/api/v1/alerts/grafana",
        content=body,
        headers={"X-Autoheal-Signature": f"sha256={sig}", "Content-Type": "application/json"},
    )
    assert good.status_code == 200, good.text


def test_pagerduty_style_signatures_during_key_rotation(autoheal):
    from autoheal.api.auth import verify_sender
    from autoheal.config import SourceConfig
    from autoheal.errors import AuthError

    cfg = SourceConfig.model_validate(
        {"auth": {"type": "hmac", "secret": "pd", "header": "X-PagerDuty-Signature"}}
    )
    body = b'{"event": {}}'
    good = hmac.new(b"pd", body, hashlib.sha256).hexdigest()
    verify_sender(cfg, {"x-pagerduty-signature": f"v1=deadbeef,v1={good}"}, body)
    verify_sender(cfg, {"x-pagerduty-signature": good}, body)
    with pytest.raises(AuthError):
        verify_sender(cfg, {"x-pagerduty-signature": "v1=deadbeef,v1="}, body)
