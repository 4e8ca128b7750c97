"""Packaging: no setuptools deprecation (an SPDX license string), the files the API serves are in
the wheel's package data, the Swagger UI assets come from a dependency."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_is_an_spdx_string_for_setuptools_77():
    assert PROJECT["project"]["license"] == "Apache-2.0"
    assert any(r.startswith("setuptools>=77") for r in PROJECT["build-system"]["requires"])
    assert not any("License ::" in c for c in PROJECT["project"].get("classifiers", []))


def test_served_files_are_package_data():
    patterns = PROJECT["tool"]["setuptools"]["package-data"]["autoheal"]
    for suffix in ("html", "js", "css", "mako"):
        assert f"**/*.{suffix}" in patterns
    assert any(d.startswith("swagger-ui-bundle") for d in PROJECT["project"]["dependencies"])
    assert any(d.startswith("schemathesis") for d in PROJECT["project"]["optional-dependencies"]["dev"])
