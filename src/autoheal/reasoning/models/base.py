"""The language model interface: one method, failures as data.

Providers (one module each): :mod:`.anthropic` (Claude, first-class), :mod:`.openai_compat` (any
OpenAI-compatible endpoint: OpenAI, vLLM, Ollama, llama.cpp server) and :mod:`.scripted` (a real
implementation that replies from a script — used by tests and demos).

``ALLOW_MODEL_REQUESTS`` is the switch the test suite turns off: providers then build their SDK
clients on an HTTP transport that refuses every request, so no test can reach a real model.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from autoheal.domain.tools import ToolResult

ALLOW_MODEL_REQUESTS = True

Role = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ModelRequest:
    system: str
    messages: Sequence[Message]
    max_tokens: int = 1500
    temperature: float = 0.0
    purpose: str = ""  # hypotheses | plan | narrative | decision_trace ... (for the audit trail)


@dataclass(frozen=True, slots=True)
class ModelReply:
    status: Literal["ok", "error", "refused", "budget_exhausted"]
    text: str = ""
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    message: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class LanguageModel(Protocol):
    name: str  # provider:model, e.g. anthropic:claude-sonnet-4-5

    def complete(self, request: ModelRequest) -> ModelReply: ...


@runtime_checkable
class ModelGovernor(Protocol):
    """What the governance gateway offers for model calls (``autoheal.governance.Gateway``)."""

    def reserve_model_tokens(self, investigation_id: str, tokens: int) -> ToolResult: ...

    def record_model_call(
        self, *, caller: str, investigation_id: str | None, payload: Mapping[str, Any]
    ) -> None: ...


def refusing_transport() -> Any:
    """An HTTP transport that fails every request (used when model requests are not allowed).

    The ``anthropic`` and ``openai`` SDKs are built on ``httpx2`` (installed with them)."""
    import httpx2

    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError(
            f"model requests are disabled (ALLOW_MODEL_REQUESTS=False): refused {request.url}",
            request=request,
        )

    return httpx2.MockTransport(refuse)


def default_http_client(timeout: float) -> Any:
    """None (the SDK's own client) normally; a refusing client when requests are not allowed."""
    if ALLOW_MODEL_REQUESTS:
        return None
    import httpx2

    return httpx2.Client(transport=refusing_transport(), timeout=timeout)


def governed_complete(
    model: LanguageModel,
    request: ModelRequest,
    governor: object | None,
    *,
    caller: str = "model",
    investigation_id: str | None = None,
) -> ModelReply:
    """Run one model call under the budget and record it in the audit trail (kind model_call).

    Without a governor (no gateway) the call still runs; it is simply not audited.
    """
    gov = governor if isinstance(governor, ModelGovernor) else None
    if gov is not None and investigation_id:
        budget = gov.reserve_model_tokens(investigation_id, request.max_tokens)
        if not budget.ok:
            reply = ModelReply("budget_exhausted", model=model.name, message=budget.message)
            _record(gov, model, request, reply, 0.0, caller, investigation_id)
            return reply
    started = time.perf_counter()
    reply = model.complete(request)
    if gov is not None:
        _record(gov, model, request, reply, (time.perf_counter() - started) * 1000, caller, investigation_id)
    return reply


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _record(
    gov: ModelGovernor,
    model: LanguageModel,
    request: ModelRequest,
    reply: ModelReply,
    duration_ms: float,
    caller: str,
    investigation_id: str | None,
) -> None:
    prompt = request.system + "\n".join(m.content for m in request.messages)
    gov.record_model_call(
        caller=caller,
        investigation_id=investigation_id,
        payload={
            "model": model.name,
            "purpose": request.purpose,
            "status": reply.status,
            "message": reply.message,
            "input_tokens": reply.input_tokens,
            "output_tokens": reply.output_tokens,
            "prompt_sha256": _digest(prompt),
            "response_sha256": _digest(reply.text),
            "duration_ms": round(duration_ms, 1),
        },
    )
