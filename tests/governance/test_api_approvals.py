from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from autoheal.api.routes import approvals as routes
from autoheal.domain.tools import ToolStatus
from autoheal.errors import AutohealError
from autoheal.governance.approvals import ApprovalService, Principal
from tests.governance.conftest import DeleteTool, GatewayFactory


def _client(service: ApprovalService, who: Principal) -> TestClient:
    app = FastAPI()

    @app.exception_handler(AutohealError)
    async def _err(request: Request, exc: AutohealError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=getattr(exc, "status_code", 500))

    app.include_router(routes.router)
    app.dependency_overrides[routes.get_approval_service] = lambda: service
    app.dependency_overrides[routes.get_principal] = lambda: who
    return TestClient(app)


def test_list_grant_and_run(make_gateway: GatewayFactory, approvals: ApprovalService) -> None:
    tool = DeleteTool()
    gw = make_gateway([tool])
    r = gw.call("kubernetes.delete", {"text": "pod/a"}, caller="investigation")
    req_id = r.meta["approval_id"]

    viewer = _client(approvals, Principal("vic", "viewer"))
    listed = viewer.get("/api/v1/approvals", params={"status": "pending"}).json()
    assert [x["id"] for x in listed] == [req_id]
    assert viewer.post(f"/api/v1/approvals/{req_id}/grant").status_code == 403
    assert viewer.get("/api/v1/approvals/999").status_code == 404

    responder = _client(approvals, Principal("rita", "responder"))
    granted = responder.post(f"/api/v1/approvals/{req_id}/grant", json={"note": "go"})
    assert granted.status_code == 200 and granted.json()["decided_by"] == "rita"
    assert responder.post(f"/api/v1/approvals/{req_id}/deny").status_code == 400  # already decided
    assert gw.call("kubernetes.delete", {"text": "pod/a"}, caller="investigation").status is ToolStatus.OK
    assert len(tool.calls) == 1


def test_unconfigured_service_is_an_error(approvals: ApprovalService) -> None:
    app = FastAPI()
    app.include_router(routes.router)
    app.dependency_overrides[routes.get_principal] = lambda: Principal("a", "admin")
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/api/v1/approvals").status_code == 500
