"""The one exception tree of Autoheal.

    AutohealError                   base of everything raised on purpose
    ├── ConfigError                 a setting or config file is wrong (says which and why)
    ├── InputError                  outside input is unusable; maps to HTTP 4xx
    │   ├── PayloadError            a webhook / alert payload is malformed or absurd (400/422)
    │   ├── UnknownSourceError      no alert source of that name (404)
    │   └── ScenarioError           a scenario file does not match the schema
    ├── AuthError                   missing or wrong credentials (401) ...
    │   └── ForbiddenError          ... or a role that may not do this (403)
    ├── PolicyError                 a policy file is invalid
    ├── AuditIntegrityError         the audit trail failed verification
    ├── NotFoundError               an object that does not exist was asked for (404)
    ├── ConflictError               the change conflicts with the object's state (409), e.g.
    │                               an illegal incident status transition
    └── StoreError                  the database refused or is unreachable

Failures caused by the outside world at run time (a tool timing out, a model refusing, a server
returning 500) are *not* exceptions: they come back as data with a status (see
``autoheal.domain.tools.ToolResult``). Bugs in our own code raise whatever they raise.
"""

from __future__ import annotations

from typing import Any


class AutohealError(Exception):
    """Base class; ``context`` carries what a caller or log needs to act on it."""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return self.message


class ConfigError(AutohealError):
    pass


class InputError(AutohealError):
    status_code = 400


class PayloadError(InputError):
    status_code = 422


class UnknownSourceError(InputError):
    status_code = 404


class ScenarioError(InputError):
    pass


class AuthError(AutohealError):
    status_code = 401


class ForbiddenError(AuthError):
    status_code = 403


class PolicyError(AutohealError):
    pass


class AuditIntegrityError(AutohealError):
    pass


class NotFoundError(AutohealError):
    status_code = 404


class ConflictError(AutohealError):
    status_code = 409


class StoreError(AutohealError):
    pass
