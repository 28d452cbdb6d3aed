"""Alerts: subscriptions, announcements and their sendings, each resident's copy, the
published CAP messages and the coordinators' live progress report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.kinds import AlertFeedback, AnnouncementStatus, DeliveryStatus
from storage.models.base import Base, UtcDateTime


class Subscription(Base):
    """A citizen following alerts for an area or a topic."""

    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # "area" or "topic"
    code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)  # /stats: 0012

    __table_args__ = (UniqueConstraint("citizen_id", "kind", "code"),)


class Announcement(Base):
    """A coordinator's multilingual alert: texts per language, audience, schedule."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every area
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every topic
    urgent: Mapped[bool] = mapped_column(default=False)
    texts: Mapped[dict[str, str]] = mapped_column(JSON)  # {language: text}
    photo_file_id: Mapped[str | None] = mapped_column(String(256))
    schedule: Mapped[str] = mapped_column(String(64), default="once")  # once | cron expression
    next_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # a recurring alert's last day
    status: Mapped[AnnouncementStatus] = mapped_column(
        String(16), default=AnnouncementStatus.SCHEDULED
    )
    approved_by: Mapped[int | None] = mapped_column(BigInteger)  # the second coordinator
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Occurrence(Base):
    """One sending of an announcement (a recurring one has many)."""

    __tablename__ = "occurrence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reported: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("announcement_id", "due_at"),)


class Delivery(Base):
    """One citizen's copy of one occurrence; the unique key makes a second copy impossible."""

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), index=True
    )
    # None once the delivery was pseudonymised (retention, /forget); chat_id is then -id.
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(8))
    fallback: Mapped[bool] = mapped_column(default=False)  # got the default language
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)  # quiet hours push this back
    status: Mapped[DeliveryStatus] = mapped_column(
        String(8), default=DeliveryStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # No message id: ids count per chat, so they would show where a resident's chat stood (0019).
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    feedback: Mapped[AlertFeedback | None] = mapped_column(String(16))  # never INFO

    __table_args__ = (UniqueConstraint("occurrence_id", "chat_id"),)


class CapMessage(Base):
    """A CAP 1.2 message as it was published (bot.domain.cap): the exact XML, written in the
    transaction that claimed the announcement's sending (or cancelled it)."""

    __tablename__ = "cap_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), index=True
    )
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE")
    )
    identifier: Mapped[str] = mapped_column(String(160), unique=True)
    msg_type: Mapped[str] = mapped_column(String(8))  # Alert | Update | Cancel
    headline: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    xml: Mapped[str] = mapped_column(Text)


class BroadcastProgress(Base):
    """The coordinators' live report of one sending: the message that is edited while alerts go
    out and becomes the delivery report at the end. One edit is outstanding at a time
    (`pending`), so edits keep their spacing however many deliveries finish at once."""

    __tablename__ = "broadcast_progress"

    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrence.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # known once it was posted
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the last edit Telegram took
    pending: Mapped[bool] = mapped_column(default=False)  # an edit is queued or being sent
    lost: Mapped[bool] = mapped_column(default=False)  # cannot be posted or edited any more
    report: Mapped[str | None] = mapped_column(Text)  # the final delivery report, once known
    report_shown: Mapped[bool] = mapped_column(default=False)
