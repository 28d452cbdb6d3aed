"""Residents and their cases: the case, its conversation on both sides of the relay, the
anonymous seal, bans made from a case and the staff audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.kinds import CasePriority, CaseStatus, Direction, Privacy
from storage.models.base import Base, UtcDateTime


class Citizen(Base):
    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(128), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    blocked_bot: Mapped[bool] = mapped_column(default=False)
    # Quiet hours for non-urgent alerts, local "HH:MM" in the network's time zone.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    # The ids of this resident's anonymous cases, sealed with the anonymity key and padded, so
    # a database dump cannot tell whose they are, or whether someone has any (storage.sealing).
    sealed_cases: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The day only (midnight UTC): a finer time could be matched with an anonymous message's.
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseCounter(Base):
    """The last reference number handed out per year, so references read BL-26-00001 onwards."""

    __tablename__ = "case_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


# What /stats reads of the cases opened in its period, kept in the created_at index (PostgreSQL).
COVERED = ("desk", "category", "area", "language", "privacy", "first_reply_at", "closed_at")
WITH_OPENING = ("created_at", "desk")
UNANSWERED = text("first_reply_at IS NULL")


class Case(Base):
    __tablename__ = "case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    # None for an anonymous case (its resident is in case_seal, sealed) and for a case whose
    # resident was forgotten or that was pseudonymised after the retention period.
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(32))
    area: Mapped[str] = mapped_column(String(32))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_rounded: Mapped[bool] = mapped_column(default=False)  # to about 500 m
    location_note: Mapped[str | None] = mapped_column(Text)  # an address the resident typed
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the report was edited
    language: Mapped[str] = mapped_column(String(8))  # a configured language, or "other"
    language_guess: Mapped[str | None] = mapped_column(String(8))  # the detector's best guess
    privacy: Mapped[Privacy] = mapped_column(String(16), default=Privacy.CONFIDENTIAL)
    status: Mapped[CaseStatus] = mapped_column(String(16), default=CaseStatus.NEW, index=True)
    desk: Mapped[str] = mapped_column(String(32))
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)
    assignee_name: Mapped[str | None] = mapped_column(String(128))
    # What staff see instead of a name in an anonymous case; unlinkable across cases.
    pseudonym: Mapped[str | None] = mapped_column(String(16))
    staff_chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    priority: Mapped[CasePriority] = mapped_column(String(16), default=CasePriority.NORMAL)
    alert_id: Mapped[int | None] = mapped_column(Integer)  # the alert the report answers
    # The wizard's draft this case was opened from: a second "Send" of it opens nothing.
    draft_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Response-time bookkeeping, so a restart neither loses nor repeats a reminder.
    sla_reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    sla_escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # Until when the citizen has been told the desk is off duty (one notice per period).
    off_duty_notice_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the link to its resident was removed for good (/forget or the retention period).
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    citizen: Mapped[Citizen | None] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("staff_chat_id", "thread_id"),
        # *My cases* reads a resident's latest cases in this order, not all of them (0017).
        Index("ix_case_citizen_created", "citizen_id", "created_at", "id"),
        # /stats reads the cases opened in its period from this index alone (0012).
        Index("ix_case_created_at", "created_at", postgresql_include=list(COVERED)),
        # /stats reads the replies and closings of the day still running from these alone (0013).
        Index("ix_case_closed_at", "closed_at", postgresql_include=list(WITH_OPENING)),
        Index("ix_case_first_reply_at", "first_reply_at", postgresql_include=list(WITH_OPENING)),
        # /stats reads the cases judged late though unanswered from this alone (0016).
        Index(
            "ix_case_unanswered",
            "created_at",
            postgresql_include=["desk", "closed_at"],
            postgresql_where=UNANSWERED,
            sqlite_where=UNANSWERED,
        ),
    )


class CaseMessage(Base):
    """One message of a case conversation, with its ids on both sides of the relay.

    It is recorded when it arrives; `target_message_id` is filled in when the courier has
    delivered its copy (bot.workflows.effects). A citizen's text that is part of the report
    itself has `target_chat_id` set from the start: its copy is the case card.
    """

    __tablename__ = "case_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    direction: Mapped[Direction] = mapped_column(String(8))
    source_chat_id: Mapped[int] = mapped_column(BigInteger)
    source_message_id: Mapped[int] = mapped_column(BigInteger)
    target_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    target_message_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str | None] = mapped_column(String(256))
    text: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))  # detected, citizen messages only
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    author_name: Mapped[str | None] = mapped_column(String(128))  # staff only, for staff eyes
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("source_chat_id", "source_message_id"),
        Index("ix_case_message_target", "target_chat_id", "target_message_id"),
    )


class CaseSeal(Base):
    """The resident behind an anonymous case, kept apart from the case and sealed with the
    anonymity key: a dump of the database alone does not say who reported it."""

    __tablename__ = "case_seal"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    sealed: Mapped[str] = mapped_column(Text)


class MessageVersion(Base):
    """A later version of a relayed message: an edit never overwrites what the other side saw,
    so `CaseMessage.text` keeps the first version and each edit adds a row here."""

    __tablename__ = "message_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_message_id: Mapped[int] = mapped_column(
        ForeignKey("case_message.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseBan(Base):
    """A ban made from one case: the resident behind it may open no cases, send no follow-ups,
    rate nothing. Staff see only the case, never who it is, and lift it only from that case."""

    __tablename__ = "case_ban"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    # None when the case is anonymous (its seal says who) or its resident was forgotten.
    citizen_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizen.id", ondelete="SET NULL"), index=True
    )
    # A ban that outlived /forget or the retention period: the Telegram id, sealed, so the
    # person is banned again if they come back, and nobody reading the database learns who.
    sealed_person: Mapped[str | None] = mapped_column(Text)
    banned_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lifted_by: Mapped[int | None] = mapped_column(BigInteger)


class AuditEvent(Base):
    """Append-only record of staff actions on cases."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(128), default="")
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
