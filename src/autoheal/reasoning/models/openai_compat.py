"""Any OpenAI-compatible chat completions endpoint through the official ``openai`` SDK: OpenAI
itself, vLLM, Ollama (``base_url=http://127.0.0.1:11434/v1``), llama.cpp server, LiteLLM..."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from autoheal.reasoning.models.base import ModelReply, ModelRequest, default_http_client


class OpenAICompatibleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    base_url: str | None = None  # None: api.openai.com
    api_key: SecretStr = SecretStr("not-needed")  # local servers usually ignore it
    timeout_seconds: float = 60.0
    max_retries: int = 2


class OpenAICompatibleModel:
    def __init__(self, settings: OpenAICompatibleSettings, *, http_client: Any = None) -> None:
        import openai  # optional dependency: imported only when configured

        self.settings = settings
        self.name = f"openai:{settings.model}"
        self._errors = (openai.APIError,)
        self._client = openai.OpenAI(
            api_key=settings.api_key.get_secret_value(),
            base_url=settings.base_url,
            timeout=settings.timeout_seconds,
            max_retries=settings.max_retries,
            http_client=http_client or default_http_client(settings.timeout_seconds),
        )

    def complete(self, request: ModelRequest) -> ModelReply:
        messages: list[Any] = [{"role": "system", "content": request.system}]
        messages += [{"role": m.role, "content": m.content} for m in request.messages]
        try:
            completion: Any = self._client.chat.completions.create(
                model=self.settings.model,
                messages=messages,
                max_tokens=request.max_tokens,
                temperature=request.temperature,
            )
        except self._errors as exc:
            return ModelReply("error", model=self.name, message=f"{type(exc).__name__}: {exc}")
        choice = completion.choices[0] if completion.choices else None
        text = (choice.message.content or "") if choice else ""
        usage = getattr(completion, "usage", None)
        status: Literal["ok", "refused"] = (
            "refused" if choice is not None and getattr(choice.message, "refusal", None) else "ok"
        )
        return ModelReply(
            status,
            text=text,
            model=self.name,
            input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            output_tokens=getattr(usage, "completion_tokens", 0) or 0,
        )
