"""No test in this package may reach a real language model.

``ALLOW_MODEL_REQUESTS`` is turned off for every test: the Anthropic and OpenAI providers then
build their SDK clients on an HTTP transport that raises on any request, so a provider created
without an explicit test transport fails (as data: a ModelReply with status ``error``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autoheal.reasoning.models import base


@pytest.fixture(autouse=True)
def _no_real_model_requests() -> Iterator[None]:
    previous = base.ALLOW_MODEL_REQUESTS
    base.ALLOW_MODEL_REQUESTS = False
    try:
        yield
    finally:
        base.ALLOW_MODEL_REQUESTS = previous
