"""Cases shared with partners: the referral a resident agreed to, and its Open311 request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.kinds import ReferralStatus
from storage.models.base import Base, UtcDateTime


class Referral(Base):
    """A case shared with a partner desk, only after the citizen agreed."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    partner: Mapped[str] = mapped_column(String(32))
    # None: the partner is only an Open311 endpoint (see ServiceRequest), it has no group.
    partner_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    info_only: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ReferralStatus] = mapped_column(String(16), default=ReferralStatus.PROPOSED)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    proposed_by: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)  # why, shown to the resident and partner
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("partner_chat_id", "thread_id"),
        Index("ix_referral_created_at", "created_at"),
    )


class ServiceRequest(Base):
    """A referral on its way to (or at) a partner's Open311 GeoReport v2 endpoint.

    Written in the transaction in which the resident agreed; a worker posts it after the
    commit, retrying with backoff until the endpoint takes it, and then follows its status.
    `fields` are the exact form fields the resident agreed to (the API key is added when sent).
    """

    __tablename__ = "service_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), unique=True
    )
    desk: Mapped[str] = mapped_column(String(32))
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    media_file_id: Mapped[str | None] = mapped_column(String(256))
    media_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # queued → sending → submitted (has an id or a token) → closed
    status: Mapped[str] = mapped_column(String(12), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_shown: Mapped[bool] = mapped_column(default=False)
    possibly_repeated: Mapped[bool] = mapped_column(default=False)
    service_request_id: Mapped[str | None] = mapped_column(String(64))
    token: Mapped[str | None] = mapped_column(String(64))
    remote_status: Mapped[str | None] = mapped_column(String(16))
    status_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
