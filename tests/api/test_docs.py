"""docs/configuration.md and docs/sources.md keep up with the API: every operation, every kind of
problem, the input limits with the values the code uses."""

from __future__ import annotations

from pathlib import Path

from autoheal.api.app import create_app
from autoheal.api.problems import _KINDS
from autoheal.pipeline.ingest import MAX_JSON_DEPTH
from autoheal.sources import _fields
from autoheal.store import silences

DOCS = Path(__file__).resolve().parents[2] / "docs"
CONFIG = (DOCS / "configuration.md").read_text(encoding="utf-8")
SOURCES = (DOCS / "sources.md").read_text(encoding="utf-8")


def test_every_api_path_is_documented(autoheal):
    paths = create_app(autoheal).openapi()["paths"]
    missing = []
    for path, operations in paths.items():
        if path in ("/healthz", "/metrics", "/api/v1/openapi.json"):
            continue
        short = path.removeprefix("/api/v1")
        short = (
            short.replace("{alert_id}", "{id}").replace("{group_id}", "{id}").replace("{verdict_id}", "{id}")
        )
        short = (
            short.replace("{approval_id}", "{id}").replace("{item_id}", "{id}").replace("{token_id}", "{id}")
        )
        short = short.replace("{investigation_id}", "{id}")
        for method in operations:
            if f"{method.upper()} {short}" not in CONFIG and f"{method.upper()} {path}" not in SOURCES:
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"undocumented in docs/configuration.md: {missing}"


def test_every_problem_type_is_documented():
    for status, (slug, _title) in _KINDS.items():
        if status == 429:
            continue
        assert f"`{slug}` ({status}" in CONFIG, slug


def test_limits_in_the_docs_are_the_codes():
    assert f"{MAX_JSON_DEPTH} levels" in SOURCES and f"{MAX_JSON_DEPTH} levels" in CONFIG
    assert f"| {_fields.MAX_LABELS} each" in SOURCES
    assert f"{_fields.MAX_PAST.days:,} days" in SOURCES and f"{_fields.MAX_FUTURE.days} day after" in SOURCES
    assert f"{_fields.MAX_ALERTS:,}" in SOURCES
    assert (
        f"{silences.MAX_DURATION.days} days long" in CONFIG and f"{silences.MAX_MATCHERS} matchers" in CONFIG
    )
    for word in (
        "AUTOHEAL_URL",
        "AUTOHEAL_TOKEN",
        "reading server",
        "reading local database",
        "application/problem+json",
    ):
        assert word in CONFIG, word
