"""Catalogue cases: storage, nodes and monitoring alerts."""

from __future__ import annotations
