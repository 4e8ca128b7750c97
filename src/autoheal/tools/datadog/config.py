"""``tools.datadog``: the Datadog site (or an explicit API host) and the two keys (docs/cloud.md).

The keys are ``SecretStr``: they reach the official client's ``api_key`` map and nowhere else.
No ``datadog_api_client`` import here: the settings load without the ``datadog`` extra.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class DatadogConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site: str = Field(
        "datadoghq.com",
        pattern=r"^[a-z0-9.-]+\.(com|eu)$",
        description="e.g. datadoghq.eu, us5.datadoghq.com",
    )
    host: str | None = Field(None, description="full API base URL, overriding site (a proxy, a test fake)")
    api_key: SecretStr
    app_key: SecretStr
    timeout: float = Field(10.0, gt=0, le=300)
    max_retries: int = Field(2, ge=0, le=10, description="retries on 429 and 5xx (the client's own)")

    @field_validator("host")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"tools.datadog.host must be an http(s) URL, got {value[:60]!r}")
        return value.rstrip("/") if value else value

    def api_client(self) -> Any:
        """An official ``datadog_api_client.ApiClient`` for this site and keys."""
        from datadog_api_client import ApiClient, Configuration

        configuration = Configuration(
            host=self.host,
            enable_retry=self.max_retries > 0,
            max_retries=max(self.max_retries, 1),
            request_timeout=self.timeout,
        )
        if self.host is None:
            configuration.server_variables["site"] = self.site
        configuration.api_key["apiKeyAuth"] = self.api_key.get_secret_value()
        configuration.api_key["appKeyAuth"] = self.app_key.get_secret_value()
        return ApiClient(configuration)
