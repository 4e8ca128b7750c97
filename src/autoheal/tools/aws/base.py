"""What the AWS tools share: the window arguments, and AWS failures turned into data.

A botocore ``ClientError`` becomes ``ERROR`` with the API's own code and message (``AccessDenied``,
``Throttling``, ``DBInstanceNotFound`` -> ``NO_DATA``); an unreachable endpoint, a timeout or
missing credentials become ``ERROR`` saying so. The message never carries a credential (botocore
does not put keys in its errors; the gateway redacts whatever a result carries on top of that).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from autoheal.clock import utc, zulu
from autoheal.domain.tools import Access, ToolResult, ToolStatus

NOT_FOUND_CODES = frozenset({"DBInstanceNotFound", "DBInstanceNotFoundFault", "NotFoundException"})
MAX_WINDOW = timedelta(days=15)  # CloudWatch keeps 1-minute data for 15 days


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowArgs(Args):
    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _window(self) -> WindowArgs:
        if utc(self.end) <= utc(self.start):
            raise ValueError("end must be after start")
        if utc(self.end) - utc(self.start) > MAX_WINDOW:
            raise ValueError(f"the window is longer than {MAX_WINDOW.days} days; narrow start/end")
        return self


DB_INSTANCE_PATTERN = r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$"


def db_instance_field(default: Any = ..., description: str = "") -> Any:
    """A DB instance identifier argument (the policy can match it: ``args: {db_instance: [...]}``)."""
    return Field(default, pattern=DB_INSTANCE_PATTERN, description=description or "DB instance identifier")


class AwsTool:
    """A read-only AWS tool over one boto3 client (built by ``AwsClients`` or given by a test)."""

    access: ClassVar[Access] = Access.READ
    service: ClassVar[str] = ""

    def __init__(self, client: Any) -> None:
        self.client = client


def guarded(what: str, call: Callable[[], ToolResult]) -> ToolResult:
    """Run ``call``; AWS and network failures become a ToolResult (bugs still raise)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call()
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code = str(err.get("Code") or "ClientError")
        message = str(err.get("Message") or "")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in NOT_FOUND_CODES or status == 404:
            return ToolResult(
                ToolStatus.NO_DATA, message=f"{what}: {code} {message}".strip(), meta={"code": code}
            )
        return ToolResult.failure(f"{what}: {code}: {message}".strip(": "), code=code, http_status=status)
    except BotoCoreError as exc:  # endpoint unreachable, timeout, no credentials, bad response
        return ToolResult.failure(f"{what}: {type(exc).__name__}: {exc}")


def iso(value: Any) -> Any:
    """Datetimes in API answers as ISO 8601 UTC text, recursively (results are JSON)."""
    if isinstance(value, datetime):
        return zulu(value)
    if isinstance(value, dict):
        return {k: iso(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [iso(v) for v in value]
    return value
