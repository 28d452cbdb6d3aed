"""The bot's two ends on Telegram: updates already handled (inbound, once only) and the
outbox of Bot API calls made after the commit (outbound)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.kinds import Guarantee, OutboxStatus, Priority
from storage.models.base import Base, UtcDateTime


class ProcessedUpdate(Base):
    """Proof that an update was handled, so a redelivered update does nothing twice."""

    __tablename__ = "processed_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class OutboxMessage(Base):
    """One Bot API call to make after the transaction that decided it has committed.

    `lane` is the chat it goes to: one lane's messages leave in the order they were written
    (interactive before broadcast), and lanes never wait for each other. `method` is a Bot
    API method name with its fields in `payload`, or a `beatline.*` message that is composed
    when it is sent (an alert, a refreshed case card). A message `into_topic` goes to its
    case's current topic, created (with the case card) if the case has none. `effect` names
    what to record once Telegram answered (the relayed-message map, a reaction, a delivery
    status) or refused.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lane: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(SmallInteger, default=Priority.INTERACTIVE)
    guarantee: Mapped[Guarantee] = mapped_column(String(16), default=Guarantee.AT_LEAST_ONCE)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    into_topic: Mapped[bool] = mapped_column(default=False)
    effect: Mapped[str | None] = mapped_column(String(24))
    effect_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)  # one uploaded file, if any
    attachment_name: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[OutboxStatus] = mapped_column(String(8), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    possibly_repeated: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_outbox_queue", "status", "lane", "priority", "id"),
        Index("ix_outbox_case_id", "case_id"),
        Index("ix_outbox_created_at", "created_at"),
    )
