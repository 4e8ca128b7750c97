"""Anthropic Claude through the official ``anthropic`` SDK (optional extra ``autoheal[anthropic]``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from autoheal.reasoning.models.base import ModelReply, ModelRequest, default_http_client


class AnthropicSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key: SecretStr
    model: str = "claude-sonnet-4-6"
    base_url: str | None = None  # a proxy or gateway in front of the Anthropic API
    timeout_seconds: float = 60.0
    max_retries: int = 2


class AnthropicModel:
    def __init__(self, settings: AnthropicSettings, *, http_client: Any = None) -> None:
        """``http_client``: an ``httpx2.Client`` (the SDK's HTTP library), e.g. for a proxy."""
        import anthropic  # optional dependency: imported only when configured

        self.settings = settings
        self.name = f"anthropic:{settings.model}"
        self._errors = (anthropic.APIError,)
        self._client = anthropic.Anthropic(
            api_key=settings.api_key.get_secret_value(),
            base_url=settings.base_url,
            timeout=settings.timeout_seconds,
            max_retries=settings.max_retries,
            http_client=http_client or default_http_client(settings.timeout_seconds),
        )

    def complete(self, request: ModelRequest) -> ModelReply:
        messages: Any = [{"role": m.role, "content": m.content} for m in request.messages]
        try:
            message: Any = self._client.messages.create(
                model=self.settings.model,
                system=request.system,
                max_tokens=request.max_tokens,
                messages=messages,
            )
        except self._errors as exc:
            return ModelReply("error", model=self.name, message=f"{type(exc).__name__}: {exc}")
        text = "".join(getattr(block, "text", "") for block in message.content)
        usage = getattr(message, "usage", None)
        status: Literal["ok", "refused"] = (
            "refused" if getattr(message, "stop_reason", "") == "refusal" else "ok"
        )
        return ModelReply(
            status,
            text=text,
            model=self.name,
            input_tokens=getattr(usage, "input_tokens", 0) or 0,
            output_tokens=getattr(usage, "output_tokens", 0) or 0,
        )
