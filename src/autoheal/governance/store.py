"""Governance tables (Alembic branch ``governance``): approval requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from autoheal.store.schema import Base


class ApprovalRow(Base):
    __tablename__ = "approval_requests"
    __table_args__ = (Index("ix_approval_requests_tool_digest", "tool", "args_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tool: Mapped[str] = mapped_column(String(128))
    args_digest: Mapped[str] = mapped_column(String(64))
    args: Mapped[str] = mapped_column(Text)  # redacted canonical JSON, for people to read
    caller: Mapped[str] = mapped_column(String(256))
    investigation_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending|granted|refused|used|expired
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(256), nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
