"""``tools.aws``: where the AWS APIs are and which credentials reach them (docs/cloud.md).

Credentials are ``SecretStr``: they go to botocore and nowhere else (never into ``repr``, an error,
a log line or the audit trail). Without explicit keys botocore's own chain is used (environment,
shared config ``profile``, instance or task role), which is what a deployment on AWS should do.
No ``boto3`` import here: the settings load without the ``aws`` extra installed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

Service = Literal["cloudwatch", "rds", "pi"]
SERVICES: tuple[Service, ...] = ("cloudwatch", "rds", "pi")


class AwsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str = Field(
        min_length=1, pattern=r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$", description="e.g. eu-west-1"
    )
    endpoint_url: str | None = Field(
        None, description="one endpoint for every service (a VPC endpoint, moto, LocalStack)"
    )
    endpoints: dict[Service, str] = Field(
        default_factory=dict, description="per-service endpoint, overriding endpoint_url"
    )
    profile: str | None = Field(None, description="a profile of the shared AWS config files")
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    session_token: SecretStr | None = None
    timeout: float = Field(10.0, gt=0, le=300, description="connect and read timeout, seconds")
    max_attempts: int = Field(3, ge=1, le=10, description="botocore retry attempts (standard mode)")

    @model_validator(mode="after")
    def _keys_in_pairs(self) -> AwsConfig:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("tools.aws: set access_key_id and secret_access_key together, or neither")
        if self.session_token is not None and self.access_key_id is None:
            raise ValueError("tools.aws: session_token needs access_key_id and secret_access_key")
        if self.profile and self.access_key_id is not None:
            raise ValueError("tools.aws: give either profile or access keys, not both")
        urls: dict[str, str | None] = {"endpoint_url": self.endpoint_url}
        urls.update({f"endpoints.{k}": v for k, v in self.endpoints.items()})
        for name, url in urls.items():
            if url is not None and not url.startswith(("http://", "https://")):
                raise ValueError(f"tools.aws: {name} must be an http(s) URL, got {url[:60]!r}")
        return self

    def endpoint_for(self, service: Service) -> str | None:
        return self.endpoints.get(service) or self.endpoint_url


class AwsClients:
    """boto3 clients for the three services, built once each, from one ``AwsConfig``."""

    def __init__(self, config: AwsConfig) -> None:
        import boto3
        from botocore.config import Config

        self._config = config
        keys: dict[str, Any] = {}
        if config.access_key_id is not None and config.secret_access_key is not None:
            keys = {
                "aws_access_key_id": config.access_key_id.get_secret_value(),
                "aws_secret_access_key": config.secret_access_key.get_secret_value(),
            }
            if config.session_token is not None:
                keys["aws_session_token"] = config.session_token.get_secret_value()
        self._session = boto3.session.Session(profile_name=config.profile, region_name=config.region, **keys)
        self._botocore = Config(
            connect_timeout=config.timeout,
            read_timeout=config.timeout,
            retries={"max_attempts": config.max_attempts, "mode": "standard"},
            user_agent_extra="autoheal",
        )
        self._clients: dict[str, Any] = {}

    def client(self, service: Service) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(
                service, endpoint_url=self._config.endpoint_for(service), config=self._botocore
            )
        return self._clients[service]

    def __repr__(self) -> str:  # never the keys
        return f"AwsClients(region={self._config.region!r})"
