"""Choosing a language model from settings or the environment (never at import time).

AUTOHEAL_MODEL_PROVIDER   anthropic | openai | none (default: none — deterministic narrative)
AUTOHEAL_MODEL            model name (default claude-sonnet-4-6; required for openai)
AUTOHEAL_MODEL_BASE_URL   proxy / gateway URL, or an OpenAI-compatible server (vLLM, Ollama)
ANTHROPIC_API_KEY         key for anthropic (or AUTOHEAL_MODEL_API_KEY)
OPENAI_API_KEY            key for openai (or AUTOHEAL_MODEL_API_KEY; local servers need none)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from autoheal.errors import ConfigError
from autoheal.reasoning.models.base import LanguageModel


class ModelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Literal["none", "anthropic", "openai"] = "none"
    model: str | None = None
    base_url: str | None = None
    api_key: SecretStr | None = None
    timeout_seconds: float = 60.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ModelSettings:
        provider = environ.get("AUTOHEAL_MODEL_PROVIDER", "none").strip().lower() or "none"
        if provider not in ("none", "anthropic", "openai"):
            raise ConfigError(f"AUTOHEAL_MODEL_PROVIDER must be anthropic, openai or none, not {provider!r}")
        key_var = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}.get(provider, "")
        key = environ.get("AUTOHEAL_MODEL_API_KEY") or environ.get(key_var)
        return cls(
            provider=provider,
            model=environ.get("AUTOHEAL_MODEL") or None,
            base_url=environ.get("AUTOHEAL_MODEL_BASE_URL") or None,
            api_key=SecretStr(key) if key else None,
        )


def build_model(settings: ModelSettings) -> LanguageModel | None:
    if settings.provider == "none":
        return None
    if settings.provider == "anthropic":
        from autoheal.reasoning.models.anthropic import AnthropicModel, AnthropicSettings

        if settings.api_key is None:
            raise ConfigError("the anthropic model needs ANTHROPIC_API_KEY (or AUTOHEAL_MODEL_API_KEY)")
        return AnthropicModel(
            AnthropicSettings(
                api_key=settings.api_key,
                model=settings.model or AnthropicSettings.model_fields["model"].default,
                base_url=settings.base_url,
                timeout_seconds=settings.timeout_seconds,
            )
        )
    from autoheal.reasoning.models.openai_compat import OpenAICompatibleModel, OpenAICompatibleSettings

    if not settings.model:
        raise ConfigError("the openai provider needs AUTOHEAL_MODEL (e.g. gpt-4o, or llama3.1 on Ollama)")
    return OpenAICompatibleModel(
        OpenAICompatibleSettings(
            model=settings.model,
            base_url=settings.base_url,
            api_key=settings.api_key or SecretStr("not-needed"),
            timeout_seconds=settings.timeout_seconds,
        )
    )
