"""One error body format (RFC 9457) everywhere, declared in the OpenAPI document; the Swagger UI
page is served from packaged files and the document it renders stays behind a token."""

from __future__ import annotations

from autoheal.api.problems import DECLARED, MEDIA_TYPE
from autoheal.store.tokens import Role
from tests.api.test_webhooks import AUTH, URL

FIELDS = {"type", "title", "status", "detail", "instance"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_kind_of_error_is_a_problem_document(client, tokens):
    answers = [
        client.get("/api/v1/alerts"),  # 401 from our auth
        client.get("/api/v1/tokens", headers=bearer(tokens[Role.VIEWER])),  # 403
        client.get("/api/v1/alerts/999", headers=bearer(tokens[Role.VIEWER])),  # 404 from the store
        client.get("/no/such/path"),  # 404 from routing
        client.delete("/api/v1/alerts", headers=bearer(tokens[Role.VIEWER])),  # 405 from routing
        client.post(URL, content=b"{", headers=AUTH),  # 400 from the webhook
        client.post("/api/v1/alerts/nagios", content=b"{}", headers=AUTH),  # 404 unknown source
        client.post("/api/v1/changes", content=b"{}", headers={"Content-Type": "application/json"}),  # 401
        client.get("/api/v1/alerts?limit=0", headers=bearer(tokens[Role.VIEWER])),  # 422 validation
    ]
    for r in answers:
        assert r.headers["content-type"] == MEDIA_TYPE, (r.request.url, r.text)
        body = r.json()
        assert set(body) >= FIELDS and body["status"] == r.status_code and body["detail"]
        assert body["instance"] == r.request.url.path
    validation = answers[-1].json()
    assert validation["errors"][0]["loc"] == ["query", "limit"]
    assert "query.limit" in validation["detail"]
    assert answers[0].headers["www-authenticate"] == "Bearer"


def test_every_operation_declares_its_error_responses(client, tokens):
    doc = client.get("/api/v1/openapi.json", headers=bearer(tokens[Role.VIEWER])).json()
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    operations = [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 30
    for path, method, op in operations:
        for status in DECLARED:
            if path == "/healthz" and status in (401, 403):
                continue
            entry = op["responses"].get(str(status))
            assert entry is not None, f"{method.upper()} {path} does not declare {status}"
            assert entry["content"][MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_swagger_ui_is_served_from_the_package(client, tokens):
    page = client.get("/docs")
    assert page.status_code == 200 and "/docs/static/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from a CDN
    for asset in (
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "swagger-ui-standalone-preset.js",
        "autoheal-docs.js",
    ):
        r = client.get(f"/docs/static/{asset}")
        assert r.status_code == 200 and len(r.content) > 100, asset
    assert client.get("/docs/static/../app.py").status_code == 404
    assert client.get("/docs/static/index.j2").status_code == 404  # only the files the page needs
    script = client.get("/docs/static/autoheal-docs.js").text
    assert "/api/v1/openapi.json" in script and "Authorization" in script
    assert client.get("/api/v1/openapi.json").status_code == 401
