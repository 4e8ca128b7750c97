"""Interactive API docs at ``/docs``: Swagger UI served from the ``swagger-ui-bundle`` package's
files (no CDN: it works on a network that reaches nothing outside).

The page and its scripts are static and open — they hold no data; the OpenAPI document they
render stays behind a viewer token (``/api/v1/openapi.json``). The page asks for a token, keeps it
in the browser tab's session storage, and sends it with the document request and with every call
made from the page ("Try it out"). ReDoc is not served: no PyPI package ships its bundle.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from autoheal.errors import NotFoundError

ASSETS = Path(__file__).parent / "docs_assets"
# The Swagger UI files the page loads; nothing else of the bundle is served.
_SWAGGER_FILES = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "favicon-32x32.png": "image/png",
}
_OWN_FILES = {"autoheal-docs.js": "text/javascript", "autoheal-docs.css": "text/css"}


def swagger_ui_dir() -> Path:
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError as exc:  # a dependency; only a broken install lacks it
        raise NotFoundError("Swagger UI is not installed (pip install swagger-ui-bundle)") from exc
    return Path(str(swagger_ui_path))


def install(api: FastAPI) -> None:
    @api.get("/docs", include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return HTMLResponse((ASSETS / "index.html").read_text(encoding="utf-8"))

    @api.get("/docs/static/{name}", include_in_schema=False)
    def docs_asset(name: str) -> FileResponse:
        if name in _OWN_FILES:
            return FileResponse(ASSETS / name, media_type=_OWN_FILES[name])
        if name in _SWAGGER_FILES:
            return FileResponse(swagger_ui_dir() / name, media_type=_SWAGGER_FILES[name])
        raise NotFoundError(f"no docs asset {name[:80]!r}")
