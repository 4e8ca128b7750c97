"""The console's table (Alembic branch ``console``): browser sessions.

A session row holds the SHA-256 of the session cookie (never the cookie), the SHA-256 of the API
token it was opened with (never the token), the CSRF secret its forms carry and when it expires.
The role is *not* stored: every request reads it again from the token, so revoking the token
ends its sessions at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from autoheal.store.schema import Base


class ConsoleSessionRow(Base):
    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
